//! The confirm race as the API runs it. Two hundred pros may press Confirm on one instant lead
//! within a second; the database settles who wins ([`leads::confirm`], a conditional update),
//! and this module gets everyone else their answer as early as it can:
//!
//! - in this process, the confirms of one request take turns ([`ConfirmTurns`]): the first goes to
//!   the database, the others wait for it without holding a connection or a thread, instead of
//!   queueing behind the winner's row lock;
//! - on PostgreSQL, a pro whose offer the winner has closed is answered by one statement on the
//!   worker's own connection ([`attempt_on_hot`]), without the blocking pool;
//! - the winner is answered at its commit; the other pros are told in the background (and by the
//!   lead sweep, should the process stop first).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::web;
use chrono::NaiveDateTime;
use shared_types::requests::OfferStatus;
use tokio::sync::watch;

use crate::db::{self, hot::HotDb};
use crate::error::ApiResult;
use crate::requests::leads::{self, Confirmed};
use crate::state::AppState;

/// Who is at the database for each request's confirm race in this process.
#[derive(Default)]
pub struct ConfirmTurns {
    /// Per request, what its current turn's end is announced on (the sender's drop).
    running: Mutex<HashMap<String, watch::Receiver<()>>>,
}

enum Turn {
    Mine(TurnEnd),
    /// Someone else's turn: resolves when it ends.
    Wait(watch::Receiver<()>),
}

/// Ends a turn when dropped: the request leaves the table, then the waiters wake.
struct TurnEnd {
    turns: Arc<ConfirmTurns>,
    request_id: String,
    _announce: watch::Sender<()>,
}

impl Drop for TurnEnd {
    fn drop(&mut self) {
        self.turns
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.request_id);
    }
}

impl ConfirmTurns {
    fn take(self: &Arc<Self>, request_id: &str) -> Turn {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(current) = running.get(request_id) {
            return Turn::Wait(current.clone());
        }
        let (announce, waiting) = watch::channel(());
        running.insert(request_id.to_owned(), waiting);
        Turn::Mine(TurnEnd {
            turns: Arc::clone(self),
            request_id: request_id.to_owned(),
            _announce: announce,
        })
    }
}

/// What one statement on the hot connection learned about a confirm.
enum HotAttempt {
    /// The offer was another pro's win: the attempt is recorded, the answer is `lead_taken`.
    Lost,
    /// Not settled by the statement: the offer belongs to this request.
    Undecided { request_id: String },
}

/// See [`attempt_on_hot`].
const HOT_ATTEMPT: &str = "WITH offer AS ( \
         SELECT request_id FROM lead_offers WHERE id = $1 AND partner_id = $2 \
     ), answered AS ( \
         UPDATE lead_offers SET responded_at = $3 \
         WHERE id = $1 AND partner_id = $2 AND status = $4 AND responded_at IS NULL \
         RETURNING id \
     ) \
     SELECT offer.request_id, EXISTS (SELECT 1 FROM answered) FROM offer";

/// Records a lost attempt in one statement when the winner has closed the offer (as
/// `leads::confirm` does first), or says which request the offer is for. `None` when the hot
/// path is off or failed, or the offer is not this pro's: the pool path answers.
async fn attempt_on_hot(
    hot: &HotDb,
    partner_id: &str,
    offer_id: &str,
    now: NaiveDateTime,
) -> Option<HotAttempt> {
    if !hot.enabled() {
        return None;
    }
    let taken = OfferStatus::Taken.as_str();
    let rows = hot
        .query(HOT_ATTEMPT, &[&offer_id, &partner_id, &now, &taken])
        .await?;
    let row = rows.first()?;
    Some(if row.get::<_, bool>(1) {
        HotAttempt::Lost
    } else {
        HotAttempt::Undecided {
            request_id: row.get(0),
        }
    })
}

/// A pro presses Confirm on an instant lead (see [`leads::confirm`] for the rules).
pub async fn confirm(
    state: web::Data<AppState>,
    partner_id: String,
    offer_id: String,
    now: NaiveDateTime,
) -> ApiResult<Confirmed> {
    let turn = loop {
        match attempt_on_hot(&state.hot, &partner_id, &offer_id, now).await {
            Some(HotAttempt::Lost) => return Ok(Confirmed::Lost),
            Some(HotAttempt::Undecided { request_id }) => {
                match state.confirm_turns.take(&request_id) {
                    Turn::Mine(end) => break Some(end),
                    // The sender's drop ends the wait; then the offer is most likely closed.
                    Turn::Wait(mut end) => while end.changed().await.is_ok() {},
                }
            }
            None => break None,
        }
    };
    let confirmed = if turn.is_some() {
        state
            .db(move |conn| leads::claim_or_explain(conn, &partner_id, &offer_id, now))
            .await
    } else {
        state
            .db(move |conn| leads::confirm(conn, &partner_id, &offer_id, now))
            .await
    };
    drop(turn);
    if let Ok(Confirmed::Won(won)) = &confirmed {
        state.wakeups.outbox_written.raise();
        tell_the_others(state.clone(), won.request_id.clone(), now);
    }
    confirmed
}

/// Tells the pros who lost the race, after the winner is answered; the lead sweep tells them
/// if this fails or the process stops first.
fn tell_the_others(state: web::Data<AppState>, request_id: String, now: NaiveDateTime) {
    actix_web::rt::spawn(async move {
        let told = state
            .db({
                let request_id = request_id.clone();
                move |conn| {
                    db::write_transaction(conn, |conn| leads::tell_untold(conn, &request_id, now))
                }
            })
            .await;
        match told {
            Ok(0) => {}
            Ok(_) => state.wakeups.outbox_written.raise(),
            Err(error) => {
                tracing::warn!(%error, %request_id, "the lead sweep will tell the other pros");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_turn_ends_for_its_waiters_when_dropped() {
        let turns = Arc::new(ConfirmTurns::default());
        let Turn::Mine(first) = turns.take("request") else {
            panic!("the first confirm has the turn");
        };
        let Turn::Wait(mut waiting) = turns.take("request") else {
            panic!("a second confirm of the same request waits");
        };
        assert!(
            matches!(turns.take("another request"), Turn::Mine(_)),
            "other requests do not wait"
        );
        drop(first);
        assert!(waiting.changed().await.is_err(), "the wait is over");
        assert!(matches!(turns.take("request"), Turn::Mine(_)));
    }
}
