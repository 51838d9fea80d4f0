//! Function `customers`: create, read, list and search, edit and archive customers.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use utoipa::OpenApi;

use erp_shared::accounts::now_rfc3339;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::catalog::{self, CUSTOMERS};
use erp_shared::domain::address::Address;
use erp_shared::domain::customer::CustomerFields;
use erp_shared::domain::{Customer, RecordStatus};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::etag::stale;
use erp_shared::http::{ApiRouter, Created, IfMatch, Json, ListResponse, Path, Query, Tagged};
use erp_shared::listing::{self, ListRequest};
use erp_shared::state::AppState;
use erp_shared::store::{Condition, WriteOp};

const READ: Access = Access::Permission(Permission::CustomersRead);
const WRITE: Access = Access::Permission(Permission::CustomersWrite);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/customers", READ, list_customers)
        .route(Method::POST, "/api/v1/customers", WRITE, create_customer)
        .route(Method::GET, "/api/v1/customers/{id}", READ, get_customer)
        .route(
            Method::PATCH,
            "/api/v1/customers/{id}",
            WRITE,
            patch_customer,
        )
        .route(
            Method::DELETE,
            "/api/v1/customers/{id}",
            WRITE,
            archive_customer,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_customers,
        create_customer,
        get_customer,
        patch_customer,
        archive_customer
    ),
    components(schemas(
        Customer,
        CustomerFields,
        Address,
        RecordStatus,
        ProblemBody,
        FieldError
    ))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// List customers: `q` searches name then email prefixes; filters by status and creation
/// date; sorted by name or creation date.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(ListRequest), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<Customer>), (status = 400, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn list_customers(
    State(state): State<AppState>,
    Query(req): Query<ListRequest>,
) -> ApiResult<Json<ListResponse<Customer>>> {
    let plan = req.plan("customers", &CUSTOMERS)?;
    Ok(Json(
        listing::respond(
            &state,
            &plan.scope,
            req.cursor.as_deref(),
            plan.sources,
            plan.limit,
        )
        .await?,
    ))
}

/// Create a customer. Currency and payment terms default to the company settings'.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerFields, security(("bearer" = [])),
    responses((status = 201, body = Customer, headers(("ETag" = String))), (status = 422, body = ProblemBody)))]
async fn create_customer(
    State(state): State<AppState>,
    actor: Actor,
    Json(fields): Json<CustomerFields>,
) -> ApiResult<Created<Customer>> {
    let company = state.company().await?;
    let blank = Customer::blank_for(uuid::Uuid::now_v7().to_string(), now_rfc3339(), &company);
    let customer = fields.apply(&blank, true)?;
    let ops = vec![
        WriteOp::put_new(catalog::customer_item(&customer)?),
        audit::record(
            &actor,
            "customer.created",
            "customer",
            &customer.id,
            audit::diff(None, Some(&customer)),
        )?,
    ];
    state.store.transact(ops).await?;
    Ok(Created(
        format!("/api/v1/customers/{}", customer.id),
        customer.version,
        customer,
    ))
}

async fn load(state: &AppState, id: &str) -> ApiResult<Customer> {
    catalog::get_customer(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("The customer"))
}

/// One customer (archived ones too), with its `ETag`.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Customer, headers(("ETag" = String))), (status = 404, body = ProblemBody)))]
async fn get_customer(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Tagged<Customer>> {
    let c = load(&state, &id).await?;
    Ok(Tagged(c.version, c))
}

/// Saves `after` over `before` with its audit record, only if nobody changed it meanwhile.
async fn save(
    state: &AppState,
    actor: &Actor,
    action: &str,
    before: &Customer,
    mut after: Customer,
) -> ApiResult<Customer> {
    after.version = before.version + 1;
    after.updated_at = now_rfc3339();
    let changes = audit::diff(Some(before), Some(&after));
    let ops = vec![
        WriteOp::Put {
            item: catalog::customer_item(&after)?,
            condition: Some(Condition::version_is(before.version)),
        },
        audit::record(actor, action, "customer", &after.id, changes)?,
    ];
    match state.store.transact(ops).await {
        Ok(()) => Ok(after),
        Err(e) if e.failed_op(0) => Err(stale()),
        Err(e) => Err(e.into()),
    }
}

/// Change a customer. Needs `If-Match` with the `ETag` of the version it was based on.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body = CustomerFields, security(("bearer" = [])),
    responses((status = 200, body = Customer, headers(("ETag" = String))), (status = 404, body = ProblemBody),
              (status = 412, body = ProblemBody, description = "stale version"), (status = 428, body = ProblemBody, description = "If-Match missing"),
              (status = 422, body = ProblemBody)))]
async fn patch_customer(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(fields): Json<CustomerFields>,
) -> ApiResult<Tagged<Customer>> {
    let before = load(&state, &id).await?;
    if_match.check(before.version)?;
    let after = fields.apply(&before, false)?;
    let saved = save(&state, &actor, "customer.updated", &before, after).await?;
    Ok(Tagged(saved.version, saved))
}

/// Archive a customer. It stays readable, and documents that reference it keep working.
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = [])),
    responses((status = 204, description = "archived"), (status = 404, body = ProblemBody),
              (status = 412, body = ProblemBody), (status = 428, body = ProblemBody)))]
async fn archive_customer(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    let before = load(&state, &id).await?;
    if_match.check(before.version)?;
    if before.status == RecordStatus::Archived {
        return Ok(StatusCode::NO_CONTENT);
    }
    let mut after = before.clone();
    after.status = RecordStatus::Archived;
    save(&state, &actor, "customer.archived", &before, after).await?;
    Ok(StatusCode::NO_CONTENT)
}
