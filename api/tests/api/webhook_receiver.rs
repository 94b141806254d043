//! An integrator's webhook receiver on 127.0.0.1: records every POST (headers and exact body)
//! and answers as told — 200, another status (with `Retry-After`), a redirect, or not at all
//! for a while (a hanging server).

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, Utc};
use shared_types::events::Event;
use shared_types::webhooks::{self, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Ok,
    Status(u16),
    /// A status with `Retry-After` seconds.
    RetryAfter(u16, u64),
    /// Answer 200 only after this long.
    Hang(Duration),
}

/// One POST as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

impl Received {
    pub fn event(&self) -> Event {
        serde_json::from_str(&self.body).expect("the body is an event")
    }

    /// Checks the signature with `secrets` as an integrator would, at `now`.
    pub fn verify(&self, secrets: &[&str], now: DateTime<Utc>) -> Result<(), String> {
        webhooks::verify(
            secrets,
            &self.id,
            &self.timestamp,
            &self.signature,
            self.body.as_bytes(),
            chrono::Duration::minutes(5),
            now,
        )
        .map_err(|error| error.to_string())
    }
}

#[derive(Default)]
struct Inbox {
    received: Vec<Received>,
    /// The answer per path (default 200).
    answers: std::collections::HashMap<String, Answer>,
}

#[derive(Clone)]
pub struct Receiver {
    pub base_url: String,
    inbox: Arc<Mutex<Inbox>>,
}

impl Receiver {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let inbox = Arc::new(Mutex::new(Inbox::default()));
        let data = web::Data::new(Arc::clone(&inbox));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::post().to(receive))
        })
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { base_url, inbox }
    }

    /// The URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn answer(&self, path: &str, answer: Answer) {
        self.inbox
            .lock()
            .unwrap()
            .answers
            .insert(path.to_owned(), answer);
    }

    /// Every POST to `path`, in arrival order.
    pub fn received(&self, path: &str) -> Vec<Received> {
        self.inbox
            .lock()
            .unwrap()
            .received
            .iter()
            .filter(|received| received.path == path)
            .cloned()
            .collect()
    }
}

async fn receive(
    inbox: web::Data<Arc<Mutex<Inbox>>>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let path = request.path().to_owned();
    let answer = {
        let mut inbox = inbox.lock().unwrap();
        inbox.received.push(Received {
            path: path.clone(),
            id: header(ID_HEADER),
            timestamp: header(TIMESTAMP_HEADER),
            signature: header(SIGNATURE_HEADER),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        inbox.answers.get(&path).copied().unwrap_or(Answer::Ok)
    };
    match answer {
        Answer::Ok => HttpResponse::Ok().body("thanks"),
        Answer::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .body(format!("answered {code}"))
        }
        Answer::RetryAfter(code, seconds) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .insert_header(("Retry-After", seconds.to_string()))
                .body("slow down")
        }
        Answer::Hang(duration) => {
            tokio::time::sleep(duration).await;
            HttpResponse::Ok().body("late")
        }
    }
}
