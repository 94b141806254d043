//! A new request: what, where, when and budget. The API's field errors show next to the fields.

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::partners::Category;

use crate::state::customer::{Place, RequestForm};
use crate::state::partner::active_categories;
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::account::ConfirmEmailBanner;
use crate::ui::app::{loadable, use_action, use_loader, use_nav, use_session};
use crate::ui::kit::{
    Button, Card, Field, Page, PlaceField, WindowRows, action_error, field_error, loaded,
};
use crate::ui::photos::{PendingPhotos, PhotoPicker, upload_picked};
use crate::ui::places::use_place_suggestions;
use shared_types::photos::Photo;

#[component]
pub fn NewRequestScreen(category: Option<String>, partner_id: Option<String>) -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut categories = use_loader(|session| async move { active_categories(&session).await });
    let action = use_action();
    let form = RequestForm::new(category, partner_id, session.place().as_ref());
    let suggestions = use_place_suggestions();
    let asking = session.clone();
    let adding = use_action();
    let mut photos = use_signal(Vec::<Photo>::new);
    let uploader = session.clone();
    rsx! {
        NewRequestPage {
            categories: loadable(&categories),
            form,
            photos: photos(),
            adding: adding.busy.cloned(),
            on_pick_photos: move |input_id: String| {
                let session = uploader.clone();
                adding.run(async move { upload_picked(&session, &input_id, photos).await });
            },
            on_remove_photo: move |id: String| photos.write().retain(|photo| photo.id != id),
            suggestions: suggestions.list(),
            on_address_typed: move |text: String| {
                if text.is_empty() {
                    suggestions.clear();
                } else {
                    suggestions.ask(asking.clone(), text);
                }
            },
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error().or_else(|| adding.error()),
            on_back: nav.back_handler(),
            on_retry: move |()| categories.restart(),
            banner: rsx! { ConfirmEmailBanner {} },
            on_submit: move |mut form: RequestForm| {
                let session = session.clone();
                form.photo_ids = crate::state::photos::ids(&photos());
                action.run(async move {
                    let request = form.submit(&session).await?;
                    nav.reset(Screen::Requests);
                    nav.go(Screen::Request(request.id));
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn NewRequestPage(
    categories: Loadable<Vec<Category>>,
    form: RequestForm,
    /// The zone the times are entered in (the phone's), named on the form.
    zone: Tz,
    busy: bool,
    error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_submit: EventHandler<RequestForm>,
    /// Places matching the address typed so far.
    #[props(default)]
    suggestions: Vec<Place>,
    /// The street and city as typed (to suggest places), or "" once a suggestion is picked.
    #[props(default)]
    on_address_typed: Option<EventHandler<String>>,
    #[props(default)] banner: Option<Element>,
    /// Photos of the job, picked and uploaded.
    #[props(default)]
    photos: Vec<Photo>,
    /// Picked photos are being uploaded.
    #[props(default)]
    adding: bool,
    #[props(default)] on_pick_photos: Option<EventHandler<String>>,
    #[props(default)] on_remove_photo: Option<EventHandler<String>>,
) -> Element {
    let mut form = use_signal(|| form);
    let err = error.as_ref();
    let f = form.read().clone();
    let direct = f.partner_id.is_some();
    rsx! {
        Page { title: if direct { "Get a Quote" } else { "New request" }, on_back, banner,
            {loaded(&categories, Some(on_retry), |categories| rsx! {
                Card { title: "What do you need?",
                    div { class: "field",
                        label { r#for: "field-category", "Category" }
                        select {
                            id: "field-category",
                            name: "category",
                            "aria-invalid": if field_error(err, "category").is_some() { "true" } else { "false" },
                            onchange: move |e| form.write().category = e.value(),
                            option { value: "", selected: f.category.is_empty(), "Choose…" }
                            for category in categories.iter() {
                                option {
                                    value: "{category.slug}",
                                    selected: f.category == category.slug,
                                    "{category.name}"
                                }
                            }
                        }
                        if let Some(message) = field_error(err, "category") {
                            p { class: "field-error", role: "alert", "{message}" }
                        }
                    }
                    Field {
                        label: "Describe the job",
                        name: "description",
                        kind: "textarea",
                        placeholder: "What needs doing, how big, anything the pro should know",
                        value: f.description.clone(),
                        error: field_error(err, "description"),
                        oninput: move |v| form.write().description = v,
                    }
                    if let (Some(on_pick), Some(on_remove)) = (on_pick_photos, on_remove_photo) {
                        div { class: "field",
                            label { r#for: "field-photos", "Photos (optional)" }
                            p { class: "subtle", "What needs doing, up to 10. Where they were taken is removed." }
                            PendingPhotos { photos: photos.clone(), on_remove }
                            if photos.len() < 10 {
                                PhotoPicker { id: "field-photos", label: "Add photos", busy: adding, on_pick }
                            }
                            if let Some(message) = field_error(err, "photo_ids") {
                                p { class: "field-error", role: "alert", "{message}" }
                            }
                        }
                    }
                }
            })}
            Card { title: "Where",
                PlaceField {
                    label: "Street address",
                    name: "street",
                    value: f.street.clone(),
                    suggestions,
                    error: field_error(err, "address.street"),
                    oninput: move |v: String| {
                        let city = form.read().city.trim().to_owned();
                        let typed = if city.is_empty() { v.clone() } else { format!("{v}, {city}") };
                        form.write().street = v;
                        if let Some(typed_handler) = on_address_typed {
                            typed_handler.call(typed);
                        }
                    },
                    on_pick: move |place: Place| {
                        form.write().pick(&place);
                        if let Some(typed_handler) = on_address_typed {
                            typed_handler.call(String::new());
                        }
                    },
                }
                div { class: "grid-2",
                    Field {
                        label: "City",
                        name: "city",
                        value: f.city.clone(),
                        error: field_error(err, "address.city"),
                        oninput: move |v| form.write().city = v,
                    }
                    Field {
                        label: "Postal code",
                        name: "postal_code",
                        value: f.postal_code.clone(),
                        error: field_error(err, "address.postal_code"),
                        oninput: move |v| form.write().postal_code = v,
                    }
                }
                if let Some(message) = err.and_then(|e| e.exact_field("address")) {
                    p { class: "field-error", role: "alert", "{message}" }
                }
                p { class: "subtle", "Only the pro you hire sees your street address and phone." }
            }
            Card { title: "When",
                p { class: "subtle", "Times in {format::zone_place(zone)} time ({zone.name()})." }
                WindowRows {
                    windows: f.windows.clone(),
                    error: field_error(err, "windows"),
                    on_change: move |windows| form.write().windows = windows,
                }
            }
            Card { title: "Budget and contact",
                Field {
                    label: "Budget (CAD, optional)",
                    name: "budget",
                    placeholder: "300",
                    value: f.budget.clone(),
                    error: field_error(err, "budget"),
                    oninput: move |v| form.write().budget = v,
                }
                Field {
                    label: "Phone for the pro (optional)",
                    name: "contact_phone",
                    kind: "tel",
                    placeholder: "+14165550199",
                    value: f.contact_phone.clone(),
                    error: field_error(err, "contact_phone"),
                    oninput: move |v| form.write().contact_phone = v,
                }
            }
            {action_error(err)}
            Button {
                label: if direct { "Ask for a quote" } else { "Send to nearby pros" },
                busy,
                onclick: move |()| on_submit.call(form.read().clone()),
            }
        }
    }
}
