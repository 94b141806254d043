//! Porchlight's REST API: `Application::build(settings)` wires config -> pool -> migrations ->
//! routes and binds the listener; `main` and the tests both start the service through it.

pub mod admin;
pub mod auth;
pub mod backoff;
pub mod client_ip;
pub mod clock;
pub mod config;
pub mod conversations;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod jobs;
pub mod limits;
pub mod notify;
pub mod oauth;
pub mod openapi;
pub mod pages;
pub mod partners;
pub mod photos;
pub mod places;
pub mod ratings;
pub mod requests;
pub mod retention;
pub mod state;
pub mod telemetry;
pub mod wallet;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{Condition, Next, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, HttpServer, ResponseError, web};
use shared_types::ErrorCode;
use shared_types::error::PROBLEM_JSON;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Settings;
use crate::error::ApiError;
use crate::state::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot reach the database (DATABASE_URL): {0}")]
    Database(String),
    #[error("cannot apply migrations: {0}")]
    Migrations(String),
    #[error("cannot open the object store (OBJECT_STORE_URL): {0}")]
    ObjectStore(String),
    /// `BIND_ADDR` cannot be listened on (in use, not an address of this machine, privileged).
    #[error("cannot listen on {addr} (BIND_ADDR): {reason}")]
    Bind {
        addr: std::net::SocketAddr,
        reason: String,
    },
    #[error("cannot start the server: {0}")]
    Io(#[from] std::io::Error),
}

impl StartupError {
    fn bind(addr: std::net::SocketAddr, error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        // The kind reads better ("address in use") than the OS text with its error number.
        let reason = match error.kind() {
            kind @ (ErrorKind::AddrInUse
            | ErrorKind::AddrNotAvailable
            | ErrorKind::PermissionDenied) => kind.to_string(),
            _ => error.to_string(),
        };
        Self::Bind { addr, reason }
    }
}

/// Every route of the API, under `/v1`. New areas add their `routes` here.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/v1")
            .configure(health::routes)
            .configure(auth::routes)
            .configure(partners::routes)
            .configure(places::routes)
            .configure(requests::routes)
            .configure(jobs::routes)
            .configure(conversations::routes)
            .configure(photos::routes)
            .configure(notify::routes)
            .configure(events::routes)
            .configure(ratings::routes)
            .configure(wallet::routes)
            .configure(admin::routes)
            .configure(oauth::routes),
    );
}

/// The OpenAPI document, built from the same route table the server uses.
pub fn openapi_spec() -> utoipa::openapi::OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    openapi::finish(&mut spec);
    spec
}

/// The contract as YAML (`openapi.yaml`). A time example such as `07:00` is quoted: YAML 1.1
/// readers (PyYAML, and the code generators built on it) would read it as the number 420.
pub fn openapi_yaml() -> Result<String, String> {
    let yaml = openapi_spec()
        .to_yaml()
        .map_err(|error| error.to_string())?;
    Ok(yaml
        .lines()
        .map(|line| match line.split_once("example: ") {
            Some((indent, value))
                if indent.trim().is_empty()
                    && value.len() == 5
                    && value.as_bytes()[2] == b':'
                    && value.bytes().filter(u8::is_ascii_digit).count() == 4 =>
            {
                format!("{indent}example: '{value}'\n")
            }
            _ => format!("{line}\n"),
        })
        .collect())
}

/// The methods each documented path template answers, for 405 responses with `Allow`.
#[derive(Debug, Clone, Default)]
struct AllowedMethods(HashMap<String, String>);

impl AllowedMethods {
    fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let map = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect::<Vec<_>>()
                .join(", ");
                (path.clone(), methods)
            })
            .collect();
        Self(map)
    }
}

/// The actix `App`: state, limits, middleware, routes, docs and the fallbacks.
pub fn create_app(
    state: web::Data<AppState>,
    spec: utoipa::openapi::OpenApi,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = state.settings.max_body_bytes;
    let cors = cors(&state.settings.cors_allowed_origins);
    let allowed = web::Data::new(AllowedMethods::from_spec(&spec));
    App::new()
        .app_data(state)
        .app_data(allowed)
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(extract::json_config(max_body))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        // Before the /v1 scope, which would otherwise claim /v1/openapi.json.
        .service(SwaggerUi::new("/docs/{_:.*}").url("/v1/openapi.json", spec))
        .service(web::redirect("/docs", "/docs/"))
        .configure(oauth::protocol_routes)
        .configure(wallet::payment_page::routes)
        .into_utoipa_app()
        .configure(routes)
        .into_app()
        .default_service(web::to(no_route))
        .wrap(from_fn(auth::extract::check_session_standing))
        .wrap(from_fn(limits::enforce))
        .wrap(from_fn(extract::reject_nul_in_url))
        .wrap(from_fn(response_headers))
        .wrap(from_fn(echo_request_id))
        .wrap(Condition::new(cors.is_some(), cors.unwrap_or_default()))
        .wrap(TracingLogger::default())
}

/// Cross-origin access for browser integrations, when `CORS_ALLOWED_ORIGINS` names any: the
/// preflight is answered, the API's headers may be sent and read, and credentials (cookies) are
/// never allowed, so `*` is safe. A request from an origin not listed is served without CORS
/// headers (the browser then keeps the answer from the page).
fn cors(origins: &config::CorsOrigins) -> Option<actix_cors::Cors> {
    use actix_web::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
    let cors = match origins {
        config::CorsOrigins::None => return None,
        config::CorsOrigins::Any => actix_cors::Cors::default()
            .allow_any_origin()
            .send_wildcard(),
        config::CorsOrigins::Only(list) => list
            .iter()
            .fold(actix_cors::Cors::default(), |cors, origin| {
                cors.allowed_origin(origin)
            }),
    };
    Some(
        cors.allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
            .allowed_headers([
                AUTHORIZATION,
                CONTENT_TYPE,
                ACCEPT,
                HeaderName::from_static("idempotency-key"),
                HeaderName::from_static("last-event-id"),
            ])
            .expose_headers([
                RETRY_AFTER,
                header::LOCATION,
                HeaderName::from_static("x-request-id"),
                HeaderName::from_static("ratelimit"),
                HeaderName::from_static("ratelimit-policy"),
            ])
            .max_age(3600)
            .block_on_origin_mismatch(false),
    )
}

/// 404 for an unknown path; 405 with `Allow` for a known path and another method.
async fn no_route(req: HttpRequest, allowed: web::Data<AllowedMethods>) -> HttpResponse {
    let pattern = req.resource_map().match_pattern(req.path());
    if let Some(methods) = pattern.and_then(|pattern| allowed.0.get(&pattern)) {
        let mut response = ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("{} is not allowed here; use {methods}", req.method()),
        )
        .error_response();
        if let Ok(value) = HeaderValue::from_str(methods) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        return response;
    }
    ApiError::new(ErrorCode::NotFound, format!("no route for {}", req.path())).error_response()
}

/// Echoes the request id of the tracing span as `X-Request-Id`, so a caller can quote it.
async fn echo_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
    let mut response = next.call(req).await?;
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

/// Headers on every response, and a problem document for any error that left without one.
///
/// - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` and
///   `Content-Security-Policy: frame-ancestors 'none'` everywhere (the docs page must not be
///   framed by another site).
/// - `Cache-Control: no-store` on every `/v1` response except a successful anonymous read of
///   the public catalogue (see [`is_public_read`]): everything else either answers a signed-in
///   caller, carries tokens, or is not worth keeping.
async fn response_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let public_read = (req.method() == Method::GET || req.method() == Method::HEAD)
        && !req.headers().contains_key(header::AUTHORIZATION)
        && is_public_read(req.path());
    let api = req.path() == "/v1" || req.path().starts_with("/v1/");
    // Handlers' and extractors' errors arrive here as responses (only a middleware inside
    // this one could return an `Err`, and there is none).
    let response = next.call(req).await?.map_into_boxed_body();
    let mut response = problem_for_bare_error(response);
    let stored = public_read && response.status().is_success();
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    if api && !stored {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The public catalogue, the same for every anonymous caller: categories, the partner search,
/// a partner's reviews, and the OpenAPI document. (A public profile is not among them: each
/// read counts a profile view, which a cached copy would not.)
fn is_public_read(path: &str) -> bool {
    if matches!(path, "/v1/categories" | "/v1/partners" | "/v1/openapi.json") {
        return true;
    }
    path.strip_prefix("/v1/partners/")
        .and_then(|rest| rest.strip_suffix("/reviews"))
        .is_some_and(|id| !id.is_empty() && id != "me" && !id.contains('/'))
}

/// Errors the API raises are problem documents already; one produced by actix itself (a
/// body too large for a plain extractor, say) comes as text and is replaced by the problem
/// for its status. JSON bodies are kept (the readiness report is a documented 503), and so are
/// the HTML pages the API serves to people (the sandbox's payment page).
fn problem_for_bare_error(response: ServiceResponse) -> ServiceResponse {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.starts_with(PROBLEM_JSON)
                || value.starts_with("application/json")
                || value.starts_with("text/html")
        });
    let problem = match status.as_u16() {
        _ if is_json => None,
        404 => Some(ApiError::new(ErrorCode::NotFound, "no such resource")),
        405 => Some(ApiError::new(
            ErrorCode::MethodNotAllowed,
            "this method is not allowed here",
        )),
        413 => Some(ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body is too large",
        )),
        415 => Some(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "this content type is not accepted here",
        )),
        500 => Some(ApiError::internal(format!(
            "a bare 500 from {}",
            response.request().path()
        ))),
        _ => None,
    };
    let Some(problem) = problem else {
        return response;
    };
    let (request, bare) = response.into_parts();
    let mut replaced = problem.error_response();
    // Keep what the original said besides its body (e.g. `Allow` on a 405).
    for (name, value) in bare.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replaced.headers_mut().insert(name.clone(), value.clone());
        }
    }
    ServiceResponse::new(request, replaced)
}

/// A built, bound, not yet running service.
pub struct Application {
    port: u16,
    state: AppState,
    server: Server,
}

impl Application {
    /// Connects to the database, applies migrations and binds `BIND_ADDR`.
    pub fn build(settings: Settings) -> Result<Self, StartupError> {
        let addr = settings.bind_addr;
        let listener = TcpListener::bind(addr).map_err(|error| StartupError::bind(addr, &error))?;
        Self::build_with_listener(settings, listener)
    }

    /// Like [`Application::build`] on a listener the caller bound (tests bind port 0).
    pub fn build_with_listener(
        settings: Settings,
        listener: TcpListener,
    ) -> Result<Self, StartupError> {
        let pool = db::build_pool(&settings).map_err(|e| StartupError::Database(e.to_string()))?;
        {
            let mut conn = pool
                .get()
                .map_err(|e| StartupError::Database(e.to_string()))?;
            let applied = db::run_migrations(&mut conn)
                .map_err(|e| StartupError::Migrations(e.to_string()))?;
            if !applied.is_empty() {
                tracing::info!(?applied, "applied migrations");
            }
            let filled = requests::cards::fill_missing(&mut conn)
                .map_err(|e| StartupError::Migrations(e.to_string()))?;
            if filled > 0 {
                tracing::info!(filled, "stored the lead feed's missing cards");
            }
        }
        let workers = settings.http_workers;
        let photos = photos::Photos::from_settings(&settings).map_err(StartupError::ObjectStore)?;
        let state = AppState::new(pool, settings, photos);
        let data = web::Data::new(state.clone());
        let spec = openapi_spec();
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || create_app(data.clone(), spec.clone()))
            // Signals are handled by `run_until_signalled`, which ends live streams first.
            .disable_signals()
            .listen(listener)?;
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            state,
            server: server.run(),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops the service from outside (`stop(true)` is graceful).
    pub fn server_handle(&self) -> StopHandle {
        StopHandle {
            server: self.server.handle(),
            shutdown: self.state.shutdown.clone(),
        }
    }

    /// Serves until SIGTERM or SIGINT, then stops gracefully: open live streams end at once,
    /// requests in flight get up to 30 s. A second signal stops at once.
    pub async fn run_until_signalled(self) -> std::io::Result<()> {
        let signals = actix_web::rt::spawn(stop_on_signals(self.server_handle()));
        let result = self.run_until_stopped().await;
        signals.abort();
        result
    }

    /// Serves until stopped through [`Application::server_handle`], running the background
    /// workers alongside.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let alive = Arc::new(());
        let mut workers = notify::start(&self.state, Arc::downgrade(&alive));
        workers.extend(spawn_offer_sweeper(self.state.clone()));
        workers.extend(wallet::start(&self.state));
        workers.extend(retention::spawn(self.state.clone()));
        workers.extend(events::webhooks::worker::spawn(self.state.clone()));
        // Stops the workers when the server stops, or when this future is dropped.
        let _workers = AbortOnDrop(workers);
        self.server.await
    }
}

/// Stops a running [`Application`].
#[derive(Clone)]
pub struct StopHandle {
    server: actix_web::dev::ServerHandle,
    shutdown: notify::signal::Shutdown,
}

impl StopHandle {
    /// Ends the open live streams, then stops the server: `graceful` lets requests in flight
    /// finish (for up to 30 s), otherwise their connections are dropped.
    pub async fn stop(&self, graceful: bool) {
        self.shutdown.begin();
        self.server.stop(graceful).await;
    }
}

/// Waits for SIGTERM or SIGINT (Ctrl-C), then stops gracefully; a second one stops at once.
async fn stop_on_signals(handle: StopHandle) {
    let mut signals = match StopSignals::listen() {
        Ok(signals) => signals,
        Err(error) => {
            tracing::error!(%error, "cannot listen for stop signals");
            return;
        }
    };
    signals.next().await;
    tracing::info!("stopping: live streams end, requests in flight may finish");
    let graceful = handle.clone();
    let stopping = actix_web::rt::spawn(async move { graceful.stop(true).await });
    signals.next().await;
    tracing::warn!("stopping now: a second stop signal");
    handle.stop(false).await;
    let _ = stopping.await;
}

/// SIGTERM and SIGINT (Ctrl-C elsewhere than Unix).
struct StopSignals {
    #[cfg(unix)]
    terminate: actix_web::rt::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: actix_web::rt::signal::unix::Signal,
}

impl StopSignals {
    #[cfg(unix)]
    fn listen() -> std::io::Result<Self> {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }

    #[cfg(not(unix))]
    #[allow(clippy::unnecessary_wraps, reason = "the Unix version can fail")]
    fn listen() -> std::io::Result<Self> {
        Ok(Self {})
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        let _ = actix_web::rt::signal::ctrl_c().await;
    }
}

/// Background tasks that end with the service.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Expires unanswered lead offers and re-matches their requests, publishes ratings whose
/// window closed and refreshes day-old Star Scores, every `SWEEP_INTERVAL_SECS`.
/// Several replicas may run it at once (see `requests::sweep`).
fn spawn_offer_sweeper(state: AppState) -> Option<tokio::task::JoinHandle<()>> {
    let every = state.settings.sweep_interval;
    if every.is_zero() {
        return None;
    }
    let policy = requests::LeadPolicy::from(state.settings.as_ref());
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        loop {
            ticks.tick().await;
            let now = state.clock.now();
            let swept = requests::sweep::run(&state, now, policy).await;
            if let Err(error) = ratings::sweep(&state).await {
                tracing::warn!(%error, "the ratings sweep failed");
            }
            match swept {
                Ok(report) if report != requests::sweep::SweepReport::default() => {
                    tracing::info!(?report, "swept lead offers");
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "lead offer sweep failed"),
            }
        }
    }))
}
