//! A pro's profile: Star Score, reviews, Call / Website (counted) and Get a Quote.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::partners::ContactKind;

use crate::state::customer::{ProProfile, contact, contact_link};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{Badge, Button, Card, EmptyState, Page, Row, Tone, action_error, loaded};
use crate::ui::partner::ratings::ReviewCard;

#[component]
pub fn ProScreen(id: String) -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let partner_id = id.clone();
    let mut data = use_loader(move |session| {
        let id = partner_id.clone();
        async move { ProProfile::load(&session, &id).await }
    });
    let action = use_action();
    let mut link = use_signal(|| None::<String>);
    let quote_for = id.clone();
    rsx! {
        ProPage {
            state: loadable(&data),
            zone: session.time_zone(),
            contact_link: link(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_contact: move |kind: ContactKind| {
                let session = session.clone();
                let id = id.clone();
                action.run(async move {
                    let target = contact(&session, &id, kind).await?;
                    link.set(Some(contact_link(&target)));
                    Ok(())
                });
            },
            on_quote: move |()| nav.go(Screen::NewRequest { category: None, partner_id: Some(quote_for.clone()) }),
        }
    }
}

#[component]
pub fn ProPage(
    state: Loadable<ProProfile>,
    zone: Tz,
    contact_link: Option<String>,
    busy: bool,
    error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_contact: EventHandler<ContactKind>,
    on_quote: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Pro", on_back,
            {loaded(&state, Some(on_retry), |profile| {
                let partner = &profile.partner;
                rsx! {
                    Card { title: partner.business_name.clone(),
                        p { class: "score-big",
                            {partner.star_score.map_or("New pro".to_owned(), |s| format!("Star Score {}", format::star_score(Some(s))))}
                        }
                        p { class: "subtle", "{format::stars(partner.average_stars, partner.review_count)}" }
                        p { "{partner.description}" }
                        Row { label: "Serves", value: format!("{} and {:.0} km around", partner.area.city, partner.area.radius_km) }
                        div { class: "lead-badges",
                            for category in partner.categories.iter() {
                                Badge { text: category.name.clone() }
                            }
                        }
                    }
                    Button { label: "Get a Quote", onclick: move |()| on_quote.call(()) }
                    div { class: "grid-2",
                        if partner.has_phone {
                            Button { label: "Call", tone: Tone::Secondary, busy, onclick: move |()| on_contact.call(ContactKind::Phone) }
                        }
                        if partner.has_website {
                            Button { label: "Website", tone: Tone::Secondary, busy, onclick: move |()| on_contact.call(ContactKind::Website) }
                        }
                    }
                    if let Some(link) = contact_link.clone() {
                        a { class: "btn btn-link", href: "{link}", target: "_blank", rel: "noopener", "Open {link}" }
                    }
                    {action_error(error.as_ref())}
                    if !profile.portfolio.is_empty() {
                        h2 { class: "section-title", "Past work" }
                        crate::ui::photos::PhotoStrip { photos: profile.portfolio.clone(), label: "Past work" }
                    }
                    h2 { class: "section-title", "Reviews" }
                    if profile.reviews.is_empty() {
                        EmptyState { title: "No reviews yet", body: "Be the first to hire this pro." }
                    }
                    for review in profile.reviews.iter() {
                        ReviewCard { key: "{review.id}", review: review.clone(), zone, busy: false }
                    }
                }
            })}
        }
    }
}
