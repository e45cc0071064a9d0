//! Turns nodes + ways into the compact CSR [`RoadNetwork`]. Every importer goes through here so
//! that speed, one-way and length rules live in one place.

use std::collections::HashMap;

use crate::network::{RoadNetwork, NONE};
use crate::profile::{speeds, travel_ms, Highway};
use crate::{haversine_m, Result, RoadsError};

/// Direction a vehicle may drive along the way's node order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Oneway {
    Both,
    Forward,
    Backward,
}

#[derive(Debug, Clone)]
pub(crate) struct WayAttrs {
    pub highway: Highway,
    pub name: Option<String>,
    pub oneway: Oneway,
    /// Explicit speed for Car and Police (km/h, > 0).
    pub speed_kmh: Option<f64>,
    pub car: bool,
    pub foot: bool,
}

struct WayRec {
    first: u32,
    end: u32,
    highway: Highway,
    name: u32,
    speeds: [Option<f64>; 3],
    oneway: Oneway,
}

#[derive(Default)]
pub(crate) struct Builder {
    lon: Vec<f64>,
    lat: Vec<f64>,
    ways: Vec<WayRec>,
    way_nodes: Vec<u32>,
    names: Vec<String>,
    name_idx: HashMap<String, u32>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_node(&mut self, lon: f64, lat: f64) -> Result<u32> {
        let id = u32::try_from(self.lon.len())
            .ok()
            .filter(|&i| i < NONE)
            .ok_or_else(|| RoadsError::TooLarge("more than 4e9 nodes".into()))?;
        self.lon.push(lon);
        self.lat.push(lat);
        Ok(id)
    }

    /// `(lon, lat)` of a node added earlier.
    pub fn position(&self, id: u32) -> (f64, f64) {
        (self.lon[id as usize], self.lat[id as usize])
    }

    fn intern(&mut self, name: Option<String>) -> u32 {
        match name {
            Some(n) if !n.trim().is_empty() => {
                let n = n.trim().to_string();
                if let Some(&i) = self.name_idx.get(&n) {
                    return i;
                }
                let i = self.names.len() as u32;
                self.names.push(n.clone());
                self.name_idx.insert(n, i);
                i
            }
            _ => NONE,
        }
    }

    /// Adds a road through `nodes` (indices from [`Builder::add_node`]). Repeated consecutive
    /// nodes are dropped; roads with fewer than two distinct nodes are ignored.
    pub fn add_way(&mut self, nodes: &[u32], attrs: WayAttrs) -> Result<()> {
        let sp = speeds(attrs.highway, attrs.speed_kmh, attrs.car, attrs.foot);
        if sp.iter().all(Option::is_none) {
            return Ok(());
        }
        let first = self.way_nodes.len();
        for &n in nodes {
            if n as usize >= self.lon.len() {
                continue;
            }
            if self.way_nodes.len() > first && self.way_nodes.last() == Some(&n) {
                continue;
            }
            self.way_nodes.push(n);
        }
        if self.way_nodes.len() - first < 2 {
            self.way_nodes.truncate(first);
            return Ok(());
        }
        let end = u32::try_from(self.way_nodes.len())
            .map_err(|_| RoadsError::TooLarge("more than 4e9 way nodes".into()))?;
        let name = self.intern(attrs.name);
        self.ways.push(WayRec {
            first: first as u32,
            end,
            highway: attrs.highway,
            name,
            speeds: sp,
            oneway: attrs.oneway,
        });
        Ok(())
    }

    pub fn finish(self) -> Result<RoadNetwork> {
        struct TmpEdge {
            tail: u32,
            head: u32,
            meters: f32,
            ms: [u32; 3],
            way: u32,
        }
        let mut edges: Vec<TmpEdge> = Vec::new();
        // (a, b, fwd tmp edge, bwd tmp edge)
        let mut segs: Vec<(u32, u32, u32, u32)> = Vec::new();
        for (wi, w) in self.ways.iter().enumerate() {
            let nodes = &self.way_nodes[w.first as usize..w.end as usize];
            for pair in nodes.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let (ai, bi) = (a as usize, b as usize);
                let meters = haversine_m(self.lon[ai], self.lat[ai], self.lon[bi], self.lat[bi]);
                let mut fwd = [NONE; 3];
                let mut bwd = [NONE; 3];
                for (p, sp) in w.speeds.iter().enumerate() {
                    let Some(kmh) = sp else { continue };
                    let t = travel_ms(meters, *kmh);
                    // Profile index 2 is Foot: one-way restrictions are for vehicles only.
                    let (f, b) = if p == 2 {
                        (true, true)
                    } else {
                        match w.oneway {
                            Oneway::Both => (true, true),
                            Oneway::Forward => (true, false),
                            Oneway::Backward => (false, true),
                        }
                    };
                    if f {
                        fwd[p] = t;
                    }
                    if b {
                        bwd[p] = t;
                    }
                }
                let mut push = |tail, head, ms: [u32; 3]| -> u32 {
                    if ms.iter().all(|&m| m == NONE) {
                        return NONE;
                    }
                    edges.push(TmpEdge {
                        tail,
                        head,
                        meters: meters as f32,
                        ms,
                        way: wi as u32,
                    });
                    (edges.len() - 1) as u32
                };
                let fe = push(a, b, fwd);
                let be = push(b, a, bwd);
                if fe != NONE || be != NONE {
                    segs.push((a, b, fe, be));
                }
            }
        }
        if edges.is_empty() {
            return Err(RoadsError::EmptyNetwork);
        }
        if edges.len() >= NONE as usize {
            return Err(RoadsError::TooLarge("more than 4e9 edges".into()));
        }

        // Drop nodes no road uses (OSM extracts and GeoJSON points) so node_count is honest.
        let n_all = self.lon.len();
        let mut used = vec![false; n_all];
        for &n in &self.way_nodes {
            used[n as usize] = true;
        }
        let mut remap = vec![NONE; n_all];
        let mut lon = Vec::new();
        let mut lat = Vec::new();
        for i in 0..n_all {
            if used[i] {
                remap[i] = lon.len() as u32;
                lon.push(self.lon[i]);
                lat.push(self.lat[i]);
            }
        }
        let n = lon.len();

        // Counting sort by tail gives CSR order; `pos` maps tmp edge -> final edge.
        let mut first_out = vec![0u32; n + 1];
        for e in &edges {
            first_out[remap[e.tail as usize] as usize + 1] += 1;
        }
        for i in 0..n {
            first_out[i + 1] += first_out[i];
        }
        let m = edges.len();
        let mut fill = first_out.clone();
        let mut pos = vec![0u32; m];
        let mut head = vec![0u32; m];
        let mut meters = vec![0f32; m];
        let mut ms = [vec![0u32; m], vec![0u32; m], vec![0u32; m]];
        let mut edge_way = vec![0u32; m];
        for (i, e) in edges.iter().enumerate() {
            let t = remap[e.tail as usize] as usize;
            let k = fill[t] as usize;
            fill[t] += 1;
            pos[i] = k as u32;
            head[k] = remap[e.head as usize];
            meters[k] = e.meters;
            for (col, &v) in ms.iter_mut().zip(&e.ms) {
                col[k] = v;
            }
            edge_way[k] = e.way;
        }
        let map_e = |e: u32| if e == NONE { NONE } else { pos[e as usize] };
        let mut seg_a = Vec::with_capacity(segs.len());
        let mut seg_b = Vec::with_capacity(segs.len());
        let mut seg_fwd = Vec::with_capacity(segs.len());
        let mut seg_bwd = Vec::with_capacity(segs.len());
        for &(a, b, f, bw) in &segs {
            seg_a.push(remap[a as usize]);
            seg_b.push(remap[b as usize]);
            seg_fwd.push(map_e(f));
            seg_bwd.push(map_e(bw));
        }
        let mut way_first = Vec::with_capacity(self.ways.len() + 1);
        let mut way_nodes = Vec::with_capacity(self.way_nodes.len());
        let mut way_highway = Vec::with_capacity(self.ways.len());
        let mut way_name = Vec::with_capacity(self.ways.len());
        way_first.push(0u32);
        for w in &self.ways {
            way_nodes.extend(
                self.way_nodes[w.first as usize..w.end as usize]
                    .iter()
                    .map(|&x| remap[x as usize]),
            );
            way_first.push(way_nodes.len() as u32);
            way_highway.push(w.highway as u8);
            way_name.push(w.name);
        }
        Ok(RoadNetwork::from_parts(crate::network::Parts {
            lon,
            lat,
            first_out,
            head,
            meters,
            ms,
            edge_way,
            seg_a,
            seg_b,
            seg_fwd,
            seg_bwd,
            way_first,
            way_nodes,
            way_highway,
            way_name,
            names: self.names,
        }))
    }
}
