#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The generator under other configurations than the committed one.

    selector-test.py [--promtool PATH]

1. --selector 'job="boot-memory"', another uid, title and bootmemd URL (a
   reverse proxy): promtool checks the rules and passes
   tests/fleet/selector.rules.test.yml with them (BootmemdDown fires for
   the job "boot-memory" and not for "bootmemd"); every bootmemd_* and up
   selector of the rules and of the dashboard carries the matchers and none
   says job="bootmemd"; dashcheck.py passes on the dashboard, whose links
   and URL variables follow the configuration.
2. --selector 'job=~"bootmemd.*"': promtool checks the rules and passes the
   committed dashboards/bootmemd.rules.test.yml with them.
3. Configurations the generator must refuse: an empty selector, one that
   does not parse, a bootmemd URL without ${instance}, an unknown key.
"""
import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
GEN = os.path.join(TOP, "dashboards", "generate.py")
sys.path.insert(0, HERE)
import dashcheck  # noqa: E402

failures = []


def ok(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or not detail else f"\n     {detail}"), flush=True)
    if not cond:
        failures.append(what)
    return cond


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def rule_exprs(path):
    import yaml
    with open(path, encoding="utf-8") as f:
        return [(r.get("record") or r.get("alert"), r["expr"])
                for g in yaml.safe_load(f)["groups"] for r in g["rules"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bootmemd-selector.")
    try:
        # -- 1. another job name
        sel = 'job="boot-memory"'
        out = os.path.join(work, "other")
        g = run([sys.executable, GEN, "--selector", sel, "--uid", "bootmemd-other", "--title", "Other fleet",
                 "--bootmemd-url", "https://bootmemd-proxy/${instance}/", "--out", out])
        if not ok(g.returncode == 0, f"generate.py --selector '{sel}'", g.stderr):
            return 1
        rules = os.path.join(out, "bootmemd.rules.yml")
        c = run([args.promtool, "check", "rules", rules])
        ok(c.returncode == 0, f"promtool check rules ({sel})", c.stdout + c.stderr)
        shutil.copy(os.path.join(HERE, "selector.rules.test.yml"), out)
        t = run([args.promtool, "test", "rules", "selector.rules.test.yml"], cwd=out)
        ok(t.returncode == 0, f"promtool test rules selector.rules.test.yml ({sel})", t.stdout + t.stderr)
        exprs = rule_exprs(rules)
        bad = [p for name, e in exprs for p in dashcheck.selector_problems(e, sel)
               if "no bootmemd series" not in p]
        ok(not bad, f"every bootmemd_* and up selector of the {len(exprs)} rules carries {{{sel}}}", "; ".join(bad))
        with open(rules, encoding="utf-8") as f:
            text = f.read()
        ok('job="bootmemd"' not in text, 'no job="bootmemd" left in the rules')
        dash = os.path.join(out, "bootmemd-fleet.json")
        c = run([sys.executable, os.path.join(HERE, "dashcheck.py"), "--selector", sel, dash])
        ok(c.returncode == 0, f"dashcheck.py --selector '{sel}'", c.stdout)
        with open(dash, encoding="utf-8") as f:
            d = json.load(f)
        ok('job=\\"bootmemd\\"' not in json.dumps(d), 'no job="bootmemd" left in the dashboard')
        ok((d["uid"], d["title"]) == ("bootmemd-other", "Other fleet"), "the dashboard's uid and title",
           f"{d['uid']} {d['title']}")
        v = {x["name"]: x for x in d["templating"]["list"]}
        ok((v["bootmemd_url_prefix"]["query"], v["bootmemd_url_suffix"]["query"]) == ("https://bootmemd-proxy/", ""),
           "the bootmemd URL is split around ${instance} into its two variables",
           f"{v['bootmemd_url_prefix']['query']!r} {v['bootmemd_url_suffix']['query']!r}")
        drill = [lk["url"] for p in dashcheck.panels(d["panels"])
                 for lk in p.get("fieldConfig", {}).get("defaults", {}).get("links", []) if lk["url"].startswith("/d/")]
        ok(drill and all(u.startswith("/d/bootmemd-other?") for u in drill),
           f"the {len(drill)} drill-down data links go to the configured uid", str(drill[:1]))

        # -- 2. a regex over several jobs: the committed tests still pass
        sel = 'job=~"bootmemd.*"'
        out = os.path.join(work, "regex")
        g = run([sys.executable, GEN, "--selector", sel, "--out", out])
        if ok(g.returncode == 0, f"generate.py --selector '{sel}'", g.stderr):
            c = run([args.promtool, "check", "rules", os.path.join(out, "bootmemd.rules.yml")])
            ok(c.returncode == 0, f"promtool check rules ({sel})", c.stdout + c.stderr)
            shutil.copy(os.path.join(TOP, "dashboards", "bootmemd.rules.test.yml"), out)
            t = run([args.promtool, "test", "rules", "bootmemd.rules.test.yml"], cwd=out)
            ok(t.returncode == 0, f"promtool test rules dashboards/bootmemd.rules.test.yml ({sel})",
               t.stdout + t.stderr)

        # -- 3. refused
        cfg = os.path.join(work, "bad.json")
        with open(cfg, "w") as f:
            json.dump({"selectr": 'job="x"'}, f)
        for extra, why in [(["--selector", ""], "the selector is empty"),
                           (["--selector", "job=bootmemd"], "no label matcher"),
                           (["--selector", 'job="$job"'], "'$'"),
                           (["--selector", 'job="a\tb"'], "control character"),
                           (["--bootmemd-url", "https://proxy/map.svg"], "${instance}"),
                           (["--config", cfg], "unknown configuration keys")]:
            g = run([sys.executable, GEN, *extra, "--out", os.path.join(work, "refused")])
            ok(g.returncode != 0 and why in g.stderr and not os.path.exists(os.path.join(work, "refused")),
               f"generate.py {shlex.join(extra)}: refused ({why})", f"exit {g.returncode}: {g.stderr.strip()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"selector: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
