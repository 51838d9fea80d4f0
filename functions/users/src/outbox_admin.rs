//! The email outbox for admins: messages that failed every attempt (or still wait), and a
//! retry. Message bodies are never shown: they hold invitation and reset links.

use axum::extract::State;
use axum::http::Method;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::email::outbox::{self, OutboxRecord};
use erp_shared::error::{ApiResult, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json, ListParams, ListResponse, Path, Query};
use erp_shared::listing::{self, Source};
use erp_shared::state::AppState;
use erp_shared::store::{self, Condition, Index, StoreError, Update, WriteOp, from_item, keys};

const ADMIN: Access = Access::Permission(Permission::SettingsManage);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/outbox", ADMIN, list_outbox)
        .route(
            Method::POST,
            "/api/v1/outbox/{id}/retry",
            ADMIN,
            retry_message,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(list_outbox, retry_message),
    components(schemas(OutboxView, ProblemBody))
)]
pub struct ApiDoc;

/// An outbox message without its body.
#[derive(Serialize, ToSchema)]
pub struct OutboxView {
    pub id: String,
    /// `invite`, `password_reset`, ...
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
    pub last_error: Option<String>,
}

impl From<OutboxRecord> for OutboxView {
    fn from(r: OutboxRecord) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            to: r.message.to,
            subject: r.message.subject,
            status: r.status,
            attempts: r.attempts,
            created_at: r.created_at,
            last_error: r.last_error,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `failed` (default: gave up after every retry) or `pending` (waiting or retrying).
    pub status: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// Failed (or pending) outbox messages, oldest first.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "outbox", params(OutboxQuery), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<OutboxView>), (status = 422, body = ProblemBody)))]
async fn list_outbox(
    State(state): State<AppState>,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<ListResponse<OutboxView>>> {
    let limit = ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    let partition = match q.status.as_deref().unwrap_or("failed") {
        "failed" => keys::OUTBOX_FAILED,
        "pending" => keys::OUTBOX_PENDING,
        _ => return Err(Problem::field("status", "must be failed or pending")),
    };
    let scope = format!("outbox?{partition}");
    let source = Source::new(store::Query::index(Index::Gsi1, partition));
    let page: ListResponse<OutboxRecord> =
        listing::respond(&state, &scope, q.cursor.as_deref(), vec![source], limit).await?;
    Ok(Json(ListResponse {
        items: page.items.into_iter().map(OutboxView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Send a failed message again: it goes back to `pending` with fresh attempts and is tried
/// at once.
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "outbox", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = OutboxView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "not failed")))]
async fn retry_message(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<OutboxView>> {
    if id.len() > 64 {
        return Err(Problem::not_found("The message"));
    }
    let key = keys::outbox(&id);
    let record: OutboxRecord = match state.store.get(&key).await? {
        Some(item) => from_item(item)?,
        None => return Err(Problem::not_found("The message")),
    };
    let (gp, _) = Index::Gsi1.attributes();
    let ops = vec![
        WriteOp::Update {
            key: key.clone(),
            updates: vec![
                Update::set("status", "pending"),
                Update::set("attempts", 0),
                Update::set("next_attempt_at", chrono::Utc::now().timestamp()),
                Update::set(gp, keys::OUTBOX_PENDING),
                Update::remove("last_error"),
            ],
            condition: Some(Condition::eq("status", "failed")),
        },
        audit::record(&actor, "outbox.retried", "outbox", &id, Vec::new())?,
    ];
    match state.store.transact(ops).await {
        Ok(()) => {}
        Err(e) if e.failed_op(0) => {
            return Err(Problem::conflict(
                "not-failed",
                format!("The message is {}, not failed.", record.status),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let _ = outbox::deliver(&state.courier(), &id, chrono::Utc::now().timestamp())
        .await
        .map_err(|e: StoreError| tracing::warn!(error = %e, "retry deferred"));
    let now: OutboxRecord = from_item(
        state
            .store
            .get(&key)
            .await?
            .ok_or_else(|| Problem::not_found("The message"))?,
    )?;
    Ok(Json(now.into()))
}
