#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time from exec to ready, for tests/bench/run.

usage: ready.py RUNS URL -- COMMAND...

Starts COMMAND RUNS times with $NOTIFY_SOCKET pointing at a socket of ours and
measures, from just before the exec, the time to READY=1 and the time to the
first 200 answer from URL (polled every 0.5 ms).  Stops COMMAND with SIGTERM
after each run.  Prints "ready_ms=... first_200_ms=..." (medians), then the
minimum and maximum of each.
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

runs, url = int(sys.argv[1]), sys.argv[2]
cmd = sys.argv[sys.argv.index("--") + 1:]
ready, first = [], []

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "notify")
    for _ in range(runs):
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(path)
        # Reachable by the user a daemon started as root becomes, as systemd's socket is.
        os.chmod(tmp, 0o755)
        os.chmod(path, 0o777)
        got = {}

        def wait_ready():
            while True:
                msg = ns.recv(4096)
                if b"READY=1" in msg:
                    got["ready"] = time.monotonic()
                    return

        # READY=1 is timed on its own thread: the HTTP poll below blocks while the daemon renders.
        t = threading.Thread(target=wait_ready, daemon=True)
        t.start()
        env = dict(os.environ, NOTIFY_SOCKET=path)
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_200 = None
        while t_200 is None and time.monotonic() - t0 < 30:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        t_200 = time.monotonic() - t0
            except OSError:
                time.sleep(0.0005)
        t.join(timeout=30)
        t_ready = got["ready"] - t0 if "ready" in got else None
        p.terminate()
        p.wait()
        ns.close()
        os.unlink(path)
        if t_ready is None or t_200 is None:
            sys.exit("%s did not get ready within 30 s" % cmd[0])
        ready.append(t_ready * 1000)
        first.append(t_200 * 1000)

print("ready_ms=%.1f first_200_ms=%.1f ready_min_ms=%.1f ready_max_ms=%.1f first_200_min_ms=%.1f first_200_max_ms=%.1f"
      % (statistics.median(ready), statistics.median(first), min(ready), max(ready), min(first), max(first)))
