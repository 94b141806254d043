//! Disputes: the open ones, and one job's case file with the decision previewed before it is
//! made (release, refund, or a partial refund).

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::admin::JobCase;
use shared_types::conversations::Message;
use shared_types::jobs::{DisputeOutcome, Job, Party};
use shared_types::wallet::PaymentPurpose;

use crate::state::jobs::{event_label, status_label};
use crate::state::staff::{
    Decision, load_case, load_conversation, load_photos, open_disputes, resolve,
};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Button, Card, EmptyState, Field, Notice, Page, Row, action_error, field_error, loaded,
};
use crate::ui::photos::PhotoStrip;

#[component]
pub fn DisputesScreen() -> Element {
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { open_disputes(&session).await });
    let session = use_session();
    rsx! {
        DisputesPage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_retry: move |()| data.restart(),
            on_open: move |id| nav.go(Screen::Dispute(id)),
        }
    }
}

#[component]
pub fn DisputesPage(
    state: Loadable<Vec<Job>>,
    zone: Tz,
    on_retry: EventHandler<()>,
    on_open: EventHandler<String>,
) -> Element {
    rsx! {
        Page { title: "Disputes",
            {loaded(&state, Some(on_retry), |jobs| rsx! {
                if jobs.is_empty() {
                    EmptyState { title: "No open disputes", body: "A job a customer disputes in its review window appears here." }
                }
                ul { class: "list",
                    for job in jobs.iter() {
                        li { key: "{job.id}",
                            button {
                                class: "list-item list-link",
                                onclick: {
                                    let id = job.id.clone();
                                    move |_| on_open.call(id.clone())
                                },
                                div {
                                    p { class: "list-title", "{format::category_slug(&job.category)} · {job.business_name} · {format::money(&job.price)}" }
                                    if let Some(dispute) = &job.dispute {
                                        p { class: "subtle", "“{dispute.reason}” · opened {format::date_time(dispute.opened_at, zone)}" }
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

#[component]
pub fn DisputeScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let job_id = id.clone();
    let mut data = use_loader(move |session| {
        let id = job_id.clone();
        async move { load_case(&session, &id).await }
    });
    let conversation_of = id.clone();
    let conversation = use_loader(move |session| {
        let id = conversation_of.clone();
        async move { load_conversation(&session, &id).await }
    });
    let photos_of = id.clone();
    let photos = use_loader(move |session| {
        let id = photos_of.clone();
        async move { load_photos(&session, &id).await }
    });
    let mut decision = use_signal(Decision::default);
    let action = use_action();
    rsx! {
        DisputePage {
            state: loadable(&data),
            photos: photos.read().clone().and_then(Result::ok).unwrap_or_default(),
            conversation: conversation.read().clone().and_then(Result::ok).flatten(),
            decision: decision(),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_change: move |changed| decision.set(changed),
            on_resolve: move |()| {
                let session = session.clone();
                let id = id.clone();
                let Some(Ok(case)) = data.read().clone() else { return };
                let chosen = decision();
                action.run(async move {
                    let input = chosen.to_input(&case)?;
                    resolve(&session, &id, &input).await?;
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

fn party_label(party: Party) -> &'static str {
    match party {
        Party::Customer => "customer",
        Party::Partner => "pro",
        Party::Staff => "staff",
        Party::System | Party::Unknown => "service",
    }
}

/// Who wrote a conversation entry, as the case file names them.
fn speaker(message: &Message) -> &'static str {
    match message.sender {
        Party::Customer => "Customer",
        Party::Partner => "Pro",
        Party::Staff => "Support",
        Party::System | Party::Unknown => "Job",
    }
}

fn outcome_label(outcome: DisputeOutcome) -> &'static str {
    match outcome {
        DisputeOutcome::Release => "Release: the pro is paid",
        DisputeOutcome::Refund => "Refund it all to the customer",
        DisputeOutcome::Partial => "Refund part of it",
    }
}

#[component]
pub fn DisputePage(
    state: Loadable<JobCase>,
    decision: Decision,
    zone: Tz,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_change: EventHandler<Decision>,
    on_resolve: EventHandler<()>,
    /// The messages of the job's conversation, when there is one staff may read.
    #[props(default)]
    conversation: Option<Vec<Message>>,
    /// The job's photos: the completion's and the dispute's.
    #[props(default)]
    photos: shared_types::jobs::JobPhotos,
) -> Element {
    rsx! {
        Page { title: "Dispute", on_back,
            {loaded(&state, Some(on_retry), |case| {
                let job = &case.job;
                rsx! {
                    div { class: "split split-case",
                        div { class: "split-detail",
                            Card { title: "{format::category_slug(&job.category)} · {status_label(job.status)}",
                                Row { label: "Customer", value: case.customer_name.clone() }
                                Row { label: "Pro", value: job.business_name.clone() }
                                Row { label: "Price", value: format::money(&job.price) }
                                Row { label: "City", value: job.city.clone() }
                                if let Some(window) = &job.scheduled {
                                    Row { label: "Visit", value: format::window(window, zone) }
                                }
                                Row {
                                    label: "Agreement",
                                    value: case.agreement.as_ref().map_or_else(
                                        || "Not signed".to_owned(),
                                        |s| format!("Signed by {} on {} (version {})", s.typed_name, format::date_time(s.signed_at, zone), s.version),
                                    ),
                                }
                            }
                            if let Some(dispute) = &job.dispute {
                                Card { title: "The customer says",
                                    blockquote { class: "quote", "{dispute.reason}" }
                                    if !photos.dispute.is_empty() {
                                        PhotoStrip { photos: photos.dispute.clone(), label: "The customer's photos" }
                                    }
                                    p { class: "subtle", "Opened {format::date_time(dispute.opened_at, zone)}" }
                                }
                            }
                            if let Some(completion) = &job.completion {
                                Card { title: "The pro says",
                                    blockquote { class: "quote", "{completion.summary}" }
                                    for url in completion.photo_urls.iter() {
                                        a { href: "{url}", target: "_blank", rel: "noopener", "Completion photo" }
                                    }
                                    if !photos.completion.is_empty() {
                                        PhotoStrip { photos: photos.completion.clone(), label: "The pro's photos" }
                                    }
                                    p { class: "subtle", "Marked complete {format::date_time(completion.completed_at, zone)}" }
                                }
                            }
                            Card { title: "Payments",
                                if case.payments.is_empty() {
                                    p { class: "subtle", "No payments." }
                                }
                                for payment in case.payments.iter() {
                                    Row {
                                        label: format!(
                                            "{} · {}",
                                            if payment.purpose == PaymentPurpose::Tip { "Tip" } else { "Price" },
                                            format::date_time(payment.created_at, zone)
                                        ),
                                        value: format!("{} {}", format::money(&payment.amount), payment.status),
                                    }
                                }
                                for refund in case.refunds.iter() {
                                    Row {
                                        label: format!("Refund · {}", format::date_time(refund.created_at, zone)),
                                        value: format!("{} {}", format::money(&refund.amount), refund.status),
                                    }
                                }
                            }
                            if let Some(messages) = &conversation {
                                Card { title: "Their conversation",
                                    if messages.is_empty() {
                                        p { class: "subtle", "Opened, but nothing written." }
                                    }
                                    ol { class: "timeline",
                                        for message in messages.iter() {
                                            li { key: "{message.id}",
                                                span { class: "timeline-what", "{speaker(message)}: " }
                                                if message.hidden {
                                                    span { class: "subtle", "(hidden) " }
                                                }
                                                span { "{message.body}" }
                                                span { class: "subtle", " · {format::date_time(message.created_at, zone)}" }
                                                if !message.photos.is_empty() {
                                                    PhotoStrip { photos: message.photos.clone(), label: "Photos sent" }
                                                }
                                            }
                                        }
                                    }
                                    p { class: "subtle", "Every read of a conversation is recorded in the audit log." }
                                }
                            }
                            Card { title: "Timeline",
                                ol { class: "timeline",
                                    for event in case.timeline.iter() {
                                        li { key: "{event.id}",
                                            span { class: "timeline-what", {event_label(event)} }
                                            span { class: "subtle", " · by the {party_label(event.actor)} · {format::date_time(event.at, zone)}" }
                                        }
                                    }
                                }
                            }
                        }
                        div { class: "split-side",
                            DecisionCard { case: case.clone(), decision: decision.clone(), busy, error: error.clone(), on_change, on_resolve }
                        }
                    }
                }
            })}
        }
    }
}

/// The decision form with its preview: what goes where, before anything moves.
#[component]
fn DecisionCard(
    case: JobCase,
    decision: Decision,
    busy: bool,
    error: Option<AppError>,
    on_change: EventHandler<Decision>,
    on_resolve: EventHandler<()>,
) -> Element {
    if let Some(resolution) = case
        .job
        .dispute
        .as_ref()
        .and_then(|d| d.resolution.as_ref())
    {
        return rsx! {
            Card { title: "Decided",
                Notice { tone: "good", text: format!("{}: {} back to the customer.", outcome_label(resolution.outcome), format::money(&resolution.refund)) }
                blockquote { class: "quote", "{resolution.note}" }
            }
        };
    }
    let preview = decision.preview(&case);
    let currency = case.held.currency.clone();
    let err = error.as_ref();
    rsx! {
        Card { title: "Decision",
            p { class: "subtle", "At stake: {format::money(&case.held)}" }
            fieldset { class: "choice",
                legend { "Outcome" }
                for outcome in [DisputeOutcome::Release, DisputeOutcome::Refund, DisputeOutcome::Partial] {
                    label { class: "choice-option", key: "{outcome_label(outcome)}",
                        input {
                            r#type: "radio",
                            name: "outcome",
                            checked: decision.outcome == outcome,
                            onchange: {
                                let decision = decision.clone();
                                move |_| on_change.call(Decision { outcome, ..decision.clone() })
                            },
                        }
                        span { {outcome_label(outcome)} }
                    }
                }
            }
            if decision.outcome == DisputeOutcome::Partial {
                Field {
                    label: "Refund ({currency})",
                    name: "refund",
                    value: decision.refund.clone(),
                    placeholder: "49.00",
                    error: field_error(err, "refund").or_else(|| preview.as_ref().err().and_then(|e| e.field("refund"))),
                    oninput: {
                        let decision = decision.clone();
                        move |refund| on_change.call(Decision { refund, ..decision.clone() })
                    },
                }
            }
            if let Ok(split) = preview {
                div { class: "preview", "aria-label": "Preview",
                    Row { label: "Back to the customer", value: format::money_parts(split.refund_cents, &currency) }
                    Row { label: "To the pro", value: format::money_parts(split.partner_cents, &currency) }
                    Row { label: "Platform fee", value: format::money_parts(split.fee_cents, &currency) }
                }
            }
            Field {
                label: "Note to both sides",
                name: "note",
                kind: "textarea",
                value: decision.note.clone(),
                error: field_error(err, "note"),
                oninput: {
                    let decision = decision.clone();
                    move |note| on_change.call(Decision { note, ..decision.clone() })
                },
            }
            if err.is_some_and(AppError::fields_empty) {
                {action_error(err)}
            }
            Button {
                label: match preview {
                    Ok(split) => format!("Confirm: {} back, {} to the pro", format::money_parts(split.refund_cents, &currency), format::money_parts(split.partner_cents, &currency)),
                    Err(_) => "Confirm decision".to_owned(),
                },
                busy,
                onclick: move |()| on_resolve.call(()),
            }
        }
    }
}
