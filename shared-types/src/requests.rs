//! Service requests, the lead offers that matching sends to partners, and assignment.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::partners::{AssignmentMode, Category, Money, MoneyInput, PublicPartner};

/// A time the customer is available, in UTC: 1 to 12 hours, in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeWindow {
    /// Start, UTC (RFC 3339).
    pub start: DateTime<Utc>,
    /// End, UTC (RFC 3339); after `start`.
    pub end: DateTime<Utc>,
}

/// Where the work is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Address {
    /// Street and number; a pro sees it only once assigned (`GET /v1/jobs/{id}/customer`).
    pub street: String,
    /// The city, e.g. "Toronto".
    pub city: String,
    /// The postal code; pros offered the lead see only its first three characters.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `CA`.
    pub country: String,
    /// Latitude of the address, in degrees (as sent, or as the API found it); used for
    /// matching, never shown to pros before assignment.
    pub lat: f64,
    /// Longitude of the address, in degrees; used for matching, never shown to pros before
    /// assignment.
    pub lon: f64,
}

/// Where the work is, as typed: without `lat` and `lon` the API finds them from the address
/// (a 422 on `address` when it cannot place it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "both_coordinates_or_neither"))]
pub struct AddressInput {
    /// Street and number; a pro sees it only once assigned (`GET /v1/jobs/{id}/customer`).
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"[^\s\u0085]")
    )]
    pub street: String,
    /// The city, e.g. "Toronto".
    #[validate(length(min = 1, max = 100))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = r"[^\s\u0085]")
    )]
    pub city: String,
    /// The postal code; pros offered the lead see only its first three characters.
    #[validate(length(min = 3, max = 12))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 12, pattern = r"[^\s\u0085]")
    )]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2, e.g. `CA`.
    #[validate(length(equal = 2))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 2, max_length = 2, example = "CA")
    )]
    pub country: String,
    /// Latitude of the address, in degrees, e.g. from a suggestion of `GET /v1/places`; with
    /// `lon`, or neither (then the API finds them).
    #[validate(range(min = -90.0, max = 90.0))]
    #[cfg_attr(feature = "openapi", schema(minimum = -90.0, maximum = 90.0))]
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude of the address, in degrees; with `lat`, or neither.
    #[validate(range(min = -180.0, max = 180.0))]
    #[cfg_attr(feature = "openapi", schema(minimum = -180.0, maximum = 180.0))]
    #[serde(default)]
    pub lon: Option<f64>,
}

/// `POST /v1/requests`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRequestInput {
    /// A category slug.
    #[validate(length(min = 1, max = 50))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 50))]
    pub category: String,
    /// What needs doing, in the customer's words (10 to 2000 characters); shown to the pros offered
    /// the lead.
    #[validate(length(min = 10, max = 2000))]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 2000))]
    pub description: String,
    /// Where the work is; pros see only the city and postal area until one is assigned.
    #[validate(nested)]
    pub address: AddressInput,
    /// 1 to 5 windows, each 1 to 12 hours and in the future.
    #[validate(length(min = 1, max = 5), custom(function = "valid_windows"))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 5))]
    pub windows: Vec<TimeWindow>,
    /// What the customer expects to spend, if they want to say; shown to the pros offered the lead.
    #[validate(nested)]
    #[serde(default)]
    pub budget: Option<MoneyInput>,
    /// https URLs of photos kept elsewhere, at most 10 (older clients; prefer `photo_ids`).
    #[validate(length(max = 10), custom(function = "https_urls"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    #[serde(default)]
    pub photo_urls: Vec<String>,
    /// Up to 10 photos of what needs doing, uploaded first with `POST /v1/photos`; each
    /// must be the caller's own and not attached to anything yet.
    #[validate(length(max = 10), custom(function = "crate::photos::photo_ids"))]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    #[serde(default)]
    pub photo_ids: Vec<String>,
    /// A phone number for the assigned pro, E.164. Kept with the request; the pro is given
    /// only the account's confirmed number (`PUT /v1/me/phone`), never an unconfirmed one.
    #[validate(custom(function = "crate::partners::e164"))]
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^\+[1-9][0-9]{1,14}$", example = "+14165550199")
    )]
    #[serde(default)]
    pub contact_phone: Option<String>,
    /// Set to ask one pro ("Get a Quote" on their profile): a *profile lead*. Absent: the
    /// platform finds pros, a *marketplace lead*.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    #[serde(default)]
    pub partner_id: Option<String>,
    /// The IANA time zone the customer chose the windows in (their phone's), e.g.
    /// `America/Vancouver`: the pro is shown the windows in it. Absent: `America/Toronto`.
    #[validate(length(max = 64), custom(function = "crate::partners::iana_time_zone"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, example = "America/Toronto")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl ServiceRequestInput {
    /// The zone the windows were chosen in.
    pub fn time_zone(&self) -> &str {
        self.time_zone
            .as_deref()
            .unwrap_or(crate::partners::MARKETPLACE_TIME_ZONE)
    }
}

open_enum! {
    pub enum RequestKind {
        /// Sent from one partner's profile to that partner.
        Profile,
        /// Matched by the platform to the best nearby pros.
        Marketplace,
    }
}

open_enum! {
    pub enum RequestStatus {
        /// Offered to pros, nobody assigned yet.
        Open,
        /// A pro has the job.
        Assigned,
        /// The customer withdrew it.
        Cancelled,
        /// No pro was available.
        Unfilled,
        /// The assigned pro cancelled the job; `POST /v1/requests/{id}/rematch` looks for another.
        ProCancelled,
    }
}

/// A request as its customer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRequest {
    /// The request's id.
    pub id: String,
    /// `profile` (asked of one pro) or `marketplace` (matched by the platform).
    pub kind: RequestKind,
    /// The category asked for.
    pub category: Category,
    /// What needs doing, in the customer's words.
    pub description: String,
    /// Where the work is.
    pub address: Address,
    /// When the customer is available (UTC).
    pub windows: Vec<TimeWindow>,
    /// The IANA zone the windows were chosen in.
    pub time_zone: String,
    /// The customer's budget; `null` when they gave none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub budget: Option<Money>,
    /// `https` URLs of photos kept elsewhere, given by older clients (may be empty).
    pub photo_urls: Vec<String>,
    /// How many photos the customer uploaded with the request; `GET /v1/requests/{id}/photos`
    /// gives them with links.
    #[serde(default)]
    pub photo_count: u32,
    /// The phone number given with the request (E.164), if any; a pro is only ever given the
    /// account's confirmed number.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub contact_phone: Option<String>,
    /// Where the request stands.
    pub status: RequestStatus,
    /// How many pros have been offered the lead so far.
    pub offers_sent: i64,
    /// Once assigned: who is coming.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub assigned_partner: Option<PublicPartner>,
    /// Once assigned: the job.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub job_id: Option<String>,
    /// When the customer made the request.
    pub created_at: DateTime<Utc>,
}

open_enum! {
    pub enum OfferStatus {
        /// Waiting for the pro.
        Offered,
        /// The pro took it (instant) or staff assigned it to them (review).
        Accepted,
        /// The pro applied with a quote; staff decide (review).
        Applied,
        /// The pro passed.
        Declined,
        /// Nobody answered in time.
        Expired,
        /// Another pro got the job.
        Taken,
        /// The customer cancelled the request.
        Withdrawn,
    }
}

/// Why a pro got a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchReason {
    /// From the centre of the pro's area to the job.
    pub distance_km: f64,
    /// The customer's window that fits the pro's hours (marketplace leads).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub window: Option<TimeWindow>,
    /// The pro's Star Score when matched.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub star_score: Option<f64>,
}

/// A lead offer, as the pro sees it: enough to decide, nothing that identifies the homeowner
/// (no name, street, exact position, phone or email) until the pro is assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    /// The offer's id.
    pub id: String,
    /// The customer's request the offer is for.
    pub request_id: String,
    /// `profile` (the customer asked this pro) or `marketplace` (matched by the platform).
    pub kind: RequestKind,
    /// Where this offer stands for the pro.
    pub status: OfferStatus,
    /// The category of the work.
    pub category: Category,
    /// `instant`: confirm to take the job; `review`: apply with a quote and staff choose.
    pub assignment_mode: AssignmentMode,
    /// What the customer needs, in their words.
    pub description: String,
    /// `https` URLs of photos kept elsewhere the customer added (may be empty).
    pub photo_urls: Vec<String>,
    /// How many photos the customer uploaded; `GET /v1/requests/{request_id}/photos` gives them.
    #[serde(default)]
    pub photo_count: u32,
    /// When the customer is available (UTC); show them in `time_zone`.
    pub windows: Vec<TimeWindow>,
    /// The IANA zone the customer chose the windows in: show them in it (say so when it is not
    /// the pro's own).
    pub time_zone: String,
    /// The customer's budget; `null` when they gave none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub budget: Option<Money>,
    /// What the pro receives for the job at the category's list price, after the platform fee
    /// (instant categories); `null` for quoted work.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub earnings: Option<Money>,
    /// The platform fee on the job's price, in basis points (1500 = 15%), as it was when the
    /// lead was offered: what a quote brings the pro is the quote less this share.
    pub platform_fee_bps: u32,
    /// The city of the work.
    pub city: String,
    /// The first three characters of the postal code (e.g. `M5V`).
    pub postal_prefix: String,
    /// Why this pro got the lead.
    pub why: MatchReason,
    /// How many pros this lead was offered to.
    pub offered_to: i64,
    /// How pros rated this customer after earlier jobs (the customer stays anonymous).
    pub customer_rating: crate::ratings::RatingSummary,
    /// Until when the pro can answer; an offer still unanswered then expires.
    pub expires_at: DateTime<Utc>,
    /// The pro's application (review mode).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub application: Option<ApplyInput>,
    /// Set when this pro got the job.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub job_id: Option<String>,
}

/// `GET /v1/leads` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct LeadFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OfferStatus>,
}

/// `POST /v1/leads/{id}/apply` (review categories).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyInput {
    /// The pro's message for staff, who choose among the applicants (1 to 2000 characters).
    #[validate(length(min = 1, max = 2000))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"[^\s\u0085]")
    )]
    pub message: String,
    /// The price the pro proposes.
    #[validate(nested)]
    pub quote: MoneyInput,
}

/// `POST /v1/requests/{id}/rematch`: look for another pro after the assigned one cancelled,
/// optionally with new time windows (the old ones are kept otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RematchInput {
    /// 1 to 5 windows, each 1 to 12 hours and in the future.
    #[validate(length(min = 1, max = 5), custom(function = "valid_windows"))]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 5))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<Vec<TimeWindow>>,
    /// A wider search: also ask pros whose area ends short of the address, up to this many km
    /// beyond it (1 to 50). Kept for the request's later rounds; absent keeps the reach it had.
    #[validate(range(min = 1, max = MAX_EXTRA_REACH_KM))]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 50, example = 10))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_km: Option<u32>,
}

/// The farthest beyond their own area a wider search asks pros.
pub const MAX_EXTRA_REACH_KM: u32 = 50;

/// `POST /v1/leads/{id}/decline`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeclineInput {
    /// Why the pro passes, if they want to say (up to 500 characters); the customer is not told.
    #[validate(length(max = 500))]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    #[serde(default)]
    pub reason: Option<String>,
}

/// The result of a winning confirm or a staff assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// The request assigned.
    pub request_id: String,
    /// The pro who got the job (their user id).
    pub partner_id: String,
    /// The job created for the pro.
    pub job_id: String,
    /// The job's price: the category's list price (instant) or the chosen quote (review).
    pub price: Money,
}

/// What staff see of an application when they choose a pro.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadApplication {
    /// The application's id: send it as `offer_id` to `POST /v1/admin/requests/{id}/assign`.
    pub offer_id: String,
    /// Where the application stands (`applied` while staff decide).
    pub status: OfferStatus,
    /// The applying pro's public profile.
    pub partner: PublicPartner,
    /// The pro's message with the application.
    pub message: String,
    /// The price the pro proposes.
    pub quote: Money,
    /// When the pro applied.
    pub applied_at: DateTime<Utc>,
    /// Jobs the pro has finished on the platform.
    pub completed_jobs: i64,
    /// How far the request is from the centre of the pro's area.
    pub distance_km: f64,
    /// The customer's window that falls in the pro's working hours, as matching found it.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub available_window: Option<TimeWindow>,
    /// Jobs this pro has finished for this customer before (completed or confirmed).
    pub jobs_with_customer: i64,
}

/// `POST /v1/admin/requests/{id}/assign`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignInput {
    /// The application (offer) to accept.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub offer_id: String,
}

/// `GET /v1/jobs/{id}/customer`: the homeowner's contact details, for the assigned pro only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetails {
    /// The job the details are for.
    pub job_id: String,
    /// The customer's name.
    pub name: String,
    /// The customer's email address.
    pub email: String,
    /// The customer's confirmed phone number; none until they confirm one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub phone: Option<String>,
    /// The full address of the work.
    pub address: Address,
}

pub(crate) fn valid_windows(windows: &[TimeWindow]) -> Result<(), ValidationError> {
    let now = Utc::now();
    for (index, window) in windows.iter().enumerate() {
        let hours = (window.end - window.start).num_minutes();
        let problem = if window.start <= now {
            Some("must start in the future")
        } else if window.end <= window.start {
            Some("must end after it starts")
        } else if !(60..=12 * 60).contains(&hours) {
            Some("must last 1 to 12 hours")
        } else {
            None
        };
        if let Some(problem) = problem {
            let mut error = ValidationError::new("window");
            error.message = Some(format!("windows[{index}] {problem}").into());
            return Err(error);
        }
    }
    Ok(())
}

pub(crate) fn https_urls(urls: &[String]) -> Result<(), ValidationError> {
    use validator::ValidateUrl;
    for (index, url) in urls.iter().enumerate() {
        if url.len() > 500 || !url.starts_with("https://") || !url.validate_url() {
            let mut error = ValidationError::new("url");
            error.message = Some(format!("photo_urls[{index}] must be an https URL").into());
            return Err(error);
        }
    }
    Ok(())
}

/// One read of a customer's contact details (staff audit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerDetailRead {
    /// The read's id.
    pub id: String,
    /// The job whose customer's details were read.
    pub job_id: String,
    /// The pro who read them.
    pub partner_id: String,
    /// When they were read.
    pub read_at: DateTime<Utc>,
}

/// `GET /v1/admin/customer-detail-reads` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DetailReadFilter {
    /// Only reads of this job's customer.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Only reads by this pro.
    #[validate(length(min = 1, max = 64))]
    #[cfg_attr(feature = "openapi", param(min_length = 1, max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
}

fn both_coordinates_or_neither(address: &AddressInput) -> Result<(), ValidationError> {
    if address.lat.is_some() == address.lon.is_some() {
        Ok(())
    } else {
        Err(crate::partners::message(
            "lat",
            "give both lat and lon, or neither to have the address placed",
        ))
    }
}

impl AddressInput {
    /// The address with its coordinates, once they are known.
    pub fn located(&self, lat: f64, lon: f64) -> Address {
        Address {
            street: self.street.clone(),
            city: self.city.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
            lat,
            lon,
        }
    }
}
