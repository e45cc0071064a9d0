//! Emergency plans on the road network (设卡布控 / 封控) and their activation as interceptions:
//! planning answers which intersections to block and which unit goes where; activation sends the
//! instructions and follows each checkpoint until the interception is closed with an outcome.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zhihui_core::{
    Action, Interception, InterceptionOutcome, LonLat, NewInterception, Time, UnitKind,
};
use zhihui_roads::plan::{self, BlockadeRequest, InterceptRequest, SuspectSpeed};
use zhihui_roads::{Profile, RoadNetwork, RoadsError};
use zhihui_store::commands::{self, Actor};
use zhihui_store::interception as icp;
use zhihui_store::projections::{self, FreeUnit};
use zhihui_store::StoreError;

use crate::api::audit_refusal;
use crate::auth::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, status_filter, ApiJson};
use crate::{blocking, map, AppState, Authed};

/// Most units one plan considers (explicit `unit_ids`).
pub const MAX_PLAN_UNITS: usize = 2000;
/// Most points of a blockade or exits of an interception plan.
pub const MAX_PLAN_POINTS: usize = 500;
/// How many reachable-area snapshots an interception plan carries.
const REACH_STEPS: usize = 4;

/// At most this many segments in `reach_roads` (a city-wide reach stays a few MB of JSON).
const MAX_REACH_ROADS: usize = 40_000;

/// The unit kinds an interception uses when none are named: foot patrols are left out, because
/// the planner drives every unit on the `police` profile.
const DRIVING: [UnitKind; 4] = [
    UnitKind::PatrolCar,
    UnitKind::Traffic,
    UnitKind::Swat,
    UnitKind::Community,
];

fn require_planner(actor: &Actor) -> ApiResult<()> {
    actor
        .require(Action::PlanOperations, "plan interceptions")
        .map_err(ApiError::from)
}

/// A store refusal about a field the handler knows, with that field named even for 403.
/// A store error as the API's, naming `field` when the store named none (or refused access).
pub(crate) fn with_field(e: StoreError, field: &str) -> ApiError {
    ApiError::from(e.at(field))
}

/// A planner error as the API's: bad input names its field, anything else is logged.
pub(crate) fn roads_error(e: RoadsError) -> ApiError {
    match e {
        RoadsError::InvalidPlanInput { field, message } => {
            // The planner names its own inputs; the API's are unit ids, not positions.
            let field = if field == "units" {
                "unit_ids".to_owned()
            } else {
                field
            };
            ApiError::invalid(field, message)
        }
        other => {
            tracing::error!(error = %other, "planner failure");
            ApiError::internal("the planner failed")
        }
    }
}

fn point_on_network(net: &RoadNetwork, field: &str, p: &LonLat) -> ApiResult<[f64; 2]> {
    p.validate(field)
        .map_err(|e| ApiError::invalid(e.field().unwrap_or(field).to_owned(), e.to_string()))?;
    match net.snap_for(Profile::Car, p.lon, p.lat) {
        Some(s) if s.distance_m <= plan::MAX_SNAP_M => Ok([p.lon, p.lat]),
        Some(s) => Err(ApiError::invalid(
            field,
            format!(
                "{:.0} m from the nearest road (at most {} m)",
                s.distance_m,
                plan::MAX_SNAP_M
            ),
        )),
        None => Err(ApiError::invalid(field, "not on the road network")),
    }
}

/// The units a plan may use: the given ones, each checked (known, in jurisdiction, available,
/// with a position, holding no checkpoint), or every free driving unit of the jurisdiction that
/// has a position.
fn plan_units(
    c: &icp::Connection,
    registry: &zhihui_store::Registry,
    orgs: &zhihui_core::OrgTree,
    actor: &Actor,
    ids: Option<&[i64]>,
) -> ApiResult<Vec<FreeUnit>> {
    let Some(ids) = ids else {
        let units: Vec<FreeUnit> =
            projections::free_units(c, &orgs.subtree_ids(&actor.org_id), &DRIVING)
                .map_err(ApiError::from)?
                .into_iter()
                .filter(|u| u.position.is_some())
                .collect();
        if units.is_empty() {
            return Err(ApiError::invalid(
                "unit_ids",
                "no available unit with a known position in your jurisdiction",
            ));
        }
        return Ok(units);
    };
    if ids.is_empty() || ids.len() > MAX_PLAN_UNITS {
        return Err(ApiError::invalid(
            "unit_ids",
            format!("1 to {MAX_PLAN_UNITS} units"),
        ));
    }
    let mut out = Vec::with_capacity(ids.len());
    for (i, &id) in ids.iter().enumerate() {
        let field = format!("unit_ids[{i}]");
        if ids[..i].contains(&id) {
            return Err(ApiError::invalid(
                field,
                format!("unit {id} is listed twice"),
            ));
        }
        let u = commands::check_unit(c, registry, orgs, actor, id, &field)
            .map_err(|e| with_field(e, &field))?;
        if u.position.is_none() {
            return Err(ApiError::invalid(
                field,
                format!("unit {} has no known position", u.call_sign),
            ));
        }
        out.push(FreeUnit::from(&u));
    }
    Ok(out)
}

fn check_incident(
    c: &icp::Connection,
    orgs: &zhihui_core::OrgTree,
    actor: &Actor,
    id: Option<i64>,
) -> ApiResult<()> {
    if let Some(id) = id {
        commands::load_incident(c, orgs, actor, id).map_err(|e| match e {
            StoreError::NotFound(m) => ApiError::invalid("incident_id", format!("{m} not found")),
            other => with_field(other, "incident_id"),
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------- interception plan

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterceptPlanRequest {
    /// The suspect's last known position at the crime time.
    origin: LonLat,
    /// Seconds between the crime and the moment units can start (0..86400).
    head_start_s: f64,
    /// The suspect's speed on every road; absent: the `car` profile's road speeds.
    #[serde(default)]
    suspect_speed_kmh: Option<f64>,
    /// Units to use; absent: every available driving unit of your jurisdiction with a position.
    #[serde(default)]
    unit_ids: Option<Vec<i64>>,
    /// Points that must be sealed (e.g. a district's accesses); absent: the network's edge.
    #[serde(default)]
    exits: Option<Vec<LonLat>>,
    /// The incident the plan is for (jurisdiction checked; audit target).
    #[serde(default)]
    incident_id: Option<i64>,
}

/// One checkpoint of a plan.
#[derive(Serialize, ToSchema)]
pub struct PlanPoint {
    /// Graph node of the intersection.
    node: u32,
    lon: f64,
    lat: f64,
    /// Name of a road through it, if known.
    label: Option<String>,
    /// The unit sent there.
    unit_id: i64,
    call_sign: String,
    /// When the unit is there, seconds after the crime (head start included).
    unit_arrival_s: f64,
    /// The earliest the suspect could be there, seconds after the crime.
    suspect_earliest_s: f64,
    /// `suspect_earliest_s - unit_arrival_s`: how much earlier the unit is there.
    margin_s: f64,
    /// The unit's route `[lon, lat]` from its position.
    route: Vec<[f64; 2]>,
}

/// A way out the plan leaves open.
#[derive(Serialize, ToSchema)]
pub struct PlanOpenRoute {
    node: u32,
    lon: f64,
    lat: f64,
    /// The earliest the suspect could be at `node`.
    suspect_earliest_s: f64,
    /// The suspect's path `[lon, lat]` from the origin through `node` to an exit.
    path: Vec<[f64; 2]>,
}

/// Where the suspect could be by `seconds` after the crime.
#[derive(Serialize, ToSchema)]
pub struct ReachArea {
    seconds: f64,
    /// Convex hull of the reachable intersections as a closed `[lon, lat]` ring (overstates the
    /// area where the network has gaps, as the isochrone does).
    polygon: Vec<[f64; 2]>,
    /// Number of reachable nodes.
    nodes: usize,
}

/// An interception plan.
#[derive(Serialize, ToSchema)]
pub struct InterceptPlanResponse {
    /// Time 0 of the plan: now minus the head start. Pass it on to activation.
    #[schema(value_type = String, format = DateTime)]
    crime_at: Time,
    origin: LonLat,
    head_start_s: f64,
    suspect_speed_kmh: Option<f64>,
    incident_id: Option<i64>,
    /// Whether every road to an exit is cut by a checkpoint held in time.
    complete: bool,
    /// When the last checkpoint is held, seconds after the crime.
    closing_s: f64,
    /// Checkpoints, most urgent (smallest margin) first.
    cordon: Vec<PlanPoint>,
    /// Routes left open (empty when complete), earliest first.
    open_routes: Vec<PlanOpenRoute>,
    /// Nodes the suspect can still reach once the cordon stands (the area to search).
    enclosed_nodes: usize,
    /// Exits the suspect could reach without a cordon.
    reachable_exits: usize,
    /// Units the planner considered.
    units_considered: usize,
    /// Units too far from any road, left out.
    unusable_unit_ids: Vec<i64>,
    /// The planner's remarks.
    notes: Vec<String>,
    /// The suspect's reachable area, growing: at the head start, the closing time, the moment
    /// the suspect could first reach the last checkpoint, and between (up to four, oldest first).
    reach: Vec<ReachArea>,
    /// The roads themselves up to the last of those moments: each `[lon_a, lat_a, lon_b, lat_b,
    /// s]` is a road segment and the earliest second after the crime the suspect can be on it
    /// (so a map shows the reach at any time `T` as the segments with `s <= T`). Earliest
    /// first, at most 40,000.
    #[schema(value_type = Vec<Vec<f64>>)]
    reach_roads: Vec<[f64; 5]>,
    elapsed_ms: f64,
}

/// Plans an interception (设卡布控): a cordon of intersections around the suspect's last known
/// position, each reached by its own unit before the suspect can get there, cutting every road
/// to an exit. Leader and dispatcher only; audited.
#[utoipa::path(post, path = "/api/v1/plans/intercept", request_body = InterceptPlanRequest,
    responses((status = 200, body = InterceptPlanResponse), (status = 403), (status = 409, description = "a named unit is not available"),
              (status = 422, description = "bad input, field named"), (status = 503, description = "no road network")),
    security(("bearer" = [])))]
pub async fn intercept(
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<InterceptPlanRequest>,
) -> ApiResult<Json<InterceptPlanResponse>> {
    let target = req
        .incident_id
        .map(|i| format!("incident:{i}"))
        .unwrap_or_else(|| "plan".into());
    let r = plan_intercept(&state, &auth, req).await;
    let r = audit_refusal(&state, &auth.actor, "plan.intercept", &target, r).await?;
    audit(
        &state,
        &auth.actor.username,
        "plan.intercept",
        &target,
        "ok",
        json!({ "units": r.units_considered, "cordon": r.cordon.len(), "complete": r.complete }),
    )
    .await;
    Ok(Json(r))
}

async fn plan_intercept(
    state: &AppState,
    auth: &Authed,
    req: InterceptPlanRequest,
) -> ApiResult<InterceptPlanResponse> {
    require_planner(&auth.actor)?;
    let net = map::network(state)?;
    req.origin
        .validate("origin")
        .map_err(|e| ApiError::invalid(e.field().unwrap_or("origin").to_owned(), e.to_string()))?;
    if !(req.head_start_s.is_finite() && (0.0..=86_400.0).contains(&req.head_start_s)) {
        return Err(ApiError::invalid(
            "head_start_s",
            "must be a number of seconds between 0 and 86400",
        ));
    }
    if let Some(exits) = &req.exits {
        if exits.is_empty() || exits.len() > MAX_PLAN_POINTS {
            return Err(ApiError::invalid(
                "exits",
                format!("1 to {MAX_PLAN_POINTS} points"),
            ));
        }
    }
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let st = state.clone();
    let r = tokio::task::spawn_blocking(move || -> ApiResult<InterceptPlanResponse> {
        let units = st
            .store
            .read(|c| {
                Ok(
                    check_incident(c, &orgs, &actor, req.incident_id).and_then(|()| {
                        plan_units(
                            c,
                            st.store.registry(),
                            &orgs,
                            &actor,
                            req.unit_ids.as_deref(),
                        )
                    }),
                )
            })
            .map_err(ApiError::from)??;
        let exits = req
            .exits
            .as_ref()
            .map(|ex| {
                ex.iter()
                    .enumerate()
                    .map(|(i, p)| point_on_network(&net, &format!("exits[{i}]"), p))
                    .collect::<ApiResult<Vec<_>>>()
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
            units: units
                .iter()
                .map(|u| {
                    u.position
                        .map(|p| [p.lon, p.lat])
                        .unwrap_or([f64::NAN, f64::NAN])
                })
                .collect(),
            exits,
        };
        let p = plan::intercept(&net, &plan_req).map_err(roads_error)?;
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
            &net,
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
    })
    .await
    .map_err(|_| ApiError::internal("planning worker failed"))?;
    r
}

// ---------------------------------------------------------------- blockade

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockadePointIn {
    lon: f64,
    lat: f64,
    /// Name of the point.
    #[serde(default)]
    label: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockadePlanRequest {
    /// Points to close.
    points: Vec<BlockadePointIn>,
    /// Units to use; absent: every available driving unit of your jurisdiction with a position.
    #[serde(default)]
    unit_ids: Option<Vec<i64>>,
}

#[derive(Serialize, ToSchema)]
pub struct BlockadeItem {
    /// Index into `points`.
    point: usize,
    label: Option<String>,
    lon: f64,
    lat: f64,
    unit_id: i64,
    call_sign: String,
    /// Travel time in seconds from the unit's position (`police` profile).
    travel_s: f64,
    meters: f64,
    /// The unit's route `[lon, lat]`.
    route: Vec<[f64; 2]>,
}

#[derive(Serialize, ToSchema)]
pub struct BlockadePlanResponse {
    /// When the last point is closed, seconds after the units start.
    makespan_s: f64,
    /// Sum of all travel times.
    total_s: f64,
    /// One unit per point, by point index.
    assignments: Vec<BlockadeItem>,
    /// Points no unit reaches, or left over with fewer units than points.
    unassigned_points: Vec<usize>,
    /// Units too far from any road, left out.
    unusable_unit_ids: Vec<i64>,
    elapsed_ms: f64,
}

/// Closes given points (封控), one unit each: as many points as possible, then the earliest time
/// by which all are closed, then the least total driving (exact). Leader and dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/plans/blockade", request_body = BlockadePlanRequest,
    responses((status = 200, body = BlockadePlanResponse), (status = 403), (status = 422), (status = 503)),
    security(("bearer" = [])))]
pub async fn blockade(
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<BlockadePlanRequest>,
) -> ApiResult<Json<BlockadePlanResponse>> {
    let r = plan_blockade(&state, &auth, req).await;
    let r = audit_refusal(&state, &auth.actor, "plan.blockade", "plan", r).await?;
    audit(
        &state,
        &auth.actor.username,
        "plan.blockade",
        "plan",
        "ok",
        json!({ "points": r.assignments.len() + r.unassigned_points.len(), "assigned": r.assignments.len() }),
    )
    .await;
    Ok(Json(r))
}

async fn plan_blockade(
    state: &AppState,
    auth: &Authed,
    req: BlockadePlanRequest,
) -> ApiResult<BlockadePlanResponse> {
    require_planner(&auth.actor)?;
    let net = map::network(state)?;
    if req.points.is_empty() || req.points.len() > MAX_PLAN_POINTS {
        return Err(ApiError::invalid(
            "points",
            format!("1 to {MAX_PLAN_POINTS} points"),
        ));
    }
    for (i, p) in req.points.iter().enumerate() {
        if let Some(l) = &p.label {
            if l.chars().count() > 60 {
                return Err(ApiError::invalid(
                    format!("points[{i}].label"),
                    "at most 60 characters",
                ));
            }
        }
    }
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    tokio::task::spawn_blocking(move || -> ApiResult<BlockadePlanResponse> {
        let units = st
            .store
            .read(|c| {
                Ok(plan_units(
                    c,
                    st.store.registry(),
                    &orgs,
                    &actor,
                    req.unit_ids.as_deref(),
                ))
            })
            .map_err(ApiError::from)??;
        let points = req
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                point_on_network(
                    &net,
                    &format!("points[{i}]"),
                    &LonLat {
                        lon: p.lon,
                        lat: p.lat,
                    },
                )
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let b = plan::blockade(
            &net,
            &BlockadeRequest {
                points,
                units: units
                    .iter()
                    .map(|u| {
                        u.position
                            .map(|p| [p.lon, p.lat])
                            .unwrap_or([f64::NAN, f64::NAN])
                    })
                    .collect(),
                with_routes: true,
            },
        )
        .map_err(roads_error)?;
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
    })
    .await
    .map_err(|_| ApiError::internal("planning worker failed"))?
}

// ---------------------------------------------------------------- interceptions

#[derive(Serialize, ToSchema)]
pub struct InterceptionList {
    items: Vec<Interception>,
    /// How many the caller may see in all (for paging).
    total: i64,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Activates an interception: one instruction (指令) per checkpoint to its unit, deadline = the
/// crime time plus the suspect's earliest time there, feedback required, supervision copied; each
/// unit is marked dispatched. All or nothing; audited.
#[utoipa::path(post, path = "/api/v1/interceptions", request_body = NewInterception,
    responses((status = 201, body = Interception), (status = 403), (status = 409, description = "a unit is not available"), (status = 422)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(new): ApiJson<NewInterception>,
) -> ApiResult<(StatusCode, Json<Interception>)> {
    let r = activate(&state, &auth, new).await;
    let rec = audit_refusal(
        &state,
        &auth.actor,
        "interception.create",
        "interception",
        r,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

async fn activate(
    state: &AppState,
    auth: &Authed,
    new: NewInterception,
) -> ApiResult<Interception> {
    new.validate()
        .map_err(|e| ApiError::from(StoreError::Domain(e)))?;
    auth.actor
        .require(zhihui_core::Action::WriteIncident, "activate interceptions")
        .map_err(ApiError::from)?;
    // Read first so every refusal names its field (403 included); the write checks again.
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let ids: Vec<i64> = new.points.iter().map(|p| p.unit_id).collect();
    let incident = new.incident_id;
    blocking(move || {
        st.store.read(|c| {
            Ok(check_incident(c, &orgs, &actor, incident).and_then(|()| {
                for (i, id) in ids.iter().enumerate() {
                    let f = format!("points[{i}].unit_id");
                    commands::check_unit(c, st.store.registry(), &orgs, &actor, *id, &f)
                        .map_err(|e| with_field(e, &f))?;
                }
                Ok(())
            }))
        })
    })
    .await??;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    state
        .store
        .write(move |tx| icp::create_interception(tx, &orgs, &actor, new, now))
        .await
        .map_err(ApiError::from)
}

/// Interceptions the caller may see, newest first (`status`: active or closed).
#[utoipa::path(get, path = "/api/v1/interceptions", params(("status" = Option<String>, Query, description = "active or closed"),
    ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "page size, default 200"), ("offset" = Option<i64>, Query, minimum = 0)),
    responses((status = 200, body = InterceptionList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<InterceptionList>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let status = status_filter(q.status.as_deref(), &["active", "closed"])?;
    let (limit, offset) = crate::extract::page(q.limit, q.offset, 200, 500)?;
    let viewer = zhihui_store::reach::Viewer::of(&state.orgs(), &auth.actor);
    let st = state.clone();
    let (items, total) = blocking(move || {
        st.store
            .read(|c| icp::list_interceptions_for(c, &viewer, status.as_deref(), limit, offset))
    })
    .await?;
    Ok(Json(InterceptionList { items, total }))
}

async fn load(state: &AppState, auth: &Authed, id: i64, action: &str) -> ApiResult<Interception> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let r = blocking(move || {
        st.store
            .read(|c| icp::load_interception(c, &orgs, &actor, id))
    })
    .await;
    audit_refusal(state, &auth.actor, action, &format!("interception:{id}"), r).await
}

/// One interception with the state of each checkpoint.
#[utoipa::path(get, path = "/api/v1/interceptions/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Interception), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Interception>> {
    let id = parse_id(&id)?;
    Ok(Json(load(&state, &auth, id, "interception.read").await?))
}

#[derive(Serialize, ToSchema)]
pub struct InterceptionTimelineItem {
    seq: i64,
    #[schema(value_type = String, format = DateTime)]
    at: Time,
    actor: String,
    /// `interception.created|point_signed|point_arrived|point_feedback|point_late|closed`.
    kind: String,
    /// `{"record": the interception after the change, "detail": {"point": i, …}}`.
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct InterceptionTimeline {
    items: Vec<InterceptionTimelineItem>,
}

/// Every event of an interception, oldest first.
#[utoipa::path(get, path = "/api/v1/interceptions/{id}/timeline", params(("id" = i64, Path)),
    responses((status = 200, body = InterceptionTimeline), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<InterceptionTimeline>> {
    let id = parse_id(&id)?;
    load(&state, &auth, id, "interception.read").await?;
    let st = state.clone();
    let events = blocking(move || {
        st.store
            .read(|c| projections::record_events(c, "interception", id))
    })
    .await?;
    Ok(Json(InterceptionTimeline {
        items: events
            .into_iter()
            .map(|e| InterceptionTimelineItem {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                kind: e.kind,
                data: json!({ "record": e.payload.get("record"), "detail": e.payload.get("detail") }),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInterception {
    /// caught, lost or stood_down.
    outcome: String,
    /// What happened (up to 2000 characters).
    #[serde(default)]
    summary: String,
}

/// Closes the interception with its outcome (the issuer, or a leader above): its open
/// instructions close with it and its units become available again. Audited.
#[utoipa::path(post, path = "/api/v1/interceptions/{id}/close", params(("id" = i64, Path)), request_body = CloseInterception,
    responses((status = 200, body = Interception), (status = 403), (status = 409, description = "already closed"), (status = 422)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseInterception>,
) -> ApiResult<Json<Interception>> {
    let id = parse_id(&id)?;
    let outcome = InterceptionOutcome::parse(req.outcome.trim())
        .ok_or_else(|| ApiError::invalid("outcome", "one of caught, lost, stood_down"))?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| icp::close_interception(tx, &orgs, &actor, id, outcome, &req.summary, now))
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "interception.close",
            &format!("interception:{id}"),
            r,
        )
        .await?,
    ))
}

/// The unit reports being at its checkpoint (`index` from 0); position reports within
/// 150 m do the same by themselves. The unit itself or a dispatcher for it; audited.
#[utoipa::path(post, path = "/api/v1/interceptions/{id}/points/{index}/arrived", params(("id" = i64, Path), ("index" = usize, Path)),
    responses((status = 200, body = Interception), (status = 403), (status = 409, description = "already there or closed")),
    security(("bearer" = [])))]
pub async fn arrive(
    State(state): State<AppState>,
    auth: Authed,
    Path((id, index)): Path<(String, String)>,
) -> ApiResult<Json<Interception>> {
    let id = parse_id(&id)?;
    let index: usize = index.parse().map_err(|_| {
        ApiError::bad_request(format!("`{index}` is not a checkpoint index")).field("index")
    })?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| icp::report_arrival(tx, &orgs, &actor, id, index, now))
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "interception.arrive",
            &format!("interception:{id}"),
            r,
        )
        .await?,
    ))
}
