//! The pro's lead feed (`GET /v1/leads`) against its ceiling: a bare handler that runs the
//! same statement on the same database through tokio-postgres (one connection per worker
//! thread, the statement prepared once) and returns the same JSON, with no routing, auth,
//! middleware or validation. Both serve in this process on two workers each and are loaded in
//! interleaved rounds by the same load generator (CONCURRENCY callers for SECONDS each).
//!
//! Seeds PARTNERS pros (as the search benchmark does) and REQUESTS requests, each offered to
//! five of them through matching's own offer writing (so every offer has its card); the pro
//! whose feed is read has 10 live offers and 40 closed ones, and asks for the first page.
//!
//! PostgreSQL only (the ceiling is a PostgreSQL client):
//! `BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' cargo bench -p api --bench lead_feed`

use std::net::TcpListener;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::header::ContentType;
use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use porchlight::db::schema::{
    categories, lead_cards, lead_offers, partner_profiles, service_requests,
};
use porchlight::db::{self, DbPool};
use porchlight::requests::cards::{self, Affected};
use porchlight::requests::matching;
use porchlight::requests::model::RequestRow;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use shared_types::auth::Role;
use shared_types::requests::{RequestKind, RequestStatus};
use tokio::sync::OnceCell;

#[path = "support/seed.rs"]
mod seed;
use seed::{env_number, millis, near_a_city, percentile};

const LIVE_OFFERS: usize = 10;
const CLOSED_OFFERS: usize = 40;

fn request_row(customer_id: &str, category_id: &str, lat: f64, lon: f64) -> RequestRow {
    let now = db::now();
    RequestRow {
        id: db::new_id(),
        customer_id: customer_id.to_owned(),
        category_id: category_id.to_owned(),
        kind: RequestKind::Marketplace,
        target_partner_id: None,
        description: "Leaking kitchen tap and a loose cabinet hinge".into(),
        street: "1 Main St".into(),
        city: "Toronto".into(),
        postal_code: "M5H 2N2".into(),
        country: "CA".into(),
        lat,
        lon,
        windows: "[]".into(),
        budget_cents: Some(20_000),
        budget_currency: Some("CAD".into()),
        photo_urls: "[]".into(),
        contact_phone: None,
        status: RequestStatus::Open,
        match_rounds: 1,
        assigned_partner_id: None,
        created_at: now,
        updated_at: now,
        time_zone: "America/Toronto".to_owned(),
        extra_reach_km: 0.0,
    }
}

/// Requests offered to random pros, and the feed's pro with its live and closed offers; returns
/// that pro's id.
fn stage_feed(pool: &DbPool, requests: usize) -> String {
    let mut conn = pool.get().unwrap();
    let category: String = categories::table
        .filter(categories::slug.eq("cleaning"))
        .select(categories::id)
        .first(&mut conn)
        .unwrap();
    let pros: Vec<String> = partner_profiles::table
        .select(partner_profiles::user_id)
        .order(partner_profiles::user_id)
        .load(&mut conn)
        .unwrap();
    let customer = db::new_id();
    let now = db::now();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) \
         VALUES ('{customer}', 'feed-customer@example.com', 'x', 'Feed', 'customer', '{now}', '{now}')"
    ))
    .unwrap();
    let reader = pros[0].clone();
    let mut rng = StdRng::seed_from_u64(11);
    let expires = now + chrono::Duration::hours(1);
    let offer_to = |conn: &mut db::DbConnection, to: Vec<String>, rng: &mut StdRng| {
        let point = near_a_city(rng, 0.5);
        let request = request_row(&customer, &category, point.lat, point.lon);
        diesel::insert_into(service_requests::table)
            .values(request.clone())
            .execute(conn)
            .unwrap();
        let reasons = to
            .into_iter()
            .map(|pro| (pro, (rng.random_range(1.0..30.0), None, Some(0.9))))
            .collect();
        matching::create_offers(conn, &request, reasons, expires, 1500, now).unwrap()
    };
    for _ in 0..requests {
        let to: Vec<String> = pros[1..].choose_multiple(&mut rng, 5).cloned().collect();
        offer_to(&mut conn, to, &mut rng);
    }
    let mut closed = Vec::new();
    for n in 0..LIVE_OFFERS + CLOSED_OFFERS {
        let offers = offer_to(&mut conn, vec![reader.clone()], &mut rng);
        if n < CLOSED_OFFERS {
            closed.push(offers[0].id.clone());
        }
    }
    diesel::update(lead_offers::table.filter(lead_offers::id.eq_any(&closed)))
        .set(lead_offers::status.eq("expired"))
        .execute(&mut conn)
        .unwrap();
    cards::refresh(&mut conn, Affected::Offers(&closed)).unwrap();
    conn.batch_execute("ANALYZE").unwrap();
    reader
}

/// The ceiling: the first page of a pro's feed, straight from the cards.
const BARE_SQL: &str = "SELECT * FROM (\
    (SELECT 0 AS segment, offer_id, lead FROM lead_cards WHERE partner_id = $1 AND live = true \
     ORDER BY offer_id DESC LIMIT $2) UNION ALL \
    (SELECT 1 AS segment, offer_id, lead FROM lead_cards WHERE partner_id = $1 AND live = false \
     ORDER BY offer_id DESC LIMIT $2)) AS page ORDER BY segment, offer_id DESC LIMIT $2";

struct BareConnection {
    client: tokio_postgres::Client,
    statement: tokio_postgres::Statement,
}

thread_local! {
    static BARE: Rc<OnceCell<BareConnection>> = Rc::default();
}

async fn bare_connection(url: &str) -> BareConnection {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    actix_web::rt::spawn(connection);
    let statement = client.prepare(BARE_SQL).await.unwrap();
    BareConnection { client, statement }
}

/// What the bare handler reads: whose feed, from which database.
struct BareTarget {
    database_url: String,
    partner_id: String,
}

async fn bare_feed(target: web::Data<BareTarget>) -> HttpResponse {
    let slot = BARE.with(Rc::clone);
    let conn = slot
        .get_or_init(|| bare_connection(&target.database_url))
        .await;
    let limit: i64 = 51;
    let rows = conn
        .client
        .query(&conn.statement, &[&target.partner_id, &limit])
        .await
        .unwrap();
    let leads: Vec<&str> = rows.iter().take(50).map(|row| row.get(2)).collect();
    let next = if rows.len() > 50 {
        let row = &rows[49];
        let segment = if row.get::<_, i32>(0) == 0 {
            "live"
        } else {
            "done"
        };
        format!("\"{segment}~{}\"", row.get::<_, &str>(1))
    } else {
        "null".to_owned()
    };
    HttpResponse::Ok()
        .insert_header(ContentType::json())
        .body(format!(
            r#"{{"items":[{}],"next_cursor":{next}}}"#,
            leads.join(",")
        ))
}

/// Starts the bare handler on two workers; returns its base URL.
fn start_bare(database_url: &str, partner: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let target = web::Data::new(BareTarget {
        database_url: database_url.to_owned(),
        partner_id: partner.to_owned(),
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(target.clone())
            .route("/leads", web::get().to(bare_feed))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    base
}

struct Round {
    requests: usize,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// `concurrency` callers GET `url` back to back for `length`; every answer must be a 200 whose
/// body is `expected`.
async fn load(
    url: &str,
    token: &str,
    concurrency: usize,
    length: Duration,
    expected: &str,
) -> Round {
    let client = reqwest::Client::new();
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let callers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, token, stop) = (
                client.clone(),
                url.to_owned(),
                token.to_owned(),
                stop.clone(),
            );
            let expected = expected.to_owned();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let response = client.get(&url).bearer_auth(&token).send().await.unwrap();
                    assert_eq!(response.status(), 200);
                    let body = response.text().await.unwrap();
                    latencies.push(sent.elapsed());
                    assert_eq!(body.len(), expected.len(), "the same page");
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(length).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for caller in callers {
        latencies.extend(caller.await.unwrap());
    }
    let elapsed = start.elapsed();
    latencies.sort();
    Round {
        requests: latencies.len(),
        latencies,
        elapsed,
    }
}

fn report(name: &str, rounds: &[Round]) -> f64 {
    let requests: usize = rounds.iter().map(|r| r.requests).sum();
    let seconds: f64 = rounds.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let mut latencies: Vec<Duration> = rounds.iter().flat_map(|r| r.latencies.clone()).collect();
    latencies.sort();
    #[allow(clippy::cast_precision_loss)]
    let per_second = requests as f64 / seconds;
    println!(
        "{name:>24}: {per_second:>8.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        millis(percentile(&latencies, 0.50)),
        millis(percentile(&latencies, 0.99)),
    );
    per_second
}

async fn run(database_url: &str, partners: usize, requests: usize) {
    let (state, base) = seed::start_app(
        database_url,
        &[
            ("HTTP_WORKERS", "2".to_owned()),
            ("SWEEP_INTERVAL_SECS", "0".to_owned()),
            ("RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
        ],
    );

    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || seed::seed(&pool, partners).expect("seed"))
        .await
        .unwrap();
    let pool = state.pool.clone();
    let reader = tokio::task::spawn_blocking(move || stage_feed(&pool, requests))
        .await
        .unwrap();
    let cards: i64 = {
        let mut conn = state.pool.get().unwrap();
        lead_cards::table.count().get_result(&mut conn).unwrap()
    };
    let token = state
        .jwt
        .issue_access(&reader, Role::Partner, 0, 600)
        .unwrap();
    let ceiling = start_bare(database_url, &reader);
    let app_url = format!("{base}/v1/leads");
    let bare_url = format!("{ceiling}/leads");

    let client = reqwest::Client::new();
    let served = |url: String| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let response = client.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let from_app = served(app_url.clone()).await;
    let from_bare = served(bare_url.clone()).await;
    let parsed = |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap();
    assert_eq!(
        parsed(&from_app),
        parsed(&from_bare),
        "both serve the same page"
    );
    let page = parsed(&from_app);
    let items = page["items"].as_array().map_or(0, Vec::len);

    let concurrency = env_number("CONCURRENCY", 64);
    let length = Duration::from_secs(u64::try_from(env_number("SECONDS", 5)).unwrap());
    println!(
        "postgres: {cards} lead cards, a page of {items} leads ({} bytes), {concurrency} callers, \
         3 interleaved rounds of {}s each",
        from_app.len(),
        length.as_secs()
    );
    // Warm both (connections, prepared statements), then interleave.
    load(
        &app_url,
        &token,
        concurrency,
        Duration::from_secs(1),
        &from_app,
    )
    .await;
    load(
        &bare_url,
        &token,
        concurrency,
        Duration::from_secs(1),
        &from_bare,
    )
    .await;
    let (mut app_rounds, mut bare_rounds) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        app_rounds.push(load(&app_url, &token, concurrency, length, &from_app).await);
        bare_rounds.push(load(&bare_url, &token, concurrency, length, &from_bare).await);
    }
    let app_rate = report("GET /v1/leads", &app_rounds);
    let bare_rate = report("bare tokio-postgres", &bare_rounds);
    println!(
        "{:>24}: {:.2}x the bare handler",
        "ratio",
        app_rate / bare_rate
    );
}

#[tokio::main]
async fn main() {
    let partners = env_number("PARTNERS", 10_000);
    let requests = env_number("REQUESTS", 2_000);
    seed::on_each_backend(|backend, url| async move {
        if backend == "postgres" {
            run(&url, partners, requests).await;
        } else {
            println!("{backend:>8}: skipped (the ceiling is a PostgreSQL client)");
        }
    })
    .await;
}
