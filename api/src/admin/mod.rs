//! Staff endpoints that cut across areas, and the audit log of staff changes.

pub mod audit;

use actix_web::{get, web};
use shared_types::auth::{User, UserFilter};
use shared_types::partners::{AuditEntry, AuditFilter};
use shared_types::{Page, PageParams};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{RequireRole, accounts, roles};
use crate::error::ApiResult;
use crate::extract::ValidatedQuery;
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(list_users).service(audit_log);
}

/// All accounts, oldest first, optionally of one role. Staff only.
#[utoipa::path(
    tag = "admin",
    params(UserFilter, PageParams),
    responses((status = 200, description = "A page of accounts", body = Page<User>)),
    security(("bearer" = [])),
)]
#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<UserFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<User>>> {
    staff.require_session()?;
    let role = filter.0.role;
    let page = state
        .db(move |conn| accounts::list_users(conn, role, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// Staff changes, newest first, optionally about one object. Staff only.
#[utoipa::path(
    tag = "admin",
    params(AuditFilter, PageParams),
    responses((status = 200, description = "A page of audit entries", body = Page<AuditEntry>)),
    security(("bearer" = [])),
)]
#[get("/admin/audit-log")]
pub async fn audit_log(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<AuditFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| audit::list(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}
