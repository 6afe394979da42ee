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
# is missing or older than the sources. Ends with "e2e-alerts: N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

check_name=e2e-alerts
# Sets $python (one with PyYAML) and $binary (built if stale); require.
source scripts/checks/lib/common.sh
require prometheus prometheus promtool prometheus \
    prometheus-alertmanager prometheus-alertmanager amtool prometheus-alertmanager

exec "$python" scripts/e2e/alerts_e2e.py --binary "$binary" "$@"
