//! The one error type of the API. Every error leaves as an RFC 9457 `application/problem+json`
//! document (see `shared_types::ProblemDetails`); a 500 never shows internals, it logs them inside
//! the request's span (which carries the request id).

use std::collections::BTreeMap;
use std::fmt::Display;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::error::{PROBLEM_JSON, field_errors};
use shared_types::{ErrorCode, ProblemDetails};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A problem with a stable code and a message for the caller.
    #[error("{code:?}: {detail}")]
    Problem { code: ErrorCode, detail: String },
    /// Input broke validation rules; messages per field.
    #[error("validation failed: {0:?}")]
    Validation(BTreeMap<String, Vec<String>>),
    /// Too many calls or attempts; the caller may retry after this many seconds. `what` says
    /// which limit, in the caller's words ("too many failed sign-ins").
    #[error("rate limited for {retry_after_secs}s: {what}")]
    RateLimited {
        retry_after_secs: u64,
        what: &'static str,
    },
    /// A bug or an outage: logged in full, shown to the caller as a bare 500.
    #[error("internal error: {0}")]
    Internal(String),
    /// No database connection (the server is down or every connection is busy): a 503 with a
    /// fixed detail; the driver's words go to the log only.
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
}

/// What a caller is told when the database cannot be reached.
pub const DATABASE_UNAVAILABLE: &str = "the database is unavailable; retry shortly";

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Problem {
            code,
            detail: detail.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, detail)
    }

    /// `what` (a job, a payout, ...) is `current`; the action needs it to be one of `allowed`.
    pub fn invalid_transition(what: &str, current: &str, allowed: &[&str]) -> Self {
        Self::new(
            ErrorCode::InvalidTransition,
            format!(
                "the {what} is {current}; this needs it to be {}",
                allowed.join(" or ")
            ),
        )
    }

    /// A validation error on one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(BTreeMap::from([(field.to_owned(), vec![message.into()])]))
    }

    pub fn internal(error: impl Display) -> Self {
        Self::Internal(error.to_string())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Problem { code, .. } => *code,
            Self::Validation(_) => ErrorCode::ValidationFailed,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Internal(_) => ErrorCode::Internal,
            Self::DatabaseUnavailable(_) => ErrorCode::ServiceUnavailable,
        }
    }

    /// The problem document sent to the caller.
    pub fn problem(&self) -> ProblemDetails {
        match self {
            Self::Problem { code, detail } => ProblemDetails::new(*code, detail.clone()),
            Self::Validation(errors) => {
                let fields = errors.keys().cloned().collect::<Vec<_>>().join(", ");
                let mut problem = ProblemDetails::new(
                    ErrorCode::ValidationFailed,
                    format!("invalid fields: {fields}"),
                );
                problem.errors.clone_from(errors);
                problem
            }
            Self::RateLimited {
                retry_after_secs,
                what,
            } => ProblemDetails::new(
                ErrorCode::RateLimited,
                format!("{what}; retry in {retry_after_secs} s"),
            ),
            Self::Internal(_) => ProblemDetails::new(
                ErrorCode::Internal,
                "an unexpected error occurred; quote the X-Request-Id header when reporting it"
                    .to_owned(),
            ),
            Self::DatabaseUnavailable(_) => ProblemDetails::new(
                ErrorCode::ServiceUnavailable,
                DATABASE_UNAVAILABLE.to_owned(),
            ),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(message) => tracing::error!(error = %message, "internal error"),
            Self::DatabaseUnavailable(cause) => {
                tracing::warn!(error = %cause, "service unavailable: no database connection");
            }
            Self::Problem {
                code: ErrorCode::ServiceUnavailable,
                detail,
            } => tracing::warn!(error = %detail, "service unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        match self {
            Self::RateLimited {
                retry_after_secs, ..
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            Self::Problem {
                code: ErrorCode::ServiceUnavailable,
                ..
            }
            | Self::DatabaseUnavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            Self::Problem {
                code: ErrorCode::Unauthenticated | ErrorCode::InvalidToken | ErrorCode::TokenExpired,
                ..
            } => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<DieselError> for ApiError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::new(ErrorCode::NotFound, "not found"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                tracing::debug!(constraint = ?info.constraint_name(), "unique violation");
                Self::conflict("a record with the same unique value already exists")
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::DatabaseUnavailable(format!("connection closed: {}", info.message()))
            }
            // PostgreSQL gave up one of two transactions waiting on each other. Retryable.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::new(ErrorCode::ServiceUnavailable, "a concurrent change; retry")
            }
            DieselError::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                Self::new(ErrorCode::ServiceUnavailable, "a concurrent change; retry")
            }
            // SQLite's busy_timeout ran out: a long writer held the lock. Retryable.
            DieselError::DatabaseError(_, info)
                if info.message().contains("database is locked") =>
            {
                Self::new(ErrorCode::ServiceUnavailable, "the database is busy; retry")
            }
            other => Self::internal(format!("database: {other}")),
        }
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(error: r2d2::Error) -> Self {
        Self::DatabaseUnavailable(format!("no connection from the pool: {error}"))
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self::Validation(field_errors(&errors))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::internal(error)
    }
}
