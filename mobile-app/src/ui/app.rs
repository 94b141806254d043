//! The root component: the session and navigation contexts, the screen switch, the tab bar.

use std::future::Future;

use dioxus::prelude::*;
use shared_types::auth::Role;

use super::kit::STYLESHEET;
use super::{account, auth, conversations, customer, jobs, partner, settings, staff, statement};
use crate::state::{AppError, Screen, Session};

/// Navigation: the current screen on top of a back stack.
#[derive(Clone, Copy, PartialEq)]
pub struct Nav {
    stack: Signal<Vec<Screen>>,
}

impl Nav {
    pub fn current(&self) -> Screen {
        self.stack.read().last().cloned().unwrap_or(Screen::SignIn)
    }

    pub fn can_go_back(&self) -> bool {
        self.stack.read().len() > 1
    }

    /// Opens `screen` on top of the current one.
    pub fn go(&mut self, screen: Screen) {
        self.stack.write().push(screen);
    }

    pub fn back(&mut self) {
        let mut stack = self.stack.write();
        if stack.len() > 1 {
            stack.pop();
        }
    }

    /// Starts over at `screen` (tabs, sign-in, sign-out).
    pub fn reset(&mut self, screen: Screen) {
        *self.stack.write() = vec![screen];
    }

    /// The back handler for a page: `None` at the bottom of the stack.
    pub fn back_handler(self) -> Option<EventHandler<()>> {
        let mut nav = self;
        self.can_go_back()
            .then(|| EventHandler::new(move |()| nav.back()))
    }
}

pub fn use_nav() -> Nav {
    use_context()
}

pub fn use_session() -> Session {
    use_context()
}

/// The state of a button's action: busy while it runs, its error after.
#[derive(Clone, Copy, PartialEq)]
pub struct Action {
    pub busy: Signal<bool>,
    pub error: Signal<Option<AppError>>,
}

pub fn use_action() -> Action {
    Action {
        busy: use_signal(|| false),
        error: use_signal(|| None),
    }
}

impl Action {
    /// Runs `work` unless it is already running; keeps its error for the screen.
    pub fn run(self, work: impl Future<Output = Result<(), AppError>> + 'static) {
        let Self {
            mut busy,
            mut error,
        } = self;
        if busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            let result = work.await;
            busy.set(false);
            if let Err(failure) = result {
                error.set(Some(failure));
            }
        });
    }

    pub fn error(&self) -> Option<AppError> {
        self.error.read().clone()
    }
}

/// The app. Needs a [`Session`] in its root context (the launcher provides it).
#[component]
pub fn App() -> Element {
    let session = use_session();
    let start = session.role().map_or(Screen::SignIn, Screen::home);
    let stack = use_signal(|| vec![start]);
    let mut nav = use_context_provider(|| Nav { stack });
    super::push::use_push_provider(&session, nav);
    let watched = session.clone();
    use_future(move || {
        let session = watched.clone();
        async move {
            let mut signed_in = session.watch_signed_in();
            while signed_in.changed().await.is_ok() {
                if !*signed_in.borrow_and_update() {
                    nav.reset(Screen::SignIn);
                }
            }
        }
    });
    // Opened from an account email's link (`/verify-email?token=…`): that screen first.
    use_future(move || async move {
        // Read once: the spent token leaves the address bar, so a reload does not replay it.
        let location = dioxus::document::eval(
            "const here = location.pathname + location.search; \
             if (here.includes('token=')) history.replaceState(null, '', '/'); \
             return here;",
        )
        .await;
        if let Some(screen) = location
            .ok()
            .and_then(|location| Screen::from_account_link(location.as_str()?))
        {
            nav.reset(screen);
        }
    });
    // The zone of the browser (or webview) the app runs in: the user's own.
    let adopting = session.clone();
    use_future(move || {
        let session = adopting.clone();
        async move {
            let zone =
                dioxus::document::eval("return Intl.DateTimeFormat().resolvedOptions().timeZone;")
                    .await;
            if let Some(zone) = zone.ok().and_then(|zone| zone.as_str()?.parse().ok()) {
                session.adopt_device_time_zone(zone);
            }
        }
    });
    let current = nav.current();
    let role = session.role();
    let signed_in_role = role.filter(|_| !current.is_public());
    if signed_in_role == Some(Role::Staff) {
        return rsx! {
            style { {STYLESHEET} }
            div { class: "app app-console",
                SideMenu { current: current.clone() }
                div { class: "console-main", {screen(&current)} }
            }
        };
    }
    rsx! {
        style { {STYLESHEET} }
        div { class: "app",
            {screen(&current)}
            // Onboarding has one way on (save); an edit goes back from its own header.
            if let Some(role) = signed_in_role.filter(|_| current != Screen::Onboarding) {
                TabBar { role, current: current.clone() }
            }
        }
    }
}

/// The console's menu: the staff's screens down the left, the current one marked.
#[component]
pub fn SideMenu(current: Screen) -> Element {
    let mut nav = use_nav();
    let session = use_session();
    let name = session.user().map(|user| user.name).unwrap_or_default();
    rsx! {
        nav { class: "sidemenu", "aria-label": "Console",
            p { class: "sidemenu-brand", "Porchlight staff" }
            p { class: "sidemenu-who", "{name}" }
            for (screen, label) in Screen::tabs(Role::Staff) {
                button {
                    class: if screen == current { "sidemenu-item sidemenu-active" } else { "sidemenu-item" },
                    "aria-current": if screen == current { "page" } else { "false" },
                    onclick: {
                        let screen = screen.clone();
                        move |_| nav.reset(screen.clone())
                    },
                    "{label}"
                }
            }
        }
    }
}

fn screen(current: &Screen) -> Element {
    match current.clone() {
        Screen::SignIn => rsx! { auth::SignInScreen {} },
        Screen::SignUp => rsx! { auth::SignUpScreen {} },
        Screen::ForgotPassword => rsx! { account::ForgotPasswordScreen {} },
        Screen::ResetPassword(token) => {
            rsx! { account::ResetPasswordScreen { key: "{token}", token } }
        }
        Screen::VerifyEmail(token) => rsx! { account::VerifyEmailScreen { key: "{token}", token } },
        Screen::Onboarding => rsx! { partner::onboarding::OnboardingScreen {} },
        Screen::Leads => rsx! { partner::leads::LeadsScreen {} },
        Screen::Lead(id) => rsx! { partner::lead::LeadScreen { key: "{id}", id } },
        Screen::Jobs => rsx! { jobs::JobsScreen {} },
        Screen::Job(id) => rsx! { jobs::JobScreen { key: "{id}", id } },
        Screen::Wallet => rsx! { partner::wallet::WalletScreen {} },
        Screen::Ratings => rsx! { partner::ratings::RatingsScreen {} },
        Screen::Connections => rsx! { partner::connections::ConnectionsScreen {} },
        Screen::Portfolio => rsx! { partner::portfolio::PortfolioScreen {} },
        Screen::Settings => rsx! { settings::SettingsScreen {} },
        Screen::DeleteAccount => rsx! { account::DeleteAccountScreen {} },
        Screen::Account => rsx! { account::AccountScreen {} },
        Screen::Discover => rsx! { customer::discover::DiscoverScreen {} },
        Screen::Pro(id) => rsx! { customer::pro::ProScreen { key: "{id}", id } },
        Screen::NewRequest {
            category,
            partner_id,
        } => rsx! { customer::new_request::NewRequestScreen { category, partner_id } },
        Screen::Requests => rsx! { customer::requests::RequestsScreen {} },
        Screen::Request(id) => rsx! { customer::requests::RequestScreen { key: "{id}", id } },
        Screen::Notifications => rsx! { customer::notifications::NotificationsScreen {} },
        Screen::Conversations => rsx! { conversations::ConversationsScreen {} },
        Screen::Conversation(id) => {
            rsx! { conversations::ConversationScreen { key: "{id}", id } }
        }
        Screen::Queue => rsx! { staff::queue::QueueScreen {} },
        Screen::Assignments => rsx! { staff::assignments::AssignmentsScreen {} },
        Screen::Confirmations => rsx! { staff::confirmations::ConfirmationsScreen {} },
        Screen::Disputes => rsx! { staff::disputes::DisputesScreen {} },
        Screen::Dispute(id) => rsx! { staff::disputes::DisputeScreen { key: "{id}", id } },
        Screen::Monitoring => rsx! { staff::monitoring::MonitoringScreen {} },
        Screen::Partners => rsx! { staff::partners::PartnersScreen {} },
        Screen::PartnerFile(id) => rsx! { staff::partners::PartnerFileScreen { key: "{id}", id } },
        Screen::Catalogue => rsx! { staff::catalogue::CatalogueScreen {} },
        Screen::Payouts => rsx! { staff::payouts::PayoutsScreen {} },
        Screen::Money => rsx! { staff::money::MoneyScreen {} },
        Screen::Records => rsx! { staff::records::RecordsScreen {} },
        Screen::Statement(id) => rsx! { statement::StatementScreen { key: "{id}", id } },
    }
}

#[component]
pub fn TabBar(role: Role, current: Screen) -> Element {
    let mut nav = use_nav();
    rsx! {
        nav { class: "tabbar", "aria-label": "Main",
            for (screen, label) in Screen::tabs(role) {
                button {
                    class: if screen == current { "tab tab-active" } else { "tab" },
                    "aria-current": if screen == current { "page" } else { "false" },
                    onclick: {
                        let screen = screen.clone();
                        move |_| nav.reset(screen.clone())
                    },
                    "{label}"
                }
            }
        }
    }
}

/// Loads with the session; `restart()` the resource to load again.
pub fn use_loader<T, F, Fut>(load: F) -> Resource<Result<T, AppError>>
where
    T: 'static,
    F: Fn(Session) -> Fut + 'static,
    Fut: Future<Output = Result<T, AppError>> + 'static,
{
    let session = use_session();
    use_resource(move || load(session.clone()))
}

/// What a loader holds, as the views take it.
pub fn loadable<T: Clone>(resource: &Resource<Result<T, AppError>>) -> crate::state::Loadable<T> {
    match &*resource.read() {
        None => crate::state::Loadable::Loading,
        Some(result) => crate::state::Loadable::from_result(result.clone()),
    }
}

/// Follows the live stream (`/v1/events`), reconnecting with `Last-Event-ID`; reloads
/// `resource` whenever an event whose name starts with `prefix` arrives. Returns "connected".
pub fn use_live<T: 'static>(prefix: &'static str, resource: Resource<T>) -> Signal<bool> {
    let session = use_session();
    let mut connected = use_signal(|| false);
    use_future(move || {
        let session = session.clone();
        let mut resource = resource;
        async move {
            let mut last_id: Option<String> = None;
            loop {
                let opened = session
                    .call(|c| {
                        let last_id = last_id.clone();
                        async move { c.events(last_id.as_deref()).await }
                    })
                    .await;
                match opened {
                    Ok(mut stream) => {
                        connected.set(true);
                        while let Some(Ok(event)) = stream.next().await {
                            if event.id.is_some() {
                                last_id.clone_from(&event.id);
                            }
                            if event
                                .event
                                .as_deref()
                                .is_some_and(|name| name.starts_with(prefix))
                            {
                                resource.restart();
                            }
                        }
                        connected.set(false);
                    }
                    Err(AppError::SignedOut) => return,
                    Err(error) => tracing::debug!(%error, "live stream unavailable"),
                }
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            }
        }
    });
    connected
}

/// The current time, ticking every `seconds` (countdowns).
pub fn use_now(seconds: u64) -> Signal<chrono::DateTime<chrono::Utc>> {
    let mut now = use_signal(chrono::Utc::now);
    use_future(move || async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
            now.set(chrono::Utc::now());
        }
    });
    now
}
