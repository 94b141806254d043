//! What the app shows without push: notification preferences, the in-app list, and the live
//! event stream (Server-Sent Events) with `Last-Event-ID` resume.

use std::time::{Duration, Instant};

use shared_types::notify::{
    ChannelPreference, MarkReadInput, NotificationCategory, NotificationFilter,
    NotificationPreferences, QuietHours, StreamEvent,
};
use shared_types::{Client, ErrorCode, EventStream, PageParams};

use shared_types::auth::{CreateApiKeyRequest, Role, Scope};

use crate::harness::TestApp;
use crate::jobs::{cleaning_request, lead_for, pro};

#[tokio::test]
async fn preferences_start_at_defaults_are_replaced_whole_and_bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, partner) = app.partner().await;
    let defaults = partner.notification_preferences().await.unwrap();
    assert_eq!(
        defaults.channels.len(),
        NotificationCategory::known().count()
    );
    assert!(defaults.channels.iter().all(|channel| channel.push));
    let emailed: Vec<_> = defaults
        .channels
        .iter()
        .filter(|channel| channel.email)
        .map(|channel| channel.category)
        .collect();
    assert_eq!(
        emailed,
        [
            NotificationCategory::JobAlerts,
            NotificationCategory::RequestUpdates,
            NotificationCategory::Payments,
            NotificationCategory::Messages,
            NotificationCategory::Account
        ]
    );
    assert_eq!(defaults.quiet_hours, None);

    let quiet = QuietHours {
        start: "22:30".into(),
        end: "06:45".into(),
        time_zone: "America/Toronto".into(),
        include_job_alerts: false,
    };
    let wanted = NotificationPreferences {
        channels: vec![ChannelPreference {
            category: NotificationCategory::Ratings,
            push: false,
            email: true,
        }],
        quiet_hours: Some(quiet.clone()),
    };
    let saved = partner.put_notification_preferences(&wanted).await.unwrap();
    let ratings = saved
        .channels
        .iter()
        .find(|channel| channel.category == NotificationCategory::Ratings)
        .unwrap();
    assert!(!ratings.push && ratings.email);
    assert_eq!(saved.quiet_hours.as_ref(), Some(&quiet));
    assert_eq!(partner.notification_preferences().await.unwrap(), saved);

    // Each user has their own.
    let (_, other) = app.customer().await;
    assert_eq!(other.notification_preferences().await.unwrap(), defaults);

    // Bad input: 422 naming the field, and nothing changes.
    let bad = [
        NotificationPreferences {
            channels: vec![
                ChannelPreference {
                    category: NotificationCategory::Ratings,
                    push: true,
                    email: true,
                },
                ChannelPreference {
                    category: NotificationCategory::Ratings,
                    push: false,
                    email: false,
                },
            ],
            quiet_hours: None,
        },
        NotificationPreferences {
            channels: vec![],
            quiet_hours: Some(QuietHours {
                time_zone: "Mars/Olympus".into(),
                ..quiet.clone()
            }),
        },
        NotificationPreferences {
            channels: vec![],
            quiet_hours: Some(QuietHours {
                end: "22:30".into(),
                ..quiet.clone()
            }),
        },
        NotificationPreferences {
            channels: vec![],
            quiet_hours: Some(QuietHours {
                start: "25:00".into(),
                ..quiet.clone()
            }),
        },
    ];
    for input in bad {
        let error = partner
            .put_notification_preferences(&input)
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(ErrorCode::ValidationFailed), "{input:?}");
    }
    assert_eq!(partner.notification_preferences().await.unwrap(), saved);

    // Leaving a category out returns it to its default; null quiet hours turn them off.
    let reset = partner
        .put_notification_preferences(&NotificationPreferences {
            channels: vec![],
            quiet_hours: None,
        })
        .await
        .unwrap();
    assert_eq!(reset, defaults);
}

#[tokio::test]
async fn the_in_app_list_shows_every_notification_and_marks_them_read() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (pro_id, pro_client) = pro(&app, &staff).await;
    let (_, customer) = app.customer().await;
    let first = customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    customer.cancel_request(&first.id).await.unwrap();
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();

    let all = PageParams::default();
    let listed = pro_client
        .notifications(&NotificationFilter::default(), &all)
        .await
        .unwrap();
    let kinds: Vec<_> = listed.items.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, ["lead.offered", "lead.withdrawn", "lead.offered"]);
    let newest = &listed.items[0];
    assert_eq!(newest.category, NotificationCategory::JobAlerts);
    assert_eq!(newest.title, "New job near you: Home cleaning");
    assert!(newest.deep_link.starts_with("porchlight://leads/"));
    assert!(newest.data.contains_key("offer_id"));
    assert!(listed.items.iter().all(|n| n.read_at.is_none()));

    // Pages walk the same list.
    let first_page = pro_client
        .notifications(
            &NotificationFilter::default(),
            &PageParams {
                limit: Some(2),
                cursor: None,
            },
        )
        .await
        .unwrap();
    let second_page = pro_client
        .notifications(
            &NotificationFilter::default(),
            &PageParams {
                limit: Some(2),
                cursor: first_page.next_cursor.clone(),
            },
        )
        .await
        .unwrap();
    let paged: Vec<_> = first_page
        .items
        .iter()
        .chain(&second_page.items)
        .map(|n| n.id.clone())
        .collect();
    let whole: Vec<_> = listed.items.iter().map(|n| n.id.clone()).collect();
    assert_eq!(paged, whole);
    assert_eq!(second_page.next_cursor, None);

    // Someone else cannot mark them, and does not see them.
    let ids = Some(vec![whole[2].clone()]);
    let marked = customer
        .mark_notifications_read(&MarkReadInput { ids: ids.clone() })
        .await
        .unwrap();
    assert_eq!(marked.marked, 0);
    let customers = customer
        .notifications(&NotificationFilter::default(), &all)
        .await
        .unwrap();
    assert!(customers.items.iter().all(|n| !whole.contains(&n.id)));

    let marked = pro_client
        .mark_notifications_read(&MarkReadInput { ids: ids.clone() })
        .await
        .unwrap();
    assert_eq!(marked.marked, 1);
    let again = pro_client
        .mark_notifications_read(&MarkReadInput { ids })
        .await
        .unwrap();
    assert_eq!(again.marked, 0, "already read");
    let unread = NotificationFilter { unread: Some(true) };
    let left = pro_client.notifications(&unread, &all).await.unwrap();
    assert_eq!(left.items.len(), 2);
    let everything = pro_client
        .mark_notifications_read(&MarkReadInput { ids: None })
        .await
        .unwrap();
    assert_eq!(everything.marked, 2);
    assert!(
        pro_client
            .notifications(&unread, &all)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// The next event that is not a keep-alive, within 10 s.
async fn next_event(stream: &mut EventStream) -> StreamEvent {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event within 10 s")
        .expect("the stream is open")
        .expect("a readable event")
}

fn offer_id(event: &StreamEvent) -> String {
    let notification: shared_types::notify::Notification =
        serde_json::from_str(&event.data).unwrap();
    notification.data["offer_id"].clone()
}

#[tokio::test]
async fn the_live_stream_delivers_offers_as_they_commit_and_resumes_after_the_last_event() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (pro_id, pro_client) = pro(&app, &staff).await;
    let (_, customer) = app.customer().await;
    // An event from before the stream opened is not replayed to a fresh stream.
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();

    let mut stream = pro_client.events(None).await.unwrap();
    let request = customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    let offered = next_event(&mut stream).await;
    assert_eq!(offered.event.as_deref(), Some("lead.offered"));
    let lead = lead_for(&pro_client, &request.id).await;
    assert_eq!(
        offer_id(&offered),
        lead.id,
        "the new offer, not the old one"
    );
    let seen = offered.id.clone().expect("events carry an id");

    // The app loses its connection; meanwhile the request is withdrawn and another comes.
    drop(stream);
    customer.cancel_request(&request.id).await.unwrap();
    let third = customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();

    let mut resumed = pro_client.events(Some(&seen)).await.unwrap();
    let withdrawn = next_event(&mut resumed).await;
    assert_eq!(withdrawn.event.as_deref(), Some("lead.withdrawn"));
    let offered_again = next_event(&mut resumed).await;
    assert_eq!(offered_again.event.as_deref(), Some("lead.offered"));
    let third_lead = lead_for(&pro_client, &third.id).await;
    assert_eq!(offer_id(&offered_again), third_lead.id);
    let positions: Vec<i64> = [
        &seen,
        withdrawn.id.as_ref().unwrap(),
        offered_again.id.as_ref().unwrap(),
    ]
    .iter()
    .map(|id| id.parse().unwrap())
    .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{positions:?}"
    );

    // Live again: the next event arrives on the resumed stream.
    customer.cancel_request(&third.id).await.unwrap();
    assert_eq!(
        next_event(&mut resumed).await.event.as_deref(),
        Some("lead.withdrawn")
    );

    // Another user's stream hears none of it.
    let (_, other) = app.partner().await;
    let mut others = other.events(Some("0")).await.unwrap();
    let quiet = tokio::time::timeout(Duration::from_millis(500), others.next()).await;
    assert!(quiet.is_err(), "nothing for someone else: {quiet:?}");
}

#[tokio::test]
async fn the_stream_needs_a_session_and_a_valid_last_event_id() {
    let app = TestApp::spawn().await;
    let error = app.client.events(None).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unauthenticated));
    let (_, partner): (_, Client) = app.partner().await;
    let error = partner.events(Some("yesterday")).await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::ValidationFailed));
}

/// An integration holds the stream with an API key (`events:read`): it is not cut at an access
/// token's lifetime, and it ends as soon as the key is revoked.
#[tokio::test]
async fn an_api_keys_stream_lasts_as_long_as_the_key() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (pro_id, pro_client) = pro(&app, &staff).await;
    // A session whose access token lives 2 s: its stream ends with the token; a key's does not.
    let pro_id_for_token = pro_id.clone();
    let short_token = app
        .state
        .jwt
        .issue_access(&pro_id_for_token, Role::Partner, 0, 2)
        .unwrap();
    let (_, customer) = app.customer().await;
    let key = |scopes: Vec<Scope>| {
        let pro_client = pro_client.clone();
        async move {
            pro_client
                .create_api_key(&CreateApiKeyRequest {
                    name: "CRM".into(),
                    scopes,
                    expires_in_days: None,
                })
                .await
                .unwrap()
        }
    };
    let lacking = app
        .client
        .with_token(key(vec![Scope::LeadsRead]).await.secret);
    let refused = lacking.events(None).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InsufficientScope));

    let reader = key(vec![Scope::EventsRead]).await;
    let mut by_key = app
        .client
        .with_token(reader.secret.clone())
        .events(Some("0"))
        .await
        .unwrap();
    let mut by_session = app
        .client
        .with_token(short_token)
        .events(Some("0"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = by_session.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the session's stream ends with its token");
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    let offered = next_event(&mut by_key).await;
    assert_eq!(offered.event.as_deref(), Some("lead.offered"));
    assert_eq!(
        offered.id.as_deref(),
        Some("1"),
        "its place in the pro's feed"
    );

    // Revoked, the key's stream ends.
    pro_client.revoke_api_key(&reader.api_key.id).await.unwrap();
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(Ok(_)) = by_key.next().await {}
    })
    .await;
    assert!(closed.is_ok(), "the revoked key's stream ends");
}

#[tokio::test]
async fn a_stream_on_one_replica_hears_what_another_replica_commits() {
    let app = TestApp::spawn().await;
    if !app.database.is_postgres() {
        // Replicas share PostgreSQL; the embedded SQLite setup is one process.
        return;
    }
    let other_replica = app.replica().await;
    let (_, staff) = app.staff().await;
    let (pro_id, pro_client) = pro(&app, &staff).await;
    let pro_on_other = other_replica.client.with_token(pro_client.token().unwrap());
    let mut stream = pro_on_other.events(None).await.unwrap();

    let (_, customer) = app.customer().await;
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    // The other replica is woken through LISTEN/NOTIFY.
    let event = next_event(&mut stream).await;
    assert_eq!(event.event.as_deref(), Some("lead.offered"));
}

#[tokio::test]
async fn a_graceful_stop_ends_open_streams_at_once() {
    let app = TestApp::spawn().await;
    let (_, partner) = app.partner().await;
    let mut stream = partner.events(None).await.unwrap();

    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the stop is not held by the open stream");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.next().await {
                None => return,
                Some(Ok(_)) => {}
                Some(Err(error)) => panic!("the stream broke instead of ending: {error}"),
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream ended cleanly");
}

/// A `Last-Event-ID` beyond the newest position (say, kept by an app from before the feed was
/// renumbered) resumes from now instead of waiting for positions that never come.
#[tokio::test]
async fn a_last_event_id_from_the_future_resumes_from_now() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (pro_id, pro_client) = pro(&app, &staff).await;
    let (_, customer) = app.customer().await;
    let mut stream = pro_client.events(Some("48213")).await.unwrap();
    customer
        .create_request(&cleaning_request(Some(&pro_id)))
        .await
        .unwrap();
    let offered = next_event(&mut stream).await;
    assert_eq!(offered.event.as_deref(), Some("lead.offered"));
    assert_eq!(offered.id.as_deref(), Some("1"));
}
