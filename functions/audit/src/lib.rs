//! Function `audit`: read the audit trail. Records are written by the changes themselves, in
//! the same transaction; no route updates or deletes one.

use axum::extract::State;
use axum::http::Method;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use erp_shared::audit::{AuditRecord, Change};
use erp_shared::auth::{Access, Permission};
use erp_shared::error::{ApiResult, Fields, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, CursorCodec, Json, ListParams, ListResponse, Query};
use erp_shared::state::AppState;
use erp_shared::store::{self, Index, SkRange, from_item, keys};

pub fn routes() -> ApiRouter {
    ApiRouter::new().route(
        Method::GET,
        "/api/v1/audit",
        Access::Permission(Permission::AuditRead),
        list_audit,
    )
}

#[derive(OpenApi)]
#[openapi(
    paths(list_audit),
    components(schemas(AuditRecord, Change, ProblemBody))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// With `entity_id`: one entity's history (e.g. `customer`).
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Only records by this user (the activity feed).
    pub actor_id: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// RFC 3339 or `YYYY-MM-DD` (the whole day), inclusive.
    pub to: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

fn bound(field: &str, v: Option<&str>, end: bool, f: &mut Fields) -> Option<String> {
    use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
    let v = v?.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Some(
            t.with_timezone(&Utc)
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        );
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let t = if end {
            d.and_hms_milli_opt(23, 59, 59, 999)
        } else {
            d.and_hms_opt(0, 0, 0)
        };
        return t.map(|t| t.and_utc().to_rfc3339_opts(SecondsFormat::Millis, true));
    }
    f.error(field, "must be an RFC 3339 timestamp or a YYYY-MM-DD date");
    None
}

fn bounded(field: &str, v: Option<&str>, f: &mut Fields) -> Option<String> {
    let v = v?.trim();
    if v.is_empty() || v.len() > 254 || v.contains('#') || v.chars().any(char::is_control) {
        f.error(field, "must be 1-254 characters without #");
        return None;
    }
    Some(v.to_string())
}

/// What a read of the audit trail asks for, checked: one entity's history, or the activity
/// feed (of one actor), within `from`..`to`.
struct Filter {
    entity: Option<(String, String)>,
    actor_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl Filter {
    fn parse(q: &AuditQuery) -> Result<Self, Problem> {
        let mut f = Fields::new();
        let entity_type = bounded("entity_type", q.entity_type.as_deref(), &mut f);
        let entity_id = bounded("entity_id", q.entity_id.as_deref(), &mut f);
        let actor_id = bounded("actor_id", q.actor_id.as_deref(), &mut f);
        let from = bound("from", q.from.as_deref(), false, &mut f);
        let to = bound("to", q.to.as_deref(), true, &mut f);
        if entity_type.is_some() != entity_id.is_some() {
            f.error("entity_id", "entity_type and entity_id go together");
        }
        f.finish()?;
        Ok(Self {
            entity: entity_type.zip(entity_id),
            actor_id,
            from,
            to,
        })
    }

    /// The query of the records (the entity's partition, or the actor's or the whole feed's
    /// index) within the period, and the scope its cursors are bound to.
    fn query(&self) -> (store::Query, String) {
        let (query, scope) = match (&self.entity, &self.actor_id) {
            (Some((t, id)), _) => (
                store::Query::table(keys::audit_partition(t, id)),
                format!("audit?entity={t}/{id}"),
            ),
            (_, Some(actor)) => (
                store::Query::index(Index::Gsi2, keys::audit_by_actor(actor)),
                format!("audit?actor={actor}"),
            ),
            _ => (
                store::Query::index(Index::Gsi1, keys::AUDIT_FEED),
                "audit?feed".to_string(),
            ),
        };
        let from = self.from.as_deref().unwrap_or_default();
        let to = self.to.as_deref().unwrap_or_default();
        let until = self.to.as_deref().unwrap_or("9999");
        let range = SkRange::Between(from.to_string(), format!("{until}~"));
        (query.range(range), format!("{scope}&from={from}&to={to}"))
    }
}

/// The audit trail, newest first: one entity's history (`entity_type` + `entity_id`), or the
/// activity feed (`from`, `to`, `actor_id`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<AuditRecord>), (status = 400, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn list_audit(
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<ListResponse<AuditRecord>>> {
    let limit = ListParams {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    let (query, scope) = Filter::parse(&q)?.query();
    let keys_ = state
        .tokens
        .secrets()
        .signing_keys()
        .await
        .map_err(Problem::internal)?;
    let codec = CursorCodec::new(&keys_);
    let cursor = codec.decode_opt(&scope, q.cursor.as_deref())?;
    let page = state
        .store
        .query(query.backwards().limit(limit).after(cursor))
        .await?;
    let items = page
        .items
        .into_iter()
        .map(from_item)
        .collect::<Result<Vec<AuditRecord>, _>>()?;
    Ok(Json(ListResponse {
        items,
        next_cursor: page.cursor.map(|c| codec.encode(&scope, &c)),
    }))
}
