//! Measurements behind the one-to-all choices (benchmark tool, not run by CI; see
//! bench/roads/README.md). `cargo run --release -p zhihui-roads --example roads_phast -- MODE
//! GRAPH` where GRAPH is `li`, `mc` (shared OSM extracts, Police profile), `bremen`
//! (bremen_time.gr as a raw graph) or `gen:N` (generated city of N nodes). Each line is one JSON
//! object; every PHAST figure sits beside the Dijkstra baseline of the same run. Times are CPU
//! time of the measuring thread (`/proc/thread-self/schedstat`), which the shared machine's
//! other jobs disturb less than wall time.
//!
//! * `lanes`: one-to-all / all-to-one per point, plain Dijkstra vs PHAST with 1, 2, 4, 8 and 16
//!   points per sweep (`raw::set_lanes`), over 64 points.
//! * `nearest`: the k = 10 nearest of C candidates to one point (`nearest_k`, a many-to-one
//!   query), forced through the search over the candidates' upward search spaces vs forced
//!   through one PHAST sweep with meters (`raw::force_one_side`), and as chosen by default.
//! * `otm`: `one_to_many` to C targets, the same two ways (PHAST then walks back each target's
//!   route for its length).
//! * `iso`: isochrones of growing size, bounded Dijkstra vs PHAST + filter, vs `isochrone`
//!   (which switches between them).

use std::path::PathBuf;

use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::raw::{force_one_side, set_lanes, RawGraph};
use zhihui_roads::{Direction, Profile, RoadNetwork, Snap};

const P: Profile = Profile::Police;

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

enum Graph {
    Net(RoadNetwork),
    Raw(RawGraph, usize),
}

fn load(name: &str) -> Graph {
    match name {
        "li" => Graph::Net(RoadNetwork::load(data_dir().join("liechtenstein.osm.pbf")).unwrap()),
        "mc" => Graph::Net(RoadNetwork::load(data_dir().join("monaco.osm.pbf")).unwrap()),
        "bremen" => {
            let text = std::fs::read_to_string(data_dir().join("bremen_time.gr")).unwrap();
            let mut n = 0;
            let mut arcs = Vec::new();
            for l in text.lines() {
                let f: Vec<&str> = l.split_whitespace().collect();
                if f.first() == Some(&"a") && f.len() >= 4 {
                    let a: u32 = f[1].parse().unwrap();
                    let b: u32 = f[2].parse().unwrap();
                    n = n.max(a as usize + 1).max(b as usize + 1);
                    arcs.push((a, b, f[3].parse().unwrap()));
                }
            }
            Graph::Raw(RawGraph::from_arcs(n, &arcs).unwrap(), n)
        }
        g => {
            let n: usize = g
                .strip_prefix("gen:")
                .and_then(|x| x.parse().ok())
                .expect("GRAPH: li, mc, bremen or gen:N");
            Graph::Net(
                city(GenParams {
                    target_nodes: n,
                    ..GenParams::default()
                })
                .unwrap(),
            )
        }
    }
}

fn points(net: &RoadNetwork, n: usize, seed: u64) -> Vec<Snap> {
    let mut rng = Rng(seed);
    let b = net.bbox();
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let (x, y) = (
            b[0] + rng.unit() * (b[2] - b[0]),
            b[1] + rng.unit() * (b[3] - b[1]),
        );
        if let Some(s) = net.snap_for(P, x, y) {
            v.push(s);
        }
    }
    v
}

/// Nanoseconds this thread has spent on a CPU (Linux schedstat): other builds on the shared
/// machine then only disturb the figures through the caches, not through lost time slices.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Mean CPU ms per call of `f` over at least `reps` calls and 0.3 s (the kernel updates a
/// running thread's CPU time only at scheduler ticks, so spans must be long), after one untimed
/// call (which builds the lazily built PHAST arrays).
fn time<T>(reps: usize, mut f: impl FnMut(usize) -> T) -> f64 {
    std::hint::black_box(f(0));
    let c = cpu_ns();
    let mut i = 0;
    while i < reps || (cpu_ns() - c) < 300_000_000 {
        std::hint::black_box(f(i));
        i += 1;
    }
    (cpu_ns() - c) as f64 / 1e6 / i as f64
}

fn lanes(name: &str, g: &Graph) {
    let npts = 64;
    let nodes = match g {
        Graph::Net(net) => net.node_count(),
        Graph::Raw(_, n) => *n,
    };
    for dir in [Direction::Forward, Direction::Backward] {
        let mut row = format!("{{\"graph\":\"{name}\",\"nodes\":{nodes},\"direction\":\"{dir:?}\"");
        let dij = match g {
            Graph::Net(net) => {
                let pts = points(net, npts, 7);
                time(3, |i| match dir {
                    Direction::Forward => net.one_to_all_dijkstra(P, &pts[i % npts]),
                    Direction::Backward => net.all_to_one_dijkstra(P, &pts[i % npts]),
                })
            }
            Graph::Raw(..) => f64::NAN,
        };
        row += &format!(",\"dijkstra_ms_per_point\":{dij:.3}");
        for l in [1, 2, 4, 8, 16] {
            set_lanes(l);
            let per = match g {
                Graph::Net(net) => {
                    let pts = points(net, npts, 7);
                    time(1, |_| {
                        net.many_to_all_with(P, &pts, dir, |_, t| {
                            std::hint::black_box(t.millis()[0]);
                        })
                    })
                }
                Graph::Raw(r, n) => {
                    let mut rng = Rng(7);
                    let s: Vec<u32> = (0..npts).map(|_| (rng.next() % *n as u64) as u32).collect();
                    time(1, |_| r.many_to_all(&s, dir == Direction::Backward))
                }
            } / npts as f64;
            row += &format!(",\"phast_{l}_lanes_ms_per_point\":{per:.3}");
        }
        set_lanes(8);
        println!("{row}}}");
    }
}

fn nearest(name: &str, net: &RoadNetwork) {
    let at = points(net, 50, 11);
    for c in [10, 30, 100, 200, 300, 500, 1000, 3000, 10000] {
        let cands = points(net, c, 13);
        let run = |phast: Option<bool>| {
            force_one_side(phast);
            time(5, |i| net.nearest_k(P, &at[i % at.len()], &cands, 10))
        };
        let (search, phast, auto) = (run(Some(false)), run(Some(true)), run(None));
        println!(
            "{{\"graph\":\"{name}\",\"nodes\":{},\"candidates\":{c},\"search_spaces_ms\":{search:.3},\"phast_ms\":{phast:.3},\"search_over_phast\":{:.2},\"nearest_k_ms\":{auto:.3}}}",
            net.node_count(),
            search / phast
        );
    }
}

fn one_to_many(name: &str, net: &RoadNetwork) {
    let at = points(net, 50, 11);
    for c in [100, 300, 1000, 2000, 3000, 10000] {
        let cands = points(net, c, 13);
        let run = |phast: Option<bool>| {
            force_one_side(phast);
            time(5, |i| net.one_to_many(P, &at[i % at.len()], &cands))
        };
        let (search, phast, auto) = (run(Some(false)), run(Some(true)), run(None));
        println!(
            "{{\"graph\":\"{name}\",\"nodes\":{},\"targets\":{c},\"search_spaces_ms\":{search:.3},\"phast_ms\":{phast:.3},\"search_over_phast\":{:.2},\"one_to_many_ms\":{auto:.3}}}",
            net.node_count(),
            search / phast
        );
    }
}

fn iso(name: &str, net: &RoadNetwork) {
    let at = points(net, 20, 17);
    for secs in [30.0, 60.0, 120.0, 180.0, 300.0, 600.0, 1200.0] {
        let reach: usize = at
            .iter()
            .map(|s| net.isochrone_dijkstra(P, s, secs).nodes.len())
            .sum::<usize>()
            / at.len();
        let dij = time(5, |i| net.isochrone_dijkstra(P, &at[i % at.len()], secs));
        let phast = time(5, |i| net.one_to_all(P, &at[i % at.len()]).within(secs));
        let auto = time(5, |i| net.isochrone(P, &at[i % at.len()], secs));
        println!(
            "{{\"graph\":\"{name}\",\"nodes\":{},\"seconds\":{secs},\"reached_share\":{:.3},\"dijkstra_ms\":{dij:.3},\"phast_ms\":{phast:.3},\"isochrone_ms\":{auto:.3}}}",
            net.node_count(),
            reach as f64 / net.node_count() as f64
        );
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let (Some(mode), Some(name)) = (a.first(), a.get(1)) else {
        eprintln!("usage: roads_phast lanes|nearest|otm|iso[,...] li|mc|bremen|gen:N");
        std::process::exit(2);
    };
    let g = load(name);
    match &g {
        Graph::Net(net) => net.prepare(P),
        Graph::Raw(r, _) => r.prepare(),
    }
    for mode in mode.split(',') {
        match (mode, &g) {
            ("lanes", g) => lanes(name, g),
            ("nearest", Graph::Net(net)) => nearest(name, net),
            ("iso", Graph::Net(net)) => iso(name, net),
            ("otm", Graph::Net(net)) => one_to_many(name, net),
            _ => {
                eprintln!("nearest and iso need a graph with coordinates (li, mc, gen:N)");
                std::process::exit(2);
            }
        }
    }
}
