//! The app installs that receive push alerts. A token belongs to one user at a time:
//! registering it again (someone else signed in on that phone) moves it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::notify::{Device, DeviceInput, Platform};

use crate::db::schema::devices;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: String,
    pub user_id: String,
    pub token: String,
    #[diesel(deserialize_as = Stored<Platform>)]
    pub platform: Platform,
    pub app_version: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl DeviceRow {
    fn to_view(&self) -> Device {
        Device {
            id: self.id.clone(),
            platform: self.platform,
            app_version: self.app_version.clone(),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

/// Registers (or re-registers) the caller's device. Run inside a write transaction.
pub fn register(
    conn: &mut DbConnection,
    user_id: &str,
    input: &DeviceInput,
    now: NaiveDateTime,
) -> ApiResult<Device> {
    let token = input.token.trim();
    let moved = diesel::update(devices::table.filter(devices::token.eq(token)))
        .set((
            devices::user_id.eq(user_id),
            devices::platform.eq(input.platform.as_str()),
            devices::app_version.eq(&input.app_version),
            devices::updated_at.eq(now),
        ))
        .execute(conn)?;
    if moved == 0 {
        diesel::insert_into(devices::table)
            .values((
                devices::id.eq(db::new_id()),
                devices::user_id.eq(user_id),
                devices::token.eq(token),
                devices::platform.eq(input.platform.as_str()),
                devices::app_version.eq(&input.app_version),
                devices::created_at.eq(now),
                devices::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let row: DeviceRow = devices::table
        .filter(devices::token.eq(token))
        .select(DeviceRow::as_select())
        .first(conn)?;
    Ok(row.to_view())
}

/// The caller's devices, newest first.
pub fn list_own(conn: &mut DbConnection, user_id: &str) -> ApiResult<Vec<Device>> {
    let rows: Vec<DeviceRow> = devices::table
        .filter(devices::user_id.eq(user_id))
        .order(devices::id.desc())
        .select(DeviceRow::as_select())
        .load(conn)?;
    Ok(rows.iter().map(DeviceRow::to_view).collect())
}

/// Forgets one of the caller's devices; anyone else's is "not found".
pub fn delete_own(conn: &mut DbConnection, user_id: &str, device_id: &str) -> ApiResult<()> {
    let deleted = diesel::delete(
        devices::table
            .filter(devices::id.eq(device_id))
            .filter(devices::user_id.eq(user_id)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ApiError::not_found("device"));
    }
    Ok(())
}

/// Every device of `user_id`, for delivery.
pub fn of_users(conn: &mut DbConnection, user_ids: &[String]) -> ApiResult<Vec<DeviceRow>> {
    Ok(devices::table
        .filter(devices::user_id.eq_any(user_ids))
        .order(devices::id.asc())
        .select(DeviceRow::as_select())
        .load(conn)?)
}

/// Forgets a device FCM says is gone.
pub fn forget(conn: &mut DbConnection, device_id: &str) -> ApiResult<()> {
    diesel::delete(devices::table.find(device_id)).execute(conn)?;
    Ok(())
}
