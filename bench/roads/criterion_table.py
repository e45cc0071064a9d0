#!/usr/bin/env python3
"""Prints the road-engine criterion results (target/criterion/{li,mc,bremen}) as a Markdown table
with Zhihui beside its same-run baselines and the ratios. Run after
`cargo bench -p zhihui-roads --bench roads`. Benchmark tool only, not used by CI.

Missing cells (fast_paths / petgraph 1000x1000 are not run: too slow to sample) are
extrapolated from the 100x100 figures and marked with ~: fast_paths x100 (one query per pair),
petgraph x10 (one full search per source); petgraph's many-to-all of 16 sources is 16 of its
one-to-all searches. fast_paths has no one-to-all query."""

import json
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "target", "criterion")
GRAPHS = [("li", "Liechtenstein (PBF, car)"), ("mc", "Monaco (PBF, car)"),
          ("bremen", "bremen_time.gr (raw graph)")]
CASES = ["build", "one_to_one", "one_to_500", "matrix_100x100", "matrix_1000x1000",
         "one_to_all", "many_to_all_16"]
ENGINES = ["zhihui", "fast_paths", "petgraph"]


def est(g, case, eng):
    p = os.path.join(ROOT, g, f"{case}_{eng}", "new", "estimates.json")
    if not os.path.exists(p):
        return None
    e = json.load(open(p))
    return (e.get("median") or e["mean"])["point_estimate"] / 1e9  # seconds


def fmt(s, approx=False):
    if s is None:
        return "–"
    t = f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"
    return ("~" if approx else "") + t


def main():
    print("| graph | case | Zhihui | fast_paths direct | petgraph Dijkstra | fast_paths / Zhihui | petgraph / Zhihui |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for g, label in GRAPHS:
        if not os.path.isdir(os.path.join(ROOT, g)):
            continue
        for case in CASES:
            z = est(g, case, "zhihui")
            f = est(g, case, "fast_paths")
            p = est(g, case, "petgraph")
            fa = pa = False
            if case == "matrix_1000x1000":
                f100 = est(g, "matrix_100x100", "fast_paths")
                p100 = est(g, "matrix_100x100", "petgraph")
                if f is None and f100:
                    f, fa = f100 * 100, True
                if p is None and p100:
                    p, pa = p100 * 10, True
            if case == "many_to_all_16":
                p1 = est(g, "one_to_all", "petgraph")
                if p is None and p1:
                    p, pa = p1 * 16, True
            r = lambda b: f"{b / z:.1f}x" if (b and z) else "–"
            print(f"| {label} | {case} | {fmt(z)} | {fmt(f, fa)} | {fmt(p, pa)} | {r(f)} | {r(p)} |")


if __name__ == "__main__":
    sys.exit(main())
