//! The real API, in process on port 0 with its own SQLite database, for the app's tests.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::net::TcpListener;

use chrono::{DateTime, Duration, Utc};
use porchlight::Application;
use porchlight::config::Settings;
use porchlight::state::AppState;
use porchlight_app::state::Session;
use shared_types::Client;
use shared_types::auth::{LoginRequest, SignupRole};
use shared_types::partners::{MembershipTier, PartnerAdminUpdate};

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Api {
    pub url: String,
    pub state: AppState,
    _database: tempfile::TempDir,
    _running: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Api {
    #[allow(
        clippy::unused_async,
        reason = "async so that the server task starts inside the test's runtime"
    )]
    pub async fn spawn() -> Self {
        let database = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", database.path().join("app.db").display());
        let vars = [
            ("DATABASE_URL", url.as_str()),
            ("BIND_ADDR", "127.0.0.1:0"),
            ("JWT_SECRET", "app-tests-secret-app-tests-secret-0123456789"),
            ("HTTP_WORKERS", "2"),
            // Every test signs several people up from this one address.
            ("RATE_LIMIT_ANONYMOUS_PER_MINUTE", "100000"),
        ];
        let settings = Settings::from_lookup(|key| {
            vars.iter()
                .find(|(name, _)| *name == key)
                .map(|(_, value)| (*value).to_owned())
        })
        .expect("settings");
        let listener = TcpListener::bind("127.0.0.1:0").expect("port 0");
        let app = Application::build_with_listener(settings, listener).expect("the API starts");
        let url = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let running = tokio::spawn(app.run_until_stopped());
        Self {
            url,
            state,
            _database: database,
            _running: running,
        }
    }

    /// A signed-out app session on this API, showing times in UTC.
    pub fn session(&self) -> Session {
        Session::new(&self.url, chrono_tz::Tz::UTC)
    }

    /// A new account of `role`, signed in through the app's session store, its email confirmed
    /// as the emailed link would confirm it.
    pub async fn signed_up(&self, role: SignupRole, name: &str) -> Session {
        let session = self.signed_up_unconfirmed(role, name).await;
        let user = session.user().expect("signed in");
        let token = self.confirmation_token(&user.id, &user.email).await;
        session.confirm_email(&token).await.expect("confirm email");
        session
    }

    /// A new account whose email is not confirmed yet.
    pub async fn signed_up_unconfirmed(&self, role: SignupRole, name: &str) -> Session {
        let session = self.session();
        session
            .sign_up(name, &unique_email(name), PASSWORD, role)
            .await
            .expect("sign up");
        session
    }

    /// A fresh code for the account's unconfirmed phone, as the text message carries it (sent
    /// after the minute a new code waits for).
    pub async fn phone_code(&self, user_id: &str) -> String {
        let id = user_id.to_owned();
        self.state.clock.advance(Duration::seconds(61));
        let now = self.state.clock.now();
        let key = self.state.settings.jwt_secret.expose().as_bytes().to_vec();
        let text = self
            .state
            .write(move |conn| porchlight::auth::phone::resend(conn, &key, &id, now))
            .await
            .expect("a code");
        text.body
            .split(|c: char| !c.is_ascii_digit())
            .find(|word| word.len() == 6)
            .expect("six digits")
            .to_owned()
    }

    /// The token of a fresh confirmation link for the account (what its email would carry).
    pub async fn confirmation_token(&self, user_id: &str, email: &str) -> String {
        let (id, email) = (user_id.to_owned(), email.to_owned());
        let now = self.state.clock.now();
        self.state
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
            .expect("a link")
            .expect("within the hour's links")
            .token
    }

    /// A staff account made the way an operator makes one, signed in (a plain client: staff
    /// work is not in the app).
    pub async fn staff(&self) -> Client {
        let email = unique_email("staff");
        let for_db = email.clone();
        self.state
            .db(move |conn| {
                porchlight::auth::accounts::create_staff(conn, &for_db, PASSWORD, "Staff")
            })
            .await
            .expect("create staff");
        let client = Client::new(&self.url);
        let tokens = client
            .login(&LoginRequest {
                email,
                password: PASSWORD.into(),
            })
            .await
            .expect("staff login");
        client.with_token(tokens.access_token)
    }

    /// Puts a pro on the tier that also receives marketplace leads.
    pub async fn promote(&self, staff: &Client, partner: &Session) {
        let id = partner.user().expect("signed in").id;
        staff
            .admin_update_partner(
                &id,
                &PartnerAdminUpdate {
                    status: None,
                    tier: Some(MembershipTier::BrandBuilder),
                    reason: "app test set-up".into(),
                },
            )
            .await
            .expect("promote");
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now().and_utc()
    }

    /// Moves the API's clock forward.
    pub fn travel(&self, by: Duration) {
        self.state.clock.advance(by);
    }
}

pub fn unique_email(name: &str) -> String {
    let local: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    let unique = uuid::Uuid::new_v4().simple().to_string();
    format!("{local}.{}@example.com", &unique[..8])
}
