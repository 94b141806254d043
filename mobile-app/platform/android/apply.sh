#!/usr/bin/env bash
# Adds push to the Android project `dx bundle --platform android` generated: the Kotlin files of
# this folder, Firebase Messaging, the manifest entries and your Firebase app's
# google-services.json. Run from mobile-app/ after a first `dx bundle`; then build again with
# Gradle (see platform/README.md).
#
#   GOOGLE_SERVICES_JSON=~/Downloads/google-services.json platform/android/apply.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
json="${GOOGLE_SERVICES_JSON:?set GOOGLE_SERVICES_JSON to the google-services.json of your Firebase app}"
manifest="$(find ../target/dx target/dx -path '*android/app/src/main/AndroidManifest.xml' 2>/dev/null | head -n 1 || true)"
if [ -z "$manifest" ]; then
  echo "no generated Android project under target/dx: run 'dx bundle --platform android --features mobile' first" >&2
  exit 1
fi
app="$(dirname "$(dirname "$(dirname "$manifest")")")"
project="$(dirname "$app")"
sources="$app/src/main/kotlin/dev/dioxus/main"
[ -d "$sources" ] || { echo "expected the app's Kotlin sources in $sources" >&2; exit 1; }
echo "Android project: $project"

cp "$here/PushBridge.kt" "$here/MainActivity.kt" "$here/PorchlightMessagingService.kt" "$sources/"
cp "$json" "$app/google-services.json"

# Manifest: the permission, the messaging service, the default channel (once).
if ! grep -q PorchlightMessagingService "$manifest"; then
  perl -0pi -e 's#(<manifest[^>]*>)#$1\n    <uses-permission android:name="android.permission.POST_NOTIFICATIONS" />#' "$manifest"
  host="${APP_LINK_HOST:-porchlight.app}"
  perl -0pi -e 's#(<activity\b[^>]*MainActivity[^>]*>)#$1\n            <intent-filter android:autoVerify="true">\n                <action android:name="android.intent.action.VIEW" />\n                <category android:name="android.intent.category.DEFAULT" />\n                <category android:name="android.intent.category.BROWSABLE" />\n                <data android:scheme="https" android:host="'"$host"'" android:pathPrefix="/jobs/" />\n            </intent-filter>#' "$manifest"
  perl -0pi -e 's#</application>#    <service android:name=".PorchlightMessagingService" android:exported="false">\n            <intent-filter><action android:name="com.google.firebase.MESSAGING_EVENT" /></intent-filter>\n        </service>\n        <meta-data android:name="com.google.firebase.messaging.default_notification_channel_id" android:value="updates" />\n    </application>#' "$manifest"
fi

# Gradle: the Google services plugin and Firebase Messaging (Kotlin DSL, as dx generates).
app_gradle="$app/build.gradle.kts"
root_gradle="$project/build.gradle.kts"
for file in "$app_gradle" "$root_gradle"; do
  [ -f "$file" ] || { echo "expected $file (Kotlin DSL); add the lines of platform/README.md by hand" >&2; exit 1; }
done
if ! grep -q google-services "$root_gradle"; then
  perl -0pi -e 's#plugins\s*\{#plugins {\n    id("com.google.gms.google-services") version "4.4.2" apply false#' "$root_gradle"
fi
if ! grep -q google-services "$app_gradle"; then
  perl -0pi -e 's#plugins\s*\{#plugins {\n    id("com.google.gms.google-services")#' "$app_gradle"
  perl -0pi -e 's#dependencies\s*\{#dependencies {\n    implementation(platform("com.google.firebase:firebase-bom:33.7.0"))\n    implementation("com.google.firebase:firebase-messaging")\n    implementation("androidx.core:core-ktx:1.13.1")#' "$app_gradle"
fi
echo "Push added. Build: (cd $project && ./gradlew assembleRelease)"
