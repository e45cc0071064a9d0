//! Random road networks for the property tests: a few nodes in a 5 km square, roads between
//! them (one-way either way or two-way, random speed and class, a shape point each), and probe
//! points to snap.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::json;
use zhihui_roads::{Profile, RoadNetwork, Snap};

#[derive(Debug, Clone)]
pub struct Road {
    pub a: usize,
    pub b: usize,
    pub oneway: u8,
    pub speed: Option<u32>,
    pub class: usize,
}

const CLASSES: [&str; 4] = ["primary", "residential", "service", "footway"];

/// Node positions, roads between them, probe points to snap.
pub type Case = (Vec<(f64, f64)>, Vec<Road>, Vec<(f64, f64)>);

pub fn graph() -> impl Strategy<Value = Case> {
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

pub fn build(pts: &[(f64, f64)], roads: &[Road]) -> Option<RoadNetwork> {
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

/// Every fast query (route, matrix, one_to_many, nearest_k) between all pairs of `snaps` gives
/// exactly the plain Dijkstra travel time, and the same length.
pub fn check_against_dijkstra(net: &RoadNetwork, snaps: &[Snap]) -> Result<(), TestCaseError> {
    for p in Profile::ALL {
        let m = net.matrix(p, snaps, snaps);
        for (i, f) in snaps.iter().enumerate() {
            let dij = net.one_to_many_dijkstra(p, f, snaps);
            let otm = net.one_to_many(p, f, snaps);
            for (j, t) in snaps.iter().enumerate() {
                let fast = net.route(p, f, t);
                let slow = net.route_dijkstra(p, f, t);
                let want = slow.as_ref().map(|r| r.seconds);
                prop_assert_eq!(
                    fast.as_ref().map(|r| r.seconds),
                    want,
                    "route {:?} {} {}",
                    p,
                    i,
                    j
                );
                prop_assert_eq!(m.seconds[i][j], want, "matrix {:?} {} {}", p, i, j);
                prop_assert_eq!(otm[j].map(|x| x.0), want);
                prop_assert_eq!(dij[j].map(|x| x.0), want);
                if let (Some(a), Some(b)) = (otm[j], dij[j]) {
                    prop_assert!(
                        (a.1 - b.1).abs() < 1e-3,
                        "one_to_many meters {} vs {}",
                        a.1,
                        b.1
                    );
                }
                if let (Some(a), Some(b)) = (&fast, &slow) {
                    // Random real-valued coordinates make equal-time ties practically
                    // impossible, so the lengths must agree as well.
                    prop_assert!(
                        (a.meters - b.meters).abs() < 1e-3,
                        "{} vs {}",
                        a.meters,
                        b.meters
                    );
                    let mm = m.meters[i][j].unwrap();
                    prop_assert!(
                        (mm - b.meters).abs() < 1e-3,
                        "matrix meters {} vs {}",
                        mm,
                        b.meters
                    );
                    prop_assert_eq!(a.geometry.first(), Some(&[f.lon, f.lat]));
                    prop_assert_eq!(a.geometry.last(), Some(&[t.lon, t.lat]));
                    prop_assert_eq!(a.elapsed.len(), a.geometry.len());
                    prop_assert!(a.elapsed.windows(2).all(|w| w[0] <= w[1]));
                    prop_assert_eq!(a.elapsed.last().copied(), Some(a.seconds));
                    prop_assert_eq!(a.elapsed[0], 0.0);
                }
            }
            let near = net.nearest_k(p, f, snaps, 3);
            prop_assert!(near.windows(2).all(|w| w[0].1 <= w[1].1));
            for (idx, secs, meters) in near {
                let r = net.route_dijkstra(p, &snaps[idx], f);
                prop_assert_eq!(Some(secs), r.as_ref().map(|r| r.seconds));
                let want = r.map_or(f64::NAN, |r| r.meters);
                prop_assert!(
                    (meters - want).abs() < 1e-3,
                    "nearest_k meters {} vs {}",
                    meters,
                    want
                );
            }
        }
    }
    Ok(())
}
