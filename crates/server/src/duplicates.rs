//! Duplicate calls: which open incidents a call may repeat, and merging one incident into another.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::{DuplicateMatch, Incident, LonLat, Time};
use zhihui_store::commands;

use crate::api::{masked_record, ListParams, Params};
use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::{blocking, AppState, Authed};

#[derive(Serialize, ToSchema)]
pub struct Duplicate {
    /// The open incident, personal data masked as its record kind declares.
    #[schema(value_type = Incident)]
    incident: serde_json::Value,
    /// Straight-line distance from the call, meters.
    distance_m: f64,
    /// The incident's received time minus the call's, seconds (negative: it came in earlier).
    seconds_apart: i64,
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateList {
    /// Nearest first.
    items: Vec<Duplicate>,
}

fn to_list(state: &AppState, found: Vec<(Incident, DuplicateMatch)>) -> ApiResult<DuplicateList> {
    let mut items = Vec::with_capacity(found.len());
    for (i, m) in found {
        items.push(Duplicate {
            incident: masked_record(state, "incident", &i)?,
            distance_m: (m.distance_m * 10.0).round() / 10.0,
            seconds_apart: m.seconds_apart,
        });
    }
    Ok(DuplicateList { items })
}

async fn candidates(
    state: &AppState,
    auth: &Authed,
    kind: String,
    location: LonLat,
    at: Time,
    exclude: Option<i64>,
) -> ApiResult<DuplicateList> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let found = blocking(move || {
        st.store.read(|c| {
            commands::duplicate_candidates(c, &orgs, &actor, &kind, &location, at, exclude)
        })
    })
    .await?;
    to_list(state, found)
}

/// Possible duplicates of a call not yet recorded: open incidents of a related type
/// (`codes::related_types`) within 500 m and 15 minutes, in the caller's jurisdiction.
#[utoipa::path(get, path = "/api/v1/incidents/duplicates",
    params(("type" = String, Query, description = "the call's incident type"),
           ("lon" = f64, Query), ("lat" = f64, Query),
           ("at" = Option<String>, Query, description = "when the call came in (RFC 3339); default now")),
    responses((status = 200, body = DuplicateList), (status = 400), (status = 422)), security(("bearer" = [])))]
pub async fn for_call(
    State(state): State<AppState>,
    auth: Authed,
    q: Params,
) -> ApiResult<Json<DuplicateList>> {
    let p = ListParams::new(q, &["type", "lon", "lat", "at"])?;
    let kind = p
        .get("type")
        .ok_or_else(|| ApiError::bad_request("type is required").field("type"))?
        .to_owned();
    let coord = |k: &str| -> ApiResult<f64> {
        p.get(k)
            .ok_or_else(|| ApiError::bad_request(format!("{k} is required")).field(k))?
            .trim()
            .parse::<f64>()
            .map_err(|_| ApiError::bad_request(format!("{k} must be a number")).field(k))
    };
    let location = LonLat {
        lon: coord("lon")?,
        lat: coord("lat")?,
    };
    let at = p.time("at")?.unwrap_or_else(|| state.now());
    // Field names of the query, not of the record (`location.lon` → `lon`).
    let r = candidates(&state, &auth, kind, location, at, None)
        .await
        .map_err(|mut e| {
            if let Some(f) = e.field.as_deref().and_then(|f| f.strip_prefix("location.")) {
                e.field = Some(f.to_owned());
            }
            e
        })?;
    Ok(Json(r))
}

/// Possible duplicates of a recorded incident (itself left out), by its type, place and time.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/duplicates", params(("id" = i64, Path)),
    responses((status = 200, body = DuplicateList), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn for_incident(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<DuplicateList>> {
    let id = parse_id(&id)?;
    let found = cmd
        .read(
            "incident.duplicates",
            &format!("incident:{id}"),
            move |c, ctx| {
                let inc = commands::load_incident(c, &ctx.orgs, &ctx.actor, id)?;
                let (kind, at, received) = (&inc.kind, &inc.location, inc.received_at);
                commands::duplicate_candidates(
                    c,
                    &ctx.orgs,
                    &ctx.actor,
                    kind,
                    at,
                    received,
                    Some(id),
                )
            },
        )
        .await?;
    Ok(Json(to_list(&cmd.state, found)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The open incident that stays; this one closes as its duplicate.
    into: i64,
    /// Optimistic concurrency on the incident being merged.
    version: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct MergeResponse {
    /// The merged call's incident, now closed with disposition `duplicate` (personal data masked).
    #[schema(value_type = Incident)]
    merged: serde_json::Value,
    /// The surviving incident, which recorded the call (personal data masked).
    #[schema(value_type = Incident)]
    into: serde_json::Value,
}

/// Merge this incident (a duplicate call) into another open one. Both calls are kept: this one
/// closes with disposition `duplicate` and `merged_into`; the other records the call on its
/// timeline (`incident.call_added`) and takes the more urgent priority. Audited.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/merge", params(("id" = i64, Path)), request_body = MergeRequest,
    responses((status = 200, body = MergeResponse),
              (status = 409, description = "either incident is closed, units are still sent to this one, or a stale version"),
              (status = 422, description = "into is this incident or unknown"), (status = 403)),
    security(("bearer" = [])))]
pub async fn merge(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<MergeRequest>,
) -> ApiResult<Json<MergeResponse>> {
    let id = parse_id(&id)?;
    let (merged, into) = cmd
        .write(
            "incident.merge",
            &format!("incident:{id}"),
            move |tx, ctx| {
                let (orgs, actor) = (&ctx.orgs, &ctx.actor);
                commands::merge_incident(tx, orgs, actor, id, req.into, req.version, ctx.now)
            },
        )
        .await?;
    Ok(Json(MergeResponse {
        merged: masked_record(&cmd.state, "incident", &merged)?,
        into: masked_record(&cmd.state, "incident", &into)?,
    }))
}
