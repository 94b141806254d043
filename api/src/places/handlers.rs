//! HTTP handlers of places.

use actix_web::{get, web};
use shared_types::places::{DEFAULT_COUNTRY, Place, PlaceAt, PlaceSearch};
use shared_types::{ErrorCode, Page, ProblemDetails};

use crate::error::{ApiError, ApiResult};
use crate::extract::ValidatedQuery;
use crate::partners::geo::Point;
use crate::state::AppState;

/// Suggest places for what a person typed.
///
/// Up to 5 addresses, postal areas or cities matching `q` in `country` (default `CA`), best
/// first, for an address field's suggestions; each with the coordinates a request or a search
/// can use. Needs no sign-in. One page: `next_cursor` is always `null`. 503
/// `service_unavailable` when the address service cannot be reached.
#[utoipa::path(
    tag = "places",
    params(PlaceSearch),
    responses(
        (status = 200, description = "Matching places, best first", body = Page<Place>),
        (status = 503, description = "`service_unavailable`: the database or the address service is unavailable; retry",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/places")]
pub async fn search_places(
    state: web::Data<AppState>,
    query: ValidatedQuery<PlaceSearch>,
) -> ApiResult<web::Json<Page<Place>>> {
    let country = query
        .0
        .country
        .as_deref()
        .unwrap_or(DEFAULT_COUNTRY)
        .to_uppercase();
    let items = state.geocoder.search(query.0.q.trim(), &country).await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// The address at a point.
///
/// For a phone's location: the nearest known address (or postal area) to `lat`/`lon`. Needs no
/// sign-in. 404 `not_found` where the address service knows no place near the point.
#[utoipa::path(
    tag = "places",
    params(PlaceAt),
    responses(
        (status = 200, description = "The place at the point", body = Place),
        (status = 404, description = "`not_found`: no place is known near the point",
            body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "`service_unavailable`: the database or the address service is unavailable; retry",
            body = ProblemDetails, content_type = "application/problem+json"),
    ),
)]
#[get("/places/at")]
pub async fn place_at(
    state: web::Data<AppState>,
    query: ValidatedQuery<PlaceAt>,
) -> ApiResult<web::Json<Place>> {
    let point = Point {
        lat: query.0.lat,
        lon: query.0.lon,
    };
    let place =
        state.geocoder.reverse(point).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::NotFound, "no place is known near this point")
        })?;
    Ok(web::Json(place))
}
