//! Conversations as a whole: opening one (from a lead, a profile request or a job), how each
//! looks to its sides, the caller's list and unread count, read receipts and blocking.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::conversations::{Conversation, ConversationStage, Participant, UnreadCount};
use shared_types::jobs::{JobStatus, Party};
use shared_types::partners::AssignmentMode;
use shared_types::requests::{OfferStatus, RequestKind};
use shared_types::{Page, PageParams};

use super::model::{self, ConversationRow, MessageRow, Reader};
use crate::db::schema::{
    categories, conversations, jobs, lead_offers, messages, partner_profiles, service_requests,
    users,
};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::jobs::model::{self as job_model, Actor};
use crate::requests::intake;

/// Job statuses after which either side may block further messages.
const ENDED: [JobStatus; 3] = [
    JobStatus::Completed,
    JobStatus::Confirmed,
    JobStatus::Cancelled,
];

/// Offer statuses in which a pro who is not hired may still talk with the customer.
const OPEN_OFFER: [OfferStatus; 3] = [
    OfferStatus::Offered,
    OfferStatus::Applied,
    OfferStatus::Accepted,
];

/// A pro's conversation about the request of their lead `offer_id`: questions before quoting on
/// a review lead or a profile lead. Opened on first use, then the same one every time.
pub fn open_from_lead(
    conn: &mut DbConnection,
    partner_id: &str,
    offer_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Conversation> {
    let (request_id, status): (String, Stored<OfferStatus>) = lead_offers::table
        .find(offer_id)
        .filter(lead_offers::partner_id.eq(partner_id))
        .select((lead_offers::request_id, lead_offers::status))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("lead"))?;
    let request = intake::find(conn, &request_id)?;
    let mode: Stored<AssignmentMode> = categories::table
        .find(&request.category_id)
        .select(categories::assignment_mode)
        .first(conn)?;
    if request.kind() == RequestKind::Marketplace && mode.0 == AssignmentMode::Instant {
        return Err(ApiError::conflict(
            "an instant lead goes to the first pro who confirms it: questions before hiring are \
             for quote requests and requests sent from your profile",
        ));
    }
    if !OPEN_OFFER.contains(&status.0) {
        return Err(closed_lead(status.0));
    }
    let row = get_or_open(conn, &request_id, &request.customer_id, partner_id, now)?;
    view(conn, &row, Reader::Side(partner_id))
}

/// The customer's conversation with the pro their profile request went to.
pub fn open_from_request(
    conn: &mut DbConnection,
    customer_id: &str,
    request_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Conversation> {
    let request = intake::find_own(conn, customer_id, request_id)?;
    let partner_id = match (request.kind(), &request.target_partner_id) {
        (RequestKind::Profile, Some(partner_id)) => partner_id.clone(),
        _ => {
            return Err(ApiError::conflict(
                "a marketplace request has no one pro to write to yet: pros ask their questions \
                 from their leads, and the hired pro's conversation opens from the job",
            ));
        }
    };
    let status: Option<Stored<OfferStatus>> = lead_offers::table
        .filter(lead_offers::request_id.eq(request_id))
        .filter(lead_offers::partner_id.eq(&partner_id))
        .select(lead_offers::status)
        .first(conn)
        .optional()?;
    match status {
        Some(Stored(status)) if OPEN_OFFER.contains(&status) => {}
        Some(Stored(status)) => return Err(closed_lead(status)),
        None => return Err(ApiError::not_found("request")),
    }
    let row = get_or_open(conn, request_id, customer_id, &partner_id, now)?;
    view(conn, &row, Reader::Side(customer_id))
}

/// The job's conversation (the one its pro and customer had before hiring, if any).
pub fn open_from_job(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    now: NaiveDateTime,
) -> ApiResult<Conversation> {
    let job = job_model::find_for(conn, job_id, actor)?;
    let row = get_or_open(
        conn,
        &job.request_id,
        &job.customer_id,
        &job.partner_id,
        now,
    )?;
    view(conn, &row, Reader::Side(&actor.user_id))
}

fn closed_lead(status: OfferStatus) -> ApiError {
    ApiError::new(
        shared_types::ErrorCode::ConversationClosed,
        format!(
            "the lead is {}: the conversation is closed",
            status.as_str()
        ),
    )
}

/// The conversation of the request and pro, opened now if there is none (two sides opening it
/// at once get the same one: the pair is unique).
fn get_or_open(
    conn: &mut DbConnection,
    request_id: &str,
    customer_id: &str,
    partner_id: &str,
    now: NaiveDateTime,
) -> ApiResult<ConversationRow> {
    let id = db::new_id();
    crate::insert_or_ignore!(
        conn,
        conversations::table,
        (
            conversations::id.eq(&id),
            conversations::request_id.eq(request_id),
            conversations::customer_id.eq(customer_id),
            conversations::partner_id.eq(partner_id),
            conversations::created_at.eq(now),
            conversations::last_activity_at.eq(now),
            conversations::activity_key.eq(&id),
            conversations::customer_unread.eq(0),
            conversations::partner_unread.eq(0),
        )
    )?;
    Ok(conversations::table
        .filter(conversations::request_id.eq(request_id))
        .filter(conversations::partner_id.eq(partner_id))
        .select(ConversationRow::as_select())
        .first(conn)?)
}

/// What a conversation's view needs beyond its row, read for a whole page at once.
struct Facts {
    titles: HashMap<String, (String, String)>,
    /// Per (request, pro): the newest job's id and status, and the live one's id.
    jobs: HashMap<(String, String), (JobStatus, Option<String>)>,
    offers: HashMap<(String, String), OfferStatus>,
    customer_names: HashMap<String, String>,
    partner_names: HashMap<String, String>,
    last_messages: HashMap<String, MessageRow>,
}

impl Facts {
    fn load(conn: &mut DbConnection, rows: &[ConversationRow]) -> ApiResult<Self> {
        let request_ids: Vec<&str> = rows.iter().map(|row| row.request_id.as_str()).collect();
        let titles = service_requests::table
            .inner_join(categories::table)
            .filter(service_requests::id.eq_any(&request_ids))
            .select((
                service_requests::id,
                categories::name,
                service_requests::city,
            ))
            .load::<(String, String, String)>(conn)?
            .into_iter()
            .map(|(id, category, city)| (id, (category, city)))
            .collect();
        let mut job_rows: Vec<(String, String, String, Stored<JobStatus>)> = jobs::table
            .filter(jobs::request_id.eq_any(&request_ids))
            .order(jobs::created_at.asc())
            .select((jobs::id, jobs::request_id, jobs::partner_id, jobs::status))
            .load(conn)?;
        let mut jobs_by_pair: HashMap<(String, String), (JobStatus, Option<String>)> =
            HashMap::new();
        for (job_id, request_id, partner_id, Stored(status)) in job_rows.drain(..) {
            let entry = jobs_by_pair
                .entry((request_id, partner_id))
                .or_insert((status, None));
            entry.0 = status;
            if status != JobStatus::Cancelled {
                entry.1 = Some(job_id);
            }
        }
        let offers = lead_offers::table
            .filter(lead_offers::request_id.eq_any(&request_ids))
            .select((
                lead_offers::request_id,
                lead_offers::partner_id,
                lead_offers::status,
            ))
            .load::<(String, String, Stored<OfferStatus>)>(conn)?
            .into_iter()
            .map(|(request_id, partner_id, status)| ((request_id, partner_id), status.0))
            .collect();
        let customer_ids: Vec<&str> = rows.iter().map(|row| row.customer_id.as_str()).collect();
        let customer_names = users::table
            .filter(users::id.eq_any(&customer_ids))
            .select((users::id, users::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect();
        let partner_ids: Vec<&str> = rows.iter().map(|row| row.partner_id.as_str()).collect();
        let partner_names = users::table
            .left_join(partner_profiles::table)
            .filter(users::id.eq_any(&partner_ids))
            .select((
                users::id,
                users::name,
                partner_profiles::business_name.nullable(),
            ))
            .load::<(String, String, Option<String>)>(conn)?
            .into_iter()
            .map(|(id, name, business)| (id, business.unwrap_or(name)))
            .collect();
        let last_ids: Vec<&str> = rows
            .iter()
            .filter_map(|row| row.last_message_id.as_deref())
            .collect();
        let last_messages = messages::table
            .filter(messages::id.eq_any(&last_ids))
            .select(MessageRow::as_select())
            .load(conn)?
            .into_iter()
            .map(|message| (message.id.clone(), message))
            .collect();
        Ok(Self {
            titles,
            jobs: jobs_by_pair,
            offers,
            customer_names,
            partner_names,
            last_messages,
        })
    }

    fn view(&self, row: &ConversationRow, reader: Reader<'_>) -> Conversation {
        let pair = (row.request_id.clone(), row.partner_id.clone());
        let (category, city) = self
            .titles
            .get(&row.request_id)
            .cloned()
            .unwrap_or_default();
        let live_job = self.jobs.get(&pair).and_then(|(_, live)| live.clone());
        let stage = if live_job.is_some() {
            ConversationStage::Hired
        } else {
            ConversationStage::PreHire
        };
        let side = match reader {
            Reader::Side(user_id) => row.side_of(user_id),
            Reader::Staff => None,
        };
        let (unread, _, read_by_other) = side.map_or((0, None, None), |side| row.reading(side));
        // A pro who is not hired sees neither who the customer is nor more than the city.
        let concealed = side == Some(Party::Partner) && stage == ConversationStage::PreHire;
        let customer_name = if concealed {
            format!("A customer in {city}")
        } else {
            self.customer_names
                .get(&row.customer_id)
                .cloned()
                .unwrap_or_default()
        };
        let offer_open = self
            .offers
            .get(&pair)
            .is_some_and(|status| OPEN_OFFER.contains(status));
        Conversation {
            id: row.id.clone(),
            request_id: row.request_id.clone(),
            job_id: live_job,
            title: format!("{category} in {city}"),
            stage,
            customer: Participant {
                id: (!concealed).then(|| row.customer_id.clone()),
                name: customer_name,
            },
            partner: Participant {
                id: Some(row.partner_id.clone()),
                name: self
                    .partner_names
                    .get(&row.partner_id)
                    .cloned()
                    .unwrap_or_default(),
            },
            unread,
            last_message: row
                .last_message_id
                .as_ref()
                .and_then(|id| self.last_messages.get(id))
                .map(|message| {
                    let mut view = message.to_view(reader);
                    if concealed {
                        model::conceal_customer(&mut view);
                    }
                    view
                }),
            read_by_other_up_to: read_by_other.cloned(),
            can_send: row.blocked_by().is_none()
                && (stage == ConversationStage::Hired || offer_open),
            blocked_by: row.blocked_by(),
            created_at: row.created_at.and_utc(),
            last_activity_at: row.last_activity_at.and_utc(),
        }
    }

    /// The newest job's status, if the pro was ever hired for the request.
    fn latest_job_status(&self, row: &ConversationRow) -> Option<JobStatus> {
        self.jobs
            .get(&(row.request_id.clone(), row.partner_id.clone()))
            .map(|(status, _)| *status)
    }
}

/// The conversation as `reader` sees it.
pub fn view(
    conn: &mut DbConnection,
    row: &ConversationRow,
    reader: Reader<'_>,
) -> ApiResult<Conversation> {
    let facts = Facts::load(conn, std::slice::from_ref(row))?;
    Ok(facts.view(row, reader))
}

/// The conversations of `user_id` on `side` (an account is only ever one side), the most
/// recently active first: one range scan of that side's index.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    side: Party,
    page: &PageParams,
) -> ApiResult<Page<Conversation>> {
    let limit = i64::from(page.limit());
    let mut query = conversations::table
        .order(conversations::activity_key.desc())
        .select(ConversationRow::as_select())
        .limit(limit + 1)
        .into_boxed();
    query = match side {
        Party::Customer => query.filter(conversations::customer_id.eq(user_id)),
        Party::Partner => query.filter(conversations::partner_id.eq(user_id)),
        _ => {
            return Ok(Page {
                items: Vec::new(),
                next_cursor: None,
            });
        }
    };
    if let Some(cursor) = &page.cursor {
        query = query.filter(conversations::activity_key.lt(cursor.clone()));
    }
    let (rows, next_cursor) = db::split_page(query.load(conn)?, limit, |row: &ConversationRow| {
        row.activity_key.clone()
    });
    let facts = Facts::load(conn, &rows)?;
    Ok(Page {
        items: rows
            .iter()
            .map(|row| facts.view(row, Reader::Side(user_id)))
            .collect(),
        next_cursor,
    })
}

/// How many of the caller's conversations have unread messages, and how many messages.
pub fn unread(conn: &mut DbConnection, user_id: &str) -> ApiResult<UnreadCount> {
    let as_customer: Vec<i64> = conversations::table
        .filter(conversations::customer_id.eq(user_id))
        .filter(conversations::customer_unread.gt(0))
        .select(conversations::customer_unread)
        .load(conn)?;
    let as_partner: Vec<i64> = conversations::table
        .filter(conversations::partner_id.eq(user_id))
        .filter(conversations::partner_unread.gt(0))
        .select(conversations::partner_unread)
        .load(conn)?;
    let counts = as_customer.iter().chain(&as_partner);
    Ok(UnreadCount {
        conversations: i64::try_from(as_customer.len() + as_partner.len()).unwrap_or(i64::MAX),
        messages: counts.sum(),
    })
}

/// Records that `user_id` has read everything up to `up_to` (a message or timeline entry of the
/// conversation), and recounts what they have not read. A position before the recorded one
/// changes nothing.
pub fn mark_read(
    conn: &mut DbConnection,
    user_id: &str,
    conversation_id: &str,
    up_to: &str,
) -> ApiResult<Conversation> {
    let (_, side) = model::find_for(conn, conversation_id, user_id)?;
    model::lock(conn, conversation_id)?;
    let row = model::find(conn, conversation_id)?;
    if !super::messages::is_entry_of(conn, &row, up_to)? {
        return Err(ApiError::invalid_field(
            "up_to",
            "not a message of this conversation",
        ));
    }
    let (_, read, _) = row.reading(side);
    if read.is_none_or(|read| read.as_str() < up_to) {
        let unread: i64 = messages::table
            .filter(messages::conversation_id.eq(conversation_id))
            .filter(messages::id.gt(up_to))
            .filter(messages::sender.ne(Stored(side)))
            .count()
            .get_result(conn)?;
        let target = conversations::table.find(conversation_id);
        match side {
            Party::Customer => diesel::update(target)
                .set((
                    conversations::customer_read_id.eq(up_to),
                    conversations::customer_unread.eq(unread),
                ))
                .execute(conn)?,
            _ => diesel::update(target)
                .set((
                    conversations::partner_read_id.eq(up_to),
                    conversations::partner_unread.eq(unread),
                ))
                .execute(conn)?,
        };
    }
    let row = model::find(conn, conversation_id)?;
    view(conn, &row, Reader::Side(user_id))
}

/// Blocks (`block`) or unblocks further messages from either side. Blocking is for a job that
/// has ended (completed, confirmed or cancelled); only the side that blocked unblocks.
pub fn set_blocked(
    conn: &mut DbConnection,
    user_id: &str,
    conversation_id: &str,
    block: bool,
    now: NaiveDateTime,
) -> ApiResult<Conversation> {
    let (_, side) = model::find_for(conn, conversation_id, user_id)?;
    model::lock(conn, conversation_id)?;
    let row = model::find(conn, conversation_id)?;
    let facts = Facts::load(conn, std::slice::from_ref(&row))?;
    let target = conversations::table.find(conversation_id);
    if block {
        if let Some(by) = row.blocked_by() {
            return Err(ApiError::conflict(format!(
                "the conversation is already blocked (by the {})",
                by.as_str()
            )));
        }
        if !facts
            .latest_job_status(&row)
            .is_some_and(|status| ENDED.contains(&status))
        {
            return Err(ApiError::new(
                shared_types::ErrorCode::InvalidTransition,
                "messages can be blocked once the job has ended (completed, confirmed or \
                 cancelled); report a message that breaks the rules instead",
            ));
        }
        diesel::update(target)
            .set((
                conversations::blocked_by.eq(Stored(side)),
                conversations::blocked_at.eq(now),
            ))
            .execute(conn)?;
    } else {
        if row.blocked_by() != Some(side) {
            return Err(ApiError::conflict(
                "only the side that blocked the conversation can unblock it",
            ));
        }
        diesel::update(target)
            .set((
                conversations::blocked_by.eq(None::<Stored<Party>>),
                conversations::blocked_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
    }
    let row = model::find(conn, conversation_id)?;
    Ok(facts.view(&row, Reader::Side(user_id)))
}

/// Whether the pro is hired for the conversation's request, and whether the conversation takes
/// messages from its sides now.
pub fn standing(conn: &mut DbConnection, row: &ConversationRow) -> ApiResult<(bool, bool)> {
    let hired = hired(conn, row)?;
    let offer: Option<Stored<OfferStatus>> = lead_offers::table
        .filter(lead_offers::request_id.eq(&row.request_id))
        .filter(lead_offers::partner_id.eq(&row.partner_id))
        .select(lead_offers::status)
        .first(conn)
        .optional()?;
    let offer_open = offer.is_some_and(|status| OPEN_OFFER.contains(&status.0));
    Ok((hired, row.blocked_by().is_none() && (hired || offer_open)))
}

/// The jobs the request and pro had, for the timeline entries shown in the conversation.
pub fn job_ids(conn: &mut DbConnection, row: &ConversationRow) -> ApiResult<Vec<String>> {
    Ok(jobs::table
        .filter(jobs::request_id.eq(&row.request_id))
        .filter(jobs::partner_id.eq(&row.partner_id))
        .select(jobs::id)
        .load(conn)?)
}

/// Whether the message a `message.received` notification carries (`payload`) is still unread by
/// `recipient_id` (who then gets it by email). A message staff hid, or of a conversation gone or
/// unknown, is not.
pub fn still_unread(
    conn: &mut DbConnection,
    recipient_id: &str,
    payload: &serde_json::Value,
) -> ApiResult<bool> {
    let (Some(message_id), Some(conversation_id)) = (
        payload.get("id").and_then(serde_json::Value::as_str),
        payload
            .get("conversation_id")
            .and_then(serde_json::Value::as_str),
    ) else {
        return Ok(false);
    };
    let Some(row) = conversations::table
        .find(conversation_id)
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let Some(side) = row.side_of(recipient_id) else {
        return Ok(false);
    };
    let (_, read, _) = row.reading(side);
    let hidden: Option<Option<NaiveDateTime>> = messages::table
        .find(message_id)
        .select(messages::hidden_at)
        .first(conn)
        .optional()?;
    Ok(read.is_none_or(|read| read.as_str() < message_id) && hidden.is_some_and(|at| at.is_none()))
}

/// Whether the pro is hired for the conversation's request: a job for the two that is not
/// cancelled.
pub fn hired(conn: &mut DbConnection, row: &ConversationRow) -> ApiResult<bool> {
    let live: i64 = jobs::table
        .filter(jobs::request_id.eq(&row.request_id))
        .filter(jobs::partner_id.eq(&row.partner_id))
        .filter(jobs::status.ne(Stored(JobStatus::Cancelled)))
        .count()
        .get_result(conn)?;
    Ok(live > 0)
}

/// Whether `reader` is the conversation's pro before the hire (who does not see who the
/// customer is).
pub fn reads_as_unhired_pro(
    conn: &mut DbConnection,
    row: &ConversationRow,
    reader: Reader<'_>,
) -> ApiResult<bool> {
    match reader {
        Reader::Side(user_id) if user_id == row.partner_id => Ok(!hired(conn, row)?),
        _ => Ok(false),
    }
}
