//! `porchlight seed-demo`: a small marketplace in Toronto to try the API and the app on — staff,
//! six pros in different trades (Brand Builders, open every day), two customers, an open
//! marketplace request (offered to the matching pro) and a profile lead. Written through the same
//! rules as the API, in one transaction; a second run changes nothing.

use chrono::{Days, Utc};
use shared_types::auth::Role;
use shared_types::partners::{
    Availability, MembershipTier, PartnerAdminUpdate, PartnerProfileInput, ServiceArea,
};
use shared_types::requests::{Address, ServiceRequestInput, TimeWindow};

use crate::auth::{accounts, password};
use crate::db::{self, DbConnection};
use crate::error::ApiResult;
use crate::partners::profiles;
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
        radius_km: 15.0,
    },
    DemoPro {
        name: "Omar Haddad",
        email: "omar@demo.porchlight.test",
        business: "Danforth Handy Co.",
        description: "Shelves, doors, drywall patches and interior painting.",
        categories: &["handyman", "painting"],
        at: (43.6780, -79.3490),
        radius_km: 20.0,
    },
    DemoPro {
        name: "Lena Novak",
        email: "lena@demo.porchlight.test",
        business: "Bloor Plumbing & Heating",
        description: "Licensed plumbers and gas fitters; furnaces and water heaters.",
        categories: &["plumbing", "hvac"],
        at: (43.6660, -79.4100),
        radius_km: 25.0,
    },
    DemoPro {
        name: "Sam Okafor",
        email: "sam@demo.porchlight.test",
        business: "Leslieville Lawn Care",
        description: "Mowing, edging and spring and fall clean-ups.",
        categories: &["landscaping"],
        at: (43.6620, -79.3340),
        radius_km: 12.0,
    },
    DemoPro {
        name: "Priya Raman",
        email: "priya@demo.porchlight.test",
        business: "North York Appliance Repair",
        description: "Washers, dryers, fridges and ovens; most parts on the van.",
        categories: &["appliance-repair"],
        at: (43.7615, -79.4111),
        radius_km: 25.0,
    },
    DemoPro {
        name: "Jon Park",
        email: "jon@demo.porchlight.test",
        business: "Harbour Movers",
        description: "Apartment and house moves across the GTA.",
        categories: &["moving"],
        at: (43.6400, -79.3800),
        radius_km: 40.0,
    },
];

/// Seeds the demo marketplace; `None` when it is there already. Run on a migrated database.
pub fn seed(conn: &mut DbConnection, policy: LeadPolicy) -> ApiResult<Option<Vec<DemoAccount>>> {
    if accounts::find_by_email(conn, STAFF_EMAIL)?.is_some() {
        return Ok(None);
    }
    // One hash for all: they share the password, and hashing is slow on purpose.
    let hash = password::hash_password(PASSWORD)?;
    let now = db::now();
    db::write_transaction(conn, |conn| {
        let mut made = Vec::new();
        let mut account = |conn: &mut DbConnection, email: &str, name: &str, role: Role| {
            let user = accounts::create_user(conn, email, hash.clone(), name, role, now)?;
            made.push(DemoAccount {
                role,
                email: email.to_owned(),
                name: name.to_owned(),
            });
            ApiResult::Ok(user.id)
        };
        let staff_id = account(conn, STAFF_EMAIL, "Dana Staff", Role::Staff)?;
        let mut pro_ids = Vec::new();
        for pro in &PROS {
            let id = account(conn, pro.email, pro.name, Role::Partner)?;
            profiles::upsert(conn, &id, &profile_input(pro), now)?;
            let hours = Availability::every_day("America/Toronto", "08:00", "20:00");
            profiles::set_availability(conn, &id, &hours, now)?;
            let upgrade = PartnerAdminUpdate {
                status: None,
                tier: Some(MembershipTier::BrandBuilder),
                reason: "Demo data".into(),
            };
            profiles::staff_update(conn, &staff_id, &id, &upgrade, now)?;
            pro_ids.push(id);
        }
        let alex = account(
            conn,
            "alex@demo.porchlight.test",
            "Alex Morgan",
            Role::Customer,
        )?;
        let jordan = account(
            conn,
            "jordan@demo.porchlight.test",
            "Jordan Lee",
            Role::Customer,
        )?;
        // Offered to Queen West Cleaners (instant: they can confirm it).
        intake::create(
            conn,
            &alex,
            &request(
                "cleaning",
                "Deep clean of a two-bedroom condo before guests arrive",
                None,
            ),
            policy,
            now,
        )?;
        // Asked of Bloor Plumbing from its profile (review: they apply with a quote).
        intake::create(
            conn,
            &jordan,
            &request(
                "plumbing",
                "The kitchen sink drains slowly and the tap drips",
                Some(&pro_ids[2]),
            ),
            policy,
            now,
        )?;
        Ok(Some(made))
    })
}

fn profile_input(pro: &DemoPro) -> PartnerProfileInput {
    PartnerProfileInput {
        business_name: pro.business.to_owned(),
        description: pro.description.to_owned(),
        phone: None,
        website: None,
        categories: pro.categories.iter().map(|&slug| slug.to_owned()).collect(),
        service_area: ServiceArea {
            city: "Toronto".to_owned(),
            lat: pro.at.0,
            lon: pro.at.1,
            radius_km: pro.radius_km,
        },
        accepting_leads: true,
    }
}

/// A request at a downtown address for 15:00–19:00 UTC (late morning in Toronto), two days from
/// now.
fn request(category: &str, description: &str, partner_id: Option<&str>) -> ServiceRequestInput {
    let day = Utc::now().date_naive() + Days::new(2);
    let start = day.and_hms_opt(15, 0, 0).unwrap_or_default().and_utc();
    ServiceRequestInput {
        category: category.to_owned(),
        description: description.to_owned(),
        address: Address {
            street: "100 Queen St W".to_owned(),
            city: "Toronto".to_owned(),
            postal_code: "M5H 2N2".to_owned(),
            country: "CA".to_owned(),
            lat: 43.6534,
            lon: -79.3841,
        },
        windows: vec![TimeWindow {
            start,
            end: start + chrono::Duration::hours(4),
        }],
        budget: None,
        photo_urls: Vec::new(),
        contact_phone: Some("+14165550123".to_owned()),
        partner_id: partner_id.map(str::to_owned),
        time_zone: Some("America/Toronto".to_owned()),
    }
}
