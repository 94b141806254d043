//! The rules that turn ratings into standing: the Star Score of a pro, and when anyone goes on
//! the monitoring list. Plain functions over numbers; the callers load and store.

/// What a new pro is assumed to be worth before reviews say otherwise (4.5 stars).
pub const PRIOR_PERCENT: f64 = 90.0;
/// How many fresh ratings the prior counts as.
pub const PRIOR_WEIGHT: f64 = 10.0;
/// A rating's weight halves every this many days.
pub const HALF_LIFE_DAYS: f64 = 365.0;
/// Marketplace leads need at least this Star Score (002: Brand Builders need 80%).
pub const MARKETPLACE_MIN_SCORE: f64 = 80.0;
/// Monitoring looks at this many recent days…
pub const MONITORING_DAYS: i64 = 90;
/// …needs at least this many ratings in them…
pub const MONITORING_MIN_RATINGS: usize = 3;
/// …and watches anyone whose average there is below this (000: "below 3 stars").
pub const MONITORING_BELOW_STARS: f64 = 3.0;

/// The Star Score (0-100 %) of a pro from their published ratings, each `(stars, age in days)`;
/// `None` without ratings (a new pro, shown as such and not held back).
///
/// Each rating counts as `stars × 20` percent (so 4 stars = 80 %, the marketplace bar), weighted
/// by recency, `w = 0.5^(age / 365 days)`. The weighted average is shrunk toward a prior of
/// 90 % worth 10 fresh ratings (a Bayesian average), so one bad review cannot sink a new pro and
/// a long record outweighs the prior:
///
/// `score = (10 × 90 + Σ wᵢ × starsᵢ × 20) / (10 + Σ wᵢ)`
///
/// Worked examples (all ratings fresh unless said):
/// - one 5★: (900 + 100) / 11 = 90.9 %
/// - one 1★: (900 + 20) / 11 = 83.6 % (still gets marketplace leads)
/// - two 1★: (900 + 40) / 12 = 78.3 % (below 80 %: marketplace leads stop)
/// - twenty 4★: (900 + 1600) / 30 = 83.3 %
/// - a 1★ a year old and a 5★ today: (900 + 0.5 × 20 + 100) / 11.5 = 87.8 %
pub fn star_score(ratings: &[(i32, f64)]) -> Option<f64> {
    if ratings.is_empty() {
        return None;
    }
    let (mut weighted, mut weights) = (0.0, 0.0);
    for &(stars, age_days) in ratings {
        let weight = 0.5_f64.powf(age_days.max(0.0) / HALF_LIFE_DAYS);
        weighted += weight * f64::from(stars) * 20.0;
        weights += weight;
    }
    let score = (PRIOR_WEIGHT * PRIOR_PERCENT + weighted) / (PRIOR_WEIGHT + weights);
    Some((score * 10.0).round() / 10.0)
}

/// The plain average of some stars, to one decimal.
pub fn average(stars: &[i32]) -> Option<f64> {
    if stars.is_empty() {
        return None;
    }
    let sum: i32 = stars.iter().sum();
    #[allow(clippy::cast_precision_loss, reason = "a count of ratings")]
    let mean = f64::from(sum) / stars.len() as f64;
    Some((mean * 100.0).round() / 100.0)
}

/// Whether ratings received in the last [`MONITORING_DAYS`] put someone on the monitoring
/// list: at least [`MONITORING_MIN_RATINGS`] of them averaging below 3 stars. Returns that
/// average when they do.
pub fn needs_watching(recent_stars: &[i32]) -> Option<f64> {
    if recent_stars.len() < MONITORING_MIN_RATINGS {
        return None;
    }
    average(recent_stars).filter(|mean| *mean < MONITORING_BELOW_STARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_examples_of_the_formula_hold() {
        assert_eq!(star_score(&[]), None);
        assert_eq!(star_score(&[(5, 0.0)]), Some(90.9));
        assert_eq!(star_score(&[(1, 0.0)]), Some(83.6));
        assert_eq!(star_score(&[(1, 0.0), (1, 0.0)]), Some(78.3));
        assert_eq!(star_score(&[(4, 0.0); 20]), Some(83.3));
        assert_eq!(star_score(&[(1, 365.0), (5, 0.0)]), Some(87.8));
    }

    #[test]
    fn recent_ratings_weigh_more_and_many_ratings_beat_the_prior() {
        let old_bad = star_score(&[(1, 730.0), (5, 0.0)]).unwrap();
        let new_bad = star_score(&[(1, 0.0), (5, 730.0)]).unwrap();
        assert!(old_bad > new_bad, "{old_bad} vs {new_bad}");
        let record = star_score(&[(2, 0.0); 200]).unwrap();
        assert!(record < 45.0, "two hundred 2-star ratings: {record}");
        let stellar = star_score(&[(5, 0.0); 200]).unwrap();
        assert!(stellar > 99.0, "{stellar}");
    }

    #[test]
    fn monitoring_needs_three_recent_ratings_below_three_stars() {
        assert_eq!(needs_watching(&[1, 1]), None, "too few to judge");
        assert_eq!(needs_watching(&[2, 3, 3]), Some(2.67));
        assert_eq!(needs_watching(&[3, 3, 3]), None, "3.0 is not below 3");
        assert_eq!(needs_watching(&[1, 5, 5, 1]), None);
    }
}
