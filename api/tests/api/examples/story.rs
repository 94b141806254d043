//! The story behind the documented examples: Maya, a homeowner in Toronto, books a home
//! cleaning and a plumber; Sam and Priya are pros; Jordan is staff; Acme CRM is an app that
//! acts for Sam. Every operation of the contract is played once as its example.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Call, Story, Who};
use crate::fake_sms::FakeSms;
use crate::fake_smtp::FakeSmtp;
use crate::fake_stripe;
use crate::harness::{TestApp, eventually_some};

const PASSWORD: &str = "maple-leaf-kitchen-42";
const WEBHOOK_SECRET: &str = "whsec_story_secret";

/// A text field of a JSON answer.
fn text(value: &Value, pointer: &str) -> String {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no {pointer} in {value}"))
        .to_owned()
}

/// The `token=` of the link in the `nth` email to `address` that has one.
async fn emailed_token(smtp: &FakeSmtp, address: &str, nth: usize) -> String {
    eventually_some(Duration::from_secs(10), "an emailed link", || {
        let tokens: Vec<String> = smtp
            .received_by(address)
            .iter()
            .filter_map(|mail| {
                let body = mail.part("text/plain")?;
                let link = body
                    .split_whitespace()
                    .find(|word| word.contains("token="))?;
                Some(link.split("token=").nth(1)?.to_owned())
            })
            .collect();
        std::future::ready(tokens.get(nth).cloned())
    })
    .await
}

/// A cleaning or plumbing request from Maya's kitchen, for Thursday morning.
fn kitchen_request(category: &str, description: &str) -> Value {
    json!({
        "category": category,
        "description": description,
        "address": {
            "street": "24 Elm Avenue", "city": "Toronto", "postal_code": "M4W 1N3",
            "country": "CA"
        },
        "windows": [
            { "start": "2026-12-03T15:00:00Z", "end": "2026-12-03T18:00:00Z" },
            { "start": "2026-12-04T19:00:00Z", "end": "2026-12-04T22:00:00Z" }
        ],
        "time_zone": "America/Toronto",
        "contact_phone": "+14165550199"
    })
}

fn profile(business_name: &str, categories: &[&str], service_area: Value) -> Value {
    json!({
        "business_name": business_name,
        "description": "Insured, 12 years in midtown Toronto homes. Tidy work, clear prices.",
        "phone": "+14165550123",
        "website": "https://okaforhome.example.com",
        "categories": categories,
        "service_area": service_area,
        "accepting_leads": true
    })
}

fn weekday_hours() -> Value {
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    json!({
        "time_zone": "America/Toronto",
        "weekly": days
            .iter()
            .map(|day| json!({ "weekday": day, "start": "08:00", "end": "18:00" }))
            .collect::<Vec<_>>(),
        "days_off": ["2026-12-25"]
    })
}

#[tokio::test]
async fn the_documented_examples_hold() {
    let smtp = FakeSmtp::start().await;
    let sms = FakeSms::start();
    let mut settings: Vec<(&str, String)> = sms.settings();
    settings.extend([
        ("SMTP_URL", smtp.url.clone()),
        ("APP_LINK_BASE_URL", "https://porchlight.app".to_owned()),
        ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
    ]);
    let overrides: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(&overrides).await;
    let mut story = Story::begin(app);
    let nobody = Who::anonymous();

    story.example("health", Call::by(&nobody)).await;
    story.example("ready", Call::by(&nobody)).await;
    story
        .example("list_categories", Call::by(&nobody).param("limit", 20))
        .await;

    // Accounts: Maya signs up, confirms her address, signs in.
    sign_up(
        &mut story,
        &smtp,
        "Maya Chen",
        "maya.chen@example.com",
        "customer",
        true,
    )
    .await;
    let login = story
        .example(
            "login",
            Call::by(&nobody)
                .body(json!({ "email": "maya.chen@example.com", "password": PASSWORD })),
        )
        .await;
    let maya_refresh = text(&login, "/refresh_token");
    let refreshed = story
        .example(
            "refresh",
            Call::by(&nobody).body(json!({ "refresh_token": maya_refresh })),
        )
        .await;
    let maya = Who::bearer(&text(&refreshed, "/access_token"));
    story.example("me", Call::by(&maya)).await;
    story
        .example(
            "update_profile",
            Call::by(&maya).body(json!({ "name": "Maya Chen", "locale": "en-CA" })),
        )
        .await;
    confirm_address(&mut story, &smtp, &maya, "maya.chen@example.com").await;

    // Pros: Sam (cleaning and plumbing) and Priya (plumbing) set up their businesses.
    let sam = sign_up(
        &mut story,
        &smtp,
        "Sam Okafor",
        "sam@okaforhome.example.com",
        "partner",
        false,
    )
    .await;
    let sam_id = text(&story.again("me", Call::by(&sam)).await, "/id");
    story
        .example(
            "put_my_profile",
            Call::by(&sam).body(profile(
                "Okafor Home Services",
                &["cleaning", "plumbing"],
                json!({ "place": "M4T 2L7", "radius_km": 20.0 }),
            )),
        )
        .await;
    story
        .example("put_my_availability", Call::by(&sam).body(weekday_hours()))
        .await;
    story.example("my_profile", Call::by(&sam)).await;
    let priya = sign_up(
        &mut story,
        &smtp,
        "Priya Nair",
        "priya@nairplumbing.example.com",
        "partner",
        false,
    )
    .await;
    story
        .again(
            "put_my_profile",
            Call::by(&priya).body(profile(
                "Nair Plumbing",
                &["plumbing"],
                json!({ "city": "Toronto", "lat": 43.6617, "lon": -79.3950, "radius_km": 20.0 }),
            )),
        )
        .await;
    story
        .again(
            "put_my_availability",
            Call::by(&priya).body(weekday_hours()),
        )
        .await;

    // Sam becomes a Brand Builder: his profile shows his phone and website.
    let jordan = staff(&mut story, "Jordan Lee", "jordan@porchlight.example.com").await;
    story
        .example(
            "update_partner",
            Call::by(&jordan).param("id", &sam_id).body(json!({
                "tier": "brand_builder",
                "reason": "Upgraded to Brand Builder for the December promotion."
            })),
        )
        .await;

    let priya_id = text(&story.again("me", Call::by(&priya)).await, "/id");
    story
        .again(
            "update_partner",
            Call::by(&jordan).param("id", &priya_id).body(json!({
                "tier": "brand_builder",
                "reason": "Upgraded to Brand Builder for the December promotion."
            })),
        )
        .await;

    // A homeowner browses: search, a profile, a tap on the pro's phone number.
    story
        .example("search_places", Call::by(&nobody).param("q", "M4W 1N3"))
        .await;
    story
        .example(
            "place_at",
            Call::by(&nobody)
                .param("lat", 43.6791)
                .param("lon", -79.3842),
        )
        .await;
    story
        .example(
            "search_partners",
            Call::by(&nobody)
                .param("category", "cleaning")
                .param("lat", 43.6791)
                .param("lon", -79.3842)
                .param("limit", 10),
        )
        .await;
    story
        .example("public_profile", Call::by(&nobody).param("id", &sam_id))
        .await;
    story
        .example(
            "contact_click",
            Call::by(&nobody)
                .param("id", &sam_id)
                .body(json!({ "kind": "phone" })),
        )
        .await;

    // Maya asks for a cleaning; Sam takes the lead.
    let request = story
        .example(
            "create_request",
            Call::by(&maya)
                .param("Idempotency-Key", "7d5f1c7e-request-cleaning-1")
                .body(kitchen_request(
                    "cleaning",
                    "Deep clean of the kitchen and two bathrooms before the holidays.",
                )),
        )
        .await;
    let request_id = text(&request, "/id");
    let leads = story
        .example(
            "list_leads",
            Call::by(&sam).param("status", "offered").param("limit", 20),
        )
        .await;
    let offer_id = text(&leads, "/items/0/id");
    story
        .example("get_lead", Call::by(&sam).param("id", &offer_id))
        .await;
    let assignment = story
        .example("confirm_lead", Call::by(&sam).param("id", &offer_id))
        .await;
    let job_id = text(&assignment, "/job_id");
    story
        .example("get_request", Call::by(&maya).param("id", &request_id))
        .await;
    story
        .example("list_requests", Call::by(&maya).param("limit", 20))
        .await;
    story
        .example(
            "list_jobs",
            Call::by(&sam)
                .param("status", "assigned")
                .param("limit", 20),
        )
        .await;
    story
        .example("get_job", Call::by(&maya).param("id", &job_id))
        .await;
    story
        .example("customer_details", Call::by(&sam).param("id", &job_id))
        .await;

    // Sam can come this morning: he proposes 09:30, Maya accepts, signs and pays.
    let proposal = story
        .example(
            "propose",
            Call::by(&sam).param("id", &job_id).body(json!({
                "slots": [
                    { "start": "2026-12-01T14:30:00Z", "end": "2026-12-01T16:30:00Z" },
                    { "start": "2026-12-02T14:00:00Z", "end": "2026-12-02T16:00:00Z" }
                ]
            })),
        )
        .await;
    story
        .example(
            "accept_proposal",
            Call::by(&maya)
                .param("id", &job_id)
                .param("pid", text(&proposal, "/id"))
                .body(json!({ "slot": 0 })),
        )
        .await;
    let agreement = story
        .example("get_agreement", Call::by(&maya).param("id", &job_id))
        .await;
    story
        .example(
            "sign_agreement",
            Call::by(&maya).param("id", &job_id).body(json!({
                "version": agreement["version"],
                "text_sha256": agreement["text_sha256"],
                "typed_name": "Maya Chen"
            })),
        )
        .await;
    story
        .example(
            "pay_job",
            Call::by(&maya)
                .param("id", &job_id)
                .param("Idempotency-Key", "pay-kitchen-clean-1")
                .body(json!({ "card_token": "tok_visa" })),
        )
        .await;
    story
        .example("job_payments", Call::by(&maya).param("id", &job_id))
        .await;

    // The visit: Sam starts, finishes, both rate; Maya tips.
    story
        .example("start", Call::by(&sam).param("id", &job_id))
        .await;
    story
        .example(
            "complete",
            Call::by(&sam).param("id", &job_id).body(json!({
                "summary": "Kitchen degreased, both bathrooms descaled, floors mopped.",
                "photo_urls": ["https://photos.example.com/okafor/kitchen-after.jpg"]
            })),
        )
        .await;
    let review = story
        .example(
            "rate_job",
            Call::by(&maya).param("id", &job_id).body(json!({
                "stars": 5,
                "comment": "Spotless kitchen, on time, friendly.",
                "tags": ["punctual", "thorough"]
            })),
        )
        .await;
    story
        .again(
            "rate_job",
            Call::by(&sam)
                .param("id", &job_id)
                .body(json!({ "stars": 5, "comment": "Clear instructions, easy access." })),
        )
        .await;
    story
        .example("job_ratings", Call::by(&maya).param("id", &job_id))
        .await;
    story
        .example(
            "reply",
            Call::by(&sam)
                .param("id", text(&review, "/id"))
                .body(json!({ "text": "Thank you, Maya! See you in the spring." })),
        )
        .await;
    story
        .example(
            "partner_reviews",
            Call::by(&nobody).param("id", &sam_id).param("limit", 10),
        )
        .await;
    story
        .example(
            "tip_job",
            Call::by(&maya)
                .param("id", &job_id)
                .param("Idempotency-Key", "tip-kitchen-clean-1")
                .body(json!({
                    "amount": { "amount_cents": 2000, "currency": "CAD" },
                    "card_token": "tok_visa"
                })),
        )
        .await;
    story
        .example("job_receipt", Call::by(&maya).param("id", &job_id))
        .await;
    story
        .example("job_events", Call::by(&maya).param("id", &job_id))
        .await;

    // The app's way to pay: Maya books the windows and pays on the secure payment page.
    let (_, windows_job) = booked_job(
        &mut story,
        &maya,
        &sam,
        "Wash every window inside, and the sills.",
        None,
    )
    .await;
    let checkout = story
        .example(
            "open_checkout",
            Call::by(&maya)
                .param("id", &windows_job)
                .body(json!({ "purpose": "job" })),
        )
        .await;
    let paid = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(text(&checkout, "/url"))
        .form(&[
            ("card_number", "4242 4242 4242 4242"),
            ("expiry", "12/30"),
            ("cvc", "123"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303, "the page took the card");

    // A leaking sink: a review-category request; Sam applies, Priya declines, staff assign.
    let sink = story
        .again(
            "create_request",
            Call::by(&maya).body(kitchen_request(
                "plumbing",
                "The kitchen sink drips under the trap; the cabinet floor is getting soft.",
            )),
        )
        .await;
    let sink_id = text(&sink, "/id");
    let sam_offer = offer_for(&mut story, &sam, &sink_id).await;
    let priya_offer = offer_for(&mut story, &priya, &sink_id).await;
    questions_before_quoting(&mut story, &maya, &sam, &sam_offer).await;
    story
        .example(
            "apply_lead",
            Call::by(&sam).param("id", &sam_offer).body(json!({
                "message": "I can replace the trap and reseal the cabinet on Thursday.",
                "quote": { "amount_cents": 18500, "currency": "CAD" }
            })),
        )
        .await;
    story
        .example(
            "decline_lead",
            Call::by(&priya)
                .param("id", &priya_offer)
                .body(json!({ "reason": "Fully booked this week" })),
        )
        .await;
    story
        .example("awaiting_assignment", Call::by(&jordan).param("limit", 20))
        .await;
    story
        .example("list_applications", Call::by(&jordan).param("id", &sink_id))
        .await;
    story
        .example(
            "assign_request",
            Call::by(&jordan)
                .param("id", &sink_id)
                .body(json!({ "offer_id": sam_offer })),
        )
        .await;

    // Plans change: Maya withdraws a request nobody took yet.
    let windows = story
        .again(
            "create_request",
            Call::by(&maya).body(kitchen_request(
                "cleaning",
                "Window cleaning, inside and out, for a two-storey house.",
            )),
        )
        .await;
    story
        .example(
            "cancel_request",
            Call::by(&maya).param("id", text(&windows, "/id")),
        )
        .await;

    // Sam cancels a paid job whose card is closed by then: the refund fails, staff retry it,
    // and Maya asks for another pro.
    let (oven_request, oven_job) = booked_job(
        &mut story,
        &maya,
        &sam,
        "Oven and range hood degreasing, inside and out.",
        Some("tok_refund_fails"),
    )
    .await;
    story
        .example("cancellation_terms", Call::by(&sam).param("id", &oven_job))
        .await;
    story
        .example(
            "cancel",
            Call::by(&sam)
                .param("id", &oven_job)
                .body(json!({ "reason": "My van broke down; I am sorry." })),
        )
        .await;
    story
        .example(
            "rematch_request",
            Call::by(&maya).param("id", &oven_request).body(json!({
                "windows": [{ "start": "2026-12-05T15:00:00Z", "end": "2026-12-05T18:00:00Z" }]
            })),
        )
        .await;
    let failed_refund = eventually_some(Duration::from_secs(30), "a refused refund", || {
        let state = story.app.state.clone();
        let job = oven_job.clone();
        async move { failed_refund_of(&state, &job).await }
    })
    .await;
    story
        .example(
            "admin_refunds",
            Call::by(&jordan)
                .param("status", "failed")
                .param("limit", 20),
        )
        .await;
    story
        .example(
            "admin_retry_refund",
            Call::by(&jordan)
                .param("id", &failed_refund)
                .param("Idempotency-Key", "retry-refund-oven-1")
                .body(json!({ "note": "Maya confirmed her new card by phone." })),
        )
        .await;

    // A disputed job: staff look at the case and settle it.
    story.app.state.clock.advance(chrono::Duration::hours(3));
    let (_, gutter_job) = booked_job(
        &mut story,
        &maya,
        &sam,
        "Clear the gutters and downspouts before the snow.",
        Some("tok_visa"),
    )
    .await;
    story
        .again("start", Call::by(&sam).param("id", &gutter_job))
        .await;
    let proof = story
        .again(
            "upload_photo",
            Call::by(&sam).file(tap_photo(), "image/jpeg"),
        )
        .await;
    story
        .again(
            "complete",
            Call::by(&sam).param("id", &gutter_job).body(json!({
                "summary": "Gutters cleared.",
                "photo_ids": [text(&proof, "/id")]
            })),
        )
        .await;
    let evidence = story
        .again(
            "upload_photo",
            Call::by(&maya).file(tap_photo(), "image/jpeg"),
        )
        .await;
    story
        .example(
            "dispute",
            Call::by(&maya).param("id", &gutter_job).body(json!({
                "reason": "The back downspout is still blocked; water pools by the door.",
                "photo_ids": [text(&evidence, "/id")]
            })),
        )
        .await;
    story
        .example("job_photos", Call::by(&maya).param("id", &gutter_job))
        .await;
    story
        .example(
            "admin_job_photos",
            Call::by(&jordan).param("id", &gutter_job),
        )
        .await;
    story
        .example(
            "admin_list_jobs",
            Call::by(&jordan)
                .param("status", "disputed")
                .param("limit", 20),
        )
        .await;
    story
        .example("admin_job_case", Call::by(&jordan).param("id", &gutter_job))
        .await;
    story
        .example(
            "admin_job_events",
            Call::by(&jordan).param("id", &gutter_job),
        )
        .await;
    story
        .example(
            "admin_resolve_dispute",
            Call::by(&jordan).param("id", &gutter_job).body(json!({
                "outcome": "partial",
                "note": "Photos show the back downspout still blocked.",
                "refund": { "amount_cents": 4000, "currency": "CAD" }
            })),
        )
        .await;
    story
        .example(
            "admin_confirm_jobs",
            Call::by(&jordan).body(json!({ "job_ids": [job_id] })),
        )
        .await;

    // Money: Sam's wallet, a payout run, statements, the books.
    story
        .example(
            "set_payout_method",
            Call::by(&sam).body(json!({
                "method": "bank_transfer",
                "bank_account": {
                    "account_holder": "Okafor Home Services",
                    "routing_number": "000412345",
                    "account_number": "1234567"
                }
            })),
        )
        .await;
    story.example("get_wallet", Call::by(&sam)).await;
    story
        .example("wallet_entries", Call::by(&sam).param("limit", 20))
        .await;
    story
        .example(
            "admin_run_payouts",
            Call::by(&jordan).param("Idempotency-Key", "payout-run-2026-w49"),
        )
        .await;
    let payouts = story
        .example(
            "admin_payouts",
            Call::by(&jordan)
                .param("partner_id", &sam_id)
                .param("limit", 20),
        )
        .await;
    let payout_id = text(&payouts, "/items/0/id");
    story
        .example(
            "admin_export_payouts",
            Call::by(&jordan).param("status", "pending"),
        )
        .await;
    story
        .example("admin_carried_balances", Call::by(&jordan))
        .await;
    story
        .example(
            "admin_payout_statement",
            Call::by(&jordan).param("id", &payout_id),
        )
        .await;
    story
        .example(
            "admin_mark_payout",
            Call::by(&jordan)
                .param("id", &payout_id)
                .param("Idempotency-Key", "payout-sent-okafor-w49")
                .body(json!({ "status": "sent" })),
        )
        .await;
    story
        .example("my_payouts", Call::by(&sam).param("limit", 20))
        .await;
    story
        .example(
            "my_payout_statement",
            Call::by(&sam).param("id", &payout_id),
        )
        .await;
    story
        .example(
            "admin_partner_wallet",
            Call::by(&jordan).param("id", &sam_id),
        )
        .await;
    story
        .example(
            "admin_partner_wallet_entries",
            Call::by(&jordan).param("id", &sam_id).param("limit", 20),
        )
        .await;
    story.example("admin_ledger_check", Call::by(&jordan)).await;
    let intent = json!({
        "id": "pi_3QxStory0000000001", "object": "payment_intent", "status": "succeeded",
        "amount": 14900, "currency": "cad", "metadata": {}
    });
    let event = json!({
        "id": "evt_3QxStory0000000001", "object": "event", "type": "payment_intent.succeeded",
        "data": { "object": intent }
    });
    let payload = event.to_string();
    let signature = fake_stripe::signature(
        WEBHOOK_SECRET,
        chrono::Utc::now().timestamp(),
        payload.as_bytes(),
    );
    let mut webhook = Call::by(&nobody);
    webhook.headers.push(("Stripe-Signature", signature));
    webhook.raw = Some(payload);
    story.example("stripe_webhook", webhook).await;

    integrations(&mut story, &smtp, &sam).await;
    notifications(&mut story, &maya, &sam).await;
    staff_desk(&mut story, &smtp, &jordan, &sam_id, &job_id, &review).await;
    own_account(&mut story, &smtp, &sms).await;
    conversations(&mut story, &maya, &sam, &jordan, &priya_id, &job_id).await;
    photos(&mut story, &maya, &sam, &sam_id).await;

    story.end();
}

/// Sam asks Maya about the leaking sink before quoting: his number is masked until he is hired.
async fn questions_before_quoting(story: &mut Story, maya: &Who, sam: &Who, sam_offer: &str) {
    let chat = story
        .example(
            "open_lead_conversation",
            Call::by(sam).param("id", sam_offer),
        )
        .await;
    let chat_id = text(&chat, "/id");
    let question = story
        .example(
            "send_message",
            Call::by(sam).param("id", &chat_id).body(json!({
                "body": "Is the trap metal or plastic? Text me a photo at 416-555-0142."
            })),
        )
        .await;
    story.example("unread_counts", Call::by(maya)).await;
    story
        .example("list_conversations", Call::by(maya).param("limit", 20))
        .await;
    story
        .example("get_conversation", Call::by(maya).param("id", &chat_id))
        .await;
    story
        .example(
            "list_messages",
            Call::by(maya).param("id", &chat_id).param("limit", 50),
        )
        .await;
    story
        .example(
            "mark_conversation_read",
            Call::by(maya)
                .param("id", &chat_id)
                .body(json!({ "up_to": text(&question, "/id") })),
        )
        .await;
    story
        .again(
            "send_message",
            Call::by(maya).param("id", &chat_id).body(json!({
                "body": "Plastic, I think. The cabinet floor is soft near the back."
            })),
        )
        .await;
}

/// Maya writes to Priya from her profile; on the finished kitchen job Sam oversteps, Maya
/// reports him, staff step in, and Maya blocks the conversation for a moment.
async fn conversations(
    story: &mut Story,
    maya: &Who,
    sam: &Who,
    jordan: &Who,
    priya_id: &str,
    job_id: &str,
) {
    let mut direct = kitchen_request(
        "plumbing",
        "The bathroom tap drips all night; it may need a new cartridge.",
    );
    direct["partner_id"] = json!(priya_id);
    let request = story
        .again("create_request", Call::by(maya).body(direct))
        .await;
    let to_priya = story
        .example(
            "open_request_conversation",
            Call::by(maya).param("id", text(&request, "/id")),
        )
        .await;
    story
        .again(
            "send_message",
            Call::by(maya)
                .param("id", text(&to_priya, "/id"))
                .body(json!({ "body": "Could you come on a weekday evening?" })),
        )
        .await;

    // A photo of the drip, sent to the pro; the pro's app loads it through its signed link.
    let photo = story
        .example(
            "upload_photo",
            Call::by(maya).file(tap_photo(), "image/jpeg"),
        )
        .await;
    story
        .again(
            "send_message",
            Call::by(maya)
                .param("id", text(&to_priya, "/id"))
                .body(json!({ "body": "This is the tap.", "photo_ids": [text(&photo, "/id")] })),
        )
        .await;
    let nobody = Who::anonymous();
    let link = url::Url::parse(&text(&photo, "/thumbnail_url")).unwrap();
    let mut fetch = Call::by(&nobody)
        .param("id", text(&photo, "/id"))
        .param("variant", "thumb");
    for (name, value) in link.query_pairs() {
        let name: &'static str = match name.as_ref() {
            "audience" => "audience",
            "expires" => "expires",
            _ => "signature",
        };
        fetch = fetch.param(name, value);
    }
    story.example("fetch_photo", fetch).await;

    let kitchen = story
        .example("open_job_conversation", Call::by(sam).param("id", job_id))
        .await;
    let kitchen_id = text(&kitchen, "/id");
    let pushy = story
        .again(
            "send_message",
            Call::by(sam).param("id", &kitchen_id).body(json!({
                "body": "Change your review to mention my new website or I will not come back."
            })),
        )
        .await;
    let report = story
        .example(
            "report_message",
            Call::by(maya)
                .param("id", text(&pushy, "/id"))
                .body(json!({ "reason": "Pressuring me about my review." })),
        )
        .await;
    story
        .example("admin_message_reports", Call::by(jordan).param("limit", 20))
        .await;
    story
        .example(
            "admin_get_conversation",
            Call::by(jordan).param("id", &kitchen_id),
        )
        .await;
    story
        .example(
            "admin_list_messages",
            Call::by(jordan).param("id", &kitchen_id).param("limit", 50),
        )
        .await;
    story
        .example(
            "admin_send_message",
            Call::by(jordan).param("id", &kitchen_id).body(json!({
                "body": "Reviews stay the customer's own words: please do not ask for changes here."
            })),
        )
        .await;
    story
        .example(
            "admin_resolve_report",
            Call::by(jordan)
                .param("id", text(&report, "/id"))
                .body(json!({
                    "outcome": "hidden",
                    "note": "Pressure about reviews breaks the messaging rules."
                })),
        )
        .await;
    story
        .example(
            "block_conversation",
            Call::by(maya).param("id", &kitchen_id),
        )
        .await;
    story
        .example(
            "unblock_conversation",
            Call::by(maya).param("id", &kitchen_id),
        )
        .await;
}

/// Maya shows Sam the cupboard under the sink; Sam keeps a portfolio of past work.
async fn photos(story: &mut Story, maya: &Who, sam: &Who, sam_id: &str) {
    let sink = story
        .again(
            "upload_photo",
            Call::by(maya).file(tap_photo(), "image/jpeg"),
        )
        .await;
    let mut asked = kitchen_request(
        "plumbing",
        "Water collects under the kitchen sink; the photo shows where.",
    );
    asked["partner_id"] = json!(sam_id);
    asked["photo_ids"] = json!([text(&sink, "/id")]);
    let request = story
        .again("create_request", Call::by(maya).body(asked))
        .await;
    let request_id = text(&request, "/id");
    story
        .example("request_photos", Call::by(maya).param("id", &request_id))
        .await;
    let offer = offer_for(story, sam, &request_id).await;
    story
        .example("lead_photos", Call::by(sam).param("id", &offer))
        .await;

    let mut kept = Vec::new();
    for caption in ["A bathroom vanity replaced in Leslieville", "Old tiles out"] {
        let photo = story
            .again(
                "upload_photo",
                Call::by(sam).file(tap_photo(), "image/jpeg"),
            )
            .await;
        let body = json!({ "photo_id": text(&photo, "/id"), "caption": caption });
        if kept.is_empty() {
            story
                .example("add_portfolio_photo", Call::by(sam).body(body))
                .await;
        } else {
            story
                .again("add_portfolio_photo", Call::by(sam).body(body))
                .await;
        }
        kept.push(text(&photo, "/id"));
    }
    story
        .example(
            "remove_portfolio_photo",
            Call::by(sam).param("id", &kept[1]),
        )
        .await;
    story
        .example("portfolio", Call::by(&Who::anonymous()).param("id", sam_id))
        .await;
}

/// A small photo of a dripping tap, as a phone would send it (JPEG).
fn tap_photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| {
        let byte = |value: u32| u8::try_from(value % 256).unwrap();
        image::Rgb([byte(x * 3), byte(y * 4), byte(200 - (x + y))])
    });
    let mut jpeg = Vec::new();
    image
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 80,
        ))
        .unwrap();
    jpeg
}

/// Registers an account and signs it in. The first is `register`'s example and confirms its
/// address later; the others follow the link in their welcome email at once.
async fn sign_up(
    story: &mut Story,
    smtp: &FakeSmtp,
    name: &str,
    email: &str,
    role: &str,
    example: bool,
) -> Who {
    let body = json!({ "email": email, "password": PASSWORD, "name": name, "role": role });
    let nobody = Who::anonymous();
    if example {
        story
            .example("register", Call::by(&nobody).body(body))
            .await;
    } else {
        story.again("register", Call::by(&nobody).body(body)).await;
        let token = emailed_token(smtp, email, 0).await;
        story
            .again(
                "confirm_email",
                Call::by(&nobody).body(json!({ "token": token })),
            )
            .await;
    }
    let login = story
        .again(
            "login",
            Call::by(&nobody).body(json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    Who::bearer(&text(&login, "/access_token"))
}

/// A staff account, made as an operator makes one (`create-staff`), signed in.
async fn staff(story: &mut Story, name: &str, email: &str) -> Who {
    let (email_owned, name_owned) = (email.to_owned(), name.to_owned());
    story
        .app
        .state
        .db(move |conn| {
            porchlight::auth::accounts::create_staff(conn, &email_owned, PASSWORD, &name_owned)
        })
        .await
        .unwrap();
    let login = story
        .again(
            "login",
            Call::by(&Who::anonymous()).body(json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    Who::bearer(&text(&login, "/access_token"))
}

/// Asks for a new confirmation email and follows its link.
async fn confirm_address(story: &mut Story, smtp: &FakeSmtp, who: &Who, address: &str) {
    story
        .example("resend_email_verification", Call::by(who))
        .await;
    let token = emailed_token(smtp, address, 1).await;
    story
        .example(
            "confirm_email",
            Call::by(&Who::anonymous()).body(json!({ "token": token })),
        )
        .await;
}

/// The offer `partner` holds for request `request_id`.
async fn offer_for(story: &mut Story, partner: &Who, request_id: &str) -> String {
    let leads = story
        .again("list_leads", Call::by(partner).param("limit", 50))
        .await;
    leads["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|lead| lead["request_id"] == request_id)
        .map_or_else(
            || panic!("no offer of {request_id} in {leads}"),
            |lead| text(lead, "/id"),
        )
}

/// A cleaning job of `customer` with `partner`, booked for half an hour from now, its
/// agreement signed and paid with `card_token`; returns the request and the job.
async fn booked_job(
    story: &mut Story,
    customer: &Who,
    partner: &Who,
    description: &str,
    card_token: Option<&str>,
) -> (String, String) {
    let request = story
        .again(
            "create_request",
            Call::by(customer).body(kitchen_request("cleaning", description)),
        )
        .await;
    let request_id = text(&request, "/id");
    let offer = offer_for(story, partner, &request_id).await;
    let assignment = story
        .again("confirm_lead", Call::by(partner).param("id", &offer))
        .await;
    let job = text(&assignment, "/job_id");
    let start = story.app.state.clock.now().and_utc() + chrono::Duration::minutes(30);
    let proposal = story
        .again(
            "propose",
            Call::by(partner).param("id", &job).body(json!({
                "slots": [{ "start": start, "end": start + chrono::Duration::hours(2) }]
            })),
        )
        .await;
    story
        .again(
            "accept_proposal",
            Call::by(customer)
                .param("id", &job)
                .param("pid", text(&proposal, "/id"))
                .body(json!({ "slot": 0 })),
        )
        .await;
    let agreement = story
        .again("get_agreement", Call::by(customer).param("id", &job))
        .await;
    story
        .again(
            "sign_agreement",
            Call::by(customer).param("id", &job).body(json!({
                "version": agreement["version"],
                "text_sha256": agreement["text_sha256"],
                "typed_name": "Maya Chen"
            })),
        )
        .await;
    if let Some(card_token) = card_token {
        story
            .again(
                "pay_job",
                Call::by(customer)
                    .param("id", &job)
                    .param("Idempotency-Key", format!("pay-{job}"))
                    .body(json!({ "card_token": card_token })),
            )
            .await;
    }
    (request_id, job)
}

/// The id of job `job_id`'s refund the provider refused, once there is one.
async fn failed_refund_of(state: &porchlight::state::AppState, job_id: &str) -> Option<String> {
    use diesel::prelude::*;
    use porchlight::db::schema::refunds;
    let job_id = job_id.to_owned();
    state
        .db(move |conn| {
            Ok(refunds::table
                .filter(refunds::job_id.eq(&job_id))
                .filter(refunds::status.eq("failed"))
                .select(refunds::id)
                .first::<String>(conn)
                .optional()?)
        })
        .await
        .unwrap()
}

/// Sam connects his CRM: API keys, an OAuth app, webhooks, the event feed and stream.
async fn integrations(story: &mut Story, smtp: &FakeSmtp, sam: &Who) {
    let key = story
        .example(
            "create_api_key",
            Call::by(sam).body(json!({
                "name": "Spreadsheet sync",
                "scopes": ["leads:read", "jobs:read"],
                "expires_in_days": 90
            })),
        )
        .await;
    story
        .example("list_api_keys", Call::by(sam).param("limit", 20))
        .await;
    story
        .example(
            "revoke_api_key",
            Call::by(sam).param("id", text(&key, "/api_key/id")),
        )
        .await;

    // Acme CRM's developer registers the app; Sam connects it on the consent page.
    let developer = sign_up(
        story,
        smtp,
        "Dana Wright",
        "dana@acme-crm.example.com",
        "customer",
        false,
    )
    .await;
    let app = story
        .example(
            "register_app",
            Call::by(&developer).body(json!({
                "name": "Acme CRM",
                "redirect_uris": ["https://crm.acme.example.com/oauth/callback"],
                "logo_url": "https://crm.acme.example.com/logo.png",
                "scopes": ["leads:read", "jobs:read", "events:read"],
                "confidential": true
            })),
        )
        .await;
    let client_id = text(&app, "/app/id");
    story
        .example("list_apps", Call::by(&developer).param("limit", 20))
        .await;
    let secret = text(&app, "/client_secret");
    connect(story, &client_id, &secret, "sam@okaforhome.example.com").await;
    let connected = story
        .example("list_connected_apps", Call::by(sam).param("limit", 20))
        .await;
    story
        .example(
            "disconnect_app",
            Call::by(sam).param("id", text(&connected, "/items/0/id")),
        )
        .await;
    story
        .example("delete_app", Call::by(&developer).param("id", &client_id))
        .await;

    // Webhooks.
    let created = story
        .example(
            "create_endpoint",
            Call::by(sam).body(json!({
                "url": "https://crm.acme.example.com/hooks/porchlight",
                "description": "Acme CRM: new leads and jobs",
                "event_types": ["lead.offered", "job.assigned", "job.completed"]
            })),
        )
        .await;
    let endpoint = text(&created, "/endpoint/id");
    story.example("list_endpoints", Call::by(sam)).await;
    story
        .example("get_endpoint", Call::by(sam).param("id", &endpoint))
        .await;
    story
        .example(
            "update_endpoint",
            Call::by(sam)
                .param("id", &endpoint)
                .body(json!({ "description": "Acme CRM: leads, jobs and payments" })),
        )
        .await;
    story
        .example("rotate_secret", Call::by(sam).param("id", &endpoint))
        .await;
    story
        .example("send_test", Call::by(sam).param("id", &endpoint))
        .await;
    let deliveries = story
        .example(
            "list_deliveries",
            Call::by(sam).param("id", &endpoint).param("limit", 20),
        )
        .await;
    story
        .example(
            "redeliver",
            Call::by(sam)
                .param("id", &endpoint)
                .param("delivery_id", text(&deliveries, "/items/0/id")),
        )
        .await;
    story
        .example(
            "replay",
            Call::by(sam).param("id", &endpoint).body(json!({
                "since": "2026-12-01T00:00:00Z",
                "until": "2026-12-02T00:00:00Z",
                "event_types": ["job.completed"]
            })),
        )
        .await;
    story
        .example(
            "read_feed",
            Call::by(sam)
                .param("after", 0)
                .param("limit", 5)
                .param("types", "lead.offered,job.assigned"),
        )
        .await;
    story
        .example("events", Call::by(sam).param("Last-Event-ID", 1))
        .await;
    story
        .example("delete_endpoint", Call::by(sam).param("id", &endpoint))
        .await;
    story
        .example(
            "my_connections",
            Call::by(sam)
                .param("from", "2026-11-01")
                .param("to", "2026-12-01")
                .param("granularity", "week"),
        )
        .await;
}

/// Sam allows Acme CRM on the consent page and the app exchanges the code for tokens.
async fn connect(story: &Story, client_id: &str, secret: &str, email: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (verifier, challenge) = crate::oauth::pkce();
    let redirect_uri = "https://crm.acme.example.com/oauth/callback";
    let form = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", "leads:read jobs:read"),
        ("state", "af0ifjsldkj"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("email", email),
        ("password", PASSWORD),
        ("decision", "allow"),
    ];
    let answer = http
        .post(format!("{}/oauth/authorize", story.app.address))
        .form(&form)
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "code")
        .map_or_else(
            || panic!("no code in {location}"),
            |(_, value)| value.into_owned(),
        );
    let tokens = http
        .post(format!("{}/oauth/token", story.app.address))
        .basic_auth(client_id, Some(secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", &verifier),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200, "{:?}", tokens.text().await);
}

/// Devices, alert preferences and the in-app list.
async fn notifications(story: &mut Story, maya: &Who, sam: &Who) {
    let device = story
        .example(
            "register_device",
            Call::by(sam).body(json!({
                "token": "fcm:APA91bH-story-device-token-okafor-pixel-8",
                "platform": "android",
                "app_version": "1.4.2"
            })),
        )
        .await;
    story.example("list_devices", Call::by(sam)).await;
    story
        .example(
            "delete_device",
            Call::by(sam).param("id", text(&device, "/id")),
        )
        .await;
    story.example("get_preferences", Call::by(sam)).await;
    story
        .example(
            "put_preferences",
            Call::by(sam).body(json!({
                "channels": [
                    { "category": "job_alerts", "push": true, "email": false },
                    { "category": "ratings", "push": false, "email": true }
                ],
                "quiet_hours": { "start": "21:00", "end": "07:00", "time_zone": "America/Toronto" }
            })),
        )
        .await;
    let listed = story
        .example(
            "list_notifications",
            Call::by(maya).param("unread", true).param("limit", 5),
        )
        .await;
    story
        .example(
            "mark_read",
            Call::by(maya).body(json!({ "ids": [text(&listed, "/items/0/id")] })),
        )
        .await;
}

/// Staff: the work queue, people, categories, pros, moderation and the audit trail.
async fn staff_desk(
    story: &mut Story,
    smtp: &FakeSmtp,
    jordan: &Who,
    sam_id: &str,
    job_id: &str,
    review: &Value,
) {
    story.example("work_queue", Call::by(jordan)).await;
    story
        .example(
            "list_users",
            Call::by(jordan)
                .param("role", "customer")
                .param("limit", 20),
        )
        .await;
    // Riley's last three ratings were poor: Riley is on the monitoring list.
    let riley = sign_up(
        story,
        smtp,
        "Riley Park",
        "riley.park@example.com",
        "customer",
        false,
    )
    .await;
    let riley_id = text(&story.again("me", Call::by(&riley)).await, "/id");
    let (id, now) = (riley_id.clone(), story.app.state.clock.now());
    story
        .app
        .state
        .write(move |conn| porchlight::ratings::monitoring::check(conn, &id, &[1, 2, 1], true, now))
        .await
        .unwrap();
    story
        .example(
            "monitoring_list",
            Call::by(jordan)
                .param("status", "watching")
                .param("limit", 20),
        )
        .await;
    story
        .example(
            "monitoring_note",
            Call::by(jordan)
                .param("id", &riley_id)
                .body(json!({ "note": "Called Riley; two pros reported no-shows." })),
        )
        .await;
    story
        .example(
            "monitoring_suspend",
            Call::by(jordan)
                .param("id", &riley_id)
                .body(json!({ "note": "A third no-show this month." })),
        )
        .await;
    story
        .example(
            "monitoring_reinstate",
            Call::by(jordan)
                .param("id", &riley_id)
                .body(json!({ "note": "Riley apologised and confirmed future visits." })),
        )
        .await;
    story
        .example(
            "monitoring_clear",
            Call::by(jordan)
                .param("id", &riley_id)
                .body(json!({ "note": "No further reports in two weeks." })),
        )
        .await;
    story
        .example(
            "suspend_user",
            Call::by(jordan)
                .param("id", &riley_id)
                .body(json!({ "reason": "Chargeback on two paid jobs." })),
        )
        .await;
    story
        .example(
            "reinstate_user",
            Call::by(jordan)
                .param("id", &riley_id)
                .body(json!({ "reason": "The bank reversed the chargebacks." })),
        )
        .await;

    story
        .example("admin_list_categories", Call::by(jordan).param("limit", 50))
        .await;
    let category = story
        .example(
            "create_category",
            Call::by(jordan).body(json!({
                "slug": "snow-removal",
                "name": "Snow removal",
                "assignment_mode": "instant",
                "list_price": { "amount_cents": 6500, "currency": "CAD" }
            })),
        )
        .await;
    story
        .example(
            "update_category",
            Call::by(jordan)
                .param("id", text(&category, "/id"))
                .body(json!({
                    "slug": "snow-removal",
                    "name": "Snow removal and salting",
                    "assignment_mode": "instant",
                    "list_price": { "amount_cents": 7500, "currency": "CAD" }
                })),
        )
        .await;
    story
        .example(
            "list_partners",
            Call::by(jordan)
                .param("category", "plumbing")
                .param("limit", 20),
        )
        .await;
    story
        .example("admin_get_partner", Call::by(jordan).param("id", sam_id))
        .await;
    story
        .example("admin_penalties", Call::by(jordan).param("limit", 20))
        .await;
    story
        .example(
            "detail_reads",
            Call::by(jordan).param("job_id", job_id).param("limit", 20),
        )
        .await;
    story
        .example(
            "admin_ratings",
            Call::by(jordan)
                .param("ratee_id", sam_id)
                .param("limit", 20),
        )
        .await;
    story
        .example(
            "hide",
            Call::by(jordan)
                .param("id", text(review, "/id"))
                .body(json!({ "note": "Names a neighbour; hidden at their request." })),
        )
        .await;
    story
        .example("admin_outbox", Call::by(jordan).param("limit", 20))
        .await;
    story
        .example("admin_health", Call::by(jordan).param("limit", 20))
        .await;
    story
        .example(
            "audit_log",
            Call::by(jordan)
                .param("subject_id", sam_id)
                .param("limit", 20),
        )
        .await;
}

/// Alex manages an account end to end, up to closing it.
async fn own_account(story: &mut Story, smtp: &FakeSmtp, sms: &FakeSms) {
    let nobody = Who::anonymous();
    let email = "alex.martin@example.com";
    let alex = sign_up(story, smtp, "Alex Martin", email, "customer", false).await;
    // A second sign-in, as from another device: the session the example ends.
    story
        .again(
            "login",
            Call::by(&nobody).body(json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    let sessions = story
        .example("list_sessions", Call::by(&alex).param("limit", 20))
        .await;
    let other = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["current"] == false)
        .map(|session| text(session, "/id"))
        .expect("the second sign-in");
    story
        .example("end_session", Call::by(&alex).param("id", &other))
        .await;

    // The phone: set, a new code a minute later, confirm, remove.
    let phone = "+14165550142";
    story
        .example("set_phone", Call::by(&alex).body(json!({ "phone": phone })))
        .await;
    story.app.state.clock.advance(chrono::Duration::seconds(61));
    story.example("resend_phone_code", Call::by(&alex)).await;
    let code = eventually_some(Duration::from_secs(10), "a second texted code", || {
        std::future::ready(sms.texts_to(phone).get(1).map(crate::fake_sms::Text::code))
    })
    .await;
    story
        .example(
            "confirm_phone",
            Call::by(&alex).body(json!({ "code": code })),
        )
        .await;
    story.example("remove_phone", Call::by(&alex)).await;

    // The data: an export, listed and downloaded.
    let export = story.example("export_data", Call::by(&alex)).await;
    story.example("list_exports", Call::by(&alex)).await;
    story
        .example(
            "download_export",
            Call::by(&alex).param("id", text(&export, "/id")),
        )
        .await;

    // Credentials: a new address, a new password, a forgotten password.
    story
        .example(
            "change_email",
            Call::by(&alex).body(json!({
                "new_email": "alex.martin@fastmail.example.com",
                "current_password": PASSWORD
            })),
        )
        .await;
    story
        .example(
            "change_password",
            Call::by(&alex).body(json!({
                "current_password": PASSWORD,
                "new_password": "cedar-porch-lantern-77"
            })),
        )
        .await;
    story
        .example(
            "request_password_reset",
            Call::by(&nobody).body(json!({ "email": email })),
        )
        .await;
    let token = emailed_token(smtp, email, 1).await;
    story
        .example(
            "confirm_password_reset",
            Call::by(&nobody).body(json!({ "token": token, "new_password": PASSWORD })),
        )
        .await;
    let login = story
        .again(
            "login",
            Call::by(&nobody).body(json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    let alex = Who::bearer(&text(&login, "/access_token"));
    story
        .example(
            "end_all_sessions",
            Call::by(&alex).body(json!({ "current_password": PASSWORD })),
        )
        .await;
    let login = story
        .again(
            "login",
            Call::by(&nobody).body(json!({ "email": email, "password": PASSWORD })),
        )
        .await;
    let alex = Who::bearer(&text(&login, "/access_token"));
    story
        .example(
            "logout",
            Call::by(&nobody).body(json!({ "refresh_token": text(&login, "/refresh_token") })),
        )
        .await;
    story
        .example(
            "delete_account",
            Call::by(&alex).body(json!({ "current_password": PASSWORD })),
        )
        .await;
}
