//! The catalogue: every category with its assignment mode and list price; edit one or add one.

use dioxus::prelude::*;
use shared_types::partners::{AssignmentMode, Category};

use crate::state::staff::{CategoryForm, catalogue, save_category};
use crate::state::{AppError, Loadable, format};
use crate::ui::app::{loadable, use_action, use_loader, use_session};
use crate::ui::kit::{
    Badge, Button, Card, EmptyState, Field, Notice, Page, Toggle, action_error, field_error, loaded,
};

#[component]
pub fn CatalogueScreen() -> Element {
    let session = use_session();
    let mut data = use_loader(|session| async move { catalogue(&session).await });
    // The category being edited (its id; `None` with a form: a new one).
    let mut editing = use_signal(|| None::<(Option<String>, CategoryForm)>);
    let mut saved = use_signal(|| None::<String>);
    let action = use_action();
    rsx! {
        CataloguePage {
            state: loadable(&data),
            editing: editing(),
            saved: saved(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| data.restart(),
            on_edit: move |target: Option<(Option<String>, CategoryForm)>| {
                saved.set(None);
                editing.set(target);
            },
            on_save: move |()| {
                let session = session.clone();
                let Some((id, form)) = editing() else { return };
                action.run(async move {
                    let category = save_category(&session, id.as_deref(), &form).await?;
                    saved.set(Some(format!("Saved {}.", category.name)));
                    editing.set(None);
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

fn price(category: &Category) -> String {
    category
        .list_price
        .as_ref()
        .map_or_else(|| "Quoted by the pro".to_owned(), format::money)
}

#[component]
pub fn CataloguePage(
    state: Loadable<Vec<Category>>,
    editing: Option<(Option<String>, CategoryForm)>,
    saved: Option<String>,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_edit: EventHandler<Option<(Option<String>, CategoryForm)>>,
    on_save: EventHandler<()>,
) -> Element {
    let err = error.as_ref();
    rsx! {
        Page { title: "Catalogue",
            if let Some(saved) = saved {
                Notice { tone: "good", text: saved }
            }
            {loaded(&state, Some(on_retry), |categories| rsx! {
                div { class: "split",
                    div {
                        if categories.is_empty() {
                            EmptyState { title: "No categories yet", body: "Add the first kind of work customers can ask for." }
                        }
                        table { class: "table",
                            thead {
                                tr {
                                    th { scope: "col", "Category" }
                                    th { scope: "col", "Assignment" }
                                    th { scope: "col", "List price" }
                                    th { scope: "col", "" }
                                }
                            }
                            tbody {
                                for category in categories.iter() {
                                    tr { key: "{category.id}",
                                        td {
                                            "{category.name} "
                                            if !category.active {
                                                Badge { text: "Retired", tone: "warn" }
                                            }
                                        }
                                        td {
                                            if category.assignment_mode == AssignmentMode::Review { "Staff choose" } else { "Instant" }
                                        }
                                        td { {price(category)} }
                                        td {
                                            button {
                                                class: "btn-link",
                                                "aria-label": "Edit {category.name}",
                                                onclick: {
                                                    let target = (Some(category.id.clone()), CategoryForm::from_category(category));
                                                    move |_| on_edit.call(Some(target.clone()))
                                                },
                                                "Edit"
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        Button {
                            label: "Add a category",
                            tone: crate::ui::kit::Tone::Secondary,
                            onclick: move |()| on_edit.call(Some((None, CategoryForm { active: true, ..CategoryForm::default() }))),
                        }
                    }
                    if let Some((id, form)) = editing.clone() {
                        Card { title: if id.is_some() { "Edit category" } else { "New category" },
                            Field {
                                label: "Name",
                                name: "name",
                                value: form.name.clone(),
                                error: field_error(err, "name"),
                                oninput: {
                                    let (id, form) = (id.clone(), form.clone());
                                    move |name| on_edit.call(Some((id.clone(), CategoryForm { name, ..form.clone() })))
                                },
                            }
                            Field {
                                label: "Slug",
                                name: "slug",
                                value: form.slug.clone(),
                                hint: "Lower-case words joined by hyphens, e.g. window-cleaning",
                                error: field_error(err, "slug"),
                                oninput: {
                                    let (id, form) = (id.clone(), form.clone());
                                    move |slug| on_edit.call(Some((id.clone(), CategoryForm { slug, ..form.clone() })))
                                },
                            }
                            Toggle {
                                label: "Staff choose among applicants (review)",
                                name: "review",
                                checked: form.review,
                                onchange: {
                                    let (id, form) = (id.clone(), form.clone());
                                    move |review| on_edit.call(Some((id.clone(), CategoryForm { review, ..form.clone() })))
                                },
                            }
                            if !form.review {
                                Field {
                                    label: "List price (CAD)",
                                    name: "list_price",
                                    value: form.list_price.clone(),
                                    error: field_error(err, "list_price"),
                                    oninput: {
                                        let (id, form) = (id.clone(), form.clone());
                                        move |list_price| on_edit.call(Some((id.clone(), CategoryForm { list_price, ..form.clone() })))
                                    },
                                }
                            }
                            Toggle {
                                label: "Offered to customers",
                                name: "active",
                                checked: form.active,
                                onchange: {
                                    let (id, form) = (id.clone(), form.clone());
                                    move |active| on_edit.call(Some((id.clone(), CategoryForm { active, ..form.clone() })))
                                },
                            }
                            if err.is_some_and(AppError::fields_empty) {
                                {action_error(err)}
                            }
                            Button { label: "Save category", busy, onclick: move |()| on_save.call(()) }
                        }
                    }
                }
            })}
        }
    }
}
