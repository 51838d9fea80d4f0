//! A signed-in user changes their password: the current one is required (and throttled like
//! login), every session ends (`session_epoch` moves on) and the caller gets a fresh one in
//! the answer, and an email tells the user.

use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;

use erp_shared::accounts;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Principal, password};
use erp_shared::domain::User;
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, Problem, ProblemBody};
use erp_shared::http::Json;
use erp_shared::state::AppState;
use erp_shared::store::WriteOp;

use crate::TokenResponse;
use crate::credentials;
use crate::sessions::{self, ClientInfo};

#[derive(Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change the caller's password. Every session of the account ends, this one included; the
/// answer carries the tokens of a new session, so the caller stays signed in. An email tells
/// the user. Access tokens already issued elsewhere stay valid until they expire (at most 15
/// minutes) but can no longer be refreshed.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePasswordRequest, security(("bearer" = [])),
    responses((status = 200, body = TokenResponse, description = "changed: the tokens of a new session"),
              (status = 401, body = ProblemBody),
              (status = 403, body = ProblemBody, description = "the current password is wrong (`wrong-password`)"),
              (status = 422, body = ProblemBody, description = "the new password is too weak"),
              (status = 429, body = ProblemBody, description = "too many attempts")))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
    client: ClientInfo,
    cookie: crate::browser::RefreshCookie,
    Json(req): Json<ChangePasswordRequest>,
) -> ApiResult<axum::response::Response> {
    let before = credentials::active_user(&state, &principal).await?;
    credentials::check_password(
        &state,
        &actor,
        &before,
        &req.current_password,
        "user.password_change_failed",
    )
    .await?;
    new_password_ok(&req, &before)?;
    let mut after = before.with_password(password::hash_async(req.new_password).await);
    let (ops, refresh_token, outbox_id) =
        change_ops(&state, &actor, &client, &before, &mut after).await?;
    state
        .store
        .transact(ops)
        .await
        .map_err(accounts::save_user_error)?;
    tracing::info!(user_id = %before.id, "password changed; other sessions ended");
    state.deliver_now(&[outbox_id]).await;
    let (delivery, body) = TokenResponse::issue(&state, &after, &cookie, refresh_token).await?;
    Ok(delivery.respond(Json(body)))
}

/// Refuses a new password that is weak or the same as the current one.
fn new_password_ok(req: &ChangePasswordRequest, user: &User) -> Result<(), Problem> {
    credentials::strong_password("new_password", &req.new_password, &user.email)?;
    if req.new_password == req.current_password {
        return Err(Problem::field(
            "new_password",
            "must differ from the current password",
        ));
    }
    Ok(())
}

/// The writes of a password change: the user, its audit record, a new session of the new
/// epoch (the old ones, this one's included, end), the email telling the user and the
/// refill of the login throttle. Answers them with the new session's refresh token and
/// the email's outbox id.
async fn change_ops(
    state: &AppState,
    actor: &Actor,
    client: &ClientInfo,
    before: &User,
    after: &mut User,
) -> ApiResult<(Vec<WriteOp>, String, String)> {
    let mut ops = accounts::save_user_ops(before, after)?;
    ops.push(audit::record(
        actor,
        "user.password_changed",
        "user",
        &before.id,
        audit::diff(Some(before), Some(&*after)),
    )?);
    let (refresh_token, session_op) = sessions::start(after, client)?;
    ops.push(session_op);
    let message = templates::password_changed(
        &state.brand().await?,
        before.email.as_str(),
        &before.name,
        &accounts::now_rfc3339(),
        actor.source_ip.as_deref(),
    );
    let (outbox_id, outbox_op) = outbox::enqueue("password_changed", message)?;
    ops.push(outbox_op);
    ops.extend(credentials::success_ops(before, actor));
    Ok((ops, refresh_token, outbox_id))
}
