#!/bin/bash
# The board and boot identity metrics: a captured boot (arm64-virt, whose FDT
# names the board) with a boot id, proc/stat and sys/class/dmi/id added, and
# the same boot without them.
#   check-identity.sh RENDER_REPORT SOURCE_ROOT
set -euo pipefail
render=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
has() { grep -qxF "$1" "$tmp/m"; }

cp -a "$src/tests/data/vm/arm64-virt" "$tmp/root"
mkdir -p "$tmp/root/proc/sys/kernel/random" "$tmp/root/sys/class/dmi/id"
echo 2F1E6A2C-9B1D-4C55-8D0E-3A8A6C1F0B7E > "$tmp/root/proc/sys/kernel/random/boot_id"
printf 'cpu  1 2 3 4\nbtime 1764640000\nprocesses 9\n' > "$tmp/root/proc/stat"
echo 'QEMU   ' > "$tmp/root/sys/class/dmi/id/sys_vendor"
echo 'KVM Virtual Machine' > "$tmp/root/sys/class/dmi/id/product_name"
"$render" "$tmp/root" prometheus > "$tmp/m"
model=$(fdtget "$tmp/root/sys/firmware/fdt" / model 2>/dev/null || true)
compat=$(fdtget "$tmp/root/sys/firmware/fdt" / compatible 2>/dev/null | tr ' ' ',' || true)
check "the boot id is a label of bootmemd_boot_info, in lower case" \
	grep -q '^bootmemd_boot_info{.*,boot_id="2f1e6a2c-9b1d-4c55-8d0e-3a8a6c1f0b7e"} 1$' "$tmp/m"
check "bootmemd_boot_time_seconds is proc/stat's btime" has 'bootmemd_boot_time_seconds 1764640000'
check "bootmemd_machine_info has the FDT's model and compatible ($model), SMBIOS vendor and product" \
	has "bootmemd_machine_info{model=\"$model\",compatible=\"$compat\",dmi_vendor=\"QEMU\",dmi_product=\"KVM Virtual Machine\"} 1"
check "the FDT names the board" test -n "$model"
for s in boot_id stat dmi fdt kernel_log; do
	check "bootmemd_source_success{source=\"$s\"} is 1" has "bootmemd_source_success{source=\"$s\"} 1"
done
check "promtool check metrics passes" bash -c "promtool check metrics < '$tmp/m'"
"$render" "$tmp/root" openmetrics > "$tmp/om"
check "OpenMetrics: bootmemd_machine is an info family" grep -qx '# TYPE bootmemd_machine info' "$tmp/om"

# Without them: no boot id label, no boot time, and the sources say 0.
rm -r "$tmp/root/proc/sys" "$tmp/root/proc/stat" "$tmp/root/sys/class"
echo garbage > "$tmp/root/proc/stat"
"$render" "$tmp/root" prometheus > "$tmp/m"
check "without a boot id, bootmemd_boot_info has no boot_id" bash -c "! grep -q boot_id= '$tmp/m'"
check "without btime, no bootmemd_boot_time_seconds" bash -c "! grep -q '^bootmemd_boot_time_seconds' '$tmp/m'"
check "an unusable proc/stat: success 0" has 'bootmemd_source_success{source="stat"} 0'
check "no DMI: success 0" has 'bootmemd_source_success{source="dmi"} 0'
check "without DMI the FDT still names the board" grep -q "^bootmemd_machine_info{model=\"$model\"" "$tmp/m"
exit $fail
