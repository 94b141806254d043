//! HTTP handlers of notifications: devices, and the outbox for staff.

use actix_web::{HttpResponse, delete, get, post, web};
use shared_types::notify::{Device, DeviceInput, OutboxFilter, OutboxMessage};
use shared_types::{Page, PageParams};

use super::{devices, outbox};
use crate::auth::{AuthUser, RequireRole, roles};
use crate::error::ApiResult;
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
    user.require_session()?;
    let user_id = user.user_id;
    let device = state
        .write(move |conn| devices::register(conn, &user_id, &body.0))
        .await?;
    Ok(web::Json(device))
}

/// The caller's registered devices, newest first.
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
