//! HTTP handlers of conversations: thin, the rules live in `threads`, `messages` and
//! `oversight`.

use actix_web::{HttpResponse, get, post, web};
use shared_types::auth::Scope;
use shared_types::conversations::{
    Conversation, Message, MessageInput, MessagePage, MessageReport, MessageWindow, ReadInput,
    ReportFilter, ReportInput, ResolveReportInput, UnreadCount,
};
use shared_types::{Page, PageParams};

use super::messages::{self, Writer};
use super::model::{self, Reader};
use super::{oversight, threads};
use crate::auth::{RequireRole, roles};
use crate::error::ApiResult;
use crate::extract::{ValidatedJson, ValidatedQuery};
use crate::jobs::model::Actor;
use crate::state::AppState;

/// Open (or reopen) the conversation with the customer about one of the caller's leads: the
/// pro's questions before quoting.
///
/// For a lead of a review category or a request sent from the pro's profile (409 `conflict` for
/// an instant marketplace lead: the first pro to confirm takes it), while the lead is open or
/// the pro is hired (409 `conversation_closed` once it was declined, expired, taken or
/// withdrawn). The same conversation every time, and the same one the job continues once the
/// pro is hired. Until then, phone numbers, email addresses and links are masked both ways.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The lead offer's id")),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 409, description = "`conflict` (an instant marketplace lead) or \
            `conversation_closed` (the lead is closed)", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/leads/{id}/conversation")]
pub async fn open_lead_conversation(
    state: web::Data<AppState>,
    partner: RequireRole<roles::Partner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    partner.require_scope(Scope::MessagesWrite)?;
    let (partner_id, now) = (partner.0.user_id, state.clock.now());
    let conversation = state
        .write(move |conn| threads::open_from_lead(conn, &partner_id, &id, now))
        .await?;
    Ok(web::Json(conversation))
}

/// Open (or reopen) the conversation with the pro the caller's profile request went to.
///
/// Only for a request sent from a pro's profile (409 `conflict` for a marketplace request: its
/// pros write first, from their leads), while that pro's lead is open or they are hired (409
/// `conversation_closed` otherwise). Contact details are masked both ways until the pro is
/// hired.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 409, description = "`conflict` (a marketplace request) or \
            `conversation_closed` (the pro's lead is closed)", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/requests/{id}/conversation")]
pub async fn open_request_conversation(
    state: web::Data<AppState>,
    customer: RequireRole<roles::Customer>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    customer.require_scope(Scope::MessagesWrite)?;
    let (customer_id, now) = (customer.0.user_id, state.clock.now());
    let conversation = state
        .write(move |conn| threads::open_from_request(conn, &customer_id, &id, now))
        .await?;
    Ok(web::Json(conversation))
}

/// Open (or reopen) the job's conversation between its customer and its pro.
///
/// The job's timeline (dates, signature, start, completion, …) shows between the messages. If
/// the two talked before the pro was hired, it is that same conversation.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The job's id")),
    responses((status = 200, description = "The conversation", body = Conversation)),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/jobs/{id}/conversation")]
pub async fn open_job_conversation(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    user.require_scope(Scope::MessagesWrite)?;
    let actor = Actor::new(user.0.user_id, user.0.role);
    let now = state.clock.now();
    let conversation = state
        .write(move |conn| threads::open_from_job(conn, &actor, &id, now))
        .await?;
    Ok(web::Json(conversation))
}

/// The caller's conversations, the most recently active first.
///
/// Each with the caller's unread count, its last message and the other side's read receipt
/// (`read_by_other_up_to`). Ordered by last activity, newest first; paged with `cursor`.
#[utoipa::path(
    tag = "conversations",
    params(PageParams),
    responses((status = 200, description = "A page of conversations", body = Page<Conversation>)),
    security(("bearer" = []), ("api_key" = ["messages:read"])),
)]
#[get("/conversations")]
pub async fn list_conversations(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<Conversation>>> {
    user.require_scope(Scope::MessagesRead)?;
    let side = Actor::new(user.0.user_id.clone(), user.0.role).party;
    let user_id = user.0.user_id;
    let list = state
        .db(move |conn| threads::list(conn, &user_id, side, &page.0))
        .await?;
    Ok(web::Json(list))
}

/// How many conversations have unread messages, and how many messages.
///
/// For the app's badge. A message counts until the caller marks it read
/// (`POST /v1/conversations/{id}/read`); one's own messages and the job's timeline never count.
#[utoipa::path(
    tag = "conversations",
    responses((status = 200, description = "The counts", body = UnreadCount)),
    security(("bearer" = []), ("api_key" = ["messages:read"])),
)]
#[get("/conversations/unread")]
pub async fn unread_counts(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
) -> ApiResult<web::Json<UnreadCount>> {
    user.require_scope(Scope::MessagesRead)?;
    let user_id = user.0.user_id;
    let counts = state
        .db(move |conn| threads::unread(conn, &user_id))
        .await?;
    Ok(web::Json(counts))
}

/// One of the caller's conversations.
///
/// With its stage (`pre_hire` masks contact details), the job once the pro is hired, the
/// caller's unread count and whether they may write. 404 `not_found` for anyone but its two
/// sides.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, description = "The conversation", body = Conversation)),
    security(("bearer" = []), ("api_key" = ["messages:read"])),
)]
#[get("/conversations/{id}")]
pub async fn get_conversation(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    user.require_scope(Scope::MessagesRead)?;
    let user_id = user.0.user_id;
    let conversation = state
        .db(move |conn| {
            let (row, _) = model::find_for(conn, &id, &user_id)?;
            threads::view(conn, &row, Reader::Side(&user_id))
        })
        .await?;
    Ok(web::Json(conversation))
}

/// A window of the conversation, oldest first: the messages and the job's timeline entries
/// (`sender` `system`, with `event`).
///
/// Without cursors: the newest `limit` entries. `before` (a page's `before_cursor`) scrolls
/// back; `after` (its `after_cursor`) reads what came since. A cursor that is not an entry of
/// this conversation is a 422. A message staff hid shows with `hidden` and an empty body.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id"), MessageWindow),
    responses((status = 200, description = "The entries", body = MessagePage)),
    security(("bearer" = []), ("api_key" = ["messages:read"])),
)]
#[get("/conversations/{id}/messages")]
pub async fn list_messages(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    query: ValidatedQuery<MessageWindow>,
) -> ApiResult<web::Json<MessagePage>> {
    user.require_scope(Scope::MessagesRead)?;
    let user_id = user.0.user_id;
    let views = state.photos.views(state.clock.now());
    let page = state
        .db(move |conn| {
            // One snapshot: messages and timeline entries are read as of the same moment.
            crate::db::snapshot_read(conn, |conn| {
                let (row, _) = model::find_for(conn, &id, &user_id)?;
                messages::window(conn, &row, Reader::Side(&user_id), &query.0, &views)
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// Write to the other side; they get it live, in their notifications and as a push
/// (`message.received`, category `messages`).
///
/// Before the pro is hired, phone numbers, email addresses, links and handles are replaced by
/// "[contact details hidden]" in either direction; the answer then has `masked` and a `note`
/// for the writer. 409 `conversation_closed` when a side blocked the conversation or the pro's
/// lead closed before they were hired; nothing is stored.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = MessageInput,
    responses(
        (status = 201, description = "The message as stored", body = Message),
        (status = 409, description = "`conversation_closed`", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/conversations/{id}/messages")]
pub async fn send_message(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    body: ValidatedJson<MessageInput>,
) -> ApiResult<HttpResponse> {
    user.require_scope(Scope::MessagesWrite)?;
    let (user_id, now) = (user.0.user_id, state.clock.now());
    let links = state.photos.links.clone();
    let message = state
        .write(move |conn| messages::send(conn, Writer::Side(&user_id), &id, &body.0, &links, now))
        .await?;
    Ok(HttpResponse::Created().json(message))
}

/// Mark everything up to a message as read: the unread count is recounted, and the other side
/// sees it as `read_by_other_up_to` (a read receipt).
///
/// `up_to` must be an entry of this conversation (422 otherwise); a position before the one
/// recorded changes nothing.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = ReadInput,
    responses((status = 200, description = "The conversation", body = Conversation)),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/conversations/{id}/read")]
pub async fn mark_conversation_read(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    body: ValidatedJson<ReadInput>,
) -> ApiResult<web::Json<Conversation>> {
    user.require_scope(Scope::MessagesWrite)?;
    let user_id = user.0.user_id;
    let conversation = state
        .write(move |conn| threads::mark_read(conn, &user_id, &id, &body.0.up_to))
        .await?;
    Ok(web::Json(conversation))
}

/// Block further messages from both sides, once the job has ended.
///
/// For a job that is completed, confirmed or cancelled (409 `invalid_transition` before; report
/// a message that breaks the rules instead); 409 `conflict` when it is blocked already. Either
/// side's messages are then refused with `conversation_closed`; staff can still write.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 409, description = "`invalid_transition` (the job has not ended) or \
            `conflict` (already blocked)", body = shared_types::ProblemDetails,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/conversations/{id}/block")]
pub async fn block_conversation(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    set_blocked(&state, user.0, id.into_inner(), true).await
}

/// Lift one's own block.
///
/// Only the side that blocked the conversation can lift it (409 `conflict` otherwise); both
/// sides can write again.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = Conversation),
        (status = 409, description = "`conflict`: not blocked by the caller",
            body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/conversations/{id}/unblock")]
pub async fn unblock_conversation(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    set_blocked(&state, user.0, id.into_inner(), false).await
}

async fn set_blocked(
    state: &AppState,
    user: crate::auth::AuthUser,
    id: String,
    block: bool,
) -> ApiResult<web::Json<Conversation>> {
    user.require_scope(Scope::MessagesWrite)?;
    let (user_id, now) = (user.user_id, state.clock.now());
    let conversation = state
        .write(move |conn| threads::set_blocked(conn, &user_id, &id, block, now))
        .await?;
    Ok(web::Json(conversation))
}

/// Report a message the other side wrote; staff review it and may then read the conversation.
///
/// 404 `not_found` for a message outside the caller's conversations; 409 `conflict` for one's
/// own message or a second report of the same one.
#[utoipa::path(
    tag = "conversations",
    params(("id" = String, Path, description = "The message's id")),
    request_body = ReportInput,
    responses(
        (status = 201, description = "The report", body = MessageReport),
        (status = 409, description = "`conflict`: one's own message, or reported already",
            body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = []), ("api_key" = ["messages:write"])),
)]
#[post("/messages/{id}/report")]
pub async fn report_message(
    state: web::Data<AppState>,
    user: RequireRole<roles::CustomerOrPartner>,
    id: web::Path<String>,
    body: ValidatedJson<ReportInput>,
) -> ApiResult<HttpResponse> {
    user.require_scope(Scope::MessagesWrite)?;
    let (user_id, now) = (user.0.user_id, state.clock.now());
    let report = state
        .write(move |conn| oversight::report(conn, &user_id, &id, &body.0.reason, now))
        .await?;
    Ok(HttpResponse::Created().json(report))
}

/// A conversation, for staff.
///
/// Only while its job is disputed or after a side reported a message in it (403 `forbidden`
/// otherwise). Recorded in the audit log as `conversation.read`.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The conversation's id")),
    responses((status = 200, description = "The conversation", body = Conversation)),
    security(("bearer" = [])),
)]
#[get("/admin/conversations/{id}")]
pub async fn admin_get_conversation(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Conversation>> {
    staff.require_session()?;
    let (staff_id, now) = (staff.0.user_id, state.clock.now());
    let conversation = state
        .write(move |conn| oversight::conversation(conn, &staff_id, &id, now))
        .await?;
    Ok(web::Json(conversation))
}

/// A window of a conversation for staff, hidden messages included.
///
/// On the same terms as `GET /v1/admin/conversations/{id}` (audit-logged as
/// `conversation.read`); the cursors work as in `GET /v1/conversations/{id}/messages`.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The conversation's id"), MessageWindow),
    responses((status = 200, description = "The entries", body = MessagePage)),
    security(("bearer" = [])),
)]
#[get("/admin/conversations/{id}/messages")]
pub async fn admin_list_messages(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    query: ValidatedQuery<MessageWindow>,
) -> ApiResult<web::Json<MessagePage>> {
    staff.require_session()?;
    let (staff_id, now) = (staff.0.user_id, state.clock.now());
    let links = state.photos.links.clone();
    let page = state
        .write(move |conn| oversight::window(conn, &staff_id, &id, &query.0, &links, now))
        .await?;
    Ok(web::Json(page))
}

/// Write into a conversation as Porchlight support.
///
/// Both sides are told (`message.received`, without the staff member's id). On the same terms as
/// `GET /v1/admin/conversations/{id}`; audit-logged as `conversation.message`. Staff may write
/// into a blocked conversation, and nothing is masked.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = MessageInput,
    responses((status = 201, description = "The message", body = Message)),
    security(("bearer" = [])),
)]
#[post("/admin/conversations/{id}/messages")]
pub async fn admin_send_message(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<MessageInput>,
) -> ApiResult<HttpResponse> {
    staff.require_session()?;
    let (staff_id, now) = (staff.0.user_id, state.clock.now());
    let links = state.photos.links.clone();
    let message = state
        .write(move |conn| oversight::send(conn, &staff_id, &id, &body.0, &links, now))
        .await?;
    Ok(HttpResponse::Created().json(message))
}

/// Reported messages, oldest first.
///
/// `status` is `open` (the default) or `resolved`. Each report carries the message as written,
/// hidden or not; staff may then open its conversation. Paged with `cursor`.
#[utoipa::path(
    tag = "admin",
    params(ReportFilter, PageParams),
    responses((status = 200, description = "A page of reports", body = Page<MessageReport>)),
    security(("bearer" = [])),
)]
#[get("/admin/message-reports")]
pub async fn admin_message_reports(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    filter: ValidatedQuery<ReportFilter>,
    page: ValidatedQuery<PageParams>,
) -> ApiResult<web::Json<Page<MessageReport>>> {
    staff.require_session()?;
    let reports = state
        .db(move |conn| oversight::reports(conn, &filter.0, &page.0))
        .await?;
    Ok(web::Json(reports))
}

/// Decide a report: keep the message (`dismissed`) or hide it from both sides (`hidden`).
///
/// Once per report (409 `invalid_transition` when resolved already). Recorded in the audit log
/// as `message_report.resolve`, with the note.
#[utoipa::path(
    tag = "admin",
    params(("id" = String, Path, description = "The report's id")),
    request_body = ResolveReportInput,
    responses(
        (status = 200, description = "The report", body = MessageReport),
        (status = 409, description = "`invalid_transition`: resolved already",
            body = shared_types::ProblemDetails, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
#[post("/admin/message-reports/{id}/resolve")]
pub async fn admin_resolve_report(
    state: web::Data<AppState>,
    staff: RequireRole<roles::Staff>,
    id: web::Path<String>,
    body: ValidatedJson<ResolveReportInput>,
) -> ApiResult<web::Json<MessageReport>> {
    staff.require_session()?;
    let (staff_id, now) = (staff.0.user_id, state.clock.now());
    let report = state
        .write(move |conn| oversight::resolve(conn, &staff_id, &id, &body.0, now))
        .await?;
    Ok(web::Json(report))
}
