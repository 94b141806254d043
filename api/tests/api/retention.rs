//! Retention: stored Idempotency-Key answers, ended sessions and delivered notifications are
//! deleted once their time is up, by the service's clock; what is still in use is kept.

use chrono::Duration;
use porchlight::retention::{self, RetentionReport};
use shared_types::auth::SignupRole;

use crate::harness::{PASSWORD, TestApp};
use crate::jobs::cleaning_request;

#[tokio::test]
async fn what_outlived_its_retention_is_deleted_and_nothing_else() {
    let app = TestApp::spawn().await;
    let (user, kept, customer) = app.signed_up(SignupRole::Customer).await;
    let ended = app.login(&user.email, PASSWORD).await.unwrap();
    app.client.logout(&ended.refresh_token).await.unwrap();
    // One answer stored under a key, and two notifications: one delivered, then one still due.
    customer
        .create_request_once(&cleaning_request(None), "retention-1")
        .await
        .unwrap();
    // (No pro serves the request: its "unfilled" notice, delivered, is older than the two.)
    app.sql("UPDATE outbox SET status = 'sent'").await;
    app.sql(&format!(
        "INSERT INTO outbox (id, recipient_id, kind, payload, status, attempts, \
         next_attempt_at, created_at) VALUES \
         ('n-1-sent', '{0}', 'request.unfilled', '{{}}', 'sent', 1, CURRENT_TIMESTAMP, \
          CURRENT_TIMESTAMP), \
         ('n-2-due', '{0}', 'request.unfilled', '{{}}', 'pending', 0, CURRENT_TIMESTAMP, \
          CURRENT_TIMESTAMP)",
        user.id
    ))
    .await;
    porchlight::notify::stream::sequence_and_wake(&app.state)
        .await
        .unwrap();
    let counts = || async {
        (
            app.count("idempotency_keys").await,
            app.count("refresh_tokens").await,
            app.count("outbox WHERE id IN ('n-1-sent', 'n-2-due')")
                .await,
        )
    };
    assert_eq!(counts().await, (1, 2, 2));
    let run = || async { retention::run(&app.state).await.unwrap() };

    assert_eq!(
        run().await,
        RetentionReport::default(),
        "nothing is old yet"
    );
    // Past the 48 hours of a stored answer.
    app.state.clock.advance(Duration::hours(49));
    assert_eq!(run().await.idempotency_keys, 1);
    // Past a week after the logout: the revoked session goes, the live one stays and works.
    app.state.clock.advance(Duration::days(6));
    assert_eq!(run().await.refresh_tokens, 1);
    assert_eq!(counts().await, (0, 1, 2));
    app.client.refresh(&kept.refresh_token).await.unwrap();
    // The used token is kept until it expires, so that presenting it again is still caught.
    assert_eq!(app.count("refresh_tokens").await, 2);
    // Past 90 days: the delivered notification goes, the one still due stays.
    app.state.clock.advance(Duration::days(84));
    let report = run().await;
    assert_eq!(report.notifications, 2);
    assert_eq!(
        app.count("outbox WHERE id = 'n-2-due'").await,
        1,
        "a notification not yet delivered is never purged"
    );
    // Every token has expired (30 days) and a week more has passed.
    assert_eq!(report.refresh_tokens, 2);
}
