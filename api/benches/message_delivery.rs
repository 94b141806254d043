//! Messages between a customer and a pro: how long from the pro sending one to the customer's
//! live stream (`GET /v1/events`) showing it.
//!
//! A customer asks a pro for a quote from the pro's profile and opens the conversation; the
//! customer follows the live stream while the pro sends `MESSAGES=200` messages over HTTP, one
//! every `GAP_MS=20` milliseconds (each POST awaited). For each message: the time from the
//! POST's start to the stream event naming it, and the POST's own time, as p50/p90/p99/max. A
//! second phase sends them `CONCURRENCY=8` at a time.
//!
//! Runs on SQLite, and on PostgreSQL when `BENCH_DATABASE_URL` is set:
//! `cargo bench -p api --bench message_delivery`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use diesel::prelude::*;
use porchlight::db::schema::users;
use porchlight::state::AppState;
use shared_types::Client;
use shared_types::auth::{LoginRequest, RegisterRequest, SignupRole};
use shared_types::conversations::MessageInput;
use shared_types::notify::Notification;
use shared_types::partners::{PartnerProfileInput, ServiceAreaInput};
use shared_types::requests::{AddressInput, LeadFilter, ServiceRequestInput, TimeWindow};

// Only the start-up and the percentiles of the shared support are used here.
#[allow(dead_code)]
#[path = "support/seed.rs"]
mod seed;
use seed::{env_number, millis, percentile};

const PASSWORD: &str = "bench password 1234";

/// Signs `name` up as `role` with a confirmed address; returns the signed-in client.
async fn account(state: &AppState, base: &str, name: &str, role: SignupRole) -> (String, Client) {
    let email = format!(
        "{}-{}@example.com",
        name.to_lowercase().replace(' ', "-"),
        uuid::Uuid::new_v4().simple()
    );
    let client = Client::new(base);
    let user = client
        .register(&RegisterRequest {
            email: email.clone(),
            password: PASSWORD.into(),
            name: name.into(),
            role,
        })
        .await
        .expect("register");
    let (pool, id) = (state.pool.clone(), user.id.clone());
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        diesel::update(users::table.find(id))
            .set(users::email_verified_at.eq(porchlight::db::now()))
            .execute(&mut conn)
            .unwrap();
    })
    .await
    .unwrap();
    let tokens = client
        .login(&LoginRequest {
            email,
            password: PASSWORD.into(),
        })
        .await
        .expect("login");
    (user.id, client.with_token(tokens.access_token))
}

/// A weekday 15:00 UTC next week: inside the pro's hours.
fn window() -> TimeWindow {
    let mut day = Utc::now().date_naive() + chrono::Duration::days(7);
    while day.weekday().num_days_from_monday() > 3 {
        day += chrono::Duration::days(1);
    }
    let start = day.and_hms_opt(15, 0, 0).unwrap().and_utc();
    TimeWindow {
        start,
        end: start + chrono::Duration::hours(3),
    }
}

/// When each message (by id) reached the customer's stream.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

fn follow(mut stream: shared_types::EventStream, arrivals: Arrivals) {
    tokio::spawn(async move {
        while let Some(Ok(event)) = stream.next().await {
            if event.event.as_deref() != Some("message.received") {
                continue;
            }
            let at = Instant::now();
            if let Ok(notification) = serde_json::from_str::<Notification>(&event.data)
                && let Some(id) = notification.data.get("message_id")
            {
                arrivals.lock().unwrap().insert(id.clone(), at);
            }
        }
    });
}

fn report(backend: &str, phase: &str, mut delivered: Vec<Duration>, mut posts: Vec<Duration>) {
    if delivered.is_empty() {
        println!("{backend:>8}: {phase}: nothing arrived");
        return;
    }
    delivered.sort();
    posts.sort();
    println!(
        "{backend:>8}: {phase}: send -> on the other side's stream p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} messages); POST p50 {:.1} ms, p99 {:.1} ms",
        millis(percentile(&delivered, 0.50)),
        millis(percentile(&delivered, 0.90)),
        millis(percentile(&delivered, 0.99)),
        millis(*delivered.last().unwrap()),
        delivered.len(),
        millis(percentile(&posts, 0.50)),
        millis(percentile(&posts, 0.99)),
    );
}

/// Sends `count` messages, `at_once` at a time with `gap` between rounds; returns each one's
/// send -> stream latency and POST time.
async fn send_all(
    pro: &Client,
    conversation: &str,
    arrivals: &Arrivals,
    count: usize,
    at_once: usize,
    gap: Duration,
) -> (Vec<Duration>, Vec<Duration>) {
    let mut sent: Vec<(String, Instant, Duration)> = Vec::with_capacity(count);
    for round in 0..count.div_ceil(at_once) {
        let sends = (0..at_once.min(count - round * at_once)).map(|n| {
            let (pro, conversation) = (pro.clone(), conversation.to_owned());
            async move {
                let body = MessageInput {
                    body: format!("Update {round}.{n}: on my way"),
                    photo_ids: Vec::new(),
                };
                let started = Instant::now();
                let message = pro.send_message(&conversation, &body).await.expect("send");
                (message.id, started, started.elapsed())
            }
        });
        sent.extend(futures_util::future::join_all(sends).await);
        tokio::time::sleep(gap).await;
    }
    // The last ones may still be on their way.
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && sent
            .iter()
            .any(|(id, _, _)| !arrivals.lock().unwrap().contains_key(id))
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrived = arrivals.lock().unwrap().clone();
    let delivered = sent
        .iter()
        .filter_map(|(id, started, _)| arrived.get(id).map(|at| at.duration_since(*started)))
        .collect();
    let posts = sent.iter().map(|(_, _, took)| *took).collect();
    (delivered, posts)
}

async fn run(backend: &str, database_url: &str) {
    let (state, base) = seed::start_app(
        database_url,
        &[
            ("DB_POOL_SIZE", "8".to_owned()),
            ("SWEEP_INTERVAL_SECS", "0".to_owned()),
            // One pro sending hundreds of messages a minute would be held back by the limits.
            ("RATE_LIMIT_PER_MINUTE", "0".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ],
    );
    let (_, customer) = account(&state, &base, "Casey Customer", SignupRole::Customer).await;
    let (pro_id, pro) = account(&state, &base, "Pat Pro", SignupRole::Partner).await;
    pro.put_my_partner_profile(&PartnerProfileInput {
        business_name: "Bench Cleaning".into(),
        description: String::new(),
        phone: None,
        website: None,
        categories: vec!["cleaning".into()],
        service_area: ServiceAreaInput::at("Toronto", 43.65, -79.38, 30.0),
        accepting_leads: true,
    })
    .await
    .expect("profile");
    let weekly: Vec<serde_json::Value> = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|day| serde_json::json!({ "weekday": day, "start": "08:00", "end": "20:00" }))
        .collect();
    let hours = serde_json::from_value(serde_json::json!({
        "time_zone": "UTC", "weekly": weekly, "days_off": [],
    }))
    .unwrap();
    pro.put_my_availability(&hours).await.expect("hours");
    let request = customer
        .create_request(&ServiceRequestInput {
            category: "cleaning".into(),
            description: "Deep clean of a two-bedroom flat".into(),
            address: AddressInput {
                street: "100 Queen St W".into(),
                city: "Toronto".into(),
                postal_code: "M5H 2N2".into(),
                country: "CA".into(),
                lat: Some(43.6534),
                lon: Some(-79.3841),
            },
            windows: vec![window()],
            budget: None,
            photo_urls: vec![],
            contact_phone: None,
            partner_id: Some(pro_id),
            time_zone: None,
            photo_ids: Vec::new(),
        })
        .await
        .expect("request");
    let lead = pro
        .leads(&LeadFilter::default(), &shared_types::PageParams::default())
        .await
        .expect("leads")
        .items
        .into_iter()
        .find(|lead| lead.request_id == request.id)
        .expect("the pro has the lead");
    let conversation = pro
        .open_lead_conversation(&lead.id)
        .await
        .expect("conversation")
        .id;
    let arrivals: Arrivals = Arc::default();
    follow(
        customer.events(None).await.expect("stream"),
        arrivals.clone(),
    );
    // The stream is open once its first keep-alive or event could arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let count = env_number("MESSAGES", 200);
    let gap = Duration::from_millis(u64::try_from(env_number("GAP_MS", 20)).unwrap_or(20));
    let (delivered, posts) = send_all(&pro, &conversation, &arrivals, count, 1, gap).await;
    report(backend, "one at a time", delivered, posts);
    let at_once = env_number("CONCURRENCY", 8);
    let (delivered, posts) = send_all(&pro, &conversation, &arrivals, count, at_once, gap).await;
    report(backend, &format!("{at_once} at once"), delivered, posts);
}

#[tokio::main]
async fn main() {
    seed::on_each_backend(|backend, url| async move { run(backend, &url).await }).await;
}
