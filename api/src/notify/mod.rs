//! Notifications. Every event that someone must hear about is written to the outbox in the same
//! transaction as the event itself; delivery (push, email, the live stream) reads it from there.

pub mod outbox;
