#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs the real bootmemd against a fixture root and checks it from outside:
# the command line, the --once outputs, and the HTTP server with curl (status
# codes, content negotiation, gzip, HEAD, keep-alive, malformed requests),
# sd_notify (READY, STATUS, WATCHDOG, RELOADING, STOPPING), SIGHUP reload,
# SIGTERM, connection limits and socket activation (also re-activation over
# one socket).  Output is TAP.
#
# usage: test-http.sh BOOTMEMD ROOT [full|quick]
#
# "quick" keeps what depends on the root (the --once outputs, promtool, the
# served bodies, negotiation and gzip of /metrics) and leaves out what tests
# the server's mechanics, which one full run covers.
set -u

bin=$1
root=$2
mode=${3:-full}
full() { [ "$mode" = full ]; }
here=$(cd "$(dirname "$0")" && pwd)

for tool in curl python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "1..0 # SKIP $tool is missing (bash .ci/deps installs it)"
		exit 0
	fi
done

# Whatever runs us (CI under a service manager, a developer's shell) must not leak into the daemon.
unset INVOCATION_ID JOURNAL_STREAM NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID LISTEN_FDS LISTEN_PID \
	LISTEN_FDNAMES BOOTMEMD_LOG_LEVEL

tmp=$(mktemp -d /tmp/bootmemd-http.XXXXXX)
# Readable by the unprivileged user a daemon started as root becomes.
chmod 755 "$tmp"
# The main daemon runs as the service manager runs it (DynamicUser): not root, so that a reload
# re-reads the sources.  Started as root, it drops privileges (tested below).
as_user=()
[ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
# An empty configuration file, so that one installed on this machine does not change what we test.
: >"$tmp/empty.conf"
conf=(--config "$tmp/empty.conf")
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	shift
	for l in "$@"; do echo "# $l"; done
}
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc" "command: $*" "$(head -c 2000 "$tmp/check.out")"
	fi
}
# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected: $2" "actual:   $3"
	fi
}
# Exit status of a command, its output discarded.
status_of() {
	"$@" >/dev/null 2>&1
	echo $?
}
# wait_for FILE PATTERN: up to 20 s (sanitizer builds start slowly).
wait_for() {
	for _ in $(seq 200); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# wait_count FILE REGEX N: until N lines of FILE match (10 s at most).
wait_count() {
	for _ in $(seq 100); do
		[ "$(grep -cE "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}
json_ok() { python3 -c 'import json, sys; json.load(sys.stdin)' <"$1"; }
same_file() { cmp -s "$1" "$2"; }
# The report's metrics: /metrics less the daemon's self-metrics, which --once does not have.
self_metrics='bootmemd_config_last_reload_|process_start_time_seconds'
same_metrics() { cmp -s <(grep -Ev "$self_metrics" "$1") <(grep -Ev "$self_metrics" "$2"); }
# raw_status REQUEST: the status line MHD answers a hand-made request with ('' if it just closes).
raw_status() {
	python3 - "$port" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
req = sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
try:
    s.sendall(req)
except OSError:
    pass            # MHD may answer and close before reading all of it
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
print(data.split(b"\r\n")[0].decode("latin-1") if b"\r\n" in data else "")
PY
}

# ---------------------------------------------------------------- command line

if full; then
	check "--help exits 0 and documents the exit codes" bash -c "'$bin' --help | grep -q 'Exit status'"
	check "--version prints the version" bash -c "'$bin' --version | grep -qE '^bootmemd [0-9]'"
	check_eq "an unknown option exits 2" 2 "$(status_of "$bin" --bogus)"
	check_eq "a missing option argument exits 2" 2 "$(status_of "$bin" --root)"
	check_eq "an unknown --format exits 2" 2 "$(status_of "$bin" "${conf[@]}" --once --format=xml --root "$root")"
	check_eq "--format without --once exits 2" 2 "$(status_of "$bin" "${conf[@]}" --format=json --root "$root")"
	check_eq "--listen with --once exits 2" 2 "$(status_of "$bin" "${conf[@]}" --once --listen 127.0.0.1:1 --root "$root")"
	check_eq "a stray argument exits 2" 2 "$(status_of "$bin" "${conf[@]}" --once --root "$root" extra)"
	for bad in 127.0.0.1 127.0.0.1:65536 127.0.0.1:x ::1:80 '[::1]80' '[127.0.0.1]:80' localhost:80 '' :; do
		check_eq "--listen '$bad' is rejected with exit 2" 2 "$(status_of "$bin" "${conf[@]}" --listen "$bad" --root "$root")"
	done
	check_eq "--config naming a missing file exits 2" 2 "$(status_of "$bin" --once --config /nonexistent.conf --root "$root")"

	"$bin" "${conf[@]}" --once --root /nonexistent >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check_eq "--root /nonexistent exits 2" 2 "$rc"
	check "--root /nonexistent says why" grep -q '/nonexistent.*No such file or directory' "$tmp/err"
	check "--root /nonexistent prints no report" test ! -s "$tmp/out"
	"$bin" "${conf[@]}" --once --root "$root/proc/meminfo" >/dev/null 2>"$tmp/err"
	check_eq "--root naming a file exits 2" 2 "$?"
	check "--root naming a file says why" grep -q 'Not a directory' "$tmp/err"

	# Logging: "<N>" prefixes under a service manager that is not the journal, plain lines otherwise.
	INVOCATION_ID=0123456789abcdef "$bin" "${conf[@]}" --once --root /nonexistent 2>"$tmp/err" >/dev/null </dev/null
	check "under systemd, errors carry the <3> prefix" grep -q '^<3>Cannot use --root' "$tmp/err"
	"$bin" "${conf[@]}" --once --root /nonexistent 2>"$tmp/err" >/dev/null
	check "outside systemd, errors are plain lines" grep -q '^Cannot use --root' "$tmp/err"
	if [ ! -S /run/systemd/journal/socket ]; then
		# stderr is the journal stream, but there is no journal to send to: prefixes, not silence.
		: >"$tmp/jerr"
		JOURNAL_STREAM=$(stat -c %d:%i "$tmp/jerr") "$bin" "${conf[@]}" --once --root /nonexistent \
			2>>"$tmp/jerr" >/dev/null
		check "on the journal stream without a journal socket, errors carry the <3> prefix" \
			grep -q '^<3>Cannot use --root' "$tmp/jerr"
	fi
	BOOTMEMD_LOG_LEVEL=loud "$bin" --version 2>"$tmp/err" >/dev/null
	check "a bad \$BOOTMEMD_LOG_LEVEL is named in a warning" grep -q 'BOOTMEMD_LOG_LEVEL=loud' "$tmp/err"
	BOOTMEMD_LOG_LEVEL=crit "$bin" "${conf[@]}" --once --root /nonexistent 2>"$tmp/err" >/dev/null
	check "BOOTMEMD_LOG_LEVEL=crit silences errors" test ! -s "$tmp/err"
fi

# ---------------------------------------------------------------- --once

for f in text json prometheus openmetrics svg; do
	"$bin" "${conf[@]}" --once --root "$root" --format=$f >"$tmp/once.$f" 2>"$tmp/once.$f.err"
	check_eq "--once --format=$f exits 0" 0 "$?"
	check "--once --format=$f prints a report" test -s "$tmp/once.$f"
done
"$bin" "${conf[@]}" --once --root "$root" >"$tmp/once.default" 2>/dev/null
check "--once defaults to the text report" same_file "$tmp/once.default" "$tmp/once.text"
check "--once --format=json is valid JSON" json_ok "$tmp/once.json"
check "--once --format=openmetrics ends with # EOF" bash -c "tail -n 1 '$tmp/once.openmetrics' | grep -qx '# EOF'"
check "--once --format=prometheus ends with a newline" bash -c "[ \"\$(tail -c 1 '$tmp/once.prometheus' | od -An -c | tr -d ' ')\" = '\\n' ]"
if command -v promtool >/dev/null; then
	check "promtool check metrics passes on --once --format=prometheus" \
		bash -c "promtool check metrics <'$tmp/once.prometheus'"
else
	not_ok "promtool is installed (Debian package prometheus)"
fi

# ---------------------------------------------------------------- the server

# A copy of the root, so that a reload can be made to fail by moving it away.
cp -a "$root" "$tmp/root"

python3 "$here/notify-listener.py" "$tmp/notify.sock" "$tmp/notify.log" &
pids+=($!)
wait_for "$tmp/notify.log" '^listening$' || echo "# the notify listener did not start"

have_ipv6=false
if [ -s /proc/net/if_inet6 ] && grep -q '^0*1 ' /proc/net/if_inet6; then
	have_ipv6=true
fi
listen=(--listen 127.0.0.1:0)
$have_ipv6 && listen+=(--listen '[::1]:0')

# WATCHDOG_PID must be the daemon's own PID: set it in the shell that execs it.
NOTIFY_SOCKET="$tmp/notify.sock" WATCHDOG_USEC=400000 BOOTMEMD_LOG_LEVEL=debug \
	bash -c 'export WATCHDOG_PID=$$; exec "$@"' - "${as_user[@]}" "$bin" "${conf[@]}" --root "$tmp/root" "${listen[@]}" \
	2>"$tmp/daemon.err" &
daemon=$!
pids+=($daemon)

if ! wait_for "$tmp/daemon.err" '^Listening on 127\.0\.0\.1:[0-9]+\.$'; then
	not_ok "the daemon starts and listens" "$(cat "$tmp/daemon.err")"
	echo "1..$n"
	exit 1
fi
ok "the daemon starts and listens"
port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\)\.$/\1/p' "$tmp/daemon.err")
url=http://127.0.0.1:$port

check "READY=1 is sent" wait_for "$tmp/notify.log" 'READY=1'
check "READY=1 comes with a STATUS= summary" wait_for "$tmp/notify.log" 'READY=1 STATUS=.+'
check "WATCHDOG=1 pings arrive" wait_for "$tmp/notify.log" '^WATCHDOG=1$'

# get NAME [curl options...] -- PATH: body to $tmp/NAME, headers to $tmp/NAME.h, status to stdout.
get() {
	local name=$1
	shift
	local args=()
	while [ "$1" != "--" ]; do args+=("$1"); shift; done
	curl -s -o "$tmp/$name" -D "$tmp/$name.h" -w '%{http_code}' "${args[@]}" "$url$2"
}
header() { grep -i "^$2:" "$tmp/$1.h" | head -n 1 | cut -d: -f2- | sed 's/^ *//; s/\r$//'; }

prom_accept='application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1'
prom2_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
text_ct='text/plain; version=0.0.4; charset=utf-8'
om_ct='application/openmetrics-text; version=1.0.0; charset=utf-8'

check_eq "GET / is 200" 200 "$(get landing -- /)"
check_eq "GET / is HTML" 'text/html; charset=utf-8' "$(header landing Content-Type)"
check "the landing page links /metrics" grep -q 'href="metrics"' "$tmp/landing"
check_eq "GET /healthz is 200" 200 "$(get healthz -- /healthz)"
check_eq "GET /healthz says ok" ok "$(cat "$tmp/healthz")"
check_eq "GET /map.svg is 200" 200 "$(get map -- /map.svg)"
check_eq "GET /map.svg is SVG" image/svg+xml "$(header map Content-Type)"
check "GET /map.svg serves the bytes of --once --format=svg" same_file "$tmp/map" "$tmp/once.svg"
check "the landing page shows the map" grep -q 'src="map.svg"' "$tmp/landing"

check_eq "GET /metrics is 200" 200 "$(get m.plain -- /metrics)"
check_eq "GET /metrics without Accept is text 0.0.4" "$text_ct" "$(header m.plain Content-Type)"
check_eq "GET /metrics says Vary: Accept, Accept-Encoding" 'Accept, Accept-Encoding' "$(header m.plain Vary)"
check "GET /metrics serves the bytes of --once --format=prometheus" same_metrics "$tmp/m.plain" "$tmp/once.prometheus"
check "GET /metrics says the last load worked" grep -qx 'bootmemd_config_last_reload_successful 1' "$tmp/m.plain"
if command -v promtool >/dev/null; then
	check "promtool check metrics passes on the served /metrics" bash -c "promtool check metrics <'$tmp/m.plain'"
fi

get m.om -H "Accept: $prom_accept" -- /metrics >/dev/null
check_eq "Prometheus 3's Accept header gets OpenMetrics" "$om_ct" "$(header m.om Content-Type)"
check "the OpenMetrics body ends with # EOF" bash -c "tail -n 1 '$tmp/m.om' | grep -qx '# EOF'"
check "GET /metrics as OpenMetrics serves the bytes of --once --format=openmetrics" same_metrics "$tmp/m.om" "$tmp/once.openmetrics"
get m.om2 -H "Accept: $prom2_accept" -- /metrics >/dev/null
check_eq "Prometheus 2's Accept header gets OpenMetrics" "$om_ct" "$(header m.om2 Content-Type)"
if full; then
	get m.t1 -H 'Accept: text/plain' -- /metrics >/dev/null
	check_eq "Accept: text/plain gets text 0.0.4" "$text_ct" "$(header m.t1 Content-Type)"
	get m.t2 -H 'Accept: application/openmetrics-text;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.5' -- /metrics >/dev/null
	check_eq "text preferred by q-value gets text" "$text_ct" "$(header m.t2 Content-Type)"
	get m.t3 -H 'Accept: application/openmetrics-text;version=2.0.0' -- /metrics >/dev/null
	check_eq "an OpenMetrics version we do not serve falls back to text" "$text_ct" "$(header m.t3 Content-Type)"
	get m.t4 -H 'Accept: application/openmetrics-text;q=0' -- /metrics >/dev/null
	check_eq "OpenMetrics with q=0 gets text" "$text_ct" "$(header m.t4 Content-Type)"
	get m.t5 -H 'Accept: image/png' -- /metrics >/dev/null
	check_eq "an Accept header we cannot meet still gets text" "$text_ct" "$(header m.t5 Content-Type)"
fi

# gzip: compare the decompressed body with the plain one.
for v in "plain::" "om:Accept: $prom_accept"; do
	name=${v%%:*}
	hdr=${v#*:}
	args=(-H 'Accept-Encoding: gzip')
	[ -n "$hdr" ] && args+=(-H "$hdr")
	get "m.$name.gz" "${args[@]}" -- /metrics >/dev/null
	check_eq "gzip is served for /metrics ($name) when Accept-Encoding allows it" gzip "$(header "m.$name.gz" Content-Encoding)"
	gzip -dc <"$tmp/m.$name.gz" >"$tmp/m.$name.gunzip" 2>/dev/null
	check "the gzip body of /metrics ($name) decompresses to the plain body" same_file "$tmp/m.$name.gunzip" "$tmp/m.${name}"
done
if full; then
	get m.id -H 'Accept-Encoding: gzip;q=0, identity' -- /metrics >/dev/null
	check_eq "gzip;q=0 gets no gzip" '' "$(header m.id Content-Encoding)"
	get m.id2 -H 'Accept-Encoding: identity' -- /metrics >/dev/null
	check_eq "Accept-Encoding: identity gets no gzip" '' "$(header m.id2 Content-Encoding)"
	get m.star -H 'Accept-Encoding: *' -- /metrics >/dev/null
	check_eq "Accept-Encoding: * gets gzip" gzip "$(header m.star Content-Encoding)"
	get m.pref -H 'Accept-Encoding: gzip;q=0.5, identity;q=1' -- /metrics >/dev/null
	check_eq "identity preferred over gzip gets no gzip" '' "$(header m.pref Content-Encoding)"
fi

check_eq "GET /api/v1/report is 200" 200 "$(get report -- /api/v1/report)"
check_eq "/api/v1/report is JSON" application/json "$(header report Content-Type)"
check "/api/v1/report is valid JSON" json_ok "$tmp/report"
check "/api/v1/report is the --once JSON report" same_file "$tmp/report" "$tmp/once.json"
get report.gz -H 'Accept-Encoding: gzip' -- /api/v1/report >/dev/null
gzip -dc <"$tmp/report.gz" >"$tmp/report.gunzip" 2>/dev/null
check "the gzip body of /api/v1/report decompresses to the plain body" same_file "$tmp/report.gunzip" "$tmp/report"
check_eq "GET /api/v1/regions is 200" 200 "$(get regions -- /api/v1/regions)"
check "/api/v1/regions is valid JSON" json_ok "$tmp/regions"
check_eq "GET /api/v1/events is 200" 200 "$(get events -- /api/v1/events)"
check "/api/v1/events is valid JSON" json_ok "$tmp/events"

if full; then
	check_eq "?kind=bogus is 400" 400 "$(get ev.bad -- '/api/v1/events?kind=bogus')"
	check_eq "?kind=bogus answers JSON" application/json "$(header ev.bad Content-Type)"
	check "?kind=bogus says what was wrong" grep -q '"error"' "$tmp/ev.bad"
	check_eq "?tag=bogus is 400" 400 "$(get ev.bad2 -- '/api/v1/events?tag=bogus')"
	check "?tag=%FF (not UTF-8) is 400 with a JSON body" bash -c \
		"[ \"\$(curl -s -o '$tmp/ev.bad3' -w '%{http_code}' '$url/api/v1/events?tag=%FF')\" = 400 ] && grep -q '\"error\"' '$tmp/ev.bad3'"
	# A view is rendered on the worker the first time and kept: the same bytes every time, gzip too.
	check_eq "?kind=alloc&tag=initrd is 200" 200 "$(get ev.v1 -- '/api/v1/events?kind=alloc&tag=initrd')"
	get ev.v2 -- '/api/v1/events?kind=alloc&tag=initrd' >/dev/null
	check "?kind=alloc&tag=initrd is valid JSON" json_ok "$tmp/ev.v1"
	check "a view has the same bytes the second time" same_file "$tmp/ev.v1" "$tmp/ev.v2"
	get ev.vgz -H 'Accept-Encoding: gzip' -- '/api/v1/events?kind=alloc&tag=initrd' >/dev/null
	gzip -dc <"$tmp/ev.vgz" >"$tmp/ev.vgunzip" 2>/dev/null
	check "a view's gzip body decompresses to its plain body" same_file "$tmp/ev.vgunzip" "$tmp/ev.v1"
	check_eq "an empty ?kind= is no filter" 200 "$(get ev.empty -- '/api/v1/events?kind=')"
	check "an empty ?kind= serves every event" same_file "$tmp/ev.empty" "$tmp/events"
fi

if full; then
	# HEAD: the same headers, Content-Length included, and no body.
	for path in / /healthz /metrics /api/v1/report /api/v1/regions /api/v1/events /map.svg; do
		curl -s -I -D "$tmp/head.h" -o "$tmp/head.body" "$url$path" >/dev/null
		curl -s -D "$tmp/getx.h" -o "$tmp/getx.body" "$url$path" >/dev/null
		head_len=$(grep -i '^Content-Length:' "$tmp/head.h" | tr -dc 0-9)
		check_eq "HEAD $path has the Content-Length of GET" "$(stat -c %s "$tmp/getx.body")" "$head_len"
		check_eq "HEAD $path has the Content-Type of GET" "$(grep -i '^Content-Type:' "$tmp/getx.h")" \
			"$(grep -i '^Content-Type:' "$tmp/head.h")"
	done
	# curl -I does not read a body; a raw HEAD shows that none is sent.
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'HEAD /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n' >&3
	timeout 5 cat <&3 >"$tmp/head.raw"
	exec 3<&-
	check "HEAD sends no body" bash -c "[ \"\$(sed -n '/^\r\$/,\$p' '$tmp/head.raw' | wc -c)\" = 2 ]"
	curl -s -I -H 'Accept-Encoding: gzip' -D "$tmp/headgz.h" -o /dev/null "$url/metrics"
	curl -s -H 'Accept-Encoding: gzip' -o "$tmp/getgz.body" "$url/metrics"
	check_eq "HEAD with gzip has the gzip Content-Length" "$(stat -c %s "$tmp/getgz.body")" \
		"$(grep -i '^Content-Length:' "$tmp/headgz.h" | tr -dc 0-9)"

	check_eq "an unknown path is 404" 404 "$(get nf -- /nope)"
	check_eq "a path with a trailing slash is 404" 404 "$(get nf2 -- /metrics/)"
	check_eq "POST /metrics is 405" 405 "$(get post -X POST -d x=1 -- /metrics)"
	check_eq "405 says Allow: GET, HEAD" 'GET, HEAD' "$(header post Allow)"
	check_eq "DELETE / is 405" 405 "$(get del -X DELETE -- /)"
	check_eq "PUT on an unknown path is 404" 404 "$(get put -X PUT -d x -- /nope)"

	# Malformed requests: MHD answers these itself.
	check_eq "HTTP/1.1 without Host is 400" 'HTTP/1.1 400 Bad Request' "$(raw_status 'GET /metrics HTTP/1.1\r\n\r\n')"
	check_eq "a bad Content-Length is 400" 'HTTP/1.1 400 Bad Request' \
		"$(raw_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n')"
	check_eq "a header line without a colon is 400" 'HTTP/1.1 400 Bad Request' \
		"$(raw_status 'GET /metrics HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n')"
	check_eq "an unknown HTTP version is 505" 'HTTP/1.1 505 HTTP Version Not Supported' \
		"$(raw_status 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n')"
	check_eq "headers over the connection memory limit are 431" 'HTTP/1.1 431 Request Header Fields Too Large' \
		"$(raw_status "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: $(head -c 40000 /dev/zero | tr '\0' a)\r\n\r\n")"
	# A request line that cannot be split into method, target and version: MHD 0.9.75 closes without a status.
	check_eq "a request line of garbage gets the connection closed" '' "$(raw_status 'GARBAGE\r\n\r\n')"
	check_eq "the server still answers after the garbage" 200 "$(get healthz2 -- /healthz)"

	check "two requests share one keep-alive connection" bash -c \
		"curl -sv -o /dev/null -o /dev/null '$url/metrics' '$url/healthz' 2>&1 | grep -q 'Re-using existing connection'"

	if $have_ipv6; then
		port6=$(sed -n 's/^Listening on \[::1\]:\([0-9]*\)\.$/\1/p' "$tmp/daemon.err")
		check_eq "the second --listen address ([::1]) serves too" 200 \
			"$(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$port6/healthz")"
	else
		ok "the second --listen address ([::1]) serves too # SKIP no IPv6 loopback"
	fi

	# SIGHUP: a failed reload keeps the old responses, a good one swaps.
	mv "$tmp/root" "$tmp/root.away"
	lines_before=$(wc -l <"$tmp/notify.log")
	kill -HUP "$daemon"
	check "a failed reload is logged" wait_for "$tmp/daemon.err" 'Reload failed'
	check_eq "after a failed reload /metrics is still 200" 200 "$(get m.after -- /metrics)"
	check "after a failed reload /metrics serves the old figures" same_metrics "$tmp/m.after" "$tmp/m.plain"
	check "after a failed reload bootmemd_config_last_reload_successful is 0" \
		grep -qx 'bootmemd_config_last_reload_successful 0' "$tmp/m.after"
	check "a reload says RELOADING=1, then READY=1" bash -c \
		"sleep 0.5; tail -n +$((lines_before + 1)) '$tmp/notify.log' | grep -v WATCHDOG | tr '\n' ' ' | grep -q 'RELOADING=1.*READY=1'"
	mv "$tmp/root.away" "$tmp/root"
	kill -HUP "$daemon"
	# The start logged one such line already: wait for the second.
	check "a good reload is logged and swapped the responses" wait_count "$tmp/daemon.err" '^Read .* and rendered' 2
	check_eq "after a good reload /metrics is 200" 200 "$(get m.after2 -- /metrics)"
	check "after a good reload /metrics has the same figures" same_metrics "$tmp/m.after2" "$tmp/m.plain"
	check "after a good reload bootmemd_config_last_reload_successful is 1" \
		grep -qx 'bootmemd_config_last_reload_successful 1' "$tmp/m.after2"
	check "the daemon is still running after the reloads" kill -0 "$daemon"

	# A second daemon on the same port fails with a runtime error.
	"$bin" "${conf[@]}" --root "$root" --listen "127.0.0.1:$port" >/dev/null 2>"$tmp/busy.err"
	check_eq "a port in use exits 1" 1 "$?"
	check "a port in use is named in the error" grep -q "Failed to listen on 127.0.0.1:$port" "$tmp/busy.err"
fi

kill -TERM "$daemon"
wait "$daemon"
check_eq "SIGTERM stops the daemon with exit 0" 0 "$?"
check "STOPPING=1 is sent" wait_for "$tmp/notify.log" 'STOPPING=1'
check "the daemon reports no sanitizer finding" bash -c "! grep -qE 'Sanitizer|runtime error' '$tmp/daemon.err'"

# ---------------------------------------------------------------- limits

if full; then
	# Small limits from a configuration file: 3 connections per address, 2 s for a request's headers,
	# 4 s of idle time.
	printf '[Server]\nPerIPConnectionLimit=3\nHeaderTimeoutSec=2\nConnectionTimeoutSec=4\n' >"$tmp/limits.conf"
	"$bin" --config "$tmp/limits.conf" --root "$root" --listen 127.0.0.1:0 2>"$tmp/limits.err" &
	limited=$!
	pids+=($limited)
	if wait_for "$tmp/limits.err" '^Listening on 127\.0\.0\.1:[0-9]+\.$'; then
		lport=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\)\.$/\1/p' "$tmp/limits.err")
		python3 - "$lport" >"$tmp/limits.out" 2>&1 <<'PY'
import select, socket, sys, time
port = int(sys.argv[1])
def conn(src="127.0.0.1"):
    s = socket.socket()
    s.settimeout(10)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s
def status(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        return s.recv(4096).split(b"\r\n")[0].decode()
    except OSError:
        return ""
def closed_now(s, wait=0.3):
    r, _, _ = select.select([s], [], [], wait)
    try:
        return bool(r) and s.recv(1) == b""
    except OSError:
        return True
def wait_closed(s, limit):
    t = time.monotonic()
    while time.monotonic() - t < limit:
        if closed_now(s):
            return time.monotonic()
    return None
t0 = time.monotonic()
# From another address, so that the per-address limit leaves it alone.
slow = conn("127.0.0.2")
slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
idle = [conn() for _ in range(3)]
time.sleep(0.2)
extra = conn()
print("over the limit:", repr(status(extra)))
print("the oldest idle one closed for it:", closed_now(idle[0]), "the others open:",
      not closed_now(idle[1]) and not closed_now(idle[2]))
# The slow one sends a byte every few tenths of a second: bytes do not extend its deadline.
while time.monotonic() - t0 < 8:
    try:
        slow.sendall(b"X")
    except OSError:
        break
    if closed_now(slow):
        break
print("a trickle of bytes closed after %.1f s" % (time.monotonic() - t0))
t = wait_closed(idle[1], 8)
print("no request closed after %.1f s" % ((t or 99) - t0))
served = time.monotonic()
print("the served one open past the header deadline:", not closed_now(extra))
t = wait_closed(extra, 8)
print("the served one closed %.1f s after its response" % ((t or 99) - served))
print("a fresh client:", repr(status(conn())))
PY
		check "a 4th connection from one address gets in at PerIPConnectionLimit=3" \
			grep -qx "over the limit: 'HTTP/1.1 200 OK'" "$tmp/limits.out"
		check "... and the one that waited longest is closed to make room, the others are not" \
			grep -qx "the oldest idle one closed for it: True the others open: True" "$tmp/limits.out"
		check "a trickle of header bytes is closed at HeaderTimeoutSec=2" \
			grep -qE '^a trickle of bytes closed after (1\.[5-9]|2\.|3\.[0-5])' "$tmp/limits.out"
		check "a connection that sends no request is closed at HeaderTimeoutSec=2" \
			grep -qE '^no request closed after (1\.[5-9]|2\.|3\.[0-5])' "$tmp/limits.out"
		check "a keep-alive connection is kept past the header deadline" \
			grep -qx "the served one open past the header deadline: True" "$tmp/limits.out"
		check "... and closed at ConnectionTimeoutSec=4 after its response" \
			grep -qE '^the served one closed [0-6]\.[0-9] s after its response' "$tmp/limits.out"
		check "a fresh client is answered" grep -qx "a fresh client: 'HTTP/1.1 200 OK'" "$tmp/limits.out"
	else
		not_ok "a daemon with small limits starts" "$(cat "$tmp/limits.err")"
	fi
	kill -TERM "$limited"
	wait "$limited"
	check_eq "the daemon with small limits stops with exit 0" 0 "$?"
fi

# ---------------------------------------------------------------- socket activation

if ! full; then
	:
elif command -v systemd-socket-activate >/dev/null; then
	sa_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	systemd-socket-activate -l "127.0.0.1:$sa_port" "$bin" "${conf[@]}" --root "$root" --listen 127.0.0.1:1 \
		>/dev/null 2>"$tmp/sa.err" &
	sa=$!
	pids+=($sa)
	wait_for "$tmp/sa.err" 'Listening' >/dev/null
	check_eq "a socket passed by the service manager serves" 200 \
		"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$sa_port/healthz")"
	check "the passed socket wins over --listen, and says so" grep -q 'ignoring --listen' "$tmp/sa.err"
	kill -TERM "$sa"
	wait "$sa"
	check_eq "the socket-activated daemon stops with exit 0" 0 "$?"
else
	ok "socket activation # SKIP systemd-socket-activate is missing"
fi

# ---------------------------------------------------------------- least privilege
# Started as root: the inputs are read as root, then the serving process is an unprivileged user
# with no capability, NoNewPrivs and a seccomp filter; a reload keeps the sources.
if full && [ "$(id -u)" = 0 ]; then
	: >"$tmp/notify-root.log"
	python3 "$here/notify-listener.py" "$tmp/notify-root.sock" "$tmp/notify-root.log" &
	pids+=($!)
	wait_for "$tmp/notify-root.log" '^listening$' || echo "# the notify listener did not start"
	NOTIFY_SOCKET="$tmp/notify-root.sock" "$bin" "${conf[@]}" --root "$root" --listen 127.0.0.1:0 \
		2>"$tmp/root.err" &
	rootd=$!
	pids+=($rootd)
	if wait_for "$tmp/root.err" '^Listening on 127\.0\.0\.1:[0-9]+\.$'; then
		rport=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\)\.$/\1/p' "$tmp/root.err")
		st=/proc/$rootd/status
		check_eq "started as root, it serves as nobody" "$(id -u nobody)" "$(awk '/^Uid:/ { print $3 }' "$st")"
		check_eq "... with every id changed (real, effective, saved)" "$(id -u nobody) $(id -u nobody) $(id -u nobody)" \
			"$(awk '/^Uid:/ { print $2, $3, $4 }' "$st")"
		check_eq "... and no supplementary group" "" "$(awk '/^Groups:/ { print $2 }' "$st")"
		for f in CapEff CapPrm CapInh CapAmb CapBnd; do
			check_eq "... $f is empty" 0000000000000000 "$(awk "/^$f:/ { print \$2 }" "$st")"
		done
		check_eq "... NoNewPrivs is set" 1 "$(awk '/^NoNewPrivs:/ { print $2 }' "$st")"
		check_eq "... a seccomp filter is loaded" 2 "$(awk '/^Seccomp:/ { print $2 }' "$st")"
		check "... and says so" grep -q '^Serving as user nobody' "$tmp/root.err"
		for p in / /metrics /api/v1/report /api/v1/regions /api/v1/events /healthz /map.svg; do
			check_eq "under the filter, GET $p is 200" 200 \
				"$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rport$p")"
		done
		check_eq "under the filter, gzip is served" 200 \
			"$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' "http://127.0.0.1:$rport/metrics")"
		check "READY=1 reaches the manager from the unprivileged process" wait_for "$tmp/notify-root.log" 'READY=1'
		curl -s -o "$tmp/root.m1" "http://127.0.0.1:$rport/metrics"
		kill -HUP "$rootd"
		check "a reload after the drop re-reads the configuration and keeps the sources" \
			wait_for "$tmp/root.err" 'the sources were read as root at start and are kept'
		curl -s -o "$tmp/root.m2" "http://127.0.0.1:$rport/metrics"
		check "after that reload /metrics has the same figures" same_metrics "$tmp/root.m1" "$tmp/root.m2"
		kill -TERM "$rootd"
		wait "$rootd"
		check_eq "SIGTERM stops the unprivileged daemon with exit 0" 0 "$?"
		check "STOPPING=1 reaches the manager" wait_for "$tmp/notify-root.log" 'STOPPING=1'
		check "no system call was refused" bash -c "! grep -qiE 'Operation not permitted|Sanitizer|runtime error' '$tmp/root.err'"
	else
		not_ok "started as root, the daemon listens" "$(cat "$tmp/root.err")"
	fi
	check_eq "--user=root is refused with exit 1" 1 \
		"$(status_of "$bin" "${conf[@]}" --root "$root" --listen 127.0.0.1:0 --user=root)"
	"$bin" "${conf[@]}" --root "$root" --listen 127.0.0.1:0 --user=no-such-user-here 2>"$tmp/nouser.err"
	check_eq "an unknown --user is refused with exit 1" 1 "$?"
	check "... and named" grep -q 'no such user "no-such-user-here"' "$tmp/nouser.err"
fi

# Re-activation: the manager's socket outlives the daemon (MHD_USE_ITC, no shutdown() of it).
if full; then
	python3 "$here/fake-manager.py" "$bin" "${conf[@]}" --root "$root" >"$tmp/manager.out" 2>"$tmp/manager.err"
	check "socket activation: the first daemon serves" grep -qx 'first daemon: HTTP/1.1 200 OK' "$tmp/manager.out"
	check "socket activation: the first daemon stops with exit 0" grep -qx 'first daemon exit: 0' "$tmp/manager.out"
	check "socket activation: the manager's socket still listens after the daemon stopped" \
		grep -qx 'socket after stop: listening' "$tmp/manager.out"
	check "socket activation: a second daemon serves on the same socket" \
		grep -qx 'second daemon: HTTP/1.1 200 OK' "$tmp/manager.out"
	check "socket activation: the connection that waited in between is served" \
		grep -qx 'waiting connection: HTTP/1.1 200 OK' "$tmp/manager.out"
	check "socket activation: the second daemon stops with exit 0" grep -qx 'second daemon exit: 0' "$tmp/manager.out"
	check "socket activation: no sanitizer finding" bash -c "! grep -qE 'Sanitizer|runtime error' '$tmp/manager.err'"
fi

echo "1..$n"
[ "$failed" = 0 ]
