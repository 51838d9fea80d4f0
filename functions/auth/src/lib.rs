//! Function `auth`: registration, login, token refresh and logout, the caller's profile and
//! password reset.

mod sessions;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use erp_shared::accounts::{self, TokenPurpose};
use erp_shared::audit::{self, Actor};
use erp_shared::auth::token::ACCESS_TTL_SECS;
use erp_shared::auth::{Access, Permission, Principal, password};
use erp_shared::config::RegistrationMode;
use erp_shared::domain::user::parse_name;
use erp_shared::domain::{Email, UserStatus};
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json};
use erp_shared::state::AppState;
use erp_shared::store::{Condition, Update, WriteOp, keys, table};

/// The routes of this function.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            Method::POST,
            "/api/v1/auth/register",
            Access::Public,
            register,
        )
        .route(Method::POST, "/api/v1/auth/login", Access::Public, login)
        .route(
            Method::POST,
            "/api/v1/auth/refresh",
            Access::Public,
            refresh,
        )
        .route(Method::POST, "/api/v1/auth/logout", Access::Public, logout)
        .route(Method::GET, "/api/v1/auth/me", Access::Authenticated, me)
        .route(
            Method::POST,
            "/api/v1/auth/password-reset/request",
            Access::Public,
            reset_request,
        )
        .route(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            Access::Public,
            reset_confirm,
        )
        .route(
            Method::GET,
            "/api/v1/openapi.json",
            Access::Public,
            openapi_json,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(register, login, refresh, logout, me, reset_request, reset_confirm),
    components(schemas(ProblemBody, FieldError, Permission))
)]
struct ApiDoc;

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        state.openapi.to_string(),
    )
        .into_response()
}

/// Failed logins before an account is locked.
pub const LOCK_AFTER_FAILURES: i64 = 5;
/// First lock lasts a minute, doubling with each further failure, up to an hour.
pub fn lock_secs(failures: i64) -> i64 {
    if failures < LOCK_AFTER_FAILURES {
        0
    } else {
        (60i64 << (failures - LOCK_AFTER_FAILURES).min(6)).min(3600)
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub password: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub status: &'static str,
    pub detail: &'static str,
}

fn validate(errors: &mut Vec<FieldError>, field: &str, r: Result<(), String>) {
    if let Err(message) = r {
        errors.push(FieldError {
            field: field.into(),
            message,
        });
    }
}

/// Register an account. It stays `pending` until an admin approves it and assigns a role;
/// the body cannot choose a role.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, body = Accepted), (status = 403, body = ProblemBody, description = "registration is closed"),
              (status = 422, body = ProblemBody)))]
async fn register(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<RegisterRequest>,
) -> ApiResult<Response> {
    if state.config.registration == RegistrationMode::Closed {
        return Err(Problem::forbidden(
            "registration-closed",
            "Registration is by invitation only.",
        ));
    }
    let mut errors = Vec::new();
    let email = Email::parse(&req.email);
    validate(
        &mut errors,
        "email",
        email.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    let name = parse_name(&req.name);
    validate(
        &mut errors,
        "name",
        name.as_ref().map(|_| ()).map_err(|e| e.to_string()),
    );
    let email_str = email.as_ref().ok().map(Email::as_str);
    validate(
        &mut errors,
        "password",
        password::weakness(&req.password, email_str).map_or(Ok(()), Err),
    );
    let (Ok(email), Ok(name), true) = (email, name, errors.is_empty()) else {
        return Err(Problem::validation(errors));
    };
    let hash = password::hash_async(req.password).await;
    let user = accounts::new_user(email, name, None, UserStatus::Pending, Some(hash));
    let mut ops = accounts::create_user_ops(&user)?;
    ops.push(audit::record(
        &actor,
        "user.registered",
        "user",
        &user.id,
        audit::diff(None, Some(&user)),
    )?);
    match state.store.transact(ops).await {
        Ok(()) => tracing::info!(user_id = %user.id, "registration pending approval"),
        // Taken email: answer exactly as for a new one, so registration reveals no accounts.
        Err(e) if e.failed_op(accounts::EMAIL_GUARD_OP) => {}
        Err(e) => return Err(e.into()),
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "pending",
            detail: "An administrator will review the registration.",
        }),
    )
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Log in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ProblemBody, description = "wrong email or password"),
              (status = 403, body = ProblemBody, description = "account pending, rejected or deactivated"),
              (status = 429, body = ProblemBody, description = "account temporarily locked")))]
async fn login(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let Ok(email) = Email::parse(&req.email) else {
        password::verify_async(req.password, None).await;
        return Err(Problem::invalid_credentials());
    };
    let now = Utc::now().timestamp();
    let lock_key = keys::login_lock(email.as_str());
    let found = state
        .store
        .batch_get(&[keys::user_email(email.as_str()), lock_key.clone()])
        .await?;
    let lock = found
        .iter()
        .find(|i| i.get(table::PK).and_then(Value::as_str) == Some(lock_key.pk.as_str()));
    if let Some(until) = lock
        .and_then(|l| l.get("locked_until"))
        .and_then(Value::as_i64)
        .filter(|u| *u > now)
    {
        return Err(Problem::too_many(
            "account-locked",
            "Too many failed logins: the account is locked for a while. Try again later or reset the password.",
            (until - now) as u64,
        ));
    }
    let guard = found
        .iter()
        .find(|i| i.get(table::PK).and_then(Value::as_str) != Some(lock_key.pk.as_str()));
    let user = match guard.and_then(accounts::guard_user_id) {
        Some(id) => accounts::get_user(&state.store, id).await?,
        None => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify_async(req.password, stored).await;
    if !password_ok {
        // The subject of a failed login: the account, or the address when there is none.
        let (entity_type, entity_id) = match &user {
            Some(u) => ("user", u.id.clone()),
            None => ("login", email.to_string()),
        };
        let updated = state
            .store
            .update(
                &lock_key,
                vec![
                    Update::add("failures", 1),
                    Update::set(table::TTL, now + 86_400),
                ],
                None,
            )
            .await?;
        let failures = updated.get("failures").and_then(Value::as_i64).unwrap_or(1);
        let secs = lock_secs(failures);
        let mut ops = vec![audit::record(
            &actor,
            "user.login_failed",
            entity_type,
            &entity_id,
            Vec::new(),
        )?];
        if secs > 0 {
            ops.push(WriteOp::Update {
                key: lock_key.clone(),
                updates: vec![Update::set("locked_until", now + secs)],
                condition: None,
            });
            ops.push(audit::record(
                &actor,
                "user.locked",
                entity_type,
                &entity_id,
                Vec::new(),
            )?);
            tracing::warn!(
                failures,
                lock_secs = secs,
                "login locked after repeated failures"
            );
        }
        state.store.transact(ops).await?;
        return Err(Problem::invalid_credentials());
    }
    // A password only verifies against a stored user.
    let user = user.ok_or_else(Problem::invalid_credentials)?;
    match user.status {
        UserStatus::Active => {}
        UserStatus::Pending => {
            return Err(Problem::forbidden(
                "account-pending",
                "The account is waiting for an administrator's approval.",
            ));
        }
        UserStatus::Rejected => {
            return Err(Problem::forbidden(
                "account-rejected",
                "The registration was rejected.",
            ));
        }
        UserStatus::Deactivated | UserStatus::Invited => {
            return Err(Problem::forbidden(
                "account-deactivated",
                "The account is deactivated.",
            ));
        }
    }
    let role = user
        .role
        .ok_or_else(|| Problem::internal("active user without a role"))?;
    let (refresh_token, session_op) = sessions::start(&user)?;
    let mut ops = vec![
        session_op,
        audit::record(
            &actor.as_user(&user.id, user.role),
            "user.login",
            "user",
            &user.id,
            Vec::new(),
        )?,
    ];
    if lock.is_some() {
        ops.push(WriteOp::Delete {
            key: lock_key,
            condition: None,
        });
    }
    state.store.transact(ops).await?;
    let access_token = state
        .tokens
        .issue(&user.id, role)
        .await
        .map_err(Problem::internal)?;
    tracing::info!(user_id = %user.id, "login");
    Ok(Json(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_SECS,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Exchange a refresh token for new tokens. The old refresh token stops working; presenting it
/// again revokes every token of its login session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ProblemBody)))]
async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Json<TokenResponse>> {
    let (user, refresh_token) = sessions::rotate(&state.store, &req.refresh_token).await?;
    let role = user
        .role
        .ok_or_else(|| Problem::internal("active user without a role"))?;
    let access_token = state
        .tokens
        .issue(&user.id, role)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(TokenResponse {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_SECS,
    }))
}

/// End the login session of this refresh token (its access tokens expire within 15 minutes).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "logged out")))]
async fn logout(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<StatusCode> {
    sessions::revoke(&state.store, &req.refresh_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: erp_shared::auth::Role,
    /// What the caller may do (the SPA hides the rest).
    pub permissions: Vec<Permission>,
}

/// The caller's profile and permissions.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ProblemBody)))]
async fn me(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<MeResponse>> {
    let user = accounts::get_user(&state.store, &principal.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(|| Problem::unauthenticated("The account is no longer active."))?;
    let role = user.role.unwrap_or(principal.role);
    Ok(Json(MeResponse {
        id: user.id,
        email: user.email.to_string(),
        name: user.name,
        role,
        permissions: role.permissions(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    pub email: String,
}

/// Ask for a password-reset email. Always 202, whether or not the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/request", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = Accepted)))]
async fn reset_request(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<ResetRequest>,
) -> ApiResult<Response> {
    let accepted = (
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "accepted",
            detail: "If the address has an account, a reset link is on its way.",
        }),
    )
        .into_response();
    // Read before the account lookup, so known and unknown addresses cost the same reads.
    let brand = state.brand().await?;
    let Ok(email) = Email::parse(&req.email) else {
        return Ok(accepted);
    };
    let Some(user) = accounts::find_by_email(&state.store, &email).await? else {
        return Ok(accepted);
    };
    if user.status != UserStatus::Active {
        return Ok(accepted);
    }
    let (token, token_op) = accounts::one_time_token(
        TokenPurpose::PasswordReset,
        &user.id,
        accounts::RESET_TTL_SECS,
    )?;
    let message = templates::password_reset(
        &brand,
        user.email.as_str(),
        &user.name,
        &state.config.public_url,
        &token,
        accounts::RESET_TTL_SECS / 60,
    );
    let (outbox_id, outbox_op) = outbox::enqueue("password_reset", message)?;
    let audit_op = audit::record(
        &actor,
        "user.password_reset_requested",
        "user",
        &user.id,
        Vec::new(),
    )?;
    state
        .store
        .transact(vec![token_op, outbox_op, audit_op])
        .await?;
    tracing::info!(user_id = %user.id, "password reset requested");
    state.deliver_now(&[outbox_id]).await;
    Ok(accepted)
}

#[derive(Deserialize, ToSchema)]
pub struct ResetConfirm {
    /// The token from the emailed link (password reset or invitation).
    pub token: String,
    pub new_password: String,
}

/// Set a new password with an emailed token (reset or invitation). Single use; signs out
/// every existing session.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirm,
    responses((status = 204, description = "password changed"), (status = 400, body = ProblemBody, description = "invalid or expired token"),
              (status = 422, body = ProblemBody, description = "weak password")))]
async fn reset_confirm(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<ResetConfirm>,
) -> ApiResult<StatusCode> {
    let invalid = || {
        Problem::bad_request(
            "invalid-token",
            "The link is invalid, expired or already used.",
        )
    };
    let (hash, token) = accounts::find_token(&state.store, &req.token)
        .await?
        .ok_or_else(invalid)?;
    let before = accounts::get_user(&state.store, &token.user_id)
        .await?
        .ok_or_else(invalid)?;
    let allowed = match token.purpose {
        TokenPurpose::PasswordReset => before.status == UserStatus::Active,
        TokenPurpose::Invite => before.status == UserStatus::Invited,
    };
    if !allowed {
        return Err(invalid());
    }
    if let Some(w) = password::weakness(&req.new_password, Some(before.email.as_str())) {
        return Err(Problem::field("new_password", w));
    }
    let mut after = before.clone();
    after.password_hash = Some(password::hash_async(req.new_password).await);
    after.session_epoch += 1;
    after.status = UserStatus::Active;
    let mut ops = accounts::save_user_ops(&before, &mut after)?;
    ops.push(WriteOp::Delete {
        key: keys::reset_token(&hash),
        condition: Some(Condition::Exists),
    });
    ops.push(WriteOp::Delete {
        key: keys::login_lock(before.email.as_str()),
        condition: None,
    });
    let token_op = ops.len() - 2;
    let action = match token.purpose {
        TokenPurpose::PasswordReset => "user.password_reset",
        TokenPurpose::Invite => "user.invite_accepted",
    };
    let actor = actor.as_user(&before.id, before.role);
    ops.push(audit::record(
        &actor,
        action,
        "user",
        &before.id,
        audit::diff(Some(&before), Some(&after)),
    )?);
    match state.store.transact(ops).await {
        Ok(()) => {}
        Err(e) if e.failed_op(token_op) => return Err(invalid()),
        Err(e) => return Err(accounts::save_user_error(e)),
    }
    tracing::info!(user_id = %after.id, purpose = ?token.purpose, "password set with emailed token");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_backs_off_and_caps_at_an_hour() {
        assert_eq!(lock_secs(4), 0);
        assert_eq!(lock_secs(5), 60);
        assert_eq!(lock_secs(6), 120);
        assert_eq!(lock_secs(8), 480);
        assert_eq!(lock_secs(50), 3600);
    }
}
