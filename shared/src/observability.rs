//! JSON structured logs. Each request's lines carry its `request_id` (see `http::router`).

use tracing_subscriber::EnvFilter;

/// Installs the JSON log subscriber once (later calls do nothing).
pub fn init_logging() {
    let filter =
        EnvFilter::try_new(crate::config::log_filter()).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}
