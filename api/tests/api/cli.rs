//! The `porchlight` binary: settings errors exit 2 with one clear line; `migrate`,
//! `create-staff` and `seed-demo` work against a real database.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use shared_types::ErrorCode;
use shared_types::auth::Role;
use shared_types::events::EventType;
use shared_types::requests::{OfferStatus, RequestStatus};

use crate::harness::{PASSWORD, TestApp, TestDatabase, poll};

/// Runs the binary to its end; one still running after a minute (say, `serve` that should
/// have refused its settings) is killed and fails the test.
fn porchlight(args: &[&str], env: &[(&str, &str)]) -> Output {
    // An empty working directory, so that no developer's .env is read.
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_porchlight"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let child = command.spawn().unwrap();
    let pid = child.id();
    let (done, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = output.recv_timeout(Duration::from_mins(1)) else {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        panic!("porchlight {args:?} was still running after a minute");
    };
    output.unwrap()
}

#[test]
fn invalid_settings_exit_2_naming_the_variable() {
    let secret = "a-production-secret-that-must-never-be-printed";
    let files = tempfile::tempdir().unwrap();
    let file = |name: &str, content: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let missing = files.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let not_json = file("not-json.json", "private_key: hunter2");
    let not_an_account = file("other.json", r#"{"type": "authorized_user"}"#);
    let wrong_type = file(
        "wrong-type.json",
        r#"{"project_id": "p", "client_email": "e", "private_key": ["hunter2"], "token_uri": "t"}"#,
    );
    let bad_key = file(
        "bad-key.json",
        r#"{"project_id": "p", "client_email": "e", "private_key": "hunter2", "token_uri": "t"}"#,
    );
    let production = [("APP_ENV", "production"), ("JWT_SECRET", secret)];
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("DATABASE_URL", "mysql://localhost/db")], "DATABASE_URL"),
        (&[("BIND_ADDR", "everywhere")], "BIND_ADDR"),
        (&[("APP_ENV", "production")], "JWT_SECRET"),
        (
            &[("DB_POOL_SIZE", "-1"), ("JWT_SECRET", secret)],
            "DB_POOL_SIZE",
        ),
        (
            &[("FCM_SERVICE_ACCOUNT_FILE", missing)],
            "FCM_SERVICE_ACCOUNT_FILE",
        ),
        (
            &[("FCM_SERVICE_ACCOUNT_FILE", files.path().to_str().unwrap())],
            "FCM_SERVICE_ACCOUNT_FILE",
        ),
        (
            &[("FCM_SERVICE_ACCOUNT_FILE", &not_json)],
            "FCM_SERVICE_ACCOUNT_FILE",
        ),
        (
            &[("FCM_SERVICE_ACCOUNT_FILE", &not_an_account)],
            "FCM_SERVICE_ACCOUNT_FILE",
        ),
        (
            &[("FCM_SERVICE_ACCOUNT_FILE", &wrong_type)],
            "FCM_SERVICE_ACCOUNT_FILE",
        ),
        (
            &[("FCM_SERVICE_ACCOUNT_FILE", &bad_key)],
            "FCM_SERVICE_ACCOUNT_FILE",
        ),
        (&[("FCM_BASE_URL", "fcm.googleapis.com")], "FCM_BASE_URL"),
        (&[("SMTP_URL", "mail.example.com:25")], "SMTP_URL"),
        (
            &[("SMTP_URL", "ftp://user:hunter2@mail.example.com")],
            "SMTP_URL",
        ),
        (
            &[(
                "SMTP_URL",
                "smtp://user:hunter2@mail.example.com?tls=sometimes",
            )],
            "SMTP_URL",
        ),
        (&[("EMAIL_FROM", "alerts at porchlight")], "EMAIL_FROM"),
        (
            &[("APP_LINK_BASE_URL", "porchlight.app")],
            "APP_LINK_BASE_URL",
        ),
        (&production, "PAYMENT_PROVIDER"),
        (
            &[
                ("APP_ENV", "production"),
                ("JWT_SECRET", secret),
                ("PAYMENT_PROVIDER", "sandbox"),
            ],
            "PAYMENT_PROVIDER",
        ),
    ];
    for (env, variable) in cases {
        let output = porchlight(&["serve"], env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{variable}: {stderr}");
        assert!(stderr.contains(variable), "{variable}: {stderr}");
        assert!(!stderr.contains("panicked"), "{variable}: {stderr}");
        assert!(!stderr.contains(secret));
        assert!(!stderr.contains("hunter2"), "{variable}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
    }
}

/// A production setup that passes the settings checks (Stripe, never contacted here).
const PRODUCTION: [(&str, &str); 5] = [
    ("APP_ENV", "production"),
    (
        "JWT_SECRET",
        "a-production-secret-of-enough-length-0123456789",
    ),
    ("PAYMENT_PROVIDER", "stripe"),
    ("STRIPE_SECRET_KEY", "sk_test_123"),
    ("STRIPE_WEBHOOK_SECRET", "whsec_123"),
];

#[tokio::test]
async fn an_address_in_use_names_bind_addr() {
    let database = TestDatabase::create();
    let url = database.url();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = porchlight(
        &["serve"],
        &[("DATABASE_URL", url.as_str()), ("BIND_ADDR", addr.as_str())],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let expected = format!("cannot listen on {addr} (BIND_ADDR): address in use");
    assert!(stderr.contains(&expected), "{stderr}");
}

#[test]
fn an_unreachable_database_is_reported_at_once_in_the_drivers_words() {
    // A directory where the SQLite file should be: the driver refuses at once.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().display());
    let mut cases = vec![(url, "unable to open database file".to_owned())];
    if let Ok(admin_url) = std::env::var("TEST_DATABASE_URL")
        && !admin_url.is_empty()
    {
        let base = admin_url.split('?').next().unwrap();
        let (server, _) = base.rsplit_once('/').unwrap();
        let name = format!("porchlight_missing_{}", uuid::Uuid::new_v4().simple());
        cases.push((
            format!("{server}/{name}"),
            format!("database \"{name}\" does not exist"),
        ));
    }
    for (url, words) in cases {
        for command in ["serve", "migrate"] {
            let started = Instant::now();
            let output = porchlight(&[command], &[("DATABASE_URL", url.as_str())]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(1), "{command}: {stderr}");
            assert!(
                stderr.contains("cannot reach the database (DATABASE_URL)"),
                "{command}: {stderr}"
            );
            assert!(stderr.contains(&words), "{command}: {stderr}");
            assert!(!stderr.contains("timed out"), "{command}: {stderr}");
            // Not the pool's timeout (DB_POOL_TIMEOUT_SECS, 5 s by default).
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "{command}: {:?}",
                started.elapsed()
            );
        }
    }
}

/// Every variable the README's configuration table documents is in `.env.example`, and the
/// table documents every variable the settings read.
#[test]
fn the_readme_table_the_settings_and_env_example_agree() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let example = std::fs::read_to_string(root.join(".env.example")).unwrap();
    let config = std::fs::read_to_string(root.join("api/src/config.rs")).unwrap();
    let is_variable =
        |word: &str| word.len() > 2 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    let table: std::collections::BTreeSet<String> = readme
        .split("### Configuration")
        .nth(1)
        .and_then(|rest| rest.split("\n###").next())
        .unwrap()
        .lines()
        .filter(|line| line.starts_with("| `"))
        .flat_map(|line| {
            let first = line.split('|').nth(1).unwrap_or_default();
            first
                .split('`')
                .filter(|word| is_variable(word))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let listed: std::collections::BTreeSet<String> = example
        .lines()
        .filter_map(|line| line.trim_start_matches('#').split_once('='))
        .map(|(name, _)| name.trim().to_owned())
        .filter(|name| is_variable(name))
        .collect();
    let read: std::collections::BTreeSet<String> = config
        .split("#[cfg(test)]")
        .next()
        .unwrap()
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|word| is_variable(word))
        .map(str::to_owned)
        .collect();
    let missing: Vec<_> = table.difference(&listed).collect();
    assert!(missing.is_empty(), ".env.example lacks {missing:?}");
    let unlisted: Vec<_> = listed.difference(&table).collect();
    assert!(unlisted.is_empty(), "the README lacks {unlisted:?}");
    let undocumented: Vec<_> = read.difference(&table).collect();
    assert!(undocumented.is_empty(), "the README lacks {undocumented:?}");
    // RUST_LOG is read by the log filter, not the settings.
    let unread: Vec<_> = table
        .difference(&read)
        .filter(|name| *name != "RUST_LOG")
        .collect();
    assert!(unread.is_empty(), "the settings do not read {unread:?}");
}

/// The rows of the README's table headed by `header` (after its `| --- |` line).
fn readme_table(header: &str) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    readme
        .split(header)
        .nth(1)
        .unwrap_or_else(|| panic!("the README has no table {header}"))
        .lines()
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .map(str::to_owned)
        .collect()
}

/// The README's event table lists every type of the catalogue, described as the code (and so
/// the OpenAPI document) describes it.
#[test]
fn the_readme_lists_the_event_catalogue() {
    let rows = readme_table("| type | when, and what `data` holds |");
    let expected: Vec<String> = EventType::known()
        .map(|event_type| {
            format!(
                "| `{}` | {} |",
                event_type.as_str(),
                event_type.description()
            )
        })
        .collect();
    assert_eq!(rows, expected);
}

/// The README's error table lists every code with its status and what it means, as the code
/// (and so the OpenAPI document's `ErrorCode` description) says.
#[test]
fn the_readme_lists_every_error_code() {
    let rows = readme_table("| code | status | when it happens, and what to do |");
    let expected: Vec<String> = ErrorCode::known()
        .map(|code| {
            format!(
                "| `{}` | {} | {} |",
                code.as_str(),
                code.status(),
                code.meaning()
            )
        })
        .collect();
    assert_eq!(rows, expected);
}

#[tokio::test]
async fn migrate_and_create_staff_commands() {
    let database = TestDatabase::empty();
    let url = database.url();
    let env = [("DATABASE_URL", url.as_str()), ("STAFF_PASSWORD", PASSWORD)];

    let migrate = porchlight(&["migrate"], &env);
    assert!(migrate.status.success(), "{migrate:?}");
    assert!(
        String::from_utf8_lossy(&migrate.stdout).starts_with("applied "),
        "{migrate:?}"
    );
    let again = porchlight(&["migrate"], &env);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "no pending migrations"
    );

    let args = [
        "create-staff",
        "--email",
        "Ops@Example.com",
        "--name",
        "Ops",
    ];
    let created = porchlight(&args, &env);
    assert!(created.status.success(), "{created:?}");
    let duplicate = porchlight(&args, &env);
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
    let weak = porchlight(
        &[
            "create-staff",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--password",
            "short",
        ],
        &[("DATABASE_URL", url.as_str())],
    );
    assert_eq!(weak.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let app = TestApp::spawn_on(database, &[]).await;
    let tokens = app.login("ops@example.com", PASSWORD).await.unwrap();
    let me = app
        .client
        .with_token(tokens.access_token)
        .me()
        .await
        .unwrap();
    assert_eq!(me.role, Role::Staff);
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn seed_demo_fills_a_marketplace_once_renews_its_stale_requests_and_never_runs_in_production()
{
    let database = TestDatabase::create();
    let url = database.url();
    let env = [("DATABASE_URL", url.as_str())];
    let mut production_env = PRODUCTION.to_vec();
    production_env.push(("DATABASE_URL", url.as_str()));
    let production = porchlight(&["seed-demo"], &production_env);
    assert_eq!(production.status.code(), Some(1), "{production:?}");

    let seeded = porchlight(&["seed-demo"], &env);
    assert!(seeded.status.success(), "{seeded:?}");
    let listing = String::from_utf8_lossy(&seeded.stdout);
    assert!(listing.contains("maya@demo.porchlight.test"), "{listing}");
    let again = porchlight(&["seed-demo"], &env);
    assert!(again.status.success());
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(again.contains("already there; 0 request(s)"), "{again}");

    // What it made works through the API: the cleaner has the open request as a lead, the
    // plumber the profile lead, and the customers see their requests.
    let app = TestApp::spawn_on(database, &[]).await;
    assert_eq!(app.count("users").await, 9);
    let sign_in = |email: &'static str| {
        let app = &app;
        async move {
            let tokens = app.login(email, porchlight::demo::PASSWORD).await.unwrap();
            app.client.with_token(tokens.access_token)
        }
    };
    let leads = |client: shared_types::Client| async move {
        client
            .leads(
                &shared_types::requests::LeadFilter::default(),
                &shared_types::PageParams::default(),
            )
            .await
            .unwrap()
            .items
    };
    assert_eq!(
        leads(sign_in("maya@demo.porchlight.test").await)
            .await
            .len(),
        1
    );
    assert_eq!(
        leads(sign_in("lena@demo.porchlight.test").await)
            .await
            .len(),
        1
    );
    assert!(
        leads(sign_in("jon@demo.porchlight.test").await)
            .await
            .is_empty()
    );
    let alex = sign_in("alex@demo.porchlight.test").await;
    let requests = alex
        .list_requests(&shared_types::PageParams::default())
        .await
        .unwrap();
    assert_eq!(requests.items.len(), 1);
    let staff = sign_in("staff@demo.porchlight.test").await;
    assert_eq!(staff.me().await.unwrap().role, Role::Staff);

    // An hour on, the cleaner's offer has expired; a run asks again, and a live lead is back.
    // The plumber's profile lead waits for its pro until the windows pass: it stays.
    app.state.clock.advance(chrono::Duration::hours(1));
    let now = app.state.clock.now();
    let policy = porchlight::requests::LeadPolicy::from(app.state.settings.as_ref());
    let refreshed = app
        .state
        .db(move |conn| porchlight::demo::seed(conn, policy, now))
        .await
        .unwrap();
    assert_eq!(
        refreshed,
        porchlight::demo::Seeded::Refreshed { renewed: 1 }
    );
    let live = leads(sign_in("maya@demo.porchlight.test").await)
        .await
        .into_iter()
        .filter(|lead| lead.status == OfferStatus::Offered && lead.expires_at > now.and_utc())
        .count();
    assert_eq!(live, 1);
    let requests = alex
        .list_requests(&shared_types::PageParams::default())
        .await
        .unwrap()
        .items;
    let statuses: Vec<RequestStatus> = requests.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [RequestStatus::Open, RequestStatus::Cancelled]);
    assert_eq!(
        leads(sign_in("lena@demo.porchlight.test").await)
            .await
            .len(),
        1
    );
}

#[test]
fn openapi_command_prints_the_contract() {
    let output = porchlight(&["openapi"], &[]);
    assert!(output.status.success());
    let yaml = String::from_utf8(output.stdout).unwrap();
    assert_eq!(yaml, porchlight::openapi_yaml().unwrap());
}

/// `porchlight serve` as a process on a free port; its log is kept for the assertions.
struct Serving {
    child: std::process::Child,
    address: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Serving {
    fn start(env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_porchlight"))
            .arg("serve")
            .current_dir(dir.path())
            .env_clear()
            .envs(env.iter().copied())
            .env("BIND_ADDR", "127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        let kept = std::sync::Arc::clone(&log);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some((_, rest)) = line.split_once("listening on ")
                    && let Some((address, _)) = rest.split_once(';')
                {
                    let _ = address_tx.send(address.to_owned());
                }
                let mut log = kept.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let address = address_rx
            .recv_timeout(Duration::from_mins(1))
            .unwrap_or_else(|_| panic!("the service did not start: {}", log.lock().unwrap()));
        Self {
            child,
            address,
            log,
            _dir: dir,
        }
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits up to `limit` for the process to end; its exit status and how long it took.
    async fn exit_within(
        &mut self,
        limit: Duration,
    ) -> Option<(std::process::ExitStatus, Duration)> {
        let started = Instant::now();
        poll(limit, || {
            let exited = self.child.try_wait().unwrap();
            std::future::ready(exited.map(|status| (status, started.elapsed())))
        })
        .await
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sigterm_ends_open_streams_and_the_process_exits_at_once() {
    let database = TestDatabase::create();
    let url = database.url();
    let mut serving = Serving::start(&[("DATABASE_URL", url.as_str())]);
    let client = shared_types::Client::new(&serving.address);
    let email = TestApp::unique_email("stream");
    client
        .register(&shared_types::auth::RegisterRequest {
            email: email.clone(),
            password: PASSWORD.into(),
            name: "Pro".into(),
            role: shared_types::auth::SignupRole::Partner,
        })
        .await
        .unwrap();
    let tokens = client
        .login(&shared_types::auth::LoginRequest {
            email,
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    let mut stream = client
        .with_token(tokens.access_token)
        .events(None)
        .await
        .unwrap();

    serving.signal("TERM");
    let exited = serving.exit_within(Duration::from_secs(10)).await;
    let log = serving.log.lock().unwrap().clone();
    let (status, took) = exited.unwrap_or_else(|| panic!("still running after 10 s: {log}"));
    assert!(status.success(), "{status}: {log}");
    assert!(took < Duration::from_secs(5), "{took:?}: {log}");
    let end = tokio::time::timeout(Duration::from_secs(1), stream.next()).await;
    assert!(
        matches!(end, Ok(None)),
        "the stream was ended by the server: {end:?}"
    );
}
