//! The alert loop (告警闭环), part of the operations layer: the timers of the kernel and of the
//! domains raise alerts through [`raise`]; a dispatcher takes one ([`acknowledge`]) and ends it
//! ([`resolve`]); a critical alert nobody takes escalates to the duty leader ([`escalate_due`], a
//! kernel sweep). Every change is an `alert.*` event (so the console follows it live) and every
//! person's action an audit entry.

use serde_json::json;
use zhihui_core::alert::severity_of;
use zhihui_core::{Action, Alert, AlertState, OrgTree, Time};

use crate::commands::{audit_ok, Actor};
use crate::projections as p;
use crate::{AuditDraft, StoreError, Tx};

/// One occurrence a timer raises.
#[derive(Debug, Clone)]
pub struct Raise<'a> {
    /// What happened (`unsigned`, `post_late`, …).
    pub kind: &'a str,
    /// The occurrence, raised once (`assignment:12`, `post:3:lapse:2`).
    pub subject: &'a str,
    /// The thing repeats group on (`assignment:12`, `post:3`).
    pub group: &'a str,
    /// The owning organisation.
    pub org_id: &'a str,
    /// The text in the command centre's language.
    pub message: &'a str,
    /// The text's parameters and the records it is about.
    pub data: serde_json::Value,
    /// The priority of the incident it is about, if any (P1 makes dispatch alerts critical).
    pub priority: Option<u8>,
}

/// Raises an occurrence once: a timer that fires again finds it already raised and gets `None`.
/// While an alert about the same `group` is open, the occurrence counts on it (`alert.repeated`);
/// otherwise it opens a new alert (`alert.raised`). Returns the alert that changed.
pub fn raise(tx: &mut Tx<'_>, r: Raise<'_>, now: Time) -> Result<Option<Alert>, StoreError> {
    if p::alert_exists(tx.conn(), r.kind, r.subject)? {
        return Ok(None);
    }
    let (alert, kind) = match p::open_alert_in_group(tx.conn(), r.kind, r.group)? {
        Some(mut a) => {
            a.repeat(r.subject, r.message, r.data, now);
            (a, "alert.repeated")
        }
        None => {
            let id = crate::ids::next(tx.conn(), "alert")?;
            let a = Alert {
                id,
                kind: r.kind.to_owned(),
                subject: r.subject.to_owned(),
                group: r.group.to_owned(),
                org_id: r.org_id.to_owned(),
                severity: severity_of(r.kind, r.priority),
                state: AlertState::New,
                message: r.message.to_owned(),
                data: r.data,
                raised_at: now,
                last_raised_at: None,
                count: 1,
                acknowledged: None,
                resolved: None,
                escalated: None,
                version: 1,
            };
            (a, "alert.raised")
        }
    };
    p::put_alert(tx.conn(), &alert)?;
    p::note_alert_raise(tx.conn(), r.kind, r.subject, alert.id, &now)?;
    append(tx, "system", &alert, kind, json!({}), now)?;
    Ok(Some(alert))
}

fn append(
    tx: &mut Tx<'_>,
    actor: &str,
    a: &Alert,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<(), StoreError> {
    tx.record_event(actor, &a.org_id, "alert", a.id, kind, a, detail, now)?;
    Ok(())
}

/// Loads an alert the actor may work: it exists, lies in the actor's jurisdiction, and the role
/// commands (dispatchers, the duty leader); supervisors and terminals only watch.
fn load_for_work(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Alert, StoreError> {
    let a = p::get_alert(tx.conn(), id)?
        .filter(|a| orgs.is_within(&a.org_id, &actor.org_id))
        .ok_or_else(|| StoreError::NotFound(format!("alert {id}")))?;
    if !(actor.role.may(Action::WriteIncident) || actor.role.may(Action::Oversee)) {
        return Err(StoreError::Denied(format!(
            "role {} may not work alerts",
            actor.role.as_str()
        )));
    }
    Ok(a)
}

/// Writes a person's change of alert `a`: the projection, the `kind` event with its detail, the
/// audit entry under `action`.
fn save_work(
    tx: &mut Tx<'_>,
    actor: &Actor,
    a: &Alert,
    (kind, action): (&str, &str),
    (event, audited): (serde_json::Value, serde_json::Value),
    now: Time,
) -> Result<(), StoreError> {
    p::put_alert(tx.conn(), a)?;
    append(tx, &actor.username, a, kind, event, now)?;
    tx.audit(audit_ok(
        actor,
        now,
        action,
        format!("alert:{}", a.id),
        audited,
    ))?;
    Ok(())
}

/// `actor` takes alert `id` (it becomes its owner), with an optional note.
pub fn acknowledge(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    note: Option<String>,
    now: Time,
) -> Result<Alert, StoreError> {
    let mut a = load_for_work(tx, orgs, actor, id)?;
    let before = a.owner().map(str::to_owned);
    a.acknowledge(&actor.username, note.clone(), now)?;
    let detail = (
        json!({ "note": note, "from": before }),
        json!({ "from": before }),
    );
    save_work(
        tx,
        actor,
        &a,
        ("alert.acknowledged", "alert.acknowledge"),
        detail,
        now,
    )?;
    Ok(a)
}

/// `actor` ends alert `id` with an optional note (its outcome).
pub fn resolve(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    note: Option<String>,
    now: Time,
) -> Result<Alert, StoreError> {
    let mut a = load_for_work(tx, orgs, actor, id)?;
    a.resolve(&actor.username, note.clone(), now)?;
    let detail = (json!({ "note": note }), json!({ "note": note }));
    save_work(
        tx,
        actor,
        &a,
        ("alert.resolved", "alert.resolve"),
        detail,
        now,
    )?;
    Ok(a)
}

/// The duty leader an alert of `org_id` escalates to: the nearest organisation, from the owner
/// up, with an active duty-leader account; the top of the tree when there is none.
fn leader_org(orgs: &OrgTree, leaders: &std::collections::HashSet<String>, org_id: &str) -> String {
    let mut at = org_id.to_owned();
    loop {
        if leaders.contains(&at) {
            return at;
        }
        match orgs.parent(&at) {
            Some(parent) => at = parent.id.clone(),
            None => return at,
        }
    }
}

fn cutoff(now: Time) -> Time {
    now - chrono::Duration::seconds(zhihui_core::alert::ESCALATE_AFTER_S)
}

/// Whether a critical alert is due to escalate (the sweep's cheap check).
pub(crate) fn escalation_due(c: &rusqlite::Connection, now: Time) -> Result<bool, StoreError> {
    Ok(p::untaken_alerts_before(c, &cutoff(now))?
        .iter()
        .any(|a| a.escalation_due(now)))
}

/// Escalates every critical alert untaken for [`zhihui_core::alert::ESCALATE_AFTER_S`] to its
/// duty leader, once each (`alert.escalated`, audited as the system's act). Escalation raises no
/// new alert, so it counts nothing.
pub(crate) fn escalate_due(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let due: Vec<Alert> = p::untaken_alerts_before(tx.conn(), &cutoff(now))?
        .into_iter()
        .filter(|a| a.escalation_due(now))
        .collect();
    if due.is_empty() {
        return Ok(0);
    }
    let orgs = OrgTree::new(p::orgs(tx.conn())?);
    let leaders = p::leader_orgs(tx.conn())?;
    for mut a in due {
        let to = leader_org(&orgs, &leaders, &a.org_id);
        a.escalate(&to, now);
        p::put_alert(tx.conn(), &a)?;
        append(
            tx,
            "system",
            &a,
            "alert.escalated",
            json!({ "to_org_id": to }),
            now,
        )?;
        tx.audit(AuditDraft {
            at: now,
            actor: "system".into(),
            action: "alert.escalate".into(),
            target: format!("alert:{}", a.id),
            outcome: "ok".into(),
            detail: json!({ "to_org_id": to, "after_s": zhihui_core::alert::ESCALATE_AFTER_S }),
        })?;
    }
    Ok(0)
}
