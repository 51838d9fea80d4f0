//! `Idempotency-Key` for creates: a retry with the same key returns the first result and
//! writes nothing new.
//!
//! - The key is the caller's own: it is stored under a scope that names the endpoint and
//!   the caller (`payment#<user id>`), so two users never share one.
//! - The request is fingerprinted; the same key with another request is a 422.
//! - The record (fingerprint and response) is written in the transaction of the create it
//!   answers for, on the condition that it does not exist yet: the create and its record
//!   commit together or not at all.
//! - When the same key commits concurrently, the record's condition fails this transaction,
//!   and the answer is the stored one.
//! - Records expire after [`TTL_SECS`].

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;

use crate::auth::sha256_hex;
use crate::error::{ApiResult, Problem};
use crate::retry::{self, Attempt};
use crate::store::{Item, Key, Store, WriteOp, keys, table, to_item};

/// Stored results of idempotent requests are kept for a day.
pub const TTL_SECS: i64 = 86_400;

/// The checked `Idempotency-Key` header of a request (absent: the request is not idempotent).
pub struct IdempotencyKey(Option<Key>);

impl IdempotencyKey {
    /// The header, checked (400 unless 1-100 visible ASCII characters), as the record key
    /// of `scope` (the endpoint and the caller).
    pub fn from_headers(headers: &HeaderMap, scope: &str) -> ApiResult<Self> {
        let Some(v) = headers.get("idempotency-key") else {
            return Ok(Self(None));
        };
        let v = v.to_str().unwrap_or_default().trim();
        if v.is_empty() || v.len() > 100 || !v.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Problem::bad_request(
                "invalid-idempotency-key",
                "Idempotency-Key must be 1-100 visible ASCII characters.",
            ));
        }
        Ok(Self(Some(keys::idempotency(scope, v))))
    }

    /// The key with the fingerprint of the request it came with (`request`: everything that
    /// makes the request what it is, in a stable text form).
    pub fn for_request(self, request: &str) -> Idempotent {
        Idempotent {
            key: self.0,
            fingerprint: sha256_hex(request),
        }
    }
}

/// A create with its idempotency key and fingerprint.
pub struct Idempotent {
    key: Option<Key>,
    fingerprint: String,
}

/// What committing an idempotent create came to.
pub enum Committed<T> {
    /// Written now, with this response.
    Written(T),
    /// The same key committed first (concurrently): its stored response.
    Replayed(Response),
}

impl Idempotent {
    /// The stored response of an earlier request with this key, if there is one.
    pub async fn replayed(&self, store: &Store) -> ApiResult<Option<Response>> {
        let Some(key) = &self.key else {
            return Ok(None);
        };
        match store.get(key).await? {
            Some(stored) => self.replay(&stored).map(Some),
            None => Ok(None),
        }
    }

    /// Writes `ops` and the record of `response` in one transaction. `None`: a concurrent
    /// writer won a condition of `ops`, run the attempt again.
    pub async fn commit<T: Serialize>(
        &self,
        store: &Store,
        mut ops: Vec<WriteOp>,
        response: T,
    ) -> Attempt<Committed<T>> {
        let record = ops.len();
        if let Some(key) = &self.key {
            let mut item = to_item(
                key,
                &serde_json::json!({ "fingerprint": self.fingerprint, "response": response }),
            )?;
            item.insert(
                table::TTL.into(),
                (chrono::Utc::now().timestamp() + TTL_SECS).into(),
            );
            ops.push(WriteOp::put_new(item));
        }
        match store.transact(ops).await {
            Err(e) if self.key.is_some() && e.failed_op(record) => {
                let stored = self
                    .replayed(store)
                    .await?
                    .ok_or_else(|| Problem::internal("idempotency record vanished"))?;
                Ok(Some(Committed::Replayed(stored)))
            }
            written => retry::settled(written, Committed::Written(response)),
        }
    }

    fn replay(&self, stored: &Item) -> ApiResult<Response> {
        if stored.get("fingerprint").and_then(Value::as_str) != Some(self.fingerprint.as_str()) {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was used for a different request.",
            ));
        }
        let body = stored.get("response").cloned().unwrap_or(Value::Null);
        Ok((StatusCode::CREATED, axum::Json(body)).into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(key: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(k) = key {
            h.insert("idempotency-key", k.parse().unwrap());
        }
        h
    }

    #[test]
    fn keys_are_checked_and_scoped() {
        assert!(
            IdempotencyKey::from_headers(&headers(None), "s")
                .unwrap()
                .0
                .is_none()
        );
        let k = IdempotencyKey::from_headers(&headers(Some(" k-1 ")), "payment#u1").unwrap();
        assert_eq!(k.0, Some(keys::idempotency("payment#u1", "k-1")));
        for bad in ["", "a b", &"x".repeat(101)] {
            let e = IdempotencyKey::from_headers(&headers(Some(bad)), "s")
                .err()
                .unwrap();
            assert_eq!(e.status, StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn a_key_replays_only_its_own_request() {
        let first = IdempotencyKey::from_headers(&headers(Some("k")), "s")
            .unwrap()
            .for_request("a|1");
        let mut stored = Item::new();
        stored.insert("fingerprint".into(), first.fingerprint.clone().into());
        stored.insert("response".into(), serde_json::json!({ "id": "p1" }));
        assert_eq!(first.replay(&stored).unwrap().status(), StatusCode::CREATED);
        let other = IdempotencyKey(first.key.clone()).for_request("a|2");
        let e = other.replay(&stored).err().unwrap();
        assert_eq!(e.kind, "idempotency-key-reused");
    }
}
