//! The live event stream (`GET /v1/events`, Server-Sent Events).
//!
//! The outbox is the source of truth. Each message gets a place in its recipient's stream
//! (`stream_seq`) from the sequencer, which runs after commits, one run at a time across every
//! replica, so positions follow commit order: a stream that resumes after position N (the
//! `Last-Event-ID`) can never miss a message that committed late with a smaller position.
//!
//! Wake-ups: a write raises `outbox_written` in its process; on PostgreSQL a trigger on the
//! outbox also NOTIFYs every replica, whose listener raises it there. The sequencer then wakes
//! the streams of exactly the users it gave new positions to (in-process, and through a second
//! NOTIFY channel on the other replicas). Polling backs all of this up.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Weak;
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

use super::inbox::{self, NotificationRow};
use super::signal::{Shutdown, Waiter, Wakeups};
use crate::auth::{Credential, suspension};
use crate::db::schema::{event_counters, outbox};
use crate::db::{DbConnection, write_transaction};
use crate::error::ApiResult;
use crate::events::webhooks;
use crate::state::AppState;

/// PostgreSQL NOTIFY channel raised by the outbox trigger on every insert.
const WRITTEN_CHANNEL: &str = "porchlight_outbox";
/// PostgreSQL NOTIFY channel the sequencer raises, one notification per recipient id.
const STREAM_CHANNEL: &str = "porchlight_stream";
/// Serialises sequencer runs across replicas.
const SEQUENCER_LOCK: i64 = 7_480_932;
/// The sequencer also runs this often without being woken, in case a wake-up was lost.
const SEQUENCER_POLL: Duration = Duration::from_secs(1);
/// How often the listener reads its connection for notifications.
const LISTEN_POLL: Duration = Duration::from_millis(20);
/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Events read from the database at once.
const BATCH: i64 = 100;

#[derive(QueryableByName)]
struct Sequenced {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    recipient_id: String,
}

/// Gives every message without a stream position the next positions of its recipient's feed
/// (1, 2, 3, … per recipient, from `event_counters`) and queues it for the recipient's
/// webhooks; returns the recipients that got new events.
pub fn sequence(conn: &mut DbConnection, now: NaiveDateTime) -> ApiResult<Vec<String>> {
    let waiting: bool = diesel::select(exists(outbox::table.filter(outbox::stream_seq.is_null())))
        .get_result(conn)?;
    if !waiting {
        return Ok(Vec::new());
    }
    write_transaction(conn, |conn| {
        let sequenced: Vec<(String, String)> = match conn {
            DbConnection::Postgres(pg) => {
                diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                    .bind::<BigInt, _>(SEQUENCER_LOCK)
                    .execute(pg)?;
                // Numbered in id order, so one transaction's messages keep their order.
                diesel::sql_query(
                    "WITH waiting AS (SELECT id, recipient_id FROM outbox \
                     WHERE stream_seq IS NULL ORDER BY id FOR UPDATE), \
                     numbered AS (SELECT id, recipient_id, \
                     row_number() OVER (PARTITION BY recipient_id ORDER BY id) AS n FROM waiting), \
                     counts AS (SELECT recipient_id, count(*) AS fresh FROM waiting \
                     GROUP BY recipient_id), \
                     counters AS (INSERT INTO event_counters (recipient_id, last_seq) \
                     SELECT recipient_id, fresh FROM counts ON CONFLICT (recipient_id) \
                     DO UPDATE SET last_seq = event_counters.last_seq + excluded.last_seq \
                     RETURNING recipient_id, last_seq) \
                     UPDATE outbox SET stream_seq = counters.last_seq - counts.fresh + numbered.n \
                     FROM numbered JOIN counts ON counts.recipient_id = numbered.recipient_id \
                     JOIN counters ON counters.recipient_id = numbered.recipient_id \
                     WHERE outbox.id = numbered.id RETURNING outbox.id, outbox.recipient_id",
                )
                .load::<Sequenced>(pg)?
                .into_iter()
                .map(|row| (row.id, row.recipient_id))
                .collect()
            }
            // One writer at a time: the write transaction is the lock.
            DbConnection::Sqlite(sqlite) => {
                let fresh: Vec<(String, String)> = outbox::table
                    .filter(outbox::stream_seq.is_null())
                    .order(outbox::id)
                    .select((outbox::id, outbox::recipient_id))
                    .load(sqlite)?;
                let mut recipients: Vec<&String> = fresh.iter().map(|(_, r)| r).collect();
                recipients.sort_unstable();
                recipients.dedup();
                let mut last: BTreeMap<String, i64> = BTreeMap::new();
                // Well under SQLite's limit of bound variables per statement.
                for chunk in recipients.chunks(1000) {
                    last.extend(
                        event_counters::table
                            .filter(event_counters::recipient_id.eq_any(chunk))
                            .select((event_counters::recipient_id, event_counters::last_seq))
                            .load::<(String, i64)>(sqlite)?,
                    );
                }
                for (id, recipient) in &fresh {
                    let seq = last.entry(recipient.clone()).or_insert(0);
                    *seq += 1;
                    diesel::update(outbox::table.find(id))
                        .set(outbox::stream_seq.eq(*seq))
                        .execute(sqlite)?;
                }
                for (recipient, seq) in &last {
                    diesel::sql_query(
                        "INSERT INTO event_counters (recipient_id, last_seq) VALUES (?, ?) \
                         ON CONFLICT (recipient_id) DO UPDATE SET last_seq = excluded.last_seq",
                    )
                    .bind::<Text, _>(recipient)
                    .bind::<BigInt, _>(seq)
                    .execute(sqlite)?;
                }
                fresh
            }
        };
        webhooks::deliveries::fan_out(conn, &sequenced, now)?;
        let mut recipients: Vec<String> = sequenced
            .into_iter()
            .map(|(_, recipient)| recipient)
            .collect();
        recipients.sort_unstable();
        recipients.dedup();
        if let DbConnection::Postgres(pg) = conn
            && !recipients.is_empty()
        {
            diesel::sql_query(format!(
                "SELECT pg_notify('{STREAM_CHANNEL}', r) FROM unnest($1) AS r"
            ))
            .bind::<Array<Text>, _>(&recipients)
            .execute(pg)?;
        }
        Ok(recipients)
    })
}

/// Runs [`sequence`] and wakes the streams of the users who got new events.
pub async fn sequence_and_wake(state: &AppState) -> ApiResult<()> {
    let now = state.clock.now();
    let recipients = state.db(move |conn| sequence(conn, now)).await?;
    if !recipients.is_empty() {
        state.wakeups.webhooks_queued.raise();
    }
    state
        .wakeups
        .streams
        .raise(recipients.iter().map(String::as_str));
    Ok(())
}

/// The sequencer: runs after every write that may have queued a message, then wakes the
/// delivery worker and the streams of the users concerned.
pub fn spawn_sequencer(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut written = state.wakeups.outbox_written.subscribe();
        loop {
            if let Err(error) = sequence_and_wake(&state).await {
                tracing::warn!(%error, "outbox sequencer failed");
            }
            state.wakeups.sequenced.raise();
            written.wait(SEQUENCER_POLL).await;
        }
    })
}

/// PostgreSQL only: a thread with its own connection that LISTENs for other replicas' writes
/// and stream positions and raises the matching wake-ups here. It reconnects after errors and
/// ends soon after `alive` is gone.
pub fn spawn_listener(database_url: String, wakeups: Wakeups, alive: Weak<()>) {
    let spawned = std::thread::Builder::new()
        .name("outbox-listen".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                if let Err(error) = listen(&database_url, &wakeups, &alive) {
                    tracing::warn!(%error, "outbox listener lost its connection; reconnecting");
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start the outbox listener; relying on polling");
    }
}

fn listen(
    database_url: &str,
    wakeups: &Wakeups,
    alive: &Weak<()>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = PgConnection::establish(database_url)?;
    conn.batch_execute(&format!(
        "LISTEN {WRITTEN_CHANNEL}; LISTEN {STREAM_CHANNEL}"
    ))?;
    // Whatever was written while we were not listening.
    wakeups.outbox_written.raise();
    while alive.strong_count() > 0 {
        let mut written = false;
        let mut users = Vec::new();
        for notification in conn.notifications_iter() {
            let notification = notification?;
            if notification.channel == STREAM_CHANNEL {
                users.push(notification.payload);
            } else {
                written = true;
            }
        }
        if written {
            wakeups.outbox_written.raise();
        }
        wakeups.streams.raise(users.iter().map(String::as_str));
        std::thread::sleep(LISTEN_POLL);
    }
    Ok(())
}

/// One open stream.
pub struct LiveStream {
    state: AppState,
    user_id: String,
    /// The last position sent.
    cursor: i64,
    waiter: Waiter,
    queued: VecDeque<Bytes>,
    /// The stream ends when the credential it was opened with expires (an access token's
    /// expiry; an API key's, if it has one); the app reconnects with a fresh one and
    /// `Last-Event-ID`.
    closes_at: Option<Instant>,
    /// A stream opened with an API key or an app's token also ends as soon as it is revoked.
    credential: Credential,
    /// The stream also ends when the service begins to stop, so that it does not hold the stop.
    shutdown: Shutdown,
}

/// Who a stream is for, and how long their credential lasts.
pub struct Subscriber {
    pub user_id: String,
    /// How much longer the credential works (none: an API key without expiry).
    pub valid_for: Option<Duration>,
    /// What the stream was opened with.
    pub credential: Credential,
}

/// Opens the subscriber's stream after position `after`, or at the newest event when `None`.
pub async fn open(
    state: AppState,
    subscriber: Subscriber,
    after: Option<i64>,
) -> ApiResult<LiveStream> {
    let Subscriber {
        user_id,
        valid_for,
        credential,
    } = subscriber;
    // Subscribe before reading the cursor, so nothing committed in between is missed.
    let waiter = state.wakeups.streams.subscribe(&user_id);
    // Everything committed before now gets its place first, so "from now" means after all of
    // it; a `Last-Event-ID` beyond the newest position (say, from before the feed was
    // renumbered) also resumes from now instead of waiting for positions that may never come.
    sequence_and_wake(&state).await?;
    let user = user_id.clone();
    let newest = state
        .db(move |conn| crate::events::feed::last_position(conn, &user))
        .await?;
    let cursor = after.map_or(newest, |after| after.min(newest));
    let closes_at = valid_for.map(|left| Instant::now() + left);
    let shutdown = state.shutdown.clone();
    Ok(LiveStream {
        state,
        user_id,
        cursor,
        waiter,
        // How long a client waits before reconnecting, in milliseconds.
        queued: VecDeque::from([Bytes::from_static(b"retry: 2000\n\n")]),
        closes_at,
        credential,
        shutdown,
    })
}

impl LiveStream {
    /// The stream as a body: events as they come, a keep-alive comment when there are none.
    pub fn into_body(
        self,
    ) -> impl futures_util::Stream<Item = Result<Bytes, std::convert::Infallible>> {
        futures_util::stream::unfold(self, |mut live| async move {
            let chunk = live.next_chunk().await?;
            Some((Ok(chunk), live))
        })
    }

    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            if let Some(chunk) = self.queued.pop_front() {
                return Some(chunk);
            }
            let left = self.closes_at.map_or(KEEP_ALIVE, |at| {
                at.saturating_duration_since(Instant::now())
            });
            if left.is_zero() || self.shutdown.has_begun() {
                return None;
            }
            if self.credential != Credential::Session {
                let now = self.state.clock.now();
                let credential = self.credential.clone();
                let active = self
                    .state
                    .db(move |conn| credential.is_active(conn, now))
                    .await;
                if matches!(active, Ok(false)) {
                    return None;
                }
            }
            // A suspended (or deleted) account's stream ends as its token stops working.
            if let Ok(standing) = suspension::current(&self.state, &self.user_id).await
                && standing.refusal().is_some()
            {
                return None;
            }
            match self.fetch().await {
                Ok(events) if !events.is_empty() => {
                    self.queued.extend(events);
                    continue;
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "live stream read failed; retrying"),
            }
            tokio::select! {
                woken = self.waiter.wait(KEEP_ALIVE.min(left)) => {
                    if !woken {
                        return Some(Bytes::from_static(b": keep-alive\n\n"));
                    }
                }
                () = self.shutdown.wait() => return None,
            }
        }
    }

    async fn fetch(&mut self) -> ApiResult<Vec<Bytes>> {
        let (user_id, after) = (self.user_id.clone(), self.cursor);
        let rows: Vec<(Option<i64>, NotificationRow)> = self
            .state
            .db(move |conn| {
                Ok(outbox::table
                    .filter(outbox::recipient_id.eq(&user_id))
                    .filter(outbox::stream_seq.gt(after))
                    .order(outbox::stream_seq)
                    .limit(BATCH)
                    .select((outbox::stream_seq, inbox::COLUMNS))
                    .load(conn)?)
            })
            .await?;
        let now = self.state.clock.now().and_utc();
        let mut chunks = Vec::with_capacity(rows.len());
        for (position, row) in rows {
            let position = position.unwrap_or(self.cursor);
            let notification = inbox::view(row, now);
            let data = serde_json::to_string(&notification).unwrap_or_default();
            chunks.push(Bytes::from(format!(
                "id: {position}\nevent: {}\ndata: {data}\n\n",
                notification.kind.as_str()
            )));
            self.cursor = position;
        }
        Ok(chunks)
    }
}
