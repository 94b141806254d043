//! View-models: plain Rust over the typed client of shared-types. No UI types here; each screen
//! of `ui` shows what these hold and calls these functions.

pub mod account;
pub mod conversations;
pub mod customer;
pub mod error;
pub mod format;
pub mod jobs;
pub mod loadable;
pub mod nav;
pub mod partner;
pub mod photos;
pub mod push;
pub mod session;
pub mod staff;
pub mod statement;

pub use error::AppError;
pub use loadable::Loadable;
pub use nav::Screen;
pub use session::Session;
