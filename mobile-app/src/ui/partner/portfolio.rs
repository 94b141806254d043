//! The pro's portfolio: photos of past work on their public profile, each with a caption.

use dioxus::prelude::*;
use shared_types::photos::Photo;

use crate::state::partner::{add_to_portfolio, my_portfolio, remove_from_portfolio};
use crate::state::{AppError, Loadable};
use crate::ui::app::{loadable, use_action, use_loader, use_nav};
use crate::ui::kit::{Card, EmptyState, Field, Page, action_error, loaded};
use crate::ui::photos::{PhotoPicker, picked};

#[component]
pub fn PortfolioScreen() -> Element {
    let nav = use_nav();
    let mut data = use_loader(|session| async move { my_portfolio(&session).await });
    let action = use_action();
    let mut caption = use_signal(String::new);
    let session = crate::ui::app::use_session();
    let remover = session.clone();
    rsx! {
        PortfolioPage {
            state: loadable(&data),
            caption: caption(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_caption: move |text: String| caption.set(text),
            on_pick: move |input_id: String| {
                let session = session.clone();
                let text = caption();
                action.run(async move {
                    for file in picked(&input_id).await? {
                        let photo = crate::state::photos::upload(&session, file).await?;
                        add_to_portfolio(&session, &photo.id, &text).await?;
                    }
                    caption.set(String::new());
                    data.restart();
                    Ok(())
                });
            },
            on_remove: move |photo_id: String| {
                let session = remover.clone();
                action.run(async move {
                    remove_from_portfolio(&session, &photo_id).await?;
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn PortfolioPage(
    state: Loadable<Vec<Photo>>,
    /// The caption the next photos get.
    caption: String,
    busy: bool,
    error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_caption: EventHandler<String>,
    on_pick: EventHandler<String>,
    on_remove: EventHandler<String>,
) -> Element {
    rsx! {
        Page { title: "Past work", on_back,
            p { class: "subtle", "Customers see these photos on your profile, up to 30. Where they were taken is removed." }
            {action_error(error.as_ref())}
            {loaded(&state, Some(on_retry), |photos| rsx! {
                if photos.is_empty() {
                    EmptyState { title: "No photos yet", body: "Show a few jobs you are proud of." }
                }
                ul { class: "photo-strip", "aria-label": "Your portfolio",
                    for photo in photos.iter() {
                        li { key: "{photo.id}", class: "photo",
                            a { href: "{photo.url}", target: "_blank", rel: "noopener",
                                img { src: "{photo.thumbnail_url}", alt: photo.caption.clone().unwrap_or_else(|| "Past work".to_owned()) }
                            }
                            if let Some(text) = &photo.caption {
                                p { class: "photo-caption", "{text}" }
                            }
                            button {
                                class: "btn btn-link btn-small",
                                r#type: "button",
                                disabled: busy,
                                onclick: {
                                    let id = photo.id.clone();
                                    move |_| on_remove.call(id.clone())
                                },
                                "Remove"
                            }
                        }
                    }
                }
                if photos.len() < shared_types::photos::PORTFOLIO_MAX {
                    Card { title: "Add photos",
                        Field {
                            label: "Caption (optional)",
                            name: "caption",
                            value: caption.clone(),
                            placeholder: "A bathroom vanity replaced in Leslieville",
                            oninput: move |text| on_caption.call(text),
                        }
                        PhotoPicker { id: "field-portfolio-photos", label: "Add photos", busy, on_pick }
                    }
                }
            })}
        }
    }
}
