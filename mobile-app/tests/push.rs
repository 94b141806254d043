//! Push on the phone, on desktop: the registrar driven by a fake platform (what Firebase
//! Messaging does in the Android and iOS shells) against the real API: asking at the right
//! moment, a refusal, registration, a rotated token, a token that arrives signed out, sign-out.

mod support;

use std::sync::{Arc, Mutex};

use futures_util::future::LocalBoxFuture;
use porchlight_app::state::partner::SettingsView;
use porchlight_app::state::push::{NoPush, Permission, PushPlatform, PushState, Registrar};
use shared_types::auth::SignupRole;
use shared_types::notify::Platform;
use support::Api;

/// The phone: what the person answers when asked, and the token Firebase holds.
#[derive(Clone, Default)]
struct FakePhone {
    inner: Arc<Mutex<Phone>>,
}

#[derive(Default)]
struct Phone {
    allowed: Option<bool>,
    /// What the person answers the system's dialog.
    answers_yes: bool,
    asked: u32,
    token: Option<String>,
}

impl FakePhone {
    fn answering(yes: bool) -> Self {
        let phone = Self::default();
        phone.inner.lock().unwrap().answers_yes = yes;
        phone
    }

    fn set_token(&self, token: &str) {
        self.inner.lock().unwrap().token = Some(token.to_owned());
    }

    fn asked(&self) -> u32 {
        self.inner.lock().unwrap().asked
    }
}

impl PushPlatform for FakePhone {
    fn platform(&self) -> Platform {
        Platform::Android
    }

    fn permission(&self) -> LocalBoxFuture<'_, Permission> {
        let allowed = self.inner.lock().unwrap().allowed;
        Box::pin(async move {
            match allowed {
                None => Permission::Undecided,
                Some(true) => Permission::Granted,
                Some(false) => Permission::Denied,
            }
        })
    }

    fn request_permission(&self) -> LocalBoxFuture<'_, Permission> {
        let mut phone = self.inner.lock().unwrap();
        phone.asked += 1;
        // The system asks once; after that it answers what was chosen.
        let answer = phone.answers_yes;
        let allowed = *phone.allowed.get_or_insert(answer);
        Box::pin(async move {
            if allowed {
                Permission::Granted
            } else {
                Permission::Denied
            }
        })
    }

    fn token(&self) -> LocalBoxFuture<'_, Option<String>> {
        let phone = self.inner.lock().unwrap();
        // Firebase hands a token only to an app allowed to notify.
        let token = phone.token.clone().filter(|_| phone.allowed == Some(true));
        Box::pin(async move { token })
    }
}

async fn tokens(session: &porchlight_app::state::Session) -> Vec<String> {
    SettingsView::load(session)
        .await
        .unwrap()
        .devices
        .into_iter()
        .map(|device| device.id)
        .collect()
}

#[tokio::test]
async fn a_phone_registers_when_allowed_follows_rotation_and_unregisters_on_sign_out() {
    let api = Api::spawn().await;
    let pro = api.signed_up(SignupRole::Partner, "Sparkle Cleaning").await;
    let phone = FakePhone::answering(true);
    phone.set_token("fcm-token-1");
    let push = Registrar::new(phone.clone());

    // Signing in never asks: it says alerts are off and why they help.
    assert_eq!(push.on_sign_in(&pro).await.unwrap(), PushState::Ask);
    assert_eq!(phone.asked(), 0);
    assert!(tokens(&pro).await.is_empty());

    // "Turn on alerts": the system asks, the person allows, the token is registered.
    let PushState::On { device_id: first } = push.enable(&pro).await.unwrap() else {
        panic!("alerts are on");
    };
    assert_eq!(phone.asked(), 1);
    assert_eq!(tokens(&pro).await, std::slice::from_ref(&first));
    let devices = SettingsView::load(&pro).await.unwrap().devices;
    assert_eq!(devices[0].platform, Platform::Android);

    // The same token again (every start of the app) changes nothing.
    assert_eq!(
        push.on_sign_in(&pro).await.unwrap(),
        PushState::On {
            device_id: first.clone()
        }
    );
    assert_eq!(tokens(&pro).await, std::slice::from_ref(&first));

    // Firebase rotates the token: the new one replaces the old at the API.
    let PushState::On { device_id: second } = push.on_new_token(&pro, "fcm-token-2").await.unwrap()
    else {
        panic!("still on");
    };
    assert_ne!(second, first);
    assert_eq!(tokens(&pro).await, std::slice::from_ref(&second));

    // Signing out unregisters the phone before the session ends.
    let email = pro.user().unwrap().email;
    push.sign_out(&pro).await;
    assert!(pro.user().is_none());
    let again = api.session();
    again.sign_in(&email, support::PASSWORD).await.unwrap();
    assert!(
        tokens(&again).await.is_empty(),
        "a signed-out phone gets no alerts"
    );

    // A rotation while signed out waits; the next sign-in registers the phone's token, never
    // asking again.
    phone.set_token("fcm-token-3");
    assert_eq!(
        push.on_new_token(&api.session(), "fcm-token-3")
            .await
            .unwrap(),
        PushState::Waiting
    );
    assert!(matches!(
        push.on_sign_in(&again).await.unwrap(),
        PushState::On { .. }
    ));
    assert_eq!(tokens(&again).await.len(), 1);
    assert_eq!(phone.asked(), 1);
}

#[tokio::test]
async fn a_refusal_is_respected_and_a_desktop_has_no_push() {
    let api = Api::spawn().await;
    let customer = api.signed_up(SignupRole::Customer, "Casey Customer").await;
    let phone = FakePhone::answering(false);
    phone.set_token("fcm-token-refused");
    let push = Registrar::new(phone.clone());
    assert_eq!(push.enable(&customer).await.unwrap(), PushState::Denied);
    assert_eq!(push.on_sign_in(&customer).await.unwrap(), PushState::Denied);
    assert!(tokens(&customer).await.is_empty());
    // The app says how to change it in the phone's settings; it does not ask again by itself.
    assert_eq!(phone.asked(), 1);

    let desktop = Registrar::new(NoPush);
    assert_eq!(
        desktop.on_sign_in(&customer).await.unwrap(),
        PushState::Unsupported
    );
    assert_eq!(
        desktop.enable(&customer).await.unwrap(),
        PushState::Unsupported
    );
    assert!(tokens(&customer).await.is_empty());
}
