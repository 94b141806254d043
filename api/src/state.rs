//! What every handler gets: the pool, the settings, the token keys and the clock, plus the one helper that
//! moves blocking diesel work off the async executor.

use std::sync::Arc;

use actix_web::web;

use crate::auth::suspension::StandingCache;
use crate::auth::tokens::JwtKeys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::db::hot::HotDb;
use crate::db::{self, DbConnection, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::limits::RateLimits;
use crate::notify::email::Mailer;
use crate::notify::signal::{Shutdown, Wakeups};
use crate::notify::sms::SmsSender;
use crate::photos::Photos;
use crate::places::Geocoder;
use crate::requests::race::ConfirmTurns;
use crate::wallet::provider::PaymentProvider;

#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub jwt: Arc<JwtKeys>,
    pub clock: Clock,
    /// Wakes the notification pipeline and the refund worker after writes.
    pub wakeups: Wakeups,
    /// Charges cards and sends refunds (`PAYMENT_PROVIDER`).
    pub payments: PaymentProvider,
    /// Recently read account standings, checked on every signed-in call.
    pub standing: StandingCache,
    /// Raised when the service begins to stop: open live streams end.
    pub shutdown: Shutdown,
    /// The callers' rate-limit buckets.
    pub limits: Arc<RateLimits>,
    /// Sends emails about the account itself (password reset links); none without `SMTP_URL`.
    pub mailer: Option<Arc<Mailer>>,
    /// Sends phone verification codes (`SMS_ACCOUNT_SID`; the log without it).
    pub sms: Arc<dyn SmsSender>,
    /// Finds addresses on the map (`GEOCODER_URL`; the bundled postal areas without it).
    pub geocoder: Arc<dyn Geocoder>,
    /// The hot reads' async connections (PostgreSQL only; see [`crate::db::hot`]).
    pub hot: HotDb,
    /// Whose turn it is at each instant lead's confirm race, in this process.
    pub confirm_turns: Arc<ConfirmTurns>,
    /// Where photos are kept and how links to them are signed.
    pub photos: Photos,
}

impl AppState {
    pub fn new(pool: DbPool, settings: Settings, photos: Photos) -> Self {
        let jwt = Arc::new(JwtKeys::new(&settings.jwt_secret));
        let payments = PaymentProvider::from_settings(&settings);
        let limits = Arc::new(RateLimits::from_settings(&settings));
        let mailer = crate::notify::mailer(&settings).map(Arc::new);
        let sms = Arc::from(crate::notify::sms::sender(&settings));
        let geocoder = crate::places::geocoder(&settings);
        let hot = HotDb::new(&settings.database_url);
        Self {
            pool,
            settings: Arc::new(settings),
            jwt,
            clock: Clock::default(),
            wakeups: Wakeups::default(),
            payments,
            standing: StandingCache::default(),
            shutdown: Shutdown::default(),
            limits,
            mailer,
            sms,
            geocoder,
            hot,
            confirm_turns: Arc::default(),
            photos,
        }
    }

    /// Runs `f` with a pooled connection on the blocking thread pool. Every query goes through
    /// here (or [`AppState::write`]), so the way we reach the database is one local change.
    pub async fn db<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        // What `f` logs belongs to the caller's span (a worker's batch, a request).
        let span = tracing::Span::current();
        web::block(move || {
            let _in_span = span.enter();
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(ApiError::from)?
    }

    /// Like [`AppState::db`], inside one write transaction: all of `f` lands or none of it.
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let result = self.db(move |conn| db::write_transaction(conn, f)).await;
        if result.is_ok() {
            self.wakeups.outbox_written.raise();
        }
        result
    }
}
