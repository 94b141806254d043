//! The partner's screens.

pub mod connections;
pub mod lead;
pub mod leads;
pub mod onboarding;
pub mod portfolio;
pub mod ratings;
pub mod wallet;
