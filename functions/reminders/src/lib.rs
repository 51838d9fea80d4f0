//! Function `reminders`: the daily invoice-reminder job (EventBridge schedule). The job itself
//! is `erp_shared::reminders`, which the local server also runs on demand.

use chrono::NaiveDate;
use serde_json::Value;

use erp_shared::audit::Actor;
use erp_shared::reminders::{self, RunReport};
use erp_shared::state::AppState;
use erp_shared::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("the event's date must be YYYY-MM-DD")]
    BadDate,
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// Runs the schedule for the event's `date` (a manual run: `{"date": "2026-03-31"}`) or, for
/// the scheduled event, for today in the company's time zone.
pub async fn handle(
    state: &AppState,
    event: &Value,
    request_id: &str,
) -> Result<RunReport, JobError> {
    let company = state.company().await?;
    let date = match event.get("date").and_then(Value::as_str) {
        Some(d) => d.parse::<NaiveDate>().map_err(|_| JobError::BadDate)?,
        None => erp_shared::settings::today(company.tz()),
    };
    let actor = Actor::system("reminders", request_id);
    Ok(reminders::run(&state.store, &company, date, &actor).await?)
}
