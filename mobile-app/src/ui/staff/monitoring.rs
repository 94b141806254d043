//! Monitoring: users rated below 3 stars on average, with their history; staff note, clear,
//! suspend or reinstate, each with a note that joins the history.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::auth::Role;
use shared_types::ratings::MonitoringStatus;

use crate::state::staff::{WatchAction, Watched, act_on_watched, watch_list};
use crate::state::{AppError, Loadable, format};
use crate::ui::app::{loadable, use_action, use_session};
use crate::ui::kit::{
    Badge, Button, EmptyState, Field, Page, Tone, action_error, field_error, loaded,
};

#[component]
pub fn MonitoringScreen() -> Element {
    let session = use_session();
    let mut status = use_signal(|| MonitoringStatus::Watching);
    let for_list = session.clone();
    let mut data = use_resource(move || {
        let session = for_list.clone();
        let status = status();
        async move { watch_list(&session, status).await }
    });
    let mut notes = use_signal(BTreeMap::<String, String>::new);
    let mut acting_on = use_signal(|| None::<String>);
    let action = use_action();
    rsx! {
        MonitoringPage {
            state: loadable(&data),
            status: status(),
            notes: notes(),
            acting_on: acting_on(),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_status: move |chosen| status.set(chosen),
            on_note: move |(user_id, note): (String, String)| {
                notes.write().insert(user_id, note);
            },
            on_act: move |(user_id, what): (String, WatchAction)| {
                let session = session.clone();
                if action.busy.cloned() {
                    return; // one change at a time; its spinner and error stay on its card
                }
                let note = notes.read().get(&user_id).cloned().unwrap_or_default();
                acting_on.set(Some(user_id.clone()));
                action.run(async move {
                    act_on_watched(&session, &user_id, what, &note).await?;
                    notes.write().remove(&user_id);
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

fn status_label(status: MonitoringStatus) -> &'static str {
    match status {
        MonitoringStatus::Watching => "Watching",
        MonitoringStatus::Cleared => "Cleared",
        MonitoringStatus::Suspended => "Suspended",
        MonitoringStatus::Unknown => "Other",
    }
}

#[component]
pub fn MonitoringPage(
    state: Loadable<Vec<Watched>>,
    status: MonitoringStatus,
    notes: BTreeMap<String, String>,
    acting_on: Option<String>,
    zone: Tz,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_status: EventHandler<MonitoringStatus>,
    on_note: EventHandler<(String, String)>,
    on_act: EventHandler<(String, WatchAction)>,
) -> Element {
    rsx! {
        Page { title: "Monitoring",
            p { class: "subtle", "Pros and customers whose ratings over the last 90 days average below 3 stars." }
            div { class: "segmented", role: "tablist",
                for choice in [MonitoringStatus::Watching, MonitoringStatus::Suspended, MonitoringStatus::Cleared] {
                    button {
                        key: "{choice}",
                        role: "tab",
                        class: if choice == status { "segment segment-active" } else { "segment" },
                        "aria-selected": if choice == status { "true" } else { "false" },
                        onclick: move |_| on_status.call(choice),
                        {status_label(choice)}
                    }
                }
            }
            {loaded(&state, Some(on_retry), |entries| rsx! {
                if entries.is_empty() {
                    EmptyState {
                        title: "Nobody here",
                        body: "A user joins the watch list when their average falls below 3 stars.",
                    }
                }
                for Watched { entry, ratings } in entries.iter() {
                    section { class: "card", key: "{entry.user_id}", "aria-label": "{entry.name}",
                        div { class: "card-head",
                            h2 { class: "card-title", "{entry.name}" }
                            Badge { text: if entry.role == Role::Partner { "Pro" } else { "Customer" } }
                            Badge { text: status_label(entry.status), tone: if entry.status == MonitoringStatus::Suspended { "bad" } else { "warn" } }
                        }
                        p { "{entry.average_stars:.1} ★ over {entry.rating_count} ratings · flagged {format::date_time(entry.flagged_at, zone)}" }
                        p { class: "subtle", "{entry.reason}" }
                        details { open: true,
                            summary { "Ratings received ({ratings.len()})" }
                            ul { class: "list",
                                for rating in ratings.iter() {
                                    li { class: "rating-line", key: "{rating.id}",
                                        "{\"★\".repeat(usize::try_from(rating.stars).unwrap_or(0))} {rating.comment} · {format::date(rating.created_at, zone)}"
                                    }
                                }
                            }
                        }
                        details {
                            summary { "History ({entry.history.len()})" }
                            ol { class: "timeline",
                                for event in entry.history.iter() {
                                    li {
                                        span { class: "timeline-what", "{event.action}" }
                                        span { class: "subtle", " · {format::date_time(event.at, zone)}" }
                                        if !event.note.is_empty() {
                                            p { "{event.note}" }
                                        }
                                    }
                                }
                            }
                        }
                        {
                            let mine = acting_on.as_deref() == Some(entry.user_id.as_str());
                            let err = error.as_ref().filter(|_| mine);
                            rsx! {
                                Field {
                                    label: "Note",
                                    name: "note-{entry.user_id}",
                                    value: notes.get(&entry.user_id).cloned().unwrap_or_default(),
                                    error: field_error(err, "note"),
                                    placeholder: "What you saw, what you decided",
                                    oninput: {
                                        let id = entry.user_id.clone();
                                        move |note| on_note.call((id.clone(), note))
                                    },
                                }
                                if err.is_some_and(AppError::fields_empty) {
                                    {action_error(err)}
                                }
                                div { class: "actions",
                                    for what in WatchAction::available(entry.status) {
                                        Button {
                                            key: "{what.label()}",
                                            label: what.label(),
                                            tone: match what {
                                                WatchAction::Suspend => Tone::Danger,
                                                WatchAction::Note => Tone::Secondary,
                                                WatchAction::Clear | WatchAction::Reinstate => Tone::Primary,
                                            },
                                            busy: busy && mine,
                                            disabled: busy && !mine,
                                            onclick: {
                                                let id = entry.user_id.clone();
                                                move |()| on_act.call((id.clone(), what))
                                            },
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
