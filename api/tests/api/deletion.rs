//! One's data over HTTP: an archive of all of it to download for a week, and deleting the
//! account: refused while a job is under way or money is held, then the person's data is gone
//! from every table but what the ledger and the law keep, on both backends.

use chrono::Duration;
use shared_types::auth::{RegisterRequest, SignupRole};
use shared_types::notify::{DeviceInput, Platform};
use shared_types::partners::PartnerSearch;
use shared_types::ratings::RatingInput;
use shared_types::wallet::{PayoutMethodInput, PayoutMethodKind};
use shared_types::{ErrorCode, PageParams};

use crate::harness::{PASSWORD, TestApp};
use crate::jobs::{Cast, cleaning_request};
use crate::schema::compiled_tables;

/// Every row of every table, as text, that contains one of `needles`: (table, needle).
async fn tables_holding(app: &TestApp, needles: &[&str]) -> Vec<(String, String)> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        row: String,
    }
    let mut found = Vec::new();
    for (table, columns) in compiled_tables() {
        let row = columns
            .iter()
            .map(|column| format!("COALESCE(CAST({column} AS TEXT), '')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let query = format!("SELECT {row} AS row FROM {table}");
        let rows: Vec<Row> = app
            .state
            .db(move |conn| Ok(diesel::sql_query(query).load(conn)?))
            .await
            .unwrap();
        for needle in needles {
            if rows.iter().any(|r| r.row.contains(needle)) {
                found.push((table.clone(), (*needle).to_owned()));
            }
        }
    }
    found
}

#[tokio::test]
async fn a_deleted_account_leaves_only_what_the_ledger_and_the_law_keep() {
    let cast = Cast::new().await;
    let app = &cast.app;
    let customer = &cast.customer;
    let me = customer.me().await.unwrap();
    let name = "Quinn Deletable-Person";
    customer
        .update_profile(&shared_types::account::ProfileUpdate {
            name: Some(name.into()),
            locale: None,
        })
        .await
        .unwrap();
    let phone = "+14165550177";
    customer.set_phone(phone).await.unwrap();
    customer
        .register_device(&DeviceInput {
            token: "device-token-of-quinn".into(),
            platform: Platform::Ios,
            app_version: None,
        })
        .await
        .unwrap();

    // A job under way holds the account.
    let job = cast.completed_job(2).await;
    let wrong = customer
        .delete_account("not my password")
        .await
        .unwrap_err();
    assert!(
        wrong
            .problem()
            .unwrap()
            .errors
            .contains_key("current_password")
    );
    let busy = customer.delete_account(PASSWORD).await.unwrap_err();
    assert_eq!(busy.code(), Some(ErrorCode::Conflict));
    assert!(
        busy.problem()
            .unwrap()
            .detail
            .clone()
            .unwrap()
            .contains("completed")
    );

    // Confirmed, rated both ways; one more request still open.
    cast.confirm(&job).await;
    let rating = |comment: &str| RatingInput {
        stars: 5,
        comment: comment.into(),
        tags: vec![],
    };
    customer
        .rate_job(&job.id, &rating("Spotless, thank you"))
        .await
        .unwrap();
    cast.partner
        .rate_job(&job.id, &rating("Lovely client"))
        .await
        .unwrap();
    let mut open = cleaning_request(None);
    open.windows[0].start = cast.now() + Duration::days(3);
    open.windows[0].end = open.windows[0].start + Duration::hours(3);
    let open = customer.create_request(&open).await.unwrap();
    // What they wrote to the pro (also queued for the pro's webhook endpoint), and a report
    // of the pro's answer.
    cast.partner
        .create_webhook_endpoint(&shared_types::webhook_endpoints::WebhookEndpointInput {
            url: "https://crm.example.com/porchlight".into(),
            description: "CRM".into(),
            event_types: vec![shared_types::events::EventType::MessageReceived],
            enabled: None,
        })
        .await
        .unwrap();
    let conversation = customer.open_job_conversation(&job.id).await.unwrap();
    let words = shared_types::conversations::MessageInput {
        body: "Ring twice: the gate code is quinn-gate-4411".into(),
        photo_ids: Vec::new(),
    };
    customer
        .send_message(&conversation.id, &words)
        .await
        .unwrap();
    crate::harness::eventually(std::time::Duration::from_secs(10), || async {
        app.count("webhook_deliveries WHERE body LIKE '%quinn-gate-4411%'")
            .await
            == 1
    })
    .await;
    let answer = shared_types::conversations::MessageInput {
        body: "Will do, see you then".into(),
        photo_ids: Vec::new(),
    };
    let answer = cast
        .partner
        .send_message(&conversation.id, &answer)
        .await
        .unwrap();
    let reason = shared_types::conversations::ReportInput {
        reason: "quinn-report-reason".into(),
    };
    customer.report_message(&answer.id, &reason).await.unwrap();

    customer.delete_account(PASSWORD).await.unwrap();

    // Gone: the credentials, the sign-in, the open request; the address is free again.
    assert_eq!(customer.me().await.unwrap_err().status(), Some(401));
    let request_status: i64 = app
        .count(&format!(
            "service_requests WHERE id = '{}' AND status = 'cancelled'",
            open.id
        ))
        .await;
    assert_eq!(request_status, 1, "the open request was withdrawn");
    let again = app
        .client
        .register(&RegisterRequest {
            email: me.email.clone(),
            password: PASSWORD.into(),
            name: "Quinn Again".into(),
            role: SignupRole::Customer,
        })
        .await
        .unwrap();
    assert_ne!(again.id, me.id);

    // The pro's review reads as from a former customer; the pro's money is untouched.
    let reviews = app
        .client
        .partner_reviews(&cast.partner_id, &PageParams::default())
        .await
        .unwrap()
        .items;
    assert_eq!(reviews[0].reviewer, "A former customer");
    assert_eq!(reviews[0].comment, "Spotless, thank you");
    crate::money::assert_books_balance(&cast.staff).await;
    let kept = cast
        .partner
        .messages(
            &conversation.id,
            &shared_types::conversations::MessageWindow::default(),
        )
        .await
        .unwrap()
        .items;
    assert!(
        kept.iter()
            .any(|message| message.body == "Will do, see you then")
    );

    // Nowhere but where it must stay: the signed agreement keeps the typed name until the
    // legal period ends.
    let leftovers = tables_holding(
        app,
        &[
            me.email.as_str(),
            phone,
            name,
            "100 Queen St W",
            "device-token-of-quinn",
            "quinn-gate-4411",
            "quinn-report-reason",
        ],
    )
    .await;
    let about_new_account: Vec<_> = leftovers
        .iter()
        .filter(|(table, needle)| {
            // The new account with the same address is someone else.
            !(needle == &me.email && matches!(table.as_str(), "users" | "email_verifications"))
        })
        .collect();
    assert!(
        about_new_account.is_empty(),
        "left behind: {about_new_account:?}"
    );
    assert_eq!(
        tables_holding(app, &["Casey Customer"]).await,
        [(
            "agreement_signatures".to_owned(),
            "Casey Customer".to_owned()
        )]
    );
    app.state.clock.advance(Duration::days(2191));
    porchlight::retention::run(&app.state).await.unwrap();
    assert!(tables_holding(app, &["Casey Customer"]).await.is_empty());
}

#[tokio::test]
async fn a_pro_leaves_once_paid_out_and_their_profile_disappears() {
    let cast = Cast::new().await;
    let job = cast.completed_job(2).await;
    cast.confirm(&job).await;

    let held = cast.partner.delete_account(PASSWORD).await.unwrap_err();
    assert_eq!(held.code(), Some(ErrorCode::Conflict));
    let detail = held.problem().unwrap().detail.clone().unwrap();
    assert!(detail.contains("earnings"), "{detail}");

    cast.partner
        .set_payout_method(&PayoutMethodInput {
            method: PayoutMethodKind::Cheque,
            mailing_address: Some("12 King St W, Toronto ON M5H 1A1".into()),
            bank_account: None,
        })
        .await
        .unwrap();
    cast.staff
        .admin_run_payouts("run-before-leaving")
        .await
        .unwrap();
    cast.partner.delete_account(PASSWORD).await.unwrap();

    let profile = cast.app.client.partner(&cast.partner_id).await.unwrap_err();
    assert_eq!(profile.status(), Some(404));
    let search = PartnerSearch {
        category: "cleaning".into(),
        lat: 43.65,
        lon: -79.38,
    };
    let hits = cast
        .customer
        .search_partners(&search, &PageParams::default())
        .await
        .unwrap()
        .items;
    assert!(hits.iter().all(|hit| hit.partner.id != cast.partner_id));
    // A new request finds nobody to offer it to, and staff cannot bring the pro back.
    assert_eq!(
        cast.app
            .count(&format!(
                "partner_area_cells WHERE partner_id = '{}'",
                cast.partner_id
            ))
            .await,
        0
    );
    let revive = cast
        .staff
        .admin_suspend_user(
            &cast.partner_id,
            &shared_types::auth::SuspensionInput {
                reason: "test".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(revive.status(), Some(404));
    crate::money::assert_books_balance(&cast.staff).await;
}

#[tokio::test]
async fn each_side_downloads_an_archive_of_their_data_for_a_week() {
    let cast = Cast::new().await;
    let job = cast.completed_job(2).await;
    cast.partner.customer_details(&job.id).await.unwrap();
    cast.confirm(&job).await;
    let rating = RatingInput {
        stars: 4,
        comment: "On time".into(),
        tags: vec![],
    };
    cast.customer.rate_job(&job.id, &rating).await.unwrap();
    let conversation = cast.customer.open_job_conversation(&job.id).await.unwrap();
    let words = shared_types::conversations::MessageInput {
        body: "Thanks for the great work".into(),
        photo_ids: Vec::new(),
    };
    let sent = cast
        .customer
        .send_message(&conversation.id, &words)
        .await
        .unwrap();

    let made = cast.customer.export_data().await.unwrap();
    assert!(made.size_bytes > 0);
    assert_eq!(made.expires_at - made.created_at, Duration::days(7));
    assert_eq!(
        cast.customer.exports().await.unwrap(),
        std::slice::from_ref(&made)
    );
    let archive = cast.customer.download_export(&made.id).await.unwrap();
    let me = cast.customer.me().await.unwrap();
    assert_eq!(archive.account, me);
    assert_eq!(archive.requests.len(), 1);
    assert_eq!(archive.jobs.len(), 1);
    let record = &archive.jobs[0];
    assert_eq!(record.job, cast.customer.job(&job.id).await.unwrap());
    assert_eq!(
        record.payments,
        cast.customer.job_payments(&job.id).await.unwrap()
    );
    assert_eq!(
        record.ratings,
        cast.customer.job_ratings(&job.id).await.unwrap()
    );
    assert!(!record.timeline.is_empty());
    assert_eq!(
        archive.customer_detail_reads.len(),
        1,
        "the pro read the details once"
    );
    assert!(!archive.sessions.is_empty());
    assert!(archive.wallet.is_none() && archive.partner_profile.is_none());
    assert!(archive.leads.is_empty());
    assert_eq!(archive.conversations.len(), 1);
    assert_eq!(archive.conversations[0].conversation.id, conversation.id);
    assert_eq!(archive.conversations[0].messages, [sent]);

    // The pro's archive has the business side; nobody else may download either.
    let pro_made = cast.partner.export_data().await.unwrap();
    let pro_archive = cast.partner.download_export(&pro_made.id).await.unwrap();
    assert!(pro_archive.partner_profile.is_some());
    assert_eq!(pro_archive.leads.len(), 1, "the lead that became the job");
    assert_eq!(
        pro_archive.wallet.as_ref(),
        Some(&cast.partner.wallet().await.unwrap())
    );
    assert!(!pro_archive.wallet_entries.is_empty());
    assert!(pro_archive.requests.is_empty());
    let foreign = cast.partner.download_export(&made.id).await.unwrap_err();
    assert_eq!(foreign.code(), Some(ErrorCode::NotFound));

    // Three a day; each is kept a week, then swept.
    cast.customer.export_data().await.unwrap();
    cast.customer.export_data().await.unwrap();
    let fourth = cast.customer.export_data().await.unwrap_err();
    assert_eq!(fourth.code(), Some(ErrorCode::RateLimited));
    cast.app
        .state
        .clock
        .advance(Duration::days(7) + Duration::minutes(1));
    let expired = cast.customer.download_export(&made.id).await.unwrap_err();
    assert_eq!(expired.code(), Some(ErrorCode::NotFound));
    porchlight::retention::run(&cast.app.state).await.unwrap();
    assert_eq!(cast.app.count("data_exports").await, 0);
}
