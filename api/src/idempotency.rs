//! `Idempotency-Key` for POSTs that create requests or move money (the IETF draft's contract, as
//! Stripe does it): the same key with the same request replays the first response; with another
//! request -> 422 `idempotency_key_reused`; while the first is still running -> 409
//! `idempotency_key_in_flight`. Keys are per caller and kept 24 hours.
//!
//! Handlers take the key as an extractor: [`IdempotencyKey`] where it is required (every POST
//! that moves money: missing -> 400 `idempotency_key_missing`), [`OptionalIdempotencyKey`] where
//! it is optional. Every keyed operation goes through [`guarded`] (or [`once`], its form for
//! work that is one write transaction): the answer is stored in the same transaction as the
//! work's last write, so a stored key always means the work happened; if the work fails the key
//! is released and a retry runs it again. Work may await anything between claiming the key and
//! storing the answer (a payment provider's reply).

use std::future::{Future, Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use shared_types::ErrorCode;
use shared_types::error::PROBLEM_JSON;

use crate::auth::tokens::hash_secret;
use crate::db::DbConnection;
use crate::db::schema::idempotency_keys;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const HEADER: &str = "Idempotency-Key";
const KEEP: Duration = Duration::hours(24);
/// A claim older than this with no response is from a crashed request: it may be taken over.
const ABANDONED: Duration = Duration::minutes(2);

/// The caller's `Idempotency-Key` (1 to 255 visible ASCII characters) and a fingerprint of the
/// request it came with (method and path; the handler adds the body).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    request: String,
}

impl IdempotencyKey {
    /// A fingerprint of the request and its body, to tell a retry from a different request
    /// under the same key.
    pub fn fingerprint(&self, body: &impl Serialize) -> String {
        let body = serde_json::to_string(body).unwrap_or_default();
        hash_secret(&format!("{}\n{body}", self.request))
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(key_of(req).and_then(|key| {
            key.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::IdempotencyKeyMissing,
                    "this operation moves money: send an Idempotency-Key header (e.g. a UUID) \
                     and reuse it when you retry",
                )
            })
        }))
    }
}

/// An `Idempotency-Key` where it is optional (a malformed one is still refused, unlike with
/// `Option<IdempotencyKey>`, which would drop it silently).
#[derive(Debug, Clone)]
pub struct OptionalIdempotencyKey(pub Option<IdempotencyKey>);

impl FromRequest for OptionalIdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(key_of(req).map(Self))
    }
}

/// The caller's key, if any.
fn key_of(req: &HttpRequest) -> ApiResult<Option<IdempotencyKey>> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key) if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(IdempotencyKey {
                key: key.to_owned(),
                request: format!("{} {}", req.method(), req.path()),
            }))
        }
        _ => Err(ApiError::invalid_field(
            HEADER,
            "must be 1 to 255 visible ASCII characters",
        )),
    }
}

/// A key this request holds: its answer is stored with [`Claimed::store`] in the work's last
/// transaction, or the key is given back with [`Claimed::release`] if the work failed.
#[derive(Debug, Clone)]
pub struct Claimed {
    user_id: String,
    key: String,
}

/// What [`begin`] found: an answer to replay, or the key, now ours.
enum Begin {
    Replay(HttpResponse),
    Claimed(Claimed),
}

/// Claims `key` for `user_id`, or finds the answer to replay.
async fn begin(
    state: &AppState,
    user_id: &str,
    key: &IdempotencyKey,
    fingerprint: String,
) -> ApiResult<Begin> {
    let claimed = Claimed {
        user_id: user_id.to_owned(),
        key: key.key.clone(),
    };
    let found = state
        .write({
            let claimed = claimed.clone();
            let now = state.clock.now();
            move |conn| claim(conn, &claimed.user_id, &claimed.key, &fingerprint, now)
        })
        .await?;
    Ok(match found {
        Claim::Mine => Begin::Claimed(claimed),
        Claim::Replay(status, body) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() {
                "application/json"
            } else {
                PROBLEM_JSON
            };
            let response = HttpResponse::build(status)
                .insert_header((CONTENT_TYPE, HeaderValue::from_static(content_type)))
                .insert_header((
                    HeaderName::from_static("idempotent-replayed"),
                    HeaderValue::from_static("true"),
                ))
                .body(body);
            Begin::Replay(response)
        }
    })
}

impl Claimed {
    /// Stores the answer; call it inside the transaction of the work's last write.
    pub fn store(&self, conn: &mut DbConnection, status: StatusCode, body: &str) -> ApiResult<()> {
        diesel::update(idempotency_keys::table.find((&self.user_id, &self.key)))
            .set((
                idempotency_keys::status_code.eq(i32::from(status.as_u16())),
                idempotency_keys::response_body.eq(body),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Gives the key back so that a retry runs the work again.
    pub async fn release(self, state: &AppState) {
        let released = state
            .write(move |conn| {
                diesel::delete(idempotency_keys::table.find((&self.user_id, &self.key)))
                    .execute(conn)?;
                Ok(())
            })
            .await;
        if let Err(release_error) = released {
            tracing::warn!(%release_error, "could not release an idempotency key");
        }
    }
}

/// Runs `work` at most once per (caller, `key`, request): a retry with the same key and request
/// gets the first answer again (`fingerprint` tells the request apart). `work` receives the
/// claimed key and must store its answer with [`Claimed::store`] inside its last write
/// transaction; it may await anything before that. If it fails, the key is given back.
pub async fn guarded<F, Fut>(
    state: &AppState,
    user_id: &str,
    key: &IdempotencyKey,
    fingerprint: String,
    work: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(Claimed) -> Fut,
    Fut: Future<Output = ApiResult<HttpResponse>>,
{
    let claimed = match begin(state, user_id, key, fingerprint).await? {
        Begin::Replay(response) => return Ok(response),
        Begin::Claimed(claimed) => claimed,
    };
    let answer = work(claimed.clone()).await;
    if answer.is_err() {
        claimed.release(state).await;
    }
    answer
}

/// [`guarded`] for work that is one write transaction, answered `success` with its JSON.
/// Without a key the work simply runs.
pub async fn once<T, F>(
    state: &AppState,
    user_id: &str,
    key: Option<IdempotencyKey>,
    body: &impl Serialize,
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
    guarded(
        state,
        user_id,
        &key,
        key.fingerprint(body),
        |claimed| async move {
            let body = state
                .write(move |conn| {
                    let value = work(conn)?;
                    let body = serde_json::to_string(&value).map_err(ApiError::internal)?;
                    claimed.store(conn, success, &body)?;
                    Ok(body)
                })
                .await?;
            Ok(HttpResponse::build(success)
                .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
                .body(body))
        },
    )
    .await
}

enum Claim {
    Mine,
    Replay(u16, String),
}

fn claim(
    conn: &mut DbConnection,
    user_id: &str,
    key: &str,
    fingerprint: &str,
    now: chrono::NaiveDateTime,
) -> ApiResult<Claim> {
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

/// Deletes the stored keys created before `before` (the retention sweep; a key is honoured for
/// 24 hours, so `before` is at least that old); returns how many went.
pub fn purge(conn: &mut DbConnection, before: chrono::NaiveDateTime) -> ApiResult<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}

fn in_flight() -> ApiError {
    ApiError::new(
        ErrorCode::IdempotencyKeyInFlight,
        "a request with this Idempotency-Key is still being processed",
    )
}
