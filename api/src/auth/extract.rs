//! Who is calling: `AuthUser` (any signed-in caller) and `RequireRole<R>` (only the roles `R`
//! allows), so that a handler states who may call it in its signature.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest, web};
use shared_types::ErrorCode;
use shared_types::auth::{Role, Scope};

use super::api_keys::{self, API_KEY_PREFIX};
use super::suspension;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in session (access token): everything the role allows.
    Session,
    /// A personal API key: what the role allows, limited to the key's scopes.
    ApiKey { key_id: String, scopes: Vec<Scope> },
    /// An app's OAuth access token: what the role allows, limited to the scopes granted.
    OAuth {
        token_id: String,
        app_id: String,
        scopes: Vec<Scope>,
    },
}

impl Credential {
    /// Whether the credential still works at `now` (a live stream checks as it goes; a
    /// session's token is bounded by its expiry and the account's standing).
    pub fn is_active(
        &self,
        conn: &mut crate::db::DbConnection,
        now: chrono::NaiveDateTime,
    ) -> ApiResult<bool> {
        match self {
            Self::Session => Ok(true),
            Self::ApiKey { key_id, .. } => api_keys::is_active(conn, key_id, now),
            Self::OAuth { token_id, .. } => crate::oauth::grants::is_active(conn, token_id, now),
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    pub role: Role,
    pub credential: Credential,
    /// How much longer the credential works, from this call (none: an API key without expiry).
    /// An access token's expiry is checked against the system clock, a key's against the
    /// service's.
    pub valid_for: Option<std::time::Duration>,
    /// The sign-in a session's access token belongs to (none for an API key).
    pub session_id: Option<String>,
}

impl AuthUser {
    /// Sessions pass; an API key or an app's token passes only if it carries `scope` (else 403
    /// `insufficient_scope`).
    pub fn require_scope(&self, scope: Scope) -> ApiResult<()> {
        let lacking = |what: &str| {
            Err(ApiError::new(
                ErrorCode::InsufficientScope,
                format!("{what} lacks the scope {}", scope.as_str()),
            ))
        };
        match &self.credential {
            Credential::ApiKey { scopes, .. } if !scopes.contains(&scope) => {
                lacking("this API key")
            }
            Credential::OAuth { scopes, .. } if !scopes.contains(&scope) => {
                lacking("this app's access")
            }
            _ => Ok(()),
        }
    }

    /// Only a signed-in session, never an API key or an app (e.g. to manage API keys).
    pub fn require_session(&self) -> ApiResult<()> {
        match self.credential {
            Credential::Session => Ok(()),
            Credential::ApiKey { .. } => Err(ApiError::forbidden(
                "this operation needs a signed-in session, not an API key",
            )),
            Credential::OAuth { .. } => Err(ApiError::forbidden(
                "this operation needs a signed-in session, not an app's access token",
            )),
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let standing = req
            .extensions()
            .get::<CheckedStanding>()
            .map(|checked| checked.0);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("AppState is not registered"))?;
            let token = token?;
            if token.starts_with(API_KEY_PREFIX) {
                let now = state.clock.now();
                return state
                    .db(move |conn| api_keys::authenticate(conn, &token, now))
                    .await;
            }
            if token.starts_with(crate::oauth::ACCESS_TOKEN_PREFIX) {
                let now = state.clock.now();
                return state
                    .db(move |conn| crate::oauth::grants::authenticate(conn, &token, now))
                    .await;
            }
            let claims = state.jwt.verify_access(&token)?;
            // `check_session_standing` read the account's standing before any extractor ran.
            match standing {
                Some(Ok(standing)) => {
                    if let Some(refusal) = standing.refusal() {
                        return Err(refusal);
                    }
                    if let suspension::Standing::Active { session_epoch } = standing
                        && claims.epoch < session_epoch
                    {
                        return Err(ApiError::new(
                            ErrorCode::InvalidToken,
                            "this session was ended when the password changed; sign in again",
                        ));
                    }
                }
                Some(Err(())) => {
                    return Err(ApiError::new(
                        ErrorCode::ServiceUnavailable,
                        "the database is unavailable; retry shortly",
                    ));
                }
                None => return Err(ApiError::internal("the account standing was not checked")),
            }
            Ok(Self {
                user_id: claims.sub,
                role: claims.role,
                session_id: claims.sid,
                credential: Credential::Session,
                valid_for: Some(std::time::Duration::from_secs(
                    u64::try_from(claims.exp - chrono::Utc::now().timestamp()).unwrap_or_default(),
                )),
            })
        })
    }
}

/// The standing of a signed-in caller's account, read before the extractors run (`Err` when the
/// database could not say).
#[derive(Debug, Clone, Copy)]
struct CheckedStanding(Result<suspension::Standing, ()>);

/// Reads the standing of a signed-in caller's account before any extractor runs, so that
/// [`AuthUser`] refuses a suspended or deleted account at once (and before a body is even
/// parsed), while operations that need no sign-in ignore it. A token outlives a suspension or a
/// deleted account by at most the standing cache's age.
pub async fn check_session_standing(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let session = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .zip(bearer_token(req.request()).ok())
        .filter(|(_, token)| {
            !token.starts_with(API_KEY_PREFIX)
                && !token.starts_with(crate::oauth::ACCESS_TOKEN_PREFIX)
        })
        .and_then(|(state, token)| {
            let claims = state.jwt.verify_access(&token).ok()?;
            Some((state, claims.sub))
        });
    if let Some((state, user_id)) = session {
        let checked = suspension::current(&state, &user_id)
            .await
            .map_err(|error| {
                tracing::warn!(%error, "could not read an account's standing");
            });
        req.extensions_mut().insert(CheckedStanding(checked));
    }
    next.call(req).await
}

/// The `Authorization: Bearer` token, or why there is none.
pub(crate) fn bearer_token(req: &HttpRequest) -> ApiResult<String> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Err(ApiError::new(
            ErrorCode::Unauthenticated,
            "send an access token or API key as Authorization: Bearer …",
        ));
    };
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(ApiError::new(
            ErrorCode::InvalidToken,
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

/// The roles a [`RequireRole`] lets through.
pub trait AllowedRoles {
    const ROLES: &'static [Role];
}

/// Role markers for [`RequireRole`].
pub mod roles {
    use super::{AllowedRoles, Role};

    pub struct Customer;
    pub struct Partner;
    pub struct Staff;
    /// The two sides of a job.
    pub struct CustomerOrPartner;

    impl AllowedRoles for Customer {
        const ROLES: &'static [Role] = &[Role::Customer];
    }
    impl AllowedRoles for Partner {
        const ROLES: &'static [Role] = &[Role::Partner];
    }
    impl AllowedRoles for Staff {
        const ROLES: &'static [Role] = &[Role::Staff];
    }
    impl AllowedRoles for CustomerOrPartner {
        const ROLES: &'static [Role] = &[Role::Customer, Role::Partner];
    }
}

/// An authenticated caller whose role is one of `R::ROLES`; any other role gets 403.
pub struct RequireRole<R: AllowedRoles>(pub AuthUser, PhantomData<R>);

impl<R: AllowedRoles> Deref for RequireRole<R> {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.0
    }
}

impl<R: AllowedRoles + 'static> FromRequest for RequireRole<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = AuthUser::from_request(req, payload);
        Box::pin(async move {
            let user = user.await?;
            if !R::ROLES.contains(&user.role) {
                return Err(ApiError::forbidden(format!(
                    "this operation is not open to the {} role",
                    user.role.as_str()
                )));
            }
            Ok(Self(user, PhantomData))
        })
    }
}
