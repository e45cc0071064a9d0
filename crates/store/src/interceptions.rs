//! Interceptions (设卡布控): commands and projection. Activation sends every checkpoint to its
//! unit as an instruction (through [`commands::issue_instruction`], so supervision gets its copy
//! in the same transaction) and commits the unit; the record then follows the instruction
//! (signed, fed back), the unit's position (arrived) and the clock (late) until it is closed with
//! an outcome. Each change writes the record, its `interception.*` event and, for actions, an
//! audit entry in the caller's transaction.

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use zhihui_core::{
    Action, DomainError, IncidentStatus, InstructionStatus, Interception, InterceptionOutcome,
    InterceptionStatus, LonLat, NewInstruction, NewInterception, OrgTree, Target, Time, Unit,
    UnitPatch, UnitStatus,
};

use crate::commands::{self, Actor};
use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};

/// The connection type [`crate::Store::read`] hands out, for callers that check a request
/// inside one read without depending on rusqlite themselves.
pub use rusqlite::Connection;

/// A unit reported within this distance of its checkpoint is there: AVL fixes are snapped to
/// the road and a checkpoint blocks an intersection, so a car parked across it reports a few
/// tens of metres off.
pub use zhihui_core::ARRIVED_WITHIN_M;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

// ---------------------------------------------------------------- projection

/// Next free interception id.
pub fn next_interception_id(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM interceptions",
        [],
        |r| r.get(0),
    )?)
}

/// Inserts or replaces an interception and its checkpoint rows (which only index the document).
pub fn put_interception(c: &Connection, i: &Interception) -> Result<(), StoreError> {
    let active = i.status == InterceptionStatus::Active;
    c.prepare_cached(
        "INSERT INTO interceptions(id, org_id, status, incident_id, created_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
    )?
    .execute(params![
        i.id,
        i.org_id,
        if active { "active" } else { "closed" },
        i.incident_id,
        crate::ts(&i.created_at),
        serde_json::to_string(i)?
    ])?;
    // Who may see it: the owning chain, each unit's organisation from above and below, each
    // unit's terminal.
    let mut reach = vec![(i.org_id.clone(), false)];
    for pt in &i.points {
        reach.push((pt.unit_org_id.clone(), true));
        reach.push((format!("unit:{}", pt.unit_id), false));
    }
    crate::reach::set(c, "interception", i.id, reach)?;
    let mut s = c.prepare_cached(
        "INSERT INTO interception_points(interception_id, idx, unit_id, instruction_id, lon, lat, deadline, active, arrived, late)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(interception_id, idx) DO UPDATE SET active = excluded.active, arrived = excluded.arrived, late = excluded.late",
    )?;
    for pt in &i.points {
        s.execute(params![
            i.id,
            pt.index as i64,
            pt.unit_id,
            pt.instruction_id,
            pt.lon,
            pt.lat,
            crate::ts(&pt.deadline),
            active,
            pt.arrived_at.is_some(),
            pt.late_at.is_some()
        ])?;
    }
    Ok(())
}

/// One interception.
pub fn get_interception(c: &Connection, id: i64) -> Result<Option<Interception>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM interceptions WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// The interceptions `viewer` may see, newest first: one page and the total, filtered by
/// jurisdiction in the query (the same rule as [`may_see`]).
pub fn list_interceptions_for(
    c: &Connection,
    viewer: &crate::reach::Viewer,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Interception>, i64), StoreError> {
    crate::reach::page_visible(
        c,
        "interceptions",
        "interception",
        viewer,
        status,
        "id DESC",
        (limit, offset),
    )
}

/// The active interception a unit holds a checkpoint of, if any.
pub fn active_commitment(c: &Connection, unit_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT interception_id FROM interception_points WHERE unit_id = ?1 AND active = 1 LIMIT 1",
    )?
    .query_row([unit_id], |r| r.get(0))
    .optional()?)
}

/// Checkpoints past their deadline with the unit not there and not yet marked late.
pub fn due_points(c: &Connection, now: &Time) -> Result<Vec<(i64, usize)>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT interception_id, idx FROM interception_points
         WHERE active = 1 AND arrived = 0 AND late = 0 AND deadline < ?1 ORDER BY interception_id, idx",
    )?;
    let rows = s.query_map([crate::ts(now)], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------- visibility

/// Whether the actor may see an interception: issued within their jurisdiction, holding a unit
/// of an organisation above or below theirs (supervision follows the units), or their own unit's.
pub fn may_see(orgs: &OrgTree, actor: &Actor, i: &Interception) -> bool {
    orgs.is_within(&i.org_id, &actor.org_id)
        || i.points.iter().any(|pt| {
            actor.unit_id == Some(pt.unit_id)
                || orgs.is_within(&pt.unit_org_id, &actor.org_id)
                || orgs.is_within(&actor.org_id, &pt.unit_org_id)
        })
}

/// Loads an interception the actor may see.
pub fn load_interception(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Interception, StoreError> {
    let i = get_interception(c, id)?
        .ok_or_else(|| StoreError::NotFound(format!("interception {id}")))?;
    if !may_see(orgs, actor, &i) {
        return Err(StoreError::Denied(format!(
            "interception {id} is outside your jurisdiction"
        )));
    }
    Ok(i)
}

/// The organisations that see an interception besides the issuer's: its units'.
fn unit_orgs(i: &Interception) -> Vec<String> {
    let mut v: Vec<String> = i.points.iter().map(|p| p.unit_org_id.clone()).collect();
    v.sort();
    v.dedup();
    v
}

fn event(
    tx: &mut Tx<'_>,
    actor: &str,
    i: &Interception,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: i.org_id.clone(),
        record_type: "interception".into(),
        record_id: i.id,
        kind: kind.into(),
        payload: json!({ "record": i, "orgs": unit_orgs(i), "detail": detail }),
    })
}

fn audit(
    tx: &mut Tx<'_>,
    actor: &str,
    action: &str,
    id: i64,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.audit(AuditDraft {
        at: now,
        actor: actor.to_owned(),
        action: action.into(),
        target: format!("interception:{id}"),
        outcome: "ok".into(),
        detail,
    })
}

// ---------------------------------------------------------------- commands

/// Activates an interception: one instruction per checkpoint to its unit (deadline = the
/// suspect's earliest time there, feedback required), each unit marked dispatched, the record and
/// its `interception.created` event, all or nothing.
pub fn create_interception(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: NewInterception,
    now: Time,
) -> Result<Interception, StoreError> {
    actor.require(Action::WriteIncident, "activate interceptions")?;
    new.validate()?;
    if let Some(iid) = new.incident_id {
        let inc = commands::load_incident(tx.conn(), orgs, actor, iid).map_err(|e| match e {
            StoreError::NotFound(m) => invalid("incident_id", format!("{m} not found")),
            other => other,
        })?;
        if inc.status == IncidentStatus::Closed {
            return Err(StoreError::Conflict {
                field: "incident_id".into(),
                message: format!("incident {iid} is closed"),
            });
        }
    }
    let head = chrono::Duration::milliseconds((new.head_start_s * 1000.0) as i64);
    let crime_at = match new.crime_at {
        Some(t) if t > now => return Err(invalid("crime_at", "lies in the future")),
        Some(t) if now - t > chrono::Duration::hours(24) => {
            return Err(invalid("crime_at", "more than 24 hours ago"))
        }
        Some(t) => t,
        None => now - head,
    };
    let mut units = Vec::with_capacity(new.points.len());
    for (i, pt) in new.points.iter().enumerate() {
        let unit = commands::check_unit(
            tx.conn(),
            tx.registry(),
            orgs,
            actor,
            pt.unit_id,
            &format!("points[{i}].unit_id"),
        )?;
        let deadline = crime_at + chrono::Duration::milliseconds((pt.deadline_s * 1000.0) as i64);
        if deadline <= now {
            return Err(invalid(
                &format!("points[{i}].deadline_s"),
                format!(
                    "the suspect may already be past this checkpoint (since {}); plan again",
                    zhihui_core::local_time::hms(&deadline)
                ),
            ));
        }
        units.push((unit, deadline));
    }
    let id = next_interception_id(tx.conn())?;
    let incident_ref = new
        .incident_id
        .map(|i| format!(",警情 #{i}"))
        .unwrap_or_default();
    let mut resolved = Vec::with_capacity(units.len());
    for (n, (pt, (unit, deadline))) in new.points.iter().zip(units).enumerate() {
        let place = pt
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{} 号卡点", n + 1));
        let ins = commands::issue_instruction_from(
            tx,
            orgs,
            actor,
            NewInstruction {
                title: format!("设卡拦截 · {place}"),
                body: format!(
                    "请立即前往{place}(坐标 {:.5}, {:.5})设卡拦截。嫌疑人最早可能于 {}(北京时间)到达该处,务必在此之前到位。到位后签收并反馈。设卡布控 #{id}{incident_ref}。",
                    pt.lon,
                    pt.lat,
                    zhihui_core::local_time::hms(&deadline)
                ),
                targets: vec![Target {
                    org_id: None,
                    unit_id: Some(unit.id),
                }],
                deadline,
                feedback_required: true,
                incident_id: new.incident_id,
            },
            Some(format!("interception:{id}")),
            now,
        )?;
        commands::update_unit(
            tx,
            orgs,
            actor,
            unit.id,
            UnitPatch {
                status: Some(UnitStatus::Dispatched),
                ..Default::default()
            },
            now,
        )?;
        resolved.push(zhihui_core::interception::ResolvedPoint {
            new: pt.clone(),
            call_sign: unit.call_sign,
            unit_org_id: unit.org_id,
            instruction_id: ins.id,
            committed: true,
        });
    }
    let rec = new.into_interception(id, &actor.username, &actor.org_id, crime_at, resolved, now);
    put_interception(tx.conn(), &rec)?;
    event(
        tx,
        &actor.username,
        &rec,
        "interception.created",
        json!({}),
        now,
    )?;
    audit(
        tx,
        &actor.username,
        "interception.create",
        id,
        json!({
            "incident": rec.incident_id,
            "units": rec.points.iter().map(|p| p.unit_id).collect::<Vec<_>>(),
            "instructions": rec.points.iter().map(|p| p.instruction_id).collect::<Vec<_>>(),
        }),
        now,
    )?;
    Ok(rec)
}

/// A unit (or a dispatcher for it) reports being at its checkpoint.
pub fn report_arrival(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    index: usize,
    now: Time,
) -> Result<Interception, StoreError> {
    let mut rec = load_interception(tx.conn(), orgs, actor, id)?;
    let pt = rec
        .points
        .get(index)
        .ok_or_else(|| invalid("point", format!("no checkpoint {index}")))?;
    let own = actor.unit_id == Some(pt.unit_id);
    if !own {
        actor.require(Action::WriteIncident, "report for another unit")?;
        actor.require_within(orgs, &pt.unit_org_id)?;
    }
    if !rec.mark_arrived(index, now)? {
        return Err(StoreError::Conflict {
            field: "point".into(),
            message: "the unit is already reported at this checkpoint".into(),
        });
    }
    put_interception(tx.conn(), &rec)?;
    event(
        tx,
        &actor.username,
        &rec,
        "interception.point_arrived",
        json!({ "point": index, "by": "report" }),
        now,
    )?;
    audit(
        tx,
        &actor.username,
        "interception.arrive",
        id,
        json!({ "point": index }),
        now,
    )?;
    Ok(rec)
}

/// Closes an interception with its outcome (the issuer, or a leader above the issuer's
/// organisation): its open instructions close with the outcome and committed units are freed
/// unless they have been given a dispatch order since.
pub fn close_interception(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    outcome: InterceptionOutcome,
    summary: &str,
    now: Time,
) -> Result<Interception, StoreError> {
    actor.require(Action::WriteIncident, "close interceptions")?;
    let mut rec = load_interception(tx.conn(), orgs, actor, id)?;
    if !actor.acts_for(orgs, &rec.created_by, &rec.org_id) {
        return Err(StoreError::Denied(
            "only the issuer or a leader above closes an interception".into(),
        ));
    }
    rec.close(outcome, summary, &actor.username, now)?;
    let label = outcome.labels().0;
    let text = match rec.summary.as_deref() {
        Some(s) => format!("设卡布控 #{id} 结束({label}):{s}"),
        None => format!("设卡布控 #{id} 结束({label})"),
    };
    for pt in &rec.points {
        if let Some(ins) = p::get_instruction(tx.conn(), pt.instruction_id)? {
            if ins.status == InstructionStatus::Open {
                commands::close_instruction(tx, orgs, actor, ins.id, &text, now)?;
            }
        }
        if !pt.committed {
            continue;
        }
        if let Some(u) = p::get_unit(tx.conn(), pt.unit_id)? {
            let held = matches!(
                u.status,
                UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene
            );
            if held && p::open_unit_assignments(tx.conn(), u.id)?.is_empty() {
                commands::update_unit(
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
        }
    }
    put_interception(tx.conn(), &rec)?;
    event(
        tx,
        &actor.username,
        &rec,
        "interception.closed",
        json!({ "outcome": outcome.as_str() }),
        now,
    )?;
    audit(
        tx,
        &actor.username,
        "interception.close",
        id,
        json!({ "outcome": outcome.as_str() }),
        now,
    )?;
    Ok(rec)
}

/// Marks every checkpoint whose deadline passed without its unit there as late, once each (the
/// timer's work). Returns how many.
pub fn mark_late(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let due = due_points(tx.conn(), &now)?;
    let mut n = 0;
    for (id, index) in due {
        let Some(mut rec) = get_interception(tx.conn(), id)? else {
            continue;
        };
        if !rec.mark_late(index, now)? {
            continue;
        }
        put_interception(tx.conn(), &rec)?;
        let pt = &rec.points[index];
        let detail = json!({ "point": index, "unit_id": pt.unit_id, "deadline": pt.deadline });
        event(
            tx,
            "system",
            &rec,
            "interception.point_late",
            detail.clone(),
            now,
        )?;
        audit(tx, "system", "interception.point_late", id, detail, now)?;
        n += 1;
    }
    Ok(n)
}

/// The interception domain as a module of the kernel: it follows unit moves (a unit reaching its
/// checkpoint) and answers to its instructions, in the transaction that made them.
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn moved(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        e.fact
            .unit()
            .map_or(Ok(()), |u| on_unit_moved(tx, u, e.actor, e.at))
    }
    fn answered(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        match e.fact {
            // Only the answers to instructions an interception issued.
            Fact::InstructionAnswered {
                instruction,
                feedback,
                ..
            } if e.fact.from_origin("interception") => {
                on_instruction_answered(tx, instruction.id, feedback, e.actor, e.at)
            }
            _ => Ok(()),
        }
    }
    Module::new("interception")
        .claims_units(|c, unit_id| {
            Ok(active_commitment(c, unit_id)?
                .map(|i| format!("holds a checkpoint of interception {i}")))
        })
        .record_kind(crate::RecordKind {
            record_type: "interception",
            published: true,
            personal: &[],
        })
        .react(FactKind::UnitMoved, moved)
        .react(FactKind::InstructionAnswered, answered)
        // Checkpoints are marked late, not alerted: their instructions escalate at the same
        // deadline.
        .sweep(crate::Sweep {
            name: "interception.points_late",
            due: |c, now| Ok(!due_points(c, &now)?.is_empty()),
            run: |tx, now| mark_late(tx, now).map(|_| 0),
        })
}

/// Follows a recipient's answer to an instruction onto the interception it belongs to, in the
/// same transaction (the module's reactor to [`crate::Fact::InstructionAnswered`]). `feedback`
/// is the text of a feedback, `None` for signing.
fn on_instruction_answered(
    tx: &mut Tx<'_>,
    instruction_id: i64,
    feedback: Option<&str>,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let hit: Option<(i64, i64)> = tx
        .conn()
        .prepare_cached(
            "SELECT interception_id, idx FROM interception_points WHERE instruction_id = ?1 AND active = 1",
        )?
        .query_row([instruction_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((id, index)) = hit else {
        return Ok(());
    };
    let Some(mut rec) = get_interception(tx.conn(), id)? else {
        return Ok(());
    };
    let index = index as usize;
    let (changed, kind) = match feedback {
        None => (rec.mark_signed(index, now)?, "interception.point_signed"),
        Some(t) => (
            rec.mark_feedback(index, t.trim(), now)?,
            "interception.point_feedback",
        ),
    };
    if changed {
        put_interception(tx.conn(), &rec)?;
        event(
            tx,
            actor,
            &rec,
            kind,
            json!({ "point": index, "instruction_id": instruction_id }),
            now,
        )?;
    }
    Ok(())
}

/// Notices a unit reaching its checkpoint from a position report, in the report's transaction
/// (the module's reactor to [`crate::Fact::UnitMoved`]). Costs one indexed lookup for units
/// holding none.
fn on_unit_moved(tx: &mut Tx<'_>, unit: &Unit, actor: &str, now: Time) -> Result<(), StoreError> {
    let Some(pos) = unit.position else {
        return Ok(());
    };
    let near: Vec<(i64, usize)> = {
        let mut s = tx.conn().prepare_cached(
            "SELECT interception_id, idx, lon, lat FROM interception_points WHERE unit_id = ?1 AND active = 1 AND arrived = 0",
        )?;
        let rows = s.query_map([unit.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)? as usize,
                r.get::<_, f64>(2)?,
                r.get::<_, f64>(3)?,
            ))
        })?;
        let mut v = Vec::new();
        for row in rows {
            let (id, idx, lon, lat) = row?;
            if pos.distance_m(&LonLat { lon, lat }) <= ARRIVED_WITHIN_M {
                v.push((id, idx));
            }
        }
        v
    };
    for (id, index) in near {
        let Some(mut rec) = get_interception(tx.conn(), id)? else {
            continue;
        };
        if rec.mark_arrived(index, now)? {
            put_interception(tx.conn(), &rec)?;
            event(
                tx,
                actor,
                &rec,
                "interception.point_arrived",
                json!({ "point": index, "by": "position" }),
                now,
            )?;
        }
    }
    Ok(())
}
