//! HTTP handlers for accounts, sessions and API keys: extract, authorise, call the rules, answer.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use shared_types::auth::{
    ApiKey, ChangePasswordRequest, CreateApiKeyRequest, CreatedApiKey, LoginRequest,
    PasswordResetConfirm, PasswordResetRequest, RefreshRequest, RegisterRequest, Scope,
    TokenResponse, User,
};
use shared_types::{ErrorCode, Page, PageParams, ProblemDetails};

use super::accounts::{self, normalize_email};
use super::api_keys;
use super::extract::AuthUser;
use super::messages::{AccountEmail, email_later};
use super::password::hash_password;
use super::password_changes;
use super::sessions::{self, RefreshOutcome, SignIn, TokenLifetimes};
use super::verification::{self, Purpose};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

/// Create a customer or partner account.
///
/// A link to confirm the email address is sent to it (it works once, for 24 hours); a customer
/// asks for work, and a pro receives leads, once it is followed. Staff accounts cannot sign up;
/// an operator makes them with `porchlight create-staff`.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "The new account", body = User),
        (status = 409, description = "`email_taken`: an account with this email exists",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: ValidatedJson<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let RegisterRequest {
        email,
        password,
        name,
        role,
    } = body.0;
    let email = normalize_email(&email);
    let password_hash = web::block(move || hash_password(&password)).await??;
    let (user, link) = state
        .write(move |conn| {
            let user = accounts::create_user(conn, &email, password_hash, &name, role.into(), now)?;
            let link = verification::issue(conn, &user.id, &user.email, Purpose::Confirm, now)?;
            Ok((user, link))
        })
        .await?;
    if let Some(link) = link {
        email_later(
            &state,
            link.to.clone(),
            link.message(),
            AccountEmail::Requested,
        );
    }
    Ok(HttpResponse::Created().json(user.to_view()?))
}

/// Sign in with email and password.
///
/// Returns a short-lived access token and a single-use refresh token. After
/// `LOGIN_MAX_FAILURES` (default 5) failed attempts for one email from one IP address within
/// `LOGIN_WINDOW_SECS` (default 15 min), further attempts get 429 until the window moves on.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A new session", body = TokenResponse),
        (status = 401, description = "`invalid_credentials`: wrong email or password",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many failed attempts, or the caller's bucket is empty; see `Retry-After`",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidatedJson<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let now = state.clock.now();
    let LoginRequest { email, password } = body.0;
    let sign_in = SignIn::of(&req);
    let user = sessions::check_password(&state, &sign_in, &email, password).await?;
    let jwt = state.jwt.clone();
    let lifetimes = TokenLifetimes::from(state.settings.as_ref());
    let tokens = state
        .write(move |conn| sessions::start_session(conn, &jwt, lifetimes, &user, &sign_in, now))
        .await?;
    Ok(web::Json(tokens))
}

/// Exchange a refresh token for a new access token and a new refresh token.
///
/// Each refresh token works once. Presenting a used one again revokes every token of that
/// session (`refresh_token_reused`): sign in again.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "The new pair", body = TokenResponse),
        (status = 401, description = "`invalid_token` (unknown, expired or revoked) or `refresh_token_reused`",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ValidatedJson<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let now = state.clock.now();
    let jwt = state.jwt.clone();
    let lifetimes = TokenLifetimes::from(state.settings.as_ref());
    let token = body.0.refresh_token;
    let outcome = state
        .write(move |conn| sessions::refresh(conn, &jwt, lifetimes, &token, now))
        .await?;
    match outcome {
        RefreshOutcome::Rotated(tokens) => Ok(web::Json(tokens)),
        RefreshOutcome::Reused => Err(ApiError::new(
            ErrorCode::RefreshTokenReused,
            "this refresh token was already used; the session has been revoked",
        )),
    }
}

/// Sign out: revoke the session the refresh token belongs to.
///
/// Idempotent: an unknown or already revoked token also answers 204. Access tokens already
/// issued stay valid until they expire (at most `ACCESS_TOKEN_TTL_SECS`).
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")),
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: ValidatedJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let token = body.0.refresh_token;
    state
        .write(move |conn| sessions::logout(conn, &token, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the password (the current one required; a signed-in session, not an API key).
///
/// Ends every session of the account, this one included: its refresh tokens are revoked and
/// access tokens issued before stop working. The answer is a new session for this device.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, description = "The password changed; a new session", body = TokenResponse),
        (status = 422, description = "`validation_failed`: `current_password` is wrong, or `new_password` too short or long",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    body: ValidatedJson<ChangePasswordRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    user.require_session()?;
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.0;
    let user_id = user.user_id.clone();
    let account = state
        .db(move |conn| password_changes::check_current(conn, &user_id, &current_password))
        .await?;
    let new_hash = web::block(move || hash_password(&new_password)).await??;
    let (jwt, sign_in, now) = (state.jwt.clone(), SignIn::of(&req), state.clock.now());
    let lifetimes = TokenLifetimes::from(state.settings.as_ref());
    let tokens = state
        .write(move |conn| {
            let account = password_changes::change(conn, &account, &new_hash, now)?;
            sessions::start_session(conn, &jwt, lifetimes, &account, &sign_in, now)
        })
        .await?;
    state.standing.forget(&user.user_id);
    Ok(web::Json(tokens))
}

/// Ask for a password reset link by email.
///
/// Always 202, whether or not an account has this email (the answer tells nobody who has an
/// account). The account's address gets a link that works once, for an hour (at most 3 an
/// hour); the link opens the app, which sends its token to `/v1/auth/password-reset/confirm`.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses((status = 202, description = "A link is on its way if the account exists")),
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    state: web::Data<AppState>,
    body: ValidatedJson<PasswordResetRequest>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let email = body.0.email;
    let link = state
        .write(move |conn| password_changes::request_reset(conn, &email, now))
        .await?;
    if let Some((address, token)) = link {
        email_later(
            &state,
            address,
            password_changes::reset_email(&token),
            AccountEmail::Requested,
        );
    }
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with the token of a reset link.
///
/// The link works once; every session of the account ends.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 204, description = "The password is set: sign in with it"),
        (status = 422, description = "`validation_failed`: `token` is not valid (used, expired or mistyped), or `new_password` too short or long",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    state: web::Data<AppState>,
    body: ValidatedJson<PasswordResetConfirm>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let PasswordResetConfirm {
        token,
        new_password,
    } = body.0;
    let new_hash = web::block(move || hash_password(&new_password)).await??;
    let user_id = state
        .write(move |conn| password_changes::confirm_reset(conn, &token, &new_hash, now))
        .await?;
    state.standing.forget(&user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account.
///
/// The account's id, email, name, role, locale, and whether the email address and phone number are
/// confirmed. API keys and app tokens need `profile:read`. Change it with `PATCH /v1/me`.
#[utoipa::path(
    tag = "account",
    responses((status = 200, description = "The caller's account", body = User)),
    security(("bearer" = []), ("api_key" = ["profile:read"])),
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: AuthUser) -> ApiResult<web::Json<User>> {
    user.require_scope(Scope::ProfileRead)?;
    let row = state
        .db(move |conn| accounts::find_by_id(conn, &user.user_id))
        .await?;
    Ok(web::Json(row.to_view()?))
}

/// Create a personal API key.
///
/// The secret is in this response only. Keys act as their owner within their scopes; managing
/// keys needs a signed-in session, not a key. A key holds only scopes the account's role can use
/// (a customer's key cannot hold `leads:read`): any other is a 422 naming `scopes`.
#[utoipa::path(
    tag = "api-keys",
    request_body = CreateApiKeyRequest,
    responses((status = 201, description = "The key and its secret", body = CreatedApiKey)),
    security(("bearer" = [])),
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<CreateApiKeyRequest>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    user.require_session()?;
    let created = state
        .write(move |conn| api_keys::create(conn, &user.user_id, user.role, &body.0, now))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caller's active API keys, oldest first (secrets are never shown again).
///
/// Each key gives its name, visible `prefix`, scopes, `expires_at` and `last_used_at` (updated at
/// most once a minute). Revoked keys are left out; expired ones are still listed. Ordered by id,
/// paged with `cursor`; needs a signed-in session (403 for an API key or app token).
#[utoipa::path(
    tag = "api-keys",
    params(PageParams),
    responses((status = 200, description = "A page of keys", body = Page<ApiKey>)),
    security(("bearer" = [])),
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    user: AuthUser,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<ApiKey>>> {
    user.require_session()?;
    let page = state
        .db(move |conn| api_keys::list(conn, &user.user_id, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// Revoke one of the caller's API keys. It stops working at once.
///
/// Calls with it then get 401 `invalid_token`, and a live stream opened with it ends. 404
/// `not_found` when the key is not the caller's or is revoked already. Needs a signed-in session
/// (403 for an API key or app token).
#[utoipa::path(
    tag = "api-keys",
    params(("id" = String, Path, description = "The key's id")),
    responses((status = 204, description = "Revoked")),
    security(("bearer" = [])),
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    user.require_session()?;
    let id = id.into_inner();
    state
        .write(move |conn| api_keys::revoke(conn, &user.user_id, &id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
