//! Records: the audit log, customer-detail reads and failed notifications, each filterable.

use chrono_tz::Tz;
use dioxus::prelude::*;

use crate::state::staff::{RecordFilters, Records};
use crate::state::{Loadable, format};
use crate::ui::app::{loadable, use_session};
use crate::ui::kit::{Button, Card, Field, Page, Tone, loaded};

#[component]
pub fn RecordsScreen() -> Element {
    let session = use_session();
    let mut typed = use_signal(RecordFilters::default);
    let mut applied = use_signal(RecordFilters::default);
    let for_load = session.clone();
    let mut data = use_resource(move || {
        let session = for_load.clone();
        let filters = applied();
        async move { Records::load(&session, &filters).await }
    });
    rsx! {
        RecordsPage {
            state: loadable(&data),
            filters: typed(),
            zone: session.time_zone(),
            on_retry: move |()| data.restart(),
            on_filters: move |filters| typed.set(filters),
            on_apply: move |()| applied.set(typed()),
        }
    }
}

#[component]
pub fn RecordsPage(
    state: Loadable<Records>,
    filters: RecordFilters,
    zone: Tz,
    on_retry: EventHandler<()>,
    on_filters: EventHandler<RecordFilters>,
    on_apply: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Records",
            form {
                class: "searchbar",
                role: "search",
                onsubmit: move |event| {
                    event.prevent_default();
                    on_apply.call(());
                },
                Field {
                    label: "Action starts with",
                    name: "action",
                    value: filters.action.clone(),
                    placeholder: "payout. or job.resolve_dispute",
                    oninput: {
                        let filters = filters.clone();
                        move |action| on_filters.call(RecordFilters { action, ..filters.clone() })
                    },
                }
                Field {
                    label: "Subject id",
                    name: "subject",
                    value: filters.subject.clone(),
                    placeholder: "a job, pro, payout… id",
                    oninput: {
                        let filters = filters.clone();
                        move |subject| on_filters.call(RecordFilters { subject, ..filters.clone() })
                    },
                }
                Field {
                    label: "Pro who read details",
                    name: "reader",
                    value: filters.reader.clone(),
                    placeholder: "the pro's id",
                    oninput: {
                        let filters = filters.clone();
                        move |reader| on_filters.call(RecordFilters { reader, ..filters.clone() })
                    },
                }
                Button { label: "Filter", tone: Tone::Secondary, onclick: move |()| on_apply.call(()) }
            }
            {loaded(&state, Some(on_retry), |records| rsx! {
                Card { title: "Audit log ({records.audit.len()})",
                    if records.audit.is_empty() {
                        p { class: "subtle", "No staff changes match." }
                    }
                    table { class: "table",
                        thead {
                            tr {
                                th { scope: "col", "When" }
                                th { scope: "col", "Action" }
                                th { scope: "col", "Subject" }
                                th { scope: "col", "By" }
                                th { scope: "col", "Reason" }
                            }
                        }
                        tbody {
                            for entry in records.audit.iter() {
                                tr { key: "{entry.id}",
                                    td { {format::date_time(entry.created_at, zone)} }
                                    td { "{entry.action}" }
                                    td { "{entry.subject_type} {entry.subject_id}" }
                                    td { {records.staff_names.get(&entry.actor_id).cloned().unwrap_or_else(|| entry.actor_id.clone())} }
                                    td { {entry.reason.clone().unwrap_or_default()} }
                                }
                            }
                        }
                    }
                }
                Card { title: "Customer details read ({records.detail_reads.len()})",
                    if records.detail_reads.is_empty() {
                        p { class: "subtle", "No reads match." }
                    }
                    for read in records.detail_reads.iter() {
                        p { key: "{read.id}", "{format::date_time(read.read_at, zone)} · pro {read.partner_id} read the customer of job {read.job_id}" }
                    }
                }
                Card { title: "Failed notifications ({records.failed_deliveries.len()})",
                    if records.failed_deliveries.is_empty() {
                        p { class: "subtle", "Every notification was delivered." }
                    }
                    for message in records.failed_deliveries.iter() {
                        p { key: "{message.id}",
                            "{format::date_time(message.created_at, zone)} · {message.kind} to {message.recipient_id} · {message.attempts} attempts · "
                            {message.last_error.clone().unwrap_or_default()}
                        }
                    }
                }
            })}
        }
    }
}
