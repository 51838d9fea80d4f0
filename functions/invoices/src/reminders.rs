//! `GET /api/v1/invoices/{id}/reminders`: the reminders the daily job sent for an invoice.

use axum::extract::State;
use utoipa::OpenApi;

use erp_shared::error::{ApiResult, Problem, ProblemBody};
use erp_shared::http::{Json, ListResponse, Path};
use erp_shared::reminders::{self, InvoiceReminder};
use erp_shared::sales;
use erp_shared::state::AppState;

/// The reminders an invoice received, oldest first: which step of the schedule ("Reminder 2
/// of 5: on the due date"), the day, the address, the late fee it added, and its email
/// (outbox id and status). One Query on the invoice's partition and one batch read of the
/// emails; the list is short (a schedule has at most 10 steps), so it is one page.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/reminders", tag = "invoices", params(("id" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = ListResponse<InvoiceReminder>), (status = 404, body = ProblemBody, description = "no such invoice")))]
pub(crate) async fn invoice_reminders(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<ListResponse<InvoiceReminder>>> {
    if id.len() > 64 {
        return Err(Problem::not_found("The invoice"));
    }
    let items = reminders::of_invoice(&state.store, &id).await?;
    if items.is_empty() && sales::get_invoice(&state.store, &id).await?.is_none() {
        return Err(Problem::not_found("The invoice"));
    }
    Ok(Json(ListResponse {
        items,
        next_cursor: None,
    }))
}

#[derive(OpenApi)]
#[openapi(
    paths(invoice_reminders),
    components(schemas(InvoiceReminder, ProblemBody))
)]
pub(crate) struct RemindersDoc;
