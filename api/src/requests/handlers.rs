//! HTTP handlers of requests and leads.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, post, web};
use shared_types::admin::AssignmentCase;
use shared_types::auth::Scope;
use shared_types::requests::{
    ApplyInput, AssignInput, Assignment, DeclineInput, Lead, LeadApplication, LeadFilter,
    RematchInput, ServiceRequest, ServiceRequestInput,
};
use shared_types::{Page, PageParams, ProblemDetails};

use super::{LeadPolicy, intake, leads, race};
use crate::auth::{RequireRole, roles};
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::idempotency::{self, OptionalIdempotencyKey};
use crate::state::AppState;

/// Ask for work.
///
/// With `partner_id` it is a *profile lead* for that pro alone; without, the platform offers it
/// to the best matching pros (each offer expires after `LEAD_OFFER_TTL_SECS`). An address without
/// `lat` and `lon` is found on the map from its street, city and postal code (422 on `address`
/// when it cannot be). Send an `Idempotency-Key` header to make retries safe: the same key and
/// body replay the first answer.
#[utoipa::path(
    tag = "requests",
    request_body = ServiceRequestInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe (kept 24 h)")),
    responses(
        (status = 201, description = "The request and its first offers", body = ServiceRequest),
        (status = 409, description = "`idempotency_key_in_flight`: the first request with this key is still running",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`: the database or the address service is unavailable; retry (or send `lat` and `lon`)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
)]
#[post("/requests")]
pub async fn create_request(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    key: OptionalIdempotencyKey,
    body: ValidatedJson<ServiceRequestInput>,
) -> ApiResult<HttpResponse> {
    customer.require_scope(Scope::RequestsWrite)?;
    let policy = LeadPolicy::from(state.settings.as_ref());
    let customer_id = customer.0.user_id;
    let input = body.0.clone();
    // Placed before the transaction: the address service is a network call.
    let address = crate::places::locate_address(state.geocoder.as_ref(), &input.address).await?;
    let now = state.clock.now();
    idempotency::once(
        &state,
        &customer_id.clone(),
        key.0,
        &body.0,
        StatusCode::CREATED,
        move |conn| intake::create(conn, &customer_id, &input, &address, policy, now),
    )
    .await
}

/// The caller's requests, newest first.
///
/// Each request as its customer sees it: category, description, address, windows, budget, photos,
/// `status`, how many offers went out, and the assigned pro's public profile and `job_id` once
/// there is one. Customers only; ordered by id, newest first, paged with `cursor`. API keys and app
/// tokens need `requests:read`.
#[utoipa::path(
    tag = "requests",
    params(PageParams),
    responses((status = 200, description = "A page of requests", body = Page<ServiceRequest>)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
)]
#[get("/requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<ServiceRequest>>> {
    customer.require_scope(Scope::RequestsRead)?;
    let id = customer.0.user_id;
    let page = state
        .db(move |conn| intake::list_own(conn, &id, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// One of the caller's requests, with the assigned pro once there is one.
///
/// `status` is `open`, `assigned`, `cancelled`, `unfilled` or `pro_cancelled` (then
/// `POST /v1/requests/{id}/rematch` looks for another pro); `offers_sent` counts every offer ever
/// made for it. Another customer's request is 404 `not_found`. API keys and app tokens need
/// `requests:read`.
#[utoipa::path(
    tag = "requests",
    params(("id" = String, Path, description = "The request's id")),
    responses((status = 200, description = "The request", body = ServiceRequest)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
)]
#[get("/requests/{id}")]
pub async fn get_request(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
) -> ApiResult<web::Json<ServiceRequest>> {
    customer.require_scope(Scope::RequestsRead)?;
    let customer_id = customer.0.user_id;
    let request = state
        .db(move |conn| {
            let row = intake::find_own(conn, &customer_id, &id)?;
            intake::customer_view(conn, &row)
        })
        .await?;
    Ok(web::Json(request))
}

/// Withdraw a request before a pro is assigned (no penalty); its offers are withdrawn.
///
/// Only an `open` or `unfilled` request: one that is assigned, `pro_cancelled` or already
/// cancelled is 409 `invalid_transition` (once a pro is assigned, cancel the job with
/// `POST /v1/jobs/{id}/cancel`). Every live offer closes as `withdrawn` and its pro gets a
/// `lead.withdrawn` notification. API keys and app tokens need `requests:write`.
#[utoipa::path(
    tag = "requests",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The cancelled request", body = ServiceRequest),
        (status = 409, description = "`invalid_transition`: the request is neither open nor unfilled",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
)]
#[post("/requests/{id}/cancel")]
pub async fn cancel_request(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
) -> ApiResult<web::Json<ServiceRequest>> {
    customer.require_scope(Scope::RequestsWrite)?;
    let customer_id = customer.0.user_id;
    let now = state.clock.now();
    let request = state
        .write(move |conn| intake::cancel(conn, &customer_id, &id, now))
        .await?;
    Ok(web::Json(request))
}

/// Find another pro: after the assigned one cancelled the job, or when no pro took the request.
///
/// A `pro_cancelled` or `unfilled` request is offered again, as a marketplace lead, to the best
/// matching pros it was not offered to before; send new `windows` if the old ones no longer
/// suit (other pros may be free then). When none matches it is `unfilled` again.
#[utoipa::path(
    tag = "requests",
    params(("id" = String, Path, description = "The request's id")),
    request_body = RematchInput,
    responses(
        (status = 200, description = "The reopened request and its new offers", body = ServiceRequest),
        (status = 409, description = "`invalid_transition`: the request is neither `pro_cancelled` nor `unfilled`",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["requests:write"])),
)]
#[post("/requests/{id}/rematch")]
pub async fn rematch_request(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
    body: ValidatedJson<RematchInput>,
) -> ApiResult<web::Json<ServiceRequest>> {
    customer.require_scope(Scope::RequestsWrite)?;
    let customer_id = customer.0.user_id;
    let policy = LeadPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let request = state
        .write(move |conn| intake::rematch(conn, &customer_id, &id, &body.0, policy, now))
        .await?;
    Ok(web::Json(request))
}

/// The caller's lead offers: live ones first (offered, applied), newest first.
///
/// A lead shows what a pro needs to decide — category, description, photos, windows, city and
/// postal prefix, distance, why it matched, how many pros got it — and nothing that identifies
/// the homeowner until the pro is assigned.
#[utoipa::path(
    tag = "leads",
    params(LeadFilter, PageParams),
    responses((status = 200, description = "A page of leads", body = Page<Lead>)),
    security(("bearer" = []), ("api_key" = ["leads:read"])),
)]
#[get("/leads")]
pub async fn list_leads(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    filter: ValidatedQuery<LeadFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<HttpResponse> {
    partner.require_scope(Scope::LeadsRead)?;
    let id = partner.0.user_id;
    let (filter, page) = (filter.0, page.0);
    // Every open app asks for this: on PostgreSQL the page is the cards' JSON, read in one
    // statement on the worker's own connection.
    if let Some(body) = leads::list_hot(&state.hot, &id, &filter, &page).await? {
        return Ok(HttpResponse::Ok()
            .insert_header(ContentType::json())
            .body(body));
    }
    let page = state
        .db(move |conn| leads::list(conn, &id, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One of the caller's lead offers.
///
/// Only the caller's own offer, in any status (404 `not_found` otherwise). It shows the request's
/// category, description, photos, windows, budget, city and postal prefix, why it matched, how many
/// pros were offered it, the customer's rating summary, `expires_at`, the pro's application if any,
/// and `job_id` once this pro has the job. It never shows the customer's name, address or contact
/// details: the assigned pro reads those at `GET /v1/jobs/{id}/customer`.
#[utoipa::path(
    tag = "leads",
    params(("id" = String, Path, description = "The offer's id")),
    responses((status = 200, description = "The lead", body = Lead)),
    security(("bearer" = []), ("api_key" = ["leads:read"])),
)]
#[get("/leads/{id}")]
pub async fn get_lead(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    partner.require_scope(Scope::LeadsRead)?;
    let partner_id = partner.0.user_id;
    // What a pro opens from an alert: on PostgreSQL, the stored card as it is.
    if let Some(body) = leads::get_hot(&state.hot, &partner_id, &id).await {
        return Ok(HttpResponse::Ok()
            .insert_header(ContentType::json())
            .body(body));
    }
    let lead = state
        .db(move |conn| leads::get(conn, &partner_id, &id))
        .await?;
    Ok(HttpResponse::Ok().json(lead))
}

/// Take an instant-category lead: the first pro to confirm gets the job.
///
/// Everyone else gets 409 `lead_taken`. Confirming again after winning returns the same job.
#[utoipa::path(
    tag = "leads",
    params(("id" = String, Path, description = "The offer's id")),
    responses(
        (status = 200, description = "The job is yours", body = Assignment),
        (status = 409, description = "`lead_taken` (another pro won) or `invalid_transition`",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "`lead_expired`: the offer ran out",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["leads:write"])),
)]
#[post("/leads/{id}/confirm")]
pub async fn confirm_lead(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Assignment>> {
    partner.require_scope(Scope::LeadsWrite)?;
    let now = state.clock.now();
    let confirmed = race::confirm(state, partner.0.user_id, id.into_inner(), now).await?;
    Ok(web::Json(confirmed.into_result()?))
}

/// Apply for a review-category lead with a message and a quote; staff choose the pro.
///
/// Only in `review` categories (409 `invalid_transition` in an `instant` one: confirm instead) and
/// only from `offered`: 410 `lead_expired` after `expires_at`, 409 `lead_taken` once another pro
/// has the job. Staff see the `message` and `quote` and assign one applicant, at their quote, with
/// `POST /v1/admin/requests/{id}/assign`; an application does not expire while it waits. Declining
/// the lead withdraws it.
#[utoipa::path(
    tag = "leads",
    params(("id" = String, Path, description = "The offer's id")),
    request_body = ApplyInput,
    responses(
        (status = 200, description = "The lead, now applied", body = Lead),
        (status = 409, description = "`lead_taken` or `invalid_transition`",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "`lead_expired`: the offer ran out",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["leads:write"])),
)]
#[post("/leads/{id}/apply")]
pub async fn apply_lead(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
    body: ValidatedJson<ApplyInput>,
) -> ApiResult<web::Json<Lead>> {
    partner.require_scope(Scope::LeadsWrite)?;
    let partner_id = partner.0.user_id;
    let now = state.clock.now();
    let lead = state
        .write(move |conn| leads::apply(conn, &partner_id, &id, &body.0, now))
        .await?;
    Ok(web::Json(lead))
}

/// Pass on a lead. If no pro is left on it, the next best pros are offered it.
///
/// From `offered` or `applied` (declining an application withdraws it); the optional `reason` is
/// kept. 409 `lead_taken` or `invalid_transition` once the offer is closed, 410 `lead_expired` once
/// it has expired. When this leaves an open request with no live offer, it is offered to the next
/// best pros, or, when there are none (or it is a profile lead), it becomes `unfilled` and the
/// customer gets `request.unfilled`.
#[utoipa::path(
    tag = "leads",
    params(("id" = String, Path, description = "The offer's id")),
    request_body = DeclineInput,
    responses(
        (status = 200, description = "The lead, now declined", body = Lead),
        (status = 409, description = "`lead_taken` or `invalid_transition`",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 410, description = "`lead_expired`: the offer ran out",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["leads:write"])),
)]
#[post("/leads/{id}/decline")]
pub async fn decline_lead(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
    body: ValidatedJson<DeclineInput>,
) -> ApiResult<web::Json<Lead>> {
    partner.require_scope(Scope::LeadsWrite)?;
    let partner_id = partner.0.user_id;
    let policy = LeadPolicy::from(state.settings.as_ref());
    let now = state.clock.now();
    let lead = state
        .write(move |conn| {
            leads::decline(
                conn,
                &partner_id,
                &id,
                body.0.reason.as_deref(),
                policy,
                now,
            )
        })
        .await?;
    Ok(web::Json(lead))
}

/// Review-category requests with applications waiting for staff to choose a pro, oldest first.
/// Staff only.
///
/// An open request is listed while at least one pro's offer is `applied`; each item gives the
/// category, description, city, postal area, windows, budget, the number of applications and when
/// the first came. Ordered by request id (the order requests were made), paged with `cursor`.
/// Compare the applicants with `GET /v1/admin/requests/{id}/applications` and choose one with
/// `POST /v1/admin/requests/{id}/assign`.
#[utoipa::path(
    tag = "admin",
    params(PageParams),
    responses((status = 200, description = "A page of requests waiting for a choice", body = Page<AssignmentCase>)),
    security(("bearer" = [])),
)]
#[get("/admin/assignments")]
pub async fn awaiting_assignment(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<AssignmentCase>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| leads::awaiting_assignment(conn, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// The applications to a review-category request, with each pro's qualifications. Staff only.
///
/// Every pro who applied, in the order they last answered, with their public profile, message,
/// quote, distance, the window they can do, how many jobs they have completed and how many they did
/// for this customer before. Each keeps its current offer `status`: an application later withdrawn
/// (`declined`), passed over (`taken`) or chosen (`accepted`) stays listed. 404 `not_found` for an
/// unknown request; an empty list when nobody applied.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The request's id")),
    responses((status = 200, description = "The applications, oldest first", body = Vec<LeadApplication>)),
    security(("bearer" = [])),
)]
#[get("/admin/requests/{id}/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<LeadApplication>>> {
    staff.require_session()?;
    let applications = state.db(move |conn| leads::applications(conn, &id)).await?;
    Ok(web::Json(applications))
}

/// Give a review-category request to one applicant at their quote; the others are told. Staff
/// only.
///
/// `offer_id` must be one of this request's offers (422 otherwise) and still `applied` (409
/// `invalid_transition` if it was declined, withdrawn, taken or already accepted), and the request
/// must still be `open`. A job is created at the applicant's quote: the pro gets `job.assigned`,
/// the customer `request.assigned`, and the other live offers close as `taken` with a `lead.taken`
/// notification to their pros. Recorded in the audit log as `request.assign`.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The request's id")),
    request_body = AssignInput,
    responses(
        (status = 200, description = "The assignment", body = Assignment),
        (status = 409, description = "`invalid_transition` (the request is assigned already, or the offer is no longer `applied`) or `lead_taken` (another assignment won a race)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/requests/{id}/assign")]
pub async fn assign_request(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<AssignInput>,
) -> ApiResult<web::Json<Assignment>> {
    staff.require_session()?;
    let staff_id = staff.0.user_id.clone();
    let now = state.clock.now();
    let assignment = state
        .write(move |conn| leads::assign_application(conn, &staff_id, &id, &body.0.offer_id, now))
        .await?;
    Ok(web::Json(assignment))
}
