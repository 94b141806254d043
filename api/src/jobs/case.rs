//! A job's case file for staff: the job, its timeline, its money and its agreement, in one read
//! (a dispute is decided on it).

use diesel::prelude::*;
use shared_types::PageParams;
use shared_types::admin::JobCase;
use shared_types::jobs::Party;
use shared_types::wallet::RefundFilter;

use super::model::{self, Actor};
use super::{agreement, events};
use crate::db::DbConnection;
use crate::db::schema::users;
use crate::error::ApiResult;
use crate::wallet::{MoneyPolicy, payments, refunds, settlement};

/// Everything staff need to decide about `job_id`.
pub fn read(
    conn: &mut DbConnection,
    staff_id: &str,
    job_id: &str,
    policy: &MoneyPolicy,
) -> ApiResult<JobCase> {
    let staff = Actor {
        user_id: staff_id.to_owned(),
        party: Party::Staff,
    };
    let row = model::find_for(conn, job_id, &staff)?;
    let customer_name: String = users::table
        .find(&row.customer_id)
        .select(users::name)
        .first(conn)?;
    let held = row.money(settlement::at_stake(conn, &row)?);
    let job_refunds = refunds::list(
        conn,
        &RefundFilter {
            status: None,
            job_id: Some(row.id.clone()),
        },
        &PageParams {
            limit: Some(100),
            cursor: None,
        },
    )?
    .items;
    Ok(JobCase {
        customer_name,
        timeline: events::list(conn, &row.id)?,
        payments: payments::of_job(conn, &staff, &row.id)?,
        refunds: job_refunds,
        agreement: agreement::signature(conn, &row.id)?,
        held,
        platform_fee_bps: policy.platform_fee_bps,
        conversation_id: crate::conversations::oversight::of_job(conn, &row.id)?,
        job: model::view(conn, row)?,
    })
}
