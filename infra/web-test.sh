#!/usr/bin/env bash
# The web app's checks, as part of infra/test.sh: the generated API client is current, type
# check, lint, component tests (vitest), the build and its size budget, then end-to-end
# tests in Debian's Chromium (Playwright) against a real local server on the embedded store,
# with axe-core on every page. Installs what it needs when missing (npm ci; chromium with
# apt-get). Each suite prints a line "N passed, M failed". Screenshots of the end-to-end run
# go to web/e2e-output/screenshots/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "==> apt-get install -y chromium"
  sudo_=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq chromium >/dev/null
fi
cargo build --quiet --locked -p erp-local

cd web
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (web)"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "==> web: the generated API client matches docs/openapi.json"
npm run --silent check:api
echo "==> web: type check"
npm run --silent typecheck
echo "==> web: lint"
npm run --silent lint
echo "==> web: component tests (vitest)"
npm run --silent test:unit
echo "==> web: build"
npm run --silent build
echo "==> web: end-to-end tests (Playwright, Debian's Chromium, local server)"
node e2e/run.mjs
