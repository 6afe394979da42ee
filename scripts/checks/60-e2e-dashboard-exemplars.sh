#!/usr/bin/env bash
# End-to-end test of dashboards/model-exporter.json, of exemplars and of the recording rules
# across a fleet: two model-exporters (two logs, two databases, generated history plus live
# writers) scraped as one job by a real Prometheus with exemplar storage and the shipped
# recording rules. Every panel's PromQL must parse and return data; exemplars' request ids
# must be calls in the right database; the recorded per-agent series must be the sum of both
# instances. About 30 seconds.
#
# The harness is scripts/e2e/dashboard_e2e.py (docs/dashboard.md, docs/scaling-out.md); extra
# arguments go to it (--keep keeps the temporary directory). Needs prometheus and promtool
# (Debian: prometheus) and python3 with PyYAML (python3-yaml). Builds the debug binary if it
# is missing or older than the sources. Ends with "e2e-dashboard: N passed, M failed" and
# exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

check_name=e2e-dashboard
# Sets $python (one with PyYAML) and $binary (built if stale); require.
source scripts/checks/lib/common.sh
require prometheus prometheus promtool prometheus

exec "$python" scripts/e2e/dashboard_e2e.py --binary "$binary" "$@"
