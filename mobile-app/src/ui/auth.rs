//! Sign in and sign up (both roles).

use dioxus::prelude::*;
use shared_types::auth::{Role, SignupRole};

use super::app::{use_action, use_nav, use_session};
use super::kit::{Button, Field, Page, Tone, action_error, field_error};
use crate::state::partner::{adopt_time_zone, my_profile};
use crate::state::{AppError, Screen, Session};

/// Where a user goes after signing in: a pro without a profile starts with onboarding.
async fn landing(session: &Session, role: Role) -> Result<Screen, AppError> {
    if role != Role::Partner {
        return Ok(Screen::home(role));
    }
    Ok(match my_profile(session).await? {
        Some(profile) => {
            adopt_time_zone(session, &profile);
            Screen::Leads
        }
        None => Screen::Onboarding,
    })
}

#[component]
pub fn SignInScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let action = use_action();
    rsx! {
        SignInView {
            busy: action.busy.cloned(),
            error: action.error(),
            on_submit: move |(email, password): (String, String)| {
                let session = session.clone();
                action.run(async move {
                    let user = session.sign_in(&email, &password).await?;
                    let home = landing(&session, user.role).await?;
                    nav.reset(home);
                    Ok(())
                });
            },
            on_sign_up: move |()| nav.reset(Screen::SignUp),
            on_forgot: move |()| nav.go(Screen::ForgotPassword),
        }
    }
}

#[component]
pub fn SignInView(
    busy: bool,
    error: Option<AppError>,
    on_submit: EventHandler<(String, String)>,
    on_sign_up: EventHandler<()>,
    on_forgot: EventHandler<()>,
) -> Element {
    let mut email = use_signal(String::new);
    let mut password = use_signal(String::new);
    rsx! {
        Page { title: "Sign in",
            div { class: "brand",
                p { class: "brand-name", "Porchlight" }
                p { class: "brand-tag", "Local pros, right when you need them." }
            }
            Field {
                label: "Email",
                name: "email",
                kind: "email",
                value: email(),
                error: field_error(error.as_ref(), "email"),
                oninput: move |v| email.set(v),
            }
            Field {
                label: "Password",
                name: "password",
                kind: "password",
                value: password(),
                error: field_error(error.as_ref(), "password"),
                oninput: move |v| password.set(v),
            }
            {action_error(error.as_ref())}
            Button {
                label: "Sign in",
                busy,
                onclick: move |()| on_submit.call((email(), password())),
            }
            Button {
                label: "Forgot your password?",
                tone: Tone::Secondary,
                onclick: move |()| on_forgot.call(()),
            }
            Button {
                label: "New here? Create an account",
                tone: Tone::Secondary,
                onclick: move |()| on_sign_up.call(()),
            }
        }
    }
}

/// What the sign-up form sends.
#[derive(Debug, Clone, PartialEq)]
pub struct SignUpForm {
    pub name: String,
    pub email: String,
    pub password: String,
    pub role: SignupRole,
}

#[component]
pub fn SignUpScreen() -> Element {
    let session = use_session();
    let mut nav = use_nav();
    let action = use_action();
    rsx! {
        SignUpView {
            busy: action.busy.cloned(),
            error: action.error(),
            on_submit: move |form: SignUpForm| {
                let session = session.clone();
                action.run(async move {
                    let user = session
                        .sign_up(&form.name, &form.email, &form.password, form.role)
                        .await?;
                    let home = landing(&session, user.role).await?;
                    nav.reset(home);
                    Ok(())
                });
            },
            on_sign_in: move |()| nav.reset(Screen::SignIn),
        }
    }
}

#[component]
pub fn SignUpView(
    busy: bool,
    error: Option<AppError>,
    on_submit: EventHandler<SignUpForm>,
    on_sign_in: EventHandler<()>,
) -> Element {
    let mut name = use_signal(String::new);
    let mut email = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut role = use_signal(|| SignupRole::Customer);
    rsx! {
        Page { title: "Create your account",
            fieldset { class: "choice",
                legend { "I want to" }
                label { class: "choice-option",
                    input {
                        r#type: "radio",
                        name: "role",
                        value: "customer",
                        checked: role() == SignupRole::Customer,
                        onchange: move |_| role.set(SignupRole::Customer),
                    }
                    span { "Get work done at home" }
                }
                label { class: "choice-option",
                    input {
                        r#type: "radio",
                        name: "role",
                        value: "partner",
                        checked: role() == SignupRole::Partner,
                        onchange: move |_| role.set(SignupRole::Partner),
                    }
                    span { "Find jobs as a pro" }
                }
            }
            Field {
                label: "Your name",
                name: "name",
                value: name(),
                error: field_error(error.as_ref(), "name"),
                oninput: move |v| name.set(v),
            }
            Field {
                label: "Email",
                name: "email",
                kind: "email",
                value: email(),
                error: field_error(error.as_ref(), "email"),
                oninput: move |v| email.set(v),
            }
            Field {
                label: "Password",
                name: "password",
                kind: "password",
                hint: "At least 10 characters",
                value: password(),
                error: field_error(error.as_ref(), "password"),
                oninput: move |v| password.set(v),
            }
            {action_error(error.as_ref())}
            Button {
                label: "Create account",
                busy,
                onclick: move |()| {
                    on_submit
                        .call(SignUpForm {
                            name: name(),
                            email: email(),
                            password: password(),
                            role: role(),
                        });
                },
            }
            Button {
                label: "I already have an account",
                tone: Tone::Secondary,
                onclick: move |()| on_sign_in.call(()),
            }
        }
    }
}
