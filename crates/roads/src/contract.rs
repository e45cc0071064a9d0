//! Contraction hierarchy construction (Geisberger et al. 2008): nodes are contracted one by
//! one, cheapest first, adding a shortcut u -> x through the contracted node v only when no
//! other path u -> x at most as short exists (the witness search).
//!
//! Used for large networks (see [`crate::ch`]): on a generated grid city of a million nodes
//! fast_paths' builder needed more than seven minutes, most of it re-estimating the priorities
//! of every contracted node's neighbours. This builder never does that: contracting a node
//! only bumps its neighbours' counters, and a popped node's priority is re-estimated once
//! (lazy update) and the node put back if it is no longer the cheapest. Witness searches stop
//! at the distance that matters, once all targets are settled, or after a fixed number of
//! settled nodes. The price is a somewhat less balanced hierarchy: on a 100k-node city queries
//! are 1.06–1.42× slower than on fast_paths' (bench/RESULTS.md).
//!
//! Priority of v: `4 × (shortcuts − removed edges) + 2 × contracted neighbours + level`,
//! where level is 1 + the highest level among v's contracted neighbours. The edge difference
//! keeps the hierarchy sparse; the other two terms spread contraction evenly over the map,
//! which keeps the hierarchy shallow and the upward searches short.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::network::NONE;

/// One edge of the hierarchy, seen from the node it is stored at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HEdge {
    /// The other end (higher ranked once the owner is contracted).
    pub adj: u32,
    /// Travel time in ms.
    pub w: u32,
    /// Node a shortcut bypasses (`NONE` for an original edge): the shortcut is the edge
    /// to `mid` followed by the edge from `mid`.
    pub mid: u32,
    /// Positions of those two edges in `mid`'s lists: `[in `down[mid]`, in `up[mid]`]`.
    pub sub: [u32; 2],
    /// Length in meters of the unpacked path.
    pub meters: f64,
}

/// The result: the rank of every node and, per node, its edges to higher nodes in both
/// directions (`up[v]`: v -> adj, `down[v]`: adj -> v).
pub(crate) struct Hierarchy {
    pub rank: Vec<u32>,
    pub up: Vec<Vec<HEdge>>,
    pub down: Vec<Vec<HEdge>>,
}

/// How many nodes a witness search may settle: a missed witness only costs an unneeded
/// shortcut, never a wrong answer.
#[derive(Clone, Copy)]
struct Limit {
    settled: usize,
}

/// Full witness searches, when contracting.
const WITNESS: Limit = Limit { settled: 400 };
/// The cheaper searches that only estimate a node's priority.
const ESTIMATE: Limit = Limit { settled: 60 };

struct Graph {
    out: Vec<Vec<HEdge>>,
    inn: Vec<Vec<HEdge>>,
    /// `out` reduced to (head, ms): what the witness searches read, half the bytes.
    sout: Vec<Vec<(u32, u32)>>,
    contracted: Vec<bool>,
    dist: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    /// `stamp` marks the targets of the current witness search.
    target: Vec<u32>,
    stamp: u32,
}

impl Graph {
    /// Distances from `s` over uncontracted nodes other than `skip`, left in `self.dist`
    /// (reset by [`Graph::reset`]). Stops once every node marked in `target` with `stamp` is
    /// settled, beyond `max`, or after `limit` settled nodes.
    fn witness(&mut self, s: u32, skip: u32, max: u32, limit: Limit, mut targets: usize) {
        self.dist[s as usize] = 0;
        self.touched.push(s);
        self.heap.push(Reverse((0, s)));
        let mut settled = 0;
        while let Some(Reverse((d, u))) = self.heap.pop() {
            if d > self.dist[u as usize] {
                continue;
            }
            if d > max || settled >= limit.settled {
                break;
            }
            settled += 1;
            if self.target[u as usize] == self.stamp {
                targets -= 1;
                if targets == 0 {
                    break;
                }
            }
            for &(adj, w) in &self.sout[u as usize] {
                if adj == skip {
                    continue;
                }
                let nd = d.saturating_add(w);
                let x = adj as usize;
                if nd < self.dist[x] {
                    if self.dist[x] == u32::MAX {
                        self.touched.push(adj);
                    }
                    self.dist[x] = nd;
                    self.heap.push(Reverse((nd, adj)));
                }
            }
        }
        self.heap.clear();
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.dist[v as usize] = u32::MAX;
        }
        self.touched.clear();
    }

    /// The shortcuts contracting `v` needs, as (from, edge): calls `f` for each; returns the
    /// count.
    fn shortcuts(&mut self, v: u32, limit: Limit, mut f: impl FnMut(u32, HEdge)) -> usize {
        let vi = v as usize;
        let ins = std::mem::take(&mut self.inn[vi]);
        let outs = std::mem::take(&mut self.out[vi]);
        let mut count = 0;
        for (ia, a) in ins.iter().enumerate() {
            let max_out = outs.iter().filter(|b| b.adj != a.adj).map(|b| b.w).max();
            let Some(max_out) = max_out else { continue };
            self.stamp += 1;
            let mut targets = 0;
            for b in &outs {
                if b.adj != a.adj && self.target[b.adj as usize] != self.stamp {
                    self.target[b.adj as usize] = self.stamp;
                    targets += 1;
                }
            }
            self.witness(a.adj, v, a.w.saturating_add(max_out), limit, targets);
            for (ib, b) in outs.iter().enumerate() {
                if b.adj == a.adj {
                    continue;
                }
                let via = a.w.saturating_add(b.w);
                if self.dist[b.adj as usize] > via {
                    count += 1;
                    f(
                        a.adj,
                        HEdge {
                            adj: b.adj,
                            w: via,
                            mid: v,
                            // `remove` hands out exactly these lists, in this order.
                            sub: [ia as u32, ib as u32],
                            meters: a.meters + b.meters,
                        },
                    );
                }
            }
            self.reset();
        }
        self.inn[vi] = ins;
        self.out[vi] = outs;
        count
    }

    /// Adds u -> e.adj unless an edge at most as fast exists; replaces a slower one.
    fn add(&mut self, u: u32, e: HEdge) {
        let back = HEdge { adj: u, ..e };
        let ui = u as usize;
        match self.out[ui].iter().position(|x| x.adj == e.adj) {
            Some(i) if self.out[ui][i].w <= e.w => return,
            Some(i) => {
                self.out[ui][i] = e;
                if let Some(x) = self.sout[ui].iter_mut().find(|x| x.0 == e.adj) {
                    x.1 = e.w;
                }
            }
            None => {
                self.out[ui].push(e);
                self.sout[ui].push((e.adj, e.w));
            }
        }
        match self.inn[e.adj as usize].iter_mut().find(|x| x.adj == u) {
            Some(x) => *x = back,
            None => self.inn[e.adj as usize].push(back),
        }
    }

    /// Removes `v` from the graph, returning its edges (now edges to higher nodes).
    fn remove(&mut self, v: u32) -> (Vec<HEdge>, Vec<HEdge>) {
        let vi = v as usize;
        self.contracted[vi] = true;
        let outs = std::mem::take(&mut self.out[vi]);
        let ins = std::mem::take(&mut self.inn[vi]);
        for b in &outs {
            self.inn[b.adj as usize].retain(|x| x.adj != v);
        }
        for a in &ins {
            self.out[a.adj as usize].retain(|x| x.adj != v);
            self.sout[a.adj as usize].retain(|x| x.0 != v);
        }
        self.sout[vi] = Vec::new();
        (outs, ins)
    }

    fn priority(&mut self, v: u32, deleted: &[u32], level: &[u32]) -> i64 {
        let vi = v as usize;
        let removed = (self.out[vi].len() + self.inn[vi].len()) as i64;
        let added = self.shortcuts(v, ESTIMATE, |_, _| {}) as i64;
        4 * (added - removed) + 2 * deleted[vi] as i64 + level[vi] as i64
    }
}

/// Builds the hierarchy of `n` nodes from `arcs` (tail, head, ms, meters); parallel arcs keep
/// the fastest (then shortest). `order`: contract in this order (rank i = `order[i]`) instead
/// of choosing, much faster when another profile with the same roads already chose one.
pub(crate) fn build(n: usize, arcs: &[(u32, u32, u32, f64)], order: Option<&[u32]>) -> Hierarchy {
    let mut g = Graph {
        out: vec![Vec::new(); n],
        inn: vec![Vec::new(); n],
        sout: Vec::new(),
        contracted: vec![false; n],
        dist: vec![u32::MAX; n],
        touched: Vec::new(),
        heap: BinaryHeap::new(),
        target: vec![0; n],
        stamp: 0,
    };
    for &(a, b, w, m) in arcs {
        if a == b || a as usize >= n || b as usize >= n {
            continue;
        }
        let e = HEdge {
            adj: b,
            w,
            mid: NONE,
            sub: [NONE; 2],
            meters: m,
        };
        match g.out[a as usize].iter_mut().find(|x| x.adj == b) {
            Some(x) if (x.w, x.meters) <= (w, m) => continue,
            Some(x) => {
                *x = e;
                if let Some(y) = g.inn[b as usize].iter_mut().find(|y| y.adj == a) {
                    *y = HEdge { adj: a, ..e };
                }
            }
            None => {
                g.out[a as usize].push(e);
                g.inn[b as usize].push(HEdge { adj: a, ..e });
            }
        }
    }
    g.sout = g
        .out
        .iter()
        .map(|l| l.iter().map(|e| (e.adj, e.w)).collect())
        .collect();
    let mut h = Hierarchy {
        rank: vec![NONE; n],
        up: vec![Vec::new(); n],
        down: vec![Vec::new(); n],
    };
    let mut new = Vec::new();
    let mut contract = |g: &mut Graph, v: u32, rank: u32, h: &mut Hierarchy| {
        new.clear();
        g.shortcuts(v, WITNESS, |u, e| new.push((u, e)));
        let (outs, ins) = g.remove(v);
        for &(u, e) in &new {
            g.add(u, e);
        }
        h.rank[v as usize] = rank;
        h.up[v as usize] = outs;
        h.down[v as usize] = ins;
    };
    if let Some(order) = order.filter(|o| is_permutation(o, n)) {
        for (r, &v) in order.iter().enumerate() {
            contract(&mut g, v, r as u32, &mut h);
        }
        return h;
    }
    let mut deleted = vec![0u32; n];
    let mut level = vec![0u32; n];
    let mut prio = vec![0i64; n];
    let mut heap = BinaryHeap::with_capacity(n);
    for v in 0..n as u32 {
        prio[v as usize] = g.priority(v, &deleted, &level);
        heap.push(Reverse((prio[v as usize], v)));
    }
    let mut rank = 0u32;
    let mut neighbours = Vec::new();
    while let Some(Reverse((p, v))) = heap.pop() {
        let vi = v as usize;
        if g.contracted[vi] || p != prio[vi] {
            continue;
        }
        // Lazy update: the priority may have grown since it was queued.
        let now = g.priority(v, &deleted, &level);
        if let Some(Reverse((next, _))) = heap.peek() {
            if now > *next {
                prio[vi] = now;
                heap.push(Reverse((now, v)));
                continue;
            }
        }
        neighbours.clear();
        neighbours.extend(g.out[vi].iter().chain(&g.inn[vi]).map(|e| e.adj));
        neighbours.sort_unstable();
        neighbours.dedup();
        contract(&mut g, v, rank, &mut h);
        rank += 1;
        for &u in &neighbours {
            let ui = u as usize;
            deleted[ui] += 1;
            level[ui] = level[ui].max(level[vi] + 1);
        }
    }
    h
}

fn is_permutation(order: &[u32], n: usize) -> bool {
    if order.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    order
        .iter()
        .all(|&v| (v as usize) < n && !std::mem::replace(&mut seen[v as usize], true))
}
