//! A stand-in for Google on 127.0.0.1, speaking the real protocols: the OAuth 2.0 token endpoint
//! of a service account (it verifies the RS256 assertion with the account's public key) and FCM
//! HTTP v1 `messages:send` (it checks the bearer token and records every message).
//!
//! Device tokens script FCM's answers: `dead-…` is `UNREGISTERED` (404); `busy-…` is
//! `QUOTA_EXCEEDED` (429, `Retry-After: 120`) the first time; `flaky-…` is `UNAVAILABLE` (503) the
//! first time; `mismatch-…` is always `SENDER_ID_MISMATCH` (403); `hang-…` never answers the
//! first time; any other token is accepted.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};

pub const PROJECT: &str = "porchlight-test";
const CLIENT_EMAIL: &str = "push@porchlight-test.iam.gserviceaccount.com";
const PRIVATE_KEY: &str = include_str!("../fixtures/fcm-test-key.pem");
const PUBLIC_KEY: &str = include_str!("../fixtures/fcm-test-key.pub.pem");

#[derive(Default)]
struct Recorded {
    /// Access tokens handed out.
    issued: Vec<String>,
    /// Every `message` FCM accepted.
    accepted: Vec<Value>,
    /// Calls per device token, accepted or not.
    calls: HashMap<String, u32>,
}

#[derive(Clone)]
pub struct FakeGoogle {
    pub base_url: String,
    recorded: Arc<Mutex<Recorded>>,
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    assertion: String,
}

#[derive(Deserialize)]
struct Assertion {
    scope: String,
    iat: i64,
    exp: i64,
}

impl FakeGoogle {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let recorded = Arc::new(Mutex::new(Recorded::default()));
        let state = (Arc::clone(&recorded), base_url.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .route("/token", web::post().to(token))
                .route("/v1/projects/{project}/messages:send", web::post().to(send))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { base_url, recorded }
    }

    /// A service-account key file pointing at this server, in `dir`.
    pub fn service_account_file(&self, dir: &std::path::Path) -> PathBuf {
        let path = dir.join("service-account.json");
        let key = json!({
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": "test-key-1",
            "private_key": PRIVATE_KEY,
            "client_email": CLIENT_EMAIL,
            "token_uri": format!("{}/token", self.base_url),
        });
        std::fs::write(&path, key.to_string()).unwrap();
        path
    }

    pub fn accepted(&self) -> Vec<Value> {
        self.recorded.lock().unwrap().accepted.clone()
    }

    /// Accepted messages sent to `device_token`.
    pub fn accepted_for(&self, device_token: &str) -> Vec<Value> {
        self.accepted()
            .into_iter()
            .filter(|message| message["token"] == device_token)
            .collect()
    }

    pub fn calls(&self, device_token: &str) -> u32 {
        let recorded = self.recorded.lock().unwrap();
        recorded.calls.get(device_token).copied().unwrap_or(0)
    }

    pub fn tokens_issued(&self) -> usize {
        self.recorded.lock().unwrap().issued.len()
    }
}

type Shared = web::Data<(Arc<Mutex<Recorded>>, String)>;

async fn token(state: Shared, form: web::Form<TokenForm>) -> HttpResponse {
    let (recorded, base_url) = state.get_ref();
    if form.grant_type != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return HttpResponse::BadRequest().json(json!({ "error": "unsupported_grant_type" }));
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[format!("{base_url}/token")]);
    validation.set_issuer(&[CLIENT_EMAIL]);
    let key = DecodingKey::from_rsa_pem(PUBLIC_KEY.as_bytes()).unwrap();
    let claims = match jsonwebtoken::decode::<Assertion>(&form.assertion, &key, &validation) {
        Ok(data) => data.claims,
        Err(error) => {
            return HttpResponse::BadRequest()
                .json(json!({ "error": "invalid_grant", "error_description": error.to_string() }));
        }
    };
    if claims.scope != "https://www.googleapis.com/auth/firebase.messaging"
        || claims.exp - claims.iat > 3600
    {
        return HttpResponse::BadRequest().json(json!({ "error": "invalid_scope" }));
    }
    let mut recorded = recorded.lock().unwrap();
    let access_token = format!("ya29.test-{}", recorded.issued.len());
    recorded.issued.push(access_token.clone());
    HttpResponse::Ok().json(json!({
        "access_token": access_token, "expires_in": 3599, "token_type": "Bearer",
    }))
}

fn fcm_error(status: u16, name: &str, code: &str, message: &str) -> Value {
    json!({ "error": {
        "code": status, "message": message, "status": name,
        "details": [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code }],
    }})
}

async fn send(
    state: Shared,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    let (recorded, _) = state.get_ref();
    let bearer = req
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    let message = body.into_inner()["message"].clone();
    let device = message["token"].as_str().unwrap_or_default().to_owned();
    let calls = {
        let mut recorded = recorded.lock().unwrap();
        if path.into_inner() != PROJECT
            || !bearer.is_some_and(|token| recorded.issued.contains(&token))
        {
            return HttpResponse::Unauthorized().json(fcm_error(
                401,
                "UNAUTHENTICATED",
                "THIRD_PARTY_AUTH_ERROR",
                "bad credentials",
            ));
        }
        let calls = recorded.calls.entry(device.clone()).or_default();
        *calls += 1;
        *calls
    };
    if device.starts_with("hang-") && calls == 1 {
        // The sender dies waiting for this answer.
        tokio::time::sleep(std::time::Duration::from_hours(1)).await;
        return HttpResponse::GatewayTimeout().finish();
    }
    if device.starts_with("dead-") {
        return HttpResponse::NotFound().json(fcm_error(
            404,
            "NOT_FOUND",
            "UNREGISTERED",
            "Requested entity was not found.",
        ));
    }
    if device.starts_with("mismatch-") {
        return HttpResponse::Forbidden().json(fcm_error(
            403,
            "PERMISSION_DENIED",
            "SENDER_ID_MISMATCH",
            "SenderId mismatch",
        ));
    }
    if device.starts_with("busy-") && calls == 1 {
        return HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "120"))
            .json(fcm_error(
                429,
                "RESOURCE_EXHAUSTED",
                "QUOTA_EXCEEDED",
                "Quota exceeded",
            ));
    }
    if device.starts_with("flaky-") && calls == 1 {
        return HttpResponse::ServiceUnavailable().json(fcm_error(
            503,
            "UNAVAILABLE",
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ));
    }
    let mut recorded = recorded.lock().unwrap();
    let name = format!("projects/{PROJECT}/messages/{}", recorded.accepted.len());
    recorded.accepted.push(message);
    HttpResponse::Ok().json(json!({ "name": name }))
}
