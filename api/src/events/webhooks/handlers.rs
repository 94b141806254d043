//! HTTP handlers of webhook endpoints: a signed-in account, or an API key with
//! `webhooks:write`, manages its own endpoints; anyone else's are "not found".

use actix_web::{HttpResponse, delete, get, patch, post, web};
use shared_types::auth::Scope;
use shared_types::webhook_endpoints::{
    QueuedDeliveries, ReplayInput, WebhookDelivery, WebhookEndpoint, WebhookEndpointHealth,
    WebhookEndpointInput, WebhookEndpointUpdate, WebhookEndpointWithSecret, WebhookHealthFilter,
};
use shared_types::{Page, PageParams};

use super::guard::Reach;
use super::{deliveries, endpoints};
use crate::auth::{AuthUser, RequireRole, roles};
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

fn reach(state: &AppState) -> Reach {
    Reach {
        allow_loopback: state.settings.webhook_allow_loopback,
    }
}

/// The caller's id, once it may manage webhooks.
fn owner(user: AuthUser) -> ApiResult<String> {
    user.require_scope(Scope::WebhooksWrite)?;
    Ok(user.user_id)
}

/// Set up a webhook endpoint.
///
/// The account's events (of `event_types`, or all) are POSTed to `url` as they happen, signed
/// with the secret in this response (shown only here): verify `webhook-signature` as the
/// Standard Webhooks specification says. The URL must be `https` on the public internet.
#[utoipa::path(
    tag = "webhooks",
    request_body = WebhookEndpointInput,
    responses(
        (status = 201, description = "The endpoint and its secret", body = WebhookEndpointWithSecret),
        (status = 409, description = "`conflict`: the account has as many endpoints as it may (`WEBHOOK_MAX_ENDPOINTS`)", body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[post("/webhook-endpoints")]
pub async fn create_endpoint(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<WebhookEndpointInput>,
) -> ApiResult<HttpResponse> {
    let user_id = owner(user)?;
    let now = state.clock.now();
    let limits = (reach(&state), state.settings.webhook_max_endpoints);
    let created = state
        .write(move |conn| endpoints::create(conn, &user_id, &body.0, limits, now))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The caller's webhook endpoints, oldest first (secrets are never shown again).
///
/// Each endpoint gives its URL, description, event types (empty: every type), whether it is enabled
/// and why not, `failing_since`, and when a rotated-out secret stops signing. Not paginated. API
/// keys and app tokens need `webhooks:write`.
#[utoipa::path(
    tag = "webhooks",
    responses((status = 200, description = "The endpoints", body = Vec<WebhookEndpoint>)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[get("/webhook-endpoints")]
pub async fn list_endpoints(
    state: web::Data<AppState>,
    user: AuthUser,
) -> ApiResult<web::Json<Vec<WebhookEndpoint>>> {
    let user_id = owner(user)?;
    let list = state
        .db(move |conn| endpoints::list_own(conn, &user_id))
        .await?;
    Ok(web::Json(list))
}

/// One of the caller's webhook endpoints.
///
/// Anyone else's endpoint is 404 `not_found`. The signing secret is never returned again: rotate it
/// with `POST /v1/webhook-endpoints/{id}/rotate-secret` if it is lost. API keys and app tokens need
/// `webhooks:write`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[get("/webhook-endpoints/{id}")]
pub async fn get_endpoint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<WebhookEndpoint>> {
    let user_id = owner(user)?;
    let endpoint = state
        .db(move |conn| Ok(endpoints::find_own(conn, &user_id, &id)?.view()))
        .await?;
    Ok(web::Json(endpoint))
}

/// Change an endpoint's URL, description, event types or enabled flag.
///
/// Enabling an endpoint the service disabled clears its failure record; its pending deliveries
/// go out (replay what happened while it was off).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = WebhookEndpointUpdate,
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[patch("/webhook-endpoints/{id}")]
pub async fn update_endpoint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ValidatedJson<WebhookEndpointUpdate>,
) -> ApiResult<web::Json<WebhookEndpoint>> {
    let user_id = owner(user)?;
    let now = state.clock.now();
    let reach = reach(&state);
    let endpoint = state
        .write(move |conn| endpoints::update(conn, &user_id, &id, &body.0, reach, now))
        .await?;
    state.wakeups.webhooks_queued.raise();
    Ok(web::Json(endpoint))
}

/// Delete an endpoint, with its deliveries and their log.
///
/// Its pending deliveries and retries stop, and its delivery log is deleted. Anyone else's endpoint
/// is 404 `not_found`. API keys and app tokens need `webhooks:write`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[delete("/webhook-endpoints/{id}")]
pub async fn delete_endpoint(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let user_id = owner(user)?;
    state
        .write(move |conn| endpoints::delete(conn, &user_id, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate an endpoint's signing secret.
///
/// The new secret is in this response only. For `WEBHOOK_SECRET_OVERLAP_HOURS` (24 by default)
/// deliveries carry two signatures, one per secret, so the receiver can switch without losing
/// any.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint and its new secret", body = WebhookEndpointWithSecret)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[post("/webhook-endpoints/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<web::Json<WebhookEndpointWithSecret>> {
    let user_id = owner(user)?;
    let now = state.clock.now();
    let overlap =
        chrono::Duration::from_std(state.settings.webhook_secret_overlap).unwrap_or_default();
    let rotated = state
        .write(move |conn| endpoints::rotate_secret(conn, &user_id, &id, overlap, now))
        .await?;
    Ok(web::Json(rotated))
}

/// Send a `webhook.ping` event to the endpoint now (it is not on the account's feed).
///
/// The ping's `data` is the endpoint, and it is signed like any delivery; the answer is `queued: 1`
/// and the outcome shows in `GET /v1/webhook-endpoints/{id}/deliveries`. While the endpoint is
/// disabled the ping waits as `pending`. Anyone else's endpoint is 404 `not_found`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 202, description = "Queued", body = QueuedDeliveries)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[post("/webhook-endpoints/{id}/test")]
pub async fn send_test(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let user_id = owner(user)?;
    let now = state.clock.now();
    let queued = state
        .write(move |conn| {
            let endpoint = endpoints::find_own(conn, &user_id, &id)?;
            deliveries::ping(conn, &endpoint, now)
        })
        .await?;
    state.wakeups.webhooks_queued.raise();
    Ok(HttpResponse::Accepted().json(queued))
}

/// The endpoint's deliveries, newest first, each with its attempts: when, the status the
/// endpoint answered, how long it took, the first 2 KB of its answer, and the next retry.
///
/// Each delivery gives its event (`event_id`, also the `webhook-id` header, and `event_type`),
/// `status` (`pending`, `succeeded`, `failed`), the number of attempts and `next_attempt_at` while
/// pending. Failed attempts are retried for about 3 days; finished deliveries are kept 30 days.
/// Paged with `cursor`; anyone else's endpoint is 404 `not_found`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), PageParams),
    responses((status = 200, description = "A page of deliveries", body = Page<WebhookDelivery>)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[get("/webhook-endpoints/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<WebhookDelivery>>> {
    let user_id = owner(user)?;
    let page = state
        .db(move |conn| {
            endpoints::find_own(conn, &user_id, &id)?;
            deliveries::list(conn, &id, &page.0)
        })
        .await?;
    Ok(web::Json(page))
}

/// Send one delivery again (a new delivery with the same body and `webhook-id`).
///
/// Works for a delivery in any status; the new one is due at once, follows the usual retries and
/// has its own log. While the endpoint is disabled it waits as `pending`. 404 `not_found` when the
/// endpoint or delivery is not the caller's. API keys and app tokens need `webhooks:write`.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = String, Path, description = "The endpoint's id"),
        ("delivery_id" = String, Path, description = "The delivery's id"),
    ),
    responses((status = 202, description = "The new delivery", body = WebhookDelivery)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[post("/webhook-endpoints/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let user_id = owner(user)?;
    let (id, delivery_id) = path.into_inner();
    let now = state.clock.now();
    let delivery = state
        .write(move |conn| {
            endpoints::find_own(conn, &user_id, &id)?;
            deliveries::redeliver(conn, &id, &delivery_id, now)
        })
        .await?;
    state.wakeups.webhooks_queued.raise();
    Ok(HttpResponse::Accepted().json(delivery))
}

/// Send again the account's events of a period (those still kept, of the endpoint's types or
/// `event_types`), in their order.
///
/// Events from `since` (inclusive) to `until` (exclusive) are queued as new deliveries with their
/// original ids; a non-empty `event_types` replaces the endpoint's own filter. A period holding
/// more than 10 000 of the account's events (counted before the type filter) is 422 on `until`:
/// replay it in parts. While the endpoint is disabled the deliveries wait as `pending`.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = ReplayInput,
    responses((status = 202, description = "Queued", body = QueuedDeliveries)),
    security(("bearer" = []), ("api_key" = ["webhooks:write"])),
)]
#[post("/webhook-endpoints/{id}/replay")]
pub async fn replay(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
    body: ValidatedJson<ReplayInput>,
) -> ApiResult<HttpResponse> {
    let user_id = owner(user)?;
    let now = state.clock.now();
    let queued = state
        .write(move |conn| {
            let endpoint = endpoints::find_own(conn, &user_id, &id)?;
            deliveries::replay(conn, &endpoint, &body.0, now)
        })
        .await?;
    state.wakeups.webhooks_queued.raise();
    Ok(HttpResponse::Accepted().json(queued))
}

/// Staff: every webhook endpoint's health — failing since when, pending deliveries, the last
/// attempt (`unhealthy=true`: only those failing or disabled).
///
/// Each item gives the endpoint, its owner, the number of `pending` deliveries and the latest
/// attempt (status code, latency, answer excerpt, error). An endpoint is disabled on its own after
/// a 410 Gone answer or 3 days without a success. Ordered by endpoint id, paged with `cursor`.
#[utoipa::path(
    tag = "admin",
    params(WebhookHealthFilter, PageParams),
    responses((status = 200, description = "A page of endpoints", body = Page<WebhookEndpointHealth>)),
    security(("bearer" = [])),
)]
#[get("/admin/webhook-endpoints")]
pub async fn admin_health(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<WebhookHealthFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<WebhookEndpointHealth>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| endpoints::health(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}
