//! Money: the ledger, customer payments and tips, the job's settlement, refunds, the partner's
//! wallet and the weekly payouts. See `ledger` for the accounts and `settlement` for how a job's
//! money moves with it.

pub mod balances;
pub mod checkout;
mod handlers;
pub mod ledger;
pub mod payment_page;
pub mod payments;
pub mod payouts;
pub mod provider;
pub mod receipts;
pub mod refunds;
pub mod settlement;
pub mod webhooks;

use std::time::Duration;

use diesel::prelude::*;
use shared_types::partners::Money;

use crate::config::Settings;
use crate::db::DbConnection;
use crate::db::schema::{categories, jobs, service_requests};
use crate::error::ApiResult;
use crate::state::AppState;

/// The platform's cut, from the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyPolicy {
    /// The platform fee on a job's price, in basis points (1500 = 15%).
    pub platform_fee_bps: u32,
    /// The share of a customer's late-cancellation fee paid to the pro, in basis points.
    pub compensation_bps: u32,
}

impl From<&Settings> for MoneyPolicy {
    fn from(settings: &Settings) -> Self {
        Self {
            platform_fee_bps: settings.platform_fee_bps,
            compensation_bps: settings.cancellation_compensation_bps,
        }
    }
}

impl MoneyPolicy {
    /// The platform fee on `amount_cents`, rounded half up to the cent. The pro earns the rest,
    /// so the two always add up to the amount.
    pub fn fee(&self, amount_cents: i64) -> i64 {
        shared_types::admin::platform_fee_cents(amount_cents, self.platform_fee_bps)
    }

    /// The pro's share of a late-cancellation fee, rounded down; the platform keeps the rest.
    pub fn compensation(&self, fee_cents: i64) -> i64 {
        fee_cents * i64::from(self.compensation_bps) / 10_000
    }

    /// The fee as people read it, e.g. `15%` or `12.5%`.
    pub fn fee_percent(&self) -> String {
        shared_types::admin::fee_percent(self.platform_fee_bps)
    }
}

/// `150.00 CAD`.
pub fn format_cents(amount_cents: i64, currency: &str) -> String {
    let sign = if amount_cents < 0 { "-" } else { "" };
    let cents = amount_cents.unsigned_abs();
    format!("{sign}{}.{:02} {currency}", cents / 100, cents % 100)
}

pub fn format_money(money: &Money) -> String {
    format_cents(money.amount_cents, &money.currency)
}

/// How money texts name a job, by its category: `Cleaning job` (entries also carry the job's id).
pub fn job_name(conn: &mut DbConnection, job_id: &str) -> ApiResult<String> {
    let category: Option<String> = jobs::table
        .inner_join(service_requests::table.inner_join(categories::table))
        .filter(jobs::id.eq(job_id))
        .select(categories::name)
        .first(conn)
        .optional()?;
    Ok(category.map_or_else(|| "job".to_owned(), |name| format!("{name} job")))
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(handlers::pay_job)
        .service(handlers::tip_job)
        .service(handlers::open_checkout)
        .service(handlers::job_payments)
        .service(handlers::job_receipt)
        .service(handlers::stripe_webhook)
        .service(handlers::get_wallet)
        .service(handlers::wallet_entries)
        .service(handlers::set_payout_method)
        .service(handlers::my_payouts)
        .service(handlers::my_payout_statement)
        .service(handlers::admin_run_payouts)
        .service(handlers::admin_payouts)
        .service(handlers::admin_export_payouts)
        .service(handlers::admin_carried_balances)
        .service(handlers::admin_payout_statement)
        .service(handlers::admin_partner_wallet)
        .service(handlers::admin_partner_wallet_entries)
        .service(handlers::admin_mark_payout)
        .service(handlers::admin_refunds)
        .service(handlers::admin_retry_refund)
        .service(handlers::admin_ledger_check);
}

/// How often the refund worker looks for due refunds besides being woken.
const REFUND_POLL: Duration = Duration::from_secs(30);
/// How often the payout scheduler looks at the clock.
const PAYOUT_POLL: Duration = Duration::from_mins(1);

/// The money workers: the refund sender (woken by `refunds_queued`) and the weekly payout run.
pub fn start(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let mut waiter = state.wakeups.refunds_queued.subscribe();
    let refunder = {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                match refunds::send_due(&state, &state.payments).await {
                    Ok(sent) if sent > 0 => continue,
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "refund worker"),
                }
                waiter.wait(REFUND_POLL).await;
            }
        })
    };
    let scheduler = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(PAYOUT_POLL);
            loop {
                ticks.tick().await;
                if let Err(error) = payouts::run_if_due(&state).await {
                    tracing::warn!(%error, "weekly payout run");
                }
            }
        })
    };
    vec![refunder, scheduler]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_and_earnings_always_add_up() {
        let policy = MoneyPolicy {
            platform_fee_bps: 1500,
            compensation_bps: 8500,
        };
        assert_eq!(policy.fee(15_000), 2_250);
        assert_eq!(policy.fee(1), 0, "0.15 of a cent rounds down");
        assert_eq!(policy.fee(10), 2, "1.5 cents rounds half up");
        assert_eq!(policy.compensation(2_500), 2_125);
        assert_eq!(policy.compensation(1), 0);
        assert_eq!(policy.fee_percent(), "15%");
        let odd = MoneyPolicy {
            platform_fee_bps: 1250,
            compensation_bps: 0,
        };
        assert_eq!(odd.fee_percent(), "12.5%");
    }

    #[test]
    fn money_reads_as_people_write_it() {
        assert_eq!(format_cents(15_000, "CAD"), "150.00 CAD");
        assert_eq!(format_cents(5, "USD"), "0.05 USD");
        assert_eq!(format_cents(-2_550, "CAD"), "-25.50 CAD");
    }
}
