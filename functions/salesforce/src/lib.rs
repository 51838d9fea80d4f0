//! Function `salesforce`: Salesforce → ERP synchronisation.
//!
//! - `POST /api/v1/integrations/salesforce/events`: JSON events sent by Apex or Flow through a
//!   Named Credential, signed with HMAC-SHA256 (`X-Salesforce-Timestamp`,
//!   `X-Salesforce-Signature`).
//! - `POST /api/v1/integrations/salesforce/outbound-messages`: Salesforce Outbound Messages
//!   (SOAP), authenticated by a key derived from the same secret.
//!
//! Accounts become customers, Product2 records products, Orders and Closed Won Opportunities
//! draft orders. Every event or notification takes effect at most once, and an older
//! `LastModifiedDate` never overwrites newer data (see [`sync`]). Setup: `docs/salesforce.md`.

pub mod record;
pub mod signature;
pub mod soap;
pub mod sync;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, OpenApi, ToSchema};

use erp_shared::audit::Actor;
use erp_shared::auth::Access;
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json, Query, RequestId};
use erp_shared::secrets::SalesforceKeys;
use erp_shared::state::AppState;
use erp_shared::store::keys;

pub use signature::{outbound_key, sign_event};
pub use sync::EventResponse;
use sync::Object;

pub const EVENTS_PATH: &str = "/api/v1/integrations/salesforce/events";
pub const OUTBOUND_PATH: &str = "/api/v1/integrations/salesforce/outbound-messages";
pub const TIMESTAMP_HEADER: &str = "x-salesforce-timestamp";
pub const SIGNATURE_HEADER: &str = "x-salesforce-signature";
/// The dedupe namespace of Outbound Message notifications.
pub const OUTBOUND_SYSTEM: &str = "salesforce-om";
/// Longest accepted event id.
const MAX_EVENT_ID: usize = 255;

pub fn routes() -> ApiRouter {
    // Public routes: they authenticate by signature (events) or key (outbound messages).
    ApiRouter::new()
        .route(Method::POST, EVENTS_PATH, Access::Public, receive_event)
        .route(
            Method::POST,
            OUTBOUND_PATH,
            Access::Public,
            receive_outbound_message,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(receive_event, receive_outbound_message),
    components(schemas(InboundEvent, EventResponse, ProblemBody, FieldError)),
    tags((name = "salesforce", description = "Salesforce integration (see docs/salesforce.md)"))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// A Salesforce event.
#[derive(Deserialize, ToSchema)]
pub struct InboundEvent {
    /// Unique per event (e.g. a UUID made by Apex); a repeated id is answered from the
    /// first delivery and changes nothing.
    pub id: String,
    /// `Account`, `Product2`, `Order` or `Opportunity`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The record's fields by API name, with `Id` and `LastModifiedDate`
    /// (`2026-11-20T10:00:00.000+0000`). Orders carry `OrderItems`, Opportunities
    /// `OpportunityLineItems`: `[{"Product2Id", "Quantity", "UnitPrice", "Description"}]`.
    #[schema(value_type = Object)]
    pub record: Map<String, Value>,
}

/// The integration is switched off (no secret, or for Outbound Messages no organisation):
/// a 404, since for this deployment the endpoint does not exist. A 5xx would say the server
/// failed, and make Salesforce retry for nothing.
fn not_configured() -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "salesforce-not-configured",
        "Not found",
        "The Salesforce integration is not enabled on this server.",
    )
}

fn invalid_signature(detail: &str) -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid-signature",
        "Authentication required",
        detail,
    )
}

fn body_problem(rejection: &BytesRejection) -> Problem {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        Problem::bad_request("unreadable-body", "The request body could not be read.")
    }
}

fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        "The request body is larger than this API accepts.",
    )
}

/// The shared secret (from the Salesforce secret, never the signing keys), or 404 when the
/// integration is not configured.
async fn webhook_secret(state: &AppState) -> ApiResult<std::sync::Arc<SalesforceKeys>> {
    let secret = state.salesforce.as_ref().ok_or_else(not_configured)?;
    secret.keys().await.map_err(Problem::internal)
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Checks the signature, then the timestamp's freshness.
fn authenticate_event(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> ApiResult<()> {
    let (Some(timestamp), Some(sig)) = (
        header_str(headers, TIMESTAMP_HEADER),
        header_str(headers, SIGNATURE_HEADER),
    ) else {
        return Err(invalid_signature(
            "X-Salesforce-Timestamp and X-Salesforce-Signature are required.",
        ));
    };
    if !signature::verify_event(secret, timestamp, body, sig) {
        return Err(invalid_signature("The signature does not match."));
    }
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| signature::fresh(t, chrono::Utc::now().timestamp()));
    if !fresh {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "stale-timestamp",
            "Authentication required",
            "X-Salesforce-Timestamp must be the current time in unix seconds (within 5 minutes).",
        ));
    }
    Ok(())
}

fn malformed_event(detail: &str) -> Problem {
    Problem::bad_request("malformed-event", detail)
}

fn valid_event_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_EVENT_ID && !id.chars().any(char::is_control)
}

/// Receive one signed event from Apex or Flow. Answers what it did, so Salesforce can store
/// our id in an External ID field. A repeated event id gets the first answer and changes
/// nothing; an event older than the data it would change is ignored.
#[utoipa::path(post, path = "/api/v1/integrations/salesforce/events", tag = "salesforce",
    request_body = InboundEvent,
    params(
        ("X-Salesforce-Timestamp" = String, Header, description = "Unix seconds; within 5 minutes of now"),
        ("X-Salesforce-Signature" = String, Header, description = "Lower-case hex HMAC-SHA256 of `{timestamp}.{raw body}` with the shared secret"),
    ),
    responses(
        (status = 200, body = EventResponse, description = "created, updated or ignored (also for a repeated event)"),
        (status = 400, body = ProblemBody, description = "malformed-event"),
        (status = 401, body = ProblemBody, description = "invalid-signature or stale-timestamp"),
        (status = 409, body = ProblemBody, description = "sku-taken, or invalid-status (the order is no longer a draft)"),
        (status = 413, body = ProblemBody),
        (status = 422, body = ProblemBody, description = "invalid record fields (`record.<Field>`)"),
        (status = 404, body = ProblemBody, description = "salesforce-not-configured: the integration is not enabled (no Salesforce secret)"),
    ))]
async fn receive_event(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<EventResponse>> {
    let body = body.map_err(|r| body_problem(&r))?;
    let secret = webhook_secret(&state).await?;
    authenticate_event(&secret.webhook_secret, &headers, &body)?;
    let event: InboundEvent = serde_json::from_slice(&body).map_err(|_| {
        malformed_event("The body must be JSON: {\"id\": ..., \"type\": ..., \"record\": {...}}.")
    })?;
    if !valid_event_id(&event.id) {
        return Err(malformed_event(
            "The event id must be 1-255 characters without control characters.",
        ));
    }
    let object = Object::parse(&event.kind)
        .ok_or_else(|| Problem::field("type", "must be Account, Product2, Order or Opportunity"))?;
    let actor = Actor::system(sync::SYSTEM, &request_id);
    let dedupe = keys::inbound_event(sync::SYSTEM, &event.id);
    let response = sync::apply(&state, &actor, &dedupe, object, &event.record).await?;
    Ok(Json(response))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboundParams {
    /// Lower-case hex HMAC-SHA256 of `outbound-messages` with the shared secret.
    pub key: Option<String>,
}

fn xml(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    res
}

/// The first 15 characters of a Salesforce id (its case-sensitive form).
fn id15(id: &str) -> Option<&str> {
    id.trim().get(..15)
}

/// Receive a Salesforce Outbound Message. Every notification is applied once, in its own
/// transaction; redelivered notifications change nothing. Answers the acknowledgement
/// Salesforce expects, or a SOAP fault (500) when a notification cannot be applied, so
/// Salesforce delivers the message again later (notifications already applied stay applied).
#[utoipa::path(post, path = "/api/v1/integrations/salesforce/outbound-messages", tag = "salesforce",
    params(OutboundParams),
    request_body(content = String, content_type = "text/xml", description = "SOAP 1.1 `notifications` (namespace http://soap.sforce.com/2005/09/outbound), at most 1 MB"),
    responses(
        (status = 200, body = String, content_type = "text/xml", description = "`notificationsResponse` with `<Ack>true</Ack>`"),
        (status = 400, body = ProblemBody, description = "not a well-formed Outbound Message"),
        (status = 401, body = ProblemBody, description = "missing or wrong key"),
        (status = 403, body = ProblemBody, description = "OrganizationId is not the configured organisation"),
        (status = 413, body = ProblemBody),
        (status = 500, body = String, content_type = "text/xml", description = "SOAP fault: a notification could not be applied; Salesforce retries"),
        (status = 404, body = ProblemBody, description = "salesforce-not-configured: the integration is not enabled (no Salesforce secret or organisation id)"),
    ))]
async fn receive_outbound_message(
    State(state): State<AppState>,
    RequestId(request_id): RequestId,
    Query(params): Query<OutboundParams>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    match outbound(&state, &request_id, params, body).await {
        Ok(res) => res,
        Err(p) => p.into_response(),
    }
}

async fn outbound(
    state: &AppState,
    request_id: &str,
    params: OutboundParams,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let org = outbound_organization(state, &params).await?;
    let body = body.map_err(|r| body_problem(&r))?;
    if body.len() > soap::MAX_BYTES {
        return Err(too_large());
    }
    let message = soap::parse(&body)
        .map_err(|e| Problem::bad_request("malformed-message", format!("{e}.")))?;
    if message.organization_id.as_deref().and_then(id15) != Some(org) {
        return Err(Problem::forbidden(
            "unknown-organization",
            "The message comes from another Salesforce organisation.",
        ));
    }
    let actor = Actor::system(sync::SYSTEM, request_id);
    // Each notification on its own: one that fails does not hold back the others, and its
    // redelivery is applied (or recognised) independently.
    let mut failures: Vec<(String, Problem)> = Vec::new();
    for n in &message.notifications {
        if let Err(p) = apply_notification(state, &actor, n).await {
            failures.push((n.id.clone(), p));
        }
    }
    if failures.is_empty() {
        return Ok(xml(StatusCode::OK, soap::ACK.to_string()));
    }
    tracing::warn!(failed = failures.len(), "outbound message not acknowledged");
    Ok(xml(StatusCode::INTERNAL_SERVER_ERROR, fault_of(&failures)))
}

/// The configured organisation (its 15-character id) once the request's key is checked;
/// 404 when the integration is not configured.
async fn outbound_organization<'a>(
    state: &'a AppState,
    params: &OutboundParams,
) -> ApiResult<&'a str> {
    let secret = webhook_secret(state).await?;
    let org = state
        .config
        .salesforce_org_id
        .as_deref()
        .and_then(id15)
        .ok_or_else(not_configured)?;
    let key_ok = params
        .key
        .as_deref()
        .is_some_and(|k| signature::verify_outbound_key(&secret.webhook_secret, k));
    if !key_ok {
        return Err(invalid_signature(
            "The key query parameter is missing or wrong.",
        ));
    }
    Ok(org)
}

/// Applies one notification of an Outbound Message, at most once (by its notification id).
async fn apply_notification(
    state: &AppState,
    actor: &Actor,
    n: &soap::Notification,
) -> ApiResult<EventResponse> {
    if !valid_event_id(&n.id) {
        return Err(malformed_event("The notification id is not valid."));
    }
    let object = Object::parse(&n.object_type).ok_or_else(|| {
        Problem::field(
            "sObject",
            "must be an Account, Product2, Order or Opportunity",
        )
    })?;
    let dedupe = keys::inbound_event(OUTBOUND_SYSTEM, &n.id);
    sync::apply(state, actor, &dedupe, object, &n.fields).await
}

/// The SOAP fault for the notifications that failed: a client fault when every failure is
/// the sender's; each notification with its field errors, or else its problem's detail.
fn fault_of(failures: &[(String, Problem)]) -> String {
    let client = failures.iter().all(|(_, p)| p.status.is_client_error());
    let message = failures
        .iter()
        .map(|(id, p)| {
            let fields: Vec<String> = p
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            if fields.is_empty() {
                format!("notification {id}: {}", p.detail)
            } else {
                format!("notification {id}: {}", fields.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join(" | ");
    soap::fault(client, &message)
}
