//! Record endpoints: incidents, units, organisations and code lists.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use zhihui_core::{
    codes, Incident, IncidentPatch, IncidentSource, IncidentStatus, NewIncident, NewUnit, Org,
    Time, Unit, UnitKind, UnitPatch, UnitStatus,
};
use zhihui_store::commands::{self, Actor};
use zhihui_store::projections::{self, IncidentFilter, UnitFilter};
use zhihui_store::Event;

use crate::auth::audit;
use crate::command::Cmd;
use crate::error::{ApiError, ApiResult};
use crate::extract::{parse_id, ApiJson};
use crate::{blocking, AppState, Authed};

pub(crate) type Params = Result<Query<Vec<(String, String)>>, QueryRejection>;

/// Names what a refusal concerned before passing the error on: the refusal middleware
/// ([`crate::refusals`]) writes the audit row, with this action and target, for every 403 —
/// attempts outside one's role or jurisdiction are exactly what a supervisor needs to see.
pub(crate) async fn audit_refusal<T>(
    state: &AppState,
    actor: &Actor,
    action: &str,
    target: &str,
    r: ApiResult<T>,
) -> ApiResult<T> {
    if let Err(e) = &r {
        if e.status == StatusCode::FORBIDDEN {
            if crate::refusals::in_request() {
                crate::refusals::note_action(action, target);
            } else {
                // Outside an HTTP request (no middleware to rely on): write it here.
                audit(
                    state,
                    &actor.username,
                    action,
                    target,
                    "denied",
                    json!({ "reason": e.message }),
                )
                .await;
            }
        }
    }
    r
}

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("no such API endpoint")
}

#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    items: Vec<T>,
    total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    items: Vec<T>,
}

pub(crate) struct ListParams {
    pairs: Vec<(String, String)>,
}

impl ListParams {
    pub(crate) fn new(p: Params, allowed: &[&str]) -> ApiResult<Self> {
        let Query(pairs) =
            p.map_err(|e| ApiError::bad_request(format!("bad query string: {e}")))?;
        for (k, _) in &pairs {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "unknown query parameter `{k}`; allowed: {}",
                    allowed.join(", ")
                ))
                .field(k.clone()));
            }
        }
        Ok(Self { pairs })
    }
    pub(crate) fn get(&self, k: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn list(&self, k: &str, valid: impl Fn(&str) -> bool) -> ApiResult<Vec<String>> {
        let mut out = Vec::new();
        for v in self
            .get(k)
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            if !valid(v) {
                return Err(ApiError::bad_request(format!("unknown {k} `{v}`")).field(k));
            }
            out.push(v.to_owned());
        }
        Ok(out)
    }
    pub(crate) fn int(&self, k: &str, default: i64, min: i64, max: i64) -> ApiResult<i64> {
        match self.get(k) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!("{k} must be an integer from {min} to {max}"))
                        .field(k)
                }),
        }
    }
    pub(crate) fn time(&self, k: &str) -> ApiResult<Option<Time>> {
        self.get(k)
            .map(|v| {
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|_| {
                        ApiError::bad_request(format!("{k} must be an RFC 3339 time")).field(k)
                    })
            })
            .transpose()
    }
    /// The organisations to include: the caller's jurisdiction, or the subtree of `org_id` in it.
    fn orgs(&self, state: &AppState, actor: &Actor) -> ApiResult<Vec<String>> {
        let tree = state.orgs();
        let root = match self.get("org_id") {
            Some(o) => {
                if tree.get(o).is_none() {
                    return Err(ApiError::bad_request(format!("unknown organisation `{o}`"))
                        .field("org_id"));
                }
                if !tree.is_within(o, &actor.org_id) {
                    return Err(ApiError::forbidden(format!(
                        "organisation {o} is outside your jurisdiction"
                    ))
                    .field("org_id"));
                }
                o.to_owned()
            }
            None => actor.org_id.clone(),
        };
        Ok(tree.subtree_ids(&root))
    }
}

/// Organisations in the caller's jurisdiction; with `scope=all`, every organisation of the city
/// (names and levels only: what a station needs to hand a call over to its neighbour).
#[utoipa::path(get, path = "/api/v1/orgs", params(("scope" = Option<String>, Query, description = "`all`: every organisation, not only the caller's jurisdiction")),
    responses((status = 200, body = Items<Org>)), security(("bearer" = [])))]
pub async fn list_orgs(
    State(state): State<AppState>,
    auth: Authed,
    q: Params,
) -> ApiResult<Json<Items<Org>>> {
    let p = ListParams::new(q, &["scope"])?;
    let tree = state.orgs();
    let mut items: Vec<Org> = match p.get("scope") {
        None | Some("") => tree
            .subtree(&auth.actor.org_id)
            .into_iter()
            .cloned()
            .collect(),
        Some("all") => tree.iter().cloned().collect(),
        Some(other) => {
            return Err(
                ApiError::bad_request(format!("unknown scope `{other}`; all")).field("scope"),
            )
        }
    };
    items.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Json(Items { items }))
}

/// The areas (辖区) of the organisations in the caller's jurisdiction, as a GeoJSON
/// FeatureCollection (one MultiPolygon feature per organisation with an area; properties
/// `org_id`, `name`, `name_en`, `kind`), deepest last so that a map draws stations over districts.
#[utoipa::path(get, path = "/api/v1/orgs/areas", responses((status = 200, description = "GeoJSON FeatureCollection")), security(("bearer" = [])))]
pub async fn org_areas(State(state): State<AppState>, auth: Authed) -> Json<Value> {
    let tree = state.orgs();
    let mut orgs: Vec<&zhihui_core::Org> = tree
        .subtree(&auth.actor.org_id)
        .into_iter()
        .filter(|o| tree.area(&o.id).is_some())
        .collect();
    orgs.sort_by_key(|o| (tree.depth(&o.id), o.id.clone()));
    let features: Vec<Value> = orgs
        .into_iter()
        .filter_map(|o| {
            let a = tree.area(&o.id)?;
            Some(json!({
                "type": "Feature", "geometry": a.to_geojson(),
                "properties": { "org_id": o.id, "name": o.name, "name_en": o.name_en, "kind": o.kind },
            }))
        })
        .collect();
    Json(json!({ "type": "FeatureCollection", "features": features }))
}

/// Sets an organisation's area (辖区): a GeoJSON Polygon or MultiPolygon (or a Feature with one)
/// in longitude/latitude. New incidents with no organisation named belong to the deepest
/// organisation whose area holds them. Refused with the field named when invalid (an open ring,
/// a ring crossing itself) or when it covers ground of a sibling's area. Administrators within
/// their jurisdiction; audited.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/area", params(("id" = String, Path)), request_body(content = Object, description = "GeoJSON Polygon, MultiPolygon or Feature"),
    responses((status = 200, description = "{org_id, area}"), (status = 403), (status = 404), (status = 409, description = "covers a sibling's ground"), (status = 422, description = "not a valid area")),
    security(("bearer" = [])))]
pub async fn set_org_area(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(area): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let org = id.clone();
    let stored = cmd
        .write("org.area", &format!("org:{id}"), move |tx, ctx| {
            commands::set_org_area(tx, &ctx.orgs, &ctx.actor, &org, &area, ctx.now)
        })
        .await?;
    // Routing reads the tree: take the new area in at once.
    cmd.state.reload_orgs().map_err(ApiError::from)?;
    Ok(Json(json!({ "org_id": id, "area": stored })))
}

/// The code lists with Chinese and English labels.
#[utoipa::path(get, path = "/api/v1/codes", responses((status = 200, description = "code lists")), security(("bearer" = [])))]
pub async fn codes(_auth: Authed) -> Json<Value> {
    let label = |code: &str, (zh, en): (&str, &str)| json!({ "code": code, "zh": zh, "en": en });
    Json(json!({
        "incident_types": codes::INCIDENT_TYPES,
        "dispositions": codes::DISPOSITIONS,
        "hazards": codes::HAZARDS,
        "incident_statuses": IncidentStatus::ALL.iter().map(|s| label(s.as_str(), s.labels())).collect::<Vec<_>>(),
        "incident_sources": IncidentSource::ALL.iter().map(|s| label(s.as_str(), s.labels())).collect::<Vec<_>>(),
        "unit_kinds": UnitKind::ALL.iter().map(|s| label(s.as_str(), s.labels())).collect::<Vec<_>>(),
        "unit_statuses": UnitStatus::ALL.iter().map(|s| label(s.as_str(), s.labels())).collect::<Vec<_>>(),
        // What a call of each kind is filed as unless the call-taker says why not (`subtype`
        // null: the type's default for sub-types not listed).
        "default_priorities": codes::DEFAULT_PRIORITY.iter()
            .map(|(t, st, p)| json!({ "type": t, "subtype": st, "priority": p }))
            .collect::<Vec<_>>(),
    }))
}

// ------------------------------------------------------------------ incidents

/// Incidents in the caller's jurisdiction, newest first; callers are masked.
#[utoipa::path(get, path = "/api/v1/incidents",
    params(("status" = Option<String>, Query, description = "comma-separated statuses"),
           ("type" = Option<String>, Query, description = "comma-separated type codes"),
           ("source" = Option<String>, Query, description = "comma-separated source codes (call_110, transfer_119, transfer_122, walk_in, officer_initiated, public_opinion, device_alarm, anti_fraud)"),
           ("org_id" = Option<String>, Query, description = "narrow to this organisation's subtree"),
           ("from" = Option<String>, Query, description = "received at or after (RFC 3339)"),
           ("to" = Option<String>, Query, description = "received before (RFC 3339)"),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1..500, default 50"),
           ("offset" = Option<i64>, Query, minimum = 0)),
    responses((status = 200, body = Page<Incident>)), security(("bearer" = [])))]
pub async fn list_incidents(
    State(state): State<AppState>,
    auth: Authed,
    q: Params,
) -> ApiResult<Json<Page<Value>>> {
    let p = ListParams::new(
        q,
        &[
            "status", "type", "source", "org_id", "from", "to", "limit", "offset",
        ],
    )?;
    let filter = IncidentFilter {
        org_ids: p.orgs(&state, &auth.actor)?,
        statuses: p.list("status", |s| IncidentStatus::parse(s).is_some())?,
        types: p.list("type", |s| codes::incident_type(s).is_some())?,
        sources: p.list("source", |s| IncidentSource::parse(s).is_some())?,
        from: p.time("from")?,
        to: p.time("to")?,
        limit: p.int("limit", 50, 1, 500)?,
        offset: p.int("offset", 0, 0, i64::MAX)?,
    };
    let st = state.clone();
    let (items, total) =
        blocking(move || st.store.read(|c| projections::list_incidents(c, &filter))).await?;
    Ok(Json(Page {
        items: masked_records(&state, "incident", &items)?,
        total,
    }))
}

/// One record as a list shows it: see [`masked_records`].
pub(crate) fn masked_record<T: Serialize>(
    state: &AppState,
    record_type: &str,
    item: &T,
) -> ApiResult<Value> {
    masked_records(state, record_type, std::slice::from_ref(item))?
        .pop()
        .ok_or_else(|| ApiError::internal("could not encode a record"))
}

/// Records as a list shows them: personal data masked at the pointers their kind declares
/// (`store::RecordKind`), the one source the live feed also masks from. A kind nobody declared is
/// refused rather than sent unmasked.
pub(crate) fn masked_records<T: Serialize>(
    state: &AppState,
    record_type: &str,
    items: &[T],
) -> ApiResult<Vec<Value>> {
    let Some(kind) = state.store.registry().record_kind(record_type) else {
        tracing::error!(
            record_type,
            "a list of an undeclared record kind was refused"
        );
        return Err(ApiError::internal("this kind of record cannot be listed"));
    };
    items
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i)
                .map_err(|_| ApiError::internal("could not encode a record"))?;
            zhihui_store::mask_personal(&mut v, kind.personal);
            Ok(v)
        })
        .collect()
}

/// Record a new incident (110 call). With `merge_into`, the call is recorded and merged into that
/// open incident in one transaction (a duplicate call; see `POST /incidents/{id}/merge`).
#[utoipa::path(post, path = "/api/v1/incidents", request_body = NewIncident,
    responses((status = 201, body = Incident), (status = 422, description = "invalid field"),
              (status = 409, description = "merge_into names a closed incident")), security(("bearer" = [])))]
pub async fn create_incident(
    cmd: Cmd,
    ApiJson(mut new): ApiJson<NewIncident>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    let into = new.merge_into.take();
    let inc = cmd
        .write("incident.create", "incident", move |tx, ctx| match into {
            None => commands::create_incident(tx, &ctx.orgs, &ctx.actor, new, ctx.now),
            Some(into) => {
                commands::create_duplicate_call(tx, &ctx.orgs, &ctx.actor, new, into, ctx.now)
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(inc)))
}

pub(crate) async fn load_incident_audited(
    state: &AppState,
    auth: &Authed,
    id: i64,
    action: &str,
) -> ApiResult<Incident> {
    let orgs = state.orgs();
    let actor = auth.actor.clone();
    let st = state.clone();
    let r = blocking(move || {
        st.store
            .read(|c| commands::load_incident(c, &orgs, &actor, id))
    })
    .await;
    let target = format!("incident:{id}");
    let inc = audit_refusal(state, &auth.actor, action, &target, r).await?;
    // The full record carries the caller's name and number: every such read is on record.
    audit(
        state,
        &auth.actor.username,
        action,
        &target,
        "ok",
        json!({ "personal_data": ["caller.name", "caller.phone"] }),
    )
    .await;
    Ok(inc)
}

/// One incident, with the caller in full (the read is audited).
#[utoipa::path(get, path = "/api/v1/incidents/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = Incident), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn get_incident(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Incident>> {
    let id = parse_id(&id)?;
    Ok(Json(
        load_incident_audited(&state, &auth, id, "incident.read").await?,
    ))
}

/// Change an incident: status (forward only; closing needs a disposition), priority, type, …
#[utoipa::path(patch, path = "/api/v1/incidents/{id}", params(("id" = i64, Path)), request_body = IncidentPatch,
    responses((status = 200, body = Incident), (status = 409, description = "state or version conflict"), (status = 422)), security(("bearer" = [])))]
pub async fn update_incident(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<IncidentPatch>,
) -> ApiResult<Json<Incident>> {
    let id = parse_id(&id)?;
    let inc = cmd
        .write(
            "incident.update",
            &format!("incident:{id}"),
            move |tx, ctx| commands::update_incident(tx, &ctx.orgs, &ctx.actor, id, patch, ctx.now),
        )
        .await?;
    Ok(Json(inc))
}

#[derive(Serialize, ToSchema)]
pub struct TimelineItem {
    seq: i64,
    #[schema(value_type = String, format = DateTime)]
    at: Time,
    actor: String,
    kind: String,
    data: Value,
}

impl From<Event> for TimelineItem {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            kind: e.kind,
            data: e.payload,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// The organisation that takes the incident over.
    org_id: String,
    /// Why (1 to 200 characters); kept on the timeline and in the audit log.
    #[schema(max_length = 200)]
    reason: String,
}

/// Hands an open incident over to another organisation (移交) — the station whose ground it
/// turned out to be, or one better placed — which sees it from then on. Dispatchers and
/// leaders with the incident in their jurisdiction; the receiver may lie outside it. Audited.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/handover", params(("id" = i64, Path)), request_body = HandoverRequest,
    responses((status = 200, body = Incident), (status = 403), (status = 404), (status = 409, description = "closed"), (status = 422, description = "unknown or same organisation, no reason")),
    security(("bearer" = [])))]
pub async fn hand_over(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<HandoverRequest>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id)?;
    let inc = cmd
        .write(
            "incident.handover",
            &format!("incident:{id}"),
            move |tx, ctx| {
                let (orgs, actor) = (&ctx.orgs, &ctx.actor);
                commands::hand_over_incident(tx, orgs, actor, id, &req.org_id, &req.reason, ctx.now)
            },
        )
        .await?;
    // The caller may no longer see it in full: answer with the personal data masked.
    Ok(Json(masked_record(&cmd.state, "incident", &inc)?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// The note (1 to 2000 characters).
    #[schema(max_length = 2000)]
    text: String,
}

#[derive(Serialize, ToSchema)]
pub struct Note {
    incident_id: i64,
    text: String,
    by: String,
    #[schema(value_type = String, format = DateTime)]
    at: zhihui_core::Time,
}

/// Adds a narrative note to an incident (补充警情), closed ones included: an `incident.noted`
/// entry of its timeline, on the live feed. Dispatchers, leaders and administrators in
/// jurisdiction. Audited.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notes", params(("id" = i64, Path)), request_body = NoteRequest,
    responses((status = 201, body = Note), (status = 403), (status = 404), (status = 422, description = "empty or too long")),
    security(("bearer" = [])))]
pub async fn add_note(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NoteRequest>,
) -> ApiResult<(StatusCode, Json<Note>)> {
    let id = parse_id(&id)?;
    let now = cmd.state.now();
    let text = cmd
        .write(
            "incident.note",
            &format!("incident:{id}"),
            move |tx, ctx| {
                commands::add_incident_note(tx, &ctx.orgs, &ctx.actor, id, &req.text, ctx.now)
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Note {
            incident_id: id,
            text,
            by: cmd.actor().username.clone(),
            at: now,
        }),
    ))
}

/// One change of a domain record (an interception, a plan activation, an event post).
#[derive(Serialize, ToSchema)]
pub struct RecordChange {
    seq: i64,
    #[schema(value_type = String, format = DateTime)]
    at: Time,
    actor: String,
    /// The event's kind, e.g. `interception.point_signed`, `plan_activation.step_overdue`,
    /// `post.arrived`.
    kind: String,
    /// `{"record": the record after the change, "detail": {…} | null}`.
    #[schema(value_type = Object)]
    data: Value,
}

/// Every change of a domain record, oldest first.
#[derive(Serialize, ToSchema)]
pub struct RecordTimeline {
    items: Vec<RecordChange>,
}

impl RecordTimeline {
    /// The timeline of a record from its events.
    pub fn of(events: Vec<Event>) -> Self {
        Self {
            items: events
                .into_iter()
                .map(|e| RecordChange {
                    seq: e.seq,
                    at: e.at,
                    actor: e.actor,
                    kind: e.kind,
                    data: json!({ "record": e.payload.get("record"), "detail": e.payload.get("detail") }),
                })
                .collect(),
        }
    }
}

/// Premise history (历史警情): the incidents recorded within `radius_m` (10 to 500, default 50)
/// of a place, in the caller's jurisdiction, newest first (at most 20; callers masked) — what an
/// intake desk should know before it sends a crew to an address (`exclude`: the incident being
/// recorded itself).
#[utoipa::path(get, path = "/api/v1/incidents/history",
    params(("lon" = f64, Query), ("lat" = f64, Query), ("radius_m" = Option<f64>, Query, minimum = 10, maximum = 500), ("exclude" = Option<i64>, Query)),
    responses((status = 200, description = "{items: [{incident, distance_m}], radius_m}"), (status = 400)), security(("bearer" = [])))]
pub async fn premise_history(
    State(state): State<AppState>,
    auth: Authed,
    q: Params,
) -> ApiResult<Json<Value>> {
    let p = ListParams::new(q, &["lon", "lat", "radius_m", "exclude"])?;
    let num = |k: &str| -> ApiResult<Option<f64>> {
        p.get(k)
            .map(|v| {
                v.parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| ApiError::bad_request(format!("{k} must be a number")).field(k))
            })
            .transpose()
    };
    let at = zhihui_core::LonLat {
        lon: num("lon")?.ok_or_else(|| ApiError::bad_request("lon is required").field("lon"))?,
        lat: num("lat")?.ok_or_else(|| ApiError::bad_request("lat is required").field("lat"))?,
    };
    at.validate("location")
        .map_err(|e| ApiError::bad_request(e.to_string()).field(e.field().unwrap_or("lat")))?;
    let radius = num("radius_m")?.unwrap_or(50.0);
    if !(10.0..=500.0).contains(&radius) {
        return Err(ApiError::bad_request("radius_m must be 10 to 500").field("radius_m"));
    }
    let exclude = p
        .get("exclude")
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ApiError::bad_request("exclude must be an incident id").field("exclude")
            })
        })
        .transpose()?;
    let orgs = state.orgs().subtree_ids(&auth.actor.org_id);
    let st = state.clone();
    let found = blocking(move || {
        st.store
            .read(|c| projections::incidents_near(c, &orgs, &at, radius, 21))
    })
    .await?;
    let found: Vec<(Incident, f64)> = found
        .into_iter()
        .filter(|(i, _)| Some(i.id) != exclude)
        .take(20)
        .collect();
    let records: Vec<&Incident> = found.iter().map(|(i, _)| i).collect();
    let masked = masked_records(&state, "incident", &records)?;
    let items: Vec<Value> = masked
        .into_iter()
        .zip(&found)
        .map(|(m, (_, d))| json!({ "incident": m, "distance_m": d.round() }))
        .collect();
    Ok(Json(json!({ "items": items, "radius_m": radius })))
}

/// Every change to an incident, oldest first, each with its actor (the read is audited).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/timeline", params(("id" = i64, Path)),
    responses((status = 200, body = Items<TimelineItem>)), security(("bearer" = [])))]
pub async fn incident_timeline(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Items<TimelineItem>>> {
    let id = parse_id(&id)?;
    load_incident_audited(&state, &auth, id, "incident.timeline").await?;
    let st = state.clone();
    let events = blocking(move || st.store.read(|c| projections::incident_history(c, id))).await?;
    Ok(Json(Items {
        items: events.into_iter().map(TimelineItem::from).collect(),
    }))
}

// ------------------------------------------------------------------ units

/// Units in the caller's jurisdiction, by call sign.
#[utoipa::path(get, path = "/api/v1/units",
    params(("status" = Option<String>, Query), ("kind" = Option<String>, Query), ("org_id" = Option<String>, Query),
           ("limit" = Option<i64>, Query, minimum = 1, maximum = 2000, description = "1..2000, default 500"), ("offset" = Option<i64>, Query, minimum = 0)),
    responses((status = 200, body = Page<Unit>)), security(("bearer" = [])))]
pub async fn list_units(
    State(state): State<AppState>,
    auth: Authed,
    q: Params,
) -> ApiResult<Json<Page<Unit>>> {
    let p = ListParams::new(q, &["status", "kind", "org_id", "limit", "offset"])?;
    let filter = UnitFilter {
        org_ids: p.orgs(&state, &auth.actor)?,
        statuses: p.list("status", |s| UnitStatus::parse(s).is_some())?,
        kinds: p.list("kind", |s| UnitKind::parse(s).is_some())?,
        limit: p.int("limit", 500, 1, 2000)?,
        offset: p.int("offset", 0, 0, i64::MAX)?,
    };
    let st = state.clone();
    let (items, total) =
        blocking(move || st.store.read(|c| projections::list_units(c, &filter))).await?;
    Ok(Json(Page { items, total }))
}

/// Register a unit.
#[utoipa::path(post, path = "/api/v1/units", request_body = NewUnit,
    responses((status = 201, body = Unit), (status = 409, description = "call sign in use")), security(("bearer" = [])))]
pub async fn create_unit(
    cmd: Cmd,
    ApiJson(new): ApiJson<NewUnit>,
) -> ApiResult<(StatusCode, Json<Unit>)> {
    let u = cmd
        .write("unit.create", "unit", move |tx, ctx| {
            commands::create_unit(tx, &ctx.orgs, &ctx.actor, new, ctx.now)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(u)))
}

/// One unit.
#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path)), responses((status = 200, body = Unit)), security(("bearer" = [])))]
pub async fn get_unit(cmd: Cmd, Path(id): Path<String>) -> ApiResult<Json<Unit>> {
    let id = parse_id(&id)?;
    let u = cmd
        .read("unit.read", &format!("unit:{id}"), move |c, ctx| {
            commands::load_unit(c, &ctx.orgs, &ctx.actor, id)
        })
        .await?;
    Ok(Json(u))
}

/// Change a unit's status, position, call sign or kind.
#[utoipa::path(patch, path = "/api/v1/units/{id}", params(("id" = i64, Path)), request_body = UnitPatch,
    responses((status = 200, body = Unit)), security(("bearer" = [])))]
pub async fn update_unit(
    cmd: Cmd,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UnitPatch>,
) -> ApiResult<Json<Unit>> {
    let id = parse_id(&id)?;
    let u = cmd
        .write("unit.update", &format!("unit:{id}"), move |tx, ctx| {
            commands::update_unit(tx, &ctx.orgs, &ctx.actor, id, patch, ctx.now)
        })
        .await?;
    Ok(Json(u))
}
