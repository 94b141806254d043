//! Money: payments, the wallet, tips, penalties, disputes, refunds and payouts, with the books
//! checked after every scenario (entries sum to zero per currency, cached balances equal their
//! entries), a Stripe-compatible provider on 127.0.0.1, and random sequences of operations.

use std::time::Duration as StdDuration;

use chrono::Duration;
use reqwest::Method;
use serde_json::json;
use shared_types::admin::DisputeSplit;
use shared_types::jobs::{
    CompleteInput, DisputeInput, DisputeOutcome, Job, JobEventKind, JobStatus, ResolveDisputeInput,
};
use shared_types::partners::{Money, MoneyInput};
use shared_types::wallet::{
    LedgerKind, PaymentInput, PaymentStatus, PayoutFilter, PayoutMark, PayoutMethodInput,
    PayoutMethodKind, PayoutStatus, PayoutStatusInput, Refund, RefundFilter, RefundReason,
    RefundRetryInput, RefundStatus, TipInput, WalletBucket,
};
use shared_types::{Client, ClientError, ErrorCode, PageParams};

use crate::fake_stripe::{self, FakeStripe};
use crate::harness::{TestApp, eventually_some};
use crate::jobs::{Cast, cleaning_request, lead_for, pro};

/// The cleaning category's list price, and what the pro earns of it at the 15% default fee.
pub const PRICE: i64 = 14_900;
const FEE: i64 = 2_235;
const EARNINGS: i64 = PRICE - FEE;

fn cad(amount_cents: i64) -> Money {
    Money {
        amount_cents,
        currency: "CAD".into(),
    }
}

fn card(token: &str) -> PaymentInput {
    PaymentInput {
        card_token: token.into(),
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Option<ErrorCode> {
    result.expect_err("expected an error").code()
}

/// The books balance: every transaction sums to zero per currency, every cached balance equals
/// its entries, and the account kinds of each currency sum to zero.
pub async fn assert_books_balance(staff: &Client) -> shared_types::wallet::LedgerCheck {
    let check = staff.admin_ledger_check().await.unwrap();
    assert!(check.balanced, "the ledger is off: {check:#?}");
    let mut per_currency = std::collections::BTreeMap::<String, i64>::new();
    for total in &check.accounts_by_kind {
        *per_currency
            .entry(total.balance.currency.clone())
            .or_default() += total.balance.amount_cents;
    }
    assert!(
        per_currency.values().all(|sum| *sum == 0),
        "accounts do not sum to zero: {per_currency:?}"
    );
    check
}

/// The balance of one kind of account (debit positive), e.g. `platform_cash`.
fn total(check: &shared_types::wallet::LedgerCheck, kind: &str) -> i64 {
    check
        .accounts_by_kind
        .iter()
        .filter(|t| t.kind == kind)
        .map(|t| t.balance.amount_cents)
        .sum()
}

/// Waits until the refund worker has sent every queued refund.
async fn refunds_sent(staff: &Client) -> shared_types::wallet::LedgerCheck {
    eventually_some(StdDuration::from_secs(30), "every refund sent", || async {
        let check = assert_books_balance(staff).await;
        (total(&check, "refunds_pending") == 0).then_some(check)
    })
    .await
}

fn done() -> CompleteInput {
    CompleteInput {
        summary: "Cleaned every room".into(),
        photo_urls: vec![],
        photo_ids: Vec::new(),
    }
}

/// (pending, available) of the pro's CAD wallet.
async fn wallet(partner: &Client) -> (i64, i64) {
    let wallet = partner.wallet().await.unwrap();
    wallet
        .balances
        .iter()
        .find(|b| b.available.currency == "CAD")
        .map_or((0, 0), |b| {
            (b.pending.amount_cents, b.available.amount_cents)
        })
}

impl Cast {
    /// A job scheduled `days` ahead at 10:00 with its agreement signed, not paid.
    pub async fn signed_job(&self, days: i64) -> Job {
        let job = self.job().await;
        self.schedule(&job, self.slot(days, 10)).await;
        self.sign(&job).await;
        job
    }

    /// Moves past the review window and has staff confirm `job`.
    pub async fn confirm(&self, job: &Job) {
        let ends = self
            .customer
            .job(&job.id)
            .await
            .unwrap()
            .review_window_ends_at
            .unwrap();
        if self.now() < ends {
            self.travel_to(ends + Duration::minutes(1));
        }
        self.staff
            .admin_confirm_jobs(std::slice::from_ref(&job.id))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn money_follows_a_job_from_payment_to_payout() {
    let cast = Cast::new().await;
    let job = cast.signed_job(2).await;

    // A money POST without a key is refused before anything happens.
    let response = cast
        .customer
        .request(Method::POST, &format!("/v1/jobs/{}/payment", job.id))
        .json(&card("tok_visa"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let problem: shared_types::ProblemDetails = response.json().await.unwrap();
    assert_eq!(problem.code, ErrorCode::IdempotencyKeyMissing);

    // A declined card: 402, nothing charged, the job stays payable.
    assert_eq!(
        code(
            cast.customer
                .pay_job(&job.id, &card("tok_declined"), "k-declined")
                .await
        ),
        Some(ErrorCode::PaymentDeclined)
    );
    // Replaying the declined attempt gives the same 402, not a new charge.
    assert_eq!(
        code(
            cast.customer
                .pay_job(&job.id, &card("tok_declined"), "k-declined")
                .await
        ),
        Some(ErrorCode::PaymentDeclined)
    );
    assert!(cast.customer.job(&job.id).await.unwrap().paid_at.is_none());
    let before = assert_books_balance(&cast.staff).await;
    assert_eq!(before.transactions, 0, "a declined card moves no money");

    // Paid; the retry replays the answer and moves nothing more.
    let paid = cast
        .customer
        .pay_job(&job.id, &card("tok_visa"), "k-pay")
        .await
        .unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.amount, cad(PRICE));
    let replayed = cast
        .customer
        .pay_job(&job.id, &card("tok_visa"), "k-pay")
        .await
        .unwrap();
    assert_eq!(replayed, paid);
    assert_eq!(
        code(
            cast.customer
                .pay_job(&job.id, &card("tok_mastercard"), "k-pay")
                .await
        ),
        Some(ErrorCode::IdempotencyKeyReused)
    );
    assert_eq!(
        code(
            cast.customer
                .pay_job(&job.id, &card("tok_visa"), "k-again")
                .await
        ),
        Some(ErrorCode::AlreadyPaid)
    );
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(check.transactions, 1);
    assert_eq!(total(&check, "platform_cash"), PRICE);
    assert_eq!(total(&check, "customer_held"), -PRICE);
    let payments = cast.partner.job_payments(&job.id).await.unwrap();
    assert_eq!(
        payments.iter().map(|p| p.status).collect::<Vec<_>>(),
        [PaymentStatus::Failed, PaymentStatus::Succeeded]
    );

    // Completion: the earnings wait in pending, the fee is the platform's.
    let slot = cast.customer.job(&job.id).await.unwrap().scheduled.unwrap();
    cast.travel_to(slot.start - Duration::minutes(30));
    cast.partner.start_job(&job.id).await.unwrap();
    cast.partner.complete_job(&job.id, &done()).await.unwrap();
    assert_eq!(wallet(&cast.partner).await, (EARNINGS, 0));
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(total(&check, "fee_revenue"), -FEE);

    // A tip goes to the pro in full, once; it is in the job's currency.
    let tip = |amount_cents, currency: &str| TipInput {
        amount: MoneyInput {
            amount_cents,
            currency: currency.into(),
        },
        card_token: "tok_visa".into(),
    };
    assert_eq!(
        code(
            cast.customer
                .tip_job(&job.id, &tip(500, "USD"), "k-tip-usd")
                .await
        ),
        Some(ErrorCode::ValidationFailed)
    );
    cast.customer
        .tip_job(&job.id, &tip(500, "CAD"), "k-tip")
        .await
        .unwrap();
    assert_eq!(
        code(
            cast.customer
                .tip_job(&job.id, &tip(300, "CAD"), "k-tip-2")
                .await
        ),
        Some(ErrorCode::AlreadyPaid)
    );
    assert_eq!(wallet(&cast.partner).await, (EARNINGS, 500));

    // Staff confirmation releases the earnings.
    cast.confirm(&job).await;
    assert_eq!(wallet(&cast.partner).await, (0, EARNINGS + 500));
    let full = cast.partner.wallet().await.unwrap();
    assert_eq!(full.balances[0].lifetime_earned, cad(EARNINGS + 500));
    assert!(full.next_payout_at.timestamp() > cast.now().timestamp());
    let entries = cast
        .partner
        .wallet_entries(&PageParams::default())
        .await
        .unwrap();
    let kinds: Vec<_> = entries
        .items
        .iter()
        .map(|e| (e.kind, e.bucket, e.amount.amount_cents))
        .collect();
    assert_eq!(
        kinds,
        [
            (LedgerKind::Release, WalletBucket::Available, EARNINGS),
            (LedgerKind::Release, WalletBucket::Pending, -EARNINGS),
            (LedgerKind::Tip, WalletBucket::Available, 500),
            (LedgerKind::Earnings, WalletBucket::Pending, EARNINGS),
        ],
        "newest first"
    );
    assert!(
        entries
            .items
            .iter()
            .all(|e| e.job_id.as_deref() == Some(job.id.as_str()))
    );
    // Texts a pro can read: the job by its category (its id is a field of its own).
    let descriptions: Vec<&str> = entries
        .items
        .iter()
        .map(|e| e.description.as_str())
        .collect();
    assert_eq!(
        descriptions,
        [
            "Home cleaning job confirmed: 126.65 CAD now available",
            "Home cleaning job confirmed: 126.65 CAD now available",
            "Tip of 5.00 CAD for the Home cleaning job",
            "Earnings for the Home cleaning job: 149.00 CAD less the 15% platform fee (22.35 CAD)",
        ]
    );

    // The weekly run: one cheque to the mailing address; running again changes nothing.
    cast.partner
        .set_payout_method(&PayoutMethodInput {
            method: PayoutMethodKind::Cheque,
            mailing_address: Some("12 King St W, Toronto ON M5H 1A1".into()),
            bank_account: None,
        })
        .await
        .unwrap();
    let run = cast.staff.admin_run_payouts("run-1").await.unwrap();
    assert_eq!(
        (run.created, run.totals.clone()),
        (1, vec![cad(EARNINGS + 500)])
    );
    let again = cast.staff.admin_run_payouts("run-2").await.unwrap();
    assert_eq!(again.created, 0, "one payout per partner and week");
    assert_eq!(
        cast.staff.admin_run_payouts("run-1").await.unwrap(),
        run,
        "replayed"
    );
    assert_eq!(wallet(&cast.partner).await, (0, 0));
    let payouts = cast
        .partner
        .my_payouts(&PageParams::default())
        .await
        .unwrap()
        .items;
    assert_eq!(payouts.len(), 1);
    let payout = &payouts[0];
    assert_eq!(payout.method, PayoutMethodKind::Cheque);
    assert_eq!(
        payout.destination.as_deref(),
        Some("12 King St W, Toronto ON M5H 1A1")
    );
    assert_eq!(payout.status, PayoutStatus::Pending);

    // Mailed, then cashed: the money leaves the platform. Never cashed before it was mailed.
    let mark = |status| PayoutStatusInput { status };
    assert_eq!(
        code(
            cast.staff
                .admin_mark_payout(&payout.id, &mark(PayoutMark::Cleared), "m-0")
                .await
        ),
        Some(ErrorCode::InvalidTransition)
    );
    let sent = cast
        .staff
        .admin_mark_payout(&payout.id, &mark(PayoutMark::Sent), "m-1")
        .await
        .unwrap();
    assert_eq!(sent.status, PayoutStatus::Sent);
    let cleared = cast
        .staff
        .admin_mark_payout(&payout.id, &mark(PayoutMark::Cleared), "m-2")
        .await
        .unwrap();
    assert!(cleared.cleared_at.is_some());
    assert_eq!(
        code(
            cast.staff
                .admin_mark_payout(&payout.id, &mark(PayoutMark::Cleared), "m-3")
                .await
        ),
        Some(ErrorCode::InvalidTransition)
    );
    // Staff's marks and confirmation are on the record.
    let audited = |subject: &str| {
        let filter = shared_types::partners::AuditFilter {
            subject_id: Some(subject.to_owned()),
            ..Default::default()
        };
        let staff = cast.staff.clone();
        async move {
            let page = staff
                .admin_audit_log(&filter, &PageParams::default())
                .await
                .unwrap();
            let mut actions: Vec<_> = page.items.into_iter().map(|e| e.action).collect();
            actions.sort();
            actions
        }
    };
    assert_eq!(audited(&payout.id).await, ["payout.cleared", "payout.sent"]);
    assert_eq!(audited(&job.id).await, ["job.confirm"]);
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(
        total(&check, "platform_cash"),
        FEE,
        "what stays is the platform's fee"
    );
    assert_eq!(total(&check, "payouts_in_transit"), 0);
    assert_eq!(total(&check, "customer_held"), 0);
    let staff_view = cast
        .staff
        .admin_payouts(
            &PayoutFilter {
                status: Some(PayoutStatus::Cleared),
                ..PayoutFilter::default()
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(staff_view.items.len(), 1);
}

#[tokio::test]
async fn cancellations_and_disputes_settle_the_money() {
    let cast = Cast::new().await;

    // Cancelled in time: everything goes back.
    let early = cast.signed_job(3).await;
    cast.pay(&early).await;
    cast.customer
        .cancel_job(&early.id, "Plans changed")
        .await
        .unwrap();

    // Cancelled late by the customer: the fee is kept, most of it compensates the pro.
    let late = cast.signed_job(1).await;
    cast.pay(&late).await;
    cast.travel_to(
        cast.customer
            .job(&late.id)
            .await
            .unwrap()
            .scheduled
            .unwrap()
            .start
            - Duration::hours(2),
    );
    cast.customer
        .cancel_job(&late.id, "Not home")
        .await
        .unwrap();
    let compensation = 2_500 * 8_500 / 10_000;
    assert_eq!(wallet(&cast.partner).await, (0, compensation));
    let penalties = cast
        .staff
        .admin_penalties(
            &shared_types::jobs::PenaltyFilter::default(),
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(penalties.items[0].status, "settled");

    // Cancelled late by the pro: the customer gets it all back, the pro's wallet pays the
    // penalty and may go below zero.
    let dropped = cast.signed_job(2).await;
    cast.pay(&dropped).await;
    cast.travel_to(
        cast.customer
            .job(&dropped.id)
            .await
            .unwrap()
            .scheduled
            .unwrap()
            .start
            - Duration::hours(3),
    );
    cast.partner
        .cancel_job(&dropped.id, "Van broke down")
        .await
        .unwrap();
    assert_eq!(wallet(&cast.partner).await, (0, compensation - 5_000));

    let check = refunds_sent(&cast.staff).await;
    // Back to the customers: all of `early`, `late` less the fee, all of `dropped`.
    assert_eq!(
        total(&check, "platform_cash"),
        3 * PRICE - (PRICE + PRICE - 2_500 + PRICE)
    );
    assert_eq!(
        total(&check, "penalty_revenue"),
        -(2_500 - compensation + 5_000)
    );
    assert_eq!(total(&check, "customer_held"), 0);

    // Disputes: a partial refund, a full refund, a release.
    let mut outcomes = Vec::new();
    let mut previewed_to_pro = 0;
    for (outcome, refund) in [
        (DisputeOutcome::Partial, Some(4_900)),
        (DisputeOutcome::Refund, None),
        (DisputeOutcome::Release, None),
    ] {
        let job = cast.completed_job(1).await;
        cast.customer
            .dispute_job(
                &job.id,
                &DisputeInput {
                    reason: "The oven was not cleaned".into(),
                    photo_ids: Vec::new(),
                },
            )
            .await
            .unwrap();
        // The case file staff decide on, and the split it previews.
        let file = cast.staff.admin_job_case(&job.id).await.unwrap();
        assert_eq!(file.job.status, JobStatus::Disputed);
        assert_eq!(file.held, cad(PRICE), "the price is at stake");
        assert!(file.agreement.is_some() && !file.payments.is_empty());
        assert!(
            file.timeline
                .iter()
                .any(|event| event.kind == JobEventKind::Disputed)
        );
        let refund_cents = match outcome {
            DisputeOutcome::Refund => PRICE,
            _ => refund.unwrap_or(0),
        };
        previewed_to_pro +=
            DisputeSplit::of(file.held.amount_cents, refund_cents, file.platform_fee_bps)
                .partner_cents;
        cast.staff
            .admin_resolve_dispute(
                &job.id,
                &ResolveDisputeInput {
                    outcome,
                    note: "Photos reviewed".into(),
                    refund: refund.map(|cents| cad(cents).into()),
                },
            )
            .await
            .unwrap();
        let settled = cast.staff.admin_job_case(&job.id).await.unwrap();
        assert_eq!(
            settled.held.amount_cents, 0,
            "nothing is at stake once decided"
        );
        assert_eq!(
            settled
                .refunds
                .iter()
                .map(|r| r.amount.amount_cents)
                .sum::<i64>(),
            refund_cents
        );
        outcomes.push(job);
    }
    // Partial: the pro keeps 100.00 less 15%; refund: nothing; release: all earnings.
    let kept = 10_000 - 1_500;
    assert_eq!(
        previewed_to_pro,
        kept + EARNINGS,
        "the preview is what happens"
    );
    assert_eq!(
        wallet(&cast.partner).await,
        (0, compensation - 5_000 + kept + EARNINGS)
    );
    let check = refunds_sent(&cast.staff).await;
    assert_eq!(total(&check, "fee_revenue"), -(1_500 + FEE));
    assert_eq!(total(&check, "customer_held"), 0);
    assert_eq!(total(&check, "partner_pending"), 0);

    // The negative balance was netted: the payout is what is left.
    let run = cast.staff.admin_run_payouts("week").await.unwrap();
    assert_eq!(
        run.totals,
        vec![cad(compensation - 5_000 + kept + EARNINGS)]
    );
    assert_books_balance(&cast.staff).await;
}

#[tokio::test]
async fn a_negative_wallet_is_not_paid_out() {
    let cast = Cast::new().await;
    let job = cast.signed_job(1).await;
    cast.travel_to(
        cast.customer
            .job(&job.id)
            .await
            .unwrap()
            .scheduled
            .unwrap()
            .start
            - Duration::hours(1),
    );
    cast.partner
        .cancel_job(&job.id, "Double booked")
        .await
        .unwrap();
    assert_eq!(wallet(&cast.partner).await, (0, -5_000));
    let run = cast.staff.admin_run_payouts("w").await.unwrap();
    assert_eq!(run.created, 0);
    assert_books_balance(&cast.staff).await;
    // Staff see it carried, with whose it is.
    let carried = cast.staff.admin_carried_balances().await.unwrap();
    assert_eq!(carried.len(), 1);
    assert_eq!(carried[0].partner_id, cast.partner_id);
    assert_eq!(carried[0].balance, cad(-5_000));
    assert!(carried[0].payee.starts_with("Sparkle"), "{:?}", carried[0]);
    let queue = cast.staff.admin_queue().await.unwrap();
    assert!(queue.next_payout_run_at > queue.as_of);
}

#[tokio::test]
async fn a_payout_statement_adds_up_from_the_last_payout_and_the_run_exports_as_csv() {
    let cast = Cast::new().await;
    // A late cancellation's penalty, then a confirmed job: the first payout nets them.
    let dropped = cast.signed_job(1).await;
    let start = cast
        .customer
        .job(&dropped.id)
        .await
        .unwrap()
        .scheduled
        .unwrap()
        .start;
    cast.travel_to(start - Duration::hours(1));
    cast.partner
        .cancel_job(&dropped.id, "Double booked")
        .await
        .unwrap();
    let first_job = cast.completed_job(1).await;
    cast.confirm(&first_job).await;
    cast.staff.admin_run_payouts("week-1").await.unwrap();
    // A week later, another job and another payout.
    let second_job = cast.completed_job(1).await;
    cast.confirm(&second_job).await;
    cast.travel_to(cast.now() + Duration::days(7));
    cast.staff.admin_run_payouts("week-2").await.unwrap();

    let mut payouts = cast
        .partner
        .my_payouts(&PageParams::default())
        .await
        .unwrap()
        .items;
    payouts.reverse();
    let amounts: Vec<i64> = payouts.iter().map(|p| p.amount.amount_cents).collect();
    assert_eq!(amounts, [EARNINGS - 5_000, EARNINGS]);
    for (payout, expected_lines) in payouts.iter().zip([2, 1]) {
        let statement = cast.partner.my_payout_statement(&payout.id).await.unwrap();
        assert_eq!(statement.payout, *payout);
        assert_eq!(statement.entries.len(), expected_lines, "{statement:?}");
        let lines: i64 = statement
            .entries
            .iter()
            .map(|e| e.amount.amount_cents)
            .sum();
        assert_eq!(
            lines, payout.amount.amount_cents,
            "the lines add up to the payout"
        );
        assert!(
            statement
                .entries
                .iter()
                .all(|e| e.bucket == WalletBucket::Available)
        );
        assert_eq!(
            cast.staff.admin_payout_statement(&payout.id).await.unwrap(),
            statement,
            "staff read what the pro reads"
        );
    }
    let first_lines = cast
        .partner
        .my_payout_statement(&payouts[0].id)
        .await
        .unwrap()
        .entries;
    assert_eq!(first_lines[0].amount, cad(-5_000), "the penalty came first");

    // Nobody else's statement.
    let (_, other) = pro(&cast.app, &cast.staff).await;
    let hidden = other.my_payout_statement(&payouts[0].id).await.unwrap_err();
    assert_eq!(hidden.status(), Some(404));

    // The week's run for the cheque printer: a header, one row per payout, quoted as needed.
    let second_week = PayoutFilter {
        period: Some(payouts[1].period.clone()),
        ..PayoutFilter::default()
    };
    let csv = cast.staff.admin_export_payouts(&second_week).await.unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 2, "{csv}");
    assert_eq!(
        rows[0],
        "payout_id,period,partner_id,payee,method,destination,amount,currency,status,created_at"
    );
    assert!(rows[1].starts_with(&format!("{},{},", payouts[1].id, payouts[1].period)));
    assert!(rows[1].contains(&format!(
        ",{}.{:02},CAD,pending,",
        EARNINGS / 100,
        EARNINGS % 100
    )));
    let everything = cast
        .staff
        .admin_export_payouts(&PayoutFilter::default())
        .await
        .unwrap();
    assert_eq!(everything.lines().count(), 3);

    // Staff see the pro's wallet as the pro does.
    let partner_id = payouts[0].partner_id.clone();
    assert_eq!(
        cast.staff.admin_partner_wallet(&partner_id).await.unwrap(),
        cast.partner.wallet().await.unwrap()
    );
    assert_eq!(
        cast.staff
            .admin_partner_wallet_entries(&partner_id, &PageParams::default())
            .await
            .unwrap(),
        cast.partner
            .wallet_entries(&PageParams::default())
            .await
            .unwrap()
    );
    let nobody = cast
        .staff
        .admin_partner_wallet("00000000-0000-7000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(nobody.status(), Some(404));
}

#[tokio::test]
async fn bad_money_input_changes_nothing() {
    let cast = Cast::new().await;
    let job = cast.signed_job(2).await;
    let bad_bodies = [
        json!({}),
        json!({ "card_token": "" }),
        json!({ "card_token": "tok visa" }),
        json!({ "card_token": 42 }),
    ];
    for (i, body) in bad_bodies.iter().enumerate() {
        let response = cast
            .customer
            .request(Method::POST, &format!("/v1/jobs/{}/payment", job.id))
            .header("Idempotency-Key", format!("bad-{i}"))
            .json(body)
            .send()
            .await
            .unwrap();
        assert!(
            [400, 422].contains(&response.status().as_u16()),
            "{body}: {}",
            response.status()
        );
    }
    // The pro cannot pay the customer's job; another customer cannot see it.
    assert_eq!(
        code(cast.partner.pay_job(&job.id, &card("tok_visa"), "p").await),
        Some(ErrorCode::Forbidden)
    );
    let (_, stranger) = cast.app.customer().await;
    assert_eq!(
        code(stranger.pay_job(&job.id, &card("tok_visa"), "s").await),
        Some(ErrorCode::NotFound)
    );
    // Not completed: no tip.
    let tip = TipInput {
        amount: cad(500).into(),
        card_token: "tok_visa".into(),
    };
    assert_eq!(
        code(cast.customer.tip_job(&job.id, &tip, "t").await),
        Some(ErrorCode::InvalidTransition)
    );
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(check.transactions, 0);
    assert_eq!(cast.app.count("payments").await, 0);
}

/// Sends `event` to the service's webhook, signed at `timestamp` with `secret`.
pub async fn deliver(
    app: &TestApp,
    event: &serde_json::Value,
    secret: &str,
    timestamp: i64,
) -> u16 {
    let payload = serde_json::to_vec(event).unwrap();
    app.client
        .request(Method::POST, "/v1/webhooks/payments/stripe")
        .header(
            "Stripe-Signature",
            fake_stripe::signature(secret, timestamp, &payload),
        )
        .header("Content-Type", "application/json")
        .body(payload)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn stripe_payments_refunds_and_webhooks() {
    let stripe = FakeStripe::start();
    let settings = stripe.settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cast = Cast::with_settings(&overrides).await;

    // Declined at confirmation: 402 with the provider's reason; the job stays payable.
    let job = cast.signed_job(2).await;
    let declined = cast
        .customer
        .pay_job(&job.id, &card("tok_declined"), "s-1")
        .await
        .unwrap_err();
    assert_eq!(declined.code(), Some(ErrorCode::PaymentDeclined));
    assert!(format!("{declined:?}").contains("generic_decline"));

    // Paid synchronously; the provider saw our idempotency keys (create and confirm).
    let paid = cast
        .customer
        .pay_job(&job.id, &card("tok_visa"), "s-2")
        .await
        .unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.provider, "stripe");
    let intent = stripe.intent_for(&paid.id);
    assert_eq!(intent["amount"], PRICE);
    assert_eq!(intent["currency"], "cad");
    let keys: Vec<String> = stripe.calls().into_iter().map(|(_, key)| key).collect();
    assert!(keys.contains(&format!("{}-create", paid.id)));
    assert!(keys.contains(&format!("{}-confirm", paid.id)));

    // A payment the provider is still processing: 202, then settled by the webhook, once.
    let pending_job = cast.signed_job(3).await;
    let response = cast
        .customer
        .request(
            Method::POST,
            &format!("/v1/jobs/{}/payment", pending_job.id),
        )
        .header("Idempotency-Key", "s-3")
        .json(&card("tok_async"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let processing: shared_types::wallet::Payment = response.json().await.unwrap();
    assert_eq!(processing.status, PaymentStatus::Processing);
    assert!(
        cast.customer
            .job(&pending_job.id)
            .await
            .unwrap()
            .paid_at
            .is_none()
    );
    let pending_intent = stripe.intent_for(&processing.id);
    let intent = stripe.succeed(pending_intent["id"].as_str().unwrap());
    let event = stripe.event("payment_intent.succeeded", &intent);
    let now = chrono::Utc::now().timestamp();

    // Bad signatures are refused and change nothing.
    assert_eq!(deliver(&cast.app, &event, "whsec_wrong", now).await, 400);
    assert_eq!(
        deliver(&cast.app, &event, fake_stripe::WEBHOOK_SECRET, now - 301).await,
        400
    );
    let unsigned = cast
        .app
        .client
        .request(Method::POST, "/v1/webhooks/payments/stripe")
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400);
    assert!(
        cast.customer
            .job(&pending_job.id)
            .await
            .unwrap()
            .paid_at
            .is_none()
    );

    assert_eq!(
        deliver(&cast.app, &event, fake_stripe::WEBHOOK_SECRET, now).await,
        200
    );
    assert!(
        cast.customer
            .job(&pending_job.id)
            .await
            .unwrap()
            .paid_at
            .is_some()
    );
    let once = assert_books_balance(&cast.staff).await;
    // Replayed: received, not processed, nothing moves.
    assert_eq!(
        deliver(&cast.app, &event, fake_stripe::WEBHOOK_SECRET, now).await,
        200
    );
    let twice = assert_books_balance(&cast.staff).await;
    assert_eq!(
        (twice.transactions, twice.entries),
        (once.transactions, once.entries)
    );
    assert_eq!(total(&twice, "platform_cash"), 2 * PRICE);

    // A refund goes out through the provider with the refund's id as its key.
    cast.customer
        .cancel_job(&pending_job.id, "Found someone closer")
        .await
        .unwrap();
    let check = refunds_sent(&cast.staff).await;
    assert_eq!(total(&check, "platform_cash"), PRICE);
    let refunds = stripe.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0]["amount"], PRICE);
    assert_eq!(refunds[0]["payment_intent"], intent["id"]);

    // The provider's refund event arrives after we settled it: it changes nothing.
    let event = stripe.event("refund.updated", &refunds[0]);
    assert_eq!(
        deliver(&cast.app, &event, fake_stripe::WEBHOOK_SECRET, now).await,
        200
    );
    let after = assert_books_balance(&cast.staff).await;
    assert_eq!(after.transactions, check.transactions);
}

/// The refunds of `job`, once one of them is `status`.
async fn refund_when(staff: &Client, job: &Job, status: RefundStatus) -> Refund {
    let filter = RefundFilter {
        job_id: Some(job.id.clone()),
        ..RefundFilter::default()
    };
    let what = format!("a {status:?} refund for job {}", job.id);
    eventually_some(StdDuration::from_secs(30), &what, || async {
        let page = staff
            .admin_refunds(&filter, &PageParams::default())
            .await
            .unwrap();
        page.items.into_iter().find(|r| r.status == status)
    })
    .await
}

#[tokio::test]
async fn a_refused_refund_waits_for_staff_and_goes_out_when_retried() {
    let stripe = FakeStripe::start();
    let settings = stripe.settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cast = Cast::with_settings(&overrides).await;
    let job = cast.signed_job(3).await;
    cast.pay(&job).await;

    // The customer's card was closed: the provider refuses the refund. It waits for staff, the
    // money still owed in `refunds_pending`.
    stripe.set_refund_mode(fake_stripe::RefundMode::Fail("expired_or_canceled_card"));
    cast.customer
        .cancel_job(&job.id, "Plans changed")
        .await
        .unwrap();
    let failed = refund_when(&cast.staff, &job, RefundStatus::Failed).await;
    assert_eq!(failed.amount, cad(PRICE));
    assert_eq!(failed.reason, RefundReason::Cancellation);
    assert_eq!(failed.retries, 0);
    assert_eq!(
        failed.last_error.as_deref(),
        Some("expired_or_canceled_card")
    );
    let waiting = cast
        .staff
        .admin_refunds(
            &RefundFilter {
                status: Some(RefundStatus::Failed),
                ..RefundFilter::default()
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    assert_eq!(waiting.items, vec![failed.clone()]);
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(total(&check, "refunds_pending"), -PRICE);

    // A retry needs a reason and changes nothing without one.
    let blank = RefundRetryInput { note: " ".into() };
    let refused = cast
        .staff
        .admin_retry_refund(&failed.id, &blank, "retry-blank")
        .await;
    assert_eq!(code(refused), Some(ErrorCode::ValidationFailed));
    assert_eq!(
        refund_when(&cast.staff, &job, RefundStatus::Failed).await,
        failed
    );

    // The bank reopened the card; this time the refund is pending at the provider.
    stripe.set_refund_mode(fake_stripe::RefundMode::Pending);
    let note = RefundRetryInput {
        note: "The customer's bank reopened the card".into(),
    };
    let retried = cast
        .staff
        .admin_retry_refund(&failed.id, &note, "retry-1")
        .await
        .unwrap();
    assert_eq!(retried.status, RefundStatus::Pending);
    assert_eq!(retried.retries, 1);
    // The same request again is answered from the first; another one finds it not failed.
    let replayed = cast
        .staff
        .admin_retry_refund(&failed.id, &note, "retry-1")
        .await
        .unwrap();
    assert_eq!(replayed, retried);
    let again = cast
        .staff
        .admin_retry_refund(&failed.id, &note, "retry-2")
        .await;
    assert_eq!(code(again), Some(ErrorCode::InvalidTransition));

    // The retry went out under a new idempotency key (the old one would replay the refusal).
    let refunds = eventually_some(
        StdDuration::from_secs(30),
        "the retry at the provider",
        || async {
            let refunds = stripe.refunds();
            (refunds.len() == 2).then_some(refunds)
        },
    )
    .await;
    let keys: Vec<String> = stripe
        .calls()
        .into_iter()
        .filter(|(path, _)| path == "/v1/refunds")
        .map(|(_, key)| key)
        .collect();
    assert_eq!(
        keys,
        vec![failed.id.clone(), format!("{}-retry-1", failed.id)]
    );

    // A late event about the first, refused call does not fail the retry.
    let now = chrono::Utc::now().timestamp();
    let late = stripe.event("charge.refund.updated", &refunds[0]);
    assert_eq!(
        deliver(&cast.app, &late, fake_stripe::WEBHOOK_SECRET, now).await,
        200
    );
    let pending = refund_when(&cast.staff, &job, RefundStatus::Pending).await;
    assert_eq!(pending.retries, 1);

    // The bank settles the retry but its webhook is lost: an hour on, the worker asks the
    // provider how the refund went (a GET: never the POST again, whose key the provider forgets
    // after a day) and the money leaves.
    let settled = stripe.succeed_refund(refunds[1]["id"].as_str().unwrap());
    cast.travel_to(cast.now() + Duration::minutes(61));
    let state = &cast.app.state;
    porchlight::wallet::refunds::send_due(state, &state.payments)
        .await
        .unwrap();
    let done = refund_when(&cast.staff, &job, RefundStatus::Succeeded).await;
    assert_eq!(done.retries, 1);
    let calls = stripe.calls();
    let posts = calls
        .iter()
        .filter(|(path, _)| path == "/v1/refunds")
        .count();
    assert_eq!(posts, 2, "{calls:?}");
    assert!(
        calls
            .iter()
            .any(|(path, _)| *path == format!("/v1/refunds/{}", settled["id"].as_str().unwrap())),
        "{calls:?}"
    );
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(total(&check, "refunds_pending"), 0);
    assert_eq!(total(&check, "platform_cash"), 0);
    // The webhook arriving after all changes nothing.
    let event = stripe.event("refund.updated", &settled);
    assert_eq!(
        deliver(&cast.app, &event, fake_stripe::WEBHOOK_SECRET, now).await,
        200
    );
    let after = assert_books_balance(&cast.staff).await;
    assert_eq!(after.transactions, check.transactions);

    // Staff's retry is on the record with its reason.
    let audit = cast
        .staff
        .admin_audit_log(
            &shared_types::partners::AuditFilter::default(),
            &PageParams::default(),
        )
        .await
        .unwrap();
    let entry = audit
        .items
        .iter()
        .find(|e| e.action == "refund.retry")
        .expect("the retry is audited");
    assert_eq!(entry.subject_id, failed.id);
    assert_eq!(entry.reason.as_deref(), Some(note.note.as_str()));
}

#[tokio::test]
async fn concurrent_payout_runs_pay_each_partner_once() {
    let cast = Cast::new().await;
    // Two pros with money available: tips on completed jobs.
    let (second_id, second) = pro(&cast.app, &cast.staff).await;
    let tip = TipInput {
        amount: cad(2_000).into(),
        card_token: "tok_visa".into(),
    };
    let job = cast.completed_job(1).await;
    cast.customer.tip_job(&job.id, &tip, "tip-1").await.unwrap();
    let request = cast
        .customer
        .create_request(&cleaning_request(Some(&second_id)))
        .await
        .unwrap();
    let offer = lead_for(&second, &request.id).await;
    let assignment = second.confirm_lead(&offer.id).await.unwrap();
    let job = cast.customer.job(&assignment.job_id).await.unwrap();
    let proposal = second
        .propose_slots(
            &job.id,
            &shared_types::jobs::ProposalInput {
                slots: vec![cast.slot(2, 10)],
            },
        )
        .await
        .unwrap();
    cast.customer
        .accept_proposal(&job.id, &proposal.id, 0)
        .await
        .unwrap();
    cast.sign(&job).await;
    cast.pay(&job).await;
    cast.travel_to(cast.slot(2, 10).start - Duration::minutes(10));
    second.start_job(&job.id).await.unwrap();
    second.complete_job(&job.id, &done()).await.unwrap();
    cast.customer.tip_job(&job.id, &tip, "tip-2").await.unwrap();

    let runs = (0..20).map(|i| {
        let staff = cast.staff.clone();
        async move { staff.admin_run_payouts(&format!("concurrent-{i}")).await }
    });
    let results = futures_util::future::join_all(runs).await;
    let created: u32 = results.into_iter().map(|r| r.unwrap().created).sum();
    assert_eq!(created, 2, "one payout per partner");
    let payouts = cast
        .staff
        .admin_payouts(&PayoutFilter::default(), &PageParams::default())
        .await
        .unwrap();
    assert_eq!(payouts.items.len(), 2);
    assert!(payouts.items.iter().all(|p| p.amount == cad(2_000)));
    assert_books_balance(&cast.staff).await;
}

/// The ledger check reads one snapshot: postings committing meanwhile are seen whole or not at
/// all, never as a transaction without its entries. (A race, so a run without the snapshot fails
/// only sometimes; it did within a few runs on both backends.)
#[tokio::test]
async fn reads_see_whole_postings_while_money_moves() {
    let cast = Cast::new().await;
    let mut jobs = Vec::new();
    for days in 1..=6 {
        jobs.push(cast.signed_job(days).await);
    }
    let moving = std::sync::atomic::AtomicBool::new(true);
    let payments = async {
        futures_util::future::join_all(jobs.iter().map(|job| cast.pay(job))).await;
        moving.store(false, std::sync::atomic::Ordering::SeqCst);
    };
    let reads = async {
        let mut checks = 0;
        while moving.load(std::sync::atomic::Ordering::SeqCst) {
            let check = cast.staff.admin_ledger_check().await.unwrap();
            assert!(check.balanced, "a read saw part of a posting: {check:#?}");
            checks += 1;
        }
        checks
    };
    let ((), checks) = tokio::join!(payments, reads);
    assert!(checks > 0);
    let check = assert_books_balance(&cast.staff).await;
    assert_eq!(total(&check, "platform_cash"), 6 * PRICE);
}

mod sequences {
    //! Random sequences of money operations on one service; the books must balance after each.

    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, Clone)]
    enum Op {
        /// A new job, scheduled `days` ahead and signed.
        NewJob(i64),
        Pay(usize),
        Complete(usize),
        Confirm(usize),
        CustomerCancels(usize),
        ProCancels(usize),
        /// Dispute and refund this many cents (clamped by the service's rules).
        Refund(usize, i64),
        Tip(usize, i64),
        Payout,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1..4_i64).prop_map(Op::NewJob),
            any::<usize>().prop_map(Op::Pay),
            any::<usize>().prop_map(Op::Complete),
            any::<usize>().prop_map(Op::Confirm),
            any::<usize>().prop_map(Op::CustomerCancels),
            any::<usize>().prop_map(Op::ProCancels),
            (any::<usize>(), 1..PRICE).prop_map(|(i, cents)| Op::Refund(i, cents)),
            (any::<usize>(), 100..5_000_i64).prop_map(|(i, cents)| Op::Tip(i, cents)),
            Just(Op::Payout),
        ]
    }

    /// Applies `op`; an operation the job's state does not allow is refused, which is fine.
    async fn apply(cast: &Cast, jobs: &mut Vec<Job>, op: &Op, step: usize) {
        let pick = |i: usize| (!jobs.is_empty()).then(|| jobs[i % jobs.len()].clone());
        let key = format!("seq-{}-{step}", uuid::Uuid::new_v4());
        match op {
            Op::NewJob(days) => jobs.push(cast.signed_job(*days).await),
            Op::Pay(i) => {
                if let Some(job) = pick(*i) {
                    let _ = cast
                        .customer
                        .pay_job(&job.id, &card("tok_visa"), &key)
                        .await;
                }
            }
            Op::Complete(i) => {
                if let Some(job) = pick(*i) {
                    let current = cast.customer.job(&job.id).await.unwrap();
                    if let Some(slot) = current.scheduled
                        && current.paid_at.is_some()
                        && cast.now() < slot.start - Duration::hours(2)
                    {
                        cast.travel_to(slot.start - Duration::hours(1));
                    }
                    if cast.partner.start_job(&job.id).await.is_ok() {
                        cast.partner.complete_job(&job.id, &done()).await.unwrap();
                    }
                }
            }
            Op::Confirm(i) => {
                if let Some(job) = pick(*i)
                    && cast
                        .customer
                        .job(&job.id)
                        .await
                        .unwrap()
                        .review_window_ends_at
                        .is_some()
                {
                    cast.confirm(&job).await;
                }
            }
            Op::CustomerCancels(i) => {
                if let Some(job) = pick(*i) {
                    let _ = cast.customer.cancel_job(&job.id, "Changed plans").await;
                }
            }
            Op::ProCancels(i) => {
                if let Some(job) = pick(*i) {
                    let _ = cast.partner.cancel_job(&job.id, "Sick").await;
                }
            }
            Op::Refund(i, cents) => {
                if let Some(job) = pick(*i)
                    && cast
                        .customer
                        .dispute_job(
                            &job.id,
                            &DisputeInput {
                                reason: "Not as agreed".into(),
                                photo_ids: Vec::new(),
                            },
                        )
                        .await
                        .is_ok()
                {
                    let input = ResolveDisputeInput {
                        outcome: DisputeOutcome::Partial,
                        note: "Split".into(),
                        refund: Some(cad(*cents).into()),
                    };
                    cast.staff
                        .admin_resolve_dispute(&job.id, &input)
                        .await
                        .unwrap();
                }
            }
            Op::Tip(i, cents) => {
                if let Some(job) = pick(*i) {
                    let tip = TipInput {
                        amount: cad(*cents).into(),
                        card_token: "tok_visa".into(),
                    };
                    let _ = cast.customer.tip_job(&job.id, &tip, &key).await;
                }
            }
            Op::Payout => {
                cast.staff.admin_run_payouts(&key).await.unwrap();
            }
        }
    }

    #[test]
    fn random_sequences_keep_the_books_balanced() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let cast = runtime.block_on(Cast::new());
        let config = ProptestConfig {
            cases: 6,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        let mut runner = proptest::test_runner::TestRunner::new(config);
        runner
            .run(&proptest::collection::vec(op(), 1..14), |ops| {
                runtime.block_on(async {
                    let mut jobs = Vec::new();
                    for (step, op) in ops.iter().enumerate() {
                        apply(&cast, &mut jobs, op, step).await;
                        assert_books_balance(&cast.staff).await;
                    }
                });
                Ok(())
            })
            .unwrap();
        runtime.block_on(async {
            refunds_sent(&cast.staff).await;
        });
    }
}

/// A double tap on Pay sends two payments under two Idempotency-Keys at once: one charge, one
/// 201, and the other tap is told the job is being paid (409 `already_paid`), never a 502.
#[tokio::test]
async fn a_double_tap_on_pay_charges_once_and_says_so() {
    let stripe = FakeStripe::start();
    stripe.set_create_latency(std::time::Duration::from_millis(300));
    let settings = stripe.settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cast = Cast::with_settings(&overrides).await;
    let job = cast.signed_job(2).await;
    let visa = card("tok_visa");
    let (first, second) = tokio::join!(
        cast.customer.pay_job(&job.id, &visa, "tap-1"),
        cast.customer.pay_job(&job.id, &visa, "tap-2"),
    );
    let (paid, refused) = match (first, second) {
        (Ok(paid), Err(refused)) | (Err(refused), Ok(paid)) => (paid, refused),
        other => panic!("expected one payment and one refusal, got {other:?}"),
    };
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(refused.code(), Some(ErrorCode::AlreadyPaid), "{refused}");
    let creates = stripe
        .calls()
        .into_iter()
        .filter(|(path, _)| path == "/v1/payment_intents")
        .count();
    assert_eq!(creates, 1, "the second tap never reached the provider");
    assert_eq!(cast.app.count("payments").await, 1);
    // Afterwards, any further tap is the same answer.
    let again = cast
        .customer
        .pay_job(&job.id, &card("tok_visa"), "tap-3")
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::AlreadyPaid));
}
