//! Major-event deployment (重大安保): events with their posts, the optimal deployment of the
//! jurisdiction's free units onto them (`zhihui_roads::plan::deploy`, off the async threads),
//! accepting it as instructions, the live board of every post, and one-click relief.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zhihui_core::major_event::{EventStatus, MajorEvent, NewEvent, Post, PostKind, PostStatus};
use zhihui_core::{Action, LonLat, Time, UnitKind};
use zhihui_roads::plan::{self, DeployUnit};
use zhihui_roads::{Profile, RoadNetwork};
use zhihui_store::commands::Actor;
use zhihui_store::interception::{self as icp, Connection};
use zhihui_store::major_events::{self as me, AssignItem};
use zhihui_store::projections::{self, FreeUnit};
use zhihui_store::StoreError;

use crate::api::audit_refusal;
use crate::auth::audit;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, status_filter, ApiJson};
use crate::plans::{roads_error, with_field};
use crate::{blocking, map, AppState, Authed};

/// Unit kinds a deployment or a relief uses when the caller names none: the planner drives
/// every unit on the `police` profile, so foot patrols are left out.
const DRIVING: [UnitKind; 4] = [
    UnitKind::PatrolCar,
    UnitKind::Traffic,
    UnitKind::Swat,
    UnitKind::Community,
];

/// Most units one deployment considers.
pub const MAX_DEPLOY_UNITS: usize = 5000;

fn require_writer(actor: &Actor, what: &str) -> ApiResult<()> {
    actor
        .require(Action::WriteIncident, what)
        .map_err(ApiError::from)
}

async fn load_event(state: &AppState, auth: &Authed, id: i64) -> ApiResult<MajorEvent> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let r = blocking(move || st.store.read(|c| me::load_event(c, &orgs, &actor, id))).await;
    audit_refusal(state, &auth.actor, "event.read", &format!("event:{id}"), r).await
}

fn parse_post(raw: &str) -> ApiResult<i64> {
    parse_id(raw).map_err(|e| e.field("post"))
}

// ---------------------------------------------------------------- records

/// An event with all its posts.
#[derive(Serialize, ToSchema)]
pub struct EventDetail {
    event: MajorEvent,
    posts: Vec<Post>,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    items: Vec<MajorEvent>,
    /// How many the caller may see in all (for paging).
    total: i64,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Creates an event (活动) with all its posts — checkpoints and duty points, each with the unit
/// kinds it takes, its staff and its shift. With a road network, every post must lie within
/// 1500 m of a road. Admin, leader, dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/events", request_body = NewEvent,
    responses((status = 201, body = EventDetail), (status = 403), (status = 422, description = "bad input, field named")),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(new): ApiJson<NewEvent>,
) -> ApiResult<(StatusCode, Json<EventDetail>)> {
    let r = create_inner(&state, &auth, new).await;
    let d = audit_refusal(&state, &auth.actor, "event.create", "event", r).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

async fn create_inner(state: &AppState, auth: &Authed, new: NewEvent) -> ApiResult<EventDetail> {
    require_writer(&auth.actor, "create event deployments")?;
    let now = state.now();
    new.validate(now)
        .map_err(|e| ApiError::from(StoreError::Domain(e)))?;
    let orgs = state.orgs();
    if let Some(o) = &new.org_id {
        if orgs.get(o).is_none() {
            return Err(ApiError::invalid(
                "org_id",
                format!("unknown organisation `{o}`"),
            ));
        }
        auth.actor
            .require_within(&orgs, o)
            .map_err(|e| with_field(e, "org_id"))?;
    }
    if let Ok(net) = map::network(state) {
        for (i, p) in new.posts.iter().enumerate() {
            match net.snap_for(Profile::Police, p.lon, p.lat) {
                Some(s) if s.distance_m <= plan::MAX_SNAP_M => {}
                Some(s) => {
                    return Err(ApiError::invalid(
                        format!("posts[{i}]"),
                        format!(
                            "{:.0} m from the nearest road (at most {} m)",
                            s.distance_m,
                            plan::MAX_SNAP_M
                        ),
                    ))
                }
                None => {
                    return Err(ApiError::invalid(
                        format!("posts[{i}]"),
                        "not on the road network",
                    ))
                }
            }
        }
    }
    let actor = auth.actor.clone();
    let (event, posts) = state
        .store
        .write(move |tx| me::create_event(tx, &orgs, &actor, new, now))
        .await
        .map_err(|e| with_field(e, "org_id"))?;
    Ok(EventDetail { event, posts })
}

/// Events the caller may see (run within their jurisdiction), newest first.
#[utoipa::path(get, path = "/api/v1/events", params(("status" = Option<String>, Query, description = "active or closed"),
    ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "page size, default 200"), ("offset" = Option<i64>, Query, minimum = 0)),
    responses((status = 200, body = EventList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<EventList>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let status = status_filter(q.status.as_deref(), &["active", "closed"])?;
    let (limit, offset) = crate::extract::page(q.limit, q.offset, 200, 500)?;
    let orgs = state.orgs().subtree_ids(&auth.actor.org_id);
    let st = state.clone();
    let (items, total) = blocking(move || {
        st.store
            .read(|c| me::list_events_in(c, &orgs, status.as_deref(), limit, offset))
    })
    .await?;
    Ok(Json(EventList { items, total }))
}

/// One event with all its posts.
#[utoipa::path(get, path = "/api/v1/events/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = EventDetail), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<EventDetail>> {
    let id = parse_id(&id)?;
    let event = load_event(&state, &auth, id).await?;
    let st = state.clone();
    let posts = blocking(move || st.store.read(|c| me::event_posts(c, id))).await?;
    Ok(Json(EventDetail { event, posts }))
}

// ---------------------------------------------------------------- board

/// The board's counts: posts by kind and status, units and places.
#[derive(Serialize, ToSchema, Default)]
pub struct BoardCounts {
    posts: usize,
    checkpoints: usize,
    duty_points: usize,
    /// Sum of the posts' staff.
    places: u32,
    staffed: usize,
    pending: usize,
    late: usize,
    empty: usize,
    relieved: usize,
    ended: usize,
    /// Units on site.
    on_site: u32,
    /// Units holding a place (on site, on their way, or gone from it).
    assigned: u32,
    /// Units overdue.
    overdue: u32,
    /// Places nobody holds (gaps).
    vacant: u32,
}

/// The live board of an event.
#[derive(Serialize, ToSchema)]
pub struct Board {
    event: MajorEvent,
    #[schema(value_type = String, format = DateTime)]
    now: Time,
    counts: BoardCounts,
    /// The posts (all, or those of the `status` asked for), by number.
    posts: Vec<Post>,
}

#[derive(Deserialize)]
pub struct BoardQuery {
    status: Option<String>,
}

fn counts(posts: &[Post]) -> BoardCounts {
    let mut c = BoardCounts {
        posts: posts.len(),
        ..Default::default()
    };
    for p in posts {
        match p.kind {
            PostKind::Checkpoint => c.checkpoints += 1,
            PostKind::DutyPoint => c.duty_points += 1,
        }
        c.places += p.staff;
        c.on_site += p.on_site;
        c.assigned += p.assigned;
        c.overdue += p.overdue;
        c.vacant += p.vacant;
        match p.status {
            PostStatus::Staffed => c.staffed += 1,
            PostStatus::Pending => c.pending += 1,
            PostStatus::Late => c.late += 1,
            PostStatus::Empty => c.empty += 1,
            PostStatus::Relieved => c.relieved += 1,
            PostStatus::Ended => c.ended += 1,
        }
    }
    c
}

/// The live board: every post with its status (staffed / late / empty / relieved / pending /
/// ended), who is there, who is late, the gaps, and the counts. One read for the whole event;
/// the live feed (`record_type: "post"`) keeps it current.
#[utoipa::path(get, path = "/api/v1/events/{id}/board", params(("id" = i64, Path), ("status" = Option<String>, Query, description = "comma-separated statuses to list")),
    responses((status = 200, body = Board), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn board(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    q: Result<Query<BoardQuery>, QueryRejection>,
) -> ApiResult<Json<Board>> {
    let id = parse_id(&id)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let wanted = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.split(',')
                .map(|x| {
                    PostStatus::parse(x.trim()).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "unknown status `{x}`; pending, staffed, late, empty, relieved or ended"
                        ))
                        .field("status")
                    })
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
    };
    let event = load_event(&state, &auth, id).await?;
    let st = state.clone();
    let posts = blocking(move || st.store.read(|c| me::event_posts(c, id))).await?;
    let counts = counts(&posts);
    let posts = match wanted {
        None => posts,
        Some(w) => posts
            .into_iter()
            .filter(|p| w.contains(&p.status))
            .collect(),
    };
    Ok(Json(Board {
        event,
        now: state.now(),
        counts,
        posts,
    }))
}

// ---------------------------------------------------------------- deployment

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct DeployRequest {
    /// Units to use; absent: every available driving unit of your jurisdiction with a position.
    #[serde(default)]
    unit_ids: Option<Vec<i64>>,
}

/// One unit for one post in a proposal.
#[derive(Serialize, ToSchema)]
pub struct ProposedPosting {
    post_id: i64,
    post_index: usize,
    label: String,
    unit_id: i64,
    call_sign: String,
    kind: UnitKind,
    /// Travel time by road now (police profile), seconds.
    travel_s: f64,
}

/// Places of a post the proposal leaves empty.
#[derive(Serialize, ToSchema)]
pub struct ShortPost {
    post_id: i64,
    post_index: usize,
    label: String,
    places: usize,
}

/// A deployment proposal: nothing is sent until it is accepted (`POST …/assignments`).
#[derive(Serialize, ToSchema)]
pub struct Proposal {
    event_id: i64,
    /// By post, then unit.
    postings: Vec<ProposedPosting>,
    /// Posts with places no usable unit of an accepted kind could fill.
    short: Vec<ShortPost>,
    /// Open places the proposal was asked to fill.
    places: usize,
    /// Places filled.
    filled: usize,
    /// When the last unit is in place, seconds from now.
    makespan_s: f64,
    /// Sum of all travel times.
    total_s: f64,
    units_considered: usize,
    /// Units too far from any road, left out.
    unusable_unit_ids: Vec<i64>,
    /// Planning time (the assignment itself).
    elapsed_ms: f64,
}

/// The units a deployment may use: the given ones, each checked (known, in jurisdiction,
/// available, holding nothing, with a position), or every free driving unit of the jurisdiction
/// with a position.
fn deploy_units(
    c: &Connection,
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
    if ids.is_empty() || ids.len() > MAX_DEPLOY_UNITS {
        return Err(ApiError::invalid(
            "unit_ids",
            format!("1 to {MAX_DEPLOY_UNITS} units"),
        ));
    }
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    let mut out = Vec::with_capacity(ids.len());
    for (i, &id) in ids.iter().enumerate() {
        let field = format!("unit_ids[{i}]");
        if !seen.insert(id) {
            return Err(ApiError::invalid(
                field,
                format!("unit {id} is listed twice"),
            ));
        }
        let u = zhihui_store::commands::check_unit(c, registry, orgs, actor, id, &field)
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

/// Proposes the optimal deployment of free units onto the event's open places
/// (`zhihui_roads::plan::deploy`: most places filled, then the earliest time by which everyone
/// is in place, then the least total driving; a unit fills only places of posts that take its
/// kind). Nothing is sent. Admin, leader, dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/deploy", params(("id" = i64, Path)), request_body = DeployRequest,
    responses((status = 200, body = Proposal), (status = 403), (status = 409, description = "closed, every place filled, or a named unit not available"),
              (status = 422), (status = 503, description = "no road network")),
    security(("bearer" = [])))]
pub async fn deploy(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DeployRequest>,
) -> ApiResult<Json<Proposal>> {
    let id = parse_id(&id)?;
    let target = format!("event:{id}");
    let r = deploy_inner(&state, &auth, id, req).await;
    let p = audit_refusal(&state, &auth.actor, "event.deploy", &target, r).await?;
    audit(
        &state,
        &auth.actor.username,
        "event.deploy",
        &target,
        "ok",
        json!({ "units": p.units_considered, "places": p.places, "filled": p.filled, "makespan_s": p.makespan_s }),
    )
    .await;
    Ok(Json(p))
}

async fn deploy_inner(
    state: &AppState,
    auth: &Authed,
    id: i64,
    req: DeployRequest,
) -> ApiResult<Proposal> {
    require_writer(&auth.actor, "plan deployments")?;
    let net = map::network(state)?;
    let event = load_event(state, auth, id).await?;
    if event.status == EventStatus::Closed {
        return Err(ApiError::from(StoreError::Conflict {
            field: "status".into(),
            message: format!("event {id} is closed"),
        }));
    }
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    tokio::task::spawn_blocking(move || -> ApiResult<Proposal> {
        let (posts, units) = st
            .store
            .read(|c| {
                let posts = me::event_posts(c, id)?;
                Ok(deploy_units(
                    c,
                    st.store.registry(),
                    &orgs,
                    &actor,
                    req.unit_ids.as_deref(),
                )
                .map(|u| (posts, u)))
            })
            .map_err(ApiError::from)??;
        let open: Vec<(&Post, usize)> = posts
            .iter()
            .map(|p| (p, p.staff.saturating_sub(p.assigned) as usize))
            .filter(|(_, n)| *n > 0)
            .collect();
        if open.is_empty() {
            return Err(ApiError::from(StoreError::Conflict {
                field: "posts".into(),
                message: "every place of the event is filled".into(),
            }));
        }
        let plan_posts: Vec<plan::Post> = open
            .iter()
            .map(|(p, n)| plan::Post {
                position: [p.lon, p.lat],
                staff: *n,
                kinds: p.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            })
            .collect();
        let plan_units: Vec<DeployUnit> = units
            .iter()
            .map(|u| DeployUnit {
                position: u.position.map(|p| [p.lon, p.lat]).unwrap_or([f64::NAN; 2]),
                kind: u.kind.as_str().to_owned(),
            })
            .collect();
        let d = plan::deploy(&net, &plan_posts, &plan_units).map_err(roads_error)?;
        let places: usize = open.iter().map(|(_, n)| n).sum();
        Ok(Proposal {
            event_id: id,
            filled: d.postings.len(),
            postings: d
                .postings
                .iter()
                .map(|pg| {
                    let (post, _) = open[pg.post];
                    let u = &units[pg.unit];
                    ProposedPosting {
                        post_id: post.id,
                        post_index: post.index,
                        label: post.label.clone(),
                        unit_id: u.id,
                        call_sign: u.call_sign.clone(),
                        kind: u.kind,
                        travel_s: pg.travel_s,
                    }
                })
                .collect(),
            short: d
                .short
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| ShortPost {
                    post_id: open[i].0.id,
                    post_index: open[i].0.index,
                    label: open[i].0.label.clone(),
                    places: *n,
                })
                .collect(),
            places,
            makespan_s: d.makespan_s,
            total_s: d.total_s,
            units_considered: units.len(),
            unusable_unit_ids: d.unusable_units.iter().map(|&i| units[i].id).collect(),
            elapsed_ms: d.elapsed_ms,
        })
    })
    .await
    .map_err(|_| ApiError::internal("planning worker failed"))?
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignEntry {
    post_id: i64,
    unit_id: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventAssignRequest {
    /// One entry per unit: a proposal's postings, or units chosen by hand.
    items: Vec<AssignEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct EventAssignResponse {
    /// Units sent.
    assigned: usize,
    /// The posts changed, after the change.
    posts: Vec<Post>,
}

/// Travel times by road from each unit to its post (police profile), where both are on the
/// network.
fn travel_times(net: &RoadNetwork, pairs: &[(LonLat, LonLat)]) -> Vec<Option<f64>> {
    let mut post_idx: HashMap<(u64, u64), usize> = HashMap::new();
    let mut post_snaps = Vec::new();
    let mut unit_snaps = Vec::new();
    let mut cells: Vec<Option<(usize, usize)>> = Vec::with_capacity(pairs.len());
    for (u, p) in pairs {
        let key = (p.lon.to_bits(), p.lat.to_bits());
        let pi = match post_idx.get(&key) {
            Some(&i) => Some(i),
            None => net.snap_for(Profile::Police, p.lon, p.lat).map(|s| {
                post_snaps.push(s);
                post_idx.insert(key, post_snaps.len() - 1);
                post_snaps.len() - 1
            }),
        };
        let ui = net.snap_for(Profile::Police, u.lon, u.lat).map(|s| {
            unit_snaps.push(s);
            unit_snaps.len() - 1
        });
        cells.push(ui.zip(pi));
    }
    if unit_snaps.is_empty() || post_snaps.is_empty() {
        return vec![None; pairs.len()];
    }
    let m = net.matrix(Profile::Police, &unit_snaps, &post_snaps);
    cells
        .into_iter()
        .map(|c| c.and_then(|(u, p)| m.seconds[u][p]))
        .collect()
}

/// Sends units to posts: accepts a proposal or assigns by hand. In one transaction, for each
/// unit: an instruction (指令; deadline the post's shift start, feedback required, supervision
/// copied), the unit committed (`dispatched`), its expected arrival from its road travel time.
/// All or nothing; admin, leader, dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/assignments", params(("id" = i64, Path)), request_body = EventAssignRequest,
    responses((status = 201, body = EventAssignResponse), (status = 403), (status = 409, description = "a unit not available, a post full, the event closed"), (status = 422)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EventAssignRequest>,
) -> ApiResult<(StatusCode, Json<EventAssignResponse>)> {
    let id = parse_id(&id)?;
    let r = assign_inner(&state, &auth, id, req).await;
    let out = audit_refusal(
        &state,
        &auth.actor,
        "event.assign",
        &format!("event:{id}"),
        r,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(out)))
}

async fn assign_inner(
    state: &AppState,
    auth: &Authed,
    id: i64,
    req: EventAssignRequest,
) -> ApiResult<EventAssignResponse> {
    require_writer(&auth.actor, "assign units to posts")?;
    if req.items.is_empty() || req.items.len() > zhihui_core::major_event::MAX_PLACES {
        return Err(ApiError::invalid(
            "items",
            format!("1 to {} assignments", zhihui_core::major_event::MAX_PLACES),
        ));
    }
    load_event(state, auth, id).await?;
    // Read first so that every refusal names its field (403 included); the write checks again.
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let entries: Vec<(i64, i64)> = req.items.iter().map(|e| (e.post_id, e.unit_id)).collect();
    let pairs = blocking(move || {
        st.store.read(|c| {
            let mut posts: HashMap<i64, Post> = HashMap::new();
            let mut out = Vec::with_capacity(entries.len());
            for (i, (post_id, unit_id)) in entries.iter().enumerate() {
                let pf = format!("items[{i}].post_id");
                let uf = format!("items[{i}].unit_id");
                if !posts.contains_key(post_id) {
                    match me::get_post(c, *post_id)?.filter(|p| p.event_id == id) {
                        Some(p) => {
                            posts.insert(p.id, p);
                        }
                        None => {
                            return Ok(Err(ApiError::invalid(
                                pf,
                                format!("event {id} has no post {post_id}"),
                            )))
                        }
                    }
                }
                let post = &posts[post_id];
                if entries[..i].iter().any(|(_, u)| u == unit_id) {
                    return Ok(Err(ApiError::invalid(
                        uf,
                        format!("unit {unit_id} is listed twice"),
                    )));
                }
                let u = match zhihui_store::commands::check_unit(
                    c,
                    st.store.registry(),
                    &orgs,
                    &actor,
                    *unit_id,
                    &uf,
                ) {
                    Ok(u) => u,
                    Err(e) => return Ok(Err(with_field(e, &uf))),
                };
                if !post.accepts(u.kind) {
                    return Ok(Err(ApiError::invalid(
                        uf,
                        format!(
                            "{} is a {}; post {} does not take it",
                            u.call_sign,
                            u.kind.as_str(),
                            post.index
                        ),
                    )));
                }
                out.push((u.position, post.position()));
            }
            Ok(Ok(out))
        })
    })
    .await??;
    let travel: Vec<Option<f64>> = match map::network(state).ok() {
        Some(net) => {
            let known: Vec<(usize, (LonLat, LonLat))> = pairs
                .iter()
                .enumerate()
                .filter_map(|(i, (u, p))| u.map(|u| (i, (u, *p))))
                .collect();
            let only: Vec<(LonLat, LonLat)> = known.iter().map(|(_, x)| *x).collect();
            let times = tokio::task::spawn_blocking(move || travel_times(&net, &only))
                .await
                .map_err(|_| ApiError::internal("routing worker failed"))?;
            let mut v = vec![None; pairs.len()];
            for ((i, _), t) in known.iter().zip(times) {
                v[*i] = t;
            }
            v
        }
        None => vec![None; pairs.len()],
    };
    let items: Vec<AssignItem> = req
        .items
        .iter()
        .zip(travel)
        .map(|(e, t)| AssignItem {
            post_id: e.post_id,
            unit_id: e.unit_id,
            travel_s: t,
        })
        .collect();
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let n = items.len();
    let posts = state
        .store
        .write(move |tx| me::assign(tx, &orgs, &actor, id, &items, now))
        .await
        .map_err(ApiError::from)?;
    Ok(EventAssignResponse { assigned: n, posts })
}

// ---------------------------------------------------------------- arrival, relief, timeline

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivedRequest {
    /// The unit at the post.
    unit_id: i64,
}

/// A unit (its terminal, or a dispatcher of its jurisdiction) reports being at its post;
/// position reports within 150 m do the same by themselves. 409 when already reported. Audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/posts/{post}/arrived", params(("id" = i64, Path), ("post" = i64, Path)), request_body = ArrivedRequest,
    responses((status = 200, body = Post), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn arrived(
    State(state): State<AppState>,
    auth: Authed,
    Path((id, post)): Path<(String, String)>,
    ApiJson(req): ApiJson<ArrivedRequest>,
) -> ApiResult<Json<Post>> {
    let id = parse_id(&id)?;
    let post = parse_post(&post)?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| me::report_arrival(tx, &orgs, &actor, id, post, req.unit_id, now))
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "event.arrive",
            &format!("event:{id}"),
            r,
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReliefRequest {
    /// A unit chosen by hand; absent: the free unit of an accepted kind nearest by road.
    #[serde(default)]
    unit_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReliefResponse {
    /// The post after the relief.
    post: Post,
    /// The unit sent.
    unit_id: i64,
    call_sign: String,
    /// Its travel time by road, seconds.
    travel_s: Option<f64>,
    /// The unit it replaces (overdue or gone), if any; none when it fills a gap.
    replaced_unit_id: Option<i64>,
}

/// One-click relief (替补) for a late or empty post: sends the free unit of a kind the post takes
/// that is nearest by road (or the one given), with its own instruction; it fills the gap, or
/// replaces the overdue unit, whose instruction closes and which is freed. 409 when the post
/// needs no relief or no unit is free. Admin, leader, dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/posts/{post}/relief", params(("id" = i64, Path), ("post" = i64, Path)), request_body = ReliefRequest,
    responses((status = 200, body = ReliefResponse), (status = 403), (status = 404), (status = 409), (status = 503, description = "no road network (and no unit given)")),
    security(("bearer" = [])))]
pub async fn relief(
    State(state): State<AppState>,
    auth: Authed,
    Path((id, post)): Path<(String, String)>,
    ApiJson(req): ApiJson<ReliefRequest>,
) -> ApiResult<Json<ReliefResponse>> {
    let id = parse_id(&id)?;
    let post = parse_post(&post)?;
    let r = relief_inner(&state, &auth, id, post, req).await;
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "event.relief",
            &format!("event:{id}"),
            r,
        )
        .await?,
    ))
}

async fn relief_inner(
    state: &AppState,
    auth: &Authed,
    id: i64,
    post_id: i64,
    req: ReliefRequest,
) -> ApiResult<ReliefResponse> {
    require_writer(&auth.actor, "send relief")?;
    let event = load_event(state, auth, id).await?;
    if event.status == EventStatus::Closed {
        return Err(ApiError::from(StoreError::Conflict {
            field: "status".into(),
            message: format!("event {id} is closed"),
        }));
    }
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let net = map::network(state).ok();
    let st = state.clone();
    let given = req.unit_id;
    let (unit_id, call_sign, travel_s) = tokio::task::spawn_blocking(move || {
        st.store
            .read(|c| {
                let post = me::load_post(c, id, post_id)?;
                Ok(pick_relief(
                    c,
                    (st.store.registry(), &orgs),
                    &actor,
                    &post,
                    given,
                    net.as_deref(),
                    now,
                ))
            })
            .map_err(ApiError::from)?
    })
    .await
    .map_err(|_| ApiError::internal("relief worker failed"))??;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let (post, replaced) = state
        .store
        .write(move |tx| me::relieve(tx, &orgs, &actor, id, post_id, unit_id, travel_s, now))
        .await
        .map_err(ApiError::from)?;
    Ok(ReliefResponse {
        post,
        unit_id,
        call_sign,
        travel_s,
        replaced_unit_id: replaced,
    })
}

/// The relief unit: the one given (checked), or the free unit of an accepted driving kind that
/// reaches the post fastest by road.
fn pick_relief(
    c: &Connection,
    (registry, orgs): (&zhihui_store::Registry, &zhihui_core::OrgTree),
    actor: &Actor,
    post: &Post,
    given: Option<i64>,
    net: Option<&RoadNetwork>,
    now: Time,
) -> ApiResult<(i64, String, Option<f64>)> {
    if post.relief_need(now).is_none() {
        return Err(ApiError::from(StoreError::Conflict {
            field: "post".into(),
            message: format!(
                "post {} needs no relief ({})",
                post.index,
                post.status_at(now).labels().1.to_lowercase()
            ),
        }));
    }
    let travel = |net: &RoadNetwork, from: LonLat| -> Option<f64> {
        let a = net.snap_for(Profile::Police, from.lon, from.lat)?;
        let b = net.snap_for(Profile::Police, post.lon, post.lat)?;
        net.route(Profile::Police, &a, &b).map(|r| r.seconds)
    };
    if let Some(uid) = given {
        let u = zhihui_store::commands::check_unit(c, registry, orgs, actor, uid, "unit_id")
            .map_err(|e| with_field(e, "unit_id"))?;
        if !post.accepts(u.kind) {
            return Err(ApiError::invalid(
                "unit_id",
                format!(
                    "{} is a {}, not accepted here",
                    u.call_sign,
                    u.kind.as_str()
                ),
            ));
        }
        let t = net.zip(u.position).and_then(|(n, p)| travel(n, p));
        return Ok((u.id, u.call_sign, t));
    }
    let Some(net) = net else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_road_network",
            "the server was started without a road network (--roads FILE); name the unit (unit_id)",
        ));
    };
    let kinds: Vec<UnitKind> = DRIVING.into_iter().filter(|k| post.accepts(*k)).collect();
    let free = projections::free_units(c, &orgs.subtree_ids(&actor.org_id), &kinds)
        .map_err(ApiError::from)?;
    let mut cands = Vec::new();
    let mut snaps = Vec::new();
    for u in &free {
        let Some(p) = u.position else { continue };
        // A unit committed elsewhere is never `available`; the check is for interceptions
        // activated before their unit's status was written.
        if icp::active_commitment(c, u.id)
            .map_err(ApiError::from)?
            .is_some()
        {
            continue;
        }
        if let Some(s) = net.snap_for(Profile::Police, p.lon, p.lat) {
            if s.distance_m <= plan::MAX_SNAP_M {
                cands.push(u);
                snaps.push(s);
            }
        }
    }
    let target = net
        .snap_for(Profile::Police, post.lon, post.lat)
        .ok_or_else(|| ApiError::invalid("post", "the post is not on the road network"))?;
    let best = net.nearest_k(Profile::Police, &target, &snaps, 1);
    let Some(&(i, secs, _)) = best.first() else {
        return Err(ApiError::from(StoreError::Conflict {
            field: "unit_id".into(),
            message: "no free unit of a kind this post takes can reach it".into(),
        }));
    };
    Ok((cands[i].id, cands[i].call_sign.clone(), Some(secs)))
}

#[derive(Serialize, ToSchema)]
pub struct PostTimelineItem {
    seq: i64,
    #[schema(value_type = String, format = DateTime)]
    at: Time,
    actor: String,
    /// `post.created|assigned|signed|arrived|left|relief|status|released`.
    kind: String,
    /// `{"record": the post after the change, "detail": {…}}`.
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct PostTimeline {
    items: Vec<PostTimelineItem>,
}

/// Every change of one post, oldest first.
#[utoipa::path(get, path = "/api/v1/events/{id}/posts/{post}/timeline", params(("id" = i64, Path), ("post" = i64, Path)),
    responses((status = 200, body = PostTimeline), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn post_timeline(
    State(state): State<AppState>,
    auth: Authed,
    Path((id, post)): Path<(String, String)>,
) -> ApiResult<Json<PostTimeline>> {
    let id = parse_id(&id)?;
    let post = parse_post(&post)?;
    load_event(&state, &auth, id).await?;
    let st = state.clone();
    let events = blocking(move || {
        st.store.read(|c| {
            me::load_post(c, id, post)?;
            projections::record_events(c, "post", post)
        })
    })
    .await?;
    Ok(Json(PostTimeline {
        items: events
            .into_iter()
            .map(|e| PostTimelineItem {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                kind: e.kind,
                data: json!({ "record": e.payload.get("record"), "detail": e.payload.get("detail") }),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CloseEvent {
    /// What happened (up to 2000 characters).
    #[serde(default)]
    summary: String,
}

/// Closes the event (its creator, or a leader above): every open post instruction closes and
/// every unit still held becomes available again. 409 when already closed. Audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/close", params(("id" = i64, Path)), request_body = CloseEvent,
    responses((status = 200, body = MajorEvent), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseEvent>,
) -> ApiResult<Json<MajorEvent>> {
    let id = parse_id(&id)?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| me::close_event(tx, &orgs, &actor, id, &req.summary, now))
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "event.close",
            &format!("event:{id}"),
            r,
        )
        .await?,
    ))
}
