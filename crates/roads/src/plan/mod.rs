//! Planners over the road network: where to put checkpoints and which unit goes where.
//!
//! * [`blockade`]: close given points, one unit each, minimising the time by which all are
//!   closed, then the total travel time (exact).
//! * [`intercept`]: find a cordon of intersections around a fleeing suspect that units reach
//!   before the suspect can (heuristic, documented in [`intercept`]'s module text).
//! * [`deploy`]: staff a major event's posts (checkpoints, duty points) with units of the
//!   kinds each accepts, everyone in place as early as possible (exact).
//! * [`seal_exits`] and [`ring_greedy`]: the simple baselines the interception planner is
//!   measured against.
//! * [`reach`]: where the suspect can be by a given moment (earliest times, the roads reached,
//!   the reachable area as hulls), shown beside an interception plan.
//!
//! Positions are `[lon, lat]`. A point farther than [`MAX_SNAP_M`] from every usable road is
//! "off the network": an origin or exit there is an error naming the field; a unit there is
//! left out and reported. Times are seconds after the crime; units start moving at the head
//! start.

// Index loops over CSR edge ranges read better than zipped iterators here.
#![allow(clippy::needless_range_loop)]

mod assign;
mod blockade;
mod deploy;
mod graph;
mod intercept;
pub mod reach;

pub use blockade::{blockade, BlockadeAssignment, BlockadePlan, BlockadeRequest};
pub use deploy::{deploy, DeployUnit, Deployment, Post, Posting};
pub use graph::Edge;
pub use intercept::{
    intercept, ring_greedy, seal_exits, CordonPoint, InterceptPlan, InterceptRequest, Note,
    OpenRoute, SuspectSpeed,
};

use crate::network::RoadNetwork;
use crate::{Profile, RoadsError, Snap};

/// Farthest distance in meters between a given point and the road it is snapped to.
pub const MAX_SNAP_M: f64 = 1_500.0;

pub(crate) fn invalid(field: &str, message: &str) -> RoadsError {
    RoadsError::InvalidPlanInput {
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// Snaps `pos` for `profile`, refusing points that are invalid or off the network.
pub(crate) fn snap_point(
    net: &RoadNetwork,
    profile: Profile,
    pos: [f64; 2],
    field: &str,
) -> Result<Snap, RoadsError> {
    let [lon, lat] = pos;
    let valid = lon.is_finite()
        && lat.is_finite()
        && (-180.0..=180.0).contains(&lon)
        && (-90.0..=90.0).contains(&lat);
    if !valid {
        return Err(invalid(
            field,
            &format!("[{lon}, {lat}] is not a longitude/latitude pair"),
        ));
    }
    match net.snap_for(profile, lon, lat) {
        Some(s) if s.distance_m <= MAX_SNAP_M => Ok(s),
        Some(s) => Err(invalid(
            field,
            &format!(
                "[{lon}, {lat}] is {:.0} m from the nearest road (at most {MAX_SNAP_M} m)",
                s.distance_m
            ),
        )),
        None => Err(invalid(field, "the network has no road for this profile")),
    }
}

/// The exit nodes: the given points' nearest graph nodes, or the edge of the network.
pub(crate) fn exit_nodes(
    net: &RoadNetwork,
    exits: Option<&[[f64; 2]]>,
) -> Result<Vec<u32>, RoadsError> {
    let Some(points) = exits else {
        return Ok(net.edge_nodes(None));
    };
    if points.is_empty() {
        return Err(invalid("exits", "an empty list of exits: nothing to seal"));
    }
    let mut out = Vec::with_capacity(points.len());
    for &p in points {
        let s = snap_point(net, Profile::Car, p, "exits")?;
        out.push(if s.fraction < 0.5 {
            s.from_node
        } else {
            s.to_node
        });
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}
