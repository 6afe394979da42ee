#!/usr/bin/env bash
# End-to-end check of `model-exporter demo --incident`: the real demo (its own simulated
# gateway) with the budget and agent-outage incidents, a real Prometheus with the shipped
# recording, alert, budget, SLO and TTFT rules (every duration divided by 60, generated from the
# shipped files on each run) and a real Alertmanager with the shipped routing (receivers swapped
# for a local webhook). DailyBudgetAtRisk, DailyBudgetExceeded and the availability fast burn of the failing agent
# must fire and reach Alertmanager; the demo gets a $0.25 daily budget so that DailyBudgetExceeded
# can fire within the scaled run too (see the driver). About a minute and a half.
#
# The harness is scripts/e2e/demo_incidents_e2e.py (see docs/e2e.md); extra arguments go to it
# (--keep keeps the temporary directory, --factor changes the time scale).
# Needs prometheus, promtool, prometheus-alertmanager, amtool and python3 with PyYAML.
# Ends with "e2e-demo-incidents: N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

check_name=e2e-demo-incidents
# Sets $python (one with PyYAML) and $binary (built if stale); require.
source scripts/checks/lib/common.sh
require prometheus prometheus promtool prometheus \
    prometheus-alertmanager prometheus-alertmanager amtool prometheus-alertmanager

exec "$python" scripts/e2e/demo_incidents_e2e.py --binary "$binary" "$@"
