//! What a screen can show when something goes wrong: a sentence for people, plus the API's
//! per-field messages so forms can show them next to the fields.

use std::collections::BTreeMap;

use shared_types::{ClientError, ErrorCode};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AppError {
    /// The session ended (signed out, or the refresh was refused): sign in again.
    #[error("Your session has ended. Please sign in again.")]
    SignedOut,
    /// The API refused the request.
    #[error("{message}")]
    Api {
        code: ErrorCode,
        message: String,
        /// Field path (`address.city`, `windows`) -> messages.
        fields: BTreeMap<String, Vec<String>>,
    },
    /// The API could not be reached.
    #[error("Can't reach Porchlight. Check your connection and try again.")]
    Offline,
    /// Something the app cannot explain better.
    #[error("Something went wrong: {0}")]
    Unexpected(String),
}

impl AppError {
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The messages for one field (or for any field under it: `address` covers `address.city`).
    /// Whether the API named fields (their messages go next to the fields).
    pub fn has_field_errors(&self) -> bool {
        matches!(self, Self::Api { fields, .. } if !fields.is_empty())
    }

    pub fn field(&self, name: &str) -> Option<String> {
        let Self::Api { fields, .. } = self else {
            return None;
        };
        let messages: Vec<&str> = fields
            .iter()
            .filter(|(path, _)| {
                path.as_str() == name
                    || path
                        .strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
            .flat_map(|(_, messages)| messages.iter().map(String::as_str))
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }

    /// The messages for this field alone (`address`, not `address.city`).
    pub fn exact_field(&self, name: &str) -> Option<String> {
        let Self::Api { fields, .. } = self else {
            return None;
        };
        fields.get(name).map(|messages| messages.join("; "))
    }

    /// No per-field messages (the whole error belongs at the form's foot).
    pub fn fields_empty(&self) -> bool {
        !matches!(self, Self::Api { fields, .. } if !fields.is_empty())
    }

    /// A field-level error made by the app itself (e.g. an amount that is not a number).
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Api {
            code: ErrorCode::ValidationFailed,
            message: "Please check the highlighted fields.".into(),
            fields: BTreeMap::from([(field.to_owned(), vec![message.to_owned()])]),
        }
    }
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Api(problem) => {
                let message = match problem.code {
                    ErrorCode::ValidationFailed if !problem.errors.is_empty() => {
                        "Please check the highlighted fields.".to_owned()
                    }
                    _ => problem
                        .detail
                        .clone()
                        .unwrap_or_else(|| problem.title.clone()),
                };
                Self::Api {
                    code: problem.code,
                    message,
                    fields: problem.errors,
                }
            }
            ClientError::Transport(_) => Self::Offline,
            ClientError::UnexpectedResponse { status, .. } => {
                Self::Unexpected(format!("the server answered {status}"))
            }
            ClientError::InvalidId(id) => Self::Unexpected(format!("{id:?} is not an id")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_messages_cover_nested_paths() {
        let error = AppError::Api {
            code: ErrorCode::ValidationFailed,
            message: "x".into(),
            fields: BTreeMap::from([
                ("address.city".to_owned(), vec!["required".to_owned()]),
                ("windows[0]".to_owned(), vec!["in the past".to_owned()]),
                ("addressee".to_owned(), vec!["other".to_owned()]),
            ]),
        };
        assert_eq!(error.field("address").as_deref(), Some("required"));
        assert_eq!(error.field("windows").as_deref(), Some("in the past"));
        assert_eq!(error.field("description"), None);
    }
}
