//! Money: customer payments and tips, the partner's wallet and payouts, and the ledger check.
//!
//! Amounts are [`Money`]: integer cents and an ISO 4217 currency. In a wallet entry a positive
//! amount is money coming to the partner, a negative one money leaving their wallet.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::auth::not_blank;
use crate::partners::{Money, MoneyInput};

/// `POST /v1/jobs/{id}/payment`: the customer pays the job's price with a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentInput {
    /// A card token from the payment provider's card form (sandbox: `tok_visa` is accepted,
    /// `tok_declined` and `tok_insufficient_funds` are declined, `tok_refund_fails` is accepted
    /// but its first refund is refused).
    #[validate(length(min = 1, max = 255), custom(function = "card_token"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = "^[A-Za-z0-9_]+$",
            example = "tok_visa"
        )
    )]
    pub card_token: String,
}

/// `POST /v1/jobs/{id}/tips`: an in-app tip after completion, 100% to the pro.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TipInput {
    /// In the job's currency, from 1.00 to 1 000.00.
    #[validate(nested, custom(function = "tip_amount"))]
    pub amount: MoneyInput,
    /// A card token from the payment provider's card form, as for the job's payment.
    #[validate(length(min = 1, max = 255), custom(function = "card_token"))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            pattern = "^[A-Za-z0-9_]+$",
            example = "tok_visa"
        )
    )]
    pub card_token: String,
}

/// `POST /v1/jobs/{id}/checkout`: open the secure payment page for the job's price or a tip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "tip_only_for_tips"))]
pub struct CheckoutInput {
    /// `job` (the price) or `tip`.
    pub purpose: PaymentPurpose,
    /// For a tip: how much, in the job's currency, from 1.00 to 1 000.00. Absent for the price.
    #[validate(nested, custom(function = "tip_amount"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tip: Option<MoneyInput>,
}

impl CheckoutInput {
    /// The page for the job's price.
    pub fn job() -> Self {
        Self {
            purpose: PaymentPurpose::Job,
            tip: None,
        }
    }

    /// The page for a tip of `amount`.
    pub fn tip(amount: MoneyInput) -> Self {
        Self {
            purpose: PaymentPurpose::Tip,
            tip: Some(amount),
        }
    }
}

fn tip_only_for_tips(input: &CheckoutInput) -> Result<(), ValidationError> {
    let message = match (input.purpose, &input.tip) {
        (PaymentPurpose::Tip, None) => "say how much to tip",
        (PaymentPurpose::Job, Some(_)) => "the job's price is fixed; send no tip with it",
        _ => return Ok(()),
    };
    Err(crate::partners::message("tip", message))
}

/// The secure payment page for one payment: open its `url` in a browser. The customer types
/// their card there, never into the app; when they are done the page sends them back to
/// `{APP_LINK_BASE_URL}/jobs/{job_id}?payment={payment_id}`, and the payment settles (its
/// `payment.receipt` event, `GET /v1/jobs/{id}/receipt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Checkout {
    /// The payment the page settles (`processing` until then).
    pub payment: Payment,
    /// The page, at the payment provider (Stripe Checkout) or, with the sandbox, at this API.
    pub url: String,
    /// When the page stops taking cards; asking again after that opens a new one.
    pub expires_at: DateTime<Utc>,
}

pub const MIN_TIP_CENTS: i64 = 100;
pub const MAX_TIP_CENTS: i64 = 100_000;

fn tip_amount(amount: &MoneyInput) -> Result<(), ValidationError> {
    if (MIN_TIP_CENTS..=MAX_TIP_CENTS).contains(&amount.amount_cents) {
        Ok(())
    } else {
        let mut error = ValidationError::new("tip_amount");
        error.message = Some("a tip is from 100 to 100000 cents".into());
        Err(error)
    }
}

fn card_token(value: &str) -> Result<(), ValidationError> {
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(())
    } else {
        let mut error = ValidationError::new("card_token");
        error.message = Some("letters, digits and underscores only".into());
        Err(error)
    }
}

open_enum! {
    pub enum PaymentPurpose {
        /// The job's price.
        Job,
        /// A tip for the pro.
        Tip,
    }
}

open_enum! {
    pub enum PaymentStatus {
        /// The provider has not given its answer yet (it will, through a webhook).
        Processing,
        /// The card was charged.
        Succeeded,
        /// Declined; nothing was charged.
        Failed,
    }
}

/// A charge of the customer's card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    /// The payment's id.
    pub id: String,
    /// The job paid for.
    pub job_id: String,
    /// `job` (the price) or `tip`.
    pub purpose: PaymentPurpose,
    /// What it pays for, in words: `Home cleaning job`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub description: String,
    /// What was charged.
    pub amount: Money,
    /// Where the charge stands.
    pub status: PaymentStatus,
    /// `sandbox` or `stripe`.
    pub provider: String,
    /// Why it failed, in the provider's words (`card_declined`, …).
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub failure_code: Option<String>,
    /// When the charge was made.
    pub created_at: DateTime<Utc>,
}

open_enum! {
    /// Which part of the wallet an entry moved.
    pub enum WalletBucket {
        /// Earned, waiting for the customer's review window and staff confirmation.
        Pending,
        /// Confirmed; paid out with the next weekly payout.
        Available,
    }
}

open_enum! {
    /// What moved money, as the ledger names it.
    pub enum LedgerKind {
        /// The customer paid a job.
        Payment,
        /// A job was completed: the pro's earnings are pending.
        Earnings,
        /// A job was confirmed: its earnings became available.
        Release,
        /// The customer tipped the pro.
        Tip,
        /// Staff refunded all or part of a disputed job.
        DisputeRefund,
        /// A paid job was cancelled without penalty: the customer is refunded in full.
        Cancellation,
        /// A job was cancelled late: the cancelling side pays the penalty.
        LateCancellation,
        /// A refund reached the customer's card.
        RefundSent,
        /// The weekly payout took the available balance.
        Payout,
        /// The payout reached the partner.
        PayoutCleared,
    }
}

/// One movement in a partner's wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletEntry {
    /// The entry's id.
    pub id: String,
    /// The balance it moved: `pending` or `available`.
    pub bucket: WalletBucket,
    /// Positive: money to the partner; negative: money leaving the wallet.
    pub amount: Money,
    /// What moved the money.
    pub kind: LedgerKind,
    /// E.g. "Earnings for the Home cleaning job: 149.00 CAD less the 15% platform fee
    /// (22.35 CAD)".
    pub description: String,
    /// The job it concerns, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub job_id: Option<String>,
    /// The payout it belongs to, if any.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub payout_id: Option<String>,
    /// When the money moved.
    pub created_at: DateTime<Utc>,
}

/// A partner's money in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WalletBalance {
    /// Earned, waiting for confirmation.
    pub pending: Money,
    /// Confirmed; goes out with the next payout. Negative when penalties exceed earnings: the
    /// difference is taken from future earnings.
    pub available: Money,
    /// Everything ever earned: confirmed earnings, tips and compensation, less penalties.
    pub lifetime_earned: Money,
}

/// `GET /v1/wallet`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Wallet {
    /// One per currency the partner has earned in, by currency code.
    pub balances: Vec<WalletBalance>,
    /// When the next weekly payout run takes the available balance.
    pub next_payout_at: DateTime<Utc>,
    /// How payouts reach the partner; none set means a cheque without an address yet.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub payout_method: Option<PayoutMethod>,
}

open_enum! {
    pub enum PayoutMethodKind {
        /// A cheque mailed weekly (the default).
        Cheque,
        /// A transfer to the pro's bank account.
        BankTransfer,
    }
}

/// `PUT /v1/wallet/payout-method`: a cheque needs `mailing_address`, a bank transfer needs
/// `bank_account`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[validate(schema(function = "payout_method_complete"))]
pub struct PayoutMethodInput {
    /// How to be paid: `cheque` or `bank_transfer`.
    pub method: PayoutMethodKind,
    /// The address cheques are mailed to, as it goes on the envelope.
    #[validate(length(min = 5, max = 500), custom(function = "not_blank"))]
    #[cfg_attr(feature = "openapi", schema(min_length = 5, max_length = 500))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailing_address: Option<String>,
    /// The account to pay into; required for `bank_transfer`.
    #[validate(nested)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<BankAccountInput>,
}

fn payout_method_complete(input: &PayoutMethodInput) -> Result<(), ValidationError> {
    let missing = match input.method {
        PayoutMethodKind::Cheque if input.mailing_address.is_none() => "mailing_address",
        PayoutMethodKind::BankTransfer if input.bank_account.is_none() => "bank_account",
        _ => return Ok(()),
    };
    let mut error = ValidationError::new("required");
    error.message = Some(format!("{missing} is required for this method").into());
    Err(error)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankAccountInput {
    /// The name on the account.
    #[validate(length(min = 1, max = 200), custom(function = "not_blank"))]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub account_holder: String,
    /// Institution and branch (transit) number, digits only.
    #[validate(length(min = 5, max = 20), custom(function = "digits"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 5, max_length = 20, pattern = "^[0-9]+$")
    )]
    pub routing_number: String,
    /// The account number, digits only; only its last four digits are ever shown back.
    #[validate(length(min = 4, max = 20), custom(function = "digits"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 4, max_length = 20, pattern = "^[0-9]+$")
    )]
    pub account_number: String,
}

fn digits(value: &str) -> Result<(), ValidationError> {
    if value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        let mut error = ValidationError::new("digits");
        error.message = Some("digits only".into());
        Err(error)
    }
}

/// How payouts reach the partner; the account number is never shown again, only its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutMethod {
    /// How payouts are made.
    pub method: PayoutMethodKind,
    /// The address cheques are mailed to, if one was given.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub mailing_address: Option<String>,
    /// The account transfers go to, masked; present only for `bank_transfer`.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub bank_account: Option<BankAccount>,
    /// When the method was last set.
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankAccount {
    /// The name on the account.
    pub account_holder: String,
    /// Institution and branch (transit) number.
    pub routing_number: String,
    /// The last four digits.
    pub account_last4: String,
}

open_enum! {
    pub enum PayoutStatus {
        /// Made by the weekly run; the cheque or transfer is being prepared.
        Pending,
        /// Mailed or transferred.
        Sent,
        /// Cashed or received: the money has left the platform.
        Cleared,
    }
}

/// One weekly payout to a partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payout {
    /// The payout's id.
    pub id: String,
    /// The pro paid (their user id).
    pub partner_id: String,
    /// The pro's business name: who the cheque or transfer is made out to. (Empty in events
    /// stored before payouts named their payee.)
    #[serde(default)]
    pub payee: String,
    /// The ISO week of the run, e.g. `2026-W48`.
    pub period: String,
    /// What is paid out: the pro's whole available balance at the run.
    pub amount: Money,
    /// How it is paid.
    pub method: PayoutMethodKind,
    /// Where it goes: the mailing address, or the bank account's last digits.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub destination: Option<String>,
    /// Where the payout stands.
    pub status: PayoutStatus,
    /// When the weekly run made it.
    pub created_at: DateTime<Utc>,
    /// When staff marked it sent; `null` before.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sent_at: Option<DateTime<Utc>>,
    /// When staff marked it cleared; `null` before.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub cleared_at: Option<DateTime<Utc>>,
}

/// `GET /v1/admin/payouts` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PayoutFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PayoutStatus>,
    /// Only this partner's payouts.
    #[validate(length(max = 64))]
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    /// Only one run's payouts: its ISO week, e.g. `2026-W48`.
    #[validate(length(min = 1, max = 10))]
    #[cfg_attr(
        feature = "openapi",
        param(min_length = 1, max_length = 10, example = "2026-W48")
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
}

/// `GET /v1/admin/payouts/carried`: a pro whose available balance is below zero (penalties
/// exceed earnings). Nothing is paid out; later earnings pay it back first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarriedBalance {
    /// The pro (their user id).
    pub partner_id: String,
    /// The pro's business name.
    pub payee: String,
    /// Below zero.
    pub balance: Money,
}

/// `GET /v1/payouts/{id}/statement` (the pro) and `GET /v1/admin/payouts/{id}/statement`
/// (staff): the remittance statement of one payout, what it pays for line by line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutStatement {
    /// The payout the statement is for.
    pub payout: Payout,
    /// The pro's business name.
    pub business_name: String,
    /// The entries of the available balance since the previous payout, oldest first (a payout
    /// takes the whole balance, so it starts from zero): they add up to the payout's amount.
    /// Penalties carried from weeks without a payout are among them.
    pub entries: Vec<WalletEntry>,
}

open_enum! {
    /// Why a customer is owed a refund.
    pub enum RefundReason {
        /// A paid job was cancelled.
        Cancellation,
        /// Staff resolved a dispute with a full or partial refund.
        Dispute,
    }
}

open_enum! {
    pub enum RefundStatus {
        /// Owed; the refund worker sends it to the payment provider (and retries if it cannot reach
        /// it).
        Pending,
        /// The money went back to the customer's card.
        Succeeded,
        /// The provider refused it (e.g. the card was closed). The money stays owed, in
        /// `refunds_pending`, until staff retry it.
        Failed,
    }
}

/// Money owed back to a customer for one payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Refund {
    /// The refund's id.
    pub id: String,
    /// The job the refund is for.
    pub job_id: String,
    /// The payment (card charge) the money goes back to.
    pub payment_id: String,
    /// What the payment was for, in words: `Home cleaning job`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub description: String,
    /// How much goes back.
    pub amount: Money,
    /// Why the customer is owed it.
    pub reason: RefundReason,
    /// Where the refund stands.
    pub status: RefundStatus,
    /// Times the provider could not be reached since the refund was queued or last retried.
    pub attempts: i32,
    /// Times staff sent a failed refund again.
    pub retries: i32,
    /// Why the last attempt did not go through.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_error: Option<String>,
    /// When the refund became owed.
    pub created_at: DateTime<Utc>,
    /// When the refund last changed.
    pub updated_at: DateTime<Utc>,
}

/// `GET /v1/admin/refunds` filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct RefundFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RefundStatus>,
    /// Only this job's refunds.
    #[validate(length(max = 64))]
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// `POST /v1/admin/refunds/{id}/retry`: send a failed refund again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundRetryInput {
    /// Why it should go through now, e.g. "the customer's bank reopened the card"; kept in the
    /// audit log.
    #[validate(length(min = 1, max = 2000), custom(function = "not_blank"))]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 2000, pattern = r"[^\s\u0085]")
    )]
    pub note: String,
}

/// `POST /v1/admin/payouts/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutStatusInput {
    /// `sent` (from `pending`) or `cleared` (from `sent`).
    pub status: PayoutMark,
}

/// What staff can mark a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PayoutMark {
    /// Mailed or transferred.
    Sent,
    /// Cashed or received; the money has left the platform.
    Cleared,
}

impl From<PayoutMark> for PayoutStatus {
    fn from(mark: PayoutMark) -> Self {
        match mark {
            PayoutMark::Sent => Self::Sent,
            PayoutMark::Cleared => Self::Cleared,
        }
    }
}

/// `POST /v1/admin/payouts/run`: what the run did. Running it again in the same week creates
/// nothing new.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutRun {
    /// The ISO week paid, e.g. `2026-W48`.
    pub period: String,
    /// Payouts this run made.
    pub created: u32,
    /// Their total per currency.
    pub totals: Vec<Money>,
}

/// `GET /v1/admin/ledger/check`: the ledger recomputed from its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerCheck {
    /// True when every transaction sums to zero per currency and every cached balance equals
    /// the sum of its account's entries.
    pub balanced: bool,
    /// How many transactions were checked.
    pub transactions: i64,
    /// How many ledger entries were checked.
    pub entries: i64,
    /// How many ledger accounts were checked.
    pub accounts: i64,
    /// Transactions whose entries do not sum to zero (should never be listed).
    pub unbalanced_transactions: Vec<String>,
    /// Accounts whose cached balance differs from their entries (should never be listed).
    pub mismatched_accounts: Vec<String>,
    /// The books per account kind and currency.
    pub accounts_by_kind: Vec<AccountTotal>,
}

/// The total balance of one kind of account in one currency, signed debit-positive (money the
/// platform holds is positive; what it owes customers and partners, or has earned, negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountTotal {
    /// `platform_cash`, `customer_held`, `partner_pending`, …
    pub kind: String,
    /// The total of this kind of account in one currency, debit-positive.
    pub balance: Money,
}

/// `POST /v1/webhooks/payments/stripe` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookReceipt {
    /// Always true: the event was accepted.
    pub received: bool,
    /// False when this event id was processed before (a replay): nothing changed.
    pub processed: bool,
}

open_enum! {
    /// What a receipt line is.
    pub enum ReceiptLineKind {
        /// The job's price.
        Price,
        /// A tip for the pro.
        Tip,
        /// Money going back to the card.
        Refund,
    }
}

open_enum! {
    /// Where a receipt line's money stands.
    pub enum ReceiptLineStatus {
        /// Charged to the card.
        Paid,
        /// The card is being charged (a payment page is open, or the bank has not answered).
        Processing,
        /// Owed back; on its way to the card.
        RefundPending,
        /// Back on the card.
        Refunded,
        /// The card refused it; staff are sending it again.
        RefundFailed,
    }
}

/// One line of a receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReceiptLine {
    /// The price, a tip or a refund.
    pub kind: ReceiptLineKind,
    /// In plain words: `Lawn care job`, `Tip for Sam`, `Refund: the job was cancelled late,
    /// less the 25.00 CAD cancellation fee`.
    pub label: String,
    /// Charged (positive) or given back (negative).
    pub amount: Money,
    /// Where its money stands.
    pub status: ReceiptLineStatus,
    /// The payment or refund behind the line.
    pub reference: String,
    /// When it was charged or became owed.
    pub at: DateTime<Utc>,
}

/// A sales tax included in the amounts charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxLine {
    /// `HST`, `GST`, `QST`.
    pub name: String,
    /// The rate in percent, as written on a bill: `13`, `9.975`.
    pub rate_percent: String,
    /// The part of the net total that is this tax.
    pub amount: Money,
}

/// What the customer paid for a job: the price, the tip, every refund, the sales taxes the
/// amounts include and what the platform's fee was. Lines settle as the money moves; a job not
/// paid yet has no lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// The job paid for.
    pub job_id: String,
    /// The reference printed on the agreement, e.g. `PL-3F9A1C2B`.
    pub reference: String,
    /// The job, e.g. `Lawn care job`.
    pub description: String,
    /// The pro who does the work.
    pub pro_name: String,
    /// Oldest first.
    pub lines: Vec<ReceiptLine>,
    /// Paid, less what is back on the card or on its way.
    pub total: Money,
    /// Included in `total`, by the province of the job's postal code (Canada). Empty where no
    /// sales tax applies.
    pub taxes: Vec<TaxLine>,
    /// Porchlight's fee on the price, included in it and paid from the pro's share: the
    /// customer pays nothing on top. Zero for a job refunded in full.
    pub platform_fee: Money,
}
