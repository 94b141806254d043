//! HTTP handlers of the jobs area: extract, authorize, hand over to the rules.

use actix_web::http::header;
use actix_web::{HttpRequest, get, post, web};
use shared_types::ProblemDetails;
use shared_types::admin::JobCase;
use shared_types::auth::Scope;
use shared_types::jobs::{
    AcceptProposalInput, AdminJobFilter, Agreement, CancelJobInput, CancellationTerms,
    CompleteInput, ConfirmJobsInput, ConfirmJobsResult, DisputeInput, Job, JobEvent, JobFilter,
    Penalty, PenaltyFilter, Proposal, ProposalInput, ResolveDisputeInput, SignAgreementInput,
};
use shared_types::requests::{CustomerDetailRead, CustomerDetails, DetailReadFilter};
use shared_types::{Page, PageParams};

use super::agreement::{self, Origin};
use super::model::Actor;
use super::{JobPolicy, cancellation, case, customer, lifecycle, scheduling};
use crate::auth::{AuthUser, RequireRole, roles};
use crate::client_ip::ClientIp;
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;
use crate::wallet::MoneyPolicy;

fn actor(user: &AuthUser) -> Actor {
    Actor::new(user.user_id.clone(), user.role)
}

/// The caller's jobs — as customer or as pro — newest first.
///
/// Customers get the jobs of their requests, pros the jobs they were assigned (staff use
/// `GET /v1/admin/jobs`). `status` keeps one status; ordered by id, newest first, paged with
/// `cursor`. API keys and app tokens need `jobs:read`.
#[utoipa::path(
    tag = "jobs",
    params(JobFilter, PageParams),
    responses((status = 200, description = "A page of jobs", body = Page<Job>)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    filter: ValidatedQuery<JobFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Job>>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let page = state
        .db(move |conn| super::list_own(conn, &actor, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// One of the caller's jobs.
///
/// The job with its price, status, agreed slot (`scheduled`), open proposal, when the agreement was
/// signed and the job paid, and its completion, dispute and cancellation once there are any. Anyone
/// else's job is 404 `not_found`. API keys and app tokens need `jobs:read`.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The job", body = Job)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}")]
pub async fn get_job(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Job>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let job = state.db(move |conn| super::get(conn, &actor, &id)).await?;
    Ok(web::Json(job))
}

/// Propose 1 to 3 visit slots to the other side.
///
/// Slots lie inside the pro's working hours and in the future. A new proposal replaces the open
/// one (a counter-proposal); on a scheduled job it proposes a new date (rescheduling).
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    request_body = ProposalInput,
    responses(
        (status = 201, description = "The proposal, waiting for the other side", body = Proposal),
        (status = 409, description = "`invalid_transition`: the job is past scheduling",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/proposals")]
pub async fn propose(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    body: ValidatedJson<ProposalInput>,
) -> ApiResult<(web::Json<Proposal>, actix_web::http::StatusCode)> {
    user.require_scope(Scope::JobsWrite)?;
    let actor = actor(&user);
    let now = state.clock.now();
    let proposal = state
        .write(move |conn| scheduling::propose(conn, &actor, &id, &body.0, now))
        .await?;
    Ok((web::Json(proposal), actix_web::http::StatusCode::CREATED))
}

/// Accept one slot of the other side's open proposal: the job is scheduled for it.
///
/// Only the side that did not make the proposal may accept it (403 otherwise), while the proposal
/// is open and the job `assigned` or `scheduled` (409 `invalid_transition` otherwise). `slot` is
/// the index of the chosen slot, which must still lie in the future and inside the pro's working
/// hours (422 otherwise). The proposer gets `job.scheduled`, or `job.rescheduled` when the job
/// already had a date.
#[utoipa::path(
    tag = "jobs",
    params(
        ("id" = String, Path, description = "The job's id"),
        ("pid" = String, Path, description = "The proposal's id"),
    ),
    request_body = AcceptProposalInput,
    responses(
        (status = 200, description = "The scheduled job", body = Job),
        (status = 409, description = "`invalid_transition`: the proposal or the job moved on",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/proposals/{pid}/accept")]
pub async fn accept_proposal(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    path: web::Path<(String, String)>,
    body: ValidatedJson<AcceptProposalInput>,
) -> ApiResult<web::Json<Job>> {
    user.require_scope(Scope::JobsWrite)?;
    let actor = actor(&user);
    let (job_id, proposal_id) = path.into_inner();
    let now = state.clock.now();
    let job = state
        .write(move |conn| scheduling::accept(conn, &actor, &job_id, &proposal_id, &body.0, now))
        .await?;
    Ok(web::Json(job))
}

/// The service agreement: the text to read, its version and SHA-256, and the signature if any.
///
/// The text is rendered from the current template each time; to sign it, the customer echoes
/// `version` and `text_sha256` to `POST /v1/jobs/{id}/agreement/sign`. It names the customer and
/// the service address, so the pro gets it only while the job is not cancelled (404 `not_found`
/// after), and every read by the pro is logged like `GET /v1/jobs/{id}/customer`. API keys and app
/// tokens need `jobs:read`.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The agreement", body = Agreement)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/agreement")]
pub async fn get_agreement(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Agreement>> {
    let now = state.clock.now();
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let policy = JobPolicy::from(state.settings.as_ref());
    let agreement = state
        .write(move |conn| agreement::read(conn, &actor, &id, &policy, now))
        .await?;
    Ok(web::Json(agreement))
}

/// Sign the service agreement (customer), naming the version and hash that were read.
///
/// Stored with the time, IP address and user agent. Signing does not oblige the customer to go
/// ahead; the pro cannot start before it.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    request_body = SignAgreementInput,
    responses(
        (status = 200, description = "The signed agreement", body = Agreement),
        (status = 409, description = "`agreement_outdated` (read it again), `conflict` (already \
            signed) or `invalid_transition` (the visit is over or cancelled)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/agreement/sign")]
pub async fn sign_agreement(
    state: web::Data<AppState>,
    req: HttpRequest,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
    body: ValidatedJson<SignAgreementInput>,
) -> ApiResult<web::Json<Agreement>> {
    customer.require_scope(Scope::JobsWrite)?;
    let actor = actor(&customer);
    let origin = Origin {
        ip: ClientIp::of(&req).0.map(|ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(|agent| agent.chars().take(500).collect()),
    };
    let policy = JobPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let agreement = state
        .write(move |conn| agreement::sign(conn, &actor, &id, &body.0, origin, &policy, now))
        .await?;
    Ok(web::Json(agreement))
}

/// Start the work (pro): from two hours before the scheduled start, once the agreement is signed.
///
/// Only from `scheduled`, and the job must be paid (409 `job_unpaid`) and its agreement signed (409
/// `agreement_unsigned`). Earlier than two hours before `scheduled.start` is 409 `too_early`;
/// starting late is allowed. The customer gets a `job.started` notification.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses(
        (status = 200, description = "The job, in progress", body = Job),
        (status = 409, description = "`job_unpaid`, `agreement_unsigned`, `too_early` or `invalid_transition`",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/start")]
pub async fn start(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Job>> {
    partner.require_scope(Scope::JobsWrite)?;
    let actor = actor(&partner);
    let now = state.clock.now();
    let job = state
        .write(move |conn| lifecycle::start(conn, &actor, &id, now))
        .await?;
    Ok(web::Json(job))
}

/// Report the work done (pro). The customer's review window opens (`REVIEW_WINDOW_HOURS`).
///
/// Only from `in_progress`. The `summary` and up to 10 `photo_urls` are kept on the job; the price
/// less the platform fee becomes the pro's `pending` earnings, `review_window_ends_at` is set, and
/// the customer gets a `job.completed` notification. Both sides may rate each other from now on.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    request_body = CompleteInput,
    responses(
        (status = 200, description = "The completed job", body = Job),
        (status = 409, description = "`invalid_transition`: the job is not in progress",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/complete")]
pub async fn complete(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
    body: ValidatedJson<CompleteInput>,
) -> ApiResult<web::Json<Job>> {
    partner.require_scope(Scope::JobsWrite)?;
    let actor = actor(&partner);
    let policy = JobPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let job = state
        .write(move |conn| lifecycle::complete(conn, &actor, &id, &body.0, &policy, now))
        .await?;
    Ok(web::Json(job))
}

/// Dispute the work (customer), inside the review window. Staff decide.
///
/// Only a `completed` job before `review_window_ends_at`: 409 `review_window_closed` after it, 409
/// `invalid_transition` in another status. The pro's earnings stay pending until staff decide with
/// `POST /v1/admin/jobs/{id}/resolve`, and the pro gets a `job.disputed` notification.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    request_body = DisputeInput,
    responses(
        (status = 200, description = "The disputed job", body = Job),
        (status = 409, description = "`review_window_closed` or `invalid_transition`",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/dispute")]
pub async fn dispute(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
    body: ValidatedJson<DisputeInput>,
) -> ApiResult<web::Json<Job>> {
    customer.require_scope(Scope::JobsWrite)?;
    let actor = actor(&customer);
    let now = state.clock.now();
    let job = state
        .write(move |conn| lifecycle::dispute(conn, &actor, &id, &body.0, now))
        .await?;
    Ok(web::Json(job))
}

/// Cancel the job (either side) before the work starts.
///
/// Less than `CANCELLATION_NOTICE_HOURS` before the scheduled start, the cancelling side owes a
/// penalty (shown in `cancellation.penalty`). When the pro cancels, the customer may rematch the
/// request (`POST /v1/requests/{id}/rematch`).
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    request_body = CancelJobInput,
    responses(
        (status = 200, description = "The cancelled job", body = Job),
        (status = 409, description = "`invalid_transition`: the work has started or the job is over",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["jobs:write"])),
)]
#[post("/jobs/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    body: ValidatedJson<CancelJobInput>,
) -> ApiResult<web::Json<Job>> {
    user.require_scope(Scope::JobsWrite)?;
    let actor = actor(&user);
    let policy = JobPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let job = state
        .write(move |conn| cancellation::cancel(conn, &actor, &id, &body.0, &policy, now))
        .await?;
    state.wakeups.refunds_queued.raise();
    Ok(web::Json(job))
}

/// What cancelling the job would cost the caller, now and later.
///
/// For the job's customer or pro (404 `not_found` otherwise), to show before booking a time and
/// before cancelling: cancelling is free until `notice_hours` (`CANCELLATION_NOTICE_HOURS`) before
/// the agreed start (`free_until`, `null` while no date is agreed), and costs the caller's
/// `late_fee` after (the customer's late-cancellation fee, the pro's penalty). `fee_now` is what
/// `POST /v1/jobs/{id}/cancel` would charge at this moment. API keys and app tokens need
/// `jobs:read`.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The caller's cancellation terms", body = CancellationTerms)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/cancellation-terms")]
pub async fn cancellation_terms(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CancellationTerms>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let policy = JobPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let terms = state
        .db(move |conn| cancellation::terms(conn, &actor, &id, &policy, now))
        .await?;
    Ok(web::Json(terms))
}

/// The job's timeline, oldest first: every transition, proposal, signature and cancellation.
///
/// Each entry has its `kind` (`assigned`, `proposed`, `scheduled`, `rescheduled`,
/// `agreement_signed`, `started`, `completed`, `disputed`, `dispute_resolved`, `confirmed` or
/// `cancelled`), the acting party and user, a `detail` object and the time. For the job's customer
/// or pro (404 `not_found` otherwise); not paginated. API keys and app tokens need `jobs:read`.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The timeline", body = Vec<JobEvent>)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/events")]
pub async fn job_events(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<JobEvent>>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = actor(&user);
    let timeline = state
        .db(move |conn| super::timeline(conn, &actor, &id))
        .await?;
    Ok(web::Json(timeline))
}

/// The customer's contact details, for the job's assigned pro only. Every read is logged.
///
/// Name, email, the request's full address, and the phone number only once the customer has
/// confirmed it. Anyone but the job's pro gets 404 `not_found`, and so does that pro once the job
/// is cancelled; in every other status the details stay readable. Each read is recorded, and staff
/// see it at `GET /v1/admin/customer-detail-reads`.
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
    let now = state.clock.now();
    partner.require_scope(Scope::JobsRead)?;
    let partner_id = partner.0.user_id;
    let details = state
        .write(move |conn| customer::customer_details(conn, &partner_id, &id, now))
        .await?;
    Ok(web::Json(details))
}

/// All jobs, newest first. `status=completed&review_window=closed` lists what can be confirmed.
///
/// Filters: `status`, `partner_id`, and `review_window` (`open` or `closed`; only jobs that were
/// completed have a window, so others match neither). Ordered by id, newest first, paged with
/// `cursor`. Confirm the jobs found with `POST /v1/admin/jobs/confirm`.
#[utoipa::path(
    tag = "admin",
    params(AdminJobFilter, PageParams),
    responses((status = 200, description = "A page of jobs", body = Page<Job>)),
    security(("bearer" = [])),
)]
#[get("/admin/jobs")]
pub async fn admin_list_jobs(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<AdminJobFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Job>>> {
    staff.require_session()?;
    let now = state.clock.now();
    let page = state
        .db(move |conn| super::list_all(conn, &filter.0, &page.0, now))
        .await?;
    Ok(web::Json(page))
}

/// Confirm completed jobs whose review window has closed (bulk): the pros' earnings are released.
///
/// Each id is reported as confirmed or why not (still in the window, disputed, not completed,
/// not found); the others are confirmed regardless.
#[utoipa::path(
    tag = "admin",
    request_body = ConfirmJobsInput,
    responses((status = 200, description = "One result per id, in order", body = ConfirmJobsResult)),
    security(("bearer" = [])),
)]
#[post("/admin/jobs/confirm")]
pub async fn admin_confirm_jobs(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    body: ValidatedJson<ConfirmJobsInput>,
) -> ApiResult<web::Json<ConfirmJobsResult>> {
    staff.require_session()?;
    let actor = actor(&staff);
    let now = state.clock.now();
    let results = state
        .write(move |conn| lifecycle::confirm_many(conn, &actor, &body.0.job_ids, now))
        .await?;
    Ok(web::Json(ConfirmJobsResult { results }))
}

/// Resolve a dispute: `release` (the pro is paid), `refund` (the customer gets it all back) or
/// `partial` (the customer gets `refund` back). Audit-logged; the job ends confirmed.
///
/// Only a `disputed` job. For `partial`, `refund` must be in the job's currency and less than the
/// price (422 otherwise); `note` is required. The pro's earnings on what is not refunded become
/// available, less the platform fee, and any refund is queued for the customer's card. The note is
/// kept on the job, in the audit log (`job.resolve_dispute`) and on the timeline, and both sides
/// get a `job.dispute_resolved` notification.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The job's id")),
    request_body = ResolveDisputeInput,
    responses(
        (status = 200, description = "The closed job", body = Job),
        (status = 409, description = "`invalid_transition`: the job is not disputed",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/jobs/{id}/resolve")]
pub async fn admin_resolve_dispute(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<ResolveDisputeInput>,
) -> ApiResult<web::Json<Job>> {
    staff.require_session()?;
    let actor = actor(&staff);
    let policy = JobPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let job = state
        .write(move |conn| lifecycle::resolve(conn, &actor, &id, &body.0, &policy, now))
        .await?;
    state.wakeups.refunds_queued.raise();
    Ok(web::Json(job))
}

/// Any job's case file (staff): the job, its timeline, payments, refunds and agreement
/// signature, and what a dispute's decision would split (with the platform fee to preview it).
///
/// `held` is what a dispute decision would split now (the pending earnings and their fee; zero
/// before completion, once released or refunded, or when never paid), and `platform_fee_bps` lets a
/// client preview a partial refund. The case lists at most the job's 100 newest refunds;
/// `agreement` is the signature record, absent while unsigned.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The job's id")),
    responses(
        (status = 200, description = "The job's case file", body = JobCase),
        (status = 404, description = "`not_found`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/admin/jobs/{id}")]
pub async fn admin_job_case(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<JobCase>> {
    staff.require_session()?;
    let staff_id = staff.0.user_id.clone();
    let policy = MoneyPolicy::from(state.settings.as_ref());
    let case = state
        .db(move |conn| case::read(conn, &staff_id, &id, &policy))
        .await?;
    Ok(web::Json(case))
}

/// Any job's timeline (staff, e.g. to decide a dispute).
///
/// The same entries as `GET /v1/jobs/{id}/events` (kind, acting party and user, detail, time),
/// oldest first, for any job. 404 `not_found` for an unknown id.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The timeline", body = Vec<JobEvent>)),
    security(("bearer" = [])),
)]
#[get("/admin/jobs/{id}/events")]
pub async fn admin_job_events(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<JobEvent>>> {
    staff.require_session()?;
    let actor = actor(&staff);
    let timeline = state
        .db(move |conn| super::timeline(conn, &actor, &id))
        .await?;
    Ok(web::Json(timeline))
}

/// Penalties owed for late cancellations, newest first (the wallet settles them).
///
/// Each penalty gives the job, who owes it (`user_id` and `party`), the `reason`
/// (`late_cancellation`), the amount, and `status`: `pending` until the wallet collects it, then
/// `settled`. Filter by `user_id`; ordered by id, newest first, paged with `cursor`.
#[utoipa::path(
    tag = "admin",
    params(PenaltyFilter, PageParams),
    responses((status = 200, description = "A page of penalties", body = Page<Penalty>)),
    security(("bearer" = [])),
)]
#[get("/admin/penalties")]
pub async fn admin_penalties(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<PenaltyFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Penalty>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| cancellation::list(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// Who read which customer's contact details, and when. Staff only.
///
/// One entry for every time a pro read a customer's name, address, phone and email, through
/// `GET /v1/jobs/{id}/customer` or the service agreement's text, with the job, the pro and the
/// time. Filter by `job_id` or `partner_id`; paged with `cursor`.
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
        .db(move |conn| customer::detail_reads(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}
