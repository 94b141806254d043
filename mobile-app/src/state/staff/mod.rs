//! What the staff console's screens show and do, one module per screen. Every action is one
//! call of the API as it stands.

mod assignments;
mod confirmations;
mod disputes;
mod money;
mod monitoring;
mod partners;
mod payouts;
mod queue;
mod records;

use shared_types::PageParams;
use shared_types::jobs::{AdminJobFilter, Job};

use crate::state::{AppError, Session};

pub use assignments::*;
pub use confirmations::*;
pub use disputes::*;
pub use money::*;
pub use monitoring::*;
pub use partners::*;
pub use payouts::*;
pub use queue::*;
pub use records::*;

/// The most a list screen loads at once (the API's largest page).
const PAGE: PageParams = PageParams {
    limit: Some(100),
    cursor: None,
};

/// The jobs `filter` selects, newest first (one page).
async fn staff_jobs(session: &Session, filter: AdminJobFilter) -> Result<Vec<Job>, AppError> {
    let page = session
        .call(|c| {
            let filter = filter.clone();
            async move { c.admin_jobs(&filter, &PAGE).await }
        })
        .await?;
    Ok(page.items)
}
