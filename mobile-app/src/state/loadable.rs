//! The state of anything a screen loads.

use super::error::AppError;

#[derive(Debug, Clone, PartialEq)]
pub enum Loadable<T> {
    Loading,
    Failed(AppError),
    Ready(T),
}

impl<T> Loadable<T> {
    pub fn from_result(result: Result<T, AppError>) -> Self {
        match result {
            Ok(value) => Self::Ready(value),
            Err(error) => Self::Failed(error),
        }
    }
}
