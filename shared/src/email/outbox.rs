//! The outbox: emails are written as items in the same transaction as the change that causes
//! them, then delivered by whoever gets to them first: the function that made the change
//! (right after its commit), the `notifier` function (triggered by the table's stream, and
//! every few minutes for retries), or the local server's drainer.
//!
//! Delivery claims a message (status `sending` with a lease), sends it, marks it `sent`. A
//! failed send is retried with backoff; after [`MAX_ATTEMPTS`] the message is `failed`, in
//! the admins' list (`GET /outbox?status=failed`) and an alarm fires.
//!
//! Never sent twice: SES has no idempotency key, so a sender that stops between SES
//! accepting a message and recording `sent` leaves it `sending`. Nobody resends such a
//! message by itself: once its lease is over it is moved to `failed` as *uncertain*, for an
//! admin to check and retry. Nothing is lost (it is listed), nothing is sent twice
//! automatically; the window is the few milliseconds between SES's answer and our write.

use std::sync::Arc;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{AttachmentSource, EmailMessage, Mailer};
use crate::store::{
    Condition, Index, Query, SkRange, Store, StoreError, Update, WriteOp, keys, to_item,
};

pub const MAX_ATTEMPTS: i64 = 5;
/// How long a claimed message is reserved for the sender that claimed it. Longer than any
/// send can take (Lambda timeout and SDK timeouts are far shorter).
pub const LEASE_SECS: i64 = 120;
/// `last_error` of a message whose sender stopped mid-send.
pub const UNCERTAIN: &str = "delivery uncertain: the sender stopped after handing the message to the mail service and before recording it; check with the recipient before sending it again";
const RENDER_FAILED: &str = "the attachment could not be rendered";
const LINK_FAILED: &str = "the one-time link could not be stored";
/// `last_error` of a discarded message: its link had nobody to go to.
pub const NOBODY: &str = "no account or registration is waiting for this link; nothing was sent";

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboxRecord {
    pub id: String,
    /// What caused the message (`invite`, `password_reset`, `invoice`, ...).
    pub kind: String,
    pub message: EmailMessage,
    /// `pending`, `sending`, `sent`, `failed` or `discarded`.
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

/// Everything delivery needs: the table, the mail service and, where the function has one,
/// the attachment renderer.
#[derive(Clone)]
pub struct Courier {
    pub store: Store,
    pub mailer: Mailer,
    pub attachments: Option<Arc<dyn AttachmentSource>>,
    /// When a failed send is tried again.
    pub retry: Backoff,
}

/// The delay before trying a failed send again: `first_secs` after the first failure, twice
/// as long after each further one. The default (1, 2, 4, 8 minutes) is what every deployment
/// uses; the local server's tests start it with a shorter one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first_secs: i64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { first_secs: 60 }
    }
}

impl Backoff {
    /// Seconds to wait after `attempts` failed attempts.
    pub fn after(self, attempts: i64) -> i64 {
        self.first_secs * (1 << (attempts - 1).clamp(0, 10))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Someone else holds it, it is already sent or failed, not yet due, or it needs an
    /// attachment renderer this process does not have.
    Skipped,
    /// Sending failed; retried later (or `failed` after the last attempt).
    Failed,
    /// Its sender stopped mid-send: moved to `failed` for an admin (never resent by itself).
    Uncertain,
    /// Not sent on purpose: its one-time link had nobody to go to (status `discarded`).
    Discarded,
}

/// Delivers one message if it is due and unclaimed.
pub async fn deliver(c: &Courier, id: &str, now: i64) -> Result<Delivery, StoreError> {
    match c.store.get(&keys::outbox(id)).await? {
        Some(item) => deliver_record(c, crate::store::from_item(item)?, now).await,
        None => Ok(Delivery::Skipped),
    }
}

/// Treats a lost condition (someone else changed the message first) as done.
fn ignore_lost<T: Default>(r: Result<T, StoreError>) -> Result<T, StoreError> {
    match r {
        Err(StoreError::ConditionFailed) => Ok(T::default()),
        other => other,
    }
}

/// Delivers a message read from the table (the drain already has it) if it is due.
pub async fn deliver_record(
    c: &Courier,
    record: OutboxRecord,
    now: i64,
) -> Result<Delivery, StoreError> {
    let key = keys::outbox(&record.id);
    let (gp, _) = Index::Gsi1.attributes();
    match record.status.as_str() {
        "pending" if record.next_attempt_at <= now => {}
        "sending" if record.claimed_at.is_some_and(|t| t < now - LEASE_SECS) => {
            let claimed = record.claimed_at.unwrap_or_default();
            ignore_lost(
                c.store
                    .update(
                        &key,
                        vec![
                            Update::set("status", "failed"),
                            Update::set("last_error", UNCERTAIN),
                            Update::set(gp, keys::OUTBOX_FAILED),
                        ],
                        Some(Condition::And(vec![
                            Condition::eq("status", "sending"),
                            Condition::eq("claimed_at", claimed),
                        ])),
                    )
                    .await
                    .map(|_| ()),
            )?;
            tracing::error!(outbox_id = %record.id, kind = %record.kind, "email gave up: delivery uncertain");
            return Ok(Delivery::Uncertain);
        }
        _ => return Ok(Delivery::Skipped),
    }
    if !record.message.attachments.is_empty() && c.attachments.is_none() {
        return Ok(Delivery::Skipped);
    }
    let claim = Condition::And(vec![
        Condition::eq("status", "pending"),
        Condition::Le("next_attempt_at".into(), now.into()),
    ]);
    match c
        .store
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
        Ok(_) => {}
        Err(StoreError::ConditionFailed) => return Ok(Delivery::Skipped),
        Err(e) => return Err(e),
    }
    let still_ours = Some(Condition::And(vec![
        Condition::eq("status", "sending"),
        Condition::eq("claimed_at", now),
    ]));
    let error = match render_and_send(c, &record).await {
        Ok(Sent::Yes) => {
            mark_sent(&c.store, &key, still_ours).await?;
            tracing::info!(outbox_id = %record.id, kind = %record.kind, "email sent");
            crate::observability::count(crate::observability::Metric::EmailsSent, 1);
            return Ok(Delivery::Sent);
        }
        Ok(Sent::Discarded(reason)) => {
            let (gp, gs) = Index::Gsi1.attributes();
            let updates = vec![
                Update::set("status", "discarded"),
                Update::set("last_error", reason),
                Update::remove(gp),
                Update::remove(gs),
            ];
            ignore_lost(c.store.update(&key, updates, still_ours).await.map(|_| ()))?;
            tracing::info!(outbox_id = %record.id, kind = %record.kind, reason, "email discarded");
            return Ok(Delivery::Discarded);
        }
        Err(reason) => reason,
    };
    let attempts = record.attempts + 1;
    let mut updates = vec![Update::add("attempts", 1), Update::set("last_error", error)];
    if attempts >= MAX_ATTEMPTS {
        tracing::error!(outbox_id = %record.id, kind = %record.kind, attempts, "email gave up: every attempt failed");
        crate::observability::count(crate::observability::Metric::EmailsFailed, 1);
        updates.push(Update::set("status", "failed"));
        updates.push(Update::set(gp, keys::OUTBOX_FAILED));
    } else {
        updates.push(Update::set("status", "pending"));
        updates.push(Update::set(
            "next_attempt_at",
            now + c.retry.after(attempts),
        ));
    }
    ignore_lost(c.store.update(&key, updates, still_ours).await.map(|_| ()))?;
    Ok(Delivery::Failed)
}

/// What became of a message handed to [`render_and_send`].
enum Sent {
    Yes,
    /// Not sent, on purpose (e.g. a password reset for an address without an account).
    Discarded(&'static str),
}

/// Mints the one-time link of a message, if it has one, and puts it into the text and HTML.
/// `Ok(None)`: the link has nobody to go to any more, and the message is not sent.
async fn with_minted_link(
    store: &Store,
    message: &EmailMessage,
) -> Result<Option<EmailMessage>, StoreError> {
    use crate::accounts::{self, TokenPurpose};
    use crate::domain::{Email, UserStatus};
    let Some(link) = &message.link else {
        return Ok(Some(message.clone()));
    };
    let subject = match link.purpose {
        TokenPurpose::PasswordReset => match Email::parse(&link.subject) {
            Ok(email) => accounts::find_by_email(store, &email)
                .await?
                .filter(|u| u.status == UserStatus::Active)
                .map(|u| u.id),
            Err(_) => None,
        },
        TokenPurpose::Invite => accounts::get_user(store, &link.subject)
            .await?
            .filter(|u| u.status == UserStatus::Invited)
            .map(|u| u.id),
        TokenPurpose::VerifyEmail => accounts::get_registration(store, &link.subject)
            .await?
            .map(|r| r.id),
    };
    let Some(subject) = subject else {
        return Ok(None);
    };
    let (token, op) = accounts::one_time_token(link.purpose, &subject, link.purpose.ttl_secs())?;
    store.transact(vec![op]).await?;
    let mut minted = message.clone();
    minted.text = minted.text.replace(super::TOKEN_PLACEHOLDER, &token);
    minted.html = minted.html.replace(super::TOKEN_PLACEHOLDER, &token);
    minted.link = None;
    Ok(Some(minted))
}

/// Mints the message's one-time link, renders its attachments and hands it to the mail
/// service; `Err` is the reason recorded on the message.
async fn render_and_send(c: &Courier, record: &OutboxRecord) -> Result<Sent, &'static str> {
    let message = match with_minted_link(&c.store, &record.message).await {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(Sent::Discarded(NOBODY)),
        Err(e) => {
            tracing::warn!(outbox_id = %record.id, error = %e, "one-time link not minted");
            return Err(LINK_FAILED);
        }
    };
    let mut files = Vec::with_capacity(record.message.attachments.len());
    if let Some(source) = &c.attachments {
        for a in &record.message.attachments {
            let file = source.render(a).await.map_err(|e| {
                tracing::warn!(outbox_id = %record.id, error = %e, "attachment not rendered");
                RENDER_FAILED
            })?;
            files.push(file);
        }
    }
    c.mailer
        .send(&record.id, &message, &files)
        .await
        .map(|()| Sent::Yes)
        .map_err(|e| {
            // The log says what failed in full (the folder and the OS error, or the mail
            // service's answer); the message keeps only the kind of failure.
            tracing::warn!(outbox_id = %record.id, error = %e, "email send failed");
            e.reason()
        })
}

/// Records a sent message, retried three times: a failure here is the "uncertain" window
/// (the message went out but is still `sending`).
async fn mark_sent(
    store: &Store,
    key: &crate::store::Key,
    still_ours: Option<Condition>,
) -> Result<(), StoreError> {
    let (gp, gs) = Index::Gsi1.attributes();
    let mut attempt = 0;
    loop {
        let r = store
            .update(
                key,
                vec![
                    Update::set("status", "sent"),
                    Update::set("sent_at", Utc::now().to_rfc3339()),
                    Update::add("attempts", 1),
                    Update::remove(gp),
                    Update::remove(gs),
                ],
                still_ours.clone(),
            )
            .await;
        match ignore_lost(r.map(|_| ())) {
            Ok(()) => return Ok(()),
            Err(e) if attempt == 2 => return Err(e),
            Err(_) => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
        attempt += 1;
    }
}

/// The default retry delay after `attempts` failures: 1, 2, 4, 8 minutes...
pub fn backoff_secs(attempts: i64) -> i64 {
    Backoff::default().after(attempts)
}

/// What a drain did.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct DrainReport {
    pub sent: usize,
    pub failed: usize,
    pub uncertain: usize,
    /// Not yet due, held by another sender, or needing a renderer.
    pub waiting: usize,
    /// Not sent on purpose (a password reset for an address without an account).
    pub discarded: usize,
}

/// Delivers every due message of the pending index (oldest first), and gives up on those
/// whose sender stopped mid-send. Reads the index once per 50 messages.
pub async fn drain(c: &Courier, now: i64) -> Result<DrainReport, StoreError> {
    let mut report = DrainReport::default();
    let mut cursor = None;
    loop {
        let page = c
            .store
            .query(
                Query::index(Index::Gsi1, keys::OUTBOX_PENDING)
                    .range(SkRange::All)
                    .limit(50)
                    .after(cursor),
            )
            .await?;
        for item in page.items {
            let record: OutboxRecord = crate::store::from_item(item)?;
            match deliver_record(c, record, now).await? {
                Delivery::Sent => report.sent += 1,
                Delivery::Failed => report.failed += 1,
                Delivery::Uncertain => report.uncertain += 1,
                Delivery::Skipped => report.waiting += 1,
                Delivery::Discarded => report.discarded += 1,
            }
        }
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(report),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn courier(store: &Store, dir: std::path::PathBuf) -> Courier {
        Courier {
            store: store.clone(),
            mailer: Mailer::Files {
                dir,
                from: "erp@example.com".into(),
            },
            attachments: None,
            retry: Backoff::default(),
        }
    }

    fn now() -> i64 {
        Utc::now().timestamp()
    }

    /// A message with neither attachments nor link.
    pub(crate) fn plain(to: &str) -> EmailMessage {
        EmailMessage::plain(to, "Hello", "Hello")
    }

    /// An invitation in the outbox; returns its id.
    async fn queued_invite(store: &Store) -> String {
        let (id, op) = enqueue("invite", plain("a@b.co")).unwrap();
        store.transact(vec![op]).await.unwrap();
        id
    }

    #[test]
    fn backoff_grows() {
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(2), 120);
        assert_eq!(backoff_secs(4), 480);
        let quick = Backoff { first_secs: 1 };
        assert_eq!((quick.after(1), quick.after(3)), (1, 4));
    }

    #[tokio::test]
    async fn a_message_is_written_once_and_marked_sent() {
        let store = Store::memory();
        let dir = std::env::temp_dir().join(format!("erp-outbox-{}", uuid::Uuid::new_v4()));
        let c = courier(&store, dir.clone());
        let (id, op) = enqueue("password_reset", plain("a@b.co")).unwrap();
        store.transact(vec![op]).await.unwrap();
        assert_eq!(drain(&c, now()).await.unwrap().sent, 1);
        assert_eq!(drain(&c, now()).await.unwrap(), DrainReport::default());
        assert_eq!(deliver(&c, &id, now()).await.unwrap(), Delivery::Skipped);
        assert!(dir.join(format!("{id}.eml")).exists());
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "sent");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_failing_send_is_retried_with_backoff_then_given_up() {
        let store = Store::memory();
        // A file where the folder should be: every write fails.
        let blocker =
            std::env::temp_dir().join(format!("erp-outbox-block-{}", uuid::Uuid::new_v4()));
        std::fs::write(&blocker, b"x").unwrap();
        let c = courier(&store, blocker.join("sub"));
        let id = queued_invite(&store).await;
        let mut t = now();
        assert_eq!(deliver(&c, &id, t).await.unwrap(), Delivery::Failed);
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "pending");
        assert_eq!(item["attempts"], 1);
        // Not due yet: a second attempt right away is skipped.
        assert_eq!(deliver(&c, &id, t + 59).await.unwrap(), Delivery::Skipped);
        for attempt in 1..MAX_ATTEMPTS {
            t += backoff_secs(attempt);
            assert_eq!(deliver(&c, &id, t).await.unwrap(), Delivery::Failed);
        }
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "failed");
        assert_eq!(item["gsi1pk"], keys::OUTBOX_FAILED);
        assert_eq!(item["attempts"], MAX_ATTEMPTS);
        assert_eq!(
            deliver(&c, &id, t + 10_000).await.unwrap(),
            Delivery::Skipped
        );
        std::fs::remove_file(blocker).ok();
    }

    /// What the log said during a test.
    #[derive(Clone, Default)]
    struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for LogBuffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn an_unwritable_mail_folder_is_logged_with_its_path_and_stored_without_it() {
        let log = LogBuffer::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _logging = tracing::subscriber::set_default(subscriber);
        let store = Store::memory();
        let blocker =
            std::env::temp_dir().join(format!("erp-outbox-block-{}", uuid::Uuid::new_v4()));
        std::fs::write(&blocker, b"x").unwrap();
        let c = courier(&store, blocker.clone());
        let id = queued_invite(&store).await;
        assert_eq!(deliver(&c, &id, now()).await.unwrap(), Delivery::Failed);
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(
            item["last_error"],
            "the local mail folder could not be written"
        );
        let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
        let folder = blocker.display().to_string();
        assert!(logged.contains(&folder), "the folder in the log: {logged}");
        assert!(
            logged.contains("(os error "),
            "the OS error in the log: {logged}"
        );
        assert!(
            !item["last_error"].as_str().unwrap().contains(&folder),
            "no path on the message"
        );
        std::fs::remove_file(blocker).ok();
    }

    #[tokio::test]
    async fn a_sender_that_stopped_mid_send_is_never_resent_by_itself() {
        let store = Store::memory();
        let dir = std::env::temp_dir().join(format!("erp-outbox-{}", uuid::Uuid::new_v4()));
        let c = courier(&store, dir.clone());
        let id = queued_invite(&store).await;
        // A sender claimed it and stopped (crash between sending and recording).
        let t = now();
        store
            .update(
                &keys::outbox(&id),
                vec![
                    Update::set("status", "sending"),
                    Update::set("claimed_at", t),
                ],
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            drain(&c, t + 10).await.unwrap().waiting,
            1,
            "lease still held"
        );
        let report = drain(&c, t + LEASE_SECS + 1).await.unwrap();
        assert_eq!(report.uncertain, 1);
        assert_eq!(report.sent, 0);
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "failed");
        assert_eq!(item["last_error"], UNCERTAIN);
        assert!(!dir.join(format!("{id}.eml")).exists());
    }

    #[tokio::test]
    async fn a_reset_link_is_minted_when_sent_and_never_stored_in_the_outbox() {
        let store = Store::memory();
        let dir = std::env::temp_dir().join(format!("erp-outbox-{}", uuid::Uuid::new_v4()));
        let c = courier(&store, dir.clone());
        let email = crate::domain::Email::parse("dana@example.com").unwrap();
        crate::accounts::bootstrap_admin(&store, email, "Dana", "correct-horse-battery")
            .await
            .unwrap();
        let brand = crate::email::templates::Brand::default();
        let mut ids = Vec::new();
        for to in ["dana@example.com", "nobody@example.com"] {
            let msg = crate::email::templates::password_reset(&brand, to, "http://x");
            let (id, op) = enqueue("password_reset", msg).unwrap();
            store.transact(vec![op]).await.unwrap();
            let stored = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
            assert!(
                Value::Object(stored)
                    .to_string()
                    .contains(crate::email::TOKEN_PLACEHOLDER),
                "queued with a placeholder, not a token"
            );
            ids.push(id);
        }
        let report = drain(&c, now()).await.unwrap();
        assert_eq!((report.sent, report.discarded), (1, 1));
        let sent = std::fs::read_to_string(dir.join(format!("{}.eml", ids[0])))
            .unwrap()
            // Quoted-printable: soft line breaks and encoded '='.
            .replace("=\r\n", "")
            .replace("=\n", "")
            .replace("=3D", "=");
        assert!(!sent.contains(crate::email::TOKEN_PLACEHOLDER));
        let token: String = sent
            .split("token=")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        let (_, record) = crate::accounts::find_token(&store, &token)
            .await
            .unwrap()
            .expect("the emailed token works");
        assert_eq!(record.purpose, crate::accounts::TokenPurpose::PasswordReset);
        let stored = store.get(&keys::outbox(&ids[0])).await.unwrap().unwrap();
        assert!(
            !Value::Object(stored).to_string().contains(&token),
            "the live token is not kept"
        );
        let discarded = store.get(&keys::outbox(&ids[1])).await.unwrap().unwrap();
        assert_eq!(discarded["status"], "discarded");
        assert!(!dir.join(format!("{}.eml", ids[1])).exists());
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_message_with_an_attachment_waits_for_a_renderer() {
        let store = Store::memory();
        let dir = std::env::temp_dir().join(format!("erp-outbox-{}", uuid::Uuid::new_v4()));
        let c = courier(&store, dir.clone());
        let mut msg = plain("a@b.co");
        msg.attachments
            .push(crate::email::AttachmentRef::InvoicePdf {
                invoice_id: "i1".into(),
            });
        let (id, op) = enqueue("invoice", msg).unwrap();
        store.transact(vec![op]).await.unwrap();
        assert_eq!(deliver(&c, &id, now()).await.unwrap(), Delivery::Skipped);
        let item = store.get(&keys::outbox(&id)).await.unwrap().unwrap();
        assert_eq!(item["status"], "pending", "left for the notifier");
    }
}
