//! Position reports (AVL): one unit at a time from its terminal, or many at once from a vehicle
//! location feed. Positions are snapped onto the road network when one is loaded, so units sit on
//! roads on the map and routing starts where they really are.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhihui_core::{LonLat, Unit, UnitPatch};
use zhihui_roads::Profile;
use zhihui_store::commands;
use zhihui_store::StoreError;

use crate::api::audit_refusal;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::{AppState, Authed};

/// Most reports in one bulk request.
pub const MAX_BULK: usize = 5000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PositionReport {
    lon: f64,
    lat: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkItem {
    unit_id: i64,
    lon: f64,
    lat: f64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    items: Vec<BulkItem>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkResponse {
    /// Reports stored (all of them: a bulk request is stored whole or not at all).
    accepted: usize,
}

fn snapped(state: &AppState, field: &str, lon: f64, lat: f64) -> ApiResult<LonLat> {
    let p = LonLat { lon, lat };
    p.validate(field)
        .map_err(|e| ApiError::invalid(e.field().unwrap_or(field).to_owned(), e.to_string()))?;
    Ok(
        match crate::map::network(state)
            .ok()
            .and_then(|n| n.snap_for(Profile::Police, lon, lat))
        {
            // Farther than 200 m from any road the report is kept as given: the unit may be in a yard.
            Some(s) if s.distance_m <= 200.0 => LonLat {
                lon: s.lon,
                lat: s.lat,
            },
            _ => p,
        },
    )
}

/// Report one unit's position.
#[utoipa::path(post, path = "/api/v1/units/{id}/positions", params(("id" = i64, Path)), request_body = PositionReport,
    responses((status = 200, body = Unit)), security(("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<PositionReport>,
) -> ApiResult<Json<Unit>> {
    let id = parse_id(&id)?;
    let pos = snapped(&state, "position", req.lon, req.lat)?;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let r = state
        .store
        .write(move |tx| {
            commands::update_unit(
                tx,
                &orgs,
                &actor,
                id,
                UnitPatch {
                    position: Some(pos),
                    ..Default::default()
                },
                now,
            )
        })
        .await
        .map_err(ApiError::from);
    Ok(Json(
        audit_refusal(
            &state,
            &auth.actor,
            "unit.position",
            &format!("unit:{id}"),
            r,
        )
        .await?,
    ))
}

/// Report many units' positions at once (a vehicle location feed). Stored in one transaction.
#[utoipa::path(post, path = "/api/v1/positions", request_body = BulkRequest,
    responses((status = 200, body = BulkResponse)), security(("bearer" = [])))]
pub async fn bulk(
    State(state): State<AppState>,
    auth: Authed,
    ApiJson(req): ApiJson<BulkRequest>,
) -> ApiResult<Json<BulkResponse>> {
    if req.items.is_empty() || req.items.len() > MAX_BULK {
        return Err(ApiError::invalid(
            "items",
            format!("1 to {MAX_BULK} reports"),
        ));
    }
    let mut reports = Vec::with_capacity(req.items.len());
    for (i, it) in req.items.iter().enumerate() {
        reports.push((
            it.unit_id,
            snapped(&state, &format!("items[{i}]"), it.lon, it.lat)?,
        ));
    }
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let now = state.now();
    let n = reports.len();
    let r = state
        .store
        .write(move |tx| {
            for (i, (id, pos)) in reports.into_iter().enumerate() {
                commands::update_unit(
                    tx,
                    &orgs,
                    &actor,
                    id,
                    UnitPatch {
                        position: Some(pos),
                        ..Default::default()
                    },
                    now,
                )
                .map_err(|e| match e {
                    StoreError::NotFound(m) => {
                        StoreError::Domain(zhihui_core::DomainError::invalid(
                            format!("items[{i}].unit_id"),
                            format!("{m} not found"),
                        ))
                    }
                    other => other,
                })?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .map_err(ApiError::from);
    audit_refusal(&state, &auth.actor, "unit.position", "positions", r).await?;
    Ok(Json(BulkResponse { accepted: n }))
}

/// One position fix of a unit's trail.
#[derive(Serialize, ToSchema)]
pub struct TrackFix {
    /// When the position was taken (RFC 3339).
    #[schema(value_type = String, format = DateTime)]
    at: zhihui_core::Time,
    lon: f64,
    lat: f64,
    /// Ground speed since the previous fix, m/s.
    speed_mps: Option<f64>,
    /// Heading since the previous fix, degrees clockwise from north.
    heading_deg: Option<f64>,
}

/// A unit's trail (AVL history) over a time window.
#[derive(Serialize, ToSchema)]
pub struct Track {
    unit_id: i64,
    #[schema(value_type = String, format = DateTime)]
    from: zhihui_core::Time,
    #[schema(value_type = String, format = DateTime)]
    to: zhihui_core::Time,
    /// Oldest first. Older fixes may have been thinned (one per minute after a week, by
    /// default) or expired (after 90 days).
    fixes: Vec<TrackFix>,
    /// More fixes follow in the window: ask again with `from` just after the last fix.
    more: bool,
}

/// Most fixes in one trail answer.
pub const MAX_TRACK: i64 = 10_000;

/// Where a unit has been: its fixes in `[from, to)` (default: the last hour), oldest first.
/// An officer's movements are personal data: the read is audited.
#[utoipa::path(get, path = "/api/v1/units/{id}/track", params(("id" = i64, Path),
        ("from" = Option<String>, Query, description = "RFC 3339; default one hour before `to`"),
        ("to" = Option<String>, Query, description = "RFC 3339; default now"),
        ("limit" = Option<i64>, Query, description = "1 to 10000, default 2000")),
    responses((status = 200, body = Track), (status = 400), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn track(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
    q: crate::api::Params,
) -> ApiResult<Json<Track>> {
    let id = parse_id(&id)?;
    let p = crate::api::ListParams::new(q, &["from", "to", "limit"])?;
    let to = p.time("to")?.unwrap_or_else(|| state.now());
    let from = p.time("from")?.unwrap_or(to - chrono::Duration::hours(1));
    if from >= to {
        return Err(ApiError::bad_request("`from` must be before `to`").field("from"));
    }
    let limit = p.int("limit", 2000, 1, MAX_TRACK)? as usize;
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let r = crate::blocking(move || {
        st.store.read(|c| {
            commands::load_unit(c, &orgs, &actor, id)?;
            zhihui_store::track::trail(c, id, from, to, limit)
        })
    })
    .await;
    let target = format!("unit:{id}");
    let (fixes, more) = audit_refusal(&state, &auth.actor, "unit.track", &target, r).await?;
    crate::auth::audit(
        &state,
        &auth.actor.username,
        "unit.track",
        &target,
        "ok",
        serde_json::json!({ "from": from, "to": to, "fixes": fixes.len() }),
    )
    .await;
    Ok(Json(Track {
        unit_id: id,
        from,
        to,
        fixes: fixes
            .into_iter()
            .map(|f| TrackFix {
                at: f.at,
                lon: f.lon,
                lat: f.lat,
                speed_mps: f.speed_mps,
                heading_deg: f.heading_deg,
            })
            .collect(),
        more,
    }))
}
