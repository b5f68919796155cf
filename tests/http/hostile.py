#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile clients against the real bootmemd, on loopback only.

usage: hostile.py [--bench] [--only NAME[,NAME...]] BOOTMEMD ROOT

Each scenario starts a fresh daemon (with the service manager's watchdog
faked: NOTIFY_SOCKET, WATCHDOG_USEC), runs one attack from background
threads, and meanwhile sends fresh requests for /metrics, from 127.0.0.1 and
from an address the attack does not use.  Attacks:

  idle-1, idle-8          1,000 connections that send nothing, from 127.0.0.1
                          or spread over 127.0.0.2-9
  slowloris-1, -8         500 connections that send a request's headers one
                          byte every 5 s
  wrong-password          64 clients trying wrong passwords as fast as they can
                          (basic auth at bcrypt cost 10); the probes are a
                          cached authorised /metrics and an unauthenticated
                          /healthz
  tls-stall               300 TLS connections that stop inside the handshake
  slow-readers            200 connections that pipeline requests for the
                          largest response and never read
  get-body                GET and HEAD with a 1 GB body: 400 before any of it
                          is read, and no CPU spent on it
  framing                 repeated Host, conflicting or repeated
                          Content-Length, Transfer-Encoding with
                          Content-Length, NUL, bare CR or a control character
                          in a header, whitespace before a colon, line
                          folding: 400 and the connection closed

As a test (the default, TAP output) each scenario asserts that every probe
was answered within 2 s, that WATCHDOG=1 kept coming (no gap as long as
WatchdogSec), and that resident memory and file descriptors stayed bounded.
With --bench it prints the probes' latencies instead (tests/bench/run).
Everything is bounded: at most about 1,100 sockets and 15 s per scenario.
"""
import argparse
import os
import resource
import select
import selectors
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# "secret" at bcrypt cost 10: the cost a real deployment uses.
HASH_SECRET = "$2b$10$abcdefghijklmnopqrstuuqflPDzB6gcMhKa1rZqKiun2YGL5sa2u"
AUTH_GOOD = "Basic " + __import__("base64").b64encode(b"prometheus:secret").decode()
AUTH_BAD = "Basic " + __import__("base64").b64encode(b"prometheus:wrong").decode()
WATCHDOG_USEC = 2_000_000
PROBE_TIMEOUT = 2.0            # the bound a fresh client must be answered within
FD_MARGIN = 64                 # beyond ConnectionLimit: listeners, the journal, pipes
RSS_GROWTH_KIB = 32 * 1024     # what an attack may add to the quiet daemon's resident memory


# ---------------------------------------------------------------- the daemon

class Daemon:
    def __init__(self, binary, root, tmp, conf="", tls=None):
        self.tmp = tmp
        self.conf = os.path.join(tmp, "bootmemd.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.notify_path = os.path.join(tmp, "notify.sock")
        if os.path.exists(self.notify_path):
            os.unlink(self.notify_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        # Started as root, bootmemd serves as an unprivileged user, who must still reach the socket.
        os.chmod(tmp, 0o755)
        os.chmod(self.notify_path, 0o777)
        self.pings = []
        self.messages = []
        self.stderr = []
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        for k in ("INVOCATION_ID", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
            env.pop(k, None)
        # WATCHDOG_PID must be the daemon's own: the shell sets it to $$ and execs.
        self.proc = subprocess.Popen(
            ["bash", "-c", 'export WATCHDOG_PID=$$; exec "$@"', "-", binary, "--config", self.conf,
             "--root", root, "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.port = None
        self.ready = threading.Event()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        threading.Thread(target=self._read_notify, daemon=True).start()
        if not self.ready.wait(20):
            raise RuntimeError("bootmemd did not start: " + "".join(self.stderr[-20:]))
        self.tls = tls

    def _read_stderr(self):
        for line in iter(self.proc.stderr.readline, b""):
            s = line.decode("utf-8", "replace")
            self.stderr.append(s)
            if s.startswith("Listening on 127.0.0.1:") and self.port is None:
                self.port = int(s.split(":")[1].split(".")[0].split()[0])
                self.ready.set()

    def _read_notify(self):
        while True:
            try:
                data = self.notify.recv(65536)
            except OSError:
                return
            now = time.monotonic()
            msg = data.decode("utf-8", "replace")
            self.messages.append((now, msg))
            if "WATCHDOG=1" in msg.split("\n"):
                self.pings.append(now)

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def rss_kib(self):
        return self.status("VmRSS")

    def fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def max_ping_gap(self, t0, t1):
        """The longest time without WATCHDOG=1 inside [t0, t1]."""
        times = [t0] + [t for t in self.pings if t0 <= t <= t1] + [t1]
        return max(b - a for a, b in zip(times, times[1:]))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "killed after 10 s"
        self.notify.close()
        return rc


# ---------------------------------------------------------------- clients

def connect(port, src="127.0.0.1", timeout=PROBE_TIMEOUT, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_response(s, deadline):
    """(status, body bytes) of one response, by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for l in lines[1:]:
        k, _, v = l.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside the body")
        body += chunk
    return status, body


def probe(port, path="/metrics", src="127.0.0.1", auth=None, tls=None, timeout=PROBE_TIMEOUT):
    """A fresh client: (status or None, seconds, error)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    s = None
    try:
        s = connect(port, src, timeout)
        if tls:
            s = tls.wrap_socket(s, server_hostname="127.0.0.1")
        req = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if auth:
            req += f"Authorization: {auth}\r\n"
        s.sendall((req + "\r\n").encode())
        status, _ = read_response(s, deadline)
        return status, time.monotonic() - t0, None
    except (OSError, ValueError, IndexError, ssl.SSLError) as e:
        return None, time.monotonic() - t0, repr(e)
    finally:
        if s:
            s.close()


class Attack:
    """Background attackers; stop() ends them and closes every socket."""

    def __init__(self):
        self.stop_event = threading.Event()
        self.threads = []
        self.stats = {}

    def count(self, key, n=1):
        self.stats[key] = self.stats.get(key, 0) + n

    def start(self, target, *args):
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self.threads.append(t)

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(10)


class Flood(Attack):
    """@n connections kept open (reopened when the server closes them), from @sources.

    mode: "idle" sends nothing; "slowloris" sends a request line and then one
    header byte every @interval seconds; "tls-stall" starts a TLS handshake and
    stops; "slow-reader" pipelines requests for @path and never reads.
    """

    def __init__(self, port, n, sources, mode, interval=5.0, path="/map.svg"):
        super().__init__()
        self.port, self.n, self.sources, self.mode = port, n, sources, mode
        self.interval, self.path = interval, path
        self.opened = threading.Event()
        self.start(self.run)

    def first_bytes(self):
        if self.mode == "slowloris":
            return b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "
        if self.mode == "tls-stall":
            # A TLS record header and the start of a ClientHello, and no more.
            return bytes.fromhex("16030100c8010000c40303")
        if self.mode == "slow-reader":
            return f"GET {self.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode() * 64
        return b""

    def open_one(self, i, sel):
        try:
            rcvbuf = 4096 if self.mode == "slow-reader" else None
            s = connect(self.port, self.sources[i % len(self.sources)], 5, rcvbuf)
            s.setblocking(False)
            data = self.first_bytes()
            if data:
                try:
                    s.send(data)
                except BlockingIOError:
                    pass
            if self.mode != "slow-reader":
                sel.register(s, selectors.EVENT_READ, i)
            self.count("opened")
            return s
        except OSError:
            self.count("connect failed")
            return None

    def reap_readers(self, socks):
        """A slow reader never reads: the server's FIN shows as POLLRDHUP, then it is opened again."""
        p = select.poll()
        for s in socks.values():
            if s is not None:
                p.register(s, select.POLLRDHUP)
        gone = {fd for fd, ev in p.poll(0) if ev & (select.POLLRDHUP | select.POLLHUP | select.POLLERR)}
        for i, s in socks.items():
            if s is not None and s.fileno() in gone:
                self.count("closed by the server")
                s.close()
                socks[i] = self.open_one(i, None)

    def run(self):
        sel = selectors.DefaultSelector()
        socks = {}
        next_byte = time.monotonic() + self.interval
        for i in range(self.n):
            if self.stop_event.is_set():
                break
            socks[i] = self.open_one(i, sel)
        self.opened.set()
        while not self.stop_event.is_set():
            if self.mode == "slow-reader":
                self.reap_readers(socks)
                self.stop_event.wait(0.5)
                continue
            for key, _ in sel.select(0.1):
                s, i = key.fileobj, key.data
                try:
                    closed = s.recv(65536) == b""
                except BlockingIOError:
                    closed = False
                except OSError:
                    closed = True
                if closed:
                    self.count("closed by the server")
                    sel.unregister(s)
                    s.close()
                    socks[i] = None
            now = time.monotonic()
            if self.mode == "slowloris" and now >= next_byte:
                next_byte = now + self.interval
                for s in socks.values():
                    if s is not None:
                        try:
                            s.send(b"x")
                        except OSError:
                            pass
            for i, s in socks.items():
                if s is None and not self.stop_event.is_set():
                    socks[i] = self.open_one(i, sel)
        for s in socks.values():
            if s is not None:
                s.close()
        sel.close()


class WrongPasswords(Attack):
    def __init__(self, port, n, sources):
        super().__init__()
        self.started = threading.Barrier(n + 1)
        for i in range(n):
            self.start(self.client, port, sources[i % len(sources)])
        self.started.wait(10)

    def client(self, port, src):
        req = (f"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: {AUTH_BAD}\r\n\r\n").encode()
        s = None
        try:
            self.started.wait(10)
        except threading.BrokenBarrierError:
            pass
        while not self.stop_event.is_set():
            try:
                if s is None:
                    s = connect(port, src, 30)
                s.sendall(req)
                status, _ = read_response(s, time.monotonic() + 30)
                self.count(status)
            except (OSError, ValueError, IndexError):
                self.count("error")
                if s:
                    s.close()
                s = None
                time.sleep(0.01)
        if s:
            s.close()


# ---------------------------------------------------------------- the scenarios

def sources(n):
    return ["127.0.0.1"] if n == 1 else [f"127.0.0.{2 + i}" for i in range(n)]


def tls_files(tmp):
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-days", "2", "-subj", "/CN=bootmemd-test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class Scenario:
    def __init__(self, name, conf="", tls=False, attack=None, probes=None, check=None):
        self.name, self.conf, self.tls, self.attack = name, conf, tls, attack
        self.probes = probes or [("/metrics", None)]
        self.check = check


def run_scenario(sc, binary, root, tmp, bench, results):
    tls_ctx = None
    conf = sc.conf
    if sc.tls:
        cert, key = tls_files(tmp)
        conf += f"[TLS]\nCertificateFile={cert}\nKeyFile={key}\n"
        tls_ctx = ssl.create_default_context(cafile=cert)
    d = Daemon(binary, root, tmp, conf)
    out = {"name": sc.name, "latencies": {}, "failures": [], "notes": []}
    try:
        # Warm up: the cached login, and the baseline.
        for path, auth in sc.probes:
            probe(d.port, path, auth=auth, tls=tls_ctx, timeout=10)
        rss0, fds0 = d.rss_kib(), d.fds()
        cpu0 = d.cpu_seconds()
        t0 = time.monotonic()
        attack = sc.attack(d.port) if sc.attack else None
        if isinstance(attack, Flood):
            attack.opened.wait(15)
            time.sleep(1.0)
        elif attack:
            time.sleep(1.0)
        rss_max, fds_max = rss0, fds0
        if sc.check:
            sc.check(d, out)
        n_probes = 20 if bench else 8
        for k in range(n_probes):
            for path, auth in sc.probes:
                # From the attacked address and from one the attack does not use.
                src = "127.0.0.1" if k % 2 == 0 else "127.0.0.10"
                status, secs, err = probe(d.port, path, src, auth, tls_ctx,
                                          timeout=10 if bench else PROBE_TIMEOUT)
                out["latencies"].setdefault(path, []).append(secs if status else float("inf"))
                want = 401 if path == "/healthz" and sc.name == "wrong-password" else 200
                if status != want:
                    out["failures"].append(f"{path} from {src}: {status} after {secs:.2f} s {err or ''}")
            rss_max, fds_max = max(rss_max, d.rss_kib()), max(fds_max, d.fds())
            time.sleep(0.25)
        t1 = time.monotonic()
        out["cpu"] = d.cpu_seconds() - cpu0
        if attack:
            attack.stop()
            out["notes"].append("attack: " + ", ".join(f"{k} {v}" for k, v in sorted(attack.stats.items(),
                                                                                        key=str)))
        out["ping_gap"] = d.max_ping_gap(t0, t1)
        out["rss"] = (rss0, rss_max)
        out["fds"] = (fds0, fds_max)
    finally:
        rc = d.stop()
        out["exit"] = rc
        out["log"] = d.stderr
    results.append(out)
    return out


def get_body_check(d, out):
    """GET and HEAD with a body: 400 before the body, then the connection closed."""
    for method in ("GET", "HEAD"):
        cpu0 = d.cpu_seconds()
        s = connect(d.port, timeout=5)
        s.sendall(f"{method} /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n".encode())
        sent, t0, status = 0, time.monotonic(), None
        chunk = b"x" * 65536
        s.setblocking(False)
        data = b""
        while time.monotonic() - t0 < 5:
            try:
                data += s.recv(4096)
                if data and b"\r\n" in data:
                    status = data.split(b"\r\n")[0].decode("latin-1")
            except BlockingIOError:
                pass
            except OSError:
                break
            if status:
                break
            try:
                sent += s.send(chunk)
            except BlockingIOError:
                time.sleep(0.001)
            except OSError:
                break
        # After the answer the server must have closed: reads end.
        closed = False
        s.settimeout(2)
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    closed = True
                    break
        except OSError:
            closed = True
        s.close()
        cpu = d.cpu_seconds() - cpu0
        out["notes"].append(f"{method} with a 1 GB body: {status!r}, {sent >> 20} MiB sent, "
                            f"{'closed' if closed else 'left open'}, {cpu:.2f} CPU s")
        if not status or " 400 " not in status + " ":
            out["failures"].append(f"{method} with a body: {status!r}, not 400")
        if not closed:
            out["failures"].append(f"{method} with a body: the connection stayed open")
        if sent > 64 << 20:
            out["failures"].append(f"{method} with a body: the server read {sent >> 20} MiB of it")


FRAMING = {
    "repeated Host": b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "conflicting Content-Length": b"GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello",
    "repeated Content-Length": b"GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
    "Transfer-Encoding with Content-Length":
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
    "NUL in a header value": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n",
    "NUL at a header value's end": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: ab\x00\r\n\r\n",
    "NUL in a header name": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX\x00A: ab\r\n\r\n",
    "NUL in the request target": b"GET /healthz\x00x HTTP/1.1\r\nHost: a\r\n\r\n",
    "bare CR in a header value": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n",
    "bare CR at a header's end": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: ab\r\r\n\r\n",
    "a control character in a header value": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n",
    "whitespace before a colon": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A : ab\r\n\r\n",
    "obsolete line folding": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: ab\r\n c\r\n\r\n",
}
# What must still be served: the checks must not refuse good requests.
FRAMING_GOOD = {
    "a plain request": b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
    "Content-Length: 0 on a GET": b"GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
    "bare LF line ends": b"GET /healthz HTTP/1.1\nHost: a\nX-A: ab\n\n",
    "a tab and trailing spaces in values": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: a\tb  \r\nX-B:c\r\n\r\n",
    "cookies": b"GET /healthz HTTP/1.1\r\nHost: a\r\nCookie: a=1; b=2\r\nX-C: d\r\n\r\n",
    "an escaped request target": b"GET /%68ealthz?x=%20y HTTP/1.1\r\nHost: a\r\n\r\n",
    "HTTP/1.0 without Host": b"GET /healthz HTTP/1.0\r\n\r\n",
    "obs-text in a value": b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: caf\xc3\xa9\r\n\r\n",
}


def framing_check(d, out):
    def send(req, wait=3):
        s = connect(d.port, timeout=wait)
        s.sendall(req)
        data, closed = b"", False
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    closed = True
                    break
                data += c
        except OSError:
            pass
        s.close()
        return [l.decode("latin-1") for l in data.split(b"\r\n") if l.startswith(b"HTTP/1.")], closed

    for name, req in FRAMING.items():
        statuses, closed = send(req)
        if not statuses or any(" 400 " not in st + " " for st in statuses) or not closed:
            out["failures"].append(f"{name}: {statuses}, {'closed' if closed else 'left open'}; want one 400 and close")
        else:
            out["notes"].append(f"{name}: 400, closed")
    for name, req in FRAMING_GOOD.items():
        statuses, closed = send(req, 0.5)     # kept alive: the timeout ends the read
        if len(statuses) != 1 or " 200 " not in statuses[0] + " ":
            out["failures"].append(f"{name}: {statuses}; want 200")


def scenarios(tmp):
    wd = [("/metrics", None)]
    auth_conf = f"[BasicAuth]\nUser=prometheus:{HASH_SECRET}\n"
    return [
        Scenario("quiet"),
        Scenario("idle-1", attack=lambda p: Flood(p, 1000, sources(1), "idle")),
        Scenario("idle-8", attack=lambda p: Flood(p, 1000, sources(8), "idle")),
        Scenario("slowloris-1", attack=lambda p: Flood(p, 500, sources(1), "slowloris")),
        Scenario("slowloris-8", attack=lambda p: Flood(p, 500, sources(8), "slowloris")),
        Scenario("wrong-password", conf=auth_conf, attack=lambda p: WrongPasswords(p, 64, sources(1)),
                 probes=[("/metrics", AUTH_GOOD), ("/healthz", None)]),
        Scenario("tls-stall", tls=True, attack=lambda p: Flood(p, 300, sources(1), "tls-stall")),
        Scenario("slow-readers", attack=lambda p: Flood(p, 200, sources(8), "slow-reader")),
        Scenario("get-body", check=get_body_check, probes=wd),
        Scenario("framing", check=framing_check, probes=wd),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--only")
    ap.add_argument("binary")
    ap.add_argument("root")
    args = ap.parse_args()

    # 1,000 client sockets and the daemon's own: both inherit this.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))

    results = []
    with tempfile.TemporaryDirectory(prefix="bootmemd-hostile.") as tmp:
        todo = scenarios(tmp)
        if args.only:
            names = args.only.split(",")
            todo = [s for s in todo if s.name in names]
        n = 0
        failed = 0
        if args.bench:
            print(f"    {'attack':15s} {'probe':9s} {'median':>8s} {'max':>8s}  unanswered  RSS KiB   fds  "
                  f"wd gap  CPU s")
        for sc in todo:
            t0 = time.monotonic()
            try:
                out = run_scenario(sc, args.binary, args.root, tmp, args.bench, results)
            except Exception as e:     # a harness failure is a test failure
                out = {"name": sc.name, "failures": [f"harness: {e!r}"], "notes": [], "latencies": {},
                       "exit": None, "log": []}
                results.append(out)
            took = time.monotonic() - t0
            if args.bench:
                for path, lat in out["latencies"].items():
                    ok = sorted(x for x in lat if x != float("inf"))
                    med = f"{statistics.median(ok) * 1000:8.1f}" if ok else "       -"
                    worst = f"{max(lat) * 1000:8.1f}" if ok and len(ok) == len(lat) else "   >10 s"
                    print(f"    {sc.name:15s} {path:9s} {med} {worst}  {len(lat) - len(ok):3d}/{len(lat)}  "
                          f"{out.get('rss', (0, 0))[1]:7d} {out.get('fds', (0, 0))[1]:5d} "
                          f"{out.get('ping_gap', 0):6.2f} {out.get('cpu', 0):6.1f}")
                sys.stdout.flush()
                continue
            problems = list(out["failures"])
            if "ping_gap" in out and out["ping_gap"] >= WATCHDOG_USEC / 1e6:
                problems.append(f"no WATCHDOG=1 for {out['ping_gap']:.2f} s (WatchdogSec "
                                f"{WATCHDOG_USEC / 1e6:.0f} s)")
            if "rss" in out and out["rss"][1] - out["rss"][0] > RSS_GROWTH_KIB:
                problems.append(f"resident memory grew from {out['rss'][0]} to {out['rss'][1]} KiB")
            if "fds" in out and out["fds"][1] > 256 + FD_MARGIN:
                problems.append(f"{out['fds'][1]} file descriptors open")
            if out["exit"] != 0:
                problems.append(f"SIGTERM: exit status {out['exit']}")
            if any("Sanitizer" in l or "runtime error" in l for l in out["log"]):
                problems.append("a sanitizer finding: " + "".join(out["log"][-10:]))
            n += 1
            lat = [x for v in out["latencies"].values() for x in v]
            desc = (f"{sc.name}: every fresh client answered within {PROBE_TIMEOUT:.0f} s "
                    f"(slowest {max(lat) * 1000:.0f} ms)" if lat else sc.name)
            if problems:
                failed += 1
                print(f"not ok {n} - {desc} [{took:.0f} s]")
                for p in problems[:20]:
                    print(f"# {p}")
                for note in out["notes"]:
                    print(f"# {note}")
            else:
                print(f"ok {n} - {desc}, watchdog gap {out.get('ping_gap', 0):.2f} s, RSS "
                      f"{out.get('rss', (0, 0))[1]} KiB, {out.get('fds', (0, 0))[1]} fds [{took:.0f} s]")
            sys.stdout.flush()
        if not args.bench:
            print(f"1..{n}")
            sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
