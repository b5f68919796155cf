#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes bootmemd-fleet.json, the Grafana fleet dashboard.

The JSON is generated so that every panel and every query gets the same
datasource (the ${ds_prometheus} variable, as in Node Exporter Full), ids
are unique and the grid has no holes.  Edit this file, then run

    python3 dashboards/gen-fleet-dashboard.py            # rewrite the JSON
    python3 dashboards/gen-fleet-dashboard.py --check    # fail if it is stale

The expressions use only bootmemd's own metrics (daemon/METRICS.md): the
dashboard works without the recording rules in bootmemd.rules.yml.
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${ds_prometheus}"}

# The fleet selection: every fleet panel keeps the machines whose
# bootmemd_boot_info matches the job, kernel_release and arch variables.
INFO = 'bootmemd_boot_info{job=~"$job", release=~"$kernel_release", arch=~"$arch"}'
SEL = 'and on (job, instance) ' + INFO
# The drill-down row: one machine.
ONE = 'job=~"$job", instance="$instance"'

FATE_COLORS = {
    # the same colors as the SVG map (daemon/render-svg.c)
    "held": "#e15759", "freed": "#59a14f", "partially_freed": "#f28e2b",
    "retained": "#4e79a7", "rejected": "#b07aa1", "nomap": "#79706e",
    "reusable": "#76b7b2", "not_ram": "#9c755f", "shared": "#d4a6c8", "unknown": "#bab0ac",
}


class Layout:
    """Places panels left to right on Grafana's 24-column grid."""

    def __init__(self):
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1
        self.top = []
        self.row = None

    def _id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def _newline(self):
        self.y += self.row_h
        self.x = 0
        self.row_h = 0

    def add_row(self, title, collapsed, description=""):
        if self.x:
            self._newline()
        row = {
            "collapsed": collapsed,
            "datasource": DS,
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
            "id": self._id(),
            "panels": [],
            "title": title,
            "type": "row",
        }
        if description:
            row["description"] = description
        self.top.append(row)
        self.row = row
        self.y += 1

    def add(self, panel, w, h):
        if self.x + w > 24:
            self._newline()
        panel["id"] = self._id()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_h = max(self.row_h, h)
        if self.row is not None and self.row["collapsed"]:
            self.row["panels"].append(panel)
        else:
            self.top.append(panel)


def target(expr, ref, legend="", instant=True, fmt=None):
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "instant": instant,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "refId": ref,
    }
    if fmt:
        t["format"] = fmt
    return t


def thresholds(*steps):
    return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in steps]}


def panel(kind, title, description, targets, unit="bytes", options=None, defaults=None,
          overrides=None, transformations=None, links=None):
    d = {
        "color": {"mode": "thresholds"},
        "mappings": [],
        "thresholds": thresholds(("green", None)),
        "unit": unit,
    }
    d.update(defaults or {})
    p = {
        "datasource": DS,
        "description": description,
        "fieldConfig": {"defaults": d, "overrides": overrides or []},
        "options": options or {},
        "targets": targets,
        "title": title,
        "type": kind,
    }
    if transformations:
        p["transformations"] = transformations
    if links:
        p["links"] = links
    return p


def reduce_last():
    return {"calcs": ["lastNotNull"], "fields": "", "values": False}


def stat(title, description, targets, unit="bytes", defaults=None, text_mode="auto", color_mode="value"):
    return panel("stat", title, description, targets, unit, options={
        "colorMode": color_mode,
        "graphMode": "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": reduce_last(),
        "showPercentChange": False,
        "textMode": text_mode,
        "wideLayout": True,
    }, defaults=defaults)


def bargauge(title, description, targets, unit="bytes", defaults=None, overrides=None, links=None):
    return panel("bargauge", title, description, targets, unit, options={
        "displayMode": "gradient",
        "maxVizHeight": 300,
        "minVizHeight": 16,
        "minVizWidth": 8,
        "namePlacement": "auto",
        "orientation": "horizontal",
        "reduceOptions": reduce_last(),
        "showUnfilled": True,
        "sizing": "auto",
        "valueMode": "color",
    }, defaults=defaults or {"color": {"mode": "continuous-BlPu"}}, overrides=overrides, links=links)


def piechart(title, description, targets, unit, overrides=None):
    return panel("piechart", title, description, targets, unit, options={
        "displayLabels": ["name", "value"],
        "legend": {"displayMode": "table", "placement": "right", "showLegend": True, "values": ["value"]},
        "pieType": "donut",
        "reduceOptions": reduce_last(),
        "tooltip": {"mode": "single", "sort": "none"},
    }, defaults={"color": {"mode": "palette-classic"}}, overrides=overrides)


def table(title, description, targets, unit="bytes", transformations=None, no_value=None, overrides=None,
          sort_by=None, links=None):
    defaults = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}}
    if no_value:
        defaults["noValue"] = no_value
    options = {"cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""},
               "showHeader": True}
    if sort_by:
        options["sortBy"] = [{"displayName": sort_by, "desc": True}]
    return panel("table", title, description, targets, unit, options=options, defaults=defaults,
                 overrides=overrides, transformations=transformations, links=links)


def hide_columns(*names, rename=None, order=None):
    return {"id": "organize", "options": {
        "excludeByName": {n: True for n in names},
        "indexByName": {n: i for i, n in enumerate(order or [])},
        "renameByName": rename or {},
    }}


def fate_overrides():
    return [{"matcher": {"id": "byName", "options": f},
             "properties": [{"id": "color", "value": {"fixedColor": c, "mode": "fixed"}}]}
            for f, c in FATE_COLORS.items()]


def timeseries(title, description, targets, unit="bytes"):
    return panel("timeseries", title, description, targets, unit, options={
        "legend": {"calcs": ["lastNotNull", "max"], "displayMode": "table", "placement": "bottom",
                   "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }, defaults={
        "color": {"mode": "palette-classic"},
        "custom": {"drawStyle": "line", "lineInterpolation": "stepAfter", "lineWidth": 2,
                   "fillOpacity": 0, "showPoints": "auto", "spanNulls": False,
                   "axisPlacement": "auto", "axisSoftMin": 0},
    })


def variables():
    def query_var(name, label, query, multi, include_all, description):
        v = {
            "current": {},
            "datasource": DS,
            "definition": query,
            "description": description,
            "hide": 0,
            "includeAll": include_all,
            "label": label,
            "multi": multi,
            "name": name,
            "options": [],
            "query": {"qryType": 1, "query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "refresh": 2,
            "regex": "",
            "skipUrlSync": False,
            "sort": 1,
            "type": "query",
        }
        if include_all:
            v["allValue"] = ".+"
        return v

    return [
        {
            "current": {},
            "description": "The Prometheus that scrapes bootmemd",
            "hide": 0,
            "includeAll": False,
            "label": "Datasource",
            "multi": False,
            "name": "ds_prometheus",
            "options": [],
            "query": "prometheus",
            "refresh": 1,
            "regex": "",
            "skipUrlSync": False,
            "type": "datasource",
        },
        query_var("job", "Job", "label_values(bootmemd_boot_info, job)", True, True,
                  "Scrape jobs that have bootmemd targets"),
        query_var("kernel_release", "Kernel release", 'label_values(bootmemd_boot_info{job=~"$job"}, release)',
                  True, True, "Kernel releases (uname -r) running in the fleet"),
        query_var("arch", "Arch", 'label_values(bootmemd_boot_info{job=~"$job", release=~"$kernel_release"}, arch)',
                  True, True, "Machine architectures (uname -m)"),
        query_var("instance", "Instance",
                  'label_values(bootmemd_boot_info{job=~"$job", release=~"$kernel_release", arch=~"$arch"}, instance)',
                  False, False, "The machine shown in the drill-down row"),
    ]


def build():
    L = Layout()

    # ---- fleet overview -------------------------------------------------
    L.add_row("Fleet overview", collapsed=False)
    L.add(stat("Machines", "Machines whose bootmemd is scraped, within the selected jobs, releases and arches.",
               [target(f"count({INFO})", "A", "machines")], unit="none"), 4, 4)
    L.add(stat("Boot memory held, fleet total",
               "RAM still held at the end of boot by reservations the kernel log explains, summed over the "
               "selected machines (patched kernels only: a stock kernel cannot tell).",
               [target(f"sum(bootmemd_held_bytes{{job=~\"$job\"}} {SEL})", "A", "held")]), 4, 4)
    L.add(stat("Unexplained bytes, fleet total",
               "Σ |unexplained| over the selected machines: RAM that neither MemTotal nor a reservation, no-map "
               "or removal accounts for. It must be 0 (alert BootmemdUnexplainedBytes).",
               [target(f"sum(abs(bootmemd_unexplained_bytes{{job=~\"$job\"}}) {SEL})", "A", "unexplained")],
               defaults={"thresholds": thresholds(("green", None), ("red", 1))}, color_mode="background"), 4, 4)
    L.add(stat("Machines with dropped log events",
               "Machines whose kernel log overflowed (CONFIG_BOOTMEM_FATE_RECORDS too small): their figures "
               "are incomplete.",
               [target(f"count((sum without (kind) (bootmemd_log_dropped_events{{job=~\"$job\"}}) > 0) {SEL}) or vector(0)", "A",
                       "machines")],
               unit="none", defaults={"thresholds": thresholds(("green", None), ("orange", 1))},
               color_mode="background"), 4, 4)
    L.add(stat("Stock kernels",
               "Machines running a kernel without the bootmem_fate log: bootmemd reports only what /proc, "
               "/sys and the boot messages tell.",
               [target('count(bootmemd_boot_info{job=~"$job", release=~"$kernel_release", arch=~"$arch", '
                       'mode="stock"}) or vector(0)', "A", "machines")],
               unit="none", defaults={"thresholds": thresholds(("green", None), ("blue", 1))}), 4, 4)
    L.add(stat("bootmemd targets down", "Targets of the selected jobs that Prometheus cannot scrape (up == 0).",
               [target('count(up{job=~"$job"} == 0) or vector(0)', "A", "down")],
               unit="none", defaults={"thresholds": thresholds(("green", None), ("red", 1))},
               color_mode="background"), 4, 4)

    # ---- where the boot memory goes --------------------------------------
    L.add_row("Where the boot memory goes", collapsed=False)
    L.add(bargauge("Boot memory held by owner",
                   "Bytes still held at the end of boot, by region (kernel sections, initrd, FDT, carve-outs, "
                   "and other reservations grouped by the function that asked for them), summed over the "
                   "selected machines.  Only anonymous owners (reservations named by the function that made them) past the 8 biggest are summed as \"other\"; the image, initrd, FDT and every named carve-out always have their own series.",
                   [target(f"sort_desc(sum by (region) (bootmemd_region_held_bytes{{job=~\"$job\"}} {SEL}) > 0)",
                           "A", "{{region}}")]), 12, 10)
    L.add(piechart("Held by kind", "The same bytes by kind of region, summed over the selected machines.",
                   [target(f"sum by (kind) (bootmemd_region_held_bytes{{job=~\"$job\"}} {SEL}) > 0", "A",
                           "{{kind}}")], "bytes"), 12, 10)
    L.add(piechart("Initrd fate across the fleet",
                   "Machines by what became of their initrd: freed after unpacking, retained on purpose "
                   "(retain_initrd, crashkernel overlap), rejected by the kernel, or still held.",
                   [target(f"sum by (fate) (bootmemd_initrd_fate{{job=~\"$job\"}} {SEL}) > 0", "A", "{{fate}}")],
                   "none", overrides=fate_overrides()), 8, 9)
    L.add(table("Machines whose initrd was not freed",
                "Every machine whose initrd ended other than freed, and how.  Retained is intended; held or "
                "partially_freed fires BootmemdInitrdNotFreed, rejected fires BootmemdInitrdRejected.",
                [target(f"bootmemd_initrd_fate{{job=~\"$job\", fate!=\"freed\"}} == 1 {SEL}", "A", fmt="table")],
                unit="none", no_value="Every initrd was freed",
                transformations=[hide_columns("Time", "Value", "__name__", rename={"fate": "initrd fate"},
                                              order=["instance", "job", "fate"])]), 8, 9)
    L.add(table("Unexplained bytes by machine",
                "Machines whose reconciliation does not close (RAM = MemTotal + held + no-map + removed + "
                "unexplained).  Empty is the expected state.",
                [target(f"bootmemd_unexplained_bytes{{job=~\"$job\"}} != 0 {SEL}", "A", fmt="table")],
                no_value="Every byte explained on every machine",
                transformations=[hide_columns("Time", "__name__", rename={"Value": "unexplained"},
                                              order=["instance", "job", "Value"])]), 8, 9)
    L.add(bargauge("Kernel image held and init freed, by release",
                   "Per kernel release, the average bytes of the kernel image (all sections) still held, and "
                   "of its init section given back by free_initmem().",
                   [target("avg by (release, arch) (sum by (job, instance) "
                           "(bootmemd_region_held_bytes{job=~\"$job\", kind=~\"kernel|kernel_.+\"}) "
                           f"* on (job, instance) group_left (release, arch) {INFO})",
                           "A", "{{release}} {{arch}}: kernel image held"),
                    target("avg by (release, arch) (sum by (job, instance) "
                           "(bootmemd_region_freed_bytes{job=~\"$job\", kind=\"kernel_init\"}) "
                           f"* on (job, instance) group_left (release, arch) {INFO})",
                           "B", "{{release}} {{arch}}: init freed")]), 12, 8)
    L.add(bargauge("Reserved-memory carve-outs by name",
                   "What the device tree's /reserved-memory nodes, /memreserve/ entries, CMA areas and the "
                   "crash kernel reserve, by name, summed over the selected machines.",
                   [target("sort_desc(sum by (region, kind) (bootmemd_region_reserved_bytes{job=~\"$job\", "
                           f"kind=~\"reserved_memory|memreserve|cma|crashkernel\"}} {SEL}))",
                           "A", "{{region}} ({{kind}})")]), 12, 8)
    L.add(bargauge("Top 10 machines by held boot memory",
                   "The machines that keep the most boot memory.",
                   [target(f"topk(10, bootmemd_held_bytes{{job=~\"$job\"}} {SEL})", "A", "{{instance}}")]),
          12, 9)
    L.add(timeseries("Held boot memory by kernel release",
                     "Average held boot memory per machine, by kernel release and arch.  A new release drawn "
                     "above its predecessor holds more: see alert BootmemdHeldGrewAfterKernelChange.",
                     [target("avg by (release, arch) (bootmemd_held_bytes{job=~\"$job\"} "
                             f"* on (job, instance) group_left (release, arch) {INFO})",
                             "A", "{{release}} ({{arch}})", instant=False)]), 12, 9)

    # ---- drill-down -----------------------------------------------------
    L.add_row("Drill-down: $instance", collapsed=True,
              description="One machine: its kernel, reconciliation, regions and their lifecycle.")
    map_link = [{"targetBlank": True, "title": "Memory map of ${instance} (SVG, served by bootmemd)",
                 "url": "http://${instance}/map.svg"}]
    L.add(table("Kernel", "The booted kernel and how bootmemd read it.",
                [target(f"bootmemd_boot_info{{{ONE}}}", "A", fmt="table")], unit="none",
                transformations=[hide_columns("Time", "Value", "__name__", "job", "instance",
                                              order=["release", "arch", "mode"])]), 8, 4)
    L.add(stat("Initrd fate", "What became of this machine's initrd.",
               [target(f"bootmemd_initrd_fate{{{ONE}}} == 1", "A", "{{fate}}")], unit="none",
               text_mode="name", color_mode="background",
               defaults={"color": {"mode": "fixed", "fixedColor": "text"}}), 4, 4)
    L.add(stat("Kernel log", "Records kept in the kernel's bootmem_fate log, events it dropped, and whether "
               "MemTotal rebuilt from the log equals /proc/meminfo (1 = yes).",
               [target(f"bootmemd_log_records{{{ONE}}}", "A", "records"),
                target(f"sum without (kind) (bootmemd_log_dropped_events{{{ONE}}})", "B", "dropped"),
                target(f"bootmemd_memtotal_consistent{{{ONE}}}", "C", "MemTotal consistent")],
               unit="none"), 6, 4)
    L.add(stat("Findings", "Where the firmware's intent (FDT, boot_params) and the kernel's action disagree.",
               [target(f"bootmemd_findings{{{ONE}}}", "A", "{{severity}}")], unit="none"), 6, 4)
    L.add(stat("Reconciliation: RAM = MemTotal + held + no-map + removed + unexplained",
               "This machine's RAM, and where it went.",
               [target(f"bootmemd_ram_bytes{{{ONE}}}", "A", "RAM"),
                target(f"bootmemd_memtotal_bytes{{{ONE}}}", "B", "MemTotal"),
                target(f"bootmemd_held_bytes{{{ONE}}}", "C", "held"),
                target(f"bootmemd_nomap_bytes{{{ONE}}}", "D", "no-map"),
                target(f"bootmemd_removed_bytes{{{ONE}}}", "E", "removed"),
                target(f"bootmemd_unexplained_bytes{{{ONE}}}", "F", "unexplained")]), 24, 4)
    L.add(table("Regions and their lifecycle on $instance",
                "Each region: bytes it reserved, bytes still held at the end of boot and bytes released to "
                "the page allocator.  The lifecycle event by event, with times, is in the memory map (panel "
                "link) and at /api/v1/events.",
                [target(f"bootmemd_region_reserved_bytes{{{ONE}}}", "A", fmt="table"),
                 target(f"bootmemd_region_held_bytes{{{ONE}}}", "B", fmt="table"),
                 target(f"bootmemd_region_freed_bytes{{{ONE}}}", "C", fmt="table")],
                transformations=[
                    {"id": "merge", "options": {}},
                    hide_columns("Time", "__name__", "job", "instance",
                                 rename={"Value #A": "reserved", "Value #B": "held", "Value #C": "freed"},
                                 order=["region", "kind", "Value #A", "Value #B", "Value #C"]),
                ], sort_by="held", links=map_link), 14, 12)
    L.add(bargauge("Held by region on $instance", "Bytes each region still holds on this machine.",
                   [target(f"sort_desc(bootmemd_region_held_bytes{{{ONE}}} > 0)", "A", "{{region}}")],
                   links=map_link), 10, 12)
    L.add(table("Sources", "The inputs bootmemd read on this machine (1 = available).",
                [target(f"bootmemd_source_info{{{ONE}}}", "A", fmt="table")], unit="none",
                transformations=[hide_columns("Time", "Value", "__name__", "job", "instance",
                                              order=["source", "available"])]), 24, 6)

    return {
        "annotations": {"list": []},
        "description": "Boot memory across a fleet: who holds it, what became of the initrd, carve-outs, "
                       "unexplained bytes and regressions between kernel releases (bootmemd).",
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": [],
        "liveNow": False,
        "panels": L.top,
        "refresh": "1m",
        "schemaVersion": 39,
        "tags": ["bootmemd", "memory", "boot"],
        "templating": {"list": variables()},
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": "bootmemd / Fleet boot memory",
        "uid": "bootmemd-fleet",
        "version": 1,
        "weekStart": "",
    }


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootmemd-fleet.json")
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if sys.argv[1:] == ["--check"]:
        with open(out, encoding="utf-8") as f:
            if f.read() != text:
                sys.exit(f"{out} is stale: run python3 {sys.argv[0]}")
        return
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
