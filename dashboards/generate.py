#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes bootmemd's Grafana fleet dashboard and its Prometheus rules.

    python3 dashboards/generate.py                 # rewrite both from config.json
    python3 dashboards/generate.py --check         # fail if either is stale
    python3 dashboards/generate.py --selector 'job=~"bootmemd.*"' --out DIR

Both files come from one configuration (dashboards/config.json, or the file
--config names, with the options below on top), in the manner of a
monitoring mixin:

  selector      label matchers that pick bootmemd's series, without braces
                (default job="bootmemd").  Every bootmemd_* and up vector
                selector of the dashboard and of the rules carries them,
                BootmemdDown included.
  uid, title    the dashboard's uid and title
  tags          the dashboard's tags; its dashboard link lists every
                dashboard with link_tag among its tags
  link_tag      the tag of the "bootmemd dashboards" link (default bootmemd)
  bootmemd_url  where a browser reaches one machine's bootmemd, ${instance}
                standing for the instance label (default http://${instance});
                the map, landing page and JSON links are built from it
  docs_url      an optional link to the documentation, shown on the dashboard

The dashboard's expressions use only bootmemd's own metrics
(daemon/METRICS.md): it works without the recording rules.  The JSON is
generated so that every panel and every query gets the same datasource (the
${ds_prometheus} variable, as in Node Exporter Full), ids are unique and the
grid has no holes.  The rules are written as YAML by hand (the standard
library has no YAML writer); promtool checks them in the fleet suite.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DASHBOARD = "bootmemd-fleet.json"
RULES = "bootmemd.rules.yml"

DEFAULTS = {
    "selector": 'job="bootmemd"',
    "uid": "bootmemd-fleet",
    "title": "bootmemd / Fleet boot memory",
    "tags": ["bootmemd", "memory", "boot"],
    "link_tag": "bootmemd",
    "bootmemd_url": "http://${instance}",
    "docs_url": "",
}

DS = {"type": "prometheus", "uid": "${ds_prometheus}"}

FATE_COLORS = {
    # the same colors as the SVG map (daemon/render-svg.c)
    "held": "#e15759", "freed": "#59a14f", "partially_freed": "#f28e2b",
    "retained": "#4e79a7", "rejected": "#b07aa1", "nomap": "#79706e",
    "reusable": "#76b7b2", "not_ram": "#9c755f", "shared": "#d4a6c8", "unknown": "#bab0ac",
}

MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*')


class ConfigError(Exception):
    pass


def parse_selector(text):
    """'job="a", env=~"p.*"' -> the same matchers, normalized: 'job="a", env=~"p.*"'."""
    out, pos = [], 0
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    while pos < len(text):
        m = MATCHER.match(text, pos)
        if not m:
            raise ConfigError(f"selector {text!r}: no label matcher at {text[pos:]!r} "
                              '(want name="value", name=~"regex", ... separated by commas)')
        out.append(f"{m.group(1)}{m.group(2)}{m.group(3)}")
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise ConfigError(f"selector {text!r}: ',' expected at {text[pos:]!r}")
            pos += 1
    if not out:
        # up{} would be every target Prometheus scrapes
        raise ConfigError("the selector is empty: it must pick bootmemd's targets, e.g. job=\"bootmemd\"")
    if any(c < " " for c in text):
        raise ConfigError(f"selector {text!r}: a control character (write \\n in a regex instead)")
    if "$" in text:
        raise ConfigError(f"selector {text!r}: '$' would be a Grafana variable in the dashboard and not in the rules")
    return ", ".join(out)


class Config:
    def __init__(self, d):
        unknown = set(d) - set(DEFAULTS) - {k for k in d if k.startswith("_")}
        if unknown:
            raise ConfigError(f"unknown configuration keys: {', '.join(sorted(unknown))} "
                              f"(known: {', '.join(DEFAULTS)})")
        c = dict(DEFAULTS)
        c.update({k: v for k, v in d.items() if not k.startswith("_")})
        for k, v in c.items():
            if k == "tags":
                if not (isinstance(v, list) and all(isinstance(t, str) and t for t in v)):
                    raise ConfigError("tags: a list of strings")
            elif not isinstance(v, str):
                raise ConfigError(f"{k}: a string")
        self.selector = parse_selector(c["selector"])
        self.uid, self.title, self.tags = c["uid"], c["title"], c["tags"]
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", self.uid):
            raise ConfigError(f"uid {self.uid!r}: 1 to 40 letters, digits, '-' or '_' (Grafana's rule)")
        if not self.title:
            raise ConfigError("title: empty")
        self.link_tag = c["link_tag"]
        if self.link_tag and self.link_tag not in self.tags:
            raise ConfigError(f"link_tag {self.link_tag!r} is not among tags {self.tags}: the dashboard would "
                              "not list itself")
        url = c["bootmemd_url"]
        if url.count("${instance}") != 1:
            raise ConfigError(f"bootmemd_url {url!r}: must contain ${{instance}} once")
        # Grafana does not expand a variable inside another variable's value, so
        # the URL becomes two variables around the instance: prefix, suffix.
        self.url_prefix, self.url_suffix = url.split("${instance}")
        self.url_suffix = self.url_suffix.rstrip("/")
        self.bootmemd_url = url
        self.docs_url = c["docs_url"]


def load_config(path):
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{path}: {e}")
    if not isinstance(d, dict):
        raise ConfigError(f"{path}: not a JSON object")
    return d


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
          overrides=None, transformations=None, links=None, field_links=None):
    d = {
        "color": {"mode": "thresholds"},
        "mappings": [],
        "thresholds": thresholds(("green", None)),
        "unit": unit,
    }
    d.update(defaults or {})
    if field_links:
        # data links: one per row of a table, per bar of a bar gauge
        d["links"] = field_links
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


def stat(title, description, targets, unit="bytes", defaults=None, text_mode="auto", color_mode="value",
         links=None):
    return panel("stat", title, description, targets, unit, links=links, options={
        "colorMode": color_mode,
        "graphMode": "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "reduceOptions": reduce_last(),
        "showPercentChange": False,
        "textMode": text_mode,
        "wideLayout": True,
    }, defaults=defaults)


def bargauge(title, description, targets, unit="bytes", defaults=None, overrides=None, links=None,
             field_links=None):
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
    }, defaults=defaults or {"color": {"mode": "continuous-BlPu"}}, overrides=overrides, links=links,
        field_links=field_links)


def piechart(title, description, targets, unit, overrides=None):
    return panel("piechart", title, description, targets, unit, options={
        "displayLabels": ["name", "value"],
        "legend": {"displayMode": "table", "placement": "right", "showLegend": True, "values": ["value"]},
        "pieType": "donut",
        "reduceOptions": reduce_last(),
        "tooltip": {"mode": "single", "sort": "none"},
    }, defaults={"color": {"mode": "palette-classic"}}, overrides=overrides)


def table(title, description, targets, unit="bytes", transformations=None, no_value=None, overrides=None,
          sort_by=None, links=None, field_links=None):
    defaults = {"custom": {"align": "auto", "cellOptions": {"type": "auto"}, "inspect": False}}
    if no_value:
        defaults["noValue"] = no_value
    options = {"cellHeight": "sm", "footer": {"show": False, "reducer": ["sum"], "fields": ""},
               "showHeader": True}
    if sort_by:
        options["sortBy"] = [{"displayName": sort_by, "desc": True}]
    return panel("table", title, description, targets, unit, options=options, defaults=defaults,
                 overrides=overrides, transformations=transformations, links=links, field_links=field_links)


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


def machine_url(instance, path):
    """A link into one machine's bootmemd: the configured URL around `instance` (a
    Grafana variable or data link field), then `path`."""
    return "${bootmemd_url_prefix}" + instance + "${bootmemd_url_suffix}" + path


# What a link to another view of this dashboard keeps: the time range and
# every variable but instance.
KEEP = "&".join(["${__url_time_range}"] + [f"${{{v}:queryparam}}" for v in (
    "ds_prometheus", "job", "kernel_release", "arch", "bootmemd_url_prefix", "bootmemd_url_suffix")])


def machine_links(cfg, instance, drill_down=True):
    """Data links of a fleet panel's row or bar: that machine's drill-down, its map."""
    links = []
    if drill_down:
        links.append({"targetBlank": False, "title": f"Drill down into {instance}",
                      "url": f"/d/{cfg.uid}?{KEEP}&var-instance={instance}"})
    links.append({"targetBlank": True, "title": f"Memory map of {instance} (SVG, served by bootmemd)",
                  "url": machine_url(instance, "/map.svg")})
    return links


def variables(cfg):
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

    def textbox(name, label, value, description):
        # hidden: set in the dashboard's settings, or with var-NAME= in its URL
        return {
            "current": {"selected": False, "text": value, "value": value},
            "description": description,
            "hide": 2,
            "label": label,
            "name": name,
            "options": [{"selected": True, "text": value, "value": value}],
            "query": value,
            "skipUrlSync": False,
            "type": "textbox",
        }

    info = "bootmemd_boot_info{" + cfg.selector
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
        query_var("job", "Job", f"label_values({info}}}, job)", True, True,
                  "Scrape jobs that have bootmemd targets"),
        query_var("kernel_release", "Kernel release", f'label_values({info}, job=~"$job"}}, release)',
                  True, True, "Kernel releases (uname -r) running in the fleet"),
        query_var("arch", "Arch", f'label_values({info}, job=~"$job", release=~"$kernel_release"}}, arch)',
                  True, True, "Machine architectures (uname -m)"),
        query_var("instance", "Instance",
                  f'label_values({info}, job=~"$job", release=~"$kernel_release", arch=~"$arch"}}, instance)',
                  False, False, "The machine shown in the drill-down row"),
        textbox("bootmemd_url_prefix", "bootmemd URL before the instance", cfg.url_prefix,
                "The links to a machine's bootmemd (its map, landing page, JSON) are "
                "${bootmemd_url_prefix}<instance>${bootmemd_url_suffix}/map.svg and so on: "
                f"{cfg.bootmemd_url} as configured. Point it at a reverse proxy for TLS, "
                "authentication or a bootmemd that listens on loopback only."),
        textbox("bootmemd_url_suffix", "bootmemd URL after the instance", cfg.url_suffix,
                "What follows the instance in the links to a machine's bootmemd, before /map.svg "
                "(see bootmemd_url_prefix)."),
    ]


def dashboard_links(cfg):
    links = []
    if cfg.link_tag:
        links.append({"asDropdown": True, "icon": "external link", "includeVars": True, "keepTime": True,
                      "tags": [cfg.link_tag], "targetBlank": False, "title": "bootmemd dashboards",
                      "tooltip": f"Every dashboard tagged {cfg.link_tag}", "type": "dashboards", "url": ""})
    links.append({"asDropdown": False, "icon": "info", "includeVars": False, "keepTime": False, "tags": [],
                  "targetBlank": True, "title": "bootmemd on $instance",
                  "tooltip": "The machine's own page: its memory map and every endpoint, with what it serves",
                  "type": "link", "url": machine_url("${instance}", "/")})
    if cfg.docs_url:
        links.append({"asDropdown": False, "icon": "doc", "includeVars": False, "keepTime": False, "tags": [],
                      "targetBlank": True, "title": "bootmemd documentation",
                      "tooltip": "What each metric means and how they sum (METRICS.md)", "type": "link",
                      "url": cfg.docs_url})
    return links


def build_dashboard(cfg):
    def vs(metric, *matchers):
        """A vector selector: the configured selector, the job variable, then `matchers`."""
        return metric + "{" + ", ".join([cfg.selector, 'job=~"$job"', *matchers]) + "}"

    def one(metric, *matchers):
        """The drill-down row's machine."""
        return vs(metric, 'instance="$instance"', *matchers)

    # The fleet selection: every fleet panel keeps the machines whose
    # bootmemd_boot_info matches the job, kernel_release and arch variables.
    INFO = vs("bootmemd_boot_info", 'release=~"$kernel_release"', 'arch=~"$arch"')
    SEL = "and on (job, instance) " + INFO
    row_links = machine_links(cfg, "${__data.fields.instance}")
    bar_links = machine_links(cfg, "${__field.labels.instance}")
    L = Layout()

    # ---- fleet overview -------------------------------------------------
    L.add_row("Fleet overview", collapsed=False)
    L.add(stat("Machines", "Machines whose bootmemd is scraped, within the selected jobs, releases and arches.",
               [target(f"count({INFO})", "A", "machines")], unit="none"), 4, 4)
    L.add(stat("Boot memory held, fleet total",
               "RAM still held at the end of boot by reservations the kernel log explains, summed over the "
               "selected machines (patched kernels only: a stock kernel cannot tell).",
               [target(f"sum({vs('bootmemd_held_bytes')} {SEL})", "A", "held")]), 4, 4)
    L.add(stat("Unexplained bytes, fleet total",
               "Σ |unexplained| over the selected machines: RAM that neither MemTotal nor a reservation, no-map "
               "or removal accounts for. It must be 0 (alert BootmemdUnexplainedBytes).",
               [target(f"sum(abs({vs('bootmemd_unexplained_bytes')}) {SEL})", "A", "unexplained")],
               defaults={"thresholds": thresholds(("green", None), ("red", 1))}, color_mode="background"), 4, 4)
    L.add(stat("Machines with dropped log events",
               "Machines whose kernel log overflowed (CONFIG_BOOTMEM_FATE_RECORDS too small): their figures "
               "are incomplete.",
               [target(f"count((sum without (kind) ({vs('bootmemd_log_dropped_events')}) > 0) {SEL}) or vector(0)",
                       "A", "machines")],
               unit="none", defaults={"thresholds": thresholds(("green", None), ("orange", 1))},
               color_mode="background"), 4, 4)
    L.add(stat("Stock kernels",
               "Machines running a kernel without the bootmem_fate log: bootmemd reports only what /proc, "
               "/sys and the boot messages tell.",
               [target("count(" + vs("bootmemd_boot_info", 'release=~"$kernel_release"', 'arch=~"$arch"', 'mode="stock"')
                       + ") or vector(0)", "A", "machines")],
               unit="none", defaults={"thresholds": thresholds(("green", None), ("blue", 1))}), 4, 4)
    L.add(stat("bootmemd targets down", "Targets of the selected jobs that Prometheus cannot scrape (up == 0).",
               [target(f"count({vs('up')} == 0) or vector(0)", "A", "down")],
               unit="none", defaults={"thresholds": thresholds(("green", None), ("red", 1))},
               color_mode="background"), 4, 4)

    # ---- where the boot memory goes --------------------------------------
    L.add_row("Where the boot memory goes", collapsed=False)
    L.add(bargauge("Boot memory held by owner",
                   "Bytes still held at the end of boot, by region (kernel sections, initrd, FDT, carve-outs, "
                   "and other reservations grouped by the function that asked for them), summed over the "
                   "selected machines.  Only anonymous owners (reservations named by the function that made them) past the 8 biggest are summed as \"other\"; the image, initrd, FDT and every named carve-out always have their own series.",
                   [target(f"sort_desc(sum by (region) ({vs('bootmemd_region_held_bytes')} {SEL}) > 0)",
                           "A", "{{region}}")]), 12, 10)
    L.add(piechart("Held by kind", "The same bytes by kind of region, summed over the selected machines.",
                   [target(f"sum by (kind) ({vs('bootmemd_region_held_bytes')} {SEL}) > 0", "A",
                           "{{kind}}")], "bytes"), 12, 10)
    L.add(piechart("Initrd fate across the fleet",
                   "Machines by what became of their initrd: freed after unpacking, retained on purpose "
                   "(retain_initrd, crashkernel overlap), rejected by the kernel, or still held.",
                   [target(f"sum by (fate) ({vs('bootmemd_initrd_fate')} {SEL}) > 0", "A", "{{fate}}")],
                   "none", overrides=fate_overrides()), 8, 9)
    L.add(table("Machines whose initrd was not freed",
                "Every machine whose initrd ended other than freed, and how.  Retained is intended; held or "
                "partially_freed fires BootmemdInitrdNotFreed, rejected fires BootmemdInitrdRejected.  "
                "A row links to the machine's drill-down and its map.",
                [target(vs("bootmemd_initrd_fate", 'fate!="freed"') + " == 1 " + SEL, "A", fmt="table")],
                unit="none", no_value="Every initrd was freed",
                transformations=[hide_columns("Time", "Value", "__name__", rename={"fate": "initrd fate"},
                                              order=["instance", "job", "fate"])],
                field_links=row_links), 8, 9)
    L.add(table("Unexplained bytes by machine",
                "Machines whose reconciliation does not close (RAM = MemTotal + held + no-map + removed + "
                "unexplained).  Empty is the expected state.  A row links to the machine's drill-down and its "
                "map.",
                [target(f"{vs('bootmemd_unexplained_bytes')} != 0 {SEL}", "A", fmt="table")],
                no_value="Every byte explained on every machine",
                transformations=[hide_columns("Time", "__name__", rename={"Value": "unexplained"},
                                              order=["instance", "job", "Value"])],
                field_links=row_links), 8, 9)
    L.add(bargauge("Kernel image held and init freed, by release",
                   "Per kernel release, the average bytes of the kernel image (all sections) still held, and "
                   "of its init section given back by free_initmem().",
                   [target("avg by (release, arch) (sum by (job, instance) "
                           "(" + vs("bootmemd_region_held_bytes", 'kind=~"kernel|kernel_.+"') + ") "
                           f"* on (job, instance) group_left (release, arch) {INFO})",
                           "A", "{{release}} {{arch}}: kernel image held"),
                    target("avg by (release, arch) (sum by (job, instance) "
                           "(" + vs("bootmemd_region_freed_bytes", 'kind="kernel_init"') + ") "
                           f"* on (job, instance) group_left (release, arch) {INFO})",
                           "B", "{{release}} {{arch}}: init freed")]), 12, 8)
    L.add(bargauge("Reserved-memory carve-outs by name",
                   "What the device tree's /reserved-memory nodes, /memreserve/ entries, CMA areas and the "
                   "crash kernel reserve, by name, summed over the selected machines.",
                   [target("sort_desc(sum by (region, kind) ("
                           + vs("bootmemd_region_reserved_bytes", 'kind=~"reserved_memory|memreserve|cma|crashkernel"')
                           + f" {SEL}))", "A", "{{region}} ({{kind}})")]), 12, 8)
    L.add(bargauge("Top 10 machines by held boot memory",
                   "The machines that keep the most boot memory.  A bar links to the machine's drill-down and "
                   "its map.",
                   [target(f"topk(10, {vs('bootmemd_held_bytes')} {SEL})", "A", "{{instance}}")],
                   field_links=bar_links), 12, 9)
    L.add(timeseries("Held boot memory by kernel release",
                     "Average held boot memory per machine, by kernel release and arch.  A new release drawn "
                     "above its predecessor holds more: see alert BootmemdHeldGrewAfterKernelChange.",
                     [target(f"avg by (release, arch) ({vs('bootmemd_held_bytes')} "
                             f"* on (job, instance) group_left (release, arch) {INFO})",
                             "A", "{{release}} ({{arch}})", instant=False)]), 12, 9)
    L.add(table("Machines by board",
                "How many of the selected machines run on each board, as bootmemd_machine_info names it: the "
                "device tree's model, or the DMI vendor and product.  Machines whose firmware names no board "
                "are not counted here.",
                [target("count by (model, dmi_vendor, dmi_product) ("
                        + vs("bootmemd_machine_info") + f" {SEL})", "A", fmt="table")],
                unit="none", no_value="No machine names its board", sort_by="machines",
                transformations=[hide_columns("Time", rename={"Value": "machines", "dmi_vendor": "DMI vendor",
                                                              "dmi_product": "DMI product"},
                                              order=["model", "dmi_vendor", "dmi_product", "Value"])]), 24, 6)

    # ---- drill-down -----------------------------------------------------
    L.add_row("Drill-down: $instance", collapsed=True,
              description="One machine: its kernel, board, reconciliation, regions and their lifecycle.")
    map_link = {"targetBlank": True, "title": "Memory map of ${instance} (SVG, served by bootmemd)",
                "url": machine_url("${instance}", "/map.svg")}

    def api_link(title, path):
        return {"targetBlank": True, "title": f"{title} of ${{instance}} (JSON, served by bootmemd)",
                "url": machine_url("${instance}", path)}

    report_link = api_link("The report", "/api/v1/report")
    L.add(table("Kernel", "The booted kernel and how bootmemd read it.",
                [target(one("bootmemd_boot_info"), "A", fmt="table")], unit="none",
                transformations=[hide_columns("Time", "Value", "__name__", "job", "instance", "boot_id",
                                              order=["release", "arch", "mode"])], links=[report_link]), 6, 4)
    L.add(table("Board", "The machine's identity: the device tree's model and compatible, or the DMI vendor and "
                "product (empty when the firmware tells neither).",
                [target(one("bootmemd_machine_info"), "A", fmt="table")], unit="none",
                no_value="The firmware names no board",
                transformations=[hide_columns("Time", "Value", "__name__", "job", "instance",
                                              order=["model", "compatible", "dmi_vendor", "dmi_product"])]), 6, 4)
    L.add(stat("Initrd fate", "What became of this machine's initrd.  The panel links to its initrd events.",
               [target(f"{one('bootmemd_initrd_fate')} == 1", "A", "{{fate}}")], unit="none",
               text_mode="name", color_mode="background",
               defaults={"color": {"mode": "fixed", "fixedColor": "text"}},
               links=[api_link("The initrd's events", "/api/v1/events?tag=initrd")]), 4, 4)
    L.add(stat("Kernel log", "Records kept in the kernel's bootmem_fate log, events it dropped, and whether "
               "MemTotal rebuilt from the log equals /proc/meminfo (1 = yes).",
               [target(one("bootmemd_log_records"), "A", "records"),
                target(f"sum without (kind) ({one('bootmemd_log_dropped_events')})", "B", "dropped"),
                target(one("bootmemd_memtotal_consistent"), "C", "MemTotal consistent")],
               unit="none", links=[api_link("Every event", "/api/v1/events")]), 4, 4)
    L.add(stat("Findings", "Where the firmware's intent (FDT, boot_params) and the kernel's action disagree.  "
               "The panel links to the report, which lists them.",
               [target(one("bootmemd_findings"), "A", "{{severity}}")], unit="none", links=[report_link]), 4, 4)
    L.add(stat("Reconciliation: RAM = MemTotal + held + no-map + removed + unexplained",
               "This machine's RAM, and where it went.",
               [target(one("bootmemd_ram_bytes"), "A", "RAM"),
                target(one("bootmemd_memtotal_bytes"), "B", "MemTotal"),
                target(one("bootmemd_held_bytes"), "C", "held"),
                target(one("bootmemd_nomap_bytes"), "D", "no-map"),
                target(one("bootmemd_removed_bytes"), "E", "removed"),
                target(one("bootmemd_unexplained_bytes"), "F", "unexplained")], links=[map_link, report_link]),
          24, 4)
    L.add(table("Regions and their lifecycle on $instance",
                "Each region: bytes it reserved, bytes still held at the end of boot and bytes released to "
                "the page allocator.  The lifecycle event by event, with times, is in the memory map (panel "
                "link) and at /api/v1/events.",
                [target(one("bootmemd_region_reserved_bytes"), "A", fmt="table"),
                 target(one("bootmemd_region_held_bytes"), "B", fmt="table"),
                 target(one("bootmemd_region_freed_bytes"), "C", fmt="table")],
                transformations=[
                    {"id": "merge", "options": {}},
                    hide_columns("Time", "__name__", "job", "instance",
                                 rename={"Value #A": "reserved", "Value #B": "held", "Value #C": "freed"},
                                 order=["region", "kind", "Value #A", "Value #B", "Value #C"]),
                ], sort_by="held", links=[map_link, api_link("The regions", "/api/v1/regions")]), 14, 12)
    L.add(bargauge("Held by region on $instance", "Bytes each region still holds on this machine.",
                   [target(f"sort_desc({one('bootmemd_region_held_bytes')} > 0)", "A", "{{region}}")],
                   links=[map_link]), 10, 12)
    L.add(table("Sources", "The inputs bootmemd read on this machine (1 = available).",
                [target(one("bootmemd_source_info"), "A", fmt="table")], unit="none",
                transformations=[hide_columns("Time", "Value", "__name__", "job", "instance",
                                              order=["source", "available"])], links=[report_link]), 24, 6)

    return {
        "annotations": {"list": []},
        "description": "Boot memory across a fleet: who holds it, what became of the initrd, carve-outs, "
                       "unexplained bytes and regressions between kernel releases (bootmemd).  Generated by "
                       f"dashboards/generate.py for the selector {{{cfg.selector}}}.",
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "links": dashboard_links(cfg),
        "liveNow": False,
        "panels": L.top,
        "refresh": "1m",
        "schemaVersion": 39,
        "tags": cfg.tags,
        "templating": {"list": variables(cfg)},
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "title": cfg.title,
        "uid": cfg.uid,
        "version": 1,
        "weekStart": "",
    }


# ---- the Prometheus rules ---------------------------------------------------

def build_rules(cfg):
    """[(group name, [rule])]; a rule is a dict: comment (lines), record or alert,
    expr, for, labels, annotations (summary: str, description: [lines])."""
    def vs(metric, *matchers):
        return metric + "{" + ", ".join([cfg.selector, *matchers]) + "}"

    recording = [
        {"comment": ["Every machine's held boot memory with its kernel release and arch",
                     "attached (bootmemd_boot_info has value 1).  The kernel-change alert",
                     "and the per-release aggregates below build on it."],
         "record": "instance_release:bootmemd_held_bytes:max",
         "expr": f"""max by (job, instance, release, arch) (
  {vs('bootmemd_held_bytes')}
  * on (job, instance) group_left (release, arch) {vs('bootmemd_boot_info')}
)
"""},
        {"record": "job:bootmemd_held_bytes:sum", "expr": f"sum by (job) ({vs('bootmemd_held_bytes')})"},
        {"record": "job:bootmemd_unexplained_bytes:sum", "expr": f"sum by (job) ({vs('bootmemd_unexplained_bytes')})"},
        {"comment": ["Machines whose initrd ended in each fate (freed, retained, rejected, ...)."],
         "record": "job_fate:bootmemd_initrd_fate:sum", "expr": f"sum by (job, fate) ({vs('bootmemd_initrd_fate')})"},
        {"record": "job_kind:bootmemd_region_held_bytes:sum",
         "expr": f"sum by (job, kind) ({vs('bootmemd_region_held_bytes')})"},
        {"record": "job_kind_region:bootmemd_region_held_bytes:sum",
         "expr": f"sum by (job, kind, region) ({vs('bootmemd_region_held_bytes')})"},
        {"comment": ["Machines per kernel release and arch, and what they hold on average",
                     "and at most: a release that holds more than its predecessor shows here."],
         "record": "release_arch:bootmemd_boot_info:count",
         "expr": f"count by (job, release, arch) ({vs('bootmemd_boot_info')})"},
        {"record": "release_arch:bootmemd_held_bytes:avg",
         "expr": "avg by (job, release, arch) (instance_release:bootmemd_held_bytes:max)"},
        {"record": "release_arch:bootmemd_held_bytes:max",
         "expr": "max by (job, release, arch) (instance_release:bootmemd_held_bytes:max)"},
    ]

    alerts = [
        {"comment": ["The configured selector, not a job name written here: a target it picks",
                     "that Prometheus cannot scrape."],
         "alert": "BootmemdDown", "expr": f"{vs('up')} == 0", "for": "5m",
         "labels": {"severity": "warning"},
         "annotations": {
             "summary": "bootmemd on {{ $labels.instance }} cannot be scraped",
             "description": [
                 "Prometheus has not been able to scrape bootmemd at {{ $labels.instance }} (job {{ $labels.job }})",
                 "for 5 minutes, so this machine's boot memory figures are missing from the fleet view.",
                 "On the machine, check `systemctl status bootmemd.service bootmemd.socket` and",
                 "`journalctl -u bootmemd`; `curl http://{{ $labels.instance }}/healthz` should answer \"ok\".",
                 "bootmemd exits at startup when it cannot read --root or bind its socket."]}},
        {"comment": ["retain_initrd (and a crashkernel overlap) keep the initrd on purpose:",
                     "bootmemd reports those as fate \"retained\", which does not fire.",
                     "\"held\" or \"partially_freed\" means the kernel did not give it all back;",
                     "but an initrd that does not start and end on page boundaries always",
                     "keeps its two partial end pages (free_reserved_area() rounds inward),",
                     "so up to two pages held is normal and does not fire."],
         "alert": "BootmemdInitrdNotFreed",
         "expr": f"""(
  {vs('bootmemd_region_held_bytes', 'kind="initrd"')}
  and on (job, instance)
  ({vs('bootmemd_initrd_fate', 'fate=~"held|partially_freed"')} == 1)
)
> on (job, instance) group_left ()
(2 * {vs('bootmemd_page_size_bytes')})
""",
         "labels": {"severity": "warning"},
         "annotations": {
             "summary": "The initrd on {{ $labels.instance }} still holds {{ $value | humanize1024 }}B after boot",
             "description": [
                 "bootmemd on {{ $labels.instance }} reports that the initrd was not released to the page allocator",
                 "({{ $value | humanize1024 }}B still held, more than its two partial end pages) although the kernel",
                 "was not asked to keep it (no retain_initrd, no crashkernel overlap). That memory is lost until the",
                 "next reboot. Look at `curl http://{{ $labels.instance }}/api/v1/events?tag=initrd` or",
                 "`bootmemd --once` on the machine: no initrd_unpacked event means the initramfs failed to unpack",
                 "(check the boot log for \"Initramfs unpacking failed\"); unpacked but not freed points at the",
                 "platform's free_initrd_mem() or at an initrd placed across a reserved region."]}},
        {"alert": "BootmemdInitrdRejected", "expr": vs("bootmemd_initrd_fate", 'fate="rejected"') + " == 1",
         "labels": {"severity": "warning"},
         "annotations": {
             "summary": "The kernel on {{ $labels.instance }} rejected its initrd",
             "description": [
                 "The bootloader passed an initrd to {{ $labels.instance }} but the kernel refused it (for example",
                 "it lies outside RAM or overlaps memory already in use), so the machine booted without its",
                 "initramfs. The reason is in `curl http://{{ $labels.instance }}/api/v1/regions` (the initrd's",
                 "\"reason\") and in the boot log (\"INITRD: ... is not a memory region\" or \"overlaps in-use",
                 "memory region\"). Move the initrd in the bootloader configuration (e.g. U-Boot's",
                 "initrd_high / ramdisk_addr_r) into RAM that is free at boot."]}},
        {"comment": ["An accounting hole either way: positive is RAM nobody explains,",
                     "negative is memory counted twice."],
         "alert": "BootmemdUnexplainedBytes", "expr": f"{vs('bootmemd_unexplained_bytes')} != 0",
         "labels": {"severity": "warning"},
         "annotations": {
             "summary": "{{ $value | humanize1024 }}B of RAM on {{ $labels.instance }} are unexplained",
             "description": [
                 "On {{ $labels.instance }}, RAM - MemTotal - held - no-map - removed - runtime = "
                 "{{ $value | printf \"%.0f\" }} bytes:",
                 "the kernel log does not account for every page. The ranges are listed under",
                 "reconciliation.unexplained_ranges in `curl http://{{ $labels.instance }}/api/v1/report`.",
                 "If the log dropped events (BootmemdLogDroppedEvents), fix that first; otherwise a",
                 "reservation or release path is not instrumented by the bootmem_fate patch on this kernel",
                 "release: report it with the JSON report attached."]}},
        {"comment": ["Same hardware: the same instance, with the same RAM size throughout",
                     "the window and no more than one board identity (bootmemd_machine_info:",
                     "model, compatible, DMI vendor and product) in it; a machine that names",
                     "no board is judged by its RAM alone.  Compares the running kernel's",
                     "held boot memory with the most any other kernel release held on this",
                     "machine in the last 3 days."],
         "alert": "BootmemdHeldGrewAfterKernelChange",
         "expr": f"""(
  instance_release:bootmemd_held_bytes:max
  - on (job, instance) group_left ()
  max by (job, instance) (
    max_over_time(instance_release:bootmemd_held_bytes:max[3d])
    unless on (job, instance, release) instance_release:bootmemd_held_bytes:max
  )
) > 0
and on (job, instance)
(max_over_time({vs('bootmemd_ram_bytes')}[3d]) == min_over_time({vs('bootmemd_ram_bytes')}[3d]))
unless on (job, instance)
(count by (job, instance) (max_over_time({vs('bootmemd_machine_info')}[3d])) > 1)
""",
         "labels": {"severity": "info"},
         "annotations": {
             "summary": "Kernel {{ $labels.release }} on {{ $labels.instance }} holds "
                        "{{ $value | humanize1024 }}B more boot memory",
             "description": [
                 "After booting kernel {{ $labels.release }} ({{ $labels.arch }}), {{ $labels.instance }} holds",
                 "{{ $value | printf \"%.0f\" }} bytes more boot memory than under the kernel it ran before "
                 "(same machine, same",
                 "board and RAM size, last 3 days). Compare the two releases' regions "
                 "(bootmemd_region_held_bytes by region,",
                 "or `bootmemd --once` before and after) to find the reservation that grew, e.g. a larger",
                 "memmap, percpu area, CMA or crashkernel size, or a new reserved-memory node. The alert",
                 "clears when the previous kernel's figures leave the 3-day window."]}},
        {"alert": "BootmemdLogDroppedEvents",
         "expr": f"sum without (kind) ({vs('bootmemd_log_dropped_events')}) > 0",
         "labels": {"severity": "warning"},
         "annotations": {
             "summary": "The kernel's bootmem_fate log on {{ $labels.instance }} dropped {{ $value }} events",
             "description": [
                 "The kernel on {{ $labels.instance }} recorded more boot memory events than its log holds",
                 "and dropped {{ $value }} of them, so bootmemd's figures for this boot are incomplete",
                 "(expect unexplained bytes; MemTotal, rebuilt from the kernel's totals, stays exact).",
                 "bootmemd_log_dropped_events{kind=...} says which kinds of events were lost. Rebuild the",
                 "kernel with a larger CONFIG_BOOTMEM_FATE_RECORDS (bootmemd_log_capacity_records shows the",
                 "current one) and reboot."]}},
    ]
    return [("bootmemd.rules", recording), ("bootmemd.alerts", alerts)]


# Plain YAML scalars may not start with these or contain ": " or " #".
PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")


def yaml_scalar(s, indent):
    """A string as YAML: plain when that is safe, else a literal block."""
    if "\n" not in s and s and s[0] not in PLAIN_START and s == s.strip() and ": " not in s and " #" not in s:
        return " " + s
    lines = s.rstrip("\n").split("\n")
    chomp = "" if s.endswith("\n") else "-"
    return f" |{chomp}\n" + "".join(" " * indent + ln + "\n" if ln else "\n" for ln in lines).rstrip("\n")


def yaml_quoted(s):
    # a JSON string is a YAML double-quoted scalar
    return json.dumps(s, ensure_ascii=False)


def yaml_folded(lines, indent):
    """Lines folded into one (`>-`): each joined to the next by a space."""
    for ln in lines:
        if not ln or ln != ln.strip():
            raise ValueError(f"a folded line must not be empty or start or end with blanks: {ln!r}")
    return " >-\n" + "\n".join(" " * indent + ln for ln in lines)


def render_rules(cfg):
    out = [
        "# Prometheus rules for bootmemd: fleet aggregates and alerts.",
        "#",
        "# Generated by dashboards/generate.py (with the dashboard, from the same",
        "# configuration): edit that, not this file.  Every bootmemd series and",
        f"# BootmemdDown's up are picked by the selector {{{cfg.selector}}};",
        "# regenerate with --selector (or config.json) for another.",
        "#",
        "# Boot memory does not change after boot, so every bootmemd series is flat",
        "# between reboots; the alerts need no `for:` except BootmemdDown, where it",
        "# rides out a restart.",
        "#",
        "# Check with:  promtool check rules bootmemd.rules.yml",
        "#              promtool test rules bootmemd.rules.test.yml",
        "groups:",
    ]
    for gi, (name, rules) in enumerate(build_rules(cfg)):
        if gi:
            out.append("")
        out += [f"  - name: {name}", "    rules:"]
        for ri, r in enumerate(rules):
            if "alert" in r and ri:
                out.append("")
            out += ["      # " + c if c else "      #" for c in r.get("comment", [])]
            kind = "record" if "record" in r else "alert"
            out.append(f"      - {kind}: {r[kind]}")
            out.append("        expr:" + yaml_scalar(r["expr"], 10))
            if "for" in r:
                out.append(f"        for: {r['for']}")
            if "labels" in r:
                out.append("        labels:")
                out += [f"          {k}: {v}" for k, v in r["labels"].items()]
            if "annotations" in r:
                a = r["annotations"]
                out.append("        annotations:")
                out.append("          summary: " + yaml_quoted(a["summary"]))
                out.append("          description:" + yaml_folded(a["description"], 12))
    return "\n".join(out) + "\n"


# ---- main -------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description="Writes bootmemd-fleet.json and bootmemd.rules.yml from one configuration.",
        epilog="Options override the configuration file's keys of the same name.")
    ap.add_argument("--config", default=os.path.join(HERE, "config.json"),
                    help="JSON configuration (default: config.json next to this script)")
    ap.add_argument("--selector", help='label matchers for bootmemd\'s series, e.g. \'job=~"bootmemd.*"\'')
    ap.add_argument("--uid", help="the dashboard's uid")
    ap.add_argument("--title", help="the dashboard's title")
    ap.add_argument("--bootmemd-url", dest="bootmemd_url",
                    help="a machine's bootmemd as a browser reaches it, e.g. 'https://proxy/${instance}'")
    ap.add_argument("--docs-url", dest="docs_url", help="a link to the documentation")
    ap.add_argument("--out", default=HERE, help="the directory to write to (default: this script's)")
    ap.add_argument("--check", action="store_true", help="write nothing; fail if a file there differs")
    args = ap.parse_args()
    try:
        d = load_config(args.config)
        for k in ("selector", "uid", "title", "bootmemd_url", "docs_url"):
            if getattr(args, k) is not None:
                d[k] = getattr(args, k)
        cfg = Config(d)
    except ConfigError as e:
        sys.exit(f"generate.py: {e}")
    outputs = {
        DASHBOARD: json.dumps(build_dashboard(cfg), indent=2, ensure_ascii=False) + "\n",
        RULES: render_rules(cfg),
    }
    stale = []
    for name, text in outputs.items():
        path = os.path.join(args.out, name)
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                stale.append(path)
            continue
        os.makedirs(args.out, exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    if stale:
        sys.exit(f"stale: {', '.join(stale)}: run python3 {os.path.relpath(__file__)}")


if __name__ == "__main__":
    main()
