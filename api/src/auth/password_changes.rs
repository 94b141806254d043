//! Changing a password (the current one required) and resetting a forgotten one through a
//! link sent by email. Either ends every session of the account: its refresh tokens are revoked
//! and access tokens issued before the change stop working.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::{self, UserRow};
use super::password;
use super::sessions;
use super::tokens::{hash_secret, random_token};
use crate::db::schema::{password_resets, users};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::notify::message::Notification;

/// Reset tokens start with this, so that a leaked one is recognisable.
pub const RESET_TOKEN_PREFIX: &str = "plp_";
/// How long a reset link works.
const RESET_TTL: chrono::Duration = chrono::Duration::hours(1);
/// At most this many links per account an hour, so that nobody can flood an inbox.
const RESETS_PER_HOUR: i64 = 3;

/// Sets `password_hash` and ends every session of `user_id`: its refresh tokens are revoked and
/// the next session epoch makes its access tokens useless.
fn replace_password(
    conn: &mut DbConnection,
    user_id: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    sessions::end_everywhere(conn, user_id, now)
}

/// The account of a signed-in caller whose `current` password is right (checked off the write
/// path: hashing is slow on purpose).
pub fn check_current(conn: &mut DbConnection, user_id: &str, current: &str) -> ApiResult<UserRow> {
    let user = accounts::find_by_id(conn, user_id)?;
    if password::verify_password(current, Some(&user.password_hash)) {
        Ok(user)
    } else {
        Err(ApiError::invalid_field(
            "current_password",
            "is not this account's password",
        ))
    }
}

/// Replaces the password of `user`, read with its hash by [`check_current`]; refused if it
/// changed meanwhile. Returns the account as it now is. Run inside a write transaction.
pub fn change(
    conn: &mut DbConnection,
    user: &UserRow,
    new_hash: &str,
    now: NaiveDateTime,
) -> ApiResult<UserRow> {
    let unchanged = users::table
        .find(&user.id)
        .filter(users::password_hash.eq(&user.password_hash))
        .select(users::id)
        .first::<String>(conn)
        .optional()?;
    if unchanged.is_none() {
        return Err(ApiError::invalid_field(
            "current_password",
            "the password changed meanwhile; try again",
        ));
    }
    replace_password(conn, &user.id, new_hash, now)?;
    accounts::find_by_id(conn, &user.id)
}

/// A reset link for the account of `email`, as (address, token); `None` when there is no such
/// active account or it had its links for the hour (the caller answers the same either way).
/// Run inside a write transaction.
pub fn request_reset(
    conn: &mut DbConnection,
    email: &str,
    now: NaiveDateTime,
) -> ApiResult<Option<(String, String)>> {
    let Some(user) = accounts::find_by_email(conn, &accounts::normalize_email(email))? else {
        return Ok(None);
    };
    if user.suspended_at.is_some() {
        return Ok(None);
    }
    let recent: i64 = password_resets::table
        .filter(password_resets::user_id.eq(&user.id))
        .filter(password_resets::created_at.gt(now - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if recent >= RESETS_PER_HOUR {
        return Ok(None);
    }
    let token = format!("{RESET_TOKEN_PREFIX}{}", random_token(32));
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::id.eq(db::new_id()),
            password_resets::user_id.eq(&user.id),
            password_resets::token_hash.eq(hash_secret(&token)),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(now + RESET_TTL),
        ))
        .execute(conn)?;
    Ok(Some((user.email, token)))
}

/// The email that carries a reset link (opened by the app where installed).
pub fn reset_email(token: &str) -> Notification {
    Notification {
        title: "Reset your Porchlight password".to_owned(),
        body: "Someone, hopefully you, asked to reset the password of your Porchlight account. \
               The button below works once, within the hour: choose a new password there."
            .to_owned(),
        data: [(
            "deep_link".to_owned(),
            format!("porchlight://reset-password?token={token}"),
        )]
        .into(),
        ttl: None,
    }
}

/// Uses a reset link: sets the new password, ends every session and voids the account's other
/// links; returns the account's id. A link works once, within its hour. Run inside a write
/// transaction.
pub fn confirm_reset(
    conn: &mut DbConnection,
    token: &str,
    new_hash: &str,
    now: NaiveDateTime,
) -> ApiResult<String> {
    let invalid = || {
        ApiError::invalid_field(
            "token",
            "this reset link is not valid (used, expired or mistyped); ask for a new one",
        )
    };
    let (id, user_id): (String, String) = password_resets::table
        .filter(password_resets::token_hash.eq(hash_secret(token)))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .select((password_resets::id, password_resets::user_id))
        .first(conn)
        .optional()?
        .ok_or_else(invalid)?;
    // Of two uses at once, one flips `used_at`.
    let claimed = diesel::update(
        password_resets::table
            .find(&id)
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    if claimed == 0 {
        return Err(invalid());
    }
    diesel::update(
        password_resets::table
            .filter(password_resets::user_id.eq(&user_id))
            .filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    replace_password(conn, &user_id, new_hash, now)?;
    Ok(user_id)
}

/// Deletes the reset links created before `before` (the retention sweep).
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    Ok(
        diesel::delete(password_resets::table.filter(password_resets::created_at.lt(before)))
            .execute(conn)?,
    )
}
