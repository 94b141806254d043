// Firebase Messaging's service: a rotated token goes to the app (which registers it with the
// API), and an alert that arrives while the app is open is shown on its channel (Android shows
// the others itself, from the message's `android.notification`).
package dev.dioxus.main

import android.app.PendingIntent
import android.content.Intent
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import com.google.firebase.messaging.FirebaseMessagingService
import com.google.firebase.messaging.RemoteMessage

class PorchlightMessagingService : FirebaseMessagingService() {
    override fun onNewToken(token: String) {
        PushBridge.tokenChanged(token)
    }

    override fun onMessageReceived(message: RemoteMessage) {
        val notification = message.notification ?: return
        val channel = notification.channelId ?: PushBridge.UPDATES_CHANNEL
        val open = Intent(this, MainActivity::class.java).apply {
            addFlags(Intent.FLAG_ACTIVITY_SINGLE_TOP or Intent.FLAG_ACTIVITY_CLEAR_TOP)
            putExtra("deep_link", message.data["deep_link"])
        }
        val tap = PendingIntent.getActivity(
            this,
            (message.messageId ?: "").hashCode(),
            open,
            PendingIntent.FLAG_UPDATE_CURRENT or PendingIntent.FLAG_IMMUTABLE,
        )
        val shown = NotificationCompat.Builder(this, channel)
            .setSmallIcon(applicationInfo.icon)
            .setContentTitle(notification.title)
            .setContentText(notification.body)
            .setStyle(NotificationCompat.BigTextStyle().bigText(notification.body))
            .setAutoCancel(true)
            .setContentIntent(tap)
            .setPriority(
                if (channel == PushBridge.JOB_ALERTS_CHANNEL) NotificationCompat.PRIORITY_HIGH
                else NotificationCompat.PRIORITY_DEFAULT,
            )
            .build()
        val manager = NotificationManagerCompat.from(this)
        if (!manager.areNotificationsEnabled()) return
        try {
            // The tag the API sets (the outbox id) replaces a repeat instead of stacking it.
            manager.notify(notification.tag ?: message.messageId, 0, shown)
        } catch (refused: SecurityException) {
            // The permission was withdrawn a moment ago: nothing to show.
        }
    }
}
