#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Static checks of a Grafana dashboard JSON for bootmemd.

    dashcheck.py [--selector MATCHERS | --config CONFIG.json] DASHBOARD.json

- it parses; schemaVersion 36..41; a uid and a title; id null (importable);
- templating has a datasource variable ds_prometheus of type prometheus,
  and query variables job, instance, kernel_release and arch, each from
  label_values() on a bootmemd info metric and each using ${ds_prometheus};
- every panel, rows and collapsed rows' panels included, has the datasource
  {"type": "prometheus", "uid": "${ds_prometheus}"}, and so does every query;
- every query has an expr and a unique refId within its panel, and panel ids
  are unique;
- gridPos fit in the 24 columns and no two panels overlap;
- at least one collapsible row, and the panels the issue asks for are there;
- links: the dashboard links to the dashboards sharing its tag, keeping the
  time range and the variables; every link into a machine's bootmemd (its
  map, landing page, JSON) is ${bootmemd_url_prefix}INSTANCE${bootmemd_url_suffix}
  then the path, both hidden textbox variables, never an address written
  in; a link to a dashboard is to this one's uid; every ${variable} a link
  names exists or is one of Grafana's own (__...);
- with --selector (or --config, the generator's configuration, which names
  one), every bootmemd_* and up vector selector of every query and variable
  carries those label matchers (selector_problems(), also used
  on the rules by selector-test.py).
"""
import argparse
import json
import re
import sys

DS = {"type": "prometheus", "uid": "${ds_prometheus}"}
WANT_TITLES = [
    r"held by owner", r"initrd fate across the fleet", r"kernel image held and init freed",
    r"carve-outs by name", r"unexplained bytes", r"top .*machines by held", r"held boot memory by kernel release",
    r"regions and their lifecycle",
]


MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*,?')
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
# a raw series of bootmemd's (not a recorded one: those have colons), with its braces if any
RAW = re.compile(r'(?<![\w:])(bootmemd_\w+|up)(?![\w:])(\s*\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\})?')
BUILTIN_LINK_VARS = re.compile(r"__[\w.\[\]\"]+")


def matchers(body):
    """'a="1", b=~"x"' -> {('a', '=', '"1"'), ...}; None if it does not parse."""
    out, pos = set(), 0
    while pos < len(body.rstrip()):
        m = MATCHER.match(body, pos)
        if not m:
            return None
        out.add(m.groups())
        pos = m.end()
    return out


def selector_problems(expr, selector):
    """Every vector selector of a raw bootmemd_* or up series in expr carries the matchers."""
    want = matchers(selector)
    assert want, f"selector {selector!r} does not parse"
    quoted = [m.span() for m in QUOTED.finditer(expr)]
    problems, n = [], 0
    for m in RAW.finditer(expr):
        if any(a <= m.start() < b for a, b in quoted):
            continue
        n += 1
        if m.group(2) is None:
            problems.append(f"{m.group(1)} without a selector in {expr!r}")
            continue
        have = matchers(m.group(3))
        if have is None or not want <= have:
            problems.append(f"{m.group(0)} lacks {{{selector}}} in {expr!r}")
    if not n:
        problems.append(f"no bootmemd series in {expr!r}")
    return problems


def link_problems(d, variables):
    """The dashboard's links, its panels' links and their data links."""
    problems = []
    links = [("dashboard", lk) for lk in d.get("links", [])]
    for p in panels(d.get("panels", [])):
        links += [(f"panel {p.get('title')!r}", lk) for lk in p.get("links", [])]
        links += [(f"panel {p.get('title')!r} data link", lk)
                  for lk in p.get("fieldConfig", {}).get("defaults", {}).get("links", [])]
    by_tag = [lk for where, lk in links if where == "dashboard" and lk.get("type") == "dashboards"]
    if not any(lk.get("keepTime") and lk.get("includeVars") and set(lk.get("tags", [])) & set(d.get("tags", []))
               for lk in by_tag):
        problems.append("no dashboard link to the dashboards sharing a tag, keeping time and variables")
    for name in ("bootmemd_url_prefix", "bootmemd_url_suffix"):
        v = variables.get(name)
        if not v or v.get("type") != "textbox" or v.get("hide") != 2:
            problems.append(f"no hidden textbox variable {name}")
    n_machine = 0
    for where, lk in links:
        url = lk.get("url", "")
        if lk.get("type") == "dashboards":
            continue
        for ref in re.findall(r"\$\{([^}:]+)(?::\w+)?\}|\$(\w+)", url):
            name = ref[0] or ref[1]
            if name not in variables and not BUILTIN_LINK_VARS.fullmatch(name):
                problems.append(f"{where}: link {url!r} names ${{{name}}}, which is no variable")
        if re.search(r"map\.svg|/api/|\$\{instance\}", url) and not url.startswith("/d/"):
            n_machine += 1
            if not re.fullmatch(r"\$\{bootmemd_url_prefix\}\$\{(instance|__data\.fields\.instance|"
                                r"__field\.labels\.instance)\}\$\{bootmemd_url_suffix\}/.*", url):
                problems.append(f"{where}: link {url!r} is not ${{bootmemd_url_prefix}}INSTANCE"
                                "${bootmemd_url_suffix}/PATH")
        if url.startswith("/d/") and not url.startswith(f"/d/{d.get('uid')}?"):
            problems.append(f"{where}: link {url!r} is not to this dashboard ({d.get('uid')})")
    if not any("map.svg" in lk.get("url", "") for _, lk in links):
        problems.append("no link to a machine's map.svg")
    return problems, len(links), n_machine


def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--selector", help="label matchers every bootmemd_* and up selector must carry")
    ap.add_argument("--config", help="the generator's configuration: its selector")
    ap.add_argument("dashboard")
    args = ap.parse_args()
    if args.config:
        with open(args.config, encoding="utf-8") as f:
            args.selector = json.load(f).get("selector", 'job="bootmemd"')
    problems = []
    with open(args.dashboard, encoding="utf-8") as f:
        d = json.load(f)

    if not 36 <= d.get("schemaVersion", 0) <= 41:
        problems.append(f"schemaVersion {d.get('schemaVersion')} is not ~39")
    for k in ("uid", "title"):
        if not d.get(k):
            problems.append(f"no {k}")
    if d.get("id") is not None:
        problems.append("id must be null so that the dashboard imports anywhere")
    if "__inputs" in d:
        problems.append("__inputs: the datasource is a variable, provisioning cannot fill inputs")

    variables = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("ds_prometheus")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("no datasource variable ds_prometheus of type prometheus")
    for name, label in (("job", "job"), ("instance", "instance"), ("kernel_release", "release"), ("arch", "arch")):
        v = variables.get(name)
        if not v:
            problems.append(f"no variable {name}")
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") != "query" or not re.fullmatch(r"label_values\(bootmemd_\w+_info(\{.*\})?, *" + label + r"\)",
                                                       q or ""):
            problems.append(f"variable {name}: {q!r} is not label_values(<bootmemd info metric>, {label})")
        if v.get("datasource") != DS:
            problems.append(f"variable {name}: datasource {v.get('datasource')} is not the variable")
        if args.selector:
            problems += [f"variable {name}: {p}" for p in selector_problems(q or "", args.selector)]

    all_panels = list(panels(d.get("panels", [])))
    ids = [p.get("id") for p in all_panels]
    if len(ids) != len(set(ids)) or None in ids:
        problems.append(f"panel ids are missing or repeated: {ids}")
    if not any(p.get("type") == "row" and p.get("collapsed") for p in all_panels):
        problems.append("no collapsible (collapsed) row")
    n_targets = 0
    for p in all_panels:
        title = p.get("title", "?")
        if p.get("datasource") != DS:
            problems.append(f"panel {title!r}: datasource {p.get('datasource')} is not ${{ds_prometheus}}")
        refs = set()
        for t in p.get("targets", []):
            n_targets += 1
            if t.get("datasource") != DS:
                problems.append(f"panel {title!r} query {t.get('refId')}: datasource is not the variable")
            if not t.get("expr"):
                problems.append(f"panel {title!r} query {t.get('refId')}: no expr")
            elif args.selector:
                problems += [f"panel {title!r} query {t.get('refId')}: {p}"
                             for p in selector_problems(t["expr"], args.selector)]
            if t.get("refId") in refs:
                problems.append(f"panel {title!r}: refId {t.get('refId')} repeated")
            refs.add(t.get("refId"))
        if p.get("type") != "row" and not p.get("targets"):
            problems.append(f"panel {title!r} has no query")
        g = p.get("gridPos", {})
        if not (0 <= g.get("x", -1) and g.get("w", 0) > 0 and g.get("x", 0) + g.get("w", 0) <= 24 and g.get("h", 0) > 0):
            problems.append(f"panel {title!r}: gridPos {g} does not fit 24 columns")

    boxes = [(p.get("title"), p["gridPos"]) for p in all_panels if "gridPos" in p]
    for i, (ta, a) in enumerate(boxes):
        for tb, b in boxes[i + 1:]:
            if (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] and
                    a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]):
                problems.append(f"panels {ta!r} and {tb!r} overlap")
    titles = [p.get("title", "").lower() for p in all_panels]
    for want in WANT_TITLES:
        if not any(re.search(want, t) for t in titles):
            problems.append(f"no panel for {want!r}")

    lp, n_links, n_machine = link_problems(d, variables)
    problems += lp

    for p in problems:
        print("FAIL", p)
    print(f"{'ok  ' if not problems else 'FAIL'} {args.dashboard}: {len(all_panels)} panels, {n_targets} queries, "
          f"{len(variables)} variables, {n_links} links ({n_machine} into a machine's bootmemd)"
          + (f", every selector with {{{args.selector}}}" if args.selector else ""))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
