//! The service agreement (001): the current template with the job's details filled in. The
//! customer signs the exact text they read, named by its version and SHA-256; a stale version or
//! hash is refused. Signing does not oblige the customer to go ahead, but the pro cannot start
//! before it.

use std::fmt::Write as _;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use shared_types::ErrorCode;
use shared_types::jobs::{
    Agreement, JobEventKind, JobStatus, Party, SignAgreementInput, Signature,
};
use shared_types::partners::Money;

use super::JobPolicy;
use super::events;
use super::model::{self, Actor, JobChanges, JobRow};
use crate::auth::accounts;
use crate::db::DbConnection;
use crate::db::schema::agreement_signatures;
use crate::error::{ApiError, ApiResult};
use crate::partners::{catalogue, profiles};
use crate::requests::intake;

/// The version of the template in use; bump it (and add a file) when the terms change. Version 2
/// names the job by a short reference instead of its id.
pub const VERSION: u32 = 2;
const TEMPLATE: &str = include_str!("agreement_v2.txt");
/// What `render` fills in, in the order of its values.
const PLACEHOLDERS: [&str; 11] = [
    "{reference}",
    "{customer_name}",
    "{business_name}",
    "{category}",
    "{description}",
    "{address}",
    "{price}",
    "{review_hours}",
    "{notice_hours}",
    "{customer_fee}",
    "{partner_penalty}",
];

/// Where a signature came from, stored with it.
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// `12345` CAD -> `123.45 CAD`.
pub fn format_money(money: &Money) -> String {
    format!(
        "{}.{:02} {}",
        money.amount_cents / 100,
        money.amount_cents % 100,
        money.currency
    )
}

/// A job's reference for people: the last 8 characters of its id (the random part of a UUIDv7),
/// upper case, e.g. `PL-3F9A0C12`.
pub fn reference(job_id: &str) -> String {
    let characters: Vec<char> = job_id.chars().filter(char::is_ascii_alphanumeric).collect();
    let tail: String = characters[characters.len().saturating_sub(8)..]
        .iter()
        .collect();
    format!("PL-{}", tail.to_uppercase())
}

/// The agreement text of `job` under the current template.
fn render(conn: &mut DbConnection, job: &JobRow, policy: &JobPolicy) -> ApiResult<String> {
    let request = intake::find(conn, &job.request_id)?;
    let category = catalogue::by_id(conn, &request.category_id)?;
    let customer = accounts::find_by_id(conn, &job.customer_id)?;
    let business = profiles::find(conn, &job.partner_id)?
        .map(|row| row.business_name)
        .unwrap_or_default();
    let address = request.address();
    let hours = |duration: chrono::Duration| duration.num_hours().to_string();
    let values: [String; PLACEHOLDERS.len()] = [
        reference(&job.id),
        customer.name,
        business,
        category.name,
        request.description.clone(),
        format!(
            "{}, {} {}, {}",
            address.street, address.city, address.postal_code, address.country
        ),
        format_money(&job.price()),
        hours(policy.review_window),
        hours(policy.cancellation_notice),
        format_money(&job.money(policy.customer_fee_cents)),
        format_money(&job.money(policy.partner_penalty_cents)),
    ];
    Ok(PLACEHOLDERS
        .iter()
        .zip(values)
        .fold(TEMPLATE.to_owned(), |text, (placeholder, value)| {
            text.replace(placeholder, &value)
        }))
}

pub fn signature(conn: &mut DbConnection, job_id: &str) -> ApiResult<Option<Signature>> {
    let row: Option<(i32, String, String, NaiveDateTime)> = agreement_signatures::table
        .find(job_id)
        .select((
            agreement_signatures::version,
            agreement_signatures::text_sha256,
            agreement_signatures::typed_name,
            agreement_signatures::signed_at,
        ))
        .first(conn)
        .optional()?;
    Ok(
        row.map(|(version, text_sha256, typed_name, signed_at)| Signature {
            version: u32::try_from(version).unwrap_or_default(),
            text_sha256,
            typed_name,
            signed_at: signed_at.and_utc(),
        }),
    )
}

pub fn is_signed(conn: &mut DbConnection, job_id: &str) -> ApiResult<bool> {
    Ok(signature(conn, job_id)?.is_some())
}

/// The agreement as the job's customer or pro reads it. Its text names the customer and the
/// address, so for the pro it follows the contact details' rule: only while assigned (a pro who
/// cancelled: "not found"), and each read is logged. Run inside a write transaction.
pub fn read(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    policy: &JobPolicy,
    now: NaiveDateTime,
) -> ApiResult<Agreement> {
    let job = model::find_for(conn, job_id, actor)?;
    let is_pro = actor.party == Party::Partner;
    if is_pro && job.status() == JobStatus::Cancelled {
        return Err(ApiError::not_found("job"));
    }
    let signature = signature(conn, &job.id)?;
    let agreement = current(conn, &job, policy, signature)?;
    if is_pro {
        super::customer::log_read(conn, &job.id, &actor.user_id, now)?;
    }
    Ok(agreement)
}

/// The job's agreement under the current template, with `signature`.
fn current(
    conn: &mut DbConnection,
    job: &JobRow,
    policy: &JobPolicy,
    signature: Option<Signature>,
) -> ApiResult<Agreement> {
    let text = render(conn, job, policy)?;
    Ok(Agreement {
        job_id: job.id.clone(),
        version: VERSION,
        text_sha256: sha256_hex(&text),
        text,
        signature,
    })
}

/// The customer signs the text they read. Run inside a write transaction.
pub fn sign(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    input: &SignAgreementInput,
    origin: Origin,
    policy: &JobPolicy,
    now: NaiveDateTime,
) -> ApiResult<Agreement> {
    let job = model::find_for(conn, job_id, actor)?;
    if actor.party != Party::Customer {
        return Err(ApiError::forbidden("only the customer signs the agreement"));
    }
    // Before the visit only; claims the row against a concurrent cancellation.
    model::transition(
        conn,
        &job.id,
        &[JobStatus::Assigned, JobStatus::Scheduled],
        &JobChanges::touch(now),
    )?;
    if let Some(existing) = signature(conn, &job.id)? {
        return Err(ApiError::conflict(format!(
            "the agreement was already signed at {}",
            existing.signed_at.to_rfc3339()
        )));
    }
    let current = current(conn, &job, policy, None)?;
    if input.version != current.version || input.text_sha256 != current.text_sha256 {
        return Err(ApiError::new(
            ErrorCode::AgreementOutdated,
            format!(
                "the current agreement is version {} with SHA-256 {}: read it again and sign that",
                current.version, current.text_sha256
            ),
        ));
    }
    diesel::insert_into(agreement_signatures::table)
        .values((
            agreement_signatures::job_id.eq(&job.id),
            agreement_signatures::customer_id.eq(&actor.user_id),
            agreement_signatures::version.eq(i32::try_from(VERSION).unwrap_or(1)),
            agreement_signatures::text_sha256.eq(&current.text_sha256),
            agreement_signatures::typed_name.eq(input.typed_name.trim()),
            agreement_signatures::ip.eq(origin.ip),
            agreement_signatures::user_agent.eq(origin.user_agent),
            agreement_signatures::signed_at.eq(now),
        ))
        .execute(conn)?;
    events::record(
        conn,
        &job,
        JobEventKind::AgreementSigned,
        actor,
        serde_json::json!({ "version": VERSION, "text_sha256": current.text_sha256 }),
        now,
    )?;
    Ok(Agreement {
        signature: Some(Signature {
            version: VERSION,
            text_sha256: current.text_sha256.clone(),
            typed_name: input.typed_name.trim().to_owned(),
            signed_at: now.and_utc(),
        }),
        ..current
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_lower_case_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn money_reads_as_units_and_cents() {
        let money = |amount_cents| Money {
            amount_cents,
            currency: "CAD".into(),
        };
        assert_eq!(format_money(&money(14_900)), "149.00 CAD");
        assert_eq!(format_money(&money(2_505)), "25.05 CAD");
        assert_eq!(format_money(&money(7)), "0.07 CAD");
    }

    #[test]
    fn the_template_uses_every_placeholder_and_no_other() {
        let mut text = TEMPLATE.to_owned();
        for placeholder in PLACEHOLDERS {
            assert!(text.contains(placeholder), "{placeholder} unused");
            text = text.replace(placeholder, "");
        }
        assert!(!text.contains('{'), "an unknown placeholder is left");
    }
}
