//! Function `notifier`: sends the outbox.
//!
//! - Triggered by the table's stream, filtered (in `template.yaml`) to inserted outbox items:
//!   each new message is delivered within a second of its transaction committing.
//! - Triggered every few minutes by a schedule: delivers what is due again (retries with
//!   backoff) and moves messages whose sender stopped mid-send to `failed` (see
//!   `erp_shared::email::outbox` for why they are never resent by themselves).
//!
//! A stream record that cannot be processed (the table is unreachable) is reported as a batch
//! item failure: Lambda retries it, then records it in the dead-letter queue. The message
//! itself stays `pending` in the table, so the next scheduled sweep still sends it.

use serde_json::{Value, json};

use erp_shared::email::outbox::{self, Courier};
use erp_shared::store::StoreError;

/// The outbox id of a stream record about an inserted outbox item.
fn outbox_id(record: &Value) -> Option<&str> {
    if record["eventName"].as_str() != Some("INSERT") {
        return None;
    }
    record["dynamodb"]["Keys"]["pk"]["S"]
        .as_str()?
        .strip_prefix("OUTBOX#")
}

/// Handles one invocation: a stream batch or a scheduled sweep. `now` is epoch seconds.
pub async fn handle(courier: &Courier, event: &Value, now: i64) -> Result<Value, StoreError> {
    let Some(records) = event["Records"].as_array() else {
        let report = outbox::drain(courier, now).await?;
        tracing::info!(
            sent = report.sent,
            failed = report.failed,
            uncertain = report.uncertain,
            waiting = report.waiting,
            "outbox sweep"
        );
        return Ok(json!({ "sweep": report }));
    };
    let mut failures = Vec::new();
    for record in records {
        let Some(id) = outbox_id(record) else {
            continue;
        };
        if let Err(e) = outbox::deliver(courier, id, now).await {
            tracing::error!(outbox_id = %id, error = %e, "outbox record not processed");
            if let Some(seq) = record["dynamodb"]["SequenceNumber"].as_str() {
                failures.push(json!({ "itemIdentifier": seq }));
            }
        }
    }
    Ok(json!({ "batchItemFailures": failures }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use erp_shared::email::Mailer;
    use erp_shared::store::{Store, keys};

    fn stream_insert(id: &str, seq: &str) -> Value {
        json!({
            "eventName": "INSERT",
            "eventSource": "aws:dynamodb",
            "dynamodb": {
                "Keys": { "pk": { "S": format!("OUTBOX#{id}") }, "sk": { "S": "OUTBOX" } },
                "SequenceNumber": seq,
            }
        })
    }

    async fn setup() -> (Courier, std::path::PathBuf, String) {
        let store = Store::memory();
        let dir = std::env::temp_dir().join(format!("erp-notifier-{}", uuid::Uuid::new_v4()));
        let courier = Courier {
            store: store.clone(),
            mailer: Mailer::Files {
                dir: dir.clone(),
                from: "erp@example.com".into(),
            },
            attachments: None,
            retry: outbox::Backoff::default(),
        };
        let msg = erp_shared::email::EmailMessage::plain("a@b.co", "Hello", "Hello");
        let (id, op) = outbox::enqueue("invite", msg).unwrap();
        store.transact(vec![op]).await.unwrap();
        (courier, dir, id)
    }

    #[tokio::test]
    async fn a_stream_insert_is_sent_once_even_when_the_record_is_redelivered() {
        let (courier, dir, id) = setup().await;
        let event = json!({ "Records": [stream_insert(&id, "1"), stream_insert(&id, "1")] });
        let now = chrono::Utc::now().timestamp();
        let out = handle(&courier, &event, now).await.unwrap();
        assert_eq!(out["batchItemFailures"], json!([]));
        let out = handle(&courier, &event, now).await.unwrap();
        assert_eq!(out["batchItemFailures"], json!([]));
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(files.len(), 1);
        let item = courier
            .store
            .get(&keys::outbox(&id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(item["status"], "sent");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn other_records_are_ignored_and_a_schedule_sweeps() {
        let (courier, dir, id) = setup().await;
        let mut modify = stream_insert(&id, "2");
        modify["eventName"] = json!("MODIFY");
        let mut other = stream_insert("x", "3");
        other["dynamodb"]["Keys"]["pk"]["S"] = json!("INVOICE#x");
        let now = chrono::Utc::now().timestamp();
        handle(&courier, &json!({ "Records": [modify, other] }), now)
            .await
            .unwrap();
        assert!(!dir.exists(), "nothing sent for non-inserts");
        let out = handle(&courier, &json!({ "source": "aws.events" }), now)
            .await
            .unwrap();
        assert_eq!(out["sweep"]["sent"], 1);
        std::fs::remove_dir_all(dir).ok();
    }
}
