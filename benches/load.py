#!/usr/bin/env python3
"""A bounded loopback load run against `planmap serve` (issue 11 §4).

For LOAD_SECONDS (default 600) it sends, at once:
  - heavy: district-sized checks from HEAVY_CLIENTS clients, back to back,
    enough to keep every core busy;
  - small: small block checks, cheap: /health and items queries with a CQL2
    filter, each from its own clients at a steady pace;
  - hostile: slowloris connections (a header byte every 2 s) and idle
    keep-alive connections, each reopened when the server closes it.
It samples the server's resident memory every second and prints, per kind,
the requests, their statuses, throughput and p50/p99 latency, and the memory
before, at its peak, and after a settling pause. Only 127.0.0.1 is ever
contacted. Standard library only.

    python3 benches/load.py --port 8080 --pid SERVER_PID
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import threading
import time

HOST = "127.0.0.1"


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def anon_kib(pid):
    """Resident anonymous memory: the heap and stacks, without the pages of
    the binary and its libraries that a run has read in."""
    return rss_kib(pid, "RssAnon")


def rect(w, s, e, n):
    return json.dumps(
        {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
    )


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.statuses = {}

    def add(self, kind, seconds, status):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            counts = self.statuses.setdefault(kind, {})
            counts[status] = counts.get(status, 0) + 1


def client(stats, kind, method, path, body, stop, pace):
    conn = None
    while not stop.is_set():
        started = time.monotonic()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, ARGS.port, timeout=60)
            headers = {"Content-Type": "application/geo+json"} if body else {}
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as e:
            status = f"error:{type(e).__name__}"
            if conn is not None:
                conn.close()
            conn = None
        stats.add(kind, time.monotonic() - started, status)
        if pace:
            rest = pace - (time.monotonic() - started)
            if rest > 0:
                stop.wait(rest)


def client_once(stats, kind, method, path, body):
    conn = http.client.HTTPConnection(HOST, ARGS.port, timeout=60)
    headers = {"Content-Type": "application/geo+json"} if body else {}
    started = time.monotonic()
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    conn.close()
    stats.add(kind, time.monotonic() - started, response.status)


def slowloris(stop, counter):
    while not stop.is_set():
        try:
            s = socket.create_connection((HOST, ARGS.port), timeout=5)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            counter["opened"] += 1
            while not stop.is_set():
                stop.wait(2)
                s.sendall(b"X")
        except OSError:
            counter["closed_by_server"] += 1
        finally:
            try:
                s.close()
            except Exception:
                pass


def idle(stop, counter):
    while not stop.is_set():
        try:
            s = socket.create_connection((HOST, ARGS.port), timeout=5)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            counter["opened"] += 1
            s.settimeout(120)
            while s.recv(65536):
                pass
            counter["closed_by_server"] += 1
        except OSError:
            counter["closed_by_server"] += 1
        finally:
            try:
                s.close()
            except Exception:
                pass


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))
    return values[k]


def main():
    stop = threading.Event()
    stats = Stats()
    cold = rss_kib(ARGS.pid)
    cold_anon = anon_kib(ARGS.pid)
    memory = []
    # A district-sized candidate over the demo layers (屯留, about 0.5° × 0.3°)
    # and a small block inside it.
    district = rect(112.45, 36.15, 112.95, 36.43)
    small = rect(112.70, 36.30, 112.71, 36.31)
    items = "/collections/basic_farmland/items?limit=50&filter=" + "name%20LIKE%20%27%25%E5%86%9C%25%27"
    threads = []
    kinds = [
        ("heavy_check", "POST", "/check?blocks=true&net=true", district, ARGS.heavy_clients, 0),
        ("small_check", "POST", "/check", small, 2, 0.05),
        ("health", "GET", "/health", None, 2, 0.02),
        ("items_filter", "GET", items, None, 2, 0.05),
    ]
    for kind, method, path, body, n, pace in kinds:
        for _ in range(n):
            threads.append(
                threading.Thread(
                    target=client, args=(stats, kind, method, path, body, stop, pace), daemon=True
                )
            )
    hostile = {"slowloris": {"opened": 0, "closed_by_server": 0}, "idle": {"opened": 0, "closed_by_server": 0}}
    for _ in range(ARGS.slowloris):
        threads.append(threading.Thread(target=slowloris, args=(stop, hostile["slowloris"]), daemon=True))
    for _ in range(ARGS.idle):
        threads.append(threading.Thread(target=idle, args=(stop, hostile["idle"]), daemon=True))
    # Warm up: one of each request, so that "before" is a server that has
    # loaded what a first request loads (PROJ transforms, queryables), then
    # the settling pause the end of the run gets too.
    for kind, method, path, body, _, _ in kinds:
        warm = Stats()
        client_once(warm, kind, method, path, body)
    time.sleep(ARGS.settle)
    before = rss_kib(ARGS.pid)
    before_anon = anon_kib(ARGS.pid)
    started = time.monotonic()
    for t in threads:
        t.start()
    while time.monotonic() - started < ARGS.seconds:
        memory.append((round(time.monotonic() - started), rss_kib(ARGS.pid), anon_kib(ARGS.pid)))
        time.sleep(1)
    stop.set()
    for t in threads:
        t.join(timeout=70)
    time.sleep(ARGS.settle)
    after = rss_kib(ARGS.pid)
    after_anon = anon_kib(ARGS.pid)
    elapsed = time.monotonic() - started
    print(f"duration {ARGS.seconds} s, cores {os.cpu_count()}")
    print(f"{'kind':<14} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind in [k[0] for k in kinds]:
        lat = stats.latencies.get(kind, [])
        print(
            f"{kind:<14} {len(lat):>9} {len(lat) / ARGS.seconds:>8.1f} "
            f"{percentile(lat, 50) * 1000:>8.1f} {percentile(lat, 99) * 1000:>8.1f}  "
            f"{json.dumps(stats.statuses.get(kind, {}), sort_keys=True)}"
        )
    for name, c in hostile.items():
        print(f"{name:<14} opened {c['opened']}, closed by the server {c['closed_by_server']}")
    peak = max(m for _, m, _ in memory) if memory else 0
    peak_anon = max(a for _, _, a in memory) if memory else 0
    print(
        f"resident memory: at start {cold / 1024:.1f} MiB, before the run (warmed up, {ARGS.settle} s settled) "
        f"{before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, "
        f"after {ARGS.settle} s settling {after / 1024:.1f} MiB ({(after - before) / max(before, 1) * 100:+.1f} % of before)"
    )
    print(
        f"of which anonymous (heap, stacks): at start {cold_anon / 1024:.1f} MiB, before {before_anon / 1024:.1f} MiB, "
        f"peak {peak_anon / 1024:.1f} MiB, after {after_anon / 1024:.1f} MiB "
        f"({(after_anon - before_anon) / max(before_anon, 1) * 100:+.1f} % of before)"
    )
    print("memory over time (s, resident MiB / anonymous MiB): " + ", ".join(
        f"{t}:{m / 1024:.0f}/{a / 1024:.0f}" for t, m, a in memory[:: max(1, len(memory) // 20)]
    ))
    bad = {
        kind: {s: n for s, n in counts.items() if s not in (200, 503)}
        for kind, counts in stats.statuses.items()
    }
    bad = {k: v for k, v in bad.items() if v}
    if bad:
        print(f"unexpected statuses: {bad}")
    print(f"elapsed {elapsed:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's process id, for its memory")
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", "600")))
    parser.add_argument("--heavy-clients", type=int, default=6)
    parser.add_argument("--slowloris", type=int, default=100)
    parser.add_argument("--idle", type=int, default=50)
    parser.add_argument("--settle", type=int, default=20)
    ARGS = parser.parse_args()
    main()
