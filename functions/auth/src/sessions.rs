//! Refresh-token sessions. A login starts a family (`SESSION#<family>`); its refresh token is
//! `<family>.<secret>` and only the secret's hash is stored. Each refresh rotates the secret;
//! presenting an already-rotated secret is treated as theft and revokes the family. A family
//! also dies when the user's `session_epoch` moves on (password reset, deactivation).

use chrono::Utc;
use serde::{Deserialize, Serialize};

use erp_shared::accounts;
use erp_shared::auth::{random_token, sha256_hex};
use erp_shared::domain::{User, UserStatus};
use erp_shared::error::Problem;
use erp_shared::store::{
    Condition, Store, StoreError, Update, WriteOp, from_item, keys, table, to_item,
};

/// A login session lasts at most 30 days.
pub const SESSION_TTL_SECS: i64 = 30 * 86_400;
/// Rotated secrets remembered to detect reuse.
const REMEMBERED: usize = 50;

#[derive(Serialize, Deserialize)]
struct Session {
    user_id: String,
    current_hash: String,
    #[serde(default)]
    used_hashes: Vec<String>,
    epoch: i64,
    revoked: bool,
    created_at: String,
}

fn invalid() -> Problem {
    Problem::unauthenticated("The refresh token is invalid, expired or revoked.")
}

fn parse(token: &str) -> Option<(&str, &str)> {
    let (family, secret) = token.split_once('.')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (ok(family) && ok(secret)).then_some((family, secret))
}

/// A new session for the user: the refresh token and the write that stores the session.
pub fn start(user: &User) -> Result<(String, WriteOp), StoreError> {
    let family = random_token(16);
    let secret = random_token(32);
    let session = Session {
        user_id: user.id.clone(),
        current_hash: sha256_hex(&secret),
        used_hashes: Vec::new(),
        epoch: user.session_epoch,
        revoked: false,
        created_at: accounts::now_rfc3339(),
    };
    let mut item = to_item(&keys::session(&family), &session)?;
    item.insert(
        table::TTL.into(),
        (Utc::now().timestamp() + SESSION_TTL_SECS).into(),
    );
    Ok((format!("{family}.{secret}"), WriteOp::put_new(item)))
}

/// Checks a refresh token and replaces it. Returns the (active) user and the new token.
pub async fn rotate(store: &Store, token: &str) -> Result<(User, String), Problem> {
    let (family, secret) = parse(token).ok_or_else(invalid)?;
    let key = keys::session(family);
    let session: Session = match store.get(&key).await? {
        Some(item) => from_item(item)?,
        None => return Err(invalid()),
    };
    if session.revoked {
        return Err(invalid());
    }
    let hash = sha256_hex(secret);
    if hash != session.current_hash {
        if session.used_hashes.contains(&hash) {
            store
                .update(&key, vec![Update::set("revoked", true)], None)
                .await?;
            tracing::warn!(user_id = %session.user_id, "refresh token reused: session family revoked");
        }
        return Err(invalid());
    }
    let user = accounts::get_user(store, &session.user_id)
        .await?
        .ok_or_else(invalid)?;
    if user.status != UserStatus::Active || user.session_epoch != session.epoch {
        store
            .update(&key, vec![Update::set("revoked", true)], None)
            .await?;
        return Err(invalid());
    }
    let new_secret = random_token(32);
    let mut used = session.used_hashes;
    used.push(hash.clone());
    if used.len() > REMEMBERED {
        used.drain(..used.len() - REMEMBERED);
    }
    let swapped = store
        .update(
            &key,
            vec![
                Update::set("current_hash", sha256_hex(&new_secret)),
                Update::set("used_hashes", used),
            ],
            Some(Condition::And(vec![
                Condition::eq("current_hash", hash),
                Condition::eq("revoked", false),
            ])),
        )
        .await;
    match swapped {
        Ok(_) => Ok((user, format!("{family}.{new_secret}"))),
        // A concurrent refresh with the same token won: this one is a reuse.
        Err(StoreError::ConditionFailed) => Err(invalid()),
        Err(e) => Err(e.into()),
    }
}

/// Revokes the session of a refresh token (current or already rotated). Unknown tokens are
/// ignored: logout always succeeds.
pub async fn revoke(store: &Store, token: &str) -> Result<(), Problem> {
    let Some((family, secret)) = parse(token) else {
        return Ok(());
    };
    let key = keys::session(family);
    let Some(item) = store.get(&key).await? else {
        return Ok(());
    };
    let session: Session = from_item(item)?;
    let hash = sha256_hex(secret);
    if hash == session.current_hash || session.used_hashes.contains(&hash) {
        store
            .update(
                &key,
                vec![Update::set("revoked", true)],
                Some(Condition::Exists),
            )
            .await?;
    }
    Ok(())
}
