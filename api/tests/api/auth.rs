//! Accounts, sessions, role guards and API keys, over HTTP.

use porchlight::auth::tokens::AccessClaims;
use shared_types::auth::{
    CreateApiKeyRequest, RegisterRequest, Role, Scope, SignupRole, UserFilter,
};
use shared_types::{ErrorCode, PageParams};

use crate::harness::{PASSWORD, TestApp};

#[tokio::test]
async fn a_session_lives_rotates_and_ends() {
    let app = TestApp::spawn().await;
    let email = TestApp::unique_email("pat");
    let user = app
        .client
        .register(&RegisterRequest {
            email: email.to_uppercase(),
            password: PASSWORD.into(),
            name: "  Pat Plumber ".into(),
            role: SignupRole::Partner,
        })
        .await
        .unwrap();
    assert_eq!(user.email, email, "emails are stored lower-cased");
    assert_eq!(user.name, "Pat Plumber");
    assert_eq!(user.role, Role::Partner);

    // Sign in with any casing; the access token identifies the account.
    let first = app.login(&email.to_uppercase(), PASSWORD).await.unwrap();
    assert_eq!(first.token_type, "Bearer");
    assert_eq!(first.expires_in, 900);
    let me = app
        .client
        .with_token(&first.access_token)
        .me()
        .await
        .unwrap();
    assert_eq!(me, user);

    // Refreshing rotates: a new pair, and the new access token works.
    let second = app.client.refresh(&first.refresh_token).await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(
        app.client
            .with_token(&second.access_token)
            .me()
            .await
            .unwrap()
            .id,
        user.id
    );

    // Reusing the first refresh token revokes the whole family, the newest token included.
    let reused = app.client.refresh(&first.refresh_token).await.unwrap_err();
    assert_eq!(reused.code(), Some(ErrorCode::RefreshTokenReused));
    let revoked = app.client.refresh(&second.refresh_token).await.unwrap_err();
    assert_eq!(revoked.code(), Some(ErrorCode::InvalidToken));

    // A new login is a new family; logout ends it and is idempotent.
    let third = app.login(&email, PASSWORD).await.unwrap();
    app.client.logout(&third.refresh_token).await.unwrap();
    app.client.logout(&third.refresh_token).await.unwrap();
    let after_logout = app.client.refresh(&third.refresh_token).await.unwrap_err();
    assert_eq!(after_logout.code(), Some(ErrorCode::InvalidToken));
    app.client.logout("plr_never-issued").await.unwrap();

    // A refresh token is not an access token.
    let wrong_kind = app
        .client
        .with_token(&third.refresh_token)
        .me()
        .await
        .unwrap_err();
    assert_eq!(wrong_kind.code(), Some(ErrorCode::InvalidToken));
}

#[tokio::test]
async fn concurrent_refreshes_of_one_token_have_one_winner() {
    let app = TestApp::spawn().await;
    let (_, tokens, _) = app.signed_up(SignupRole::Customer).await;
    let attempts = (0..6).map(|_| {
        let client = app.client.clone();
        let token = tokens.refresh_token.clone();
        tokio::spawn(async move { client.refresh(&token).await })
    });
    let mut winners = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => winners += 1,
            Err(error) => assert!(
                matches!(
                    error.code(),
                    Some(ErrorCode::RefreshTokenReused | ErrorCode::InvalidToken)
                ),
                "unexpected {error}"
            ),
        }
    }
    assert!(winners <= 1, "{winners} refreshes of one token succeeded");
}

#[tokio::test]
async fn emails_are_unique_whatever_their_case() {
    let app = TestApp::spawn().await;
    let email = TestApp::unique_email("dup");
    let register = |email: String| RegisterRequest {
        email,
        password: PASSWORD.into(),
        name: "Dup".into(),
        role: SignupRole::Customer,
    };
    app.client.register(&register(email.clone())).await.unwrap();
    let error = app
        .client
        .register(&register(email.to_uppercase()))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(409));
    assert_eq!(error.code(), Some(ErrorCode::EmailTaken));
    assert_eq!(app.count("users").await, 1);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_look_the_same() {
    let app = TestApp::spawn().await;
    let (user, _) = app.customer().await;
    let wrong = app
        .login(&user.email, "not the password")
        .await
        .unwrap_err();
    let unknown = app.login("nobody@example.com", PASSWORD).await.unwrap_err();
    assert_eq!(wrong.code(), Some(ErrorCode::InvalidCredentials));
    assert_eq!(wrong.problem(), unknown.problem());
}

#[tokio::test]
async fn the_sixth_failed_login_in_the_window_is_throttled() {
    let app = TestApp::spawn().await;
    let (user, _) = app.customer().await;
    for attempt in 1..=5 {
        let error = app.login(&user.email, "wrong password").await.unwrap_err();
        assert_eq!(
            error.code(),
            Some(ErrorCode::InvalidCredentials),
            "attempt {attempt}"
        );
    }
    // Now even the right password waits: the limiter answers before checking it.
    let response = app
        .client
        .request(reqwest::Method::POST, "/v1/auth/login")
        .json(&serde_json::json!({ "email": user.email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after));
    let body: shared_types::ProblemDetails = response.json().await.unwrap();
    assert_eq!(body.code, ErrorCode::RateLimited);

    // Other accounts from the same address are not locked out.
    let (other, _) = app.partner().await;
    app.login(&other.email, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn bad_tokens_get_401_problems() {
    let app = TestApp::spawn().await;
    let (user, tokens, _) = app.signed_up(SignupRole::Customer).await;

    let anonymous = app.client.me().await.unwrap_err();
    assert_eq!(anonymous.code(), Some(ErrorCode::Unauthenticated));

    let mut tampered = tokens.access_token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });

    let other_key = porchlight::auth::tokens::JwtKeys::new(&porchlight::config::Secret::new(
        "another-secret-another-secret-another-secret",
    ));
    let foreign = other_key
        .issue_access(&user.id, Role::Customer, 0, 600)
        .unwrap();

    let now = chrono::Utc::now().timestamp();
    let expired = app
        .state
        .jwt
        .sign(&AccessClaims {
            sub: user.id.clone(),
            role: Role::Customer,
            iat: now - 7200,
            exp: now - 3600,
            jti: "expired".into(),
            iss: "porchlight".into(),
            typ: "access".into(),
            epoch: 0,
            sid: None,
        })
        .unwrap();

    let cases = [
        ("garbage", ErrorCode::InvalidToken),
        (tampered.as_str(), ErrorCode::InvalidToken),
        (foreign.as_str(), ErrorCode::InvalidToken),
        (expired.as_str(), ErrorCode::TokenExpired),
        (tokens.refresh_token.as_str(), ErrorCode::InvalidToken),
        ("plk_not-a-key", ErrorCode::InvalidToken),
    ];
    for (token, code) in cases {
        let error = app.client.with_token(token).me().await.unwrap_err();
        assert_eq!(error.status(), Some(401), "token {token}");
        assert_eq!(error.code(), Some(code), "token {token}");
    }

    let basic = app
        .client
        .request(reqwest::Method::GET, "/v1/me")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_eq!(basic.headers()["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn role_guards_keep_staff_endpoints_for_staff() {
    let app = TestApp::spawn().await;
    let (customer, customer_client) = app.customer().await;
    let (partner, partner_client) = app.partner().await;
    let (staff, staff_client) = app.staff().await;
    assert_eq!(staff.role, Role::Staff);

    let all = PageParams::default();
    for client in [&customer_client, &partner_client] {
        let error = client
            .admin_list_users(&UserFilter::default(), &all)
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(403));
        assert_eq!(error.code(), Some(ErrorCode::Forbidden));
    }
    let anonymous = app
        .client
        .admin_list_users(&UserFilter::default(), &all)
        .await
        .unwrap_err();
    assert_eq!(anonymous.status(), Some(401));

    let everyone = staff_client
        .admin_list_users(&UserFilter::default(), &all)
        .await
        .unwrap();
    let ids: Vec<_> = everyone.items.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids, [customer.id, partner.id.clone(), staff.id]);

    // Filter and paginate: one per page, stable order, cursor to the end.
    let partners = staff_client
        .admin_list_users(
            &UserFilter {
                role: Some(Role::Partner),
            },
            &all,
        )
        .await
        .unwrap();
    assert_eq!(partners.items.len(), 1);
    assert_eq!(partners.items[0].id, partner.id);

    let mut cursor = None;
    let mut seen = Vec::new();
    loop {
        let page = staff_client
            .admin_list_users(
                &UserFilter::default(),
                &PageParams {
                    limit: Some(1),
                    cursor: cursor.clone(),
                },
            )
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|u| u.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ids);

    // Staff cannot be made by signing up.
    let response = app
        .client
        .request(reqwest::Method::POST, "/v1/auth/register")
        .json(&serde_json::json!({
            "email": TestApp::unique_email("sneaky"), "password": PASSWORD,
            "name": "Sneaky", "role": "staff"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn api_keys_act_within_their_scopes() {
    let app = TestApp::spawn().await;
    let (owner, owner_client) = app.partner().await;
    let (_, stranger_client) = app.partner().await;

    let profile_key = owner_client
        .create_api_key(&CreateApiKeyRequest {
            name: "CRM sync".into(),
            scopes: vec![Scope::ProfileRead, Scope::LeadsRead, Scope::ProfileRead],
            expires_in_days: Some(30),
        })
        .await
        .unwrap();
    assert!(profile_key.secret.starts_with("plk_"));
    assert!(profile_key.secret.starts_with(&profile_key.api_key.prefix));
    assert_eq!(
        profile_key.api_key.scopes,
        [Scope::ProfileRead, Scope::LeadsRead],
        "scopes are deduplicated"
    );
    // A key holds only what its owner's role can use: a customer's never reads leads.
    let (_, customer) = app.customer().await;
    let beyond = customer
        .create_api_key(&CreateApiKeyRequest {
            name: "Lead scraper".into(),
            scopes: vec![Scope::RequestsRead, Scope::LeadsRead],
            expires_in_days: None,
        })
        .await
        .unwrap_err();
    assert!(beyond.problem().unwrap().errors.contains_key("scopes"));
    assert_eq!(
        customer
            .list_api_keys(&PageParams::default())
            .await
            .unwrap()
            .items,
        []
    );
    let jobs_key = owner_client
        .create_api_key(&CreateApiKeyRequest {
            name: "Job board".into(),
            scopes: vec![Scope::JobsRead],
            expires_in_days: None,
        })
        .await
        .unwrap();

    // A key acts as its owner within its scopes.
    let as_key = app.client.with_token(&profile_key.secret);
    assert_eq!(as_key.me().await.unwrap().id, owner.id);
    let lacking = app
        .client
        .with_token(&jobs_key.secret)
        .me()
        .await
        .unwrap_err();
    assert_eq!(lacking.status(), Some(403));
    assert_eq!(lacking.code(), Some(ErrorCode::InsufficientScope));

    // Keys cannot manage keys.
    let error = as_key
        .create_api_key(&CreateApiKeyRequest {
            name: "escalate".into(),
            scopes: vec![Scope::JobsWrite],
            expires_in_days: None,
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Forbidden));

    // The list shows prefixes, never secrets, and last use.
    let listed = owner_client
        .list_api_keys(&PageParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 2);
    assert!(listed.items[0].last_used_at.is_some());
    let raw = serde_json::to_string(&listed).unwrap();
    assert!(!raw.contains(&profile_key.secret));

    // Another user can neither see nor revoke them.
    assert!(
        stranger_client
            .list_api_keys(&PageParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let error = stranger_client
        .revoke_api_key(&profile_key.api_key.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::NotFound));
    as_key.me().await.unwrap();

    // Revoked: stops at once; a second revoke is "not found".
    owner_client
        .revoke_api_key(&profile_key.api_key.id)
        .await
        .unwrap();
    let error = as_key.me().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidToken));
    let error = owner_client
        .revoke_api_key(&profile_key.api_key.id)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::NotFound));

    // Expired keys stop too.
    app.sql(&format!(
        "UPDATE api_keys SET expires_at = created_at WHERE id = '{}'",
        jobs_key.api_key.id
    ))
    .await;
    let error = app
        .client
        .with_token(&jobs_key.secret)
        .me()
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::InvalidToken));
}
