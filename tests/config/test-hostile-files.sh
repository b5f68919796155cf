#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A FIFO, a directory, a link to /dev/zero and a symbolic link loop where the
# configuration file, a TLS file or an input should be, against the real
# daemon at start: a clear error within a second (exit 2 for the
# configuration and TLS files; for the inputs, a report that says what was
# there), the rest served, and SIGTERM honoured; then the same on reload, with
# the hostile things planted under a running daemon.  Output is TAP.
#
# usage: test-hostile-files.sh BOOTMEMD ROOT
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

tmp=$(mktemp -d /tmp/bootmemd-hostile.XXXXXX)
pid=
stop() {
	if [ -n "$pid" ]; then
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	fi
}
trap 'stop; rm -rf "$tmp"' EXIT

ms() { echo $(($(date +%s%N) / 1000000)); }

# sigterm_within_1s WHAT: SIGTERM stops $pid within a second, with exit 0.
sigterm_within_1s() {
	local t0 t rc
	t0=$(ms)
	kill -TERM "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
	t=$(($(ms) - t0))
	if kill -0 "$pid" 2>/dev/null; then
		not_ok "$1: SIGTERM within 1000 ms"
		stop
		return
	fi
	wait "$pid"
	rc=$?
	pid=
	[ "$rc" = 0 ] && ok "$1: SIGTERM stops it in $t ms, exit 0" || not_ok "$1: SIGTERM exit 0" "exit $rc"
}

# plant KIND PATH: puts a hostile thing at PATH.
plant() {
	mkdir -p "$(dirname "$2")"
	case $1 in
	fifo) mkfifo "$2" ;;
	dir) mkdir "$2" ;;
	zero) ln -s /dev/zero "$2" ;;
	loop) ln -s "$(basename "$2")" "$2" ;;
	esac
}
declare -A says=(
	[fifo]="not a regular file"
	[dir]="Is a directory"
	[zero]="not a regular file"
	[loop]="Too many levels of symbolic links"
)

# expect_fail WHAT NEEDLE ARGS...: exit 2 within a second, NEEDLE on stderr.
expect_fail() {
	local what=$1 needle=$2 t0 t rc
	shift 2
	t0=$(ms)
	timeout 10 "$bin" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	t=$(($(ms) - t0))
	if [ "$rc" = 2 ] && [ "$t" -lt 1000 ] && grep -q "$needle" "$tmp/err"; then
		ok "$what: exit 2 in $t ms, \"$needle\""
	else
		not_ok "$what: exit 2 within 1000 ms, \"$needle\"" "exit $rc after $t ms" "$(cat "$tmp/err")"
	fi
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bootmemd-test \
	-keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.log" || { cat "$tmp/openssl.log"; exit 1; }

: >"$tmp/empty.conf"
for kind in fifo dir zero loop; do
	d=$tmp/$kind
	mkdir -p "$d"

	plant "$kind" "$d/bootmemd.conf"
	expect_fail "--config as $kind" "${says[$kind]}" --root "$root" --config "$d/bootmemd.conf" --once

	plant "$kind" "$d/cert.pem"
	printf '[TLS]\nCertificateFile=%s\nKeyFile=%s\n' "$d/cert.pem" "$tmp/key.pem" >"$d/cert.conf"
	expect_fail "TLS certificate as $kind" "cannot read the certificate: ${says[$kind]}" \
		--root "$root" --config "$d/cert.conf" --once

	plant "$kind" "$d/key.pem"
	printf '[TLS]\nCertificateFile=%s\nKeyFile=%s\n' "$tmp/cert.pem" "$d/key.pem" >"$d/key.conf"
	expect_fail "TLS key as $kind" "cannot read the key: ${says[$kind]}" \
		--root "$root" --config "$d/key.conf" --once

	# Every input hostile but MemInfo, which the report must still read.
	r=$d/root
	for p in sys/kernel/bootmem_fate/log sys/kernel/bootmem_fate/runtime sys/firmware/fdt proc/iomem \
		 proc/cmdline proc/version sys/kernel/boot_params/data dmesg.txt; do
		plant "$kind" "$r/$p"
	done
	if [ "$kind" = dir ]; then
		mkdir -p "$r/sys/firmware" && echo x >"$r/sys/firmware/memmap"
	else
		plant "$kind" "$r/sys/firmware/memmap"
	fi
	mkdir -p "$r/proc" && echo "MemTotal:        1024 kB" >"$r/proc/meminfo"
	t0=$(ms)
	timeout 10 "$bin" --root "$r" --config "$tmp/empty.conf" --once --format=json >"$tmp/out" 2>"$tmp/err"
	rc=$? t=$(($(ms) - t0))
	if [ "$rc" = 0 ] && [ "$t" -lt 1000 ] && python3 - "$tmp/out" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in rep["sources"]}
bad = [n for n, x in s.items() if n != "meminfo" and x["present"] and (x["available"] or not x["error"])]
assert not bad, bad
assert s["meminfo"]["available"], s["meminfo"]
assert rep["reconciliation"]["memtotal_bytes"] == 1024 * 1024
PY
	then
		ok "every input as $kind: a report in $t ms, each source saying why, MemInfo read"
	else
		not_ok "every input as $kind: a report within 1000 ms" "exit $rc after $t ms" "$(cat "$tmp/err")"
	fi
	# A log that is there but unusable is not "No bootmem_fate log".
	if grep -q "bootmem_fate log under $r is not used: " "$tmp/err" && ! grep -q "No bootmem_fate log" "$tmp/err"; then
		ok "every input as $kind: the log is said to be unusable, not absent"
	else
		not_ok "every input as $kind: the log is said to be unusable, not absent" "$(cat "$tmp/err")"
	fi

	# Serving: it answers at once, and SIGTERM stops it at once.
	"$bin" --root "$r" --config "$tmp/empty.conf" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/log" &
	pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	c=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
	if [ -n "$port" ] && [ "$c" = 200 ]; then ok "every input as $kind: /metrics served"
	else not_ok "every input as $kind: /metrics served" "port '$port', status $c" "$(cat "$tmp/log")"; fi
	sigterm_within_1s "every input as $kind"
done

# ---------------------------------------------------------------- on reload
# The daemon runs as the service manager runs it, unprivileged, so that a reload reads the sources
# again (started as root it keeps them: bootmemd(8)).  The hostile things appear while it serves.
chmod 755 "$tmp"
as_user=()
[ "$(id -u)" = 0 ] && as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
# wait_log N PATTERN: up to 1 s for the Nth line matching PATTERN in the daemon's log.
wait_log() {
	local i
	for i in $(seq 100); do
		[ "$(grep -c "$2" "$tmp/rlog")" -ge "$1" ] && return 0
		sleep 0.01
	done
	return 1
}
for kind in fifo dir zero loop; do
	r=$tmp/reload-$kind
	cp -r "$root" "$r" && chmod -R a+rX "$r"
	conf=$tmp/reload-$kind.conf
	cp "$tmp/cert.pem" "$tmp/rcert-$kind.pem" && cp "$tmp/key.pem" "$tmp/rkey-$kind.pem"
	chmod 644 "$tmp/rcert-$kind.pem" "$tmp/rkey-$kind.pem"	# the test's own throwaway key
	printf '[TLS]\nCertificateFile=%s\nKeyFile=%s\n' "$tmp/rcert-$kind.pem" "$tmp/rkey-$kind.pem" >"$conf"
	chmod 644 "$conf"
	"${as_user[@]}" "$bin" --root "$r" --config "$conf" --listen 127.0.0.1:0 >/dev/null 2>"$tmp/rlog" &
	pid=$!
	port=
	for _ in $(seq 200); do
		port=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/rlog" | head -n 1)
		[ -n "$port" ] && break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		not_ok "reload, $kind: the daemon starts" "$(cat "$tmp/rlog")"
		stop
		continue
	fi

	# Every input becomes hostile, but MemInfo: the reload reads what it can and swaps.
	for p in sys/kernel/bootmem_fate/log sys/kernel/bootmem_fate/runtime sys/firmware/fdt proc/iomem \
		 proc/cmdline proc/version sys/kernel/boot_params/data dmesg.txt sys/firmware/memmap; do
		rm -rf "${r:?}/$p"
		plant "$kind" "$r/$p"
	done
	t0=$(ms)
	kill -HUP "$pid"
	if wait_log 2 '^Read .* and rendered the responses'; then
		ok "reload, every input as $kind: read again in $(($(ms) - t0)) ms"
	else
		not_ok "reload, every input as $kind: read again within 1000 ms" "$(cat "$tmp/rlog")"
	fi
	curl -sk --max-time 2 -o "$tmp/rep.json" "https://127.0.0.1:$port/api/v1/report"
	if python3 - "$tmp/rep.json" <<'PY'
import json, sys
rep = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in rep["sources"]}
bad = [n for n, x in s.items() if n != "meminfo" and x["present"] and (x["available"] or not x["error"])]
assert not bad, bad
assert s["meminfo"]["available"]
PY
	then ok "reload, every input as $kind: the new report says why each source is unusable"
	else not_ok "reload, every input as $kind: the new report says why each source is unusable" \
		"$(head -c 600 "$tmp/rep.json")"; fi

	# A TLS file becomes hostile: the reload is refused, the old responses stay.
	rm -f "$tmp/rcert-$kind.pem"
	plant "$kind" "$tmp/rcert-$kind.pem"
	t0=$(ms)
	kill -HUP "$pid"
	if wait_log 1 'Reload refused'; then
		ok "reload, the TLS certificate as $kind: refused in $(($(ms) - t0)) ms"
	else
		not_ok "reload, the TLS certificate as $kind: refused within 1000 ms" "$(cat "$tmp/rlog")"
	fi

	# The configuration file becomes hostile: refused as well.
	rm -f "$conf"
	plant "$kind" "$conf"
	t0=$(ms)
	kill -HUP "$pid"
	if wait_log 2 'Reload refused'; then
		ok "reload, the configuration as $kind: refused in $(($(ms) - t0)) ms"
	else
		not_ok "reload, the configuration as $kind: refused within 1000 ms" "$(cat "$tmp/rlog")"
	fi
	c=$(curl -sk --max-time 2 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/metrics")
	[ "$c" = 200 ] && ok "reload, the configuration as $kind: /metrics still served" ||
		not_ok "reload, the configuration as $kind: /metrics still served" "status $c"

	sigterm_within_1s "reload, $kind"
done

echo "1..$n"
[ "$failed" = 0 ]
