//! The account's phone number, confirmed by a six-digit code sent by SMS. Only a confirmed
//! number is ever shared with a pro.
//!
//! A code is kept as an HMAC keyed with the service's secret (six digits are too few for a plain
//! hash to hide), works for ten minutes and five guesses; a new one can be asked for after a
//! minute, at most five an hour.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;

use super::accounts::{self, UserRow};
use crate::db::schema::{phone_verifications, users};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

const CODE_TTL: chrono::Duration = chrono::Duration::minutes(10);
const MAX_ATTEMPTS: i32 = 5;
const RESEND_AFTER: chrono::Duration = chrono::Duration::minutes(1);
const CODES_PER_HOUR: usize = 5;

/// A code to text: the number and the message.
#[derive(Debug, Clone)]
pub struct CodeToSend {
    pub phone: String,
    pub body: String,
}

/// Sets the account's number (unconfirmed) and sends it a code; setting the confirmed number
/// again changes nothing and sends nothing (`None`). Run inside a write transaction.
pub fn set_phone(
    conn: &mut DbConnection,
    key: &[u8],
    user_id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> ApiResult<(UserRow, Option<CodeToSend>)> {
    let user = accounts::find_by_id(conn, user_id)?;
    if user.verified_phone() == Some(phone) {
        return Ok((user, None));
    }
    if user.phone.as_deref() != Some(phone) {
        diesel::update(users::table.find(user_id))
            .set((
                users::phone.eq(phone),
                users::phone_verified_at.eq(None::<NaiveDateTime>),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let code = new_code(conn, key, user_id, phone, now)?;
    Ok((accounts::find_by_id(conn, user_id)?, Some(code)))
}

/// Another code for the account's unconfirmed number. Run inside a write transaction.
pub fn resend(
    conn: &mut DbConnection,
    key: &[u8],
    user_id: &str,
    now: NaiveDateTime,
) -> ApiResult<CodeToSend> {
    let user = accounts::find_by_id(conn, user_id)?;
    match (&user.phone, user.phone_verified_at) {
        (None, _) => Err(ApiError::conflict(
            "the account has no phone number; set one with PUT /v1/me/phone",
        )),
        (Some(_), Some(_)) => Err(ApiError::conflict("this phone number is confirmed already")),
        (Some(phone), None) => new_code(conn, key, user_id, phone, now),
    }
}

/// What a guess at a code led to. A wrong guess is not an `Err` here: the guess it uses up must
/// commit, so the caller turns it into a 422 after the transaction.
#[derive(Debug)]
pub enum CodeCheck {
    Confirmed(Box<UserRow>),
    Wrong,
}

impl CodeCheck {
    /// The confirmed account, or the 422 a wrong code gets.
    pub fn into_result(self) -> ApiResult<UserRow> {
        match self {
            Self::Confirmed(user) => Ok(*user),
            Self::Wrong => Err(ApiError::invalid_field("code", "is not the code we sent")),
        }
    }
}

/// Checks a code against the newest live code of the account's number. A wrong code uses up
/// one of its five guesses; the right one confirms the number. Run inside a write transaction.
pub fn confirm(
    conn: &mut DbConnection,
    key: &[u8],
    user_id: &str,
    code: &str,
    now: NaiveDateTime,
) -> ApiResult<CodeCheck> {
    // Guesses at one account's code take turns, so that parallel ones cannot outrun the count.
    accounts::lock(conn, user_id)?;
    let user = accounts::find_by_id(conn, user_id)?;
    let Some(phone) = user
        .phone
        .clone()
        .filter(|_| user.phone_verified_at.is_none())
    else {
        return Err(ApiError::conflict(
            "there is no phone number waiting for a code; set one with PUT /v1/me/phone",
        ));
    };
    let no_code = || {
        ApiError::invalid_field(
            "code",
            "no code is waiting (expired or used up); ask for a new one",
        )
    };
    let (id, code_hash): (String, String) = phone_verifications::table
        .filter(phone_verifications::user_id.eq(user_id))
        .filter(phone_verifications::phone.eq(&phone))
        .filter(phone_verifications::used_at.is_null())
        .filter(phone_verifications::expires_at.gt(now))
        .filter(phone_verifications::attempts.lt(MAX_ATTEMPTS))
        .order(phone_verifications::created_at.desc())
        .select((phone_verifications::id, phone_verifications::code_hash))
        .first(conn)
        .optional()?
        .ok_or_else(no_code)?;
    if !code_matches(key, &id, code, &code_hash) {
        // Counted even when two guesses race: the guard is on the row, not on what was read.
        diesel::update(
            phone_verifications::table
                .find(&id)
                .filter(phone_verifications::attempts.lt(MAX_ATTEMPTS)),
        )
        .set(phone_verifications::attempts.eq(phone_verifications::attempts + 1))
        .execute(conn)?;
        return Ok(CodeCheck::Wrong);
    }
    let claimed = diesel::update(
        phone_verifications::table
            .find(&id)
            .filter(phone_verifications::used_at.is_null()),
    )
    .set(phone_verifications::used_at.eq(now))
    .execute(conn)?;
    if claimed == 0 {
        return Err(no_code());
    }
    diesel::update(users::table.find(user_id).filter(users::phone.eq(&phone)))
        .set((users::phone_verified_at.eq(now), users::updated_at.eq(now)))
        .execute(conn)?;
    Ok(CodeCheck::Confirmed(Box::new(accounts::find_by_id(
        conn, user_id,
    )?)))
}

/// Removes the account's number. Run inside a write transaction.
pub fn remove(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> ApiResult<UserRow> {
    diesel::update(users::table.find(user_id))
        .set((
            users::phone.eq(None::<String>),
            users::phone_verified_at.eq(None::<NaiveDateTime>),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    accounts::find_by_id(conn, user_id)
}

/// Records a new code for `phone`, within the cooldown and the hourly cap (else 429). Only an
/// account with a confirmed email gets texts (each costs money, and a flood of new accounts
/// must not be able to text strangers).
fn new_code(
    conn: &mut DbConnection,
    key: &[u8],
    user_id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> ApiResult<CodeToSend> {
    super::verification::require_verified_email(conn, user_id)?;
    // Codes for one account are counted one request at a time.
    accounts::lock(conn, user_id)?;
    let recent: Vec<NaiveDateTime> = phone_verifications::table
        .filter(phone_verifications::user_id.eq(user_id))
        .filter(phone_verifications::created_at.gt(now - chrono::Duration::hours(1)))
        .select(phone_verifications::created_at)
        .order(phone_verifications::created_at.asc())
        .load(conn)?;
    let wait_until = [
        recent.last().map(|last| *last + RESEND_AFTER),
        (recent.len() >= CODES_PER_HOUR).then(|| recent[0] + chrono::Duration::hours(1)),
    ]
    .into_iter()
    .flatten()
    .max()
    .filter(|until| *until > now);
    if let Some(until) = wait_until {
        return Err(ApiError::RateLimited {
            retry_after_secs: u64::try_from((until - now).num_seconds().max(1)).unwrap_or(60),
            what: "a code was texted to this number a moment ago",
        });
    }
    let id = db::new_id();
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    diesel::insert_into(phone_verifications::table)
        .values((
            phone_verifications::id.eq(&id),
            phone_verifications::user_id.eq(user_id),
            phone_verifications::phone.eq(phone),
            phone_verifications::code_hash.eq(code_hash(key, &id, &code)),
            phone_verifications::created_at.eq(now),
            phone_verifications::expires_at.eq(now + CODE_TTL),
        ))
        .execute(conn)?;
    Ok(CodeToSend {
        phone: phone.to_owned(),
        body: format!(
            "{code} is your Porchlight code. It works for 10 minutes. Never share it: Porchlight \
             will not ask you for it."
        ),
    })
}

fn mac(key: &[u8], id: &str, code: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b":");
    mac.update(code.as_bytes());
    mac
}

fn code_hash(key: &[u8], id: &str, code: &str) -> String {
    hex::encode(mac(key, id, code).finalize().into_bytes())
}

/// Compares in constant time (`Mac::verify_slice`).
fn code_matches(key: &[u8], id: &str, code: &str, stored: &str) -> bool {
    hex::decode(stored).is_ok_and(|stored| mac(key, id, code).verify_slice(&stored).is_ok())
}

/// Deletes the codes created before `before` (the retention sweep).
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    Ok(diesel::delete(
        phone_verifications::table.filter(phone_verifications::created_at.lt(before)),
    )
    .execute(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_only_its_own_hash_under_its_key() {
        let stored = code_hash(b"key", "id-1", "123456");
        assert!(code_matches(b"key", "id-1", "123456", &stored));
        assert!(!code_matches(b"key", "id-1", "123457", &stored));
        assert!(!code_matches(b"key", "id-2", "123456", &stored));
        assert!(!code_matches(b"other", "id-1", "123456", &stored));
        assert!(!code_matches(b"key", "id-1", "123456", "not hex"));
    }
}
