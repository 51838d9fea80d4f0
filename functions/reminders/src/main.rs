//! The `reminders` Lambda function: runs the reminder schedule once a day.

use erp_shared::config::Config;
use erp_shared::state::AppState;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    erp_shared::observability::init_logging();
    let state = AppState::from_config(Config::from_env()?).await?;
    let state = &state;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let report =
            erp_reminders::handle(state, &event.payload, &event.context.request_id).await?;
        Ok::<_, lambda_runtime::Error>(serde_json::to_value(report)?)
    }))
    .await
}
