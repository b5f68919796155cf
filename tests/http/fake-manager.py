#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Socket activation twice over one socket, as a service manager does it.

usage: fake-manager.py COMMAND...

Listens on a loopback port and keeps that socket open, like systemd's
.socket unit.  Starts COMMAND with the socket as fd 3 (LISTEN_FDS=1,
LISTEN_PID=its pid), checks that it serves, stops it with SIGTERM, then
checks that the socket still listens (a daemon that shut it down would have
broken it for the manager too) and that a second COMMAND serves on it,
including the connection that waited in the backlog meanwhile.  Prints one
"name: value" line per check.
"""
import os
import signal
import socket
import subprocess
import sys
import time

cmd = sys.argv[1:]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(16)
port = ls.getsockname()[1]


def start():
    fd = ls.fileno()
    env = dict(os.environ, LISTEN_FDS="1")
    env.pop("LISTEN_FDNAMES", None)
    # LISTEN_PID must be the daemon's own: the shell sets it to $$ and execs.
    return subprocess.Popen(["bash", "-c", 'export LISTEN_PID=$$; exec "$@"', "-"] + cmd, env=env,
                            preexec_fn=lambda: os.dup2(fd, 3), pass_fds=(3,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def get(s):
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n")[0].decode("latin-1")


def stop(p):
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    return p.returncode, err.decode("utf-8", "replace")


def first_answer():
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            return get(socket.create_connection(("127.0.0.1", port), timeout=20))
        except OSError:
            time.sleep(0.05)
    return ""


p = start()
print("first daemon:", first_answer())
rc, err = stop(p)
print("first daemon exit:", rc)

# The daemon is gone; the manager's socket must still take connections into its backlog.
try:
    waiting = socket.create_connection(("127.0.0.1", port), timeout=5)
    print("socket after stop: listening")
except OSError as e:
    waiting = None
    print("socket after stop:", e)

p = start()
print("second daemon:", first_answer())
if waiting:
    waiting.settimeout(20)
    try:
        print("waiting connection:", get(waiting))
    except OSError as e:
        print("waiting connection:", e)
rc, err2 = stop(p)
print("second daemon exit:", rc)
sys.stderr.write(err + err2)
