//! Scopes as API keys and OAuth grants store them: sorted, once each, space-separated (also how
//! the OAuth protocol writes them).

use shared_types::auth::Scope;

pub fn scope_text(scopes: &[Scope]) -> String {
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    scopes
        .iter()
        .map(|scope| scope.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Stored scopes back (unknown words are dropped: they grant nothing).
pub fn stored_scopes(text: &str) -> Vec<Scope> {
    text.split_whitespace().filter_map(Scope::parse).collect()
}
