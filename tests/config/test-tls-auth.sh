#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bootmemd.conf(5) against the real daemon: HTTPS with a self-signed
# certificate made here (openssl) and basic auth checked with curl (right
# password 200, wrong 401, none 401), switched-off endpoints, configuration
# errors at start (exit 2, file:line:key), SIGHUP with a broken and with a good
# file, and the order command line > file > defaults.  Output is TAP.
#
# usage: test-tls-auth.sh BOOTMEMD ROOT
set -u
bin=$1
root=$2

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done
}
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "actual:   $3"; fi; }

for tool in curl openssl; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is missing (bash .ci/deps installs it)"
		echo "1..$n"
		exit 1
	fi
done

tmp=$(mktemp -d /tmp/bootmemd-tls.XXXXXX)
chmod 755 "$tmp"	# readable by the user a daemon started as root becomes
pid=
stop() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop; rm -rf "$tmp"' EXIT

# A self-signed certificate for 127.0.0.1, and a second key that does not match it.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bootmemd-test \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.log" ||
	{ cat "$tmp/openssl.log"; exit 1; }
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$tmp/other.pem" 2>>"$tmp/openssl.log"

# bcrypt, cost 04: "secret" for prometheus, "hunter2" for alice.
h_secret='$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW'
h_hunter2='$2y$04$0123456789abcdefghijkuMzUsKnbNoySc2MK1Mex0VnGDRJQH0zO'

# start CONF [ARGS...]: runs bootmemd on 127.0.0.1:0 (or the config's Listen=), sets $port.
start() {
	local conf=$1
	shift
	: >"$tmp/log"
	"$bin" --root "$root" --config "$conf" "$@" >"$tmp/out" 2>"$tmp/log" &
	pid=$!
	port=
	for _ in $(seq 200); do
		port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -n 1)
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
# code URL [CURL-ARGS...]
code() {
	local url=$1
	shift
	curl -s --max-time 20 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "$url"
}

cat >"$tmp/tls.conf" <<EOF
# HTTPS with basic auth
[Server]
Listen=127.0.0.1:0

[TLS]
CertificateFile=$tmp/cert.pem
KeyFile=$tmp/key.pem

[BasicAuth]
User=prometheus:$h_secret
User=alice:$h_hunter2
EOF

if start "$tmp/tls.conf"; then
	ok "bootmemd starts with TLS and basic auth from the configuration file"
else
	not_ok "bootmemd starts with TLS and basic auth" "$(cat "$tmp/log")"
	echo "1..$n"
	exit 1
fi
grep -q "Listening on 127.0.0.1:$port (TLS)" "$tmp/log" && ok "it says it serves TLS" ||
	not_ok "it says it serves TLS" "$(cat "$tmp/log")"

url=https://127.0.0.1:$port
check_eq "HTTPS, right password: 200" 200 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u prometheus:secret)"
grep -q '^bootmemd_build_info' "$tmp/body" && ok "... and the metrics" || not_ok "... and the metrics" "$(head -c 300 "$tmp/body")"
check_eq "HTTPS, the second user's password: 200" 200 "$(code "$url/api/v1/report" --cacert "$tmp/cert.pem" -u alice:hunter2)"
check_eq "HTTPS, the same again (the cached login): 200" 200 "$(code "$url/api/v1/report" --cacert "$tmp/cert.pem" -u alice:hunter2)"
check_eq "HTTPS, wrong password: 401" 401 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u prometheus:wrong)"
check_eq "HTTPS, another user's password: 401" 401 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u alice:secret)"
check_eq "HTTPS, unknown user: 401" 401 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u mallory:secret)"
check_eq "HTTPS, no password: 401" 401 "$(code "$url/metrics" --cacert "$tmp/cert.pem")"
check_eq "... with one WWW-Authenticate: Basic realm=\"bootmemd\" header" 1 \
	"$(grep -ci '^WWW-Authenticate: Basic realm="bootmemd"' "$tmp/headers")"
code "$url/metrics" --cacert "$tmp/cert.pem" >/dev/null
check_eq "... still one after several 401s" 1 "$(grep -ci '^WWW-Authenticate:' "$tmp/headers")"
check_eq "HTTPS, /healthz needs the password too: 401" 401 "$(code "$url/healthz" --cacert "$tmp/cert.pem")"
check_eq "HTTPS, unknown path with the password: 404" 404 "$(code "$url/nope" --cacert "$tmp/cert.pem" -u prometheus:secret)"
check_eq "HTTPS, POST with the password: 405" 405 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u prometheus:secret -X POST)"
check_eq "the certificate is the one configured (verified against it)" 200 \
	"$(code "$url/healthz" --cacert "$tmp/cert.pem" -u prometheus:secret)"
check_eq "plain HTTP on the TLS port gets no HTTP answer" 000 "$(code "http://127.0.0.1:$port/metrics" -u prometheus:secret)"

# Reload with a broken file: refused, the old configuration keeps serving.
cp "$tmp/tls.conf" "$tmp/tls.conf.good"
printf '[BasicAuth]\nUser=prometheus:%s\n[Server]\nConnectionLimit=100000\n' "$h_secret" >>"$tmp/tls.conf"
kill -HUP "$pid"
for _ in $(seq 50); do grep -q 'Reload refused' "$tmp/log" && break; sleep 0.1; done
line=$(grep -n '^ConnectionLimit=' "$tmp/tls.conf" | cut -d: -f1)
grep -qF "$tmp/tls.conf:$line: [Server] ConnectionLimit=100000: out of range" "$tmp/log" &&
	grep -q 'Reload refused' "$tmp/log" && ok "SIGHUP with a broken file: refused, with file:line:key" ||
	not_ok "SIGHUP with a broken file: refused, with file:line:key" "$(cat "$tmp/log")"
check_eq "... and the old configuration keeps serving" 200 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u prometheus:secret)"

# Reload with a good file: users and endpoints change at once.
sed -e '/^User=alice/d' "$tmp/tls.conf.good" >"$tmp/tls.conf"
printf '[Endpoints]\nEvents=no\nLandingPage=no\n' >>"$tmp/tls.conf"
: >"$tmp/log.mark"
kill -HUP "$pid"
for _ in $(seq 50); do [ "$(grep -c 'Reloading' "$tmp/log")" -ge 2 ] && break; sleep 0.1; done
sleep 0.5
check_eq "SIGHUP with a good file: a removed user is refused at once" 401 \
	"$(code "$url/metrics" --cacert "$tmp/cert.pem" -u alice:hunter2)"
check_eq "... the remaining one gets in" 200 "$(code "$url/metrics" --cacert "$tmp/cert.pem" -u prometheus:secret)"
check_eq "... a switched-off endpoint answers 404" 404 "$(code "$url/api/v1/events" --cacert "$tmp/cert.pem" -u prometheus:secret)"
check_eq "... so does the landing page" 404 "$(code "$url/" --cacert "$tmp/cert.pem" -u prometheus:secret)"
check_eq "... the others still answer" 200 "$(code "$url/api/v1/regions" --cacert "$tmp/cert.pem" -u prometheus:secret)"
stop

# Errors at start: exit status 2 and a message with file, line and key.
start_fails() {	# start_fails DESCRIPTION EXPECTED-MESSAGE CONF-TEXT
	printf '%s' "$3" >"$tmp/bad.conf"
	"$bin" --root "$root" --config "$tmp/bad.conf" --once >/dev/null 2>"$tmp/err"
	local rc=$?
	if [ "$rc" = 2 ] && grep -qF -- "$2" "$tmp/err"; then
		ok "$1: exit 2, \"$2\""
	else
		not_ok "$1: exit 2 with \"$2\"" "exit $rc" "$(cat "$tmp/err")"
	fi
}
start_fails "unknown key" "$tmp/bad.conf:2: unknown key Port in section [Server]" $'[Server]\nPort=1\n'
start_fails "out-of-range number" "$tmp/bad.conf:3: [Server] PerIPConnectionLimit=65537: out of range" \
	$'[Server]\n\nPerIPConnectionLimit=65537\n'
start_fails "bad address" "$tmp/bad.conf:2: [Server] Listen=127.0.0.1:http: not an address" $'[Server]\nListen=127.0.0.1:http\n'
start_fails "unreadable certificate" "$tmp/bad.conf:2: [TLS] CertificateFile=$tmp/none.pem: cannot read the certificate" \
	"$(printf '[TLS]\nCertificateFile=%s/none.pem\nKeyFile=%s/key.pem\n' "$tmp" "$tmp")"
start_fails "a key that is not the certificate's" "$tmp/bad.conf:3: [TLS] KeyFile=$tmp/other.pem: the certificate and key are not a usable pair" \
	"$(printf '[TLS]\nCertificateFile=%s/cert.pem\nKeyFile=%s/other.pem\n' "$tmp" "$tmp")"
start_fails "malformed bcrypt hash" "$tmp/bad.conf:2: [BasicAuth] User=bob:...: malformed bcrypt hash" \
	$'[BasicAuth]\nUser=bob:$2b$04$tooshort\n'
start_fails "missing '='" "$tmp/bad.conf:2: \"Listen 127.0.0.1:1\": missing '='" $'[Server]\nListen 127.0.0.1:1\n'
start_fails "unknown section" "$tmp/bad.conf:1: unknown section [Web]" $'[Web]\n'
"$bin" --root "$root" --config "$tmp/missing.conf" --once >/dev/null 2>"$tmp/err"
check_eq "a missing --config file: exit 2" 2 $?

# Precedence: the command line wins over the file, the file over the defaults.
cat >"$tmp/plain.conf" <<EOF
[Server]
Listen=127.0.0.1:1
[Sources]
Root=/nonexistent
[Endpoints]
Report=no
EOF
if start "$tmp/plain.conf" --listen 127.0.0.1:0; then
	ok "--listen and --root win over Listen= and Root="
	check_eq "... [Endpoints] from the file applies: /api/v1/report 404" 404 "$(code "http://127.0.0.1:$port/api/v1/report")"
	curl -s -o "$tmp/landing" "http://127.0.0.1:$port/"
	grep -q 'href="metrics"' "$tmp/landing" && ! grep -q 'href="api/v1/report"' "$tmp/landing" &&
		ok "... the landing page links /metrics and not the switched-off /api/v1/report" ||
		not_ok "... the landing page links /metrics and not the switched-off /api/v1/report" "$(grep href "$tmp/landing")"
	check_eq "... no [BasicAuth]: no password needed" 200 "$(code "http://127.0.0.1:$port/metrics")"
else
	not_ok "--listen and --root win over Listen= and Root=" "$(cat "$tmp/log")"
fi
stop
printf '[Sources]\nRoot=%s\nMemInfo=no-such-file\n' "$root" >"$tmp/root.conf"
"$bin" --config "$tmp/root.conf" --once --format=json >"$tmp/out" 2>"$tmp/err"
check_eq "Root= from the file applies when --root is not given" 0 $?
python3 -c 'import json, sys; s = {x["name"]: x for x in json.load(open(sys.argv[1]))["sources"]}; sys.exit(s["meminfo"]["present"])' "$tmp/out"
check_eq "... and MemInfo= points the input elsewhere (absent now)" 0 $?
"$bin" --config "$tmp/root.conf" --source meminfo=proc/meminfo --once --format=json >"$tmp/out" 2>"$tmp/err"
python3 -c 'import json, sys; s = {x["name"]: x for x in json.load(open(sys.argv[1]))["sources"]}; sys.exit(not s["meminfo"]["available"])' "$tmp/out"
check_eq "--source meminfo=... wins over MemInfo=" 0 $?
"$bin" --root "$root" --source kernel=x --once >/dev/null 2>"$tmp/err"
check_eq "--source with an unknown name: exit 2" 2 $?

echo "1..$n"
[ "$failed" = 0 ]
