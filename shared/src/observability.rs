//! JSON structured logs (each request's lines carry its `request_id`, see `http::router`),
//! and business metrics as CloudWatch embedded-metric-format lines in the same log stream.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The log filter `ERP_LOG` describes: a level (`info`), optionally with levels per module
/// (`info,erp_shared::store=debug`); anything else is `info`. (`Targets` rather than
/// `EnvFilter`, which brings a regex engine into every function.)
pub fn parse_log_filter(directives: &str) -> Targets {
    directives
        .parse()
        .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO))
}

/// Installs the JSON log subscriber once (later calls do nothing).
pub fn init_logging() {
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_ansi(false)
        .with_target(false);
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(parse_log_filter(&crate::config::log_filter()))
        .try_init();
}

/// A business figure, published as a CloudWatch metric through the logs (no API call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    InvoicesIssued,
    EmailsSent,
    /// Emails that gave up after every attempt (they wait in the failed list for a retry).
    EmailsFailed,
    RemindersSent,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::InvoicesIssued => "InvoicesIssued",
            Metric::EmailsSent => "EmailsSent",
            Metric::EmailsFailed => "EmailsFailed",
            Metric::RemindersSent => "RemindersSent",
        }
    }
}

/// Where metric lines go: on Lambda to stdout, in [`crate::config::metrics_namespace`];
/// elsewhere nowhere, so the local server and the tests print no such lines.
fn metrics_namespace() -> Option<&'static str> {
    static NAMESPACE: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAMESPACE
        .get_or_init(crate::config::metrics_namespace)
        .as_deref()
}

/// Counts `n` of `metric`: one line in CloudWatch's embedded metric format, which Lambda
/// ships with the logs and CloudWatch turns into a metric (no dimensions: one metric each).
pub fn count(metric: Metric, n: u64) {
    if n == 0 {
        return;
    }
    if let Some(namespace) = metrics_namespace() {
        let now = chrono::Utc::now().timestamp_millis();
        println!("{}", emf_line(namespace, metric, n, now));
    }
}

/// The embedded-metric-format record of one count.
pub fn emf_line(namespace: &str, metric: Metric, n: u64, timestamp_ms: i64) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [[]],
                "Metrics": [{ "Name": metric.name(), "Unit": "Count" }],
            }],
        },
        metric.name(): n,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn the_log_filter_takes_a_level_and_levels_per_module_and_falls_back_to_info() {
        let info = parse_log_filter("info");
        assert!(info.would_enable("erp_shared::store", &Level::INFO));
        assert!(!info.would_enable("erp_shared::store", &Level::DEBUG));

        let mixed = parse_log_filter("warn,erp_shared::store=debug");
        assert!(mixed.would_enable("erp_shared::store::dynamo", &Level::DEBUG));
        assert!(!mixed.would_enable("erp_shared::http", &Level::INFO));
        assert!(mixed.would_enable("erp_shared::http", &Level::WARN));

        let garbage = parse_log_filter("loud=!!");
        assert!(garbage.would_enable("erp_customers", &Level::INFO));
        assert!(!garbage.would_enable("erp_customers", &Level::DEBUG));
    }

    #[test]
    fn a_count_is_an_embedded_metric_format_record() {
        let line = emf_line("erp-prod", Metric::InvoicesIssued, 3, 1_764_000_000_000);
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        let directive = &v["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(v["_aws"]["Timestamp"], 1_764_000_000_000i64);
        assert_eq!(directive["Namespace"], "erp-prod");
        assert_eq!(directive["Metrics"][0]["Name"], "InvoicesIssued");
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
        assert_eq!(directive["Dimensions"], serde_json::json!([[]]));
        // The value sits at the top level, under the metric's name.
        assert_eq!(v["InvoicesIssued"], 3);
        assert!(!line.contains('\n'), "one record, one line");
    }

    #[test]
    fn every_metric_has_its_own_name() {
        let all = [
            Metric::InvoicesIssued,
            Metric::EmailsSent,
            Metric::EmailsFailed,
            Metric::RemindersSent,
        ];
        let names: std::collections::BTreeSet<_> = all.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), all.len());
    }
}
