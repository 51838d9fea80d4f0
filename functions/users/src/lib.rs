//! Function `users` (admin only): list users, invite, approve or reject registrations,
//! change roles and deactivate accounts.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use erp_shared::accounts;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission, Role};
use erp_shared::domain::user::parse_name;
use erp_shared::domain::{Email, User, UserStatus};
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, CursorCodec, Json, ListParams, ListResponse, Path, Query};
use erp_shared::state::AppState;
use erp_shared::store::{self, Index, keys};

const MANAGE: Access = Access::Permission(Permission::UsersManage);

mod company;
mod outbox_admin;

pub fn routes() -> ApiRouter {
    outbox_admin::routes()
        .merge(company::routes())
        .route(Method::GET, "/api/v1/users", MANAGE, list_users)
        .route(Method::POST, "/api/v1/users", MANAGE, invite_user)
        .route(Method::GET, "/api/v1/users/{id}", MANAGE, get_user)
        .route(Method::PATCH, "/api/v1/users/{id}", MANAGE, patch_user)
        .route(
            Method::POST,
            "/api/v1/users/{id}/approve",
            MANAGE,
            approve_user,
        )
        .route(
            Method::POST,
            "/api/v1/users/{id}/reject",
            MANAGE,
            reject_user,
        )
        .route(
            Method::POST,
            "/api/v1/users/{id}/invitation",
            MANAGE,
            resend_invitation,
        )
        .route(
            Method::DELETE,
            "/api/v1/users/{id}/invitation",
            MANAGE,
            revoke_invitation,
        )
        .route(
            Method::POST,
            "/api/v1/users/{id}/unlock",
            MANAGE,
            unlock_user,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_users,
        invite_user,
        get_user,
        patch_user,
        approve_user,
        reject_user,
        resend_invitation,
        revoke_invitation,
        unlock_user
    ),
    components(schemas(UserView, UserStatus, Role, ProblemBody, FieldError))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(outbox_admin::ApiDoc::openapi());
    doc.merge(company::ApiDoc::openapi());
    doc
}

/// A user as the API shows it (never the password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Option<Role>,
    pub status: UserStatus,
    pub created_at: String,
    pub updated_at: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email.to_string(),
            name: u.name,
            role: u.role,
            status: u.status,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only users with this status (newest first); without it, all users by email.
    pub status: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// List users, by status (newest first) or all by email.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserFilter), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<UserView>), (status = 400, body = ProblemBody), (status = 403, body = ProblemBody)))]
async fn list_users(
    State(state): State<AppState>,
    Query(f): Query<UserFilter>,
) -> ApiResult<Json<ListResponse<UserView>>> {
    let params = ListParams {
        limit: f.limit,
        cursor: f.cursor,
    };
    let limit = params.limit()?;
    let status = match f.status.as_deref() {
        None => None,
        Some(s) => Some(UserStatus::parse(s).ok_or_else(|| {
            Problem::field(
                "status",
                "must be one of pending, invited, active, rejected, deactivated",
            )
        })?),
    };
    let keys_ = state
        .tokens
        .secrets()
        .signing_keys()
        .await
        .map_err(Problem::internal)?;
    let codec = CursorCodec::new(&keys_);
    let scope = format!("users?status={}", status.map(|s| s.as_str()).unwrap_or(""));
    let cursor = codec.decode_opt(&scope, params.cursor.as_deref())?;
    let query = match status {
        Some(s) => store::Query::index(Index::Gsi1, keys::users_by_status(s.as_str())).backwards(),
        None => store::Query::index(Index::Gsi2, keys::USERS_BY_EMAIL),
    };
    let page = state.store.query(query.limit(limit).after(cursor)).await?;
    let items = page
        .items
        .into_iter()
        .map(|i| store::from_item::<User>(i).map(UserView::from))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(ListResponse {
        items,
        next_cursor: page.cursor.map(|c| codec.encode(&scope, &c)),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteRequest {
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// Invite someone: creates the account with a role and emails a link to set a password.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = InviteRequest, security(("bearer" = [])),
    responses((status = 201, body = UserView), (status = 409, body = ProblemBody, description = "email already registered"),
              (status = 422, body = ProblemBody)))]
async fn invite_user(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<InviteRequest>,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let email = Email::parse(&req.email).map_err(|m| {
        errors.push(FieldError {
            field: "email".into(),
            message: m.into(),
        })
    });
    let name = parse_name(&req.name).map_err(|m| {
        errors.push(FieldError {
            field: "name".into(),
            message: m.into(),
        })
    });
    let (Ok(email), Ok(name)) = (email, name) else {
        return Err(Problem::validation(errors));
    };
    let user = accounts::new_user(email, name, Some(req.role), UserStatus::Invited, None);
    let (outbox_id, outbox_op) = invitation(&state, &user).await?;
    let mut ops = accounts::create_user_ops(&user)?;
    ops.extend([
        outbox_op,
        audit::record(
            &actor,
            "user.invited",
            "user",
            &user.id,
            audit::diff(None, Some(&user)),
        )?,
    ]);
    match state.store.transact(ops).await {
        Ok(()) => {}
        Err(e) if e.failed_op(accounts::EMAIL_GUARD_OP) => {
            return Err(Problem::conflict(
                "email-taken",
                "An account with this email already exists.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(user_id = %user.id, role = req.role.as_str(), "user invited");
    state.deliver_now(&[outbox_id]).await;
    Ok((StatusCode::CREATED, Json(UserView::from(user))).into_response())
}

/// The invitation email of a user, queued (its link is minted when it is sent).
async fn invitation(
    state: &AppState,
    user: &User,
) -> ApiResult<(String, erp_shared::store::WriteOp)> {
    let message = templates::invite(
        &state.brand().await?,
        user.email.as_str(),
        &user.name,
        &state.config.public_url,
        &user.id,
    );
    Ok(outbox::enqueue("invite", message)?)
}

fn not_invited() -> Problem {
    Problem::conflict(
        "not-invited",
        "Only accounts whose invitation is not yet accepted have an invitation.",
    )
}

/// Send an invitation again, with a new link (for example after the first one expired).
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 202, body = UserView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "not invited")))]
async fn resend_invitation(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user = load(&state, &id).await?;
    if user.status != UserStatus::Invited {
        return Err(not_invited());
    }
    let (outbox_id, outbox_op) = invitation(&state, &user).await?;
    let audit_op = audit::record(&actor, "user.invitation_resent", "user", &id, Vec::new())?;
    state.store.transact(vec![outbox_op, audit_op]).await?;
    state.deliver_now(&[outbox_id]).await;
    Ok((StatusCode::ACCEPTED, Json(UserView::from(user))).into_response())
}

/// Revoke an invitation: the account is removed, its links stop working and the address is
/// free to be invited again.
#[utoipa::path(delete, path = "/api/v1/users/{id}/invitation", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "revoked"), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "not invited")))]
async fn revoke_invitation(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = load(&state, &id).await?;
    if user.status != UserStatus::Invited {
        return Err(not_invited());
    }
    let ops = vec![
        erp_shared::store::WriteOp::Delete {
            key: keys::user(&id),
            condition: Some(erp_shared::store::Condition::version_is(user.version)),
        },
        erp_shared::store::WriteOp::Delete {
            key: keys::user_email(user.email.as_str()),
            condition: None,
        },
        audit::record(
            &actor,
            "user.invitation_revoked",
            "user",
            &id,
            audit::diff(Some(&user), None),
        )?,
    ];
    match state.store.transact(ops).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(e) if e.failed_op(0) => Err(Problem::conflict(
            "concurrent-update",
            "The user was changed by someone else; reload and retry.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Unlock sign-in: attempts on the account from every network count from zero again.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 204, description = "unlocked"), (status = 404, body = ProblemBody)))]
async fn unlock_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let user = load(&state, &id).await?;
    let now = chrono::Utc::now().timestamp();
    state
        .store
        .transact(vec![
            erp_shared::login_throttle::unlock_op(user.email.as_str(), now),
            audit::record(&actor, "user.unlocked", "user", &id, Vec::new())?,
        ])
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn load(state: &AppState, id: &str) -> ApiResult<User> {
    if id.len() > 64 {
        return Err(Problem::not_found("The user"));
    }
    accounts::get_user(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("The user"))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = ProblemBody)))]
async fn get_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(load(&state, &id).await?.into()))
}

async fn save(
    state: &AppState,
    actor: &Actor,
    action: &str,
    before: &User,
    mut after: User,
) -> ApiResult<Json<UserView>> {
    let mut ops = accounts::save_user_ops(before, &mut after)?;
    ops.push(audit::record(
        actor,
        action,
        "user",
        &after.id,
        audit::diff(Some(before), Some(&after)),
    )?);
    state
        .store
        .transact(ops)
        .await
        .map_err(accounts::save_user_error)?;
    Ok(Json(after.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct ApproveRequest {
    pub role: Role,
}

/// Approve a pending registration with a role.
#[utoipa::path(post, path = "/api/v1/users/{id}/approve", tag = "users", params(("id" = String, Path)),
    request_body = ApproveRequest, security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "not pending")))]
async fn approve_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<ApproveRequest>,
) -> ApiResult<Json<UserView>> {
    let before = load(&state, &id).await?;
    if before.status != UserStatus::Pending {
        return Err(Problem::conflict(
            "not-pending",
            "Only pending registrations can be approved.",
        ));
    }
    let mut after = before.clone();
    after.status = UserStatus::Active;
    after.role = Some(req.role);
    tracing::info!(user_id = %id, role = req.role.as_str(), "registration approved");
    save(&state, &actor, "user.approved", &before, after).await
}

/// Reject a pending registration.
#[utoipa::path(post, path = "/api/v1/users/{id}/reject", tag = "users", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "not pending")))]
async fn reject_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<UserView>> {
    let before = load(&state, &id).await?;
    if before.status != UserStatus::Pending {
        return Err(Problem::conflict(
            "not-pending",
            "Only pending registrations can be rejected.",
        ));
    }
    let mut after = before.clone();
    after.status = UserStatus::Rejected;
    tracing::info!(user_id = %id, "registration rejected");
    save(&state, &actor, "user.rejected", &before, after).await
}

#[derive(Deserialize, ToSchema)]
pub struct PatchUser {
    pub role: Option<Role>,
    /// `false` deactivates the account (and ends its sessions); `true` reactivates it.
    pub active: Option<bool>,
}

/// Change a user's role or deactivate / reactivate the account. The last active admin can be
/// neither demoted nor deactivated.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    request_body = PatchUser, security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 403, body = ProblemBody, description = "the caller's own account"), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "last admin, or the account is not active or deactivated"),
              (status = 422, body = ProblemBody)))]
async fn patch_user(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<PatchUser>,
) -> ApiResult<Json<UserView>> {
    if req.role.is_none() && req.active.is_none() {
        return Err(Problem::field("body", "give a role, active, or both"));
    }
    if actor.id == id {
        return Err(Problem::forbidden(
            "own-account",
            "You cannot change your own role or active flag; another administrator can.",
        ));
    }
    let before = load(&state, &id).await?;
    let mut after = before.clone();
    if let Some(role) = req.role {
        if before.status == UserStatus::Pending {
            return Err(Problem::conflict(
                "not-approved",
                "Approve the registration to give it a role.",
            ));
        }
        after.role = Some(role);
    }
    if let Some(active) = req.active {
        after.status = match (before.status, active) {
            (UserStatus::Active | UserStatus::Deactivated, true) => UserStatus::Active,
            (UserStatus::Active | UserStatus::Deactivated, false) => UserStatus::Deactivated,
            _ => {
                return Err(Problem::conflict(
                    "invalid-status",
                    "Only active or deactivated accounts can be activated or deactivated.",
                ));
            }
        };
        if before.status == UserStatus::Active && after.status == UserStatus::Deactivated {
            // Ends every refresh-token session of the user.
            after.session_epoch += 1;
        }
    }
    tracing::info!(user_id = %id, role = ?after.role, status = after.status.as_str(), "user updated");
    save(&state, &actor, "user.updated", &before, after).await
}
