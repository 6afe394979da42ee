#!/usr/bin/env bash
# Checks the alerting side of model-exporter: the Prometheus rules and their
# unit tests, the example Prometheus and Alertmanager configs, and the
# runbooks (one per alert, their PromQL parses, their SQL runs against the
# exporter's schema).
#
# Rule files: alerts.yml (with recording_rules.yml) holds exactly the eight
# alerts of the gateway's spec; slo_rules.yml (generated from slo.yml by
# scripts/slo-rules), budget_alerts.yml, ttft_rules.yml and
# exporter_alerts.yml each hold exactly their own list below.
#
# Needs promtool and amtool (Debian: prometheus, prometheus-alertmanager),
# python3 with PyYAML for scripts/slo-rules; sqlite3 for the runbook SQL
# (skipped, and said so, without it).
# Prints one line per check and ends with "alert-rules: N passed, M failed".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

require() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "alert-rules: $1 not found; install it with: apt-get install -y $2" >&2
        exit 2
    fi
}
require promtool prometheus
require amtool prometheus-alertmanager

check_name=alert-rules
# Sets $python (with PyYAML), $binary, and ok/fail/skip/check/check_summary.
# The binary is only needed for the runbook SQL, built below if it can be.
common_build=no
source scripts/checks/lib/common.sh

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The alerts each rule file must define, nothing more, nothing less.
# alerts.yml: the eight alerts the gateway's spec asks for (the end-to-end
# check scripts/e2e/alerts_e2e.py loads only it and recording_rules.yml).
declare -A expected
expected[alerts.yml]="CriticalCostOverrun
HighCostBurn
HighFallbackRate
HighModelErrorRate
HighModelLatency
LowSuccessRate
ModelUnavailable
VeryHighModelLatency"
expected[slo_rules.yml]="AvailabilitySLOFastBurn
AvailabilitySLOSlowBurn
LatencySLOFastBurn
LatencySLOSlowBurn"
expected[budget_alerts.yml]="DailyBudgetAtRisk
DailyBudgetExceeded"
expected[ttft_rules.yml]="HighTimeToFirstToken"
expected[exporter_alerts.yml]="ModelExporterAbsent
ModelExporterCallLogLagging
ModelExporterCallLogMissing
ModelExporterCatchupStalled
ModelExporterDown
ModelExporterRejectedLines
ModelExporterReplicaDown
ModelExporterStoreErrors"
alert_files="alerts.yml slo_rules.yml budget_alerts.yml ttft_rules.yml exporter_alerts.yml"
rule_files="recording_rules.yml $alert_files"

# alert_names FILE: the alert names a rule file defines, sorted, once each
# (slo_rules.yml has one rule per agent group under the same name).
alert_names() { sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$1" | sort -u; }

expected_alerts=$(for f in $alert_files; do echo "${expected[$f]}"; done | sort)
# The file that defines each alert, for the runbook_url check.
declare -A file_of
for f in $alert_files; do
    for a in ${expected[$f]}; do file_of[$a]=$f; done
done

# --- rules and configs ------------------------------------------------------
check "promtool check rules" \
    promtool check rules $(printf 'prometheus/%s ' $rule_files)
check "prometheus/slo_rules.yml is what scripts/slo-rules generates from prometheus/slo.yml" \
    "$python" scripts/slo-rules --check
check "promtool check config prometheus/prometheus.yml" \
    promtool check config prometheus/prometheus.yml
missing_rule_files=""
for f in $rule_files; do
    grep -Eq "^ *- $f( |\$)" prometheus/prometheus.yml || missing_rule_files+="$f "
done
if [[ -z "$missing_rule_files" ]]; then
    ok "prometheus/prometheus.yml loads every rule file"
else
    fail "prometheus/prometheus.yml loads every rule file" "not in rule_files: $missing_rule_files"
fi
check "amtool check-config prometheus/alertmanager.yml" \
    amtool check-config prometheus/alertmanager.yml
check "alertmanager routes critical to pager" \
    amtool config routes test --config.file=prometheus/alertmanager.yml \
    --verify.receivers=pager severity=critical alertname=ModelUnavailable agent=qa_agent
check "alertmanager routes warning to chat" \
    amtool config routes test --config.file=prometheus/alertmanager.yml \
    --verify.receivers=chat severity=warning alertname=HighCostBurn
check "alertmanager pages an SLO fast burn" \
    amtool config routes test --config.file=prometheus/alertmanager.yml \
    --verify.receivers=pager severity=critical alertname=AvailabilitySLOFastBurn agent=qa_agent slo=availability
check "alertmanager sends an SLO slow burn to chat" \
    amtool config routes test --config.file=prometheus/alertmanager.yml \
    --verify.receivers=chat severity=warning alertname=LatencySLOSlowBurn agent=qa_agent slo=latency
check "alertmanager pages an exporter down" \
    amtool config routes test --config.file=prometheus/alertmanager.yml \
    --verify.receivers=pager severity=critical alertname=ModelExporterDown instance=gw1:9816 job=model-exporter

for f in $alert_files; do
    alerts=$(alert_names "prometheus/$f")
    want=$(sort <<<"${expected[$f]}")
    if [[ "$alerts" == "$want" ]]; then
        ok "$f defines exactly its $(wc -l <<<"$want") alerts"
    else
        fail "$f defines exactly its $(wc -l <<<"$want") alerts" "$(diff <(echo "$want") <(echo "$alerts") || true)"
    fi
done
dupes=$(for f in $alert_files; do alert_names "prometheus/$f"; done | sort | uniq -d)
if [[ -z "$dupes" ]]; then ok "no alert is defined in two files"; else fail "no alert is defined in two files" "$dupes"; fi

# Severity drives routing (alertmanager.yml): every alert rule is critical
# (page) or warning (chat).
bad_severity=$(awk '
    /^ *- (alert|record):/ { alert = ($2 == "alert:") ? $3 : ""; next }
    alert != "" && /^ *severity:/ && $2 != "critical" && $2 != "warning" { print FILENAME ": " alert ": " $2 }
    ' $(printf 'prometheus/%s ' $alert_files))
if [[ -z "$bad_severity" ]]; then ok "every alert is severity critical or warning"; else fail "every alert is severity critical or warning" "$bad_severity"; fi

# $value belongs in annotations only: in a label it would make every new
# value a new alert. Report any `$value` inside a rule's labels: block.
value_in_labels=$(awk '
    /^ *labels: *$/      { inlabels = 1; indent = match($0, /[^ ]/); next }
    inlabels {
        if (match($0, /[^ ]/) <= indent) inlabels = 0
        else if ($0 ~ /\$value/) print FILENAME ":" NR ": " $0
    }' $(printf 'prometheus/%s ' $rule_files))
if [[ -z "$value_in_labels" ]]; then
    ok "no \$value in labels"
else
    fail "no \$value in labels" "$value_in_labels"
fi

# --- unit tests -------------------------------------------------------------
# Each test file is one promtool run; its test groups ("- name:") count as
# cases. A failing file reports the names of the groups that failed.
cases=0
for alert in $expected_alerts; do
    file=prometheus/tests/$alert.test.yml
    if [[ ! -f "$file" ]]; then
        fail "unit tests for $alert" "missing $file"
        continue
    fi
    total=$(grep -c '^  - name:' "$file" || true)
    cases=$((cases + total))
    if out=$(cd prometheus/tests && promtool test rules "$alert.test.yml" 2>&1); then
        passed=$((passed + total))
        echo "ok    unit tests for $alert ($total cases)"
    else
        bad=$(sed -n 's/^ *name: \(.*\),$/\1/p' <<<"$out" | sort -u | wc -l)
        ((bad > 0)) || bad=$total # the file did not load at all
        passed=$((passed + total - bad))
        failed=$((failed + bad))
        echo "FAIL  unit tests for $alert ($bad of $total cases)"
        sed 's/^/      /' <<<"$out"
    fi
done
for file in prometheus/tests/*.test.yml; do
    name=$(basename "$file" .test.yml)
    if ! grep -qx "$name" <<<"$expected_alerts"; then
        fail "unit test file $file" "not named after an alert, so this script does not run it"
    fi
done

# --- runbooks ---------------------------------------------------------------
for alert in $expected_alerts; do
    book=runbooks/$alert.md
    problems=""
    if [[ ! -f "$book" ]]; then
        problems="missing $book"
    else
        for section in Meaning Impact Diagnosis Mitigation Escalation; do
            grep -q "^## $section\$" "$book" || problems+="no '## $section' section"$'\n'
        done
        grep -q "^| \[$alert\]($alert.md) |" runbooks/README.md ||
            problems+="not listed in runbooks/README.md"$'\n'
    fi
    # The rule's runbook_url (after whatever base the operator put in
    # front) must name this runbook.
    # Every rule of that name (slo_rules.yml has several) must carry it.
    urls=$(awk -v a="$alert" '
        /^ *- (alert|record):/ { cur = $3 }
        cur == a && /runbook_url:/ { print $2 }' "prometheus/${file_of[$alert]}")
    rules=$(grep -c "^ *- alert: *$alert\$" "prometheus/${file_of[$alert]}" || true)
    if [[ $(grep -c . <<<"$urls" || true) -ne "$rules" ]]; then
        problems+="$((rules - $(grep -c . <<<"$urls" || true))) of its $rules rules have no runbook_url"$'\n'
    fi
    while IFS= read -r url; do
        [[ -z "$url" || "$url" == *"runbooks/$alert.md" ]] || problems+="runbook_url is '$url', not .../runbooks/$alert.md"$'\n'
    done <<<"$urls"
    if [[ -z "$problems" ]]; then ok "runbook for $alert"; else fail "runbook for $alert" "${problems%$'\n'}"; fi
done

# fenced LANG FILE: print the contents of every ```LANG block of a Markdown
# file, unindented, each followed by the line "-- end of block --".
fenced() {
    awk -v lang="$1" '
        $0 ~ "^ *```" lang "$" { inblock = 1; indent = match($0, /`/) - 1; next }
        inblock && /^ *```$/    { inblock = 0; print "-- end of block --"; next }
        inblock                 { print substr($0, indent + 1) }' "$2"
}

# Every PromQL block in the runbooks must parse: promtool checks each one
# wrapped in a recording rule.
promql_blocks=0
promql_errors=""
for book in runbooks/*.md; do
    block=""
    while IFS= read -r line; do
        if [[ "$line" == "-- end of block --" ]]; then
            promql_blocks=$((promql_blocks + 1))
            {
                printf 'groups:\n  - name: runbook\n    rules:\n'
                printf '      - record: runbook:promql:check\n        expr: |\n'
                sed 's/^/          /' <<<"$block"
            } >"$work/promql.yml"
            if ! out=$(promtool check rules "$work/promql.yml" 2>&1); then
                promql_errors+="$book: $(grep -o 'parse error.*' <<<"$out" || echo "$out")"$'\n'"$block"
            fi
            block=""
        else
            block+="$line"$'\n'
        fi
    done < <(fenced promql "$book")
done
if ((promql_blocks == 0)); then
    fail "runbook PromQL parses" "no \`\`\`promql blocks found in runbooks/"
elif [[ -z "$promql_errors" ]]; then
    ok "runbook PromQL parses ($promql_blocks expressions)"
else
    fail "runbook PromQL parses" "$promql_errors"
fi

# Every SQL block must run, read-only, against a database with the
# exporter's real schema: the exporter itself creates it (all migrations, as
# a real install has them), then runbooks/testdata/rows.sql is loaded.
exporter=$binary
[ -x "$exporter" ] || swift build --product model-exporter >/dev/null 2>&1 || true
out=""
if ! command -v sqlite3 >/dev/null 2>&1; then
    skip "runbook SQL runs (sqlite3 not found; apt-get install -y sqlite3)"
elif ! rm -f "$work/absent.jsonl" ||
    ! out=$("$exporter" ingest --calllog.path "$work/absent.jsonl" --storage.path "$work/calls.sqlite" --log.level error 2>&1); then
    fail "runbook SQL runs" "could not create the exporter's schema with $exporter ingest
$out"
elif ! out=$(sqlite3 -bail "$work/calls.sqlite" <runbooks/testdata/rows.sql 2>&1); then
    fail "runbook SQL runs" "runbooks/testdata/rows.sql no longer fits the schema: $out"
else
    sql_blocks=0
    sql_errors=""
    for book in runbooks/*.md; do
        block=""
        while IFS= read -r line; do
            if [[ "$line" == "-- end of block --" ]]; then
                sql_blocks=$((sql_blocks + 1))
                if ! out=$(sqlite3 -readonly -bail "$work/calls.sqlite" <<<"$block" 2>&1 >/dev/null); then
                    sql_errors+="$book: $out"$'\n'"$block"$'\n'
                fi
                block=""
            else
                block+="$line"$'\n'
            fi
        done < <(fenced sql "$book")
    done
    if ((sql_blocks == 0)); then
        fail "runbook SQL runs" "no \`\`\`sql blocks found in runbooks/"
    elif [[ -z "$sql_errors" ]]; then
        ok "runbook SQL runs ($sql_blocks queries)"
    else
        fail "runbook SQL runs" "$sql_errors"
    fi
fi

# The last line keeps the "NAME: N passed, M failed" shape of every check
# script; details go on the line before it.
echo "alert-rules: $cases of the passed/failed are promtool test cases; $skipped checks skipped"
check_summary
