#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with schemathesis, every check on, as an
# admin, on a fresh local server (embedded store, its own data folder and port). Bounded:
# SCHEMATHESIS_MAX_EXAMPLES examples per operation (default 15) and a time budget
# (SCHEMATHESIS_MAX_TIME seconds, default 240). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -c 'import schemathesis' 2>/dev/null ||
  python3 -m pip install --quiet 'schemathesis>=4.30,<5'
cargo build --quiet --locked -p erp-local

data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
admin=fuzz-admin@example.com
password='schemathesis-admin-passphrase'
# The Salesforce integration is switched on, so its signature checks are fuzzed too.
ERP_DATA_DIR="$data" PORT="$port" ERP_ADMIN_EMAIL="$admin" ERP_ADMIN_PASSWORD="$password" \
  ERP_SALESFORCE_SECRET_JSON='{"webhook_secret":"schemathesis-salesforce-secret-0123456789"}' \
  ERP_SALESFORCE_ORG_ID=00D5g000004ABCDEAA \
  ERP_LOG=warn target/debug/erp-local >"$data/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$admin\",\"password\":\"$password\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

status=0
st --config-file infra/schemathesis.toml run "$base/api/v1/openapi.json" \
  --checks all \
  --header "Authorization: Bearer $token" \
  --workers 1 \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-15}" \
  --max-time "${SCHEMATHESIS_MAX_TIME:-240}" \
  --request-timeout 10 \
  --suppress-health-check all \
  --seed "${SCHEMATHESIS_SEED:-2026}" \
  --report junit --report-dir "$data/report" \
  "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "==> schemathesis failed; the server's log:"
  tail -n 50 "$data/server.log"
fi
exit "$status"
