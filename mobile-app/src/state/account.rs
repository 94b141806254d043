//! The "Your account" screen: name, phone (confirmed by a texted code), signed-in devices, the
//! apps allowed to act for the person, and one's data to download.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use shared_types::account::{DeviceSession, ProfileUpdate};
use shared_types::auth::User;
use shared_types::oauth::ConnectedApp;
use shared_types::pagination::PageParams;

use super::error::AppError;
use super::session::Session;

/// What the screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountView {
    pub user: User,
    pub sessions: Vec<DeviceSession>,
    /// Apps (a CRM, a booking site) the person allowed to act for them.
    pub connected_apps: Vec<ConnectedApp>,
}

impl AccountView {
    pub async fn load(session: &Session) -> Result<Self, AppError> {
        let user = session.reload_user().await?;
        let sessions = session
            .call(|c| async move { c.sessions(&PageParams::default()).await })
            .await?
            .items;
        let connected_apps = session
            .call(|c| async move { c.connected_apps(&PageParams::default()).await })
            .await?
            .items;
        Ok(Self {
            user,
            sessions,
            connected_apps,
        })
    }
}

/// What a person does on the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountAction {
    Rename(String),
    /// Sets the phone number: a code is texted to it.
    SetPhone(String),
    ConfirmPhone(String),
    ResendCode,
    /// Signs one other device out.
    EndSession(String),
    /// Signs out everywhere (the password confirms it).
    EndEverywhere(String),
    /// Stops a connected app acting for the person (by the connection's id).
    Disconnect(String),
    /// Makes an archive of one's data and offers it as a file.
    Download,
}

/// A file for the browser to save: its name and a `data:` URL.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedFile {
    pub name: String,
    pub href: String,
    pub size_bytes: u64,
}

impl SavedFile {
    /// A text file to offer for download, carried in a `data:` address.
    pub fn of_text(name: &str, mime: &str, text: &str) -> Self {
        Self {
            name: name.to_owned(),
            href: format!("data:{mime};base64,{}", STANDARD.encode(text)),
            size_bytes: u64::try_from(text.len()).unwrap_or(u64::MAX),
        }
    }
}

/// Runs `action`; a download answers with the file to offer.
pub async fn run(session: &Session, action: AccountAction) -> Result<Option<SavedFile>, AppError> {
    match action {
        AccountAction::Rename(name) => {
            let update = ProfileUpdate {
                name: Some(name.trim().to_owned()),
                locale: None,
            };
            session
                .call(|c| {
                    let update = update.clone();
                    async move { c.update_profile(&update).await }
                })
                .await?;
        }
        AccountAction::SetPhone(phone) => {
            let phone = phone.trim().replace([' ', '-', '(', ')'], "");
            session
                .call(|c| {
                    let phone = phone.clone();
                    async move { c.set_phone(&phone).await }
                })
                .await?;
        }
        AccountAction::ConfirmPhone(code) => {
            let code = code.trim().to_owned();
            session
                .call(|c| {
                    let code = code.clone();
                    async move { c.confirm_phone(&code).await }
                })
                .await?;
        }
        AccountAction::ResendCode => {
            session
                .call(|c| async move { c.resend_phone_code().await })
                .await?;
        }
        AccountAction::EndSession(id) => {
            session
                .call(|c| {
                    let id = id.clone();
                    async move { c.end_session(&id).await }
                })
                .await?;
        }
        AccountAction::Disconnect(id) => {
            session
                .call(|c| {
                    let id = id.clone();
                    async move { c.disconnect_app(&id).await }
                })
                .await?;
        }
        AccountAction::EndEverywhere(password) => {
            session
                .call(|c| {
                    let password = password.clone();
                    async move { c.end_all_sessions(&password).await }
                })
                .await?;
            session.sign_out().await;
        }
        AccountAction::Download => {
            let made = session
                .call(|c| async move { c.export_data().await })
                .await?;
            let archive = session
                .call(|c| {
                    let id = made.id.clone();
                    async move { c.download_export(&id).await }
                })
                .await?;
            let json = serde_json::to_string_pretty(&archive).map_err(|error| {
                AppError::Unexpected(format!("the archive could not be read: {error}"))
            })?;
            return Ok(Some(SavedFile {
                name: format!(
                    "porchlight-data-{}.json",
                    made.created_at.format("%Y-%m-%d")
                ),
                href: format!("data:application/json;base64,{}", STANDARD.encode(json)),
                size_bytes: made.size_bytes,
            }));
        }
    }
    Ok(None)
}

/// "iPhone app", "Chrome on Linux"… from a `User-Agent`, for the list of devices.
pub fn device_label(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent else {
        return "Unknown device".to_owned();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("Porchlight/", "Porchlight app"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| name);
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Mac OS X", "Mac"),
        ("Windows", "Windows"),
        ("Linux", "Linux"),
        ("(Web)", "the web"),
        ("(iOS)", "iPhone"),
        ("(Desktop)", "a computer"),
    ]
    .into_iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(one), None) | (None, Some(one)) => one.to_owned(),
        (None, None) => agent.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::device_label;

    #[test]
    fn devices_are_named_from_their_user_agent() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                      Chrome/131.0 Safari/537.36";
        assert_eq!(device_label(Some(chrome)), "Chrome on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_label(Some(iphone)), "Safari on iPhone");
        assert_eq!(
            device_label(Some("Porchlight/0.1.0 (Web)")),
            "Porchlight app on the web"
        );
        assert_eq!(device_label(None), "Unknown device");
        assert_eq!(device_label(Some("curl/8.5.0")), "curl/8.5.0");
    }
}
