//! `TestApp::spawn()`: the real application on port 0 with its own database, and helpers to make
//! users of each role.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use porchlight::Application;
use porchlight::config::Settings;
use porchlight::state::AppState;
use shared_types::Client;
use shared_types::auth::{LoginRequest, RegisterRequest, SignupRole, TokenResponse, User};
use shared_types::partners::Availability;

pub const PASSWORD: &str = "correct horse battery staple";
const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// The same hours (`HH:MM`, end exclusive, `24:00` for midnight) every day of the week.
pub fn every_day(time_zone: &str, start: &str, end: &str) -> Availability {
    Availability::every_day(time_zone, start, end)
}

/// Polls `check` every 20 ms until it gives a value, for at most `within`; `None` if it never
/// did.
pub async fn poll<T, F, Fut>(within: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `check` holds, polling every 20 ms; fails the test after `within`.
pub async fn eventually<F, Fut>(within: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let held = poll(within, || {
        let holds = check();
        async move { holds.await.then_some(()) }
    })
    .await;
    assert!(
        held.is_some(),
        "the condition did not hold within {within:?}"
    );
}

/// Waits until `check` gives a value and returns it, polling every 20 ms; fails the test with
/// `what` after `within`.
pub async fn eventually_some<T, F, Fut>(within: Duration, what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    poll(within, check)
        .await
        .unwrap_or_else(|| panic!("{what}: not within {within:?}"))
}

/// A database that exists for one test and is removed after it.
pub enum TestDatabase {
    Sqlite(tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// The database of another `TestApp`, which owns (and removes) it.
    Shared(String),
}

/// `TEST_DATABASE_URL`, when set: a PostgreSQL database we may connect to and create databases
/// from, e.g. `postgres://postgres@127.0.0.1:5432/postgres`.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

impl TestDatabase {
    /// A database with every migration applied: SQLite in a temp dir (the service migrates it
    /// when it starts), or, when TEST_DATABASE_URL is set, a new PostgreSQL database copied from
    /// the migrated template (`migrated_template`).
    pub fn create() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => {
                let template = migrated_template(&admin_url);
                Self::postgres(admin_url, Some(template))
            }
            None => Self::sqlite(),
        }
    }

    /// A database no migration has touched, on the backend `create` would choose.
    pub fn empty() -> Self {
        match postgres_admin_url() {
            Some(admin_url) => Self::postgres(admin_url, None),
            None => Self::sqlite(),
        }
    }

    /// An empty SQLite database in a temp dir.
    pub fn sqlite() -> Self {
        Self::Sqlite(tempfile::tempdir().expect("temp dir"))
    }

    /// A new PostgreSQL database on the server of `admin_url`, a copy of `template` if given
    /// (otherwise empty).
    pub fn postgres(admin_url: String, template: Option<&str>) -> Self {
        let name = format!("porchlight_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(&admin_url)
            .expect("TEST_DATABASE_URL: cannot connect to PostgreSQL");
        let create = match template {
            Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
            None => format!("CREATE DATABASE {name}"),
        };
        admin
            .batch_execute(&create)
            .expect("cannot create the test database");
        Self::Postgres { admin_url, name }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => format!("sqlite://{}", dir.path().join("test.db").display()),
            Self::Postgres { admin_url, name } => database_url(admin_url, name),
            Self::Shared(url) => url.clone(),
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url().starts_with("postgres")
    }
}

/// The URL of database `name` on the server of `admin_url`, with its parameters
/// (`?sslmode=disable`).
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, parameters) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(base, parameters)| {
            (base, Some(parameters))
        });
    let (server, _) = base.rsplit_once('/').expect("TEST_DATABASE_URL has a path");
    match parameters {
        Some(parameters) => format!("{server}/{name}?{parameters}"),
        None => format!("{server}/{name}"),
    }
}

/// The PostgreSQL migrations, as the service embeds them.
const PG_MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/postgres");

/// Serialises the making of templates across test processes (advisory locks are per database,
/// so it is taken on the TEST_DATABASE_URL database, which every process shares).
const TEMPLATE_LOCK: i64 = 7_480_932;

/// The name of a database with every PostgreSQL migration applied, made once per migration set
/// and kept on the server: `porchlight_template_<hash of the migration files>`. Test databases
/// are copies of it (`CREATE DATABASE … TEMPLATE`), which is much faster than migrating each.
///
/// Test processes running at once agree through an advisory lock: the first makes it under
/// another name, migrates it, closes its connection and renames it; the others find it made.
/// The template refuses connections, since PostgreSQL copies only a database nobody is
/// connected to.
fn migrated_template(admin_url: &str) -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let name = format!("porchlight_template_{}", migrations_hash());
        let mut admin = PgConnection::establish(admin_url)
            .expect("TEST_DATABASE_URL: cannot connect to PostgreSQL");
        admin
            .batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
            .expect("template lock");
        if !database_exists(&mut admin, &name) {
            // A build that died half-way leaves this behind; it is never a template.
            let building = format!("{name}_building");
            for statement in [
                format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
                format!("CREATE DATABASE {building}"),
            ] {
                admin
                    .batch_execute(&statement)
                    .expect("cannot create the template database");
            }
            {
                let pg = PgConnection::establish(&database_url(admin_url, &building))
                    .expect("cannot connect to the template database");
                let mut conn = porchlight::db::DbConnection::Postgres(pg);
                porchlight::db::run_migrations(&mut conn).expect("migrations");
            }
            for statement in [
                format!("ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false"),
                format!("ALTER DATABASE {building} RENAME TO {name}"),
            ] {
                admin
                    .batch_execute(&statement)
                    .expect("cannot publish the template database");
            }
        }
        admin
            .batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
            .expect("template unlock");
        name
    })
}

fn database_exists(admin: &mut PgConnection, name: &str) -> bool {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT COUNT(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result::<Count>(admin)
        .expect("pg_database")
        .n
        > 0
}

/// A hash of every file under the PostgreSQL migrations directory (paths and contents), so that
/// a changed or added migration gets a template of its own.
fn migrations_hash() -> String {
    use sha2::{Digest, Sha256};
    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("migrations directory") {
            let path = entry.expect("migrations directory").path();
            if path.is_dir() {
                files(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(PG_MIGRATIONS);
    let mut paths = Vec::new();
    files(root, &mut paths);
    paths.sort();
    let mut hasher = Sha256::new();
    for path in paths {
        let relative = path.strip_prefix(root).expect("under the root");
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&path).expect("migration file"));
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..8])
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Checks, when a test's app goes away after the test passed, that every read model agrees with
/// the tables it is built from (the lead feed's cards).
struct ReadModelCheck(porchlight::db::DbPool);

impl Drop for ReadModelCheck {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let mut conn = self.0.get().expect("a connection for the read model check");
        let problems = porchlight::db::snapshot_read(&mut conn, |conn| {
            porchlight::requests::cards::check(conn)
        })
        .expect("check the lead cards");
        assert!(
            problems.is_empty(),
            "the lead feed's cards disagree with the tables:\n{}",
            problems.join("\n")
        );
    }
}

pub struct TestApp {
    pub address: String,
    /// An anonymous client; `with_token` makes an authenticated one.
    pub client: Client,
    pub state: AppState,
    /// Before the database goes: the read models must agree with the tables.
    _read_models: ReadModelCheck,
    pub database: TestDatabase,
    server: porchlight::StopHandle,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
    overrides: Vec<(String, String)>,
    /// The directory the photos go to, removed with the first app on it.
    objects: Option<std::sync::Arc<tempfile::TempDir>>,
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// Starts the service with extra settings (`("LOGIN_MAX_FAILURES", "2")`, …). Photos go
    /// to a directory of the test's own unless `OBJECT_STORE_URL` is among them.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        if overrides.iter().any(|(key, _)| *key == "OBJECT_STORE_URL") {
            return Self::spawn_on(TestDatabase::create(), overrides).await;
        }
        let objects = tempfile::tempdir().expect("a directory for the test's photos");
        let url = format!("file://{}", objects.path().display());
        let mut with_store = overrides.to_vec();
        with_store.push(("OBJECT_STORE_URL", &url));
        let mut app = Self::spawn_on(TestDatabase::create(), &with_store).await;
        app.objects = Some(std::sync::Arc::new(objects));
        app
    }

    /// Starts the service with its photos in a new bucket of the S3-compatible server at
    /// `TEST_S3_ENDPOINT` (`scripts/s3-test-server`); `None` when that is not set.
    pub async fn spawn_with_s3(overrides: &[(&str, &str)]) -> Option<Self> {
        let endpoint = std::env::var("TEST_S3_ENDPOINT").ok()?;
        let bucket = format!("porchlight-test-{}", uuid::Uuid::new_v4().simple());
        let created = reqwest::Client::new()
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .expect("TEST_S3_ENDPOINT: cannot reach the S3 server");
        assert!(
            created.status().is_success(),
            "create bucket: {}",
            created.status()
        );
        let url = format!(
            "s3://{bucket}?endpoint={endpoint}&region=us-east-1&allow_http=true\
             &access_key_id=test&secret_access_key=test"
        );
        let mut with_store = overrides.to_vec();
        with_store.push(("OBJECT_STORE_URL", &url));
        Some(Self::spawn_on(TestDatabase::create(), &with_store).await)
    }

    /// Starts the service on an existing test database.
    #[allow(
        clippy::unused_async,
        reason = "async so that it runs inside the test's runtime"
    )]
    pub async fn spawn_on(database: TestDatabase, overrides: &[(&str, &str)]) -> Self {
        let database_url = database.url();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let address = format!("http://{}", listener.local_addr().expect("bound address"));
        let mut vars: Vec<(String, String)> = vec![
            ("PUBLIC_BASE_URL".into(), address.clone()),
            ("DATABASE_URL".into(), database_url),
            ("BIND_ADDR".into(), "127.0.0.1:0".into()),
            ("JWT_SECRET".into(), JWT_SECRET.into()),
            ("HTTP_WORKERS".into(), "1".into()),
            // Tests sweep offers themselves, at the time they choose.
            ("SWEEP_INTERVAL_SECS".into(), "0".into()),
            // Likewise, tests deliver the outbox when they choose (or turn the worker on).
            ("OUTBOX_POLL_INTERVAL_MS".into(), "0".into()),
            // And run the retention sweep themselves.
            ("RETENTION_INTERVAL_SECS".into(), "0".into()),
            // Limits on (every answer carries them) but out of reach of a test's bursts from
            // one address; the rate-limit tests set their own.
            ("RATE_LIMIT_PER_MINUTE".into(), "1000000".into()),
            ("RATE_LIMIT_ANONYMOUS_PER_MINUTE".into(), "1000000".into()),
        ];
        vars.extend(overrides.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        let settings = Settings::from_lookup(|key| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
        .expect("test settings");
        let app = Application::build_with_listener(settings, listener).expect("app builds");
        let state = app.state().clone();
        let server = app.server_handle();
        let running = tokio::spawn(app.run_until_stopped());
        Self {
            client: Client::new(&address),
            address,
            _read_models: ReadModelCheck(state.pool.clone()),
            state,
            database,
            server,
            running,
            overrides: overrides
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            objects: None,
        }
    }

    /// A second instance on this one's database, as another replica behind a load balancer.
    pub async fn replica(&self) -> Self {
        let overrides: Vec<(&str, &str)> = self
            .overrides
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        Self::spawn_on(TestDatabase::Shared(self.database.url()), &overrides).await
    }

    /// Stops this instance abruptly (its workers die wherever they are) and starts a new one,
    /// with the same settings, on the same database, as a crashed and restarted server would.
    pub async fn restart(self) -> Self {
        self.server.stop(false).await;
        self.running.abort();
        let _ = self.running.await;
        let overrides: Vec<(&str, &str)> = self
            .overrides
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut app = Self::spawn_on(self.database, &overrides).await;
        app.objects = self.objects;
        app
    }

    /// Stops this instance gracefully, as SIGTERM does: open streams end, requests in flight
    /// finish.
    pub async fn stop(&self) {
        self.server.stop(true).await;
    }

    /// A unique email for this test run.
    pub fn unique_email(prefix: &str) -> String {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}{n}-{}@example.com", uuid::Uuid::new_v4().simple())
    }

    /// Registers, confirms the email of, and signs in a new account; returns it, its tokens and
    /// an authenticated client.
    pub async fn signed_up(&self, role: SignupRole) -> (User, TokenResponse, Client) {
        let (user, tokens, client) = self.signed_up_unconfirmed(role).await;
        let user = self.confirm_email(&user).await;
        (user, tokens, client)
    }

    /// Follows a confirmation link for `user`'s address, as the emailed one would be followed
    /// (the link is made here rather than read from a mailbox; `verification.rs` reads it from
    /// a real one).
    pub async fn confirm_email(&self, user: &User) -> User {
        let (id, email) = (user.id.clone(), user.email.clone());
        let now = self.state.clock.now();
        let link = self
            .state
            .write(move |conn| {
                porchlight::auth::verification::issue(
                    conn,
                    &id,
                    &email,
                    porchlight::auth::verification::Purpose::Confirm,
                    now,
                )
            })
            .await
            .expect("a confirmation link")
            .expect("within the hour's links");
        self.client
            .confirm_email(&link.token)
            .await
            .expect("confirm email")
    }

    /// Registers and signs in a new account whose email is not confirmed yet.
    pub async fn signed_up_unconfirmed(&self, role: SignupRole) -> (User, TokenResponse, Client) {
        let email = Self::unique_email(match role {
            SignupRole::Customer => "customer",
            SignupRole::Partner => "partner",
        });
        let user = self
            .client
            .register(&RegisterRequest {
                email: email.clone(),
                password: PASSWORD.into(),
                name: "Test User".into(),
                role,
            })
            .await
            .expect("register");
        let tokens = self.login(&email, PASSWORD).await.expect("login");
        let client = self.client.with_token(&tokens.access_token);
        (user, tokens, client)
    }

    pub async fn customer(&self) -> (User, Client) {
        let (user, _, client) = self.signed_up(SignupRole::Customer).await;
        (user, client)
    }

    pub async fn partner(&self) -> (User, Client) {
        let (user, _, client) = self.signed_up(SignupRole::Partner).await;
        (user, client)
    }

    /// A staff account, made the way an operator makes one (`create-staff`), signed in.
    pub async fn staff(&self) -> (User, Client) {
        let email = Self::unique_email("staff");
        let user = self
            .state
            .db({
                let email = email.clone();
                move |conn| {
                    porchlight::auth::accounts::create_staff(conn, &email, PASSWORD, "Staff")
                }
            })
            .await
            .expect("create staff");
        let tokens = self.login(&email, PASSWORD).await.expect("staff login");
        (user, self.client.with_token(tokens.access_token))
    }

    /// The email of the account `client` is signed in as.
    pub async fn me_email(&self, client: &Client) -> String {
        client.me().await.expect("me").email
    }

    pub async fn login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<TokenResponse, shared_types::ClientError> {
        self.client
            .login(&LoginRequest {
                email: email.into(),
                password: password.into(),
            })
            .await
    }

    /// Runs raw SQL against the test database (to set up states the API cannot reach).
    pub async fn sql(&self, statement: &str) {
        let statement = statement.to_owned();
        self.state
            .db(move |conn| Ok(conn.batch_execute(&statement)?))
            .await
            .expect("sql");
    }

    /// A single number from the test database.
    pub async fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        use diesel::sql_types::BigInt;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let query = format!("SELECT COUNT(*) AS n FROM {table}");
        self.state
            .db(move |conn| Ok(diesel::sql_query(query).get_result::<Count>(conn)?.n))
            .await
            .expect("count")
    }
}
