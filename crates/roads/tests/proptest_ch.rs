//! Contraction-hierarchy queries must give exactly the same travel times as plain Dijkstra.

use proptest::prelude::*;
use serde_json::json;
use zhihui_roads::{Profile, RoadNetwork};

#[derive(Debug, Clone)]
struct Road {
    a: usize,
    b: usize,
    oneway: u8,
    speed: Option<u32>,
    class: usize,
}

const CLASSES: [&str; 4] = ["primary", "residential", "service", "footway"];

/// Node positions, roads between them, probe points to snap.
type Case = (Vec<(f64, f64)>, Vec<Road>, Vec<(f64, f64)>);

fn graph() -> impl Strategy<Value = Case> {
    (3usize..25).prop_flat_map(|n| {
        let pts = prop::collection::vec((0.0f64..0.05, 0.0f64..0.05), n);
        let road = (0..n, 0..n, 0u8..4, prop::option::of(5u32..120), 0usize..4).prop_map(
            |(a, b, oneway, speed, class)| Road {
                a,
                b,
                oneway,
                speed,
                class,
            },
        );
        let roads = prop::collection::vec(road, 1..(3 * n));
        // Up to 11 probes: one_to_many / nearest_k switch to the sweep search from 8 points on.
        let probes = prop::collection::vec((-0.005f64..0.055, -0.005f64..0.055), 2..12);
        (pts, roads, probes)
    })
}

fn build(pts: &[(f64, f64)], roads: &[Road]) -> Option<RoadNetwork> {
    let features: Vec<_> = roads
        .iter()
        .filter(|r| r.a != r.b)
        .map(|r| {
            let mut props = json!({"highway": CLASSES[r.class]});
            match r.oneway {
                1 => props["oneway"] = json!("yes"),
                2 => props["oneway"] = json!("-1"),
                _ => {}
            }
            if let Some(s) = r.speed {
                props["speed_kmh"] = json!(s);
            }
            // A midpoint makes snapping land on shape nodes and multi-segment roads too.
            let (ax, ay) = pts[r.a];
            let (bx, by) = pts[r.b];
            json!({"type":"Feature","properties":props,"geometry":{"type":"LineString",
                "coordinates":[[ax, ay], [(ax + bx) / 2.0, (ay + by) / 2.0 + 0.001], [bx, by]]}})
        })
        .collect();
    let text = json!({"type":"FeatureCollection","features":features}).to_string();
    RoadNetwork::from_geojson_str(&text).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn ch_equals_dijkstra((pts, roads, probes) in graph()) {
        let Some(net) = build(&pts, &roads) else { return Ok(()) };
        let snaps: Vec<_> = probes.iter().filter_map(|&(x, y)| net.snap(x, y)).collect();
        prop_assert_eq!(snaps.len(), probes.len());
        for p in Profile::ALL {
            let m = net.matrix(p, &snaps, &snaps);
            for (i, f) in snaps.iter().enumerate() {
                let dij = net.one_to_many_dijkstra(p, f, &snaps);
                let otm = net.one_to_many(p, f, &snaps);
                for (j, t) in snaps.iter().enumerate() {
                    let fast = net.route(p, f, t);
                    let slow = net.route_dijkstra(p, f, t);
                    let want = slow.as_ref().map(|r| r.seconds);
                    prop_assert_eq!(fast.as_ref().map(|r| r.seconds), want, "route {:?} {} {}", p, i, j);
                    prop_assert_eq!(m.seconds[i][j], want, "matrix {:?} {} {}", p, i, j);
                    prop_assert_eq!(otm[j].map(|x| x.0), want);
                    prop_assert_eq!(dij[j].map(|x| x.0), want);
                    if let (Some(a), Some(b)) = (otm[j], dij[j]) {
                        prop_assert!((a.1 - b.1).abs() < 1e-3, "one_to_many meters {} vs {}", a.1, b.1);
                    }
                    if let (Some(a), Some(b)) = (&fast, &slow) {
                        // Random real-valued coordinates make equal-time ties practically
                        // impossible, so the lengths must agree as well.
                        prop_assert!((a.meters - b.meters).abs() < 1e-3, "{} vs {}", a.meters, b.meters);
                        let mm = m.meters[i][j].unwrap();
                        prop_assert!((mm - b.meters).abs() < 1e-3, "matrix meters {} vs {}", mm, b.meters);
                        prop_assert_eq!(a.geometry.first(), Some(&[f.lon, f.lat]));
                        prop_assert_eq!(a.geometry.last(), Some(&[t.lon, t.lat]));
                        prop_assert_eq!(a.elapsed.len(), a.geometry.len());
                        prop_assert!(a.elapsed.windows(2).all(|w| w[0] <= w[1]));
                        prop_assert_eq!(a.elapsed.last().copied(), Some(a.seconds));
                        prop_assert_eq!(a.elapsed[0], 0.0);
                    }
                }
                let near = net.nearest_k(p, f, &snaps, 3);
                prop_assert!(near.windows(2).all(|w| w[0].1 <= w[1].1));
                for (idx, secs, _) in near {
                    let r = net.route_dijkstra(p, &snaps[idx], f).map(|r| r.seconds);
                    prop_assert_eq!(Some(secs), r);
                }
            }
        }
    }
}
