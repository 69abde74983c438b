#!/usr/bin/env bash
# Every test, on a fresh machine: installs what the tests need (moto's server, and with it
# botocore, whose service models check every request the AWS tests send), runs `cargo test`,
# then says how many requests were checked against AWS's models.
# Arguments go to `cargo test` (e.g. scripts/test.sh --locked, scripts/test.sh --test aws_wire).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c 'import moto.server, botocore' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check 'moto[server]'
fi
# A missing moto or botocore fails the tests that need them instead of skipping them.
export VIGIL_REQUIRE_MOTO=1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export VIGIL_MODEL_CHECK_LOG="$log"

cargo test "$@"

if [ -s "$log" ]; then
    awk '{ n[$1] += $2; total += $2 } END { ops = 0; for (op in n) ops++;
        printf "model-checked: %d requests over %d operations against botocore service models\n", total, ops }' "$log"
    awk '{ n[$1] += $2 } END { for (op in n) printf "  %-40s %d\n", op, n[op] }' "$log" | sort
fi
