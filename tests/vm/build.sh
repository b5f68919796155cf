# shellcheck shell=bash
# tests/vm/build.sh: kernel and init builds for the VM harness. Sourced by tests/vm/run.
#
# Everything lives under $BMF_CACHE (${BOOTMEMD_CACHE:-/var/cache/bootmemd-vm}):
#   src/pristine-<tarkey>/linux-source-6.12/  the tarball, unpacked once, never modified
#   src/linux/                the one patched tree (the current series), at a stable path
#   src/linux.key             the srckey of the series src/linux holds
#   src/series-<srckey>/      patch.log, sync.log, checkpatch.log and checkpatch.result
#   build/<kernel>/on/        O= build dir, CONFIG_BOOTMEM_FATE=y (when the series has it)
#   build/<kernel>/off/       the same build, rebuilt with CONFIG_BOOTMEM_FATE=n
#   build/<kernel>/initramfs/ the static init and the builtin initramfs' list
#   build/<kernel>/out-<key>/ init, initramfs list, kernel image, .config, System.map, logs
# <kernel> is an arch (arm64, arm, x86_64: tinyconfig + config/common + config/<arch>) or
# <arch>-distro (the same plus config/distro.config and config/<arch>-distro.config).
# srckey hashes the series (series file, its patches, checkpatch exceptions), the tarball's version
# and BMF_SRC_FORMAT; <key> adds the kernel name, the config fragments, init.c, this whole file and
# the compiler's version. A stamp file (out-<key>/.done) marks a finished build, so a warm run
# skips it; the image is used only from its out-<key>/. Anything new (a series, a fragment, init.c,
# this file) builds in the same O= dir, at the same path, over the same source path, so kbuild
# rebuilds only what the change affects.

BMF_ARCHES=(arm64 arm x86_64)
BMF_TARBALL=/usr/src/linux-source-6.12.tar.xz
BMF_JOBS=${BMF_JOBS:-2}
# Bump when bmf_prepare_source or bmf_checkpatch change what they produce.
BMF_SRC_FORMAT=1
# Reproducible /proc/version and build: the same inputs give the same kernel.
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2025'
export KBUILD_BUILD_USER=bootmemd KBUILD_BUILD_HOST=vm-harness KBUILD_BUILD_VERSION=1

bmf_cross() { # arch -> CROSS_COMPILE prefix
	case $1 in
	arm64) echo aarch64-linux-gnu- ;;
	arm) echo arm-linux-gnueabihf- ;;
	x86_64) echo "" ;;
	esac
}
bmf_image() { # arch -> image path inside the O= dir
	case $1 in
	arm64) echo arch/arm64/boot/Image ;;
	arm) echo arch/arm/boot/zImage ;;
	x86_64) echo arch/x86/boot/bzImage ;;
	esac
}

# The series: one *.patch name per line; blank lines and '#' comments ignored (quilt style).
bmf_series_patches() {
	local s=$BMF_REPO/kernel-patch/series
	[ -f "$s" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e 's/^[[:space:]]*//' "$s" | awk 'NF { print $1 }'
}

bmf_sha() { sha256sum | cut -c1-16; }

bmf_srckey() {
	{
		echo "tarball $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) $(stat -c %s "$BMF_TARBALL")"
		local p
		while read -r p; do
			echo "patch $p"
			cat "$BMF_REPO/kernel-patch/$p" 2>/dev/null || echo "MISSING $p"
		done < <(bmf_series_patches)
		if [ -f "$BMF_REPO/kernel-patch/checkpatch-exceptions" ]; then
			echo "exceptions"
			cat "$BMF_REPO/kernel-patch/checkpatch-exceptions"
		fi
		echo "format $BMF_SRC_FORMAT"
	} | bmf_sha
}

bmf_karch() { echo "${1%-distro}"; } # kernel name -> arch

bmf_fragments() { # kernel -> fragment files, in merge order
	local k=$1 a
	a=$(bmf_karch "$k")
	echo "$BMF_REPO/tests/vm/config/common.config"
	echo "$BMF_REPO/tests/vm/config/$a.config"
	if [ "$k" != "$a" ]; then
		echo "$BMF_REPO/tests/vm/config/distro.config"
		echo "$BMF_REPO/tests/vm/config/$k.config"
	fi
	# The patch's fragment, once the patch is there (an unpatched tree has no such option).
	if [ -f "$BMF_REPO/kernel-patch/bootmem_fate.config" ] && [ -n "$(bmf_series_patches)" ]; then
		echo "$BMF_REPO/kernel-patch/bootmem_fate.config"
	fi
	return 0
}

bmf_want_off() { # kernel -> 0/1: build the CONFIG_BOOTMEM_FATE=n variant too?
	case $1 in
	*-distro) echo "${BMF_DISTRO_OFF:-0}" ;;
	*) echo 1 ;;
	esac
}

bmf_archkey() { # kernel srckey
	local k=$1 f
	{
		echo "src $2 kernel $k off $(bmf_want_off "$k")"
		while read -r f; do
			echo "fragment ${f#"$BMF_REPO"/}"
			cat "$f"
		done < <(bmf_fragments "$k")
		echo "init.c"
		cat "$BMF_REPO/tests/vm/init.c"
		echo "build.sh"
		cat "$BMF_REPO/tests/vm/build.sh"
		echo "cc $("$(bmf_cross "$(bmf_karch "$k")")gcc" --version | head -1)"
	} | bmf_sha
}

bmf_tarkey() {
	echo "tarball $(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) $(stat -c %s "$BMF_TARBALL")" | bmf_sha
}

# Makes $BMF_CACHE/src/linux the tarball with the current series applied. Sets BMF_SRC (that
# stable tree), BMF_SRCKEY and BMF_SRCMETA (src/series-<srckey>/: patch.log, checkpatch.*).
#
# The tree's path never changes, and a new series changes only the files whose content changes:
# the series is applied to a fresh copy of the pristine unpack (src/pristine-<tarkey>/), which is
# then synced into src/linux with `rsync -rlc --delete` (checksums, not times: a file whose bytes
# are the same keeps its old mtime; one that differs is rewritten and gets a new one). The O= dirs
# stay the same too, so kbuild recompiles only what the changed patches touch. src/linux.key
# names the series the tree holds; it is removed before a sync, so an interrupted one is redone.
bmf_prepare_source() {
	BMF_SRCKEY=$(bmf_srckey)
	BMF_SRC=$BMF_CACHE/src/linux
	BMF_SRCMETA=$BMF_CACHE/src/series-$BMF_SRCKEY
	local d=$BMF_SRCMETA pr tarkey
	BMF_SRC_CACHED=1
	if [ -f "$d/.ready" ] && [ -d "$BMF_SRC" ] &&
		[ "$(cat "$BMF_CACHE/src/linux.key" 2>/dev/null)" = "$BMF_SRCKEY" ]; then
		return 0
	fi
	BMF_SRC_CACHED=0
	tarkey=$(bmf_tarkey)
	pr=$BMF_CACHE/src/pristine-$tarkey
	if [ ! -f "$pr/.ready" ]; then
		rm -rf "$pr"
		mkdir -p "$pr"
		echo "  unpacking $BMF_TARBALL (pristine copy)"
		tar -xJf "$BMF_TARBALL" -C "$pr"
		touch "$pr/.ready"
	fi
	local stage=$BMF_CACHE/src/staging
	rm -rf "$stage" "$d"
	mkdir -p "$d"
	echo "  copying the pristine tree"
	cp -a "$pr/linux-source-6.12" "$stage"
	local p n=0
	: >"$d/patch.log"
	while read -r p; do
		local f=$BMF_REPO/kernel-patch/$p
		if [ ! -f "$f" ]; then
			echo "ERROR: kernel-patch/series lists $p, which does not exist" >&2
			return 1
		fi
		echo "  applying $p"
		echo "=== $p" >>"$d/patch.log"
		if ! patch -d "$stage" -p1 --fuzz=0 --no-backup-if-mismatch --forward --batch \
			<"$f" >>"$d/patch.log" 2>&1; then
			sed -n "/^=== $p\$/,\$p" "$d/patch.log" >&2
			echo "ERROR: $p does not apply cleanly (--fuzz=0)" >&2
			return 1
		fi
		if sed -n "/^=== $p\$/,\$p" "$d/patch.log" | grep -q 'with fuzz'; then
			echo "ERROR: $p needs fuzz" >&2
			return 1
		fi
		sed -n "/^=== $p\$/,\$p" "$d/patch.log" | grep 'offset' | sed 's/^/    note: /' || true
		n=$((n + 1))
	done < <(bmf_series_patches)
	echo "$n" >"$d/npatches"
	rm -f "$BMF_CACHE/src/linux.key"
	if [ -d "$BMF_SRC" ]; then
		echo "  syncing into $BMF_SRC (only changed files get a new mtime)"
		rsync -rlpc --delete --itemize-changes "$stage/" "$BMF_SRC/" | grep -v '^\.' >"$d/sync.log" || true
		echo "    $(grep -c '^[<>c*]' "$d/sync.log" || true) paths changed: $(awk '{ print $2 }' "$d/sync.log" | head -8 | paste -sd' ' -)$([ "$(wc -l <"$d/sync.log")" -gt 8 ] && echo ' ...')"
		rm -rf "$stage"
	else
		mv "$stage" "$BMF_SRC"
		echo "(first tree)" >"$d/sync.log"
	fi
	echo "$BMF_SRCKEY" >"$BMF_CACHE/src/linux.key"
	bmf_checkpatch "$d"
	touch "$d/.ready"
}

# checkpatch.pl --strict --no-tree on every patch of the series; verdict in $d/checkpatch.result.
bmf_checkpatch() {
	local d=$1 p ignore="" exc=$BMF_REPO/kernel-patch/checkpatch-exceptions result=PASS
	if [ -f "$exc" ]; then
		ignore=$(sed -e 's/#.*//' "$exc" | tr -s ' \t\n' '\n' | awk 'NF' | paste -sd, -)
	fi
	: >"$d/checkpatch.log"
	while read -r p; do
		local args=(--strict --no-tree --no-color --show-types --summary-file)
		[ -n "$ignore" ] && args+=(--ignore "$ignore")
		echo "=== $p" >>"$d/checkpatch.log"
		(cd "$BMF_SRC" && perl scripts/checkpatch.pl "${args[@]}" "$BMF_REPO/kernel-patch/$p") \
			>>"$d/checkpatch.log" 2>&1 || true
	done < <(bmf_series_patches)
	if grep -qE '^(ERROR|WARNING|CHECK):' "$d/checkpatch.log"; then
		result=FAIL
	fi
	[ -s "$d/npatches" ] && [ "$(cat "$d/npatches")" = 0 ] && result=SKIP
	echo "$result" >"$d/checkpatch.result"
}

# Prints the fragment options that did not end up in .config with the requested value.
bmf_check_config() { # config fragment...
	local cfg=$1 f
	shift
	for f in "$@"; do
		awk -v cfgfile="$cfg" -v frag="${f#"$BMF_REPO"/}" '
			BEGIN {
				while ((getline line < cfgfile) > 0) {
					if (match(line, /^CONFIG_[A-Za-z0-9_]+=/)) {
						k = substr(line, 1, RLENGTH - 1); have[k] = substr(line, RLENGTH + 1)
					} else if (match(line, /^# CONFIG_[A-Za-z0-9_]+ is not set/)) {
						split(line, w, " "); have[w[2]] = "n"
					}
				}
			}
			/^CONFIG_[A-Za-z0-9_]+=/ {
				i = index($0, "="); k = substr($0, 1, i - 1); v = substr($0, i + 1)
				got = (k in have) ? have[k] : "n"
				if (got != v && !(v == "n" && got == "n"))
					printf "  %s: %s=%s requested, .config has %s\n", frag, k, v, (k in have) ? k "=" got : "it unset"
			}
			/^# CONFIG_[A-Za-z0-9_]+ is not set/ {
				k = $2; if ((k in have) && have[k] != "n")
					printf "  %s: %s off requested, .config has %s=%s\n", frag, k, k, have[k]
			}' "$f"
	done
}

bmf_make() { # O= dir, arch, log, make args...
	local o=$1 a=$2 log=$3
	shift 3
	make -C "$BMF_SRC" O="$o" ARCH="$a" CROSS_COMPILE="$(bmf_cross "$a")" "$@" >>"$log" 2>&1
}

# Builds init, configures and builds one kernel (and the option-off variant).
# Sets BMF_OUT to the out-<key>/ dir holding the boot artifacts.
bmf_build_arch() {
	local k=$1 a key
	a=$(bmf_karch "$k")
	key=$(bmf_archkey "$k" "$BMF_SRCKEY")
	local b=$BMF_CACHE/build/$k
	local on=$b/on off=$b/off out=$b/out-$key cc
	cc=$(bmf_cross "$a")gcc
	BMF_OUT=$out
	BMF_BUILD_CACHED=1
	if [ -f "$out/.done" ]; then
		echo "  $k: cached ($out)"
		return 0
	fi
	BMF_BUILD_CACHED=0
	# An interrupted option-off build left the on-state backup behind: put it back.
	if [ -d "$b/on.saved" ]; then
		rm -rf "$on"
		mv "$b/on.saved" "$on"
	fi
	[ -f "$on/.config" ] && echo "  $k: incremental build in $on"
	rm -rf "$out"
	mkdir -p "$on" "$out"
	local log=$out/build.log t0=$SECONDS
	: >"$log"

	# init, linked into the builtin initramfs. It lives at a stable path and is replaced only when
	# its bytes change, so that a new key with the same init and config relinks nothing.
	local ir=$b/initramfs
	mkdir -p "$ir"
	"$cc" -static -Os -s -Wall -Wextra -D_GNU_SOURCE -o "$ir/init.new" "$BMF_REPO/tests/vm/init.c" >>"$log" 2>&1 || {
		tail -20 "$log" >&2
		echo "ERROR: $k: init does not build" >&2
		return 1
	}
	cat >"$ir/initramfs.list.new" <<-EOF
		dir /dev 0755 0 0
		nod /dev/console 0600 0 0 c 5 1
		dir /proc 0555 0 0
		dir /sys 0555 0 0
		dir /bmf-initrd 0755 0 0
		file /init $ir/init 0755 0 0
	EOF
	local f
	for f in init initramfs.list; do
		if cmp -s "$ir/$f.new" "$ir/$f"; then rm "$ir/$f.new"; else mv "$ir/$f.new" "$ir/$f"; fi
	done
	cp "$ir/init" "$out/init"
	printf 'CONFIG_INITRAMFS_SOURCE="%s"\n' "$ir/initramfs.list" >"$out/initramfs.config"

	# Configuration: tinyconfig + fragments, and every fragment option must stick.
	local frags=()
	mapfile -t frags < <(bmf_fragments "$k")
	frags+=("$out/initramfs.config")
	echo "  $k: configuring (tinyconfig + ${frags[*]##*/})"
	bmf_make "$on" "$a" "$log" tinyconfig || { tail -30 "$log" >&2; return 1; }
	(cd "$on" && "$BMF_SRC/scripts/kconfig/merge_config.sh" -m -O "$on" "$on/.config" "${frags[@]}") >>"$log" 2>&1 || {
		tail -30 "$log" >&2
		return 1
	}
	bmf_make "$on" "$a" "$log" olddefconfig || { tail -30 "$log" >&2; return 1; }
	local bad
	bad=$(bmf_check_config "$on/.config" "${frags[@]}")
	if [ -n "$bad" ]; then
		echo "ERROR: $k: fragment options that did not stick after olddefconfig (missing dependency?):" >&2
		echo "$bad" >&2
		return 1
	fi
	cp "$on/.config" "$out/config"

	local img
	img=$(bmf_image "$a")
	echo "  $k: building ${img##*/} (-j$BMF_JOBS, log $log)"
	bmf_make "$on" "$a" "$log" -j"$BMF_JOBS" "${img##*/}" || {
		grep -E 'error|Error' "$log" | head -20 >&2
		tail -20 "$log" >&2
		echo "ERROR: $k: kernel build failed" >&2
		return 1
	}
	cp "$on/$img" "$out/${img##*/}"
	cp "$on/System.map" "$out/System.map"
	echo "  $k: built in $((SECONDS - t0)) s ($(grep -c '^  CC ' "$log" || true) files compiled)"

	# The same series with CONFIG_BOOTMEM_FATE=n. Keep a copy of the on-state, flip the option in
	# place (the O= path stays the same, so only the files that depend on the option are rebuilt:
	# x86's objtool, built with absolute paths, would rebuild everything in a copy at another path),
	# then move the result to off/ and the copy back.
	if [ "$(bmf_want_off "$k")" != 1 ]; then
		echo "  $k: no CONFIG_BOOTMEM_FATE=n build for distro kernels (BMF_DISTRO_OFF=1 adds it)"
		echo "SKIP" >"$out/off.result"
	elif grep -q '^CONFIG_BOOTMEM_FATE=y' "$on/.config"; then
		t0=$SECONDS
		echo "  $k: building with CONFIG_BOOTMEM_FATE=n"
		rm -rf "$off" "$b/on.saved"
		cp -a "$on" "$b/on.saved"
		local offlog=$out/build-off.log
		: >"$offlog"
		"$BMF_SRC/scripts/config" --file "$on/.config" -d BOOTMEM_FATE
		bmf_make "$on" "$a" "$offlog" olddefconfig || { tail -30 "$offlog" >&2; return 1; }
		if ! grep -q '^# CONFIG_BOOTMEM_FATE is not set' "$on/.config"; then
			echo "ERROR: $k: could not turn CONFIG_BOOTMEM_FATE off" >&2
			return 1
		fi
		bmf_make "$on" "$a" "$offlog" -j"$BMF_JOBS" "${img##*/}" || {
			grep -E 'error|Error|warning' "$offlog" | head -20 >&2
			tail -20 "$offlog" >&2
			echo "ERROR: $k: kernel build with CONFIG_BOOTMEM_FATE=n failed" >&2
			return 1
		}
		cp "$on/System.map" "$out/System.map.off"
		cp "$on/.config" "$out/config.off"
		mv "$on" "$off"
		mv "$b/on.saved" "$on"
		echo "  $k: option-off build OK in $((SECONDS - t0)) s ($(grep -c '^  CC ' "$offlog" || true) files compiled);" \
			"bootmem_fate symbols on/off: $(grep -c bootmem_fate "$out/System.map" || true)/$(grep -c bootmem_fate "$out/System.map.off" || true)"
		if grep -q bootmem_fate "$out/System.map.off"; then
			echo "  WARNING: $k: CONFIG_BOOTMEM_FATE=n still links bootmem_fate symbols:" \
				"$(grep bootmem_fate "$out/System.map.off" | awk '{ print $3 }' | head -5 | paste -sd' ' -)"
		fi
		echo "PASS" >"$out/off.result"
	elif [ -f "$BMF_REPO/kernel-patch/bootmem_fate.config" ]; then
		echo "ERROR: $k: kernel-patch/bootmem_fate.config exists but CONFIG_BOOTMEM_FATE is not y" >&2
		return 1
	else
		echo "SKIP" >"$out/off.result"
	fi
	# Warnings in our own build are worth seeing.
	grep -hE ': warning:' "$log" "$out/build-off.log" 2>/dev/null | sort -u | head -20 | sed 's/^/  compiler: /' || true
	touch "$out/.done"

	# Keep the cache bounded: of this kernel's outputs keep the newest BMF_KEEP_OUTPUTS (default 3,
	# so that two checkouts sharing the cache, or a series and its predecessor, can switch back
	# without a relink: an out-<key>/ is only ever used for its own key), and drop the per-series
	# build dirs of the old layout (build/<arch>-<srckey>).
	if [ "${BOOTMEMD_VM_KEEP:-0}" != 1 ]; then
		local old
		for old in "$BMF_CACHE"/build/*; do
			[[ ${old##*/} =~ ^$k-[0-9a-f]{16}$ ]] && rm -rf "$old"
		done
		# shellcheck disable=SC2012 # out-<hex> names, no odd characters
		ls -1dt "$b"/out-* 2>/dev/null | tail -n +$((${BMF_KEEP_OUTPUTS:-3} + 1)) | while read -r old; do
			[ "$old" != "$out" ] && rm -rf "$old"
		done
	fi
}

# Removes the metadata of other series, other tarballs' pristine copies and the old layout's
# per-series trees (src/<srckey>/).
bmf_prune_sources() {
	[ "${BOOTMEMD_VM_KEEP:-0}" = 1 ] && return 0
	local s tarkey
	tarkey=$(bmf_tarkey)
	for s in "$BMF_CACHE"/src/*; do
		[ -d "$s" ] || continue
		case ${s##*/} in
		linux | "series-$BMF_SRCKEY" | "pristine-$tarkey") ;;
		series-* | pristine-* | staging) rm -rf "$s" ;;
		*) [[ ${s##*/} =~ ^[0-9a-f]{16}$ ]] && rm -rf "$s" ;;
		esac
	done
	return 0
}
