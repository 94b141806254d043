// Push alerts for the Porchlight app on iOS: Firebase Messaging (APNs through Firebase, so the
// API stays FCM-only), the permission to notify, and the bridge to the app running in its
// WKWebView.
//
// The app (Rust, `mobile-app/src/ui/push.rs`) posts `{ op, id }` to the script message handler
// `porchlightPush`: op `ready`, `permission`, `request_permission` or `token`; the answer comes
// back as `window.__porchlightPush.resolve(id, value)`. News goes to the app as
// `window.__porchlightPush.emit(kind, value)`: `token` when Firebase rotates the token, `open`
// when an alert was tapped (its deep link). News that arrives before the app is ready (the tap
// that started the app) waits for its `ready`.
//
// `PorchlightPushStart.m` calls `porchlight_push_start()` when the binary loads; Firebase's app
// delegate proxy hands the APNs device token to Firebase Messaging.
import FirebaseCore
import FirebaseMessaging
import UIKit
import UserNotifications
import WebKit

final class PorchlightPush: NSObject, WKScriptMessageHandler, MessagingDelegate,
    UNUserNotificationCenterDelegate
{
    static let shared = PorchlightPush()

    private weak var webView: WKWebView?
    private var ready = false
    private var waiting: [(String, String)] = []

    func start() {
        FirebaseApp.configure()
        Messaging.messaging().delegate = self
        UNUserNotificationCenter.current().delegate = self
        attachWhenTheWebViewExists()
    }

    /// The webview is made by the Rust side after launch: look for it until it is there.
    private func attachWhenTheWebViewExists() {
        DispatchQueue.main.asyncAfter(deadline: .now() + 0.2) {
            guard let webView = Self.findWebView() else {
                self.attachWhenTheWebViewExists()
                return
            }
            webView.configuration.userContentController.add(self, name: "porchlightPush")
            self.webView = webView
        }
    }

    private static func findWebView() -> WKWebView? {
        let windows = UIApplication.shared.connectedScenes
            .compactMap { $0 as? UIWindowScene }
            .flatMap { $0.windows }
        for window in windows {
            if let found = search(window) { return found }
        }
        return nil
    }

    private static func search(_ view: UIView) -> WKWebView? {
        if let webView = view as? WKWebView { return webView }
        for child in view.subviews {
            if let found = search(child) { return found }
        }
        return nil
    }

    // MARK: the page's calls

    func userContentController(
        _ controller: WKUserContentController, didReceive message: WKScriptMessage
    ) {
        guard let body = message.body as? [String: Any],
            let op = body["op"] as? String,
            let id = body["id"] as? String
        else { return }
        switch op {
        case "ready":
            ready = true
            let queued = waiting
            waiting.removeAll()
            queued.forEach { emit($0.0, $0.1) }
        case "permission":
            UNUserNotificationCenter.current().getNotificationSettings { settings in
                self.resolve(id, Self.answer(settings.authorizationStatus))
            }
        case "request_permission":
            UNUserNotificationCenter.current().requestAuthorization(options: [
                .alert, .sound, .badge,
            ]) { granted, _ in
                if granted {
                    DispatchQueue.main.async {
                        UIApplication.shared.registerForRemoteNotifications()
                    }
                }
                self.resolve(id, granted ? "granted" : "denied")
            }
        case "token":
            Messaging.messaging().token { token, _ in self.resolve(id, token) }
        default:
            resolve(id, nil)
        }
    }

    private static func answer(_ status: UNAuthorizationStatus) -> String {
        switch status {
        case .authorized, .provisional, .ephemeral: return "granted"
        case .denied: return "denied"
        case .notDetermined: return "prompt"
        @unknown default: return "prompt"
        }
    }

    // MARK: Firebase and the notification centre

    func messaging(_ messaging: Messaging, didReceiveRegistrationToken fcmToken: String?) {
        if let token = fcmToken { emit("token", token) }
    }

    /// An alert while the app is open: show it and play its sound.
    func userNotificationCenter(
        _ center: UNUserNotificationCenter, willPresent notification: UNNotification,
        withCompletionHandler completionHandler:
            @escaping (UNNotificationPresentationOptions) -> Void
    ) {
        completionHandler([.banner, .list, .sound])
    }

    /// An alert was tapped: open its screen.
    func userNotificationCenter(
        _ center: UNUserNotificationCenter, didReceive response: UNNotificationResponse,
        withCompletionHandler completionHandler: @escaping () -> Void
    ) {
        if let link = response.notification.request.content.userInfo["deep_link"] as? String {
            emit("open", link)
        }
        completionHandler()
    }

    // MARK: to the page

    private func emit(_ kind: String, _ value: String) {
        DispatchQueue.main.async {
            guard self.ready else {
                self.waiting.append((kind, value))
                return
            }
            self.run("window.__porchlightPush.emit(\(Self.quote(kind)), \(Self.quote(value)))")
        }
    }

    private func resolve(_ id: String, _ value: String?) {
        let json = value.map(Self.quote) ?? "null"
        DispatchQueue.main.async {
            self.run("window.__porchlightPush.resolve(\(Self.quote(id)), \(json))")
        }
    }

    private func run(_ script: String) {
        webView?.evaluateJavaScript(script, completionHandler: nil)
    }

    /// A JavaScript string literal.
    private static func quote(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [])
        let array = data.flatMap { String(data: $0, encoding: .utf8) } ?? "[\"\"]"
        return String(array.dropFirst().dropLast())
    }
}

/// Called when the binary loads (`PorchlightPushStart.m`).
@_cdecl("porchlight_push_start")
public func porchlightPushStart() {
    DispatchQueue.main.async { PorchlightPush.shared.start() }
}
