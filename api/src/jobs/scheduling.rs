//! Agreeing a date (001): either side proposes up to three slots inside the pro's working hours,
//! the other accepts one or counter-proposes (a new proposal replaces the open one). Accepting
//! schedules the job; accepting on a scheduled job reschedules it. Both are on the timeline.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::jobs::{
    AcceptProposalInput, Job, JobEventKind, JobStatus, Party, Proposal, ProposalInput,
    ProposalStatus,
};
use shared_types::requests::TimeWindow;

use super::events;
use super::model::{self, Actor, JobChanges};
use crate::db::schema::job_proposals;
use crate::db::text_enum::Stored;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, ApiResult};
use crate::partners::availability::Schedule;
use crate::partners::profiles;

/// The statuses in which a date can be (re)agreed.
const SCHEDULABLE: [JobStatus; 2] = [JobStatus::Assigned, JobStatus::Scheduled];

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_proposals)]
struct ProposalRow {
    id: String,
    job_id: String,
    proposed_by: String,
    #[diesel(deserialize_as = Stored<Party>)]
    party: Party,
    slots: String,
    #[diesel(deserialize_as = Stored<ProposalStatus>)]
    status: ProposalStatus,
    accepted_slot: Option<i32>,
    created_at: NaiveDateTime,
    responded_at: Option<NaiveDateTime>,
}

impl ProposalRow {
    fn slots(&self) -> Vec<TimeWindow> {
        serde_json::from_str(&self.slots).unwrap_or_default()
    }

    fn to_view(&self) -> Proposal {
        Proposal {
            id: self.id.clone(),
            job_id: self.job_id.clone(),
            proposed_by: self.party,
            slots: self.slots(),
            status: self.status,
            accepted_slot: self.accepted_slot.and_then(|slot| u32::try_from(slot).ok()),
            created_at: self.created_at.and_utc(),
            responded_at: self.responded_at.map(|at| at.and_utc()),
        }
    }
}

/// Why each slot cannot be offered, by index: in the past, or outside the pro's hours. An empty
/// map means every slot is fine.
pub fn slot_problems(
    slots: &[TimeWindow],
    schedule: Option<&Schedule>,
    now: NaiveDateTime,
) -> BTreeMap<usize, &'static str> {
    let now = now.and_utc();
    slots
        .iter()
        .enumerate()
        .filter_map(|(index, slot)| {
            let problem = if slot.start <= now {
                "must start in the future"
            } else if !schedule.is_some_and(|hours| hours.covers(slot.start, slot.end)) {
                "must lie inside the pro's working hours"
            } else {
                return None;
            };
            Some((index, problem))
        })
        .collect()
}

/// The pro's working hours, if they have set any that parse.
fn partner_schedule(conn: &mut DbConnection, partner_id: &str) -> ApiResult<Option<Schedule>> {
    Ok(profiles::find(conn, partner_id)?.and_then(|row| Schedule::parse(&row.availability())))
}

/// Offers `input.slots` to the other side, replacing any open proposal. Run inside a write
/// transaction.
pub fn propose(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    input: &ProposalInput,
    now: NaiveDateTime,
) -> ApiResult<Proposal> {
    let job = model::find_for(conn, job_id, actor)?;
    // Claims the job row while checking it can still be scheduled.
    model::transition(conn, &job.id, &SCHEDULABLE, &JobChanges::touch(now))?;
    let schedule = partner_schedule(conn, &job.partner_id)?;
    let problems = slot_problems(&input.slots, schedule.as_ref(), now);
    if !problems.is_empty() {
        let messages = problems
            .into_iter()
            .map(|(index, problem)| format!("slots[{index}] {problem}"))
            .collect();
        return Err(ApiError::Validation(BTreeMap::from([(
            "slots".to_owned(),
            messages,
        )])));
    }

    diesel::update(
        job_proposals::table
            .filter(job_proposals::job_id.eq(&job.id))
            .filter(job_proposals::status.eq(ProposalStatus::Open.as_str())),
    )
    .set((
        job_proposals::status.eq(ProposalStatus::Superseded.as_str()),
        job_proposals::responded_at.eq(now),
    ))
    .execute(conn)?;
    let row = ProposalRow {
        id: db::new_id(),
        job_id: job.id.clone(),
        proposed_by: actor.user_id.clone(),
        party: actor.party,
        slots: serde_json::to_string(&input.slots).map_err(ApiError::internal)?,
        status: ProposalStatus::Open,
        accepted_slot: None,
        created_at: now,
        responded_at: None,
    };
    diesel::insert_into(job_proposals::table)
        .values((
            job_proposals::id.eq(&row.id),
            job_proposals::job_id.eq(&row.job_id),
            job_proposals::proposed_by.eq(&row.proposed_by),
            job_proposals::party.eq(Stored(row.party)),
            job_proposals::slots.eq(&row.slots),
            job_proposals::status.eq(Stored(row.status)),
            job_proposals::created_at.eq(row.created_at),
        ))
        .execute(conn)?;
    events::record(
        conn,
        &job,
        JobEventKind::Proposed,
        actor,
        serde_json::json!({ "proposal_id": row.id, "slots": input.slots }),
        now,
    )?;
    Ok(row.to_view())
}

/// The other side accepts one slot of an open proposal: the job is scheduled (or rescheduled)
/// for it. Run inside a write transaction.
pub fn accept(
    conn: &mut DbConnection,
    actor: &Actor,
    job_id: &str,
    proposal_id: &str,
    input: &AcceptProposalInput,
    now: NaiveDateTime,
) -> ApiResult<Job> {
    let job = model::find_for(conn, job_id, actor)?;
    let proposal: ProposalRow = job_proposals::table
        .filter(job_proposals::id.eq(proposal_id))
        .filter(job_proposals::job_id.eq(&job.id))
        .select(ProposalRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("proposal"))?;
    if proposal.party == actor.party {
        return Err(ApiError::forbidden(
            "the other side accepts a proposal; to change yours, make a new one",
        ));
    }
    let slots = proposal.slots();
    let index = usize::try_from(input.slot).unwrap_or(usize::MAX);
    let Some(slot) = slots.get(index).copied() else {
        return Err(ApiError::invalid_field(
            "slot",
            format!("the proposal has {} slot(s)", slots.len()),
        ));
    };
    let schedule = partner_schedule(conn, &job.partner_id)?;
    if let Some(problem) = slot_problems(&[slot], schedule.as_ref(), now).remove(&0) {
        return Err(ApiError::invalid_field(
            "slot",
            format!("the slot {problem}; propose another"),
        ));
    }

    let accepted = diesel::update(
        job_proposals::table
            .filter(job_proposals::id.eq(&proposal.id))
            .filter(job_proposals::status.eq(ProposalStatus::Open.as_str())),
    )
    .set((
        job_proposals::status.eq(ProposalStatus::Accepted.as_str()),
        job_proposals::accepted_slot.eq(i32::try_from(index).unwrap_or(0)),
        job_proposals::responded_at.eq(now),
    ))
    .execute(conn)?;
    if accepted == 0 {
        return Err(ApiError::new(
            shared_types::ErrorCode::InvalidTransition,
            format!(
                "the proposal is {}; answer the open one",
                proposal.status.as_str()
            ),
        ));
    }
    let changes = JobChanges {
        scheduled_start: Some(slot.start.naive_utc()),
        scheduled_end: Some(slot.end.naive_utc()),
        ..JobChanges::to(JobStatus::Scheduled, now)
    };
    model::transition(conn, &job.id, &SCHEDULABLE, &changes)?;
    let (kind, previous) = match (job.scheduled_start, job.scheduled_end) {
        (Some(start), Some(end)) => (
            JobEventKind::Rescheduled,
            Some(TimeWindow {
                start: start.and_utc(),
                end: end.and_utc(),
            }),
        ),
        _ => (JobEventKind::Scheduled, None),
    };
    events::record(
        conn,
        &job,
        kind,
        actor,
        serde_json::json!({ "proposal_id": proposal.id, "slot": slot, "previous": previous }),
        now,
    )?;
    let job = model::find(conn, &job.id)?;
    model::view(conn, job)
}

/// Withdraws the job's open proposals (the job was cancelled).
pub fn withdraw_open(conn: &mut DbConnection, job_id: &str, now: NaiveDateTime) -> ApiResult<()> {
    diesel::update(
        job_proposals::table
            .filter(job_proposals::job_id.eq(job_id))
            .filter(job_proposals::status.eq(ProposalStatus::Open.as_str())),
    )
    .set((
        job_proposals::status.eq(ProposalStatus::Withdrawn.as_str()),
        job_proposals::responded_at.eq(now),
    ))
    .execute(conn)?;
    Ok(())
}

/// The open proposal of each of `job_ids` that has one.
pub fn open_proposals(
    conn: &mut DbConnection,
    job_ids: &[&str],
) -> ApiResult<HashMap<String, Proposal>> {
    let rows: Vec<ProposalRow> = job_proposals::table
        .filter(job_proposals::job_id.eq_any(job_ids))
        .filter(job_proposals::status.eq(ProposalStatus::Open.as_str()))
        .select(ProposalRow::as_select())
        .load(conn)?;
    Ok(rows
        .iter()
        .map(|row| (row.job_id.clone(), row.to_view()))
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use shared_types::partners::{Availability, Weekday, WeeklyHours};

    use super::*;

    fn weekdays_nine_to_five() -> Schedule {
        Schedule::parse(&Availability {
            time_zone: "America/Toronto".into(),
            weekly: [
                Weekday::Monday,
                Weekday::Tuesday,
                Weekday::Wednesday,
                Weekday::Thursday,
                Weekday::Friday,
            ]
            .into_iter()
            .map(|weekday| WeeklyHours {
                weekday,
                start: "09:00".into(),
                end: "17:00".into(),
            })
            .collect(),
            days_off: Vec::new(),
        })
        .unwrap()
    }

    fn slot(day: u32, hour: u32, hours: i64) -> TimeWindow {
        let start = Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap();
        TimeWindow {
            start,
            end: start + chrono::Duration::hours(hours),
        }
    }

    #[test]
    fn slots_must_be_ahead_and_inside_working_hours() {
        let hours = weekdays_nine_to_five();
        // Monday 23 November 2026, 12:00 UTC (07:00 in Toronto).
        let now = Utc
            .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
            .unwrap()
            .naive_utc();
        let slots = [
            slot(23, 15, 2), // 10:00-12:00 Monday: fine
            slot(23, 11, 1), // already started
            slot(24, 21, 2), // 16:00-18:00 Tuesday: runs past 17:00
            slot(28, 15, 2), // Saturday: no hours
        ];
        let problems = slot_problems(&slots, Some(&hours), now);
        assert_eq!(
            problems,
            BTreeMap::from([
                (1, "must start in the future"),
                (2, "must lie inside the pro's working hours"),
                (3, "must lie inside the pro's working hours"),
            ])
        );
        assert_eq!(
            slot_problems(&slots[..1], None, now),
            BTreeMap::from([(0, "must lie inside the pro's working hours")]),
            "a pro without hours cannot be booked"
        );
    }
}
