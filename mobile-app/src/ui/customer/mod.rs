//! The customer's screens.

pub mod discover;
pub mod new_request;
pub mod notifications;
pub mod pro;
pub mod requests;
