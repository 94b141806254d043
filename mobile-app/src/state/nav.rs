//! Where the app is. Plain data: the UI keeps the current screen and a back stack of these.

use shared_types::auth::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    SignIn,
    SignUp,
    ForgotPassword,
    /// A reset link's token.
    ResetPassword(String),
    /// A confirmation link's token.
    VerifyEmail(String),
    // --- partner ---
    Onboarding,
    Leads,
    Lead(String),
    Jobs,
    Job(String),
    Wallet,
    Ratings,
    Connections,
    /// The pro's photos of past work.
    Portfolio,
    Settings,
    /// Name, phone, signed-in devices and one's data, from settings.
    Account,
    /// Deleting the account, from settings.
    DeleteAccount,
    // --- customer ---
    Discover,
    Pro(String),
    NewRequest {
        category: Option<String>,
        partner_id: Option<String>,
    },
    Requests,
    Request(String),
    Notifications,
    // --- both sides ---
    /// Conversations with customers or pros.
    Conversations,
    Conversation(String),
    // --- staff ---
    /// The work waiting for staff, by kind.
    Queue,
    /// Review-category requests waiting for a choice among their applicants.
    Assignments,
    Confirmations,
    Disputes,
    /// One disputed job's case, to decide.
    Dispute(String),
    Monitoring,
    /// Pros: search, and one pro's file.
    Partners,
    PartnerFile(String),
    Catalogue,
    Payouts,
    /// Refused refunds, penalties, the ledger check.
    Money,
    /// The audit log, customer-detail reads, failed notifications.
    Records,
    /// A payout's remittance statement (the pro's own, or any for staff).
    Statement(String),
}

impl Screen {
    /// Where a freshly signed-in user lands.
    pub fn home(role: Role) -> Self {
        match role {
            Role::Partner => Self::Leads,
            Role::Staff => Self::Queue,
            Role::Customer | Role::Unknown => Self::Discover,
        }
    }

    /// The bottom tabs for a role: (screen, label).
    pub fn tabs(role: Role) -> Vec<(Self, &'static str)> {
        match role {
            Role::Partner => vec![
                (Self::Leads, "Leads"),
                (Self::Jobs, "Jobs"),
                (Self::Conversations, "Messages"),
                (Self::Wallet, "Wallet"),
                (Self::Ratings, "Ratings"),
                (Self::Settings, "More"),
            ],
            Role::Staff => vec![
                (Self::Queue, "Queue"),
                (Self::Assignments, "Assignments"),
                (Self::Confirmations, "Confirmations"),
                (Self::Disputes, "Disputes"),
                (Self::Monitoring, "Monitoring"),
                (Self::Partners, "Partners"),
                (Self::Catalogue, "Catalogue"),
                (Self::Payouts, "Payouts"),
                (Self::Money, "Money"),
                (Self::Records, "Records"),
                (Self::Settings, "Settings"),
            ],
            Role::Customer | Role::Unknown => vec![
                (Self::Discover, "Find a pro"),
                (Self::Requests, "Requests"),
                (Self::Conversations, "Messages"),
                (Self::Notifications, "Alerts"),
                (Self::Settings, "More"),
            ],
        }
    }

    /// Screens anyone may see signed out.
    pub fn is_public(&self) -> bool {
        matches!(
            self,
            Self::SignIn
                | Self::SignUp
                | Self::ForgotPassword
                | Self::ResetPassword(_)
                | Self::VerifyEmail(_)
        )
    }

    /// The screen an account email's link opens: `porchlight://verify-email?token=…` or, on the
    /// web, `https://host/reset-password?token=…` (or just its path and query).
    pub fn from_account_link(link: &str) -> Option<Self> {
        let rest = link
            .strip_prefix("porchlight://")
            .or_else(|| {
                let after_scheme = link.split_once("://")?.1;
                Some(after_scheme.split_once('/').map_or("", |(_, path)| path))
            })
            .unwrap_or(link)
            .trim_start_matches('/');
        let (path, query) = rest.split_once('?')?;
        let token = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .filter(|token| !token.is_empty())?
            .to_owned();
        match path.trim_end_matches('/') {
            "verify-email" => Some(Self::VerifyEmail(token)),
            "reset-password" => Some(Self::ResetPassword(token)),
            _ => None,
        }
    }

    /// The screen a notification's deep link (`porchlight://jobs/ID`, `/leads/ID`) opens, or a
    /// web link of the app (`https://porchlight.app/jobs/ID?payment=…`, where the payment page
    /// sends the customer back).
    pub fn from_deep_link(link: &str) -> Option<Self> {
        let path = link
            .strip_prefix("porchlight://")
            .or_else(|| {
                let after_scheme = link.split_once("://")?.1;
                Some(after_scheme.split_once('/').map_or("", |(_, path)| path))
            })
            .or_else(|| link.strip_prefix('/'))
            .unwrap_or(link);
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let mut parts = path.trim_end_matches('/').split('/');
        let (kind, id) = (parts.next()?, parts.next());
        let id = id.filter(|id| !id.is_empty()).map(str::to_owned);
        match (kind, id) {
            ("leads", Some(id)) => Some(Self::Lead(id)),
            ("leads", None) => Some(Self::Leads),
            ("jobs", Some(id)) => Some(Self::Job(id)),
            ("jobs", None) => Some(Self::Jobs),
            ("requests", Some(id)) => Some(Self::Request(id)),
            ("requests", None) => Some(Self::Requests),
            ("wallet" | "payouts", _) => Some(Self::Wallet),
            ("ratings" | "reviews", _) => Some(Self::Ratings),
            ("conversations", Some(id)) => Some(Self::Conversation(id)),
            ("conversations", None) => Some(Self::Conversations),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_links_open_their_screen_on_the_phone_and_on_the_web() {
        assert_eq!(
            Screen::from_account_link("porchlight://verify-email?token=plv_a-b_c"),
            Some(Screen::VerifyEmail("plv_a-b_c".into()))
        );
        assert_eq!(
            Screen::from_account_link("https://porchlight.app/reset-password?token=plp_x&utm=1"),
            Some(Screen::ResetPassword("plp_x".into()))
        );
        assert_eq!(
            Screen::from_account_link("/verify-email?token=plv_y"),
            Some(Screen::VerifyEmail("plv_y".into()))
        );
        for nothing in [
            "/",
            "/verify-email",
            "/verify-email?token=",
            "/leads?token=x",
            "porchlight://jobs/1",
        ] {
            assert_eq!(Screen::from_account_link(nothing), None, "{nothing}");
        }
    }

    #[test]
    fn deep_links_open_their_screen() {
        assert_eq!(
            Screen::from_deep_link("porchlight://jobs/abc"),
            Some(Screen::Job("abc".into()))
        );
        assert_eq!(
            Screen::from_deep_link("/leads/x1"),
            Some(Screen::Lead("x1".into()))
        );
        assert_eq!(
            Screen::from_deep_link("porchlight://leads"),
            Some(Screen::Leads)
        );
        assert_eq!(
            Screen::from_deep_link("porchlight://conversations/c1"),
            Some(Screen::Conversation("c1".into()))
        );
        assert_eq!(Screen::from_deep_link("porchlight://nowhere/1"), None);
        // The payment page sends the customer back to the job's web link.
        assert_eq!(
            Screen::from_deep_link("https://porchlight.app/jobs/j1?payment=p1&cancelled=true"),
            Some(Screen::Job("j1".into()))
        );
    }
}
