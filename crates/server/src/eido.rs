//! Export of an incident as a NENA Emergency Incident Data Object (EIDO, NENA-STA-021) in its
//! JSON form, for handing incidents to other agencies' systems.
//!
//! Filled components: `incidentComponent` (tracking id, type, status, priority, location and
//! agency references), `callComponent` (receipt time, call-back number), `locationComponent`
//! (PIDF-LO with a GML point and the address text), `agencyComponent` (the owning organisation),
//! `personComponent` (the caller), one more `callComponent` and `personComponent` for each call
//! merged into the incident as a duplicate (with what that caller said as a note),
//! `emergencyResourceComponent` (each dispatched unit with its
//! order's status and times) and `notesComponent` (description, closing summary). Not filled:
//! vehicle, agent and additional-data components. The structure follows the published JSON schema as
//! understood here; it was not validated against the official schema file (not available offline).

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use zhihui_core::{codes, Assignment, Caller, Incident, Time};
use zhihui_store::projections;

use crate::error::ApiResult;
use crate::extract::parse_id;
use crate::{blocking, AppState, Authed};

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn ts(t: &zhihui_core::Time) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Builds the EIDO document. `merged` are the calls merged into `inc` that the reader may see.
pub fn eido(
    inc: &Incident,
    merged: &[Incident],
    assignments: &[Assignment],
    org_name: &str,
) -> Value {
    let base = format!("zhihui-incident-{}", inc.id);
    let (inc_id, loc_id, agency_id, person_id, call_id) = (
        format!("{base}-inc"),
        format!("{base}-loc"),
        format!("agency-{}", inc.org_id),
        format!("{base}-caller"),
        format!("{base}-call"),
    );
    let type_text = codes::incident_type(&inc.kind)
        .map(|t| {
            let sub = inc
                .subtype
                .as_deref()
                .and_then(|s| t.subtypes.iter().find(|x| x.code == s))
                .map(|x| format!(" / {}", x.en))
                .unwrap_or_default();
            format!("{}{}", t.en, sub)
        })
        .unwrap_or_else(|| inc.kind.clone());
    let pidf = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><location xmlns:gml=\"http://www.opengis.net/gml\" \
         xmlns:ca=\"urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr\"><gml:Point srsName=\"urn:ogc:def:crs:EPSG::4326\">\
         <gml:pos>{} {}</gml:pos></gml:Point><ca:civicAddress><ca:country>CN</ca:country><ca:A6>{}</ca:A6></ca:civicAddress></location>",
        inc.location.lat,
        inc.location.lon,
        xml_escape(&inc.address)
    );
    let resources: Vec<Value> = assignments
        .iter()
        .map(|a| {
            json!({
                "$id": format!("{base}-unit-{}", a.unit_id),
                "emergencyResourceIdentifier": a.call_sign,
                "emergencyResourceStatusText": a.status.as_str(),
                "dispatchTimeStamp": ts(&a.assigned_at),
                "enRouteTimeStamp": a.en_route_at.as_ref().map(ts),
                "onSceneTimeStamp": a.on_scene_at.as_ref().map(ts),
                "clearedTimeStamp": a.closed_at.as_ref().map(ts),
            })
        })
        .collect();
    let mut notes = vec![json!({
        "$id": format!("{base}-note-1"),
        "notesActionComment": inc.description,
        "notesCommentTimeStamp": ts(&inc.received_at),
    })];
    if let Some(s) = &inc.summary {
        notes.push(json!({
            "$id": format!("{base}-note-2"),
            "notesActionComment": s,
            "notesCommentTimeStamp": ts(&inc.updated_at),
        }));
    }
    let mut calls = Vec::new();
    let mut persons = Vec::new();
    // An anonymous call, or an incident from a source without a caller (an alarm, a post), has
    // a call component without a callback number and no person.
    let mut add_call = |call: String, person: String, at: &Time, caller: Option<&Caller>| {
        calls.push(json!({
            "$id": call,
            "callStartTimeStamp": ts(at),
            "callbackNumber": caller.map(|c| c.phone.clone()),
        }));
        if let Some(c) = caller {
            persons.push(json!({
                "$id": person,
                "personNameText": c.name,
                "personTelephoneNumber": c.phone,
                "personRoleText": "Caller",
            }));
        }
    };
    add_call(
        call_id.clone(),
        person_id.clone(),
        &inc.received_at,
        inc.caller.as_ref(),
    );
    for m in merged {
        add_call(
            format!("{base}-call-{}", m.id),
            format!("{base}-caller-{}", m.id),
            &m.received_at,
            m.caller.as_ref(),
        );
    }
    for m in merged {
        notes.push(json!({
            "$id": format!("{base}-note-call-{}", m.id),
            "notesActionComment": format!("JQ{} (duplicate call): {}", m.id, m.description),
            "notesCommentTimeStamp": ts(&m.received_at),
        }));
    }
    let refs =
        |v: &[Value]| -> Vec<Value> { v.iter().map(|c| json!({ "$ref": c["$id"] })).collect() };
    json!({
        "$schema": "https://schema.nena.org/eido/2.0/eido.schema.json",
        "$id": format!("{base}-v{}", inc.version),
        "eidoMessageIdentifier": format!("{base}-v{}", inc.version),
        "sendingSystemIdentifier": "zhihui",
        "lastUpdateTimeStamp": ts(&inc.updated_at),
        "incidentComponent": [{
            "$id": inc_id,
            "componentIdentifier": inc_id,
            "incidentTrackingIdentifier": format!("JQ{}", inc.id),
            "lastUpdateTimeStamp": ts(&inc.updated_at),
            "incidentTypeCommonRegistryText": type_text,
            "incidentStatusCommonRegistryText": inc.status.labels().1,
            "incidentCommonPriorityNumber": inc.priority,
            "dispositionCommonRegistryText": inc.disposition.as_deref().and_then(codes::disposition).map(|d| d.en),
            "locationReference": { "$ref": loc_id },
            "updatedByAgencyReference": { "$ref": agency_id },
            "callReference": refs(&calls),
            "personReference": refs(&persons),
        }],
        "callComponent": calls,
        "locationComponent": [{ "$id": loc_id, "locationByValue": pidf }],
        "agencyComponent": [{ "$id": agency_id, "agencyIdentifier": inc.org_id, "agencyName": org_name }],
        "personComponent": persons,
        "emergencyResourceComponent": resources,
        "notesComponent": notes,
    })
}

/// The incident as a NENA EIDO JSON document (contains the caller: the read is audited).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/eido", params(("id" = i64, Path)),
    responses((status = 200, description = "EIDO JSON")), security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    auth: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id = parse_id(&id)?;
    let inc = crate::api::load_incident_audited(&state, &auth, id, "incident.export").await?;
    // Each merged call carries its own caller: read (and audited) one by one; one the reader may
    // not see is left out (its refusal is on record) rather than failing the export.
    let mut merged = Vec::new();
    for &m in &inc.merged_from {
        if let Ok(call) =
            crate::api::load_incident_audited(&state, &auth, m, "incident.export").await
        {
            merged.push(call);
        }
    }
    let st = state.clone();
    let assignments =
        blocking(move || st.store.read(|c| projections::incident_assignments(c, id))).await?;
    let org_name = state
        .orgs()
        .get(&inc.org_id)
        .map(|o| o.name.clone())
        .unwrap_or_default();
    Ok(Json(eido(&inc, &merged, &assignments, &org_name)))
}
