//! Webhooks over HTTP: an account's events reach its endpoints signed and in order, failures
//! are retried with the same `webhook-id` and logged, a gone or hanging endpoint harms nothing
//! else, secrets rotate without losing a delivery, and deliveries can be replayed. The receiver
//! is a real HTTP server on 127.0.0.1 that verifies signatures as an integrator would.

use std::time::Duration;

use chrono::Utc;
use porchlight::events::webhooks::deliveries::MAX_REPLAY;
use porchlight::notify::outbox;
use shared_types::ErrorCode;
use shared_types::events::{EventData, EventFeedQuery, EventType};
use shared_types::jobs::JobStatus;
use shared_types::webhook_endpoints::{
    DeliveryStatus, ReplayInput, WebhookDelivery, WebhookEndpointInput, WebhookEndpointUpdate,
    WebhookHealthFilter,
};
use shared_types::{Client, PageParams};

use crate::harness::eventually_some;
use crate::jobs::Cast;
use crate::webhook_receiver::{Answer, Received, Receiver};

/// A service that accepts endpoints on this machine and looks for due deliveries often.
const SETTINGS: &[(&str, &str)] = &[
    ("WEBHOOK_ALLOW_LOOPBACK", "true"),
    ("WEBHOOK_POLL_INTERVAL_MS", "50"),
    ("WEBHOOK_TIMEOUT_SECS", "2"),
    ("WEBHOOK_MAX_ENDPOINTS", "3"),
];

const WAIT: Duration = Duration::from_secs(10);

fn endpoint(url: String, types: Vec<EventType>) -> WebhookEndpointInput {
    WebhookEndpointInput {
        url,
        description: "CRM".into(),
        event_types: types,
        enabled: None,
    }
}

/// Waits until `path` has received `count` POSTs.
async fn received(receiver: &Receiver, path: &str, count: usize) -> Vec<Received> {
    eventually_some(WAIT, &format!("{count} deliveries to {path}"), || async {
        let got = receiver.received(path);
        (got.len() >= count).then_some(got)
    })
    .await
}

async fn deliveries(client: &Client, endpoint_id: &str) -> Vec<WebhookDelivery> {
    client
        .webhook_deliveries(endpoint_id, &PageParams::default())
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn an_accounts_events_reach_its_endpoints_signed_in_order_and_filtered() {
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    let all = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/pro"), vec![]))
        .await
        .unwrap();
    assert!(all.secret.starts_with("whsec_"));
    assert!(all.endpoint.enabled && all.endpoint.event_types.is_empty());
    let completions = cast
        .customer
        .create_webhook_endpoint(&endpoint(
            receiver.url("/customer"),
            vec![EventType::JobCompleted],
        ))
        .await
        .unwrap();

    let job = cast.completed_job(2).await;

    // The pro's endpoint gets exactly the pro's feed, in order, each body the feed's event.
    let feed = cast
        .partner
        .event_feed(&EventFeedQuery::default())
        .await
        .unwrap()
        .events;
    let got = received(&receiver, "/pro", feed.len()).await;
    let mut events: Vec<_> = got.iter().map(Received::event).collect();
    events.sort_by_key(|event| event.sequence);
    assert_eq!(events, feed);
    for delivery in &got {
        let event = delivery.event();
        assert_eq!(delivery.id, event.id, "webhook-id is the event's id");
        let signed_at =
            chrono::DateTime::from_timestamp(delivery.timestamp.parse().unwrap(), 0).unwrap();
        delivery.verify(&[&all.secret], signed_at).unwrap();
        assert!(
            delivery.verify(&[&completions.secret], signed_at).is_err(),
            "another endpoint's secret does not verify it"
        );
    }
    // The customer's endpoint gets only what it asked for.
    let got = received(&receiver, "/customer", 1).await;
    assert_eq!(got.len(), 1);
    let completed = got[0].event();
    assert_eq!(completed.event_type, EventType::JobCompleted);
    let EventData::JobCompleted(completed) = completed.decode().unwrap() else {
        panic!("{completed:?}");
    };
    assert_eq!(completed.id, job.id);
    assert_eq!(completed.status, JobStatus::Completed);

    // The log shows each delivery as it went (recorded once the endpoint has answered).
    let log = eventually_some(WAIT, "every delivery recorded", || async {
        let log = deliveries(&cast.partner, &all.endpoint.id).await;
        log.iter()
            .all(|delivery| delivery.status != DeliveryStatus::Pending)
            .then_some(log)
    })
    .await;
    assert_eq!(log.len(), feed.len());
    for delivery in &log {
        assert_eq!(delivery.status, DeliveryStatus::Succeeded);
        assert_eq!(delivery.attempts, 1);
        let attempt = &delivery.attempt_log[0];
        assert_eq!(attempt.status_code, Some(200));
        assert_eq!(attempt.response_excerpt.as_deref(), Some("thanks"));
    }
    // Another account's endpoint does not exist for the pro.
    let other = cast
        .partner
        .webhook_endpoint(&completions.endpoint.id)
        .await
        .unwrap_err();
    assert_eq!(other.code(), Some(ErrorCode::NotFound));
}

#[tokio::test]
async fn failures_are_retried_with_the_same_id_and_a_gone_endpoint_is_disabled() {
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    receiver.answer("/flaky", Answer::RetryAfter(503, 60));
    let created = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/flaky"), vec![]))
        .await
        .unwrap();
    let id = created.endpoint.id.clone();
    cast.partner.test_webhook_endpoint(&id).await.unwrap();
    let first = received(&receiver, "/flaky", 1).await;
    assert_eq!(first[0].event().event_type, EventType::WebhookPing);

    // Logged, and due again no sooner than the endpoint's Retry-After.
    let pending = eventually_some(WAIT, "the failure logged", || async {
        deliveries(&cast.partner, &id)
            .await
            .into_iter()
            .find(|delivery| !delivery.attempt_log.is_empty())
    })
    .await;
    assert_eq!(pending.status, DeliveryStatus::Pending);
    let attempt = &pending.attempt_log[0];
    assert_eq!(attempt.status_code, Some(503));
    assert_eq!(attempt.response_excerpt.as_deref(), Some("slow down"));
    let next = pending.next_attempt_at.unwrap();
    let now = cast.now();
    assert!(
        next >= now + chrono::Duration::seconds(59),
        "{next} vs {now}"
    );
    let failing = cast.partner.webhook_endpoint(&id).await.unwrap();
    assert!(failing.failing_since.is_some());

    // A minute later it is sent again, with the same id, and succeeds.
    receiver.answer("/flaky", Answer::Ok);
    cast.app.state.clock.advance(chrono::Duration::seconds(70));
    let both = received(&receiver, "/flaky", 2).await;
    assert_eq!(both[0].id, both[1].id, "a retry keeps its webhook-id");
    assert_eq!(both[0].body, both[1].body, "and its body");
    let done = eventually_some(WAIT, "the retry recorded", || async {
        deliveries(&cast.partner, &id)
            .await
            .into_iter()
            .find(|delivery| delivery.status == DeliveryStatus::Succeeded)
    })
    .await;
    assert_eq!(done.attempts, 2);
    let codes: Vec<_> = done.attempt_log.iter().map(|a| a.status_code).collect();
    assert_eq!(codes, [Some(200), Some(503)], "newest first");
    assert_eq!(
        cast.partner
            .webhook_endpoint(&id)
            .await
            .unwrap()
            .failing_since,
        None
    );

    // 410 Gone: the endpoint is disabled at once and its owner told.
    receiver.answer("/flaky", Answer::Status(410));
    cast.partner.test_webhook_endpoint(&id).await.unwrap();
    let disabled = eventually_some(WAIT, "the endpoint disabled", || async {
        let endpoint = cast.partner.webhook_endpoint(&id).await.unwrap();
        (!endpoint.enabled).then_some(endpoint)
    })
    .await;
    assert!(disabled.disabled_reason.clone().unwrap().contains("410"));
    let told = cast
        .partner
        .event_feed(&EventFeedQuery {
            types: Some("webhook_endpoint.disabled".into()),
            ..EventFeedQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(told.events.len(), 1);
    assert_eq!(
        told.events[0].decode().unwrap(),
        EventData::WebhookEndpointDisabled(disabled.clone()),
        "the endpoint as its owner reads it"
    );
    // Staff see it among the unhealthy endpoints, with its last answer.
    let health = cast
        .staff
        .admin_webhook_health(
            &WebhookHealthFilter {
                unhealthy: Some(true),
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    let listed = health
        .items
        .iter()
        .find(|item| item.endpoint.id == id)
        .expect("the disabled endpoint is listed");
    assert_eq!(listed.last_attempt.as_ref().unwrap().status_code, Some(410));
    assert_eq!(listed.owner_id, cast.partner_id);
    // Disabled, it receives nothing; enabled again, its record is clean.
    let before = receiver.received("/flaky").len();
    cast.partner.test_webhook_endpoint(&id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received("/flaky").len(), before);
    receiver.answer("/flaky", Answer::Ok);
    let enabled = cast
        .partner
        .update_webhook_endpoint(
            &id,
            &WebhookEndpointUpdate {
                enabled: Some(true),
                ..WebhookEndpointUpdate::default()
            },
        )
        .await
        .unwrap();
    assert!(enabled.enabled && enabled.disabled_reason.is_none());
    received(&receiver, "/flaky", before + 1).await;
}

#[tokio::test]
async fn a_hanging_endpoint_delays_only_its_own_deliveries() {
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    receiver.answer("/hangs", Answer::Hang(Duration::from_secs(30)));
    let hanging = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/hangs"), vec![]))
        .await
        .unwrap();
    let healthy = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/healthy"), vec![]))
        .await
        .unwrap();
    for _ in 0..3 {
        cast.partner
            .test_webhook_endpoint(&hanging.endpoint.id)
            .await
            .unwrap();
    }
    received(&receiver, "/hangs", 1).await;
    // While the first endpoint hangs, the other's deliveries arrive at once.
    let started = std::time::Instant::now();
    cast.partner
        .test_webhook_endpoint(&healthy.endpoint.id)
        .await
        .unwrap();
    cast.job().await;
    received(&receiver, "/healthy", 2).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // The hanging attempts end at the timeout (2 s here), logged as such.
    let timed_out = eventually_some(WAIT, "a timeout logged", || async {
        deliveries(&cast.partner, &hanging.endpoint.id)
            .await
            .into_iter()
            .flat_map(|delivery| delivery.attempt_log)
            .find(|attempt| attempt.status_code.is_none())
    })
    .await;
    assert!(timed_out.error.unwrap().contains("timed out"));
    assert!(timed_out.latency_ms >= 1900);
}

#[tokio::test]
async fn secrets_rotate_without_losing_a_delivery_and_events_can_be_sent_again() {
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    let created = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/crm"), vec![]))
        .await
        .unwrap();
    let id = created.endpoint.id.clone();
    let rotated = cast.partner.rotate_webhook_secret(&id).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    assert!(rotated.endpoint.previous_secret_expires_at.is_some());
    cast.partner.test_webhook_endpoint(&id).await.unwrap();
    let ping = received(&receiver, "/crm", 1).await.remove(0);
    assert_eq!(
        ping.signature.split(' ').count(),
        2,
        "one signature per secret"
    );
    let at = chrono::DateTime::from_timestamp(ping.timestamp.parse().unwrap(), 0).unwrap();
    ping.verify(&[&created.secret], at).unwrap();
    ping.verify(&[&rotated.secret], at).unwrap();
    // After the overlap, only the new secret signs.
    cast.app.state.clock.advance(chrono::Duration::hours(25));
    cast.partner.test_webhook_endpoint(&id).await.unwrap();
    let later = received(&receiver, "/crm", 2).await.remove(1);
    let at = chrono::DateTime::from_timestamp(later.timestamp.parse().unwrap(), 0).unwrap();
    assert_eq!(later.signature.split(' ').count(), 1);
    later.verify(&[&rotated.secret], at).unwrap();
    assert!(later.verify(&[&created.secret], at).is_err());

    // Redelivery: the same event, the same webhook-id.
    let log = deliveries(&cast.partner, &id).await;
    let again = cast
        .partner
        .redeliver_webhook(&id, &log[0].id)
        .await
        .unwrap();
    assert_eq!(again.event_id, log[0].event_id);
    let redelivered = received(&receiver, "/crm", 3).await.remove(2);
    assert_eq!(redelivered.id, later.id);

    // Replay: the account's events of a period, in order.
    let since = cast.now() - chrono::Duration::minutes(1);
    cast.job().await;
    let feed = cast
        .partner
        .event_feed(&EventFeedQuery::default())
        .await
        .unwrap()
        .events;
    let fresh = received(&receiver, "/crm", 3 + feed.len()).await.len();
    let replayed = cast
        .partner
        .replay_webhook_events(
            &id,
            &ReplayInput {
                since: since.with_timezone(&Utc),
                until: cast.now() + chrono::Duration::minutes(1),
                event_types: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(replayed.queued, i64::try_from(feed.len()).unwrap());
    let all = received(&receiver, "/crm", fresh + feed.len()).await;
    let replay_ids: Vec<String> = all[fresh..].iter().map(|r| r.id.clone()).collect();
    let mut sorted = replay_ids.clone();
    sorted.sort();
    let feed_ids: Vec<String> = feed.iter().map(|event| event.id.clone()).collect();
    let mut feed_sorted = feed_ids.clone();
    feed_sorted.sort();
    assert_eq!(sorted, feed_sorted);

    // The log is kept 30 days.
    eventually_some(WAIT, "every delivery done", || async {
        let log = deliveries(&cast.partner, &id).await;
        log.iter()
            .all(|delivery| delivery.status == DeliveryStatus::Succeeded)
            .then_some(())
    })
    .await;
    let logged = deliveries(&cast.partner, &id).await.len();
    cast.app.state.clock.advance(chrono::Duration::days(31));
    let report = porchlight::retention::run(&cast.app.state).await.unwrap();
    assert_eq!(report.webhook_deliveries, logged);
    let cutoff = cast.now() - chrono::Duration::days(30);
    assert!(
        deliveries(&cast.partner, &id)
            .await
            .iter()
            .all(|delivery| delivery.created_at > cutoff)
    );
}

#[tokio::test]
async fn a_replay_of_more_events_than_the_cap_is_refused_and_queues_nothing() {
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    // The endpoint wants tips only, so the burst below is not delivered as it happens.
    let id = cast
        .partner
        .create_webhook_endpoint(&endpoint(
            receiver.url("/crm"),
            vec![EventType::TipReceived],
        ))
        .await
        .unwrap()
        .endpoint
        .id;
    let since = cast.now() - chrono::Duration::minutes(1);
    let me = cast.partner.me().await.unwrap();
    let (partner_id, now) = (cast.partner_id.clone(), cast.app.state.clock.now());
    let burst = usize::try_from(MAX_REPLAY).unwrap() + 1;
    cast.app
        .state
        .write(move |conn| {
            let events = (0..burst)
                .map(|_| (partner_id.clone(), EventData::AccountReinstated(me.clone())))
                .collect();
            outbox::enqueue_many(conn, events, now)
        })
        .await
        .unwrap();
    let condition = format!(
        "outbox WHERE recipient_id = '{}' AND stream_seq IS NOT NULL",
        cast.partner_id
    );
    eventually_some(WAIT, "the burst numbered", || async {
        (cast.app.count(&condition).await > MAX_REPLAY).then_some(())
    })
    .await;
    let queued_before = cast.app.count("webhook_deliveries").await;

    let period = |since: chrono::DateTime<Utc>, until| ReplayInput {
        since,
        until,
        event_types: None,
    };
    let since = since.with_timezone(&Utc);
    let error = cast
        .partner
        .replay_webhook_events(
            &id,
            &period(since, cast.now() + chrono::Duration::minutes(1)),
        )
        .await
        .unwrap_err();
    let problem = error.problem().expect("a problem");
    assert_eq!(problem.code, ErrorCode::ValidationFailed);
    assert!(
        problem.errors["until"][0].contains("10001 events"),
        "{problem:?}"
    );
    assert_eq!(cast.app.count("webhook_deliveries").await, queued_before);
    // A period before the burst is replayed as asked.
    let earlier = cast
        .partner
        .replay_webhook_events(&id, &period(since - chrono::Duration::hours(1), since))
        .await
        .unwrap();
    assert_eq!(earlier.queued, 0);
}

#[tokio::test]
async fn bad_endpoints_are_refused_and_change_nothing() {
    let cast = Cast::with_settings(SETTINGS).await;
    for url in [
        "http://crm.example.com/hooks",
        "https://10.0.0.7/hooks",
        "https://169.254.169.254/latest",
        "ftp://crm.example.com",
        "https://user:secret@crm.example.com/hooks",
    ] {
        let error = cast
            .partner
            .create_webhook_endpoint(&endpoint(url.to_owned(), vec![]))
            .await
            .unwrap_err();
        let problem = error.problem().expect("a problem");
        assert_eq!(problem.code, ErrorCode::ValidationFailed, "{url}");
        assert!(problem.errors.contains_key("url"), "{problem:?}");
    }
    // An unknown event type is refused by name.
    let response = cast
        .partner
        .request(reqwest::Method::POST, "/v1/webhook-endpoints")
        .json(&serde_json::json!({
            "url": "https://crm.example.com/hooks", "event_types": ["lead.eaten"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert!(cast.partner.webhook_endpoints().await.unwrap().is_empty());
    // A type listed twice counts once.
    let twice = cast
        .partner
        .create_webhook_endpoint(&endpoint(
            "https://crm.example.com/twice".into(),
            vec![
                EventType::LeadTaken,
                EventType::LeadOffered,
                EventType::LeadTaken,
            ],
        ))
        .await
        .unwrap();
    assert_eq!(
        twice.endpoint.event_types,
        [EventType::LeadOffered, EventType::LeadTaken]
    );
    cast.partner
        .delete_webhook_endpoint(&twice.endpoint.id)
        .await
        .unwrap();
    // At most WEBHOOK_MAX_ENDPOINTS (3 here).
    for n in 0..3 {
        cast.partner
            .create_webhook_endpoint(&endpoint(format!("https://crm.example.com/{n}"), vec![]))
            .await
            .unwrap();
    }
    let over = cast
        .partner
        .create_webhook_endpoint(&endpoint("https://crm.example.com/4".into(), vec![]))
        .await
        .unwrap_err();
    assert_eq!(over.code(), Some(ErrorCode::Conflict));
    assert_eq!(cast.partner.webhook_endpoints().await.unwrap().len(), 3);
}

/// Without `WEBHOOK_ALLOW_LOOPBACK` (as in production), a host that resolves to this machine
/// is refused when connecting, whatever its URL looked like when it was set (DNS rebinding).
#[tokio::test]
async fn a_host_resolving_to_a_private_address_is_never_reached() {
    let settings: Vec<(&str, &str)> = SETTINGS
        .iter()
        .copied()
        .filter(|(key, _)| *key != "WEBHOOK_ALLOW_LOOPBACK")
        .collect();
    let cast = Cast::with_settings(&settings).await;
    let receiver = Receiver::start();
    let refused = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/hook"), vec![]))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::ValidationFailed));
    // An endpoint whose public name now resolves to 127.0.0.1.
    let created = cast
        .partner
        .create_webhook_endpoint(&endpoint("https://crm.example.com/hook".into(), vec![]))
        .await
        .unwrap();
    let port = receiver.base_url.rsplit(':').next().unwrap().to_owned();
    cast.app
        .sql(&format!(
            "UPDATE webhook_endpoints SET url = 'http://localhost:{port}/hook' WHERE id = '{}'",
            created.endpoint.id
        ))
        .await;
    cast.partner
        .test_webhook_endpoint(&created.endpoint.id)
        .await
        .unwrap();
    let attempt = eventually_some(WAIT, "the attempt logged", || async {
        deliveries(&cast.partner, &created.endpoint.id)
            .await
            .into_iter()
            .flat_map(|delivery| delivery.attempt_log)
            .next()
    })
    .await;
    assert!(
        attempt
            .error
            .as_deref()
            .unwrap()
            .contains("no public address"),
        "{attempt:?}"
    );
    assert!(receiver.received("/hook").is_empty());
}

/// The Python verification snippet of `docs/webhooks.md`, run as an integrator would run it,
/// accepts a real delivery and refuses a tampered, foreign or stale one.
#[tokio::test]
async fn the_guides_python_snippet_verifies_real_deliveries() {
    let guide =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/webhooks.md"))
            .unwrap();
    let snippet = guide
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("the guide has a Python block");
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    let created = cast
        .partner
        .create_webhook_endpoint(&endpoint(receiver.url("/py"), vec![]))
        .await
        .unwrap();
    cast.partner
        .test_webhook_endpoint(&created.endpoint.id)
        .await
        .unwrap();
    let delivery = received(&receiver, "/py", 1).await.remove(0);

    let run = |secret: &str, signature: &str, timestamp: &str, body: &str| {
        use std::io::Write as _;
        let input = serde_json::json!({
            "secret": secret,
            "headers": {
                "webhook-id": delivery.id,
                "webhook-timestamp": timestamp,
                "webhook-signature": signature,
            },
            "body": body,
        });
        let script = format!(
            "{snippet}\nimport json, sys\ncase = json.load(sys.stdin)\ntry:\n    \
             verify(case['secret'], case['headers'], case['body'].encode())\n    \
             print('valid')\nexcept ValueError as error:\n    print('refused:', error)\n"
        );
        let mut child = std::process::Command::new("python3")
            .args(["-c", &script])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.to_string().as_bytes())
            .unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let (secret, signature, timestamp) = (
        created.secret.as_str(),
        delivery.signature.as_str(),
        delivery.timestamp.as_str(),
    );
    assert_eq!(run(secret, signature, timestamp, &delivery.body), "valid");
    let tampered = delivery.body.replace("webhook.ping", "webhook.pong");
    assert!(run(secret, signature, timestamp, &tampered).starts_with("refused"));
    let foreign = shared_types::webhooks::secret_from_bytes(b"someone else's key of 32 bytes!");
    assert!(run(&foreign, signature, timestamp, &delivery.body).starts_with("refused"));
    let stale = (Utc::now() - chrono::Duration::hours(1)).timestamp();
    let stale_signature =
        shared_types::webhooks::sign(secret, &delivery.id, stale, delivery.body.as_bytes())
            .unwrap();
    let verdict = run(secret, &stale_signature, &stale.to_string(), &delivery.body);
    assert!(verdict.contains("too old"), "{verdict}");
}

/// A worker that claimed a delivery and died before recording it loses nothing: the delivery
/// waits out the lease, then another pass sends it (once more, with the same `webhook-id`).
#[tokio::test]
async fn a_delivery_claimed_by_a_worker_that_died_is_sent_after_its_lease() {
    let cast = Cast::with_settings(SETTINGS).await;
    let receiver = Receiver::start();
    let created = cast
        .partner
        .create_webhook_endpoint(&WebhookEndpointInput {
            enabled: Some(false),
            ..endpoint(receiver.url("/crm"), vec![])
        })
        .await
        .unwrap();
    let id = created.endpoint.id.clone();
    cast.partner.test_webhook_endpoint(&id).await.unwrap();
    // What a claim leaves behind: one attempt counted, due again only when the lease ends.
    let lease_end = cast.app.state.clock.now() + chrono::Duration::seconds(75);
    cast.app
        .sql(&format!(
            "UPDATE webhook_deliveries SET attempts = 1, next_attempt_at = '{}' \
             WHERE endpoint_id = '{id}'",
            lease_end.format("%Y-%m-%d %H:%M:%S%.6f")
        ))
        .await;
    cast.partner
        .update_webhook_endpoint(
            &id,
            &WebhookEndpointUpdate {
                enabled: Some(true),
                ..WebhookEndpointUpdate::default()
            },
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        receiver.received("/crm").is_empty(),
        "not while the lease runs"
    );

    cast.app.state.clock.advance(chrono::Duration::seconds(80));
    received(&receiver, "/crm", 1).await;
    let done = eventually_some(WAIT, "the delivery recorded", || async {
        deliveries(&cast.partner, &id)
            .await
            .into_iter()
            .find(|delivery| delivery.status == DeliveryStatus::Succeeded)
    })
    .await;
    assert_eq!(done.attempts, 2);
    assert_eq!(
        done.attempt_log.len(),
        1,
        "the dead worker recorded nothing"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received("/crm").len(), 1, "sent once");
}
