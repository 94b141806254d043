//! Partner profiles: the business, its service area and hours, as the partner edits them, as
//! staff manage them and as the public sees them.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::partners::{
    Availability, ContactKind, ContactTarget, MembershipTier, PartnerAdminUpdate, PartnerFilter,
    PartnerProfile, PartnerProfileInput, PartnerStatus, PublicArea, PublicPartner, ServiceArea,
};
use shared_types::{ErrorCode, Page, PageParams};

use super::catalogue;
use super::geo::{self, Point};
use crate::admin::audit::{self, Change};
use crate::auth::suspension;
use crate::db::schema::{partner_area_cells, partner_categories, partner_profiles, users};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};

/// Until a partner sets their hours they are never "available", so they get no marketplace
/// leads; profile leads ("Get a Quote") still reach them.
fn default_availability() -> Availability {
    Availability {
        time_zone: "America/Toronto".to_owned(),
        weekly: Vec::new(),
        days_off: Vec::new(),
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partner_profiles, primary_key(user_id), treat_none_as_null = true)]
pub struct PartnerRow {
    pub user_id: String,
    pub business_name: String,
    pub description: String,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub city: String,
    /// What the pro typed to place the area; `None` when they gave coordinates.
    pub area_place: Option<String>,
    pub center_lat: f64,
    pub center_lon: f64,
    pub radius_km: f64,
    pub min_lat: f64,
    pub max_lat: f64,
    pub min_lon: f64,
    pub max_lon: f64,
    #[diesel(deserialize_as = Stored<MembershipTier>, serialize_as = Stored<MembershipTier>)]
    pub tier: MembershipTier,
    #[diesel(deserialize_as = Stored<PartnerStatus>, serialize_as = Stored<PartnerStatus>)]
    pub status: PartnerStatus,
    pub accepting_leads: bool,
    pub availability: String,
    pub star_score: Option<f64>,
    pub review_count: i64,
    pub average_stars: Option<f64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PartnerRow {
    pub fn center(&self) -> Point {
        Point {
            lat: self.center_lat,
            lon: self.center_lon,
        }
    }

    pub fn tier(&self) -> MembershipTier {
        self.tier
    }

    pub fn status(&self) -> PartnerStatus {
        self.status
    }

    pub fn availability(&self) -> Availability {
        serde_json::from_str(&self.availability).unwrap_or_else(|_| default_availability())
    }

    /// Brand Builders show their phone and website (002).
    fn shows_contact(&self) -> bool {
        self.tier() == MembershipTier::BrandBuilder
    }

    pub fn to_public(&self, categories: Vec<shared_types::partners::Category>) -> PublicPartner {
        PublicPartner {
            id: self.user_id.clone(),
            business_name: self.business_name.clone(),
            description: self.description.clone(),
            categories,
            area: PublicArea {
                city: self.city.clone(),
                lat: geo::round_for_public(self.center_lat),
                lon: geo::round_for_public(self.center_lon),
                radius_km: self.radius_km,
            },
            tier: self.tier(),
            review_count: self.review_count,
            average_stars: self.average_stars,
            star_score: self.star_score,
            has_phone: self.shows_contact() && self.phone.is_some(),
            has_website: self.shows_contact() && self.website.is_some(),
        }
    }

    fn to_own_view(
        &self,
        email: String,
        categories: Vec<shared_types::partners::Category>,
    ) -> PartnerProfile {
        PartnerProfile {
            id: self.user_id.clone(),
            email,
            business_name: self.business_name.clone(),
            description: self.description.clone(),
            phone: self.phone.clone(),
            website: self.website.clone(),
            categories,
            service_area: ServiceArea {
                city: self.city.clone(),
                place: self.area_place.clone(),
                lat: self.center_lat,
                lon: self.center_lon,
                radius_km: self.radius_km,
            },
            tier: self.tier(),
            status: self.status(),
            accepting_leads: self.accepting_leads,
            availability: self.availability(),
            star_score: self.star_score,
            review_count: self.review_count,
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
        }
    }
}

pub fn find(conn: &mut DbConnection, partner_id: &str) -> ApiResult<Option<PartnerRow>> {
    Ok(partner_profiles::table
        .find(partner_id)
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()?)
}

fn find_or_404(conn: &mut DbConnection, partner_id: &str) -> ApiResult<PartnerRow> {
    find(conn, partner_id)?.ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "no partner profile yet: create it with PUT /v1/partners/me",
        )
    })
}

/// Profiles with their account email and categories, in the order given.
fn own_views(conn: &mut DbConnection, rows: Vec<PartnerRow>) -> ApiResult<Vec<PartnerProfile>> {
    let ids: Vec<String> = rows.iter().map(|row| row.user_id.clone()).collect();
    let emails: HashMap<String, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::email))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut served = catalogue::served_by(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let email = emails.get(&row.user_id).cloned().unwrap_or_default();
            let categories = served.remove(&row.user_id).unwrap_or_default();
            row.to_own_view(email, categories)
        })
        .collect())
}

/// Public views of `rows`, in the order given.
pub fn public_views(conn: &mut DbConnection, rows: &[PartnerRow]) -> ApiResult<Vec<PublicPartner>> {
    let ids: Vec<String> = rows.iter().map(|row| row.user_id.clone()).collect();
    let mut served = catalogue::served_by(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|row| row.to_public(served.remove(&row.user_id).unwrap_or_default()))
        .collect())
}

pub fn own_profile(conn: &mut DbConnection, partner_id: &str) -> ApiResult<PartnerProfile> {
    let row = find_or_404(conn, partner_id)?;
    own_views(conn, vec![row]).map(|mut views| views.remove(0))
}

/// Creates or replaces the partner's profile (tier, status, hours and scores are kept).
/// Returns the profile and whether it was created.
pub fn upsert(
    conn: &mut DbConnection,
    partner_id: &str,
    input: &PartnerProfileInput,
    area: &ServiceArea,
    now: NaiveDateTime,
) -> ApiResult<(PartnerProfile, bool)> {
    let served = catalogue::resolve_slugs(conn, &input.categories, "categories")?;
    let center = Point {
        lat: area.lat,
        lon: area.lon,
    };
    let bbox = geo::bounding_box(center, area.radius_km);
    let existing = find(conn, partner_id)?;
    let created = existing.is_none();
    // What an edit never changes: staff set tier and status, the hours have their own endpoint,
    // ratings own the scores.
    let (tier, status, availability, star_score, review_count, average_stars, created_at) =
        match existing {
            Some(old) => (
                old.tier,
                old.status,
                old.availability,
                old.star_score,
                old.review_count,
                old.average_stars,
                old.created_at,
            ),
            None => (
                MembershipTier::Basic,
                PartnerStatus::Active,
                serde_json::to_string(&default_availability()).map_err(ApiError::internal)?,
                None,
                0,
                None,
                now,
            ),
        };
    let row = PartnerRow {
        user_id: partner_id.to_owned(),
        business_name: input.business_name.trim().to_owned(),
        description: input.description.trim().to_owned(),
        phone: input.phone.clone(),
        website: input.website.clone(),
        city: area.city.trim().to_owned(),
        area_place: area.place.clone(),
        center_lat: area.lat,
        center_lon: area.lon,
        radius_km: area.radius_km,
        min_lat: bbox.min_lat,
        max_lat: bbox.max_lat,
        min_lon: bbox.min_lon,
        max_lon: bbox.max_lon,
        tier,
        status,
        accepting_leads: input.accepting_leads,
        availability,
        star_score,
        review_count,
        average_stars,
        created_at,
        updated_at: now,
    };

    diesel::delete(partner_area_cells::table.filter(partner_area_cells::partner_id.eq(partner_id)))
        .execute(conn)?;
    diesel::delete(partner_categories::table.filter(partner_categories::partner_id.eq(partner_id)))
        .execute(conn)?;
    if created {
        diesel::insert_into(partner_profiles::table)
            .values(row.clone())
            .execute(conn)?;
    } else {
        diesel::update(partner_profiles::table.find(partner_id))
            .set(row.clone())
            .execute(conn)?;
    }
    let category_rows: Vec<_> = served
        .iter()
        .map(|category| {
            (
                partner_categories::partner_id.eq(partner_id),
                partner_categories::category_id.eq(&category.id),
            )
        })
        .collect();
    crate::batch_insert!(conn, partner_categories::table, &category_rows)?;
    let cells = geo::cells_covering(&bbox);
    let cell_rows: Vec<_> = served
        .iter()
        .flat_map(|category| {
            cells.iter().map(move |cell| {
                (
                    partner_area_cells::cell.eq(*cell),
                    partner_area_cells::category_id.eq(&category.id),
                    partner_area_cells::partner_id.eq(partner_id),
                )
            })
        })
        .collect();
    for chunk in cell_rows.chunks(500) {
        crate::batch_insert!(conn, partner_area_cells::table, chunk)?;
    }
    Ok((own_profile(conn, partner_id)?, created))
}

/// Replaces the partner's weekly hours and days off.
pub fn set_availability(
    conn: &mut DbConnection,
    partner_id: &str,
    availability: &Availability,
    now: NaiveDateTime,
) -> ApiResult<Availability> {
    find_or_404(conn, partner_id)?;
    let mut stored = availability.clone();
    stored.days_off.sort_unstable();
    stored.days_off.dedup();
    diesel::update(partner_profiles::table.find(partner_id))
        .set((
            partner_profiles::availability
                .eq(serde_json::to_string(&stored).map_err(ApiError::internal)?),
            partner_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(stored)
}

/// An active partner's row; suspended and unknown partners are "not found".
pub fn find_public(conn: &mut DbConnection, partner_id: &str) -> ApiResult<PartnerRow> {
    find(conn, partner_id)?
        .filter(|row| row.status() == PartnerStatus::Active)
        .ok_or_else(|| ApiError::not_found("partner"))
}

/// The public profile of an active partner; suspended and unknown partners are "not found".
pub fn public_profile(conn: &mut DbConnection, partner_id: &str) -> ApiResult<PublicPartner> {
    let row = find_public(conn, partner_id)?;
    public_views(conn, &[row]).map(|mut views| views.remove(0))
}

/// The phone or website behind a public profile's button; 404 if the partner shows none.
pub fn contact_target(
    conn: &mut DbConnection,
    partner_id: &str,
    kind: ContactKind,
) -> ApiResult<ContactTarget> {
    let row = find(conn, partner_id)?
        .filter(|row| row.status() == PartnerStatus::Active && row.shows_contact())
        .ok_or_else(|| ApiError::not_found("partner contact"))?;
    let value = match kind {
        ContactKind::Phone => row.phone,
        ContactKind::Website => row.website,
    };
    value
        .map(|value| ContactTarget { kind, value })
        .ok_or_else(|| ApiError::not_found("partner contact"))
}

/// Staff: partners by id (oldest first), filtered.
pub fn list_for_staff(
    conn: &mut DbConnection,
    filter: &PartnerFilter,
    page: &PageParams,
) -> ApiResult<Page<PartnerProfile>> {
    let limit = i64::from(page.limit());
    let mut query = partner_profiles::table
        .select(PartnerRow::as_select())
        .order(partner_profiles::user_id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(partner_profiles::status.eq(status.as_str()));
    }
    if let Some(tier) = filter.tier {
        query = query.filter(partner_profiles::tier.eq(tier.as_str()));
    }
    if let Some(slug) = &filter.category {
        let category = catalogue::by_slug(conn, slug)?.ok_or_else(|| {
            ApiError::invalid_field("category", format!("unknown category {slug}"))
        })?;
        let serving = partner_categories::table
            .filter(partner_categories::category_id.eq(category.id))
            .select(partner_categories::partner_id);
        query = query.filter(partner_profiles::user_id.eq_any(serving));
    }
    if let Some(text) = &filter.q {
        // ASCII folding on both sides: SQLite's lower() folds only ASCII letters, so other
        // letters are matched as typed on every backend.
        let pattern = db::containing(&text.to_ascii_lowercase());
        let by_email = users::table
            .filter(db::lower(users::email).like(pattern.clone()).escape('\\'))
            .select(users::id);
        query = query.filter(
            db::lower(partner_profiles::business_name)
                .like(pattern)
                .escape('\\')
                .or(partner_profiles::user_id.eq_any(by_email)),
        );
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(partner_profiles::user_id.gt(cursor));
    }
    let rows: Vec<PartnerRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.user_id.clone());
    Ok(Page {
        items: own_views(conn, rows)?,
        next_cursor,
    })
}

/// What the ratings area works out of a pro's published reviews.
#[derive(Debug, Clone, Copy)]
pub struct Score {
    pub star_score: Option<f64>,
    pub review_count: i64,
    pub average_stars: Option<f64>,
}

/// Shows the pro's new Star Score on the profile (the ratings area's one way to change it).
pub fn set_score(
    conn: &mut DbConnection,
    partner_id: &str,
    score: Score,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(partner_profiles::table.find(partner_id))
        .set((
            partner_profiles::star_score.eq(score.star_score),
            partner_profiles::review_count.eq(score.review_count),
            partner_profiles::average_stars.eq(score.average_stars),
            partner_profiles::star_score_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether the profile is listed (search, matching, public profile). Written only by the
/// accounts area's suspension rule (`auth::suspension`), which keeps it equal to the account's
/// standing. A user without a profile is left as is.
pub fn set_status(
    conn: &mut DbConnection,
    partner_id: &str,
    status: PartnerStatus,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(partner_profiles::table.find(partner_id))
        .set((
            partner_profiles::status.eq(status.as_str()),
            partner_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Staff: suspends, reinstates (through the accounts area's one suspension rule) or changes the
/// tier of a partner, with an audit entry.
pub fn staff_update(
    conn: &mut DbConnection,
    actor_id: &str,
    partner_id: &str,
    update: &PartnerAdminUpdate,
    now: NaiveDateTime,
) -> ApiResult<PartnerProfile> {
    let before = own_profile(conn, partner_id)?;
    if let Some(status) = update.status {
        let decision = suspension::Decision {
            staff_id: actor_id,
            user_id: partner_id,
            reason: &update.reason,
            now,
        };
        match status {
            PartnerStatus::Suspended => suspension::suspend(conn, decision)?,
            PartnerStatus::Active => suspension::reinstate(conn, decision)?,
            PartnerStatus::Unknown => {
                return Err(ApiError::invalid_field("status", "unknown status"));
            }
        };
    }
    let tier = update.tier.unwrap_or(before.tier);
    diesel::update(partner_profiles::table.find(partner_id))
        .set((
            partner_profiles::tier.eq(tier.as_str()),
            partner_profiles::updated_at.eq(now),
        ))
        .execute(conn)?;
    let after = own_profile(conn, partner_id)?;
    let snapshot = |p: &PartnerProfile| serde_json::json!({ "status": p.status, "tier": p.tier });
    audit::record(
        conn,
        Change {
            actor_id,
            action: "partner.update",
            subject_type: "partner",
            subject_id: partner_id,
            before: Some(snapshot(&before)),
            after: Some(snapshot(&after)),
            reason: Some(update.reason.trim()),
        },
        now,
    )?;
    Ok(after)
}
