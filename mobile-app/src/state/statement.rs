//! A payout's remittance statement as people read it, on screen, printed or saved: the same
//! text for the pro in the app and for staff in the console.

use chrono_tz::Tz;
use shared_types::wallet::{Payout, PayoutMethodKind, PayoutStatement};

use super::account::SavedFile;
use super::format;

/// The statement as the printed page (and the text file) reads it: who is paid, how, and each
/// line with its running total, ending at the payout's amount.
pub fn statement_text(statement: &PayoutStatement, zone: Tz) -> String {
    let payout = &statement.payout;
    let currency = &payout.amount.currency;
    let mut lines = vec![
        "PORCHLIGHT REMITTANCE STATEMENT".to_owned(),
        format!("Payee: {}", statement.business_name),
        format!("Week: {}", payout.period),
        format!(
            "Paid by: {}{}",
            method_label(payout),
            payout
                .destination
                .as_deref()
                .map(|to| format!(" to {to}"))
                .unwrap_or_default()
        ),
        format!("Payout: {}", payout.id),
        String::new(),
        "Since the previous payout:".to_owned(),
    ];
    let mut running = 0;
    for entry in &statement.entries {
        running += entry.amount.amount_cents;
        lines.push(format!(
            "{}  {}  {}  (balance {})",
            format::date(entry.created_at, zone),
            entry.description,
            format::money(&entry.amount),
            format::money_parts(running, currency)
        ));
    }
    lines.push(String::new());
    lines.push(format!("Total paid: {}", format::money(&payout.amount)));
    lines.join("\n") + "\n"
}

/// How a payout goes out, in words.
pub fn method_label(payout: &Payout) -> &'static str {
    match payout.method {
        PayoutMethodKind::Cheque => "cheque",
        PayoutMethodKind::BankTransfer => "bank transfer",
        PayoutMethodKind::Unknown => "another method",
    }
}

/// The statement as a text file to save.
pub fn statement_file(statement: &PayoutStatement, zone: Tz) -> SavedFile {
    SavedFile::of_text(
        &format!("porchlight-statement-{}.txt", statement.payout.period),
        "text/plain",
        &statement_text(statement, zone),
    )
}
