#!/usr/bin/env bash
# Checks the systemd side of model-exporter: the unit parses and verifies, its sandbox scores
# OK or better in systemd's own exposure analysis (and no worse than the figure documented in
# docs/systemd.md), the EnvironmentFile example and the unit agree, and the logrotate example
# really rotates a log the way the exporter expects (rename + create, delayed compression).
#
# Needs systemd-analyze (Debian: systemd) and logrotate (installed here if missing).
# Prints one line per check and ends with "systemd: N passed, M failed".
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

unit=systemd/model-exporter.service
defaults=systemd/model-exporter.default
rotate_example=systemd/logrotate.d/llm-gateway
# The exposure figure measured for the unit and quoted in docs/systemd.md. A change that loosens
# the sandbox should be a decision (update both), not an accident.
max_exposure=${SYSTEMD_MAX_EXPOSURE:-1.2}

check_name=systemd
# ok/fail, require, install_missing, make_work_dir, check_summary. Neither a python with PyYAML
# nor a fresh build is needed: the unit is verified with whatever binary exists (below).
common_python=no common_build=no source scripts/checks/lib/common.sh

require systemd-analyze systemd
install_missing logrotate logrotate
make_work_dir

# --- the unit -----------------------------------------------------------------------------
# `systemd-analyze verify` refuses a unit whose ExecStart binary does not exist, and nothing is
# installed in /usr/local/bin on a build machine. So verify a copy (same file name, so the unit
# name is the same) whose ExecStart points at a binary that exists: the one just built if there
# is one, else /bin/true. Only the path changes; every other line is verified as shipped.
binary=/bin/true
for candidate in .build/release/model-exporter .build/debug/model-exporter; do
    if [[ -x $candidate ]]; then binary=$(realpath "$candidate"); break; fi
done
mkdir -p "$work/unit"
sed "s#^ExecStart=/usr/local/bin/model-exporter #ExecStart=$binary #" "$unit" >"$work/unit/model-exporter.service"
if ! grep -q "^ExecStart=$binary serve\$" "$work/unit/model-exporter.service"; then
    fail "ExecStart is /usr/local/bin/model-exporter serve" "$(grep '^ExecStart=' "$unit" || echo 'no ExecStart= line')"
else
    ok "ExecStart is /usr/local/bin/model-exporter serve (verified with $binary)"
fi

# verify exits 0 even when it ignores a misspelt key or a bad value (it only warns), so any
# diagnostic that names our unit counts as a failure. Warnings about the host's own units are
# not ours to fix and are ignored.
verify_out=$(systemd-analyze verify "$work/unit/model-exporter.service" 2>&1) && verify_rc=0 || verify_rc=$?
ours=$(grep -F "model-exporter.service" <<<"$verify_out" || true)
if [[ $verify_rc -eq 0 && -z $ours ]]; then
    ok "systemd-analyze verify $unit"
else
    fail "systemd-analyze verify $unit (exit $verify_rc)" "${ours:-$verify_out}"
fi

# --offline=true analyses the file itself rather than a loaded unit (no running systemd needed).
security_out=$(systemd-analyze security --offline=true "$work/unit/model-exporter.service" 2>&1) || true
overall=$(grep -F "Overall exposure level" <<<"$security_out" || true)
# "→ Overall exposure level for model-exporter.service: 1.1 OK 🙂"
exposure=$(sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+) ([A-Z]+).*/\1/p' <<<"$overall")
level=$(sed -nE 's/.*Overall exposure level for [^:]*: ([0-9.]+) ([A-Z]+).*/\2/p' <<<"$overall")
if [[ -z $exposure ]]; then
    fail "systemd-analyze security --offline=true: no exposure figure" "$security_out"
else
    echo "      exposure: $exposure $level (systemd-analyze security --offline=true $unit)"
    case $level in
        PERFECT | SAFE | OK) ok "exposure level $level is OK or better" ;;
        *) fail "exposure level $level is worse than OK" "$(grep -F '✗' <<<"$security_out")" ;;
    esac
    if awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; then
        ok "exposure $exposure <= $max_exposure (docs/systemd.md)"
    else
        fail "exposure $exposure > $max_exposure: the sandbox got looser; tighten it or update docs/systemd.md and SYSTEMD_MAX_EXPOSURE" \
            "$(grep -F '✗' <<<"$security_out")"
    fi
fi

# --- the EnvironmentFile example ------------------------------------------------------------
# The variable names are the contract with the binary; the unit's built-in defaults must say
# the same as the example, or the service behaves differently with and without the file.
contract="MODEL_EXPORTER_CALLLOG_PATH=/var/log/llm-gateway/calls.jsonl
MODEL_EXPORTER_STORAGE_PATH=/var/lib/model-exporter/calls.sqlite
MODEL_EXPORTER_WEB_LISTEN_ADDRESS=:9816
MODEL_EXPORTER_LOG_LEVEL=info"
settings=$(grep -vE '^[[:space:]]*(#|$)' "$defaults" || true)
if [[ $(sort <<<"$settings") == $(sort <<<"$contract") ]]; then
    ok "$defaults sets exactly the four contract variables"
else
    fail "$defaults does not match the contract" "$(diff <(sort <<<"$contract") <(sort <<<"$settings") || true)"
fi
mismatch=""
while IFS= read -r line; do
    assignment=${line#Environment=}
    grep -qxF "$assignment" <<<"$settings" || mismatch+="$line"$'\n'
done < <(grep '^Environment=' "$unit")
if [[ -z $mismatch ]]; then
    ok "the unit's Environment= defaults agree with $defaults"
else
    fail "the unit's Environment= defaults disagree with $defaults" "$mismatch"
fi

# --- the logrotate example, for real ----------------------------------------------------------
# The shipped file, with the log path moved into a temp dir and the file owner set to whoever
# runs this (the gateway user of the example does not exist here).
log_dir="$work/log"
mkdir -p "$log_dir"
chmod 0750 "$log_dir"
me=$(id -un)
my_group=$(id -gn)
sed -e "s#/var/log/llm-gateway/#$log_dir/#g" \
    -e "s#^\([[:space:]]*create[[:space:]]\+[0-7]\+\)[[:space:]].*#\1 $me $my_group#" \
    "$rotate_example" >"$work/llm-gateway.conf"
chmod 0644 "$work/llm-gateway.conf"
log="$log_dir/calls.jsonl"

rotate() { logrotate -f -s "$work/logrotate.state" "$work/llm-gateway.conf" 2>&1; }

printf '{"n":1}\n{"n":2}\n' >"$log"
first_inode=$(stat -c %i "$log")
if out=$(rotate); then
    problems=""
    [[ -f $log.1 ]] || problems+="no calls.jsonl.1"$'\n'
    [[ -f $log.1 && $(stat -c %i "$log.1") == "$first_inode" ]] || problems+="calls.jsonl.1 is not the renamed file (copied?)"$'\n'
    [[ -f $log.1 && $(cat "$log.1") == $'{"n":1}\n{"n":2}' ]] || problems+="calls.jsonl.1 lost lines"$'\n'
    [[ -f $log && ! -s $log ]] || problems+="no new empty calls.jsonl"$'\n'
    [[ -f $log && $(stat -c %a "$log") == 640 ]] || problems+="new calls.jsonl is not mode 0640: $(stat -c %a "$log" 2>/dev/null)"$'\n'
    [[ -f $log && $(stat -c %i "$log") != "$first_inode" ]] || problems+="calls.jsonl kept its inode (copytruncate?)"$'\n'
    if [[ -z $problems ]]; then
        ok "logrotate renames to calls.jsonl.1 (same inode, all lines) and creates an empty 0640 calls.jsonl"
    else
        fail "logrotate first rotation" "$problems$out"
    fi
else
    fail "logrotate -f (first rotation)" "$out"
fi

# A second rotation: the day-old file is compressed only now, and yesterday's file stays plain.
printf '{"n":3}\n' >>"$log"
if out=$(rotate); then
    problems=""
    [[ -f $log.2.gz ]] || problems+="no calls.jsonl.2.gz"$'\n'
    [[ -f $log.2.gz && $(gzip -dc "$log.2.gz") == $'{"n":1}\n{"n":2}' ]] || problems+="calls.jsonl.2.gz does not hold the first day"$'\n'
    [[ -f $log.1 && $(cat "$log.1") == '{"n":3}' ]] || problems+="calls.jsonl.1 is not yesterday's plain file"$'\n'
    [[ ! -e $log.1.gz ]] || problems+="calls.jsonl.1 was compressed at once (delaycompress missing)"$'\n'
    [[ -f $log && ! -s $log ]] || problems+="no new empty calls.jsonl"$'\n'
    if [[ -z $problems ]]; then
        ok "logrotate delaycompress: calls.jsonl.1 stays plain, calls.jsonl.2.gz is compressed"
    else
        fail "logrotate second rotation" "$problems$out"
    fi
else
    fail "logrotate -f (second rotation)" "$out"
fi

# notifempty: an empty log is left alone, even when forced.
if out=$(rotate) && [[ -f $log.2.gz && ! -e $log.3.gz && $(cat "$log.1" 2>/dev/null) == '{"n":3}' ]]; then
    ok "logrotate leaves an empty calls.jsonl alone (notifempty)"
else
    fail "logrotate rotated an empty log" "$out$(ls -l "$log_dir")"
fi

check_summary
