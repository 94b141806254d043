//! Conversations between a customer and a pro: the list with unread counts, one conversation
//! with its messages (read as it is opened), writing, and opening one from a job, a lead or a
//! request.

use shared_types::conversations::{
    Conversation, ConversationStage, Message, MessageInput, MessageWindow, ReadInput, UnreadCount,
};
use shared_types::jobs::Party;
use shared_types::pagination::PageParams;

use super::error::AppError;
use super::session::Session;

pub async fn list(session: &Session) -> Result<Vec<Conversation>, AppError> {
    let page = session
        .call(|c| async move { c.conversations(&PageParams::default()).await })
        .await?;
    Ok(page.items)
}

pub async fn unread(session: &Session) -> Result<UnreadCount, AppError> {
    session
        .call(|c| async move { c.unread_messages().await })
        .await
}

/// One conversation as its screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Thread {
    pub conversation: Conversation,
    /// Oldest first: the messages and the job's timeline entries.
    pub entries: Vec<Message>,
    /// Whether older entries exist than these.
    pub more_before: bool,
}

/// The conversation and its newest entries; what the user now sees is marked read.
pub async fn load_thread(session: &Session, id: &str) -> Result<Thread, AppError> {
    let id = id.to_owned();
    let window = MessageWindow {
        limit: Some(100),
        ..MessageWindow::default()
    };
    let page = session
        .call(|c| {
            let (id, window) = (id.clone(), window.clone());
            async move { c.messages(&id, &window).await }
        })
        .await?;
    let mut conversation = session
        .call(|c| {
            let id = id.clone();
            async move { c.conversation(&id).await }
        })
        .await?;
    if let Some(last) = page.items.last().filter(|_| conversation.unread > 0) {
        let up_to = ReadInput {
            up_to: last.id.clone(),
        };
        conversation = session
            .call(|c| {
                let (id, up_to) = (id.clone(), up_to.clone());
                async move { c.mark_conversation_read(&id, &up_to).await }
            })
            .await?;
    }
    Ok(Thread {
        conversation,
        more_before: page.before_cursor.is_some(),
        entries: page.items,
    })
}

/// Sends the words and the photos already uploaded (by id); either may be empty, not both.
pub async fn send(
    session: &Session,
    id: &str,
    text: &str,
    photo_ids: Vec<String>,
) -> Result<Message, AppError> {
    let (id, body) = (
        id.to_owned(),
        MessageInput {
            body: text.trim().to_owned(),
            photo_ids,
        },
    );
    session
        .call(|c| {
            let (id, body) = (id.clone(), body.clone());
            async move { c.send_message(&id, &body).await }
        })
        .await
}

/// The job's conversation (opened on first use); returns its id.
pub async fn open_for_job(session: &Session, job_id: &str) -> Result<String, AppError> {
    let job_id = job_id.to_owned();
    let conversation = session
        .call(|c| {
            let job_id = job_id.clone();
            async move { c.open_job_conversation(&job_id).await }
        })
        .await?;
    Ok(conversation.id)
}

/// A pro's conversation about a lead, before quoting; returns its id.
pub async fn open_for_lead(session: &Session, offer_id: &str) -> Result<String, AppError> {
    let offer_id = offer_id.to_owned();
    let conversation = session
        .call(|c| {
            let offer_id = offer_id.clone();
            async move { c.open_lead_conversation(&offer_id).await }
        })
        .await?;
    Ok(conversation.id)
}

/// A customer's conversation with the pro their profile request went to; returns its id.
pub async fn open_for_request(session: &Session, request_id: &str) -> Result<String, AppError> {
    let request_id = request_id.to_owned();
    let conversation = session
        .call(|c| {
            let request_id = request_id.clone();
            async move { c.open_request_conversation(&request_id).await }
        })
        .await?;
    Ok(conversation.id)
}

/// Who the user talks with in `conversation`: the pro's business, or the customer.
pub fn other_side(conversation: &Conversation, partner: bool) -> &str {
    if partner {
        &conversation.customer.name
    } else {
        &conversation.partner.name
    }
}

/// Whether `entry` is the user's own (shown on the right).
pub fn is_own(entry: &Message, partner: bool) -> bool {
    entry.sender
        == if partner {
            Party::Partner
        } else {
            Party::Customer
        }
}

/// What the conversation's header says about where it stands, if anything.
pub fn standing_note(conversation: &Conversation, partner: bool) -> Option<&'static str> {
    if let Some(by) = conversation.blocked_by {
        let mine = (by == Party::Partner) == partner;
        return Some(if mine {
            "You blocked further messages."
        } else {
            "The other side blocked further messages."
        });
    }
    if !conversation.can_send {
        return Some("This conversation is closed: the lead is no longer open.");
    }
    (conversation.stage == ConversationStage::PreHire).then_some(
        "Phone numbers, emails and links are hidden until the pro is hired. Keep talking and \
         paying here.",
    )
}

/// The last message, shortened for the list.
pub fn preview(conversation: &Conversation) -> String {
    let Some(message) = &conversation.last_message else {
        return "No messages yet".to_owned();
    };
    if message.hidden {
        return "Message hidden by Porchlight support".to_owned();
    }
    let text: String = message.body.chars().take(80).collect();
    if message.body.chars().count() > 80 {
        format!("{text}…")
    } else {
        text
    }
}

/// The read receipt under the user's last message: "Seen" once the other side read it.
pub fn seen(conversation: &Conversation, entries: &[Message], partner: bool) -> bool {
    let Some(read) = &conversation.read_by_other_up_to else {
        return false;
    };
    entries
        .iter()
        .rev()
        .find(|entry| is_own(entry, partner))
        .is_some_and(|mine| mine.id <= *read)
}
