//! Screenshots of the app as people see it: seeds a marketplace through the view-models against
//! the real API (in process), serves the real components with dioxus-liveview, and has headless
//! Chromium (playwright-core, `scripts/screenshots/shoot.mjs`) click through both sides at
//! 390×844, writing PNGs to `docs/screenshots/`. Run it with `scripts/screenshots/run`.

mod support;

use chrono::{Duration, Timelike};
use porchlight_app::state::Session;
use porchlight_app::state::customer::{RequestForm, WindowForm};
use porchlight_app::state::jobs::{self, JobDetail};
use porchlight_app::state::partner::{self, LeadInbox, LeadOutcome, Onboarding};
use serde_json::json;
use shared_types::auth::SignupRole;
use shared_types::jobs::DisputeInput;
use support::{
    Api, PASSWORD, apply_to, completed_job, plumbers_and_a_customer, request_form, unique_email,
};

const ZONE: &str = "America/Toronto";

/// A new account whose email is not confirmed yet.
async fn account_unconfirmed(api: &Api, role: SignupRole, name: &str) -> (Session, String) {
    let email = unique_email(name);
    let session = Session::new(&api.url, ZONE.parse().unwrap());
    session.sign_up(name, &email, PASSWORD, role).await.unwrap();
    (session, email)
}

/// A new account, its email confirmed as the emailed link would confirm it.
async fn account(api: &Api, role: SignupRole, name: &str) -> (Session, String) {
    let (session, email) = account_unconfirmed(api, role, name).await;
    let user = session.user().unwrap();
    let token = api.confirmation_token(&user.id, &user.email).await;
    session.confirm_email(&token).await.unwrap();
    (session, email)
}

/// A pro around downtown Toronto working every hour of every day (so that a visit can be
/// booked whatever time the screenshots are taken).
/// A pro working from `place` (a postal area), 25 km around.
async fn pro(
    api: &Api,
    name: &str,
    categories: &[&str],
    phone: &str,
    place: &str,
) -> (Session, String) {
    let (session, email) = account(api, SignupRole::Partner, name).await;
    let mut form = Onboarding::load(&session).await.unwrap().form;
    form.business_name = name.into();
    form.description = "Family-run, insured, 10 years in the city. Eco products on request.".into();
    form.phone = phone.into();
    form.website = "https://example.com".into();
    form.categories = categories.iter().map(|c| (*c).to_owned()).collect();
    form.place = place.into();
    form.radius_km = "25".into();
    form.time_zone = ZONE.into();
    for day in &mut form.days {
        day.open = true;
        day.start = "00:00".into();
        day.end = "24:00".into();
    }
    Onboarding::save(&session, &form).await.unwrap();
    (session, email)
}

fn request(api: &Api, category: &str, description: &str, budget: &str) -> RequestForm {
    let mut form = RequestForm::new(Some(category.into()), None, None);
    form.description = description.into();
    form.street = "100 Queen St W".into();
    form.city = "Toronto".into();
    form.postal_code = "M5H 2N2".into();
    form.contact_phone = "+14165550199".into();
    form.budget = budget.into();
    let tomorrow = api
        .now()
        .with_timezone(&ZONE.parse::<chrono_tz::Tz>().unwrap())
        + Duration::days(1);
    form.windows = vec![
        WindowForm {
            date: tomorrow.format("%Y-%m-%d").to_string(),
            start: "10:00".into(),
            hours: "3".into(),
        },
        WindowForm {
            date: tomorrow.format("%Y-%m-%d").to_string(),
            start: "15:00".into(),
            hours: "2".into(),
        },
    ];
    form
}

async fn lead_for(session: &Session, request_id: &str) -> String {
    LeadInbox::load(session)
        .await
        .unwrap()
        .waiting
        .into_iter()
        .find(|lead| lead.request_id == request_id)
        .expect("the pro got the lead")
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots() {
    let out = screenshots_dir();
    let api = Api::spawn().await;
    let staff = api.staff().await;
    let (sparkle, sparkle_email) = pro(
        &api,
        "Sparkle Cleaning",
        &["cleaning", "painting"],
        "+14165550123",
        "M5T 1R9",
    )
    .await;
    let (maple, maple_email) = pro(
        &api,
        "Maple Home Services",
        &["cleaning"],
        "+14165550145",
        "M4M 1H5",
    )
    .await;
    api.promote(&staff, &sparkle).await;
    api.promote(&staff, &maple).await;
    let (casey, casey_email) = account(&api, SignupRole::Customer, "Casey Morgan").await;

    // History: Sparkle did a cleaning for Casey an hour from now; paid, tipped, rated both ways.
    let done = request(
        &api,
        "cleaning",
        "Two-bedroom condo, deep clean before guests arrive.",
        "",
    )
    .submit(&casey)
    .await
    .unwrap();
    let LeadOutcome::Assigned { job_id } =
        partner::confirm_lead(&sparkle, &lead_for(&sparkle, &done.id).await)
            .await
            .unwrap()
    else {
        panic!("Sparkle takes the first job");
    };
    let start = (api.now() + Duration::hours(2))
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    let slot = shared_types::requests::TimeWindow {
        start,
        end: start + Duration::hours(1),
    };
    jobs::propose_slots(&sparkle, &job_id, vec![slot])
        .await
        .unwrap();
    let detail = JobDetail::load(&casey, &job_id).await.unwrap();
    jobs::accept_slot(&casey, &detail.job, 0).await.unwrap();
    let agreement = JobDetail::load(&casey, &job_id)
        .await
        .unwrap()
        .agreement
        .unwrap();
    jobs::sign_agreement(&casey, &agreement, "Casey Morgan")
        .await
        .unwrap();
    let page = jobs::payment_page(&casey, &job_id).await.unwrap();
    assert_eq!(
        support::pay_on_page(&page.url, "4242 4242 4242 4242")
            .await
            .0,
        303
    );
    jobs::start(&sparkle, &job_id).await.unwrap();
    jobs::complete(
        &sparkle,
        &job_id,
        "Deep clean done: kitchen, bathroom, windows inside.",
        Vec::new(),
    )
    .await
    .unwrap();
    let detail = JobDetail::load(&casey, &job_id).await.unwrap();
    let tip = jobs::tip_page(&casey, &detail.job, "15").await.unwrap();
    assert_eq!(
        support::pay_on_page(&tip.url, "4242 4242 4242 4242")
            .await
            .0,
        303
    );
    jobs::rate(
        &casey,
        &job_id,
        5,
        "Spotless, on time, and lovely to deal with.",
    )
    .await
    .unwrap();
    jobs::rate(&sparkle, &job_id, 5, "Clear instructions and easy access.")
        .await
        .unwrap();

    // Waiting leads: a cleaning (instant, offered to both pros) and a painting (quote).
    let cleaning = request(
        &api,
        "cleaning",
        "Move-out clean of a one-bedroom apartment, oven and fridge included.",
        "",
    )
    .submit(&casey)
    .await
    .unwrap();
    let painting = request(
        &api,
        "painting",
        "Paint the living room and hallway, about 40 m² of wall, ceilings white.",
        "900",
    )
    .submit(&casey)
    .await
    .unwrap();
    // A move nobody near offers: unfilled at once, and the customer is shown what next.
    let unfilled = request(
        &api,
        "moving",
        "Apartment move: one bedroom, third floor, elevator booked.",
        "",
    )
    .submit(&casey)
    .await
    .unwrap();
    assert_eq!(
        unfilled.status,
        shared_types::requests::RequestStatus::Unfilled
    );
    let maple_lead = lead_for(&maple, &cleaning.id).await;
    let sparkle_cleaning = lead_for(&sparkle, &cleaning.id).await;
    let sparkle_painting = lead_for(&sparkle, &painting.id).await;

    let app_url = serve_app(&api).await;
    let slot_for_maple = {
        let tomorrow = (api.now() + Duration::days(1)).date_naive();
        jobs::slot_from_local(
            &tomorrow.format("%Y-%m-%d").to_string(),
            "10:00",
            "3",
            ZONE.parse().unwrap(),
        )
        .unwrap()
    };
    // A new homeowner's confirmation link, and a reset link for Casey (as their emails carry).
    let (newcomer, _) = account_unconfirmed(&api, SignupRole::Customer, "Riley Chen").await;
    let newcomer = newcomer.user().unwrap();
    let verify_token = api.confirmation_token(&newcomer.id, &newcomer.email).await;
    let (casey_address, now) = (casey_email.clone(), api.now().naive_utc());
    let (_, reset_token) = api
        .state
        .write(move |conn| {
            porchlight::auth::password_changes::request_reset(conn, &casey_address, now)
        })
        .await
        .unwrap()
        .unwrap();
    let plan = json!({
        "verify_link": format!("{app_url}/verify-email?token={verify_token}"),
        "reset_link": format!("{app_url}/reset-password?token={reset_token}"),
        "app": app_url,
        "api": api.url,
        "out": out,
        "password": PASSWORD,
        "new_pro_email": unique_email("Ridgeline Roofing"),
        "sparkle": sparkle_email,
        "maple": maple_email,
        "casey": casey_email,
        "maple_lead": maple_lead,
        "sparkle_cleaning": sparkle_cleaning,
        "sparkle_painting": sparkle_painting,
        "done_job": job_id,
        "maple_slot": slot_for_maple,
    });
    drive_browser("shoot.mjs", &plan).await;

    // The new pro turned alerts on in the browser, through the push bridge answered by a
    // stand-in for the phone's shell: the API has their phone, with the shell's token.
    let new_pro = api.session();
    new_pro
        .sign_in(plan["new_pro_email"].as_str().unwrap(), PASSWORD)
        .await
        .unwrap();
    let devices = partner::SettingsView::load(&new_pro).await.unwrap().devices;
    assert_eq!(
        devices.len(),
        1,
        "the phone registered for push: {devices:?}"
    );
}

/// The app, served to the browser by dioxus-liveview on a free port; returns its address.
async fn serve_app(api: &Api) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app_url = format!("http://{}", listener.local_addr().unwrap());
    let router = porchlight_app::liveview::router(&api.url, Some(ZONE.parse().unwrap()));
    tokio::spawn(async move { axum::serve(listener, router).await });
    app_url
}

/// Runs `scripts/screenshots/<script>` in Node with the seeded `plan`; fails when it fails.
async fn drive_browser(script: &str, plan: &serde_json::Value) {
    let plan_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(plan_file.path(), plan.to_string()).unwrap();
    let script = format!(
        "{}/../scripts/screenshots/{script}",
        env!("CARGO_MANIFEST_DIR")
    );
    let plan_path = plan_file.path().to_owned();
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .arg(plan_path)
            .status()
            .expect("node runs")
    })
    .await
    .unwrap();
    assert!(status.success(), "the browser run failed: {status}");
}

fn screenshots_dir() -> String {
    std::env::var("SCREENSHOTS_DIR").unwrap_or_else(|_| "../docs/screenshots".into())
}

/// A staff member's day in the console at 1440×900: seeds what waits (a plumbing request two
/// pros applied to, two jobs past their review window, a disputed one, a customer rated below
/// 3 stars), then `console.mjs` does the work in the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_day() {
    let api = Api::spawn().await;
    let staff = api.staff_session("Sam Rivera").await;
    let (fixit, drains, customer) = plumbers_and_a_customer(&api).await;

    let mut plumbing = request_form(&api, None);
    plumbing.category = "plumbing".into();
    plumbing.description = "Kitchen sink drains slowly; the trap may need replacing.".into();
    let plumbing = plumbing.submit(&customer).await.unwrap();
    for (pro, quote, message) in [
        (
            &fixit,
            "320",
            "Licensed plumber, can replace the trap and the valve today.",
        ),
        (
            &drains,
            "280",
            "We carry traps in the van; an hour's work, tidy and guaranteed.",
        ),
    ] {
        apply_to(pro, &plumbing.id, message, quote).await;
    }

    let mut done = Vec::new();
    for _ in 0..3 {
        done.push(completed_job(&api, &customer, &fixit).await);
    }
    let disputed = done.last().unwrap().id.clone();
    customer
        .call(|c| {
            let id = disputed.clone();
            async move {
                let reason = DisputeInput {
                    reason: "The oven and the windows were not cleaned".into(),
                    photo_ids: Vec::new(),
                };
                c.dispute_job(&id, &reason).await
            }
        })
        .await
        .unwrap();
    for job in &done {
        jobs::rate(&fixit, &job.id, 2, "Rude, and kept adding work on the day.")
            .await
            .unwrap();
        jobs::rate(&customer, &job.id, 4, "Good work.")
            .await
            .unwrap();
    }
    api.travel(Duration::hours(25));

    let plan = json!({
        "app": serve_app(&api).await,
        "out": screenshots_dir(),
        "password": PASSWORD,
        "staff": staff.user().unwrap().email,
    });
    drive_browser("console.mjs", &plan).await;
}
