//! A stored rating and how it reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::ratings::{Rating, RatingDirection, Reply};

use crate::db::schema::ratings;
use crate::db::text_enum::Stored;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratings)]
pub struct RatingRow {
    pub id: String,
    pub job_id: String,
    #[diesel(deserialize_as = Stored<RatingDirection>, serialize_as = Stored<RatingDirection>)]
    pub direction: RatingDirection,
    pub rater_id: String,
    pub ratee_id: String,
    pub stars: i32,
    pub comment: String,
    pub tags: String,
    pub created_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub reply: Option<String>,
    pub replied_at: Option<NaiveDateTime>,
    pub hidden_at: Option<NaiveDateTime>,
    pub hidden_reason: Option<String>,
}

impl RatingRow {
    pub fn direction(&self) -> RatingDirection {
        self.direction
    }

    pub fn tags(&self) -> Vec<String> {
        serde_json::from_str(&self.tags).unwrap_or_default()
    }

    pub fn reply(&self) -> Option<Reply> {
        Some(Reply {
            text: self.reply.clone()?,
            replied_at: self.replied_at?.and_utc(),
        })
    }

    pub fn to_view(&self) -> Rating {
        Rating {
            id: self.id.clone(),
            job_id: self.job_id.clone(),
            direction: self.direction(),
            rater_id: self.rater_id.clone(),
            ratee_id: self.ratee_id.clone(),
            stars: self.stars,
            comment: self.comment.clone(),
            tags: self.tags(),
            created_at: self.created_at.and_utc(),
            published_at: self.published_at.map(|at| at.and_utc()),
            reply: self.reply(),
            hidden_reason: self.hidden_at.and(self.hidden_reason.clone()),
        }
    }
}

/// How a reviewer is named in public: first name and the initial of the last, e.g. `Casey C.`.
pub fn public_name(full_name: &str) -> String {
    let mut words = full_name.split_whitespace();
    let first = words.next().unwrap_or("A customer");
    match words.last().and_then(|last| last.chars().next()) {
        Some(initial) => format!("{first} {initial}."),
        None => first.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::public_name;

    #[test]
    fn reviewers_are_named_by_first_name_and_initial() {
        assert_eq!(public_name("Casey Jane Customer"), "Casey C.");
        assert_eq!(public_name("Madonna"), "Madonna");
        assert_eq!(public_name("  "), "A customer");
    }
}
