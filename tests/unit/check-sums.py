#!/usr/bin/env python3
"""The sums METRICS.md documents, on every captured boot, in every machine format.

  check-sums.py RENDER_REPORT SOURCE_ROOT

Per region (JSON, /regions, Prometheus text, OpenMetrics):
  footprint = held + freed + nomap + not_ram + removed + shared (+ unowned, JSON only: 0 on a sound log)
  no region that holds 0 bytes has fate "held"
Totals, over the series a metric exports (the parent "kernel" is not one of them):
  sum(bootmemd_region_held_bytes)   == bootmemd_held_bytes
  sum(bootmemd_region_freed_bytes)  == bootmemd_reserved_freed_bytes
  sum(bootmemd_region_nomap_bytes)  == bootmemd_nomap_bytes - bootmemd_nomap_unreserved_bytes
  sum by (parent) (...{parent="kernel"}) == the JSON "kernel" region, for every figure
Labels: the named series (every kind but "owner") are every region the model has of
those kinds; at most MAX_OWNERS owner series plus region="other"; no raw addresses in
region names; a second load gives the same label set; fixtures of the same board keep
the same named series; the same board with another kernel (arm64-virt-distro) keeps the
board's series (the image's parts, initrd, FDT and its carve-outs).
"""
import glob, json, os, re, subprocess, sys

MAX_OWNERS = 8          # MODEL_MAX_OWNER_SERIES in daemon/model.h
FIGS = ["held", "freed", "nomap", "not_ram", "removed", "shared"]
render, src = sys.argv[1], sys.argv[2]
fails = 0


def fail(msg):
    global fails
    fails += 1
    print("FAIL " + msg)


def run(root, fmt):
    return subprocess.run([render, root, fmt], check=True, capture_output=True, text=True).stdout


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            fail("unparsable sample: " + line)
            continue
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        out.setdefault(m.group(1), {})[labels] = int(float(m.group(3)))
    return out


def region_key(labels):
    return tuple(kv for kv in labels)


def check_metrics(name, m, kernel):
    def total(metric):
        v = m.get(metric, {})
        return next(iter(v.values())) if v else None

    def msum(metric, **want):
        return sum(v for ls, v in m.get("bootmemd_region_%s_bytes" % metric, {}).items()
                   if all((k, w) in ls for k, w in want.items()))

    fp = m.get("bootmemd_region_footprint_bytes", {})
    if not fp:
        return
    for ls, v in fp.items():
        parts = sum(m["bootmemd_region_%s_bytes" % f].get(ls, 0) for f in FIGS)
        if parts != v:
            fail("%s: %s footprint %d != held+freed+nomap+not_ram+removed+shared %d" % (name, ls, v, parts))
    held_total = total("bootmemd_held_bytes")
    if msum("held") != held_total:
        fail("%s: sum(region_held) %d != bootmemd_held_bytes %s" % (name, msum("held"), held_total))
    if msum("freed") != total("bootmemd_reserved_freed_bytes"):
        fail("%s: sum(region_freed) %d != bootmemd_reserved_freed_bytes %s"
             % (name, msum("freed"), total("bootmemd_reserved_freed_bytes")))
    nomap = total("bootmemd_nomap_bytes") - total("bootmemd_nomap_unreserved_bytes")
    if msum("nomap") != nomap:
        fail("%s: sum(region_nomap) %d != nomap - nomap_unreserved %d" % (name, msum("nomap"), nomap))
    for f in ["reserved", "held", "freed", "nomap", "not_ram", "removed"]:
        if kernel and msum(f, parent="kernel") != kernel[f + "_bytes"]:
            fail("%s: sum(region_%s{parent=kernel}) %d != kernel %d" % (name, f, msum(f, parent="kernel"),
                                                                       kernel[f + "_bytes"]))
    fates = {dict(ls)["region"]: dict(ls)["fate"] for ls in m.get("bootmemd_region_fate", {})}
    for ls, v in m.get("bootmemd_region_held_bytes", {}).items():
        r = dict(ls)["region"]
        if v == 0 and fates.get(r) == "held":
            fail("%s: %s holds 0 bytes but its fate is held" % (name, r))
    return fates


def check_json_regions(name, regions):
    for g in regions:
        if g.get("footprint_bytes") is None:
            continue
        parts = sum(g[f + "_bytes"] for f in FIGS + ["unowned"])
        if parts != g["footprint_bytes"]:
            fail("%s: %s footprint %d != its parts %d" % (name, g["name"], g["footprint_bytes"], parts))
        if g["held_bytes"] == 0 and g["fate"] == "held":
            fail("%s: %s holds 0 bytes but its fate is held" % (name, g["name"]))
        if g["footprint_bytes"] < g["reserved_bytes"] and not g.get("is_parent"):
            fail("%s: %s footprint below its reserved bytes" % (name, g["name"]))
    kernel = next((g for g in regions if g["kind"] == "kernel"), None)
    if kernel and kernel.get("footprint_bytes") is not None:
        for f in ["reserved", "held", "freed", "nomap", "not_ram", "removed"]:
            s = sum(g[f + "_bytes"] for g in regions if g.get("parent") == "kernel")
            if s != kernel[f + "_bytes"]:
                fail("%s: kernel %s %d != the sum of its parts %d" % (name, f, kernel[f + "_bytes"], s))
    return kernel


def labelset(m):
    return sorted(set(dict(ls)["region"] for ls in m.get("bootmemd_region_reserved_bytes", {})))


roots = sorted(d.rstrip("/") for d in glob.glob(os.path.join(src, "tests/data/vm/*/")))
named = {}
board = {}
# What the board and the boot loader decide, whatever the kernel: the image and its parts, the
# initrd, the FDT and its carve-outs.  A kernel adds its own (hash tables, CMA, KFENCE, ...).
BOARD_KINDS = {"kernel_text", "kernel_rodata", "kernel_data", "kernel_bss", "kernel_init", "kernel_rest",
               "initrd", "fdt", "memreserve", "reserved_memory"}
for root in roots:
    name = os.path.basename(root)
    j = json.loads(run(root, "json"))
    kernel = check_json_regions(name + " json", j["regions"])
    check_json_regions(name + " regions", json.loads(run(root, "regions")))
    m = parse(run(root, "prometheus"))
    om = parse("\n".join(l for l in run(root, "openmetrics").splitlines() if l != "# EOF"))
    check_metrics(name + " prometheus", m, kernel)
    check_metrics(name + " openmetrics", om, kernel)

    # the label set: named kinds all present, owners bounded, no addresses
    series = {dict(ls)["region"]: dict(ls)["kind"] for ls in m.get("bootmemd_region_reserved_bytes", {})}
    want = set(g["name"] for g in j["regions"] if g["kind"] not in ("owner", "kernel"))
    missing = want - set(series)
    if missing:
        fail("%s: named regions without their own series: %s" % (name, sorted(missing)))
    owners = [r for r, k in series.items() if k == "owner" and r != "other"]
    if len(owners) > MAX_OWNERS:
        fail("%s: %d owner series, more than %d" % (name, len(owners), MAX_OWNERS))
    for r in series:
        if re.search(r"@0x[0-9a-f]+$", r):
            fail("%s: region name with a raw address: %s" % (name, r))
    if labelset(parse(run(root, "prometheus"))) != labelset(m):
        fail("%s: a second load changed the label set" % name)
    named[name] = set(r for r, k in series.items() if k != "owner")
    board[name] = set(r for r, k in series.items() if k in BOARD_KINDS)
    n = sum(len(v) for v in m.values())
    print("ok   %s: %d samples, %d region series (%d named, %d owners%s)"
          % (name, n, len(series), len(named[name]), len(owners), ", other" if "other" in series else ""))

# The same board (QEMU virt, one kernel build) booted with other options keeps its named
# series: only what the options themselves add or take away may differ.
same_board = [("arm64-virt", "arm64-mem-limit", set()), ("arm64-virt", "arm64-retain-initrd", set()),
              ("arm-virt", "arm-initrd-rejected", set())]
for a, b, allowed in same_board:
    if a in named and b in named and (named[a] ^ named[b]) - allowed:
        fail("same board %s / %s: named series differ: %s" % (a, b, sorted(named[a] ^ named[b])))
    elif a in named and b in named:
        print("ok   same board %s / %s: %d named series alike" % (a, b, len(named[a])))
# The same board with another kernel (tinyconfig and distro-like builds of one tree).
for a, b in [("arm64-virt", "arm64-virt-distro")]:
    if a not in board or b not in board:
        fail("same board, another kernel: %s and %s are both fixtures" % (a, b))
    elif board[a] != board[b] or len(board[a]) < 8:
        fail("same board %s / %s, another kernel: board series differ: %s" % (a, b, sorted(board[a] ^ board[b])))
    else:
        print("ok   same board %s / %s, another kernel: %d board series alike (%s); %d named series of the"
              " kernels' own differ" % (a, b, len(board[a]), ", ".join(sorted(board[a])), len(named[a] ^ named[b])))
if not roots:
    fail("no fixtures under %s/tests/data/vm" % src)
sys.exit(1 if fails else 0)
