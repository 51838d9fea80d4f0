//! Function `invoices`: drafts, issuing with gapless numbers, voiding and credit notes.
//! `overdue` is derived from the due date in the company's time zone.

use axum::extract::State;
use axum::http::Method;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use erp_shared::accounts::now_rfc3339;
use erp_shared::audit::{self, Actor};
use erp_shared::auth::{Access, Permission};
use erp_shared::documents;
use erp_shared::domain::invoicing::{Applied, Edit, NewCredit};
use erp_shared::domain::money::{Discount, Line, Totals, totals};
use erp_shared::domain::sales::{Invoice, InvoiceKind, InvoiceStatus, InvoiceView};
use erp_shared::domain::text;
use erp_shared::einvoice::{Parts, Syntax};
use erp_shared::email::{AttachmentRef, outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Problem, ProblemBody};
use erp_shared::http::etag::stale;
use erp_shared::http::{ApiRouter, Created, IfMatch, Json, ListResponse, Path, Query, Tagged};
use erp_shared::listing;
use erp_shared::retry;
use erp_shared::sales::{self, DocumentEdit, DocumentFilter, LineRequest, Rollup};
use erp_shared::state::AppState;
use erp_shared::store::WriteOp;

mod list;
mod reminders;

const READ: Access = Access::Permission(Permission::InvoicesRead);
const WRITE: Access = Access::Permission(Permission::InvoicesWrite);
const ISSUE: Access = Access::Permission(Permission::InvoicesIssue);

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .route(Method::GET, "/api/v1/invoices", READ, list_invoices)
        .route(Method::POST, "/api/v1/invoices", WRITE, create_invoice)
        .route(Method::GET, "/api/v1/invoices/{id}", READ, get_invoice)
        .route(Method::PATCH, "/api/v1/invoices/{id}", WRITE, patch_invoice)
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/issue",
            ISSUE,
            issue_invoice,
        )
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/void",
            ISSUE,
            void_invoice,
        )
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/credit-note",
            ISSUE,
            credit_note,
        )
        .route(Method::GET, "/api/v1/invoices/{id}/pdf", READ, invoice_pdf)
        .route(Method::GET, "/api/v1/invoices/{id}/ubl", READ, invoice_ubl)
        .route(Method::GET, "/api/v1/invoices/{id}/cii", READ, invoice_cii)
        .route(
            Method::POST,
            "/api/v1/invoices/{id}/send",
            ISSUE,
            send_invoice,
        )
        .route(
            Method::GET,
            "/api/v1/invoices/{id}/reminders",
            READ,
            reminders::invoice_reminders,
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_invoices,
        create_invoice,
        get_invoice,
        patch_invoice,
        issue_invoice,
        void_invoice,
        credit_note,
        invoice_pdf,
        invoice_ubl,
        invoice_cii,
        send_invoice
    ),
    components(schemas(
        InvoiceView,
        Invoice,
        InvoiceStatus,
        InvoiceKind,
        Line,
        Totals,
        Discount,
        LineRequest,
        CreateInvoice,
        PatchInvoice,
        IssueRequest,
        CreditRequest,
        SendRequest,
        SendResponse,
        ProblemBody,
        FieldError
    ))
)]
struct ApiDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(reminders::RemindersDoc::openapi());
    doc
}

async fn view(state: &AppState, invoice: Invoice) -> ApiResult<InvoiceView> {
    Ok(InvoiceView::new(invoice, state.today().await?))
}

/// List invoices, newest issue date first: by status (`overdue` too), customer, issue and
/// due date ranges, number prefix and total.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(DocumentFilter), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<InvoiceView>), (status = 400, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn list_invoices(
    State(state): State<AppState>,
    Query(q): Query<DocumentFilter>,
) -> ApiResult<Json<ListResponse<InvoiceView>>> {
    let filter = list::Filter::parse(&q)?;
    let today = state.today().await?;
    let sources = filter.sources(&q, today);
    let page: ListResponse<Invoice> = listing::respond(
        &state,
        &filter.scope(&q),
        q.cursor.as_deref(),
        sources,
        filter.limit,
    )
    .await?;
    Ok(Json(ListResponse {
        items: page
            .items
            .into_iter()
            .map(|invoice| InvoiceView::new(invoice, today))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateInvoice {
    pub customer_id: String,
    /// ISO 4217; defaults to the customer's currency.
    pub currency: Option<String>,
    pub lines: Vec<LineRequest>,
    pub notes: Option<String>,
    /// `YYYY-MM-DD`; defaults to the issue date plus the customer's payment terms.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// The buyer's reference (EN 16931 BT-10, e.g. a Leitweg-ID); defaults to the customer's.
    pub buyer_reference: Option<String>,
    /// The buyer's purchase order number (BT-13).
    pub purchase_order_reference: Option<String>,
}

/// A reference of the buyer's (at most 100 characters, one line); `None` when empty.
fn reference(field: &str, v: Option<&str>) -> ApiResult<Option<String>> {
    text::optional_text(v, 100, false).map_err(|e| Problem::field(field, e))
}

/// Create a draft invoice (no number yet).
#[utoipa::path(post, path = "/api/v1/invoices", tag = "invoices", request_body = CreateInvoice, security(("bearer" = [])),
    responses((status = 201, body = InvoiceView, headers(("ETag" = String))), (status = 422, body = ProblemBody)))]
async fn create_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<CreateInvoice>,
) -> ApiResult<Created<InvoiceView>> {
    let CreateInvoice {
        customer_id,
        currency,
        lines,
        notes,
        due_date,
        buyer_reference,
        purchase_order_reference,
    } = req;
    let buyer_reference = reference("buyer_reference", buyer_reference.as_deref())?;
    let purchase_order_reference = reference(
        "purchase_order_reference",
        purchase_order_reference.as_deref(),
    )?;
    let start = sales::start_document(&state, &customer_id, &currency, &notes, &lines).await?;
    let mut invoice = start.invoice(due_date);
    invoice.buyer_reference = buyer_reference;
    invoice.purchase_order_reference = purchase_order_reference;
    sales::check_size(&invoice)?;
    let changes = sales::created_changes(&invoice, invoice.lines.len());
    let ops = vec![
        WriteOp::put_new(sales::invoice_item(&invoice)?),
        audit::record(&actor, "invoice.created", "invoice", &invoice.id, changes)?,
    ];
    state.store.transact(ops).await?;
    Ok(Created(
        format!("/api/v1/invoices/{}", invoice.id),
        invoice.version,
        view(&state, invoice).await?,
    ))
}

async fn load(state: &AppState, id: &str) -> ApiResult<Invoice> {
    sales::load_invoice(&state.store, id).await
}

/// One invoice (or credit note) with its `ETag`.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = InvoiceView, headers(("ETag" = String))), (status = 404, body = ProblemBody)))]
async fn get_invoice(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Tagged<InvoiceView>> {
    let i = load(&state, &id).await?;
    Ok(Tagged(i.version, view(&state, i).await?))
}

/// The version-checked write of the invoice after a transition from `before`, its audit
/// record, `extra` writes and the transition's rollups, in one transaction.
fn save_ops<T>(
    actor: &Actor,
    action: &str,
    before: &Invoice,
    applied: &mut Applied<T>,
    extra: Vec<WriteOp>,
) -> ApiResult<Vec<WriteOp>> {
    let mut ops = sales::invoice_update(actor, action, before, &mut applied.invoice)?;
    sales::check_size(&applied.invoice)?;
    ops.extend(extra);
    ops.extend(applied.rollups.iter().flat_map(Rollup::ops));
    Ok(ops)
}

/// Writes a transition (see [`save_ops`]); `None` when a concurrent writer won.
async fn commit<T>(
    state: &AppState,
    actor: &Actor,
    action: &str,
    before: &Invoice,
    mut applied: Applied<T>,
    extra: Vec<WriteOp>,
) -> retry::Attempt<Applied<T>> {
    let ops = save_ops(actor, action, before, &mut applied, extra)?;
    retry::settled(state.store.transact(ops).await, applied)
}

#[derive(Deserialize, ToSchema)]
pub struct PatchInvoice {
    /// Replaces every line.
    pub lines: Option<Vec<LineRequest>>,
    pub notes: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "text::patch")]
    #[schema(value_type = Option<String>)]
    pub buyer_reference: text::Patch<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "text::patch")]
    #[schema(value_type = Option<String>)]
    pub purchase_order_reference: text::Patch<String>,
}

/// Edit a draft invoice. Issued invoices are immutable (use a credit note). Needs `If-Match`.
#[utoipa::path(patch, path = "/api/v1/invoices/{id}", tag = "invoices", params(("id" = String, Path), ("If-Match" = String, Header)),
    request_body = PatchInvoice, security(("bearer" = [])),
    responses((status = 200, body = InvoiceView, headers(("ETag" = String))), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "not a draft"), (status = 412, body = ProblemBody),
              (status = 428, body = ProblemBody), (status = 422, body = ProblemBody)))]
async fn patch_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    if_match: IfMatch,
    Json(req): Json<PatchInvoice>,
) -> ApiResult<Tagged<InvoiceView>> {
    let before = load(&state, &id).await?;
    if_match.check(before.version)?;
    before.editable()?;
    let edit = DocumentEdit::parse(&state, before.currency, &req.notes, &req.lines).await?;
    let patch = |field: &str, p: &text::Patch<String>| -> ApiResult<Option<Option<String>>> {
        p.as_ref()
            .map(|v| reference(field, v.as_deref()))
            .transpose()
    };
    let edit = Edit {
        notes: edit.notes,
        due_date: req.due_date,
        lines: edit.lines,
        buyer_reference: patch("buyer_reference", &req.buyer_reference)?,
        purchase_order_reference: patch("purchase_order_reference", &req.purchase_order_reference)?,
    };
    let mut applied = Applied {
        invoice: before.edited(edit),
        made: (),
        rollups: Vec::new(),
    };
    let ops = save_ops(&actor, "invoice.updated", &before, &mut applied, Vec::new())?;
    match state.store.transact(ops).await {
        Ok(()) => Ok(Tagged(
            applied.invoice.version,
            view(&state, applied.invoice).await?,
        )),
        Err(e) if e.failed_op(0) => Err(stale()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema, Default)]
pub struct IssueRequest {
    /// Defaults to today in the company's time zone.
    #[schema(value_type = Option<String>, format = Date)]
    pub issue_date: Option<NaiveDate>,
    /// Defaults to the draft's due date, else issue date + payment terms.
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
}

/// Issue a draft: it gets the next gapless number of its year (`INV-2026-000123`) in the same
/// transaction as the status change, so a failed issue consumes no number. An invoice is
/// issued only as a valid EN 16931 e-invoice: the company needs its legal name, address and
/// VAT id, the customer a billing address, and each VAT category what the standard asks.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/issue", tag = "invoices", params(("id" = String, Path)),
    request_body(content = Option<IssueRequest>), security(("bearer" = [])),
    responses((status = 200, body = InvoiceView, headers(("ETag" = String))), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "not a draft"),
              (status = 422, body = ProblemBody, description = "a bad date, or an EN 16931 rule the invoice would break (`einvoice-incomplete`: each error names the rule and the field to fill in)")))]
async fn issue_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Tagged<InvoiceView>> {
    // The body is optional: no body means today's date and the default due date.
    let req: IssueRequest = erp_shared::http::optional_json(&body)?;
    let parts = tokio::sync::OnceCell::new();
    let issued = retry::retrying(200, || issue(&state, &actor, &id, &req, &parts)).await?;
    erp_shared::observability::count(erp_shared::observability::Metric::InvoicesIssued, 1);
    Ok(Tagged(
        issued.invoice.version,
        view(&state, issued.invoice).await?,
    ))
}

/// Void an issued invoice that has no payments or credit notes (otherwise credit it).
#[utoipa::path(post, path = "/api/v1/invoices/{id}/void", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = InvoiceView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn void_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Tagged<InvoiceView>> {
    let voided = retry::retrying(20, || void(&state, &actor, &id)).await?;
    Ok(Tagged(
        voided.invoice.version,
        view(&state, voided.invoice).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct CreditRequest {
    /// Lines to credit; without them, every line of the invoice (only when nothing is paid or
    /// credited yet).
    pub lines: Option<Vec<LineRequest>>,
    pub reason: String,
}

/// Issue a credit note against an issued invoice: a document of its own (`CN-2026-000001`)
/// that lowers the invoice's balance. It cannot exceed the balance due.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/credit-note", tag = "invoices", params(("id" = String, Path)),
    request_body = CreditRequest, security(("bearer" = [])),
    responses((status = 201, body = InvoiceView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody),
              (status = 422, body = ProblemBody)))]
async fn credit_note(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(req): Json<CreditRequest>,
) -> ApiResult<Created<InvoiceView>> {
    let reason = text::text(&req.reason, 500, true).map_err(|e| Problem::field("reason", e))?;
    let first = load(&state, &id).await?;
    let requested = match &req.lines {
        Some(l) => Some(
            sales::resolve_lines(&state.store, first.currency, l, state.config.rounding).await?,
        ),
        None => None,
    };
    let lines = first.lines_to_credit(requested)?;
    let credit = (lines, reason);
    let parts = tokio::sync::OnceCell::new();
    let note = retry::retrying(200, || credit_once(&state, &actor, &id, &credit, &parts)).await?;
    let note = note.made;
    Ok(Created(
        format!("/api/v1/invoices/{}", note.id),
        note.version,
        view(&state, note).await?,
    ))
}

/// One try at issuing draft `id` (see [`issue_invoice`]). The e-invoice's parties are read
/// once, on the first try (a lost race on the number does not change them).
async fn issue(
    state: &AppState,
    actor: &Actor,
    id: &str,
    req: &IssueRequest,
    parts: &tokio::sync::OnceCell<Parts>,
) -> retry::Attempt<Applied> {
    let before = load(state, id).await?;
    before.issuable()?;
    let issue_date = match req.issue_date {
        Some(d) => d,
        None => state.today().await?,
    };
    let (counter, last) = match parts.get() {
        Some(_) => sales::last_number(&state.store, before.kind, issue_date.year()).await?,
        // The first try reads the counter with the parties, in one batch.
        None => {
            let counter = sales::counter_key(before.kind, issue_date.year());
            let (p, item) = Parts::load_with(
                &state.store,
                state.config.time_zone,
                &before,
                Some(counter.clone()),
            )
            .await?;
            let _ = parts.set(p);
            (counter, sales::counter_value(item.as_ref()))
        }
    };
    let issued = before.issue(issue_date, req.due_date, last)?;
    parts.get().expect("read above").check(&issued.invoice)?;
    let extra = vec![sales::take_number_op(counter, last)];
    commit(state, actor, "invoice.issued", &before, issued, extra).await
}

/// One try at voiding invoice `id`.
async fn void(state: &AppState, actor: &Actor, id: &str) -> retry::Attempt<Applied> {
    let before = load(state, id).await?;
    let voided = before.void()?;
    commit(state, actor, "invoice.voided", &before, voided, Vec::new()).await
}

/// One try at crediting invoice `id` with `lines` for `reason`: the credit note, numbered.
async fn credit_once(
    state: &AppState,
    actor: &Actor,
    id: &str,
    (lines, reason): &(Vec<Line>, String),
    parts: &tokio::sync::OnceCell<Parts>,
) -> retry::Attempt<Applied<Invoice>> {
    let before = load(state, id).await?;
    before.creditable(totals(lines).total)?;
    let date = state.today().await?;
    let (counter, last) =
        sales::last_number(&state.store, InvoiceKind::CreditNote, date.year()).await?;
    let credited = before.credit(NewCredit {
        id: uuid::Uuid::now_v7().to_string(),
        lines: lines.clone(),
        reason: reason.clone(),
        date,
        last_number: last,
        created_at: now_rfc3339(),
    })?;
    let note = &credited.made;
    let parts = parts
        .get_or_try_init(|| async {
            let mut parts = Parts::load(&state.store, state.config.time_zone, &before).await?;
            parts.preceding = before.number.clone().zip(before.issue_date);
            Ok::<_, erp_shared::store::StoreError>(parts)
        })
        .await?;
    parts.check(note)?;
    let changes = sales::summarise_lines(audit::diff(None, Some(note)), 0, note.lines.len());
    let extra = vec![
        sales::take_number_op(counter, last),
        WriteOp::put_new(sales::invoice_item(note)?),
        audit::record(actor, "credit_note.issued", "invoice", &note.id, changes)?,
    ];
    commit(state, actor, "invoice.credited", &before, credited, extra).await
}

/// The invoice as a PDF (`application/pdf`): company logo and details, the customer's billing
/// address, every line (paginated with repeated headers), the tax breakdown by rate, totals,
/// amount paid and due, payment instructions and footer. Drafts render as "Draft invoice".
#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", description = "the PDF"), (status = 404, body = ProblemBody)))]
async fn invoice_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let (invoice, pdf) = documents::invoice_pdf(&state.store, state.config.time_zone, &id)
        .await
        .map_err(|e| match e {
            documents::DocumentError::Store(e) => Problem::from(e),
            other => Problem::internal(other),
        })?
        .ok_or_else(|| Problem::not_found("The invoice"))?;
    let disposition = format!("inline; filename=\"{}\"", documents::file_name(&invoice));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

/// The issued invoice or credit note as an EN 16931 e-invoice in `syntax`.
async fn einvoice(
    state: &AppState,
    id: &str,
    syntax: Syntax,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let invoice = load(state, id).await?;
    if matches!(invoice.status, InvoiceStatus::Draft | InvoiceStatus::Void) {
        return Err(Problem::conflict(
            "invalid-status",
            "Only issued invoices and credit notes have an e-invoice (not drafts or void invoices).",
        ));
    }
    let parts = Parts::load(&state.store, state.config.time_zone, &invoice).await?;
    let xml = parts.write(&invoice, syntax)?;
    let number = invoice.number.as_deref().unwrap_or(&invoice.id);
    let disposition = format!("attachment; filename=\"{}\"", syntax.file_name(number));
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/xml; charset=utf-8".to_string(),
            ),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        xml,
    )
        .into_response())
}

/// The issued invoice or credit note as a UBL 2.1 e-invoice (EN 16931; Peppol BIS Billing
/// 3.0 when the company chose it). 422 naming the EN 16931 rules it breaks when the company
/// or the customer lacks what the standard needs (invoices issued before these rules).
#[utoipa::path(get, path = "/api/v1/invoices/{id}/ubl", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/xml", description = "UBL 2.1 Invoice or CreditNote"), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "draft or void"), (status = 422, body = ProblemBody, description = "an EN 16931 rule is not met")))]
async fn invoice_ubl(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    einvoice(&state, &id, Syntax::Ubl).await
}

/// The issued invoice or credit note as a UN/CEFACT CII D16B e-invoice (EN 16931 profile,
/// the XML of Factur-X). Errors as for the UBL.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/cii", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/xml", description = "CII CrossIndustryInvoice"), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "draft or void"), (status = 422, body = ProblemBody, description = "an EN 16931 rule is not met")))]
async fn invoice_cii(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    einvoice(&state, &id, Syntax::Cii).await
}

/// Where the invoice email goes (the address asked for, else the customer's) and whether it
/// also carries the UBL (the customer asked for it). A customer who wants the UBL gets none
/// that breaks an EN 16931 rule: 422 naming it.
async fn recipient(
    state: &AppState,
    invoice: &Invoice,
    requested: Option<erp_shared::domain::Email>,
) -> ApiResult<(erp_shared::domain::Email, bool)> {
    let customer = erp_shared::catalog::get_customer(&state.store, &invoice.customer_id).await?;
    let ubl = customer.as_ref().is_some_and(|c| c.ubl_by_email);
    if ubl {
        let parts = Parts::load(&state.store, state.config.time_zone, invoice).await?;
        parts.write(invoice, Syntax::Ubl)?;
    }
    let to = match requested {
        Some(e) => e,
        None => customer.and_then(|c| c.email).ok_or_else(|| {
            Problem::field(
                "to",
                "the customer has no email address: give one, or add it to the customer",
            )
        })?,
    };
    Ok((to, ubl))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct SendRequest {
    /// Send to this address instead of the customer's email.
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SendResponse {
    /// The outbox message (see `GET /api/v1/outbox`).
    pub outbox_id: String,
    pub to: String,
    /// `sent` when delivered already, `pending` while the notifier sends (or retries) it.
    pub status: &'static str,
}

/// Email the invoice (or credit note) to the customer with its PDF attached. The email is
/// queued in the same transaction as the audit record and sent at once; when the mail
/// service fails it is retried, never lost.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/send", tag = "invoices", params(("id" = String, Path)),
    request_body(content = Option<SendRequest>), security(("bearer" = [])),
    responses((status = 202, body = SendResponse), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "draft or void"), (status = 422, body = ProblemBody, description = "no address")))]
async fn send_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<(axum::http::StatusCode, Json<SendResponse>)> {
    let req: SendRequest = erp_shared::http::optional_json(&body)?;
    let requested = match req.to.as_deref() {
        Some(to) => {
            Some(erp_shared::domain::Email::parse(to).map_err(|e| Problem::field("to", e))?)
        }
        None => None,
    };
    let invoice = load(&state, &id).await?;
    if matches!(invoice.status, InvoiceStatus::Draft | InvoiceStatus::Void) {
        return Err(Problem::conflict(
            "invalid-status",
            "Only issued invoices and credit notes can be sent; issue the draft first.",
        ));
    }
    let (to, attach_ubl) = recipient(&state, &invoice, requested).await?;
    let mut message = templates::invoice_sent(&state.brand().await?, to.as_str(), &invoice);
    if attach_ubl {
        message.attachments.push(AttachmentRef::InvoiceUbl {
            invoice_id: invoice.id.clone(),
        });
    }
    let (outbox_id, outbox_op) = outbox::enqueue("invoice", message)?;
    let audit_op = audit::record(
        &actor,
        "invoice.sent",
        "invoice",
        &invoice.id,
        vec![audit::Change {
            field: "sent_to".into(),
            old: serde_json::Value::Null,
            new: serde_json::Value::String(to.as_str().to_string()),
        }],
    )?;
    state.store.transact(vec![outbox_op, audit_op]).await?;
    let status = match state.deliver_now(std::slice::from_ref(&outbox_id)).await {
        0 => "pending",
        _ => "sent",
    };
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(SendResponse {
            outbox_id,
            to: to.as_str().to_string(),
            status,
        }),
    ))
}
