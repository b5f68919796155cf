#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Checks bootmemd's SVG memory map for each root given.

    svgcheck.py BOOTMEMD [--expect TEXT]... ROOT...

For every root: `bootmemd --root ROOT --once --format=svg` is well-formed
XML (xml.etree), an <svg> in the SVG namespace with a width and a height;
every region of `--format=json` is named in the picture (labels, or the
tooltip of a group of small reservations); the kernel image, the initrd, the
FDT and the carve-outs are labelled in visible text; the picture says where
it is not to scale; a patched kernel gets a timeline row for each of its
kernel image, initrd and FDT regions that have events.  --expect TEXT
requires TEXT in the pictures' text as well (e.g. a name whose invalid
UTF-8 must come out as '?').
"""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
VISIBLE_KINDS = {"kernel_text", "kernel_rodata", "kernel_data", "kernel_bss", "kernel_init", "initrd", "fdt",
                 "memreserve", "reserved_memory", "cma", "crashkernel"}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def xml_safe(name):
    """The name as the SVG must show it: characters XML cannot carry become '?'."""
    return "".join("?" if (ord(c) < 0x20 and c not in "\t\n") or c in "\ufffe\uffff" else c for c in name)


def check_svg(svg_bytes, report, label):
    """Returns a list of problems (empty when the picture is right)."""
    problems = []
    if b"(null)" in svg_bytes:
        problems.append(f"{label}: a NULL string was printed into the picture (a fate or kind without a color?)")
    try:
        root = ET.fromstring(svg_bytes)
    except ET.ParseError as e:
        return [f"{label}: not well-formed XML: {e}"]
    if root.tag != SVG + "svg":
        problems.append(f"{label}: root element is {root.tag}, not svg")
    for a in ("width", "height", "viewBox"):
        if not root.get(a):
            problems.append(f"{label}: <svg> has no {a}")
    texts = ["".join(t.itertext()) for t in root.iter(SVG + "text")]
    titles = ["".join(t.itertext()) for t in root.iter(SVG + "title")]
    visible = "\n".join(texts)
    everything = visible + "\n" + "\n".join(titles)

    if "log-scaled" not in visible or "to scale" not in visible:
        problems.append(f"{label}: the picture does not say what is to scale and what is log-scaled")
    for i, rg in enumerate(report["regions"]):
        name = rg["name"]
        if name is None:
            # jansson refuses strings that are not UTF-8: the JSON has null, so there is nothing to compare
            print(f"note {label}: region #{i} has no name in the JSON (not UTF-8); see --expect")
            continue
        name = xml_safe(name)
        if name not in everything:
            problems.append(f"{label}: region {name!r} is not named in the SVG")
        elif rg["kind"] in VISIBLE_KINDS and name not in visible:
            problems.append(f"{label}: region {name!r} ({rg['kind']}) has no visible label")
    for fate in {rg["fate"] for rg in report["regions"]}:
        if fate not in visible:
            problems.append(f"{label}: fate {fate!r} is not in the legend")
    # the timeline: one bold row label per protagonist with a lifecycle
    if report.get("mode") == "patched":
        rows = {"".join(t.itertext()) for t in root.iter(SVG + "text") if t.get("font-weight") == "bold"}
        for rg in report["regions"]:
            if rg["kind"] in ("kernel", "kernel_text", "kernel_rodata", "kernel_data", "kernel_bss",
                              "kernel_init", "initrd", "fdt") and rg.get("lifecycle"):
                if xml_safe(rg["name"]) not in rows:
                    problems.append(f"{label}: no timeline row for {rg['name']}")
        if "Lifecycle of the kernel image, initrd and FDT" not in visible:
            problems.append(f"{label}: no timeline")
    return problems


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    bootmemd, args = args[0], args[1:]
    expect, roots = [], []
    while args:
        if args[0] == "--expect" and len(args) > 1:
            expect.append(args[1])
            args = args[2:]
        else:
            roots.append(args.pop(0))
    problems = []
    for root in roots:
        svg = run([bootmemd, "--root", root, "--once", "--format=svg"])
        report = json.loads(run([bootmemd, "--root", root, "--once", "--format=json"]))
        p = check_svg(svg, report, root)
        if expect:
            try:
                text = "".join(ET.fromstring(svg).itertext())
            except ET.ParseError:
                text = ""
            p += [f"{root}: {t!r} is not in the SVG" for t in expect if t not in text]
        problems += p
        print(f"{'ok  ' if not p else 'FAIL'} {root}: {len(svg)} bytes of SVG, {len(report['regions'])} regions")
    for p in problems:
        print("FAIL", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
