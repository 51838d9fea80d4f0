//! Function `products`: the catalogue. SKUs are unique (case-insensitive), enforced by a guard
//! item written in the same transaction as the product.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use utoipa::OpenApi;

use erp_shared::accounts::now_rfc3339;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::catalog::{self, PRODUCTS};
use erp_shared::domain::Product;
use erp_shared::domain::product::{Money, MoneyInput, ProductFields};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::etag::stale;
use erp_shared::http::{ApiRouter, Created, IfMatch, Json, ListResponse, Path, Query, Tagged};
use erp_shared::listing::{self, ListRequest};
use erp_shared::state::AppState;
use erp_shared::store::{Condition, WriteOp};

const READ: Access = Access::Permission(Permission::ProductsRead);
const WRITE: Access = Access::Permission(Permission::ProductsWrite);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/products", READ, list_products)
        .route(Method::POST, "/api/v1/products", WRITE, create_product)
        .route(Method::GET, "/api/v1/products/{id}", READ, get_product)
        .route(Method::PATCH, "/api/v1/products/{id}", WRITE, patch_product)
        .route(
            Method::DELETE,
            "/api/v1/products/{id}",
            WRITE,
            archive_product,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_products,
        create_product,
        get_product,
        patch_product,
        archive_product
    ),
    components(schemas(Product, ProductFields, Money, MoneyInput, ProblemBody, FieldError))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// List products: `q` searches name then SKU prefixes; filters by status (`active` or
/// `archived`) and creation date; sorted by name or creation date.
#[utoipa::path(get, path = "/api/v1/products", tag = "products", params(ListRequest), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<Product>), (status = 400, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn list_products(
    State(state): State<AppState>,
    Query(req): Query<ListRequest>,
) -> ApiResult<Json<ListResponse<Product>>> {
    let plan = req.plan("products", &PRODUCTS)?;
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

/// Create a product. 409 when the SKU is taken.
#[utoipa::path(post, path = "/api/v1/products", tag = "products", request_body = ProductFields, security(("bearer" = [])),
    responses((status = 201, body = Product, headers(("ETag" = String))), (status = 409, body = ProblemBody, description = "SKU taken"),
              (status = 422, body = ProblemBody)))]
async fn create_product(
    State(state): State<AppState>,
    actor: Actor,
    Json(fields): Json<ProductFields>,
) -> ApiResult<Created<Product>> {
    let blank = Product::blank(uuid::Uuid::now_v7().to_string(), now_rfc3339());
    let product = fields.apply(&blank, true)?;
    let ops = vec![
        WriteOp::put_new(catalog::product_item(&product)?),
        catalog::sku_guard(&product)?,
        audit::record(
            &actor,
            "product.created",
            "product",
            &product.id,
            audit::diff(None, Some(&product)),
        )?,
    ];
    match state.store.transact(ops).await {
        Ok(()) => Ok(Created(
            format!("/api/v1/products/{}", product.id),
            product.version,
            product,
        )),
        Err(e) if e.failed_op(1) => Err(catalog::sku_taken()),
        Err(e) => Err(e.into()),
    }
}

async fn load(state: &AppState, id: &str) -> ApiResult<Product> {
    catalog::get_product(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("The product"))
}

/// One product (archived ones too), with its `ETag`.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Product, headers(("ETag" = String))), (status = 404, body = ProblemBody)))]
async fn get_product(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Tagged<Product>> {
    let p = load(&state, &id).await?;
    Ok(Tagged(p.version, p))
}

async fn save(
    state: &AppState,
    actor: &Actor,
    action: &str,
    before: &Product,
    mut after: Product,
) -> ApiResult<Product> {
    after.version = before.version + 1;
    after.updated_at = now_rfc3339();
    let changes = audit::diff(Some(before), Some(&after));
    let mut ops = vec![
        WriteOp::Put {
            item: catalog::product_item(&after)?,
            condition: Some(Condition::version_is(before.version)),
        },
        audit::record(actor, action, "product", &after.id, changes)?,
    ];
    let sku_ops = catalog::sku_change(before, &after)?;
    let sku_changed = !sku_ops.is_empty();
    ops.extend(sku_ops);
    match state.store.transact(ops).await {
        Ok(()) => Ok(after),
        Err(e) if e.failed_op(0) => Err(stale()),
        Err(e) if sku_changed && e.failed_op(2) => Err(catalog::sku_taken()),
        Err(e) => Err(e.into()),
    }
}

/// Change a product (including its SKU). Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body = ProductFields, security(("bearer" = [])),
    responses((status = 200, body = Product, headers(("ETag" = String))), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "SKU taken"), (status = 412, body = ProblemBody),
              (status = 428, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn patch_product(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(fields): Json<ProductFields>,
) -> ApiResult<Tagged<Product>> {
    let before = load(&state, &id).await?;
    if_match.check(before.version)?;
    let after = fields.apply(&before, false)?;
    let saved = save(&state, &actor, "product.updated", &before, after).await?;
    Ok(Tagged(saved.version, saved))
}

/// Archive a product (`active` becomes false). It stays readable. Its SKU stays reserved.
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", params(("id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = [])),
    responses((status = 204, description = "archived"), (status = 404, body = ProblemBody),
              (status = 412, body = ProblemBody), (status = 428, body = ProblemBody)))]
async fn archive_product(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    let before = load(&state, &id).await?;
    if_match.check(before.version)?;
    if !before.active {
        return Ok(StatusCode::NO_CONTENT);
    }
    let mut after = before.clone();
    after.active = false;
    save(&state, &actor, "product.archived", &before, after).await?;
    Ok(StatusCode::NO_CONTENT)
}
