//! A Stripe-compatible payment provider on 127.0.0.1: PaymentIntents create and confirm,
//! Checkout Sessions (create, retrieve, expire, and a customer paying on the hosted page), Refunds,
//! bearer secret key, form-encoded bodies and `Idempotency-Key` replay, as Stripe's API does.
//! Test cards: `tok_visa` succeeds, `tok_declined` is declined (402 card error), `tok_async`
//! stays `processing` (the outcome comes by webhook). Refunds succeed unless told to fail (a
//! closed card) or to stay `pending` (the outcome comes by webhook). It also signs and sends
//! webhook events.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const SECRET_KEY: &str = "sk_test_porchlight";
pub const WEBHOOK_SECRET: &str = "whsec_porchlight_test";

/// A request's parameters, sorted.
type Parameters = Vec<(String, String)>;

/// The parameters of the first request under a key, and the status and body it was answered.
type Answered = (Parameters, u16, Value);

#[derive(Default)]
struct Books {
    base_url: String,
    intents: HashMap<String, Value>,
    sessions: HashMap<String, Value>,
    /// Idempotency-Key -> the first request under it and its answer.
    answered: HashMap<String, Answered>,
    refunds: Vec<Value>,
    refund_mode: RefundMode,
    /// Keys whose first request is still being answered, with its parameters.
    in_flight: HashMap<String, Parameters>,
    /// How long creating a PaymentIntent takes (a slow network or a busy provider).
    create_latency: std::time::Duration,
    /// Every call: (path, Idempotency-Key; empty for a GET).
    calls: Vec<(String, String)>,
    counter: u32,
}

/// How new refunds come out.
#[derive(Debug, Clone, Default)]
pub enum RefundMode {
    #[default]
    Succeed,
    /// `failed` with this `failure_reason`, as for a closed card.
    Fail(&'static str),
    /// `pending`: the bank has not answered yet.
    Pending,
}

#[derive(Clone)]
pub struct FakeStripe {
    pub base_url: String,
    books: Arc<Mutex<Books>>,
}

impl FakeStripe {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let books = Arc::new(Mutex::new(Books {
            base_url: base_url.clone(),
            ..Books::default()
        }));
        let data = web::Data::new(Arc::clone(&books));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/v1/payment_intents", web::post().to(create_intent))
                .route(
                    "/v1/payment_intents/{id}/confirm",
                    web::post().to(confirm_intent),
                )
                .route("/v1/checkout/sessions", web::post().to(create_session))
                .route(
                    "/v1/checkout/sessions/{id}",
                    web::get().to(retrieve_session),
                )
                .route(
                    "/v1/checkout/sessions/{id}/expire",
                    web::post().to(expire_session),
                )
                .route("/v1/refunds", web::post().to(create_refund))
                .route("/v1/refunds/{id}", web::get().to(retrieve_refund))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { base_url, books }
    }

    /// The settings that point the service at this provider.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PAYMENT_PROVIDER", "stripe".into()),
            ("STRIPE_API_BASE", self.base_url.clone()),
            ("STRIPE_SECRET_KEY", SECRET_KEY.into()),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.into()),
        ]
    }

    /// Makes every PaymentIntent creation take this long.
    pub fn set_create_latency(&self, latency: std::time::Duration) {
        self.books.lock().unwrap().create_latency = latency;
    }

    /// The bank confirmed a `processing` PaymentIntent: it succeeds (the webhook is separate).
    pub fn succeed(&self, intent_id: &str) -> Value {
        let mut books = self.books.lock().unwrap();
        let intent = books.intents.get_mut(intent_id).unwrap();
        intent["status"] = json!("succeeded");
        intent.clone()
    }

    /// The PaymentIntent made for our payment `payment_id`.
    pub fn intent_for(&self, payment_id: &str) -> Value {
        let books = self.books.lock().unwrap();
        books
            .intents
            .values()
            .find(|intent| intent["metadata"]["payment_id"] == payment_id)
            .cloned()
            .expect("an intent for this payment")
    }

    /// The Checkout Session at `url` (the page the API handed the customer).
    pub fn session_at(&self, url: &str) -> Value {
        let books = self.books.lock().unwrap();
        books
            .sessions
            .values()
            .find(|session| session["url"] == url)
            .cloned()
            .expect("a session at this url")
    }

    /// The customer types `token`'s card on the session's page. A good card pays: a
    /// PaymentIntent succeeds and the session completes (answered: the session, for the
    /// `checkout.session.completed` event). Another is declined: the session stays open for
    /// another card (answered: the failed PaymentIntent, for `payment_intent.payment_failed`).
    pub fn pay_session(&self, session_id: &str, token: &str) -> Value {
        let mut books = self.books.lock().unwrap();
        books.counter += 1;
        let intent_id = format!("pi_{}", books.counter);
        let session = books.sessions.get(session_id).cloned().unwrap();
        assert_eq!(session["status"], "open", "paying on a closed page");
        let mut intent = json!({
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "currency": session["currency"],
            "status": "succeeded",
            "metadata": session["payment_intent_metadata"],
        });
        if token != "tok_visa" {
            intent["status"] = json!("requires_payment_method");
            intent["last_payment_error"] = json!({ "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined." });
            books.intents.insert(intent_id, intent.clone());
            return intent;
        }
        books.intents.insert(intent_id.clone(), intent);
        let session = books.sessions.get_mut(session_id).unwrap();
        session["status"] = json!("complete");
        session["payment_status"] = json!("paid");
        session["payment_intent"] = json!(intent_id);
        session.clone()
    }

    /// How the refunds created from now on come out.
    pub fn set_refund_mode(&self, mode: RefundMode) {
        self.books.lock().unwrap().refund_mode = mode;
    }

    /// The bank settled a `pending` refund: it succeeds (the webhook is separate).
    pub fn succeed_refund(&self, refund_id: &str) -> Value {
        let mut books = self.books.lock().unwrap();
        let refund = books
            .refunds
            .iter_mut()
            .find(|refund| refund["id"] == refund_id)
            .unwrap();
        refund["status"] = json!("succeeded");
        refund.clone()
    }

    /// Every refund created, failed ones included.
    pub fn refunds(&self) -> Vec<Value> {
        self.books.lock().unwrap().refunds.clone()
    }

    pub fn calls(&self) -> Vec<(String, String)> {
        self.books.lock().unwrap().calls.clone()
    }

    /// An event of `kind` about `object`, as Stripe posts it.
    pub fn event(&self, kind: &str, object: &Value) -> Value {
        let mut books = self.books.lock().unwrap();
        books.counter += 1;
        json!({
            "id": format!("evt_{}", books.counter),
            "object": "event",
            "type": kind,
            "data": { "object": object },
        })
    }
}

/// The `Stripe-Signature` header for `payload` sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

type Shared = web::Data<Arc<Mutex<Books>>>;
type Form = web::Form<HashMap<String, String>>;

/// The answer to a request without our secret key, if it is one.
fn unauthorized(req: &HttpRequest) -> Option<HttpResponse> {
    let authorized = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {SECRET_KEY}"));
    (!authorized).then(|| {
        HttpResponse::Unauthorized().json(
            json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key" } }),
        )
    })
}

/// A request's parameters in a stable order, to tell a repeated request from another one.
fn parameters(req: &HttpRequest, form: &Form) -> Parameters {
    let mut parameters: Parameters = form
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    parameters.push(("path".into(), req.path().to_owned()));
    parameters.sort();
    parameters
}

/// Checks the key and replays an answer already given under the same Idempotency-Key; the same
/// key with other parameters is refused, as Stripe does (400 `idempotency_error`), and so is a
/// request under a key whose first request is still in progress (409).
fn begin(books: &mut Books, req: &HttpRequest, form: &Form) -> Result<String, Box<HttpResponse>> {
    if let Some(refused) = unauthorized(req) {
        return Err(Box::new(refused));
    }
    let key = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    books.calls.push((req.path().to_owned(), key.clone()));
    if let Some((first, status, body)) = books.answered.get(&key) {
        if *first != parameters(req, form) {
            return Err(Box::new(HttpResponse::BadRequest().json(json!({ "error": {
                "type": "idempotency_error",
                "message": "Keys for idempotent requests can only be used with the same parameters they were first used with.",
            } }))));
        }
        let status = actix_web::http::StatusCode::from_u16(*status).unwrap();
        return Err(Box::new(HttpResponse::build(status).json(body.clone())));
    }
    if !key.is_empty() && books.in_flight.contains_key(&key) {
        return Err(Box::new(HttpResponse::Conflict().json(json!({ "error": {
            "type": "idempotency_error",
            "message": "There is currently another in-progress request using this Idempotent Key. Please try again later.",
        } }))));
    }
    books.in_flight.insert(key.clone(), parameters(req, form));
    Ok(key)
}

fn answer(books: &mut Books, key: String, status: u16, body: Value) -> HttpResponse {
    let first = books.in_flight.remove(&key).unwrap_or_default();
    if !key.is_empty() {
        books.answered.insert(key, (first, status, body.clone()));
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(body)
}

async fn create_intent(shared: Shared, req: HttpRequest, form: Form) -> HttpResponse {
    let (key, latency) = {
        let mut books = shared.lock().unwrap();
        match begin(&mut books, &req, &form) {
            Ok(key) => (key, books.create_latency),
            Err(replay) => return *replay,
        }
    };
    tokio::time::sleep(latency).await;
    let mut books = shared.lock().unwrap();
    books.counter += 1;
    let id = format!("pi_{}", books.counter);
    let intent = json!({
        "id": id,
        "object": "payment_intent",
        "amount": form.get("amount").and_then(|a| a.parse::<i64>().ok()),
        "currency": form.get("currency"),
        "status": "requires_payment_method",
        "metadata": {
            "payment_id": form.get("metadata[payment_id]"),
            "job_id": form.get("metadata[job_id]"),
        },
    });
    books.intents.insert(id, intent.clone());
    answer(&mut books, key, 200, intent)
}

async fn confirm_intent(
    books: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    form: Form,
) -> HttpResponse {
    let mut books = books.lock().unwrap();
    let key = match begin(&mut books, &req, &form) {
        Ok(key) => key,
        Err(replay) => return *replay,
    };
    let Some(mut intent) = books.intents.get(id.as_str()).cloned() else {
        return HttpResponse::NotFound()
            .json(json!({ "error": { "message": "No such payment_intent" } }));
    };
    let token = form
        .get("payment_method_data[card][token]")
        .cloned()
        .unwrap_or_default();
    let (status, body) = match token.as_str() {
        "tok_visa" => {
            intent["status"] = json!("succeeded");
            (200, intent.clone())
        }
        "tok_async" => {
            intent["status"] = json!("processing");
            (200, intent.clone())
        }
        _ => {
            intent["status"] = json!("requires_payment_method");
            intent["last_payment_error"] = json!({ "code": "card_declined", "decline_code": "generic_decline", "message": "Your card was declined." });
            (
                402,
                json!({ "error": {
                    "type": "card_error", "code": "card_declined", "decline_code": "generic_decline",
                    "message": "Your card was declined.", "payment_intent": intent,
                } }),
            )
        }
    };
    books.intents.insert(id.into_inner(), intent);
    answer(&mut books, key, status, body)
}

async fn create_refund(books: Shared, req: HttpRequest, form: Form) -> HttpResponse {
    let mut books = books.lock().unwrap();
    let key = match begin(&mut books, &req, &form) {
        Ok(key) => key,
        Err(replay) => return *replay,
    };
    let intent_id = form.get("payment_intent").cloned().unwrap_or_default();
    let amount: i64 = form
        .get("amount")
        .and_then(|a| a.parse().ok())
        .unwrap_or_default();
    let Some(intent) = books.intents.get(&intent_id).cloned() else {
        return answer(
            &mut books,
            key,
            400,
            json!({ "error": { "type": "invalid_request_error", "message": "No such payment_intent" } }),
        );
    };
    let refunded: i64 = books
        .refunds
        .iter()
        .filter(|r| r["payment_intent"] == intent_id && r["status"] != "failed")
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    if intent["status"] != "succeeded" || refunded + amount > intent["amount"].as_i64().unwrap() {
        return answer(
            &mut books,
            key,
            400,
            json!({ "error": { "type": "invalid_request_error", "message": "Refund is more than the charge" } }),
        );
    }
    books.counter += 1;
    let (status, failure_reason) = match books.refund_mode {
        RefundMode::Succeed => ("succeeded", None),
        RefundMode::Fail(reason) => ("failed", Some(reason)),
        RefundMode::Pending => ("pending", None),
    };
    let refund = json!({
        "id": format!("re_{}", books.counter),
        "object": "refund",
        "amount": amount,
        "payment_intent": intent_id,
        "status": status,
        "failure_reason": failure_reason,
        "metadata": {
            "refund_id": form.get("metadata[refund_id]"),
            "refund_retry": form.get("metadata[refund_retry]"),
        },
    });
    books.refunds.push(refund.clone());
    answer(&mut books, key, 200, refund)
}

async fn retrieve_refund(books: Shared, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let mut books = books.lock().unwrap();
    if let Some(refused) = unauthorized(&req) {
        return refused;
    }
    books.calls.push((req.path().to_owned(), String::new()));
    match books
        .refunds
        .iter()
        .find(|refund| refund["id"] == id.as_str())
    {
        Some(refund) => HttpResponse::Ok().json(refund),
        None => HttpResponse::NotFound().json(
            json!({ "error": { "type": "invalid_request_error", "message": "No such refund" } }),
        ),
    }
}

async fn create_session(shared: Shared, req: HttpRequest, form: Form) -> HttpResponse {
    let mut books = shared.lock().unwrap();
    let key = match begin(&mut books, &req, &form) {
        Ok(key) => key,
        Err(replay) => return *replay,
    };
    let field = |name: &str| form.get(name).cloned();
    let expires_at: i64 = field("expires_at")
        .and_then(|at| at.parse().ok())
        .unwrap_or_default();
    let earliest = chrono::Utc::now().timestamp() + 30 * 60;
    let complete = field("mode").as_deref() == Some("payment")
        && field("success_url").is_some()
        && field("line_items[0][price_data][unit_amount]").is_some();
    if !complete || expires_at < earliest {
        return answer(
            &mut books,
            key,
            400,
            json!({ "error": { "type": "invalid_request_error",
                "message": "A session needs mode=payment, a line item, a success_url and expires_at at least 30 minutes from now." } }),
        );
    }
    books.counter += 1;
    let id = format!("cs_test_{}", books.counter);
    let session = json!({
        "id": id,
        "object": "checkout.session",
        "url": format!("{}/c/pay/{id}", books.base_url),
        "status": "open",
        "payment_status": "unpaid",
        "payment_intent": null,
        "amount_total": field("line_items[0][price_data][unit_amount]").and_then(|a| a.parse::<i64>().ok()),
        "currency": field("line_items[0][price_data][currency]"),
        "product_name": field("line_items[0][price_data][product_data][name]"),
        "success_url": field("success_url"),
        "cancel_url": field("cancel_url"),
        "expires_at": expires_at,
        "client_reference_id": field("client_reference_id"),
        "metadata": {
            "payment_id": field("metadata[payment_id]"),
            "job_id": field("metadata[job_id]"),
        },
        "payment_intent_metadata": {
            "payment_id": field("payment_intent_data[metadata][payment_id]"),
            "job_id": field("payment_intent_data[metadata][job_id]"),
        },
    });
    books.sessions.insert(id, session.clone());
    answer(&mut books, key, 200, session)
}

async fn retrieve_session(shared: Shared, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let mut books = shared.lock().unwrap();
    if let Some(refused) = unauthorized(&req) {
        return refused;
    }
    books.calls.push((req.path().to_owned(), String::new()));
    match books.sessions.get(id.as_str()) {
        Some(session) => HttpResponse::Ok().json(session),
        None => HttpResponse::NotFound().json(
            json!({ "error": { "type": "invalid_request_error", "message": "No such checkout.session" } }),
        ),
    }
}

async fn expire_session(
    shared: Shared,
    req: HttpRequest,
    id: web::Path<String>,
    form: Form,
) -> HttpResponse {
    let mut books = shared.lock().unwrap();
    let key = match begin(&mut books, &req, &form) {
        Ok(key) => key,
        Err(replay) => return *replay,
    };
    let open = books
        .sessions
        .get(id.as_str())
        .map(|session| session["status"] == "open");
    match open {
        None => answer(
            &mut books,
            key,
            404,
            json!({ "error": { "type": "invalid_request_error", "message": "No such checkout.session" } }),
        ),
        Some(false) => answer(
            &mut books,
            key,
            400,
            json!({ "error": { "type": "invalid_request_error",
                "message": "Only Checkout Sessions with a status in [open] can be expired." } }),
        ),
        Some(true) => {
            let session = books.sessions.get_mut(id.as_str()).unwrap();
            session["status"] = json!("expired");
            let session = session.clone();
            answer(&mut books, key, 200, session)
        }
    }
}
