//! Settings ("More"): notification preferences, the accepting-leads switch, sign out, and the
//! pro's other screens.

use dioxus::prelude::*;
use shared_types::notify::NotificationCategory;

use crate::state::partner::{SettingsView, save_preferences, set_accepting_leads};
use crate::state::{AppError, Loadable, Screen};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{Button, Card, Page, Toggle, Tone, action_error, loaded};

/// A change made on the settings screen.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingsChange {
    AcceptingLeads(bool),
    Channel {
        category: NotificationCategory,
        push: bool,
        email: bool,
    },
    SignOut,
    Open(Screen),
}

#[component]
pub fn SettingsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { SettingsView::load(&session).await });
    let action = use_action();
    let partner = session.role() == Some(shared_types::auth::Role::Partner);
    rsx! {
        SettingsPage {
            state: loadable(&data),
            partner,
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_change: move |change: SettingsChange| {
                let session = session.clone();
                let current = data.read().as_ref().and_then(|r| r.as_ref().ok()).cloned();
                match change {
                    SettingsChange::Open(screen) => nav.go(screen),
                    SettingsChange::SignOut => action.run(async move {
                        session.sign_out().await;
                        Ok(())
                    }),
                    SettingsChange::AcceptingLeads(on) => action.run(async move {
                        set_accepting_leads(&session, on).await?;
                        data.restart();
                        Ok(())
                    }),
                    SettingsChange::Channel { category, push, email } => action.run(async move {
                        let Some(mut view) = current else { return Ok(()) };
                        if let Some(channel) = view.preferences.channels.iter_mut().find(|c| c.category == category) {
                            channel.push = push;
                            channel.email = email;
                        }
                        save_preferences(&session, &view.preferences).await?;
                        data.restart();
                        Ok(())
                    }),
                }
            },
        }
    }
}

pub fn category_label(category: NotificationCategory) -> &'static str {
    match category {
        NotificationCategory::JobAlerts => "New job alerts",
        NotificationCategory::LeadUpdates => "Lead updates",
        NotificationCategory::RequestUpdates => "Request updates",
        NotificationCategory::JobUpdates => "Job updates",
        NotificationCategory::Payments => "Payments",
        NotificationCategory::Ratings => "Ratings",
        NotificationCategory::Account => "Account",
        NotificationCategory::Unknown => "Other",
    }
}

#[component]
pub fn SettingsPage(
    state: Loadable<SettingsView>,
    partner: bool,
    busy: bool,
    error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_change: EventHandler<SettingsChange>,
) -> Element {
    rsx! {
        Page { title: "More",
            {action_error(error.as_ref())}
            {loaded(&state, Some(on_retry), |view| rsx! {
                if let Some(accepting) = view.accepting_leads {
                    Card { title: "Leads",
                        Toggle {
                            label: if accepting { "Accepting new leads" } else { "Paused: no new leads" },
                            name: "accepting_leads",
                            checked: accepting,
                            onchange: move |on| on_change.call(SettingsChange::AcceptingLeads(on)),
                        }
                    }
                }
                Card { title: "Notifications",
                    table { class: "prefs",
                        thead {
                            tr {
                                th { scope: "col", "" }
                                th { scope: "col", "Push" }
                                th { scope: "col", "Email" }
                            }
                        }
                        tbody {
                            for channel in view.preferences.channels.iter().copied() {
                                tr {
                                    th { scope: "row", "{category_label(channel.category)}" }
                                    td {
                                        input {
                                            r#type: "checkbox",
                                            "aria-label": "{category_label(channel.category)} by push",
                                            checked: channel.push,
                                            onchange: move |e| on_change.call(SettingsChange::Channel {
                                                category: channel.category,
                                                push: e.checked(),
                                                email: channel.email,
                                            }),
                                        }
                                    }
                                    td {
                                        input {
                                            r#type: "checkbox",
                                            "aria-label": "{category_label(channel.category)} by email",
                                            checked: channel.email,
                                            onchange: move |e| on_change.call(SettingsChange::Channel {
                                                category: channel.category,
                                                push: channel.push,
                                                email: e.checked(),
                                            }),
                                        }
                                    }
                                }
                            }
                        }
                    }
                    p { class: "subtle", "{view.devices.len()} device(s) registered for push alerts." }
                }
            })}
            if partner {
                Card { title: "Your business",
                    Button { label: "Edit profile, area and hours", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::Onboarding)) }
                    Button { label: "Connections", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::Connections)) }
                    Button { label: "Notifications", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::Notifications)) }
                }
            }
            Button { label: "Your account: name, phone, devices, data", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::Account)) }
            Button { label: "Sign out", tone: Tone::Danger, busy, onclick: move |()| on_change.call(SettingsChange::SignOut) }
            Button { label: "Delete my account…", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::DeleteAccount)) }
        }
    }
}
