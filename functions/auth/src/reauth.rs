//! `POST /auth/reauth`: a fresh sign-in for a sensitive change (the company's bank details).
//! The password, and the second factor when it is on, give a token valid 5 minutes for this
//! user only, sent back in the `X-Reauth` header (see [`erp_shared::auth::reauth`]).

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Principal, reauth};
use erp_shared::error::{ApiResult, Problem, ProblemBody};
use erp_shared::http::Json;
use erp_shared::state::AppState;

use crate::credentials;
use crate::mfa::{self, SecondFactor};

#[derive(Deserialize, ToSchema)]
pub struct ReauthRequest {
    pub password: String,
    /// Required when two-factor sign-in is on: `code` or `recovery_code`.
    #[serde(flatten)]
    pub factor: SecondFactor,
}

#[derive(Serialize, ToSchema)]
pub struct ReauthResponse {
    /// Send it as the `X-Reauth` header of the sensitive request.
    pub reauth_token: String,
    /// Seconds it stays valid.
    pub expires_in: i64,
}

/// Sign in again (password, and the second factor when it is on) to prove a fresh sign-in
/// for a sensitive change: changing the company's bank details or its two-factor
/// requirement needs the answer's token in `X-Reauth`.
#[utoipa::path(post, path = "/api/v1/auth/reauth", tag = "auth", request_body = ReauthRequest, security(("bearer" = [])),
    responses((status = 200, body = ReauthResponse), (status = 401, body = ProblemBody),
              (status = 403, body = ProblemBody, description = "wrong password (`wrong-password`) or code (`invalid-mfa-code`), or the code is missing (`mfa-code-required`)"),
              (status = 429, body = ProblemBody, description = "too many attempts")))]
pub(crate) async fn reauthenticate(
    State(state): State<AppState>,
    actor: Actor,
    principal: Principal,
    Json(req): Json<ReauthRequest>,
) -> ApiResult<Json<ReauthResponse>> {
    let user = credentials::active_user(&state, &principal).await?;
    credentials::check_password(&state, &actor, &user, &req.password, "user.reauth_failed").await?;
    let mut ops = Vec::new();
    if user.mfa_enabled {
        let rec = mfa::load(&state.store, &user.id)
            .await?
            .filter(|r| r.enabled)
            .ok_or_else(|| Problem::internal("two-factor flag without its record"))?;
        let (after, used_recovery) = mfa::check_factor(
            &state,
            &actor,
            &user,
            &rec,
            &req.factor,
            "user.reauth_failed",
        )
        .await?;
        ops.extend(mfa::factor_ops(&actor, &user, &rec, after, used_recovery)?);
    }
    let (token, proof_op) = reauth::issue(&user.id)?;
    ops.push(proof_op);
    ops.push(audit::record(
        &actor,
        "user.reauthenticated",
        "user",
        &user.id,
        Vec::new(),
    )?);
    ops.extend(credentials::success_ops(&user, &actor));
    match state.store.transact(ops).await {
        Ok(()) => {}
        // The code was used at the same moment by another request.
        Err(e) if user.mfa_enabled && e.failed_op(0) => {
            return Err(Problem::forbidden(
                "invalid-mfa-code",
                "The code is wrong, expired or already used.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Json(ReauthResponse {
        reauth_token: token,
        expires_in: reauth::REAUTH_TTL_SECS,
    }))
}
