//! Settings ("More"): notification preferences, the accepting-leads switch, sign out, and the
//! pro's other screens.

use dioxus::prelude::*;
use shared_types::notify::{NotificationCategory, QuietHours};

use crate::state::partner::{SettingsView, save_preferences, set_accepting_leads, set_quiet_hours};
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
    /// Quiet hours on (from, until, and whether new job alerts are silenced too) or off.
    QuietHours(Option<(String, String, bool)>),
    SignOut,
    Open(Screen),
}

#[component]
pub fn SettingsScreen() -> Element {
    let session = use_session();
    let push = crate::ui::push::use_push();
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
                    SettingsChange::SignOut => {
                        let push = push.clone();
                        action.run(async move {
                            push.sign_out(&session).await;
                            Ok(())
                        });
                    }
                    SettingsChange::AcceptingLeads(on) => action.run(async move {
                        set_accepting_leads(&session, on).await?;
                        data.restart();
                        Ok(())
                    }),
                    SettingsChange::QuietHours(hours) => action.run(async move {
                        let Some(view) = current else { return Ok(()) };
                        set_quiet_hours(&session, view.preferences, hours).await?;
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

/// Whether a kind of notification concerns the user's side: leads are a pro's, requests a
/// customer's.
pub fn concerns(category: NotificationCategory, partner: bool) -> bool {
    match category {
        NotificationCategory::JobAlerts | NotificationCategory::LeadUpdates => partner,
        NotificationCategory::RequestUpdates => !partner,
        _ => true,
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
        NotificationCategory::Messages => "Messages",
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
                            for channel in view.preferences.channels.iter().copied().filter(|c| concerns(c.category, partner)) {
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
                QuietHoursCard { hours: view.preferences.quiet_hours.clone(), partner, on_change }
            })}
            if partner {
                Card { title: "Your business",
                    Button { label: "Edit profile, area and hours", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::Onboarding)) }
                    Button { label: "Past work (portfolio)", tone: Tone::Secondary, onclick: move |()| on_change.call(SettingsChange::Open(Screen::Portfolio)) }
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

/// Quiet hours: push stays silent between two local times (email is not held back).
#[component]
fn QuietHoursCard(
    hours: Option<QuietHours>,
    partner: bool,
    on_change: EventHandler<SettingsChange>,
) -> Element {
    let (start, end, include) = hours.as_ref().map_or_else(
        || ("22:00".to_owned(), "07:00".to_owned(), false),
        |h| (h.start.clone(), h.end.clone(), h.include_job_alerts),
    );
    let set = move |start: String, end: String, include: bool| {
        on_change.call(SettingsChange::QuietHours(Some((start, end, include))));
    };
    rsx! {
        Card { title: "Quiet hours",
            Toggle {
                label: "Silence push alerts at night",
                name: "quiet_hours",
                checked: hours.is_some(),
                onchange: {
                    let (start, end) = (start.clone(), end.clone());
                    move |on: bool| {
                        if on {
                            set(start.clone(), end.clone(), include);
                        } else {
                            on_change.call(SettingsChange::QuietHours(None));
                        }
                    }
                },
            }
            if let Some(h) = hours.as_ref() {
                div { class: "day",
                    input {
                        class: "time",
                        r#type: "time",
                        "aria-label": "Quiet from",
                        value: "{h.start}",
                        onchange: {
                            let end = end.clone();
                            move |e: Event<FormData>| set(e.value(), end.clone(), include)
                        },
                    }
                    span { "–" }
                    input {
                        class: "time",
                        r#type: "time",
                        "aria-label": "Quiet until",
                        value: "{h.end}",
                        onchange: {
                            let start = start.clone();
                            move |e: Event<FormData>| set(start.clone(), e.value(), include)
                        },
                    }
                }
                p { class: "subtle", "In {h.time_zone} time. Emails still arrive." }
                if partner {
                    Toggle {
                        label: "Also silence new job alerts",
                        name: "quiet_job_alerts",
                        checked: h.include_job_alerts,
                        onchange: {
                            let (start, end) = (start.clone(), end.clone());
                            move |on: bool| set(start.clone(), end.clone(), on)
                        },
                    }
                    if !h.include_job_alerts {
                        p { class: "subtle", "New job alerts still ring: a lead missed is a job missed." }
                    }
                }
            }
        }
    }
}
