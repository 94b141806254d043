//! The customer's contact details, for the job's pro only (001), and the log of every read.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::jobs::JobStatus;
use shared_types::requests::{CustomerDetailRead, CustomerDetails, DetailReadFilter};
use shared_types::{Page, PageParams};

use crate::auth::accounts;
use crate::db::schema::{customer_detail_reads, jobs};
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::requests::intake;

/// The customer's name, address, phone and email, for the job's pro and nobody else (anyone
/// else, or the pro after cancelling: "not found"). Each read is logged. Run inside a write transaction.
pub fn customer_details(
    conn: &mut DbConnection,
    partner_id: &str,
    job_id: &str,
    now: NaiveDateTime,
) -> ApiResult<CustomerDetails> {
    let (request_id, assigned_partner, status): (String, String, String) = jobs::table
        .find(job_id)
        .select((jobs::request_id, jobs::partner_id, jobs::status))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("job"))?;
    // A pro who cancelled is no longer assigned.
    if assigned_partner != partner_id || status == JobStatus::Cancelled.as_str() {
        return Err(ApiError::not_found("job"));
    }
    let request = intake::find(conn, &request_id)?;
    let customer = accounts::find_by_id(conn, &request.customer_id)?;
    log_read(conn, job_id, partner_id, now)?;
    // Only a confirmed number is ever shared, whatever number the request named.
    let phone = customer.verified_phone().map(str::to_owned);
    Ok(CustomerDetails {
        job_id: job_id.to_owned(),
        name: customer.name,
        phone,
        email: customer.email,
        address: request.address(),
    })
}

/// Records that the job's pro read the customer's details (here or in the agreement's text).
pub fn log_read(
    conn: &mut DbConnection,
    job_id: &str,
    partner_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    diesel::insert_into(customer_detail_reads::table)
        .values((
            customer_detail_reads::id.eq(db::new_id()),
            customer_detail_reads::job_id.eq(job_id),
            customer_detail_reads::partner_id.eq(partner_id),
            customer_detail_reads::read_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Staff: reads of customer details, newest first.
pub fn detail_reads(
    conn: &mut DbConnection,
    filter: &DetailReadFilter,
    page: &PageParams,
) -> ApiResult<Page<CustomerDetailRead>> {
    let limit = i64::from(page.limit());
    let mut query = customer_detail_reads::table
        .select((
            customer_detail_reads::id,
            customer_detail_reads::job_id,
            customer_detail_reads::partner_id,
            customer_detail_reads::read_at,
        ))
        .order(customer_detail_reads::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(job_id) = &filter.job_id {
        query = query.filter(customer_detail_reads::job_id.eq(job_id));
    }
    if let Some(partner_id) = &filter.partner_id {
        query = query.filter(customer_detail_reads::partner_id.eq(partner_id));
    }
    if let Some(cursor) = &page.cursor {
        query = query.filter(customer_detail_reads::id.lt(cursor));
    }
    let rows: Vec<(String, String, String, NaiveDateTime)> = query.load(conn)?;
    let (rows, next_cursor) = db::split_page(rows, limit, |row| row.0.clone());
    Ok(Page {
        items: rows
            .into_iter()
            .map(|(id, job_id, partner_id, read_at)| CustomerDetailRead {
                id,
                job_id,
                partner_id,
                read_at: read_at.and_utc(),
            })
            .collect(),
        next_cursor,
    })
}
