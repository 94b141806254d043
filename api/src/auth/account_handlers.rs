//! HTTP handlers for one's own account: profile, email and phone verification, signed-in
//! devices.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use shared_types::account::{
    DataArchive, DataExport, DeviceSession, EmailChangeRequest, EmailVerificationConfirm,
    PasswordConfirmation, PhoneCodeConfirm, PhoneInput, ProfileUpdate,
};
use shared_types::auth::{Scope, User};
use shared_types::{Page, PageParams, ProblemDetails};

use super::accounts::{self, normalize_email};
use super::extract::AuthUser;
use super::messages::{AccountEmail, email_later, text_later};
use super::{deletion, export, password_changes, phone, sessions, verification};
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

/// Change the name or the locale.
///
/// The email address (`POST /v1/me/email`) and phone (`PUT /v1/me/phone`) change through
/// verification; a pro's business profile is at `PUT /v1/partners/me`.
#[utoipa::path(
    tag = "account",
    request_body = ProfileUpdate,
    responses((status = 200, description = "The account as it now is", body = User)),
    security(("bearer" = []), ("api_key" = ["profile:write"])),
)]
#[patch("/me")]
pub async fn update_profile(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<ProfileUpdate>,
) -> ApiResult<web::Json<User>> {
    user.require_scope(Scope::ProfileWrite)?;
    let now = state.clock.now();
    let row = state
        .write(move |conn| accounts::update_profile(conn, &user.user_id, &body.0, now))
        .await?;
    Ok(web::Json(row.to_view()?))
}

/// Delete the account (the current password required: re-authentication).
///
/// Refused with 409 and the reason while a job is under way (assigned, scheduled, in
/// progress, completed but not confirmed, or disputed), while the pro's wallet holds earnings or
/// owes penalties, or while a refund to the customer is still going through. Otherwise the
/// person's data is erased or anonymised at once: every session, API key and device ends, a
/// pro's profile disappears, and the address can sign up again. What the ledger and the law
/// need is kept (jobs, payments, payouts, ratings shown as from a former customer or pro).
#[utoipa::path(
    tag = "account",
    request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "The account is deleted"),
        (status = 409, description = "`conflict`: a job is under way, money is held, or a refund is owed; `detail` says which",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `current_password` is wrong",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[delete("/me")]
pub async fn delete_account(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<PasswordConfirmation>,
) -> ApiResult<HttpResponse> {
    reauthenticate(&state, &user, body.0.current_password).await?;
    let now = state.clock.now();
    let user_id = user.user_id.clone();
    state
        .write(move |conn| deletion::delete_account(conn, &user_id, now))
        .await?;
    state.standing.forget(&user.user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Make an archive of everything Porchlight holds about the caller.
///
/// The account, sessions, API keys, devices, notification settings and notifications, webhook
/// endpoints, requests, jobs (with their timelines, payments and ratings), a pro's profile,
/// leads, wallet and payouts, and who read a customer's contact details: each as the API shows
/// it to the caller.
/// Downloadable for 7 days at `GET /v1/me/exports/{id}`; at most 3 a day.
#[utoipa::path(
    tag = "account",
    responses(
        (status = 201, description = "The archive is ready", body = DataExport,
            headers(("Location" = String, description = "Where to download it"))),
        (status = 429, description = "`rate_limited`: three archives were made in the last day",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = [])),
)]
#[post("/me/export")]
pub async fn export_data(state: web::Data<AppState>, user: AuthUser) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let (user_id, settings) = (user.user_id.clone(), state.settings.clone());
    let archive = state
        .db(move |conn| {
            export::check_quota(conn, &user_id, now)?;
            crate::db::snapshot_read(conn, |conn| export::archive(conn, &user_id, &settings, now))
        })
        .await?;
    let user_id = user.user_id.clone();
    let made = state
        .write(move |conn| export::store(conn, &user_id, &archive, now))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/v1/me/exports/{}", made.id),
        ))
        .json(made))
}

/// The caller's archives that can still be downloaded, newest first.
///
/// Archives made with `POST /v1/me/export` that have not expired (7 days after they were made),
/// with their size and expiry. Not paginated; needs a signed-in session (403 for an API key or app
/// token).
#[utoipa::path(
    tag = "account",
    responses((status = 200, description = "The archives", body = Vec<DataExport>)),
    security(("bearer" = [])),
)]
#[get("/me/exports")]
pub async fn list_exports(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<Vec<DataExport>>> {
    user.require_session()?;
    let now = state.clock.now();
    let list = state
        .db(move |conn| export::list(conn, &user.user_id, now))
        .await?;
    Ok(web::Json(list))
}

/// Download an archive (a JSON file).
///
/// Served as `application/json` with `Content-Disposition: attachment` and
/// `Cache-Control: no-store`. 404 `not_found` when the archive is not the caller's or has expired.
/// Needs a signed-in session (403 for an API key or app token).
#[utoipa::path(
    tag = "account",
    params(("id" = String, Path, description = "The archive's id")),
    responses((status = 200, description = "The archive, as an attachment", body = DataArchive,
        headers(("Content-Disposition" = String, description = "attachment; filename=porchlight-data-….json")))),
    security(("bearer" = [])),
)]
#[get("/me/exports/{id}")]
pub async fn download_export(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let id = id.into_inner();
    let (made, content) = state
        .db(move |conn| export::content(conn, &user.user_id, &id, now))
        .await?;
    let file = format!(
        "porchlight-data-{}.json",
        made.created_at.format("%Y-%m-%d")
    );
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(content))
}

/// Send another link to confirm the account's email address.
///
/// At most three links an hour. A customer asks for work, and a pro receives leads, only once
/// the address is confirmed.
#[utoipa::path(
    tag = "account",
    responses(
        (status = 202, description = "A link is on its way"),
        (status = 409, description = "`conflict`: the address is confirmed already",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/me/email/verification")]
pub async fn resend_email_verification(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let link = state
        .write(move |conn| verification::resend(conn, &user.user_id, now))
        .await?;
    email_later(
        &state,
        link.to.clone(),
        link.message(),
        AccountEmail::Requested,
    );
    Ok(HttpResponse::Accepted().finish())
}

/// Move the account to another email address (the current password required).
///
/// Always 202 for a well-formed request: a link goes to the new address, unless another
/// account has it (the answer does not say). The account keeps its old address until the link
/// is followed; then the old address is told.
#[utoipa::path(
    tag = "account",
    request_body = EmailChangeRequest,
    responses(
        (status = 202, description = "A link is on its way to the new address"),
        (status = 422, description = "`validation_failed`: `current_password` is wrong, or `new_email` is the account's address already",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/me/email")]
pub async fn change_email(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<EmailChangeRequest>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let EmailChangeRequest {
        new_email,
        current_password,
    } = body.0;
    let user_id = user.user_id.clone();
    let account = state
        .db(move |conn| password_changes::check_current(conn, &user_id, &current_password))
        .await?;
    let now = state.clock.now();
    let new_email = normalize_email(&new_email);
    let link = state
        .write(move |conn| verification::request_change(conn, &account, &new_email, now))
        .await?;
    if let Some(link) = link {
        email_later(
            &state,
            link.to.clone(),
            link.message(),
            AccountEmail::Requested,
        );
    }
    Ok(HttpResponse::Accepted().finish())
}

/// Follow an emailed link: confirm the address, or move the account to the new one.
///
/// Needs no sign-in (the link may be opened on another device). A link works once, for 24 hours.
#[utoipa::path(
    tag = "account",
    request_body = EmailVerificationConfirm,
    responses(
        (status = 200, description = "The account as it now is", body = User),
        (status = 409, description = "`email_taken`: another account took the new address meanwhile",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `token` is not valid (used, expired or mistyped)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[post("/auth/email/verify")]
pub async fn confirm_email(
    state: web::Data<AppState>,
    body: ValidatedJson<EmailVerificationConfirm>,
) -> ApiResult<web::Json<User>> {
    let now = state.clock.now();
    let token = body.0.token;
    let confirmed = state
        .write(move |conn| verification::confirm(conn, &token, now))
        .await?;
    if let Some(previous) = confirmed.previous_email {
        email_later(
            &state,
            previous,
            verification::changed_notice(&confirmed.user.email),
            AccountEmail::Notice,
        );
    }
    Ok(web::Json(confirmed.user.to_view()?))
}

/// Set the account's phone number; a six-digit code is texted to it.
///
/// The number is unconfirmed until the code comes back at `POST /v1/me/phone/verify`; only a
/// confirmed number is shared with a pro. Setting the confirmed number again sends nothing.
#[utoipa::path(
    tag = "account",
    request_body = PhoneInput,
    responses(
        (status = 200, description = "The account as it now is", body = User),
        (status = 403, description = "`email_unverified`: texts go only to accounts whose email is confirmed",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: a code was sent less than a minute ago, or five this hour",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = [])),
)]
#[put("/me/phone")]
pub async fn set_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<PhoneInput>,
) -> ApiResult<web::Json<User>> {
    user.require_session()?;
    let now = state.clock.now();
    let key = code_key(&state);
    let number = body.0.phone;
    let (row, code) = state
        .write(move |conn| phone::set_phone(conn, &key, &user.user_id, &number, now))
        .await?;
    if let Some(code) = code {
        text_later(&state, code.phone, code.body);
    }
    Ok(web::Json(row.to_view()?))
}

/// Text another code to the account's unconfirmed phone number.
///
/// One a minute, five an hour.
#[utoipa::path(
    tag = "account",
    responses(
        (status = 202, description = "A code is on its way"),
        (status = 409, description = "`conflict`: no number, or it is confirmed already",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: see `Retry-After`",
            body = ProblemDetails, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = [])),
)]
#[post("/me/phone/code")]
pub async fn resend_phone_code(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let key = code_key(&state);
    let code = state
        .write(move |conn| phone::resend(conn, &key, &user.user_id, now))
        .await?;
    text_later(&state, code.phone, code.body);
    Ok(HttpResponse::Accepted().finish())
}

/// Confirm the phone number with the texted code.
///
/// A code works for 10 minutes and 5 guesses.
#[utoipa::path(
    tag = "account",
    request_body = PhoneCodeConfirm,
    responses(
        (status = 200, description = "The number is confirmed", body = User),
        (status = 409, description = "`conflict`: no number is waiting for a code",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `code` is wrong, or none is waiting (expired or out of guesses)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/me/phone/verify")]
pub async fn confirm_phone(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<PhoneCodeConfirm>,
) -> ApiResult<web::Json<User>> {
    user.require_session()?;
    let now = state.clock.now();
    let key = code_key(&state);
    let code = body.0.code;
    let checked = state
        .write(move |conn| phone::confirm(conn, &key, &user.user_id, &code, now))
        .await?;
    Ok(web::Json(checked.into_result()?.to_view()?))
}

/// Remove the account's phone number.
///
/// The number and its confirmation are cleared, so pros no longer get a phone number for this
/// customer. Succeeds when no number was set. Needs a signed-in session (403 for an API key or app
/// token).
#[utoipa::path(
    tag = "account",
    responses((status = 200, description = "The account as it now is", body = User)),
    security(("bearer" = [])),
)]
#[delete("/me/phone")]
pub async fn remove_phone(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<User>> {
    user.require_session()?;
    let now = state.clock.now();
    let row = state
        .write(move |conn| phone::remove(conn, &user.user_id, now))
        .await?;
    Ok(web::Json(row.to_view()?))
}

/// The devices signed in to the account, newest sign-in first.
///
/// `current` marks the one making this call.
#[utoipa::path(
    tag = "account",
    params(PageParams),
    responses((status = 200, description = "A page of sessions", body = Page<DeviceSession>)),
    security(("bearer" = [])),
)]
#[get("/me/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    user: AuthUser,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<DeviceSession>>> {
    user.require_session()?;
    let now = state.clock.now();
    let page = state
        .db(move |conn| {
            sessions::list(
                conn,
                &user.user_id,
                user.session_id.as_deref(),
                &page.0,
                now,
            )
        })
        .await?;
    Ok(web::Json(page))
}

/// Sign one device out.
///
/// Its refresh token stops working at once; an access token it holds lapses within
/// `ACCESS_TOKEN_TTL_SECS` (15 minutes by default). To stop every token at once, sign out
/// everywhere.
#[utoipa::path(
    tag = "account",
    params(("id" = String, Path, description = "The session's id")),
    responses((status = 204, description = "Signed out")),
    security(("bearer" = [])),
)]
#[delete("/me/sessions/{id}")]
pub async fn end_session(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let id = id.into_inner();
    state
        .write(move |conn| sessions::end_one(conn, &user.user_id, &id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere, this device included (the current password required).
///
/// Every session ends and every access token of the account stops working at once; API keys
/// are not affected (revoke them at `DELETE /v1/api-keys/{id}`).
#[utoipa::path(
    tag = "account",
    request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "Signed out everywhere"),
        (status = 422, description = "`validation_failed`: `current_password` is wrong",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/me/sessions/end-all")]
pub async fn end_all_sessions(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<PasswordConfirmation>,
) -> ApiResult<HttpResponse> {
    reauthenticate(&state, &user, body.0.current_password).await?;
    let now = state.clock.now();
    let user_id = user.user_id.clone();
    state
        .write(move |conn| sessions::end_everywhere(conn, &user_id, now))
        .await?;
    state.standing.forget(&user.user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// A signed-in session (not an API key) whose person typed the account's password again.
async fn reauthenticate(state: &AppState, user: &AuthUser, password: String) -> ApiResult<()> {
    user.require_session()?;
    let user_id = user.user_id.clone();
    state
        .db(move |conn| password_changes::check_current(conn, &user_id, &password))
        .await?;
    Ok(())
}

/// The key phone codes are hashed with: the service's token secret.
fn code_key(state: &AppState) -> Vec<u8> {
    state.settings.jwt_secret.expose().as_bytes().to_vec()
}
