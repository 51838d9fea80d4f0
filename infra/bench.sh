#!/usr/bin/env bash
# Benchmarks (not tests): release-builds the function binaries, the hello-world baseline and
# the benchmark, then prints sizes, start-up times (beside a Python 3 + boto3 peer), the first
# request after a cold start (on the AWS emulator) and in-process latencies as Markdown.
# ERP_BENCH_ONLY=startup,first-request (sizes, startup, first-request, latency, items) runs
# only those sections.
set -euo pipefail
cd "$(dirname "$0")/.."
# The boto3 peer runs in a virtual environment holding boto3 alone, as Lambda's Python runtime
# has it (other tools' packages beside boto3, such as awscrt, would slow its import).
venv=target/boto3-peer-venv
if ! "$venv/bin/python" -c 'import boto3' 2>/dev/null; then
  echo "==> pip install boto3 (into $venv)" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check boto3 >&2
fi
# The AWS emulator of the first-request section (as infra/test.sh installs it).
if ! python3 -c 'import moto.moto_server.werkzeug_app, werkzeug' 2>/dev/null; then
  echo "==> pip install moto[server]" >&2
  python3 -m pip install --quiet 'moto[server]>=5.1,<6' >&2
fi
cargo build --release --locked -p erp-auth -p erp-users -p erp-customers -p erp-products -p erp-audit -p erp-orders -p erp-invoices -p erp-payments -p erp-dashboard -p erp-salesforce -p erp-notifier -p erp-reminders -p erp-hello -p erp-bench
ERP_BENCH_PYTHON="$venv/bin/python" exec target/release/erp-bench target/release
