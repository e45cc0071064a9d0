//! Dispatch support: which free units reach an incident fastest by road.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::{Assignment, AssignmentStatus, Incident};
use zhihui_store::commands::{self, Actor, AssignUnit};
use zhihui_store::fleet::{rank, wanted_kinds, Recommendation};
use zhihui_store::projections;

use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::{blocking, map, AppState, Authed};

#[derive(Deserialize)]
pub struct RecQuery {
    k: Option<usize>,
}

/// Free units of the kinds the incident's run-card asks for, fastest first by road travel time
/// (vehicles on the `police` profile, foot patrols on `foot`). Units in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/recommendations",
    params(("id" = i64, Path), ("k" = Option<usize>, Query, minimum = 1, maximum = 50, description = "how many, 1..50, default 5")),
    responses((status = 200, body = Vec<Recommendation>)), security(("bearer" = [])))]
pub async fn recommendations(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    q: Result<Query<RecQuery>, QueryRejection>,
) -> ApiResult<Json<Vec<Recommendation>>> {
    let id = parse_id(&id)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")).field("k"))?;
    let k = q.k.unwrap_or(5);
    if !(1..=50).contains(&k) {
        return Err(ApiError::bad_request("k must be from 1 to 50").field("k"));
    }
    Ok(Json(rank_units(&state, &auth, id, k).await?.1))
}

/// The incident (jurisdiction checked) and its ranked recommendations.
async fn rank_units(
    state: &AppState,
    auth: &Authed,
    id: i64,
    k: usize,
) -> ApiResult<(Incident, Vec<Recommendation>)> {
    recommend(state, &auth.actor, id, k).await
}

/// Recommendations for incident `id` as `actor` sees them: the free units of the actor's
/// jurisdiction, ranked by [`rank`] with the server's snap cache. The in-process entry point of
/// `GET /incidents/{id}/recommendations` (what the dispatch benchmark measures).
pub async fn recommend(
    state: &AppState,
    actor: &Actor,
    id: i64,
    k: usize,
) -> ApiResult<(Incident, Vec<Recommendation>)> {
    let net = map::network(state)?;
    let orgs = state.orgs();
    let actor = actor.clone();
    let st = state.clone();
    // Read and rank in one blocking task: one hop to the blocking pool instead of two.
    blocking(move || {
        let (incident, units) = st.store.read(|c| {
            let inc = commands::load_incident(c, &orgs, &actor, id)?;
            let units =
                projections::free_units(c, &orgs.subtree_ids(&actor.org_id), &wanted_kinds(&inc))?;
            Ok((inc, units))
        })?;
        let recs = rank(&net, &st.snaps, &incident, &units, k);
        Ok((incident, recs))
    })
    .await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The unit to send.
    #[schema(minimum = 1)]
    unit_id: i64,
    /// Required when this is not the first recommendation: why another unit (audited).
    #[schema(max_length = 500)]
    reason: Option<String>,
}

/// Send a unit to the incident. Choosing another unit than the first recommendation needs a reason,
/// which is kept on the order and in the audit log.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/assignments", params(("id" = i64, Path)), request_body = AssignRequest,
    responses((status = 201, body = Assignment), (status = 409, description = "unit not available or incident closed"), (status = 422)),
    security(("bearer" = [])))]
pub async fn assign(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AssignRequest>,
) -> ApiResult<(StatusCode, Json<Assignment>)> {
    let id = parse_id(&id)?;
    let reason = req
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::invalid("reason", "at most 500 characters"));
    }
    // Without a road network there is no recommendation to depart from.
    let (eta_s, first) = match map::network(&cmd.state) {
        Ok(_) => {
            let (_, recs) = rank_units(&cmd.state, &cmd.auth, id, 50).await?;
            (
                recs.iter()
                    .find(|r| r.unit_id == req.unit_id)
                    .map(|r| r.eta_s),
                recs.first().map(|r| (r.unit_id, r.call_sign.clone())),
            )
        }
        Err(_) => (None, None),
    };
    let override_reason = match &first {
        Some((best, call_sign)) if *best != req.unit_id => Some(reason.ok_or_else(|| {
            ApiError::invalid(
                "reason",
                format!(
                    "{call_sign} is the first recommendation; sending another unit needs a reason"
                ),
            )
        })?),
        _ => reason,
    };
    let a = cmd
        .write(
            "assignment.create",
            &format!("incident:{id}"),
            move |tx, ctx| {
                let req = AssignUnit {
                    incident_id: id,
                    unit_id: req.unit_id,
                    eta_s,
                    override_reason,
                };
                commands::assign_unit(tx, &ctx.orgs, &ctx.actor, req, ctx.now)
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a)))
}

#[derive(Serialize, ToSchema)]
pub struct AssignmentList {
    items: Vec<Assignment>,
}

/// The dispatch orders of an incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/assignments", params(("id" = i64, Path)),
    responses((status = 200, body = AssignmentList)), security(("bearer" = [])))]
pub async fn incident_assignments(
    cmd: Cmd,
    Path(id): Path<String>,
) -> ApiResult<Json<AssignmentList>> {
    let id = parse_id(&id)?;
    let items = cmd
        .read(
            "assignment.read",
            &format!("incident:{id}"),
            move |c, ctx| {
                commands::load_incident(c, &ctx.orgs, &ctx.actor, id)?;
                projections::incident_assignments(c, id)
            },
        )
        .await?;
    Ok(Json(AssignmentList { items }))
}

/// Open dispatch orders of a unit (what a unit terminal shows).
#[utoipa::path(get, path = "/api/v1/units/{id}/assignments", params(("id" = i64, Path)),
    responses((status = 200, body = AssignmentList)), security(("bearer" = [])))]
pub async fn unit_assignments(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<AssignmentList>> {
    let id = parse_id(&id)?;
    let items = cmd
        .read("assignment.read", &format!("unit:{id}"), move |c, ctx| {
            if ctx.actor.unit_id != Some(id) {
                commands::load_unit(c, &ctx.orgs, &ctx.actor, id)?;
            }
            projections::open_unit_assignments(c, id)
        })
        .await?;
    Ok(Json(AssignmentList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    /// signed, en_route, on_scene, cleared or cancelled.
    status: AssignmentStatus,
    /// The result (clearing) or the reason (cancelling).
    result: Option<String>,
}

/// Report a step of a dispatch order: 签收 (signed), en route, on scene, clear with a result; or
/// cancel it (dispatchers).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/status", params(("id" = i64, Path)), request_body = AdvanceRequest,
    responses((status = 200, body = Assignment), (status = 409, description = "step not allowed now")), security(("bearer" = [])))]
pub async fn advance(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AdvanceRequest>,
) -> ApiResult<Json<Assignment>> {
    let id = parse_id(&id)?;
    let a = cmd
        .write(
            "assignment.update",
            &format!("assignment:{id}"),
            move |tx, ctx| {
                let (to, result) = (req.status, req.result);
                commands::advance_assignment(tx, &ctx.orgs, &ctx.actor, id, to, result, ctx.now)
            },
        )
        .await?;
    Ok(Json(a))
}
