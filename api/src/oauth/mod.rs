//! OAuth 2.1 for third-party apps: a developer registers an app, a user allows it on the consent
//! page (authorization code with PKCE, S256 only), and the app acts for the user with access
//! tokens limited to the scopes granted (the API-key scopes, never more than the user's role
//! has). Refresh tokens rotate on every use; presenting a used one again revokes its family.
//!
//! - `apps`: registration and client authentication;
//! - `grants`: what users allowed, codes and tokens (all in the database, stored hashed);
//! - `consent`: the server-rendered page at `/oauth/authorize`;
//! - `protocol`: `/oauth/token`, `/oauth/introspect`, `/oauth/revoke` (RFC 6749, 7662, 7009)
//!   and the metadata at `/.well-known/oauth-authorization-server` (RFC 8414);
//! - `handlers`: the JSON API (`/v1/oauth/apps`, `/v1/me/connected-apps`).

pub mod apps;
mod consent;
pub mod grants;
mod handlers;
mod protocol;

pub use protocol::authenticating_client;

use actix_web::web;
use shared_types::auth::Scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub use crate::auth::scopes::{scope_text, stored_scopes};

/// Access tokens start with this (the auth extractor tells them from keys and JWTs by it).
pub const ACCESS_TOKEN_PREFIX: &str = "pla_";
/// Refresh tokens start with this.
pub const REFRESH_TOKEN_PREFIX: &str = "plor_";
/// Client secrets start with this.
pub const CLIENT_SECRET_PREFIX: &str = "plcs_";

/// The JSON API, under `/v1`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::register_app)
        .service(handlers::list_apps)
        .service(handlers::delete_app)
        .service(handlers::list_connected_apps)
        .service(handlers::disconnect_app);
}

/// The protocol endpoints, outside `/v1` (their paths are what the metadata says, not part of
/// the versioned API).
pub fn protocol_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/oauth/authorize")
            .route(web::get().to(consent::show))
            .route(web::post().to(consent::decide)),
    )
    .route("/oauth/token", web::post().to(protocol::token))
    .route("/oauth/introspect", web::post().to(protocol::introspect))
    .route("/oauth/revoke", web::post().to(protocol::revoke))
    .route(
        "/.well-known/oauth-authorization-server",
        web::get().to(protocol::metadata),
    );
}

/// A `scope` parameter: every word a known scope, or the first one that is not.
pub fn requested_scopes(text: &str) -> Result<Vec<Scope>, String> {
    let mut scopes = Vec::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        scopes.push(Scope::parse(word).ok_or_else(|| word.to_owned())?);
    }
    scopes.sort();
    scopes.dedup();
    Ok(scopes)
}
