//! Checking what a signed-in user (or the second step of a login) presents again: the
//! password, a TOTP code or a recovery code. Every check draws from the same login throttle
//! as the password step of login ([`erp_shared::login_throttle`]), so a stolen access token
//! or a stolen password gives no extra guesses.

use axum::http::StatusCode;
use chrono::Utc;

use erp_shared::accounts;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Principal, password};
use erp_shared::domain::{Email, User, UserStatus};
use erp_shared::error::Problem;
use erp_shared::login_throttle::{self, Verdict};
use erp_shared::state::AppState;
use erp_shared::store::WriteOp;

/// The address the throttle counts attempts from.
pub fn address(actor: &Actor) -> String {
    actor.source_ip.clone().unwrap_or_else(|| "unknown".into())
}

/// The answer when the throttle refuses an attempt (as the password step of login).
pub fn too_many() -> Problem {
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-attempts",
        "Too many sign-in attempts",
        "Too many sign-in attempts from your network. Wait a few minutes and try again, reset your password, or ask an administrator to unlock the account.",
    )
}

/// Draws one attempt on the account of `email` from the actor's address, before a secret is
/// checked; waits the slow-down when the account's own bucket is empty. A refusal is
/// audited against the address tried (`login`, the email), whether or not it has an account.
pub async fn throttle(state: &AppState, email: &str, actor: &Actor) -> Result<(), Problem> {
    let now = Utc::now().timestamp();
    match login_throttle::attempt(&state.store, email, &address(actor), now).await? {
        Verdict::Refused => {
            tracing::warn!(address = %address(actor), "attempt refused by the login throttle");
            state
                .store
                .transact(vec![audit::record(
                    actor,
                    "user.login_throttled",
                    "login",
                    email,
                    Vec::new(),
                )?])
                .await?;
            Err(too_many())
        }
        Verdict::Attempt { slow } => {
            if slow {
                tokio::time::sleep(login_throttle::SLOWDOWN).await;
            }
            Ok(())
        }
    }
}

/// The writes that refill the account's buckets once the user proved who they are.
pub fn success_ops(user: &User, actor: &Actor) -> Vec<WriteOp> {
    login_throttle::success_ops(user.email.as_str(), &address(actor))
}

/// Records a failed check in the audit trail.
pub async fn record_failure(
    state: &AppState,
    actor: &Actor,
    user: &User,
    action: &str,
) -> Result<(), Problem> {
    state
        .store
        .transact(vec![audit::record(
            &actor.as_user(&user.id, user.role),
            action,
            "user",
            &user.id,
            Vec::new(),
        )?])
        .await?;
    Ok(())
}

/// The problem of a wrong password given by a signed-in user.
pub fn wrong_password() -> Problem {
    Problem::forbidden("wrong-password", "The password is wrong.")
}

/// Checks the user's password (throttled; a failure is audited as `failed_action`).
pub async fn check_password(
    state: &AppState,
    actor: &Actor,
    user: &User,
    given: &str,
    failed_action: &str,
) -> Result<(), Problem> {
    throttle(state, user.email.as_str(), actor).await?;
    let ok = password::verify_async(given.to_string(), user.password_hash.clone()).await;
    if ok {
        Ok(())
    } else {
        record_failure(state, actor, user, failed_action).await?;
        Err(wrong_password())
    }
}

/// The signed-in caller's account, while it is active.
pub async fn active_user(state: &AppState, principal: &Principal) -> Result<User, Problem> {
    accounts::get_user(&state.store, &principal.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(|| Problem::unauthenticated("The account is no longer active."))
}

/// The account of this email and password (the password step of login). Throttled before
/// the password is checked, so concurrent guesses each take a token; a wrong email costs
/// the same hashing as a wrong password, and a failure is audited.
pub async fn password_login(
    state: &AppState,
    actor: &Actor,
    email: &str,
    given: String,
) -> Result<User, Problem> {
    let Ok(email) = Email::parse(email) else {
        password::verify_async(given, None).await;
        return Err(Problem::invalid_credentials());
    };
    throttle(state, email.as_str(), actor).await?;
    let user = accounts::find_by_email(&state.store, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify_async(given, stored).await {
        record_failed_login(state, actor, user.as_ref(), &email).await?;
        return Err(Problem::invalid_credentials());
    }
    // A password only verifies against a stored user.
    user.ok_or_else(Problem::invalid_credentials)
}

/// Audits a failed login against the account, or the address when there is none.
async fn record_failed_login(
    state: &AppState,
    actor: &Actor,
    user: Option<&User>,
    email: &Email,
) -> Result<(), Problem> {
    let (entity_type, entity_id) = match user {
        Some(u) => ("user", u.id.clone()),
        None => ("login", email.to_string()),
    };
    state
        .store
        .transact(vec![audit::record(
            actor,
            "user.login_failed",
            entity_type,
            &entity_id,
            Vec::new(),
        )?])
        .await?;
    Ok(())
}

/// Refuses a sign-in to an account that is not active, saying why.
pub fn may_sign_in(user: &User) -> Result<(), Problem> {
    let (kind, detail) = match user.status {
        UserStatus::Active => return Ok(()),
        UserStatus::Pending => (
            "account-pending",
            "The account is waiting for an administrator's approval.",
        ),
        UserStatus::Rejected => ("account-rejected", "The registration was rejected."),
        UserStatus::Deactivated | UserStatus::Invited => {
            ("account-deactivated", "The account is deactivated.")
        }
    };
    Err(Problem::forbidden(kind, detail))
}

/// Refuses a weak new password (as the field `field`).
pub fn strong_password(field: &str, given: &str, email: &Email) -> Result<(), Problem> {
    match password::weakness(given, Some(email.as_str())) {
        Some(w) => Err(Problem::field(field, w)),
        None => Ok(()),
    }
}
