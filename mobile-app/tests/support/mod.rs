//! The real API, in process on port 0 with its own SQLite database, for the app's tests.

#![allow(dead_code, reason = "each test binary uses part of the harness")]

use std::net::TcpListener;

use chrono::{DateTime, Duration, Utc};
use porchlight::Application;
use porchlight::config::Settings;
use porchlight::state::AppState;
use porchlight_app::state::Session;
use porchlight_app::state::customer::{RequestForm, WindowForm};
use porchlight_app::state::partner::{self, LeadInbox, Onboarding};
use shared_types::Client;
use shared_types::auth::{LoginRequest, SignupRole};
use shared_types::jobs::{CompleteInput, Job, ProposalInput, SignAgreementInput};
use shared_types::partners::{MembershipTier, PartnerAdminUpdate};
use shared_types::requests::TimeWindow;
use shared_types::wallet::PaymentInput;

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
        let listener = TcpListener::bind("127.0.0.1:0").expect("port 0");
        let address = format!("http://{}", listener.local_addr().expect("an address"));
        let objects = format!("file://{}", database.path().join("objects").display());
        let vars = [
            // Photos go next to the database, and go with it.
            ("OBJECT_STORE_URL", objects.as_str()),
            ("DATABASE_URL", url.as_str()),
            ("BIND_ADDR", "127.0.0.1:0"),
            // The sandbox's payment pages are served here.
            ("PUBLIC_BASE_URL", address.as_str()),
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

    /// Records that `user_id` allowed app `app_id` its registered scopes, as the consent page
    /// does when the person presses Allow (the page itself is tested in the API's tests).
    pub async fn connect_app(&self, app_id: &str, user_id: &str) {
        use porchlight::oauth::{apps, grants};
        let (app_id, user_id) = (app_id.to_owned(), user_id.to_owned());
        let now = self.state.clock.now();
        self.state
            .write(move |conn| {
                let app = apps::find_live(conn, &app_id)?.expect("a registered app");
                let scopes = app.scopes();
                let redirect_uri = app.redirect_uris().next().unwrap_or_default().to_owned();
                let consent = grants::Consent {
                    app: &app,
                    user_id: &user_id,
                    scopes: &scopes,
                    redirect_uri: &redirect_uri,
                    code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                };
                grants::allow(conn, &consent, now)
            })
            .await
            .expect("consent recorded");
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

    /// A staff account made the way an operator makes one, signed in with a plain client (for
    /// setting up a test's scene; the console's own tests use [`Api::staff_session`]).
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

    /// A staff account made the way an operator makes one, signed in through the app's
    /// session store (the console).
    pub async fn staff_session(&self, name: &str) -> Session {
        let email = unique_email(name);
        let (for_db, display) = (email.clone(), name.to_owned());
        self.state
            .db(move |conn| {
                porchlight::auth::accounts::create_staff(conn, &for_db, PASSWORD, &display)
            })
            .await
            .expect("create staff");
        let session = self.session();
        session
            .sign_in(&email, PASSWORD)
            .await
            .expect("staff signs in");
        session
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

/// Onboards a pro through the onboarding view-model: cleaning around downtown Toronto, every
/// day 08:00–20:00 UTC.
pub async fn onboard(session: &Session, business: &str) {
    onboard_in(session, business, "UTC").await;
}

/// As [`onboard`], working 08:00–20:00 in `zone`.
pub async fn onboard_in(session: &Session, business: &str, zone: &str) {
    onboard_for(session, business, zone, &["cleaning"]).await;
}

/// As [`onboard_in`], offering `categories` (slugs).
pub async fn onboard_for(session: &Session, business: &str, zone: &str, categories: &[&str]) {
    let onboarding = Onboarding::load(session).await.expect("onboarding loads");
    assert!(!onboarding.existing);
    assert!(onboarding.categories.iter().any(|c| c.slug == "cleaning"));
    let mut form = onboarding.form;
    form.business_name = business.into();
    form.description = "Homes and condos, eco products.".into();
    form.phone = "+14165550123".into();
    form.categories = categories.iter().map(|slug| (*slug).to_owned()).collect();
    form.place = "M5H 2N2".into();
    form.radius_km = "30".into();
    form.time_zone = zone.into();
    for day in &mut form.days {
        day.open = true;
        day.start = "08:00".into();
        day.end = "20:00".into();
    }
    Onboarding::save(session, &form)
        .await
        .expect("onboarding saves");
}

/// A request form for tomorrow 10:00–12:00 (UTC) at a downtown address.
pub fn request_form(api: &Api, partner_id: Option<String>) -> RequestForm {
    let mut form = RequestForm::new(Some("cleaning".into()), partner_id, None);
    form.description = "Two-bedroom condo, deep clean before guests arrive.".into();
    form.street = "100 Queen St W".into();
    form.city = "Toronto".into();
    form.postal_code = "M5H 2N2".into();
    form.contact_phone = "+14165550199".into();
    form.windows = vec![WindowForm {
        date: (api.now() + Duration::days(1))
            .format("%Y-%m-%d")
            .to_string(),
        start: "10:00".into(),
        hours: "2".into(),
    }];
    form
}

/// A cleaning job the customer asked `pro` for, booked for tomorrow 10:00 UTC, signed and paid
/// with `card` (a sandbox test card); returns the job's id and its visit's start.
pub async fn paid_job(
    api: &Api,
    customer: &Session,
    pro: &Session,
    card: &str,
) -> (String, DateTime<Utc>) {
    let pro_id = pro.user().unwrap().id;
    let request = request_form(api, Some(pro_id))
        .submit(customer)
        .await
        .expect("the request is sent");
    let inbox = LeadInbox::load(pro).await.unwrap();
    let lead = inbox
        .waiting
        .iter()
        .find(|lead| lead.request_id == request.id)
        .expect("the pro has the lead")
        .clone();
    partner::confirm_lead(pro, &lead.id).await.unwrap();
    let job_id = lead_job(pro, &lead.id).await;
    let tomorrow = (api.now() + Duration::days(1)).date_naive();
    let start = tomorrow.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let slot = TimeWindow {
        start,
        end: start + Duration::hours(2),
    };
    let proposal = pro
        .call(|c| {
            let job_id = job_id.clone();
            async move {
                c.propose_slots(&job_id, &ProposalInput { slots: vec![slot] })
                    .await
            }
        })
        .await
        .unwrap();
    customer
        .call(|c| {
            let (job_id, proposal_id) = (job_id.clone(), proposal.id.clone());
            async move { c.accept_proposal(&job_id, &proposal_id, 0).await }
        })
        .await
        .unwrap();
    customer
        .call(|c| {
            let job_id = job_id.clone();
            async move {
                let agreement = c.agreement(&job_id).await?;
                let signature = SignAgreementInput {
                    version: agreement.version,
                    text_sha256: agreement.text_sha256,
                    typed_name: "Casey Customer".into(),
                };
                c.sign_agreement(&job_id, &signature).await?;
                let card = PaymentInput {
                    card_token: card.to_owned(),
                };
                c.pay_job(&job_id, &card, &format!("pay-{job_id}")).await
            }
        })
        .await
        .unwrap();
    (job_id, start)
}

/// A cleaning job the customer asked `pro` for, done and reported complete now.
pub async fn completed_job(api: &Api, customer: &Session, pro: &Session) -> Job {
    let (job_id, start) = paid_job(api, customer, pro, "tok_visa").await;
    api.travel(start - Duration::minutes(30) - api.now());
    pro.call(|c| {
        let job_id = job_id.clone();
        async move {
            c.start_job(&job_id).await?;
            let report = CompleteInput {
                summary: "Cleaned every room, windows inside".into(),
                photo_urls: vec![],
                photo_ids: Vec::new(),
            };
            c.complete_job(&job_id, &report).await
        }
    })
    .await
    .unwrap()
}

async fn lead_job(pro: &Session, lead_id: &str) -> String {
    partner::load_lead(pro, lead_id)
        .await
        .unwrap()
        .job_id
        .expect("a confirmed lead has its job")
}

/// Two pros offering cleaning and plumbing (Fixit Plumbing, Drain Doctors), on the tier that
/// gets marketplace leads, and a customer: the cast of the staff console's tests.
pub async fn plumbers_and_a_customer(api: &Api) -> (Session, Session, Session) {
    let setup = api.staff().await;
    let fixit = api.signed_up(SignupRole::Partner, "Fixit Plumbing").await;
    let drains = api.signed_up(SignupRole::Partner, "Drain Doctors").await;
    for (pro, business) in [(&fixit, "Fixit Plumbing"), (&drains, "Drain Doctors")] {
        onboard_for(pro, business, "UTC", &["cleaning", "plumbing"]).await;
        api.promote(&setup, pro).await;
    }
    let customer = api.signed_up(SignupRole::Customer, "Casey Customer").await;
    (fixit, drains, customer)
}

/// The pro applies to the request's lead with a message and a quote, through the lead screen.
pub async fn apply_to(pro: &Session, request_id: &str, message: &str, quote: &str) {
    let lead = LeadInbox::load(pro)
        .await
        .unwrap()
        .waiting
        .into_iter()
        .find(|lead| lead.request_id == request_id)
        .expect("the pro was offered the lead");
    partner::apply_to_lead(pro, &lead, message, quote)
        .await
        .unwrap();
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

/// What the customer's browser does on the sandbox's payment page at `url`: types the card
/// `number` and submits. Returns the answer's status and where it sends the browser (the app's
/// job link once paid).
pub async fn pay_on_page(url: &str, number: &str) -> (u16, String) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(url)
        .form(&[("card_number", number), ("expiry", "12/40"), ("cvc", "123")])
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), location)
}
