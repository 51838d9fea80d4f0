//! Company settings (admin): name, address, tax id, sender address, logo, brand colour,
//! default currency, time zone, payment terms, invoice footer, bank details and the
//! reminder schedule. Versioned like every record (`ETag` / `If-Match`) and audited.

use axum::extract::State;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::domain::address::Address;
use erp_shared::domain::company::{
    CompanySettings, LateFee, LogoMeta, ReminderSchedule, ReminderStep, SettingsRequest,
};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::etag::stale;
use erp_shared::http::{ApiRouter, IfMatch, Json, Tagged};
use erp_shared::settings;
use erp_shared::state::AppState;

const ADMIN: Access = Access::Permission(Permission::SettingsManage);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/settings/company", ADMIN, get_settings)
        .route(Method::PUT, "/api/v1/settings/company", ADMIN, put_settings)
        .route(
            Method::GET,
            "/api/v1/settings/company/logo",
            ADMIN,
            get_logo,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(get_settings, put_settings, get_logo),
    components(schemas(
        CompanySettings,
        SettingsRequest,
        ReminderSchedule,
        ReminderStep,
        LateFee,
        LogoMeta,
        Address,
        ProblemBody,
        FieldError
    ))
)]
pub struct ApiDoc;

/// The company settings with their `ETag` (version 0 until first saved: the defaults).
#[utoipa::path(get, path = "/api/v1/settings/company", tag = "settings", security(("bearer" = [])),
    responses((status = 200, body = CompanySettings, headers(("ETag" = String)))))]
async fn get_settings(State(state): State<AppState>) -> ApiResult<Tagged<CompanySettings>> {
    let s = settings::load(&state.store, state.config.time_zone).await?;
    Ok(Tagged(s.version, s))
}

/// Replace the company settings. Needs `If-Match` (`"0"` before the first save). `logo`
/// absent keeps the current logo, `null` removes it, base64 (or a `data:` URL) of a PNG or
/// JPEG of at most 256 KiB and 4096 x 4096 pixels replaces it: it is stored prepared for the
/// invoice PDF (fitted into 640 x 240 pixels, turned upright, re-encoded without metadata).
#[utoipa::path(put, path = "/api/v1/settings/company", tag = "settings", params(("If-Match" = String, Header),
        ("X-Reauth" = Option<String>, Header, description = "a fresh sign-in (POST /api/v1/auth/reauth): needed to change `bank_details` or `require_mfa_for_admins`")),
    request_body = SettingsRequest, security(("bearer" = [])),
    responses((status = 200, body = CompanySettings, headers(("ETag" = String))), (status = 412, body = ProblemBody),
              (status = 428, body = ProblemBody), (status = 422, body = ProblemBody),
              (status = 403, body = ProblemBody, description = "bank details or the two-factor requirement changed without a fresh sign-in (`reauth-required`)")))]
async fn put_settings(
    State(state): State<AppState>,
    actor: Actor,
    if_match: IfMatch,
    headers: axum::http::HeaderMap,
    Json(req): Json<SettingsRequest>,
) -> ApiResult<Tagged<CompanySettings>> {
    let before = settings::load(&state.store, state.config.time_zone).await?;
    if_match.check(before.version)?;
    let (mut after, logo) = req.apply(&before)?;
    after.version = before.version + 1;
    after.updated_at = Some(erp_shared::accounts::now_rfc3339());
    // Bank details: a fresh sign-in, and an email to every admin in the same transaction.
    let bank = erp_shared::bank_details::guard(&state, &headers, &actor, &before, &after).await?;
    let mut ops = settings::save_ops(before.version, &after, &logo)?;
    let changes = audit::diff(Some(&before), Some(&after));
    ops.push(audit::record(
        &actor,
        "settings.company_updated",
        "settings",
        "company",
        changes,
    )?);
    ops.extend(bank.ops);
    match state.store.transact(ops).await {
        Ok(()) => {}
        Err(e) if e.failed_op(0) => return Err(stale()),
        Err(e) => return Err(e.into()),
    }
    state.forget_company().await;
    state.deliver_now(&bank.outbox_ids).await;
    Ok(Tagged(after.version, after))
}

/// The company logo as stored (prepared at upload): `image/png` or `image/jpeg`.
#[utoipa::path(get, path = "/api/v1/settings/company/logo", tag = "settings", security(("bearer" = [])),
    responses((status = 200, content_type = "image/png", description = "the logo (PNG or JPEG)"), (status = 404, body = ProblemBody)))]
async fn get_logo(State(state): State<AppState>) -> ApiResult<Response> {
    let (meta, data) = settings::load_logo(&state.store)
        .await?
        .ok_or_else(|| Problem::not_found("The logo"))?;
    Ok((
        [
            (header::CONTENT_TYPE, meta.format.mime_type()),
            (header::CACHE_CONTROL, "private, max-age=60"),
        ],
        data,
    )
        .into_response())
}
