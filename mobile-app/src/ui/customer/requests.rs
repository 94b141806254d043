//! The customer's requests, and one request's status with its assigned pro.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::requests::{RequestKind, RequestStatus, ServiceRequest};

use crate::state::conversations::open_for_request;
use crate::state::customer::{
    RequestStep, WIDER_SEARCH_KM, WindowForm, cancel_request, load_request, my_requests, rematch,
    request_status_label, request_steps, windows_from,
};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_live, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Badge, Button, Card, EmptyState, Page, Row, Tone, WindowRows, action_error, field_error, loaded,
};
use crate::ui::push::PushPrompt;

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
            banner: rsx! { PushPrompt { role: shared_types::auth::Role::Customer } },
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
    #[props(default)] banner: Option<Element>,
) -> Element {
    rsx! {
        Page { title: "Your requests", banner,
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
    let action = use_action();
    let (rematching, cancelling, widening) = (session.clone(), session.clone(), session.clone());
    let (rematch_id, cancel_id, widen_id) = (id.clone(), id.clone(), id.clone());
    let (messaging, message_id) = (session.clone(), id.clone());
    rsx! {
        RequestPage {
            state: loadable(&data),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_rematch: move |times: Option<Vec<WindowForm>>| {
                let (session, id) = (rematching.clone(), rematch_id.clone());
                action.run(async move {
                    let windows = match times {
                        Some(times) => Some(windows_from(&times, session.time_zone())?),
                        None => None,
                    };
                    rematch(&session, &id, windows, None).await?;
                    data.restart();
                    Ok(())
                });
            },
            on_widen: move |()| {
                let (session, id) = (widening.clone(), widen_id.clone());
                action.run(async move {
                    rematch(&session, &id, None, Some(WIDER_SEARCH_KM)).await?;
                    data.restart();
                    Ok(())
                });
            },
            on_cancel: move |()| {
                let (session, id) = (cancelling.clone(), cancel_id.clone());
                action.run(async move {
                    cancel_request(&session, &id).await?;
                    data.restart();
                    Ok(())
                });
            },
            on_browse: move |()| {
                let mut nav = nav;
                nav.go(Screen::Discover);
            },
            on_open_job: move |job_id| {
                let mut nav = nav;
                nav.go(Screen::Job(job_id));
            },
            on_open_pro: move |partner_id| {
                let mut nav = nav;
                nav.go(Screen::Pro(partner_id));
            },
            on_message: move |()| {
                let (session, id) = (messaging.clone(), message_id.clone());
                let mut nav = nav;
                action.run(async move {
                    let conversation = open_for_request(&session, &id).await?;
                    nav.go(Screen::Conversation(conversation));
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn RequestPage(
    state: Loadable<ServiceRequest>,
    zone: Tz,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_open_job: EventHandler<String>,
    on_open_pro: EventHandler<String>,
    /// Offer the request again, at new times when given.
    #[props(default)]
    on_rematch: Option<EventHandler<Option<Vec<WindowForm>>>>,
    /// Offer it again to pros a little farther away.
    #[props(default)]
    on_widen: Option<EventHandler<()>>,
    #[props(default)] on_cancel: Option<EventHandler<()>>,
    /// Browse the pros near the address, to ask one.
    #[props(default)]
    on_browse: Option<EventHandler<()>>,
    /// Write to the pro a request from their profile went to.
    #[props(default)]
    on_message: Option<EventHandler<()>>,
) -> Element {
    let mut retiming = use_signal(|| None::<Vec<WindowForm>>);
    let mut confirming_cancel = use_signal(|| false);
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
                if let Some(on_message) = on_message.filter(|_| {
                    request.kind == RequestKind::Profile
                        && matches!(request.status, RequestStatus::Open | RequestStatus::Assigned)
                }) {
                    Button {
                        label: "Message the pro",
                        tone: crate::ui::kit::Tone::Secondary,
                        busy,
                        onclick: move |()| on_message.call(()),
                    }
                }
                NextSteps {
                    request: request.clone(),
                    busy,
                    error: error.clone(),
                    retiming: retiming(),
                    confirming_cancel: confirming_cancel(),
                    on_retime: move |times| retiming.set(times),
                    on_confirm_cancel: move |on| confirming_cancel.set(on),
                    on_rematch,
                    on_widen,
                    on_cancel,
                    on_browse,
                }
            })}
        }
    }
}

/// What the customer can do next with the request (see [`request_steps`]).
#[component]
fn NextSteps(
    request: ServiceRequest,
    busy: bool,
    error: Option<AppError>,
    /// The new times being typed, while "Try other times" is open.
    retiming: Option<Vec<WindowForm>>,
    confirming_cancel: bool,
    on_retime: EventHandler<Option<Vec<WindowForm>>>,
    on_confirm_cancel: EventHandler<bool>,
    on_rematch: Option<EventHandler<Option<Vec<WindowForm>>>>,
    on_widen: Option<EventHandler<()>>,
    on_cancel: Option<EventHandler<()>>,
    on_browse: Option<EventHandler<()>>,
) -> Element {
    let steps = request_steps(&request);
    if steps.is_empty() {
        return rsx! {};
    }
    let err = error.as_ref();
    let why = match request.status {
        RequestStatus::Unfilled => {
            "No pro could take it at these times. Other times may suit other pros, or ask a pro yourself."
        }
        RequestStatus::ProCancelled => {
            "Your pro cancelled. We can offer the job to other pros, at the same times or new ones."
        }
        _ => "Pros near you are looking at it. You can withdraw it until one takes it.",
    };
    let rematch = move |times: Option<Vec<WindowForm>>| {
        if let Some(handler) = on_rematch {
            handler.call(times);
        }
    };
    rsx! {
        Card { title: "What next",
            p { class: "subtle", "{why}" }
            if let Some(times) = retiming.clone() {
                WindowRows {
                    windows: times.clone(),
                    error: field_error(err, "windows"),
                    on_change: move |windows| on_retime.call(Some(windows)),
                }
                Button {
                    label: "Send to pros at these times",
                    busy,
                    onclick: move |()| rematch(Some(times.clone())),
                }
                Button {
                    label: "Keep the old times",
                    tone: Tone::Secondary,
                    onclick: move |()| on_retime.call(None),
                }
            } else {
                for step in steps {
                    match step {
                        RequestStep::FindAnotherPro => rsx! {
                            Button {
                                label: "Find another pro",
                                busy,
                                onclick: move |()| rematch(None),
                            }
                        },
                        RequestStep::TryOtherTimes => rsx! {
                            Button {
                                label: "Try other times",
                                tone: Tone::Secondary,
                                onclick: move |()| on_retime.call(Some(vec![WindowForm::blank()])),
                            }
                        },
                        RequestStep::SearchFarther => rsx! {
                            Button {
                                label: "Ask pros farther away",
                                tone: Tone::Secondary,
                                busy,
                                onclick: move |()| {
                                    if let Some(handler) = on_widen {
                                        handler.call(());
                                    }
                                },
                            }
                            p { class: "subtle", "Pros whose area ends up to {WIDER_SEARCH_KM} km short of your address hear about it too." }
                        },
                        RequestStep::AskAProDirectly => rsx! {
                            Button {
                                label: "Browse pros and ask one",
                                tone: Tone::Secondary,
                                onclick: move |()| {
                                    if let Some(handler) = on_browse {
                                        handler.call(());
                                    }
                                },
                            }
                        },
                        RequestStep::Cancel if confirming_cancel => rsx! {
                            p { class: "subtle", "Withdraw this request? Pros stop seeing it; nothing is charged." }
                            div { class: "actions",
                                Button {
                                    label: "Yes, cancel the request",
                                    tone: Tone::Danger,
                                    busy,
                                    onclick: move |()| {
                                        if let Some(handler) = on_cancel {
                                            handler.call(());
                                        }
                                    },
                                }
                                Button {
                                    label: "Keep it",
                                    tone: Tone::Secondary,
                                    onclick: move |()| on_confirm_cancel.call(false),
                                }
                            }
                        },
                        RequestStep::Cancel => rsx! {
                            Button {
                                label: "Cancel request",
                                tone: Tone::Secondary,
                                onclick: move |()| on_confirm_cancel.call(true),
                            }
                        },
                    }
                }
            }
            if err.is_some_and(AppError::fields_empty) {
                {action_error(err)}
            }
        }
    }
}
