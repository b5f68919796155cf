#!/bin/bash
# promtool check metrics (text 0.0.4 lint; exits 3 on lint problems) on the
# Prometheus output of every root: the synthetic boot, the stock capture, this
# machine's / and every fixture under tests/data/vm and tests/data/stock.  OpenMetrics output is
# checked for its framing (one TYPE per family, # EOF last).
#   check-metrics.sh RENDER_REPORT SOURCE_ROOT
set -euo pipefail
render=$1 src=$2
promtool=$(command -v promtool || true)
[ -n "$promtool" ] || { echo "promtool not found (Debian package prometheus)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$render" --synth "$tmp/synth"

roots=("$tmp/synth" "$src/tests/data/fake-stock" /)
for d in "$src"/tests/data/vm/*/ "$src"/tests/data/stock/*/; do
	[ -d "$d" ] && roots+=("${d%/}")
done

fail=0
for root in "${roots[@]}"; do
	"$render" "$root" prometheus > "$tmp/metrics"
	if out=$("$promtool" check metrics < "$tmp/metrics" 2>&1); then
		echo "ok   promtool: $root ($(grep -vc '^#' "$tmp/metrics") samples)"
	else
		echo "FAIL promtool: $root"; echo "$out"; fail=1
	fi
	grep -q '^bootmemd_build_info{version="' "$tmp/metrics" || { echo "FAIL no build_info: $root"; fail=1; }
	if grep -v '^#' "$tmp/metrics" | grep -vq '^bootmemd_'; then
		echo "FAIL a metric without the bootmemd_ prefix: $root"; fail=1
	fi
	"$render" "$root" openmetrics > "$tmp/om"
	if [ "$(tail -n 1 "$tmp/om")" != "# EOF" ]; then echo "FAIL OpenMetrics does not end with # EOF: $root"; fail=1; fi
	if [ "$(grep '^# TYPE ' "$tmp/om" | awk '{print $3}' | sort | uniq -d)" != "" ]; then
		echo "FAIL OpenMetrics family declared twice: $root"; fail=1
	fi
done
exit $fail
