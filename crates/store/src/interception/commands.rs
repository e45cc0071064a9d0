//! What users do with interceptions: activate, report arrival, close.

use super::*;

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
        let inc = ops::load_incident(tx.conn(), orgs, actor, iid).map_err(|e| match e {
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
        let unit = ops::check_unit(
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
        let ins = ops::issue_instruction_from(
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
                text: Some(zhihui_core::Coded::new(
                    "interception.checkpoint",
                    json!({
                        "interception_id": id, "incident_id": new.incident_id,
                        "point": n + 1, "label": pt.label.as_deref().map(str::trim).filter(|l| !l.is_empty()),
                        "lon": pt.lon, "lat": pt.lat, "deadline": deadline,
                    }),
                )),
            },
            Some(format!("interception:{id}")),
            now,
        )?;
        ops::update_unit(
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
                ops::close_instruction(tx, orgs, actor, ins.id, &text, now)?;
            }
        }
        if !pt.committed {
            continue;
        }
        ops::release_unit(tx, orgs, actor, pt.unit_id, now)?;
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
