# Shared by the end-to-end checks in scripts/checks/ (sourced, not run: scripts/test runs only
# scripts/checks/*.sh). Run from the repository root; messages start with "$check_name:",
# which the sourcing check sets first.

# The first python3 that has PyYAML (the harnesses share helpers with the alerts harness,
# which needs it): a pyenv or venv python3 may shadow Debian's. Sets $python; exits 2 without one.
python=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [[ -z "$python" ]]; then
    echo "$check_name: python3 with PyYAML not found; install it with: apt-get install -y python3-yaml" >&2
    exit 2
fi

# The debug binary, built if it is missing or older than the sources. Sets $binary.
# A check that can do without the binary sets common_build=no before sourcing (it then
# builds, or not, itself; $binary is still set).
binary=.build/debug/model-exporter
if [[ "${common_build:-yes}" == yes ]] &&
    { [[ ! -x "$binary" ]] || [[ -n "$(find Sources Package.swift -newer "$binary" -print -quit)" ]]; }; then
    echo "$check_name: building $binary"
    swift build --product model-exporter >/dev/null
fi

# Pass/fail plumbing for checks that count their results in the shell: one line per
# check ("ok    NAME", "FAIL  NAME" with indented details, "SKIP  NAME"), then
# check_summary prints "$check_name: N passed, M failed" and returns non-zero on a failure.
passed=0
failed=0
skipped=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
fail() {
    failed=$((failed + 1)); echo "FAIL  $1"
    if [[ -n "${2:-}" ]]; then sed 's/^/      /' <<<"$2"; fi
}
skip() { skipped=$((skipped + 1)); echo "SKIP  $1"; }
# check NAME COMMAND... : one check, passed when COMMAND succeeds (its output shown if not).
check() {
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then ok "$name"; else fail "$name" "$out"; fi
}
check_summary() {
    echo "$check_name: $passed passed, $failed failed"
    ((failed == 0))
}
