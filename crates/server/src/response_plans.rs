//! The plan library (预案) and plan activations over HTTP. Administrators write plans (each edit
//! a new version); the duty leader and dispatchers activate one for an incident, which issues
//! every step as an instruction, and follow and close the activation.
//!
//! Nearest-units steps are ranked here, by road travel time on the server's network, before the
//! write; the store then takes the first units of that ranking that are still free inside the
//! transaction, so a unit sent elsewhere meanwhile is passed over rather than failing the plan.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use zhihui_core::{
    Incident, PlanActivation, PlanDraft, ResponsePlan, Scenario, StepTarget, Time, UnitKind,
};
use zhihui_roads::Profile;
use zhihui_store::commands::Actor;
use zhihui_store::interception::Connection;
use zhihui_store::projections;
use zhihui_store::response_plans as rp;
use zhihui_store::StoreError;

use crate::api::{audit_refusal, ListParams, Params};
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::{blocking, map, AppState, Authed};

/// A store error as the API answers it; a refusal about one step names that step even for 403.
fn api_err(e: StoreError) -> ApiError {
    let step_field = match &e {
        StoreError::Denied(m) if m.starts_with("steps[") => {
            m.split_once(": ").map(|(f, _)| f.to_owned())
        }
        _ => None,
    };
    let mut err = ApiError::from(e);
    if let Some(f) = step_field {
        err.field = Some(f);
    }
    err
}

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
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(draft): ApiJson<PlanDraft>,
) -> ApiResult<(StatusCode, Json<ResponsePlan>)> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| rp::create_plan(tx, &orgs, &actor, draft, now))
        .await
        .map_err(ApiError::from);
    let plan = audit_refusal(
        &state,
        &auth.actor,
        "response_plan.create",
        "response_plan",
        r,
    )
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
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(draft): ApiJson<PlanDraft>,
) -> ApiResult<Json<ResponsePlan>> {
    let id = parse_id(&id)?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| rp::revise_plan(tx, &orgs, &actor, id, draft, now))
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "response_plan.revise",
            &format!("response_plan:{id}"),
            r,
        )
        .await?,
    ))
}

/// Retire a plan (administrators): it can no longer be activated. 409 when already retired.
#[utoipa::path(post, path = "/api/v1/response-plans/{id}/retire", params(("id" = i64, Path)),
    responses((status = 200, body = ResponsePlan), (status = 403), (status = 404), (status = 409)),
    security(("bearer" = [])))]
pub async fn retire(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ResponsePlan>> {
    let id = parse_id(&id)?;
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| rp::retire_plan(tx, &actor, id, now))
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "response_plan.retire",
            &format!("response_plan:{id}"),
            r,
        )
        .await?,
    ))
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

/// Unit ids fastest by road first for each nearest-units step, or why a step cannot be ranked.
type Ranking = BTreeMap<usize, Result<Vec<i64>, ApiError>>;

/// Ranks the free units of each nearest-units step of `plan` (not skipped) by road travel time
/// to the incident, from the actor's jurisdiction. Blocking.
fn rank_steps(
    state: &AppState,
    c: &Connection,
    actor: &Actor,
    inc: &Incident,
    plan: &ResponsePlan,
    skip: &[usize],
) -> Result<Ranking, StoreError> {
    let mut out = Ranking::new();
    let mut asked_before = 0usize;
    for (i, step) in plan.steps.iter().enumerate() {
        let StepTarget::NearestUnits { unit_kind, count } = &step.target else {
            continue;
        };
        if skip.contains(&i) {
            continue;
        }
        let Some(kind) = UnitKind::parse(unit_kind) else {
            continue;
        };
        let net = match map::network(state) {
            Ok(n) => n,
            Err(e) => {
                out.insert(i, Err(e.field(format!("steps[{i}].target"))));
                continue;
            }
        };
        let orgs = state.orgs();
        let units = projections::free_units(c, &orgs.subtree_ids(&actor.org_id), &[kind])?;
        let profile = if kind == UnitKind::FootPatrol {
            Profile::Foot
        } else {
            Profile::Police
        };
        let Some(at) = net.snap_for(profile, inc.location.lon, inc.location.lat) else {
            out.insert(i, Ok(Vec::new()));
            continue;
        };
        let (cands, snaps) = state.snaps.snaps(&net, profile, units.iter());
        // Spare candidates for units that earlier steps took or that leave before the write.
        let k = cands.len().min(*count as usize * 2 + 10 + asked_before);
        asked_before += *count as usize;
        let ranked = net
            .nearest_k(profile, &at, &snaps, k)
            .into_iter()
            .map(|(j, _, _)| cands[j].id)
            .collect();
        out.insert(i, Ok(ranked));
    }
    Ok(out)
}

/// Reads the incident and plan, checks the activation may happen and ranks its units.
async fn prepare(
    state: &AppState,
    auth: &Authed,
    incident_id: i64,
    req: &ActivateRequest,
) -> ApiResult<(Incident, ResponsePlan, Ranking)> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let (plan_id, version, skip) = (req.plan_id, req.version, req.skip_steps.clone());
    blocking(move || {
        st.store.read(|c| {
            let (inc, plan) =
                rp::check_activation(c, &orgs, &actor, incident_id, plan_id, version)?;
            rp::check_skip(&plan, &skip)?;
            let ranking = rank_steps(&st, c, &actor, &inc, &plan, &skip)?;
            Ok((inc, plan, ranking))
        })
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
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<(StatusCode, Json<PlanActivation>)> {
    let id = parse_id(&id)?;
    let r = activate_inner(&state, &auth, id, req).await;
    let rec = audit_refusal(
        &state,
        &auth.actor,
        "plan_activation.create",
        &format!("incident:{id}"),
        r,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(rec)))
}

async fn activate_inner(
    state: &AppState,
    auth: &Authed,
    incident_id: i64,
    req: ActivateRequest,
) -> ApiResult<PlanActivation> {
    let (_, plan, ranking) = prepare(state, auth, incident_id, &req).await?;
    let mut ranked = BTreeMap::new();
    for (i, r) in ranking {
        ranked.insert(i, r?);
    }
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let act = rp::ActivatePlan {
        incident_id,
        plan_id: req.plan_id,
        // Pin the version that was ranked: an edit in between must not issue unranked steps.
        version: Some(plan.version),
        skip_steps: req.skip_steps,
        ranked,
    };
    state
        .store
        .write(move |tx| rp::activate_plan(tx, &orgs, &actor, act, now))
        .await
        .map_err(api_err)
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
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> ApiResult<Json<PlanPreview>> {
    let id = parse_id(&id)?;
    let r = prepare(&state, &auth, id, &req).await;
    let (inc, plan, ranking) = audit_refusal(
        &state,
        &auth.actor,
        "plan_activation.preview",
        &format!("incident:{id}"),
        r,
    )
    .await?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let st = state.clone();
    let skip = req.skip_steps.clone();
    let ranked: BTreeMap<usize, Vec<i64>> = ranking
        .iter()
        .filter_map(|(i, r)| r.as_ref().ok().map(|v| (*i, v.clone())))
        .collect();
    let p = plan.clone();
    let resolved = blocking(move || {
        st.store
            .read(|c| rp::resolve(c, &orgs, &actor, &inc, &p, &ranked, &skip, now))
    })
    .await?;
    let mut ranking = ranking;
    let steps: Vec<PreviewStep> = resolved
        .into_iter()
        .zip(&plan.steps)
        .map(|(r, step)| {
            let problem = match ranking.remove(&r.index) {
                Some(Err(e)) => Some(e.into()),
                _ => r.problem.map(|e| api_err(e).into()),
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
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivationList>> {
    let id = parse_id(&id)?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let r = blocking(move || {
        st.store.read(|c| {
            zhihui_store::commands::load_incident(c, &orgs, &actor, id)?;
            rp::incident_activations(c, id)
        })
    })
    .await;
    let items = audit_refusal(
        &state,
        &auth.actor,
        "plan_activation.read",
        &format!("incident:{id}"),
        r,
    )
    .await?;
    Ok(Json(ActivationList { items }))
}

async fn load(state: &AppState, auth: &Authed, id: i64) -> ApiResult<PlanActivation> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let r = blocking(move || st.store.read(|c| rp::load_activation(c, &orgs, &actor, id))).await;
    audit_refusal(
        state,
        &auth.actor,
        "plan_activation.read",
        &format!("plan_activation:{id}"),
        r,
    )
    .await
}

/// One activation with the state of each step's instruction.
#[utoipa::path(get, path = "/api/v1/plan-activations/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = PlanActivation), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_activation(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<PlanActivation>> {
    let id = parse_id(&id)?;
    Ok(Json(load(&state, &auth, id).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ActivationTimelineItem {
    seq: i64,
    #[schema(value_type = String, format = DateTime)]
    at: Time,
    actor: String,
    /// `plan_activation.activated|step_signed|step_fed_back|step_overdue|step_closed|closed`.
    kind: String,
    /// `{"record": the activation after the change, "detail": {"step", "instruction_id", "target", "name"} | …}`.
    #[schema(value_type = Object)]
    data: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct ActivationTimeline {
    items: Vec<ActivationTimelineItem>,
}

/// Every event of an activation, oldest first.
#[utoipa::path(get, path = "/api/v1/plan-activations/{id}/timeline", params(("id" = i64, Path)),
    responses((status = 200, body = ActivationTimeline), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn timeline(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ActivationTimeline>> {
    let id = parse_id(&id)?;
    load(&state, &auth, id).await?;
    let st = state.clone();
    let events = blocking(move || {
        st.store
            .read(|c| projections::record_events(c, "plan_activation", id))
    })
    .await?;
    Ok(Json(ActivationTimeline {
        items: events
            .into_iter()
            .map(|e| ActivationTimelineItem {
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
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseActivation>,
) -> ApiResult<Json<PlanActivation>> {
    let id = parse_id(&id)?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| {
            rp::close_activation(tx, &orgs, &actor, id, &req.outcome, &req.summary, now)
        })
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "plan_activation.close",
            &format!("plan_activation:{id}"),
            r,
        )
        .await?,
    ))
}
