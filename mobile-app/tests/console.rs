//! The staff console's view-models against the real API (in process, SQLite): a staff member's
//! day, each task through the calls its screen makes.

mod support;

use std::future::Future;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Duration;
use porchlight_app::state::partner::{self, LeadInbox, WalletView};
use porchlight_app::state::staff::{
    self, CategoryForm, Decision, MoneyDesk, PartnerFile, RecordFilters, Records, WatchAction,
    confirm_result, load_applications, load_assignments,
};
use porchlight_app::state::statement::statement_text;
use porchlight_app::state::{Session, format};
use shared_types::ErrorCode;
use shared_types::admin::QueueKind;
use shared_types::auth::Role;
use shared_types::jobs::{ConfirmResult, DisputeInput, DisputeOutcome, JobStatus};
use shared_types::partners::MembershipTier;
use shared_types::ratings::{MonitoringStatus, RatingInput};
use shared_types::requests::OfferStatus;
use shared_types::wallet::{PayoutMark, PayoutStatus};
use support::{Api, apply_to, completed_job, paid_job, plumbers_and_a_customer, request_form};

/// How many of one kind of work the console's home shows.
async fn waiting(staff: &Session, kind: QueueKind) -> i64 {
    staff::load_queue(staff)
        .await
        .expect("the queue loads")
        .of(kind)
        .expect("every kind is listed")
        .count
}

#[tokio::test]
async fn a_staff_day_assign_confirm_decide_and_watch() {
    let api = Api::spawn().await;
    let staff = api.staff_session("Sam Staff").await;
    assert_eq!(staff.role(), Some(Role::Staff));
    for kind in QueueKind::known() {
        assert_eq!(waiting(&staff, kind).await, 0, "{kind}: a quiet start");
    }

    let (first, second, customer) = plumbers_and_a_customer(&api).await;

    // --- assignments: a plumbing request (staff choose), both pros apply ---
    let mut form = request_form(&api, None);
    form.category = "plumbing".into();
    form.description = "Kitchen sink drains slowly, trap may need replacing.".into();
    let request = form.submit(&customer).await.unwrap();
    for (pro, quote) in [(&first, "320"), (&second, "280.00")] {
        apply_to(pro, &request.id, "Can replace the trap today", quote).await;
    }
    assert_eq!(waiting(&staff, QueueKind::Assignments).await, 1);
    let cases = load_assignments(&staff).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].request_id, request.id);
    assert_eq!(cases[0].applications, 2);
    let applications = load_applications(&staff, &request.id).await.unwrap();
    assert_eq!(
        applications
            .iter()
            .map(|a| a.partner.business_name.as_str())
            .collect::<Vec<_>>(),
        ["Drain Doctors", "Fixit Plumbing"],
        "the cheaper quote first"
    );
    let assignment = staff::assign(&staff, &request.id, &applications[0].offer_id)
        .await
        .unwrap();
    assert_eq!(assignment.price.amount_cents, 28_000);
    assert!(load_assignments(&staff).await.unwrap().is_empty());
    assert_eq!(waiting(&staff, QueueKind::Assignments).await, 0);
    let told = LeadInbox::load(&first).await.unwrap();
    assert!(
        told.answered
            .iter()
            .any(|lead| lead.request_id == request.id && lead.status == OfferStatus::Taken),
        "the other applicant sees the lead taken"
    );

    // --- three cleaning jobs done by the first pro, a day apart; the customer disputes the last ---
    let mut jobs = Vec::new();
    for _ in 0..3 {
        jobs.push(completed_job(&api, &customer, &first).await);
    }
    let disputed = &jobs[2];
    customer
        .call(|c| async move {
            let reason = DisputeInput {
                reason: "The oven and the windows were not cleaned".into(),
                photo_ids: Vec::new(),
            };
            c.dispute_job(&disputed.id, &reason).await
        })
        .await
        .unwrap();
    // Both sides rate each job (so the ratings are published); the pro rates the customer
    // poorly three times, and the customer joins the watch list.
    for job in &jobs {
        for (rater, stars, comment) in [
            (&first, 2, "Rude and kept changing the scope"),
            (&customer, 4, "Good work"),
        ] {
            rater
                .call(|c| async move {
                    let rating = RatingInput {
                        stars,
                        comment: comment.into(),
                        tags: vec![],
                    };
                    c.rate_job(&job.id, &rating).await
                })
                .await
                .unwrap();
        }
    }

    // --- confirmations: after the review window, select both undisputed jobs ---
    api.travel(Duration::hours(25));
    let ready = staff::jobs_to_confirm(&staff).await.unwrap();
    let mut ready_ids: Vec<String> = ready.iter().map(|job| job.id.clone()).collect();
    ready_ids.sort();
    let mut expected = vec![jobs[0].id.clone(), jobs[1].id.clone()];
    expected.sort();
    assert_eq!(ready_ids, expected, "the disputed job is not ready");
    assert_eq!(waiting(&staff, QueueKind::Confirmations).await, 2);
    let mut selected = ready_ids.clone();
    selected.push(disputed.id.clone());
    let outcomes = staff::confirm_jobs(&staff, &selected).await.unwrap();
    let results: Vec<ConfirmResult> = outcomes.iter().map(|o| o.result).collect();
    assert_eq!(
        results,
        [
            ConfirmResult::Confirmed,
            ConfirmResult::Confirmed,
            ConfirmResult::Disputed
        ]
    );
    assert!(!confirm_result(ConfirmResult::Disputed).1);
    assert!(staff::jobs_to_confirm(&staff).await.unwrap().is_empty());

    // --- the dispute: read the case, preview, refuse bad input, decide ---
    let open = staff::open_disputes(&staff).await.unwrap();
    assert_eq!(open.len(), 1);
    let case = staff::load_case(&staff, &disputed.id).await.unwrap();
    assert_eq!(case.customer_name, "Casey Customer");
    assert_eq!(case.held, case.job.price);
    assert!(case.agreement.is_some());
    let mut decision = Decision {
        outcome: DisputeOutcome::Partial,
        refund: "all of it".into(),
        note: String::new(),
    };
    assert!(
        decision
            .preview(&case)
            .unwrap_err()
            .field("refund")
            .is_some()
    );
    decision.refund = format!("{}", case.held.amount_cents / 100 + 1);
    assert!(
        decision
            .preview(&case)
            .unwrap_err()
            .field("refund")
            .is_some(),
        "more than is at stake"
    );
    decision.refund = "50".into();
    let split = decision.preview(&case).unwrap();
    assert_eq!(split.refund_cents, 5_000);
    assert!(
        decision
            .to_input(&case)
            .unwrap_err()
            .field("note")
            .is_some()
    );
    decision.note = "Photos show the windows were skipped; half the oven fee back".into();
    let before = WalletView::load(&first).await.unwrap();
    let available = |view: &WalletView| {
        view.wallet
            .balances
            .first()
            .map_or(0, |b| b.available.amount_cents)
    };
    let resolved = staff::resolve(&staff, &disputed.id, &decision.to_input(&case).unwrap())
        .await
        .unwrap();
    assert_eq!(resolved.status, JobStatus::Confirmed);
    let after = WalletView::load(&first).await.unwrap();
    assert_eq!(
        available(&after) - available(&before),
        split.partner_cents,
        "the pro got what the preview said"
    );
    let decided = staff::load_case(&staff, &disputed.id).await.unwrap();
    assert_eq!(decided.held.amount_cents, 0);
    assert_eq!(waiting(&staff, QueueKind::Disputes).await, 0);

    // --- monitoring: the customer is watched; a note, a suspension, a reinstatement ---
    let customer_id = customer.user().unwrap().id;
    let watched = staff::watch_list(&staff, MonitoringStatus::Watching)
        .await
        .unwrap();
    assert_eq!(watched.len(), 1);
    assert_eq!(watched[0].entry.user_id, customer_id);
    assert_eq!(
        watched[0]
            .ratings
            .iter()
            .map(|rating| rating.stars)
            .collect::<Vec<_>>(),
        [2, 2, 2],
        "the ratings that put them there"
    );
    assert_eq!(waiting(&staff, QueueKind::Monitoring).await, 1);
    let blank = staff::act_on_watched(&staff, &customer_id, WatchAction::Note, "  ")
        .await
        .unwrap_err();
    assert!(blank.field("note").is_some(), "a note is required");
    staff::act_on_watched(
        &staff,
        &customer_id,
        WatchAction::Note,
        "Called them: the pro asked for extra work",
    )
    .await
    .unwrap();
    let suspended = staff::act_on_watched(
        &staff,
        &customer_id,
        WatchAction::Suspend,
        "Third complaint this month",
    )
    .await
    .unwrap();
    assert_eq!(suspended.status, MonitoringStatus::Suspended);
    assert_eq!(
        WatchAction::available(suspended.status),
        [WatchAction::Note, WatchAction::Reinstate]
    );
    assert_eq!(
        customer.reload_user().await.unwrap_err().code(),
        Some(ErrorCode::AccountSuspended),
        "a suspended customer is told why they are out"
    );
    assert_eq!(waiting(&staff, QueueKind::Monitoring).await, 0);
    let reinstated = staff::act_on_watched(
        &staff,
        &customer_id,
        WatchAction::Reinstate,
        "Apologised to the pro",
    )
    .await
    .unwrap();
    assert_eq!(
        reinstated.status,
        MonitoringStatus::Watching,
        "back on the watch list: the ratings have not changed"
    );
    assert_eq!(waiting(&staff, QueueKind::Monitoring).await, 1);
    let history: Vec<&str> = reinstated
        .history
        .iter()
        .map(|event| event.action.as_str())
        .collect();
    assert_eq!(history.first(), Some(&"flagged"));
    assert!(history.contains(&"note") && history.contains(&"suspended"));
}

/// Polls `check` for up to ten seconds (the refund worker runs on its own).
async fn within_seconds<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..100 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("not within ten seconds");
}

#[tokio::test]
async fn a_staff_week_partners_catalogue_payouts_money_and_records() {
    let api = Api::spawn().await;
    let staff = api.staff_session("Sam Staff").await;
    let (fixit, drains, customer) = plumbers_and_a_customer(&api).await;
    let fixit_id = fixit.user().unwrap().id;

    // Two jobs done and confirmed for Fixit; Drains cancels a job paid with a card that is closed
    // by then, so its refund is refused.
    let mut done = Vec::new();
    for _ in 0..2 {
        done.push(completed_job(&api, &customer, &fixit).await.id);
    }
    let (dropped, _) = paid_job(&api, &customer, &drains, "tok_refund_fails").await;
    drains
        .call(|c| {
            let id = dropped.clone();
            async move { c.cancel_job(&id, "Van broke down").await }
        })
        .await
        .unwrap();
    api.travel(Duration::hours(25));
    staff::confirm_jobs(&staff, &done).await.unwrap();

    // --- money: the refused refund, sent again with a note; the books balance ---
    let desk = within_seconds(|| async {
        let desk = MoneyDesk::load(&staff).await.unwrap();
        (!desk.failed_refunds.is_empty()).then_some(desk)
    })
    .await;
    assert!(desk.ledger.balanced);
    assert_eq!(waiting(&staff, QueueKind::FailedRefunds).await, 1);
    let refused = desk.failed_refunds[0].clone();
    let blank = staff::retry_refund(&staff, &refused, " ")
        .await
        .unwrap_err();
    assert!(blank.field("note").is_some());
    staff::retry_refund(&staff, &refused, "The bank reopened the card")
        .await
        .unwrap();
    within_seconds(|| async {
        let desk = MoneyDesk::load(&staff).await.unwrap();
        desk.failed_refunds.is_empty().then_some(())
    })
    .await;

    // --- partners: found by name or email; the file; a tier change needs a reason ---
    let found = staff::find_partners(&staff, "fixit", None).await.unwrap();
    assert_eq!(found.len(), 1);
    let email = found[0].email.clone();
    let by_email = staff::find_partners(&staff, &email.to_uppercase(), None)
        .await
        .unwrap();
    assert_eq!(by_email.len(), 1);
    let file = PartnerFile::load(&staff, &fixit_id).await.unwrap();
    assert_eq!(file.jobs.len(), 2);
    assert_eq!(
        file.wallet.balances[0].available.amount_cents,
        2 * (14_900 - 2_235),
        "both confirmed jobs are available"
    );
    assert!(!file.entries.is_empty());
    let no_reason = staff::update_partner(&staff, &fixit_id, Some(MembershipTier::Basic), None, "")
        .await
        .unwrap_err();
    assert!(no_reason.field("reason").is_some());
    let moved = staff::update_partner(
        &staff,
        &fixit_id,
        Some(MembershipTier::Basic),
        None,
        "Membership lapsed",
    )
    .await
    .unwrap();
    assert_eq!(moved.tier, MembershipTier::Basic);

    // --- the catalogue: a new list price; a new category, refused until its slug is right ---
    let categories = staff::catalogue(&staff).await.unwrap();
    let cleaning = categories.iter().find(|c| c.slug == "cleaning").unwrap();
    let mut form = CategoryForm::from_category(cleaning);
    assert!(!form.review);
    form.list_price = "159.00".into();
    let repriced = staff::save_category(&staff, Some(&cleaning.id), &form)
        .await
        .unwrap();
    assert_eq!(repriced.list_price.unwrap().amount_cents, 15_900);
    let mut new = CategoryForm {
        name: "Window cleaning".into(),
        slug: "Window Cleaning".into(),
        list_price: "99".into(),
        active: true,
        ..CategoryForm::default()
    };
    let refused = staff::save_category(&staff, None, &new).await.unwrap_err();
    assert!(refused.field("slug").is_some(), "{refused:?}");
    new.slug = "window-cleaning".into();
    let created = staff::save_category(&staff, None, &new).await.unwrap();
    assert_eq!(created.list_price.unwrap().amount_cents, 9_900);
    assert_eq!(
        staff::catalogue(&staff).await.unwrap().len(),
        categories.len() + 1
    );

    // --- payouts: run, read the statement, export the run, mark sent then cleared ---
    let run = staff::run_payouts(&staff).await.unwrap();
    assert_eq!(run.created, 1);
    assert_eq!(waiting(&staff, QueueKind::PayoutsToSend).await, 1);
    let pending = staff::payouts(&staff, Some(PayoutStatus::Pending))
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    let payout = pending[0].clone();
    assert_eq!(payout.payee, "Fixit Plumbing");
    let statement = staff::statement(&staff, &payout.id).await.unwrap();
    let lines: i64 = statement
        .entries
        .iter()
        .map(|entry| entry.amount.amount_cents)
        .sum();
    assert_eq!(lines, payout.amount.amount_cents);
    let text = statement_text(&statement, chrono_tz::Tz::UTC);
    assert!(text.contains("Payee: Fixit Plumbing"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("Total paid: {}", format::money(&payout.amount)))
    );
    assert_eq!(
        partner::payout_statement(&fixit, &payout.id).await.unwrap(),
        statement,
        "the pro downloads the same statement"
    );
    let csv = staff::export_run(&staff, &payout.period, Some(PayoutStatus::Pending))
        .await
        .unwrap();
    assert_eq!(csv.name, format!("payouts-{}-pending.csv", payout.period));
    let body = csv.href.strip_prefix("data:text/csv;base64,").unwrap();
    let body = String::from_utf8(BASE64.decode(body).unwrap()).unwrap();
    assert_eq!(body.lines().count(), 2);
    assert!(body.contains(",Fixit Plumbing,cheque,"), "{body}");
    let sent = staff::mark_payout(&staff, &payout.id, PayoutMark::Sent)
        .await
        .unwrap();
    assert_eq!(sent.status, PayoutStatus::Sent);
    assert_eq!(
        staff::mark_payout(&staff, &payout.id, PayoutMark::Sent)
            .await
            .unwrap(),
        sent,
        "a second press sends nothing new"
    );
    staff::mark_payout(&staff, &payout.id, PayoutMark::Cleared)
        .await
        .unwrap();
    assert_eq!(waiting(&staff, QueueKind::PayoutsToSend).await, 0);

    // --- records: what staff did, filtered ---
    let payout_changes = Records::load(
        &staff,
        &RecordFilters {
            action: "payout.".into(),
            ..RecordFilters::default()
        },
    )
    .await
    .unwrap();
    let mut actions: Vec<&str> = payout_changes
        .audit
        .iter()
        .map(|entry| entry.action.as_str())
        .collect();
    actions.sort_unstable();
    assert_eq!(actions, ["payout.cleared", "payout.sent"]);
    let about_fixit = Records::load(
        &staff,
        &RecordFilters {
            subject: fixit_id.clone(),
            ..RecordFilters::default()
        },
    )
    .await
    .unwrap();
    assert!(
        about_fixit
            .audit
            .iter()
            .any(|entry| entry.reason.as_deref() == Some("Membership lapsed"))
    );
    assert!(about_fixit.failed_deliveries.is_empty());
}
