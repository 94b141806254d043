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
    // What `grow_to` copies: the requests offered to other pros.
    conn.batch_execute(&format!(
        "CREATE TABLE bench_base AS SELECT DISTINCT request_id AS id FROM lead_offers \
         WHERE partner_id <> '{reader}'"
    ))
    .unwrap();
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

/// What one side of a comparison served: its rate and latency percentiles.
struct Served {
    per_second: f64,
    p50: f64,
    p99: f64,
}

fn summarize(name: &str, rounds: &[Round]) -> Served {
    let requests: usize = rounds.iter().map(|r| r.requests).sum();
    let seconds: f64 = rounds.iter().map(|r| r.elapsed.as_secs_f64()).sum();
    let mut latencies: Vec<Duration> = rounds.iter().flat_map(|r| r.latencies.clone()).collect();
    latencies.sort();
    #[allow(clippy::cast_precision_loss)]
    let served = Served {
        per_second: requests as f64 / seconds,
        p50: millis(percentile(&latencies, 0.50)),
        p99: millis(percentile(&latencies, 0.99)),
    };
    println!(
        "{name:>24}: {:>8.0} req/s, p50 {:.2} ms, p99 {:.2} ms",
        served.per_second, served.p50, served.p99
    );
    served
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    server_version: String,
}

/// Grows the marketplace to `target` lead cards by copying the staged requests (not the
/// reader's) with their offers and cards under new ids: copy `g` of a row gets the id
/// `md5(id:g)`, so a copied offer finds its copied request. Returns the cards there are.
fn grow_to(pool: &DbPool, target: i64, copies_made: &mut i64) -> i64 {
    let mut conn = pool.get().unwrap();
    let count = |conn: &mut db::DbConnection| -> i64 {
        lead_cards::table.count().get_result(conn).unwrap()
    };
    let per_copy = diesel::sql_query(
        "SELECT COUNT(*) AS n FROM lead_offers WHERE request_id IN (SELECT id FROM bench_base)",
    )
    .get_result::<Count>(&mut conn)
    .unwrap()
    .n;
    let mut cards = count(&mut conn);
    while cards < target {
        let copies = ((target - cards + per_copy - 1) / per_copy).min(20);
        let (first, last) = (*copies_made + 1, *copies_made + copies);
        let copy = |table: &str, alias: &str, ids: &str, join: &str| {
            format!(
                "INSERT INTO {table} SELECT (jsonb_populate_record({alias}, \
                 jsonb_build_object({ids}))).* FROM {table} {alias} {join}, \
                 generate_series({first}, {last}) g"
            )
        };
        let new_id = |column: &str| format!("md5({column} || ':' || g)::uuid::text");
        conn.batch_execute(&copy(
            "service_requests",
            "r",
            &format!("'id', {}", new_id("r.id")),
            "JOIN bench_base b ON b.id = r.id",
        ))
        .unwrap();
        conn.batch_execute(&copy(
            "lead_offers",
            "o",
            &format!(
                "'id', {}, 'request_id', {}",
                new_id("o.id"),
                new_id("o.request_id")
            ),
            "JOIN bench_base b ON b.id = o.request_id",
        ))
        .unwrap();
        conn.batch_execute(&copy(
            "lead_cards",
            "c",
            &format!("'offer_id', {}", new_id("c.offer_id")),
            "JOIN lead_offers o ON o.id = c.offer_id JOIN bench_base b ON b.id = o.request_id",
        ))
        .unwrap();
        *copies_made = last;
        cards = count(&mut conn);
    }
    conn.batch_execute("ANALYZE").unwrap();
    cards
}

/// One size's figures.
struct Measured {
    cards: i64,
    feed: Served,
    ceiling: Served,
}

/// The machine and database the figures come from.
fn machine(pool: &DbPool) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map_or("an unknown CPU", |rest| {
            rest.trim_start_matches([' ', '\t', ':'])
        });
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let version: Version = diesel::sql_query("SHOW server_version")
        .get_result(&mut pool.get().unwrap())
        .unwrap();
    format!(
        "{cores} cores ({model}), PostgreSQL {} on the same machine, connected with \
         `sslmode=disable`",
        version.server_version
    )
}

fn write_report(path: &std::path::Path, machine: &str, settings: &str, rows: &[Measured]) {
    use std::fmt::Write as _;
    let mut report = String::from(
        "# Performance\n\n\
         Written by `cargo bench -p api --bench lead_feed` (see the README's Benchmarks); every \
         figure comes from one run on one machine, so compare ratios rather than absolute rates.\n\n\
         ## The lead feed against its ceiling\n\n\
         `GET /v1/leads` (a pro's first page: 10 live and 40 closed leads) against a bare \
         handler in the same process that runs the same statement on the same database through \
         tokio-postgres and returns the same JSON, with no routing, auth or middleware. Both on \
         two HTTP workers, loaded by the same generator in interleaved rounds.\n\n",
    );
    let _ = writeln!(report, "Machine: {machine}. Load: {settings}.\n");
    report.push_str(
        "| lead cards | feed req/s | feed p50 ms | feed p99 ms | ceiling req/s | ceiling p50 ms | ceiling p99 ms | ratio |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let _ = writeln!(
            report,
            "| {} | {:.0} | {:.2} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2}x |",
            row.cards,
            row.feed.per_second,
            row.feed.p50,
            row.feed.p99,
            row.ceiling.per_second,
            row.ceiling.p50,
            row.ceiling.p99,
            row.feed.per_second / row.ceiling.per_second
        );
    }
    std::fs::write(path, report).unwrap();
    println!("wrote {}", path.display());
}

async fn run(database_url: &str, partners: usize, requests: usize, sizes: &[i64]) {
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
    let settings = format!(
        "a page of {items} leads ({} bytes), {concurrency} concurrent callers, 3 interleaved \
         rounds of {}s per side after a warm-up",
        from_app.len(),
        length.as_secs()
    );
    println!("postgres: {settings}");
    let mut measured = Vec::new();
    let mut copies_made = 0;
    for &size in sizes {
        let pool = state.pool.clone();
        let (cards, copies) = tokio::task::spawn_blocking(move || {
            let cards = grow_to(&pool, size, &mut copies_made);
            (cards, copies_made)
        })
        .await
        .unwrap();
        copies_made = copies;
        println!("postgres: {cards} lead cards");
        assert_eq!(served(app_url.clone()).await, from_app, "the same page");
        // Warm both (connections, prepared statements, caches), then interleave.
        let warm_up = Duration::from_secs(1);
        load(&app_url, &token, concurrency, warm_up, &from_app).await;
        load(&bare_url, &token, concurrency, warm_up, &from_bare).await;
        let (mut app_rounds, mut bare_rounds) = (Vec::new(), Vec::new());
        for _ in 0..3 {
            app_rounds.push(load(&app_url, &token, concurrency, length, &from_app).await);
            bare_rounds.push(load(&bare_url, &token, concurrency, length, &from_bare).await);
        }
        let feed = summarize("GET /v1/leads", &app_rounds);
        let ceiling = summarize("bare tokio-postgres", &bare_rounds);
        println!(
            "{:>24}: {:.2}x the bare handler",
            "ratio",
            feed.per_second / ceiling.per_second
        );
        measured.push(Measured {
            cards,
            feed,
            ceiling,
        });
    }
    let report = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/performance.md");
    write_report(&report, &machine(&state.pool), &settings, &measured);
}

#[tokio::main]
async fn main() {
    let partners = env_number("PARTNERS", 10_000);
    let requests = env_number("REQUESTS", 2_000);
    let sizes: Vec<i64> = std::env::var("CARDS")
        .unwrap_or_else(|_| "10000,100000,1000000".to_owned())
        .split(',')
        .map(|size| size.trim().parse().expect("CARDS: sizes like 10000,100000"))
        .collect();
    seed::on_each_backend(|backend, url| {
        let sizes = sizes.clone();
        async move {
            if backend == "postgres" {
                run(&url, partners, requests, &sizes).await;
            } else {
                println!("{backend:>8}: skipped (the ceiling is a PostgreSQL client)");
            }
        }
    })
    .await;
}
