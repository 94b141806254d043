use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use shared_types::auth::Scope;
use shared_types::jobs::JobPhotos;
use shared_types::photos::{Photo, PortfolioPhotoInput};

use super::links::Audience;
use super::model::{self, AttachedTo, PhotoViews};
use super::store::Variant;
use super::upload;
use crate::auth::extract::{RequireRole, roles};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::jobs::model::Actor;
use crate::state::AppState;

/// An image file's bytes, as the body of an upload or an answer.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code, reason = "describes a body in the contract; never built")]
pub struct ImageFile(Vec<u8>);

/// Upload a photo.
///
/// The body is the image file itself (JPEG, PNG or WebP, at most `MAX_UPLOAD_BYTES`, 15 MiB by
/// default, and 50 megapixels); its type is read from the bytes, whatever `Content-Type` says.
/// The photo is turned upright, shrunk to 2560 pixels on its longer side and re-encoded (JPEG, or
/// PNG when it has transparency), which drops all of its metadata, GPS position included; a
/// 400-pixel thumbnail is made. It is the uploader's, attached to nothing, until it is given in
/// `photo_ids` of a message; one still unattached after a day is deleted. 413 `payload_too_large` for a larger file,
/// 415 `unsupported_media_type` for a file that is not such an image, 422 for one that claims to
/// be and does not decode, or has too many pixels.
#[utoipa::path(
    tag = "photos",
    request_body(
        content((ImageFile = "application/octet-stream")),
        description = "The image file's bytes (JPEG, PNG or WebP; any `Content-Type`: the \
            type is read from the bytes)",
    ),
    responses(
        (status = 201, description = "The photo, with links for the uploader", body = Photo),
        (status = 413, description = "`payload_too_large`", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: not a JPEG, PNG or WebP image",
            body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["photos:write"])),
)]
#[post("/photos")]
pub async fn upload_photo(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    request: HttpRequest,
    body: web::Payload,
) -> ApiResult<HttpResponse> {
    user.require_scope(Scope::PhotosWrite)?;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    let photo = upload::receive(&state, user.0.user_id.clone(), declared, body).await?;
    Ok(HttpResponse::Created().json(photo))
}

/// What a signed photo link carries besides its path.
#[derive(Debug, Serialize, Deserialize, validator::Validate, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PhotoLink {
    /// Who the link was made for: `members` (the people who may see what the photo belongs
    /// to) or `staff`.
    #[validate(length(min = 1, max = 16))]
    #[param(min_length = 1, max_length = 16)]
    pub audience: String,
    /// When the link stops working, in seconds since 1970 (UTC).
    pub expires: i64,
    /// The link's HMAC-SHA256, in hex.
    #[validate(length(min = 1, max = 128))]
    #[param(min_length = 1, max_length = 128)]
    pub signature: String,
}

/// Fetch a photo through a signed link.
///
/// Links come in `Photo.url` and `Photo.thumbnail_url`, only in answers to those who may see
/// what the photo belongs to, and need no other credential (an `<img>` can load one). Each is
/// made for one photo and one size and works for `PHOTO_LINK_TTL_SECS` (15 minutes by default):
/// 400 `invalid_signature` for a link altered in any part, 410 `link_expired` after its time,
/// 404 once the photo is gone (removed, its account deleted) or the message it came with was
/// hidden by staff.
#[utoipa::path(
    tag = "photos",
    params(
        ("id" = String, Path, description = "The photo's id"),
        ("variant" = inline(Variant), Path, description = "`full` or `thumb`"),
        PhotoLink,
    ),
    responses(
        (status = 200, description = "The image", content(
            (ImageFile = "image/jpeg"),
            (ImageFile = "image/png"),
        )),
        (status = 400, description = "`invalid_signature`", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
        (status = 410, description = "`link_expired`", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
    ),
)]
#[get("/photos/{id}/{variant}")]
pub async fn fetch_photo(
    state: web::Data<AppState>,
    path: web::Path<(String, Variant)>,
    link: ValidatedQuery<PhotoLink>,
) -> ApiResult<HttpResponse> {
    let (id, variant) = path.into_inner();
    let link = link.0;
    let now = state.clock.now();
    state.photos.links.check(
        &id,
        variant,
        &link.audience,
        link.expires,
        &link.signature,
        now.and_utc(),
    )?;
    let audience = Audience::parse(&link.audience).ok_or_else(|| ApiError::not_found("photo"))?;
    let row = state
        .db({
            let id = id.clone();
            move |conn| {
                let Some(row) = model::find(conn, &id)? else {
                    return Ok(None);
                };
                Ok(model::still_shown(conn, &row, audience)?.then_some(row))
            }
        })
        .await?
        .ok_or_else(|| ApiError::not_found("photo"))?;
    let stream = state
        .photos
        .store
        .get(&id, variant)
        .await?
        .ok_or_else(|| ApiError::not_found("photo"))?;
    let left = (link.expires - now.and_utc().timestamp()).max(0);
    Ok(HttpResponse::Ok()
        .content_type(row.content_type)
        .insert_header((header::CACHE_CONTROL, format!("private, max-age={left}")))
        .insert_header((header::CONTENT_DISPOSITION, "inline"))
        .streaming(stream))
}

/// Photos of one's own request, with fresh links.
///
/// The photos the customer uploaded with the request (`photo_ids`), in their order; links work
/// for `PHOTO_LINK_TTL_SECS`. 404 for a request that is not the caller's.
#[utoipa::path(
    tag = "requests",
    params(("id" = String, Path, description = "The request's id")),
    responses((status = 200, description = "The photos", body = Vec<Photo>)),
    security(("bearer" = []), ("api_key" = ["requests:read"])),
)]
#[get("/requests/{id}/photos")]
pub async fn request_photos(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<Photo>>> {
    customer.require_scope(Scope::RequestsRead)?;
    let (customer_id, views) = (customer.0.user_id, state.photos.views(state.clock.now()));
    let photos = state
        .db(move |conn| {
            crate::requests::intake::find_own(conn, &customer_id, &id)?;
            views.of_one(conn, AttachedTo::Request, &id)
        })
        .await?;
    Ok(web::Json(photos))
}

/// Photos of a lead's request, with fresh links.
///
/// What the customer showed of the work (`Lead.photo_count` says how many); for the pro the lead
/// was offered to, whatever has become of the offer. The photos carry nothing that locates the
/// home: every upload is re-encoded without its metadata. 404 for another pro's lead.
#[utoipa::path(
    tag = "leads",
    params(("id" = String, Path, description = "The lead's (offer's) id")),
    responses((status = 200, description = "The photos", body = Vec<Photo>)),
    security(("bearer" = []), ("api_key" = ["leads:read"])),
)]
#[get("/leads/{id}/photos")]
pub async fn lead_photos(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<Photo>>> {
    partner.require_scope(Scope::LeadsRead)?;
    let (partner_id, views) = (partner.0.user_id, state.photos.views(state.clock.now()));
    let photos = state
        .db(move |conn| {
            let request_id = crate::requests::leads::request_of(conn, &partner_id, &id)?;
            views.of_one(conn, AttachedTo::Request, &request_id)
        })
        .await?;
    Ok(web::Json(photos))
}

/// A job's photos, with fresh links.
///
/// The pro's photos of the finished work (`completion`) and the customer's of what is wrong
/// (`dispute`), in their order; for the job's customer and pro. 404 for anyone else's job.
#[utoipa::path(
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The photos", body = JobPhotos)),
    security(("bearer" = []), ("api_key" = ["jobs:read"])),
)]
#[get("/jobs/{id}/photos")]
pub async fn job_photos(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<JobPhotos>> {
    user.require_scope(Scope::JobsRead)?;
    let actor = Actor::new(user.0.user_id.clone(), user.0.role);
    let views = state.photos.views(state.clock.now());
    let photos = state
        .db(move |conn| {
            crate::jobs::model::find_for(conn, &id, &actor)?;
            of_job(conn, &views, &id)
        })
        .await?;
    Ok(web::Json(photos))
}

/// A job's photos, for staff weighing a dispute.
///
/// The same as `GET /v1/jobs/{id}/photos`, for any job; the links are staff's.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The photos", body = JobPhotos)),
    security(("bearer" = [])),
)]
#[get("/admin/jobs/{id}/photos")]
pub async fn admin_job_photos(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<JobPhotos>> {
    staff.require_session()?;
    let views = PhotoViews::for_staff(&state.photos.links, state.clock.now());
    let photos = state
        .db(move |conn| {
            crate::jobs::model::find(conn, &id)?;
            of_job(conn, &views, &id)
        })
        .await?;
    Ok(web::Json(photos))
}

fn of_job(
    conn: &mut crate::db::DbConnection,
    views: &PhotoViews,
    job_id: &str,
) -> ApiResult<JobPhotos> {
    Ok(JobPhotos {
        completion: views.of_one(conn, AttachedTo::Completion, job_id)?,
        dispute: views.of_one(conn, AttachedTo::Dispute, job_id)?,
    })
}

/// A pro's portfolio: photos of past work, for anyone.
///
/// In the order the pro added them, each with its caption; links work for
/// `PHOTO_LINK_TTL_SECS`. 404 for an account that is not an active pro.
#[utoipa::path(
    tag = "partners",
    params(("id" = String, Path, description = "The pro's id")),
    responses((status = 200, description = "The portfolio", body = Vec<Photo>)),
)]
#[get("/partners/{id}/portfolio")]
pub async fn portfolio(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Vec<Photo>>> {
    let views = state.photos.views(state.clock.now());
    let photos = state
        .db(move |conn| {
            crate::partners::profiles::find_public(conn, &id)?;
            views.of_one(conn, AttachedTo::Portfolio, &id)
        })
        .await?;
    Ok(web::Json(photos))
}

/// Add a photo of past work to one's portfolio.
///
/// The photo must be one the pro uploaded and has not attached to anything; it goes last. At
/// most 30 photos (409 `conflict` beyond). Answers the whole portfolio.
#[utoipa::path(
    tag = "partners",
    request_body = PortfolioPhotoInput,
    responses(
        (status = 201, description = "The portfolio", body = Vec<Photo>),
        (status = 409, description = "`conflict`: the portfolio is full",
            body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["profile:write"])),
)]
#[post("/partners/me/portfolio")]
pub async fn add_portfolio_photo(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    body: ValidatedJson<PortfolioPhotoInput>,
) -> ApiResult<HttpResponse> {
    partner.require_scope(Scope::ProfileWrite)?;
    let (partner_id, now) = (partner.0.user_id, state.clock.now());
    let views = state.photos.views(now);
    let photos = state
        .write(move |conn| {
            model::add_to_portfolio(conn, &partner_id, &body.0, now)?;
            views.of_one(conn, AttachedTo::Portfolio, &partner_id)
        })
        .await?;
    Ok(HttpResponse::Created().json(photos))
}

/// Remove a photo from one's portfolio.
///
/// The photo is deleted (its links stop working at once). 404 for a photo not in the caller's
/// portfolio.
#[utoipa::path(
    tag = "partners",
    params(("id" = String, Path, description = "The photo's id")),
    responses((status = 204, description = "Removed")),
    security(("bearer" = []), ("api_key" = ["profile:write"])),
)]
#[delete("/partners/me/portfolio/{id}")]
pub async fn remove_portfolio_photo(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    photo_id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    partner.require_scope(Scope::ProfileWrite)?;
    let (partner_id, now) = (partner.0.user_id, state.clock.now());
    state
        .write(move |conn| model::remove_from_portfolio(conn, &partner_id, &photo_id, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
