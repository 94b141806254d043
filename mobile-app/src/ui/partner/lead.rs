//! One lead: everything the pro needs to decide, and Confirm / Apply with a quote / Decline.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::partners::AssignmentMode;
use shared_types::requests::{Lead, OfferStatus, RequestKind};

use super::leads::{mode_label, offer_status_label};
use crate::state::conversations::open_for_lead;
use crate::state::partner::{
    LeadOutcome, apply_to_lead, confirm_lead, decline_lead, lead_earnings, lead_price, load_lead,
    quote_earnings, reach, why_matched,
};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_now, use_session};
use crate::ui::kit::{
    Badge, Button, Card, Field, Notice, Page, Row, Tone, action_error, field_error, loaded,
};

/// What the pro chose.
#[derive(Debug, Clone, PartialEq)]
pub enum LeadAnswer {
    Confirm,
    Apply {
        message: String,
        quote: String,
    },
    Decline {
        reason: String,
    },
    /// Ask the customer a question before quoting (review and profile leads).
    Ask,
}

#[component]
pub fn LeadScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let lead_id = id.clone();
    let mut lead = use_loader(move |session| {
        let id = lead_id.clone();
        async move { load_lead(&session, &id).await }
    });
    let photos_id = id.clone();
    let photos = use_loader(move |session| {
        let id = photos_id.clone();
        async move { crate::state::partner::lead_photos(&session, &id).await }
    });
    let action = use_action();
    let mut outcome = use_signal(|| None::<LeadOutcome>);
    let now = use_now(15);
    rsx! {
        LeadView {
            state: loadable(&lead),
            photos: match loadable(&photos) {
                Loadable::Ready(photos) => photos,
                _ => Vec::new(),
            },
            outcome: outcome(),
            busy: action.busy.cloned(),
            error: action.error(),
            now: now(),
            zone: session.time_zone(),
            on_back: nav.back_handler(),
            on_answer: move |answer: LeadAnswer| {
                let session = session.clone();
                let current = lead.read().as_ref().and_then(|r| r.as_ref().ok()).cloned();
                let mut nav = nav;
                action.run(async move {
                    let Some(current) = current else { return Ok(()) };
                    let result = match answer {
                        LeadAnswer::Ask => {
                            let id = open_for_lead(&session, &current.id).await?;
                            nav.go(Screen::Conversation(id));
                            return Ok(());
                        }
                        LeadAnswer::Confirm => confirm_lead(&session, &current.id).await?,
                        LeadAnswer::Apply { message, quote } => {
                            apply_to_lead(&session, &current, &message, &quote).await?
                        }
                        LeadAnswer::Decline { reason } => {
                            decline_lead(&session, &current.id, &reason).await?
                        }
                    };
                    if let LeadOutcome::Assigned { job_id } = &result {
                        nav.go(Screen::Job(job_id.clone()));
                    }
                    outcome.set(Some(result));
                    lead.restart();
                    Ok(())
                });
            },
            on_open_job: move |job_id| {
                let mut nav = nav;
                nav.go(Screen::Job(job_id));
            },
        }
    }
}

#[component]
pub fn LeadView(
    state: Loadable<Lead>,
    outcome: Option<LeadOutcome>,
    busy: bool,
    error: Option<AppError>,
    now: DateTime<Utc>,
    zone: Tz,
    on_back: Option<EventHandler<()>>,
    on_answer: EventHandler<LeadAnswer>,
    on_open_job: EventHandler<String>,
    /// The customer's photos of the work, once loaded.
    #[props(default)]
    photos: Vec<shared_types::photos::Photo>,
) -> Element {
    let mut message = use_signal(String::new);
    let mut quote = use_signal(String::new);
    let mut reason = use_signal(String::new);
    rsx! {
        Page { title: "Lead", on_back,
            {outcome_notice(outcome.as_ref())}
            {loaded(&state, None, |lead| {
                let (status, tone) = offer_status_label(lead.status);
                let open = lead.status == OfferStatus::Offered;
                rsx! {
                    Card { title: lead.category.name.clone(),
                        div { class: "lead-badges",
                            Badge { text: status, tone }
                            Badge { text: mode_label(lead.assignment_mode), tone: "neutral" }
                            if open {
                                Badge { text: format::countdown(lead.expires_at, now), tone: "warn" }
                            }
                        }
                        p { class: "lead-desc", "{lead.description}" }
                        if !photos.is_empty() {
                            crate::ui::photos::PhotoStrip { photos: photos.clone(), label: "The customer's photos" }
                        } else if lead.photo_count > 0 {
                            p { class: "subtle", {format::count(lead.photo_count, "photo")} }
                        }
                        if let Some(price) = lead_price(lead) {
                            Row {
                                label: if lead.assignment_mode == AssignmentMode::Instant { "Pays" } else { "Customer's budget" },
                                value: format::money(price),
                            }
                        }
                        if let Some(earnings) = lead_earnings(lead) {
                            p { class: "subtle", "{earnings}" }
                        }
                        Row { label: "Where", value: format!("{} {}", lead.city, lead.postal_prefix) }
                        Row { label: "Distance", value: format::distance(lead.why.distance_km) }
                        Row { label: "Reach", value: reach(lead) }
                        Row {
                            label: "Customer",
                            value: format::stars(lead.customer_rating.average_stars, lead.customer_rating.count),
                        }
                        p { class: "lead-why", "Why you: {why_matched(lead, zone)}" }
                        h3 { class: "subtle", "Wished times" }
                        ul { class: "lead-windows",
                            for window in lead.windows.iter() {
                                li { "{format::window_in(window, &lead.time_zone, zone)}" }
                            }
                        }
                        p { class: "subtle", "The customer's name, address and phone are shown once the job is yours." }
                    }
                    if askable(lead) {
                        Button {
                            label: "Ask the customer a question",
                            tone: Tone::Secondary,
                            busy,
                            onclick: move |()| on_answer.call(LeadAnswer::Ask),
                        }
                    }
                    if let Some(job_id) = lead.job_id.clone().filter(|_| lead.status == OfferStatus::Accepted) {
                        Button { label: "Open the job", onclick: move |()| on_open_job.call(job_id.clone()) }
                    }
                    if open && lead.assignment_mode == AssignmentMode::Instant {
                        Button {
                            label: "Confirm: take this job",
                            busy,
                            onclick: move |()| on_answer.call(LeadAnswer::Confirm),
                        }
                    }
                    if open && lead.assignment_mode == AssignmentMode::Review {
                        Card { title: "Apply with a quote",
                            Field {
                                label: "Your quote",
                                name: "quote",
                                kind: "text",
                                placeholder: "450.00",
                                hint: quote_earnings(lead, &quote()),
                                value: quote(),
                                error: field_error(error.as_ref(), "quote"),
                                oninput: move |v| quote.set(v),
                            }
                            Field {
                                label: "Message to the customer",
                                name: "message",
                                kind: "textarea",
                                value: message(),
                                error: field_error(error.as_ref(), "message"),
                                oninput: move |v| message.set(v),
                            }
                            Button {
                                label: "Send quote",
                                busy,
                                onclick: move |()| on_answer.call(LeadAnswer::Apply { message: message(), quote: quote() }),
                            }
                        }
                    }
                    if open {
                        Field {
                            label: "Reason for declining (optional)",
                            name: "reason",
                            value: reason(),
                            oninput: move |v| reason.set(v),
                        }
                        Button {
                            label: "Decline",
                            tone: Tone::Secondary,
                            busy,
                            onclick: move |()| on_answer.call(LeadAnswer::Decline { reason: reason() }),
                        }
                    }
                }
            })}
            {action_error(error.as_ref().filter(|e| e.fields_empty()))}
        }
    }
}

/// Questions before hiring: on a quote request or a request sent from the pro's profile, while
/// the lead is open.
fn askable(lead: &Lead) -> bool {
    matches!(lead.status, OfferStatus::Offered | OfferStatus::Applied)
        && (lead.assignment_mode == AssignmentMode::Review || lead.kind == RequestKind::Profile)
}

fn outcome_notice(outcome: Option<&LeadOutcome>) -> Element {
    let (tone, text) = match outcome {
        None => return rsx! {},
        Some(LeadOutcome::Assigned { .. }) => ("good", "The job is yours."),
        Some(LeadOutcome::Applied) => (
            "good",
            "Quote sent. We'll tell you when the customer chooses.",
        ),
        Some(LeadOutcome::Declined) => ("info", "Declined. It won't be offered to you again."),
        Some(LeadOutcome::Taken) => ("warn", "Taken by another pro: they confirmed first."),
        Some(LeadOutcome::Expired) => ("warn", "This lead expired before you answered."),
    };
    rsx! { Notice { tone, text } }
}
