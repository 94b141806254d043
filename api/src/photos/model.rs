//! Photo rows: who uploaded each, what it is attached to, who may see it, and how it looks to a
//! viewer (with signed links made for them).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use shared_types::photos::{PORTFOLIO_MAX, Photo, PortfolioPhotoInput};

use super::links::{Audience, PhotoLinks};
use super::store::Variant;
use crate::db::DbConnection;
use crate::db::schema::{messages, photo_removals, photos};
use crate::error::{ApiError, ApiResult};

/// What a photo belongs to; `attached_id` names which one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachedTo {
    /// A message (`messages.id`).
    Message,
    /// A request, what needs doing (`service_requests.id`).
    Request,
    /// A job's completion, the pro's proof (`jobs.id`).
    Completion,
    /// A job's dispute, the customer's evidence (`jobs.id`).
    Dispute,
    /// A pro's public portfolio (the pro's user id).
    Portfolio,
}

impl AttachedTo {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Request => "request",
            Self::Completion => "completion",
            Self::Dispute => "dispute",
            Self::Portfolio => "portfolio",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        [
            Self::Message,
            Self::Request,
            Self::Completion,
            Self::Dispute,
            Self::Portfolio,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == value)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = photos)]
pub struct PhotoRow {
    pub id: String,
    pub owner_id: String,
    pub content_type: String,
    pub byte_size: i64,
    pub width: i32,
    pub height: i32,
    pub thumb_byte_size: i64,
    pub created_at: NaiveDateTime,
    pub attached_to: Option<String>,
    pub attached_id: Option<String>,
    pub position: i32,
    pub caption: Option<String>,
    pub attached_at: Option<NaiveDateTime>,
}

impl PhotoRow {
    pub fn attached(&self) -> Option<(AttachedTo, &str)> {
        let kind = AttachedTo::parse(self.attached_to.as_deref()?)?;
        Some((kind, self.attached_id.as_deref()?))
    }

    /// The photo with links made for `audience`, valid until `expires`.
    pub fn view(&self, links: &PhotoLinks, audience: Audience, expires: DateTime<Utc>) -> Photo {
        Photo {
            id: self.id.clone(),
            content_type: self.content_type.clone(),
            width: u32::try_from(self.width).unwrap_or_default(),
            height: u32::try_from(self.height).unwrap_or_default(),
            byte_size: u64::try_from(self.byte_size).unwrap_or_default(),
            url: links.url(&self.id, Variant::Full, audience, expires),
            thumbnail_url: links.url(&self.id, Variant::Thumb, audience, expires),
            links_expire_at: expires,
            caption: self.caption.clone(),
        }
    }
}

/// How photos are shown in one answer: to whom, with links made when.
#[derive(Clone)]
pub struct PhotoViews {
    links: PhotoLinks,
    audience: Audience,
    expires: DateTime<Utc>,
}

impl PhotoViews {
    /// For the sides of what the photos belong to (and the public, for a portfolio).
    pub fn new(links: &PhotoLinks, now: NaiveDateTime) -> Self {
        Self {
            expires: links.expiry(now.and_utc()),
            links: links.clone(),
            audience: Audience::Members,
        }
    }

    /// For staff, who also see the photos of a message they hid.
    pub fn for_staff(links: &PhotoLinks, now: NaiveDateTime) -> Self {
        Self {
            audience: Audience::Staff,
            ..Self::new(links, now)
        }
    }

    pub fn show(&self, rows: &[PhotoRow]) -> Vec<Photo> {
        rows.iter()
            .map(|row| row.view(&self.links, self.audience, self.expires))
            .collect()
    }

    /// The photos of each of `ids`, in their order.
    pub fn of<S: AsRef<str>>(
        &self,
        conn: &mut DbConnection,
        kind: AttachedTo,
        ids: &[S],
    ) -> ApiResult<HashMap<String, Vec<Photo>>> {
        let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
        Ok(attached_to(conn, kind, &ids)?
            .into_iter()
            .map(|(id, rows)| (id, self.show(&rows)))
            .collect())
    }

    /// The photos of one object.
    pub fn of_one(
        &self,
        conn: &mut DbConnection,
        kind: AttachedTo,
        id: &str,
    ) -> ApiResult<Vec<Photo>> {
        Ok(self.of(conn, kind, &[id])?.remove(id).unwrap_or_default())
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> ApiResult<Option<PhotoRow>> {
    Ok(photos::table
        .find(id)
        .select(PhotoRow::as_select())
        .first(conn)
        .optional()?)
}

/// The photos attached to each of `ids`, in their order.
pub fn attached_to(
    conn: &mut DbConnection,
    kind: AttachedTo,
    ids: &[&str],
) -> ApiResult<HashMap<String, Vec<PhotoRow>>> {
    let mut by_object: HashMap<String, Vec<PhotoRow>> = HashMap::new();
    if ids.is_empty() {
        return Ok(by_object);
    }
    let rows: Vec<PhotoRow> = photos::table
        .filter(photos::attached_to.eq(kind.as_str()))
        .filter(photos::attached_id.eq_any(ids))
        .order((photos::attached_id, photos::position, photos::id))
        .select(PhotoRow::as_select())
        .load(conn)?;
    for row in rows {
        let key = row.attached_id.clone().unwrap_or_default();
        by_object.entry(key).or_default().push(row);
    }
    Ok(by_object)
}

/// How many photos each of `ids` has (those with none are left out).
pub fn counts<S: AsRef<str>>(
    conn: &mut DbConnection,
    kind: AttachedTo,
    ids: &[S],
) -> ApiResult<HashMap<String, u32>> {
    let mut counts = HashMap::new();
    if ids.is_empty() {
        return Ok(counts);
    }
    let ids: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    let owners: Vec<Option<String>> = photos::table
        .filter(photos::attached_to.eq(kind.as_str()))
        .filter(photos::attached_id.eq_any(&ids))
        .select(photos::attached_id)
        .load(conn)?;
    for owner in owners.into_iter().flatten() {
        *counts.entry(owner).or_insert(0) += 1;
    }
    Ok(counts)
}

/// How many photos one object has.
pub fn count(conn: &mut DbConnection, kind: AttachedTo, id: &str) -> ApiResult<u32> {
    Ok(counts(conn, kind, &[id])?.remove(id).unwrap_or(0))
}

/// Attaches `photo_ids`, in that order, to one object: each must be `owner_id`'s and attached
/// to nothing yet (a 422 naming the first that is not). Run inside the transaction that writes
/// the object, so that either both land or neither does.
pub fn attach(
    conn: &mut DbConnection,
    owner_id: &str,
    photo_ids: &[String],
    kind: AttachedTo,
    attached_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    for (index, photo_id) in photo_ids.iter().enumerate() {
        let position = i32::try_from(index).unwrap_or(i32::MAX);
        let updated = diesel::update(
            photos::table
                .filter(photos::id.eq(photo_id))
                .filter(photos::owner_id.eq(owner_id))
                .filter(photos::attached_to.is_null()),
        )
        .set((
            photos::attached_to.eq(kind.as_str()),
            photos::attached_id.eq(attached_id),
            photos::position.eq(position),
            photos::attached_at.eq(now),
        ))
        .execute(conn)?;
        if updated == 0 {
            return Err(ApiError::invalid_field(
                "photo_ids",
                format!(
                    "photo_ids[{index}]: no photo of yours with this id is waiting to be \
                     attached (upload it with POST /v1/photos; a photo goes with one thing only)"
                ),
            ));
        }
    }
    Ok(())
}

/// Whether a link made for `audience` still shows the photo: it must still be there, and a
/// message staff hid shows its photos to staff only. (Who may see what the photo belongs to was
/// checked when the link was made: links are only ever in answers to them.)
pub fn still_shown(
    conn: &mut DbConnection,
    photo: &PhotoRow,
    audience: Audience,
) -> ApiResult<bool> {
    let Some((AttachedTo::Message, message_id)) = photo.attached() else {
        return Ok(true);
    };
    let hidden: Option<bool> = messages::table
        .find(message_id)
        .select(messages::hidden_at.is_not_null())
        .first(conn)
        .optional()?;
    Ok(match hidden {
        None => false,
        Some(hidden) => !hidden || audience == Audience::Staff,
    })
}

/// Deletes the rows of `ids` and queues their objects for the retention sweep, in the caller's
/// transaction: links to them stop working at once.
fn remove(conn: &mut DbConnection, ids: &[String], now: NaiveDateTime) -> ApiResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    for id in ids {
        diesel::insert_into(photo_removals::table)
            .values((
                photo_removals::photo_id.eq(id),
                photo_removals::queued_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(diesel::delete(photos::table.filter(photos::id.eq_any(ids))).execute(conn)?)
}

/// Removes photos uploaded before `cutoff` and never attached to anything.
pub fn remove_abandoned(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let ids: Vec<String> = photos::table
        .filter(photos::attached_to.is_null())
        .filter(photos::created_at.lt(cutoff))
        .select(photos::id)
        .load(conn)?;
    remove(conn, &ids, now)
}

/// Removes every photo `owner_id` uploaded (their account is being deleted): wherever it was
/// attached, it is gone for everyone.
pub fn remove_all_of(
    conn: &mut DbConnection,
    owner_id: &str,
    now: NaiveDateTime,
) -> ApiResult<usize> {
    let ids: Vec<String> = photos::table
        .filter(photos::owner_id.eq(owner_id))
        .select(photos::id)
        .load(conn)?;
    remove(conn, &ids, now)
}

/// Up to `limit` photos whose objects are waiting to be deleted from the store.
pub fn queued_removals(conn: &mut DbConnection, limit: i64) -> ApiResult<Vec<String>> {
    Ok(photo_removals::table
        .order(photo_removals::queued_at)
        .limit(limit)
        .select(photo_removals::photo_id)
        .load(conn)?)
}

/// The objects of `ids` are deleted from the store: forget them.
pub fn removed(conn: &mut DbConnection, ids: &[String]) -> ApiResult<()> {
    diesel::delete(photo_removals::table.filter(photo_removals::photo_id.eq_any(ids)))
        .execute(conn)?;
    Ok(())
}

/// Adds an uploaded photo to the end of the pro's portfolio (409 when it is full).
pub fn add_to_portfolio(
    conn: &mut DbConnection,
    partner_id: &str,
    input: &PortfolioPhotoInput,
    now: NaiveDateTime,
) -> ApiResult<()> {
    // Additions to one portfolio take turns, so that the count and the positions hold.
    crate::auth::accounts::lock(conn, partner_id)?;
    let held: i64 = photos::table
        .filter(photos::attached_to.eq(AttachedTo::Portfolio.as_str()))
        .filter(photos::attached_id.eq(partner_id))
        .count()
        .get_result(conn)?;
    if held >= i64::try_from(PORTFOLIO_MAX).unwrap_or(i64::MAX) {
        return Err(ApiError::conflict(format!(
            "a portfolio holds at most {PORTFOLIO_MAX} photos: remove one first"
        )));
    }
    let last: Option<i32> = photos::table
        .filter(photos::attached_to.eq(AttachedTo::Portfolio.as_str()))
        .filter(photos::attached_id.eq(partner_id))
        .select(diesel::dsl::max(photos::position))
        .first(conn)?;
    let ids = std::slice::from_ref(&input.photo_id);
    attach(
        conn,
        partner_id,
        ids,
        AttachedTo::Portfolio,
        partner_id,
        now,
    )?;
    let caption = input
        .caption
        .as_deref()
        .map(str::trim)
        .filter(|caption| !caption.is_empty());
    diesel::update(photos::table.find(&input.photo_id))
        .set((
            photos::position.eq(last.map_or(0, |last| last + 1)),
            photos::caption.eq(caption),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes a photo out of the pro's portfolio and deletes it; 404 if it is not there.
pub fn remove_from_portfolio(
    conn: &mut DbConnection,
    partner_id: &str,
    photo_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    let held: i64 = photos::table
        .find(photo_id)
        .filter(photos::attached_to.eq(AttachedTo::Portfolio.as_str()))
        .filter(photos::attached_id.eq(partner_id))
        .count()
        .get_result(conn)?;
    if held == 0 {
        return Err(ApiError::not_found("photo"));
    }
    remove(conn, &[photo_id.to_owned()], now)?;
    Ok(())
}

pub fn insert(conn: &mut DbConnection, row: &PhotoRow) -> ApiResult<()> {
    diesel::insert_into(photos::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}
