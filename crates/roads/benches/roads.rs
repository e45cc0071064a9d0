//! Criterion benchmarks of the road engine against same-run baselines (`cargo bench -p
//! zhihui-roads --bench roads`; not run by `cargo test`). See bench/roads/README.md.
//!
//! Graphs: Liechtenstein and Monaco (OSM PBF, Car profile, queries between snapped points through
//! the public API) and bremen_time.gr (40k nodes, no coordinates: built with the hidden
//! `raw::RawGraph`, queries between node ids). Baselines on exactly the same directed edges and
//! end nodes: `fast_paths` used directly (its own preparation, one `calc_path` per pair) and
//! petgraph's Dijkstra (one search per source; stops at the target for one-to-one).
//!
//! Cases too slow to sample 10 times (fast_paths and petgraph 1000×1000) are not run; the README
//! extrapolates them from the 100×100 figures (×100 pairs, ×10 searches), and petgraph's
//! many-to-all of 16 sources from its one-to-all (×16).
//!
//! One-to-all (PHAST) and many-to-all of 16 sources are compared with petgraph's full
//! Dijkstra; fast_paths has no one-to-all query.
//!
//! Data: `$ZHIHUI_SHARED_DATA/roads` (default `../shared/data/roads` beside the repository);
//! missing files are skipped with a message. `ZHIHUI_BENCH_GRAPHS=li,mc,bremen` picks graphs.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use petgraph::graph::{DiGraph, NodeIndex};
use zhihui_roads::raw::{edges, RawGraph};
use zhihui_roads::{Direction, Profile, RoadNetwork, Snap};

const P: Profile = Profile::Car;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn data_dir() -> PathBuf {
    std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("roads")
}

fn wanted(key: &str) -> bool {
    std::env::var("ZHIHUI_BENCH_GRAPHS").map_or(true, |v| v.split(',').any(|k| k == key))
}

/// The same graph for every engine: arcs, and node-id queries for the baselines.
struct Baselines {
    n: usize,
    arcs: Vec<(u32, u32, u32)>,
    pg: DiGraph<(), u32>,
    fp_input: fast_paths::InputGraph,
}

impl Baselines {
    fn new(n: usize, arcs: Vec<(u32, u32, u32)>) -> Self {
        let mut pg = DiGraph::with_capacity(n, arcs.len());
        for _ in 0..n {
            pg.add_node(());
        }
        let mut fp_input = fast_paths::InputGraph::new();
        for &(a, b, w) in &arcs {
            pg.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), w);
            fp_input.add_edge(a as usize, b as usize, w as usize);
        }
        fp_input.freeze();
        Baselines {
            n,
            arcs,
            pg,
            fp_input,
        }
    }

    fn dijkstra_all(&self, s: u32) -> std::collections::HashMap<NodeIndex, u32> {
        petgraph::algo::dijkstra(&self.pg, NodeIndex::new(s as usize), None, |e| *e.weight())
    }
}

fn fp_path(
    fg: &fast_paths::FastGraph,
    calc: &mut fast_paths::PathCalculator,
    s: u32,
    t: u32,
) -> Option<usize> {
    if s as usize >= fg.get_num_nodes() || t as usize >= fg.get_num_nodes() {
        return None;
    }
    calc.calc_path(fg, s as usize, t as usize)
        .map(|p| p.get_weight())
}

/// Baseline benchmarks on node ids `src`/`dst` (1000 each).
fn baseline_benches(c: &mut Criterion, name: &str, b: &Baselines, src: &[u32], dst: &[u32]) {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("build/fast_paths", |bn| {
        bn.iter(|| fast_paths::prepare(black_box(&b.fp_input)))
    });
    let fg = fast_paths::prepare(&b.fp_input);
    let mut calc = fast_paths::create_calculator(&fg);
    let mut i = 0usize;
    g.bench_function("one_to_one/fast_paths", |bn| {
        bn.iter(|| {
            i = (i + 1) % src.len();
            fp_path(&fg, &mut calc, src[i], dst[i])
        })
    });
    g.bench_function("one_to_one/petgraph", |bn| {
        bn.iter(|| {
            i = (i + 1) % src.len();
            let t = NodeIndex::new(dst[i] as usize);
            petgraph::algo::dijkstra(&b.pg, NodeIndex::new(src[i] as usize), Some(t), |e| {
                *e.weight()
            })
            .get(&t)
            .copied()
        })
    });
    // one-to-500: from 500 units to one incident (fast_paths: 500 queries; petgraph: one
    // full search over the reversed graph is the same work as one forward search).
    g.bench_function("one_to_500/fast_paths", |bn| {
        bn.iter(|| {
            i = (i + 1) % dst.len();
            src[..500]
                .iter()
                .map(|&s| fp_path(&fg, &mut calc, s, dst[i]))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("one_to_500/petgraph", |bn| {
        bn.iter(|| {
            i = (i + 1) % dst.len();
            let d = b.dijkstra_all(dst[i]);
            src[..500]
                .iter()
                .map(|&s| d.get(&NodeIndex::new(s as usize)).copied())
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("one_to_all/petgraph", |bn| {
        bn.iter(|| {
            i = (i + 1) % src.len();
            b.dijkstra_all(src[i]).len()
        })
    });
    g.bench_function("matrix_100x100/fast_paths", |bn| {
        bn.iter(|| {
            src[..100]
                .iter()
                .map(|&s| {
                    dst[..100]
                        .iter()
                        .map(|&t| fp_path(&fg, &mut calc, s, t))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("matrix_100x100/petgraph", |bn| {
        bn.iter(|| {
            src[..100]
                .iter()
                .map(|&s| {
                    let d = b.dijkstra_all(s);
                    dst[..100]
                        .iter()
                        .map(|&t| d.get(&NodeIndex::new(t as usize)).copied())
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
    });
    g.finish();
    eprintln!(
        "{name}: {} nodes, {} arcs; fast_paths hierarchy {} out / {} in edges",
        b.n,
        b.arcs.len(),
        fg.get_num_out_edges(),
        fg.get_num_in_edges()
    );
}

fn pbf(c: &mut Criterion, key: &str, file: &str) {
    let path = data_dir().join(file);
    if !wanted(key) || !path.exists() {
        eprintln!("{file}: skipped (missing or not selected)");
        return;
    }
    let net = RoadNetwork::load(&path).expect("load");
    let bytes = net.to_zroads_bytes();
    let b = net.bbox();
    let mut rng = Rng(42);
    let mut pts: Vec<Snap> = Vec::new();
    while pts.len() < 2000 {
        let (x, y) = (
            b[0] + rng.unit() * (b[2] - b[0]),
            b[1] + rng.unit() * (b[3] - b[1]),
        );
        if let Some(s) = net.snap_for(P, x, y) {
            pts.push(s);
        }
    }
    let (from, to) = pts.split_at(1000);
    net.prepare(P);
    let name = key.to_string();
    {
        let mut g = c.benchmark_group(&name);
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        g.bench_function("build/zhihui", |bn| {
            bn.iter_batched(
                || RoadNetwork::from_zroads_bytes(&bytes).unwrap(),
                |n| {
                    n.prepare(P);
                    n
                },
                BatchSize::PerIteration,
            )
        });
        let mut i = 0usize;
        g.bench_function("one_to_one/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 1) % from.len();
                net.route(P, &from[i], &to[i]).map(|r| r.seconds)
            })
        });
        g.bench_function("one_to_500/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 1) % to.len();
                net.nearest_k(P, &to[i], &from[..500], 10)
            })
        });
        g.bench_function("one_to_all/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 1) % from.len();
                net.one_to_all(P, &from[i]).millis()[0]
            })
        });
        g.bench_function("many_to_all_16/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 16) % (from.len() - 16);
                let mut sum = 0u64;
                net.many_to_all_with(P, &from[i..i + 16], Direction::Forward, |_, t| {
                    sum += t.millis()[0] as u64
                });
                sum
            })
        });
        g.bench_function("matrix_100x100/zhihui", |bn| {
            bn.iter(|| net.matrix(P, &from[..100], &to[..100]))
        });
        g.bench_function("matrix_1000x1000/zhihui", |bn| {
            bn.iter(|| net.matrix(P, from, to))
        });
        g.finish();
    }
    let src: Vec<u32> = from.iter().map(|s| s.from_node).collect();
    let dst: Vec<u32> = to.iter().map(|s| s.from_node).collect();
    let base = Baselines::new(net.node_count(), edges(&net, P));
    baseline_benches(c, &name, &base, &src, &dst);
}

fn bremen(c: &mut Criterion) {
    let path = data_dir().join("bremen_time.gr");
    if !wanted("bremen") || !path.exists() {
        eprintln!("bremen_time.gr: skipped (missing or not selected)");
        return;
    }
    let text = std::fs::read_to_string(&path).expect("read");
    let mut n = 0usize;
    let mut arcs = Vec::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.first() == Some(&"a") && f.len() >= 4 {
            let (a, b, w): (u32, u32, u32) = (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            );
            n = n.max(a as usize + 1).max(b as usize + 1);
            arcs.push((a, b, w));
        }
    }
    let graph = RawGraph::from_arcs(n, &arcs).expect("raw graph");
    graph.prepare();
    let mut rng = Rng(42);
    let nodes: Vec<u32> = (0..2000).map(|_| (rng.next() % n as u64) as u32).collect();
    let (src, dst) = nodes.split_at(1000);
    {
        let mut g = c.benchmark_group("bremen");
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        g.bench_function("build/zhihui", |bn| {
            bn.iter_batched(
                || RawGraph::from_arcs(n, &arcs).unwrap(),
                |gr| {
                    gr.prepare();
                    gr
                },
                BatchSize::PerIteration,
            )
        });
        let mut i = 0usize;
        g.bench_function("one_to_one/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 1) % src.len();
                graph.one_to_one(src[i], dst[i])
            })
        });
        g.bench_function("one_to_500/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 1) % dst.len();
                graph.nearest_k(dst[i], &src[..500], 10)
            })
        });
        g.bench_function("one_to_all/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 1) % src.len();
                graph.many_to_all(&src[i..i + 1], false)
            })
        });
        g.bench_function("many_to_all_16/zhihui", |bn| {
            bn.iter(|| {
                i = (i + 16) % (src.len() - 16);
                graph.many_to_all(&src[i..i + 16], false)
            })
        });
        g.bench_function("matrix_100x100/zhihui", |bn| {
            bn.iter(|| graph.matrix(&src[..100], &dst[..100]))
        });
        g.bench_function("matrix_1000x1000/zhihui", |bn| {
            bn.iter(|| graph.matrix(src, dst))
        });
        g.finish();
    }
    let base = Baselines::new(n, arcs);
    baseline_benches(c, "bremen", &base, src, dst);
}

fn all(c: &mut Criterion) {
    pbf(c, "li", "liechtenstein.osm.pbf");
    pbf(c, "mc", "monaco.osm.pbf");
    bremen(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
