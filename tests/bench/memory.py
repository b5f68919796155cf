#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Where a process's resident memory goes, from /proc/PID/smaps.

memory.py PID [NAME]: one line of VmRSS, PSS and USS (private pages: what the
process alone costs), then its resident KiB by kind: the heap, thread stacks,
other anonymous memory, the executable, and shared libraries (mostly pages
shared with every other process that maps them).
"""
import re
import sys

pid = sys.argv[1]
name = sys.argv[2] if len(sys.argv) > 2 else pid
kinds = {"heap": 0, "stacks": 0, "anon": 0, "binary": 0, "libraries": 0}
tot = {"Rss": 0, "Pss": 0, "Private_Clean": 0, "Private_Dirty": 0}
exe = None
try:
    exe = __import__("os").readlink(f"/proc/{pid}/exe")
except OSError:
    pass
kind = "anon"
with open(f"/proc/{pid}/smaps") as f:
    for line in f:
        m = re.match(r"^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$", line)
        if m:
            path = m.group(2)
            if path == "[heap]":
                kind = "heap"
            elif path.startswith("[stack") or path == "":
                # glibc's thread stacks are anonymous mappings: counted below by the guard page
                kind = "stacks" if path.startswith("[stack") else "anon"
            elif path == exe:
                kind = "binary"
            elif path.startswith("/"):
                kind = "libraries"
            else:
                kind = "anon"
            continue
        m = re.match(r"^(\w+):\s+(\d+) kB", line)
        if m and m.group(1) in tot:
            tot[m.group(1)] += int(m.group(2))
            if m.group(1) == "Rss":
                kinds[kind] += int(m.group(2))
# Thread stacks: glibc maps each (8 MiB, mostly untouched) next to a PROT_NONE guard page.
threads = 0
with open(f"/proc/{pid}/status") as f:
    for line in f:
        if line.startswith("Threads:"):
            threads = int(line.split()[1])
uss = tot["Private_Clean"] + tot["Private_Dirty"]
print(f"    {name:<22} VmRSS {tot['Rss']:6d}  PSS {tot['Pss']:6d}  USS {uss:6d} KiB; {threads} threads")
print(f"    {'':<22} heap {kinds['heap']}, main stack {kinds['stacks']}, other anonymous "
      f"(thread stacks, mmap) {kinds['anon']}, executable {kinds['binary']}, "
      f"libraries {kinds['libraries']} KiB")
