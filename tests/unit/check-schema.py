#!/usr/bin/python3
"""Every JSON output of every captured boot against the shipped schemas (daemon/schema/).

  check-schema.py RENDER_REPORT SOURCE_ROOT

/api/v1/report (json), /api/v1/regions (regions) and /api/v1/events (events) of each root
under tests/data (vm/*, stock/* and fake-stock) and of the synthetic boot; the schemas themselves
are checked against the 2020-12 meta-schema first.  The HTTP suite (tests/http/test-api.sh)
validates the filtered views and the error bodies as served.
"""
import glob, json, os, subprocess, sys, tempfile
import jsonschema

render, src = sys.argv[1], sys.argv[2]
sdir = os.path.join(src, "daemon/schema")
schemas = {}
for name in ("report", "regions", "events", "error"):
    with open(os.path.join(sdir, name + ".schema.json")) as f:
        schemas[name] = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schemas[name])
fails = 0
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([render, "--synth", os.path.join(tmp, "synth")], check=True)
    roots = sorted(glob.glob(os.path.join(src, "tests/data/vm/*/")) + glob.glob(os.path.join(src, "tests/data/stock/*/")))
    roots += [os.path.join(src, "tests/data/fake-stock"), os.path.join(tmp, "synth")]
    for root in roots:
        root = root.rstrip("/")
        for fmt, schema in (("json", "report"), ("regions", "regions"), ("events", "events")):
            out = subprocess.run([render, root, fmt], check=True, capture_output=True, text=True).stdout
            v = jsonschema.Draft202012Validator(schemas[schema])
            errors = sorted(v.iter_errors(json.loads(out)), key=lambda e: list(e.absolute_path))
            name = os.path.basename(root)
            if errors:
                fails += 1
                for e in errors[:5]:
                    print("FAIL %s %s: %s at %s" % (name, fmt, e.message[:200], "/".join(map(str, e.absolute_path))))
            else:
                print("ok   %s %s: valid against %s.schema.json" % (name, fmt, schema))
if len(roots) < 3:
    print("FAIL no fixtures")
    fails += 1
sys.exit(1 if fails else 0)
