//! HTTP handlers for a developer's apps and a user's connected apps. Both need a signed-in
//! session: neither an API key nor an app's token may register apps or grant access.

use actix_web::{HttpResponse, delete, get, post, web};
use shared_types::oauth::{ConnectedApp, CreatedOAuthApp, OAuthApp, OAuthAppInput};
use shared_types::{Page, PageParams};

use super::{apps, grants};
use crate::auth::AuthUser;
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

/// Register an app that will ask users for access (OAuth 2.1).
///
/// The answer holds the app's `client_id` (its `id`) and, for a confidential app, its client
/// secret, shown this once. Send users to `/oauth/authorize` with PKCE (S256); the server's
/// metadata is at `/.well-known/oauth-authorization-server`. Any account can register apps.
#[utoipa::path(
    tag = "oauth",
    request_body = OAuthAppInput,
    responses((status = 201, description = "The app and, if confidential, its secret", body = CreatedOAuthApp)),
    security(("bearer" = [])),
)]
#[post("/oauth/apps")]
pub async fn register_app(
    state: web::Data<AppState>,
    user: AuthUser,
    body: ValidatedJson<OAuthAppInput>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let created = state
        .write(move |conn| apps::register(conn, &user.user_id, &body.0, now))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// The apps the caller registered, oldest first (secrets are never shown again).
///
/// Apps registered with `POST /v1/oauth/apps` and not deleted; each `id` is the app's OAuth
/// `client_id`. Ordered by id, paged with `cursor`. Needs a signed-in session (403 for an API key
/// or app token).
#[utoipa::path(
    tag = "oauth",
    params(PageParams),
    responses((status = 200, description = "A page of apps", body = Page<OAuthApp>)),
    security(("bearer" = [])),
)]
#[get("/oauth/apps")]
pub async fn list_apps(
    state: web::Data<AppState>,
    user: AuthUser,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<OAuthApp>>> {
    user.require_session()?;
    let page = state
        .db(move |conn| apps::list_own(conn, &user.user_id, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// Delete one of the caller's apps: every user's connection to it ends, and its tokens stop
/// working at once.
///
/// Only the developer who registered the app (404 `not_found` for anyone else's, or an app already
/// deleted). Every user's grant to it is revoked in the same transaction, and it can start no new
/// authorization. Needs a signed-in session.
#[utoipa::path(
    tag = "oauth",
    params(("id" = String, Path, description = "The app's id (its client_id)")),
    responses((status = 204, description = "Deleted")),
    security(("bearer" = [])),
)]
#[delete("/oauth/apps/{id}")]
pub async fn delete_app(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let id = id.into_inner();
    state
        .write(move |conn| apps::delete(conn, &user.user_id, &id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The apps the caller allowed to act for them, most recent first.
///
/// One item per grant the caller has not revoked, with the app's name and logo, the scopes granted,
/// and when access was given and last used; apps their developer deleted are left out. `id` is the
/// connection's, for `DELETE /v1/me/connected-apps/{id}`. Ordered by id, paged with `cursor`; needs
/// a signed-in session.
#[utoipa::path(
    tag = "oauth",
    params(PageParams),
    responses((status = 200, description = "A page of connected apps", body = Page<ConnectedApp>)),
    security(("bearer" = [])),
)]
#[get("/me/connected-apps")]
pub async fn list_connected_apps(
    state: web::Data<AppState>,
    user: AuthUser,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<ConnectedApp>>> {
    user.require_session()?;
    let page = state
        .db(move |conn| grants::connected(conn, &user.user_id, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// Disconnect an app: its tokens for the caller stop working at once; it must ask again.
///
/// `id` is the connection's id from `GET /v1/me/connected-apps`, not the app's. 404 `not_found`
/// when it is not the caller's or is disconnected already. Needs a signed-in session.
#[utoipa::path(
    tag = "oauth",
    params(("id" = String, Path, description = "The connection's id")),
    responses((status = 204, description = "Disconnected")),
    security(("bearer" = [])),
)]
#[delete("/me/connected-apps/{id}")]
pub async fn disconnect_app(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    user.require_session()?;
    let now = state.clock.now();
    let id = id.into_inner();
    state
        .write(move |conn| grants::disconnect(conn, &user.user_id, &id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
