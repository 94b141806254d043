//! Places over HTTP: people give addresses and postal codes, the API finds them on the map —
//! through a Nominatim-compatible service (the fake on 127.0.0.1) or, without one, the bundled
//! postal areas — and matching uses what it found.

use shared_types::auth::SignupRole;
use shared_types::partners::{
    MembershipTier, PartnerAdminUpdate, PartnerProfileInput, ServiceAreaInput,
};
use shared_types::places::{PlaceAt, PlaceSearch};
use shared_types::requests::{LeadFilter, ServiceRequestInput};
use shared_types::{Client, ErrorCode, PageParams};

use crate::fake_nominatim::{CITY_HALL, DANFORTH, FARM, FakeNominatim};
use crate::harness::{TestApp, every_day};
use crate::leads::request;

/// A Brand Builder cleaner, open all week, whose area is set by `area`.
async fn pro(app: &TestApp, staff: &Client, area: ServiceAreaInput) -> (String, Client) {
    let (user, _, client) = app.signed_up(SignupRole::Partner).await;
    let input = PartnerProfileInput {
        business_name: format!("Pro {}", &user.id[..8]),
        description: String::new(),
        phone: None,
        website: None,
        categories: vec!["cleaning".into()],
        service_area: area,
        accepting_leads: true,
    };
    client.put_my_partner_profile(&input).await.unwrap();
    client
        .put_my_availability(&every_day("America/Toronto", "00:00", "24:00"))
        .await
        .unwrap();
    let upgrade = PartnerAdminUpdate {
        status: None,
        tier: Some(MembershipTier::BrandBuilder),
        reason: "test set-up".into(),
    };
    staff
        .admin_update_partner(&user.id, &upgrade)
        .await
        .unwrap();
    (user.id, client)
}

/// A request at an address given without coordinates.
fn unplaced(street: &str, city: &str, postal_code: &str) -> ServiceRequestInput {
    let mut input = request("cleaning", None);
    input.address.street = street.into();
    input.address.city = city.into();
    input.address.postal_code = postal_code.into();
    input.address.lat = None;
    input.address.lon = None;
    input
}

async fn offered(pro: &Client, request_id: &str) -> bool {
    let leads = pro
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap();
    leads.items.iter().any(|lead| lead.request_id == request_id)
}

fn search(q: &str) -> PlaceSearch {
    PlaceSearch {
        q: q.into(),
        country: None,
    }
}

#[tokio::test]
async fn addresses_are_placed_through_the_address_service() {
    let geocoder = FakeNominatim::start();
    let app = TestApp::spawn_with(&[
        ("GEOCODER_URL", geocoder.base_url.as_str()),
        (
            "GEOCODER_USER_AGENT",
            "porchlight-tests (ops@porchlight.test)",
        ),
    ])
    .await;
    let (_, staff) = app.staff().await;
    let (_, customer) = app.customer().await;

    // Suggestions while typing, each with its coordinates; anyone may ask.
    let anonymous = Client::new(&app.address);
    let suggestions = anonymous
        .search_places(&search("queen st w toronto"))
        .await
        .unwrap();
    assert_eq!(suggestions.items.len(), 1);
    let first = &suggestions.items[0];
    assert_eq!(first.label, "100 Queen Street West, Toronto, M5H 2N2");
    assert_eq!(first.street.as_deref(), Some("100 Queen Street West"));
    assert_eq!((first.lat, first.lon), (CITY_HALL.lat, CITY_HALL.lon));
    assert_eq!(first.country, "CA");
    assert!(suggestions.next_cursor.is_none());
    let call = &geocoder.calls()[0];
    assert_eq!(call.path, "/search");
    assert_eq!(call.query["countrycodes"], "ca");
    assert_eq!(call.user_agent, "porchlight-tests (ops@porchlight.test)");
    // The same text again is answered from memory, not asked twice.
    anonymous
        .search_places(&search("Queen St W Toronto "))
        .await
        .unwrap();
    assert_eq!(geocoder.calls().len(), 1);

    // A pro sets their area by an address: the API finds its centre, and shows what was typed.
    let (danforth_pro, danforth) = pro(
        &app,
        &staff,
        ServiceAreaInput::around("500 Danforth Ave, Toronto", 3.0),
    )
    .await;
    let profile = danforth.my_partner_profile().await.unwrap();
    let area = &profile.service_area;
    assert_eq!(area.place.as_deref(), Some("500 Danforth Ave, Toronto"));
    assert_eq!(area.city, "Toronto");
    assert_eq!((area.lat, area.lon), (DANFORTH.lat, DANFORTH.lon));
    let public = anonymous.partner(&danforth_pro).await.unwrap();
    assert!(
        (public.area.lat - 43.68).abs() < 1e-9,
        "the public sees the centre rounded"
    );
    let (_, downtown) = pro(
        &app,
        &staff,
        ServiceAreaInput::around("100 Queen St W, Toronto", 3.0),
    )
    .await;

    // A request's address without coordinates is placed, and matched where it is: City Hall is
    // ~4.5 km from the Danforth, outside that pro's 3 km.
    let created = customer
        .create_request(&unplaced("100 Queen St W", "Toronto", "M5H 2N2"))
        .await
        .unwrap();
    assert_eq!(
        (created.address.lat, created.address.lon),
        (CITY_HALL.lat, CITY_HALL.lon)
    );
    assert_eq!(created.address.street, "100 Queen St W", "kept as typed");
    assert!(offered(&downtown, &created.id).await);
    assert!(!offered(&danforth, &created.id).await);

    // An address nobody can place is a 422 on `address`, and nothing is stored.
    let before = app.count("service_requests").await;
    let error = customer
        .create_request(&unplaced("1 Nowhere Rd", "Atlantis", "X0X 0X0"))
        .await
        .unwrap_err();
    let problem = error.problem().unwrap();
    assert_eq!(problem.code, ErrorCode::ValidationFailed);
    assert!(problem.errors["address"][0].contains("could not find this address"));
    let error = danforth
        .put_my_partner_profile(&PartnerProfileInput {
            business_name: "Moved".into(),
            description: String::new(),
            phone: None,
            website: None,
            categories: vec!["cleaning".into()],
            service_area: ServiceAreaInput::around("Atlantis", 10.0),
            accepting_leads: true,
        })
        .await
        .unwrap_err();
    assert!(
        error
            .problem()
            .unwrap()
            .errors
            .contains_key("service_area.place")
    );
    assert_eq!(
        danforth.my_partner_profile().await.unwrap().business_name,
        profile.business_name,
        "the profile is unchanged"
    );

    // A place whose city the service does not know: the pro says which city to show (the
    // typed text, maybe a home address, is never made public).
    let farm = danforth_profile_input(&profile.business_name);
    let mut farm = PartnerProfileInput {
        service_area: ServiceAreaInput::around("4820 Concession Road 4", 30.0),
        ..farm
    };
    let error = danforth.put_my_partner_profile(&farm).await.unwrap_err();
    assert!(
        error
            .problem()
            .unwrap()
            .errors
            .contains_key("service_area.city"),
        "{error}"
    );
    farm.service_area.city = Some("Uxbridge".into());
    let moved = danforth.put_my_partner_profile(&farm).await.unwrap();
    assert_eq!(moved.service_area.city, "Uxbridge");
    assert_eq!(
        (moved.service_area.lat, moved.service_area.lon),
        (FARM.lat, FARM.lon)
    );
    danforth
        .put_my_partner_profile(&danforth_profile_input(&profile.business_name))
        .await
        .unwrap();

    // Half an area is a clear 422 too: a place and a point, or a point without its city.
    let mut both = ServiceAreaInput::around("M4K", 10.0);
    both.lat = Some(43.7);
    both.lon = Some(-79.3);
    let mut no_city = ServiceAreaInput::at("Toronto", 43.7, -79.3, 10.0);
    no_city.city = None;
    for (area, field) in [(both, "service_area.place"), (no_city, "service_area.city")] {
        let mut input = danforth_profile_input(&profile.business_name);
        input.service_area = area;
        let error = danforth.put_my_partner_profile(&input).await.unwrap_err();
        assert!(
            error.problem().unwrap().errors.contains_key(field),
            "{error}"
        );
    }
    let mut half = unplaced("100 Queen St W", "Toronto", "M5H 2N2");
    half.address.lat = Some(43.65);
    let error = customer.create_request(&half).await.unwrap_err();
    assert!(
        error.problem().unwrap().errors.contains_key("address.lat"),
        "{error}"
    );

    // While the service is down: a 503 that says so, nothing stored; coordinates still work.
    geocoder.set_down(true);
    let error = customer
        .create_request(&unplaced("500 Danforth Ave", "Toronto", "M4K 1P6"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.problem().unwrap().code, ErrorCode::ServiceUnavailable);
    assert_eq!(app.count("service_requests").await, before);
    customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    assert_eq!(app.count("service_requests").await, before + 1);
    geocoder.set_down(false);

    // The phone's location to an address.
    let here = anonymous
        .place_at(&PlaceAt {
            lat: 43.6779,
            lon: -79.3509,
        })
        .await
        .unwrap();
    assert_eq!(here.postal_code.as_deref(), Some("M4K 1P6"));
    let lake = anonymous
        .place_at(&PlaceAt {
            lat: 43.5,
            lon: -79.5,
        })
        .await
        .unwrap_err();
    assert_eq!(lake.status(), Some(404));
}

fn danforth_profile_input(business_name: &str) -> PartnerProfileInput {
    PartnerProfileInput {
        business_name: business_name.into(),
        description: String::new(),
        phone: None,
        website: None,
        categories: vec!["cleaning".into()],
        service_area: ServiceAreaInput::around("500 Danforth Ave, Toronto", 3.0),
        accepting_leads: true,
    }
}

#[tokio::test]
async fn without_an_address_service_postal_areas_place_people_offline() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (_, customer) = app.customer().await;
    let anonymous = Client::new(&app.address);

    let found = anonymous.search_places(&search("m4m 1a1")).await.unwrap();
    assert_eq!(
        found.items[0].label,
        "M4M, Leslieville / Studio District, Toronto"
    );
    assert_eq!(found.items[0].postal_code.as_deref(), Some("M4M"));
    let found = anonymous.search_places(&search("Vancouver")).await.unwrap();
    assert_eq!(found.items[0].label, "Vancouver");
    let none = anonymous
        .search_places(&search("Springfield"))
        .await
        .unwrap();
    assert!(none.items.is_empty());

    // Pros in Leslieville and in Kitsilano, by postal code; a Leslieville request reaches only
    // the first.
    let (_, leslieville) = pro(&app, &staff, ServiceAreaInput::around("M4M", 5.0)).await;
    let (_, kitsilano) = pro(&app, &staff, ServiceAreaInput::around("V6K 2G4", 5.0)).await;
    let area = kitsilano.my_partner_profile().await.unwrap().service_area;
    assert_eq!(area.city, "Vancouver", "the city comes from the place");
    let created = customer
        .create_request(&unplaced("1 Queen St E", "Toronto", "M4M 1A1"))
        .await
        .unwrap();
    assert_eq!(
        (created.address.lat, created.address.lon),
        (43.6595, -79.3409),
        "the postal area's centre"
    );
    assert!(offered(&leslieville, &created.id).await);
    assert!(!offered(&kitsilano, &created.id).await);
    // A city the table knows, without a postal code it knows: the city's centre.
    let downtown = customer
        .create_request(&unplaced("1 Queen St E", "toronto", "M0M 0M0"))
        .await
        .unwrap();
    assert_eq!(
        (downtown.address.lat, downtown.address.lon),
        (43.6532, -79.3832)
    );
    let error = customer
        .create_request(&unplaced("1 Main St", "Springfield", "K0K 0K0"))
        .await
        .unwrap_err();
    assert!(error.problem().unwrap().errors.contains_key("address"));

    let here = anonymous
        .place_at(&PlaceAt {
            lat: 43.66,
            lon: -79.34,
        })
        .await
        .unwrap();
    assert_eq!(here.postal_code.as_deref(), Some("M4M"));
}
