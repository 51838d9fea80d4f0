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
# One cargo invocation per function: features unify across the packages of one build, so
# building them together would give every function every feature of erp-shared (as the
# benchmark's own build has). Separately, each is what `sam build` packages.
for p in auth users customers products audit orders invoices payments dashboard salesforce notifier reminders; do
  cargo build --release --locked --quiet -p "erp-$p"
done
cargo build --release --locked --quiet -p erp-hello
cargo build --release --locked --quiet -p erp-bench
ERP_BENCH_PYTHON="$venv/bin/python" exec target/release/erp-bench target/release
