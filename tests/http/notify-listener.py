#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Stands in for the service manager's notification socket (sd_notify(3)).

Binds a datagram socket at argv[1] and appends every message to argv[2], one
line per datagram with its newlines turned into spaces, until killed.
"""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
# Anyone may notify, as with systemd's own socket: a daemon that dropped root must reach it.
os.chmod(path, 0o777)
with open(out, "a", encoding="utf-8") as f:
    f.write("listening\n")
    f.flush()
    while True:
        data = s.recv(65536)
        f.write(data.decode("utf-8", "replace").replace("\n", " ").strip() + "\n")
        f.flush()
