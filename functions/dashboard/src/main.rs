//! The `dashboard` Lambda function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve(erp_dashboard::routes(), None).await
}
