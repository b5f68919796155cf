#!/bin/bash
# Golden outputs: every format of every captured boot, byte for byte against
# tests/data/golden/<root>/.  A refactor must leave them alone; a fix that
# changes an output regenerates them and says so in its commit.
#   check-golden.sh RENDER_REPORT SOURCE_ROOT [--update]
# build_info's version label is masked, so a version bump is not a diff.
set -euo pipefail
render=$1 src=$2 update=${3:-}
golden=$src/tests/data/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A ext=([text]=txt [json]=json [regions]=regions.json [events]=events.json
		[prometheus]=prom [openmetrics]=om [svg]=svg)
roots=("$src/tests/data/fake-stock")
for d in "$src"/tests/data/vm/*/ "$src"/tests/data/stock/*/; do
	roots+=("${d%/}")
done

fail=0 n=0
for root in "${roots[@]}"; do
	name=$(basename "$root")
	mkdir -p "$tmp/$name"
	for fmt in "${!ext[@]}"; do
		out=$tmp/$name/report.${ext[$fmt]}
		"$render" "$root" "$fmt" | sed 's/^\(bootmemd_build_info{version="\)[^"]*"/\1VERSION"/' > "$out"
		n=$((n + 1))
		# printf("%s", NULL) in glibc: a renderer was handed a name or colour it does not have.
		if grep -q '(null)' "$out"; then
			echo "FAIL $name $fmt contains \"(null)\""
			fail=1
		fi
		if [ "$update" = --update ]; then
			continue
		elif ! cmp -s "$out" "$golden/$name/report.${ext[$fmt]}"; then
			echo "FAIL $name $fmt differs from tests/data/golden/$name/report.${ext[$fmt]}:"
			diff -u "$golden/$name/report.${ext[$fmt]}" "$out" 2>&1 | head -20 || true
			fail=1
		fi
	done
	# A golden file for a root or format that no longer exists is stale.
	if [ "$update" != --update ] && [ -d "$golden/$name" ]; then
		for g in "$golden/$name"/*; do
			[ -e "$tmp/$name/$(basename "$g")" ] || { echo "FAIL stale golden file $g"; fail=1; }
		done
	fi
done
for g in "$golden"/*/; do
	[ -d "$g" ] || continue
	[ -d "$tmp/$(basename "$g")" ] || { echo "FAIL golden outputs for a root that is gone: $g"; fail=1; }
done
if [ "$update" = --update ]; then
	rm -rf "$golden" && mkdir -p "$golden" && cp -r "$tmp"/. "$golden"/ && chmod -R u=rwX,go=rX "$golden"
	echo "updated $n golden outputs of ${#roots[@]} roots under tests/data/golden"
	exit 0
fi
[ "$fail" = 0 ] && echo "ok   $n golden outputs of ${#roots[@]} roots match"
exit $fail
