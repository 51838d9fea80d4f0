#!/usr/bin/env bash
# Checks the GitHub Actions workflows (.github/workflows/*.yml):
#   1. against GitHub's workflow schema: check-jsonschema --builtin-schema vendor.github-workflows
#   2. with zizmor --offline (pinned actions, least permissions, no credential persistence,
#      no template injection, ...), at its default persona, with zero findings allowed.
# Both tools come from PyPI, pinned, into their own virtualenv (ERP_WORKFLOW_TOOLS, default
# ~/.cache/erp-workflow-tools), installed when missing: a shared environment's packages
# (the SAM CLI pins an older click than check-jsonschema needs) cannot break them.
set -euo pipefail
cd "$(dirname "$0")/.."

CHECK_JSONSCHEMA_VERSION=0.38.1
ZIZMOR_VERSION=1.32.0
tools=${ERP_WORKFLOW_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/erp-workflow-tools}

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "error: no workflow in .github/workflows" >&2
  exit 1
fi

installed() {
  [ -x "$tools/bin/check-jsonschema" ] && [ -x "$tools/bin/zizmor" ] &&
    [ "$("$tools/bin/zizmor" --version 2>/dev/null)" = "zizmor $ZIZMOR_VERSION" ] &&
    "$tools/bin/check-jsonschema" --version 2>/dev/null | grep -qF "$CHECK_JSONSCHEMA_VERSION"
}
if ! installed; then
  echo "==> pip install check-jsonschema==$CHECK_JSONSCHEMA_VERSION zizmor==$ZIZMOR_VERSION (into $tools)"
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check \
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" "zizmor==$ZIZMOR_VERSION"
  installed || { echo "error: the workflow tools did not install" >&2; exit 1; }
fi

status=0
echo "==> check-jsonschema --builtin-schema vendor.github-workflows ${workflows[*]}"
if "$tools/bin/check-jsonschema" --builtin-schema vendor.github-workflows "${workflows[@]}"; then
  echo "workflow schema: ${#workflows[@]} file(s) valid"
else
  echo "workflow schema: FAILED" >&2
  status=1
fi

echo "==> zizmor --offline .github/workflows"
# zizmor exits non-zero when it reports a finding; --no-progress keeps CI logs readable.
if "$tools/bin/zizmor" --offline --no-progress .github/workflows; then
  echo "zizmor: no findings"
else
  echo "zizmor: FAILED (fix each finding, or suppress a truly inapplicable one inline with" >&2
  echo "  '# zizmor: ignore[<rule>]' and the reason)" >&2
  status=1
fi

if [ $status -eq 0 ]; then
  echo "==> workflows: all checks passed"
fi
exit $status
