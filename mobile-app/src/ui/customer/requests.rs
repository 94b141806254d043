//! The customer's requests, and one request's status with its assigned pro.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::requests::{RequestStatus, ServiceRequest};

use crate::state::customer::{load_request, my_requests, request_status_label};
use crate::state::{Loadable, Screen, format};
use crate::ui::app::{loadable, use_live, use_loader, use_nav, use_session};
use crate::ui::kit::{Badge, Button, Card, EmptyState, Page, Row, loaded};

#[component]
pub fn RequestsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { my_requests(&session).await });
    use_live("request.", data);
    rsx! {
        RequestsPage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_open: move |id| nav.go(Screen::Request(id)),
            on_new: move |()| nav.go(Screen::NewRequest { category: None, partner_id: None }),
            on_retry: move |()| data.restart(),
        }
    }
}

fn status_tone(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Open | RequestStatus::ProCancelled => "info",
        RequestStatus::Assigned => "good",
        RequestStatus::Cancelled | RequestStatus::Unfilled | RequestStatus::Unknown => "neutral",
    }
}

#[component]
pub fn RequestsPage(
    state: Loadable<Vec<ServiceRequest>>,
    zone: Tz,
    on_open: EventHandler<String>,
    on_new: EventHandler<()>,
    on_retry: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Your requests",
            Button { label: "New request", onclick: move |()| on_new.call(()) }
            {loaded(&state, Some(on_retry), |requests| rsx! {
                if requests.is_empty() {
                    EmptyState { title: "No requests yet", body: "Tell us what you need and nearby pros hear about it at once." }
                }
                ul { class: "list",
                    for request in requests.iter() {
                        li {
                            key: "{request.id}",
                            class: "list-item list-link",
                            role: "button",
                            tabindex: "0",
                            onclick: {
                                let id = request.id.clone();
                                move |_| on_open.call(id.clone())
                            },
                            div {
                                p { class: "list-title", "{request.category.name}" }
                                p { class: "list-desc", "{request.description}" }
                                p { class: "subtle", "{format::date_time(request.created_at, zone)}" }
                            }
                            Badge { text: request_status_label(request), tone: status_tone(request.status) }
                        }
                    }
                }
            })}
        }
    }
}

#[component]
pub fn RequestScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let request_id = id.clone();
    let mut data = use_loader(move |session| {
        let id = request_id.clone();
        async move { load_request(&session, &id).await }
    });
    use_live("request.", data);
    rsx! {
        RequestPage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_open_job: move |job_id| {
                let mut nav = nav;
                nav.go(Screen::Job(job_id));
            },
            on_open_pro: move |partner_id| {
                let mut nav = nav;
                nav.go(Screen::Pro(partner_id));
            },
        }
    }
}

#[component]
pub fn RequestPage(
    state: Loadable<ServiceRequest>,
    zone: Tz,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_open_job: EventHandler<String>,
    on_open_pro: EventHandler<String>,
) -> Element {
    rsx! {
        Page { title: "Request", on_back,
            {loaded(&state, Some(on_retry), |request| rsx! {
                Card { title: request.category.name.clone(),
                    div { class: "lead-badges",
                        Badge { text: request_status_label(request), tone: status_tone(request.status) }
                    }
                    p { class: "lead-desc", "{request.description}" }
                    Row { label: "Address", value: format!("{}, {}", request.address.street, request.address.city) }
                    if let Some(budget) = &request.budget {
                        Row { label: "Budget", value: format::money(budget) }
                    }
                    h3 { class: "subtle", "Times that work" }
                    ul { class: "lead-windows",
                        for window in request.windows.iter() {
                            li { "{format::window_in(window, &request.time_zone, zone)}" }
                        }
                    }
                }
                if let Some(partner) = &request.assigned_partner {
                    Card { title: "Your pro",
                        p { class: "list-title", "{partner.business_name}" }
                        p { class: "subtle", "{format::stars(partner.average_stars, partner.review_count)}" }
                        Button {
                            label: "See profile",
                            tone: crate::ui::kit::Tone::Secondary,
                            onclick: {
                                let id = partner.id.clone();
                                move |()| on_open_pro.call(id.clone())
                            },
                        }
                    }
                }
                if let Some(job_id) = request.job_id.clone() {
                    Button { label: "Open the job", onclick: move |()| on_open_job.call(job_id.clone()) }
                }
            })}
        }
    }
}
