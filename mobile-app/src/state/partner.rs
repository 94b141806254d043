//! What the partner's screens show and do: onboarding, the lead inbox, a lead, the wallet,
//! ratings, connection stats and settings.

use chrono_tz::Tz;
use shared_types::ErrorCode;
use shared_types::notify::{Device, NotificationPreferences, QuietHours};
use shared_types::pagination::PageParams;
use shared_types::partners::{
    Availability, Category, ConnectionStats, ConnectionsQuery, Granularity, Money, MoneyInput,
    PartnerProfile, PartnerProfileInput, ServiceAreaInput, Weekday, WeeklyHours,
};
use shared_types::ratings::{ReplyInput, Review};
use shared_types::requests::{ApplyInput, DeclineInput, Lead, LeadFilter};
use shared_types::wallet::{
    BankAccountInput, Payout, PayoutMethod, PayoutMethodInput, PayoutMethodKind, PayoutStatement,
    Wallet, WalletEntry,
};

use super::error::AppError;
use super::format;
use super::session::Session;

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

// --- onboarding ---

/// One day of the weekly hours form.
#[derive(Debug, Clone, PartialEq)]
pub struct DayHours {
    pub weekday: Weekday,
    pub open: bool,
    pub start: String,
    pub end: String,
}

/// A service area's centre as stored, for a profile that has no typed place.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptPoint {
    pub city: String,
    pub lat: f64,
    pub lon: f64,
}

/// The onboarding form as typed: text fields stay text until submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct OnboardingForm {
    pub business_name: String,
    pub description: String,
    pub phone: String,
    pub website: String,
    /// Category slugs.
    pub categories: Vec<String>,
    /// Where the pro works from: an address, a postal code or a city (the API finds it).
    pub place: String,
    /// An area set by coordinates (before places could be typed), kept while `place` still
    /// shows its city unchanged.
    pub kept_point: Option<KeptPoint>,
    pub radius_km: String,
    pub time_zone: String,
    pub days: Vec<DayHours>,
    pub accepting_leads: bool,
}

impl OnboardingForm {
    /// A new pro's form: weekdays 08:00–17:00 in `zone`.
    pub fn blank(zone: Tz) -> Self {
        Self {
            business_name: String::new(),
            description: String::new(),
            phone: String::new(),
            website: String::new(),
            categories: Vec::new(),
            place: String::new(),
            kept_point: None,
            radius_km: "25".into(),
            time_zone: zone.name().to_owned(),
            days: Weekday::ALL
                .into_iter()
                .map(|weekday| DayHours {
                    weekday,
                    open: !matches!(weekday, Weekday::Saturday | Weekday::Sunday),
                    start: "08:00".into(),
                    end: "17:00".into(),
                })
                .collect(),
            accepting_leads: true,
        }
    }

    pub fn from_profile(profile: &PartnerProfile) -> Self {
        let area = &profile.service_area;
        let days = Weekday::ALL
            .into_iter()
            .map(|weekday| {
                let hours = profile
                    .availability
                    .weekly
                    .iter()
                    .find(|hours| hours.weekday == weekday);
                DayHours {
                    weekday,
                    open: hours.is_some(),
                    start: hours.map_or("08:00".into(), |h| h.start.clone()),
                    end: hours.map_or("17:00".into(), |h| h.end.clone()),
                }
            })
            .collect();
        Self {
            business_name: profile.business_name.clone(),
            description: profile.description.clone(),
            phone: profile.phone.clone().unwrap_or_default(),
            website: profile.website.clone().unwrap_or_default(),
            categories: profile.categories.iter().map(|c| c.slug.clone()).collect(),
            place: area.place.clone().unwrap_or_else(|| area.city.clone()),
            kept_point: area.place.is_none().then(|| KeptPoint {
                city: area.city.clone(),
                lat: area.lat,
                lon: area.lon,
            }),
            radius_km: area.radius_km.to_string(),
            time_zone: profile.availability.time_zone.clone(),
            days,
            accepting_leads: profile.accepting_leads,
        }
    }

    fn service_area(&self, radius_km: f64) -> ServiceAreaInput {
        let place = self.place.trim();
        match &self.kept_point {
            Some(kept) if place == kept.city => {
                ServiceAreaInput::at(&kept.city, kept.lat, kept.lon, radius_km)
            }
            _ => ServiceAreaInput::around(place, radius_km),
        }
    }

    /// The two API bodies, or field errors for numbers that are not numbers.
    pub fn to_inputs(&self) -> Result<(PartnerProfileInput, Availability), AppError> {
        let number = |field: &str, text: &str| {
            text.trim()
                .parse::<f64>()
                .map_err(|_| AppError::invalid(field, "enter a number"))
        };
        let optional = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let profile = PartnerProfileInput {
            business_name: self.business_name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            phone: optional(&self.phone),
            website: optional(&self.website),
            categories: self.categories.clone(),
            service_area: self.service_area(number("service_area.radius_km", &self.radius_km)?),
            accepting_leads: self.accepting_leads,
        };
        let availability = Availability {
            time_zone: self.time_zone.trim().to_owned(),
            weekly: self
                .days
                .iter()
                .filter(|day| day.open)
                .map(|day| WeeklyHours {
                    weekday: day.weekday,
                    start: day.start.trim().to_owned(),
                    end: day.end.trim().to_owned(),
                })
                .collect(),
            days_off: Vec::new(),
        };
        Ok((profile, availability))
    }
}

/// The onboarding screen: the categories to pick from and the form.
#[derive(Debug, Clone, PartialEq)]
pub struct Onboarding {
    pub categories: Vec<Category>,
    pub form: OnboardingForm,
    /// The pro already has a profile (the screen edits it).
    pub existing: bool,
}

impl Onboarding {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let categories = active_categories(session).await?;
        let (form, existing) = match my_profile(session).await? {
            Some(profile) => (OnboardingForm::from_profile(&profile), true),
            None => (OnboardingForm::blank(session.time_zone()), false),
        };
        Ok(Self {
            categories,
            form,
            existing,
        })
    }

    /// Saves the profile, then the weekly hours. Times then show in the pro's working zone.
    pub async fn save(
        session: &Session,
        form: &OnboardingForm,
    ) -> Result<PartnerProfile, AppError> {
        let (profile, availability) = form.to_inputs()?;
        session
            .call(|c| {
                let profile = profile.clone();
                async move { c.put_my_partner_profile(&profile).await }
            })
            .await?;
        session
            .call(|c| {
                let availability = availability.clone();
                async move { c.put_my_availability(&availability).await }
            })
            .await?;
        let saved = my_profile(session)
            .await?
            .ok_or_else(|| AppError::Unexpected("the profile was not saved".into()))?;
        adopt_time_zone(session, &saved);
        Ok(saved)
    }
}

pub async fn active_categories(session: &Session) -> Result<Vec<Category>, AppError> {
    let page = session
        .public(|c| async move { c.categories(&PageParams::default()).await })
        .await?;
    Ok(page.items.into_iter().filter(|c| c.active).collect())
}

/// The pro's profile, or `None` before onboarding.
pub async fn my_profile(session: &Session) -> Result<Option<PartnerProfile>, AppError> {
    match session
        .call(|c| async move { c.my_partner_profile().await })
        .await
    {
        Ok(profile) => Ok(Some(profile)),
        Err(error) if error.code() == Some(ErrorCode::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}

/// Shows times in the zone the pro works in.
pub fn adopt_time_zone(session: &Session, profile: &PartnerProfile) {
    if let Ok(zone) = profile.availability.time_zone.parse::<Tz>() {
        session.pin_time_zone(zone);
    }
}

// --- leads ---

/// The lead inbox: leads waiting for an answer first (soonest expiry first), then the rest.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadInbox {
    pub waiting: Vec<Lead>,
    pub answered: Vec<Lead>,
}

impl LeadInbox {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let page = session
            .call(|c| async move {
                c.leads(&LeadFilter::default(), &PageParams::default())
                    .await
            })
            .await?;
        Ok(Self::from_leads(page.items))
    }

    pub fn from_leads(leads: Vec<Lead>) -> Self {
        use shared_types::requests::OfferStatus;
        let (mut waiting, answered): (Vec<Lead>, Vec<Lead>) = leads
            .into_iter()
            .partition(|lead| lead.status == OfferStatus::Offered);
        waiting.sort_by_key(|lead| lead.expires_at);
        Self { waiting, answered }
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty() && self.answered.is_empty()
    }
}

/// Why this pro got this lead, in one line.
pub fn why_matched(lead: &Lead, zone: Tz) -> String {
    let mut reasons = vec![format!(
        "{} from the centre of your area",
        format::distance(lead.why.distance_km)
    )];
    if let Some(window) = &lead.why.window {
        reasons.push(format!(
            "you're free {}",
            format::window_in(window, &lead.time_zone, zone)
        ));
    }
    if let Some(score) = lead.why.star_score {
        reasons.push(format!(
            "your Star Score {}",
            format::star_score(Some(score))
        ));
    }
    reasons.join(" · ")
}

/// `Sent to you only` / `Sent to 3 pros`.
pub fn reach(lead: &Lead) -> String {
    match lead.offered_to {
        ..=1 => "Sent to you only".into(),
        n => format!("Sent to {n} pros"),
    }
}

/// What the lead pays: the category's list price (instant) or the customer's budget.
pub fn lead_price(lead: &Lead) -> Option<&Money> {
    lead.category.list_price.as_ref().or(lead.budget.as_ref())
}

/// What the pro receives from the lead's list price, in a line: "You receive $126.65 CAD after
/// the 15% platform fee".
pub fn lead_earnings(lead: &Lead) -> Option<String> {
    let earnings = lead.earnings.as_ref()?;
    Some(format!(
        "You receive {} after the {} platform fee",
        format::money(earnings),
        shared_types::admin::fee_percent(lead.platform_fee_bps)
    ))
}

/// What a quote as typed would bring the pro, after the lead's platform fee; `None` until it
/// reads as an amount.
pub fn quote_earnings(lead: &Lead, quote: &str) -> Option<String> {
    let cents = format::parse_cents(quote)?;
    let fee = shared_types::admin::platform_fee_cents(cents, lead.platform_fee_bps);
    Some(format!(
        "You would receive {} after the {} platform fee",
        format::money_parts(cents - fee, quote_currency(lead)),
        shared_types::admin::fee_percent(lead.platform_fee_bps)
    ))
}

/// The currency a quote on the lead is in: the lead's price or budget's (CAD without one).
fn quote_currency(lead: &Lead) -> &str {
    lead_price(lead).map_or("CAD", |money| &money.currency)
}

/// How answering a lead turned out. Losing a race is an outcome, not an error.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadOutcome {
    /// The job is this pro's.
    Assigned {
        job_id: String,
    },
    /// The application was sent; the customer chooses.
    Applied,
    Declined,
    /// Another pro was faster.
    Taken,
    Expired,
}

fn race_outcome(error: AppError) -> Result<LeadOutcome, AppError> {
    match error.code() {
        Some(ErrorCode::LeadTaken) => Ok(LeadOutcome::Taken),
        Some(ErrorCode::LeadExpired) => Ok(LeadOutcome::Expired),
        _ => Err(error),
    }
}

pub async fn load_lead(session: &Session, lead_id: &str) -> Result<Lead, AppError> {
    session.call(|c| async move { c.lead(lead_id).await }).await
}

/// The photos the customer added to a lead's request (none when `photo_count` is 0).
pub async fn lead_photos(
    session: &Session,
    lead_id: &str,
) -> Result<Vec<shared_types::photos::Photo>, AppError> {
    session
        .call(|c| async move { c.lead_photos(lead_id).await })
        .await
}

/// The pro's own portfolio, as customers see it.
pub async fn my_portfolio(session: &Session) -> Result<Vec<shared_types::photos::Photo>, AppError> {
    let id = session.user().ok_or(AppError::SignedOut)?.id;
    session
        .call(|c| {
            let id = id.clone();
            async move { c.portfolio(&id).await }
        })
        .await
}

/// Adds an uploaded photo to the portfolio, with `caption` when one was typed.
pub async fn add_to_portfolio(
    session: &Session,
    photo_id: &str,
    caption: &str,
) -> Result<(), AppError> {
    let input = shared_types::photos::PortfolioPhotoInput {
        photo_id: photo_id.to_owned(),
        caption: Some(caption.trim().to_owned()).filter(|text| !text.is_empty()),
    };
    session
        .call(|c| {
            let input = input.clone();
            async move { c.add_portfolio_photo(&input).await }
        })
        .await
        .map(drop)
}

/// Takes a photo out of the portfolio (the API deletes it).
pub async fn remove_from_portfolio(session: &Session, photo_id: &str) -> Result<(), AppError> {
    session
        .call(|c| async move { c.remove_portfolio_photo(photo_id).await })
        .await
}

/// Confirm (instant categories): the first pro to confirm gets the job.
pub async fn confirm_lead(session: &Session, lead_id: &str) -> Result<LeadOutcome, AppError> {
    match session
        .call(|c| async move { c.confirm_lead(lead_id).await })
        .await
    {
        Ok(assignment) => Ok(LeadOutcome::Assigned {
            job_id: assignment.job_id,
        }),
        Err(error) => race_outcome(error),
    }
}

/// Apply with a quote (review categories). `quote` is typed text, e.g. `450` or `450.00`.
pub async fn apply_to_lead(
    session: &Session,
    lead: &Lead,
    message: &str,
    quote: &str,
) -> Result<LeadOutcome, AppError> {
    let amount_cents =
        format::parse_cents(quote).ok_or_else(|| AppError::invalid("quote", "enter an amount"))?;
    let currency = quote_currency(lead).to_owned();
    let body = ApplyInput {
        message: message.trim().to_owned(),
        quote: MoneyInput {
            amount_cents,
            currency,
        },
    };
    match session
        .call(|c| {
            let body = body.clone();
            async move { c.apply_lead(&lead.id, &body).await }
        })
        .await
    {
        Ok(_) => Ok(LeadOutcome::Applied),
        Err(error) => race_outcome(error),
    }
}

pub async fn decline_lead(
    session: &Session,
    lead_id: &str,
    reason: &str,
) -> Result<LeadOutcome, AppError> {
    let body = DeclineInput {
        reason: Some(reason.trim().to_owned()).filter(|r| !r.is_empty()),
    };
    match session
        .call(|c| {
            let body = body.clone();
            async move { c.decline_lead(lead_id, &body).await }
        })
        .await
    {
        Ok(_) => Ok(LeadOutcome::Declined),
        Err(error) => race_outcome(error),
    }
}

// --- wallet ---

#[derive(Debug, Clone, PartialEq)]
pub struct WalletView {
    pub wallet: Wallet,
    pub entries: Vec<WalletEntry>,
    pub payouts: Vec<Payout>,
}

impl WalletView {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let page = PageParams::default();
        let wallet = session.call(|c| async move { c.wallet().await }).await?;
        let entries = session
            .call(|c| {
                let page = page.clone();
                async move { c.wallet_entries(&page).await }
            })
            .await?
            .items;
        let payouts = session
            .call(|c| {
                let page = page.clone();
                async move { c.my_payouts(&page).await }
            })
            .await?
            .items;
        Ok(Self {
            wallet,
            entries,
            payouts,
        })
    }
}

/// One of the pro's payouts as a remittance statement.
pub async fn payout_statement(
    session: &Session,
    payout_id: &str,
) -> Result<PayoutStatement, AppError> {
    session
        .call(|c| async move { c.my_payout_statement(payout_id).await })
        .await
}

/// The payout method form as typed: a cheque to a mailing address, or a bank transfer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PayoutMethodForm {
    pub bank_transfer: bool,
    pub mailing_address: String,
    pub account_holder: String,
    pub routing_number: String,
    pub account_number: String,
}

impl PayoutMethodForm {
    pub fn to_input(&self) -> PayoutMethodInput {
        let trimmed = |text: &str| text.trim().to_owned();
        if self.bank_transfer {
            PayoutMethodInput {
                method: PayoutMethodKind::BankTransfer,
                mailing_address: None,
                bank_account: Some(BankAccountInput {
                    account_holder: trimmed(&self.account_holder),
                    routing_number: trimmed(&self.routing_number),
                    account_number: trimmed(&self.account_number),
                }),
            }
        } else {
            PayoutMethodInput {
                method: PayoutMethodKind::Cheque,
                mailing_address: Some(trimmed(&self.mailing_address)),
                bank_account: None,
            }
        }
    }
}

/// Where payouts go. The account number is sent once and only its last four digits come back.
pub async fn set_payout_method(
    session: &Session,
    form: &PayoutMethodForm,
) -> Result<PayoutMethod, AppError> {
    let input = form.to_input();
    session
        .call(|c| {
            let input = input.clone();
            async move { c.set_payout_method(&input).await }
        })
        .await
}

// --- ratings ---

#[derive(Debug, Clone, PartialEq)]
pub struct RatingsView {
    pub star_score: Option<f64>,
    pub review_count: i64,
    pub reviews: Vec<Review>,
}

impl RatingsView {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let profile = my_profile(session).await?;
        let Some(profile) = profile else {
            return Ok(Self {
                star_score: None,
                review_count: 0,
                reviews: Vec::new(),
            });
        };
        let reviews = session
            .call(|c| {
                let id = profile.id.clone();
                async move { c.partner_reviews(&id, &PageParams::default()).await }
            })
            .await?
            .items;
        Ok(Self {
            star_score: profile.star_score,
            review_count: profile.review_count,
            reviews,
        })
    }
}

/// The pro's public answer under a review.
pub async fn reply_to_review(
    session: &Session,
    rating_id: &str,
    text: &str,
) -> Result<(), AppError> {
    let body = ReplyInput {
        text: text.trim().to_owned(),
    };
    session
        .call(|c| {
            let body = body.clone();
            async move { c.reply_to_review(rating_id, &body).await }
        })
        .await
        .map(drop)
}

// --- connections ---

/// Profile views, leads and contact clicks over the last weeks.
pub async fn connections(session: &Session) -> Result<ConnectionStats, AppError> {
    let query = ConnectionsQuery {
        from: None,
        to: None,
        granularity: Granularity::Week,
    };
    session
        .call(|c| {
            let query = query.clone();
            async move { c.my_connections(&query).await }
        })
        .await
}

// --- settings ---

/// Notification preferences, plus the accepting-leads switch for pros.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingsView {
    pub preferences: NotificationPreferences,
    /// `None` for customers (and pros before onboarding).
    pub accepting_leads: Option<bool>,
    pub devices: Vec<Device>,
}

impl SettingsView {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let preferences = session
            .call(|c| async move { c.notification_preferences().await })
            .await?;
        let accepting_leads = if session.role() == Some(shared_types::auth::Role::Partner) {
            my_profile(session).await?.map(|p| p.accepting_leads)
        } else {
            None
        };
        let devices = session.call(|c| async move { c.devices().await }).await?;
        Ok(Self {
            preferences,
            accepting_leads,
            devices,
        })
    }
}

/// Turns lead alerts on or off (the rest of the profile stays as it is).
pub async fn set_accepting_leads(session: &Session, accepting: bool) -> Result<bool, AppError> {
    let profile = my_profile(session)
        .await?
        .ok_or_else(|| AppError::Unexpected("finish onboarding first".into()))?;
    let mut form = OnboardingForm::from_profile(&profile);
    form.accepting_leads = accepting;
    let (input, _) = form.to_inputs()?;
    let saved = session
        .call(|c| {
            let input = input.clone();
            async move { c.put_my_partner_profile(&input).await }
        })
        .await?;
    Ok(saved.accepting_leads)
}

pub async fn save_preferences(
    session: &Session,
    preferences: &NotificationPreferences,
) -> Result<NotificationPreferences, AppError> {
    session
        .call(|c| async move { c.put_notification_preferences(preferences).await })
        .await
}

/// Turns quiet hours on (from, until, and whether new job alerts are silenced too; read in the
/// phone's zone) or off, keeping the other preferences.
pub async fn set_quiet_hours(
    session: &Session,
    mut preferences: NotificationPreferences,
    hours: Option<(String, String, bool)>,
) -> Result<NotificationPreferences, AppError> {
    preferences.quiet_hours = hours.map(|(start, end, include_job_alerts)| QuietHours {
        start,
        end,
        time_zone: session.time_zone().name().to_owned(),
        include_job_alerts,
    });
    save_preferences(session, &preferences).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(area: serde_json::Value) -> PartnerProfile {
        serde_json::from_value(serde_json::json!({
            "id": "pro-1", "email": "pro@example.com", "business_name": "Sparkle",
            "description": "", "phone": null, "website": null, "categories": [],
            "service_area": area, "tier": "basic", "status": "active", "accepting_leads": true,
            "availability": { "time_zone": "America/Toronto", "weekly": [], "days_off": [] },
            "star_score": null, "review_count": 0,
            "created_at": "2026-11-01T00:00:00Z", "updated_at": "2026-11-01T00:00:00Z"
        }))
        .unwrap()
    }

    fn quoted_lead() -> Lead {
        serde_json::from_value(serde_json::json!({
            "id": "lead-1", "request_id": "req-1", "kind": "marketplace", "status": "offered",
            "category": { "id": "c1", "slug": "painting", "name": "Painting",
                          "assignment_mode": "review", "list_price": null, "active": true },
            "assignment_mode": "review", "description": "Paint the hallway", "photo_urls": [],
            "windows": [], "time_zone": "America/Toronto",
            "budget": { "amount_cents": 60_000, "currency": "CAD" }, "earnings": null,
            "platform_fee_bps": 1250, "city": "Toronto", "postal_prefix": "M5H",
            "why": { "distance_km": 2.5, "window": null, "star_score": null }, "offered_to": 3,
            "customer_rating": { "average_stars": null, "count": 0 },
            "expires_at": "2026-11-24T14:00:00Z", "application": null, "job_id": null
        }))
        .unwrap()
    }

    #[test]
    fn a_quote_shows_what_the_pro_receives_after_the_fee() {
        let lead = quoted_lead();
        assert_eq!(lead_earnings(&lead), None, "quoted work has no list price");
        assert_eq!(
            quote_earnings(&lead, "450").as_deref(),
            Some("You would receive $393.75 CAD after the 12.5% platform fee")
        );
        assert_eq!(quote_earnings(&lead, "four hundred"), None);
    }

    #[test]
    fn an_area_is_edited_as_the_place_the_pro_typed() {
        let typed = profile(serde_json::json!({
            "city": "Toronto", "place": "M4C 1B5", "lat": 43.69, "lon": -79.31, "radius_km": 10.0
        }));
        let form = OnboardingForm::from_profile(&typed);
        assert_eq!(form.place, "M4C 1B5");
        let (input, _) = form.to_inputs().unwrap();
        assert_eq!(
            input.service_area,
            ServiceAreaInput::around("M4C 1B5", 10.0)
        );
    }

    #[test]
    fn an_area_set_by_coordinates_keeps_them_until_the_place_is_changed() {
        let by_point = profile(serde_json::json!({
            "city": "Toronto", "place": null, "lat": 43.65, "lon": -79.38, "radius_km": 25.0
        }));
        let mut form = OnboardingForm::from_profile(&by_point);
        assert_eq!(form.place, "Toronto");
        let (input, _) = form.to_inputs().unwrap();
        assert_eq!(
            input.service_area,
            ServiceAreaInput::at("Toronto", 43.65, -79.38, 25.0)
        );
        form.place = "M6G".into();
        let (input, _) = form.to_inputs().unwrap();
        assert_eq!(input.service_area, ServiceAreaInput::around("M6G", 25.0));
    }
}
