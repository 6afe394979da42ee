#!/usr/bin/env bash
# The status page at / in a real headless browser: model-exporter serves a generated log of
# the last 50 minutes plus a live writer, chromium renders the page, and the rendered DOM is
# checked (every agent and variant, figures equal to the database's, states equal to
# /health/{agent}, inline SVG charts, links that answer, names from the log escaped). Keeps a
# screenshot in artifacts/status-page.png. About 20 seconds.
#
# The harness is scripts/e2e/status_page_e2e.py (docs/status-page.md); extra arguments go
# to it (--keep keeps the temporary directory). Installs chromium if it is missing (Debian
# package, needs root or sudo); builds the debug binary if it is missing or older than the
# sources. Ends with "status-page: N passed, M failed" and exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

check_name=status-page
# Sets $python (one with PyYAML) and $binary (built if stale); install_missing.
source scripts/checks/lib/common.sh
install_missing chromium chromium

exec "$python" scripts/e2e/status_page_e2e.py --binary "$binary" "$@"
