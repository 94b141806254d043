//! How money, times and distances read on screen.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use shared_types::partners::{MembershipTier, Money};
use shared_types::requests::TimeWindow;

/// `$1,234.50 CAD`, `€12.00`, `-$5.00 CAD`: always with the currency, never a bare number.
pub fn money(amount: &Money) -> String {
    money_parts(amount.amount_cents, &amount.currency)
}

pub fn money_parts(amount_cents: i64, currency: &str) -> String {
    let sign = if amount_cents < 0 { "-" } else { "" };
    let cents = amount_cents.unsigned_abs();
    let whole = group_thousands(cents / 100);
    let number = format!("{whole}.{:02}", cents % 100);
    match currency {
        "EUR" => format!("{sign}€{number}"),
        "GBP" => format!("{sign}£{number}"),
        "CAD" | "USD" | "AUD" | "NZD" | "MXN" => format!("{sign}${number} {currency}"),
        other => format!("{sign}{number} {other}"),
    }
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Parses what a person types as an amount (`149`, `149.5`, `1,149.50`) into cents.
pub fn parse_cents(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches('$')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

/// `Tue 24 Nov, 14:05` in the user's zone.
pub fn date_time(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone)
        .format("%a %-d %b, %H:%M")
        .to_string()
}

/// `Tue 24 Nov` in the user's zone.
pub fn date(at: DateTime<Utc>, zone: Tz) -> String {
    at.with_timezone(&zone).format("%a %-d %b").to_string()
}

/// `Tue 24 Nov, 10:00–12:00` (or both dates when it crosses midnight locally).
pub fn window(window: &TimeWindow, zone: Tz) -> String {
    let start = window.start.with_timezone(&zone);
    let end = window.end.with_timezone(&zone);
    if start.date_naive() == end.date_naive() {
        format!(
            "{}–{}",
            start.format("%a %-d %b, %H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {}",
            start.format("%a %-d %b, %H:%M"),
            end.format("%a %-d %b, %H:%M")
        )
    }
}

/// A window as the customer chose it, in `request_zone` (an IANA name); when that is not the
/// reader's `zone`, the zone is named: `Wed 2 Dec, 06:00–08:00 (Vancouver time)`.
pub fn window_in(window: &TimeWindow, request_zone: &str, zone: Tz) -> String {
    match request_zone.parse::<Tz>() {
        Ok(theirs) if theirs != zone => {
            format!(
                "{} ({} time)",
                self::window(window, theirs),
                zone_place(theirs)
            )
        }
        _ => self::window(window, zone),
    }
}

/// The place an IANA zone is named after: `America/Vancouver` -> `Vancouver`, `UTC` -> `UTC`.
pub fn zone_place(zone: Tz) -> String {
    let name = zone.name();
    name.rsplit('/').next().unwrap_or(name).replace('_', " ")
}

/// `12 min left`, `1 h 05 min left`, `expired`.
pub fn countdown(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (until - now).num_seconds();
    if seconds <= 0 {
        return "expired".into();
    }
    let minutes = (seconds + 59) / 60;
    if minutes < 60 {
        format!("{minutes} min left")
    } else if minutes < 48 * 60 {
        format!("{} h {:02} min left", minutes / 60, minutes % 60)
    } else {
        format!("{} days left", minutes / (24 * 60))
    }
}

/// `800 m`, `3.2 km`.
pub fn distance(km: f64) -> String {
    if km < 1.0 {
        format!("{:.0} m", (km * 1000.0).round())
    } else {
        format!("{km:.1} km")
    }
}

/// A Star Score (0–100 %): `91%`, or `New` before there is one.
pub fn star_score(score: Option<f64>) -> String {
    score.map_or_else(|| "New".to_owned(), |score| format!("{score:.0}%"))
}

/// A category's slug as a name, for screens that have only the slug: `hvac_repair` ->
/// `Hvac repair`.
pub fn category_slug(slug: &str) -> String {
    let words = slug.replace(['_', '-'], " ");
    let mut chars = words.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// A membership tier as people say it.
pub fn tier(tier: MembershipTier) -> String {
    match tier {
        MembershipTier::Basic => "Basic",
        MembershipTier::BrandBuilder => "Brand Builder",
        MembershipTier::Unknown => "Other tier",
    }
    .to_owned()
}

/// `4.6 ★ (12 reviews)`, or `New` with no reviews yet.
pub fn stars(average: Option<f64>, count: i64) -> String {
    match average {
        Some(average) if count > 0 => {
            let noun = if count == 1 { "review" } else { "reviews" };
            format!("{average:.1} ★ ({count} {noun})")
        }
        _ => "New: no reviews yet".into(),
    }
}

/// "1 photo", "3 photos".
pub fn count(n: u32, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_reads_as_a_name() {
        assert_eq!(category_slug("cleaning"), "Cleaning");
        assert_eq!(category_slug("lawn_care"), "Lawn care");
        assert_eq!(category_slug(""), "");
    }

    #[test]
    fn money_always_shows_the_currency() {
        assert_eq!(money_parts(14_900, "CAD"), "$149.00 CAD");
        assert_eq!(money_parts(123_456_789, "USD"), "$1,234,567.89 USD");
        assert_eq!(money_parts(-505, "CAD"), "-$5.05 CAD");
        assert_eq!(money_parts(1_200, "EUR"), "€12.00");
        assert_eq!(money_parts(7, "JPY"), "0.07 JPY");
    }

    #[test]
    fn amounts_parse_like_people_type_them() {
        assert_eq!(parse_cents("149"), Some(14_900));
        assert_eq!(parse_cents("$1,149.5"), Some(114_950));
        assert_eq!(parse_cents(" 0.05 "), Some(5));
        assert_eq!(parse_cents("1.234"), None);
        assert_eq!(parse_cents("abc"), None);
        assert_eq!(parse_cents(""), None);
        assert_eq!(parse_cents("-3"), None);
    }

    #[test]
    fn times_are_shown_in_the_users_zone() {
        let at: DateTime<Utc> = "2026-11-24T15:00:00Z".parse().unwrap();
        let toronto: Tz = "America/Toronto".parse().unwrap();
        assert_eq!(date_time(at, toronto), "Tue 24 Nov, 10:00");
        let slot = TimeWindow {
            start: at,
            end: at + chrono::Duration::hours(2),
        };
        assert_eq!(window(&slot, toronto), "Tue 24 Nov, 10:00–12:00");
        // A request's windows read in the zone they were chosen in, named when it is another.
        assert_eq!(
            window_in(&slot, "America/Toronto", toronto),
            "Tue 24 Nov, 10:00–12:00"
        );
        assert_eq!(
            window_in(&slot, "America/Vancouver", toronto),
            "Tue 24 Nov, 07:00–09:00 (Vancouver time)"
        );
        assert_eq!(
            window_in(&slot, "Not/A_Zone", toronto),
            "Tue 24 Nov, 10:00–12:00"
        );
        assert_eq!(zone_place("America/St_Johns".parse().unwrap()), "St Johns");
        assert_eq!(
            countdown(at, at - chrono::Duration::seconds(61)),
            "2 min left"
        );
        assert_eq!(countdown(at, at), "expired");
        assert_eq!(
            countdown(at, at - chrono::Duration::minutes(65)),
            "1 h 05 min left"
        );
    }
}
