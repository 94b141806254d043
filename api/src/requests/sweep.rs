//! Expiry and re-matching. Offers nobody answered in time expire; a marketplace request left with
//! no live offer is offered to the next best pros, up to `MAX_MATCH_ROUNDS` rounds, then the
//! customer is told that no pro is available. Safe to run from several replicas at once: every
//! step is a conditional update.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::requests::RequestKind;

use super::LeadPolicy;
use super::matching::{self, create_offers};
use super::model::{ACTIVE_OFFER_STATUSES, RequestRow};
use crate::db::schema::{lead_offers, service_requests};
use crate::db::{self, DbConnection};
use crate::error::ApiResult;
use crate::notify::outbox;

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    pub rematched: usize,
    pub unfilled: usize,
}

/// Expires overdue offers and re-matches or closes the requests left without a live offer.
/// Run inside a write transaction.
pub fn run(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    policy: LeadPolicy,
) -> ApiResult<SweepReport> {
    let mut report = SweepReport {
        expired: diesel::update(
            lead_offers::table
                .filter(lead_offers::status.eq("offered"))
                .filter(lead_offers::expires_at.le(now)),
        )
        .set(lead_offers::status.eq("expired"))
        .execute(conn)?,
        ..SweepReport::default()
    };
    let live = lead_offers::table
        .filter(lead_offers::request_id.eq(service_requests::id))
        .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES));
    let stranded: Vec<RequestRow> = service_requests::table
        .filter(service_requests::status.eq("open"))
        .filter(diesel::dsl::not(diesel::dsl::exists(live)))
        .select(RequestRow::as_select())
        .load(conn)?;
    for request in stranded {
        if offer_round_or_give_up(conn, &request, policy)? {
            report.rematched += 1;
        } else {
            report.unfilled += 1;
        }
    }
    Ok(report)
}

/// Offers `request` to the next best pros; when there are none (or the rounds are used up, or
/// it is a profile lead) the request becomes `unfilled` and the customer is told. Returns
/// whether offers went out.
pub fn offer_round_or_give_up(
    conn: &mut DbConnection,
    request: &RequestRow,
    policy: LeadPolicy,
) -> ApiResult<bool> {
    // Claim this round: a concurrent sweep that saw the same round count does nothing.
    let claimed = diesel::update(
        service_requests::table
            .filter(service_requests::id.eq(&request.id))
            .filter(service_requests::status.eq("open"))
            .filter(service_requests::match_rounds.eq(request.match_rounds)),
    )
    .set((
        service_requests::match_rounds.eq(request.match_rounds + 1),
        service_requests::updated_at.eq(db::now()),
    ))
    .execute(conn)?;
    if claimed == 0 {
        return Ok(true);
    }
    let may_match =
        request.kind() == RequestKind::Marketplace && request.match_rounds < policy.max_rounds;
    let candidates = if may_match {
        matching::find_candidates(conn, request, policy.offers_per_round)?
    } else {
        Vec::new()
    };
    if candidates.is_empty() {
        diesel::update(service_requests::table.find(&request.id))
            .set(service_requests::status.eq("unfilled"))
            .execute(conn)?;
        outbox::enqueue(
            conn,
            &request.customer_id,
            "request.unfilled",
            &serde_json::json!({ "request_id": request.id }),
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
    create_offers(conn, request, partners, policy.offer_expiry(db::now()))?;
    Ok(true)
}
