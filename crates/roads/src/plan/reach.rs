//! Where a fleeing suspect can be: earliest arrival times over the car network from the last
//! known position, the road segments reached by a moment, and the reachable area at a few
//! moments as convex hulls — what an interception plan shows beside its cordon.
//!
//! The suspect is modelled as the interception planner models it ([`super::intercept`]): car
//! roads with their one-way streets, at the car profile's speeds or at one fixed speed, starting
//! on the road segment nearest the origin.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::Edge;
use crate::network::RoadNetwork;
use crate::Profile;

/// The suspect's reachable area at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct ReachArea {
    /// Seconds after the crime (rounded to 0.1 s).
    pub seconds: f64,
    /// Convex hull of the reachable intersections and the origin, a closed counter-clockwise
    /// `[lon, lat]` ring; empty under three distinct points. It overstates the area where the
    /// network has gaps, as an isochrone's hull does.
    pub polygon: Vec<[f64; 2]>,
    /// Number of reachable intersections.
    pub nodes: usize,
}

/// Earliest suspect time at every node in milliseconds (`u64::MAX` where not reached within
/// `limit_ms`), from the car segment nearest `origin`, at the car profile's speeds or at `kmh`.
/// Dijkstra over the car graph, cut at `limit_ms`.
pub fn suspect_times(
    net: &RoadNetwork,
    origin: [f64; 2],
    kmh: Option<f64>,
    limit_ms: u64,
) -> Vec<u64> {
    let n = net.node_count();
    let mut t = vec![u64::MAX; n];
    let Some(s) = net.snap_for(Profile::Car, origin[0], origin[1]) else {
        return t;
    };
    let weight = |e: &Edge| -> u64 {
        let secs = match kmh {
            Some(v) => e.meters * 3.6 / v,
            None => e.seconds,
        };
        (secs * 1000.0).round().max(1.0) as u64
    };
    let mut heap = BinaryHeap::new();
    // The snapped point lies on the segment from_node → to_node at `fraction`.
    for (a, b, share) in [
        (s.from_node, s.to_node, 1.0 - s.fraction),
        (s.to_node, s.from_node, s.fraction),
    ] {
        if let Some(e) = net.out_edges(Profile::Car, a).find(|e| e.head == b) {
            let d = (weight(&e) as f64 * share).round() as u64;
            if d < t[b as usize] {
                t[b as usize] = d;
                heap.push(Reverse((d, b)));
            }
        }
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > t[v as usize] || d > limit_ms {
            continue;
        }
        for e in net.out_edges(Profile::Car, v) {
            let nd = d + weight(&e);
            if nd < t[e.head as usize] && nd <= limit_ms {
                t[e.head as usize] = nd;
                heap.push(Reverse((nd, e.head)));
            }
        }
    }
    t
}

/// The road segments the suspect can be on by `end_ms` (given [`suspect_times`] `t`), earliest
/// first, at most `max`: `[lon_a, lat_a, lon_b, lat_b, seconds]` with the moment the suspect can
/// first enter the segment; both directions of a two-way road are one segment.
pub fn reach_roads(net: &RoadNetwork, t: &[u64], end_ms: u64, max: usize) -> Vec<[f64; 5]> {
    let mut first: HashMap<(u32, u32), u64> = HashMap::new();
    for (u, &tu) in t.iter().enumerate() {
        if tu > end_ms {
            continue;
        }
        for e in net.out_edges(Profile::Car, u as u32) {
            let key = (e.head.min(u as u32), e.head.max(u as u32));
            let slot = first.entry(key).or_insert(tu);
            *slot = (*slot).min(tu);
        }
    }
    let mut segs: Vec<((u32, u32), u64)> = first.into_iter().collect();
    segs.sort_unstable_by_key(|&(k, ms)| (ms, k));
    segs.truncate(max);
    let r6 = |x: f64| (x * 1e6).round() / 1e6;
    segs.into_iter()
        .filter_map(|((a, b), ms)| {
            let pa = net.node_position(a)?;
            let pb = net.node_position(b)?;
            Some([
                r6(pa[0]),
                r6(pa[1]),
                r6(pb[0]),
                r6(pb[1]),
                (ms as f64 / 100.0).round() / 10.0,
            ])
        })
        .collect()
}

/// Convex hull (Andrew's monotone chain) as a closed counter-clockwise ring; empty under three
/// distinct points. Written here rather than taken from `geo`, which this engine does not
/// otherwise need.
pub fn hull(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return Vec::new();
    }
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut lower: Vec<[f64; 2]> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<[f64; 2]> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    if lower.len() < 3 {
        return Vec::new();
    }
    let first = lower[0];
    lower.push(first);
    lower
}

/// The moments to show the reachable area at: the head start (at least 30 s), the closing time
/// and `end_s` (when the suspect could first reach the last checkpoint), with the largest gaps
/// split until there are `steps`.
pub fn levels(head_start_s: f64, closing_s: f64, end_s: f64, steps: usize) -> Vec<f64> {
    let start = head_start_s.max(30.0);
    let mut v: Vec<f64> = vec![start];
    for t in [closing_s, end_s] {
        if t > start && v.iter().all(|x| (x - t).abs() >= 1.0) {
            v.push(t);
        }
    }
    v.sort_by(f64::total_cmp);
    while v.len() > 1 && v.len() < steps {
        let (i, gap) = v
            .windows(2)
            .map(|w| w[1] - w[0])
            .enumerate()
            .fold((0, 0.0), |b, (i, g)| if g > b.1 { (i, g) } else { b });
        if gap < 2.0 {
            break;
        }
        v.insert(i + 1, v[i] + gap / 2.0);
    }
    v
}

/// The suspect's reachable area at each of `levels` (seconds after the crime), and the road
/// segments reached by the last of them (at most `max_roads`, see [`reach_roads`]).
pub fn reach(
    net: &RoadNetwork,
    origin: [f64; 2],
    kmh: Option<f64>,
    levels: &[f64],
    max_roads: usize,
) -> (Vec<ReachArea>, Vec<[f64; 5]>) {
    let end = levels.iter().copied().fold(0.0, f64::max);
    let limit_ms = (end * 1000.0).ceil() as u64;
    let t = suspect_times(net, origin, kmh, limit_ms);
    let roads = reach_roads(net, &t, limit_ms, max_roads);
    let areas = levels
        .iter()
        .map(|&secs| {
            let ms = (secs * 1000.0) as u64;
            let mut pts: Vec<[f64; 2]> = (0..t.len())
                .filter(|&v| t[v] <= ms)
                .filter_map(|v| net.node_position(v as u32))
                .collect();
            let nodes = pts.len();
            pts.push(origin);
            ReachArea {
                seconds: (secs * 10.0).round() / 10.0,
                polygon: hull(pts),
                nodes,
            }
        })
        .collect();
    (areas, roads)
}

#[cfg(test)]
mod tests {
    use super::{hull, levels};

    #[test]
    fn levels_keep_the_head_start_and_the_closing_time() {
        assert_eq!(levels(60.0, 60.0, 60.0, 4), vec![60.0]);
        assert_eq!(levels(60.0, 60.0, 180.0, 4), vec![60.0, 90.0, 120.0, 180.0]);
        let v = levels(120.0, 300.0, 330.0, 4);
        assert_eq!(v.len(), 4);
        assert!(v.contains(&120.0) && v.contains(&300.0) && v.contains(&330.0));
    }

    #[test]
    fn hull_is_a_closed_ring_around_the_points() {
        let h = hull(vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.5, 0.5],
        ]);
        assert_eq!(h.len(), 5);
        assert_eq!(h.first(), h.last());
        assert!(!h.contains(&[0.5, 0.5]));
        assert!(hull(vec![[0.0, 0.0], [1.0, 1.0]]).is_empty());
    }
}
