//! Giving a request to one pro. Whoever flips the request from `open` to `assigned` — a
//! conditional update, so the database decides between concurrent confirms — gets the job; the
//! job's unique request id backs that up.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::ErrorCode;
use shared_types::events::EventData;
use shared_types::jobs::{JobEventKind, Party};
use shared_types::partners::{AssignmentMode, ConnectionKind, Money};
use shared_types::requests::{Assignment, RequestKind};
use shared_types::requests::{OfferStatus, RequestStatus};

use super::cards::{self, Affected};
use super::model::{OfferRow, RequestRow};
use super::{intake, leads};
use crate::admin::audit;
use crate::db::DbConnection;
use crate::db::schema::{categories, lead_offers, service_requests};
use crate::db::text_enum::Stored;
use crate::error::{ApiError, ApiResult};
use crate::jobs::events as job_events;
use crate::jobs::model::{self as job_model, Actor};
use crate::notify::outbox;
use crate::partners::connections::{self, Source};

/// Assigns `request` to the pro of `offer` at `price`, `by` the pro confirming or by staff.
/// Run inside a write transaction.
pub fn assign(
    conn: &mut DbConnection,
    request: &RequestRow,
    offer: &OfferRow,
    price: &Money,
    by: &Actor,
    now: NaiveDateTime,
) -> ApiResult<Assignment> {
    let won = diesel::update(
        service_requests::table
            .filter(service_requests::id.eq(&request.id))
            .filter(service_requests::status.eq(Stored(RequestStatus::Open))),
    )
    .set((
        service_requests::status.eq(Stored(RequestStatus::Assigned)),
        service_requests::assigned_partner_id.eq(&offer.partner_id),
        service_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    if won == 0 {
        let (status, assigned_to): (String, Option<String>) = service_requests::table
            .find(&request.id)
            .select((
                service_requests::status,
                service_requests::assigned_partner_id,
            ))
            .first(conn)?;
        // The same pro's other confirm (a double tap) won a moment ago: the same job.
        if status == "assigned" && assigned_to.as_deref() == Some(offer.partner_id.as_str()) {
            return existing(conn, &request.id);
        }
        return Err(if status == "assigned" {
            ApiError::new(ErrorCode::LeadTaken, "another pro took this lead first")
        } else {
            ApiError::new(
                ErrorCode::InvalidTransition,
                format!("the request is {status}"),
            )
        });
    }
    let assignment = finish(conn, request, offer, price, by, CustomerNews::Now, now)?;
    cards::refresh(conn, Affected::Offers(std::slice::from_ref(&offer.id)))?;
    leads::close_active_offers(
        conn,
        &request.id,
        Some(&offer.id),
        OfferStatus::Taken,
        EventData::LeadTaken,
        now,
    )?;
    Ok(assignment)
}

/// The race for an instant lead in one statement: the request of `offer_id` goes from `open` to
/// `assigned` to `partner_id` if that offer is theirs, still `offered` and unexpired, and its
/// category is first come, first served. True when this caller won; the request's row stays
/// locked until the transaction ends, so every other claim waits for it and then finds the
/// request taken.
pub fn claim_instant(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let offered_request = lead_offers::table
        .filter(lead_offers::id.eq(offer_id))
        .filter(lead_offers::partner_id.eq(partner_id))
        .filter(lead_offers::status.eq(Stored(OfferStatus::Offered)))
        .filter(lead_offers::expires_at.gt(now))
        .select(lead_offers::request_id);
    let instant_categories = categories::table
        .filter(categories::assignment_mode.eq(Stored(AssignmentMode::Instant)))
        .select(categories::id);
    let won = diesel::update(
        service_requests::table
            .filter(service_requests::id.eq_any(offered_request))
            .filter(service_requests::category_id.eq_any(instant_categories))
            .filter(service_requests::status.eq(Stored(RequestStatus::Open))),
    )
    .set((
        service_requests::status.eq(Stored(RequestStatus::Assigned)),
        service_requests::assigned_partner_id.eq(partner_id),
        service_requests::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(won == 1)
}

/// When the customer hears that a pro will come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerNews {
    /// In the assignment's transaction.
    Now,
    /// Just after its commit, with the race's losers ([`leads::tell_untold`]): the winning offer
    /// is marked untold, so the lead sweep tells the customer should the process stop first.
    /// Rendering the request for the customer need not hold the request's lock.
    AfterCommit,
}

/// What an assignment writes once the request is the pro's (see [`assign`] and
/// [`claim_instant`]): the offer accepted, the job, its timeline, and staff told; the customer
/// told as `news` says. The other pros' offers are the caller's to close.
pub fn finish(
    conn: &mut DbConnection,
    request: &RequestRow,
    offer: &OfferRow,
    price: &Money,
    by: &Actor,
    news: CustomerNews,
    now: NaiveDateTime,
) -> ApiResult<Assignment> {
    diesel::update(lead_offers::table.find(&offer.id))
        .set((
            lead_offers::status.eq(Stored(OfferStatus::Accepted)),
            lead_offers::responded_at.eq(now),
            lead_offers::notice_pending.eq(news == CustomerNews::AfterCommit),
        ))
        .execute(conn)?;
    let job_id = job_model::create_assigned(
        conn,
        &request.id,
        &request.customer_id,
        &offer.partner_id,
        price,
        now,
    )?;
    job_events::append(
        conn,
        &job_id,
        JobEventKind::Assigned,
        by,
        &serde_json::json!({ "partner_id": offer.partner_id, "price": price }),
        now,
    )?;
    if by.party == Party::Staff {
        // A pro who confirmed knows; one chosen by staff hears it here.
        let row = job_model::find(conn, &job_id)?;
        let job = job_model::view(conn, row)?;
        outbox::enqueue(conn, &offer.partner_id, EventData::JobAssigned(job), now)?;
        audit::record(
            conn,
            audit::Change {
                actor_id: &by.user_id,
                action: "request.assign",
                subject_type: "request",
                subject_id: &request.id,
                before: Some(serde_json::json!({ "status": "open" })),
                after: Some(serde_json::json!({
                    "status": "assigned", "partner_id": offer.partner_id, "job_id": job_id,
                    "price": price,
                })),
                reason: None,
            },
            now,
        )?;
    }

    // A marketplace lead becomes the winner's connection when it is won; a profile lead counted
    // when it arrived (see `intake::create`).
    if request.kind() == RequestKind::Marketplace {
        connections::record_connection(
            conn,
            &offer.partner_id,
            ConnectionKind::MarketplaceLead,
            Source {
                viewer_key: Some(&request.customer_id),
                request_id: Some(&request.id),
            },
            now,
        )?;
    }
    if news == CustomerNews::Now {
        tell_customer(conn, &request.id, now)?;
    }
    Ok(Assignment {
        request_id: request.id.clone(),
        partner_id: offer.partner_id.clone(),
        job_id,
        price: price.clone(),
    })
}

/// "A provider will come" (001), with who it is: queues the request as it now is for its
/// customer.
pub fn tell_customer(
    conn: &mut DbConnection,
    request_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let row = intake::find(conn, request_id)?;
    let assigned = intake::customer_view(conn, &row)?;
    outbox::enqueue(
        conn,
        &row.customer_id,
        EventData::RequestAssigned(assigned),
        now,
    )
}

/// The assignment of an already assigned request (a repeated confirm by the winner).
pub fn existing(conn: &mut DbConnection, request_id: &str) -> ApiResult<Assignment> {
    let job =
        job_model::live_for_request(conn, request_id)?.ok_or_else(|| ApiError::not_found("job"))?;
    Ok(Assignment {
        request_id: request_id.to_owned(),
        partner_id: job.partner_id.clone(),
        price: job.price(),
        job_id: job.id,
    })
}
