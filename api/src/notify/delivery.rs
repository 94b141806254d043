//! Delivering the outbox: workers in the API process claim due messages, push them to the
//! recipient's devices and email address (as the recipient's preferences allow), and record
//! the outcome.
//!
//! - Claiming leases a batch (`next_attempt_at` moves a lease ahead); on PostgreSQL with
//!   `FOR UPDATE SKIP LOCKED`, so several replicas share the work without overlap. A worker that
//!   dies mid-batch loses nothing: its lease runs out and another worker takes the messages.
//! - Delivery is at-least-once. Each device that got a message is recorded, so a retry only
//!   resends to the others, and every push carries the outbox id as its collapse key / tag, so a
//!   message sent twice (a crash between sending and recording) still shows once.
//! - Failures: a dead token deletes the device; a retryable error reschedules the message with
//!   exponential backoff and jitter, never sooner than FCM's `Retry-After`; after
//!   `OUTBOX_MAX_ATTEMPTS`, or on an error retrying cannot fix, the message ends `failed` with
//!   its last error, for staff to see.

use shared_types::events::EventType;
use shared_types::notify::OutboxStatus;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use futures_util::StreamExt as _;
use tracing::Instrument as _;

use super::devices::{self, DeviceRow};
use super::email::{MailError, Mailer};
use super::fcm::{FcmSender, PushError};
use super::message;
use super::preferences::{Channels, PreferenceBook};
use super::stream;
use crate::backoff;
use crate::db::lease::{self, Lease, WorkTable};
use crate::db::schema::{outbox, outbox_deliveries, users};
use crate::db::text_enum::Stored;
use crate::db::{DbConnection, write_transaction};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How long a claimed message is reserved for the worker that claimed it.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(60);
/// Messages claimed at once (a new lead may alert hundreds of pros).
const BATCH: i64 = 1000;
/// Messages being sent at the same time.
const SENDING_AT_ONCE: usize = 128;
/// The most outcomes recorded in one transaction.
const RECORD_AT_ONCE: usize = 128;

/// How messages leave: the push sender and the mailer (each absent when not configured) and
/// the retry budget.
pub struct Delivery {
    pub fcm: Option<FcmSender>,
    pub mailer: Option<Mailer>,
    pub max_attempts: i32,
    /// How long a message stays unread before it is emailed (`MESSAGE_EMAIL_AFTER_MINUTES`).
    pub message_email_after: Duration,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Claimed {
    pub id: String,
    pub recipient_id: String,
    #[diesel(deserialize_as = Stored<EventType>)]
    pub kind: EventType,
    pub payload: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
}

/// The outbox as a work table. Only sequenced messages are claimed: the sequencer locks the
/// fresh ones for a moment, and `SKIP LOCKED` would pass them over. Claiming counts an attempt.
const OUTBOX: WorkTable = WorkTable {
    table: "outbox",
    id: "id",
    due_at: "next_attempt_at",
    ready: "status = 'pending' AND stream_seq IS NOT NULL",
    on_claim: "attempts = attempts + 1",
};

/// Leases up to `limit` due messages to the caller for [`LEASE`].
pub fn claim(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> ApiResult<Vec<Claimed>> {
    claim_under(conn, now, Lease::starting(now, LEASE), limit)
}

fn claim_under(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: Lease,
    limit: i64,
) -> ApiResult<Vec<Claimed>> {
    write_transaction(conn, |conn| {
        let ids = lease::claim(conn, &OUTBOX, now, lease, limit)?;
        let mut claimed = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            claimed.extend(
                outbox::table
                    .filter(outbox::id.eq_any(chunk))
                    .order(outbox::id)
                    .select(Claimed::as_select())
                    .load(conn)?,
            );
        }
        Ok(claimed)
    })
}

/// What happened to one message.
#[derive(Debug, Default)]
struct Outcome {
    delivered: Vec<String>,
    dead_devices: Vec<String>,
    /// Some target should be tried again…
    retry: bool,
    /// …no sooner than this, when the server said so.
    retry_after: Option<Duration>,
    fatal: Option<String>,
    last_error: Option<String>,
    /// A target deliberately left for later (an unread message's email), not a failure.
    later: Option<NaiveDateTime>,
}

impl Outcome {
    fn try_again(&mut self, after: Option<Duration>, reason: String) {
        self.retry = true;
        self.retry_after = self.retry_after.max(after);
        self.last_error = Some(reason);
    }

    fn give_up(&mut self, reason: String) {
        self.last_error = Some(reason.clone());
        self.fatal = Some(reason);
    }
}

/// One message ready to go: where it still has to reach (the devices and email address the
/// recipient's preferences allow, minus those a previous attempt reached) and what it says.
struct Planned {
    claimed: Claimed,
    devices: Vec<DeviceRow>,
    email: Option<String>,
    /// An email that waits until then (a message the recipient may still read in the app).
    email_later: Option<NaiveDateTime>,
    notification: message::Notification,
}

/// Works out every claimed message's targets with a handful of queries for the whole batch.
fn plan(
    conn: &mut DbConnection,
    batch: Vec<Claimed>,
    channels_on: Channels,
    message_email_after: Duration,
    now: NaiveDateTime,
) -> ApiResult<Vec<Planned>> {
    let mut recipients: Vec<String> = batch.iter().map(|c| c.recipient_id.clone()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    let ids: Vec<&String> = batch.iter().map(|c| &c.id).collect();
    let done: HashSet<(String, String)> = outbox_deliveries::table
        .filter(outbox_deliveries::outbox_id.eq_any(ids))
        .select((outbox_deliveries::outbox_id, outbox_deliveries::target))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let preferences = PreferenceBook::load(conn, &recipients)?;
    let mut devices_of: HashMap<String, Vec<DeviceRow>> = HashMap::new();
    if channels_on.push {
        for device in devices::of_users(conn, &recipients)? {
            devices_of
                .entry(device.user_id.clone())
                .or_default()
                .push(device);
        }
    }
    let emails: HashMap<String, String> = if channels_on.email {
        users::table
            .filter(users::id.eq_any(&recipients))
            .select((users::id, users::email))
            .load(conn)?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let planned = batch
        .into_iter()
        .map(|claimed| {
            let wanted = preferences.channels(&claimed.recipient_id, claimed.kind, now.and_utc());
            let not_done = |target: &str| !done.contains(&(claimed.id.clone(), target.to_owned()));
            let devices = if wanted.push {
                devices_of
                    .get(&claimed.recipient_id)
                    .into_iter()
                    .flatten()
                    .filter(|device| not_done(&device_target(device)))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let mut email = emails
                .get(&claimed.recipient_id)
                .filter(|address| wanted.email && not_done(&email_target(address)))
                .cloned();
            let payload: serde_json::Value =
                serde_json::from_str(&claimed.payload).unwrap_or_default();
            let notification = message::render(claimed.kind, &payload, now);
            let mut email_later = None;
            // A message is emailed only when it is still unread a while later.
            if claimed.kind == EventType::MessageReceived && email.is_some() {
                let due = claimed.created_at
                    + chrono::Duration::from_std(message_email_after).unwrap_or_default();
                if now < due {
                    email_later = email.take().map(|_| due);
                } else if !crate::conversations::threads::still_unread(
                    conn,
                    &claimed.recipient_id,
                    &payload,
                )? {
                    email = None;
                }
            }
            Ok(Planned {
                claimed,
                devices,
                email,
                email_later,
                notification,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(planned)
}

/// Sends one message on every channel it still has to reach.
async fn fan_out(delivery: &Delivery, planned: Planned) -> (Claimed, Outcome) {
    let Planned {
        claimed,
        devices,
        email,
        email_later,
        notification,
    } = planned;
    let mut outcome = Outcome {
        later: email_later,
        ..Outcome::default()
    };
    if notification.ttl == Some(Duration::ZERO) {
        // Too late to matter (an expired offer): nothing to show.
        return (claimed, outcome);
    }
    if let Some(fcm) = &delivery.fcm {
        for device in devices {
            match fcm.send(&device.token, &notification, &claimed.id).await {
                Ok(()) => outcome.delivered.push(device_target(&device)),
                Err(PushError::DeadToken(reason)) => {
                    tracing::info!(device_id = %device.id, %reason, "forgetting a dead device");
                    outcome.dead_devices.push(device.id);
                }
                Err(PushError::Retry { after, reason }) => outcome.try_again(after, reason),
                Err(PushError::Fatal(reason)) => {
                    tracing::error!(
                        outbox_id = %claimed.id, device_id = %device.id, %reason,
                        "FCM refused a message; check the service account and project"
                    );
                    outcome.give_up(reason);
                }
            }
        }
    }
    if let (Some(mailer), Some(address)) = (&delivery.mailer, email) {
        match mailer.send(&address, &notification, &claimed.id).await {
            Ok(()) => outcome.delivered.push(email_target(&address)),
            Err(MailError::Retry(reason)) => outcome.try_again(None, reason),
            Err(MailError::Fatal(reason)) => {
                tracing::warn!(outbox_id = %claimed.id, %reason, "the mail relay refused an alert");
                outcome.give_up(reason);
            }
        }
    }
    (claimed, outcome)
}

fn device_target(device: &DeviceRow) -> String {
    format!("device:{}", device.id)
}

fn email_target(address: &str) -> String {
    format!("email:{address}")
}

/// Records a batch's outcomes in one transaction: what reached whom, dead devices, and each
/// message's new state (sent, due again after a backoff, or failed).
fn record(
    conn: &mut DbConnection,
    outcomes: &[(Claimed, Outcome)],
    max_attempts: i32,
    lease: Lease,
    now: NaiveDateTime,
) -> ApiResult<()> {
    write_transaction(conn, |conn| {
        let delivered: Vec<_> = outcomes
            .iter()
            .flat_map(|(claimed, outcome)| {
                outcome.delivered.iter().map(|target| {
                    (
                        outbox_deliveries::outbox_id.eq(&claimed.id),
                        outbox_deliveries::target.eq(target),
                        outbox_deliveries::delivered_at.eq(now),
                    )
                })
            })
            .collect();
        // A worker whose lease ran out may have recorded the same target already.
        for chunk in delivered.chunks(1000) {
            crate::insert_or_ignore!(conn, outbox_deliveries::table, chunk)?;
        }
        let mut sent = Vec::new();
        for (claimed, outcome) in outcomes {
            for device in &outcome.dead_devices {
                devices::forget(conn, device)?;
            }
            // Only while the lease is still ours: after it ran out, another worker owns the
            // message and its outcome.
            let row = outbox::table
                .find(&claimed.id)
                .filter(lease.held(outbox::next_attempt_at));
            match (outcome.retry, &outcome.fatal) {
                (true, _) if claimed.attempts < max_attempts => {
                    let next = backoff::next_attempt_at(now, claimed.attempts, outcome.retry_after);
                    diesel::update(row)
                        .set((
                            outbox::next_attempt_at.eq(next),
                            outbox::last_error.eq(&outcome.last_error),
                        ))
                        .execute(conn)?;
                }
                // An email still waiting goes when its time comes, whatever became of the push.
                (true, _) | (false, Some(_)) if outcome.later.is_some() => {
                    diesel::update(row)
                        .set((
                            outbox::next_attempt_at.eq(outcome.later.unwrap_or(now)),
                            outbox::last_error.eq(&outcome.last_error),
                        ))
                        .execute(conn)?;
                }
                (true, _) | (false, Some(_)) => {
                    diesel::update(row)
                        .set((
                            outbox::status.eq(Stored(OutboxStatus::Failed)),
                            outbox::last_error.eq(&outcome.last_error),
                        ))
                        .execute(conn)?;
                }
                // Waiting on purpose is not an attempt.
                (false, None) if outcome.later.is_some() => {
                    diesel::update(row)
                        .set((
                            outbox::next_attempt_at.eq(outcome.later.unwrap_or(now)),
                            outbox::attempts.eq(outbox::attempts - 1),
                        ))
                        .execute(conn)?;
                }
                (false, None) => sent.push(claimed.id.as_str()),
            }
        }
        for chunk in sent.chunks(1000) {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq_any(chunk))
                    .filter(lease.held(outbox::next_attempt_at)),
            )
            .set(outbox::status.eq(Stored(OutboxStatus::Sent)))
            .execute(conn)?;
        }
        Ok(())
    })
}

/// Runs one pass: sequences what is new, claims a batch, works out its targets, sends up to
/// `SENDING_AT_ONCE` messages at a time, and records outcomes as they come. Returns how many
/// messages were claimed. A pass that dies half-way loses nothing: the claims' lease runs out,
/// and only what was in flight is sent again.
pub async fn run_once(state: &AppState, delivery: &Arc<Delivery>) -> ApiResult<usize> {
    let now = state.clock.now();
    let lease = Lease::starting(now, LEASE);
    let span = tracing::info_span!(
        "outbox_batch",
        worker = "outbox_delivery",
        batch = %crate::db::new_id(),
        lease_until = %lease.until,
        outbox_ids = tracing::field::Empty,
    );
    deliver_batch(state, delivery, now, lease)
        .instrument(span)
        .await
}

async fn deliver_batch(
    state: &AppState,
    delivery: &Arc<Delivery>,
    now: NaiveDateTime,
    lease: Lease,
) -> ApiResult<usize> {
    stream::sequence_and_wake(state).await?;
    let batch = state
        .db(move |conn| claim_under(conn, now, lease, BATCH))
        .await?;
    let count = batch.len();
    tracing::Span::current().record("outbox_ids", count);
    if count == 0 {
        return Ok(0);
    }
    let channels_on = Channels {
        push: delivery.fcm.is_some(),
        email: delivery.mailer.is_some(),
    };
    let email_after = delivery.message_email_after;
    let planned = state
        .db(move |conn| plan(conn, batch, channels_on, email_after, now))
        .await?;
    // Outcomes are recorded by a task of their own while the sending goes on: whatever has
    // finished is written at once, so that a crash resends little.
    let (finished, mut to_record) = tokio::sync::mpsc::unbounded_channel();
    let max_attempts = delivery.max_attempts;
    let recorder = {
        let state = state.clone();
        tokio::spawn(
            async move {
                let mut outcomes = Vec::with_capacity(RECORD_AT_ONCE);
                while to_record.recv_many(&mut outcomes, RECORD_AT_ONCE).await > 0 {
                    let batch = std::mem::take(&mut outcomes);
                    let recorded_at = state.clock.now();
                    state
                        .db(move |conn| record(conn, &batch, max_attempts, lease, recorded_at))
                        .await?;
                }
                ApiResult::Ok(())
            }
            .instrument(tracing::Span::current()),
        )
    };
    let mut sending = futures_util::stream::iter(planned)
        .map(|planned| {
            let span = tracing::info_span!(
                "outbox_message",
                outbox_id = %planned.claimed.id,
                kind = %planned.claimed.kind,
                attempt = planned.claimed.attempts,
            );
            fan_out(delivery, planned).instrument(span)
        })
        .buffer_unordered(SENDING_AT_ONCE);
    while let Some(outcome) = sending.next().await {
        // The recorder only stops early on an error, which it returns below.
        let _ = finished.send(outcome);
    }
    drop(finished);
    recorder.await.map_err(ApiError::internal)??;
    Ok(count)
}

/// The worker: delivers after each sequencer run (that is, soon after a write that queued
/// something; running after the sequencer keeps the two from locking the same fresh rows), and
/// at least every `poll_every`.
pub fn spawn(
    state: AppState,
    delivery: Arc<Delivery>,
    poll_every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sequenced = state.wakeups.sequenced.subscribe();
        loop {
            match run_once(&state, &delivery).await {
                // A full batch: there may be more right away.
                Ok(count) if count >= usize::try_from(BATCH).unwrap_or(usize::MAX) => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "outbox delivery pass failed"),
            }
            sequenced.wait(poll_every).await;
        }
    })
}
