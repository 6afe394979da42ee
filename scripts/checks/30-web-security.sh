#!/usr/bin/env bash
# End-to-end checks of the web security of `model-exporter serve`, with real clients: curl over
# TLS with a certificate made here by openssl, basic auth with bcrypt hashes made by htpasswd,
# client certificates, and raw sockets for the slow and oversized requests. Each server is the
# built binary (.build/debug/model-exporter), started and stopped by this script on a free port.
#
# Needs curl, openssl, python3 and htpasswd (Debian: apache2-utils, installed here if missing).
# Prints one line per check and ends with "web-security: N passed, M failed"; exits 1 on failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

check_name=web-security
# ok/fail, check_equal, require, install_missing, make_work_dir, at_exit, check_summary. The
# probes below need only python3, not PyYAML; the binary is used as built, never rebuilt here.
common_python=no common_build=no source scripts/checks/lib/common.sh
binary=$PWD/.build/debug/model-exporter
if [[ ! -x $binary ]]; then
    echo "web-security: $binary is missing: run swift build first" >&2
    exit 2
fi
install_missing htpasswd apache2-utils
require curl curl openssl openssl python3 python3

make_work_dir
server_pids=()
stop_servers() {
    for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
at_exit stop_servers

# A port nobody listens on now: bound to 0 by the kernel, then released for the server.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server NAME [serve flags...]: starts serve on a free port, sets $port, waits until it
# listens (its "listening" log line), gives up after 30 s quoting its log.
start_server() {
    local name=$1; shift
    port=$(free_port)
    mkdir -p "$work/$name"
    : >"$work/$name/calls.jsonl"
    "$binary" serve --calllog.path "$work/$name/calls.jsonl" --storage.path "$work/$name/calls.sqlite" \
        --web.listen-address "127.0.0.1:$port" "$@" >"$work/$name/stdout" 2>"$work/$name/stderr" &
    server_pids+=($!)
    local pid=$!
    for _ in $(seq 300); do
        if grep -q "port=$port .*listening" "$work/$name/stderr"; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "web-security: server $name did not start:" >&2
    cat "$work/$name/stderr" >&2
    exit 1
}

# status URL [curl options...]: the HTTP status, or 000 when no HTTP response came (curl's code).
status() {
    local url=$1; shift
    curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "$@" "$url" 2>/dev/null || true
}

# --- material -----------------------------------------------------------------------------------
pki=$work/pki
mkdir -p "$pki"
(
    cd "$pki"
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    openssl req -x509 "${ec[@]}" -days 2 -subj /CN=web-security-test-ca -keyout ca.key -out ca.crt
    openssl req -x509 "${ec[@]}" -days 2 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout server.key -out server.crt
    openssl req "${ec[@]}" -subj /CN=prometheus -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt
    # Self-signed, so signed by no CA the server knows.
    openssl req -x509 "${ec[@]}" -days 2 -subj /CN=intruder -keyout rogue.key -out rogue.crt
) >/dev/null 2>&1
hash=$(htpasswd -nbBC 10 prometheus 's3cret pass' | cut -d: -f2)

cat >"$pki/web-auth.yml" <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $hash
EOF
cat >"$pki/web-mtls.yml" <<EOF
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS13
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
EOF

# --- TLS and basic auth ---------------------------------------------------------------------------
start_server auth --web.config.file "$pki/web-auth.yml"
base=https://localhost:$port
tls=(--cacert "$pki/server.crt")

check_equal "good credentials: /metrics is 200" 200 "$(status "$base/metrics" "${tls[@]}" -u 'prometheus:s3cret pass')"
body=$(curl -sS --max-time 10 "${tls[@]}" -u 'prometheus:s3cret pass' "$base/metrics" || true)
if grep -q '^model_exporter_' <<<"$body"; then ok "good credentials: /metrics has the exporter's metrics"; else fail "good credentials: /metrics body" "$(head -5 <<<"$body")"; fi
check_equal "good credentials: /health is 200" 200 "$(status "$base/health" "${tls[@]}" -u 'prometheus:s3cret pass')"

# The three refusals must be indistinguishable: same status, same headers, same body.
refusal() {
    curl -sS -i --max-time 10 "${tls[@]}" "$@" "$base/metrics" 2>&1 | tr -d '\r' | grep -viE '^(date|content-length):' || true
}
wrong=$(refusal -u 'prometheus:wrong')
unknown=$(refusal -u 'nobody:s3cret pass')
none=$(refusal)
check_equal "wrong password: 401" "HTTP/1.1 401 Unauthorized" "$(head -1 <<<"$wrong")" "$wrong"
if grep -qx 'WWW-Authenticate: Basic realm="model-exporter"' <<<"$wrong"; then
    ok "wrong password: WWW-Authenticate: Basic realm=\"model-exporter\""
else
    fail "wrong password: WWW-Authenticate header" "$wrong"
fi
check_equal "wrong password: the body says only Unauthorized" "Unauthorized" "$(tail -1 <<<"$wrong")"
check_equal "unknown user: the same 401 as a wrong password" "$wrong" "$unknown"
check_equal "no credentials: the same 401 as a wrong password" "$wrong" "$none"
check_equal "malformed Authorization header: 401" 401 "$(status "$base/metrics" "${tls[@]}" -H 'Authorization: Basic !!!')"
check_equal "no credentials: /health is 401" 401 "$(status "$base/health" "${tls[@]}")"
check_equal "no credentials: / is 401" 401 "$(status "$base/" "${tls[@]}")"
check_equal "no credentials: an unknown path is 401, not 404" 401 "$(status "$base/does-not-exist" "${tls[@]}")"
check_equal "good credentials: an unknown path is 404" 404 "$(status "$base/does-not-exist" "${tls[@]}" -u 'prometheus:s3cret pass')"

plain_rc=0
plain_out=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "http://127.0.0.1:$port/metrics" 2>"$work/plain.err") || plain_rc=$?
if [[ $plain_rc -ne 0 && $plain_out == 000 ]]; then
    ok "plain HTTP to the TLS port gets no HTTP response (curl exit $plain_rc)"
else
    fail "plain HTTP to the TLS port" "curl exit $plain_rc, status $plain_out: $(cat "$work/plain.err")"
fi
check_equal "an untrusted server certificate is refused by the client" 000 "$(status "$base/metrics" -u 'prometheus:s3cret pass')"

# bcrypt at cost 10 takes about 100 ms of CPU. Twenty scrapes over one connection, timed against
# one bcrypt measured here: without the cache of verified credentials they would take twenty.
start_ns=$(date +%s%N)
htpasswd -nbBC 10 x y >/dev/null
one_bcrypt_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
start_ns=$(date +%s%N)
codes=$(curl -sS --max-time 60 "${tls[@]}" -u 'prometheus:s3cret pass' -o /dev/null -w '%{stderr}%{http_code}\n' \
    "$base/metrics?scrape=[1-20]" 2>&1 >/dev/null || true)
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
if [[ $(grep -c '^200$' <<<"$codes") -ne 20 ]]; then
    fail "twenty authenticated scrapes over one connection" "$codes"
elif (( elapsed_ms < 5 * one_bcrypt_ms )); then
    ok "twenty authenticated scrapes took ${elapsed_ms} ms, one bcrypt ${one_bcrypt_ms} ms: verified credentials are cached"
else
    fail "twenty authenticated scrapes took ${elapsed_ms} ms, one bcrypt ${one_bcrypt_ms} ms: is the cache used?"
fi
check_equal "the server still answers after all that" 200 "$(status "$base/metrics" "${tls[@]}" -u 'prometheus:s3cret pass')"

# --- client certificates (RequireAndVerifyClientCert, TLS 1.3 only) --------------------------------
start_server mtls --web.config.file "$pki/web-mtls.yml"
base=https://localhost:$port
check_equal "client certificate signed by the CA: 200" 200 "$(status "$base/metrics" "${tls[@]}" --cert "$pki/client.crt" --key "$pki/client.key")"
check_equal "no client certificate: the handshake fails" 000 "$(status "$base/metrics" "${tls[@]}")"
check_equal "a client certificate from another CA: the handshake fails" 000 "$(status "$base/metrics" "${tls[@]}" --cert "$pki/rogue.crt" --key "$pki/rogue.key")"
check_equal "min_version TLS13: a TLS 1.2 client is refused" 000 "$(status "$base/metrics" "${tls[@]}" --cert "$pki/client.crt" --key "$pki/client.key" --tls-max 1.2)"

# --- HTTP limits (plain HTTP, no web config) -----------------------------------------------------
start_server limits
base=http://127.0.0.1:$port
check_equal "a 100 KiB request body is refused with 413" 413 \
    "$(head -c 102400 /dev/zero | status "$base/metrics" -X GET -H 'Content-Type: application/octet-stream' --data-binary @-)"
check_equal "a small request body is tolerated" 200 "$(status "$base/metrics" -X GET --data-binary 'x=1')"
check_equal "a 20 KiB header is refused with 400" 400 "$(status "$base/metrics" -H "X-Padding: $(head -c 20480 /dev/zero | tr '\0' a)")"
check_equal "a 20 KiB URL is refused with 400" 400 "$(status "$base/metrics?$(head -c 20480 /dev/zero | tr '\0' a)")"
many=(); for i in $(seq 80); do many+=(-H "X-Header-$i: v"); done
check_equal "80 headers are refused with 400" 400 "$(status "$base/metrics" "${many[@]}")"
check_equal "a POST is not a route" 404 "$(status "$base/metrics" -X POST)"
check_equal "no route serves files by path" 404 "$(status "$base/..%2f..%2fetc%2fpasswd" --path-as-is)"

# Raw sockets: each probe prints what happened and exits 0 when the server closed in time.
cat >"$work/probe.py" <<'EOF'
import socket, sys, time
port, mode, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(0.5)
start = time.monotonic()
def closed():
    try:
        return s.recv(65536) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True
def send(data):
    try:
        s.sendall(data)
        return True
    except (ConnectionResetError, BrokenPipeError):
        return False
if mode == "slowloris":      # a request head, one header line at a time, never finished
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    step = lambda i: send(b"X-Slow-%d: a\r\n" % i)
elif mode == "slow-body":    # a complete head, then the declared body one byte at a time
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n")
    step = lambda i: send(b"a")
elif mode == "idle":         # connects and says nothing
    step = lambda i: True
elif mode == "chunked":      # a body of undeclared size, streamed as fast as possible
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    sent = [0]
    def step(i):
        sent[0] += 1024
        return send(b"400\r\n" + b"a" * 1024 + b"\r\n")
i = 0
while time.monotonic() - start < limit:
    if not step(i) or closed():
        extra = ", %d KiB of body sent" % (sent[0] // 1024) if mode == "chunked" else ""
        print("closed after %.1f s%s" % (time.monotonic() - start, extra))
        sys.exit(0)
    i += 1
print("still open after %.1f s" % (time.monotonic() - start))
sys.exit(1)
EOF
# The idle timeout is 30 s and the request read timeout 10 s (Sources/ModelExporter/EndpointSecurity/HTTPLimits.swift).
# The slow probes run side by side, so this section takes about 30 s rather than 80.
python3 "$work/probe.py" "$port" slowloris 45 >"$work/slowloris" 2>&1 & slowloris_pid=$!
python3 "$work/probe.py" "$port" idle 45 >"$work/idle" 2>&1 & idle_pid=$!
python3 "$work/probe.py" "$port" slow-body 25 >"$work/slow-body" 2>&1 & slow_body_pid=$!
if python3 "$work/probe.py" "$port" chunked 20 >"$work/chunked" 2>&1 && grep -qE ', [0-9] KiB of body sent' "$work/chunked"; then
    ok "an oversized chunked body: connection closed ($(cat "$work/chunked"))"
else
    fail "an oversized chunked body is not cut off" "$(cat "$work/chunked")"
fi
if wait "$slow_body_pid"; then ok "a slow request body: connection closed by the read timeout ($(cat "$work/slow-body"))"; else fail "a slow request body" "$(cat "$work/slow-body")"; fi
if wait "$slowloris_pid"; then ok "a slow request head (slowloris): connection closed by the idle timeout ($(cat "$work/slowloris"))"; else fail "a slow request head (slowloris)" "$(cat "$work/slowloris")"; fi
if wait "$idle_pid"; then ok "an idle connection: closed by the idle timeout ($(cat "$work/idle"))"; else fail "an idle connection" "$(cat "$work/idle")"; fi
check_equal "the server still answers after the slow clients" 200 "$(status "$base/metrics")"

# --- malformed web configs stop the start -----------------------------------------------------------
# refuses NAME EXPECTED-MESSAGE YAML
refuses() {
    local name=$1 message=$2 yaml=$3
    printf '%s\n' "$yaml" >"$pki/bad-$name.yml"
    local rc=0 out
    out=$(timeout 30 "$binary" serve --calllog.path "$work/bad.jsonl" --storage.path "$work/bad.sqlite" \
        --web.listen-address "127.0.0.1:$(free_port)" --web.config.file "$pki/bad-$name.yml" 2>&1) || rc=$?
    if [[ $rc -ne 0 && $rc -ne 124 && $out == *"web config $pki/bad-$name.yml: $message"* && $out != *listening* ]]; then
        ok "malformed web config ($name): exit $rc, \"...${message}...\""
    else
        fail "malformed web config ($name): expected a non-zero exit with \"$message\"" "exit $rc: $out"
    fi
}
refuses unknown-key 'unknown key "basic_auth"' "basic_auth:
  prometheus: $hash"
refuses unreadable-cert 'tls_server_config.cert_file: cannot read' 'tls_server_config:
  cert_file: missing.crt
  key_file: server.key'
refuses wrong-key 'tls_server_config.key_file' 'tls_server_config:
  cert_file: server.crt
  key_file: ca.key'
refuses bad-hash 'basic_auth_users.prometheus: the value is not a bcrypt hash' 'basic_auth_users:
  prometheus: s3cret'
refuses bad-min-version 'tls_server_config.min_version "TLS1.2" is not a TLS version' 'tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS1.2'
refuses ca-missing 'tls_server_config.client_auth_type VerifyClientCertIfGiven needs client_ca_file' 'tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: VerifyClientCertIfGiven'

check_summary
