//! Leases: how a background worker takes due rows of a work table for itself.
//!
//! A work table (the outbox, refunds) has a text id and a due time (`next_attempt_at`). A row is
//! due when its due time has come and it meets the table's own condition (`status = 'pending'`,
//! …). [`claim`] leases up to N due rows in one statement by moving their due time to the end of
//! the lease, and returns their ids:
//!
//! - on PostgreSQL the due rows are picked `FOR UPDATE SKIP LOCKED`, so several replicas claiming
//!   at once each get different rows and none waits on another;
//! - on SQLite there is one writer at a time (see [`write_transaction`](super::write_transaction)):
//!   the write transaction is the lock.
//!
//! While the lease runs, the rows are not due, so no other worker takes them. A worker that dies
//! loses nothing: its lease runs out, the rows are due again, and the next claim takes them.
//!
//! The due time doubles as the lease's mark: as long as it still equals the end of the lease,
//! the row is the claiming worker's. A worker records an outcome only under
//! [`Lease::held`]; once its lease ran out and another worker claimed the row (or anything else
//! moved the due time), that update matches nothing and the newer owner's word stands.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::DbConnection;
use crate::error::ApiResult;

/// A work table, as [`claim`] needs to know it. Every part is SQL written into the statement,
/// so it must be a constant of the code, never input.
#[derive(Debug, Clone, Copy)]
pub struct WorkTable {
    /// The table's name.
    pub table: &'static str,
    /// Its text id column.
    pub id: &'static str,
    /// Its due-time column (a `TIMESTAMP`, UTC): the lease moves it.
    pub due_at: &'static str,
    /// What a row must also meet to be claimed, e.g. `status = 'pending'`.
    pub ready: &'static str,
    /// Further assignments made to every claimed row (e.g. `attempts = attempts + 1`), or `""`.
    pub on_claim: &'static str,
}

impl WorkTable {
    /// The claim statement; with `of`, only rows whose column `of` equals one more bound value.
    fn claim_sql(&self, postgres: bool, of: Option<&str>) -> String {
        let Self {
            table,
            id,
            due_at,
            ready,
            on_claim,
        } = self;
        let (lease_until, now, limit, lock, owner) = if postgres {
            ("$1", "$2", "$3", " FOR UPDATE SKIP LOCKED", "$4")
        } else {
            ("?", "?", "?", "", "?")
        };
        let only = of.map_or(String::new(), |column| format!(" AND {column} = {owner}"));
        let also = if on_claim.is_empty() {
            String::new()
        } else {
            format!(", {on_claim}")
        };
        format!(
            "UPDATE {table} SET {due_at} = {lease_until}{also} \
             WHERE {id} IN (SELECT {id} FROM {table} WHERE ({ready}) AND {due_at} <= {now}{only} \
             ORDER BY {due_at}, {id} LIMIT {limit}{lock}) \
             RETURNING {id} AS id"
        )
    }
}

/// A worker's hold on the rows it claimed: until `until`, their due time is `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub until: NaiveDateTime,
}

impl Lease {
    /// A lease taken at `now` for `length`.
    pub fn starting(now: NaiveDateTime, length: chrono::Duration) -> Self {
        Self {
            until: now + length,
        }
    }

    /// The condition "this row is still under this lease", on the table's due-time column: add
    /// it to every update that records a worker's outcome.
    pub fn held<C>(self, due_at: C) -> diesel::dsl::Eq<C, NaiveDateTime>
    where
        C: ExpressionMethods + Expression<SqlType = Timestamp>,
    {
        due_at.eq(self.until)
    }
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Leases up to `limit` rows of `work` that are due at `now` (the earliest due first) and
/// returns their ids. One statement, atomic on its own; run it inside
/// [`write_transaction`](super::write_transaction) to read the claimed rows in the same
/// transaction.
pub fn claim(
    conn: &mut DbConnection,
    work: &WorkTable,
    now: NaiveDateTime,
    lease: Lease,
    limit: i64,
) -> ApiResult<Vec<String>> {
    let claimed: Vec<ClaimedId> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(work.claim_sql(true, None))
            .bind::<Timestamp, _>(lease.until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(work.claim_sql(false, None))
            .bind::<Timestamp, _>(lease.until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .load(sqlite)?,
    };
    Ok(claimed.into_iter().map(|row| row.id).collect())
}

/// [`claim`], limited to the rows whose `column` (a constant of the code) equals `value`: one
/// webhook endpoint's deliveries, say.
pub fn claim_of(
    conn: &mut DbConnection,
    work: &WorkTable,
    (column, value): (&'static str, &str),
    now: NaiveDateTime,
    lease: Lease,
    limit: i64,
) -> ApiResult<Vec<String>> {
    let claimed: Vec<ClaimedId> = match conn {
        DbConnection::Postgres(pg) => diesel::sql_query(work.claim_sql(true, Some(column)))
            .bind::<Timestamp, _>(lease.until)
            .bind::<Timestamp, _>(now)
            .bind::<BigInt, _>(limit)
            .bind::<Text, _>(value)
            .load(pg)?,
        DbConnection::Sqlite(sqlite) => diesel::sql_query(work.claim_sql(false, Some(column)))
            .bind::<Timestamp, _>(lease.until)
            .bind::<Timestamp, _>(now)
            .bind::<Text, _>(value)
            .bind::<BigInt, _>(limit)
            .load(sqlite)?,
    };
    Ok(claimed.into_iter().map(|row| row.id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORK: WorkTable = WorkTable {
        table: "outbox",
        id: "id",
        due_at: "next_attempt_at",
        ready: "status = 'pending'",
        on_claim: "attempts = attempts + 1",
    };

    #[test]
    fn postgres_skips_locked_rows_and_sqlite_needs_no_lock() {
        let postgres = WORK.claim_sql(true, None);
        assert!(postgres.contains("FOR UPDATE SKIP LOCKED"), "{postgres}");
        assert!(
            postgres.starts_with(
                "UPDATE outbox SET next_attempt_at = $1, attempts = attempts + 1 WHERE id IN"
            ),
            "{postgres}"
        );
        let sqlite = WORK.claim_sql(false, None);
        assert!(!sqlite.contains("FOR UPDATE"), "{sqlite}");
        assert!(sqlite.contains("next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?)"));
        let bare = WorkTable {
            on_claim: "",
            ..WORK
        };
        assert!(
            bare.claim_sql(false, None)
                .starts_with("UPDATE outbox SET next_attempt_at = ? WHERE")
        );
        let one_owner = WORK.claim_sql(true, Some("recipient_id"));
        assert!(
            one_owner.contains("next_attempt_at <= $2 AND recipient_id = $4 ORDER BY"),
            "{one_owner}"
        );
    }
}
