//! Messages: the list of conversations with unread counts, and one conversation with its
//! messages, the job's timeline between them, read receipts and a box to write.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::conversations::Conversation;
use shared_types::jobs::Party;

use crate::state::conversations::{
    Thread, is_own, list, load_thread, other_side, preview, seen, send, standing_note,
};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_live, use_loader, use_nav, use_session};
use crate::ui::kit::{Badge, Button, EmptyState, Notice, Page, action_error, field_error, loaded};
use crate::ui::photos::{PendingPhotos, PhotoPicker, PhotoStrip, upload_picked};
use shared_types::photos::Photo;

fn is_partner(session: &crate::state::Session) -> bool {
    session.role() == Some(shared_types::auth::Role::Partner)
}

#[component]
pub fn ConversationsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { list(&session).await });
    use_live("message.", data);
    rsx! {
        ConversationsPage {
            state: loadable(&data),
            partner: is_partner(&session),
            zone: session.time_zone(),
            on_retry: move |()| data.restart(),
            on_open: move |id: String| nav.go(Screen::Conversation(id)),
        }
    }
}

#[component]
pub fn ConversationsPage(
    state: Loadable<Vec<Conversation>>,
    partner: bool,
    zone: Tz,
    on_retry: EventHandler<()>,
    on_open: EventHandler<String>,
) -> Element {
    let empty = if partner {
        "Ask a customer a question from a quote request's lead, or write from a job."
    } else {
        "Write to a pro from a request you sent them, or from a job."
    };
    rsx! {
        Page { title: "Messages",
            {loaded(&state, Some(on_retry), |items| rsx! {
                if items.is_empty() {
                    EmptyState { title: "No conversations yet", body: empty }
                }
                ul { class: "list",
                    for item in items.iter() {
                        li {
                            key: "{item.id}",
                            class: if item.unread > 0 { "list-item list-link unread" } else { "list-item list-link" },
                            role: "button",
                            tabindex: "0",
                            "aria-label": "Open conversation with {other_side(item, partner)}",
                            onclick: {
                                let id = item.id.clone();
                                move |_| on_open.call(id.clone())
                            },
                            div {
                                p { class: "list-title", "{other_side(item, partner)}" }
                                p { class: "subtle", "{item.title}" }
                                p { class: "list-desc", "{preview(item)}" }
                            }
                            div { class: "list-end",
                                span { class: "subtle", "{format::date_time(item.last_activity_at, zone)}" }
                                if item.unread > 0 {
                                    Badge { text: format!("{} new", item.unread), tone: "accent" }
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
pub fn ConversationScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let thread_id = id.clone();
    let mut thread = use_loader(move |session| {
        let id = thread_id.clone();
        async move { load_thread(&session, &id).await }
    });
    use_live("message.", thread);
    let action = use_action();
    let adding = use_action();
    let mut draft = use_signal(String::new);
    let mut pending = use_signal(Vec::<Photo>::new);
    let uploader = session.clone();
    rsx! {
        ConversationView {
            state: loadable(&thread),
            partner: is_partner(&session),
            zone: session.time_zone(),
            draft: draft(),
            pending: pending(),
            busy: action.busy.cloned(),
            adding: adding.busy.cloned(),
            error: action.error().or_else(|| adding.error()),
            on_back: nav.back_handler(),
            on_retry: move |()| thread.restart(),
            on_draft: move |text: String| draft.set(text),
            on_pick: move |input_id: String| {
                let session = uploader.clone();
                adding.run(async move { upload_picked(&session, &input_id, pending).await });
            },
            on_remove_photo: move |photo_id: String| pending.write().retain(|photo| photo.id != photo_id),
            on_send: move |()| {
                let session = session.clone();
                let id = id.clone();
                let text = draft();
                let photo_ids = crate::state::photos::ids(&pending());
                action.run(async move {
                    send(&session, &id, &text, photo_ids).await?;
                    draft.set(String::new());
                    pending.set(Vec::new());
                    thread.restart();
                    Ok(())
                });
            },
            on_open_job: move |job_id: String| {
                let mut nav = nav;
                nav.go(Screen::Job(job_id));
            },
        }
    }
}

#[component]
pub fn ConversationView(
    state: Loadable<Thread>,
    partner: bool,
    zone: Tz,
    draft: String,
    /// Photos picked and uploaded, to go with the next message.
    pending: Vec<Photo>,
    busy: bool,
    /// Picked photos are being uploaded.
    adding: bool,
    error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_draft: EventHandler<String>,
    on_pick: EventHandler<String>,
    on_remove_photo: EventHandler<String>,
    on_send: EventHandler<()>,
    on_open_job: EventHandler<String>,
) -> Element {
    let title = match &state {
        Loadable::Ready(thread) => other_side(&thread.conversation, partner).to_owned(),
        _ => "Conversation".to_owned(),
    };
    rsx! {
        Page { title, on_back,
            {loaded(&state, Some(on_retry), |thread| {
                let conversation = &thread.conversation;
                let last_own_seen = seen(conversation, &thread.entries, partner);
                let last_own = thread.entries.iter().rposition(|entry| is_own(entry, partner));
                rsx! {
                    p { class: "subtle", "{conversation.title}" }
                    if let Some(job_id) = conversation.job_id.clone() {
                        Button {
                            label: "Open the job",
                            tone: crate::ui::kit::Tone::Secondary,
                            onclick: move |()| on_open_job.call(job_id.clone()),
                        }
                    }
                    if let Some(note) = standing_note(conversation, partner) {
                        Notice { tone: "info", text: note }
                    }
                    if thread.more_before {
                        p { class: "subtle chat-older", "Older messages are not shown." }
                    }
                    if thread.entries.is_empty() {
                        EmptyState { title: "Say hello", body: "Ask what you need to know; the other side is told at once." }
                    }
                    ol { class: "chat", "aria-label": "Messages",
                        for (index, entry) in thread.entries.iter().enumerate() {
                            li {
                                key: "{entry.id}",
                                class: match entry.sender {
                                    Party::System => "chat-entry chat-system",
                                    Party::Staff => "chat-entry chat-staff",
                                    _ if is_own(entry, partner) => "chat-entry chat-own",
                                    _ => "chat-entry chat-theirs",
                                },
                                if entry.sender == Party::Staff {
                                    p { class: "chat-from", "Porchlight support" }
                                }
                                if entry.hidden {
                                    p { class: "chat-body subtle", "Hidden by Porchlight support." }
                                } else {
                                    if !entry.body.is_empty() {
                                        p { class: "chat-body", "{entry.body}" }
                                    }
                                    if !entry.photos.is_empty() {
                                        PhotoStrip { photos: entry.photos.clone(), label: "Photos" }
                                    }
                                }
                                if let Some(note) = &entry.note {
                                    p { class: "chat-note", "{note}" }
                                }
                                p { class: "chat-time",
                                    "{format::date_time(entry.created_at, zone)}"
                                    if Some(index) == last_own && last_own_seen {
                                        " · Seen"
                                    }
                                }
                            }
                        }
                    }
                    if conversation.can_send {
                        div { class: "chat-compose",
                            label { r#for: "field-message", "Your message" }
                            textarea {
                                id: "field-message",
                                name: "message",
                                rows: "2",
                                placeholder: "Write a message",
                                value: "{draft}",
                                "aria-invalid": if field_error(error.as_ref(), "body").is_some() { "true" } else { "false" },
                                oninput: move |event| on_draft.call(event.value()),
                            }
                            PendingPhotos { photos: pending.clone(), on_remove: on_remove_photo }
                            PhotoPicker {
                                id: "field-message-photos",
                                label: "Add photos",
                                busy: adding,
                                on_pick,
                            }
                            Button {
                                label: "Send",
                                busy,
                                disabled: adding || (draft.trim().is_empty() && pending.is_empty()),
                                onclick: move |()| on_send.call(()),
                            }
                        }
                        {action_error(error.as_ref())}
                    }
                }
            })}
        }
    }
}
