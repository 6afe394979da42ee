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
binary=.build/debug/model-exporter
if [[ ! -x "$binary" ]] || [[ -n "$(find Sources Package.swift -newer "$binary" -print -quit)" ]]; then
    echo "$check_name: building $binary"
    swift build --product model-exporter >/dev/null
fi
