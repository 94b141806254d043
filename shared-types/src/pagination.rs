//! Cursor pagination shared by every list endpoint.

use serde::{Deserialize, Serialize};
use validator::Validate;

/// Default page size when `limit` is absent.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;

/// `?limit=&cursor=` on list endpoints. Pass the previous page's `next_cursor` to get the next one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageParams {
    /// How many items at most (1..=100, default 50).
    #[validate(range(min = 1, max = 100))]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Opaque cursor from the previous page.
    #[validate(length(max = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_PAGE_LIMIT)
    }
}

/// One page of a list, in a stable order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page, in the list's order; empty when there are none.
    pub items: Vec<T>,
    /// Cursor of the next page; `null` on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// Validates a list of ids from a request body: each 1 to 64 characters (see [`Id`]), counted
/// as the contract's `maxLength` counts them (characters, not bytes).
pub fn ids(values: &[String]) -> Result<(), validator::ValidationError> {
    if values
        .iter()
        .all(|id| (1..=64).contains(&id.chars().count()))
    {
        Ok(())
    } else {
        let mut error = validator::ValidationError::new("ids");
        error.message = Some("ids are 1 to 64 characters".into());
        Err(error)
    }
}

/// The contract's shape of an id in a request body: 1 to 64 characters.
#[cfg(feature = "openapi")]
pub struct Id;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Id {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .min_length(Some(1))
            .max_length(Some(64))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Id {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_1_to_64_characters_not_bytes() {
        let wide = "𝕿".repeat(64);
        assert!(wide.len() > 64);
        assert!(ids(&[wide]).is_ok(), "64 characters of 4 bytes each");
        assert!(ids(&["𝕿".repeat(65)]).is_err());
        assert!(ids(&[String::new()]).is_err());
    }
}
