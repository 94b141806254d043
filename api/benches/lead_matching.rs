//! Matching and the confirm race under load. Seeds 100 000 partners (as the search benchmark
//! does), then:
//! 1. times `requests::matching::find_candidates` for 1 000 requests at random points near the
//!    cities (p50/p90/p99), calling the function on a pooled connection as the API does;
//! 2. offers one instant lead to 200 partners, has them all open it at once (the cost of 200
//!    simultaneous requests on their own, for comparison), then fires their 200 confirms at once
//!    over HTTP, reporting the winners (must be 1), when the winner was answered, and the latency
//!    percentiles; `RACES` times (5), each on a lead of its own, then over all their answers.
//!
//! Runs on SQLite, and on PostgreSQL when `BENCH_DATABASE_URL` is set (see partner_search).
//! `cargo bench -p api --bench lead_matching` (PARTNERS=, CALLS=, RACERS=, RACES= change the sizes.)

use std::time::{Duration, Instant};

use chrono::{Datelike, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use porchlight::db::schema::{categories, partner_area_cells, service_requests};
use porchlight::db::{self, DbPool};
use porchlight::partners::geo;
use porchlight::requests::matching;
use porchlight::requests::model::RequestRow;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared_types::auth::Role;
use shared_types::requests::{RequestKind, RequestStatus, TimeWindow};
use shared_types::{Client, ErrorCode};

#[path = "support/seed.rs"]
mod seed;
use seed::{SLUGS, env_number, millis, near_a_city, percentile};

/// A weekday afternoon next week, inside every seeded partner's hours.
fn window() -> TimeWindow {
    let mut day = Utc::now().date_naive() + chrono::Duration::days(7);
    while day.weekday().num_days_from_monday() > 3 {
        day += chrono::Duration::days(1);
    }
    let start = day.and_hms_opt(17, 0, 0).unwrap().and_utc();
    TimeWindow {
        start,
        end: start + chrono::Duration::hours(3),
    }
}

fn request_at(id: String, category_id: String, lat: f64, lon: f64) -> RequestRow {
    let now = db::now();
    RequestRow {
        id,
        customer_id: "bench-customer".into(),
        category_id,
        kind: RequestKind::Marketplace,
        target_partner_id: None,
        description: "Benchmark request".into(),
        street: "1 Main St".into(),
        city: "Bench".into(),
        postal_code: "M5H 2N2".into(),
        country: "CA".into(),
        lat,
        lon,
        windows: serde_json::to_string(&[window()]).unwrap(),
        budget_cents: None,
        budget_currency: None,
        photo_urls: "[]".into(),
        contact_phone: None,
        status: RequestStatus::Open,
        match_rounds: 0,
        assigned_partner_id: None,
        created_at: now,
        updated_at: now,
        time_zone: "America/Toronto".to_owned(),
        extra_reach_km: 0.0,
    }
}

fn category_ids(pool: &DbPool) -> Vec<String> {
    let mut conn = pool.get().unwrap();
    SLUGS
        .iter()
        .map(|slug| {
            categories::table
                .filter(categories::slug.eq(slug))
                .select(categories::id)
                .first::<String>(&mut conn)
                .unwrap()
        })
        .collect()
}

fn time_matching(pool: &DbPool, calls: usize) -> (Vec<Duration>, f64) {
    let ids = category_ids(pool);
    let mut rng = StdRng::seed_from_u64(21);
    let mut conn = pool.get().unwrap();
    let mut timings = Vec::with_capacity(calls);
    let mut offered = 0;
    for call in 0..(calls + calls / 10) {
        let point = near_a_city(&mut rng, 0.8);
        let category = ids[rng.random_range(0..ids.len())].clone();
        let request = request_at(db::new_id(), category, point.lat, point.lon);
        let start = Instant::now();
        let found = matching::find_candidates(&mut conn, &request, 5, db::now()).unwrap();
        let took = start.elapsed();
        if call >= calls / 10 {
            timings.push(took);
            offered += found.len();
        }
    }
    timings.sort();
    #[allow(clippy::cast_precision_loss)]
    let per_request = offered as f64 / timings.len() as f64;
    (timings, per_request)
}

/// Writes one open instant request with an offer to each of `racers` partners covering it.
fn stage_race(pool: &DbPool, racers: usize, race: usize) -> Vec<(String, String)> {
    let mut conn = pool.get().unwrap();
    let cleaning: String = categories::table
        .filter(categories::slug.eq("cleaning"))
        .select(categories::id)
        .first(&mut conn)
        .unwrap();
    let (lat, lon) = seed::CITIES[0];
    let point = geo::Point { lat, lon };
    // Any partners covering the point will do; eligibility is matching's business, not the race's.
    let partner_ids: Vec<String> = partner_area_cells::table
        .filter(partner_area_cells::cell.eq(geo::cell_of(point)))
        .select(partner_area_cells::partner_id)
        .distinct()
        .limit(i64::try_from(racers).unwrap())
        .load(&mut conn)
        .unwrap();
    let customer = db::new_id();
    let now = db::now();
    conn.batch_execute(&format!(
        "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) \
         VALUES ('{customer}', 'race-customer-{race}@example.com', 'x', 'Racer', 'customer', '{now}', '{now}')"
    ))
    .unwrap();
    let mut request = request_at(db::new_id(), cleaning, lat, lon);
    request.customer_id = customer;
    diesel::insert_into(service_requests::table)
        .values(request.clone())
        .execute(&mut conn)
        .unwrap();
    // One round to them all, as matching makes it.
    let round = partner_ids
        .into_iter()
        .map(|partner| (partner, (1.0, Some(window()), None)))
        .collect();
    matching::create_offers(
        &mut conn,
        &request,
        round,
        db::now() + chrono::Duration::hours(1),
        1500,
        db::now(),
    )
    .unwrap()
    .into_iter()
    .map(|offer| (offer.partner_id, offer.id))
    .collect()
}

async fn run(
    backend: &str,
    database_url: &str,
    partners: usize,
    calls: usize,
    (racers, rounds): (usize, usize),
) {
    let (state, base) = seed::start_app(
        database_url,
        &[
            ("DB_POOL_SIZE", "8".to_owned()),
            ("SWEEP_INTERVAL_SECS", "0".to_owned()),
        ],
    );

    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || seed::seed(&pool, partners).expect("seed"))
        .await
        .unwrap();

    let pool = state.pool.clone();
    let (timings, per_request) = tokio::task::spawn_blocking(move || time_matching(&pool, calls))
        .await
        .unwrap();
    println!(
        "{backend:>8}: matching over {partners} partners, {} requests: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, {per_request:.1} pros offered per request",
        timings.len(),
        millis(percentile(&timings, 0.50)),
        millis(percentile(&timings, 0.90)),
        millis(percentile(&timings, 0.99)),
    );

    let mut all = Vec::new();
    let mut race_p99s = Vec::new();
    for race in 1..=rounds {
        let latencies = race_once(backend, &state, &base, racers, race).await;
        race_p99s.push(percentile(&latencies, 0.99));
        all.extend(latencies);
    }
    all.sort();
    race_p99s.sort();
    println!(
        "{backend:>8}: {rounds} races of {racers} confirms, all {} answers: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms; the median race's p99 {:.1} ms",
        all.len(),
        millis(percentile(&all, 0.50)),
        millis(percentile(&all, 0.90)),
        millis(percentile(&all, 0.99)),
        millis(percentile(&race_p99s, 0.50)),
    );
}

/// One race on a lead of its own: the pros open it, then all press Confirm at once. Returns
/// the answers' latencies, sorted.
async fn race_once(
    backend: &str,
    state: &porchlight::state::AppState,
    base: &str,
    racers: usize,
    race: usize,
) -> Vec<Duration> {
    let pool = state.pool.clone();
    let offers = tokio::task::spawn_blocking(move || stage_race(&pool, racers, race))
        .await
        .unwrap();
    // Each pro has the lead open (the alert took them to it), as in the app: one GET each, which
    // also leaves the app's connection open, and then everyone presses Confirm at once.
    let mut racers = Vec::with_capacity(offers.len());
    for (partner, offer) in offers {
        let token = state
            .jwt
            .issue_access(&partner, Role::Partner, 0, 600)
            .unwrap();
        // A phone each: its own connection.
        let client = Client::with_http_client(reqwest::Client::new(), base).with_token(token);
        client.lead(&offer).await.expect("the lead");
        racers.push((client, offer));
    }
    // The same pros opening the lead at once: what 200 simultaneous requests cost on their own.
    let opens: Vec<_> = racers
        .iter()
        .map(|(client, offer)| {
            let (client, offer) = (client.clone(), offer.clone());
            tokio::spawn(async move {
                let start = Instant::now();
                client.lead(&offer).await.expect("the lead");
                start.elapsed()
            })
        })
        .collect();
    let mut opened = Vec::with_capacity(opens.len());
    for open in opens {
        opened.push(open.await.unwrap());
    }
    opened.sort();
    let attempts: Vec<_> = racers
        .into_iter()
        .map(|(client, offer)| {
            tokio::spawn(async move {
                let start = Instant::now();
                let outcome = client.confirm_lead(&offer).await;
                (start.elapsed(), outcome)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let (mut winners, mut taken, mut other) = (0, 0, 0);
    let mut winner_took = Duration::ZERO;
    for attempt in attempts {
        let (took, outcome) = attempt.await.unwrap();
        latencies.push(took);
        match outcome {
            Ok(_) => {
                winners += 1;
                winner_took = took;
            }
            Err(e) if e.code() == Some(ErrorCode::LeadTaken) => taken += 1,
            Err(e) => {
                other += 1;
                eprintln!("unexpected: {e}");
            }
        }
    }
    latencies.sort();
    println!(
        "{backend:>8}: race {race}: {} opens at once p50 {:.1} / p99 {:.1} ms; {} confirms: {winners} winner (answered in {:.1} ms), {taken} lead_taken, {other} other; p50 {:.1} ms, p99 {:.1} ms",
        opened.len(),
        millis(percentile(&opened, 0.50)),
        millis(percentile(&opened, 0.99)),
        latencies.len(),
        millis(winner_took),
        millis(percentile(&latencies, 0.50)),
        millis(percentile(&latencies, 0.99)),
    );
    latencies
}

#[tokio::main]
async fn main() {
    let partners = env_number("PARTNERS", 100_000);
    let calls = env_number("CALLS", 1_000);
    let racers = env_number("RACERS", 200);
    let rounds = env_number("RACES", 5);

    seed::on_each_backend(|backend, url| async move {
        run(backend, &url, partners, calls, (racers, rounds)).await;
    })
    .await;
}
