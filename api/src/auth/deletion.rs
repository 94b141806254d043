//! Deleting one's account: refused while a job is under way or money is held; otherwise the
//! person's data is erased or anonymised at once, in one transaction.
//!
//! Kept, because the ledger and the law need them: the account's row (anonymised: the ledger,
//! payouts, jobs and reviews point at it; reviews read "Former customer" / "Former pro"), jobs,
//! payments, refunds, payouts, penalties and ledger entries, ratings (their text, without a
//! name), the audit log, who read the customer's details, and the signed agreements. The
//! signature evidence (typed name, address, browser) is erased by the retention sweep once
//! `DELETED_ACCOUNT_RETENTION_DAYS` have passed. Everything else about the person goes now:
//! sessions, tokens, API keys, devices, preferences, webhook endpoints and their deliveries,
//! notifications and the event feed, the street and phone of their requests, what they wrote in
//! quotes, completion notes and messages, the photos they uploaded (their images deleted from the
//! object store by the next retention sweep), a pro's business profile and payout details.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::auth::Role;
use shared_types::jobs::{JobEventKind, JobStatus, Party};
use shared_types::partners::PartnerStatus;
use shared_types::requests::RequestStatus;
use shared_types::wallet::RefundStatus;

use super::accounts;
use super::sessions;
use crate::db::DbConnection;
use crate::db::schema::{
    agreement_signatures, api_keys, connections, devices, email_verifications, idempotency_keys,
    job_events, jobs, lead_offers, ledger_accounts, login_failures, monitoring, monitoring_events,
    notification_preferences, outbox, outbox_deliveries, partner_area_cells, partner_categories,
    partner_profiles, password_resets, payments, payout_methods, phone_verifications, quiet_hours,
    refresh_tokens, refunds, service_requests, sessions as device_sessions, users,
    webhook_endpoints,
};
use crate::db::text_enum::Stored;
use crate::error::{ApiError, ApiResult};
use crate::requests::cards::{self, Affected};
use crate::requests::{intake, leads};
use crate::wallet::ledger::AccountKind;

/// Jobs in these states still need both sides (or hold the customer's money).
const UNDER_WAY: [JobStatus; 5] = [
    JobStatus::Assigned,
    JobStatus::Scheduled,
    JobStatus::InProgress,
    JobStatus::Completed,
    JobStatus::Disputed,
];

/// Deletes the account of `user_id` as described above. Run inside a write transaction.
pub fn delete_account(conn: &mut DbConnection, user_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    accounts::lock(conn, user_id)?;
    let user = accounts::find_by_id(conn, user_id)?;
    if user.deleted_at.is_some() {
        return Err(ApiError::not_found("user"));
    }
    if user.role == Role::Staff {
        return Err(ApiError::forbidden(
            "a staff account is closed by an operator, not deleted from the API",
        ));
    }
    refuse_while_needed(conn, user_id)?;

    let open_requests: Vec<String> = service_requests::table
        .filter(service_requests::customer_id.eq(user_id))
        .filter(service_requests::status.eq(Stored(RequestStatus::Open)))
        .select(service_requests::id)
        .load(conn)?;
    for request_id in open_requests {
        intake::cancel(conn, user_id, &request_id, now)?;
    }
    // Before the cards of the person's requests are stored again: they count the photos.
    crate::photos::model::remove_all_of(conn, user_id, now)?;
    erase_requests(conn, user_id)?;
    if user.role == Role::Partner {
        close_business(conn, user_id)?;
    }
    erase_own_words(conn, user_id)?;
    erase_credentials_and_settings(conn, user_id, now)?;
    erase_messages(conn, user_id)?;
    super::export::delete_all(conn, user_id)?;

    let name = if user.role == Role::Partner {
        "Former pro"
    } else {
        "Former customer"
    };
    diesel::update(users::table.find(user_id))
        .set((
            // Not an email address: nobody can sign up with it and block the deletion.
            users::email.eq(format!("deleted:{user_id}")),
            users::name.eq(name),
            // No password hashes to this: nobody signs in to it again.
            users::password_hash.eq("!deleted"),
            users::phone.eq(None::<String>),
            users::phone_verified_at.eq(None::<NaiveDateTime>),
            users::email_verified_at.eq(None::<NaiveDateTime>),
            users::suspension_reason.eq(None::<String>),
            users::deleted_at.eq(now),
            users::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// 409 with the reason while a job is under way, the wallet is not settled, or a refund to the
/// person is still owed.
fn refuse_while_needed(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    let job: Option<(String, String)> = jobs::table
        .filter(
            jobs::customer_id
                .eq(user_id)
                .or(jobs::partner_id.eq(user_id)),
        )
        .filter(jobs::status.eq_any(UNDER_WAY.map(JobStatus::as_str)))
        .select((jobs::id, jobs::status))
        .first(conn)
        .optional()?;
    if let Some((job_id, status)) = job {
        return Err(ApiError::conflict(format!(
            "job {job_id} is {status}: the account can be deleted once every job is confirmed or \
             cancelled"
        )));
    }
    let unsettled: Option<(String, Option<i64>)> = ledger_accounts::table
        .filter(ledger_accounts::owner_id.eq(user_id))
        .filter(ledger_accounts::kind.eq_any([
            AccountKind::PartnerPending.as_str(),
            AccountKind::PartnerAvailable.as_str(),
        ]))
        .filter(ledger_accounts::balance_cents.ne(0))
        .select((ledger_accounts::currency, ledger_accounts::balance_cents))
        .first(conn)
        .optional()?;
    if let Some((currency, balance)) = unsettled {
        // Wallet accounts are credit-normal: the pro's money is the credit balance.
        let cents = -balance.unwrap_or_default();
        let what = if cents > 0 {
            "holds earnings still to be paid out"
        } else {
            "owes penalties still to be settled"
        };
        return Err(ApiError::conflict(format!(
            "the wallet {what} ({}): the account can be deleted once it is settled",
            crate::wallet::format_cents(cents.abs(), &currency)
        )));
    }
    let owed: i64 = refunds::table
        .inner_join(payments::table)
        .filter(payments::customer_id.eq(user_id))
        .filter(refunds::status.ne(RefundStatus::Succeeded.as_str()))
        .count()
        .get_result(conn)?;
    if owed > 0 {
        return Err(ApiError::conflict(
            "a refund to your card is still under way: the account can be deleted once it has \
             gone through",
        ));
    }
    Ok(())
}

/// A customer's requests keep what the ledger and the pro's history need (category, city,
/// dates), not the street, phone, photos or description; the position is blurred to about a
/// kilometre.
fn erase_requests(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    let own = service_requests::table.filter(service_requests::customer_id.eq(user_id));
    diesel::update(own)
        .set((
            service_requests::street.eq(""),
            service_requests::description.eq(""),
            service_requests::contact_phone.eq(None::<String>),
            service_requests::photo_urls.eq("[]"),
        ))
        .execute(conn)?;
    cards::refresh(conn, Affected::Customer(user_id))?;
    let positions: Vec<(String, f64, f64)> = service_requests::table
        .filter(service_requests::customer_id.eq(user_id))
        .select((
            service_requests::id,
            service_requests::lat,
            service_requests::lon,
        ))
        .load(conn)?;
    let blur = |degrees: f64| (degrees * 100.0).round() / 100.0;
    for (id, lat, lon) in positions {
        diesel::update(service_requests::table.find(id))
            .set((
                service_requests::lat.eq(blur(lat)),
                service_requests::lon.eq(blur(lon)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A pro's business leaves: offers withdrawn, the profile hidden and emptied, no area or
/// categories to be matched on, no payout details.
fn close_business(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    leads::withdraw_partner_offers(conn, user_id)?;
    diesel::update(partner_profiles::table.find(user_id))
        .set((
            partner_profiles::business_name.eq("Former pro"),
            partner_profiles::description.eq(""),
            partner_profiles::phone.eq(None::<String>),
            partner_profiles::website.eq(None::<String>),
            partner_profiles::area_place.eq(None::<String>),
            // Hidden for good: staff cannot reinstate a deleted account.
            partner_profiles::status.eq(PartnerStatus::Suspended.as_str()),
            partner_profiles::accepting_leads.eq(false),
        ))
        .execute(conn)?;
    diesel::delete(partner_area_cells::table.filter(partner_area_cells::partner_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(partner_categories::table.filter(partner_categories::partner_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(payout_methods::table.find(user_id)).execute(conn)?;
    Ok(())
}

/// What the person wrote to others in quotes, declines, completion notes and messages, and the
/// reasons they gave for disputes and reports.
fn erase_own_words(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    crate::conversations::oversight::erase_words_of(conn, user_id)?;
    diesel::update(lead_offers::table.filter(lead_offers::partner_id.eq(user_id)))
        .set((
            lead_offers::message.eq(None::<String>),
            lead_offers::decline_reason.eq(None::<String>),
        ))
        .execute(conn)?;
    cards::refresh(conn, Affected::Partner(user_id))?;
    diesel::update(jobs::table.filter(jobs::partner_id.eq(user_id)))
        .set((
            jobs::completion_summary.eq(None::<String>),
            jobs::completion_photos.eq(None::<String>),
        ))
        .execute(conn)?;
    diesel::update(jobs::table.filter(jobs::customer_id.eq(user_id)))
        .set(jobs::dispute_reason.eq(None::<String>))
        .execute(conn)?;
    let their_cancellations = jobs::cancelled_by
        .eq(Some(Party::Customer.as_str()))
        .and(jobs::customer_id.eq(user_id))
        .or(jobs::cancelled_by
            .eq(Some(Party::Partner.as_str()))
            .and(jobs::partner_id.eq(user_id)));
    diesel::update(jobs::table.filter(their_cancellations))
        .set(jobs::cancel_reason.eq(None::<String>))
        .execute(conn)?;
    // The same words as the job's timeline recorded them.
    diesel::update(
        job_events::table
            .filter(job_events::actor_id.eq(user_id))
            .filter(job_events::kind.eq_any([
                JobEventKind::Completed.as_str(),
                JobEventKind::Disputed.as_str(),
                JobEventKind::Cancelled.as_str(),
            ])),
    )
    .set(job_events::detail.eq("{}"))
    .execute(conn)?;
    // Profile views keep their count, not who viewed.
    diesel::update(connections::table.filter(connections::viewer_key.eq(user_id)))
        .set((
            connections::viewer_key.eq(None::<String>),
            connections::dedup_key.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every way to act as the person, and what they set up.
fn erase_credentials_and_settings(
    conn: &mut DbConnection,
    user_id: &str,
    now: NaiveDateTime,
) -> ApiResult<()> {
    sessions::end_everywhere(conn, user_id, now)?;
    let email: String = users::table
        .find(user_id)
        .select(users::email)
        .first(conn)?;
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    diesel::delete(device_sessions::table.filter(device_sessions::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(password_resets::table.filter(password_resets::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(email_verifications::table.filter(email_verifications::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(phone_verifications::table.filter(phone_verifications::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(api_keys::table.filter(api_keys::user_id.eq(user_id))).execute(conn)?;
    crate::oauth::grants::erase_for_user(conn, user_id)?;
    diesel::delete(devices::table.filter(devices::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(
        notification_preferences::table.filter(notification_preferences::user_id.eq(user_id)),
    )
    .execute(conn)?;
    diesel::delete(quiet_hours::table.filter(quiet_hours::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(webhook_endpoints::table.filter(webhook_endpoints::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(monitoring_events::table.filter(monitoring_events::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(monitoring::table.filter(monitoring::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// The person's notifications, in-app list and event feed (each carries what they saw).
fn erase_messages(conn: &mut DbConnection, user_id: &str) -> ApiResult<()> {
    let theirs = outbox::table
        .filter(outbox::recipient_id.eq(user_id))
        .select(outbox::id);
    diesel::delete(outbox_deliveries::table.filter(outbox_deliveries::outbox_id.eq_any(theirs)))
        .execute(conn)?;
    diesel::delete(outbox::table.filter(outbox::recipient_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// Erases the signature evidence (typed name, IP address, browser) of accounts deleted before
/// `before`: the agreements themselves stay (the retention sweep).
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> ApiResult<usize> {
    let long_gone = users::table
        .filter(users::deleted_at.lt(before))
        .select(users::id);
    Ok(diesel::update(
        agreement_signatures::table
            .filter(agreement_signatures::customer_id.eq_any(long_gone))
            .filter(agreement_signatures::typed_name.ne("")),
    )
    .set((
        agreement_signatures::typed_name.eq(""),
        agreement_signatures::ip.eq(None::<String>),
        agreement_signatures::user_agent.eq(None::<String>),
    ))
    .execute(conn)?)
}
