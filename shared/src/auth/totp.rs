//! Time-based one-time passwords (RFC 6238 over HOTP, RFC 4226): HMAC-SHA1, 30-second steps,
//! 6 digits, what every authenticator app uses. Secrets are 20 random bytes, shown to the
//! user in base32 (RFC 4648, no padding) and in an `otpauth://` URI for QR codes.

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one (clock drift, slow typing).
pub const WINDOW: i64 = 1;
/// Bytes of a new secret (160 bits, the RFC 4226 recommendation).
pub const SECRET_BYTES: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648) without padding.
pub fn base32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// Decodes base32, ignoring case, spaces, dashes and `=` padding. `None` for any other
/// character or for leftover bits that are not zero.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars() {
        if matches!(c, ' ' | '-' | '=') {
            continue;
        }
        let c = c.to_ascii_uppercase() as u8;
        let value = ALPHABET.iter().position(|&a| a == c)? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (buffer == 0).then_some(out)
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).expect("operating system random source");
    secret
}

/// HOTP (RFC 4226): the code of `counter`, with `digits` digits (6 to 8).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = (hash[hash.len() - 1] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// The step of a Unix time.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code of a step, as the user types it (zero-padded).
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    let width = DIGITS as usize;
    format!(
        "{:0width$}",
        hotp(secret, step.max(0) as u64, DIGITS),
        width = width
    )
}

/// The code shown at a Unix time.
pub fn code_at(secret: &[u8], unix_secs: i64) -> String {
    code_for_step(secret, step_at(unix_secs))
}

/// The step whose code `code` is, within [`WINDOW`] steps of `unix_secs`, and later than
/// `after` (the last step used: a code is never accepted twice). Spaces in the code are
/// ignored; the comparison takes the same time whatever the code.
pub fn verify(secret: &[u8], code: &str, unix_secs: i64, after: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_secs);
    let mut found = None;
    for step in (now - WINDOW)..=(now + WINDOW) {
        let matches = constant_time_eq(code_for_step(secret, step).as_bytes(), code.as_bytes());
        if matches && after.is_none_or(|a| step > a) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// Equal bytes, in a time that does not depend on where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `otpauth://` URI authenticator apps read (usually from a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let issuer_enc = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer_enc}:{}?secret={}&issuer={issuer_enc}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        percent_encode(account),
        base32_encode(secret),
    )
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn totp_matches_the_rfc_6238_sha1_test_vectors() {
        // RFC 6238, appendix B (SHA1, 8 digits).
        for (t, expected) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(hotp(RFC_SECRET, step_at(t) as u64, 8), expected, "T={t}");
        }
        assert_eq!(code_at(RFC_SECRET, 59), "287082");
        assert_eq!(code_at(RFC_SECRET, 1111111109), "081804", "zero-padded");
    }

    #[test]
    fn hotp_matches_the_rfc_4226_test_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.into_iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), code);
        }
    }

    #[test]
    fn base32_follows_rfc_4648() {
        for (raw, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(raw.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), raw.as_bytes());
        }
        assert_eq!(
            base32_encode(RFC_SECRET),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(
            base32_decode("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq").unwrap(),
            RFC_SECRET
        );
        assert_eq!(base32_decode("MZXW6===").unwrap(), b"foo");
        assert!(base32_decode("MZXW1").is_none(), "1 is not base32");
        assert!(base32_decode("MZ1").is_none());
        let secret = new_secret();
        assert_eq!(base32_decode(&base32_encode(&secret)).unwrap(), secret);
    }

    #[test]
    fn codes_one_step_either_side_are_accepted_and_never_twice() {
        let t = 1_234_567_890;
        let now = step_at(t);
        for step in [now - 1, now, now + 1] {
            let code = code_for_step(RFC_SECRET, step);
            assert_eq!(verify(RFC_SECRET, &code, t, None), Some(step));
        }
        for step in [now - 2, now + 2] {
            let code = code_for_step(RFC_SECRET, step);
            assert_eq!(verify(RFC_SECRET, &code, t, None), None, "step {step}");
        }
        let code = code_for_step(RFC_SECRET, now);
        assert_eq!(verify(RFC_SECRET, &code, t, Some(now)), None, "replayed");
        assert_eq!(verify(RFC_SECRET, &code, t, Some(now - 1)), Some(now));
        let later = code_for_step(RFC_SECRET, now + 1);
        assert_eq!(verify(RFC_SECRET, &later, t, Some(now)), Some(now + 1));
        assert_eq!(
            verify(RFC_SECRET, "890 059", t + 30, None),
            None,
            "wrong code"
        );
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify(RFC_SECRET, &spaced, t, None), Some(now));
        assert_eq!(verify(RFC_SECRET, "12345", t, None), None);
        assert_eq!(verify(RFC_SECRET, "abcdef", t, None), None);
    }

    #[test]
    fn the_otpauth_uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri("Acme Ltd", "ada@example.com", RFC_SECRET);
        assert_eq!(
            uri,
            "otpauth://totp/Acme%20Ltd:ada@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20Ltd&algorithm=SHA1&digits=6&period=30"
        );
    }
}
