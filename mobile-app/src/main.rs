//! Starts the app on a platform:
//! - `--features desktop` (or `mobile`, through `dx` for Android/iOS): a native webview window;
//! - `--features liveview`: served to a browser at `PORCHLIGHT_APP_ADDR` (default
//!   `127.0.0.1:8090`).
//!
//! `PORCHLIGHT_API_URL` (at start, else as built, else `http://127.0.0.1:8080`) is the API. Times
//! show in the device's zone (the browser's in the liveview build), in a pro's working zone once
//! their profile sets it, or in `PORCHLIGHT_TIME_ZONE` (an IANA name) when that is set.

#[cfg(any(feature = "desktop", feature = "mobile", feature = "liveview"))]
use chrono_tz::Tz;

/// The API: `PORCHLIGHT_API_URL` when the app starts, else the one it was built with (a phone
/// has no environment), else the local development server.
fn api_url() -> String {
    std::env::var("PORCHLIGHT_API_URL")
        .ok()
        .or_else(|| option_env!("PORCHLIGHT_API_URL").map(str::to_owned))
        .unwrap_or_else(|| "http://127.0.0.1:8080".into())
}

/// `PORCHLIGHT_TIME_ZONE`, when set: every time shows in it, whatever the device's zone.
#[cfg(any(feature = "desktop", feature = "mobile", feature = "liveview"))]
fn configured_time_zone() -> Option<Tz> {
    std::env::var("PORCHLIGHT_TIME_ZONE").ok()?.parse().ok()
}

/// The device's zone: `TZ`, else the system's (Android, iOS, desktop), else UTC.
#[cfg(any(feature = "desktop", feature = "mobile"))]
fn device_time_zone() -> Tz {
    std::env::var("TZ")
        .ok()
        .or_else(|| iana_time_zone::get_timezone().ok())
        .and_then(|name| name.parse().ok())
        .unwrap_or(Tz::UTC)
}

#[cfg(any(feature = "desktop", feature = "mobile"))]
fn main() {
    use porchlight_app::state::Session;
    let session = Session::new(&api_url(), device_time_zone());
    if let Some(zone) = configured_time_zone() {
        session.pin_time_zone(zone);
    }
    dioxus::LaunchBuilder::new()
        .with_context(session)
        .launch(porchlight_app::ui::App);
}

#[cfg(all(
    feature = "liveview",
    not(any(feature = "desktop", feature = "mobile"))
))]
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::var("PORCHLIGHT_APP_ADDR").unwrap_or_else(|_| "127.0.0.1:8090".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Porchlight app on http://{addr} (API {})", api_url());
    porchlight_app::liveview::serve(listener, &api_url(), configured_time_zone()).await
}

#[cfg(not(any(feature = "desktop", feature = "mobile", feature = "liveview")))]
fn main() {
    eprintln!(
        "Porchlight app {}: choose a platform, e.g. `cargo run -p mobile-app --features liveview` \
         (browser), `--features desktop` (needs webkit2gtk), or `dx serve --platform android` \
         (see the README). API: {}",
        env!("CARGO_PKG_VERSION"),
        api_url(),
    );
    std::process::exit(2);
}
