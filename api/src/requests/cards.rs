//! The lead feed's read model: each offer as its pro sees it (a [`Lead`], as JSON) in
//! `lead_cards`, so that a page of a pro's feed is one range scan of (partner, live, id).
//!
//! A lead shows its offer, its request, the category, how many pros the request went to, the
//! pro's job and the customer's rating summary. Whoever changes one of those, in the same
//! transaction, stores the cards it shows on again ([`store`], [`refresh`]). The one exception
//! is the race for an instant lead: its winner only marks the cards of the request's closed
//! offers as owed ([`mark_owed`]), and they are rendered once the pros are told, after the
//! commit; until then readers render them from the tables. [`check`] compares every card with a
//! fresh rendering; the tests run it after every scenario.

use std::collections::HashMap;

use diesel::prelude::*;
use shared_types::requests::{Lead, OfferStatus};

use super::model::{ACTIVE_OFFER_STATUSES, OfferRow, RequestRow};
use crate::db::schema::{jobs, lead_cards, lead_offers, service_requests};
use crate::db::{DbConnection, MultiBackend};
use crate::error::{ApiError, ApiResult};
use crate::partners::catalogue;
use crate::photos::AttachedTo;
use crate::photos::model as photos;
use crate::ratings::reviews;

/// Offers whose cards show what changed.
#[derive(Debug, Clone, Copy)]
pub enum Affected<'a> {
    /// These offers.
    Offers(&'a [String]),
    /// Every offer of a request (what it says, how many pros it went to).
    Request(&'a str),
    /// Every offer on a customer's requests (their rating summary, their erased words).
    Customer(&'a str),
    /// Every offer a pro received (their erased words).
    Partner(&'a str),
    /// Every offer on requests in a category (its name, mode, price).
    Category(&'a str),
}

/// Offers rendered and stored per statement batch.
const BATCH: i64 = 500;

#[derive(Debug, Insertable, Queryable, Selectable)]
#[diesel(table_name = lead_cards)]
struct CardRow {
    offer_id: String,
    partner_id: String,
    live: bool,
    status: String,
    lead: Option<String>,
}

/// Partner-facing views of `offers`, in the order given, from the tables: the one rendering of
/// a lead, which the cards store.
pub fn render(conn: &mut DbConnection, offers: Vec<OfferRow>) -> ApiResult<Vec<Lead>> {
    let request_ids: Vec<String> = offers.iter().map(|o| o.request_id.clone()).collect();
    let requests: HashMap<String, RequestRow> = service_requests::table
        .filter(service_requests::id.eq_any(&request_ids))
        .select(RequestRow::as_select())
        .load::<RequestRow>(conn)?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let mut offered_to: HashMap<String, i64> = HashMap::new();
    for request_id in lead_offers::table
        .filter(lead_offers::request_id.eq_any(&request_ids))
        .select(lead_offers::request_id)
        .load::<String>(conn)?
    {
        *offered_to.entry(request_id).or_default() += 1;
    }
    // A reopened request may have a cancelled job with one pro and a live one with another.
    let job_ids: HashMap<(String, String), String> = jobs::table
        .filter(jobs::request_id.eq_any(&request_ids))
        .select((jobs::request_id, jobs::partner_id, jobs::id))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(request, partner, job)| ((request, partner), job))
        .collect();
    let customers: Vec<String> = requests.values().map(|r| r.customer_id.clone()).collect();
    let ratings = reviews::customer_summaries(conn, &customers)?;
    let photo_counts = photos::counts(conn, AttachedTo::Request, &request_ids)?;
    let mut categories = HashMap::new();
    let mut views = Vec::with_capacity(offers.len());
    for offer in offers {
        let request = &requests[&offer.request_id];
        if !categories.contains_key(&request.category_id) {
            let category = catalogue::by_id(conn, &request.category_id)?.to_view();
            categories.insert(request.category_id.clone(), category);
        }
        let job_id = job_ids
            .get(&(offer.request_id.clone(), offer.partner_id.clone()))
            .cloned();
        views.push(offer.to_lead(
            request,
            categories[&request.category_id].clone(),
            offered_to.get(&offer.request_id).copied().unwrap_or(0),
            ratings[&request.customer_id],
            job_id,
            photo_counts.get(&offer.request_id).copied().unwrap_or(0),
        ));
    }
    Ok(views)
}

/// Renders the offers `offer_ids` and stores their cards; returns the leads, in the order given.
///
/// Two transactions may store the same card at once (a rating published while a race's pros
/// are told, say): each first takes the cards' rows, in id order, and only then reads what it
/// renders, so the later one waits and renders what the earlier one committed.
pub fn store(conn: &mut DbConnection, offer_ids: Vec<String>) -> ApiResult<Vec<Lead>> {
    if offer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let order = offer_ids;
    let mut ids = order.clone();
    ids.sort_unstable();
    if let DbConnection::Postgres(pg) = conn {
        lead_cards::table
            .filter(lead_cards::offer_id.eq_any(&ids))
            .order(lead_cards::offer_id)
            .select(lead_cards::offer_id)
            .for_update()
            .load::<String>(pg)?;
    }
    // Read again under the lock: what another transaction committed meanwhile counts.
    let mut current: HashMap<String, OfferRow> = lead_offers::table
        .filter(lead_offers::id.eq_any(&ids))
        .select(OfferRow::as_select())
        .load::<OfferRow>(conn)?
        .into_iter()
        .map(|offer| (offer.id.clone(), offer))
        .collect();
    let offers: Vec<OfferRow> = order
        .iter()
        .map(|id| {
            current
                .remove(id)
                .ok_or_else(|| ApiError::not_found("lead"))
        })
        .collect::<ApiResult<_>>()?;
    let owners: Vec<(String, String, OfferStatus)> = offers
        .iter()
        .map(|o| (o.id.clone(), o.partner_id.clone(), o.status()))
        .collect();
    let leads = render(conn, offers)?;
    let mut rows = Vec::with_capacity(leads.len());
    for ((offer_id, partner_id, status), lead) in owners.into_iter().zip(&leads) {
        rows.push(CardRow {
            offer_id,
            partner_id,
            live: is_live(status),
            status: status.as_str().to_owned(),
            lead: Some(serde_json::to_string(lead).map_err(ApiError::internal)?),
        });
    }
    write_rows(conn, &rows)?;
    Ok(leads)
}

/// Writes card rows over any stored ones: `INSERT … ON CONFLICT (offer_id) DO UPDATE` on
/// PostgreSQL; on SQLite, whose writers take turns (see `db::write_transaction`) and for which
/// diesel builds no multi-row upsert, the old rows go and the new ones come.
fn write_rows(conn: &mut DbConnection, rows: &[CardRow]) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    match conn {
        DbConnection::Postgres(pg) => diesel::insert_into(lead_cards::table)
            .values(rows)
            .on_conflict(lead_cards::offer_id)
            .do_update()
            .set((
                lead_cards::partner_id.eq(excluded(lead_cards::partner_id)),
                lead_cards::live.eq(excluded(lead_cards::live)),
                lead_cards::status.eq(excluded(lead_cards::status)),
                lead_cards::lead.eq(excluded(lead_cards::lead)),
            ))
            .execute(pg),
        DbConnection::Sqlite(sqlite) => {
            let ids: Vec<&str> = rows.iter().map(|row| row.offer_id.as_str()).collect();
            diesel::delete(lead_cards::table.filter(lead_cards::offer_id.eq_any(&ids)))
                .execute(sqlite)?;
            diesel::insert_into(lead_cards::table)
                .values(rows)
                .execute(sqlite)
        }
    }
}

/// Stores the cards of the `affected` offers again; returns how many.
pub fn refresh(conn: &mut DbConnection, affected: Affected<'_>) -> ApiResult<usize> {
    let mut after = String::new();
    let mut stored = 0;
    loop {
        let batch: Vec<String> = affected_offers(affected)
            .filter(lead_offers::id.gt(&after))
            .order(lead_offers::id)
            .limit(BATCH)
            .select(lead_offers::id)
            .load(conn)?;
        let Some(last) = batch.last() else {
            return Ok(stored);
        };
        after.clone_from(last);
        stored += batch.len();
        store(conn, batch)?;
    }
}

fn affected_offers(affected: Affected<'_>) -> lead_offers::BoxedQuery<'_, MultiBackend> {
    let offers = lead_offers::table.into_boxed();
    match affected {
        Affected::Offers(ids) => offers.filter(lead_offers::id.eq_any(ids)),
        Affected::Request(id) => offers.filter(lead_offers::request_id.eq(id)),
        Affected::Partner(id) => offers.filter(lead_offers::partner_id.eq(id)),
        Affected::Customer(id) => offers.filter(
            lead_offers::request_id.eq_any(
                service_requests::table
                    .filter(service_requests::customer_id.eq(id))
                    .select(service_requests::id),
            ),
        ),
        Affected::Category(id) => offers.filter(
            lead_offers::request_id.eq_any(
                service_requests::table
                    .filter(service_requests::category_id.eq(id))
                    .select(service_requests::id),
            ),
        ),
    }
}

/// The race's winner closed the other live offers of `request_id` as `taken` (left untold) and
/// accepted `won_offer_id`: their cards say so at once, and are owed a rendering, which the
/// telling after the commit stores ([`store_owed`]).
pub fn mark_owed(conn: &mut DbConnection, request_id: &str, won_offer_id: &str) -> ApiResult<()> {
    let untold = lead_offers::table
        .filter(lead_offers::request_id.eq(request_id))
        .filter(lead_offers::notice_pending.eq(true))
        .filter(lead_offers::id.ne(won_offer_id))
        .select(lead_offers::id);
    diesel::update(lead_cards::table.filter(lead_cards::offer_id.eq_any(untold)))
        .set((
            lead_cards::live.eq(false),
            lead_cards::status.eq(OfferStatus::Taken.as_str()),
            lead_cards::lead.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(lead_cards::table.find(won_offer_id))
        .set((
            lead_cards::live.eq(false),
            lead_cards::status.eq(OfferStatus::Accepted.as_str()),
            lead_cards::lead.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Renders the owed cards of `request_id` (see [`mark_owed`]) but those of `except`.
pub fn store_owed(conn: &mut DbConnection, request_id: &str, except: &[String]) -> ApiResult<()> {
    let owed: Vec<String> = lead_offers::table
        .inner_join(lead_cards::table)
        .filter(lead_offers::request_id.eq(request_id))
        .filter(lead_cards::lead.is_null())
        .filter(lead_offers::id.ne_all(except))
        .select(lead_offers::id)
        .load(conn)?;
    store(conn, owed)?;
    Ok(())
}

/// Cards for offers that have none, or whose rendering is owed (a crash after a race, offers
/// from before the read model); returns how many. Run at start-up.
pub fn fill_missing(conn: &mut DbConnection) -> ApiResult<usize> {
    let mut stored = 0;
    loop {
        let batch: Vec<String> = lead_offers::table
            .left_join(lead_cards::table)
            .filter(
                lead_cards::offer_id
                    .is_null()
                    .or(lead_cards::lead.is_null()),
            )
            .order(lead_offers::id)
            .limit(BATCH)
            .select(lead_offers::id)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(stored);
        }
        stored += batch.len();
        store(conn, batch)?;
    }
}

/// A pro's cards in the feed's order (newest first) within one segment, as leads: stored ones
/// read, owed ones rendered. `after` is the last id of the page before.
pub fn page(
    conn: &mut DbConnection,
    partner_id: &str,
    live: bool,
    status: Option<OfferStatus>,
    after: Option<&str>,
    limit: i64,
) -> ApiResult<Vec<Lead>> {
    let mut query = lead_cards::table
        .filter(lead_cards::partner_id.eq(partner_id))
        .filter(lead_cards::live.eq(live))
        .order(lead_cards::offer_id.desc())
        .limit(limit)
        .select(CardRow::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(lead_cards::status.eq(status.as_str()));
    }
    if let Some(id) = after {
        query = query.filter(lead_cards::offer_id.lt(id));
    }
    let cards: Vec<CardRow> = query.load(conn)?;
    leads_of(conn, cards)
}

/// The card of `offer_id` if it is `partner_id`'s.
pub fn find(conn: &mut DbConnection, partner_id: &str, offer_id: &str) -> ApiResult<Option<Lead>> {
    let card: Option<CardRow> = lead_cards::table
        .find(offer_id)
        .filter(lead_cards::partner_id.eq(partner_id))
        .select(CardRow::as_select())
        .first(conn)
        .optional()?;
    Ok(leads_of(conn, card.into_iter().collect())?.pop())
}

fn leads_of(conn: &mut DbConnection, cards: Vec<CardRow>) -> ApiResult<Vec<Lead>> {
    let owed: Vec<&str> = cards
        .iter()
        .filter(|card| card.lead.is_none())
        .map(|card| card.offer_id.as_str())
        .collect();
    let mut rendered: HashMap<String, Lead> = if owed.is_empty() {
        HashMap::new()
    } else {
        let offers: Vec<OfferRow> = lead_offers::table
            .filter(lead_offers::id.eq_any(&owed))
            .select(OfferRow::as_select())
            .load(conn)?;
        render(conn, offers)?
            .into_iter()
            .map(|lead| (lead.id.clone(), lead))
            .collect()
    };
    cards
        .into_iter()
        .map(|card| match card.lead {
            Some(json) => serde_json::from_str(&json).map_err(ApiError::internal),
            None => rendered
                .remove(&card.offer_id)
                .ok_or_else(|| ApiError::not_found("lead")),
        })
        .collect()
}

fn is_live(status: OfferStatus) -> bool {
    ACTIVE_OFFER_STATUSES.contains(&status.as_str())
}

/// Where the cards and the tables disagree: one line per offer. Empty when they agree.
pub fn check(conn: &mut DbConnection) -> ApiResult<Vec<String>> {
    let mut problems = Vec::new();
    let mut after = String::new();
    loop {
        let batch: Vec<(OfferRow, Option<CardRow>)> = lead_offers::table
            .left_join(lead_cards::table)
            .filter(lead_offers::id.gt(&after))
            .order(lead_offers::id)
            .limit(BATCH)
            .select((OfferRow::as_select(), Option::<CardRow>::as_select()))
            .load(conn)?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after.clone_from(&last.id);
        let (offers, cards): (Vec<OfferRow>, Vec<Option<CardRow>>) = batch.into_iter().unzip();
        let owners: Vec<(String, String, OfferStatus)> = offers
            .iter()
            .map(|o| (o.id.clone(), o.partner_id.clone(), o.status()))
            .collect();
        let leads = render(conn, offers)?;
        for (((offer_id, partner_id, status), card), lead) in
            owners.into_iter().zip(cards).zip(leads)
        {
            let Some(card) = card else {
                problems.push(format!("offer {offer_id} has no card"));
                continue;
            };
            if card.partner_id != partner_id
                || card.status != status.as_str()
                || card.live != is_live(status)
            {
                problems.push(format!(
                    "card {offer_id}: {}/{}/{} where the offer is {partner_id}/{}/{}",
                    card.partner_id,
                    card.status,
                    card.live,
                    status.as_str(),
                    is_live(status)
                ));
            }
            if let Some(json) = card.lead {
                let stored: serde_json::Value =
                    serde_json::from_str(&json).map_err(ApiError::internal)?;
                let fresh = serde_json::to_value(&lead).map_err(ApiError::internal)?;
                for (field, shown, actual) in differences(&stored, &fresh) {
                    problems.push(format!(
                        "card {offer_id}: {field} shows {shown} where the tables say {actual}"
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// The top-level fields in which two leads differ, with both values.
fn differences<'a>(
    shown: &'a serde_json::Value,
    actual: &'a serde_json::Value,
) -> Vec<(&'a str, &'a serde_json::Value, &'a serde_json::Value)> {
    let (Some(shown), Some(actual)) = (shown.as_object(), actual.as_object()) else {
        return vec![("lead", shown, actual)];
    };
    actual
        .iter()
        .filter_map(|(field, value)| {
            let was = shown.get(field).unwrap_or(&serde_json::Value::Null);
            (was != value).then_some((field.as_str(), was, value))
        })
        .collect()
}
