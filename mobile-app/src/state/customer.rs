//! What the customer's screens show and do: finding a pro, asking for work, following it.

use chrono_tz::Tz;
use shared_types::notify::{MarkReadInput, Notification, NotificationFilter};
use shared_types::pagination::PageParams;
use shared_types::partners::{
    Category, ContactKind, ContactTarget, MoneyInput, PartnerSearch, PartnerSearchHit,
    PublicPartner,
};
pub use shared_types::places::Place;
use shared_types::places::{DEFAULT_COUNTRY, PlaceAt, PlaceSearch};
use shared_types::ratings::Review;
use shared_types::requests::{
    AddressInput, RematchInput, ServiceRequest, ServiceRequestInput, TimeWindow,
};

use super::error::AppError;
use super::format;
use super::jobs::slot_from_local;
use super::partner::active_categories;
use super::session::Session;

/// Places matching what the person typed so far, for an address field's suggestions (none
/// before three characters).
pub async fn suggest_places(session: &Session, text: &str) -> Result<Vec<Place>, AppError> {
    let text = text.trim();
    if text.chars().count() < 3 {
        return Ok(Vec::new());
    }
    let query = PlaceSearch {
        q: text.to_owned(),
        country: None,
    };
    let page = session
        .public(|c| {
            let query = query.clone();
            async move { c.search_places(&query).await }
        })
        .await?;
    Ok(page.items)
}

/// The address at the phone's location.
pub async fn place_at(session: &Session, lat: f64, lon: f64) -> Result<Place, AppError> {
    let point = PlaceAt { lat, lon };
    session
        .public(|c| async move { c.place_at(&point).await })
        .await
}

/// Categories, and the pros near `place` for the chosen one (best Star Score first); no search
/// until a place is chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Discover {
    pub categories: Vec<Category>,
    pub category: Option<String>,
    pub hits: Vec<PartnerSearchHit>,
}

impl Discover {
    pub async fn load(
        session: &Session,
        category: Option<&str>,
        place: Option<&Place>,
    ) -> Result<Self, AppError> {
        let categories = active_categories(session).await?;
        let hits = match (category, place) {
            (Some(slug), Some(place)) => search(session, slug, place).await?,
            _ => Vec::new(),
        };
        Ok(Self {
            categories,
            category: category.map(str::to_owned),
            hits,
        })
    }
}

pub async fn search(
    session: &Session,
    category: &str,
    place: &Place,
) -> Result<Vec<PartnerSearchHit>, AppError> {
    let query = PartnerSearch {
        category: category.to_owned(),
        lat: place.lat,
        lon: place.lon,
    };
    let page = session
        .public(|c| {
            let query = query.clone();
            async move { c.search_partners(&query, &PageParams::default()).await }
        })
        .await?;
    Ok(page.items)
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProProfile {
    pub partner: PublicPartner,
    pub reviews: Vec<Review>,
    /// Photos of past work, with the pro's captions.
    pub portfolio: Vec<shared_types::photos::Photo>,
}

impl ProProfile {
    pub async fn load(session: &Session, partner_id: &str) -> Result<Self, AppError> {
        let partner = session
            .public(|c| async move { c.partner(partner_id).await })
            .await?;
        let reviews = session
            .public(|c| async move { c.partner_reviews(partner_id, &PageParams::default()).await })
            .await?
            .items;
        let portfolio = session
            .public(|c| async move { c.portfolio(partner_id).await })
            .await?;
        Ok(Self {
            partner,
            reviews,
            portfolio,
        })
    }
}

/// Call or Website: the API counts the click and answers with where to go.
pub async fn contact(
    session: &Session,
    partner_id: &str,
    kind: ContactKind,
) -> Result<ContactTarget, AppError> {
    session
        .public(|c| async move { c.contact_click(partner_id, kind).await })
        .await
}

/// The link a contact opens: `tel:` for a phone number, the site otherwise.
pub fn contact_link(target: &ContactTarget) -> String {
    match target.kind {
        ContactKind::Phone => format!("tel:{}", target.value),
        ContactKind::Website => target.value.clone(),
    }
}

/// One wished-for time window, as typed (local date and times).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowForm {
    pub date: String,
    pub start: String,
    pub hours: String,
}

impl WindowForm {
    /// A new row: no date yet, 10:00 for two hours.
    pub fn blank() -> Self {
        Self {
            date: String::new(),
            start: "10:00".into(),
            hours: "2".into(),
        }
    }
}

/// The new-request form as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestForm {
    pub category: String,
    pub description: String,
    pub street: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    /// The coordinates of the suggestion the person picked, while the street is still
    /// `placed_street`; otherwise the API finds the address.
    pub picked: Option<(f64, f64)>,
    pub placed_street: String,
    pub windows: Vec<WindowForm>,
    pub budget: String,
    pub contact_phone: String,
    /// Set when the request comes from a pro's profile ("Get a Quote").
    pub partner_id: Option<String>,
    /// Sent as the Idempotency-Key: a retried submit makes one request, not two.
    pub submit_key: String,
    /// Photos of the job, uploaded as they were picked.
    pub photo_ids: Vec<String>,
}

impl RequestForm {
    /// A blank form, its address started from where the person is looking (`place`).
    pub fn new(
        category: Option<String>,
        partner_id: Option<String>,
        place: Option<&Place>,
    ) -> Self {
        let mut form = Self {
            category: category.unwrap_or_default(),
            description: String::new(),
            street: String::new(),
            city: String::new(),
            postal_code: String::new(),
            country: DEFAULT_COUNTRY.into(),
            picked: None,
            placed_street: String::new(),
            windows: vec![WindowForm::blank()],
            budget: String::new(),
            contact_phone: String::new(),
            partner_id,
            submit_key: uuid::Uuid::new_v4().to_string(),
            photo_ids: Vec::new(),
        };
        if let Some(place) = place {
            form.pick(place);
        }
        form
    }

    /// Fills the address from a suggestion (or the phone's location).
    pub fn pick(&mut self, place: &Place) {
        if let Some(street) = &place.street {
            self.street.clone_from(street);
            self.picked = Some((place.lat, place.lon));
            self.placed_street.clone_from(street);
        }
        if let Some(city) = &place.city {
            self.city.clone_from(city);
        }
        if let Some(postal_code) = &place.postal_code {
            self.postal_code.clone_from(postal_code);
        }
        self.country.clone_from(&place.country);
    }

    /// The picked coordinates, unless the street was changed since.
    fn coordinates(&self) -> Option<(f64, f64)> {
        self.picked
            .filter(|_| self.street.trim() == self.placed_street.trim())
    }

    pub fn to_input(&self, zone: Tz, currency: &str) -> Result<ServiceRequestInput, AppError> {
        let windows = typed_windows(&self.windows, zone)?;
        let budget = match self.budget.trim() {
            "" => None,
            text => Some(MoneyInput {
                amount_cents: format::parse_cents(text)
                    .ok_or_else(|| AppError::invalid("budget", "enter an amount"))?,
                currency: currency.to_owned(),
            }),
        };
        Ok(ServiceRequestInput {
            category: self.category.clone(),
            description: self.description.trim().to_owned(),
            address: AddressInput {
                street: self.street.trim().to_owned(),
                city: self.city.trim().to_owned(),
                postal_code: self.postal_code.trim().to_owned(),
                country: self.country.trim().to_uppercase(),
                lat: self.coordinates().map(|(lat, _)| lat),
                lon: self.coordinates().map(|(_, lon)| lon),
            },
            windows,
            budget,
            photo_urls: Vec::new(),
            contact_phone: Some(self.contact_phone.trim().to_owned()).filter(|p| !p.is_empty()),
            partner_id: self.partner_id.clone(),
            time_zone: Some(zone.name().to_owned()),
            photo_ids: self.photo_ids.clone(),
        })
    }

    /// Sends the request; the API's field errors come back keyed by field for the form.
    pub async fn submit(&self, session: &Session) -> Result<ServiceRequest, AppError> {
        let input = self.to_input(session.time_zone(), "CAD")?;
        let key = self.submit_key.clone();
        session
            .call(|c| {
                let (input, key) = (input.clone(), key.clone());
                async move { c.create_request_once(&input, &key).await }
            })
            .await
    }
}

pub async fn my_requests(session: &Session) -> Result<Vec<ServiceRequest>, AppError> {
    let page = session
        .call(|c| async move { c.list_requests(&PageParams::default()).await })
        .await?;
    Ok(page.items)
}

pub async fn load_request(session: &Session, id: &str) -> Result<ServiceRequest, AppError> {
    session
        .call(|c| async move { c.service_request(id).await })
        .await
}

/// What the customer can do next with a request, so that no state is a dead end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStep {
    /// Offer it again to other pros at the same times (after the pro cancelled).
    FindAnotherPro,
    /// Offer it again at new times: other pros may be free then.
    TryOtherTimes,
    /// Offer it again to pros whose area ends a little short of the address.
    SearchFarther,
    /// Browse the pros near the address and ask one directly (any tier).
    AskAProDirectly,
    /// Withdraw it.
    Cancel,
}

pub fn request_steps(request: &ServiceRequest) -> Vec<RequestStep> {
    use RequestStep::{AskAProDirectly, Cancel, FindAnotherPro, SearchFarther, TryOtherTimes};
    use shared_types::requests::RequestStatus;
    match request.status {
        RequestStatus::Open => vec![Cancel],
        RequestStatus::Unfilled => vec![TryOtherTimes, SearchFarther, AskAProDirectly, Cancel],
        RequestStatus::ProCancelled => vec![FindAnotherPro, TryOtherTimes],
        RequestStatus::Assigned | RequestStatus::Cancelled | RequestStatus::Unknown => Vec::new(),
    }
}

/// New times for a request, as typed (up to three), read in `zone`.
pub fn windows_from(forms: &[WindowForm], zone: Tz) -> Result<Vec<TimeWindow>, AppError> {
    let windows = typed_windows(forms, zone)?;
    if windows.is_empty() {
        return Err(AppError::invalid(
            "windows",
            "add at least one time that works",
        ));
    }
    Ok(windows)
}

/// The windows of the rows with a date, read in `zone`.
fn typed_windows(forms: &[WindowForm], zone: Tz) -> Result<Vec<TimeWindow>, AppError> {
    forms
        .iter()
        .filter(|w| !w.date.trim().is_empty())
        .map(|w| slot_from_local(&w.date, &w.start, &w.hours, zone))
        .collect::<Result<_, _>>()
        .map_err(|_| AppError::invalid("windows", "date as YYYY-MM-DD, time as HH:MM"))
}

/// How far beyond their own area "Ask pros farther away" reaches.
pub const WIDER_SEARCH_KM: u32 = 10;

/// Offers the request to other pros (the pros already asked are not asked again), at new times
/// when given, and up to `extra_km` beyond the pros' own areas when given.
pub async fn rematch(
    session: &Session,
    request_id: &str,
    windows: Option<Vec<TimeWindow>>,
    extra_km: Option<u32>,
) -> Result<ServiceRequest, AppError> {
    let input = RematchInput { windows, extra_km };
    session
        .call(|c| {
            let input = input.clone();
            async move { c.rematch_request(request_id, &input).await }
        })
        .await
}

pub async fn cancel_request(
    session: &Session,
    request_id: &str,
) -> Result<ServiceRequest, AppError> {
    session
        .call(|c| async move { c.cancel_request(request_id).await })
        .await
}

pub fn request_status_label(request: &ServiceRequest) -> String {
    use shared_types::requests::RequestStatus;
    match request.status {
        RequestStatus::Open if request.offers_sent == 0 => "Looking for pros".into(),
        RequestStatus::Open => format!(
            "Sent to {} pro{}: waiting for an answer",
            request.offers_sent,
            if request.offers_sent == 1 { "" } else { "s" }
        ),
        RequestStatus::Assigned => "A pro took it".into(),
        RequestStatus::Cancelled => "Cancelled".into(),
        RequestStatus::Unfilled => "No pro was available".into(),
        RequestStatus::ProCancelled => "The pro cancelled".into(),
        RequestStatus::Unknown => "Updated: see the details".into(),
    }
}

pub async fn notifications(session: &Session) -> Result<Vec<Notification>, AppError> {
    let page = session
        .call(|c| async move {
            c.notifications(&NotificationFilter::default(), &PageParams::default())
                .await
        })
        .await?;
    Ok(page.items)
}

pub async fn mark_all_read(session: &Session) -> Result<i64, AppError> {
    session
        .call(|c| async move {
            c.mark_notifications_read(&MarkReadInput { ids: None })
                .await
        })
        .await
        .map(|result| result.marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city_hall() -> Place {
        Place {
            label: "100 Queen Street West, Toronto, M5H 2N2".into(),
            street: Some("100 Queen Street West".into()),
            city: Some("Toronto".into()),
            postal_code: Some("M5H 2N2".into()),
            country: "CA".into(),
            lat: 43.6534,
            lon: -79.3841,
        }
    }

    fn with_a_window(mut form: RequestForm) -> RequestForm {
        form.windows[0].date = "2030-06-03".into();
        form
    }

    #[test]
    fn a_picked_address_sends_its_coordinates_until_the_street_is_changed() {
        let mut form = with_a_window(RequestForm::new(None, None, None));
        form.pick(&city_hall());
        assert_eq!(
            (
                form.street.as_str(),
                form.city.as_str(),
                form.postal_code.as_str()
            ),
            ("100 Queen Street West", "Toronto", "M5H 2N2")
        );
        let address = form.to_input(Tz::America__Toronto, "CAD").unwrap().address;
        assert_eq!((address.lat, address.lon), (Some(43.6534), Some(-79.3841)));
        form.street = "102 Queen Street West".into();
        let address = form.to_input(Tz::America__Toronto, "CAD").unwrap().address;
        assert_eq!(
            (address.lat, address.lon),
            (None, None),
            "the API places the edited address"
        );
    }

    #[test]
    fn a_postal_area_fills_the_city_and_code_and_leaves_the_street_to_the_person() {
        let area = Place {
            label: "M4M, Leslieville / Studio District, Toronto".into(),
            street: None,
            postal_code: Some("M4M".into()),
            ..city_hall()
        };
        let mut form = with_a_window(RequestForm::new(None, None, Some(&area)));
        assert_eq!(form.street, "");
        assert_eq!(form.postal_code, "M4M");
        form.street = "12 Curzon St".into();
        let address = form.to_input(Tz::America__Toronto, "CAD").unwrap().address;
        assert_eq!((address.lat, address.lon), (None, None));
    }
}
