//! Ratings over HTTP: double-blind publication, one rating per side even in a race, the Star
//! Score on the profile and in matching, reviews and replies, staff hiding, and monitoring.

use chrono::Duration;
use porchlight::ratings;
use shared_types::events::{EventData, EventFeedQuery};
use shared_types::jobs::Job;
use shared_types::ratings::{
    AdminRatingFilter, MonitoringFilter, MonitoringStatus, RatingInput, ReplyInput, StaffNote,
};
use shared_types::requests::{
    LeadFilter, RequestKind, RequestStatus, ServiceRequestInput, TimeWindow,
};
use shared_types::{Client, ClientError, ErrorCode, PageParams};

use crate::harness::PASSWORD;
use crate::jobs::{Cast, cleaning_request, lead_for};

fn stars(stars: i32) -> RatingInput {
    RatingInput {
        stars,
        comment: format!("{stars} stars"),
        tags: vec!["on_time".into()],
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, ClientError>) -> Option<ErrorCode> {
    result.expect_err("expected an error").code()
}

async fn reviews_of(cast: &Cast) -> Vec<shared_types::ratings::Review> {
    cast.app
        .client
        .partner_reviews(&cast.partner_id, &PageParams::default())
        .await
        .unwrap()
        .items
}

fn note(text: &str) -> StaffNote {
    StaffNote { note: text.into() }
}

/// A request two days after the service's clock, so it stays in the future after time travel.
fn request_from_now(cast: &Cast, partner_id: Option<&str>) -> ServiceRequestInput {
    let mut request = cleaning_request(partner_id);
    let start = (cast.now().date_naive() + Duration::days(2))
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_utc();
    request.windows = vec![TimeWindow {
        start,
        end: start + Duration::hours(3),
    }];
    request
}

/// Both sides rate `job`, which publishes both ratings.
async fn both_rate(cast: &Cast, job: &Job, customer_gives: i32, partner_gives: i32) {
    cast.customer
        .rate_job(&job.id, &stars(customer_gives))
        .await
        .unwrap();
    cast.partner
        .rate_job(&job.id, &stars(partner_gives))
        .await
        .unwrap();
}

/// The data of the newest event of `event_type` on `client`'s feed.
async fn last_event(client: &Client, event_type: &str) -> EventData {
    let feed = client
        .event_feed(&EventFeedQuery {
            types: Some(event_type.to_owned()),
            ..EventFeedQuery::default()
        })
        .await
        .unwrap();
    feed.events.last().expect("an event").decode().unwrap()
}

#[tokio::test]
async fn ratings_stay_hidden_until_both_sides_rated_then_shape_the_profile() {
    let cast = Cast::new().await;
    let job = cast.completed_job(2).await;

    let given = cast
        .customer
        .rate_job(
            &job.id,
            &RatingInput {
                stars: 5,
                comment: "  Spotless, and early.  ".into(),
                tags: vec!["on_time".into(), "tidy".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(given.published_at, None);
    assert_eq!(given.comment, "Spotless, and early.");
    assert_eq!(
        code(cast.customer.rate_job(&job.id, &stars(1)).await),
        Some(ErrorCode::AlreadyRated)
    );

    // Double-blind: the pro knows a rating came, not what it says.
    let seen = cast.partner.job_ratings(&job.id).await.unwrap();
    assert!(seen.mine.is_none() && seen.theirs.is_none() && seen.theirs_submitted);
    assert_eq!(cast.notified(&cast.partner_id, "rating.received").await, 1);
    assert_eq!(
        last_event(&cast.partner, "rating.received").await,
        EventData::RatingReceived(seen),
        "the event tells no more than the pro may read"
    );
    let page = PageParams::default();
    assert!(reviews_of(&cast).await.is_empty());
    let profile = cast.app.client.partner(&cast.partner_id).await.unwrap();
    assert_eq!((profile.star_score, profile.review_count), (None, 0));

    // The pro rates back: both are published at once.
    cast.partner.rate_job(&job.id, &stars(4)).await.unwrap();
    let customer_view = cast.customer.job_ratings(&job.id).await.unwrap();
    let theirs = customer_view.theirs.clone().expect("published");
    assert_eq!(theirs.stars, 4);
    assert_eq!(
        last_event(&cast.customer, "rating.received").await,
        EventData::RatingReceived(customer_view.clone())
    );
    assert!(customer_view.mine.unwrap().published_at.is_some());

    let reviews = reviews_of(&cast).await;
    assert_eq!(reviews.len(), 1);
    let review = &reviews[0];
    assert_eq!((review.stars, review.reviewer.as_str()), (5, "Test U."));
    let profile = cast.app.client.partner(&cast.partner_id).await.unwrap();
    assert_eq!(profile.star_score, Some(90.9), "(10 × 90 + 100) / 11");
    assert_eq!(
        (profile.review_count, profile.average_stars),
        (1, Some(5.0))
    );

    // One public reply.
    let reply = ReplyInput {
        text: "Thank you, see you next spring!".into(),
    };
    cast.partner
        .reply_to_review(&review.id, &reply)
        .await
        .unwrap();
    assert_eq!(
        code(cast.partner.reply_to_review(&review.id, &reply).await),
        Some(ErrorCode::Conflict)
    );
    assert_eq!(
        code(cast.customer.reply_to_review(&review.id, &reply).await),
        Some(ErrorCode::Forbidden),
        "customers do not reply"
    );
    assert_eq!(
        reviews_of(&cast).await[0].reply.as_ref().unwrap().text,
        reply.text
    );

    // The pro's rating of the customer travels with the customer's next lead.
    let request = cast
        .customer
        .create_request(&request_from_now(&cast, Some(&cast.partner_id)))
        .await
        .unwrap();
    let lead = lead_for(&cast.partner, &request.id).await;
    assert_eq!(lead.customer_rating.count, 1);
    assert_eq!(lead.customer_rating.average_stars, Some(4.0));

    // Staff hide a review that breaks the rules: it counts nowhere.
    cast.staff
        .admin_hide_rating(&review.id, &note("Names a competitor"))
        .await
        .unwrap();
    assert!(reviews_of(&cast).await.is_empty());
    let profile = cast.app.client.partner(&cast.partner_id).await.unwrap();
    assert_eq!((profile.star_score, profile.review_count), (None, 0));
    let all = cast
        .staff
        .admin_ratings(
            &AdminRatingFilter {
                ratee_id: Some(cast.partner_id.clone()),
            },
            &page,
        )
        .await
        .unwrap();
    assert_eq!(
        all.items[0].hidden_reason.as_deref(),
        Some("Names a competitor")
    );
}

#[tokio::test]
async fn a_lone_rating_is_published_when_the_window_closes_and_rating_ends() {
    let cast = Cast::new().await;
    let job = cast.completed_job(2).await;
    cast.partner.rate_job(&job.id, &stars(2)).await.unwrap();
    assert!(
        cast.customer
            .job_ratings(&job.id)
            .await
            .unwrap()
            .theirs
            .is_none()
    );

    cast.app
        .state
        .clock
        .advance(Duration::days(14) + Duration::minutes(1));
    let (published, _) = ratings::sweep(&cast.app.state).await.unwrap();
    assert_eq!(published, 1);
    let seen = cast.customer.job_ratings(&job.id).await.unwrap();
    assert_eq!(seen.theirs.unwrap().stars, 2);
    assert_eq!(
        code(cast.customer.rate_job(&job.id, &stars(5)).await),
        Some(ErrorCode::RatingWindowClosed)
    );
}

#[tokio::test]
async fn bad_ratings_are_refused_and_store_nothing() {
    let cast = Cast::new().await;
    let open_job = cast.job().await;
    assert_eq!(
        code(cast.customer.rate_job(&open_job.id, &stars(5)).await),
        Some(ErrorCode::InvalidTransition),
        "not before the work is completed"
    );
    let job = cast.completed_job(2).await;
    for wrong in [0, 6, -1] {
        assert_eq!(
            code(cast.customer.rate_job(&job.id, &stars(wrong)).await),
            Some(ErrorCode::ValidationFailed)
        );
    }
    let long = RatingInput {
        comment: "x".repeat(2001),
        ..stars(3)
    };
    assert_eq!(
        code(cast.customer.rate_job(&job.id, &long).await),
        Some(ErrorCode::ValidationFailed)
    );
    let (_, stranger) = cast.app.customer().await;
    assert_eq!(
        code(stranger.rate_job(&job.id, &stars(1)).await),
        Some(ErrorCode::NotFound),
        "someone not on the job"
    );
    assert_eq!(
        code(cast.staff.rate_job(&job.id, &stars(1)).await),
        Some(ErrorCode::Forbidden)
    );
    assert_eq!(cast.app.count("ratings").await, 0);
}

#[tokio::test]
async fn each_side_rates_once_even_when_its_posts_race() {
    let cast = Cast::new().await;
    let job = cast.completed_job(2).await;
    let mut attempts = Vec::new();
    for n in 0..6 {
        for side in [&cast.customer, &cast.partner] {
            let (side, job_id) = (side.clone(), job.id.clone());
            attempts.push(tokio::spawn(async move {
                side.rate_job(&job_id, &stars(1 + n % 5)).await
            }));
        }
    }
    let (mut stored, mut refused) = (0, 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => stored += 1,
            Err(error) => {
                assert_eq!(error.code(), Some(ErrorCode::AlreadyRated), "{error}");
                refused += 1;
            }
        }
    }
    assert_eq!((stored, refused), (2, 10));
    assert_eq!(cast.app.count("ratings").await, 2);
    assert_eq!(
        cast.app
            .count("ratings WHERE published_at IS NOT NULL")
            .await,
        2,
        "whichever came second published both"
    );
}

#[tokio::test]
async fn a_pro_below_80_percent_loses_marketplace_leads_but_keeps_profile_leads() {
    let cast = Cast::new().await;
    let page = PageParams::default();
    for _ in 0..2 {
        let job = cast.completed_job(1).await;
        both_rate(&cast, &job, 1, 5).await;
    }
    let profile = cast.app.client.partner(&cast.partner_id).await.unwrap();
    assert_eq!(profile.star_score, Some(78.3), "(900 + 2 × 20) / 12");
    assert_eq!(cast.notified(&cast.partner_id, "rating.score_low").await, 1);

    let marketplace = cast
        .customer
        .create_request(&request_from_now(&cast, None))
        .await
        .unwrap();
    assert_eq!(
        marketplace.status,
        RequestStatus::Unfilled,
        "no pro qualifies"
    );
    let profile_lead = cast
        .customer
        .create_request(&request_from_now(&cast, Some(&cast.partner_id)))
        .await
        .unwrap();
    let leads = cast
        .partner
        .leads(&LeadFilter::default(), &page)
        .await
        .unwrap()
        .items;
    assert!(leads.iter().any(|lead| lead.request_id == profile_lead.id));
    assert!(!leads.iter().any(|lead| lead.request_id == marketplace.id));

    // The score weighs reviews by age and is refreshed daily: a year on, the two 1★ count
    // half, (900 + 2 × 0.5 × 20) / 11 = 83.6 %, and marketplace leads return.
    cast.app.state.clock.advance(Duration::days(365));
    let (_, refreshed) = ratings::sweep(&cast.app.state).await.unwrap();
    assert_eq!(refreshed, 1);
    let profile = cast.app.client.partner(&cast.partner_id).await.unwrap();
    assert_eq!(profile.star_score, Some(83.6));
    let marketplace = cast
        .customer
        .create_request(&request_from_now(&cast, None))
        .await
        .unwrap();
    assert_eq!(marketplace.status, RequestStatus::Open);
    assert!(lead_for(&cast.partner, &marketplace.id).await.kind == RequestKind::Marketplace);
}

#[tokio::test]
async fn low_rated_customers_are_monitored_until_staff_clear_or_suspend_them() {
    let cast = Cast::new().await;
    let page = PageParams::default();
    let customer = cast.customer.me().await.unwrap();
    let watching = MonitoringFilter {
        status: Some(MonitoringStatus::Watching),
    };
    for (n, given) in [1, 2, 2].into_iter().enumerate() {
        let job = cast.completed_job(1).await;
        both_rate(&cast, &job, 5, given).await;
        let listed = cast.staff.admin_monitoring(&watching, &page).await.unwrap();
        let on_list = listed
            .items
            .iter()
            .any(|entry| entry.user_id == customer.id);
        assert_eq!(
            on_list,
            n == 2,
            "listed from the third rating on, after {}",
            n + 1
        );
    }
    let entry = cast
        .staff
        .admin_monitoring(&MonitoringFilter::default(), &page)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|entry| entry.user_id == customer.id)
        .unwrap();
    assert_eq!(entry.status, MonitoringStatus::Watching);
    assert_eq!((entry.average_stars, entry.rating_count), (1.67, 3));
    assert!(
        entry.reason.contains("1.67 stars over 3 ratings"),
        "{}",
        entry.reason
    );

    let noted = cast
        .staff
        .admin_monitoring_act(&customer.id, "notes", &note("Called the customer"))
        .await
        .unwrap();
    let actions: Vec<_> = noted.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["flagged", "note"]);
    let cleared = cast
        .staff
        .admin_monitoring_act(&customer.id, "clear", &note("Misunderstanding, resolved"))
        .await
        .unwrap();
    assert_eq!(cleared.status, MonitoringStatus::Cleared);
    let listed = cast.staff.admin_monitoring(&watching, &page).await.unwrap();
    assert!(
        listed
            .items
            .iter()
            .all(|entry| entry.user_id != customer.id)
    );
    assert_eq!(
        code(
            cast.staff
                .admin_monitoring_act(&customer.id, "clear", &note("again"))
                .await
        ),
        Some(ErrorCode::InvalidTransition)
    );

    // Suspension ends the account's sessions: no new sign-in, and its API keys stop working.
    let key = cast
        .customer
        .create_api_key(&shared_types::auth::CreateApiKeyRequest {
            name: "integration".into(),
            scopes: vec![shared_types::auth::Scope::RequestsRead],
            expires_in_days: None,
        })
        .await
        .unwrap();
    let by_key = cast.customer.with_token(key.secret);
    assert!(by_key.list_requests(&page).await.is_ok());
    cast.staff
        .admin_monitoring_act(&customer.id, "suspend", &note("Abusive to three pros"))
        .await
        .unwrap();
    assert_eq!(
        code(cast.app.login(&customer.email, PASSWORD).await),
        Some(ErrorCode::AccountSuspended)
    );
    assert_eq!(
        code(by_key.list_requests(&page).await),
        Some(ErrorCode::AccountSuspended)
    );
    assert_eq!(
        code(cast.customer.list_requests(&page).await),
        Some(ErrorCode::AccountSuspended),
        "the access token stops working too"
    );

    // Reinstated from the list: back to watching, and the account works again.
    let entry = cast
        .staff
        .admin_monitoring_act(&customer.id, "reinstate", &note("Apologised to the pros"))
        .await
        .unwrap();
    assert_eq!(entry.status, MonitoringStatus::Watching);
    assert!(cast.app.login(&customer.email, PASSWORD).await.is_ok());
    assert!(by_key.list_requests(&page).await.is_ok());
    let audit = cast
        .app
        .count("audit_log WHERE action LIKE 'monitoring.%'")
        .await;
    assert_eq!(audit, 4);
    let account_audit = cast
        .app
        .count("audit_log WHERE action LIKE 'account.%'")
        .await;
    assert_eq!(account_audit, 2, "one suspension, one reinstatement");
}
