//! Partners: search pros; a pro's file (profile, Star Score, tier, ratings, jobs, wallet,
//! penalties) with tier and status changes, each with a reason for the audit log.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::partners::{MembershipTier, PartnerProfile, PartnerStatus};
use shared_types::wallet::WalletBucket;

use crate::state::jobs::status_label;
use crate::state::staff::{PartnerFile, find_partners, update_partner};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Badge, Button, Card, EmptyState, Field, Page, Row, Tone, action_error, field_error, loaded,
};

#[component]
pub fn PartnersScreen() -> Element {
    let mut nav = use_nav();
    let session = use_session();
    let mut text = use_signal(String::new);
    let mut searched = use_signal(String::new);
    let mut data = use_resource(move || {
        let session = session.clone();
        let query = searched();
        async move { find_partners(&session, &query, None).await }
    });
    rsx! {
        PartnersPage {
            state: loadable(&data),
            text: text(),
            on_text: move |value| text.set(value),
            on_search: move |()| searched.set(text()),
            on_retry: move |()| data.restart(),
            on_open: move |id| nav.go(Screen::PartnerFile(id)),
        }
    }
}

fn status_text(status: PartnerStatus) -> &'static str {
    match status {
        PartnerStatus::Active => "Active",
        PartnerStatus::Suspended => "Suspended",
        PartnerStatus::Unknown => "Other",
    }
}

#[component]
pub fn PartnersPage(
    state: Loadable<Vec<PartnerProfile>>,
    text: String,
    on_text: EventHandler<String>,
    on_search: EventHandler<()>,
    on_retry: EventHandler<()>,
    on_open: EventHandler<String>,
) -> Element {
    rsx! {
        Page { title: "Partners",
            form {
                class: "searchbar",
                role: "search",
                onsubmit: move |event| {
                    event.prevent_default();
                    on_search.call(());
                },
                Field {
                    label: "Business name or email",
                    name: "q",
                    value: text,
                    placeholder: "e.g. Sparkle, or @example.com",
                    oninput: move |value| on_text.call(value),
                }
                Button { label: "Search", tone: Tone::Secondary, onclick: move |()| on_search.call(()) }
            }
            {loaded(&state, Some(on_retry), |partners| rsx! {
                if partners.is_empty() {
                    EmptyState { title: "No pros found", body: "Try part of the business name or the email." }
                } else {
                    table { class: "table",
                        thead {
                            tr {
                                th { scope: "col", "Business" }
                                th { scope: "col", "Email" }
                                th { scope: "col", "Categories" }
                                th { scope: "col", "Tier" }
                                th { scope: "col", "Star Score" }
                                th { scope: "col", "Status" }
                            }
                        }
                        tbody {
                            for partner in partners.iter() {
                                tr { key: "{partner.id}",
                                    td {
                                        button {
                                            class: "btn-link",
                                            onclick: {
                                                let id = partner.id.clone();
                                                move |_| on_open.call(id.clone())
                                            },
                                            "{partner.business_name}"
                                        }
                                    }
                                    td { "{partner.email}" }
                                    td { {partner.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")} }
                                    td { {format::tier(partner.tier)} }
                                    td { {format::star_score(partner.star_score)} }
                                    td { {status_text(partner.status)} }
                                }
                            }
                        }
                    }
                }
            })}
        }
    }
}

/// A change staff make to a pro from the file.
#[derive(Debug, Clone, PartialEq)]
pub enum PartnerChange {
    Tier(MembershipTier),
    Status(PartnerStatus),
}

#[component]
pub fn PartnerFileScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let partner_id = id.clone();
    let mut data = use_loader(move |session| {
        let id = partner_id.clone();
        async move { PartnerFile::load(&session, &id).await }
    });
    let mut reason = use_signal(String::new);
    let action = use_action();
    rsx! {
        PartnerFilePage {
            state: loadable(&data),
            zone: session.time_zone(),
            reason: reason(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_reason: move |text| reason.set(text),
            on_change: move |change: PartnerChange| {
                let session = session.clone();
                let id = id.clone();
                let why = reason();
                action.run(async move {
                    let (tier, status) = match change {
                        PartnerChange::Tier(tier) => (Some(tier), None),
                        PartnerChange::Status(status) => (None, Some(status)),
                    };
                    update_partner(&session, &id, tier, status, &why).await?;
                    reason.set(String::new());
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn PartnerFilePage(
    state: Loadable<PartnerFile>,
    zone: Tz,
    reason: String,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_reason: EventHandler<String>,
    on_change: EventHandler<PartnerChange>,
) -> Element {
    let err = error.as_ref();
    rsx! {
        Page { title: "Partner", on_back,
            {loaded(&state, Some(on_retry), |file| {
                let profile = &file.profile;
                rsx! {
                    div { class: "split split-case",
                        div { class: "split-detail",
                            Card { title: "{profile.business_name}",
                                div { class: "card-head",
                                    Badge { text: format::tier(profile.tier) }
                                    Badge {
                                        text: status_text(profile.status),
                                        tone: if profile.status == PartnerStatus::Active { "good" } else { "bad" },
                                    }
                                    if !profile.accepting_leads {
                                        Badge { text: "Paused leads", tone: "warn" }
                                    }
                                }
                                p { "{profile.description}" }
                                Row { label: "Email", value: profile.email.clone() }
                                Row { label: "Phone", value: profile.phone.clone().unwrap_or_else(|| "None".into()) }
                                Row { label: "Categories", value: profile.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ") }
                                Row { label: "Area", value: format!("{}, {} km", profile.service_area.city, profile.service_area.radius_km) }
                                Row { label: "Star Score", value: format::star_score(profile.star_score) }
                                Row { label: "Reviews", value: profile.review_count.to_string() }
                                Row { label: "Joined", value: format::date(profile.created_at, zone) }
                            }
                            Card { title: "Wallet",
                                if file.wallet.balances.is_empty() {
                                    p { class: "subtle", "No money yet." }
                                }
                                for balance in file.wallet.balances.iter() {
                                    Row { label: "Available ({balance.available.currency})", value: format::money(&balance.available) }
                                    Row { label: "Pending", value: format::money(&balance.pending) }
                                    Row { label: "Earned so far", value: format::money(&balance.lifetime_earned) }
                                }
                                Row { label: "Next payout", value: format::date_time(file.wallet.next_payout_at, zone) }
                                details {
                                    summary { "Entries ({file.entries.len()})" }
                                    ul { class: "list",
                                        for entry in file.entries.iter() {
                                            li { class: "list-item", key: "{entry.id}",
                                                div {
                                                    p { "{entry.description}" }
                                                    p { class: "subtle",
                                                        "{format::date_time(entry.created_at, zone)} · "
                                                        if entry.bucket == WalletBucket::Pending { "pending" } else { "available" }
                                                    }
                                                }
                                                span { class: "amount", "{format::money(&entry.amount)}" }
                                            }
                                        }
                                    }
                                }
                            }
                            Card { title: "Jobs ({file.jobs.len()})",
                                if file.jobs.is_empty() {
                                    p { class: "subtle", "No jobs yet." }
                                }
                                for job in file.jobs.iter() {
                                    Row {
                                        label: format!("{} · {} · {}", format::category_slug(&job.category), job.city, format::date(job.created_at, zone)),
                                        value: format!("{} · {}", status_label(job.status), format::money(&job.price)),
                                    }
                                }
                            }
                            Card { title: "Ratings received ({file.ratings.len()})",
                                for rating in file.ratings.iter() {
                                    div { class: "rating-line", key: "{rating.id}",
                                        p { "{\"★\".repeat(usize::try_from(rating.stars).unwrap_or(0))} {rating.comment}" }
                                        if let Some(hidden) = &rating.hidden_reason {
                                            p { class: "subtle", "Hidden: {hidden}" }
                                        }
                                    }
                                }
                            }
                            Card { title: "Penalties ({file.penalties.len()})",
                                for penalty in file.penalties.iter() {
                                    Row {
                                        label: format!("Late cancellation · {}", format::date(penalty.created_at, zone)),
                                        value: format!("{} · {}", format::money(&penalty.amount), penalty.status),
                                    }
                                }
                            }
                        }
                        div { class: "split-side",
                            Card { title: "Change",
                                Field {
                                    label: "Reason (kept in the audit log)",
                                    name: "reason",
                                    value: reason,
                                    error: field_error(err, "reason"),
                                    oninput: move |text| on_reason.call(text),
                                }
                                if err.is_some_and(AppError::fields_empty) {
                                    {action_error(err)}
                                }
                                if profile.tier == MembershipTier::Basic {
                                    Button { label: "Make Brand Builder", busy, onclick: move |()| on_change.call(PartnerChange::Tier(MembershipTier::BrandBuilder)) }
                                } else {
                                    Button { label: "Move to Basic", tone: Tone::Secondary, busy, onclick: move |()| on_change.call(PartnerChange::Tier(MembershipTier::Basic)) }
                                }
                                if profile.status == PartnerStatus::Active {
                                    Button { label: "Suspend pro", tone: Tone::Danger, busy, onclick: move |()| on_change.call(PartnerChange::Status(PartnerStatus::Suspended)) }
                                } else {
                                    Button { label: "Reinstate pro", busy, onclick: move |()| on_change.call(PartnerChange::Status(PartnerStatus::Active)) }
                                }
                            }
                        }
                    }
                }
            })}
        }
    }
}
