//! The few lines every function's `main.rs` needs to serve its router on Lambda.

use crate::config::Config;
use crate::http::ApiRouter;
use crate::state::AppState;

/// Reads the configuration, builds the state once (the cold start) and serves the routes.
pub async fn serve(
    routes: ApiRouter,
    openapi: Option<&'static str>,
) -> Result<(), lambda_http::Error> {
    serve_with(routes, openapi, |s| s).await
}

/// [`serve`], with a last change to the state (e.g. adding the attachment renderer).
pub async fn serve_with(
    routes: ApiRouter,
    openapi: Option<&'static str>,
    customise: impl FnOnce(AppState) -> AppState,
) -> Result<(), lambda_http::Error> {
    crate::observability::init_logging();
    let config = Config::from_env()?;
    let mut state = customise(AppState::from_config(config).await?);
    if let Some(doc) = openapi {
        state = state.with_openapi(doc);
    }
    lambda_http::run(routes.into_router(state)).await
}
