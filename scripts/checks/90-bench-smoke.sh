#!/usr/bin/env bash
# Smoke run of the performance suite (scripts/bench --quick on the debug build): checks that
# every item runs and that the table and the JSON come out. It asserts no timing on purpose:
# figures from a debug build on a shared CI runner mean nothing; the full suite is a separate
# command (docs/performance.md). Takes about 30 s once the debug build is done.
#
# Prints one line per check and ends with "bench-smoke: N passed, M failed".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

check_name=bench-smoke
# ok/fail, make_work_dir, check_summary. scripts/bench builds (or not) itself, and its harness
# needs no PyYAML.
common_python=no common_build=no source scripts/checks/lib/common.sh
make_work_dir

# scripts/test builds everything (model-exporter-bench included) just before the checks; build
# here only when run alone on a fresh tree, so the check stays well under a minute.
build_flag=--no-build
bin_dir=$(swift build --show-bin-path)
if [[ ! -x "$bin_dir/model-exporter" || ! -x "$bin_dir/model-exporter-bench" ]]; then
    build_flag=
fi

started=$SECONDS
if timeout 300 scripts/bench --quick --debug $build_flag --workdir "$work/scratch" --output "$work/results.json" \
    >"$work/stdout" 2>"$work/stderr"; then
    ok "scripts/bench --quick runs ($((SECONDS - started)) s)"
else
    fail "scripts/bench --quick runs" "$(tail -n 40 "$work/stderr"; tail -n 40 "$work/stdout")"
fi

if grep -q "^model-exporter benchmarks" "$work/stdout" && grep -qE "^# +measure +median +min–max +runs +target +result" "$work/stdout"; then
    ok "prints the table"
else
    fail "prints the table" "$(head -n 20 "$work/stdout")"
fi

# One row at least for each item the quick run makes (4, the 10M-line memory item, is skipped).
for section in 1 2 3 5 6 7 9 10; do
    if grep -qE "^$section  " "$work/stdout"; then
        ok "table has item $section"
    else
        fail "table has item $section" "$(cat "$work/stdout")"
    fi
done

# The mtail peer (item 10) really ran where mtail is installed (scripts/install-deps, CI): its
# rows then carry a figure, and its run checked that mtail counted every line of the log.
if command -v mtail >/dev/null 2>&1; then
    if grep -qE "^10 +ingest ÷ mtail, lines/s \(same run\) +[0-9.]+ x" "$work/stdout"; then
        ok "the mtail peer ran beside ingest"
    else
        fail "the mtail peer ran beside ingest" "$(grep -E "^10 " "$work/stdout"; grep -i mtail "$work/stderr" | tail -n 20)"
    fi
fi

if python3 -c '
import json, sys
document = json.load(open(sys.argv[1]))
assert document["results"], "no results"
assert not document["failures"], document["failures"]
assert document["machine"]["nproc"], "no machine description"
' "$work/results.json" 2>"$work/json-error"; then
    ok "writes the JSON results"
else
    fail "writes the JSON results" "$(cat "$work/json-error")"
fi

if [[ -z "$(ls -A "$work/scratch" 2>/dev/null)" ]]; then
    ok "removes its scratch data"
else
    fail "removes its scratch data" "$(ls -la "$work/scratch")"
fi

check_summary
