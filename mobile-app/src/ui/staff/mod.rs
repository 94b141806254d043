//! The staff console: the same app, wide, with a side menu. Each screen is one part of the
//! staff's day (seeds 000, 001, 002).

pub mod assignments;
pub mod catalogue;
pub mod confirmations;
pub mod disputes;
pub mod money;
pub mod monitoring;
pub mod partners;
pub mod payouts;
pub mod queue;
pub mod records;
