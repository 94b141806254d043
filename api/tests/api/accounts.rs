//! One's own account over HTTP: the email confirmed by an emailed link (real SMTP to a fake
//! server on 127.0.0.1) before asking for work or receiving leads, an email change confirmed at
//! the new address, a phone confirmed by a texted code (a Twilio-compatible fake on 127.0.0.1)
//! before a pro is given it, profile edits, and the signed-in devices.

use std::time::Duration;

use shared_types::ErrorCode;
use shared_types::account::{EmailChangeRequest, ProfileUpdate};
use shared_types::auth::{LoginRequest, SignupRole};
use shared_types::partners::{PartnerProfileInput, PartnerSearch, ServiceAreaInput};
use shared_types::{Client, PageParams};

use crate::fake_sms::{FakeSms, UNTEXTABLE};
use crate::fake_smtp::{FakeSmtp, ReceivedMail};
use crate::harness::{PASSWORD, TestApp, eventually_some};

/// The `token` of the link in the newest email to `to` whose subject starts with `subject`.
async fn emailed_token(smtp: &FakeSmtp, to: &str, subject: &str) -> (ReceivedMail, String) {
    let mail = eventually_some(Duration::from_secs(10), subject, || {
        let (smtp, to, subject) = (smtp.clone(), to.to_owned(), subject.to_owned());
        async move {
            smtp.received_by(&to).into_iter().rev().find(|mail| {
                mail.header("Subject")
                    .is_some_and(|s| s.starts_with(&subject))
            })
        }
    })
    .await;
    let text = mail.part("text/plain").unwrap();
    let link = text
        .split_whitespace()
        .find(|word| word.starts_with("https://porchlight.app/verify-email?token="))
        .expect("a link in the email");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    (mail, token)
}

fn with_mail(smtp: &FakeSmtp) -> [(&str, &str); 2] {
    [
        ("SMTP_URL", smtp.url.as_str()),
        ("APP_LINK_BASE_URL", "https://porchlight.app"),
    ]
}

#[tokio::test]
async fn a_new_account_confirms_its_email_before_asking_for_work_or_being_found() {
    let smtp = FakeSmtp::start().await;
    let app = TestApp::spawn_with(&with_mail(&smtp)).await;
    let (user, _, customer) = app.signed_up_unconfirmed(SignupRole::Customer).await;
    assert!(!user.email_verified);

    // Unconfirmed: no request, and nothing is stored.
    let request = crate::leads::request("cleaning", None);
    let refused = customer.create_request(&request).await.unwrap_err();
    assert_eq!(refused.status(), Some(403));
    assert_eq!(refused.code(), Some(ErrorCode::EmailUnverified));
    assert_eq!(app.count("service_requests").await, 0);
    // Nor is anything texted for it.
    let texted = customer.set_phone("+14165550142").await.unwrap_err();
    assert_eq!(texted.code(), Some(ErrorCode::EmailUnverified));
    assert_eq!(customer.me().await.unwrap().phone, None, "nothing changed");

    // The sign-up's email carries a link that works once.
    let (mail, token) = emailed_token(&smtp, &user.email, "Confirm your email").await;
    assert!(token.starts_with("plv_"));
    assert!(mail.part("text/plain").unwrap().contains("24 hours"));
    let anonymous = &app.client;
    let confirmed = anonymous.confirm_email(&token).await.unwrap();
    assert!(confirmed.email_verified);
    let replayed = anonymous.confirm_email(&token).await.unwrap_err();
    assert_eq!(replayed.code(), Some(ErrorCode::ValidationFailed));
    assert!(replayed.problem().unwrap().errors.contains_key("token"));
    let mistyped = anonymous.confirm_email("plv_nothing").await.unwrap_err();
    assert_eq!(mistyped.code(), Some(ErrorCode::ValidationFailed));
    assert!(customer.me().await.unwrap().email_verified);
    assert_eq!(
        customer
            .resend_email_verification()
            .await
            .unwrap_err()
            .status(),
        Some(409)
    );

    // A pro is found, and offered leads, only once confirmed.
    let (pro_user, _, pro) = app.signed_up_unconfirmed(SignupRole::Partner).await;
    let profile = PartnerProfileInput {
        business_name: "Fresh Start Cleaning".into(),
        description: String::new(),
        phone: None,
        website: None,
        categories: vec!["cleaning".into()],
        service_area: ServiceAreaInput::at("Toronto", 43.6534, -79.3841, 10.0),
        accepting_leads: true,
    };
    pro.put_my_partner_profile(&profile).await.unwrap();
    let found = |customer: Client| async move {
        let search = PartnerSearch {
            category: "cleaning".into(),
            lat: 43.6534,
            lon: -79.3841,
        };
        customer
            .search_partners(&search, &PageParams::default())
            .await
            .unwrap()
            .items
            .len()
    };
    assert_eq!(found(customer.clone()).await, 0);
    let profile_lead = customer
        .create_request(&crate::leads::request("cleaning", Some(&pro_user.id)))
        .await
        .unwrap_err();
    assert!(
        profile_lead
            .problem()
            .unwrap()
            .errors
            .contains_key("partner_id")
    );
    // Three links an hour at most: the sign-up's and two more.
    for _ in 0..2 {
        pro.resend_email_verification().await.unwrap();
    }
    let flooded = pro.resend_email_verification().await.unwrap_err();
    assert_eq!(flooded.code(), Some(ErrorCode::RateLimited));
    let (_, token) = emailed_token(&smtp, &pro_user.email, "Confirm your email").await;
    app.client.confirm_email(&token).await.unwrap();
    assert_eq!(found(customer.clone()).await, 1);
}

#[tokio::test]
async fn an_email_change_is_confirmed_at_the_new_address_and_the_old_one_is_told() {
    let smtp = FakeSmtp::start().await;
    let app = TestApp::spawn_with(&with_mail(&smtp)).await;
    let (user, _, client) = app.signed_up(SignupRole::Customer).await;
    let (other, _, _) = app.signed_up(SignupRole::Partner).await;
    let new_email = TestApp::unique_email("moved");

    let change = |to: &str, password: &str| EmailChangeRequest {
        new_email: to.to_owned(),
        current_password: password.to_owned(),
    };
    let wrong = client
        .change_email(&change(&new_email, "not my password"))
        .await
        .unwrap_err();
    assert!(
        wrong
            .problem()
            .unwrap()
            .errors
            .contains_key("current_password")
    );
    let same = client
        .change_email(&change(&user.email.to_uppercase(), PASSWORD))
        .await
        .unwrap_err();
    assert!(same.problem().unwrap().errors.contains_key("new_email"));
    // Another account's address: the same answer, and nothing is sent there.
    client
        .change_email(&change(&other.email, PASSWORD))
        .await
        .unwrap();

    client
        .change_email(&change(&new_email, PASSWORD))
        .await
        .unwrap();
    let (_, token) = emailed_token(&smtp, &new_email, "Confirm your new email").await;
    assert_eq!(
        client.me().await.unwrap().email,
        user.email,
        "not moved yet"
    );
    let moved = app.client.confirm_email(&token).await.unwrap();
    assert_eq!(
        (moved.email.as_str(), moved.email_verified),
        (new_email.as_str(), true)
    );

    // The old address is told; it no longer signs in, the new one does.
    let notice = eventually_some(Duration::from_secs(10), "the notice", || {
        let (smtp, to) = (smtp.clone(), user.email.clone());
        async move {
            smtp.received_by(&to).into_iter().find(|mail| {
                mail.header("Subject").as_deref() == Some("Your Porchlight email changed")
            })
        }
    })
    .await;
    assert!(notice.part("text/plain").unwrap().contains(&new_email));
    assert!(app.login(&user.email, PASSWORD).await.is_err());
    assert!(app.login(&new_email, PASSWORD).await.is_ok());
    assert!(
        smtp.received_by(&other.email)
            .iter()
            .all(|mail| mail.header("Subject").as_deref()
                != Some("Confirm your new email for Porchlight")),
        "the other account's owner got nothing"
    );

    // A move the owner did not ask for is void once they change the password (an hour on:
    // this account had its three links for this one).
    app.state.clock.advance(chrono::Duration::hours(1));
    let stolen = TestApp::unique_email("attacker");
    client
        .change_email(&change(&stolen, PASSWORD))
        .await
        .unwrap();
    let (_, token) = emailed_token(&smtp, &stolen, "Confirm your new email").await;
    client
        .change_password(&shared_types::auth::ChangePasswordRequest {
            current_password: PASSWORD.into(),
            new_password: "a brand new long password".into(),
        })
        .await
        .unwrap();
    let void = app.client.confirm_email(&token).await.unwrap_err();
    assert_eq!(void.code(), Some(ErrorCode::ValidationFailed));
    assert!(
        app.login(&stolen, "a brand new long password")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_phone_is_confirmed_by_a_texted_code_with_few_guesses() {
    let sms = FakeSms::start();
    let settings = sms.settings();
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(&overrides).await;
    let (_, _, client) = app.signed_up(SignupRole::Customer).await;
    let phone = "+14165550142";
    let code_for = |n: usize| {
        let sms = sms.clone();
        async move {
            eventually_some(Duration::from_secs(10), "a texted code", || {
                let sms = sms.clone();
                async move { sms.texts_to(phone).get(n).cloned() }
            })
            .await
        }
    };

    let set = client.set_phone(phone).await.unwrap();
    assert_eq!(
        (set.phone.as_deref(), set.phone_verified),
        (Some(phone), false)
    );
    let first = code_for(0).await;
    assert_eq!(first.from, crate::fake_sms::FROM);
    // Another code only after a minute.
    let early = client.resend_phone_code().await.unwrap_err();
    assert_eq!(early.code(), Some(ErrorCode::RateLimited));

    // Five wrong guesses use the code up: even the right one no longer works.
    let wrong = if first.code() == "000000" {
        "000001"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let error = client.confirm_phone(wrong).await.unwrap_err();
        assert!(error.problem().unwrap().errors.contains_key("code"));
    }
    let used_up = client.confirm_phone(&first.code()).await.unwrap_err();
    assert!(used_up.problem().unwrap().errors["code"][0].contains("no code is waiting"));

    app.state.clock.advance(chrono::Duration::seconds(61));
    client.resend_phone_code().await.unwrap();
    let second = code_for(1).await;
    let confirmed = client.confirm_phone(&second.code()).await.unwrap();
    assert!(confirmed.phone_verified);
    // Setting the same number again changes nothing and texts nothing.
    assert!(client.set_phone(phone).await.unwrap().phone_verified);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sms.texts_to(phone).len(), 2);
    // A new number starts unconfirmed; removing it leaves none.
    app.state.clock.advance(chrono::Duration::seconds(61));
    let other = client.set_phone(UNTEXTABLE).await.unwrap();
    assert!(!other.phone_verified);
    let removed = client.remove_phone().await.unwrap();
    assert_eq!((removed.phone, removed.phone_verified), (None, false));
}

#[tokio::test]
async fn the_profile_changes_and_signed_in_devices_can_be_seen_and_ended() {
    let app = TestApp::spawn().await;
    let (user, phone_tokens, phone) = app.signed_up(SignupRole::Partner).await;

    let renamed = phone
        .update_profile(&ProfileUpdate {
            name: Some("  Sam Rivera ".into()),
            locale: Some("fr-CA".into()),
        })
        .await
        .unwrap();
    assert_eq!(
        (renamed.name.as_str(), renamed.locale.as_str()),
        ("Sam Rivera", "fr-CA")
    );
    let bad = phone
        .update_profile(&ProfileUpdate {
            name: None,
            locale: Some("klingon".into()),
        })
        .await
        .unwrap_err();
    assert!(bad.problem().unwrap().errors.contains_key("locale"));
    assert_eq!(phone.me().await.unwrap().locale, "fr-CA", "nothing changed");

    // A second device, which says what it is.
    let response = app
        .client
        .http()
        .post(format!("{}/v1/auth/login", app.address))
        .header("user-agent", "Porchlight/2.1 (iPad; iPadOS 19)")
        .json(&LoginRequest {
            email: user.email.clone(),
            password: PASSWORD.into(),
        })
        .send()
        .await
        .unwrap();
    let tablet_tokens: shared_types::auth::TokenResponse = response.json().await.unwrap();
    let tablet = app.client.with_token(&tablet_tokens.access_token);

    let sessions = phone.sessions(&PageParams::default()).await.unwrap().items;
    assert_eq!(sessions.len(), 2);
    let mine: Vec<bool> = sessions.iter().map(|s| s.current).collect();
    assert_eq!(mine.iter().filter(|current| **current).count(), 1);
    let tablet_session = sessions
        .iter()
        .find(|s| s.user_agent.as_deref() == Some("Porchlight/2.1 (iPad; iPadOS 19)"))
        .expect("the tablet is listed");
    assert!(!tablet_session.current);

    // Someone else cannot end it; its owner can, once.
    let (_, stranger) = app.customer().await;
    let foreign = stranger.end_session(&tablet_session.id).await.unwrap_err();
    assert_eq!(foreign.code(), Some(ErrorCode::NotFound));
    phone.end_session(&tablet_session.id).await.unwrap();
    assert_eq!(
        phone
            .end_session(&tablet_session.id)
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::NotFound)
    );
    assert!(
        app.client
            .refresh(&tablet_tokens.refresh_token)
            .await
            .is_err()
    );
    assert_eq!(
        phone
            .sessions(&PageParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // Everywhere: every token of the account stops at once.
    let rotated = app
        .client
        .refresh(&phone_tokens.refresh_token)
        .await
        .unwrap();
    let phone = app.client.with_token(&rotated.access_token);
    let wrong = phone.end_all_sessions("not my password").await.unwrap_err();
    assert!(
        wrong
            .problem()
            .unwrap()
            .errors
            .contains_key("current_password")
    );
    assert!(tablet.me().await.is_ok(), "nothing ended");
    phone.end_all_sessions(PASSWORD).await.unwrap();
    for stale in [&phone, &tablet] {
        assert_eq!(
            stale.me().await.unwrap_err().code(),
            Some(ErrorCode::InvalidToken)
        );
    }
    assert!(app.client.refresh(&rotated.refresh_token).await.is_err());
    let again = app.login(&user.email, PASSWORD).await.unwrap();
    let fresh = app.client.with_token(&again.access_token);
    assert_eq!(
        fresh
            .sessions(&PageParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
}
