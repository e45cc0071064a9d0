use rstar::primitives::{GeomWithData, Line};
use rstar::RTree;
use serde::{Deserialize, Serialize};

use crate::network::{RoadNetwork, NONE};
use crate::{Profile, EARTH_RADIUS_M};

/// A point snapped onto a road segment. Only meaningful for the network that produced it;
/// queries with a snap from another network return `None` rather than nonsense where they can
/// tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snap {
    /// Longitude of the snapped point on the road.
    pub lon: f64,
    /// Latitude of the snapped point on the road.
    pub lat: f64,
    /// Distance in meters from the query point to the road.
    pub distance_m: f64,
    /// Segment index inside the network.
    pub segment: u32,
    /// Node at the segment start (fraction 0).
    pub from_node: u32,
    /// Node at the segment end (fraction 1).
    pub to_node: u32,
    /// Position along the segment, 0..=1 from `from_node` to `to_node`.
    pub fraction: f64,
    /// Edge `from_node -> to_node`, if any profile may drive that way.
    pub forward_edge: Option<u32>,
    /// Edge `to_node -> from_node`, if any profile may drive that way.
    pub backward_edge: Option<u32>,
    /// Name of the road, if it has one.
    pub name: Option<String>,
}

/// A graph node reachable from (or reaching) a snapped point, with the partial cost.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Terminal {
    pub node: u32,
    pub ms: u64,
    pub meters: f64,
}

type SegGeom = GeomWithData<Line<[f64; 2]>, u32>;

/// R-tree of all segments in a local equirectangular projection (meters around the network's
/// center), so nearest-neighbour distances are metric without per-query trigonometry.
pub(crate) struct SnapIndex {
    tree: RTree<SegGeom>,
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl SnapIndex {
    pub fn build(net: &RoadNetwork) -> SnapIndex {
        let b = net.bbox();
        let (lon0, lat0) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
        let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        let kx = ky * lat0.to_radians().cos().max(0.01);
        let p = &net.p;
        let pt = |n: u32| {
            [
                (p.lon[n as usize] - lon0) * kx,
                (p.lat[n as usize] - lat0) * ky,
            ]
        };
        let items: Vec<SegGeom> = (0..p.seg_a.len())
            .map(|s| GeomWithData::new(Line::new(pt(p.seg_a[s]), pt(p.seg_b[s])), s as u32))
            .collect();
        SnapIndex {
            tree: RTree::bulk_load(items),
            lon0,
            lat0,
            kx,
            ky,
        }
    }

    pub fn snap(
        &self,
        net: &RoadNetwork,
        lon: f64,
        lat: f64,
        profile: Option<Profile>,
    ) -> Option<Snap> {
        if !lon.is_finite() || !lat.is_finite() {
            return None;
        }
        let q = [(lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky];
        let p = &net.p;
        let usable = |s: usize| match profile {
            None => true,
            Some(pr) => [p.seg_fwd[s], p.seg_bwd[s]]
                .iter()
                .any(|&e| e != NONE && p.ms[pr.idx()][e as usize] != NONE),
        };
        let hit = self
            .tree
            .nearest_neighbor_iter(&q)
            .find(|g| usable(g.data as usize))?;
        let s = hit.data as usize;
        let (a, b) = (hit.geom().from, hit.geom().to);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let proj = [a[0] + t * dx, a[1] + t * dy];
        let distance_m = ((q[0] - proj[0]).powi(2) + (q[1] - proj[1]).powi(2)).sqrt();
        let (na, nb) = (p.seg_a[s], p.seg_b[s]);
        let (ax, ay) = (p.lon[na as usize], p.lat[na as usize]);
        let (bx, by) = (p.lon[nb as usize], p.lat[nb as usize]);
        let opt = |e: u32| (e != NONE).then_some(e);
        let edge = if p.seg_fwd[s] != NONE {
            p.seg_fwd[s]
        } else {
            p.seg_bwd[s]
        };
        let way = p.edge_way[edge as usize] as usize;
        Some(Snap {
            lon: ax + t * (bx - ax),
            lat: ay + t * (by - ay),
            distance_m,
            segment: s as u32,
            from_node: na,
            to_node: nb,
            fraction: t,
            forward_edge: opt(p.seg_fwd[s]),
            backward_edge: opt(p.seg_bwd[s]),
            name: p.names.get(p.way_name[way] as usize).cloned(),
        })
    }
}

impl RoadNetwork {
    /// The segment behind a snap after checking it really belongs to this network.
    fn check(&self, s: &Snap) -> Option<usize> {
        let p = &self.p;
        let i = s.segment as usize;
        let ok = i < p.seg_a.len()
            && p.seg_a[i] == s.from_node
            && p.seg_b[i] == s.to_node
            && (0.0..=1.0).contains(&s.fraction)
            && s.lon.is_finite()
            && s.lat.is_finite();
        ok.then_some(i)
    }

    /// Travel time (ms) of the segment in each direction for `profile`, and its length.
    fn seg_costs(&self, profile: Profile, i: usize) -> (Option<u32>, Option<u32>, f64) {
        let p = &self.p;
        let t = |e: u32| {
            if e == NONE {
                return None;
            }
            let v = p.ms[profile.idx()][e as usize];
            (v != NONE).then_some(v)
        };
        let e = if p.seg_fwd[i] != NONE {
            p.seg_fwd[i]
        } else {
            p.seg_bwd[i]
        };
        (
            t(p.seg_fwd[i]),
            t(p.seg_bwd[i]),
            p.meters[e as usize] as f64,
        )
    }

    /// Nodes the snapped point can drive to, with the partial cost of getting there.
    pub(crate) fn sources(&self, profile: Profile, s: &Snap) -> Option<Vec<Terminal>> {
        let i = self.check(s)?;
        let (f, b, len) = self.seg_costs(profile, i);
        let t = s.fraction;
        let mut v = Vec::with_capacity(2);
        if let Some(f) = f {
            v.push(Terminal {
                node: s.to_node,
                ms: part(1.0 - t, f),
                meters: (1.0 - t) * len,
            });
        }
        if let Some(b) = b {
            v.push(Terminal {
                node: s.from_node,
                ms: part(t, b),
                meters: t * len,
            });
        }
        at_node(&mut v, s);
        Some(v)
    }

    /// Nodes from which the snapped point is reached, with the partial cost from there.
    pub(crate) fn targets(&self, profile: Profile, s: &Snap) -> Option<Vec<Terminal>> {
        let i = self.check(s)?;
        let (f, b, len) = self.seg_costs(profile, i);
        let t = s.fraction;
        let mut v = Vec::with_capacity(2);
        if let Some(f) = f {
            v.push(Terminal {
                node: s.from_node,
                ms: part(t, f),
                meters: t * len,
            });
        }
        if let Some(b) = b {
            v.push(Terminal {
                node: s.to_node,
                ms: part(1.0 - t, b),
                meters: (1.0 - t) * len,
            });
        }
        at_node(&mut v, s);
        Some(v)
    }

    /// Cost of driving straight along the segment when both snaps are on the same one.
    pub(crate) fn direct(&self, profile: Profile, from: &Snap, to: &Snap) -> Option<(u64, f64)> {
        let i = self.check(from)?;
        if self.check(to)? != i {
            return None;
        }
        let (f, b, len) = self.seg_costs(profile, i);
        let d = to.fraction - from.fraction;
        let mut best: Option<(u64, f64)> = None;
        if d >= 0.0 {
            if let Some(f) = f {
                best = Some((part(d, f), d * len));
            }
        }
        if d <= 0.0 {
            if let Some(b) = b {
                let c = (part(-d, b), -d * len);
                if best.is_none_or(|x| c.0 < x.0) {
                    best = Some(c);
                }
            }
        }
        best
    }
}

/// A snap exactly on an end of its segment *is* that node, whatever the segment's one-way
/// direction: without this, a point on an intersection whose nearest segment is a one-way
/// street pointing the other way would be charged a detour round the block.
fn at_node(v: &mut Vec<Terminal>, s: &Snap) {
    let node = if s.fraction == 0.0 {
        s.from_node
    } else if s.fraction == 1.0 {
        s.to_node
    } else {
        return;
    };
    v.retain(|t| t.node != node);
    v.push(Terminal {
        node,
        ms: 0,
        meters: 0.0,
    });
}

fn part(fraction: f64, ms: u32) -> u64 {
    (fraction * ms as f64).round().max(0.0) as u64
}
