//! The `notifier` Lambda function: the outbox sender (stream-triggered and scheduled).

use erp_shared::config::Config;
use erp_shared::state::AppState;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    erp_shared::observability::init_logging();
    let state = AppState::from_config(Config::from_env()?).await?;
    let pdfs = erp_shared::documents::attachments(&state.store, state.config.time_zone);
    let courier = state.with_attachments(pdfs).courier();
    let courier = &courier;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let now = chrono::Utc::now().timestamp();
        erp_notifier::handle(courier, &event.payload, now)
            .await
            .map_err(lambda_runtime::Error::from)
    }))
    .await
}
