// Push alerts for the Porchlight app on Android: Firebase Messaging, the notification channels,
// the permission to notify, and the bridge to the app running in the webview.
//
// The app (Rust, `mobile-app/src/ui/push.rs`) talks to this object as the JavaScript interface
// `PorchlightPushNative`: `call(op, id)` with op `ready`, `permission`, `request_permission` or
// `token`; the answer comes back as `window.__porchlightPush.resolve(id, value)`. News goes to
// the app as `window.__porchlightPush.emit(kind, value)`: `token` when Firebase rotates the
// token, `open` when an alert was tapped (its deep link). News that arrives before the app is
// ready (the tap that started the app) waits for its `ready`.
package dev.dioxus.main

import android.Manifest
import android.app.Activity
import android.app.NotificationChannel
import android.app.NotificationManager
import android.content.Context
import android.content.pm.PackageManager
import android.media.AudioAttributes
import android.media.RingtoneManager
import android.os.Build
import android.os.Handler
import android.os.Looper
import android.webkit.JavascriptInterface
import android.webkit.WebView
import androidx.core.app.ActivityCompat
import androidx.core.app.NotificationManagerCompat
import androidx.core.content.ContextCompat
import com.google.firebase.messaging.FirebaseMessaging
import org.json.JSONObject

object PushBridge {
    /// The channel ids the API names in its FCM messages (`api/src/notify/fcm.rs`).
    const val JOB_ALERTS_CHANNEL = "job_alerts"
    const val UPDATES_CHANNEL = "updates"
    const val PERMISSION_REQUEST = 4711

    private val main = Handler(Looper.getMainLooper())
    private var webView: WebView? = null
    private var activity: Activity? = null
    private var ready = false
    private val waiting = mutableListOf<Pair<String, String>>()
    private var permissionCallback: String? = null

    /// Called by `MainActivity.onWebViewCreate`: exposes the bridge to the app's page.
    fun attach(activity: Activity, webView: WebView) {
        this.activity = activity
        this.webView = webView
        createChannels(activity)
        webView.addJavascriptInterface(Native(), "PorchlightPushNative")
    }

    /// Job alerts ring (high importance, the default sound); updates do not interrupt.
    fun createChannels(context: Context) {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.O) return
        val manager = context.getSystemService(NotificationManager::class.java)
        val alerts = NotificationChannel(
            JOB_ALERTS_CHANNEL,
            "Job alerts",
            NotificationManager.IMPORTANCE_HIGH,
        ).apply {
            description = "A homeowner near you asks for the work you do"
            setSound(
                RingtoneManager.getDefaultUri(RingtoneManager.TYPE_NOTIFICATION),
                AudioAttributes.Builder()
                    .setUsage(AudioAttributes.USAGE_NOTIFICATION_EVENT)
                    .build(),
            )
            enableVibration(true)
        }
        val updates = NotificationChannel(
            UPDATES_CHANNEL,
            "Jobs, requests and payments",
            NotificationManager.IMPORTANCE_DEFAULT,
        ).apply { description = "What happens to your jobs, requests and money" }
        manager.createNotificationChannels(listOf(alerts, updates))
    }

    /// Firebase rotated the token (`PorchlightMessagingService.onNewToken`).
    fun tokenChanged(token: String) = emit("token", token)

    /// An alert was tapped: the intent carries its `deep_link` (FCM copies `data` into extras).
    fun opened(deepLink: String?) {
        if (!deepLink.isNullOrEmpty()) emit("open", deepLink)
    }

    /// The answer to the system's permission dialog (`MainActivity.onRequestPermissionsResult`).
    fun permissionAnswered(granted: Boolean) {
        val id = permissionCallback ?: return
        permissionCallback = null
        resolve(id, if (granted) "granted" else "denied")
    }

    private fun emit(kind: String, value: String) {
        main.post {
            if (!ready) {
                waiting.add(kind to value)
                return@post
            }
            run("window.__porchlightPush.emit(${JSONObject.quote(kind)}, ${JSONObject.quote(value)})")
        }
    }

    private fun resolve(id: String, value: String?) {
        val json = if (value == null) "null" else JSONObject.quote(value)
        main.post { run("window.__porchlightPush.resolve(${JSONObject.quote(id)}, $json)") }
    }

    private fun run(script: String) {
        webView?.evaluateJavascript(script, null)
    }

    private fun permission(context: Context): String {
        if (!NotificationManagerCompat.from(context).areNotificationsEnabled()) {
            // Below Android 13 there is no dialog: notifications were turned off in Settings.
            return if (Build.VERSION.SDK_INT >= 33 && !askedBefore(context)) "prompt" else "denied"
        }
        if (Build.VERSION.SDK_INT >= 33 &&
            ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) !=
            PackageManager.PERMISSION_GRANTED
        ) {
            return if (askedBefore(context)) "denied" else "prompt"
        }
        return "granted"
    }

    private fun askedBefore(context: Context): Boolean =
        context.getSharedPreferences("porchlight_push", Context.MODE_PRIVATE)
            .getBoolean("asked", false)

    private fun markAsked(context: Context) {
        context.getSharedPreferences("porchlight_push", Context.MODE_PRIVATE)
            .edit().putBoolean("asked", true).apply()
    }

    /// What the page calls. Runs on the webview's JavaScript thread; work goes to the main one.
    private class Native {
        @JavascriptInterface
        fun call(op: String, id: String) {
            main.post {
                val activity = activity ?: return@post resolve(id, null)
                when (op) {
                    "ready" -> {
                        ready = true
                        waiting.forEach { (kind, value) -> emit(kind, value) }
                        waiting.clear()
                    }
                    "permission" -> resolve(id, permission(activity))
                    "request_permission" -> {
                        val now = permission(activity)
                        if (now != "prompt" || Build.VERSION.SDK_INT < 33) {
                            resolve(id, now)
                        } else {
                            markAsked(activity)
                            permissionCallback = id
                            ActivityCompat.requestPermissions(
                                activity,
                                arrayOf(Manifest.permission.POST_NOTIFICATIONS),
                                PERMISSION_REQUEST,
                            )
                        }
                    }
                    "token" -> {
                        if (permission(activity) != "granted") return@post resolve(id, null)
                        FirebaseMessaging.getInstance().token.addOnCompleteListener { task ->
                            resolve(id, if (task.isSuccessful) task.result else null)
                        }
                    }
                    else -> resolve(id, null)
                }
            }
        }
    }
}
