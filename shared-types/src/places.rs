//! Places: addresses and postal codes turned into coordinates (and back), so that people type an
//! address or use their phone's location instead of latitude and longitude.

use serde::{Deserialize, Serialize};
use validator::Validate;

/// A place the address service found: an address, a postal area or a city, and its coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    /// One line to show, e.g. "100 Queen St W, Toronto, M5H 2N2".
    pub label: String,
    /// Street and number; `null` for a postal area or a city.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub street: Option<String>,
    /// The city (or town); `null` when the service does not know it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub city: Option<String>,
    /// The postal code, or the postal area's first three characters; `null` when unknown.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, upper case, e.g. `CA`.
    pub country: String,
    /// Latitude, in degrees.
    pub lat: f64,
    /// Longitude, in degrees.
    pub lon: f64,
}

/// `GET /v1/places`: what the person typed so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PlaceSearch {
    /// An address, a postal code or a city, as typed (3 to 200 characters).
    #[validate(
        length(min = 3, max = 200),
        custom(function = "crate::auth::not_blank")
    )]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 3, max_length = 200, pattern = r"[^\s\u0085]")
    )]
    pub q: String,
    /// ISO 3166-1 alpha-2 country to search in (default `CA`).
    #[validate(length(equal = 2))]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 2, max_length = 2, example = "CA")
    )]
    #[serde(default)]
    pub country: Option<String>,
}

/// `GET /v1/places/at`: a point, e.g. the phone's location.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PlaceAt {
    /// Latitude, in degrees.
    #[validate(range(min = -90.0, max = 90.0))]
    #[cfg_attr(feature = "openapi", param(minimum = -90.0, maximum = 90.0))]
    pub lat: f64,
    /// Longitude, in degrees.
    #[validate(range(min = -180.0, max = 180.0))]
    #[cfg_attr(feature = "openapi", param(minimum = -180.0, maximum = 180.0))]
    pub lon: f64,
}

/// The country searched when none is given.
pub const DEFAULT_COUNTRY: &str = "CA";
