//! Storage of users and their one-time tokens, shared by the `auth` and `users` functions
//! and the local server's admin bootstrap.

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Role, random_token, sha256_hex};
use crate::domain::{Email, User, UserStatus};
use crate::error::Problem;
use crate::store::{
    Condition, Index, Item, Store, StoreError, StoreResult, Update, WriteOp, from_item, keys,
    to_item,
};

/// Password-reset links expire after 30 minutes.
pub const RESET_TTL_SECS: i64 = 30 * 60;
/// Invitation links expire after 72 hours.
pub const INVITE_TTL_SECS: i64 = 72 * 3600;
/// Registrations whose address is not confirmed within 24 hours are forgotten.
pub const VERIFY_TTL_SECS: i64 = 24 * 3600;
/// At most one password-reset (or registration) email per address in this time.
pub const MAIL_COOLDOWN_SECS: i64 = 15 * 60;

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A new user (not yet stored).
pub fn new_user(
    email: Email,
    name: String,
    role: Option<Role>,
    status: UserStatus,
    password_hash: Option<String>,
) -> User {
    let now = now_rfc3339();
    User {
        id: uuid::Uuid::now_v7().to_string(),
        email,
        name,
        role,
        status,
        password_hash,
        session_epoch: 0,
        mfa_enabled: false,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    }
}

/// The stored item of a user, with its listing index keys.
pub fn user_item(user: &User) -> StoreResult<Item> {
    let mut item = to_item(&keys::user(&user.id), user)?;
    let (p1, s1) = Index::Gsi1.attributes();
    item.insert(
        p1.into(),
        Value::String(keys::users_by_status(user.status.as_str())),
    );
    item.insert(
        s1.into(),
        Value::String(format!("{}#{}", user.created_at, user.id)),
    );
    let (p2, s2) = Index::Gsi2.attributes();
    item.insert(p2.into(), Value::String(keys::USERS_BY_EMAIL.into()));
    item.insert(s2.into(), Value::String(user.email.as_str().into()));
    Ok(item)
}

/// Writes that create a user: the user and its unique-email guard (both must be new), plus
/// the active-admin counter when the user starts as an active admin.
pub fn create_user_ops(user: &User) -> StoreResult<Vec<WriteOp>> {
    let mut guard = to_item(
        &keys::user_email(user.email.as_str()),
        &serde_json::json!({ "user_id": user.id }),
    )?;
    guard.insert("kind".into(), "email_guard".into());
    let mut ops = vec![WriteOp::put_new(user_item(user)?), WriteOp::put_new(guard)];
    if user.is_active_admin() {
        ops.push(admin_count_op(1));
    }
    Ok(ops)
}

/// Index of the email guard in [`create_user_ops`]: its condition fails when the email is taken.
pub const EMAIL_GUARD_OP: usize = 1;

/// Writes a changed user, only if nobody changed it since `before` was read; adjusts the
/// active-admin counter, refusing to take it below one.
pub fn save_user_ops(before: &User, after: &mut User) -> StoreResult<Vec<WriteOp>> {
    after.version = before.version + 1;
    after.updated_at = now_rfc3339();
    let mut ops = vec![WriteOp::Put {
        item: user_item(after)?,
        condition: Some(Condition::version_is(before.version)),
    }];
    match (before.is_active_admin(), after.is_active_admin()) {
        (true, false) => ops.push(admin_count_op(-1)),
        (false, true) => ops.push(admin_count_op(1)),
        _ => {}
    }
    Ok(ops)
}

/// Index of the user write in [`save_user_ops`] and of the admin counter, when present.
pub const USER_OP: usize = 0;
pub const ADMIN_COUNTER_OP: usize = 1;

fn admin_count_op(delta: i64) -> WriteOp {
    WriteOp::Update {
        key: keys::counter(keys::ACTIVE_ADMINS),
        updates: vec![Update::add("count", delta)],
        // Removing an admin needs at least two: the last active admin always remains.
        condition: (delta < 0).then(|| Condition::ge("count", 2)),
    }
}

/// Maps the failure of a [`save_user_ops`] transaction to what the client should see.
pub fn save_user_error(e: StoreError) -> Problem {
    if e.failed_op(ADMIN_COUNTER_OP) {
        Problem::conflict(
            "last-admin",
            "The last active administrator cannot be demoted or deactivated.",
        )
    } else if e.is_condition() {
        Problem::conflict(
            "concurrent-update",
            "The user was changed by someone else; reload and retry.",
        )
    } else {
        e.into()
    }
}

pub async fn get_user(store: &Store, id: &str) -> StoreResult<Option<User>> {
    store.get(&keys::user(id)).await?.map(from_item).transpose()
}

pub async fn active_admin_count(store: &Store) -> StoreResult<i64> {
    Ok(store
        .get(&keys::counter(keys::ACTIVE_ADMINS))
        .await?
        .and_then(|i| i.get("count").and_then(Value::as_i64))
        .unwrap_or(0))
}

/// The user id registered for an email, from its guard item.
pub fn guard_user_id(guard: &Item) -> Option<&str> {
    guard.get("user_id").and_then(Value::as_str)
}

pub async fn find_by_email(store: &Store, email: &Email) -> StoreResult<Option<User>> {
    let Some(guard) = store.get(&keys::user_email(email.as_str())).await? else {
        return Ok(None);
    };
    match guard_user_id(&guard) {
        Some(id) => get_user(store, id).await,
        None => Ok(None),
    }
}

/// What a one-time token is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    PasswordReset,
    Invite,
    /// Proves a registration's address; its subject is the registration id.
    VerifyEmail,
}

impl TokenPurpose {
    /// How long an emailed link of this purpose stays valid.
    pub fn ttl_secs(self) -> i64 {
        match self {
            TokenPurpose::PasswordReset => RESET_TTL_SECS,
            TokenPurpose::Invite => INVITE_TTL_SECS,
            TokenPurpose::VerifyEmail => VERIFY_TTL_SECS,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OneTimeToken {
    pub purpose: TokenPurpose,
    /// The user (reset, invite) or the registration (email verification) it is for.
    #[serde(alias = "user_id")]
    pub subject: String,
    /// Epoch seconds.
    pub expires_at: i64,
}

/// A new one-time token: the secret to email, and the write storing only its hash.
pub fn one_time_token(
    purpose: TokenPurpose,
    subject: &str,
    ttl_secs: i64,
) -> StoreResult<(String, WriteOp)> {
    let token = random_token(32);
    let expires_at = Utc::now().timestamp() + ttl_secs;
    let record = OneTimeToken {
        purpose,
        subject: subject.into(),
        expires_at,
    };
    let mut item = to_item(&keys::reset_token(&sha256_hex(&token)), &record)?;
    item.insert(crate::store::table::TTL.into(), Value::from(expires_at));
    Ok((token, WriteOp::put_new(item)))
}

/// Looks a one-time token up; expired or unknown tokens are `None`.
pub async fn find_token(store: &Store, token: &str) -> StoreResult<Option<(String, OneTimeToken)>> {
    if token.is_empty() || token.len() > 200 {
        return Ok(None);
    }
    let hash = sha256_hex(token);
    let Some(item) = store.get(&keys::reset_token(&hash)).await? else {
        return Ok(None);
    };
    let record: OneTimeToken = from_item(item)?;
    if record.expires_at <= Utc::now().timestamp() {
        return Ok(None);
    }
    Ok(Some((hash, record)))
}

/// A registration waiting for its address to be confirmed. It holds no claim on the address
/// (no email guard), so it never blocks an invitation or the real owner's registration, and
/// it expires after [`VERIFY_TTL_SECS`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Registration {
    pub id: String,
    pub email: Email,
    pub name: String,
    pub created_at: String,
    /// Epoch seconds.
    pub expires_at: i64,
}

impl Registration {
    pub fn new(email: Email, name: String) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            email,
            name,
            created_at: now_rfc3339(),
            expires_at: Utc::now().timestamp() + VERIFY_TTL_SECS,
        }
    }

    /// The write that stores it (TTL at expiry).
    pub fn put_op(&self) -> StoreResult<WriteOp> {
        let mut item = to_item(&keys::registration(&self.id), self)?;
        item.insert(
            crate::store::table::TTL.into(),
            Value::from(self.expires_at),
        );
        Ok(WriteOp::put_new(item))
    }
}

/// An unexpired registration.
pub async fn get_registration(store: &Store, id: &str) -> StoreResult<Option<Registration>> {
    let found: Option<Registration> = store
        .get(&keys::registration(id))
        .await?
        .map(from_item)
        .transpose()?;
    Ok(found.filter(|r| r.expires_at > Utc::now().timestamp()))
}

/// A write that succeeds at most once per [`MAIL_COOLDOWN_SECS`] for `what` sent to `email`:
/// put it in the transaction that queues the email, and treat its failed condition as "sent
/// recently".
pub fn mail_cooldown_op(what: &str, email: &Email, now: i64) -> StoreResult<WriteOp> {
    let until = now + MAIL_COOLDOWN_SECS;
    let mut item = to_item(
        &keys::mail_cooldown(what, email.as_str()),
        &serde_json::json!({ "until": until }),
    )?;
    item.insert(crate::store::table::TTL.into(), Value::from(until));
    Ok(WriteOp::Put {
        item,
        // Expired items may linger in DynamoDB until its TTL sweep: compare the time too.
        condition: Some(Condition::Or(vec![
            Condition::NotExists,
            Condition::Lt("until".into(), Value::from(now)),
        ])),
    })
}

/// Creates the first administrator if no account uses this email. Returns whether it did.
pub async fn bootstrap_admin(
    store: &Store,
    email: Email,
    name: &str,
    password: &str,
) -> Result<bool, String> {
    if let Some(w) = crate::auth::password::weakness(password, Some(email.as_str())) {
        return Err(format!("ERP_ADMIN_PASSWORD {w}"));
    }
    if find_by_email(store, &email)
        .await
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Ok(false);
    }
    let user = new_user(
        email,
        name.into(),
        Some(Role::Admin),
        UserStatus::Active,
        Some(crate::auth::password::hash(password)),
    );
    match store
        .transact(create_user_ops(&user).map_err(|e| e.to_string())?)
        .await
    {
        Ok(()) => Ok(true),
        Err(e) if e.is_condition() => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bootstrap_creates_one_admin_and_refuses_weak_passwords() {
        let store = Store::memory();
        let email = Email::parse("admin@example.com").unwrap();
        assert!(
            bootstrap_admin(&store, email.clone(), "Admin", "short")
                .await
                .is_err()
        );
        assert!(
            bootstrap_admin(&store, email.clone(), "Admin", "correct-horse-battery")
                .await
                .unwrap()
        );
        assert!(
            !bootstrap_admin(&store, email.clone(), "Admin", "correct-horse-battery")
                .await
                .unwrap()
        );
        assert_eq!(active_admin_count(&store).await.unwrap(), 1);
        let admin = find_by_email(&store, &email).await.unwrap().unwrap();
        assert!(admin.is_active_admin());
    }

    #[tokio::test]
    async fn the_last_admin_cannot_be_demoted() {
        let store = Store::memory();
        let email = Email::parse("admin@example.com").unwrap();
        bootstrap_admin(&store, email.clone(), "Admin", "correct-horse-battery")
            .await
            .unwrap();
        let before = find_by_email(&store, &email).await.unwrap().unwrap();
        let mut after = before.clone();
        after.role = Some(Role::Viewer);
        let err = store
            .transact(save_user_ops(&before, &mut after).unwrap())
            .await
            .unwrap_err();
        assert_eq!(save_user_error(err).kind, "last-admin");
    }

    #[tokio::test]
    async fn tokens_are_stored_hashed_and_expire() {
        let store = Store::memory();
        let (token, op) = one_time_token(TokenPurpose::PasswordReset, "u1", 60).unwrap();
        store.transact(vec![op]).await.unwrap();
        assert!(
            store
                .get(&keys::reset_token(&token))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            find_token(&store, &token).await.unwrap().unwrap().1.subject,
            "u1"
        );
        let (expired, op) = one_time_token(TokenPurpose::PasswordReset, "u1", -1).unwrap();
        store.transact(vec![op]).await.unwrap();
        assert!(find_token(&store, &expired).await.unwrap().is_none());
    }
}
