//! Domain commands: each checks the actor's role and jurisdiction, applies the change through the
//! domain types, and writes the event, the projection and the audit entry in the caller's
//! transaction. The HTTP server and the demo simulator both go through here, so the rules hold
//! whoever makes the change.

use rusqlite::Connection;
use serde_json::json;

use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};
use zhihui_core::{
    codes, Action, DomainError, DuplicateMatch, Incident, IncidentPatch, LonLat, NewIncident,
    NewUnit, Org, OrgTree, Role, Time, Unit, UnitPatch, UnitStatus,
};

/// Who is acting.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Username (recorded as the actor of events and audit entries).
    pub username: String,
    /// Role.
    pub role: Role,
    /// Organisation: the root of the actor's jurisdiction.
    pub org_id: String,
    /// For unit terminals: the unit they speak for.
    pub unit_id: Option<i64>,
}

impl Actor {
    /// Refuses when the role may not do `action`.
    pub fn require(&self, action: Action, what: &str) -> Result<(), StoreError> {
        if self.role.may(action) {
            Ok(())
        } else {
            Err(StoreError::Denied(format!(
                "role {} may not {what}",
                self.role.as_str()
            )))
        }
    }

    /// Whether the actor may act on a record someone else issued: its issuer, or one who oversees
    /// ([`Action::Oversee`]: the duty leader, administrators) the issuing organisation.
    pub fn acts_for(&self, orgs: &OrgTree, issued_by: &str, issuer_org: &str) -> bool {
        self.username == issued_by
            || (self.role.may(Action::Oversee) && orgs.is_within(issuer_org, &self.org_id))
    }

    /// Refuses when `org_id` lies outside the actor's jurisdiction.
    pub fn require_within(&self, orgs: &OrgTree, org_id: &str) -> Result<(), StoreError> {
        if orgs.is_within(org_id, &self.org_id) {
            Ok(())
        } else {
            Err(StoreError::Denied(format!(
                "organisation {org_id} is outside the jurisdiction of {}",
                self.org_id
            )))
        }
    }
}

pub(crate) fn audit_ok(
    actor: &Actor,
    at: Time,
    action: &str,
    target: String,
    detail: serde_json::Value,
) -> AuditDraft {
    AuditDraft {
        at,
        actor: actor.username.clone(),
        action: action.into(),
        target,
        outcome: "ok".into(),
        detail,
    }
}

/// How a new incident found its organisation, for its timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routing {
    /// The caller named it.
    Given,
    /// The deepest organisation whose area holds the location.
    Area,
    /// No area within the creator's jurisdiction holds the location: the creator's own.
    Creator,
}

impl Routing {
    fn as_str(self) -> &'static str {
        match self {
            Routing::Given => "given",
            Routing::Area => "area",
            Routing::Creator => "creator",
        }
    }
}

/// The organisation a new incident at `at` belongs to: the one named, else the deepest whose
/// area holds the location among those within the creator's jurisdiction, else the creator's
/// own. Returns it with how it was found and, for the fallback, the area outside the
/// jurisdiction that holds the location, if any (the dispatcher may hand the incident over).
fn route_incident(
    actor: &Actor,
    orgs: &OrgTree,
    requested: Option<String>,
    at: &LonLat,
) -> Result<(String, Routing, Option<String>), StoreError> {
    if requested.is_some() {
        return Ok((resolve_org(actor, orgs, requested)?, Routing::Given, None));
    }
    match orgs.deepest_at(at) {
        Some(o) if orgs.is_within(&o.id, &actor.org_id) => Ok((o.id.clone(), Routing::Area, None)),
        other => Ok((
            resolve_org(actor, orgs, None)?,
            Routing::Creator,
            other.map(|o| o.id.clone()),
        )),
    }
}

fn resolve_org(
    actor: &Actor,
    orgs: &OrgTree,
    requested: Option<String>,
) -> Result<String, StoreError> {
    let org_id = requested.unwrap_or_else(|| actor.org_id.clone());
    if orgs.get(&org_id).is_none() {
        return Err(StoreError::Domain(zhihui_core::DomainError::invalid(
            "org_id",
            format!("unknown organisation `{org_id}`"),
        )));
    }
    actor.require_within(orgs, &org_id)?;
    Ok(org_id)
}

/// Records a new incident.
pub fn create_incident(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: NewIncident,
    now: Time,
) -> Result<Incident, StoreError> {
    actor.require(Action::WriteIncident, "create incidents")?;
    let (org_id, routing, outside) =
        route_incident(actor, orgs, new.org_id.clone(), &new.location)?;
    let id = p::next_incident_id(tx.conn())?;
    let default_priority = zhihui_core::codes::default_priority(&new.kind, new.subtype.as_deref());
    let priority_reason = new
        .priority_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let inc = new.into_incident(id, org_id, &actor.username, now)?;
    p::put_incident(tx.conn(), &inc)?;
    tx.emit(
        incident_draft(
            actor,
            &inc.org_id,
            id,
            "incident.created",
            // For the timeline: how it found its organisation (by area, named, or the creator's,
            // with the area outside the creator's jurisdiction that holds it), and its kind's
            // default priority with the reason for filing it otherwise.
            json!({ "record": inc, "detail": {
            "routed": routing.as_str(), "org_id": inc.org_id, "area_org_id": outside,
            "default_priority": default_priority, "priority_reason": priority_reason,
        } }),
            now,
        ),
        crate::Fact::IncidentCreated { incident: &inc },
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "incident.create",
        format!("incident:{id}"),
        json!({}),
    ))?;
    Ok(inc)
}

/// Loads an incident the actor may see.
pub fn load_incident(
    conn: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Incident, StoreError> {
    let inc =
        p::get_incident(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
    if let Err(denied) = actor.require_within(orgs, &inc.org_id) {
        // A unit sent to an incident outside its station's jurisdiction must still read it.
        match actor.unit_id {
            Some(u)
                if p::incident_assignments(conn, id)?
                    .iter()
                    .any(|a| a.unit_id == u) => {}
            _ => return Err(denied),
        }
    }
    Ok(inc)
}

/// Changes an incident. Returns the record and what changed (empty when nothing did; then no
/// event is written).
pub fn update_incident(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    patch: IncidentPatch,
    now: Time,
) -> Result<Incident, StoreError> {
    actor.require(Action::WriteIncident, "change incidents")?;
    let mut inc = load_incident(tx.conn(), orgs, actor, id)?;
    if let Some(o) = &patch.org_id {
        resolve_org(actor, orgs, Some(o.clone()))?;
    }
    let changes = inc.apply(patch, now)?;
    if changes.is_empty() {
        return Ok(inc);
    }
    p::put_incident(tx.conn(), &inc)?;
    tx.append(incident_draft(
        actor,
        &inc.org_id,
        id,
        "incident.updated",
        json!({ "record": inc, "changes": changes }),
        now,
    ))?;
    tx.audit(audit_ok(
        actor,
        now,
        "incident.update",
        format!("incident:{id}"),
        json!({ "fields": changes.keys().collect::<Vec<_>>() }),
    ))?;
    Ok(inc)
}

/// Hands an open incident over to another organisation (移交): the station whose ground it
/// turned out to be, or one better placed. The actor may change incidents and must have the
/// incident in its jurisdiction; the receiving organisation may lie outside it (that is the
/// point), and the actor may lose sight of the incident. A reason is required; the event
/// (`incident.handed_over`, published to the receiving organisation) and the audit entry keep
/// from, to and why.
pub fn hand_over_incident(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    to: &str,
    reason: &str,
    now: Time,
) -> Result<Incident, StoreError> {
    actor.require(Action::WriteIncident, "hand incidents over")?;
    let mut inc = load_incident(tx.conn(), orgs, actor, id)?;
    let target = orgs
        .get(to)
        .ok_or_else(|| invalid("org_id", format!("unknown organisation `{to}`")))?;
    if target.id == inc.org_id {
        return Err(invalid(
            "org_id",
            format!("incident {id} already belongs to {}", target.name),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(invalid(
            "reason",
            "1 to 200 characters: why it is handed over".into(),
        ));
    }
    if inc.status == zhihui_core::IncidentStatus::Closed {
        return Err(StoreError::Conflict {
            field: "status".into(),
            message: format!("incident {id} is closed"),
        });
    }
    let from = std::mem::replace(&mut inc.org_id, target.id.clone());
    inc.updated_at = now;
    inc.version += 1;
    p::put_incident(tx.conn(), &inc)?;
    tx.append(incident_draft(
        actor,
        &inc.org_id,
        id,
        "incident.handed_over",
        json!({ "record": inc, "detail": { "from": from, "to": inc.org_id, "reason": reason } }),
        now,
    ))?;
    tx.audit(audit_ok(
        actor,
        now,
        "incident.handover",
        format!("incident:{id}"),
        json!({ "from": from, "to": inc.org_id, "reason": reason }),
    ))?;
    Ok(inc)
}

/// A narrative note (补充警情) on an incident, at any time, closed ones included: what a caller
/// adds on a second call, what the crew reports, what the dispatcher learns. It changes no field;
/// it is an `incident.noted` entry of the timeline with who wrote it and when. Returns the text
/// as stored (trimmed).
pub fn add_incident_note(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    text: &str,
    now: Time,
) -> Result<String, StoreError> {
    if !(actor.role.may(Action::WriteIncident) || actor.role.may(Action::Oversee)) {
        return Err(StoreError::Denied(format!(
            "role {} may not add notes to incidents",
            actor.role.as_str()
        )));
    }
    let inc = load_incident(tx.conn(), orgs, actor, id)?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return Err(invalid("text", "1 to 2000 characters".into()));
    }
    tx.append(incident_draft(
        actor,
        &inc.org_id,
        id,
        "incident.noted",
        json!({ "record": inc, "detail": { "text": text } }),
        now,
    ))?;
    tx.audit(audit_ok(
        actor,
        now,
        "incident.note",
        format!("incident:{id}"),
        json!({ "chars": text.chars().count() }),
    ))?;
    Ok(text.to_owned())
}

/// Open incidents in the actor's jurisdiction that a call of type `kind` at `location`, received
/// at `at`, may duplicate (see [`Incident::duplicate_of_call`]), nearest first. `exclude` leaves
/// out the call's own record when it already exists.
pub fn duplicate_candidates(
    conn: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    kind: &str,
    location: &LonLat,
    at: Time,
    exclude: Option<i64>,
) -> Result<Vec<(Incident, DuplicateMatch)>, StoreError> {
    if codes::incident_type(kind).is_none() {
        return Err(DomainError::invalid("type", format!("unknown incident type `{kind}`")).into());
    }
    location.validate("location")?;
    let window = chrono::Duration::seconds(codes::DUPLICATE_WINDOW_S);
    let mut out: Vec<(Incident, DuplicateMatch)> = p::open_incidents_received_between(
        conn,
        &orgs.subtree_ids(&actor.org_id),
        codes::related_types(kind),
        &(at - window),
        &(at + window),
    )?
    .into_iter()
    .filter(|i| Some(i.id) != exclude)
    .filter_map(|i| {
        let m = i.duplicate_of_call(kind, location, at)?;
        Some((i, m))
    })
    .collect();
    out.sort_by(|a, b| {
        a.1.distance_m
            .total_cmp(&b.1.distance_m)
            .then(a.1.seconds_apart.abs().cmp(&b.1.seconds_apart.abs()))
            .then(a.0.id.cmp(&b.0.id))
    });
    Ok(out)
}

/// Merges incident `id` (a duplicate call) into the open incident `into`. Both calls are kept:
/// `id` closes with disposition `duplicate` and `merged_into`, and `into`'s history gains an
/// `incident.call_added` event carrying the call (caller, time, description). Refused when the
/// actor may not change incidents or does not hold both in jurisdiction, when either is closed,
/// when `id` is `into`, and while units are still on their way to `id`.
pub fn merge_incident(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    into: i64,
    version: Option<u64>,
    now: Time,
) -> Result<(Incident, Incident), StoreError> {
    actor.require(Action::WriteIncident, "merge incidents")?;
    let mut dup = load_incident(tx.conn(), orgs, actor, id)?;
    actor.require_within(orgs, &dup.org_id)?;
    if let Some(v) = version {
        if v != dup.version {
            return Err(DomainError::invalid(
                "version",
                format!("record is at version {}, not {v}", dup.version),
            )
            .into());
        }
    }
    if into == id {
        return Err(
            DomainError::invalid("into", "an incident cannot be merged into itself").into(),
        );
    }
    let mut keep = load_incident(tx.conn(), orgs, actor, into).map_err(|e| match e {
        StoreError::NotFound(m) => DomainError::invalid("into", format!("{m} not found")).into(),
        other => other,
    })?;
    actor.require_within(orgs, &keep.org_id)?;
    let busy: Vec<String> = p::incident_assignments(tx.conn(), id)?
        .into_iter()
        .filter(|a| !a.status.is_final())
        .map(|a| a.call_sign)
        .collect();
    if !busy.is_empty() && dup.status != zhihui_core::IncidentStatus::Closed {
        return Err(StoreError::Conflict {
            field: "assignments".into(),
            message: format!(
                "units are still sent to incident {id} ({}); clear or cancel their orders first",
                busy.join(", ")
            ),
        });
    }
    let m = dup.merge_into(&mut keep, now)?;
    p::put_incident(tx.conn(), &dup)?;
    p::put_incident(tx.conn(), &keep)?;
    tx.append(incident_draft(
        actor,
        &dup.org_id,
        id,
        "incident.merged",
        json!({ "record": dup, "changes": m.merged, "into": into }),
        now,
    ))?;
    tx.append(incident_draft(
        actor,
        &keep.org_id,
        into,
        "incident.call_added",
        json!({ "record": keep, "changes": m.into, "call": m.call }),
        now,
    ))?;
    tx.audit(audit_ok(
        actor,
        now,
        "incident.merge",
        format!("incident:{id}"),
        json!({ "into": into }),
    ))?;
    Ok((dup, keep))
}

/// Records a call and merges it at once into the open incident `into`, in one transaction: a
/// refused merge leaves no new record behind. Errors about the target name `merge_into`.
pub fn create_duplicate_call(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: NewIncident,
    into: i64,
    now: Time,
) -> Result<Incident, StoreError> {
    let inc = create_incident(tx, orgs, actor, new, now)?;
    let rename = |f: zhihui_core::FieldError| zhihui_core::FieldError {
        field: if f.field == "into" {
            "merge_into".into()
        } else {
            f.field
        },
        message: f.message,
    };
    merge_incident(tx, orgs, actor, inc.id, into, None, now)
        .map(|(merged, _)| merged)
        .map_err(|e| match e {
            StoreError::Domain(DomainError::Invalid(f)) => DomainError::Invalid(rename(f)).into(),
            StoreError::Domain(DomainError::Conflict(f)) => DomainError::Conflict(rename(f)).into(),
            other => other,
        })
}

/// Registers a unit./// Registers a unit.
pub fn create_unit(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: NewUnit,
    now: Time,
) -> Result<Unit, StoreError> {
    actor.require(Action::ManageUnit, "create units")?;
    let org_id = resolve_org(actor, orgs, new.org_id.clone())?;
    let id = p::next_unit_id(tx.conn())?;
    let unit = new.into_unit(id, org_id, now)?;
    if p::call_sign_taken(tx.conn(), &unit.call_sign, id)? {
        return Err(StoreError::Conflict {
            field: "call_sign".into(),
            message: format!("call sign `{}` is already in use", unit.call_sign),
        });
    }
    p::put_unit(tx.conn(), &unit)?;
    if let Some(pos) = unit.position {
        // The trail starts where the unit was registered.
        crate::track::record(tx.conn(), id, now, pos, None)?;
    }
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: unit.org_id.clone(),
        record_type: "unit".into(),
        record_id: id,
        kind: "unit.created".into(),
        payload: json!({ "record": unit }),
    })?;
    tx.audit(audit_ok(
        actor,
        now,
        "unit.create",
        format!("unit:{id}"),
        json!({}),
    ))?;
    Ok(unit)
}

/// Loads a unit the actor may see.
pub fn load_unit(
    conn: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Unit, StoreError> {
    let u = p::get_unit(conn, id)?.ok_or_else(|| StoreError::NotFound(format!("unit {id}")))?;
    actor.require_within(orgs, &u.org_id)?;
    Ok(u)
}

/// Changes a unit. A new position is a fix in the track store ([`crate::track`]); a patch that
/// only moves the unit goes out on the live feed as `unit.moved` but is neither kept in the event
/// log nor audited one by one: positions stream in several times a minute per unit.
pub fn update_unit(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    patch: UnitPatch,
    now: Time,
) -> Result<Unit, StoreError> {
    let mut unit = load_unit(tx.conn(), orgs, actor, id)?;
    if !actor.role.may(Action::ManageUnit) {
        actor.require(Action::UpdateOwnUnit, "change units")?;
        // A unit terminal may report its own status and position, nothing else.
        if actor.unit_id.is_some_and(|u| u != id) {
            return Err(StoreError::Denied(format!(
                "this terminal speaks for unit {}, not {id}",
                actor.unit_id.unwrap_or_default()
            )));
        }
        if patch.call_sign.is_some() || patch.kind.is_some() {
            return Err(StoreError::Denied(
                "a unit terminal may change only status and position".into(),
            ));
        }
    }
    let prev_fix = unit.position.zip(unit.position_at);
    let changes = unit.apply(patch, now)?;
    if changes.is_empty() {
        return Ok(unit);
    }
    if changes.contains_key("call_sign") && p::call_sign_taken(tx.conn(), &unit.call_sign, id)? {
        return Err(StoreError::Conflict {
            field: "call_sign".into(),
            message: format!("call sign `{}` is already in use", unit.call_sign),
        });
    }
    p::put_unit(tx.conn(), &unit)?;
    let fix = match (changes.contains_key("position"), unit.position) {
        (true, Some(pos)) => Some(crate::track::record(tx.conn(), id, now, pos, prev_fix)?),
        _ => None,
    };
    let only_moved = changes.len() == 1 && fix.is_some();
    let event = EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: unit.org_id.clone(),
        record_type: "unit".into(),
        record_id: id,
        kind: if only_moved {
            "unit.moved"
        } else {
            "unit.updated"
        }
        .into(),
        payload: json!({ "record": unit, "changes": changes, "fix": fix }),
    };
    if only_moved {
        tx.telemetry(event, crate::Fact::UnitMoved { unit: &unit })?;
    } else if fix.is_some() {
        // Reactors run after the move's own event, so the timeline reads "moved, then arrived".
        tx.emit(event, crate::Fact::UnitMoved { unit: &unit })?;
    } else {
        tx.append(event)?;
    }
    if !only_moved {
        tx.audit(audit_ok(
            actor,
            now,
            "unit.update",
            format!("unit:{id}"),
            json!({ "fields": changes.keys().collect::<Vec<_>>() }),
        ))?;
    }
    Ok(unit)
}

/// Frees a unit a domain held (a checkpoint, a post) when the domain lets go of it: back to
/// available if it is still out on that duty, unless it has been given a dispatch order since.
pub fn release_unit(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    unit_id: i64,
    now: Time,
) -> Result<(), StoreError> {
    let Some(u) = p::get_unit(tx.conn(), unit_id)? else {
        return Ok(());
    };
    let held = matches!(
        u.status,
        UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene
    );
    if held && p::open_unit_assignments(tx.conn(), u.id)?.is_empty() {
        update_unit(
            tx,
            orgs,
            actor,
            u.id,
            UnitPatch {
                status: Some(UnitStatus::Available),
                ..Default::default()
            },
            now,
        )?;
    }
    Ok(())
}

/// Adds an organisation (admin only, within jurisdiction of the parent).
pub fn create_org(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    org: Org,
    now: Time,
) -> Result<(), StoreError> {
    actor.require(Action::Administer, "create organisations")?;
    if let Some(parent) = &org.parent_id {
        actor.require_within(orgs, parent)?;
    } else if !orgs.is_empty() {
        return Err(StoreError::Conflict {
            field: "parent_id".into(),
            message: "there is already a root organisation".into(),
        });
    }
    if orgs.get(&org.id).is_some() {
        return Err(StoreError::Conflict {
            field: "id".into(),
            message: format!("organisation `{}` exists", org.id),
        });
    }
    p::insert_org(tx.conn(), &org)?;
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: org.id.clone(),
        record_type: "org".into(),
        record_id: 0,
        kind: "org.created".into(),
        payload: json!({ "record": org }),
    })?;
    tx.audit(audit_ok(
        actor,
        now,
        "org.create",
        format!("org:{}", org.id),
        json!({}),
    ))?;
    Ok(())
}

/// Sets (or replaces) an organisation's area (辖区): administrators within their jurisdiction.
/// The area must be valid GeoJSON (see [`zhihui_core::Area`]) and must not cover ground of a
/// sibling's area (the conflict names the sibling). Returns the area as stored (a
/// `MultiPolygon`). The caller reloads its organisation tree.
pub fn set_org_area(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    org_id: &str,
    geojson: &serde_json::Value,
    now: Time,
) -> Result<serde_json::Value, StoreError> {
    actor.require(Action::Administer, "set organisation areas")?;
    let org = orgs
        .get(org_id)
        .ok_or_else(|| StoreError::NotFound(format!("organisation {org_id}")))?;
    actor.require_within(orgs, org_id)?;
    let area = zhihui_core::Area::from_geojson(geojson, "area")?;
    for sib in orgs
        .iter()
        .filter(|o| o.id != org.id && o.parent_id == org.parent_id)
    {
        if let Some(theirs) = orgs.area(&sib.id) {
            if area.overlaps(theirs) {
                return Err(StoreError::Conflict {
                    field: "area".into(),
                    message: format!(
                        "covers about {:.0} m² of {} ({})'s area",
                        area.overlap_square_metres(theirs),
                        sib.name,
                        sib.id
                    ),
                });
            }
        }
    }
    let stored = area.to_geojson();
    tx.conn().execute(
        "INSERT INTO org_areas(org_id, geojson, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(org_id) DO UPDATE SET geojson = excluded.geojson,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        rusqlite::params![org_id, stored.to_string(), crate::ts(&now), actor.username],
    )?;
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: org_id.to_owned(),
        record_type: "org".into(),
        record_id: 0,
        kind: "org.area_set".into(),
        payload: json!({ "record": org, "detail": { "square_metres": area.square_metres().round() } }),
    })?;
    tx.audit(audit_ok(
        actor,
        now,
        "org.area",
        format!("org:{org_id}"),
        json!({ "square_metres": area.square_metres().round() }),
    ))?;
    Ok(stored)
}

/// Adds a user account. `password_hash` is already an argon2id PHC string.
pub fn create_user(
    tx: &mut Tx<'_>,
    actor: &Actor,
    user: p::UserRecord,
    now: Time,
) -> Result<(), StoreError> {
    if p::get_user(tx.conn(), &user.username)?.is_some() {
        return Err(StoreError::Conflict {
            field: "username".into(),
            message: format!("user `{}` exists", user.username),
        });
    }
    p::insert_user(tx.conn(), &user, &now)?;
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: user.org_id.clone(),
        record_type: "user".into(),
        record_id: 0,
        kind: "user.created".into(),
        payload: json!({ "username": user.username, "role": user.role, "org_id": user.org_id, "unit_id": user.unit_id }),
    })?;
    tx.audit(audit_ok(
        actor,
        now,
        "user.create",
        format!("user:{}", user.username),
        json!({ "role": user.role }),
    ))?;
    Ok(())
}

fn assignment_event(
    tx: &mut Tx<'_>,
    actor: &Actor,
    org_id: &str,
    a: &zhihui_core::Assignment,
    kind: &str,
    changes: Option<&zhihui_core::Changes>,
    now: Time,
) -> Result<i64, StoreError> {
    // The unit's own station sees its orders even when the incident belongs elsewhere.
    let unit_org: Vec<String> = p::get_unit(tx.conn(), a.unit_id)?
        .map(|u| u.org_id)
        .into_iter()
        .collect();
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: org_id.to_owned(),
        record_type: "assignment".into(),
        record_id: a.id,
        kind: kind.into(),
        payload: json!({ "record": a, "changes": changes, "orgs": unit_org }),
    })
}

/// Moves a unit to the status its order implies, recording the change like any other.
fn set_unit_status(
    tx: &mut Tx<'_>,
    actor: &Actor,
    unit: &mut Unit,
    status: zhihui_core::UnitStatus,
    now: Time,
) -> Result<(), StoreError> {
    let changes = unit.apply(
        UnitPatch {
            status: Some(status),
            ..Default::default()
        },
        now,
    )?;
    if changes.is_empty() {
        return Ok(());
    }
    p::put_unit(tx.conn(), unit)?;
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: unit.org_id.clone(),
        record_type: "unit".into(),
        record_id: unit.id,
        kind: "unit.updated".into(),
        payload: json!({ "record": unit, "changes": changes }),
    })?;
    Ok(())
}

fn set_incident_status(
    tx: &mut Tx<'_>,
    actor: &Actor,
    inc: &mut Incident,
    status: zhihui_core::IncidentStatus,
    now: Time,
) -> Result<(), StoreError> {
    if inc.status >= status {
        return Ok(());
    }
    let changes = inc.apply(
        IncidentPatch {
            status: Some(status),
            ..Default::default()
        },
        now,
    )?;
    p::put_incident(tx.conn(), inc)?;
    tx.append(incident_draft(
        actor,
        &inc.org_id,
        inc.id,
        "incident.updated",
        json!({ "record": inc, "changes": changes }),
        now,
    ))?;
    Ok(())
}

/// What a dispatcher decided: this unit to this incident.
#[derive(Debug, Clone)]
pub struct AssignUnit {
    /// The incident.
    pub incident_id: i64,
    /// The unit sent.
    pub unit_id: i64,
    /// Predicted road travel time, seconds.
    pub eta_s: Option<f64>,
    /// Why not the first recommendation, when it was not taken.
    pub override_reason: Option<String>,
}

/// Sends a unit to an incident: creates the dispatch order, marks the unit dispatched and the
/// incident dispatched. `override_reason` is recorded (and audited) when the dispatcher chose
/// another unit than the first recommendation.
pub fn assign_unit(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    req: AssignUnit,
    now: Time,
) -> Result<zhihui_core::Assignment, StoreError> {
    let AssignUnit {
        incident_id,
        unit_id,
        eta_s,
        override_reason,
    } = req;
    actor.require(Action::WriteIncident, "dispatch units")?;
    let mut inc = load_incident(tx.conn(), orgs, actor, incident_id)?;
    if inc.status == zhihui_core::IncidentStatus::Closed {
        return Err(StoreError::Conflict {
            field: "incident".into(),
            message: "the incident is closed".into(),
        });
    }
    let mut unit = load_unit(tx.conn(), orgs, actor, unit_id).map_err(|e| match e {
        StoreError::NotFound(m) => StoreError::Domain(zhihui_core::DomainError::invalid(
            "unit_id",
            format!("{m} not found"),
        )),
        other => other,
    })?;
    if unit.status != zhihui_core::UnitStatus::Available {
        return Err(StoreError::Conflict {
            field: "unit_id".into(),
            message: format!(
                "unit {} is {}, not available",
                unit.call_sign,
                unit.status.as_str()
            ),
        });
    }
    let a = zhihui_core::Assignment {
        id: p::next_assignment_id(tx.conn())?,
        incident_id,
        unit_id,
        call_sign: unit.call_sign.clone(),
        status: zhihui_core::AssignmentStatus::Assigned,
        eta_s,
        assigned_by: actor.username.clone(),
        override_reason: override_reason.clone(),
        result: None,
        assigned_at: now,
        signed_at: None,
        en_route_at: None,
        on_scene_at: None,
        closed_at: None,
        version: 1,
    };
    p::put_assignment(tx.conn(), &a)?;
    assignment_event(tx, actor, &inc.org_id, &a, "assignment.created", None, now)?;
    set_unit_status(
        tx,
        actor,
        &mut unit,
        zhihui_core::UnitStatus::Dispatched,
        now,
    )?;
    set_incident_status(
        tx,
        actor,
        &mut inc,
        zhihui_core::IncidentStatus::Dispatched,
        now,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "assignment.create",
        format!("incident:{incident_id}"),
        json!({ "assignment": a.id, "unit": unit_id, "override_reason": override_reason }),
    ))?;
    Ok(a)
}

/// One dispatch order the actor may see (through its incident's jurisdiction, or as the unit).
pub fn load_assignment(
    conn: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<zhihui_core::Assignment, StoreError> {
    let a = p::get_assignment(conn, id)?
        .ok_or_else(|| StoreError::NotFound(format!("assignment {id}")))?;
    if actor.unit_id == Some(a.unit_id) {
        return Ok(a);
    }
    load_incident(conn, orgs, actor, a.incident_id)?;
    Ok(a)
}

/// A step of a dispatch order, reported by the unit (for its own orders) or by a dispatcher.
pub fn advance_assignment(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    to: zhihui_core::AssignmentStatus,
    text: Option<String>,
    now: Time,
) -> Result<zhihui_core::Assignment, StoreError> {
    let mut a = load_assignment(tx.conn(), orgs, actor, id)?;
    let own = actor.role == Role::Unit && actor.unit_id == Some(a.unit_id);
    if !own {
        actor.require(
            Action::WriteIncident,
            "report for another unit's dispatch order",
        )?;
    }
    if to == zhihui_core::AssignmentStatus::Cancelled && !actor.role.may(Action::WriteIncident) {
        return Err(StoreError::Denied(
            "only a dispatcher may cancel a dispatch order".into(),
        ));
    }
    let changes = a.advance(to, text, now)?;
    p::put_assignment(tx.conn(), &a)?;
    let mut inc = p::get_incident(tx.conn(), a.incident_id)?
        .ok_or_else(|| StoreError::Corrupt(format!("assignment {id} without incident")))?;
    assignment_event(
        tx,
        actor,
        &inc.org_id,
        &a,
        &format!("assignment.{}", to.as_str()),
        Some(&changes),
        now,
    )?;
    if let Some(mut unit) = p::get_unit(tx.conn(), a.unit_id)? {
        set_unit_status(tx, actor, &mut unit, to.unit_status(), now)?;
    }
    if to == zhihui_core::AssignmentStatus::OnScene
        && inc.status < zhihui_core::IncidentStatus::Closed
    {
        set_incident_status(
            tx,
            actor,
            &mut inc,
            zhihui_core::IncidentStatus::OnScene,
            now,
        )?;
    }
    tx.audit(audit_ok(
        actor,
        now,
        &format!("assignment.{}", to.as_str()),
        format!("assignment:{id}"),
        json!({ "incident": a.incident_id }),
    ))?;
    Ok(a)
}

/// The organisations that see an instruction besides the issuer's: its recipients'.
pub fn instruction_orgs(i: &zhihui_core::Instruction) -> Vec<String> {
    i.recipients.iter().map(|r| r.org_id.clone()).collect()
}

/// Whether the actor may see an instruction: issued within their jurisdiction, or addressed to an
/// organisation above or below theirs (supervisors of a district see what its stations get).
pub fn may_see_instruction(orgs: &OrgTree, actor: &Actor, i: &zhihui_core::Instruction) -> bool {
    orgs.is_within(&i.issuer_org_id, &actor.org_id)
        || i.recipients.iter().any(|r| {
            orgs.is_within(&r.org_id, &actor.org_id) || orgs.is_within(&actor.org_id, &r.org_id)
        })
}

/// The event of a change to an incident, in the organisation that holds it after the change.
fn incident_draft(
    actor: &Actor,
    org_id: &str,
    id: i64,
    kind: &str,
    payload: serde_json::Value,
    now: Time,
) -> EventDraft {
    EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: org_id.to_owned(),
        record_type: "incident".into(),
        record_id: id,
        kind: kind.into(),
        payload,
    }
}

fn instruction_draft(
    actor: &str,
    i: &zhihui_core::Instruction,
    kind: &str,
    extra: serde_json::Value,
    now: Time,
) -> EventDraft {
    EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: i.issuer_org_id.clone(),
        record_type: "instruction".into(),
        record_id: i.id,
        kind: kind.into(),
        payload: json!({ "record": i, "orgs": instruction_orgs(i), "detail": extra }),
    }
}

fn instruction_event(
    tx: &mut Tx<'_>,
    actor: &str,
    i: &zhihui_core::Instruction,
    kind: &str,
    extra: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(instruction_draft(actor, i, kind, extra, now))
}

fn invalid(field: &str, message: String) -> StoreError {
    StoreError::Domain(zhihui_core::DomainError::invalid(field, message))
}

/// Issues an instruction to organisations and units within the issuer's jurisdiction.
pub fn issue_instruction(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: zhihui_core::NewInstruction,
    now: Time,
) -> Result<zhihui_core::Instruction, StoreError> {
    issue_instruction_from(tx, orgs, actor, new, None, now)
}

/// [`issue_instruction`] for a domain record (`origin` = `type:id`, e.g. `interception:12`): the
/// instruction names the record that issued it, and that domain's reactors follow it by that.
pub fn issue_instruction_from(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: zhihui_core::NewInstruction,
    origin: Option<String>,
    now: Time,
) -> Result<zhihui_core::Instruction, StoreError> {
    actor.require(Action::WriteIncident, "issue instructions")?;
    new.validate(now)?;
    if let Some(iid) = new.incident_id {
        load_incident(tx.conn(), orgs, actor, iid).map_err(|e| match e {
            StoreError::NotFound(m) => invalid("incident_id", format!("{m} not found")),
            other => other,
        })?;
    }
    let mut recipients: Vec<zhihui_core::Recipient> = Vec::new();
    for (n, t) in new.targets.iter().enumerate() {
        let field = format!("targets[{n}]");
        let (target, name, org_id) = if let Some(o) = &t.org_id {
            let org = orgs
                .get(o)
                .ok_or_else(|| invalid(&field, format!("unknown organisation `{o}`")))?;
            actor.require_within(orgs, o)?;
            (format!("org:{o}"), org.name.clone(), o.clone())
        } else {
            let u = t.unit_id.unwrap_or_default();
            let unit = p::get_unit(tx.conn(), u)?
                .ok_or_else(|| invalid(&field, format!("unknown unit {u}")))?;
            actor.require_within(orgs, &unit.org_id)?;
            (
                format!("unit:{u}"),
                unit.call_sign.clone(),
                unit.org_id.clone(),
            )
        };
        if recipients.iter().any(|r| r.target == target) {
            return Err(invalid(&field, format!("`{target}` is listed twice")));
        }
        recipients.push(zhihui_core::Recipient {
            target,
            name,
            org_id,
            status: zhihui_core::RecipientStatus::Pending,
            signed_at: None,
            signed_by: None,
            feedback: None,
            feedback_at: None,
        });
    }
    let id = p::next_instruction_id(tx.conn())?;
    let mut ins = new.into_instruction(id, &actor.username, &actor.org_id, recipients, now);
    ins.origin = origin;
    p::put_instruction(tx.conn(), &ins)?;
    instruction_event(
        tx,
        &actor.username,
        &ins,
        "instruction.issued",
        json!({}),
        now,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "instruction.issue",
        format!("instruction:{id}"),
        json!({ "targets": instruction_orgs(&ins) }),
    ))?;
    Ok(ins)
}

/// Loads an instruction the actor may see.
pub fn load_instruction(
    conn: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<zhihui_core::Instruction, StoreError> {
    let i = p::get_instruction(conn, id)?
        .ok_or_else(|| StoreError::NotFound(format!("instruction {id}")))?;
    let own_unit = i.recipients.iter().any(|r| {
        actor
            .unit_id
            .is_some_and(|u| r.target == format!("unit:{u}"))
    });
    if !own_unit && !may_see_instruction(orgs, actor, &i) {
        return Err(StoreError::Denied(format!(
            "instruction {id} is outside your jurisdiction"
        )));
    }
    Ok(i)
}

/// Whether the actor answers for a recipient: a user of that very organisation, the unit's own
/// terminal, or a dispatcher whose jurisdiction holds the unit. Supervisors only watch.
fn answers_for(orgs: &OrgTree, actor: &Actor, r: &zhihui_core::Recipient) -> bool {
    if !actor.role.may(Action::AnswerInstruction) {
        return false;
    }
    match r.target.split_once(':') {
        Some(("org", o)) => actor.org_id == o,
        Some(("unit", u)) => {
            actor.unit_id.map(|x| x.to_string()).as_deref() == Some(u)
                || (actor.role.may(Action::WriteIncident)
                    && orgs.is_within(&r.org_id, &actor.org_id))
        }
        _ => false,
    }
}

/// What a recipient does with an instruction.
#[derive(Debug, Clone)]
pub enum RecipientAction {
    /// Sign for it (签收).
    Sign,
    /// Feed back with this text (反馈).
    Feedback(String),
}

/// A recipient signs or feeds back.
pub fn answer_instruction(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    target: &str,
    action: RecipientAction,
    now: Time,
) -> Result<zhihui_core::Instruction, StoreError> {
    let mut ins = load_instruction(tx.conn(), orgs, actor, id)?;
    let r = ins
        .recipients
        .iter()
        .find(|r| r.target == target)
        .ok_or_else(|| invalid("target", format!("`{target}` is not an addressee")))?;
    if !answers_for(orgs, actor, r) {
        return Err(StoreError::Denied(format!(
            "you do not answer for {target}"
        )));
    }
    let (kind, audit_action) = match &action {
        RecipientAction::Sign => {
            ins.sign(target, &actor.username, now)?;
            ("instruction.signed", "instruction.sign")
        }
        RecipientAction::Feedback(text) => {
            ins.feedback(target, &actor.username, text, now)?;
            ("instruction.feedback", "instruction.feedback")
        }
    };
    p::put_instruction(tx.conn(), &ins)?;
    let feedback = match &action {
        RecipientAction::Sign => None,
        RecipientAction::Feedback(text) => Some(text.as_str()),
    };
    tx.emit(
        instruction_draft(
            &actor.username,
            &ins,
            kind,
            json!({ "target": target }),
            now,
        ),
        crate::Fact::InstructionAnswered {
            instruction: &ins,
            target,
            feedback,
        },
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        audit_action,
        format!("instruction:{id}"),
        json!({ "target": target }),
    ))?;
    Ok(ins)
}

/// The issuer (or a leader above the issuer's organisation) closes an instruction with its outcome.
pub fn close_instruction(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    outcome: &str,
    now: Time,
) -> Result<zhihui_core::Instruction, StoreError> {
    let mut ins = load_instruction(tx.conn(), orgs, actor, id)?;
    if !actor.acts_for(orgs, &ins.issued_by, &ins.issuer_org_id) {
        return Err(StoreError::Denied(
            "only the issuer or a leader above closes an instruction".into(),
        ));
    }
    ins.close(outcome, now)?;
    p::put_instruction(tx.conn(), &ins)?;
    tx.emit(
        instruction_draft(&actor.username, &ins, "instruction.closed", json!({}), now),
        crate::Fact::InstructionClosed { instruction: &ins },
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "instruction.close",
        format!("instruction:{id}"),
        json!({}),
    ))?;
    Ok(ins)
}

/// Escalates an overdue instruction once: an alert to the superior of each late recipient and a
/// reminder (催办) on the instruction. Does nothing if it already escalated or nothing is late.
pub fn escalate_instruction(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    id: i64,
    now: Time,
) -> Result<usize, StoreError> {
    let Some(mut ins) = p::get_instruction(tx.conn(), id)? else {
        return Ok(0);
    };
    if ins.escalated_at.is_some() {
        return Ok(0);
    }
    let late: Vec<zhihui_core::Recipient> = ins.late_recipients(now).into_iter().cloned().collect();
    if late.is_empty() {
        return Ok(0);
    }
    let mut raised = 0;
    for r in &late {
        let superior = orgs
            .parent(&r.org_id)
            .map(|o| o.id.clone())
            .unwrap_or_else(|| r.org_id.clone());
        let message = format!(
            "指令《{}》逾期未完成:{}(截止 {})",
            ins.title,
            r.name,
            zhihui_core::local_time::month_day_hm(&ins.deadline)
        );
        let data = json!({
            "instruction_id": id, "target": r.target, "recipient_org_id": r.org_id,
            "title": ins.title, "text": ins.text, "name": r.name, "deadline": ins.deadline,
        });
        let subject = format!("instruction:{id}:{}", r.target);
        let raise = crate::alerts::Raise {
            kind: "instruction_overdue",
            subject: &subject,
            group: &subject,
            org_id: &superior,
            message: &message,
            data,
            priority: None,
        };
        if crate::alerts::raise(tx, raise, now)?.is_some() {
            raised += 1;
        }
    }
    ins.escalated_at = Some(now);
    ins.version += 1;
    p::put_instruction(tx.conn(), &ins)?;
    let targets: Vec<&str> = late.iter().map(|r| r.target.as_str()).collect();
    tx.emit(
        instruction_draft(
            "system",
            &ins,
            "instruction.reminded",
            json!({ "late": targets }),
            now,
        ),
        crate::Fact::InstructionOverdue { instruction: &ins },
    )?;
    tx.audit(AuditDraft {
        at: now,
        actor: "system".into(),
        action: "instruction.escalate".into(),
        target: format!("instruction:{id}"),
        outcome: "ok".into(),
        detail: json!({ "late": targets }),
    })?;
    Ok(raised)
}

/// Checks a unit for a task (a checkpoint, a post): known, within the actor's jurisdiction,
/// available, and held by no domain (the modules' unit claims). `field` names the request field
/// that chose it.
pub fn check_unit(
    c: &Connection,
    registry: &crate::Registry,
    orgs: &OrgTree,
    actor: &Actor,
    unit_id: i64,
    field: &str,
) -> Result<Unit, StoreError> {
    let unit = p::get_unit(c, unit_id)?
        .ok_or_else(|| invalid(field, format!("unknown unit {unit_id}")))?;
    actor
        .require_within(orgs, &unit.org_id)
        .map_err(|e| e.at(field))?;
    if unit.status != UnitStatus::Available {
        return Err(StoreError::Conflict {
            field: field.into(),
            message: format!(
                "unit {} is {}, not available",
                unit.call_sign,
                unit.status.as_str()
            ),
        });
    }
    if let Some(why) = registry.unit_claim(c, unit_id)? {
        return Err(StoreError::Conflict {
            field: field.into(),
            message: format!("unit {} {why}", unit.call_sign),
        });
    }
    Ok(unit)
}
