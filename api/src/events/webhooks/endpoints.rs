//! An account's webhook endpoints: the rules for setting them up, changing, rotating their
//! secret and deleting them. Each is its owner's alone: anyone else's id is "not found".

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use rand::RngCore as _;
use shared_types::events::EventType;
use shared_types::webhook_endpoints::{
    DeliveryAttempt, DeliveryStatus, WebhookEndpoint, WebhookEndpointHealth, WebhookEndpointInput,
    WebhookEndpointUpdate, WebhookEndpointWithSecret, WebhookHealthFilter,
};
use shared_types::{Page, PageParams};

use super::guard::Reach;
use crate::auth::accounts;
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: String,
    pub user_id: String,
    pub url: String,
    pub description: String,
    /// JSON array of event types; empty: every type.
    pub event_types: String,
    pub enabled: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl EndpointRow {
    pub fn types(&self) -> Vec<EventType> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// Whether events of `event_type` go to this endpoint.
    pub fn wants(&self, event_type: EventType) -> bool {
        let types = self.types();
        types.is_empty() || types.contains(&event_type)
    }

    /// The secrets a delivery at `now` is signed with: the current one, and the previous one
    /// while its overlap lasts.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<String> {
        let mut secrets = vec![self.secret.clone()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until > now
        {
            secrets.push(previous.clone());
        }
        secrets
    }

    pub fn view(&self) -> WebhookEndpoint {
        WebhookEndpoint {
            id: self.id.clone(),
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: self.types(),
            enabled: self.enabled,
            disabled_reason: self.disabled_reason.clone(),
            failing_since: self.failing_since.map(|at| at.and_utc()),
            previous_secret_expires_at: self.previous_secret_until.map(|at| at.and_utc()),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// A new signing secret: 32 random bytes, `whsec_` + base64.
fn new_secret() -> String {
    let mut key = [0_u8; 32];
    rand::rng().fill_bytes(&mut key);
    shared_types::webhooks::secret_from_bytes(&key)
}

fn checked_url(reach: Reach, url: &str) -> ApiResult<String> {
    reach
        .check_url(url)
        .map(|url| url.to_string())
        .map_err(|message| ApiError::invalid_field("url", message))
}

/// The stored list: each type once, in the catalogue's order.
fn types_json(types: &[EventType]) -> String {
    let mut types = types.to_vec();
    types.sort_unstable();
    types.dedup();
    serde_json::to_string(&types).unwrap_or_else(|_| "[]".into())
}

/// Sets up an endpoint for `user_id`; at most `max_endpoints` per account.
pub fn create(
    conn: &mut DbConnection,
    user_id: &str,
    input: &WebhookEndpointInput,
    (reach, max_endpoints): (Reach, i64),
    now: NaiveDateTime,
) -> ApiResult<WebhookEndpointWithSecret> {
    let url = checked_url(reach, &input.url)?;
    // One creation at a time per account, so that two at once cannot both pass the count.
    accounts::lock(conn, user_id)?;
    let existing: i64 = webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if existing >= max_endpoints {
        return Err(ApiError::conflict(format!(
            "an account has at most {max_endpoints} webhook endpoints; delete one first"
        )));
    }
    let id = db::new_id();
    let secret = new_secret();
    diesel::insert_into(webhook_endpoints::table)
        .values((
            webhook_endpoints::id.eq(&id),
            webhook_endpoints::user_id.eq(user_id),
            webhook_endpoints::url.eq(&url),
            webhook_endpoints::description.eq(input.description.trim()),
            webhook_endpoints::event_types.eq(types_json(&input.event_types)),
            webhook_endpoints::enabled.eq(input.enabled.unwrap_or(true)),
            webhook_endpoints::secret.eq(&secret),
            webhook_endpoints::created_at.eq(now),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(WebhookEndpointWithSecret {
        endpoint: find_own(conn, user_id, &id)?.view(),
        secret,
    })
}

/// `user_id`'s endpoint `id`; anyone else's is "not found".
pub fn find_own(conn: &mut DbConnection, user_id: &str, id: &str) -> ApiResult<EndpointRow> {
    webhook_endpoints::table
        .find(id)
        .filter(webhook_endpoints::user_id.eq(user_id))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("webhook endpoint"))
}

/// The endpoints of the given owners that are enabled.
pub fn enabled_of(conn: &mut DbConnection, user_ids: &[&str]) -> ApiResult<Vec<EndpointRow>> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq_any(user_ids))
        .filter(webhook_endpoints::enabled.eq(true))
        .select(EndpointRow::as_select())
        .load(conn)?)
}

pub fn list_own(conn: &mut DbConnection, user_id: &str) -> ApiResult<Vec<WebhookEndpoint>> {
    let rows: Vec<EndpointRow> = webhook_endpoints::table
        .filter(webhook_endpoints::user_id.eq(user_id))
        .order(webhook_endpoints::id)
        .select(EndpointRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(EndpointRow::view).collect())
}

/// Changes what `update` gives. Enabling clears the record of failures that disabled it.
pub fn update(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    update: &WebhookEndpointUpdate,
    reach: Reach,
    now: NaiveDateTime,
) -> ApiResult<WebhookEndpoint> {
    let before = find_own(conn, user_id, id)?;
    let url = match &update.url {
        Some(url) => checked_url(reach, url)?,
        None => before.url.clone(),
    };
    let enabled = update.enabled.unwrap_or(before.enabled);
    let (disabled_reason, failing_since) = if enabled && !before.enabled {
        (None, None)
    } else {
        (before.disabled_reason.clone(), before.failing_since)
    };
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::url.eq(&url),
            webhook_endpoints::description.eq(update
                .description
                .as_deref()
                .map_or(before.description.as_str(), str::trim)),
            webhook_endpoints::event_types.eq(update
                .event_types
                .as_deref()
                .map_or_else(|| before.event_types.clone(), types_json)),
            webhook_endpoints::enabled.eq(enabled),
            webhook_endpoints::disabled_reason.eq(disabled_reason),
            webhook_endpoints::failing_since.eq(failing_since),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(find_own(conn, user_id, id)?.view())
}

/// A new secret; the old one keeps signing (beside the new) until `now + overlap`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    user_id: &str,
    id: &str,
    overlap: chrono::Duration,
    now: NaiveDateTime,
) -> ApiResult<WebhookEndpointWithSecret> {
    let before = find_own(conn, user_id, id)?;
    let secret = new_secret();
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::secret.eq(&secret),
            webhook_endpoints::previous_secret.eq(Some(&before.secret)),
            webhook_endpoints::previous_secret_until.eq(Some(now + overlap)),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(WebhookEndpointWithSecret {
        endpoint: find_own(conn, user_id, id)?.view(),
        secret,
    })
}

/// Deletes the endpoint; its deliveries and their attempts go with it (`ON DELETE CASCADE`,
/// which also covers an attempt a worker records at the same moment).
pub fn delete(conn: &mut DbConnection, user_id: &str, id: &str) -> ApiResult<()> {
    find_own(conn, user_id, id)?;
    diesel::delete(webhook_endpoints::table.find(id)).execute(conn)?;
    Ok(())
}

/// Records a failed delivery (`failing_since` starts with the first failure in a row) and a
/// success (it clears). Returns whether the endpoint has now failed for `failing_for` or more.
pub fn record_outcome(
    conn: &mut DbConnection,
    id: &str,
    succeeded: bool,
    failing_for: chrono::Duration,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    if succeeded {
        diesel::update(webhook_endpoints::table.find(id))
            .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        return Ok(false);
    }
    diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::failing_since.is_null()),
    )
    .set(webhook_endpoints::failing_since.eq(now))
    .execute(conn)?;
    let since: Option<NaiveDateTime> = webhook_endpoints::table
        .find(id)
        .select(webhook_endpoints::failing_since)
        .first(conn)
        .optional()?
        .flatten();
    Ok(since.is_some_and(|since| now - since >= failing_for))
}

/// Disables an enabled endpoint for `reason`; returns the endpoint if this call disabled it.
pub fn disable(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    now: NaiveDateTime,
) -> ApiResult<Option<EndpointRow>> {
    let changed = diesel::update(
        webhook_endpoints::table
            .find(id)
            .filter(webhook_endpoints::enabled.eq(true)),
    )
    .set((
        webhook_endpoints::enabled.eq(false),
        webhook_endpoints::disabled_reason.eq(reason),
        webhook_endpoints::updated_at.eq(now),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    Ok(webhook_endpoints::table
        .find(id)
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// Staff: every endpoint (oldest first) with its pending deliveries and last attempt;
/// `unhealthy` keeps those failing now or disabled.
pub fn health(
    conn: &mut DbConnection,
    filter: &WebhookHealthFilter,
    page: &PageParams,
) -> ApiResult<Page<WebhookEndpointHealth>> {
    let limit = i64::from(page.limit());
    let mut query = webhook_endpoints::table
        .order(webhook_endpoints::id)
        .limit(limit + 1)
        .select(EndpointRow::as_select())
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(webhook_endpoints::id.gt(cursor));
    }
    if filter.unhealthy == Some(true) {
        query = query.filter(
            webhook_endpoints::failing_since
                .is_not_null()
                .or(webhook_endpoints::enabled.eq(false)),
        );
    }
    let (rows, next_cursor) = db::split_page(query.load(conn)?, limit, |row| row.id.clone());
    let ids: Vec<&String> = rows.iter().map(|row| &row.id).collect();
    let pending: HashMap<String, i64> = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq_any(&ids))
        .filter(webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)))
        .group_by(webhook_deliveries::endpoint_id)
        .select((webhook_deliveries::endpoint_id, count_star()))
        .load(conn)?
        .into_iter()
        .collect();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let deliveries = webhook_deliveries::table
            .filter(webhook_deliveries::endpoint_id.eq(&row.id))
            .select(webhook_deliveries::id);
        let last_attempt = webhook_attempts::table
            .filter(webhook_attempts::delivery_id.eq_any(deliveries))
            .order(webhook_attempts::attempted_at.desc())
            .select((
                webhook_attempts::attempted_at,
                webhook_attempts::status_code,
                webhook_attempts::latency_ms,
                webhook_attempts::response_excerpt,
                webhook_attempts::error,
            ))
            .first::<(
                NaiveDateTime,
                Option<i32>,
                i64,
                Option<String>,
                Option<String>,
            )>(conn)
            .optional()?
            .map(
                |(at, status_code, latency_ms, response_excerpt, error)| DeliveryAttempt {
                    attempted_at: at.and_utc(),
                    status_code: status_code.and_then(|code| u16::try_from(code).ok()),
                    latency_ms,
                    response_excerpt,
                    error,
                },
            );
        items.push(WebhookEndpointHealth {
            pending_deliveries: pending.get(&row.id).copied().unwrap_or(0),
            owner_id: row.user_id.clone(),
            endpoint: row.view(),
            last_attempt,
        });
    }
    Ok(Page { items, next_cursor })
}
