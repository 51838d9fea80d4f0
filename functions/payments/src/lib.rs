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
use erp_shared::auth::{Access, Permission, sha256_hex};
use erp_shared::domain::product::MAX_AMOUNT;
use erp_shared::domain::sales::{Invoice, InvoiceStatus, Payment, PaymentMethod};
use erp_shared::domain::text;
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Fields, Problem, ProblemBody};
use erp_shared::http::{ApiRouter, Json, ListResponse, Path, Query};
use erp_shared::listing::{self, Source};
use erp_shared::sales::{self, DocumentFilter, Rollup};
use erp_shared::state::AppState;
use erp_shared::store::{
    self, Condition, Index, SkRange, WriteOp, from_item, keys, table, to_item,
};

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

/// Stored results of idempotent requests are kept for a day.
const IDEMPOTENCY_TTL_SECS: i64 = 86_400;

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

fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let v = v.to_str().unwrap_or_default().trim();
    if v.is_empty() || v.len() > 100 || !v.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Problem::bad_request(
            "invalid-idempotency-key",
            "Idempotency-Key must be 1-100 visible ASCII characters.",
        ));
    }
    Ok(Some(v.to_string()))
}

fn replay(stored: &store::Item, fingerprint: &str) -> ApiResult<Response> {
    if listing::attr(stored, "fingerprint") != Some(fingerprint) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency-key-reused",
            "Idempotency key reused",
            "This Idempotency-Key was used for a different request.",
        ));
    }
    let body = stored.get("response").cloned().unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
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
    let idem = idempotency_key(&headers)?;
    let mut f = Fields::new();
    if !(1..=MAX_AMOUNT).contains(&req.amount) {
        f.error("amount", "must be a positive number of minor units");
    }
    let reference = f
        .check(
            "reference",
            text::optional_text(req.reference.as_deref(), 200, false),
        )
        .flatten();
    f.finish()?;
    let fingerprint = sha256_hex(format!(
        "{id}|{}|{:?}|{:?}|{:?}",
        req.amount, req.date, req.method, reference
    ));
    let idem_key = idem
        .as_ref()
        .map(|k| keys::idempotency(&format!("payment#{}", actor.id), k));
    if let Some(k) = &idem_key {
        if let Some(stored) = state.store.get(k).await? {
            return replay(&stored, &fingerprint);
        }
    }
    // The receipt goes to the customer's email, when it has one: looked up once, from the
    // invoice the first attempt reads.
    let brand = state.brand().await?;
    let receipt_to: tokio::sync::OnceCell<Option<String>> = tokio::sync::OnceCell::new();
    let (brand_, receipt_to_) = (&brand, &receipt_to);
    let (state_, actor_, id_, req_, reference_, idem_key_, fp_) = (
        &state,
        &actor,
        &id,
        &req,
        &reference,
        &idem_key,
        &fingerprint,
    );
    let outcome = sales::retrying(50, || async move {
        let (state, actor, id, req) = (state_, actor_, id_, req_);
        let before = sales::get_invoice(&state.store, id)
            .await?
            .ok_or_else(|| Problem::not_found("The invoice"))?;
        if !before.status.is_open() {
            return Err(Problem::conflict(
                "invalid-status",
                "Payments can only be recorded on issued, unpaid invoices.",
            ));
        }
        if req.amount > before.balance_due {
            return Err(Problem::field(
                "amount",
                format!("exceeds the balance due ({})", before.balance_due),
            ));
        }
        let date = match req.date {
            Some(d) => d,
            None => state.today().await?,
        };
        // Nothing is paid before it is invoiced (and days to pay are never negative).
        if let Some(issued) = before.issue_date.filter(|issued| date < *issued) {
            return Err(Problem::field(
                "date",
                format!("must not be before the invoice's issue date ({issued})"),
            ));
        }
        let payment = Payment {
            id: uuid::Uuid::now_v7().to_string(),
            invoice_id: before.id.clone(),
            invoice_number: before.number.clone(),
            customer_id: before.customer_id.clone(),
            amount: req.amount,
            currency: before.currency,
            date,
            method: req.method,
            reference: reference_.clone(),
            created_at: now_rfc3339(),
        };
        let mut after = before.clone();
        after.amount_paid += payment.amount;
        after.balance_due -= payment.amount;
        after.status = after.settled_status(InvoiceStatus::Paid);
        let mut rollup = Rollup::new(payment.date, payment.currency.code());
        rollup.cash = payment.amount;
        rollup.receivable = -payment.amount;
        rollup.customer_id = Some(payment.customer_id.clone());
        if after.status == InvoiceStatus::Paid {
            after.paid_on = Some(payment.date);
            rollup.paid_invoices = 1;
            rollup.days_to_pay = before
                .issue_date
                .map(|d| (payment.date - d).num_days())
                .unwrap_or(0);
        }
        let mut ops = invoice_ops(actor, "invoice.payment_recorded", &before, &mut after)?;
        ops.push(WriteOp::put_new(sales::payment_item(&payment)?));
        ops.push(audit::record(
            actor,
            "payment.recorded",
            "payment",
            &payment.id,
            audit::diff(None, Some(&payment)),
        )?);
        ops.extend(rollup.ops());
        let receipt_to = receipt_to_
            .get_or_try_init(|| async {
                let customer =
                    erp_shared::catalog::get_customer(&state.store, &before.customer_id).await?;
                Ok::<_, Problem>(
                    customer
                        .and_then(|c| c.email)
                        .map(|e| e.as_str().to_string()),
                )
            })
            .await?;
        let mut outbox_id = None;
        if let Some(to) = receipt_to {
            let message = templates::payment_receipt(brand_, to, &payment, &after);
            let (oid, op) = outbox::enqueue("payment_receipt", message)?;
            ops.push(op);
            outbox_id = Some(oid);
        }
        let idem_index = ops.len();
        if let Some(k) = idem_key_ {
            let mut item = to_item(
                k,
                &serde_json::json!({ "fingerprint": fp_, "response": payment }),
            )?;
            item.insert(
                table::TTL.into(),
                (chrono::Utc::now().timestamp() + IDEMPOTENCY_TTL_SECS).into(),
            );
            ops.push(WriteOp::put_new(item));
        }
        match state.store.transact(ops).await {
            Ok(()) => Ok(Some(Ok((payment, outbox_id)))),
            // The same key committed concurrently: answer with its result.
            Err(e) if idem_key_.is_some() && e.failed_op(idem_index) => Ok(Some(Err(()))),
            Err(e) if sales::lost_race(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    match outcome {
        Ok((payment, outbox_id)) => {
            state.deliver_now(outbox_id.as_slice()).await;
            Ok((StatusCode::CREATED, Json(payment)).into_response())
        }
        Err(()) => {
            let k = idem_key.expect("only with a key");
            let stored = state
                .store
                .get(&k)
                .await?
                .ok_or_else(|| Problem::internal("idempotency record vanished"))?;
            replay(&stored, &fingerprint)
        }
    }
}

/// The version-checked write of the invoice and its audit record.
fn invoice_ops(
    actor: &Actor,
    action: &str,
    before: &Invoice,
    after: &mut Invoice,
) -> ApiResult<Vec<WriteOp>> {
    after.version = before.version + 1;
    after.updated_at = now_rfc3339();
    let changes = audit::diff(Some(before), Some(&*after));
    Ok(vec![
        WriteOp::Put {
            item: sales::invoice_item(after)?,
            condition: Some(Condition::version_is(before.version)),
        },
        audit::record(actor, action, "invoice", &after.id, changes)?,
    ])
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
    let page = state
        .store
        .query(
            store::Query::table(keys::invoice_partition(&id))
                .range(SkRange::BeginsWith(keys::PAYMENT_PREFIX.into()))
                .limit(1000),
        )
        .await?;
    if page.items.is_empty() && sales::get_invoice(&state.store, &id).await?.is_none() {
        return Err(Problem::not_found("The invoice"));
    }
    let items = page
        .items
        .into_iter()
        .map(from_item)
        .collect::<Result<Vec<Payment>, _>>()?;
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
    let (state_, actor_, id_, pid_) = (&state, &actor, &id, &pid);
    sales::retrying(50, || async move {
        let (state, actor, id, pid) = (state_, actor_, id_, pid_);
        let page = state
            .store
            .query(
                store::Query::table(keys::invoice_partition(id))
                    .range(SkRange::BeginsWith(keys::PAYMENT_PREFIX.into()))
                    .limit(1000),
            )
            .await?;
        let payment: Payment = page
            .items
            .into_iter()
            .map(from_item::<Payment>)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .find(|p| &p.id == pid)
            .ok_or_else(|| Problem::not_found("The payment"))?;
        let before = sales::get_invoice(&state.store, id)
            .await?
            .ok_or_else(|| Problem::not_found("The invoice"))?;
        let mut after = before.clone();
        after.amount_paid -= payment.amount;
        after.balance_due += payment.amount;
        if after.status != InvoiceStatus::Void {
            // The balance is positive again: issued or partly paid.
            after.status = after.settled_status(InvoiceStatus::Paid);
        }
        // Settled no longer: take it out of the days-to-pay figures of the day it was settled.
        let unsettled = match (before.status, before.paid_on, before.issue_date) {
            (InvoiceStatus::Paid, Some(paid_on), Some(issued))
                if after.status != InvoiceStatus::Paid =>
            {
                after.paid_on = None;
                let mut r = Rollup::new(paid_on, payment.currency.code());
                r.paid_invoices = -1;
                r.days_to_pay = -(paid_on - issued).num_days();
                r.ops()
            }
            _ => Vec::new(),
        };
        let mut ops = invoice_ops(actor, "invoice.payment_reversed", &before, &mut after)?;
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
        let mut rollup = Rollup::new(payment.date, payment.currency.code());
        rollup.cash = -payment.amount;
        rollup.receivable = payment.amount;
        rollup.customer_id = Some(payment.customer_id.clone());
        let mut rollups = rollup.ops();
        rollups.extend(unsettled);
        ops.extend(sales::merge_rollups(rollups));
        match state.store.transact(ops).await {
            Ok(()) => Ok(Some(())),
            Err(e) if sales::lost_race(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
