//! HMAC-SHA256 signatures with the shared secret (`webhook_secret` of the Salesforce secret).
//!
//! - Events: `X-Salesforce-Signature` = hex(HMAC(secret, "{timestamp}.{raw body}")).
//! - Outbound Messages: the query parameter `key` = hex(HMAC(secret, "outbound-messages")), so
//!   the secret itself never appears in a URL.
//!
//! Every comparison is constant-time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The message the outbound-message key is the MAC of.
pub const OUTBOUND_KEY_MESSAGE: &[u8] = b"outbound-messages";

/// Largest accepted distance between the signed timestamp and now, either way.
pub const MAX_SKEW_SECONDS: i64 = 300;

fn mac(secret: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length.
    <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC accepts any key length")
}

fn event_mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut m = mac(secret);
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The signature of an event, lower-case hex (what Apex computes with
/// `EncodingUtil.convertToHex(Crypto.generateMac('hmacSHA256', ...))`).
pub fn sign_event(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    hex::encode(event_mac(secret, timestamp, body).finalize().into_bytes())
}

/// True when `signature_hex` is the event's signature (constant-time).
pub fn verify_event(secret: &[u8], timestamp: &str, body: &[u8], signature_hex: &str) -> bool {
    let Ok(given) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    event_mac(secret, timestamp, body)
        .verify_slice(&given)
        .is_ok()
}

/// The `key` query parameter of the Outbound Message endpoint URL, lower-case hex (what
/// `printf 'outbound-messages' | openssl dgst -sha256 -hmac "$SECRET"` prints).
pub fn outbound_key(secret: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(OUTBOUND_KEY_MESSAGE);
    hex::encode(m.finalize().into_bytes())
}

/// True when `key_hex` is the Outbound Message key (constant-time).
pub fn verify_outbound_key(secret: &[u8], key_hex: &str) -> bool {
    let Ok(given) = hex::decode(key_hex.trim()) else {
        return false;
    };
    let mut m = mac(secret);
    m.update(OUTBOUND_KEY_MESSAGE);
    m.verify_slice(&given).is_ok()
}

/// True when the signed timestamp (unix seconds) is within [`MAX_SKEW_SECONDS`] of `now`.
pub fn fresh(timestamp: i64, now: i64) -> bool {
    timestamp
        .checked_sub(now)
        .is_some_and(|d| d.abs() <= MAX_SKEW_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"an-example-shared-secret-of-at-least-32-bytes";

    #[test]
    fn signatures_match_openssl() {
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac "$SECRET"
        assert_eq!(
            sign_event(SECRET, "1700000000", br#"{"a":1}"#),
            "eb1a58d50249b2d4cfae1b436bd4ca2fb09c0863680f1d71904ccdcd3acae4aa"
        );
        // printf 'outbound-messages' | openssl dgst -sha256 -hmac "$SECRET"
        assert_eq!(
            outbound_key(SECRET),
            "edaebf1dc92950da8975b1c93cae6bec2c2397e7e97a8fee93eda73200ce4879"
        );
    }

    #[test]
    fn verification_refuses_any_change() {
        let sig = sign_event(SECRET, "1700000000", b"{}");
        assert!(verify_event(SECRET, "1700000000", b"{}", &sig));
        assert!(verify_event(
            SECRET,
            "1700000000",
            b"{}",
            &sig.to_ascii_uppercase()
        ));
        assert!(!verify_event(SECRET, "1700000001", b"{}", &sig));
        assert!(!verify_event(SECRET, "1700000000", b"{ }", &sig));
        assert!(!verify_event(b"another-secret", "1700000000", b"{}", &sig));
        assert!(!verify_event(SECRET, "1700000000", b"{}", &sig[..62]));
        assert!(!verify_event(SECRET, "1700000000", b"{}", "zz"));
        assert!(!verify_event(SECRET, "1700000000", b"{}", ""));
        let key = outbound_key(SECRET);
        assert!(verify_outbound_key(SECRET, &key));
        assert!(!verify_outbound_key(SECRET, &key[2..]));
        assert!(!verify_outbound_key(
            SECRET,
            std::str::from_utf8(SECRET).unwrap()
        ));
    }

    #[test]
    fn timestamps_must_be_within_five_minutes() {
        assert!(fresh(1000, 1000));
        assert!(fresh(1300, 1000));
        assert!(fresh(700, 1000));
        assert!(!fresh(1301, 1000));
        assert!(!fresh(699, 1000));
        assert!(!fresh(i64::MIN, 1000));
    }
}
