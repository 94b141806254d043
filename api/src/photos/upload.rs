//! An upload's way in: the body is streamed to a temporary file, counted as it comes (never held
//! whole in memory), then decoded and re-encoded off the async workers, then both images are put
//! in the store, and only then is the row written, so that a row never names missing objects.

use std::io::{Seek, SeekFrom, Write};

use actix_web::web;
use futures_util::StreamExt;
use shared_types::ErrorCode;
use shared_types::photos::Photo;

use super::model::PhotoRow;
use super::processing;
use super::store::Variant;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!("a photo may be at most {limit} bytes"),
    )
}

/// Writes the body to an unnamed temporary file, refusing it (413) once it passes `limit`.
async fn spool(mut body: web::Payload, limit: u64) -> ApiResult<std::fs::File> {
    let mut file = tempfile::tempfile().map_err(ApiError::internal)?;
    let mut received: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| {
            ApiError::new(
                ErrorCode::MalformedJson,
                format!("the upload was cut off: {error}"),
            )
        })?;
        received += chunk.len() as u64;
        if received > limit {
            return Err(too_large(limit));
        }
        // A page-cache write of one chunk: shorter than a hop to the blocking pool.
        file.write_all(&chunk).map_err(ApiError::internal)?;
    }
    if received == 0 {
        return Err(ApiError::invalid_field("file", "the upload is empty"));
    }
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    Ok(file)
}

/// Receives, checks, re-encodes and stores one photo for `owner_id`; it is theirs, attached to
/// nothing, until they attach it.
pub async fn receive(
    state: &AppState,
    owner_id: String,
    declared_length: Option<u64>,
    body: web::Payload,
) -> ApiResult<Photo> {
    let limit = state.settings.max_upload_bytes;
    if declared_length.is_some_and(|length| length > limit) {
        return Err(too_large(limit));
    }
    let file = spool(body, limit).await?;
    let _turn = state
        .photos
        .decoding
        .acquire()
        .await
        .map_err(ApiError::internal)?;
    let processed = web::block(move || processing::process(file))
        .await
        .map_err(ApiError::internal)??;

    let id = db::new_id();
    let full_size = processed.full.len();
    let thumb_size = processed.thumb.len();
    let (full, thumb) = futures_util::join!(
        state.photos.store.put(&id, Variant::Full, processed.full),
        state.photos.store.put(&id, Variant::Thumb, processed.thumb),
    );
    full.and(thumb)?;

    let now = state.clock.now();
    let row = PhotoRow {
        id: id.clone(),
        owner_id: owner_id.clone(),
        content_type: processed.content_type.to_owned(),
        byte_size: i64::try_from(full_size).unwrap_or(i64::MAX),
        width: i32::try_from(processed.width).unwrap_or(i32::MAX),
        height: i32::try_from(processed.height).unwrap_or(i32::MAX),
        thumb_byte_size: i64::try_from(thumb_size).unwrap_or(i64::MAX),
        created_at: now,
        attached_to: None,
        attached_id: None,
        position: 0,
        caption: None,
        attached_at: None,
    };
    let inserted = state
        .write({
            let row = row.clone();
            move |conn| super::model::insert(conn, &row)
        })
        .await;
    if let Err(error) = inserted {
        let _ = state.photos.store.delete(&id).await;
        return Err(error);
    }
    Ok(state.photos.views(now).show(&[row]).remove(0))
}
