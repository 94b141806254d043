//! The one session store: the API's address, the signed-in user and their tokens. Every call the
//! app makes goes through [`Session::call`], which is the only place tokens are refreshed: a 401
//! refreshes once and retries; if that fails too, the session ends (the screens go to sign-in).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use chrono_tz::Tz;
use shared_types::auth::{LoginRequest, RegisterRequest, Role, SignupRole, User};
use shared_types::places::Place;
use shared_types::{Client, ClientError};
use tokio::sync::watch;

use super::error::AppError;

/// The signed-in account and its credentials.
#[derive(Debug, Clone)]
struct SignedIn {
    user: User,
    access_token: String,
    refresh_token: String,
}

#[derive(Debug)]
struct Inner {
    signed_in: Option<SignedIn>,
    time_zone: Tz,
    /// Chosen (by configuration, or a pro's working zone): the device's own zone, learnt
    /// later, does not replace it.
    time_zone_pinned: bool,
    /// Where the person looks for pros and asks for work: chosen on the phone (typed, or its
    /// location); `None` until then.
    place: Option<Place>,
}

/// Shared by every screen of one app instance; cheap to clone.
#[derive(Clone)]
pub struct Session {
    client: Client,
    inner: Arc<Mutex<Inner>>,
    /// Serialises refreshes: refresh tokens rotate, so two at once would make one "reused".
    refreshing: Arc<tokio::sync::Mutex<()>>,
    /// `true` while someone is signed in; the UI watches it to leave for the sign-in screen.
    signed_in_tx: Arc<watch::Sender<bool>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("api", &self.client.base_url())
            .field("user", &self.user().map(|user| user.email))
            .finish_non_exhaustive()
    }
}

/// What the app says it is, so that a person recognises it among their signed-in devices.
fn user_agent() -> String {
    let platform = if cfg!(feature = "liveview") {
        "Web"
    } else if cfg!(target_os = "android") {
        "Android"
    } else if cfg!(target_os = "ios") {
        "iOS"
    } else {
        "Desktop"
    };
    format!("Porchlight/{} ({platform})", env!("CARGO_PKG_VERSION"))
}

impl Session {
    /// A signed-out session for the API at `base_url`, showing times in `time_zone`.
    pub fn new(base_url: &str, time_zone: Tz) -> Self {
        let (signed_in_tx, _) = watch::channel(false);
        Self {
            client: Client::with_user_agent(base_url, &user_agent()),
            inner: Arc::new(Mutex::new(Inner {
                signed_in: None,
                time_zone,
                time_zone_pinned: false,
                place: None,
            })),
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
            signed_in_tx: Arc::new(signed_in_tx),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn api_url(&self) -> &str {
        self.client.base_url()
    }

    pub fn user(&self) -> Option<User> {
        self.lock().signed_in.as_ref().map(|s| s.user.clone())
    }

    pub fn role(&self) -> Option<Role> {
        self.lock().signed_in.as_ref().map(|s| s.user.role)
    }

    /// The zone every time on screen is shown in (the device's, or the pro's working zone).
    pub fn time_zone(&self) -> Tz {
        self.lock().time_zone
    }

    /// Where the person looks for pros, once chosen.
    pub fn place(&self) -> Option<Place> {
        self.lock().place.clone()
    }

    pub fn set_place(&self, place: Place) {
        self.lock().place = Some(place);
    }

    /// Shows times in `time_zone` from now on, whatever the device says.
    pub fn pin_time_zone(&self, time_zone: Tz) {
        let mut inner = self.lock();
        inner.time_zone = time_zone;
        inner.time_zone_pinned = true;
    }

    /// The device's (or browser's) own zone, learnt after start: used unless one was pinned.
    pub fn adopt_device_time_zone(&self, time_zone: Tz) {
        let mut inner = self.lock();
        if !inner.time_zone_pinned {
            inner.time_zone = time_zone;
        }
    }

    /// Tells when the session starts or ends (`true` = signed in).
    pub fn watch_signed_in(&self) -> watch::Receiver<bool> {
        self.signed_in_tx.subscribe()
    }

    /// The access token in use, for the platform glue that needs it (e.g. an SSE reconnect).
    pub fn access_token(&self) -> Option<String> {
        self.lock()
            .signed_in
            .as_ref()
            .map(|s| s.access_token.clone())
    }

    /// Replaces the access token (as if it had expired or been revoked); for tests.
    pub fn set_access_token(&self, token: &str) {
        if let Some(signed_in) = self.lock().signed_in.as_mut() {
            token.clone_into(&mut signed_in.access_token);
        }
    }

    /// The refresh token in use; for tests that revoke it from elsewhere.
    pub fn refresh_token(&self) -> Option<String> {
        self.lock()
            .signed_in
            .as_ref()
            .map(|s| s.refresh_token.clone())
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<User, AppError> {
        let tokens = self
            .client
            .login(&LoginRequest {
                email: email.trim().to_owned(),
                password: password.to_owned(),
            })
            .await?;
        let user = self.client.with_token(&tokens.access_token).me().await?;
        self.lock().signed_in = Some(SignedIn {
            user: user.clone(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
        });
        self.signed_in_tx.send_replace(true);
        Ok(user)
    }

    /// Creates the account, then signs in with it.
    pub async fn sign_up(
        &self,
        name: &str,
        email: &str,
        password: &str,
        role: SignupRole,
    ) -> Result<User, AppError> {
        self.client
            .register(&RegisterRequest {
                email: email.trim().to_owned(),
                password: password.to_owned(),
                name: name.trim().to_owned(),
                role,
            })
            .await?;
        self.sign_in(email, password).await
    }

    /// Reads the signed-in account again (say, after its email was confirmed on another device).
    pub async fn reload_user(&self) -> Result<User, AppError> {
        let user = self.call(|c| async move { c.me().await }).await?;
        self.replace_user(&user);
        Ok(user)
    }

    /// Follows an emailed link's token (signed in or not); the signed-in account is updated
    /// when the link was for it.
    pub async fn confirm_email(&self, token: &str) -> Result<User, AppError> {
        let user = self.client.anonymous().confirm_email(token).await?;
        self.replace_user(&user);
        Ok(user)
    }

    /// Sends another link to confirm the signed-in account's email address.
    pub async fn resend_confirmation(&self) -> Result<(), AppError> {
        self.call(|c| async move { c.resend_email_verification().await })
            .await
    }

    /// Asks for a reset link for `email` (the answer is the same whether it has an account).
    pub async fn request_password_reset(&self, email: &str) -> Result<(), AppError> {
        Ok(self
            .client
            .anonymous()
            .request_password_reset(email.trim())
            .await?)
    }

    /// Sets a new password with a reset link's token.
    pub async fn reset_password(&self, token: &str, new_password: &str) -> Result<(), AppError> {
        let body = shared_types::auth::PasswordResetConfirm {
            token: token.to_owned(),
            new_password: new_password.to_owned(),
        };
        Ok(self
            .client
            .anonymous()
            .confirm_password_reset(&body)
            .await?)
    }

    /// Deletes the account (the password re-authenticates) and ends the session here.
    pub async fn delete_account(&self, password: &str) -> Result<(), AppError> {
        let password = password.to_owned();
        self.call(|c| {
            let password = password.clone();
            async move { c.delete_account(&password).await }
        })
        .await?;
        self.end_locally();
        Ok(())
    }

    /// Replaces the cached account when `user` is the signed-in one.
    fn replace_user(&self, user: &User) {
        if let Some(signed_in) = self.lock().signed_in.as_mut()
            && signed_in.user.id == user.id
        {
            signed_in.user = user.clone();
        }
    }

    /// Ends the session here and revokes its refresh token on the server (best effort: a device
    /// that is offline still signs out locally).
    pub async fn sign_out(&self) {
        let refresh_token = self.lock().signed_in.take().map(|s| s.refresh_token);
        self.signed_in_tx.send_replace(false);
        if let Some(refresh_token) = refresh_token
            && let Err(error) = self.client.logout(&refresh_token).await
        {
            tracing::debug!(%error, "could not revoke the refresh token");
        }
    }

    /// Runs `op` with an authenticated client. On a 401 it refreshes the tokens once and runs
    /// `op` again; if the refresh is refused, the session ends and the error is `SignedOut`.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, AppError>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let Some(token) = self.access_token() else {
            return Err(AppError::SignedOut);
        };
        match op(self.client.with_token(&token)).await {
            Err(error) if error.status() == Some(401) => {
                let token = self.refresh_after(&token).await?;
                match op(self.client.with_token(&token)).await {
                    Err(error) if error.status() == Some(401) => {
                        self.end_locally();
                        Err(AppError::SignedOut)
                    }
                    other => other.map_err(AppError::from),
                }
            }
            other => other.map_err(AppError::from),
        }
    }

    /// Runs `op` without credentials (public endpoints work signed out too).
    pub async fn public<T, F, Fut>(&self, op: F) -> Result<T, AppError>
    where
        F: Fn(Client) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        if self.access_token().is_some() {
            return self.call(op).await;
        }
        op(self.client.anonymous()).await.map_err(AppError::from)
    }

    /// A fresh access token after `rejected` was refused. If another call refreshed meanwhile,
    /// its token is used; otherwise the refresh token is exchanged (once).
    async fn refresh_after(&self, rejected: &str) -> Result<String, AppError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let refresh_token = {
            let inner = self.lock();
            let Some(signed_in) = inner.signed_in.as_ref() else {
                return Err(AppError::SignedOut);
            };
            if signed_in.access_token != rejected {
                return Ok(signed_in.access_token.clone());
            }
            signed_in.refresh_token.clone()
        };
        match self.client.refresh(&refresh_token).await {
            Ok(tokens) => {
                let mut inner = self.lock();
                let Some(signed_in) = inner.signed_in.as_mut() else {
                    return Err(AppError::SignedOut);
                };
                signed_in.access_token.clone_from(&tokens.access_token);
                signed_in.refresh_token = tokens.refresh_token;
                Ok(tokens.access_token)
            }
            Err(error) if error.status().is_some_and(|status| status < 500) => {
                tracing::info!(%error, "the session could not be refreshed; signing out");
                self.end_locally();
                Err(AppError::SignedOut)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn end_locally(&self) {
        self.lock().signed_in = None;
        self.signed_in_tx.send_replace(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_devices_zone_counts_until_one_is_chosen() {
        let session = Session::new("http://127.0.0.1:1", Tz::UTC);
        session.adopt_device_time_zone(Tz::America__Vancouver);
        assert_eq!(session.time_zone(), Tz::America__Vancouver);
        session.pin_time_zone(Tz::America__Toronto);
        session.adopt_device_time_zone(Tz::Europe__Paris);
        assert_eq!(
            session.time_zone(),
            Tz::America__Toronto,
            "a chosen zone stays"
        );
    }
}
