//! Serves the app to a browser over a websocket (dioxus-liveview on axum): the same components
//! as the phone, each browser tab with its own session. Used for demos and for the screenshots.

use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::response::Html;
use axum::routing::get;
use chrono_tz::Tz;
use dioxus::prelude::VirtualDom;
use dioxus_liveview::{LiveViewPool, axum_socket, interpreter_glue};

use crate::state::Session;
use crate::ui::App;

/// The routes: `/` (the page, phone-sized; also at the paths of account emails' links,
/// `/verify-email` and `/reset-password`, and at `/jobs/{id}`, where the payment page sends
/// the customer back) and `/ws` (the live connection). Times show in
/// `zone` when configured, else in each browser's own zone.
pub fn router(api_url: &str, zone: Option<Tz>) -> Router {
    let pool = LiveViewPool::new();
    let api_url = api_url.to_owned();
    let page = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Porchlight</title>
</head>
<body><div id="main"></div>{}</body>
</html>"#,
        interpreter_glue("/ws")
    );
    let serve_page = move || {
        let page = page.clone();
        async move { Html(page) }
    };
    // The paths of account emails' links open the same page, which reads its own location.
    Router::new()
        .route("/", get(serve_page.clone()))
        .route("/verify-email", get(serve_page.clone()))
        .route("/reset-password", get(serve_page.clone()))
        // Where the payment page sends the customer back (`APP_LINK_BASE_URL/jobs/{id}`).
        .route("/jobs/{id}", get(serve_page))
        .route(
            "/ws",
            get(move |ws: WebSocketUpgrade| async move {
                ws.on_upgrade(move |socket| async move {
                    let session = Session::new(&api_url, zone.unwrap_or(Tz::UTC));
                    if let Some(zone) = zone {
                        session.pin_time_zone(zone);
                    }
                    let launched = pool
                        .launch_virtualdom(axum_socket(socket), move || {
                            VirtualDom::new(App).with_root_context(session)
                        })
                        .await;
                    if let Err(error) = launched {
                        tracing::debug!(?error, "a liveview session ended");
                    }
                })
            }),
        )
}

/// Serves until the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    api_url: &str,
    zone: Option<Tz>,
) -> std::io::Result<()> {
    axum::serve(listener, router(api_url, zone)).await
}
