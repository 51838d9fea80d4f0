//! The routes of account security: password change, the caller's sessions, two-factor
//! sign-in (TOTP) and the fresh sign-in that sensitive changes need.

use axum::http::Method;
use utoipa::OpenApi;

use erp_shared::auth::Access;
use erp_shared::error::{FieldError, ProblemBody};
use erp_shared::http::ApiRouter;

use crate::{mfa, my_sessions, password_change, reauth, sessions};

const SIGNED_IN: Access = Access::Authenticated;

pub fn routes() -> ApiRouter {
    password_and_sessions()
        .merge(two_factor())
        .merge(second_step_of_login())
        .route(
            Method::POST,
            "/api/v1/auth/reauth",
            SIGNED_IN,
            reauth::reauthenticate,
        )
}

/// The caller's password and sessions.
fn password_and_sessions() -> ApiRouter {
    ApiRouter::new()
        .route(
            Method::POST,
            "/api/v1/auth/password",
            SIGNED_IN,
            password_change::change_password,
        )
        .route(
            Method::GET,
            "/api/v1/auth/sessions",
            SIGNED_IN,
            my_sessions::list,
        )
        .route(
            Method::DELETE,
            "/api/v1/auth/sessions/{id}",
            SIGNED_IN,
            my_sessions::end,
        )
}

/// The caller's two-factor sign-in: status, setup, turning it on and off, recovery codes.
fn two_factor() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/auth/mfa", SIGNED_IN, mfa::status)
        .route(
            Method::POST,
            "/api/v1/auth/mfa/setup",
            SIGNED_IN,
            mfa::setup,
        )
        .route(
            Method::POST,
            "/api/v1/auth/mfa/enable",
            SIGNED_IN,
            mfa::enable,
        )
        .route(
            Method::POST,
            "/api/v1/auth/mfa/disable",
            SIGNED_IN,
            mfa::disable,
        )
        .route(
            Method::POST,
            "/api/v1/auth/mfa/recovery-codes",
            SIGNED_IN,
            mfa::renew_recovery_codes,
        )
}

/// The second step of a login that needs a second factor (public: the challenge of the
/// password step authenticates it).
fn second_step_of_login() -> ApiRouter {
    ApiRouter::new()
        .route(
            Method::POST,
            "/api/v1/auth/login/mfa",
            Access::Public,
            mfa::login_mfa,
        )
        .route(
            Method::POST,
            "/api/v1/auth/login/mfa/setup",
            Access::Public,
            mfa::setup_at_login,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        password_change::change_password,
        my_sessions::list,
        my_sessions::end,
        mfa::status,
        mfa::setup,
        mfa::enable,
        mfa::disable,
        mfa::renew_recovery_codes,
        mfa::login_mfa,
        mfa::setup_at_login,
        reauth::reauthenticate,
    ),
    components(schemas(
        sessions::SessionView,
        my_sessions::SessionList,
        mfa::MfaStatus,
        mfa::MfaSetup,
        mfa::MfaStep,
        mfa::MfaChallenge,
        mfa::LoginAnswer,
        mfa::SecondFactor,
        mfa::EnableRequest,
        mfa::DisableRequest,
        mfa::RecoveryCodes,
        mfa::SetupAtLoginRequest,
        mfa::MfaLoginRequest,
        mfa::MfaTokens,
        password_change::ChangePasswordRequest,
        reauth::ReauthRequest,
        reauth::ReauthResponse,
        ProblemBody,
        FieldError
    ))
)]
pub struct ApiDoc;
