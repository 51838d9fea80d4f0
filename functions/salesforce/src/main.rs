//! The `salesforce` Lambda function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve(erp_salesforce::routes(), None).await
}
