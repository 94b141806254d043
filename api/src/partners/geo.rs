//! Geometry of service areas: great-circle distance, bounding boxes and the grid cells that index
//! them. A search finds the one cell of its point, keeps the partners whose box contains the
//! point, then checks the exact distance. (Areas that cross the antimeridian are clipped at it.)

use std::f64::consts::PI;

pub const EARTH_RADIUS_KM: f64 = 6371.0088;
const KM_PER_DEGREE: f64 = EARTH_RADIUS_KM * PI / 180.0;
/// Side of a grid cell, in degrees. 0.5 degrees is ~55 km north-south: a 200 km area covers at
/// most a few hundred cells, and a city-sized one a handful.
pub const CELL_DEGREES: f64 = 0.5;
const CELL_COLUMNS: i64 = 1000;
/// Rows and columns of the grid (180 / 0.5 and 360 / 0.5).
const GRID_ROWS: i64 = 360;
const GRID_COLUMNS: i64 = 720;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

/// Great-circle distance (haversine).
pub fn distance_km(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
}

impl BoundingBox {
    pub fn contains(&self, p: Point) -> bool {
        (self.min_lat..=self.max_lat).contains(&p.lat)
            && (self.min_lon..=self.max_lon).contains(&p.lon)
    }
}

/// The smallest lat/lon box that holds the whole circle (a little larger: the longitude span is
/// taken at the box's most poleward latitude, where it is widest).
pub fn bounding_box(center: Point, radius_km: f64) -> BoundingBox {
    let dlat = radius_km / KM_PER_DEGREE;
    let min_lat = (center.lat - dlat).max(-90.0);
    let max_lat = (center.lat + dlat).min(90.0);
    let widest = min_lat.abs().max(max_lat.abs());
    let full = (-180.0, 180.0);
    let (min_lon, max_lon) = if widest >= 89.999 {
        full
    } else {
        let dlon = radius_km / (KM_PER_DEGREE * widest.to_radians().cos());
        if dlon >= 180.0 {
            full
        } else {
            (
                (center.lon - dlon).max(-180.0),
                (center.lon + dlon).min(180.0),
            )
        }
    };
    BoundingBox {
        min_lat,
        max_lat,
        min_lon,
        max_lon,
    }
}

fn row_of(lat: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation, reason = "0..=360 after clamping")]
    let row = ((lat + 90.0) / CELL_DEGREES).floor() as i64;
    row.clamp(0, GRID_ROWS - 1)
}

fn column_of(lon: f64) -> i64 {
    #[allow(clippy::cast_possible_truncation, reason = "0..=720 after clamping")]
    let column = ((lon + 180.0) / CELL_DEGREES).floor() as i64;
    column.clamp(0, GRID_COLUMNS - 1)
}

/// The grid cell a point lies in.
pub fn cell_of(p: Point) -> i64 {
    row_of(p.lat) * CELL_COLUMNS + column_of(p.lon)
}

/// Every grid cell a box overlaps.
pub fn cells_covering(bbox: &BoundingBox) -> Vec<i64> {
    let rows = row_of(bbox.min_lat)..=row_of(bbox.max_lat);
    let columns = column_of(bbox.min_lon)..=column_of(bbox.max_lon);
    rows.flat_map(|row| {
        columns
            .clone()
            .map(move |column| row * CELL_COLUMNS + column)
    })
    .collect()
}

/// Rounds a coordinate to about a kilometre, for what the public may see of a centre.
pub fn round_for_public(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const TORONTO: Point = Point {
        lat: 43.6532,
        lon: -79.3832,
    };

    #[test]
    fn distances_match_known_values() {
        let montreal = Point {
            lat: 45.5019,
            lon: -73.5674,
        };
        let d = distance_km(TORONTO, montreal);
        assert!((d - 504.0).abs() < 5.0, "{d}");
        assert!(distance_km(TORONTO, TORONTO).abs() < 1e-9);
    }

    #[test]
    fn the_box_holds_the_circle_and_its_point_cells_are_covered() {
        for radius in [1.0, 25.0, 200.0] {
            let bbox = bounding_box(TORONTO, radius);
            let cells = cells_covering(&bbox);
            for step in 0..360 {
                let bearing = f64::from(step).to_radians();
                // A point on the circle, a hair inside.
                let d = (radius * 0.999) / EARTH_RADIUS_KM;
                let lat1 = TORONTO.lat.to_radians();
                let lon1 = TORONTO.lon.to_radians();
                let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * bearing.cos()).asin();
                let lon2 = lon1
                    + (bearing.sin() * d.sin() * lat1.cos())
                        .atan2(d.cos() - lat1.sin() * lat2.sin());
                let p = Point {
                    lat: lat2.to_degrees(),
                    lon: lon2.to_degrees(),
                };
                assert!(distance_km(TORONTO, p) <= radius);
                assert!(bbox.contains(p), "radius {radius}, bearing {step}");
                assert!(
                    cells.contains(&cell_of(p)),
                    "radius {radius}, bearing {step}"
                );
            }
        }
    }

    #[test]
    fn boxes_near_the_poles_span_every_longitude() {
        let bbox = bounding_box(
            Point {
                lat: 89.5,
                lon: 10.0,
            },
            100.0,
        );
        assert!(bbox.min_lon <= -180.0 && bbox.max_lon >= 180.0);
        assert!((bbox.max_lat - 90.0).abs() < f64::EPSILON);
    }

    #[test]
    fn public_coordinates_are_rounded() {
        assert!((round_for_public(43.653_21) - 43.65).abs() < 1e-9);
        assert!((round_for_public(-79.386_9) - -79.39).abs() < 1e-9);
    }
}
