//! The confirm race as the API runs it. Two hundred pros may press Confirm on one instant lead
//! within a second; the database settles who wins ([`leads::confirm`], a conditional update),
//! and this module gets everyone else their answer as early as it can:
//!
//! - in this process, the confirms of one request take turns ([`ConfirmTurns`]): the first goes to
//!   the database, the others wait for it without holding a connection or a thread, instead of
//!   queueing behind the winner's row lock;
//! - those waiting when the first wins are answered by the winner's own transaction, which
//!   records their attempts as it closes their offers: at its commit they have lost, with no
//!   statement of their own;
//! - on PostgreSQL, a pro whose offer the winner has closed is answered by one statement on the
//!   worker's own connection ([`attempt_on_hot`]), without the blocking pool;
//! - the winner is answered at its commit; the other pros, and the customer, are told in the
//!   background (and by the lead sweep, should the process stop first).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

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
    running: Mutex<HashMap<String, Running>>,
}

/// Announces a turn's end: the offers whose lost attempts it recorded, if it won (and
/// committed), then the sender's drop.
type Ended = watch::Receiver<Option<Arc<HashSet<String>>>>;

/// A request's turn in progress, as those waiting for it see it.
struct Running {
    ended: Ended,
    waiting: Arc<Mutex<Waiting>>,
}

/// The offers whose pros wait on a turn, until the turn's winner takes the list.
#[derive(Default)]
struct Waiting {
    offers: Vec<String>,
    taken: bool,
}

enum Turn {
    Mine(TurnEnd),
    /// Someone else's turn: resolves when it ends.
    Wait(Ended),
}

/// Ends a turn when dropped: the request leaves the table, then the waiters wake.
struct TurnEnd {
    turns: Arc<ConfirmTurns>,
    request_id: String,
    waiting: Arc<Mutex<Waiting>>,
    announce: watch::Sender<Option<Arc<HashSet<String>>>>,
}

impl TurnEnd {
    /// The offers whose pros have pressed Confirm while this turn ran; later ones are not
    /// added (they ask the database themselves).
    fn take_waiting(&self) -> Vec<String> {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        waiting.taken = true;
        std::mem::take(&mut waiting.offers)
    }

    /// This turn won and committed, having recorded the attempts of the offers in `lost`.
    fn announce_lost(&self, lost: Vec<String>) {
        self.announce
            .send_replace(Some(Arc::new(lost.into_iter().collect())));
    }
}

impl Drop for TurnEnd {
    fn drop(&mut self) {
        self.turns
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.request_id);
    }
}

impl ConfirmTurns {
    /// The turn for `request_id`, or a place in line for `offer_id` behind the current one.
    fn take(self: &Arc<Self>, request_id: &str, offer_id: &str) -> Turn {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(current) = running.get(request_id) {
            let mut waiting = current
                .waiting
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if !waiting.taken {
                waiting.offers.push(offer_id.to_owned());
            }
            return Turn::Wait(current.ended.clone());
        }
        let (announce, ended) = watch::channel(None);
        let waiting = Arc::new(Mutex::new(Waiting::default()));
        running.insert(
            request_id.to_owned(),
            Running {
                ended,
                waiting: Arc::clone(&waiting),
            },
        );
        Turn::Mine(TurnEnd {
            turns: Arc::clone(self),
            request_id: request_id.to_owned(),
            waiting,
            announce,
        })
    }
}

/// Waits for a turn to end; true when it recorded `offer_id`'s attempt as lost.
async fn lost_in(mut ended: Ended, offer_id: &str) -> bool {
    // An error only says the turn ended without a win.
    let _ = ended.wait_for(Option::is_some).await;
    ended
        .borrow()
        .as_ref()
        .is_some_and(|lost| lost.contains(offer_id))
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
                match state.confirm_turns.take(&request_id, &offer_id) {
                    Turn::Mine(end) => break Some(end),
                    Turn::Wait(ended) => {
                        if lost_in(ended, &offer_id).await {
                            return Ok(Confirmed::Lost);
                        }
                    }
                }
            }
            None => break None,
        }
    };
    let Some(turn) = turn else {
        return state
            .db(move |conn| leads::confirm(conn, &partner_id, &offer_id, now))
            .await
            .inspect(|confirmed| after_a_win(&state, confirmed, now));
    };
    let turn = Arc::new(turn);
    let confirmed = state
        .db({
            let turn = Arc::clone(&turn);
            move |conn| {
                leads::claim_or_explain(
                    conn,
                    &partner_id,
                    &offer_id,
                    &mut || turn.take_waiting(),
                    now,
                )
            }
        })
        .await
        .map(|(confirmed, lost)| {
            turn.announce_lost(lost);
            confirmed
        });
    drop(turn);
    if let Ok(confirmed) = &confirmed {
        after_a_win(&state, confirmed, now);
    }
    confirmed
}

/// Once a win has committed, the customer and the losers are told.
fn after_a_win(state: &web::Data<AppState>, confirmed: &Confirmed, now: NaiveDateTime) {
    if let Confirmed::Won(won) = confirmed {
        tell_the_others(state.clone(), won.request_id.clone(), now);
    }
}

/// Tells the pros who lost the race and the customer, after the winner is answered; the lead
/// sweep tells them if this fails or the process stops first.
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
        // Whatever the win queued is sent now too.
        state.wakeups.outbox_written.raise();
        if let Err(error) = told {
            tracing::warn!(%error, %request_id, "the lead sweep will tell the other pros");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_turn_ends_for_its_waiters_when_dropped() {
        let turns = Arc::new(ConfirmTurns::default());
        let Turn::Mine(first) = turns.take("request", "offer 1") else {
            panic!("the first confirm has the turn");
        };
        let Turn::Wait(waiting) = turns.take("request", "offer 2") else {
            panic!("a second confirm of the same request waits");
        };
        assert!(
            matches!(turns.take("another request", "offer 9"), Turn::Mine(_)),
            "other requests do not wait"
        );
        drop(first);
        assert!(
            !lost_in(waiting, "offer 2").await,
            "a turn without a win decides nothing"
        );
        assert!(matches!(turns.take("request", "offer 2"), Turn::Mine(_)));
    }

    #[tokio::test]
    async fn a_winning_turn_answers_those_whose_attempts_it_recorded() {
        let turns = Arc::new(ConfirmTurns::default());
        let Turn::Mine(first) = turns.take("request", "offer 1") else {
            panic!("the first confirm has the turn");
        };
        let Turn::Wait(early) = turns.take("request", "offer 2") else {
            panic!("waits");
        };
        assert_eq!(first.take_waiting(), vec!["offer 2".to_owned()]);
        let Turn::Wait(late) = turns.take("request", "offer 3") else {
            panic!("waits");
        };
        assert!(first.take_waiting().is_empty(), "the list is taken once");
        first.announce_lost(vec!["offer 2".to_owned()]);
        drop(first);
        assert!(lost_in(early, "offer 2").await);
        assert!(!lost_in(late, "offer 3").await, "asks the database itself");
    }
}
