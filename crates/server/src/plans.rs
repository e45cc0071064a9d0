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
use zhihui_core::{Interception, InterceptionOutcome, NewInterception};
use zhihui_store::interception as icp;
use zhihui_store::interception::planning::{
    self as ip, BlockadePlanRequest, BlockadePlanResponse, InterceptPlanRequest,
    InterceptPlanResponse,
};
use zhihui_store::projections;

use crate::api::RecordTimeline;
use crate::auth::audit;
use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, status_filter, ApiJson};
use crate::{blocking, AppState, Authed};

// ---------------------------------------------------------------- interception plan

/// Plans an interception (设卡布控): a cordon of intersections around the suspect's last known
/// position, each reached by its own unit before the suspect can get there, cutting every road
/// to an exit. Leader and dispatcher only; audited.
#[utoipa::path(post, path = "/api/v1/plans/intercept", request_body = InterceptPlanRequest,
    responses((status = 200, body = InterceptPlanResponse), (status = 403), (status = 409, description = "a named unit is not available"),
              (status = 422, description = "bad input, field named"), (status = 503, description = "no road network")),
    security(("bearer" = [])))]
pub async fn intercept(
    cmd: Cmd,
    ApiJson(req): ApiJson<InterceptPlanRequest>,
) -> ApiResult<Json<InterceptPlanResponse>> {
    let target = req
        .incident_id
        .map(|i| format!("incident:{i}"))
        .unwrap_or_else(|| "plan".into());
    let r = cmd
        .plan("plan.intercept", &target, move |c, ctx, net| {
            ip::plan_intercept(c, ctx.units(), &ctx.actor, net, &req, ctx.now)
        })
        .await?;
    audit(
        &cmd.state,
        &cmd.actor().username,
        "plan.intercept",
        &target,
        "ok",
        json!({ "units": r.units_considered, "cordon": r.cordon.len(), "complete": r.complete }),
    )
    .await;
    Ok(Json(r))
}

// ---------------------------------------------------------------- blockade

/// Closes given points (封控), one unit each: as many points as possible, then the earliest time
/// by which all are closed, then the least total driving (exact). Leader and dispatcher; audited.
#[utoipa::path(post, path = "/api/v1/plans/blockade", request_body = BlockadePlanRequest,
    responses((status = 200, body = BlockadePlanResponse), (status = 403), (status = 422), (status = 503)),
    security(("bearer" = [])))]
pub async fn blockade(
    cmd: Cmd,
    ApiJson(req): ApiJson<BlockadePlanRequest>,
) -> ApiResult<Json<BlockadePlanResponse>> {
    let r = cmd
        .plan("plan.blockade", "plan", move |c, ctx, net| {
            ip::plan_blockade(c, ctx.units(), &ctx.actor, net, &req)
        })
        .await?;
    audit(
        &cmd.state,
        &cmd.actor().username,
        "plan.blockade",
        "plan",
        "ok",
        json!({ "points": r.assignments.len() + r.unassigned_points.len(), "assigned": r.assignments.len() }),
    )
    .await;
    Ok(Json(r))
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
    cmd: Cmd,
    ApiJson(new): ApiJson<NewInterception>,
) -> ApiResult<(StatusCode, Json<Interception>)> {
    const ACTION: &str = "interception.create";
    // Read first so every refusal names its field (403 included); the write checks again.
    let check = new.clone();
    cmd.read(ACTION, "interception", move |c, ctx| {
        ip::check_activation(c, ctx.units(), &ctx.actor, &check)
    })
    .await?;
    let rec = cmd
        .write(ACTION, "interception", move |tx, ctx| {
            icp::create_interception(tx, &ctx.orgs, &ctx.actor, new, ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(rec)))
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

/// One interception with the state of each checkpoint.
#[utoipa::path(get, path = "/api/v1/interceptions/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Interception), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<Interception>> {
    let id = parse_id(&id)?;
    let rec = cmd
        .read(
            "interception.read",
            &format!("interception:{id}"),
            move |c, ctx| icp::load_interception(c, &ctx.orgs, &ctx.actor, id),
        )
        .await?;
    Ok(Json(rec))
}

/// Every event of an interception, oldest first.
#[utoipa::path(get, path = "/api/v1/interceptions/{id}/timeline", params(("id" = i64, Path)),
    responses((status = 200, body = RecordTimeline), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn timeline(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<RecordTimeline>> {
    let id = parse_id(&id)?;
    let events = cmd
        .read(
            "interception.read",
            &format!("interception:{id}"),
            move |c, ctx| {
                icp::load_interception(c, &ctx.orgs, &ctx.actor, id)?;
                projections::record_events(c, "interception", id)
            },
        )
        .await?;
    Ok(Json(RecordTimeline::of(events)))
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
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseInterception>,
) -> ApiResult<Json<Interception>> {
    let id = parse_id(&id)?;
    let outcome = InterceptionOutcome::parse(req.outcome.trim())
        .ok_or_else(|| ApiError::invalid("outcome", "one of caught, lost, stood_down"))?;
    let rec = cmd
        .write(
            "interception.close",
            &format!("interception:{id}"),
            move |tx, ctx| {
                icp::close_interception(
                    tx,
                    &ctx.orgs,
                    &ctx.actor,
                    id,
                    outcome,
                    &req.summary,
                    ctx.now,
                )
            },
        )
        .await?;
    Ok(Json(rec))
}

/// The unit reports being at its checkpoint (`index` from 0); position reports within
/// 150 m do the same by themselves. The unit itself or a dispatcher for it; audited.
#[utoipa::path(post, path = "/api/v1/interceptions/{id}/points/{index}/arrived", params(("id" = i64, Path), ("index" = usize, Path)),
    responses((status = 200, body = Interception), (status = 403), (status = 409, description = "already there or closed")),
    security(("bearer" = [])))]
pub async fn arrive(
    cmd: Cmd,
    Path((id, index)): Path<(String, String)>,
) -> ApiResult<Json<Interception>> {
    let id = parse_id(&id)?;
    let index: usize = index.parse().map_err(|_| {
        ApiError::bad_request(format!("`{index}` is not a checkpoint index")).field("index")
    })?;
    let rec = cmd
        .write(
            "interception.arrive",
            &format!("interception:{id}"),
            move |tx, ctx| icp::report_arrival(tx, &ctx.orgs, &ctx.actor, id, index, ctx.now),
        )
        .await?;
    Ok(Json(rec))
}
