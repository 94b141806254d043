//! Enums stored as TEXT columns (each guarded by a CHECK constraint), through [`Stored`]: a value
//! this build does not know is an error naming the column's enum, never a silent default.
//!
//! A row field is declared as
//! `#[diesel(deserialize_as = Stored<JobStatus>)] pub status: JobStatus` (plus
//! `serialize_as = Stored<JobStatus>` on insertable rows), and a statement compares or sets a
//! column with `Stored(JobStatus::Open)`.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use shared_types::auth::Role;
use shared_types::conversations::ReportOutcome;
use shared_types::events::EventType;
use shared_types::jobs::{JobEventKind, JobStatus, Party, ProposalStatus};
use shared_types::notify::{NotificationCategory, OutboxStatus, Platform};
use shared_types::partners::{AssignmentMode, ConnectionKind, MembershipTier, PartnerStatus};
use shared_types::ratings::{MonitoringStatus, RatingDirection};
use shared_types::requests::{OfferStatus, RequestKind, RequestStatus};
use shared_types::wallet::{
    LedgerKind, PaymentPurpose, PaymentStatus, PayoutMethodKind, PayoutStatus, RefundReason,
    RefundStatus,
};
use shared_types::webhook_endpoints::DeliveryStatus;

/// An enum with one text form per variant.
pub trait TextEnum: Sized {
    /// What the enum is, for error messages (`job status`).
    const NAME: &'static str;
    fn from_text(text: &str) -> Option<Self>;
    fn as_text(&self) -> &'static str;
}

/// A [`TextEnum`] as the database holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression)]
#[diesel(sql_type = Text)]
pub struct Stored<T: TextEnum>(pub T);

impl<T, DB> ToSql<Text, DB> for Stored<T>
where
    T: TextEnum + std::fmt::Debug,
    DB: Backend,
    str: ToSql<Text, DB>,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        let text = self.0.as_text();
        if T::from_text(text).is_none() {
            return Err(format!("cannot store an unknown {}", T::NAME).into());
        }
        text.to_sql(out)
    }
}

impl<T, DB> FromSql<Text, DB> for Stored<T>
where
    T: TextEnum,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        T::from_text(&text)
            .map(Stored)
            .ok_or_else(|| format!("unknown {} {text:?} in the database", T::NAME).into())
    }
}

impl<T, DB> Queryable<Text, DB> for Stored<T>
where
    T: TextEnum,
    DB: Backend,
    Self: FromSql<Text, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

/// Implements [`TextEnum`] (through the enum's own `parse`) and the conversion out of
/// [`Stored`] for each enum listed.
macro_rules! text_enums {
    ($($enum:ty => $name:literal),* $(,)?) => {$(
        impl TextEnum for $enum {
            const NAME: &'static str = $name;
            fn from_text(text: &str) -> Option<Self> {
                <$enum>::parse(text)
            }
            fn as_text(&self) -> &'static str {
                <$enum>::as_str(*self)
            }
        }

        impl From<$enum> for Stored<$enum> {
            fn from(value: $enum) -> Self {
                Stored(value)
            }
        }

        impl From<Stored<$enum>> for $enum {
            fn from(stored: Stored<$enum>) -> Self {
                stored.0
            }
        }
    )*};
}

text_enums! {
    AssignmentMode => "assignment mode",
    ConnectionKind => "connection kind",
    EventType => "event type",
    DeliveryStatus => "delivery status",
    JobEventKind => "job event kind",
    LedgerKind => "ledger entry kind",
    NotificationCategory => "notification category",
    JobStatus => "job status",
    MembershipTier => "membership tier",
    MonitoringStatus => "monitoring status",
    OfferStatus => "offer status",
    OutboxStatus => "outbox status",
    Party => "party",
    PartnerStatus => "partner status",
    PaymentPurpose => "payment purpose",
    PaymentStatus => "payment status",
    PayoutMethodKind => "payout method",
    PayoutStatus => "payout status",
    Platform => "platform",
    ProposalStatus => "proposal status",
    RatingDirection => "rating direction",
    RefundReason => "refund reason",
    RefundStatus => "refund status",
    ReportOutcome => "report outcome",
    RequestKind => "request kind",
    RequestStatus => "request status",
    Role => "role",
}
