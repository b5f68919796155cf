#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Static checks of a Grafana dashboard JSON for bootmemd.

    dashcheck.py DASHBOARD.json

- it parses; schemaVersion 36..41; a uid and a title; id null (importable);
- templating has a datasource variable ds_prometheus of type prometheus,
  and query variables job, instance, kernel_release and arch, each from
  label_values() on a bootmemd info metric and each using ${ds_prometheus};
- every panel, rows and collapsed rows' panels included, has the datasource
  {"type": "prometheus", "uid": "${ds_prometheus}"}, and so does every query;
- every query has an expr and a unique refId within its panel, and panel ids
  are unique;
- gridPos fit in the 24 columns and no two panels overlap;
- at least one collapsible row, and the panels the issue asks for are there.
"""
import json
import re
import sys

DS = {"type": "prometheus", "uid": "${ds_prometheus}"}
WANT_TITLES = [
    r"held by owner", r"initrd fate across the fleet", r"kernel image held and init freed",
    r"carve-outs by name", r"unexplained bytes", r"top .*machines by held", r"held boot memory by kernel release",
    r"regions and their lifecycle",
]


def panels(ps):
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    problems = []
    with open(sys.argv[1], encoding="utf-8") as f:
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

    for p in problems:
        print("FAIL", p)
    print(f"{'ok  ' if not problems else 'FAIL'} {sys.argv[1]}: {len(all_panels)} panels, {n_targets} queries, "
          f"{len(variables)} variables")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
