//! OAuth 2.1 as a third-party app meets it: register, send a user to the consent page, exchange
//! the code with PKCE, call the API, refresh, introspect, revoke; and every way of getting it
//! wrong, refused per the RFCs with nothing issued.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared_types::auth::Scope;
use shared_types::jobs::JobFilter;
use shared_types::oauth::{OAuthAppInput, OAuthTokens};
use shared_types::requests::LeadFilter;
use shared_types::{Client, ClientError, ErrorCode, PageParams};

use crate::harness::{PASSWORD, TestApp};

/// An app's side of the protocol, written as an integrator would with an HTTP client.
#[derive(Clone)]
pub struct AppClient {
    http: reqwest::Client,
    base: String,
    pub client_id: String,
    secret: Option<String>,
    pub redirect_uri: String,
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// What the consent page answered: the redirect's query, or the page itself.
#[derive(Debug)]
pub enum Answer {
    Redirected(HashMap<String, String>),
    Page(StatusCode, String),
}

impl Answer {
    pub fn code(&self) -> String {
        match self {
            Self::Redirected(query) => query
                .get("code")
                .cloned()
                .unwrap_or_else(|| panic!("no code in {query:?}")),
            Self::Page(status, page) => panic!("no redirect: {status} {page}"),
        }
    }

    fn error(&self) -> Option<&str> {
        match self {
            Self::Redirected(query) => query.get("error").map(String::as_str),
            Self::Page(..) => None,
        }
    }
}

impl AppClient {
    /// Registers an app as `developer` and returns its side of the protocol.
    pub async fn register(
        base: &str,
        developer: &Client,
        scopes: &[Scope],
        confidential: bool,
    ) -> Self {
        let redirect_uri = "https://crm.example.com/oauth/callback".to_owned();
        let created = developer
            .register_oauth_app(&OAuthAppInput {
                name: "Acme CRM".into(),
                redirect_uris: vec![redirect_uri.clone()],
                logo_url: Some("https://crm.example.com/logo.png".into()),
                scopes: scopes.to_vec(),
                confidential,
            })
            .await
            .expect("register an app");
        assert_eq!(created.client_secret.is_some(), confidential);
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            client_id: created.app.id,
            secret: created.client_secret,
            redirect_uri,
        }
    }

    /// The authorization request's parameters.
    pub fn request(&self, scope: &str, challenge: &str) -> Vec<(String, String)> {
        [
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("scope", scope),
            ("state", "xyz-123"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// Opens the consent page as the user's browser would.
    pub async fn page(&self, params: &[(String, String)]) -> Answer {
        let response = self
            .http
            .get(format!("{}/oauth/authorize", self.base))
            .query(params)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// Submits the consent form.
    pub async fn consent(
        &self,
        params: &[(String, String)],
        email: &str,
        password: &str,
        decision: &str,
    ) -> Answer {
        let mut form = params.to_vec();
        form.extend([
            ("email".to_owned(), email.to_owned()),
            ("password".to_owned(), password.to_owned()),
            ("decision".to_owned(), decision.to_owned()),
        ]);
        let response = self
            .http
            .post(format!("{}/oauth/authorize", self.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    /// A user's consent to `scope`, exchanged for tokens.
    pub async fn tokens_for(&self, email: &str, scope: &str) -> OAuthTokens {
        let (verifier, challenge) = pkce();
        let code = self
            .consent(&self.request(scope, &challenge), email, PASSWORD, "allow")
            .await
            .code();
        let (status, body) = self.exchange(&code, &verifier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_value(body).unwrap()
    }

    /// `POST /oauth/token` with this app's credentials (HTTP Basic when it has a secret).
    pub async fn token(&self, params: &[(&str, &str)]) -> (StatusCode, Value) {
        self.call("/oauth/token", params).await
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("code_verifier", verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    pub async fn call(&self, path: &str, params: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self.http.post(format!("{}{path}", self.base));
        let mut form: Vec<(&str, &str)> = params.to_vec();
        match &self.secret {
            Some(secret) => request = request.basic_auth(&self.client_id, Some(secret)),
            None => form.push(("client_id", &self.client_id)),
        }
        let response = request.form(&form).send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        if status.is_client_error() && path == "/oauth/token" {
            assert_eq!(headers["cache-control"], "no-store");
        }
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    if status == StatusCode::SEE_OTHER {
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let url = reqwest::Url::parse(&location).unwrap();
        assert_eq!(url.path(), "/oauth/callback", "sent back where registered");
        return Answer::Redirected(url.query_pairs().into_owned().collect());
    }
    let frame = response.headers()["x-frame-options"].clone();
    assert_eq!(frame, "DENY", "the consent page cannot be framed");
    Answer::Page(status, response.text().await.unwrap())
}

fn error_of(body: &Value) -> &str {
    body["error"].as_str().unwrap_or_default()
}

fn forbidden_for_scope(result: Result<impl std::fmt::Debug, ClientError>) {
    let error = result.expect_err("expected insufficient_scope");
    assert_eq!(
        error.code(),
        Some(ErrorCode::InsufficientScope),
        "{error:?}"
    );
}

fn status_of(result: Result<impl std::fmt::Debug, ClientError>) -> Option<u16> {
    result.err().and_then(|error| error.status())
}

fn unauthenticated(result: Result<impl std::fmt::Debug, ClientError>) {
    assert_eq!(status_of(result), Some(401));
}

#[tokio::test]
async fn an_app_acts_for_a_pro_within_what_the_pro_allowed() {
    let app = TestApp::spawn().await;
    let (_, developer) = app.customer().await;
    let (pro, pro_client) = app.partner().await;
    let crm = AppClient::register(
        &app.address,
        &developer,
        &[Scope::LeadsRead, Scope::JobsRead, Scope::ProfileRead],
        true,
    )
    .await;

    // The consent page names the app and says what it may do, in plain words.
    let (verifier, challenge) = pkce();
    let request = crm.request("leads:read profile:read", &challenge);
    match crm.page(&request).await {
        Answer::Page(status, page) => {
            assert_eq!(status, StatusCode::OK);
            assert!(page.contains("Acme CRM"), "{page}");
            assert!(page.contains(Scope::LeadsRead.plain_words()), "{page}");
            assert!(!page.contains(Scope::JobsRead.plain_words()), "{page}");
            assert!(page.contains("crm.example.com"), "{page}");
        }
        other @ Answer::Redirected(_) => panic!("expected the consent page, got {other:?}"),
    }

    // A wrong password shows the page again; nothing is issued.
    match crm
        .consent(&request, &pro.email, "wrong password", "allow")
        .await
    {
        Answer::Page(status, page) => {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert!(page.contains("Wrong email or password"), "{page}");
        }
        other @ Answer::Redirected(_) => panic!("expected the page again, got {other:?}"),
    }
    assert_eq!(app.count("oauth_codes").await, 0);

    // Allowed: back to the app with a code, its state and our issuer.
    let Answer::Redirected(query) = crm.consent(&request, &pro.email, PASSWORD, "allow").await
    else {
        panic!("expected a redirect");
    };
    assert_eq!(query["state"], "xyz-123");
    assert_eq!(query["iss"], app.address);
    let code = query["code"].clone();

    let (status, body) = crm.exchange(&code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tokens: OAuthTokens = serde_json::from_value(body).unwrap();
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.scope, "profile:read leads:read");
    assert!(tokens.access_token.starts_with("pla_"));

    // The token acts as the pro, within its scopes.
    let as_app = app.client.with_token(&tokens.access_token);
    assert_eq!(as_app.me().await.unwrap().id, pro.id);
    as_app
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap();
    forbidden_for_scope(
        as_app
            .jobs(&JobFilter::default(), &PageParams::default())
            .await,
    );
    // Never what needs a signed-in session.
    assert_eq!(
        status_of(as_app.list_api_keys(&PageParams::default()).await),
        Some(403)
    );

    // Introspection tells the app what its token is; another app learns nothing.
    let (status, info) = crm
        .call("/oauth/introspect", &[("token", &tokens.access_token)])
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], pro.id.as_str());
    assert_eq!(info["client_id"], crm.client_id.as_str());
    assert_eq!(info["scope"], "profile:read leads:read");
    let other = AppClient::register(&app.address, &developer, &[Scope::LeadsRead], true).await;
    let (_, info) = other
        .call("/oauth/introspect", &[("token", &tokens.access_token)])
        .await;
    assert_eq!(info, serde_json::json!({ "active": false }));

    // The code worked once. Presented again, it is refused and its tokens are revoked.
    let (status, body) = crm.exchange(&code, &verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "invalid_grant");
    unauthenticated(as_app.me().await);

    // Refresh tokens rotate; a used one presented again revokes the whole family.
    let first = crm.tokens_for(&pro.email, "leads:read").await;
    let (status, body) = crm.refresh(&first.refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second: OAuthTokens = serde_json::from_value(body).unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    let as_app = app.client.with_token(&second.access_token);
    as_app
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap();
    let (status, body) = crm.refresh(&first.refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&body), "invalid_grant");
    unauthenticated(
        as_app
            .leads(&LeadFilter::default(), &PageParams::default())
            .await,
    );
    let (_, body) = crm.refresh(&second.refresh_token).await;
    assert_eq!(error_of(&body), "invalid_grant", "the family is gone");

    // A refresh may narrow the scopes, never widen them.
    let wide = crm.tokens_for(&pro.email, "leads:read jobs:read").await;
    let (status, body) = crm
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &wide.refresh_token),
            ("scope", "leads:read profile:read"),
        ])
        .await;
    assert_eq!(
        (status, error_of(&body)),
        (StatusCode::BAD_REQUEST, "invalid_scope")
    );
    let wide = crm.tokens_for(&pro.email, "leads:read jobs:read").await;
    let (status, body) = crm
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &wide.refresh_token),
            ("scope", "jobs:read"),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], "jobs:read");

    // The app gives a token up (RFC 7009): it stops at once.
    let given_up = crm.tokens_for(&pro.email, "leads:read").await;
    let (status, _) = crm
        .call("/oauth/revoke", &[("token", &given_up.access_token)])
        .await;
    assert_eq!(status, StatusCode::OK);
    unauthenticated(
        app.client
            .with_token(&given_up.access_token)
            .leads(&LeadFilter::default(), &PageParams::default())
            .await,
    );

    // The pro sees the app among the connected ones, with everything allowed, and ends it.
    let live = crm.tokens_for(&pro.email, "leads:read").await;
    let connected = pro_client
        .connected_apps(&PageParams::default())
        .await
        .unwrap()
        .items;
    assert_eq!(connected.len(), 1);
    assert_eq!(connected[0].app_name, "Acme CRM");
    assert_eq!(connected[0].app_id, crm.client_id);
    // Everything the pro allowed over the consents, once each.
    let mut allowed = connected[0].scopes.clone();
    allowed.sort();
    assert_eq!(
        allowed,
        vec![Scope::ProfileRead, Scope::LeadsRead, Scope::JobsRead]
    );
    assert!(connected[0].last_used_at.is_some());
    // Another pro cannot end it.
    let (_, stranger) = app.partner().await;
    assert_eq!(
        status_of(stranger.disconnect_app(&connected[0].id).await),
        Some(404)
    );
    pro_client.disconnect_app(&connected[0].id).await.unwrap();
    unauthenticated(
        app.client
            .with_token(&live.access_token)
            .leads(&LeadFilter::default(), &PageParams::default())
            .await,
    );
    let (_, body) = crm.refresh(&live.refresh_token).await;
    assert_eq!(error_of(&body), "invalid_grant");
    assert!(
        pro_client
            .connected_apps(&PageParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Deleting the app ends every user's connection to it.
    let again = crm.tokens_for(&pro.email, "leads:read").await;
    developer.delete_oauth_app(&crm.client_id).await.unwrap();
    unauthenticated(
        app.client
            .with_token(&again.access_token)
            .leads(&LeadFilter::default(), &PageParams::default())
            .await,
    );
    assert!(
        developer
            .list_oauth_apps(&PageParams::default())
            .await
            .unwrap()
            .items
            .iter()
            .all(|listed| listed.id != crm.client_id)
    );
}

#[tokio::test]
async fn a_public_app_uses_pkce_alone_and_the_metadata_describes_the_server() {
    let app = TestApp::spawn().await;
    let (_, developer) = app.partner().await;
    let (customer, _) = app.customer().await;
    let phone_app = AppClient::register(
        &app.address,
        &developer,
        &[Scope::RequestsRead, Scope::ProfileRead],
        false,
    )
    .await;
    let tokens = phone_app.tokens_for(&customer.email, "requests:read").await;
    let as_app = app.client.with_token(&tokens.access_token);
    as_app.list_requests(&PageParams::default()).await.unwrap();

    let metadata: Value = reqwest::get(format!(
        "{}/.well-known/oauth-authorization-server",
        app.address
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(metadata["issuer"], app.address);
    assert_eq!(
        metadata["token_endpoint"],
        format!("{}/oauth/token", app.address)
    );
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        metadata["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("leads:read"))
    );
    // The contract describes the flow and lists the scope next to each operation's API-key one.
    let spec = app.client.openapi().await.unwrap();
    let scheme = &spec["components"]["securitySchemes"]["oauth"];
    assert_eq!(
        scheme["flows"]["authorizationCode"]["tokenUrl"],
        "/oauth/token"
    );
    let leads = &spec["paths"]["/v1/leads"]["get"]["security"];
    assert!(
        leads
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({ "oauth": ["leads:read"] })),
        "{leads}"
    );
}

#[tokio::test]
async fn wrong_authorization_requests_are_refused_and_nothing_is_issued() {
    let app = TestApp::spawn().await;
    let (_, developer) = app.customer().await;
    let (pro, _) = app.partner().await;
    let (customer, _) = app.customer().await;
    let crm = AppClient::register(&app.address, &developer, &[Scope::LeadsRead], true).await;
    let (_, challenge) = pkce();
    let good = crm.request("leads:read", &challenge);
    let with = |name: &str, value: Option<&str>| {
        let mut params: Vec<(String, String)> =
            good.iter().filter(|(k, _)| k != name).cloned().collect();
        if let Some(value) = value {
            params.push((name.to_owned(), value.to_owned()));
        }
        params
    };

    // A redirect URI the app did not register, or an unknown app: shown, never redirected.
    for params in [
        with("redirect_uri", Some("https://evil.example.com/cb")),
        with("redirect_uri", None),
        with("client_id", Some("no-such-app")),
    ] {
        match crm.page(&params).await {
            Answer::Page(status, page) => {
                assert_eq!(status, StatusCode::BAD_REQUEST);
                assert!(page.contains("does not work"), "{page}");
            }
            other @ Answer::Redirected(_) => panic!("expected an error page, got {other:?}"),
        }
    }
    // The rest go back to the app with the RFC's error.
    for (params, error) in [
        (with("code_challenge", None), "invalid_request"),
        (
            with("code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (with("code_challenge_method", None), "invalid_request"),
        (with("code_challenge", Some("too-short")), "invalid_request"),
        (
            with("response_type", Some("token")),
            "unsupported_response_type",
        ),
        (with("scope", Some("jobs:write")), "invalid_scope"),
        (with("scope", Some("leads:read admin")), "invalid_scope"),
    ] {
        assert_eq!(crm.page(&params).await.error(), Some(error), "{params:?}");
        let answer = crm.consent(&params, &pro.email, PASSWORD, "allow").await;
        assert_eq!(answer.error(), Some(error), "{params:?}");
    }
    // A parameter twice is refused.
    let mut twice = good.clone();
    twice.push(("scope".into(), "leads:read".into()));
    assert!(matches!(
        crm.page(&twice).await,
        Answer::Page(StatusCode::BAD_REQUEST, _)
    ));

    // Denied by the user; and a customer cannot grant what only pros have.
    let answer = crm.consent(&good, &pro.email, "", "deny").await;
    assert_eq!(answer.error(), Some("access_denied"));
    let answer = crm.consent(&good, &customer.email, PASSWORD, "allow").await;
    assert_eq!(answer.error(), Some("invalid_scope"));
    assert_eq!(app.count("oauth_codes").await, 0);
    assert_eq!(app.count("oauth_grants").await, 0);
    assert_eq!(app.count("oauth_tokens").await, 0);

    // The token endpoint: client authentication, PKCE, redirect URI, expiry.
    let (verifier, challenge) = pkce();
    let params = crm.request("leads:read", &challenge);
    let code = crm
        .consent(&params, &pro.email, PASSWORD, "allow")
        .await
        .code();
    let anonymous = AppClient {
        secret: None,
        ..crm.clone()
    };
    let (status, body) = anonymous.exchange(&code, &verifier).await;
    assert_eq!(
        (status, error_of(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    let forged = AppClient {
        secret: Some("plcs_not-the-secret".into()),
        ..crm.clone()
    };
    let (status, body) = forged.exchange(&code, &verifier).await;
    assert_eq!(
        (status, error_of(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    let (status, body) = crm
        .token(&[
            ("grant_type", "password"),
            ("username", "x"),
            ("password", "y"),
        ])
        .await;
    assert_eq!(
        (status, error_of(&body)),
        (StatusCode::BAD_REQUEST, "unsupported_grant_type")
    );
    let (status, body) = crm
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &crm.redirect_uri),
        ])
        .await;
    assert_eq!(
        (status, error_of(&body)),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    // Another app cannot use this app's code.
    let rival = AppClient::register(&app.address, &developer, &[Scope::LeadsRead], true).await;
    let (_, body) = rival.exchange(&code, &verifier).await;
    assert_eq!(error_of(&body), "invalid_grant");
    // A wrong verifier burns the code.
    let (_, body) = crm.exchange(&code, &pkce().0).await;
    assert_eq!(error_of(&body), "invalid_grant");
    let (_, body) = crm.exchange(&code, &verifier).await;
    assert_eq!(error_of(&body), "invalid_grant");
    // A redirect URI other than the code's.
    let (verifier, challenge) = pkce();
    let code = crm
        .consent(
            &crm.request("leads:read", &challenge),
            &pro.email,
            PASSWORD,
            "allow",
        )
        .await
        .code();
    let (_, body) = crm
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "https://crm.example.com/other"),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(error_of(&body), "invalid_grant");
    // An expired code.
    let (verifier, challenge) = pkce();
    let code = crm
        .consent(
            &crm.request("leads:read", &challenge),
            &pro.email,
            PASSWORD,
            "allow",
        )
        .await
        .code();
    app.state.clock.advance(chrono::Duration::minutes(3));
    let (_, body) = crm.exchange(&code, &verifier).await;
    assert_eq!(error_of(&body), "invalid_grant");
    assert_eq!(app.count("oauth_tokens").await, 0, "nothing was issued");

    // Registration rules, and only a signed-in session registers apps.
    let bad_uri = developer
        .register_oauth_app(&OAuthAppInput {
            name: "Bad".into(),
            redirect_uris: vec!["http://crm.example.com/cb".into()],
            logo_url: None,
            scopes: vec![Scope::LeadsRead],
            confidential: true,
        })
        .await;
    assert_eq!(status_of(bad_uri), Some(422));
}

#[tokio::test]
async fn one_code_exchanged_twice_at_once_gives_tokens_once() {
    let app = TestApp::spawn().await;
    let (_, developer) = app.customer().await;
    let (pro, _) = app.partner().await;
    let crm = AppClient::register(&app.address, &developer, &[Scope::LeadsRead], true).await;
    for _ in 0..3 {
        let (verifier, challenge) = pkce();
        let code = crm
            .consent(
                &crm.request("leads:read", &challenge),
                &pro.email,
                PASSWORD,
                "allow",
            )
            .await
            .code();
        let (a, b) = tokio::join!(
            crm.exchange(&code, &verifier),
            crm.exchange(&code, &verifier)
        );
        let winners = [a.0, b.0]
            .iter()
            .filter(|status| **status == StatusCode::OK)
            .count();
        assert_eq!(winners, 1, "{a:?} {b:?}");
    }
}

/// Tokens for the authorization matrix: the user's consent to `scopes` for `crm`.
pub async fn matrix_token(crm: &AppClient, email: &str, scopes: &[Scope]) -> String {
    let scope = scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    crm.tokens_for(email, &scope).await.access_token
}

#[tokio::test]
async fn deleting_an_account_ends_its_connections_and_its_apps() {
    let app = TestApp::spawn().await;
    let (_, developer) = app.customer().await;
    let (pro, pro_client) = app.partner().await;
    let crm = AppClient::register(&app.address, &developer, &[Scope::LeadsRead], true).await;
    let tokens = crm.tokens_for(&pro.email, "leads:read").await;
    pro_client.delete_account(PASSWORD).await.unwrap();
    unauthenticated(
        app.client
            .with_token(&tokens.access_token)
            .leads(&LeadFilter::default(), &PageParams::default())
            .await,
    );
    assert_eq!(app.count("oauth_grants").await, 0);
    assert_eq!(app.count("oauth_tokens").await, 0);

    // The developer leaves: the app goes, and with it everyone's connections.
    let (other_pro, _) = app.partner().await;
    crm.tokens_for(&other_pro.email, "leads:read").await;
    developer.delete_account(PASSWORD).await.unwrap();
    assert_eq!(app.count("oauth_apps").await, 0);
    assert_eq!(app.count("oauth_grants").await, 0);
    assert_eq!(app.count("oauth_codes").await, 0);
}
