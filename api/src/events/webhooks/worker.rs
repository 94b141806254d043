//! The webhook worker: sends due deliveries to their endpoints, signed (Standard Webhooks), and
//! records every attempt.
//!
//! - Each endpoint is worked by its own task, at most [`PER_ENDPOINT_AT_ONCE`] deliveries at a
//!   time, so an endpoint that hangs until the timeout delays only its own deliveries.
//! - Deliveries are leased like the outbox (`FOR UPDATE SKIP LOCKED` on PostgreSQL): replicas
//!   share the work, and a worker that dies loses nothing (its lease runs out).
//! - At least once: 2xx is delivered; anything else (a 3xx too: redirects are not followed, a
//!   timeout, a refused connection) is retried on [`RETRY_SCHEDULE`] with jitter, never sooner
//!   than the endpoint's `Retry-After`; after the last retry (about 3 days) it is `failed`.
//! - 410 Gone disables the endpoint at once; so does failing without a success for 3 days. Its
//!   owner is told (`webhook_endpoint.disabled`).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use futures_util::StreamExt as _;
use rand::Rng as _;
use shared_types::events::EventData;
use shared_types::webhook_endpoints::DeliveryStatus;
use shared_types::webhooks::{ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_header};
use tracing::Instrument as _;

use super::endpoints::{self, EndpointRow};
use super::guard::{GuardedResolver, Reach};
use crate::db::lease::{self, Lease, WorkTable};
use crate::db::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection, write_transaction};
use crate::error::{ApiError, ApiResult};
use crate::notify::outbox;
use crate::state::AppState;

/// Deliveries of one endpoint in flight at once (per replica).
pub const PER_ENDPOINT_AT_ONCE: usize = 4;
/// Deliveries one pass claims (and records in one transaction), sent [`PER_ENDPOINT_AT_ONCE`]
/// at a time.
const CLAIM_PER_PASS: i64 = 16;
/// The waits after the 1st, 2nd, … failed attempt (before jitter): about 3 days in all.
pub const RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_mins(5),
    Duration::from_mins(30),
    Duration::from_hours(2),
    Duration::from_hours(5),
    Duration::from_hours(10),
    Duration::from_hours(10),
    Duration::from_hours(20),
    Duration::from_hours(24),
];
/// An endpoint that has not succeeded for this long is disabled.
pub const DISABLE_AFTER_FAILING_FOR: chrono::Duration = chrono::Duration::days(3);
/// How much of an endpoint's answer the log keeps.
const EXCERPT_BYTES: usize = 2048;

const DELIVERIES: WorkTable = WorkTable {
    table: "webhook_deliveries",
    id: "id",
    due_at: "next_attempt_at",
    ready: "status = 'pending' AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled)",
    on_claim: "attempts = attempts + 1",
};

/// The wait after failed attempt number `attempt` (1 for the first), with up to 10% jitter
/// either way and at least `retry_after` (capped at a day); `None` once the schedule is over.
pub fn retry_delay(attempt: i32, retry_after: Option<Duration>) -> Option<Duration> {
    let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
    let base = *RETRY_SCHEDULE.get(index)?;
    let jitter = rand::rng().random_range(0.9..=1.1);
    let wait = base.mul_f64(jitter);
    let asked = retry_after.map(|asked| asked.min(Duration::from_hours(24)));
    Some(asked.map_or(wait, |asked| wait.max(asked)))
}

/// The HTTP client deliveries go through: the timeout, no redirects, no proxy from the
/// environment (a proxy would resolve the host itself, past the guard), and the
/// [`GuardedResolver`].
pub fn http_client(reach: Reach, timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(GuardedResolver(reach))
        .user_agent(concat!("Porchlight-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Claimed {
    pub id: String,
    pub event_id: String,
    pub body: String,
    /// This attempt's number (the claim counted it).
    pub attempts: i32,
}

/// What one attempt came to.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    pub excerpt: Option<String>,
    pub error: Option<String>,
    pub retry_after: Option<Duration>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }

    pub fn gone(&self) -> bool {
        self.status_code == Some(410)
    }
}

/// Starts the worker unless `WEBHOOK_POLL_INTERVAL_MS` is 0.
pub fn spawn(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let settings = Arc::clone(&state.settings);
    if settings.webhook_poll_interval.is_zero() {
        return None;
    }
    let reach = Reach {
        allow_loopback: settings.webhook_allow_loopback,
    };
    let http = match http_client(reach, settings.webhook_timeout) {
        Ok(http) => http,
        Err(error) => {
            tracing::error!(%error, "webhooks are off: cannot build the HTTP client");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        let busy: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut woken = state.wakeups.webhooks_queued.subscribe();
        loop {
            let now = state.clock.now();
            match state.db(move |conn| due_endpoints(conn, now)).await {
                Ok(due) => {
                    for endpoint_id in due {
                        let idle = busy
                            .lock()
                            .is_ok_and(|mut busy| busy.insert(endpoint_id.clone()));
                        if idle {
                            let span = tracing::info_span!(
                                "webhook_endpoint",
                                endpoint_id = %endpoint_id
                            );
                            let task = EndpointTask {
                                state: state.clone(),
                                http: http.clone(),
                                endpoint_id,
                                busy: Arc::clone(&busy),
                            };
                            tokio::spawn(task.run().instrument(span));
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "webhook worker could not read due deliveries");
                }
            }
            woken.wait(settings.webhook_poll_interval).await;
        }
    }))
}

/// The enabled endpoints with a delivery due at `now`.
fn due_endpoints(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<Vec<String>> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(Stored(DeliveryStatus::Pending)))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::endpoint_id.eq_any(
                webhook_endpoints::table
                    .filter(webhook_endpoints::enabled.eq(true))
                    .select(webhook_endpoints::id),
            ),
        )
        .select(webhook_deliveries::endpoint_id)
        .distinct()
        .limit(1000)
        .load(conn)?)
}

/// One endpoint's task: claims and sends its due deliveries until none is left.
struct EndpointTask {
    state: AppState,
    http: reqwest::Client,
    endpoint_id: String,
    busy: Arc<Mutex<HashSet<String>>>,
}

impl Drop for EndpointTask {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.busy.lock() {
            busy.remove(&self.endpoint_id);
        }
    }
}

impl EndpointTask {
    async fn run(self) {
        loop {
            match self.pass().await {
                Ok(0) => return,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "webhook delivery pass failed");
                    return;
                }
            }
        }
    }

    /// Claims up to [`CLAIM_PER_PASS`] due deliveries, sends them [`PER_ENDPOINT_AT_ONCE`] at
    /// a time, and records every outcome in one transaction.
    async fn pass(&self) -> ApiResult<usize> {
        let now = self.state.clock.now();
        // Long enough for every round of sends to time out, and a minute more.
        let rounds = i32::try_from(CLAIM_PER_PASS).unwrap_or(16)
            / i32::try_from(PER_ENDPOINT_AT_ONCE).unwrap_or(1);
        let lease_length = chrono::Duration::from_std(self.state.settings.webhook_timeout)
            .unwrap_or_default()
            * rounds
            + chrono::Duration::seconds(60);
        let lease = Lease::starting(now, lease_length);
        let endpoint_id = self.endpoint_id.clone();
        let claimed = self
            .state
            .db(move |conn| claim(conn, &endpoint_id, now, lease))
            .await?;
        let Some((endpoint, batch)) = claimed else {
            return Ok(0);
        };
        let secrets = endpoint.signing_secrets(now);
        let (http, url, clock) = (
            self.http.clone(),
            endpoint.url.clone(),
            self.state.clock.clone(),
        );
        let attempts: Vec<Attempt> = futures_util::stream::iter(batch.clone())
            .map(move |delivery| {
                let (http, url, secrets, clock) =
                    (http.clone(), url.clone(), secrets.clone(), clock.clone());
                async move { send(&http, &url, &delivery, &secrets, clock.now()).await }
            })
            .buffered(PER_ENDPOINT_AT_ONCE)
            .collect()
            .await;
        let count = batch.len();
        for (delivery, attempt) in batch.iter().zip(&attempts) {
            tracing::info!(
                delivery_id = %delivery.id,
                event_id = %delivery.event_id,
                attempt = delivery.attempts,
                status = attempt.status_code,
                latency_ms = attempt.latency_ms,
                error = attempt.error.as_deref(),
                "webhook attempt"
            );
        }
        let now = self.state.clock.now();
        self.state
            .write(move |conn| {
                for (delivery, attempt) in batch.iter().zip(&attempts) {
                    record(conn, &endpoint, delivery, attempt, lease, now)?;
                }
                Ok(())
            })
            .await?;
        Ok(count)
    }
}

/// Leases up to [`CLAIM_PER_PASS`] of the endpoint's due deliveries, with the endpoint.
fn claim(
    conn: &mut DbConnection,
    endpoint_id: &str,
    now: NaiveDateTime,
    lease: Lease,
) -> ApiResult<Option<(EndpointRow, Vec<Claimed>)>> {
    write_transaction(conn, |conn| {
        let ids = lease::claim_of(
            conn,
            &DELIVERIES,
            ("endpoint_id", endpoint_id),
            now,
            lease,
            CLAIM_PER_PASS,
        )?;
        if ids.is_empty() {
            return Ok(None);
        }
        let endpoint = webhook_endpoints::table
            .find(endpoint_id)
            .select(EndpointRow::as_select())
            .first(conn)?;
        let deliveries = webhook_deliveries::table
            .filter(webhook_deliveries::id.eq_any(&ids))
            .order(webhook_deliveries::id)
            .select(Claimed::as_select())
            .load(conn)?;
        Ok(Some((endpoint, deliveries)))
    })
}

/// POSTs the delivery's body to `url` with the Standard Webhooks headers.
pub async fn send(
    http: &reqwest::Client,
    url: &str,
    delivery: &Claimed,
    secrets: &[String],
    now: NaiveDateTime,
) -> Attempt {
    let timestamp = now.and_utc().timestamp();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let signature = match signature_header(
        &secrets,
        &delivery.event_id,
        timestamp,
        delivery.body.as_bytes(),
    ) {
        Ok(signature) => signature,
        Err(error) => {
            return Attempt {
                error: Some(format!("cannot sign: {error}")),
                ..Attempt::default()
            };
        }
    };
    let started = Instant::now();
    let sent = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(ID_HEADER, &delivery.event_id)
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(delivery.body.clone())
        .send()
        .await;
    let mut attempt = match sent {
        Ok(mut response) => {
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            let mut excerpt = Vec::new();
            let mut read_error = None;
            while excerpt.len() < EXCERPT_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                    Ok(None) => break,
                    Err(error) => {
                        read_error = Some(describe(&error));
                        break;
                    }
                }
            }
            excerpt.truncate(EXCERPT_BYTES);
            let error = if status.is_success() {
                None
            } else if status.is_redirection() {
                Some(format!("HTTP {status} (redirects are not followed)"))
            } else {
                Some(format!("HTTP {status}"))
            };
            Attempt {
                status_code: Some(status.as_u16()),
                excerpt: (!excerpt.is_empty())
                    .then(|| String::from_utf8_lossy(&excerpt).into_owned()),
                error: error.or(read_error.filter(|_| !status.is_success())),
                retry_after,
                ..Attempt::default()
            }
        }
        Err(error) => Attempt {
            error: Some(describe(&error)),
            ..Attempt::default()
        },
    };
    attempt.latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    attempt
}

fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

/// Records an attempt under the lease: the log entry, the delivery's next state, the endpoint's
/// failure record, and disabling it (its owner told) when it is gone or has failed too long.
fn record(
    conn: &mut DbConnection,
    endpoint: &EndpointRow,
    delivery: &Claimed,
    attempt: &Attempt,
    lease: Lease,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(db::new_id()),
            webhook_attempts::delivery_id.eq(&delivery.id),
            webhook_attempts::attempted_at.eq(now),
            webhook_attempts::status_code.eq(attempt.status_code.map(i32::from)),
            webhook_attempts::latency_ms.eq(attempt.latency_ms),
            webhook_attempts::response_excerpt.eq(&attempt.excerpt),
            webhook_attempts::error.eq(&attempt.error),
        ))
        .execute(conn)?;
    let retry = (!attempt.succeeded() && !attempt.gone())
        .then(|| retry_delay(delivery.attempts, attempt.retry_after))
        .flatten();
    let (status, next_attempt_at) = match retry {
        Some(wait) => (
            DeliveryStatus::Pending,
            now + chrono::Duration::from_std(wait).map_err(ApiError::internal)?,
        ),
        None if attempt.succeeded() => (DeliveryStatus::Succeeded, now),
        None => (DeliveryStatus::Failed, now),
    };
    let updated = diesel::update(
        webhook_deliveries::table
            .find(&delivery.id)
            .filter(lease.held(webhook_deliveries::next_attempt_at)),
    )
    .set((
        webhook_deliveries::status.eq(Stored(status)),
        webhook_deliveries::next_attempt_at.eq(next_attempt_at),
        webhook_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?;
    if updated == 0 {
        // The lease ran out and another worker owns the delivery now: its word stands.
        return Ok(());
    }
    let failing_too_long = endpoints::record_outcome(
        conn,
        &endpoint.id,
        attempt.succeeded(),
        DISABLE_AFTER_FAILING_FOR,
        now,
    )?;
    let reason = if attempt.gone() {
        "the endpoint answered 410 Gone"
    } else if failing_too_long {
        "no delivery succeeded for 3 days"
    } else {
        return Ok(());
    };
    if let Some(disabled) = endpoints::disable(conn, &endpoint.id, reason, now)? {
        outbox::enqueue(
            conn,
            &disabled.user_id,
            EventData::WebhookEndpointDisabled(disabled.view()),
            now,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_follow_the_schedule_with_jitter_and_honour_retry_after() {
        for (index, base) in RETRY_SCHEDULE.iter().enumerate() {
            let attempt = i32::try_from(index + 1).unwrap();
            let wait = retry_delay(attempt, None).unwrap();
            assert!(
                wait >= base.mul_f64(0.9) && wait <= base.mul_f64(1.1),
                "{attempt}: {wait:?}"
            );
        }
        assert_eq!(retry_delay(10, None), None, "after the last retry: failed");
        let asked = retry_delay(1, Some(Duration::from_mins(10))).unwrap();
        assert!(asked >= Duration::from_mins(10));
        let capped = retry_delay(1, Some(Duration::from_hours(100))).unwrap();
        assert_eq!(capped, Duration::from_hours(24));
        let total: Duration = RETRY_SCHEDULE.iter().sum();
        assert!(total > Duration::from_hours(66) && total < Duration::from_hours(78));
    }
}
