//! Every screen's view rendered with dioxus-ssr in each of its states (loading, error, empty,
//! data), checked for the text and controls a person relies on.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use dioxus::prelude::*;
use porchlight_app::state::customer::{Discover, Place, ProProfile, RequestForm};
use porchlight_app::state::jobs::JobDetail;
use porchlight_app::state::partner::{
    LeadInbox, LeadOutcome, Onboarding, OnboardingForm, RatingsView, SettingsView, WalletView,
};
use porchlight_app::state::staff::{
    CategoryForm, Decision, MoneyDesk, PartnerFile, PayoutOverview, RecordFilters, Records, Watched,
};
use porchlight_app::state::statement::statement_text;
use porchlight_app::state::{AppError, Loadable};
use porchlight_app::ui::account::{DeleteAccountView, ForgotPasswordView, ResetPasswordView};
use porchlight_app::ui::auth::{SignInView, SignUpView};
use porchlight_app::ui::customer::discover::DiscoverPage;
use porchlight_app::ui::customer::new_request::NewRequestPage;
use porchlight_app::ui::customer::notifications::NotificationsPage;
use porchlight_app::ui::customer::pro::ProPage;
use porchlight_app::ui::customer::requests::{RequestPage, RequestsPage};
use porchlight_app::ui::jobs::{JobPage, JobsPage};
use porchlight_app::ui::partner::connections::ConnectionsPage;
use porchlight_app::ui::partner::lead::LeadView;
use porchlight_app::ui::partner::leads::LeadsView;
use porchlight_app::ui::partner::onboarding::OnboardingView;
use porchlight_app::ui::partner::ratings::RatingsPage;
use porchlight_app::ui::partner::wallet::WalletPage;
use porchlight_app::ui::places::PlacePicker;
use porchlight_app::ui::settings::SettingsPage;
use porchlight_app::ui::staff::assignments::AssignmentsPage;
use porchlight_app::ui::staff::catalogue::CataloguePage;
use porchlight_app::ui::staff::confirmations::ConfirmationsPage;
use porchlight_app::ui::staff::disputes::{DisputePage, DisputesPage};
use porchlight_app::ui::staff::money::MoneyPage;
use porchlight_app::ui::staff::monitoring::MonitoringPage;
use porchlight_app::ui::staff::partners::{PartnerFilePage, PartnersPage};
use porchlight_app::ui::staff::payouts::PayoutsPage;
use porchlight_app::ui::staff::queue::QueuePage;
use porchlight_app::ui::staff::records::RecordsPage;
use porchlight_app::ui::statement::StatementPage;
use serde_json::{Value, json};
use shared_types::ErrorCode;
use shared_types::admin::{AssignmentCase, JobCase, StaffQueue};
use shared_types::auth::Role;
use shared_types::jobs::{ConfirmOutcome, DisputeOutcome, Job};
use shared_types::partners::{Category, PartnerProfile};
use shared_types::ratings::{MonitoringEntry, MonitoringStatus};
use shared_types::requests::LeadApplication;
use shared_types::wallet::{Checkout, LedgerCheck, Payout, PayoutStatement, PayoutStatus, Refund};

/// Renders `view(data)` inside a VirtualDom (event handlers need one) and returns the HTML.
fn render<T: Clone + 'static>(data: T, view: fn(T) -> Element) -> String {
    fn root<T: Clone + 'static>((data, view): (T, fn(T) -> Element)) -> Element {
        view(data)
    }
    let mut dom = VirtualDom::new_with_props(root::<T>, (data, view));
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

#[track_caller]
fn has(html: &str, needle: &str) {
    assert!(html.contains(needle), "missing {needle:?} in\n{html}");
}

#[track_caller]
fn lacks(html: &str, needle: &str) {
    assert!(!html.contains(needle), "unexpected {needle:?} in\n{html}");
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn now() -> DateTime<Utc> {
    at("2026-11-24T14:00:00Z")
}

fn toronto() -> Tz {
    "America/Toronto".parse().unwrap()
}

fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("fixture matches the type")
}

fn offline() -> AppError {
    AppError::Offline
}

fn invalid(fields: &[(&str, &str)]) -> AppError {
    AppError::Api {
        code: ErrorCode::ValidationFailed,
        message: "Please check the highlighted fields.".into(),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()]))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn cad(cents: i64) -> Value {
    json!({ "amount_cents": cents, "currency": "CAD" })
}

fn category(slug: &str, name: &str, instant: bool) -> Value {
    json!({
        "id": format!("cat-{slug}"), "slug": slug, "name": name,
        "assignment_mode": if instant { "instant" } else { "review" },
        "list_price": if instant { cad(14_900) } else { Value::Null },
        "active": true,
    })
}

fn window() -> Value {
    json!({ "start": "2026-11-25T15:00:00Z", "end": "2026-11-25T17:00:00Z" })
}

fn lead(status: &str, instant: bool) -> Value {
    json!({
        "id": format!("lead-{status}"), "request_id": "req-1", "kind": "marketplace",
        "status": status,
        "category": if instant { category("cleaning", "Home cleaning", true) } else { category("painting", "Painting", false) },
        "assignment_mode": if instant { "instant" } else { "review" },
        "description": "Two-bedroom condo, deep clean before guests arrive.",
        "photo_urls": [], "windows": [window()], "time_zone": "America/Toronto",
        "budget": if instant { Value::Null } else { cad(60_000) },
        "city": "Toronto", "postal_prefix": "M5H",
        "why": { "distance_km": 2.46, "window": window(), "star_score": 91.0 },
        "offered_to": 3, "platform_fee_bps": 1500,
        "earnings": if instant { cad(12_665) } else { Value::Null },
        "customer_rating": { "average_stars": 4.8, "count": 5 },
        "expires_at": "2026-11-24T14:11:30Z",
        "application": null, "job_id": null,
    })
}

fn job(status: &str, paid: bool, signed: bool) -> Value {
    json!({
        "id": "job-1", "request_id": "req-1", "customer_id": "cust-1", "partner_id": "pro-1",
        "business_name": "Sparkle Cleaning", "category": "Home cleaning",
        "description": "Two-bedroom condo, deep clean.", "city": "Toronto",
        "price": cad(14_900), "status": status, "scheduled": window(),
        "open_proposal": null, "wished_windows": [window()], "time_zone": "America/Toronto",
        "agreement_signed_at": if signed { json!("2026-11-24T13:00:00Z") } else { Value::Null },
        "paid_at": if paid { json!("2026-11-24T13:05:00Z") } else { Value::Null },
        "started_at": null, "completion": null, "review_window_ends_at": null, "dispute": null,
        "confirmed_at": null, "cancellation": null,
        "created_at": "2026-11-24T12:00:00Z", "updated_at": "2026-11-24T13:05:00Z",
    })
}

fn detail(job: Value, customer: bool) -> JobDetail {
    JobDetail {
        job: from(job),
        timeline: from(json!([
            { "id": "e1", "job_id": "job-1", "kind": "assigned", "actor": "partner", "actor_id": "pro-1",
              "detail": {}, "at": "2026-11-24T12:00:00Z" },
            { "id": "e2", "job_id": "job-1", "kind": "scheduled", "actor": "customer", "actor_id": "cust-1",
              "detail": {}, "at": "2026-11-24T12:30:00Z" },
        ])),
        customer: customer.then(|| {
            from(json!({
                "job_id": "job-1", "name": "Casey Customer", "email": "casey@example.com",
                "phone": "+14165550199",
                "address": { "street": "100 Queen St W", "city": "Toronto", "postal_code": "M5H 2N2",
                             "country": "CA", "lat": 43.65, "lon": -79.38 },
            }))
        }),
        agreement: (!customer).then(|| {
            from(json!({
                "job_id": "job-1", "version": 1, "text": "SERVICE AGREEMENT\nThe pro will…",
                "text_sha256": "a".repeat(64), "signature": null,
            }))
        }),
        payments: Vec::new(),
        receipt: None,
        ratings: None,
        cancellation: Some(from(json!({
            "cancellable": true, "notice_hours": 24, "late_fee": cad(2_500),
            "free_until": "2026-11-24T14:00:00Z", "fee_now": null,
        }))),
        photos: shared_types::jobs::JobPhotos::default(),
    }
}

fn partner_public(id: &str, name: &str) -> Value {
    json!({
        "id": id, "business_name": name, "description": "Homes and condos, eco products.",
        "categories": [category("cleaning", "Home cleaning", true)],
        "area": { "city": "Toronto", "lat": 43.65, "lon": -79.38, "radius_km": 30.0 },
        "tier": "brand_builder", "review_count": 12, "average_stars": 4.7, "star_score": 91.0,
        "has_phone": true, "has_website": false,
    })
}

fn review(reply: bool) -> Value {
    json!({
        "id": "rev-1", "stars": 5, "comment": "Spotless and on time.", "tags": [],
        "reviewer": "Casey C.", "published_at": "2026-11-20T12:00:00Z",
        "reply": if reply { json!({ "text": "Thank you!", "replied_at": "2026-11-21T12:00:00Z" }) } else { Value::Null },
    })
}

fn request(status: &str) -> Value {
    json!({
        "id": "req-1", "kind": "marketplace", "category": category("cleaning", "Home cleaning", true),
        "description": "Deep clean", "photo_urls": [], "windows": [window()], "time_zone": "America/Toronto", "budget": null,
        "address": { "street": "100 Queen St W", "city": "Toronto", "postal_code": "M5H 2N2",
                     "country": "CA", "lat": 43.65, "lon": -79.38 },
        "contact_phone": null, "status": status, "offers_sent": 3,
        "assigned_partner": if status == "assigned" { partner_public("pro-1", "Sparkle Cleaning") } else { Value::Null },
        "job_id": if status == "assigned" { json!("job-1") } else { Value::Null },
        "created_at": "2026-11-24T12:00:00Z",
    })
}

// --- sign in / up ---

#[test]
fn sign_in_shows_its_fields_and_the_apis_refusal() {
    let html = render(None::<AppError>, |error| {
        rsx! { SignInView { busy: false, error, on_submit: |_| {}, on_sign_up: |()| {}, on_forgot: |()| {} } }
    });
    has(&html, r#"type="email""#);
    has(&html, r#"type="password""#);
    has(&html, ">Sign in</button>");
    has(&html, "Create an account");
    lacks(&html, r#"role="alert""#);

    let refused = AppError::Api {
        code: ErrorCode::InvalidCredentials,
        message: "Wrong email or password".into(),
        fields: BTreeMap::new(),
    };
    let html = render(Some(refused), |error| {
        rsx! { SignInView { busy: true, error, on_submit: |_| {}, on_sign_up: |()| {}, on_forgot: |()| {} } }
    });
    has(&html, "Wrong email or password");
    has(&html, "Working…");
    has(&html, "disabled");
}

#[test]
fn a_forgotten_password_is_asked_for_then_reset_with_the_link() {
    let html = render(None::<String>, |sent_to| {
        rsx! { ForgotPasswordView { busy: false, error: None, sent_to, on_submit: |_| {}, on_sign_in: |()| {} } }
    });
    has(&html, r#"type="email""#);
    has(&html, "Email me a link");
    let html = render(Some("maya@example.com".to_owned()), |sent_to| {
        rsx! { ForgotPasswordView { busy: false, error: None, sent_to, on_submit: |_| {}, on_sign_in: |()| {} } }
    });
    has(&html, "If an account uses maya@example.com");
    lacks(&html, "Email me a link");

    let html = render(false, |done| {
        rsx! { ResetPasswordView { busy: false, error: None, done, on_submit: |_| {}, on_sign_in: |()| {}, on_new_link: |()| {} } }
    });
    has(&html, "New password");
    has(&html, "At least 10 characters");
    let used = invalid(&[(
        "token",
        "this reset link is not valid (used, expired or mistyped); ask for a new one",
    )]);
    let html = render(Some(used), |error| {
        rsx! { ResetPasswordView { busy: false, error, done: false, on_submit: |_| {}, on_sign_in: |()| {}, on_new_link: |()| {} } }
    });
    has(&html, "This link cannot be used");
    has(&html, "Email me a new link");
    let html = render(true, |done| {
        rsx! { ResetPasswordView { busy: false, error: None, done, on_submit: |_| {}, on_sign_in: |()| {}, on_new_link: |()| {} } }
    });
    has(&html, "Your password is set");
    lacks(&html, "New password");
}

#[test]
fn deleting_the_account_says_what_goes_and_what_stays() {
    let html = render(None::<AppError>, |error| {
        rsx! { DeleteAccountView { busy: false, error, on_back: None, on_submit: |_| {} } }
    });
    has(&html, "cannot be undone");
    has(&html, "former customer");
    has(&html, r#"type="password""#);
    has(&html, "Delete my account for good");
    let refused = AppError::Api {
        code: ErrorCode::Conflict,
        message: "job 0193 is completed: the account can be deleted once every job is confirmed or cancelled".into(),
        fields: BTreeMap::new(),
    };
    let html = render(Some(refused), |error| {
        rsx! { DeleteAccountView { busy: false, error, on_back: None, on_submit: |_| {} } }
    });
    has(&html, "once every job is confirmed or cancelled");
}

#[test]
fn sign_up_offers_both_roles_and_shows_field_errors() {
    let error = invalid(&[("password", "must have 10 to 128 characters")]);
    let html = render(Some(error), |error| {
        rsx! { SignUpView { busy: false, error, on_submit: |_| {}, on_sign_in: |()| {} } }
    });
    has(&html, r#"value="customer""#);
    has(&html, r#"value="partner""#);
    has(&html, "Find jobs as a pro");
    has(&html, "must have 10 to 128 characters");
    has(&html, r#"aria-invalid="true""#);
}

// --- partner ---

#[test]
fn lead_inbox_renders_loading_error_empty_and_leads() {
    let view = |state: Loadable<LeadInbox>| {
        rsx! { LeadsView { state, live: true, now: now(), zone: toronto(), on_open: |_| {}, on_retry: |()| {} } }
    };
    let html = render(Loadable::Loading, view);
    has(&html, r#"role="status""#);
    has(&html, "Loading…");

    let html = render(Loadable::Failed(offline()), view);
    has(&html, "Can&#39;t reach Porchlight");
    has(&html, "Try again");

    let html = render(Loadable::Ready(LeadInbox::from_leads(vec![])), view);
    has(&html, "No leads yet");
    has(&html, "Live: new leads appear here");

    let leads = vec![from(lead("offered", true)), from(lead("taken", true))];
    let html = render(Loadable::Ready(LeadInbox::from_leads(leads)), view);
    has(&html, "Waiting for you (1)");
    has(&html, "Home cleaning");
    has(&html, "$149.00 CAD");
    has(&html, "12 min left");
    has(&html, "Sent to 3 pros");
    has(&html, "2.5 km from the centre of your area");
    has(&html, "your Star Score 91%");
    has(&html, "Wed 25 Nov, 10:00–12:00");
    has(&html, "Taken by another pro");
    has(&html, "Instant: first to confirm");
}

#[test]
fn a_lead_offers_confirm_or_a_quote_and_a_lost_race_is_not_an_error() {
    type Data = (Loadable<shared_types::requests::Lead>, Option<LeadOutcome>);
    let view = |(state, outcome): Data| {
        rsx! {
            LeadView {
                state,
                outcome,
                busy: false,
                error: None,
                now: now(),
                zone: toronto(),
                on_back: None,
                on_answer: |_| {},
                on_open_job: |_| {},
            }
        }
    };
    let html = render((Loadable::Ready(from(lead("offered", true))), None), view);
    has(&html, "Confirm: take this job");
    has(&html, ">Decline</button>");
    has(&html, "4.8 ★ (5 reviews)");
    has(&html, "shown once the job is yours");
    has(&html, "You receive $126.65 CAD after the 15% platform fee");
    lacks(&html, "Send quote");
    lacks(&html, "Ask the customer a question");

    let html = render((Loadable::Ready(from(lead("offered", false))), None), view);
    has(&html, "Send quote");
    has(&html, "Ask the customer a question");
    has(&html, r#"name="quote""#);
    has(&html, "Customer&#39;s budget");
    has(&html, "$600.00 CAD");
    lacks(&html, "You receive");
    lacks(&html, "Confirm: take this job");

    let html = render(
        (
            Loadable::Ready(from(lead("taken", true))),
            Some(LeadOutcome::Taken),
        ),
        view,
    );
    has(&html, "Taken by another pro: they confirmed first.");
    has(&html, "notice-warn");
    lacks(&html, r#"role="alert""#);
    lacks(&html, "Confirm: take this job");

    let html = render((Loadable::Loading, None), view);
    has(&html, "Loading…");
}

#[test]
fn onboarding_lists_categories_and_days_and_shows_field_errors() {
    type Data = (Loadable<Onboarding>, Option<AppError>);
    let view = |(state, error): Data| {
        rsx! { OnboardingView { state, busy: false, error, on_retry: |()| {}, on_save: |_| {} } }
    };
    let onboarding = Onboarding {
        categories: vec![
            from(category("cleaning", "Home cleaning", true)),
            from(category("painting", "Painting", false)),
        ],
        form: OnboardingForm::blank(toronto()),
        existing: false,
    };
    let error = invalid(&[
        (
            "service_area.place",
            "we could not find this place on the map; try a postal code",
        ),
        ("categories", "pick at least one"),
    ]);
    let html = render((Loadable::Ready(onboarding), Some(error)), view);
    has(&html, "Home cleaning");
    // The area is a place and a distance, never coordinates.
    has(&html, "Where you work from");
    has(&html, "How far you travel (km)");
    lacks(&html, "Latitude");
    let place = html.split(r#"id="field-place""#).nth(1).unwrap();
    has(
        place.split("</div>").next().unwrap(),
        "we could not find this place on the map",
    );
    has(&html, r#"value="painting""#);
    has(&html, "Monday");
    has(&html, "Sunday");
    has(&html, r#"value="America/Toronto""#);
    has(&html, "pick at least one");
    has(&html, "Start getting leads");

    let html = render((Loadable::Failed(offline()), None), view);
    has(&html, "Couldn&#39;t load this");
}

#[test]
fn jobs_list_and_a_job_for_each_side() {
    let list = |state: Loadable<Vec<Job>>| {
        rsx! { JobsPage { state, zone: toronto(), on_open: |_| {}, on_retry: |()| {} } }
    };
    has(&render(Loadable::Ready(vec![]), list), "No jobs yet");
    let html = render(
        Loadable::Ready(vec![from(job("scheduled", true, true))]),
        list,
    );
    has(&html, "Home cleaning · Toronto");
    has(&html, "Scheduled");
    has(&html, "$149.00 CAD");

    let page = |(state, role): (Loadable<JobDetail>, Role)| {
        rsx! {
            JobPage {
                state,
                role,
                now: now(),
                zone: toronto(),
                busy: false,
                error: None,
                notice: None,
                page: None,
                on_back: None,
                on_retry: |()| {},
                on_command: |_| {},
            }
        }
    };
    // The assigned pro sees the customer's contact and the start button once paid.
    let html = render(
        (
            Loadable::Ready(detail(job("scheduled", true, true), true)),
            Role::Partner,
        ),
        page,
    );
    has(&html, "Casey Customer");
    has(&html, r#"href="tel:+14165550199""#);
    has(&html, "Start the job");
    has(&html, "Pro assigned");
    has(&html, "Message the customer");

    // A job without a date: the pro proposes times beside what the customer wished for.
    let mut undated = job("assigned", false, false);
    undated["scheduled"] = Value::Null;
    let html = render(
        (Loadable::Ready(detail(undated, true)), Role::Partner),
        page,
    );
    has(&html, "Propose times");
    has(&html, "The customer said these times suit them:");
    has(&html, "Wed 25 Nov, 10:00–12:00");
    has(&html, "Offer up to three; the customer books one.");

    // The customer signs first, then pays; no contact card.
    let html = render(
        (
            Loadable::Ready(detail(job("scheduled", false, false), false)),
            Role::Customer,
        ),
        page,
    );
    has(&html, "Sign the agreement");
    has(&html, r#"name="typed_name""#);
    // What cancelling costs is said where it is done, in the customer's zone.
    has(
        &html,
        "Free to cancel until Tue 24 Nov, 09:00; after that it costs $25.00 CAD.",
    );
    // The text comes first, in the signing card, then the name and the button; only once.
    let text_at = html
        .find("SERVICE AGREEMENT")
        .expect("the agreement's text");
    assert!(text_at < html.find(r#"name="typed_name""#).unwrap());
    assert_eq!(html.matches("SERVICE AGREEMENT").count(), 1);
    lacks(&html, "Casey Customer");
    lacks(&html, "Pay $149.00 CAD");
    let html = render(
        (
            Loadable::Ready(detail(job("scheduled", false, true), false)),
            Role::Customer,
        ),
        page,
    );
    has(&html, "Pay $149.00 CAD securely");
    has(&html, "secure payment page");
    lacks(&html, "tok_visa");
    lacks(&html, "Card");

    // A page opened and not paid yet: the way back to it; then the receipt once paid.
    let payment: Value = json!({
        "id": "pay-1", "job_id": "job-1", "purpose": "job", "amount": cad(14_900),
        "status": "processing", "provider": "sandbox", "failure_code": null,
        "created_at": "2026-11-24T13:04:00Z",
    });
    let mut waiting = detail(job("scheduled", false, true), false);
    waiting.payments = vec![from(payment.clone())];
    let checkout: Checkout = from(json!({
        "payment": payment, "url": "http://127.0.0.1:8080/pay/cs_sandbox_abc",
        "expires_at": "2026-11-24T14:04:00Z",
    }));
    let with_page = |(state, page): (Loadable<JobDetail>, Checkout)| {
        rsx! {
            JobPage {
                state,
                role: Role::Customer,
                now: now(),
                zone: toronto(),
                busy: false,
                error: None,
                notice: None,
                page: Some(page),
                on_back: None,
                on_retry: |()| {},
                on_command: |_| {},
            }
        }
    };
    let html = render((Loadable::Ready(waiting), checkout), with_page);
    has(&html, "Finish on the payment page");
    has(&html, r#"href="http://127.0.0.1:8080/pay/cs_sandbox_abc""#);
    has(&html, "Tue 24 Nov, 09:04");
    let mut paid = detail(job("scheduled", false, true), false);
    paid.receipt = Some(from(json!({
        "job_id": "job-1", "reference": "PL-1A2B3C4D", "description": "Home cleaning job",
        "pro_name": "Sparkle Cleaning",
        "lines": [
            { "kind": "price", "label": "Home cleaning job", "amount": cad(14_900), "status": "paid",
              "reference": "pay-1", "at": "2026-11-24T13:05:00Z" },
            { "kind": "refund", "label": "Refund: the job was cancelled", "amount": cad(-14_900),
              "status": "refund_pending", "reference": "re-1", "at": "2026-11-24T15:00:00Z" },
        ],
        "total": cad(0), "taxes": [], "platform_fee": cad(0),
    })));
    let html = render((Loadable::Ready(paid), Role::Customer), page);
    has(&html, "Receipt · PL-1A2B3C4D");
    has(&html, "Refund: the job was cancelled (on its way back)");
    has(&html, "-$149.00 CAD");
    has(&html, "Total paid");

    has(
        &render((Loadable::Failed(offline()), Role::Customer), page),
        "Try again",
    );
}

#[test]
fn wallet_shows_balances_with_currency_entries_and_payouts() {
    let view = |state: Loadable<WalletView>| {
        rsx! { WalletPage { state, zone: toronto(), on_retry: |()| {} } }
    };
    has(&render(Loadable::Loading, view), "Loading…");
    let empty = WalletView {
        wallet: from(
            json!({ "balances": [], "next_payout_at": "2026-11-27T14:00:00Z", "payout_method": null }),
        ),
        entries: vec![],
        payouts: vec![],
    };
    let html = render(Loadable::Ready(empty), view);
    has(&html, "$0.00 CAD");
    has(&html, "No activity yet");
    has(&html, "Not set: add one to get paid");
    has(&html, "Fri 27 Nov, 09:00");

    let full = WalletView {
        wallet: from(json!({
            "balances": [{ "pending": cad(12_665), "available": cad(1_250), "lifetime_earned": cad(13_915) }],
            "next_payout_at": "2026-11-27T14:00:00Z",
            "payout_method": { "method": "bank_transfer", "mailing_address": null,
                "bank_account": { "account_holder": "Pat", "routing_number": "000", "account_last4": "6789" },
                "updated_at": "2026-11-20T12:00:00Z" },
        })),
        entries: from(json!([{
            "id": "w1", "bucket": "available", "amount": cad(1_250), "kind": "tip",
            "description": "Tip for Home cleaning", "job_id": "job-1", "payout_id": null,
            "created_at": "2026-11-24T13:00:00Z",
        }])),
        payouts: from(json!([{
            "id": "p1", "partner_id": "pro-1", "payee": "Sparkle Cleaning", "period": "2026-W47", "amount": cad(50_000),
            "method": "bank_transfer", "destination": "••••6789", "status": "sent",
            "created_at": "2026-11-20T14:00:00Z", "sent_at": "2026-11-20T15:00:00Z", "cleared_at": null,
        }])),
    };
    let html = render(Loadable::Ready(full.clone()), view);
    has(&html, "$12.50 CAD");
    has(&html, "$126.65 CAD");
    has(&html, "Bank account ••••6789");
    has(&html, "Tip for Home cleaning");
    has(&html, "Week 2026-W47");
    has(&html, "$500.00 CAD");
    lacks(&html, "Save payout method");
    let with_statements = |state: Loadable<WalletView>| {
        rsx! { WalletPage { state, zone: toronto(), on_retry: |()| {}, on_statement: |_| {} } }
    };
    let html = render(Loadable::Ready(full), with_statements);
    has(&html, r#"aria-label="Statement for week 2026-W47""#);

    let with_form = |state: Loadable<WalletView>| {
        rsx! { WalletPage { state, zone: toronto(), on_retry: |()| {}, on_payout_method: |_| {} } }
    };
    let empty = WalletView {
        wallet: from(
            json!({ "balances": [], "next_payout_at": "2026-11-27T14:00:00Z", "payout_method": null }),
        ),
        entries: vec![],
        payouts: vec![],
    };
    let html = render(Loadable::Ready(empty), with_form);
    has(&html, "Cheque by mail");
    has(&html, "Bank transfer");
    has(&html, r#"name="mailing_address""#);
    has(&html, "Save payout method");
}

#[test]
fn ratings_connections_and_settings() {
    let ratings = |state: Loadable<RatingsView>| {
        rsx! { RatingsPage { state, zone: toronto(), busy: false, error: None, on_retry: |()| {}, on_reply: |_| {} } }
    };
    let html = render(
        Loadable::Ready(RatingsView {
            star_score: None,
            review_count: 0,
            reviews: vec![],
        }),
        ratings,
    );
    has(&html, "No reviews yet");
    let html = render(
        Loadable::Ready(RatingsView {
            star_score: Some(91.0),
            review_count: 1,
            reviews: vec![from(review(false))],
        }),
        ratings,
    );
    has(&html, "91%");
    has(&html, "Spotless and on time.");
    has(&html, "Post reply");
    has(&html, r#"aria-label="5 out of 5 stars""#);

    let connections = |state: Loadable<shared_types::partners::ConnectionStats>| {
        rsx! { ConnectionsPage { state, on_back: None, on_retry: |()| {} } }
    };
    let counts = json!({ "profile_view": 7, "profile_lead": 2, "marketplace_lead": 3, "phone_click": 1, "website_click": 0 });
    let stats = from(json!({
        "from": "2026-10-27", "to": "2026-11-24", "granularity": "week", "time_zone": "America/Toronto",
        "totals": counts, "buckets": [{ "start": "2026-11-23", "counts": counts }],
    }));
    let html = render(Loadable::Ready(stats), connections);
    has(&html, "Profile views");
    has(&html, ">7<");
    has(&html, "13 connections");

    let settings = |(state, partner): (Loadable<SettingsView>, bool)| {
        rsx! { SettingsPage { state, partner, busy: false, error: None, on_retry: |()| {}, on_change: |_| {} } }
    };
    let view = SettingsView {
        preferences: from(json!({
            "channels": [{ "category": "job_alerts", "push": true, "email": false }],
            "quiet_hours": null,
        })),
        accepting_leads: Some(true),
        devices: vec![],
    };
    let html = render((Loadable::Ready(view), true), settings);
    has(&html, "Accepting new leads");
    has(&html, r#"role="switch""#);
    has(&html, "New job alerts by push");
    has(&html, "Sign out");
    has(&html, "Connections");
    has(&html, "Silence push alerts at night");
    lacks(&html, "Quiet from");
    let html = render((Loadable::Failed(AppError::SignedOut), false), settings);
    has(&html, "Please sign in again");
    lacks(&html, "Edit profile");

    // A customer sees their own kinds of notification only, and quiet hours as set.
    let channels: Vec<Value> = [
        "job_alerts",
        "lead_updates",
        "request_updates",
        "job_updates",
        "payments",
        "ratings",
        "account",
    ]
    .iter()
    .map(|category| json!({ "category": category, "push": true, "email": true }))
    .collect();
    let customer = SettingsView {
        preferences: from(json!({
            "channels": channels,
            "quiet_hours": { "start": "22:30", "end": "07:00", "time_zone": "America/Vancouver",
                             "include_job_alerts": false },
        })),
        accepting_leads: None,
        devices: vec![],
    };
    let html = render((Loadable::Ready(customer.clone()), false), settings);
    lacks(&html, "New job alerts");
    lacks(&html, "Lead updates");
    lacks(&html, "Accepting new leads");
    has(&html, "Request updates by push");
    has(&html, r#"aria-label="Quiet from" value="22:30""#);
    has(&html, "In America/Vancouver time. Emails still arrive.");
    lacks(&html, "Also silence new job alerts");
    let html = render((Loadable::Ready(customer), true), settings);
    lacks(&html, "Request updates");
    has(&html, "Lead updates by push");
    has(&html, "Also silence new job alerts");
    has(&html, "New job alerts still ring");
}

// --- customer ---

#[test]
fn discover_asks_for_a_category_then_lists_pros_by_star_score() {
    let view = |state: Loadable<Discover>| {
        rsx! {
            DiscoverPage {
                state,
                place: Some("M5H, Richmond / Adelaide / King, Toronto".to_owned()),
                on_change_place: |()| {},
                on_category: |_| {},
                on_open: |_| {},
                on_request: |_| {},
                on_retry: |()| {},
            }
        }
    };
    let categories = vec![from(category("cleaning", "Home cleaning", true))];
    let html = render(
        Loadable::Ready(Discover {
            categories: categories.clone(),
            category: None,
            hits: vec![],
        }),
        view,
    );
    has(&html, "What do you need done?");
    has(&html, r#"aria-pressed="false""#);
    let hits = from(
        json!([{ "partner": partner_public("pro-1", "Sparkle Cleaning"), "distance_km": 0.8 }]),
    );
    let html = render(
        Loadable::Ready(Discover {
            categories,
            category: Some("cleaning".into()),
            hits,
        }),
        view,
    );
    has(&html, "Sparkle Cleaning");
    has(&html, "Star Score 91%");
    has(&html, "4.7 ★ (12 reviews) · 800 m away");
    has(&html, r#"aria-pressed="true""#);
    has(&html, "Ask all nearby pros for a quote");
    has(&html, "Near M5H, Richmond / Adelaide / King, Toronto");
    has(&html, ">Change</button>");
    has(&render(Loadable::Loading, view), "Loading…");
}

#[test]
fn discover_asks_where_before_it_searches() {
    let suggestion: Place = from(json!({
        "label": "M4M, Leslieville / Studio District, Toronto", "street": null, "city": "Toronto",
        "postal_code": "M4M", "country": "CA", "lat": 43.6595, "lon": -79.3409
    }));
    let view = |(state, suggestions, error): (Loadable<Discover>, Vec<Place>, Option<AppError>)| {
        rsx! {
            DiscoverPage {
                state,
                place: None,
                picker: rsx! {
                    PlacePicker {
                        title: "Where do you need work done?",
                        text: "m4m",
                        suggestions,
                        locating: false,
                        error,
                        oninput: |_| {},
                        on_pick: |_| {},
                        on_locate: |()| {},
                    }
                },
                on_category: |_| {},
                on_open: |_| {},
                on_request: |_| {},
                on_retry: |()| {},
            }
        }
    };
    let discover = Discover {
        categories: vec![from(category("cleaning", "Home cleaning", true))],
        category: Some("cleaning".into()),
        hits: vec![],
    };
    let html = render(
        (Loadable::Ready(discover.clone()), vec![suggestion], None),
        view,
    );
    has(&html, "Where do you need work done?");
    has(&html, "Where is the work?");
    has(&html, "Use my location");
    has(&html, r#"aria-expanded="true""#);
    has(
        &html,
        ">M4M, Leslieville / Studio District, Toronto</button>",
    );
    lacks(&html, "No pros here yet");
    let denied = AppError::invalid(
        "place",
        "Location is off for Porchlight: type your postal code instead",
    );
    let html = render((Loadable::Ready(discover), vec![], Some(denied)), view);
    has(
        &html,
        "Location is off for Porchlight: type your postal code instead",
    );
    has(&html, r#"aria-expanded="false""#);
}

#[test]
fn a_pro_profile_has_call_and_get_a_quote() {
    let view = |state: Loadable<ProProfile>| {
        rsx! {
            ProPage {
                state,
                zone: toronto(),
                contact_link: None,
                busy: false,
                error: None,
                on_back: None,
                on_retry: |()| {},
                on_contact: |_| {},
                on_quote: |()| {},
            }
        }
    };
    let profile = ProProfile {
        partner: from(partner_public("pro-1", "Sparkle Cleaning")),
        reviews: vec![from(review(true))],
        portfolio: vec![from(json!({
            "id": "ph-1", "content_type": "image/jpeg", "width": 1600, "height": 1200,
            "byte_size": 240_000,
            "url": "https://api.example/v1/photos/ph-1/full?sig=1",
            "thumbnail_url": "https://api.example/v1/photos/ph-1/thumb?sig=1",
            "links_expire_at": "2026-11-24T13:15:00Z",
            "caption": "A kitchen deep clean in Leslieville",
        }))],
    };
    let html = render(Loadable::Ready(profile), view);
    has(&html, "Past work");
    has(&html, "A kitchen deep clean in Leslieville");
    has(&html, "https://api.example/v1/photos/ph-1/thumb?sig=1");
    has(&html, "Get a Quote");
    has(&html, ">Call</button>");
    lacks(&html, ">Website</button>");
    has(&html, "Your reply: Thank you!");
    has(&html, "Toronto and 30 km around");
}

#[test]
fn a_new_request_shows_the_apis_field_errors_next_to_the_fields() {
    type Data = (Loadable<Vec<Category>>, Option<AppError>);
    let view = |(categories, error): Data| {
        rsx! {
            NewRequestPage {
                categories,
                form: RequestForm::new(Some("cleaning".into()), None, None),
                zone: Tz::America__Vancouver,
                busy: false,
                error,
                on_back: None,
                on_retry: |()| {},
                on_submit: |_| {},
            }
        }
    };
    let categories = vec![from(category("cleaning", "Home cleaning", true))];
    let error = invalid(&[
        ("description", "must have 10 to 5000 characters"),
        ("address.street", "must have 1 to 200 characters"),
        ("windows", "windows[0] must start in the future"),
    ]);
    let html = render((Loadable::Ready(categories), Some(error)), view);
    has(&html, r#"<option value="cleaning" selected"#);
    for message in [
        "must have 10 to 5000 characters",
        "must have 1 to 200 characters",
        "windows[0] must start in the future",
        "Please check the highlighted fields.",
    ] {
        has(&html, message);
    }
    // The street's message sits inside the street's field.
    let street = html.split(r#"id="field-street""#).nth(1).unwrap();
    let street = street.split("</div>").next().unwrap();
    has(street, "must have 1 to 200 characters");
    has(&html, "Send to nearby pros");
    // The form says which zone its times are in: the phone's.
    has(&html, "Times in Vancouver time (America/Vancouver).");
    // An address the API could not find says so under the address.
    let unplaced = invalid(&[(
        "address",
        "we could not find this address on the map; check the street, city and postal code",
    )]);
    let html = render((Loadable::Ready(vec![]), Some(unplaced)), view);
    let place = html.split("Where</h2>").nth(1).unwrap();
    let place = place.split("When</h2>").next().unwrap();
    has(place, "we could not find this address on the map");
}

#[test]
fn requests_their_status_and_notifications() {
    let list = |state: Loadable<Vec<shared_types::requests::ServiceRequest>>| {
        rsx! { RequestsPage { state, zone: toronto(), on_open: |_| {}, on_new: |()| {}, on_retry: |()| {} } }
    };
    has(&render(Loadable::Ready(vec![]), list), "No requests yet");
    has(
        &render(Loadable::Ready(vec![from(request("open"))]), list),
        "Sent to 3 pros: waiting for an answer",
    );

    let one = |state: Loadable<shared_types::requests::ServiceRequest>| {
        rsx! { RequestPage { state, zone: toronto(), on_back: None, on_retry: |()| {}, on_open_job: |_| {}, on_open_pro: |_| {} } }
    };
    let html = render(Loadable::Ready(from(request("assigned"))), one);
    has(&html, "A pro took it");
    has(&html, "Your pro");
    has(&html, "Sparkle Cleaning");
    has(&html, "Open the job");
    lacks(&html, "What next");

    // No state is a dead end: each says what can be done next.
    let html = render(Loadable::Ready(from(request("unfilled"))), one);
    has(&html, "No pro was available");
    has(&html, "No pro could take it at these times.");
    has(&html, ">Try other times</button>");
    has(&html, ">Browse pros and ask one</button>");
    has(&html, ">Cancel request</button>");
    let html = render(Loadable::Ready(from(request("pro_cancelled"))), one);
    has(&html, "The pro cancelled");
    has(&html, ">Find another pro</button>");
    has(&html, ">Try other times</button>");
    lacks(&html, ">Cancel request</button>");
    let html = render(Loadable::Ready(from(request("open"))), one);
    has(&html, ">Cancel request</button>");
    lacks(&html, ">Try other times</button>");

    let notifications = |state: Loadable<Vec<shared_types::notify::Notification>>| {
        rsx! { NotificationsPage { state, zone: toronto(), busy: false, on_retry: |()| {}, on_open: |_| {}, on_mark_read: |()| {} } }
    };
    has(
        &render(Loadable::Ready(vec![]), notifications),
        "Nothing new",
    );
    let items = from(json!([{
        "id": "n1", "kind": "job.assigned", "category": "job_updates", "title": "A pro took your request",
        "body": "Sparkle Cleaning will propose times.", "deep_link": "porchlight://jobs/job-1",
        "data": {}, "created_at": "2026-11-24T12:00:00Z", "read_at": null,
    }]));
    let html = render(Loadable::Ready(items), notifications);
    has(&html, "A pro took your request");
    has(&html, "unread");
    has(&html, "Mark all as read");
}

// --- the staff console ---

fn queue(counts: &[(&str, i64)]) -> StaffQueue {
    let kinds = [
        "assignments",
        "confirmations",
        "disputes",
        "monitoring",
        "failed_refunds",
        "failed_deliveries",
        "payouts_to_send",
    ];
    from(json!({
        "as_of": "2026-11-24T14:00:00Z",
        "next_payout_run_at": "2026-11-27T14:00:00Z",
        "queues": kinds.iter().map(|kind| {
            let count = counts.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
            json!({
                "kind": kind, "count": count,
                "oldest_since": if count > 0 { json!("2026-11-22T14:00:00Z") } else { Value::Null },
                "oldest_id": if count > 0 { json!("item-1") } else { Value::Null },
            })
        }).collect::<Vec<_>>(),
    }))
}

#[test]
fn the_console_home_counts_each_kind_of_work_and_opens_the_busy_ones() {
    let view = |state: Loadable<StaffQueue>| {
        render(state, |state| {
            rsx! { QueuePage { state, zone: toronto(), on_retry: |()| {}, on_open: |_| {} } }
        })
    };
    has(&view(Loadable::Loading), "Loading…");
    has(&view(Loadable::Failed(offline())), "Try again");
    let quiet = view(Loadable::Ready(queue(&[])));
    has(&quiet, "Nothing waits for staff.");
    lacks(&quiet, ">Open<");
    let busy = view(Loadable::Ready(queue(&[
        ("disputes", 2),
        ("payouts_to_send", 5),
    ])));
    has(&busy, "7 items wait for staff.");
    has(
        &view(Loadable::Ready(queue(&[("monitoring", 1)]))),
        "1 item waits for staff.",
    );
    has(&busy, "Open disputes");
    has(&busy, "Oldest waiting 2 days (since Sun 22 Nov, 09:00)");
    has(&busy, "Payouts to send");
    assert_eq!(
        busy.matches(">Open<").count(),
        2,
        "the busy kinds open their screens; the quiet ones have nothing to open"
    );
}

fn assignment_case() -> AssignmentCase {
    from(json!({
        "request_id": "req-9", "category": category("plumbing", "Plumbing", false),
        "description": "Kitchen sink drains slowly.", "city": "Toronto", "postal_area": "M5H",
        "windows": [window()], "time_zone": "America/Vancouver", "budget": cad(30_000),
        "created_at": "2026-11-24T10:00:00Z", "applications": 2,
        "first_applied_at": "2026-11-24T11:00:00Z",
    }))
}

fn application(offer: &str, name: &str, quote: i64) -> LeadApplication {
    from(json!({
        "offer_id": offer, "status": "applied", "partner": partner_public(offer, name),
        "message": "Can replace the trap today", "quote": cad(quote),
        "applied_at": "2026-11-24T11:00:00Z", "completed_jobs": 14, "distance_km": 3.24,
        "available_window": window(), "jobs_with_customer": 1,
    }))
}

#[test]
fn assignments_show_requests_and_their_applicants_side_by_side() {
    type Data = (
        Loadable<Vec<AssignmentCase>>,
        Loadable<Vec<LeadApplication>>,
    );
    let view = |data: Data| {
        render(data, |(cases, applicants)| {
            rsx! {
                AssignmentsPage {
                    cases, selected: Some("req-9".to_owned()), applicants, zone: toronto(),
                    on_retry: |()| {}, on_select: |_| {}, on_assign: |_| {},
                }
            }
        })
    };
    has(&view((Loadable::Loading, Loadable::Loading)), "Loading…");
    has(
        &view((Loadable::Failed(offline()), Loadable::Loading)),
        "Try again",
    );
    has(
        &view((Loadable::Ready(vec![]), Loadable::Ready(vec![]))),
        "No applications to assign",
    );
    let html = view((
        Loadable::Ready(vec![assignment_case()]),
        Loadable::Ready(vec![
            application("offer-1", "Drain Doctors", 28_000),
            application("offer-2", "Fixit Plumbing", 32_000),
        ]),
    ));
    has(&html, "Plumbing · Toronto M5H");
    has(&html, "2 applications · first Tue 24 Nov, 06:00");
    has(&html, "Wed 25 Nov, 07:00–09:00 (Vancouver time)");
    has(&html, "Kitchen sink drains slowly.");
    has(&html, "$300.00 CAD");
    has(&html, "$280.00 CAD");
    has(&html, "Assign to Drain Doctors");
    has(&html, "Assign to Fixit Plumbing");
    has(&html, "3.2 km");
    has(&html, "Brand Builder");
    has(&html, "91%");
    has(&html, "For this customer");
}

fn to_confirm() -> Job {
    let mut value = job("completed", true, true);
    value["completion"] =
        json!({ "summary": "Cleaned", "photo_urls": [], "completed_at": "2026-11-23T10:00:00Z" });
    value["review_window_ends_at"] = json!("2026-11-24T10:00:00Z");
    from(value)
}

#[test]
fn confirmations_select_jobs_and_report_each_outcome() {
    type Data = (Loadable<Vec<Job>>, bool, Vec<(ConfirmOutcome, Option<Job>)>);
    let view = |data: Data| {
        render(data, |(state, picked, outcomes)| {
            let selected = if picked {
                ["job-1".to_owned()].into()
            } else {
                BTreeSet::default()
            };
            rsx! {
                ConfirmationsPage {
                    state, selected, outcomes, zone: toronto(),
                    on_retry: |()| {}, on_toggle: |_| {}, on_toggle_all: |_| {}, on_confirm: |()| {},
                }
            }
        })
    };
    has(&view((Loadable::Loading, false, vec![])), "Loading…");
    has(
        &view((Loadable::Failed(offline()), false, vec![])),
        "Try again",
    );
    has(
        &view((Loadable::Ready(vec![]), false, vec![])),
        "Nothing to confirm",
    );
    let none = view((Loadable::Ready(vec![to_confirm()]), false, vec![]));
    has(&none, "Select jobs to confirm");
    has(&none, "disabled");
    let one = view((Loadable::Ready(vec![to_confirm()]), true, vec![]));
    has(&one, "Confirm 1 selected");
    has(&one, "Sparkle Cleaning");
    has(&one, "Tue 24 Nov, 05:00");
    let outcomes = vec![
        (
            from(json!({ "job_id": "job-1", "result": "confirmed" })),
            Some(to_confirm()),
        ),
        (
            from(json!({ "job_id": "job-2", "result": "disputed" })),
            None,
        ),
    ];
    let done = view((Loadable::Ready(vec![]), false, outcomes));
    has(&done, "Confirmed: the pro&#39;s earnings are released");
    has(&done, "Disputed: decide the dispute instead");
    has(&done, "job-2");
}

fn job_case(held: i64, resolved: bool) -> JobCase {
    let mut value = job("disputed", true, true);
    value["completion"] = json!({ "summary": "Cleaned every room", "photo_urls": ["https://photos.example.com/1.jpg"], "completed_at": "2026-11-23T10:00:00Z" });
    value["dispute"] = json!({
        "reason": "The oven was not cleaned", "opened_at": "2026-11-23T12:00:00Z",
        "resolution": if resolved { json!({ "outcome": "partial", "note": "Half back", "refund": cad(5_000), "resolved_at": "2026-11-24T12:00:00Z" }) } else { Value::Null },
    });
    from(json!({
        "job": value, "customer_name": "Casey Customer",
        "timeline": [{ "id": "e1", "job_id": "job-1", "kind": "disputed", "actor": "customer",
                       "actor_id": "cust-1", "detail": {}, "at": "2026-11-23T12:00:00Z" }],
        "payments": [{ "id": "pay-1", "job_id": "job-1", "purpose": "job", "amount": cad(14_900),
                       "status": "succeeded", "provider": "sandbox", "failure_code": null,
                       "created_at": "2026-11-22T12:00:00Z" }],
        "refunds": [],
        "agreement": { "version": 1, "text_sha256": "a".repeat(64), "typed_name": "Casey Customer",
                       "signed_at": "2026-11-22T11:00:00Z" },
        "held": cad(held), "platform_fee_bps": 1500,
    }))
}

#[test]
fn a_dispute_shows_both_sides_and_previews_the_decision() {
    type Data = (Loadable<JobCase>, Decision, Option<AppError>);
    let view = |data: Data| {
        render(data, |(state, decision, error)| {
            rsx! {
                DisputePage {
                    state, decision, zone: toronto(), error, on_back: None,
                    on_retry: |()| {}, on_change: |_| {}, on_resolve: |()| {},
                }
            }
        })
    };
    has(
        &view((Loadable::Loading, Decision::default(), None)),
        "Loading…",
    );
    has(
        &view((Loadable::Failed(offline()), Decision::default(), None)),
        "Try again",
    );
    let release = view((
        Loadable::Ready(job_case(14_900, false)),
        Decision::default(),
        None,
    ));
    lacks(&release, "Their conversation");
    let talked = render(Loadable::Ready(job_case(14_900, false)), |state| {
        let messages = vec![
            from(chat_message(
                "m1",
                "customer",
                "The oven is still greasy.",
                json!({}),
            )),
            from(chat_message(
                "m2",
                "partner",
                "Rude words",
                json!({ "hidden": true }),
            )),
        ];
        rsx! {
            DisputePage {
                state, decision: Decision::default(), zone: toronto(), error: None, on_back: None,
                on_retry: |()| {}, on_change: |_| {}, on_resolve: |()| {}, conversation: Some(messages),
            }
        }
    });
    has(&talked, "Their conversation");
    has(&talked, "Customer: ");
    has(&talked, "The oven is still greasy.");
    has(&talked, "(hidden) ");
    has(&talked, "Rude words");
    for text in [
        "Casey Customer",
        "The oven was not cleaned",
        "Cleaned every room",
        "Completion photo",
        "Signed by Casey Customer",
        "Dispute opened",
        "by the customer",
        "At stake: $149.00 CAD",
        "To the pro",
        "$126.65 CAD",
        "Confirm: $0.00 CAD back, $126.65 CAD to the pro",
    ] {
        has(&release, text);
    }
    let partial = Decision {
        outcome: DisputeOutcome::Partial,
        refund: "49".into(),
        note: String::new(),
    };
    let html = view((Loadable::Ready(job_case(14_900, false)), partial, None));
    has(&html, "Confirm: $49.00 CAD back, $85.00 CAD to the pro");
    has(&html, "Platform fee");
    let too_much = Decision {
        outcome: DisputeOutcome::Partial,
        refund: "500".into(),
        note: String::new(),
    };
    let html = view((Loadable::Ready(job_case(14_900, false)), too_much, None));
    has(&html, "less than $149.00 CAD");
    let refused = view((
        Loadable::Ready(job_case(14_900, false)),
        Decision::default(),
        Some(invalid(&[("note", "Say why")])),
    ));
    has(&refused, "Say why");
    let decided = view((
        Loadable::Ready(job_case(0, true)),
        Decision::default(),
        None,
    ));
    has(&decided, "Decided");
    has(
        &decided,
        "Refund part of it: $50.00 CAD back to the customer.",
    );
    lacks(&decided, "Confirm:");
}

#[test]
fn disputes_list_their_reason_and_age() {
    let view = |state: Loadable<Vec<Job>>| {
        render(state, |state| {
            rsx! { DisputesPage { state, zone: toronto(), on_retry: |()| {}, on_open: |_| {} } }
        })
    };
    has(&view(Loadable::Loading), "Loading…");
    has(&view(Loadable::Failed(offline())), "Try again");
    has(&view(Loadable::Ready(vec![])), "No open disputes");
    let html = view(Loadable::Ready(vec![job_case(14_900, false).job]));
    has(
        &html,
        "“The oven was not cleaned” · opened Mon 23 Nov, 07:00",
    );
    has(&html, "Home cleaning · Sparkle Cleaning");
}

fn watched(status: &str) -> Watched {
    let entry: MonitoringEntry = from(json!({
        "user_id": "cust-1", "name": "Casey Customer", "role": "customer", "status": status,
        "reason": "average 2.00 stars over 3 ratings in the last 90 days",
        "average_stars": 2.0, "rating_count": 3,
        "flagged_at": "2026-11-20T12:00:00Z", "updated_at": "2026-11-20T12:00:00Z",
        "history": [{ "action": "flagged", "note": "average 2.00 stars", "actor_id": null, "at": "2026-11-20T12:00:00Z" }],
    }));
    let ratings = from(json!([{
        "id": "r1", "job_id": "job-1", "direction": "partner_to_customer", "rater_id": "pro-1",
        "ratee_id": "cust-1", "stars": 2, "comment": "Kept changing the scope", "tags": [],
        "created_at": "2026-11-19T12:00:00Z", "published_at": "2026-11-19T12:00:00Z",
        "reply": null, "hidden_reason": null,
    }]));
    Watched { entry, ratings }
}

#[test]
fn monitoring_lists_the_watched_with_their_history_and_actions() {
    type Data = (Loadable<Vec<Watched>>, Option<AppError>);
    let view = |data: Data| {
        render(data, |(state, error)| {
            rsx! {
                MonitoringPage {
                    state, status: MonitoringStatus::Watching, notes: BTreeMap::default(),
                    acting_on: Some("cust-1".to_owned()), zone: toronto(), error,
                    on_retry: |()| {}, on_status: |_| {}, on_note: |_| {}, on_act: |_| {},
                }
            }
        })
    };
    has(&view((Loadable::Loading, None)), "Loading…");
    has(&view((Loadable::Failed(offline()), None)), "Try again");
    has(&view((Loadable::Ready(vec![]), None)), "Nobody here");
    let html = view((Loadable::Ready(vec![watched("watching")]), None));
    for text in [
        "Casey Customer",
        "2.0 ★ over 3 ratings",
        "History (1)",
        "flagged",
        "Ratings received (1)",
        "Kept changing the scope",
        "Add note",
        "Clear from the list",
        "Suspend account",
    ] {
        has(&html, text);
    }
    lacks(&html, "Reinstate account");
    let suspended = view((Loadable::Ready(vec![watched("suspended")]), None));
    has(&suspended, "Reinstate account");
    lacks(&suspended, "Suspend account");
    let refused = view((
        Loadable::Ready(vec![watched("watching")]),
        Some(invalid(&[("note", "Write a note: it goes in the history")])),
    ));
    has(&refused, "Write a note: it goes in the history");
}

fn pro_profile(status: &str, tier: &str) -> PartnerProfile {
    from(json!({
        "id": "pro-1", "email": "hello@sparkle.example.com", "business_name": "Sparkle Cleaning",
        "description": "Homes and condos.", "phone": "+14165550123", "website": null,
        "categories": [category("cleaning", "Home cleaning", true)],
        "service_area": { "city": "Toronto", "lat": 43.65, "lon": -79.38, "radius_km": 25.0 },
        "tier": tier, "status": status, "accepting_leads": true,
        "availability": { "time_zone": "America/Toronto", "weekly": [], "days_off": [] },
        "star_score": 91.0, "review_count": 12,
        "created_at": "2026-10-01T12:00:00Z", "updated_at": "2026-11-20T12:00:00Z",
    }))
}

fn payout(status: &str) -> Payout {
    from(json!({
        "id": format!("payout-{status}"), "partner_id": "pro-1", "payee": "Sparkle Cleaning",
        "period": "2026-W48", "amount": cad(25_330), "method": "cheque",
        "destination": "12 King St W, Toronto ON M5H 1A1", "status": status,
        "created_at": "2026-11-27T14:00:00Z",
        "sent_at": if status == "pending" { Value::Null } else { json!("2026-11-27T16:00:00Z") },
        "cleared_at": null,
    }))
}

fn wallet_entry(id: &str, cents: i64, description: &str) -> Value {
    json!({
        "id": id, "bucket": "available", "amount": cad(cents), "kind": "job_confirmed",
        "description": description, "job_id": "job-1", "payout_id": null,
        "created_at": "2026-11-25T13:00:00Z",
    })
}

#[test]
fn partners_are_searched_and_a_pros_file_changes_with_a_reason() {
    let list = |state: Loadable<Vec<PartnerProfile>>| {
        render(state, |state| {
            rsx! {
                PartnersPage {
                    state, text: "spark".to_owned(), on_text: |_| {}, on_search: |()| {},
                    on_retry: |()| {}, on_open: |_| {},
                }
            }
        })
    };
    has(&list(Loadable::Loading), "Loading…");
    has(&list(Loadable::Failed(offline())), "Try again");
    has(&list(Loadable::Ready(vec![])), "No pros found");
    let html = list(Loadable::Ready(vec![pro_profile("active", "basic")]));
    for text in [
        "Sparkle Cleaning",
        "hello@sparkle.example.com",
        "Home cleaning",
        "91%",
        "Active",
        r#"value="spark""#,
    ] {
        has(&html, text);
    }

    let file = |state: Loadable<PartnerFile>| {
        render(state, |state| {
            rsx! {
                PartnerFilePage {
                    state, zone: toronto(), reason: String::new(), on_back: None,
                    on_retry: |()| {}, on_reason: |_| {}, on_change: |_| {},
                }
            }
        })
    };
    has(&file(Loadable::Loading), "Loading…");
    has(&file(Loadable::Failed(offline())), "Try again");
    let quiet = PartnerFile {
        profile: pro_profile("active", "basic"),
        wallet: from(
            json!({ "balances": [], "next_payout_at": "2026-11-27T14:00:00Z", "payout_method": null }),
        ),
        entries: vec![],
        jobs: vec![],
        ratings: vec![],
        penalties: vec![],
    };
    let html = file(Loadable::Ready(quiet.clone()));
    for text in [
        "No money yet.",
        "No jobs yet.",
        "Make Brand Builder",
        "Suspend pro",
        "Reason (kept in the audit log)",
    ] {
        has(&html, text);
    }
    let busy = PartnerFile {
        profile: pro_profile("suspended", "brand_builder"),
        wallet: from(json!({
            "balances": [{ "pending": cad(0), "available": cad(12_665), "lifetime_earned": cad(12_665) }],
            "next_payout_at": "2026-11-27T14:00:00Z", "payout_method": null,
        })),
        entries: from(json!([wallet_entry(
            "w1",
            12_665,
            "Home cleaning job confirmed"
        )])),
        jobs: vec![to_confirm()],
        ratings: from(json!([{
            "id": "r1", "job_id": "job-1", "direction": "customer_to_partner", "rater_id": "cust-1",
            "ratee_id": "pro-1", "stars": 2, "comment": "Late and rushed", "tags": [],
            "created_at": "2026-11-24T12:00:00Z", "published_at": "2026-11-24T12:00:00Z",
            "reply": null, "hidden_reason": null,
        }])),
        penalties: from(json!([{
            "id": "pen-1", "job_id": "job-1", "user_id": "pro-1", "party": "partner",
            "reason": "late_cancellation", "amount": cad(5_000), "status": "settled",
            "created_at": "2026-11-22T12:00:00Z",
        }])),
    };
    let html = file(Loadable::Ready(busy));
    for text in [
        "Reinstate pro",
        "Move to Basic",
        "$126.65 CAD",
        "Home cleaning job confirmed",
        "Late and rushed",
        "$50.00 CAD · settled",
        "Jobs (1)",
    ] {
        has(&html, text);
    }
    lacks(&html, "Suspend pro");
    let refused = render(Loadable::Ready(quiet), |state| {
        rsx! {
            PartnerFilePage {
                state, zone: toronto(), reason: String::new(), on_back: None,
                error: invalid(&[("reason", "Say why: the audit log keeps it")]),
                on_retry: |()| {}, on_reason: |_| {}, on_change: |_| {},
            }
        }
    });
    has(&refused, "Say why: the audit log keeps it");
}

#[test]
fn the_catalogue_lists_categories_and_edits_one() {
    type Data = (
        Loadable<Vec<Category>>,
        Option<(Option<String>, CategoryForm)>,
        Option<AppError>,
    );
    let view = |data: Data| {
        render(data, |(state, editing, error)| {
            rsx! {
                CataloguePage {
                    state, editing, saved: None, error,
                    on_retry: |()| {}, on_edit: |_| {}, on_save: |()| {},
                }
            }
        })
    };
    has(&view((Loadable::Loading, None, None)), "Loading…");
    has(
        &view((Loadable::Failed(offline()), None, None)),
        "Try again",
    );
    has(
        &view((Loadable::Ready(vec![]), None, None)),
        "No categories yet",
    );
    let mut retired = category("painting", "Painting", false);
    retired["active"] = json!(false);
    let categories: Vec<Category> = vec![
        from(category("cleaning", "Home cleaning", true)),
        from(retired),
    ];
    let html = view((Loadable::Ready(categories.clone()), None, None));
    for text in [
        "Home cleaning",
        "Instant",
        "$149.00 CAD",
        "Painting",
        "Staff choose",
        "Quoted by the pro",
        "Retired",
        "Add a category",
    ] {
        has(&html, text);
    }
    lacks(&html, "Save category");
    let form = CategoryForm::from_category(&categories[0]);
    assert_eq!(form.list_price, "149.00");
    let editing = view((
        Loadable::Ready(categories),
        Some((Some("cat-cleaning".into()), form)),
        Some(invalid(&[("slug", "lower-case words joined by hyphens")])),
    ));
    for text in [
        "Edit category",
        r#"value="149.00""#,
        "lower-case words joined by hyphens",
        "Save category",
    ] {
        has(&editing, text);
    }
}

#[test]
fn payouts_list_cheques_export_runs_and_mark_them() {
    let view = |state: Loadable<Vec<Payout>>| {
        render(state, |state| {
            rsx! {
                PayoutsPage {
                    state, status: Some(PayoutStatus::Pending), zone: toronto(),
                    overview: Loadable::Ready(PayoutOverview {
                        next_run_at: at("2026-12-04T14:00:00Z"),
                        carried: from(json!([{ "partner_id": "pro-2", "payee": "Maple Home Services", "balance": cad(-5_000) }])),
                    }),
                    on_retry: |()| {}, on_status: |_| {}, on_run: |()| {}, on_mark: |_| {},
                    on_export: |_| {}, on_statement: |_| {},
                }
            }
        })
    };
    has(&view(Loadable::Loading), "Loading…");
    has(&view(Loadable::Failed(offline())), "Try again");
    let empty = view(Loadable::Ready(vec![]));
    has(&empty, "No payouts here");
    has(&empty, "Run this week&#39;s payouts");
    let html = view(Loadable::Ready(vec![payout("pending"), payout("sent")]));
    for text in [
        "Sparkle Cleaning",
        "$253.30 CAD",
        "cheque",
        "12 King St W",
        "To send",
        "Mark sent",
        "Mark cleared",
        "Export week 2026-W48, to send (CSV)",
        "Statement",
    ] {
        has(&html, text);
    }
    assert_eq!(html.matches("Export week").count(), 1, "one button per run");
}

#[test]
fn a_statement_adds_up_line_by_line() {
    let view = |state: Loadable<PayoutStatement>| {
        render(state, |state| {
            rsx! { StatementPage { state, zone: toronto(), on_back: None, on_retry: |()| {}, on_print: |()| {} } }
        })
    };
    has(&view(Loadable::Loading), "Loading…");
    has(&view(Loadable::Failed(offline())), "Try again");
    let statement: PayoutStatement = from(json!({
        "payout": serde_json::to_value(payout("sent")).unwrap(),
        "business_name": "Sparkle Cleaning",
        "entries": [
            wallet_entry("w0", -5_000, "Penalty for a late cancellation"),
            wallet_entry("w1", 12_665, "First job confirmed"),
            wallet_entry("w2", 17_665, "Second job confirmed"),
        ],
    }));
    let html = view(Loadable::Ready(statement.clone()));
    for text in [
        "Remittance statement",
        "Sparkle Cleaning",
        "-$50.00 CAD",
        "$76.65 CAD",
        "$253.30 CAD",
        "Total paid",
        "Print",
        "Save as text",
        "porchlight-statement-2026-W48.txt",
    ] {
        has(&html, text);
    }
    let text = statement_text(&statement, toronto());
    assert!(text.contains("(balance -$50.00 CAD)"), "{text}");
    assert!(text.contains("(balance $76.65 CAD)"), "{text}");
    assert!(text.contains("(balance $253.30 CAD)"), "{text}");
    assert!(text.ends_with("Total paid: $253.30 CAD\n"), "{text}");
}

#[test]
fn money_shows_the_books_refused_refunds_and_penalties() {
    type Data = (Loadable<MoneyDesk>, Option<AppError>);
    let view = |data: Data| {
        render(data, |(state, error)| {
            rsx! {
                MoneyPage {
                    state, notes: BTreeMap::default(), zone: toronto(), error,
                    acting_on: Some("ref-1".to_owned()),
                    on_retry: |()| {}, on_note: |_| {}, on_send_again: |_| {},
                }
            }
        })
    };
    has(&view((Loadable::Loading, None)), "Loading…");
    has(&view((Loadable::Failed(offline()), None)), "Try again");
    let ledger = |balanced: bool| -> LedgerCheck {
        from(json!({
            "balanced": balanced, "transactions": 12, "entries": 40, "accounts": 9,
            "unbalanced_transactions": if balanced { json!([]) } else { json!(["tx-1"]) },
            "mismatched_accounts": [],
            "accounts_by_kind": [{ "kind": "platform_cash", "balance": cad(2_235) }],
        }))
    };
    let quiet = MoneyDesk {
        failed_refunds: vec![],
        penalties: vec![],
        ledger: ledger(true),
    };
    let html = view((Loadable::Ready(quiet), None));
    for text in [
        "Balanced: 12 transactions",
        "platform cash",
        "Every refund went through.",
        "No late cancellations.",
    ] {
        has(&html, text);
    }
    let refund: Refund = from(json!({
        "id": "ref-1", "job_id": "job-1", "payment_id": "pay-1", "amount": cad(14_900),
        "reason": "cancellation", "status": "failed", "attempts": 1, "retries": 0,
        "last_error": "card_closed", "created_at": "2026-11-24T12:00:00Z", "updated_at": "2026-11-24T12:05:00Z",
    }));
    let troubled = MoneyDesk {
        failed_refunds: vec![refund],
        penalties: vec![],
        ledger: ledger(false),
    };
    let html = view((Loadable::Ready(troubled.clone()), None));
    for text in [
        "Not balanced",
        "Refused refunds (1)",
        "$149.00 CAD",
        "The provider said: card_closed",
        "Send again",
    ] {
        has(&html, text);
    }
    let refused = view((
        Loadable::Ready(troubled),
        Some(invalid(&[("note", "Say why it should go through now")])),
    ));
    has(&refused, "Say why it should go through now");
}

#[test]
fn records_list_the_audit_log_reads_and_failed_notifications() {
    let view = |state: Loadable<Records>| {
        render(state, |state| {
            rsx! {
                RecordsPage {
                    state, filters: RecordFilters { action: "payout.".into(), ..RecordFilters::default() },
                    zone: toronto(), on_retry: |()| {}, on_filters: |_| {}, on_apply: |()| {},
                }
            }
        })
    };
    has(&view(Loadable::Loading), "Loading…");
    has(&view(Loadable::Failed(offline())), "Try again");
    let empty = view(Loadable::Ready(Records {
        audit: vec![],
        staff_names: BTreeMap::new(),
        detail_reads: vec![],
        failed_deliveries: vec![],
    }));
    for text in [
        "No staff changes match.",
        "No reads match.",
        "Every notification was delivered.",
        r#"value="payout.""#,
    ] {
        has(&empty, text);
    }
    let full = Records {
        staff_names: BTreeMap::from([("staff-1".to_owned(), "Sam Rivera".to_owned())]),
        audit: from(json!([{
            "id": "a1", "actor_id": "staff-1", "action": "payout.sent", "subject_type": "payout",
            "subject_id": "payout-1", "before": null, "after": null, "reason": "Mailed",
            "created_at": "2026-11-27T16:00:00Z",
        }])),
        detail_reads: from(
            json!([{ "id": "d1", "job_id": "job-1", "partner_id": "pro-1", "read_at": "2026-11-25T12:00:00Z" }]),
        ),
        failed_deliveries: from(json!([{
            "id": "o1", "recipient_id": "cust-1", "kind": "job.completed", "payload": {},
            "status": "failed", "attempts": 8, "next_attempt_at": "2026-11-25T12:00:00Z",
            "last_error": "SMTP 550 mailbox unavailable", "created_at": "2026-11-25T11:00:00Z",
        }])),
    };
    let html = view(Loadable::Ready(full));
    for text in [
        "payout.sent",
        "payout payout-1",
        "Mailed",
        "pro pro-1 read the customer of job job-1",
        "job.completed to cust-1",
        "SMTP 550 mailbox unavailable",
    ] {
        has(&html, text);
    }
}

fn chat_message(id: &str, sender: &str, body: &str, extra: Value) -> Value {
    let mut message = json!({
        "id": id, "conversation_id": "conv-1", "sender": sender,
        "sender_id": if sender == "system" || sender == "staff" { Value::Null } else { json!(format!("{sender}-1")) },
        "body": body, "masked": false, "event": null, "hidden": false,
        "created_at": "2026-11-24T13:00:00Z",
    });
    message
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    message
}

fn conversation(stage: &str, unread: i64, extra: Value) -> Value {
    let mut conversation = json!({
        "id": "conv-1", "request_id": "req-1", "job_id": null, "title": "Painting in Toronto",
        "stage": stage,
        "customer": { "id": "customer-1", "name": "A customer in Toronto" },
        "partner": { "id": "partner-1", "name": "Sparkle Cleaning" },
        "unread": unread,
        "last_message": chat_message("m2", "customer", "Two rooms, white walls.", json!({})),
        "read_by_other_up_to": "m1", "can_send": true, "blocked_by": null,
        "created_at": "2026-11-24T12:00:00Z", "last_activity_at": "2026-11-24T13:00:00Z",
    });
    conversation
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    conversation
}

#[test]
fn conversations_list_unread_and_a_thread_shows_both_sides_the_timeline_and_receipts() {
    use porchlight_app::state::conversations::Thread;
    use porchlight_app::ui::conversations::{ConversationView, ConversationsPage};
    use shared_types::conversations::Conversation;

    let list = |state: Loadable<Vec<Conversation>>| {
        render(state, |state| {
            rsx! {
                ConversationsPage { state, partner: true, zone: toronto(), on_retry: |()| {}, on_open: |_| {} }
            }
        })
    };
    let empty = list(Loadable::Ready(vec![]));
    has(&empty, "No conversations yet");
    let html = list(Loadable::Ready(vec![from(conversation(
        "pre_hire",
        2,
        json!({}),
    ))]));
    has(&html, "A customer in Toronto");
    has(&html, "Painting in Toronto");
    has(&html, "Two rooms, white walls.");
    has(&html, "2 new");
    has(&html, "Tue 24 Nov, 08:00");

    let thread = |conversation: Value, entries: Vec<Value>| Thread {
        conversation: from(conversation),
        entries: entries.into_iter().map(from).collect(),
        more_before: false,
    };
    let view_with = |thread: Thread, draft: &'static str, pending: Vec<Value>| {
        let pending: Vec<shared_types::photos::Photo> = pending.into_iter().map(from).collect();
        render((thread, draft, pending), |(thread, draft, pending)| {
            rsx! {
                ConversationView {
                    state: Loadable::Ready(thread),
                    partner: true,
                    zone: toronto(),
                    draft: draft.to_owned(),
                    pending,
                    busy: false,
                    adding: false,
                    error: None,
                    on_back: None,
                    on_retry: |()| {},
                    on_draft: |_| {},
                    on_pick: |_| {},
                    on_remove_photo: |_| {},
                    on_send: |()| {},
                    on_open_job: |_| {},
                }
            }
        })
    };
    let view = |thread: Thread, draft: &'static str| view_with(thread, draft, Vec::new());
    let masked_note = "Phone numbers, email addresses and links are hidden until the pro is hired; keep talking and paying here.";
    let pre_hire = view(
        thread(
            conversation("pre_hire", 0, json!({})),
            vec![
                chat_message(
                    "m1",
                    "partner",
                    "Which colour? Call me at [contact details hidden].",
                    json!({ "masked": true, "note": masked_note }),
                ),
                chat_message("m2", "customer", "Two rooms, white walls.", json!({})),
            ],
        ),
        "",
    );
    has(
        &pre_hire,
        "Phone numbers, emails and links are hidden until the pro is hired.",
    );
    has(&pre_hire, "chat-entry chat-own");
    has(&pre_hire, "chat-entry chat-theirs");
    has(&pre_hire, masked_note);
    has(&pre_hire, " · Seen");
    has(&pre_hire, "Your message");
    lacks(&pre_hire, "Open the job");

    let hired = view(
        thread(
            conversation(
                "hired",
                0,
                json!({ "job_id": "job-1", "customer": { "id": "customer-1", "name": "Robin Customer" }, "read_by_other_up_to": null }),
            ),
            vec![
                chat_message("m1", "partner", "On my way.", json!({})),
                chat_message(
                    "e1",
                    "system",
                    "The pro started the work.",
                    json!({ "event": "started" }),
                ),
                chat_message("m3", "staff", "We are looking into it.", json!({})),
                chat_message("m4", "customer", "", json!({ "hidden": true })),
            ],
        ),
        "Thanks",
    );
    has(&hired, "<h1 class=\"topbar-title\">Robin Customer</h1>");
    has(&hired, "Open the job");
    has(&hired, "chat-entry chat-system");
    has(&hired, "Porchlight support");
    has(&hired, "Hidden by Porchlight support.");
    lacks(&hired, " · Seen");
    lacks(&hired, "are hidden until the pro is hired");

    let blocked = view(
        thread(
            conversation(
                "hired",
                0,
                json!({ "blocked_by": "customer", "can_send": false }),
            ),
            vec![],
        ),
        "",
    );
    has(&blocked, "The other side blocked further messages.");
    lacks(&blocked, "Your message");

    // A photo sent with no words shows as its thumbnail, opening the full image; one picked
    // and waiting can be taken out, and the message can go without words.
    let photo = |id: &str| {
        json!({
            "id": id, "content_type": "image/jpeg", "width": 1200, "height": 900,
            "byte_size": 180_000,
            "url": format!("https://api.example/v1/photos/{id}/full?sig=1"),
            "thumbnail_url": format!("https://api.example/v1/photos/{id}/thumb?sig=1"),
            "links_expire_at": "2026-11-24T13:15:00Z", "caption": null,
        })
    };
    let with_photos = view_with(
        thread(
            conversation("hired", 0, json!({ "job_id": "job-1" })),
            vec![chat_message(
                "m1",
                "customer",
                "",
                json!({ "photos": [photo("p1")] }),
            )],
        ),
        "",
        vec![photo("p2")],
    );
    has(&with_photos, "https://api.example/v1/photos/p1/thumb?sig=1");
    has(
        &with_photos,
        "href=\"https://api.example/v1/photos/p1/full?sig=1\"",
    );
    has(&with_photos, "Photos to send");
    has(&with_photos, "https://api.example/v1/photos/p2/thumb?sig=1");
    has(&with_photos, "Add photos");
    lacks(&with_photos, "<p class=\"chat-body\"></p>");
}

#[test]
fn a_pros_portfolio_lists_past_work_to_remove_and_takes_more() {
    use porchlight_app::ui::partner::portfolio::PortfolioPage;

    let view = |state: Loadable<Vec<shared_types::photos::Photo>>| {
        render(state, |state| {
            rsx! {
                PortfolioPage {
                    state,
                    caption: "Kitchen, after".to_owned(),
                    busy: false,
                    error: None,
                    on_back: None,
                    on_retry: |()| {},
                    on_caption: |_| {},
                    on_pick: |_| {},
                    on_remove: |_| {},
                }
            }
        })
    };
    let empty = view(Loadable::Ready(vec![]));
    has(&empty, "No photos yet");
    has(&empty, "Add photos");
    let one = view(Loadable::Ready(vec![from(json!({
        "id": "ph-1", "content_type": "image/jpeg", "width": 1600, "height": 1200,
        "byte_size": 240_000,
        "url": "https://api.example/v1/photos/ph-1/full?sig=1",
        "thumbnail_url": "https://api.example/v1/photos/ph-1/thumb?sig=1",
        "links_expire_at": "2026-11-24T13:15:00Z",
        "caption": "A vanity replaced",
    }))]));
    has(&one, "A vanity replaced");
    has(&one, "Remove");
    has(&one, "Kitchen, after");
    lacks(&one, "No photos yet");
}
