//! Partners (pros): the service catalogue, profiles, service areas, weekly availability, the
//! public profile and search, and connections analytics.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

open_enum! {
    /// How a category's jobs are given out (see the leads area): the first pro to confirm wins, or
    /// pros apply and staff pick one.
    #[derive(Hash)]
    pub enum AssignmentMode {
        /// The first pro to confirm gets the job at the category's list price.
        Instant,
        /// Pros apply with a quote; staff choose one.
        Review,
    }
}

/// An amount of money the API shows, in minor units (cents) of an ISO 4217 currency. Not
/// bounded: a wallet entry or a balance is negative when money leaves, a ledger total may exceed
/// any single price. What a caller sends is a [`MoneyInput`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// Cents; negative for money going out.
    pub amount_cents: i64,
    /// ISO 4217, upper case, e.g. `CAD`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "CAD"))]
    pub currency: String,
}

/// An amount a caller sends (a price, a quote, a budget, a tip, a refund): at least one cent, at
/// most 1 000 000.00. A job at zero could never be paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyInput {
    /// Cents, from 1 to 100 000 000.
    #[validate(range(min = 1, max = 100_000_000))]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1, maximum = 100_000_000, example = 14_900)
    )]
    pub amount_cents: i64,
    /// ISO 4217, upper case, e.g. `CAD`.
    #[validate(custom(function = "currency_code"))]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "CAD"))]
    pub currency: String,
}

impl MoneyInput {
    pub fn new(amount_cents: i64, currency: impl Into<String>) -> Self {
        Self {
            amount_cents,
            currency: currency.into(),
        }
    }
}

impl From<MoneyInput> for Money {
    fn from(input: MoneyInput) -> Self {
        Self {
            amount_cents: input.amount_cents,
            currency: input.currency,
        }
    }
}

impl From<&MoneyInput> for Money {
    fn from(input: &MoneyInput) -> Self {
        input.clone().into()
    }
}

impl From<Money> for MoneyInput {
    fn from(money: Money) -> Self {
        Self {
            amount_cents: money.amount_cents,
            currency: money.currency,
        }
    }
}

/// A kind of work in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    /// The category's id.
    pub id: String,
    /// Stable identifier used in requests, e.g. `plumbing`.
    pub slug: String,
    /// The name shown to users, e.g. "Plumbing".
    pub name: String,
    /// `instant`: the first pro to confirm gets the job at `list_price`; `review`: pros apply with
    /// a quote and staff choose.
    pub assignment_mode: AssignmentMode,
    /// The fixed price of an `instant` job; `null` for `review` categories (quoted per job).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub list_price: Option<Money>,
    /// Inactive categories are hidden from the public catalogue and cannot be requested.
    pub active: bool,
}

/// `POST /v1/admin/categories` and `PUT /v1/admin/categories/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "instant_has_a_price"))]
pub struct CategoryInput {
    /// Lower-case letters, digits and dashes.
    #[validate(length(min = 2, max = 50), custom(function = "slug"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 2, max_length = 50, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")
    )]
    pub slug: String,
    /// The name shown to users (1 to 100 characters).
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"[^\s\u0085]", min_length = 1, max_length = 100)
    )]
    pub name: String,
    /// `instant`: the first pro to confirm gets the job at `list_price`; `review`: pros apply with
    /// a quote and staff choose.
    pub assignment_mode: AssignmentMode,
    /// Required for `instant`, forbidden for `review`.
    #[validate(nested)]
    #[serde(default)]
    pub list_price: Option<MoneyInput>,
    /// Whether the category is listed and can be requested (default true).
    #[serde(default = "yes")]
    pub active: bool,
}

open_enum! {
    /// Basic members are listed; Brand Builders also show their phone and website and get
    /// marketplace leads.
    #[derive(Hash)]
    pub enum MembershipTier {
        /// Listed in search and on a public profile.
        Basic,
        /// Also shows a phone and website, and gets marketplace leads.
        BrandBuilder,
    }
}

open_enum! {
    #[derive(Hash)]
    pub enum PartnerStatus {
        /// Listed publicly and matched to requests.
        Active,
        /// Hidden from the public and from matching: set by staff, and for good when the pro
        /// deleted their account.
        Suspended,
    }
}

/// Where a partner works: a circle around a centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceArea {
    /// The city shown on the public profile, e.g. "Toronto".
    pub city: String,
    /// The address, postal code or place the pro centred the area on, as they typed it; `null`
    /// when the area was given by coordinates.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub place: Option<String>,
    /// Latitude of the centre, in degrees.
    pub lat: f64,
    /// Longitude of the centre, in degrees.
    pub lon: f64,
    /// How far from the centre the pro works, in km.
    pub radius_km: f64,
}

/// Where a partner works, as set: a `place` (an address, a postal code or a city, which the API
/// finds on the map) or the centre's `lat` and `lon`, and a radius.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "a_place_or_a_point", skip_on_field_errors = true))]
pub struct ServiceAreaInput {
    /// An address, a postal code (e.g. `M4C 1B5` or `M4C`) or a city to centre the area on; a 422
    /// on `service_area.place` when the API cannot place it. Give this, or `lat` and `lon`.
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"[^\s\u0085]")
    )]
    #[serde(default)]
    pub place: Option<String>,
    /// The city shown on the public profile, e.g. "Toronto"; by default the city of `place` (a
    /// 422 on `service_area.city` when the address service knows none). Required with `lat` and
    /// `lon`.
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    #[serde(default)]
    pub city: Option<String>,
    /// Latitude of the centre, in degrees (with `lon`, instead of `place`).
    #[validate(range(min = -90.0, max = 90.0))]
    #[cfg_attr(feature = "openapi", schema(minimum = -90.0, maximum = 90.0))]
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude of the centre, in degrees (with `lat`, instead of `place`).
    #[validate(range(min = -180.0, max = 180.0))]
    #[cfg_attr(feature = "openapi", schema(minimum = -180.0, maximum = 180.0))]
    #[serde(default)]
    pub lon: Option<f64>,
    /// 1 to 200 km.
    #[validate(range(min = 1.0, max = 200.0))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1.0, maximum = 200.0))]
    pub radius_km: f64,
}

impl ServiceAreaInput {
    /// An area around `place`, found by the API.
    pub fn around(place: &str, radius_km: f64) -> Self {
        Self {
            place: Some(place.to_owned()),
            city: None,
            lat: None,
            lon: None,
            radius_km,
        }
    }

    /// An area around a known point, shown as in `city`.
    pub fn at(city: &str, lat: f64, lon: f64, radius_km: f64) -> Self {
        Self {
            place: None,
            city: Some(city.to_owned()),
            lat: Some(lat),
            lon: Some(lon),
            radius_km,
        }
    }
}

fn a_place_or_a_point(area: &ServiceAreaInput) -> Result<(), ValidationError> {
    match (&area.place, area.lat, area.lon, &area.city) {
        (Some(_), None, None, _) | (None, Some(_), Some(_), Some(_)) => Ok(()),
        (None, Some(_), Some(_), None) => {
            Err(message("city", "give the city shown on the profile"))
        }
        (Some(_), _, _, _) => Err(message("place", "give a place or lat and lon, not both")),
        (None, _, _, _) => Err(message(
            "place",
            "give a place (an address or a postal code)",
        )),
    }
}

/// `PUT /v1/partners/me`: creates or replaces the caller's business profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerProfileInput {
    /// The business name customers see (1 to 120 characters).
    #[validate(length(min = 1, max = 120), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"[^\s\u0085]", min_length = 1, max_length = 120)
    )]
    pub business_name: String,
    /// About the business, shown on the public profile (up to 4000 characters).
    #[validate(length(max = 4000))]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    #[serde(default)]
    pub description: String,
    /// E.164, e.g. `+14165550123`.
    #[validate(custom(function = "e164"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^\+[1-9][0-9]{1,14}$", example = "+14165550123")
    )]
    #[serde(default)]
    pub phone: Option<String>,
    /// An http(s) URL.
    #[validate(length(max = 500), custom(function = "http_url"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 500, format = "uri", example = "https://example.com")
    )]
    #[serde(default)]
    pub website: Option<String>,
    /// Slugs of the categories served (see `GET /v1/categories`).
    #[validate(length(min = 1, max = 20))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub categories: Vec<String>,
    /// Where the pro works; the public sees the centre rounded to about 1 km.
    #[validate(nested)]
    pub service_area: ServiceAreaInput,
    /// Whether new leads may be offered (default true).
    #[serde(default = "yes")]
    pub accepting_leads: bool,
}

/// A partner's own view of their profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerProfile {
    /// The partner's id: the same as their account's user id (one profile per partner account).
    pub id: String,
    /// The account's email.
    pub email: String,
    /// The business name customers see.
    pub business_name: String,
    /// About the business, as the public profile shows it.
    pub description: String,
    /// The business phone (E.164), if given; the public gets it only from a Brand Builder, by a
    /// contact click.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub phone: Option<String>,
    /// The business website, if given; the public gets it only from a Brand Builder, by a contact
    /// click.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub website: Option<String>,
    /// The categories served.
    pub categories: Vec<Category>,
    /// Where the pro works, with the exact centre.
    pub service_area: ServiceArea,
    /// The membership tier.
    pub tier: MembershipTier,
    /// `active`, or `suspended` (hidden from the public and from matching).
    pub status: PartnerStatus,
    /// Whether new leads may be offered.
    pub accepting_leads: bool,
    /// Working hours and days off.
    pub availability: Availability,
    /// The Star Score, 0 to 100 (percent), from published ratings with recent ones weighing more;
    /// `null` until the first one. Below 80 the pro gets no marketplace leads.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub star_score: Option<f64>,
    /// How many published reviews the pro has.
    pub review_count: i64,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// Monday to Sunday.
    pub const ALL: [Self; 7] = [
        Self::Monday,
        Self::Tuesday,
        Self::Wednesday,
        Self::Thursday,
        Self::Friday,
        Self::Saturday,
        Self::Sunday,
    ];
}

impl From<Weekday> for chrono::Weekday {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Monday => Self::Mon,
            Weekday::Tuesday => Self::Tue,
            Weekday::Wednesday => Self::Wed,
            Weekday::Thursday => Self::Thu,
            Weekday::Friday => Self::Fri,
            Weekday::Saturday => Self::Sat,
            Weekday::Sunday => Self::Sun,
        }
    }
}

/// Working hours on one weekday, local time: `start` inclusive, `end` exclusive, `HH:MM`
/// (`end` may be `24:00`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeeklyHours {
    /// The day these hours apply to.
    pub weekday: Weekday,
    /// Start, `HH:MM` local time (inclusive).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "08:00")
    )]
    pub start: String,
    /// End, `HH:MM` local time (exclusive); `24:00` for midnight.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", example = "17:30")
    )]
    pub end: String,
}

/// `PUT /v1/partners/me/availability`, and the availability part of the profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "valid_availability"))]
pub struct Availability {
    /// IANA time zone of the hours, e.g. `America/Toronto`.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, example = "America/Toronto")
    )]
    pub time_zone: String,
    /// Ranges must not overlap on a weekday.
    #[validate(length(max = 70))]
    #[cfg_attr(feature = "openapi", schema(max_items = 70))]
    pub weekly: Vec<WeeklyHours>,
    /// Dates (in the partner's time zone) with no work at all.
    #[validate(length(max = 366))]
    #[cfg_attr(feature = "openapi", schema(max_items = 366))]
    #[serde(default)]
    pub days_off: Vec<NaiveDate>,
}

impl Availability {
    /// The same hours every day of the week in `time_zone`, no days off.
    pub fn every_day(time_zone: &str, start: &str, end: &str) -> Self {
        Self {
            time_zone: time_zone.to_owned(),
            weekly: Weekday::ALL
                .into_iter()
                .map(|weekday| WeeklyHours {
                    weekday,
                    start: start.to_owned(),
                    end: end.to_owned(),
                })
                .collect(),
            days_off: Vec::new(),
        }
    }
}

/// Minutes since local midnight of `HH:MM` (`24:00` allowed when `end`).
pub fn parse_hhmm(value: &str, allow_24: bool) -> Option<u32> {
    let (hours, minutes) = value.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let hours: u32 = hours.parse().ok()?;
    let minutes: u32 = minutes.parse().ok()?;
    match (hours, minutes) {
        (24, 0) if allow_24 => Some(24 * 60),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

fn valid_availability(availability: &Availability) -> Result<(), ValidationError> {
    if availability.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(message("time_zone", "unknown IANA time zone"));
    }
    let mut ranges = Vec::new();
    for (index, hours) in availability.weekly.iter().enumerate() {
        let (Some(start), Some(end)) = (
            parse_hhmm(&hours.start, false),
            parse_hhmm(&hours.end, true),
        ) else {
            return Err(message(
                "weekly",
                &format!("weekly[{index}]: times are HH:MM"),
            ));
        };
        if start >= end {
            return Err(message(
                "weekly",
                &format!("weekly[{index}]: start must be before end"),
            ));
        }
        ranges.push((hours.weekday, start, end, index));
    }
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        let (day_a, _, end_a, index_a) = pair[0];
        let (day_b, start_b, _, index_b) = pair[1];
        if day_a == day_b && start_b < end_a {
            return Err(message(
                "weekly",
                &format!("weekly[{index_a}] and weekly[{index_b}] overlap"),
            ));
        }
    }
    Ok(())
}

fn instant_has_a_price(input: &CategoryInput) -> Result<(), ValidationError> {
    match (input.assignment_mode, &input.list_price) {
        (AssignmentMode::Instant, None) => Err(message(
            "list_price",
            "instant categories need a list price",
        )),
        (AssignmentMode::Review, Some(_)) => Err(message(
            "list_price",
            "review categories are quoted per job: no list price",
        )),
        _ => Ok(()),
    }
}

/// A schema-level error that names a field: `field_errors` files it under that field.
pub(crate) fn message(field: &'static str, text: &str) -> ValidationError {
    let mut error = ValidationError::new("invalid");
    error.message = Some(text.to_owned().into());
    error.add_param("field".into(), &field);
    error
}

/// The zone a marketplace request's times are read in when its customer does not say (the
/// seeds' market, Toronto).
pub const MARKETPLACE_TIME_ZONE: &str = "America/Toronto";

/// An IANA time zone name, e.g. `America/Vancouver`.
pub(crate) fn iana_time_zone(value: &str) -> Result<(), ValidationError> {
    if value.parse::<chrono_tz::Tz>().is_ok() {
        Ok(())
    } else {
        let mut error = ValidationError::new("time_zone");
        error.message = Some("must be an IANA time zone like America/Toronto".into());
        Err(error)
    }
}

pub(crate) fn e164(value: &str) -> Result<(), ValidationError> {
    let digits = value.strip_prefix('+').unwrap_or("");
    let ok = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        let mut error = ValidationError::new("e164");
        error.message = Some("must be an E.164 number like +14165550123".into());
        Err(error)
    }
}

fn http_url(value: &str) -> Result<(), ValidationError> {
    use validator::ValidateUrl;
    let scheme_ok = value.starts_with("https://") || value.starts_with("http://");
    if scheme_ok && value.validate_url() {
        Ok(())
    } else {
        let mut error = ValidationError::new("url");
        error.message = Some("must be an http(s) URL".into());
        Err(error)
    }
}

fn currency_code(value: &str) -> Result<(), ValidationError> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        let mut error = ValidationError::new("currency");
        error.message = Some("must be a 3-letter ISO 4217 code like CAD".into());
        Err(error)
    }
}

fn slug(value: &str) -> Result<(), ValidationError> {
    let ok = value.split('-').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if ok {
        Ok(())
    } else {
        let mut error = ValidationError::new("slug");
        error.message = Some("lower-case letters and digits, separated by single dashes".into());
        Err(error)
    }
}

fn not_blank(value: &str) -> Result<(), ValidationError> {
    crate::auth::not_blank(value)
}

fn yes() -> bool {
    true
}

/// Where a partner works, as the public sees it: the centre rounded to about 1 km.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicArea {
    /// The city served, e.g. "Toronto".
    pub city: String,
    /// Rounded to 2 decimals (about 1 km).
    pub lat: f64,
    /// Rounded to 2 decimals (about 1 km or less).
    pub lon: f64,
    /// How far from the centre the pro works, in km.
    pub radius_km: f64,
}

/// `GET /v1/partners/{id}`: what homeowners see. Phone and website are not in it: they are
/// revealed (and counted as connections) by `POST /v1/partners/{id}/contact-clicks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicPartner {
    /// The partner's id: the same as their account's user id (one profile per partner account).
    pub id: String,
    /// The business name.
    pub business_name: String,
    /// About the business.
    pub description: String,
    /// The categories served.
    pub categories: Vec<Category>,
    /// Where the pro works, the centre rounded to about 1 km.
    pub area: PublicArea,
    /// The membership tier (only Brand Builders show phone and website).
    pub tier: MembershipTier,
    /// Published reviews.
    pub review_count: i64,
    /// Average stars of published reviews (1..=5); `null` without reviews.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub average_stars: Option<f64>,
    /// 0..=100; `null` until the partner has a score.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub star_score: Option<f64>,
    /// Brand Builders with a phone on file show a click-to-call button.
    pub has_phone: bool,
    /// Brand Builders with a website on file show a link.
    pub has_website: bool,
}

/// A search result: the public profile and how far the searched point is from its centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartnerSearchHit {
    /// The pro's public profile.
    pub partner: PublicPartner,
    /// From the searched point to the centre of the pro's area, in km (to the metre).
    pub distance_km: f64,
}

/// `GET /v1/partners`: active partners serving `category` whose area covers the point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PartnerSearch {
    /// A category slug.
    #[validate(length(min = 1, max = 50))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 50))]
    pub category: String,
    #[validate(range(min = -90.0, max = 90.0))]
    #[cfg_attr(feature = "openapi", param(minimum = -90.0, maximum = 90.0))]
    pub lat: f64,
    #[validate(range(min = -180.0, max = 180.0))]
    #[cfg_attr(feature = "openapi", param(minimum = -180.0, maximum = 180.0))]
    pub lon: f64,
}

/// What a homeowner clicked on a public profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// The click-to-call button.
    Phone,
    /// The website link.
    Website,
}

/// `POST /v1/partners/{id}/contact-clicks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactClick {
    /// What the homeowner clicked: `phone` or `website`.
    pub kind: ContactKind,
}

/// The phone number to dial or the website to open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactTarget {
    /// Which contact it is.
    pub kind: ContactKind,
    /// The phone number (E.164) to dial, or the website URL to open.
    pub value: String,
}

open_enum! {
    /// Every contact a partner gets from a homeowner.
    #[derive(Hash, PartialOrd, Ord)]
    pub enum ConnectionKind {
        /// A view of the public profile (one per viewer per hour).
        ProfileView,
        /// A request sent from the profile ("Get a Quote").
        ProfileLead,
        /// A marketplace lead the pro won.
        MarketplaceLead,
        /// A click that revealed the phone number.
        PhoneClick,
        /// A click that opened the website.
        WebsiteClick,
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One bucket per day.
    #[default]
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
}

/// `GET /v1/partners/me/connections`: an inclusive range of dates in the partner's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[validate(schema(function = "valid_range"))]
pub struct ConnectionsQuery {
    /// First day (default: 29 days before `to`).
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day (default: today in the partner's time zone).
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub granularity: Granularity,
}

/// The longest range one analytics call covers.
pub const MAX_CONNECTIONS_RANGE_DAYS: i64 = 366;

fn valid_range(query: &ConnectionsQuery) -> Result<(), ValidationError> {
    if let (Some(from), Some(to)) = (query.from, query.to) {
        if from > to {
            return Err(message("from", "must not be after `to`"));
        }
        if (to - from).num_days() >= MAX_CONNECTIONS_RANGE_DAYS {
            return Err(message("from", "the range is limited to 366 days"));
        }
    }
    Ok(())
}

/// Counts of each kind of connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionCounts {
    /// Views of the public profile (one per viewer per hour).
    pub profile_view: i64,
    /// Requests sent to the pro from their profile ("Get a Quote"), answered or not.
    pub profile_lead: i64,
    /// Marketplace leads the pro won.
    pub marketplace_lead: i64,
    /// Clicks that revealed the phone number.
    pub phone_click: i64,
    /// Clicks that opened the website.
    pub website_click: i64,
}

impl ConnectionCounts {
    pub fn add(&mut self, kind: ConnectionKind, n: i64) {
        let slot = match kind {
            ConnectionKind::ProfileView => &mut self.profile_view,
            ConnectionKind::ProfileLead => &mut self.profile_lead,
            ConnectionKind::MarketplaceLead => &mut self.marketplace_lead,
            ConnectionKind::PhoneClick => &mut self.phone_click,
            ConnectionKind::WebsiteClick => &mut self.website_click,
            ConnectionKind::Unknown => return,
        };
        *slot += n;
    }
}

/// One bucket of the series: the day, week (its Monday) or month (its first day) it starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionBucket {
    /// The bucket's first day: the day itself, the week's Monday or the month's first day.
    pub start: NaiveDate,
    /// The connections in the bucket.
    pub counts: ConnectionCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionStats {
    /// The range's first day (inclusive).
    pub from: NaiveDate,
    /// The range's last day (inclusive).
    pub to: NaiveDate,
    /// The size of each bucket.
    pub granularity: Granularity,
    /// The time zone the days are counted in (the partner's).
    pub time_zone: String,
    /// The counts over the whole range.
    pub totals: ConnectionCounts,
    /// Every bucket of the range, empty ones included, oldest first.
    pub buckets: Vec<ConnectionBucket>,
}

/// `GET /v1/admin/partners` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PartnerFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PartnerStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<MembershipTier>,
    /// A category slug.
    #[validate(length(min = 1, max = 50))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 50))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Business names or account emails containing this text (ASCII letters in any case).
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
}

/// `PATCH /v1/admin/partners/{id}`: what staff may change, and why (kept in the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "changes_something"))]
pub struct PartnerAdminUpdate {
    /// The new status; absent: unchanged.
    #[serde(default)]
    pub status: Option<PartnerStatus>,
    /// The new membership tier; absent: unchanged.
    #[serde(default)]
    pub tier: Option<MembershipTier>,
    /// Why (1 to 1000 characters); kept in the audit log.
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"[^\s\u0085]", min_length = 1, max_length = 1000)
    )]
    pub reason: String,
}

fn changes_something(update: &PartnerAdminUpdate) -> Result<(), ValidationError> {
    if update.status.is_none() && update.tier.is_none() {
        return Err(message("status", "set `status`, `tier` or both"));
    }
    Ok(())
}

/// A staff change, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// The entry's id.
    pub id: String,
    /// The staff member who made the change.
    pub actor_id: String,
    /// e.g. `partner.update`, `category.create`.
    pub action: String,
    /// The kind of object changed: `partner`, `category`, `job`, `request`, `user`, `rating`,
    /// `refund` or `payout`.
    pub subject_type: String,
    /// The changed object's id.
    pub subject_id: String,
    /// What the change touched, before it (a snapshot, or just the changed fields); `null` when
    /// there was nothing to record, e.g. on a creation.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub before: Option<serde_json::Value>,
    /// What the change touched, after it; `null` when nothing changed state, e.g. a note.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub after: Option<serde_json::Value>,
    /// The reason staff gave, for actions that take one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub reason: Option<String>,
    /// When the change was made.
    pub created_at: DateTime<Utc>,
}

/// `GET /v1/admin/audit-log` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditFilter {
    /// Only entries about this object.
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    /// Only changes by this staff member.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_id: Option<String>,
    /// Only actions starting with this, e.g. `payout.` or `job.resolve_dispute`.
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
}
