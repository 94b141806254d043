//! One suspension rule, whichever way staff reach it: a suspended account loses sign-in,
//! refresh, its access tokens (within seconds, on every replica), its API keys, search, matching
//! and its live offers; reinstating gives all of it back. And a token whose account is gone is
//! a 401, never a 404 or a 500.

use std::time::Duration;

use serde_json::json;
use shared_types::auth::{CreateApiKeyRequest, Role, Scope, SignupRole, SuspensionInput};
use shared_types::notify::DeviceInput;
use shared_types::partners::{
    MembershipTier, PartnerAdminUpdate, PartnerProfileInput, PartnerSearch, PartnerStatus,
    ServiceAreaInput,
};
use shared_types::requests::LeadFilter;
use shared_types::{Client, ErrorCode, PageParams};

use crate::harness::{PASSWORD, TestApp, eventually, every_day};
use crate::jobs::cleaning_request;

const SITE: (f64, f64) = (43.6534, -79.3841);

fn reason(text: &str) -> SuspensionInput {
    SuspensionInput {
        reason: text.into(),
    }
}

/// An eligible cleaning pro in Toronto, open every hour of every day.
async fn pro(app: &TestApp, staff: &Client) -> (String, String, Client) {
    let (user, tokens, client) = app.signed_up(SignupRole::Partner).await;
    client
        .put_my_partner_profile(&PartnerProfileInput {
            business_name: "Spotless".into(),
            description: String::new(),
            phone: None,
            website: None,
            categories: vec!["cleaning".into()],
            service_area: ServiceAreaInput::at("Toronto", SITE.0, SITE.1, 25.0),
            accepting_leads: true,
        })
        .await
        .unwrap();
    client
        .put_my_availability(&every_day("America/Toronto", "00:00", "24:00"))
        .await
        .unwrap();
    staff
        .admin_update_partner(
            &user.id,
            &PartnerAdminUpdate {
                status: None,
                tier: Some(MembershipTier::BrandBuilder),
                reason: "set-up".into(),
            },
        )
        .await
        .unwrap();
    (user.id, tokens.refresh_token, client)
}

fn refused<T>(result: Result<T, shared_types::ClientError>) -> Option<ErrorCode> {
    result.err().and_then(|error| error.code())
}

fn search() -> PartnerSearch {
    PartnerSearch {
        category: "cleaning".into(),
        lat: SITE.0,
        lon: SITE.1,
    }
}

async fn listed(app: &TestApp, pro_id: &str) -> bool {
    let hits = app
        .client
        .search_partners(&search(), &PageParams::default())
        .await
        .unwrap();
    hits.items.iter().any(|hit| hit.partner.id == pro_id)
}

#[tokio::test]
async fn a_suspended_pro_loses_everything_until_reinstated() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (pro_id, refresh_token, pro) = pro(&app, &staff).await;
    let pro_email = app.me_email(&pro).await;
    let key = pro
        .create_api_key(&CreateApiKeyRequest {
            name: "crm".into(),
            scopes: vec![Scope::LeadsRead],
            expires_in_days: None,
        })
        .await
        .unwrap();
    let by_key = app.client.with_token(&key.secret);
    let (_, customer) = app.customer().await;
    let request = customer
        .create_request(&cleaning_request(None))
        .await
        .unwrap();
    assert_eq!(request.offers_sent, 1);
    let offer = pro
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(listed(&app, &pro_id).await);

    // Suspended through partner administration: the same rule as every other way.
    let suspended = staff
        .admin_update_partner(
            &pro_id,
            &PartnerAdminUpdate {
                status: Some(PartnerStatus::Suspended),
                tier: None,
                reason: "fake reviews".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(suspended.status, PartnerStatus::Suspended);

    // The token issued before the suspension no longer takes the lead, nor reads anything.
    assert_eq!(
        refused(pro.confirm_lead(&offer.id).await),
        Some(ErrorCode::AccountSuspended)
    );
    assert_eq!(refused(pro.me().await), Some(ErrorCode::AccountSuspended));
    assert_eq!(
        refused(
            by_key
                .leads(&LeadFilter::default(), &PageParams::default())
                .await
        ),
        Some(ErrorCode::AccountSuspended)
    );
    assert_eq!(
        refused(app.login(&pro_email, PASSWORD).await),
        Some(ErrorCode::AccountSuspended)
    );
    assert_eq!(
        refused(app.client.refresh(&refresh_token).await),
        Some(ErrorCode::InvalidToken),
        "suspension ended the sessions"
    );
    assert!(!listed(&app, &pro_id).await);
    assert_eq!(
        refused(app.client.partner(&pro_id).await),
        Some(ErrorCode::NotFound)
    );
    // What needs no sign-in still answers, whoever's token comes with it.
    pro.categories(&PageParams::default()).await.unwrap();
    assert_eq!(
        app.count(&format!(
            "lead_offers WHERE id = '{}' AND status = 'withdrawn'",
            offer.id
        ))
        .await,
        1,
        "the live offer is withdrawn"
    );
    assert_eq!(app.count("jobs").await, 0);
    assert_eq!(
        app.count(&format!(
            "outbox WHERE recipient_id = '{pro_id}' AND kind = 'account.suspended'"
        ))
        .await,
        1,
        "the pro is told"
    );
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE subject_id = '{pro_id}' AND action = 'account.suspend'"
        ))
        .await,
        1
    );
    // Staff see why.
    let seen = staff
        .admin_list_users(
            &shared_types::auth::UserFilter {
                role: Some(Role::Partner),
            },
            &PageParams::default(),
        )
        .await
        .unwrap();
    let entry = seen.items.iter().find(|u| u.id == pro_id).unwrap();
    assert!(entry.suspended_at.is_some());
    assert_eq!(entry.suspension_reason.as_deref(), Some("fake reviews"));
    // Suspending again changes nothing.
    staff
        .admin_suspend_user(&pro_id, &reason("again"))
        .await
        .unwrap();
    assert_eq!(
        app.count(&format!(
            "audit_log WHERE subject_id = '{pro_id}' AND action = 'account.suspend'"
        ))
        .await,
        1
    );

    // Reinstated: sign-in, keys, search and matching come back.
    let back = staff
        .admin_reinstate_user(&pro_id, &reason("appeal upheld"))
        .await
        .unwrap();
    assert!(back.suspended_at.is_none());
    let tokens = app.login(&pro_email, PASSWORD).await.unwrap();
    let pro = app.client.with_token(&tokens.access_token);
    pro.me().await.unwrap();
    by_key
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap();
    assert!(listed(&app, &pro_id).await);
    let profile = pro.my_partner_profile().await.unwrap();
    assert_eq!(profile.status, PartnerStatus::Active);
    let next = customer
        .create_request(&cleaning_request(None))
        .await
        .unwrap();
    assert_eq!(next.offers_sent, 1, "matched again");
    let offer = pro
        .leads(&LeadFilter::default(), &PageParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|lead| lead.request_id == next.id)
        .unwrap();
    pro.confirm_lead(&offer.id).await.unwrap();
    assert_eq!(
        app.count(&format!(
            "outbox WHERE recipient_id = '{pro_id}' AND kind = 'account.reinstated'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn a_suspended_accounts_live_stream_ends() {
    let app = TestApp::spawn().await;
    let (_, staff) = app.staff().await;
    let (customer_user, customer) = app.customer().await;
    let mut stream = customer.events(None).await.unwrap();
    staff
        .admin_suspend_user(&customer_user.id, &reason("chargebacks"))
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(item) = stream.next().await {
            item.expect("the stream ends cleanly");
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream of a suspended account ends");
}

#[tokio::test]
async fn staff_cannot_suspend_themselves() {
    let app = TestApp::spawn().await;
    let (staff_user, staff) = app.staff().await;
    let error = staff
        .admin_suspend_user(&staff_user.id, &reason("oops"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Conflict));
    staff.me().await.unwrap();
}

#[tokio::test]
async fn another_replica_refuses_a_suspended_token_within_seconds() {
    let app = TestApp::spawn().await;
    let replica = app.replica().await;
    let (_, staff) = app.staff().await;
    let (customer, tokens, _) = app.signed_up(SignupRole::Customer).await;
    let on_replica = replica.client.with_token(&tokens.access_token);
    on_replica.me().await.unwrap();
    staff
        .admin_suspend_user(&customer.id, &reason("chargebacks"))
        .await
        .unwrap();
    eventually(Duration::from_secs(10), || async {
        on_replica.me().await.err().and_then(|e| e.code()) == Some(ErrorCode::AccountSuspended)
    })
    .await;
    staff
        .admin_reinstate_user(&customer.id, &reason("resolved"))
        .await
        .unwrap();
    eventually(Duration::from_secs(10), || async {
        on_replica.me().await.is_ok()
    })
    .await;
}

#[tokio::test]
async fn a_token_of_an_account_that_is_gone_is_a_401() {
    let app = TestApp::spawn().await;
    let ghost = uuid::Uuid::now_v7().to_string();
    for role in [Role::Customer, Role::Partner] {
        let token = app.state.jwt.issue_access(&ghost, role, 0, 900).unwrap();
        let client = app.client.with_token(&token);
        let error = client.me().await.unwrap_err();
        assert_eq!(error.status(), Some(401), "{error}");
        assert_eq!(error.code(), Some(ErrorCode::InvalidToken));
        let error = client
            .register_device(&DeviceInput {
                token: "fcm-token".into(),
                platform: shared_types::notify::Platform::Android,
                app_version: None,
            })
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(401), "{error}");
        let error = client
            .create_api_key(&CreateApiKeyRequest {
                name: "x".into(),
                scopes: vec![Scope::LeadsRead],
                expires_in_days: None,
            })
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(401), "{error}");
    }
    let token = app
        .state
        .jwt
        .issue_access(&ghost, Role::Customer, 0, 900)
        .unwrap();
    let response = app
        .client
        .with_token(&token)
        .request(reqwest::Method::POST, "/v1/requests")
        .json(&json!(cleaning_request(None)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(app.count("service_requests").await, 0);
}
