//! Benchmark point generator: random points inside a network's bounding box (xorshift, fixed
//! seed) snapped to roads the Car profile may use, keeping only points that can reach and be
//! reached from the snapped box center (so tiny disconnected pieces do not skew comparisons).
//! Writes a GeoJSON FeatureCollection of Point features with an `id`, the format of
//! `zhihui route matrix --from/--to`; coordinates are the snapped road positions (7 decimals).
//!
//! `cargo run --release -p zhihui-roads --example road_points -- NETWORK COUNT SEED OUT.geojson`

use std::fmt::Write;

use zhihui_roads::{Profile, RoadNetwork};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 4 {
        eprintln!("usage: road_points NETWORK(.osm.pbf|.geojson|.zroads) COUNT SEED OUT.geojson");
        std::process::exit(2);
    }
    let net = RoadNetwork::load(&args[0]).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args[0]);
        std::process::exit(1)
    });
    let count: usize = args[1].parse().expect("COUNT");
    let mut state: u64 = args[2].parse::<u64>().expect("SEED").max(1);
    let mut unit = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let p = Profile::Car;
    let b = net.bbox();
    let anchor = net
        .snap_for(p, (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0)
        .expect("no car road");
    let mut out = Vec::with_capacity(count);
    let mut tries = 0usize;
    while out.len() < count && tries < count * 100 {
        tries += 1;
        let batch: Vec<_> = (0..(count - out.len()))
            .filter_map(|_| {
                net.snap_for(
                    p,
                    b[0] + unit() * (b[2] - b[0]),
                    b[1] + unit() * (b[3] - b[1]),
                )
            })
            .collect();
        let there = net.one_to_many(p, &anchor, &batch);
        let back = net.matrix(p, &batch, std::slice::from_ref(&anchor));
        for (i, s) in batch.into_iter().enumerate() {
            if there[i].is_some() && back.seconds[i][0].is_some() && out.len() < count {
                out.push(s);
            }
        }
    }
    let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
    for (i, s) in out.iter().enumerate() {
        let _ = write!(
            text,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"id\":{i}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{:.7},{:.7}]}}}}",
            if i > 0 { ",\n" } else { "" },
            s.lon,
            s.lat
        );
    }
    text.push_str("\n]}\n");
    std::fs::write(&args[3], text).expect("write");
    eprintln!(
        "{}: {} points (seed {}) -> {}",
        args[0],
        out.len(),
        args[2],
        args[3]
    );
}
