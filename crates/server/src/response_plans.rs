//! The plan library (预案) and plan activations over HTTP. Administrators write plans (each edit
//! a new version); the duty leader and dispatchers activate one for an incident, which issues
//! every step as an instruction, and follow and close the activation.
//!
//! Nearest-units steps are ranked by road before the write (`response_plans::rank_steps`, with
//! the server's snap cache); the store then takes the first units of that ranking that are still
//! free inside the transaction, so a unit sent elsewhere meanwhile is passed over rather than
//! failing the plan.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::{Incident, PlanActivation, PlanDraft, ResponsePlan, Scenario, StepTarget, Time};
use zhihui_store::projections;
use zhihui_store::response_plans::{self as rp, Ranking};
use zhihui_store::{Connection, StoreError};

use crate::api::{ListParams, Params, RecordTimeline};
use crate::command::{Cmd, Ctx};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::{blocking, AppState, Authed};

#[derive(Serialize, ToSchema)]
pub struct PlanList {
    items: Vec<ResponsePlan>,
}

/// The latest version of every plan, plans in use first (`scenario` narrows to one scenario).
#[utoipa::path(get, path = "/api/v1/response-plans",
    params(("scenario" = Option<String>, Query, description = "fleeing_vehicle, major_event, missing_child, natural_disaster or other")),
    responses((status = 200, body = PlanList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _auth: Authed,
    q: Params,
) -> ApiResult<Json<PlanList>> {
    let p = ListParams::new(q, &["scenario"])?;
    let scenario = match p.get("scenario").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Scenario::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!("unknown scenario `{s}`")).field("scenario")
        })?),
    };
    let st = state.clone();
    let items = blocking(move || st.store.read(|c| rp::list_plans(c, scenario))).await?;
    Ok(Json(PlanList { items }))
}

/// Add a plan to the library (administrators). Audited, refusals too.
#[utoipa::path(post, path = "/api/v1/response-plans", request_body = PlanDraft,
    responses((status = 201, body = ResponsePlan), (status = 403), (status = 422, description = "names the field, e.g. steps[1].deadline_min")),
    security(("bearer" = [])))]
pub async fn create(
    cmd: Cmd,
    ApiJson(draft): ApiJson<PlanDraft>,
) -> ApiResult<(StatusCode, Json<ResponsePlan>)> {
    let plan = cmd
        .write("response_plan.create", "response_plan", move |tx, ctx| {
            rp::create_plan(tx, &ctx.orgs, &ctx.actor, draft, ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// One plan: its latest version, or `version`.
#[utoipa::path(get, path = "/api/v1/response-plans/{id}",
    params(("id" = i64, Path), ("version" = Option<u32>, Query, description = "a version; default the latest")),
    responses((status = 200, body = ResponsePlan), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(
    State(state): State<AppState>,
    _auth: Authed,
    Path(id): Path<String>,
    q: Params,
) -> ApiResult<Json<ResponsePlan>> {
    let id = parse_id(&id)?;
    let p = ListParams::new(q, &["version"])?;
    let version = p
        .get("version")
        .map(|v| {
            v.parse::<u32>().ok().filter(|v| *v > 0).ok_or_else(|| {
                ApiError::bad_request("version must be a positive integer").field("version")
            })
        })
        .transpose()?;
    let st = state.clone();
    let plan = blocking(move || st.store.read(|c| rp::get_plan(c, id, version))).await?;
    plan.map(Json).ok_or_else(|| match version {
        Some(v) => ApiError::not_found(format!("emergency plan {id} has no version {v}")),
        None => ApiError::not_found(format!("emergency plan {id} not found")),
    })
}

#[derive(Serialize, ToSchema)]
pub struct PlanVersions {
    items: Vec<ResponsePlan>,
}

/// Every version of a plan, newest first.
#[utoipa::path(get, path = "/api/v1/response-plans/{id}/versions", params(("id" = i64, Path)),
    responses((status = 200, body = PlanVersions), (status = 404)), security(("bearer" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    _auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<PlanVersions>> {
    let id = parse_id(&id)?;
    let st = state.clone();
    let items = blocking(move || st.store.read(|c| rp::plan_versions(c, id))).await?;
    if items.is_empty() {
        return Err(ApiError::not_found(format!(
            "emergency plan {id} not found"
        )));
    }
    Ok(Json(PlanVersions { items }))
}

/// Edit a plan (administrators): the draft becomes its next version; earlier versions, and the
/// activations that used them, stay as they were. 409 `retired` for a retired plan.
#[utoipa::path(put, path = "/api/v1/response-plans/{id}", params(("id" = i64, Path)), request_body = PlanDraft,
    responses((status = 200, body = ResponsePlan), (status = 403), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn update(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<PlanDraft>,
) -> ApiResult<Json<ResponsePlan>> {
    let id = parse_id(&id)?;
    let plan = cmd
        .write(
            "response_plan.revise",
            &format!("response_plan:{id}"),
            move |tx, ctx| rp::revise_plan(tx, &ctx.orgs, &ctx.actor, id, draft, ctx.now),
        )
        .await?;
    Ok(Json(plan))
}

/// Retire a plan (administrators): it can no longer be activated. 409 when already retired.
#[utoipa::path(post, path = "/api/v1/response-plans/{id}/retire", params(("id" = i64, Path)),
    responses((status = 200, body = ResponsePlan), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn retire(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<ResponsePlan>> {
    let id = parse_id(&id)?;
    let plan = cmd
        .write(
            "response_plan.retire",
            &format!("response_plan:{id}"),
            move |tx, ctx| rp::retire_plan(tx, &ctx.actor, id, ctx.now),
        )
        .await?;
    Ok(Json(plan))
}

// ---------------------------------------------------------------- activation

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    /// The plan; its latest version is issued.
    plan_id: i64,
    /// The version the caller previewed: refused with 409 `version` when the plan has moved on.
    #[serde(default)]
    version: Option<u32>,
    /// Steps to leave out, by index (e.g. one that cannot be issued now).
    #[serde(default)]
    skip_steps: Vec<usize>,
}

/// Reads the incident and plan, checks the activation may happen and ranks its units by road
/// (off the writer), then lets `then` work on that in the same read.
async fn prepare<T, F>(
    cmd: &Cmd,
    action: &str,
    incident_id: i64,
    req: &ActivateRequest,
    then: F,
) -> ApiResult<T>
where
    T: Send + 'static,
    F: FnOnce(&Connection, &Ctx, Incident, ResponsePlan, Ranking) -> Result<T, StoreError>
        + Send
        + 'static,
{
    let (plan_id, version, skip) = (req.plan_id, req.version, req.skip_steps.clone());
    let net = cmd.network();
    let cache = cmd.state.snaps.clone();
    cmd.read(action, &format!("incident:{incident_id}"), move |c, ctx| {
        let (inc, plan) =
            rp::check_activation(c, &ctx.orgs, &ctx.actor, incident_id, plan_id, version)?;
        rp::check_skip(&plan, &skip)?;
        let ranking = rp::rank_steps(
            c,
            &ctx.orgs,
            &ctx.actor,
            &inc,
            &plan,
            &skip,
            net.as_deref(),
            &cache,
        )?;
        then(c, ctx, inc, plan, ranking)
    })
    .await
}

/// Activate a plan for the incident (duty leader or dispatcher, incident and every recipient
/// within the jurisdiction): each step not skipped becomes one instruction to its recipients —
/// the incident's organisation, its district, every district, a named organisation or the N
/// nearest available units of a kind by road — with its text rendered from the incident,
/// deadline now + the step's minutes and the supervision copy. All or nothing; audited.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/activate-plan", params(("id" = i64, Path)), request_body = ActivateRequest,
    responses((status = 201, body = PlanActivation), (status = 403), (status = 409, description = "plan retired, incident closed, version moved on, or a step cannot be issued"),
              (status = 422), (status = 503, description = "a nearest-units step without a road network")),
    security(("bearer" = [])))]
pub async fn activate(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<(StatusCode, Json<PlanActivation>)> {
    let id = parse_id(&id)?;
    const ACTION: &str = "plan_activation.create";
    let (version, ranked) = prepare(&cmd, ACTION, id, &req, |_, _, _, plan, ranking| {
        let mut ranked = BTreeMap::new();
        for (i, r) in ranking {
            ranked.insert(i, r?);
        }
        Ok((plan.version, ranked))
    })
    .await?;
    let act = rp::ActivatePlan {
        incident_id: id,
        plan_id: req.plan_id,
        // Pin the version that was ranked: an edit in between must not issue unranked steps.
        version: Some(version),
        skip_steps: req.skip_steps,
        ranked,
    };
    let rec = cmd
        .write(ACTION, &format!("incident:{id}"), move |tx, ctx| {
            rp::activate_plan(tx, &ctx.orgs, &ctx.actor, act, ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

/// One recipient of a previewed step.
#[derive(Serialize, ToSchema)]
pub struct PreviewRecipient {
    /// `org:ID` or `unit:ID`.
    target: String,
    /// Organisation name or call sign.
    name: String,
}

/// Why a previewed step cannot be issued: the error the activation would answer.
#[derive(Serialize, ToSchema)]
pub struct StepProblem {
    status: u16,
    code: String,
    message: String,
    field: Option<String>,
}

impl From<ApiError> for StepProblem {
    fn from(e: ApiError) -> Self {
        Self {
            status: e.status.as_u16(),
            code: e.code.to_owned(),
            message: e.message,
            field: e.field,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PreviewStep {
    index: usize,
    /// The instruction's title.
    title: String,
    /// The instruction's text, rendered from the incident.
    body: String,
    #[schema(value_type = String, format = DateTime)]
    deadline: Time,
    deadline_min: u32,
    feedback_required: bool,
    target: StepTarget,
    recipients: Vec<PreviewRecipient>,
    /// Units asked for but not available.
    short: u32,
    skipped: bool,
    problem: Option<StepProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct PlanPreview {
    plan: ResponsePlan,
    incident_id: i64,
    steps: Vec<PreviewStep>,
    /// True when every step not skipped can be issued.
    ready: bool,
}

/// What activating the plan would issue now, step by step — rendered texts, recipients, and
/// the problem of any step that cannot be issued — without issuing anything.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/activate-plan/preview", params(("id" = i64, Path)), request_body = ActivateRequest,
    responses((status = 200, body = PlanPreview), (status = 403), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn preview(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<Json<PlanPreview>> {
    let id = parse_id(&id)?;
    let skip = req.skip_steps.clone();
    let (plan, resolved, mut ranking) = prepare(
        &cmd,
        "plan_activation.preview",
        id,
        &req,
        move |c, ctx, inc, plan, ranking| {
            let ranked: BTreeMap<usize, Vec<i64>> = ranking
                .iter()
                .filter_map(|(i, r)| r.as_ref().ok().map(|v| (*i, v.clone())))
                .collect();
            let resolved = rp::resolve(
                c, &ctx.orgs, &ctx.actor, &inc, &plan, &ranked, &skip, ctx.now,
            )?;
            Ok((plan, resolved, ranking))
        },
    )
    .await?;
    let steps: Vec<PreviewStep> = resolved
        .into_iter()
        .zip(&plan.steps)
        .map(|(r, step)| {
            let problem = match ranking.remove(&r.index) {
                Some(Err(e)) => Some(ApiError::from(e).into()),
                _ => r.problem.map(|e| ApiError::from(e).into()),
            };
            PreviewStep {
                index: r.index,
                title: r.title,
                body: r.body,
                deadline: r.deadline,
                deadline_min: step.deadline_min,
                feedback_required: r.feedback_required,
                target: step.target.clone(),
                recipients: r
                    .targets
                    .into_iter()
                    .map(|t| PreviewRecipient {
                        target: t.key,
                        name: t.name,
                    })
                    .collect(),
                short: r.short,
                skipped: r.skipped,
                problem,
            }
        })
        .collect();
    let ready = steps.iter().all(|s| s.skipped || s.problem.is_none());
    Ok(Json(PlanPreview {
        plan,
        incident_id: id,
        steps,
        ready,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ActivationList {
    items: Vec<PlanActivation>,
}

/// The plans activated for an incident, oldest first.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/plan-activations", params(("id" = i64, Path)),
    responses((status = 200, body = ActivationList), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn incident_activations(
    cmd: Cmd,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivationList>> {
    let id = parse_id(&id)?;
    let items = cmd
        .read(
            "plan_activation.read",
            &format!("incident:{id}"),
            move |c, ctx| {
                zhihui_store::commands::load_incident(c, &ctx.orgs, &ctx.actor, id)?;
                rp::incident_activations(c, id)
            },
        )
        .await?;
    Ok(Json(ActivationList { items }))
}

/// One activation with the state of each step's instruction.
#[utoipa::path(get, path = "/api/v1/plan-activations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = PlanActivation), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_activation(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<PlanActivation>> {
    let id = parse_id(&id)?;
    let act = cmd
        .read(
            "plan_activation.read",
            &format!("plan_activation:{id}"),
            move |c, ctx| rp::load_activation(c, &ctx.orgs, &ctx.actor, id),
        )
        .await?;
    Ok(Json(act))
}

/// Every event of an activation, oldest first.
#[utoipa::path(get, path = "/api/v1/plan-activations/{id}/timeline", params(("id" = i64, Path)),
    responses((status = 200, body = RecordTimeline), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn timeline(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<RecordTimeline>> {
    let id = parse_id(&id)?;
    let events = cmd
        .read(
            "plan_activation.read",
            &format!("plan_activation:{id}"),
            move |c, ctx| {
                rp::load_activation(c, &ctx.orgs, &ctx.actor, id)?;
                projections::record_events(c, "plan_activation", id)
            },
        )
        .await?;
    Ok(Json(RecordTimeline::of(events)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseActivation {
    /// How it ended (1 to 200 characters).
    outcome: String,
    /// What happened (up to 2000 characters).
    #[serde(default)]
    summary: String,
}

/// Close the activation with its outcome (the activator, or a leader above): its open
/// instructions close with it. Once: 409 when already closed. Audited.
#[utoipa::path(post, path = "/api/v1/plan-activations/{id}/close", params(("id" = i64, Path)), request_body = CloseActivation,
    responses((status = 200, body = PlanActivation), (status = 403), (status = 409, description = "already closed"), (status = 422)),
    security(("bearer" = [])))]
pub async fn close(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseActivation>,
) -> ApiResult<Json<PlanActivation>> {
    let id = parse_id(&id)?;
    let act = cmd
        .write(
            "plan_activation.close",
            &format!("plan_activation:{id}"),
            move |tx, ctx| {
                rp::close_activation(
                    tx,
                    &ctx.orgs,
                    &ctx.actor,
                    id,
                    &req.outcome,
                    &req.summary,
                    ctx.now,
                )
            },
        )
        .await?;
    Ok(Json(act))
}
