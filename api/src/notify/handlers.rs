//! HTTP handlers of notifications: devices, preferences, the in-app list, the live stream, and
//! the outbox for staff.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use shared_types::auth::Scope;
use shared_types::notify::{
    Device, DeviceInput, MarkReadInput, MarkReadResult, Notification, NotificationFilter,
    NotificationPreferences, OutboxFilter, OutboxMessage,
};
use shared_types::{Page, PageParams};

use super::{devices, inbox, outbox, preferences, stream};
use crate::auth::{AuthUser, RequireRole, roles};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

/// Register this app install for push alerts (its FCM registration token).
///
/// Registering a token that is already known moves it to the caller (another account signed in
/// on that phone). Signed-in sessions only: API keys do not receive alerts.
#[utoipa::path(
    tag = "notifications",
    request_body = DeviceInput,
    responses((status = 200, description = "The device", body = Device)),
    security(("bearer" = [])),
)]
#[post("/devices")]
pub async fn register_device(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<DeviceInput>,
) -> ApiResult<web::Json<Device>> {
    let now = state.clock.now();
    user.require_session()?;
    let user_id = user.user_id;
    let device = state
        .write(move |conn| devices::register(conn, &user_id, &body.0, now))
        .await?;
    Ok(web::Json(device))
}

/// The caller's registered devices, newest first.
///
/// Each device is an app install registered with `POST /v1/devices` (platform, app version, when
/// registered and last updated). A device whose token FCM reports as unregistered is removed
/// automatically; signing out does not remove one. Not paginated; needs a signed-in session (403
/// for an API key or app token).
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "The devices", body = Vec<Device>)),
    security(("bearer" = [])),
)]
#[get("/devices")]
pub async fn list_devices(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<Vec<Device>>> {
    user.require_session()?;
    let user_id = user.user_id;
    let list = state
        .db(move |conn| devices::list_own(conn, &user_id))
        .await?;
    Ok(web::Json(list))
}

/// Stop push alerts to one of the caller's devices (e.g. on sign-out).
///
/// 404 `not_found` when the device is not the caller's. Signing out does not forget the device, so
/// call this first when the app signs out. Needs a signed-in session (403 for an API key or app
/// token).
#[utoipa::path(
    tag = "notifications",
    params(("id" = String, Path, description = "The device's id")),
    responses((status = 204, description = "Forgotten")),
    security(("bearer" = [])),
)]
#[delete("/devices/{id}")]
pub async fn delete_device(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let user_id = user.user_id;
    state
        .write(move |conn| devices::delete_own(conn, &user_id, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The notification outbox, newest first; `status=failed` lists what never arrived, and why.
///
/// Each message gives its recipient, `kind`, payload, `status` (`pending`, `sent` or `failed`),
/// attempts, next attempt time and `last_error`. These are the notifications to users (push, email,
/// in-app list, live stream), not integrators' webhooks (see `GET /v1/admin/webhook-endpoints`).
/// Filter by `status`; ordered by id, paged with `cursor`.
#[utoipa::path(
    tag = "admin",
    params(OutboxFilter, PageParams),
    responses((status = 200, description = "A page of notifications", body = Page<OutboxMessage>)),
    security(("bearer" = [])),
)]
#[get("/admin/outbox")]
pub async fn admin_outbox(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<OutboxFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<OutboxMessage>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| outbox::list(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// The caller's notification preferences: push and email per category, and quiet hours.
///
/// Every category is listed; one never changed shows its default: push on, and email on for
/// `job_alerts`, `request_updates`, `payments`, `messages` (emailed only when still unread a
/// while later) and `account`. `quiet_hours` is null when off. The
/// in-app list and the live stream get every notification whatever is set here. Needs a signed-in
/// session.
#[utoipa::path(
    tag = "notifications",
    responses((status = 200, description = "The preferences", body = NotificationPreferences)),
    security(("bearer" = [])),
)]
#[get("/me/notification-preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<NotificationPreferences>> {
    user.require_session()?;
    let user_id = user.user_id;
    let preferences = state
        .db(move |conn| preferences::get(conn, &user_id))
        .await?;
    Ok(web::Json(preferences))
}

/// Replace the caller's notification preferences.
///
/// Categories left out return to their defaults (push on; email on for job alerts, request
/// updates, payments, messages and the account); `quiet_hours: null` turns quiet hours off. Quiet hours hold back push
/// only, and not job alerts unless `include_job_alerts`.
#[utoipa::path(
    tag = "notifications",
    request_body = NotificationPreferences,
    responses((status = 200, description = "The preferences now", body = NotificationPreferences)),
    security(("bearer" = [])),
)]
#[put("/me/notification-preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<NotificationPreferences>,
) -> ApiResult<web::Json<NotificationPreferences>> {
    user.require_session()?;
    let (user_id, now) = (user.user_id, state.clock.now().and_utc());
    let preferences = state
        .write(move |conn| preferences::put(conn, &user_id, &body.0, now))
        .await?;
    Ok(web::Json(preferences))
}

/// The caller's notifications, newest first (all of them, whatever reached the phone).
///
/// Each notification has its `kind`, `category`, title and body, a deep link, the ids it is about,
/// and `read_at`; `unread=true` keeps the unread ones. Kept for `NOTIFICATION_RETENTION_DAYS`.
/// Ordered by id, paged with `cursor`; mark them read with `POST /v1/notifications/read`. Needs a
/// signed-in session.
#[utoipa::path(
    tag = "notifications",
    params(NotificationFilter, PageParams),
    responses((status = 200, description = "A page of notifications", body = Page<Notification>)),
    security(("bearer" = [])),
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    user: AuthUser,
    filter: ValidatedQuery<NotificationFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Notification>>> {
    user.require_session()?;
    let (user_id, now) = (user.user_id, state.clock.now().and_utc());
    let page = state
        .db(move |conn| inbox::list(conn, &user_id, &filter.0, &page.0, now))
        .await?;
    Ok(web::Json(page))
}

/// Mark some of the caller's notifications read (`ids`), or all of them (no `ids`).
///
/// `ids` holds 1 to 100 notification ids; ids that are not the caller's or are already read change
/// nothing, so `marked` counts only those that changed. Without `ids`, every unread notification is
/// marked. Needs a signed-in session.
#[utoipa::path(
    tag = "notifications",
    request_body = MarkReadInput,
    responses((status = 200, description = "How many were unread", body = MarkReadResult)),
    security(("bearer" = [])),
)]
#[post("/notifications/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<MarkReadInput>,
) -> ApiResult<web::Json<MarkReadResult>> {
    user.require_session()?;
    let (user_id, now) = (user.user_id, state.clock.now().and_utc());
    let marked = state
        .write(move |conn| inbox::mark_read(conn, &user_id, body.0.ids.as_deref(), now))
        .await?;
    Ok(web::Json(MarkReadResult { marked }))
}

/// The caller's events as they happen (Server-Sent Events).
///
/// Each event has `id` (its place in the caller's feed: 1, 2, 3, … as in
/// `GET /v1/events/feed`), `event` (its type, e.g. `lead.offered`) and `data` (a `Notification`
/// as JSON). Send the last `id` seen back as `Last-Event-ID` when reconnecting: everything after
/// it is replayed first, so nothing is missed. Without it the stream starts with the next event.
/// A comment line every 15 s keeps the connection open. The stream ends when its credential
/// stops working: an access token at its expiry (reconnect with a fresh one), an API key when it
/// is revoked or expires; and when the service stops (reconnect with `Last-Event-ID`).
#[utoipa::path(
    tag = "notifications",
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event")),
    responses((
        status = 200,
        description = "An event stream",
        content_type = "text/event-stream",
        body = String,
    )),
    security(("bearer" = []), ("api_key" = ["events:read"])),
)]
#[get("/events")]
pub async fn events(
    state: web::Data<AppState>,
    user: AuthUser,
    request: HttpRequest,
) -> ApiResult<HttpResponse> {
    user.require_scope(Scope::EventsRead)?;
    let after = match request.headers().get("Last-Event-ID") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|id| id.trim().parse::<i64>().ok())
                .filter(|id| *id >= 0)
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "Last-Event-ID",
                        "must be the id of an event of this stream",
                    )
                })?,
        ),
    };
    let subscriber = stream::Subscriber {
        credential: user.credential,
        user_id: user.user_id,
        valid_for: user.valid_for,
    };
    let live = stream::open(state.get_ref().clone(), subscriber, after).await?;
    // `Cache-Control: no-store` comes from the app-wide response headers.
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        // Proxies must pass events on as they come.
        .insert_header(("X-Accel-Buffering", "no"))
        // A stream that ended closes its connection, so a stopping server is not kept waiting
        // by an idle keep-alive connection; the app reconnects anyway.
        .force_close()
        .streaming(live.into_body()))
}
