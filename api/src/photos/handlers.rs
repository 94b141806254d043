use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use shared_types::auth::Scope;
use shared_types::photos::Photo;

use super::links::Audience;
use super::model;
use super::store::Variant;
use super::upload;
use crate::auth::extract::{RequireRole, roles};
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidatedQuery;
use crate::state::AppState;

/// Upload a photo.
///
/// The body is the image file itself (JPEG, PNG or WebP, at most `MAX_UPLOAD_BYTES`, 15 MiB by
/// default, and 50 megapixels); its type is read from the bytes, whatever `Content-Type` says.
/// The photo is turned upright, shrunk to 2560 pixels on its longer side and re-encoded (JPEG, or
/// PNG when it has transparency), which drops all of its metadata, GPS position included; a
/// 400-pixel thumbnail is made. It is the uploader's, attached to nothing, until it is given in
/// `photo_ids` of a request, a message, a completion or a dispute, or added to the portfolio;
/// one still unattached after a day is deleted. 413 `payload_too_large` for a larger file,
/// 415 `unsupported_media_type` for a file that is not such an image, 422 for one that claims to
/// be and does not decode, or has too many pixels.
#[utoipa::path(
    tag = "photos",
    request_body(
        content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/webp"),
            (Vec<u8> = "application/octet-stream"),
        ),
        description = "The image file's bytes",
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
        ("variant" = String, Path, description = "`full` or `thumb`"),
        PhotoLink,
    ),
    responses(
        (status = 200, description = "The image", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
        )),
        (status = 400, description = "`invalid_signature`", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
        (status = 410, description = "`link_expired`", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
    ),
    security(()),
)]
#[get("/photos/{id}/{variant}")]
pub async fn fetch_photo(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    link: ValidatedQuery<PhotoLink>,
) -> ApiResult<HttpResponse> {
    let (id, variant) = path.into_inner();
    let variant = Variant::parse(&variant).ok_or_else(|| ApiError::not_found("photo"))?;
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
