//! In-process wake-up calls between the code that writes notifications and the tasks that
//! deliver and stream them.

use std::sync::Arc;

use tokio::sync::watch;

/// A signal many tasks can wait for. Unlike `tokio::sync::Notify`, every subscriber sees every
/// raise that happens after it last looked, so no waiter steals another's wake-up.
#[derive(Debug, Clone)]
pub struct Signal(Arc<watch::Sender<u64>>);

impl Default for Signal {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(0)))
    }
}

impl Signal {
    pub fn raise(&self) {
        self.0.send_modify(|count| *count = count.wrapping_add(1));
    }

    pub fn subscribe(&self) -> Waiter {
        Waiter(self.0.subscribe())
    }
}

/// One subscriber of a [`Signal`].
#[derive(Debug)]
pub struct Waiter(watch::Receiver<u64>);

impl Waiter {
    /// Returns at the next raise after the last one this waiter saw (`true`), or after
    /// `at_most` (`false`).
    pub async fn wait(&mut self, at_most: std::time::Duration) -> bool {
        let raised = tokio::time::timeout(at_most, self.0.changed())
            .await
            .is_ok();
        self.0.mark_unchanged();
        raised
    }
}

/// One [`Signal`] per user with an open live stream: waking a user's streams costs nothing
/// to everyone else's.
#[derive(Debug, Clone, Default)]
pub struct StreamHub(Arc<std::sync::Mutex<std::collections::HashMap<String, Signal>>>);

impl StreamHub {
    pub fn subscribe(&self, user_id: &str) -> Waiter {
        let mut users = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        users.retain(|_, signal| signal.0.receiver_count() > 0);
        users.entry(user_id.to_owned()).or_default().subscribe()
    }

    /// Wakes the streams of these users (those without one are skipped).
    pub fn raise<'a>(&self, user_ids: impl IntoIterator<Item = &'a str>) {
        let users = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for user_id in user_ids {
            if let Some(signal) = users.get(user_id) {
                signal.raise();
            }
        }
    }
}

/// Every wake-up call of the notification pipeline: write -> sequencer -> delivery worker and
/// live streams.
#[derive(Debug, Clone, Default)]
pub struct Wakeups {
    /// Raised after a write that may have queued a notification (and, on PostgreSQL, when any
    /// replica did): wakes the stream sequencer.
    pub outbox_written: Signal,
    /// Raised after the sequencer ran: wakes the delivery worker.
    pub sequenced: Signal,
    /// Wakes the live streams of users with new events.
    pub streams: StreamHub,
    /// Raised after a write that may have queued a refund: wakes the refund worker.
    pub refunds_queued: Signal,
    /// Raised when webhook deliveries may have been queued: wakes the webhook worker.
    pub webhooks_queued: Signal,
}

/// Raised once when the service begins to stop, and raised for good. Responses that would
/// otherwise never finish (the live stream) end when they see it, so a graceful stop only waits
/// for ordinary requests.
#[derive(Debug, Clone)]
pub struct Shutdown(Arc<watch::Sender<bool>>);

impl Default for Shutdown {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }
}

impl Shutdown {
    /// Tells every open stream to end; later ones end at once.
    pub fn begin(&self) {
        self.0.send_replace(true);
    }

    pub fn has_begun(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once the stop has begun (at once if it already has).
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stopping = self.0.subscribe();
        async move {
            // An error means the sender is gone, which only happens as the service ends.
            let _ = stopping.wait_for(|begun| *begun).await;
        }
    }
}
