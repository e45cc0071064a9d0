//! Plain Dijkstra on the CSR graph: the reference the contraction hierarchy is tested against,
//! and the engine for isochrones (a bounded one-to-all search gains nothing from a hierarchy).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::network::{RoadNetwork, NONE};
use crate::snap::Terminal;
use crate::Profile;

struct Search<'a> {
    net: &'a RoadNetwork,
    ms: &'a [u32],
    dist: Vec<u64>,
    met: Vec<f64>,
    pred: Vec<u32>,
    settled: Vec<bool>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl<'a> Search<'a> {
    fn new(net: &'a RoadNetwork, profile: Profile, sources: &[Terminal]) -> Self {
        let n = net.node_count();
        let mut s = Search {
            net,
            ms: &net.p.ms[profile.idx()],
            dist: vec![u64::MAX; n],
            met: vec![0.0; n],
            pred: vec![NONE; n],
            settled: vec![false; n],
            heap: BinaryHeap::new(),
        };
        for t in sources {
            let v = t.node as usize;
            if v < n && t.ms < s.dist[v] {
                s.dist[v] = t.ms;
                s.met[v] = t.meters;
                s.heap.push(Reverse((t.ms, t.node)));
            }
        }
        s
    }

    /// Settles and returns the next closest node.
    fn next(&mut self) -> Option<(u32, u64)> {
        while let Some(Reverse((d, u))) = self.heap.pop() {
            let ui = u as usize;
            if self.settled[ui] || d > self.dist[ui] {
                continue;
            }
            self.settled[ui] = true;
            let p = &self.net.p;
            for e in p.first_out[ui] as usize..p.first_out[ui + 1] as usize {
                let w = self.ms[e];
                if w == NONE {
                    continue;
                }
                let v = p.head[e] as usize;
                let nd = d + w as u64;
                if nd < self.dist[v] {
                    self.dist[v] = nd;
                    self.met[v] = self.met[ui] + p.meters[e] as f64;
                    self.pred[v] = u;
                    self.heap.push(Reverse((nd, v as u32)));
                }
            }
            return Some((u, d));
        }
        None
    }
}

/// Fastest path from any source to any target: total ms (partials included) and the nodes.
pub(crate) fn path(
    net: &RoadNetwork,
    profile: Profile,
    sources: &[Terminal],
    targets: &[Terminal],
) -> Option<(u64, Vec<u32>)> {
    let mut tmap: HashMap<u32, u64> = HashMap::new();
    for t in targets {
        let e = tmap.entry(t.node).or_insert(u64::MAX);
        *e = (*e).min(t.ms);
    }
    let mut s = Search::new(net, profile, sources);
    let mut best = (u64::MAX, NONE);
    while let Some((u, d)) = s.next() {
        if d >= best.0 {
            break;
        }
        if let Some(&tm) = tmap.get(&u) {
            if d + tm < best.0 {
                best = (d + tm, u);
            }
        }
    }
    if best.1 == NONE {
        return None;
    }
    let mut nodes = vec![best.1];
    let mut v = best.1;
    while s.pred[v as usize] != NONE {
        v = s.pred[v as usize];
        nodes.push(v);
    }
    nodes.reverse();
    Some((best.0, nodes))
}

/// One search from `sources` to every target list; `(ms, meters)` per target.
pub(crate) fn one_to_many(
    net: &RoadNetwork,
    profile: Profile,
    sources: &[Terminal],
    targets: &[Option<Vec<Terminal>>],
) -> Vec<Option<(u64, f64)>> {
    let mut pending: HashMap<u32, ()> = HashMap::new();
    for t in targets.iter().flatten().flatten() {
        pending.insert(t.node, ());
    }
    let mut s = Search::new(net, profile, sources);
    while !pending.is_empty() {
        let Some((u, _)) = s.next() else { break };
        pending.remove(&u);
    }
    targets
        .iter()
        .map(|ts| {
            let mut best: Option<(u64, f64)> = None;
            for t in ts.iter().flatten() {
                let d = s.dist[t.node as usize];
                if d == u64::MAX || !s.settled[t.node as usize] {
                    continue;
                }
                let c = (d + t.ms, s.met[t.node as usize] + t.meters);
                if best.is_none_or(|b| c.0 < b.0) {
                    best = Some(c);
                }
            }
            best
        })
        .collect()
}

/// Every node reachable within `limit_ms`, in settle order; `None` as soon as more than
/// `budget` nodes are settled (the caller then prefers a full PHAST sweep).
pub(crate) fn bounded(
    net: &RoadNetwork,
    profile: Profile,
    sources: &[Terminal],
    limit_ms: u64,
    budget: Option<usize>,
) -> Option<Vec<(u32, u64)>> {
    let mut s = Search::new(net, profile, sources);
    let mut out = Vec::new();
    while let Some((u, d)) = s.next() {
        if d > limit_ms {
            break;
        }
        if budget.is_some_and(|b| out.len() >= b) {
            return None;
        }
        out.push((u, d));
    }
    Some(out)
}

/// Full search from `sources` (to them, over reversed edges, when `reverse`): ms per node,
/// `u64::MAX` where unreachable. The reference for the PHAST one-to-all sweeps.
pub(crate) fn all(
    net: &RoadNetwork,
    profile: Profile,
    sources: &[Terminal],
    reverse: bool,
) -> Vec<u64> {
    if !reverse {
        let mut s = Search::new(net, profile, sources);
        while s.next().is_some() {}
        return s.dist;
    }
    // The CSR graph stores out-edges only; the reference builds the reversed one on the spot.
    let p = &net.p;
    let ms = &p.ms[profile.idx()];
    let n = net.node_count();
    let mut first = vec![0u32; n + 1];
    for &h in &p.head {
        first[h as usize + 1] += 1;
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut fill = first.clone();
    let mut tail = vec![0u32; p.head.len()];
    let mut w = vec![NONE; p.head.len()];
    for v in 0..n {
        let r = p.first_out[v] as usize..p.first_out[v + 1] as usize;
        for (&h, &m) in p.head[r.clone()].iter().zip(&ms[r]) {
            let i = fill[h as usize] as usize;
            fill[h as usize] += 1;
            tail[i] = v as u32;
            w[i] = m;
        }
    }
    let mut dist = vec![u64::MAX; n];
    let mut heap = BinaryHeap::new();
    for t in sources {
        let v = t.node as usize;
        if v < n && t.ms < dist[v] {
            dist[v] = t.ms;
            heap.push(Reverse((t.ms, t.node)));
        }
    }
    while let Some(Reverse((d, u))) = heap.pop() {
        let ui = u as usize;
        if d > dist[ui] {
            continue;
        }
        for i in first[ui] as usize..first[ui + 1] as usize {
            if w[i] == NONE {
                continue;
            }
            let v = tail[i] as usize;
            let nd = d + w[i] as u64;
            if nd < dist[v] {
                dist[v] = nd;
                heap.push(Reverse((nd, v as u32)));
            }
        }
    }
    dist
}
