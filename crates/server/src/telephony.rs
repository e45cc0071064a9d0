//! The telephone system's interface (来电): the CTI gateway reports each call's ring (with the
//! caller's number and the handset location), its answer and its end; call-takers list the calls
//! of their centre and answer from the console. The caller's number is personal data: lists and
//! the live feed mask it, reading one call in full is audited.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;
use zhihui_core::{Call, CallReport};
use zhihui_store::telephony::{commands, projection};

use crate::api::masked_records;
use crate::auth::audit;
use crate::command::Cmd;
use crate::error::ApiResult;
use crate::extract::{parse_id, ApiJson};
use crate::{blocking, AppState, Authed};

/// How long an ended or abandoned call stays on the call-takers' list.
const RECENT_MIN: i64 = 30;

/// Report a call event from the telephone system: `ring` (201, the call opened; a repeated ring
/// answers 200 with the call as it is), `locate`, `answer` (naming the call-taker), `end`.
#[utoipa::path(post, path = "/api/v1/telephony/calls", request_body = CallReport,
    responses((status = 201, body = Call, description = "a ring opened the call"), (status = 200, body = Call),
              (status = 409, description = "the call cannot move so (answered twice, over)"), (status = 422, description = "invalid field")),
    security(("bearer" = [])))]
pub async fn report(
    cmd: Cmd,
    ApiJson(r): ApiJson<CallReport>,
) -> ApiResult<(StatusCode, Json<Call>)> {
    let target = format!("call:{}", r.call_id.trim());
    let done = cmd
        .write("call.report", &target, move |tx, ctx| {
            commands::report(tx, &ctx.orgs, &ctx.actor, r, ctx.now)
        })
        .await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done.call)))
}

#[derive(Serialize, ToSchema)]
pub struct CallList {
    /// Ringing and answered calls, and those over in the last 30 minutes, newest first; the
    /// caller's number masked.
    #[schema(value_type = Vec<Call>)]
    items: Vec<Value>,
}

/// The calls of the caller's centre (jurisdiction): ringing, in progress, and recently over.
#[utoipa::path(get, path = "/api/v1/telephony/calls", responses((status = 200, body = CallList)), security(("bearer" = [])))]
pub async fn list(State(state): State<AppState>, auth: Authed) -> ApiResult<Json<CallList>> {
    let orgs = state.orgs().subtree_ids(&auth.actor.org_id);
    let since = state.now() - chrono::Duration::minutes(RECENT_MIN);
    let st = state.clone();
    let items =
        blocking(move || st.store.read(|c| projection::recent(c, &orgs, &since, 200))).await?;
    Ok(Json(CallList {
        items: masked_records(&state, "call", &items)?,
    }))
}

/// One call with the caller's number in full (the read is audited).
#[utoipa::path(get, path = "/api/v1/telephony/calls/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Call), (status = 404)), security(("bearer" = [])))]
pub async fn get_one(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<Call>> {
    let id = parse_id(&id)?;
    let target = format!("call:{id}");
    let call = cmd
        .read("call.read", &target, move |c, ctx| {
            commands::load(c, &ctx.orgs, &ctx.actor, id)
        })
        .await?;
    audit(
        &cmd.state,
        &cmd.actor().username,
        "call.read",
        &target,
        "ok",
        json!({ "personal_data": ["caller_number", "location"] }),
    )
    .await;
    Ok(Json(call))
}

/// Answer a ringing call from the console: the call is the caller's, number in full.
#[utoipa::path(post, path = "/api/v1/telephony/calls/{id}/answer", params(("id" = i64, Path)),
    responses((status = 200, body = Call), (status = 404), (status = 409, description = "no longer ringing")), security(("bearer" = [])))]
pub async fn answer(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<Call>> {
    let id = parse_id(&id)?;
    let call = cmd
        .write("call.answer", &format!("call:{id}"), move |tx, ctx| {
            commands::answer(tx, &ctx.orgs, &ctx.actor, id, ctx.now)
        })
        .await?;
    Ok(Json(call))
}
