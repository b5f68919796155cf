#!/bin/bash
# The daemon's copy of the uapi header must be byte-identical to the one the
# kernel series adds, or the daemon would parse a format the kernel never wrote.
set -euo pipefail
top=${1:-$(dirname "$0")/../..}
patch=$(grep -l '^+++ b/include/uapi/linux/bootmem_fate.h' "$top"/kernel-patch/0*.patch)
extracted=$(mktemp)
trap 'rm -f "$extracted"' EXIT
awk '/^diff --git/ { on = ($0 ~ /include\/uapi\/linux\/bootmem_fate.h/) ; next }
     on && /^@@/ { body = 1; next }
     on && body && /^\+/ { print substr($0, 2) }' "$patch" > "$extracted"
if ! cmp -s "$extracted" "$top/daemon/bootmem_fate.h"; then
	echo "daemon/bootmem_fate.h differs from the uapi header in $patch:" >&2
	diff -u "$extracted" "$top/daemon/bootmem_fate.h" >&2 || true
	exit 1
fi
echo "daemon/bootmem_fate.h matches $(basename "$patch")"
