//! Hot reads on PostgreSQL without the blocking pool: each HTTP worker thread keeps one async
//! connection (tokio-postgres), which every request on that worker shares (their queries are
//! pipelined on it), and prepares each statement once on it.
//!
//! Used for the few reads that every app screen makes (the lead feed), and for one write that
//! two hundred pros may make at once: a lost confirm's mark on the offer (see
//! [`crate::requests::race`]). That mark is the only write here, and losing it in a crash would
//! only forget that the pro had answered, so these connections do not wait for the commit to
//! reach the disk (`synchronous_commit = off`): one disk flush per loser would queue them all
//! behind each other on the worker's connection. Connections carry no
//! TLS, so the hot path is taken only when the `DATABASE_URL` allows an unencrypted connection
//! (`sslmode=disable` or `prefer`, or a unix socket); otherwise, and on SQLite, callers use the
//! sync path ([`crate::state::AppState::db`]). A hot read that fails for any reason is logged
//! and answered on the sync path, so the hot path never changes an answer, only its speed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::str::FromStr;

use tokio::sync::OnceCell;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};

use crate::config::DatabaseUrl;

/// Where hot reads go, when they may: a PostgreSQL that accepts an unencrypted connection.
#[derive(Clone, Debug)]
pub struct HotDb {
    /// The connection settings, and the key of this database's per-thread connection.
    target: Option<(Config, String)>,
}

impl HotDb {
    pub fn new(url: &DatabaseUrl) -> Self {
        let target = match url {
            DatabaseUrl::Postgres(url) => Config::from_str(url)
                .ok()
                .filter(allows_plain_connection)
                .map(|config| (config, url.clone())),
            DatabaseUrl::Sqlite(_) => None,
        };
        Self { target }
    }

    /// True when reads may take the hot path.
    pub fn enabled(&self) -> bool {
        self.target.is_some()
    }

    /// Runs `sql` with `params` on this worker's connection; `None` when the hot path is off or
    /// failed (the caller then reads on the sync path).
    pub async fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Option<Vec<Row>> {
        let (config, key) = self.target.as_ref()?;
        let slot = WORKER_CONNECTIONS.with(|slots| {
            let mut slots = slots.borrow_mut();
            let slot = slots.entry(key.clone()).or_default();
            if slot.get().is_some_and(|conn| conn.client.is_closed()) {
                *slot = Rc::default();
            }
            Rc::clone(slot)
        });
        let conn = match slot.get_or_try_init(|| connect(config)).await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(%error, "hot read: no connection, reading on the pool");
                return None;
            }
        };
        match conn.run(sql, params).await {
            Ok(rows) => Some(rows),
            Err(error) => {
                tracing::warn!(%error, "hot read failed, reading on the pool");
                None
            }
        }
    }
}

/// libpq's `require` and `verify-*` ask for TLS, which these connections do not speak.
fn allows_plain_connection(config: &Config) -> bool {
    let socket = config
        .get_hosts()
        .iter()
        .all(|host| matches!(host, Host::Unix(_)));
    socket || matches!(config.get_ssl_mode(), SslMode::Disable | SslMode::Prefer)
}

struct WorkerConnection {
    client: Client,
    /// Prepared statements by their SQL; the requests that want one before it is ready wait for
    /// the same preparation.
    statements: RefCell<HashMap<String, Rc<OnceCell<Statement>>>>,
}

thread_local! {
    /// This thread's connection to each database it reads from (a test process runs several
    /// services, each on its own database).
    static WORKER_CONNECTIONS: RefCell<HashMap<String, Rc<OnceCell<WorkerConnection>>>> =
        RefCell::default();
}

async fn connect(config: &Config) -> Result<WorkerConnection, tokio_postgres::Error> {
    let (client, connection) = config.connect(NoTls).await?;
    // The connection's I/O runs on this worker, beside the requests that use it.
    tokio::task::spawn_local(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "hot read connection closed");
        }
    });
    client
        .batch_execute("SET synchronous_commit TO off")
        .await?;
    Ok(WorkerConnection {
        client,
        statements: RefCell::default(),
    })
}

impl WorkerConnection {
    async fn run(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        let slot = Rc::clone(
            self.statements
                .borrow_mut()
                .entry(sql.to_owned())
                .or_default(),
        );
        let statement = slot.get_or_try_init(|| self.client.prepare(sql)).await?;
        let result = self.client.query(statement, params).await;
        if result.is_err() {
            // Prepared again next time: a statement may fail for good once the schema under it
            // changes (a new release's migration, say).
            self.statements.borrow_mut().remove(sql);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hot(url: &str) -> bool {
        HotDb::new(&DatabaseUrl::parse(url).unwrap()).enabled()
    }

    #[test]
    fn only_urls_that_allow_a_plain_connection_take_the_hot_path() {
        assert!(hot(
            "postgres://postgres@127.0.0.1:5432/app?sslmode=disable"
        ));
        assert!(hot("postgres://postgres@127.0.0.1:5432/app"));
        assert!(hot("postgres://postgres@%2Fvar%2Frun%2Fpostgresql/app"));
        assert!(!hot(
            "postgres://postgres@db.example.com/app?sslmode=require"
        ));
        // Modes tokio-postgres does not know: the pool's libpq handles them.
        assert!(!hot(
            "postgres://postgres@db.example.com/app?sslmode=verify-full"
        ));
        assert!(!hot("sqlite://data/app.db"));
    }
}
