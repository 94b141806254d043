//! Push alerts on this phone. The platform (Firebase Messaging in the Android and iOS shells,
//! `mobile-app/platform/`) gives an FCM registration token once the person allows notifications;
//! the [`Registrar`] keeps the API's device list in step with it: the token is registered on
//! sign-in and whenever the platform rotates it, and unregistered on sign-out, before the session
//! ends, so a signed-out phone gets no one's alerts.
//!
//! The app never asks for permission on its own at start: it asks when the person taps "Turn on
//! alerts" on a card that says what the alerts are for ([`Registrar::enable`]).

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::future::LocalBoxFuture;
use shared_types::notify::{DeviceInput, Platform};

use super::error::AppError;
use super::session::Session;

/// Whether the person lets this app notify them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Allowed.
    Granted,
    /// Refused: only the phone's settings can turn it back on.
    Denied,
    /// Not asked yet.
    Undecided,
    /// No push here (a desktop build, a browser, a phone without Google Play services).
    Unsupported,
}

/// What the phone's platform does for push: the shells' Firebase Messaging.
pub trait PushPlatform {
    /// Which platform this is, as the API records the device.
    fn platform(&self) -> Platform;
    /// Whether notifications are allowed, without asking.
    fn permission(&self) -> LocalBoxFuture<'_, Permission>;
    /// Shows the system's dialog asking to allow notifications; the answer.
    fn request_permission(&self) -> LocalBoxFuture<'_, Permission>;
    /// This install's current FCM registration token, if it has one.
    fn token(&self) -> LocalBoxFuture<'_, Option<String>>;
}

/// Where push stands on this phone, for the screens to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushState {
    /// Alerts reach this phone: the device's id at the API.
    On { device_id: String },
    /// Not asked yet: show why alerts help, and "Turn on alerts".
    Ask,
    /// The person said no: say how to turn them on in the phone's settings.
    Denied,
    /// Allowed, but the platform has no token yet (it comes later, as a rotation).
    Waiting,
    /// No push on this platform: say nothing.
    Unsupported,
}

/// The token registered for this session, and its device at the API.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Registered {
    token: String,
    device_id: String,
}

/// Keeps the API's record of this phone in step with the platform's token.
#[derive(Clone)]
pub struct Registrar<P> {
    platform: Arc<P>,
    registered: Arc<Mutex<Option<Registered>>>,
}

impl<P: PushPlatform> Registrar<P> {
    pub fn new(platform: P) -> Self {
        Self {
            platform: Arc::new(platform),
            registered: Arc::new(Mutex::new(None)),
        }
    }

    fn registered(&self) -> Option<Registered> {
        self.registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn remember(&self, registered: Option<Registered>) {
        *self
            .registered
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = registered;
    }

    /// After sign-in, and at start when signed in: registers the token if notifications are
    /// allowed. Never asks.
    pub async fn on_sign_in(&self, session: &Session) -> Result<PushState, AppError> {
        match self.platform.permission().await {
            Permission::Granted => self.register_current(session).await,
            Permission::Undecided => Ok(PushState::Ask),
            Permission::Denied => Ok(PushState::Denied),
            Permission::Unsupported => Ok(PushState::Unsupported),
        }
    }

    /// The person tapped "Turn on alerts" after reading what they are for: asks the system,
    /// then registers the token.
    pub async fn enable(&self, session: &Session) -> Result<PushState, AppError> {
        match self.platform.request_permission().await {
            Permission::Granted => self.register_current(session).await,
            Permission::Denied => Ok(PushState::Denied),
            Permission::Undecided => Ok(PushState::Ask),
            Permission::Unsupported => Ok(PushState::Unsupported),
        }
    }

    async fn register_current(&self, session: &Session) -> Result<PushState, AppError> {
        match self.platform.token().await {
            Some(token) => self.on_new_token(session, &token).await,
            None => Ok(PushState::Waiting),
        }
    }

    /// The platform handed a token: at start, or a new one after a rotation. The new token is
    /// registered (the API moves it to this user if another had it) and the old one's device
    /// deleted, so alerts never go to a token the platform has dropped.
    pub async fn on_new_token(
        &self,
        session: &Session,
        token: &str,
    ) -> Result<PushState, AppError> {
        if session.user().is_none() {
            // Signed out: the token is registered at the next sign-in.
            return Ok(PushState::Waiting);
        }
        let previous = self.registered();
        if let Some(previous) = previous.as_ref().filter(|known| known.token == token) {
            return Ok(PushState::On {
                device_id: previous.device_id.clone(),
            });
        }
        let body = DeviceInput {
            token: token.to_owned(),
            platform: self.platform.platform(),
            app_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        };
        let device = session
            .call(|c| {
                let body = body.clone();
                async move { c.register_device(&body).await }
            })
            .await?;
        if let Some(previous) = previous {
            forget_device(session, &previous.device_id).await;
        }
        self.remember(Some(Registered {
            token: token.to_owned(),
            device_id: device.id.clone(),
        }));
        Ok(PushState::On {
            device_id: device.id,
        })
    }

    /// Before the session ends: this phone stops getting the account's alerts. Best effort,
    /// like the sign-out itself (an offline phone signs out anyway; the API drops the device
    /// when FCM reports its token dead).
    pub async fn on_sign_out(&self, session: &Session) {
        if let Some(previous) = self.registered() {
            forget_device(session, &previous.device_id).await;
        }
        self.remember(None);
    }

    /// Signs out: unregisters this phone, then ends the session.
    pub async fn sign_out(&self, session: &Session) {
        self.on_sign_out(session).await;
        session.sign_out().await;
    }
}

async fn forget_device(session: &Session, device_id: &str) {
    let deleted = session
        .call(|c| async move { c.delete_device(device_id).await })
        .await;
    match deleted {
        Ok(()) => {}
        Err(error) if error.code() == Some(shared_types::ErrorCode::NotFound) => {}
        Err(error) => tracing::debug!(%error, "could not unregister this device"),
    }
}

/// A platform without push: desktop builds and browsers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPush;

impl PushPlatform for NoPush {
    fn platform(&self) -> Platform {
        Platform::Web
    }

    fn permission(&self) -> LocalBoxFuture<'_, Permission> {
        Box::pin(async { Permission::Unsupported })
    }

    fn request_permission(&self) -> LocalBoxFuture<'_, Permission> {
        Box::pin(async { Permission::Unsupported })
    }

    fn token(&self) -> LocalBoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }
}
