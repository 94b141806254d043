//! Connection stats: how customers found and contacted the pro, week by week.

use dioxus::prelude::*;
use shared_types::partners::{ConnectionCounts, ConnectionStats};

use crate::state::Loadable;
use crate::state::partner::connections;
use crate::ui::app::{loadable, use_loader, use_nav};
use crate::ui::kit::{Card, Page, Row, loaded};

#[component]
pub fn ConnectionsScreen() -> Element {
    let nav = use_nav();
    let mut data = use_loader(|session| async move { connections(&session).await });
    rsx! {
        ConnectionsPage { state: loadable(&data), on_back: nav.back_handler(), on_retry: move |()| data.restart() }
    }
}

fn total(counts: &ConnectionCounts) -> i64 {
    counts.profile_view
        + counts.profile_lead
        + counts.marketplace_lead
        + counts.phone_click
        + counts.website_click
}

#[component]
pub fn ConnectionsPage(
    state: Loadable<ConnectionStats>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Connections", on_back,
            {loaded(&state, Some(on_retry), |stats| {
                let most = stats.buckets.iter().map(|b| total(&b.counts)).max().unwrap_or(0).max(1);
                rsx! {
                    Card { title: "From {stats.from} to {stats.to}",
                        Row { label: "Profile views", value: stats.totals.profile_view.to_string() }
                        Row { label: "Leads from your profile", value: stats.totals.profile_lead.to_string() }
                        Row { label: "Marketplace leads", value: stats.totals.marketplace_lead.to_string() }
                        Row { label: "Calls", value: stats.totals.phone_click.to_string() }
                        Row { label: "Website visits", value: stats.totals.website_click.to_string() }
                    }
                    Card { title: "By week",
                        ul { class: "bars",
                            for bucket in stats.buckets.iter() {
                                li { class: "bar-row",
                                    span { class: "bar-label", "{bucket.start.format(\"%-d %b\")}" }
                                    span {
                                        class: "bar",
                                        style: "width: {total(&bucket.counts) * 100 / most}%",
                                        "aria-label": "{total(&bucket.counts)} connections",
                                    }
                                    span { class: "bar-value", "{total(&bucket.counts)}" }
                                }
                            }
                        }
                    }
                }
            })}
        }
    }
}
