//! A payout's remittance statement: the pro's own (from the wallet) or any (staff, from
//! payouts), printable and saved as a text file.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::auth::Role;
use shared_types::wallet::PayoutStatement;

use crate::state::statement::{method_label, statement_file};
use crate::state::{Loadable, format, partner, staff};
use crate::ui::app::{loadable, use_loader, use_nav, use_session};
use crate::ui::kit::{Button, Card, Page, Row, Tone, loaded};

#[component]
pub fn StatementScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let mut data = use_loader(move |session| {
        let id = id.clone();
        async move {
            if session.role() == Some(Role::Staff) {
                staff::statement(&session, &id).await
            } else {
                partner::payout_statement(&session, &id).await
            }
        }
    });
    rsx! {
        StatementPage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_print: move |()| {
                // The browser's print dialog (the page prints without the menus).
                let _printing = dioxus::document::eval("window.print();");
            },
        }
    }
}

#[component]
pub fn StatementPage(
    state: Loadable<PayoutStatement>,
    zone: Tz,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_print: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Statement", on_back,
            {loaded(&state, Some(on_retry), |statement| {
                let payout = &statement.payout;
                let currency = payout.amount.currency.clone();
                let file = statement_file(statement, zone);
                let mut running = 0;
                rsx! {
                    Card { title: "Remittance statement",
                        p { class: "subtle", "Everything since the previous payout; penalties carried from weeks without a payout are among the lines." }
                        Row { label: "Payee", value: statement.business_name.clone() }
                        Row { label: "Week", value: payout.period.clone() }
                        Row {
                            label: "Paid by",
                            value: format!("{}{}", method_label(payout), payout.destination.as_deref().map(|to| format!(" to {to}")).unwrap_or_default()),
                        }
                    }
                    table { class: "table statement",
                        thead {
                            tr {
                                th { scope: "col", "Date" }
                                th { scope: "col", "What" }
                                th { scope: "col", "Amount" }
                                th { scope: "col", "Balance" }
                            }
                        }
                        tbody {
                            for entry in statement.entries.iter() {
                                {
                                    running += entry.amount.amount_cents;
                                    rsx! {
                                        tr { key: "{entry.id}",
                                            td { {format::date(entry.created_at, zone)} }
                                            td { "{entry.description}" }
                                            td { {format::money(&entry.amount)} }
                                            td { {format::money_parts(running, &currency)} }
                                        }
                                    }
                                }
                            }
                        }
                        tfoot {
                            tr {
                                th { scope: "row", colspan: "3", "Total paid" }
                                td { strong { {format::money(&payout.amount)} } }
                            }
                        }
                    }
                    div { class: "actions no-print",
                        Button { label: "Print", tone: Tone::Secondary, onclick: move |()| on_print.call(()) }
                        a { class: "btn btn-secondary", href: "{file.href}", download: "{file.name}", "Save as text" }
                    }
                }
            })}
        }
    }
}
