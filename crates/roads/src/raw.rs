//! Graph-only access to the routing core, for benchmarks on coordinate-free graphs (DIMACS `.gr`
//! files such as `bremen_time.gr`) and for comparing the engine with other libraries on exactly
//! the same edges. **Not a stable API**: hidden from the docs and used only by `benches/` and
//! `examples/`.
//!
//! [`RawGraph::from_arcs`] builds an ordinary [`RoadNetwork`] whose nodes all sit at a dummy
//! coordinate (0, 0) and whose edges carry the given weight as their travel time in ms for every
//! profile (and as their length in meters), so the contraction hierarchy, its build and the bucket
//! many-to-many search are the production code paths; only snapping is skipped (queries name
//! nodes directly, with zero partial cost at the ends).

use crate::ch::{self, Ch};
use crate::network::{Parts, RoadNetwork, NONE};
use crate::snap::Terminal;
use crate::{Profile, Result, RoadsError};

/// A network built from bare arcs, queried by node id. See the [module docs](self).
pub struct RawGraph {
    net: RoadNetwork,
}

/// The profile used for raw graphs (all profiles carry the same weights).
const P: Profile = Profile::Car;

fn term(node: u32) -> Option<Vec<Terminal>> {
    Some(vec![Terminal {
        node,
        ms: 0,
        meters: 0.0,
    }])
}

impl RawGraph {
    /// `arcs`: `(from, to, weight)` with node ids `< num_nodes` and weight > 0 (ms). Self loops
    /// are dropped; parallel arcs are kept (the hierarchy uses the cheapest).
    pub fn from_arcs(num_nodes: usize, arcs: &[(u32, u32, u32)]) -> Result<Self> {
        if arcs.is_empty() {
            return Err(RoadsError::EmptyNetwork);
        }
        if num_nodes >= NONE as usize || arcs.len() >= NONE as usize {
            return Err(RoadsError::TooLarge("raw graph".into()));
        }
        let mut arcs: Vec<(u32, u32, u32)> = arcs
            .iter()
            .copied()
            .filter(|&(a, b, _)| a != b)
            .map(|(a, b, w)| (a, b, w.clamp(1, NONE - 1)))
            .collect();
        if arcs
            .iter()
            .any(|&(a, b, _)| a as usize >= num_nodes || b as usize >= num_nodes)
        {
            return Err(RoadsError::InvalidParams(
                "arc names a node >= num_nodes".into(),
            ));
        }
        arcs.sort_unstable();
        let mut first_out = vec![0u32; num_nodes + 1];
        for &(a, _, _) in &arcs {
            first_out[a as usize + 1] += 1;
        }
        for i in 0..num_nodes {
            first_out[i + 1] += first_out[i];
        }
        let m = arcs.len() as u32;
        let head: Vec<u32> = arcs.iter().map(|x| x.1).collect();
        let ms: Vec<u32> = arcs.iter().map(|x| x.2).collect();
        let p = Parts {
            lon: vec![0.0; num_nodes],
            lat: vec![0.0; num_nodes],
            first_out,
            meters: ms.iter().map(|&w| w as f32).collect(),
            ms: [ms.clone(), ms.clone(), ms],
            // One "road" per arc, so the arrays stay consistent with what importers produce.
            edge_way: (0..m).collect(),
            seg_a: arcs.iter().map(|x| x.0).collect(),
            seg_b: head.clone(),
            seg_fwd: (0..m).collect(),
            seg_bwd: vec![NONE; arcs.len()],
            way_first: (0..=m).map(|i| 2 * i).collect(),
            way_nodes: arcs.iter().flat_map(|x| [x.0, x.1]).collect(),
            way_highway: vec![0; arcs.len()],
            way_name: vec![NONE; arcs.len()],
            names: Vec::new(),
            head,
        };
        Ok(RawGraph {
            net: RoadNetwork::from_parts(p),
        })
    }

    /// The underlying network (dummy coordinates: do not snap on it).
    pub fn network(&self) -> &RoadNetwork {
        &self.net
    }

    /// Builds the contraction hierarchy now (what the build-time benchmark measures).
    pub fn prepare(&self) {
        self.net.prepare(P);
    }

    fn ch(&self) -> Option<&Ch> {
        self.net.ch(P)
    }

    /// Shortest travel time s -> t (the point-to-point query on the hierarchy, as `route`).
    pub fn one_to_one(&self, s: u32, t: u32) -> Option<u64> {
        let (a, b) = (term(s)?, term(t)?);
        match self.ch() {
            Some(c) => c.path(&a, &b).map(|x| x.0),
            None => (s == t).then_some(0),
        }
    }

    /// The `k` of `cands` that reach `at` fastest, `(index, ms)` sorted by time then index: as
    /// `RoadNetwork::nearest_k`, one backward PHAST sweep from 250 candidates on, else the
    /// many-to-one search.
    pub fn nearest_k(&self, at: u32, cands: &[u32], k: usize) -> Vec<(usize, u64)> {
        let Some(c) = self.ch() else {
            let mut v: Vec<(usize, u64)> = (0..cands.len())
                .filter(|&i| cands[i] == at)
                .map(|i| (i, 0))
                .collect();
            v.truncate(k);
            return v;
        };
        let srcs: Vec<_> = cands.iter().map(|&x| term(x)).collect();
        if crate::phast::choose_phast(c, cands.len(), crate::phast::NEAREST_PHAST_MIN) {
            if let (Some(sw), Some(ends)) = (c.phast(), term(at)) {
                return crate::phast::nearest_k_sweep(c, sw, &ends, &srcs, |_| None, k)
                    .into_iter()
                    .map(|(i, ms, _)| (i, ms))
                    .collect();
            }
        }
        let col = ch::many_to_many(c, &srcs, &[term(at)]);
        let mut v: Vec<(usize, u64)> = col
            .iter()
            .enumerate()
            .filter_map(|(i, r)| Some((i, r.first().copied()??.0)))
            .collect();
        v.sort_unstable_by_key(|&(i, ms)| (ms, i));
        v.truncate(k);
        v
    }

    /// Travel times from `s` to each of `t` (bucket search, as `RoadNetwork::one_to_many`).
    pub fn one_to_many(&self, s: u32, t: &[u32]) -> Vec<Option<u64>> {
        self.matrix(&[s], t).pop().unwrap_or_default()
    }

    /// Travel times from each of `s` to each of `t` (bucket many-to-many, as `RoadNetwork::matrix`).
    pub fn matrix(&self, s: &[u32], t: &[u32]) -> Vec<Vec<Option<u64>>> {
        let Some(c) = self.ch() else {
            // No edge survived (only self loops): every node reaches just itself.
            return s
                .iter()
                .map(|a| t.iter().map(|b| (a == b).then_some(0)).collect())
                .collect();
        };
        let srcs: Vec<_> = s.iter().map(|&x| term(x)).collect();
        let tgts: Vec<_> = t.iter().map(|&x| term(x)).collect();
        ch::many_to_many(c, &srcs, &tgts)
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.map(|c| c.0)).collect())
            .collect()
    }
}

/// Directed edges `(tail, head, ms)` a profile may use (cheapest per node pair is not enforced),
/// for building the same graph in another library.
pub fn edges(net: &RoadNetwork, profile: Profile) -> Vec<(u32, u32, u32)> {
    let p = &net.p;
    let ms = &p.ms[profile.idx()];
    let mut out = Vec::new();
    for v in 0..net.node_count() {
        let r = p.first_out[v] as usize..p.first_out[v + 1] as usize;
        for (&w, &h) in ms[r.clone()].iter().zip(&p.head[r]) {
            if w != NONE && h as usize != v {
                out.push((v as u32, h, w));
            }
        }
    }
    out
}

/// Points per PHAST sweep in `many_to_all` (0 = automatic, else clamped to 1..=16), for
/// measuring the choice and testing every width. Process-wide.
pub fn set_lanes(lanes: usize) {
    crate::phast::LANES.store(lanes, std::sync::atomic::Ordering::Relaxed);
}

/// Which builder makes the contraction hierarchies of networks built from now on: `None` =
/// by size (fast_paths up to 300,000 nodes, the crate's own above), `Some(true)` = always the
/// crate's own, `Some(false)` = always fast_paths. For tests and measurements. Process-wide.
pub fn force_builder(own: Option<bool>) {
    let v = match own {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    crate::ch::BUILDER.store(v, std::sync::atomic::Ordering::Relaxed);
}

/// Which engine one-to-many / many-to-one queries (`one_to_many`, `nearest_k`, single-row or
/// single-column matrices) use: `None` = chosen by estimate (the default), `Some(true)` = always
/// one PHAST sweep, `Some(false)` = always the search over the points' search spaces. For
/// measuring the crossover and testing both paths. Process-wide.
pub fn force_one_side(phast: Option<bool>) {
    let v = match phast {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    };
    crate::phast::ONE_SIDE.store(v, std::sync::atomic::Ordering::Relaxed);
}

impl RawGraph {
    /// Travel times from `s` to every node (`backward`: from every node to `s`) by PHAST, in
    /// batches of the lane count; `u32::MAX` = unreachable.
    pub fn many_to_all(&self, s: &[u32], backward: bool) -> Vec<Vec<u32>> {
        let n = self.net.node_count();
        let Some((c, sw)) = self.ch().and_then(|c| Some((c, c.phast()?))) else {
            let mut out = vec![vec![u32::MAX; n]; s.len()];
            for (o, &x) in out.iter_mut().zip(s) {
                if let Some(d) = o.get_mut(x as usize) {
                    *d = 0;
                }
            }
            return out;
        };
        let lanes = crate::phast::lanes_for(n);
        let mut out = vec![vec![u32::MAX; n]; s.len()];
        let mut labels = Vec::new();
        for (src, o) in s.chunks(lanes).zip(out.chunks_mut(lanes)) {
            let starts: Vec<_> = src.iter().map(|&x| term(x)).collect();
            let mut o: Vec<&mut [u32]> = o.iter_mut().map(|v| &mut v[..]).collect();
            sw.run(c, &starts, backward, &mut labels, &mut o);
        }
        out
    }
}
