//! Function `orders`: orders with any number of lines, `draft → confirmed → invoiced` or
//! `cancelled`, and the draft invoice made from a confirmed order.

use axum::extract::State;
use axum::http::{Method, StatusCode};
use serde::Deserialize;
use utoipa::{OpenApi, ToSchema};

use erp_shared::accounts::now_rfc3339;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::catalog;
use erp_shared::domain::money::{Discount, Line, Totals};
use erp_shared::domain::ordering::OrderAction;
use erp_shared::domain::sales::{Invoice, InvoiceView, Order, OrderStatus};
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Fields, Problem, ProblemBody};
use erp_shared::http::etag::stale;
use erp_shared::http::{ApiRouter, Created, IfMatch, Json, ListResponse, Path, Query, Tagged};
use erp_shared::listing::{self, Source};
use erp_shared::sales::{self, DocumentEdit, DocumentFilter, LineRequest};
use erp_shared::state::AppState;
use erp_shared::store::{self, Condition, Index, WriteOp, keys};

const READ: Access = Access::Permission(Permission::OrdersRead);
const WRITE: Access = Access::Permission(Permission::OrdersWrite);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/orders", READ, list_orders)
        .route(Method::POST, "/api/v1/orders", WRITE, create_order)
        .route(Method::GET, "/api/v1/orders/{id}", READ, get_order)
        .route(Method::PATCH, "/api/v1/orders/{id}", WRITE, patch_order)
        .route(Method::DELETE, "/api/v1/orders/{id}", WRITE, delete_order)
        .route(
            Method::POST,
            "/api/v1/orders/{id}/confirm",
            WRITE,
            confirm_order,
        )
        .route(
            Method::POST,
            "/api/v1/orders/{id}/cancel",
            WRITE,
            cancel_order,
        )
        .route(
            Method::POST,
            "/api/v1/orders/{id}/invoice",
            Access::Permission(Permission::InvoicesWrite),
            invoice_order,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_orders,
        create_order,
        get_order,
        patch_order,
        delete_order,
        confirm_order,
        cancel_order,
        invoice_order
    ),
    components(schemas(
        Order,
        OrderStatus,
        Line,
        Totals,
        Discount,
        LineRequest,
        CreateOrder,
        PatchOrder,
        InvoiceView,
        Invoice,
        ProblemBody,
        FieldError
    ))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(Deserialize, ToSchema)]
pub struct CreateOrder {
    pub customer_id: String,
    /// ISO 4217; defaults to the customer's currency.
    pub currency: Option<String>,
    pub lines: Vec<LineRequest>,
    pub notes: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PatchOrder {
    /// Replaces every line (drafts only).
    pub lines: Option<Vec<LineRequest>>,
    pub notes: Option<String>,
}

/// List orders, newest first: by status, customer, creation date range and total.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(DocumentFilter), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<Order>), (status = 400, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn list_orders(
    State(state): State<AppState>,
    Query(q): Query<DocumentFilter>,
) -> ApiResult<Json<ListResponse<Order>>> {
    let mut f = Fields::new();
    let c = q.common(&mut f)?;
    let status = q.status.as_deref().and_then(|s| {
        f.check(
            "status",
            OrderStatus::parse(s).ok_or("must be draft, confirmed, invoiced or cancelled"),
        )
    });
    f.finish()?;
    let (from, to, forward, range) = (c.from, c.to, c.forward, c.range());
    let query = match (&q.customer_id, status) {
        (Some(c), _) => store::Query::index(Index::Gsi2, keys::orders_of_customer(c)),
        (None, Some(s)) => store::Query::index(Index::Gsi1, keys::orders(s.as_str())),
        (None, None) => store::Query::index(Index::Gsi4, keys::ALL_ORDERS),
    }
    .range(range)
    .forward(forward);
    let (min, max) = (q.amount_min, q.amount_max);
    let needs_filter =
        min.is_some() || max.is_some() || (q.customer_id.is_some() && status.is_some());
    let source = if needs_filter {
        Source::filtered(query, move |i| {
            let t = sales::item_total(i);
            min.is_none_or(|m| t >= m)
                && max.is_none_or(|m| t <= m)
                && status.is_none_or(|s| listing::attr(i, "status") == Some(s.as_str()))
        })
    } else {
        Source::new(query)
    };
    let scope = format!(
        "orders?{:?}",
        (&q.status, &q.customer_id, from, to, min, max, forward)
    );
    Ok(Json(
        listing::respond(&state, &scope, q.cursor.as_deref(), vec![source], c.limit).await?,
    ))
}

/// Create a draft order. Lines referencing a product take its price, description and tax
/// rate unless given; prices are copied onto the order.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = CreateOrder, security(("bearer" = [])),
    responses((status = 201, body = Order, headers(("ETag" = String))), (status = 422, body = ProblemBody)))]
async fn create_order(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<CreateOrder>,
) -> ApiResult<Created<Order>> {
    let CreateOrder {
        customer_id,
        currency,
        lines,
        notes,
    } = req;
    let start = sales::start_document(&state, &customer_id, &currency, &notes, &lines).await?;
    let order = start.order();
    sales::check_size(&order)?;
    let changes = sales::created_changes(&order, order.lines.len());
    let mut ops = vec![
        WriteOp::put_new(sales::order_item(&order)?),
        audit::record(&actor, "order.created", "order", &order.id, changes)?,
    ];
    ops.extend(order.opened(state.today().await?).ops());
    state.store.transact(ops).await?;
    Ok(Created(
        format!("/api/v1/orders/{}", order.id),
        order.version,
        order,
    ))
}

async fn load(state: &AppState, id: &str) -> ApiResult<Order> {
    sales::get_order(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("The order"))
}

/// One order with its `ETag`.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order, headers(("ETag" = String))), (status = 404, body = ProblemBody)))]
async fn get_order(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Tagged<Order>> {
    let o = load(&state, &id).await?;
    Ok(Tagged(o.version, o))
}

/// Writes the new version of an order (and `extra` writes) if nobody changed it meanwhile.
async fn save(
    state: &AppState,
    actor: &Actor,
    action: &str,
    before: &Order,
    mut after: Order,
    extra: Vec<WriteOp>,
) -> ApiResult<Order> {
    after.version = before.version + 1;
    after.updated_at = now_rfc3339();
    sales::check_size(&after)?;
    let mut changes = audit::diff(Some(before), Some(&after));
    // Line arrays can be large: record that they changed, with the new totals.
    for c in changes.iter_mut().filter(|c| c.field == "lines") {
        c.old = serde_json::json!({ "count": before.lines.len() });
        c.new = serde_json::json!({ "count": after.lines.len() });
    }
    let mut ops = vec![
        WriteOp::Put {
            item: sales::order_item(&after)?,
            condition: Some(Condition::version_is(before.version)),
        },
        audit::record(actor, action, "order", &after.id, changes)?,
    ];
    ops.extend(extra);
    match state.store.transact(ops).await {
        Ok(()) => Ok(after),
        Err(e) if e.failed_op(0) => Err(stale()),
        Err(e) => Err(e.into()),
    }
}

/// Edit a draft order's lines or notes. Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body = PatchOrder, security(("bearer" = [])),
    responses((status = 200, body = Order, headers(("ETag" = String))), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "not a draft"), (status = 412, body = ProblemBody),
              (status = 428, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn patch_order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(req): Json<PatchOrder>,
) -> ApiResult<Tagged<Order>> {
    let before = load(&state, &id).await?;
    if_match.check(before.version)?;
    before.allows(OrderAction::Edit)?;
    let edit = DocumentEdit::parse(&state, before.currency, &req.notes, &req.lines).await?;
    let after = before.edited(edit.notes, edit.lines)?;
    let saved = save(&state, &actor, "order.updated", &before, after, Vec::new()).await?;
    Ok(Tagged(saved.version, saved))
}

async fn set_status(
    state: &AppState,
    actor: &Actor,
    id: &str,
    if_match: Option<IfMatch>,
    action: OrderAction,
) -> ApiResult<Order> {
    let before = load(state, id).await?;
    if let Some(m) = if_match {
        m.check(before.version)?;
    }
    let after = before.moved(action)?;
    // A confirmed order is confirmed to the customer by email, in the same transaction.
    let mut extra = Vec::new();
    let mut outbox_id = None;
    if after.status == OrderStatus::Confirmed {
        let customer = catalog::get_customer(&state.store, &before.customer_id).await?;
        if let Some(email) = customer.and_then(|c| c.email) {
            let message =
                templates::order_confirmation(&state.brand().await?, email.as_str(), &after);
            let (oid, op) = outbox::enqueue("order_confirmation", message)?;
            extra.push(op);
            outbox_id = Some(oid);
        }
    }
    let action = format!("order.{}", after.status.as_str());
    let saved = save(state, actor, &action, &before, after, extra).await?;
    state.deliver_now(outbox_id.as_slice()).await;
    Ok(saved)
}

/// Delete a draft order: it is kept as `cancelled`. Needs `If-Match`.
#[utoipa::path(delete, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = String, Path), ("If-Match" = String, Header)),
    security(("bearer" = [])),
    responses((status = 204, description = "cancelled"), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody),
              (status = 412, body = ProblemBody), (status = 428, body = ProblemBody)))]
async fn delete_order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
) -> ApiResult<StatusCode> {
    set_status(&state, &actor, &id, Some(if_match), OrderAction::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirm a draft order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/confirm", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn confirm_order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Tagged<Order>> {
    let o = set_status(&state, &actor, &id, None, OrderAction::Confirm).await?;
    Ok(Tagged(o.version, o))
}

/// Cancel a draft or confirmed order.
#[utoipa::path(post, path = "/api/v1/orders/{id}/cancel", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = Order), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn cancel_order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Tagged<Order>> {
    let o = set_status(&state, &actor, &id, None, OrderAction::Cancel).await?;
    Ok(Tagged(o.version, o))
}

/// Make a draft invoice from a confirmed order's lines; the order becomes `invoiced`. The
/// invoice is answered as every invoice route answers it (with `overdue`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/invoice", tag = "orders", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 201, body = InvoiceView, headers(("ETag" = String))), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn invoice_order(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Created<InvoiceView>> {
    let before = load(&state, &id).await?;
    before.allows(OrderAction::Invoice)?;
    let customer = catalog::get_customer(&state.store, &before.customer_id).await?;
    let terms = customer.map(|c| c.payment_terms_days).unwrap_or(30);
    let (after, invoice) =
        before.invoiced(uuid::Uuid::now_v7().to_string(), now_rfc3339(), terms)?;
    let extra = vec![
        WriteOp::put_new(sales::invoice_item(&invoice)?),
        audit::record(
            &actor,
            "invoice.created",
            "invoice",
            &invoice.id,
            audit::diff(None, Some(&invoice))
                .into_iter()
                .filter(|c| c.field != "lines")
                .collect(),
        )?,
    ];
    save(&state, &actor, "order.invoiced", &before, after, extra).await?;
    Ok(Created(
        format!("/api/v1/invoices/{}", invoice.id),
        invoice.version,
        InvoiceView::new(invoice, state.today().await?),
    ))
}
