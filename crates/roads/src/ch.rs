//! Contraction hierarchies and the queries on them: point-to-point (two upward searches
//! meeting at the top, then shortcuts unpacked), the bucket many-to-many search and the
//! sweeps.
//!
//! Two builders, chosen by size (measured in bench/RESULTS.md): fast_paths up to
//! [`FAST_PATHS_MAX_NODES`] nodes, whose hierarchies answer queries faster, and
//! [`crate::contract`] above, which builds a million-node city in a fraction of fast_paths'
//! time. fast_paths keeps its arrays crate-private but serializes them with serde, so its
//! hierarchy is read by round-tripping the `FastGraph` through postcard into
//! [`MirrorGraph`], whose fields mirror fast_paths 1.0.0 exactly (the dependency is pinned
//! with `=` for that reason; the proptests comparing every query with Dijkstra catch a layout
//! change). Queries never call fast_paths.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use fast_paths::InputGraph;
use serde::Deserialize;

use crate::contract::{self, HEdge};
use crate::network::{RoadNetwork, NONE};
use crate::phast::{choose_phast, Sweep, MAX_MS};
use crate::snap::Terminal;
use crate::Profile;

/// Networks up to this many nodes get fast_paths' hierarchy; larger ones
/// [`crate::contract`]'s.
pub(crate) const FAST_PATHS_MAX_NODES: usize = 300_000;

/// 0 = builder by size, 1 = always fast_paths, 2 = always [`crate::contract`]. Set only by
/// `raw::force_builder`, for tests and measurements.
pub(crate) static BUILDER: AtomicU8 = AtomicU8::new(0);

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

/// Edges to higher-ranked nodes, by node id, with weight (ms) and unpacked length. A shortcut
/// a -> b bypasses `mid[e]`: it is the edge a -> mid (`down` index `sub[e][0]`) followed by
/// mid -> b (`up` index `sub[e][1]`); original edges have `mid` `NONE`.
pub(crate) struct Upward {
    first: Vec<u32>,
    pub adj: Vec<u32>,
    pub ms: Vec<u64>,
    pub meters: Vec<f64>,
    mid: Vec<u32>,
    sub: Vec<[u32; 2]>,
}

impl Upward {
    pub fn edges(&self, v: u32) -> std::ops::Range<usize> {
        let v = v as usize;
        if v + 1 >= self.first.len() {
            return 0..0;
        }
        self.first[v] as usize..self.first[v + 1] as usize
    }

    fn with_capacity(n: usize, m: usize) -> Upward {
        let mut first = Vec::with_capacity(n + 1);
        first.push(0);
        Upward {
            first,
            adj: Vec::with_capacity(m),
            ms: Vec::with_capacity(m),
            meters: Vec::with_capacity(m),
            mid: Vec::with_capacity(m),
            sub: Vec::with_capacity(m),
        }
    }
}

/// [`contract::Hierarchy`] lists as CSR arrays (sub-edge positions made global).
fn from_lists(up: Vec<Vec<HEdge>>, down: Vec<Vec<HEdge>>) -> (Upward, Upward) {
    let n = up.len();
    let start = |l: &[Vec<HEdge>]| {
        let mut f = Vec::with_capacity(n + 1);
        f.push(0u32);
        for x in l {
            f.push(f[f.len() - 1] + x.len() as u32);
        }
        f
    };
    let (fu, fd) = (start(&up), start(&down));
    let convert = |lists: Vec<Vec<HEdge>>| {
        let m: usize = lists.iter().map(Vec::len).sum();
        let mut g = Upward::with_capacity(n, m);
        for l in lists {
            for e in l {
                g.adj.push(e.adj);
                g.ms.push(e.w as u64);
                g.meters.push(e.meters);
                g.mid.push(e.mid);
                g.sub.push(if e.mid == NONE {
                    [NONE; 2]
                } else {
                    [fd[e.mid as usize] + e.sub[0], fu[e.mid as usize] + e.sub[1]]
                });
            }
            g.first.push(g.adj.len() as u32);
        }
        g
    };
    (convert(up), convert(down))
}

/// fast_paths' hierarchy as [`Upward`] graphs by node id, lengths unpacked.
fn from_fast_paths(
    net: &RoadNetwork,
    profile: Profile,
    mg: &MirrorGraph,
) -> Option<(Vec<u32>, Upward, Upward)> {
    let n = mg.num_nodes;
    if mg.ranks.len() != n
        || mg.first_edge_ids_fwd.len() != n + 1
        || mg.first_edge_ids_bwd.len() != n + 1
    {
        return None;
    }
    // fast_paths stores edges by rank; ours by node id: where each of its edges lands.
    let place = |first_ids: &[usize], len: usize| -> Option<Vec<u32>> {
        let mut at = vec![NONE; len];
        let mut k = 0u32;
        for v in 0..n {
            let r = mg.ranks[v];
            for slot in at.get_mut(*first_ids.get(r)?..*first_ids.get(r + 1)?)? {
                *slot = k;
                k += 1;
            }
        }
        Some(at)
    };
    let at_fwd = place(&mg.first_edge_ids_fwd, mg.edges_fwd.len())?;
    let at_bwd = place(&mg.first_edge_ids_bwd, mg.edges_bwd.len())?;
    let build = |edges: &[MirrorEdge], first_ids: &[usize]| -> Option<Upward> {
        let mut g = Upward::with_capacity(n, edges.len());
        for v in 0..n {
            let r = mg.ranks[v];
            for e in edges.get(first_ids[r]..first_ids[r + 1])? {
                g.adj.push(e.adj_node as u32);
                g.ms.push(e.weight as u64);
                g.meters.push(f64::NAN);
                if e.replaced_in_edge == usize::MAX || e.replaced_out_edge == usize::MAX {
                    g.mid.push(NONE);
                    g.sub.push([NONE; 2]);
                } else {
                    let out = mg.edges_fwd.get(e.replaced_out_edge)?;
                    g.mid.push(out.base_node as u32);
                    g.sub.push([
                        *at_bwd.get(e.replaced_in_edge)?,
                        *at_fwd.get(e.replaced_out_edge)?,
                    ]);
                }
            }
            g.first.push(g.adj.len() as u32);
        }
        Some(g)
    };
    let mut up = build(&mg.edges_fwd, &mg.first_edge_ids_fwd)?;
    let mut down = build(&mg.edges_bwd, &mg.first_edge_ids_bwd)?;
    // Lengths by increasing rank: a shortcut's halves sit at a lower node, already done.
    let mut order = vec![0usize; n];
    for (v, &r) in mg.ranks.iter().enumerate() {
        *order.get_mut(r)? = v;
    }
    for &v in &order {
        for is_up in [true, false] {
            let g = if is_up { &up } else { &down };
            let range = g.edges(v as u32);
            let mut lens = Vec::with_capacity(range.len());
            for e in range.clone() {
                let m = if g.mid[e] == NONE {
                    let (a, b) = if is_up {
                        (v as u32, g.adj[e])
                    } else {
                        (g.adj[e], v as u32)
                    };
                    net.best_edge(profile, a, b).map_or(0.0, |x| x.1)
                } else {
                    let [d, u] = g.sub[e];
                    down.meters.get(d as usize)? + up.meters.get(u as usize)?
                };
                if m.is_nan() {
                    return None;
                }
                lens.push(m);
            }
            let g = if is_up { &mut up } else { &mut down };
            g.meters[range].copy_from_slice(&lens);
        }
    }
    let rank = mg.ranks.iter().map(|&r| r as u32).collect();
    Some((rank, up, down))
}

pub(crate) struct Ch {
    /// Rank of each node (0 = contracted first).
    rank: Vec<u32>,
    /// Size of the search arrays: every node of the network.
    pub n_all: usize,
    pub up: Upward,
    pub down: Upward,
    scratch: Mutex<Vec<Scratch>>,
    /// PHAST arrays, built on the first one-to-all query (most servers never ask for one).
    sweep: OnceLock<Option<Sweep>>,
}

impl Ch {
    /// Nodes by rank, lowest first.
    pub fn node_order(&self) -> Vec<usize> {
        let mut o = vec![0usize; self.rank.len()];
        for (v, &r) in self.rank.iter().enumerate() {
            o[r as usize] = v;
        }
        o
    }

    pub fn phast(&self) -> Option<&Sweep> {
        self.sweep.get_or_init(|| Sweep::build(self)).as_ref()
    }

    /// `order`: a node order from another profile's hierarchy, used when it fits this graph.
    pub fn build(net: &RoadNetwork, profile: Profile, order: Option<&[usize]>) -> Option<Ch> {
        let own = match BUILDER.load(Ordering::Relaxed) {
            1 => false,
            2 => true,
            _ => net.node_count() > FAST_PATHS_MAX_NODES,
        };
        Self::build_with(net, profile, order, own)
    }

    /// [`Ch::build`] with the builder chosen by the caller (`own`: [`crate::contract`]).
    fn build_with(
        net: &RoadNetwork,
        profile: Profile,
        order: Option<&[usize]>,
        own: bool,
    ) -> Option<Ch> {
        let p = &net.p;
        let ms = &p.ms[profile.idx()];
        let n = net.node_count();
        let mut arcs = Vec::new();
        for v in 0..n {
            let r = p.first_out[v] as usize..p.first_out[v + 1] as usize;
            let edges = p.head[r.clone()]
                .iter()
                .zip(&ms[r.clone()])
                .zip(&p.meters[r]);
            for ((&h, &w), &m) in edges {
                if w != NONE && h as usize != v {
                    arcs.push((v as u32, h, w, m as f64));
                }
            }
        }
        if arcs.is_empty() {
            return None;
        }
        let (mut rank, up, down) = if own {
            let order: Option<Vec<u32>> = order.map(|o| o.iter().map(|&v| v as u32).collect());
            let h = contract::build(n, &arcs, order.as_deref());
            drop(arcs);
            let (up, down) = from_lists(h.up, h.down);
            (h.rank, up, down)
        } else {
            let mut ig = InputGraph::new();
            for &(a, b, w, _) in &arcs {
                ig.add_edge(a as usize, b as usize, w as usize);
            }
            drop(arcs);
            ig.freeze();
            let fg = match order {
                Some(o) if o.len() == ig.get_num_nodes() => fast_paths::prepare_with_order(&ig, o)
                    .unwrap_or_else(|_| fast_paths::prepare(&ig)),
                _ => fast_paths::prepare(&ig),
            };
            drop(ig);
            let bytes = postcard::to_allocvec(&fg).ok()?;
            drop(fg);
            let mg: MirrorGraph = postcard::from_bytes(&bytes).ok()?;
            drop(bytes);
            from_fast_paths(net, profile, &mg)?
        };
        // fast_paths numbers only the nodes up to the last one with an edge; the rest have no
        // edge for this profile and rank above everything (no search ever leaves them).
        let mut next = rank.len() as u32;
        rank.resize(n, NONE);
        for r in &mut rank[..] {
            if *r == NONE {
                *r = next;
                next += 1;
            }
        }
        if next as usize != n {
            return None;
        }
        Some(Ch {
            rank,
            n_all: n,
            up,
            down,
            scratch: Mutex::new(Vec::new()),
            sweep: OnceLock::new(),
        })
    }

    /// Fastest path between terminal sets: total ms and the node sequence. Two upward searches,
    /// forward from `s` and backward from `t`; the fastest path's highest node is settled
    /// (and not stalled) by both, so the best sum over common nodes is exact.
    pub fn path(&self, s: &[Terminal], t: &[Terminal]) -> Option<(u64, Vec<u32>)> {
        let mut fwd = self.scratch();
        let mut bwd = self.scratch();
        let (mut sf, mut sb) = (Vec::new(), Vec::new());
        self.upward_search(&self.up, &self.down, s, &mut fwd, &mut sf);
        for &(v, d, _) in &sf {
            bwd.aux[v as usize] = d;
        }
        // The backward search stops once its distance alone reaches the best meeting found.
        let best = self.upward_search_meeting(&self.down, &self.up, t, &mut bwd, &mut sb);
        for &(v, _, _) in &sf {
            bwd.aux[v as usize] = u64::MAX;
        }
        let out = best.map(|(ms, top)| {
            // Hierarchy edges up from the source to the top, then down to the target, each as
            // (is an `up` edge, index, head), then unpacked.
            let mut edges = Vec::new();
            let mut v = top;
            while fwd.pred[v as usize] != NONE {
                edges.push((true, fwd.pred_edge[v as usize] as usize, v));
                v = fwd.pred[v as usize];
            }
            let first = v;
            edges.reverse();
            let mut v = top;
            while bwd.pred[v as usize] != NONE {
                let below = bwd.pred[v as usize];
                edges.push((false, bwd.pred_edge[v as usize] as usize, below));
                v = below;
            }
            let mut nodes = vec![first];
            for e in edges {
                self.unpack(e, &mut nodes);
            }
            (ms, nodes)
        });
        self.give_back(fwd);
        self.give_back(bwd);
        out
    }

    /// Appends the nodes after the tail of hierarchy edge `e` (is an `up` edge, index, head),
    /// shortcuts expanded.
    fn unpack(&self, e: (bool, usize, u32), out: &mut Vec<u32>) {
        // Explicit stack: shortcuts nest as deep as the hierarchy.
        let mut stack = vec![e];
        while let Some((is_up, e, head)) = stack.pop() {
            let g = if is_up { &self.up } else { &self.down };
            match g.mid.get(e).copied() {
                Some(NONE) | None => out.push(head),
                Some(mid) => {
                    let [d, u] = g.sub[e];
                    stack.push((true, u as usize, head));
                    stack.push((false, d as usize, mid));
                }
            }
        }
    }

    /// Upward Dijkstra from terminals on `g` (stalling on demand through `other`, the opposite
    /// direction's upward graph); pushes every settled, non-stalled node with its (ms, meters)
    /// to `out` and leaves each reached node's predecessor in `sc.pred`. Leaves `sc` clean for
    /// the next search otherwise.
    pub(crate) fn upward_search(
        &self,
        g: &Upward,
        other: &Upward,
        starts: &[Terminal],
        sc: &mut Scratch,
        out: &mut Vec<(u32, u64, f64)>,
    ) {
        self.upward_search_impl(g, other, starts, sc, out, false);
    }

    /// [`Ch::upward_search`] that also meets the opposite search whose distances are in
    /// `sc.aux`, and stops once its own distance reaches the best meeting: nothing settled
    /// later can lie on a faster path. Returns the best meeting `(ms, node)`; the node's
    /// `sc.pred` chain leads back to a start (its label is a real path even when stalled).
    fn upward_search_meeting(
        &self,
        g: &Upward,
        other: &Upward,
        starts: &[Terminal],
        sc: &mut Scratch,
        out: &mut Vec<(u32, u64, f64)>,
    ) -> Option<(u64, u32)> {
        self.upward_search_impl(g, other, starts, sc, out, true)
    }

    fn upward_search_impl(
        &self,
        g: &Upward,
        other: &Upward,
        starts: &[Terminal],
        sc: &mut Scratch,
        out: &mut Vec<(u32, u64, f64)>,
        meet: bool,
    ) -> Option<(u64, u32)> {
        let mut best: Option<(u64, u32)> = None;
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
                sc.pred[u] = NONE;
                sc.heap.push(Reverse((t.ms, t.node)));
            }
        }
        while let Some(Reverse((d, u))) = sc.heap.pop() {
            let ui = u as usize;
            if d != sc.dist[ui] || sc.settled[ui] {
                continue;
            }
            if meet {
                if best.is_some_and(|b| d >= b.0) {
                    break;
                }
                let f = sc.aux[ui];
                if f != u64::MAX && best.is_none_or(|b| f + d < b.0) {
                    best = Some((f + d, u));
                }
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
                    sc.pred[vi] = u;
                    sc.pred_edge[vi] = e as u32;
                    sc.heap.push(Reverse((nd, v)));
                }
            }
        }
        sc.heap.clear();
        for &v in &sc.touched {
            sc.dist[v as usize] = u64::MAX;
            sc.settled[v as usize] = false;
        }
        sc.touched.clear();
        best
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

    pub(crate) fn scratch(&self) -> Scratch {
        self.scratch
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_else(|| Scratch::new(self.n_all))
    }

    pub(crate) fn give_back(&self, sc: Scratch) {
        if let Ok(mut p) = self.scratch.lock() {
            if p.len() < 8 {
                p.push(sc);
            }
        }
    }
}

/// Per-search arrays indexed by node, reused across searches (reset through `touched`).
pub(crate) struct Scratch {
    dist: Vec<u64>,
    meters: Vec<f64>,
    settled: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Predecessor of each node reached by the last upward search (`NONE` at its start
    /// nodes); stale elsewhere, and only read along a search's own tree.
    pred: Vec<u32>,
    /// The edge of the searched graph that reached each node, at its predecessor.
    pred_edge: Vec<u32>,
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
            pred: vec![NONE; n],
            pred_edge: vec![NONE; n],
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
    if nt == 1 && ns >= 1 || ns == 1 && nt >= 1 {
        let many = if nt == 1 { ns } else { nt };
        let min = ONE_TO_MANY_PHAST_MIN.max(ch.n_all / 200);
        if choose_phast(ch, many, min) {
            if let Some(sw) = ch.phast() {
                ch.give_back(sc);
                return one_side_phast(ch, sw, srcs, tgts, nt == 1);
            }
        }
    }
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

/// From this many points on the other side (or one per 200 nodes, if more), one-to-many and
/// many-to-one (with meters for every point) run one PHAST sweep instead. Measured
/// crossovers: ~2,500 targets on Liechtenstein (17k nodes, short search spaces), ~500 on a
/// generated 200k-node city, ~5,000 on a generated 1M-node city (bench/RESULTS.md).
const ONE_TO_MANY_PHAST_MIN: usize = 1000;

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

/// Many sources to one target (`to_one`) or one source to many targets by one PHAST sweep from
/// the single point, read at each point of the other side.
fn one_side_phast(
    ch: &Ch,
    sw: &Sweep,
    srcs: &[Option<Vec<Terminal>>],
    tgts: &[Option<Vec<Terminal>>],
    to_one: bool,
) -> Vec<Vec<Option<(u64, f64)>>> {
    let mut out = vec![vec![None; tgts.len()]; srcs.len()];
    let (single, many) = if to_one { (tgts, srcs) } else { (srcs, tgts) };
    let Some((k, Some(one))) = single.iter().enumerate().find(|x| x.1.is_some()) else {
        return out;
    };
    let (mut labels, mut meters) = (Vec::new(), Vec::new());
    sw.single_with_meters(ch, one, to_one, &mut labels, &mut meters);
    for (i, t) in many.iter().enumerate() {
        let Some(t) = t else { continue };
        let mut best: Option<(u64, f64)> = None;
        for x in t {
            let Some(p) = sw.pos(x.node) else { continue };
            let d = labels[p] as u64;
            if d < MAX_MS && best.is_none_or(|b| d + x.ms < b.0) {
                best = Some((d + x.ms, meters[p] + x.meters));
            }
        }
        if to_one {
            out[i][k] = best;
        } else {
            out[k][i] = best;
        }
    }
    out
}
