//! Pagination: `limit` + an opaque cursor signed with HMAC-SHA256, bound to the list it came
//! from, so a forged, altered or transplanted cursor is a 400 and never a read of other data.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::Problem;
use crate::secrets::{CURSOR_KEY_LABEL, SigningKeys};
use crate::store::Cursor;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
const TAG_BYTES: usize = 16;

/// `limit` and `cursor` query parameters, common to every list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 100 (default 25).
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    pub fn limit(&self) -> Result<usize, Problem> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(Problem::field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }
}

/// A page of a list, as every list endpoint answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Signs and checks cursors with keys derived from the application's signing keys
/// ([`SigningKey::derive`] with [`CURSOR_KEY_LABEL`]): a cursor's MAC never uses the key that
/// signs access tokens, so neither can stand in for the other.
pub struct CursorCodec {
    /// Derived from the current signing key, then from the previous one.
    keys: Vec<[u8; 32]>,
}

fn tag(key: &[u8], scope: &str, payload: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("hmac accepts any key length");
    mac.update(b"erp-cursor\0");
    mac.update(scope.as_bytes());
    mac.update(b"\0");
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
}

impl CursorCodec {
    pub fn new(keys: &SigningKeys) -> Self {
        Self {
            keys: keys.all().map(|k| k.derive(CURSOR_KEY_LABEL)).collect(),
        }
    }

    /// `scope` names the list and its filters (e.g. `users?status=pending`).
    pub fn encode(&self, scope: &str, cursor: &Cursor) -> String {
        let payload = B64.encode(serde_json::to_vec(cursor).expect("cursor serialises"));
        let t = tag(&self.keys[0], scope, &payload);
        format!("{payload}.{}", B64.encode(t))
    }

    pub fn decode(&self, scope: &str, token: &str) -> Result<Cursor, Problem> {
        let bad = || Problem::bad_request("invalid-cursor", "The cursor is invalid for this list.");
        let (payload, t) = token.split_once('.').ok_or_else(bad)?;
        let t = B64.decode(t).map_err(|_| bad())?;
        let valid = t.len() == TAG_BYTES
            && self
                .keys
                .iter()
                .any(|k| crate::auth::totp::constant_time_eq(&tag(k, scope, payload), &t));
        if !valid {
            return Err(bad());
        }
        let bytes = B64.decode(payload).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }

    pub fn decode_opt(&self, scope: &str, token: Option<&str>) -> Result<Option<Cursor>, Problem> {
        token.map(|t| self.decode(scope, t)).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SigningKey;
    use std::collections::BTreeMap;

    fn keys() -> SigningKeys {
        SigningKeys {
            current: SigningKey {
                kid: "k".into(),
                secret: vec![7; 32],
            },
            previous: None,
        }
    }

    fn cursor() -> Cursor {
        Cursor(BTreeMap::from([
            ("pk".to_string(), "USER#1".to_string()),
            ("sk".to_string(), "USER".to_string()),
        ]))
    }

    #[test]
    fn round_trips_within_its_scope() {
        let k = keys();
        let c = CursorCodec::new(&k);
        let token = c.encode("users", &cursor());
        assert_eq!(c.decode("users", &token).unwrap(), cursor());
    }

    #[test]
    fn altered_forged_or_transplanted_cursors_are_rejected() {
        let k = keys();
        let c = CursorCodec::new(&k);
        let token = c.encode("users", &cursor());
        assert!(c.decode("customers", &token).is_err());
        let (payload, t) = token.split_once('.').unwrap();
        let mut forged = cursor();
        forged.0.insert("pk".into(), "USER#2".into());
        let forged_payload = B64.encode(serde_json::to_vec(&forged).unwrap());
        assert!(c.decode("users", &format!("{forged_payload}.{t}")).is_err());
        assert!(c.decode("users", payload).is_err());
        assert!(c.decode("users", "garbage").is_err());
        assert!(c.decode("users", &format!("{payload}.")).is_err());
    }

    /// The cursor key is derived from the signing key, never the signing key itself: a
    /// cursor MAC'd with the token key is refused, and a rotation keeps the previous
    /// key's cursors valid.
    #[test]
    fn cursors_are_signed_with_a_derived_key_not_the_token_key() {
        let k = keys();
        let c = CursorCodec::new(&k);
        let token = c.encode("users", &cursor());
        let (payload, t) = token.split_once('.').unwrap();
        let with_token_key = B64.encode(tag(&k.current.secret, "users", payload));
        assert_ne!(t, with_token_key);
        assert!(
            c.decode("users", &format!("{payload}.{with_token_key}"))
                .is_err()
        );
        let derived = k.current.derive(CURSOR_KEY_LABEL);
        assert_ne!(derived.as_slice(), k.current.secret.as_slice());
        assert_eq!(t, B64.encode(tag(&derived, "users", payload)));

        let rotated = SigningKeys {
            current: SigningKey {
                kid: "k2".into(),
                secret: vec![9; 32],
            },
            previous: Some(k.current.clone()),
        };
        let after = CursorCodec::new(&rotated);
        assert_eq!(after.decode("users", &token).unwrap(), cursor());
        assert_ne!(after.encode("users", &cursor()), token);
    }

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(ListParams::default().limit().unwrap(), 25);
        assert!(
            ListParams {
                limit: Some(0),
                cursor: None
            }
            .limit()
            .is_err()
        );
        assert!(
            ListParams {
                limit: Some(101),
                cursor: None
            }
            .limit()
            .is_err()
        );
        assert_eq!(
            ListParams {
                limit: Some(100),
                cursor: None
            }
            .limit()
            .unwrap(),
            100
        );
    }
}
