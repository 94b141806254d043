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
///
/// Needs no sign-in. Each category gives its `slug` (what requests and profiles name), `name`,
/// `list_price` and `assignment_mode`: `instant` (the first pro to confirm takes the job at the
/// list price) or `review` (pros apply with a quote and staff choose). Retired categories are left
/// out. Ordered by `slug`, paged with `cursor`.
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
///
/// Each category with its `assignment_mode`, list price and `active` flag; retired categories
/// (`active: false`) are included, unlike in `GET /v1/categories`. Ordered by `slug`, paged with
/// `cursor`.
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
///
/// `slug` must not be used by any category, retired ones included (409 `conflict`). `list_price` is
/// required for `instant` and forbidden for `review` (422); `active` defaults to `true`. Recorded
/// in the audit log as `category.create`.
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
///
/// Every field is replaced (`active` defaults to `true` when left out). A retired category
/// (`active: false`) can no longer be named in new requests or profiles. A new `assignment_mode`
/// also applies to offers already sent, since confirming and applying read the category as it is
/// then; jobs already created keep their price. 404 `not_found` for an unknown id; recorded in the
/// audit log as `category.update`, with before and after.
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
///
/// The profile as the partner edits it (account email, business name, description, phone, website,
/// categories, service area, weekly availability, `accepting_leads`) and what staff and ratings set
/// (`tier`, `status`, Star Score, review figures). Partners only; API keys and app tokens need
/// `profile:read`.
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
/// endpoint. Until hours are set the partner gets no marketplace leads. The service area is a
/// `place` the API finds on the map (an address, a postal code or a city; 422 on
/// `service_area.place` when it cannot), or a centre's `lat` and `lon` with the `city` to show.
#[utoipa::path(
    tag = "partners",
    request_body = PartnerProfileInput,
    responses(
        (status = 200, description = "The updated profile", body = PartnerProfile),
        (status = 201, description = "The new profile", body = PartnerProfile),
        (status = 503, description = "`service_unavailable`: the database or the address service is unavailable; retry (or send `lat` and `lon`)",
            body = ProblemDetails, content_type = "application/problem+json"),
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
    let area = crate::places::locate_area(state.geocoder.as_ref(), &body.0.service_area).await?;
    let (profile, created) = state
        .write(move |conn| profiles::upsert(conn, &id, &body.0, &area, now))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(profile)
    } else {
        HttpResponse::Ok().json(profile)
    })
}

/// Replace the caller's weekly hours and days off.
///
/// Weekly hours are time ranges per weekday in `time_zone`, plus `days_off` (stored sorted, without
/// duplicates). The hours decide which marketplace leads match the pro and which visit slots either
/// side may propose (visits already scheduled do not move); with no hours the pro gets no
/// marketplace leads. `time_zone` is also the one `GET /v1/partners/me/connections` counts days
/// in. API keys and app tokens need `profile:write`.
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
///
/// Counts each kind (`profile_view`, `profile_lead`, `marketplace_lead`, `phone_click`,
/// `website_click`) per bucket and in total, empty buckets included. `from` and `to` are inclusive
/// dates in the pro's time zone (from their availability, `America/Toronto` until set), by default
/// the 30 days to today, at most 366 days (422 otherwise); `granularity` is `day` (default), `week`
/// (from Monday) or `month`. API keys and app tokens need `profile:read`.
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
///
/// Needs no sign-in. Shows the business name, description, categories, an approximate area, tier,
/// review figures and Star Score, and `has_phone`/`has_website` (Brand Builders only; reveal them
/// with `POST /v1/partners/{id}/contact-clicks`). Each viewer (the signed-in user, or a hash of the
/// client address) counts one `profile_view` per clock hour. 404 `not_found` for an unknown or
/// suspended partner.
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
///
/// Needs no sign-in. `kind` is `phone` or `website`; 404 `not_found` when the partner is unknown,
/// suspended, not a Brand Builder, or shows no such contact. Every call counts one `phone_click` or
/// `website_click` connection (no deduplication), so call it only when the homeowner taps.
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
///
/// Filters: `status` (`active` or `suspended`), `tier` (`basic` or `brand_builder`), `category` (a
/// slug; an unknown one is 422) and `q` (text in the business name or account email; ASCII letters
/// match in any case). Each item is the full profile, as the partner sees it. Ordered by partner id
/// (the order accounts were made), paged with `cursor`.
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
///
/// The view the partner gets from `GET /v1/partners/me`: account email, contact details,
/// categories, service area, availability, `accepting_leads`, tier, status and review figures. 404
/// `not_found` when the user has no partner profile.
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
///
/// Send `status`, `tier` or both, and a `reason` (422 when neither is given). A `status` change
/// follows the rule of `POST /v1/admin/users/{id}/suspend` and `/reinstate` (sessions end, live
/// offers are withdrawn, the pro is told); the status the partner already has changes nothing.
/// `brand_builder` is needed for marketplace leads and to show the phone and website. 404
/// `not_found` without a partner profile; recorded in the audit log as `partner.update`.
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
