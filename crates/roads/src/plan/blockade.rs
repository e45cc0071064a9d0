//! Blockade of given points (封控): one unit per point, all points closed as early as possible.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::assign::assign;
use super::{invalid, snap_point};
use crate::network::RoadNetwork;
use crate::{Profile, RoadsError};

/// What to close and who is available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockadeRequest {
    /// Points `[lon, lat]` to close; results name points by index here.
    pub points: Vec<[f64; 2]>,
    /// Positions `[lon, lat]` of the available units; results name units by index here.
    pub units: Vec<[f64; 2]>,
    /// Whether to return each unit's route geometry.
    pub with_routes: bool,
}

/// One point and the unit that closes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockadeAssignment {
    /// Index of the point.
    pub point: usize,
    /// Index of the unit.
    pub unit: usize,
    /// The unit's travel time in seconds (`police` profile).
    pub travel_s: f64,
    /// The route's length in meters.
    pub meters: f64,
    /// The route `[lon, lat]` when asked for.
    pub route: Vec<[f64; 2]>,
}

/// The optimal blockade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockadePlan {
    /// When the last point is closed, in seconds after units start (0 if none is).
    pub makespan_s: f64,
    /// Sum of all assigned travel times in seconds.
    pub total_s: f64,
    /// Assignments by point index.
    pub assignments: Vec<BlockadeAssignment>,
    /// Points no unit can reach, or left over when there are fewer units than points.
    pub unassigned_points: Vec<usize>,
    /// Units too far from any road, left out.
    pub unusable_units: Vec<usize>,
    /// Planning time in milliseconds.
    pub elapsed_ms: f64,
}

/// Assigns one unit to each point: first as many points as possible, then the smallest
/// makespan, then the smallest total travel time. Exact for that order (see
/// `plan::assign`); travel times are the contraction hierarchy's exact road times.
pub fn blockade(net: &RoadNetwork, req: &BlockadeRequest) -> Result<BlockadePlan, RoadsError> {
    let started = Instant::now();
    if req.points.is_empty() {
        return Err(invalid("points", "no points to close"));
    }
    if req.units.is_empty() {
        return Err(invalid("units", "no units given"));
    }
    let points = req
        .points
        .iter()
        .map(|&p| snap_point(net, Profile::Police, p, "points"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut unusable = Vec::new();
    let mut unit_idx = Vec::new();
    let mut unit_snaps = Vec::new();
    for (i, &u) in req.units.iter().enumerate() {
        match snap_point(net, Profile::Police, u, "units") {
            Ok(s) => {
                unit_idx.push(i);
                unit_snaps.push(s);
            }
            Err(_) => unusable.push(i),
        }
    }
    let m = net.matrix(Profile::Police, &unit_snaps, &points);
    let cost: Vec<Vec<Option<u64>>> = (0..points.len())
        .map(|p| {
            (0..unit_snaps.len())
                .map(|u| m.seconds[u][p].map(|s| (s * 1000.0).round() as u64))
                .collect()
        })
        .collect();
    let a = assign(&cost, unit_snaps.len());
    let mut assignments: Vec<BlockadeAssignment> = a
        .pairs
        .iter()
        .map(|&(p, u, ms)| {
            let route = if req.with_routes {
                net.route(Profile::Police, &unit_snaps[u], &points[p])
                    .map(|r| r.geometry)
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            BlockadeAssignment {
                point: p,
                unit: unit_idx[u],
                travel_s: ms as f64 / 1000.0,
                meters: m.meters[u][p].unwrap_or(0.0),
                route,
            }
        })
        .collect();
    assignments.sort_by_key(|a| a.point);
    Ok(BlockadePlan {
        makespan_s: a.makespan as f64 / 1000.0,
        total_s: a.total as f64 / 1000.0,
        assignments,
        unassigned_points: a.unassigned,
        unusable_units: unusable,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}
