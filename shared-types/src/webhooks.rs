//! Webhook signatures, [Standard Webhooks] v1: the server signs each delivery with HMAC-SHA256
//! and integrators verify it with the same secret.
//!
//! A delivery carries three headers: [`ID_HEADER`] (the message id, also an idempotency key),
//! [`TIMESTAMP_HEADER`] (unix seconds of this attempt) and [`SIGNATURE_HEADER`] (space-separated
//! `v1,<base64>` signatures, one per active secret while a secret is being rotated). The signed
//! content is `{id}.{timestamp}.{body}`, with the body exactly as sent: verify the raw bytes,
//! never JSON parsed and serialised again.
//!
//! [Standard Webhooks]: https://www.standardwebhooks.com/

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How a secret is written (`whsec_` + standard base64 of the key), so it is recognisable.
pub const SECRET_PREFIX: &str = "whsec_";

/// The message id header. Header names here are lowercase; matching them case-insensitively, as
/// HTTP requires, is up to the caller.
pub const ID_HEADER: &str = "webhook-id";
/// The attempt's unix time in seconds.
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
/// The space-separated signatures.
pub const SIGNATURE_HEADER: &str = "webhook-signature";

/// The version prefix of a symmetric (HMAC-SHA256) signature.
const V1: &str = "v1";

/// Why a delivery could not be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the webhook secret is not `whsec_` followed by non-empty standard base64")]
    BadSecret,
    #[error("there is no webhook secret to sign with")]
    NoSecret,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Only from [`verify_headers`]: the header with this (lowercase) name is absent.
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    #[error("the webhook timestamp is not a unix time in seconds")]
    BadTimestamp,
    /// Too old (a possible replay) or too far in the future.
    #[error("the webhook timestamp is outside the allowed tolerance from now")]
    TimestampOutOfTolerance,
    #[error("no v1 signature matches the message for any of the secrets")]
    NoMatchingSignature,
    #[error("a webhook secret is not `whsec_` followed by non-empty standard base64")]
    BadSecret,
}

/// A secret in its written form: `whsec_` + standard base64 of `bytes`. The server draws the bytes
/// (24 to 64 random bytes are usual); this crate has no randomness of its own.
pub fn secret_from_bytes(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key of a written secret; the `whsec_` prefix is optional.
fn key(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    match STANDARD.decode(encoded) {
        Ok(key) if !key.is_empty() => Ok(key),
        _ => Err(WebhookError::BadSecret),
    }
}

/// The MAC over `{id}.{timestamp}.{body}`, not yet finalised.
fn mac(key: &[u8], message_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body);
    mac
}

/// The signature of one delivery, `v1,<base64>`. `message_id` must not contain a `.` (it would
/// make the signed content ambiguous); the server's ids never do.
pub fn sign(
    secret: &str,
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, WebhookError> {
    let tag = mac(&key(secret)?, message_id, timestamp, body)
        .finalize()
        .into_bytes();
    Ok(format!("{V1},{}", STANDARD.encode(tag)))
}

/// The [`SIGNATURE_HEADER`] value: one signature per secret, space-separated, so integrators still
/// on the old secret keep verifying while a secret is rotated.
pub fn signature_header(
    secrets: &[&str],
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, WebhookError> {
    if secrets.is_empty() {
        return Err(WebhookError::NoSecret);
    }
    let signatures = secrets
        .iter()
        .map(|secret| sign(secret, message_id, timestamp, body))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

/// Checks one delivery. `timestamp` and `signatures` are the header values as received.
///
/// Refused when the timestamp is more than `tolerance` before or after `now` (the reference
/// libraries allow 5 minutes), or when no `v1` signature matches any of `secrets` (an empty list
/// matches nothing). Signatures of other versions are ignored. A malformed secret is an error even
/// when another one would match, so a misconfiguration does not go unnoticed.
pub fn verify(
    secrets: &[&str],
    message_id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    tolerance: Duration,
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let keys = secrets
        .iter()
        .map(|secret| key(secret))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| VerifyError::BadSecret)?;

    let seconds: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
    let sent = DateTime::from_timestamp(seconds, 0).ok_or(VerifyError::BadTimestamp)?;
    let age = now.signed_duration_since(sent);
    if age > tolerance || -age > tolerance {
        return Err(VerifyError::TimestampOutOfTolerance);
    }

    // Undecodable entries cannot match; skipping them lets a later valid one count.
    let candidates: Vec<Vec<u8>> = signatures
        .split_whitespace()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == V1)
        .filter_map(|(_, encoded)| STANDARD.decode(encoded).ok())
        .collect();
    let matches = keys.iter().any(|key| {
        let expected = mac(key, message_id, seconds, body);
        // `verify_slice` compares in constant time.
        candidates
            .iter()
            .any(|candidate| expected.clone().verify_slice(candidate).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(VerifyError::NoMatchingSignature)
    }
}

/// [`verify`] with the three headers read through `lookup`, which is given the lowercase names
/// ([`ID_HEADER`], [`TIMESTAMP_HEADER`], [`SIGNATURE_HEADER`]) and must match them
/// case-insensitively.
pub fn verify_headers<'a>(
    secrets: &[&str],
    lookup: impl Fn(&str) -> Option<&'a str>,
    body: &[u8],
    tolerance: Duration,
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let header = |name: &'static str| lookup(name).ok_or(VerifyError::MissingHeader(name));
    let message_id = header(ID_HEADER)?;
    let timestamp = header(TIMESTAMP_HEADER)?;
    let signatures = header(SIGNATURE_HEADER)?;
    verify(
        secrets, message_id, timestamp, signatures, body, tolerance, now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // The known-answer vector of the Standard Webhooks reference libraries
    // (standard-webhooks/standard-webhooks, e.g. libraries/go/webhook_test.go, TestWebhookSign).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MESSAGE_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    const OTHER_SECRET: &str = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM=";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(seconds, 0).unwrap()
    }

    fn five_minutes() -> Duration {
        Duration::minutes(5)
    }

    fn check(secrets: &[&str], signatures: &str, body: &[u8]) -> Result<(), VerifyError> {
        verify(
            secrets,
            MESSAGE_ID,
            &TIMESTAMP.to_string(),
            signatures,
            body,
            five_minutes(),
            at(TIMESTAMP),
        )
    }

    #[test]
    fn signing_matches_the_reference_vector() {
        assert_eq!(
            sign(SECRET, MESSAGE_ID, TIMESTAMP, BODY).unwrap(),
            SIGNATURE
        );
        // The prefix is optional.
        let bare = SECRET.strip_prefix(SECRET_PREFIX).unwrap();
        assert_eq!(sign(bare, MESSAGE_ID, TIMESTAMP, BODY).unwrap(), SIGNATURE);
    }

    #[test]
    fn the_reference_signature_verifies() {
        assert_eq!(check(&[SECRET], SIGNATURE, BODY), Ok(()));
    }

    #[test]
    fn a_tampered_body_fails() {
        assert_eq!(
            check(&[SECRET], SIGNATURE, br#"{"test": 2432232315}"#),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn a_wrong_secret_fails() {
        assert_eq!(
            check(&[OTHER_SECRET], SIGNATURE, BODY),
            Err(VerifyError::NoMatchingSignature)
        );
        assert_eq!(
            check(&[], SIGNATURE, BODY),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn the_timestamp_must_be_within_tolerance_either_way() {
        let verify_at = |now| {
            verify(
                &[SECRET],
                MESSAGE_ID,
                &TIMESTAMP.to_string(),
                SIGNATURE,
                BODY,
                five_minutes(),
                now,
            )
        };
        assert_eq!(verify_at(at(TIMESTAMP + 300)), Ok(()));
        assert_eq!(verify_at(at(TIMESTAMP - 300)), Ok(()));
        assert_eq!(
            verify_at(at(TIMESTAMP + 301)),
            Err(VerifyError::TimestampOutOfTolerance)
        );
        assert_eq!(
            verify_at(at(TIMESTAMP - 301)),
            Err(VerifyError::TimestampOutOfTolerance)
        );
    }

    #[test]
    fn the_timestamp_is_signed_too() {
        let signature = sign(SECRET, MESSAGE_ID, TIMESTAMP + 1, BODY).unwrap();
        assert_eq!(
            check(&[SECRET], &signature, BODY),
            Err(VerifyError::NoMatchingSignature)
        );
    }

    #[test]
    fn a_timestamp_that_is_not_unix_seconds_is_refused() {
        for timestamp in ["", "soon", "1614265330.5", "2021-02-25T15:02:10Z"] {
            assert_eq!(
                verify(
                    &[SECRET],
                    MESSAGE_ID,
                    timestamp,
                    SIGNATURE,
                    BODY,
                    five_minutes(),
                    at(TIMESTAMP)
                ),
                Err(VerifyError::BadTimestamp),
                "{timestamp:?}"
            );
        }
    }

    #[test]
    fn during_rotation_any_matching_signature_passes() {
        let stale = sign(OTHER_SECRET, MESSAGE_ID, TIMESTAMP, BODY).unwrap();
        assert_eq!(
            check(&[SECRET], &format!("{stale} {SIGNATURE}"), BODY),
            Ok(())
        );
        // And either secret of the verifier may be the one that matches.
        assert_eq!(check(&[OTHER_SECRET, SECRET], SIGNATURE, BODY), Ok(()));
    }

    #[test]
    fn the_header_carries_one_signature_per_secret() {
        let header =
            signature_header(&[OTHER_SECRET, SECRET], MESSAGE_ID, TIMESTAMP, BODY).unwrap();
        let signatures: Vec<&str> = header.split(' ').collect();
        assert_eq!(signatures.len(), 2);
        assert_eq!(signatures[1], SIGNATURE);
        assert_eq!(check(&[OTHER_SECRET], &header, BODY), Ok(()));
        assert_eq!(check(&[SECRET], &header, BODY), Ok(()));
        assert_eq!(
            signature_header(&[], MESSAGE_ID, TIMESTAMP, BODY),
            Err(WebhookError::NoSecret)
        );
    }

    #[test]
    fn only_v1_signatures_count() {
        let encoded = SIGNATURE.strip_prefix("v1,").unwrap();
        for signatures in [
            format!("v2,{encoded}"),
            format!("v1a,{encoded}"),
            encoded.to_owned(),
            String::new(),
        ] {
            assert_eq!(
                check(&[SECRET], &signatures, BODY),
                Err(VerifyError::NoMatchingSignature),
                "{signatures:?}"
            );
        }
        // Unknown versions and garbage beside a valid v1 are ignored.
        let mixed = format!("v2,{encoded} v1,not-base64! {SIGNATURE}");
        assert_eq!(check(&[SECRET], &mixed, BODY), Ok(()));
    }

    #[test]
    fn a_malformed_secret_is_an_error() {
        for secret in ["whsec_", "whsec_not base64!", ""] {
            assert_eq!(
                sign(secret, MESSAGE_ID, TIMESTAMP, BODY),
                Err(WebhookError::BadSecret),
                "{secret:?}"
            );
            assert_eq!(
                check(&[SECRET, secret], SIGNATURE, BODY),
                Err(VerifyError::BadSecret),
                "{secret:?}"
            );
        }
    }

    #[test]
    fn secrets_round_trip_from_bytes() {
        let secret = secret_from_bytes(b"0123456789abcdef0123456789abcdef");
        assert!(secret.starts_with(SECRET_PREFIX));
        assert_eq!(secret, "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        let signature = sign(&secret, MESSAGE_ID, TIMESTAMP, BODY).unwrap();
        assert_eq!(check(&[&secret], &signature, BODY), Ok(()));
    }

    #[test]
    fn headers_are_read_by_their_lowercase_names() {
        let timestamp = TIMESTAMP.to_string();
        let headers = [
            ("webhook-id", MESSAGE_ID),
            ("webhook-timestamp", timestamp.as_str()),
            ("webhook-signature", SIGNATURE),
        ];
        let verify_with = |present: &[(&str, &str)]| {
            verify_headers(
                &[SECRET],
                |name| {
                    present
                        .iter()
                        .find(|(key, _)| key.eq_ignore_ascii_case(name))
                        .map(|(_, value)| *value)
                },
                BODY,
                five_minutes(),
                at(TIMESTAMP),
            )
        };
        assert_eq!(verify_with(&headers), Ok(()));
        for (missing, name) in headers.iter().map(|(name, _)| *name).enumerate() {
            let rest: Vec<_> = headers
                .iter()
                .enumerate()
                .filter(|(index, _)| *index != missing)
                .map(|(_, header)| *header)
                .collect();
            assert_eq!(
                verify_with(&rest),
                Err(VerifyError::MissingHeader(name)),
                "{name}"
            );
        }
    }
}
