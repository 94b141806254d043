//! Webhook delivery under load: deliveries per second to 100 endpoints of one account, and how
//! long from an event's commit to its receipt — with every endpoint healthy, then with one of
//! them hanging until the timeout, whose p99 must not leak into the others'.
//!
//! A receiver on 127.0.0.1 answers 200 at once on every path but `/hang`, which answers only
//! after 30 s (the service gives up after `WEBHOOK_TIMEOUT_SECS`, 15 s). Phases: 20 events one
//! every 50 ms (latency at light load); a burst, all healthy; a burst with one endpoint hanging;
//! a burst, all healthy again (so that tables grown by the earlier phases are not mistaken for
//! the hanging endpoint's effect). Each prints its figures for all endpoints and for the 98 that
//! never change. A burst is `EVENTS` events (default 200), ten per transaction; the service's
//! sequencer queues each event for every endpoint and its worker delivers them.
//! Latency runs from the outbox row's `created_at` (stamped inside the transaction, so the figure
//! errs on the slow side) to the receiver's clock at arrival. For scale, a bare loop then POSTs
//! the same number of signed bodies to the same receiver with the same concurrency (4 per
//! endpoint), and the ratio of the two rates is printed.
//!
//! Runs on SQLite, and on PostgreSQL when `BENCH_DATABASE_URL` is set.
//! `cargo bench -p api --bench webhook_delivery` (`EVENTS=` changes the burst.)

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use futures_util::StreamExt as _;
use porchlight::db::schema::outbox;
use porchlight::notify::outbox as outbox_queue;
use porchlight::state::AppState;
use shared_types::Client;
use shared_types::auth::{LoginRequest, RegisterRequest, SignupRole};
use shared_types::events::EventData;
use shared_types::partners::Money;
use shared_types::wallet::{Payout, PayoutMethodKind, PayoutStatus};
use shared_types::webhook_endpoints::WebhookEndpointInput;

#[allow(dead_code)]
#[path = "support/seed.rs"]
mod seed;
use seed::{env_number, millis, percentile};

const ENDPOINTS: usize = 100;
const PER_ENDPOINT_AT_ONCE: usize = 4;

/// (path, webhook-id, arrival).
type Arrival = (String, String, DateTime<Utc>);

#[derive(Clone, Default)]
struct Arrivals(Arc<Mutex<Vec<Arrival>>>);

impl Arrivals {
    fn take(&self) -> Vec<Arrival> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

async fn receive(arrivals: web::Data<Arrivals>, request: HttpRequest) -> HttpResponse {
    let at = Utc::now();
    let path = request.path().to_owned();
    let id = request
        .headers()
        .get("webhook-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if path == "/hang" {
        tokio::time::sleep(Duration::from_secs(30)).await;
    } else {
        arrivals.0.lock().unwrap().push((path, id, at));
    }
    HttpResponse::Ok().finish()
}

fn receiver(arrivals: Arrivals) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(arrivals.clone()))
            .default_service(web::post().to(receive))
    })
    .workers(2)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    base
}

/// How a phase commits its events: all at once (ten per transaction), or one at a time with a
/// pause between them.
#[derive(Clone, Copy)]
enum Pace {
    Burst,
    Every(Duration),
}

/// A `payout.sent` event: a payload of a realistic size.
fn sent_payout(partner_id: &str, n: usize, now: NaiveDateTime) -> EventData {
    EventData::PayoutSent(Payout {
        id: format!("payout-{n}"),
        partner_id: partner_id.to_owned(),
        payee: "Sparkle Cleaning".to_owned(),
        period: "2026-W48".to_owned(),
        amount: Money {
            amount_cents: 12_500,
            currency: "CAD".to_owned(),
        },
        method: PayoutMethodKind::Cheque,
        destination: Some("12 Main St, Toronto".to_owned()),
        status: PayoutStatus::Sent,
        created_at: now.and_utc(),
        sent_at: Some(now.and_utc()),
        cleared_at: None,
    })
}

/// Commits `count` events for `user_id` through the outbox at `pace`; returns their ids with
/// their commit stamps.
async fn commit_events(
    state: &AppState,
    user_id: &str,
    count: usize,
    pace: Pace,
) -> HashMap<String, NaiveDateTime> {
    let per_transaction = match pace {
        Pace::Burst => 10,
        Pace::Every(_) => 1,
    };
    let mut ids = HashMap::new();
    for _ in 0..count.div_ceil(per_transaction) {
        let user_id = user_id.to_owned();
        let now = state.clock.now();
        let written = state
            .write(move |conn| {
                let rows = (0..per_transaction)
                    .map(|n| (user_id.clone(), sent_payout(&user_id, n, now)))
                    .collect();
                outbox_queue::enqueue_many(conn, rows, now)?;
                Ok(outbox::table
                    .filter(outbox::created_at.eq(now))
                    .select((outbox::id, outbox::created_at))
                    .load::<(String, NaiveDateTime)>(conn)?)
            })
            .await
            .unwrap();
        ids.extend(written);
        if let Pace::Every(pause) = pace {
            tokio::time::sleep(pause).await;
        }
    }
    ids
}

/// One phase: commits the events, waits for every healthy endpoint to have them all, and prints
/// the figures, for all endpoints and for the 98 that are never changed; returns the healthy
/// deliveries per second.
async fn phase(
    name: &str,
    state: &AppState,
    user_id: &str,
    arrivals: &Arrivals,
    (events, healthy_endpoints, pace): (usize, usize, Pace),
) -> f64 {
    arrivals.take();
    let started = Instant::now();
    let committed = commit_events(state, user_id, events, pace).await;
    let expected = committed.len() * healthy_endpoints;
    let arrived = || {
        arrivals
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|(path, id, _)| path != "/hang" && committed.contains_key(id))
            .count()
    };
    let deadline = Instant::now() + Duration::from_mins(5);
    while arrived() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let got = arrivals.take();
    let changed = format!("/e{}", ENDPOINTS - 1);
    let latencies = |keep: &dyn Fn(&str) -> bool| {
        let mut latencies: Vec<Duration> = got
            .iter()
            .filter(|(path, _, _)| keep(path))
            .filter_map(|(_, id, at)| {
                let committed = committed.get(id)?.and_utc();
                Some((*at - committed).to_std().unwrap_or_default())
            })
            .collect();
        latencies.sort();
        latencies
    };
    let all = latencies(&|path| path != "/hang");
    let steady = latencies(&|path| path != "/hang" && path != changed);
    if all.is_empty() || steady.is_empty() {
        println!("{name}: nothing arrived");
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let per_second = all.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{name}: {} of {expected} deliveries in {:.2} s = {per_second:.0}/s; commit -> receipt p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; the 98 endpoints never changed: p50 {:.1} ms, p99 {:.1} ms",
        all.len(),
        elapsed.as_secs_f64(),
        millis(percentile(&all, 0.50)),
        millis(percentile(&all, 0.99)),
        millis(*all.last().unwrap()),
        millis(percentile(&steady, 0.50)),
        millis(percentile(&steady, 0.99)),
    );
    per_second
}

/// The same number of signed POSTs straight from a loop: 4 at a time per endpoint.
async fn bare(base: &str, deliveries: usize) -> f64 {
    let http = reqwest::Client::new();
    let secret = shared_types::webhooks::secret_from_bytes(b"a bench secret of thirty-two by!");
    let body = serde_json::json!({
        "id": "bench", "type": "payout.sent", "created_at": Utc::now(), "sequence": 1,
        "data": { "payout_id": 1 },
    })
    .to_string();
    let started = Instant::now();
    let per_endpoint = deliveries / (ENDPOINTS - 1);
    let endpoints = (0..ENDPOINTS - 1).map(|n| {
        let (http, secret, body) = (http.clone(), secret.clone(), body.clone());
        let url = format!("{base}/e{n}");
        async move {
            futures_util::stream::iter(0..per_endpoint)
                .for_each_concurrent(PER_ENDPOINT_AT_ONCE, |i| {
                    let (http, url, body, secret) = (&http, &url, &body, &secret);
                    async move {
                        let id = format!("bare-{i}");
                        let timestamp = Utc::now().timestamp();
                        let signature = shared_types::webhooks::signature_header(
                            &[secret.as_str()],
                            &id,
                            timestamp,
                            body.as_bytes(),
                        )
                        .unwrap();
                        http.post(url.as_str())
                            .header("webhook-id", id)
                            .header("webhook-timestamp", timestamp.to_string())
                            .header("webhook-signature", signature)
                            .body(body.clone())
                            .send()
                            .await
                            .unwrap();
                    }
                })
                .await;
        }
    });
    futures_util::future::join_all(endpoints).await;
    #[allow(clippy::cast_precision_loss)]
    let per_second = (per_endpoint * (ENDPOINTS - 1)) as f64 / started.elapsed().as_secs_f64();
    per_second
}

async fn run(backend: &str, database_url: &str, events: usize) {
    let arrivals = Arrivals::default();
    let base = receiver(arrivals.clone());
    let (state, api) = seed::start_app(
        database_url,
        &[
            ("DB_POOL_SIZE", "16".to_owned()),
            ("SWEEP_INTERVAL_SECS", "0".to_owned()),
            ("OUTBOX_POLL_INTERVAL_MS", "0".to_owned()),
            ("WEBHOOK_ALLOW_LOOPBACK", "true".to_owned()),
            ("WEBHOOK_MAX_ENDPOINTS", ENDPOINTS.to_string()),
            ("WEBHOOK_POLL_INTERVAL_MS", "100".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ],
    );
    let client = Client::new(api);

    let email = format!("bench-pro-{}@example.com", uuid::Uuid::new_v4().simple());
    let user = client
        .register(&RegisterRequest {
            email: email.clone(),
            password: "bench password bench".into(),
            name: "Bench Pro".into(),
            role: SignupRole::Partner,
        })
        .await
        .unwrap();
    let tokens = client
        .login(&LoginRequest {
            email,
            password: "bench password bench".into(),
        })
        .await
        .unwrap();
    let pro = client.with_token(tokens.access_token);
    let mut ids = Vec::new();
    for n in 0..ENDPOINTS {
        let created = pro
            .create_webhook_endpoint(&WebhookEndpointInput {
                url: format!("{base}/e{n}"),
                description: String::new(),
                event_types: vec![],
                enabled: None,
            })
            .await
            .unwrap();
        ids.push(created.endpoint.id);
    }
    phase(
        &format!("{backend:>8}, 100 healthy, 1 event / 50 ms"),
        &state,
        &user.id,
        &arrivals,
        (20, ENDPOINTS, Pace::Every(Duration::from_millis(50))),
    )
    .await;
    let healthy = phase(
        &format!("{backend:>8}, 100 healthy, burst"),
        &state,
        &user.id,
        &arrivals,
        (events, ENDPOINTS, Pace::Burst),
    )
    .await;
    // The last endpoint now hangs until the timeout on every delivery.
    pro.update_webhook_endpoint(
        &ids[ENDPOINTS - 1],
        &shared_types::webhook_endpoints::WebhookEndpointUpdate {
            url: Some(format!("{base}/hang")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    phase(
        &format!("{backend:>8}, 99 healthy + 1 hanging, burst"),
        &state,
        &user.id,
        &arrivals,
        (events, ENDPOINTS - 1, Pace::Burst),
    )
    .await;
    // Healthy again, on the grown tables: what is left of a difference is the hanging one's.
    pro.update_webhook_endpoint(
        &ids[ENDPOINTS - 1],
        &shared_types::webhook_endpoints::WebhookEndpointUpdate {
            url: Some(format!("{base}/e{}", ENDPOINTS - 1)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    phase(
        &format!("{backend:>8}, 100 healthy again, burst"),
        &state,
        &user.id,
        &arrivals,
        (events, ENDPOINTS, Pace::Burst),
    )
    .await;
    let bare_rate = bare(&base, events.div_ceil(10) * 10 * (ENDPOINTS - 1)).await;
    println!(
        "{backend:>8}: bare loop {bare_rate:.0} POSTs/s; the service delivered at {:.2}x of it (all healthy)",
        healthy / bare_rate
    );
}

#[tokio::main]
async fn main() {
    let events = env_number("EVENTS", 200);
    seed::on_each_backend(|backend, url| async move { run(backend, &url, events).await }).await;
    // The hanging receiver and the service's tasks are not waited for.
    std::process::exit(0);
}
