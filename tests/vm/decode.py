#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Decodes the framed base64 files that tests/vm/init.c writes to the serial console.

usage: decode.py CONSOLE_LOG SNAPSHOT_DIR INFO_FILE

Writes each file under SNAPSHOT_DIR at its guest-relative path, and the @@BMF-INFO/@@BMF-SKIP
lines to INFO_FILE ("key value" per line). Exits 1 with a message if the capture is incomplete
or corrupt (no BEGIN/DONE, a size or crc32 mismatch, bad base64, a path escaping the snapshot).
"""
import base64
import binascii
import os
import re
import sys
import zlib

FILE_RE = re.compile(r'@@BMF-FILE (\S+) (\d+)@@$')
END_RE = re.compile(r'@@BMF-END ([0-9a-f]{8})@@$')
REPEAT_RE = re.compile(r'@@BMF-REPEAT (\d+)@@$')


def fail(msg):
    print(f'decode: {msg}', file=sys.stderr)
    sys.exit(1)


def main():
    if len(sys.argv) != 4:
        fail(__doc__.strip().splitlines()[2])
    log, outdir, infofile = sys.argv[1:]
    with open(log, 'rb') as f:
        # The console may add '\r' (ONLCR) and other noise; frames are whole lines.
        lines = [l.rstrip('\r') for l in f.read().decode('ascii', 'replace').replace('\r\n', '\n').split('\n')]

    begin = [i for i, l in enumerate(lines) if l.endswith('@@BMF-BEGIN 1@@')]
    if not begin:
        fail('no @@BMF-BEGIN 1@@ on the console (init did not run?)')
    i = begin[-1] + 1
    info, nfiles, done = [], 0, None
    os.makedirs(outdir, exist_ok=True)
    while i < len(lines):
        l = lines[i]
        i += 1
        if l.startswith('@@BMF-INFO ') and l.endswith('@@'):
            info.append(l[len('@@BMF-INFO '):-2])
        elif l.startswith('@@BMF-SKIP ') and l.endswith('@@'):
            info.append('skip ' + l[len('@@BMF-SKIP '):-2])
        elif l == '@@BMF-READY@@':
            pass  # bmf.wait: the init waits for the host's "go" from here
        elif l.startswith('@@BMF-DONE '):
            done = int(l[len('@@BMF-DONE '):-2])
            break
        elif (m := FILE_RE.match(l)):
            rel, size = m.group(1), int(m.group(2))
            norm = os.path.normpath(rel)
            if norm.startswith('..') or os.path.isabs(norm):
                fail(f'refusing path {rel!r}')
            chunks = []
            while i < len(lines) and not lines[i].startswith('@@BMF-END'):
                if (r := REPEAT_RE.match(lines[i])):
                    if not chunks:
                        fail(f'{rel}: @@BMF-REPEAT with no line to repeat')
                    chunks.extend([chunks[-1]] * int(r.group(1)))
                elif lines[i].startswith('@@BMF-'):
                    break
                else:
                    chunks.append(lines[i].strip())
                i += 1
            if i >= len(lines) or not (e := END_RE.match(lines[i])):
                fail(f'{rel}: no @@BMF-END (capture truncated)')
            i += 1
            try:
                data = base64.b64decode(''.join(chunks), validate=True)
            except binascii.Error as ex:
                fail(f'{rel}: bad base64: {ex}')
            if len(data) != size:
                fail(f'{rel}: {len(data)} bytes decoded, {size} announced')
            if zlib.crc32(data) != int(e.group(1), 16):
                fail(f'{rel}: crc32 mismatch')
            path = os.path.join(outdir, norm)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'wb') as f:
                f.write(data)
            nfiles += 1
        elif l.startswith('@@BMF-'):
            fail(f'unexpected frame line {l!r}')
        # anything else is console noise between frames
    if done is None:
        fail(f'no @@BMF-DONE (capture truncated after {nfiles} files)')
    if done != nfiles:
        fail(f'init sent {done} files, {nfiles} decoded')
    with open(infofile, 'w') as f:
        for x in info:
            f.write(x + '\n')
        f.write(f'files {nfiles}\n')


if __name__ == '__main__':
    main()
