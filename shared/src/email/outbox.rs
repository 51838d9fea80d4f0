//! The outbox: emails are written as items in the same transaction as the change that causes
//! them, then delivered. Delivery claims a message (a lease), sends it, marks it sent; a
//! failure schedules a retry with backoff, and after [`MAX_ATTEMPTS`] the message is `failed`
//! (listed for admins). A crash between sending and marking resends after the lease expires:
//! delivery is at least once, and the Message-ID is the outbox id so duplicates are
//! recognisable.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{EmailMessage, Mailer};
use crate::store::{
    Condition, Index, Query, SkRange, Store, StoreError, Update, WriteOp, keys, to_item,
};

pub const MAX_ATTEMPTS: i64 = 5;
/// How long a claimed message is reserved for the sender that claimed it.
pub const LEASE_SECS: i64 = 120;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxRecord {
    pub id: String,
    /// What caused the message (`invite`, `password_reset`, ...).
    pub kind: String,
    pub message: EmailMessage,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
    /// Epoch seconds before which no retry is made.
    pub next_attempt_at: i64,
    #[serde(default)]
    pub claimed_at: Option<i64>,
    #[serde(default)]
    pub last_error: Option<String>,
}

/// A new outbox message and the write that stores it (to put in the change's transaction).
pub fn enqueue(kind: &str, message: EmailMessage) -> Result<(String, WriteOp), StoreError> {
    let now = Utc::now();
    let id = uuid::Uuid::now_v7().to_string();
    let record = OutboxRecord {
        id: id.clone(),
        kind: kind.into(),
        message,
        status: "pending".into(),
        attempts: 0,
        created_at: now.to_rfc3339(),
        next_attempt_at: now.timestamp(),
        claimed_at: None,
        last_error: None,
    };
    let mut item = to_item(&keys::outbox(&id), &record)?;
    let (p, s) = Index::Gsi1.attributes();
    item.insert(p.into(), Value::String(keys::OUTBOX_PENDING.into()));
    item.insert(
        s.into(),
        Value::String(format!("{}#{id}", record.created_at)),
    );
    Ok((id, WriteOp::put_new(item)))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Someone else holds it, or it is already sent, failed or not yet due.
    Skipped,
    /// Sending failed; retried later (or `failed` after the last attempt).
    Failed,
}

/// Delivers one message if it is due and unclaimed.
pub async fn deliver(store: &Store, mailer: &Mailer, id: &str) -> Result<Delivery, StoreError> {
    let key = keys::outbox(id);
    let now = Utc::now().timestamp();
    let claim = Condition::Or(vec![
        Condition::And(vec![
            Condition::eq("status", "pending"),
            Condition::Le("next_attempt_at".into(), now.into()),
        ]),
        Condition::And(vec![
            Condition::eq("status", "sending"),
            Condition::Lt("claimed_at".into(), (now - LEASE_SECS).into()),
        ]),
    ]);
    let claimed = match store
        .update(
            &key,
            vec![
                Update::set("status", "sending"),
                Update::set("claimed_at", now),
            ],
            Some(claim),
        )
        .await
    {
        Ok(item) => item,
        Err(StoreError::ConditionFailed) => return Ok(Delivery::Skipped),
        Err(e) => return Err(e),
    };
    let record: OutboxRecord = crate::store::from_item(claimed)?;
    let (gp, gs) = Index::Gsi1.attributes();
    let still_ours = Some(Condition::And(vec![
        Condition::eq("status", "sending"),
        Condition::eq("claimed_at", now),
    ]));
    match mailer.send(&record.id, &record.message).await {
        Ok(()) => {
            store
                .update(
                    &key,
                    vec![
                        Update::set("status", "sent"),
                        Update::set("sent_at", Utc::now().to_rfc3339()),
                        Update::add("attempts", 1),
                        Update::remove(gp),
                        Update::remove(gs),
                    ],
                    still_ours,
                )
                .await
                .or_else(|e| {
                    if matches!(e, StoreError::ConditionFailed) {
                        Ok(Default::default())
                    } else {
                        Err(e)
                    }
                })?;
            tracing::info!(outbox_id = %record.id, kind = %record.kind, "email sent");
            Ok(Delivery::Sent)
        }
        Err(err) => {
            let attempts = record.attempts + 1;
            tracing::warn!(outbox_id = %record.id, attempts, error = %err, "email send failed");
            let mut updates = vec![
                Update::add("attempts", 1),
                Update::set("last_error", "the mail service refused or failed the send"),
            ];
            if attempts >= MAX_ATTEMPTS {
                updates.push(Update::set("status", "failed"));
                updates.push(Update::set(gp, keys::OUTBOX_FAILED));
            } else {
                updates.push(Update::set("status", "pending"));
                updates.push(Update::set("next_attempt_at", now + backoff_secs(attempts)));
            }
            store.update(&key, updates, still_ours).await.or_else(|e| {
                if matches!(e, StoreError::ConditionFailed) {
                    Ok(Default::default())
                } else {
                    Err(e)
                }
            })?;
            Ok(Delivery::Failed)
        }
    }
}

/// Retry delay after `attempts` failures: 30 s, 1 min, 2 min, 4 min...
pub fn backoff_secs(attempts: i64) -> i64 {
    30 * (1 << (attempts - 1).clamp(0, 10))
}

/// Delivers every due message of the pending index (oldest first). Returns how many were sent.
pub async fn drain(store: &Store, mailer: &Mailer) -> Result<usize, StoreError> {
    let mut sent = 0;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::index(Index::Gsi1, keys::OUTBOX_PENDING)
                    .range(SkRange::All)
                    .limit(50)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            if let Some(id) = item.get("id").and_then(Value::as_str) {
                if deliver(store, mailer, id).await? == Delivery::Sent {
                    sent += 1;
                }
            }
        }
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(sent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows() {
        assert_eq!(backoff_secs(1), 30);
        assert_eq!(backoff_secs(2), 60);
        assert_eq!(backoff_secs(4), 240);
    }

    #[tokio::test]
    async fn a_message_is_written_once_and_marked_sent() {
        let store = Store::memory();
        let dir = std::env::temp_dir().join(format!("erp-outbox-{}", uuid::Uuid::new_v4()));
        let mailer = Mailer::Files {
            dir: dir.clone(),
            from: "erp@example.com".into(),
        };
        let msg = crate::email::templates::password_reset("a@b.co", "A", "http://x", "tok", 30);
        let (id, op) = enqueue("password_reset", msg).unwrap();
        store.transact(vec![op]).await.unwrap();
        assert_eq!(drain(&store, &mailer).await.unwrap(), 1);
        assert_eq!(drain(&store, &mailer).await.unwrap(), 0);
        assert_eq!(
            deliver(&store, &mailer, &id).await.unwrap(),
            Delivery::Skipped
        );
        assert!(dir.join(format!("{id}.eml")).exists());
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "sent");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_failing_send_is_retried_later_and_not_lost() {
        let store = Store::memory();
        // A file where the folder should be: every write fails.
        let blocker =
            std::env::temp_dir().join(format!("erp-outbox-block-{}", uuid::Uuid::new_v4()));
        std::fs::write(&blocker, b"x").unwrap();
        let mailer = Mailer::Files {
            dir: blocker.join("sub"),
            from: "erp@example.com".into(),
        };
        let (id, op) = enqueue(
            "invite",
            crate::email::templates::invite("a@b.co", "A", "http://x", "t", 72),
        )
        .unwrap();
        store.transact(vec![op]).await.unwrap();
        assert_eq!(
            deliver(&store, &mailer, &id).await.unwrap(),
            Delivery::Failed
        );
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "pending");
        assert_eq!(item["attempts"], 1);
        // Not due yet: a second attempt right away is skipped.
        assert_eq!(
            deliver(&store, &mailer, &id).await.unwrap(),
            Delivery::Skipped
        );
        std::fs::remove_file(blocker).ok();
    }
}
