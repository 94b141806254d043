//! Request extractors that turn every kind of bad input into a problem document: `ValidatedJson`
//! (content type, size, syntax, shape, then the `validator` rules shared with clients) and
//! `ValidatedQuery`.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared_types::ErrorCode;
use validator::Validate;

use crate::error::ApiError;

/// A JSON body, deserialised and validated. Malformed JSON -> 400, wrong content type -> 415,
/// too large -> 413, wrong shape or broken rule -> 422 naming the field.
#[derive(Debug)]
pub struct ValidatedJson<T>(pub T);

impl<T: DeserializeOwned + Serialize + Validate + 'static> FromRequest for ValidatedJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json_content = is_json(req);
        // `Bytes` honours the app-wide `PayloadConfig` limit (MAX_BODY_BYTES).
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json_content {
                return Err(ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ));
            }
            let bytes = body.await.map_err(body_error)?;
            let value = parse_json::<T>(&bytes)?;
            refuse_unknown_values(&value)?;
            value.validate()?;
            Ok(Self(value))
        })
    }
}

/// The body as sent, for a handler that needs the exact bytes (a webhook whose signature covers
/// them). Within `MAX_BODY_BYTES` like every body: larger -> 413 problem.
#[derive(Debug)]
pub struct RawBody(pub web::Bytes);

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move { body.await.map(Self).map_err(body_error) })
    }
}

/// Why a body could not be read: too large (413), or cut short (400).
fn body_error(error: actix_web::Error) -> ApiError {
    if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
    } else {
        ApiError::new(ErrorCode::MalformedJson, error.to_string())
    }
}

fn is_json(req: &HttpRequest) -> bool {
    match req.mime_type() {
        Ok(Some(mime)) => {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        }
        _ => false,
    }
}

/// Parses JSON, telling syntax errors (400) from shape errors (422, with the field's path).
/// Every request body of the API is an object (serde alone would also read a struct from an
/// array of its fields in order).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|error| ApiError::new(ErrorCode::MalformedJson, error.to_string()))?;
    if !value.is_object() {
        return Err(ApiError::invalid_field("body", "must be a JSON object"));
    }
    if let Some(field) = field_with_nul(&value, "") {
        return Err(ApiError::invalid_field(&field, NUL_MESSAGE));
    }
    integral_floats_to_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let (field, message) = field_of(&path, &error.into_inner().to_string());
        ApiError::Validation(BTreeMap::from([(field, vec![message])]))
    })
}

/// No text we store may hold U+0000: PostgreSQL's text cannot, so it is refused at the edge on
/// both backends, for every string of a body, a query and a path.
const NUL_MESSAGE: &str = "must not contain the NUL character (U+0000)";

/// The path (`a.b[2]`, or `body` for the whole document) of the first string or key of `value`
/// holding a NUL character.
fn field_with_nul(value: &serde_json::Value, path: &str) -> Option<String> {
    use serde_json::Value;
    let here = || {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path.to_owned()
        }
    };
    match value {
        Value::String(text) if text.contains('\0') => Some(here()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| field_with_nul(item, &format!("{path}[{index}]"))),
        Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if key.contains('\0') {
                return Some(here());
            }
            field_with_nul(item, &child)
        }),
        _ => None,
    }
}

/// Refuses a NUL character (`%00`) anywhere in the URL before any handler runs: in the path it
/// names no resource (404), in the query it is a bad parameter (422).
pub async fn reject_nul_in_url(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    // `%00` is the only way to write NUL in a URI, and actix decodes it in path parameters.
    let in_path = req.uri().path().contains("%00");
    let bad_parameter = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
        .map(|(name, _)| name.replace('\0', ""));
    let error = if in_path {
        Some(ApiError::new(
            ErrorCode::NotFound,
            "no resource has a NUL character (U+0000) in its path",
        ))
    } else {
        bad_parameter.map(|name| {
            let name = if name.is_empty() {
                "query".to_owned()
            } else {
                name
            };
            ApiError::invalid_field(&name, NUL_MESSAGE)
        })
    };
    match error {
        Some(error) => {
            let response = actix_web::ResponseError::error_response(&error);
            Ok(req.into_response(response).map_into_right_body())
        }
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// JSON Schema counts `218.0` as an integer, so our contract accepts it where an integer is
/// expected; serde would not, so whole-number floats become integers before deserialising.
fn integral_floats_to_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            // 2^53: beyond it a float no longer holds every integer exactly.
            if float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0 {
                #[allow(clippy::cast_possible_truncation, reason = "whole and within 2^53")]
                let integer = float as i64;
                *value = Value::from(integer);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_floats_to_integers),
        _ => {}
    }
}

/// serde reports a missing field at its parent's path; name the field itself instead.
fn field_of(path: &str, message: &str) -> (String, String) {
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_owned();
    if let Some(rest) = message.strip_prefix("missing field `")
        && let Some(name) = rest.strip_suffix('`')
    {
        let field = if path == "." {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        };
        return (field, "is required".to_owned());
    }
    // A top-level shape error (e.g. an array where an object belongs) is about the whole body.
    let field = if path == "." || path.starts_with('[') {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    (field, message)
}

/// Query parameters, deserialised and validated; any problem -> 422 naming the parameter.
#[derive(Debug)]
pub struct ValidatedQuery<T>(pub T);

impl<T: DeserializeOwned + Serialize + Validate + 'static> FromRequest for ValidatedQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Self))
    }
}

fn parse_query<T: DeserializeOwned + Serialize + Validate>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    let value: T = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let path = error.path().to_string();
        let (field, message) = field_of(&path, &error.into_inner().to_string());
        ApiError::Validation(BTreeMap::from([(field, vec![message])]))
    })?;
    refuse_unknown_values(&value)?;
    value.validate()?;
    Ok(value)
}

/// The shared enums read a value they do not know as `Unknown` (so that clients survive a newer
/// server); the server accepts only the values its contract lists. `Unknown` is the one thing
/// that cannot be serialised, so serialising the input finds it and names its field.
fn refuse_unknown_values<T: Serialize>(value: &T) -> Result<(), ApiError> {
    match serde_path_to_error::serialize(value, serde_json::value::Serializer) {
        Ok(_) => Ok(()),
        Err(error) => {
            let path = error.path().to_string();
            let field = if path == "." { "body".to_owned() } else { path };
            Err(ApiError::invalid_field(
                &field,
                "is not one of the values this operation accepts (see the schema)",
            ))
        }
    }
}

/// Problem documents for actix's own extractors too (`web::Json`, `web::Query`, `web::Path`), in
/// case a handler uses them instead of the validated ones above.
pub fn json_config(limit: usize) -> web::JsonConfig {
    use actix_web::error::JsonPayloadError;
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|error, _| {
            let problem = match &error {
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                }
                JsonPayloadError::ContentType => ApiError::new(
                    ErrorCode::UnsupportedMediaType,
                    "send the body as application/json",
                ),
                JsonPayloadError::Deserialize(inner) if inner.is_data() => {
                    let (field, message) = field_of(".", &inner.to_string());
                    ApiError::Validation(BTreeMap::from([(field, vec![message])]))
                }
                other => ApiError::new(ErrorCode::MalformedJson, other.to_string()),
            };
            problem.into()
        })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _| {
        let (field, message) = field_of(".", &error.to_string());
        ApiError::Validation(BTreeMap::from([(field, vec![message])])).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|error, _| ApiError::new(ErrorCode::NotFound, error.to_string()).into())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use shared_types::jobs::JobStatus;

    use super::*;

    #[derive(Debug, Deserialize, Serialize, Validate)]
    struct Sample {
        #[allow(dead_code)]
        name: String,
        #[validate(range(min = 1, max = 10))]
        count: u32,
    }

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(map) => map.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for body in [
            "{",
            "",
            "{\"name\": }",
            "{\"name\": \"x\", \"count\": 1} trailing",
        ] {
            let error = parse_json::<Sample>(body.as_bytes()).unwrap_err();
            assert_eq!(error.code(), ErrorCode::MalformedJson, "for {body:?}");
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        let error = parse_json::<Sample>(br#"{"count": 1}"#).unwrap_err();
        assert_eq!(fields(error), ["name"]);
        let error = parse_json::<Sample>(br#"{"name": "x", "count": "many"}"#).unwrap_err();
        assert_eq!(fields(error), ["count"]);
        for body in [&b"[1, 2]"[..], b"[\"x\", 2]", b"[]", b"7"] {
            let error = parse_json::<Sample>(body).unwrap_err();
            assert_eq!(fields(error), ["body"]);
        }
        let error = parse_json::<Sample>(br#"{"name": "x", "count": 2.5}"#).unwrap_err();
        assert_eq!(fields(error), ["count"]);
    }

    #[test]
    fn whole_floats_count_as_integers() {
        let sample = parse_json::<Sample>(br#"{"name": "x", "count": 3.0}"#).unwrap();
        assert_eq!(sample.count, 3);
    }

    #[test]
    fn query_errors_name_the_parameter() {
        let error = parse_query::<Sample>("name=x&count=0").unwrap_err();
        assert_eq!(fields(error), ["count"]);
        let error = parse_query::<Sample>("name=x&count=abc").unwrap_err();
        assert_eq!(fields(error), ["count"]);
        assert_eq!(parse_query::<Sample>("name=x&count=3").unwrap().count, 3);
    }

    #[derive(Debug, Deserialize, Serialize, Validate)]
    struct Filter {
        statuses: Vec<JobStatus>,
    }

    #[test]
    fn a_value_the_contract_does_not_list_is_refused_with_its_field() {
        let filter = parse_json::<Filter>(br#"{"statuses": ["assigned", "archived"]}"#).unwrap();
        assert_eq!(filter.statuses, [JobStatus::Assigned, JobStatus::Unknown]);
        let error = refuse_unknown_values(&filter).unwrap_err();
        assert_eq!(fields(error), ["statuses[1]"]);
        let known = parse_json::<Filter>(br#"{"statuses": ["assigned"]}"#).unwrap();
        assert!(refuse_unknown_values(&known).is_ok());
    }
}
