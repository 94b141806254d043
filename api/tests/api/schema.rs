//! `api/src/db/schema.rs` is written by hand; this checks it against what the migrations build,
//! on a freshly migrated database of each backend (SQLite always, PostgreSQL when
//! TEST_DATABASE_URL is set): the same tables, and in each the same columns with the same
//! nullability, coarse type and primary key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use porchlight::db::DbConnection;

use crate::harness::{TestDatabase, postgres_admin_url};

/// The schema, as compiled into the service.
const SCHEMA_RS: &str = include_str!("../../src/db/schema.rs");

/// Tables the migrations make that schema.rs leaves out on purpose: (table, backends, reason).
const NOT_IN_SCHEMA: &[(&str, &[&str], &str)] = &[
    (
        "__diesel_schema_migrations",
        &["postgres", "sqlite"],
        "diesel's own record of the migrations applied",
    ),
    (
        "write_lock",
        &["sqlite"],
        "touched with raw SQL at the start of every SQLite write transaction \
         (db::write_transaction), never queried through diesel",
    ),
];

/// A column type as far as both backends can tell: diesel's `Integer` and `BigInt` are both
/// integers, with the width known on PostgreSQL only.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Text,
    Integer(Option<u8>),
    Double,
    Timestamp,
    TimestampTz,
    Boolean,
}

impl Kind {
    /// Equal kinds, and equal integer widths where both sides know them.
    fn agrees(self, other: Self) -> bool {
        match (self, other) {
            (Self::Integer(Some(a)), Self::Integer(Some(b))) => a == b,
            (Self::Integer(_), Self::Integer(_)) => true,
            (a, b) => a == b,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text => write!(f, "text"),
            Self::Integer(Some(bits)) => write!(f, "integer ({bits} bits)"),
            Self::Integer(None) => write!(f, "integer"),
            Self::Double => write!(f, "double"),
            Self::Timestamp => write!(f, "timestamp"),
            Self::TimestampTz => write!(f, "timestamp with time zone"),
            Self::Boolean => write!(f, "boolean"),
        }
    }
}

#[derive(Clone, Debug)]
struct Column {
    /// `Err` holds a type name this test does not know, which never agrees with anything.
    kind: Result<Kind, String>,
    nullable: bool,
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Ok(kind) => write!(f, "{kind}")?,
            Err(name) => write!(f, "unknown type {name:?}")?,
        }
        if self.nullable {
            write!(f, ", nullable")
        } else {
            write!(f, ", not null")
        }
    }
}

#[derive(Default, Debug)]
struct Table {
    columns: BTreeMap<String, Column>,
    primary_key: BTreeSet<String>,
}

type Tables = BTreeMap<String, Table>;

/// The tables `diesel::table!` declares in schema.rs. Anything inside a `table!` block that is
/// not a column, a doc comment or a `use` fails the test, so that the check never silently
/// reads less than diesel does.
fn declared() -> Tables {
    let mut tables = Tables::new();
    let mut blocks = SCHEMA_RS.split("diesel::table! {").skip(1);
    for block in blocks.by_ref() {
        let mut lines = block.lines().map(str::trim).filter(|line| {
            !line.is_empty() && !line.starts_with("//") && !line.starts_with("use ")
        });
        let head = lines.next().expect("a table name");
        let (name, rest) = head
            .split_once('(')
            .unwrap_or_else(|| panic!("schema.rs: no primary key in {head:?}"));
        let (key, rest) = rest
            .split_once(')')
            .unwrap_or_else(|| panic!("schema.rs: unclosed primary key in {head:?}"));
        assert_eq!(
            rest.trim(),
            "{",
            "schema.rs: unexpected table head {head:?}"
        );
        let mut table = Table {
            primary_key: key.split(',').map(|c| c.trim().to_owned()).collect(),
            ..Table::default()
        };
        for line in lines.by_ref() {
            if line == "}" {
                break;
            }
            let (column, sql_type) = line
                .strip_suffix(',')
                .and_then(|line| line.split_once("->"))
                .unwrap_or_else(|| panic!("schema.rs, table {name}: cannot read {line:?}"));
            let sql_type = sql_type.trim();
            let (nullable, inner) = match sql_type
                .strip_prefix("Nullable<")
                .and_then(|t| t.strip_suffix('>'))
            {
                Some(inner) => (true, inner),
                None => (false, sql_type),
            };
            let kind = match inner {
                "Text" | "VarChar" => Ok(Kind::Text),
                "SmallInt" => Ok(Kind::Integer(Some(16))),
                "Integer" => Ok(Kind::Integer(Some(32))),
                "BigInt" => Ok(Kind::Integer(Some(64))),
                "Double" => Ok(Kind::Double),
                "Timestamp" => Ok(Kind::Timestamp),
                "Timestamptz" => Ok(Kind::TimestampTz),
                "Bool" => Ok(Kind::Boolean),
                other => Err(other.to_owned()),
            };
            let previous = table
                .columns
                .insert(column.trim().to_owned(), Column { kind, nullable });
            assert!(previous.is_none(), "schema.rs: {name}.{column} twice");
        }
        assert!(
            lines.next() == Some("}"),
            "schema.rs, table {name}: the table! block does not end after its columns"
        );
        let previous = tables.insert(name.trim().to_owned(), table);
        assert!(previous.is_none(), "schema.rs: table {name} twice");
    }
    tables
}

/// The column names diesel compiled for each table, in declaration order, from the SQL it
/// writes for `table.select(all_columns)`.
macro_rules! compiled {
    ($($table:ident),* $(,)?) => {
        BTreeMap::from([$({
            use porchlight::db::schema::$table;
            let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(
                &$table::table.select($table::all_columns),
            )
            .to_string();
            (stringify!($table).to_owned(), selected_columns(stringify!($table), &sql))
        }),*])
    };
}

/// `id`, `email` from "SELECT `users`.`id`, `users`.`email` FROM `users` -- binds: []".
fn selected_columns(table: &str, sql: &str) -> Vec<String> {
    let (list, _) = sql
        .strip_prefix("SELECT ")
        .and_then(|rest| rest.split_once(" FROM "))
        .unwrap_or_else(|| panic!("unexpected SQL {sql}"));
    let prefix = format!("`{table}`.`");
    list.split(", ")
        .map(|column| {
            column
                .strip_prefix(&prefix)
                .and_then(|c| c.strip_suffix('`'))
                .unwrap_or_else(|| panic!("unexpected column {column} in {sql}"))
                .to_owned()
        })
        .collect()
}

/// Every table of schema.rs, as diesel compiled it. A table added to schema.rs fails
/// `schema_rs_is_read_as_diesel_reads_it` until it is listed here too.
pub fn compiled_tables() -> BTreeMap<String, Vec<String>> {
    compiled!(
        users,
        refresh_tokens,
        password_resets,
        email_verifications,
        phone_verifications,
        sessions,
        data_exports,
        api_keys,
        login_failures,
        categories,
        partner_profiles,
        partner_categories,
        partner_area_cells,
        connections,
        audit_log,
        service_requests,
        lead_offers,
        lead_cards,
        jobs,
        job_proposals,
        agreement_signatures,
        job_events,
        penalties,
        customer_detail_reads,
        outbox,
        event_counters,
        webhook_endpoints,
        webhook_deliveries,
        webhook_attempts,
        notification_preferences,
        ratings,
        monitoring,
        monitoring_events,
        quiet_hours,
        idempotency_keys,
        devices,
        outbox_deliveries,
        ledger_accounts,
        ledger_transactions,
        ledger_entries,
        payments,
        refunds,
        webhook_events,
        payout_methods,
        payout_runs,
        payouts,
        oauth_apps,
        oauth_grants,
        oauth_codes,
        oauth_tokens,
        conversations,
        messages,
        message_reports,
        photos,
        photo_removals,
    )
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

#[derive(QueryableByName)]
struct PgKey {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = Integer)]
    notnull: i32,
    #[diesel(sql_type = Integer)]
    pk: i32,
}

/// What `information_schema` says of the public schema.
fn postgres_tables(conn: &mut PgConnection) -> Tables {
    let mut tables = Tables::new();
    let names: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type IN ('BASE TABLE', 'VIEW')",
    )
    .load(conn)
    .expect("information_schema.tables");
    for Name { name } in names {
        tables.insert(name, Table::default());
    }
    let columns: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text \
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .load(conn)
    .expect("information_schema.columns");
    for column in columns {
        let kind = match column.data_type.as_str() {
            "text" | "character varying" => Ok(Kind::Text),
            "smallint" => Ok(Kind::Integer(Some(16))),
            "integer" => Ok(Kind::Integer(Some(32))),
            "bigint" => Ok(Kind::Integer(Some(64))),
            "double precision" => Ok(Kind::Double),
            "timestamp without time zone" => Ok(Kind::Timestamp),
            "timestamp with time zone" => Ok(Kind::TimestampTz),
            "boolean" => Ok(Kind::Boolean),
            other => Err(other.to_owned()),
        };
        let nullable = column.is_nullable == "YES";
        tables
            .entry(column.table_name)
            .or_default()
            .columns
            .insert(column.column_name, Column { kind, nullable });
    }
    let keys: Vec<PgKey> = diesel::sql_query(
        "SELECT k.table_name::text, k.column_name::text \
         FROM information_schema.table_constraints c \
         JOIN information_schema.key_column_usage k \
           ON k.constraint_schema = c.constraint_schema \
          AND k.constraint_name = c.constraint_name \
          AND k.table_name = c.table_name \
         WHERE c.table_schema = 'public' AND c.constraint_type = 'PRIMARY KEY'",
    )
    .load(conn)
    .expect("information_schema.key_column_usage");
    for key in keys {
        tables
            .entry(key.table_name)
            .or_default()
            .primary_key
            .insert(key.column_name);
    }
    tables
}

/// What `PRAGMA table_info` says of every table but SQLite's own.
fn sqlite_tables(conn: &mut SqliteConnection) -> Tables {
    let names: Vec<Name> = diesel::sql_query(
        "SELECT name FROM sqlite_master \
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .load(conn)
    .expect("sqlite_master");
    let mut tables = Tables::new();
    for Name { name } in names {
        let columns: Vec<SqliteColumn> =
            diesel::sql_query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)")
                .bind::<Text, _>(&name)
                .load(conn)
                .expect("pragma_table_info");
        let mut table = Table::default();
        for column in columns {
            // Declared types as the migrations write them; SQLite itself keeps only an
            // affinity, so the check is on the words.
            let declared = column.r#type.to_ascii_uppercase();
            let kind = if declared.contains("INT") {
                Ok(Kind::Integer(None))
            } else if declared.contains("TEXT") || declared.contains("CHAR") {
                Ok(Kind::Text)
            } else if declared.contains("DOUB") || declared.contains("REAL") {
                Ok(Kind::Double)
            } else if declared == "TIMESTAMP" || declared == "DATETIME" {
                Ok(Kind::Timestamp)
            } else if declared.contains("BOOL") {
                Ok(Kind::Boolean)
            } else {
                Err(column.r#type.clone())
            };
            // A primary key column is read as not null: SQLite (for tables with rowids) lets a
            // non-integer primary key hold NULL unless it says NOT NULL, but every insert of the
            // service gives it a value and diesel's table! cannot say "nullable key" anyway.
            let nullable = column.notnull == 0 && column.pk == 0;
            if column.pk > 0 {
                table.primary_key.insert(column.name.clone());
            }
            table.columns.insert(column.name, Column { kind, nullable });
        }
        tables.insert(name, table);
    }
    tables
}

/// Every way `actual` (from the database) and `declared` (schema.rs) disagree.
fn differences(backend: &str, declared: &Tables, actual: &Tables) -> Vec<String> {
    let mut found = Vec::new();
    let exempt = |table: &str| {
        NOT_IN_SCHEMA
            .iter()
            .any(|(name, backends, _)| *name == table && backends.contains(&backend))
    };
    for (name, backends, _) in NOT_IN_SCHEMA {
        if backends.contains(&backend) && !actual.contains_key(*name) {
            found.push(format!(
                "{backend}: {name} is listed as a table schema.rs leaves out, but the \
                 migrations do not make it"
            ));
        }
    }
    for name in actual.keys().filter(|name| !exempt(name)) {
        if !declared.contains_key(name) {
            found.push(format!("{backend}: table {name} is not in schema.rs"));
        }
    }
    for (name, table) in declared {
        let Some(real) = actual.get(name) else {
            found.push(format!(
                "{backend}: table {name} of schema.rs does not exist"
            ));
            continue;
        };
        for (column, expected) in &table.columns {
            match real.columns.get(column) {
                None => found.push(format!(
                    "{backend}: {name}.{column} of schema.rs does not exist"
                )),
                Some(got) => {
                    let kinds_agree = match (&expected.kind, &got.kind) {
                        (Ok(a), Ok(b)) => a.agrees(*b),
                        _ => false,
                    };
                    if !kinds_agree || expected.nullable != got.nullable {
                        found.push(format!(
                            "{backend}: {name}.{column} is {got} in the database, \
                             {expected} in schema.rs"
                        ));
                    }
                }
            }
        }
        for column in real.columns.keys() {
            if !table.columns.contains_key(column) {
                found.push(format!("{backend}: {name}.{column} is not in schema.rs"));
            }
        }
        if table.primary_key != real.primary_key {
            found.push(format!(
                "{backend}: the primary key of {name} is {:?} in the database, {:?} in \
                 schema.rs",
                real.primary_key, table.primary_key
            ));
        }
    }
    found
}

/// The reading of schema.rs below finds the tables and columns diesel compiled, no more, no
/// fewer.
#[test]
fn schema_rs_is_read_as_diesel_reads_it() {
    let read: BTreeMap<String, BTreeSet<String>> = declared()
        .into_iter()
        .map(|(name, table)| (name, table.columns.into_keys().collect()))
        .collect();
    let compiled: BTreeMap<String, BTreeSet<String>> = compiled_tables()
        .into_iter()
        .map(|(name, columns)| (name, columns.into_iter().collect()))
        .collect();
    assert_eq!(read, compiled);
}

#[test]
fn schema_rs_matches_the_migrated_database_on_every_backend() {
    let declared = declared();
    let mut found = Vec::new();

    let database = TestDatabase::sqlite();
    let path = database.url();
    let path = path.strip_prefix("sqlite://").unwrap();
    let mut conn = DbConnection::Sqlite(SqliteConnection::establish(path).unwrap());
    porchlight::db::run_migrations(&mut conn).expect("SQLite migrations");
    let DbConnection::Sqlite(sqlite) = &mut conn else {
        unreachable!()
    };
    found.extend(differences("sqlite", &declared, &sqlite_tables(sqlite)));

    if let Some(admin_url) = postgres_admin_url() {
        let database = TestDatabase::postgres(admin_url, None);
        let pg = PgConnection::establish(&database.url()).unwrap();
        let mut conn = DbConnection::Postgres(pg);
        porchlight::db::run_migrations(&mut conn).expect("PostgreSQL migrations");
        let DbConnection::Postgres(pg) = &mut conn else {
            unreachable!()
        };
        found.extend(differences("postgres", &declared, &postgres_tables(pg)));
    }

    assert!(
        found.is_empty(),
        "schema.rs and the migrations disagree:\n  {}",
        found.join("\n  ")
    );
}
