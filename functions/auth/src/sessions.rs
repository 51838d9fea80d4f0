//! Refresh-token sessions. A login starts a family (`SESSION#<family>`); its refresh token is
//! `<family>.<secret>` and only the secret's hash is stored. Each refresh rotates the secret;
//! presenting an already-rotated secret is treated as theft and revokes the family. A family
//! also dies when the user's `session_epoch` moves on (password reset or change,
//! deactivation).
//!
//! While a session is not revoked it is listed in gsi1 under `SESSIONS#<user>` (sorted by
//! creation), so a user can see their sessions and end one; revoking takes it off the index.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use erp_shared::accounts;
use erp_shared::auth::{Role, random_token, sha256_hex};
use erp_shared::domain::{User, UserStatus};
use erp_shared::error::Problem;
use erp_shared::http::ClientIp;
use erp_shared::store::{
    Condition, Index, Query, Store, StoreError, Update, WriteOp, from_item, keys, table, to_item,
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
    /// When the refresh token was last rotated.
    #[serde(default)]
    last_used_at: Option<String>,
    /// The client that signed in (as it said, for the user to recognise it).
    #[serde(default)]
    user_agent: Option<String>,
    #[serde(default)]
    ip: Option<String>,
}

/// Where a sign-in comes from: the client's address and its `User-Agent` (cut to 200
/// characters), stored with the session so its owner can recognise it.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let ClientIp(ip) = ClientIp::from_request_parts(parts, state).await?;
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().filter(|c| !c.is_control()).take(200).collect())
            .filter(|ua: &String| !ua.is_empty());
        Ok(Self { ip, user_agent })
    }
}

/// The updates that revoke a session and take it off the user's list.
fn revoke_updates() -> Vec<Update> {
    let (p, s) = Index::Gsi1.attributes();
    vec![
        Update::set("revoked", true),
        Update::remove(p),
        Update::remove(s),
    ]
}

/// Whether the company settings require a second factor of administrators (read only for
/// admins without one, so other refreshes cost no extra read).
async fn mfa_required_for_admins(store: &Store) -> Result<bool, Problem> {
    Ok(store
        .get(&keys::company_settings())
        .await?
        .and_then(|s| s.get("require_mfa_for_admins").and_then(Value::as_bool))
        .unwrap_or(false))
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
pub fn start(user: &User, client: &ClientInfo) -> Result<(String, WriteOp), StoreError> {
    let family = random_token(16);
    let secret = random_token(32);
    let session = Session {
        user_id: user.id.clone(),
        current_hash: sha256_hex(&secret),
        used_hashes: Vec::new(),
        epoch: user.session_epoch,
        revoked: false,
        created_at: accounts::now_rfc3339(),
        last_used_at: None,
        user_agent: client.user_agent.clone(),
        ip: client.ip.clone(),
    };
    let mut item = to_item(&keys::session(&family), &session)?;
    let (p, s) = Index::Gsi1.attributes();
    item.insert(p.into(), keys::sessions_of_user(&user.id).into());
    item.insert(s.into(), format!("{}#{family}", session.created_at).into());
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
            store.update(&key, revoke_updates(), None).await?;
            tracing::warn!(user_id = %session.user_id, "refresh token reused: session family revoked");
        }
        return Err(invalid());
    }
    let user = accounts::get_user(store, &session.user_id)
        .await?
        .ok_or_else(invalid)?;
    if user.status != UserStatus::Active || user.session_epoch != session.epoch {
        store.update(&key, revoke_updates(), None).await?;
        return Err(invalid());
    }
    if user.role == Some(Role::Admin) && !user.mfa_enabled && mfa_required_for_admins(store).await?
    {
        return Err(Problem::forbidden(
            "mfa-setup-required",
            "The company requires two-factor sign-in for administrators: sign in again with your password to set it up.",
        ));
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
                Update::set("last_used_at", accounts::now_rfc3339()),
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
            .update(&key, revoke_updates(), Some(Condition::Exists))
            .await?;
    }
    Ok(())
}

/// One of a user's sessions as its owner sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionView {
    /// The session id: the part of its refresh token before the `.`.
    pub id: String,
    /// RFC 3339, UTC: when the sign-in happened.
    pub created_at: String,
    /// RFC 3339, UTC: when its refresh token was last used (`null`: not since sign-in).
    pub last_used_at: Option<String>,
    /// The client's `User-Agent` at sign-in.
    pub user_agent: Option<String>,
    /// The client's address at sign-in.
    pub ip: Option<String>,
    /// The session of the refresh token given in `X-Refresh-Token`.
    pub current: bool,
}

/// Sessions read at most per list (the newest first).
const MAX_LISTED_READ: usize = 500;

/// The user's live sessions, newest first: not revoked, not expired, of the current
/// `session_epoch`. `current_family` marks the caller's own.
pub async fn list(
    store: &Store,
    user: &User,
    current_family: Option<&str>,
) -> Result<Vec<SessionView>, Problem> {
    let mut views = Vec::new();
    let mut cursor = None;
    let mut read = 0;
    loop {
        let page = store
            .query(
                Query::index(Index::Gsi1, keys::sessions_of_user(&user.id))
                    .backwards()
                    .limit(100)
                    .after(cursor),
            )
            .await?;
        read += page.items.len();
        for item in page.items {
            let Some(id) = item
                .get(table::PK)
                .and_then(Value::as_str)
                .and_then(|pk| pk.strip_prefix("SESSION#"))
                .map(str::to_string)
            else {
                continue;
            };
            let session: Session = from_item(item)?;
            if session.revoked || session.epoch != user.session_epoch || session.user_id != user.id
            {
                continue;
            }
            views.push(SessionView {
                current: current_family == Some(id.as_str()),
                id,
                created_at: session.created_at,
                last_used_at: session.last_used_at,
                user_agent: session.user_agent,
                ip: session.ip,
            });
        }
        match page.cursor {
            Some(c) if read < MAX_LISTED_READ => cursor = Some(c),
            _ => return Ok(views),
        }
    }
}

/// The session id of a refresh token (whether or not it is still valid).
pub fn family_of(token: &str) -> Option<&str> {
    parse(token).map(|(family, _)| family)
}

/// The write that ends one of the user's sessions; its condition fails when there is no
/// such live session of this user. `None` for an id that cannot be a session.
pub fn end_op(user_id: &str, family: &str) -> Option<WriteOp> {
    parse(&format!("{family}.x"))?;
    Some(WriteOp::Update {
        key: keys::session(family),
        updates: revoke_updates(),
        condition: Some(Condition::And(vec![
            Condition::eq("user_id", user_id),
            Condition::eq("revoked", false),
        ])),
    })
}

/// The writes of a sign-in once the user proved who they are (password, second factor):
/// the new session, its `user.login` audit record and the refill of the login throttle's
/// buckets; and the session's refresh token.
pub fn sign_in_ops(
    actor: &erp_shared::audit::Actor,
    client: &ClientInfo,
    user: &User,
) -> Result<(String, Vec<WriteOp>), Problem> {
    let (refresh_token, session_op) = start(user, client)?;
    let audit_op = erp_shared::audit::record(
        &actor.as_user(&user.id, user.role),
        "user.login",
        "user",
        &user.id,
        Vec::new(),
    )?;
    let mut ops = vec![session_op, audit_op];
    ops.extend(crate::credentials::success_ops(user, actor));
    Ok((refresh_token, ops))
}

/// A new access token for the user.
pub async fn access_token(
    state: &erp_shared::state::AppState,
    user: &User,
) -> Result<String, Problem> {
    let role = user
        .role
        .ok_or_else(|| Problem::internal("active user without a role"))?;
    state
        .tokens
        .issue(&user.id, role)
        .await
        .map_err(Problem::internal)
}
