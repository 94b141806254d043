//! The console's home: every kind of waiting work with its count and its oldest item.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::admin::StaffQueue;

use crate::state::staff::{load_queue, queue_label, queue_screen, waiting_for};
use crate::state::{Loadable, Screen, format};
use crate::ui::app::{loadable, use_loader, use_nav, use_session};
use crate::ui::kit::{Button, Page, Tone, loaded};

#[component]
pub fn QueueScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { load_queue(&session).await });
    // Counts move as people act: read them again every half minute.
    use_future(move || async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            data.restart();
        }
    });
    rsx! {
        QueuePage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_retry: move |()| data.restart(),
            on_open: move |screen| nav.reset(screen),
        }
    }
}

#[component]
pub fn QueuePage(
    state: Loadable<StaffQueue>,
    zone: Tz,
    on_retry: EventHandler<()>,
    on_open: EventHandler<Screen>,
) -> Element {
    rsx! {
        Page { title: "Today's work",
            {loaded(&state, Some(on_retry), |queue| {
                let waiting: i64 = queue.queues.iter().map(|q| q.count).sum();
                // Ages by the server's clock, whatever the device's says.
                let now = queue.as_of;
                rsx! {
                    p { class: "subtle",
                        match waiting {
                            0 => "Nothing waits for staff. ".to_owned(),
                            1 => "1 item waits for staff. ".to_owned(),
                            n => format!("{n} items wait for staff. "),
                        }
                        "As of {format::date_time(queue.as_of, zone)}."
                    }
                    div { class: "queue-grid",
                        for line in queue.queues.iter() {
                            section {
                                key: "{line.kind}",
                                class: if line.count > 0 { "card queue-tile queue-busy" } else { "card queue-tile" },
                                "aria-label": queue_label(line.kind),
                                h2 { class: "card-title", {queue_label(line.kind)} }
                                p { class: "queue-count", "{line.count}" }
                                if let Some(since) = line.oldest_since {
                                    p { class: "subtle", "Oldest {waiting_for(since, now)} (since {format::date_time(since, zone)})" }
                                } else {
                                    p { class: "subtle", "Nothing waiting" }
                                }
                                if let Some(screen) = queue_screen(line.kind).filter(|_| line.count > 0) {
                                    Button {
                                        label: "Open",
                                        tone: Tone::Secondary,
                                        onclick: move |()| on_open.call(screen.clone()),
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
