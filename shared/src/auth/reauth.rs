//! Proof of a fresh sign-in ("sudo mode"). `POST /auth/reauth` checks the password (and the
//! second factor when it is on) and answers a random token, stored hashed for
//! [`REAUTH_TTL_SECS`] and bound to the user. Sensitive changes (the company's bank details)
//! need it in the [`REAUTH_HEADER`] header of the request.

use axum::http::HeaderMap;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{random_token, sha256_hex};
use crate::error::Problem;
use crate::store::{Store, StoreResult, WriteOp, from_item, keys, table, to_item};

/// A proof is valid this long after the password was checked.
pub const REAUTH_TTL_SECS: i64 = 5 * 60;
/// The request header carrying the proof.
pub const REAUTH_HEADER: &str = "x-reauth";
/// The problem slug of a missing, expired or foreign proof.
pub const REAUTH_REQUIRED: &str = "reauth-required";

#[derive(Serialize, Deserialize)]
struct Proof {
    user_id: String,
    /// Epoch seconds.
    expires_at: i64,
}

/// A new proof for the user: the token to hand back, and the write that stores its hash.
pub fn issue(user_id: &str) -> StoreResult<(String, WriteOp)> {
    let token = random_token(32);
    let expires_at = Utc::now().timestamp() + REAUTH_TTL_SECS;
    let mut item = to_item(
        &keys::reauth(&sha256_hex(&token)),
        &Proof {
            user_id: user_id.into(),
            expires_at,
        },
    )?;
    item.insert(table::TTL.into(), Value::from(expires_at));
    Ok((token, WriteOp::put_new(item)))
}

/// The problem answered when a change needs a fresh sign-in and the request has no valid
/// proof.
pub fn required(what: &str, detail: &str) -> Problem {
    Problem::forbidden(
        REAUTH_REQUIRED,
        format!(
            "{what} needs a fresh sign-in: {detail}POST /api/v1/auth/reauth with your password \
             (and your two-factor code when it is on), then repeat the request with the token \
             in the X-Reauth header (valid {} minutes).",
            REAUTH_TTL_SECS / 60
        ),
    )
}

/// Checks that the request carries a live proof of this user. `what` names the change in
/// the problem (e.g. "Changing the bank details").
pub async fn check(
    store: &Store,
    headers: &HeaderMap,
    user_id: &str,
    what: &str,
) -> Result<(), Problem> {
    let Some(token) = headers
        .get(REAUTH_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= 200)
    else {
        return Err(required(what, ""));
    };
    let proof: Option<Proof> = store
        .get(&keys::reauth(&sha256_hex(token)))
        .await?
        .map(from_item)
        .transpose()?;
    match proof {
        Some(p) if p.user_id == user_id && p.expires_at > Utc::now().timestamp() => Ok(()),
        _ => Err(required(
            what,
            "the sign-in proof is expired or not yours. ",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(token: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(REAUTH_HEADER, token.parse().unwrap());
        h
    }

    #[tokio::test]
    async fn a_proof_works_for_its_user_only_and_is_stored_hashed() {
        let store = Store::memory();
        let (token, op) = issue("u1").unwrap();
        store.transact(vec![op]).await.unwrap();
        assert!(store.get(&keys::reauth(&token)).await.unwrap().is_none());
        check(&store, &with(&token), "u1", "X").await.unwrap();
        let other = check(&store, &with(&token), "u2", "X").await.unwrap_err();
        assert_eq!(other.kind, REAUTH_REQUIRED);
        let missing = check(&store, &HeaderMap::new(), "u1", "X")
            .await
            .unwrap_err();
        assert_eq!(missing.kind, REAUTH_REQUIRED);
        let forged = check(&store, &with("nope"), "u1", "X").await.unwrap_err();
        assert_eq!(forged.status, axum::http::StatusCode::FORBIDDEN);
    }
}
