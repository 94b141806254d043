//! Photos: uploaded on their own, re-encoded without metadata, kept in the object store, attached
//! once to a message, a request, a completion, a dispute or a portfolio, and read through
//! short-lived signed links made for one viewer.

mod handlers;
pub mod links;
pub mod model;
pub mod processing;
pub mod store;
mod upload;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::Settings;
pub use links::PhotoLinks;
pub use model::{AttachedTo, PhotoViews};
pub use store::PhotoStore;

/// Where photos are kept and how links to them are signed.
#[derive(Clone)]
pub struct Photos {
    pub store: PhotoStore,
    pub links: PhotoLinks,
    /// Uploads decoded at once, at most one per core: each may take a few hundred MiB while its
    /// pixels are in memory, and more at once would only queue for the cores anyway.
    pub decoding: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Photos {
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        Ok(Self {
            store: PhotoStore::open(&settings.object_store)?,
            links: PhotoLinks::from_settings(settings),
            decoding: std::sync::Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            )),
        })
    }

    /// How photos are shown in an answer made now.
    pub fn views(&self, now: chrono::NaiveDateTime) -> PhotoViews {
        PhotoViews::new(&self.links, now)
    }
}

/// How long an upload may wait to be attached before it is removed.
pub const UNATTACHED_FOR: chrono::Duration = chrono::Duration::hours(24);

/// The retention sweep's part: removes abandoned uploads, then deletes from the store the
/// objects of every removed photo. Returns (photos removed, objects deleted).
pub async fn sweep(state: &crate::state::AppState) -> crate::error::ApiResult<(usize, usize)> {
    let now = state.clock.now();
    let cutoff = now - UNATTACHED_FOR;
    let abandoned = state
        .write(move |conn| model::remove_abandoned(conn, cutoff, now))
        .await?;
    let mut deleted = 0;
    loop {
        let batch = state.db(|conn| model::queued_removals(conn, 100)).await?;
        if batch.is_empty() {
            return Ok((abandoned, deleted));
        }
        for id in &batch {
            state.photos.store.delete(id).await?;
        }
        deleted += batch.len();
        state
            .write(move |conn| model::removed(conn, &batch))
            .await?;
    }
}

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::upload_photo)
        .service(handlers::fetch_photo)
        .service(handlers::request_photos)
        .service(handlers::lead_photos)
        .service(handlers::job_photos)
        .service(handlers::admin_job_photos)
        // `/partners/me/portfolio` before `/partners/{id}/portfolio`, which would take `me` as an
        // id (and answer 405 for a POST with `Allow: GET`).
        .service(handlers::add_portfolio_photo)
        .service(handlers::remove_portfolio_photo)
        .service(handlers::portfolio);
}
