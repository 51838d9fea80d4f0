//! Login throttling that keeps brute force out without handing outsiders a lock.
//!
//! Three token buckets, each an item of the table, are drawn from *before* a password is
//! checked, in one conditional transaction, so requests in flight at the same time (during
//! the argon2 window) each take their own token and none gets an extra guess:
//!
//! - **account from an address** (`LOGINLOCK#<email>#<address>`): 5 attempts, then one a
//!   minute. An empty bucket refuses the attempt, but only from that address: someone
//!   guessing from elsewhere cannot lock the owner out.
//! - **address** (`LOGINIP#<address>`): 20 attempts across all accounts, then one every 30
//!   seconds: one client cannot spray many accounts.
//! - **account** (`LOGINLOCK#<email>`): 10 attempts from anywhere, then one a minute. An
//!   empty bucket never refuses; it slows every attempt on the account down by
//!   [`SLOWDOWN`], which costs a distributed guesser far more than the owner.
//!
//! A successful login refills the account's buckets and gives the address back its token. An
//! admin unlock
//! (`POST /users/{id}/unlock`) refills the account's buckets from every address: it counts
//! `unlocks` on the account's bucket, and a bucket drawn before the last unlock is full. Answers
//! never say when an attempt will be allowed again.

use std::time::Duration;

use serde_json::Value;

use crate::store::{Condition, Item, Key, Store, StoreError, StoreResult, WriteOp, table};

/// Delay of every attempt on an account whose own bucket is empty.
pub const SLOWDOWN: Duration = Duration::from_secs(2);

/// A bucket's shape: how many attempts it holds and how fast one comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub capacity: i64,
    pub refill_secs: i64,
}

pub const PER_ACCOUNT_AND_ADDRESS: Rate = Rate {
    capacity: 5,
    refill_secs: 60,
};
pub const PER_ADDRESS: Rate = Rate {
    capacity: 20,
    refill_secs: 30,
};
pub const PER_ACCOUNT: Rate = Rate {
    capacity: 10,
    refill_secs: 60,
};

/// A bucket as stored: tokens left at `at` (epoch seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub tokens: i64,
    pub at: i64,
}

impl Bucket {
    pub fn full(rate: Rate, now: i64) -> Self {
        Self {
            tokens: rate.capacity,
            at: now,
        }
    }

    /// The bucket at `now`: whole tokens refilled since `at`, never above capacity.
    pub fn refilled(self, rate: Rate, now: i64) -> Self {
        let elapsed = (now - self.at).max(0);
        let added = elapsed / rate.refill_secs;
        let tokens = self.tokens + added;
        if tokens >= rate.capacity {
            Self::full(rate, now)
        } else {
            Self {
                tokens,
                at: self.at + added * rate.refill_secs,
            }
        }
    }

    /// Takes one token, if there is one.
    pub fn take(self) -> Option<Self> {
        (self.tokens >= 1).then_some(Self {
            tokens: self.tokens - 1,
            at: self.at,
        })
    }
}

pub fn account_key(email: &str) -> Key {
    crate::store::keys::login_lock(email)
}
pub fn pair_key(email: &str, address: &str) -> Key {
    Key::new(
        format!("LOGINLOCK#{email}#{address}"),
        crate::store::keys::LOGIN_LOCK_SK,
    )
}
pub fn address_key(address: &str) -> Key {
    Key::new(format!("LOGINIP#{address}"), "LOGINIP")
}

/// What the buckets allow.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password; `slow` asks for [`SLOWDOWN`] first.
    Attempt { slow: bool },
    /// Too many attempts from this address (for this account or for all).
    Refused,
}

struct Drawn {
    key: Key,
    found: Option<Item>,
    bucket: Bucket,
}

fn stored_bucket(item: Option<&Item>) -> Option<(Bucket, i64)> {
    let item = item?;
    Some((
        Bucket {
            tokens: item.get("tokens")?.as_i64()?,
            at: item.get("at")?.as_i64()?,
        },
        item.get("v").and_then(Value::as_i64).unwrap_or(0),
    ))
}

/// How many times an admin unlocked the account: buckets drawn before the last unlock
/// count as full.
fn unlocks(item: Option<&Item>) -> i64 {
    item.and_then(|i| i.get("unlocks"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn draw(key: Key, found: Option<Item>, rate: Rate, now: i64, unlocked: i64) -> Drawn {
    let bucket = match stored_bucket(found.as_ref()) {
        Some((b, _)) if unlocks(found.as_ref()) >= unlocked => b.refilled(rate, now),
        _ => Bucket::full(rate, now),
    };
    Drawn { key, found, bucket }
}

/// The write that stores `bucket`, only if nobody drew from it since it was read.
fn save(d: &Drawn, bucket: Bucket, extra: &[(&str, Value)]) -> WriteOp {
    let version = d
        .found
        .as_ref()
        .and_then(|i| i.get("v"))
        .and_then(Value::as_i64);
    let mut item = Item::new();
    item.insert(table::PK.into(), d.key.pk.clone().into());
    item.insert(table::SK.into(), d.key.sk.clone().into());
    item.insert("tokens".into(), bucket.tokens.into());
    item.insert("at".into(), bucket.at.into());
    item.insert("v".into(), (version.unwrap_or(0) + 1).into());
    // Kept a day after the last attempt; a missing bucket is a full one.
    item.insert(table::TTL.into(), (bucket.at + 86_400).into());
    for (k, v) in extra {
        item.insert((*k).into(), v.clone());
    }
    let condition = match (&d.found, version) {
        (None, _) => Condition::NotExists,
        (Some(_), Some(v)) => Condition::eq("v", v),
        (Some(_), None) => Condition::AttrNotExists("v".into()),
    };
    WriteOp::Put {
        item,
        condition: Some(condition),
    }
}

/// Draws one attempt for `email` from `address`, before the password is checked. Retries a
/// few times when concurrent attempts drew first.
pub async fn attempt(store: &Store, email: &str, address: &str, now: i64) -> StoreResult<Verdict> {
    let keys = [
        pair_key(email, address),
        address_key(address),
        account_key(email),
    ];
    for _ in 0..8 {
        let found = store.batch_get(&keys).await?;
        let find = |k: &Key| {
            found
                .iter()
                .find(|i| Key::of(i).as_ref() == Some(k))
                .cloned()
        };
        let account_item = find(&keys[2]);
        let unlocked = unlocks(account_item.as_ref());
        let pair = draw(
            keys[0].clone(),
            find(&keys[0]),
            PER_ACCOUNT_AND_ADDRESS,
            now,
            unlocked,
        );
        let addr = draw(keys[1].clone(), find(&keys[1]), PER_ADDRESS, now, 0);
        let account = draw(keys[2].clone(), account_item, PER_ACCOUNT, now, 0);
        let (Some(pair_left), Some(addr_left)) = (pair.bucket.take(), addr.bucket.take()) else {
            return Ok(Verdict::Refused);
        };
        let account_left = account.bucket.take();
        let epoch = [("unlocks", Value::from(unlocked))];
        let ops = vec![
            save(&pair, pair_left, &epoch),
            save(&addr, addr_left, &[]),
            save(&account, account_left.unwrap_or(account.bucket), &epoch),
        ];
        match store.transact(ops).await {
            Ok(()) => {
                return Ok(Verdict::Attempt {
                    slow: account_left.is_none(),
                });
            }
            Err(e) if e.is_condition() || matches!(e, StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    // Lost every race: so many concurrent attempts are themselves too many.
    Ok(Verdict::Refused)
}

/// Requests that email an address the client chose (registration, password reset), per
/// client address: 20 (an office registering its staff at once), then one every 3 minutes. Each address already gets at most one such
/// email per 15 minutes (`accounts::mail_cooldown_op`); this keeps one client from mailing
/// many addresses through us.
pub const EMAILS_PER_ADDRESS: Rate = Rate {
    capacity: 20,
    refill_secs: 180,
};

pub fn email_key(address: &str) -> Key {
    Key::new(format!("MAILIP#{address}"), "MAILIP")
}

/// Draws one email-sending request from the client address's bucket; `false` when it is
/// empty.
pub async fn email_request(store: &Store, address: &str, now: i64) -> StoreResult<bool> {
    let key = email_key(address);
    for _ in 0..8 {
        let found = store.get(&key).await?;
        let bucket = draw(key.clone(), found, EMAILS_PER_ADDRESS, now, 0);
        let Some(left) = bucket.bucket.take() else {
            return Ok(false);
        };
        match store.transact(vec![save(&bucket, left, &[])]).await {
            Ok(()) => return Ok(true),
            Err(e) if e.is_condition() || matches!(e, StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// After a successful login: the account's bucket and this address's bucket for it are
/// full again, and the address gets back the attempt it spent (its bucket counts what fails:
/// an office signing in through one address is never refused for signing in).
pub fn success_ops(email: &str, address: &str) -> Vec<WriteOp> {
    use crate::store::Update;
    vec![
        WriteOp::Delete {
            key: pair_key(email, address),
            condition: None,
        },
        WriteOp::Delete {
            key: account_key(email),
            condition: None,
        },
        WriteOp::Update {
            key: address_key(address),
            // Should the bucket be gone (its TTL), this leaves a full one: `at` 0.
            updates: vec![
                Update::add("tokens", 1),
                Update::add("v", 1),
                Update::SetIfMissing("at".into(), Value::from(0)),
            ],
            condition: None,
        },
    ]
}

/// An admin's unlock: every address's bucket for the account counts as full from now on,
/// and so does the account's own.
pub fn unlock_op(email: &str, now: i64) -> WriteOp {
    use crate::store::Update;
    WriteOp::Update {
        key: account_key(email),
        updates: vec![
            Update::set("tokens", PER_ACCOUNT.capacity),
            Update::set("at", now),
            Update::add("unlocks", 1),
            Update::add("v", 1),
            Update::set(table::TTL, now + 86_400),
        ],
        condition: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_one_token_per_period_up_to_capacity() {
        let r = PER_ACCOUNT_AND_ADDRESS;
        let mut b = Bucket::full(r, 1000);
        for _ in 0..5 {
            b = b.take().unwrap();
        }
        assert_eq!(b.take(), None);
        assert_eq!(b.refilled(r, 1059).tokens, 0);
        let one = b.refilled(r, 1061);
        assert_eq!((one.tokens, one.at), (1, 1060));
        assert_eq!(b.refilled(r, 1000 + 3600), Bucket::full(r, 4600));
    }

    #[tokio::test]
    async fn concurrent_attempts_each_take_their_own_token() {
        let store = Store::memory();
        let now = chrono::Utc::now().timestamp();
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { attempt(&store, "a@b.co", "10.0.0.1", now).await })
            })
            .collect();
        let mut allowed = 0;
        for t in tasks {
            if let Verdict::Attempt { .. } = t.await.unwrap().unwrap() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, PER_ACCOUNT_AND_ADDRESS.capacity);
        // Another address is not refused for this account.
        assert!(matches!(
            attempt(&store, "a@b.co", "10.0.0.2", now).await.unwrap(),
            Verdict::Attempt { .. }
        ));
        // An admin unlock lets the first address in again.
        store
            .transact(vec![unlock_op("a@b.co", now)])
            .await
            .unwrap();
        assert!(matches!(
            attempt(&store, "a@b.co", "10.0.0.1", now).await.unwrap(),
            Verdict::Attempt { .. }
        ));
    }

    #[tokio::test]
    async fn one_client_cannot_mail_many_addresses() {
        let store = Store::memory();
        let now = chrono::Utc::now().timestamp();
        for _ in 0..EMAILS_PER_ADDRESS.capacity {
            assert!(email_request(&store, "10.0.0.7", now).await.unwrap());
        }
        assert!(!email_request(&store, "10.0.0.7", now).await.unwrap());
        assert!(email_request(&store, "10.0.0.8", now).await.unwrap());
        let later = now + EMAILS_PER_ADDRESS.refill_secs;
        assert!(email_request(&store, "10.0.0.7", later).await.unwrap());
    }

    #[tokio::test]
    async fn sign_ins_that_succeed_never_use_up_an_address() {
        let store = Store::memory();
        let now = chrono::Utc::now().timestamp();
        // A refund to a bucket that is gone (its TTL) leaves a usable one.
        store
            .transact(success_ops("x@b.co", "10.0.0.10"))
            .await
            .unwrap();
        for i in 0..(PER_ADDRESS.capacity * 3) {
            let email = format!("staff{i}@b.co");
            let v = attempt(&store, &email, "10.0.0.10", now).await.unwrap();
            assert_eq!(v, Verdict::Attempt { slow: false }, "sign-in {i}");
            store
                .transact(success_ops(&email, "10.0.0.10"))
                .await
                .unwrap();
        }
    }

    #[tokio::test]
    async fn an_address_cannot_spray_many_accounts() {
        let store = Store::memory();
        let now = chrono::Utc::now().timestamp();
        for i in 0..PER_ADDRESS.capacity {
            let v = attempt(&store, &format!("u{i}@b.co"), "10.0.0.9", now).await;
            assert!(matches!(v.unwrap(), Verdict::Attempt { .. }));
        }
        assert_eq!(
            attempt(&store, "last@b.co", "10.0.0.9", now).await.unwrap(),
            Verdict::Refused
        );
    }

    #[tokio::test]
    async fn an_account_guessed_from_everywhere_is_slowed_never_locked() {
        let store = Store::memory();
        let now = chrono::Utc::now().timestamp();
        for i in 0..PER_ACCOUNT.capacity {
            let v = attempt(&store, "a@b.co", &format!("10.1.0.{i}"), now).await;
            assert_eq!(v.unwrap(), Verdict::Attempt { slow: false });
        }
        let v = attempt(&store, "a@b.co", "10.2.0.1", now).await.unwrap();
        assert_eq!(v, Verdict::Attempt { slow: true });
    }
}
