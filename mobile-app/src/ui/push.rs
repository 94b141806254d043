//! Push through the phone's shell. The Android and iOS shells (`mobile-app/platform/`) hold
//! Firebase Messaging and expose it to the webview the app runs in: Android as the JavaScript
//! interface `PorchlightPushNative`, iOS as the script message handler `porchlightPush`. The
//! script below turns either into promises (`window.__porchlightPush`), and the shell answers
//! through `__porchlightPush.resolve(id, value)` and tells news through
//! `__porchlightPush.emit(kind, value)`: `token` (a new FCM token) and `open` (an alert was
//! tapped; its deep link). In a browser or on desktop there is neither: push is unsupported.

use dioxus::document;
use dioxus::prelude::*;
use futures_util::future::LocalBoxFuture;
use shared_types::auth::Role;
use shared_types::notify::Platform;

use crate::state::push::{Permission, PushPlatform, PushState, Registrar};
use crate::state::{Screen, Session};
use crate::ui::app::Nav;
use crate::ui::kit::{Button, Card, Tone};

/// Installs `window.__porchlightPush` once; then tells the shell the page is ready for its
/// queued news (a token, or the alert that opened the app).
const BRIDGE: &str = r"
if (!window.__porchlightPush) {
  const native = window.PorchlightPushNative;
  const ios = window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.porchlightPush;
  const pending = new Map();
  const news = [];
  let next = 0;
  const send = (op, id) => {
    if (native) native.call(op, id);
    else if (ios) ios.postMessage({ op: op, id: id });
  };
  window.__porchlightPush = {
    available: !!(native || ios),
    call(op) {
      return new Promise((resolve) => {
        if (!(native || ios)) { resolve(null); return; }
        const id = String(++next);
        pending.set(id, resolve);
        send(op, id);
      });
    },
    resolve(id, value) {
      const done = pending.get(String(id));
      if (done) { pending.delete(String(id)); done(value); }
    },
    emit(kind, value) {
      news.push({ kind: kind, value: value });
      if (window.__porchlightPushListener) window.__porchlightPushListener();
    },
    take() { return news.splice(0, news.length); },
  };
  send('ready', '0');
}
";

/// The shell's Firebase Messaging, through the webview.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebViewPush;

async fn call(op: &str) -> Option<String> {
    let script = format!("{BRIDGE}\nreturn await window.__porchlightPush.call({op:?});");
    document::eval(&script)
        .await
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
}

fn permission_from(answer: Option<&str>) -> Permission {
    match answer {
        Some("granted") => Permission::Granted,
        Some("denied") => Permission::Denied,
        Some("prompt") => Permission::Undecided,
        _ => Permission::Unsupported,
    }
}

impl PushPlatform for WebViewPush {
    fn platform(&self) -> Platform {
        if cfg!(target_os = "ios") {
            Platform::Ios
        } else if cfg!(target_os = "android") {
            Platform::Android
        } else {
            Platform::Web
        }
    }

    fn permission(&self) -> LocalBoxFuture<'_, Permission> {
        Box::pin(async { permission_from(call("permission").await.as_deref()) })
    }

    fn request_permission(&self) -> LocalBoxFuture<'_, Permission> {
        Box::pin(async { permission_from(call("request_permission").await.as_deref()) })
    }

    fn token(&self) -> LocalBoxFuture<'_, Option<String>> {
        Box::pin(async { call("token").await.filter(|token| !token.is_empty()) })
    }
}

/// Push for the app: registers on sign-in, follows token rotation, unregisters on sign-out
/// (through [`Registrar::sign_out`]), and opens a tapped alert's screen. Provides the
/// registrar and the push state to every screen.
pub fn use_push_provider(session: &Session, nav: Nav) {
    let registrar = use_context_provider(|| Registrar::new(WebViewPush));
    let mut state = use_context_provider(|| Signal::new(PushState::Unsupported));
    let signed_in_session = session.clone();
    let signed_in_push = registrar.clone();
    use_future(move || {
        let session = signed_in_session.clone();
        let push = signed_in_push.clone();
        async move {
            let mut signed_in = session.watch_signed_in();
            loop {
                if *signed_in.borrow_and_update() {
                    match push.on_sign_in(&session).await {
                        Ok(now) => state.set(now),
                        Err(error) => tracing::debug!(%error, "push registration failed"),
                    }
                }
                if signed_in.changed().await.is_err() {
                    return;
                }
            }
        }
    });
    let news_session = session.clone();
    use_future(move || {
        let session = news_session.clone();
        let push = registrar.clone();
        let mut nav = nav;
        async move {
            let mut news = document::eval(&format!(
                "{BRIDGE}\nconst deliver = () => {{ for (const item of window.__porchlightPush.take()) dioxus.send(item); }};\n\
                 window.__porchlightPushListener = deliver; deliver();\nawait new Promise(() => {{}});"
            ));
            // `{ kind, value }`: `token` with the new token, `open` with the alert's deep link.
            while let Ok(item) = news.recv::<serde_json::Value>().await {
                let value = item["value"].as_str().unwrap_or_default().to_owned();
                match item["kind"].as_str().unwrap_or_default() {
                    "token" => match push.on_new_token(&session, &value).await {
                        Ok(now) => state.set(now),
                        Err(error) => tracing::debug!(%error, "push registration failed"),
                    },
                    "open" => {
                        if let Some(screen) = Screen::from_deep_link(&value)
                            && session.user().is_some()
                        {
                            nav.go(screen);
                        }
                    }
                    _ => {}
                }
            }
        }
    });
}

/// The push registrar of the app.
pub fn use_push() -> Registrar<WebViewPush> {
    use_context()
}

/// Asks to turn on alerts, once the person can see why: on the pro's leads (job alerts ring)
/// and the customer's requests (a pro took it, times proposed). Says how to undo a refusal.
#[component]
pub fn PushPrompt(role: Role) -> Element {
    let session: Session = use_context();
    let registrar = use_push();
    let mut state: Signal<PushState> = use_context();
    let mut busy = use_signal(|| false);
    let (title, why) = if role == Role::Partner {
        (
            "Get job alerts on this phone",
            "We ring when a homeowner near you asks for the work you do. Leads go to a few pros \
             at once and the first to confirm gets the job, so an alert is worth seconds.",
        )
    } else {
        (
            "Know when a pro answers",
            "We tell you when a pro takes your request, proposes times, and when money moves.",
        )
    };
    match state() {
        PushState::Ask => rsx! {
            Card { title,
                p { class: "subtle", "{why}" }
                Button {
                    label: "Turn on alerts",
                    busy: busy(),
                    onclick: move |()| {
                        let (session, registrar) = (session.clone(), registrar.clone());
                        busy.set(true);
                        spawn(async move {
                            match registrar.enable(&session).await {
                                Ok(now) => state.set(now),
                                Err(error) => tracing::debug!(%error, "push registration failed"),
                            }
                            busy.set(false);
                        });
                    },
                }
            }
        },
        PushState::Denied => rsx! {
            Card { title,
                p { class: "subtle",
                    "Notifications are off for Porchlight. To turn them on, open your phone's Settings, then Notifications, then Porchlight."
                }
                Button {
                    label: "Check again",
                    tone: Tone::Secondary,
                    onclick: move |()| {
                        let (session, registrar) = (session.clone(), registrar.clone());
                        spawn(async move {
                            if let Ok(now) = registrar.on_sign_in(&session).await {
                                state.set(now);
                            }
                        });
                    },
                }
            }
        },
        _ => rsx! {},
    }
}
