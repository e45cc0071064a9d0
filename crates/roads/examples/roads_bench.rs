//! Timing harness: `cargo run --release -p zhihui-roads --example roads_bench [max_gen_nodes]`.
//! Uses the shared OSM extracts when present (ZHIHUI_SHARED_DATA) and generated cities.

use std::path::PathBuf;
use std::time::Instant;

use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::{Profile, RoadNetwork, Snap};

struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn points(net: &RoadNetwork, n: usize, rng: &mut Rng) -> Vec<Snap> {
    let b = net.bbox();
    (0..n)
        .filter_map(|_| {
            net.snap_for(
                Profile::Car,
                b[0] + rng.unit() * (b[2] - b[0]),
                b[1] + rng.unit() * (b[3] - b[1]),
            )
        })
        .collect()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn queries(name: &str, net: &RoadNetwork) {
    let mut rng = Rng(42);
    let t = Instant::now();
    let pts = points(net, 1000, &mut rng);
    println!(
        "{name}: snap (incl. R-tree build) {:.1} µs/pt",
        ms(t) * 1e3 / 1000.0
    );
    let t = Instant::now();
    let pts2 = points(net, 1000, &mut rng);
    println!("{name}: snap {:.2} µs/pt", ms(t) * 1e3 / 1000.0);
    for p in [Profile::Police, Profile::Car] {
        let t = Instant::now();
        net.prepare(p);
        println!("{name}: CH prepare {p:?} {:.0} ms", ms(t));
    }
    let p = Profile::Police;
    let pairs = 200;
    let t = Instant::now();
    let mut ok = 0;
    for i in 0..pairs {
        ok += net.route(p, &pts[i], &pts2[i]).is_some() as usize;
    }
    let ch = ms(t) / pairs as f64;
    let t = Instant::now();
    for i in 0..pairs {
        net.route_dijkstra(p, &pts[i], &pts2[i]);
    }
    let dj = ms(t) / pairs as f64;
    println!(
        "{name}: route CH {:.3} ms, Dijkstra {:.3} ms ({ok}/{pairs} routable)",
        ch, dj
    );
    for (a, b) in [(1usize, 100usize), (50, 50), (100, 100)] {
        let t = Instant::now();
        let m = net.matrix(p, &pts[..a], &pts2[..b]);
        let bucket = ms(t);
        let t = Instant::now();
        for f in &pts[..a.min(10)] {
            net.one_to_many_dijkstra(p, f, &pts2[..b]);
        }
        let dij = ms(t) / a.min(10) as f64 * a as f64;
        let filled = m.seconds.iter().flatten().filter(|x| x.is_some()).count();
        println!(
            "{name}: matrix {a}x{b} buckets {bucket:.1} ms vs {a}× Dijkstra one-to-many ~{dij:.1} ms ({filled} cells)"
        );
    }
    let t = Instant::now();
    let iso = net.isochrone(p, &pts[0], 300.0);
    println!(
        "{name}: isochrone 300 s {:.1} ms, {} nodes",
        ms(t),
        iso.nodes.len()
    );
    let t = Instant::now();
    let k = net.nearest_k(p, &pts[0], &pts2[..200], 5);
    println!(
        "{name}: nearest_k 5 of 200 {:.1} ms -> {:?}",
        ms(t),
        k.first()
    );
}

fn main() {
    let max_gen: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let data = std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("roads");
    for f in [
        "liechtenstein.osm.pbf",
        "monaco.osm.pbf",
        "helsinki.osm.pbf",
    ] {
        let p = data.join(f);
        if !p.exists() {
            println!("{f}: missing, skipped");
            continue;
        }
        let t = Instant::now();
        let net = RoadNetwork::load(&p).unwrap();
        println!(
            "{f}: load {:.0} ms, {} nodes, {} edges, {} roads, {} components",
            ms(t),
            net.node_count(),
            net.edge_count(),
            net.road_count(),
            net.component_count()
        );
        let t = Instant::now();
        let bytes = net.to_zroads_bytes();
        let enc = ms(t);
        let t = Instant::now();
        RoadNetwork::from_zroads_bytes(&bytes).unwrap();
        println!(
            "{f}: .zroads {} KiB, encode {enc:.1} ms, decode+validate {:.1} ms",
            bytes.len() / 1024,
            ms(t)
        );
        let t = Instant::now();
        let gj = net.roads_geojson();
        println!(
            "{f}: roads_geojson {} KiB in {:.1} ms",
            gj.len() / 1024,
            ms(t)
        );
        queries(f, &net);
    }
    for n in [10_000usize, 100_000, 2_000_000] {
        if n > max_gen {
            continue;
        }
        let t = Instant::now();
        let net = city(GenParams {
            target_nodes: n,
            ..GenParams::default()
        })
        .unwrap();
        let name = format!("city {n}");
        println!(
            "{name}: generate {:.0} ms, {} nodes, {} edges, {} roads",
            ms(t),
            net.node_count(),
            net.edge_count(),
            net.road_count()
        );
        if n <= 100_000 {
            queries(&name, &net);
        }
    }
}
