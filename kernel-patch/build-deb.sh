#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Builds an installable Debian kernel package (make bindeb-pkg) of Debian's linux-source-6.12
# with this series applied and CONFIG_BOOTMEM_FATE=y, for amd64.
#
#   bash kernel-patch/build-deb.sh                 distribution-like config (below), minutes
#   bash kernel-patch/build-deb.sh --config FILE   FILE (e.g. /boot/config-$(uname -r)) + the
#                                                  fragment: Debian's own config, hours on 2 cores
#
# The last line of the output is the path of the linux-image .deb; `apt-get install` it (see
# kernel-patch/README.md: Secure Boot).  Without --config the configuration is the one tests/vm
# boots as x86_64-distro (tinyconfig + tests/vm/config/{common,x86_64,distro,x86_64-distro}.config
# + bootmem_fate.config) plus debian-guest.config, what systemd and a virtual machine's disk,
# network and console need; everything is built in, so it boots without modules or initramfs.
#
# It shares tests/vm's cache and source tree (tests/vm/build.sh): the patched tree
# $BOOTMEMD_CACHE/src/linux (default /var/cache/bootmemd-vm), its own O= dir build/x86_64-deb/on,
# and the packages in build/x86_64-deb/out-<key>/, keyed by the series, the tarball, the
# configuration, this script and the compiler: a second run with the same inputs prints the
# cached package, a changed patch rebuilds only what it touches.  It takes tests/vm/run's lock,
# so that only one of them builds at a time.
#
# Environment: BOOTMEMD_CACHE, BMF_JOBS (make -j, default 2), BMF_DEB_LOCALVERSION (default
# -bootmemd: the release is 6.12.<n>-bootmemd).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BMF_REPO=$(cd "$here/.." && pwd)
BMF_CACHE=${BOOTMEMD_CACHE:-/var/cache/bootmemd-vm}
export BMF_REPO BMF_CACHE
localversion=${BMF_DEB_LOCALVERSION:--bootmemd}

base=
case ${1:-} in
--config)
	base=$(realpath "${2:?--config needs a file}")
	[ -f "$base" ] || { echo "no such config: $base" >&2; exit 2; } ;;
'') ;;
*) echo "usage: bash kernel-patch/build-deb.sh [--config FILE]" >&2; exit 2 ;;
esac
case $(realpath -m "$BMF_CACHE") in
/var/cache/bootmemd | /var/cache/bootmemd/*)
	echo "refusing BOOTMEMD_CACHE=$BMF_CACHE (/var/cache/bootmemd belongs to kernel development)" >&2
	exit 2 ;;
esac
[ "$(dpkg-architecture -q DEB_HOST_ARCH)" = amd64 ] || { echo "amd64 only" >&2; exit 2; }
for tool in make gcc bc flex bison dpkg-buildpackage dh_testdir rsync patch perl; do
	command -v "$tool" >/dev/null || { echo "$tool is missing: bash .ci/deps installs it" >&2; exit 1; }
done

mkdir -p "$BMF_CACHE"
exec 9>"$BMF_CACHE/.lock"
if ! flock -n 9; then
	echo "waiting for another kernel build on $BMF_CACHE ..." >&2
	flock 9
fi
# shellcheck source=tests/vm/build.sh
source "$BMF_REPO/tests/vm/build.sh"

# Progress goes to stderr; stdout's last line is the package.
t0=$SECONDS
[ -n "$(bmf_series_patches)" ] || { echo "kernel-patch/series is empty" >&2; exit 1; }
bmf_prepare_source >&2
k=x86_64-deb
frags=()
if [ -z "$base" ]; then
	mapfile -t frags < <(bmf_fragments x86_64-distro)
	frags+=("$BMF_REPO/kernel-patch/debian-guest.config")
else
	frags=("$BMF_REPO/kernel-patch/bootmem_fate.config")
fi
key=$( {
	echo "src $BMF_SRCKEY localversion $localversion"
	if [ -n "$base" ]; then echo "base"; cat "$base"; fi
	for f in "${frags[@]}"; do echo "fragment ${f#"$BMF_REPO"/}"; cat "$f"; done
	echo "build-deb.sh"; cat "$0"
	echo "cc $(gcc --version | head -1)"
} | bmf_sha)
b=$BMF_CACHE/build/$k${base:+-full}
on=$b/on
out=$b/out-$key

if [ -f "$out/.done" ]; then
	echo "  $k: cached ($out)" >&2
else
	rm -rf "$out"
	mkdir -p "$on" "$out"
	log=$out/build.log
	: >"$log"
	[ -f "$on/.config" ] && echo "  $k: incremental build in $on" >&2
	if [ -z "$base" ]; then
		echo "  $k: configuring (tinyconfig + ${frags[*]##*/})" >&2
		bmf_make "$on" x86_64 "$log" tinyconfig || { tail -30 "$log" >&2; exit 1; }
		(cd "$on" && "$BMF_SRC/scripts/kconfig/merge_config.sh" -m -O "$on" "$on/.config" "${frags[@]}") >>"$log" 2>&1 ||
			{ tail -30 "$log" >&2; exit 1; }
	else
		echo "  $k: configuring ($base + ${frags[*]##*/})" >&2
		cp "$base" "$on/.config"
		(cd "$on" && "$BMF_SRC/scripts/kconfig/merge_config.sh" -m -O "$on" "$on/.config" "${frags[@]}") >>"$log" 2>&1 ||
			{ tail -30 "$log" >&2; exit 1; }
		# Debian's config names its signing certificates (debian/certs/, not in linux-source) and
		# builds debug info (a package of several GiB): neither is wanted for a local build.
		"$BMF_SRC/scripts/config" --file "$on/.config" --set-str SYSTEM_TRUSTED_KEYS '' \
			--set-str SYSTEM_REVOCATION_KEYS '' -d DEBUG_INFO_DWARF5 -d DEBUG_INFO_BTF -e DEBUG_INFO_NONE
	fi
	bmf_make "$on" x86_64 "$log" olddefconfig || { tail -30 "$log" >&2; exit 1; }
	bad=$(bmf_check_config "$on/.config" "${frags[@]}")
	if [ -n "$bad" ]; then
		echo "ERROR: $k: fragment options that did not stick after olddefconfig (missing dependency?):" >&2
		echo "$bad" >&2
		exit 1
	fi
	cp "$on/.config" "$out/config"
	kver=$(make -s -C "$BMF_SRC" kernelversion)
	# A version of our own, so that apt sees a new series as a new package.
	pkgver=$kver-1+bootmemd.${key:0:8}
	echo "  $k: make bindeb-pkg (-j$BMF_JOBS, $kver$localversion, version $pkgver, log $log)" >&2
	rm -f "$b"/*.deb "$b"/*.changes "$b"/*.buildinfo
	t1=$SECONDS
	bmf_make "$on" x86_64 "$log" -j"$BMF_JOBS" LOCALVERSION="$localversion" KDEB_PKGVERSION="$pkgver" bindeb-pkg || {
		grep -E 'error|Error' "$log" | head -20 >&2
		tail -20 "$log" >&2
		echo "ERROR: $k: make bindeb-pkg failed" >&2
		exit 1
	}
	mv "$b"/*.deb "$b"/*.changes "$b"/*.buildinfo "$out/"
	cp "$on/System.map" "$on/arch/x86/boot/bzImage" "$out/"
	echo "  $k: built in $((SECONDS - t1)) s ($(grep -c '^  CC ' "$log" || true) files compiled)" >&2
	touch "$out/.done"
	# The newest two packages stay (a series and its predecessor); each is some MiB.
	# shellcheck disable=SC2012 # out-<hex> names
	ls -1dt "$b"/out-* 2>/dev/null | tail -n +3 | while read -r old; do
		[ "$old" != "$out" ] && rm -rf "$old"
	done
fi
deb=$(ls "$out"/linux-image-*.deb | grep -v -- '-dbg_')
grep -q '^CONFIG_BOOTMEM_FATE=y' "$out/config" || { echo "ERROR: CONFIG_BOOTMEM_FATE is not y" >&2; exit 1; }
echo "  $k: $(basename "$deb"), $(stat -c %s "$deb") bytes, in $((SECONDS - t0)) s" >&2
echo "$deb"
