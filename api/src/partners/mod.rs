//! Partners: the service catalogue, business profiles with service areas and weekly hours, the
//! public profile and search, connections analytics, and staff management of partners.

pub mod availability;
pub mod catalogue;
pub mod connections;
pub mod geo;
mod handlers;
pub mod profiles;
pub mod search;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_categories)
        .service(handlers::admin_list_categories)
        .service(handlers::create_category)
        .service(handlers::update_category)
        // `/partners/me…` before `/partners/{id}`, which would otherwise take "me" for an id.
        .service(handlers::my_profile)
        .service(handlers::put_my_profile)
        .service(handlers::put_my_availability)
        .service(handlers::my_connections)
        .service(handlers::search_partners)
        .service(handlers::public_profile)
        .service(handlers::contact_click)
        .service(handlers::list_partners)
        .service(handlers::admin_get_partner)
        .service(handlers::update_partner);
}
