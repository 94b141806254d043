//! The documented examples, played for real.
//!
//! `the_documented_examples_hold` plays a homeowner, two pros, staff and an integrator through
//! every operation of the contract, on a clock set to a fixed morning. The first call of each
//! operation is its documented example (`api/src/openapi/examples.json`): the test sends the
//! documented request (with this run's ids, tokens and codes in place of the recorded ones) and
//! expects the documented status and a response of the documented shape. An operation without
//! an example, or an example no operation has, fails it too.
//!
//! When the API changes on purpose, re-record the examples and regenerate the contract:
//!
//! ```text
//! RECORD_EXAMPLES=1 cargo test -p api --test api examples
//! cargo run -q -p api -- openapi > openapi.yaml
//! ```

mod story;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use porchlight::openapi::examples::{self, Example};
use reqwest::Method;
use serde_json::Value;

use crate::harness::TestApp;

/// The story's "now": Tuesday 1 December 2026, 09:00 in Toronto.
pub const STORY_START: &str = "2026-12-01T14:00:00Z";

/// Where a parameter goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Path,
    Query,
    Header,
}

struct Operation {
    method: Method,
    path: String,
    parameters: HashMap<String, In>,
    /// The media type of the documented success answer (`application/json` for most).
    produces: Option<String>,
}

/// The operations of the contract and the examples played so far.
pub struct Story {
    pub app: TestApp,
    operations: BTreeMap<String, Operation>,
    documented: BTreeMap<String, Example>,
    played: BTreeMap<String, Example>,
    recording: bool,
    mismatches: Vec<String>,
    http: reqwest::Client,
}

/// A caller: a bearer token, or nobody.
#[derive(Clone, Default)]
pub struct Who(Option<String>);

impl Who {
    pub fn anonymous() -> Self {
        Self(None)
    }

    pub fn bearer(token: &str) -> Self {
        Self(Some(token.to_owned()))
    }
}

/// One call: the parameters by name (path, query or header, as the contract says) and the body.
pub struct Call<'a> {
    pub who: &'a Who,
    pub parameters: Vec<(&'a str, String)>,
    pub body: Option<Value>,
    /// Extra headers that are not parameters of the contract (a provider's signature).
    pub headers: Vec<(&'a str, String)>,
    /// The raw body, when it must be sent byte for byte (a signed webhook).
    pub raw: Option<String>,
    /// A file as the body (an uploaded photo) and its media type.
    pub file: Option<(Vec<u8>, &'static str)>,
}

impl<'a> Call<'a> {
    pub fn by(who: &'a Who) -> Self {
        Self {
            who,
            parameters: Vec::new(),
            body: None,
            headers: Vec::new(),
            raw: None,
            file: None,
        }
    }

    pub fn file(mut self, bytes: Vec<u8>, media_type: &'static str) -> Self {
        self.file = Some((bytes, media_type));
        self
    }

    pub fn param(mut self, name: &'a str, value: impl ToString) -> Self {
        self.parameters.push((name, value.to_string()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

impl Story {
    pub fn begin(app: TestApp) -> Self {
        let spec = serde_json::to_value(porchlight::openapi_spec()).unwrap();
        let start: chrono::DateTime<chrono::Utc> = STORY_START.parse().unwrap();
        let now = app.state.clock.now().and_utc();
        app.state.clock.advance(start - now);
        Self {
            app,
            operations: operations(&spec),
            documented: examples::recorded(),
            played: BTreeMap::new(),
            recording: std::env::var("RECORD_EXAMPLES").is_ok_and(|value| value == "1"),
            mismatches: Vec::new(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// Plays `operation`'s documented example: the first call of an operation is its example.
    pub async fn example(&mut self, operation: &str, call: Call<'_>) -> Value {
        assert!(
            !self.played.contains_key(operation),
            "{operation} has its example already: use `again` for other calls"
        );
        let (status, response) = self.send(operation, &call).await;
        let played = Example {
            parameters: call
                .parameters
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
            request: call
                .body
                .clone()
                .or_else(|| {
                    call.raw
                        .as_deref()
                        .and_then(|raw| serde_json::from_str(raw).ok())
                })
                .or_else(|| {
                    call.file
                        .as_ref()
                        .map(|(bytes, media)| file_example(media, bytes.len()))
                }),
            status,
            response: response.clone(),
        };
        if self.recording {
            assert!(
                (200..300).contains(&status),
                "{operation} answered {status}: {response:?}"
            );
        } else {
            self.compare(operation, &played);
        }
        self.played.insert(operation.to_owned(), played);
        response.unwrap_or(Value::Null)
    }

    /// Another call of an operation that has its example: it must succeed.
    pub async fn again(&mut self, operation: &str, call: Call<'_>) -> Value {
        let (status, response) = self.send(operation, &call).await;
        assert!(
            (200..300).contains(&status),
            "{operation} answered {status}: {response:?}"
        );
        response.unwrap_or(Value::Null)
    }

    /// Checks that every operation was played and the examples are the ones documented; when
    /// recording, writes them instead.
    pub fn end(self) {
        let missing: Vec<&String> = self
            .operations
            .keys()
            .filter(|id| !self.played.contains_key(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "operations without an example in the story: {missing:?}"
        );
        if self.recording {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/openapi/examples.json");
            let mut text = serde_json::to_string_pretty(&self.played).unwrap();
            text.push('\n');
            std::fs::write(path, text).unwrap();
            return;
        }
        let stale: Vec<&String> = self
            .documented
            .keys()
            .filter(|id| !self.operations.contains_key(*id))
            .collect();
        assert!(
            stale.is_empty(),
            "examples of operations the contract no longer has: {stale:?}"
        );
        assert!(
            self.mismatches.is_empty(),
            "the service no longer answers as documented; if that is intended, re-record the \
             examples (RECORD_EXAMPLES=1 cargo test -p api --test api examples):\n{}",
            self.mismatches.join("\n")
        );
    }

    fn compare(&mut self, operation: &str, played: &Example) {
        let Some(documented) = self.documented.get(operation) else {
            self.mismatches
                .push(format!("{operation}: no documented example"));
            return;
        };
        assert_eq!(
            played.status, documented.status,
            "{operation}: the documented example answers {} now, not {}: {:?}",
            played.status, documented.status, played.response
        );
        if let Err(difference) =
            same_request(documented.request.as_ref(), played.request.as_ref(), "body")
        {
            self.mismatches.push(format!(
                "{operation}: the story sends another request than documented: {difference}"
            ));
        }
        if let Err(difference) = same_shape(
            documented.response.as_ref(),
            played.response.as_ref(),
            "response",
        ) {
            self.mismatches.push(format!(
                "{operation}: the answer has another shape than documented: {difference}"
            ));
        }
    }

    async fn send(&self, operation: &str, call: &Call<'_>) -> (u16, Option<Value>) {
        let described = self
            .operations
            .get(operation)
            .unwrap_or_else(|| panic!("no operation {operation} in the contract"));
        let mut path = described.path.clone();
        let mut query = Vec::new();
        let mut headers = Vec::new();
        for (name, value) in &call.parameters {
            match described.parameters.get(*name) {
                Some(In::Path) => {
                    path = path.replace(&format!("{{{name}}}"), value);
                }
                Some(In::Query) => query.push((*name, value.clone())),
                Some(In::Header) => headers.push((*name, value.clone())),
                None => panic!("{operation} has no parameter {name}"),
            }
        }
        assert!(
            !path.contains('{'),
            "{operation}: a path parameter is missing"
        );
        let mut request = self
            .http
            .request(
                described.method.clone(),
                format!("{}{path}", self.app.address),
            )
            .query(&query);
        for (name, value) in headers.iter().chain(&call.headers) {
            request = request.header(*name, value);
        }
        if let Some(token) = &call.who.0 {
            request = request.bearer_auth(token);
        }
        if let Some((bytes, media_type)) = &call.file {
            request = request
                .header("Content-Type", *media_type)
                .body(bytes.clone());
        } else if let Some(raw) = &call.raw {
            request = request
                .header("Content-Type", "application/json")
                .body(raw.clone());
        } else if let Some(body) = &call.body {
            request = request.json(body);
        }
        let mut response = request.send().await.unwrap();
        let status = response.status().as_u16();
        if described.produces.as_deref() == Some("text/event-stream") && status == 200 {
            // A stream does not end: what it sends up to its first event is the example.
            let mut text = String::new();
            let first_event = |text: &str| {
                text.find("\ndata:")
                    .and_then(|at| text[at..].find("\n\n").map(|end| at + end + 2))
            };
            while first_event(&text).is_none() {
                let chunk = tokio::time::timeout(Duration::from_secs(10), response.chunk())
                    .await
                    .expect("an event within 10 s")
                    .unwrap()
                    .expect("the stream stays open");
                text.push_str(&String::from_utf8_lossy(&chunk));
            }
            text.truncate(first_event(&text).unwrap_or(text.len()));
            return (status, Some(Value::String(text)));
        }
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        if media_type.starts_with("image/") {
            let bytes = response.bytes().await.unwrap();
            return (status, Some(file_example(&media_type, bytes.len())));
        }
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&text).unwrap_or(Value::String(text)))
        };
        (status, body)
    }
}

/// How a file stands in an example: its media type and size.
fn file_example(media_type: &str, size: usize) -> Value {
    Value::String(format!("({media_type} file, {size} bytes)"))
}

/// The contract's operations by id.
fn operations(spec: &Value) -> BTreeMap<String, Operation> {
    let mut operations = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let parameters = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|parameter| {
                    let place = match parameter["in"].as_str().unwrap() {
                        "path" => In::Path,
                        "query" => In::Query,
                        _ => In::Header,
                    };
                    (parameter["name"].as_str().unwrap().to_owned(), place)
                })
                .collect();
            let produces = operation["responses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .find_map(|(_, response)| {
                    response["content"]
                        .as_object()
                        .and_then(|content| content.keys().next().cloned())
                });
            operations.insert(
                operation["operationId"].as_str().unwrap().to_owned(),
                Operation {
                    method,
                    path: path.clone(),
                    parameters,
                    produces,
                },
            );
        }
    }
    operations
}

/// Values that differ from run to run: ids (also as read positions), secrets, one-time codes,
/// cursors.
fn run_specific(key: &str) -> bool {
    key == "id"
        || key == "ids"
        || key.ends_with("_id")
        || key.ends_with("_ids")
        || key.ends_with("token")
        || key.ends_with("cursor")
        || key.ends_with("up_to")
        || matches!(key, "code" | "text_sha256" | "secret")
}

/// An object's field names, in order.
fn keys(map: &serde_json::Map<String, Value>) -> Vec<String> {
    map.keys().cloned().collect()
}

/// The same request, but for run-specific values.
fn same_request(documented: Option<&Value>, sent: Option<&Value>, at: &str) -> Result<(), String> {
    match (documented, sent) {
        (None, None) => Ok(()),
        (Some(documented), Some(sent)) => same_value(documented, sent, at, false),
        (documented, sent) => Err(format!("{at}: documented {documented:?}, sent {sent:?}")),
    }
}

fn same_value(documented: &Value, sent: &Value, at: &str, specific: bool) -> Result<(), String> {
    match (documented, sent) {
        (Value::Object(documented), Value::Object(sent)) => {
            if keys(documented) != keys(sent) {
                return Err(format!(
                    "{at}: fields {:?}, documented {:?}",
                    keys(sent),
                    keys(documented)
                ));
            }
            for (key, value) in documented {
                same_value(
                    value,
                    &sent[key],
                    &format!("{at}.{key}"),
                    specific || run_specific(key),
                )?;
            }
            Ok(())
        }
        (Value::Array(documented), Value::Array(sent)) if documented.len() == sent.len() => {
            for (n, (documented, sent)) in documented.iter().zip(sent).enumerate() {
                same_value(documented, sent, &format!("{at}[{n}]"), specific)?;
            }
            Ok(())
        }
        (Value::String(_), Value::String(_)) if specific => Ok(()),
        (documented, sent) if documented == sent => Ok(()),
        (documented, sent) => Err(format!("{at}: documented {documented}, sent {sent}")),
    }
}

/// The same shape: the same fields at every level, values of the same JSON types (lists by
/// their first items).
fn same_shape(
    documented: Option<&Value>,
    answered: Option<&Value>,
    at: &str,
) -> Result<(), String> {
    match (documented, answered) {
        (None, None) => Ok(()),
        (Some(documented), Some(answered)) => shape(documented, answered, at),
        (documented, answered) => Err(format!(
            "{at}: documented {documented:?}, answered {answered:?}"
        )),
    }
}

fn shape(documented: &Value, answered: &Value, at: &str) -> Result<(), String> {
    match (documented, answered) {
        (Value::Object(documented), Value::Object(answered)) => {
            if keys(documented) != keys(answered) {
                return Err(format!(
                    "{at}: fields {:?}, documented {:?}",
                    keys(answered),
                    keys(documented)
                ));
            }
            for (key, value) in documented {
                shape(value, &answered[key], &format!("{at}.{key}"))?;
            }
            Ok(())
        }
        // How many items a list holds is data, not shape (a background worker may have added
        // one since the recording, e.g. a webhook delivery attempt): items are compared when
        // both sides have one.
        (Value::Array(documented), Value::Array(answered)) => {
            match (documented.first(), answered.first()) {
                (Some(documented), Some(answered)) => {
                    shape(documented, answered, &format!("{at}[0]"))
                }
                _ => Ok(()),
            }
        }
        (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_))
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Null, Value::Null) => Ok(()),
        (documented, answered) => Err(format!("{at}: {answered}, documented {documented}")),
    }
}
