//! Weekly availability in the partner's own time zone, and the one question matching asks of it:
//! is this partner available in this customer window?
//!
//! A partner is *available* in a window when their working hours, on local dates that are not
//! days off, overlap the window by at least an hour (or by the whole window, if it is shorter).
//! Hours are wall-clock times: on a DST change a 09:00 start stays 09:00 local. A start that falls
//! in a DST gap moves to the first real minute after it; an ambiguous time (the repeated hour when
//! clocks go back) starts at its first occurrence and ends at its second, so no hour is lost.

use std::collections::HashSet;

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use shared_types::partners::{Availability, parse_hhmm};

/// How much a window must overlap working hours (unless the window is shorter).
pub const MIN_OVERLAP_MINUTES: i64 = 60;

/// A validated, parsed availability.
#[derive(Debug, Clone)]
pub struct Schedule {
    time_zone: Tz,
    /// (weekday, start minute, end minute), end exclusive, 1440 = midnight at the end of the day.
    weekly: Vec<(chrono::Weekday, u32, u32)>,
    days_off: HashSet<NaiveDate>,
}

impl Schedule {
    /// Parses what `Availability`'s validation accepted; `None` for anything it would reject.
    pub fn parse(availability: &Availability) -> Option<Self> {
        let time_zone = availability.time_zone.parse::<Tz>().ok()?;
        let weekly = availability
            .weekly
            .iter()
            .map(|hours| {
                Some((
                    hours.weekday.into(),
                    parse_hhmm(&hours.start, false)?,
                    parse_hhmm(&hours.end, true)?,
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            time_zone,
            weekly,
            days_off: availability.days_off.iter().copied().collect(),
        })
    }

    pub fn time_zone(&self) -> Tz {
        self.time_zone
    }

    /// True when working hours overlap `[start, end)` by at least `MIN_OVERLAP_MINUTES` (or by
    /// all of it when it is shorter than that).
    pub fn is_available(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        if end <= start {
            return false;
        }
        let needed = (end - start).num_minutes().min(MIN_OVERLAP_MINUTES);
        self.working_intervals(start, end)
            .into_iter()
            .any(|(from, to)| {
                let overlap = (to.min(end) - from.max(start)).num_minutes();
                overlap > 0 && overlap >= needed
            })
    }

    /// True when all of `[start, end)` lies inside one stretch of working hours (a visit slot).
    pub fn covers(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        end > start
            && self
                .working_intervals(start, end)
                .into_iter()
                .any(|(from, to)| from <= start && end <= to)
    }

    /// Working hours around `[start, end)` as merged UTC intervals.
    fn working_intervals(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let first = start.with_timezone(&self.time_zone).date_naive() - Days::new(1);
        let last = end.with_timezone(&self.time_zone).date_naive();
        let mut intervals = Vec::new();
        for date in first.iter_days().take_while(|date| *date <= last) {
            if self.days_off.contains(&date) {
                continue;
            }
            for &(weekday, from, to) in &self.weekly {
                if chrono::Datelike::weekday(&date) != weekday {
                    continue;
                }
                let from = self.to_utc(at_minute(date, from), Edge::Start);
                let to = self.to_utc(at_minute(date, to), Edge::End);
                if let (Some(from), Some(to)) = (from, to)
                    && from < to
                {
                    intervals.push((from, to));
                }
            }
        }
        intervals.sort();
        let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (from, to) in intervals {
            match merged.last_mut() {
                Some(last) if from <= last.1 => last.1 = last.1.max(to),
                _ => merged.push((from, to)),
            }
        }
        merged
    }

    fn to_utc(&self, local: NaiveDateTime, edge: Edge) -> Option<DateTime<Utc>> {
        // Step over a DST gap (at most a few hours anywhere) to its first real minute.
        for step in 0..=8 {
            let candidate = local + chrono::Duration::minutes(30 * step);
            match self.time_zone.from_local_datetime(&candidate) {
                LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
                LocalResult::Ambiguous(first, second) => {
                    let t = if edge == Edge::Start { first } else { second };
                    return Some(t.with_timezone(&Utc));
                }
                LocalResult::None => {}
            }
        }
        None
    }
}

/// Whether `partner` is available in the customer window `[start, end)` (see the module docs).
/// A partner whose stored hours do not parse is never available.
pub fn is_available(
    partner: &super::profiles::PartnerRow,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> bool {
    Schedule::parse(&partner.availability())
        .is_some_and(|schedule| schedule.is_available(start, end))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

fn at_minute(date: NaiveDate, minute: u32) -> NaiveDateTime {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    midnight + chrono::Duration::minutes(i64::from(minute))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use shared_types::partners::{Weekday, WeeklyHours};

    use super::*;

    fn schedule(hours: &[(Weekday, &str, &str)], days_off: &[NaiveDate]) -> Schedule {
        Schedule::parse(&Availability {
            time_zone: "America/Toronto".into(),
            weekly: hours
                .iter()
                .map(|(weekday, start, end)| WeeklyHours {
                    weekday: *weekday,
                    start: (*start).into(),
                    end: (*end).into(),
                })
                .collect(),
            days_off: days_off.to_vec(),
        })
        .unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn hours(start: DateTime<Utc>, hours: i64) -> (DateTime<Utc>, DateTime<Utc>) {
        (start, start + chrono::Duration::hours(hours))
    }

    #[test]
    fn a_slot_must_lie_inside_working_hours() {
        let s = schedule(
            &[
                (Weekday::Monday, "09:00", "12:00"),
                (Weekday::Monday, "12:00", "17:00"),
            ],
            &[],
        );
        // Monday 2 November 2026, EST: 09:00 local is 14:00 UTC.
        let (a, b) = hours(utc(2026, 11, 2, 14, 0), 8);
        assert!(s.covers(a, b), "adjacent ranges merge into one stretch");
        let (a, b) = hours(utc(2026, 11, 2, 13, 0), 2);
        assert!(!s.covers(a, b), "starts before hours");
        assert!(s.is_available(a, b), "though it overlaps them by an hour");
        let (a, b) = hours(utc(2026, 11, 2, 21, 30), 1);
        assert!(!s.covers(a, b), "ends after hours");
    }

    #[test]
    fn wall_clock_hours_follow_dst() {
        let s = schedule(&[(Weekday::Sunday, "09:00", "17:00")], &[]);
        // 1 March 2026, EST (UTC-5): 09:00 local is 14:00 UTC.
        let (a, b) = hours(utc(2026, 3, 1, 14, 0), 1);
        assert!(s.is_available(a, b));
        let (a, b) = hours(utc(2026, 3, 1, 13, 0), 1);
        assert!(!s.is_available(a, b), "08:00 local is before hours");
        // 8 March 2026, clocks went forward at 02:00: EDT (UTC-4), 09:00 local is 13:00 UTC.
        let (a, b) = hours(utc(2026, 3, 8, 13, 0), 1);
        assert!(s.is_available(a, b));
        // 1 November 2026, clocks went back at 02:00: EST again, 09:00 local is 14:00 UTC.
        let (a, b) = hours(utc(2026, 11, 1, 13, 0), 1);
        assert!(!s.is_available(a, b));
        let (a, b) = hours(utc(2026, 11, 1, 14, 0), 1);
        assert!(s.is_available(a, b));
    }

    #[test]
    fn hours_across_the_spring_gap_and_the_autumn_repeat() {
        // 01:00-04:00 on 8 March 2026 lasts two real hours: 06:00-08:00 UTC.
        let s = schedule(&[(Weekday::Sunday, "01:00", "04:00")], &[]);
        let (a, b) = hours(utc(2026, 3, 8, 6, 0), 2);
        assert!(s.is_available(a, b));
        let (a, b) = hours(utc(2026, 3, 8, 8, 0), 1);
        assert!(!s.is_available(a, b));
        // A start inside the gap (02:30 does not exist) moves to 03:00 EDT = 07:00 UTC.
        let s = schedule(&[(Weekday::Sunday, "02:30", "05:00")], &[]);
        let (a, b) = hours(utc(2026, 3, 8, 6, 0), 1);
        assert!(!s.is_available(a, b));
        let (a, b) = hours(utc(2026, 3, 8, 7, 0), 1);
        assert!(s.is_available(a, b));
        // 01:00-02:00 on 1 November 2026 happens twice: 05:00-07:00 UTC, both hours count.
        let s = schedule(&[(Weekday::Sunday, "01:00", "02:00")], &[]);
        let (a, b) = hours(utc(2026, 11, 1, 6, 0), 1);
        assert!(s.is_available(a, b));
    }

    #[test]
    fn hours_join_across_midnight() {
        let s = schedule(
            &[
                (Weekday::Friday, "22:00", "24:00"),
                (Weekday::Saturday, "00:00", "02:00"),
            ],
            &[],
        );
        // Friday 6 March 2026 23:00 EST to Saturday 01:00 = 04:00-06:00 UTC Saturday.
        let (a, b) = hours(utc(2026, 3, 7, 4, 0), 2);
        assert!(s.is_available(a, b));
        // A window given in UTC on Monday that is still Sunday night locally.
        let s = schedule(&[(Weekday::Monday, "00:00", "06:00")], &[]);
        let (a, b) = hours(utc(2026, 3, 2, 4, 0), 2); // Sun 23:00 - Mon 01:00 EST
        assert!(s.is_available(a, b), "one hour after local midnight");
        let (a, b) = hours(utc(2026, 3, 2, 3, 0), 2); // Sun 22:00 - Sun 24:00 EST
        assert!(!s.is_available(a, b));
    }

    #[test]
    fn a_short_overlap_or_a_day_off_is_not_enough() {
        let off = NaiveDate::from_ymd_opt(2026, 3, 11).unwrap();
        let s = schedule(&[(Weekday::Wednesday, "09:00", "17:00")], &[off]);
        // 4 March 2026 (EST): a 16:30-18:30 window overlaps by 30 min only.
        let (a, b) = hours(utc(2026, 3, 4, 21, 30), 2);
        assert!(!s.is_available(a, b));
        let (a, b) = hours(utc(2026, 3, 4, 21, 0), 2);
        assert!(s.is_available(a, b), "16:00-18:00 overlaps by an hour");
        // A 30-minute window entirely inside the hours is fine.
        let a = utc(2026, 3, 4, 15, 0);
        assert!(s.is_available(a, a + chrono::Duration::minutes(30)));
        // 11 March is a day off (EDT from 8 March: 10:00 local is 14:00 UTC).
        let (a, b) = hours(utc(2026, 3, 11, 14, 0), 1);
        assert!(!s.is_available(a, b));
        let (a, b) = hours(utc(2026, 3, 18, 14, 0), 1);
        assert!(s.is_available(a, b));
        assert!(
            !s.is_available(b, a),
            "an inverted window is never available"
        );
    }
}
