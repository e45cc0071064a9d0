//! Instructions (指令): issue, sign, feed back, close; overdue ones escalate in the timer sweep.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::{Instruction, NewInstruction};
use zhihui_store::commands::{self, RecipientAction};
use zhihui_store::projections;

use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, status_filter, ApiJson};
use crate::{blocking, AppState, Authed};

#[derive(Serialize, ToSchema)]
pub struct InstructionList {
    items: Vec<Instruction>,
    /// How many the caller may see in all (for paging).
    total: i64,
}

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// Issue an instruction; supervision sees it at once.
#[utoipa::path(post, path = "/api/v1/instructions", request_body = NewInstruction,
    responses((status = 201, body = Instruction), (status = 422)), security(("bearer" = [])))]
pub async fn issue(
    cmd: Cmd,
    ApiJson(new): ApiJson<NewInstruction>,
) -> ApiResult<(StatusCode, Json<Instruction>)> {
    let ins = cmd
        .write("instruction.issue", "instruction", move |tx, ctx| {
            commands::issue_instruction(tx, &ctx.orgs, &ctx.actor, new, ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ins)))
}

/// Instructions the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/instructions", params(("status" = Option<String>, Query, description = "open or closed"),
    ("limit" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "page size, default 500"), ("offset" = Option<i64>, Query, minimum = 0)),
    responses((status = 200, body = InstructionList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<InstructionList>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let status = status_filter(q.status.as_deref(), &["open", "closed"])?;
    let (limit, offset) = crate::extract::page(q.limit, q.offset, 500, 2000)?;
    let viewer = zhihui_store::reach::Viewer::of(&state.orgs(), &auth.actor);
    let st = state.clone();
    let (items, total) = blocking(move || {
        st.store.read(|c| {
            projections::list_instructions_for(c, &viewer, status.as_deref(), limit, offset)
        })
    })
    .await?;
    Ok(Json(InstructionList { items, total }))
}

/// One instruction.
#[utoipa::path(get, path = "/api/v1/instructions/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Instruction), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<Instruction>> {
    let id = parse_id(&id)?;
    let ins = cmd
        .read(
            "instruction.read",
            &format!("instruction:{id}"),
            move |c, ctx| commands::load_instruction(c, &ctx.orgs, &ctx.actor, id),
        )
        .await?;
    Ok(Json(ins))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRequest {
    /// The recipient answered for: `org:ID` or `unit:ID`.
    target: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The recipient answered for.
    target: String,
    /// The feedback.
    text: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    /// How it ended.
    outcome: String,
}

async fn answer(
    cmd: Cmd,
    id: i64,
    target: String,
    action: RecipientAction,
    what: &str,
) -> ApiResult<Json<Instruction>> {
    let ins = cmd
        .write(what, &format!("instruction:{id}"), move |tx, ctx| {
            commands::answer_instruction(tx, &ctx.orgs, &ctx.actor, id, &target, action, ctx.now)
        })
        .await?;
    Ok(Json(ins))
}

/// A recipient signs for the instruction (签收).
#[utoipa::path(post, path = "/api/v1/instructions/{id}/sign", params(("id" = i64, Path)), request_body = SignRequest,
    responses((status = 200, body = Instruction)), security(("bearer" = [])))]
pub async fn sign(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SignRequest>,
) -> ApiResult<Json<Instruction>> {
    let id = parse_id(&id)?;
    answer(
        cmd,
        id,
        req.target,
        RecipientAction::Sign,
        "instruction.sign",
    )
    .await
}

/// A recipient feeds back (反馈).
#[utoipa::path(post, path = "/api/v1/instructions/{id}/feedback", params(("id" = i64, Path)), request_body = FeedbackRequest,
    responses((status = 200, body = Instruction)), security(("bearer" = [])))]
pub async fn feedback(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<FeedbackRequest>,
) -> ApiResult<Json<Instruction>> {
    let id = parse_id(&id)?;
    answer(
        cmd,
        id,
        req.target,
        RecipientAction::Feedback(req.text),
        "instruction.feedback",
    )
    .await
}

/// The issuer closes the instruction with its outcome.
#[utoipa::path(post, path = "/api/v1/instructions/{id}/close", params(("id" = i64, Path)), request_body = CloseRequest,
    responses((status = 200, body = Instruction)), security(("bearer" = [])))]
pub async fn close(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CloseRequest>,
) -> ApiResult<Json<Instruction>> {
    let id = parse_id(&id)?;
    let ins = cmd
        .write(
            "instruction.close",
            &format!("instruction:{id}"),
            move |tx, ctx| {
                commands::close_instruction(tx, &ctx.orgs, &ctx.actor, id, &req.outcome, ctx.now)
            },
        )
        .await?;
    Ok(Json(ins))
}
