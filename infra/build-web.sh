#!/usr/bin/env bash
# Builds the web app into web/dist when it is missing or older than its sources:
# `npm ci` when node_modules is missing or older than package-lock.json, then `npm run build`
# (type check and vite build). Needs Node >= 20.19 and npm.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null 2>&1; then
  echo "error: the web app needs Node.js >= 20.19 with npm (https://nodejs.org)" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (web)"
  npm ci --no-audit --no-fund --loglevel=error
fi
stale=yes
if [ -f dist/index.html ]; then
  stale=$(find src public index.html package.json package-lock.json vite.config.ts tsconfig*.json \
    ../docs/openapi.json -newer dist/index.html -print -quit 2>/dev/null)
fi
if [ -n "$stale" ]; then
  echo "==> building the web app (web/dist)"
  npm run --silent build
fi
