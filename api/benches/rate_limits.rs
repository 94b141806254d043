//! What rate limiting costs a call: `GET /v1/me` (a signed-in read: token check, account
//! standing, one query) served with the limits off, with buckets in process, and with buckets in
//! Redis, in interleaved rounds from the same client. Prints requests per second for each and
//! the ratio to the limits-off service, the bare handler doing the same work.
//!
//! `cargo bench -p api --bench rate_limits` (SQLite; `REDIS_URL` defaults to the local Redis,
//! ROUNDS=… SECONDS=… CONCURRENCY=… change the run).

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use porchlight::Application;
use porchlight::config::Settings;
use shared_types::Client;
use shared_types::auth::{LoginRequest, RegisterRequest, SignupRole};

// Only `env_number` of the shared seed module is needed here.
#[allow(dead_code)]
#[path = "support/seed.rs"]
mod seed;
use seed::env_number;

const PASSWORD: &str = "bench password, long enough";

/// A service on its own SQLite database with `limits` settings; returns a signed-in client.
async fn serve(name: &str, limits: &[(&str, String)], dir: &std::path::Path) -> Client {
    let url = format!("sqlite://{}", dir.join(format!("{name}.db")).display());
    let mut vars: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), url),
        (
            "JWT_SECRET".into(),
            "bench-secret-bench-secret-bench-secret-0000".into(),
        ),
        ("RATE_LIMIT_ANONYMOUS_PER_MINUTE".into(), "0".into()),
    ];
    vars.extend(limits.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let settings = Settings::from_lookup(|key| {
        vars.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    })
    .expect("settings");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build_with_listener(settings, listener).expect("app");
    let client = Client::new(format!("http://127.0.0.1:{}", app.port())).with_retries(0);
    tokio::spawn(app.run_until_stopped());
    let email = format!("{name}@bench.example.com");
    client
        .register(&RegisterRequest {
            email: email.clone(),
            password: PASSWORD.into(),
            name: "Bench".into(),
            role: SignupRole::Customer,
        })
        .await
        .expect("register");
    let tokens = client
        .login(&LoginRequest {
            email,
            password: PASSWORD.into(),
        })
        .await
        .expect("login");
    client.with_token(tokens.access_token)
}

/// Calls `GET /v1/me` from `concurrency` tasks for `seconds`; returns requests per second.
async fn load(client: &Client, concurrency: usize, seconds: u64) -> f64 {
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, done, stop) = (client.clone(), done.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    client.me().await.expect("a call the limits let through");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("load task");
    }
    #[allow(clippy::cast_precision_loss)]
    let calls = done.load(Ordering::Relaxed) as f64;
    calls / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let rounds = env_number("ROUNDS", 3);
    let seconds = u64::try_from(env_number("SECONDS", 3)).unwrap_or(3);
    let concurrency = env_number("CONCURRENCY", 16);
    let redis = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let dir = tempfile::tempdir().expect("temp dir");
    // Budgets far above what the run spends: what is measured is the bookkeeping, not refusals.
    let on = || ("RATE_LIMIT_PER_MINUTE", "1000000".to_owned());
    let prefix = format!("porchlight-bench-{}:", uuid::Uuid::new_v4().simple());
    let services = [
        (
            "limits off",
            serve("off", &[("RATE_LIMIT_PER_MINUTE", "0".into())], dir.path()).await,
        ),
        ("in process", serve("local", &[on()], dir.path()).await),
        (
            "redis",
            serve(
                "redis",
                &[
                    on(),
                    ("REDIS_URL", redis.clone()),
                    ("REDIS_KEY_PREFIX", prefix.clone()),
                ],
                dir.path(),
            )
            .await,
        ),
    ];
    let mut rates = vec![Vec::new(); services.len()];
    for _ in 0..rounds {
        for (index, (_, client)) in services.iter().enumerate() {
            rates[index].push(load(client, concurrency, seconds).await);
        }
    }
    println!(
        "rate limits: GET /v1/me, {concurrency} concurrent callers, {rounds} interleaved rounds \
         of {seconds} s (SQLite)"
    );
    let median = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let baseline = median(&rates[0]);
    for ((name, _), rate) in services.iter().zip(&rates) {
        let rate = median(rate);
        println!(
            "  {name:<11} {rate:>8.0} req/s   {:.2}x of limits off",
            rate / baseline
        );
    }
}
