//! Confirmations: completed jobs whose review window has closed; select many, confirm, and read
//! each job's outcome.

use std::collections::BTreeSet;

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::jobs::{ConfirmOutcome, Job};

use crate::state::staff::{confirm_jobs, confirm_result, jobs_to_confirm};
use crate::state::{AppError, Loadable, format};
use crate::ui::app::{loadable, use_action, use_loader, use_session};
use crate::ui::kit::{Button, EmptyState, Page, action_error, loaded};

#[component]
pub fn ConfirmationsScreen() -> Element {
    let session = use_session();
    let mut jobs = use_loader(|session| async move { jobs_to_confirm(&session).await });
    let mut selected = use_signal(BTreeSet::<String>::new);
    let mut outcomes = use_signal(Vec::<(ConfirmOutcome, Option<Job>)>::new);
    let action = use_action();
    rsx! {
        ConfirmationsPage {
            state: loadable(&jobs),
            selected: selected(),
            outcomes: outcomes(),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            on_retry: move |()| jobs.restart(),
            on_toggle: move |(id, on): (String, bool)| {
                if on {
                    selected.write().insert(id);
                } else {
                    selected.write().remove(&id);
                }
            },
            on_toggle_all: move |on: bool| {
                let all = jobs.read().as_ref().and_then(|r| r.as_ref().ok()).cloned().unwrap_or_default();
                *selected.write() = if on { all.into_iter().map(|job| job.id).collect() } else { BTreeSet::new() };
            },
            on_confirm: move |()| {
                let session = session.clone();
                let ids: Vec<String> = selected.read().iter().cloned().collect();
                let listed = jobs.read().as_ref().and_then(|r| r.as_ref().ok()).cloned().unwrap_or_default();
                action.run(async move {
                    let results = confirm_jobs(&session, &ids).await?;
                    outcomes.set(
                        results
                            .into_iter()
                            .map(|outcome| {
                                let job = listed.iter().find(|job| job.id == outcome.job_id).cloned();
                                (outcome, job)
                            })
                            .collect(),
                    );
                    selected.write().clear();
                    jobs.restart();
                    Ok(())
                });
            },
        }
    }
}

/// A job as one line: what, by whom, where, for how much.
fn job_line(job: &Job) -> String {
    format!(
        "{} · {} · {} · {}",
        format::category_slug(&job.category),
        job.business_name,
        job.city,
        format::money(&job.price)
    )
}

#[component]
pub fn ConfirmationsPage(
    state: Loadable<Vec<Job>>,
    selected: BTreeSet<String>,
    outcomes: Vec<(ConfirmOutcome, Option<Job>)>,
    zone: Tz,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    on_retry: EventHandler<()>,
    on_toggle: EventHandler<(String, bool)>,
    on_toggle_all: EventHandler<bool>,
    on_confirm: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Confirmations",
            if !outcomes.is_empty() {
                section { class: "card", "aria-label": "Results",
                    h2 { class: "card-title", "Results" }
                    ul { class: "list",
                        for (outcome, job) in outcomes.iter() {
                            li { class: "list-item", key: "{outcome.job_id}",
                                span { {job.as_ref().map_or_else(|| outcome.job_id.clone(), job_line)} }
                                span {
                                    class: if confirm_result(outcome.result).1 { "notice notice-good" } else { "notice notice-bad" },
                                    {confirm_result(outcome.result).0}
                                }
                            }
                        }
                    }
                }
            }
            {action_error(error.as_ref())}
            {loaded(&state, Some(on_retry), |jobs| rsx! {
                if jobs.is_empty() {
                    EmptyState {
                        title: "Nothing to confirm",
                        body: "Completed jobs appear here once the customer's review window has closed.",
                    }
                } else {
                    table { class: "table",
                        thead {
                            tr {
                                th { scope: "col",
                                    input {
                                        r#type: "checkbox",
                                        "aria-label": "Select all",
                                        checked: selected.len() == jobs.len(),
                                        onchange: move |e| on_toggle_all.call(e.checked()),
                                    }
                                }
                                th { scope: "col", "Job" }
                                th { scope: "col", "Pro" }
                                th { scope: "col", "Price" }
                                th { scope: "col", "Completed" }
                                th { scope: "col", "Window closed" }
                            }
                        }
                        tbody {
                            for job in jobs.iter() {
                                tr { key: "{job.id}",
                                    td {
                                        input {
                                            r#type: "checkbox",
                                            "aria-label": "Select {format::category_slug(&job.category)} by {job.business_name}",
                                            checked: selected.contains(&job.id),
                                            onchange: {
                                                let id = job.id.clone();
                                                move |e: FormEvent| on_toggle.call((id.clone(), e.checked()))
                                            },
                                        }
                                    }
                                    td { "{format::category_slug(&job.category)} · {job.city}" }
                                    td { "{job.business_name}" }
                                    td { "{format::money(&job.price)}" }
                                    td { {job.completion.as_ref().map(|c| format::date_time(c.completed_at, zone)).unwrap_or_default()} }
                                    td { {job.review_window_ends_at.map(|at| format::date_time(at, zone)).unwrap_or_default()} }
                                }
                            }
                        }
                    }
                    Button {
                        label: if selected.is_empty() { "Select jobs to confirm".to_owned() } else { format!("Confirm {} selected", selected.len()) },
                        busy,
                        disabled: selected.is_empty(),
                        onclick: move |()| on_confirm.call(()),
                    }
                }
            })}
        }
    }
}
