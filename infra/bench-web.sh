#!/usr/bin/env bash
# Web benchmarks (not tests): Lighthouse 12.2.3 in Debian's Chromium on the built app served
# by the local server (debug build, embedded store, 60 demo customers), for the sign-in page
# and the customer list (signed in through the refresh cookie), with Lighthouse's mobile and
# desktop presets, plus the JavaScript each page loads (gzip); then the line editor: a
# 500-line order opened, and a keystroke in a quantity until the total changes. Prints
# Markdown tables; Lighthouse's JSON reports go to web/e2e-output/lighthouse/. Each
# Lighthouse row is the median of 3 runs, with the range of the scores and the host's load
# (LIGHTHOUSE_RUNS=5 for more; LIGHTHOUSE_PAGES=sign-in,customers and
# LIGHTHOUSE_PRESETS=mobile,desktop pick some).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/chromium ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
./infra/build-web.sh
cargo build --quiet --locked -p erp-local
node web/e2e/lighthouse.mjs
node web/e2e/bench-editor.mjs
