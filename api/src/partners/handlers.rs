//! HTTP handlers of the partners area.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use shared_types::auth::Scope;
use shared_types::partners::{
    Availability, Category, CategoryInput, ConnectionKind, ConnectionStats, ConnectionsQuery,
    ContactClick, ContactKind, ContactTarget, PartnerAdminUpdate, PartnerFilter, PartnerProfile,
    PartnerProfileInput, PartnerSearch, PartnerSearchHit, PublicPartner,
};
use shared_types::{Page, PageParams, ProblemDetails};

use super::connections::{self, Source};
use super::{catalogue, profiles, search};
use crate::auth::tokens::hash_secret;
use crate::auth::{AuthUser, RequireRole, roles};
use crate::client_ip::ClientIp;
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::state::AppState;

/// The service catalogue: active categories, by slug.
#[utoipa::path(
    tag = "partners",
    params(PageParams),
    responses((status = 200, description = "A page of categories", body = Page<Category>)),
)]
#[get("/categories")]
pub async fn list_categories(
    state: web::Data<AppState>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Category>>> {
    let page = state
        .db(move |conn| catalogue::list_active(conn, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// The whole catalogue, retired categories too (staff), by slug.
#[utoipa::path(
    tag = "admin",
    params(PageParams),
    responses((status = 200, description = "A page of categories", body = Page<Category>)),
    security(("bearer" = [])),
)]
#[get("/admin/categories")]
pub async fn admin_list_categories(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Category>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| catalogue::list_all(conn, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// Add a category. Staff only; audit-logged.
#[utoipa::path(
    tag = "admin",
    request_body = CategoryInput,
    responses(
        (status = 201, description = "The new category", body = Category),
        (status = 409, description = "`conflict`: the slug is taken",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/categories")]
pub async fn create_category(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    body: ValidatedJson<CategoryInput>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    staff.require_session()?;
    let actor = staff.0.user_id;
    let category = state
        .write(move |conn| catalogue::create(conn, &actor, &body.0, now))
        .await?;
    Ok(HttpResponse::Created().json(category))
}

/// Replace a category's fields. Staff only; audit-logged.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The category's id")),
    request_body = CategoryInput,
    responses(
        (status = 200, description = "The category", body = Category),
        (status = 409, description = "`conflict`: the slug belongs to another category",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[put("/admin/categories/{id}")]
pub async fn update_category(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<CategoryInput>,
) -> ApiResult<web::Json<Category>> {
    let now = state.clock.now();
    staff.require_session()?;
    let actor = staff.0.user_id;
    let category = state
        .write(move |conn| catalogue::update(conn, &actor, &id, &body.0, now))
        .await?;
    Ok(web::Json(category))
}

/// The caller's business profile (404 until it is created).
#[utoipa::path(
    tag = "partners",
    responses(
        (status = 200, description = "The profile", body = PartnerProfile),
        (status = 404, description = "`not_found`: no profile yet (create it with PUT /v1/partners/me)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["profile:read"])),
)]
#[get("/partners/me")]
pub async fn my_profile(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
) -> ApiResult<web::Json<PartnerProfile>> {
    partner.require_scope(Scope::ProfileRead)?;
    let id = partner.0.user_id;
    let profile = state
        .db(move |conn| profiles::own_profile(conn, &id))
        .await?;
    Ok(web::Json(profile))
}

/// Create or replace the caller's business profile.
///
/// Tier and status are kept (staff set them); so are the weekly hours, which have their own
/// endpoint. Until hours are set the partner gets no marketplace leads.
#[utoipa::path(
    tag = "partners",
    request_body = PartnerProfileInput,
    responses(
        (status = 200, description = "The updated profile", body = PartnerProfile),
        (status = 201, description = "The new profile", body = PartnerProfile),
    ),
    security(("bearer" = []), ("api_key" = ["profile:write"])),
)]
#[put("/partners/me")]
pub async fn put_my_profile(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    body: ValidatedJson<PartnerProfileInput>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    partner.require_scope(Scope::ProfileWrite)?;
    let id = partner.0.user_id;
    let (profile, created) = state
        .write(move |conn| profiles::upsert(conn, &id, &body.0, now))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(profile)
    } else {
        HttpResponse::Ok().json(profile)
    })
}

/// Replace the caller's weekly hours and days off.
#[utoipa::path(
    tag = "partners",
    request_body = Availability,
    responses(
        (status = 200, description = "The stored availability", body = Availability),
        (status = 404, description = "`not_found`: no profile yet (create it with PUT /v1/partners/me)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["profile:write"])),
)]
#[put("/partners/me/availability")]
pub async fn put_my_availability(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    body: ValidatedJson<Availability>,
) -> ApiResult<web::Json<Availability>> {
    let now = state.clock.now();
    partner.require_scope(Scope::ProfileWrite)?;
    let id = partner.0.user_id;
    let stored = state
        .write(move |conn| profiles::set_availability(conn, &id, &body.0, now))
        .await?;
    Ok(web::Json(stored))
}

/// The caller's connections per day, week or month, in their time zone.
#[utoipa::path(
    tag = "partners",
    params(ConnectionsQuery),
    responses(
        (status = 200, description = "Counts per bucket and totals", body = ConnectionStats),
        (status = 404, description = "`not_found`: no profile yet (create it with PUT /v1/partners/me)",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["profile:read"])),
)]
#[get("/partners/me/connections")]
pub async fn my_connections(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    query: ValidatedQuery<ConnectionsQuery>,
) -> ApiResult<web::Json<ConnectionStats>> {
    let now = state.clock.now();
    partner.require_scope(Scope::ProfileRead)?;
    let id = partner.0.user_id;
    let counts = state
        .db(move |conn| connections::stats(conn, &id, &query.0, now))
        .await?;
    Ok(web::Json(counts))
}

/// Find pros: active partners serving a category whose area covers a point.
///
/// Ordered by Star Score (partners without one last), then distance, then id.
#[utoipa::path(
    tag = "partners",
    params(PartnerSearch, PageParams),
    responses((status = 200, description = "A page of partners", body = Page<PartnerSearchHit>)),
)]
#[get("/partners")]
pub async fn search_partners(
    state: web::Data<AppState>,
    query: ValidatedQuery<PartnerSearch>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<PartnerSearchHit>>> {
    let hits = state
        .db(move |conn| search::search(conn, &query.0, &page.0))
        .await?;
    Ok(web::Json(hits))
}

/// Who is looking: the signed-in user, or a hash of the client's address.
fn viewer_key(req: &HttpRequest, viewer: Option<&AuthUser>) -> String {
    if let Some(user) = viewer {
        return user.user_id.clone();
    }
    let ip = ClientIp::of(req).text();
    format!("anon:{}", &hash_secret(&format!("viewer:{ip}"))[..16])
}

/// A partner's public profile. Counts a profile view (once per viewer per hour; not the
/// partner's own). Suspended partners are not found.
#[utoipa::path(
    tag = "partners",
    params(("id" = String, Path, description = "The partner's id")),
    responses((status = 200, description = "The public profile", body = PublicPartner)),
)]
#[get("/partners/{id}")]
pub async fn public_profile(
    state: web::Data<AppState>,
    req: HttpRequest,
    viewer: Option<AuthUser>,
    id: web::Path<String>,
) -> ApiResult<web::Json<PublicPartner>> {
    let now = state.clock.now();
    let viewer_key = viewer_key(&req, viewer.as_ref());
    let id = id.into_inner();
    let profile = state
        .db({
            let id = id.clone();
            move |conn| profiles::public_profile(conn, &id)
        })
        .await?;
    if viewer_key != id {
        state
            .write(move |conn| {
                let source = Source {
                    viewer_key: Some(&viewer_key),
                    request_id: None,
                };
                connections::record_connection(conn, &id, ConnectionKind::ProfileView, source, now)
            })
            .await?;
    }
    Ok(web::Json(profile))
}

/// A homeowner tapped "call" or "website" on a public profile: counts a phone or website click
/// and returns the number to dial or the address to open. Only Brand Builders show these.
#[utoipa::path(
    tag = "partners",
    params(("id" = String, Path, description = "The partner's id")),
    request_body = ContactClick,
    responses((status = 200, description = "What to dial or open", body = ContactTarget)),
)]
#[post("/partners/{id}/contact-clicks")]
pub async fn contact_click(
    state: web::Data<AppState>,
    req: HttpRequest,
    viewer: Option<AuthUser>,
    id: web::Path<String>,
    body: ValidatedJson<ContactClick>,
) -> ApiResult<web::Json<ContactTarget>> {
    let now = state.clock.now();
    let viewer_key = viewer_key(&req, viewer.as_ref());
    let kind = body.0.kind;
    let target = state
        .write(move |conn| {
            let target = profiles::contact_target(conn, &id, kind)?;
            let connection = match kind {
                ContactKind::Phone => ConnectionKind::PhoneClick,
                ContactKind::Website => ConnectionKind::WebsiteClick,
            };
            let source = Source {
                viewer_key: Some(&viewer_key),
                request_id: None,
            };
            connections::record_connection(conn, &id, connection, source, now)?;
            Ok(target)
        })
        .await?;
    Ok(web::Json(target))
}

/// Partners, oldest first, filtered by status, tier or category. Staff only.
#[utoipa::path(
    tag = "admin",
    params(PartnerFilter, PageParams),
    responses((status = 200, description = "A page of partner profiles", body = Page<PartnerProfile>)),
    security(("bearer" = [])),
)]
#[get("/admin/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<PartnerFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<PartnerProfile>>> {
    staff.require_session()?;
    let page = state
        .db(move |conn| profiles::list_for_staff(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(page))
}

/// One pro's profile as staff see it (status, tier, contact, hours, Star Score). Staff only.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The partner's id")),
    responses(
        (status = 200, description = "The profile", body = PartnerProfile),
        (status = 404, description = "`not_found`", body = ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[get("/admin/partners/{id}")]
pub async fn admin_get_partner(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<PartnerProfile>> {
    staff.require_session()?;
    let profile = state
        .db(move |conn| profiles::own_profile(conn, &id))
        .await?;
    Ok(web::Json(profile))
}

/// Suspend or reinstate a partner, or change their tier, with a reason. Staff only;
/// audit-logged. Suspended partners disappear from search, public profiles and matching.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The partner's id")),
    request_body = PartnerAdminUpdate,
    responses((status = 200, description = "The updated profile", body = PartnerProfile)),
    security(("bearer" = [])),
)]
#[patch("/admin/partners/{id}")]
pub async fn update_partner(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<PartnerAdminUpdate>,
) -> ApiResult<web::Json<PartnerProfile>> {
    staff.require_session()?;
    let actor = staff.0.user_id;
    let now = state.clock.now();
    let profile = state
        .write(move |conn| profiles::staff_update(conn, &actor, &id, &body.0, now))
        .await?;
    state.standing.forget(&profile.id);
    Ok(web::Json(profile))
}
