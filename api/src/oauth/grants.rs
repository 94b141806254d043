//! What users allowed apps to do (grants), the codes that prove it once, and the tokens apps
//! act with. Secrets are stored as hashes; every single-use step is a conditional update, so
//! two racing exchanges of one code or one refresh token cannot both win.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::auth::{Role, Scope};
use shared_types::oauth::{ConnectedApp, Introspection, OAuthTokens};
use shared_types::{ErrorCode, Page, PageParams};

use super::apps::AppRow;
use super::{ACCESS_TOKEN_PREFIX, REFRESH_TOKEN_PREFIX, scope_text, stored_scopes};
use crate::auth::extract::{AuthUser, Credential};
use crate::auth::sessions::TokenLifetimes;
use crate::auth::tokens::{hash_secret, random_token};
use crate::db::schema::{oauth_apps, oauth_codes, oauth_grants, oauth_tokens, users};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

/// How long an authorization code can be exchanged.
const CODE_LIFETIME_SECS: i64 = 120;
/// `last_used_at` of a grant is refreshed at most this often.
const LAST_USED_RESOLUTION_SECS: i64 = 60;
/// How long a grant's tag is: it is the part of a token's visible prefix (the first 12
/// characters) that names the grant, so that rate limits count an app's calls for a user together.
const TAG_LEN: usize = 8;

/// The part of a token kept for rate limits: its prefix and its grant's tag.
pub fn visible_prefix(token: &str) -> &str {
    token
        .get(..ACCESS_TOKEN_PREFIX.len() + TAG_LEN)
        .unwrap_or(token)
}

/// A refusal the protocol names (RFC 6749 §5.2): `error` and a description for the developer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub error: &'static str,
    pub description: String,
}

impl Denied {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            description: description.into(),
        }
    }

    fn grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }
}

/// What the consent page hands back: the user allowed `scopes` to `app`.
pub struct Consent<'a> {
    pub app: &'a AppRow,
    pub user_id: &'a str,
    pub scopes: &'a [Scope],
    pub redirect_uri: &'a str,
    pub code_challenge: &'a str,
}

/// Records the consent (one live grant per app and user; a second consent adds scopes to it)
/// and returns a fresh authorization code.
pub fn allow(conn: &mut DbConnection, consent: &Consent, now: NaiveDateTime) -> ApiResult<String> {
    let live: Option<(String, String)> = oauth_grants::table
        .filter(oauth_grants::app_id.eq(&consent.app.id))
        .filter(oauth_grants::user_id.eq(consent.user_id))
        .filter(oauth_grants::revoked_at.is_null())
        .select((oauth_grants::id, oauth_grants::scopes))
        .first(conn)
        .optional()?;
    let grant_id = if let Some((id, scopes)) = live {
        let mut all = stored_scopes(&scopes);
        all.extend_from_slice(consent.scopes);
        diesel::update(oauth_grants::table.find(&id))
            .set(oauth_grants::scopes.eq(scope_text(&all)))
            .execute(conn)?;
        id
    } else {
        let id = db::new_id();
        diesel::insert_into(oauth_grants::table)
            .values((
                oauth_grants::id.eq(&id),
                oauth_grants::app_id.eq(&consent.app.id),
                oauth_grants::user_id.eq(consent.user_id),
                oauth_grants::tag.eq(random_token(6)),
                oauth_grants::scopes.eq(scope_text(consent.scopes)),
                oauth_grants::created_at.eq(now),
            ))
            .execute(conn)?;
        id
    };
    let code = format!("plc_{}", random_token(32));
    diesel::insert_into(oauth_codes::table)
        .values((
            oauth_codes::id.eq(db::new_id()),
            oauth_codes::code_hash.eq(hash_secret(&code)),
            oauth_codes::grant_id.eq(&grant_id),
            oauth_codes::redirect_uri.eq(consent.redirect_uri),
            oauth_codes::scopes.eq(scope_text(consent.scopes)),
            oauth_codes::code_challenge.eq(consent.code_challenge),
            oauth_codes::created_at.eq(now),
            oauth_codes::expires_at.eq(now + chrono::Duration::seconds(CODE_LIFETIME_SECS)),
        ))
        .execute(conn)?;
    Ok(code)
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_grants)]
struct GrantRow {
    id: String,
    app_id: String,
    user_id: String,
    tag: String,
    revoked_at: Option<NaiveDateTime>,
}

/// The code half of the token endpoint (`grant_type=authorization_code`).
pub struct CodeExchange<'a> {
    pub code: &'a str,
    pub redirect_uri: &'a str,
    pub code_verifier: &'a str,
}

/// Exchanges a code for the first pair of tokens. A code works once: presented again, it is
/// refused and every token issued from it is revoked (RFC 6749 §4.1.2).
pub fn exchange_code(
    conn: &mut DbConnection,
    app: &AppRow,
    exchange: &CodeExchange,
    lifetimes: TokenLifetimes,
    now: NaiveDateTime,
) -> ApiResult<Result<OAuthTokens, Denied>> {
    let found: Option<(String, String, String, String, NaiveDateTime, GrantRow)> =
        oauth_codes::table
            .inner_join(oauth_grants::table)
            .filter(oauth_codes::code_hash.eq(hash_secret(exchange.code)))
            .select((
                oauth_codes::id,
                oauth_codes::redirect_uri,
                oauth_codes::scopes,
                oauth_codes::code_challenge,
                oauth_codes::expires_at,
                GrantRow::as_select(),
            ))
            .first(conn)
            .optional()?;
    let Some((code_id, redirect_uri, scopes, challenge, expires_at, grant)) = found else {
        return Ok(Err(Denied::grant("the code is not valid")));
    };
    if grant.app_id != app.id {
        return Ok(Err(Denied::grant("the code is not valid")));
    }
    let first_use = diesel::update(
        oauth_codes::table
            .find(&code_id)
            .filter(oauth_codes::used_at.is_null()),
    )
    .set(oauth_codes::used_at.eq(now))
    .execute(conn)?
        == 1;
    if !first_use {
        revoke_family(conn, &code_id, now)?;
        return Ok(Err(Denied::grant(
            "the code was used already; the tokens issued from it are revoked",
        )));
    }
    if expires_at <= now {
        return Ok(Err(Denied::grant("the code expired; ask the user again")));
    }
    if exchange.redirect_uri != redirect_uri {
        return Ok(Err(Denied::grant(
            "redirect_uri differs from the one the code was sent to",
        )));
    }
    if !pkce_matches(exchange.code_verifier, &challenge) {
        return Ok(Err(Denied::grant(
            "code_verifier does not match the code_challenge",
        )));
    }
    if let Some(refusal) = unusable(conn, &grant)? {
        return Ok(Err(refusal));
    }
    let scopes = stored_scopes(&scopes);
    issue(conn, &grant, &code_id, &scopes, lifetimes, now).map(Ok)
}

/// Exchanges a refresh token for the next pair; `narrower` may ask for fewer scopes. A refresh
/// token works once: presented again (stolen, or replayed), its whole family is revoked.
pub fn refresh(
    conn: &mut DbConnection,
    app: &AppRow,
    refresh_token: &str,
    narrower: Option<&[Scope]>,
    lifetimes: TokenLifetimes,
    now: NaiveDateTime,
) -> ApiResult<Result<OAuthTokens, Denied>> {
    let found: Option<(TokenRow, GrantRow)> = oauth_tokens::table
        .inner_join(oauth_grants::table)
        .filter(oauth_tokens::token_hash.eq(hash_secret(refresh_token)))
        .filter(oauth_tokens::kind.eq("refresh"))
        .select((TokenRow::as_select(), GrantRow::as_select()))
        .first(conn)
        .optional()?;
    let Some((token, grant)) = found else {
        return Ok(Err(Denied::grant("the refresh token is not valid")));
    };
    if grant.app_id != app.id {
        return Ok(Err(Denied::grant("the refresh token is not valid")));
    }
    let first_use = diesel::update(
        oauth_tokens::table
            .find(&token.id)
            .filter(oauth_tokens::used_at.is_null())
            .filter(oauth_tokens::revoked_at.is_null()),
    )
    .set(oauth_tokens::used_at.eq(now))
    .execute(conn)?
        == 1;
    if !first_use {
        if token.used_at.is_some() || token.revoked_at.is_none() {
            revoke_family(conn, &token.family_id, now)?;
            return Ok(Err(Denied::grant(
                "the refresh token was used already; every token of this authorization is \
                 revoked: ask the user again",
            )));
        }
        return Ok(Err(Denied::grant("the refresh token was revoked")));
    }
    if token.expires_at <= now {
        return Ok(Err(Denied::grant(
            "the refresh token expired; ask the user again",
        )));
    }
    if let Some(refusal) = unusable(conn, &grant)? {
        return Ok(Err(refusal));
    }
    let held = stored_scopes(&token.scopes);
    let scopes = match narrower {
        Some(asked) if asked.iter().any(|scope| !held.contains(scope)) => {
            return Ok(Err(Denied::new(
                "invalid_scope",
                "a refresh can keep or narrow the scopes granted, not add to them",
            )));
        }
        Some(asked) => asked.to_vec(),
        None => held,
    };
    issue(conn, &grant, &token.family_id, &scopes, lifetimes, now).map(Ok)
}

/// Why a grant's tokens cannot be issued now: it was revoked, or its user suspended or deleted.
fn unusable(conn: &mut DbConnection, grant: &GrantRow) -> ApiResult<Option<Denied>> {
    if grant.revoked_at.is_some() {
        return Ok(Some(Denied::grant(
            "the user disconnected the app; ask the user again",
        )));
    }
    let (suspended, deleted): (Option<NaiveDateTime>, Option<NaiveDateTime>) = users::table
        .find(&grant.user_id)
        .select((users::suspended_at, users::deleted_at))
        .first(conn)?;
    if suspended.is_some() || deleted.is_some() {
        return Ok(Some(Denied::grant("the account cannot be acted for")));
    }
    Ok(None)
}

/// Whether `verifier` is the PKCE secret behind `challenge` (S256: base64url of its SHA-256,
/// RFC 7636 §4.6), compared in constant time.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    if !pkce_secret_well_formed(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// RFC 7636 §4.1: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
pub fn pkce_secret_well_formed(text: &str) -> bool {
    (43..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An S256 challenge: base64url of 32 bytes, 43 characters.
pub fn pkce_challenge_well_formed(text: &str) -> bool {
    text.len() == 43
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = oauth_tokens)]
struct TokenRow {
    id: String,
    family_id: String,
    kind: String,
    scopes: String,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

fn issue(
    conn: &mut DbConnection,
    grant: &GrantRow,
    family_id: &str,
    scopes: &[Scope],
    lifetimes: TokenLifetimes,
    now: NaiveDateTime,
) -> ApiResult<OAuthTokens> {
    let access = format!("{ACCESS_TOKEN_PREFIX}{}{}", grant.tag, random_token(32));
    let refresh = format!("{REFRESH_TOKEN_PREFIX}{}{}", grant.tag, random_token(32));
    let access_ttl = chrono::Duration::from_std(lifetimes.access).map_err(ApiError::internal)?;
    let refresh_ttl = chrono::Duration::from_std(lifetimes.refresh).map_err(ApiError::internal)?;
    let scope = scope_text(scopes);
    for (kind, secret, ttl) in [
        ("access", &access, access_ttl),
        ("refresh", &refresh, refresh_ttl),
    ] {
        diesel::insert_into(oauth_tokens::table)
            .values((
                oauth_tokens::id.eq(db::new_id()),
                oauth_tokens::grant_id.eq(&grant.id),
                oauth_tokens::family_id.eq(family_id),
                oauth_tokens::kind.eq(kind),
                oauth_tokens::token_hash.eq(hash_secret(secret)),
                oauth_tokens::scopes.eq(&scope),
                oauth_tokens::created_at.eq(now),
                oauth_tokens::expires_at.eq(now + ttl),
            ))
            .execute(conn)?;
    }
    Ok(OAuthTokens {
        access_token: access,
        token_type: "Bearer".to_owned(),
        expires_in: lifetimes.access.as_secs(),
        refresh_token: refresh,
        scope,
    })
}

fn revoke_family(conn: &mut DbConnection, family_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::family_id.eq(family_id))
            .filter(oauth_tokens::revoked_at.is_null()),
    )
    .set(oauth_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// Everything about one token, for the auth extractor, introspection and revocation.
struct Held {
    token: TokenRow,
    grant: GrantRow,
    app_deleted: bool,
    role: Role,
    suspended: bool,
}

impl Held {
    fn works(&self, now: NaiveDateTime) -> bool {
        self.token.revoked_at.is_none()
            && self.token.used_at.is_none()
            && self.token.expires_at > now
            && self.grant.revoked_at.is_none()
            && !self.app_deleted
    }
}

fn held(conn: &mut DbConnection, token: &str) -> ApiResult<Option<Held>> {
    type Found = (
        TokenRow,
        GrantRow,
        Option<NaiveDateTime>,
        Stored<Role>,
        Option<NaiveDateTime>,
        Option<NaiveDateTime>,
    );
    let found: Option<Found> = oauth_tokens::table
        .inner_join(
            oauth_grants::table
                .inner_join(oauth_apps::table)
                .inner_join(users::table),
        )
        .filter(oauth_tokens::token_hash.eq(hash_secret(token)))
        .select((
            TokenRow::as_select(),
            GrantRow::as_select(),
            oauth_apps::deleted_at,
            users::role,
            users::suspended_at,
            users::deleted_at,
        ))
        .first(conn)
        .optional()?;
    Ok(found.map(
        |(token, grant, app_deleted, Stored(role), suspended, deleted)| Held {
            token,
            grant,
            app_deleted: app_deleted.is_some(),
            role,
            suspended: suspended.is_some() || deleted.is_some(),
        },
    ))
}

/// The caller behind an access token, if it works: not expired or revoked, its grant live, its
/// app not deleted and its user not suspended.
pub fn authenticate(
    conn: &mut DbConnection,
    token: &str,
    now: NaiveDateTime,
) -> ApiResult<AuthUser> {
    let invalid = || ApiError::new(ErrorCode::InvalidToken, "the access token is not valid");
    let held = held(conn, token)?.ok_or_else(invalid)?;
    if held.token.kind != "access" || !held.works(now) {
        return Err(invalid());
    }
    if held.suspended {
        return Err(crate::auth::suspension::suspended_error());
    }
    let stale = now - chrono::Duration::seconds(LAST_USED_RESOLUTION_SECS);
    diesel::update(
        oauth_grants::table.find(&held.grant.id).filter(
            oauth_grants::last_used_at
                .is_null()
                .or(oauth_grants::last_used_at.lt(stale)),
        ),
    )
    .set(oauth_grants::last_used_at.eq(now))
    .execute(conn)?;
    Ok(AuthUser {
        user_id: held.grant.user_id.clone(),
        role: held.role,
        session_id: None,
        valid_for: Some((held.token.expires_at - now).to_std().unwrap_or_default()),
        credential: Credential::OAuth {
            token_id: held.token.id,
            app_id: held.grant.app_id,
            scopes: stored_scopes(&held.token.scopes),
        },
    })
}

/// Whether access token `token_id` still works at `now` (a live stream checks as it goes).
pub fn is_active(conn: &mut DbConnection, token_id: &str, now: NaiveDateTime) -> ApiResult<bool> {
    let found: Option<(Option<NaiveDateTime>, NaiveDateTime, Option<NaiveDateTime>)> =
        oauth_tokens::table
            .inner_join(oauth_grants::table)
            .filter(oauth_tokens::id.eq(token_id))
            .select((
                oauth_tokens::revoked_at,
                oauth_tokens::expires_at,
                oauth_grants::revoked_at,
            ))
            .first(conn)
            .optional()?;
    Ok(found.is_some_and(|(revoked, expires, grant_revoked)| {
        revoked.is_none() && expires > now && grant_revoked.is_none()
    }))
}

/// RFC 7662: what a token is, told only to the app it was issued to.
pub fn introspect(
    conn: &mut DbConnection,
    app: &AppRow,
    token: &str,
    issuer: &str,
    now: NaiveDateTime,
) -> ApiResult<Introspection> {
    let Some(held) = held(conn, token)? else {
        return Ok(Introspection::default());
    };
    if held.grant.app_id != app.id || !held.works(now) || held.suspended {
        return Ok(Introspection::default());
    }
    Ok(Introspection {
        active: true,
        scope: Some(held.token.scopes.clone()),
        client_id: Some(app.id.clone()),
        sub: Some(held.grant.user_id.clone()),
        token_type: Some(format!("{}_token", held.token.kind)),
        exp: Some(held.token.expires_at.and_utc().timestamp()),
        iat: Some(held.token.created_at.and_utc().timestamp()),
        iss: Some(issuer.to_owned()),
    })
}

/// RFC 7009: the app gives up a token. A refresh token takes its whole family with it; another
/// app's token, or an unknown one, changes nothing (and the answer is the same).
pub fn revoke(
    conn: &mut DbConnection,
    app: &AppRow,
    token: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let Some(held) = held(conn, token)? else {
        return Ok(());
    };
    if held.grant.app_id != app.id {
        return Ok(());
    }
    if held.token.kind == "refresh" {
        return revoke_family(conn, &held.token.family_id, now);
    }
    diesel::update(
        oauth_tokens::table
            .find(&held.token.id)
            .filter(oauth_tokens::revoked_at.is_null()),
    )
    .set(oauth_tokens::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// The apps the user has connected, most recent first.
pub fn connected(
    conn: &mut DbConnection,
    user_id: &str,
    page: &PageParams,
) -> ApiResult<Page<ConnectedApp>> {
    type Row = (
        String,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        String,
        Option<String>,
    );
    let limit = i64::from(page.limit());
    let mut query = oauth_grants::table
        .inner_join(oauth_apps::table)
        .filter(oauth_grants::user_id.eq(user_id))
        .filter(oauth_grants::revoked_at.is_null())
        .filter(oauth_apps::deleted_at.is_null())
        .select((
            oauth_grants::id,
            oauth_grants::app_id,
            oauth_grants::scopes,
            oauth_grants::created_at,
            oauth_grants::last_used_at,
            oauth_apps::name,
            oauth_apps::logo_url,
        ))
        .order(oauth_grants::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(oauth_grants::id.lt(cursor));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    Ok(Page {
        items: rows
            .into_iter()
            .map(
                |(id, app_id, scopes, connected, last_used, app_name, logo_url)| ConnectedApp {
                    id,
                    app_id,
                    app_name,
                    logo_url,
                    scopes: stored_scopes(&scopes),
                    connected_at: connected.and_utc(),
                    last_used_at: last_used.map(|at| at.and_utc()),
                },
            )
            .collect(),
        next_cursor,
    })
}

/// The user ends a connection: the app's tokens stop working at once.
pub fn disconnect(
    conn: &mut DbConnection,
    user_id: &str,
    grant_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let ended = diesel::update(
        oauth_grants::table
            .filter(oauth_grants::id.eq(grant_id))
            .filter(oauth_grants::user_id.eq(user_id))
            .filter(oauth_grants::revoked_at.is_null()),
    )
    .set(oauth_grants::revoked_at.eq(now))
    .execute(conn)?;
    if ended == 0 {
        return Err(ApiError::not_found("connected app"));
    }
    Ok(())
}

/// A deleted account: its grants and their tokens go, and so do the apps it registered (with
/// every other user's grants to them).
pub fn erase_for_user(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    let own_apps = oauth_apps::table
        .filter(oauth_apps::owner_id.eq(user_id))
        .select(oauth_apps::id);
    let grants: Vec<String> = oauth_grants::table
        .filter(
            oauth_grants::user_id
                .eq(user_id)
                .or(oauth_grants::app_id.eq_any(own_apps)),
        )
        .select(oauth_grants::id)
        .load(conn)?;
    diesel::delete(oauth_tokens::table.filter(oauth_tokens::grant_id.eq_any(&grants)))
        .execute(conn)?;
    diesel::delete(oauth_codes::table.filter(oauth_codes::grant_id.eq_any(&grants)))
        .execute(conn)?;
    diesel::delete(oauth_grants::table.filter(oauth_grants::id.eq_any(&grants))).execute(conn)?;
    diesel::delete(oauth_apps::table.filter(oauth_apps::owner_id.eq(user_id))).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_follows_rfc_7636() {
        // RFC 7636 Appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_challenge_well_formed(challenge));
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        assert!(!pkce_matches("short", challenge));
        assert!(!pkce_secret_well_formed(&"a".repeat(129)));
        assert!(!pkce_secret_well_formed(&format!("{}!", "a".repeat(43))));
        assert!(!pkce_challenge_well_formed("plain-challenge"));
    }
}
