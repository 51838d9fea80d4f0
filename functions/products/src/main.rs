//! The `products` Lambda function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve(erp_products::routes(), None).await
}
