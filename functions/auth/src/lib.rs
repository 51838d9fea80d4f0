//! Function `auth`: registration, login, token refresh and logout, the caller's profile and
//! password reset.

mod account;
mod browser;
mod credentials;
mod mfa;
mod my_sessions;
mod password_change;
mod reauth;
mod sessions;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use erp_shared::accounts::{self, TokenPurpose};
use erp_shared::audit::{self, Actor};
use erp_shared::auth::token::ACCESS_TTL_SECS;
use erp_shared::auth::{Access, Permission, Principal, password};
use erp_shared::config::RegistrationMode;
use erp_shared::domain::user::parse_name;
use erp_shared::domain::{Email, User, UserStatus};
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Fields, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json};
use erp_shared::login_throttle;
use erp_shared::state::AppState;
use erp_shared::store::{Condition, WriteOp, keys};

/// The routes of this function.
pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            Method::POST,
            "/api/v1/auth/register",
            Access::Public,
            register,
        )
        .route(
            Method::POST,
            "/api/v1/auth/register/verify",
            Access::Public,
            verify_registration,
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
        .merge(account::routes())
}

#[derive(OpenApi)]
#[openapi(
    paths(
        register,
        verify_registration,
        login,
        refresh,
        logout,
        me,
        reset_request,
        reset_confirm
    ),
    components(schemas(ProblemBody, FieldError, Permission))
)]
struct ApiDoc;

/// This function's part of the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(account::ApiDoc::openapi());
    doc
}

async fn openapi_json(State(state): State<AppState>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        state.openapi.to_string(),
    )
        .into_response()
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub email: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub status: &'static str,
    pub detail: &'static str,
}

/// Register an account. A link to confirm the address is emailed; once confirmed, the account
/// stays `pending` until an admin approves it and assigns a role. The body cannot choose a
/// role, and the answer is the same whether or not the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 202, body = Accepted), (status = 403, body = ProblemBody, description = "registration is closed"),
              (status = 429, body = ProblemBody, description = "too many emails asked for from this client address"),
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
    let (email, name) = registration_fields(&req)?;
    emails_allowed(&state, &actor).await?;
    // No claim on the address until its owner confirms it: the registration holds no email
    // guard, so it cannot block the real owner or an invitation, and it expires. The
    // password is chosen with the emailed link, so whoever registered someone else's
    // address learns nothing that would let them in.
    let registration = accounts::Registration::new(email, name);
    let (ops, outbox_id) = registration_ops(&state, &registration).await?;
    match state.store.transact(ops).await {
        Ok(()) => {
            tracing::info!(registration_id = %registration.id, "registration waiting for its address to be confirmed");
            state.deliver_now(&[outbox_id]).await;
        }
        // A confirmation went to this address a moment ago: that link still works.
        Err(e) if e.failed_op(0) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(accepted(
        "verification-sent",
        "Check your inbox: confirm the address with the link we sent, then an administrator will review the registration.",
    ))
}

/// The address and name of a registration, or every field error.
fn registration_fields(req: &RegisterRequest) -> Result<(Email, String), Problem> {
    let mut f = Fields::new();
    let email = f.check("email", Email::parse(&req.email));
    let name = f.check("name", parse_name(&req.name));
    f.finish()?;
    email
        .zip(name)
        .ok_or_else(|| Problem::internal("checked fields missing"))
}

/// The writes of a registration: the address's email cooldown (op 0), the registration and
/// its confirmation email; and the email's outbox id.
async fn registration_ops(
    state: &AppState,
    registration: &accounts::Registration,
) -> ApiResult<(Vec<WriteOp>, String)> {
    let message = templates::verify_email(
        &state.brand().await?,
        registration.email.as_str(),
        &registration.name,
        &state.config.public_url,
        &registration.id,
    );
    let (outbox_id, outbox_op) = outbox::enqueue("verify_email", message)?;
    let now = Utc::now().timestamp();
    let ops = vec![
        accounts::mail_cooldown_op("register", &registration.email, now)?,
        registration.put_op()?,
        outbox_op,
    ];
    Ok((ops, outbox_id))
}

/// A 202: what was accepted, and what happens next.
fn accepted(status: &'static str, detail: &'static str) -> Response {
    (StatusCode::ACCEPTED, Json(Accepted { status, detail })).into_response()
}

/// Refuses a request that would email an address of the client's choosing when this client
/// address made too many lately (it says nothing about any account).
async fn emails_allowed(state: &AppState, actor: &Actor) -> ApiResult<()> {
    let now = Utc::now().timestamp();
    if login_throttle::email_request(&state.store, &credentials::address(actor), now).await? {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-requests",
        "Too many requests",
        "Too many emails were asked for from your network. Wait a few minutes and try again.",
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The token from the emailed confirmation link.
    pub token: String,
    /// The password of the new account.
    pub password: String,
}

/// Confirm a registration's address with the emailed link and choose the password. The account
/// then waits, `pending`, for an administrator's approval.
#[utoipa::path(post, path = "/api/v1/auth/register/verify", tag = "auth", request_body = VerifyRequest,
    responses((status = 200, body = Accepted), (status = 400, body = ProblemBody, description = "invalid or expired link"),
              (status = 422, body = ProblemBody, description = "weak password"),
              (status = 409, body = ProblemBody, description = "the address already has an account")))]
async fn verify_registration(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<VerifyRequest>,
) -> ApiResult<Json<Accepted>> {
    let (token_hash, token) = accounts::find_token(&state.store, &req.token)
        .await?
        .filter(|(_, t)| t.purpose == TokenPurpose::VerifyEmail)
        .ok_or_else(invalid_link)?;
    let registration = accounts::get_registration(&state.store, &token.subject)
        .await?
        .ok_or_else(invalid_link)?;
    credentials::strong_password("password", &req.password, &registration.email)?;
    let hash = password::hash_async(req.password).await;
    let user = accounts::new_user(
        registration.email,
        registration.name,
        None,
        UserStatus::Pending,
        Some(hash),
    );
    let (ops, token_op) = confirmation_ops(&actor, &user, &token_hash, &registration.id)?;
    match state.store.transact(ops).await {
        Ok(()) => tracing::info!(user_id = %user.id, "registration confirmed, pending approval"),
        Err(e) if e.failed_op(token_op) => return Err(invalid_link()),
        // The mailbox's owner has an account already (invited, or registered before).
        Err(e) if e.failed_op(accounts::EMAIL_GUARD_OP) => {
            return Err(Problem::conflict(
                "email-taken",
                "This address already has an account: sign in, or reset the password.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Json(Accepted {
        status: "pending",
        detail: "Address confirmed. An administrator will review the registration.",
    }))
}

/// The answer to an emailed link (confirmation, reset, invitation) that does not work.
fn invalid_link() -> Problem {
    Problem::bad_request(
        "invalid-token",
        "The link is invalid, expired or already used.",
    )
}

/// The write that uses up an emailed link (it fails when the link was used meanwhile).
fn use_link_op(token_hash: &str) -> WriteOp {
    WriteOp::Delete {
        key: keys::reset_token(token_hash),
        condition: Some(Condition::Exists),
    }
}

/// The writes that turn a confirmed registration into a pending account: the user and its
/// email guard, the link used up (its index answered), the registration gone, the audit
/// record.
fn confirmation_ops(
    actor: &Actor,
    user: &User,
    token_hash: &str,
    registration_id: &str,
) -> ApiResult<(Vec<WriteOp>, usize)> {
    let mut ops = accounts::create_user_ops(user)?;
    let token_op = ops.len();
    let registration = keys::registration(registration_id);
    let changes = audit::diff(None, Some(user));
    ops.extend([
        use_link_op(token_hash),
        WriteOp::Delete {
            key: registration,
            condition: None,
        },
        audit::record(actor, "user.registered", "user", &user.id, changes)?,
    ]);
    Ok((ops, token_op))
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Absent when the client asked for it as a cookie (`X-Refresh-Cookie: 1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Log in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = mfa::LoginAnswer, description = "the tokens, or a challenge for the second factor (`mfa`: `totp` or `setup`)"), (status = 401, body = ProblemBody, description = "wrong email or password"),
              (status = 403, body = ProblemBody, description = "account pending, rejected or deactivated"),
              (status = 429, body = ProblemBody, description = "too many attempts from this network (see login throttling in the README)")))]
async fn login(
    State(state): State<AppState>,
    actor: Actor,
    client: sessions::ClientInfo,
    cookie: browser::RefreshCookie,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Response> {
    let user = credentials::password_login(&state, &actor, &req.email, req.password).await?;
    credentials::may_sign_in(&user)?;
    // With two-factor sign-in on (or required of an admin), a challenge instead of tokens.
    if let Some(challenge) = mfa::second_step(&state, &user).await? {
        return Ok(Json(mfa::LoginAnswer::SecondFactor(challenge)).into_response());
    }
    let (refresh_token, ops) = sessions::sign_in_ops(&actor, &client, &user)?;
    state.store.transact(ops).await?;
    let (delivery, body) = TokenResponse::issue(&state, &user, &cookie, refresh_token).await?;
    tracing::info!(user_id = %user.id, "login");
    Ok(delivery.respond(Json(mfa::LoginAnswer::Tokens(body))))
}

impl TokenResponse {
    /// The tokens of a session just written: a new access token, and the refresh token in
    /// the body or, when the client asked for it, in the session cookie
    /// (`browser::Delivery::respond` sets it).
    pub(crate) async fn issue(
        state: &AppState,
        user: &User,
        cookie: &browser::RefreshCookie,
        refresh_token: String,
    ) -> ApiResult<(browser::Delivery, TokenResponse)> {
        let access_token = sessions::access_token(state, user).await?;
        let delivery = cookie.deliver(refresh_token);
        let body = TokenResponse {
            access_token,
            refresh_token: delivery.body.clone(),
            token_type: "Bearer",
            expires_in: ACCESS_TTL_SECS,
        };
        Ok((delivery, body))
    }
}

#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    /// The refresh token; leave it out to use the session cookie (with
    /// `X-Requested-With: erp`).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Exchange a refresh token for new tokens. The old refresh token stops working; presenting it
/// again revokes every token of its login session. A refresh made with the session cookie
/// answers with a new cookie.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = ProblemBody),
              (status = 403, body = ProblemBody, description = "the session cookie without `X-Requested-With: erp` (`csrf`)")))]
async fn refresh(
    State(state): State<AppState>,
    mut cookie: browser::RefreshCookie,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Response> {
    let presented = cookie.presented(req.refresh_token)?;
    let (user, refresh_token) = sessions::rotate(&state.store, &presented).await?;
    let (delivery, body) = TokenResponse::issue(&state, &user, &cookie, refresh_token).await?;
    Ok(delivery.respond(Json(body)))
}

/// End the login session of this refresh token (its access tokens expire within 15 minutes).
/// With the session cookie (and `X-Requested-With: erp`), the cookie is removed too.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "logged out"),
              (status = 403, body = ProblemBody, description = "the session cookie without `X-Requested-With: erp` (`csrf`)")))]
async fn logout(
    State(state): State<AppState>,
    mut cookie: browser::RefreshCookie,
    Json(req): Json<RefreshRequest>,
) -> ApiResult<Response> {
    let presented = cookie.presented(req.refresh_token);
    let mut res = StatusCode::NO_CONTENT.into_response();
    match presented {
        Ok(token) => sessions::revoke(&state.store, &token).await?,
        // Logout always succeeds; a cookie sent without the anti-CSRF header is not used.
        Err(p) if p.kind == "csrf" => return Err(p),
        Err(_) => {}
    }
    res.headers_mut().append(
        axum::http::header::SET_COOKIE,
        browser::RefreshCookie::clear(),
    );
    Ok(res)
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: erp_shared::auth::Role,
    /// What the caller may do (the SPA hides the rest).
    pub permissions: Vec<Permission>,
    /// How the company's figures are shown and computed, for every role (the settings
    /// themselves are admin-only).
    pub company: MeCompany,
}

/// The company's display settings every user needs.
#[derive(Serialize, ToSchema)]
pub struct MeCompany {
    /// The name on invoices and emails, when set.
    pub legal_name: Option<String>,
    /// ISO 4217: the currency of new customers and documents unless theirs differs.
    pub default_currency: String,
    /// IANA time zone of business dates and of times shown.
    pub time_zone: String,
    /// How line amounts are rounded to the currency's minor unit.
    pub rounding: erp_shared::domain::money::Rounding,
    /// `#RRGGBB`.
    pub brand_colour: String,
}

/// The caller's profile and permissions.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeResponse), (status = 401, body = ProblemBody)))]
async fn me(State(state): State<AppState>, principal: Principal) -> ApiResult<Json<MeResponse>> {
    let user = credentials::active_user(&state, &principal).await?;
    let role = user.role.unwrap_or(principal.role);
    let company = state.company().await?;
    Ok(Json(MeResponse {
        id: user.id,
        email: user.email.to_string(),
        name: user.name,
        role,
        permissions: role.permissions(),
        company: MeCompany {
            legal_name: company.legal_name.clone(),
            default_currency: company.default_currency.to_string(),
            time_zone: company.time_zone.clone(),
            rounding: state.config.rounding,
            brand_colour: company.brand_colour.clone(),
        },
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    pub email: String,
}

/// Ask for a password-reset email. Always 202, whether or not the address has an account;
/// at most one email per address every 15 minutes.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/request", tag = "auth", request_body = ResetRequest,
    responses((status = 202, body = Accepted), (status = 429, body = ProblemBody, description = "too many emails asked for from this client address")))]
async fn reset_request(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<ResetRequest>,
) -> ApiResult<Response> {
    let accepted = accepted(
        "accepted",
        "If the address has an account, a reset link is on its way.",
    );
    emails_allowed(&state, &actor).await?;
    let Ok(email) = Email::parse(&req.email) else {
        return Ok(accepted);
    };
    // The same work whatever the address: one message queued (at most one per cooldown),
    // never sent from here. The sender looks the account up and mints the link; for an
    // address without an active account it sends nothing.
    let message = templates::password_reset(
        &state.brand().await?,
        email.as_str(),
        &state.config.public_url,
    );
    let (_, outbox_op) = outbox::enqueue("password_reset", message)?;
    let now = Utc::now().timestamp();
    let ops = vec![
        accounts::mail_cooldown_op("reset", &email, now)?,
        outbox_op,
        audit::record(
            &actor,
            "user.password_reset_requested",
            "login",
            email.as_str(),
            Vec::new(),
        )?,
    ];
    match state.store.transact(ops).await {
        Ok(()) => tracing::info!("password reset queued"),
        Err(e) if e.failed_op(0) => {
            tracing::info!("password reset within the cooldown: not queued")
        }
        Err(e) => return Err(e.into()),
    }
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
    let (hash, token) = accounts::find_token(&state.store, &req.token)
        .await?
        .ok_or_else(invalid_link)?;
    let before = accounts::get_user(&state.store, &token.subject)
        .await?
        .filter(|u| link_fits(token.purpose, u.status))
        .ok_or_else(invalid_link)?;
    credentials::strong_password("new_password", &req.new_password, &before.email)?;
    let mut after = before.with_password(password::hash_async(req.new_password).await);
    after.status = UserStatus::Active;
    let (ops, token_op) = password_set_ops(&actor, &before, &mut after, &hash, token.purpose)?;
    match state.store.transact(ops).await {
        Ok(()) => {}
        Err(e) if e.failed_op(token_op) => return Err(invalid_link()),
        Err(e) => return Err(accounts::save_user_error(e)),
    }
    tracing::info!(user_id = %after.id, purpose = ?token.purpose, "password set with emailed token");
    Ok(StatusCode::NO_CONTENT)
}

/// Whether an emailed link of this purpose sets the password of an account in this status:
/// a reset link an active account's, an invitation an invited one's.
fn link_fits(purpose: TokenPurpose, status: UserStatus) -> bool {
    match purpose {
        TokenPurpose::PasswordReset => status == UserStatus::Active,
        TokenPurpose::Invite => status == UserStatus::Invited,
        TokenPurpose::VerifyEmail => false,
    }
}

/// The writes that set a password with an emailed link: the user, the link used up (its
/// index answered), the account's login lock lifted and the audit record.
fn password_set_ops(
    actor: &Actor,
    before: &User,
    after: &mut User,
    token_hash: &str,
    purpose: TokenPurpose,
) -> ApiResult<(Vec<WriteOp>, usize)> {
    let mut ops = accounts::save_user_ops(before, after)?;
    let token_op = ops.len();
    ops.push(use_link_op(token_hash));
    ops.push(WriteOp::Delete {
        key: keys::login_lock(before.email.as_str()),
        condition: None,
    });
    let action = match purpose {
        TokenPurpose::Invite => "user.invite_accepted",
        _ => "user.password_reset",
    };
    ops.push(audit::record(
        &actor.as_user(&before.id, before.role),
        action,
        "user",
        &before.id,
        audit::diff(Some(before), Some(&*after)),
    )?);
    Ok((ops, token_op))
}
