//! Places on the screens: suggestions while someone types an address, and the phone's location.

use std::time::Duration;

use dioxus::prelude::*;
use shared_types::places::Place;

use crate::state::customer::{place_at, suggest_places};
use crate::state::{AppError, Session};
use crate::ui::kit::{Button, Card, PlaceField, Tone, action_error, field_error};

/// How long typing must pause before the address service is asked.
const PAUSE: Duration = Duration::from_millis(350);

/// The suggestions for one address field, asked for after a pause in typing; an answer that
/// arrives after newer typing is dropped.
#[derive(Clone, Copy, PartialEq)]
pub struct PlaceSuggestions {
    items: Signal<Vec<Place>>,
    asked: Signal<u64>,
}

pub fn use_place_suggestions() -> PlaceSuggestions {
    PlaceSuggestions {
        items: use_signal(Vec::new),
        asked: use_signal(|| 0),
    }
}

impl PlaceSuggestions {
    pub fn list(&self) -> Vec<Place> {
        self.items.read().clone()
    }

    /// Asks for places matching `text` once typing pauses.
    pub fn ask(mut self, session: Session, text: String) {
        let ticket = *self.asked.peek() + 1;
        self.asked.set(ticket);
        spawn(async move {
            tokio::time::sleep(PAUSE).await;
            if *self.asked.peek() != ticket {
                return;
            }
            // Suggestions are a help: without them the address is still placed on submit.
            let found = suggest_places(&session, &text).await.unwrap_or_default();
            if *self.asked.peek() == ticket {
                self.items.set(found);
            }
        });
    }

    /// Hides the list (a suggestion was picked).
    pub fn clear(mut self) {
        let ticket = *self.asked.peek() + 1;
        self.asked.set(ticket);
        self.items.set(Vec::new());
    }
}

/// Where the phone is, from the platform's location service (the browser's or the webview's
/// `navigator.geolocation`, which asks the person first), as an address.
pub async fn locate_me(session: &Session) -> Result<Place, AppError> {
    let answer = document::eval(
        "return await new Promise((resolve) => {
            if (!navigator.geolocation) { resolve({ error: 'unsupported' }); return; }
            navigator.geolocation.getCurrentPosition(
                (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude }),
                (e) => resolve({ error: e.code === 1 ? 'denied' : 'unavailable' }),
                { timeout: 10000, maximumAge: 300000 });
        });",
    )
    .await
    .map_err(|error| AppError::Unexpected(error.to_string()))?;
    let number = |key: &str| answer.get(key).and_then(serde_json::Value::as_f64);
    match (number("lat"), number("lon")) {
        (Some(lat), Some(lon)) => place_at(session, lat, lon).await,
        _ => Err(AppError::invalid(
            "place",
            match answer.get("error").and_then(serde_json::Value::as_str) {
                Some("denied") => "Location is off for Porchlight: type your postal code instead",
                _ => "Your location isn't available right now: type your postal code instead",
            },
        )),
    }
}

/// "Where?": an address or postal code with suggestions, or the phone's location.
#[component]
pub fn PlacePicker(
    title: String,
    text: String,
    suggestions: Vec<Place>,
    /// Looking up the phone's location.
    locating: bool,
    error: Option<AppError>,
    oninput: EventHandler<String>,
    on_pick: EventHandler<Place>,
    on_locate: EventHandler<()>,
) -> Element {
    let err = error.as_ref();
    rsx! {
        Card { title,
            PlaceField {
                label: "Address or postal code",
                name: "place",
                value: text,
                placeholder: "e.g. M4C 1B5 or 24 Elm Ave, Toronto",
                suggestions,
                error: field_error(err, "place"),
                oninput,
                on_pick,
            }
            Button {
                label: "Use my location",
                tone: Tone::Secondary,
                busy: locating,
                onclick: move |()| on_locate.call(()),
            }
            if err.is_some_and(AppError::fields_empty) {
                {action_error(err)}
            }
        }
    }
}
