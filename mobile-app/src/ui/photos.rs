//! Photos in the app: thumbnails that open the full image, and the button that opens the
//! phone's camera or photo library.

use dioxus::prelude::*;
use shared_types::photos::Photo;

use crate::state::photos::Picked;
use crate::state::{AppError, Session};

/// Thumbnails, each opening the full image; captions under portfolio photos.
#[component]
pub fn PhotoStrip(photos: Vec<Photo>, label: String) -> Element {
    rsx! {
        ul { class: "photo-strip", "aria-label": "{label}",
            for photo in photos.iter() {
                li { key: "{photo.id}", class: "photo",
                    a { href: "{photo.url}", target: "_blank", rel: "noopener",
                        img {
                            src: "{photo.thumbnail_url}",
                            alt: photo.caption.clone().unwrap_or_else(|| "Photo".to_owned()),
                            loading: "lazy",
                        }
                    }
                    if let Some(caption) = &photo.caption {
                        p { class: "photo-caption", "{caption}" }
                    }
                }
            }
        }
    }
}

/// Photos picked and uploaded, waiting to go: each can be taken out again.
#[component]
pub fn PendingPhotos(photos: Vec<Photo>, on_remove: EventHandler<String>) -> Element {
    rsx! {
        if !photos.is_empty() {
            ul { class: "photo-strip", "aria-label": "Photos to send",
                for photo in photos.iter() {
                    li { key: "{photo.id}", class: "photo",
                        img { src: "{photo.thumbnail_url}", alt: "A photo to send" }
                        button {
                            class: "btn btn-link btn-small",
                            r#type: "button",
                            onclick: {
                                let id = photo.id.clone();
                                move |_| on_remove.call(id.clone())
                            },
                            "Remove"
                        }
                    }
                }
            }
        }
    }
}

/// "Add photos": opens the camera or the library (JPEG, PNG or WebP; phones convert theirs).
/// `on_pick` gets the input's id once files are chosen: read them with [`picked`].
#[component]
pub fn PhotoPicker(
    id: String,
    label: String,
    busy: bool,
    on_pick: EventHandler<String>,
) -> Element {
    rsx! {
        div { class: "photo-pick",
            label { class: "btn btn-secondary btn-small", r#for: "{id}",
                if busy { "Adding photos…" } else { "{label}" }
            }
            input {
                id: "{id}",
                class: "visually-hidden",
                r#type: "file",
                accept: "image/jpeg,image/png,image/webp",
                multiple: true,
                disabled: busy,
                onchange: {
                    let id = id.clone();
                    move |_| on_pick.call(id.clone())
                },
            }
        }
    }
}

/// Uploads the files chosen in the file input `input_id`, one by one, adding each photo to
/// `into` as it is stored (those before a refused one stay).
pub async fn upload_picked(
    session: &Session,
    input_id: &str,
    mut into: Signal<Vec<Photo>>,
) -> Result<(), AppError> {
    for file in picked(input_id).await? {
        let photo = crate::state::photos::upload(session, file).await?;
        into.write().push(photo);
    }
    Ok(())
}

/// Reads the files chosen in the file input `input_id`, in the page itself: the page sends each
/// file's bytes (base64) over the renderer's channel, then clears the input. The same on every
/// renderer (the browser through liveview, the desktop and mobile webviews), and the API is
/// still called from the app's side, with its session.
pub async fn picked(input_id: &str) -> Result<Vec<Picked>, AppError> {
    use base64::Engine;
    let mut channel = document::eval(
        r"
        const input = document.getElementById(await dioxus.recv());
        const files = input && input.files ? Array.from(input.files) : [];
        for (const file of files) {
            const bytes = new Uint8Array(await file.arrayBuffer());
            let text = '';
            for (let at = 0; at < bytes.length; at += 0x8000) {
                text += String.fromCharCode.apply(null, bytes.subarray(at, at + 0x8000));
            }
            dioxus.send({ content_type: file.type || 'application/octet-stream', base64: btoa(text) });
        }
        if (input) { input.value = ''; }
        dioxus.send(null);
        ",
    );
    let unreadable =
        |what: String| AppError::Unexpected(format!("the photo could not be read: {what}"));
    channel
        .send(input_id)
        .map_err(|error| unreadable(error.to_string()))?;
    let mut files = Vec::new();
    loop {
        let file: serde_json::Value = channel
            .recv()
            .await
            .map_err(|error| unreadable(error.to_string()))?;
        if file.is_null() {
            return Ok(files);
        }
        let text = |key: &str| file[key].as_str().unwrap_or_default().to_owned();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text("base64"))
            .map_err(|error| unreadable(error.to_string()))?;
        files.push(Picked {
            bytes,
            content_type: text("content_type"),
        });
    }
}
