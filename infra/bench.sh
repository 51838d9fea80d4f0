#!/usr/bin/env bash
# Benchmarks (not tests): release-builds the function binaries, the hello-world baseline and
# the benchmark, then prints sizes, start-up times and in-process latencies as Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p erp-auth -p erp-users -p erp-customers -p erp-products -p erp-audit -p erp-orders -p erp-invoices -p erp-payments -p erp-dashboard -p erp-salesforce -p erp-notifier -p erp-reminders -p erp-hello -p erp-bench
exec target/release/erp-bench target/release
