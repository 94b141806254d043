//! Finding partners for a homeowner: active partners serving a category whose service area covers
//! a point, best first (Star Score, then distance). Candidates come from the grid cell index and
//! the bounding boxes; the exact distance decides.

use diesel::dsl::{InnerJoin, IntoBoxed};
use diesel::prelude::*;
use shared_types::partners::{PartnerSearch, PartnerSearchHit, PartnerStatus};
use shared_types::{Page, PageParams};

use super::catalogue;
use super::geo::{self, Point};
use super::profiles::{self, PartnerRow};
use crate::db::schema::{partner_area_cells, partner_profiles, users};
use crate::db::{DbConnection, MultiBackend};
use crate::error::{ApiError, ApiResult};

/// A partner whose area covers the searched point: what ranking needs, nothing more.
#[derive(Debug, Clone)]
pub struct Covering {
    pub partner_id: String,
    pub distance_km: f64,
    pub star_score: Option<f64>,
}

/// The partners' area cells joined to their profiles, as the searches below filter them.
type AreaQuery =
    IntoBoxed<'static, InnerJoin<partner_area_cells::table, partner_profiles::table>, MultiBackend>;

/// Active partners with a confirmed email address serving `category_id`: what every search
/// starts from. A pro takes leads, and is found, once their email address is confirmed.
fn active_serving(category_id: &str) -> AreaQuery {
    partner_area_cells::table
        .inner_join(partner_profiles::table)
        .into_boxed()
        .filter(partner_area_cells::category_id.eq(category_id.to_owned()))
        .filter(partner_profiles::status.eq(PartnerStatus::Active.as_str()))
        .filter(
            partner_profiles::user_id.eq_any(
                users::table
                    .filter(users::email_verified_at.is_not_null())
                    .select(users::id),
            ),
        )
}

/// The indexed first cut of search and matching: active, confirmed partners serving `category_id` whose
/// service-area box contains `point` (callers add their own filters, select what they need,
/// then check the exact distance).
pub fn box_contains(category_id: &str, point: Point) -> AreaQuery {
    active_serving(category_id)
        .filter(partner_area_cells::cell.eq(geo::cell_of(point)))
        .filter(partner_profiles::min_lat.le(point.lat))
        .filter(partner_profiles::max_lat.ge(point.lat))
        .filter(partner_profiles::min_lon.le(point.lon))
        .filter(partner_profiles::max_lon.ge(point.lon))
}

/// As [`box_contains`], for a wider search: partners whose service-area box comes within
/// `extra_km` of `point` (callers check that the distance is at most radius + `extra_km`).
/// A partner can be listed once per cell of the search's box.
pub fn box_within(category_id: &str, point: Point, extra_km: f64) -> AreaQuery {
    let reach = geo::bounding_box(point, extra_km);
    active_serving(category_id)
        .filter(partner_area_cells::cell.eq_any(geo::cells_covering(&reach)))
        .filter(partner_profiles::min_lat.le(reach.max_lat))
        .filter(partner_profiles::max_lat.ge(reach.min_lat))
        .filter(partner_profiles::min_lon.le(reach.max_lon))
        .filter(partner_profiles::max_lon.ge(reach.min_lon))
}

/// Active partners serving `category_id` whose area contains `point`, with their distance.
pub fn partners_covering(
    conn: &mut DbConnection,
    category_id: &str,
    point: Point,
) -> ApiResult<Vec<Covering>> {
    let rows: Vec<(String, f64, f64, f64, Option<f64>)> = box_contains(category_id, point)
        .select((
            partner_profiles::user_id,
            partner_profiles::center_lat,
            partner_profiles::center_lon,
            partner_profiles::radius_km,
            partner_profiles::star_score,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(partner_id, lat, lon, radius_km, star_score)| {
            let distance_km = geo::distance_km(Point { lat, lon }, point);
            (distance_km <= radius_km).then_some(Covering {
                partner_id,
                distance_km,
                star_score,
            })
        })
        .collect())
}

/// The order of results, and what a cursor remembers: score (higher first, none last), then
/// distance, then id.
#[derive(Debug, Clone, PartialEq)]
struct Position {
    score: f64,
    distance_km: f64,
    id: String,
}

impl Position {
    fn of(candidate: &Covering) -> Self {
        Self {
            score: candidate.star_score.unwrap_or(-1.0),
            distance_km: candidate.distance_km,
            id: candidate.partner_id.clone(),
        }
    }

    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.distance_km.total_cmp(&other.distance_km))
            .then_with(|| self.id.cmp(&other.id))
    }

    fn encode(&self) -> String {
        format!("{}~{}~{}", self.score, self.distance_km, self.id)
    }

    fn decode(cursor: &str) -> Option<Self> {
        let mut parts = cursor.splitn(3, '~');
        Some(Self {
            score: parts.next()?.parse().ok()?,
            distance_km: parts.next()?.parse().ok()?,
            id: parts.next()?.to_owned(),
        })
    }
}

pub fn search(
    conn: &mut DbConnection,
    query: &PartnerSearch,
    page: &PageParams,
) -> ApiResult<Page<PartnerSearchHit>> {
    let category = catalogue::by_slug(conn, &query.category)?
        .filter(|category| category.active)
        .ok_or_else(|| ApiError::invalid_field("category", "unknown category"))?;
    let after = match &page.cursor {
        Some(cursor) => Some(
            Position::decode(cursor)
                .ok_or_else(|| ApiError::invalid_field("cursor", "not a cursor of this list"))?,
        ),
        None => None,
    };
    let point = Point {
        lat: query.lat,
        lon: query.lon,
    };
    let mut found: Vec<(Position, Covering)> = partners_covering(conn, &category.id, point)?
        .into_iter()
        .map(|candidate| (Position::of(&candidate), candidate))
        .filter(|(position, _)| {
            after
                .as_ref()
                .is_none_or(|after| position.cmp(after).is_gt())
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));

    let limit = page.limit() as usize;
    let next_cursor = (found.len() > limit).then(|| found[limit - 1].0.encode());
    found.truncate(limit);
    // Only the page's partners are loaded in full.
    let ids: Vec<String> = found.iter().map(|(_, c)| c.partner_id.clone()).collect();
    let mut rows: Vec<PartnerRow> = partner_profiles::table
        .filter(partner_profiles::user_id.eq_any(&ids))
        .select(PartnerRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|row| ids.iter().position(|id| *id == row.user_id));
    let partners = profiles::public_views(conn, &rows)?;
    Ok(Page {
        items: partners
            .into_iter()
            .zip(found)
            .map(|(partner, (_, candidate))| PartnerSearchHit {
                partner,
                distance_km: (candidate.distance_km * 1000.0).round() / 1000.0,
            })
            .collect(),
        next_cursor,
    })
}
