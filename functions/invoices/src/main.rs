//! The `invoices` Lambda function (with the PDF renderer: it serves invoice PDFs and attaches
//! them to the invoice emails it sends right away).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve_with(erp_invoices::routes(), None, |state| {
        let pdfs = erp_shared::documents::attachments(&state.store, state.config.time_zone);
        state.with_attachments(pdfs)
    })
    .await
}
