//! Jobs, for both sides: the list, and one job with what to do next, the agreement, payment,
//! the customer's contact (for the assigned pro) and the timeline.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use dioxus::prelude::*;
use shared_types::auth::Role;
use shared_types::jobs::{Job, JobStatus, Party, ProposalStatus};
use shared_types::wallet::Checkout;

use crate::state::jobs::{
    self as job_rules, JobAction, JobDetail, event_label, slot_from_local, status_label,
};
use crate::state::{AppError, Loadable, Screen, format};
use crate::ui::app::{loadable, use_action, use_live, use_loader, use_nav, use_now, use_session};
use crate::ui::kit::{
    Badge, Button, Card, EmptyState, Field, Notice, Page, Row, Tone, WindowRows, action_error,
    field_error, loaded,
};
use crate::ui::photos::{PendingPhotos, PhotoPicker, PhotoStrip, upload_picked};
use shared_types::photos::Photo;

#[component]
pub fn JobsScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let mut data = use_loader(|session| async move { job_rules::list(&session).await });
    rsx! {
        JobsPage {
            state: loadable(&data),
            zone: session.time_zone(),
            on_open: move |id| nav.go(Screen::Job(id)),
            on_retry: move |()| data.restart(),
        }
    }
}

fn status_tone(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Assigned | JobStatus::Scheduled => "info",
        JobStatus::InProgress => "accent",
        JobStatus::Completed | JobStatus::Confirmed => "good",
        JobStatus::Cancelled | JobStatus::Unknown => "neutral",
        JobStatus::Disputed => "warn",
    }
}

#[component]
pub fn JobsPage(
    state: Loadable<Vec<Job>>,
    zone: Tz,
    on_open: EventHandler<String>,
    on_retry: EventHandler<()>,
) -> Element {
    rsx! {
        Page { title: "Jobs",
            {loaded(&state, Some(on_retry), |jobs| rsx! {
                if jobs.is_empty() {
                    EmptyState { title: "No jobs yet", body: "Confirm a lead and it becomes a job here." }
                }
                ul { class: "list",
                    for job in jobs.iter() {
                        li {
                            key: "{job.id}",
                            class: "list-item list-link",
                            role: "button",
                            tabindex: "0",
                            onclick: {
                                let id = job.id.clone();
                                move |_| on_open.call(id.clone())
                            },
                            div {
                                p { class: "list-title", "{job.category} · {job.city}" }
                                p { class: "subtle",
                                    {job.scheduled.as_ref().map_or("Time not set yet".to_owned(), |w| format::window(w, zone))}
                                }
                            }
                            div { class: "list-end",
                                Badge { text: status_label(job.status), tone: status_tone(job.status) }
                                span { class: "amount", "{format::money(&job.price)}" }
                            }
                        }
                    }
                }
            })}
        }
    }
}

/// Something done on the job screen.
#[derive(Debug, Clone, PartialEq)]
pub enum JobCommand {
    /// Local date (YYYY-MM-DD), start (HH:MM) and length in hours, per slot.
    Propose(Vec<(String, String, String)>),
    AcceptSlot(u32),
    Sign(String),
    /// Open the secure payment page for the price.
    Pay,
    /// Open the payment page for a tip of this (typed) amount.
    Tip(String),
    Start,
    Complete(String),
    Dispute(String),
    Rate {
        stars: i32,
        comment: String,
    },
    Cancel(String),
    /// Open the job's conversation with the other side.
    Message,
}

#[component]
pub fn JobScreen(id: String) -> Element {
    let session = use_session();
    let nav = use_nav();
    let job_id = id.clone();
    let mut data = use_loader(move |session| {
        let id = job_id.clone();
        async move { JobDetail::load(&session, &id).await }
    });
    // Paid on the payment page, the job updates when the payment goes through.
    use_live("payment.", data);
    let action = use_action();
    let adding = use_action();
    let mut pending = use_signal(Vec::<Photo>::new);
    let uploader = session.clone();
    let mut page = use_signal(|| None::<Checkout>);
    let mut notice = use_signal(|| None::<String>);
    let now = use_now(30);
    let role = session.role().unwrap_or(Role::Customer);
    rsx! {
        JobPage {
            state: loadable(&data),
            role,
            now: now(),
            zone: session.time_zone(),
            busy: action.busy.cloned(),
            error: action.error().or_else(|| adding.error()),
            notice: notice(),
            page: page(),
            pending: pending(),
            adding: adding.busy.cloned(),
            on_pick: move |input_id: String| {
                let session = uploader.clone();
                adding.run(async move { upload_picked(&session, &input_id, pending).await });
            },
            on_remove_photo: move |id: String| pending.write().retain(|photo| photo.id != id),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_command: move |command: JobCommand| {
                let session = session.clone();
                let detail = data.read().as_ref().and_then(|r| r.as_ref().ok()).cloned();
                let mut nav = nav;
                action.run(async move {
                    let Some(detail) = detail else { return Ok(()) };
                    let job = &detail.job;
                    let zone = session.time_zone();
                    let done = match command {
                        JobCommand::Message => {
                            let id = crate::state::conversations::open_for_job(&session, &job.id).await?;
                            nav.go(Screen::Conversation(id));
                            return Ok(());
                        }
                        JobCommand::Propose(slots) => {
                            let slots = slots
                                .iter()
                                .filter(|(date, _, _)| !date.trim().is_empty())
                                .map(|(date, start, hours)| slot_from_local(date, start, hours, zone))
                                .collect::<Result<Vec<_>, _>>()?;
                            job_rules::propose_slots(&session, &job.id, slots).await?;
                            "Times sent to the customer."
                        }
                        JobCommand::AcceptSlot(slot) => {
                            job_rules::accept_slot(&session, job, slot).await?;
                            "Booked."
                        }
                        JobCommand::Sign(name) => {
                            let agreement = detail
                                .agreement
                                .as_ref()
                                .ok_or_else(|| AppError::Unexpected("no agreement to sign".into()))?;
                            job_rules::sign_agreement(&session, agreement, &name).await?;
                            "Signed. You can pay now."
                        }
                        JobCommand::Pay => {
                            let opened = job_rules::payment_page(&session, &job.id).await?;
                            open_outside(&opened.url);
                            page.set(Some(opened));
                            "The secure payment page opened. Pay there; this screen updates when it's done."
                        }
                        JobCommand::Tip(amount) => {
                            let opened = job_rules::tip_page(&session, job, &amount).await?;
                            open_outside(&opened.url);
                            page.set(Some(opened));
                            "The secure payment page opened for your tip. The whole tip goes to your pro."
                        }
                        JobCommand::Start => {
                            job_rules::start(&session, &job.id).await?;
                            "Started."
                        }
                        JobCommand::Complete(summary) => {
                            let photo_ids = crate::state::photos::ids(&pending());
                            job_rules::complete(&session, &job.id, &summary, photo_ids).await?;
                            pending.set(Vec::new());
                            "Marked complete. The customer has 24 hours to review."
                        }
                        JobCommand::Dispute(reason) => {
                            let photo_ids = crate::state::photos::ids(&pending());
                            job_rules::dispute(&session, &job.id, &reason, photo_ids).await?;
                            pending.set(Vec::new());
                            "Dispute opened. Our team will contact you."
                        }
                        JobCommand::Rate { stars, comment } => {
                            job_rules::rate(&session, &job.id, stars, &comment).await?;
                            "Thanks for rating."
                        }
                        JobCommand::Cancel(reason) => {
                            job_rules::cancel(&session, &job.id, &reason).await?;
                            "Cancelled."
                        }
                    };
                    notice.set(Some(done.to_owned()));
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn JobPage(
    state: Loadable<JobDetail>,
    role: Role,
    now: DateTime<Utc>,
    zone: Tz,
    busy: bool,
    error: Option<AppError>,
    notice: Option<String>,
    /// The payment page opened last, until its payment goes through.
    page: Option<Checkout>,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_command: EventHandler<JobCommand>,
    /// Photos picked and uploaded for the completion or the dispute.
    #[props(default)]
    pending: Vec<Photo>,
    /// Picked photos are being uploaded.
    #[props(default)]
    adding: bool,
    #[props(default)] on_pick: Option<EventHandler<String>>,
    #[props(default)] on_remove_photo: Option<EventHandler<String>>,
) -> Element {
    // The photos of a completion or a dispute (one of the two forms at most is shown).
    let picker = rsx! {
        if let (Some(on_pick), Some(on_remove)) = (on_pick, on_remove_photo) {
            PendingPhotos { photos: pending.clone(), on_remove }
            if pending.len() < 10 {
                PhotoPicker { id: "field-job-photos", label: "Add photos", busy: adding, on_pick }
            }
        }
    };
    rsx! {
        Page { title: "Job", on_back,
            if let Some(text) = notice {
                Notice { tone: "good", text }
            }
            {action_error(error.as_ref())}
            {loaded(&state, Some(on_retry), |detail| {
                let job = &detail.job;
                let steps = detail.next_steps(role, now);
                rsx! {
                    Card { title: "{job.category}",
                        div { class: "lead-badges",
                            Badge { text: status_label(job.status), tone: status_tone(job.status) }
                        }
                        if role == Role::Customer {
                            Row { label: "Pro", value: job.business_name.clone() }
                        }
                        Row { label: "Price", value: format::money(&job.price) }
                        Row {
                            label: "When",
                            value: job.scheduled.as_ref().map_or("Not set yet".to_owned(), |w| format::window(w, zone)),
                        }
                        Row { label: "Where", value: job.city.clone() }
                        Row { label: "Paid", value: job.paid_at.map_or("Not yet".to_owned(), |at| format::date_time(at, zone)) }
                        p { class: "lead-desc", "{job.description}" }
                        Button {
                            label: if role == Role::Partner { "Message the customer" } else { "Message your pro" },
                            tone: Tone::Secondary,
                            busy,
                            onclick: move |()| on_command.call(JobCommand::Message),
                        }
                        if let Some(waiting) = detail.waiting_for(role) {
                            p { class: "subtle", "{waiting}" }
                        }
                    }
                    if let Some(customer) = &detail.customer {
                        Card { title: "Customer",
                            Row { label: "Name", value: customer.name.clone() }
                            Row { label: "Email", value: customer.email.clone() }
                            Row {
                                label: "Address",
                                value: format!("{}, {} {}", customer.address.street, customer.address.city, customer.address.postal_code),
                            }
                            if let Some(phone) = &customer.phone {
                                a { class: "btn btn-secondary", href: "tel:{phone}", "Call {phone}" }
                            }
                            a { class: "btn btn-secondary", href: "mailto:{customer.email}", "aria-label": "Email {customer.email}", "Email the customer" }
                        }
                    }
                    if let Some(page) = page.as_ref().filter(|page| detail.awaits(&page.payment)) {
                        Card { title: "Finish on the payment page",
                            p { class: "subtle",
                                "Pay {format::money(&page.payment.amount)} on Porchlight's secure payment page: your card is typed there, never in this app. "
                                "The page is open until {format::date_time(page.expires_at, zone)}."
                            }
                            a { class: "btn btn-primary", href: "{page.url}", target: "_blank", rel: "noopener", "Open the payment page" }
                            Button { label: "I've paid: check again", tone: Tone::Secondary, onclick: move |()| on_retry.call(()) }
                        }
                    }
                    JobSteps { detail: detail.clone(), steps: steps.clone(), role, zone, busy, error: error.clone(), on_command, picker: Some(picker.clone()) }
                    if !detail.photos.completion.is_empty() || !detail.photos.dispute.is_empty() {
                        Card { title: "Photos",
                            if !detail.photos.completion.is_empty() {
                                p { class: "subtle", "The finished work" }
                                PhotoStrip { photos: detail.photos.completion.clone(), label: "Photos of the finished work" }
                            }
                            if !detail.photos.dispute.is_empty() {
                                p { class: "subtle", "What the customer says is wrong" }
                                PhotoStrip { photos: detail.photos.dispute.clone(), label: "Photos of what is wrong" }
                            }
                        }
                    }
                    // While it waits for the customer's signature, the text is in the signing card.
                    if let Some(agreement) = detail.agreement.as_ref().filter(|_| !steps.contains(&JobAction::SignAgreement)) {
                        Card { title: "Service agreement (version {agreement.version})",
                            pre { class: "agreement", tabindex: "0", "{agreement.text}" }
                            if let Some(signature) = &agreement.signature {
                                p { class: "subtle", "Signed by {signature.typed_name} on {format::date_time(signature.signed_at, zone)}" }
                            }
                        }
                    }
                    if let Some(receipt) = detail.receipt.as_ref().filter(|receipt| !receipt.lines.is_empty()) {
                        Card { title: "Receipt · {receipt.reference}",
                            for line in receipt.lines.iter() {
                                Row { label: job_rules::receipt_line_label(line), value: format::money(&line.amount) }
                            }
                            Row { label: "Total paid", value: format::money(&receipt.total) }
                            for tax in receipt.taxes.iter() {
                                p { class: "subtle", "Includes {tax.name} ({tax.rate_percent}%): {format::money(&tax.amount)}" }
                            }
                            if receipt.platform_fee.amount_cents > 0 {
                                p { class: "subtle", "Porchlight's fee, {format::money(&receipt.platform_fee)}, is part of the price and paid from the pro's share." }
                            }
                        }
                    }
                    if let Some(ratings) = &detail.ratings {
                        Card { title: "Ratings",
                            Row {
                                label: "Your rating",
                                value: ratings.mine.as_ref().map_or("Not yet".to_owned(), |r| format!("{} ★", r.stars)),
                            }
                            Row {
                                label: "Their rating",
                                value: match (&ratings.theirs, ratings.theirs_submitted) {
                                    (Some(r), _) => format!("{} ★", r.stars),
                                    (None, true) => "Submitted: shown when both have rated".to_owned(),
                                    (None, false) => "Not yet".to_owned(),
                                },
                            }
                        }
                    }
                    Card { title: "Timeline",
                        ol { class: "timeline",
                            for event in detail.timeline.iter() {
                                li { key: "{event.id}",
                                    span { class: "timeline-what", "{event_label(event)}" }
                                    span { class: "subtle", " · {format::date_time(event.at, zone)}" }
                                }
                            }
                        }
                    }
                }
            })}
        }
    }
}

/// Opens `url` outside the app: a new tab in the browser (liveview); the desktop and mobile
/// webviews hand a new window to the system browser.
fn open_outside(url: &str) {
    let url = serde_json::to_string(url).unwrap_or_default();
    document::eval(&format!("window.open({url}, '_blank', 'noopener');"));
}

/// The forms and buttons for what can be done next.
#[component]
fn JobSteps(
    detail: JobDetail,
    steps: Vec<JobAction>,
    role: Role,
    zone: Tz,
    busy: bool,
    error: Option<AppError>,
    on_command: EventHandler<JobCommand>,
    /// Picking photos for the completion or the dispute.
    #[props(default)]
    picker: Option<Element>,
) -> Element {
    let mut slots = use_signal(|| job_rules::slots_from_wishes(&detail.job, Utc::now(), zone));
    let mut typed_name = use_signal(String::new);
    let mut tip = use_signal(|| "10".to_owned());
    let mut text = use_signal(String::new);
    let mut stars = use_signal(|| 5);
    let mut comment = use_signal(String::new);
    let err = error.as_ref();
    let proposal = detail
        .job
        .open_proposal
        .clone()
        .filter(|p| p.status == ProposalStatus::Open);
    rsx! {
        if let Some(proposal) = proposal.filter(|p| role == Role::Partner && p.proposed_by == Party::Partner) {
            Card { title: "Times you proposed",
                ul { class: "lead-windows",
                    for slot in proposal.slots.iter() {
                        li { "{format::window(slot, zone)}" }
                    }
                }
            }
        }
        for step in steps {
            match step {
                JobAction::AcceptSlot => rsx! {
                    Card { title: "Pick a time",
                        for (index, slot) in detail.job.open_proposal.iter().flat_map(|p| p.slots.iter()).enumerate() {
                            Button {
                                label: format!("Book {}", format::window(slot, zone)),
                                tone: Tone::Secondary,
                                busy,
                                onclick: move |()| on_command.call(JobCommand::AcceptSlot(u32::try_from(index).unwrap_or(0))),
                            }
                            if let Some(note) = detail.booking_note(slot, Utc::now(), zone) {
                                p { class: "subtle", "{note}" }
                            }
                        }
                    }
                },
                JobAction::ProposeSlots => rsx! {
                    Card { title: "Propose times",
                        if !detail.job.wished_windows.is_empty() {
                            p { class: "subtle", "The customer said these times suit them:" }
                            ul { class: "lead-windows",
                                for window in detail.job.wished_windows.iter() {
                                    li { "{format::window_in(window, &detail.job.time_zone, zone)}" }
                                }
                            }
                        }
                        p { class: "subtle", "Offer up to three; the customer books one." }
                        WindowRows {
                            windows: slots(),
                            error: field_error(err, "slots"),
                            on_change: move |windows| slots.set(windows),
                        }
                        Button {
                            label: "Send to the customer",
                            busy,
                            onclick: move |()| on_command.call(JobCommand::Propose(
                                slots().into_iter().map(|w| (w.date, w.start, w.hours)).collect(),
                            )),
                        }
                    }
                },
                JobAction::SignAgreement => rsx! {
                    Card { title: "Sign the agreement",
                        if let Some(agreement) = &detail.agreement {
                            pre { class: "agreement", tabindex: "0", "aria-label": "Service agreement (version {agreement.version})", "{agreement.text}" }
                        }
                        p { class: "subtle", "Read the agreement above, then type your full name to sign it." }
                        Field {
                            label: "Your full name",
                            name: "typed_name",
                            value: typed_name(),
                            error: field_error(err, "typed_name"),
                            oninput: move |v| typed_name.set(v),
                        }
                        Button { label: "Sign", busy, onclick: move |()| on_command.call(JobCommand::Sign(typed_name())) }
                    }
                },
                JobAction::Pay => rsx! {
                    Card { title: "Pay {format::money(&detail.job.price)}",
                        p { class: "subtle", "You pay on Porchlight's secure payment page: your card details never go through this app. We hold the money until the job is done and you're satisfied." }
                        Button { label: "Pay {format::money(&detail.job.price)} securely", busy, onclick: move |()| on_command.call(JobCommand::Pay) }
                    }
                },
                JobAction::Start => rsx! {
                    Button { label: "Start the job", busy, onclick: move |()| on_command.call(JobCommand::Start) }
                },
                JobAction::Complete => rsx! {
                    Card { title: "Finish the job",
                        Field {
                            label: "What you did",
                            name: "summary",
                            kind: "textarea",
                            value: text(),
                            error: field_error(err, "summary"),
                            oninput: move |v| text.set(v),
                        }
                        {picker.clone().unwrap_or(Ok(VNode::placeholder()))}
                        Button { label: "Mark complete", busy, onclick: move |()| on_command.call(JobCommand::Complete(text())) }
                    }
                },
                JobAction::Tip => rsx! {
                    Card { title: "Add a tip",
                        Field {
                            label: "Tip ({detail.job.price.currency})",
                            name: "tip",
                            value: tip(),
                            error: field_error(err, "tip"),
                            oninput: move |v| tip.set(v),
                        }
                        Button {
                            label: "Tip on the payment page",
                            tone: Tone::Secondary,
                            busy,
                            onclick: move |()| on_command.call(JobCommand::Tip(tip())),
                        }
                    }
                },
                JobAction::Dispute => rsx! {
                    Card { title: "Something wrong?",
                        p { class: "subtle",
                            "You can open a dispute until "
                            {detail.job.review_window_ends_at.map(|at| format::date_time(at, zone)).unwrap_or_default()}
                            ". The money stays held while we look into it."
                        }
                        Field {
                            label: "What went wrong",
                            name: "reason",
                            kind: "textarea",
                            value: text(),
                            error: field_error(err, "reason"),
                            oninput: move |v| text.set(v),
                        }
                        {picker.clone().unwrap_or(Ok(VNode::placeholder()))}
                        Button { label: "Open a dispute", tone: Tone::Danger, busy, onclick: move |()| on_command.call(JobCommand::Dispute(text())) }
                    }
                },
                JobAction::Rate => rsx! {
                    Card { title: if role == Role::Partner { "Rate the customer" } else { "Rate your pro" },
                        div { class: "stars", role: "radiogroup", "aria-label": "Stars",
                            for n in 1..=5 {
                                button {
                                    class: if n <= stars() { "star star-on" } else { "star" },
                                    role: "radio",
                                    "aria-checked": if n == stars() { "true" } else { "false" },
                                    "aria-label": "{n} stars",
                                    onclick: move |_| stars.set(n),
                                    "★"
                                }
                            }
                        }
                        Field {
                            label: "Comment",
                            name: "comment",
                            kind: "textarea",
                            value: comment(),
                            error: field_error(err, "comment"),
                            oninput: move |v| comment.set(v),
                        }
                        Button { label: "Submit rating", busy, onclick: move |()| on_command.call(JobCommand::Rate { stars: stars(), comment: comment() }) }
                    }
                },
                JobAction::Cancel => rsx! {
                    details { class: "card",
                        summary { class: "summary-danger", "Cancel this job" }
                        if let Some(note) = detail.cancellation_note(zone) {
                            p { class: "subtle", "{note}" }
                        }
                        Field { label: "Reason", name: "cancel_reason", value: text(), oninput: move |v| text.set(v) }
                        Button { label: "Cancel the job", tone: Tone::Danger, busy, onclick: move |()| on_command.call(JobCommand::Cancel(text())) }
                    }
                },
            }
        }
    }
}
