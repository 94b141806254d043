//! Service requests and leads: a homeowner asks, matching offers the lead to the right pros,
//! one of them takes it (instant categories) or staff pick an applicant (review categories).

pub mod assignment;
pub mod cards;
mod handlers;
pub mod intake;
pub mod leads;
pub mod matching;
pub mod model;
pub mod race;
pub mod sweep;

use std::time::Duration;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::Settings;

/// How leads are offered (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct LeadPolicy {
    pub offer_ttl: Duration,
    pub offers_per_round: usize,
    pub max_rounds: i32,
    /// The platform fee, in basis points, recorded on each offer so that its lead shows the pro
    /// what they would receive.
    pub platform_fee_bps: u32,
}

impl From<&Settings> for LeadPolicy {
    fn from(settings: &Settings) -> Self {
        Self {
            offer_ttl: settings.lead_offer_ttl,
            offers_per_round: settings.lead_offers_per_round as usize,
            max_rounds: i32::try_from(settings.max_match_rounds).unwrap_or(3),
            platform_fee_bps: settings.platform_fee_bps,
        }
    }
}

impl LeadPolicy {
    /// When a marketplace offer made at `now` expires.
    pub fn offer_expiry(&self, now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        now + chrono::Duration::from_std(self.offer_ttl)
            .unwrap_or_else(|_| chrono::Duration::minutes(30))
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::create_request)
        .service(handlers::list_requests)
        .service(handlers::get_request)
        .service(handlers::cancel_request)
        .service(handlers::rematch_request)
        .service(handlers::list_leads)
        .service(handlers::get_lead)
        .service(handlers::confirm_lead)
        .service(handlers::apply_lead)
        .service(handlers::decline_lead)
        .service(handlers::awaiting_assignment)
        .service(handlers::list_applications)
        .service(handlers::assign_request);
}
