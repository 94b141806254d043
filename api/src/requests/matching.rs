//! Matching: which pros are offered a marketplace lead.
//!
//! Candidates are the active partners serving the category whose service area contains the
//! address (the same index as search), who accept leads, are Brand Builders, have a Star Score of
//! at least 80% — partners with too few ratings to have a score count as eligible, so new pros can
//! start — are available in at least one of the customer's windows, have not been offered this
//! request before, and are not the customer. They are ranked by distance in 5 km bands, then Star
//! Score (no score counts as 80), then their response rate over the last 30 days (answered offers
//! out of decided ones, smoothed so a newcomer starts at 50%), then exact distance; the best N get
//! an offer.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDateTime, SubsecRound};
use diesel::prelude::*;
use shared_types::events::EventData;
use shared_types::partners::MembershipTier;
use shared_types::requests::{OfferStatus, TimeWindow};

use super::cards;
use super::model::{OfferRow, RequestRow};
use crate::db::schema::{lead_offers, partner_profiles};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::ApiResult;
use crate::notify::outbox;
use crate::partners::availability;
use crate::partners::geo::{self, Point};
use crate::partners::search;

/// The lowest Star Score that still gets marketplace leads (002).
pub const MIN_STAR_SCORE: f64 = 80.0;
const DISTANCE_BAND_KM: f64 = 5.0;
const RESPONSE_WINDOW_DAYS: i64 = 30;

/// A partner who may get the lead, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub partner_id: String,
    pub distance_km: f64,
    pub star_score: Option<f64>,
    pub window: TimeWindow,
    pub response_rate: f64,
}

/// Best first (see the module docs).
pub fn rank(candidates: &mut [Candidate]) {
    let key = |c: &Candidate| {
        let band = (c.distance_km / DISTANCE_BAND_KM).floor();
        (
            band,
            -c.star_score.unwrap_or(MIN_STAR_SCORE),
            -c.response_rate,
            c.distance_km,
        )
    };
    candidates.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.total_cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
            .then(ka.3.total_cmp(&kb.3))
            .then_with(|| a.partner_id.cmp(&b.partner_id))
    });
}

/// A partner covering the address who passes the rules the database can check.
struct Covering {
    partner_id: String,
    distance_km: f64,
    star_score: Option<f64>,
    availability: String,
}

impl Covering {
    /// The part of the ranking known before response rates: distance band, then score.
    fn tier_key(&self) -> (f64, f64) {
        (
            (self.distance_km / DISTANCE_BAND_KM).floor(),
            -self.star_score.unwrap_or(MIN_STAR_SCORE),
        )
    }
}

/// The best `limit` candidates for `request` who have not had it yet.
///
/// The database applies the area, category, status, tier, accepting and score rules; the
/// candidates are then walked in ranking order and only as many hours are checked as it takes to
/// fill `limit` (plus everyone tied with the last one, whom response rates may reorder).
pub fn find_candidates(
    conn: &mut DbConnection,
    request: &RequestRow,
    limit: usize,
    now: NaiveDateTime,
) -> ApiResult<Vec<Candidate>> {
    let point = Point {
        lat: request.lat,
        lon: request.lon,
    };
    let already: HashSet<String> = lead_offers::table
        .filter(lead_offers::request_id.eq(&request.id))
        .select(lead_offers::partner_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    // A wider search also reaches pros whose area ends short of the address.
    let extra_km = request.extra_reach_km.max(0.0);
    let area = if extra_km > 0.0 {
        search::box_within(&request.category_id, point, extra_km)
    } else {
        search::box_contains(&request.category_id, point)
    };
    let rows: Vec<(String, f64, f64, f64, Option<f64>, String)> = area
        .filter(partner_profiles::accepting_leads.eq(true))
        .filter(partner_profiles::tier.eq(MembershipTier::BrandBuilder.as_str()))
        .filter(
            partner_profiles::star_score
                .is_null()
                .or(partner_profiles::star_score.ge(MIN_STAR_SCORE)),
        )
        .select((
            partner_profiles::user_id,
            partner_profiles::center_lat,
            partner_profiles::center_lon,
            partner_profiles::radius_km,
            partner_profiles::star_score,
            partner_profiles::availability,
        ))
        .load(conn)?;
    let mut seen = HashSet::new();
    let mut covering: Vec<Covering> = rows
        .into_iter()
        .filter(|(id, ..)| !already.contains(id) && *id != request.customer_id)
        .filter(|(id, ..)| seen.insert(id.clone()))
        .filter_map(
            |(partner_id, lat, lon, radius_km, star_score, availability)| {
                let distance_km = geo::distance_km(Point { lat, lon }, point);
                (distance_km <= radius_km + extra_km).then_some(Covering {
                    partner_id,
                    distance_km,
                    star_score,
                    availability,
                })
            },
        )
        .collect();
    covering.sort_by(|a, b| {
        let (ka, kb) = (a.tier_key(), b.tier_key());
        ka.0.total_cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
    });

    let windows = request.windows();
    let mut available: Vec<(Covering, TimeWindow)> = Vec::new();
    for partner in covering {
        if available.len() >= limit
            && available
                .last()
                .is_some_and(|(last, _)| last.tier_key() != partner.tier_key())
        {
            break;
        }
        let Some(schedule) = serde_json::from_str(&partner.availability)
            .ok()
            .and_then(|a| availability::Schedule::parse(&a))
        else {
            continue;
        };
        if let Some(window) = windows
            .iter()
            .find(|w| schedule.is_available(w.start, w.end))
        {
            available.push((partner, *window));
        }
    }
    let ids: Vec<String> = available
        .iter()
        .map(|(p, _)| p.partner_id.clone())
        .collect();
    let rates = response_rates(conn, &ids, now)?;
    let mut candidates: Vec<Candidate> = available
        .into_iter()
        .map(|(partner, window)| Candidate {
            response_rate: rates.get(&partner.partner_id).copied().unwrap_or(0.5),
            distance_km: partner.distance_km,
            star_score: partner.star_score,
            window,
            partner_id: partner.partner_id,
        })
        .collect();
    rank(&mut candidates);
    candidates.truncate(limit);
    Ok(candidates)
}

/// Answered offers out of decided ones in the last 30 days, smoothed: (answered + 1) / (n + 2).
/// An offer counts as answered when its pro confirmed (won or lost the race), applied or
/// declined, and as missed when it expired; one closed by someone else's win before its pro
/// answered, or withdrawn, says nothing about the pro and is not counted.
pub fn response_rates(
    conn: &mut DbConnection,
    partner_ids: &[String],
    now: NaiveDateTime,
) -> ApiResult<HashMap<String, f64>> {
    let since = now - Duration::days(RESPONSE_WINDOW_DAYS);
    let rows: Vec<(String, String, bool)> = lead_offers::table
        .filter(lead_offers::partner_id.eq_any(partner_ids))
        .filter(lead_offers::offered_at.ge(since))
        .filter(
            lead_offers::status
                .ne_all([Stored(OfferStatus::Offered), Stored(OfferStatus::Withdrawn)]),
        )
        .select((
            lead_offers::partner_id,
            lead_offers::status,
            lead_offers::responded_at.is_not_null(),
        ))
        .load(conn)?;
    let mut counts: HashMap<String, (u32, u32)> = HashMap::new();
    for (partner, status, responded) in rows {
        let answered = match status.as_str() {
            "accepted" | "applied" | "declined" => true,
            "taken" if responded => true,
            "taken" => continue,
            _ => false,
        };
        let entry = counts.entry(partner).or_default();
        entry.1 += 1;
        entry.0 += u32::from(answered);
    }
    Ok(counts
        .into_iter()
        .map(|(partner, (answered, decided))| {
            (partner, f64::from(answered + 1) / f64::from(decided + 2))
        })
        .collect())
}

/// Why a pro got an offer: distance, the window they are free in, their Star Score.
pub type OfferReason = (f64, Option<TimeWindow>, Option<f64>);

/// Writes one offer (and its notification) for `partner_id`.
pub fn create_offer(
    conn: &mut DbConnection,
    request: &RequestRow,
    partner_id: &str,
    reason: OfferReason,
    expires_at: NaiveDateTime,
    fee_bps: u32,
    now: NaiveDateTime,
) -> ApiResult<OfferRow> {
    let mut offers = create_offers(
        conn,
        request,
        vec![(partner_id.to_owned(), reason)],
        expires_at,
        fee_bps,
        now,
    )?;
    Ok(offers.remove(0))
}

/// Writes the offers of one round and their notifications, a few statements for the lot: a
/// round may reach hundreds of pros, and every millisecond the transaction lasts delays them
/// all.
pub fn create_offers(
    conn: &mut DbConnection,
    request: &RequestRow,
    partners: Vec<(String, OfferReason)>,
    expires_at: NaiveDateTime,
    fee_bps: u32,
    now: NaiveDateTime,
) -> ApiResult<Vec<OfferRow>> {
    let fee_bps = i32::try_from(fee_bps).unwrap_or(i32::MAX);
    let offers: Vec<OfferRow> = partners
        .into_iter()
        .map(|(partner_id, (distance_km, window, star_score))| OfferRow {
            id: db::new_id(),
            request_id: request.id.clone(),
            partner_id,
            status: OfferStatus::Offered,
            distance_km,
            window_start: window.map(|w| stored_time(w.start.naive_utc())),
            window_end: window.map(|w| stored_time(w.end.naive_utc())),
            star_score,
            offered_at: now,
            expires_at: stored_time(expires_at),
            responded_at: None,
            message: None,
            quote_cents: None,
            quote_currency: None,
            decline_reason: None,
            fee_bps,
        })
        .collect();
    // Well under PostgreSQL's 65 535 bind parameters per statement.
    for chunk in offers.chunks(1000) {
        crate::batch_insert!(conn, lead_offers::table, chunk.to_vec())?;
    }
    let recipients: Vec<String> = offers.iter().map(|o| o.partner_id.clone()).collect();
    let new_ids: Vec<String> = offers.iter().map(|o| o.id.clone()).collect();
    let leads = cards::store(conn, new_ids.clone())?;
    // The request's earlier offers now show one more pro asked.
    let earlier: Vec<String> = lead_offers::table
        .filter(lead_offers::request_id.eq(&request.id))
        .filter(lead_offers::id.ne_all(&new_ids))
        .select(lead_offers::id)
        .load(conn)?;
    cards::store(conn, earlier)?;
    let alerts = recipients
        .into_iter()
        .zip(leads.into_iter().map(EventData::LeadOffered))
        .collect();
    outbox::enqueue_many(conn, alerts, now)?;
    Ok(offers)
}

/// A time as the database keeps it (microseconds), so that the leads rendered from these rows
/// equal those rendered from the rows read back; the customer's windows may be finer.
fn stored_time(at: NaiveDateTime) -> NaiveDateTime {
    at.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn candidate(id: &str, distance_km: f64, star_score: Option<f64>, rate: f64) -> Candidate {
        let start = Utc.with_ymd_and_hms(2030, 1, 7, 15, 0, 0).unwrap();
        Candidate {
            partner_id: id.into(),
            distance_km,
            star_score,
            window: TimeWindow {
                start,
                end: start + Duration::hours(2),
            },
            response_rate: rate,
        }
    }

    #[test]
    fn nearer_bands_first_then_score_then_responsiveness() {
        let mut list = vec![
            candidate("far-star", 12.0, Some(99.0), 0.9),
            candidate("near-ok", 4.5, Some(85.0), 0.5),
            candidate("near-star", 1.0, Some(97.0), 0.5),
            candidate("near-new", 2.0, None, 0.5),
            candidate("near-star-responsive", 3.0, Some(97.0), 0.9),
        ];
        rank(&mut list);
        let order: Vec<_> = list.iter().map(|c| c.partner_id.as_str()).collect();
        assert_eq!(
            order,
            [
                "near-star-responsive",
                "near-star",
                "near-ok",
                "near-new",
                "far-star"
            ]
        );
    }
}
