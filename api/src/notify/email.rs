//! Email alerts over SMTP (lettre): a plain-text and an HTML part with a link that opens the
//! app (or the web app) on the thing the alert is about. The `Message-ID` is derived from the
//! outbox id, so a message sent twice after a crash is one message to the mail client.

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::message::Notification;

/// Why an email could not be sent.
#[derive(Debug)]
pub enum MailError {
    /// The relay is unreachable or said "try later" (4xx).
    Retry(String),
    /// The relay refused it for good (5xx), or the address is unusable.
    Fatal(String),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `https://…`: where links in emails point (`{base}/leads/{offer_id}`).
    link_base: String,
    /// The right-hand side of our Message-IDs.
    domain: String,
}

impl Mailer {
    /// A mailer for the relay at `smtp_url` (`smtp://host:port`, `smtps://user:pass@host`,
    /// `smtp://host?tls=required`), sending as `from` (`Name <address>`).
    pub fn new(smtp_url: &str, from: &str, link_base: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|error| format!("SMTP_URL: {error}"))?
            .build();
        let from = sender(from).map_err(|error| format!("EMAIL_FROM: {error}"))?;
        let domain = from.email.domain().to_owned();
        Ok(Self {
            transport,
            from,
            link_base: link_base.trim_end_matches('/').to_owned(),
            domain,
        })
    }

    /// Sends `notification` (outbox message `outbox_id`) to `to`.
    pub async fn send(
        &self,
        to: &str,
        notification: &Notification,
        outbox_id: &str,
    ) -> Result<(), MailError> {
        self.deliver(to, notification, outbox_id, ALERT_FOOTER)
            .await
    }

    /// Sends an email about the account itself (a password reset link), whatever the alert
    /// settings; `id` makes its Message-ID.
    pub async fn send_account_email(
        &self,
        to: &str,
        notification: &Notification,
        id: &str,
    ) -> Result<(), MailError> {
        self.deliver(to, notification, id, ACCOUNT_FOOTER).await
    }

    /// Sends a notice about a change to the account (not something the person asked for by
    /// email, so its footer does not say "ignore it").
    pub async fn send_account_notice(
        &self,
        to: &str,
        notification: &Notification,
        id: &str,
    ) -> Result<(), MailError> {
        self.deliver(to, notification, id, NOTICE_FOOTER).await
    }

    async fn deliver(
        &self,
        to: &str,
        notification: &Notification,
        id: &str,
        footer: &str,
    ) -> Result<(), MailError> {
        let outbox_id = id;
        let recipient: Mailbox = to
            .parse()
            .map_err(|error| MailError::Fatal(format!("recipient {to}: {error}")))?;
        let link = web_link(&self.link_base, notification);
        let message = Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(&notification.title)
            .message_id(Some(format!("<{outbox_id}@{}>", self.domain)))
            .multipart(MultiPart::alternative_plain_html(
                plain_text(notification, &link, footer),
                html(notification, &link, footer),
            ))
            .map_err(|error| MailError::Fatal(error.to_string()))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(MailError::Fatal(error.to_string())),
            Err(error) => Err(MailError::Retry(error.to_string())),
        }
    }
}

/// Checks an `SMTP_URL` without connecting: scheme, host, `tls` parameter, credentials.
/// Its errors never quote the URL, which may hold a password.
pub fn check_smtp_url(smtp_url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
        .map(drop)
        .map_err(|error| error.to_string())
}

/// The sender mailbox (`Name <address>` or a bare address, as in `EMAIL_FROM`).
pub fn sender(from: &str) -> Result<Mailbox, String> {
    from.parse()
        .map_err(|error: lettre::address::AddressError| error.to_string())
}

/// `porchlight://leads/x` -> `{link_base}/leads/x`.
fn web_link(link_base: &str, notification: &Notification) -> String {
    let deep_link = notification
        .data
        .get("deep_link")
        .map_or("home", String::as_str);
    let path = deep_link.strip_prefix("porchlight://").unwrap_or(deep_link);
    format!("{link_base}/{path}")
}

const ALERT_FOOTER: &str =
    "You get this email because of your notification settings in the Porchlight app.";
const ACCOUNT_FOOTER: &str = "You get this email because someone asked for it for your \
     Porchlight account. If it was not you, ignore it: nothing changes.";

const NOTICE_FOOTER: &str = "You get this email because it is about your Porchlight account.";

fn plain_text(notification: &Notification, link: &str, footer: &str) -> String {
    format!(
        "{}\n\n{}\n\nOpen it in Porchlight: {link}\n\n-- \n{footer}\n",
        notification.title, notification.body
    )
}

fn html(notification: &Notification, link: &str, footer: &str) -> String {
    let (title, body, link, footer) = (
        escape(&notification.title),
        escape(&notification.body),
        escape(link),
        escape(footer),
    );
    format!(
        "<!doctype html>\n<html><body style=\"font-family:sans-serif;color:#1f2937\">\n\
         <h1 style=\"font-size:20px\">{title}</h1>\n<p>{body}</p>\n\
         <p><a href=\"{link}\" style=\"background:#f59e0b;color:#111827;padding:10px 16px;\
         border-radius:6px;text-decoration:none\">Open in Porchlight</a></p>\n\
         <p style=\"font-size:12px;color:#6b7280\">{footer}</p>\n</body></html>\n"
    )
}

/// Text into HTML: user-written words (a city, a description) must not become markup.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_in_html_and_links_open_the_web_app() {
        let notification = Notification {
            title: "New job near you".into(),
            body: "A customer in <script>alert('x')</script> & co".into(),
            data: [("deep_link".to_owned(), "porchlight://leads/o1".to_owned())].into(),
            ttl: None,
        };
        let page = html(
            &notification,
            "https://porchlight.app/leads/o1",
            ALERT_FOOTER,
        );
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co"));
        assert!(!page.contains("<script>"));
        assert_eq!(
            web_link("https://porchlight.app", &notification),
            "https://porchlight.app/leads/o1"
        );
    }
}
