//! The app's view-models end to end against the real API (in process, SQLite): the calls each
//! screen makes, in the order people make them.

mod support;

use chrono::Duration;
use chrono_tz::Tz;
use porchlight_app::state::customer::{Discover, ProProfile, RequestStep, WindowForm};
use porchlight_app::state::jobs::{self, JobAction, JobDetail};
use porchlight_app::state::partner::{
    self, LeadInbox, LeadOutcome, Onboarding, RatingsView, SettingsView, WalletView,
};
use porchlight_app::state::{AppError, Session, customer, format};
use shared_types::ErrorCode;
use shared_types::auth::{Role, SignupRole};
use shared_types::notify::{DeviceInput, Platform};
use shared_types::requests::{OfferStatus, RequestStatus};
use shared_types::wallet::PaymentStatus;
use support::{Api, onboard, onboard_in, request_form};

#[tokio::test]
async fn a_pro_onboards_gets_a_lead_live_and_a_customer_books_pays_and_rates() {
    let api = Api::spawn().await;

    // The pro signs up; the onboarding form reports bad numbers and the API's rules per field.
    let pro = api.signed_up(SignupRole::Partner, "Pat Pro").await;
    assert_eq!(pro.role(), Some(Role::Partner));
    assert_eq!(
        partner::my_profile(&pro).await.unwrap(),
        None,
        "not onboarded yet"
    );
    let mut form = Onboarding::load(&pro).await.unwrap().form;
    form.radius_km = "far".into();
    let error = Onboarding::save(&pro, &form).await.unwrap_err();
    assert!(error.field("service_area.radius_km").is_some(), "{error:?}");
    form.business_name = "Sparkle".into();
    form.categories = vec!["cleaning".into()];
    form.place = "Atlantis".into();
    form.radius_km = "30".into();
    let error = Onboarding::save(&pro, &form).await.unwrap_err();
    assert!(
        error.field("service_area.place").is_some(),
        "a place nobody can find: {error:?}"
    );
    form.place = "M5H 2N2".into();
    form.radius_km = "500".into();
    let error = Onboarding::save(&pro, &form).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ValidationFailed));
    assert!(error.field("service_area.radius_km").is_some(), "{error:?}");
    onboard(&pro, "Sparkle Cleaning").await;
    let profile = partner::my_profile(&pro).await.unwrap().expect("saved");
    assert_eq!(profile.business_name, "Sparkle Cleaning");
    assert!(profile.accepting_leads);
    let pro_id = profile.id.clone();
    // Brand Builders show their phone and website on the profile.
    let staff = api.staff().await;
    api.promote(&staff, &pro).await;

    // Its phone registers for push alerts (tests/push.rs drives the registrar itself).
    let device = pro
        .call(|c| async move {
            c.register_device(&DeviceInput {
                token: "fcm-token-pixel-8".into(),
                platform: Platform::Android,
                app_version: None,
            })
            .await
        })
        .await
        .expect("device registers");
    assert_eq!(device.platform, Platform::Android);
    assert_eq!(SettingsView::load(&pro).await.unwrap().devices.len(), 1);

    // The inbox is empty, and its live stream is open.
    assert!(LeadInbox::load(&pro).await.unwrap().is_empty());
    let mut stream = pro
        .call(|c| async move { c.events(None).await })
        .await
        .expect("live stream opens");

    // A customer finds the pro, opens the profile and asks for a quote.
    let customer = api.signed_up(SignupRole::Customer, "Casey Customer").await;
    let before = Discover::load(&customer, Some("cleaning"), None)
        .await
        .unwrap();
    assert!(before.hits.is_empty(), "no search before a place is chosen");
    assert!(
        customer::suggest_places(&customer, "M5")
            .await
            .unwrap()
            .is_empty()
    );
    let here = customer::suggest_places(&customer, "m5h 2n2")
        .await
        .unwrap();
    assert_eq!(here[0].label, "M5H, Richmond / Adelaide / King, Toronto");
    customer.set_place(here[0].clone());
    let discover = Discover::load(&customer, Some("cleaning"), customer.place().as_ref())
        .await
        .unwrap();
    let hit = discover
        .hits
        .iter()
        .find(|hit| hit.partner.id == pro_id)
        .expect("the pro is found near Toronto");
    assert_eq!(hit.partner.business_name, "Sparkle Cleaning");
    let profile = ProProfile::load(&customer, &pro_id).await.unwrap();
    assert!(profile.partner.has_phone);
    let call = customer::contact(
        &customer,
        &pro_id,
        shared_types::partners::ContactKind::Phone,
    )
    .await
    .unwrap();
    assert_eq!(customer::contact_link(&call), "tel:+14165550123");

    // The form shows the API's field errors next to the fields, and sends nothing.
    let mut form = request_form(&api, Some(pro_id.clone()));
    form.description = String::new();
    form.street = String::new();
    let error = form.submit(&customer).await.unwrap_err();
    assert!(error.field("description").is_some(), "{error:?}");
    assert!(error.field("address.street").is_some(), "{error:?}");
    assert!(customer::my_requests(&customer).await.unwrap().is_empty());
    let form = request_form(&api, Some(pro_id.clone()));
    let request = form.submit(&customer).await.expect("request sent");
    let again = form.submit(&customer).await.expect("a retried submit");
    assert_eq!(
        again.id, request.id,
        "one request per form, however often it is sent"
    );

    // The lead reaches the pro live, and the inbox shows why it matched.
    let offered = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            let event = stream.next().await.expect("stream open").expect("event");
            if event.event.as_deref() == Some("lead.offered") {
                return event;
            }
        }
    })
    .await
    .expect("lead.offered arrives on the stream");
    assert!(offered.data.contains(&request.id) || !offered.data.is_empty());
    let inbox = LeadInbox::load(&pro).await.unwrap();
    assert_eq!(inbox.waiting.len(), 1);
    let lead = &inbox.waiting[0];
    assert_eq!(lead.request_id, request.id);
    assert_eq!(partner::reach(lead), "Sent to you only");
    assert!(partner::why_matched(lead, Tz::UTC).contains("from the centre"));
    assert!(!lead.description.is_empty());

    // The pro confirms; the job is theirs and only now shows the customer's contact.
    let outcome = partner::confirm_lead(&pro, &lead.id).await.unwrap();
    let LeadOutcome::Assigned { job_id } = outcome else {
        panic!("expected the job, got {outcome:?}");
    };
    let detail = JobDetail::load(&pro, &job_id).await.unwrap();
    let contact = detail
        .customer
        .as_ref()
        .expect("the assigned pro sees the contact");
    assert_eq!(contact.name, "Casey Customer");
    assert_eq!(contact.address.street, "100 Queen St W");
    assert!(
        detail
            .next_steps(Role::Partner, api.now())
            .contains(&JobAction::ProposeSlots)
    );

    // The pro's proposal starts from the customer's wished time (tomorrow 10:00 for 2 hours)
    // and is sent as it is; the customer books it, signs and pays.
    let day = (api.now() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let wishes = jobs::slots_from_wishes(&detail.job, api.now(), Tz::UTC);
    assert_eq!(wishes.len(), 1);
    let wish = &wishes[0];
    assert_eq!(
        (wish.date.as_str(), wish.start.as_str(), wish.hours.as_str()),
        (day.as_str(), "10:00", "2")
    );
    assert_eq!(
        jobs::slots_from_wishes(&detail.job, api.now() + Duration::days(2), Tz::UTC),
        vec![WindowForm::blank()],
        "past wishes are not offered again"
    );
    let slot = jobs::slot_from_local(&wish.date, &wish.start, &wish.hours, Tz::UTC).unwrap();
    jobs::propose_slots(&pro, &job_id, vec![slot])
        .await
        .unwrap();
    let status = customer::load_request(&customer, &request.id)
        .await
        .unwrap();
    assert_eq!(status.status, RequestStatus::Assigned);
    assert_eq!(status.job_id.as_deref(), Some(job_id.as_str()));
    assert_eq!(
        status.assigned_partner.as_ref().map(|p| p.id.as_str()),
        Some(pro_id.as_str())
    );
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    assert!(detail.customer.is_none(), "customers get no contact card");
    assert_eq!(
        detail.next_steps(Role::Customer, api.now())[0],
        JobAction::AcceptSlot
    );
    // Before booking, the customer reads what cancelling that time would cost, from the API's
    // terms for this job (24 hours' notice, a 25.00 CAD fee after).
    let slot = detail.job.open_proposal.as_ref().unwrap().slots[0];
    let zone = customer.time_zone();
    let days_before = slot.start - Duration::days(3);
    let free_until = format::date_time(slot.start - Duration::hours(24), zone);
    assert_eq!(
        detail.booking_note(&slot, days_before, zone).unwrap(),
        format!("Free to cancel until {free_until}; after that it costs $25.00 CAD.")
    );
    let hours_before = slot.start - Duration::hours(5);
    assert_eq!(
        detail.booking_note(&slot, hours_before, zone).unwrap(),
        "Less than 24 hours away: cancelling this time would cost $25.00 CAD."
    );
    assert!(
        detail
            .cancellation_note(customer.time_zone())
            .unwrap()
            .starts_with("Free to cancel while no date is agreed"),
    );
    jobs::accept_slot(&customer, &detail.job, 0).await.unwrap();
    let booked = JobDetail::load(&customer, &job_id).await.unwrap();
    let expected = if slot.start - Duration::hours(24) > api.now() {
        format!("Free to cancel until {free_until}; after that it costs $25.00 CAD.")
    } else {
        "Cancelling now costs $25.00 CAD: it is less than 24 hours before the visit.".to_owned()
    };
    assert_eq!(booked.cancellation_note(zone).unwrap(), expected);
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    assert_eq!(
        detail.next_steps(Role::Customer, api.now())[0],
        JobAction::SignAgreement
    );
    let agreement = detail.agreement.clone().expect("the agreement is shown");
    assert!(!agreement.text.is_empty());
    jobs::sign_agreement(&customer, &agreement, "Casey Customer")
        .await
        .unwrap();
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    assert_eq!(
        detail.next_steps(Role::Customer, api.now())[0],
        JobAction::Pay
    );
    // Paying opens the secure payment page; the card is typed there, never in the app.
    let page = jobs::payment_page(&customer, &job_id).await.unwrap();
    assert_eq!(page.payment.status, PaymentStatus::Processing);
    assert_eq!(
        jobs::payment_page(&customer, &job_id).await.unwrap().url,
        page.url,
        "asking again gives the same page"
    );
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    assert!(detail.awaits(&page.payment));
    assert_eq!(
        support::pay_on_page(&page.url, "4000 0000 0000 0002")
            .await
            .0,
        402,
        "a declined card leaves the page open"
    );
    let (status, back) = support::pay_on_page(&page.url, "4242 4242 4242 4242").await;
    assert_eq!(status, 303);
    assert!(
        back.ends_with(&format!("/jobs/{job_id}?payment={}", page.payment.id)),
        "{back}"
    );
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    assert!(!detail.awaits(&page.payment));
    assert!(detail.job.paid_at.is_some());
    assert!(
        !detail
            .next_steps(Role::Customer, api.now())
            .contains(&JobAction::Pay)
    );
    let receipt = detail.receipt.expect("the customer has a receipt");
    assert_eq!(receipt.total.amount_cents, 14_900);
    assert_eq!(
        jobs::receipt_line_label(&receipt.lines[0]),
        "Home cleaning job"
    );
    assert_eq!(receipt.taxes[0].name, "HST");

    // The pro starts and completes the job at the appointment.
    let detail = JobDetail::load(&pro, &job_id).await.unwrap();
    assert_eq!(
        detail.next_steps(Role::Partner, api.now()),
        vec![JobAction::Start, JobAction::Cancel]
    );
    api.travel(slot.start - api.now() - Duration::minutes(30));
    jobs::start(&pro, &job_id).await.unwrap();
    jobs::complete(&pro, &job_id, "Deep clean done, windows too.", Vec::new())
        .await
        .unwrap();

    // The customer tips and rates; the pro rates back.
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    let steps = detail.next_steps(Role::Customer, api.now());
    assert!(steps.contains(&JobAction::Dispute), "{steps:?}");
    assert!(steps.contains(&JobAction::Tip), "{steps:?}");
    assert!(steps.contains(&JobAction::Rate), "{steps:?}");
    let bad_tip = jobs::tip_page(&customer, &detail.job, "ten")
        .await
        .unwrap_err();
    assert!(bad_tip.field("tip").is_some(), "{bad_tip:?}");
    let tip = jobs::tip_page(&customer, &detail.job, "12.50")
        .await
        .unwrap();
    assert_eq!(tip.payment.amount.amount_cents, 1_250);
    assert_eq!(
        support::pay_on_page(&tip.url, "4242424242424242").await.0,
        303
    );
    let receipt = JobDetail::load(&customer, &job_id)
        .await
        .unwrap()
        .receipt
        .unwrap();
    assert_eq!(receipt.total.amount_cents, 14_900 + 1_250);
    assert!(jobs::receipt_line_label(&receipt.lines[1]).starts_with("Tip for "));
    jobs::rate(
        &customer,
        &job_id,
        5,
        "Spotless, on time, lovely to deal with.",
    )
    .await
    .unwrap();
    let detail = JobDetail::load(&customer, &job_id).await.unwrap();
    let steps = detail.next_steps(Role::Customer, api.now());
    assert!(
        !steps.contains(&JobAction::Tip) && !steps.contains(&JobAction::Rate),
        "{steps:?}"
    );
    jobs::rate(&pro, &job_id, 5, "Clear instructions, easy access.")
        .await
        .unwrap();

    // The pro's wallet: the job's earnings pending, the tip available, each an entry.
    let wallet = WalletView::load(&pro).await.unwrap();
    let balance = &wallet.wallet.balances[0];
    assert_eq!(
        balance.available.amount_cents, 1_250,
        "tips are available at once"
    );
    assert!(balance.pending.amount_cents > 0);
    assert!(
        balance.pending.amount_cents < 14_900,
        "less the platform fee"
    );
    assert!(wallet.entries.len() >= 2);
    assert!(wallet.wallet.payout_method.is_none());
    let mut method = partner::PayoutMethodForm {
        bank_transfer: true,
        account_holder: "Sparkle Cleaning Inc.".into(),
        routing_number: "00011".into(),
        account_number: "12-34".into(),
        ..Default::default()
    };
    let error = partner::set_payout_method(&pro, &method).await.unwrap_err();
    assert!(
        error.field("bank_account.account_number").is_some(),
        "{error:?}"
    );
    method.account_number = "1234567".into();
    partner::set_payout_method(&pro, &method).await.unwrap();
    let wallet = WalletView::load(&pro).await.unwrap();
    let saved = wallet.wallet.payout_method.expect("saved");
    assert_eq!(
        saved.bank_account.map(|b| b.account_last4),
        Some("4567".into())
    );

    // Both rated: the review is published; the pro replies under it.
    let ratings = RatingsView::load(&pro).await.unwrap();
    assert_eq!(ratings.reviews.len(), 1, "{ratings:?}");
    let review = &ratings.reviews[0];
    assert_eq!(review.stars, 5);
    partner::reply_to_review(&pro, &review.id, "Thank you, Casey!")
        .await
        .unwrap();
    let ratings = RatingsView::load(&pro).await.unwrap();
    assert_eq!(
        ratings.reviews[0].reply.as_ref().map(|r| r.text.as_str()),
        Some("Thank you, Casey!")
    );

    // The customer's notifications tell the story, and can be marked read.
    let notifications = customer::notifications(&customer).await.unwrap();
    assert!(!notifications.is_empty());
    assert!(customer::mark_all_read(&customer).await.unwrap() > 0);

    // Connection stats count the profile lead and the call.
    let connections = partner::connections(&pro).await.unwrap();
    assert_eq!(connections.totals.profile_lead, 1);
    assert_eq!(connections.totals.phone_click, 1);

    // The accepting-leads switch pauses alerts without touching the rest of the profile.
    assert!(!partner::set_accepting_leads(&pro, false).await.unwrap());
    let profile = partner::my_profile(&pro).await.unwrap().unwrap();
    assert!(!profile.accepting_leads);
    assert_eq!(profile.business_name, "Sparkle Cleaning");

    // Quiet hours are set on the phone, in its zone; a time that is not a time is refused.
    customer.adopt_device_time_zone(Tz::America__Vancouver);
    let preferences = SettingsView::load(&customer).await.unwrap().preferences;
    let night = Some(("22:00".to_owned(), "07:00".to_owned(), false));
    let saved = partner::set_quiet_hours(&customer, preferences.clone(), night)
        .await
        .unwrap();
    let quiet = saved.quiet_hours.expect("quiet hours on");
    assert_eq!(
        (quiet.start.as_str(), quiet.time_zone.as_str()),
        ("22:00", "America/Vancouver")
    );
    let nonsense = Some(("25:00".to_owned(), "07:00".to_owned(), false));
    let refused = partner::set_quiet_hours(&customer, saved_preferences(&customer).await, nonsense)
        .await
        .unwrap_err();
    assert!(refused.field("quiet_hours").is_some(), "{refused:?}");
    assert_eq!(saved_preferences(&customer).await.quiet_hours, Some(quiet));
    let off = partner::set_quiet_hours(&customer, preferences, None)
        .await
        .unwrap();
    assert_eq!(off.quiet_hours, None);
}

async fn saved_preferences(session: &Session) -> shared_types::notify::NotificationPreferences {
    SettingsView::load(session).await.unwrap().preferences
}

/// Phones in Toronto and in Vancouver ask for work at a Toronto home: each request's times are
/// read in its phone's zone, so a Toronto pro working 08:00–20:00 local gets the lead only when
/// a window falls in those hours, and sees each window as it was chosen, its zone named when it
/// is not the pro's own.
#[tokio::test]
async fn requests_are_timed_in_the_phones_zone_for_matching_and_display() {
    let api = Api::spawn().await;
    let pro = api.signed_up(SignupRole::Partner, "Tina Toronto").await;
    onboard_in(&pro, "Toronto Tidy", "America/Toronto").await;
    api.promote(&api.staff().await, &pro).await;
    assert_eq!(
        pro.time_zone(),
        Tz::America__Toronto,
        "the pro's working zone"
    );

    let ask = |phone: Session, start: &'static str| {
        let mut form = request_form(&api, None);
        form.windows[0].start = start.into();
        async move { form.submit(&phone).await.expect("the request is sent") }
    };
    let toronto = api.signed_up(SignupRole::Customer, "Terry Toronto").await;
    toronto.adopt_device_time_zone(Tz::America__Toronto);
    let vancouver = api.signed_up(SignupRole::Customer, "Val Vancouver").await;
    vancouver.adopt_device_time_zone(Tz::America__Vancouver);

    // 10:00 in Toronto is in the pro's hours.
    let morning = ask(toronto.clone(), "10:00").await;
    assert_eq!(morning.time_zone, "America/Toronto");
    assert_eq!(morning.status, RequestStatus::Open, "{morning:?}");
    let local = morning.windows[0]
        .start
        .with_timezone(&Tz::America__Toronto);
    assert_eq!(local.format("%H:%M").to_string(), "10:00");
    // 06:00 in Vancouver is 09:00 in Toronto: in the pro's hours too.
    let early = ask(vancouver.clone(), "06:00").await;
    assert_eq!(early.status, RequestStatus::Open, "{early:?}");
    // 18:00 in Vancouver is 21:00 in Toronto: the pro is off, nobody else is near.
    let late = ask(vancouver.clone(), "18:00").await;
    assert_eq!(late.status, RequestStatus::Unfilled, "{late:?}");

    // The pro sees both leads at the times their customers chose.
    let inbox = LeadInbox::load(&pro).await.unwrap();
    let shown = |request_id: &str| {
        let lead = inbox
            .waiting
            .iter()
            .find(|lead| lead.request_id == request_id)
            .expect("offered");
        (
            format::window_in(&lead.windows[0], &lead.time_zone, pro.time_zone()),
            partner::why_matched(lead, pro.time_zone()),
        )
    };
    let day = |request: &shared_types::requests::ServiceRequest| {
        request.windows[0]
            .start
            .with_timezone(&Tz::America__Vancouver)
            .format("%a %-d %b")
            .to_string()
    };
    let (window, why) = shown(&morning.id);
    assert_eq!(window, format!("{}, 10:00–12:00", day(&morning)));
    assert!(
        why.contains("you're free") && why.contains("10:00–12:00"),
        "{why}"
    );
    let (window, why) = shown(&early.id);
    assert_eq!(
        window,
        format!("{}, 06:00–08:00 (Vancouver time)", day(&early))
    );
    assert!(why.contains("06:00–08:00 (Vancouver time)"), "{why}");
    assert_eq!(inbox.waiting.len(), 2);

    // Each customer reads their own request in their own zone.
    let mine = customer::my_requests(&vancouver).await.unwrap();
    let early_again = mine.iter().find(|r| r.id == early.id).unwrap();
    assert_eq!(
        format::window_in(
            &early_again.windows[0],
            &early_again.time_zone,
            vancouver.time_zone()
        ),
        format!("{}, 06:00–08:00", day(&early))
    );

    // The late request is not a dead end: the Vancouver customer tries an earlier time.
    assert_eq!(
        customer::request_steps(&late),
        vec![
            RequestStep::TryOtherTimes,
            RequestStep::SearchFarther,
            RequestStep::AskAProDirectly,
            RequestStep::Cancel
        ]
    );
    let no_date = customer::windows_from(&[WindowForm::blank()], vancouver.time_zone());
    assert!(no_date.unwrap_err().field("windows").is_some());
    let earlier = vec![WindowForm {
        date: late.windows[0]
            .start
            .with_timezone(&Tz::America__Vancouver)
            .format("%Y-%m-%d")
            .to_string(),
        start: "07:00".into(),
        hours: "2".into(),
    }];
    let windows = customer::windows_from(&earlier, vancouver.time_zone()).unwrap();
    let retimed = customer::rematch(&vancouver, &late.id, Some(windows), None)
        .await
        .unwrap();
    assert_eq!(retimed.status, RequestStatus::Open, "{retimed:?}");
    assert_eq!(customer::request_steps(&retimed), vec![RequestStep::Cancel]);
    let inbox = LeadInbox::load(&pro).await.unwrap();
    assert!(inbox.waiting.iter().any(|lead| lead.request_id == late.id));
    let withdrawn = customer::cancel_request(&vancouver, &late.id)
        .await
        .unwrap();
    assert_eq!(withdrawn.status, RequestStatus::Cancelled);
    assert!(customer::request_steps(&withdrawn).is_empty());
}

#[tokio::test]
async fn two_pros_confirm_the_same_lead_one_gets_the_job_the_other_sees_it_taken() {
    let api = Api::spawn().await;
    let staff = api.staff().await;
    let first = api.signed_up(SignupRole::Partner, "First Pro").await;
    let second = api.signed_up(SignupRole::Partner, "Second Pro").await;
    onboard(&first, "First Cleaning").await;
    onboard(&second, "Second Cleaning").await;
    api.promote(&staff, &first).await;
    api.promote(&staff, &second).await;

    let customer = api.signed_up(SignupRole::Customer, "Robin").await;
    let request = request_form(&api, None).submit(&customer).await.unwrap();
    let lead_of = |inbox: LeadInbox| {
        inbox
            .waiting
            .into_iter()
            .find(|lead| lead.request_id == request.id)
            .expect("both pros got the lead")
    };
    let first_lead = lead_of(LeadInbox::load(&first).await.unwrap());
    let second_lead = lead_of(LeadInbox::load(&second).await.unwrap());
    assert_eq!(partner::reach(&first_lead), "Sent to 2 pros");

    let (a, b) = tokio::join!(
        partner::confirm_lead(&first, &first_lead.id),
        partner::confirm_lead(&second, &second_lead.id)
    );
    let outcomes = [a.expect("no error"), b.expect("no error")];
    let winners = outcomes
        .iter()
        .filter(|o| matches!(o, LeadOutcome::Assigned { .. }))
        .count();
    assert_eq!(winners, 1, "{outcomes:?}");
    assert!(outcomes.contains(&LeadOutcome::Taken), "{outcomes:?}");

    // The winner has the job; the other's inbox shows the lead as taken, not waiting.
    let (winner, loser, loser_lead) = if matches!(outcomes[0], LeadOutcome::Assigned { .. }) {
        (&first, &second, &second_lead)
    } else {
        (&second, &first, &first_lead)
    };
    assert_eq!(jobs::list(winner).await.unwrap().len(), 1);
    assert!(jobs::list(loser).await.unwrap().is_empty());
    let inbox = LeadInbox::load(loser).await.unwrap();
    assert!(inbox.waiting.is_empty());
    let lead = partner::load_lead(loser, &loser_lead.id).await.unwrap();
    assert_eq!(lead.status, OfferStatus::Taken);
    assert_eq!(
        partner::confirm_lead(loser, &loser_lead.id).await.unwrap(),
        LeadOutcome::Taken,
        "confirming again still reads as taken"
    );
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_a_refused_refresh_signs_out() {
    let api = Api::spawn().await;
    let session = api.signed_up(SignupRole::Customer, "Sam").await;
    let mut signed_in = session.watch_signed_in();
    assert!(*signed_in.borrow_and_update());

    // Two calls at once with a revoked access token: one refresh, both succeed.
    session.set_access_token("not-a-valid-token");
    let refresh_before = session.refresh_token().unwrap();
    let (a, b) = tokio::join!(
        session.call(|c| async move { c.me().await }),
        session.call(|c| async move {
            c.notifications(
                &shared_types::notify::NotificationFilter::default(),
                &shared_types::pagination::PageParams::default(),
            )
            .await
        })
    );
    assert_eq!(a.unwrap().name, "Sam");
    b.unwrap();
    assert_ne!(
        session.refresh_token().unwrap(),
        refresh_before,
        "rotated once"
    );
    assert_ne!(session.access_token().unwrap(), "not-a-valid-token");

    // The refresh token is revoked elsewhere (signed out on another device): the next 401
    // ends the session.
    shared_types::Client::new(&api.url)
        .logout(&session.refresh_token().unwrap())
        .await
        .unwrap();
    session.set_access_token("not-a-valid-token");
    let error = session
        .call(|c| async move { c.me().await })
        .await
        .unwrap_err();
    assert_eq!(error, AppError::SignedOut);
    assert!(session.user().is_none());
    signed_in.changed().await.unwrap();
    assert!(
        !*signed_in.borrow(),
        "the screens hear that the session ended"
    );

    // Signing in again works; signing out revokes the refresh token on the server.
    let user = session
        .sign_in(&session_email(&api, "Sam2").await, support::PASSWORD)
        .await
        .unwrap();
    let refresh = session.refresh_token().unwrap();
    session.sign_out().await;
    assert!(session.user().is_none());
    let reuse = shared_types::Client::new(&api.url).refresh(&refresh).await;
    assert_eq!(reuse.unwrap_err().status(), Some(401), "{}", user.email);
}

/// Registers an account and returns its email (signed out).
async fn session_email(api: &Api, name: &str) -> String {
    let email = support::unique_email(name);
    api.session()
        .sign_up(name, &email, support::PASSWORD, SignupRole::Customer)
        .await
        .unwrap();
    email
}

#[tokio::test]
async fn wrong_credentials_and_a_taken_email_are_shown_not_thrown() {
    let api = Api::spawn().await;
    let session = api.session();
    let error = session
        .sign_in("nobody@example.com", "wrong password!")
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidCredentials));
    let email = session_email(&api, "Kim").await;
    let error = session
        .sign_up("Kim", &email, support::PASSWORD, SignupRole::Customer)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::EmailTaken));
    let error = session
        .sign_up("Kim", "kim2@example.com", "short", SignupRole::Customer)
        .await
        .unwrap_err();
    assert!(error.field("password").is_some(), "{error:?}");
    assert!(session.user().is_none());
    // Signed out, calls that need a session say so instead of reaching the API.
    assert_eq!(
        LeadInbox::load(&session).await.unwrap_err(),
        AppError::SignedOut
    );
}

#[tokio::test]
async fn a_new_homeowner_confirms_their_email_and_recovers_a_forgotten_password() {
    let api = Api::spawn().await;
    let session = api
        .signed_up_unconfirmed(SignupRole::Customer, "Maya")
        .await;
    let user = session.user().unwrap();
    assert!(!user.email_verified);

    // Asking for work waits for the confirmation, and says why.
    let refused = request_form(&api, None).submit(&session).await.unwrap_err();
    assert!(
        matches!(
            &refused,
            AppError::Api {
                code: ErrorCode::EmailUnverified,
                ..
            }
        ),
        "{refused:?}"
    );
    session.resend_confirmation().await.unwrap();

    // The emailed link, opened in the app, confirms the signed-in account too.
    let token = api.confirmation_token(&user.id, &user.email).await;
    let link = format!("porchlight://verify-email?token={token}");
    let Some(porchlight_app::state::Screen::VerifyEmail(token)) =
        porchlight_app::state::Screen::from_account_link(&link)
    else {
        panic!("the link opens the confirmation screen");
    };
    session.confirm_email(&token).await.unwrap();
    assert!(session.user().unwrap().email_verified);
    request_form(&api, None).submit(&session).await.unwrap();

    // Forgotten: a reset link (as emailed) sets a new password and signs every device out.
    session.request_password_reset(&user.email).await.unwrap();
    let email = user.email.clone();
    let now = api.now().naive_utc();
    let (_, reset_token) = api
        .state
        .write(move |conn| porchlight::auth::password_changes::request_reset(conn, &email, now))
        .await
        .unwrap()
        .expect("a reset link");
    let elsewhere = api.session();
    let too_short = elsewhere
        .reset_password(&reset_token, "short")
        .await
        .unwrap_err();
    assert!(too_short.field("new_password").is_some());
    elsewhere
        .reset_password(&reset_token, "a much better password")
        .await
        .unwrap();
    assert!(
        session.reload_user().await.is_err(),
        "signed out everywhere"
    );
    elsewhere
        .sign_in(&user.email, "a much better password")
        .await
        .unwrap();
}

#[tokio::test]
async fn a_customer_deletes_their_account_and_is_signed_out() {
    let api = Api::spawn().await;
    let session = api.signed_up(SignupRole::Customer, "Robin").await;
    let email = session.user().unwrap().email;
    let mut signed_in = session.watch_signed_in();

    let wrong = session.delete_account("not my password").await.unwrap_err();
    assert!(wrong.field("current_password").is_some());
    assert!(session.user().is_some(), "still signed in");

    session.delete_account(support::PASSWORD).await.unwrap();
    assert!(session.user().is_none());
    signed_in.changed().await.unwrap();
    assert!(!*signed_in.borrow());
    assert!(
        api.session()
            .sign_in(&email, support::PASSWORD)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_account_page_renames_confirms_a_phone_lists_devices_and_hands_over_the_data() {
    use porchlight_app::state::account::{AccountAction, AccountView, run};

    let api = Api::spawn().await;
    let session = api.signed_up(SignupRole::Customer, "Robin").await;
    let view = AccountView::load(&session).await.unwrap();
    assert_eq!(view.sessions.len(), 1);
    assert!(view.sessions[0].current);
    assert_eq!(
        porchlight_app::state::account::device_label(view.sessions[0].user_agent.as_deref()),
        "Porchlight app on a computer"
    );

    run(&session, AccountAction::Rename(" Robin Quay ".into()))
        .await
        .unwrap();
    // A number typed with spaces; the code as the text message carries it.
    run(&session, AccountAction::SetPhone("+1 416 555 0142".into()))
        .await
        .unwrap();
    let view = AccountView::load(&session).await.unwrap();
    assert_eq!(view.user.name, "Robin Quay");
    assert_eq!(
        (view.user.phone.as_deref(), view.user.phone_verified),
        (Some("+14165550142"), false)
    );
    let code = api.phone_code(&view.user.id).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let refused = run(&session, AccountAction::ConfirmPhone(wrong.into())).await;
    assert!(refused.unwrap_err().field("code").is_some());
    run(&session, AccountAction::ConfirmPhone(code))
        .await
        .unwrap();
    assert!(
        AccountView::load(&session)
            .await
            .unwrap()
            .user
            .phone_verified
    );

    let file = run(&session, AccountAction::Download)
        .await
        .unwrap()
        .expect("a file");
    let today = api.now().format("%Y-%m-%d");
    assert_eq!(file.name, format!("porchlight-data-{today}.json"));
    let encoded = file
        .href
        .strip_prefix("data:application/json;base64,")
        .unwrap();
    let json = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).unwrap();
    let archive: shared_types::account::DataArchive = serde_json::from_slice(&json).unwrap();
    assert_eq!(archive.account.name, "Robin Quay");

    // An app the person allowed is listed with what it may do, and is gone once disconnected.
    assert!(view.connected_apps.is_empty());
    let developer = api.signed_up(SignupRole::Partner, "Dev").await;
    let registered = developer
        .call(|c| async move {
            c.register_oauth_app(&shared_types::oauth::OAuthAppInput {
                name: "Acme CRM".into(),
                redirect_uris: vec!["https://crm.example.com/cb".into()],
                logo_url: None,
                scopes: vec![shared_types::auth::Scope::RequestsRead],
                confidential: true,
            })
            .await
        })
        .await
        .unwrap();
    api.connect_app(&registered.app.id, &view.user.id).await;
    let view = AccountView::load(&session).await.unwrap();
    assert_eq!(view.connected_apps.len(), 1);
    assert_eq!(view.connected_apps[0].app_name, "Acme CRM");
    run(
        &session,
        AccountAction::Disconnect(view.connected_apps[0].id.clone()),
    )
    .await
    .unwrap();
    assert!(
        AccountView::load(&session)
            .await
            .unwrap()
            .connected_apps
            .is_empty()
    );

    let not_it = run(&session, AccountAction::EndEverywhere("not it".into())).await;
    assert!(not_it.unwrap_err().field("current_password").is_some());
    run(
        &session,
        AccountAction::EndEverywhere(support::PASSWORD.into()),
    )
    .await
    .unwrap();
    assert!(session.user().is_none());
}

#[tokio::test]
async fn a_customer_and_a_pro_talk_before_and_after_the_hire() {
    use porchlight_app::state::conversations;
    use shared_types::conversations::ConversationStage;

    let api = Api::spawn().await;
    let pro = api.signed_up(SignupRole::Partner, "Pat Pro").await;
    onboard(&pro, "Sparkle Cleaning").await;
    let pro_id = partner::my_profile(&pro).await.unwrap().unwrap().id;
    let customer = api.signed_up(SignupRole::Customer, "Robin Customer").await;
    let request = request_form(&api, Some(pro_id))
        .submit(&customer)
        .await
        .unwrap();

    // The customer writes first from the request; contact details stay hidden before the hire.
    let id = conversations::open_for_request(&customer, &request.id)
        .await
        .unwrap();
    let sent = conversations::send(
        &customer,
        &id,
        "Can you bring a ladder? Call 416 555 0199",
        Vec::new(),
    )
    .await
    .unwrap();
    assert!(sent.masked && sent.note.is_some());
    assert_eq!(conversations::unread(&pro).await.unwrap().messages, 1);
    let listed = conversations::list(&pro).await.unwrap();
    assert_eq!(
        conversations::other_side(&listed[0], true),
        "A customer in Toronto"
    );
    assert_eq!(
        conversations::preview(&listed[0]),
        "Can you bring a ladder? Call [contact details hidden]"
    );

    // Opening it reads it; the customer then sees the receipt under their message.
    let thread = conversations::load_thread(&pro, &id).await.unwrap();
    assert_eq!(thread.conversation.unread, 0);
    assert_eq!(conversations::unread(&pro).await.unwrap().messages, 0);
    assert!(conversations::standing_note(&thread.conversation, true).is_some());
    let theirs = conversations::load_thread(&customer, &id).await.unwrap();
    assert!(conversations::seen(
        &theirs.conversation,
        &theirs.entries,
        false
    ));

    // Hired: the job's conversation is the same one, unmasked.
    let lead = LeadInbox::load(&pro)
        .await
        .unwrap()
        .waiting
        .into_iter()
        .find(|lead| lead.request_id == request.id)
        .unwrap();
    let LeadOutcome::Assigned { job_id } = partner::confirm_lead(&pro, &lead.id).await.unwrap()
    else {
        panic!("the pro takes the job");
    };
    assert_eq!(
        conversations::open_for_job(&pro, &job_id).await.unwrap(),
        id
    );
    let reply = conversations::send(&pro, &id, "Yes. My cell is 416 555 0123.", Vec::new())
        .await
        .unwrap();
    assert!(!reply.masked);
    let thread = conversations::load_thread(&customer, &id).await.unwrap();
    assert_eq!(thread.conversation.stage, ConversationStage::Hired);
    assert_eq!(
        conversations::standing_note(&thread.conversation, false),
        None
    );
    assert_eq!(
        thread.entries.last().map(|entry| entry.body.as_str()),
        Some("Yes. My cell is 416 555 0123.")
    );
    assert!(
        thread.entries.iter().any(|entry| entry.event.is_some()),
        "the hire is on the timeline"
    );
    let blank = conversations::send(&customer, &id, "   ", Vec::new())
        .await
        .unwrap_err();
    assert_eq!(blank.code(), Some(ErrorCode::ValidationFailed));

    // A photo from the phone's library: uploaded as picked, sent with no words, shown to the
    // pro through its link.
    let picked = porchlight_app::state::photos::Picked {
        bytes: include_bytes!("../../scripts/screenshots/ceiling.jpg").to_vec(),
        content_type: "image/jpeg".into(),
    };
    let photo = porchlight_app::state::photos::upload(&customer, picked)
        .await
        .unwrap();
    assert_eq!((photo.width, photo.height), (800, 600));
    let sent = conversations::send(&customer, &id, "", vec![photo.id.clone()])
        .await
        .unwrap();
    assert_eq!(sent.photos.len(), 1);
    let thread = conversations::load_thread(&pro, &id).await.unwrap();
    let shown = &thread.entries.last().unwrap().photos[0];
    assert_eq!(shown.id, photo.id);
    let image = reqwest::get(&shown.thumbnail_url).await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(
        image.headers()["content-type"].to_str().unwrap(),
        "image/jpeg"
    );
}

#[tokio::test]
async fn a_pro_shows_past_work_on_their_profile() {
    let api = Api::spawn().await;
    let pro = api.signed_up(SignupRole::Partner, "Pat Pro").await;
    onboard(&pro, "Sparkle Cleaning").await;
    assert!(partner::my_portfolio(&pro).await.unwrap().is_empty());

    let picked = porchlight_app::state::photos::Picked {
        bytes: include_bytes!("../../scripts/screenshots/ceiling.jpg").to_vec(),
        content_type: "image/jpeg".into(),
    };
    let photo = porchlight_app::state::photos::upload(&pro, picked)
        .await
        .unwrap();
    partner::add_to_portfolio(&pro, &photo.id, "  A stippled ceiling, repainted  ")
        .await
        .unwrap();
    let shown = partner::my_portfolio(&pro).await.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shown[0].caption.as_deref(),
        Some("A stippled ceiling, repainted")
    );
    // Customers see the same on the pro's profile.
    let customer = api.signed_up(SignupRole::Customer, "Casey Customer").await;
    let pro_id = pro.user().unwrap().id;
    let profile = ProProfile::load(&customer, &pro_id).await.unwrap();
    assert_eq!(profile.portfolio, shown);

    partner::remove_from_portfolio(&pro, &photo.id)
        .await
        .unwrap();
    assert!(partner::my_portfolio(&pro).await.unwrap().is_empty());
    let again = partner::add_to_portfolio(&pro, &photo.id, "")
        .await
        .unwrap_err();
    assert_eq!(
        again.code(),
        Some(ErrorCode::ValidationFailed),
        "a removed photo is gone"
    );
}
