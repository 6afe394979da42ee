# Shared by the end-to-end checks in scripts/checks/ (sourced, not run: scripts/test runs only
# scripts/checks/*.sh). Run from the repository root; messages start with "$check_name:",
# which the sourcing check sets first.

# The first python3 that has PyYAML (the harnesses share helpers with the alerts harness,
# which needs it): a pyenv or venv python3 may shadow Debian's. Sets $python; exits 2 without one.
# A check that runs no harness sets common_python=no for the source command ($python is then
# empty when there is no such python3, and nothing exits).
python=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [[ -z "$python" && "${common_python:-yes}" == yes ]]; then
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

# check_equal NAME EXPECTED ACTUAL [DETAIL]: one check, passed when ACTUAL is EXPECTED.
check_equal() {
    if [[ $2 == "$3" ]]; then ok "$1"; else fail "$1: expected $2, got $3" "${4:-}"; fi
}

# require TOOL PACKAGE [TOOL PACKAGE]...: exits 2 (the check cannot run) unless every TOOL is
# on PATH; PACKAGE is the Debian package that has it.
require() {
    while (($# >= 2)); do
        if ! command -v "$1" >/dev/null 2>&1; then
            echo "$check_name: $1 not found; install it with: apt-get install -y $2" >&2
            exit 2
        fi
        shift 2
    done
}

# install_missing TOOL PACKAGE: installs the Debian PACKAGE (as root, or with sudo) when
# TOOL is not on PATH, for tools a check may install itself.
install_missing() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "$check_name: installing $2$([[ $1 != "$2" ]] && echo " ($1)")"
    local sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

# at_exit COMMAND: runs COMMAND (eval'd) when the check exits, the last one registered first.
# make_work_dir: sets $work to a new temporary directory, removed when the check exits (after
# what at_exit registers later, so that servers stopped there are gone before it is).
common_exit_commands=()
common_run_exit_commands() {
    local i
    for ((i = ${#common_exit_commands[@]} - 1; i >= 0; i--)); do eval "${common_exit_commands[i]}" || true; done
}
at_exit() {
    common_exit_commands+=("$1")
    trap common_run_exit_commands EXIT
}
make_work_dir() {
    work=$(mktemp -d)
    at_exit 'rm -rf "$work"'
}
