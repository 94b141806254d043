//! Every enum's text form (stored in the database, used in query strings) is its JSON form, and a
//! value the types do not know reads as `Unknown` without ever being written or parsed back.

use porchlight_types::auth::{Role, Scope};
use porchlight_types::events::EventType;
use porchlight_types::jobs::{JobEventKind, JobStatus, Party, ProposalStatus};
use porchlight_types::notify::{NotificationCategory, OutboxStatus, Platform};
use porchlight_types::partners::{AssignmentMode, ConnectionKind, MembershipTier, PartnerStatus};
use porchlight_types::ratings::{MonitoringStatus, RatingDirection};
use porchlight_types::requests::{OfferStatus, RequestKind, RequestStatus};
use porchlight_types::wallet::{
    LedgerKind, PaymentPurpose, PaymentStatus, PayoutMethodKind, PayoutStatus, RefundReason,
    RefundStatus,
};

macro_rules! check_text_forms {
    ($($name:ident),* $(,)?) => {$({
        let known: Vec<$name> = $name::known().collect();
        assert!(!known.is_empty(), stringify!($name));
        assert!(!known.contains(&$name::Unknown), stringify!($name));
        for value in known {
            let json = serde_json::to_value(value).unwrap();
            assert_eq!(json, value.as_str(), "{}::{value:?}", stringify!($name));
            assert_eq!($name::parse(value.as_str()), Some(value));
            assert_eq!(serde_json::from_value::<$name>(json).unwrap(), value);
        }
        let newer: $name = serde_json::from_str("\"added_by_a_newer_server\"").unwrap();
        assert_eq!(newer, $name::Unknown, stringify!($name));
        assert!(serde_json::to_value($name::Unknown).is_err(), stringify!($name));
        assert_eq!($name::parse("unknown"), None, stringify!($name));
        assert_eq!($name::parse("added_by_a_newer_server"), None, stringify!($name));
    })*};
}

#[test]
fn text_forms_are_the_json_forms_and_unknown_values_are_tolerated_only_when_read() {
    check_text_forms!(
        Role,
        Scope,
        EventType,
        JobStatus,
        Party,
        ProposalStatus,
        JobEventKind,
        Platform,
        OutboxStatus,
        NotificationCategory,
        AssignmentMode,
        MembershipTier,
        PartnerStatus,
        ConnectionKind,
        RatingDirection,
        MonitoringStatus,
        RequestKind,
        RequestStatus,
        OfferStatus,
        PaymentPurpose,
        PaymentStatus,
        LedgerKind,
        PayoutMethodKind,
        PayoutStatus,
        RefundReason,
        RefundStatus,
    );
}

#[test]
fn scopes_keep_their_colon_names() {
    assert_eq!(Scope::parse("leads:write"), Some(Scope::LeadsWrite));
    assert_eq!(Scope::LeadsWrite.as_str(), "leads:write");
}
