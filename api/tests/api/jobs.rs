//! Jobs over HTTP: agreeing a date, the service agreement, start and completion, the review
//! window, disputes, staff confirmation, cancellations and their penalties, rematching, and
//! races between transitions. Time moves with the service's clock, never by sleeping.

use chrono::{DateTime, Duration, Utc};
use shared_types::admin::QueueKind;
use shared_types::jobs::{
    AdminJobFilter, CompleteInput, ConfirmResult, DisputeInput, DisputeOutcome, Job, JobEventKind,
    JobFilter, JobStatus, Party, PenaltyFilter, ProposalInput, ProposalStatus, ResolveDisputeInput,
    ReviewWindow, SignAgreementInput,
};
use shared_types::partners::{
    MembershipTier, Money, PartnerAdminUpdate, PartnerProfileInput, ServiceAreaInput,
};
use shared_types::requests::{
    AddressInput, Lead, LeadFilter, RematchInput, RequestStatus, ServiceRequestInput, TimeWindow,
};
use shared_types::wallet::PaymentInput;
use shared_types::{Client, ClientError, ErrorCode, PageParams};

use crate::harness::{TestApp, every_day};

/// The cleaning category's list price (an instant category, seeded).
const CLEANING_PRICE: i64 = 14_900;

/// A customer, a pro who works 08:00-20:00 UTC every day, and staff.
/// A customer, a pro who cleans in Toronto, and staff, on one app.
pub struct Cast {
    pub app: TestApp,
    pub customer: Client,
    pub partner: Client,
    pub partner_id: String,
    pub staff: Client,
}

/// A cleaning request in central Toronto for 10:00-13:00 UTC two days ahead, to one pro or (without
/// `partner_id`) to the marketplace.
pub fn cleaning_request(partner_id: Option<&str>) -> ServiceRequestInput {
    let start = (Utc::now().date_naive() + Duration::days(2))
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    ServiceRequestInput {
        category: "cleaning".into(),
        description: "Deep clean of a two-bedroom flat".into(),
        address: AddressInput {
            street: "100 Queen St W".into(),
            city: "Toronto".into(),
            postal_code: "M5H 2N2".into(),
            country: "CA".into(),
            lat: Some(43.6534),
            lon: Some(-79.3841),
        },
        windows: vec![TimeWindow {
            start,
            end: start + Duration::hours(3),
        }],
        budget: None,
        photo_urls: vec![],
        contact_phone: Some("+14165550199".into()),
        partner_id: partner_id.map(str::to_owned),
        time_zone: None,
        photo_ids: Vec::new(),
    }
}

/// A pro serving cleaning around Toronto, on the brand builder tier (so marketplace leads reach
/// them too).
pub async fn pro(app: &TestApp, staff: &Client) -> (String, Client) {
    let (user, client) = app.partner().await;
    let profile = PartnerProfileInput {
        business_name: format!("Sparkle {}", &user.id[..8]),
        description: String::new(),
        phone: None,
        website: None,
        categories: vec!["cleaning".into()],
        service_area: ServiceAreaInput::at("Toronto", 43.65, -79.38, 30.0),
        accepting_leads: true,
    };
    client.put_my_partner_profile(&profile).await.unwrap();
    client
        .put_my_availability(&every_day("UTC", "08:00", "20:00"))
        .await
        .unwrap();
    let update = PartnerAdminUpdate {
        status: None,
        tier: Some(MembershipTier::BrandBuilder),
        reason: "test set-up".into(),
    };
    staff.admin_update_partner(&user.id, &update).await.unwrap();
    (user.id, client)
}

/// The pro's lead for `request_id` (it must have one).
pub async fn lead_for(pro: &Client, request_id: &str) -> Lead {
    pro.leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|lead| lead.request_id == request_id)
        .expect("the pro has a lead for this request")
}

impl Cast {
    pub async fn new() -> Self {
        Self::with_settings(&[]).await
    }

    /// The same cast on a service started with extra settings.
    pub async fn with_settings(overrides: &[(&str, &str)]) -> Self {
        Self::on(TestApp::spawn_with(overrides).await).await
    }

    /// The cast on a service already started.
    pub async fn on(app: TestApp) -> Self {
        let (_, staff) = app.staff().await;
        let (_, customer) = app.customer().await;
        let (partner_id, partner) = pro(&app, &staff).await;
        Self {
            app,
            customer,
            partner,
            partner_id,
            staff,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.app.state.clock.now().and_utc()
    }

    /// Moves the service's clock to `instant`.
    pub fn travel_to(&self, instant: DateTime<Utc>) {
        let by = instant - self.now();
        assert!(by > Duration::zero(), "the clock only moves forward");
        self.app.state.clock.advance(by);
    }

    /// Two hours from `hour`:00 UTC, `days` days after the clock's today.
    pub fn slot(&self, days: i64, hour: u32) -> TimeWindow {
        let day = self.now().date_naive() + Duration::days(days);
        let start = day.and_hms_opt(hour, 0, 0).unwrap().and_utc();
        TimeWindow {
            start,
            end: start + Duration::hours(2),
        }
    }

    /// A new job: the customer asks the pro for a quote, the pro confirms.
    pub async fn job(&self) -> Job {
        let request = self
            .customer
            .create_request(&cleaning_request(Some(&self.partner_id)))
            .await
            .unwrap();
        let offer = lead_for(&self.partner, &request.id).await;
        let assignment = self.partner.confirm_lead(&offer.id).await.unwrap();
        self.customer.job(&assignment.job_id).await.unwrap()
    }

    /// The pro proposes `slot`, the customer accepts it.
    pub async fn schedule(&self, job: &Job, slot: TimeWindow) -> Job {
        let proposal = self
            .partner
            .propose_slots(&job.id, &ProposalInput { slots: vec![slot] })
            .await
            .unwrap();
        self.customer
            .accept_proposal(&job.id, &proposal.id, 0)
            .await
            .unwrap()
    }

    pub async fn sign(&self, job: &Job) {
        let agreement = self.customer.agreement(&job.id).await.unwrap();
        self.customer
            .sign_agreement(
                &job.id,
                &SignAgreementInput {
                    version: agreement.version,
                    text_sha256: agreement.text_sha256,
                    typed_name: "Casey Customer".into(),
                },
            )
            .await
            .unwrap();
    }

    /// The customer pays the job's price with the sandbox's good test card.
    pub async fn pay(&self, job: &Job) {
        self.customer
            .pay_job(
                &job.id,
                &PaymentInput {
                    card_token: "tok_visa".into(),
                },
                &format!("pay-{}", job.id),
            )
            .await
            .unwrap();
    }

    /// A job scheduled `days` ahead at 10:00, signed, paid, started and completed now.
    pub async fn completed_job(&self, days: i64) -> Job {
        let job = self.job().await;
        let slot = self.slot(days, 10);
        self.schedule(&job, slot).await;
        self.sign(&job).await;
        self.pay(&job).await;
        self.travel_to(slot.start - Duration::minutes(30));
        self.partner.start_job(&job.id).await.unwrap();
        self.partner
            .complete_job(&job.id, &done("Cleaned every room"))
            .await
            .unwrap()
    }

    async fn timeline(&self, job: &Job) -> Vec<JobEventKind> {
        let events = self.customer.job_events(&job.id).await.unwrap();
        events.into_iter().map(|event| event.kind).collect()
    }

    pub async fn notified(&self, recipient: &str, kind: &str) -> i64 {
        self.app
            .count(&format!(
                "outbox WHERE recipient_id = '{recipient}' AND kind = '{kind}'"
            ))
            .await
    }
}

fn done(summary: &str) -> CompleteInput {
    CompleteInput {
        summary: summary.into(),
        photo_urls: vec!["https://photos.example.com/after.jpg".into()],
        photo_ids: Vec::new(),
    }
}

fn dispute(reason: &str) -> DisputeInput {
    DisputeInput {
        reason: reason.into(),
        photo_ids: Vec::new(),
    }
}

fn code(result: Result<impl std::fmt::Debug, ClientError>) -> Option<ErrorCode> {
    result.expect_err("expected an error").code()
}

fn cad(amount_cents: i64) -> Money {
    Money {
        amount_cents,
        currency: "CAD".into(),
    }
}

#[tokio::test]
async fn from_assignment_to_staff_confirmation() {
    let cast = Cast::new().await;
    let job = cast.job().await;
    assert_eq!(job.status, JobStatus::Assigned);
    assert_eq!(job.price, cad(CLEANING_PRICE));
    let customer_id = job.customer_id.clone();
    for side in [&cast.customer, &cast.partner] {
        let mine = side
            .jobs(&JobFilter::default(), &PageParams::default())
            .await
            .unwrap();
        assert_eq!(mine.items.len(), 1);
        assert_eq!(mine.items[0].id, job.id);
    }

    // Agreeing a date: the pro offers two slots, the customer counters with one, the pro takes it.
    let first = cast
        .partner
        .propose_slots(
            &job.id,
            &ProposalInput {
                slots: vec![cast.slot(3, 9), cast.slot(4, 14)],
            },
        )
        .await
        .unwrap();
    assert_eq!(first.proposed_by, Party::Partner);
    let counter_slot = cast.slot(2, 15);
    let counter = cast
        .customer
        .propose_slots(
            &job.id,
            &ProposalInput {
                slots: vec![counter_slot],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        code(cast.customer.accept_proposal(&job.id, &first.id, 0).await),
        Some(ErrorCode::InvalidTransition),
        "a superseded proposal cannot be accepted"
    );
    assert_eq!(
        code(cast.customer.accept_proposal(&job.id, &counter.id, 0).await),
        Some(ErrorCode::Forbidden),
        "nobody accepts their own proposal"
    );
    let scheduled = cast
        .partner
        .accept_proposal(&job.id, &counter.id, 0)
        .await
        .unwrap();
    assert_eq!(scheduled.status, JobStatus::Scheduled);
    assert_eq!(scheduled.scheduled, Some(counter_slot));
    assert!(scheduled.open_proposal.is_none());

    // Rescheduling goes through the same flow.
    let later = cast.slot(5, 11);
    let proposal = cast
        .customer
        .propose_slots(&job.id, &ProposalInput { slots: vec![later] })
        .await
        .unwrap();
    let open = cast.partner.job(&job.id).await.unwrap().open_proposal;
    assert_eq!(
        open.map(|p| (p.id, p.status)),
        Some((proposal.id.clone(), ProposalStatus::Open))
    );
    let rescheduled = cast
        .partner
        .accept_proposal(&job.id, &proposal.id, 0)
        .await
        .unwrap();
    assert_eq!(rescheduled.scheduled, Some(later));

    // The agreement: unsigned, the pro cannot start; a stale hash or version is refused.
    assert_eq!(
        code(cast.partner.start_job(&job.id).await),
        Some(ErrorCode::AgreementUnsigned)
    );
    let agreement = cast.partner.agreement(&job.id).await.unwrap();
    // It names the job by a short reference, never by its raw id.
    let tail = job.id.replace('-', "");
    let reference = format!("PL-{}", tail[tail.len() - 8..].to_uppercase());
    assert!(
        agreement
            .text
            .contains(&format!("Reference: {reference}\n")),
        "{}",
        agreement.text
    );
    assert!(!agreement.text.contains(&job.id));
    assert_eq!(agreement.version, 2);
    assert!(agreement.text.contains("149.00 CAD"));
    assert!(agreement.signature.is_none());
    let mut stale = SignAgreementInput {
        version: agreement.version,
        text_sha256: agreement.text_sha256.to_uppercase(),
        typed_name: "Casey Customer".into(),
    };
    assert_eq!(
        code(cast.customer.sign_agreement(&job.id, &stale).await),
        Some(ErrorCode::ValidationFailed),
        "the hash is lower-case hex, as the agreement gives it"
    );
    stale.text_sha256 = "0".repeat(64);
    assert_eq!(
        code(cast.customer.sign_agreement(&job.id, &stale).await),
        Some(ErrorCode::AgreementOutdated)
    );
    stale.text_sha256.clone_from(&agreement.text_sha256);
    stale.version = agreement.version + 1;
    assert_eq!(
        code(cast.customer.sign_agreement(&job.id, &stale).await),
        Some(ErrorCode::AgreementOutdated)
    );
    cast.sign(&job).await;
    let signed = cast.partner.agreement(&job.id).await.unwrap();
    let signature = signed.signature.unwrap();
    assert_eq!(signature.typed_name, "Casey Customer");
    assert_eq!(signature.text_sha256, agreement.text_sha256);
    assert_eq!(
        cast.app
            .count(&format!(
                "agreement_signatures WHERE job_id = '{}' AND ip = '127.0.0.1'",
                job.id
            ))
            .await,
        1,
        "the signature keeps where it came from"
    );
    assert_eq!(
        code(cast.customer.sign_agreement(&job.id, &stale).await),
        Some(ErrorCode::Conflict),
        "signed once only"
    );

    // Starting: not before the customer paid, nor two hours ahead of the visit.
    cast.travel_to(later.start - Duration::hours(3));
    assert_eq!(
        code(cast.partner.start_job(&job.id).await),
        Some(ErrorCode::JobUnpaid)
    );
    cast.pay(&job).await;
    assert_eq!(
        code(cast.partner.start_job(&job.id).await),
        Some(ErrorCode::TooEarly)
    );
    cast.travel_to(later.start - Duration::hours(1));
    let started = cast.partner.start_job(&job.id).await.unwrap();
    assert_eq!(started.status, JobStatus::InProgress);

    // Completion opens the 24-hour review window.
    let completed = cast
        .partner
        .complete_job(&job.id, &done("Deep clean done, oven included"))
        .await
        .unwrap();
    assert_eq!(completed.status, JobStatus::Completed);
    let completion = completed.completion.clone().unwrap();
    assert_eq!(
        completed.review_window_ends_at,
        Some(completion.completed_at + Duration::hours(24))
    );
    let ready = AdminJobFilter {
        status: Some(JobStatus::Completed),
        review_window: Some(ReviewWindow::Closed),
        partner_id: None,
    };
    let in_window = AdminJobFilter {
        review_window: Some(ReviewWindow::Open),
        ..ready.clone()
    };
    let listed = |filter: AdminJobFilter| {
        let staff = cast.staff.clone();
        async move {
            let page = staff
                .admin_jobs(&filter, &PageParams::default())
                .await
                .unwrap();
            page.items.into_iter().map(|j| j.id).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(in_window.clone()).await, vec![job.id.clone()]);
    assert!(listed(ready.clone()).await.is_empty());
    let early = cast
        .staff
        .admin_confirm_jobs(std::slice::from_ref(&job.id))
        .await
        .unwrap();
    assert_eq!(early.results[0].result, ConfirmResult::InReviewWindow);

    // After the window, staff confirm.
    cast.travel_to(completion.completed_at + Duration::hours(25));
    assert_eq!(listed(ready).await, vec![job.id.clone()]);
    assert!(listed(in_window).await.is_empty());
    let confirmed = cast
        .staff
        .admin_confirm_jobs(std::slice::from_ref(&job.id))
        .await
        .unwrap();
    assert_eq!(confirmed.results[0].result, ConfirmResult::Confirmed);
    let job_now = cast.customer.job(&job.id).await.unwrap();
    assert_eq!(job_now.status, JobStatus::Confirmed);
    assert!(job_now.confirmed_at.is_some());

    // Both sides see the same timeline, and each step told the other side.
    let expected = vec![
        JobEventKind::Assigned,
        JobEventKind::Proposed,
        JobEventKind::Proposed,
        JobEventKind::Scheduled,
        JobEventKind::Proposed,
        JobEventKind::Rescheduled,
        JobEventKind::AgreementSigned,
        JobEventKind::Started,
        JobEventKind::Completed,
        JobEventKind::Confirmed,
    ];
    assert_eq!(cast.timeline(&job).await, expected);
    let partner_view: Vec<JobEventKind> = cast
        .partner
        .job_events(&job.id)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.kind)
        .collect();
    assert_eq!(partner_view, expected);
    assert_eq!(cast.notified(&customer_id, "job.completed").await, 1);
    assert_eq!(
        cast.notified(&cast.partner_id, "job.agreement_signed")
            .await,
        1
    );
    assert_eq!(cast.notified(&customer_id, "job.confirmed").await, 1);
    assert_eq!(cast.notified(&cast.partner_id, "job.confirmed").await, 1);
}

#[tokio::test]
async fn cancellations_follow_the_24_hour_rule() {
    let cast = Cast::new().await;
    let penalties = |user_id: String| {
        let staff = cast.staff.clone();
        async move {
            staff
                .admin_penalties(
                    &PenaltyFilter {
                        user_id: Some(user_id),
                    },
                    &PageParams::default(),
                )
                .await
                .unwrap()
                .items
        }
    };

    // Unscheduled: free for either side, and the terms say so before anyone cancels.
    let unscheduled = cast.job().await;
    let terms = cast
        .customer
        .cancellation_terms(&unscheduled.id)
        .await
        .unwrap();
    assert!(terms.cancellable);
    assert_eq!(
        (terms.notice_hours, terms.free_until, terms.fee_now),
        (24, None, None)
    );
    assert_eq!(terms.late_fee, cad(2_500), "the customer's fee");
    let pro_terms = cast
        .partner
        .cancellation_terms(&unscheduled.id)
        .await
        .unwrap();
    assert_eq!(pro_terms.late_fee, cad(5_000), "the pro's penalty");
    let cancelled = cast
        .customer
        .cancel_job(&unscheduled.id, "Found someone closer")
        .await
        .unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    let cancellation = cancelled.cancellation.unwrap();
    assert_eq!(cancellation.by, Party::Customer);
    assert!(!cancellation.late);
    assert_eq!(cancellation.penalty, None);
    let request = cast
        .customer
        .service_request(&unscheduled.request_id)
        .await
        .unwrap();
    assert_eq!(request.status, RequestStatus::Cancelled);
    assert_eq!(
        code(
            cast.customer
                .rematch_request(&unscheduled.request_id, &RematchInput::default())
                .await
        ),
        Some(ErrorCode::InvalidTransition),
        "only a request whose pro cancelled is rematched"
    );

    // Customer, more than 24 h ahead: free.
    let early = cast.job().await;
    cast.schedule(&early, cast.slot(4, 10)).await;
    let cancelled = cast.customer.cancel_job(&early.id, "Moved").await.unwrap();
    assert_eq!(cancelled.cancellation.unwrap().penalty, None);

    // Customer, inside 24 h: the customer fee, as the terms said once the date was agreed.
    let late = cast.job().await;
    let slot = cast.slot(3, 10);
    cast.schedule(&late, slot).await;
    let terms = cast.customer.cancellation_terms(&late.id).await.unwrap();
    assert_eq!(terms.free_until, Some(slot.start - Duration::hours(24)));
    assert_eq!(terms.fee_now, None, "still free days ahead");
    cast.travel_to(slot.start - Duration::hours(10));
    let terms = cast.customer.cancellation_terms(&late.id).await.unwrap();
    assert_eq!(terms.fee_now, Some(cad(2_500)));
    let cancelled = cast.customer.cancel_job(&late.id, "Sick").await.unwrap();
    let cancellation = cancelled.cancellation.unwrap();
    assert!(cancellation.late);
    assert_eq!(cancellation.penalty, terms.fee_now);
    let after = cast.customer.cancellation_terms(&late.id).await.unwrap();
    assert!(!after.cancellable);
    assert_eq!(after.fee_now, None, "nothing more to pay once cancelled");

    let customer_penalties = penalties(late.customer_id.clone()).await;
    assert_eq!(customer_penalties.len(), 1);
    assert_eq!(customer_penalties[0].job_id, late.id);
    assert_eq!(customer_penalties[0].party, Party::Customer);
    assert_eq!(customer_penalties[0].amount, cad(2_500));
    assert_eq!(customer_penalties[0].status, "pending");

    // Pro, more than 24 h ahead: free, and the customer may have the request matched again.
    let second_pro = pro(&cast.app, &cast.staff).await;
    let early = cast.job().await;
    cast.schedule(&early, cast.slot(4, 10)).await;
    let cancelled = cast
        .partner
        .cancel_job(&early.id, "Double-booked")
        .await
        .unwrap();
    assert_eq!(cancelled.cancellation.unwrap().penalty, None);
    assert_eq!(
        code(cast.partner.customer_details(&early.id).await),
        Some(ErrorCode::NotFound),
        "a pro who cancelled no longer sees the customer"
    );
    assert_eq!(
        code(cast.partner.agreement(&early.id).await),
        Some(ErrorCode::NotFound),
        "nor the agreement, which names the customer and the address"
    );
    assert!(cast.customer.agreement(&early.id).await.is_ok());
    let request = cast
        .customer
        .service_request(&early.request_id)
        .await
        .unwrap();
    assert_eq!(request.status, RequestStatus::ProCancelled);
    let new_start = cast.slot(3, 10).start;
    let rematched = cast
        .customer
        .rematch_request(
            &early.request_id,
            &RematchInput {
                windows: Some(vec![TimeWindow {
                    start: new_start,
                    end: new_start + Duration::hours(4),
                }]),
                extra_km: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(rematched.status, RequestStatus::Open);
    let offers = |client: Client| {
        let request_id = early.request_id.clone();
        async move {
            client
                .leads(&LeadFilter::default(), &PageParams::default())
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|lead| lead.request_id == request_id)
                .collect::<Vec<_>>()
        }
    };
    let new_offer = offers(second_pro.1.clone()).await;
    assert_eq!(new_offer.len(), 1, "the other pro is offered the lead");
    assert_eq!(
        offers(cast.partner.clone()).await.len(),
        1,
        "the pro who cancelled keeps only their old offer"
    );
    let assignment = second_pro.1.confirm_lead(&new_offer[0].id).await.unwrap();
    assert_ne!(
        assignment.job_id, early.id,
        "a new job for the same request"
    );
    let request = cast
        .customer
        .service_request(&early.request_id)
        .await
        .unwrap();
    assert_eq!(request.status, RequestStatus::Assigned);
    assert_eq!(request.job_id, Some(assignment.job_id));

    // Pro, inside 24 h: the pro's penalty.
    let late = cast.job().await;
    let slot = cast.slot(3, 10);
    cast.schedule(&late, slot).await;
    cast.travel_to(slot.start - Duration::hours(2));
    let cancelled = cast
        .partner
        .cancel_job(&late.id, "Van broke down")
        .await
        .unwrap();
    assert_eq!(cancelled.cancellation.unwrap().penalty, Some(cad(5_000)));
    let partner_penalties = penalties(cast.partner_id.clone()).await;
    assert_eq!(
        partner_penalties.len(),
        1,
        "only the late cancellation counts"
    );
    assert_eq!(partner_penalties[0].party, Party::Partner);
    assert_eq!(partner_penalties[0].amount, cad(5_000));
    assert_eq!(
        cast.notified(&late.customer_id, "job.cancelled").await,
        2,
        "the customer heard of both cancellations by the pro"
    );
}

#[tokio::test]
async fn disputes_inside_the_window_and_not_after() {
    let cast = Cast::new().await;
    // Inside the window.
    let disputed = cast.completed_job(2).await;
    let job = cast
        .customer
        .dispute_job(
            &disputed.id,
            &dispute("The bathroom was not cleaned at all"),
        )
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Disputed);
    assert!(job.dispute.is_some());
    let partial = ResolveDisputeInput {
        outcome: DisputeOutcome::Partial,
        note: "Bathroom skipped: a quarter back".into(),
        refund: Some(cad(CLEANING_PRICE).into()),
    };
    let too_much = cast
        .staff
        .admin_resolve_dispute(&disputed.id, &partial)
        .await
        .unwrap_err();
    assert_eq!(too_much.code(), Some(ErrorCode::ValidationFailed));
    let partial = ResolveDisputeInput {
        refund: Some(cad(3_725).into()),
        ..partial
    };
    let resolved = cast
        .staff
        .admin_resolve_dispute(&disputed.id, &partial)
        .await
        .unwrap();
    assert_eq!(resolved.status, JobStatus::Confirmed);
    let resolution = resolved.dispute.unwrap().resolution.unwrap();
    assert_eq!(resolution.outcome, DisputeOutcome::Partial);
    assert_eq!(resolution.refund, cad(3_725));
    assert_eq!(
        code(
            cast.staff
                .admin_resolve_dispute(&disputed.id, &partial)
                .await
        ),
        Some(ErrorCode::InvalidTransition)
    );
    assert_eq!(
        cast.app
            .count(&format!(
                "audit_log WHERE subject_id = '{}' AND action = 'job.resolve_dispute'",
                disputed.id
            ))
            .await,
        1
    );
    let staff_view = cast.staff.admin_job_events(&disputed.id).await.unwrap();
    assert_eq!(
        staff_view.last().map(|event| (event.kind, event.actor)),
        Some((JobEventKind::DisputeResolved, Party::Staff))
    );

    // After the window: refused, and nothing changes.
    let quiet = cast.completed_job(2).await;
    let ends = quiet.review_window_ends_at.unwrap();
    cast.travel_to(ends + Duration::seconds(1));
    let before = cast.customer.job(&quiet.id).await.unwrap();
    let events_before = cast.timeline(&quiet).await;
    assert_eq!(
        code(
            cast.customer
                .dispute_job(&quiet.id, &dispute("Too late to say it now"))
                .await
        ),
        Some(ErrorCode::ReviewWindowClosed)
    );
    assert_eq!(cast.customer.job(&quiet.id).await.unwrap(), before);
    assert_eq!(cast.timeline(&quiet).await, events_before);
}

#[tokio::test]
async fn bulk_confirmation_reports_each_job() {
    let cast = Cast::new().await;
    let aged = cast.completed_job(2).await;
    cast.travel_to(aged.review_window_ends_at.unwrap() + Duration::minutes(1));
    let disputed = cast.completed_job(2).await;
    cast.customer
        .dispute_job(&disputed.id, &dispute("Windows were left streaky"))
        .await
        .unwrap();
    let fresh = cast.completed_job(2).await;
    let unstarted = cast.job().await;
    let ids = vec![
        aged.id.clone(),
        fresh.id.clone(),
        disputed.id.clone(),
        unstarted.id.clone(),
        "00000000-0000-7000-8000-000000000000".to_owned(),
        aged.id.clone(),
    ];
    // The staff's queue counts what waits: one job to confirm, one dispute, since when.
    let queue = cast.staff.admin_queue().await.unwrap();
    let confirmations = queue.of(QueueKind::Confirmations).unwrap();
    assert_eq!(confirmations.count, 1);
    assert_eq!(confirmations.oldest_id.as_deref(), Some(aged.id.as_str()));
    assert_eq!(confirmations.oldest_since, aged.review_window_ends_at);
    let open_disputes = queue.of(QueueKind::Disputes).unwrap();
    assert_eq!(open_disputes.count, 1);
    assert_eq!(
        open_disputes.oldest_id.as_deref(),
        Some(disputed.id.as_str())
    );
    assert_eq!(queue.queues.len(), QueueKind::known().count());

    let results = cast.staff.admin_confirm_jobs(&ids).await.unwrap().results;
    let got: Vec<(String, ConfirmResult)> = results
        .into_iter()
        .map(|outcome| (outcome.job_id, outcome.result))
        .collect();
    let expected: Vec<(String, ConfirmResult)> = ids
        .iter()
        .cloned()
        .zip([
            ConfirmResult::Confirmed,
            ConfirmResult::InReviewWindow,
            ConfirmResult::Disputed,
            ConfirmResult::NotCompleted,
            ConfirmResult::NotFound,
            ConfirmResult::AlreadyConfirmed,
        ])
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        cast.customer.job(&aged.id).await.unwrap().status,
        JobStatus::Confirmed
    );
    for (job, status) in [
        (&fresh, JobStatus::Completed),
        (&disputed, JobStatus::Disputed),
        (&unstarted, JobStatus::Assigned),
    ] {
        assert_eq!(cast.customer.job(&job.id).await.unwrap().status, status);
    }
    let queue = cast.staff.admin_queue().await.unwrap();
    assert_eq!(queue.of(QueueKind::Confirmations).unwrap().count, 0);
    assert_eq!(queue.of(QueueKind::Disputes).unwrap().count, 1);
}

#[tokio::test]
async fn concurrent_transitions_have_one_winner() {
    let cast = Cast::new().await;
    // Start and cancel race on jobs scheduled for tomorrow morning, an hour before the visits:
    // exactly one of them lands each time.
    let visit = cast.slot(1, 10);
    let mut jobs = Vec::new();
    for _ in 0..5 {
        let job = cast.job().await;
        cast.schedule(&job, visit).await;
        cast.sign(&job).await;
        cast.pay(&job).await;
        jobs.push(job);
    }
    cast.travel_to(visit.start - Duration::hours(1));
    for job in &jobs {
        let (started, cancelled) = tokio::join!(
            cast.partner.start_job(&job.id),
            cast.customer.cancel_job(&job.id, "Changed my mind"),
        );
        let loser = match (started, cancelled) {
            (Ok(_), Err(loser)) | (Err(loser), Ok(_)) => loser,
            (started, cancelled) => {
                panic!("exactly one of start and cancel wins: {started:?} / {cancelled:?}")
            }
        };
        assert_eq!(loser.code(), Some(ErrorCode::InvalidTransition));
        let now = cast.customer.job(&job.id).await.unwrap();
        let timeline = cast.timeline(job).await;
        let penalties = cast
            .app
            .count(&format!("penalties WHERE job_id = '{}'", job.id))
            .await;
        if now.status == JobStatus::InProgress {
            assert!(timeline.contains(&JobEventKind::Started));
            assert!(!timeline.contains(&JobEventKind::Cancelled));
            assert_eq!(penalties, 0);
        } else {
            assert_eq!(now.status, JobStatus::Cancelled);
            assert!(!timeline.contains(&JobEventKind::Started));
            assert_eq!(penalties, 1, "a late cancellation is a penalty");
        }
    }

    // Complete and cancel at the same instant on a job in progress: completion is the only legal
    // move, so it wins and the cancellation changes nothing.
    let job = cast.job().await;
    let slot = cast.slot(2, 10);
    cast.schedule(&job, slot).await;
    cast.sign(&job).await;
    cast.pay(&job).await;
    cast.travel_to(slot.start - Duration::minutes(5));
    cast.partner.start_job(&job.id).await.unwrap();
    let report = done("All done");
    let (completed, cancelled) = tokio::join!(
        cast.partner.complete_job(&job.id, &report),
        cast.customer.cancel_job(&job.id, "Too slow"),
    );
    assert_eq!(completed.unwrap().status, JobStatus::Completed);
    assert_eq!(
        cancelled.unwrap_err().code(),
        Some(ErrorCode::InvalidTransition)
    );
    assert!(!cast.timeline(&job).await.contains(&JobEventKind::Cancelled));
}

#[tokio::test]
async fn bad_input_and_other_peoples_jobs_change_nothing() {
    let cast = Cast::new().await;
    let job = cast.job().await;
    let (_, stranger_customer) = cast.app.customer().await;
    let (_, stranger_pro) = pro(&cast.app, &cast.staff).await;
    let before = cast.customer.job(&job.id).await.unwrap();
    let timeline_before = cast.timeline(&job).await;

    // Slots in the past, outside the pro's hours, too many, or the wrong length.
    let past = TimeWindow {
        start: cast.now() - Duration::hours(3),
        end: cast.now() - Duration::hours(1),
    };
    let night = cast.slot(2, 21);
    for (slots, field_message) in [
        (vec![past], "slots[0] must start in the future"),
        (vec![cast.slot(2, 10), night], "slots[1] must lie inside"),
        (vec![cast.slot(2, 10); 4], ""),
        (
            vec![TimeWindow {
                start: cast.slot(2, 10).start,
                end: cast.slot(2, 10).start + Duration::minutes(10),
            }],
            "slots[0] must last 30 minutes to 12 hours",
        ),
    ] {
        let error = cast
            .partner
            .propose_slots(&job.id, &ProposalInput { slots })
            .await
            .unwrap_err();
        let problem = error.problem().expect("a problem document");
        assert_eq!(problem.status, 422);
        let messages = problem.errors["slots"].join(" ");
        assert!(messages.contains(field_message), "{messages}");
    }

    // Someone else's job is not found, whatever they try.
    for stranger in [&stranger_customer, &stranger_pro] {
        assert_eq!(code(stranger.job(&job.id).await), Some(ErrorCode::NotFound));
        assert_eq!(
            code(stranger.cancel_job(&job.id, "Not mine").await),
            Some(ErrorCode::NotFound)
        );
        assert_eq!(
            code(
                stranger
                    .propose_slots(
                        &job.id,
                        &ProposalInput {
                            slots: vec![cast.slot(2, 10)]
                        }
                    )
                    .await
            ),
            Some(ErrorCode::NotFound)
        );
        assert_eq!(
            code(stranger.job_events(&job.id).await),
            Some(ErrorCode::NotFound)
        );
    }
    assert_eq!(
        code(stranger_pro.start_job(&job.id).await),
        Some(ErrorCode::NotFound)
    );
    assert_eq!(
        code(stranger_customer.agreement(&job.id).await),
        Some(ErrorCode::NotFound)
    );

    // Illegal transitions name the current status.
    let error = cast
        .partner
        .complete_job(&job.id, &done("Nothing yet"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidTransition));
    let detail = error.problem().unwrap().detail.clone().unwrap_or_default();
    assert!(detail.contains("assigned"), "{detail}");
    assert_eq!(
        code(
            cast.customer
                .dispute_job(&job.id, &dispute("Nothing has happened yet"))
                .await
        ),
        Some(ErrorCode::InvalidTransition)
    );
    assert_eq!(
        code(cast.partner.start_job(&job.id).await),
        Some(ErrorCode::InvalidTransition)
    );

    // An out-of-range slot index is refused.
    let proposal = cast
        .partner
        .propose_slots(
            &job.id,
            &ProposalInput {
                slots: vec![cast.slot(2, 10)],
            },
        )
        .await
        .unwrap();
    let error = cast
        .customer
        .accept_proposal(&job.id, &proposal.id, 2)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ValidationFailed));

    // Nothing above changed the job, beyond the one proposal that was valid.
    let after = cast.customer.job(&job.id).await.unwrap();
    assert_eq!(after.status, before.status);
    assert_eq!(after.scheduled, before.scheduled);
    assert_eq!(after.cancellation, None);
    let mut expected = timeline_before;
    expected.push(JobEventKind::Proposed);
    assert_eq!(cast.timeline(&job).await, expected);
}
