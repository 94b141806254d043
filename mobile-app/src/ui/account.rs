//! The account itself: a forgotten password, the links account emails carry, the banner that
//! asks a new user to confirm their email address, the account page (name, phone, devices, one's
//! data) and deleting the account.

use dioxus::prelude::*;
use shared_types::auth::Role;

use super::app::{loadable, use_action, use_loader, use_nav, use_session};
use super::kit::{Button, Card, Field, Notice, Page, Row, Tone, action_error, field_error, loaded};
use crate::state::account::{self, AccountAction, AccountView, SavedFile};
use crate::state::{AppError, Loadable, Screen, format};

#[component]
pub fn ForgotPasswordScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let action = use_action();
    let mut sent_to = use_signal(|| None::<String>);
    rsx! {
        ForgotPasswordView {
            busy: action.busy.cloned(),
            error: action.error(),
            sent_to: sent_to(),
            on_submit: move |email: String| {
                let session = session.clone();
                action.run(async move {
                    session.request_password_reset(&email).await?;
                    sent_to.set(Some(email.trim().to_owned()));
                    Ok(())
                });
            },
            on_sign_in: move |()| nav.reset(Screen::SignIn),
        }
    }
}

#[component]
pub fn ForgotPasswordView(
    busy: bool,
    error: Option<AppError>,
    sent_to: Option<String>,
    on_submit: EventHandler<String>,
    on_sign_in: EventHandler<()>,
) -> Element {
    let mut email = use_signal(String::new);
    rsx! {
        Page { title: "Reset your password",
            if let Some(address) = sent_to {
                Notice {
                    tone: "good",
                    text: format!(
                        "If an account uses {address}, we have emailed it a link to choose a new \
                         password. The link works once, within the hour."
                    ),
                }
            } else {
                p { class: "subtle", "Enter the email address you sign in with. We will email you a link to choose a new password." }
                Field {
                    label: "Email",
                    name: "email",
                    kind: "email",
                    value: email(),
                    error: field_error(error.as_ref(), "email"),
                    oninput: move |v| email.set(v),
                }
                {action_error(error.as_ref())}
                Button { label: "Email me a link", busy, onclick: move |()| on_submit.call(email()) }
            }
            Button { label: "Back to sign in", tone: Tone::Secondary, onclick: move |()| on_sign_in.call(()) }
        }
    }
}

#[component]
pub fn ResetPasswordScreen(token: String) -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let action = use_action();
    let mut done = use_signal(|| false);
    rsx! {
        ResetPasswordView {
            busy: action.busy.cloned(),
            error: action.error(),
            done: done(),
            on_submit: move |password: String| {
                let (session, token) = (session.clone(), token.clone());
                action.run(async move {
                    session.reset_password(&token, &password).await?;
                    done.set(true);
                    Ok(())
                });
            },
            on_sign_in: move |()| nav.reset(Screen::SignIn),
            on_new_link: move |()| nav.reset(Screen::ForgotPassword),
        }
    }
}

#[component]
pub fn ResetPasswordView(
    busy: bool,
    error: Option<AppError>,
    done: bool,
    on_submit: EventHandler<String>,
    on_sign_in: EventHandler<()>,
    on_new_link: EventHandler<()>,
) -> Element {
    let mut password = use_signal(String::new);
    let mut repeated = use_signal(String::new);
    let mismatch = !repeated().is_empty() && repeated() != password();
    let token_refused = field_error(error.as_ref(), "token");
    rsx! {
        Page { title: "Choose a new password",
            if done {
                Notice { tone: "good", text: "Your password is set, and every device was signed out. Sign in with the new one." }
                Button { label: "Sign in", onclick: move |()| on_sign_in.call(()) }
            } else {
                Field {
                    label: "New password",
                    name: "new_password",
                    kind: "password",
                    hint: "At least 10 characters",
                    value: password(),
                    error: field_error(error.as_ref(), "new_password"),
                    oninput: move |v| password.set(v),
                }
                Field {
                    label: "The same again",
                    name: "repeat_password",
                    kind: "password",
                    value: repeated(),
                    error: mismatch.then(|| "does not match".to_owned()),
                    oninput: move |v| repeated.set(v),
                }
                if let Some(refused) = token_refused {
                    Notice { tone: "bad", text: format!("This link cannot be used: {refused}.") }
                    Button { label: "Email me a new link", tone: Tone::Secondary, onclick: move |()| on_new_link.call(()) }
                } else {
                    {action_error(error.as_ref())}
                }
                Button {
                    label: "Set the password",
                    busy,
                    disabled: mismatch || password().is_empty(),
                    onclick: move |()| on_submit.call(password()),
                }
            }
        }
    }
}

/// Opened by the link in a confirmation email: confirms at once and says so.
#[component]
pub fn VerifyEmailScreen(token: String) -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let confirming = session.clone();
    let outcome = use_resource(move || {
        let (session, token) = (confirming.clone(), token.clone());
        async move { session.confirm_email(&token).await }
    });
    let signed_in_role = session.role();
    let result = outcome.read().clone();
    rsx! {
        Page { title: "Confirm your email",
            match result {
                None => rsx! { Notice { tone: "info", text: "Confirming…" } },
                Some(Ok(user)) => rsx! {
                    Notice { tone: "good", text: format!("{} is confirmed. Thank you!", user.email) }
                },
                Some(Err(error)) => rsx! {
                    Notice {
                        tone: "bad",
                        text: format!(
                            "This link cannot be used ({}). Sign in and ask for a new one.",
                            error.field("token").unwrap_or_else(|| error.to_string())
                        ),
                    }
                },
            }
            Button {
                label: if signed_in_role.is_some() { "Continue" } else { "Sign in" },
                onclick: move |()| nav.reset(signed_in_role.map_or(Screen::SignIn, Screen::home)),
            }
        }
    }
}

/// Asks a signed-in user whose email is not confirmed to follow the emailed link, with a way
/// to get another and to say it is done. Shows nothing once confirmed.
#[component]
pub fn ConfirmEmailBanner() -> Element {
    let session = use_session();
    let action = use_action();
    let mut user = use_signal(|| session.user());
    let mut resent = use_signal(|| false);
    let Some(current) = user() else {
        return rsx! {};
    };
    if current.email_verified {
        return rsx! {};
    }
    let why = match current.role {
        Role::Partner => "to start receiving leads",
        _ => "before you ask for work",
    };
    let (resending, reloading) = (session.clone(), session.clone());
    rsx! {
        section { class: "card card-attention", role: "status",
            h2 { class: "card-title", "Confirm your email" }
            p { "We sent a link to {current.email}. Open it {why}." }
            if resent() {
                p { class: "subtle", "Another link is on its way." }
            }
            {action_error(action.error().as_ref())}
            Button {
                label: "I have confirmed it",
                busy: action.busy.cloned(),
                onclick: move |()| {
                    let session = reloading.clone();
                    action.run(async move {
                        let fresh = session.reload_user().await?;
                        user.set(Some(fresh));
                        Ok(())
                    });
                },
            }
            Button {
                label: "Send the link again",
                tone: Tone::Secondary,
                onclick: move |()| {
                    let session = resending.clone();
                    action.run(async move {
                        session.resend_confirmation().await?;
                        resent.set(true);
                        Ok(())
                    });
                },
            }
        }
    }
}

#[component]
pub fn DeleteAccountScreen() -> Element {
    let session = use_session();
    let nav = use_nav();
    let action = use_action();
    rsx! {
        DeleteAccountView {
            busy: action.busy.cloned(),
            error: action.error(),
            on_back: nav.back_handler(),
            on_submit: move |password: String| {
                let session = session.clone();
                // Success ends the session: the app goes back to sign-in by itself.
                action.run(async move { session.delete_account(&password).await });
            },
        }
    }
}

#[component]
pub fn DeleteAccountView(
    busy: bool,
    error: Option<AppError>,
    on_back: Option<EventHandler<()>>,
    on_submit: EventHandler<String>,
) -> Element {
    let mut password = use_signal(String::new);
    rsx! {
        Page { title: "Delete your account", on_back,
            p { "Deleting your account signs you out everywhere and erases your profile, contact details, addresses, devices and notifications at once. It cannot be undone." }
            p { class: "subtle", "What the law and the books need stays, without your name: past jobs, payments and payouts, and your reviews (shown as from a former customer or pro). An account with a job under way, money in its wallet or a refund on its way cannot be deleted until that is settled." }
            Field {
                label: "Your password",
                name: "current_password",
                kind: "password",
                value: password(),
                error: field_error(error.as_ref(), "current_password"),
                oninput: move |v| password.set(v),
            }
            {action_error(error.as_ref().filter(|e| e.field("current_password").is_none()))}
            Button {
                label: "Delete my account for good",
                tone: Tone::Danger,
                busy,
                disabled: password().is_empty(),
                onclick: move |()| on_submit.call(password()),
            }
        }
    }
}

#[component]
pub fn AccountScreen() -> Element {
    let session = use_session();
    let push = crate::ui::push::use_push();
    let nav = use_nav();
    let mut data = use_loader(|session| async move { AccountView::load(&session).await });
    let action = use_action();
    let mut file = use_signal(|| None::<SavedFile>);
    rsx! {
        AccountPage {
            state: loadable(&data),
            busy: action.busy.cloned(),
            error: action.error(),
            file: file(),
            zone: session.time_zone(),
            on_back: nav.back_handler(),
            on_retry: move |()| data.restart(),
            on_action: move |act: AccountAction| {
                let session = session.clone();
                let push = push.clone();
                action.run(async move {
                    if matches!(act, AccountAction::EndEverywhere(_)) {
                        // This phone stops getting alerts with the sessions it ends.
                        push.on_sign_out(&session).await;
                    }
                    let saved = account::run(&session, act).await?;
                    if saved.is_some() {
                        file.set(saved);
                    }
                    data.restart();
                    Ok(())
                });
            },
        }
    }
}

#[component]
pub fn AccountPage(
    state: Loadable<AccountView>,
    busy: bool,
    error: Option<AppError>,
    file: Option<SavedFile>,
    /// The zone the devices' last use is shown in.
    zone: chrono_tz::Tz,
    on_back: Option<EventHandler<()>>,
    on_retry: EventHandler<()>,
    on_action: EventHandler<AccountAction>,
) -> Element {
    let mut name = use_signal(|| None::<String>);
    let mut phone = use_signal(String::new);
    let mut code = use_signal(String::new);
    let mut password = use_signal(String::new);
    let err = error.as_ref();
    rsx! {
        Page { title: "Your account", on_back,
            {action_error(err.filter(|e| !e.has_field_errors()))}
            {loaded(&state, Some(on_retry), |view| {
                let user = view.user.clone();
                let shown_name = name().unwrap_or_else(|| user.name.clone());
                rsx! {
                    Card { title: "Profile",
                        Row { label: "Email", value: if user.email_verified { user.email.clone() } else { format!("{} (not confirmed)", user.email) } }
                        Field {
                            label: "Your name",
                            name: "name",
                            value: shown_name.clone(),
                            error: field_error(err, "name"),
                            oninput: move |v| name.set(Some(v)),
                        }
                        Button { label: "Save the name", tone: Tone::Secondary, busy, onclick: move |()| on_action.call(AccountAction::Rename(shown_name.clone())) }
                    }
                    Card { title: "Phone",
                        p { class: "subtle", "A pro you hire is given your number only once you confirm it with the code we text you." }
                        match (&user.phone, user.phone_verified) {
                            (Some(number), true) => rsx! { Row { label: "Confirmed", value: number.clone() } },
                            (Some(number), false) => rsx! {
                                Notice { tone: "warn", text: format!("We texted a code to {number}.") }
                                Field {
                                    label: "Code",
                                    name: "code",
                                    value: code(),
                                    error: field_error(err, "code"),
                                    oninput: move |v| code.set(v),
                                }
                                Button { label: "Confirm the number", busy, onclick: move |()| on_action.call(AccountAction::ConfirmPhone(code())) }
                                Button { label: "Text me a new code", tone: Tone::Secondary, onclick: move |()| on_action.call(AccountAction::ResendCode) }
                            },
                            (None, _) => rsx! {},
                        }
                        Field {
                            label: if user.phone.is_some() { "Another number" } else { "Your number" },
                            name: "phone",
                            kind: "tel",
                            placeholder: "+1 416 555 0199",
                            value: phone(),
                            error: field_error(err, "phone"),
                            oninput: move |v| phone.set(v),
                        }
                        Button { label: "Text me a code", tone: Tone::Secondary, disabled: phone().trim().is_empty(), onclick: move |()| on_action.call(AccountAction::SetPhone(phone())) }
                    }
                    Card { title: "Signed-in devices",
                        for device in view.sessions.iter().cloned() {
                            div { class: "row",
                                span { class: "row-label",
                                    "{account::device_label(device.user_agent.as_deref())}"
                                    if device.current {
                                        " · this device"
                                    } else {
                                        " · last used {format::date_time(device.last_used_at, zone)}"
                                    }
                                }
                                if !device.current {
                                    button {
                                        class: "btn btn-secondary btn-small",
                                        r#type: "button",
                                        onclick: move |_| on_action.call(AccountAction::EndSession(device.id.clone())),
                                        "Sign out"
                                    }
                                }
                            }
                        }
                        Field {
                            label: "Password, to sign out everywhere",
                            name: "current_password",
                            kind: "password",
                            value: password(),
                            error: field_error(err, "current_password"),
                            oninput: move |v| password.set(v),
                        }
                        Button { label: "Sign out everywhere", tone: Tone::Danger, disabled: password().is_empty(), onclick: move |()| on_action.call(AccountAction::EndEverywhere(password())) }
                    }
                    Card { title: "Connected apps",
                        if view.connected_apps.is_empty() {
                            p { class: "subtle", "No app can act for you. When you allow one (a CRM, a booking site), it is listed here, with what it may do." }
                        }
                        for connected in view.connected_apps.iter().cloned() {
                            div { class: "row row-stacked",
                                div { class: "row-label",
                                    strong { "{connected.app_name}" }
                                    ul { class: "plain-list",
                                        for scope in connected.scopes.iter() {
                                            li { "{scope.plain_words()}" }
                                        }
                                    }
                                    span { class: "subtle",
                                        "Allowed {format::date(connected.connected_at, zone)}"
                                        if let Some(used) = connected.last_used_at {
                                            " · last used {format::date_time(used, zone)}"
                                        }
                                    }
                                }
                                button {
                                    class: "btn btn-secondary btn-small",
                                    r#type: "button",
                                    onclick: move |_| on_action.call(AccountAction::Disconnect(connected.id.clone())),
                                    "Disconnect"
                                }
                            }
                        }
                    }
                    Card { title: "Your data",
                        p { class: "subtle", "A file with everything Porchlight holds about you: your account, requests, jobs, payments, ratings and notifications." }
                        if let Some(saved) = file.clone() {
                            a { class: "btn btn-primary", href: "{saved.href}", download: "{saved.name}", "Save {saved.name} ({saved.size_bytes / 1024 + 1} KB)" }
                        } else {
                            Button { label: "Download my data", tone: Tone::Secondary, busy, onclick: move |()| on_action.call(AccountAction::Download) }
                        }
                    }
                }
            })}
        }
    }
}
