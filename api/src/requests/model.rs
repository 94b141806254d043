//! Rows of service requests and lead offers, and the views made of them. The partner-facing view
//! (`Lead`) is built here and only here, from fields that cannot identify the homeowner.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::partners::{Category, Money};
use shared_types::ratings::RatingSummary;
use shared_types::requests::{
    Address, ApplyInput, Lead, MatchReason, OfferStatus, RequestKind, RequestStatus, TimeWindow,
};

use crate::db::schema::{lead_offers, service_requests};
use crate::db::text_enum::Stored;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_requests)]
pub struct RequestRow {
    pub id: String,
    pub customer_id: String,
    pub category_id: String,
    #[diesel(deserialize_as = Stored<RequestKind>, serialize_as = Stored<RequestKind>)]
    pub kind: RequestKind,
    pub target_partner_id: Option<String>,
    pub description: String,
    pub street: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    pub windows: String,
    pub budget_cents: Option<i64>,
    pub budget_currency: Option<String>,
    pub photo_urls: String,
    pub contact_phone: Option<String>,
    #[diesel(deserialize_as = Stored<RequestStatus>, serialize_as = Stored<RequestStatus>)]
    pub status: RequestStatus,
    pub match_rounds: i32,
    pub assigned_partner_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The IANA zone the customer chose the windows in.
    pub time_zone: String,
    /// A wider search: how far beyond their own area a pro may be and still be asked.
    pub extra_reach_km: f64,
}

impl RequestRow {
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    pub fn status(&self) -> RequestStatus {
        self.status
    }

    pub fn windows(&self) -> Vec<TimeWindow> {
        serde_json::from_str(&self.windows).unwrap_or_default()
    }

    pub fn photo_urls(&self) -> Vec<String> {
        serde_json::from_str(&self.photo_urls).unwrap_or_default()
    }

    pub fn budget(&self) -> Option<Money> {
        Some(Money {
            amount_cents: self.budget_cents?,
            currency: self.budget_currency.clone()?,
        })
    }

    pub fn address(&self) -> Address {
        Address {
            street: self.street.clone(),
            city: self.city.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
            lat: self.lat,
            lon: self.lon,
        }
    }

    /// The first three characters of the postal code: an area, not an address.
    pub fn postal_prefix(&self) -> String {
        self.postal_code
            .chars()
            .filter(|c| !c.is_whitespace())
            .take(3)
            .collect::<String>()
            .to_uppercase()
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lead_offers)]
pub struct OfferRow {
    pub id: String,
    pub request_id: String,
    pub partner_id: String,
    #[diesel(deserialize_as = Stored<OfferStatus>, serialize_as = Stored<OfferStatus>)]
    pub status: OfferStatus,
    pub distance_km: f64,
    pub window_start: Option<NaiveDateTime>,
    pub window_end: Option<NaiveDateTime>,
    pub star_score: Option<f64>,
    pub offered_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub message: Option<String>,
    pub quote_cents: Option<i64>,
    pub quote_currency: Option<String>,
    pub decline_reason: Option<String>,
    /// The platform fee when the offer was made, in basis points.
    pub fee_bps: i32,
}

impl OfferRow {
    pub fn status(&self) -> OfferStatus {
        self.status
    }

    pub fn quote(&self) -> Option<Money> {
        Some(Money {
            amount_cents: self.quote_cents?,
            currency: self.quote_currency.clone()?,
        })
    }

    pub fn application(&self) -> Option<ApplyInput> {
        Some(ApplyInput {
            message: self.message.clone()?,
            quote: self.quote()?.into(),
        })
    }

    /// The customer's window that matching found in the pro's hours.
    pub fn window(&self) -> Option<TimeWindow> {
        Some(TimeWindow {
            start: self.window_start?.and_utc(),
            end: self.window_end?.and_utc(),
        })
    }

    /// The offer as its pro sees it. Takes the request, but copies from it only what does not
    /// identify the homeowner: never the customer, street, exact position or phone.
    pub fn to_lead(
        &self,
        request: &RequestRow,
        category: Category,
        offered_to: i64,
        customer_rating: RatingSummary,
        job_id: Option<String>,
        photo_count: u32,
    ) -> Lead {
        let fee_bps = u32::try_from(self.fee_bps).unwrap_or_default();
        Lead {
            id: self.id.clone(),
            request_id: self.request_id.clone(),
            kind: request.kind(),
            status: self.status(),
            assignment_mode: category.assignment_mode,
            earnings: category.list_price.as_ref().map(|price| Money {
                amount_cents: price.amount_cents
                    - shared_types::admin::platform_fee_cents(price.amount_cents, fee_bps),
                currency: price.currency.clone(),
            }),
            category,
            description: request.description.clone(),
            photo_urls: request.photo_urls(),
            photo_count,
            windows: request.windows(),
            time_zone: request.time_zone.clone(),
            budget: request.budget(),
            platform_fee_bps: fee_bps,
            city: request.city.clone(),
            postal_prefix: request.postal_prefix(),
            why: MatchReason {
                distance_km: (self.distance_km * 10.0).round() / 10.0,
                window: self.window(),
                star_score: self.star_score,
            },
            offered_to,
            customer_rating,
            expires_at: self.expires_at.and_utc(),
            application: self.application(),
            job_id,
        }
    }
}

/// Offers a pro may still act on.
pub const ACTIVE_OFFER_STATUSES: [&str; 2] = ["offered", "applied"];
