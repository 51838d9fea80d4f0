//! Two-factor sign-in with TOTP (RFC 6238) and one-time recovery codes.
//!
//! - A user turns it on with `POST /auth/mfa/setup` (a new secret, shown once as base32 and as
//!   an `otpauth://` URI, not active yet) and `POST /auth/mfa/enable {code}` (the first code
//!   proves the app has the secret; answers 10 recovery codes, stored hashed).
//! - With it on, the password step of login answers a challenge instead of tokens
//!   ([`MfaChallenge`], 5 minutes, stored hashed, bound to the user and their
//!   `session_epoch`), and `POST /auth/login/mfa {challenge, code | recovery_code}` gives the
//!   tokens. Codes are accepted one step (30 s) either side of now, a step once used is never
//!   accepted again (the last used step is stored and the write is version-checked), a recovery
//!   code works once, and every attempt draws from the login throttle; a challenge dies after
//!   5 wrong codes.
//! - When the company requires two-factor sign-in for administrators
//!   (`require_mfa_for_admins`), an admin without it is not locked out: the password step
//!   answers a `setup` challenge, `POST /auth/login/mfa/setup {challenge}` gives a secret, and
//!   `POST /auth/login/mfa {challenge, code}` turns it on and signs in (answering the recovery
//!   codes too). Their refresh tokens stop working until then.
//! - `POST /auth/mfa/disable {password, code | recovery_code}` turns it off (refused while the
//!   company requires it of the caller); `POST /auth/mfa/recovery-codes` replaces the codes.
//!
//! The secret is kept in the user's partition (`USER#<id>` / `MFA`), never in the user item
//! (so it is never in the audit trail), and the user item's `mfa_enabled` says whether login
//! asks for it.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use erp_shared::accounts;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Principal, Role, random_token, sha256_hex, totp};
use erp_shared::domain::{User, UserStatus};
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, Problem, ProblemBody};
use erp_shared::http::Json;
use erp_shared::state::AppState;
use erp_shared::store::{
    Condition, Store, StoreError, Update, WriteOp, from_item, keys, table, to_item,
};

use crate::credentials;
use crate::sessions::{self, ClientInfo};

/// How long the second step of a login waits for its code.
pub const CHALLENGE_TTL_SECS: i64 = 5 * 60;
/// How long an admin has to set up two-factor sign-in during a login that requires it.
pub const SETUP_CHALLENGE_TTL_SECS: i64 = 10 * 60;
/// Wrong codes before a challenge dies (the password must be given again).
pub const MAX_CHALLENGE_ATTEMPTS: i64 = 5;
/// Recovery codes handed out at a time.
pub const RECOVERY_CODES: usize = 10;

/// The two-factor settings of one user, as stored.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct MfaRecord {
    pub user_id: String,
    #[serde(default)]
    pub enabled: bool,
    /// The active secret (base32).
    #[serde(default)]
    pub secret: Option<String>,
    /// A secret from setup, waiting for its first code (base32).
    #[serde(default)]
    pub pending_secret: Option<String>,
    /// SHA-256 of `<user id>:<normalised code>` of each unused recovery code.
    #[serde(default)]
    pub recovery_hashes: Vec<String>,
    /// The last TOTP step accepted: no code of this step or an earlier one works again.
    #[serde(default)]
    pub last_step: Option<i64>,
    #[serde(default)]
    pub enabled_at: Option<String>,
    #[serde(default)]
    pub version: i64,
}

pub(crate) async fn load(store: &Store, user_id: &str) -> Result<Option<MfaRecord>, Problem> {
    Ok(store
        .get(&keys::mfa(user_id))
        .await?
        .map(from_item)
        .transpose()?)
}

/// The write that stores `after` in place of the version read (`None`: there was none).
fn save_op(after: &mut MfaRecord, before_version: Option<i64>) -> Result<WriteOp, Problem> {
    after.version = before_version.unwrap_or(0) + 1;
    let item = to_item(&keys::mfa(&after.user_id), after)?;
    Ok(WriteOp::Put {
        item,
        condition: Some(match before_version {
            None => Condition::NotExists,
            Some(v) => Condition::version_is(v),
        }),
    })
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn recovery_hash(user_id: &str, code: &str) -> String {
    sha256_hex(format!("{user_id}:{}", normalise_recovery(code)))
}

/// New recovery codes (`xxxxx-xxxxx`, 50 random bits each) and their hashes.
fn new_recovery_codes(user_id: &str) -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            // 20 fresh random bytes; 7 of them make 11 base32 characters, 10 are kept.
            let raw = totp::new_secret();
            let b32 = totp::base32_encode(&raw[..7]).to_ascii_lowercase();
            format!("{}-{}", &b32[..5], &b32[5..10])
        })
        .collect();
    let hashes = codes.iter().map(|c| recovery_hash(user_id, c)).collect();
    (codes, hashes)
}

/// A TOTP code or a recovery code.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SecondFactor {
    /// The 6-digit code the authenticator app shows.
    #[serde(default)]
    pub code: Option<String>,
    /// One of the recovery codes (`xxxxx-xxxxx`); each works once.
    #[serde(default)]
    pub recovery_code: Option<String>,
}

impl SecondFactor {
    fn given(&self) -> bool {
        let present = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        present(&self.code) || present(&self.recovery_code)
    }
}

/// The record after the factor was used (step recorded or recovery code spent), and whether
/// it was a recovery code. `None` when the factor is wrong, expired or already used.
fn use_factor(rec: &MfaRecord, f: &SecondFactor, now: i64) -> Option<(MfaRecord, bool)> {
    if !rec.enabled {
        return None;
    }
    let secret = rec.secret.as_deref().and_then(totp::base32_decode)?;
    if let Some(code) = f.code.as_deref().filter(|c| !c.trim().is_empty()) {
        let step = totp::verify(&secret, code, now, rec.last_step)?;
        let mut after = rec.clone();
        after.last_step = Some(step);
        return Some((after, false));
    }
    let given = f
        .recovery_code
        .as_deref()
        .filter(|c| !c.trim().is_empty() && c.len() <= 64)?;
    let hash = recovery_hash(&rec.user_id, given);
    let at = rec.recovery_hashes.iter().position(|h| *h == hash)?;
    let mut after = rec.clone();
    after.recovery_hashes.remove(at);
    Some((after, true))
}

fn wrong_code(status: StatusCode) -> Problem {
    Problem::new(
        status,
        "invalid-mfa-code",
        "Invalid code",
        "The code is wrong, expired or already used.",
    )
}

fn code_required() -> Problem {
    Problem::forbidden(
        "mfa-code-required",
        "Two-factor sign-in is on for this account: give the code of your authenticator app (`code`) or a recovery code (`recovery_code`).",
    )
}

/// Checks the second factor of a signed-in user (the caller has drawn from the throttle).
/// Answers the record to write (its version checked against `rec`), and whether a recovery
/// code was used.
pub(crate) async fn check_factor(
    state: &AppState,
    actor: &Actor,
    user: &User,
    rec: &MfaRecord,
    f: &SecondFactor,
    failed_action: &str,
) -> Result<(MfaRecord, bool), Problem> {
    if !f.given() {
        return Err(code_required());
    }
    match use_factor(rec, f, Utc::now().timestamp()) {
        Some(used) => Ok(used),
        None => {
            credentials::record_failure(state, actor, user, failed_action).await?;
            Err(wrong_code(StatusCode::FORBIDDEN))
        }
    }
}

/// The writes that put `after` in place of `rec` (checked against its version) and audit the
/// use of a recovery code.
pub(crate) fn factor_ops(
    actor: &Actor,
    user: &User,
    rec: &MfaRecord,
    mut after: MfaRecord,
    used_recovery: bool,
) -> Result<Vec<WriteOp>, Problem> {
    let mut ops = vec![save_op(&mut after, Some(rec.version))?];
    if used_recovery {
        ops.push(audit::record(
            &actor.as_user(&user.id, user.role),
            "user.mfa_recovery_code_used",
            "user",
            &user.id,
            Vec::new(),
        )?);
    }
    Ok(ops)
}

/// Whether the company requires a second factor of this user.
pub(crate) async fn required_for(state: &AppState, user: &User) -> Result<bool, Problem> {
    Ok(user.role == Some(Role::Admin) && state.company().await?.require_mfa_for_admins)
}

fn already_enabled() -> Problem {
    Problem::conflict(
        "mfa-already-enabled",
        "Two-factor sign-in is already on. Turn it off first to use another authenticator.",
    )
}

fn not_enabled() -> Problem {
    Problem::conflict("mfa-not-enabled", "Two-factor sign-in is not on.")
}

fn concurrent() -> Problem {
    Problem::conflict(
        "concurrent-update",
        "The two-factor settings changed at the same time; retry.",
    )
}

/// Writes a change of the two-factor settings; a failed condition means they changed
/// meanwhile.
async fn write(state: &AppState, ops: Vec<WriteOp>) -> Result<(), Problem> {
    match state.store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_condition() => Err(concurrent()),
        Err(e) => Err(e.into()),
    }
}

/// The record of a user with two-factor sign-in on.
async fn enabled_record(state: &AppState, user: &User) -> Result<MfaRecord, Problem> {
    load(&state.store, &user.id)
        .await?
        .filter(|r| r.enabled && user.mfa_enabled)
        .ok_or_else(not_enabled)
}

/// Whether the caller has two-factor sign-in on.
#[derive(Serialize, ToSchema)]
pub struct MfaStatus {
    pub enabled: bool,
    /// A setup was started and waits for its first code.
    pub setup_pending: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: usize,
    /// The company requires it of the caller (administrators, when the company says so).
    pub required: bool,
}

/// The caller's two-factor sign-in status.
#[utoipa::path(get, path = "/api/v1/auth/mfa", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MfaStatus), (status = 401, body = ProblemBody)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<MfaStatus>> {
    let user = credentials::active_user(&state, &principal).await?;
    let rec = load(&state.store, &user.id).await?;
    let enabled = user.mfa_enabled && rec.as_ref().is_some_and(|r| r.enabled);
    Ok(Json(MfaStatus {
        enabled,
        setup_pending: !enabled && rec.as_ref().is_some_and(|r| r.pending_secret.is_some()),
        recovery_codes_left: rec
            .filter(|_| enabled)
            .map_or(0, |r| r.recovery_hashes.len()),
        required: required_for(&state, &user).await?,
    }))
}

/// A new secret for an authenticator app.
#[derive(Serialize, ToSchema)]
pub struct MfaSetup {
    /// The secret, base32 (for typing into the app).
    pub secret: String,
    /// `otpauth://totp/...`: show it as a QR code.
    pub otpauth_uri: String,
    pub digits: u32,
    /// Seconds per code.
    pub period: i64,
    pub algorithm: &'static str,
}

/// The setup answer and the write storing the pending secret.
/// Stores a new pending secret with its audit record and answers it.
async fn start_setup(
    state: &AppState,
    user: &User,
    rec: Option<&MfaRecord>,
    actor: &Actor,
) -> ApiResult<Json<MfaSetup>> {
    let (answer, op) = begin_setup(state, user, rec).await?;
    let audit_op = audit::record(
        actor,
        "user.mfa_setup_started",
        "user",
        &user.id,
        Vec::new(),
    )?;
    write(state, vec![op, audit_op]).await?;
    Ok(Json(answer))
}

async fn begin_setup(
    state: &AppState,
    user: &User,
    rec: Option<&MfaRecord>,
) -> Result<(MfaSetup, WriteOp), Problem> {
    let secret = totp::new_secret();
    let encoded = totp::base32_encode(&secret);
    let mut after = rec.cloned().unwrap_or_else(|| MfaRecord {
        user_id: user.id.clone(),
        ..MfaRecord::default()
    });
    after.enabled = false;
    after.secret = None;
    after.recovery_hashes.clear();
    after.pending_secret = Some(encoded.clone());
    let op = save_op(&mut after, rec.map(|r| r.version))?;
    let issuer = state
        .company()
        .await?
        .legal_name
        .clone()
        .unwrap_or_else(|| "ERP".into());
    Ok((
        MfaSetup {
            otpauth_uri: totp::otpauth_uri(&issuer, user.email.as_str(), &secret),
            secret: encoded,
            digits: totp::DIGITS,
            period: totp::STEP_SECS,
            algorithm: "SHA1",
        },
        op,
    ))
}

/// Start turning on two-factor sign-in: a new secret for the authenticator app. Nothing
/// changes at login until `POST /auth/mfa/enable` confirms a first code; calling this again
/// replaces the secret.
#[utoipa::path(post, path = "/api/v1/auth/mfa/setup", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MfaSetup), (status = 401, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "two-factor sign-in is already on")))]
pub(crate) async fn setup(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
) -> ApiResult<Json<MfaSetup>> {
    let user = credentials::active_user(&state, &principal).await?;
    let rec = load(&state.store, &user.id).await?;
    if user.mfa_enabled || rec.as_ref().is_some_and(|r| r.enabled) {
        return Err(already_enabled());
    }
    start_setup(&state, &user, rec.as_ref(), &actor).await
}

#[derive(Deserialize, ToSchema)]
pub struct EnableRequest {
    /// The code the authenticator app shows for the new secret.
    pub code: String,
}

/// Recovery codes: each signs in once instead of a code (keep them somewhere safe; they
/// are shown only now).
#[derive(Serialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// The writes that turn two-factor sign-in on or off: `record_op` (the record's write or
/// deletion, version-checked) first, then the user's flag, the audit record and the email
/// telling the user. Answers them with the email's outbox id.
fn switch_ops(
    actor: &Actor,
    brand: &templates::Brand,
    before: &User,
    record_op: WriteOp,
    enabled: bool,
) -> Result<(Vec<WriteOp>, String), Problem> {
    let mut after = before.clone();
    after.mfa_enabled = enabled;
    let mut ops = vec![record_op];
    ops.extend(accounts::save_user_ops(before, &mut after)?);
    let (action, kind) = if enabled {
        ("user.mfa_enabled", "mfa_enabled")
    } else {
        ("user.mfa_disabled", "mfa_disabled")
    };
    let changes = audit::diff(Some(before), Some(&after));
    ops.push(audit::record(actor, action, "user", &before.id, changes)?);
    let email = before.email.as_str();
    let now = accounts::now_rfc3339();
    let message = templates::mfa_changed(brand, email, &before.name, enabled, &now);
    let (outbox_id, outbox_op) = outbox::enqueue(kind, message)?;
    ops.push(outbox_op);
    Ok((ops, outbox_id))
}

/// The record once the pending secret is confirmed by the code of `step`, and the new
/// recovery codes.
fn confirmed(rec: &MfaRecord, step: i64) -> (MfaRecord, Vec<String>) {
    let (codes, hashes) = new_recovery_codes(&rec.user_id);
    let mut after = rec.clone();
    after.enabled = true;
    after.secret = after.pending_secret.take();
    after.recovery_hashes = hashes;
    after.last_step = Some(step);
    after.enabled_at = Some(accounts::now_rfc3339());
    (after, codes)
}

/// The step of `code` for the pending secret of `rec`.
fn pending_step(rec: &MfaRecord, code: &str, now: i64) -> Option<i64> {
    let secret = rec
        .pending_secret
        .as_deref()
        .and_then(totp::base32_decode)?;
    totp::verify(&secret, code, now, None)
}

fn setup_missing() -> Problem {
    Problem::conflict(
        "mfa-setup-missing",
        "No two-factor setup is waiting: start with POST /api/v1/auth/mfa/setup.",
    )
}

/// Turn two-factor sign-in on with a first code from the app. Answers the recovery codes
/// and emails the user.
#[utoipa::path(post, path = "/api/v1/auth/mfa/enable", tag = "auth", request_body = EnableRequest, security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 401, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "already on, or no setup waiting"),
              (status = 422, body = ProblemBody, description = "wrong code")))]
pub(crate) async fn enable(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
    Json(req): Json<EnableRequest>,
) -> ApiResult<Json<RecoveryCodes>> {
    let user = credentials::active_user(&state, &principal).await?;
    let rec = load(&state.store, &user.id).await?;
    if user.mfa_enabled || rec.as_ref().is_some_and(|r| r.enabled) {
        return Err(already_enabled());
    }
    let rec = rec
        .filter(|r| r.pending_secret.is_some())
        .ok_or_else(setup_missing)?;
    let step = pending_step(&rec, &req.code, Utc::now().timestamp()).ok_or_else(|| {
        Problem::field(
            "code",
            "is wrong or expired: type the code your authenticator app shows now",
        )
    })?;
    let (mut after_rec, codes) = confirmed(&rec, step);
    let record_op = save_op(&mut after_rec, Some(rec.version))?;
    let actor = actor.as_user(&user.id, user.role);
    let (ops, outbox_id) = switch_ops(&actor, &state.brand().await?, &user, record_op, true)?;
    write(&state, ops).await?;
    tracing::info!(user_id = %user.id, "two-factor sign-in turned on");
    state.deliver_now(&[outbox_id]).await;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct DisableRequest {
    pub password: String,
    #[serde(flatten)]
    pub factor: SecondFactor,
}

/// Turn two-factor sign-in off: needs the password and a code (or a recovery code). Refused
/// while the company requires it of the caller. Emails the user.
#[utoipa::path(post, path = "/api/v1/auth/mfa/disable", tag = "auth", request_body = DisableRequest, security(("bearer" = [])),
    responses((status = 204, description = "turned off"), (status = 401, body = ProblemBody),
              (status = 403, body = ProblemBody, description = "wrong password or code"),
              (status = 409, body = ProblemBody, description = "not on, or required by the company"),
              (status = 429, body = ProblemBody, description = "too many attempts")))]
pub(crate) async fn disable(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
    Json(req): Json<DisableRequest>,
) -> ApiResult<StatusCode> {
    let user = credentials::active_user(&state, &principal).await?;
    let rec = enabled_record(&state, &user).await?;
    if required_for(&state, &user).await? {
        return Err(Problem::conflict(
            "mfa-required",
            "The company requires two-factor sign-in for administrators: it cannot be turned off.",
        ));
    }
    let failed = "user.mfa_disable_failed";
    credentials::check_password(&state, &actor, &user, &req.password, failed).await?;
    check_factor(&state, &actor, &user, &rec, &req.factor, failed).await?;
    let record_op = WriteOp::Delete {
        key: keys::mfa(&user.id),
        condition: Some(Condition::version_is(rec.version)),
    };
    let brand = state.brand().await?;
    let (mut ops, outbox_id) = switch_ops(&actor, &brand, &user, record_op, false)?;
    ops.extend(credentials::success_ops(&user, &actor));
    write(&state, ops).await?;
    tracing::info!(user_id = %user.id, "two-factor sign-in turned off");
    state.deliver_now(&[outbox_id]).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Replace the recovery codes (the old ones stop working): needs a code or a recovery code.
#[utoipa::path(post, path = "/api/v1/auth/mfa/recovery-codes", tag = "auth", request_body = SecondFactor, security(("bearer" = [])),
    responses((status = 200, body = RecoveryCodes), (status = 401, body = ProblemBody),
              (status = 403, body = ProblemBody, description = "wrong code"),
              (status = 409, body = ProblemBody, description = "two-factor sign-in is not on"),
              (status = 429, body = ProblemBody, description = "too many attempts")))]
pub(crate) async fn renew_recovery_codes(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
    Json(factor): Json<SecondFactor>,
) -> ApiResult<Json<RecoveryCodes>> {
    let user = credentials::active_user(&state, &principal).await?;
    let rec = enabled_record(&state, &user).await?;
    credentials::throttle(&state, user.email.as_str(), &actor).await?;
    let (mut after, _) =
        check_factor(&state, &actor, &user, &rec, &factor, "user.mfa_failed").await?;
    let (codes, hashes) = new_recovery_codes(&user.id);
    after.recovery_hashes = hashes;
    let ops = vec![
        save_op(&mut after, Some(rec.version))?,
        audit::record(
            &actor,
            "user.mfa_recovery_codes_renewed",
            "user",
            &user.id,
            Vec::new(),
        )?,
    ];
    write(&state, ops).await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

// ---- The second step of login ----

/// What the second step of a login asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MfaStep {
    /// Send a code (or a recovery code) to `POST /auth/login/mfa`.
    Totp,
    /// The company requires two-factor sign-in of this admin, who has none yet: get a secret
    /// from `POST /auth/login/mfa/setup`, then send its first code to `POST /auth/login/mfa`.
    Setup,
}

/// The answer of the password step when a second factor is needed (instead of tokens).
#[derive(Serialize, ToSchema)]
pub struct MfaChallenge {
    pub mfa: MfaStep,
    /// Pass it to the next step; it works once.
    pub challenge: String,
    /// Seconds the challenge stays valid.
    pub expires_in: i64,
    pub detail: String,
}

/// What the password step of login answers: tokens, or a challenge for the second factor.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    Tokens(crate::TokenResponse),
    SecondFactor(MfaChallenge),
}

#[derive(Serialize, Deserialize)]
struct StoredChallenge {
    user_id: String,
    step: MfaStep,
    /// The user's `session_epoch` at the password step: a password reset in between voids it.
    epoch: i64,
    #[serde(default)]
    attempts: i64,
    /// Epoch seconds.
    expires_at: i64,
}

/// Called by login once the password and the account's status are checked, before any
/// session starts: the challenge to answer instead of tokens, if a second factor is needed.
pub(crate) async fn second_step(
    state: &AppState,
    user: &User,
) -> Result<Option<MfaChallenge>, Problem> {
    let (step, ttl, detail) = if user.mfa_enabled {
        (
            MfaStep::Totp,
            CHALLENGE_TTL_SECS,
            "Enter the code of your authenticator app (or a recovery code) at POST /api/v1/auth/login/mfa.",
        )
    } else if required_for(state, user).await? {
        (
            MfaStep::Setup,
            SETUP_CHALLENGE_TTL_SECS,
            "The company requires two-factor sign-in for administrators, and your account has none yet: get a secret from POST /api/v1/auth/login/mfa/setup, add it to an authenticator app, then send its code to POST /api/v1/auth/login/mfa.",
        )
    } else {
        return Ok(None);
    };
    let challenge = random_token(32);
    let expires_at = Utc::now().timestamp() + ttl;
    let mut item = to_item(
        &keys::mfa_challenge(&sha256_hex(&challenge)),
        &StoredChallenge {
            user_id: user.id.clone(),
            step,
            epoch: user.session_epoch,
            attempts: 0,
            expires_at,
        },
    )?;
    item.insert(table::TTL.into(), Value::from(expires_at));
    state.store.put(item, Some(Condition::NotExists)).await?;
    Ok(Some(MfaChallenge {
        mfa: step,
        challenge,
        expires_in: ttl,
        detail: detail.into(),
    }))
}

fn invalid_challenge() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid-challenge",
        "Sign-in expired",
        "This sign-in step is invalid, expired or already used: sign in again with your password.",
    )
}

/// The live challenge of the token, its hash and its user.
async fn find_challenge(
    state: &AppState,
    token: &str,
) -> Result<(String, StoredChallenge, User), Problem> {
    if token.is_empty() || token.len() > 200 {
        return Err(invalid_challenge());
    }
    let hash = sha256_hex(token);
    let challenge: StoredChallenge = state
        .store
        .get(&keys::mfa_challenge(&hash))
        .await?
        .map(from_item)
        .transpose()?
        .filter(|c: &StoredChallenge| c.expires_at > Utc::now().timestamp())
        .ok_or_else(invalid_challenge)?;
    let user = accounts::get_user(&state.store, &challenge.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active && u.session_epoch == challenge.epoch)
        .ok_or_else(invalid_challenge)?;
    Ok((hash, challenge, user))
}

/// Counts a wrong code against the challenge; the last allowed one deletes it.
async fn count_wrong_code(state: &AppState, hash: &str) -> Result<(), Problem> {
    let key = keys::mfa_challenge(hash);
    match state
        .store
        .update(
            &key,
            vec![Update::add("attempts", 1)],
            Some(Condition::Exists),
        )
        .await
    {
        Ok(item) => {
            if item.get("attempts").and_then(Value::as_i64).unwrap_or(0) >= MAX_CHALLENGE_ATTEMPTS {
                state.store.delete(&key, None).await?;
            }
            Ok(())
        }
        Err(StoreError::ConditionFailed) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct SetupAtLoginRequest {
    /// The `setup` challenge of the password step.
    pub challenge: String,
}

/// During a login that requires two-factor sign-in of an admin who has none: a new secret
/// for the authenticator app (calling again replaces it). Then send its code with the same
/// challenge to `POST /auth/login/mfa`.
#[utoipa::path(post, path = "/api/v1/auth/login/mfa/setup", tag = "auth", request_body = SetupAtLoginRequest,
    responses((status = 200, body = MfaSetup), (status = 401, body = ProblemBody, description = "invalid or expired challenge")))]
pub(crate) async fn setup_at_login(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<SetupAtLoginRequest>,
) -> ApiResult<Json<MfaSetup>> {
    let (_, challenge, user) = find_challenge(&state, &req.challenge).await?;
    if challenge.step != MfaStep::Setup {
        return Err(invalid_challenge());
    }
    let rec = load(&state.store, &user.id).await?;
    if user.mfa_enabled || rec.as_ref().is_some_and(|r| r.enabled) {
        return Err(invalid_challenge());
    }
    start_setup(
        &state,
        &user,
        rec.as_ref(),
        &actor.as_user(&user.id, user.role),
    )
    .await
}

#[derive(Deserialize, ToSchema)]
pub struct MfaLoginRequest {
    /// The challenge of the password step.
    pub challenge: String,
    #[serde(flatten)]
    pub factor: SecondFactor,
}

/// The tokens of a completed two-step login.
#[derive(Serialize, ToSchema)]
pub struct MfaTokens {
    pub access_token: String,
    /// Absent when the client asked for it as a cookie (`X-Refresh-Cookie: 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Only after a setup at login: the new recovery codes, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

impl MfaTokens {
    fn of(tokens: crate::TokenResponse, recovery_codes: Option<Vec<String>>) -> Self {
        Self {
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            token_type: tokens.token_type,
            expires_in: tokens.expires_in,
            recovery_codes,
        }
    }
}

/// How the second step of a login was answered.
enum Answer {
    /// A code or a recovery code of the active secret.
    Factor {
        rec: MfaRecord,
        after: MfaRecord,
        used_recovery: bool,
    },
    /// The first code of the secret set up during this login: it turns two-factor sign-in
    /// on, with new recovery codes.
    Setup {
        rec: MfaRecord,
        after: MfaRecord,
        codes: Vec<String>,
    },
}

impl Answer {
    /// The factor checked against what the challenge asks for. `None` when it is wrong,
    /// expired or already used, or the account's two-factor state no longer fits.
    fn check(
        step: MfaStep,
        user: &User,
        rec: Option<MfaRecord>,
        factor: &SecondFactor,
        now: i64,
    ) -> Option<Self> {
        match (step, rec) {
            (MfaStep::Totp, Some(rec)) if user.mfa_enabled => {
                let (after, used_recovery) = use_factor(&rec, factor, now)?;
                Some(Answer::Factor {
                    rec,
                    after,
                    used_recovery,
                })
            }
            (MfaStep::Setup, Some(rec)) if !user.mfa_enabled && !rec.enabled => {
                let step = pending_step(&rec, factor.code.as_deref()?, now)?;
                let (after, codes) = confirmed(&rec, step);
                Some(Answer::Setup { rec, after, codes })
            }
            _ => None,
        }
    }

    fn used_recovery(&self) -> bool {
        matches!(
            self,
            Answer::Factor {
                used_recovery: true,
                ..
            }
        )
    }

    /// The new recovery codes of a setup at login.
    fn recovery_codes(&self) -> Option<Vec<String>> {
        match self {
            Answer::Setup { codes, .. } => Some(codes.clone()),
            Answer::Factor { .. } => None,
        }
    }

    /// The writes of the factor, the record first (version-checked), and the outbox ids of
    /// the emails they send.
    async fn ops(
        self,
        state: &AppState,
        actor: &Actor,
        user: &User,
    ) -> Result<(Vec<WriteOp>, Vec<String>), Problem> {
        match self {
            Answer::Factor {
                rec,
                after,
                used_recovery,
            } => Ok((
                factor_ops(actor, user, &rec, after, used_recovery)?,
                Vec::new(),
            )),
            Answer::Setup { rec, mut after, .. } => {
                let record_op = save_op(&mut after, Some(rec.version))?;
                let brand = state.brand().await?;
                let (ops, outbox_id) = switch_ops(actor, &brand, user, record_op, true)?;
                Ok((ops, vec![outbox_id]))
            }
        }
    }
}

/// The second step of a login: the challenge of the password step and a code from the
/// authenticator app (or a recovery code, which then stops working). After a `setup`
/// challenge, the code of the new secret turns two-factor sign-in on, and the answer also
/// carries the recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/login/mfa", tag = "auth", request_body = MfaLoginRequest,
    responses((status = 200, body = MfaTokens),
              (status = 401, body = ProblemBody, description = "wrong code (`invalid-mfa-code`) or invalid challenge (`invalid-challenge`)"),
              (status = 429, body = ProblemBody, description = "too many attempts")))]
pub(crate) async fn login_mfa(
    State(state): State<AppState>,
    actor: Actor,
    client: ClientInfo,
    cookie: crate::browser::RefreshCookie,
    Json(req): Json<MfaLoginRequest>,
) -> ApiResult<axum::response::Response> {
    let (hash, challenge, user) = find_challenge(&state, &req.challenge).await?;
    credentials::throttle(&state, user.email.as_str(), &actor).await?;
    let now = Utc::now().timestamp();
    let rec = load(&state.store, &user.id).await?;
    let actor = actor.as_user(&user.id, user.role);
    let Some(answer) = Answer::check(challenge.step, &user, rec, &req.factor, now) else {
        count_wrong_code(&state, &hash).await?;
        credentials::record_failure(&state, &actor, &user, "user.mfa_failed").await?;
        return Err(wrong_code(StatusCode::UNAUTHORIZED));
    };
    let (used_recovery, new_codes) = (answer.used_recovery(), answer.recovery_codes());
    // The challenge (op 0) and the factor (op 1, version-checked) are used once.
    let mut ops = vec![WriteOp::Delete {
        key: keys::mfa_challenge(&hash),
        condition: Some(Condition::Exists),
    }];
    let (factor, outbox_ids) = answer.ops(&state, &actor, &user).await?;
    ops.extend(factor);
    let (refresh_token, sign_in) = sessions::sign_in_ops(&actor, &client, &user)?;
    ops.extend(sign_in);
    match state.store.transact(ops).await {
        Ok(()) => {}
        Err(e) if e.failed_op(0) => return Err(invalid_challenge()),
        Err(e) if e.failed_op(1) => return Err(wrong_code(StatusCode::UNAUTHORIZED)),
        Err(e) if e.is_condition() => return Err(concurrent()),
        Err(e) => return Err(e.into()),
    }
    state.deliver_now(&outbox_ids).await;
    let (delivery, tokens) =
        crate::TokenResponse::issue(&state, &user, &cookie, refresh_token).await?;
    tracing::info!(user_id = %user.id, recovery = used_recovery, "login with a second factor");
    Ok(delivery.respond(Json(MfaTokens::of(tokens, new_codes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enabled_record() -> (MfaRecord, Vec<u8>, Vec<String>) {
        let secret = totp::new_secret();
        let (codes, hashes) = new_recovery_codes("u1");
        (
            MfaRecord {
                user_id: "u1".into(),
                enabled: true,
                secret: Some(totp::base32_encode(&secret)),
                recovery_hashes: hashes,
                version: 1,
                ..MfaRecord::default()
            },
            secret,
            codes,
        )
    }

    #[test]
    fn a_code_is_used_once_and_a_recovery_code_once() {
        let (rec, secret, codes) = enabled_record();
        let now = 1_700_000_000;
        let code = totp::code_at(&secret, now);
        let f = SecondFactor {
            code: Some(code.clone()),
            recovery_code: None,
        };
        let (after, recovery) = use_factor(&rec, &f, now).unwrap();
        assert!(!recovery);
        assert_eq!(after.last_step, Some(totp::step_at(now)));
        assert!(use_factor(&after, &f, now).is_none(), "replay refused");

        let r = SecondFactor {
            code: None,
            recovery_code: Some(codes[3].to_uppercase()),
        };
        let (after, recovery) = use_factor(&rec, &r, now).unwrap();
        assert!(recovery);
        assert_eq!(after.recovery_hashes.len(), RECOVERY_CODES - 1);
        assert!(use_factor(&after, &r, now).is_none(), "spent");
        assert!(
            use_factor(&rec, &SecondFactor::default(), now).is_none(),
            "nothing given"
        );
    }

    #[test]
    fn recovery_codes_are_distinct_and_readable() {
        let (codes, hashes) = new_recovery_codes("u1");
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        for c in &codes {
            assert_eq!(c.len(), 11);
            assert_eq!(&c[5..6], "-");
        }
        assert_eq!(hashes[0], recovery_hash("u1", &codes[0].replace('-', " ")));
        assert_ne!(hashes[0], recovery_hash("u2", &codes[0]));
    }
}
