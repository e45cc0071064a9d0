//! What users do: write, revise and retire plans (administrators); activate a plan for an
//! incident and close the activation (the duty leader and dispatchers).

use super::*;

// ---------------------------------------------------------------- plan commands

pub(super) fn plan_event(
    tx: &mut Tx<'_>,
    actor: &Actor,
    plan: &ResponsePlan,
    kind: &str,
    now: Time,
) -> Result<(), StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.username.clone(),
        org_id: actor.org_id.clone(),
        record_type: "response_plan".into(),
        record_id: plan.id,
        kind: kind.into(),
        payload: json!({ "record": plan }),
    })?;
    tx.audit(AuditDraft {
        at: now,
        actor: actor.username.clone(),
        action: kind.into(),
        target: format!("response_plan:{}", plan.id),
        outcome: "ok".into(),
        detail: json!({ "version": plan.version }),
    })?;
    Ok(())
}

/// Checks what the domain cannot: that named organisations exist.
pub(super) fn check_draft(orgs: &OrgTree, draft: &PlanDraft) -> Result<(), StoreError> {
    draft.validate()?;
    for (i, s) in draft.steps.iter().enumerate() {
        if let StepTarget::Org { org_id } = &s.target {
            if orgs.get(org_id.trim()).is_none() {
                return Err(invalid(
                    &format!("steps[{i}].target.org_id"),
                    format!("unknown organisation `{org_id}`"),
                ));
            }
        }
    }
    Ok(())
}

pub(super) fn trimmed(mut draft: PlanDraft) -> PlanDraft {
    for s in &mut draft.steps {
        s.title = s.title.trim().to_owned();
        s.body = s.body.trim().to_owned();
        if let StepTarget::Org { org_id } = &mut s.target {
            *org_id = org_id.trim().to_owned();
        }
    }
    draft
}

/// Adds a plan to the library (administrators).
pub fn create_plan(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    draft: PlanDraft,
    now: Time,
) -> Result<ResponsePlan, StoreError> {
    actor.require(Action::Administer, "write emergency plans")?;
    check_draft(orgs, &draft)?;
    let id = crate::ids::next(tx.conn(), "response_plan")?;
    let plan = trimmed(draft).into_plan(id, &actor.username, now)?;
    put_plan(tx.conn(), &plan)?;
    plan_event(tx, actor, &plan, "response_plan.create", now)?;
    Ok(plan)
}

/// Writes the next version of a plan (administrators); the earlier versions stay as they were.
pub fn revise_plan(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    draft: PlanDraft,
    now: Time,
) -> Result<ResponsePlan, StoreError> {
    actor.require(Action::Administer, "write emergency plans")?;
    let cur = get_plan(tx.conn(), id, None)?
        .ok_or_else(|| StoreError::NotFound(format!("emergency plan {id}")))?;
    if cur.retired {
        return Err(conflict("retired", format!("plan {id} is retired")));
    }
    check_draft(orgs, &draft)?;
    let next = cur.revise(trimmed(draft), &actor.username, now)?;
    put_plan(tx.conn(), &next)?;
    plan_event(tx, actor, &next, "response_plan.revise", now)?;
    Ok(next)
}

/// Retires a plan (administrators): it can no longer be activated; its versions and the
/// activations that used them stay on record.
pub fn retire_plan(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    now: Time,
) -> Result<ResponsePlan, StoreError> {
    actor.require(Action::Administer, "retire emergency plans")?;
    let mut plan = get_plan(tx.conn(), id, None)?
        .ok_or_else(|| StoreError::NotFound(format!("emergency plan {id}")))?;
    if plan.retired {
        return Err(conflict("retired", format!("plan {id} is already retired")));
    }
    plan.retired = true;
    tx.conn().execute(
        "UPDATE response_plans SET retired = 1, updated_at = ?2 WHERE id = ?1",
        params![id, crate::ts(&now)],
    )?;
    plan_event(tx, actor, &plan, "response_plan.retire", now)?;
    Ok(plan)
}
/// Activates a plan for an incident: one instruction per step (not skipped) to its resolved
/// recipients, with deadline now + the step's minutes and the supervision copy; the activation
/// record and its `plan_activation.activated` event. All or nothing: any step that cannot be
/// issued refuses the whole activation, naming it.
pub fn activate_plan(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    req: ActivatePlan,
    now: Time,
) -> Result<PlanActivation, StoreError> {
    let (inc, plan) = check_activation(
        tx.conn(),
        orgs,
        actor,
        req.incident_id,
        req.plan_id,
        req.version,
    )?;
    check_skip(&plan, &req.skip_steps)?;
    let resolved = resolve(
        tx.conn(),
        orgs,
        actor,
        &inc,
        &plan,
        &req.ranked,
        &req.skip_steps,
        now,
    )?;
    let mut resolved = resolved;
    // The first problem is the one to fix.
    if let Some(e) = resolved.iter_mut().find_map(|s| s.problem.take()) {
        return Err(e);
    }
    let id = crate::ids::next(tx.conn(), "plan_activation")?;
    let mut steps = Vec::with_capacity(resolved.len());
    let mut instruction_ids = Vec::new();
    for (r, step) in resolved.into_iter().zip(&plan.steps) {
        let mut s = ActivationStep {
            index: r.index,
            title: step.title.clone(),
            target: step.target.clone(),
            instruction_id: None,
            deadline: None,
            feedback_required: step.feedback_required,
            recipients: Vec::new(),
            short: r.short,
            status: StepStatus::Skipped,
            overdue_at: None,
            closed_at: None,
        };
        if !r.skipped {
            let ins = ops::issue_instruction_from(
                tx,
                orgs,
                actor,
                NewInstruction {
                    title: r.title,
                    body: r.body,
                    targets: r.targets.into_iter().map(|t| t.target).collect(),
                    deadline: r.deadline,
                    feedback_required: r.feedback_required,
                    incident_id: Some(inc.id),
                    // The plan's own text, as its author wrote it.
                    text: None,
                },
                Some(format!("plan_activation:{id}")),
                now,
            )?;
            s.instruction_id = Some(ins.id);
            s.deadline = Some(ins.deadline);
            s.follow(&ins);
            instruction_ids.push(ins.id);
        }
        steps.push(s);
    }
    let rec = PlanActivation {
        id,
        plan_id: plan.id,
        plan_version: plan.version,
        plan_name: plan.name.clone(),
        scenario: plan.scenario,
        incident_id: inc.id,
        incident_org_id: inc.org_id.clone(),
        activated_by: actor.username.clone(),
        org_id: actor.org_id.clone(),
        activated_at: now,
        instruction_ids,
        steps,
        status: ActivationStatus::Active,
        outcome: None,
        summary: None,
        closed_at: None,
        closed_by: None,
        version: 1,
    };
    put_activation(tx.conn(), &rec)?;
    activation_event(
        tx,
        &actor.username,
        &rec,
        "plan_activation.activated",
        json!({ "plan_id": plan.id, "plan_version": plan.version, "skipped": req.skip_steps }),
        now,
    )?;
    tx.audit(AuditDraft {
        at: now,
        actor: actor.username.clone(),
        action: "plan_activation.create".into(),
        target: format!("plan_activation:{id}"),
        outcome: "ok".into(),
        detail: json!({
            "incident": inc.id, "plan": plan.id, "version": plan.version,
            "instructions": rec.instruction_ids, "skipped": req.skip_steps,
        }),
    })?;
    Ok(rec)
}

/// Closes an activation with its outcome (the activator, or a leader above the activator's
/// organisation): its open instructions close with it. Once.
pub fn close_activation(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    outcome: &str,
    summary: &str,
    now: Time,
) -> Result<PlanActivation, StoreError> {
    actor.require(Action::WriteIncident, "close plan activations")?;
    let mut rec = load_activation(tx.conn(), orgs, actor, id)?;
    if !actor.acts_for(orgs, &rec.activated_by, &rec.org_id) {
        return Err(StoreError::Denied(
            "only the activator or a leader above closes a plan activation".into(),
        ));
    }
    // Check before touching the instructions, so a refused close changes nothing visible.
    rec.clone().close(outcome, summary, now)?;
    let text = format!(
        "预案《{}》启动 #{id} 结束:{}",
        rec.plan_name,
        outcome.trim()
    );
    for ins_id in &rec.instruction_ids {
        if let Some(ins) = p::get_instruction(tx.conn(), *ins_id)? {
            if ins.status == InstructionStatus::Open {
                ops::close_instruction(tx, orgs, actor, ins.id, &text, now)?;
            }
        }
    }
    // The instruction hooks updated the stored record step by step.
    rec = get_activation(tx.conn(), id)?
        .ok_or_else(|| StoreError::Corrupt(format!("plan activation {id} vanished")))?;
    rec.close(outcome, summary, now)?;
    rec.closed_by = Some(actor.username.clone());
    put_activation(tx.conn(), &rec)?;
    activation_event(
        tx,
        &actor.username,
        &rec,
        "plan_activation.closed",
        json!({ "outcome": rec.outcome }),
        now,
    )?;
    tx.audit(AuditDraft {
        at: now,
        actor: actor.username.clone(),
        action: "plan_activation.close".into(),
        target: format!("plan_activation:{id}"),
        outcome: "ok".into(),
        detail: json!({ "outcome": rec.outcome }),
    })?;
    Ok(rec)
}
