//! Push alerts through FCM HTTP v1, against a fake Google on 127.0.0.1: who gets a lead alert,
//! what it carries, and how FCM's errors are handled. The tests run the delivery passes
//! themselves (the background worker is off), except the one that checks the worker itself.

use std::sync::Arc;
use std::time::Duration;

use porchlight::notify::delivery::{self, Delivery, LEASE};
use porchlight::notify::email::Mailer;
use porchlight::notify::fcm::FcmSender;
use porchlight::notify::stream;
use serde_json::Value;
use shared_types::events::EventType;
use shared_types::notify::{
    ChannelPreference, DeviceInput, NotificationCategory, NotificationFilter,
    NotificationPreferences, OutboxFilter, OutboxStatus, Platform, QuietHours,
};
use shared_types::partners::{MembershipTier, PartnerAdminUpdate};
use shared_types::{Client, PageParams};

use crate::fake_google::FakeGoogle;
use crate::fake_smtp::FakeSmtp;
use crate::harness::{TestApp, eventually};
use crate::jobs::{cleaning_request, lead_for, pro};

struct Setup {
    app: TestApp,
    google: FakeGoogle,
    smtp: FakeSmtp,
    delivery: Arc<Delivery>,
    staff: Client,
    keys: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Self {
        Self::on(TestApp::spawn().await).await
    }

    /// Push through a fake FCM and email through a fake SMTP relay, delivered when the test
    /// says so, by this app's state.
    async fn on(app: TestApp) -> Self {
        let google = FakeGoogle::start();
        let smtp = FakeSmtp::start().await;
        let keys = tempfile::tempdir().unwrap();
        let delivery = delivery_through(&google, &smtp, keys.path());
        let (_, staff) = app.staff().await;
        Self {
            app,
            google,
            smtp,
            delivery,
            staff,
            keys,
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

fn delivery_through(google: &FakeGoogle, smtp: &FakeSmtp, dir: &std::path::Path) -> Arc<Delivery> {
    let account = google.service_account_file(dir);
    Arc::new(Delivery {
        fcm: Some(FcmSender::from_file(&account, &google.base_url).unwrap()),
        mailer: Some(
            Mailer::new(
                &smtp.url,
                "Porchlight <alerts@porchlight.app>",
                "https://porchlight.app",
            )
            .unwrap(),
        ),
        max_attempts: 10,
        message_email_after: Duration::from_mins(15),
    })
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
        // A job alert rings: its own Android channel, sound, and time-sensitive on iOS.
        assert_eq!(
            message["android"]["notification"]["channel_id"],
            "job_alerts"
        );
        assert_eq!(
            message["apns"]["payload"]["aps"]["interruption-level"],
            "time-sensitive"
        );
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
        .db(move |conn| {
            stream::sequence(conn, now)?;
            delivery::claim(conn, now, 100)
        })
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
    eventually(Duration::from_secs(30), || async {
        !google.accepted_for("phone-1").is_empty()
    })
    .await;
    assert_eq!(google.accepted_for("phone-1").len(), 1);
}

fn quiet_all_day(include_job_alerts: bool) -> QuietHours {
    QuietHours {
        start: "00:00".into(),
        end: "23:59".into(),
        time_zone: "UTC".into(),
        include_job_alerts,
    }
}

#[tokio::test]
async fn push_and_email_follow_each_users_preferences() {
    let setup = Setup::new().await;
    // Quiet hours over the whole day (00:00 to 23:59), and the service's clock moved to noon,
    // well inside them whatever the time the test runs at.
    let now = setup.app.state.clock.now();
    let mut noon = now.date().and_hms_opt(12, 0, 0).unwrap();
    if noon <= now {
        noon += chrono::Duration::days(1);
    }
    setup.app.state.clock.advance(noon - now);
    let (_, plain) = pro(&setup.app, &setup.staff).await;
    let (_, muted) = pro(&setup.app, &setup.staff).await;
    let (_, sleeping) = pro(&setup.app, &setup.staff).await;
    let (_, night_owl) = pro(&setup.app, &setup.staff).await;
    for (client, token) in [
        (&plain, "plain-phone"),
        (&muted, "muted-phone"),
        (&sleeping, "sleeping-phone"),
        (&night_owl, "owl-phone"),
    ] {
        device(client, token).await;
    }
    // Job alerts off on both channels.
    muted
        .put_notification_preferences(&NotificationPreferences {
            channels: vec![ChannelPreference {
                category: NotificationCategory::JobAlerts,
                push: false,
                email: false,
            }],
            quiet_hours: None,
        })
        .await
        .unwrap();
    // Quiet hours that also silence job alerts: no push, but the email still goes.
    sleeping
        .put_notification_preferences(&NotificationPreferences {
            channels: vec![],
            quiet_hours: Some(quiet_all_day(true)),
        })
        .await
        .unwrap();
    // Quiet hours as they come by default: job alerts still ring.
    night_owl
        .put_notification_preferences(&NotificationPreferences {
            channels: vec![],
            quiet_hours: Some(quiet_all_day(false)),
        })
        .await
        .unwrap();

    let (_, customer) = setup.app.customer().await;
    let request = customer
        .create_request(&cleaning_request(None))
        .await
        .unwrap();
    setup.deliver().await;

    assert_eq!(setup.google.accepted_for("plain-phone").len(), 1);
    assert!(setup.google.accepted_for("muted-phone").is_empty());
    assert!(setup.google.accepted_for("sleeping-phone").is_empty());
    assert_eq!(setup.google.accepted_for("owl-phone").len(), 1);

    let address = |client: &Client| {
        let client = client.clone();
        async move { client.me().await.unwrap().email }
    };
    assert!(setup.smtp.received_by(&address(&muted).await).is_empty());
    for client in [&plain, &sleeping, &night_owl] {
        let to = address(client).await;
        let mails = setup.smtp.received_by(&to);
        assert_eq!(mails.len(), 1, "{to} gets one email");
        let mail = &mails[0];
        let offer = lead_for(client, &request.id).await;
        assert_eq!(mail.from, "alerts@porchlight.app");
        assert_eq!(
            mail.header("Subject").as_deref(),
            Some("New job near you: Home cleaning")
        );
        let outbox_id = client
            .notifications(&NotificationFilter::default(), &PageParams::default())
            .await
            .unwrap()
            .items[0]
            .id
            .clone();
        assert_eq!(
            mail.header("Message-ID").as_deref(),
            Some(format!("<{outbox_id}@porchlight.app>").as_str()),
            "the Message-ID is the outbox id: a resent email is the same email"
        );
        let link = format!("https://porchlight.app/leads/{}", offer.id);
        let plain_text = mail.part("text/plain").expect("a plain-text part");
        assert!(plain_text.contains("Toronto") && plain_text.contains(&link));
        let html = mail.part("text/html").expect("an HTML part");
        assert!(html.contains(&format!("href=\"{link}\"")));
    }

    // Everything is recorded as delivered: a second pass sends nothing more.
    setup.deliver().await;
    assert_eq!(setup.smtp.received().len(), 3);
    assert_eq!(setup.google.accepted().len(), 2);
    assert!(setup.outbox(OutboxStatus::Pending).await.is_empty());

    // The muted pro still sees the lead in the app.
    let listed = muted
        .notifications(&NotificationFilter::default(), &PageParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items[0].kind, EventType::LeadOffered);
}

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_and_duplicates_nothing_visible() {
    let setup = Setup::new().await;
    let (calm_id, calm) = pro(&setup.app, &setup.staff).await;
    let (stuck_id, stuck) = pro(&setup.app, &setup.staff).await;
    device(&calm, "calm-phone").await;
    device(&stuck, "stuck-phone").await;
    // The first send to this one never comes back: the worker will die waiting.
    device(&stuck, "hang-tablet").await;
    let (_, customer) = setup.app.customer().await;
    for partner in [&calm_id, &stuck_id] {
        customer
            .create_request(&cleaning_request(Some(partner)))
            .await
            .unwrap();
    }

    // A delivery pass runs until the calm pro's message is recorded and the stuck one hangs.
    let (state, delivery) = (setup.app.state.clone(), Arc::clone(&setup.delivery));
    let pass = tokio::spawn(async move { delivery::run_once(&state, &delivery).await });
    eventually(Duration::from_secs(20), || async {
        setup.google.calls("hang-tablet") > 0 && !setup.outbox(OutboxStatus::Sent).await.is_empty()
    })
    .await;
    assert_eq!(setup.outbox(OutboxStatus::Sent).await.len(), 1);
    assert_eq!(setup.google.accepted_for("stuck-phone").len(), 1);

    // The process dies: its pass, its workers and its server stop where they are.
    pass.abort();
    let Setup {
        app,
        google,
        smtp,
        keys,
        ..
    } = setup;
    let app = app.restart().await;
    // A new process on the same database; its clock is past the dead worker's lease.
    app.state
        .clock
        .advance(LEASE + chrono::Duration::seconds(1));
    let delivery = delivery_through(&google, &smtp, keys.path());
    delivery::run_once(&app.state, &delivery).await.unwrap();

    // The old server is gone; ask the new one.
    let (_, staff) = app.staff().await;
    let sent = staff
        .admin_outbox(
            &OutboxFilter {
                status: Some(OutboxStatus::Sent),
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(sent.items.len(), 2, "nothing lost: both messages delivered");

    // What a person sees: one notification per device and message. FCM shows a resent
    // message once, by its collapse key (the outbox id).
    let visible = |token: &str| {
        google
            .accepted_for(token)
            .iter()
            .map(|message| message["android"]["collapse_key"].to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(google.accepted_for("calm-phone").len(), 1, "not resent");
    assert_eq!(visible("stuck-phone").len(), 1);
    assert_eq!(visible("hang-tablet").len(), 1);
    assert_eq!(visible("stuck-phone"), visible("hang-tablet"));
    for client in [&calm, &stuck] {
        let to = client.me().await;
        assert!(to.is_err(), "the old server is stopped");
    }
    for id in [&calm_id, &stuck_id] {
        let email = user_email(&app, id).await;
        assert_eq!(smtp.received_by(&email).len(), 1, "one email each");
    }
}

async fn user_email(app: &TestApp, user_id: &str) -> String {
    let id = user_id.to_owned();
    app.state
        .db(move |conn| {
            use diesel::prelude::*;
            use porchlight::db::schema::users;
            Ok(users::table
                .find(&id)
                .select(users::email)
                .first::<String>(conn)?)
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_message_is_pushed_at_once_and_emailed_only_while_it_stays_unread() {
    use shared_types::conversations::{MessageInput, ReadInput};

    let setup = Setup::new().await;
    let (_, customer) = setup.app.customer().await;
    let (partner_id, partner) = pro(&setup.app, &setup.staff).await;
    device(&customer, "customer-phone").await;
    let request = customer
        .create_request(&cleaning_request(Some(&partner_id)))
        .await
        .unwrap();
    let lead = lead_for(&partner, &request.id).await;
    let conversation = partner.open_lead_conversation(&lead.id).await.unwrap();
    let text = |body: &str| MessageInput::text(body);
    let read = partner
        .send_message(&conversation.id, &text("Is there parking nearby?"))
        .await
        .unwrap();
    partner
        .send_message(&conversation.id, &text("And a lift to the third floor?"))
        .await
        .unwrap();
    setup.deliver().await;
    let pushed = setup.google.accepted_for("customer-phone").len();
    assert_eq!(pushed, 2, "each message is pushed at once");
    let address = setup.app.me_email(&customer).await;
    assert!(setup.smtp.received_by(&address).is_empty(), "no email yet");
    let waiting = setup.outbox(OutboxStatus::Pending).await;
    assert_eq!(waiting.len(), 2);
    assert!(
        waiting.iter().all(|message| message.attempts == 0),
        "waiting is no attempt"
    );

    // The customer reads the first in the app; a quarter of an hour later only the second is
    // emailed, and nothing is pushed twice.
    customer
        .mark_conversation_read(
            &conversation.id,
            &ReadInput {
                up_to: read.id.clone(),
            },
        )
        .await
        .unwrap();
    setup.app.state.clock.advance(chrono::Duration::minutes(16));
    setup.deliver().await;
    let mails = setup.smtp.received_by(&address);
    assert_eq!(mails.len(), 1);
    let body = mails[0].part("text/plain").unwrap();
    assert!(body.contains("And a lift to the third floor?"), "{body}");
    assert!(setup.outbox(OutboxStatus::Pending).await.is_empty());
    assert_eq!(setup.google.accepted_for("customer-phone").len(), 2);
}

#[tokio::test]
async fn a_refused_push_does_not_lose_the_email_that_waits() {
    use shared_types::conversations::MessageInput;

    let setup = Setup::new().await;
    let (_, customer) = setup.app.customer().await;
    let (partner_id, partner) = pro(&setup.app, &setup.staff).await;
    // FCM refuses this phone for good (a sender mismatch).
    device(&customer, "mismatch-customer-tablet").await;
    let request = customer
        .create_request(&cleaning_request(Some(&partner_id)))
        .await
        .unwrap();
    let lead = lead_for(&partner, &request.id).await;
    let conversation = partner.open_lead_conversation(&lead.id).await.unwrap();
    let body = MessageInput {
        body: "Can I park in the driveway?".into(),
        photo_ids: Vec::new(),
    };
    partner.send_message(&conversation.id, &body).await.unwrap();
    setup.deliver().await;
    assert_eq!(setup.outbox(OutboxStatus::Pending).await.len(), 1);
    assert!(setup.outbox(OutboxStatus::Failed).await.is_empty());
    setup.app.state.clock.advance(chrono::Duration::minutes(16));
    setup.deliver().await;
    let address = setup.app.me_email(&customer).await;
    assert_eq!(setup.smtp.received_by(&address).len(), 1);
    assert!(setup.outbox(OutboxStatus::Pending).await.is_empty());
}
