//! The `audit` Lambda function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve(erp_audit::routes(), None).await
}
