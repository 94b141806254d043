//! Registered apps: a developer's own list, and how the token endpoint knows which app calls.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::oauth::{CreatedOAuthApp, OAuthApp, OAuthAppInput};
use shared_types::{Page, PageParams};
use subtle::ConstantTimeEq;

use super::{CLIENT_SECRET_PREFIX, scope_text, stored_scopes};
use crate::auth::tokens::{hash_secret, random_token};
use crate::db::schema::{oauth_apps, oauth_grants};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = oauth_apps)]
pub struct AppRow {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    redirect_uris: String,
    pub logo_url: Option<String>,
    scopes: String,
    secret_hash: Option<String>,
    created_at: NaiveDateTime,
}

impl AppRow {
    pub fn redirect_uris(&self) -> impl Iterator<Item = &str> {
        self.redirect_uris.lines()
    }

    pub fn scopes(&self) -> Vec<shared_types::auth::Scope> {
        stored_scopes(&self.scopes)
    }

    pub fn confidential(&self) -> bool {
        self.secret_hash.is_some()
    }

    /// Whether `secret` is this app's client secret (compared in constant time, as hashes).
    pub fn secret_matches(&self, secret: &str) -> bool {
        self.secret_hash.as_deref().is_some_and(|stored| {
            bool::from(stored.as_bytes().ct_eq(hash_secret(secret).as_bytes()))
        })
    }

    fn to_view(&self) -> OAuthApp {
        OAuthApp {
            id: self.id.clone(),
            name: self.name.clone(),
            redirect_uris: self.redirect_uris().map(str::to_owned).collect(),
            logo_url: self.logo_url.clone(),
            scopes: self.scopes(),
            confidential: self.confidential(),
            created_at: self.created_at.and_utc(),
        }
    }
}

pub fn register(
    conn: &mut DbConnection,
    owner_id: &str,
    input: &OAuthAppInput,
    now: NaiveDateTime,
) -> ApiResult<CreatedOAuthApp> {
    let secret = input
        .confidential
        .then(|| format!("{CLIENT_SECRET_PREFIX}{}", random_token(32)));
    let mut redirect_uris: Vec<&str> = Vec::new();
    for uri in &input.redirect_uris {
        if !redirect_uris.contains(&uri.as_str()) {
            redirect_uris.push(uri);
        }
    }
    let row = AppRow {
        id: db::new_id(),
        owner_id: owner_id.to_owned(),
        name: input.name.trim().to_owned(),
        redirect_uris: redirect_uris.join("\n"),
        logo_url: input.logo_url.clone(),
        scopes: scope_text(&input.scopes),
        secret_hash: secret.as_deref().map(hash_secret),
        created_at: now,
    };
    diesel::insert_into(oauth_apps::table)
        .values((
            oauth_apps::id.eq(&row.id),
            oauth_apps::owner_id.eq(&row.owner_id),
            oauth_apps::name.eq(&row.name),
            oauth_apps::redirect_uris.eq(&row.redirect_uris),
            oauth_apps::logo_url.eq(&row.logo_url),
            oauth_apps::scopes.eq(&row.scopes),
            oauth_apps::secret_hash.eq(&row.secret_hash),
            oauth_apps::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    Ok(CreatedOAuthApp {
        app: row.to_view(),
        client_secret: secret,
    })
}

/// The developer's apps, oldest first.
pub fn list_own(
    conn: &mut DbConnection,
    owner_id: &str,
    page: &PageParams,
) -> ApiResult<Page<OAuthApp>> {
    let limit = i64::from(page.limit());
    let mut query = oauth_apps::table
        .filter(oauth_apps::owner_id.eq(owner_id))
        .filter(oauth_apps::deleted_at.is_null())
        .select(AppRow::as_select())
        .order(oauth_apps::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(cursor) = &page.cursor {
        query = query.filter(oauth_apps::id.gt(cursor));
    }
    let rows: Vec<AppRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    Ok(Page {
        items: rows.iter().map(AppRow::to_view).collect(),
        next_cursor,
    })
}

/// Deletes one of the developer's apps: every user's grant to it ends, and with it every token.
pub fn delete(
    conn: &mut DbConnection,
    owner_id: &str,
    app_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let deleted = diesel::update(
        oauth_apps::table
            .filter(oauth_apps::id.eq(app_id))
            .filter(oauth_apps::owner_id.eq(owner_id))
            .filter(oauth_apps::deleted_at.is_null()),
    )
    .set(oauth_apps::deleted_at.eq(now))
    .execute(conn)?;
    if deleted == 0 {
        return Err(ApiError::not_found("app"));
    }
    diesel::update(
        oauth_grants::table
            .filter(oauth_grants::app_id.eq(app_id))
            .filter(oauth_grants::revoked_at.is_null()),
    )
    .set(oauth_grants::revoked_at.eq(now))
    .execute(conn)?;
    Ok(())
}

/// A live (not deleted) app by its `client_id`.
pub fn find_live(conn: &mut DbConnection, client_id: &str) -> ApiResult<Option<AppRow>> {
    Ok(oauth_apps::table
        .filter(oauth_apps::id.eq(client_id))
        .filter(oauth_apps::deleted_at.is_null())
        .select(AppRow::as_select())
        .first(conn)
        .optional()?)
}
