#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The textfile-collector mode: bootmemd-textfile.service and .timer pass
# `systemd-analyze verify`, and units/textfile writes `bootmemd --once
# --format=prometheus` into a directory atomically: the file is the --once
# output, no temporary file stays, and a failing run leaves the last good
# file in place.  Output is TAP.
#
# usage: check-textfile.sh SERVICE TIMER TEXTFILE BOOTMEMD FIXTURE MAN-PAGE...
set -u
service=$(realpath "$1") timer=$(realpath "$2") script=$(realpath "$3") bin=$(realpath "$4") root=$5
shift 5
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '%s\n' "$@" | sed 's/^/# /'; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
tmp=$(mktemp -d /tmp/bootmemd-textfile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

sed -e "s|^\(ExecStart=\)/.*/textfile |\1$script |" -e "s| /.*/bootmemd\$| $bin|" "$service" >"$tmp/bootmemd-textfile.service"
cp "$timer" "$tmp/bootmemd-textfile.timer"
mkdir -p "$tmp/man/man5" "$tmp/man/man8"
for page in "$@"; do cp "$page" "$tmp/man/man${page##*.}/"; done
out=$(cd "$tmp" && MANPATH=$tmp/man systemd-analyze verify "$tmp/bootmemd-textfile.service" \
	"$tmp/bootmemd-textfile.timer" 2>&1)
rc=$?
if [ "$rc" = 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify: the service and the timer are clean"
else not_ok "systemd-analyze verify: the service and the timer are clean" "exit $rc" "$out"; fi

# The script, with a bootmemd that reads the fixture.
cat >"$tmp/bm" <<SH
#!/bin/sh
exec "$bin" --root "$root" "\$@"
SH
chmod +x "$tmp/bm"
mkdir "$tmp/dir"
"$bin" --root "$root" --once --format=prometheus >"$tmp/want"
check "textfile DIR writes the --once output to DIR/bootmemd.prom" \
	bash -c "'$script' '$tmp/dir' '$tmp/bm' && cmp -s '$tmp/dir/bootmemd.prom' '$tmp/want'"
check "no temporary file is left" bash -c "[ \"\$(ls -A '$tmp/dir')\" = bootmemd.prom ]"
check "the file is readable by node_exporter (0644)" bash -c "[ \"\$(stat -c %a '$tmp/dir/bootmemd.prom')\" = 644 ]"
check "it has no self-metrics (they would clash with node_exporter's process metrics)" \
	bash -c "! grep -Eq '^(process_|bootmemd_config_last_reload)' '$tmp/dir/bootmemd.prom'"
printf '#!/bin/sh\necho half\nexit 1\n' >"$tmp/broken"
chmod +x "$tmp/broken"
check "a failing bootmemd fails the unit" bash -c "! '$script' '$tmp/dir' '$tmp/broken' 2>/dev/null"
check "and leaves the last good file alone, with no temporary file" \
	bash -c "cmp -s '$tmp/dir/bootmemd.prom' '$tmp/want' && [ \"\$(ls -A '$tmp/dir')\" = bootmemd.prom ]"
if command -v promtool >/dev/null; then
	check "promtool check metrics passes on the file" bash -c "promtool check metrics <'$tmp/dir/bootmemd.prom'"
else
	not_ok "promtool is missing (bash .ci/deps installs prometheus)"
fi
echo "1..$n"
[ "$failed" = 0 ]
