//! The consent page at `/oauth/authorize`: the user signs in, sees the app and what it asks for
//! in plain words, and allows or denies. The answer goes back to the app's registered redirect
//! URI with a code (or an error), the `state` it sent, and our issuer (RFC 9207).
//!
//! Mistakes that make the redirect URI untrustworthy (an unknown app, a URI it did not
//! register) are shown on the page and never redirected; the others go back to the app.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;

use crate::pages::{html_response, layout};
use shared_types::ErrorCode;
use shared_types::auth::Scope;

use super::apps::{self, AppRow};
use super::grants::{self, Consent, pkce_challenge_well_formed};
use super::protocol::{form, parameters};
use super::{requested_scopes, scope_text};
use crate::auth::sessions::{self, SignIn};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A checked authorization request.
struct AuthorizationRequest {
    app: AppRow,
    redirect_uri: String,
    state: Option<String>,
    scopes: Vec<Scope>,
    code_challenge: String,
}

/// Why a request cannot be shown.
enum Invalid {
    /// The redirect URI cannot be trusted: say so on the page.
    Page(String),
    /// Tell the app, at its redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

async fn read_request(
    state: &AppState,
    params: &HashMap<String, String>,
) -> ApiResult<Result<AuthorizationRequest, Invalid>> {
    let Some(client_id) = params.get("client_id").cloned() else {
        return Ok(Err(Invalid::Page(
            "The link is missing the app's client_id.".into(),
        )));
    };
    let Some(app) = state
        .db(move |conn| apps::find_live(conn, &client_id))
        .await?
    else {
        return Ok(Err(Invalid::Page(
            "No app is registered with this client_id (or it was deleted).".into(),
        )));
    };
    let Some(redirect_uri) = params.get("redirect_uri").cloned() else {
        return Ok(Err(Invalid::Page(
            "The link is missing the redirect_uri.".into(),
        )));
    };
    if !app.redirect_uris().any(|uri| uri == redirect_uri) {
        return Ok(Err(Invalid::Page(
            "The redirect_uri is not one the app registered.".into(),
        )));
    }
    let back = |error: &'static str, description: &str| {
        Ok(Err(Invalid::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: params.get("state").cloned(),
            error,
            description: description.to_owned(),
        }))
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return back("unsupported_response_type", "response_type must be code");
    }
    match params.get("code_challenge_method").map(String::as_str) {
        Some("S256") => {}
        None => {
            return back(
                "invalid_request",
                "PKCE is required: code_challenge_method=S256",
            );
        }
        Some(_) => return back("invalid_request", "code_challenge_method must be S256"),
    }
    let Some(code_challenge) = params
        .get("code_challenge")
        .filter(|challenge| pkce_challenge_well_formed(challenge))
        .cloned()
    else {
        return back(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)",
        );
    };
    let scopes = match params.get("scope") {
        None => app.scopes(),
        Some(text) => match requested_scopes(text) {
            Ok(scopes) if !scopes.is_empty() => scopes,
            Ok(_) => app.scopes(),
            Err(word) => return back("invalid_scope", &format!("unknown scope {word}")),
        },
    };
    let registered = app.scopes();
    if let Some(extra) = scopes.iter().find(|scope| !registered.contains(scope)) {
        return back(
            "invalid_scope",
            &format!("the app did not register the scope {}", extra.as_str()),
        );
    }
    Ok(Ok(AuthorizationRequest {
        state: params.get("state").cloned(),
        app,
        redirect_uri,
        scopes,
        code_challenge,
    }))
}

/// `GET /oauth/authorize`: the consent page.
pub async fn show(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let params = match parameters(form_urlencoded::parse(req.query_string().as_bytes())) {
        Ok(params) => params,
        Err(denied) => return Ok(error_page(&denied.description)),
    };
    Ok(match read_request(&state, &params).await? {
        Ok(request) => page(&request, &params, None, actix_web::http::StatusCode::OK),
        Err(invalid) => refuse(&state, invalid),
    })
}

/// `POST /oauth/authorize`: the user's answer, with their email and password.
pub async fn decide(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let params = match form(&req, &body) {
        Ok(params) => params,
        Err(denied) => return Ok(error_page(&denied.description)),
    };
    let request = match read_request(&state, &params).await? {
        Ok(request) => request,
        Err(invalid) => return Ok(refuse(&state, invalid)),
    };
    let issuer = &state.settings.public_base_url;
    if params.get("decision").map(String::as_str) != Some("allow") {
        return Ok(redirect(
            &request.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "the user denied the request"),
            ],
            request.state.as_deref(),
            issuer,
        ));
    }
    let (Some(email), Some(password)) = (params.get("email"), params.get("password")) else {
        return Ok(page(
            &request,
            &params,
            Some("Enter your email and password to allow the app."),
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let sign_in = SignIn::of(&req);
    let user = match sessions::check_password(&state, &sign_in, email, password.clone()).await {
        Ok(user) => user,
        Err(error) => {
            let (message, status) = match &error {
                ApiError::RateLimited {
                    retry_after_secs, ..
                } => (
                    format!("Too many failed attempts: try again in {retry_after_secs} s."),
                    actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                ),
                ApiError::Problem {
                    code: ErrorCode::InvalidCredentials,
                    ..
                } => (
                    "Wrong email or password.".to_owned(),
                    actix_web::http::StatusCode::UNAUTHORIZED,
                ),
                _ => return Err(error),
            };
            return Ok(page(&request, &params, Some(&message), status));
        }
    };
    if user.suspended_at.is_some() || user.deleted_at.is_some() {
        return Ok(page(
            &request,
            &params,
            Some("This account is suspended; contact Porchlight support."),
            actix_web::http::StatusCode::FORBIDDEN,
        ));
    }
    let role = user.role()?;
    let granted = Scope::granted_by(role);
    let beyond: Vec<&str> = request
        .scopes
        .iter()
        .filter(|scope| !granted.contains(scope))
        .map(|scope| scope.as_str())
        .collect();
    if !beyond.is_empty() {
        let description = format!(
            "a {} account cannot grant {}",
            role.as_str(),
            beyond.join(" ")
        );
        return Ok(redirect(
            &request.redirect_uri,
            &[
                ("error", "invalid_scope"),
                ("error_description", &description),
            ],
            request.state.as_deref(),
            issuer,
        ));
    }
    let now = state.clock.now();
    let code = state
        .write({
            let (app, user_id, scopes) =
                (request.app.clone(), user.id.clone(), request.scopes.clone());
            let (redirect_uri, challenge) =
                (request.redirect_uri.clone(), request.code_challenge.clone());
            move |conn| {
                let consent = Consent {
                    app: &app,
                    user_id: &user_id,
                    scopes: &scopes,
                    redirect_uri: &redirect_uri,
                    code_challenge: &challenge,
                };
                grants::allow(conn, &consent, now)
            }
        })
        .await?;
    tracing::info!(app_id = %request.app.id, user_id = %user.id, scopes = %scope_text(&request.scopes), "app allowed");
    Ok(redirect(
        &request.redirect_uri,
        &[("code", &code)],
        request.state.as_deref(),
        issuer,
    ))
}

fn refuse(state: &AppState, invalid: Invalid) -> HttpResponse {
    match invalid {
        Invalid::Page(message) => error_page(&message),
        Invalid::Redirect {
            redirect_uri,
            state: app_state,
            error,
            description,
        } => redirect(
            &redirect_uri,
            &[("error", error), ("error_description", &description)],
            app_state.as_deref(),
            &state.settings.public_base_url,
        ),
    }
}

/// A 303 to the app's redirect URI with `pairs`, its `state` and our issuer added to its query.
fn redirect(
    redirect_uri: &str,
    pairs: &[(&str, &str)],
    app_state: Option<&str>,
    issuer: &str,
) -> HttpResponse {
    let Ok(mut target) = url::Url::parse(redirect_uri) else {
        return error_page("The app's redirect URI cannot be used.");
    };
    {
        let mut query = target.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
        if let Some(app_state) = app_state {
            query.append_pair("state", app_state);
        }
        query.append_pair("iss", issuer);
    }
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

fn error_page(message: &str) -> HttpResponse {
    html_response(
        actix_web::http::StatusCode::BAD_REQUEST,
        layout(
            "This link does not work",
            html! {
                h1 { "This link does not work" }
                p.error role="alert" { (message) }
                p.fine { "Nothing was shared with the app. Go back to it and try again, or tell its developer." }
            },
        ),
    )
}

/// The hidden fields that carry the request from the page to the answer.
const CARRIED: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

fn page(
    request: &AuthorizationRequest,
    params: &HashMap<String, String>,
    problem: Option<&str>,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    let app = &request.app;
    let destination = url::Url::parse(&request.redirect_uri)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| request.redirect_uri.clone());
    let email = params.get("email").map_or("", String::as_str);
    let title = format!("Allow {} to use your account?", app.name);
    let markup = layout(
        &title,
        html! {
            @if let Some(logo) = &app.logo_url {
                img.logo src=(logo) alt="";
            }
            h1 { "Allow " strong { (app.name) } " to use your Porchlight account?" }
            p { "If you allow it, " (app.name) " can:" }
            ul {
                @for scope in &request.scopes {
                    li { (scope.plain_words()) }
                }
            }
            p.fine {
                "It acts as you, only in these ways, until you disconnect it in your account. "
                "You will be sent back to " strong { (destination) } "."
            }
            @if let Some(problem) = problem {
                p.error role="alert" { (problem) }
            }
            form method="post" action="/oauth/authorize" {
                @for name in CARRIED {
                    @if let Some(value) = params.get(*name) {
                        input type="hidden" name=(name) value=(value);
                    }
                }
                p.fine { "Sign in to Porchlight to answer. Your password is never shared with " (app.name) "." }
                label for="email" { "Email" }
                input #email type="email" name="email" autocomplete="username" required value=(email);
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                div.actions {
                    button.deny type="submit" name="decision" value="deny" formnovalidate { "Deny" }
                    button.allow type="submit" name="decision" value="allow" { "Allow" }
                }
            }
        },
    );
    html_response(status, markup)
}
