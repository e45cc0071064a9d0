//! Contraction hierarchies: fast_paths builds the hierarchy and answers point-to-point queries;
//! the bucket many-to-many search runs on a copy of its upward graphs.
//!
//! fast_paths keeps the hierarchy's arrays crate-private but serializes them with serde, so the
//! copy is taken by round-tripping the `FastGraph` through postcard into [`MirrorGraph`], whose
//! fields mirror fast_paths 1.0.0 exactly (the dependency is pinned with `=` for that reason;
//! the proptests comparing matrices with Dijkstra catch a layout change).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;

use fast_paths::{FastGraph, InputGraph, PathCalculator};
use serde::Deserialize;

use crate::network::{RoadNetwork, NONE};
use crate::snap::Terminal;
use crate::Profile;

#[derive(Deserialize)]
struct MirrorEdge {
    base_node: usize,
    adj_node: usize,
    weight: usize,
    replaced_in_edge: usize,
    replaced_out_edge: usize,
}

#[derive(Deserialize)]
struct MirrorGraph {
    num_nodes: usize,
    ranks: Vec<usize>,
    edges_fwd: Vec<MirrorEdge>,
    first_edge_ids_fwd: Vec<usize>,
    edges_bwd: Vec<MirrorEdge>,
    first_edge_ids_bwd: Vec<usize>,
}

/// Edges to higher-ranked nodes, by node id, with weight (ms) and unpacked length.
struct Upward {
    first: Vec<u32>,
    adj: Vec<u32>,
    ms: Vec<u64>,
    meters: Vec<f64>,
}

impl Upward {
    fn edges(&self, v: u32) -> std::ops::Range<usize> {
        let v = v as usize;
        if v + 1 >= self.first.len() {
            return 0..0;
        }
        self.first[v] as usize..self.first[v + 1] as usize
    }
}

pub(crate) struct Ch {
    fg: FastGraph,
    n: usize,
    /// Size of the search arrays: every node of the network (terminals may sit on nodes past
    /// the hierarchy's range, which have no edge for this profile).
    n_all: usize,
    up: Upward,
    down: Upward,
    pool: Mutex<Vec<PathCalculator>>,
    scratch: Mutex<Vec<Scratch>>,
}

impl Ch {
    pub fn node_order(&self) -> Vec<usize> {
        fast_paths::get_node_ordering(&self.fg)
    }

    /// `order`: a node order from another profile's hierarchy, used when it fits this graph.
    pub fn build(net: &RoadNetwork, profile: Profile, order: Option<&[usize]>) -> Option<Ch> {
        let p = &net.p;
        let ms = &p.ms[profile.idx()];
        let mut ig = InputGraph::new();
        let mut edges = 0usize;
        for v in 0..net.node_count() {
            let range = p.first_out[v] as usize..p.first_out[v + 1] as usize;
            for (&w, &h) in ms[range.clone()].iter().zip(&p.head[range]) {
                if w != NONE && h as usize != v {
                    ig.add_edge(v, h as usize, w as usize);
                    edges += 1;
                }
            }
        }
        if edges == 0 {
            return None;
        }
        ig.freeze();
        let fg = match order {
            Some(o) if o.len() == ig.get_num_nodes() => {
                fast_paths::prepare_with_order(&ig, o).unwrap_or_else(|_| fast_paths::prepare(&ig))
            }
            _ => fast_paths::prepare(&ig),
        };
        let bytes = postcard::to_allocvec(&fg).ok()?;
        let mg: MirrorGraph = postcard::from_bytes(&bytes).ok()?;
        let n = mg.num_nodes;
        if mg.ranks.len() != n
            || mg.first_edge_ids_fwd.len() != n + 1
            || mg.first_edge_ids_bwd.len() != n + 1
        {
            return None;
        }
        let [meters_fwd, meters_bwd] = unpacked_meters(net, profile, &mg);
        let upward = |edges: &[MirrorEdge], first_ids: &[usize], meters: &[f64]| {
            let mut first = Vec::with_capacity(n + 1);
            let mut adj = Vec::with_capacity(edges.len());
            let mut w = Vec::with_capacity(edges.len());
            let mut m = Vec::with_capacity(edges.len());
            first.push(0u32);
            for v in 0..n {
                let r = mg.ranks[v];
                for (e, edge) in edges
                    .iter()
                    .enumerate()
                    .take(first_ids[r + 1])
                    .skip(first_ids[r])
                {
                    adj.push(edge.adj_node as u32);
                    w.push(edge.weight as u64);
                    m.push(meters[e]);
                }
                first.push(adj.len() as u32);
            }
            Upward {
                first,
                adj,
                ms: w,
                meters: m,
            }
        };
        let up = upward(&mg.edges_fwd, &mg.first_edge_ids_fwd, &meters_fwd);
        let down = upward(&mg.edges_bwd, &mg.first_edge_ids_bwd, &meters_bwd);
        Some(Ch {
            fg,
            n,
            n_all: n.max(net.node_count()),
            up,
            down,
            pool: Mutex::new(Vec::new()),
            scratch: Mutex::new(Vec::new()),
        })
    }

    /// Fastest path between terminal sets: total ms and the node sequence.
    pub fn path(&self, s: &[Terminal], t: &[Terminal]) -> Option<(u64, Vec<u32>)> {
        let mut best: Option<(u64, Vec<u32>)> = None;
        for a in s {
            for b in t {
                if a.node == b.node && best.as_ref().is_none_or(|x| a.ms + b.ms < x.0) {
                    best = Some((a.ms + b.ms, vec![a.node]));
                }
            }
        }
        // Nodes past the hierarchy's range have no edge for this profile, so only the
        // same-node case above can involve them; fast_paths would assert on them.
        let srcs: Vec<(usize, usize)> = s
            .iter()
            .filter(|x| (x.node as usize) < self.n)
            .map(|x| (x.node as usize, x.ms as usize))
            .collect();
        let tgts: Vec<(usize, usize)> = t
            .iter()
            .filter(|x| (x.node as usize) < self.n)
            .map(|x| (x.node as usize, x.ms as usize))
            .collect();
        if srcs.is_empty() || tgts.is_empty() {
            return best;
        }
        let mut calc = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| fast_paths::create_calculator(&self.fg));
        let res = calc.calc_path_multiple_sources_and_targets(&self.fg, srcs, tgts);
        if let Ok(mut p) = self.pool.lock() {
            // A few idle calculators are enough for the server's concurrency; each holds O(n).
            if p.len() < 8 {
                p.push(calc);
            }
        }
        if let Some(sp) = res {
            let w = sp.get_weight() as u64;
            if best.as_ref().is_none_or(|b| w < b.0) {
                best = Some((w, sp.get_nodes().iter().map(|&x| x as u32).collect()));
            }
        }
        best
    }

    /// Upward Dijkstra from terminals on `g` (stalling on demand through `other`, the opposite
    /// direction's upward graph); pushes every settled, non-stalled node with its (ms, meters)
    /// to `out`. Leaves `sc` clean for the next search.
    fn upward_search(
        &self,
        g: &Upward,
        other: &Upward,
        starts: &[Terminal],
        sc: &mut Scratch,
        out: &mut Vec<(u32, u64, f64)>,
    ) {
        for t in starts {
            let u = t.node as usize;
            if u >= self.n_all {
                continue;
            }
            if sc.dist[u] == u64::MAX {
                sc.touched.push(t.node);
            }
            if t.ms < sc.dist[u] {
                sc.dist[u] = t.ms;
                sc.meters[u] = t.meters;
                sc.heap.push(Reverse((t.ms, t.node)));
            }
        }
        while let Some(Reverse((d, u))) = sc.heap.pop() {
            let ui = u as usize;
            if d != sc.dist[ui] || sc.settled[ui] {
                continue;
            }
            sc.settled[ui] = true;
            // Stall on demand: a higher node already reached reaches u more cheaply, so u's
            // tentative distance is not exact and nothing above it needs u.
            let stalled = other.edges(u).any(|e| {
                let v = other.adj[e] as usize;
                sc.dist[v] != u64::MAX && sc.dist[v].saturating_add(other.ms[e]) < d
            });
            if stalled {
                continue;
            }
            let mu = sc.meters[ui];
            out.push((u, d, mu));
            for e in g.edges(u) {
                let v = g.adj[e];
                let vi = v as usize;
                let nd = d + g.ms[e];
                if nd < sc.dist[vi] {
                    if sc.dist[vi] == u64::MAX {
                        sc.touched.push(v);
                    }
                    sc.dist[vi] = nd;
                    sc.meters[vi] = mu + g.meters[e];
                    sc.heap.push(Reverse((nd, v)));
                }
            }
        }
        for &v in &sc.touched {
            sc.dist[v as usize] = u64::MAX;
            sc.settled[v as usize] = false;
        }
        sc.touched.clear();
    }

    /// Cost from `starts` to the point whose search space is in `sc.aux`/`sc.aux_m`, by a
    /// memoised depth-first sweep of the upward DAG `g` from the start nodes:
    /// `D(v) = min(aux(v), min over upward edges v->w of ms(v, w) + D(w))`. Every node of the
    /// union of the start nodes' upward spaces is evaluated once, with no priority queue, so many
    /// sources against one target (or one source against many targets, with `g` = down) cost far
    /// less than one upward Dijkstra per source. `sc.dist`/`sc.settled` hold D and "visited"
    /// across calls until [`Ch::clear_sweep`].
    fn sweep(&self, g: &Upward, starts: &[Terminal], sc: &mut Scratch) -> Option<(u64, f64)> {
        let mut best: Option<(u64, f64)> = None;
        for st in starts {
            let root = st.node;
            if root as usize >= self.n_all {
                continue;
            }
            if !sc.settled[root as usize] {
                sc.settled[root as usize] = true;
                sc.touched.push(root);
                sc.stack.push((root, g.edges(root).start as u32));
            }
            while let Some(top) = sc.stack.last_mut() {
                let (v, next) = (top.0, top.1 as usize);
                let end = g.edges(v).end;
                if next < end {
                    top.1 += 1;
                    let w = g.adj[next];
                    if !sc.settled[w as usize] {
                        sc.settled[w as usize] = true;
                        sc.touched.push(w);
                        sc.stack.push((w, g.edges(w).start as u32));
                    }
                    continue;
                }
                // Every upward neighbour is final: evaluate v.
                sc.stack.pop();
                let vi = v as usize;
                let (mut d, mut m) = (sc.aux[vi], sc.aux_m[vi]);
                for e in g.edges(v) {
                    let w = g.adj[e] as usize;
                    if sc.dist[w] != u64::MAX {
                        let c = g.ms[e] + sc.dist[w];
                        if c < d {
                            d = c;
                            m = g.meters[e] + sc.meters[w];
                        }
                    }
                }
                sc.dist[vi] = d;
                sc.meters[vi] = m;
            }
            let d = sc.dist[root as usize];
            if d != u64::MAX {
                let c = (st.ms + d, st.meters + sc.meters[root as usize]);
                if best.is_none_or(|b| c.0 < b.0) {
                    best = Some(c);
                }
            }
        }
        best
    }

    fn clear_sweep(sc: &mut Scratch) {
        for &v in &sc.touched {
            sc.dist[v as usize] = u64::MAX;
            sc.settled[v as usize] = false;
        }
        sc.touched.clear();
    }

    fn scratch(&self) -> Scratch {
        self.scratch
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| Scratch::new(self.n_all))
    }

    fn give_back(&self, sc: Scratch) {
        if let Ok(mut p) = self.scratch.lock() {
            if p.len() < 8 {
                p.push(sc);
            }
        }
    }
}

/// Per-search arrays indexed by node, reused across searches (reset through `touched`).
struct Scratch {
    dist: Vec<u64>,
    meters: Vec<f64>,
    settled: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Head of each node's bucket list (index into the bucket entries), or NONE.
    bucket: Vec<u32>,
    /// End of each node's bucket range (valid where `bucket` is not NONE).
    bucket_end: Vec<u32>,
    /// One point's upward search space for [`Ch::sweep`] (u64::MAX = outside it).
    aux: Vec<u64>,
    aux_m: Vec<f64>,
    stack: Vec<(u32, u32)>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch {
            dist: vec![u64::MAX; n],
            meters: vec![0.0; n],
            settled: vec![false; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
            bucket: vec![NONE; n],
            bucket_end: vec![0; n],
            aux: vec![u64::MAX; n],
            aux_m: vec![0.0; n],
            stack: Vec::new(),
        }
    }
}

/// Bucket-based many-to-many: backward upward searches fill per-node buckets, forward upward
/// searches scan them. Exact because every shortest path has a top node both searches reach.
pub(crate) fn many_to_many(
    ch: &Ch,
    srcs: &[Option<Vec<Terminal>>],
    tgts: &[Option<Vec<Terminal>>],
) -> Vec<Vec<Option<(u64, f64)>>> {
    let mut sc = ch.scratch();
    let live = |v: &[Option<Vec<Terminal>>]| v.iter().filter(|x| x.is_some()).count();
    let (ns, nt) = (live(srcs), live(tgts));
    if nt == 1 && ns >= SWEEP_MIN || ns == 1 && nt >= SWEEP_MIN {
        let out = one_side_sweep(ch, srcs, tgts, nt == 1, &mut sc);
        ch.give_back(sc);
        return out;
    }
    // Backward spaces of all targets: (node, target, ms, meters).
    let mut all: Vec<(u32, u32, u64, f64)> = Vec::new();
    let mut settled = Vec::new();
    for (j, t) in tgts.iter().enumerate() {
        let Some(t) = t else { continue };
        settled.clear();
        ch.upward_search(&ch.down, &ch.up, t, &mut sc, &mut settled);
        all.extend(settled.iter().map(|&(v, d, m)| (v, j as u32, d, m)));
    }
    // Buckets as contiguous per-node ranges (counting sort), split into hot (target, ms) and
    // cold (meters) arrays: the forward scans below read long buckets near the top.
    let mut nodes: Vec<u32> = Vec::new();
    for &(v, ..) in &all {
        let c = &mut sc.bucket[v as usize];
        if *c == NONE {
            *c = 0;
            nodes.push(v);
        }
        *c += 1;
    }
    let mut off = 0u32;
    for &v in &nodes {
        let c = sc.bucket[v as usize];
        sc.bucket[v as usize] = off;
        sc.bucket_end[v as usize] = off;
        off += c;
    }
    let mut b_j = vec![0u32; all.len()];
    let mut b_ms = vec![0u64; all.len()];
    let mut b_m = vec![0f64; all.len()];
    for &(v, j, d, m) in &all {
        let k = &mut sc.bucket_end[v as usize];
        let i = *k as usize;
        *k += 1;
        b_j[i] = j;
        b_ms[i] = d;
        b_m[i] = m;
    }
    drop(all);
    let mut row_ms = vec![u64::MAX; tgts.len()];
    let mut row_m = vec![0f64; tgts.len()];
    let out = srcs
        .iter()
        .map(|s| {
            let Some(s) = s else {
                return vec![None; tgts.len()];
            };
            row_ms.fill(u64::MAX);
            settled.clear();
            ch.upward_search(&ch.up, &ch.down, s, &mut sc, &mut settled);
            for &(v, d, m) in &settled {
                let b = sc.bucket[v as usize];
                if b == NONE {
                    continue;
                }
                let r = b as usize..sc.bucket_end[v as usize] as usize;
                for ((&j, &bd), &bm) in b_j[r.clone()].iter().zip(&b_ms[r.clone()]).zip(&b_m[r]) {
                    let c = d + bd;
                    let j = j as usize;
                    if c < row_ms[j] {
                        row_ms[j] = c;
                        row_m[j] = m + bm;
                    }
                }
            }
            row_ms
                .iter()
                .zip(&row_m)
                .map(|(&d, &m)| (d != u64::MAX).then_some((d, m)))
                .collect()
        })
        .collect();
    for v in nodes {
        sc.bucket[v as usize] = NONE;
    }
    ch.give_back(sc);
    out
}

/// From this many points on the other side, one-to-many and many-to-one use [`Ch::sweep`]
/// instead of buckets.
const SWEEP_MIN: usize = 8;

/// Many sources to one target (`to_one`) or one source to many targets by [`Ch::sweep`].
fn one_side_sweep(
    ch: &Ch,
    srcs: &[Option<Vec<Terminal>>],
    tgts: &[Option<Vec<Terminal>>],
    to_one: bool,
    sc: &mut Scratch,
) -> Vec<Vec<Option<(u64, f64)>>> {
    let mut out = vec![vec![None; tgts.len()]; srcs.len()];
    // The single point's own search runs on the opposite graph; the sweep on the many side's.
    let (single, many, search_g, stall_g, sweep_g) = if to_one {
        (tgts, srcs, &ch.down, &ch.up, &ch.up)
    } else {
        (srcs, tgts, &ch.up, &ch.down, &ch.down)
    };
    let Some((k, Some(one))) = single.iter().enumerate().find(|x| x.1.is_some()) else {
        return out;
    };
    let mut space = Vec::new();
    ch.upward_search(search_g, stall_g, one, sc, &mut space);
    for &(v, d, m) in &space {
        sc.aux[v as usize] = d;
        sc.aux_m[v as usize] = m;
    }
    for (i, t) in many.iter().enumerate() {
        let Some(t) = t else { continue };
        let c = ch.sweep(sweep_g, t, sc);
        if to_one {
            out[i][k] = c;
        } else {
            out[k][i] = c;
        }
    }
    Ch::clear_sweep(sc);
    for &(v, _, _) in &space {
        sc.aux[v as usize] = u64::MAX;
    }
    out
}

/// Length of every hierarchy edge (`[edges_fwd, edges_bwd]`) once shortcuts are unpacked
/// down to real edges.
fn unpacked_meters(net: &RoadNetwork, profile: Profile, g: &MirrorGraph) -> [Vec<f64>; 2] {
    // NaN = not yet known.
    let mut memo = [
        vec![f64::NAN; g.edges_fwd.len()],
        vec![f64::NAN; g.edges_bwd.len()],
    ];
    for which in 0..2 {
        for e in 0..memo[which].len() {
            resolve(net, profile, g, &mut memo, which, e);
        }
    }
    memo
}

fn resolve(
    net: &RoadNetwork,
    profile: Profile,
    g: &MirrorGraph,
    memo: &mut [Vec<f64>; 2],
    which: usize,
    e: usize,
) {
    // Explicit stack: hierarchies can be deep enough to worry about recursion.
    let mut stack = vec![(which, e)];
    while let Some(&(w, e)) = stack.last() {
        if !memo[w][e].is_nan() {
            stack.pop();
            continue;
        }
        let edge = if w == 0 {
            &g.edges_fwd[e]
        } else {
            &g.edges_bwd[e]
        };
        if edge.replaced_in_edge == usize::MAX || edge.replaced_out_edge == usize::MAX {
            let (a, b) = if w == 0 {
                (edge.base_node, edge.adj_node)
            } else {
                (edge.adj_node, edge.base_node)
            };
            memo[w][e] = net
                .best_edge(profile, a as u32, b as u32)
                .map_or(0.0, |x| x.1);
            stack.pop();
            continue;
        }
        let (i, o) = (edge.replaced_in_edge, edge.replaced_out_edge);
        if i >= memo[1].len() || o >= memo[0].len() {
            memo[w][e] = 0.0;
            stack.pop();
            continue;
        }
        let (mi, mo) = (memo[1][i], memo[0][o]);
        if mi.is_nan() {
            stack.push((1, i));
        } else if mo.is_nan() {
            stack.push((0, o));
        } else {
            memo[w][e] = mi + mo;
            stack.pop();
        }
    }
}
