#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# meson install step for bootmemd.conf: installs FILE into DIR (under $DESTDIR) only when DIR has
# no bootmemd.conf yet, so that a second `meson install` keeps an edited file.
set -eu
src=$1
dir=${DESTDIR:-}$2
dest=$dir/bootmemd.conf

if [ -e "$dest" ]; then
	if cmp -s "$src" "$dest"; then
		echo "Up to date: $dest"
	else
		echo "Keeping $dest: it differs from the shipped file (edited?), so it is not overwritten"
	fi
	exit 0
fi
install -d -m 0755 "$dir"
install -m 0644 "$src" "$dest"
echo "Installing $dest"
