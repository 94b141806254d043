//! Where the app is. Plain data: the UI keeps the current screen and a back stack of these.

use shared_types::auth::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    SignIn,
    SignUp,
    // --- partner ---
    Onboarding,
    Leads,
    Lead(String),
    Jobs,
    Job(String),
    Wallet,
    Ratings,
    Connections,
    Settings,
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
}

impl Screen {
    /// Where a freshly signed-in user lands.
    pub fn home(role: Role) -> Self {
        match role {
            Role::Partner => Self::Leads,
            Role::Customer | Role::Staff | Role::Unknown => Self::Discover,
        }
    }

    /// The bottom tabs for a role: (screen, label).
    pub fn tabs(role: Role) -> Vec<(Self, &'static str)> {
        match role {
            Role::Partner => vec![
                (Self::Leads, "Leads"),
                (Self::Jobs, "Jobs"),
                (Self::Wallet, "Wallet"),
                (Self::Ratings, "Ratings"),
                (Self::Settings, "More"),
            ],
            Role::Customer | Role::Staff | Role::Unknown => vec![
                (Self::Discover, "Find a pro"),
                (Self::Requests, "Requests"),
                (Self::Notifications, "Alerts"),
                (Self::Settings, "More"),
            ],
        }
    }

    /// Screens anyone may see signed out.
    pub fn is_public(&self) -> bool {
        matches!(self, Self::SignIn | Self::SignUp)
    }

    /// The screen a notification's deep link (`porchlight://jobs/ID`, `/leads/ID`) opens.
    pub fn from_deep_link(link: &str) -> Option<Self> {
        let path = link
            .strip_prefix("porchlight://")
            .or_else(|| link.strip_prefix('/'))
            .unwrap_or(link);
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
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(Screen::from_deep_link("porchlight://nowhere/1"), None);
    }
}
