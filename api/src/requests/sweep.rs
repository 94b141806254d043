//! Expiry and re-matching. Offers nobody answered in time expire; a marketplace request left with
//! no live offer is offered to the next best pros, up to `MAX_MATCH_ROUNDS` rounds, then the
//! customer is told that no pro is available. Pros whom a crash left untold of a lead taken are
//! told. Safe to run from several replicas at once: every
//! step is a conditional update.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::requests::RequestKind;
use shared_types::requests::{OfferStatus, RequestStatus};
use tracing::Instrument as _;

use super::LeadPolicy;
use super::cards::{self, Affected};
use super::leads;
use super::matching::{self, create_offers};
use super::model::{ACTIVE_OFFER_STATUSES, RequestRow};
use crate::db::DbConnection;
use crate::db::schema::{lead_offers, service_requests};
use crate::db::text_enum::Stored;
use crate::error::ApiResult;
use crate::notify::outbox;
use crate::state::AppState;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    /// Pros told of a lead taken whom a crash had left untold (see `leads::tell_untold`).
    pub told: usize,
    /// Customers told that their race's winner will come, whom a crash had left untold.
    pub customers_told: usize,
    pub expired: usize,
    pub rematched: usize,
    pub unfilled: usize,
}

/// Expires overdue offers (one statement), then re-matches or closes each request left without
/// a live offer in a transaction of its own, so that no transaction holds the write lock (all of
/// it, on SQLite) through more than one request's matching.
#[tracing::instrument(name = "lead_sweep", skip_all, fields(%now))]
pub async fn run(
    state: &AppState,
    now: NaiveDateTime,
    policy: LeadPolicy,
) -> ApiResult<SweepReport> {
    let (mut told, mut customers_told) = (0, 0);
    for request_id in state.db(leads::requests_with_untold_offers).await? {
        let now_told = state
            .write(move |conn| leads::tell_untold(conn, &request_id, now))
            .await?;
        told += now_told.pros;
        customers_told += usize::from(now_told.customer);
    }
    let expired = state.write(move |conn| expire_overdue(conn, now)).await?;
    let mut report = SweepReport {
        told,
        customers_told,
        expired,
        ..SweepReport::default()
    };
    let stranded = state.db(stranded_requests).await?;
    for request_id in stranded {
        let span = tracing::info_span!("stranded_request", %request_id);
        let outcome = state
            .write(move |conn| {
                // Another replica, or the customer, may have moved it on since it was listed.
                let Some(request) = stranded_request(conn, &request_id)? else {
                    return Ok(None);
                };
                offer_round_or_give_up(conn, &request, policy, now).map(Some)
            })
            .instrument(span)
            .await?;
        match outcome {
            Some(true) => report.rematched += 1,
            Some(false) => report.unfilled += 1,
            None => {}
        }
    }
    Ok(report)
}

fn expire_overdue(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<usize> {
    let overdue: Vec<String> = lead_offers::table
        .filter(lead_offers::status.eq(Stored(OfferStatus::Offered)))
        .filter(lead_offers::expires_at.le(now))
        .select(lead_offers::id)
        .load(conn)?;
    let mut expired = 0;
    for batch in overdue.chunks(1000) {
        expired += diesel::update(
            lead_offers::table
                .filter(lead_offers::id.eq_any(batch))
                .filter(lead_offers::status.eq(Stored(OfferStatus::Offered))),
        )
        .set(lead_offers::status.eq(Stored(OfferStatus::Expired)))
        .execute(conn)?;
        cards::refresh(conn, Affected::Offers(batch))?;
    }
    Ok(expired)
}

/// Open requests with no live offer.
fn stranded_requests(conn: &mut DbConnection) -> ApiResult<Vec<String>> {
    let live = lead_offers::table
        .filter(lead_offers::request_id.eq(service_requests::id))
        .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES));
    Ok(service_requests::table
        .filter(service_requests::status.eq(Stored(RequestStatus::Open)))
        .filter(diesel::dsl::not(diesel::dsl::exists(live)))
        .select(service_requests::id)
        .order(service_requests::id)
        .load(conn)?)
}

/// The request, if it is still open with no live offer.
fn stranded_request(conn: &mut DbConnection, request_id: &str) -> ApiResult<Option<RequestRow>> {
    let live = lead_offers::table
        .filter(lead_offers::request_id.eq(service_requests::id))
        .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES));
    Ok(service_requests::table
        .filter(service_requests::id.eq(request_id))
        .filter(service_requests::status.eq(Stored(RequestStatus::Open)))
        .filter(diesel::dsl::not(diesel::dsl::exists(live)))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?)
}

/// Offers `request` to the next best pros; when there are none (or the rounds are used up, or
/// it is a profile lead) the request becomes `unfilled` and the customer is told. Returns
/// whether offers went out.
pub fn offer_round_or_give_up(
    conn: &mut DbConnection,
    request: &RequestRow,
    policy: LeadPolicy,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    // Claim this round: a concurrent sweep that saw the same round count does nothing.
    let claimed = diesel::update(
        service_requests::table
            .filter(service_requests::id.eq(&request.id))
            .filter(service_requests::status.eq(Stored(RequestStatus::Open)))
            .filter(service_requests::match_rounds.eq(request.match_rounds)),
    )
    .set((
        service_requests::match_rounds.eq(request.match_rounds + 1),
        service_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(true);
    }
    let may_match =
        request.kind() == RequestKind::Marketplace && request.match_rounds < policy.max_rounds;
    let candidates = if may_match {
        matching::find_candidates(conn, request, policy.offers_per_round, now)?
    } else {
        Vec::new()
    };
    if candidates.is_empty() {
        diesel::update(service_requests::table.find(&request.id))
            .set(service_requests::status.eq(Stored(RequestStatus::Unfilled)))
            .execute(conn)?;
        let row = super::intake::find(conn, &request.id)?;
        let unfilled = super::intake::customer_view(conn, &row)?;
        outbox::enqueue(
            conn,
            &request.customer_id,
            EventData::RequestUnfilled(unfilled),
            now,
        )?;
        return Ok(false);
    }
    let partners = candidates
        .into_iter()
        .map(|candidate| {
            let reason = (
                candidate.distance_km,
                Some(candidate.window),
                candidate.star_score,
            );
            (candidate.partner_id, reason)
        })
        .collect();
    create_offers(
        conn,
        request,
        partners,
        policy.offer_expiry(now),
        policy.platform_fee_bps,
        now,
    )?;
    Ok(true)
}
