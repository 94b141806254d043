//! A phone photo's upload: `POST /v1/photos` with a JPEG of about 5 MB (4000x3000), timed and
//! with the process's peak memory, beside the bare work it does (decode, turn upright, shrink,
//! re-encode, thumbnail, two puts into a local object store) called directly on the same bytes
//! in the same run.
//!
//! The memory figure is the growth of the process's peak resident set (VmHWM, reset before each
//! phase) over what it held before: the upload is streamed to a temporary file, so the server
//! never holds the file whole; what it does hold is the decoded pixels (4000x3000x3 bytes) and
//! the shrunk copy.
//!
//! `cargo bench -p api --bench photo_upload` (`UPLOADS=10`, SQLite: the database is not what
//! is measured).

use std::io::Cursor;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use porchlight::db::schema::users;
use porchlight::photos::processing;
use porchlight::photos::store::{PhotoStore, Variant};
use shared_types::Client;
use shared_types::auth::{LoginRequest, RegisterRequest, SignupRole};

#[allow(dead_code)]
#[path = "support/seed.rs"]
mod seed;
use seed::{env_number, millis, percentile};

/// A 4000x3000 photo of about 5 MB: smooth light with grain, as a phone's sensor gives.
fn phone_photo() -> Vec<u8> {
    let mut state: u32 = 0x2545_f491;
    let image = RgbImage::from_fn(4000, 3000, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = state % 48;
        let level = |base: u32| u8::try_from((base + grain) % 256).unwrap_or(0);
        Rgb([level(x / 20), level(y / 15), level((x + y) / 40)])
    });
    let mut jpeg = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, 90))
        .expect("encode");
    jpeg
}

/// The process's resident set now and at its peak since the last reset, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak resident set to the current one (Linux: `5` into `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn report(phase: &str, mut times: Vec<Duration>, grown_mib: f64) {
    times.sort();
    println!(
        "{phase:>10}: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms ({} uploads); peak memory +{grown_mib:.0} MiB",
        millis(percentile(&times, 0.50)),
        millis(percentile(&times, 0.99)),
        millis(*times.last().unwrap()),
        times.len(),
    );
}

async fn signed_in_customer(state: &porchlight::state::AppState, base: &str) -> Client {
    let email = format!("uploader-{}@example.com", uuid::Uuid::new_v4().simple());
    let password = "bench password 1234";
    let client = Client::new(base);
    let user = client
        .register(&RegisterRequest {
            email: email.clone(),
            password: password.into(),
            name: "Una Uploader".into(),
            role: SignupRole::Customer,
        })
        .await
        .expect("register");
    let pool = state.pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().unwrap();
        diesel::update(users::table.find(user.id))
            .set(users::email_verified_at.eq(porchlight::db::now()))
            .execute(&mut conn)
            .unwrap();
    })
    .await
    .unwrap();
    let tokens = client
        .login(&LoginRequest {
            email,
            password: password.into(),
        })
        .await
        .expect("login");
    client.with_token(tokens.access_token)
}

#[tokio::main]
async fn main() {
    let uploads = env_number("UPLOADS", 10);
    let photo = phone_photo();
    println!(
        "a 4000x3000 JPEG of {:.1} MB, {uploads} uploads per phase",
        f64::from(u32::try_from(photo.len()).unwrap_or(u32::MAX)) / 1e6
    );
    let dir = tempfile::tempdir().expect("temp dir");

    // The bare work, called directly: the bytes are already in memory.
    let direct_store = PhotoStore::open(&porchlight::config::ObjectStoreUrl::Local(
        dir.path().join("bare"),
    ))
    .expect("store");
    let (before, _) = memory();
    reset_peak();
    let mut direct = Vec::with_capacity(uploads);
    for n in 0..uploads {
        let started = Instant::now();
        let bytes = photo.clone();
        let done = tokio::task::spawn_blocking(move || processing::process(Cursor::new(bytes)))
            .await
            .unwrap()
            .expect("process");
        let id = format!("bare-{n}");
        direct_store
            .put(&id, Variant::Full, done.full)
            .await
            .unwrap();
        direct_store
            .put(&id, Variant::Thumb, done.thumb)
            .await
            .unwrap();
        direct.push(started.elapsed());
    }
    let (_, peak) = memory();
    let bare_p50 = {
        let mut sorted = direct.clone();
        sorted.sort();
        percentile(&sorted, 0.5)
    };
    report("bare", direct, peak - before);

    let (state, base) = seed::start_app(
        &format!("sqlite://{}", dir.path().join("bench.db").display()),
        &[
            (
                "OBJECT_STORE_URL",
                format!("file://{}", dir.path().join("objects").display()),
            ),
            ("RATE_LIMIT_PER_MINUTE", "0".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
        ],
    );
    let customer = signed_in_customer(&state, &base).await;
    let (before, _) = memory();
    reset_peak();
    let mut api = Vec::with_capacity(uploads);
    for _ in 0..uploads {
        let started = Instant::now();
        customer
            .upload_photo(photo.clone(), "image/jpeg")
            .await
            .expect("upload");
        api.push(started.elapsed());
    }
    let (_, peak) = memory();
    let api_p50 = {
        let mut sorted = api.clone();
        sorted.sort();
        percentile(&sorted, 0.5)
    };
    report("API", api, peak - before);
    println!(
        "API / bare at p50: {:.2}x",
        api_p50.as_secs_f64() / bare_p50.as_secs_f64()
    );
}
