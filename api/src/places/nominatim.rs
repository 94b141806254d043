//! A Nominatim-compatible address service over reqwest (OpenStreetMap's Nominatim, a self-hosted
//! one, or a provider speaking its API):
//! - `GET {base}/search?q=…&countrycodes=ca&format=jsonv2&addressdetails=1&limit=5`, or the
//!   structured form with `street`, `city`, `postalcode` instead of `q`;
//! - `GET {base}/reverse?lat=…&lon=…&format=jsonv2&addressdetails=1`, which answers
//!   `{"error": "Unable to geocode"}` (still 200) where nothing is known.
//!
//! Each place carries `lat`/`lon` as strings and an `address` object (`house_number`, `road`,
//! `city` or `town` or `village`, `postcode`, `country_code`). Every call sends the configured
//! User-Agent: Nominatim's usage policy asks each application to identify itself. The public
//! openstreetmap.org service forbids searching as people type; point `GEOCODER_URL` at a service
//! that allows it.

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use shared_types::places::Place;

use super::{AddressQuery, GeocodeError, Geocoder};
use crate::partners::geo::Point;

/// How many suggestions one search returns.
const SUGGESTIONS: &str = "5";

pub struct Nominatim {
    http: reqwest::Client,
    base_url: String,
}

impl Nominatim {
    pub fn new(base_url: &str, user_agent: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .user_agent(user_agent)
            .build()
            .unwrap_or_default();
        Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, GeocodeError> {
        let response = self
            .http
            .get(format!("{}{path}", self.base_url))
            .query(&[("format", "jsonv2"), ("addressdetails", "1")])
            .query(query)
            .send()
            .await
            .map_err(|error| GeocodeError(error.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(GeocodeError(format!("{path} answered {status}")));
        }
        response
            .json()
            .await
            .map_err(|error| GeocodeError(format!("{path} answered an unreadable body: {error}")))
    }

    async fn search_with(&self, query: &[(&str, &str)]) -> Result<Vec<Place>, GeocodeError> {
        let found: Vec<Found> = self.get("/search", query).await?;
        Ok(found.into_iter().filter_map(Found::into_place).collect())
    }
}

/// One place as Nominatim describes it.
#[derive(Debug, Deserialize)]
struct Found {
    lat: String,
    lon: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    address: FoundAddress,
}

#[derive(Debug, Default, Deserialize)]
struct FoundAddress {
    house_number: Option<String>,
    road: Option<String>,
    city: Option<String>,
    town: Option<String>,
    village: Option<String>,
    municipality: Option<String>,
    postcode: Option<String>,
    country_code: Option<String>,
}

/// `/reverse` answers a place, or an error object where nothing is known.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Reversed {
    Found(Box<Found>),
    Nothing {
        #[allow(dead_code, reason = "read to tell the two shapes apart")]
        error: String,
    },
}

impl Found {
    fn into_place(self) -> Option<Place> {
        let lat = self.lat.parse::<f64>().ok()?;
        let lon = self.lon.parse::<f64>().ok()?;
        let a = self.address;
        let street = match (a.house_number, a.road) {
            (Some(number), Some(road)) => Some(format!("{number} {road}")),
            (None, Some(road)) => Some(road),
            _ => None,
        };
        let city = a.city.or(a.town).or(a.village).or(a.municipality);
        let label = {
            let parts: Vec<&str> = [street.as_deref(), city.as_deref(), a.postcode.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            if parts.len() >= 2 {
                parts.join(", ")
            } else {
                self.display_name
            }
        };
        Some(Place {
            label,
            street,
            city,
            postal_code: a.postcode,
            country: a.country_code.unwrap_or_default().to_uppercase(),
            lat,
            lon,
        })
    }
}

impl Geocoder for Nominatim {
    fn search<'a>(
        &'a self,
        text: &'a str,
        country: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Place>, GeocodeError>> {
        let country = country.to_lowercase();
        Box::pin(async move {
            self.search_with(&[
                ("q", text.trim()),
                ("countrycodes", &country),
                ("limit", SUGGESTIONS),
            ])
            .await
        })
    }

    fn locate<'a>(
        &'a self,
        address: &'a AddressQuery,
    ) -> BoxFuture<'a, Result<Option<Place>, GeocodeError>> {
        let country = address.country.to_lowercase();
        Box::pin(async move {
            let exact = self
                .search_with(&[
                    ("street", &address.street),
                    ("city", &address.city),
                    ("postalcode", &address.postal_code),
                    ("countrycodes", &country),
                    ("limit", "1"),
                ])
                .await?;
            if let Some(place) = exact.into_iter().next() {
                return Ok(Some(place));
            }
            // Many streets are mapped without postal codes, and many postal codes without
            // streets: the street in its city, then the postal code alone.
            let in_city = self
                .search_with(&[
                    ("street", &address.street),
                    ("city", &address.city),
                    ("countrycodes", &country),
                    ("limit", "1"),
                ])
                .await?;
            if let Some(place) = in_city.into_iter().next() {
                return Ok(Some(place));
            }
            let by_postal_code = self
                .search_with(&[
                    ("postalcode", &address.postal_code),
                    ("countrycodes", &country),
                    ("limit", "1"),
                ])
                .await?;
            Ok(by_postal_code.into_iter().next())
        })
    }

    fn reverse(&self, point: Point) -> BoxFuture<'_, Result<Option<Place>, GeocodeError>> {
        Box::pin(async move {
            let (lat, lon) = (point.lat.to_string(), point.lon.to_string());
            let reversed: Reversed = self
                .get("/reverse", &[("lat", &lat), ("lon", &lon)])
                .await?;
            Ok(match reversed {
                Reversed::Found(found) => found.into_place(),
                Reversed::Nothing { .. } => None,
            })
        })
    }
}
