#!/bin/bash
# Regenerates the series from a kernel git tree whose history is the base
# commit followed by the series' commits, keeping the cover letter's subject
# and text:  bash kernel-patch/regen.sh /path/to/linux <base-commit>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tree=$1 base=$2
cover=$here/0000-cover-letter.patch
subject=$(sed -n 's/^Subject: \[PATCH [0-9]*\/[0-9]*\] //p' "$cover")
# The blurb: from the blank line after the headers to the shortlog.
blurb=$(awk 'hdr && /^[^ ].* \([0-9]+\):$/ { exit } hdr { print } /^$/ && !hdr { hdr = 1 }' "$cover")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
git -C "$tree" format-patch -q --cover-letter -o "$out" "$base"
python3 - "$out/0000-cover-letter.patch" "$subject" "$blurb" <<'PY'
import sys
p, subject, blurb = sys.argv[1:]
s = open(p).read().replace('*** SUBJECT HERE ***', subject)
s = s.replace('*** BLURB HERE ***', blurb.strip('\n'))
open(p, 'w').write(s)
PY
rm -f "$here"/0*.patch
cp "$out"/*.patch "$here"/
(cd "$here" && ls 0*.patch | grep -v '^0000-' > series)
echo "regenerated $(wc -l < "$here/series") patches"
