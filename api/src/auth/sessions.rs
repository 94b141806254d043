//! Sessions: login with throttling, rotating refresh tokens with reuse detection, logout, and
//! the list of signed-in devices.
//!
//! Each sign-in is a session row (its id is the refresh-token family's) that the person can see
//! and end. Ending one revokes its refresh tokens; its last access token lapses within
//! `ACCESS_TOKEN_TTL_SECS`. Ending all of them moves the account to a new session epoch, which
//! stops every access token at once.
//!
//! A refresh token works once. Using it marks it used and issues a new one in the same *family*.
//! If a used token is presented again, someone holds a copy (a stolen token or a replay), so the
//! whole family is revoked and both holders must sign in again (RFC 9700 §4.14.2).

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::account::DeviceSession;
use shared_types::auth::TokenResponse;
use shared_types::{ErrorCode, Page, PageParams};

use super::accounts::{self, UserRow};
use super::tokens::{JwtKeys, hash_secret, random_token};
use crate::db::schema::{login_failures, refresh_tokens, sessions, users};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Refresh tokens start with this, so that a leaked one is recognisable (secret scanners).
pub const REFRESH_TOKEN_PREFIX: &str = "plr_";

/// Lifetimes of what a session hands out.
#[derive(Debug, Clone, Copy)]
pub struct TokenLifetimes {
    pub access: Duration,
    pub refresh: Duration,
}

/// Login throttling: at most `max_failures` failed attempts per (email, IP) in `window`.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimit {
    pub max_failures: u32,
    pub window: Duration,
}

impl LoginLimit {
    /// The oldest failure time that still counts.
    fn window_start(self, now: NaiveDateTime) -> NaiveDateTime {
        now - chrono::Duration::from_std(self.window).unwrap_or_default()
    }
}

/// Refuses a login attempt when the (email, IP) pair already failed `max_failures` times in the
/// window (-> 429 with `Retry-After`, counted from the oldest failure in the window).
pub fn check_login_throttle(
    conn: &mut DbConnection,
    limit: LoginLimit,
    email: &str,
    ip: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let since = limit.window_start(now);
    let failures: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::ip.eq(ip))
        .filter(login_failures::created_at.gt(since))
        .select(login_failures::created_at)
        .order(login_failures::created_at.asc())
        .load(conn)?;
    if failures.len() < limit.max_failures as usize {
        return Ok(());
    }
    let oldest = failures[0];
    let retry_after = (oldest - since).num_seconds().max(1);
    Err(ApiError::RateLimited {
        retry_after_secs: u64::try_from(retry_after).unwrap_or(1),
        what: "too many failed sign-ins to this account from this address",
    })
}

/// Remembers a failed attempt, and forgets failures older than the window.
pub fn record_login_failure(
    conn: &mut DbConnection,
    limit: LoginLimit,
    email: &str,
    ip: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::delete(
        login_failures::table.filter(login_failures::created_at.le(limit.window_start(now))),
    )
    .execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::id.eq(db::new_id()),
            login_failures::email.eq(email),
            login_failures::ip.eq(ip),
            login_failures::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Who is signing in, from where (for the throttle) and on what (for the list of devices).
#[derive(Debug, Clone)]
pub struct SignIn {
    pub ip: String,
    pub user_agent: Option<String>,
}

impl SignIn {
    /// The caller's IP and user agent (cut to 200 characters).
    pub fn of(req: &actix_web::HttpRequest) -> Self {
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.trim().chars().take(200).collect::<String>())
            .filter(|agent| !agent.is_empty());
        Self {
            ip: crate::client_ip::ClientIp::of(req).text(),
            user_agent,
        }
    }
}

/// Checks an email and password as signing in does: throttled per (email, IP), a failure
/// remembered, the same time spent whether or not the email exists.
pub async fn check_password(
    state: &AppState,
    sign_in: &SignIn,
    email: &str,
    password: String,
) -> ApiResult<UserRow> {
    let now = state.clock.now();
    let email = accounts::normalize_email(email);
    let ip = sign_in.ip.clone();
    let limit = LoginLimit::from(state.settings.as_ref());
    let user = state
        .db({
            let (email, ip) = (email.clone(), ip.clone());
            move |conn| {
                check_login_throttle(conn, limit, &email, &ip, now)?;
                accounts::find_by_email(conn, &email)
            }
        })
        .await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_ok = actix_web::web::block(move || {
        super::password::verify_password(&password, stored_hash.as_deref())
    })
    .await?;
    match user {
        Some(user) if password_ok => Ok(user),
        _ => {
            state
                .write(move |conn| record_login_failure(conn, limit, &email, &ip, now))
                .await?;
            Err(ApiError::new(
                ErrorCode::InvalidCredentials,
                "wrong email or password",
            ))
        }
    }
}

/// A successful login clears the pair's failures and opens a new session (a new token family).
pub fn start_session(
    conn: &mut DbConnection,
    jwt: &JwtKeys,
    lifetimes: TokenLifetimes,
    user: &UserRow,
    sign_in: &SignIn,
    now: NaiveDateTime,
) -> ApiResult<TokenResponse> {
    diesel::delete(
        login_failures::table
            .filter(login_failures::email.eq(&user.email))
            .filter(login_failures::ip.eq(&sign_in.ip)),
    )
    .execute(conn)?;
    let session_id = db::new_id();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(&session_id),
            sessions::user_id.eq(&user.id),
            sessions::user_agent.eq(&sign_in.user_agent),
            sessions::created_at.eq(now),
            sessions::last_used_at.eq(now),
            sessions::expires_at.eq(now + refresh_ttl(lifetimes)),
        ))
        .execute(conn)?;
    issue_tokens(conn, jwt, lifetimes, user, &session_id, now)
}

fn refresh_ttl(lifetimes: TokenLifetimes) -> chrono::Duration {
    chrono::Duration::from_std(lifetimes.refresh).unwrap_or_default()
}

fn issue_tokens(
    conn: &mut DbConnection,
    jwt: &JwtKeys,
    lifetimes: TokenLifetimes,
    user: &UserRow,
    family_id: &str,
    now: NaiveDateTime,
) -> ApiResult<TokenResponse> {
    if user.suspended_at.is_some() {
        return Err(super::suspension::suspended_error());
    }
    let refresh_token = format!("{REFRESH_TOKEN_PREFIX}{}", random_token(32));
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::id.eq(db::new_id()),
            refresh_tokens::user_id.eq(&user.id),
            refresh_tokens::family_id.eq(family_id),
            refresh_tokens::token_hash.eq(hash_secret(&refresh_token)),
            refresh_tokens::created_at.eq(now),
            refresh_tokens::expires_at.eq(now + refresh_ttl(lifetimes)),
        ))
        .execute(conn)?;
    let expires_in = lifetimes.access.as_secs();
    Ok(TokenResponse {
        access_token: jwt.issue_session_access(
            &user.id,
            user.role()?,
            user.session_epoch,
            Some(family_id),
            expires_in,
        )?,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_in,
    })
}

/// What presenting a refresh token led to. A reuse is not an `Err` here: the revocation it
/// causes must commit, so the caller turns it into a 401 after the transaction.
pub enum RefreshOutcome {
    Rotated(TokenResponse),
    Reused,
}

#[derive(Queryable)]
struct StoredRefreshToken {
    id: String,
    user_id: String,
    family_id: String,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// Exchanges a refresh token for a new pair. Run inside a write transaction.
pub fn refresh(
    conn: &mut DbConnection,
    jwt: &JwtKeys,
    lifetimes: TokenLifetimes,
    token: &str,
    now: NaiveDateTime,
) -> ApiResult<RefreshOutcome> {
    let invalid = || ApiError::new(ErrorCode::InvalidToken, "the refresh token is not valid");
    let stored: StoredRefreshToken = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash_secret(token)))
        .select((
            refresh_tokens::id,
            refresh_tokens::user_id,
            refresh_tokens::family_id,
            refresh_tokens::expires_at,
            refresh_tokens::used_at,
            refresh_tokens::revoked_at,
        ))
        .first(conn)
        .optional()?
        .ok_or_else(invalid)?;
    if stored.revoked_at.is_some() {
        return Err(invalid());
    }
    if stored.used_at.is_some() {
        revoke_family(conn, &stored.family_id, now)?;
        return Ok(RefreshOutcome::Reused);
    }
    if stored.expires_at <= now {
        return Err(invalid());
    }
    // Only one of two concurrent uses can flip `used_at`; the loser is treated as a reuse.
    let claimed = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(&stored.id))
            .filter(refresh_tokens::used_at.is_null())
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(now))
    .execute(conn)?;
    if claimed == 0 {
        revoke_family(conn, &stored.family_id, now)?;
        return Ok(RefreshOutcome::Reused);
    }
    // The sign-in was used now and lives on with its new refresh token.
    diesel::update(sessions::table.find(&stored.family_id))
        .set((
            sessions::last_used_at.eq(now),
            sessions::expires_at.eq(now + refresh_ttl(lifetimes)),
        ))
        .execute(conn)?;
    let user = accounts::find_by_id(conn, &stored.user_id)?;
    issue_tokens(conn, jwt, lifetimes, &user, &stored.family_id, now).map(RefreshOutcome::Rotated)
}

/// Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent).
pub fn logout(conn: &mut DbConnection, token: &str, now: NaiveDateTime) -> ApiResult<()> {
    let family: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash_secret(token)))
        .select(refresh_tokens::family_id)
        .first(conn)
        .optional()?;
    if let Some(family) = family {
        revoke_family(conn, &family, now)?;
    }
    Ok(())
}

/// Ends every session of the account: no refresh token of it works any more.
pub fn end_all(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Signs the account out everywhere at once: every session ends, the next session epoch makes
/// every access token issued so far useless, and pending email changes are void. Run inside a
/// write transaction.
pub fn end_everywhere(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    super::verification::void_pending_changes(conn, user_id, now)?;
    end_all(conn, user_id, now)
}

/// The account's signed-in devices, newest sign-in first; `current` marks the caller's.
pub fn list(
    conn: &mut DbConnection,
    user_id: &str,
    current: Option<&str>,
    page: &PageParams,
    now: NaiveDateTime,
) -> ApiResult<Page<DeviceSession>> {
    let limit = i64::from(page.limit());
    let mut query = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::id.desc())
        .limit(limit + 1)
        .select((
            sessions::id,
            sessions::user_agent,
            sessions::created_at,
            sessions::last_used_at,
            sessions::expires_at,
        ))
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(sessions::id.lt(cursor));
    }
    let rows: Vec<(
        String,
        Option<String>,
        NaiveDateTime,
        NaiveDateTime,
        NaiveDateTime,
    )> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    Ok(Page {
        items: rows
            .into_iter()
            .map(
                |(id, user_agent, created_at, last_used_at, expires_at)| DeviceSession {
                    current: current == Some(id.as_str()),
                    id,
                    user_agent,
                    created_at: created_at.and_utc(),
                    last_used_at: last_used_at.and_utc(),
                    expires_at: expires_at.and_utc(),
                },
            )
            .collect(),
        next_cursor,
    })
}

/// Ends one of the account's sessions (404 when it has no such live session). Run inside a
/// write transaction.
pub fn end_one(
    conn: &mut DbConnection,
    user_id: &str,
    session_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let ended = diesel::update(
        sessions::table
            .find(session_id)
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::ended_at.is_null())
            .filter(sessions::expires_at.gt(now)),
    )
    .set(sessions::ended_at.eq(now))
    .execute(conn)?;
    if ended == 0 {
        return Err(ApiError::not_found("session"));
    }
    revoke_family(conn, session_id, now)
}

/// Deletes the refresh tokens, and the sessions, that expired or were ended before `before`
/// (the retention sweep). Used tokens stay until they expire: presenting one again must still
/// revoke its family.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    let tokens = diesel::delete(
        refresh_tokens::table.filter(
            refresh_tokens::expires_at
                .lt(before)
                .or(refresh_tokens::revoked_at.lt(before)),
        ),
    )
    .execute(conn)?;
    diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(before)
                .or(sessions::ended_at.lt(before)),
        ),
    )
    .execute(conn)?;
    Ok(tokens)
}

fn revoke_family(conn: &mut DbConnection, family_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family_id.eq(family_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now))
    .execute(conn)?;
    diesel::update(
        sessions::table
            .find(family_id)
            .filter(sessions::ended_at.is_null()),
    )
    .set(sessions::ended_at.eq(now))
    .execute(conn)?;
    Ok(())
}

impl From<&crate::config::Settings> for TokenLifetimes {
    fn from(settings: &crate::config::Settings) -> Self {
        Self {
            access: settings.access_token_ttl,
            refresh: settings.refresh_token_ttl,
        }
    }
}

impl From<&crate::config::Settings> for LoginLimit {
    fn from(settings: &crate::config::Settings) -> Self {
        Self {
            max_failures: settings.login_max_failures,
            window: settings.login_window,
        }
    }
}
