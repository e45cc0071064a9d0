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

    /// Shortest travel time s -> t (fast_paths point-to-point query on the hierarchy).
    pub fn one_to_one(&self, s: u32, t: u32) -> Option<u64> {
        let (a, b) = (term(s)?, term(t)?);
        self.ch()?.path(&a, &b).map(|x| x.0)
    }

    /// Travel times from `s` to each of `t` (bucket search, as `RoadNetwork::one_to_many`).
    pub fn one_to_many(&self, s: u32, t: &[u32]) -> Vec<Option<u64>> {
        self.matrix(&[s], t).pop().unwrap_or_default()
    }

    /// Travel times from each of `s` to each of `t` (bucket many-to-many, as `RoadNetwork::matrix`).
    pub fn matrix(&self, s: &[u32], t: &[u32]) -> Vec<Vec<Option<u64>>> {
        let Some(c) = self.ch() else {
            return vec![vec![None; t.len()]; s.len()];
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
