//! What the benchmarks share: 100 000 partners around 20 North American cities, and percentiles.

use std::time::Duration;

use std::future::Future;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use porchlight::Application;
use porchlight::config::Settings;
use porchlight::db::schema::{partner_area_cells, partner_categories, partner_profiles, users};
use porchlight::db::{self, DbPool};
use porchlight::partners::geo::{self, Point};
use porchlight::state::AppState;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared_types::partners::{MembershipTier, PartnerStatus};

pub const CITIES: [(f64, f64); 20] = [
    (43.65, -79.38),
    (45.50, -73.57),
    (49.28, -123.12),
    (51.05, -114.07),
    (53.55, -113.49),
    (45.42, -75.70),
    (49.90, -97.14),
    (46.81, -71.21),
    (43.26, -79.87),
    (44.65, -63.57),
    (40.71, -74.01),
    (41.88, -87.63),
    (42.36, -71.06),
    (47.61, -122.33),
    (39.95, -75.17),
    (42.33, -83.05),
    (44.98, -93.27),
    (38.91, -77.04),
    (45.52, -122.68),
    (43.05, -87.91),
];
pub const SLUGS: [&str; 10] = [
    "plumbing",
    "electrical",
    "cleaning",
    "handyman",
    "painting",
    "hvac",
    "landscaping",
    "moving",
    "roofing",
    "appliance-repair",
];

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn near_a_city(rng: &mut StdRng, spread_degrees: f64) -> Point {
    let (lat, lon) = CITIES[rng.random_range(0..CITIES.len())];
    Point {
        lat: lat + rng.random_range(-spread_degrees..spread_degrees),
        lon: lon + rng.random_range(-spread_degrees..spread_degrees),
    }
}

/// Inserts `count` partners (accounts, profiles, categories, area cells) in batches, spread
/// around the cities with one to three categories each.
pub fn seed(pool: &DbPool, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    seed_partners(pool, 0..count, |rng| {
        let center = near_a_city(rng, 1.0);
        let radius: f64 = rng.random_range(5.0..60.0);
        let first = rng.random_range(0..SLUGS.len());
        let slugs = (0..rng.random_range(1..=3))
            .map(|k| (first + k) % SLUGS.len())
            .collect();
        (center, radius, slugs)
    })
}

/// Where a seeded partner works: centre, radius in km, and indexes into [`SLUGS`].
pub type Placement = (Point, f64, Vec<usize>);

/// Inserts partners numbered `numbers` (their emails are `bench-partner-{n}@example.com`), each
/// placed by `place`.
pub fn seed_partners(
    pool: &DbPool,
    numbers: std::ops::Range<usize>,
    mut place: impl FnMut(&mut StdRng) -> Placement,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = pool.get()?;
    let category_ids: Vec<String> = {
        use diesel::prelude::*;
        use porchlight::db::schema::categories;
        let mut ids = Vec::new();
        for slug in SLUGS {
            ids.push(
                categories::table
                    .filter(categories::slug.eq(slug))
                    .select(categories::id)
                    .first::<String>(&mut conn)?,
            );
        }
        ids
    };
    let mut rng = StdRng::seed_from_u64(7 + u64::try_from(numbers.start).unwrap_or(0));
    let now = db::now();
    // Every partner works every day, 07:00-19:00 Toronto time.
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let weekly: Vec<String> = days
        .iter()
        .map(|d| format!(r#"{{"weekday":"{d}","start":"07:00","end":"19:00"}}"#))
        .collect();
    let availability = format!(
        r#"{{"time_zone":"America/Toronto","weekly":[{}],"days_off":[]}}"#,
        weekly.join(",")
    );
    for batch_start in numbers.clone().step_by(1000) {
        let batch = (batch_start..numbers.end.min(batch_start + 1000)).collect::<Vec<_>>();
        let mut user_rows = Vec::new();
        let mut profile_rows = Vec::new();
        let mut category_rows = Vec::new();
        let mut cell_rows = Vec::new();
        for n in batch {
            use diesel::ExpressionMethods;
            let id = db::new_id();
            let (center, radius, slugs) = place(&mut rng);
            let bbox = geo::bounding_box(center, radius);
            user_rows.push((
                users::id.eq(id.clone()),
                users::email.eq(format!("bench-partner-{n}@example.com")),
                users::password_hash.eq("$argon2id$v=19$m=19456,t=2,p=1$bench$bench"),
                users::name.eq(format!("Partner {n}")),
                users::role.eq("partner"),
                // Only pros who confirmed their email address are searched and matched.
                users::email_verified_at.eq(Some(now)),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ));
            profile_rows.push(porchlight::partners::profiles::PartnerRow {
                user_id: id.clone(),
                business_name: format!("Business {n}"),
                description: String::new(),
                phone: None,
                website: None,
                city: "Bench".into(),
                area_place: None,
                center_lat: center.lat,
                center_lon: center.lon,
                radius_km: radius,
                min_lat: bbox.min_lat,
                max_lat: bbox.max_lat,
                min_lon: bbox.min_lon,
                max_lon: bbox.max_lon,
                tier: MembershipTier::BrandBuilder,
                status: PartnerStatus::Active,
                accepting_leads: true,
                availability: availability.clone(),
                star_score: rng.random_bool(0.8).then(|| rng.random_range(60.0..100.0)),
                review_count: 0,
                average_stars: None,
                created_at: now,
                updated_at: now,
            });
            let cells = geo::cells_covering(&bbox);
            for slug in slugs {
                let category_id = &category_ids[slug];
                category_rows.push((
                    partner_categories::partner_id.eq(id.clone()),
                    partner_categories::category_id.eq(category_id.clone()),
                ));
                for cell in &cells {
                    cell_rows.push((
                        partner_area_cells::cell.eq(*cell),
                        partner_area_cells::category_id.eq(category_id.clone()),
                        partner_area_cells::partner_id.eq(id.clone()),
                    ));
                }
            }
        }
        db::write_transaction(&mut conn, |conn| {
            porchlight::batch_insert!(conn, users::table, &user_rows)?;
            for chunk in profile_rows.chunks(500) {
                porchlight::batch_insert!(conn, partner_profiles::table, chunk.to_vec())?;
            }
            porchlight::batch_insert!(conn, partner_categories::table, &category_rows)?;
            for chunk in cell_rows.chunks(3000) {
                porchlight::batch_insert!(conn, partner_area_cells::table, chunk)?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    // Fresh planner statistics, as a production database would have.
    conn.batch_execute("ANALYZE")?;
    Ok(())
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Runs `bench` on a temporary SQLite database, then on a temporary PostgreSQL database created
/// from `BENCH_DATABASE_URL` (a server database we may create databases from) when it is set.
pub async fn on_each_backend<F, Fut>(mut bench: F)
where
    F: FnMut(&'static str, String) -> Fut,
    Fut: Future<Output = ()>,
{
    // `BENCH_BACKENDS=postgres` (or `sqlite`) runs one of the two.
    let only = std::env::var("BENCH_BACKENDS").unwrap_or_default();
    let runs = |backend: &str| only.is_empty() || only.split(',').any(|b| b.trim() == backend);
    let dir = tempfile::tempdir().expect("temp dir");
    if runs("sqlite") {
        bench(
            "sqlite",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        )
        .await;
    }
    if !runs("postgres") {
        return;
    }

    let Ok(admin_url) = std::env::var("BENCH_DATABASE_URL") else {
        println!("postgres: skipped (set BENCH_DATABASE_URL to run it)");
        return;
    };
    let name = format!("porchlight_bench_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::establish(&admin_url).expect("BENCH_DATABASE_URL");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    // The same server and parameters (`?sslmode=disable`), another database.
    let (server, parameters) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let base = server.rsplit_once('/').expect("a database path").0;
    let url = if parameters.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{parameters}")
    };
    bench("postgres", url).await;
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .expect("drop database");
}

/// Starts the service on `database_url` with `settings` (the rest at their defaults, a fixed
/// JWT secret); returns its state and base URL.
pub fn start_app(database_url: &str, settings: &[(&str, String)]) -> (AppState, String) {
    let settings = Settings::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.to_owned()),
        "JWT_SECRET" => Some("bench-secret-bench-secret-bench-secret-0000".to_owned()),
        _ => settings
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| value.clone()),
    })
    .expect("settings");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build_with_listener(settings, listener).expect("app");
    let state = app.state().clone();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    (state, base)
}
