// The app's Android activity: Dioxus's webview activity, with the push bridge attached to its
// webview, and the alert or app link that opened (or re-opened) the app handed over as a deep
// link: a tapped alert's `deep_link`, or `https://porchlight.app/jobs/{id}?payment=…` where the
// payment page sends the customer back.
// Replaces the `MainActivity.kt` that `dx` generates (see platform/README.md).
package dev.dioxus.main

import android.content.Intent
import android.os.Bundle
import android.webkit.WebView

class MainActivity : WryActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        PushBridge.opened(intent?.getStringExtra("deep_link") ?: intent?.data?.toString())
    }

    override fun onWebViewCreate(webView: WebView) {
        PushBridge.attach(this, webView)
    }

    override fun onNewIntent(intent: Intent) {
        super.onNewIntent(intent)
        PushBridge.opened(intent.getStringExtra("deep_link") ?: intent.data?.toString())
    }

    override fun onRequestPermissionsResult(
        requestCode: Int,
        permissions: Array<out String>,
        grantResults: IntArray,
    ) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode == PushBridge.PERMISSION_REQUEST) {
            PushBridge.permissionAnswered(
                grantResults.isNotEmpty() &&
                    grantResults[0] == android.content.pm.PackageManager.PERMISSION_GRANTED,
            )
        }
    }
}
