//! Staff endpoints that cut across areas, and the audit log of staff changes.

pub mod audit;
pub mod queue;

use actix_web::{get, post, web};
use shared_types::admin::StaffQueue;
use shared_types::auth::{SuspensionInput, User, UserFilter};
use shared_types::partners::{AuditEntry, AuditFilter};
use shared_types::{Page, PageParams, ProblemDetails};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, RequireRole, accounts, roles, suspension};
use crate::db::DbConnection;
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(work_queue)
        .service(list_users)
        .service(suspend_user)
        .service(reinstate_user)
        .service(audit_log);
}

/// The work waiting for staff: for each kind (applications to assign, jobs to confirm,
/// disputes, the watch list, refused refunds, failed notifications, payouts to send) how many
/// wait and which has waited longest. Staff only.
///
/// Every kind appears once, in a fixed order, with its `count` and the `oldest_since` and
/// `oldest_id` of the item that has waited longest (absent when nothing waits). `assignments`
/// counts requests, and its oldest is the request with the earliest application; `confirmations`
/// waits from the end of the review window, `disputes` from the dispute, `monitoring` from the
/// flag, `failed_refunds` from the refusal, `failed_deliveries` and `payouts_to_send` from
/// creation. The answer also gives `next_payout_run_at` and the time it was computed (`as_of`).
#[utoipa::path(
    tag = "admin",
    responses((status = 200, description = "Every kind of waiting work, zero counts included", body = StaffQueue)),
    security(("bearer" = [])),
)]
#[get("/admin/queue")]
pub async fn work_queue(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
) -> ApiResult<web::Json<StaffQueue>> {
    staff.require_session()?;
    let now = state.clock.now();
    let settings = state.settings.clone();
    let queue = state
        .db(move |conn| queue::read(conn, &settings, now))
        .await?;
    Ok(web::Json(queue))
}

/// All accounts, oldest first, optionally of one role. Staff only.
///
/// Ordered by account id (the order accounts were made), paged with `cursor`; `role` keeps one of
/// `customer`, `partner` or `staff`. Suspended accounts are included (see `suspended_at` and
/// `suspension_reason`), and so are deleted ones, anonymised, with `deleted_at` set.
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

/// Suspend an account (staff): it can no longer sign in or refresh, its access tokens and API
/// keys stop working within seconds, a pro leaves search and matching and their live offers are
/// withdrawn. The person is told why. Suspending a suspended account changes nothing.
///
/// All of the account's sessions end, a pro's profile becomes `suspended` and their `offered` and
/// `applied` lead offers are withdrawn (the requests are offered onwards). The reason is kept on
/// the account (`suspension_reason`), in the audit log (`account.suspend`) and in the
/// `account.suspended` notification the person gets. A deleted account is 404 `not_found`; an
/// account already suspended is returned unchanged, with its first reason.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The account's id")),
    request_body = SuspensionInput,
    responses(
        (status = 200, description = "The account, suspended", body = User),
        (status = 404, description = "`not_found`", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "`conflict`: staff cannot suspend their own account", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/users/{id}/suspend")]
pub async fn suspend_user(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<SuspensionInput>,
) -> ApiResult<web::Json<User>> {
    decide(&state, &staff, id.into_inner(), body.0, suspension::suspend).await
}

/// Lift an account's suspension (staff): sign-in, API keys, search and matching work again (the
/// person signs in anew: suspension ended their sessions). The person is told.
///
/// Clears `suspended_at` and `suspension_reason`, sets a pro's profile back to `active`, records
/// `account.reinstate` in the audit log with the reason given, and sends the person an
/// `account.reinstated` notification. Lead offers withdrawn at the suspension are not given back.
/// An account that is not suspended is returned unchanged; a deleted account is 404 `not_found`.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The account's id")),
    request_body = SuspensionInput,
    responses(
        (status = 200, description = "The account, reinstated", body = User),
        (status = 404, description = "`not_found`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/users/{id}/reinstate")]
pub async fn reinstate_user(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<SuspensionInput>,
) -> ApiResult<web::Json<User>> {
    decide(
        &state,
        &staff,
        id.into_inner(),
        body.0,
        suspension::reinstate,
    )
    .await
}

async fn decide(
    state: &AppState,
    staff: &AuthUser,
    user_id: String,
    input: SuspensionInput,
    rule: fn(&mut DbConnection, suspension::Decision<'_>) -> ApiResult<bool>,
) -> ApiResult<web::Json<User>> {
    staff.require_session()?;
    let staff_id = staff.user_id.clone();
    let now = state.clock.now();
    let id = user_id.clone();
    let user = state
        .write(move |conn| {
            let decision = suspension::Decision {
                staff_id: &staff_id,
                user_id: &id,
                reason: &input.reason,
                now,
            };
            rule(conn, decision)?;
            accounts::find_by_id(conn, &id)?.to_view()
        })
        .await?;
    state.standing.forget(&user_id);
    Ok(web::Json(user))
}

/// Staff changes, newest first, optionally about one object. Staff only.
///
/// Each entry names the staff member (`actor_id`), the `action`, the subject's type and id, JSON
/// snapshots `before` and `after` (absent where there is none, e.g. a creation) and the reason
/// given. Actions include `account.suspend`, `account.reinstate`, `partner.update`,
/// `category.create`, `category.update`, `request.assign`, `job.confirm`, `job.resolve_dispute`,
/// `payout.sent`, `payout.cleared`, `refund.retry`, `rating.hide` and `monitoring.*`. Filter by
/// `subject_id`, `actor_id` or an `action` prefix (any case); paged with `cursor`.
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
