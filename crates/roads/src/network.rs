use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ch::Ch;
use crate::phast::MAX_MS;
use crate::profile::{Highway, Profile};
use crate::snap::{SnapIndex, Terminal};
use crate::{ch, dijkstra, Result, RoadsError, Snap};

/// Marks "no edge", "no name" and "profile may not use this edge" in the compact arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// A road network: a CSR graph whose nodes are every intersection and shape point of the
/// imported roads, with directed edges carrying length and per-profile travel time.
///
/// Cheap to share: it is `Send + Sync`, and the lazily built snapping index and contraction
/// hierarchies are initialised once behind [`OnceLock`]s, so wrap it in an `Arc`.
pub struct RoadNetwork {
    pub(crate) p: Parts,
    rtree: OnceLock<SnapIndex>,
    ch: [OnceLock<Option<Ch>>; 3],
}

/// The plain data of a network, exactly what `.zroads` stores.
pub(crate) struct Parts {
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    /// CSR offsets: out-edges of node `v` are `first_out[v]..first_out[v + 1]`.
    pub first_out: Vec<u32>,
    pub head: Vec<u32>,
    pub meters: Vec<f32>,
    /// Travel time in ms per profile (index [`Profile::idx`]); [`NONE`] = not allowed.
    pub ms: [Vec<u32>; 3],
    pub edge_way: Vec<u32>,
    /// Road segments between consecutive way nodes: ends, and the edge a->b / b->a (or NONE).
    pub seg_a: Vec<u32>,
    pub seg_b: Vec<u32>,
    pub seg_fwd: Vec<u32>,
    pub seg_bwd: Vec<u32>,
    pub way_first: Vec<u32>,
    pub way_nodes: Vec<u32>,
    pub way_highway: Vec<u8>,
    pub way_name: Vec<u32>,
    pub names: Vec<String>,
}

/// A computed route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Travel time in seconds.
    pub seconds: f64,
    /// Length in meters.
    pub meters: f64,
    /// `[lon, lat]` polyline from the snapped start point to the snapped end point.
    pub geometry: Vec<[f64; 2]>,
    /// Seconds from the start at each `geometry` point (same length, non-decreasing, last =
    /// `seconds`): interpolate to animate a vehicle along the route.
    pub elapsed: Vec<f64>,
}

/// Many-to-many travel costs; `seconds[i][j]` is from `from[i]` to `to[j]`, `None` if unreachable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    /// Travel times in seconds.
    pub seconds: Vec<Vec<Option<f64>>>,
    /// Lengths in meters of the same (fastest) routes.
    pub meters: Vec<Vec<Option<f64>>>,
}

/// The area reachable within a time budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isochrone {
    /// Every reachable node with its travel time in seconds, sorted by time then node id.
    pub nodes: Vec<(u32, f64)>,
    /// Convex hull of the start point and the reachable nodes as a closed `[lon, lat]` ring
    /// (first point repeated at the end), counter-clockwise. Convex, so it overstates the area
    /// where the network has gaps such as rivers.
    pub polygon: Vec<[f64; 2]>,
}

impl std::fmt::Debug for RoadNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoadNetwork")
            .field("nodes", &self.node_count())
            .field("edges", &self.edge_count())
            .field("roads", &self.road_count())
            .finish()
    }
}

fn ms_to_s(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

impl RoadNetwork {
    pub(crate) fn from_parts(p: Parts) -> Self {
        RoadNetwork {
            p,
            rtree: OnceLock::new(),
            ch: [OnceLock::new(), OnceLock::new(), OnceLock::new()],
        }
    }

    /// Loads a network, choosing the importer by file extension: `.osm.pbf`/`.pbf`,
    /// `.geojson`/`.json`, `.zroads` (case-insensitive).
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".pbf") {
            Self::from_osm_pbf(path, &crate::ImportOptions::default())
        } else if name.ends_with(".geojson") || name.ends_with(".json") {
            let bytes = std::fs::read(path).map_err(|source| RoadsError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            Self::from_geojson_slice(&bytes)
        } else if name.ends_with(".zroads") {
            crate::zroads::read_file(path)
        } else {
            Err(RoadsError::UnsupportedFormat(path.to_path_buf()))
        }
    }

    /// Imports drivable roads from an OpenStreetMap PBF extract; see [`crate::ImportOptions`].
    pub fn from_osm_pbf(path: impl AsRef<Path>, opts: &crate::ImportOptions) -> Result<Self> {
        crate::osm::import(path.as_ref(), opts)
    }

    /// Imports a GeoJSON FeatureCollection of LineString/MultiLineString roads
    /// (format in the crate README).
    pub fn from_geojson_str(text: &str) -> Result<Self> {
        Self::from_geojson_slice(text.as_bytes())
    }

    /// Like [`RoadNetwork::from_geojson_str`], from raw bytes.
    pub fn from_geojson_slice(bytes: &[u8]) -> Result<Self> {
        crate::geojson::import(bytes)
    }

    /// Writes the versioned, checksummed binary `.zroads` format.
    pub fn save_zroads(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::zroads::write_file(self, path.as_ref())
    }

    /// The `.zroads` encoding of this network.
    pub fn to_zroads_bytes(&self) -> Vec<u8> {
        crate::zroads::encode(self)
    }

    /// Decodes `.zroads` bytes, checking magic, version, checksum and internal consistency.
    pub fn from_zroads_bytes(bytes: &[u8]) -> Result<Self> {
        crate::zroads::decode(bytes)
    }

    /// Number of graph nodes (intersections and shape points).
    pub fn node_count(&self) -> usize {
        self.p.lon.len()
    }

    /// Number of directed edges.
    pub fn edge_count(&self) -> usize {
        self.p.head.len()
    }

    /// Number of roads (OSM ways / GeoJSON lines) kept.
    pub fn road_count(&self) -> usize {
        self.p.way_highway.len()
    }

    /// `[lon, lat]` of a node.
    pub fn node_position(&self, node: u32) -> Option<[f64; 2]> {
        let i = node as usize;
        Some([*self.p.lon.get(i)?, *self.p.lat.get(i)?])
    }

    /// `[min_lon, min_lat, max_lon, max_lat]` of all nodes.
    pub fn bbox(&self) -> [f64; 4] {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for (&x, &y) in self.p.lon.iter().zip(&self.p.lat) {
            b[0] = b[0].min(x);
            b[1] = b[1].min(y);
            b[2] = b[2].max(x);
            b[3] = b[3].max(y);
        }
        b
    }

    /// Number of weakly connected components (edge directions ignored, all profiles).
    pub fn component_count(&self) -> usize {
        let n = self.node_count();
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn find(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                let up = parent[parent[x as usize] as usize];
                parent[x as usize] = up;
                x = up;
            }
            x
        }
        let mut comps = n;
        for v in 0..n {
            for e in self.p.first_out[v] as usize..self.p.first_out[v + 1] as usize {
                let (a, b) = (
                    find(&mut parent, v as u32),
                    find(&mut parent, self.p.head[e]),
                );
                if a != b {
                    parent[a as usize] = b;
                    comps -= 1;
                }
            }
        }
        comps
    }

    /// The name of road `w` (`0..road_count()`), if it has one.
    pub fn road_name(&self, w: usize) -> Option<&str> {
        self.way_name(w)
    }

    /// The polyline of road `w` (`0..road_count()`), `[lon, lat]` from its first node.
    pub fn road_geometry(&self, w: usize) -> Vec<[f64; 2]> {
        self.way_nodes(w)
            .iter()
            .map(|&n| [self.p.lon[n as usize], self.p.lat[n as usize]])
            .collect()
    }

    fn way_nodes(&self, w: usize) -> &[u32] {
        &self.p.way_nodes[self.p.way_first[w] as usize..self.p.way_first[w + 1] as usize]
    }

    fn way_name(&self, w: usize) -> Option<&str> {
        self.p
            .names
            .get(self.p.way_name[w] as usize)
            .map(String::as_str)
    }

    /// Class of a road (index `0..road_count()`).
    pub fn road_highway(&self, road: usize) -> Option<Highway> {
        Highway::from_u8(*self.p.way_highway.get(road)?)
    }

    /// GeoJSON FeatureCollection text with one LineString per road, properties `highway` and
    /// `name` (`null` when unnamed), coordinates rounded to 6 decimals (~0.1 m) to stay small.
    pub fn roads_geojson(&self) -> String {
        use std::fmt::Write;
        let mut s = String::with_capacity(self.p.way_nodes.len() * 24 + 64);
        s.push_str(r#"{"type":"FeatureCollection","features":["#);
        for w in 0..self.road_count() {
            if w > 0 {
                s.push(',');
            }
            let hw = self.road_highway(w).map_or("road", Highway::as_str);
            let name = match self.way_name(w) {
                Some(n) => serde_json::Value::from(n).to_string(),
                None => "null".into(),
            };
            let _ = write!(
                s,
                r#"{{"type":"Feature","properties":{{"highway":"{hw}","name":{name}}},"geometry":{{"type":"LineString","coordinates":["#
            );
            for (i, &n) in self.way_nodes(w).iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let (x, y) = (self.p.lon[n as usize], self.p.lat[n as usize]);
                // Shortest round-trip printing of the rounded value keeps "9.5" as "9.5".
                let _ = write!(s, "[{},{}]", round6(x), round6(y));
            }
            s.push_str("]}}");
        }
        s.push_str("]}");
        s
    }

    /// Distinct road names, sorted.
    pub fn road_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.p.names.iter().map(String::as_str).collect();
        v.sort_unstable();
        v
    }

    /// Every named road, one `(name, lon, lat)` per distinct name, the point being the middle node
    /// of the longest road with that name (a place to send help to when a post names the road).
    pub fn named_points(&self) -> Vec<(String, f64, f64)> {
        let all: Vec<u32> = (0..self.p.names.len() as u32).collect();
        self.middles(&all)
            .into_iter()
            .map(|(name, node)| {
                (
                    self.p.names[name as usize].clone(),
                    self.p.lon[node as usize],
                    self.p.lat[node as usize],
                )
            })
            .collect()
    }

    /// For each name of `hits` (ascending), the middle node of the longest road with that name.
    fn middles(&self, hits: &[u32]) -> Vec<(u32, u32)> {
        let mut best: std::collections::HashMap<u32, (usize, u32)> = Default::default();
        for w in 0..self.road_count() {
            let name = self.p.way_name[w];
            if name == NONE || hits.binary_search(&name).is_err() {
                continue;
            }
            let nodes = self.way_nodes(w);
            let e = best.entry(name).or_insert((0, nodes[0]));
            if nodes.len() > e.0 {
                *e = (nodes.len(), nodes[nodes.len() / 2]);
            }
        }
        let mut out: Vec<(u32, u32)> = best.into_iter().map(|(n, (_, node))| (n, node)).collect();
        out.sort_unstable();
        out
    }

    /// Roads whose name contains `query` (case-insensitive), one `(name, lon, lat)` per distinct
    /// name, the point being the middle node of the longest road with that name. Exact matches
    /// come first, then prefix matches, then the rest, each alphabetically.
    pub fn find_by_name(&self, query: &str) -> Vec<(String, f64, f64)> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        // `hits` is ascending because it was collected from an ascending range.
        let hits: Vec<u32> = (0..self.p.names.len() as u32)
            .filter(|&i| self.p.names[i as usize].to_lowercase().contains(&q))
            .collect();
        if hits.is_empty() {
            return Vec::new();
        }
        let best = self.middles(&hits);
        let mut out: Vec<(u8, String, f64, f64)> = best
            .into_iter()
            .map(|(name, node)| {
                let n = &self.p.names[name as usize];
                let l = n.to_lowercase();
                let rank = if l == q {
                    0
                } else if l.starts_with(&q) {
                    1
                } else {
                    2
                };
                (
                    rank,
                    n.clone(),
                    self.p.lon[node as usize],
                    self.p.lat[node as usize],
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        out.into_iter().map(|(_, n, x, y)| (n, x, y)).collect()
    }

    pub(crate) fn snap_index(&self) -> &SnapIndex {
        self.rtree.get_or_init(|| SnapIndex::build(self))
    }

    /// Snaps a point to the nearest road segment (any profile). `None` for non-finite input.
    pub fn snap(&self, lon: f64, lat: f64) -> Option<Snap> {
        self.snap_index().snap(self, lon, lat, None)
    }

    /// Snaps to the nearest segment that `profile` may use in at least one direction.
    pub fn snap_for(&self, profile: Profile, lon: f64, lat: f64) -> Option<Snap> {
        self.snap_index().snap(self, lon, lat, Some(profile))
    }

    /// Builds the contraction hierarchy for `profile`, and the arrays of its one-to-all sweeps
    /// (which `nearest_k` with many candidates uses too), now instead of on first query.
    pub fn prepare(&self, profile: Profile) {
        if let Some(c) = self.ch(profile) {
            let _ = c.phast();
        }
    }

    /// [`RoadNetwork::prepare`] for every profile.
    pub fn prepare_all(&self) {
        for p in Profile::ALL {
            self.prepare(p);
        }
    }

    pub(crate) fn ch(&self, profile: Profile) -> Option<&Ch> {
        self.ch[profile.idx()]
            .get_or_init(|| {
                // Police and Car share their road set, so one's node order suits the other and
                // skips most of the expensive ordering phase.
                let order = self
                    .ch
                    .iter()
                    .filter_map(|c| c.get().and_then(Option::as_ref))
                    .map(Ch::node_order)
                    .next();
                Ch::build(self, profile, order.as_deref())
            })
            .as_ref()
    }

    /// Fastest route between two snapped points (contraction hierarchy).
    /// `None` when unreachable or when a snap does not belong to this network.
    pub fn route(&self, profile: Profile, from: &Snap, to: &Snap) -> Option<Route> {
        let (s, t) = (self.sources(profile, from)?, self.targets(profile, to)?);
        let direct = self.direct(profile, from, to);
        let via = match self.ch(profile) {
            Some(c) => c.path(&s, &t),
            // No edge at all for this profile: only a snap exactly on a node shared by both
            // ends can still be joined, and Dijkstra over nothing finds that instantly.
            None => dijkstra::path(self, profile, &s, &t),
        };
        self.finish_route(profile, from, to, direct, via, &s, &t)
    }

    /// Reference implementation of [`RoadNetwork::route`] with plain Dijkstra.
    pub fn route_dijkstra(&self, profile: Profile, from: &Snap, to: &Snap) -> Option<Route> {
        let (s, t) = (self.sources(profile, from)?, self.targets(profile, to)?);
        let direct = self.direct(profile, from, to);
        let via = dijkstra::path(self, profile, &s, &t);
        self.finish_route(profile, from, to, direct, via, &s, &t)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_route(
        &self,
        profile: Profile,
        from: &Snap,
        to: &Snap,
        direct: Option<(u64, f64)>,
        via: Option<(u64, Vec<u32>)>,
        s: &[Terminal],
        t: &[Terminal],
    ) -> Option<Route> {
        let via_ms = via.as_ref().map(|v| v.0);
        match (direct, via_ms) {
            (Some((dms, dm)), v) if v.is_none_or(|v| dms <= v) => Some(Route {
                seconds: ms_to_s(dms),
                meters: dm,
                geometry: vec![[from.lon, from.lat], [to.lon, to.lat]],
                elapsed: vec![0.0, ms_to_s(dms)],
            }),
            (_, Some(_)) => {
                let (ms, nodes) = via?;
                let first = *nodes.first()?;
                let last = *nodes.last()?;
                let start = s.iter().find(|x| x.node == first)?;
                let m1 = t.iter().find(|x| x.node == last)?.meters;
                let mut meters = start.meters + m1;
                let mut pts = Vec::with_capacity(nodes.len() + 2);
                pts.push(([from.lon, from.lat], 0u64));
                let mut clock = start.ms;
                let pos = |n: u32| [self.p.lon[n as usize], self.p.lat[n as usize]];
                pts.push((pos(first), clock));
                for w in nodes.windows(2) {
                    let (e, m) = self.best_edge(profile, w[0], w[1])?;
                    meters += m;
                    clock += self.p.ms[profile.idx()][e as usize] as u64;
                    pts.push((pos(w[1]), clock));
                }
                pts.push(([to.lon, to.lat], ms));
                // A snap exactly on a node repeats that point; keep its first (earliest) time.
                pts.dedup_by(|b, a| a.0 == b.0);
                Some(Route {
                    seconds: ms_to_s(ms),
                    meters,
                    geometry: pts.iter().map(|p| p.0).collect(),
                    elapsed: pts.iter().map(|p| ms_to_s(p.1)).collect(),
                })
            }
            _ => None,
        }
    }

    /// The fastest edge u->v for `profile` (ties: shorter), with its length.
    pub(crate) fn best_edge(&self, profile: Profile, u: u32, v: u32) -> Option<(u32, f64)> {
        let ms = &self.p.ms[profile.idx()];
        let mut best: Option<(u32, u32, f32)> = None;
        for e in self.p.first_out[u as usize]..self.p.first_out[u as usize + 1] {
            let ei = e as usize;
            if self.p.head[ei] != v || ms[ei] == NONE {
                continue;
            }
            let cand = (e, ms[ei], self.p.meters[ei]);
            if best.is_none_or(|b| (cand.1, cand.2) < (b.1, b.2)) {
                best = Some(cand);
            }
        }
        best.map(|(e, _, m)| (e, m as f64))
    }

    /// Travel time and length from `from` to each of `to` (contraction hierarchy: a sweep over
    /// the targets' search spaces, or from 1,000 targets, or one per 200 nodes, on one PHAST
    /// sweep from `from`); `None` where unreachable or invalid.
    pub fn one_to_many(
        &self,
        profile: Profile,
        from: &Snap,
        to: &[Snap],
    ) -> Vec<Option<(f64, f64)>> {
        let m = self.matrix(profile, std::slice::from_ref(from), to);
        let secs = m.seconds.into_iter().next().unwrap_or_default();
        let mets = m.meters.into_iter().next().unwrap_or_default();
        secs.into_iter()
            .zip(mets)
            .map(|(s, m)| Some((s?, m?)))
            .collect()
    }

    /// Reference implementation of [`RoadNetwork::one_to_many`] with one plain Dijkstra.
    pub fn one_to_many_dijkstra(
        &self,
        profile: Profile,
        from: &Snap,
        to: &[Snap],
    ) -> Vec<Option<(f64, f64)>> {
        let Some(s) = self.sources(profile, from) else {
            return vec![None; to.len()];
        };
        let targets: Vec<Option<Vec<Terminal>>> =
            to.iter().map(|t| self.targets(profile, t)).collect();
        let res = dijkstra::one_to_many(self, profile, &s, &targets);
        res.into_iter()
            .zip(to)
            .map(|(r, t)| {
                let direct = self.direct(profile, from, t);
                let best = match (r, direct) {
                    (Some(a), Some(b)) => Some(if b.0 <= a.0 { b } else { a }),
                    (a, b) => a.or(b),
                };
                best.map(|(ms, m)| (ms_to_s(ms), m))
            })
            .collect()
    }

    /// The `k` candidates that reach `at` fastest (travel FROM each candidate TO `at`, as a unit
    /// drives to an incident), as `(candidate index, seconds, meters)` sorted by seconds, ties by
    /// index. Unreachable candidates are left out. From 250 candidates on, one backward PHAST
    /// sweep from `at` ([`RoadNetwork::all_to_one`]) replaces the many-to-one search.
    pub fn nearest_k(
        &self,
        profile: Profile,
        at: &Snap,
        candidates: &[Snap],
        k: usize,
    ) -> Vec<(usize, f64, f64)> {
        if let Some(v) = self.nearest_k_phast(profile, at, candidates, k) {
            return v;
        }
        let m = self.matrix(profile, candidates, std::slice::from_ref(at));
        let mut v: Vec<(usize, f64, f64)> = m
            .seconds
            .iter()
            .zip(&m.meters)
            .enumerate()
            .filter_map(|(i, (s, mt))| Some((i, s.first().copied()??, mt.first().copied()??)))
            .collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        v.truncate(k);
        v
    }

    /// Many-to-many travel times and lengths with a bucket-based contraction hierarchy search
    /// (a single row or column with a sweep of the upward graph instead, or from 1,000 points
    /// on the other side, or one per 200 nodes, with one PHAST sweep). Lengths are rounded to
    /// the millimetre.
    pub fn matrix(&self, profile: Profile, from: &[Snap], to: &[Snap]) -> Matrix {
        let srcs: Vec<Option<Vec<Terminal>>> =
            from.iter().map(|s| self.sources(profile, s)).collect();
        let tgts: Vec<Option<Vec<Terminal>>> =
            to.iter().map(|t| self.targets(profile, t)).collect();
        let mut best: Vec<Vec<Option<(u64, f64)>>> = match self.ch(profile) {
            Some(c) => ch::many_to_many(c, &srcs, &tgts),
            // As in `route`: without edges only snaps on a shared node connect.
            None => srcs
                .iter()
                .map(|s| match s {
                    Some(s) => dijkstra::one_to_many(self, profile, s, &tgts),
                    None => vec![None; to.len()],
                })
                .collect(),
        };
        for (i, f) in from.iter().enumerate() {
            for (j, t) in to.iter().enumerate() {
                // Cheap pre-check: only snaps on the same segment can be joined directly.
                if f.segment != t.segment {
                    continue;
                }
                if let Some(d) = self.direct(profile, f, t) {
                    if best[i][j].is_none_or(|b| d.0 <= b.0) {
                        best[i][j] = Some(d);
                    }
                }
            }
        }
        Matrix {
            seconds: best
                .iter()
                .map(|r| r.iter().map(|c| c.map(|c| ms_to_s(c.0))).collect())
                .collect(),
            // Millimetres are far below the lengths' own precision (f32 per edge) and keep
            // serialized matrices short ("1234.568" rather than "1234.5678901234567").
            meters: best
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| c.map(|c| (c.1 * 1000.0).round() / 1000.0))
                        .collect()
                })
                .collect(),
        }
    }

    /// Everything reachable from `from` within `max_seconds`: a bounded Dijkstra while the
    /// area stays small; once it has settled a twentieth of the network, a PHAST sweep over the
    /// whole hierarchy ([`RoadNetwork::one_to_all`]) is cheaper, so it switches.
    pub fn isochrone(&self, profile: Profile, from: &Snap, max_seconds: f64) -> Isochrone {
        let budget = self.node_count() / ISO_DIJKSTRA_SHARE;
        self.isochrone_impl(profile, from, max_seconds, Some(budget.max(64)))
    }

    /// Reference implementation of [`RoadNetwork::isochrone`] with plain (bounded) Dijkstra only.
    pub fn isochrone_dijkstra(&self, profile: Profile, from: &Snap, max_seconds: f64) -> Isochrone {
        self.isochrone_impl(profile, from, max_seconds, None)
    }

    fn isochrone_impl(
        &self,
        profile: Profile,
        from: &Snap,
        max_seconds: f64,
        budget: Option<usize>,
    ) -> Isochrone {
        let empty = Isochrone {
            nodes: Vec::new(),
            polygon: Vec::new(),
        };
        let Some(s) = self.sources(profile, from) else {
            return empty;
        };
        if max_seconds.is_nan() || max_seconds < 0.0 {
            return empty;
        }
        // The same cap as the PHAST tables, so both engines agree on what is reachable.
        let limit = (max_seconds * 1000.0).min((MAX_MS - 1) as f64) as u64;
        let nodes = match dijkstra::bounded(self, profile, &s, limit, budget) {
            Some(mut v) => {
                v.sort_unstable_by_key(|&(n, ms)| (ms, n));
                v.into_iter().map(|(n, ms)| (n, ms_to_s(ms))).collect()
            }
            None => self.one_to_all(profile, from).within(max_seconds),
        };
        let mut pts: Vec<[f64; 2]> = nodes
            .iter()
            .map(|&(n, _)| [self.p.lon[n as usize], self.p.lat[n as usize]])
            .collect();
        pts.push([from.lon, from.lat]);
        Isochrone {
            nodes,
            polygon: convex_hull(pts),
        }
    }
}

/// [`RoadNetwork::isochrone`] leaves Dijkstra for PHAST once it has settled 1/this of the
/// network's nodes: where a bounded Dijkstra has done about the work of one sweep (measured
/// crossover: 3–10 % of the nodes reached, bench/RESULTS.md), so an isochrone costs at worst
/// about twice the better of the two.
pub(crate) const ISO_DIJKSTRA_SHARE: usize = 20;

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Convex hull as a closed counter-clockwise ring.
pub(crate) fn convex_hull(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    discard_interior(&mut pts);
    monotone_chain(pts)
}

/// Andrew's monotone chain; returns a closed counter-clockwise ring.
fn monotone_chain(mut pts: Vec<[f64; 2]>) -> Vec<[f64; 2]> {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        let mut v = pts.clone();
        if let Some(&f) = pts.first() {
            v.push(f);
        }
        return v;
    }
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<[f64; 2]> = Vec::with_capacity(pts.len() * 2);
    for &p in &pts {
        while hull.len() >= 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
            hull.pop();
        }
        hull.push(p);
    }
    let lower = hull.len() + 1;
    for &p in pts.iter().rev().skip(1) {
        while hull.len() >= lower && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
            hull.pop();
        }
        hull.push(p);
    }
    hull
}

/// Akl–Toussaint: drops the points strictly inside the octagon of the extreme points in x, y,
/// x + y and x − y. None of them can be a hull vertex, and of an isochrone's thousands of
/// nodes nearly all are inside, so the sort that follows stays small.
fn discard_interior(pts: &mut Vec<[f64; 2]>) {
    if pts.len() < 64 {
        return;
    }
    let keys: [fn(&[f64; 2]) -> f64; 4] = [|p| p[0], |p| p[1], |p| p[0] + p[1], |p| p[0] - p[1]];
    let mut ext = [[0.0f64; 2]; 8];
    for (i, k) in keys.iter().enumerate() {
        let by = |a: &&[f64; 2], b: &&[f64; 2]| k(a).total_cmp(&k(b));
        ext[2 * i] = *pts.iter().min_by(by).unwrap_or(&[0.0; 2]);
        ext[2 * i + 1] = *pts.iter().max_by(by).unwrap_or(&[0.0; 2]);
    }
    // Counter-clockwise: min y, max(x - y), max x, max(x + y), max y, min(x - y), min x,
    // min(x + y).
    let mut oct = [
        ext[2], ext[7], ext[1], ext[5], ext[3], ext[6], ext[0], ext[4],
    ]
    .to_vec();
    oct.dedup();
    if oct.len() > 1 && oct.first() == oct.last() {
        oct.pop();
    }
    if oct.len() < 3 {
        return;
    }
    let cross = |o: [f64; 2], a: [f64; 2], b: [f64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let inside =
        |p: [f64; 2]| (0..oct.len()).all(|i| cross(oct[i], oct[(i + 1) % oct.len()], p) > 0.0);
    pts.retain(|&p| !inside(p));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_filter_keeps_the_hull() {
        let mut x = 7u64;
        let mut r = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for shape in 0..3 {
            let pts: Vec<[f64; 2]> = (0..5000)
                .map(|_| {
                    let (a, d) = (r() * std::f64::consts::TAU, r().sqrt());
                    match shape {
                        0 => [d * a.cos(), d * a.sin() * 0.5 + 0.3 * d * a.cos()],
                        1 => [r(), r()],
                        _ => [(r() * 20.0).round(), (r() * 3.0).round()],
                    }
                })
                .collect();
            let mut filtered = pts.clone();
            discard_interior(&mut filtered);
            assert!(filtered.len() < pts.len() / 2, "{}", filtered.len());
            assert_eq!(convex_hull(pts.clone()), monotone_chain(pts));
        }
    }

    #[test]
    fn hull_is_closed_square() {
        let h = convex_hull(vec![
            [0.0, 0.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.5, 0.5],
        ]);
        assert_eq!(h.len(), 5);
        assert_eq!(h.first(), h.last());
    }

    #[test]
    fn network_is_send_sync() {
        fn ok<T: Send + Sync>() {}
        ok::<RoadNetwork>();
    }
}
