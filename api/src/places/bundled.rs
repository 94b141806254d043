//! The offline fallback: the centres of Toronto's and Vancouver's postal areas (the first three
//! characters of a Canadian postal code, e.g. `M4C`) and of the two cities, from
//! `postal_areas.csv`. Good to about a kilometre, which is what matching needs; it knows no
//! streets. Used when `GEOCODER_URL` is not set, so that `cargo run` works without a network.

use futures_util::future::BoxFuture;
use serde::Deserialize;
use shared_types::places::Place;

use super::{AddressQuery, GeocodeError, Geocoder};
use crate::partners::geo::{self, Point};

/// What the table covers, for the log and the docs.
pub const COVERAGE: &str = "Toronto and Vancouver";

/// The cities, by their centre (city hall).
const CITIES: &[(&str, f64, f64)] = &[
    ("Toronto", 43.6532, -79.3832),
    ("Vancouver", 49.2827, -123.1207),
];

/// How far from a point the nearest postal area's centre may be for the point to be "in" it.
const REVERSE_RADIUS_KM: f64 = 6.0;
/// How many suggestions a search returns.
const SUGGESTIONS: usize = 5;

#[derive(Debug, Clone, Deserialize)]
struct PostalArea {
    postal_area: String,
    neighbourhood: String,
    city: String,
    lat: f64,
    lon: f64,
}

impl PostalArea {
    fn place(&self) -> Place {
        Place {
            label: format!(
                "{}, {}, {}",
                self.postal_area, self.neighbourhood, self.city
            ),
            street: None,
            city: Some(self.city.clone()),
            postal_code: Some(self.postal_area.clone()),
            country: "CA".to_owned(),
            lat: self.lat,
            lon: self.lon,
        }
    }
}

pub struct PostalAreas {
    areas: Vec<PostalArea>,
}

impl PostalAreas {
    /// Reads the bundled table (checked by a test, so it cannot fail at run time).
    pub fn load() -> Self {
        let mut reader = csv::Reader::from_reader(include_str!("postal_areas.csv").as_bytes());
        let areas = reader.deserialize().filter_map(Result::ok).collect();
        Self { areas }
    }

    fn area(&self, code: &str) -> Option<&PostalArea> {
        self.areas.iter().find(|area| area.postal_area == code)
    }

    fn city(name: &str) -> Option<Place> {
        let name = name.trim();
        CITIES
            .iter()
            .find(|(city, _, _)| city.eq_ignore_ascii_case(name))
            .map(|&(city, lat, lon)| city_place(city, lat, lon))
    }

    /// Free text to places: a postal area named in it first, then a city being typed, the
    /// neighbourhoods it names (closest names first), and a city it names.
    fn find(&self, text: &str) -> Vec<Place> {
        let wanted = text.trim().to_lowercase();
        let words: Vec<&str> = wanted
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|word| word.len() >= 3)
            .collect();
        let mut found: Vec<Place> = postal_area_in(text)
            .and_then(|code| self.area(&code))
            .map(PostalArea::place)
            .into_iter()
            .collect();
        let cities = |keep: &dyn Fn(&str) -> bool| {
            CITIES
                .iter()
                .filter(|(city, _, _)| keep(&city.to_lowercase()))
                .map(|&(city, lat, lon)| city_place(city, lat, lon))
                .collect::<Vec<_>>()
        };
        found.extend(cities(&|city| city.starts_with(&wanted)));
        let mut neighbourhoods: Vec<&PostalArea> = self
            .areas
            .iter()
            .filter(|area| {
                let name = area.neighbourhood.to_lowercase();
                name.contains(&wanted)
                    || (words.iter().any(|word| name.contains(word))
                        && words.iter().all(|word| {
                            name.contains(word) || area.city.eq_ignore_ascii_case(word)
                        }))
            })
            .collect();
        neighbourhoods.sort_by_key(|area| area.neighbourhood.len());
        found.extend(neighbourhoods.into_iter().map(PostalArea::place));
        found.extend(cities(&|city| wanted.contains(city)));
        let mut seen = std::collections::HashSet::new();
        found.retain(|place| seen.insert(place.label.clone()));
        found.truncate(SUGGESTIONS);
        found
    }
}

fn city_place(city: &str, lat: f64, lon: f64) -> Place {
    Place {
        label: city.to_owned(),
        street: None,
        city: Some(city.to_owned()),
        postal_code: None,
        country: "CA".to_owned(),
        lat,
        lon,
    }
}

/// The Canadian postal area (letter, digit, letter) a text names, upper case: `m4c 1b5` and
/// `Toronto, M4C` both give `M4C`.
pub fn postal_area_in(text: &str) -> Option<String> {
    let upper = text.to_uppercase();
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find_map(|word| {
            let bytes = word.as_bytes();
            let area = bytes.len() >= 3
                && bytes[0].is_ascii_alphabetic()
                && bytes[1].is_ascii_digit()
                && bytes[2].is_ascii_alphabetic();
            let rest_is_local = match bytes.len() {
                3 => true,
                6 => {
                    bytes[3].is_ascii_digit()
                        && bytes[4].is_ascii_alphabetic()
                        && bytes[5].is_ascii_digit()
                }
                _ => false,
            };
            (area && rest_is_local).then(|| word[..3].to_owned())
        })
}

impl Geocoder for PostalAreas {
    fn search<'a>(
        &'a self,
        text: &'a str,
        country: &'a str,
    ) -> BoxFuture<'a, Result<Vec<Place>, GeocodeError>> {
        let found = if country.eq_ignore_ascii_case("CA") {
            self.find(text)
        } else {
            Vec::new()
        };
        Box::pin(async move { Ok(found) })
    }

    fn locate<'a>(
        &'a self,
        address: &'a AddressQuery,
    ) -> BoxFuture<'a, Result<Option<Place>, GeocodeError>> {
        let found = if address.country.eq_ignore_ascii_case("CA") {
            postal_area_in(&address.postal_code)
                .and_then(|code| self.area(&code))
                .map(PostalArea::place)
                .or_else(|| Self::city(&address.city))
        } else {
            None
        };
        Box::pin(async move { Ok(found) })
    }

    fn reverse(&self, point: Point) -> BoxFuture<'_, Result<Option<Place>, GeocodeError>> {
        let nearest = self
            .areas
            .iter()
            .map(|area| {
                let centre = Point {
                    lat: area.lat,
                    lon: area.lon,
                };
                (geo::distance_km(point, centre), area)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .filter(|(distance, _)| *distance <= REVERSE_RADIUS_KM)
            .map(|(_, area)| area.place());
        Box::pin(async move { Ok(nearest) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_reads_whole_and_every_area_is_in_its_city() {
        let table = PostalAreas::load();
        let lines = include_str!("postal_areas.csv").lines().count() - 1;
        assert_eq!(table.areas.len(), lines, "every row parses");
        for area in &table.areas {
            let (_, lat, lon) = CITIES
                .iter()
                .find(|(city, _, _)| *city == area.city)
                .expect("a known city");
            let distance = geo::distance_km(
                Point {
                    lat: *lat,
                    lon: *lon,
                },
                Point {
                    lat: area.lat,
                    lon: area.lon,
                },
            );
            assert!(
                distance < 40.0,
                "{} is {distance} km from {}",
                area.postal_area,
                area.city
            );
            assert_eq!(
                postal_area_in(&area.postal_area).as_deref(),
                Some(area.postal_area.as_str())
            );
        }
    }

    #[test]
    fn postal_areas_are_read_from_how_people_write_them() {
        assert_eq!(postal_area_in("m4c 1b5").as_deref(), Some("M4C"));
        assert_eq!(postal_area_in("M4C1B5").as_deref(), Some("M4C"));
        assert_eq!(postal_area_in("Toronto, M4C").as_deref(), Some("M4C"));
        assert_eq!(
            postal_area_in("12 Main St, V6K 2G4").as_deref(),
            Some("V6K")
        );
        assert_eq!(postal_area_in("Toronto"), None);
        assert_eq!(postal_area_in("90210"), None);
        assert_eq!(
            postal_area_in("M4C 1B").as_deref(),
            Some("M4C"),
            "while typing"
        );
        assert_eq!(postal_area_in("M4 1B5"), None);
        assert_eq!(postal_area_in("M4CC1B5"), None);
    }

    #[test]
    fn searches_find_areas_neighbourhoods_and_cities() {
        let table = PostalAreas::load();
        let first = |text: &str| table.find(text).first().map(|place| place.label.clone());
        assert_eq!(
            first("M4C 1B5").as_deref(),
            Some("M4C, Woodbine Heights, Toronto")
        );
        assert_eq!(first("vancouver").as_deref(), Some("Vancouver"));
        assert_eq!(first("tor").as_deref(), Some("Toronto"));
        assert_eq!(
            first("Leslieville").as_deref(),
            Some("M4M, Leslieville / Studio District, Toronto")
        );
        assert_eq!(
            first("kitsilano vancouver").as_deref(),
            Some("V6K, Kitsilano, Vancouver")
        );
        assert!(table.find("Springfield").is_empty());
        assert!(table.find("toronto").len() <= SUGGESTIONS);
    }
}
