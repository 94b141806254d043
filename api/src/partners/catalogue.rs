//! The service catalogue: the kinds of work homeowners can ask for.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::partners::{AssignmentMode, Category, CategoryInput, Money};
use shared_types::{Page, PageParams};

use crate::admin::audit::{self, Change};
use crate::db::schema::{categories, partner_categories};
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::requests::cards::{self, Affected};

/// The currency of categories quoted per job (they have no list price to carry one).
const DEFAULT_CURRENCY: &str = "CAD";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = categories)]
#[diesel(treat_none_as_null = true)]
pub struct CategoryRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    #[diesel(deserialize_as = Stored<AssignmentMode>, serialize_as = Stored<AssignmentMode>)]
    pub assignment_mode: AssignmentMode,
    pub list_price_cents: Option<i64>,
    pub currency: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CategoryRow {
    pub fn to_view(&self) -> Category {
        Category {
            id: self.id.clone(),
            slug: self.slug.clone(),
            name: self.name.clone(),
            assignment_mode: self.assignment_mode,
            list_price: self.list_price_cents.map(|amount_cents| Money {
                amount_cents,
                currency: self.currency.clone(),
            }),
            active: self.active,
        }
    }

    fn from_input(
        id: String,
        input: &CategoryInput,
        created_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Self {
        Self {
            id,
            slug: input.slug.clone(),
            name: input.name.trim().to_owned(),
            assignment_mode: input.assignment_mode,
            list_price_cents: input.list_price.as_ref().map(|p| p.amount_cents),
            currency: input
                .list_price
                .as_ref()
                .map_or_else(|| DEFAULT_CURRENCY.to_owned(), |p| p.currency.clone()),
            active: input.active,
            created_at,
            updated_at: now,
        }
    }
}

/// Active categories by slug.
pub fn list_active(conn: &mut DbConnection, page: &PageParams) -> ApiResult<Page<Category>> {
    list(conn, page, true)
}

/// Every category, retired ones too (staff), by slug.
pub fn list_all(conn: &mut DbConnection, page: &PageParams) -> ApiResult<Page<Category>> {
    list(conn, page, false)
}

fn list(
    conn: &mut DbConnection,
    page: &PageParams,
    only_active: bool,
) -> ApiResult<Page<Category>> {
    let limit = i64::from(page.limit());
    let mut query = categories::table
        .select(CategoryRow::as_select())
        .order(categories::slug.asc())
        .limit(limit + 1)
        .into_boxed();
    if only_active {
        query = query.filter(categories::active.eq(true));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(categories::slug.gt(cursor));
    }
    let rows: Vec<CategoryRow> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.slug.clone());
    Ok(Page {
        items: rows.iter().map(CategoryRow::to_view).collect(),
        next_cursor,
    })
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> ApiResult<Option<CategoryRow>> {
    Ok(categories::table
        .filter(categories::slug.eq(slug))
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> ApiResult<CategoryRow> {
    categories::table
        .find(id)
        .select(CategoryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("category"))
}

/// The active categories named by `slugs`; any unknown or inactive slug -> 422 on `field`.
pub fn resolve_slugs(
    conn: &mut DbConnection,
    slugs: &[String],
    field: &str,
) -> ApiResult<Vec<CategoryRow>> {
    let rows: Vec<CategoryRow> = categories::table
        .filter(categories::slug.eq_any(slugs))
        .filter(categories::active.eq(true))
        .select(CategoryRow::as_select())
        .load(conn)?;
    let unknown: Vec<&str> = slugs
        .iter()
        .filter(|slug| !rows.iter().any(|row| &row.slug == *slug))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::invalid_field(
            field,
            format!("unknown categories: {}", unknown.join(", ")),
        ));
    }
    Ok(rows)
}

/// The categories each of `partner_ids` serves, by slug.
pub fn served_by(
    conn: &mut DbConnection,
    partner_ids: &[String],
) -> ApiResult<HashMap<String, Vec<Category>>> {
    let rows: Vec<(String, CategoryRow)> = partner_categories::table
        .inner_join(categories::table)
        .filter(partner_categories::partner_id.eq_any(partner_ids))
        .select((partner_categories::partner_id, CategoryRow::as_select()))
        .order(categories::slug.asc())
        .load(conn)?;
    let mut served: HashMap<String, Vec<Category>> = HashMap::new();
    for (partner_id, row) in rows {
        served.entry(partner_id).or_default().push(row.to_view());
    }
    Ok(served)
}

/// A slug used by another category than `except_id` -> 409 (the unique index backs this up).
fn ensure_slug_free(conn: &mut DbConnection, slug: &str, except_id: Option<&str>) -> ApiResult<()> {
    match by_slug(conn, slug)? {
        Some(other) if Some(other.id.as_str()) != except_id => {
            Err(ApiError::conflict(format!("the slug {slug} is taken")))
        }
        _ => Ok(()),
    }
}

/// Staff: adds a category. A taken slug -> 409.
pub fn create(
    conn: &mut DbConnection,
    actor_id: &str,
    input: &CategoryInput,
    now: NaiveDateTime,
) -> ApiResult<Category> {
    ensure_slug_free(conn, &input.slug, None)?;
    let row = CategoryRow::from_input(db::new_id(), input, now, now);
    diesel::insert_into(categories::table)
        .values(row.clone())
        .execute(conn)?;
    let view = row.to_view();
    audit::record(
        conn,
        Change {
            actor_id,
            action: "category.create",
            subject_type: "category",
            subject_id: &row.id,
            before: None,
            after: serde_json::to_value(&view).ok(),
            reason: None,
        },
        now,
    )?;
    Ok(view)
}

/// Staff: replaces a category's fields. Jobs already priced keep their price.
pub fn update(
    conn: &mut DbConnection,
    actor_id: &str,
    id: &str,
    input: &CategoryInput,
    now: NaiveDateTime,
) -> ApiResult<Category> {
    let before = by_id(conn, id)?;
    ensure_slug_free(conn, &input.slug, Some(id))?;
    let row = CategoryRow::from_input(id.to_owned(), input, before.created_at, now);
    diesel::update(categories::table.find(id))
        .set(row.clone())
        .execute(conn)?;
    // Every lead in the category shows its name, mode and price.
    cards::refresh(conn, Affected::Category(id))?;
    let view = row.to_view();
    audit::record(
        conn,
        Change {
            actor_id,
            action: "category.update",
            subject_type: "category",
            subject_id: id,
            before: serde_json::to_value(before.to_view()).ok(),
            after: serde_json::to_value(&view).ok(),
            reason: None,
        },
        now,
    )?;
    Ok(view)
}
