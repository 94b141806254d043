//! The token, introspection and revocation endpoints and the server's metadata. They speak
//! OAuth's own wire format (form-encoded requests, RFC 6749 §5.2 JSON errors with `error` and
//! `error_description`), which clients and their libraries expect, rather than the API's
//! problem documents.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use shared_types::auth::Scope;
use shared_types::oauth::AuthorizationServerMetadata;

use super::apps::{self, AppRow};
use super::grants::{self, CodeExchange, Denied};
use super::requested_scopes;
use crate::auth::sessions::TokenLifetimes;
use crate::error::ApiError;
use crate::state::AppState;

/// Why a protocol call failed: a refusal in OAuth's words, or the service's own error.
#[derive(Debug)]
pub enum Refusal {
    Denied(Denied),
    /// The client could not be authenticated (401 with a `Basic` challenge).
    Client(String),
    Api(ApiError),
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        Self::Api(error)
    }
}

impl From<Denied> for Refusal {
    fn from(denied: Denied) -> Self {
        Self::Denied(denied)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Denied(denied) => write!(f, "{}: {}", denied.error, denied.description),
            Self::Client(why) => write!(f, "invalid_client: {why}"),
            Self::Api(error) => error.fmt(f),
        }
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Denied(_) => StatusCode::BAD_REQUEST,
            Self::Client(_) => StatusCode::UNAUTHORIZED,
            Self::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (error, description) = match self {
            Self::Denied(denied) => (denied.error, denied.description.as_str()),
            Self::Client(why) => ("invalid_client", why.as_str()),
            Self::Api(error) => return error.error_response(),
        };
        let mut response = HttpResponse::build(self.status_code());
        no_store(&mut response);
        if matches!(self, Self::Client(_)) {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"porchlight\""),
            ));
        }
        response.json(shared_types::oauth::OAuthError {
            error: error.to_owned(),
            error_description: description.to_owned(),
        })
    }
}

fn no_store(response: &mut actix_web::HttpResponseBuilder) {
    response
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
}

fn invalid_request(description: impl Into<String>) -> Refusal {
    Refusal::Denied(Denied::new("invalid_request", description))
}

/// A form-encoded body's parameters. A parameter sent twice is refused (RFC 6749 §3.1), and so
/// is a body that is not a form.
pub fn form(req: &HttpRequest, body: &[u8]) -> Result<HashMap<String, String>, Denied> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|kind| {
            kind.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(Denied::new(
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        ));
    }
    parameters(form_urlencoded::parse(body))
}

/// Parameters from `pairs`, each at most once; empty values count as absent.
pub fn parameters<'a>(
    pairs: impl Iterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
) -> Result<HashMap<String, String>, Denied> {
    let mut found = HashMap::new();
    for (name, value) in pairs {
        if value.is_empty() {
            continue;
        }
        if value.contains('\0') {
            return Err(Denied::new(
                "invalid_request",
                format!("{name} must not contain NUL"),
            ));
        }
        if found.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(Denied::new(
                "invalid_request",
                format!("{name} is given more than once"),
            ));
        }
    }
    Ok(found)
}

/// The calling app, authenticated by HTTP Basic or by `client_id` (and `client_secret`) in the
/// form: a confidential app must prove its secret, a public one only names itself.
async fn calling_app(
    state: &AppState,
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<AppRow, Refusal> {
    let basic = basic_credentials(req)?;
    if basic.is_some() && params.contains_key("client_secret") {
        return Err(invalid_request(
            "authenticate the client one way: HTTP Basic or client_secret, not both",
        ));
    }
    let (client_id, secret) = match basic {
        Some((id, secret)) => (id, Some(secret)),
        None => (
            params
                .get("client_id")
                .cloned()
                .ok_or_else(|| Refusal::Client("name the client (client_id)".to_owned()))?,
            params.get("client_secret").cloned(),
        ),
    };
    let lookup = client_id.clone();
    let app = state
        .db(move |conn| apps::find_live(conn, &lookup))
        .await?
        .ok_or_else(|| Refusal::Client("unknown client".to_owned()))?;
    let authenticated = match (&secret, app.confidential()) {
        (Some(secret), true) => app.secret_matches(secret),
        (None, false) => true,
        _ => false,
    };
    if !authenticated {
        return Err(Refusal::Client(
            "client authentication failed (a confidential app sends its secret, a public app \
             none)"
                .to_owned(),
        ));
    }
    Ok(app)
}

/// The app a call to the token, introspection or revocation endpoint authenticates as with
/// HTTP Basic, if it does: its client id, unchecked (rate limits charge the app's own bucket;
/// the endpoint itself checks the secret). Ids that are not ours in form are ignored.
pub fn authenticating_client(req: &HttpRequest) -> Option<String> {
    let client_endpoint =
        ["/oauth/token", "/oauth/introspect", "/oauth/revoke"].contains(&req.path());
    let (id, _) = basic_credentials(req).ok().flatten()?;
    (client_endpoint && uuid::Uuid::parse_str(&id).is_ok()).then_some(id)
}

/// `Authorization: Basic` with the form-encoded client id and secret (RFC 6749 §2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, Refusal> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || Refusal::Client("the Basic credentials cannot be read".to_owned());
    let value = value.to_str().map_err(|_| bad())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(bad());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(bad());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |text: &str| {
        form_urlencoded::parse(format!("v={text}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, Refusal> {
    params
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| invalid_request(format!("{name} is required")))
}

/// `POST /oauth/token`: a code (with its PKCE verifier) or a refresh token for a new pair.
pub async fn token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Refusal> {
    let params = form(&req, &body)?;
    let app = calling_app(&state, &req, &params).await?;
    let now = state.clock.now();
    let lifetimes = TokenLifetimes::from(state.settings.as_ref());
    let issued = match required(&params, "grant_type")? {
        "authorization_code" => {
            let code = required(&params, "code")?.to_owned();
            let redirect_uri = required(&params, "redirect_uri")?.to_owned();
            let code_verifier = required(&params, "code_verifier")?.to_owned();
            state
                .write(move |conn| {
                    let exchange = CodeExchange {
                        code: &code,
                        redirect_uri: &redirect_uri,
                        code_verifier: &code_verifier,
                    };
                    grants::exchange_code(conn, &app, &exchange, lifetimes, now)
                })
                .await?
        }
        "refresh_token" => {
            let refresh_token = required(&params, "refresh_token")?.to_owned();
            let narrower: Option<Vec<Scope>> = params
                .get("scope")
                .map(|text| {
                    requested_scopes(text).map_err(|word| {
                        Denied::new("invalid_scope", format!("unknown scope {word}"))
                    })
                })
                .transpose()?;
            state
                .write(move |conn| {
                    grants::refresh(
                        conn,
                        &app,
                        &refresh_token,
                        narrower.as_deref(),
                        lifetimes,
                        now,
                    )
                })
                .await?
        }
        other => {
            return Err(Denied::new(
                "unsupported_grant_type",
                format!(
                    "grant_type {other} is not supported: use authorization_code or refresh_token"
                ),
            )
            .into());
        }
    };
    let tokens = issued?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(response.json(tokens))
}

/// `POST /oauth/introspect` (RFC 7662).
pub async fn introspect(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Refusal> {
    let params = form(&req, &body)?;
    let app = calling_app(&state, &req, &params).await?;
    let token = required(&params, "token")?.to_owned();
    let now = state.clock.now();
    let issuer = state.settings.public_base_url.clone();
    let answer = state
        .db(move |conn| grants::introspect(conn, &app, &token, &issuer, now))
        .await?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(response.json(answer))
}

/// `POST /oauth/revoke` (RFC 7009): 200 whether or not the token was live.
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Refusal> {
    let params = form(&req, &body)?;
    let app = calling_app(&state, &req, &params).await?;
    let token = required(&params, "token")?.to_owned();
    let now = state.clock.now();
    state
        .write(move |conn| grants::revoke(conn, &app, &token, now))
        .await?;
    let mut response = HttpResponse::Ok();
    no_store(&mut response);
    Ok(response.finish())
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let issuer = state.settings.public_base_url.clone();
    let at = |path: &str| format!("{issuer}{path}");
    let words = |list: &[&str]| list.iter().map(|&word| word.to_owned()).collect::<Vec<_>>();
    let client_auth = words(&["client_secret_basic", "client_secret_post", "none"]);
    HttpResponse::Ok().json(AuthorizationServerMetadata {
        authorization_endpoint: at("/oauth/authorize"),
        token_endpoint: at("/oauth/token"),
        revocation_endpoint: at("/oauth/revoke"),
        introspection_endpoint: at("/oauth/introspect"),
        service_documentation: at("/docs/"),
        scopes_supported: Scope::known().map(|s| s.as_str().to_owned()).collect(),
        response_types_supported: words(&["code"]),
        response_modes_supported: words(&["query"]),
        grant_types_supported: words(&["authorization_code", "refresh_token"]),
        code_challenge_methods_supported: words(&["S256"]),
        token_endpoint_auth_methods_supported: client_auth.clone(),
        revocation_endpoint_auth_methods_supported: client_auth.clone(),
        introspection_endpoint_auth_methods_supported: client_auth,
        authorization_response_iss_parameter_supported: true,
        issuer,
    })
}
