//! The ledger under load, with 10 000 partners each finishing a paid job:
//! 1. completion: `jobs::lifecycle::complete` for every job (transition, earnings posting,
//!    timeline, notification), from several tasks at once as concurrent requests would;
//! 2. confirmation: staff confirm the jobs in batches of 50 (`lifecycle::confirm_many`);
//! 3. the weekly payout run over the 10 000 wallets (`wallet::payouts::run`);
//!
//! then recomputes the books (`ledger::check`), which must balance. Prints postings per second
//! for 1 and 2 and the run's time for 3.
//!
//! Runs on SQLite, and on PostgreSQL when `BENCH_DATABASE_URL` is set:
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench -p api --bench ledger`
//! (PARTNERS= and TASKS= change the sizes; SQLite uses one task, its writers take turns.)

use std::sync::Arc;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use porchlight::config::Settings;
use porchlight::db::schema::{categories, jobs};
use porchlight::db::{self, DbConnection, DbPool};
use porchlight::jobs::model::Actor;
use porchlight::jobs::{JobPolicy, lifecycle};
use porchlight::state::AppState;
use porchlight::wallet::ledger::{self, Account, AccountKind, Posting};
use porchlight::wallet::payouts;
use shared_types::auth::Role;
use shared_types::jobs::CompleteInput;
use shared_types::wallet::LedgerKind;

// Percentile helpers of the shared seed module are not needed here.
#[allow(dead_code)]
#[path = "support/seed.rs"]
mod seed;
use seed::env_number;

const PRICE: i64 = 14_900;

/// One customer, and for each partner a request and a job in progress whose price is paid
/// (held for the job in the ledger). Returns `(job id, partner id)` pairs.
fn seed_jobs(pool: &DbPool) -> Vec<(String, String)> {
    let mut conn = pool.get().unwrap();
    let now = db::now();
    let category: String = categories::table
        .filter(categories::slug.eq("cleaning"))
        .select(categories::id)
        .first(&mut conn)
        .unwrap();
    let sql = format!(
        "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) \
         VALUES ('bench-customer', 'bench-customer@example.com', 'x', 'Casey', 'customer', \
         '{now}', '{now}');
         INSERT INTO service_requests (id, customer_id, category_id, kind, target_partner_id, \
           description, street, city, postal_code, country, lat, lon, windows, photo_urls, \
           status, match_rounds, assigned_partner_id, created_at, updated_at) \
         SELECT 'req-' || id, 'bench-customer', '{category}', 'profile', id, 'Bench', '1 Main St', \
           'Toronto', 'M5H 2N2', 'CA', 43.65, -79.38, '[]', '[]', 'assigned', 1, id, '{now}', \
           '{now}' FROM users WHERE role = 'partner';
         INSERT INTO jobs (id, request_id, customer_id, partner_id, status, price_cents, currency, \
           started_at, created_at, updated_at, paid_at) \
         SELECT 'job-' || id, 'req-' || id, 'bench-customer', id, 'in_progress', {PRICE}, 'CAD', \
           '{now}', '{now}', '{now}', '{now}' FROM users WHERE role = 'partner';"
    );
    conn.batch_execute(&sql).unwrap();
    let pairs: Vec<(String, String)> = jobs::table
        .select((jobs::id, jobs::partner_id))
        .order(jobs::id)
        .load(&mut conn)
        .unwrap();
    for chunk in pairs.chunks(500) {
        db::write_transaction(&mut conn, |conn: &mut DbConnection| {
            for (job_id, _) in chunk {
                let paid = Posting::new(LedgerKind::Payment, "bench payment")
                    .for_job(job_id)
                    .debit(Account::platform(AccountKind::PlatformCash, "CAD"), PRICE)
                    .credit(Account::held(job_id, "CAD"), PRICE);
                ledger::post(conn, &paid, now)?;
            }
            Ok::<_, porchlight::error::ApiError>(())
        })
        .unwrap();
    }
    conn.batch_execute("ANALYZE").unwrap_or_default();
    pairs
}

/// Runs `work` over `items` from `tasks` concurrent tasks; returns the seconds it took.
async fn in_parallel<T, F>(state: &AppState, items: Vec<T>, tasks: usize, work: F) -> f64
where
    T: Send + 'static,
    F: Fn(&mut DbConnection, T) -> porchlight::error::ApiResult<()> + Send + Sync + 'static,
{
    let queue = Arc::new(std::sync::Mutex::new(items));
    let work = Arc::new(work);
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (queue, work, state) = (Arc::clone(&queue), Arc::clone(&work), state.clone());
            tokio::spawn(async move {
                loop {
                    let Some(item) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let work = Arc::clone(&work);
                    state.write(move |conn| work(conn, item)).await.unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let partners = env_number("PARTNERS", 10_000);
    let tasks = env_number("TASKS", 8);
    seed::on_each_backend(|backend, url| async move {
        // SQLite has one writer at a time: more tasks only queue on its lock.
        let tasks = if backend == "sqlite" { 1 } else { tasks };
        let settings = Settings::from_lookup(|key| match key {
            "DATABASE_URL" => Some(url.clone()),
            "DB_POOL_SIZE" => Some(tasks.to_string()),
            _ => None,
        })
        .unwrap();
        let pool = db::build_pool(&settings).unwrap();
        db::run_migrations(&mut pool.get().unwrap()).unwrap();
        seed::seed(&pool, partners).unwrap();
        let pairs = seed_jobs(&pool);
        let policy = JobPolicy::from(&settings);
        let photos = porchlight::photos::Photos::from_settings(&settings).expect("object store");
        let state = AppState::new(pool.clone(), settings, photos);

        let input = Arc::new(CompleteInput {
            summary: "Done".into(),
            photo_urls: vec![],
            photo_ids: Vec::new(),
        });
        let completed = in_parallel(&state, pairs.clone(), tasks, move |conn, (job, partner)| {
            let actor = Actor::new(partner, Role::Partner);
            let now = db::now();
            lifecycle::complete(conn, &actor, &job, &input, &policy, now).map(|_| ())
        })
        .await;

        let staff = Actor::new("bench-staff".into(), Role::Staff);
        // After the review window.
        let later = db::now() + chrono::Duration::hours(25);
        let batches: Vec<Vec<String>> = pairs
            .chunks(50)
            .map(|chunk| chunk.iter().map(|(job, _)| job.clone()).collect())
            .collect();
        // Staff confirmations are recorded with a staff account.
        {
            let mut conn = pool.get().unwrap();
            conn.batch_execute(&format!(
                "INSERT INTO users (id, email, password_hash, name, role, created_at, updated_at) \
                 VALUES ('bench-staff', 'bench-staff@example.com', 'x', 'Sam', 'staff', \
                 '{later}', '{later}')"
            ))
            .unwrap();
        }
        let confirmed = in_parallel(&state, batches, tasks, move |conn, ids| {
            lifecycle::confirm_many(conn, &staff, &ids, later).map(|_| ())
        })
        .await;

        let started = Instant::now();
        let run = payouts::run(&state, later).await.unwrap();
        let payout_secs = started.elapsed().as_secs_f64();

        let check = state.db(ledger::check).await.unwrap();
        let n = pairs.len();
        #[allow(clippy::cast_precision_loss)]
        let rate = |secs: f64| n as f64 / secs;
        println!(
            "{backend}: {n} partners, {tasks} tasks\n  \
             completion:   {completed:6.2} s  {:7.0} postings/s (one per job; 3 entries each)\n  \
             confirmation: {confirmed:6.2} s  {:7.0} postings/s (batches of 50; 2 entries each)\n  \
             payout run:   {payout_secs:6.2} s  {} payouts, {:?}\n  \
             ledger check: balanced={} ({} transactions, {} entries)",
            rate(completed),
            rate(confirmed),
            run.created,
            run.totals,
            check.balanced,
            check.transactions,
            check.entries,
        );
        assert!(check.balanced, "the books must balance");
        assert_eq!(run.created as usize, n, "one payout per partner");
    })
    .await;
}
