//! Scale curve on generated cities (benchmark tool, not run by CI):
//!
//! `cargo run --release -p zhihui-roads --example roads_scale -- curve N` prints one JSON line:
//! generation and Police/Car hierarchy build times, peak-RSS growth per node (VmHWM from
//! /proc/self/status, so run one size per process), and query times (one-to-one route,
//! one-to-500 nearest_k, 100×100 matrix) between points snapped with a fixed seed.
//!
//! `... -- params N` times fast_paths itself on the same city's Police edges with a few
//! preparation parameter sets (what the engine's build choice is based on).

use std::time::Instant;

use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::raw::edges;
use zhihui_roads::{Profile, RoadNetwork, Snap};

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn points(net: &RoadNetwork, n: usize, seed: u64) -> Vec<Snap> {
    let mut s = seed;
    let mut unit = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let b = net.bbox();
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        if let Some(p) = net.snap_for(
            Profile::Police,
            b[0] + unit() * (b[2] - b[0]),
            b[1] + unit() * (b[3] - b[1]),
        ) {
            v.push(p);
        }
    }
    v
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

fn gen(n: usize) -> (RoadNetwork, f64) {
    let t = Instant::now();
    let net = city(GenParams {
        target_nodes: n,
        ..GenParams::default()
    })
    .expect("generate");
    (net, secs(t))
}

fn curve(n: usize) {
    let rss0 = status_kib("VmRSS:");
    let (net, t_gen) = gen(n);
    let rss_net = status_kib("VmHWM:");
    let t = Instant::now();
    net.prepare(Profile::Police);
    let t_police = secs(t);
    let rss_police = status_kib("VmHWM:");
    let t = Instant::now();
    net.prepare(Profile::Car);
    let t_car = secs(t);
    let rss_all = status_kib("VmHWM:");
    let p = Profile::Police;
    let from = points(&net, 600, 42);
    let to = points(&net, 600, 4242);
    let t = Instant::now();
    let reps = 200;
    for i in 0..reps {
        std::hint::black_box(net.route(p, &from[i % 600], &to[i % 600]));
    }
    let t_one = secs(t) / reps as f64;
    let t = Instant::now();
    let reps = 20;
    for at in &to[..reps] {
        std::hint::black_box(net.nearest_k(p, at, &from[..500], 10));
    }
    let t_500 = secs(t) / reps as f64;
    let t = Instant::now();
    let reps = 5;
    for _ in 0..reps {
        std::hint::black_box(net.matrix(p, &from[..100], &to[..100]));
    }
    let t_100 = secs(t) / reps as f64;
    let nodes = net.node_count();
    let per_node = |kib: u64| (kib.saturating_sub(rss0) * 1024) as f64 / nodes as f64;
    println!(
        "{{\"target\":{n},\"nodes\":{nodes},\"edges\":{},\"generate_s\":{t_gen:.3},\"ch_police_s\":{t_police:.3},\"ch_car_s\":{t_car:.3},\"bytes_per_node_network\":{:.0},\"bytes_per_node_with_police_ch\":{:.0},\"bytes_per_node_with_both_ch\":{:.0},\"one_to_one_ms\":{:.4},\"one_to_500_ms\":{:.3},\"matrix_100x100_ms\":{:.3}}}",
        net.edge_count(),
        per_node(rss_net),
        per_node(rss_police),
        per_node(rss_all),
        t_one * 1e3,
        t_500 * 1e3,
        t_100 * 1e3
    );
}

fn params(n: usize) {
    let (net, _) = gen(n);
    let arcs = edges(&net, Profile::Police);
    let mut ig = fast_paths::InputGraph::new();
    for &(a, b, w) in &arcs {
        ig.add_edge(a as usize, b as usize, w as usize);
    }
    ig.freeze();
    let q = points(&net, 200, 42);
    let sets: Vec<(&str, fast_paths::Params)> = vec![
        (
            "default (0.1, 500, 100, 500)",
            fast_paths::Params::default(),
        ),
        (
            "(0.1, 100, 10, 100)",
            fast_paths::Params::new(0.1, 100, 10, 100),
        ),
        (
            "(0.01, 50, 3, 50)",
            fast_paths::Params::new(0.01, 50, 3, 50),
        ),
        (
            "(0.01, 20, 2, 30)",
            fast_paths::Params::new(0.01, 20, 2, 30),
        ),
    ];
    let only: Option<usize> = std::env::var("PARAMS_SET")
        .ok()
        .and_then(|v| v.parse().ok());
    let sets: Vec<_> = sets
        .into_iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|o| o == *i))
        .map(|x| x.1)
        .collect();
    for (name, prm) in sets {
        let t = Instant::now();
        let fg = fast_paths::prepare_with_params(&ig, &prm);
        let build = secs(t);
        let mut calc = fast_paths::create_calculator(&fg);
        let t = Instant::now();
        for w in q.windows(2) {
            std::hint::black_box(calc.calc_path(
                &fg,
                w[0].from_node as usize,
                w[1].from_node as usize,
            ));
        }
        let qt = secs(t) / (q.len() - 1) as f64;
        println!(
            "{n}: {name}: build {build:.2} s, {} + {} hierarchy edges, one-to-one {:.1} µs",
            fg.get_num_out_edges(),
            fg.get_num_in_edges(),
            qt * 1e6
        );
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    match a.first().map(String::as_str) {
        Some("curve") => curve(n),
        Some("params") => params(n),
        _ => eprintln!("usage: roads_scale curve|params N"),
    }
}
