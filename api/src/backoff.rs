//! The wait between a background worker's attempts at something that failed for now (a push,
//! an email, a refund call): exponential, capped, with jitter so that many rows failing at once
//! do not all come back at once, and never sooner than the other side asked for.

use std::time::Duration;

use chrono::NaiveDateTime;
use rand::Rng;

/// The longest wait between two attempts (before jitter): an hour.
pub const MAX_WAIT: Duration = Duration::from_hours(1);

/// The wait after `attempts` attempts: 2^attempts seconds (at most [`MAX_WAIT`]) plus up to a
/// quarter more at random, and never less than `at_least` (a server's `Retry-After`).
pub fn delay(attempts: i32, at_least: Option<Duration>) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 12)).unwrap_or(12);
    let base = 2_u64.pow(exponent).min(MAX_WAIT.as_secs());
    let jitter = rand::rng().random_range(0..=base * 250);
    let wait = Duration::from_secs(base) + Duration::from_millis(jitter);
    at_least.map_or(wait, |asked| wait.max(asked))
}

/// When the next attempt is due, `attempts` attempts in, by [`delay`].
pub fn next_attempt_at(
    now: NaiveDateTime,
    attempts: i32,
    at_least: Option<Duration>,
) -> NaiveDateTime {
    chrono::Duration::from_std(delay(attempts, at_least))
        .ok()
        .and_then(|wait| now.checked_add_signed(wait))
        .unwrap_or(NaiveDateTime::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_with_at_most_a_quarter_of_jitter() {
        for attempts in 0..=11 {
            let base = Duration::from_secs(2_u64.pow(u32::try_from(attempts).unwrap()));
            for _ in 0..50 {
                let wait = delay(attempts, None);
                assert!(
                    wait >= base && wait <= base + base / 4,
                    "{attempts}: {wait:?}"
                );
            }
        }
    }

    #[test]
    fn is_capped_near_an_hour() {
        for attempts in [12, 13, 30, 120, i32::MAX] {
            for _ in 0..50 {
                let wait = delay(attempts, None);
                assert!(
                    wait >= MAX_WAIT && wait <= MAX_WAIT + MAX_WAIT / 4,
                    "{attempts}: {wait:?}"
                );
            }
        }
        assert_eq!(delay(-3, None).as_secs(), 1, "no attempt yet: a second");
    }

    #[test]
    fn never_sooner_than_the_server_asked() {
        let asked = Duration::from_mins(2);
        assert_eq!(delay(1, Some(asked)), asked);
        let brief = Duration::from_millis(1);
        assert!(delay(3, Some(brief)) >= Duration::from_secs(8));
        let later = Duration::from_hours(10);
        assert_eq!(delay(30, Some(later)), later, "beyond the cap when asked");
    }

    #[test]
    fn the_next_attempt_is_that_far_ahead() {
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc();
        let next = next_attempt_at(now, 2, None);
        assert!(next >= now + chrono::Duration::seconds(4));
        assert!(next <= now + chrono::Duration::seconds(5));
    }
}
