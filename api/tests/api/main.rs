//! Integration tests: the real service on 127.0.0.1, a fresh database per test (SQLite always;
//! PostgreSQL when TEST_DATABASE_URL is set), driven over HTTP through the typed client.

mod auth;
mod authz;
mod cli;
mod client;
mod errors;
mod events;
mod fake_google;
mod fake_smtp;
mod fake_stripe;
mod harness;
mod inbox;
mod jobs;
mod leads;
mod limits;
mod money;
mod notify;
mod openapi;
mod partners;
mod passwords;
mod ratings;
mod retention;
mod schema;
mod suspension;
mod webhook_receiver;
mod webhooks;
