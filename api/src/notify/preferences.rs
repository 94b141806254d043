//! Notification preferences: push and email per category, and quiet hours for push.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use shared_types::events::EventType;
use shared_types::notify::{
    ChannelPreference, NotificationCategory, NotificationPreferences, QuietHours,
};
use shared_types::partners::parse_hhmm;

use crate::db::DbConnection;
use crate::db::schema::{notification_preferences, quiet_hours};
use crate::db::text_enum::Stored;
use crate::error::ApiResult;

/// The user's preferences, every category listed (defaults where the user changed nothing).
pub fn get(conn: &mut DbConnection, user_id: &str) -> ApiResult<NotificationPreferences> {
    let book = PreferenceBook::load(conn, &[user_id.to_owned()])?;
    Ok(book.preferences(user_id))
}

fn hhmm(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn minutes(value: &str) -> i32 {
    parse_hhmm(value, false)
        .and_then(|minutes| i32::try_from(minutes).ok())
        .unwrap_or_default()
}

/// Replaces the user's preferences (validated input); categories left out return to their
/// defaults. Call inside a write transaction.
pub fn put(
    conn: &mut DbConnection,
    user_id: &str,
    input: &NotificationPreferences,
    now: DateTime<Utc>,
) -> ApiResult<NotificationPreferences> {
    diesel::delete(
        notification_preferences::table.filter(notification_preferences::user_id.eq(user_id)),
    )
    .execute(conn)?;
    let changed: Vec<_> = input
        .channels
        .iter()
        .filter(|preference| **preference != preference.category.default_preference())
        .map(|preference| {
            (
                notification_preferences::user_id.eq(user_id),
                notification_preferences::category.eq(preference.category.as_str()),
                notification_preferences::push.eq(preference.push),
                notification_preferences::email.eq(preference.email),
            )
        })
        .collect();
    if !changed.is_empty() {
        crate::batch_insert!(conn, notification_preferences::table, &changed)?;
    }
    diesel::delete(quiet_hours::table.find(user_id)).execute(conn)?;
    if let Some(hours) = &input.quiet_hours {
        diesel::insert_into(quiet_hours::table)
            .values((
                quiet_hours::user_id.eq(user_id),
                quiet_hours::start_minute.eq(minutes(&hours.start)),
                quiet_hours::end_minute.eq(minutes(&hours.end)),
                quiet_hours::time_zone.eq(&hours.time_zone),
                quiet_hours::include_job_alerts.eq(hours.include_job_alerts),
                quiet_hours::updated_at.eq(now.naive_utc()),
            ))
            .execute(conn)?;
    }
    get(conn, user_id)
}

/// How a message of `category` may reach the user at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Channels {
    pub push: bool,
    pub email: bool,
}

impl Channels {
    /// The rule: a category's switches, with push held back in quiet hours unless it is a job
    /// alert (and the user did not include job alerts in the quiet).
    pub fn decide(
        preference: ChannelPreference,
        quiet: Option<&QuietHours>,
        now: DateTime<Utc>,
    ) -> Self {
        let quiet_applies = quiet.is_some_and(|hours| {
            (preference.category != NotificationCategory::JobAlerts || hours.include_job_alerts)
                && hours.covers(now)
        });
        Self {
            push: preference.push && !quiet_applies,
            email: preference.email,
        }
    }
}

/// The preferences of a batch of recipients, loaded at once.
#[derive(Debug, Default)]
pub struct PreferenceBook {
    changed: HashMap<(String, NotificationCategory), ChannelPreference>,
    quiet: HashMap<String, QuietHours>,
}

impl PreferenceBook {
    pub fn load(conn: &mut DbConnection, user_ids: &[String]) -> ApiResult<Self> {
        let rows: Vec<(String, Stored<NotificationCategory>, bool, bool)> =
            notification_preferences::table
                .filter(notification_preferences::user_id.eq_any(user_ids))
                .select((
                    notification_preferences::user_id,
                    notification_preferences::category,
                    notification_preferences::push,
                    notification_preferences::email,
                ))
                .load(conn)?;
        let changed = rows
            .into_iter()
            .map(|(user, Stored(category), push, email)| {
                let preference = ChannelPreference {
                    category,
                    push,
                    email,
                };
                ((user, category), preference)
            })
            .collect();
        let quiet_rows: Vec<(String, i32, i32, String, bool)> = quiet_hours::table
            .filter(quiet_hours::user_id.eq_any(user_ids))
            .select((
                quiet_hours::user_id,
                quiet_hours::start_minute,
                quiet_hours::end_minute,
                quiet_hours::time_zone,
                quiet_hours::include_job_alerts,
            ))
            .load(conn)?;
        let quiet = quiet_rows
            .into_iter()
            .map(|(user, start, end, time_zone, include_job_alerts)| {
                let hours = QuietHours {
                    start: hhmm(start),
                    end: hhmm(end),
                    time_zone,
                    include_job_alerts,
                };
                (user, hours)
            })
            .collect();
        Ok(Self { changed, quiet })
    }

    fn preference(&self, user_id: &str, category: NotificationCategory) -> ChannelPreference {
        self.changed
            .get(&(user_id.to_owned(), category))
            .copied()
            .unwrap_or_else(|| category.default_preference())
    }

    /// Everything `user_id` chose, every category listed.
    pub fn preferences(&self, user_id: &str) -> NotificationPreferences {
        NotificationPreferences {
            channels: NotificationCategory::known()
                .map(|category| self.preference(user_id, category))
                .collect(),
            quiet_hours: self.quiet.get(user_id).cloned(),
        }
    }

    /// The channels for a message of outbox `kind` to `user_id` at `now`.
    pub fn channels(&self, user_id: &str, kind: EventType, now: DateTime<Utc>) -> Channels {
        let preference = self.preference(user_id, NotificationCategory::of_kind(kind));
        Channels::decide(preference, self.quiet.get(user_id), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn quiet_hours_silence_push_but_not_job_alerts_or_email() {
        let quiet = QuietHours {
            start: "22:00".into(),
            end: "07:00".into(),
            time_zone: "UTC".into(),
            include_job_alerts: false,
        };
        let night = at("2026-11-24T23:00:00Z");
        let update = NotificationCategory::JobUpdates.default_preference();
        let alert = NotificationCategory::JobAlerts.default_preference();
        assert_eq!(
            Channels::decide(update, Some(&quiet), night),
            Channels {
                push: false,
                email: false
            }
        );
        assert_eq!(
            Channels::decide(alert, Some(&quiet), night),
            Channels {
                push: true,
                email: true
            }
        );
        let strict = QuietHours {
            include_job_alerts: true,
            ..quiet.clone()
        };
        assert!(!Channels::decide(alert, Some(&strict), night).push);
        assert!(Channels::decide(alert, Some(&strict), night).email);
        assert!(Channels::decide(update, Some(&quiet), at("2026-11-24T12:00:00Z")).push);
        let off = ChannelPreference {
            push: false,
            ..alert
        };
        assert!(!Channels::decide(off, None, night).push);
    }
}
