//! Rate limits over HTTP: each caller spends from its own token bucket and is told where it
//! stands on every answer; past its budget a call is refused with 429 and `Retry-After` and does
//! nothing; addresses behind a trusted proxy are told apart; replicas share buckets in Redis.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use shared_types::auth::Scope;
use shared_types::oauth::OAuthAppInput;
use shared_types::{ErrorCode, ProblemDetails};

use crate::harness::TestApp;
use crate::jobs::cleaning_request;

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_caller_past_its_budget_is_refused_until_it_refills_and_nothing_is_done() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_PER_MINUTE", "6"),
        ("RATE_LIMIT_ANONYMOUS_PER_MINUTE", "20"),
    ])
    .await;
    let (_, customer) = app.customer().await;
    let (_, other) = app.customer().await;

    // A read costs 1 of the 6 units (one comes back every 10 s); each answer says what is left.
    for left in (2..6).rev() {
        let response = send(customer.request(Method::GET, "/v1/me")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            header(&response, "ratelimit-policy"),
            r#""credential";q=6;w=60"#
        );
        let full_in = (6 - left) * 10;
        assert_eq!(
            header(&response, "ratelimit"),
            format!(r#""credential";r={left};t={full_in}"#)
        );
    }
    // A write costs 2: the last two.
    let request = cleaning_request(None);
    let made = send(
        customer
            .request(Method::POST, "/v1/requests")
            .json(&request),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    assert_eq!(header(&made, "ratelimit"), r#""credential";r=0;t=60"#);

    // Past the budget: 429, when to retry, and nothing done.
    let refused = send(
        customer
            .request(Method::POST, "/v1/requests")
            .json(&request),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        header(&refused, "retry-after"),
        "20",
        "a write waits for 2 units"
    );
    assert_eq!(header(&refused, "ratelimit"), r#""credential";r=0;t=60"#);
    let problem: ProblemDetails = refused.json().await.unwrap();
    assert_eq!(problem.code, ErrorCode::RateLimited);
    // Which limit: the caller's bucket, not a sign-in throttle.
    let detail = problem.detail.unwrap_or_default();
    assert!(detail.contains("rate limit is spent"), "{detail}");
    assert_eq!(app.count("service_requests").await, 1);
    let read = send(customer.request(Method::GET, "/v1/me")).await;
    assert_eq!(read.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&read, "retry-after"), "10");
    // The typed client reads it as the same problem (told not to wait and try again).
    let error = customer.with_retries(0).me().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::RateLimited));

    // Others spend from their own bucket.
    let theirs = send(other.request(Method::GET, "/v1/me")).await;
    assert_eq!(theirs.status(), StatusCode::OK);
    assert_eq!(header(&theirs, "ratelimit"), r#""credential";r=5;t=10"#);

    // Ten seconds on, one unit is back.
    app.state.clock.advance(chrono::Duration::seconds(10));
    let again = send(customer.request(Method::GET, "/v1/me")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(header(&again, "ratelimit"), r#""credential";r=0;t=60"#);
    // Health checks are never limited.
    let health = send(customer.request(Method::GET, "/v1/health")).await;
    assert_eq!(health.status(), StatusCode::OK);
    assert!(health.headers().get("ratelimit").is_none());
}

#[tokio::test]
async fn anonymous_callers_are_told_apart_by_address_only_behind_a_trusted_proxy() {
    let catalogue = |app: &TestApp, client_ip: &str| {
        app.client
            .request(Method::GET, "/v1/categories")
            .header("X-Forwarded-For", client_ip)
    };
    let behind_proxy = TestApp::spawn_with(&[
        ("RATE_LIMIT_ANONYMOUS_PER_MINUTE", "2"),
        ("TRUSTED_PROXIES", "127.0.0.1, ::1"),
    ])
    .await;
    for _ in 0..2 {
        let response = send(catalogue(&behind_proxy, "198.51.100.1")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(header(&response, "ratelimit-policy").starts_with(r#""anonymous";q=2"#));
    }
    let refused = send(catalogue(&behind_proxy, "198.51.100.1")).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let neighbour = send(catalogue(&behind_proxy, "198.51.100.2")).await;
    assert_eq!(neighbour.status(), StatusCode::OK, "another client");

    // Not behind a trusted proxy, the header is the caller's own word: ignored.
    let direct = TestApp::spawn_with(&[("RATE_LIMIT_ANONYMOUS_PER_MINUTE", "2")]).await;
    for client_ip in ["198.51.100.1", "198.51.100.2"] {
        let response = send(catalogue(&direct, client_ip)).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let spoofed = send(catalogue(&direct, "198.51.100.3")).await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A confidential app at the token endpoints spends from its own bucket, not from its server's
/// address's: two apps behind one address each get their budget; a call without client
/// credentials is the address's.
#[tokio::test]
async fn apps_at_the_token_endpoints_spend_from_their_own_buckets() {
    let app = TestApp::spawn_with(&[
        ("RATE_LIMIT_ANONYMOUS_PER_MINUTE", "1000"),
        ("RATE_LIMIT_PER_MINUTE", "10"),
    ])
    .await;
    let (_, developer) = app.customer().await;
    let mut credentials = Vec::new();
    for name in ["Acme CRM", "Ledgerly"] {
        let created = developer
            .register_oauth_app(&OAuthAppInput {
                name: name.into(),
                redirect_uris: vec!["https://crm.example.com/oauth/callback".into()],
                logo_url: None,
                scopes: vec![Scope::ProfileRead],
                confidential: true,
            })
            .await
            .unwrap();
        credentials.push((created.app.id, created.client_secret.unwrap()));
    }
    let introspect = |id: &str, secret: &str| {
        app.client
            .http()
            .post(format!("{}/oauth/introspect", app.address))
            .basic_auth(id, Some(secret))
            .form(&[("token", "pla_not_a_token")])
    };
    for (id, secret) in &credentials {
        for _ in 0..2 {
            let answered = send(introspect(id, secret)).await;
            assert_eq!(answered.status(), StatusCode::OK);
            assert!(header(&answered, "ratelimit-policy").starts_with(r#""credential";q=10"#));
        }
        let refused = send(introspect(id, secret)).await;
        assert_eq!(
            refused.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "10 units: 2 calls"
        );
    }
    let without_credentials = send(
        app.client
            .http()
            .post(format!("{}/oauth/introspect", app.address))
            .form(&[
                ("token", "pla_not_a_token"),
                ("client_id", &credentials[0].0),
            ]),
    )
    .await;
    assert!(header(&without_credentials, "ratelimit-policy").starts_with(r#""anonymous";q=1000"#));
}

/// The Redis server the shared-bucket test uses (`TEST_REDIS_URL`, default the local one).
fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test]
async fn replicas_spend_from_the_same_buckets_through_redis() {
    let url = redis_url();
    let prefix = format!("porchlight-test-{}:", uuid::Uuid::new_v4().simple());
    let settings = [
        ("REDIS_URL", url.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("RATE_LIMIT_ANONYMOUS_PER_MINUTE", "4"),
    ];
    let replicas = [
        TestApp::spawn_with(&settings).await,
        TestApp::spawn_with(&settings).await,
    ];
    for (n, left) in (0..4).rev().enumerate() {
        let replica = &replicas[n % 2];
        let response = send(replica.client.request(Method::GET, "/v1/categories")).await;
        assert_eq!(response.status(), StatusCode::OK, "call {n}");
        let remaining = header(&response, "ratelimit");
        assert!(
            remaining.starts_with(&format!(r#""anonymous";r={left};"#)),
            "call {n}: {remaining}"
        );
    }
    for replica in &replicas {
        let refused = send(replica.client.request(Method::GET, "/v1/categories")).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = header(&refused, "retry-after").parse().unwrap();
        assert!((1..=15).contains(&wait), "{wait}");
    }
    // The bucket's key expires once it is full again; nothing is left behind for long.
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(
        (1..=61_000).contains(&ttl),
        "expires within the minute: {ttl} ms"
    );
}
