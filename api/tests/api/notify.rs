//! Push alerts through FCM HTTP v1, against a fake Google on 127.0.0.1: who gets a lead alert,
//! what it carries, and how FCM's errors are handled. The tests run the delivery passes
//! themselves (the background worker is off), except the one that checks the worker itself.

use std::sync::Arc;
use std::time::Duration;

use porchlight::notify::delivery::{self, Delivery, LEASE};
use porchlight::notify::fcm::FcmSender;
use serde_json::Value;
use shared_types::notify::{DeviceInput, OutboxFilter, OutboxStatus, Platform};
use shared_types::partners::{MembershipTier, PartnerAdminUpdate};
use shared_types::{Client, PageParams};

use crate::fake_google::FakeGoogle;
use crate::harness::TestApp;
use crate::jobs::{cleaning_request, pro};

struct Setup {
    app: TestApp,
    google: FakeGoogle,
    delivery: Arc<Delivery>,
    staff: Client,
    _keys: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let google = FakeGoogle::start();
        let keys = tempfile::tempdir().unwrap();
        let account = google.service_account_file(keys.path());
        let delivery = Arc::new(Delivery {
            fcm: Some(FcmSender::from_file(&account, &google.base_url).unwrap()),
            mailer: None,
            max_attempts: 10,
        });
        let (_, staff) = app.staff().await;
        Self {
            app,
            google,
            delivery,
            staff,
            _keys: keys,
        }
    }

    async fn deliver(&self) -> usize {
        delivery::run_once(&self.app.state, &self.delivery)
            .await
            .unwrap()
    }

    async fn outbox(&self, status: OutboxStatus) -> Vec<shared_types::notify::OutboxMessage> {
        self.staff
            .admin_outbox(
                &OutboxFilter {
                    status: Some(status),
                },
                &PageParams::default(),
            )
            .await
            .unwrap()
            .items
    }
}

async fn device(client: &Client, token: &str) {
    client
        .register_device(&DeviceInput {
            token: token.into(),
            platform: Platform::Android,
            app_version: Some("1.4.0".into()),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_new_lead_reaches_every_matching_pros_devices_once() {
    let setup = Setup::new().await;
    let (_, first) = pro(&setup.app, &setup.staff).await;
    let (_, second) = pro(&setup.app, &setup.staff).await;
    let (basic_id, basic) = pro(&setup.app, &setup.staff).await;
    let demote = PartnerAdminUpdate {
        status: None,
        tier: Some(MembershipTier::Basic),
        reason: "test set-up".into(),
    };
    setup
        .staff
        .admin_update_partner(&basic_id, &demote)
        .await
        .unwrap();
    device(&first, "first-phone").await;
    device(&first, "first-tablet").await;
    device(&second, "second-phone").await;
    device(&basic, "basic-phone").await;

    let (_, customer) = setup.app.customer().await;
    let request = customer
        .create_request(&cleaning_request(None))
        .await
        .unwrap();
    assert!(setup.deliver().await >= 2);

    for token in ["first-phone", "first-tablet", "second-phone"] {
        let messages = setup.google.accepted_for(token);
        assert_eq!(messages.len(), 1, "{token} gets the lead once");
        let message = &messages[0];
        assert_eq!(message["data"]["kind"], "lead.offered");
        assert_eq!(message["data"]["request_id"], request.id.as_str());
        assert!(
            message["data"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string),
            "FCM data values are strings"
        );
        assert!(
            message["data"]["deep_link"]
                .as_str()
                .unwrap()
                .starts_with("porchlight://leads/")
        );
        assert_eq!(message["android"]["priority"], "high");
        let ttl: u64 = message["android"]["ttl"]
            .as_str()
            .unwrap()
            .trim_end_matches('s')
            .parse()
            .unwrap();
        assert!(
            (1..=1800).contains(&ttl),
            "the offer's remaining life: {ttl}"
        );
        assert_eq!(message["apns"]["headers"]["apns-priority"], "10");
        assert!(message["apns"]["headers"]["apns-expiration"].is_string());
        assert_eq!(
            message["android"]["collapse_key"],
            message["android"]["notification"]["tag"]
        );
    }
    assert!(
        setup.google.accepted_for("basic-phone").is_empty(),
        "a pro who did not match hears nothing"
    );
    // The two messages to one pro's two devices are the same notification.
    assert_eq!(
        setup.google.accepted_for("first-phone")[0]["android"]["collapse_key"],
        setup.google.accepted_for("first-tablet")[0]["android"]["collapse_key"]
    );

    // Nothing is sent twice, and the access token was fetched once.
    setup.deliver().await;
    assert_eq!(setup.google.accepted_for("first-phone").len(), 1);
    assert_eq!(setup.google.tokens_issued(), 1);
    assert!(setup.outbox(OutboxStatus::Pending).await.is_empty());
}

#[tokio::test]
async fn fcm_errors_forget_dead_devices_and_are_retried_after_retry_after() {
    let setup = Setup::new().await;
    let (pro_id, pro_client) = pro(&setup.app, &setup.staff).await;
    for token in ["dead-1", "busy-1", "flaky-1", "ok-1"] {
        device(&pro_client, token).await;
    }
    let (_, customer) = setup.app.customer().await;
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();

    setup.deliver().await;
    assert_eq!(setup.google.accepted_for("ok-1").len(), 1);
    let left = pro_client.devices().await.unwrap();
    assert_eq!(left.len(), 3, "UNREGISTERED deletes the device");
    let pending = setup.outbox(OutboxStatus::Pending).await;
    assert_eq!(pending.len(), 1);
    let message = &pending[0];
    assert_eq!(message.attempts, 1);
    let error = message.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("QUOTA_EXCEEDED") || error.contains("UNAVAILABLE"),
        "{error}"
    );
    let waited = message.next_attempt_at - setup.app.state.clock.now().and_utc();
    assert!(
        waited >= chrono::Duration::seconds(115),
        "Retry-After: 120 is honoured, waited {waited}"
    );

    // Not due yet: nothing goes out.
    setup.deliver().await;
    assert_eq!(setup.google.calls("busy-1"), 1);

    // Once due, only the devices that missed it get it.
    setup
        .app
        .state
        .clock
        .advance(chrono::Duration::seconds(200));
    setup.deliver().await;
    assert_eq!(setup.google.accepted_for("busy-1").len(), 1);
    assert_eq!(setup.google.accepted_for("flaky-1").len(), 1);
    assert_eq!(setup.google.accepted_for("ok-1").len(), 1, "not resent");
    assert_eq!(
        setup.google.calls("dead-1"),
        1,
        "a dead device is not tried again"
    );
    assert!(setup.outbox(OutboxStatus::Pending).await.is_empty());

    // An error retrying cannot fix ends the message as failed, for staff to see; the device stays.
    let (other_id, other) = pro(&setup.app, &setup.staff).await;
    device(&other, "mismatch-1").await;
    customer
        .create_request(&cleaning_request(Some(&other_id)))
        .await
        .unwrap();
    setup.deliver().await;
    let failed = setup.outbox(OutboxStatus::Failed).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].recipient_id, other_id);
    assert!(
        failed[0]
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("SENDER_ID_MISMATCH")
    );
    assert_eq!(other.devices().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_dead_workers_claims_come_back_after_the_lease() {
    let setup = Setup::new().await;
    let (pro_id, pro_client) = pro(&setup.app, &setup.staff).await;
    device(&pro_client, "phone-1").await;
    let (_, customer) = setup.app.customer().await;
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();

    // A worker claims the batch and dies before sending anything.
    let now = setup.app.state.clock.now();
    let claimed = setup
        .app
        .state
        .db(move |conn| delivery::claim(conn, now, 100))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(setup.deliver().await, 0, "leased to the dead worker");

    setup
        .app
        .state
        .clock
        .advance(LEASE + chrono::Duration::seconds(1));
    assert_eq!(setup.deliver().await, 1);
    assert_eq!(setup.google.accepted_for("phone-1").len(), 1);
}

#[tokio::test]
async fn the_background_worker_pushes_as_soon_as_a_lead_is_created() {
    let google = FakeGoogle::start();
    let keys = tempfile::tempdir().unwrap();
    let account = google.service_account_file(keys.path());
    let app = TestApp::spawn_with(&[
        ("FCM_SERVICE_ACCOUNT_FILE", account.to_str().unwrap()),
        ("FCM_BASE_URL", &google.base_url),
        ("OUTBOX_POLL_INTERVAL_MS", "60000"),
    ])
    .await;
    let (_, staff) = app.staff().await;
    let (pro_id, pro_client) = pro(&app, &staff).await;
    device(&pro_client, "phone-1").await;
    let (_, customer) = app.customer().await;
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    // The request's commit wakes the worker; the poll interval (a minute) is only a fallback.
    let mut waited = Duration::ZERO;
    while google.accepted_for("phone-1").is_empty() && waited < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
        waited += Duration::from_millis(20);
    }
    assert_eq!(google.accepted_for("phone-1").len(), 1, "after {waited:?}");
}
