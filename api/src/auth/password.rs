//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's minimum).
//! Hashing is slow on purpose: callers run it on the blocking pool, never on the executor.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::{ApiError, ApiResult};

pub fn hash_password(password: &str) -> ApiResult<String> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(ApiError::internal)?;
    Ok(hash.to_string())
}

/// True when `password` matches `stored`. With no stored hash (unknown email) it still spends
/// the same time on a dummy hash, so response times do not reveal which emails exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_salt_differs() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&a)));
        assert!(!verify_password("wrong horse battery", Some(&a)));
        assert!(!verify_password("dummy password for timing", None));
    }
}
