//! Partners over HTTP: profiles, hours, the public profile and its tracked contacts, search,
//! connections analytics, the catalogue and staff management.

use chrono::Utc;
use serde_json::{Value, json};
use shared_types::partners::{
    AssignmentMode, AuditFilter, Availability, CategoryInput, ConnectionsQuery, ContactKind,
    Granularity, MembershipTier, MoneyInput, PartnerAdminUpdate, PartnerFilter,
    PartnerProfileInput, PartnerSearch, PartnerStatus, ServiceAreaInput, Weekday, WeeklyHours,
};
use shared_types::{Client, ErrorCode, PageParams, ProblemDetails};

use crate::harness::TestApp;

const TORONTO: (f64, f64) = (43.653_21, -79.383_18);
/// Kilometres per degree of latitude (on the sphere the service uses).
const KM_PER_DEGREE: f64 = 111.195;

fn profile_input(categories: &[&str], radius_km: f64) -> PartnerProfileInput {
    PartnerProfileInput {
        business_name: "Pat's Plumbing".into(),
        description: "Leaks, drains, water heaters.".into(),
        phone: Some("+14165550123".into()),
        website: Some("https://pats.example.com".into()),
        categories: categories.iter().map(|c| (*c).to_owned()).collect(),
        service_area: ServiceAreaInput::at("Toronto", TORONTO.0, TORONTO.1, radius_km),
        accepting_leads: true,
    }
}

fn hours() -> Availability {
    Availability {
        time_zone: "America/Toronto".into(),
        weekly: vec![
            WeeklyHours {
                weekday: Weekday::Monday,
                start: "08:00".into(),
                end: "12:00".into(),
            },
            WeeklyHours {
                weekday: Weekday::Monday,
                start: "13:00".into(),
                end: "17:30".into(),
            },
        ],
        days_off: vec![chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()],
    }
}

async fn partner_with_profile(app: &TestApp, input: &PartnerProfileInput) -> (String, Client) {
    let (user, client) = app.partner().await;
    client.put_my_partner_profile(input).await.unwrap();
    (user.id, client)
}

#[tokio::test]
async fn a_partner_builds_a_profile_that_the_public_sees_and_contacts() {
    let app = TestApp::spawn().await;
    let (user, partner) = app.partner().await;
    let (_, staff) = app.staff().await;

    // Nothing yet.
    let missing = partner.my_partner_profile().await.unwrap_err();
    assert_eq!(missing.code(), Some(ErrorCode::NotFound));
    let early = partner.put_my_availability(&hours()).await.unwrap_err();
    assert_eq!(early.code(), Some(ErrorCode::NotFound));

    // Create, read back, replace.
    let created = partner
        .put_my_partner_profile(&profile_input(&["plumbing"], 25.0))
        .await
        .unwrap();
    assert_eq!(created.id, user.id);
    assert_eq!(created.email, user.email);
    assert_eq!(created.tier, MembershipTier::Basic);
    assert_eq!(created.status, PartnerStatus::Active);
    assert_eq!(created.categories[0].slug, "plumbing");
    assert!((created.service_area.lat - TORONTO.0).abs() < 1e-9);
    assert!(created.availability.weekly.is_empty());
    assert_eq!(partner.my_partner_profile().await.unwrap(), created);

    let mut changed = profile_input(&["plumbing", "handyman"], 30.0);
    changed.business_name = "Pat's Plumbing & Repairs".into();
    changed.website = None;
    let updated = partner.put_my_partner_profile(&changed).await.unwrap();
    assert_eq!(updated.business_name, "Pat's Plumbing & Repairs");
    assert_eq!(updated.website, None);
    assert_eq!(updated.created_at, created.created_at);
    let slugs: Vec<_> = updated.categories.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(slugs, ["handyman", "plumbing"]);

    // Hours round-trip and survive a profile edit.
    assert_eq!(
        partner.put_my_availability(&hours()).await.unwrap(),
        hours()
    );
    partner.put_my_partner_profile(&changed).await.unwrap();
    assert_eq!(
        partner.my_partner_profile().await.unwrap().availability,
        hours()
    );

    // The public sees a rounded centre and, for a basic member, no contact buttons.
    let public = app.client.partner(&user.id).await.unwrap();
    assert_eq!(public.business_name, "Pat's Plumbing & Repairs");
    assert!((public.area.lat - 43.65).abs() < 1e-9 && (public.area.lon + 79.38).abs() < 1e-9);
    assert!(!public.has_phone && !public.has_website);
    let raw: Value = app
        .client
        .http()
        .get(format!("{}/v1/partners/{}", app.address, user.id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = raw.to_string();
    assert!(
        !text.contains("43.65321") && !text.contains("+14165550123"),
        "{text}"
    );
    let hidden = app
        .client
        .contact_click(&user.id, ContactKind::Phone)
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Some(ErrorCode::NotFound));

    // Brand Builders show a phone (tracked); this one has no website any more.
    let promote = PartnerAdminUpdate {
        status: None,
        tier: Some(MembershipTier::BrandBuilder),
        reason: "paid for Brand Builder".into(),
    };
    staff
        .admin_update_partner(&user.id, &promote)
        .await
        .unwrap();
    let public = app.client.partner(&user.id).await.unwrap();
    assert!(public.has_phone && !public.has_website);
    let call = app
        .client
        .contact_click(&user.id, ContactKind::Phone)
        .await
        .unwrap();
    assert_eq!(call.value, "+14165550123");
    let (_, customer) = app.customer().await;
    customer
        .contact_click(&user.id, ContactKind::Phone)
        .await
        .unwrap();
    let no_site = customer
        .contact_click(&user.id, ContactKind::Website)
        .await
        .unwrap_err();
    assert_eq!(no_site.code(), Some(ErrorCode::NotFound));

    // Views: once per viewer per hour; the partner's own views do not count.
    customer.partner(&user.id).await.unwrap();
    customer.partner(&user.id).await.unwrap();
    partner.partner(&user.id).await.unwrap();
    let stats = partner
        .my_connections(&ConnectionsQuery {
            from: None,
            to: None,
            granularity: Granularity::Day,
        })
        .await
        .unwrap();
    assert_eq!(stats.time_zone, "America/Toronto");
    assert_eq!(stats.buckets.len(), 30);
    // Anonymous (one address) viewed 3 times and the customer twice: 2 views.
    assert_eq!(stats.totals.profile_view, 2);
    assert_eq!(stats.totals.phone_click, 2);
    assert_eq!(stats.totals.website_click, 0);
    let today = stats.buckets.last().unwrap();
    assert_eq!(today.counts, stats.totals, "everything happened today");

    // Suspended partners vanish from the public; the change is audited.
    let suspend = PartnerAdminUpdate {
        status: Some(PartnerStatus::Suspended),
        tier: None,
        reason: "fake reviews".into(),
    };
    let suspended = staff
        .admin_update_partner(&user.id, &suspend)
        .await
        .unwrap();
    assert_eq!(suspended.status, PartnerStatus::Suspended);
    assert_eq!(
        app.client.partner(&user.id).await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );
    assert_eq!(
        customer
            .contact_click(&user.id, ContactKind::Phone)
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::NotFound)
    );
    let listed = staff
        .admin_list_partners(
            &PartnerFilter {
                status: Some(PartnerStatus::Suspended),
                ..PartnerFilter::default()
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    // Staff find a pro by part of the business name or the email, in any case; `%` and `_`
    // are letters, not wildcards.
    let partner_email = listed.items[0].email.clone();
    assert_eq!(
        staff.admin_partner(&user.id).await.unwrap(),
        listed.items[0],
        "one pro's staff view is the list's"
    );
    for (text, found) in [
        ("PLUMBING & rep", true),
        (&partner_email[..6], true),
        ("%", false),
        ("Pat_s", false),
        ("nobody by this name", false),
    ] {
        let hits = staff
            .admin_list_partners(
                &PartnerFilter {
                    q: Some(text.to_owned()),
                    ..PartnerFilter::default()
                },
                &PageParams::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            hits.items.iter().any(|p| p.id == user.id),
            found,
            "searching {text:?}"
        );
    }
    let audit = staff
        .admin_audit_log(
            &AuditFilter {
                subject_id: Some(user.id.clone()),
                ..Default::default()
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 3, "newest first");
    assert_eq!(audit.items[0].reason.as_deref(), Some("fake reviews"));
    assert_eq!(
        audit.items[0].before,
        Some(json!({"status": "active", "tier": "brand_builder"}))
    );
    assert_eq!(
        audit.items[0].after,
        Some(json!({"status": "suspended", "tier": "brand_builder"}))
    );
    // The account's suspension, by the one rule every staff path goes through.
    assert_eq!(audit.items[1].action, "account.suspend");
    assert_eq!(audit.items[1].after, Some(json!({"suspended": true})));
    assert_eq!(
        audit.items[2].after,
        Some(json!({"status": "active", "tier": "brand_builder"}))
    );
    // The log filtered by what was done and by whom.
    let filtered = |action: &str, actor: Option<String>| {
        let filter = AuditFilter {
            subject_id: Some(user.id.clone()),
            action: Some(action.to_owned()),
            actor_id: actor,
        };
        let staff = staff.clone();
        async move {
            let page = staff
                .admin_audit_log(&filter, &PageParams::default())
                .await
                .unwrap();
            page.items.into_iter().map(|e| e.action).collect::<Vec<_>>()
        }
    };
    assert_eq!(filtered("account.", None).await, ["account.suspend"]);
    assert_eq!(filtered("account_", None).await, Vec::<String>::new());
    assert_eq!(
        filtered("ACCOUNT.", None).await,
        ["account.suspend"],
        "the same on every backend"
    );
    let staff_id = staff.me().await.unwrap().id;
    assert_eq!(filtered("partner.", Some(staff_id)).await.len(), 2);
    assert!(filtered("partner.", Some(user.id.clone())).await.is_empty());
}

async fn put_raw(client: &Client, path: &str, body: &Value) -> (u16, ProblemDetails) {
    let response = client
        .request(reqwest::Method::PUT, path)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn every_profile_rule_rejects_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let (_, partner) = app.partner().await;
    let valid = serde_json::to_value(profile_input(&["plumbing"], 25.0)).unwrap();
    let with = |pointer: &str, value: Value| {
        let mut body = valid.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let cases = [
        (with("/phone", json!("416-555-0123")), "phone"),
        (with("/phone", json!("+0123")), "phone"),
        (with("/website", json!("ftp://pats.example.com")), "website"),
        (with("/website", json!("not a url")), "website"),
        (with("/service_area/lat", json!(90.5)), "service_area.lat"),
        (with("/service_area/lon", json!(-180.5)), "service_area.lon"),
        (
            with("/service_area/radius_km", json!(0.5)),
            "service_area.radius_km",
        ),
        (
            with("/service_area/radius_km", json!(201)),
            "service_area.radius_km",
        ),
        (
            with("/service_area/lat", json!("north")),
            "service_area.lat",
        ),
        (with("/categories", json!([])), "categories"),
        (
            with("/categories", json!(["plumbing", "astrology"])),
            "categories",
        ),
        (with("/business_name", json!("  ")), "business_name"),
        (
            with("/business_name", json!("x".repeat(121))),
            "business_name",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = put_raw(&partner, "/v1/partners/me", &body).await;
        assert_eq!(status, 422, "{field}: {problem:?}");
        assert!(
            problem.errors.contains_key(field),
            "{field}: {:?}",
            problem.errors
        );
    }
    assert_eq!(app.count("partner_profiles").await, 0);
    assert_eq!(app.count("partner_categories").await, 0);
    assert_eq!(app.count("partner_area_cells").await, 0);

    // Hours: overlapping, inverted, malformed, unknown zone.
    partner
        .put_my_partner_profile(&profile_input(&["plumbing"], 25.0))
        .await
        .unwrap();
    let stored = partner.my_partner_profile().await.unwrap().availability;
    let day = |start: &str, end: &str| json!({ "weekday": "tuesday", "start": start, "end": end });
    let bad_hours = [
        (
            json!({ "time_zone": "America/Toronto", "weekly": [day("08:00", "12:00"), day("11:00", "14:00")] }),
            "weekly",
        ),
        (
            json!({ "time_zone": "America/Toronto", "weekly": [day("12:00", "08:00")] }),
            "weekly",
        ),
        (
            json!({ "time_zone": "America/Toronto", "weekly": [day("08:00", "25:00")] }),
            "weekly",
        ),
        (
            json!({ "time_zone": "America/Toronto", "weekly": [day("8am", "12:00")] }),
            "weekly",
        ),
        (
            json!({ "time_zone": "Mars/Olympus_Mons", "weekly": [] }),
            "time_zone",
        ),
        (
            json!({ "time_zone": "America/Toronto", "weekly": [], "days_off": ["2026-02-30"] }),
            "days_off[0]",
        ),
    ];
    for (body, field) in bad_hours {
        let (status, problem) = put_raw(&partner, "/v1/partners/me/availability", &body).await;
        assert_eq!(status, 422, "{body}: {problem:?}");
        assert!(
            problem.errors.contains_key(field),
            "{body}: {:?}",
            problem.errors
        );
    }
    assert_eq!(
        partner.my_partner_profile().await.unwrap().availability,
        stored
    );

    // Only partners have a profile.
    let (_, customer) = app.customer().await;
    let error = customer.my_partner_profile().await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    let error = app.client.my_partner_profile().await.unwrap_err();
    assert_eq!(error.status(), Some(401));
}

fn north_of_toronto(km: f64) -> PartnerSearch {
    PartnerSearch {
        category: "plumbing".into(),
        lat: TORONTO.0 + km / KM_PER_DEGREE,
        lon: TORONTO.1,
    }
}

#[tokio::test]
async fn search_covers_exactly_the_service_area() {
    let app = TestApp::spawn().await;
    let (near, _) = partner_with_profile(&app, &profile_input(&["plumbing"], 10.0)).await;
    let mut wide_input = profile_input(&["plumbing", "roofing"], 50.0);
    wide_input.service_area.lat = Some(TORONTO.0 + 20.0 / KM_PER_DEGREE); // 20 km north of the first
    let (wide, _) = partner_with_profile(&app, &wide_input).await;
    let (_, _) = partner_with_profile(&app, &profile_input(&["cleaning"], 100.0)).await;
    let all = PageParams::default();

    let ids = |hits: &shared_types::Page<shared_types::partners::PartnerSearchHit>| {
        hits.items
            .iter()
            .map(|h| h.partner.id.clone())
            .collect::<Vec<_>>()
    };
    // 9.9 km north: inside the 10 km area; the wide one (10.1 km away) ranks second.
    let hits = app
        .client
        .search_partners(&north_of_toronto(9.9), &all)
        .await
        .unwrap();
    assert_eq!(ids(&hits), [near.clone(), wide.clone()]);
    assert!((hits.items[0].distance_km - 9.9).abs() < 0.01);
    assert!((hits.items[1].distance_km - 10.1).abs() < 0.01);
    // 10.1 km north: just outside.
    let hits = app
        .client
        .search_partners(&north_of_toronto(10.1), &all)
        .await
        .unwrap();
    assert_eq!(ids(&hits), std::slice::from_ref(&wide));
    // Nearest first; one per page with a cursor.
    let first = app
        .client
        .search_partners(
            &north_of_toronto(1.0),
            &PageParams {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&first), std::slice::from_ref(&near));
    let second = app
        .client
        .search_partners(
            &north_of_toronto(1.0),
            &PageParams {
                limit: Some(1),
                cursor: first.next_cursor.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(ids(&second), std::slice::from_ref(&wide));
    assert_eq!(second.next_cursor, None);
    // Far away: nobody.
    let hits = app
        .client
        .search_partners(&north_of_toronto(75.0), &all)
        .await
        .unwrap();
    assert!(hits.items.is_empty());

    // Moving an area moves the index with it.
    let (_, mover) = app.partner().await;
    let mut input = profile_input(&["plumbing"], 5.0);
    mover.put_my_partner_profile(&input).await.unwrap();
    input.service_area.lat = Some(45.5);
    input.service_area.lon = Some(-73.57);
    mover.put_my_partner_profile(&input).await.unwrap();
    let hits = app
        .client
        .search_partners(&north_of_toronto(0.0), &all)
        .await
        .unwrap();
    assert_eq!(hits.items.len(), 2, "the mover is no longer in Toronto");

    // Bad queries.
    let mut unknown = north_of_toronto(0.0);
    unknown.category = "astrology".into();
    let error = app
        .client
        .search_partners(&unknown, &all)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ValidationFailed));
    let response = app
        .client
        .request(
            reqwest::Method::GET,
            "/v1/partners?category=plumbing&lat=91&lon=0",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn connections_are_bucketed_and_ranges_checked() {
    let app = TestApp::spawn().await;
    let (id, partner) = partner_with_profile(&app, &profile_input(&["plumbing"], 10.0)).await;
    // Two clicks today from two customers, recorded directly as the leads area will.
    for viewer in ["customer-a", "customer-b"] {
        let (id, now) = (id.clone(), app.state.clock.now());
        app.state
            .write(move |conn| {
                porchlight::partners::connections::record_connection(
                    conn,
                    &id,
                    shared_types::partners::ConnectionKind::MarketplaceLead,
                    porchlight::partners::connections::Source {
                        viewer_key: Some(viewer),
                        request_id: None,
                    },
                    now,
                )
            })
            .await
            .unwrap();
    }
    let today = Utc::now()
        .with_timezone(&chrono_tz::America::Toronto)
        .date_naive();
    let month = partner
        .my_connections(&ConnectionsQuery {
            from: Some(today - chrono::Days::new(60)),
            to: Some(today),
            granularity: Granularity::Month,
        })
        .await
        .unwrap();
    // Sixty days touch two calendar months (1 October to 30 November) or three.
    assert!((2..=3).contains(&month.buckets.len()));
    assert_eq!(month.buckets.last().unwrap().counts.marketplace_lead, 2);
    let week = partner
        .my_connections(&ConnectionsQuery {
            from: Some(today - chrono::Days::new(13)),
            to: Some(today),
            granularity: Granularity::Week,
        })
        .await
        .unwrap();
    assert!(
        week.buckets
            .iter()
            .all(|b| b.start.format("%a").to_string() == "Mon")
    );
    assert_eq!(week.totals.marketplace_lead, 2);

    for (from, to) in [
        (today, today - chrono::Days::new(1)),
        (today - chrono::Days::new(400), today),
    ] {
        let error = partner
            .my_connections(&ConnectionsQuery {
                from: Some(from),
                to: Some(to),
                granularity: Granularity::Day,
            })
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::ValidationFailed));
    }
}

#[tokio::test]
async fn staff_manage_the_catalogue() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let all = PageParams::default();
    let seeded = app.client.categories(&all).await.unwrap();
    assert_eq!(seeded.items.len(), 10);
    let cleaning = seeded.items.iter().find(|c| c.slug == "cleaning").unwrap();
    assert_eq!(cleaning.assignment_mode, AssignmentMode::Instant);
    assert_eq!(cleaning.list_price.as_ref().unwrap().amount_cents, 14_900);
    let plumbing = seeded.items.iter().find(|c| c.slug == "plumbing").unwrap();
    assert_eq!(plumbing.list_price, None);

    let mut input = CategoryInput {
        slug: "gutter-cleaning".into(),
        name: "Gutter cleaning".into(),
        assignment_mode: AssignmentMode::Instant,
        list_price: None,
        active: true,
    };
    let error = staff.admin_create_category(&input).await.unwrap_err();
    assert!(error.problem().unwrap().errors.contains_key("list_price"));
    // A job at zero could never be paid: a price is at least one cent.
    input.list_price = Some(MoneyInput::new(0, "CAD"));
    let error = staff.admin_create_category(&input).await.unwrap_err();
    assert!(
        error
            .problem()
            .unwrap()
            .errors
            .contains_key("list_price.amount_cents"),
        "{error}"
    );
    input.list_price = Some(MoneyInput {
        amount_cents: 18_900,
        currency: "CAD".into(),
    });
    let created = staff.admin_create_category(&input).await.unwrap();
    let duplicate = staff.admin_create_category(&input).await.unwrap_err();
    assert_eq!(duplicate.code(), Some(ErrorCode::Conflict));

    input.active = false;
    let retired = staff
        .admin_update_category(&created.id, &input)
        .await
        .unwrap();
    assert!(!retired.active);
    let listed = app.client.categories(&all).await.unwrap();
    assert!(listed.items.iter().all(|c| c.slug != "gutter-cleaning"));
    // Partners cannot pick a retired category.
    let (_, partner) = app.partner().await;
    let error = partner
        .put_my_partner_profile(&profile_input(&["gutter-cleaning"], 10.0))
        .await
        .unwrap_err();
    assert!(error.problem().unwrap().errors.contains_key("categories"));

    let (_, customer) = app.customer().await;
    let error = customer.admin_create_category(&input).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    let audit = staff
        .admin_audit_log(
            &AuditFilter {
                subject_id: Some(created.id.clone()),
                ..Default::default()
            },
            &all,
        )
        .await
        .unwrap();
    let actions: Vec<_> = audit.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["category.update", "category.create"]);
}
