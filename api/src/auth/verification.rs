//! Email addresses confirmed by a link: the account's own address after sign-up, or a new
//! address the person moves the account to (which replaces the old one only once confirmed,
//! and the old address is told). A customer asks for work, and a pro receives leads, only with
//! a confirmed address.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::ErrorCode;

use super::accounts::{self, UserRow};
use super::tokens::{hash_secret, random_token};
use crate::db::schema::{email_verifications, password_resets, users};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::notify::message::Notification;

/// Verification tokens start with this, so that a leaked one is recognisable.
pub const VERIFY_TOKEN_PREFIX: &str = "plv_";
/// How long a link works.
const LINK_TTL: chrono::Duration = chrono::Duration::hours(24);
/// At most this many links per account an hour, so that nobody can flood an inbox.
const LINKS_PER_HOUR: i64 = 3;

/// What following a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Confirms the account's current address.
    Confirm,
    /// Moves the account to the link's address.
    Change,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Change => "change",
        }
    }
}

/// A link to send: the address and the token it carries.
#[derive(Debug, Clone)]
pub struct EmailLink {
    pub to: String,
    pub token: String,
    pub purpose: Purpose,
}

impl EmailLink {
    /// The email that carries the link (opened by the app where installed).
    pub fn message(&self) -> Notification {
        let (title, body) = match self.purpose {
            Purpose::Confirm => (
                "Confirm your email for Porchlight",
                "Welcome to Porchlight. Confirm that this address is yours with the button \
                 below (it works once, for 24 hours); then you can ask for work or receive \
                 leads.",
            ),
            Purpose::Change => (
                "Confirm your new email for Porchlight",
                "Someone, hopefully you, asked to move a Porchlight account to this address. \
                 The button below confirms it (once, within 24 hours); until then the account \
                 keeps its old address.",
            ),
        };
        Notification {
            title: title.to_owned(),
            body: body.to_owned(),
            data: [(
                "deep_link".to_owned(),
                format!("porchlight://verify-email?token={}", self.token),
            )]
            .into(),
            ttl: None,
        }
    }
}

/// The notice the old address gets when the account moved to `new_email`.
pub fn changed_notice(new_email: &str) -> Notification {
    Notification {
        title: "Your Porchlight email changed".to_owned(),
        body: format!(
            "Your Porchlight account now uses {new_email}; this address no longer signs in. \
             If you did not ask for this, contact Porchlight support at once."
        ),
        data: [("deep_link".to_owned(), "porchlight://settings".to_owned())].into(),
        ttl: None,
    }
}

/// A new link for `user_id` to `email`; `None` when the account had its links for the hour.
/// Run inside a write transaction.
pub fn issue(
    conn: &mut DbConnection,
    user_id: &str,
    email: &str,
    purpose: Purpose,
    now: NaiveDateTime,
) -> ApiResult<Option<EmailLink>> {
    // Links for one account are counted one request at a time.
    accounts::lock(conn, user_id)?;
    let recent: i64 = email_verifications::table
        .filter(email_verifications::user_id.eq(user_id))
        .filter(email_verifications::created_at.gt(now - chrono::Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if recent >= LINKS_PER_HOUR {
        return Ok(None);
    }
    let token = format!("{VERIFY_TOKEN_PREFIX}{}", random_token(32));
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::id.eq(db::new_id()),
            email_verifications::user_id.eq(user_id),
            email_verifications::email.eq(email),
            email_verifications::purpose.eq(purpose.as_str()),
            email_verifications::token_hash.eq(hash_secret(&token)),
            email_verifications::created_at.eq(now),
            email_verifications::expires_at.eq(now + LINK_TTL),
        ))
        .execute(conn)?;
    Ok(Some(EmailLink {
        to: email.to_owned(),
        token,
        purpose,
    }))
}

/// Another link to confirm the account's address: 409 when it is confirmed already, 429 after
/// three in an hour. Run inside a write transaction.
pub fn resend(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> ApiResult<EmailLink> {
    let user = accounts::find_by_id(conn, user_id)?;
    if user.email_verified_at.is_some() {
        return Err(ApiError::conflict(
            "this email address is confirmed already",
        ));
    }
    issue(conn, user_id, &user.email, Purpose::Confirm, now)?.ok_or(ApiError::RateLimited {
        retry_after_secs: 3600,
        what: "enough confirmation links were sent this hour",
    })
}

/// A link to move `user` to `new_email` (normalised); `None` when the address belongs to
/// another account or the hour's links are used up (the caller answers the same either way, so
/// that nobody learns who has an account). Run inside a write transaction.
pub fn request_change(
    conn: &mut DbConnection,
    user: &UserRow,
    new_email: &str,
    now: NaiveDateTime,
) -> ApiResult<Option<EmailLink>> {
    if new_email == user.email {
        return Err(ApiError::invalid_field(
            "new_email",
            "is the account's address already",
        ));
    }
    if accounts::find_by_email(conn, new_email)?.is_some() {
        return Ok(None);
    }
    issue(conn, &user.id, new_email, Purpose::Change, now)
}

/// What following a link did.
#[derive(Debug)]
pub struct Confirmed {
    pub user: UserRow,
    /// The address the account left, when the link moved it.
    pub previous_email: Option<String>,
}

/// Follows a link: confirms the address or moves the account to it. A link works once, until
/// it expires, and only while the account still has the address it was sent for (a link to
/// confirm an address the account has since left does nothing). Run inside a write transaction.
pub fn confirm(conn: &mut DbConnection, token: &str, now: NaiveDateTime) -> ApiResult<Confirmed> {
    let invalid = || {
        ApiError::invalid_field(
            "token",
            "this link is not valid (used, expired or mistyped); ask for a new one",
        )
    };
    let (id, user_id, email, purpose): (String, String, String, String) =
        email_verifications::table
            .filter(email_verifications::token_hash.eq(hash_secret(token)))
            .filter(email_verifications::used_at.is_null())
            .filter(email_verifications::expires_at.gt(now))
            .select((
                email_verifications::id,
                email_verifications::user_id,
                email_verifications::email,
                email_verifications::purpose,
            ))
            .first(conn)
            .optional()?
            .ok_or_else(invalid)?;
    // Of two uses at once, one flips `used_at`.
    let claimed = diesel::update(
        email_verifications::table
            .find(&id)
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(conn)?;
    if claimed == 0 {
        return Err(invalid());
    }
    let user = accounts::find_by_id(conn, &user_id)?;
    let previous_email = if purpose == Purpose::Change.as_str() {
        move_to(conn, &user, &email, now)?;
        Some(user.email.clone())
    } else if email == user.email {
        diesel::update(users::table.find(&user.id))
            .set((users::email_verified_at.eq(now), users::updated_at.eq(now)))
            .execute(conn)?;
        None
    } else {
        return Err(invalid());
    };
    // The account's other links are spent: they were for an address it has now confirmed or left.
    diesel::update(
        email_verifications::table
            .filter(email_verifications::user_id.eq(&user.id))
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(conn)?;
    Ok(Confirmed {
        user: accounts::find_by_id(conn, &user.id)?,
        previous_email,
    })
}

/// Moves the account to `email`, confirmed; the unique index settles a race for the address.
fn move_to(
    conn: &mut DbConnection,
    user: &UserRow,
    email: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let moved = diesel::update(users::table.find(&user.id))
        .set((
            users::email.eq(email),
            users::email_verified_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn);
    match moved {
        Ok(_) => {
            // Reset links sent to the old address no longer reach the owner.
            diesel::update(
                password_resets::table
                    .filter(password_resets::user_id.eq(&user.id))
                    .filter(password_resets::used_at.is_null()),
            )
            .set(password_resets::used_at.eq(now))
            .execute(conn)?;
            Ok(())
        }
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(ApiError::new(
                ErrorCode::EmailTaken,
                "another account took this address meanwhile",
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// Voids the account's pending moves to another address: someone who knew the old password
/// must not finish one after the owner changed it or signed out everywhere.
pub fn void_pending_changes(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(
        email_verifications::table
            .filter(email_verifications::user_id.eq(user_id))
            .filter(email_verifications::purpose.eq(Purpose::Change.as_str()))
            .filter(email_verifications::used_at.is_null()),
    )
    .set(email_verifications::used_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Refuses (403 `email_unverified`) an account whose address is not confirmed.
pub fn require_verified_email(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    let verified: Option<Option<NaiveDateTime>> = users::table
        .find(user_id)
        .select(users::email_verified_at)
        .first(conn)
        .optional()?;
    match verified {
        Some(Some(_)) => Ok(()),
        Some(None) => Err(ApiError::new(
            ErrorCode::EmailUnverified,
            "confirm your email address first: follow the link we emailed you, or ask for a \
             new one at POST /v1/me/email/verification",
        )),
        None => Err(ApiError::not_found("user")),
    }
}

/// Deletes the links created before `before` (the retention sweep).
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    Ok(diesel::delete(
        email_verifications::table.filter(email_verifications::created_at.lt(before)),
    )
    .execute(conn)?)
}
