//! The local stack: every function's routes on one server, on the embedded store, with the
//! outbox drained into `.eml` files. Also used by the end-to-end tests and benchmarks.

pub mod contract;
pub mod web;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::Router;
use axum::http::Method;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use erp_shared::audit::Actor;
use erp_shared::auth::{Access, Permission};
use erp_shared::config::{Config, LocalConfig, SecretSource};
use erp_shared::domain::Email;
use erp_shared::email::outbox::Backoff;
use erp_shared::error::{ApiResult, Problem, ProblemBody};
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

/// The deployed API's document, finished (`docs/openapi.json`, served on AWS).
pub fn openapi_json() -> String {
    finish(openapi())
}

/// The document the local server serves: the deployed API's plus the routes only the local
/// server has ([`local_routes`]).
pub fn local_openapi_json() -> String {
    let mut doc = openapi();
    doc.merge(LocalDoc::openapi());
    finish(doc)
}

fn finish(doc: utoipa::openapi::OpenApi) -> String {
    let mut doc = serde_json::to_value(doc).expect("OpenAPI document serialises");
    contract::refine(&mut doc);
    serde_json::to_string_pretty(&doc).expect("OpenAPI document serialises")
}

/// The state the local server runs with: the given one plus the invoice-PDF renderer (as
/// the `invoices` and `notifier` functions have on AWS) and its OpenAPI document.
pub fn local_state(state: AppState) -> AppState {
    let pdfs = erp_shared::documents::attachments(&state.store, state.config.time_zone);
    state
        .with_attachments(pdfs)
        .with_openapi(local_openapi_json())
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

/// The query of `POST /api/v1/admin/run-reminders`: a date, an instant, or neither (today).
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct RunReminders {
    /// The company-time-zone date to run for (`YYYY-MM-DD`; default: today there).
    #[param(format = Date)]
    date: Option<String>,
    /// Or an instant (RFC 3339): the date is the company's date at that instant.
    #[param(format = DateTime)]
    at: Option<String>,
}

/// What a reminder run did.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct RunRemindersResponse {
    /// The job's report, as the `reminders` function returns it on AWS.
    reminders: erp_shared::reminders::RunReport,
    /// How many of this run's reminder emails (`reminders.outbox_ids`) were delivered
    /// before the answer. The others (a send that failed) stay in the outbox and are
    /// retried by the local server's background sender; other queued emails are left to it.
    delivered: usize,
}

/// Run the daily reminder job now (local server only)
///
/// Runs the job the `reminders` function runs daily on AWS, for a chosen date (default:
/// today in the company's time zone), then delivers the reminder emails it queued, as the
/// `notifier` does on AWS when they are inserted. It sends nothing else: other emails are
/// the background sender's (every 5 seconds). Give `date` or `at`, not both (422). Not
/// deployed on AWS, and not in `docs/openapi.json`.
#[utoipa::path(post, path = "/api/v1/admin/run-reminders", tag = "local", params(RunReminders),
    security(("bearer" = [])),
    responses((status = 200, body = RunRemindersResponse), (status = 422, body = ProblemBody, description = "a bad date or instant, or both given")))]
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
        (None, None) => erp_shared::settings::today(company.tz()),
        (Some(_), Some(_)) => return Err(Problem::field("at", "give date or at, not both")),
    };
    let reminders = erp_shared::reminders::run(&state.store, &company, date, &actor).await?;
    let delivered = state.deliver_now(&reminders.outbox_ids).await;
    Ok(Json(RunRemindersResponse {
        reminders,
        delivered,
    }))
}

/// The document of the routes only the local server has.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(run_reminders),
    components(schemas(RunRemindersResponse, erp_shared::reminders::RunReport, ProblemBody))
)]
struct LocalDoc;

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

/// The pace of the local server's email: how often the background sender sends the outbox,
/// and when a failed send is tried again.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    /// What the `notifier` function's stream trigger and sweep do on AWS: 5 seconds.
    pub drain_every: Duration,
    /// The outbox's backoff (1, 2, 4, 8 minutes); tests of the local server use seconds.
    pub retry: Backoff,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            drain_every: Duration::from_secs(5),
            retry: Backoff::default(),
        }
    }
}

/// The local server, assembled and listening, not yet serving (see [`LocalServer::serve`]).
pub struct LocalServer {
    /// Where it listens (127.0.0.1; `PORT=0` picks a free port).
    pub addr: SocketAddr,
    pub state: AppState,
    listener: tokio::net::TcpListener,
    app: Router,
    drainer: tokio::task::JoinHandle<()>,
}

impl LocalServer {
    /// Assembles the local server: the state of the configuration with the PDF renderer, the
    /// admin of `ERP_ADMIN_EMAIL`, the background sender (with the same state, so invoice and
    /// reminder emails, which carry a PDF, are sent too), and every route on 127.0.0.1.
    pub async fn start(
        mut config: Config,
        local: LocalConfig,
        pacing: Pacing,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        if config.secrets.is_none() {
            config.secrets = Some(SecretSource::Inline(local_secret(&config.data_dir)?));
        }
        let state =
            local_state(AppState::from_config(config).await?).with_email_retry(pacing.retry);
        bootstrap_admin(&state, &local).await?;
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], local.port))).await?;
        let addr = listener.local_addr()?;
        let drainer = spawn_outbox_drainer(state.clone(), pacing.drain_every);
        let api = function_routes()
            .merge(local_routes())
            .into_router(state.clone());
        let app = match web::built_app(&local.web_dir) {
            Some(dir) => {
                tracing::info!(web_dir = %dir.display(), "serving the web app at /");
                web::with_app(api, dir)
            }
            None => {
                tracing::info!(web_dir = %local.web_dir.display(), "no built web app (index.html) there: serving the API only");
                api
            }
        };
        Ok(Self {
            addr,
            state,
            listener,
            app,
            drainer,
        })
    }

    /// Serves requests until `shutdown` completes; the background sender stops with it.
    pub async fn serve(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let served = axum::serve(
            self.listener,
            self.app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        self.drainer.abort();
        served
    }
}

/// Runs the local server until Ctrl-C.
pub async fn run(config: Config, local: LocalConfig) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = config.data_dir.clone();
    let server = LocalServer::start(config, local, Pacing::default()).await?;
    let addr = server.addr;
    tracing::info!(%addr, data_dir = %data_dir.display(), "ERP listening: the app on http://{addr}/ (when built), the API on http://{addr}/api/v1");
    server
        .serve(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
