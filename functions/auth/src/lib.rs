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
use erp_shared::domain::{Email, UserStatus};
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
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

fn validate(errors: &mut Vec<FieldError>, field: &str, r: Result<(), String>) {
    if let Err(message) = r {
        errors.push(FieldError {
            field: field.into(),
            message,
        });
    }
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
    let (Ok(email), Ok(name)) = (email, name) else {
        return Err(Problem::validation(errors));
    };
    emails_allowed(&state, &actor).await?;
    // No claim on the address until its owner confirms it: the registration holds no email
    // guard, so it cannot block the real owner or an invitation, and it expires. The
    // password is chosen with the emailed link, so whoever registered someone else's
    // address learns nothing that would let them in.
    let registration = accounts::Registration::new(email, name);
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
    match state.store.transact(ops).await {
        Ok(()) => {
            tracing::info!(registration_id = %registration.id, "registration waiting for its address to be confirmed");
            state.deliver_now(&[outbox_id]).await;
        }
        // A confirmation went to this address a moment ago: that link still works.
        Err(e) if e.failed_op(0) => {}
        Err(e) => return Err(e.into()),
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "verification-sent",
            detail: "Check your inbox: confirm the address with the link we sent, then an administrator will review the registration.",
        }),
    )
        .into_response())
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
    let invalid = || {
        Problem::bad_request(
            "invalid-token",
            "The link is invalid, expired or already used.",
        )
    };
    let (token_hash, token) = accounts::find_token(&state.store, &req.token)
        .await?
        .filter(|(_, t)| t.purpose == TokenPurpose::VerifyEmail)
        .ok_or_else(invalid)?;
    let registration = accounts::get_registration(&state.store, &token.subject)
        .await?
        .ok_or_else(invalid)?;
    if let Some(w) = password::weakness(&req.password, Some(registration.email.as_str())) {
        return Err(Problem::field("password", w));
    }
    let hash = password::hash_async(req.password).await;
    let user = accounts::new_user(
        registration.email,
        registration.name,
        None,
        UserStatus::Pending,
        Some(hash),
    );
    let mut ops = accounts::create_user_ops(&user)?;
    let token_op = ops.len();
    ops.push(WriteOp::Delete {
        key: keys::reset_token(&token_hash),
        condition: Some(Condition::Exists),
    });
    ops.push(WriteOp::Delete {
        key: keys::registration(&registration.id),
        condition: None,
    });
    ops.push(audit::record(
        &actor,
        "user.registered",
        "user",
        &user.id,
        audit::diff(None, Some(&user)),
    )?);
    match state.store.transact(ops).await {
        Ok(()) => tracing::info!(user_id = %user.id, "registration confirmed, pending approval"),
        Err(e) if e.failed_op(token_op) => return Err(invalid()),
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
    let Ok(email) = Email::parse(&req.email) else {
        password::verify_async(req.password, None).await;
        return Err(Problem::invalid_credentials());
    };
    // Counted before the password is checked: concurrent guesses each take a token.
    credentials::throttle(&state, email.as_str(), &actor).await?;
    let user = accounts::find_by_email(&state.store, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let password_ok = password::verify_async(req.password, stored).await;
    if !password_ok {
        // The subject of a failed login: the account, or the address when there is none.
        let (entity_type, entity_id) = match &user {
            Some(u) => ("user", u.id.clone()),
            None => ("login", email.to_string()),
        };
        state
            .store
            .transact(vec![audit::record(
                &actor,
                "user.login_failed",
                entity_type,
                &entity_id,
                Vec::new(),
            )?])
            .await?;
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
    // With two-factor sign-in on (or required of an admin), a challenge instead of tokens.
    if let Some(challenge) = mfa::second_step(&state, &user).await? {
        return Ok(Json(mfa::LoginAnswer::SecondFactor(challenge)).into_response());
    }
    let (refresh_token, session_op) = sessions::start(&user, &client)?;
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
    ops.extend(credentials::success_ops(&user, &actor));
    state.store.transact(ops).await?;
    let access_token = sessions::access_token(&state, &user).await?;
    tracing::info!(user_id = %user.id, "login");
    let (delivery, body) = TokenResponse::deliver(&cookie, access_token, refresh_token);
    Ok(delivery.respond(Json(mfa::LoginAnswer::Tokens(body))))
}

impl TokenResponse {
    /// The tokens of a sign-in, and where the refresh token goes: in the body, or in the
    /// session cookie when the client asked for it (`browser::Delivery::respond` sets it).
    pub(crate) fn deliver(
        cookie: &browser::RefreshCookie,
        access_token: String,
        refresh_token: String,
    ) -> (browser::Delivery, TokenResponse) {
        let delivery = cookie.deliver(refresh_token);
        let body = TokenResponse {
            access_token,
            refresh_token: delivery.body.clone(),
            token_type: "Bearer",
            expires_in: ACCESS_TTL_SECS,
        };
        (delivery, body)
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
    let access_token = sessions::access_token(&state, &user).await?;
    let (delivery, body) = TokenResponse::deliver(&cookie, access_token, refresh_token);
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
    let user = accounts::get_user(&state.store, &principal.user_id)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(|| Problem::unauthenticated("The account is no longer active."))?;
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
    let accepted = (
        StatusCode::ACCEPTED,
        Json(Accepted {
            status: "accepted",
            detail: "If the address has an account, a reset link is on its way.",
        }),
    )
        .into_response();
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
    let invalid = || {
        Problem::bad_request(
            "invalid-token",
            "The link is invalid, expired or already used.",
        )
    };
    let (hash, token) = accounts::find_token(&state.store, &req.token)
        .await?
        .ok_or_else(invalid)?;
    let before = accounts::get_user(&state.store, &token.subject)
        .await?
        .ok_or_else(invalid)?;
    let allowed = match token.purpose {
        TokenPurpose::PasswordReset => before.status == UserStatus::Active,
        TokenPurpose::Invite => before.status == UserStatus::Invited,
        TokenPurpose::VerifyEmail => false,
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
        TokenPurpose::Invite => "user.invite_accepted",
        _ => "user.password_reset",
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
