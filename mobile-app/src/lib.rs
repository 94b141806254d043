//! Porchlight's partner and customer app, and the staff console (the same app, signed in as staff).
//!
//! - [`state`]: view-models: plain Rust over the typed client of `shared-types`, one session store.
//! - [`ui`]: Dioxus components, one module per screen, on one stylesheet (`assets/app.css`).
//! - The launcher (`src/main.rs`) starts them on a platform (`desktop`, `mobile`, `liveview`).

#[cfg(feature = "liveview")]
pub mod liveview;
pub mod state;
#[allow(
    unused_qualifications,
    reason = "rsx! expands event handlers into fully qualified paths"
)]
pub mod ui;
