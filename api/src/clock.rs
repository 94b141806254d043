//! The service's "now". Production reads the system clock; a test can move this clock forward
//! (`advance`) to exercise the 24-hour rules without sleeping. No setting or request can move it:
//! only Rust code holding the `AppState`.
//!
//! Rules never read the time themselves: handlers and workers take `state.clock.now()` once and
//! pass it down. The exceptions are times other parties check against their own clocks: the
//! `iat`/`exp` of our access tokens and of the FCM OAuth assertion, and the age of a Stripe
//! webhook signature; and the commands run outside the service (`create-staff`, `seed-demo`),
//! which use the system time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::NaiveDateTime;

use crate::db;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_micros: Arc<AtomicI64>,
}

impl Clock {
    /// UTC now (microsecond precision, like every stored timestamp), plus any test offset.
    pub fn now(&self) -> NaiveDateTime {
        db::now() + chrono::Duration::microseconds(self.offset_micros.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every `AppState` cloned from the same one) forward.
    pub fn advance(&self, by: chrono::Duration) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.offset_micros.fetch_add(micros, Ordering::Relaxed);
    }
}
