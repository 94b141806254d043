//! A Twilio-compatible SMS provider on 127.0.0.1: `POST /2010-04-01/Accounts/{sid}/Messages.json`
//! with HTTP basic auth (account sid and auth token) and a form body of `To`, `From`, `Body`,
//! answered `201` with a message resource, or Twilio's JSON error (`21211` for a number it
//! cannot text, `20003` for bad credentials). It records every message it accepted.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use serde_json::json;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "sms-test-auth-token";
pub const FROM: &str = "+15005550006";
/// Twilio's magic "invalid number" recipient.
pub const UNTEXTABLE: &str = "+15005550001";

/// A text as received.
#[derive(Debug, Clone)]
pub struct Text {
    pub to: String,
    pub from: String,
    pub body: String,
}

impl Text {
    /// The six-digit code in the body.
    pub fn code(&self) -> String {
        self.body
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| word.len() == 6)
            .expect("a six-digit code")
            .to_owned()
    }
}

#[derive(Clone)]
pub struct FakeSms {
    pub base_url: String,
    texts: Arc<Mutex<Vec<Text>>>,
}

impl FakeSms {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let texts = Arc::new(Mutex::new(Vec::new()));
        let data = web::Data::new(Arc::clone(&texts));
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                web::post().to(create_message),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { base_url, texts }
    }

    /// The settings that point the service at this provider.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SMS_API_URL", self.base_url.clone()),
            ("SMS_ACCOUNT_SID", ACCOUNT_SID.into()),
            ("SMS_AUTH_TOKEN", AUTH_TOKEN.into()),
            ("SMS_FROM", FROM.into()),
        ]
    }

    /// The texts sent to `phone`, oldest first.
    pub fn texts_to(&self, phone: &str) -> Vec<Text> {
        let texts = self.texts.lock().unwrap();
        texts
            .iter()
            .filter(|text| text.to == phone)
            .cloned()
            .collect()
    }
}

fn twilio_error(status: u16, code: u32, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "code": code,
        "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status,
    }))
}

async fn create_message(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
    texts: web::Data<Arc<Mutex<Vec<Text>>>>,
) -> HttpResponse {
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        == Some(format!("Basic {expected}").as_str());
    if !authorized || path.into_inner() != ACCOUNT_SID {
        return twilio_error(401, 20003, "Authenticate");
    }
    let field = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let text = Text {
        to: field("To"),
        from: field("From"),
        body: field("Body"),
    };
    if text.to == UNTEXTABLE || !text.to.starts_with('+') {
        return twilio_error(400, 21211, "The 'To' number is not a valid phone number.");
    }
    if text.body.is_empty() || text.from.is_empty() {
        return twilio_error(400, 21602, "Message body is required.");
    }
    let sid = format!("SM{}", uuid::Uuid::new_v4().simple());
    let answer = json!({
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "to": text.to,
        "from": text.from,
        "body": text.body,
        "status": "queued",
    });
    texts.lock().unwrap().push(text);
    HttpResponse::Created().json(answer)
}
