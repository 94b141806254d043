//! Suspension: the one rule behind every way staff stop an account (the account endpoints, the
//! monitoring list, partner administration) and behind lifting it.
//!
//! A suspended account cannot sign in or refresh; its access tokens and API keys stop working
//! (within [`STANDING_CACHE_TTL`] on every replica); a pro leaves search and matching and their
//! live offers are withdrawn (the sweep offers those requests onwards). Reinstating restores all
//! of it but the sessions, which were ended: the person signs in again. Both are audit-logged and
//! the person is told.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::ErrorCode;
use shared_types::events::EventData;
use shared_types::partners::PartnerStatus;

use crate::admin::audit::{self, Change};
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::{ApiError, ApiResult};
use crate::notify::outbox;
use crate::partners::profiles;
use crate::requests::leads;
use crate::state::AppState;

/// How long a replica trusts what it last read of an account's standing.
pub const STANDING_CACHE_TTL: Duration = Duration::from_secs(2);

/// A staff decision about one account.
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    pub staff_id: &'a str,
    pub user_id: &'a str,
    pub reason: &'a str,
    pub now: NaiveDateTime,
}

/// Suspends the account. Returns false (and changes nothing) when it already was. Run inside a
/// write transaction.
pub fn suspend(conn: &mut DbConnection, decision: Decision<'_>) -> ApiResult<bool> {
    if decision.staff_id == decision.user_id {
        return Err(ApiError::conflict(
            "staff cannot suspend their own account; ask another staff member",
        ));
    }
    let reason = decision.reason.trim();
    let changed = diesel::update(
        users::table
            .find(decision.user_id)
            .filter(users::suspended_at.is_null())
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::suspended_at.eq(decision.now),
        users::suspension_reason.eq(reason),
        users::updated_at.eq(decision.now),
    ))
    .execute(conn)?;
    if changed == 0 {
        ensure_exists(conn, decision.user_id)?;
        return Ok(false);
    }
    super::sessions::end_all(conn, decision.user_id, decision.now)?;
    profiles::set_status(
        conn,
        decision.user_id,
        PartnerStatus::Suspended,
        decision.now,
    )?;
    leads::withdraw_partner_offers(conn, decision.user_id)?;
    record(conn, decision, "account.suspend", false)?;
    let account = super::accounts::find_by_id(conn, decision.user_id)?.to_view()?;
    outbox::enqueue(
        conn,
        decision.user_id,
        EventData::AccountSuspended(account),
        decision.now,
    )?;
    Ok(true)
}

/// Lifts a suspension. Returns false (and changes nothing) when the account was not suspended.
/// Run inside a write transaction.
pub fn reinstate(conn: &mut DbConnection, decision: Decision<'_>) -> ApiResult<bool> {
    let changed = diesel::update(
        users::table
            .find(decision.user_id)
            .filter(users::suspended_at.is_not_null())
            .filter(users::deleted_at.is_null()),
    )
    .set((
        users::suspended_at.eq(None::<NaiveDateTime>),
        users::suspension_reason.eq(None::<String>),
        users::updated_at.eq(decision.now),
    ))
    .execute(conn)?;
    if changed == 0 {
        ensure_exists(conn, decision.user_id)?;
        return Ok(false);
    }
    profiles::set_status(conn, decision.user_id, PartnerStatus::Active, decision.now)?;
    record(conn, decision, "account.reinstate", true)?;
    let account = super::accounts::find_by_id(conn, decision.user_id)?.to_view()?;
    outbox::enqueue(
        conn,
        decision.user_id,
        EventData::AccountReinstated(account),
        decision.now,
    )?;
    Ok(true)
}

/// A deleted account is not one staff can act on any more.
fn ensure_exists(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    let user = super::accounts::find_by_id(conn, user_id)?;
    if user.deleted_at.is_some() {
        return Err(ApiError::not_found("user"));
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    decision: Decision<'_>,
    action: &str,
    suspended_before: bool,
) -> ApiResult<()> {
    let state = |suspended: bool| serde_json::json!({ "suspended": suspended });
    audit::record(
        conn,
        Change {
            actor_id: decision.staff_id,
            action,
            subject_type: "user",
            subject_id: decision.user_id,
            before: Some(state(suspended_before)),
            after: Some(state(!suspended_before)),
            reason: Some(decision.reason.trim()),
        },
        decision.now,
    )
}

/// What a signed token's subject is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Access tokens of an epoch before `session_epoch` were ended by a password change or
    /// reset.
    Active {
        session_epoch: i32,
    },
    Suspended,
    /// The account no longer exists (or was deleted by its owner).
    Gone,
}

impl Standing {
    /// The error a credential of an account in this standing gets, if any.
    pub fn refusal(self) -> Option<ApiError> {
        match self {
            Self::Active { .. } => None,
            Self::Suspended => Some(suspended_error()),
            Self::Gone => Some(ApiError::new(
                ErrorCode::InvalidToken,
                "the account of this token no longer exists",
            )),
        }
    }
}

/// The problem a suspended account's sign-in, refresh, token or key gets.
pub fn suspended_error() -> ApiError {
    ApiError::new(
        ErrorCode::AccountSuspended,
        "this account is suspended; contact Porchlight support",
    )
}

/// The account's standing as this replica knows it: from the cache when fresh, else read (and
/// cached).
pub async fn current(state: &AppState, user_id: &str) -> ApiResult<Standing> {
    if let Some(standing) = state.standing.get(user_id) {
        return Ok(standing);
    }
    let id = user_id.to_owned();
    let standing = state.db(move |conn| standing(conn, &id)).await?;
    state.standing.put(user_id, standing);
    Ok(standing)
}

/// Reads an account's standing.
pub fn standing(conn: &mut DbConnection, user_id: &str) -> ApiResult<Standing> {
    let row: Option<(Option<NaiveDateTime>, i32)> = users::table
        .find(user_id)
        .filter(users::deleted_at.is_null())
        .select((users::suspended_at, users::session_epoch))
        .first(conn)
        .optional()?;
    Ok(match row {
        None => Standing::Gone,
        Some((Some(_), _)) => Standing::Suspended,
        Some((None, session_epoch)) => Standing::Active { session_epoch },
    })
}

/// Standings read in the last [`STANDING_CACHE_TTL`], so that a signed-in caller costs one
/// lookup every couple of seconds rather than one per request. Not shared between replicas: a
/// suspension reaches the others when their entry ages out.
#[derive(Debug, Clone, Default)]
pub struct StandingCache {
    entries: Arc<Mutex<HashMap<String, (Instant, Standing)>>>,
}

impl StandingCache {
    /// The cached standing of `user_id`, if fresh.
    pub fn get(&self, user_id: &str) -> Option<Standing> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(user_id)
            .filter(|(read_at, _)| read_at.elapsed() < STANDING_CACHE_TTL)
            .map(|(_, standing)| *standing)
    }

    pub fn put(&self, user_id: &str, standing: Standing) {
        if let Ok(mut entries) = self.entries.lock() {
            // Keep the map to the callers of the last few seconds.
            if entries.len() > 10_000 {
                entries.retain(|_, (read_at, _)| read_at.elapsed() < STANDING_CACHE_TTL);
            }
            entries.insert(user_id.to_owned(), (Instant::now(), standing));
        }
    }

    /// Forgets `user_id`, so that this replica sees a change at once.
    pub fn forget(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(user_id);
        }
    }
}
