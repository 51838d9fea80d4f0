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
use erp_shared::domain::money::{Discount, Line, Totals, totals};
use erp_shared::domain::sales::{Invoice, InvoiceKind, InvoiceStatus, InvoiceView};
use erp_shared::domain::text;
use erp_shared::email::{outbox, templates};
use erp_shared::error::{ApiResult, FieldError, Fields, Problem, ProblemBody};
use erp_shared::http::etag::stale;
use erp_shared::http::{ApiRouter, Created, IfMatch, Json, ListResponse, Path, Query, Tagged};
use erp_shared::listing::{self, Source};
use erp_shared::sales::{self, DocumentFilter, LineRequest, Rollup};
use erp_shared::state::AppState;
use erp_shared::store::{self, Condition, Index, Item, SkRange, WriteOp, keys};

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

/// The index query, filtered in memory only when `filtered`.
fn source(
    filtered: bool,
    query: store::Query,
    keep: impl Fn(&Item) -> bool + Send + Sync + 'static,
) -> Source {
    if filtered {
        Source::filtered(query, keep)
    } else {
        Source::new(query)
    }
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
    let mut f = Fields::new();
    let c = q.common(&mut f)?;
    let (from, to, forward) = (c.from, c.to, c.forward);
    let overdue = q.status.as_deref() == Some("overdue");
    let status = match q.status.as_deref() {
        None | Some("overdue") => None,
        Some(s) => f.check(
            "status",
            InvoiceStatus::parse(s).ok_or_else(|| {
                let all: Vec<&str> = InvoiceStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!("must be one of {} or overdue", all.join(", "))
            }),
        ),
    };
    let due_from = sales::parse_date("due_from", q.due_from.as_deref(), &mut f);
    let due_to = sales::parse_date("due_to", q.due_to.as_deref(), &mut f);
    let number = q
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_uppercase);
    if number.as_ref().is_some_and(|n| n.len() > 40) {
        f.error("number", "must be at most 40 characters");
    }
    f.finish()?;
    let today = state.today().await?;
    let range = c.range();
    let (min, max, customer) = (q.amount_min, q.amount_max, q.customer_id.clone());
    let (fd, td) = (from.map(|d| d.to_string()), to.map(|d| d.to_string()));
    // Everything not served by the chosen index is checked here (see the README's costs).
    let keep = move |i: &Item| {
        let total = sales::item_total(i);
        let date = listing::attr(i, "issue_date")
            .map(str::to_string)
            .unwrap_or_else(|| {
                listing::attr(i, "created_at")
                    .unwrap_or_default()
                    .get(..10)
                    .unwrap_or_default()
                    .to_string()
            });
        let due = listing::attr(i, "due_date").unwrap_or_default().to_string();
        let st = listing::attr(i, "status").unwrap_or_default();
        // Documents stored before `credited` and `applied` existed read as those (see
        // `InvoiceStatus::read_as`), though their index entry is still under `paid`.
        min.is_none_or(|m| total >= m)
            && max.is_none_or(|m| total <= m)
            && customer
                .as_deref()
                .is_none_or(|c| listing::attr(i, "customer_id") == Some(c))
            && status.is_none_or(|s| sales::item_status(i) == Some(s))
            && (!overdue
                || (InvoiceStatus::parse(st).is_some_and(|s| s.is_open())
                    && !due.is_empty()
                    && due < today.to_string()))
            && due_from.is_none_or(|d| !due.is_empty() && due >= d.to_string())
            && due_to.is_none_or(|d| !due.is_empty() && due <= d.to_string())
            && fd.as_deref().is_none_or(|d| date.as_str() >= d)
            && td.as_deref().is_none_or(|d| date.as_str() <= d)
    };
    // Wrap the index query in the filter only when something is left for it to check.
    let filtered = q.amount_min.is_some()
        || q.amount_max.is_some()
        || status == Some(InvoiceStatus::Paid)
        || due_from.is_some()
        || due_to.is_some()
        || overdue
        || (q.customer_id.is_some() && status.is_some())
        || (number.is_some()
            && (q.customer_id.is_some() || status.is_some() || from.is_some() || to.is_some()));
    let sources = if let Some(n) = &number {
        vec![source(
            filtered,
            store::Query::index(Index::Gsi3, keys::INVOICE_NUMBERS)
                .range(SkRange::BeginsWith(n.clone()))
                .forward(forward),
            keep,
        )]
    } else if let Some(c) = &q.customer_id {
        vec![source(
            filtered,
            store::Query::index(Index::Gsi2, keys::invoices_of_customer(c))
                .range(range)
                .forward(forward),
            keep,
        )]
    } else if overdue {
        let keep2 = keep.clone();
        vec![
            source(
                filtered,
                store::Query::index(Index::Gsi1, keys::invoices("issued"))
                    .range(range.clone())
                    .forward(forward),
                keep,
            ),
            source(
                filtered,
                store::Query::index(Index::Gsi1, keys::invoices("partially_paid"))
                    .range(range)
                    .forward(forward),
                keep2,
            ),
        ]
    } else if let Some(s) = status {
        // Then the documents stored as `paid` before this status existed.
        let stored_as_paid =
            matches!(s, InvoiceStatus::Credited | InvoiceStatus::Applied).then(|| {
                Source::filtered(
                    store::Query::index(Index::Gsi1, keys::invoices(InvoiceStatus::Paid.as_str()))
                        .range(range.clone())
                        .forward(forward),
                    keep.clone(),
                )
            });
        let mut sources = vec![source(
            filtered,
            store::Query::index(Index::Gsi1, keys::invoices(s.as_str()))
                .range(range)
                .forward(forward),
            keep,
        )];
        sources.extend(stored_as_paid);
        sources
    } else {
        vec![source(
            filtered,
            store::Query::index(Index::Gsi4, keys::ALL_INVOICES)
                .range(range)
                .forward(forward),
            keep,
        )]
    };
    let scope = format!(
        "invoices?{:?}",
        (
            &q.status,
            &q.customer_id,
            from,
            to,
            due_from,
            due_to,
            &number,
            q.amount_min,
            q.amount_max,
            forward
        )
    );
    let page: ListResponse<Invoice> =
        listing::respond(&state, &scope, q.cursor.as_deref(), sources, c.limit).await?;
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
}

/// Create a draft invoice (no number yet).
#[utoipa::path(post, path = "/api/v1/invoices", tag = "invoices", request_body = CreateInvoice, security(("bearer" = [])),
    responses((status = 201, body = InvoiceView, headers(("ETag" = String))), (status = 422, body = ProblemBody)))]
async fn create_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Json(req): Json<CreateInvoice>,
) -> ApiResult<Created<InvoiceView>> {
    let sales::DocumentStart {
        customer,
        currency,
        notes,
        lines,
    } = sales::start_document(
        &state.store,
        state.config.rounding,
        &req.customer_id,
        req.currency.as_deref(),
        req.notes.as_deref(),
        &req.lines,
    )
    .await?;
    let now = now_rfc3339();
    let t = totals(&lines);
    let invoice = Invoice {
        id: uuid::Uuid::now_v7().to_string(),
        kind: InvoiceKind::Invoice,
        number: None,
        order_id: None,
        credited_invoice_id: None,
        customer_id: customer.id.clone(),
        customer_name: customer.name.clone(),
        currency,
        lines,
        totals: t,
        notes,
        status: InvoiceStatus::Draft,
        issue_date: None,
        due_date: req.due_date,
        payment_terms_days: customer.payment_terms_days,
        amount_paid: 0,
        amount_credited: 0,
        balance_due: t.total,
        paid_on: None,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    sales::check_size(&invoice)?;
    let changes = sales::summarise_lines(audit::diff(None, Some(&invoice)), 0, invoice.lines.len());
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
    sales::get_invoice(&state.store, id)
        .await?
        .ok_or_else(|| Problem::not_found("The invoice"))
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

/// The version-checked write of an invoice, its audit record and `extra` writes.
fn save_ops(
    actor: &Actor,
    action: &str,
    before: &Invoice,
    after: &mut Invoice,
    mut extra: Vec<WriteOp>,
) -> ApiResult<Vec<WriteOp>> {
    after.version = before.version + 1;
    after.updated_at = now_rfc3339();
    sales::check_size(&*after)?;
    let changes = sales::summarise_lines(
        audit::diff(Some(before), Some(&*after)),
        before.lines.len(),
        after.lines.len(),
    );
    let mut ops = vec![
        WriteOp::Put {
            item: sales::invoice_item(after)?,
            condition: Some(Condition::version_is(before.version)),
        },
        audit::record(actor, action, "invoice", &after.id, changes)?,
    ];
    ops.append(&mut extra);
    Ok(ops)
}

#[derive(Deserialize, ToSchema)]
pub struct PatchInvoice {
    /// Replaces every line.
    pub lines: Option<Vec<LineRequest>>,
    pub notes: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<NaiveDate>,
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
    if before.status != InvoiceStatus::Draft {
        return Err(Problem::conflict(
            "immutable",
            "Issued invoices cannot be edited; issue a credit note instead.",
        ));
    }
    let mut after = before.clone();
    let mut f = Fields::new();
    if req.notes.is_some() {
        after.notes = sales::parse_notes(&mut f, req.notes.as_deref());
    }
    f.finish()?;
    if req.due_date.is_some() {
        after.due_date = req.due_date;
    }
    if let Some(lines) = &req.lines {
        after.lines =
            sales::resolve_lines(&state.store, before.currency, lines, state.config.rounding)
                .await?;
        after.totals = totals(&after.lines);
        after.balance_due = after.totals.total;
    }
    let ops = save_ops(&actor, "invoice.updated", &before, &mut after, Vec::new())?;
    match state.store.transact(ops).await {
        Ok(()) => Ok(Tagged(after.version, view(&state, after).await?)),
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
/// transaction as the status change, so a failed issue consumes no number.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/issue", tag = "invoices", params(("id" = String, Path)),
    request_body(content = Option<IssueRequest>), security(("bearer" = [])),
    responses((status = 200, body = InvoiceView, headers(("ETag" = String))), (status = 404, body = ProblemBody),
              (status = 409, body = ProblemBody, description = "not a draft"), (status = 422, body = ProblemBody)))]
async fn issue_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Tagged<InvoiceView>> {
    // The body is optional: no body means today's date and the default due date.
    let req: IssueRequest = erp_shared::http::optional_json(&body)?;
    let (state_, actor_, id_, req_) = (&state, &actor, &id, &req);
    let issued = sales::retrying(200, || async move {
        let (state, actor, id, req) = (state_, actor_, id_, req_);
        let before = load(state, id).await?;
        if before.status != InvoiceStatus::Draft {
            return Err(Problem::conflict(
                "invalid-status",
                "Only draft invoices can be issued.",
            ));
        }
        let issue_date = match req.issue_date {
            Some(d) => d,
            None => state.today().await?,
        };
        let due_date = req.due_date.or(before.due_date).unwrap_or_else(|| {
            issue_date + chrono::Duration::days(i64::from(before.payment_terms_days))
        });
        if due_date < issue_date {
            return Err(Problem::field(
                "due_date",
                "must not be before the issue date",
            ));
        }
        let (counter, last) =
            sales::last_number(&state.store, before.kind, issue_date.year()).await?;
        let mut after = before.clone();
        after.number = Some(sales::format_number(
            before.kind,
            issue_date.year(),
            last + 1,
        ));
        after.status = InvoiceStatus::Issued;
        after.issue_date = Some(issue_date);
        after.due_date = Some(due_date);
        let mut rollup = Rollup::new(issue_date, before.currency.code()).lines(&before.lines, 1);
        rollup.revenue = before.totals.total;
        rollup.receivable = before.totals.total;
        rollup.invoices = 1;
        rollup.customer_id = Some(before.customer_id.clone());
        let mut extra = vec![sales::take_number_op(counter, last)];
        extra.extend(rollup.ops());
        let ops = save_ops(actor, "invoice.issued", &before, &mut after, extra)?;
        match state.store.transact(ops).await {
            Ok(()) => Ok(Some(after)),
            Err(e) if sales::lost_race(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    Ok(Tagged(issued.version, view(&state, issued).await?))
}

/// Void an issued invoice that has no payments or credit notes (otherwise credit it).
#[utoipa::path(post, path = "/api/v1/invoices/{id}/void", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = InvoiceView), (status = 404, body = ProblemBody), (status = 409, body = ProblemBody)))]
async fn void_invoice(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Tagged<InvoiceView>> {
    let (state_, actor_, id_) = (&state, &actor, &id);
    let voided = sales::retrying(20, || async move {
        let (state, actor, id) = (state_, actor_, id_);
        let before = load(state, id).await?;
        if before.status != InvoiceStatus::Issued || before.amount_paid > 0 || before.amount_credited > 0 {
            return Err(Problem::conflict(
                "invalid-status",
                "Only an issued invoice with no payments or credit notes can be voided; credit it instead.",
            ));
        }
        let mut after = before.clone();
        after.status = InvoiceStatus::Void;
        after.balance_due = 0;
        // Reversed on the issue date, so each day's figures keep matching its documents.
        let issue_date = before.issue_date.expect("issued invoices have an issue date");
        let mut rollup = Rollup::new(issue_date, before.currency.code()).lines(&before.lines, -1);
        rollup.revenue = -before.totals.total;
        rollup.receivable = -before.totals.total;
        rollup.invoices = -1;
        rollup.customer_id = Some(before.customer_id.clone());
        let ops = save_ops(actor, "invoice.voided", &before, &mut after, rollup.ops())?;
        match state.store.transact(ops).await {
            Ok(()) => Ok(Some(after)),
            Err(e) if sales::lost_race(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    Ok(Tagged(voided.version, view(&state, voided).await?))
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
    let lines = match &req.lines {
        Some(l) => {
            sales::resolve_lines(&state.store, first.currency, l, state.config.rounding).await?
        }
        None if first.amount_paid == 0 && first.amount_credited == 0 => first.lines.clone(),
        None => {
            return Err(Problem::field(
                "lines",
                "the invoice is partly settled: give the lines to credit",
            ));
        }
    };
    let credit_totals = totals(&lines);
    let (state_, actor_, id_, lines_, reason_) = (&state, &actor, &id, &lines, &reason);
    let note = sales::retrying(200, || async move {
        let (state, actor, id, lines, reason) = (state_, actor_, id_, lines_, reason_);
        let before = load(state, id).await?;
        if !before.status.is_open() || before.kind != InvoiceKind::Invoice {
            return Err(Problem::conflict(
                "invalid-status",
                "Only an issued, unpaid or partly paid invoice can be credited.",
            ));
        }
        if credit_totals.total > before.balance_due {
            return Err(Problem::field(
                "lines",
                format!(
                    "the credit ({}) exceeds the balance due ({})",
                    credit_totals.total, before.balance_due
                ),
            ));
        }
        let today = state.today().await?;
        let (counter, last) =
            sales::last_number(&state.store, InvoiceKind::CreditNote, today.year()).await?;
        let now = now_rfc3339();
        let note = Invoice {
            id: uuid::Uuid::now_v7().to_string(),
            kind: InvoiceKind::CreditNote,
            number: Some(sales::format_number(
                InvoiceKind::CreditNote,
                today.year(),
                last + 1,
            )),
            order_id: before.order_id.clone(),
            credited_invoice_id: Some(before.id.clone()),
            customer_id: before.customer_id.clone(),
            customer_name: before.customer_name.clone(),
            currency: before.currency,
            lines: lines.clone(),
            totals: credit_totals,
            notes: Some(reason.clone()),
            status: InvoiceStatus::Applied,
            issue_date: Some(today),
            due_date: None,
            payment_terms_days: 0,
            amount_paid: 0,
            amount_credited: 0,
            balance_due: 0,
            paid_on: None,
            created_at: now.clone(),
            updated_at: now,
            version: 1,
        };
        let mut after = before.clone();
        after.amount_credited += credit_totals.total;
        after.balance_due -= credit_totals.total;
        after.status = after.settled_status(InvoiceStatus::Credited);
        let mut rollup = Rollup::new(today, before.currency.code()).lines(lines, -1);
        rollup.revenue = -credit_totals.total;
        rollup.receivable = -credit_totals.total;
        rollup.customer_id = Some(before.customer_id.clone());
        let mut extra = vec![
            sales::take_number_op(counter, last),
            WriteOp::put_new(sales::invoice_item(&note)?),
            audit::record(
                actor,
                "credit_note.issued",
                "invoice",
                &note.id,
                sales::summarise_lines(audit::diff(None, Some(&note)), 0, note.lines.len()),
            )?,
        ];
        extra.extend(rollup.ops());
        let ops = save_ops(actor, "invoice.credited", &before, &mut after, extra)?;
        match state.store.transact(ops).await {
            Ok(()) => Ok(Some(note)),
            Err(e) if sales::lost_race(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    Ok(Created(
        format!("/api/v1/invoices/{}", note.id),
        note.version,
        view(&state, note).await?,
    ))
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
    let to = match requested {
        Some(e) => e,
        None => erp_shared::catalog::get_customer(&state.store, &invoice.customer_id)
            .await?
            .and_then(|c| c.email)
            .ok_or_else(|| {
                Problem::field(
                    "to",
                    "the customer has no email address: give one, or add it to the customer",
                )
            })?,
    };
    let message = templates::invoice_sent(&state.brand().await?, to.as_str(), &invoice);
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
