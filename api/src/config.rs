//! Every setting of the service, read once at start from the environment (and `.env`, through
//! dotenvy, when present). Defaults suit a laptop; production must set `APP_ENV=production` and a
//! `JWT_SECRET`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::notify::fcm::ServiceAccount;

/// A setting that is missing or invalid: names the variable, never echoes a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting {variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> Self {
        Self {
            variable,
            message: message.into(),
        }
    }
}

/// Where the data lives, from `DATABASE_URL`. Its `Debug` hides a PostgreSQL password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://…` or `postgresql://…`, passed to libpq as is.
    Postgres(String),
    /// `sqlite://path/to/file.db` (relative to the working directory) or `sqlite:///absolute.db`.
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let value = value.trim();
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            return Ok(Self::Postgres(value.to_owned()));
        }
        if let Some(path) = value.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(ConfigError::new(
                    "DATABASE_URL",
                    "sqlite:// needs a file path",
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        Err(ConfigError::new(
            "DATABASE_URL",
            "must start with postgres://, postgresql:// or sqlite://",
        ))
    }

    /// `postgres` or `sqlite`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgres(url) => {
                // postgres://user:password@host/db -> postgres://user:***@host/db
                let redacted = match (url.find("://"), url.rfind('@')) {
                    (Some(scheme_end), Some(at)) if at > scheme_end => {
                        let credentials = &url[scheme_end + 3..at];
                        match credentials.split_once(':') {
                            Some((user, _)) => {
                                format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
                            }
                            None => url.clone(),
                        }
                    }
                    _ => url.clone(),
                };
                f.debug_tuple("Postgres").field(&redacted).finish()
            }
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
        }
    }
}

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The SMS provider account (Twilio's Messages API) that sends phone codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsAccount {
    pub account_sid: String,
    pub auth_token: Secret,
    /// The sending number (E.164) or messaging service id.
    pub from: String,
}

impl SmsAccount {
    /// All three of `SMS_ACCOUNT_SID`, `SMS_AUTH_TOKEN` and `SMS_FROM`, or none of them.
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let keys = ["SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM"];
        let values = keys.map(|key| get(key).map(|value| value.trim().to_owned()));
        match values {
            [None, None, None] => Ok(None),
            [Some(account_sid), Some(auth_token), Some(from)] => Ok(Some(Self {
                account_sid,
                auth_token: Secret::new(auth_token),
                from,
            })),
            _ => {
                let missing = keys
                    .iter()
                    .zip(&values)
                    .find_map(|(key, value)| value.is_none().then_some(*key))
                    .unwrap_or("SMS_FROM");
                Err(ConfigError::new(
                    missing,
                    "SMS_ACCOUNT_SID, SMS_AUTH_TOKEN and SMS_FROM go together: set all three",
                ))
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The whole configuration. See the README for the table of variables.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `APP_ENV`: `development` (default) or `production`.
    pub app_env: AppEnv,
    /// `DATABASE_URL`, default `sqlite://data/porchlight.db`.
    pub database_url: DatabaseUrl,
    /// `BIND_ADDR`, default `127.0.0.1:8080`.
    pub bind_addr: SocketAddr,
    /// `JWT_SECRET`: at least 32 bytes. Required in production; random per start in development.
    pub jwt_secret: Secret,
    /// True when `JWT_SECRET` was not set and a random one was made.
    pub jwt_secret_generated: bool,
    /// `LOG_FORMAT`: `pretty` (default) or `json`.
    pub log_format: LogFormat,
    /// `DB_POOL_SIZE`, default 4 (enough for 2 cores; see DESIGN.md §8).
    pub db_pool_size: u32,
    /// `DB_POOL_TIMEOUT_SECS`, default 5: how long a request waits for a connection before a 503.
    pub db_pool_timeout: Duration,
    /// `ACCESS_TOKEN_TTL_SECS`, default 900 (15 min).
    pub access_token_ttl: Duration,
    /// `REFRESH_TOKEN_TTL_DAYS`, default 30.
    pub refresh_token_ttl: Duration,
    /// `LOGIN_MAX_FAILURES`, default 5: failed logins allowed per email and IP in the window.
    pub login_max_failures: u32,
    /// `LOGIN_WINDOW_SECS`, default 900 (15 min).
    pub login_window: Duration,
    /// `MAX_BODY_BYTES`, default 65536: larger request bodies get a 413.
    pub max_body_bytes: usize,
    /// `HTTP_WORKERS`, default: one per core.
    pub http_workers: Option<usize>,
    /// `LEAD_OFFER_TTL_SECS`, default 1800 (30 min): how long a pro has to answer an offer.
    pub lead_offer_ttl: Duration,
    /// `LEAD_OFFERS_PER_ROUND`, default 5: how many pros one matching round offers a lead to.
    pub lead_offers_per_round: u32,
    /// `MAX_MATCH_ROUNDS`, default 3: rounds of matching before a request is declared unfilled.
    pub max_match_rounds: u32,
    /// `SWEEP_INTERVAL_SECS`, default 15: how often expired offers are swept (0 turns it off).
    pub sweep_interval: Duration,
    /// `REVIEW_WINDOW_HOURS`, default 24: how long a customer has to dispute a completed job.
    pub review_window: Duration,
    /// `CANCELLATION_NOTICE_HOURS`, default 24: cancelling closer than this to the scheduled
    /// start costs the cancelling side a penalty.
    pub cancellation_notice: Duration,
    /// `CUSTOMER_LATE_CANCEL_FEE_CENTS`, default 2500: what a customer owes for a late cancellation.
    pub customer_late_cancel_fee_cents: i64,
    /// `PARTNER_LATE_CANCEL_PENALTY_CENTS`, default 5000: what a pro owes for a late cancellation.
    pub partner_late_cancel_penalty_cents: i64,
    /// `FCM_SERVICE_ACCOUNT_FILE`: a Google service-account JSON key; without it push is off.
    pub fcm_service_account_file: Option<PathBuf>,
    /// That key, read and checked at load (a missing, unreadable or malformed file is a
    /// settings error, not a log line).
    pub fcm_service_account: Option<ServiceAccount>,
    /// `FCM_BASE_URL`, default `https://fcm.googleapis.com`.
    pub fcm_base_url: String,
    /// `OUTBOX_POLL_INTERVAL_MS`, default 500: how often the outbox worker looks for due
    /// messages besides being woken by writes (0 turns delivery off).
    pub outbox_poll_interval: Duration,
    /// `OUTBOX_MAX_ATTEMPTS`, default 10: delivery attempts before a message is `failed`.
    pub outbox_max_attempts: i32,
    /// `MESSAGE_EMAIL_AFTER_MINUTES`, default 15: a conversation's message still unread this
    /// long after it was written is emailed (if the recipient's `messages` email is on).
    pub message_email_after: Duration,
    /// `RATING_WINDOW_DAYS`, default 14: how long after completion a job can be rated.
    pub rating_window: Duration,
    /// `SMTP_URL`: the relay for email alerts (`smtp://host:port`, `smtps://user:pass@host`);
    /// without it email is off. Checked at load (scheme, host, `tls`), not connected to.
    pub smtp_url: Option<Secret>,
    /// `EMAIL_FROM`, default `Porchlight <alerts@porchlight.app>`: a mailbox, checked at load.
    pub email_from: String,
    /// `APP_LINK_BASE_URL`, default `https://porchlight.app`: where links in emails point.
    pub app_link_base_url: String,
    /// `SMS_ACCOUNT_SID`, `SMS_AUTH_TOKEN` and `SMS_FROM` (all three, or none): the Twilio
    /// account that sends phone verification codes; without them codes are written to the log.
    pub sms: Option<SmsAccount>,
    /// `DELETED_ACCOUNT_RETENTION_DAYS`, default 2190 (six years, Canada's period for business
    /// records): how long a deleted account's signature evidence is kept.
    pub deleted_account_retention: Duration,
    /// `SMS_API_URL`, default `https://api.twilio.com`.
    pub sms_api_url: String,
    /// `GEOCODER_URL`: a Nominatim-compatible address service (`/search`, `/reverse`); without
    /// it, the bundled table of postal areas (see `places::bundled`).
    pub geocoder_url: Option<String>,
    /// `GEOCODER_USER_AGENT`: how the service introduces itself to the address service.
    pub geocoder_user_agent: String,
    /// `PAYMENT_PROVIDER`: `sandbox` (default; test cards, nothing leaves the machine) or
    /// `stripe` (needs `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET`).
    pub payment_provider: PaymentProviderKind,
    /// `STRIPE_API_BASE`, default `https://api.stripe.com`.
    pub stripe_api_base: String,
    /// `STRIPE_SECRET_KEY`: the API key the Stripe client sends.
    pub stripe_secret_key: Option<Secret>,
    /// `STRIPE_WEBHOOK_SECRET`: the `whsec_…` secret webhook signatures are checked with.
    pub stripe_webhook_secret: Option<Secret>,
    /// `PLATFORM_FEE_BPS`, default 1500 (15%): the platform's share of a job's price, in basis
    /// points; the pro earns the rest.
    pub platform_fee_bps: u32,
    /// `CANCELLATION_COMPENSATION_BPS`: the share of a customer's late-cancellation fee paid to
    /// the pro who kept the slot free; default all of it less the platform fee.
    pub cancellation_compensation_bps: u32,
    /// `PAYOUT_WEEKDAY`, default `friday`: the day of the weekly payout run.
    pub payout_weekday: chrono::Weekday,
    /// `PAYOUT_TIME`, default `09:00` (UTC): when on that day the run starts.
    pub payout_time: chrono::NaiveTime,
    /// `IDEMPOTENCY_KEY_RETENTION_HOURS`, default 48 (at least 24): how long a stored response
    /// is replayed for its key before the retention sweep deletes it.
    pub idempotency_key_retention: Duration,
    /// `SESSION_RETENTION_DAYS`, default 7: how long refresh tokens are kept once expired or
    /// revoked (used ones are kept until they expire, to catch their reuse).
    pub session_retention: Duration,
    /// `NOTIFICATION_RETENTION_DAYS`, default 90 (at least 30): how long delivered (or failed)
    /// notifications stay in the outbox, the in-app list, the live stream's history and the
    /// event feed.
    pub notification_retention: Duration,
    /// `RETENTION_INTERVAL_SECS`, default 3600: how often the retention sweep runs (0: never).
    pub retention_interval: Duration,
    /// `WEBHOOK_POLL_INTERVAL_MS`, default 1000: how often the webhook worker looks for due
    /// deliveries besides being woken by new events (0 turns webhook delivery off).
    pub webhook_poll_interval: Duration,
    /// `WEBHOOK_TIMEOUT_SECS`, default 15: how long one delivery attempt may take.
    pub webhook_timeout: Duration,
    /// `WEBHOOK_ALLOW_LOOPBACK`, default `false`: also accept `http://` endpoints on this
    /// machine (127.0.0.0/8, ::1, `localhost`), for development and tests. Refused in production.
    pub webhook_allow_loopback: bool,
    /// `WEBHOOK_MAX_ENDPOINTS`, default 16: webhook endpoints per account.
    pub webhook_max_endpoints: i64,
    /// `WEBHOOK_SECRET_OVERLAP_HOURS`, default 24: after a secret rotation, deliveries are also
    /// signed with the old secret for this long.
    pub webhook_secret_overlap: Duration,
    /// `CORS_ALLOWED_ORIGINS`: comma-separated origins (`https://crm.example.com`) whose
    /// browser pages may call the API, or `*` for any; none by default. Credentials (cookies)
    /// are never allowed: the API authenticates with the `Authorization` header.
    pub cors_allowed_origins: CorsOrigins,
    /// `PUBLIC_BASE_URL`, default `http://` + `BIND_ADDR`: where callers reach this service (the
    /// OAuth issuer, and the endpoints its metadata names).
    pub public_base_url: String,
    /// `TRUSTED_PROXIES`: comma-separated addresses or CIDRs (`10.0.0.0/8`) of the proxies in
    /// front of the service; none by default. Only a request from one of them has its
    /// `X-Forwarded-For` believed, and the client is the nearest address there that is not one.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `RATE_LIMIT_PER_MINUTE`, default 600: the cost units a signed-in session or an API key
    /// may spend per minute (a token bucket that refills evenly; 0 turns the limit off).
    pub rate_limit_per_minute: u32,
    /// `RATE_LIMIT_ANONYMOUS_PER_MINUTE`, default 60: the same for calls without a credential,
    /// per client address (0: off).
    pub rate_limit_anonymous_per_minute: u32,
    /// `REDIS_URL`: when set, the rate-limit buckets live in Redis and every replica shares them;
    /// unset, each process keeps its own.
    pub redis_url: Option<String>,
    /// `REDIS_KEY_PREFIX`, default `porchlight:`: the start of every key written to Redis.
    pub redis_key_prefix: String,
    /// `OBJECT_STORE_URL`, default `file://data/objects`: where photos are kept.
    pub object_store: ObjectStoreUrl,
    /// `MAX_UPLOAD_BYTES`, default 15 MiB: the largest photo a person may upload.
    pub max_upload_bytes: u64,
    /// `PHOTO_LINK_TTL_SECS`, default 900: how long a signed photo link works.
    pub photo_link_ttl: Duration,
}

/// Where photos are kept, from `OBJECT_STORE_URL`. Its `Debug` hides the options' values (they
/// may hold a secret key).
#[derive(Clone, PartialEq, Eq)]
pub enum ObjectStoreUrl {
    /// `file://path/to/dir` (relative to the working directory) or `file:///absolute/dir`.
    Local(PathBuf),
    /// `s3://bucket`, with the S3 client's options as query parameters
    /// (`?endpoint=http://127.0.0.1:9000&region=us-east-1&allow_http=true`); credentials and
    /// anything else not given come from the usual `AWS_*` variables.
    S3 {
        bucket_url: String,
        options: Vec<(String, String)>,
    },
}

impl ObjectStoreUrl {
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        let value = value.trim();
        if let Some(path) = value.strip_prefix("file://") {
            if path.is_empty() {
                return Err(ConfigError::new(
                    "OBJECT_STORE_URL",
                    "file:// needs a directory",
                ));
            }
            return Ok(Self::Local(PathBuf::from(path)));
        }
        let url = reqwest::Url::parse(value).ok().filter(|url| {
            url.scheme() == "s3" && url.host_str().is_some_and(|host| !host.is_empty())
        });
        let Some(url) = url else {
            return Err(ConfigError::new(
                "OBJECT_STORE_URL",
                "must be file://directory or s3://bucket",
            ));
        };
        let options = url
            .query_pairs()
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let bucket_url = format!("s3://{}", url.host_str().unwrap_or_default());
        Ok(Self::S3 {
            bucket_url,
            options,
        })
    }
}

impl fmt::Debug for ObjectStoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Local(path) => write!(f, "file://{}", path.display()),
            Self::S3 {
                bucket_url,
                options,
            } => {
                let keys: Vec<&str> = options.iter().map(|(key, _)| key.as_str()).collect();
                write!(f, "{bucket_url} (options: {})", keys.join(", "))
            }
        }
    }
}

/// Which browser origins may call the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    None,
    Any,
    Only(Vec<String>),
}

impl CorsOrigins {
    fn parse(value: Option<&str>) -> Result<Self, ConfigError> {
        let Some(value) = value.map(str::trim).filter(|value| !value.is_empty()) else {
            return Ok(Self::None);
        };
        if value == "*" {
            return Ok(Self::Any);
        }
        let origins = value
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(|origin| {
                let url = reqwest::Url::parse(origin).ok().filter(|url| {
                    matches!(url.scheme(), "http" | "https")
                        && url.host_str().is_some()
                        && url.path() == "/"
                        && url.query().is_none()
                        && !origin.ends_with('/')
                });
                url.map(|url| url.origin().ascii_serialization())
                    .ok_or_else(|| {
                        ConfigError::new(
                            "CORS_ALLOWED_ORIGINS",
                            format!("{origin:?} is not an origin like https://crm.example.com"),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::Only(origins))
    }
}

/// Which payment provider charges cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentProviderKind {
    Sandbox,
    Stripe,
}

const DEFAULT_DATABASE_URL: &str = "sqlite://data/porchlight.db";
const DEFAULT_OBJECT_STORE_URL: &str = "file://data/objects";
const MIN_SECRET_BYTES: usize = 32;

impl Settings {
    /// Reads `.env` (if present) and then the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        // A missing .env is normal; a malformed one is worth saying.
        if let Err(error) = dotenvy::dotenv()
            && !error.not_found()
        {
            return Err(ConfigError::new(".env", error.to_string()));
        }
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Builds the settings from any source of variables; tests pass a map.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|value| !value.trim().is_empty());

        let app_env = match get("APP_ENV").as_deref().map(str::trim) {
            None | Some("development" | "dev") => AppEnv::Development,
            Some("production" | "prod") => AppEnv::Production,
            Some(_) => {
                return Err(ConfigError::new(
                    "APP_ENV",
                    "must be development or production",
                ));
            }
        };
        let database_url = DatabaseUrl::parse(
            &get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
        )?;
        let bind_addr = get("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .trim()
            .parse()
            .map_err(|_| ConfigError::new("BIND_ADDR", "must be an address like 127.0.0.1:8080"))?;

        let (jwt_secret, jwt_secret_generated) = match get("JWT_SECRET") {
            Some(secret) if secret.len() >= MIN_SECRET_BYTES => (Secret::new(secret), false),
            Some(_) => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes"),
                ));
            }
            None if app_env == AppEnv::Production => {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is required when APP_ENV=production",
                ));
            }
            None => (Secret::new(crate::auth::tokens::random_token(48)), true),
        };

        let log_format = match get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("pretty" | "text") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(ConfigError::new("LOG_FORMAT", "must be pretty or json")),
        };

        let number = |key: &'static str, default: u64, range: std::ops::RangeInclusive<u64>| {
            let Some(raw) = get(key) else {
                return Ok(default);
            };
            match raw.trim().parse::<u64>() {
                Ok(value) if range.contains(&value) => Ok(value),
                _ => Err(ConfigError::new(
                    key,
                    format!(
                        "must be a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )),
            }
        };

        let payment_provider = match get("PAYMENT_PROVIDER").as_deref().map(str::trim) {
            None | Some("sandbox") => PaymentProviderKind::Sandbox,
            Some("stripe") => PaymentProviderKind::Stripe,
            Some(_) => {
                return Err(ConfigError::new(
                    "PAYMENT_PROVIDER",
                    "must be sandbox or stripe",
                ));
            }
        };
        // The sandbox takes no money: a production service on it would fake every payment.
        if app_env == AppEnv::Production && payment_provider == PaymentProviderKind::Sandbox {
            return Err(ConfigError::new(
                "PAYMENT_PROVIDER",
                "the sandbox (the default) fakes payments; APP_ENV=production needs stripe",
            ));
        }
        let webhook_allow_loopback = match get("WEBHOOK_ALLOW_LOOPBACK").as_deref().map(str::trim) {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(_) => {
                return Err(ConfigError::new(
                    "WEBHOOK_ALLOW_LOOPBACK",
                    "must be true or false",
                ));
            }
        };
        // In production a webhook URL is never this machine (or any private network).
        if app_env == AppEnv::Production && webhook_allow_loopback {
            return Err(ConfigError::new(
                "WEBHOOK_ALLOW_LOOPBACK",
                "is for development; APP_ENV=production never delivers to this machine",
            ));
        }
        let secret = |key: &'static str| {
            let value = get(key).map(|value| Secret::new(value.trim()));
            if value.is_none() && payment_provider == PaymentProviderKind::Stripe {
                return Err(ConfigError::new(
                    key,
                    "is required when PAYMENT_PROVIDER=stripe",
                ));
            }
            Ok(value)
        };
        let stripe_secret_key = secret("STRIPE_SECRET_KEY")?;
        let stripe_webhook_secret = secret("STRIPE_WEBHOOK_SECRET")?;
        let platform_fee_bps = to_u32(number("PLATFORM_FEE_BPS", 1500, 0..=10_000)?);
        let fcm_service_account_file = get("FCM_SERVICE_ACCOUNT_FILE")
            .map(|path| PathBuf::from(path.trim()))
            .filter(|path| !path.as_os_str().is_empty());
        let fcm_service_account = fcm_service_account_file
            .as_deref()
            .map(ServiceAccount::from_file)
            .transpose()
            .map_err(|message| ConfigError::new("FCM_SERVICE_ACCOUNT_FILE", message))?;
        let smtp_url = get("SMTP_URL").map(|url| Secret::new(url.trim()));
        if let Some(url) = &smtp_url {
            crate::notify::email::check_smtp_url(url.expose())
                .map_err(|message| ConfigError::new("SMTP_URL", message))?;
        }
        let email_from = get("EMAIL_FROM").map_or_else(
            || "Porchlight <alerts@porchlight.app>".to_owned(),
            |from| from.trim().to_owned(),
        );
        crate::notify::email::sender(&email_from)
            .map_err(|message| ConfigError::new("EMAIL_FROM", message))?;
        let sms = SmsAccount::from_lookup(&get)?;
        let base_url = |key: &'static str, default: &str| {
            let url = get(key).map_or_else(
                || default.to_owned(),
                |url| url.trim().trim_end_matches('/').to_owned(),
            );
            match reqwest::Url::parse(&url) {
                Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.has_host() => {
                    Ok(url)
                }
                _ => Err(ConfigError::new(
                    key,
                    "must be an http:// or https:// URL with a host",
                )),
            }
        };

        Ok(Self {
            app_env,
            database_url,
            bind_addr,
            jwt_secret,
            jwt_secret_generated,
            log_format,
            db_pool_size: to_u32(number("DB_POOL_SIZE", 4, 1..=256)?),
            db_pool_timeout: Duration::from_secs(number("DB_POOL_TIMEOUT_SECS", 5, 1..=300)?),
            access_token_ttl: Duration::from_secs(number(
                "ACCESS_TOKEN_TTL_SECS",
                900,
                30..=86_400,
            )?),
            refresh_token_ttl: Duration::from_secs(
                number("REFRESH_TOKEN_TTL_DAYS", 30, 1..=365)? * 86_400,
            ),
            login_max_failures: to_u32(number("LOGIN_MAX_FAILURES", 5, 1..=1000)?),
            login_window: Duration::from_secs(number("LOGIN_WINDOW_SECS", 900, 1..=86_400)?),
            max_body_bytes: usize::try_from(number("MAX_BODY_BYTES", 65_536, 1024..=16 << 20)?)
                .unwrap_or(65_536),
            lead_offer_ttl: Duration::from_secs(number("LEAD_OFFER_TTL_SECS", 1800, 10..=604_800)?),
            lead_offers_per_round: to_u32(number("LEAD_OFFERS_PER_ROUND", 5, 1..=1000)?),
            max_match_rounds: to_u32(number("MAX_MATCH_ROUNDS", 3, 1..=20)?),
            sweep_interval: Duration::from_secs(number("SWEEP_INTERVAL_SECS", 15, 0..=3600)?),
            review_window: Duration::from_secs(number("REVIEW_WINDOW_HOURS", 24, 1..=720)? * 3600),
            cancellation_notice: Duration::from_secs(
                number("CANCELLATION_NOTICE_HOURS", 24, 0..=720)? * 3600,
            ),
            customer_late_cancel_fee_cents: to_cents(number(
                "CUSTOMER_LATE_CANCEL_FEE_CENTS",
                2500,
                0..=10_000_000,
            )?),
            partner_late_cancel_penalty_cents: to_cents(number(
                "PARTNER_LATE_CANCEL_PENALTY_CENTS",
                5000,
                0..=10_000_000,
            )?),
            fcm_service_account_file,
            fcm_service_account,
            fcm_base_url: base_url("FCM_BASE_URL", crate::notify::fcm::DEFAULT_BASE_URL)?,
            outbox_poll_interval: Duration::from_millis(number(
                "OUTBOX_POLL_INTERVAL_MS",
                500,
                0..=60_000,
            )?),
            outbox_max_attempts: i32::try_from(number("OUTBOX_MAX_ATTEMPTS", 10, 1..=100)?)
                .unwrap_or(10),
            message_email_after: Duration::from_secs(
                number("MESSAGE_EMAIL_AFTER_MINUTES", 15, 0..=10_080)? * 60,
            ),
            rating_window: Duration::from_secs(number("RATING_WINDOW_DAYS", 14, 1..=365)? * 86_400),
            smtp_url,
            email_from,
            app_link_base_url: base_url("APP_LINK_BASE_URL", "https://porchlight.app")?,
            sms,
            deleted_account_retention: Duration::from_secs(
                number("DELETED_ACCOUNT_RETENTION_DAYS", 2190, 1..=36_500)? * 86_400,
            ),
            sms_api_url: base_url("SMS_API_URL", crate::notify::sms::DEFAULT_API_URL)?,
            geocoder_url: match get("GEOCODER_URL") {
                Some(_) => Some(base_url("GEOCODER_URL", "")?),
                None => None,
            },
            geocoder_user_agent: get("GEOCODER_USER_AGENT").map_or_else(
                || crate::places::DEFAULT_USER_AGENT.to_owned(),
                |agent| agent.trim().to_owned(),
            ),
            payment_provider,
            stripe_api_base: base_url("STRIPE_API_BASE", "https://api.stripe.com")?,
            stripe_secret_key,
            stripe_webhook_secret,
            platform_fee_bps,
            cancellation_compensation_bps: to_u32(number(
                "CANCELLATION_COMPENSATION_BPS",
                u64::from(10_000 - platform_fee_bps),
                0..=10_000,
            )?),
            payout_weekday: match get("PAYOUT_WEEKDAY") {
                None => chrono::Weekday::Fri,
                Some(day) => day.trim().parse().map_err(|_| {
                    ConfigError::new("PAYOUT_WEEKDAY", "must be a weekday like friday")
                })?,
            },
            payout_time: match get("PAYOUT_TIME") {
                None => chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
                Some(time) => chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M")
                    .map_err(|_| ConfigError::new("PAYOUT_TIME", "must be HH:MM (UTC)"))?,
            },
            idempotency_key_retention: Duration::from_secs(
                number("IDEMPOTENCY_KEY_RETENTION_HOURS", 48, 24..=8760)? * 3600,
            ),
            session_retention: Duration::from_secs(
                number("SESSION_RETENTION_DAYS", 7, 1..=3650)? * 86_400,
            ),
            notification_retention: Duration::from_secs(
                number("NOTIFICATION_RETENTION_DAYS", 90, 30..=3650)? * 86_400,
            ),
            retention_interval: Duration::from_secs(number(
                "RETENTION_INTERVAL_SECS",
                3600,
                0..=604_800,
            )?),
            webhook_poll_interval: Duration::from_millis(number(
                "WEBHOOK_POLL_INTERVAL_MS",
                1000,
                0..=60_000,
            )?),
            webhook_timeout: Duration::from_secs(number("WEBHOOK_TIMEOUT_SECS", 15, 1..=60)?),
            webhook_allow_loopback,
            webhook_max_endpoints: i64::try_from(number("WEBHOOK_MAX_ENDPOINTS", 16, 1..=100)?)
                .unwrap_or(16),
            cors_allowed_origins: CorsOrigins::parse(get("CORS_ALLOWED_ORIGINS").as_deref())?,
            public_base_url: base_url("PUBLIC_BASE_URL", &format!("http://{bind_addr}"))?,
            trusted_proxies: trusted_proxies(get("TRUSTED_PROXIES").as_deref())?,
            rate_limit_per_minute: u32::try_from(number(
                "RATE_LIMIT_PER_MINUTE",
                600,
                0..=1_000_000,
            )?)
            .unwrap_or(600),
            rate_limit_anonymous_per_minute: u32::try_from(number(
                "RATE_LIMIT_ANONYMOUS_PER_MINUTE",
                60,
                0..=1_000_000,
            )?)
            .unwrap_or(60),
            redis_url: get("REDIS_URL")
                .map(|url| {
                    let url = url.trim().to_owned();
                    redis::Client::open(url.as_str())
                        .map(|_| url)
                        .map_err(|_| ConfigError::new("REDIS_URL", "must be a redis:// URL"))
                })
                .transpose()?,
            redis_key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "porchlight:".into()),
            object_store: ObjectStoreUrl::parse(
                &get("OBJECT_STORE_URL").unwrap_or_else(|| DEFAULT_OBJECT_STORE_URL.into()),
            )?,
            max_upload_bytes: number("MAX_UPLOAD_BYTES", 15 << 20, 1024..=100 << 20)?,
            photo_link_ttl: Duration::from_secs(number("PHOTO_LINK_TTL_SECS", 900, 10..=86_400)?),
            webhook_secret_overlap: Duration::from_secs(
                number("WEBHOOK_SECRET_OVERLAP_HOURS", 24, 0..=168)? * 3600,
            ),
            http_workers: match get("HTTP_WORKERS") {
                None => None,
                Some(_) => Some(usize::try_from(number("HTTP_WORKERS", 1, 1..=256)?).unwrap_or(1)),
            },
        })
    }
}

/// `TRUSTED_PROXIES`: addresses (`10.1.2.3`) or networks (`10.0.0.0/8`), comma-separated.
fn trusted_proxies(value: Option<&str>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    ConfigError::new(
                        "TRUSTED_PROXIES",
                        format!("{entry:?} is not an address or a network like 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

fn to_cents(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn to_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|key| map.get(key).cloned())
    }

    #[test]
    fn cors_origins_are_origins_or_a_star() {
        let origins = |value: &str| {
            settings(&[("CORS_ALLOWED_ORIGINS", value)]).map(|s| s.cors_allowed_origins)
        };
        assert_eq!(
            settings(&[]).unwrap().cors_allowed_origins,
            CorsOrigins::None
        );
        assert_eq!(origins("*").unwrap(), CorsOrigins::Any);
        assert_eq!(
            origins("https://crm.example.com, http://localhost:3000").unwrap(),
            CorsOrigins::Only(vec![
                "https://crm.example.com".into(),
                "http://localhost:3000".into()
            ])
        );
        for bad in [
            "crm.example.com",
            "https://crm.example.com/app",
            "ftp://x.example.com",
        ] {
            let error = origins(bad).unwrap_err();
            assert!(error.to_string().contains("CORS_ALLOWED_ORIGINS"), "{bad}");
        }
    }

    #[test]
    fn defaults_are_an_embedded_development_setup() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.app_env, AppEnv::Development);
        assert_eq!(
            s.database_url,
            DatabaseUrl::Sqlite(PathBuf::from("data/porchlight.db"))
        );
        assert_eq!(s.bind_addr.to_string(), "127.0.0.1:8080");
        assert!(s.jwt_secret_generated);
        assert!(s.jwt_secret.expose().len() >= MIN_SECRET_BYTES);
        assert_eq!(s.access_token_ttl, Duration::from_mins(15));
        assert_eq!(s.refresh_token_ttl, Duration::from_hours(30 * 24));
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases: &[(&str, &str)] = &[
            ("DATABASE_URL", "mysql://localhost/db"),
            ("BIND_ADDR", "not an address"),
            ("JWT_SECRET", "short"),
            ("APP_ENV", "staging"),
            ("LOG_FORMAT", "xml"),
            ("DB_POOL_SIZE", "0"),
            ("ACCESS_TOKEN_TTL_SECS", "ten"),
            ("MAX_BODY_BYTES", "1"),
        ];
        for (variable, value) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, *variable, "for {variable}={value}");
        }
    }

    #[test]
    fn production_requires_a_secret_and_never_prints_it() {
        let error = settings(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(error.variable, "JWT_SECRET");

        let secret = "a-very-long-production-secret-of-48-characters!!";
        let s = settings(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", secret),
            ("PAYMENT_PROVIDER", "stripe"),
            ("STRIPE_SECRET_KEY", "sk_test_1"),
            ("STRIPE_WEBHOOK_SECRET", "whsec_1"),
        ])
        .unwrap();
        assert!(!s.jwt_secret_generated);
        assert!(!format!("{s:?}").contains(secret));
    }

    #[test]
    fn production_refuses_the_sandbox_provider() {
        let secret = "a-very-long-production-secret-of-48-characters!!";
        for provider in [None, Some("sandbox")] {
            let mut vars = vec![("APP_ENV", "production"), ("JWT_SECRET", secret)];
            vars.extend(provider.map(|provider| ("PAYMENT_PROVIDER", provider)));
            let error = settings(&vars).unwrap_err();
            assert_eq!(error.variable, "PAYMENT_PROVIDER", "{provider:?}");
        }
        assert!(settings(&[("PAYMENT_PROVIDER", "sandbox")]).is_ok());
    }

    #[test]
    fn outside_services_are_checked_at_load() {
        let cases: &[(&str, &str)] = &[
            ("FCM_SERVICE_ACCOUNT_FILE", "/no/such/service-account.json"),
            ("SMTP_URL", "mail.example.com"),
            ("SMTP_URL", "smtp://mail.example.com?tls=maybe"),
            ("EMAIL_FROM", "not a mailbox"),
            ("FCM_BASE_URL", "fcm.googleapis.com"),
            ("STRIPE_API_BASE", "ftp://api.stripe.com"),
            ("APP_LINK_BASE_URL", "/"),
        ];
        for (variable, value) in cases {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, *variable, "for {variable}={value}");
        }
        let s = settings(&[
            ("SMTP_URL", "smtps://user:hunter2@mail.example.com"),
            ("EMAIL_FROM", "alerts@example.com"),
            ("FCM_BASE_URL", "http://127.0.0.1:9000/"),
        ])
        .unwrap();
        assert_eq!(s.fcm_base_url, "http://127.0.0.1:9000");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn postgres_urls_are_accepted_and_their_password_never_printed() {
        let s = settings(&[("DATABASE_URL", "postgresql://u@h:5432/db")]).unwrap();
        assert_eq!(s.database_url.backend(), "postgres");
        let s = settings(&[("DATABASE_URL", "postgres://app:hunter2@db:5432/p")]).unwrap();
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("postgres://app:***@db:5432/p"),
            "{printed}"
        );
    }
}
