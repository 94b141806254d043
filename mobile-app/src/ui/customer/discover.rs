//! Find a pro: pick a category, see the pros near you by Star Score.

use dioxus::prelude::*;
use shared_types::partners::PartnerSearchHit;

use crate::state::customer::{Discover, Place};
use crate::state::{Loadable, Screen, format};
use crate::ui::account::ConfirmEmailBanner;
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{Button, EmptyState, Page, loaded};
use crate::ui::places::{PlacePicker, locate_me, use_place_suggestions};

#[component]
pub fn DiscoverScreen() -> Element {
    let mut nav = use_nav();
    let session = use_session();
    let category = use_signal(|| None::<String>);
    let mut place = use_signal(|| session.place());
    let mut changing = use_signal(|| false);
    let mut typed = use_signal(String::new);
    let suggestions = use_place_suggestions();
    let locating = use_action();
    let mut data = use_loader(move |session| {
        let category = category.read().clone();
        let place = place.read().clone();
        async move { Discover::load(&session, category.as_deref(), place.as_ref()).await }
    });
    let mut choose = category;
    let chosen = session.clone();
    let pick = use_callback(move |found: Place| {
        chosen.set_place(found.clone());
        place.set(Some(found));
        changing.set(false);
        typed.set(String::new());
        suggestions.clear();
    });
    let picker = (place.read().is_none() || changing()).then(|| {
        let asking = session.clone();
        let locate_with = session.clone();
        rsx! {
            PlacePicker {
                title: "Where do you need work done?",
                text: typed(),
                suggestions: suggestions.list(),
                locating: locating.busy.cloned(),
                error: locating.error(),
                oninput: move |text: String| {
                    typed.set(text.clone());
                    suggestions.ask(asking.clone(), text);
                },
                on_pick: move |found| pick.call(found),
                on_locate: move |()| {
                    let session = locate_with.clone();
                    locating.run(async move {
                        let found = locate_me(&session).await?;
                        pick.call(found);
                        Ok(())
                    });
                },
            }
        }
    });
    rsx! {
        DiscoverPage {
            state: loadable(&data),
            place: place.read().as_ref().map(|place| place.label.clone()),
            picker,
            on_change_place: move |()| changing.set(true),
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
    /// Where the person looks (the label of the place they chose); `None` until chosen.
    place: Option<String>,
    /// The place picker, while choosing.
    #[props(default)]
    picker: Option<Element>,
    #[props(default)] on_change_place: Option<EventHandler<()>>,
    on_category: EventHandler<String>,
    on_open: EventHandler<String>,
    on_request: EventHandler<String>,
    on_retry: EventHandler<()>,
    #[props(default)] banner: Option<Element>,
) -> Element {
    let placed = place.is_some();
    rsx! {
        Page { title: "Find a pro", banner,
            match (picker, place) {
                (Some(picker), _) => picker,
                (None, Some(label)) => rsx! {
                    div { class: "place-bar",
                        p { class: "subtle", "Near {label}" }
                        if let Some(on_change) = on_change_place {
                            button {
                                class: "btn btn-link",
                                r#type: "button",
                                onclick: move |_| on_change.call(()),
                                "Change"
                            }
                        }
                    }
                },
                (None, None) => rsx! {},
            }
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
                    Some(_) if !placed => rsx! {
                        EmptyState { title: "Where is the work?", body: "Type your address or postal code above to see the pros who serve it." }
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
