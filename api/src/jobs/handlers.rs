//! HTTP handlers of the jobs area.

use actix_web::{get, web};
use shared_types::auth::Scope;
use shared_types::requests::{CustomerDetailRead, CustomerDetails, DetailReadFilter};
use shared_types::{Page, PageParams};

use crate::auth::{RequireRole, roles};
use crate::error::ApiResult;
use crate::extract::ValidatedQuery;
use crate::state::AppState;

/// The customer's contact details, for the job's assigned pro only (001). Every read is logged.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "Name, address, phone and email", body = CustomerDetails)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/customer")]
pub async fn customer_details(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CustomerDetails>> {
    partner.require_scope(Scope::JobsRead)?;
    let partner_id = partner.0.user_id;
    let details = state
        .write(move |conn| super::customer_details(conn, &partner_id, &id))
        .await?;
    Ok(web::Json(details))
}

/// Who read which customer's contact details, and when. Staff only.
#[utoipa::path(
    tag = "admin",
    params(DetailReadFilter, PageParams),
    responses((status = 200, description = "A page of reads, newest first", body = Page<CustomerDetailRead>)),
    security(("bearer" = [])),
)]
#[get("/admin/customer-detail-reads")]
pub async fn detail_reads(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<DetailReadFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<CustomerDetailRead>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| super::detail_reads(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}
