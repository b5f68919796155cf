#!/bin/bash
# The SVG map of every root: two synthetic boots (hostile names, a crowded
# map), the stock capture and every fixture under tests/data/vm.
#   svg-test.sh BOOTMEMD MKROOT_SYNTH SOURCE_ROOT
set -euo pipefail
bootmemd=$1 mkroot=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$mkroot" hostile "$tmp/hostile"
"$mkroot" crowded "$tmp/crowded"
# invalid UTF-8 in a name comes out as '?'
python3 "$src/tests/fleet/svgcheck.py" "$bootmemd" --expect 'latin1-?t?-??' "$tmp/hostile"
roots=("$tmp/crowded" "$src/tests/data/fake-stock")
for d in "$src"/tests/data/vm/*/; do
	[ -d "$d" ] && roots+=("${d%/}")
done
python3 "$src/tests/fleet/svgcheck.py" "$bootmemd" "${roots[@]}"
# The same names in every other output: the metrics pass promtool, and the JSON
# names the region instead of dropping it as null (jansson refuses bad UTF-8).
"$bootmemd" --root "$tmp/hostile" --once --format=prometheus > "$tmp/hostile.prom"
promtool check metrics < "$tmp/hostile.prom"
grep -q 'region="latin1-?t?-??"' "$tmp/hostile.prom"
"$bootmemd" --root "$tmp/hostile" --once --format=json | python3 -c '
import json, sys
names = [r["name"] for r in json.load(sys.stdin)["regions"]]
assert None not in names and "latin1-?t?-??" in names, names'
