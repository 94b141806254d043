//! The pro's reviews, with a public reply under each.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::ratings::Review;

use crate::state::partner::{RatingsView, reply_to_review};
use crate::state::{AppError, Loadable, format};
use crate::ui::app::{loadable, use_action, use_loader, use_session};
use crate::ui::kit::{Button, Card, EmptyState, Field, Page, Tone, action_error, loaded};

#[component]
pub fn RatingsScreen() -> Element {
    let session = use_session();
    let mut data = use_loader(|session| async move { RatingsView::load(&session).await });
    let action = use_action();
    rsx! {
        RatingsPage {
            state: loadable(&data),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_reply: move |(rating_id, text): (String, String)| {
                let session = session.clone();
                action.run(async move {
                    reply_to_review(&session, &rating_id, &text).await?;
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn RatingsPage(
    state: Loadable<RatingsView>,
    zone: Tz,
    busy: bool,
    error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_reply: EventHandler<(String, String)>,
) -> Element {
    rsx! {
        Page { title: "Ratings",
            {loaded(&state, Some(on_retry), |view| rsx! {
                Card { title: "Your Star Score",
                    p { class: "money-big",
                        {format::star_score(view.star_score)}
                    }
                    p { class: "subtle",
                        {match view.review_count { 1 => "1 published review".to_owned(), n => format!("{n} published reviews") }}
                        ". Rate your customers from each finished job."
                    }
                }
                {action_error(error.as_ref())}
                if view.reviews.is_empty() {
                    EmptyState {
                        title: "No reviews yet",
                        body: "Reviews are published when both sides have rated, or when the rating window closes.",
                    }
                }
                for review in view.reviews.iter() {
                    ReviewCard { key: "{review.id}", review: review.clone(), zone, busy, on_reply }
                }
            })}
        }
    }
}

#[component]
pub fn ReviewCard(
    review: Review,
    zone: Tz,
    busy: bool,
    on_reply: Option<EventHandler<(String, String)>>,
) -> Element {
    let mut text = use_signal(String::new);
    let stars = "★".repeat(usize::try_from(review.stars).unwrap_or(0));
    let id = review.id.clone();
    rsx! {
        article { class: "card review",
            p { class: "review-stars", "aria-label": "{review.stars} out of 5 stars", "{stars}" }
            p { "{review.comment}" }
            p { class: "subtle", "{review.reviewer} · {format::date(review.published_at, zone)}" }
            if let Some(reply) = &review.reply {
                blockquote { class: "reply", "Your reply: {reply.text}" }
            } else if let Some(on_reply) = on_reply {
                Field {
                    label: "Reply publicly",
                    name: "reply-{review.id}",
                    value: text(),
                    oninput: move |v| text.set(v),
                }
                Button {
                    label: "Post reply",
                    tone: Tone::Secondary,
                    busy,
                    onclick: move |()| on_reply.call((id.clone(), text())),
                }
            }
        }
    }
}
