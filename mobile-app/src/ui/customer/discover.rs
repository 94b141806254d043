//! Find a pro: pick a category, see the pros near you by Star Score.

use dioxus::prelude::*;
use shared_types::partners::PartnerSearchHit;

use crate::state::customer::{Discover, Place};
use crate::state::{Loadable, Screen, format};
use crate::ui::account::ConfirmEmailBanner;
use crate::ui::app::{loadable, use_loader, use_nav};
use crate::ui::kit::{Button, EmptyState, Page, loaded};

#[component]
pub fn DiscoverScreen() -> Element {
    let mut nav = use_nav();
    let category = use_signal(|| None::<String>);
    let mut data = use_loader(move |session| {
        let category = category.read().clone();
        async move { Discover::load(&session, category.as_deref(), &Place::toronto()).await }
    });
    let mut choose = category;
    rsx! {
        DiscoverPage {
            state: loadable(&data),
            place: Place::toronto().label,
            on_category: move |slug| choose.set(Some(slug)),
            on_open: move |id| nav.go(Screen::Pro(id)),
            on_request: move |category| nav.go(Screen::NewRequest { category: Some(category), partner_id: None }),
            on_retry: move |()| data.restart(),
            banner: rsx! { ConfirmEmailBanner {} },
        }
    }
}

#[component]
pub fn DiscoverPage(
    state: Loadable<Discover>,
    place: String,
    on_category: EventHandler<String>,
    on_open: EventHandler<String>,
    on_request: EventHandler<String>,
    on_retry: EventHandler<()>,
    #[props(default)] banner: Option<Element>,
) -> Element {
    rsx! {
        Page { title: "Find a pro", banner,
            p { class: "subtle", "Near {place}" }
            {loaded(&state, Some(on_retry), |discover| rsx! {
                nav { class: "chips", "aria-label": "Categories",
                    for category in discover.categories.iter() {
                        button {
                            class: if discover.category.as_deref() == Some(category.slug.as_str()) { "chip chip-on" } else { "chip" },
                            "aria-pressed": if discover.category.as_deref() == Some(category.slug.as_str()) { "true" } else { "false" },
                            onclick: {
                                let slug = category.slug.clone();
                                move |_| on_category.call(slug.clone())
                            },
                            "{category.name}"
                        }
                    }
                }
                match discover.category.clone() {
                    None => rsx! {
                        EmptyState { title: "What do you need done?", body: "Pick a category to see the pros who serve your area." }
                    },
                    Some(slug) => rsx! {
                        Button {
                            label: "Ask all nearby pros for a quote",
                            onclick: move |()| on_request.call(slug.clone()),
                        }
                        if discover.hits.is_empty() {
                            EmptyState { title: "No pros here yet", body: "Send a request anyway: we'll alert pros as they join." }
                        }
                        for hit in discover.hits.iter() {
                            ProCard { key: "{hit.partner.id}", hit: hit.clone(), on_open }
                        }
                    },
                }
            })}
        }
    }
}

#[component]
pub fn ProCard(hit: PartnerSearchHit, on_open: EventHandler<String>) -> Element {
    let partner = &hit.partner;
    let id = partner.id.clone();
    rsx! {
        article {
            class: "card pro",
            role: "button",
            tabindex: "0",
            "aria-label": "Open {partner.business_name}",
            onclick: move |_| on_open.call(id.clone()),
            div { class: "lead-head",
                h3 { class: "lead-title", "{partner.business_name}" }
                span { class: "score", "aria-label": "Star Score",
                    {partner.star_score.map_or("New pro".to_owned(), |s| format!("Star Score {}", format::star_score(Some(s))))}
                }
            }
            p { class: "subtle", "{format::stars(partner.average_stars, partner.review_count)} · {format::distance(hit.distance_km)} away" }
            p { class: "lead-desc", "{partner.description}" }
        }
    }
}
