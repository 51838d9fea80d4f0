#!/usr/bin/env bash
# Builds every Lambda function of template.yaml for arm64 (provided.al2023) with cargo-lambda,
# as `sam build` does, zips each `bootstrap`, prints the sizes against the limits, and proves
# each package (infra/package/check.py): an aarch64 ELF named `bootstrap`, glibc <= 2.34,
# started under qemu-user against a stand-in of the Lambda Runtime API and answering one
# invocation of each kind it serves.
#
# usage: infra/package.sh [--enforce-size] [--dev] [--only auth,customers,...|hello] [--skip-build]
#   --enforce-size  fail when a zip is over its limit (3 MiB; 4 MiB for invoices and
#                   notifier); without it the sizes are printed only
#   --dev           a quick cross-build while working on the build: cargo's dev profile (no
#                   LTO, no size limits: debug binaries are big) into target/lambda-dev, with
#                   the same ELF, glibc and qemu checks; it proves the arm64 build links and
#                   starts, not what ships
#   --only LIST     build and check only these functions (bin names); `hello` is
#                   infra/hello, the bare lambda_http baseline
#   --skip-build    check the packages already built
#
# On a fresh clone it installs what is missing: cargo-lambda from PyPI (it brings zig as the
# `ziglang` package), moto[server] (the AWS emulator the checks use), the Rust target
# aarch64-unknown-linux-gnu, and Debian's qemu-user and libc6-arm64-cross (with sudo when
# not root). Packages land in target/lambda/<bin>/bootstrap.zip.
#
# The build is the one `sam build` runs for `BuildMethod: rust-cargolambda` (aws-lambda-
# builders): `cargo lambda build --release --arm64 --bin <Binary>` in the function's
# CodeUri with CARGO_TARGET_DIR set to the workspace's target directory, plus --locked.
# Each function's CodeUri is its package folder, so cargo builds that package alone, with the
# features it names. (Functions that shared a CodeUri would be built by one command with a
# --bin per function: cargo selects the same packages either way.)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

enforce_size=""
only=""
skip_build=""
dev=""
while [ $# -gt 0 ]; do
  case "$1" in
    --enforce-size) enforce_size="--enforce-size" ;;
    --only) only="${2:?--only needs a list}"; shift ;;
    --only=*) only="${1#--only=}" ;;
    --skip-build) skip_build=1 ;;
    --dev) dev=1 ;;
    -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

started=$(date +%s)
TARGET=aarch64-unknown-linux-gnu

# ---------------------------------------------------------------- what is missing
py=python3
venv="${XDG_CACHE_HOME:-$HOME/.cache}/erp-package/venv"
[ -x "$venv/bin/python3" ] && export PATH="$venv/bin:$PATH" && py="$venv/bin/python3"

pip_install() {
  echo "==> pip install $*"
  if ! "$py" -m pip install -q "$@"; then
    # A system Python that refuses pip (PEP 668): a virtual environment of our own.
    [ "$py" = "$venv/bin/python3" ] && return 1
    echo "==> pip refused; installing into $venv"
    python3 -m venv "$venv"
    export PATH="$venv/bin:$PATH"
    py="$venv/bin/python3"
    "$py" -m pip install -q "$@"
  fi
  hash -r
}

command -v cargo >/dev/null || { echo "package.sh: cargo missing (install Rust with rustup)" >&2; exit 1; }
if ! cargo lambda --version >/dev/null 2>&1; then
  pip_install cargo-lambda
  # pip's scripts folder may not be on PATH (pip install --user, some CI images).
  scripts="$("$py" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  case ":$PATH:" in *":$scripts:"*) ;; *) export PATH="$scripts:$PATH" ;; esac
  cargo lambda --version >/dev/null
fi
# cargo-lambda links with zig: `zig` on PATH or PyPI's ziglang (`python3 -m ziglang`).
if ! command -v zig >/dev/null 2>&1 && ! python3 -m ziglang version >/dev/null 2>&1; then
  pip_install ziglang
fi
"$py" -c 'import moto.moto_server.werkzeug_app, werkzeug' 2>/dev/null || pip_install 'moto[server]>=5.1,<6'
if ! rustup target list --installed | grep -qx "$TARGET"; then
  echo "==> rustup target add $TARGET"
  rustup target add "$TARGET"
fi
if ! command -v qemu-aarch64 >/dev/null 2>&1 || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
  echo "==> apt-get install -y qemu-user libc6-arm64-cross"
  sudo_=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo_="sudo"
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq qemu-user libc6-arm64-cross >/dev/null
fi
echo "cargo-lambda: $(cargo lambda --version | head -1); zig: $(zig version 2>/dev/null || python3 -m ziglang version); $(qemu-aarch64 --version | head -1)"

# ---------------------------------------------------------------- build
target_dir="$(cargo metadata --no-deps --format-version 1 --locked | "$py" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
if [ -n "$dev" ]; then
  [ -z "$enforce_size" ] || { echo "package.sh: --enforce-size needs the release build (not --dev)" >&2; exit 2; }
  profile=(); lambda_dir="$target_dir/lambda-dev"
else
  profile=(--release); lambda_dir="$target_dir/lambda"
fi
# "bin<TAB>CodeUri" per function of the template (or the requested ones).
functions="$("$py" infra/package/template.py template.yaml | cut -f1,2)"
if [ -n "$only" ]; then
  wanted="$(printf '%s\n' "$functions" | awk -F'\t' -v only=",$only," 'index(only, "," $1 ",")')"
  case ",$only," in *,hello,*) wanted="$(printf '%s\n%s' "$wanted" "hello	infra/hello" | sed '/^$/d')" ;; esac
  functions="$wanted"
fi
[ -n "$functions" ] || { echo "package.sh: no function selected (--only $only)" >&2; exit 2; }

build_s=0
if [ -z "$skip_build" ]; then
  build_started=$(date +%s)
  for uri in $(printf '%s\n' "$functions" | cut -f2 | awk '!seen[$0]++'); do
    bins=()
    while IFS=$'\t' read -r bin code_uri; do
      [ "$code_uri" = "$uri" ] && bins+=(--bin "$bin")
    done <<< "$functions"
    lambda_arg=()
    [ -n "$dev" ] && lambda_arg=(--lambda-dir "$lambda_dir")
    echo "==> (cd $uri && cargo lambda build ${profile[*]} --arm64 --locked ${bins[*]} --output-format zip ${lambda_arg[*]})"
    t0=$(date +%s)
    (cd "$root/$uri" && CARGO_TARGET_DIR="$target_dir" \
      cargo lambda build "${profile[@]}" --arm64 --locked "${bins[@]}" --output-format zip "${lambda_arg[@]}")
    echo "    built in $(( $(date +%s) - t0 )) s"
  done
  build_s=$(( $(date +%s) - build_started ))
fi
only_arg="$(printf '%s\n' "$functions" | cut -f1 | paste -sd, -)"

# ---------------------------------------------------------------- sizes and checks
echo
status=0
if [ -n "$dev" ]; then
  echo "## Packages: dev profile in ${lambda_dir#"$root"/}, sizes not measured (see the release build)"
else
  echo "## Packages (${lambda_dir#"$root"/}/<bin>/bootstrap.zip)"
  "$py" infra/package/check.py sizes --lambda-dir "$lambda_dir" --only "$only_arg" $enforce_size || status=1
fi
echo
echo "## Checks (aarch64 ELF, glibc <= 2.34, one invocation of each kind under qemu-user)"
"$py" infra/package/check.py run --lambda-dir "$lambda_dir" --only "$only_arg" || status=1
echo
if [ -z "$skip_build" ]; then
  echo "build: ${build_s} s; package.sh in all: $(( $(date +%s) - started )) s"
else
  echo "build skipped; package.sh in all: $(( $(date +%s) - started )) s"
fi
[ "$status" -eq 0 ] && echo "packages: ok" || echo "packages: FAILED"
exit "$status"
