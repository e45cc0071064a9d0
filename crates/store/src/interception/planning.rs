//! Planning before the write: where to put checkpoints so that the suspect is cut off (设卡布控,
//! `zhihui_roads::plan::intercept`), how to close given points (封控, `plan::blockade`), and the
//! check of an activation before it is written, so that every refusal names its field. These
//! only read; they run off the async threads, and the activation checks again in the writer.

use serde::{Deserialize, Serialize};
use zhihui_core::{Action, DomainError, LonLat, NewInterception, OrgTree, Time};
use zhihui_roads::plan::{self, BlockadeRequest, InterceptRequest, SuspectSpeed};
use zhihui_roads::{Profile, RoadNetwork};

use super::Connection;
use crate::commands::{check_unit, load_incident, Actor};
use crate::fleet;
use crate::{Registry, StoreError};

/// Most units one plan considers (explicit `unit_ids`).
pub const MAX_PLAN_UNITS: usize = 2000;
/// Most points of a blockade or exits of an interception plan.
pub const MAX_PLAN_POINTS: usize = 500;
/// How many reachable-area snapshots an interception plan carries.
const REACH_STEPS: usize = 4;
/// At most this many segments in `reach_roads` (a city-wide reach stays a few MB of JSON).
const MAX_REACH_ROADS: usize = 40_000;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

fn require_planner(actor: &Actor) -> Result<(), StoreError> {
    actor.require(Action::PlanOperations, "plan interceptions")
}

/// A point a plan must reach: valid, and within [`plan::MAX_SNAP_M`] of a road.
fn point_on_network(net: &RoadNetwork, field: &str, p: &LonLat) -> Result<[f64; 2], StoreError> {
    p.validate(field)?;
    match net.snap_for(Profile::Car, p.lon, p.lat) {
        Some(s) if s.distance_m <= plan::MAX_SNAP_M => Ok([p.lon, p.lat]),
        Some(s) => Err(invalid(
            field,
            format!(
                "{:.0} m from the nearest road (at most {} m)",
                s.distance_m,
                plan::MAX_SNAP_M
            ),
        )),
        None => Err(invalid(field, "not on the road network")),
    }
}

/// The incident a plan is for, if any: known and within the actor's jurisdiction.
fn check_incident(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: Option<i64>,
) -> Result<(), StoreError> {
    if let Some(id) = id {
        load_incident(c, orgs, actor, id).map_err(|e| match e {
            StoreError::NotFound(m) => invalid("incident_id", format!("{m} not found")),
            other => other.at("incident_id"),
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------- interception plan

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct InterceptPlanRequest {
    /// The suspect's last known position at the crime time.
    pub origin: LonLat,
    /// Seconds between the crime and the moment units can start (0..86400).
    pub head_start_s: f64,
    /// The suspect's speed on every road; absent: the `car` profile's road speeds.
    #[serde(default)]
    pub suspect_speed_kmh: Option<f64>,
    /// Units to use; absent: every available driving unit of your jurisdiction with a position.
    #[serde(default)]
    pub unit_ids: Option<Vec<i64>>,
    /// Points that must be sealed (e.g. a district's accesses); absent: the network's edge.
    #[serde(default)]
    pub exits: Option<Vec<LonLat>>,
    /// The incident the plan is for (jurisdiction checked; audit target).
    #[serde(default)]
    pub incident_id: Option<i64>,
}

/// One checkpoint of a plan.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanPoint {
    /// Graph node of the intersection.
    pub node: u32,
    pub lon: f64,
    pub lat: f64,
    /// Name of a road through it, if known.
    pub label: Option<String>,
    /// The unit sent there.
    pub unit_id: i64,
    pub call_sign: String,
    /// When the unit is there, seconds after the crime (head start included).
    pub unit_arrival_s: f64,
    /// The earliest the suspect could be there, seconds after the crime.
    pub suspect_earliest_s: f64,
    /// `suspect_earliest_s - unit_arrival_s`: how much earlier the unit is there.
    pub margin_s: f64,
    /// The unit's route `[lon, lat]` from its position.
    pub route: Vec<[f64; 2]>,
}

/// A way out the plan leaves open.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanOpenRoute {
    pub node: u32,
    pub lon: f64,
    pub lat: f64,
    /// The earliest the suspect could be at `node`.
    pub suspect_earliest_s: f64,
    /// The suspect's path `[lon, lat]` from the origin through `node` to an exit.
    pub path: Vec<[f64; 2]>,
}

/// Where the suspect could be by `seconds` after the crime.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReachArea {
    pub seconds: f64,
    /// Convex hull of the reachable intersections as a closed `[lon, lat]` ring (overstates the
    /// area where the network has gaps, as the isochrone does).
    pub polygon: Vec<[f64; 2]>,
    /// Number of reachable nodes.
    pub nodes: usize,
}

/// An interception plan.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterceptPlanResponse {
    /// Time 0 of the plan: now minus the head start. Pass it on to activation.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub crime_at: Time,
    pub origin: LonLat,
    pub head_start_s: f64,
    pub suspect_speed_kmh: Option<f64>,
    pub incident_id: Option<i64>,
    /// Whether every road to an exit is cut by a checkpoint held in time.
    pub complete: bool,
    /// When the last checkpoint is held, seconds after the crime.
    pub closing_s: f64,
    /// Checkpoints, most urgent (smallest margin) first.
    pub cordon: Vec<PlanPoint>,
    /// Routes left open (empty when complete), earliest first.
    pub open_routes: Vec<PlanOpenRoute>,
    /// Nodes the suspect can still reach once the cordon stands (the area to search).
    pub enclosed_nodes: usize,
    /// Exits the suspect could reach without a cordon.
    pub reachable_exits: usize,
    /// Units the planner considered.
    pub units_considered: usize,
    /// Units too far from any road, left out.
    pub unusable_unit_ids: Vec<i64>,
    /// The planner's remarks, each a code with its parameters (`{"code": "units_off_road",
    /// "units": 3}`): `origin_off_road {meters}`, `units_off_road {units}`, `already_enclosed`,
    /// `open_routes_untraced`, `incomplete {open_routes}`, `search {rounds, absorbed}`. The
    /// console words them in its language.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub notes: Vec<zhihui_roads::plan::Note>,
    /// The suspect's reachable area, growing: at the head start, the closing time, the moment
    /// the suspect could first reach the last checkpoint, and between (up to four, oldest first).
    pub reach: Vec<ReachArea>,
    /// The roads themselves up to the last of those moments: each `[lon_a, lat_a, lon_b, lat_b,
    /// s]` is a road segment and the earliest second after the crime the suspect can be on it
    /// (so a map shows the reach at any time `T` as the segments with `s <= T`). Earliest
    /// first, at most 40,000.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<f64>>))]
    pub reach_roads: Vec<[f64; 5]>,
    pub elapsed_ms: f64,
}

/// Plans an interception: a cordon of intersections around the suspect's last known position,
/// each reached by its own unit before the suspect can get there, cutting every road to an exit;
/// with the suspect's growing reach for the map. Leader and dispatcher only.
pub fn plan_intercept(
    c: &Connection,
    (registry, orgs): (&Registry, &OrgTree),
    actor: &Actor,
    net: &RoadNetwork,
    req: &InterceptPlanRequest,
    now: Time,
) -> Result<InterceptPlanResponse, StoreError> {
    require_planner(actor)?;
    req.origin.validate("origin")?;
    if !(req.head_start_s.is_finite() && (0.0..=86_400.0).contains(&req.head_start_s)) {
        return Err(invalid(
            "head_start_s",
            "must be a number of seconds between 0 and 86400",
        ));
    }
    if let Some(exits) = &req.exits {
        if exits.is_empty() || exits.len() > MAX_PLAN_POINTS {
            return Err(invalid("exits", format!("1 to {MAX_PLAN_POINTS} points")));
        }
    }
    check_incident(c, orgs, actor, req.incident_id)?;
    let units = fleet::plan_units(
        c,
        (registry, orgs),
        actor,
        req.unit_ids.as_deref(),
        MAX_PLAN_UNITS,
    )?;
    let exits = req
        .exits
        .as_ref()
        .map(|ex| {
            ex.iter()
                .enumerate()
                .map(|(i, p)| point_on_network(net, &format!("exits[{i}]"), p))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let origin = [req.origin.lon, req.origin.lat];
    let plan_req = InterceptRequest {
        origin,
        head_start_s: req.head_start_s,
        suspect: match req.suspect_speed_kmh {
            None => SuspectSpeed::CarProfile,
            Some(v) => SuspectSpeed::FixedKmh(v),
        },
        units: fleet::positions(&units),
        exits,
    };
    let p = plan::intercept(net, &plan_req).map_err(fleet::planner_error)?;
    let mut cordon: Vec<PlanPoint> = p
        .cordon
        .iter()
        .map(|c| PlanPoint {
            node: c.node,
            lon: c.lon,
            lat: c.lat,
            label: net
                .snap_for(Profile::Police, c.lon, c.lat)
                .and_then(|s| s.name),
            unit_id: units[c.unit].id,
            call_sign: units[c.unit].call_sign.clone(),
            unit_arrival_s: c.unit_arrival_s,
            suspect_earliest_s: c.suspect_earliest_s,
            margin_s: c.suspect_earliest_s - c.unit_arrival_s,
            route: c.route.clone(),
        })
        .collect();
    cordon.sort_by(|a, b| {
        a.margin_s
            .total_cmp(&b.margin_s)
            .then(a.suspect_earliest_s.total_cmp(&b.suspect_earliest_s))
            .then(a.node.cmp(&b.node))
    });
    let mut open_routes: Vec<PlanOpenRoute> = p
        .open_routes
        .iter()
        .map(|o| PlanOpenRoute {
            node: o.node,
            lon: o.lon,
            lat: o.lat,
            suspect_earliest_s: o.suspect_earliest_s,
            path: o.path.clone(),
        })
        .collect();
    open_routes.sort_by(|a, b| a.suspect_earliest_s.total_cmp(&b.suspect_earliest_s));
    let last_reached = p
        .cordon
        .iter()
        .map(|c| c.suspect_earliest_s)
        .fold(p.closing_s, f64::max);
    let (areas, reach_roads) = plan::reach::reach(
        net,
        origin,
        req.suspect_speed_kmh,
        &plan::reach::levels(req.head_start_s, p.closing_s, last_reached, REACH_STEPS),
        MAX_REACH_ROADS,
    );
    let reach = areas
        .into_iter()
        .map(|a| ReachArea {
            seconds: a.seconds,
            polygon: a.polygon,
            nodes: a.nodes,
        })
        .collect();
    Ok(InterceptPlanResponse {
        crime_at: now - chrono::Duration::milliseconds((req.head_start_s * 1000.0) as i64),
        origin: req.origin,
        head_start_s: req.head_start_s,
        suspect_speed_kmh: req.suspect_speed_kmh,
        incident_id: req.incident_id,
        complete: p.complete,
        closing_s: p.closing_s,
        cordon,
        open_routes,
        enclosed_nodes: p.enclosed_nodes,
        reachable_exits: p.reachable_exits,
        units_considered: units.len(),
        unusable_unit_ids: p.unusable_units.iter().map(|&i| units[i].id).collect(),
        reach_roads,
        notes: p.notes,
        reach,
        elapsed_ms: p.elapsed_ms,
    })
}

// ---------------------------------------------------------------- blockade

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BlockadePointIn {
    pub lon: f64,
    pub lat: f64,
    /// Name of the point.
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BlockadePlanRequest {
    /// Points to close.
    pub points: Vec<BlockadePointIn>,
    /// Units to use; absent: every available driving unit of your jurisdiction with a position.
    #[serde(default)]
    pub unit_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockadeItem {
    /// Index into `points`.
    pub point: usize,
    pub label: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub unit_id: i64,
    pub call_sign: String,
    /// Travel time in seconds from the unit's position (`police` profile).
    pub travel_s: f64,
    pub meters: f64,
    /// The unit's route `[lon, lat]`.
    pub route: Vec<[f64; 2]>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockadePlanResponse {
    /// When the last point is closed, seconds after the units start.
    pub makespan_s: f64,
    /// Sum of all travel times.
    pub total_s: f64,
    /// One unit per point, by point index.
    pub assignments: Vec<BlockadeItem>,
    /// Points no unit reaches, or left over with fewer units than points.
    pub unassigned_points: Vec<usize>,
    /// Units too far from any road, left out.
    pub unusable_unit_ids: Vec<i64>,
    pub elapsed_ms: f64,
}

/// Closes given points, one unit each: as many points as possible, then the earliest time by
/// which all are closed, then the least total driving (exact). Leader and dispatcher only.
pub fn plan_blockade(
    c: &Connection,
    ctx: (&Registry, &OrgTree),
    actor: &Actor,
    net: &RoadNetwork,
    req: &BlockadePlanRequest,
) -> Result<BlockadePlanResponse, StoreError> {
    require_planner(actor)?;
    if req.points.is_empty() || req.points.len() > MAX_PLAN_POINTS {
        return Err(invalid("points", format!("1 to {MAX_PLAN_POINTS} points")));
    }
    for (i, p) in req.points.iter().enumerate() {
        if p.label.as_ref().is_some_and(|l| l.chars().count() > 60) {
            return Err(invalid(
                &format!("points[{i}].label"),
                "at most 60 characters",
            ));
        }
    }
    let units = fleet::plan_units(c, ctx, actor, req.unit_ids.as_deref(), MAX_PLAN_UNITS)?;
    let points = req
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = LonLat {
                lon: p.lon,
                lat: p.lat,
            };
            point_on_network(net, &format!("points[{i}]"), &at)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let b = plan::blockade(
        net,
        &BlockadeRequest {
            points,
            units: fleet::positions(&units),
            with_routes: true,
        },
    )
    .map_err(fleet::planner_error)?;
    Ok(BlockadePlanResponse {
        makespan_s: b.makespan_s,
        total_s: b.total_s,
        assignments: b
            .assignments
            .iter()
            .map(|a| BlockadeItem {
                point: a.point,
                label: req.points[a.point].label.clone(),
                lon: req.points[a.point].lon,
                lat: req.points[a.point].lat,
                unit_id: units[a.unit].id,
                call_sign: units[a.unit].call_sign.clone(),
                travel_s: a.travel_s,
                meters: a.meters,
                route: a.route.clone(),
            })
            .collect(),
        unassigned_points: b.unassigned_points,
        unusable_unit_ids: b.unusable_units.iter().map(|&i| units[i].id).collect(),
        elapsed_ms: b.elapsed_ms,
    })
}

// ---------------------------------------------------------------- activation

/// Checks an activation before it is written, so that every refusal names its field (a 403
/// included): the input, the role, the incident, and each checkpoint's unit. The write checks
/// again.
pub fn check_activation(
    c: &Connection,
    (registry, orgs): (&Registry, &OrgTree),
    actor: &Actor,
    new: &NewInterception,
) -> Result<(), StoreError> {
    new.validate()?;
    actor.require(Action::WriteIncident, "activate interceptions")?;
    check_incident(c, orgs, actor, new.incident_id)?;
    for (i, p) in new.points.iter().enumerate() {
        let f = format!("points[{i}].unit_id");
        check_unit(c, registry, orgs, actor, p.unit_id, &f).map_err(|e| e.at(&f))?;
    }
    Ok(())
}
