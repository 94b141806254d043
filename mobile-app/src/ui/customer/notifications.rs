//! Notifications: newest first; tapping one opens what it is about.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::notify::Notification;

use crate::state::customer::{mark_all_read, notifications};
use crate::state::{Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_live, use_loader, use_nav, use_session};
use crate::ui::kit::{Button, EmptyState, Page, Tone, loaded};

#[component]
pub fn NotificationsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { notifications(&session).await });
    use_live("", data);
    let action = use_action();
    rsx! {
        NotificationsPage {
            state: loadable(&data),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            on_retry: move |()| data.restart(),
            on_open: move |link: String| {
                if let Some(screen) = Screen::from_deep_link(&link) {
                    nav.go(screen);
                }
            },
            on_mark_read: move |()| {
                let session = session.clone();
                action.run(async move {
                    mark_all_read(&session).await?;
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn NotificationsPage(
    state: Loadable<Vec<Notification>>,
    zone: Tz,
    busy: bool,
    on_retry: EventHandler<()>,
    on_open: EventHandler<String>,
    on_mark_read: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Notifications",
            {loaded(&state, Some(on_retry), |items| rsx! {
                if items.is_empty() {
                    EmptyState { title: "Nothing new", body: "Updates about your requests, jobs and payments appear here." }
                } else {
                    Button { label: "Mark all as read", tone: Tone::Secondary, busy, onclick: move |()| on_mark_read.call(()) }
                }
                ul { class: "list",
                    for item in items.iter() {
                        li {
                            key: "{item.id}",
                            class: if item.read_at.is_none() { "list-item list-link unread" } else { "list-item list-link" },
                            role: "button",
                            tabindex: "0",
                            onclick: {
                                let link = item.deep_link.clone();
                                move |_| on_open.call(link.clone())
                            },
                            div {
                                p { class: "list-title", "{item.title}" }
                                p { "{item.body}" }
                                p { class: "subtle", "{format::date_time(item.created_at, zone)}" }
                            }
                        }
                    }
                }
            })}
        }
    }
}
