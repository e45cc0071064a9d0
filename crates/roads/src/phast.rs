//! One-to-all travel times on the contraction hierarchy (PHAST, Delling et al. 2011): an upward
//! search from the point, then one linear sweep over all nodes from the highest rank down,
//! relaxing each node's edges from higher nodes. No priority queue touches most of the graph,
//! and the sweep reads its arrays front to back, which is why it beats Dijkstra several times
//! over on a whole network.
//!
//! Several points share one sweep: their labels sit side by side per node (`K` lanes), so each
//! edge is loaded once for `K` points and the inner `min` loop vectorises.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ch::{Ch, Upward};
use crate::network::{RoadNetwork, NONE};
use crate::snap::Terminal;
use crate::{Profile, Snap};

/// Sweep labels never exceed this (~24.8 days in ms), and hierarchy weights are clamped to it,
/// so `label + weight` always fits in a u32: the hot loop needs no saturating arithmetic.
/// A sum above it can only come from an unreachable label and is never the minimum.
const INF: u32 = u32::MAX / 2;

/// Travel times from this value on (ms) count as unreachable, in every engine.
pub(crate) const MAX_MS: u64 = INF as u64;

/// Which way a [`TravelTimes`] table measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the origin point to every node (where can a car get from here).
    Forward,
    /// From every node to the origin point (who reaches this incident fastest).
    Backward,
}

/// Travel times between one snapped point (the origin) and every node of a network, in one
/// [`Direction`], from [`RoadNetwork::one_to_all`], [`RoadNetwork::all_to_one`],
/// [`RoadNetwork::many_to_all`] or their `_dijkstra` references.
///
/// Times are whole milliseconds, like every query of the crate (the table holds one `u32` per
/// node: 4 bytes × nodes). [`TravelTimes::seconds_at`] also answers for any other snapped point,
/// adding the partial cost along its segment and the direct way along a shared segment, so it
/// equals [`RoadNetwork::route`] between the two points.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelTimes {
    profile: Profile,
    direction: Direction,
    origin: Snap,
    ms: Vec<u32>,
}

impl TravelTimes {
    /// Marks an unreachable node in [`TravelTimes::millis`]. Travel times of 2³¹ ms (~24.8 days)
    /// or more are reported as unreachable too.
    pub const UNREACHABLE: u32 = u32::MAX;

    pub(crate) fn unreachable(
        profile: Profile,
        direction: Direction,
        origin: &Snap,
        n: usize,
    ) -> Self {
        TravelTimes {
            profile,
            direction,
            origin: origin.clone(),
            ms: vec![Self::UNREACHABLE; n],
        }
    }

    /// The profile the times are for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// [`Direction::Forward`]: origin → node; [`Direction::Backward`]: node → origin.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The snapped point the times are measured from (forward) or to (backward).
    pub fn origin(&self) -> &Snap {
        &self.origin
    }

    /// Travel time in seconds between the origin and `node`, `None` if unreachable or out of
    /// range.
    pub fn node_seconds(&self, node: u32) -> Option<f64> {
        let ms = *self.ms.get(node as usize)?;
        (ms != Self::UNREACHABLE).then(|| ms as f64 / 1000.0)
    }

    /// Raw table indexed by node id: milliseconds, [`TravelTimes::UNREACHABLE`] where no route
    /// exists. For combining many tables without conversions (e.g. the minimum over units).
    pub fn millis(&self) -> &[u32] {
        &self.ms
    }

    /// Nodes reachable within `max_seconds`, sorted by time then node id.
    pub fn within(&self, max_seconds: f64) -> Vec<(u32, f64)> {
        if max_seconds.is_nan() || max_seconds < 0.0 {
            return Vec::new();
        }
        let limit = (max_seconds * 1000.0).min(u32::MAX as f64 - 1.0) as u32;
        // One u64 key per node sorts faster than tuples.
        let mut v: Vec<u64> = (0u32..)
            .zip(&self.ms)
            .filter(|&(_, &ms)| ms <= limit)
            .map(|(n, &ms)| (ms as u64) << 32 | n as u64)
            .collect();
        v.sort_unstable();
        v.into_iter()
            .map(|k| (k as u32, (k >> 32) as f64 / 1000.0))
            .collect()
    }

    /// Travel time in seconds between the origin and another snapped point of the same
    /// network, in this table's direction (forward: origin → `at`; backward: `at` → origin),
    /// including the partial segment costs at `at` and the direct way when both points lie on
    /// one segment. `None` when unreachable, or when `at` (or `net`) does not belong to the
    /// network the table was computed on.
    pub fn seconds_at(&self, net: &RoadNetwork, at: &Snap) -> Option<f64> {
        self.ms_at(net, at).map(|ms| ms as f64 / 1000.0)
    }

    pub(crate) fn ms_at(&self, net: &RoadNetwork, at: &Snap) -> Option<u64> {
        if net.node_count() != self.ms.len() {
            return None;
        }
        let (ends, direct) = match self.direction {
            Direction::Forward => (
                net.targets(self.profile, at)?,
                net.direct(self.profile, &self.origin, at),
            ),
            Direction::Backward => (
                net.sources(self.profile, at)?,
                net.direct(self.profile, at, &self.origin),
            ),
        };
        let via = ends
            .iter()
            .filter_map(|t| {
                let d = *self.ms.get(t.node as usize)?;
                (d != Self::UNREACHABLE).then_some(d as u64 + t.ms)
            })
            .min();
        match (via, direct.map(|d| d.0)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The hierarchy's edges in sweep order: by descending level, so every edge of position `p`
/// comes from a position `< p`; nodes the profile cannot use come last.
pub(crate) struct Sweep {
    /// Position of each node id.
    pos: Vec<u32>,
    /// Forward sweep: edges u -> v from higher u, stored at v.
    fwd: Arcs,
    /// Backward sweep: edges v -> u to higher u, stored at v.
    bwd: Arcs,
    /// Node at each position.
    node_at: Vec<u32>,
    /// Unpacked length of each arc of `fwd` and `bwd`, for [`Sweep::single_with_meters`]
    /// (built on first use: tables of times never need them).
    arc_meters: OnceLock<[Vec<f64>; 2]>,
}

struct Arcs {
    first: Vec<u32>,
    src: Vec<u32>,
    w: Vec<u32>,
}

impl Sweep {
    /// `None` if some hierarchy edge does not lead upward (never, for either builder, unless
    /// fast_paths' layout changed under us); the callers then fall back to Dijkstra.
    pub(crate) fn build(ch: &Ch) -> Option<Sweep> {
        let order = ch.node_order();
        let n_all = ch.n_all;
        // Sweep by level (1 + the highest level below a node), not by rank: every edge still
        // runs from a higher level to a lower one, and within a level nodes keep their id order,
        // which importers and the generator make spatially coherent, so the labels read per
        // edge sit close together in memory instead of at random ranks.
        let mut level = vec![0u32; n_all];
        for &v in &order {
            if v >= n_all {
                return None;
            }
            let up = level[v] + 1;
            for g in [&ch.up, &ch.down] {
                for e in g.edges(v as u32) {
                    let l = level.get_mut(g.adj[e] as usize)?;
                    *l = (*l).max(up);
                }
            }
        }
        let mut in_ch = vec![false; n_all];
        for &v in &order {
            in_ch[v] = true;
        }
        let mut node_at: Vec<u32> = (0..n_all as u32).collect();
        // Nodes the profile cannot use come last.
        node_at.sort_by_key(|&v| (!in_ch[v as usize], std::cmp::Reverse(level[v as usize]), v));
        drop(level);
        let mut pos = vec![NONE; n_all];
        for (p, &v) in node_at.iter().enumerate() {
            pos[v as usize] = p as u32;
        }
        let arcs = |g: &Upward| -> Option<Arcs> {
            let mut first = Vec::with_capacity(n_all + 1);
            let mut src = Vec::with_capacity(g.adj.len());
            let mut w = Vec::with_capacity(g.adj.len());
            first.push(0);
            for (p, &v) in node_at.iter().enumerate() {
                for e in g.edges(v) {
                    let s = *pos.get(g.adj[e] as usize)?;
                    if s as usize >= p {
                        return None;
                    }
                    src.push(s);
                    w.push(g.ms[e].min(INF as u64) as u32);
                }
                first.push(src.len() as u32);
            }
            Some(Arcs { first, src, w })
        };
        Some(Sweep {
            fwd: arcs(&ch.down)?,
            bwd: arcs(&ch.up)?,
            pos,
            node_at,
            arc_meters: OnceLock::new(),
        })
    }

    /// Sweep position of a node (`None` past the network).
    pub(crate) fn pos(&self, v: u32) -> Option<usize> {
        self.pos.get(v as usize).map(|&p| p as usize)
    }

    /// One point's times to (`backward`: from) every node, left in `labels` by sweep position
    /// ([`Sweep::pos`]; `>= MAX_MS` = unreachable). Returns the upward search space as
    /// `(position, ms, meters)` sorted by position, which [`Sweep::meters`] needs.
    pub(crate) fn single(
        &self,
        ch: &Ch,
        start: &[Terminal],
        backward: bool,
        labels: &mut Vec<u32>,
    ) -> Vec<(u32, u64, f64)> {
        let mut space = self.seed::<1>(
            ch,
            std::slice::from_ref(&Some(start.to_vec())),
            backward,
            labels,
        );
        let arcs = if backward { &self.bwd } else { &self.fwd };
        sweep::<1>(arcs, labels);
        for x in &mut space {
            x.0 = self.pos[x.0 as usize];
        }
        space.sort_unstable_by_key(|x| x.0);
        space
    }

    fn arc_meters(&self, ch: &Ch) -> &[Vec<f64>; 2] {
        self.arc_meters.get_or_init(|| {
            // The same traversal as `build`, so the lengths line up with the arcs.
            [&ch.down, &ch.up].map(|g| {
                self.node_at
                    .iter()
                    .flat_map(|&v| g.edges(v).map(|e| g.meters[e]))
                    .collect()
            })
        })
    }

    /// [`Sweep::single`] that also carries the length of each label's fastest route, in
    /// `meters` by position: for one-to-many queries, which need a length for every target.
    pub(crate) fn single_with_meters(
        &self,
        ch: &Ch,
        start: &[Terminal],
        backward: bool,
        labels: &mut Vec<u32>,
        meters: &mut Vec<f64>,
    ) {
        let space = self.seed::<1>(
            ch,
            std::slice::from_ref(&Some(start.to_vec())),
            backward,
            labels,
        );
        meters.clear();
        meters.resize(labels.len(), 0.0);
        for &(v, d, m) in &space {
            let p = self.pos[v as usize] as usize;
            if d.min(INF as u64) as u32 == labels[p] {
                meters[p] = m;
            }
        }
        let (arcs, len) = if backward {
            (&self.bwd, &self.arc_meters(ch)[1])
        } else {
            (&self.fwd, &self.arc_meters(ch)[0])
        };
        for (p, r) in arcs.first.windows(2).enumerate() {
            let (done, rest) = labels.split_at_mut(p);
            let (m_done, m_rest) = meters.split_at_mut(p);
            let (Some(dv), Some(mv)) = (rest.first_mut(), m_rest.first_mut()) else {
                return;
            };
            let r = r[0] as usize..r[1] as usize;
            for ((&s, &w), &l) in arcs.src[r.clone()]
                .iter()
                .zip(&arcs.w[r.clone()])
                .zip(&len[r])
            {
                let s = s as usize;
                let (Some(&du), Some(&mu)) = (done.get(s), m_done.get(s)) else {
                    continue;
                };
                // Select rather than branch: which arc wins is unpredictable.
                let c = du + w;
                let take = c < *dv;
                *dv = if take { c } else { *dv };
                *mv = if take { mu + l } else { *mv };
            }
        }
    }

    /// Length of a fastest route behind label `p` of [`Sweep::single`]: walks back along arcs
    /// whose label difference equals their weight (any such arc lies on a fastest route) until
    /// the label is the upward search's own, then adds the unpacked lengths. A few dozen arcs,
    /// so lengths cost nothing in the sweep itself, which stays a plain `min` loop.
    pub(crate) fn meters(
        &self,
        ch: &Ch,
        backward: bool,
        labels: &[u32],
        space: &[(u32, u64, f64)],
        mut p: usize,
    ) -> Option<f64> {
        let (arcs, g) = if backward {
            (&self.bwd, &ch.up)
        } else {
            (&self.fwd, &ch.down)
        };
        let mut m = 0.0;
        loop {
            let d = *labels.get(p)?;
            if d >= INF {
                return None;
            }
            if let Ok(i) = space.binary_search_by_key(&(p as u32), |x| x.0) {
                if space[i].1 == d as u64 {
                    return Some(m + space[i].2);
                }
            }
            let r = arcs.first[p] as usize..arcs.first[p + 1] as usize;
            let base = g.edges(self.node_at[p]).start;
            let e = r
                .clone()
                .find(|&e| labels[arcs.src[e] as usize] + arcs.w[e] == d)?;
            m += g.meters[base + (e - r.start)];
            p = arcs.src[e] as usize;
        }
    }

    /// Times between each terminal set of `starts` and every node,
    /// written to `out[k]` by node id (`TravelTimes::UNREACHABLE` where none) in one sweep.
    /// `labels` is a reused buffer.
    pub(crate) fn run(
        &self,
        ch: &Ch,
        starts: &[Option<Vec<Terminal>>],
        backward: bool,
        labels: &mut Vec<u32>,
        out: &mut [&mut [u32]],
    ) {
        // The lane count is a compile-time constant so the inner loop unrolls and vectorises.
        match starts.len() {
            0 => {}
            1 => self.run_k::<1>(ch, starts, backward, labels, out),
            2 => self.run_k::<2>(ch, starts, backward, labels, out),
            3 | 4 => self.run_k::<4>(ch, starts, backward, labels, out),
            5..=8 => self.run_k::<8>(ch, starts, backward, labels, out),
            _ => {
                for (s, o) in starts.chunks(16).zip(out.chunks_mut(16)) {
                    self.run_k::<16>(ch, s, backward, labels, o);
                }
            }
        }
    }

    /// Resets `labels` to `K` lanes and seeds each lane with its point's upward search.
    /// Returns the last lane's search space (by node id), which [`Sweep::single`] keeps.
    fn seed<const K: usize>(
        &self,
        ch: &Ch,
        starts: &[Option<Vec<Terminal>>],
        backward: bool,
        labels: &mut Vec<u32>,
    ) -> Vec<(u32, u64, f64)> {
        debug_assert!(starts.len() <= K);
        labels.clear();
        labels.resize(self.pos.len() * K, INF);
        let mut sc = ch.scratch();
        let mut space = Vec::new();
        let (g, other) = if backward {
            (&ch.down, &ch.up)
        } else {
            (&ch.up, &ch.down)
        };
        for (k, s) in starts.iter().enumerate() {
            let Some(s) = s else { continue };
            space.clear();
            ch.upward_search(g, other, s, &mut sc, &mut space);
            for &(v, ms, _) in &space {
                let l = &mut labels[self.pos[v as usize] as usize * K + k];
                *l = (*l).min(ms.min(INF as u64) as u32);
            }
        }
        ch.give_back(sc);
        space
    }

    fn run_k<const K: usize>(
        &self,
        ch: &Ch,
        starts: &[Option<Vec<Terminal>>],
        backward: bool,
        labels: &mut Vec<u32>,
        out: &mut [&mut [u32]],
    ) {
        debug_assert!(out.len() == starts.len());
        self.seed::<K>(ch, starts, backward, labels);
        let arcs = if backward { &self.bwd } else { &self.fwd };
        sweep::<K>(arcs, labels);
        for (v, &p) in self.pos.iter().enumerate() {
            let row = &labels[p as usize * K..p as usize * K + K];
            for (o, &l) in out.iter_mut().zip(row) {
                o[v] = if l >= INF {
                    TravelTimes::UNREACHABLE
                } else {
                    l
                };
            }
        }
    }
}

/// The PHAST sweep over `K`-lane labels.
fn sweep<const K: usize>(arcs: &Arcs, labels: &mut [u32]) {
    for (p, r) in arcs.first.windows(2).enumerate() {
        let (done, rest) = labels.split_at_mut(p * K);
        let Some((dv, _)) = rest.split_first_chunk_mut::<K>() else {
            return;
        };
        let r = r[0] as usize..r[1] as usize;
        for (&s, &w) in arcs.src[r.clone()].iter().zip(&arcs.w[r]) {
            let s = s as usize * K;
            let Some(du) = done.get(s..s + K) else {
                continue;
            };
            for (a, &b) in dv.iter_mut().zip(du) {
                *a = (*a).min(b + w);
            }
        }
    }
}

/// Points per sweep for batches, 0 = [`lanes_for`]. Set only by `raw::set_lanes`, to measure
/// the choice and to test every lane width.
pub(crate) static LANES: AtomicUsize = AtomicUsize::new(0);

/// Points per sweep: as many as keep the lane buffer (4 bytes × nodes × lanes) within 4 MiB,
/// between 2 and 8. Measured (bench/RESULTS.md): 8 lanes are best at 17k–40k nodes, 4 at
/// 200k; 16 lanes and larger buffers lose to cache misses.
pub(crate) fn lanes_for(nodes: usize) -> usize {
    match LANES.load(Ordering::Relaxed) {
        0 => {
            let fit = (4 << 20) / (4 * nodes.max(1));
            [8, 4, 2].into_iter().find(|&k| k <= fit).unwrap_or(2)
        }
        l => l.clamp(1, 16),
    }
}

/// How one-to-many and many-to-one queries pick their engine: 0 = by point count
/// ([`choose_phast`]), 1 = always the search over the points' upward search spaces, 2 = always
/// PHAST. Set only by `raw::force_one_side`, for tests and measurements.
pub(crate) static ONE_SIDE: AtomicU8 = AtomicU8::new(0);

/// Whether a query between one point and `many` others should run one PHAST sweep from the
/// one rather than search the others' upward search spaces: from `min` points on, the
/// crossover measured for that kind of query (bench/RESULTS.md).
pub(crate) fn choose_phast(ch: &Ch, many: usize, min: usize) -> bool {
    match ONE_SIDE.load(Ordering::Relaxed) {
        1 => false,
        2 => ch.phast().is_some(),
        _ => many >= min && ch.phast().is_some(),
    }
}

impl RoadNetwork {
    /// Runs `starts` (one terminal set per point, `None` = invalid point) through PHAST in
    /// batches of [`LANES`], handing each finished table to `f` in order. Falls back to plain
    /// Dijkstra when the profile has no hierarchy.
    pub(crate) fn phast_each(
        &self,
        profile: Profile,
        points: &[Snap],
        direction: Direction,
        f: &mut dyn FnMut(usize, &TravelTimes),
    ) {
        let n = self.node_count();
        let backward = direction == Direction::Backward;
        let ends = |s: &Snap| {
            if backward {
                self.targets(profile, s)
            } else {
                self.sources(profile, s)
            }
        };
        let sweep = self.ch(profile).and_then(|c| Some((c, c.phast()?)));
        let Some((ch, sw)) = sweep else {
            for (i, s) in points.iter().enumerate() {
                f(i, &self.all_dijkstra(profile, s, direction));
            }
            return;
        };
        let mut tables: Vec<TravelTimes> = Vec::new();
        let mut labels = Vec::new();
        let lanes = lanes_for(n);
        for (b, chunk) in points.chunks(lanes).enumerate() {
            let starts: Vec<Option<Vec<Terminal>>> = chunk.iter().map(ends).collect();
            tables.truncate(chunk.len());
            for (k, s) in chunk.iter().enumerate() {
                match tables.get_mut(k) {
                    Some(t) => t.origin = s.clone(),
                    None => tables.push(TravelTimes::unreachable(profile, direction, s, n)),
                }
            }
            let mut out: Vec<&mut [u32]> = tables.iter_mut().map(|t| &mut t.ms[..]).collect();
            sw.run(ch, &starts, backward, &mut labels, &mut out);
            for (k, t) in tables.iter().enumerate() {
                f(b * lanes + k, t);
            }
        }
    }

    /// Plain Dijkstra to or from every node.
    pub(crate) fn all_dijkstra(
        &self,
        profile: Profile,
        at: &Snap,
        direction: Direction,
    ) -> TravelTimes {
        let n = self.node_count();
        let mut t = TravelTimes::unreachable(profile, direction, at, n);
        let backward = direction == Direction::Backward;
        let ends = if backward {
            self.targets(profile, at)
        } else {
            self.sources(profile, at)
        };
        if let Some(ends) = ends {
            let d = crate::dijkstra::all(self, profile, &ends, backward);
            for (o, d) in t.ms.iter_mut().zip(d) {
                if d < MAX_MS {
                    *o = d as u32;
                }
            }
        }
        t
    }
}

impl RoadNetwork {
    /// Travel times from `from` to every node ([`Direction::Forward`]) by one PHAST sweep of the
    /// contraction hierarchy. A snap from another network gives a table with nothing
    /// reachable.
    pub fn one_to_all(&self, profile: Profile, from: &Snap) -> TravelTimes {
        self.many_to_all(profile, std::slice::from_ref(from), Direction::Forward)
            .pop()
            .unwrap_or_else(|| {
                TravelTimes::unreachable(profile, Direction::Forward, from, self.node_count())
            })
    }

    /// Travel times from every node to `to` ([`Direction::Backward`]): which units reach an
    /// incident fastest, with one backward sweep instead of a search per unit.
    pub fn all_to_one(&self, profile: Profile, to: &Snap) -> TravelTimes {
        self.many_to_all(profile, std::slice::from_ref(to), Direction::Backward)
            .pop()
            .unwrap_or_else(|| {
                TravelTimes::unreachable(profile, Direction::Backward, to, self.node_count())
            })
    }

    /// One table per point, in order: [`RoadNetwork::one_to_all`] (`Forward`) or
    /// [`RoadNetwork::all_to_one`] (`Backward`) for each, several points per sweep (faster than
    /// one call per point). Memory: 4 bytes × nodes per point; to reduce the tables as they come
    /// (say, to the fastest unit per node) without holding them all, use
    /// [`RoadNetwork::many_to_all_with`].
    pub fn many_to_all(
        &self,
        profile: Profile,
        points: &[Snap],
        direction: Direction,
    ) -> Vec<TravelTimes> {
        let mut out = Vec::with_capacity(points.len());
        self.phast_each(profile, points, direction, &mut |_, t| out.push(t.clone()));
        out
    }

    /// Like [`RoadNetwork::many_to_all`], but hands each table to `f` (with the point's index)
    /// as soon as its sweep is done, reusing the tables' memory: only a few tables exist at any
    /// time.
    pub fn many_to_all_with(
        &self,
        profile: Profile,
        points: &[Snap],
        direction: Direction,
        mut f: impl FnMut(usize, &TravelTimes),
    ) {
        self.phast_each(profile, points, direction, &mut f);
    }

    /// Reference implementation of [`RoadNetwork::one_to_all`] with plain Dijkstra.
    pub fn one_to_all_dijkstra(&self, profile: Profile, from: &Snap) -> TravelTimes {
        self.all_dijkstra(profile, from, Direction::Forward)
    }

    /// Reference implementation of [`RoadNetwork::all_to_one`] with plain Dijkstra (on the
    /// reversed graph).
    pub fn all_to_one_dijkstra(&self, profile: Profile, to: &Snap) -> TravelTimes {
        self.all_dijkstra(profile, to, Direction::Backward)
    }
}

/// From this many candidates on, `nearest_k` runs one backward sweep (without meters).
/// Measured crossovers: 200–300 candidates on Liechtenstein (17k nodes), 100–200 on a
/// generated 200k-node city, 300–500 on a 1M-node one (bench/RESULTS.md).
pub(crate) const NEAREST_PHAST_MIN: usize = 250;

/// The `k` of `srcs` (terminal sets of the candidates) that reach `ends` (the target's
/// terminals) fastest, by one backward sweep read at every candidate: `(candidate, ms,
/// meters)` sorted by time then index, lengths recovered for the winners only. `direct(i)`:
/// the cost of candidate `i` driving straight along the target's segment, if it shares it.
pub(crate) fn nearest_k_sweep(
    ch: &Ch,
    sw: &Sweep,
    ends: &[Terminal],
    srcs: &[Option<Vec<Terminal>>],
    direct: impl Fn(usize) -> Option<(u64, f64)>,
    k: usize,
) -> Vec<(usize, u64, f64)> {
    let mut labels = Vec::new();
    let space = sw.single(ch, ends, true, &mut labels);
    // (ms, candidate, node the route leaves from, partial meters), or node NONE and the whole
    // length for a direct run.
    let mut best: Vec<(u64, usize, u32, f64)> = Vec::new();
    for (i, srcs) in srcs.iter().enumerate() {
        let Some(srcs) = srcs else { continue };
        let mut b: Option<(u64, u32, f64)> = None;
        for x in srcs {
            let Some(&d) = sw.pos(x.node).and_then(|p| labels.get(p)) else {
                continue;
            };
            if (d as u64) < MAX_MS && b.is_none_or(|b| d as u64 + x.ms < b.0) {
                b = Some((d as u64 + x.ms, x.node, x.meters));
            }
        }
        if let Some((ms, m)) = direct(i) {
            if b.is_none_or(|b| ms <= b.0) {
                b = Some((ms, NONE, m));
            }
        }
        if let Some((ms, node, m)) = b {
            best.push((ms, i, node, m));
        }
    }
    let key = |x: &(u64, usize, u32, f64)| (x.0, x.1);
    if best.len() > k {
        best.select_nth_unstable_by_key(k, key);
        best.truncate(k);
    }
    best.sort_unstable_by_key(key);
    best.into_iter()
        .filter_map(|(ms, i, node, m)| {
            let m = if node == NONE {
                m
            } else {
                m + sw.meters(ch, true, &labels, &space, sw.pos(node)?)?
            };
            Some((i, ms, m))
        })
        .collect()
}

impl RoadNetwork {
    /// [`RoadNetwork::nearest_k`] by [`nearest_k_sweep`]. `None` when there are too few
    /// candidates for that to pay, or the profile has no hierarchy.
    pub(crate) fn nearest_k_phast(
        &self,
        profile: Profile,
        at: &Snap,
        candidates: &[Snap],
        k: usize,
    ) -> Option<Vec<(usize, f64, f64)>> {
        let ch = self.ch(profile)?;
        if !choose_phast(ch, candidates.len(), NEAREST_PHAST_MIN) {
            return None;
        }
        let sw = ch.phast()?;
        let Some(ends) = self.targets(profile, at) else {
            return Some(Vec::new());
        };
        let srcs: Vec<Option<Vec<Terminal>>> = candidates
            .iter()
            .map(|c| self.sources(profile, c))
            .collect();
        let direct = |i: usize| {
            let c = &candidates[i];
            (c.segment == at.segment)
                .then(|| self.direct(profile, c, at))
                .flatten()
        };
        let v = nearest_k_sweep(ch, sw, &ends, &srcs, direct, k);
        // Millimetres, like `matrix`.
        Some(
            v.into_iter()
                .map(|(i, ms, m)| (i, ms as f64 / 1000.0, (m * 1000.0).round() / 1000.0))
                .collect(),
        )
    }
}
