//! Dioxus components: one module per screen. Each screen has a connected component
//! (`…Screen`: loads through the session, runs actions) and a view (`…Page`/`…View`) that only
//! renders what it is given, so every state renders in tests without a server.

pub mod account;
pub mod app;
pub mod auth;
pub mod conversations;
pub mod customer;
pub mod jobs;
pub mod kit;
pub mod partner;
pub mod photos;
pub mod places;
pub mod push;
pub mod settings;
pub mod staff;
pub mod statement;

pub use app::App;
