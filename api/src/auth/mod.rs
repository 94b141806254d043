//! Accounts and auth: registration, sessions (JWT access + rotating refresh tokens), verified
//! email and phone, profile, personal API keys, and the extractors that tell handlers who is calling.

mod account_handlers;
pub mod accounts;
pub mod api_keys;
pub mod deletion;
pub mod export;
pub mod extract;
mod handlers;
pub mod messages;
pub mod password;
pub mod password_changes;
pub mod phone;
pub mod scopes;
pub mod sessions;
pub mod suspension;
pub mod tokens;
pub mod verification;

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
        .service(account_handlers::update_profile)
        .service(account_handlers::delete_account)
        .service(account_handlers::export_data)
        .service(account_handlers::list_exports)
        .service(account_handlers::download_export)
        .service(account_handlers::resend_email_verification)
        .service(account_handlers::change_email)
        .service(account_handlers::confirm_email)
        .service(account_handlers::set_phone)
        .service(account_handlers::resend_phone_code)
        .service(account_handlers::confirm_phone)
        .service(account_handlers::remove_phone)
        .service(account_handlers::list_sessions)
        .service(account_handlers::end_all_sessions)
        .service(account_handlers::end_session)
        .service(handlers::create_api_key)
        .service(handlers::list_api_keys)
        .service(handlers::revoke_api_key);
}
