#!/usr/bin/env bash
# End-to-end alert test: model-exporter on a generated call log, a real Prometheus with the
# shipped rules (every duration divided by 60, generated from the shipped files on each run)
# and a real Alertmanager with the shipped routing (receivers swapped for a local webhook).
# Incidents written into the log must fire exactly the expected alerts, for the right agents,
# reach Alertmanager and be routed and inhibited as shipped. About 75 seconds.
#
# The harness is scripts/e2e/alerts_e2e.py (see docs/e2e.md); extra arguments go to it
# (--keep keeps the temporary directory, --factor changes the time scale).
# Needs prometheus, promtool, prometheus-alertmanager, amtool and python3 with PyYAML
# (Debian: prometheus prometheus-alertmanager python3-yaml). Builds the debug binary if it
# is missing. Ends with "e2e-alerts: N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

require() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "e2e-alerts: $1 not found; install it with: apt-get install -y $2" >&2
        exit 2
    fi
}
require prometheus prometheus
require promtool prometheus
require prometheus-alertmanager prometheus-alertmanager
require amtool prometheus-alertmanager

# The first python3 that has PyYAML: a pyenv or venv python3 may shadow Debian's.
python=""
for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
        python=$candidate
        break
    fi
done
if [[ -z "$python" ]]; then
    echo "e2e-alerts: python3 with PyYAML not found; install it with: apt-get install -y python3-yaml" >&2
    exit 2
fi

binary=.build/debug/model-exporter
if [[ ! -x "$binary" ]]; then
    echo "e2e-alerts: building $binary"
    swift build --product model-exporter
fi

exec "$python" scripts/e2e/alerts_e2e.py --binary "$binary" "$@"
