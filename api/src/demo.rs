//! `porchlight seed-demo`: a small marketplace in Toronto to try the API and the app on — staff,
//! six pros in different trades (Brand Builders, open every day), two customers, an open
//! marketplace request (offered to the matching pro) and a profile lead. Written through the same
//! rules as the API, in one transaction. A later run renews the demo requests no pro can act on
//! any more (offers expire after 30 minutes), so there is always a live lead to try.

use chrono::{Days, NaiveDateTime};
use diesel::prelude::*;
use shared_types::auth::Role;
use shared_types::partners::{
    Availability, MembershipTier, PartnerAdminUpdate, PartnerProfileInput, ServiceArea,
    ServiceAreaInput,
};
use shared_types::requests::{AddressInput, RequestStatus, ServiceRequestInput, TimeWindow};

use crate::auth::{accounts, password};
use crate::db::schema::{categories, lead_offers, service_requests, users};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::partners::profiles;
use crate::requests::model::ACTIVE_OFFER_STATUSES;
use crate::requests::{LeadPolicy, intake};

/// Every demo account's password.
pub const PASSWORD: &str = "porchlight demo";
const STAFF_EMAIL: &str = "staff@demo.porchlight.test";

/// A demo account, for the command to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub role: Role,
    pub email: String,
    pub name: String,
}

struct DemoPro {
    name: &'static str,
    email: &'static str,
    business: &'static str,
    description: &'static str,
    categories: &'static [&'static str],
    at: (f64, f64),
    /// The postal area the pro gave for their service area.
    place: &'static str,
    radius_km: f64,
}

const PROS: [DemoPro; 6] = [
    DemoPro {
        name: "Maya Chen",
        email: "maya@demo.porchlight.test",
        business: "Queen West Cleaners",
        description: "Deep cleans, move-outs and weekly visits. Eco-friendly products.",
        categories: &["cleaning"],
        at: (43.6487, -79.3960),
        place: "M5T",
        radius_km: 15.0,
    },
    DemoPro {
        name: "Omar Haddad",
        email: "omar@demo.porchlight.test",
        business: "Danforth Handy Co.",
        description: "Shelves, doors, drywall patches and interior painting.",
        categories: &["handyman", "painting"],
        at: (43.6780, -79.3490),
        place: "M4K",
        radius_km: 20.0,
    },
    DemoPro {
        name: "Lena Novak",
        email: "lena@demo.porchlight.test",
        business: "Bloor Plumbing & Heating",
        description: "Licensed plumbers and gas fitters; furnaces and water heaters.",
        categories: &["plumbing", "hvac"],
        at: (43.6660, -79.4100),
        place: "M5S",
        radius_km: 25.0,
    },
    DemoPro {
        name: "Sam Okafor",
        email: "sam@demo.porchlight.test",
        business: "Leslieville Lawn Care",
        description: "Mowing, edging and spring and fall clean-ups.",
        categories: &["landscaping"],
        at: (43.6620, -79.3340),
        place: "M4M",
        radius_km: 12.0,
    },
    DemoPro {
        name: "Priya Raman",
        email: "priya@demo.porchlight.test",
        business: "North York Appliance Repair",
        description: "Washers, dryers, fridges and ovens; most parts on the van.",
        categories: &["appliance-repair"],
        at: (43.7615, -79.4111),
        place: "M2N",
        radius_km: 25.0,
    },
    DemoPro {
        name: "Jon Park",
        email: "jon@demo.porchlight.test",
        business: "Harbour Movers",
        description: "Apartment and house moves across the GTA.",
        categories: &["moving"],
        at: (43.6400, -79.3800),
        place: "M5J",
        radius_km: 40.0,
    },
];

/// What a run of `seed-demo` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeded {
    /// A new demo marketplace, with these accounts.
    Created(Vec<DemoAccount>),
    /// It was there: this many of its requests were asked again.
    Refreshed { renewed: usize },
}

/// Seeds the demo marketplace at `now`, or renews its stale requests when it is there already.
/// Run on a migrated database.
pub fn seed(conn: &mut DbConnection, policy: LeadPolicy, now: NaiveDateTime) -> ApiResult<Seeded> {
    if accounts::find_by_email(conn, STAFF_EMAIL)?.is_some() {
        return db::write_transaction(conn, |conn| refresh(conn, policy, now))
            .map(|renewed| Seeded::Refreshed { renewed });
    }
    // One hash for all: they share the password, and hashing is slow on purpose.
    let hash = password::hash_password(PASSWORD)?;
    db::write_transaction(conn, |conn| {
        let mut made = Vec::new();
        let mut account = |conn: &mut DbConnection, email: &str, name: &str, role: Role| {
            let user = accounts::create_user(conn, email, hash.clone(), name, role, now)?;
            // Made-up people with made-up addresses: their contact details count as confirmed.
            diesel::update(users::table.find(&user.id))
                .set(users::email_verified_at.eq(now))
                .execute(conn)?;
            made.push(DemoAccount {
                role,
                email: email.to_owned(),
                name: name.to_owned(),
            });
            ApiResult::Ok(user.id)
        };
        let staff_id = account(conn, STAFF_EMAIL, "Dana Staff", Role::Staff)?;
        for pro in &PROS {
            let id = account(conn, pro.email, pro.name, Role::Partner)?;
            profiles::upsert(conn, &id, &profile_input(pro), &area(pro), now)?;
            let hours = Availability::every_day("America/Toronto", "08:00", "20:00");
            profiles::set_availability(conn, &id, &hours, now)?;
            let upgrade = PartnerAdminUpdate {
                status: None,
                tier: Some(MembershipTier::BrandBuilder),
                reason: "Demo data".into(),
            };
            profiles::staff_update(conn, &staff_id, &id, &upgrade, now)?;
        }
        for (email, name, phone) in [
            ("alex@demo.porchlight.test", "Alex Morgan", "+14165550123"),
            ("jordan@demo.porchlight.test", "Jordan Lee", "+14165550124"),
        ] {
            let id = account(conn, email, name, Role::Customer)?;
            diesel::update(users::table.find(&id))
                .set((users::phone.eq(phone), users::phone_verified_at.eq(now)))
                .execute(conn)?;
        }
        for demo in &REQUESTS {
            ask(conn, demo, policy, now)?;
        }
        Ok(Seeded::Created(made))
    })
}

/// One of the demo's requests: who asks, for what, and of which pro (none: the marketplace).
struct DemoRequest {
    customer: &'static str,
    category: &'static str,
    description: &'static str,
    pro: Option<&'static str>,
}

const REQUESTS: [DemoRequest; 2] = [
    // Offered to Queen West Cleaners (instant: they can confirm it).
    DemoRequest {
        customer: "alex@demo.porchlight.test",
        category: "cleaning",
        description: "Deep clean of a two-bedroom condo before guests arrive",
        pro: None,
    },
    // Asked of Bloor Plumbing from its profile (review: they apply with a quote).
    DemoRequest {
        customer: "jordan@demo.porchlight.test",
        category: "plumbing",
        description: "The kitchen sink drains slowly and the tap drips",
        pro: Some("lena@demo.porchlight.test"),
    },
];

fn user_id(conn: &mut DbConnection, email: &str) -> ApiResult<String> {
    accounts::find_by_email(conn, email)?
        .map(|user| user.id)
        .ok_or_else(|| ApiError::not_found("demo account"))
}

fn ask(
    conn: &mut DbConnection,
    demo: &DemoRequest,
    policy: LeadPolicy,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let customer = user_id(conn, demo.customer)?;
    let pro = demo.pro.map(|email| user_id(conn, email)).transpose()?;
    let input = request(demo.category, demo.description, pro.as_deref(), now);
    let address = input.address.located(REQUEST_AT.0, REQUEST_AT.1);
    intake::create(conn, &customer, &input, &address, policy, now)?;
    Ok(())
}

/// Asks each demo request again whose open requests no pro can act on any more (every offer
/// expired or answered), after withdrawing the stale ones; returns how many were asked again.
fn refresh(conn: &mut DbConnection, policy: LeadPolicy, now: NaiveDateTime) -> ApiResult<usize> {
    let mut renewed = 0;
    for demo in &REQUESTS {
        let customer = user_id(conn, demo.customer)?;
        let open: Vec<String> = service_requests::table
            .inner_join(categories::table)
            .filter(service_requests::customer_id.eq(&customer))
            .filter(categories::slug.eq(demo.category))
            .filter(service_requests::status.eq(Stored(RequestStatus::Open)))
            .select(service_requests::id)
            .load(conn)?;
        let live: i64 = lead_offers::table
            .filter(lead_offers::request_id.eq_any(&open))
            .filter(lead_offers::status.eq_any(ACTIVE_OFFER_STATUSES))
            .filter(lead_offers::expires_at.gt(now))
            .count()
            .get_result(conn)?;
        if live > 0 {
            continue;
        }
        for stale in &open {
            intake::cancel(conn, &customer, stale, now)?;
        }
        ask(conn, demo, policy, now)?;
        renewed += 1;
    }
    Ok(renewed)
}

fn profile_input(pro: &DemoPro) -> PartnerProfileInput {
    PartnerProfileInput {
        business_name: pro.business.to_owned(),
        description: pro.description.to_owned(),
        phone: None,
        website: None,
        categories: pro.categories.iter().map(|&slug| slug.to_owned()).collect(),
        service_area: ServiceAreaInput::around(pro.place, pro.radius_km),
        accepting_leads: true,
    }
}

/// The pro's area, placed where the demo says (the same postal area as `place`, a little more
/// precisely than the bundled table knows it).
fn area(pro: &DemoPro) -> ServiceArea {
    ServiceArea {
        city: "Toronto".to_owned(),
        place: Some(pro.place.to_owned()),
        lat: pro.at.0,
        lon: pro.at.1,
        radius_km: pro.radius_km,
    }
}

/// Where the demo requests are: 100 Queen St W (Toronto City Hall).
const REQUEST_AT: (f64, f64) = (43.6534, -79.3841);

/// A request at a downtown address for 15:00–19:00 UTC (late morning in Toronto), two days from
/// `now`.
fn request(
    category: &str,
    description: &str,
    partner_id: Option<&str>,
    now: NaiveDateTime,
) -> ServiceRequestInput {
    let day = now.date() + Days::new(2);
    let start = day.and_hms_opt(15, 0, 0).unwrap_or_default().and_utc();
    ServiceRequestInput {
        category: category.to_owned(),
        description: description.to_owned(),
        address: AddressInput {
            street: "100 Queen St W".to_owned(),
            city: "Toronto".to_owned(),
            postal_code: "M5H 2N2".to_owned(),
            country: "CA".to_owned(),
            lat: Some(REQUEST_AT.0),
            lon: Some(REQUEST_AT.1),
        },
        windows: vec![TimeWindow {
            start,
            end: start + chrono::Duration::hours(4),
        }],
        budget: None,
        photo_urls: Vec::new(),
        photo_ids: Vec::new(),
        contact_phone: Some("+14165550123".to_owned()),
        partner_id: partner_id.map(str::to_owned),
        time_zone: Some("America/Toronto".to_owned()),
    }
}
