//! Passwords over HTTP: a change needs the current password and ends every other session; a
//! forgotten one is reset through an emailed link (real SMTP to a fake server on 127.0.0.1) that
//! works once, within the hour, ends every session, and never tells who has an account.

use shared_types::ErrorCode;
use shared_types::auth::{ChangePasswordRequest, PasswordResetConfirm};

use crate::fake_smtp::FakeSmtp;
use crate::harness::{PASSWORD, TestApp, eventually_some};

const NEW_PASSWORD: &str = "a brand new long password";

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let (user, tokens, phone) = app
        .signed_up(shared_types::auth::SignupRole::Customer)
        .await;
    let laptop_tokens = app.login(&user.email, PASSWORD).await.unwrap();
    let laptop = app.client.with_token(laptop_tokens.access_token.clone());

    let wrong = phone
        .change_password(&ChangePasswordRequest {
            current_password: "not my password".into(),
            new_password: NEW_PASSWORD.into(),
        })
        .await
        .unwrap_err();
    assert!(
        wrong
            .problem()
            .unwrap()
            .errors
            .contains_key("current_password")
    );
    assert!(laptop.me().await.is_ok(), "nothing changed");

    let fresh = phone
        .change_password(&ChangePasswordRequest {
            current_password: PASSWORD.into(),
            new_password: NEW_PASSWORD.into(),
        })
        .await
        .unwrap();
    // The other device's access and refresh tokens, and this one's old ones, no longer work.
    for stale in [&laptop, &phone] {
        let error = stale.me().await.unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::InvalidToken));
    }
    for refresh in [&laptop_tokens.refresh_token, &tokens.refresh_token] {
        assert!(app.client.refresh(refresh).await.is_err());
    }
    // The new session works; so does the new password, and only it.
    let me = app
        .client
        .with_token(fresh.access_token)
        .me()
        .await
        .unwrap();
    assert_eq!(me.id, user.id);
    assert!(app.login(&user.email, NEW_PASSWORD).await.is_ok());
    assert!(app.login(&user.email, PASSWORD).await.is_err());
}

#[tokio::test]
async fn a_forgotten_password_is_reset_once_through_the_emailed_link() {
    let smtp = FakeSmtp::start().await;
    let app = TestApp::spawn_with(&[
        ("SMTP_URL", smtp.url.as_str()),
        ("APP_LINK_BASE_URL", "https://porchlight.app"),
    ])
    .await;
    let (user, tokens, client) = app.signed_up(shared_types::auth::SignupRole::Partner).await;

    // The answer is the same for an unknown address, and nothing is sent there.
    app.client
        .request_password_reset("nobody@example.com")
        .await
        .unwrap();
    app.client
        .request_password_reset(&user.email.to_uppercase())
        .await
        .unwrap();
    let mail = eventually_some(
        std::time::Duration::from_secs(10),
        "the reset email",
        || {
            let smtp = smtp.clone();
            let email = user.email.clone();
            async move {
                smtp.received_by(&email).into_iter().find(|mail| {
                    mail.header("Subject")
                        .is_some_and(|s| s.starts_with("Reset"))
                })
            }
        },
    )
    .await;
    assert!(
        smtp.received()
            .iter()
            .all(|mail| mail.to.iter().any(|to| to.contains(&user.email))),
        "nothing for an unknown address"
    );
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("Reset your Porchlight password")
    );
    let text = mail.part("text/plain").unwrap();
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with("https://porchlight.app/reset-password?token="))
        .expect("a link in the email");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert!(token.starts_with("plp_"));
    assert!(client.me().await.is_ok(), "asking changes nothing yet");

    let confirm = |token: &str| PasswordResetConfirm {
        token: token.to_owned(),
        new_password: NEW_PASSWORD.into(),
    };
    let bad = app
        .client
        .confirm_password_reset(&confirm("plp_guessed"))
        .await
        .unwrap_err();
    assert!(bad.problem().unwrap().errors.contains_key("token"));
    app.client
        .confirm_password_reset(&confirm(&token))
        .await
        .unwrap();
    // Every session ended; the new password signs in, the old one does not.
    assert_eq!(
        client.me().await.unwrap_err().code(),
        Some(ErrorCode::InvalidToken)
    );
    assert!(app.client.refresh(&tokens.refresh_token).await.is_err());
    assert!(app.login(&user.email, NEW_PASSWORD).await.is_ok());
    assert!(app.login(&user.email, PASSWORD).await.is_err());
    // The link works once.
    let again = app
        .client
        .confirm_password_reset(&confirm(&token))
        .await
        .unwrap_err();
    assert!(again.problem().unwrap().errors.contains_key("token"));

    // A new link expires after an hour.
    app.client
        .request_password_reset(&user.email)
        .await
        .unwrap();
    let second = eventually_some(std::time::Duration::from_secs(10), "a second email", || {
        let smtp = smtp.clone();
        let email = user.email.clone();
        async move {
            let mails = smtp.received_by(&email);
            (mails.len() == 2).then(|| mails[1].part("text/plain").unwrap())
        }
    })
    .await;
    let token = second
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    app.state.clock.advance(chrono::Duration::minutes(61));
    let expired = app
        .client
        .confirm_password_reset(&confirm(&token))
        .await
        .unwrap_err();
    assert!(expired.problem().unwrap().errors.contains_key("token"));
}
