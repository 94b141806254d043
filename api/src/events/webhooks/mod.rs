//! Webhooks: an account's events POSTed to its own URLs, signed with the Standard Webhooks
//! scheme, retried for about 3 days, with a delivery log, redelivery and replay.

pub mod deliveries;
pub mod endpoints;
pub mod guard;
pub(super) mod handlers;
pub mod worker;
