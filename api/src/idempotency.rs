//! `Idempotency-Key` for POSTs that create requests or move money (the IETF draft's contract, as
//! Stripe does it): the same key with the same request replays the first response; with another
//! request -> 422 `idempotency_key_reused`; while the first is still running -> 409
//! `idempotency_key_in_flight`. Keys are per caller and kept 24 hours. The response is stored in
//! the same transaction as the work, so a stored key always means the work happened; if the work
//! fails the key is released and a retry runs it again.

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use shared_types::ErrorCode;

use crate::auth::tokens::hash_secret;
use crate::db::schema::idempotency_keys;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const HEADER: &str = "Idempotency-Key";
const KEEP: Duration = Duration::hours(24);
/// A claim older than this with no response is from a crashed request: it may be taken over.
const ABANDONED: Duration = Duration::minutes(2);

/// The caller's key, if any: 1 to 255 visible ASCII characters.
pub fn key_of(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(key.to_owned()))
        }
        _ => Err(ApiError::invalid_field(
            HEADER,
            "must be 1 to 255 visible ASCII characters",
        )),
    }
}

/// A fingerprint of the request, to tell a retry from a different request under the same key.
pub fn fingerprint(req: &HttpRequest, body: &impl Serialize) -> String {
    let body = serde_json::to_string(body).unwrap_or_default();
    hash_secret(&format!("{} {}\n{body}", req.method(), req.path()))
}

enum Claim {
    Mine,
    Replay(u16, String),
}

/// Runs `work` in one write transaction, at most once per (caller, key), and answers `success`
/// with its JSON; a retry with the same key gets the stored answer again.
pub async fn once<T, F>(
    state: &AppState,
    user_id: String,
    key: Option<String>,
    fingerprint: String,
    success: StatusCode,
    work: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
    T: Serialize + Send + 'static,
{
    let Some(key) = key else {
        let value = state.write(work).await?;
        return Ok(HttpResponse::build(success).json(value));
    };
    let claim = state
        .write({
            let (user_id, key) = (user_id.clone(), key.clone());
            move |conn| claim(conn, &user_id, &key, &fingerprint)
        })
        .await?;
    if let Claim::Replay(status, body) = claim {
        let mut response = HttpResponse::build(StatusCode::from_u16(status).unwrap_or(success));
        response.insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")));
        response.insert_header((
            HeaderName::from_static("idempotent-replayed"),
            HeaderValue::from_static("true"),
        ));
        return Ok(response.body(body));
    }
    let done = state
        .write({
            let (user_id, key) = (user_id.clone(), key.clone());
            move |conn| {
                let value = work(conn)?;
                let body = serde_json::to_string(&value).map_err(ApiError::internal)?;
                diesel::update(idempotency_keys::table.find((&user_id, &key)))
                    .set((
                        idempotency_keys::status_code.eq(i32::from(success.as_u16())),
                        idempotency_keys::response_body.eq(&body),
                    ))
                    .execute(conn)?;
                Ok(body)
            }
        })
        .await;
    match done {
        Ok(body) => Ok(HttpResponse::build(success)
            .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
            .body(body)),
        Err(error) => {
            // Release the key so that a retry can run the work again.
            let released = state
                .write(move |conn| {
                    diesel::delete(idempotency_keys::table.find((&user_id, &key))).execute(conn)?;
                    Ok(())
                })
                .await;
            if let Err(release_error) = released {
                tracing::warn!(%release_error, "could not release an idempotency key");
            }
            Err(error)
        }
    }
}

fn claim(conn: &mut DbConnection, user_id: &str, key: &str, fingerprint: &str) -> ApiResult<Claim> {
    let now = db::now();
    let existing: Option<(String, Option<i32>, Option<String>, chrono::NaiveDateTime)> =
        idempotency_keys::table
            .find((user_id, key))
            .select((
                idempotency_keys::request_hash,
                idempotency_keys::status_code,
                idempotency_keys::response_body,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
    if let Some((hash, status, body, created_at)) = existing {
        let expired = created_at < now - KEEP;
        let abandoned = status.is_none() && created_at < now - ABANDONED;
        if !(expired || abandoned) {
            if hash != fingerprint {
                return Err(ApiError::new(
                    ErrorCode::IdempotencyKeyReused,
                    "this Idempotency-Key was used for a different request",
                ));
            }
            return match (status, body) {
                (Some(status), Some(body)) => {
                    Ok(Claim::Replay(u16::try_from(status).unwrap_or(200), body))
                }
                _ => Err(in_flight()),
            };
        }
        diesel::delete(idempotency_keys::table.find((user_id, key))).execute(conn)?;
    }
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_hash.eq(fingerprint),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Claim::Mine),
        // Another request with this key claimed it a moment ago.
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Err(in_flight()),
        Err(other) => Err(other.into()),
    }
}

fn in_flight() -> ApiError {
    ApiError::new(
        ErrorCode::IdempotencyKeyInFlight,
        "a request with this Idempotency-Key is still being processed",
    )
}
