//! A signed-in user's own sessions: list them, end one.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use erp_shared::audit::{self, Actor};
use erp_shared::auth::Principal;
use erp_shared::error::{ApiResult, Problem, ProblemBody};
use erp_shared::http::{Json, Path};
use erp_shared::state::AppState;

use crate::credentials;
use crate::sessions::{self, SessionView};

/// The request header that names the caller's own session (its refresh token).
pub const REFRESH_TOKEN_HEADER: &str = "x-refresh-token";

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionView>,
}

/// The caller's live sessions, newest first (up to the 500 most recent sign-ins are read).
/// The caller's own session is marked `current`: the one of the refresh token in
/// `X-Refresh-Token`, or else of the browser's session cookie. A session's id is also the
/// part of its refresh token before the `.`.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "auth", security(("bearer" = [])),
    params(("X-Refresh-Token" = Option<String>, Header, description = "the caller's refresh token, to mark its session `current`")),
    responses((status = 200, body = SessionList), (status = 401, body = ProblemBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    cookie: crate::browser::RefreshCookie,
) -> ApiResult<Json<SessionList>> {
    let user = credentials::active_user(&state, &principal).await?;
    let current = headers
        .get(REFRESH_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(cookie.token())
        .and_then(|t| sessions::family_of(t.trim()));
    Ok(Json(SessionList {
        items: sessions::list(&state.store, &user, current).await?,
    }))
}

/// End one of the caller's sessions: its refresh token stops working (its access tokens
/// expire within 15 minutes). Another user's session, or one already ended, is a 404.
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "auth", security(("bearer" = [])),
    params(("id" = String, Path, description = "the session id")),
    responses((status = 204, description = "ended"), (status = 401, body = ProblemBody), (status = 404, body = ProblemBody)))]
pub(crate) async fn end(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let not_found = || Problem::not_found("The session");
    let end_op = sessions::end_op(&principal.user_id, &id).ok_or_else(not_found)?;
    let audit_op = audit::record(
        &actor,
        "user.session_ended",
        "user",
        &principal.user_id,
        Vec::new(),
    )?;
    match state.store.transact(vec![end_op, audit_op]).await {
        Ok(()) => {}
        Err(e) if e.failed_op(0) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    }
    Ok(StatusCode::NO_CONTENT)
}
