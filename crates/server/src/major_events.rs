//! Major-event deployment (重大安保): events with their posts, the optimal deployment of the
//! jurisdiction's free units onto them (`zhihui_roads::plan::deploy`, off the async threads),
//! accepting it as instructions, the live board of every post, and one-click relief.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zhihui_core::major_event::{MajorEvent, NewEvent, Post, PostKind, PostStatus};
use zhihui_core::Time;
use zhihui_store::major_events::planning::{self, Proposal};
use zhihui_store::major_events::{self as me, AssignItem};
use zhihui_store::projections;

use crate::api::RecordTimeline;
use crate::auth::audit;
use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, status_filter, ApiJson};
use crate::{blocking, AppState, Authed};

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
    cmd: Cmd,
    ApiJson(new): ApiJson<NewEvent>,
) -> ApiResult<(StatusCode, Json<EventDetail>)> {
    let net = cmd.network();
    let (event, posts) = cmd
        .write("event.create", "event", move |tx, ctx| {
            me::create_event(tx, &ctx.orgs, &ctx.actor, new, net.as_deref(), ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(EventDetail { event, posts })))
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
pub async fn get_one(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<EventDetail>> {
    let id = parse_id(&id)?;
    let (event, posts) = cmd
        .read("event.read", &format!("event:{id}"), move |c, ctx| {
            let event = me::load_event(c, &ctx.orgs, &ctx.actor, id)?;
            Ok((event, me::event_posts(c, id)?))
        })
        .await?;
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
    cmd: Cmd,
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
    let (event, posts) = cmd
        .read("event.read", &format!("event:{id}"), move |c, ctx| {
            let event = me::load_event(c, &ctx.orgs, &ctx.actor, id)?;
            Ok((event, me::event_posts(c, id)?))
        })
        .await?;
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
        now: cmd.state.now(),
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

/// Proposes the optimal deployment of free units onto the event's open places
/// (`zhihui_roads::plan::deploy`: most places filled, then the earliest time by which everyone
/// is in place, then the least total driving; a unit fills only places of posts that take its
/// kind). Nothing is sent. Admin, leader, dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/deploy", params(("id" = i64, Path)), request_body = DeployRequest,
    responses((status = 200, body = Proposal), (status = 403), (status = 409, description = "closed, every place filled, or a named unit not available"),
              (status = 422), (status = 503, description = "no road network")),
    security(("bearer" = [])))]
pub async fn deploy(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<DeployRequest>,
) -> ApiResult<Json<Proposal>> {
    let id = parse_id(&id)?;
    let target = format!("event:{id}");
    let p = cmd
        .plan("event.deploy", &target, move |c, ctx, net| {
            planning::propose(c, ctx.units(), &ctx.actor, net, id, req.unit_ids.as_deref())
        })
        .await?;
    audit(
        &cmd.state,
        &cmd.actor().username,
        "event.deploy",
        &target,
        "ok",
        json!({ "units": p.units_considered, "places": p.places, "filled": p.filled, "makespan_s": p.makespan_s }),
    )
    .await;
    Ok(Json(p))
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

/// Sends units to posts: accepts a proposal or assigns by hand. In one transaction, for each
/// unit: an instruction (指令; deadline the post's shift start, feedback required, supervision
/// copied), the unit committed (`dispatched`), its expected arrival from its road travel time.
/// All or nothing; admin, leader, dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/events/{id}/assignments", params(("id" = i64, Path)), request_body = EventAssignRequest,
    responses((status = 201, body = EventAssignResponse), (status = 403), (status = 409, description = "a unit not available, a post full, the event closed"), (status = 422)),
    security(("bearer" = [])))]
pub async fn assign(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<EventAssignRequest>,
) -> ApiResult<(StatusCode, Json<EventAssignResponse>)> {
    let id = parse_id(&id)?;
    let target = format!("event:{id}");
    let entries: Vec<(i64, i64)> = req.items.iter().map(|e| (e.post_id, e.unit_id)).collect();
    let net = cmd.network();
    // Read first so that every refusal names its entry (a 403 included) and the travel times
    // are worked out off the writer; the write checks again.
    let travel = cmd
        .read("event.assign", &target, move |c, ctx| {
            let pairs = planning::check_assignment(c, ctx.units(), &ctx.actor, id, &entries)?;
            Ok(match net {
                Some(net) => planning::travel_times(&net, &pairs),
                None => vec![None; pairs.len()],
            })
        })
        .await?;
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
    let n = items.len();
    let posts = cmd
        .write("event.assign", &target, move |tx, ctx| {
            me::assign(tx, &ctx.orgs, &ctx.actor, id, &items, ctx.now)
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EventAssignResponse { assigned: n, posts }),
    ))
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
    cmd: Cmd,
    Path((id, post)): Path<(String, String)>,
    ApiJson(req): ApiJson<ArrivedRequest>,
) -> ApiResult<Json<Post>> {
    let id = parse_id(&id)?;
    let post = parse_post(&post)?;
    let post = cmd
        .write("event.arrive", &format!("event:{id}"), move |tx, ctx| {
            me::report_arrival(tx, &ctx.orgs, &ctx.actor, id, post, req.unit_id, ctx.now)
        })
        .await?;
    Ok(Json(post))
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
    cmd: Cmd,
    Path((id, post)): Path<(String, String)>,
    ApiJson(req): ApiJson<ReliefRequest>,
) -> ApiResult<Json<ReliefResponse>> {
    let id = parse_id(&id)?;
    let post_id = parse_post(&post)?;
    let target = format!("event:{id}");
    let net = cmd.network();
    let now = cmd.state.now();
    let pick = cmd
        .read("event.relief", &target, move |c, ctx| {
            let at = (id, post_id);
            planning::pick_relief(
                c,
                ctx.units(),
                &ctx.actor,
                at,
                req.unit_id,
                net.as_deref(),
                now,
            )
        })
        .await?;
    let (unit_id, travel_s) = (pick.unit_id, pick.travel_s);
    let (post, replaced) = cmd
        .write("event.relief", &target, move |tx, ctx| {
            me::relieve(
                tx, &ctx.orgs, &ctx.actor, id, post_id, unit_id, travel_s, now,
            )
        })
        .await?;
    Ok(Json(ReliefResponse {
        post,
        unit_id,
        call_sign: pick.call_sign,
        travel_s,
        replaced_unit_id: replaced,
    }))
}

/// Every change of one post, oldest first.
#[utoipa::path(get, path = "/api/v1/events/{id}/posts/{post}/timeline", params(("id" = i64, Path), ("post" = i64, Path)),
    responses((status = 200, body = RecordTimeline), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn post_timeline(
    cmd: Cmd,
    Path((id, post)): Path<(String, String)>,
) -> ApiResult<Json<RecordTimeline>> {
    let id = parse_id(&id)?;
    let post = parse_post(&post)?;
    let events = cmd
        .read("event.read", &format!("event:{id}"), move |c, ctx| {
            me::load_event(c, &ctx.orgs, &ctx.actor, id)?;
            me::load_post(c, id, post)?;
            projections::record_events(c, "post", post)
        })
        .await?;
    Ok(Json(RecordTimeline::of(events)))
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
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseEvent>,
) -> ApiResult<Json<MajorEvent>> {
    let id = parse_id(&id)?;
    let event = cmd
        .write("event.close", &format!("event:{id}"), move |tx, ctx| {
            me::close_event(tx, &ctx.orgs, &ctx.actor, id, &req.summary, ctx.now)
        })
        .await?;
    Ok(Json(event))
}
