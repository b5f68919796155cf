#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The systemd units as meson builds them: `systemd-analyze verify` is clean
# (man pages included) and `systemd-analyze security --offline=true` scores
# bootmemd.service at 1.5 or lower.  Output is TAP.
#
# usage: check-units.sh SERVICE SOCKET BOOTMEMD COPY-INPUTS MAN-PAGE...
set -u
service=$(realpath "$1") socket=$(realpath "$2") bin=$(realpath "$3") copy=$(realpath "$4")
shift 4

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

if ! command -v systemd-analyze >/dev/null; then
	not_ok "systemd-analyze is missing (bash .ci/deps installs systemd)"
	echo "1..$n"; exit 1
fi
tmp=$(mktemp -d /tmp/bootmemd-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# verify checks that ExecStart='s programs exist: this copy of the unit names the
# build's bootmemd and copy-inputs instead of their installed paths; nothing else changes.
sed -e "s|^\(ExecStartPre=+\)/.*/copy-inputs|\1$copy|" -e "s|^\(ExecReload=+\)/.*/copy-inputs|\1$copy|" -e "s|^\(ExecStart=\)/.*/bootmemd |\1$bin |" \
	"$service" >"$tmp/bootmemd.service"
cp "$socket" "$tmp/bootmemd.socket"
mkdir -p "$tmp/man/man5" "$tmp/man/man8"
for page in "$@"; do cp "$page" "$tmp/man/man${page##*.}/"; done

grep -q "^ExecStart=$bin " "$tmp/bootmemd.service" && grep -q "^ExecStartPre=+$copy\$" "$tmp/bootmemd.service" ||
	not_ok "the unit's program paths could not be pointed at the build" "$(grep '^Exec' "$service")"

out=$(cd "$tmp" && MANPATH=$tmp/man systemd-analyze verify "$tmp/bootmemd.service" "$tmp/bootmemd.socket" 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then
	ok "systemd-analyze verify: clean, man pages included"
else
	not_ok "systemd-analyze verify: clean" "exit $rc" "$out"
fi

out=$(systemd-analyze security --offline=true --no-pager "$tmp/bootmemd.service" 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for bootmemd.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s <= 1.5) }'; then
	ok "systemd-analyze security --offline=true: exposure $score (at most 1.5)"
	printf '%s\n' "$out" | grep '✗' | sed 's/^/#   /'
else
	not_ok "systemd-analyze security --offline=true: exposure at most 1.5, got '${score:-?}'" "$out"
fi

# The socket listens where the daemon would by itself (--help shows the default).
default=$("$bin" --help | sed -n 's/.*(default: \([0-9.]*:[0-9]*\)).*/\1/p' | head -n 1)
listen=$(sed -n 's/^ListenStream=//p' "$socket")
if [ -n "$default" ] && [ "$listen" = "$default" ]; then
	ok "bootmemd.socket listens on the daemon's default address ($default)"
else
	not_ok "bootmemd.socket listens on the daemon's default address" "socket: $listen" "daemon: $default"
fi

# Every input copy-inputs writes is one the unit points bootmemd at, and the other way round.
written=$(sed -n 's/^copy [^ ]* \([a-z]*\)$/\1/p; s/.*>"\$dir\/\([a-z]*\)\.new".*/\1/p' "$copy" | sort -u | tr '\n' ' ')
read_=$(sed -n 's/.*--source=\([a-z-]*\)=%t\/bootmemd\/\([a-z]*\).*/\2/p' "$service" | sort -u | tr '\n' ' ')
if [ -n "$written" ] && [ "$written" = "$read_" ]; then
	ok "the service reads exactly what copy-inputs writes ($written)"
else
	not_ok "the service reads exactly what copy-inputs writes" "written: $written" "read: $read_"
fi

echo "1..$n"
[ "$failed" = 0 ]
