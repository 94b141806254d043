//! The OpenAPI document. Paths come from the handlers' `#[utoipa::path]` as they are registered
//! (utoipa-actix-web), so routes and contract cannot drift; `finish` then adds what every
//! operation shares: security schemes and the standard problem+json responses.

use serde_json::json;
use shared_types::ErrorCode;
use shared_types::auth::Scope;
use shared_types::events::EventType;
use shared_types::webhooks;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::security::{
    AuthorizationCode, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{
    ContentBuilder, OpenApi as OpenApiDoc, Ref, RefOr, Response, ResponseBuilder, Schema,
};
use utoipa::{Modify, OpenApi};

pub mod examples;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Porchlight API",
        description = "Home-services marketplace: homeowners ask for work, local pros get alerted, \
            take the job, get paid through the platform, and both sides rate each other.\n\n\
            Errors are `application/problem+json` (RFC 9457) with a stable `code`. Authenticate \
            with `Authorization: Bearer <access token>` from `/v1/auth/login`, or a personal API \
            key (`plk_…`) limited to its scopes, or an app's OAuth access token (`pla_…`, see \
            the `oauth` security scheme and `/.well-known/oauth-authorization-server`) limited \
            to the scopes its user granted.\n\n\
            No text may contain the NUL character (U+0000): in a body or a query it is a 422 \
            naming the field, in a path a 404.\n\n\
            Rate limits: each call spends from its caller's token bucket (a read 1 unit, a write \
            2, a POST to /v1/auth/… 5); every answer carries `RateLimit-Policy` and `RateLimit` \
            (IETF httpapi fields), and a call the bucket cannot pay for is a 429 `rate_limited` \
            with `Retry-After`. Amounts a caller sends are `MoneyInput` (at least \
            one cent); amounts the API shows are `Money` and may be negative.",
    ),
    servers(
        (url = "/", description = "The service that serves this document (a local run: http://127.0.0.1:8080)"),
    ),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Accounts and sessions"),
        (name = "account", description = "One's own account: profile, confirmed email and phone, signed-in devices"),
        (name = "api-keys", description = "Personal API keys for integrations"),
        (name = "oauth", description = "Apps that act for users through OAuth 2.1: registering them, and the apps a user connected"),
        (name = "partners", description = "The catalogue, partner profiles, search and connections"),
        (name = "places", description = "Addresses, postal codes and cities found on the map, and the address at a point"),
        (name = "requests", description = "Homeowners' service requests"),
        (name = "leads", description = "Lead offers to pros: confirm, apply, decline"),
        (name = "jobs", description = "Jobs created by assignment"),
        (name = "conversations", description = "Messages between a customer and a pro, before hiring and on the job"),
        (name = "photos", description = "Photos: uploaded once, re-encoded without metadata, read through signed links"),
        (name = "payments", description = "Customers pay jobs and tip pros; the provider's webhook"),
        (name = "wallet", description = "A pro's earnings, wallet entries and payouts"),
        (name = "notifications", description = "Devices, alert preferences, the in-app list and the live stream"),
        (name = "events", description = "The account's ordered event feed, for integrations"),
        (name = "webhooks", description = "The account's events POSTed to its own URLs, signed (Standard Webhooks)"),
        (name = "ratings", description = "Ratings between customers and pros, reviews and Star Scores"),
        (name = "admin", description = "Staff operations"),
    ),
    components(schemas(
        shared_types::ProblemDetails,
        ErrorCode,
        shared_types::jobs::ReviewWindow
    )),
    modifiers(&SecuritySchemes),
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from /v1/auth/login or /v1/auth/refresh"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("plk_…")
                    .description(Some(
                        "Personal API key from /v1/api-keys; the operation lists the scopes it needs",
                    ))
                    .build(),
            ),
        );
        let scopes = Scope::known()
            .map(|scope| (scope.as_str(), scope.plain_words()))
            .collect::<Scopes>();
        components.add_security_scheme(
            "oauth",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::AuthorizationCode(AuthorizationCode::new(
                    "/oauth/authorize",
                    "/oauth/token",
                    scopes,
                ))],
                "OAuth 2.1 for apps registered at /v1/oauth/apps: authorization code with PKCE \
                 (S256 only), refresh tokens that rotate on every use. Access tokens (`pla_…`) \
                 carry the scopes the user granted; the operation lists the scope it needs.",
            )),
        );
    }
}

/// Adds to every operation the problem responses it can produce without declaring them itself:
/// 500 and 503 everywhere; 400, 413, 415 and 422 with a body; 422 with query parameters; 401 and
/// 403 when authenticated; 404 with a path parameter. Path parameters get `minLength: 1`: an
/// empty segment is another path (`/v1/jobs//rating` is `/v1/jobs/rating`).
pub fn finish(openapi: &mut OpenApiDoc) {
    for (path, item) in &mut openapi.paths.paths {
        let limited = crate::limits::limited(path);
        for operation in operations_of(item) {
            oauth_like_api_keys(operation);
            add_standard_problems(operation);
            non_empty_path_parameters(operation);
            idempotency_key_format(operation);
            if limited {
                rate_limited_response(operation);
            }
        }
    }
    rate_limit_headers(openapi);
    named_page_items(openapi);
    event_catalogue(openapi);
    error_catalogue(openapi);
    examples::add_examples(openapi);
}

/// The `ErrorCode` schema's description lists every code with its status, when it happens and
/// what to do (the README's table says the same).
fn error_catalogue(openapi: &mut OpenApiDoc) {
    let components = openapi.components.get_or_insert_with(Default::default);
    let Some(mut schema) = components
        .schemas
        .get("ErrorCode")
        .and_then(|schema| serde_json::to_value(schema).ok())
    else {
        return;
    };
    let lines: Vec<String> = ErrorCode::known()
        .map(|code| {
            format!(
                "- `{}` ({}): {}",
                code.as_str(),
                code.status(),
                code.meaning()
            )
        })
        .collect();
    schema["description"] = json!(format!(
        "Stable, machine-readable error codes: clients match on these, never on `title` or \
         `detail`.\n\n{}",
        lines.join("\n")
    ));
    components
        .schemas
        .insert("ErrorCode".to_owned(), from_json(schema));
}

/// The event catalogue: one schema per event type (`LeadOfferedEvent`, …: the shared fields of
/// `Event`, `type` fixed, `data` the resource's own schema), `Event` as their union keyed by
/// `type`, and each type under `webhooks` as the POST an endpoint receives.
fn event_catalogue(openapi: &mut OpenApiDoc) {
    let components = openapi.components.get_or_insert_with(Default::default);
    let Some(envelope) = components
        .schemas
        .get("Event")
        .and_then(|schema| serde_json::to_value(schema).ok())
    else {
        return;
    };
    let mut union = Vec::new();
    let mut mapping = serde_json::Map::new();
    let mut webhooks = serde_json::Map::new();
    for event_type in EventType::known() {
        let Some((schema_name, data_schema)) = event_type.schema_names() else {
            continue;
        };
        let mut schema = envelope.clone();
        schema["description"] = json!(event_type.description());
        schema["properties"]["type"] = json!({ "type": "string", "enum": [event_type.as_str()] });
        schema["properties"]["data"] = json!({ "$ref": schema_ref(data_schema) });
        for name in ["type", "data"] {
            if let Some(description) = envelope["properties"][name].get("description") {
                schema["properties"][name]["description"] = description.clone();
            }
        }
        components
            .schemas
            .insert(schema_name.to_owned(), from_json(schema));
        union.push(json!({ "$ref": schema_ref(schema_name) }));
        mapping.insert(
            event_type.as_str().to_owned(),
            json!(schema_ref(schema_name)),
        );
        webhooks.insert(
            event_type.as_str().to_owned(),
            webhook_delivery(event_type, schema_name),
        );
    }
    let event = json!({
        "description": envelope["description"],
        "oneOf": union,
        "discriminator": { "propertyName": "type", "mapping": mapping },
    });
    components
        .schemas
        .insert("Event".to_owned(), from_json(event));
    openapi.webhooks = Some(from_json(serde_json::Value::Object(webhooks)));
}

/// The POST a webhook endpoint receives for an event of `event_type`.
fn webhook_delivery(event_type: EventType, schema_name: &str) -> serde_json::Value {
    let header = |name: &str, description: &str| {
        json!({
            "name": name, "in": "header", "required": true, "description": description,
            "schema": { "type": "string" },
        })
    };
    json!({ "post": {
        "tags": ["webhooks"],
        "summary": format!("`{}` delivered to an endpoint", event_type.as_str()),
        "description": event_type.description(),
        "operationId": format!("webhook_{}", event_type.as_str().replace('.', "_")),
        "parameters": [
            header(webhooks::ID_HEADER, "The event's id: the same on every retry (deduplicate on it)."),
            header(webhooks::TIMESTAMP_HEADER, "This attempt's time, in Unix seconds."),
            header(
                webhooks::SIGNATURE_HEADER,
                "`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the endpoint's secret; \
                 space-separated entries while a rotated secret is still honoured.",
            ),
        ],
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": { "$ref": schema_ref(schema_name) } } },
        },
        "responses": {
            "2XX": { "description": "Received: no retry." },
            "410": { "description": "Gone: the endpoint is disabled and nothing more is sent." },
            "default": {
                "description": "Any other answer, a redirect or no answer within the timeout: \
                    retried on the schedule of the webhook guide (`Retry-After` honoured).",
            },
        },
    } })
}

/// Each `Page_X` refers to the schema `X` for its items (utoipa inlines a generic's argument),
/// so that generated clients get one class per item type instead of one per list.
fn named_page_items(openapi: &mut OpenApiDoc) {
    let components = openapi.components.get_or_insert_with(Default::default);
    let pages: Vec<String> = components
        .schemas
        .keys()
        .filter(|name| name.starts_with("Page_"))
        .cloned()
        .collect();
    for page in pages {
        let item = page.trim_start_matches("Page_").to_owned();
        let Some(mut schema) = components
            .schemas
            .get(&page)
            .and_then(|schema| serde_json::to_value(schema).ok())
        else {
            continue;
        };
        let Some(inlined) = schema
            .pointer_mut("/properties/items/items")
            .map(serde_json::Value::take)
        else {
            continue;
        };
        if inlined.get("$ref").is_some() {
            schema["properties"]["items"]["items"] = inlined;
        } else {
            if !components.schemas.contains_key(&item) {
                components.schemas.insert(item.clone(), from_json(inlined));
            }
            schema["properties"]["items"]["items"] = json!({ "$ref": schema_ref(&item) });
        }
        components.schemas.insert(page, from_json(schema));
    }
}

/// The operations of one path.
fn operations_of(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// A part of the document written as JSON, read into utoipa's types (the shape is ours and
/// fixed, so a failure is a programming error caught by the OpenAPI tests).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a well-formed OpenAPI fragment")
}

/// The response headers of rate limiting and of idempotent replays, defined once under
/// `components.headers`.
fn rate_limit_headers(openapi: &mut OpenApiDoc) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for (name, description) in [
        ("Retry-After", "Seconds until the call would pass."),
        (
            "RateLimit-Policy",
            "The caller's policy: `\"credential\";q=600;w=60` (units per window of seconds; \
             `anonymous` without a credential).",
        ),
        (
            "RateLimit",
            "Where the caller stands: `\"credential\";r=597;t=1` (units left, seconds until \
             the bucket is full).",
        ),
        (
            "Idempotent-Replayed",
            "`true` when this answer replays the first request sent with the same \
             `Idempotency-Key` and body: nothing was done again.",
        ),
    ] {
        components.headers.insert(
            name.to_owned(),
            RefOr::T(from_json(json!({
                "schema": { "type": "string" }, "description": description,
            }))),
        );
    }
}

fn header_ref(name: &str) -> RefOr<utoipa::openapi::Header> {
    RefOr::Ref(Ref::new(format!("#/components/headers/{name}")))
}

/// A limited operation: its successful answers carry the rate-limit fields, and it may be
/// refused with 429.
fn rate_limited_response(operation: &mut Operation) {
    for (status, response) in &mut operation.responses.responses {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            for name in ["RateLimit-Policy", "RateLimit"] {
                response.headers.insert(name.to_owned(), header_ref(name));
            }
        }
    }
    let refused = operation
        .responses
        .responses
        .entry("429".to_owned())
        .or_insert_with(|| {
            RefOr::T(problem_response(
                "`rate_limited`: the caller's token bucket cannot pay for this call; nothing \
                 was done",
            ))
        });
    if let RefOr::T(refused) = refused {
        for name in ["Retry-After", "RateLimit-Policy", "RateLimit"] {
            refused.headers.insert(name.to_owned(), header_ref(name));
        }
    }
}

fn non_empty_path_parameters(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && matches!(parameter.parameter_in, ParameterIn::Path)
            && let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut()
        {
            schema.min_length = Some(1);
        }
    }
}

/// `Idempotency-Key` is 1 to 255 visible ASCII characters (see `idempotency`).
fn idempotency_key_format(operation: &mut Operation) {
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && matches!(parameter.parameter_in, ParameterIn::Header)
            && parameter.name == crate::idempotency::HEADER
            && let Some(RefOr::T(Schema::Object(schema))) = parameter.schema.as_mut()
        {
            schema.min_length = Some(1);
            schema.max_length = Some(255);
            schema.pattern = Some("^[!-~]+$".to_owned());
            for (status, response) in &mut operation.responses.responses {
                if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
                    response.headers.insert(
                        "Idempotent-Replayed".to_owned(),
                        header_ref("Idempotent-Replayed"),
                    );
                }
            }
            operation
                .responses
                .responses
                .entry("422".to_owned())
                .or_insert_with(|| {
                    RefOr::T(problem_response(
                        "`validation_failed` (a malformed Idempotency-Key or body) or \
                     `idempotency_key_reused` (the key was used for another request)",
                    ))
                });
            return;
        }
    }
}

/// An app's token opens what an API key with the same scope opens: every operation that lists
/// `api_key` scopes lists them for `oauth` too.
fn oauth_like_api_keys(operation: &mut Operation) {
    let Some(requirements) = operation.security.as_mut() else {
        return;
    };
    let scopes: Vec<String> = requirements
        .iter()
        .filter_map(|requirement| serde_json::to_value(requirement).ok())
        .filter_map(|value| value.get("api_key").cloned())
        .filter_map(|scopes| serde_json::from_value::<Vec<String>>(scopes).ok())
        .flatten()
        .collect();
    if !scopes.is_empty() {
        requirements.push(SecurityRequirement::new("oauth", scopes));
    }
}

fn add_standard_problems(operation: &mut Operation) {
    let params = operation.parameters.as_deref().unwrap_or_default();
    let has_path_param = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path)));
    let has_query_param = params
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)));
    let has_body = operation.request_body.is_some();
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());

    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem_response(description)));
    };
    if has_body {
        add("400", "`malformed_json`: the body is not valid JSON");
        add(
            "413",
            "`payload_too_large`: the body exceeds MAX_BODY_BYTES",
        );
        add(
            "415",
            "`unsupported_media_type`: the body is not application/json",
        );
    }
    if has_body || has_query_param {
        add(
            "422",
            "`validation_failed`: `errors` names each invalid field",
        );
    }
    if secured {
        add(
            "401",
            "`unauthenticated`, `invalid_token` or `token_expired`: no valid credentials",
        );
        add(
            "403",
            "`forbidden` (the role may not), `insufficient_scope` (the API key or app token \
             lacks the scope), `account_suspended` (the account is suspended) or \
             `email_unverified` (the account's email is not confirmed yet, for an operation \
             that needs it)",
        );
    }
    if has_path_param {
        add("404", "`not_found`: no such resource visible to the caller");
    }
    add("500", "`internal`: an unexpected error; see X-Request-Id");
    add(
        "503",
        "`service_unavailable`: the database is unavailable; retry",
    );
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            shared_types::error::PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemDetails")))
                .build(),
        )
        .build()
}
