//! The request and response types of the Porchlight API, shared by the server, the mobile app and
//! integrators.
//!
//! Nothing here knows about actix or diesel. Two opt-in features:
//! - `openapi`: utoipa `ToSchema`/`IntoParams` derives, used by the server to publish its contract;
//! - `client`: [`Client`], a typed async HTTP client with one method per endpoint.
//!
//! Enums a response carries end in an `Unknown` variant: a client built with these types keeps
//! working when a newer server sends a value it does not know. The server never sends `Unknown`
//! (serialising it is an error) and refuses it in requests.

/// The crate's README, compiled with the doctests so that its example cannot rot.
#[cfg(all(doctest, feature = "client"))]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

/// An enum a response carries: unit variants in snake_case (JSON and text alike), the text forms
/// of [`text_forms!`], and a last variant `Unknown` that reads any value this build does not
/// know. Serialising `Unknown` is an error, so the server can neither send nor store it.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            serde::Serialize,
            serde::Deserialize,
            strum::Display,
            strum::IntoStaticStr,
            strum::EnumString,
            strum::VariantArray,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        #[strum(serialize_all = "snake_case")]
        pub enum $name {
            $($(#[$variant_meta])* $variant,)*
            /// A value this version of the types does not know yet (from a newer server). The
            /// server never sends it and refuses it in a request.
            #[serde(other, skip_serializing)]
            Unknown,
        }

        text_forms!($name or Unknown);
    };
}

/// The text form of an enum (derived by strum in snake_case, the same as its JSON form):
/// `as_str`, `parse` and `known` (every variant but `Unknown`). `parse` never yields `Unknown`,
/// so a stored or sent value this build does not know stays an error.
macro_rules! text_forms {
    ($name:ident $(or $unknown:ident)?) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                self.into()
            }

            pub fn parse(text: &str) -> Option<Self> {
                text.parse::<Self>().ok()$(.filter(|value| *value != Self::$unknown))?
            }

            /// Every variant this build knows, in declaration order.
            pub fn known() -> impl Iterator<Item = Self> {
                <Self as strum::VariantArray>::VARIANTS
                    .iter()
                    .copied()
                    $(.filter(|value| *value != Self::$unknown))?
            }
        }
    };
}

pub mod account;
pub mod admin;
pub mod auth;
pub mod conversations;
pub mod error;
pub mod events;
pub mod health;
pub mod jobs;
pub mod notify;
pub mod oauth;
pub mod pagination;
pub mod partners;
pub mod photos;
pub mod places;
pub mod ratings;
pub mod requests;
pub mod wallet;
pub mod webhook_endpoints;
pub mod webhooks;

#[cfg(feature = "client")]
pub mod client;

#[cfg(feature = "client")]
pub use client::{Client, ClientError, EventStream};
pub use error::{ErrorCode, ProblemDetails};
pub use pagination::{Page, PageParams};
