//! The wallet: what is pending, what is available, the next payout, every entry, every payout.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::wallet::{PayoutMethodKind, PayoutStatus, WalletBucket};

use crate::state::partner::{PayoutMethodForm, WalletView, set_payout_method};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Badge, Button, Card, EmptyState, Field, Page, Row, Tone, action_error, field_error, loaded,
};

#[component]
pub fn WalletScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { WalletView::load(&session).await });
    let action = use_action();
    rsx! {
        WalletPage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_retry: move |()| data.restart(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_statement: move |id| nav.go(Screen::Statement(id)),
            on_payout_method: move |form: PayoutMethodForm| {
                let session = session.clone();
                action.run(async move {
                    set_payout_method(&session, &form).await?;
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn WalletPage(
    state: Loadable<WalletView>,
    zone: Tz,
    on_retry: EventHandler<()>,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    #[props(default)] on_payout_method: Option<EventHandler<PayoutMethodForm>>,
    #[props(default)] on_statement: Option<EventHandler<String>>,
) -> Element {
    rsx! {
        Page { title: "Wallet",
            {loaded(&state, Some(on_retry), |view| rsx! {
                if view.wallet.balances.is_empty() {
                    Card { title: "Balance",
                        p { class: "money-big", "{format::money_parts(0, \"CAD\")}" }
                        p { class: "subtle", "Earnings from completed jobs appear here." }
                    }
                }
                for balance in view.wallet.balances.iter() {
                    Card { title: "Balance ({balance.available.currency})",
                        div { class: "balances",
                            div { class: "balance",
                                p { class: "balance-label", "Available" }
                                p { class: "money-big", "{format::money(&balance.available)}" }
                                p { class: "subtle", "Paid out on the next payout day" }
                            }
                            div { class: "balance",
                                p { class: "balance-label", "Pending" }
                                p { class: "money-mid", "{format::money(&balance.pending)}" }
                                p { class: "subtle", "Held until the customer confirms" }
                            }
                        }
                        Row { label: "Earned so far", value: format::money(&balance.lifetime_earned) }
                    }
                }
                Card { title: "Next payout",
                    Row { label: "Date", value: format::date_time(view.wallet.next_payout_at, zone) }
                    Row {
                        label: "Method",
                        value: match &view.wallet.payout_method {
                            None => "Not set: add one to get paid".to_owned(),
                            Some(method) => match method.method {
                                PayoutMethodKind::Cheque => "Cheque by mail".to_owned(),
                                PayoutMethodKind::Unknown => "Set".to_owned(),
                                PayoutMethodKind::BankTransfer => format!(
                                    "Bank account ••••{}",
                                    method.bank_account.as_ref().map_or("", |b| b.account_last4.as_str())
                                ),
                            },
                        },
                    }
                }
                if let Some(on_save) = on_payout_method {
                    PayoutMethodCard { busy, error: error.clone(), on_save }
                }
                h2 { class: "section-title", "Activity" }
                if view.entries.is_empty() {
                    EmptyState { title: "No activity yet", body: "Each job you complete adds an entry here." }
                }
                ul { class: "list",
                    for entry in view.entries.iter() {
                        li { class: "list-item", key: "{entry.id}",
                            div {
                                p { class: "list-title", "{entry.description}" }
                                p { class: "subtle",
                                    "{format::date_time(entry.created_at, zone)} · "
                                    if entry.bucket == WalletBucket::Pending { "pending" } else { "available" }
                                }
                            }
                            span {
                                class: if entry.amount.amount_cents < 0 { "amount amount-out" } else { "amount amount-in" },
                                "{format::money(&entry.amount)}"
                            }
                        }
                    }
                }
                h2 { class: "section-title", "Payouts" }
                if view.payouts.is_empty() {
                    EmptyState { title: "No payouts yet", body: "Your available balance is paid out every week." }
                }
                ul { class: "list",
                    for payout in view.payouts.iter() {
                        li { class: "list-item", key: "{payout.id}",
                            div {
                                p { class: "list-title", "Week {payout.period}" }
                                Badge {
                                    text: match payout.status {
                                        PayoutStatus::Pending => "Pending",
                                        PayoutStatus::Sent => "Sent",
                                        PayoutStatus::Cleared => "Cleared",
                                        PayoutStatus::Unknown => "Updated",
                                    },
                                    tone: if payout.status == PayoutStatus::Cleared { "good" } else { "info" },
                                }
                            }
                            div { class: "list-end",
                                span { class: "amount", "{format::money(&payout.amount)}" }
                                if let Some(on_statement) = on_statement {
                                    button {
                                        class: "btn-link",
                                        "aria-label": "Statement for week {payout.period}",
                                        onclick: {
                                            let id = payout.id.clone();
                                            move |_| on_statement.call(id.clone())
                                        },
                                        "Statement"
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

/// Sets or changes where payouts go.
#[component]
fn PayoutMethodCard(
    busy: bool,
    error: Option<AppError>,
    on_save: EventHandler<PayoutMethodForm>,
) -> Element {
    let mut form = use_signal(PayoutMethodForm::default);
    let err = error.as_ref();
    let f = form.read().clone();
    rsx! {
        details { class: "card",
            summary { class: "card-title", "Payout method" }
            fieldset { class: "choice",
                legend { "Pay me by" }
                label { class: "choice-option",
                    input {
                        r#type: "radio",
                        name: "payout_method",
                        checked: !f.bank_transfer,
                        onchange: move |_| form.write().bank_transfer = false,
                    }
                    span { "Cheque by mail" }
                }
                label { class: "choice-option",
                    input {
                        r#type: "radio",
                        name: "payout_method",
                        checked: f.bank_transfer,
                        onchange: move |_| form.write().bank_transfer = true,
                    }
                    span { "Bank transfer" }
                }
            }
            if f.bank_transfer {
                Field {
                    label: "Account holder",
                    name: "account_holder",
                    value: f.account_holder.clone(),
                    error: field_error(err, "bank_account.account_holder"),
                    oninput: move |v| form.write().account_holder = v,
                }
                Field {
                    label: "Routing number",
                    name: "routing_number",
                    value: f.routing_number.clone(),
                    error: field_error(err, "bank_account.routing_number"),
                    oninput: move |v| form.write().routing_number = v,
                }
                Field {
                    label: "Account number",
                    name: "account_number",
                    value: f.account_number.clone(),
                    error: field_error(err, "bank_account.account_number"),
                    oninput: move |v| form.write().account_number = v,
                }
            } else {
                Field {
                    label: "Mailing address",
                    name: "mailing_address",
                    kind: "textarea",
                    value: f.mailing_address.clone(),
                    error: field_error(err, "mailing_address"),
                    oninput: move |v| form.write().mailing_address = v,
                }
            }
            {action_error(err)}
            Button {
                label: "Save payout method",
                tone: Tone::Secondary,
                busy,
                onclick: move |()| on_save.call(form.read().clone()),
            }
        }
    }
}
