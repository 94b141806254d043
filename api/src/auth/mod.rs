//! Accounts and auth: registration, sessions (JWT access + rotating refresh tokens), personal API
//! keys, and the extractors that tell handlers who is calling.

pub mod accounts;
pub mod api_keys;
pub mod extract;
mod handlers;
pub mod password;
pub mod password_changes;
pub mod sessions;
pub mod suspension;
pub mod tokens;

pub use extract::{AuthUser, Credential, RequireRole, roles};
use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::register)
        .service(handlers::login)
        .service(handlers::refresh)
        .service(handlers::logout)
        .service(handlers::me)
        .service(handlers::change_password)
        .service(handlers::request_password_reset)
        .service(handlers::confirm_password_reset)
        .service(handlers::create_api_key)
        .service(handlers::list_api_keys)
        .service(handlers::revoke_api_key);
}
