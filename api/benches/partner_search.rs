//! Partner search under load: seeds 100 000 partners around 20 North American cities, then times
//! 1 000 `GET /v1/partners?category&lat&lon` calls through the typed client, one at a time, and
//! prints p50/p90/p99. Runs on SQLite, and on PostgreSQL when `BENCH_DATABASE_URL` names a
//! server database we may create databases from (e.g. postgres://postgres@127.0.0.1:5432/postgres).
//!
//! `cargo bench -p api --bench partner_search` (PARTNERS=… and CALLS=… change the sizes.)

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[path = "support/seed.rs"]
mod seed;
use seed::{SLUGS, env_number, millis, near_a_city, percentile};
use shared_types::partners::PartnerSearch;
use shared_types::{Client, PageParams};

async fn run(backend: &str, database_url: &str, partners: usize, calls: usize) {
    let (state, base) = seed::start_app(database_url, &[]);
    let pool = state.pool.clone();
    let client = Client::new(base);

    let started = Instant::now();
    tokio::task::spawn_blocking(move || seed::seed(&pool, partners).expect("seed"))
        .await
        .expect("seed task");
    let seeded_in = started.elapsed();

    let mut rng = StdRng::seed_from_u64(11);
    let mut timings = Vec::with_capacity(calls);
    let mut results = 0;
    let page = PageParams {
        limit: Some(20),
        cursor: None,
    };
    for call in 0..(calls + calls / 10) {
        let point = near_a_city(&mut rng, 0.8);
        let query = PartnerSearch {
            category: SLUGS[rng.random_range(0..SLUGS.len())].to_owned(),
            lat: point.lat,
            lon: point.lon,
        };
        let start = Instant::now();
        let hits = client.search_partners(&query, &page).await.expect("search");
        let took = start.elapsed();
        if call >= calls / 10 {
            // The first tenth warms caches and connections; it is not counted.
            timings.push(took);
            results += hits.items.len();
        }
    }
    timings.sort();
    let mean = timings.iter().sum::<Duration>() / u32::try_from(timings.len()).unwrap_or(1);
    println!(
        "{backend:>8}: {partners} partners seeded in {:.1}s; {} searches: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, mean {:.2} ms, {:.1} results per page",
        seeded_in.as_secs_f64(),
        timings.len(),
        millis(percentile(&timings, 0.50)),
        millis(percentile(&timings, 0.90)),
        millis(percentile(&timings, 0.99)),
        millis(mean),
        f64::from(u32::try_from(results).unwrap_or(0))
            / f64::from(u32::try_from(timings.len()).unwrap_or(1)),
    );
}

#[tokio::main]
async fn main() {
    let partners = env_number("PARTNERS", 100_000);
    let calls = env_number("CALLS", 1_000);

    seed::on_each_backend(|backend, url| async move {
        run(backend, &url, partners, calls).await;
    })
    .await;
}
