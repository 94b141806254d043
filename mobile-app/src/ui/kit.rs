//! The design system: page frame, cards, buttons, fields and the loading / empty / error states.
//! Every look lives in `assets/app.css`; components only pick class names.

use dioxus::prelude::*;
use shared_types::places::Place;

use crate::state::customer::WindowForm;
use crate::state::{AppError, Loadable};

/// The one stylesheet, embedded so every platform (desktop, mobile, liveview, SSR) gets it.
pub const STYLESHEET: &str = include_str!("../../assets/app.css");

/// A screen: a top bar with the title (and a back arrow), then the content, headed by a
/// `banner` when there is something the user must do first.
#[component]
pub fn Page(
    title: String,
    on_back: Option<EventHandler<()>>,
    #[props(default)] banner: Option<Element>,
    children: Element,
) -> Element {
    rsx! {
        header { class: "topbar",
            if let Some(on_back) = on_back {
                button {
                    class: "topbar-back",
                    "aria-label": "Back",
                    onclick: move |_| on_back.call(()),
                    "‹"
                }
            }
            h1 { class: "topbar-title", "{title}" }
        }
        main { class: "content",
            if let Some(banner) = banner {
                {banner}
            }
            {children}
        }
    }
}

#[component]
pub fn Card(title: Option<String>, children: Element) -> Element {
    rsx! {
        section { class: "card",
            if let Some(title) = title {
                h2 { class: "card-title", "{title}" }
            }
            {children}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Primary,
    Secondary,
    Danger,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Self::Primary => "btn btn-primary",
            Self::Secondary => "btn btn-secondary",
            Self::Danger => "btn btn-danger",
        }
    }
}

/// A full-width button; while `busy` it is disabled and says so.
#[component]
pub fn Button(
    label: String,
    #[props(default)] tone: Tone,
    #[props(default)] busy: bool,
    #[props(default)] disabled: bool,
    onclick: EventHandler<()>,
) -> Element {
    rsx! {
        button {
            class: tone.class(),
            r#type: "button",
            disabled: busy || disabled,
            "aria-busy": if busy { "true" } else { "false" },
            onclick: move |_| onclick.call(()),
            if busy { "Working…" } else { "{label}" }
        }
    }
}

/// A labelled input with its error (from the API or the app) right under it.
#[component]
pub fn Field(
    label: String,
    name: String,
    value: String,
    #[props(default = "text".to_string())] kind: String,
    #[props(default)] hint: Option<String>,
    #[props(default)] error: Option<String>,
    #[props(default)] placeholder: Option<String>,
    oninput: EventHandler<String>,
) -> Element {
    let id = format!("field-{name}");
    let class = if error.is_some() {
        "field field-invalid"
    } else {
        "field"
    };
    rsx! {
        div { class,
            label { r#for: "{id}", "{label}" }
            if kind == "textarea" {
                textarea {
                    id: "{id}",
                    name: "{name}",
                    value: "{value}",
                    placeholder: placeholder.clone().unwrap_or_default(),
                    "aria-invalid": if error.is_some() { "true" } else { "false" },
                    oninput: move |e| oninput.call(e.value()),
                }
            } else {
                input {
                    id: "{id}",
                    name: "{name}",
                    r#type: "{kind}",
                    value: "{value}",
                    placeholder: placeholder.clone().unwrap_or_default(),
                    "aria-invalid": if error.is_some() { "true" } else { "false" },
                    oninput: move |e| oninput.call(e.value()),
                }
            }
            if let Some(hint) = hint {
                p { class: "field-hint", "{hint}" }
            }
            if let Some(error) = error {
                p { class: "field-error", role: "alert", "{error}" }
            }
        }
    }
}

/// A text field for an address or a postal code, with the places that match what was typed
/// listed under it; picking one reports it.
#[component]
pub fn PlaceField(
    label: String,
    name: String,
    value: String,
    suggestions: Vec<Place>,
    #[props(default)] hint: Option<String>,
    #[props(default)] error: Option<String>,
    #[props(default)] placeholder: Option<String>,
    oninput: EventHandler<String>,
    on_pick: EventHandler<Place>,
) -> Element {
    let id = format!("field-{name}");
    let list_id = format!("{id}-suggestions");
    let invalid = if error.is_some() { "true" } else { "false" };
    let expanded = if suggestions.is_empty() {
        "false"
    } else {
        "true"
    };
    let class = if error.is_some() {
        "field field-invalid"
    } else {
        "field"
    };
    rsx! {
        div { class,
            label { r#for: "{id}", "{label}" }
            input {
                id: "{id}",
                name: "{name}",
                r#type: "text",
                value: "{value}",
                autocomplete: "off",
                role: "combobox",
                "aria-autocomplete": "list",
                "aria-controls": "{list_id}",
                "aria-expanded": expanded,
                placeholder: placeholder.clone().unwrap_or_default(),
                "aria-invalid": invalid,
                oninput: move |e| oninput.call(e.value()),
            }
            if !suggestions.is_empty() {
                ul { class: "suggestions", id: "{list_id}", role: "listbox", "aria-label": "Suggestions",
                    for place in suggestions.iter() {
                        li { key: "{place.label}", role: "option",
                            button {
                                r#type: "button",
                                class: "suggestion",
                                onclick: {
                                    let place = place.clone();
                                    move |_| on_pick.call(place.clone())
                                },
                                "{place.label}"
                            }
                        }
                    }
                }
            }
            if let Some(hint) = hint {
                p { class: "field-hint", "{hint}" }
            }
            if let Some(error) = error {
                p { class: "field-error", role: "alert", "{error}" }
            }
        }
    }
}

/// A labelled on/off switch.
#[component]
pub fn Toggle(label: String, name: String, checked: bool, onchange: EventHandler<bool>) -> Element {
    rsx! {
        label { class: "toggle",
            input {
                r#type: "checkbox",
                role: "switch",
                name: "{name}",
                checked,
                onchange: move |e| onchange.call(e.checked()),
            }
            span { "{label}" }
        }
    }
}

#[component]
pub fn LoadingState(#[props(default = "Loading…".to_string())] label: String) -> Element {
    rsx! {
        div { class: "state state-loading", role: "status", "aria-live": "polite",
            div { class: "spinner", "aria-hidden": "true" }
            p { "{label}" }
        }
    }
}

#[component]
pub fn EmptyState(title: String, body: String) -> Element {
    rsx! {
        div { class: "state state-empty",
            p { class: "state-title", "{title}" }
            p { class: "state-body", "{body}" }
        }
    }
}

#[component]
pub fn ErrorState(error: AppError, on_retry: Option<EventHandler<()>>) -> Element {
    rsx! {
        div { class: "state state-error", role: "alert",
            p { class: "state-title", "Couldn't load this" }
            p { class: "state-body", "{error}" }
            if let Some(on_retry) = on_retry {
                Button { label: "Try again", tone: Tone::Secondary, onclick: move |()| on_retry.call(()) }
            }
        }
    }
}

/// A one-line message: `good`, `info`, `warn` or `bad`.
#[component]
pub fn Notice(tone: String, text: String) -> Element {
    let role = if tone == "bad" { "alert" } else { "status" };
    rsx! {
        p { class: "notice notice-{tone}", role, "{text}" }
    }
}

#[component]
pub fn Badge(text: String, #[props(default = "neutral".to_string())] tone: String) -> Element {
    rsx! {
        span { class: "badge badge-{tone}", "{text}" }
    }
}

/// A label and its value on one row.
#[component]
pub fn Row(label: String, value: String) -> Element {
    rsx! {
        div { class: "row",
            span { class: "row-label", "{label}" }
            span { class: "row-value", "{value}" }
        }
    }
}

/// Renders a loaded value, or its loading or error state.
pub fn loaded<T>(
    state: &Loadable<T>,
    on_retry: Option<EventHandler<()>>,
    ready: impl FnOnce(&T) -> Element,
) -> Element {
    match state {
        Loadable::Loading => rsx! { LoadingState {} },
        Loadable::Failed(error) => rsx! { ErrorState { error: error.clone(), on_retry } },
        Loadable::Ready(value) => ready(value),
    }
}

/// The error of a failed action: the form-level message (field messages go next to fields).
pub fn action_error(error: Option<&AppError>) -> Element {
    match error {
        Some(error) => rsx! { Notice { tone: "bad", text: error.to_string() } },
        None => rsx! {},
    }
}

/// One field's message out of an action's error.
pub fn field_error(error: Option<&AppError>, field: &str) -> Option<String> {
    error.and_then(|error| error.field(field))
}

/// Up to three times that work, as date, start and length, with "+ Another time that works".
#[component]
pub fn WindowRows(
    windows: Vec<WindowForm>,
    error: Option<String>,
    on_change: EventHandler<Vec<WindowForm>>,
) -> Element {
    let edit = {
        let windows = windows.clone();
        move |index: usize, change: fn(&mut WindowForm, String)| {
            let windows = windows.clone();
            move |value: String| {
                let mut windows = windows.clone();
                change(&mut windows[index], value);
                on_change.call(windows);
            }
        }
    };
    rsx! {
        for (index, window) in windows.iter().enumerate() {
            div { class: "window-row",
                Field {
                    label: "Date",
                    name: "window-date-{index}",
                    kind: "date",
                    value: window.date.clone(),
                    oninput: edit(index, |w, v| w.date = v),
                }
                Field {
                    label: "From",
                    name: "window-start-{index}",
                    kind: "time",
                    value: window.start.clone(),
                    oninput: edit(index, |w, v| w.start = v),
                }
                Field {
                    label: "Hours",
                    name: "window-hours-{index}",
                    kind: "number",
                    value: window.hours.clone(),
                    oninput: edit(index, |w, v| w.hours = v),
                }
            }
        }
        if let Some(message) = error {
            p { class: "field-error", role: "alert", "{message}" }
        }
        if windows.len() < 3 {
            button {
                class: "btn btn-link",
                r#type: "button",
                onclick: move |_| {
                    let mut more = windows.clone();
                    more.push(WindowForm::blank());
                    on_change.call(more);
                },
                "+ Another time that works"
            }
        }
    }
}
