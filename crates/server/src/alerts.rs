//! The alert centre's API (告警): the alerts in the caller's jurisdiction, taking one
//! (acknowledge) and ending it (resolve). Raising and escalating are the store's timers
//! (`store::alerts`), run by the watchdog's clock.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::Alert;
use zhihui_store::{alerts, projections};

use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, parse_json, status_filter};
use crate::{blocking, AppState, Authed};

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    /// Open alerts first (newest first), then recently resolved ones unless `state=open`.
    items: Vec<Alert>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    state: Option<String>,
}

/// The alerts in the caller's jurisdiction: every open one and the latest resolved, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", params(("state" = Option<String>, Query, description = "open (not resolved) or all (default)")),
    responses((status = 200, body = AlertList)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authed,
    q: Result<Query<ListQuery>, QueryRejection>,
) -> ApiResult<Json<AlertList>> {
    let Query(q) = q.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let open_only = status_filter(q.state.as_deref(), &["open", "all"])
        .map_err(|e| e.field("state"))?
        .is_some_and(|s| s == "open");
    let orgs = state.orgs().subtree_ids(&auth.actor.org_id);
    let st = state.clone();
    let items = blocking(move || {
        st.store
            .read(|c| projections::alerts_for(c, &orgs, open_only, 300))
    })
    .await?;
    Ok(Json(AlertList { items }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertNote {
    /// What the person says (at most 500 characters).
    #[serde(default)]
    note: Option<String>,
}

/// The note of an optional JSON body (`{"note": "…"}`; no body at all is no note).
fn note(body: &[u8]) -> Result<Option<String>, ApiError> {
    let n: AlertNote = if body.iter().all(u8::is_ascii_whitespace) {
        AlertNote::default()
    } else {
        parse_json(body)?
    };
    let n = n.note.map(|s| s.trim().to_owned());
    match n {
        Some(s) if s.chars().count() > 500 => {
            Err(ApiError::invalid("note", "at most 500 characters"))
        }
        Some(s) if s.is_empty() => Ok(None),
        other => Ok(other),
    }
}

/// Take an alert: the caller becomes its owner (a colleague may take it over).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", params(("id" = i64, Path)), request_body = Option<AlertNote>,
    responses((status = 200, body = Alert), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn acknowledge(cmd: Cmd, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Alert>> {
    let id = parse_id(&id)?;
    let note = note(&body)?;
    let a = cmd
        .write(
            "alert.acknowledge",
            &format!("alert:{id}"),
            move |tx, ctx| alerts::acknowledge(tx, &ctx.orgs, &ctx.actor, id, note, ctx.now),
        )
        .await?;
    Ok(Json(a))
}

/// End an alert, with what was done.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", params(("id" = i64, Path)), request_body = Option<AlertNote>,
    responses((status = 200, body = Alert), (status = 403), (status = 404), (status = 409)), security(("bearer" = [])))]
pub async fn resolve(cmd: Cmd, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Alert>> {
    let id = parse_id(&id)?;
    let note = note(&body)?;
    let a = cmd
        .write("alert.resolve", &format!("alert:{id}"), move |tx, ctx| {
            alerts::resolve(tx, &ctx.orgs, &ctx.actor, id, note, ctx.now)
        })
        .await?;
    Ok(Json(a))
}
