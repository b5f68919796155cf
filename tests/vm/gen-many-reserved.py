#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the dtsi of the arm64-dt-many-reserved scenario: 4 /memreserve/ entries and 80
/reserved-memory nodes of mixed kinds, for QEMU virt with -m 1G (RAM 0x40000000-0x80000000).

usage: gen-many-reserved.py DTSI NAMES

NAMES gets one line per node: "<kind> <node name>" (kind: static, nomap, reusable, dynamic, long).
Everything sits in 0x4c000000-0x6c000000, which the kernel image (0x40200000), the initrd
(0x48000000), the DTB (after the initrd) and the distro kernel's top-down early allocations
(memmap, the default CMA area, swiotlb, KFENCE, percpu, from 0x80000000 down) leave alone.
"""
import sys

MiB = 0x100000


def cells(v):
    return f'0x{v >> 32:x} 0x{v & 0xffffffff:x}'


def main():
    dtsi, names_file = sys.argv[1:3]
    out, names = [], []
    memreserve = [(0x4c000000, 0x10000), (0x4c100000, 0x20000), (0x4c400000, 0x1000), (0x4c800000, MiB)]
    for base, size in memreserve:
        out.append(f'/memreserve/ 0x{base:x} 0x{size:x};')
    out += ['', '/ {', '\treserved-memory {', '\t\t#address-cells = <2>;', '\t\t#size-cells = <2>;', '\t\tranges;']

    def node(kind, name, props):
        names.append(f'{kind} {name}')
        out.append('')
        out.append(f'\t\t{name} {{')
        out.extend(f'\t\t\t{p};' for p in props)
        out.append('\t\t};')

    # 30 static regions, reserved in memblock (64 to 256 KiB).
    for i in range(30):
        base, size = 0x50000000 + i * MiB, 0x10000 * (1 + i % 4)
        node('static', f'bmf-static{i}@{base:x}', [f'reg = <{cells(base)} {cells(size)}>'])
    # 15 static no-map regions: out of the linear map, not reserved (1 to 1.5 MiB).
    for i in range(15):
        base, size = 0x52000000 + i * 2 * MiB, MiB + (i % 3) * 0x40000
        node('nomap', f'bmf-nomap{i}@{base:x}', [f'reg = <{cells(base)} {cells(size)}>', 'no-map'])
    # 10 reusable shared-dma-pool regions (CMA areas, 4 MiB aligned); the first is the default one.
    for i in range(10):
        base, size = 0x54000000 + i * 8 * MiB, 4 * MiB
        props = ['compatible = "shared-dma-pool"', 'reusable', f'reg = <{cells(base)} {cells(size)}>']
        if i == 0:
            props.append('linux,cma-default')
        node('reusable', f'bmf-pool{i}@{base:x}', props)
    # 10 dynamically placed regions: size and alignment, half of them inside alloc-ranges.
    for i in range(10):
        size, align = MiB * (1 + i % 3), MiB * (1 + i % 2)
        props = [f'size = <{cells(size)}>', f'alignment = <{cells(align)}>']
        if i % 2 == 0:
            props.append(f'alloc-ranges = <{cells(0x5c000000 + i * 16 * MiB)} {cells(16 * MiB)}>')
        node('dynamic', f'bmf-dynamic{i}', props)
    # 15 static regions with long node names (32 to 60 characters with the unit address).
    for i in range(15):
        base, size = 0x5a000000 + i * 0x80000, 0x40000
        unit = f'@{base:x}'
        length = 32 + i * 2
        stem = 'bmf-long-name-'
        stem += ''.join('abcdefghijklmnopqrstuvwxyz'[(i + j) % 26] for j in range(length - len(stem) - len(unit)))
        node('long', stem + unit, [f'reg = <{cells(base)} {cells(size)}>'])
    out += ['\t};', '};', '']
    assert len(names) == 80
    with open(dtsi, 'w') as f:
        f.write('\n'.join(out))
    with open(names_file, 'w') as f:
        f.write('\n'.join(names) + '\n')


if __name__ == '__main__':
    main()
