//! Money: refunds the provider refused (send again with a note), penalties, and the ledger check.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::wallet::Refund;

use crate::state::staff::{MoneyDesk, retry_refund};
use crate::state::{AppError, Loadable, format};
use crate::ui::app::{loadable, use_action, use_loader, use_session};
use crate::ui::kit::{
    Badge, Button, Card, Field, Notice, Page, Row, action_error, field_error, loaded,
};

#[component]
pub fn MoneyScreen() -> Element {
    let session = use_session();
    let mut data = use_loader(|session| async move { MoneyDesk::load(&session).await });
    let mut notes = use_signal(BTreeMap::<String, String>::new);
    let mut done = use_signal(|| None::<String>);
    let mut acting_on = use_signal(|| None::<String>);
    let action = use_action();
    rsx! {
        MoneyPage {
            state: loadable(&data),
            notes: notes(),
            done: done(),
            acting_on: acting_on(),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_note: move |(id, note): (String, String)| {
                notes.write().insert(id, note);
            },
            on_send_again: move |refund: Refund| {
                let session = session.clone();
                if action.busy.cloned() {
                    return; // one refund at a time; its error stays on its card
                }
                let note = notes.read().get(&refund.id).cloned().unwrap_or_default();
                acting_on.set(Some(refund.id.clone()));
                action.run(async move {
                    let sent = retry_refund(&session, &refund, &note).await?;
                    done.set(Some(format!("{} goes back to the customer's card again.", format::money(&sent.amount))));
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn MoneyPage(
    state: Loadable<MoneyDesk>,
    notes: BTreeMap<String, String>,
    #[props(default)] done: Option<String>,
    /// The refund the last "Send again" was for: its error shows on its card.
    #[props(default)]
    acting_on: Option<String>,
    zone: Tz,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_note: EventHandler<(String, String)>,
    on_send_again: EventHandler<Refund>,
) -> Element {
    rsx! {
        Page { title: "Money",
            if let Some(done) = done {
                Notice { tone: "good", text: done }
            }
            {loaded(&state, Some(on_retry), |desk| rsx! {
                Card { title: "The books",
                    if desk.ledger.balanced {
                        Notice { tone: "good", text: format!("Balanced: {} transactions, {} entries, {} accounts.", desk.ledger.transactions, desk.ledger.entries, desk.ledger.accounts) }
                    } else {
                        Notice { tone: "bad", text: format!("Not balanced: {} transactions and {} accounts disagree. Stop payouts and look now.", desk.ledger.unbalanced_transactions.len(), desk.ledger.mismatched_accounts.len()) }
                    }
                    p { class: "subtle", "Per kind of account, debit-positive: money the platform holds is positive; what it owes customers and pros, or has earned, is negative." }
                    for total in desk.ledger.accounts_by_kind.iter() {
                        Row { label: total.kind.replace('_', " "), value: format::money(&total.balance) }
                    }
                }
                Card { title: "Refused refunds ({desk.failed_refunds.len()})",
                    if desk.failed_refunds.is_empty() {
                        p { class: "subtle", "Every refund went through." }
                    }
                    for refund in desk.failed_refunds.iter() {
                        RefusedRefund {
                            key: "{refund.id}",
                            refund: refund.clone(),
                            note: notes.get(&refund.id).cloned().unwrap_or_default(),
                            busy,
                            zone,
                            mine: acting_on.as_deref() == Some(refund.id.as_str()),
                            error: error.clone(),
                            on_note,
                            on_send_again,
                        }
                    }
                }
                Card { title: "Penalties ({desk.penalties.len()})",
                    if desk.penalties.is_empty() {
                        p { class: "subtle", "No late cancellations." }
                    }
                    for penalty in desk.penalties.iter() {
                        Row {
                            label: format!("{} · {:?} · {}", format::date(penalty.created_at, zone), penalty.party, penalty.reason.replace('_', " ")).to_lowercase(),
                            value: format!("{} · {}", format::money(&penalty.amount), penalty.status),
                        }
                    }
                }
            })}
        }
    }
}

/// One refused refund with its note and "Send again"; the last action's error shows on the
/// card it was for (`mine`).
#[component]
fn RefusedRefund(
    refund: Refund,
    note: String,
    busy: bool,
    zone: Tz,
    mine: bool,
    error: Option<AppError>,
    on_note: EventHandler<(String, String)>,
    on_send_again: EventHandler<Refund>,
) -> Element {
    let err = error.as_ref().filter(|_| mine);
    rsx! {
        section { class: "card", "aria-label": "Refund {format::money(&refund.amount)}",
            div { class: "card-head",
                strong { "{format::money(&refund.amount)}" }
                Badge { text: "Refused", tone: "bad" }
                span { class: "subtle", "{refund.reason} · refused {format::date_time(refund.updated_at, zone)} · sent again {refund.retries} times" }
            }
            if let Some(why) = &refund.last_error {
                p { class: "subtle", "The provider said: {why}" }
            }
            Field {
                label: "Why it should go through now",
                name: "note-{refund.id}",
                value: note,
                error: field_error(err, "note"),
                oninput: {
                    let id = refund.id.clone();
                    move |note| on_note.call((id.clone(), note))
                },
            }
            if err.is_some_and(AppError::fields_empty) {
                {action_error(err)}
            }
            Button {
                label: "Send again",
                busy: busy && mine,
                disabled: busy && !mine,
                onclick: {
                    let refund = refund.clone();
                    move |()| on_send_again.call(refund.clone())
                },
            }
        }
    }
}
