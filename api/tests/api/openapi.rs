//! The published contract: openapi.yaml at the root is exactly what the code generates, and the
//! running service serves the same document.

use shared_types::events::EventType;

use crate::harness::TestApp;

const REGENERATE: &str = "cargo run -q -p api -- openapi > openapi.yaml";

#[test]
fn openapi_yaml_matches_the_code() {
    let generated = porchlight::openapi_yaml().unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == committed,
        "openapi.yaml is out of date with the code; regenerate it with `{REGENERATE}`"
    );
    // Times of day are strings to every YAML reader (unquoted, YAML 1.1 reads 07:00 as 420).
    assert!(generated.contains("example: '07:00'"));
    assert!(!generated.contains("example: 07:00"));
}

/// The event catalogue in the contract is the one the service sends: the type names as they go
/// on the wire, one event schema per type whose `data` names a schema of the document, and a
/// webhook entry per type.
#[test]
fn the_contract_holds_the_event_catalogue_as_sent() {
    let spec = serde_json::to_value(porchlight::openapi_spec()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let names: Vec<String> = EventType::known()
        .map(|event_type| {
            serde_json::to_value(event_type)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(schemas["EventType"]["enum"], serde_json::json!(names));
    for event_type in EventType::known() {
        let (event_schema, data_schema) = event_type.schema_names().unwrap();
        let schema = &schemas[event_schema];
        assert_eq!(schema["properties"]["type"]["enum"][0], event_type.as_str());
        let data = schema["properties"]["data"]["$ref"].as_str().unwrap();
        let target = data.trim_start_matches("#/components/schemas/");
        assert_eq!(target, data_schema);
        assert!(schemas[target].is_object(), "{target} is in the document");
        assert!(spec["webhooks"][event_type.as_str()]["post"].is_object());
    }
}

/// Every list's page names its item schema (one class per item type in a generated client).
#[test]
fn pages_refer_to_their_item_schemas() {
    let spec = serde_json::to_value(porchlight::openapi_spec()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let pages: Vec<&String> = schemas.keys().filter(|n| n.starts_with("Page_")).collect();
    assert!(pages.len() > 20, "{pages:?}");
    for page in pages {
        let item = schemas[page]["properties"]["items"]["items"]["$ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{page} inlines its items"));
        let target = item.trim_start_matches("#/components/schemas/");
        assert_eq!(format!("Page_{target}"), *page);
        assert!(schemas[target].is_object(), "{target} is in the document");
    }
}

#[tokio::test]
async fn the_service_serves_its_contract_and_docs() {
    let app = TestApp::spawn().await;
    let served = app.client.openapi().await.unwrap();
    let expected = serde_json::to_value(porchlight::openapi_spec()).unwrap();
    assert_eq!(served, expected);

    let paths = served["paths"].as_object().unwrap();
    for path in [
        "/v1/auth/register",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/me",
    ] {
        assert!(paths.contains_key(path), "{path} is documented");
    }
    // Every operation documents its errors as problem+json.
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let problem = &responses["500"]["content"]["application/problem+json"];
            assert!(problem.is_object(), "{method} {path} documents its 500");
        }
    }
    assert_eq!(
        served["paths"]["/v1/me"]["get"]["security"],
        serde_json::json!([
            { "bearer": [] },
            { "api_key": ["profile:read"] },
            { "oauth": ["profile:read"] }
        ])
    );

    let docs = app
        .client
        .http()
        .get(format!("{}/docs/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

/// What an integrator reads for every operation: a description, the tags it is filed under
/// declared with their own description, an example of the request body and of the success
/// answer (recorded from the service by the examples story, which also replays them); and a
/// description on every property of every schema.
#[test]
fn every_operation_and_property_is_described_with_examples() {
    let spec = serde_json::to_value(porchlight::openapi_spec()).unwrap();
    let declared: Vec<&str> = spec["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|tag| tag["description"].as_str().is_some_and(|d| !d.is_empty()))
        .map(|tag| tag["name"].as_str().unwrap())
        .collect();
    let mut gaps = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            if operation["description"].as_str().is_none_or(str::is_empty) {
                gaps.push(format!("{name}: no description"));
            }
            for tag in operation["tags"].as_array().unwrap() {
                if !declared.contains(&tag.as_str().unwrap()) {
                    gaps.push(format!("{name}: tag {tag} is not declared"));
                }
            }
            if let Some(body) = operation["requestBody"]["content"].as_object()
                && body
                    .values()
                    .all(|content| content.get("example").is_none())
            {
                gaps.push(format!("{name}: no request example"));
            }
            let answered = operation["responses"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(status, _)| status.starts_with('2'))
                .any(|(_, response)| {
                    response["content"].as_object().is_none_or(|content| {
                        content.values().any(|media| media.get("example").is_some())
                    })
                });
            if !answered {
                gaps.push(format!("{name}: no response example"));
            }
        }
    }
    for (schema_name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        for (property, value) in schema["properties"].as_object().into_iter().flatten() {
            let described = value.get("description").is_some()
                || value.get("$ref").is_some()
                || value["oneOf"]
                    .as_array()
                    .is_some_and(|options| options.iter().any(|o| o.get("description").is_some()));
            if !described {
                gaps.push(format!("{schema_name}.{property}: no description"));
            }
        }
    }
    assert!(gaps.is_empty(), "{}", gaps.join("\n"));
}
