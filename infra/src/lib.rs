//! The local stack: every function's routes on one server, on the embedded store, with the
//! outbox drained into `.eml` files. Also used by the end-to-end tests and benchmarks.

pub mod contract;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::http::Method;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use erp_shared::audit::Actor;
use erp_shared::auth::{Access, Permission};
use erp_shared::config::{Config, LocalConfig, SecretSource};
use erp_shared::domain::Email;
use erp_shared::error::{ApiResult, Problem};
use erp_shared::http::ApiRouter;
use erp_shared::http::{Json, Query};
use erp_shared::state::AppState;

/// Every function's routes, mounted at the paths `template.yaml` gives API Gateway.
pub fn function_routes() -> ApiRouter {
    erp_auth::routes()
        .merge(erp_users::routes())
        .merge(erp_customers::routes())
        .merge(erp_products::routes())
        .merge(erp_audit::routes())
        .merge(erp_orders::routes())
        .merge(erp_invoices::routes())
        .merge(erp_payments::routes())
        .merge(erp_dashboard::routes())
        .merge(erp_salesforce::routes())
}

/// The API document of every function, merged.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = erp_auth::openapi();
    for part in [
        erp_users::openapi(),
        erp_customers::openapi(),
        erp_products::openapi(),
        erp_audit::openapi(),
        erp_orders::openapi(),
        erp_invoices::openapi(),
        erp_payments::openapi(),
        erp_dashboard::openapi(),
        erp_salesforce::openapi(),
    ] {
        doc.merge(part);
    }
    doc.info.title = "ERP API".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description =
        Some("Serverless ERP backend. Errors are application/problem+json (RFC 9457).".into());
    doc.info.license = None;
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc
}

pub fn openapi_json() -> String {
    let mut doc = serde_json::to_value(openapi()).expect("OpenAPI document serialises");
    contract::refine(&mut doc);
    serde_json::to_string_pretty(&doc).expect("OpenAPI document serialises")
}

/// The state the local server runs with: the given one plus the invoice-PDF renderer (as
/// the `invoices` and `notifier` functions have on AWS) and the OpenAPI document.
pub fn local_state(state: AppState) -> AppState {
    let pdfs = erp_shared::documents::attachments(&state.store, state.config.time_zone);
    state.with_attachments(pdfs).with_openapi(openapi_json())
}

/// Routes only the local server has: `/healthz` and the on-demand reminder run.
pub fn local_routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/healthz", Access::Public, || async { "ok" })
        .route(
            Method::POST,
            "/api/v1/admin/run-reminders",
            Access::Permission(Permission::SettingsManage),
            run_reminders,
        )
}

/// The whole API as one router, plus the local-only routes.
pub fn router(state: AppState) -> Router {
    function_routes()
        .merge(local_routes())
        .into_router(local_state(state))
}

#[derive(serde::Deserialize)]
struct RunReminders {
    /// The company-time-zone date to run for.
    date: Option<String>,
    /// Or an instant (RFC 3339): the date is the company's date at that instant.
    at: Option<String>,
}

#[derive(serde::Serialize)]
struct RunRemindersResponse {
    reminders: erp_shared::reminders::RunReport,
    outbox: erp_shared::email::outbox::DrainReport,
}

/// Local mode only: runs the daily reminder job for a chosen date (default: today in the
/// company's time zone), then sends the outbox at once.
async fn run_reminders(
    axum::extract::State(state): axum::extract::State<AppState>,
    actor: Actor,
    Query(q): Query<RunReminders>,
) -> ApiResult<Json<RunRemindersResponse>> {
    let company = state.company().await?;
    let date = match (q.date.as_deref(), q.at.as_deref()) {
        (Some(d), None) => d
            .parse::<chrono::NaiveDate>()
            .map_err(|_| Problem::field("date", "must be a date (YYYY-MM-DD)"))?,
        (None, Some(at)) => chrono::DateTime::parse_from_rfc3339(at)
            .map_err(|_| Problem::field("at", "must be an RFC 3339 instant"))?
            .with_timezone(&company.tz())
            .date_naive(),
        (None, None) => erp_shared::sales::today(company.tz()),
        (Some(_), Some(_)) => return Err(Problem::field("at", "give date or at, not both")),
    };
    let reminders = erp_shared::reminders::run(&state.store, &company, date, &actor).await?;
    let now = chrono::Utc::now().timestamp();
    let outbox = erp_shared::email::outbox::drain(&state.courier(), now).await?;
    Ok(Json(RunRemindersResponse { reminders, outbox }))
}

/// Local mode with no secret configured: a signing key generated on first start and kept in
/// the data folder (readable by the owner only).
pub fn local_secret(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("secrets.json");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing);
    }
    std::fs::create_dir_all(data_dir)?;
    let json = erp_shared::secrets::generate_secret_json();
    std::fs::write(&path, &json)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(json)
}

/// Creates the admin from `ERP_ADMIN_EMAIL` / `ERP_ADMIN_PASSWORD` when no account has that
/// email yet.
pub async fn bootstrap_admin(state: &AppState, local: &LocalConfig) -> Result<(), String> {
    let (Some(email), Some(password)) = (&local.admin_email, &local.admin_password) else {
        if local.admin_email.is_some() || local.admin_password.is_some() {
            return Err("set both ERP_ADMIN_EMAIL and ERP_ADMIN_PASSWORD".into());
        }
        return Ok(());
    };
    let email = Email::parse(email).map_err(|e| format!("ERP_ADMIN_EMAIL {e}"))?;
    if erp_shared::accounts::bootstrap_admin(&state.store, email.clone(), "Administrator", password)
        .await?
    {
        tracing::info!(email = %email, "admin account created");
    }
    Ok(())
}

/// Delivers due outbox messages every `every` until the process ends.
pub fn spawn_outbox_drainer(state: AppState, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = chrono::Utc::now().timestamp();
            if let Err(e) = erp_shared::email::outbox::drain(&state.courier(), now).await {
                tracing::warn!(error = %e, "outbox drain failed");
            }
        }
    })
}

/// Runs the local server until Ctrl-C.
pub async fn run(mut config: Config, local: LocalConfig) -> Result<(), Box<dyn std::error::Error>> {
    if config.secrets.is_none() {
        config.secrets = Some(SecretSource::Inline(local_secret(&config.data_dir)?));
    }
    let data_dir = config.data_dir.clone();
    // The drainer needs the PDF renderer too: invoice and reminder emails carry a PDF.
    let state = local_state(AppState::from_config(config).await?);
    bootstrap_admin(&state, &local).await?;
    spawn_outbox_drainer(state.clone(), Duration::from_secs(5));
    let app = function_routes().merge(local_routes()).into_router(state);
    let addr = SocketAddr::from(([127, 0, 0, 1], local.port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, data_dir = %data_dir.display(), "ERP API listening on http://{addr}/api/v1");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
