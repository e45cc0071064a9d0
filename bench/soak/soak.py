#!/usr/bin/env python3
"""Soak of the demo: run it at high speed and watch what grows.

    python3 bench/soak/soak.py --bin target/release/zhihui --speed 60 --minutes 24

Starts `zhihui demo` on a fresh data directory (the simulated city: calls, dispatch, driving
units, the major event), then every `--every` seconds samples:

  * the server's resident memory (RSS, from /proc),
  * the latency of the lists a console polls (incidents, units, instructions; median of 5),
  * the event log (rows, and rows that are position reports) and the track store (fixes),
  * bytes on disk per table (SQLite's dbstat) and the database file.

At the end it prints the samples and a summary: event-log growth and bytes per position
report, per simulated day. Nothing here is a pass/fail test: the figures go to
bench/RESULTS.md, beside the same run of the previous binary when comparing.
"""

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def request(base, path, token=None, body=None):
    req = urllib.request.Request(base + path, method="POST" if body is not None else "GET")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    data = None
    if body is not None:
        req.add_header("content-type", "application/json")
        data = json.dumps(body).encode()
    with urllib.request.urlopen(req, data, timeout=30) as r:
        return json.loads(r.read())


def latency_ms(base, token, path):
    times = []
    for _ in range(5):
        t = time.perf_counter()
        request(base, path, token)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def table_bytes(db):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = c.execute(
            "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
        counts = {}
        counts["events"] = c.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        counts["moved"] = c.execute(
            "SELECT COUNT(*) FROM events WHERE kind = 'unit.moved'"
        ).fetchone()[0]
        try:
            counts["fixes"] = c.execute("SELECT COUNT(*) FROM unit_fixes").fetchone()[0]
        except sqlite3.OperationalError:
            counts["fixes"] = 0
        return dict(rows), counts
    finally:
        c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/zhihui")
    ap.add_argument("--speed", type=float, default=60.0)
    ap.add_argument("--minutes", type=float, default=24.0)
    ap.add_argument("--every", type=float, default=60.0)
    ap.add_argument("--roads", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the data directory")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="zhihui-soak-")
    data = os.path.join(work, "data")
    args = [a.bin, "demo", "--data-dir", data, "--listen", "127.0.0.1:0", "--speed", str(a.speed)]
    if a.roads:
        args += ["--roads", a.roads]
    env = dict(os.environ, RUST_LOG="warn")
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)
    base = None
    deadline = time.time() + 180
    while base is None and time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(r"zhihui listening on (http://\S+)", line)
        if m:
            base = m.group(1).rstrip("/")
    if base is None:
        p.kill()
        sys.exit("the demo did not start")
    # Drain the demo's output so it never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    token = request(base, "/api/v1/session", body={"username": "dispatcher", "password": "zhihui-demo"})["token"]
    db = os.path.join(data, "zhihui.db")
    samples = []
    start = time.time()
    print(f"soak: {base} speed {a.speed}x for {a.minutes} min, data {data}", flush=True)
    print(" t_min  sim_h  rss_MB  inc_ms  unit_ms  instr_ms  events  moved   fixes  db_MB", flush=True)
    while True:
        time.sleep(a.every)
        el = time.time() - start
        try:
            s = {
                "t_min": el / 60,
                "sim_h": el * a.speed / 3600,
                "rss": rss_mb(p.pid),
                "inc": latency_ms(base, token, "/api/v1/incidents?limit=50"),
                "unit": latency_ms(base, token, "/api/v1/units?limit=500"),
                "instr": latency_ms(base, token, "/api/v1/instructions?limit=50"),
            }
        except Exception as e:  # noqa: BLE001 - a soak reports, it does not stop
            print(f"sample failed: {e}", flush=True)
            continue
        tables, counts = table_bytes(db)
        s.update(counts)
        s["tables"] = tables
        s["db_mb"] = sum(tables.values()) / 1e6
        samples.append(s)
        print(
            f"{s['t_min']:6.1f} {s['sim_h']:6.1f} {s['rss']:7.1f} {s['inc']:7.1f} {s['unit']:8.1f}"
            f" {s['instr']:9.1f} {s['events']:7d} {s['moved']:6d} {s['fixes']:7d} {s['db_mb']:6.1f}",
            flush=True,
        )
        if el >= a.minutes * 60:
            break
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
    last = samples[-1]
    day = 24 / last["sim_h"]
    t = last["tables"]
    ev_bytes = t.get("events", 0) + t.get("events_record", 0)
    fix_bytes = t.get("unit_fixes", 0)
    print("\nsummary (per simulated day, extrapolated linearly):")
    print(f"  event log rows/day        {last['events'] * day:12.0f}  (position reports among them: {last['moved'] * day:.0f})")
    print(f"  event log MB/day          {ev_bytes * day / 1e6:12.1f}")
    print(f"  position fixes/day        {last['fixes'] * day:12.0f}")
    print(f"  track store MB/day        {fix_bytes * day / 1e6:12.1f}")
    if last["moved"]:
        per = ev_bytes / max(last["events"], 1)
        print(f"  bytes per event row       {per:12.0f}")
    if last["fixes"]:
        print(f"  bytes per fix             {fix_bytes / last['fixes']:12.1f}")
    print(f"  database MB/day           {last['db_mb'] * day:12.1f}")
    first = samples[0]
    print(f"  RSS MB first/last         {first['rss']:.0f} / {last['rss']:.0f}")
    for k in ("inc", "unit", "instr"):
        print(f"  {k} list ms first/last     {first[k]:.1f} / {last[k]:.1f}")
    print("  largest tables (MB):", ", ".join(f"{n} {b / 1e6:.1f}" for n, b in list(t.items())[:6]))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
