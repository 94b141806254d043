//! The one way to reach the database: a diesel `MultiConnection` over PostgreSQL and SQLite, an r2d2
//! pool, embedded migrations, and the write-transaction helper every state change goes through.

pub mod hot;
pub mod lease;
pub mod schema;
pub mod text_enum;

use std::error::Error;

use chrono::{NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::{DatabaseUrl, Settings};

/// A connection to either backend; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    /// `postgres` or `sqlite`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

pub type DbPool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// A multi-row `INSERT`, which diesel builds per backend but not through the `MultiConnection`:
/// `batch_insert!(conn, table, &rows)` with `rows` a slice of insertable values or tuples.
#[macro_export]
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Postgres(pg) => {
                diesel::insert_into($table).values($rows).execute(pg)
            }
            $crate::db::DbConnection::Sqlite(sqlite) => {
                diesel::insert_into($table).values($rows).execute(sqlite)
            }
        }
    }};
}

/// `INSERT … ON CONFLICT DO NOTHING` (a row another transaction already wrote is kept), on
/// either backend: `insert_or_ignore!(conn, table, values)` returns the rows inserted.
#[macro_export]
macro_rules! insert_or_ignore {
    ($conn:expr, $table:expr, $values:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Postgres(pg) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(pg),
            $crate::db::DbConnection::Sqlite(sqlite) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(sqlite),
        }
    }};
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Applied to every new SQLite connection: WAL so readers never block the writer, a busy timeout
/// so writers queue instead of failing, and foreign keys (off by default in SQLite).
/// busy_timeout comes first: switching to WAL needs a lock that other new connections may hold.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// Opens connections for the r2d2 pool, to the backend `DATABASE_URL` names and no other (the
/// derive's own `establish` would try each backend in turn).
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConnection::Postgres),
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| {
                    ConnectionError::BadConnection("the SQLite path is not UTF-8".into())
                })?;
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.ping()
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// Builds the pool. For SQLite the file's directory is created first. One connection is made
/// directly before the pool is filled, so that an unreachable server or a missing database is
/// reported at once with the driver's own words (the pool would only time out).
pub fn build_pool(settings: &Settings) -> Result<DbPool, Box<dyn Error + Send + Sync>> {
    if let DatabaseUrl::Sqlite(path) = &settings.database_url
        && let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
    }
    let manager = ConnectionManager {
        url: settings.database_url.clone(),
    };
    r2d2::ManageConnection::connect(&manager).map_err(|error| one_line(&error.to_string()))?;
    let pool = r2d2::Pool::builder()
        .max_size(settings.db_pool_size)
        .connection_timeout(settings.db_pool_timeout)
        // The default pings the server before every checkout: an extra round trip per query.
        // Broken connections are still detected by `has_broken` when they return to the pool.
        .test_on_check_out(false)
        .build(manager)?;
    Ok(pool)
}

/// libpq's messages span lines (`connection to server … failed: FATAL:  database "x" does not
/// exist`); one line reads better in a log or on a terminal.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Applies the migrations this build embeds; returns the versions it applied.
pub fn run_migrations(
    conn: &mut DbConnection,
) -> Result<Vec<String>, Box<dyn Error + Send + Sync>> {
    let applied = match conn {
        DbConnection::Postgres(pg) => {
            // Several replicas may start at once: one migrates, the others wait for it.
            pg.batch_execute("SELECT pg_advisory_lock(7480931)")?;
            let result = pg
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|versions| versions.iter().map(ToString::to_string).collect());
            pg.batch_execute("SELECT pg_advisory_unlock(7480931)")?;
            result?
        }
        DbConnection::Sqlite(sqlite) => sqlite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|versions| versions.iter().map(ToString::to_string).collect())?,
    };
    Ok(applied)
}

/// True when every embedded migration has been applied.
pub fn migrations_applied(conn: &mut DbConnection) -> Result<bool, Box<dyn Error + Send + Sync>> {
    let pending = match conn {
        DbConnection::Postgres(pg) => pg.has_pending_migration(PG_MIGRATIONS)?,
        DbConnection::Sqlite(sqlite) => sqlite.has_pending_migration(SQLITE_MIGRATIONS)?,
    };
    Ok(!pending)
}

/// Runs `f` in a transaction meant to write. On SQLite it first takes the write lock (waiting up
/// to `busy_timeout`), so a transaction that reads before it writes cannot fail half-way with
/// SQLITE_BUSY when another writer got in between. On PostgreSQL it is a plain transaction; rows
/// that must not change underneath are guarded by conditional updates.
pub fn write_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConnection::Sqlite(sqlite) = conn {
            sqlite.batch_execute("UPDATE write_lock SET touched = 1 - touched WHERE id = 1")?;
        }
        f(conn)
    })
}

/// Runs `f` in a read-only transaction that sees one snapshot of the database, so that several
/// queries agree with each other while writers carry on (PostgreSQL's default gives each
/// statement its own snapshot; SQLite's read transaction already holds one).
pub fn snapshot_read<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConnection::Postgres(pg) = conn {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}

/// The current time as stored: UTC, microsecond precision (PostgreSQL's), so that a value read
/// back equals the value written on both backends.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

diesel::define_sql_function! {
    /// SQL `lower(text)`: the same on PostgreSQL and SQLite for ASCII letters (SQLite folds no
    /// others; PostgreSQL may, by its locale).
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// A `LIKE` pattern (escape character `\`) matching text that starts with `prefix` literally.
pub fn starting_with(prefix: &str) -> String {
    format!("{}%", escape_like(prefix))
}

/// A `LIKE` pattern (escape character `\`) matching text that contains `part` literally.
pub fn containing(part: &str) -> String {
    format!("%{}%", escape_like(part))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A new sortable id (UUIDv7, text).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Cursor pagination: the caller loads `limit + 1` rows in a stable order; this keeps `limit`
/// of them and, if there were more, returns the cursor (the last kept row's key) of the next page.
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let cursor = rows.last().map(key);
    (rows, cursor)
}
