//! Requests, matching and leads over HTTP: who gets a lead, who wins it, what pros may see,
//! expiry and re-matching, review-mode assignment, idempotent creation.

use chrono::{Duration, Utc};
use serde_json::json;
use shared_types::admin::QueueKind;
use shared_types::partners::{
    Availability, MembershipTier, MoneyInput, PartnerAdminUpdate, PartnerProfileInput,
    PartnerStatus, ServiceAreaInput, Weekday,
};
use shared_types::requests::{
    AddressInput, ApplyInput, DeclineInput, Lead, LeadFilter, OfferStatus, RematchInput,
    RequestKind, RequestStatus, ServiceRequestInput, TimeWindow,
};
use shared_types::{Client, ErrorCode, Page, PageParams};

use shared_types::auth::SignupRole;

use crate::fake_sms::FakeSms;
use crate::harness::{TestApp, TestDatabase, eventually, eventually_some, every_day};

/// Toronto city hall, where the work is.
const SITE: (f64, f64) = (43.6534, -79.3841);
const KM_PER_DEGREE: f64 = 111.195;

struct Pro {
    id: String,
    client: Client,
}

/// How a test pro differs from an eligible one (each flag is one reason to be left out).
#[derive(Default, Clone, Copy)]
#[allow(clippy::struct_excessive_bools, reason = "independent test switches")]
struct Twist {
    km_north: f64,
    radius_km: Option<f64>,
    basic: bool,
    not_accepting: bool,
    suspended: bool,
    only_weekends: bool,
    star_score: Option<f64>,
    category: Option<&'static str>,
    /// Never followed the link that confirms their email address.
    unconfirmed: bool,
}

fn all_week() -> Availability {
    every_day("America/Toronto", "00:00", "24:00")
}

async fn pro(app: &TestApp, staff: &Client, twist: Twist) -> Pro {
    let (user, _, client) = if twist.unconfirmed {
        app.signed_up_unconfirmed(SignupRole::Partner).await
    } else {
        app.signed_up(SignupRole::Partner).await
    };
    let input = PartnerProfileInput {
        business_name: format!("Pro {}", &user.id[..8]),
        description: String::new(),
        phone: None,
        website: None,
        categories: vec![
            twist.category.unwrap_or("cleaning").into(),
            "plumbing".into(),
        ],
        service_area: ServiceAreaInput::at(
            "Toronto",
            SITE.0 + twist.km_north / KM_PER_DEGREE,
            SITE.1,
            twist.radius_km.unwrap_or(25.0),
        ),
        accepting_leads: !twist.not_accepting,
    };
    client.put_my_partner_profile(&input).await.unwrap();
    let mut hours = all_week();
    if twist.only_weekends {
        hours
            .weekly
            .retain(|h| matches!(h.weekday, Weekday::Saturday | Weekday::Sunday));
    }
    client.put_my_availability(&hours).await.unwrap();
    if !twist.basic || twist.suspended {
        let update = PartnerAdminUpdate {
            status: twist.suspended.then_some(PartnerStatus::Suspended),
            tier: (!twist.basic).then_some(MembershipTier::BrandBuilder),
            reason: "test set-up".into(),
        };
        staff.admin_update_partner(&user.id, &update).await.unwrap();
    }
    if let Some(score) = twist.star_score {
        app.sql(&format!(
            "UPDATE partner_profiles SET star_score = {score} WHERE user_id = '{}'",
            user.id
        ))
        .await;
    }
    Pro {
        id: user.id,
        client,
    }
}

/// The next weekday (Monday to Thursday) at 14:00-17:00 UTC, two to eight days ahead.
fn weekday_window() -> TimeWindow {
    use chrono::Datelike;
    let mut day = Utc::now().date_naive() + Duration::days(2);
    while day.weekday().num_days_from_monday() > 3 {
        day += Duration::days(1);
    }
    let start = day.and_hms_opt(14, 0, 0).unwrap().and_utc();
    TimeWindow {
        start,
        end: start + Duration::hours(3),
    }
}

pub fn request(category: &str, partner_id: Option<&str>) -> ServiceRequestInput {
    ServiceRequestInput {
        category: category.into(),
        description: "Deep clean of a two-bedroom flat".into(),
        address: AddressInput {
            street: "100 Queen St W".into(),
            city: "Toronto".into(),
            postal_code: "M5H 2N2".into(),
            country: "CA".into(),
            lat: Some(SITE.0),
            lon: Some(SITE.1),
        },
        windows: vec![weekday_window()],
        budget: None,
        photo_urls: vec!["https://photos.example.com/kitchen.jpg".into()],
        contact_phone: Some("+14165550199".into()),
        partner_id: partner_id.map(str::to_owned),
        time_zone: None,
        photo_ids: Vec::new(),
    }
}

async fn lead_for(pro: &Pro, request_id: &str) -> Option<Lead> {
    let leads = pro
        .client
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap();
    leads.items.into_iter().find(|l| l.request_id == request_id)
}

#[tokio::test]
async fn matching_picks_eligible_pros_and_the_first_confirm_wins() {
    let sms = FakeSms::start();
    let settings = sms.settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(&overrides).await;
    let (_, staff) = app.staff().await;
    let near = pro(
        &app,
        &staff,
        Twist {
            km_north: 2.0,
            ..Twist::default()
        },
    )
    .await;
    let mid = pro(
        &app,
        &staff,
        Twist {
            km_north: 8.0,
            ..Twist::default()
        },
    )
    .await;
    let new_and_far = pro(
        &app,
        &staff,
        Twist {
            km_north: 20.0,
            ..Twist::default()
        },
    )
    .await;
    let excluded = [
        (
            "outside its radius",
            Twist {
                km_north: 10.5,
                radius_km: Some(10.0),
                ..Twist::default()
            },
        ),
        (
            "basic tier",
            Twist {
                basic: true,
                ..Twist::default()
            },
        ),
        (
            "not accepting",
            Twist {
                not_accepting: true,
                ..Twist::default()
            },
        ),
        (
            "suspended",
            Twist {
                suspended: true,
                ..Twist::default()
            },
        ),
        (
            "unavailable",
            Twist {
                only_weekends: true,
                ..Twist::default()
            },
        ),
        (
            "low score",
            Twist {
                star_score: Some(79.0),
                ..Twist::default()
            },
        ),
        (
            "other category",
            Twist {
                category: Some("roofing"),
                ..Twist::default()
            },
        ),
        (
            "email not confirmed",
            Twist {
                unconfirmed: true,
                ..Twist::default()
            },
        ),
    ];
    let mut outsiders = Vec::new();
    for (why, twist) in excluded {
        outsiders.push((why, pro(&app, &staff, twist).await));
    }
    app.sql(&format!(
        "UPDATE partner_profiles SET star_score = 95 WHERE user_id = '{}'",
        mid.id
    ))
    .await;

    let (customer_user, customer) = app.customer().await;
    // The customer confirms the number the pro will be given.
    customer.set_phone("+14165550199").await.unwrap();
    let text = eventually_some(std::time::Duration::from_secs(10), "the code", || async {
        sms.texts_to("+14165550199").pop()
    })
    .await;
    customer.confirm_phone(&text.code()).await.unwrap();
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    assert_eq!(created.kind, RequestKind::Marketplace);
    assert_eq!(created.status, RequestStatus::Open);
    assert_eq!(created.offers_sent, 3);

    for (why, outsider) in &outsiders {
        let offered = count_where(
            &app,
            "lead_offers",
            &format!("partner_id = '{}'", outsider.id),
        )
        .await;
        assert_eq!(offered, 0, "{why} got the lead");
    }
    let lead = lead_for(&near, &created.id).await.unwrap();
    assert_eq!(lead.status, OfferStatus::Offered);
    assert_eq!(lead.offered_to, 3);
    assert_eq!(lead.postal_prefix, "M5H");
    assert!((lead.why.distance_km - 2.0).abs() < 0.1);
    assert_eq!(lead.why.window, Some(weekday_window()));
    assert!(lead.expires_at > Utc::now() + Duration::minutes(29));
    // What the pro would receive: the list price (149.00 CAD) less the 15% fee.
    assert_eq!(lead.platform_fee_bps, 1500);
    assert_eq!(
        lead.earnings,
        Some(shared_types::partners::Money {
            amount_cents: 14_900 - 2_235,
            currency: "CAD".into()
        })
    );

    // Nothing that identifies the homeowner reaches a pro before assignment.
    let raw = near
        .client
        .http()
        .get(format!("{}/v1/leads/{}", app.address, lead.id))
        .bearer_auth(leads_key(&near).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let listed = near
        .client
        .http()
        .get(format!("{}/v1/leads", app.address))
        .bearer_auth(leads_key(&near).await)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let raw = format!("{raw}\n{listed}");
    for secret in [
        "100 Queen St",
        "M5H 2N2",
        "43.6534",
        "79.3841",
        "+14165550199",
        customer_user.email.as_str(),
        customer_user.name.as_str(),
        customer_user.id.as_str(),
    ] {
        assert!(!raw.contains(secret), "a lead leaks {secret:?}: {raw}");
    }

    // The first confirm wins; the others are told it is taken; the winner may confirm again.
    let won = near.client.confirm_lead(&lead.id).await.unwrap();
    assert_eq!(won.partner_id, near.id);
    assert_eq!(won.price.amount_cents, 14_900);
    let again = near.client.confirm_lead(&lead.id).await.unwrap();
    assert_eq!(again, won);
    let mid_lead = lead_for(&mid, &created.id).await.unwrap();
    let lost = mid.client.confirm_lead(&mid_lead.id).await.unwrap_err();
    assert_eq!(lost.status(), Some(409));
    assert_eq!(lost.code(), Some(ErrorCode::LeadTaken));
    assert_eq!(
        lead_for(&mid, &created.id).await.unwrap().status,
        OfferStatus::Taken
    );
    assert_eq!(
        lead_for(&new_and_far, &created.id).await.unwrap().status,
        OfferStatus::Taken
    );
    // Someone else's offer is not found.
    let foreign = mid.client.confirm_lead(&lead.id).await.unwrap_err();
    assert_eq!(foreign.code(), Some(ErrorCode::NotFound));

    // The customer sees who is coming.
    let seen = customer.service_request(&created.id).await.unwrap();
    assert_eq!(seen.status, RequestStatus::Assigned);
    assert_eq!(seen.job_id.as_deref(), Some(won.job_id.as_str()));
    assert_eq!(seen.assigned_partner.unwrap().id, near.id);

    // Contact details: the assigned pro only, and every read is logged.
    let details = near.client.customer_details(&won.job_id).await.unwrap();
    assert_eq!(details.name, customer_user.name);
    assert_eq!(details.email, customer_user.email);
    assert_eq!(details.phone.as_deref(), Some("+14165550199"));
    assert_eq!(details.address.street, "100 Queen St W");
    for other in [&mid, &new_and_far] {
        let error = other
            .client
            .customer_details(&won.job_id)
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::NotFound));
    }
    assert_eq!(
        customer
            .customer_details(&won.job_id)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );
    let reads = || async {
        staff
            .admin_customer_detail_reads(
                &shared_types::requests::DetailReadFilter {
                    job_id: Some(won.job_id.clone()),
                    ..Default::default()
                },
                &PageParams::default(),
            )
            .await
            .unwrap()
            .items
    };
    let logged = reads().await;
    assert_eq!(logged.len(), 1, "one successful read, logged");
    assert_eq!(logged[0].partner_id, near.id);
    // The agreement's text names the customer and the address: reading it is a read too.
    let agreement = near.client.agreement(&won.job_id).await.unwrap();
    assert!(agreement.text.contains("100 Queen St W"));
    assert_eq!(reads().await.len(), 2, "the agreement's read is logged");

    // The events are in the outbox, and the winner has a marketplace-lead connection.
    assert_eq!(app.count("jobs").await, 1);
    assert_eq!(
        count_where(&app, "outbox", "kind = 'lead.offered'").await,
        3
    );
    told_taken(&app, 2).await;
    assert_eq!(
        count_where(
            &app,
            "outbox",
            &format!("kind = 'request.assigned' AND payload LIKE '%{}%'", near.id)
        )
        .await,
        1,
        "the customer hears who is coming"
    );
    assert_eq!(
        count_where(
            &app,
            "connections",
            &format!("kind = 'marketplace_lead' AND partner_id = '{}'", near.id)
        )
        .await,
        1
    );
}

/// An API key of the pro's, for reading raw responses outside the typed client.
async fn leads_key(pro: &Pro) -> String {
    let key = pro
        .client
        .create_api_key(&shared_types::auth::CreateApiKeyRequest {
            name: "raw read".into(),
            scopes: vec![shared_types::auth::Scope::LeadsRead],
            expires_in_days: Some(1),
        })
        .await
        .unwrap();
    key.secret
}

async fn count_where(app: &TestApp, table: &str, condition: &str) -> i64 {
    app.count(&format!("{table} WHERE {condition}")).await
}

/// Waits until `pros` have been told that the lead was taken (the winner is answered first),
/// and checks that nobody is told twice.
async fn told_taken(app: &TestApp, pros: i64) {
    eventually(std::time::Duration::from_secs(10), || async {
        count_where(app, "lead_offers", "notice_pending").await == 0
    })
    .await;
    assert_eq!(
        count_where(app, "outbox", "kind = 'lead.taken'").await,
        pros
    );
}

#[tokio::test]
async fn concurrent_confirms_have_exactly_one_winner() {
    let pros_count = 50;
    let app = TestApp::spawn_with(&[
        ("LEAD_OFFERS_PER_ROUND", "50"),
        ("HTTP_WORKERS", "4"),
        ("DB_POOL_SIZE", "8"),
    ])
    .await;
    let (_, staff) = app.staff().await;
    let mut pros = Vec::new();
    for _ in 0..pros_count {
        pros.push(pro(&app, &staff, Twist::default()).await);
    }
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    assert_eq!(created.offers_sent, pros_count);
    let mut offers = Vec::new();
    for pro in &pros {
        offers.push((
            pro.client.clone(),
            lead_for(pro, &created.id).await.unwrap().id,
        ));
    }
    let attempts: Vec<_> = offers
        .into_iter()
        .map(|(client, offer)| tokio::spawn(async move { client.confirm_lead(&offer).await }))
        .collect();
    let mut winners = 0;
    let mut taken = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => winners += 1,
            Err(error) => {
                assert_eq!(error.code(), Some(ErrorCode::LeadTaken), "{error}");
                taken += 1;
            }
        }
    }
    assert_eq!((winners, taken), (1, pros_count - 1));
    assert_eq!(app.count("jobs").await, 1);
    assert_eq!(
        count_where(&app, "lead_offers", "status = 'accepted'").await,
        1
    );
    assert_eq!(
        count_where(&app, "lead_offers", "status = 'taken'").await,
        pros_count - 1
    );
    assert_eq!(
        count_where(
            &app,
            "lead_offers",
            "status = 'taken' AND responded_at IS NOT NULL"
        )
        .await,
        pros_count - 1,
        "every loser pressed Confirm: each attempt is an answer"
    );
    // Each loser is told once, after the winner's answer.
    told_taken(&app, pros_count - 1).await;
    assert_eq!(count_where(&app, "lead_offers", "notice_pending").await, 0);
}

/// The winner's call tells the other pros after its commit; if the process dies in between, the
/// lead sweep tells them, once.
#[tokio::test]
async fn pros_left_untold_by_a_crash_are_told_by_the_sweep() {
    let app = TestApp::spawn_with(&[("LEAD_OFFERS_PER_ROUND", "10")]).await;
    let (_, staff) = app.staff().await;
    let mut pros = Vec::new();
    for _ in 0..3 {
        pros.push(pro(&app, &staff, Twist::default()).await);
    }
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    let won = lead_for(&pros[0], &created.id).await.unwrap();
    pros[0].client.confirm_lead(&won.id).await.unwrap();
    told_taken(&app, 2).await;
    let assigned_news = "kind = 'request.assigned'";
    assert_eq!(count_where(&app, "outbox", assigned_news).await, 1);
    // As if the process had died between the win's commit and the telling.
    app.sql("DELETE FROM outbox WHERE kind IN ('lead.taken', 'request.assigned')")
        .await;
    app.sql("UPDATE lead_offers SET notice_pending = TRUE WHERE status IN ('taken', 'accepted')")
        .await;
    app.sql("UPDATE lead_cards SET lead = NULL").await;
    // Meanwhile the feed renders the owed cards from the tables.
    assert_eq!(
        lead_for(&pros[1], &created.id).await.unwrap().status,
        OfferStatus::Taken
    );

    let policy = porchlight::requests::LeadPolicy::from(app.state.settings.as_ref());
    let now = app.state.clock.now();
    let report = porchlight::requests::sweep::run(&app.state, now, policy)
        .await
        .unwrap();
    assert_eq!((report.told, report.customers_told), (2, 1));
    assert_eq!(
        count_where(&app, "outbox", assigned_news).await,
        1,
        "the customer hears that the winner will come"
    );
    for pro in &pros[1..] {
        let told = count_where(
            &app,
            "outbox",
            &format!("kind = 'lead.taken' AND recipient_id = '{}'", pro.id),
        )
        .await;
        assert_eq!(told, 1);
        let lead = lead_for(pro, &created.id).await.unwrap();
        assert_eq!(lead.status, OfferStatus::Taken);
    }
    assert_eq!(count_where(&app, "lead_offers", "notice_pending").await, 0);
    assert_eq!(count_where(&app, "lead_cards", "lead IS NULL").await, 0);
    let again = porchlight::requests::sweep::run(&app.state, now, policy)
        .await
        .unwrap();
    assert_eq!((again.told, again.customers_told), (0, 0), "told once");
    assert_eq!(count_where(&app, "outbox", assigned_news).await, 1);
}

/// The feed is served from its read model; the check the tests run after every scenario finds
/// a card that says something the tables do not, a card owed is rendered from the tables
/// meanwhile, and a start-up stores the cards owed.
#[tokio::test]
async fn lead_cards_agree_with_the_tables_or_are_rendered_from_them() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let pro = pro(&app, &staff, Twist::default()).await;
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    let lead = lead_for(&pro, &created.id).await.unwrap();
    assert_eq!(lead.offered_to, 1);
    let problems = || {
        let mut conn = app.state.pool.get().unwrap();
        porchlight::requests::cards::check(&mut conn).unwrap()
    };
    assert_eq!(problems(), Vec::<String>::new());

    app.sql(r#"UPDATE lead_cards SET lead = REPLACE(lead, '"offered_to":1', '"offered_to":7')"#)
        .await;
    let found = problems();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("offered_to shows 7"), "{found:?}");

    app.sql("UPDATE lead_cards SET lead = NULL").await;
    assert_eq!(problems(), Vec::<String>::new());
    assert_eq!(lead_for(&pro, &created.id).await.unwrap(), lead);
    let app = app.restart().await;
    assert_eq!(count_where(&app, "lead_cards", "lead IS NULL").await, 0);
    let mut conn = app.state.pool.get().unwrap();
    let stored = porchlight::requests::leads::get(&mut conn, &pro.id, &lead.id).unwrap();
    assert_eq!(stored, lead);
}

/// On PostgreSQL the feed is read in one statement on the worker's own connection; every page,
/// whatever the filter, size and cursor, is the page the portable path reads, and every lead
/// opened is the lead it reads.
#[tokio::test]
async fn every_page_of_the_feed_is_the_same_on_either_read_path() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.state.hot.enabled(),
        app.database.url().starts_with("postgres")
    );
    let (_, staff) = app.staff().await;
    let pro = pro(&app, &staff, Twist::default()).await;
    let (_, customer) = app.customer().await;
    let mut leads = Vec::new();
    for _ in 0..5 {
        let created = customer
            .create_request(&request("cleaning", None))
            .await
            .unwrap();
        leads.push(lead_for(&pro, &created.id).await.unwrap());
    }
    let reason = DeclineInput { reason: None };
    pro.client
        .decline_lead(&leads[0].id, &reason)
        .await
        .unwrap();
    pro.client
        .decline_lead(&leads[3].id, &reason)
        .await
        .unwrap();
    pro.client.confirm_lead(&leads[1].id).await.unwrap();

    let filters = [
        None,
        Some(OfferStatus::Offered),
        Some(OfferStatus::Declined),
        Some(OfferStatus::Accepted),
        Some(OfferStatus::Expired),
    ];
    for status in filters {
        let filter = LeadFilter { status };
        for limit in [1, 2, 3, 50] {
            let mut cursor = None;
            let mut seen = 0;
            loop {
                let page = PageParams {
                    limit: Some(limit),
                    cursor: cursor.clone(),
                };
                let served = pro.client.leads(&filter, &page).await.unwrap();
                let mut conn = app.state.pool.get().unwrap();
                let portable =
                    porchlight::requests::leads::list(&mut conn, &pro.id, &filter, &page).unwrap();
                assert_eq!(
                    served, portable,
                    "{status:?}, limit {limit}, from {cursor:?}"
                );
                if app.state.hot.enabled() {
                    let hot = porchlight::requests::leads::list_hot(
                        &app.state.hot,
                        &pro.id,
                        &filter,
                        &page,
                    );
                    let body = tokio::task::LocalSet::new()
                        .run_until(hot)
                        .await
                        .unwrap()
                        .expect("the hot path answers");
                    let hot: Page<Lead> = serde_json::from_str(&body).unwrap();
                    assert_eq!(hot, portable, "{status:?}, limit {limit}, from {cursor:?}");
                }
                seen += served.items.len();
                if served.next_cursor.is_none() {
                    break;
                }
                cursor = served.next_cursor;
            }
            let expected = match status {
                None => 5,
                Some(OfferStatus::Offered | OfferStatus::Declined) => 2,
                Some(OfferStatus::Accepted) => 1,
                Some(_) => 0,
            };
            assert_eq!(seen, expected, "{status:?}, limit {limit}");
        }
    }
    for lead in &leads {
        let served = pro.client.lead(&lead.id).await.unwrap();
        let mut conn = app.state.pool.get().unwrap();
        let portable = porchlight::requests::leads::get(&mut conn, &pro.id, &lead.id).unwrap();
        assert_eq!(served, portable);
        if app.state.hot.enabled() {
            let hot = porchlight::requests::leads::get_hot(&app.state.hot, &pro.id, &lead.id);
            let body = tokio::task::LocalSet::new()
                .run_until(hot)
                .await
                .expect("the hot path answers");
            assert_eq!(serde_json::from_str::<Lead>(&body).unwrap(), portable);
        }
        // Another pro's lead is not found on either path.
        let someone_else = porchlight::requests::leads::get_hot(&app.state.hot, "nobody", &lead.id);
        let found = tokio::task::LocalSet::new().run_until(someone_else).await;
        assert_eq!(found, None);
    }
}

/// How many sessions a database has, besides the one asking.
#[derive(diesel::QueryableByName)]
struct Sessions {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A table's reads since its statistics began.
#[derive(diesel::QueryableByName)]
struct Scanned {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    idx_scan: i64,
}

/// The lead paths (matching, the feed, the race, declining, the sweep) find their rows through
/// indexes: run with sequential scans priced out of every plan, none of them reads a table by a
/// sequential scan, which only a statement no index can serve still gets; on a table that grows
/// with use that is a statement that slows as the marketplace grows. PostgreSQL only; its
/// statistics are read once the service's sessions have ended and written them.
#[tokio::test]
async fn the_lead_paths_read_tables_through_indexes() {
    use diesel::prelude::*;
    let database = TestDatabase::create();
    if !database.is_postgres() {
        return;
    }
    let url = database.url();
    let separator = if url.contains('?') { '&' } else { '?' };
    let no_sequential_scans = format!("{url}{separator}options=-c%20enable_seqscan%3Doff");
    let app = TestApp::spawn_on(
        database,
        &[
            ("DATABASE_URL", no_sequential_scans.as_str()),
            ("LEAD_OFFERS_PER_ROUND", "3"),
        ],
    )
    .await;
    let (_, staff) = app.staff().await;
    let mut pros = Vec::new();
    for _ in 0..3 {
        pros.push(pro(&app, &staff, Twist::default()).await);
    }
    let (_, customer) = app.customer().await;
    let mut requests = Vec::new();
    for _ in 0..3 {
        requests.push(
            customer
                .create_request(&request("cleaning", None))
                .await
                .unwrap(),
        );
    }
    customer
        .list_requests(&PageParams::default())
        .await
        .unwrap();
    let won = lead_for(&pros[0], &requests[0].id).await.unwrap();
    pros[0].client.lead(&won.id).await.unwrap();
    pros[0].client.confirm_lead(&won.id).await.unwrap();
    let lost = lead_for(&pros[1], &requests[0].id).await.unwrap();
    pros[1].client.confirm_lead(&lost.id).await.unwrap_err();
    let passed = lead_for(&pros[1], &requests[1].id).await.unwrap();
    pros[1]
        .client
        .decline_lead(&passed.id, &DeclineInput { reason: None })
        .await
        .unwrap();
    pros[0]
        .client
        .jobs(
            &shared_types::jobs::JobFilter::default(),
            &PageParams::default(),
        )
        .await
        .unwrap();
    app.state.clock.advance(Duration::hours(2));
    let policy = porchlight::requests::LeadPolicy::from(app.state.settings.as_ref());
    porchlight::requests::sweep::run(&app.state, app.state.clock.now(), policy)
        .await
        .unwrap();

    // The workers' own connections end with them; each pooled one is made to write its
    // statistics now, and all are held so that no new session starts.
    app.stop().await;
    let pool = app.state.pool.clone();
    let held = tokio::task::spawn_blocking(move || {
        let mut held: Vec<_> = (0..pool.max_size()).map(|_| pool.get().unwrap()).collect();
        for conn in &mut held {
            diesel::sql_query("SELECT pg_stat_force_next_flush()")
                .execute(&mut **conn)
                .unwrap();
            diesel::sql_query("SELECT 1").execute(&mut **conn).unwrap();
        }
        held
    })
    .await
    .unwrap();
    let mut admin = PgConnection::establish(&url).unwrap();
    let mut sessions = || {
        diesel::sql_query(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid()",
        )
        .get_result::<Sessions>(&mut admin)
        .unwrap()
        .n
    };
    let pooled = i64::try_from(held.len()).unwrap();
    let mut waited = 0;
    while sessions() > pooled {
        assert!(waited < 100, "the workers' connections did not end");
        waited += 1;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let tables = diesel::sql_query(
        "SELECT relname::text AS relname, seq_scan, COALESCE(idx_scan, 0) AS idx_scan \
         FROM pg_stat_user_tables ORDER BY relname",
    )
    .load::<Scanned>(&mut admin)
    .unwrap();
    drop(held);
    let read: i64 = tables
        .iter()
        .filter(|table| table.relname == "lead_cards")
        .map(|table| table.idx_scan)
        .sum();
    assert!(read > 0, "the statistics include the service's reads");
    let scanned: Vec<String> = tables
        .iter()
        .filter(|table| table.seq_scan > 0)
        .map(|table| format!("{} ({})", table.relname, table.seq_scan))
        .collect();
    assert_eq!(
        scanned,
        Vec::<String>::new(),
        "tables read by sequential scans"
    );
}

/// A double tap (or a flaky network's retries): the same pro confirming their own offer many
/// times at once gets the same job every time, never `lead_taken`.
#[tokio::test]
async fn one_pro_confirming_many_times_at_once_gets_one_job() {
    let app = TestApp::spawn_with(&[("HTTP_WORKERS", "4"), ("DB_POOL_SIZE", "8")]).await;
    let (_, staff) = app.staff().await;
    let only = pro(&app, &staff, Twist::default()).await;
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    let offer = lead_for(&only, &created.id).await.unwrap().id;
    let attempts: Vec<_> = (0..50)
        .map(|_| {
            let (client, offer) = (only.client.clone(), offer.clone());
            tokio::spawn(async move { client.confirm_lead(&offer).await })
        })
        .collect();
    let mut jobs = std::collections::BTreeSet::new();
    for attempt in attempts {
        jobs.insert(attempt.await.unwrap().expect("every tap succeeds").job_id);
    }
    assert_eq!(jobs.len(), 1);
    assert_eq!(app.count("jobs").await, 1);
}

/// Matching ranks by response rate among equals: a pro who pressed Confirm and lost the race
/// answered; one whose offer was closed by someone else's win before they looked did not miss
/// anything; only an expired offer is a miss.
#[tokio::test]
async fn losing_a_race_is_an_answer_and_a_closed_offer_is_no_miss() {
    let app = TestApp::spawn_with(&[("LEAD_OFFERS_PER_ROUND", "10")]).await;
    let (_, staff) = app.staff().await;
    let (winner, loser, idle) = (
        pro(&app, &staff, Twist::default()).await,
        pro(&app, &staff, Twist::default()).await,
        pro(&app, &staff, Twist::default()).await,
    );
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    let won = lead_for(&winner, &created.id).await.unwrap();
    winner.client.confirm_lead(&won.id).await.unwrap();
    let lost = lead_for(&loser, &created.id).await.unwrap();
    let error = loser.client.confirm_lead(&lost.id).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::LeadTaken));

    let ids = vec![winner.id.clone(), loser.id.clone(), idle.id.clone()];
    let now = app.state.clock.now();
    let rates = app
        .state
        .db(move |conn| porchlight::requests::matching::response_rates(conn, &ids, now))
        .await
        .unwrap();
    let rate = |pro: &Pro| rates.get(&pro.id).copied().unwrap_or(0.5);
    assert!((rate(&loser) - 2.0 / 3.0).abs() < 1e-9, "{}", rate(&loser));
    assert!((rate(&winner) - 2.0 / 3.0).abs() < 1e-9);
    assert!(
        (rate(&idle) - 0.5).abs() < 1e-9,
        "a closed offer is neutral"
    );
}

#[tokio::test]
async fn review_leads_go_to_the_applicant_staff_choose() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let first = pro(&app, &staff, Twist::default()).await;
    let second = pro(
        &app,
        &staff,
        Twist {
            km_north: 3.0,
            ..Twist::default()
        },
    )
    .await;
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("plumbing", None))
        .await
        .unwrap();
    assert_eq!(created.offers_sent, 2);

    let first_lead = lead_for(&first, &created.id).await.unwrap();
    let confirm = first.client.confirm_lead(&first_lead.id).await.unwrap_err();
    assert_eq!(confirm.code(), Some(ErrorCode::InvalidTransition));
    let quote = |cents| ApplyInput {
        message: "Can replace the trap and the valve".into(),
        quote: MoneyInput {
            amount_cents: cents,
            currency: "CAD".into(),
        },
    };
    // A zero quote would make a job that can never be paid.
    let free = first
        .client
        .apply_lead(&first_lead.id, &quote(0))
        .await
        .unwrap_err();
    assert!(
        free.problem()
            .unwrap()
            .errors
            .contains_key("quote.amount_cents"),
        "{free}"
    );
    let applied = first
        .client
        .apply_lead(&first_lead.id, &quote(32_000))
        .await
        .unwrap();
    assert_eq!(applied.status, OfferStatus::Applied);
    let second_lead = lead_for(&second, &created.id).await.unwrap();
    second
        .client
        .apply_lead(&second_lead.id, &quote(28_000))
        .await
        .unwrap();
    let twice = second
        .client
        .apply_lead(&second_lead.id, &quote(1))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Some(ErrorCode::InvalidTransition));

    let applications = staff.admin_applications(&created.id).await.unwrap();
    assert_eq!(applications.len(), 2);
    assert_eq!(applications[0].partner.id, first.id);
    assert_eq!(applications[1].quote.amount_cents, 28_000);
    assert!(
        applications[1].distance_km > applications[0].distance_km,
        "the second pro is 3 km further north"
    );
    assert!(applications.iter().all(|a| a.available_window.is_some()));
    assert!(applications.iter().all(|a| a.jobs_with_customer == 0));

    // Staff find it among the requests waiting for a choice, and in the queue.
    let waiting = staff
        .admin_assignments(&PageParams::default())
        .await
        .unwrap();
    assert_eq!(waiting.items.len(), 1);
    assert_eq!(waiting.items[0].request_id, created.id);
    assert_eq!(waiting.items[0].applications, 2);
    assert_eq!(
        waiting.items[0].first_applied_at,
        applications[0].applied_at
    );
    let queue = staff.admin_queue().await.unwrap();
    let assignments = queue.of(QueueKind::Assignments).unwrap();
    assert_eq!(assignments.count, 1);
    assert_eq!(assignments.oldest_id.as_deref(), Some(created.id.as_str()));
    assert_eq!(assignments.oldest_since, Some(applications[0].applied_at));

    let assignment = staff
        .admin_assign(&created.id, &second_lead.id)
        .await
        .unwrap();
    assert_eq!(assignment.partner_id, second.id);
    assert_eq!(
        assignment.price.amount_cents, 28_000,
        "the accepted quote is the price"
    );
    assert_eq!(
        lead_for(&first, &created.id).await.unwrap().status,
        OfferStatus::Taken
    );
    let again = staff
        .admin_assign(&created.id, &first_lead.id)
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(409));
    let waiting = staff
        .admin_assignments(&PageParams::default())
        .await
        .unwrap();
    assert!(waiting.items.is_empty(), "assigned: nothing waits");
    let queue = staff.admin_queue().await.unwrap();
    assert_eq!(queue.of(QueueKind::Assignments).unwrap().count, 0);
    assert_eq!(queue.of(QueueKind::Assignments).unwrap().oldest_id, None);
    assert_eq!(
        count_where(
            &app,
            "outbox",
            &format!("kind = 'lead.taken' AND recipient_id = '{}'", first.id)
        )
        .await,
        1
    );
    // The chosen pro did not just confirm: they are told, and the choice is on the record.
    assert_eq!(
        count_where(
            &app,
            "outbox",
            &format!("kind = 'job.assigned' AND recipient_id = '{}'", second.id)
        )
        .await,
        1
    );
    let audit = staff
        .admin_audit_log(
            &shared_types::partners::AuditFilter {
                subject_id: Some(created.id.clone()),
                ..Default::default()
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 1);
    assert_eq!(audit.items[0].action, "request.assign");
    assert_eq!(
        audit.items[0].after.as_ref().unwrap()["partner_id"],
        second.id.as_str()
    );
}

#[tokio::test]
async fn unanswered_offers_expire_and_the_lead_moves_on() {
    let app =
        TestApp::spawn_with(&[("LEAD_OFFERS_PER_ROUND", "1"), ("MAX_MATCH_ROUNDS", "3")]).await;
    let (_, staff) = app.staff().await;
    let near = pro(
        &app,
        &staff,
        Twist {
            km_north: 1.0,
            ..Twist::default()
        },
    )
    .await;
    let far = pro(
        &app,
        &staff,
        Twist {
            km_north: 12.0,
            ..Twist::default()
        },
    )
    .await;
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    let near_lead = lead_for(&near, &created.id).await.unwrap();
    assert!(lead_for(&far, &created.id).await.is_none());

    let policy = porchlight::requests::LeadPolicy::from(app.state.settings.as_ref());
    let sweep = |minutes: i64| {
        let state = app.state.clone();
        async move {
            let at = state.clock.now() + Duration::minutes(minutes);
            porchlight::requests::sweep::run(&state, at, policy)
                .await
                .unwrap()
        }
    };
    let report = sweep(31).await;
    assert_eq!((report.expired, report.rematched), (1, 1));
    assert_eq!(
        lead_for(&near, &created.id).await.unwrap().status,
        OfferStatus::Expired
    );
    let expired = near.client.confirm_lead(&near_lead.id).await.unwrap_err();
    assert_eq!(expired.status(), Some(410));
    assert_eq!(expired.code(), Some(ErrorCode::LeadExpired));

    // The far pro declines: nobody is left, so the customer hears that no pro is available.
    let far_lead = lead_for(&far, &created.id).await.unwrap();
    let declined = far
        .client
        .decline_lead(
            &far_lead.id,
            &DeclineInput {
                reason: Some("too far".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(declined.status, OfferStatus::Declined);
    let seen = customer.service_request(&created.id).await.unwrap();
    assert_eq!(seen.status, RequestStatus::Unfilled);
    assert_eq!(
        count_where(&app, "outbox", "kind = 'request.unfilled'").await,
        1
    );
    assert_eq!(
        sweep(120).await,
        porchlight::requests::sweep::SweepReport::default()
    );

    // Not a dead end: a pro who works only at weekends joins, and the customer tries a Saturday.
    let weekender = pro(
        &app,
        &staff,
        Twist {
            km_north: 2.0,
            only_weekends: true,
            ..Twist::default()
        },
    )
    .await;
    let saturday = {
        use chrono::Datelike;
        let mut day = Utc::now().date_naive() + Duration::days(2);
        while day.weekday() != chrono::Weekday::Sat {
            day += Duration::days(1);
        }
        let start = day.and_hms_opt(15, 0, 0).unwrap().and_utc();
        TimeWindow {
            start,
            end: start + Duration::hours(3),
        }
    };
    let reopened = customer
        .rematch_request(
            &created.id,
            &RematchInput {
                windows: Some(vec![saturday]),
                extra_km: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(reopened.status, RequestStatus::Open);
    assert_eq!(reopened.windows, vec![saturday]);
    let weekend_lead = lead_for(&weekender, &created.id).await.unwrap();
    assert_eq!(weekend_lead.status, OfferStatus::Offered);
    assert_eq!(
        lead_for(&near, &created.id).await.unwrap().status,
        OfferStatus::Expired,
        "pros already asked are not asked again"
    );
    // The weekender passes too; the customer gives up: an unfilled request can be cancelled.
    weekender
        .client
        .decline_lead(&weekend_lead.id, &DeclineInput::default())
        .await
        .unwrap();
    let unfilled = customer.service_request(&created.id).await.unwrap();
    assert_eq!(unfilled.status, RequestStatus::Unfilled);
    let cancelled = customer.cancel_request(&created.id).await.unwrap();
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    let again = customer
        .rematch_request(&created.id, &RematchInput::default())
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::InvalidTransition));
}

#[tokio::test]
async fn a_wider_search_reaches_pros_just_beyond_their_area() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    // Their areas end 5 km and 55 km short of the address.
    let short = pro(
        &app,
        &staff,
        Twist {
            km_north: 30.0,
            ..Twist::default()
        },
    )
    .await;
    let far = pro(
        &app,
        &staff,
        Twist {
            km_north: 80.0,
            ..Twist::default()
        },
    )
    .await;
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", None))
        .await
        .unwrap();
    assert_eq!(created.status, RequestStatus::Unfilled, "nobody covers it");
    assert!(lead_for(&short, &created.id).await.is_none());

    // A reach outside 1 to 50 km is refused and changes nothing.
    for extra_km in [0, 51] {
        let refused = customer
            .rematch_request(
                &created.id,
                &RematchInput {
                    windows: None,
                    extra_km: Some(extra_km),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            refused.code(),
            Some(ErrorCode::ValidationFailed),
            "{extra_km}"
        );
    }
    assert_eq!(
        customer.service_request(&created.id).await.unwrap().status,
        RequestStatus::Unfilled
    );

    // Ten km farther reaches the pro 5 km short, not the one 55 km short.
    let wider = customer
        .rematch_request(
            &created.id,
            &RematchInput {
                windows: None,
                extra_km: Some(10),
            },
        )
        .await
        .unwrap();
    assert_eq!(wider.status, RequestStatus::Open);
    let lead = lead_for(&short, &created.id)
        .await
        .expect("the pro just beyond is asked");
    assert!(
        (lead.why.distance_km - 30.0).abs() < 0.5,
        "{}",
        lead.why.distance_km
    );
    assert!(lead_for(&far, &created.id).await.is_none());
}

#[tokio::test]
async fn a_profile_lead_goes_to_its_pro_only_and_can_be_cancelled() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    // A basic-tier pro: profile leads ignore tier.
    let chosen = pro(
        &app,
        &staff,
        Twist {
            basic: true,
            ..Twist::default()
        },
    )
    .await;
    let bystander = pro(&app, &staff, Twist::default()).await;
    let (_, customer) = app.customer().await;
    let created = customer
        .create_request(&request("cleaning", Some(&chosen.id)))
        .await
        .unwrap();
    assert_eq!(created.kind, RequestKind::Profile);
    assert_eq!(created.offers_sent, 1);
    assert!(lead_for(&bystander, &created.id).await.is_none());
    let lead = lead_for(&chosen, &created.id).await.unwrap();
    assert_eq!(lead.offered_to, 1);

    let cancelled = customer.cancel_request(&created.id).await.unwrap();
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    assert_eq!(
        lead_for(&chosen, &created.id).await.unwrap().status,
        OfferStatus::Withdrawn
    );
    let late = chosen.client.confirm_lead(&lead.id).await.unwrap_err();
    assert_eq!(late.code(), Some(ErrorCode::InvalidTransition));
    let twice = customer.cancel_request(&created.id).await.unwrap_err();
    assert_eq!(twice.code(), Some(ErrorCode::InvalidTransition));

    // A second ask, confirmed: the pro gets the job. Each ask was a profile-lead connection,
    // answered or not.
    let again = customer
        .create_request(&request("cleaning", Some(&chosen.id)))
        .await
        .unwrap();
    let lead = lead_for(&chosen, &again.id).await.unwrap();
    // The customer picked this pro: the lead waits for them until the last preferred window has
    // passed, not the 30 minutes of a marketplace offer.
    assert_eq!(lead.expires_at, again.windows[0].end);
    let policy = porchlight::requests::LeadPolicy::from(app.state.settings.as_ref());
    let in_an_hour = app.state.clock.now() + Duration::hours(1);
    let report = porchlight::requests::sweep::run(&app.state, in_an_hour, policy)
        .await
        .unwrap();
    assert_eq!(report.expired, 0);
    let job = chosen.client.confirm_lead(&lead.id).await.unwrap();
    assert_eq!(job.partner_id, chosen.id);
    assert_eq!(
        count_where(
            &app,
            "connections",
            &format!("kind = 'profile_lead' AND partner_id = '{}'", chosen.id)
        )
        .await,
        2
    );

    // Other customers cannot see it; pros cannot ask for work.
    let (_, other) = app.customer().await;
    assert_eq!(
        other.service_request(&created.id).await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );
    assert_eq!(
        other.cancel_request(&created.id).await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );
    let error = chosen
        .client
        .create_request(&request("cleaning", None))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(403));
}

#[tokio::test]
async fn bad_requests_are_rejected_and_store_nothing() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let roofer = pro(
        &app,
        &staff,
        Twist {
            category: Some("roofing"),
            ..Twist::default()
        },
    )
    .await;
    let (_, customer) = app.customer().await;
    let now = Utc::now();
    let window = |start: chrono::DateTime<Utc>, hours: i64| json!({ "start": start, "end": start + Duration::hours(hours) });
    let valid = serde_json::to_value(request("cleaning", None)).unwrap();
    let with = |pointer: &str, value: serde_json::Value| {
        let mut body = valid.clone();
        *body.pointer_mut(pointer).unwrap() = value;
        body
    };
    let in_zone = |zone: &str| {
        let mut body = valid.clone();
        body["time_zone"] = json!(zone);
        body
    };
    let cases = [
        (in_zone("Mars/Olympus_Mons"), "time_zone"),
        (in_zone(""), "time_zone"),
        (
            with("/windows", json!([window(now - Duration::hours(2), 1)])),
            "windows",
        ),
        (
            with("/windows", json!([window(now + Duration::days(1), -1)])),
            "windows",
        ),
        (
            with("/windows", json!([window(now + Duration::days(1), 13)])),
            "windows",
        ),
        (with("/windows", json!([])), "windows"),
        (
            with(
                "/windows",
                json!(
                    (0..6)
                        .map(|d| window(now + Duration::days(d + 1), 2))
                        .collect::<Vec<_>>()
                ),
            ),
            "windows",
        ),
        (with("/description", json!("too short")), "description"),
        (with("/address/lat", json!(91.0)), "address.lat"),
        (with("/address/lon", json!(-181.0)), "address.lon"),
        (with("/category", json!("astrology")), "category"),
        (
            with("/photo_urls", json!(["http://insecure.example.com/a.jpg"])),
            "photo_urls",
        ),
        (with("/contact_phone", json!("555-0199")), "contact_phone"),
        (with("/partner_id", json!("nobody")), "partner_id"),
        (with("/partner_id", json!(roofer.id)), "partner_id"),
    ];
    for (body, field) in cases {
        let response = customer
            .request(reqwest::Method::POST, "/v1/requests")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{field}");
        let problem: shared_types::ProblemDetails = response.json().await.unwrap();
        assert!(
            problem.errors.contains_key(field),
            "{field}: {:?}",
            problem.errors
        );
    }
    assert_eq!(app.count("service_requests").await, 0);
    assert_eq!(app.count("lead_offers").await, 0);
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retry_safe() {
    let app = TestApp::spawn().await;
    let (_, customer) = app.customer().await;
    let body = request("cleaning", None);
    let first = customer
        .create_request_once(&body, "retry-1")
        .await
        .unwrap();
    let replay = customer
        .request(reqwest::Method::POST, "/v1/requests")
        .header("Idempotency-Key", "retry-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: shared_types::requests::ServiceRequest = replay.json().await.unwrap();
    assert_eq!(replayed, first);
    assert_eq!(app.count("service_requests").await, 1);

    let mut other = body.clone();
    other.description = "Something else entirely".into();
    let reused = customer
        .create_request_once(&other, "retry-1")
        .await
        .unwrap_err();
    assert_eq!(reused.status(), Some(422));
    assert_eq!(reused.code(), Some(ErrorCode::IdempotencyKeyReused));
    // Keys belong to their caller.
    let (_, someone) = app.customer().await;
    let theirs = someone.create_request_once(&body, "retry-1").await.unwrap();
    assert_ne!(theirs.id, first.id);
    assert_eq!(app.count("service_requests").await, 2);
}
