//! Interception planning (设卡布控): a cordon of blocked intersections, each held by its own
//! unit before the suspect can get there, that cuts every road from the suspect to the outside.
//!
//! # Model
//!
//! The crime happens at time 0 at `origin`; the suspect drives from there at once, on the
//! roads a car may use, obeying one-way streets, either at the `car` profile's speeds or at a
//! fixed speed on every road. `T(v)` is the earliest time the suspect can be at node `v`
//! (plain shortest path, ignoring any block, so it never overstates the time we have).
//! Units start moving at `head_start_s` and drive the `police` profile; unit `u` arrives at
//! `v` at `H + d_u(v)`. Unit `u` *holds* `v` when `H + d_u(v) <= T(v)`. A cordon is a set of
//! intersections (three or more roads meet; a given exit may be blocked wherever it is), one
//! distinct unit each, such that every suspect route from the origin to an exit passes through
//! a held cordon node. Exits are the given points, or else [`RoadNetwork::edge_nodes`].
//!
//! # Algorithm: adaptive region growing
//!
//! The planner grows the *inside* (the area the suspect may reach and that will be searched)
//! from the origin; its *frontier* (nodes one road beyond the inside) is always a cut between
//! origin and exits. It repeats:
//!
//! 1. **Absorb** every frontier node that cannot be held: a shape point (not an
//!    intersection), or an intersection no unit reaches before the suspect (tested with one
//!    multi-source search from all units). Absorbing moves the node inside and its successors
//!    onto the frontier, in order of `T`, so the inside grows first where the suspect is fast.
//!    An exit that must be absorbed is *breached*: the suspect gets there first.
//! 2. **Prune** frontier nodes that are not needed: those from which no exit can be reached
//!    without crossing the inside or another frontier node (dead-end pockets).
//! 3. **Match** the needed nodes to distinct units (each node's candidate units: the `K`
//!    earliest to arrive before the suspect, from a backward search bounded by `T(v) - H`).
//!    Exits are matched first: an inner node left without a unit can move outward, an exit
//!    cannot. If every needed node gets a unit, that frontier is the cordon. Otherwise the
//!    nodes left unmatched are absorbed (the cut moves outward there, where the suspect
//!    arrives later) and the loop goes on.
//!
//! If the growth breaches an exit, the exits themselves are tried as the cut (matched
//! optimally): the largest area, but complete whenever holding every exit in time is possible,
//! so the planner never returns a partial plan where the seal-all-exits baseline succeeds.
//!
//! The first cordon found is the one with the smallest inside this growth order meets (fewest
//! enclosed nodes to search afterwards); its units are then assigned optimally for the
//! earliest closing time, then the least total driving (the same exact assignment as
//! [`super::blockade`]). If an exit was breached, the plan is partial: the frontier state with
//! the fewest open ways out (breached exits plus needed nodes without a unit), with those
//! routes listed. The planner is a heuristic: it does not prove that no cordon enclosing fewer
//! nodes exists. Every answer can be checked independently (`tests/it/plan.rs` does).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::assign::{assign, Matcher, FREE};
use super::graph::Scratch;
use super::{exit_nodes, invalid, snap_point};
use crate::network::{RoadNetwork, NONE};
use crate::Profile;
use crate::RoadsError;

/// How fast the suspect drives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspectSpeed {
    /// The `car` profile's speeds (class defaults or the input's explicit speeds).
    CarProfile,
    /// The same speed in km/h on every road a car may use.
    FixedKmh(f64),
}

/// What the planner is asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterceptRequest {
    /// The suspect's last known position `[lon, lat]` at time 0.
    pub origin: [f64; 2],
    /// Seconds between time 0 and the moment units can start moving.
    pub head_start_s: f64,
    /// The suspect's speed model.
    pub suspect: SuspectSpeed,
    /// Positions `[lon, lat]` of the available units; results name units by index here.
    pub units: Vec<[f64; 2]>,
    /// Points that must be sealed (e.g. a district's accesses); `None`: the network's edge.
    pub exits: Option<Vec<[f64; 2]>>,
}

/// One blocked intersection of a cordon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CordonPoint {
    /// Graph node.
    pub node: u32,
    /// Longitude of the intersection.
    pub lon: f64,
    /// Latitude of the intersection.
    pub lat: f64,
    /// Index of the unit sent there (into [`InterceptRequest::units`]).
    pub unit: usize,
    /// When the unit arrives, in seconds after time 0.
    pub unit_arrival_s: f64,
    /// The earliest the suspect could be there, in seconds after time 0.
    pub suspect_earliest_s: f64,
    /// The unit's route `[lon, lat]` from its position to the intersection.
    pub route: Vec<[f64; 2]>,
}

/// A way out that the plan leaves open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenRoute {
    /// The node where the route leaves the area without a unit in time.
    pub node: u32,
    /// Its longitude.
    pub lon: f64,
    /// Its latitude.
    pub lat: f64,
    /// The earliest the suspect could be there, in seconds.
    pub suspect_earliest_s: f64,
    /// The exit node the route reaches.
    pub exit_node: u32,
    /// The suspect's path `[lon, lat]` from the origin through `node` to the exit.
    pub path: Vec<[f64; 2]>,
}

/// A remark of the planner on how its answer came about, as a code with its parameters, so that
/// each client words it in its own language. Serialised as `{"code": "origin_off_road",
/// "meters": 167}`; `Display` gives the English wording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Note {
    /// The origin lies this far from the nearest road the suspect can drive; the plan starts
    /// from that road.
    OriginOffRoad {
        /// Metres, rounded.
        meters: f64,
    },
    /// This many units are too far from any road and were left out.
    UnitsOffRoad {
        /// How many.
        units: usize,
    },
    /// No exit can be reached from the origin: the suspect is already enclosed.
    AlreadyEnclosed,
    /// Routes are open but could not be traced (the exits are unreachable past them).
    OpenRoutesUntraced,
    /// No complete cordon: this many routes stay open (not enough units in time).
    Incomplete {
        /// Routes left open.
        open_routes: usize,
    },
    /// How the search went: rounds of region growing, nodes absorbed into the region.
    Search {
        /// Rounds.
        rounds: usize,
        /// Nodes absorbed.
        absorbed: usize,
    },
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::OriginOffRoad { meters } => write!(
                f,
                "the origin is {meters:.0} m from the nearest road the suspect can drive; planned from that road"
            ),
            Note::UnitsOffRoad { units } => write!(
                f,
                "{units} unit(s) are too far from any road and were left out"
            ),
            Note::AlreadyEnclosed => f.write_str(
                "no exit can be reached from the origin: the suspect is already enclosed",
            ),
            Note::OpenRoutesUntraced => {
                f.write_str("open routes could not be traced (exits unreachable past them)")
            }
            Note::Incomplete { open_routes } => write!(
                f,
                "no complete cordon found: {open_routes} route(s) stay open (not enough units in time)"
            ),
            Note::Search { rounds, absorbed } => {
                write!(f, "{rounds} round(s), {absorbed} node(s) absorbed")
            }
        }
    }
}

/// The planner's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterceptPlan {
    /// Whether every route to an exit is cut by a point held in time.
    pub complete: bool,
    /// When the last cordon point is held, in seconds after time 0 (0 for an empty cordon).
    pub closing_s: f64,
    /// The blocked intersections, by node id.
    pub cordon: Vec<CordonPoint>,
    /// Routes left open (empty when complete).
    pub open_routes: Vec<OpenRoute>,
    /// Nodes the suspect can still reach once the cordon stands (the area to search),
    /// cordon nodes excluded. For a partial plan, what is reachable without crossing the
    /// cordon, which includes the way out.
    pub enclosed_nodes: usize,
    /// Exit nodes the suspect could reach without a cordon.
    pub reachable_exits: usize,
    /// Units that could not be placed on the network (too far from any road).
    pub unusable_units: Vec<usize>,
    /// Anything the dispatcher should know about how the answer came about.
    pub notes: Vec<Note>,
    /// Planning time in milliseconds.
    pub elapsed_ms: f64,
    /// Where the time went: (phase, milliseconds), in order.
    pub phases_ms: Vec<(String, f64)>,
}

/// Candidate units kept per frontier node for the matching.
const K_CANDIDATES: usize = 8;
/// Nodes a pocket may hold before [`Frontier::needed_local`] treats it as a way out.
const POCKET_BUDGET: usize = 64;
/// An origin farther than this from its road gets a note saying so.
const ORIGIN_OFF_ROAD_NOTE_M: f64 = 100.0;
/// Open routes listed at most.
const MAX_OPEN_ROUTES: usize = 50;

/// Reverse adjacency: for node `v`, the edges `(tail, edge index)` entering it.
pub(crate) struct InEdges {
    first: Vec<u32>,
    tail: Vec<u32>,
    edge: Vec<u32>,
}

impl InEdges {
    pub fn build(net: &RoadNetwork) -> Self {
        let p = &net.p;
        let n = net.node_count();
        let mut count = vec![0u32; n + 1];
        for &h in &p.head {
            count[h as usize + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let m = p.head.len();
        let mut tail = vec![0u32; m];
        let mut edge = vec![0u32; m];
        let mut fill = count.clone();
        for u in 0..n {
            for e in p.first_out[u] as usize..p.first_out[u + 1] as usize {
                let h = p.head[e] as usize;
                let k = fill[h] as usize;
                tail[k] = u as u32;
                edge[k] = e as u32;
                fill[h] += 1;
            }
        }
        InEdges {
            first: count,
            tail,
            edge,
        }
    }

    pub fn entering(&self, v: u32) -> impl Iterator<Item = (u32, usize)> + '_ {
        let v = v as usize;
        (self.first[v] as usize..self.first[v + 1] as usize)
            .map(move |k| (self.tail[k], self.edge[k] as usize))
    }
}

struct Ctx<'a> {
    net: &'a RoadNetwork,
    rev: InEdges,
    /// Suspect's earliest arrival per node (ms; MAX unreachable).
    t: Vec<u64>,
    exits: Vec<u32>,
    is_exit: Vec<bool>,
    is_cand: Vec<bool>,
    /// For nodes of a dead-end tree without an exit (peeled off the road graph's 2-core), the
    /// neighbour toward the core; `NONE` elsewhere.
    tree_parent: Vec<u32>,
    /// The `K_CANDIDATES` earliest units at every node: `labels[v * K + i]` is
    /// (unit, arrival ms after time 0, head start included), sorted by arrival; `label_n[v]`
    /// says how many are set.
    labels: Vec<(u32, u32)>,
    label_n: Vec<u8>,
    suspect_w: Box<dyn Fn(usize) -> Option<u64> + 'a>,
    /// Whether the suspect may drive edge `e` (`suspect_w(e).is_some()`, without the call:
    /// the frontier's walks ask it for every edge they look at).
    car_ok: &'a [u32],
    scratch: Scratch,
}

impl Ctx<'_> {
    fn holdable(&self, v: u32) -> bool {
        let vi = v as usize;
        self.is_cand[vi]
            && self.label_n[vi] > 0
            && self.labels[vi * K_CANDIDATES].1 as u64 <= self.t[vi]
    }

    /// The earliest units (unit, arrival ms) that beat the suspect to `v`.
    fn candidates(&self, v: u32) -> Vec<(usize, u64)> {
        let vi = v as usize;
        let k = self.label_n[vi] as usize;
        self.labels[vi * K_CANDIDATES..vi * K_CANDIDATES + k]
            .iter()
            .filter(|l| l.1 as u64 <= self.t[vi])
            .map(|&(u, a)| (u as usize, a as u64))
            .collect()
    }
}

/// Per node, its K best (unit, arrival ms) in `.0[v * K..]` and how many are set in `.1[v]`.
type Labels = (Vec<(u32, u32)>, Vec<u8>);

/// The `K_CANDIDATES` earliest units at every node, from one PHAST sweep per unit (batched by
/// the road engine): every unit's exact time to every node, each node keeping its K best.
/// Measured against a k-label Dijkstra from all units at once, this was 1.3-3× faster. The
/// units are split over the machine's cores (up to four), each part keeping its own K best,
/// merged at the end.
fn k_nearest_units(net: &RoadNetwork, unit_snaps: &[Option<crate::Snap>], head_ms: u64) -> Labels {
    let n = net.node_count();
    let units: Vec<(u32, crate::Snap)> = unit_snaps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.clone().map(|s| (i as u32, s)))
        .collect();
    // A part needs enough sweeps to pay for its own label table.
    let parts = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(4)
        .min(units.len().div_ceil(32))
        .max(1);
    let chunk = units.len().div_ceil(parts).max(1);
    let mut results: Vec<Labels> = std::thread::scope(|sc| {
        let handles: Vec<_> = units
            .chunks(chunk)
            .map(|part| sc.spawn(move || k_nearest_part(net, part, head_ms)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a k-nearest worker panicked"))
            .collect()
    });
    let (mut labels, mut count) = results
        .pop()
        .unwrap_or_else(|| (vec![(0, u32::MAX); n * K_CANDIDATES], vec![0; n]));
    let k = K_CANDIDATES;
    let mut merged = Vec::with_capacity(2 * k);
    for (other, other_n) in results {
        for x in 0..n {
            let (a, b) = (count[x] as usize, other_n[x] as usize);
            if b == 0 {
                continue;
            }
            let base = x * k;
            merged.clear();
            merged.extend_from_slice(&labels[base..base + a]);
            merged.extend_from_slice(&other[base..base + b]);
            // Ties by unit, as a single pass over the units in order would leave them.
            merged.sort_unstable_by_key(|&(u, d)| (d, u));
            let m = merged.len().min(k);
            labels[base..base + m].copy_from_slice(&merged[..m]);
            count[x] = m as u8;
        }
    }
    (labels, count)
}

/// [`k_nearest_units`] for one part of the units: `labels[v * K + i]` is (unit, arrival ms
/// after time 0, head start included, saturating), sorted by arrival.
fn k_nearest_part(net: &RoadNetwork, units: &[(u32, crate::Snap)], head_ms: u64) -> Labels {
    let n = net.node_count();
    let k = K_CANDIDATES;
    let mut labels = vec![(0u32, u32::MAX); n * k];
    let mut count = vec![0u8; n];
    // The K-th best driving time so far per node (MAX until K are known): most of a unit's
    // times lose to it, and this compact array keeps that test a tight scan over two `u32`
    // rows instead of touching the labels. Unreachable is `u32::MAX` and never wins.
    let mut worst = vec![u32::MAX; n];
    let snaps: Vec<crate::Snap> = units.iter().map(|(_, s)| s.clone()).collect();
    debug_assert_eq!(crate::TravelTimes::UNREACHABLE, u32::MAX);
    net.many_to_all_with(
        Profile::Police,
        &snaps,
        crate::Direction::Forward,
        |j, tt| {
            let u = units[j].0;
            for (x, (&ms, w)) in tt.millis().iter().zip(worst.iter_mut()).enumerate() {
                if ms >= *w {
                    continue;
                }
                let d = (ms as u64 + head_ms).min(u32::MAX as u64 - 1) as u32;
                let base = x * k;
                let c = count[x] as usize;
                // Insert in order, dropping the worst when full.
                let mut i = if c < k { c } else { k - 1 };
                while i > 0 && labels[base + i - 1].1 > d {
                    labels[base + i] = labels[base + i - 1];
                    i -= 1;
                }
                labels[base + i] = (u, d);
                if c < k {
                    count[x] += 1;
                }
                if count[x] as usize == k {
                    *w = (labels[base + k - 1].1 as u64 - head_ms) as u32;
                }
            }
        },
    );
    (labels, count)
}

/// When a frontier node is absorbed right away.
#[derive(Clone, Copy)]
enum Rule {
    /// The adaptive planner: when it cannot be held.
    Unholdable,
    /// The ring baseline: when it is not an intersection or the suspect is there before `τ`.
    Ring(u64),
}

struct Frontier {
    rule: Rule,
    inside: Vec<bool>,
    in_frontier: Vec<bool>,
    nodes: Vec<u32>,
    queue: BinaryHeap<Reverse<(u64, u32)>>,
    breached: Vec<u32>,
    absorbed: usize,
    /// Frontier nodes already found not to lead out. That never changes back: the inside and
    /// the frontier only grow, so a closed pocket stays closed.
    not_needed: Vec<bool>,
}

impl Frontier {
    fn new(ctx: &Ctx, rule: Rule, seeds: &[(u32, u64)]) -> Self {
        let n = ctx.t.len();
        let mut fr = Frontier {
            rule,
            inside: vec![false; n],
            in_frontier: vec![false; n],
            nodes: Vec::new(),
            queue: BinaryHeap::new(),
            breached: Vec::new(),
            absorbed: 0,
            not_needed: vec![false; n],
        };
        for &(v, _) in seeds {
            fr.add(ctx, v);
        }
        fr
    }

    fn add(&mut self, ctx: &Ctx, v: u32) {
        let vi = v as usize;
        if self.inside[vi] || self.in_frontier[vi] || ctx.t[vi] == u64::MAX {
            return;
        }
        self.in_frontier[vi] = true;
        self.nodes.push(v);
        let absorb = match self.rule {
            Rule::Unholdable => !ctx.holdable(v),
            Rule::Ring(tau) => !ctx.is_cand[vi] || ctx.t[vi] < tau,
        };
        if absorb {
            self.queue.push(Reverse((ctx.t[vi], v)));
        }
    }

    fn absorb(&mut self, ctx: &Ctx, v: u32) {
        let vi = v as usize;
        if !self.in_frontier[vi] {
            return;
        }
        self.in_frontier[vi] = false;
        self.inside[vi] = true;
        self.absorbed += 1;
        if ctx.is_exit[vi] {
            self.breached.push(v);
            return;
        }
        let p = &ctx.net.p;
        for e in p.first_out[vi] as usize..p.first_out[vi + 1] as usize {
            if ctx.car_ok[e] != NONE {
                self.add(ctx, p.head[e]);
            }
        }
    }

    fn drain(&mut self, ctx: &Ctx) {
        while let Some(Reverse((_, v))) = self.queue.pop() {
            self.absorb(ctx, v);
        }
        let inf = &self.in_frontier;
        self.nodes.retain(|&v| inf[v as usize]);
    }

    /// Frontier nodes that may lead out: not into a dead-end tree from its root side, and
    /// not into a pocket closed by the inside and the frontier. A pocket is recognised when a
    /// walk from the node through the outside exhausts within `POCKET_BUDGET` nodes without
    /// meeting an exit; a larger pocket counts as a way out, which costs a unit but is never
    /// wrong. Unlike [`Frontier::needed`] this costs what the frontier touches, not the
    /// network's size.
    fn needed_local(&mut self, ctx: &Ctx, stamp: &mut [u32], round: &mut u32) -> Vec<u32> {
        let p = &ctx.net.p;
        let mut out = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        for &f in &self.nodes {
            let fi = f as usize;
            if self.not_needed[fi] {
                continue;
            }
            let tp = ctx.tree_parent[fi];
            if tp != NONE && self.inside[tp as usize] {
                self.not_needed[fi] = true;
                continue;
            }
            if ctx.is_exit[fi] {
                out.push(f);
                continue;
            }
            *round = round.wrapping_add(1);
            if *round == 0 {
                stamp.iter_mut().for_each(|x| *x = 0);
                *round = 1;
            }
            let r = *round;
            stamp[fi] = r;
            stack.clear();
            stack.push(f);
            let mut seen = 0usize;
            let mut leads_out = false;
            'walk: while let Some(x) = stack.pop() {
                let xi = x as usize;
                for e in p.first_out[xi] as usize..p.first_out[xi + 1] as usize {
                    if ctx.car_ok[e] == NONE {
                        continue;
                    }
                    let y = p.head[e] as usize;
                    if stamp[y] == r || self.inside[y] || self.in_frontier[y] {
                        continue;
                    }
                    stamp[y] = r;
                    seen += 1;
                    if ctx.is_exit[y] || seen > POCKET_BUDGET {
                        leads_out = true;
                        break 'walk;
                    }
                    stack.push(y as u32);
                }
            }
            if leads_out {
                out.push(f);
            } else {
                self.not_needed[fi] = true;
            }
        }
        out.sort_unstable();
        out
    }

    /// Frontier nodes from which an exit can be reached without crossing the inside or
    /// another frontier node.
    fn needed(&self, ctx: &Ctx) -> Vec<u32> {
        let n = self.inside.len();
        let mut seen = vec![false; n];
        let mut needed = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        for &v in &ctx.exits {
            if !self.inside[v as usize] && ctx.t[v as usize] != u64::MAX {
                stack.push(v);
            }
        }
        while let Some(y) = stack.pop() {
            let yi = y as usize;
            if seen[yi] {
                continue;
            }
            seen[yi] = true;
            if self.in_frontier[yi] {
                needed.push(y);
                continue;
            }
            for (x, e) in ctx.rev.entering(y) {
                let xi = x as usize;
                if !seen[xi] && !self.inside[xi] && ctx.car_ok[e] != NONE {
                    stack.push(x);
                }
            }
        }
        needed.sort_unstable();
        needed
    }
}

/// Plans a cordon; see the module documentation for the model and the algorithm.
pub fn intercept(net: &RoadNetwork, req: &InterceptRequest) -> Result<InterceptPlan, RoadsError> {
    plan_with(net, req, Strategy::Adaptive)
}

/// Baseline: a fixed ring. For 48 time levels `τ` (quantiles of the suspect's times), the
/// cut is the first intersection beyond the area the suspect reaches before `τ`; each cut node,
/// in order of the suspect's arrival, takes the earliest free unit that beats the suspect.
/// The first level whose ring is fully staffed wins.
pub fn ring_greedy(net: &RoadNetwork, req: &InterceptRequest) -> Result<InterceptPlan, RoadsError> {
    plan_with(net, req, Strategy::RingGreedy)
}

/// Baseline: a unit on every exit the suspect can reach, assigned greedily in order of the
/// suspect's arrival (earliest free unit that beats the suspect).
pub fn seal_exits(net: &RoadNetwork, req: &InterceptRequest) -> Result<InterceptPlan, RoadsError> {
    plan_with(net, req, Strategy::SealExits)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Adaptive,
    RingGreedy,
    SealExits,
}

/// The cut a strategy settled on.
struct Selection {
    /// Nodes that need a unit.
    rows: Vec<u32>,
    /// Exits the suspect reaches before any unit.
    breached: Vec<u32>,
    rounds: usize,
    absorbed: usize,
}

fn grow_adaptive(ctx: &mut Ctx, seeds: &[(u32, u64)], units_n: usize) -> Selection {
    let mut fr = Frontier::new(ctx, Rule::Unholdable, seeds);
    // Best partial state so far: (open count, needed nodes, breached exits).
    let mut best_partial: Option<(usize, Vec<u32>, Vec<u32>)> = None;
    let mut kept: HashMap<u32, usize> = HashMap::new();
    let mut stamp = vec![0u32; ctx.t.len()];
    let mut stamp_round = 0u32;
    let mut rounds = 0usize;
    let final_rows: Vec<u32> = loop {
        rounds += 1;
        fr.drain(ctx);
        let needed = fr.needed_local(ctx, &mut stamp, &mut stamp_round);
        let unmatched = match_rows(ctx, &needed, units_n, &mut kept);
        if needed.is_empty() || unmatched.is_empty() {
            // Either a cordon, or nothing leads out any more except through breached exits.
            break needed;
        }
        let open = unmatched.len() + fr.breached.len();
        if best_partial.as_ref().is_none_or(|b| open < b.0) {
            best_partial = Some((open, needed.clone(), fr.breached.clone()));
        }
        // Move the cut outward where no unit is free in time: the suspect arrives later there.
        for v in unmatched {
            fr.queue.push(Reverse((ctx.t[v as usize], v)));
        }
    };
    let (mut rows, mut breached, open) = match best_partial {
        Some((open, rows, breached)) if open < fr.breached.len() => (rows, breached, open),
        _ => (final_rows, fr.breached.clone(), fr.breached.len()),
    };
    if !breached.is_empty() {
        // Growth in this order breached an exit. Holding the exits themselves may still work
        // (units may reach the city's edge in time where the suspect's nearer ways out were
        // too many to cover): the largest area, but a complete cordon beats a partial one.
        let exit_rows: Vec<u32> = ctx
            .exits
            .iter()
            .copied()
            .filter(|&e| ctx.t[e as usize] != u64::MAX)
            .collect();
        let unmatched = match_rows(ctx, &exit_rows, units_n, &mut HashMap::new());
        if unmatched.len() < open {
            // Exits left without a unit stay rows: the assignment reports them as open.
            rows = exit_rows;
            breached = Vec::new();
        }
    }
    Selection {
        rows,
        breached,
        rounds,
        absorbed: fr.absorbed,
    }
}

/// Matches `needed` nodes to distinct units, starting from the previous round's pairs in
/// `kept` (updated); returns the nodes left without a unit.
fn match_rows(
    ctx: &Ctx,
    needed: &[u32],
    units_n: usize,
    kept: &mut HashMap<u32, usize>,
) -> Vec<u32> {
    let lists: Vec<Vec<usize>> = needed
        .iter()
        .map(|&v| ctx.candidates(v).iter().map(|&(u, _)| u).collect())
        .collect();
    let mut m = Matcher::new(needed.len(), units_n);
    // Exits first: an unmatched node is absorbed and the cut moves outward there, which an exit
    // cannot do (absorbing it lets the suspect out). Augmenting never unmatches a matched row,
    // so exits matched in this first pass keep their units; inner nodes compete for the rest.
    let mut unmatched = Vec::new();
    for pass_exits in [true, false] {
        let rows =
            || (0..needed.len()).filter(move |&r| ctx.is_exit[needed[r] as usize] == pass_exits);
        for r in rows() {
            if let Some(&u) = kept.get(&needed[r]) {
                if m.row_of_col[u] == FREE && lists[r].contains(&u) {
                    m.set(r, u);
                }
            }
        }
        for r in rows() {
            if m.col_of_row[r] == FREE && !m.augment(r, &lists) {
                unmatched.push(needed[r]);
            }
        }
    }
    kept.clear();
    for (r, &v) in needed.iter().enumerate() {
        if m.col_of_row[r] != FREE {
            kept.insert(v, m.col_of_row[r]);
        }
    }
    unmatched
}

/// Peels dead ends that are not exits off the road graph (car roads, either direction) until
/// only its 2-core and the trees holding exits remain; returns each peeled node's neighbour
/// toward the rest of the graph.
fn dead_end_trees(net: &RoadNetwork, is_exit: &[bool]) -> Vec<u32> {
    let n = net.node_count();
    let p = &net.p;
    let car = &p.ms[Profile::Car.idx()];
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n];
    for u in 0..n {
        for e in p.first_out[u] as usize..p.first_out[u + 1] as usize {
            let v = p.head[e] as usize;
            if car[e] != NONE && v != u {
                adj[u].push(v as u32);
                adj[v].push(u as u32);
            }
        }
    }
    for a in adj.iter_mut() {
        a.sort_unstable();
        a.dedup();
    }
    let mut deg: Vec<u32> = adj.iter().map(|a| a.len() as u32).collect();
    let mut removed = vec![false; n];
    let mut parent = vec![NONE; n];
    let mut stack: Vec<u32> = (0..n as u32)
        .filter(|&v| deg[v as usize] == 1 && !is_exit[v as usize])
        .collect();
    while let Some(v) = stack.pop() {
        let vi = v as usize;
        if removed[vi] || deg[vi] != 1 {
            continue;
        }
        removed[vi] = true;
        if let Some(&w) = adj[vi].iter().find(|&&w| !removed[w as usize]) {
            parent[vi] = w;
            let wi = w as usize;
            deg[wi] -= 1;
            if deg[wi] == 1 && !is_exit[wi] {
                stack.push(w);
            }
        }
    }
    parent
}

/// Greedy: rows in order of the suspect's arrival, each taking its earliest free unit.
fn greedy_pick(ctx: &Ctx, rows: &[u32]) -> (Vec<Option<usize>>, usize) {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&r| (ctx.t[rows[r] as usize], rows[r]));
    let mut used = std::collections::HashSet::new();
    let mut pick = vec![None; rows.len()];
    let mut open = 0;
    for r in order {
        let choice = ctx
            .candidates(rows[r])
            .iter()
            .find(|(u, _)| !used.contains(u))
            .map(|&(u, _)| u);
        match choice {
            Some(u) => {
                used.insert(u);
                pick[r] = Some(u);
            }
            None => open += 1,
        }
    }
    (pick, open)
}

fn ring_greedy_select(ctx: &mut Ctx, seeds: &[(u32, u64)], _units_n: usize) -> Selection {
    let mut ts: Vec<u64> = ctx.t.iter().copied().filter(|&d| d != u64::MAX).collect();
    ts.sort_unstable();
    ts.dedup();
    let levels = 48usize;
    let mut best: Option<(usize, Vec<u32>, Vec<u32>)> = None;
    let mut rounds = 0;
    let mut absorbed = 0;
    for k in 0..levels {
        let tau = ts[(ts.len() - 1) * k / (levels - 1)];
        rounds += 1;
        let mut fr = Frontier::new(ctx, Rule::Ring(tau), seeds);
        fr.drain(ctx);
        absorbed = fr.absorbed;
        let rows = fr.needed(ctx);
        let (_, open) = greedy_pick(ctx, &rows);
        let open = open + fr.breached.len();
        if best.as_ref().is_none_or(|b| open < b.0) {
            best = Some((open, rows, fr.breached.clone()));
        }
        if open == 0 {
            break;
        }
    }
    let (_, rows, breached) = best.unwrap_or_default();
    Selection {
        rows,
        breached,
        rounds,
        absorbed,
    }
}

fn seal_exits_select(ctx: &mut Ctx, _units_n: usize) -> Selection {
    let rows: Vec<u32> = ctx
        .exits
        .iter()
        .copied()
        .filter(|&e| ctx.t[e as usize] != u64::MAX)
        .collect();
    Selection {
        rows,
        breached: Vec::new(),
        rounds: 1,
        absorbed: 0,
    }
}

/// The baselines' assignment: [`greedy_pick`] on the cost rows.
fn greedy_assign(cost: &[Vec<Option<u64>>], row_t: &[u64]) -> super::assign::Assignment {
    let mut order: Vec<usize> = (0..cost.len()).collect();
    order.sort_by_key(|&r| (row_t[r], r));
    let mut used = std::collections::HashSet::new();
    let mut pairs = Vec::new();
    let mut unassigned = Vec::new();
    for r in order {
        let best = cost[r]
            .iter()
            .enumerate()
            .filter(|(u, c)| c.is_some() && !used.contains(u))
            .min_by_key(|(u, c)| (c.unwrap_or(u64::MAX), *u));
        match best {
            Some((u, c)) => {
                used.insert(u);
                pairs.push((r, u, c.unwrap_or(0)));
            }
            None => unassigned.push(r),
        }
    }
    pairs.sort_unstable();
    unassigned.sort_unstable();
    super::assign::Assignment {
        makespan: pairs.iter().map(|p| p.2).max().unwrap_or(0),
        total: pairs.iter().map(|p| p.2).sum(),
        pairs,
        unassigned,
    }
}

fn plan_with(
    net: &RoadNetwork,
    req: &InterceptRequest,
    strategy: Strategy,
) -> Result<InterceptPlan, RoadsError> {
    let started = Instant::now();
    let mut phase_start = Instant::now();
    let mut phases: Vec<(String, f64)> = Vec::new();
    let mut lap = |phases: &mut Vec<(String, f64)>, name: &str| {
        phases.push((
            name.to_owned(),
            phase_start.elapsed().as_secs_f64() * 1000.0,
        ));
        phase_start = Instant::now();
    };
    if !req.head_start_s.is_finite() || req.head_start_s < 0.0 || req.head_start_s > 86_400.0 {
        return Err(invalid(
            "head_start_s",
            "must be a number of seconds between 0 and 86400",
        ));
    }
    let speed_ms_per_m = match req.suspect {
        SuspectSpeed::CarProfile => None,
        SuspectSpeed::FixedKmh(v) if v.is_finite() && v > 0.0 && v <= 400.0 => Some(3600.0 / v),
        SuspectSpeed::FixedKmh(_) => {
            return Err(invalid(
                "suspect_speed_kmh",
                "must be a speed above 0 and at most 400 km/h",
            ))
        }
    };
    if req.units.is_empty() {
        return Err(invalid(
            "units",
            "no units given: nobody to set up a checkpoint",
        ));
    }
    let origin = snap_point(net, Profile::Car, req.origin, "origin")?;
    let p = &net.p;
    let car = &p.ms[Profile::Car.idx()];
    let suspect_w: Box<dyn Fn(usize) -> Option<u64>> = match speed_ms_per_m {
        None => Box::new(move |e| (car[e] != NONE).then_some(car[e] as u64)),
        Some(k) => Box::new(move |e| {
            (car[e] != NONE).then(|| ((p.meters[e] as f64 * k).round() as u64).max(1))
        }),
    };
    let n = net.node_count();
    let origin_terms: Vec<(u32, u64)> = net
        .sources(Profile::Car, &origin)
        .unwrap_or_default()
        .into_iter()
        .map(|t| match speed_ms_per_m {
            None => (t.node, t.ms),
            Some(k) => (t.node, (t.meters * k).round() as u64),
        })
        .collect();
    let mut scratch = Scratch::new(n);
    scratch.run(
        net,
        &origin_terms,
        &*suspect_w,
        u64::MAX,
        &|_| false,
        &mut |_, _| true,
    );
    let t = scratch.dist.clone();

    let exits = exit_nodes(net, req.exits.as_deref())?;
    let mut is_exit = vec![false; n];
    for &e in &exits {
        is_exit[e as usize] = true;
    }
    let reachable_exits = exits.iter().filter(|&&e| t[e as usize] != u64::MAX).count();
    let mut notes = Vec::new();
    // A last sighting off the roads (a field, a car park, a bad fix) is planned from the nearest
    // road; the dispatcher must know how far that is.
    if origin.distance_m > ORIGIN_OFF_ROAD_NOTE_M {
        notes.push(Note::OriginOffRoad {
            meters: origin.distance_m.round(),
        });
    }
    let head_ms = (req.head_start_s * 1000.0).round() as u64;

    // Units: snap, then the earliest units at every node.
    let mut unusable = Vec::new();
    let mut unit_snaps = vec![None; req.units.len()];
    for (i, &pos) in req.units.iter().enumerate() {
        match snap_point(net, Profile::Police, pos, "units") {
            Ok(s) => {
                unit_snaps[i] = Some(s);
            }
            Err(_) => unusable.push(i),
        }
    }
    if unusable.len() == req.units.len() {
        return Err(invalid(
            "units",
            "no unit is within reach of a road of this network",
        ));
    }
    if !unusable.is_empty() {
        notes.push(Note::UnitsOffRoad {
            units: unusable.len(),
        });
    }
    lap(&mut phases, "suspect and exits");
    let (labels, label_n) = k_nearest_units(net, &unit_snaps, head_ms);
    lap(&mut phases, "units (k nearest)");

    let deg = net.node_degrees();
    let is_cand: Vec<bool> = (0..n).map(|v| deg[v] >= 3 || is_exit[v]).collect();
    let tree_parent = dead_end_trees(net, &is_exit);
    let mut ctx = Ctx {
        net,
        rev: InEdges::build(net),
        t,
        exits,
        is_exit,
        is_cand,
        tree_parent,
        labels,
        label_n,
        suspect_w,
        car_ok: car,
        scratch,
    };

    let mut plan = InterceptPlan {
        complete: false,
        closing_s: 0.0,
        cordon: Vec::new(),
        open_routes: Vec::new(),
        enclosed_nodes: 0,
        reachable_exits,
        unusable_units: unusable,
        notes,
        elapsed_ms: 0.0,
        phases_ms: phases,
    };
    if reachable_exits == 0 {
        plan.complete = true;
        plan.enclosed_nodes = ctx.t.iter().filter(|&&d| d != u64::MAX).count();
        plan.notes.push(Note::AlreadyEnclosed);
        plan.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        return Ok(plan);
    }

    let units_n = req.units.len();
    let sel = match strategy {
        Strategy::Adaptive => grow_adaptive(&mut ctx, &origin_terms, units_n),
        Strategy::RingGreedy => ring_greedy_select(&mut ctx, &origin_terms, units_n),
        Strategy::SealExits => seal_exits_select(&mut ctx, units_n),
    };
    let Selection {
        rows,
        breached,
        rounds,
        absorbed,
    } = sel;
    let complete = breached.is_empty();
    // Optimal unit assignment for the chosen frontier: earliest closing, then least driving.
    let cost: Vec<Vec<Option<u64>>> = rows
        .iter()
        .map(|&v| {
            let mut row = vec![None; units_n];
            for (u, a) in ctx.candidates(v) {
                row[u] = Some(a);
            }
            row
        })
        .collect();
    lap(&mut plan.phases_ms, "select cut");
    let a = match strategy {
        // The baselines keep their own (greedy) choice of units.
        Strategy::RingGreedy | Strategy::SealExits => {
            let row_t: Vec<u64> = rows.iter().map(|&v| ctx.t[v as usize]).collect();
            greedy_assign(&cost, &row_t)
        }
        Strategy::Adaptive => assign(&cost, units_n),
    };
    let cordon_set: Vec<u32> = a.pairs.iter().map(|&(r, _, _)| rows[r]).collect();
    let mut blocked = vec![false; n];
    for &v in &cordon_set {
        blocked[v as usize] = true;
    }
    for &(r, u, arrival) in &a.pairs {
        let v = rows[r];
        let [lon, lat] = net.node_position(v).unwrap_or([0.0, 0.0]);
        let route = unit_snaps[u]
            .as_ref()
            .zip(net.snap_for(Profile::Police, lon, lat))
            .and_then(|(from, to)| net.route(Profile::Police, from, &to))
            .map(|r| r.geometry)
            .unwrap_or_default();
        plan.cordon.push(CordonPoint {
            node: v,
            lon,
            lat,
            unit: u,
            unit_arrival_s: arrival as f64 / 1000.0,
            suspect_earliest_s: ctx.t[v as usize] as f64 / 1000.0,
            route,
        });
    }
    plan.cordon.sort_by_key(|c| c.node);
    plan.closing_s = a.makespan as f64 / 1000.0;
    plan.complete = complete && a.unassigned.is_empty();
    let mut open: Vec<u32> = a.unassigned.iter().map(|&r| rows[r]).collect();
    open.extend(breached);
    lap(&mut plan.phases_ms, "assign and unit routes");
    plan.open_routes = open_routes(&mut ctx, &origin_terms, &open, &blocked);
    lap(&mut plan.phases_ms, "open routes");
    if !plan.complete && plan.open_routes.is_empty() && !open.is_empty() {
        plan.notes.push(Note::OpenRoutesUntraced);
    }
    // The area to search: what the suspect reaches from the origin without crossing the cordon.
    let mut enclosed = 0usize;
    let sw = &ctx.suspect_w;
    ctx.scratch.run(
        net,
        &origin_terms,
        &**sw,
        u64::MAX,
        &|v| blocked[v as usize],
        &mut |v, _| {
            if !blocked[v as usize] {
                enclosed += 1;
            }
            true
        },
    );
    plan.enclosed_nodes = enclosed;
    lap(&mut plan.phases_ms, "enclosed area");
    if !plan.complete {
        plan.notes.push(Note::Incomplete {
            open_routes: open.len(),
        });
    }
    plan.notes.push(Note::Search { rounds, absorbed });
    plan.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(plan)
}

/// For each open node: the suspect's fastest path to it, then on to the nearest exit without
/// crossing the cordon.
fn open_routes(
    ctx: &mut Ctx,
    seeds: &[(u32, u64)],
    open: &[u32],
    blocked: &[bool],
) -> Vec<OpenRoute> {
    let net = ctx.net;
    let pos = |v: u32| net.node_position(v).unwrap_or([0.0, 0.0]);
    // The suspect's fastest paths with the cordon standing: the way to each open node.
    let sw = &ctx.suspect_w;
    ctx.scratch.run(
        net,
        seeds,
        &**sw,
        u64::MAX,
        &|y| blocked[y as usize],
        &mut |_, _| true,
    );
    let heads: Vec<Option<Vec<u32>>> = open
        .iter()
        .take(MAX_OPEN_ROUTES)
        .map(|&v| (ctx.scratch.dist[v as usize] != u64::MAX).then(|| ctx.scratch.path_to(v)))
        .collect();
    let mut out = Vec::new();
    for (&v, head) in open.iter().zip(heads) {
        let Some(head) = head else { continue };
        let mut exit = None;
        let is_exit = &ctx.is_exit;
        let sw = &ctx.suspect_w;
        ctx.scratch.run(
            net,
            &[(v, 0)],
            &**sw,
            u64::MAX,
            &|y| blocked[y as usize],
            &mut |y, _| {
                if is_exit[y as usize] && !blocked[y as usize] {
                    exit = Some(y);
                    return false;
                }
                true
            },
        );
        let Some(e) = exit else { continue };
        let tail = ctx.scratch.path_to(e);
        let mut path: Vec<[f64; 2]> = head.iter().map(|&y| pos(y)).collect();
        path.extend(tail.iter().skip(1).map(|&y| pos(y)));
        let [lon, lat] = pos(v);
        out.push(OpenRoute {
            node: v,
            lon,
            lat,
            suspect_earliest_s: ctx.t[v as usize] as f64 / 1000.0,
            exit_node: e,
            path,
        });
    }
    out
}
