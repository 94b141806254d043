//! One worked example per operation: the request a caller sends and the answer it gets.
//!
//! The examples are recorded from the service itself by the examples story
//! (`api/tests/api/examples.rs`, `RECORD_EXAMPLES=1`), which plays a homeowner, two pros, staff
//! and an integrator through every operation; the same story, run without the variable, sends
//! each documented request again and fails when the service no longer answers it with the
//! documented status and the documented shape. Ids, tokens and codes in the examples are those
//! of the recorded run: another run has its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi as OpenApiDoc, RefOr};

/// The recorded examples, by operation id (`api/src/openapi/examples.json`).
pub const EXAMPLES_JSON: &str = include_str!("examples.json");

/// What one operation was sent and answered in the recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// Path, query and header parameters by name, as sent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, String>,
    /// The JSON body sent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// The status answered.
    pub status: u16,
    /// The body answered: JSON, or a string for other media types; none for an empty body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
}

/// Every recorded example, by operation id.
pub fn recorded() -> BTreeMap<String, Example> {
    serde_json::from_str(EXAMPLES_JSON).expect("examples.json is a map of examples")
}

/// Puts each operation's example into the document: parameter examples, the request body's
/// example and the example of the documented response with the recorded status.
pub fn add_examples(openapi: &mut OpenApiDoc) {
    let examples = recorded();
    for item in openapi.paths.paths.values_mut() {
        for operation in super::operations_of(item) {
            if let Some(example) = operation
                .operation_id
                .as_ref()
                .and_then(|id| examples.get(id))
            {
                with_example(operation, example);
            }
        }
    }
}

fn with_example(operation: &mut Operation, example: &Example) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && let Some(value) = example.parameters.get(&parameter.name)
        {
            // utoipa keeps a parameter's `example` private: it is set through its JSON form.
            let Ok(mut json) = serde_json::to_value(&*parameter) else {
                continue;
            };
            json["example"] = typed_parameter(value, &json["schema"]);
            *parameter = super::from_json(json);
        }
    }
    if let (Some(request), Some(RefOr::T(body))) =
        (&example.request, operation.request_body.as_mut())
    {
        // A JSON body's example; a file's (an upload) stands for every type the file may be.
        let json = body.content.contains_key("application/json");
        for (media_type, content) in &mut body.content {
            if let RefOr::T(content) = content
                && (!json || media_type == "application/json")
            {
                content.example = Some(request.clone());
            }
        }
    }
    if let (Some(response), Some(RefOr::T(documented))) = (
        &example.response,
        operation
            .responses
            .responses
            .get_mut(&example.status.to_string()),
    ) {
        for content in documented.content.values_mut() {
            if let RefOr::T(content) = content {
                content.example = Some(response.clone());
            }
        }
    }
}

/// A parameter's example as its schema types it (`limit` is a number, `unread` a boolean).
fn typed_parameter(value: &str, schema: &Value) -> Value {
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let parsed = serde_json::from_str::<Value>(value).ok();
    match parsed {
        Some(Value::Number(number)) if types.contains(&"integer") || types.contains(&"number") => {
            Value::Number(number)
        }
        Some(Value::Bool(flag)) if types.contains(&"boolean") => Value::Bool(flag),
        _ => Value::String(value.to_owned()),
    }
}
