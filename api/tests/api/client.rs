//! The typed client as integrators use it: ids cannot reach another route, a call refused by a
//! rate limit is sent again after its `Retry-After`, and a call that gets no answer gives up at
//! its deadline.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use shared_types::{Client, ClientError, ErrorCode};

use crate::harness::TestApp;

#[tokio::test]
async fn ids_in_paths_cannot_reach_another_route() {
    let app = TestApp::spawn().await;
    let (_, customer) = app.customer().await;
    for id in ["../me", "a/b?c=d", "x#y", "%2e%2e", "me/../../partners"] {
        let error = customer.job(id).await.unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::NotFound), "{id}: {error}");
        let detail = error.problem().unwrap().detail.clone().unwrap_or_default();
        assert!(detail.contains("job"), "{id}: {detail}");
    }
    // A dot segment would climb whatever its encoding: the client sends nothing.
    for id in [".", ".."] {
        let error = customer.job(id).await.unwrap_err();
        assert!(matches!(error, ClientError::InvalidId(_)), "{id}: {error}");
    }
}

#[tokio::test]
async fn a_rate_limited_call_is_sent_again_after_its_retry_after() {
    // One unit a second: a refused read waits one second.
    let app = TestApp::spawn_with(&[("RATE_LIMIT_PER_MINUTE", "60")]).await;
    let (user, customer) = app.customer().await;
    loop {
        let response = customer
            .request(Method::GET, "/v1/me")
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    let error = customer.with_retries(0).me().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::RateLimited));
    assert_eq!(
        customer.me().await.unwrap().id,
        user.id,
        "waited, then passed"
    );
}

#[tokio::test]
async fn a_call_that_gets_no_answer_gives_up_at_its_deadline() {
    // A server that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let client = Client::new(url).with_timeout(Duration::from_millis(300));
    for retries in [0, 1] {
        match client.with_retries(retries).health().await {
            Err(ClientError::Transport(error)) => assert!(error.is_timeout(), "{error}"),
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
    silent.abort();
}
