#!/usr/bin/python3
"""The JSON API as served, against the shipped schemas (daemon/schema/).  Output is TAP.

  test-api.py BOOTMEMD ROOT SCHEMA_DIR

/api/v1/report, /regions and /events (plain and filtered) validate; a repeated filter
(?kind=free&kind=reserve) and a comma-separated one are the union of the single filters;
kind and tag together are both; an unknown parameter, on every API endpoint, and an
unknown value are 400 with a JSON error that validates against error.schema.json.
"""
import json, os, socket, subprocess, sys, tempfile, time, urllib.error, urllib.request
import jsonschema

bootmemd, root, sdir = sys.argv[1:4]
n = failed = 0


def ok(cond, what, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {what}")
    else:
        failed += 1
        print(f"not ok {n} - {what}")
        for line in str(detail).splitlines()[:10]:
            print(f"# {line}")
    return cond


def schema(name):
    with open(os.path.join(sdir, name + ".schema.json")) as f:
        return jsonschema.Draft202012Validator(json.load(f))


S = {k: schema(k) for k in ("report", "regions", "events", "error")}


def valid(name, body, what):
    errs = list(S[name].iter_errors(body))
    ok(not errs, f"{what} validates against {name}.schema.json", "\n".join(e.message[:200] for e in errs[:5]))


env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "WATCHDOG_USEC")}
log = tempfile.TemporaryFile()
for attempt in range(5):
    # a free port, which another test may take before the daemon binds it: then another
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    d = subprocess.Popen([bootmemd, "--root", root, "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=log, env=env)
    try:
        d.wait(0.3)
    except subprocess.TimeoutExpired:
        break
base = f"http://127.0.0.1:{port}"


def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, e.headers.get("Content-Type"), json.loads(body)
        except ValueError:
            return e.code, e.headers.get("Content-Type"), body


try:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    for path, name in (("/api/v1/report", "report"), ("/api/v1/regions", "regions"), ("/api/v1/events", "events")):
        st, ct, body = get(path)
        ok(st == 200 and ct == "application/json", f"GET {path} is 200 JSON", f"{st} {ct}")
        valid(name, body, f"GET {path}")
    _, _, events = get("/api/v1/events")
    kinds = sorted({e["kind"] for e in events})
    tags = sorted({e["tag"] for e in events})
    if len(kinds) >= 2:
        a, b = kinds[0], kinds[1]
        want = [e for e in events if e["kind"] in (a, b)]
        for q in (f"kind={a}&kind={b}", f"kind={a},{b}", f"kind={b}&kind={a}&kind="):
            st, _, body = get("/api/v1/events?" + q)
            ok(st == 200 and body == want, f"?{q}: the events of either kind, in log order ({len(want)})",
               f"{st}: {len(body) if isinstance(body, list) else body} events")
            valid("events", body, f"?{q}")
        t = next(e["tag"] for e in want)
        st, _, body = get(f"/api/v1/events?kind={a}&kind={b}&tag={t}")
        ok(st == 200 and body == [e for e in want if e["tag"] == t],
           f"?kind={a}&kind={b}&tag={t}: either kind and that tag")
        if len(tags) >= 2:
            st, _, body = get(f"/api/v1/events?tag={tags[0]}&tag={tags[1]}")
            ok(st == 200 and body == [e for e in events if e["tag"] in tags[:2]], "a repeated tag is OR-ed too")
    else:
        ok(not events, "no kernel log: no events to filter")
    for path in ("/api/v1/report?foo=1", "/api/v1/regions?kind=free", "/api/v1/events?kind=free&bogus",
                 "/api/v1/events?limit=10"):
        st, ct, body = get(path)
        ok(st == 400 and ct == "application/json" and isinstance(body, dict) and body.get("error") == "unknown query parameter"
           and body.get("parameter") in ("foo", "kind", "bogus", "limit"),
           f"GET {path}: 400 with a JSON error naming the parameter", f"{st} {ct} {body}")
        if isinstance(body, dict):
            valid("error", body, f"the error of {path}")
    st, ct, body = get("/api/v1/events?kind=free&kind=nosuchkind")
    ok(st == 400 and isinstance(body, dict) and body.get("error") == "unknown event kind or tag",
       "an unknown kind among known ones is 400", f"{st} {body}")
    if isinstance(body, dict):
        valid("error", body, "the error of an unknown kind")
    with urllib.request.urlopen(base + "/metrics?debug=1", timeout=10) as r:
        ok(r.status == 200, "/metrics ignores query parameters (scrape configs may add some)", r.status)
finally:
    d.terminate()
    d.wait(10)
print(f"1..{n}")
sys.exit(1 if failed else 0)
