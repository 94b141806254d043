//! Connections (002): every contact a partner gets — profile views, profile and marketplace
//! leads, phone and website clicks — and the per-day analytics a partner checks.

use chrono::{Datelike, Days, LocalResult, Months, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::partners::{
    ConnectionBucket, ConnectionCounts, ConnectionKind, ConnectionStats, ConnectionsQuery,
    Granularity, MAX_CONNECTIONS_RANGE_DAYS,
};

use super::availability::Schedule;
use super::profiles;
use crate::db::schema::connections;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

/// Who caused a connection: the viewer (a user id, or a hash of an anonymous client's address)
/// and, for leads, the service request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Source<'a> {
    pub viewer_key: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// Appends one connection. Profile views count once per viewer per hour; returns false when a
/// view was already counted. The one way other areas add connections (leads add theirs here).
pub fn record_connection(
    conn: &mut DbConnection,
    partner_id: &str,
    kind: ConnectionKind,
    source: Source<'_>,
    now: NaiveDateTime,
) -> ApiResult<bool> {
    let dedup_key = match (kind, source.viewer_key) {
        (ConnectionKind::ProfileView, Some(viewer)) => Some(format!(
            "profile_view:{partner_id}:{viewer}:{}",
            now.format("%Y-%m-%dT%H")
        )),
        _ => None,
    };
    let insert = |conn: &mut DbConnection| {
        diesel::insert_into(connections::table)
            .values((
                connections::id.eq(db::new_id()),
                connections::partner_id.eq(partner_id),
                connections::kind.eq(kind.as_str()),
                connections::occurred_at.eq(now),
                connections::viewer_key.eq(source.viewer_key),
                connections::request_id.eq(source.request_id),
                connections::dedup_key.eq(&dedup_key),
            ))
            .execute(conn)
    };
    // Only a deduplicated kind can collide: it goes in a savepoint, so that a duplicate view does
    // not abort an enclosing transaction.
    let inserted = if dedup_key.is_some() {
        conn.transaction(insert)
    } else {
        insert(conn)
    };
    match inserted {
        Ok(_) => Ok(true),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Counts per kind per day (or week, or month) in the partner's time zone, empty buckets
/// included, plus totals.
pub fn stats(
    conn: &mut DbConnection,
    partner_id: &str,
    query: &ConnectionsQuery,
    now: NaiveDateTime,
) -> ApiResult<ConnectionStats> {
    let profile =
        profiles::find(conn, partner_id)?.ok_or_else(|| ApiError::not_found("partner profile"))?;
    let time_zone = Schedule::parse(&profile.availability())
        .map_or(chrono_tz::America::Toronto, |schedule| schedule.time_zone());
    let today = now.and_utc().with_timezone(&time_zone).date_naive();
    let to = query.to.unwrap_or(today);
    let from = query.from.unwrap_or(to - Days::new(29));
    if from > to {
        return Err(ApiError::invalid_field("from", "must not be after `to`"));
    }
    if (to - from).num_days() >= MAX_CONNECTIONS_RANGE_DAYS {
        return Err(ApiError::invalid_field(
            "from",
            "the range is limited to 366 days",
        ));
    }

    let rows: Vec<(Stored<ConnectionKind>, NaiveDateTime)> = connections::table
        .filter(connections::partner_id.eq(partner_id))
        .filter(connections::occurred_at.ge(local_midnight_utc(time_zone, from)))
        .filter(connections::occurred_at.lt(local_midnight_utc(time_zone, to + Days::new(1))))
        .select((connections::kind, connections::occurred_at))
        .load(conn)?;

    let granularity = query.granularity;
    let mut buckets: Vec<ConnectionBucket> = bucket_starts(from, to, granularity)
        .map(|start| ConnectionBucket {
            start,
            counts: ConnectionCounts::default(),
        })
        .collect();
    let mut totals = ConnectionCounts::default();
    for (Stored(kind), at) in rows {
        let local_day = at.and_utc().with_timezone(&time_zone).date_naive();
        let start = bucket_start(local_day, granularity);
        if let Ok(index) = buckets.binary_search_by_key(&start, |bucket| bucket.start) {
            buckets[index].counts.add(kind, 1);
            totals.add(kind, 1);
        }
    }
    Ok(ConnectionStats {
        from,
        to,
        granularity,
        time_zone: time_zone.name().to_owned(),
        totals,
        buckets,
    })
}

fn local_midnight_utc(time_zone: Tz, date: NaiveDate) -> NaiveDateTime {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    match time_zone.from_local_datetime(&midnight) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.naive_utc(),
        // Midnight skipped by a DST change: the day starts an hour later.
        LocalResult::None => time_zone
            .from_local_datetime(&(midnight + chrono::Duration::hours(1)))
            .earliest()
            .map_or(midnight, |t| t.naive_utc()),
    }
}

fn bucket_start(day: NaiveDate, granularity: Granularity) -> NaiveDate {
    match granularity {
        Granularity::Day => day,
        Granularity::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
        Granularity::Month => day.with_day(1).unwrap_or(day),
    }
}

fn bucket_starts(
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
) -> impl Iterator<Item = NaiveDate> {
    let last = bucket_start(to, granularity);
    std::iter::successors(Some(bucket_start(from, granularity)), move |start| {
        let next = match granularity {
            Granularity::Day => *start + Days::new(1),
            Granularity::Week => *start + Days::new(7),
            Granularity::Month => *start + Months::new(1),
        };
        (next <= last).then_some(next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn buckets_cover_the_range_once() {
        let days: Vec<_> =
            bucket_starts(date(2026, 2, 27), date(2026, 3, 2), Granularity::Day).collect();
        assert_eq!(
            days,
            [
                date(2026, 2, 27),
                date(2026, 2, 28),
                date(2026, 3, 1),
                date(2026, 3, 2)
            ]
        );
        let weeks: Vec<_> =
            bucket_starts(date(2026, 3, 4), date(2026, 3, 16), Granularity::Week).collect();
        assert_eq!(
            weeks,
            [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16)]
        );
        let months: Vec<_> =
            bucket_starts(date(2026, 1, 31), date(2026, 3, 1), Granularity::Month).collect();
        assert_eq!(
            months,
            [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
        );
    }

    #[test]
    fn days_start_at_local_midnight() {
        let toronto = chrono_tz::America::Toronto;
        // EST in winter, EDT in summer.
        assert_eq!(
            local_midnight_utc(toronto, date(2026, 1, 15)).to_string(),
            "2026-01-15 05:00:00"
        );
        assert_eq!(
            local_midnight_utc(toronto, date(2026, 7, 15)).to_string(),
            "2026-07-15 04:00:00"
        );
    }
}
