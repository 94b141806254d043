//! The customer's side: asking for work, following it, cancelling it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::partners::{ConnectionKind, PartnerStatus};
use shared_types::requests::{
    Address, RematchInput, RequestKind, RequestStatus, ServiceRequest, ServiceRequestInput,
    TimeWindow,
};
use shared_types::requests::{MAX_EXTRA_REACH_KM, OfferStatus};
use shared_types::{ErrorCode, Page, PageParams};

use super::LeadPolicy;
use super::cards::{self, Affected};
use super::matching::create_offer;
use super::model::RequestRow;
use super::sweep;
use crate::auth::{accounts, verification};
use crate::db::schema::{jobs, lead_offers, partner_categories, service_requests};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::partners::connections::{self, Source};
use crate::partners::geo::{self, Point};
use crate::partners::{catalogue, profiles};
use crate::photos::AttachedTo;
use crate::photos::model as photos;

/// Records the request and sends its first offers: to the one pro of a profile lead, or to the
/// best matches of a marketplace lead. Run inside a write transaction.
pub fn create(
    conn: &mut DbConnection,
    customer_id: &str,
    input: &ServiceRequestInput,
    address: &Address,
    policy: LeadPolicy,
    now: NaiveDateTime,
) -> ApiResult<ServiceRequest> {
    // Takes turns with the account's deletion (which withdraws open requests).
    accounts::lock(conn, customer_id)?;
    verification::require_verified_email(conn, customer_id)?;
    let category = catalogue::by_slug(conn, &input.category)?
        .filter(|c| c.active)
        .ok_or_else(|| ApiError::invalid_field("category", "unknown category"))?;
    let target = match &input.partner_id {
        None => None,
        Some(partner_id) => {
            let partner = profiles::find(conn, partner_id)?
                .filter(|p| p.status() == PartnerStatus::Active)
                .ok_or_else(|| ApiError::invalid_field("partner_id", "no such pro"))?;
            if verification::require_verified_email(conn, partner_id).is_err() {
                return Err(ApiError::invalid_field(
                    "partner_id",
                    "this pro cannot take requests yet",
                ));
            }
            let serves = partner_categories::table
                .filter(partner_categories::partner_id.eq(partner_id))
                .filter(partner_categories::category_id.eq(&category.id))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if !serves {
                return Err(ApiError::invalid_field(
                    "partner_id",
                    format!("this pro does not offer {}", category.name),
                ));
            }
            Some(partner)
        }
    };
    let row = RequestRow {
        id: db::new_id(),
        customer_id: customer_id.to_owned(),
        category_id: category.id.clone(),
        kind: if target.is_some() {
            RequestKind::Profile
        } else {
            RequestKind::Marketplace
        },
        target_partner_id: input.partner_id.clone(),
        description: input.description.trim().to_owned(),
        street: address.street.trim().to_owned(),
        city: address.city.trim().to_owned(),
        postal_code: address.postal_code.trim().to_owned(),
        country: address.country.to_uppercase(),
        lat: address.lat,
        lon: address.lon,
        windows: serde_json::to_string(&input.windows).map_err(ApiError::internal)?,
        budget_cents: input.budget.as_ref().map(|b| b.amount_cents),
        budget_currency: input.budget.as_ref().map(|b| b.currency.clone()),
        photo_urls: serde_json::to_string(&input.photo_urls).map_err(ApiError::internal)?,
        contact_phone: input.contact_phone.clone(),
        status: RequestStatus::Open,
        match_rounds: 0,
        assigned_partner_id: None,
        created_at: now,
        updated_at: now,
        time_zone: input.time_zone().to_owned(),
        extra_reach_km: 0.0,
    };
    diesel::insert_into(service_requests::table)
        .values(row.clone())
        .execute(conn)?;
    // Before any offer: the leads' cards show how many photos there are.
    photos::attach(
        conn,
        customer_id,
        &input.photo_ids,
        AttachedTo::Request,
        &row.id,
        now,
    )?;

    match target {
        Some(partner) => {
            let distance = geo::distance_km(
                partner.center(),
                Point {
                    lat: row.lat,
                    lon: row.lon,
                },
            );
            create_offer(
                conn,
                &row,
                &partner.user_id,
                (distance, None, partner.star_score),
                profile_lead_expiry(&input.windows, now, policy.offer_expiry(now)),
                policy.platform_fee_bps,
                now,
            )?;
            // A customer asking from the profile is a connection, answered or not (002).
            connections::record_connection(
                conn,
                &partner.user_id,
                ConnectionKind::ProfileLead,
                Source {
                    viewer_key: Some(customer_id),
                    request_id: Some(&row.id),
                },
                now,
            )?;
            diesel::update(service_requests::table.find(&row.id))
                .set(service_requests::match_rounds.eq(1))
                .execute(conn)?;
        }
        None => {
            sweep::offer_round_or_give_up(conn, &row, policy, now)?;
        }
    }
    let stored = find(conn, &row.id)?;
    customer_view(conn, &stored)
}

pub fn find(conn: &mut DbConnection, request_id: &str) -> ApiResult<RequestRow> {
    service_requests::table
        .find(request_id)
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("request"))
}

/// The customer's own request; anyone else's is "not found".
pub fn find_own(
    conn: &mut DbConnection,
    customer_id: &str,
    request_id: &str,
) -> ApiResult<RequestRow> {
    let row = find(conn, request_id)?;
    if row.customer_id != customer_id {
        return Err(ApiError::not_found("request"));
    }
    Ok(row)
}

/// The request as its customer sees it.
pub fn customer_view(conn: &mut DbConnection, row: &RequestRow) -> ApiResult<ServiceRequest> {
    let category = catalogue::by_id(conn, &row.category_id)?;
    let offers_sent: i64 = lead_offers::table
        .filter(lead_offers::request_id.eq(&row.id))
        .count()
        .get_result(conn)?;
    let (assigned_partner, job_id) = match &row.assigned_partner_id {
        Some(partner_id) => {
            let partner = profiles::find(conn, partner_id)?;
            let public = match partner {
                Some(partner) => profiles::public_views(conn, &[partner])?.pop(),
                None => None,
            };
            let job: Option<String> = jobs::table
                .filter(jobs::request_id.eq(&row.id))
                .order(jobs::id.desc())
                .select(jobs::id)
                .first(conn)
                .optional()?;
            (public, job)
        }
        None => (None, None),
    };
    Ok(ServiceRequest {
        id: row.id.clone(),
        kind: row.kind(),
        category: category.to_view(),
        description: row.description.clone(),
        address: row.address(),
        windows: row.windows(),
        time_zone: row.time_zone.clone(),
        budget: row.budget(),
        photo_urls: row.photo_urls(),
        photo_count: photos::count(conn, AttachedTo::Request, &row.id)?,
        contact_phone: row.contact_phone.clone(),
        status: row.status(),
        offers_sent,
        assigned_partner,
        job_id,
        created_at: row.created_at.and_utc(),
    })
}

/// The customer's requests, newest first.
pub fn list_own(
    conn: &mut DbConnection,
    customer_id: &str,
    page: &PageParams,
) -> ApiResult<Page<ServiceRequest>> {
    let limit = i64::from(page.limit());
    let mut query = service_requests::table
        .filter(service_requests::customer_id.eq(customer_id))
        .select(RequestRow::as_select())
        .order(service_requests::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(service_requests::id.lt(cursor));
    }
    let rows: Vec<RequestRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    let items = rows
        .iter()
        .map(|row| customer_view(conn, row))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page { items, next_cursor })
}

/// A cancelled job closes its request: `pro_cancelled` (the customer may have it offered again)
/// or `cancelled`. The jobs area's one way to change a request.
pub fn close_after_cancellation(
    conn: &mut DbConnection,
    request_id: &str,
    status: RequestStatus,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(service_requests::table.find(request_id))
        .set((
            service_requests::status.eq(Stored(status)),
            service_requests::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Withdraws an open or unfilled request (no penalty before assignment); its offers are
/// withdrawn.
pub fn cancel(
    conn: &mut DbConnection,
    customer_id: &str,
    request_id: &str,
    now: NaiveDateTime,
) -> ApiResult<ServiceRequest> {
    let row = find_own(conn, customer_id, request_id)?;
    let cancelled = diesel::update(
        service_requests::table
            .filter(service_requests::id.eq(request_id))
            .filter(service_requests::status.eq_any([
                RequestStatus::Open.as_str(),
                RequestStatus::Unfilled.as_str(),
            ])),
    )
    .set((
        service_requests::status.eq(Stored(RequestStatus::Cancelled)),
        service_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if cancelled == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "the request is {} and can no longer be cancelled here",
                row.status.as_str()
            ),
        ));
    }
    super::leads::close_active_offers(
        conn,
        request_id,
        None,
        OfferStatus::Withdrawn,
        EventData::LeadWithdrawn,
        now,
    )?;
    let stored = find(conn, request_id)?;
    customer_view(conn, &stored)
}

/// After the assigned pro cancelled, or when no pro took the request, looks again: the request is
/// offered to the best matching pros (as a marketplace lead, whatever it was), with new windows
/// if given, and farther afield if asked (`extra_km`). The pros it was already offered to, including one who cancelled, are not asked
/// again. Run inside a write transaction.
pub fn rematch(
    conn: &mut DbConnection,
    customer_id: &str,
    request_id: &str,
    input: &RematchInput,
    policy: LeadPolicy,
    now: NaiveDateTime,
) -> ApiResult<ServiceRequest> {
    let row = find_own(conn, customer_id, request_id)?;
    let windows = match &input.windows {
        Some(windows) => serde_json::to_string(windows).map_err(ApiError::internal)?,
        None => row.windows.clone(),
    };
    let extra_reach_km = input.extra_km.map_or(row.extra_reach_km, |km| {
        f64::from(km.min(MAX_EXTRA_REACH_KM))
    });
    let reopened = diesel::update(
        service_requests::table
            .filter(service_requests::id.eq(request_id))
            .filter(service_requests::status.eq_any([
                RequestStatus::ProCancelled.as_str(),
                RequestStatus::Unfilled.as_str(),
            ])),
    )
    .set((
        service_requests::status.eq(RequestStatus::Open.as_str()),
        service_requests::kind.eq(RequestKind::Marketplace.as_str()),
        service_requests::target_partner_id.eq(None::<String>),
        service_requests::assigned_partner_id.eq(None::<String>),
        service_requests::match_rounds.eq(0),
        service_requests::windows.eq(windows),
        service_requests::extra_reach_km.eq(extra_reach_km),
        service_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if reopened == 0 {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!(
                "the request is {}; only a request whose pro cancelled, or that no pro took, can \
                 be rematched",
                row.status.as_str()
            ),
        ));
    }
    // Its earlier leads show what it now says.
    cards::refresh(conn, Affected::Request(request_id))?;
    let reopened = find(conn, request_id)?;
    sweep::offer_round_or_give_up(conn, &reopened, policy, now)?;
    let stored = find(conn, request_id)?;
    customer_view(conn, &stored)
}

/// The longest a profile lead waits for its pro, however far ahead the customer's windows are.
const PROFILE_LEAD_MAX_WAIT_DAYS: i64 = 14;

/// When a profile lead stops waiting for its pro: the customer chose them, so it does not expire
/// like a marketplace offer (002) but stays until the last preferred window has passed: at most
/// two weeks from `now`, and never before a marketplace offer would.
fn profile_lead_expiry(
    windows: &[TimeWindow],
    now: NaiveDateTime,
    marketplace_expiry: NaiveDateTime,
) -> NaiveDateTime {
    let longest =
        (now + chrono::Duration::days(PROFILE_LEAD_MAX_WAIT_DAYS)).max(marketplace_expiry);
    windows
        .iter()
        .map(|window| window.end.naive_utc())
        .max()
        .map_or(marketplace_expiry, |end| {
            end.clamp(marketplace_expiry, longest)
        })
}
