#!/usr/bin/env python3
"""OSRM vs Zhihui table throughput over HTTP, on the same OSM extract and the same points.

BENCHMARK TOOL ONLY: not used by CI, nothing from OSRM is committed. It fetches OSRM from the
PyPI wheel `osrm-bindings` (binaries osrm-extract/osrm-contract/osrm-routed and car.lua) into a
scratch directory, prepares the extract with the car profile (CH), starts osrm-routed and
`zhihui serve --roads` on loopback, and sends the same table requests to both:

  OSRM   GET  /table/v1/driving/{lon,lat;...}?sources=..&destinations=..&annotations=duration
  Zhihui POST /api/v1/roads/matrix {"from": [...], "to": [...], "profile": "car"}

Points: `road_points` example (random points snapped to car roads, fixed seed), 1000 sources
and 1000 destinations. Responses are read fully but not parsed inside the timed loop.

Usage (from the repository root, after `cargo build --release -p zhihui` and
`cargo build --release -p zhihui-roads --example road_points`):

  python3 bench/roads/osrm_vs_zhihui.py [--datasets liechtenstein,monaco] [--work /tmp/zhihui-osrm]
      [--small 300] [--big 6] [--clients 1,4] [--json out.json]

Data: $ZHIHUI_SHARED_DATA/roads/<dataset>.osm.pbf (default ../shared/data beside the repo).
"""

import argparse
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch_osrm(work):
    """Downloads and unpacks the osrm-bindings wheel once; returns (bin dir, profiles dir)."""
    root = os.path.join(work, "wheel")
    bindir = os.path.join(root, "osrm", "bin")
    if not os.path.exists(os.path.join(bindir, "osrm-routed")):
        dl = os.path.join(work, "dl")
        os.makedirs(dl, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "osrm-bindings",
                        "--only-binary=:all:", "--python-version", "3.12", "--no-deps",
                        "-d", dl], check=True)
        whl = sorted(glob.glob(os.path.join(dl, "osrm_bindings-*.whl")))[-1]
        with zipfile.ZipFile(whl) as z:
            z.extractall(root)
        for f in os.listdir(bindir):
            os.chmod(os.path.join(bindir, f), 0o755)
    return bindir, os.path.join(root, "osrm", "share", "profiles")


def prepare_osrm(bindir, profiles, pbf, work, name):
    d = os.path.join(work, "data")
    os.makedirs(d, exist_ok=True)
    base = os.path.join(d, name)
    if not os.path.exists(base + ".osrm.hsgr"):
        shutil.copy(pbf, base + ".osm.pbf")
        t = time.time()
        subprocess.run([os.path.join(bindir, "osrm-extract"), "-p",
                        os.path.join(profiles, "car.lua"), base + ".osm.pbf"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([os.path.join(bindir, "osrm-contract"), base + ".osrm"],
                       check=True, stdout=subprocess.DEVNULL)
        log(f"{name}: osrm-extract + osrm-contract {time.time() - t:.1f} s")
    return base + ".osrm"


def wait_http(port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} never opened")


def start_osrm(bindir, osrm_file, port):
    p = subprocess.Popen([os.path.join(bindir, "osrm-routed"), "--algorithm", "ch",
                          "--max-table-size", "2000", "-i", "127.0.0.1", "-p", str(port),
                          osrm_file], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_http(port)
    return p


def start_zhihui(zbin, pbf, work, name):
    d = tempfile.mkdtemp(prefix=f"zh-{name}-", dir=work)
    subprocess.run([zbin, "org", "add", "city", "--name", "市局", "--kind", "city",
                    "--data-dir", d], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([zbin, "user", "add", "bench", "--role", "dispatcher", "--data-dir", d],
                   input=b"bench-password-1\n", check=True, stdout=subprocess.DEVNULL)
    p = subprocess.Popen([zbin, "serve", "--data-dir", d, "--listen", "127.0.0.1:0",
                          "--roads", pbf], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    port = None
    for line in p.stdout:
        if "listening on http://" in line:
            port = int(line.rsplit(":", 1)[1].strip().rstrip("/"))
            break
    if port is None:
        raise RuntimeError("zhihui serve did not start")
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/api/v1/session",
              json.dumps({"username": "bench", "password": "bench-password-1"}),
              {"Content-Type": "application/json"})
    token = json.loads(c.getresponse().read())["token"]
    return p, port, token


class Client:
    """One keep-alive connection; reconnects when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.c = None

    def send(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            try:
                self.c.request(method, path, body, headers or {})
                r = self.c.getresponse()
                data = r.read()
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}: {data[:200]!r}")
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return data
            except (http.client.HTTPException, ConnectionError, BrokenPipeError):
                self.c.close()
                self.c = None
                if attempt:
                    raise


def osrm_req(src, dst):
    coords = ";".join(f"{x:.6f},{y:.6f}" for x, y in src + dst)
    s = ";".join(str(i) for i in range(len(src)))
    d = ";".join(str(len(src) + i) for i in range(len(dst)))
    return ("GET", f"/table/v1/driving/{coords}?sources={s}&destinations={d}"
                   "&annotations=duration", None, {})


def zhihui_req(token, src, dst):
    body = json.dumps({"from": src, "to": dst, "profile": "car"})
    return ("POST", "/api/v1/roads/matrix", body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


def run_load(port, reqs, clients):
    """Sends every request in `reqs` over `clients` connections; returns (req/s, p50 ms, bytes)."""
    lat = []
    nbytes = [0]
    lock = threading.Lock()
    it = iter(list(enumerate(reqs)))

    def worker():
        c = Client(port)
        while True:
            with lock:
                nxt = next(it, None)
            if nxt is None:
                return
            t = time.perf_counter()
            data = c.send(*nxt[1])
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                nbytes[0] += len(data)

    t0 = time.perf_counter()
    ths = [threading.Thread(target=worker) for _ in range(clients)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    wall = time.perf_counter() - t0
    return len(reqs) / wall, statistics.median(lat) * 1e3, nbytes[0] / len(reqs)


def agreement(osrm_port, z_port, token, src, dst):
    o = json.loads(Client(osrm_port).send(*osrm_req(src, dst)))["durations"]
    z = json.loads(Client(z_port).send(*zhihui_req(token, src, dst)))["seconds"]
    xs, ys = [], []
    for i in range(len(src)):
        for j in range(len(dst)):
            if o[i][j] is not None and z[i][j] is not None and o[i][j] > 1 and z[i][j] > 1:
                xs.append(o[i][j])
                ys.append(z[i][j])
    corr = statistics.correlation(xs, ys)
    rel = statistics.median(abs(b - a) / a for a, b in zip(xs, ys))
    ratio = statistics.median(b / a for a, b in zip(xs, ys))
    return {"pairs": len(xs), "pearson": corr, "median_rel_diff": rel,
            "median_zhihui_over_osrm": ratio}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="liechtenstein,monaco")
    ap.add_argument("--work", default="/tmp/zhihui-osrm")
    ap.add_argument("--small", type=int, default=300, help="100x100 requests per cell")
    ap.add_argument("--big", type=int, default=6, help="1000x1000 requests per cell")
    ap.add_argument("--clients", default="1,4")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    shared = os.environ.get("ZHIHUI_SHARED_DATA", os.path.join(REPO, "..", "shared", "data"))
    zbin = os.path.join(REPO, "target", "release", "zhihui")
    gen = os.path.join(REPO, "target", "release", "examples", "road_points")
    for b in (zbin, gen):
        if not os.path.exists(b):
            sys.exit(f"missing {b}: cargo build --release -p zhihui && "
                     "cargo build --release -p zhihui-roads --example road_points")
    bindir, profiles = fetch_osrm(a.work)
    results = []
    for name in a.datasets.split(","):
        pbf = os.path.join(shared, "roads", f"{name}.osm.pbf")
        osrm_file = prepare_osrm(bindir, profiles, pbf, a.work, name)
        pts_file = os.path.join(a.work, f"{name}-points.geojson")
        subprocess.run([gen, pbf, "2000", "42", pts_file], check=True)
        pts = [f["geometry"]["coordinates"] for f in json.load(open(pts_file))["features"]]
        src, dst = pts[:1000], pts[1000:2000]
        oport = free_port()
        osrm = start_osrm(bindir, osrm_file, oport)
        zs, zport, token = start_zhihui(zbin, pbf, a.work, name)
        try:
            # Warm up both (Zhihui builds the car hierarchy on first use).
            Client(zport).send(*zhihui_req(token, src[:10], dst[:10]))
            Client(oport).send(*osrm_req(src[:10], dst[:10]))
            agree = agreement(oport, zport, token, src[:100], dst[:100])
            log(f"{name}: agreement {agree}")
            for size, count in ((100, a.small), (1000, a.big)):
                # Request k uses a different window of the 1000 points (all of them at 1000).
                wins = [((k * 37) % (1001 - size)) for k in range(count)]
                for clients in (int(c) for c in a.clients.split(",")):
                    row = {"dataset": name, "size": f"{size}x{size}", "clients": clients,
                           "requests": count}
                    for eng, port, mk in (
                            ("osrm", oport, lambda s, d: osrm_req(s, d)),
                            ("zhihui", zport, lambda s, d: zhihui_req(token, s, d))):
                        reqs = [mk(src[w:w + size], dst[w:w + size]) for w in wins]
                        rps, p50, nb = run_load(port, reqs, clients)
                        row[eng] = {"req_per_s": rps, "p50_ms": p50, "resp_bytes": nb}
                    row["ratio_zhihui_over_osrm"] = row["zhihui"]["req_per_s"] / row["osrm"]["req_per_s"]
                    log(json.dumps(row))
                    results.append(row)
            results.append({"dataset": name, "agreement": agree})
        finally:
            for p in (osrm, zs):
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=30)
    print("| dataset | table | clients | OSRM req/s | OSRM p50 ms | Zhihui req/s | Zhihui p50 ms | Zhihui/OSRM |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        if "size" in r:
            print(f"| {r['dataset']} | {r['size']} | {r['clients']} | {r['osrm']['req_per_s']:.1f} | "
                  f"{r['osrm']['p50_ms']:.1f} | {r['zhihui']['req_per_s']:.1f} | "
                  f"{r['zhihui']['p50_ms']:.1f} | {r['ratio_zhihui_over_osrm']:.2f}x |")
    for r in results:
        if "agreement" in r:
            g = r["agreement"]
            print(f"{r['dataset']}: {g['pairs']} pairs, Pearson r = {g['pearson']:.3f}, median "
                  f"|Z-O|/O = {g['median_rel_diff']:.1%}, median Z/O = {g['median_zhihui_over_osrm']:.2f}")
    if a.json:
        json.dump(results, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
