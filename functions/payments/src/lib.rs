//! Function `payments`: payments against issued invoices. A payment never takes the balance
//! below zero, also when several arrive at once; a retry with the same `Idempotency-Key`
//! returns the first result and records nothing new.

use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use erp_shared::accounts::now_rfc3339;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::catalog;
use erp_shared::domain::invoicing::{Applied, NewPayment};
use erp_shared::domain::product::MAX_AMOUNT;
use erp_shared::domain::sales::{Invoice, Payment, PaymentMethod};
use erp_shared::domain::text;
use erp_shared::email::outbox;
use erp_shared::email::templates::{self, Brand};
use erp_shared::error::{ApiResult, FieldError, Fields, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json, ListResponse, Path, Query};
use erp_shared::idempotency::{Committed, IdempotencyKey, Idempotent};
use erp_shared::listing::{self, Source};
use erp_shared::retry;
use erp_shared::sales::{self, DocumentFilter, Rollup};
use erp_shared::state::AppState;
use erp_shared::store::{self, Condition, Index, WriteOp, keys};

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/payments",
            Access::Permission(Permission::PaymentsWrite),
            record_payment,
        )
        .route(
            Method::GET,
            "/api/v1/invoices/{id}/payments",
            Access::Permission(Permission::PaymentsRead),
            invoice_payments,
        )
        .route(
            Method::GET,
            "/api/v1/payments",
            Access::Permission(Permission::PaymentsRead),
            list_payments,
        )
        .route(
            Method::DELETE,
            "/api/v1/invoices/{id}/payments/{pid}",
            Access::Permission(Permission::PaymentsDelete),
            delete_payment,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(record_payment, invoice_payments, list_payments, delete_payment),
    components(schemas(Payment, PaymentMethod, PaymentRequest, ProblemBody, FieldError))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

#[derive(Deserialize, ToSchema)]
pub struct PaymentRequest {
    /// Minor units of the invoice's currency.
    pub amount: i64,
    /// Defaults to today in the company's time zone; never before the invoice's issue date.
    #[schema(value_type = Option<String>, format = Date)]
    pub date: Option<NaiveDate>,
    pub method: PaymentMethod,
    pub reference: Option<String>,
}

impl PaymentRequest {
    /// The checked amount and reference (every input error a 422).
    fn reference(&self) -> ApiResult<Option<String>> {
        let mut f = Fields::new();
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            f.error("amount", "must be a positive number of minor units");
        }
        let reference = f
            .check(
                "reference",
                text::optional_text(self.reference.as_deref(), 200, false),
            )
            .flatten();
        f.finish()?;
        Ok(reference)
    }
}

/// Record a payment. Send an `Idempotency-Key` so a retry cannot record it twice. 422 when
/// it would take the balance below zero, or when dated before the invoice's issue date.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/payments", tag = "payments", params(("id" = String, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = PaymentRequest, security(("bearer" = [])),
    responses((status = 201, body = Payment), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody, description = "invoice not open"),
              (status = 422, body = ProblemBody, description = "overpayment, a date before the issue date, or invalid input")))]
async fn record_payment(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(req): Json<PaymentRequest>,
) -> ApiResult<Response> {
    let key = IdempotencyKey::from_headers(&headers, &format!("payment#{}", actor.id))?;
    let reference = req.reference()?;
    let (amount, date, method) = (req.amount, req.date, req.method);
    let idem = key.for_request(&format!("{id}|{amount}|{date:?}|{method:?}|{reference:?}"));
    if let Some(replay) = idem.replayed(&state.store).await? {
        return Ok(replay);
    }
    let date = match date {
        Some(d) => d,
        None => state.today().await?,
    };
    let recording = Recording {
        state: &state,
        actor: &actor,
        invoice_id: &id,
        brand: state.brand().await?,
        idem,
        amount,
        date,
        method,
        reference,
        receipt_to: tokio::sync::OnceCell::new(),
    };
    match retry::retrying(50, || recording.attempt()).await? {
        (Committed::Written(payment), outbox_id) => {
            state.deliver_now(outbox_id.as_slice()).await;
            Ok((StatusCode::CREATED, Json(payment)).into_response())
        }
        (Committed::Replayed(response), _) => Ok(response),
    }
}

/// A payment being recorded: what every try needs.
struct Recording<'a> {
    state: &'a AppState,
    actor: &'a Actor,
    invoice_id: &'a str,
    brand: Brand,
    idem: Idempotent,
    amount: i64,
    date: NaiveDate,
    method: PaymentMethod,
    reference: Option<String>,
    /// The receipt goes to the customer's email, when it has one: looked up once, from the
    /// invoice the first try reads.
    receipt_to: tokio::sync::OnceCell<Option<String>>,
}

impl Recording<'_> {
    /// One try: the payment applied to the invoice as stored now, and written with the
    /// idempotency record; with the outbox id of the receipt.
    async fn attempt(&self) -> retry::Attempt<(Committed<Payment>, Option<String>)> {
        let before = sales::load_invoice(&self.state.store, self.invoice_id).await?;
        let paid = before.apply_payment(NewPayment {
            id: uuid::Uuid::now_v7().to_string(),
            amount: self.amount,
            date: self.date,
            method: self.method,
            reference: self.reference.clone(),
            created_at: now_rfc3339(),
        })?;
        let to = self
            .receipt_to
            .get_or_try_init(|| customer_email(self.state, &before.customer_id))
            .await?;
        let (ops, outbox_id) = payment_ops(self.actor, &self.brand, &before, &paid, to.as_deref())?;
        let committed = self.idem.commit(&self.state.store, ops, paid.made).await?;
        Ok(committed.map(|c| (c, outbox_id)))
    }
}

async fn customer_email(state: &AppState, customer_id: &str) -> ApiResult<Option<String>> {
    let customer = catalog::get_customer(&state.store, customer_id).await?;
    Ok(customer
        .and_then(|c| c.email)
        .map(|e| e.as_str().to_string()))
}

/// The writes of a payment applied: the invoice and its audit record, the payment and its
/// audit record, the rollups, and the receipt to `receipt_to` (with its outbox id).
fn payment_ops(
    actor: &Actor,
    brand: &Brand,
    before: &Invoice,
    paid: &Applied<Payment>,
    receipt_to: Option<&str>,
) -> ApiResult<(Vec<WriteOp>, Option<String>)> {
    let (mut after, payment) = (paid.invoice.clone(), &paid.made);
    let mut ops = sales::invoice_update(actor, "invoice.payment_recorded", before, &mut after)?;
    ops.push(WriteOp::put_new(sales::payment_item(payment)?));
    ops.push(audit::record(
        actor,
        "payment.recorded",
        "payment",
        &payment.id,
        audit::diff(None, Some(payment)),
    )?);
    ops.extend(paid.rollups.iter().flat_map(Rollup::ops));
    let Some(to) = receipt_to else {
        return Ok((ops, None));
    };
    let message = templates::payment_receipt(brand, to, payment, &after);
    let (outbox_id, op) = outbox::enqueue("payment_receipt", message)?;
    ops.push(op);
    Ok((ops, Some(outbox_id)))
}

/// An invoice's payments, oldest first (one Query on the invoice's partition).
#[utoipa::path(get, path = "/api/v1/invoices/{id}/payments", tag = "payments", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<Payment>), (status = 404, body = ProblemBody)))]
async fn invoice_payments(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ListResponse<Payment>>> {
    if id.len() > 64 {
        return Err(Problem::not_found("The invoice"));
    }
    let items = sales::invoice_payments(&state.store, &id).await?;
    if items.is_empty() && sales::get_invoice(&state.store, &id).await?.is_none() {
        return Err(Problem::not_found("The invoice"));
    }
    Ok(Json(ListResponse {
        items,
        next_cursor: None,
    }))
}

/// Payments by payment date (newest first), optionally of one customer and by amount.
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", params(DocumentFilter), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<Payment>), (status = 400, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn list_payments(
    State(state): State<AppState>,
    Query(q): Query<DocumentFilter>,
) -> ApiResult<Json<ListResponse<Payment>>> {
    let mut f = Fields::new();
    let c = q.common(&mut f)?;
    f.finish()?;
    let (from, to, forward, range) = (c.from, c.to, c.forward, c.range());
    let query = match &q.customer_id {
        Some(c) => store::Query::index(Index::Gsi2, keys::payments_of_customer(c)),
        None => store::Query::index(Index::Gsi1, keys::ALL_PAYMENTS),
    }
    .range(range)
    .forward(forward);
    let (min, max) = (q.amount_min, q.amount_max);
    let source = if min.is_some() || max.is_some() {
        Source::filtered(query, move |i| {
            let a = i.get("amount").and_then(Value::as_i64).unwrap_or(0);
            min.is_none_or(|m| a >= m) && max.is_none_or(|m| a <= m)
        })
    } else {
        Source::new(query)
    };
    let scope = format!(
        "payments?{:?}",
        (&q.customer_id, from, to, min, max, forward)
    );
    Ok(Json(
        listing::respond(&state, &scope, q.cursor.as_deref(), vec![source], c.limit).await?,
    ))
}

/// Delete a payment recorded by mistake: the invoice's balance goes back up. Audited.
#[utoipa::path(delete, path = "/api/v1/invoices/{id}/payments/{pid}", tag = "payments", params(("id" = String, Path), ("pid" = String, Path)),
    security(("bearer" = [])),
    responses((status = 204, description = "reversed"), (status = 404, body = ProblemBody)))]
async fn delete_payment(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, pid)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    if id.len() > 64 || pid.len() > 64 {
        return Err(Problem::not_found("The payment"));
    }
    retry::retrying(50, || reverse(&state, &actor, &id, &pid)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One try at deleting payment `pid` of invoice `id`: the invoice's balance goes back up.
async fn reverse(state: &AppState, actor: &Actor, id: &str, pid: &str) -> retry::Attempt<()> {
    let payment = sales::invoice_payments(&state.store, id)
        .await?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or_else(|| Problem::not_found("The payment"))?;
    let before = sales::load_invoice(&state.store, id).await?;
    let reversed = before.reverse_payment(&payment);
    let mut after = reversed.invoice;
    let mut ops = sales::invoice_update(actor, "invoice.payment_reversed", &before, &mut after)?;
    ops.push(WriteOp::Delete {
        key: keys::payment(id, &payment.date.to_string(), &payment.id),
        condition: Some(Condition::Exists),
    });
    ops.push(audit::record(
        actor,
        "payment.deleted",
        "payment",
        &payment.id,
        audit::diff(Some(&payment), None),
    )?);
    let rollups = reversed.rollups.iter().flat_map(Rollup::ops).collect();
    ops.extend(sales::merge_rollups(rollups));
    retry::settled(state.store.transact(ops).await, ())
}
