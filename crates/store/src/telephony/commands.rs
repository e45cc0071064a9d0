//! What the telephone system and the call-takers do to calls. Each command checks role and
//! jurisdiction, changes the call through `zhihui_core::call`, and writes the event and the audit
//! entry in the caller's transaction.

use serde_json::json;
use zhihui_core::{Action, Call, CallEvent, CallReport, DomainError, Incident, OrgTree, Time};

use super::projection as calls;
use crate::commands::{audit_ok, Actor};
use crate::projections as p;
use crate::{StoreError, Tx};

fn append(
    tx: &mut Tx<'_>,
    actor: &str,
    call: &Call,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<(), StoreError> {
    tx.record_event(
        actor,
        &call.org_id,
        "call",
        call.id,
        kind,
        call,
        detail,
        now,
    )?;
    Ok(())
}

/// The answer to a report: the call after it, and whether the report opened it.
#[derive(Debug)]
pub struct Reported {
    /// The call.
    pub call: Call,
    /// Whether this report created it (a first `ring`).
    pub created: bool,
}

/// A report from the telephone system. A `ring` opens the call in the reporter's organisation
/// (a repeated `ring` of the same call changes nothing); `locate`, `answer` and `end` move it.
/// The gateway's account needs [`Action::WriteIncident`]; the call-taker named on `answer` must
/// be an active account within the gateway's jurisdiction.
pub fn report(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    r: CallReport,
    now: Time,
) -> Result<Reported, StoreError> {
    actor.require(Action::WriteIncident, "report calls")?;
    let at = r.validate(now)?;
    let external = r.call_id.trim().to_owned();
    let event = r.event;
    let existing = calls::by_external(tx.conn(), &external)?
        .filter(|c| orgs.is_within(&c.org_id, &actor.org_id));
    let (call, kind, detail) = match (event, existing) {
        (CallEvent::Ring, Some(call)) => {
            return Ok(Reported {
                call,
                created: false,
            })
        }
        (CallEvent::Ring, None) => {
            if calls::by_external(tx.conn(), &external)?.is_some() {
                return Err(StoreError::Conflict {
                    field: "call_id".into(),
                    message: "a call of this id belongs to another command centre".into(),
                });
            }
            let id = crate::ids::next(tx.conn(), "call")?;
            let call = r.into_call(id, &actor.org_id, at)?;
            (call, "call.ringing", json!({}))
        }
        (_, None) => {
            return Err(
                DomainError::invalid("call_id", "no such call: report its ring first").into(),
            )
        }
        (CallEvent::Locate, Some(mut call)) => {
            let to = r.location.expect("validated: locate has a location");
            call.locate(to, r.accuracy_m)?;
            (call, "call.located", json!({ "accuracy_m": r.accuracy_m }))
        }
        (CallEvent::Answer, Some(mut call)) => {
            let agent = r.agent.as_deref().unwrap_or_default().trim().to_owned();
            let taker = p::get_user(tx.conn(), &agent)?
                .filter(|u| !u.disabled && orgs.is_within(&u.org_id, &actor.org_id));
            if taker.is_none() {
                return Err(DomainError::invalid(
                    "agent",
                    "no active call-taker of that name here",
                )
                .into());
            }
            if let Some(l) = r.location {
                call.locate(l, r.accuracy_m)?;
            }
            call.answer(&agent, at)?;
            (call, "call.answered", json!({ "by": agent }))
        }
        (CallEvent::End, Some(mut call)) => {
            call.end(at)?;
            let kind = if call.state == zhihui_core::CallState::Abandoned {
                "call.abandoned"
            } else {
                "call.ended"
            };
            (call, kind, json!({}))
        }
    };
    calls::put(tx.conn(), &call)?;
    append(tx, &actor.username, &call, kind, detail, at)?;
    tx.audit(audit_ok(
        actor,
        now,
        "call.report",
        format!("call:{}", call.id),
        json!({ "event": event, "external_id": external }),
    ))?;
    let created = kind == "call.ringing";
    Ok(Reported { call, created })
}

/// Loads a call the actor may see (its organisation is within the actor's jurisdiction).
pub fn load(
    c: &rusqlite::Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Call, StoreError> {
    calls::get(c, id)?
        .filter(|call| orgs.is_within(&call.org_id, &actor.org_id))
        .ok_or_else(|| StoreError::NotFound(format!("call {id}")))
}

/// A call-taker answers a ringing call from the console (a soft phone): the call is theirs.
pub fn answer(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    now: Time,
) -> Result<Call, StoreError> {
    actor.require(Action::WriteIncident, "answer calls")?;
    let mut call = load(tx.conn(), orgs, actor, id)?;
    call.answer(&actor.username, now)?;
    calls::put(tx.conn(), &call)?;
    append(
        tx,
        &actor.username,
        &call,
        "call.answered",
        json!({ "by": actor.username }),
        now,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "call.answer",
        format!("call:{id}"),
        json!({}),
    ))?;
    Ok(call)
}

/// Reactor: an incident recorded from a call (`source_ref: "call:ID"`) is linked to it. A
/// reference to a call that does not exist refuses the incident, naming `source_ref`.
pub(crate) fn link_incident(
    tx: &mut Tx<'_>,
    incident: &Incident,
    actor: &str,
    at: Time,
) -> Result<(), StoreError> {
    let Some(id) = incident
        .source_ref
        .as_deref()
        .and_then(|r| r.strip_prefix("call:"))
    else {
        return Ok(());
    };
    let Some(mut call) = id
        .parse::<i64>()
        .ok()
        .map(|id| calls::get(tx.conn(), id))
        .transpose()?
        .flatten()
    else {
        return Err(DomainError::invalid("source_ref", format!("no call {id}")).into());
    };
    call.link(incident.id);
    calls::put(tx.conn(), &call)?;
    append(
        tx,
        actor,
        &call,
        "call.linked",
        json!({ "incident_id": incident.id }),
        at,
    )
}
