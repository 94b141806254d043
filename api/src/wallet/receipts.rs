//! The customer's receipt for a job: every charge and refund as a line, the total, the sales
//! taxes that total includes and the platform's fee. Read from the payments and refunds as they
//! stand, so it is always current; the customer is sent it each time money moves
//! (`payment.receipt`).

use diesel::prelude::*;
use shared_types::jobs::JobStatus;
use shared_types::partners::Money;
use shared_types::wallet::{
    PaymentPurpose, PaymentStatus, Receipt, ReceiptLine, ReceiptLineKind, ReceiptLineStatus,
    RefundReason, RefundStatus, TaxLine,
};

use super::payments::PaymentRow;
use super::{MoneyPolicy, format_cents, refunds};
use crate::db::DbConnection;
use crate::db::schema::{payments, users};
use crate::error::ApiResult;
use crate::jobs::agreement;
use crate::jobs::model::{self, Actor};
use crate::requests::intake;

/// The receipt of `job_id`, for someone who may see the job.
pub fn of_job(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    policy: &MoneyPolicy,
) -> ApiResult<Receipt> {
    let job = model::find_for(conn, job_id, actor)?;
    let request = intake::find(conn, &job.request_id)?;
    let pro_name: String = users::table
        .find(&job.partner_id)
        .select(users::name)
        .first(conn)?;
    let description = super::job_name(conn, &job.id)?;
    let charges: Vec<PaymentRow> = payments::table
        .filter(payments::job_id.eq(&job.id))
        .filter(payments::status.ne(PaymentStatus::Failed.as_str()))
        .order((payments::created_at, payments::id))
        .select(PaymentRow::as_select())
        .load(conn)?;
    let refunds = refunds::of_job(conn, &job.id)?;
    let money = |cents: i64| Money {
        amount_cents: cents,
        currency: job.currency.clone(),
    };

    let mut lines = Vec::new();
    let mut price_paid = 0;
    let mut paid = 0;
    for charge in &charges {
        let status = if charge.status() == PaymentStatus::Succeeded {
            paid += charge.amount_cents;
            if charge.purpose() == PaymentPurpose::Job {
                price_paid += charge.amount_cents;
            }
            ReceiptLineStatus::Paid
        } else {
            ReceiptLineStatus::Processing
        };
        let (kind, label) = match charge.purpose() {
            PaymentPurpose::Tip => (ReceiptLineKind::Tip, format!("Tip for {pro_name}")),
            _ => (ReceiptLineKind::Price, description.clone()),
        };
        lines.push(ReceiptLine {
            kind,
            label,
            amount: charge.money(),
            status,
            reference: charge.id.clone(),
            at: charge.created_at.and_utc(),
        });
    }
    let mut refunded = 0;
    let mut refunded_for_dispute = 0;
    for refund in &refunds {
        refunded += refund.amount.amount_cents;
        if refund.reason == RefundReason::Dispute {
            refunded_for_dispute += refund.amount.amount_cents;
        }
        let kept = price_paid - refund.amount.amount_cents;
        let label = match refund.reason {
            RefundReason::Cancellation if kept > 0 => format!(
                "Refund: the job was cancelled late, less the {} cancellation fee",
                format_cents(kept, &job.currency)
            ),
            RefundReason::Cancellation => "Refund: the job was cancelled".to_owned(),
            _ => "Refund after the dispute".to_owned(),
        };
        lines.push(ReceiptLine {
            kind: ReceiptLineKind::Refund,
            label,
            amount: money(-refund.amount.amount_cents),
            status: match refund.status {
                RefundStatus::Succeeded => ReceiptLineStatus::Refunded,
                RefundStatus::Failed => ReceiptLineStatus::RefundFailed,
                _ => ReceiptLineStatus::RefundPending,
            },
            reference: refund.id.clone(),
            at: refund.created_at,
        });
    }
    let total = paid - refunded;
    // The fee is on the price of work done: none on a cancelled job, none on what a dispute
    // gave back.
    let platform_fee = if job.status() == JobStatus::Cancelled {
        0
    } else {
        policy.fee((price_paid - refunded_for_dispute).max(0))
    };
    Ok(Receipt {
        job_id: job.id.clone(),
        reference: agreement::reference(&job.id),
        description,
        pro_name,
        lines,
        taxes: included_taxes(&request.country, &request.postal_code, &money(total)),
        total: money(total),
        platform_fee: money(platform_fee),
    })
}

/// The sales taxes on services where the work is, by the first letter of a Canadian postal
/// code: HST in the Atlantic provinces and Ontario, GST and QST in Quebec, GST elsewhere.
/// Provincial sales taxes that apply only to some services (BC, Saskatchewan, Manitoba) are not
/// computed. Rates in thousandths of a percent (13% is 13 000; QST is 9.975%).
fn sales_taxes(country: &str, postal_code: &str) -> &'static [(&'static str, i64)] {
    if !country.eq_ignore_ascii_case("CA") {
        return &[];
    }
    match postal_code
        .trim()
        .chars()
        .next()
        .map(|c| c.to_ascii_uppercase())
    {
        Some('A' | 'C' | 'E') => &[("HST", 15_000)],
        Some('B') => &[("HST", 14_000)],
        Some('G' | 'H' | 'J') => &[("GST", 5_000), ("QST", 9_975)],
        Some('K' | 'L' | 'M' | 'N' | 'P') => &[("HST", 13_000)],
        Some('R' | 'S' | 'T' | 'V' | 'X' | 'Y') => &[("GST", 5_000)],
        _ => &[],
    }
}

/// 100% in the units of [`sales_taxes`].
const WHOLE: i64 = 100_000;

/// The taxes included in `total`: the total less the amount before tax, shared between the
/// taxes by rate (the last takes the rounding), so that the lines add up to the tax exactly.
fn included_taxes(country: &str, postal_code: &str, total: &Money) -> Vec<TaxLine> {
    let taxes = sales_taxes(country, postal_code);
    let rate: i64 = taxes.iter().map(|(_, rate)| rate).sum();
    if total.amount_cents <= 0 || rate == 0 {
        return Vec::new();
    }
    // Rounded half up, in integers.
    let before_tax = (total.amount_cents * WHOLE * 2 + (WHOLE + rate)) / ((WHOLE + rate) * 2);
    let tax = total.amount_cents - before_tax;
    let mut left = tax;
    taxes
        .iter()
        .enumerate()
        .map(|(index, (name, share_rate))| {
            let share = if index + 1 == taxes.len() {
                left
            } else {
                (tax * share_rate * 2 + rate) / (rate * 2)
            };
            left -= share;
            TaxLine {
                name: (*name).to_owned(),
                rate_percent: percent(*share_rate),
                amount: Money {
                    amount_cents: share,
                    currency: total.currency.clone(),
                },
            }
        })
        .collect()
}

/// A rate in thousandths of a percent as people write it: `13`, `9.975`.
fn percent(rate: i64) -> String {
    let text = format!("{}.{:03}", rate / 1_000, rate % 1_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cad(cents: i64) -> Money {
        Money {
            amount_cents: cents,
            currency: "CAD".to_owned(),
        }
    }

    #[test]
    fn ontario_prices_include_13_percent_hst() {
        let taxes = included_taxes("CA", "M4C 1B5", &cad(11_300));
        assert_eq!(taxes.len(), 1);
        assert_eq!(taxes[0].name, "HST");
        assert_eq!(taxes[0].rate_percent, "13");
        assert_eq!(taxes[0].amount.amount_cents, 1_300);
        // 149.00 = 131.86 + 17.14
        assert_eq!(
            included_taxes("CA", "m5h2n2", &cad(14_900))[0]
                .amount
                .amount_cents,
            1_714
        );
    }

    #[test]
    fn quebec_splits_gst_and_qst_and_they_add_up() {
        let taxes = included_taxes("CA", "H2X 1Y4", &cad(10_000));
        let names: Vec<_> = taxes.iter().map(|tax| tax.name.as_str()).collect();
        assert_eq!(names, ["GST", "QST"]);
        assert_eq!(taxes[1].rate_percent, "9.975");
        let total: i64 = taxes.iter().map(|tax| tax.amount.amount_cents).sum();
        // 100.00 / 1.14975 = 86.98 before tax.
        assert_eq!(total, 10_000 - 8_698);
        assert_eq!(taxes[0].amount.amount_cents, 435);
    }

    #[test]
    fn bc_is_gst_only_and_elsewhere_or_nothing_paid_has_none() {
        let bc = included_taxes("CA", "V6K 2G8", &cad(10_500));
        assert_eq!(
            (bc[0].name.as_str(), bc[0].amount.amount_cents),
            ("GST", 500)
        );
        assert!(included_taxes("US", "94103", &cad(10_000)).is_empty());
        assert!(included_taxes("CA", "M4C", &cad(0)).is_empty());
        assert!(included_taxes("CA", "", &cad(10_000)).is_empty());
    }
}
