//! The event feed over HTTP: an account's events in commit order, numbered without gaps,
//! readable with a session or an API key holding `events:read`, filtered by type, paged by
//! cursor, and 410 once the retention sweep has removed what a cursor points at.

use chrono::Duration;
use porchlight::retention;
use shared_types::Client;
use shared_types::ErrorCode;
use shared_types::auth::{CreateApiKeyRequest, Scope};
use shared_types::events::{Event, EventData, EventFeedQuery, EventType};
use shared_types::jobs::ProposalInput;
use shared_types::requests::{Lead, OfferStatus};

use crate::jobs::Cast;

/// Every event of `client`'s feed after `after`, read `page` at a time.
async fn read_all(client: &Client, after: i64, page: u32, types: Option<&str>) -> Vec<Event> {
    let mut query = EventFeedQuery {
        after,
        limit: Some(page),
        types: types.map(str::to_owned),
    };
    let mut events = Vec::new();
    loop {
        let feed = client.event_feed(&query).await.unwrap();
        assert!(feed.events.len() <= page as usize);
        events.extend(feed.events);
        query.after = feed.next_after;
        if !feed.has_more {
            return events;
        }
    }
}

fn types(events: &[Event]) -> Vec<EventType> {
    events.iter().map(|event| event.event_type).collect()
}

#[tokio::test]
async fn an_accounts_events_are_read_in_order_without_gaps_by_session_or_key() {
    let cast = Cast::new().await;
    let job = cast.completed_job(2).await;

    let pro_events = read_all(&cast.partner, 0, 100, None).await;
    let sequences: Vec<i64> = pro_events.iter().map(|event| event.sequence).collect();
    let expected: Vec<i64> = (1..=i64::try_from(pro_events.len()).unwrap()).collect();
    assert_eq!(sequences, expected, "1, 2, 3, … without gaps");
    assert_eq!(
        types(&pro_events),
        [
            EventType::LeadOffered,
            EventType::JobScheduled,
            EventType::JobAgreementSigned,
            EventType::PaymentSucceeded,
        ],
        "what the pro was told, in commit order"
    );
    // Each event's data is the resource as the REST API showed it to the pro at the time.
    let EventData::LeadOffered(offered) = pro_events[0].decode().unwrap() else {
        panic!("{:?}", pro_events[0]);
    };
    assert_eq!(offered.request_id, job.request_id);
    assert_eq!(offered.status, OfferStatus::Offered);
    let lead_now = cast.partner.lead(&offered.id).await.unwrap();
    assert_eq!(lead_now.status, OfferStatus::Accepted);
    assert_eq!(
        Lead {
            status: OfferStatus::Offered,
            job_id: None,
            ..lead_now
        },
        offered,
        "the lead as it was offered"
    );
    let EventData::PaymentSucceeded(paid) = pro_events[3].decode().unwrap() else {
        panic!("{:?}", pro_events[3]);
    };
    assert_eq!(cast.partner.job_payments(&job.id).await.unwrap(), [paid]);
    // Nothing in a pro's events reaches the customer's contact details.
    let customer_email = cast.app.me_email(&cast.customer).await;
    let pro_text = serde_json::to_string(&pro_events).unwrap();
    assert!(!pro_text.contains("+14165550199") && !pro_text.contains(&customer_email));
    // The customer's feed is their own, numbered from 1 too.
    let customer_events = read_all(&cast.customer, 0, 100, None).await;
    assert_eq!(customer_events[0].sequence, 1);
    assert_eq!(customer_events[0].event_type, EventType::RequestAssigned);
    let last = customer_events.last().unwrap();
    assert_eq!(
        last.event_type,
        EventType::JobCompleted,
        "{customer_events:?}"
    );
    assert_eq!(
        last.decode().unwrap(),
        EventData::JobCompleted(cast.customer.job(&job.id).await.unwrap()),
        "the job as the customer reads it"
    );
    assert!(
        customer_events
            .iter()
            .all(|event| !pro_events.iter().any(|mine| mine.id == event.id))
    );

    // Paged one at a time, from a cursor, or filtered: the same events.
    assert_eq!(read_all(&cast.partner, 0, 1, None).await, pro_events);
    assert_eq!(read_all(&cast.partner, 2, 1, None).await, pro_events[2..]);
    let money = read_all(&cast.partner, 0, 1, Some("payment.succeeded, lead.offered")).await;
    assert_eq!(
        types(&money),
        [EventType::LeadOffered, EventType::PaymentSucceeded]
    );
    // A filtered read that found nothing new still moves the cursor to the end.
    let tail = cast
        .partner
        .event_feed(&EventFeedQuery {
            types: Some("tip.received".into()),
            ..EventFeedQuery::default()
        })
        .await
        .unwrap();
    assert!(tail.events.is_empty() && !tail.has_more);
    assert_eq!(tail.next_after, 4);
    // A cursor past the end reads nothing (the largest one too).
    let beyond = cast
        .partner
        .event_feed(&EventFeedQuery {
            after: i64::MAX,
            ..EventFeedQuery::default()
        })
        .await
        .unwrap();
    assert!(beyond.events.is_empty());
    assert_eq!(beyond.next_after, 4, "back to the newest position");
    // Every type named is every type.
    let every: Vec<&str> = EventType::known().map(EventType::as_str).collect();
    let unfiltered = read_all(&cast.partner, 0, 100, Some(&every.join(","))).await;
    assert_eq!(unfiltered, pro_events);

    // An API key reads the feed with `events:read`, and only with it.
    let key = |scopes: Vec<Scope>| async {
        let created = cast
            .partner
            .create_api_key(&CreateApiKeyRequest {
                name: "CRM".into(),
                scopes,
                expires_in_days: None,
            })
            .await
            .unwrap();
        cast.app.client.with_token(&created.secret)
    };
    let reader = key(vec![Scope::EventsRead]).await;
    assert_eq!(read_all(&reader, 0, 100, None).await, pro_events);
    let other = key(vec![Scope::LeadsRead]).await;
    let refused = other
        .event_feed(&EventFeedQuery::default())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InsufficientScope));

    // Bad input is a clear 422.
    let bad = cast
        .partner
        .event_feed(&EventFeedQuery {
            types: Some("lead.offered,lead.eaten".into()),
            ..EventFeedQuery::default()
        })
        .await
        .unwrap_err();
    let problem = bad.problem().expect("a problem document");
    assert!(
        problem.errors["types"][0].contains("lead.eaten"),
        "{problem:?}"
    );
    for query in ["after=-1", "types=", "types=lead.offered,,lead.taken"] {
        let response = cast
            .partner
            .request(reqwest::Method::GET, &format!("/v1/events/feed?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{query}");
    }
}

#[tokio::test]
async fn a_cursor_into_events_the_retention_sweep_removed_is_gone() {
    let cast = Cast::new().await;
    let job = cast.job().await;
    let slot = cast.slot(2, 10);
    cast.partner
        .propose_slots(&job.id, &ProposalInput { slots: vec![slot] })
        .await
        .unwrap();
    let before = read_all(&cast.customer, 0, 100, None).await;
    assert_eq!(
        types(&before),
        [EventType::RequestAssigned, EventType::JobProposed]
    );
    // Delivered and 91 days old: the sweep removes both; a newer event stays.
    cast.app
        .sql("UPDATE outbox SET status = 'sent' WHERE status = 'pending'")
        .await;
    cast.app.state.clock.advance(Duration::days(91));
    cast.partner
        .cancel_job(&job.id, "Van broke down")
        .await
        .unwrap();
    let report = retention::run(&cast.app.state).await.unwrap();
    assert!(report.notifications >= 2, "{report:?}");

    // A cursor pointing into what was removed would skip it: 410.
    let gone = cast
        .customer
        .event_feed(&EventFeedQuery {
            after: 1,
            ..EventFeedQuery::default()
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::EventsExpired));
    assert_eq!(gone.status(), Some(410));
    // From the start, the feed begins at the oldest event kept; from the last event read,
    // nothing was lost.
    for after in [0, 2] {
        let events = read_all(&cast.customer, after, 100, None).await;
        assert_eq!(events[0].sequence, 3, "after={after}");
        assert_eq!(types(&events), [EventType::JobCancelled]);
    }
}
