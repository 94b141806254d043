//! The error contract: each kind of bad input or failure maps to its status, `application/problem+json`
//! and stable code, and changes nothing.

use reqwest::Method;
use shared_types::{ErrorCode, ProblemDetails};

use crate::harness::TestApp;

/// Sends a raw request and returns status, content type, problem and headers.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, String, ProblemDetails, reqwest::header::HeaderMap) {
    let mut request = app.client.request(method, path).body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    let problem = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("not a problem document ({e}): {text}"));
    (status, content_type, problem, headers)
}

/// A registration body with one field replaced (or removed, with `None`).
fn registration_with(field: &str, value: Option<serde_json::Value>) -> String {
    let mut body = serde_json::json!({
        "email": "a@example.com", "password": "long enough pw", "name": "A", "role": "customer"
    });
    match value {
        Some(value) => body[field] = value,
        None => {
            body.as_object_mut().unwrap().remove(field);
        }
    }
    body.to_string()
}

struct BadRequest {
    label: &'static str,
    content_type: Option<&'static str>,
    body: String,
    code: ErrorCode,
    /// The field the problem's `errors` must name.
    field: Option<&'static str>,
}

fn bad(label: &'static str, body: impl Into<String>, code: ErrorCode) -> BadRequest {
    BadRequest {
        label,
        content_type: Some("application/json"),
        body: body.into(),
        code,
        field: None,
    }
}

fn invalid(
    label: &'static str,
    field: &'static str,
    value: Option<serde_json::Value>,
) -> BadRequest {
    BadRequest {
        field: Some(field),
        ..bad(
            label,
            registration_with(field, value),
            ErrorCode::ValidationFailed,
        )
    }
}

#[tokio::test]
async fn bad_input_gets_a_problem_and_changes_nothing() {
    use serde_json::json;
    let app = TestApp::spawn_with(&[("MAX_BODY_BYTES", "1024")]).await;
    let valid = registration_with("name", Some(json!("A")));
    let cases = [
        bad("malformed", r#"{"email": "#, ErrorCode::MalformedJson),
        bad("trailing", format!("{valid} x"), ErrorCode::MalformedJson),
        bad("empty body", "", ErrorCode::MalformedJson),
        BadRequest {
            content_type: None,
            ..bad(
                "no content type",
                valid.clone(),
                ErrorCode::UnsupportedMediaType,
            )
        },
        BadRequest {
            content_type: Some("application/x-www-form-urlencoded"),
            ..bad("form", "email=a", ErrorCode::UnsupportedMediaType)
        },
        bad(
            "too large",
            registration_with("name", Some(json!("x".repeat(2000)))),
            ErrorCode::PayloadTooLarge,
        ),
        BadRequest {
            field: Some("body"),
            ..bad("not an object", "[1,2]", ErrorCode::ValidationFailed)
        },
        invalid("missing field", "name", None),
        invalid("wrong type", "password", Some(json!(123))),
        invalid("unknown role", "role", Some(json!("admin"))),
        invalid("bad email", "email", Some(json!("not-an-email"))),
        invalid("short password", "password", Some(json!("short"))),
        invalid("long password", "password", Some(json!("p".repeat(129)))),
        invalid("blank name", "name", Some(json!("   "))),
    ];
    for case in cases {
        let label = case.label;
        let (status, content_type, problem, _) = raw(
            &app,
            Method::POST,
            "/v1/auth/register",
            case.content_type,
            &case.body,
        )
        .await;
        assert_eq!(status, case.code.status(), "{label}");
        assert_eq!(content_type, "application/problem+json", "{label}");
        assert_eq!(problem.code, case.code, "{label}");
        assert_eq!(problem.status, status, "{label}");
        assert_eq!(
            problem.problem_type,
            format!("urn:porchlight:problem:{}", case.code.as_str())
        );
        if let Some(field) = case.field {
            assert!(
                problem.errors.contains_key(field),
                "{label}: {:?}",
                problem.errors
            );
        }
    }
    assert_eq!(
        app.count("users").await,
        0,
        "no bad request stored anything"
    );

    // Query parameters are validated too.
    let (_, staff) = app.staff().await;
    for query in ["limit=0", "limit=101", "limit=ten", "role=owner"] {
        let response = staff
            .request(Method::GET, &format!("/v1/admin/users?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{query}");
        let problem: ProblemDetails = response.json().await.unwrap();
        assert_eq!(problem.code, ErrorCode::ValidationFailed);
    }
}

#[tokio::test]
async fn a_webhook_body_too_large_is_a_problem() {
    let app = TestApp::spawn_with(&[("MAX_BODY_BYTES", "1024")]).await;
    let body = format!(r#"{{"id": "evt_1", "padding": "{}"}}"#, "x".repeat(2000));
    let (status, content_type, problem, _) = raw(
        &app,
        Method::POST,
        "/v1/webhooks/payments/stripe",
        Some("application/json"),
        &body,
    )
    .await;
    assert_eq!((status, problem.code), (413, ErrorCode::PayloadTooLarge));
    assert_eq!(content_type, "application/problem+json");
}

/// Checks the headers every response carries, and whether a cache may keep it (`stored`:
/// no `Cache-Control`) or not (`no-store`).
fn assert_response_headers(label: &str, response: &reqwest::Response, stored: bool) {
    assert!(
        response.status().as_u16() < 500,
        "{label}: {}",
        response.status()
    );
    let headers = response.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff", "{label}");
    assert_eq!(headers["x-frame-options"], "DENY", "{label}");
    assert_eq!(
        headers["content-security-policy"], "frame-ancestors 'none'",
        "{label}"
    );
    let cache_control = headers
        .get("cache-control")
        .map(|value| value.to_str().unwrap());
    let expected = if stored { None } else { Some("no-store") };
    assert_eq!(cache_control, expected, "{label}");
}

#[tokio::test]
async fn every_response_carries_the_safety_headers_and_only_public_reads_may_be_stored() {
    let app = TestApp::spawn().await;
    let (_, tokens, signed_in) = app
        .signed_up(shared_types::auth::SignupRole::Customer)
        .await;
    let anonymous = &app.client;
    let (_, staff) = app.staff().await;
    let (pro_id, _) = crate::jobs::pro(&app, &staff).await;

    // (label, signed in, path, may a cache keep it)
    let reads = [
        ("categories", false, "/v1/categories".to_owned(), true),
        (
            "partner search",
            false,
            "/v1/partners?category=cleaning&lat=45.5&lon=-73.6".to_owned(),
            true,
        ),
        (
            "reviews",
            false,
            format!("/v1/partners/{pro_id}/reviews"),
            true,
        ),
        ("openapi", false, "/v1/openapi.json".to_owned(), true),
        ("docs", false, "/docs/".to_owned(), true),
        // Each read of a profile counts a view: no cached copies.
        ("profile", false, format!("/v1/partners/{pro_id}"), false),
        (
            "categories signed in",
            true,
            "/v1/categories".to_owned(),
            false,
        ),
        (
            "reviews signed in",
            true,
            format!("/v1/partners/{pro_id}/reviews"),
            false,
        ),
        ("me", true, "/v1/me".to_owned(), false),
        ("health", false, "/v1/health".to_owned(), false),
        (
            "unknown partner",
            false,
            "/v1/partners/nobody".to_owned(),
            false,
        ),
        ("no route", false, "/v1/nothing-here".to_owned(), false),
    ];
    for (label, signed, path, stored) in reads {
        let client = if signed { &signed_in } else { anonymous };
        let response = client.request(Method::GET, &path).send().await.unwrap();
        assert_response_headers(label, &response, stored);
    }

    // The auth endpoints that hand out tokens.
    let email = TestApp::unique_email("headers");
    let password = crate::harness::PASSWORD;
    let posts = [
        (
            "/v1/auth/register",
            serde_json::json!({ "email": email, "password": password, "name": "H", "role": "customer" }),
        ),
        (
            "/v1/auth/login",
            serde_json::json!({ "email": email, "password": password }),
        ),
        (
            "/v1/auth/refresh",
            serde_json::json!({ "refresh_token": tokens.refresh_token }),
        ),
    ];
    for (path, body) in posts {
        let response = anonymous
            .request(Method::POST, path)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        assert_response_headers(path, &response, false);
    }

    // The live stream too.
    let response = signed_in
        .request(Method::GET, "/v1/events")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_response_headers("events", &response, false);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems_too() {
    let app = TestApp::spawn().await;
    let (status, content_type, problem, headers) =
        raw(&app, Method::GET, "/v1/nothing-here", None, "").await;
    assert_eq!((status, problem.code), (404, ErrorCode::NotFound));
    assert_eq!(content_type, "application/problem+json");
    assert!(headers.contains_key("x-request-id"));

    let (status, _, problem, headers) = raw(&app, Method::PUT, "/v1/me", None, "").await;
    assert_eq!((status, problem.code), (405, ErrorCode::MethodNotAllowed));
    assert_eq!(headers["allow"], "GET, PATCH, DELETE");
}

#[tokio::test]
async fn a_missing_row_is_404_and_an_exhausted_pool_is_503() {
    let app = TestApp::spawn_with(&[("DB_POOL_SIZE", "1"), ("DB_POOL_TIMEOUT_SECS", "1")]).await;
    let (user, client) = app.customer().await;

    // Hold the only connection: the next request cannot get one in time.
    let pool = app.state.pool.clone();
    let held = tokio::task::spawn_blocking(move || pool.get().unwrap())
        .await
        .unwrap();
    let error = client.me().await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.code(), Some(ErrorCode::ServiceUnavailable));
    // The caller is told what to do, not what the pool said (that goes to the log).
    let response = client.request(Method::GET, "/v1/me").send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "1");
    let text = response.text().await.unwrap();
    let problem: ProblemDetails = serde_json::from_str(&text).unwrap();
    assert_eq!(
        problem.detail.as_deref(),
        Some("the database is unavailable; retry shortly")
    );
    assert!(!text.contains("timed out"), "driver text: {text}");
    drop(held);

    // The token is still signed but its account is gone: the credential is no good (401).
    for table in ["sessions", "email_verifications"] {
        app.sql(&format!(
            "DELETE FROM {table} WHERE user_id = '{}'",
            user.id
        ))
        .await;
    }
    app.sql(&format!("DELETE FROM users WHERE id = '{}'", user.id))
        .await;
    app.state.standing.forget(&user.id);
    let error = client.me().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.code(), Some(ErrorCode::InvalidToken));
}

#[tokio::test]
async fn a_server_error_shows_no_internals() {
    let app = TestApp::spawn().await;
    let (_, client) = app.customer().await;
    app.sql("DROP TABLE api_keys").await;
    let response = client
        .request(Method::GET, "/v1/api-keys")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!request_id.is_empty());
    let text = response.text().await.unwrap();
    let problem: ProblemDetails = serde_json::from_str(&text).unwrap();
    assert_eq!(problem.code, ErrorCode::Internal);
    assert!(!text.contains("api_keys"), "leaks internals: {text}");
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let health = app.client.health().await.unwrap();
    assert_eq!(health.status, "ok");
    let ready = app.client.ready().await.unwrap();
    assert_eq!(ready.status, "ready");
    assert!(ready.database && ready.migrations_applied);
    let backend = if app.database.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(ready.backend, backend);
}

/// PostgreSQL text cannot hold U+0000: a NUL anywhere in a body, a query or a path is refused at
/// the edge, on both backends, before any handler or query sees it, and changes nothing.
#[tokio::test]
async fn a_nul_character_is_refused_everywhere() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let users_before = app.count("users").await;

    // Unauthenticated: sign-in and sign-up, at the top level and by key.
    let login = json!({ "email": "a\u{0}@example.com", "password": "whatever it is" });
    let (status, _, problem, _) = raw(
        &app,
        Method::POST,
        "/v1/auth/login",
        Some("application/json"),
        &login.to_string(),
    )
    .await;
    assert_eq!((status, problem.code), (422, ErrorCode::ValidationFailed));
    assert!(problem.errors.contains_key("email"), "{problem:?}");
    let (status, _, problem, _) = raw(
        &app,
        Method::POST,
        "/v1/auth/register",
        Some("application/json"),
        &registration_with("name", Some(json!("Ann\u{0}"))),
    )
    .await;
    assert_eq!((status, problem.code), (422, ErrorCode::ValidationFailed));
    assert!(problem.errors.contains_key("name"), "{problem:?}");
    assert_eq!(app.count("users").await, users_before);

    // Signed in: a nested field, an array item, a query parameter, a path id.
    let (_, customer) = app.customer().await;
    let mut request = json!({
        "category": "cleaning", "description": "Deep clean",
        "address": { "street": "1 Main\u{0} St", "city": "Toronto", "postal_code": "M5H 2N2",
                     "country": "CA", "lat": 43.65, "lon": -79.38 },
        "windows": [], "photo_urls": ["https://x.example.com/a.jpg\u{0}"],
    });
    let send = |body: serde_json::Value| {
        customer
            .request(Method::POST, "/v1/requests")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    let response = send(request.clone()).await.unwrap();
    assert_eq!(response.status(), 422);
    let problem: ProblemDetails = response.json().await.unwrap();
    assert!(problem.errors.contains_key("address.street"), "{problem:?}");
    request["address"]["street"] = json!("1 Main St");
    let problem: ProblemDetails = send(request).await.unwrap().json().await.unwrap();
    assert!(problem.errors.contains_key("photo_urls[0]"), "{problem:?}");

    let response = customer
        .request(
            Method::GET,
            "/v1/partners?category=clean%00ing&lat=43.6&lon=-79.3",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: ProblemDetails = response.json().await.unwrap();
    assert!(problem.errors.contains_key("category"), "{problem:?}");
    for path in [
        "/v1/requests/abc%00def",
        "/v1/jobs/%00",
        "/v1/partners/x%00/contact-clicks",
    ] {
        let response = customer.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let problem: ProblemDetails = response.json().await.unwrap();
        assert_eq!(problem.code, ErrorCode::NotFound, "{path}");
    }
    assert_eq!(app.count("service_requests").await, 0);
}

/// The shared enums read an unknown value as `Unknown` so that clients survive a newer server;
/// the server itself accepts only what its contract lists, in bodies and query strings alike.
#[tokio::test]
async fn a_value_the_contract_does_not_list_is_refused() {
    use serde_json::json;
    let app = TestApp::spawn().await;
    let (_, customer) = app.customer().await;
    let before = customer.notification_preferences().await.unwrap();

    let mut changed = json!(before);
    changed["channels"][1]["category"] = json!("newsletter");
    let response = customer
        .request(Method::PUT, "/v1/me/notification-preferences")
        .header("content-type", "application/json")
        .body(changed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let problem: ProblemDetails = response.json().await.unwrap();
    assert_eq!(problem.code, ErrorCode::ValidationFailed);
    assert!(
        problem.errors.contains_key("channels[1].category"),
        "{problem:?}"
    );
    assert_eq!(customer.notification_preferences().await.unwrap(), before);

    // "unknown" itself is not a value either.
    for status in ["archived", "unknown"] {
        let response = customer
            .request(Method::GET, &format!("/v1/jobs?status={status}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "status={status}");
        let problem: ProblemDetails = response.json().await.unwrap();
        assert!(problem.errors.contains_key("status"), "{problem:?}");
    }
}

/// A browser page on an allowed origin can call the API (the preflight is answered, the
/// answer is readable); any other origin gets no CORS headers, and credentials are never
/// allowed. Without `CORS_ALLOWED_ORIGINS` there is no cross-origin access at all.
#[tokio::test]
async fn only_allowed_origins_get_cross_origin_access() {
    let app = TestApp::spawn_with(&[(
        "CORS_ALLOWED_ORIGINS",
        "https://crm.example.com, http://localhost:3000",
    )])
    .await;
    let (_, customer) = app.customer().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, "/v1/me")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let allowed = preflight("https://crm.example.com").await.unwrap();
    assert!(allowed.status().is_success(), "{allowed:?}");
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://crm.example.com"
    );
    assert!(
        headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("authorization")
    );
    assert!(headers.get("access-control-allow-credentials").is_none());

    // The real call: readable by the allowed page, with the request id exposed.
    let call = |origin: &'static str| {
        customer
            .request(Method::GET, "/v1/me")
            .header("Origin", origin)
            .send()
    };
    let answer = call("http://localhost:3000").await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert!(
        answer.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("x-request-id")
    );
    // Another origin: served, but without the headers that would let its page read it.
    let other = call("https://evil.example.com").await.unwrap();
    assert_eq!(other.status(), 200);
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let refused = preflight("https://evil.example.com").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // By default, no origin is allowed: a preflight is just a method the route does not have.
    let closed = TestApp::spawn().await;
    let response = closed
        .client
        .request(Method::OPTIONS, "/v1/me")
        .header("Origin", "https://crm.example.com")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
