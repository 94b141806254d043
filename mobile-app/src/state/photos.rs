//! Photos a person picks on their phone (camera or library): read from the file input, uploaded
//! at once (the API re-encodes them without their metadata), then sent by id with a message.

use shared_types::photos::Photo;

use super::error::AppError;
use super::session::Session;

/// A file picked from the phone: its bytes and the type the browser gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Picked {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Uploads one picked file; the API answers with the stored photo and its links.
pub async fn upload(session: &Session, picked: Picked) -> Result<Photo, AppError> {
    session
        .call(|c| {
            let picked = picked.clone();
            async move { c.upload_photo(picked.bytes, &picked.content_type).await }
        })
        .await
}

/// The ids of photos waiting to be sent, in the order they were picked.
pub fn ids(photos: &[Photo]) -> Vec<String> {
    photos.iter().map(|photo| photo.id.clone()).collect()
}
