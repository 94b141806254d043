//! Payouts: run the week, the payouts with their cheque details, export a run as CSV, each
//! payout's statement, marking payouts sent and cleared.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::wallet::{Payout, PayoutMark, PayoutStatus};

use crate::state::account::SavedFile;
use crate::state::staff::{PayoutOverview, export_run, mark_payout, payouts, run_payouts};
use crate::state::statement::method_label;
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Badge, Button, Card, EmptyState, Notice, Page, Row, Tone, action_error, loaded,
};

#[component]
pub fn PayoutsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut status = use_signal(|| Some(PayoutStatus::Pending));
    let for_list = session.clone();
    let mut data = use_resource(move || {
        let session = for_list.clone();
        let status = status();
        async move { payouts(&session, status).await }
    });
    let mut overview = use_loader(|session| async move { PayoutOverview::load(&session).await });
    let mut notice = use_signal(|| None::<String>);
    let mut file = use_signal(|| None::<SavedFile>);
    let action = use_action();
    let (run_session, mark_session, export_session) =
        (session.clone(), session.clone(), session.clone());
    rsx! {
        PayoutsPage {
            state: loadable(&data),
            overview: loadable(&overview),
            status: status(),
            zone: session.time_zone(),
            notice: notice(),
            file: file(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_status: move |chosen| status.set(chosen),
            on_run: move |()| {
                let session = run_session.clone();
                action.run(async move {
                    let run = run_payouts(&session).await?;
                    let totals: Vec<String> = run.totals.iter().map(format::money).collect();
                    notice.set(Some(match run.created {
                        0 => format!("Week {}: no new payouts (everyone was paid, or nobody has money available).", run.period),
                        1 => format!("Week {}: 1 payout made, {}.", run.period, totals.join(", ")),
                        n => format!("Week {}: {n} payouts made, {}.", run.period, totals.join(", ")),
                    }));
                    data.restart();
                    overview.restart();
                    Ok(())
                });
            },
            on_mark: move |(id, mark): (String, PayoutMark)| {
                let session = mark_session.clone();
                action.run(async move {
                    let payout = mark_payout(&session, &id, mark).await?;
                    notice.set(Some(format!(
                        "{} to {}: {}.",
                        format::money(&payout.amount),
                        payout.payee,
                        if mark == PayoutMark::Sent { "marked sent" } else { "marked cleared" }
                    )));
                    data.restart();
                    Ok(())
                });
            },
            on_export: move |period: String| {
                let session = export_session.clone();
                action.run(async move {
                    file.set(Some(export_run(&session, &period, status()).await?));
                    Ok(())
                });
            },
            on_statement: move |id| nav.go(Screen::Statement(id)),
        }
    }
}

/// What a payout in `status` can be marked next, and the button's words.
fn next_mark(status: PayoutStatus) -> Option<(PayoutMark, &'static str)> {
    match status {
        PayoutStatus::Pending => Some((PayoutMark::Sent, "Mark sent")),
        PayoutStatus::Sent => Some((PayoutMark::Cleared, "Mark cleared")),
        PayoutStatus::Cleared | PayoutStatus::Unknown => None,
    }
}

fn status_text(status: PayoutStatus) -> &'static str {
    match status {
        PayoutStatus::Pending => "To send",
        PayoutStatus::Sent => "Sent",
        PayoutStatus::Cleared => "Cleared",
        PayoutStatus::Unknown => "Other",
    }
}

#[component]
pub fn PayoutsPage(
    state: Loadable<Vec<Payout>>,
    overview: Loadable<PayoutOverview>,
    status: Option<PayoutStatus>,
    zone: Tz,
    #[props(default)] notice: Option<String>,
    #[props(default)] file: Option<SavedFile>,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_status: EventHandler<Option<PayoutStatus>>,
    on_run: EventHandler<()>,
    on_mark: EventHandler<(String, PayoutMark)>,
    on_export: EventHandler<String>,
    on_statement: EventHandler<String>,
) -> Element {
    rsx! {
        Page { title: "Payouts",
            if let Some(notice) = notice {
                Notice { tone: "good", text: notice }
            }
            {action_error(error.as_ref())}
            {loaded(&overview, None, |overview| rsx! {
                p { class: "subtle", "The run starts on its own {format::date_time(overview.next_run_at, zone)}; running it now pays the same week." }
                if !overview.carried.is_empty() {
                    Card { title: "Negative balances carried ({overview.carried.len()})",
                        p { class: "subtle", "Penalties exceeded these pros' earnings: nothing is paid out, and later earnings pay it back first." }
                        for carried in overview.carried.iter() {
                            Row { key: "{carried.partner_id}-{carried.balance.currency}", label: carried.payee.clone(), value: format::money(&carried.balance) }
                        }
                    }
                }
            })}
            div { class: "actions",
                Button { label: "Run this week's payouts", busy, onclick: move |()| on_run.call(()) }
                if let Some(saved) = file {
                    a { class: "btn btn-secondary", href: "{saved.href}", download: "{saved.name}", "Save {saved.name}" }
                }
            }
            div { class: "segmented", role: "tablist",
                for choice in [Some(PayoutStatus::Pending), Some(PayoutStatus::Sent), Some(PayoutStatus::Cleared), None] {
                    button {
                        key: "{choice:?}",
                        role: "tab",
                        class: if choice == status { "segment segment-active" } else { "segment" },
                        "aria-selected": if choice == status { "true" } else { "false" },
                        onclick: move |_| on_status.call(choice),
                        {choice.map_or("All", status_text)}
                    }
                }
            }
            {loaded(&state, Some(on_retry), |list| {
                let mut periods: Vec<&str> = list.iter().map(|p| p.period.as_str()).collect();
                periods.dedup();
                rsx! {
                    if list.is_empty() {
                        EmptyState { title: "No payouts here", body: "The weekly run makes one payout per pro with money available." }
                    } else {
                        div { class: "actions",
                            for period in periods {
                                Button {
                                    key: "{period}",
                                    label: format!("Export week {period}, {} (CSV)", status.map_or("all", status_text).to_lowercase()),
                                    tone: Tone::Secondary,
                                    busy,
                                    onclick: {
                                        let period = period.to_owned();
                                        move |()| on_export.call(period.clone())
                                    },
                                }
                            }
                        }
                        table { class: "table",
                            thead {
                                tr {
                                    th { scope: "col", "Week" }
                                    th { scope: "col", "Payee" }
                                    th { scope: "col", "Amount" }
                                    th { scope: "col", "By" }
                                    th { scope: "col", "To" }
                                    th { scope: "col", "Status" }
                                    th { scope: "col", "" }
                                }
                            }
                            tbody {
                                for payout in list.iter() {
                                    tr { key: "{payout.id}",
                                        td { "{payout.period}" }
                                        td { "{payout.payee}" }
                                        td { "{format::money(&payout.amount)}" }
                                        td { {method_label(payout)} }
                                        td { {payout.destination.clone().unwrap_or_else(|| "No address on file".into())} }
                                        td {
                                            Badge {
                                                text: status_text(payout.status),
                                                tone: if payout.status == PayoutStatus::Cleared { "good" } else { "info" },
                                            }
                                            if let Some(at) = payout.sent_at {
                                                span { class: "subtle", " sent {format::date(at, zone)}" }
                                            }
                                        }
                                        td {
                                            div { class: "actions",
                                                button {
                                                    class: "btn-link",
                                                    "aria-label": "Statement for {payout.payee}",
                                                    onclick: {
                                                        let id = payout.id.clone();
                                                        move |_| on_statement.call(id.clone())
                                                    },
                                                    "Statement"
                                                }
                                                if let Some((mark, label)) = next_mark(payout.status) {
                                                    button {
                                                        class: "btn-link",
                                                        "aria-label": "{label}: {payout.payee}",
                                                        disabled: busy,
                                                        onclick: {
                                                            let id = payout.id.clone();
                                                            move |_| on_mark.call((id.clone(), mark))
                                                        },
                                                        "{label}"
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            })}
        }
    }
}
