//! Places: addresses, postal codes and cities turned into coordinates (and points back into
//! addresses), behind one trait. A Nominatim-compatible service when `GEOCODER_URL` is set, else a
//! bundled table of postal-area centres that needs no network.
//!
//! The API places what people type: a request's address without `lat`/`lon`, a pro's service
//! area given as a `place`. The app asks `GET /v1/places` for suggestions while the person types,
//! and `GET /v1/places/at` for the address at the phone's location.

pub mod bundled;
mod handlers;
pub mod nominatim;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use shared_types::ErrorCode;
use shared_types::partners::{ServiceArea, ServiceAreaInput};
use shared_types::places::Place;
use shared_types::requests::{Address, AddressInput};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};
use crate::partners::geo::Point;

pub const DEFAULT_USER_AGENT: &str = "Porchlight/0.1 (home-services marketplace)";

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::search_places)
        .service(handlers::place_at);
}

/// Why the address service gave no answer.
#[derive(Debug, thiserror::Error)]
#[error("the address service is unavailable: {0}")]
pub struct GeocodeError(pub String);

impl From<GeocodeError> for ApiError {
    fn from(error: GeocodeError) -> Self {
        tracing::warn!(error = %error.0, "address service unavailable");
        ApiError::new(
            ErrorCode::ServiceUnavailable,
            "the address service is unavailable; retry shortly, or send lat and lon",
        )
    }
}

/// An address as a person gives it, to be found on the map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AddressQuery {
    pub street: String,
    pub city: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
}

/// Finds places. Answers are best first; an empty list (or `None`) means "no such place", an
/// error that the service could not be asked.
pub trait Geocoder: Send + Sync {
    /// Places matching free text (an address, a postal code, a city) in `country`.
    fn search<'a>(
        &'a self,
        text: &'a str,
        country: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Place>, GeocodeError>>;

    /// The place of an address given field by field.
    fn locate<'a>(
        &'a self,
        address: &'a AddressQuery,
    ) -> BoxFuture<'a, Result<Option<Place>, GeocodeError>>;

    /// The address nearest a point.
    fn reverse(&self, point: Point) -> BoxFuture<'_, Result<Option<Place>, GeocodeError>>;
}

/// The geocoder the settings ask for, with answers remembered for a day (the same address is
/// typed and submitted again and again; public Nominatim services ask their users to cache).
pub fn geocoder(settings: &Settings) -> Arc<dyn Geocoder> {
    let Some(url) = &settings.geocoder_url else {
        tracing::info!(
            "GEOCODER_URL is not set: addresses placed from the bundled postal areas ({})",
            bundled::COVERAGE
        );
        return Arc::new(bundled::PostalAreas::load());
    };
    tracing::info!("addresses placed by the Nominatim service at {url}");
    Arc::new(Cached::new(nominatim::Nominatim::new(
        url,
        &settings.geocoder_user_agent,
    )))
}

/// The request's address with coordinates: as sent, or found from the address.
pub async fn locate_address(geocoder: &dyn Geocoder, input: &AddressInput) -> ApiResult<Address> {
    if let (Some(lat), Some(lon)) = (input.lat, input.lon) {
        return Ok(input.located(lat, lon));
    }
    let query = AddressQuery {
        street: input.street.trim().to_owned(),
        city: input.city.trim().to_owned(),
        postal_code: input.postal_code.trim().to_owned(),
        country: input.country.trim().to_uppercase(),
    };
    match geocoder.locate(&query).await? {
        Some(place) => Ok(input.located(place.lat, place.lon)),
        None => Err(ApiError::invalid_field(
            "address",
            "we could not find this address on the map; check the street, city and postal code",
        )),
    }
}

/// A pro's service area with its centre: as sent, or found from `place`.
pub async fn locate_area(
    geocoder: &dyn Geocoder,
    input: &ServiceAreaInput,
) -> ApiResult<ServiceArea> {
    let place = input.place.as_deref().map(str::trim);
    let (city, lat, lon) = match (place, input.lat, input.lon) {
        (None, Some(lat), Some(lon)) => (input.city.clone().unwrap_or_default(), lat, lon),
        (Some(text), _, _) => {
            let found = geocoder
                .search(text, shared_types::places::DEFAULT_COUNTRY)
                .await?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "service_area.place",
                        "we could not find this place on the map; try a postal code",
                    )
                })?;
            // Never the typed text itself: it may be the pro's home address, and the city is
            // public.
            let city = input.city.clone().or(found.city).ok_or_else(|| {
                ApiError::invalid_field(
                    "service_area.city",
                    "we could not tell the city of this place; give the city to show on your \
                     profile",
                )
            })?;
            (city, found.lat, found.lon)
        }
        // Ruled out by the input's validation.
        _ => {
            return Err(ApiError::invalid_field(
                "service_area.place",
                "give a place (an address or a postal code)",
            ));
        }
    };
    Ok(ServiceArea {
        city: city.trim().to_owned(),
        place: place.map(str::to_owned),
        lat,
        lon,
        radius_km: input.radius_km,
    })
}

/// How long a remembered answer is used.
const CACHE_TTL: Duration = Duration::from_hours(24);
/// How many answers are remembered; the oldest half is dropped when full.
const CACHE_CAPACITY: usize = 2000;

/// Remembers another geocoder's answers (not its failures) for [`CACHE_TTL`].
pub struct Cached<G> {
    inner: G,
    answers: Mutex<HashMap<String, (Instant, Vec<Place>)>>,
}

impl<G: Geocoder> Cached<G> {
    pub fn new(inner: G) -> Self {
        Self {
            inner,
            answers: Mutex::new(HashMap::new()),
        }
    }

    fn recall(&self, key: &str) -> Option<Vec<Place>> {
        let answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers
            .get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, places)| places.clone())
    }

    fn remember(&self, key: String, places: &[Place]) {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if answers.len() >= CACHE_CAPACITY {
            let mut ages: Vec<Instant> = answers.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            answers.retain(|_, (at, _)| *at > cutoff);
        }
        answers.insert(key, (Instant::now(), places.to_vec()));
    }

    /// The remembered answer for `key`, else `ask`'s (remembered when it came).
    async fn through(
        &self,
        key: String,
        ask: impl Future<Output = Result<Vec<Place>, GeocodeError>>,
    ) -> Result<Vec<Place>, GeocodeError> {
        if let Some(places) = self.recall(&key) {
            return Ok(places);
        }
        let places = ask.await?;
        self.remember(key, &places);
        Ok(places)
    }
}

impl<G: Geocoder> Geocoder for Cached<G> {
    fn search<'a>(
        &'a self,
        text: &'a str,
        country: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Place>, GeocodeError>> {
        let key = format!("search\n{country}\n{}", text.trim().to_lowercase());
        Box::pin(self.through(key, self.inner.search(text, country)))
    }

    fn locate<'a>(
        &'a self,
        address: &'a AddressQuery,
    ) -> BoxFuture<'a, Result<Option<Place>, GeocodeError>> {
        let key = format!(
            "locate\n{}\n{}\n{}\n{}",
            address.street.to_lowercase(),
            address.city.to_lowercase(),
            address.postal_code.to_uppercase(),
            address.country
        );
        Box::pin(async move {
            let found = self
                .through(key, async {
                    Ok(self.inner.locate(address).await?.into_iter().collect())
                })
                .await?;
            Ok(found.into_iter().next())
        })
    }

    fn reverse(&self, point: Point) -> BoxFuture<'_, Result<Option<Place>, GeocodeError>> {
        // About 10 m: a phone's fix moves a little between two asks.
        let key = format!("reverse\n{:.4}\n{:.4}", point.lat, point.lon);
        Box::pin(async move {
            let found = self
                .through(key, async {
                    Ok(self.inner.reverse(point).await?.into_iter().collect())
                })
                .await?;
            Ok(found.into_iter().next())
        })
    }
}
