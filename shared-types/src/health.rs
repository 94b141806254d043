//! Liveness and readiness probes.

use serde::{Deserialize, Serialize};

/// `GET /v1/health`: the process is up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok`.
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// `GET /v1/health/ready`: the service can serve requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// The database answered a query.
    pub database: bool,
    /// Every migration embedded in this build has been applied.
    pub migrations_applied: bool,
    /// `postgres` or `sqlite`.
    pub backend: String,
}
