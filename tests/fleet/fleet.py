#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A real fleet on one machine.

    fleet.py --bootmemd PATH --fixtures DIR [--fixtures DIR]... --out DIR

Starts one bootmemd per captured boot on loopback, plus a target nobody
listens on, and a real Prometheus (Debian's) that scrapes them every second
under `instance` labels that stand for different machines, with
dashboards/bootmemd.rules.yml loaded.  One more machine, "upgrade-board",
first serves boot A under a kernel release renamed "<release>-previous",
then (config reload) boot B with more held memory and the same RAM: a
kernel change on the same hardware.

Then every PromQL expression of the dashboard (each target, each variable)
and of the rules (each record, each alert) goes through /api/v1/query, and
the result must be exactly what the fixtures imply: the same label sets and
the same values as computed here from `bootmemd --once --format=json` of
each root.  An expression without an oracle here fails the test, so a new
panel or rule cannot go unchecked.  ALERTS must hold exactly the alerts the
fixtures call for.

Last, the landing page of one daemon, with its SVG map, is rendered by a
headless Chromium to a PNG, which must exist, have the window's size, not be
blank, and show the map's colors.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import svgcheck  # noqa: E402

JOB = "bootmemd"
FATES = ["held", "freed", "partially_freed", "retained", "rejected", "nomap", "reusable", "not_ram", "shared", "unknown"]
SOURCES = ["kernel_log", "kernel_runtime", "fdt", "meminfo", "iomem", "cmdline", "version", "boot_params", "memmap", "dmesg",
           "boot_id", "stat", "dmi"]

failures = []
checks = 0


def ok(cond, what, detail=""):
    global checks
    checks += 1
    if cond:
        return True
    failures.append(what + (f": {detail}" if detail else ""))
    print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""), flush=True)
    return False


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, dict(r.headers), r.read()


def wait_for(what, fn, timeout, soft=False):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = fn()
            if v:
                return v
        except (OSError, ValueError, KeyError, urllib.error.URLError) as e:
            last = e
        time.sleep(0.25)
    if soft:        # the checks that follow say what is wrong
        log(f"note: gave up waiting for {what} after {timeout}s")
        return None
    raise RuntimeError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))


# ---- the machines and what they must show ------------------------------------

class Machine:
    """One scrape target and the figures its fixture implies, from the JSON report."""

    def __init__(self, instance, root, report):
        self.instance = instance
        self.board = None
        self.root = root
        self.rep = report
        k = report["kernel"]
        self.release = k["release"] or "unknown"
        self.arch = k["arch"] or "unknown"
        self.mode = report["mode"]
        rec = report["reconciliation"]
        self.rec = rec
        self.held = rec["held_bytes"]
        self.unexplained = rec["unexplained_bytes"]
        self.ram = rec["ram_bytes"]
        self.page_size = k.get("page_size")
        initrd = [r for r in report["regions"] if r["kind"] == "initrd"]
        self.initrd_fate = initrd[0]["fate"] if initrd else None
        lg = report.get("log")
        self.records = lg["records"] if lg else None
        self.dropped = lg["dropped"] if lg else None
        s = report["summary"]
        self.findings = {"info": s["findings"] - s["warnings"], "warning": s["warnings"]}
        self.sources = {src["name"]: "1" if src["available"] else "0" for src in report["sources"]}
        # region metrics as render-metrics.c labels them: every region the model did not fold,
        # parent="kernel" on the image's parts, the parent left out, folded owners summed as
        # region="other", kind="owner"
        regions = report["regions"]
        self.region = {}
        for field in ("reserved_bytes", "held_bytes", "freed_bytes"):
            m = {}
            for rg in regions:
                v = rg[field]
                if v is None or rg.get("is_parent"):
                    continue
                if rg.get("folded"):
                    m[("other", "owner", None)] = m.get(("other", "owner", None), 0) + v
                else:
                    m[(rg["name"], rg["kind"], rg.get("parent"))] = v
            self.region[field] = m

    def read_board(self, exposition):
        """bootmemd_machine_info's labels from the machine's own exposition (the JSON
        report has no board): {label: value} without the empty ones, as Prometheus
        stores them, or None when bootmemd names no board."""
        for line in exposition.splitlines():
            mt = re.fullmatch(r"bootmemd_machine_info\{(.*)\} 1", line)
            if mt:
                pairs = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', mt.group(1))
                self.board = {k: v.replace('\\"', '"').replace("\\\\", "\\") for k, v in pairs if v}
                return
        self.board = None

    def labels(self, **extra):
        d = {"job": JOB, "instance": self.instance}
        d.update({k: v for k, v in extra.items() if v is not None})
        return d


def key(labels):
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def vec(*pairs):
    """[(labels, value)] -> {key: value}, summing duplicates is an error."""
    out = {}
    for labels, v in pairs:
        k = key(labels)
        assert k not in out, f"oracle produced {k} twice"
        out[k] = float(v)
    return out


def group(machines, fn, by):
    """Σ fn(m) -> {labels: value} over machines, grouped by the label dict fn returns."""
    acc = {}
    for m in machines:
        for labels, v in fn(m):
            k = key({b: labels[b] for b in by})
            acc[k] = acc.get(k, 0) + v
    return acc


# ---- Prometheus --------------------------------------------------------------

class Prometheus:
    def __init__(self, workdir, rules):
        self.dir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = os.path.join(workdir, "prometheus.yml")
        self.rules = rules
        self.proc = None

    def write_config(self, targets):
        """targets: [(address, instance, metric_relabel or None)]"""
        lines = [
            "global:",
            "  scrape_interval: 1s",
            "  scrape_timeout: 1s",
            "  evaluation_interval: 1s",
            "rule_files:",
            f"  - {json.dumps(self.rules)}",
            "scrape_configs:",
            f"  - job_name: {JOB}",
            "    static_configs:",
        ]
        relabels = []
        for addr, inst, relabel in targets:
            lines += [f"      - targets: [{json.dumps(addr)}]",
                      f"        labels: {{instance: {json.dumps(inst)}}}"]
            if relabel:
                relabels.append((inst, relabel))
        if relabels:
            lines.append("    metric_relabel_configs:")
            for inst, suffix in relabels:
                # only this machine's release label
                lines += ["      - source_labels: [instance, release]",
                          f"        regex: {json.dumps(re.escape(inst) + ';(.+)')}",
                          "        target_label: release",
                          f"        replacement: {json.dumps('${1}' + suffix)}"]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def start(self, binary):
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.proc = subprocess.Popen([
            binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.dir}/data",
            f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn",
            f"--web.console.templates={self.dir}", f"--web.console.libraries={self.dir}",
        ], stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("Prometheus to be ready", lambda: http_get(self.url + "/-/ready")[0] == 200, 30)

    def reload(self):
        self.proc.send_signal(signal.SIGHUP)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def api(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        try:
            _, _, body = http_get(f"{self.url}/api/v1/{path}?{q}", timeout=10)
        except urllib.error.HTTPError as e:
            body = e.read()
        d = json.loads(body)
        if d.get("status") != "success":
            raise ValueError(f"{path} {params}: {d}")
        return d["data"]

    def query(self, expr):
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return {(): float(data["result"][1])}
        return {key(s["metric"]): float(s["value"][1]) for s in data["result"]}

    def query_range(self, expr, start, end):
        data = self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step="1")
        return {key(s["metric"]): [float(v) for _, v in s["values"]] for s in data["result"]}


def same_query(fn, want, what):
    """same() on the result of fn(), a query; a query Prometheus refuses is a failure too."""
    try:
        got = fn()
    except ValueError as e:
        return ok(False, what, f"Prometheus refused it: {e}")
    return same(got, want, what)


def same(got, want, what):
    """Exact label sets; values equal (relative 1e-9: averages are floats)."""
    if set(got) != set(want):
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        return ok(False, what, f"series differ: missing {missing} unexpected {extra}")
    bad = [(k, got[k], want[k]) for k in want if abs(got[k] - want[k]) > 1e-9 * max(1.0, abs(want[k]))]
    return ok(not bad, what, f"values differ (series, got, want): {bad}")


# ---- the oracles: what each expression must return ---------------------------

def re_escape(v):
    """A value as Grafana puts it in a PromQL regex: escaped for RE2, then for the string."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\\\1", v)


class Selection:
    """Values of the dashboard variables: each a regex as Grafana substitutes it."""

    def __init__(self, name, job=".+", release=".+", arch=".+", instance=None):
        self.name, self.job, self.release, self.arch, self.instance = name, job, release, arch, instance

    def substitute(self, expr):
        for var, val in (("kernel_release", self.release), ("instance", self.instance or "none"),
                         ("arch", self.arch), ("job", self.job)):
            expr = expr.replace("${" + var + "}", val).replace("$" + var, val)
        return expr

    def pick(self, machines):
        def rx(v):      # the PromQL string's value: the regex itself
            return v.replace("\\\\", "\\")
        return [m for m in machines if re.fullmatch(rx(self.job), JOB) and re.fullmatch(rx(self.release), m.release)
                and re.fullmatch(rx(self.arch), m.arch)]


def fleet_oracles(S, down):
    """Dashboard fleet panels: (title, refId) -> expected vector, for the machines S."""
    o = {}
    held = [m for m in S if m.held is not None]

    def region_sum(field, by, kinds=None, positive=False):
        acc = {}
        for m in S:
            for (region, kind, _), v in m.region[field].items():
                if kinds and not re.fullmatch(kinds, kind):
                    continue
                lab = {"region": region, "kind": kind}
                k = key({b: lab[b] for b in by})
                acc[k] = acc.get(k, 0) + v
        return {k: float(v) for k, v in acc.items() if not positive or v > 0}

    def count(n):
        return {(): float(n)} if n else {}

    o[("Machines", "A")] = count(len(S))
    o[("Boot memory held, fleet total", "A")] = vec(({}, sum(m.held for m in held))) if held else {}
    unexpl = [m for m in S if m.unexplained is not None]
    o[("Unexplained bytes, fleet total", "A")] = (vec(({}, sum(abs(m.unexplained) for m in unexpl)))
                                                  if unexpl else {})
    o[("Machines with dropped log events", "A")] = vec(({}, sum(1 for m in S if (m.dropped or 0) > 0)))
    o[("Stock kernels", "A")] = vec(({}, sum(1 for m in S if m.mode == "stock")))
    o[("bootmemd targets down", "A")] = vec(({}, down))
    o[("Boot memory held by owner", "A")] = region_sum("held_bytes", ["region"], positive=True)
    o[("Held by kind", "A")] = region_sum("held_bytes", ["kind"], positive=True)
    fates = {}
    for m in S:
        if m.initrd_fate:
            fates[m.initrd_fate] = fates.get(m.initrd_fate, 0) + 1
    o[("Initrd fate across the fleet", "A")] = {key({"fate": f}): float(n) for f, n in fates.items()}
    o[("Machines whose initrd was not freed", "A")] = vec(*[
        (m.labels(fate=m.initrd_fate), 1) for m in S if m.initrd_fate and m.initrd_fate != "freed"])
    o[("Unexplained bytes by machine", "A")] = vec(*[
        (m.labels(), m.unexplained) for m in S if m.unexplained not in (None, 0)])

    def per_release_avg(field, kinds):
        acc = {}
        for m in S:
            vals = [v for (region, kind, _), v in m.region[field].items() if re.fullmatch(kinds, kind)]
            if vals:
                acc.setdefault((m.release, m.arch), []).append(sum(vals))
        return {key({"release": r, "arch": a}): sum(v) / len(v) for (r, a), v in acc.items()}

    o[("Kernel image held and init freed, by release", "A")] = per_release_avg("held_bytes", r"kernel|kernel_.+")
    o[("Kernel image held and init freed, by release", "B")] = per_release_avg("freed_bytes", r"kernel_init")
    o[("Reserved-memory carve-outs by name", "A")] = region_sum(
        "reserved_bytes", ["region", "kind"], kinds=r"reserved_memory|memreserve|cma|crashkernel")
    top = sorted(held, key=lambda m: -m.held)[:10]
    if len(held) > 10 and held and sorted(held, key=lambda m: -m.held)[10].held == top[-1].held:
        raise RuntimeError("a tie at the 10th place makes topk ambiguous: change the fixtures' instances")
    o[("Top 10 machines by held boot memory", "A")] = vec(*[(m.labels(), m.held) for m in top])
    acc = {}
    for m in held:
        acc.setdefault((m.release, m.arch), []).append(m.held)
    o[("Held boot memory by kernel release", "A")] = {
        key({"release": r, "arch": a}): sum(v) / len(v) for (r, a), v in acc.items()}
    boards = {}
    for m in S:
        if m.board:
            k = key({b: m.board[b] for b in ("model", "dmi_vendor", "dmi_product") if b in m.board})
            boards[k] = boards.get(k, 0) + 1
    o[("Machines by board", "A")] = {k: float(n) for k, n in boards.items()}
    return o


def drilldown_oracles(m):
    o = {}
    o[("Kernel", "A")] = vec((m.labels(release=m.release, arch=m.arch, mode=m.mode), 1))
    o[("Board", "A")] = vec((m.labels(**m.board), 1)) if m.board else {}
    o[("Initrd fate", "A")] = vec((m.labels(fate=m.initrd_fate), 1)) if m.initrd_fate else {}
    o[("Kernel log", "A")] = vec((m.labels(), m.records)) if m.records is not None else {}
    o[("Kernel log", "B")] = vec((m.labels(), m.dropped)) if m.dropped is not None else {}
    c = m.rec["memtotal_consistent"]
    o[("Kernel log", "C")] = vec((m.labels(), 1 if c else 0)) if c is not None else {}
    o[("Findings", "A")] = vec(*[(m.labels(severity=s), n) for s, n in m.findings.items()])
    recon = "Reconciliation: RAM = MemTotal + held + no-map + removed + unexplained"
    for ref, field in zip("ABCDEF", ("ram_bytes", "memtotal_bytes", "held_bytes", "nomap_bytes", "removed_bytes",
                                     "unexplained_bytes")):
        v = m.rec[field]
        o[(recon, ref)] = vec((m.labels(), v)) if v is not None else {}
    table = "Regions and their lifecycle on $instance"
    for ref, field in zip("ABC", ("reserved_bytes", "held_bytes", "freed_bytes")):
        o[(table, ref)] = vec(*[(m.labels(region=r, kind=k, parent=p), v) for (r, k, p), v in m.region[field].items()])
    o[("Held by region on $instance", "A")] = vec(*[
        (m.labels(region=r, kind=k, parent=p), v) for (r, k, p), v in m.region["held_bytes"].items() if v > 0])
    o[("Sources", "A")] = vec(*[(m.labels(source=s, available=a), 1) for s, a in m.sources.items()])
    return o


def rule_oracles(live, dead_instance, upgrade):
    """Record and alert expressions of bootmemd.rules.yml -> expected vector."""
    held = [m for m in live if m.held is not None]
    o = {}
    o["instance_release:bootmemd_held_bytes:max"] = vec(*[
        (m.labels(release=m.release, arch=m.arch), m.held) for m in held])
    o["job:bootmemd_held_bytes:sum"] = vec(({"job": JOB}, sum(m.held for m in held))) if held else {}
    unexpl = [m for m in live if m.unexplained is not None]
    o["job:bootmemd_unexplained_bytes:sum"] = (vec(({"job": JOB}, sum(m.unexplained for m in unexpl)))
                                               if unexpl else {})
    with_initrd = [m for m in live if m.initrd_fate]
    o["job_fate:bootmemd_initrd_fate:sum"] = vec(*[
        ({"job": JOB, "fate": f}, sum(1 for m in with_initrd if m.initrd_fate == f)) for f in FATES]) \
        if with_initrd else {}
    o["job_kind:bootmemd_region_held_bytes:sum"] = {
        k: float(v) for k, v in group(live, lambda m: [({"job": JOB, "kind": kind}, v) for (r, kind, _), v
                                                       in m.region["held_bytes"].items()], ["job", "kind"]).items()}
    o["job_kind_region:bootmemd_region_held_bytes:sum"] = {
        k: float(v) for k, v in group(live, lambda m: [({"job": JOB, "kind": kind, "region": r}, v) for (r, kind, _), v
                                                       in m.region["held_bytes"].items()],
                                      ["job", "kind", "region"]).items()}
    o["release_arch:bootmemd_boot_info:count"] = {
        k: float(v) for k, v in group(live, lambda m: [({"job": JOB, "release": m.release, "arch": m.arch}, 1)],
                                      ["job", "release", "arch"]).items()}
    acc = {}
    for m in held:
        acc.setdefault((m.release, m.arch), []).append(m.held)
    o["release_arch:bootmemd_held_bytes:avg"] = {
        key({"job": JOB, "release": r, "arch": a}): sum(v) / len(v) for (r, a), v in acc.items()}
    o["release_arch:bootmemd_held_bytes:max"] = {
        key({"job": JOB, "release": r, "arch": a}): float(max(v)) for (r, a), v in acc.items()}

    # alerts: the expression's result
    o["BootmemdDown"] = vec(({"__name__": "up", "job": JOB, "instance": dead_instance}, 0))
    # more than the two partial pages at the ends of an unaligned initrd
    o["BootmemdInitrdNotFreed"] = vec(*[
        (m.labels(region="initrd", kind="initrd"), m.region["held_bytes"][("initrd", "initrd", None)])
        for m in live if m.initrd_fate in ("held", "partially_freed") and m.page_size
        and m.region["held_bytes"][("initrd", "initrd", None)] > 2 * m.page_size])
    o["BootmemdInitrdRejected"] = vec(*[(m.labels(fate="rejected"), 1) for m in live if m.initrd_fate == "rejected"])
    o["BootmemdUnexplainedBytes"] = vec(*[(m.labels(), m.unexplained) for m in live
                                          if m.unexplained not in (None, 0)])
    before, after = upgrade
    # the same board: not two different identities in the window (one that names none counts by its RAM)
    same_board = not (before.board and after.board and before.board != after.board)
    o["BootmemdHeldGrewAfterKernelChange"] = vec(
        (after.labels(release=after.release, arch=after.arch), after.held - before.held)) if same_board else {}
    o["BootmemdLogDroppedEvents"] = vec(*[(m.labels(), m.dropped) for m in live if (m.dropped or 0) > 0])
    return o


# ---- the dashboard and the rules, as files -----------------------------------

def dashboard_targets(path):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)

    def walk(ps, row):
        for p in ps:
            if p.get("type") == "row":
                yield from walk(p.get("panels", []), p.get("title", ""))
                continue
            for t in p.get("targets", []):
                yield row, p["title"], t
    # top-level panels belong to the row above them
    out, row = [], ""
    for p in d["panels"]:
        if p.get("type") == "row":
            row = p["title"]
            out += list(walk(p.get("panels", []), row))
        else:
            out += list(walk([p], row))
    variables = [v for v in d["templating"]["list"] if v.get("type") == "query"]
    return out, variables


def load_rules(path):
    import yaml
    with open(path, encoding="utf-8") as f:
        groups = yaml.safe_load(f)["groups"]
    return [r for g in groups for r in g["rules"]]


# ---- PNG ----------------------------------------------------------------------

def png_pixels(path):
    """Decodes an 8-bit RGB/RGBA PNG (what Chromium writes): (width, height, rows of (r, g, b))."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif typ == b"IDAT":
            idat += chunk
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError(f"unsupported PNG: depth {depth} color type {ctype} interlace {interlace}")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


# ---- main ----------------------------------------------------------------------


# ---- joining with node_exporter (bootmemd.8, JOINING WITH NODE_EXPORTER) ----

RELABEL = [
    # the documented recipe: both jobs call a machine by its host, not host:port
    "    relabel_configs:",
    "      - source_labels: [__address__]",
    "        regex: '(.+):[0-9]+'",
    "        target_label: instance",
]


def join_node_exporter(args, machines, work, procs, node_exporter):
    """Each machine on its own loopback address (127.0.1.N) with a real node_exporter: its textfile
    directory filled by units/textfile (bootmemd --once), and bootmemd over HTTP on the same host.
    A second Prometheus scrapes both jobs with the relabel recipe; the join queries must give one
    series per machine, both ways."""
    picked = machines[:4]
    hosts = {}
    node_targets, bm_targets = [], []
    for i, m in enumerate(picked):
        host = f"127.0.1.{i + 1}"
        hosts[m.instance] = host
        tdir = os.path.join(work, f"textfile-{m.instance}")
        os.makedirs(tdir)
        shim = os.path.join(work, f"bootmemd-{m.instance}.sh")
        with open(shim, "w") as f:
            f.write(f'#!/bin/sh\nexec {args.bootmemd} --root {m.root} "$@"\n')
        os.chmod(shim, 0o755)
        subprocess.run([os.path.join(TOP, "units/textfile"), tdir, shim], check=True, timeout=60)
        nport, bport = free_port(), free_port()
        lf = open(os.path.join(work, f"node-exporter-{m.instance}.log"), "w")
        procs.append(subprocess.Popen([
            node_exporter, f"--web.listen-address={host}:{nport}", "--collector.disable-defaults",
            "--collector.meminfo", "--collector.textfile", f"--collector.textfile.directory={tdir}"],
            stdout=lf, stderr=subprocess.STDOUT))
        lf = open(os.path.join(work, f"bootmemd-http-{m.instance}.log"), "w")
        procs.append(subprocess.Popen([args.bootmemd, "--root", m.root, "--listen", f"{host}:{bport}"],
                                      stdout=lf, stderr=subprocess.STDOUT))
        node_targets.append(f"{host}:{nport}")
        bm_targets.append(f"{host}:{bport}")
    for t in node_targets:
        wait_for(f"node_exporter on {t}", lambda t=t: http_get(f"http://{t}/metrics")[0] == 200, 20)
    for t in bm_targets:
        wait_for(f"bootmemd on {t}", lambda t=t: http_get(f"http://{t}/healthz")[2] == b"ok\n", 20)

    pdir = os.path.join(work, "join")
    os.makedirs(pdir)
    # the rules as dashboards/README.md says to generate them for the textfile mode
    subprocess.run([sys.executable, os.path.join(TOP, "dashboards/generate.py"), "--selector", 'job="node"',
                    "--out", pdir], check=True, timeout=60)
    prom = Prometheus(pdir, os.path.join(pdir, "bootmemd.rules.yml"))
    lines = ["global:", "  scrape_interval: 1s", "  scrape_timeout: 1s", "  evaluation_interval: 1s",
             "rule_files:", f"  - {json.dumps(prom.rules)}", "scrape_configs:",
             "  - job_name: node", "    static_configs:", f"      - targets: {json.dumps(node_targets)}"] + RELABEL + [
             f"  - job_name: {JOB}", "    static_configs:", f"      - targets: {json.dumps(bm_targets)}"] + RELABEL
    with open(prom.config, "w") as f:
        f.write("\n".join(lines) + "\n")
    prom.start(args.prometheus)
    try:
        n = len(picked)
        wait_for("both jobs scraped", lambda: len(prom.query("up == 1")) == 2 * n, 30)
        hosts_want = sorted(hosts.values())

        def instances(expr):
            return sorted(dict(k)["instance"] for k in prom.query(expr))

        ok(instances(f'node_textfile_scrape_error == 0') == hosts_want,
           "node_exporter reads every bootmemd.prom without an error")
        for expr, what in [
                ('bootmemd_memtotal_bytes{job="node"} - on (instance) node_memory_MemTotal_bytes',
                 "textfile mode: the join with node_exporter gives one series per machine"),
                (f'bootmemd_memtotal_bytes{{job="{JOB}"}} - on (instance) node_memory_MemTotal_bytes',
                 "HTTP mode with the relabel recipe: the join gives one series per machine"),
                (f'bootmemd_gap_bytes{{job="{JOB}"}} / on (instance) node_memory_MemTotal_bytes',
                 "HTTP mode: what boot cost, as a share of node_exporter's MemTotal"),
                (f'bootmemd_boot_info{{job="{JOB}"}} * on (instance) group_left () '
                 f'bootmemd_boot_info{{job="node"}}',
                 "the two modes agree on every machine's boot"),
        ]:
            try:
                got = instances(expr)
            except ValueError as e:
                ok(False, what, f"Prometheus refused {expr}: {e}")
                continue
            ok(got == hosts_want, what, f"{expr}: got {got}, want {hosts_want}")
        for m in picked:
            v = prom.query(f'bootmemd_memtotal_bytes{{job="node", instance="{hosts[m.instance]}"}}')
            ok(list(v.values()) == [float(m.rec["memtotal_bytes"])],
               f"textfile mode: {m.instance}'s MemTotal under node_exporter's instance {hosts[m.instance]}", str(v))
        # textfile mode's rules: job="node" only, though bootmemd's own job is scraped too
        held = [m.held for m in picked if m.held is not None]
        want = {key({"job": "node"}): float(sum(held))} if held else {}
        wait_for("the textfile mode's recording rules", lambda: prom.query("job:bootmemd_held_bytes:sum") == want,
                 20, soft=True)
        same_query(lambda: prom.query("job:bootmemd_held_bytes:sum"), want,
                   'rules generated with --selector job="node": job:bootmemd_held_bytes:sum is the textfile mode\'s')
        counts = group(picked, lambda m: [({"job": "node", "release": m.release, "arch": m.arch}, 1)],
                       ["job", "release", "arch"])
        same_query(lambda: prom.query("release_arch:bootmemd_boot_info:count"), {k: float(v) for k, v in counts.items()},
                   'rules generated with --selector job="node": release_arch:bootmemd_boot_info:count')
        down = [r["expr"] for r in load_rules(prom.rules) if r.get("alert") == "BootmemdDown"]
        if ok(len(down) == 1 and down[0].endswith(" == 0"), "the generated BootmemdDown is `up{...} == 0`", str(down)):
            # the targets it watches: node_exporter's, not bootmemd's own job
            same_query(lambda: prom.query(down[0][:-len(" == 0")]),
                       {key({"__name__": "up", "job": "node", "instance": h}): 1.0 for h in hosts.values()},
                       'rules generated with --selector job="node": BootmemdDown watches node_exporter\'s targets')
        log(f"joined {n} machines with node_exporter, textfile and HTTP mode")
    finally:
        prom.stop()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootmemd", required=True)
    ap.add_argument("--fixtures", action="append", required=True, help="a directory of captured boots")
    ap.add_argument("--extra-root", action="append", default=[], help="one more captured boot")
    ap.add_argument("--out", required=True, help="where the PNG and the logs go")
    ap.add_argument("--prometheus", default=shutil.which("prometheus") or "prometheus")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    ap.add_argument("--node-exporter", default=shutil.which("prometheus-node-exporter") or "prometheus-node-exporter")
    ap.add_argument("--no-require-coverage", action="store_true",
                    help="do not insist on arm64, arm, x86_64 and freed, retained, rejected (development only)")
    args = ap.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bootmemd-fleet.")
    procs = []
    prom = None
    try:
        # -- the machines
        roots = []
        for d in args.fixtures:
            if not os.path.isdir(d):
                raise RuntimeError(f"no fixtures at {d}")
            roots += [os.path.join(d, e) for e in sorted(os.listdir(d)) if os.path.isdir(os.path.join(d, e))]
        roots += args.extra_root
        if not roots:
            raise RuntimeError("no captured boots to serve")
        machines = []
        for root in roots:
            out = subprocess.run([args.bootmemd, "--root", root, "--once", "--format=json"],
                                 capture_output=True, timeout=60, check=True).stdout
            machines.append(Machine(os.path.basename(root.rstrip("/")), root, json.loads(out)))
            machines[-1].read_board(subprocess.run([args.bootmemd, "--root", root, "--once", "--format=prometheus"],
                                                   capture_output=True, timeout=60, check=True, text=True).stdout)
        log(f"fleet: {len(machines)} machines: " + ", ".join(
            f"{m.instance} ({m.arch}, {m.mode}, initrd {m.initrd_fate})" for m in machines))
        if not args.no_require_coverage:
            archs = {m.arch for m in machines}
            fates = {m.initrd_fate for m in machines}
            need = [("an arm64 boot", "aarch64" in archs), ("a 32-bit arm boot", any(re.match(r"armv", a) for a in archs)),
                    ("an x86_64 boot", "x86_64" in archs), ("an initrd freed", "freed" in fates),
                    ("an initrd retained", "retained" in fates), ("an initrd rejected", "rejected" in fates)]
            for what, have in need:
                ok(have, f"the fixtures include {what}")
            if not all(h for _, h in need):
                raise RuntimeError("the fixtures do not cover the fleet the test needs")

        # kernel change on the same hardware: same RAM, more held
        pairs = [(a, b) for a in machines for b in machines
                 if a.mode == b.mode == "patched" and a.ram == b.ram and a.held is not None and b.held is not None
                 and b.held > a.held]
        if not pairs:
            raise RuntimeError("no two patched boots with the same RAM and different held bytes for the upgrade")
        # prefer the same arch and no mem= on either side, then the biggest growth
        before, after = max(pairs, key=lambda p: (p[0].arch == p[1].arch, not p[0].rec["removed_bytes"]
                                                  and not p[1].rec["removed_bytes"], p[1].held - p[0].held))
        log(f"upgrade-board: {before.instance} (held {before.held}, board {before.board}) -> {after.instance} "
            f"(held {after.held}, board {after.board})")

        # -- the daemons
        addr = {}
        for m in machines:
            port = free_port()
            lf = open(os.path.join(work, f"bootmemd-{m.instance}.log"), "w")
            p = subprocess.Popen([args.bootmemd, "--root", m.root, "--listen", f"127.0.0.1:{port}"],
                                 stdout=lf, stderr=subprocess.STDOUT)
            procs.append(p)
            addr[m.instance] = f"127.0.0.1:{port}"
        for m in machines:
            wait_for(f"bootmemd for {m.instance}",
                     lambda a=addr[m.instance]: http_get(f"http://{a}/healthz")[2] == b"ok\n", 20)
        dead = ("dead-board", f"127.0.0.1:{free_port()}")

        # -- Prometheus, phase 1: upgrade-board runs boot A under a renamed "previous" release
        prom = Prometheus(work, os.path.join(TOP, "dashboards/bootmemd.rules.yml"))
        base = [(addr[m.instance], m.instance, None) for m in machines] + [(dead[1], dead[0], None)]
        prom.write_config(base + [(addr[before.instance], "upgrade-board", "-previous")])
        prom.start(args.prometheus)
        log(f"prometheus on {prom.url}: waiting for the scrapes and the rules")
        wait_for("every target scraped", lambda: len(prom.query(f'up{{job="{JOB}"}} == 1')) == len(machines) + 1, 30)
        wait_for("the previous release recorded", lambda: prom.query(
            f'instance_release:bootmemd_held_bytes:max{{instance="upgrade-board", release="{before.release}-previous"}}'),
            30)
        time.sleep(2)

        # -- phase 2: upgrade-board reboots into boot B
        prom.write_config(base + [(addr[after.instance], "upgrade-board", None)])
        prom.reload()
        wait_for("upgrade-board on its new kernel", lambda: prom.query(
            f'bootmemd_boot_info{{instance="upgrade-board"}}') == {
            key(dict(job=JOB, instance="upgrade-board", release=after.release, arch=after.arch, mode=after.mode)): 1.0},
            30)
        upgraded = Machine("upgrade-board", after.root, after.rep)
        previous = Machine("upgrade-board", before.root, before.rep)
        upgraded.board, previous.board = after.board, before.board
        previous.release = before.release + "-previous"
        live = machines + [upgraded]
        wait_for("the kernel-change alert", lambda: prom.query(
            'ALERTS{alertname="BootmemdHeldGrewAfterKernelChange"}'), 20, soft=True)
        time.sleep(3)     # a few more scrapes and evaluations of the final state
        log(f"fleet up after {time.time() - t0:.1f}s")

        # -- the dashboard's variables
        dash = os.path.join(TOP, "dashboards/bootmemd-fleet.json")
        targets, variables = dashboard_targets(dash)
        all_sel = Selection("all")
        releases = {m.release for m in live} | {previous.release}
        want_vars = {
            "job": {JOB},
            "kernel_release": releases,
            "arch": {m.arch for m in live},
            "instance": {m.instance for m in live},
        }
        for v in variables:
            q = v["query"]["query"] if isinstance(v["query"], dict) else v["query"]
            mt = re.fullmatch(r"label_values\((.*), *(\w+)\)", all_sel.substitute(q))
            if not ok(mt, f"variable {v['name']}: {q} is label_values(selector, label)"):
                continue
            # what Grafana asks Prometheus for label_values(selector, label)
            got = set(prom.api(f"label/{mt.group(2)}/values", **{"match[]": mt.group(1), "start": f"{t0 - 60:.0f}",
                                                                  "end": f"{time.time():.0f}"}))
            ok(got == want_vars.get(v["name"]), f"variable {v['name']}: label_values gives {sorted(got)}",
               f"want {sorted(want_vars.get(v['name'], []))}")

        # -- every dashboard expression, under several selections
        x86 = [m for m in live if m.arch == "x86_64"]
        selections = [all_sel]
        if x86:
            selections.append(Selection("arch=x86_64", arch="x86_64"))
        selections.append(Selection(f"release={after.release}", release=re_escape(after.release)))
        fleet_titles = set()
        n_exprs = 0
        for row, title, t in targets:
            if row.startswith("Drill-down"):
                continue
            fleet_titles.add((title, t["refId"]))
            for sel in selections:
                S = sel.pick(live)
                oracle = fleet_oracles(S, down=1)
                k = (title, t["refId"])
                if not ok(k in oracle, f"an oracle for panel {title!r} {t['refId']}"):
                    break
                expr = sel.substitute(t["expr"])
                n_exprs += 1
                if t.get("range"):
                    end = time.time()
                    try:
                        got = prom.query_range(expr, end - 3, end)
                    except ValueError as e:
                        ok(False, f"panel {title!r} [{sel.name}] {expr}", f"Prometheus refused it: {e}")
                        continue
                    flat = {}
                    for s, vals in got.items():
                        if len(set(vals)) != 1:
                            ok(False, f"{title} [{sel.name}]: series {s} changes over the last 3 s", str(vals))
                        flat[s] = vals[-1]
                    same(flat, oracle[k], f"panel {title!r} {t['refId']} [{sel.name}] (range) {expr}")
                else:
                    same_query(lambda: prom.query(expr), oracle[k], f"panel {title!r} {t['refId']} [{sel.name}] {expr}")

        # the drill-down row, for every machine
        for m in live:
            sel = Selection(f"instance={m.instance}", instance=m.instance)
            oracle = drilldown_oracles(m)
            for row, title, t in targets:
                if not row.startswith("Drill-down"):
                    continue
                k = (title, t["refId"])
                if not ok(k in oracle, f"an oracle for drill-down panel {title!r} {t['refId']}"):
                    continue
                expr = sel.substitute(t["expr"])
                n_exprs += 1
                same_query(lambda: prom.query(expr), oracle[k], f"drill-down {m.instance}: {title!r} {t['refId']} {expr}")

        # the region figures add up to the machine's held bytes (METRICS.md)
        same_query(lambda: prom.query(f'sum by (job, instance) (bootmemd_region_held_bytes) - on (job, instance) '
                        f'bootmemd_held_bytes'),
             {key(m.labels()): 0.0 for m in live if m.held is not None},
             "Σ bootmemd_region_held_bytes == bootmemd_held_bytes on every patched machine")

        # -- every rule
        rules = load_rules(os.path.join(TOP, "dashboards/bootmemd.rules.yml"))
        oracle = rule_oracles(live, dead[0], (previous, upgraded))
        for r in rules:
            name = r.get("record") or r.get("alert")
            if not ok(name in oracle, f"an oracle for rule {name}"):
                continue
            n_exprs += 1
            same_query(lambda: prom.query(r["expr"]), oracle[name], f"rule {name}: expr")
            if "record" in r:
                same_query(lambda: prom.query(name), oracle[name], f"rule {name}: the recorded series")
        firing = {}
        for s in prom.api("query", query="ALERTS")["result"]:
            firing.setdefault((s["metric"]["alertname"], s["metric"]["alertstate"]), set()).add(
                s["metric"]["instance"])
        want_alerts = {}
        for r in rules:
            if "alert" in r and oracle.get(r["alert"]):
                state = "pending" if r.get("for") else "firing"
                want_alerts[(r["alert"], state)] = {dict(k)["instance"] for k in oracle[r["alert"]]}
        ok(firing == want_alerts, "ALERTS: exactly the alerts the fleet calls for",
           f"got {sorted((k, sorted(v)) for k, v in firing.items())}, "
           f"want {sorted((k, sorted(v)) for k, v in want_alerts.items())}")
        log(f"{n_exprs} PromQL evaluations checked against the fixtures")

        # -- the SVG map, as served
        for m in machines:
            status, headers, svg = http_get(f"http://{addr[m.instance]}/map.svg")
            ok(status == 200 and headers.get("Content-Type") == "image/svg+xml",
               f"{m.instance}: /map.svg is 200 image/svg+xml", f"{status} {headers.get('Content-Type')}")
            once = subprocess.run([args.bootmemd, "--root", m.root, "--once", "--format=svg"],
                                  capture_output=True, timeout=60, check=True).stdout
            ok(svg == once, f"{m.instance}: /map.svg is the picture --once --format=svg prints")
            for p in svgcheck.check_svg(svg, m.rep, m.instance):
                ok(False, p)
            _, _, page = http_get(f"http://{addr[m.instance]}/")
            ok(b'<img src="map.svg"' in page, f"{m.instance}: the landing page shows the map")

        # -- node_exporter: the textfile mode and the HTTP mode's relabel recipe
        join_node_exporter(args, machines, work, procs, args.node_exporter)

        # -- Chromium renders the landing page with the map
        shown = max([m for m in machines if m.mode == "patched"] or machines,
                    key=lambda m: (m.initrd_fate == "rejected", len(m.rep["regions"])))
        png = os.path.join(args.out, "landing.png")
        if os.path.exists(png):
            os.unlink(png)
        profile = tempfile.mkdtemp(prefix="chromium.", dir=work)
        width, height = 1100, 2400
        cmd = [args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-dev-shm-usage", "--hide-scrollbars", f"--user-data-dir={profile}",
               f"--screenshot={png}", f"--window-size={width},{height}", f"http://{addr[shown.instance]}/"]
        c = subprocess.run(cmd, capture_output=True, timeout=120)
        with open(os.path.join(args.out, "chromium.log"), "wb") as f:
            f.write(c.stdout + c.stderr)
        ok(c.returncode == 0, f"chromium exits 0 rendering {shown.instance}'s landing page",
           f"exit {c.returncode}, see {args.out}/chromium.log")
        if ok(os.path.exists(png) and os.path.getsize(png) > 1000, f"chromium wrote {png}"):
            w, h, bpp, rows = png_pixels(png)
            ok((w, h) == (width, height), f"the PNG is {width}x{height}", f"{w}x{h}")
            colors = {}
            for row in rows[::2]:
                for i in range(0, len(row), bpp * 2):
                    px = row[i:i + 3]
                    colors[px] = colors.get(px, 0) + 1
            total = sum(colors.values())
            white = colors.get(b"\xff\xff\xff", 0)
            ok(white < 0.97 * total and len(colors) > 20, "the PNG is not blank",
               f"{len(colors)} colors, {white / total:.1%} white")
            # the map's own rectangles, not just the legend's swatches (about 20 samples each):
            # every fate of a region drawn in its own row of the address map
            fates = {rg["fate"] for rg in shown.rep["regions"] if rg["ranges"] and rg["kind"] not in
                     ("owner", "pgtable", "memmap", "percpu") and rg["fate"] in FATE_COLORS}
            for fate in sorted(fates):
                rgb = bytes.fromhex(FATE_COLORS[fate])
                ok(colors.get(rgb, 0) >= 100, f"the PNG shows the map's {fate} regions",
                   f"{colors.get(rgb, 0)} samples of #{rgb.hex()}")
            log(f"landing page of {shown.instance} rendered to {png} ({w}x{h}, {len(colors)} colors)")
    finally:
        if prom:
            prom.stop()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in os.listdir(work):
            if f.endswith(".log"):
                shutil.copy(os.path.join(work, f), args.out)
        shutil.rmtree(work, ignore_errors=True)

    log(f"{checks} checks, {len(failures)} failed, {time.time() - t0:.1f}s")
    return 1 if failures else 0


FATE_COLORS = {
    # daemon/render-svg.c fate_colors[]
    "held": "e15759", "freed": "59a14f", "partially_freed": "f28e2b", "retained": "4e79a7",
    "rejected": "b07aa1", "nomap": "79706e", "reusable": "76b7b2", "not_ram": "9c755f",
    "shared": "d4a6c8", "unknown": "bab0ac",
}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        print(f"FAIL {e}", flush=True)
        sys.exit(1)
