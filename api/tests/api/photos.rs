//! Photos over HTTP, on the local filesystem store and on a real S3-compatible server
//! (`TEST_S3_ENDPOINT`, see scripts/s3-test-server): uploads re-encoded without their metadata,
//! attached once, read only through signed links that expire, refused whole when bad, and
//! removed from the store when abandoned or their account is deleted.

use std::io::Cursor;

use diesel::prelude::*;
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};
use porchlight::db::schema::{photo_removals, photos};
use shared_types::conversations::{
    MessageInput, MessageWindow, ReportInput, ReportOutcome, ResolveReportInput,
};
use shared_types::photos::{Photo, PortfolioPhotoInput};
use shared_types::{Client, ClientError, ErrorCode};

use crate::harness::TestApp;
use crate::jobs::{Cast, cleaning_request, lead_for};

/// Where a test put the secret: in the photo's EXIF block, next to its GPS position.
const SECRET: &[u8] = b"GPS 43.6532N 79.3832W at 12 Quiet Lane";

/// A 200x100 JPEG whose EXIF says "rotate 90 degrees clockwise to show" and carries `SECRET`.
pub fn phone_photo() -> Vec<u8> {
    let image = RgbImage::from_fn(200, 100, |x, y| Rgb([byte(x), byte(y * 2), 120]));
    let mut jpeg = Vec::new();
    image
        .write_with_encoder(JpegEncoder::new_with_quality(&mut jpeg, 90))
        .unwrap();
    // TIFF, big-endian: IFD0 with Orientation = 6 and ImageDescription = SECRET.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    let description_at: u32 = 8 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&2u16.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x0e, 0, 2]);
    tiff.extend_from_slice(&(u32::try_from(SECRET.len()).unwrap() + 1).to_be_bytes());
    tiff.extend_from_slice(&description_at.to_be_bytes());
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(SECRET);
    tiff.push(0);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xff, 0xe1]);
    out.extend_from_slice(&(u16::try_from(app1.len()).unwrap() + 2).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    assert!(contains(&out, SECRET), "the test photo carries the secret");
    out
}

fn byte(value: u32) -> u8 {
    u8::try_from(value % 256).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn code(error: &ClientError) -> Option<ErrorCode> {
    error.code()
}

fn photo_rows(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    photos::table.count().get_result(&mut *conn).unwrap()
}

/// The link with one query parameter's value replaced.
fn altered(url: &str, name: &str, value: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={value}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

async fn fetch(url: &str) -> Result<(String, Vec<u8>), ClientError> {
    Client::new("http://unused.invalid").fetch_photo(url).await
}

/// The whole way of a photo in a conversation, on the given store.
async fn photo_in_a_conversation(cast: Cast) {
    let request = cast
        .customer
        .create_request(&cleaning_request(Some(&cast.partner_id)))
        .await
        .unwrap();
    let lead = lead_for(&cast.partner, &request.id).await;
    let conversation = cast.partner.open_lead_conversation(&lead.id).await.unwrap();

    // The customer uploads a phone photo: stored upright, re-encoded, without its EXIF.
    let photo = cast
        .customer
        .upload_photo(phone_photo(), "image/jpeg")
        .await
        .unwrap();
    assert_eq!(photo.content_type, "image/jpeg");
    assert_eq!((photo.width, photo.height), (100, 200), "turned upright");
    let (content_type, own) = fetch(&photo.url).await.unwrap();
    assert_eq!(content_type, "image/jpeg");
    assert!(!contains(&own, SECRET) && !contains(&own, b"Exif"));

    // Sent with no words; the pro sees it in the window and can load it and its thumbnail.
    let sent = cast
        .customer
        .send_message(
            &conversation.id,
            &MessageInput {
                body: String::new(),
                photo_ids: vec![photo.id.clone()],
            },
        )
        .await
        .unwrap();
    assert_eq!(sent.photos.len(), 1);
    let window = cast
        .partner
        .messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    let seen: &Photo = &window.items.last().unwrap().photos[0];
    assert_eq!(seen.id, photo.id);
    let (_, full) = fetch(&seen.url).await.unwrap();
    let decoded = image::load_from_memory(&full).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (100, 200));
    assert!(
        !contains(&full, SECRET),
        "EXIF GPS never reaches the other side"
    );
    let (_, thumb) = fetch(&seen.thumbnail_url).await.unwrap();
    assert!(image::load_from_memory(&thumb).is_ok());

    // A photo goes with one thing only, and only its uploader can attach it.
    for (client, what) in [(&cast.customer, "again"), (&cast.partner, "someone else's")] {
        let refused = client
            .send_message(
                &conversation.id,
                &MessageInput {
                    body: format!("attaching {what}"),
                    photo_ids: vec![photo.id.clone()],
                },
            )
            .await
            .unwrap_err();
        assert_eq!(code(&refused), Some(ErrorCode::ValidationFailed), "{what}");
    }
    let after = cast
        .partner
        .messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    assert_eq!(after.items.len(), window.items.len(), "nothing was sent");

    // A link works only as it was made, and only for its time.
    let bad = fetch(&altered(&seen.url, "signature", &"0".repeat(64)))
        .await
        .unwrap_err();
    assert_eq!(code(&bad), Some(ErrorCode::InvalidSignature));
    let other_photo = seen.url.replace(&photo.id, &sent.id);
    let bad = fetch(&other_photo).await.unwrap_err();
    assert_eq!(code(&bad), Some(ErrorCode::InvalidSignature));
    let as_staff = fetch(&altered(&seen.url, "audience", "staff"))
        .await
        .unwrap_err();
    assert_eq!(code(&as_staff), Some(ErrorCode::InvalidSignature));
    cast.app.state.clock.advance(chrono::Duration::minutes(16));
    let expired = fetch(&seen.url).await.unwrap_err();
    assert_eq!(code(&expired), Some(ErrorCode::LinkExpired));
    let fresh = cast
        .partner
        .messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    let fresh = &fresh.items.last().unwrap().photos[0];
    assert!(
        fetch(&fresh.url).await.is_ok(),
        "a new read gives new links"
    );

    // Staff hide the message after the pro reports it: its photo is gone for the sides, and
    // staff (who review it) still see it.
    let report = cast
        .partner
        .report_message(
            &sent.id,
            &ReportInput {
                reason: "Not a photo of the job".into(),
            },
        )
        .await
        .unwrap();
    cast.staff
        .admin_resolve_report(
            &report.id,
            &ResolveReportInput {
                outcome: ReportOutcome::Hidden,
                note: "Off topic".into(),
            },
        )
        .await
        .unwrap();
    let gone = fetch(&fresh.url).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::NotFound));
    let hidden = cast
        .partner
        .messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    assert!(hidden.items.last().unwrap().photos.is_empty());
    let staff_view = cast
        .staff
        .admin_messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    let staff_photo = &staff_view.items.last().unwrap().photos[0];
    assert!(fetch(&staff_photo.url).await.is_ok());

    // An upload never attached is removed after a day, its images too.
    let abandoned = cast
        .partner
        .upload_photo(phone_photo(), "image/jpeg")
        .await
        .unwrap();
    cast.app.state.clock.advance(chrono::Duration::hours(25));
    let fresh_link = {
        // Links made now would still be signed correctly; the photo itself must be gone.
        let links = &cast.app.state.photos.links;
        let until = links.expiry(cast.app.state.clock.now().and_utc());
        links.url(
            &abandoned.id,
            porchlight::photos::store::Variant::Full,
            porchlight::photos::links::Audience::Members,
            until,
        )
    };
    let report = porchlight::retention::run(&cast.app.state).await.unwrap();
    assert_eq!(report.abandoned_photos, 1);
    assert_eq!(report.photo_objects_deleted, 1);
    let gone = fetch(&fresh_link).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::NotFound));
    assert!(
        cast.app
            .state
            .photos
            .store
            .get(&abandoned.id, porchlight::photos::store::Variant::Full)
            .await
            .unwrap()
            .is_none(),
        "the image is deleted from the store"
    );
    let mut conn = cast.app.state.pool.get().unwrap();
    let queued: i64 = photo_removals::table
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn a_photo_in_a_conversation_on_the_local_store() {
    photo_in_a_conversation(Cast::new().await).await;
}

#[tokio::test]
async fn a_photo_in_a_conversation_on_s3() {
    let Some(app) = TestApp::spawn_with_s3(&[]).await else {
        eprintln!("TEST_S3_ENDPOINT is not set: the S3 store is not tested in this run");
        return;
    };
    photo_in_a_conversation(Cast::on(app).await).await;
}

#[tokio::test]
async fn bad_uploads_are_refused_and_store_nothing() {
    let app = TestApp::spawn_with(&[("MAX_UPLOAD_BYTES", "4096")]).await;
    let (_, customer) = app.customer().await;

    let text = customer
        .upload_photo(b"just some words, not a picture".to_vec(), "image/jpeg")
        .await
        .unwrap_err();
    assert_eq!(code(&text), Some(ErrorCode::UnsupportedMediaType));

    // A PNG signature and then nothing a decoder can read.
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend_from_slice(&[7; 200]);
    let broken = customer.upload_photo(fake, "image/png").await.unwrap_err();
    assert_eq!(code(&broken), Some(ErrorCode::ValidationFailed));

    let empty = customer
        .upload_photo(Vec::new(), "image/png")
        .await
        .unwrap_err();
    assert_eq!(code(&empty), Some(ErrorCode::ValidationFailed));

    let big = RgbImage::from_fn(400, 400, |x, y| Rgb([byte(x * y % 251), byte(x ^ y), 3]));
    let mut png = Vec::new();
    big.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    assert!(png.len() > 4096);
    let too_large = customer.upload_photo(png, "image/png").await.unwrap_err();
    assert_eq!(code(&too_large), Some(ErrorCode::PayloadTooLarge));

    // Staff attach nothing and so upload nothing; anonymous callers neither.
    let (_, staff) = app.staff().await;
    let staff_upload = staff
        .upload_photo(phone_photo(), "image/jpeg")
        .await
        .unwrap_err();
    assert_eq!(code(&staff_upload), Some(ErrorCode::Forbidden));
    let anonymous = app
        .client
        .upload_photo(phone_photo(), "image/jpeg")
        .await
        .unwrap_err();
    assert_eq!(code(&anonymous), Some(ErrorCode::Unauthenticated));

    assert_eq!(photo_rows(&app), 0, "nothing was stored");
}

async fn uploaded(client: &Client) -> String {
    client
        .upload_photo(phone_photo(), "image/jpeg")
        .await
        .unwrap()
        .id
}

/// Photos where people expect them: the customer's of what needs doing (seen by the pro offered
/// the lead, nobody else), the pro's proof on completion and the customer's evidence on a
/// dispute (the job's two sides and staff), and a pro's public portfolio.
#[tokio::test]
async fn photos_of_requests_jobs_disputes_and_portfolios_follow_their_objects() {
    let cast = Cast::new().await;
    let (_, stranger) = cast.app.customer().await;
    let (_, other_pro) = cast.app.partner().await;

    // A request with two photos; the lead counts them, the pro reads them.
    let first = uploaded(&cast.customer).await;
    let second = uploaded(&cast.customer).await;
    let mut input = cleaning_request(Some(&cast.partner_id));
    input.photo_ids = vec![second.clone(), first.clone()];
    let request = cast.customer.create_request(&input).await.unwrap();
    assert_eq!(request.photo_count, 2);
    let own = cast.customer.request_photos(&request.id).await.unwrap();
    let order: Vec<&str> = own.iter().map(|photo| photo.id.as_str()).collect();
    assert_eq!(
        order,
        [second.as_str(), first.as_str()],
        "in the order given"
    );
    let lead = lead_for(&cast.partner, &request.id).await;
    assert_eq!(lead.photo_count, 2);
    let shown = cast.partner.lead_photos(&lead.id).await.unwrap();
    assert_eq!(shown.len(), 2);
    let (_, bytes) = fetch(&shown[0].thumbnail_url).await.unwrap();
    assert!(!contains(&bytes, SECRET));
    for refused in [
        stranger.request_photos(&request.id).await.unwrap_err(),
        other_pro.lead_photos(&lead.id).await.unwrap_err(),
    ] {
        assert_eq!(code(&refused), Some(ErrorCode::NotFound));
    }

    // A request naming a photo that is not the customer's stores nothing at all.
    let theirs = uploaded(&stranger).await;
    let mut input = cleaning_request(Some(&cast.partner_id));
    input.photo_ids = vec![theirs.clone()];
    let refused = cast.customer.create_request(&input).await.unwrap_err();
    assert_eq!(code(&refused), Some(ErrorCode::ValidationFailed));
    let requests = cast
        .customer
        .list_requests(&shared_types::PageParams::default())
        .await
        .unwrap();
    assert_eq!(requests.items.len(), 1, "no request was made");

    // The pro's proof on completion, the customer's evidence on a dispute.
    let job = cast
        .customer
        .job(&cast.partner.confirm_lead(&lead.id).await.unwrap().job_id)
        .await
        .unwrap();
    let slot = cast.slot(2, 10);
    cast.schedule(&job, slot).await;
    cast.sign(&job).await;
    cast.pay(&job).await;
    cast.travel_to(slot.start - chrono::Duration::minutes(30));
    cast.partner.start_job(&job.id).await.unwrap();
    let proof = uploaded(&cast.partner).await;
    let done = cast
        .partner
        .complete_job(
            &job.id,
            &shared_types::jobs::CompleteInput {
                summary: "Every room cleaned".into(),
                photo_urls: Vec::new(),
                photo_ids: vec![proof.clone()],
            },
        )
        .await
        .unwrap();
    assert_eq!(done.completion.unwrap().photo_count, 1);
    let evidence = uploaded(&cast.customer).await;
    let disputed = cast
        .customer
        .dispute_job(
            &job.id,
            &shared_types::jobs::DisputeInput {
                reason: "The oven was not cleaned at all".into(),
                photo_ids: vec![evidence.clone()],
            },
        )
        .await
        .unwrap();
    assert_eq!(disputed.dispute.unwrap().photo_count, 1);
    for side in [&cast.customer, &cast.partner] {
        let photos = side.job_photos(&job.id).await.unwrap();
        assert_eq!(photos.completion[0].id, proof);
        assert_eq!(photos.dispute[0].id, evidence);
    }
    let staff_view = cast.staff.admin_job_photos(&job.id).await.unwrap();
    assert!(fetch(&staff_view.dispute[0].url).await.is_ok());
    let refused = stranger.job_photos(&job.id).await.unwrap_err();
    assert_eq!(code(&refused), Some(ErrorCode::NotFound));

    // A portfolio, public, in the pro's order, at most 30, and each photo removable.
    let before = uploaded(&cast.partner).await;
    let after = uploaded(&cast.partner).await;
    for (photo_id, caption) in [(&before, "Before: the old tiles"), (&after, "After")] {
        cast.partner
            .add_portfolio_photo(&PortfolioPhotoInput {
                photo_id: photo_id.clone(),
                caption: Some(caption.into()),
            })
            .await
            .unwrap();
    }
    let public = cast.app.client.portfolio(&cast.partner_id).await.unwrap();
    let captions: Vec<Option<&str>> = public.iter().map(|p| p.caption.as_deref()).collect();
    assert_eq!(captions, [Some("Before: the old tiles"), Some("After")]);
    let (_, image) = fetch(&public[0].url).await.unwrap();
    assert!(image::load_from_memory(&image).is_ok());
    let again = cast
        .partner
        .add_portfolio_photo(&PortfolioPhotoInput {
            photo_id: before.clone(),
            caption: None,
        })
        .await
        .unwrap_err();
    assert_eq!(code(&again), Some(ErrorCode::ValidationFailed));
    cast.partner.remove_portfolio_photo(&before).await.unwrap();
    let gone = fetch(&public[0].url).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::NotFound));
    assert_eq!(
        cast.app
            .client
            .portfolio(&cast.partner_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let not_theirs = other_pro.remove_portfolio_photo(&after).await.unwrap_err();
    assert_eq!(code(&not_theirs), Some(ErrorCode::NotFound));
}

/// A portfolio holds 30 photos; the 31st is refused and stays unattached.
#[tokio::test]
async fn a_full_portfolio_refuses_more() {
    let cast = Cast::new().await;
    let mut ids = Vec::new();
    for _ in 0..=shared_types::photos::PORTFOLIO_MAX {
        ids.push(uploaded(&cast.partner).await);
    }
    let (last, first_thirty) = ids.split_last().unwrap();
    for id in first_thirty {
        cast.partner
            .add_portfolio_photo(&PortfolioPhotoInput {
                photo_id: id.clone(),
                caption: None,
            })
            .await
            .unwrap();
    }
    let full = cast
        .partner
        .add_portfolio_photo(&PortfolioPhotoInput {
            photo_id: last.clone(),
            caption: None,
        })
        .await
        .unwrap_err();
    assert_eq!(code(&full), Some(ErrorCode::Conflict));
    let portfolio = cast.app.client.portfolio(&cast.partner_id).await.unwrap();
    assert_eq!(portfolio.len(), shared_types::photos::PORTFOLIO_MAX);
}
