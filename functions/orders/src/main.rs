//! The `orders` Lambda function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve(erp_orders::routes(), None).await
}
