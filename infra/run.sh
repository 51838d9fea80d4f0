#!/usr/bin/env bash
# The whole product on this machine, on the embedded store (no AWS account, no Docker):
# builds the web app when needed, then starts the local server with it. The app is on
# http://127.0.0.1:3000/ and the API on http://127.0.0.1:3000/api/v1 (PORT changes both).
#   ERP_ADMIN_EMAIL=admin@example.com ERP_ADMIN_PASSWORD='choose-a-long-passphrase' ./infra/run.sh
# Data stays in .erp-data/ (ERP_DATA_DIR); sent emails are written to .erp-data/outbox/.
set -euo pipefail
cd "$(dirname "$0")/.."
./infra/build-web.sh
export ERP_WEB_DIR="${ERP_WEB_DIR:-web/dist}"
export ERP_PUBLIC_URL="${ERP_PUBLIC_URL:-http://127.0.0.1:${PORT:-3000}}"
exec cargo run --quiet --locked -p erp-local
