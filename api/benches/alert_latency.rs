//! Lead alerts under load: how long from a request's commit to the push leaving for FCM.
//!
//! Seeds 10 000 partners, 500 of whom match the benchmark's requests (same category, all around
//! one point away from the other partners), each with a registered device, and offers every
//! request to all 500 (`LEAD_OFFERS_PER_ROUND=500`). A fake FCM HTTP v1 server on 127.0.0.1
//! (OAuth token endpoint and `messages:send`) records when each message arrives. Customers then
//! create requests over HTTP at a steady rate while the service's own outbox worker delivers.
//!
//! Latency is measured per message to the fake FCM receiving it, on the same clock, from two
//! instants on either side of the request's commit: the outbox row's `created_at` (the time the
//! request's handler started: the figure includes the whole request) and the moment its POST was
//! answered (after the commit: the figure errs on the fast side by the time an answer takes to
//! arrive). The commit -> send latency lies between the two. Reported: p50/p90/p99/max of each,
//! and messages per second over the whole run.
//!
//! Runs on SQLite, and on PostgreSQL when `BENCH_DATABASE_URL` is set.
//! `cargo bench -p api --bench alert_latency` (PARTNERS=, MATCHING=, RATE= requests/s,
//! SECONDS= change the sizes.)

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use diesel::prelude::*;
use porchlight::db::schema::{devices, outbox, partner_profiles, users};
use porchlight::db::{self, DbPool};
use porchlight::partners::geo::Point;
use rand::Rng;
use serde_json::{Value, json};
use shared_types::Client;
use shared_types::auth::{RegisterRequest, SignupRole};
use shared_types::requests::{AddressInput, ServiceRequestInput, TimeWindow};

#[path = "support/seed.rs"]
mod seed;
use seed::{SLUGS, env_number, millis, percentile};

/// Where the matching partners work and the requests are: Whitehorse, far from every city the
/// other partners are seeded around.
const SPOT: (f64, f64) = (60.7212, -135.0568);
const PRIVATE_KEY: &str = include_str!("../tests/fixtures/fcm-test-key.pem");

/// A message's collapse key (its outbox id) and when the fake FCM got it.
type Arrival = (String, DateTime<Utc>);

/// What the fake FCM received.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Arrival>>>);

impl Received {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

async fn token() -> HttpResponse {
    HttpResponse::Ok()
        .json(json!({ "access_token": "bench-token", "expires_in": 3600, "token_type": "Bearer" }))
}

async fn send(received: web::Data<Received>, body: web::Json<Value>) -> HttpResponse {
    let at = Utc::now();
    let key = body["message"]["android"]["collapse_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    received.0.lock().unwrap().push((key, at));
    HttpResponse::Ok().json(json!({ "name": "projects/bench/messages/1" }))
}

/// Starts the fake FCM; returns its base URL.
fn fake_fcm(received: Received) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(received.clone()))
            .app_data(web::JsonConfig::default().limit(1 << 20))
            .route("/token", web::post().to(token))
            .route("/v1/projects/{project}/messages:send", web::post().to(send))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    base
}

/// One device per partner.
fn register_devices(pool: &DbPool) {
    let mut conn = pool.get().unwrap();
    let ids: Vec<String> = users::table
        .filter(users::role.eq("partner"))
        .select(users::id)
        .load(&mut conn)
        .unwrap();
    let now = db::now();
    for chunk in ids.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| {
                (
                    devices::id.eq(db::new_id()),
                    devices::user_id.eq(id.clone()),
                    devices::token.eq(format!("bench-device-{id}")),
                    devices::platform.eq("android"),
                    devices::created_at.eq(now),
                    devices::updated_at.eq(now),
                )
            })
            .collect();
        porchlight::batch_insert!(&mut *conn, devices::table, &rows).unwrap();
    }
}

/// A weekday noon (Toronto) next week, inside every seeded partner's hours.
fn request(n: usize) -> ServiceRequestInput {
    let mut day = Utc::now().date_naive() + chrono::Duration::days(7);
    while day.weekday().num_days_from_monday() > 3 {
        day += chrono::Duration::days(1);
    }
    let start = day.and_hms_opt(17, 0, 0).unwrap().and_utc();
    ServiceRequestInput {
        category: SLUGS[0].into(),
        description: format!("Benchmark request {n}"),
        address: AddressInput {
            street: "2121 2nd Ave".into(),
            city: "Whitehorse".into(),
            postal_code: "Y1A 1C2".into(),
            country: "CA".into(),
            lat: Some(SPOT.0),
            lon: Some(SPOT.1),
        },
        windows: vec![TimeWindow {
            start,
            end: start + chrono::Duration::hours(3),
        }],
        budget: None,
        photo_urls: vec![],
        contact_phone: None,
        partner_id: None,
        time_zone: None,
        photo_ids: Vec::new(),
    }
}

struct Sizes {
    partners: usize,
    matching: usize,
    rate: usize,
    seconds: usize,
}

async fn run(backend: &str, database_url: &str, sizes: &Sizes) {
    let received = Received::default();
    let fcm = fake_fcm(received.clone());
    let keys = tempfile::tempdir().unwrap();
    let account = keys.path().join("service-account.json");
    std::fs::write(
        &account,
        json!({
            "type": "service_account", "project_id": "bench", "private_key_id": "k1",
            "private_key": PRIVATE_KEY, "client_email": "push@bench.iam.gserviceaccount.com",
            "token_uri": format!("{fcm}/token"),
        })
        .to_string(),
    )
    .unwrap();
    let account = account.to_str().unwrap().to_owned();
    let (state, base) = seed::start_app(
        database_url,
        &[
            ("DB_POOL_SIZE", "16".to_owned()),
            ("SWEEP_INTERVAL_SECS", "0".to_owned()),
            ("LEAD_OFFERS_PER_ROUND", sizes.matching.to_string()),
            ("FCM_SERVICE_ACCOUNT_FILE", account.clone()),
            ("FCM_BASE_URL", fcm.clone()),
            ("RUST_LOG", "warn".to_owned()),
        ],
    );

    let pool = state.pool.clone();
    let (partners, matching) = (sizes.partners, sizes.matching);
    tokio::task::spawn_blocking(move || {
        seed::seed(&pool, partners - matching).expect("seed");
        seed::seed_partners(&pool, partners - matching..partners, |rng| {
            let mut jitter = || rng.random_range(-0.01..0.01);
            let center = Point {
                lat: SPOT.0 + jitter(),
                lon: SPOT.1 + jitter(),
            };
            (center, 25.0, vec![0])
        })
        .expect("seed the matching partners");
        // Every one of them qualifies for marketplace leads (a Star Score of 80% or more).
        let mut conn = pool.get().unwrap();
        diesel::update(
            partner_profiles::table.filter(partner_profiles::center_lat.gt(SPOT.0 - 1.0)),
        )
        .set(partner_profiles::star_score.eq(Some(92.0)))
        .execute(&mut conn)
        .unwrap();
        drop(conn);
        register_devices(&pool);
    })
    .await
    .unwrap();

    let client = Client::new(&base);
    let email = format!(
        "bench-customer-{}@example.com",
        uuid::Uuid::new_v4().simple()
    );
    client
        .register(&RegisterRequest {
            email: email.clone(),
            password: "bench password bench".into(),
            name: "Bench Customer".into(),
            role: SignupRole::Customer,
        })
        .await
        .unwrap();
    // As if they had followed the link in the confirmation email.
    let pool = state.pool.clone();
    let confirmed = email.clone();
    tokio::task::spawn_blocking(move || {
        diesel::update(users::table.filter(users::email.eq(confirmed)))
            .set(users::email_verified_at.eq(Some(db::now())))
            .execute(&mut pool.get().unwrap())
            .unwrap();
    })
    .await
    .unwrap();
    let tokens = client
        .login(&shared_types::auth::LoginRequest {
            email,
            password: "bench password bench".into(),
        })
        .await
        .unwrap();
    let customer = client.with_token(tokens.access_token);

    // Requests at a steady rate; each runs on its own so a slow one does not delay the next.
    let total = sizes.rate * sizes.seconds;
    let started = Instant::now();
    let mut ticks =
        tokio::time::interval(Duration::from_secs(1) / u32::try_from(sizes.rate).unwrap());
    let mut posts = Vec::new();
    for n in 0..total {
        ticks.tick().await;
        let customer = customer.clone();
        posts.push(tokio::spawn(async move {
            let at = Instant::now();
            let created = customer.create_request(&request(n)).await.expect("request");
            // The answer comes after the commit: the commit happened before this instant.
            (at.elapsed(), created.id, Utc::now())
        }));
    }
    let mut post_times = Vec::new();
    let mut answered = std::collections::HashMap::new();
    for post in posts {
        let (took, request_id, at) = post.await.unwrap();
        post_times.push(took);
        answered.insert(request_id, at);
    }
    // Every offer the requests made (all of them written before their POST returned).
    let pool = state.pool.clone();
    let offered: i64 = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        outbox::table
            .filter(outbox::kind.eq("lead.offered"))
            .count()
            .get_result(&mut conn)
            .unwrap()
    })
    .await
    .unwrap();
    let expected = usize::try_from(offered).unwrap();
    let deadline = Instant::now() + Duration::from_mins(2);
    while received.len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();

    let pool = state.pool.clone();
    let created: Vec<(String, NaiveDateTime, String)> = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        outbox::table
            .filter(outbox::kind.eq("lead.offered"))
            .select((outbox::id, outbox::created_at, outbox::payload))
            .load(&mut conn)
            .unwrap()
    })
    .await
    .unwrap();
    // Each message's request, to find when its POST was answered.
    let created: std::collections::HashMap<String, (NaiveDateTime, Option<String>)> = created
        .into_iter()
        .map(|(id, at, payload)| {
            let lead: Value = serde_json::from_str(&payload).unwrap_or_default();
            let request = lead["request_id"].as_str().map(str::to_owned);
            (id, (at, request))
        })
        .collect();
    let arrivals = received.0.lock().unwrap().clone();
    let since =
        |at: &DateTime<Utc>, earlier: DateTime<Utc>| (*at - earlier).to_std().unwrap_or_default();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut after_answer: Vec<Duration> = Vec::new();
    for (id, at) in &arrivals {
        let Some((queued, request)) = created.get(id) else {
            continue;
        };
        latencies.push(since(at, queued.and_utc()));
        if let Some(answered) = request.as_ref().and_then(|request| answered.get(request)) {
            after_answer.push(since(at, *answered));
        }
    }
    latencies.sort();
    after_answer.sort();
    post_times.sort();
    let distinct: std::collections::HashSet<_> = arrivals.iter().map(|(id, _)| id).collect();
    println!(
        "{backend:>8}: {} partners, {} match; {total} requests at {}/s -> {} offers, {} pushes sent ({} distinct)",
        sizes.partners,
        sizes.matching,
        sizes.rate,
        expected,
        arrivals.len(),
        distinct.len(),
    );
    if latencies.is_empty() {
        println!("{backend:>8}: no push arrived");
        return;
    }
    #[allow(clippy::cast_precision_loss)]
    let per_second = arrivals.len() as f64 / elapsed.as_secs_f64();
    println!(
        "{backend:>8}: request start -> FCM send: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {per_second:.0} messages/s; request POST p50 {:.1} ms, p99 {:.1} ms",
        millis(percentile(&latencies, 0.50)),
        millis(percentile(&latencies, 0.90)),
        millis(percentile(&latencies, 0.99)),
        millis(*latencies.last().unwrap()),
        millis(percentile(&post_times, 0.50)),
        millis(percentile(&post_times, 0.99)),
    );
    if !after_answer.is_empty() {
        println!(
            "{backend:>8}: POST answered -> FCM send: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} messages)",
            millis(percentile(&after_answer, 0.50)),
            millis(percentile(&after_answer, 0.90)),
            millis(percentile(&after_answer, 0.99)),
            millis(*after_answer.last().unwrap()),
            after_answer.len(),
        );
    }
}

#[tokio::main]
async fn main() {
    let sizes = Sizes {
        partners: env_number("PARTNERS", 10_000),
        matching: env_number("MATCHING", 500),
        rate: env_number("RATE", 2),
        seconds: env_number("SECONDS", 15),
    };
    seed::on_each_backend(|backend, url| {
        let sizes = &sizes;
        async move { run(backend, &url, sizes).await }
    })
    .await;
}
