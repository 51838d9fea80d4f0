//! The `auth` Lambda function. It also serves the API's OpenAPI document (generated from the
//! code into `docs/openapi.json`; a test keeps the file current).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    erp_shared::lambda::serve(
        erp_auth::routes(),
        Some(include_str!("../../../docs/openapi.json")),
    )
    .await
}
