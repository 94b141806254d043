//! The request and response types of the Porchlight API, shared by the server, the mobile app and
//! integrators.
//!
//! Nothing here knows about actix or diesel. Two opt-in features:
//! - `openapi`: utoipa `ToSchema`/`IntoParams` derives, used by the server to publish its contract;
//! - `client`: [`Client`], a typed async HTTP client with one method per endpoint.

pub mod auth;
pub mod error;
pub mod health;
pub mod jobs;
pub mod notify;
pub mod pagination;
pub mod partners;
pub mod ratings;
pub mod requests;
pub mod wallet;

#[cfg(feature = "client")]
pub mod client;

#[cfg(feature = "client")]
pub use client::{Client, ClientError, EventStream};
pub use error::{ErrorCode, ProblemDetails};
pub use pagination::{Page, PageParams};
