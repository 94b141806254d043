//! Where the photos' bytes are kept: the local filesystem by default, any S3-compatible store in
//! production (`OBJECT_STORE_URL`), both through the `object_store` crate. Each photo is two
//! objects, `photos/{id}/full` and `photos/{id}/thumb`.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::ObjectStoreUrl;
use crate::error::{ApiError, ApiResult};

/// Which of a photo's two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// The photo, at most 2560 pixels on its longer side.
    Full,
    /// The thumbnail, at most 400 pixels on its longer side.
    Thumb,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Thumb => "thumb",
        }
    }
}

#[derive(Clone)]
pub struct PhotoStore {
    inner: Arc<dyn ObjectStore>,
}

impl PhotoStore {
    /// Opens the store `OBJECT_STORE_URL` names (a local directory is created if missing).
    pub fn open(url: &ObjectStoreUrl) -> Result<Self, String> {
        let inner: Arc<dyn ObjectStore> = match url {
            ObjectStoreUrl::Local(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(dir)
                        .map_err(|error| format!("{}: {error}", dir.display()))?,
                )
            }
            ObjectStoreUrl::S3 {
                bucket_url,
                options,
            } => {
                let mut builder = AmazonS3Builder::from_env().with_url(bucket_url);
                for (key, value) in options {
                    let key: AmazonS3ConfigKey = key
                        .parse()
                        .map_err(|_| format!("OBJECT_STORE_URL: unknown S3 option {key:?}"))?;
                    builder = builder.with_config(key, value);
                }
                Arc::new(builder.build().map_err(|error| error.to_string())?)
            }
        };
        Ok(Self { inner })
    }

    fn path(id: &str, variant: Variant) -> Path {
        Path::from(format!("photos/{id}/{}", variant.as_str()))
    }

    pub async fn put(&self, id: &str, variant: Variant, bytes: Vec<u8>) -> ApiResult<()> {
        self.inner
            .put(&Self::path(id, variant), PutPayload::from(bytes))
            .await
            .map_err(|error| ApiError::internal(format!("object store: {error}")))?;
        Ok(())
    }

    /// The object's bytes as they come from the store; `None` when it is not there.
    pub async fn get(
        &self,
        id: &str,
        variant: Variant,
    ) -> ApiResult<Option<BoxStream<'static, Result<Bytes, ApiError>>>> {
        match self.inner.get(&Self::path(id, variant)).await {
            Ok(result) => Ok(Some(
                result
                    .into_stream()
                    .map_err(|error| ApiError::internal(format!("object store: {error}")))
                    .boxed(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(ApiError::internal(format!("object store: {error}"))),
        }
    }

    /// Removes both of a photo's objects; one already gone is not an error.
    pub async fn delete(&self, id: &str) -> ApiResult<()> {
        for variant in [Variant::Full, Variant::Thumb] {
            match self.inner.delete(&Self::path(id, variant)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(error) => return Err(ApiError::internal(format!("object store: {error}"))),
            }
        }
        Ok(())
    }
}
