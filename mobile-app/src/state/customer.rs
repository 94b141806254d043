//! What the customer's screens show and do: finding a pro, asking for work, following it.

use chrono_tz::Tz;
use shared_types::notify::{MarkReadInput, Notification, NotificationFilter};
use shared_types::pagination::PageParams;
use shared_types::partners::{
    Category, ContactKind, ContactTarget, MoneyInput, PartnerSearch, PartnerSearchHit,
    PublicPartner,
};
use shared_types::ratings::Review;
use shared_types::requests::{Address, ServiceRequest, ServiceRequestInput, TimeWindow};

use super::error::AppError;
use super::format;
use super::jobs::slot_from_local;
use super::partner::active_categories;
use super::session::Session;

/// Where to look for pros (a phone would fill this from its location).
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub label: String,
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    pub fn toronto() -> Self {
        Self {
            label: "Toronto".into(),
            lat: 43.6532,
            lon: -79.3832,
        }
    }
}

/// Categories, and the pros near `place` for the chosen one (best Star Score first).
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
        place: &Place,
    ) -> Result<Self, AppError> {
        let categories = active_categories(session).await?;
        let hits = match category {
            Some(slug) => search(session, slug, place).await?,
            None => Vec::new(),
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
        Ok(Self { partner, reviews })
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

/// The new-request form as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestForm {
    pub category: String,
    pub description: String,
    pub street: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub lat: String,
    pub lon: String,
    pub windows: Vec<WindowForm>,
    pub budget: String,
    pub contact_phone: String,
    /// Set when the request comes from a pro's profile ("Get a Quote").
    pub partner_id: Option<String>,
    /// Sent as the Idempotency-Key: a retried submit makes one request, not two.
    pub submit_key: String,
}

impl RequestForm {
    pub fn new(category: Option<String>, partner_id: Option<String>, place: &Place) -> Self {
        Self {
            category: category.unwrap_or_default(),
            description: String::new(),
            street: String::new(),
            city: place.label.clone(),
            postal_code: String::new(),
            country: "CA".into(),
            lat: place.lat.to_string(),
            lon: place.lon.to_string(),
            windows: vec![WindowForm {
                date: String::new(),
                start: "10:00".into(),
                hours: "2".into(),
            }],
            budget: String::new(),
            contact_phone: String::new(),
            partner_id,
            submit_key: uuid::Uuid::new_v4().to_string(),
        }
    }

    pub fn to_input(&self, zone: Tz, currency: &str) -> Result<ServiceRequestInput, AppError> {
        let number = |field: &str, text: &str| {
            text.trim()
                .parse::<f64>()
                .map_err(|_| AppError::invalid(field, "enter a number"))
        };
        let windows: Vec<TimeWindow> = self
            .windows
            .iter()
            .filter(|w| !w.date.trim().is_empty())
            .map(|w| slot_from_local(&w.date, &w.start, &w.hours, zone))
            .collect::<Result<_, _>>()
            .map_err(|_| AppError::invalid("windows", "date as YYYY-MM-DD, time as HH:MM"))?;
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
            address: Address {
                street: self.street.trim().to_owned(),
                city: self.city.trim().to_owned(),
                postal_code: self.postal_code.trim().to_owned(),
                country: self.country.trim().to_uppercase(),
                lat: number("address.lat", &self.lat)?,
                lon: number("address.lon", &self.lon)?,
            },
            windows,
            budget,
            photo_urls: Vec::new(),
            contact_phone: Some(self.contact_phone.trim().to_owned()).filter(|p| !p.is_empty()),
            partner_id: self.partner_id.clone(),
            time_zone: Some(zone.name().to_owned()),
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
        RequestStatus::ProCancelled => "The pro cancelled: finding another".into(),
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
