#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The command line as an operator meets it: --help fits 79 columns and every
# option it lists is in bootmemd(8); --check-config exits 0 on the shipped
# bootmemd.conf and a good file, 2 with the file, line and key on a bad one,
# 2 on a missing --config, and reads no source.  Output is TAP.
#
# usage: check-cli.sh BOOTMEMD SHIPPED-CONF MAN-PAGE
set -u
bin=$1 conf=$2 man=$3
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
tmp=$(mktemp -d /tmp/bootmemd-cli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$bin" --help >"$tmp/help"
long=$(awk 'length($0) > 79 { print length($0) ": " $0 }' "$tmp/help")
if [ -s "$tmp/help" ] && [ -z "$long" ]; then ok "--help: every line fits 79 columns ($(wc -l <"$tmp/help") lines)"
else not_ok "--help: every line fits 79 columns" "$long"; fi
missing=""
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/help" | sort -u); do
	grep -q -- "$(printf '%s' "$opt" | sed 's/-/\\\\-/g')" "$man" || missing="$missing $opt"
done
if [ -z "$missing" ]; then ok "every option --help names is in bootmemd(8)"
else not_ok "every option --help names is in bootmemd(8)" "missing:$missing"; fi

expect() {	# expect WHAT STATUS STDERR-PATTERN ARGS...
	local what=$1 want=$2 pat=$3; shift 3
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	# an empty pattern: nothing on standard error either
	if [ "$rc" = "$want" ] && [ ! -s "$tmp/out" ] &&
	   { if [ -z "$pat" ]; then [ ! -s "$tmp/err" ]; else grep -Eq -- "$pat" "$tmp/err"; fi; }; then ok "$what"
	else not_ok "$what" "exit $rc (want $want)" "stdout: $(head -c 300 "$tmp/out")" "stderr: $(head -c 300 "$tmp/err")"; fi
}
expect "--check-config: the shipped bootmemd.conf is good" 0 '' --check-config --config="$conf"
printf '[Server]\nConnectionLimit=10\n[Sources]\nRoot=%s\n' "$tmp" >"$tmp/good.conf"
expect "--check-config: a good file, exit 0, nothing printed" 0 '' --check-config --config="$tmp/good.conf"
printf '[Server]\nConnectionLimit=10\nConnectionLimit=0\n' >"$tmp/bad.conf"
expect "--check-config: a bad value, exit 2 with file, line and key" 2 "$tmp/bad.conf:3: \\[Server\\] ConnectionLimit=0" \
	--check-config --config="$tmp/bad.conf"
printf '[Sources]\nRoot=%s/nowhere\n' "$tmp" >"$tmp/noroot.conf"
expect "--check-config: a Root= that is not a directory, exit 2" 2 'nowhere' --check-config --config="$tmp/noroot.conf"
expect "--check-config: a missing --config, exit 2" 2 'No such file' --check-config --config="$tmp/missing.conf"
expect "--check-config and --once exclude each other" 2 'exclude' --check-config --once --config="$tmp/good.conf"
echo "1..$n"
[ "$failed" = 0 ]
