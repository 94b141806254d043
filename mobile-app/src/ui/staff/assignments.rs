//! Assignments: review-category requests on the left, the chosen one's applicants side by side
//! on the right; one click gives the job to a pro at their quote (the API tells the others).

use std::collections::HashSet;

use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::admin::AssignmentCase;
use shared_types::requests::LeadApplication;

use crate::state::staff::{assign, load_applications, load_assignments};
use crate::state::{AppError, Loadable, format};
use crate::ui::app::{loadable, use_action, use_loader, use_session};
use crate::ui::kit::{Badge, Button, Card, EmptyState, Notice, Page, Row, action_error, loaded};

/// The requests still waiting: the loaded list less those assigned here since it loaded.
fn waiting(
    cases: &Resource<Result<Vec<AssignmentCase>, AppError>>,
    assigned: &HashSet<String>,
) -> Loadable<Vec<AssignmentCase>> {
    match loadable(cases) {
        Loadable::Ready(list) => Loadable::Ready(
            list.into_iter()
                .filter(|case| !assigned.contains(&case.request_id))
                .collect(),
        ),
        other => other,
    }
}

/// The request whose applicants show: the one chosen while it still waits, else the oldest.
fn selection(chosen: Option<String>, waiting: &Loadable<Vec<AssignmentCase>>) -> Option<String> {
    let Loadable::Ready(list) = waiting else {
        return None;
    };
    chosen
        .filter(|id| list.iter().any(|case| case.request_id == *id))
        .or_else(|| list.first().map(|case| case.request_id.clone()))
}

#[component]
pub fn AssignmentsScreen() -> Element {
    let session = use_session();
    let mut cases = use_loader(|session| async move { load_assignments(&session).await });
    let mut chosen = use_signal(|| None::<String>);
    // Requests assigned here: gone from the list at once, before it reloads.
    let mut assigned = use_signal(HashSet::<String>::new);
    let for_applicants = session.clone();
    let mut applicants = use_resource(move || {
        let session = for_applicants.clone();
        let request_id = selection(chosen(), &waiting(&cases, &assigned.read()));
        async move {
            match request_id {
                Some(id) => load_applications(&session, &id).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let action = use_action();
    let mut done = use_signal(|| None::<String>);
    let visible = waiting(&cases, &assigned.read());
    let selected = selection(chosen(), &visible);
    rsx! {
        AssignmentsPage {
            cases: visible,
            selected,
            applicants: loadable(&applicants),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error(),
            done: done(),
            on_retry: move |()| {
                cases.restart();
                applicants.restart();
            },
            on_select: move |id: String| {
                done.set(None);
                chosen.set(Some(id));
            },
            on_assign: move |(request_id, application): (String, LeadApplication)| {
                let session = session.clone();
                action.run(async move {
                    let assignment = assign(&session, &request_id, &application.offer_id).await?;
                    done.set(Some(format!(
                        "Assigned to {} at {}. The other applicants were told.",
                        application.partner.business_name,
                        format::money(&assignment.price)
                    )));
                    assigned.write().insert(request_id);
                    chosen.set(None);
                    cases.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn AssignmentsPage(
    cases: Loadable<Vec<AssignmentCase>>,
    selected: Option<String>,
    applicants: Loadable<Vec<LeadApplication>>,
    zone: Tz,
    #[props(default)] busy: bool,
    #[props(default)] error: Option<AppError>,
    #[props(default)] done: Option<String>,
    on_retry: EventHandler<()>,
    on_select: EventHandler<String>,
    on_assign: EventHandler<(String, LeadApplication)>,
) -> Element {
    rsx! {
        Page { title: "Assignments",
            if let Some(done) = done {
                Notice { tone: "good", text: done }
            }
            {action_error(error.as_ref())}
            {loaded(&cases, Some(on_retry), |list| rsx! {
                if list.is_empty() {
                    EmptyState {
                        title: "No applications to assign",
                        body: "Review-category requests appear here once pros apply to them.",
                    }
                } else {
                    div { class: "split",
                        nav { class: "split-list", "aria-label": "Requests waiting",
                            ul { class: "list",
                                for case in list.iter() {
                                    li { key: "{case.request_id}",
                                        button {
                                            class: if selected.as_deref() == Some(case.request_id.as_str()) { "list-item list-link list-selected" } else { "list-item list-link" },
                                            "aria-current": if selected.as_deref() == Some(case.request_id.as_str()) { "true" } else { "false" },
                                            onclick: {
                                                let id = case.request_id.clone();
                                                move |_| on_select.call(id.clone())
                                            },
                                            div {
                                                p { class: "list-title", "{case.category.name} · {case.city} {case.postal_area}" }
                                                p { class: "subtle", "{case.applications} applications · first {format::date_time(case.first_applied_at, zone)}" }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        div { class: "split-detail",
                            if let Some(case) = list.iter().find(|c| Some(c.request_id.as_str()) == selected.as_deref()) {
                                CaseSummary { case: case.clone(), zone }
                                {loaded(&applicants, Some(on_retry), |applications| rsx! {
                                    div { class: "applicants",
                                        for application in applications.iter() {
                                            ApplicantCard {
                                                key: "{application.offer_id}",
                                                application: application.clone(),
                                                request_zone: case.time_zone.clone(),
                                                zone,
                                                busy,
                                                on_assign: {
                                                    let request_id = case.request_id.clone();
                                                    move |application| on_assign.call((request_id.clone(), application))
                                                },
                                            }
                                        }
                                    }
                                })}
                            }
                        }
                    }
                }
            })}
        }
    }
}

#[component]
fn CaseSummary(case: AssignmentCase, zone: Tz) -> Element {
    rsx! {
        Card { title: "{case.category.name} in {case.city}",
            p { "{case.description}" }
            for window in case.windows.iter() {
                Row { label: "Window", value: format::window_in(window, &case.time_zone, zone) }
            }
            Row {
                label: "Budget",
                value: case.budget.as_ref().map_or_else(|| "None given".to_owned(), format::money),
            }
            Row { label: "Asked", value: format::date_time(case.created_at, zone) }
        }
    }
}

#[component]
fn ApplicantCard(
    application: LeadApplication,
    request_zone: String,
    zone: Tz,
    busy: bool,
    on_assign: EventHandler<LeadApplication>,
) -> Element {
    let partner = application.partner.clone();
    rsx! {
        section { class: "card applicant", "aria-label": "{partner.business_name}",
            h3 { class: "card-title", "{partner.business_name}" }
            p { class: "money-mid", "{format::money(&application.quote)}" }
            Badge { text: format::tier(partner.tier) }
            Row { label: "Star Score", value: format::star_score(partner.star_score) }
            Row { label: "Reviews", value: format::stars(partner.average_stars, partner.review_count) }
            Row { label: "Distance", value: format::distance(application.distance_km) }
            Row {
                label: "Available",
                value: application
                    .available_window
                    .as_ref()
                    .map_or_else(|| "Outside their hours".to_owned(), |w| format::window_in(w, &request_zone, zone)),
            }
            Row { label: "Jobs done", value: application.completed_jobs.to_string() }
            Row { label: "For this customer", value: application.jobs_with_customer.to_string() }
            blockquote { class: "quote", "{application.message}" }
            Button {
                label: "Assign to {partner.business_name}",
                busy,
                onclick: move |()| on_assign.call(application.clone()),
            }
        }
    }
}
