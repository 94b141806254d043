//! Onboarding (and later edits): business, categories, service area, weekly hours.

use dioxus::prelude::*;
use shared_types::places::Place;

use crate::state::partner::{Onboarding, OnboardingForm, weekday_name};
use crate::state::{AppError, Loadable, Screen};
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Button, Card, Field, Page, PlaceField, Toggle, action_error, field_error, loaded,
};
use crate::ui::places::use_place_suggestions;

#[component]
pub fn OnboardingScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { Onboarding::load(&session).await });
    let action = use_action();
    let suggestions = use_place_suggestions();
    let asking = session.clone();
    rsx! {
        OnboardingView {
            state: loadable(&data),
            on_back: nav.back_handler(),
            suggestions: suggestions.list(),
            on_place_typed: move |text: String| {
                if text.is_empty() {
                    suggestions.clear();
                } else {
                    suggestions.ask(asking.clone(), text);
                }
            },
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_save: move |form: OnboardingForm| {
                let session = session.clone();
                action.run(async move {
                    Onboarding::save(&session, &form).await?;
                    nav.reset(Screen::Leads);
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn OnboardingView(
    state: Loadable<Onboarding>,
    busy: bool,
    error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_save: EventHandler<OnboardingForm>,
    /// Places matching the service area's place as typed.
    #[props(default)]
    suggestions: Vec<Place>,
    /// The place as typed (to suggest places), or "" once a suggestion is picked.
    #[props(default)]
    on_place_typed: Option<EventHandler<String>>,
    /// Back to where the edit started (none while onboarding).
    #[props(default)]
    on_back: Option<EventHandler<()>>,
) -> Element {
    rsx! {
        Page { title: "Your business", on_back,
            {loaded(&state, Some(on_retry), |data| rsx! {
                OnboardingForm_ {
                    data: data.clone(),
                    busy,
                    error: error.clone(),
                    on_save,
                    suggestions: suggestions.clone(),
                    on_place_typed,
                }
            })}
        }
    }
}

#[component]
#[allow(non_snake_case)]
fn OnboardingForm_(
    data: Onboarding,
    busy: bool,
    error: Option<AppError>,
    on_save: EventHandler<OnboardingForm>,
    suggestions: Vec<Place>,
    on_place_typed: Option<EventHandler<String>>,
) -> Element {
    let mut form = use_signal(|| data.form.clone());
    let err = error.as_ref();
    let f = form.read().clone();
    rsx! {
        if !data.existing {
            p { class: "lead-in", "Tell customers who you are and where you work. Leads start as soon as you save." }
        }
        Card { title: "Business",
            Field {
                label: "Business name",
                name: "business_name",
                value: f.business_name.clone(),
                error: field_error(err, "business_name"),
                oninput: move |v| form.write().business_name = v,
            }
            Field {
                label: "About your work",
                name: "description",
                kind: "textarea",
                value: f.description.clone(),
                error: field_error(err, "description"),
                oninput: move |v| form.write().description = v,
            }
            Field {
                label: "Phone (shown to customers who tap Call)",
                name: "phone",
                kind: "tel",
                placeholder: "+14165550123",
                value: f.phone.clone(),
                error: field_error(err, "phone"),
                oninput: move |v| form.write().phone = v,
            }
            Field {
                label: "Website",
                name: "website",
                kind: "url",
                placeholder: "https://",
                value: f.website.clone(),
                error: field_error(err, "website"),
                oninput: move |v| form.write().website = v,
            }
        }
        Card { title: "What you do",
            fieldset { class: "chips", "aria-label": "Categories",
                for category in data.categories.iter() {
                    label { class: "chip",
                        input {
                            r#type: "checkbox",
                            name: "categories",
                            value: "{category.slug}",
                            checked: f.categories.contains(&category.slug),
                            onchange: {
                                let slug = category.slug.clone();
                                move |e: Event<FormData>| {
                                    let mut form = form.write();
                                    form.categories.retain(|s| *s != slug);
                                    if e.checked() {
                                        form.categories.push(slug.clone());
                                    }
                                }
                            },
                        }
                        span { "{category.name}" }
                    }
                }
            }
            if let Some(message) = field_error(err, "categories") {
                p { class: "field-error", role: "alert", "{message}" }
            }
        }
        Card { title: "Where you work",
            PlaceField {
                label: "Where you work from",
                name: "place",
                placeholder: "Postal code or address, e.g. M4C 1B5",
                hint: "The centre of your area. Customers see only the area, to about a kilometre.",
                value: f.place.clone(),
                suggestions,
                error: field_error(err, "service_area.place").or_else(|| field_error(err, "service_area.city")),
                oninput: move |v: String| {
                    form.write().place.clone_from(&v);
                    if let Some(typed) = on_place_typed {
                        typed.call(v);
                    }
                },
                on_pick: move |place: Place| {
                    form.write().place = place.label;
                    if let Some(typed) = on_place_typed {
                        typed.call(String::new());
                    }
                },
            }
            Field {
                label: "How far you travel (km)",
                name: "radius_km",
                kind: "text",
                hint: "1 to 200 km from there",
                value: f.radius_km.clone(),
                error: field_error(err, "service_area.radius_km"),
                oninput: move |v| form.write().radius_km = v,
            }
        }
        Card { title: "When you work",
            Field {
                label: "Time zone",
                name: "time_zone",
                value: f.time_zone.clone(),
                error: field_error(err, "time_zone"),
                oninput: move |v| form.write().time_zone = v,
            }
            for (index, day) in f.days.iter().enumerate() {
                div { class: "day",
                    Toggle {
                        label: weekday_name(day.weekday),
                        name: "open-{index}",
                        checked: day.open,
                        onchange: move |on| form.write().days[index].open = on,
                    }
                    if day.open {
                        input {
                            class: "time",
                            r#type: "time",
                            "aria-label": "{weekday_name(day.weekday)} from",
                            value: "{day.start}",
                            oninput: move |e| form.write().days[index].start = e.value(),
                        }
                        span { "–" }
                        input {
                            class: "time",
                            r#type: "time",
                            "aria-label": "{weekday_name(day.weekday)} until",
                            value: "{day.end}",
                            oninput: move |e| form.write().days[index].end = e.value(),
                        }
                    }
                }
            }
            if let Some(message) = field_error(err, "weekly") {
                p { class: "field-error", role: "alert", "{message}" }
            }
            Toggle {
                label: "Send me leads",
                name: "accepting_leads",
                checked: f.accepting_leads,
                onchange: move |on| form.write().accepting_leads = on,
            }
        }
        {action_error(err)}
        Button {
            label: if data.existing { "Save changes" } else { "Start getting leads" },
            busy,
            onclick: move |()| on_save.call(form.read().clone()),
        }
    }
}
