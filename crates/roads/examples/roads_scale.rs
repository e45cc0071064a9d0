//! Scale curve on generated cities (benchmark tool, not run by CI). All times are CPU time
//! of the measuring thread (Linux schedstat), so other jobs on the shared machine disturb them
//! only through the caches.
//!
//! `cargo run --release -p zhihui-roads --example roads_scale -- curve N` prints one JSON
//! line: generation and Police/Car hierarchy build times (`prepare`, PHAST arrays included;
//! Car reuses the Police node order), peak-RSS growth per node (VmHWM from
//! /proc/self/status, so run one size per process), and query times between points snapped
//! with a fixed seed (one-to-one route, one-to-500 `nearest_k`, 100×100 matrix, one-to-all,
//! many-to-all per source), beside plain Dijkstra for one-to-one and one-to-all.
//!
//! `... -- builders N`: the Police hierarchy from fast_paths and from the crate's own builder
//! on the same city, with query times (the threshold between them is based on this).
//!
//! `... -- params N` times fast_paths itself on the same city's Police edges with a few
//! preparation parameter sets, and (`PARAMS_SET=9`) with a nested-dissection order from the
//! coordinates, which fast_paths contracts far worse (the experiment that ruled it out).

use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::raw::{edges, force_builder};
use zhihui_roads::{Direction, Profile, RoadNetwork, Snap};

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

/// CPU seconds this thread has spent since `t` (Linux schedstat): the machine is shared, and
/// wall time would also count other jobs' time slices.
fn secs(t: Cpu) -> f64 {
    (cpu_ns() - t.0) as f64 / 1e9
}

#[derive(Clone, Copy)]
struct Cpu(u64);

/// Mean CPU seconds per call of `f`, over at least `reps` calls and 0.5 s: the kernel updates
/// a running thread's CPU time only at scheduler ticks, so shorter spans would be too coarse.
fn per_call<T>(reps: usize, mut f: impl FnMut(usize) -> T) -> f64 {
    let t = now();
    let mut i = 0;
    while i < reps || secs(t) < 0.5 {
        std::hint::black_box(f(i));
        i += 1;
    }
    secs(t) / i as f64
}

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn now() -> Cpu {
    Cpu(cpu_ns())
}

fn gen(n: usize) -> (RoadNetwork, f64) {
    let t = now();
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
    let t = now();
    net.prepare(Profile::Police);
    let t_police = secs(t);
    let rss_police = status_kib("VmHWM:");
    let t = now();
    net.prepare(Profile::Car);
    let t_car = secs(t);
    let rss_all = status_kib("VmHWM:");
    let p = Profile::Police;
    let from = points(&net, 600, 42);
    let to = points(&net, 600, 4242);
    let t_one = per_call(200, |i| net.route(p, &from[i % 600], &to[i % 600]));
    let t_500 = per_call(20, |i| net.nearest_k(p, &to[i % 600], &from[..500], 10));
    let t_100 = per_call(5, |_| net.matrix(p, &from[..100], &to[..100]));
    let t_all = per_call(10, |i| net.one_to_all(p, &from[i % 600]));
    let t_batch = per_call(1, |i| {
        let k = (i * 32) % 512;
        net.many_to_all_with(p, &from[k..k + 32], Direction::Forward, |_, t| {
            std::hint::black_box(t.millis()[0]);
        })
    }) / 32.0;
    // Same-run baselines: plain Dijkstra for the same queries.
    let t_one_dij = per_call(3, |i| net.route_dijkstra(p, &from[i % 600], &to[i % 600]));
    let t_all_dij = per_call(1, |i| net.one_to_all_dijkstra(p, &from[i % 600]));
    let nodes = net.node_count();
    let per_node = |kib: u64| (kib.saturating_sub(rss0) * 1024) as f64 / nodes as f64;
    let ms = |s: f64| (s * 1e6).round() / 1e3;
    let v = serde_json::json!({
        "target": n,
        "nodes": nodes,
        "edges": net.edge_count(),
        "builder": if nodes > 300_000 { "zhihui" } else { "fast_paths" },
        "generate_s": t_gen,
        "ch_police_s": t_police,
        "ch_car_s": t_car,
        "bytes_per_node_network": per_node(rss_net).round(),
        "bytes_per_node_with_police_ch": per_node(rss_police).round(),
        "bytes_per_node_with_both_ch": per_node(rss_all).round(),
        "one_to_one_ms": ms(t_one),
        "one_to_one_dijkstra_ms": ms(t_one_dij),
        "one_to_500_ms": ms(t_500),
        "matrix_100x100_ms": ms(t_100),
        "one_to_all_ms": ms(t_all),
        "many_to_all_per_source_ms": ms(t_batch),
        "one_to_all_dijkstra_ms": ms(t_all_dij),
    });
    println!("{v}");
}

/// Hierarchy build with each builder on the same city (`BUILDER=own|fast_paths` picks one):
/// the measurement behind the size threshold between them.
fn builders(n: usize) {
    let only = std::env::var("BUILDER").ok();
    for (name, own) in [("fast_paths", false), ("zhihui", true)] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        force_builder(Some(own));
        let (net, _) = gen(n);
        let t = now();
        net.prepare(Profile::Police);
        let build = secs(t);
        let p = Profile::Police;
        let from = points(&net, 200, 42);
        let to = points(&net, 200, 4242);
        let one = per_call(200, |i| net.route(p, &from[i % 200], &to[i % 200]));
        let m100 = per_call(1, |_| net.matrix(p, &from[..100], &to[..100]));
        let near = per_call(10, |i| net.nearest_k(p, &to[i % 200], &from[..200], 10));
        println!(
            "{}",
            serde_json::json!({"target": n, "nodes": net.node_count(), "builder": name,
                "ch_police_s": build, "one_to_one_ms": one * 1e3,
                "matrix_100x100_ms": m100 * 1e3, "one_to_200_ms": near * 1e3})
        );
    }
    force_builder(None);
}

/// Nested dissection by coordinates: halve at the median of the longer side, order the two
/// halves first and the boundary nodes of one half (a vertex separator) last.
fn nd_order(net: &RoadNetwork, arcs: &[(u32, u32, u32)], num: usize) -> Vec<usize> {
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); num];
    for &(a, b, _) in arcs {
        adj[a as usize].push(b);
        adj[b as usize].push(a);
    }
    let pos: Vec<[f64; 2]> = (0..num as u32)
        .map(|v| net.node_position(v).unwrap())
        .collect();
    fn rec(
        nodes: &mut [u32],
        pos: &[[f64; 2]],
        adj: &[Vec<u32>],
        side: &mut [u32],
        stamp: &mut u32,
        out: &mut Vec<usize>,
    ) {
        if nodes.len() <= 32 {
            out.extend(nodes.iter().map(|&v| v as usize));
            return;
        }
        let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
        for &v in nodes.iter() {
            for d in 0..2 {
                lo[d] = lo[d].min(pos[v as usize][d]);
                hi[d] = hi[d].max(pos[v as usize][d]);
            }
        }
        let d = usize::from(hi[0] - lo[0] < hi[1] - lo[1]);
        let mid = nodes.len() / 2;
        nodes.select_nth_unstable_by(mid, |a, b| {
            pos[*a as usize][d].total_cmp(&pos[*b as usize][d])
        });
        *stamp += 1;
        let sb = *stamp;
        for &v in &nodes[mid..] {
            side[v as usize] = sb;
        }
        let (a, b) = nodes.split_at_mut(mid);
        let (mut sep, mut rest) = (Vec::new(), Vec::with_capacity(a.len()));
        for &v in a.iter() {
            if adj[v as usize].iter().any(|&w| side[w as usize] == sb) {
                sep.push(v);
            } else {
                rest.push(v);
            }
        }
        rec(&mut rest, pos, adj, side, stamp, out);
        rec(b, pos, adj, side, stamp, out);
        out.extend(sep.iter().map(|&v| v as usize));
    }
    let mut side = vec![0u32; num];
    let mut stamp = 0u32;
    let mut out = Vec::with_capacity(num);
    let mut nodes: Vec<u32> = (0..num as u32).collect();
    rec(&mut nodes, &pos, &adj, &mut side, &mut stamp, &mut out);
    out
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
    if only.is_none_or(|o| o == 9) {
        let t = now();
        let order = nd_order(&net, &arcs, ig.get_num_nodes());
        let t_order = secs(t);
        for with in [100usize, 30] {
            let t = now();
            let fg = fast_paths::prepare_with_order_with_params(
                &ig,
                &order,
                &fast_paths::ParamsWithOrder::new(with),
            )
            .unwrap();
            let build = secs(t);
            let mut calc = fast_paths::create_calculator(&fg);
            let t = now();
            for w in q.windows(2) {
                std::hint::black_box(calc.calc_path(
                    &fg,
                    w[0].from_node as usize,
                    w[1].from_node as usize,
                ));
            }
            let qt = secs(t) / (q.len() - 1) as f64;
            println!(
                "{n}: nested dissection order ({t_order:.2} s) + prepare_with_order({with}): build {build:.2} s, {} + {} hierarchy edges, one-to-one {:.1} µs",
                fg.get_num_out_edges(),
                fg.get_num_in_edges(),
                qt * 1e6
            );
        }
    }
    for (name, prm) in sets {
        let t = now();
        let fg = fast_paths::prepare_with_params(&ig, &prm);
        let build = secs(t);
        let mut calc = fast_paths::create_calculator(&fg);
        let t = now();
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
        Some("builders") => builders(n),
        _ => eprintln!("usage: roads_scale curve|params|builders N"),
    }
}
