//! What the planners need from the graph beyond routing: edge iteration for outside checkers,
//! intersections, the edge of the network, and a plain Dijkstra over any edge weight.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::network::{RoadNetwork, NONE};
use crate::Profile;

/// One directed edge as seen from its tail node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Node the edge leads to.
    pub head: u32,
    /// Travel time in seconds for the profile asked.
    pub seconds: f64,
    /// Length in meters.
    pub meters: f64,
}

impl RoadNetwork {
    /// The edges leaving `node` that `profile` may use (empty for an unknown node).
    ///
    /// Together with [`RoadNetwork::node_count`] this lets code outside the crate (independent
    /// checkers, exports) walk the exact graph the planners and routers use.
    pub fn out_edges(&self, profile: Profile, node: u32) -> impl Iterator<Item = Edge> + '_ {
        let p = &self.p;
        let n = node as usize;
        let range = if n + 1 < p.first_out.len() {
            p.first_out[n] as usize..p.first_out[n + 1] as usize
        } else {
            0..0
        };
        let ms = &p.ms[profile.idx()];
        range.filter(move |&e| ms[e] != NONE).map(move |e| Edge {
            head: p.head[e],
            seconds: ms[e] as f64 / 1000.0,
            meters: p.meters[e] as f64,
        })
    }

    /// Number of road segments meeting at each node (an intersection has three or more, a
    /// shape point two, a dead end one), counting every road whatever its profile.
    pub fn node_degrees(&self) -> Vec<u32> {
        let mut deg = vec![0u32; self.node_count()];
        for (&a, &b) in self.p.seg_a.iter().zip(&self.p.seg_b) {
            if a != b {
                deg[a as usize] += 1;
                deg[b as usize] += 1;
            }
        }
        deg
    }

    /// The nodes on the edge of the network: where roads leave the area the network covers.
    ///
    /// The outline is the convex hull of all nodes, and `margin_m` (`None`: 2 % of the hull's
    /// diameter, clamped to 50..=500 m) how close to it a node must lie. The edge is made of
    /// the *dead ends* within that margin whose last road segment heads outward (within about
    /// 70° of the outline's outward normal): in an extract cut out of a larger map, those are
    /// the roads the cut went through (border crossings, city accesses), while a cul-de-sac
    /// inside the area or a stub along the outline is not a way out. A network with no such
    /// dead end (a closed city grid) has every node within the margin on its edge. Sorted by
    /// node id.
    pub fn edge_nodes(&self, margin_m: Option<f64>) -> Vec<u32> {
        let n = self.node_count();
        if n == 0 {
            return Vec::new();
        }
        let b = self.bbox();
        let lat0 = (b[1] + b[3]) / 2.0;
        let ky = crate::EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let kx = ky * lat0.to_radians().cos().max(0.01);
        let xy = |v: usize| [(self.p.lon[v] - b[0]) * kx, (self.p.lat[v] - b[1]) * ky];
        let hull = crate::network::convex_hull((0..n).map(xy).collect());
        let mut diameter: f64 = 0.0;
        for (i, a) in hull.iter().enumerate() {
            for c in &hull[i + 1..] {
                diameter = diameter.max(((a[0] - c[0]).powi(2) + (a[1] - c[1]).powi(2)).sqrt());
            }
        }
        let margin = margin_m
            .filter(|m| m.is_finite() && *m >= 0.0)
            .unwrap_or((diameter * 0.02).clamp(50.0, 500.0));
        // Nearest hull edge: its distance and its outward unit normal (the hull runs
        // counter-clockwise, so the outside is on the right of each edge).
        let nearest_edge = |p: [f64; 2]| {
            let mut best = (f64::INFINITY, [0.0, 0.0]);
            for w in hull.windows(2) {
                let d = point_segment_m(p, w[0], w[1]);
                if d < best.0 {
                    let (dx, dy) = (w[1][0] - w[0][0], w[1][1] - w[0][1]);
                    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
                    best = (d, [dy / len, -dx / len]);
                }
            }
            best
        };
        if hull.len() < 4 {
            return (0..n as u32).collect();
        }
        let near: Vec<(u32, [f64; 2])> = (0..n)
            .filter_map(|v| {
                let (d, normal) = nearest_edge(xy(v));
                (d <= margin).then_some((v as u32, normal))
            })
            .collect();
        // A dead end is a road cut by the outline only if its last stretch heads outward;
        // a stub running along the outline (a missing block) is not.
        let mut other_end = vec![u32::MAX; n];
        let deg = self.node_degrees();
        for (&a, &c) in self.p.seg_a.iter().zip(&self.p.seg_b) {
            if deg[a as usize] == 1 {
                other_end[a as usize] = c;
            }
            if deg[c as usize] == 1 {
                other_end[c as usize] = a;
            }
        }
        let ends: Vec<u32> = near
            .iter()
            .filter(|&&(v, normal)| {
                let w = other_end[v as usize];
                if w == u32::MAX {
                    return false;
                }
                let (pv, pw) = (xy(v as usize), xy(w as usize));
                let (dx, dy) = (pv[0] - pw[0], pv[1] - pw[1]);
                let len = (dx * dx + dy * dy).sqrt();
                len > 0.0 && (dx * normal[0] + dy * normal[1]) / len > 0.3
            })
            .map(|&(v, _)| v)
            .collect();
        if ends.is_empty() {
            near.into_iter().map(|(v, _)| v).collect()
        } else {
            ends
        }
    }
}

fn point_segment_m(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((p[0] - a[0] - t * dx).powi(2) + (p[1] - a[1] - t * dy).powi(2)).sqrt()
}

/// Scratch space for repeated searches on one network: distances are reset through the list
/// of touched nodes, so a small bounded search costs what it visits, not the network's size.
pub(crate) struct Scratch {
    pub dist: Vec<u64>,
    pub pred: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Scratch {
    pub fn new(n: usize) -> Self {
        Scratch {
            dist: vec![u64::MAX; n],
            pred: vec![NONE; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = u64::MAX;
            self.pred[v as usize] = NONE;
        }
        self.touched.clear();
        self.heap.clear();
    }

    /// Dijkstra from `sources` (node, initial ms) with `weight(edge index) -> ms` (`None`: may
    /// not use), settling nodes up to `limit` ms and skipping nodes for which `blocked` holds
    /// (they are reached but not passed through). Calls `visit(node, ms)` on every settled node;
    /// the search stops when it returns `false`.
    pub fn run(
        &mut self,
        net: &RoadNetwork,
        sources: &[(u32, u64)],
        weight: &dyn Fn(usize) -> Option<u64>,
        limit: u64,
        blocked: &dyn Fn(u32) -> bool,
        visit: &mut dyn FnMut(u32, u64) -> bool,
    ) {
        self.reset();
        let p = &net.p;
        for &(v, d) in sources {
            let vi = v as usize;
            if vi < self.dist.len() && d < self.dist[vi] && d <= limit {
                if self.dist[vi] == u64::MAX {
                    self.touched.push(v);
                }
                self.dist[vi] = d;
                self.heap.push(Reverse((d, v)));
            }
        }
        while let Some(Reverse((d, u))) = self.heap.pop() {
            let ui = u as usize;
            if d > self.dist[ui] {
                continue;
            }
            if !visit(u, d) {
                return;
            }
            if blocked(u) {
                continue;
            }
            for e in p.first_out[ui] as usize..p.first_out[ui + 1] as usize {
                let Some(w) = weight(e) else { continue };
                let v = p.head[e];
                let nd = d + w;
                let vi = v as usize;
                if nd <= limit && nd < self.dist[vi] {
                    if self.dist[vi] == u64::MAX {
                        self.touched.push(v);
                    }
                    self.dist[vi] = nd;
                    self.pred[vi] = u;
                    self.heap.push(Reverse((nd, v)));
                }
            }
        }
    }

    /// Nodes from the search's source to `v` along the predecessors of the last run.
    pub fn path_to(&self, v: u32) -> Vec<u32> {
        let mut out = vec![v];
        let mut x = v;
        while self.pred[x as usize] != NONE {
            x = self.pred[x as usize];
            out.push(x);
            if out.len() > self.pred.len() {
                break;
            }
        }
        out.reverse();
        out
    }
}
