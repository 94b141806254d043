//! Personal API keys for integrators (a contractor's CRM, a lead source). A key acts as its owner
//! within its scopes; its secret is shown once and stored only as a hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::auth::{ApiKey, CreateApiKeyRequest, CreatedApiKey, Role, Scope};
use shared_types::{ErrorCode, Page, PageParams};

use super::extract::{AuthUser, Credential};
use super::scopes::{scope_text, stored_scopes};
use super::tokens::{hash_secret, random_token};
use crate::db::schema::{api_keys, users};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

/// Every key starts with this, which is also how the auth extractor tells keys from JWTs.
pub const API_KEY_PREFIX: &str = "plk_";
/// How much of the secret is kept in clear to tell keys apart in a list.
const VISIBLE_PREFIX_LEN: usize = 12;
/// The part of a key kept in clear (shown in lists, and what rate limits count a key by).
pub fn visible_prefix(key: &str) -> &str {
    key.get(..VISIBLE_PREFIX_LEN).unwrap_or(key)
}

/// `last_used_at` is refreshed at most this often, so that reads do not each cost a write.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
struct ApiKeyRow {
    id: String,
    user_id: String,
    name: String,
    prefix: String,
    scopes: String,
    created_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

impl ApiKeyRow {
    fn scopes(&self) -> Vec<Scope> {
        stored_scopes(&self.scopes)
    }

    fn to_view(&self) -> ApiKey {
        ApiKey {
            id: self.id.clone(),
            name: self.name.clone(),
            prefix: self.prefix.clone(),
            scopes: self.scopes(),
            created_at: self.created_at.and_utc(),
            expires_at: self.expires_at.map(|t| t.and_utc()),
            last_used_at: self.last_used_at.map(|t| t.and_utc()),
        }
    }
}

/// A new key of `user_id` (of `role`) with the scopes asked for: only scopes the role can
/// grant (`Scope::granted_by`, as for an app), since a key never does more than its owner may.
pub fn create(
    conn: &mut DbConnection,
    user_id: &str,
    role: Role,
    request: &CreateApiKeyRequest,
    now: NaiveDateTime,
) -> ApiResult<CreatedApiKey> {
    let grantable = Scope::granted_by(role);
    if let Some(beyond) = request.scopes.iter().find(|s| !grantable.contains(s)) {
        let allowed: Vec<&str> = grantable.iter().map(|scope| scope.as_str()).collect();
        return Err(ApiError::invalid_field(
            "scopes",
            format!(
                "{} is not a scope this account can use; it can use {}",
                beyond.as_str(),
                allowed.join(", ")
            ),
        ));
    }
    let secret = format!("{API_KEY_PREFIX}{}", random_token(32));
    let row = ApiKeyRow {
        id: db::new_id(),
        user_id: user_id.to_owned(),
        name: request.name.trim().to_owned(),
        prefix: visible_prefix(&secret).to_owned(),
        scopes: scope_text(&request.scopes),
        created_at: now,
        expires_at: request
            .expires_in_days
            .map(|days| now + chrono::Duration::days(i64::from(days))),
        last_used_at: None,
        revoked_at: None,
    };
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(&row.id),
            api_keys::user_id.eq(&row.user_id),
            api_keys::name.eq(&row.name),
            api_keys::prefix.eq(&row.prefix),
            api_keys::key_hash.eq(hash_secret(&secret)),
            api_keys::scopes.eq(&row.scopes),
            api_keys::created_at.eq(row.created_at),
            api_keys::expires_at.eq(row.expires_at),
        ))
        .execute(conn)?;
    Ok(CreatedApiKey {
        api_key: row.to_view(),
        secret,
    })
}

/// The caller's active keys, oldest first.
pub fn list(conn: &mut DbConnection, user_id: &str, page: &PageParams) -> ApiResult<Page<ApiKey>> {
    let limit = i64::from(page.limit());
    let mut query = api_keys::table
        .filter(api_keys::user_id.eq(user_id))
        .filter(api_keys::revoked_at.is_null())
        .select(ApiKeyRow::as_select())
        .order(api_keys::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(api_keys::id.gt(cursor));
    }
    let rows: Vec<ApiKeyRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    Ok(Page {
        items: rows.iter().map(ApiKeyRow::to_view).collect(),
        next_cursor,
    })
}

/// Revokes one of the caller's keys; someone else's key is "not found".
pub fn revoke(
    conn: &mut DbConnection,
    user_id: &str,
    key_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let revoked = diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(key_id))
            .filter(api_keys::user_id.eq(user_id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(now))
    .execute(conn)?;
    if revoked == 0 {
        return Err(ApiError::not_found("API key"));
    }
    Ok(())
}

/// Whether key `key_id` still works at `now` (not revoked, not expired): a long-lived use of a
/// key, such as an open live stream, checks it as it goes.
pub fn is_active(conn: &mut DbConnection, key_id: &str, now: NaiveDateTime) -> ApiResult<bool> {
    let found: Option<(Option<NaiveDateTime>, Option<NaiveDateTime>)> = api_keys::table
        .find(key_id)
        .select((api_keys::revoked_at, api_keys::expires_at))
        .first(conn)
        .optional()?;
    Ok(found.is_some_and(|(revoked_at, expires_at)| {
        revoked_at.is_none() && expires_at.is_none_or(|at| at > now)
    }))
}

/// The caller behind `secret`, if it is a live key.
pub fn authenticate(
    conn: &mut DbConnection,
    secret: &str,
    now: NaiveDateTime,
) -> ApiResult<AuthUser> {
    let invalid = || ApiError::new(ErrorCode::InvalidToken, "the API key is not valid");
    let (key, Stored(role), suspended_at): (ApiKeyRow, Stored<Role>, Option<NaiveDateTime>) =
        api_keys::table
            .inner_join(users::table)
            .filter(api_keys::key_hash.eq(hash_secret(secret)))
            .select((ApiKeyRow::as_select(), users::role, users::suspended_at))
            .first(conn)
            .optional()?
            .ok_or_else(invalid)?;
    if key.revoked_at.is_some() || key.expires_at.is_some_and(|at| at <= now) {
        return Err(invalid());
    }
    // As at sign-in: a suspended account's keys stop working.
    if suspended_at.is_some() {
        return Err(super::suspension::suspended_error());
    }
    let stale = now - chrono::Duration::seconds(LAST_USED_RESOLUTION_SECS);
    if key.last_used_at.is_none_or(|at| at < stale) {
        diesel::update(api_keys::table.find(&key.id))
            .set(api_keys::last_used_at.eq(now))
            .execute(conn)?;
    }
    Ok(AuthUser {
        user_id: key.user_id.clone(),
        role,
        session_id: None,
        credential: Credential::ApiKey {
            scopes: key.scopes(),
            key_id: key.id,
        },
        valid_for: key
            .expires_at
            .map(|at| (at - now).to_std().unwrap_or_default()),
    })
}
