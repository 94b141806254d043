//! Starts the app on a platform:
//! - `--features desktop` (or `mobile`, through `dx` for Android/iOS): a native webview window;
//! - `--features liveview`: served to a browser at `PORCHLIGHT_APP_ADDR` (default
//!   `127.0.0.1:8090`).
//!
//! `PORCHLIGHT_API_URL` (at start, else as built, else `http://127.0.0.1:8080`) is the API; times show in
//! `PORCHLIGHT_TIME_ZONE` (an IANA name, default `TZ`, else UTC) until a pro's profile sets it.

use chrono_tz::Tz;

/// The API: `PORCHLIGHT_API_URL` when the app starts, else the one it was built with (a phone
/// has no environment), else the local development server.
fn api_url() -> String {
    std::env::var("PORCHLIGHT_API_URL")
        .ok()
        .or_else(|| option_env!("PORCHLIGHT_API_URL").map(str::to_owned))
        .unwrap_or_else(|| "http://127.0.0.1:8080".into())
}

fn time_zone() -> Tz {
    ["PORCHLIGHT_TIME_ZONE", "TZ"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
        .unwrap_or(Tz::UTC)
}

#[cfg(any(feature = "desktop", feature = "mobile"))]
fn main() {
    use porchlight_app::state::Session;
    let session = Session::new(&api_url(), time_zone());
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
    porchlight_app::liveview::serve(listener, &api_url(), time_zone()).await
}

#[cfg(not(any(feature = "desktop", feature = "mobile", feature = "liveview")))]
fn main() {
    eprintln!(
        "Porchlight app {}: choose a platform, e.g. `cargo run -p mobile-app --features liveview` \
         (browser), `--features desktop` (needs webkit2gtk), or `dx serve --platform android` \
         (see the README). API: {}, time zone: {}",
        env!("CARGO_PKG_VERSION"),
        api_url(),
        time_zone()
    );
    std::process::exit(2);
}
