//! The pro's side of a lead (see it, confirm it, apply, decline) and the staff's side of
//! review-mode leads (see the applications, assign one).

use shared_types::admin::AssignmentCase;
use shared_types::jobs::JobStatus;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::jobs::Party;
use shared_types::partners::{AssignmentMode, Money};
use shared_types::requests::{
    ApplyInput, Assignment, Lead, LeadApplication, LeadFilter, OfferStatus, RequestStatus,
};
use shared_types::{ErrorCode, Page, PageParams};

use tokio_postgres::types::ToSql;

use super::LeadPolicy;
use super::assignment;
use super::assignment::CustomerNews;
use super::cards::{self, Affected};
use super::intake;
use super::model::{ACTIVE_OFFER_STATUSES, OfferRow, RequestRow};
use super::sweep;
use crate::db::hot::HotDb;
use crate::db::schema::{jobs, lead_offers, service_requests};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::jobs::model::Actor;
use crate::notify::outbox;
use crate::partners::{catalogue, profiles};

/// The pro's own offer; anyone else's is "not found".
fn own_offer(conn: &mut DbConnection, partner_id: &str, offer_id: &str) -> ApiResult<OfferRow> {
    lead_offers::table
        .find(offer_id)
        .filter(lead_offers::partner_id.eq(partner_id))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("lead"))
}

/// The request of the pro's own offer; anyone else's is "not found".
pub fn request_of(conn: &mut DbConnection, partner_id: &str, offer_id: &str) -> ApiResult<String> {
    Ok(own_offer(conn, partner_id, offer_id)?.request_id)
}

/// [`list`] in one statement on the hot path: the page's JSON, from the cards as stored.
/// `Ok(None)` when the hot path is off or failed, or a card on the page is owed: the caller
/// then reads with [`list`].
pub async fn list_hot(
    hot: &HotDb,
    partner_id: &str,
    filter: &LeadFilter,
    page: &PageParams,
) -> ApiResult<Option<String>> {
    if !hot.enabled() {
        return Ok(None);
    }
    let limit = i64::from(page.limit());
    let (segment, after) = feed_cursor(page)?;
    let wanted = limit + 1;
    let status = filter.status.map(OfferStatus::as_str);
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&partner_id, &wanted];
    let status_cond = status.as_ref().map(|status| {
        params.push(status);
        format!(" AND status = ${}", params.len())
    });
    let after_cond = after.as_ref().map(|id| {
        params.push(id);
        format!(" AND offer_id < ${}", params.len())
    });
    // A live page runs on into the done ones; a status belongs to one of them.
    let mut segments = if segment == "live" {
        vec!["live", "done"]
    } else {
        vec!["done"]
    };
    if let Some(status) = status {
        let live = ACTIVE_OFFER_STATUSES.contains(&status);
        segments.retain(|name| (*name == "live") == live);
    }
    if segments.is_empty() {
        return Ok(Some(r#"{"items":[],"next_cursor":null}"#.to_owned()));
    }
    let parts: Vec<String> = segments
        .iter()
        .map(|name| {
            let live = *name == "live";
            let rank = i32::from(!live);
            let after = if *name == segment {
                after_cond.as_deref().unwrap_or_default()
            } else {
                ""
            };
            format!(
                "(SELECT {rank} AS segment, offer_id, lead FROM lead_cards \
                 WHERE partner_id = $1 AND live = {live}{}{after} \
                 ORDER BY offer_id DESC LIMIT $2)",
                status_cond.as_deref().unwrap_or_default()
            )
        })
        .collect();
    let sql = format!(
        "SELECT * FROM ({}) AS page ORDER BY segment, offer_id DESC LIMIT $2",
        parts.join(" UNION ALL ")
    );
    let Some(rows) = hot.query(&sql, &params).await else {
        return Ok(None);
    };
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        let Some(lead) = row.get::<_, Option<&str>>(2) else {
            return Ok(None);
        };
        let segment = if row.get::<_, i32>(0) == 0 {
            "live"
        } else {
            "done"
        };
        items.push((segment, row.get::<_, &str>(1), lead));
    }
    let (items, next_cursor) =
        db::split_page(items, limit, |(segment, id, _)| format!("{segment}~{id}"));
    let leads: Vec<&str> = items.iter().map(|(_, _, lead)| *lead).collect();
    let next_cursor = serde_json::to_string(&next_cursor).map_err(ApiError::internal)?;
    Ok(Some(format!(
        r#"{{"items":[{}],"next_cursor":{next_cursor}}}"#,
        leads.join(",")
    )))
}

/// [`get`] on the hot path: the card's JSON as stored. `None` when the hot path is off or
/// failed, or there is no stored card of the pro's with that id (the caller then reads with
/// [`get`], which tells a missing lead from an owed card).
pub async fn get_hot(hot: &HotDb, partner_id: &str, offer_id: &str) -> Option<String> {
    let rows = hot
        .query(
            "SELECT lead FROM lead_cards WHERE offer_id = $1 AND partner_id = $2",
            &[&offer_id, &partner_id],
        )
        .await?;
    rows.first()?.get::<_, Option<String>>(0)
}

pub fn get(conn: &mut DbConnection, partner_id: &str, offer_id: &str) -> ApiResult<Lead> {
    cards::find(conn, partner_id, offer_id)?.ok_or_else(|| ApiError::not_found("lead"))
}

/// Where a page of the feed starts: the segment (`live`, then `done`) and the last id shown.
fn feed_cursor(page: &PageParams) -> ApiResult<(&'static str, Option<String>)> {
    match page
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| c.split_once('~'))
    {
        None => Ok(("live", None)),
        Some(Some(("live", id))) => Ok(("live", Some(id.to_owned()))),
        Some(Some(("done", id))) => Ok(("done", Some(id.to_owned()))),
        Some(_) => Err(ApiError::invalid_field(
            "cursor",
            "not a cursor of this list",
        )),
    }
}

/// The pro's offers: live ones (offered, applied) first, then the rest, newest first in each.
/// The cursor is `live~<id>` or `done~<id>`.
pub fn list(
    conn: &mut DbConnection,
    partner_id: &str,
    filter: &LeadFilter,
    page: &PageParams,
) -> ApiResult<Page<Lead>> {
    let limit = i64::from(page.limit());
    let (mut segment, mut after) = feed_cursor(page)?;
    let mut rows: Vec<(&str, Lead)> = Vec::new();
    loop {
        let wanted = limit + 1 - i64::try_from(rows.len()).unwrap_or(0);
        let found = cards::page(
            conn,
            partner_id,
            segment == "live",
            filter.status,
            after.as_deref(),
            wanted,
        )?;
        rows.extend(found.into_iter().map(|lead| (segment, lead)));
        if segment == "done" || rows.len() > usize::try_from(limit).unwrap_or(usize::MAX) {
            break;
        }
        segment = "done";
        after = None;
    }
    let (rows, next_cursor) = db::split_page(rows, limit, |(segment, lead)| {
        format!("{segment}~{}", lead.id)
    });
    let items = rows.into_iter().map(|(_, lead)| lead).collect();
    Ok(Page { items, next_cursor })
}

/// Loads what a response to an offer needs, refusing offers that can no longer be answered.
fn answerable(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
) -> ApiResult<(OfferRow, RequestRow, catalogue::CategoryRow)> {
    let offer = own_offer(conn, partner_id, offer_id)?;
    let request = intake::find(conn, &offer.request_id)?;
    let category = catalogue::by_id(conn, &request.category_id)?;
    Ok((offer, request, category))
}

fn refuse(offer: &OfferRow) -> ApiError {
    match offer.status() {
        OfferStatus::Taken => ApiError::new(ErrorCode::LeadTaken, "another pro took this lead"),
        OfferStatus::Expired => ApiError::new(ErrorCode::LeadExpired, "this offer has expired"),
        other => ApiError::new(
            ErrorCode::InvalidTransition,
            format!("the offer is {}", other.as_str()),
        ),
    }
}

fn is_overdue(offer: &OfferRow, now: NaiveDateTime) -> bool {
    offer.status() == OfferStatus::Offered && offer.expires_at <= now
}

/// What a pro's confirm came to.
#[derive(Debug)]
pub enum Confirmed {
    Won(Assignment),
    /// Another pro won first. The attempt is recorded (the pro answered: matching must not rank
    /// them as a non-responder), so the caller commits before answering `lead_taken`.
    Lost,
}

impl Confirmed {
    /// The assignment, or the `lead_taken` problem of a lost race.
    pub fn into_result(self) -> ApiResult<Assignment> {
        match self {
            Self::Won(assignment) => Ok(assignment),
            Self::Lost => Err(ApiError::new(
                ErrorCode::LeadTaken,
                "another pro took this lead first",
            )),
        }
    }
}

/// Instant categories: the first pro to confirm gets the job (000). A repeated confirm by the
/// winner returns the same assignment.
///
/// Two hundred pros may press Confirm on one lead within a second, so each is answered in as few
/// statements as can decide it: a pro whose offer the winner has already closed is told by one
/// statement, on its own (the attempt recorded on the offer: atomic without a transaction);
/// otherwise, in a write transaction, the race itself is one conditional update
/// ([`assignment::claim_instant`]), and only what that does not settle — a double tap, an
/// expired offer, a review category — reads the offer to say why. The winner's commit closes
/// the other offers; their pros are the caller's to tell ([`tell_untold`]; see
/// [`super::race`]).
pub fn confirm(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Confirmed> {
    if record_attempt(conn, partner_id, offer_id, now)? {
        return Ok(Confirmed::Lost);
    }
    claim_or_explain(conn, partner_id, offer_id, &mut Vec::new, now).map(|(confirmed, _)| confirmed)
}

/// [`confirm`] once its first statement has not settled it (the caller ran it already): the
/// race, in a write transaction.
///
/// `pressed_meanwhile` names the offers of this request whose pros pressed Confirm while this
/// one raced (see [`super::race`]); it is asked once, if this pro wins. The winner's transaction
/// records their attempts as it closes their offers, and returns the ones it recorded: once it
/// has committed, those pros have lost without another statement.
pub fn claim_or_explain(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    pressed_meanwhile: &mut dyn FnMut() -> Vec<String>,
    now: NaiveDateTime,
) -> ApiResult<(Confirmed, Vec<String>)> {
    db::write_transaction(conn, |conn| {
        race(conn, partner_id, offer_id, pressed_meanwhile, now)
    })
}

/// [`confirm`] for an offer its winner has not closed (yet): claim the request, or learn why not.
fn race(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    pressed_meanwhile: &mut dyn FnMut() -> Vec<String>,
    now: NaiveDateTime,
) -> ApiResult<(Confirmed, Vec<String>)> {
    let by = Actor {
        user_id: partner_id.to_owned(),
        party: Party::Partner,
    };
    if assignment::claim_instant(conn, partner_id, offer_id, now)? {
        let (offer, request, category) = answerable(conn, partner_id, offer_id)?;
        let price = list_price(&category)?;
        let won = assignment::finish(
            conn,
            &request,
            &offer,
            &price,
            &by,
            CustomerNews::AfterCommit,
            now,
        )?;
        let lost = close_as_taken_untold(conn, &request.id, &offer.id, &pressed_meanwhile(), now)?;
        cards::mark_owed(conn, &request.id, &offer.id)?;
        return Ok((Confirmed::Won(won), lost));
    }
    explain(conn, partner_id, offer_id, &by, now).map(|confirmed| (confirmed, Vec::new()))
}

/// A confirm whose claim failed: lost, a double tap, or refused, and why.
fn explain(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    by: &Actor,
    now: NaiveDateTime,
) -> ApiResult<Confirmed> {
    if record_attempt(conn, partner_id, offer_id, now)? {
        return Ok(Confirmed::Lost);
    }
    let (offer, request, category) = answerable(conn, partner_id, offer_id)?;
    if offer.status() == OfferStatus::Accepted {
        return assignment::existing(conn, &request.id).map(Confirmed::Won);
    }
    if category.to_view().assignment_mode != AssignmentMode::Instant {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "staff assign this category: apply with a quote instead",
        ));
    }
    if is_overdue(&offer, now) {
        return Err(ApiError::new(
            ErrorCode::LeadExpired,
            "this offer has expired",
        ));
    }
    // Lost before, and pressed again.
    if offer.status() == OfferStatus::Taken {
        return Ok(Confirmed::Lost);
    }
    if offer.status() != OfferStatus::Offered {
        return Err(refuse(&offer));
    }
    // Offered and unexpired, yet the claim failed: the request itself is no longer open.
    let price = list_price(&category)?;
    assignment::assign(conn, &request, &offer, &price, by, now).map(Confirmed::Won)
}

/// An instant category's price (one without is a broken catalogue, refused when it is saved).
fn list_price(category: &catalogue::CategoryRow) -> ApiResult<Money> {
    category.to_view().list_price.ok_or_else(|| {
        ApiError::internal(format!(
            "instant category {} has no list price",
            category.slug
        ))
    })
}

/// Marks the pro's `taken` offer as answered, if not already: they pressed Confirm and lost the
/// race. True when it did; a taken offer is only ever another pro's win.
fn record_attempt(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let recorded = diesel::update(
        lead_offers::table
            .filter(lead_offers::id.eq(offer_id))
            .filter(lead_offers::partner_id.eq(partner_id))
            .filter(lead_offers::status.eq(Stored(OfferStatus::Taken)))
            .filter(lead_offers::responded_at.is_null()),
    )
    .set(lead_offers::responded_at.eq(now))
    .execute(conn)?;
    Ok(recorded == 1)
}

/// Review categories: the pro applies with a message and a quote; staff decide (001).
pub fn apply(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    application: &ApplyInput,
    now: NaiveDateTime,
) -> ApiResult<Lead> {
    let (offer, _, category) = answerable(conn, partner_id, offer_id)?;
    if category.to_view().assignment_mode != AssignmentMode::Review {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            "this category is first come, first served: confirm it instead",
        ));
    }
    if is_overdue(&offer, now) {
        return Err(ApiError::new(
            ErrorCode::LeadExpired,
            "this offer has expired",
        ));
    }
    let applied = diesel::update(
        lead_offers::table
            .filter(lead_offers::id.eq(offer_id))
            .filter(lead_offers::status.eq(Stored(OfferStatus::Offered))),
    )
    .set((
        lead_offers::status.eq(Stored(OfferStatus::Applied)),
        lead_offers::responded_at.eq(now),
        lead_offers::message.eq(application.message.trim()),
        lead_offers::quote_cents.eq(application.quote.amount_cents),
        lead_offers::quote_currency.eq(&application.quote.currency),
    ))
    .execute(conn)?;
    if applied == 0 {
        return Err(refuse(&offer));
    }
    cards::refresh(conn, Affected::Offers(std::slice::from_ref(&offer.id)))?;
    get(conn, partner_id, offer_id)
}

/// The pro passes. If that leaves the request with no live offer, it is offered onwards.
pub fn decline(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    reason: Option<&str>,
    policy: LeadPolicy,
    now: NaiveDateTime,
) -> ApiResult<Lead> {
    let (offer, request, _) = answerable(conn, partner_id, offer_id)?;
    let declined = diesel::update(
        lead_offers::table
            .filter(lead_offers::id.eq(offer_id))
            .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES)),
    )
    .set((
        lead_offers::status.eq(Stored(OfferStatus::Declined)),
        lead_offers::responded_at.eq(now),
        lead_offers::decline_reason.eq(reason.map(str::trim)),
    ))
    .execute(conn)?;
    if declined == 0 {
        return Err(refuse(&offer));
    }
    cards::refresh(conn, Affected::Offers(std::slice::from_ref(&offer.id)))?;
    let live: i64 = lead_offers::table
        .filter(lead_offers::request_id.eq(&request.id))
        .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES))
        .count()
        .get_result(conn)?;
    if live == 0 && request.status == RequestStatus::Open {
        let request = intake::find(conn, &request.id)?;
        sweep::offer_round_or_give_up(conn, &request, policy, now)?;
    }
    get(conn, partner_id, offer_id)
}

/// Closes the offers of `request_id` that pros may still act on (all but `except`) as `to`, and
/// tells each of those pros, with the lead as it now is, through `event` (`LeadTaken` or
/// `LeadWithdrawn`). An offer its pro answered meanwhile keeps that answer and is not told.
pub fn close_active_offers(
    conn: &mut DbConnection,
    request_id: &str,
    except: Option<&str>,
    to: OfferStatus,
    event: fn(Lead) -> EventData,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let mut active = lead_offers::table
        .filter(lead_offers::request_id.eq(request_id))
        .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES))
        .select(lead_offers::id)
        .into_boxed();
    if let Some(kept) = except {
        active = active.filter(lead_offers::id.ne(kept));
    }
    let ids: Vec<String> = active.load(conn)?;
    diesel::update(
        lead_offers::table
            .filter(lead_offers::id.eq_any(&ids))
            .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES)),
    )
    .set(lead_offers::status.eq(Stored(to)))
    .execute(conn)?;
    let closed: Vec<OfferRow> = lead_offers::table
        .filter(lead_offers::id.eq_any(&ids))
        .filter(lead_offers::status.eq(Stored(to)))
        .select(OfferRow::as_select())
        .load(conn)?;
    tell_pros(conn, closed, event, now)
}

/// Queues `event`, with the lead as it now is, for the pro of each of `offers`, and stores
/// their cards.
fn tell_pros(
    conn: &mut DbConnection,
    offers: Vec<OfferRow>,
    event: fn(Lead) -> EventData,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let (ids, recipients): (Vec<String>, Vec<String>) = offers
        .into_iter()
        .map(|offer| (offer.id, offer.partner_id))
        .unzip();
    let leads = cards::store(conn, ids)?;
    outbox::enqueue_many(
        conn,
        recipients
            .into_iter()
            .zip(leads.into_iter().map(event))
            .collect(),
        now,
    )
}

/// Closes the live offers of `request_id` but `except` as `taken`, leaving their pros to be told
/// by [`tell_untold`] once this transaction has committed: the losers of a race are answered by
/// the closing alone, and rendering two hundred leads for the telling need not hold the
/// request's lock that they wait on.
///
/// The offers in `pressed` (their pros pressed Confirm too) are closed with the attempt
/// recorded, as [`record_attempt`] would; returns them, or none if any of them was no longer
/// live (their pros then ask again, and hear what became of their offer).
fn close_as_taken_untold(
    conn: &mut DbConnection,
    request_id: &str,
    except: &str,
    pressed: &[String],
    now: NaiveDateTime,
) -> ApiResult<Vec<String>> {
    let live = || {
        lead_offers::table
            .filter(lead_offers::request_id.eq(request_id))
            .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES))
            .filter(lead_offers::id.ne(except))
    };
    let mut lost: Vec<String> = pressed
        .iter()
        .filter(|offer| offer.as_str() != except)
        .cloned()
        .collect();
    lost.sort_unstable();
    lost.dedup();
    if !lost.is_empty() {
        let recorded = diesel::update(
            live()
                .filter(lead_offers::id.eq_any(&lost))
                .filter(lead_offers::responded_at.is_null()),
        )
        .set((
            lead_offers::status.eq(Stored(OfferStatus::Taken)),
            lead_offers::notice_pending.eq(true),
            lead_offers::responded_at.eq(now),
        ))
        .execute(conn)?;
        if recorded != lost.len() {
            lost.clear();
        }
    }
    diesel::update(live())
        .set((
            lead_offers::status.eq(Stored(OfferStatus::Taken)),
            lead_offers::notice_pending.eq(true),
        ))
        .execute(conn)?;
    Ok(lost)
}

/// Who [`tell_untold`] told.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    /// Pros told that the lead was taken.
    pub pros: usize,
    /// Whether the customer was told that the race's winner will come.
    pub customer: bool,
}

/// Tells the pros of `request_id`'s closed, untold offers (see [`close_as_taken_untold`]) that the
/// lead was taken, with the lead as it now is, and the customer whose race was won that the
/// winner will come (see [`CustomerNews::AfterCommit`]). Run inside a write transaction: it takes
/// the request's row first, so that two tellers (the winner's call and the lead sweep) take turns
/// and each is told once.
pub fn tell_untold(
    conn: &mut DbConnection,
    request_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Told> {
    diesel::update(service_requests::table.find(request_id))
        .set(service_requests::updated_at.eq(service_requests::updated_at))
        .execute(conn)?;
    let pending: Vec<OfferRow> = lead_offers::table
        .filter(lead_offers::request_id.eq(request_id))
        .filter(lead_offers::notice_pending.eq(true))
        .select(OfferRow::as_select())
        .load(conn)?;
    let pending_ids: Vec<String> = pending.iter().map(|offer| offer.id.clone()).collect();
    let (won, untold): (Vec<OfferRow>, Vec<OfferRow>) = pending
        .into_iter()
        .partition(|offer| offer.status() == OfferStatus::Accepted);
    if !won.is_empty() {
        assignment::tell_customer(conn, request_id, now)?;
    }
    let ids: Vec<String> = untold.iter().map(|offer| offer.id.clone()).collect();
    tell_pros(conn, untold, EventData::LeadTaken, now)?;
    cards::store_owed(conn, request_id, &ids)?;
    if !pending_ids.is_empty() {
        diesel::update(lead_offers::table.filter(lead_offers::id.eq_any(&pending_ids)))
            .set(lead_offers::notice_pending.eq(false))
            .execute(conn)?;
    }
    Ok(Told {
        pros: ids.len(),
        customer: !won.is_empty(),
    })
}

/// Requests with offers whose pros a crash left untold (for the lead sweep).
pub fn requests_with_untold_offers(conn: &mut DbConnection) -> ApiResult<Vec<String>> {
    Ok(lead_offers::table
        .filter(lead_offers::notice_pending.eq(true))
        .select(lead_offers::request_id)
        .distinct()
        .limit(100)
        .load(conn)?)
}

/// A suspended pro's live offers are withdrawn; the sweep offers their requests onwards (a
/// profile lead left with no pro becomes unfilled, and its customer is told).
pub fn withdraw_partner_offers(conn: &mut DbConnection, partner_id: &str) -> ApiResult<usize> {
    let live: Vec<String> = lead_offers::table
        .filter(lead_offers::partner_id.eq(partner_id))
        .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES))
        .select(lead_offers::id)
        .load(conn)?;
    let withdrawn = diesel::update(
        lead_offers::table
            .filter(lead_offers::id.eq_any(&live))
            .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES)),
    )
    .set(lead_offers::status.eq(Stored(OfferStatus::Withdrawn)))
    .execute(conn)?;
    cards::refresh(conn, Affected::Offers(&live))?;
    Ok(withdrawn)
}

/// Staff: the applications to a review-mode request, with each pro's qualifications.
pub fn applications(conn: &mut DbConnection, request_id: &str) -> ApiResult<Vec<LeadApplication>> {
    let request = intake::find(conn, request_id)?;
    let offers: Vec<OfferRow> = lead_offers::table
        .filter(lead_offers::request_id.eq(request_id))
        .filter(lead_offers::message.is_not_null())
        .select(OfferRow::as_select())
        .order(lead_offers::responded_at.asc())
        .load(conn)?;
    let mut applications = Vec::with_capacity(offers.len());
    for offer in offers {
        let Some(partner) = profiles::find(conn, &offer.partner_id)? else {
            continue;
        };
        let completed_jobs: i64 = jobs::table
            .filter(jobs::partner_id.eq(&offer.partner_id))
            .filter(
                jobs::status.eq_any([Stored(JobStatus::Completed), Stored(JobStatus::Confirmed)]),
            )
            .count()
            .get_result(conn)?;
        let jobs_with_customer: i64 = jobs::table
            .filter(jobs::partner_id.eq(&offer.partner_id))
            .filter(jobs::customer_id.eq(&request.customer_id))
            .filter(jobs::request_id.ne(&request.id))
            .filter(
                jobs::status.eq_any([Stored(JobStatus::Completed), Stored(JobStatus::Confirmed)]),
            )
            .count()
            .get_result(conn)?;
        let public = profiles::public_views(conn, &[partner])?.remove(0);
        applications.push(LeadApplication {
            offer_id: offer.id.clone(),
            status: offer.status(),
            partner: public,
            message: offer.message.clone().unwrap_or_default(),
            quote: offer.quote().unwrap_or(Money {
                amount_cents: 0,
                currency: "CAD".into(),
            }),
            applied_at: offer.responded_at.unwrap_or(offer.offered_at).and_utc(),
            completed_jobs,
            distance_km: offer.distance_km,
            available_window: offer.window(),
            jobs_with_customer,
        });
    }
    Ok(applications)
}

/// Staff: open review-mode requests with applications waiting, oldest first.
pub fn awaiting_assignment(
    conn: &mut DbConnection,
    page: &PageParams,
) -> ApiResult<Page<AssignmentCase>> {
    let limit = i64::from(page.limit());
    let applied = lead_offers::table
        .filter(lead_offers::status.eq(Stored(OfferStatus::Applied)))
        .select(lead_offers::request_id);
    let mut query = service_requests::table
        .filter(service_requests::status.eq(Stored(RequestStatus::Open)))
        .filter(service_requests::id.eq_any(applied))
        .order(service_requests::id.asc())
        .limit(limit + 1)
        .select(RequestRow::as_select())
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(service_requests::id.gt(cursor.clone()));
    }
    let rows: Vec<RequestRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    let offers: Vec<(String, Option<NaiveDateTime>, NaiveDateTime)> = lead_offers::table
        .filter(lead_offers::request_id.eq_any(&ids))
        .filter(lead_offers::status.eq(Stored(OfferStatus::Applied)))
        .select((
            lead_offers::request_id,
            lead_offers::responded_at,
            lead_offers::offered_at,
        ))
        .load(conn)?;
    let mut waiting: HashMap<String, (i64, NaiveDateTime)> = HashMap::new();
    for (request_id, responded_at, offered_at) in offers {
        let applied_at = responded_at.unwrap_or(offered_at);
        let entry = waiting.entry(request_id).or_insert((0, applied_at));
        entry.0 += 1;
        entry.1 = entry.1.min(applied_at);
    }
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let category = catalogue::by_id(conn, &row.category_id)?.to_view();
        let (applications, first_applied_at) =
            waiting.get(&row.id).copied().unwrap_or((0, row.created_at));
        items.push(AssignmentCase {
            request_id: row.id.clone(),
            category,
            description: row.description.clone(),
            city: row.city.clone(),
            postal_area: row.postal_prefix(),
            windows: row.windows(),
            time_zone: row.time_zone.clone(),
            budget: row.budget(),
            created_at: row.created_at.and_utc(),
            applications,
            first_applied_at: first_applied_at.and_utc(),
        });
    }
    Ok(Page { items, next_cursor })
}

/// Staff: gives a review-mode request to one applicant, at their quote (001).
pub fn assign_application(
    conn: &mut DbConnection,
    staff_id: &str,
    request_id: &str,
    offer_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Assignment> {
    let request = intake::find(conn, request_id)?;
    let offer: OfferRow = lead_offers::table
        .find(offer_id)
        .filter(lead_offers::request_id.eq(request_id))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ApiError::invalid_field("offer_id", "no such application to this request")
        })?;
    if offer.status() != OfferStatus::Applied {
        return Err(ApiError::new(
            ErrorCode::InvalidTransition,
            format!("the offer is {}, not applied", offer.status().as_str()),
        ));
    }
    let price = offer
        .quote()
        .ok_or_else(|| ApiError::internal("an application without a quote"))?;
    let by = Actor {
        user_id: staff_id.to_owned(),
        party: Party::Staff,
    };
    assignment::assign(conn, &request, &offer, &price, &by, now)
}
