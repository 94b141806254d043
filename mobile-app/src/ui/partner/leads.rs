//! The lead inbox, live: new leads appear as they are offered.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::partners::AssignmentMode;
use shared_types::requests::{Lead, OfferStatus};

use crate::state::partner::{LeadInbox, lead_price, reach, why_matched};
use crate::state::{Loadable, Screen, format};
use crate::ui::account::ConfirmEmailBanner;
use crate::ui::app::{loadable, use_live, use_loader, use_nav, use_now, use_session};
use crate::ui::kit::{Badge, EmptyState, Page, loaded};
use crate::ui::push::PushPrompt;
use shared_types::auth::Role;

#[component]
pub fn LeadsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut inbox = use_loader(|session| async move { LeadInbox::load(&session).await });
    let live = use_live("lead.", inbox);
    let now = use_now(15);
    rsx! {
        LeadsView {
            state: loadable(&inbox),
            live: live(),
            now: now(),
            zone: session.time_zone(),
            on_open: move |id| nav.go(Screen::Lead(id)),
            on_retry: move |()| inbox.restart(),
            banner: rsx! {
                ConfirmEmailBanner {}
                PushPrompt { role: Role::Partner }
            },
        }
    }
}

#[component]
pub fn LeadsView(
    state: Loadable<LeadInbox>,
    live: bool,
    now: DateTime<Utc>,
    zone: Tz,
    on_open: EventHandler<String>,
    on_retry: EventHandler<()>,
    #[props(default)] banner: Option<Element>,
) -> Element {
    rsx! {
        Page { title: "Leads", banner,
            p { class: if live { "live live-on" } else { "live" }, role: "status",
                if live { "● Live: new leads appear here" } else { "○ Connecting…" }
            }
            {loaded(&state, Some(on_retry), |inbox| rsx! {
                if inbox.is_empty() {
                    EmptyState {
                        title: "No leads yet",
                        body: "When a homeowner nearby asks for what you do, it shows up here at once.",
                    }
                }
                if !inbox.waiting.is_empty() {
                    h2 { class: "section-title", "Waiting for you ({inbox.waiting.len()})" }
                    for lead in inbox.waiting.iter() {
                        LeadCard { key: "{lead.id}", lead: lead.clone(), now, zone, on_open }
                    }
                }
                if !inbox.answered.is_empty() {
                    h2 { class: "section-title", "Earlier" }
                    for lead in inbox.answered.iter() {
                        LeadCard { key: "{lead.id}", lead: lead.clone(), now, zone, on_open }
                    }
                }
            })}
        }
    }
}

pub fn offer_status_label(status: OfferStatus) -> (&'static str, &'static str) {
    match status {
        OfferStatus::Offered => ("New", "accent"),
        OfferStatus::Accepted => ("Yours", "good"),
        OfferStatus::Applied => ("Quote sent", "info"),
        OfferStatus::Declined => ("Declined", "neutral"),
        OfferStatus::Expired => ("Expired", "neutral"),
        OfferStatus::Taken => ("Taken by another pro", "warn"),
        OfferStatus::Withdrawn => ("Withdrawn", "neutral"),
        OfferStatus::Unknown => ("Updated", "neutral"),
    }
}

pub fn mode_label(mode: AssignmentMode) -> &'static str {
    match mode {
        AssignmentMode::Instant => "Instant: first to confirm",
        AssignmentMode::Review => "Quote: customer chooses",
        AssignmentMode::Unknown => "See the details",
    }
}

#[component]
pub fn LeadCard(
    lead: Lead,
    now: DateTime<Utc>,
    zone: Tz,
    on_open: EventHandler<String>,
) -> Element {
    let (status, tone) = offer_status_label(lead.status);
    let price = lead_price(&lead).map(format::money);
    let id = lead.id.clone();
    rsx! {
        article {
            class: "card lead",
            role: "button",
            tabindex: "0",
            "aria-label": "Open lead: {lead.category.name} in {lead.city}",
            onclick: move |_| on_open.call(id.clone()),
            div { class: "lead-head",
                h3 { class: "lead-title", "{lead.category.name}" }
                if let Some(price) = price {
                    span { class: "lead-price", "{price}" }
                }
            }
            div { class: "lead-badges",
                Badge { text: status, tone }
                Badge { text: mode_label(lead.assignment_mode), tone: "neutral" }
                if lead.status == OfferStatus::Offered {
                    Badge { text: format::countdown(lead.expires_at, now), tone: "warn" }
                }
                if lead.photo_count > 0 {
                    Badge { text: format::count(lead.photo_count, "photo"), tone: "neutral" }
                }
            }
            p { class: "lead-desc", "{lead.description}" }
            p { class: "lead-meta", "{lead.city} {lead.postal_prefix} · {reach(&lead)}" }
            p { class: "lead-why", "Why you: {why_matched(&lead, zone)}" }
            ul { class: "lead-windows", "aria-label": "Wished times",
                for window in lead.windows.iter() {
                    li { "{format::window_in(window, &lead.time_zone, zone)}" }
                }
            }
        }
    }
}
