//! Function `salesforce`.

use erp_shared::http::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    utoipa::openapi::OpenApiBuilder::new().build()
}
