//! Accounts: creating them, finding them, showing them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use shared_types::account::ProfileUpdate;
use shared_types::auth::{RegisterRequest, Role, SignupRole, User};
use shared_types::{ErrorCode, Page, PageParams};

use crate::db::schema::users;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub name: String,
    #[diesel(deserialize_as = Stored<Role>, serialize_as = Stored<Role>)]
    pub role: Role,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Set by staff (see `ratings::monitoring`): no new sessions.
    pub suspended_at: Option<NaiveDateTime>,
    pub suspension_reason: Option<String>,
    /// Moves on at each password change or reset: access tokens of earlier epochs are refused.
    pub session_epoch: i32,
    /// Set when the email address was confirmed through an emailed link.
    pub email_verified_at: Option<NaiveDateTime>,
    pub phone: Option<String>,
    /// Set when `phone` was confirmed with an SMS code; cleared when it changes.
    pub phone_verified_at: Option<NaiveDateTime>,
    pub locale: String,
    /// Set when the person deleted the account (its personal data is erased).
    pub deleted_at: Option<NaiveDateTime>,
}

impl UserRow {
    pub fn role(&self) -> ApiResult<Role> {
        Ok(self.role)
    }

    pub fn to_view(&self) -> ApiResult<User> {
        Ok(User {
            id: self.id.clone(),
            email: self.email.clone(),
            name: self.name.clone(),
            role: self.role()?,
            created_at: self.created_at.and_utc(),
            email_verified: self.email_verified_at.is_some(),
            phone: self.phone.clone(),
            phone_verified: self.phone_verified_at.is_some(),
            locale: self.locale.clone(),
            suspended_at: self.suspended_at.map(|at| at.and_utc()),
            suspension_reason: self.suspension_reason.clone(),
            deleted_at: self.deleted_at.map(|at| at.and_utc()),
        })
    }

    /// The phone number a pro may be given: only a confirmed one.
    pub fn verified_phone(&self) -> Option<&str> {
        self.phone_verified_at.and(self.phone.as_deref())
    }
}

/// Emails are compared case-insensitively: stored trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Inserts an account. `password_hash` comes from `password::hash_password`; `email` must be
/// normalised. A taken email (even in a race: the unique index decides) -> 409 `email_taken`.
pub fn create_user(
    conn: &mut DbConnection,
    email: &str,
    password_hash: String,
    name: &str,
    role: Role,
    now: NaiveDateTime,
) -> ApiResult<UserRow> {
    let row = UserRow {
        id: db::new_id(),
        email: email.to_owned(),
        password_hash,
        name: name.trim().to_owned(),
        role,
        created_at: now,
        updated_at: now,
        suspended_at: None,
        suspension_reason: None,
        session_epoch: 0,
        // Staff accounts are made by an operator, who vouches for the address.
        email_verified_at: (role == Role::Staff).then_some(now),
        phone: None,
        phone_verified_at: None,
        locale: shared_types::account::LOCALES[0].to_owned(),
        deleted_at: None,
    };
    match diesel::insert_into(users::table)
        .values(row.clone())
        .execute(conn)
    {
        Ok(_) => Ok(row),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(ApiError::new(
                ErrorCode::EmailTaken,
                "an account with this email already exists",
            ))
        }
        Err(other) => Err(other.into()),
    }
}

/// Applies a profile edit (name, locale) and returns the account as it now is. Run inside a
/// write transaction.
pub fn update_profile(
    conn: &mut DbConnection,
    user_id: &str,
    update: &ProfileUpdate,
    now: NaiveDateTime,
) -> ApiResult<UserRow> {
    if let Some(name) = &update.name {
        diesel::update(users::table.find(user_id))
            .set(users::name.eq(name.trim()))
            .execute(conn)?;
    }
    if let Some(locale) = &update.locale {
        diesel::update(users::table.find(user_id))
            .set(users::locale.eq(locale))
            .execute(conn)?;
    }
    diesel::update(users::table.find(user_id))
        .set(users::updated_at.eq(now))
        .execute(conn)?;
    find_by_id(conn, user_id)
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> ApiResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Takes the account's row lock (a no-op update), so that changes to one person's standing take
/// turns.
pub fn lock(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::updated_at.eq(users::updated_at))
        .execute(conn)?;
    Ok(())
}

pub fn find_by_id(conn: &mut DbConnection, id: &str) -> ApiResult<UserRow> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("user"))
}

/// Makes a staff account (the `create-staff` command); the same rules as a sign-up.
pub fn create_staff(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    name: &str,
) -> ApiResult<User> {
    use validator::Validate;
    RegisterRequest {
        email: email.to_owned(),
        password: password.to_owned(),
        name: name.to_owned(),
        role: SignupRole::Customer,
    }
    .validate()?;
    let hash = super::password::hash_password(password)?;
    let email = normalize_email(email);
    db::write_transaction(conn, |conn| {
        create_user(conn, &email, hash, name, Role::Staff, db::now())
    })?
    .to_view()
}

/// Accounts in creation order (ids are UUIDv7), optionally of one role.
pub fn list_users(
    conn: &mut DbConnection,
    role: Option<Role>,
    page: &PageParams,
) -> ApiResult<Page<User>> {
    let limit = i64::from(page.limit());
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(role) = role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(users::id.gt(cursor));
    }
    let rows: Vec<UserRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.id.clone());
    Ok(Page {
        items: rows
            .iter()
            .map(UserRow::to_view)
            .collect::<ApiResult<_>>()?,
        next_cursor,
    })
}
