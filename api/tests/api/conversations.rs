//! Conversations over HTTP: a pro's questions before hiring with contact details masked both
//! ways, the same conversation on the job with its timeline in between, read receipts and
//! unread counts, paging both ways, blocking once the job ended, reports and staff.

use shared_types::conversations::{
    ConversationStage, Message, MessageInput, MessageWindow, ReadInput, ReportFilter, ReportInput,
    ReportOutcome, ReportStatus, ResolveReportInput,
};
use shared_types::events::{EventData, EventFeedQuery};
use shared_types::jobs::{DisputeInput, JobEventKind, Party};
use shared_types::requests::DeclineInput;
use shared_types::{Client, ErrorCode, PageParams};

use crate::jobs::{Cast, cleaning_request, lead_for};

const HIDDEN: &str = "[contact details hidden]";

fn text(body: &str) -> MessageInput {
    MessageInput::text(body)
}

async fn received(client: &Client) -> Vec<Message> {
    let feed = client
        .event_feed(&EventFeedQuery {
            types: Some("message.received".into()),
            ..EventFeedQuery::default()
        })
        .await
        .unwrap();
    feed.events
        .iter()
        .map(|event| match event.decode().unwrap() {
            EventData::MessageReceived(message) => message,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// Every entry of the conversation, read back page by page from the newest.
async fn read_back(client: &Client, conversation_id: &str, limit: u32) -> Vec<Message> {
    let mut window = MessageWindow {
        limit: Some(limit),
        ..MessageWindow::default()
    };
    let mut pages = Vec::new();
    loop {
        let page = client.messages(conversation_id, &window).await.unwrap();
        assert!(page.items.len() <= limit as usize);
        pages.push(page.items);
        match page.before_cursor {
            Some(cursor) => window.before = Some(cursor),
            None => break,
        }
    }
    pages.into_iter().rev().flatten().collect()
}

#[tokio::test]
async fn questions_before_hiring_are_masked_and_the_job_continues_the_conversation() {
    let cast = Cast::new().await;
    let request = cast
        .customer
        .create_request(&cleaning_request(Some(&cast.partner_id)))
        .await
        .unwrap();
    let lead = lead_for(&cast.partner, &request.id).await;

    // The pro asks first; the customer's side is the same conversation.
    let opened = cast.partner.open_lead_conversation(&lead.id).await.unwrap();
    assert_eq!(opened.stage, ConversationStage::PreHire);
    assert_eq!(opened.customer.name, "A customer in Toronto");
    assert_eq!(opened.customer.id, None, "nor who the customer is");
    assert_eq!(opened.title, "Home cleaning in Toronto");
    assert!(opened.can_send && opened.job_id.is_none());
    let theirs = cast
        .customer
        .open_request_conversation(&request.id)
        .await
        .unwrap();
    assert_eq!(theirs.id, opened.id);
    assert_ne!(theirs.customer.name, "A customer in Toronto");
    let again = cast.partner.open_lead_conversation(&lead.id).await.unwrap();
    assert_eq!(again.id, opened.id);

    let question = cast
        .partner
        .send_message(
            &opened.id,
            &text("How many rooms? Call me on +1 (416) 555-0199 or jo@sparkle.ca"),
        )
        .await
        .unwrap();
    assert!(question.masked);
    assert!(question.note.is_some(), "the writer is told why");
    assert_eq!(
        question.body,
        format!("How many rooms? Call me on {HIDDEN} or {HIDDEN}")
    );
    let told = received(&cast.customer).await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].body, question.body);
    assert_eq!(told[0].note, None, "the note is for the writer only");
    assert_eq!(
        cast.customer.unread_messages().await.unwrap(),
        shared_types::conversations::UnreadCount {
            conversations: 1,
            messages: 1
        }
    );

    let answer = cast
        .customer
        .send_message(
            &opened.id,
            &text("Two rooms. Text me at six four seven five five five zero one two three"),
        )
        .await
        .unwrap();
    assert_eq!(answer.body, format!("Two rooms. Text me at {HIDDEN}"));
    // The pro learns who the customer is only once hired.
    let to_pro = received(&cast.partner).await;
    assert_eq!(to_pro[0].id, answer.id);
    assert_eq!(to_pro[0].sender_id, None);
    let pro_view = cast
        .partner
        .messages(&opened.id, &MessageWindow::default())
        .await
        .unwrap();
    assert!(pro_view.items.iter().all(|entry| entry.sender_id.as_deref()
        != Some(theirs.customer.id.as_deref().unwrap())));
    assert_eq!(
        answer.sender_id, theirs.customer.id,
        "the writer sees their own id"
    );
    let listed = cast
        .customer
        .conversations(&PageParams::default())
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].last_message.as_ref().unwrap().id, answer.id);
    assert_eq!(
        listed.items[0].unread, 1,
        "the customer's own answer is not unread"
    );

    // Read receipts: the pro sees how far the customer has read.
    let read = cast
        .customer
        .mark_conversation_read(
            &opened.id,
            &ReadInput {
                up_to: question.id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(read.unread, 0);
    assert_eq!(cast.customer.unread_messages().await.unwrap().messages, 0);
    let seen = cast.partner.conversation(&opened.id).await.unwrap();
    assert_eq!(
        seen.read_by_other_up_to.as_deref(),
        Some(question.id.as_str())
    );
    assert_eq!(seen.unread, 1);
    // Reading back to an older position changes nothing.
    let kept = cast
        .partner
        .mark_conversation_read(
            &opened.id,
            &ReadInput {
                up_to: answer.id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(kept.unread, 0);
    let stale = cast
        .partner
        .mark_conversation_read(
            &opened.id,
            &ReadInput {
                up_to: question.id.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(stale.unread, 0);
    let elsewhere = cast
        .partner
        .mark_conversation_read(
            &opened.id,
            &ReadInput {
                up_to: request.id.clone(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(elsewhere.code(), Some(ErrorCode::ValidationFailed));

    // Hired: the same conversation, now with names and without masking.
    let assignment = cast.partner.confirm_lead(&lead.id).await.unwrap();
    let hired = cast
        .partner
        .open_job_conversation(&assignment.job_id)
        .await
        .unwrap();
    assert_eq!(hired.id, opened.id);
    assert_eq!(hired.stage, ConversationStage::Hired);
    assert_eq!(hired.job_id.as_deref(), Some(assignment.job_id.as_str()));
    assert_eq!(hired.customer.name, theirs.customer.name);
    assert_eq!(hired.customer.id, theirs.customer.id);
    let plain = cast
        .partner
        .send_message(&opened.id, &text("Booked! My cell is 416-555-0199."))
        .await
        .unwrap();
    assert!(!plain.masked);
    assert_eq!(plain.body, "Booked! My cell is 416-555-0199.");

    // The job's timeline shows between the messages, and paging either way reads it all once.
    let everything = read_back(&cast.customer, &opened.id, 50).await;
    let kinds: Vec<(Party, Option<JobEventKind>)> = everything
        .iter()
        .map(|entry| (entry.sender, entry.event))
        .collect();
    assert_eq!(
        kinds,
        [
            (Party::Partner, None),
            (Party::Customer, None),
            (Party::System, Some(JobEventKind::Assigned)),
            (Party::Partner, None),
        ]
    );
    assert_eq!(read_back(&cast.customer, &opened.id, 1).await, everything);
    let mut forward = Vec::new();
    let mut window = MessageWindow {
        after: Some(everything[0].id.clone()),
        limit: Some(2),
        ..MessageWindow::default()
    };
    loop {
        let page = cast.partner.messages(&opened.id, &window).await.unwrap();
        forward.extend(page.items.iter().map(|entry| entry.id.clone()));
        window.after = page.after_cursor;
        if !page.more_after {
            break;
        }
    }
    let later: Vec<String> = everything[1..]
        .iter()
        .map(|entry| entry.id.clone())
        .collect();
    assert_eq!(forward, later);
    let polled = cast.partner.messages(&opened.id, &window).await.unwrap();
    assert!(polled.items.is_empty() && !polled.more_after);
    assert_eq!(polled.after_cursor, window.after, "polling keeps its place");
}

#[tokio::test]
async fn outsiders_and_bad_input_change_nothing() {
    let cast = Cast::new().await;
    let job = cast.job().await;
    let conversation = cast.customer.open_job_conversation(&job.id).await.unwrap();
    let sent = cast
        .customer
        .send_message(&conversation.id, &text("Is Tuesday fine?"))
        .await
        .unwrap();
    let (_, stranger) = cast.app.customer().await;
    let (_, other_pro) = cast.app.partner().await;
    for outsider in [&stranger, &other_pro] {
        let seen = outsider.conversation(&conversation.id).await.unwrap_err();
        assert_eq!(seen.code(), Some(ErrorCode::NotFound));
        let listed = outsider
            .messages(&conversation.id, &MessageWindow::default())
            .await
            .unwrap_err();
        assert_eq!(listed.code(), Some(ErrorCode::NotFound));
        let written = outsider
            .send_message(&conversation.id, &text("hello"))
            .await
            .unwrap_err();
        assert_eq!(written.code(), Some(ErrorCode::NotFound));
        let reported = outsider
            .report_message(
                &sent.id,
                &ReportInput {
                    reason: "spam".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(reported.code(), Some(ErrorCode::NotFound));
        assert!(
            outsider
                .conversations(&PageParams::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    let opened = other_pro.open_job_conversation(&job.id).await.unwrap_err();
    assert_eq!(opened.code(), Some(ErrorCode::NotFound));
    for body in ["", "   \n", &"x".repeat(4001)] {
        let refused = cast
            .partner
            .send_message(&conversation.id, &text(body))
            .await
            .unwrap_err();
        assert_eq!(
            refused.code(),
            Some(ErrorCode::ValidationFailed),
            "{body:?}"
        );
    }
    let bad_cursor = cast
        .partner
        .messages(
            &conversation.id,
            &MessageWindow {
                before: Some(job.id.clone()),
                ..MessageWindow::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad_cursor.code(), Some(ErrorCode::ValidationFailed));
    assert_eq!(cast.app.count("messages").await, 1);
    assert_eq!(cast.app.count("message_reports").await, 0);
    assert_eq!(cast.app.count("conversations").await, 1);
    assert_eq!(cast.partner.unread_messages().await.unwrap().messages, 1);
}

#[tokio::test]
async fn only_an_open_lead_or_a_hire_opens_a_conversation() {
    let cast = Cast::new().await;
    // A marketplace request of an instant category: the first pro to confirm takes it.
    let request = cast
        .customer
        .create_request(&cleaning_request(None))
        .await
        .unwrap();
    let lead = lead_for(&cast.partner, &request.id).await;
    let instant = cast
        .partner
        .open_lead_conversation(&lead.id)
        .await
        .unwrap_err();
    assert_eq!(instant.code(), Some(ErrorCode::Conflict));
    let marketplace = cast
        .customer
        .open_request_conversation(&request.id)
        .await
        .unwrap_err();
    assert_eq!(marketplace.code(), Some(ErrorCode::Conflict));

    // A profile lead the pro talked about, then declined: the conversation closes.
    let profile = cast
        .customer
        .create_request(&cleaning_request(Some(&cast.partner_id)))
        .await
        .unwrap();
    let lead = lead_for(&cast.partner, &profile.id).await;
    let conversation = cast.partner.open_lead_conversation(&lead.id).await.unwrap();
    cast.partner
        .send_message(&conversation.id, &text("Do you have a ladder?"))
        .await
        .unwrap();
    cast.partner
        .decline_lead(&lead.id, &DeclineInput { reason: None })
        .await
        .unwrap();
    let closed = cast
        .customer
        .send_message(&conversation.id, &text("Yes, I do"))
        .await
        .unwrap_err();
    assert_eq!(closed.code(), Some(ErrorCode::ConversationClosed));
    assert!(
        !cast
            .customer
            .conversation(&conversation.id)
            .await
            .unwrap()
            .can_send
    );
    let reopened = cast
        .partner
        .open_lead_conversation(&lead.id)
        .await
        .unwrap_err();
    assert_eq!(reopened.code(), Some(ErrorCode::ConversationClosed));
    assert_eq!(cast.app.count("messages").await, 1);
}

#[tokio::test]
async fn concurrent_messages_are_all_counted_unread() {
    let cast = Cast::new().await;
    let job = cast.job().await;
    let conversation = cast.partner.open_job_conversation(&job.id).await.unwrap();
    let sends = (0..20).map(|n| {
        let partner = cast.partner.clone();
        let id = conversation.id.clone();
        async move {
            partner
                .send_message(&id, &text(&format!("update {n}")))
                .await
        }
    });
    let reads = (0..5).map(|_| {
        let customer = cast.customer.clone();
        let id = conversation.id.clone();
        async move {
            let page = customer
                .messages(&id, &MessageWindow::default())
                .await
                .unwrap();
            if let Some(last) = page.items.last() {
                customer
                    .mark_conversation_read(
                        &id,
                        &ReadInput {
                            up_to: last.id.clone(),
                        },
                    )
                    .await
                    .unwrap();
            }
        }
    });
    let (sent, _) = tokio::join!(
        futures_util::future::join_all(sends),
        futures_util::future::join_all(reads)
    );
    assert!(sent.iter().all(Result::is_ok));
    // Whatever the reads saw, the count is what lies after the recorded position.
    let now = cast.customer.conversation(&conversation.id).await.unwrap();
    let all = read_back(&cast.customer, &conversation.id, 100).await;
    let written = all.iter().filter(|entry| entry.sender == Party::Partner);
    assert_eq!(written.count(), 20);
    let customer_position = cast
        .partner
        .conversation(&conversation.id)
        .await
        .unwrap()
        .read_by_other_up_to;
    let expected = all
        .iter()
        .filter(|entry| entry.sender == Party::Partner)
        .filter(|entry| {
            customer_position
                .as_deref()
                .is_none_or(|read| entry.id.as_str() > read)
        })
        .count();
    assert_eq!(now.unread, i64::try_from(expected).unwrap());
    let last = all.last().unwrap().id.clone();
    let done = cast
        .customer
        .mark_conversation_read(&conversation.id, &ReadInput { up_to: last })
        .await
        .unwrap();
    assert_eq!(done.unread, 0);
}

#[tokio::test]
async fn blocks_reports_and_staff_in_a_conversation() {
    let cast = Cast::new().await;
    // Blocking is for a job that has ended.
    let ongoing = cast.job().await;
    let early = cast
        .customer
        .open_job_conversation(&ongoing.id)
        .await
        .unwrap();
    let refused = cast
        .customer
        .block_conversation(&early.id, true)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InvalidTransition));

    let job = cast.completed_job(2).await;
    let conversation = cast.customer.open_job_conversation(&job.id).await.unwrap();
    let rude = cast
        .partner
        .send_message(&conversation.id, &text("Pay up or else"))
        .await
        .unwrap();
    // Staff keep out until a dispute or a report.
    let kept_out = cast
        .staff
        .admin_conversation(&conversation.id)
        .await
        .unwrap_err();
    assert_eq!(kept_out.code(), Some(ErrorCode::Forbidden));

    let own = cast
        .partner
        .report_message(
            &rude.id,
            &ReportInput {
                reason: "mine".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(own.code(), Some(ErrorCode::Conflict));
    let report = cast
        .customer
        .report_message(
            &rude.id,
            &ReportInput {
                reason: "Threatening".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(report.status, ReportStatus::Open);
    let twice = cast
        .customer
        .report_message(
            &rude.id,
            &ReportInput {
                reason: "Again".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Some(ErrorCode::Conflict));

    let queue = cast
        .staff
        .admin_message_reports(&ReportFilter::default(), &PageParams::default())
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 1);
    assert_eq!(queue.items[0].message.body, "Pay up or else");
    let seen = cast
        .staff
        .admin_conversation(&conversation.id)
        .await
        .unwrap();
    assert_eq!(seen.id, conversation.id);
    cast.staff
        .admin_messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    let hidden = cast
        .staff
        .admin_resolve_report(
            &report.id,
            &ResolveReportInput {
                outcome: ReportOutcome::Hidden,
                note: "Threats are not allowed".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(hidden.status, ReportStatus::Resolved);
    let again = cast
        .staff
        .admin_resolve_report(
            &report.id,
            &ResolveReportInput {
                outcome: ReportOutcome::Dismissed,
                note: "Changed my mind".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::InvalidTransition));
    let customer_view = cast
        .customer
        .messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    let shown = customer_view
        .items
        .iter()
        .find(|entry| entry.id == rude.id)
        .unwrap();
    assert!(shown.hidden && shown.body.is_empty());
    let told = received(&cast.customer).await;
    let notified = told.iter().find(|entry| entry.id == rude.id).unwrap();
    assert!(
        notified.hidden && notified.body.is_empty(),
        "nor in the notification"
    );
    let staff_view = cast
        .staff
        .admin_messages(&conversation.id, &MessageWindow::default())
        .await
        .unwrap();
    assert!(
        staff_view
            .items
            .iter()
            .any(|entry| entry.id == rude.id && entry.body == "Pay up or else")
    );

    // Staff write as Porchlight support, to both sides, without their id.
    let support = cast
        .staff
        .admin_send_message(&conversation.id, &text("We are looking into this."))
        .await
        .unwrap();
    assert_eq!(support.sender, Party::Staff);
    for side in [&cast.customer, &cast.partner] {
        let last = received(side).await.pop().unwrap();
        assert_eq!(last.id, support.id);
        assert_eq!(last.sender_id, None);
    }
    let audited = cast
        .app
        .count("audit_log WHERE action IN ('conversation.read', 'conversation.message', 'message_report.resolve')")
        .await;
    assert_eq!(audited, 5);

    // The customer blocks; only they can lift it; staff may still write.
    let blocked = cast
        .customer
        .block_conversation(&conversation.id, true)
        .await
        .unwrap();
    assert_eq!(blocked.blocked_by, Some(Party::Customer));
    assert!(!blocked.can_send);
    let silenced = cast
        .partner
        .send_message(&conversation.id, &text("Hello?"))
        .await
        .unwrap_err();
    assert_eq!(silenced.code(), Some(ErrorCode::ConversationClosed));
    let not_theirs = cast
        .partner
        .block_conversation(&conversation.id, false)
        .await
        .unwrap_err();
    assert_eq!(not_theirs.code(), Some(ErrorCode::Conflict));
    cast.staff
        .admin_send_message(&conversation.id, &text("Closing this case."))
        .await
        .unwrap();
    let lifted = cast
        .customer
        .block_conversation(&conversation.id, false)
        .await
        .unwrap();
    assert!(lifted.can_send && lifted.blocked_by.is_none());

    // A disputed job's conversation is open to staff without a report.
    let disputed = cast.completed_job(3).await;
    let quiet = cast
        .partner
        .open_job_conversation(&disputed.id)
        .await
        .unwrap();
    assert_eq!(
        cast.staff
            .admin_conversation(&quiet.id)
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::Forbidden)
    );
    cast.customer
        .dispute_job(
            &disputed.id,
            &DisputeInput {
                reason: "The oven was not cleaned at all".into(),
                photo_ids: Vec::new(),
            },
        )
        .await
        .unwrap();
    let opened = cast.staff.admin_conversation(&quiet.id).await.unwrap();
    assert_eq!(opened.stage, ConversationStage::Hired);
    let case_file = cast.staff.admin_job_case(&disputed.id).await.unwrap();
    assert_eq!(
        case_file.conversation_id.as_deref(),
        Some(quiet.id.as_str())
    );

    // Both sides list the three, the most recently active first, page by page.
    for side in [&cast.customer, &cast.partner] {
        let two = PageParams {
            limit: Some(2),
            cursor: None,
        };
        let first = side.conversations(&two).await.unwrap();
        let rest = side
            .conversations(&PageParams {
                cursor: first.next_cursor.clone(),
                ..two
            })
            .await
            .unwrap();
        let ids: Vec<&str> = first
            .items
            .iter()
            .chain(&rest.items)
            .map(|listed| listed.id.as_str())
            .collect();
        assert_eq!(
            ids,
            [
                quiet.id.as_str(),
                conversation.id.as_str(),
                early.id.as_str()
            ]
        );
        assert_eq!(rest.next_cursor, None);
    }
}
