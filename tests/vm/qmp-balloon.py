#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Host side of the balloon scenario: changes the guest's memory through QMP after boot.

usage: qmp-balloon.py QMP_SOCKET CONSOLE_LOG GO_FIFO RESULT_FILE

Waits for @@BMF-READY@@ on the console, then, through QMP:
  1. inflates the virtio balloon (device b0) to a 768 MiB guest, waits until it is there;
  2. deflates it partly, to 896 MiB;
  3. plugs 512 MiB of virtio-mem (device vm0): qom-set requested-size, waits for size;
then writes "go" to GO_FIFO (QEMU's stdin, the guest's console), which lets the init dump.
RESULT_FILE gets "key value" lines, which tests/vm/run adds to the scenario's info file.
"go" is sent even when a step fails, so that the guest still dumps; the exit status is then 1.
"""
import json
import socket
import sys
import time

MiB = 1 << 20


class QMP:
    def __init__(self, path, deadline):
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.f = self.s.makefile('rwb', buffering=0)
        self.recv()  # greeting
        self.cmd('qmp_capabilities')

    def recv(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError('QMP connection closed')
            msg = json.loads(line)
            if 'event' not in msg:
                return msg

    def cmd(self, name, **args):
        self.f.write(json.dumps({'execute': name, 'arguments': args}).encode() + b'\n')
        r = self.recv()
        if 'error' in r:
            raise RuntimeError(f'{name}: {r["error"]}')
        return r.get('return')


def main():
    sock, console, fifo, result_file = sys.argv[1:5]
    res = {}
    ok = True
    t0 = time.time()

    def log(msg):
        print(f'[{time.time() - t0:6.1f}s] {msg}', flush=True)

    def wait_for(what, fn, timeout=180):
        end = time.time() + timeout
        while time.time() < end:
            v = fn()
            if v:
                return v
            time.sleep(0.5)
        raise TimeoutError(what)

    try:
        def ready():
            try:
                with open(console, 'rb') as f:
                    return b'@@BMF-READY@@' in f.read()
            except FileNotFoundError:
                return False
        wait_for('@@BMF-READY@@ on the console', ready, timeout=600)
        res['host-ready-after-s'] = f'{time.time() - t0:.1f}'
        log('guest ready')
        q = QMP(sock, time.time() + 30)
        actual = lambda: q.cmd('query-balloon')['actual']
        res['host-balloon-initial'] = actual()
        for step, target in (('inflated', 768 * MiB), ('deflated', 896 * MiB)):
            q.cmd('balloon', value=target)
            t = time.time()
            wait_for(f'balloon at {target}', lambda: actual() == target)
            res[f'host-balloon-{step}'] = actual()
            log(f'balloon {step} to {target // MiB} MiB in {time.time() - t:.1f}s')
            res[f'host-balloon-{step}-s'] = f'{time.time() - t:.1f}'
        path = '/machine/peripheral/vm0'
        q.cmd('qom-set', path=path, property='requested-size', value=512 * MiB)
        t = time.time()
        wait_for('virtio-mem plugged', lambda: q.cmd('qom-get', path=path, property='size') == 512 * MiB)
        res['host-vmem-size'] = q.cmd('qom-get', path=path, property='size')
        res['host-vmem-plugged-s'] = f'{time.time() - t:.1f}'
        log(f'virtio-mem plugged {res["host-vmem-size"] // MiB} MiB in {time.time() - t:.1f}s')
        res['host-balloon-final'] = actual()
    except Exception as e:  # the guest must still be told to dump
        ok = False
        res['host-error'] = repr(e).replace('\n', ' ')
        log(f'ERROR {e!r}')
    with open(fifo, 'w') as f:
        f.write('go\n')
    log('sent go')
    res['host-ok'] = 'yes' if ok else 'no'
    with open(result_file, 'w') as f:
        for k, v in res.items():
            f.write(f'{k} {v}\n')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
