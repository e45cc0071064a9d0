//! The plan library (预案) and plan activations: commands and projections.
//!
//! Every version of a plan is kept as written (a trigger refuses updates); the plan row only
//! points at the latest one and says whether the plan is retired. Activating a plan for an
//! incident resolves each step's recipients, renders its text from the incident and issues it
//! through [`commands::issue_instruction`] (so supervision gets its copy in the same
//! transaction), all or nothing. The activation then follows its instructions — signed, fed back,
//! overdue, closed — through hooks in the instruction commands, each in the transaction of the
//! change, until it is closed with an outcome.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use zhihui_core::response_plan::{render, ActivationStep};
use zhihui_core::{
    codes, Action, ActivationStatus, DomainError, Incident, IncidentStatus, Instruction,
    InstructionStatus, NewInstruction, OrgKind, OrgTree, PlanActivation, PlanDraft, PlanStep,
    ResponsePlan, Scenario, StepStatus, StepTarget, Target, Time, UnitKind, UnitStatus,
};

use crate::commands::{self, Actor};
use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

fn conflict(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        field: field.into(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------- plan projection

fn plan_from(doc: String, retired: bool) -> Result<ResponsePlan, StoreError> {
    let mut plan: ResponsePlan = serde_json::from_str(&doc)?;
    // Retiring applies to the plan, not to a version: old versions read as retired too.
    plan.retired = retired;
    Ok(plan)
}

fn put_plan(c: &Connection, plan: &ResponsePlan) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO response_plans(id, scenario, latest_version, retired, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET scenario = excluded.scenario, latest_version = excluded.latest_version,
           retired = excluded.retired, updated_at = excluded.updated_at",
    )?
    .execute(params![
        plan.id,
        plan.scenario.as_str(),
        plan.version,
        plan.retired,
        crate::ts(&plan.updated_at)
    ])?;
    c.prepare_cached(
        "INSERT OR IGNORE INTO response_plan_versions(plan_id, version, doc) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![plan.id, plan.version, serde_json::to_string(plan)?])?;
    Ok(())
}

/// A plan at `version`, or at its latest version.
pub fn get_plan(
    c: &Connection,
    id: i64,
    version: Option<u32>,
) -> Result<Option<ResponsePlan>, StoreError> {
    let row: Option<(String, bool)> = c
        .prepare_cached(
            "SELECT v.doc, p.retired FROM response_plans p JOIN response_plan_versions v ON v.plan_id = p.id
             WHERE p.id = ?1 AND v.version = COALESCE(?2, p.latest_version)",
        )?
        .query_row(params![id, version], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(doc, retired)| plan_from(doc, retired))
        .transpose()
}

/// The latest version of every plan (of one scenario), plans in use first, then by id.
pub fn list_plans(
    c: &Connection,
    scenario: Option<Scenario>,
) -> Result<Vec<ResponsePlan>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT v.doc, p.retired FROM response_plans p
           JOIN response_plan_versions v ON v.plan_id = p.id AND v.version = p.latest_version
         WHERE (?1 IS NULL OR p.scenario = ?1) ORDER BY p.retired, p.id",
    )?;
    let rows = s.query_map(params![scenario.map(Scenario::as_str)], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
    })?;
    rows.map(|r| {
        let (doc, retired) = r?;
        plan_from(doc, retired)
    })
    .collect()
}

/// Every version of a plan, newest first (empty when there is no such plan).
pub fn plan_versions(c: &Connection, id: i64) -> Result<Vec<ResponsePlan>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT v.doc, p.retired FROM response_plan_versions v JOIN response_plans p ON p.id = v.plan_id
         WHERE v.plan_id = ?1 ORDER BY v.version DESC",
    )?;
    let rows = s.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)))?;
    rows.map(|r| {
        let (doc, retired) = r?;
        plan_from(doc, retired)
    })
    .collect()
}

// ---------------------------------------------------------------- plan commands

fn plan_event(
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
fn check_draft(orgs: &OrgTree, draft: &PlanDraft) -> Result<(), StoreError> {
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

fn trimmed(mut draft: PlanDraft) -> PlanDraft {
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
    let id: i64 = tx.conn().query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM response_plans",
        [],
        |r| r.get(0),
    )?;
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

// ---------------------------------------------------------------- activation projection

fn put_activation(c: &Connection, a: &PlanActivation) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO plan_activations(id, plan_id, plan_version, incident_id, org_id, status, activated_at, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
    )?
    .execute(params![
        a.id,
        a.plan_id,
        a.plan_version,
        a.incident_id,
        a.org_id,
        match a.status {
            ActivationStatus::Active => "active",
            ActivationStatus::Closed => "closed",
        },
        crate::ts(&a.activated_at),
        serde_json::to_string(a)?
    ])?;
    let mut s = c.prepare_cached(
        "INSERT OR IGNORE INTO plan_activation_steps(activation_id, idx, instruction_id) VALUES (?1, ?2, ?3)",
    )?;
    for step in &a.steps {
        if let Some(ins) = step.instruction_id {
            s.execute(params![a.id, step.index as i64, ins])?;
        }
    }
    Ok(())
}

/// One activation.
pub fn get_activation(c: &Connection, id: i64) -> Result<Option<PlanActivation>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM plan_activations WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// The activations of an incident, oldest first.
pub fn incident_activations(
    c: &Connection,
    incident_id: i64,
) -> Result<Vec<PlanActivation>, StoreError> {
    let mut s =
        c.prepare_cached("SELECT doc FROM plan_activations WHERE incident_id = ?1 ORDER BY id")?;
    let rows = s.query_map([incident_id], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// The organisations an activation concerns besides the activator's: the incident's and every
/// recipient's (live-feed visibility, as for instructions).
fn concerned_orgs(a: &PlanActivation) -> Vec<String> {
    let mut v: Vec<String> = std::iter::once(a.incident_org_id.clone())
        .chain(
            a.steps
                .iter()
                .flat_map(|s| s.recipients.iter().map(|r| r.org_id.clone())),
        )
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Whether the actor may see an activation: activated within their jurisdiction, for an incident
/// within it, or addressed to an organisation above or below theirs, or to their unit.
pub fn may_see(orgs: &OrgTree, actor: &Actor, a: &PlanActivation) -> bool {
    let own_unit = actor.unit_id.map(|u| format!("unit:{u}"));
    orgs.is_within(&a.org_id, &actor.org_id)
        || orgs.is_within(&a.incident_org_id, &actor.org_id)
        || a.steps.iter().flat_map(|s| &s.recipients).any(|r| {
            Some(&r.target) == own_unit.as_ref()
                || orgs.is_within(&r.org_id, &actor.org_id)
                || orgs.is_within(&actor.org_id, &r.org_id)
        })
}

/// Loads an activation the actor may see.
pub fn load_activation(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<PlanActivation, StoreError> {
    let a = get_activation(c, id)?
        .ok_or_else(|| StoreError::NotFound(format!("plan activation {id}")))?;
    if !may_see(orgs, actor, &a) {
        return Err(StoreError::Denied(format!(
            "plan activation {id} is outside your jurisdiction"
        )));
    }
    Ok(a)
}

fn activation_event(
    tx: &mut Tx<'_>,
    actor: &str,
    a: &PlanActivation,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: a.org_id.clone(),
        record_type: "plan_activation".into(),
        record_id: a.id,
        kind: kind.into(),
        payload: json!({ "record": a, "orgs": concerned_orgs(a), "detail": detail }),
    })
}

// ---------------------------------------------------------------- resolving a plan

/// Who may activate plans: the duty leader and dispatchers (administrators write them).
pub fn require_activator(actor: &Actor) -> Result<(), StoreError> {
    actor.require(Action::PlanOperations, "activate emergency plans")
}

/// One recipient a step resolved to.
#[derive(Debug, Clone)]
pub struct ResolvedTarget {
    /// As the instruction machinery takes it.
    pub target: Target,
    /// `org:ID` or `unit:ID`.
    pub key: String,
    /// Organisation name or call sign.
    pub name: String,
}

/// A step as it would be issued now.
#[derive(Debug)]
pub struct ResolvedStep {
    /// Its index in the plan.
    pub index: usize,
    /// Instruction title.
    pub title: String,
    /// Instruction text, rendered from the incident.
    pub body: String,
    /// Now + the step's minutes.
    pub deadline: Time,
    /// As in the plan.
    pub feedback_required: bool,
    /// Its recipients (empty when it cannot be issued).
    pub targets: Vec<ResolvedTarget>,
    /// Units asked for but not available.
    pub short: u32,
    /// Left out on request.
    pub skipped: bool,
    /// Why it cannot be issued, naming `steps[i].target…`.
    pub problem: Option<StoreError>,
}

/// What a step's placeholders stand for, from the incident.
pub fn placeholder_values(inc: &Incident, now: Time) -> BTreeMap<&'static str, String> {
    let kind = codes::incident_type(&inc.kind);
    let type_label = match (kind, inc.subtype.as_deref()) {
        (Some(k), Some(sub)) => match k.subtypes.iter().find(|s| s.code == sub) {
            Some(s) => format!("{}·{}", k.zh, s.zh),
            None => k.zh.to_owned(),
        },
        (Some(k), None) => k.zh.to_owned(),
        (None, _) => inc.kind.clone(),
    };
    let address = if inc.address.trim().is_empty() {
        format!("{:.5}, {:.5}", inc.location.lon, inc.location.lat)
    } else {
        inc.address.trim().to_owned()
    };
    let priority = ["一级", "二级", "三级", "四级"]
        .get((inc.priority as usize).wrapping_sub(1))
        .map(|s| (*s).to_owned())
        .unwrap_or_else(|| inc.priority.to_string());
    BTreeMap::from([
        ("incident_id", inc.id.to_string()),
        ("address", address),
        ("type", type_label),
        ("priority", priority),
        ("description", inc.description.trim().to_owned()),
        (
            "received_at",
            zhihui_core::local_time::month_day_hm(&inc.received_at),
        ),
        ("activated_at", zhihui_core::local_time::month_day_hm(&now)),
    ])
}

/// The district bureau responsible for `org`: itself when a district or the city, else the
/// nearest district above it (the city when there is none).
fn district_of<'t>(orgs: &'t OrgTree, org: &str) -> Option<&'t zhihui_core::Org> {
    let mut cur = orgs.get(org);
    let mut last = None;
    for _ in 0..64 {
        let o = cur?;
        if matches!(o.kind, OrgKind::District | OrgKind::City) {
            return Some(o);
        }
        last = Some(o);
        cur = orgs.parent(&o.id);
    }
    last
}

fn org_target(
    orgs: &OrgTree,
    actor: &Actor,
    field: &str,
    id: &str,
) -> Result<ResolvedTarget, StoreError> {
    let o = orgs.get(id).ok_or_else(|| {
        invalid(
            &format!("{field}.org_id"),
            format!("unknown organisation `{id}`"),
        )
    })?;
    actor.require_within(orgs, id).map_err(|e| match e {
        StoreError::Denied(m) => StoreError::Denied(format!("{field}: {m}")),
        other => other,
    })?;
    Ok(ResolvedTarget {
        target: Target {
            org_id: Some(o.id.clone()),
            unit_id: None,
        },
        key: format!("org:{}", o.id),
        name: o.name.clone(),
    })
}

/// Resolves one step's recipients. `ranked` holds unit ids fastest first for nearest-units steps;
/// `used` the units earlier steps took (a unit takes one step of an activation).
#[allow(clippy::too_many_arguments)]
fn resolve_targets(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    inc: &Incident,
    i: usize,
    step: &PlanStep,
    ranked: Option<&Vec<i64>>,
    used: &mut HashSet<i64>,
) -> Result<(Vec<ResolvedTarget>, u32), StoreError> {
    let field = format!("steps[{i}].target");
    match &step.target {
        StepTarget::IncidentOrg => Ok((vec![org_target(orgs, actor, &field, &inc.org_id)?], 0)),
        StepTarget::IncidentDistrict => {
            let d = district_of(orgs, &inc.org_id)
                .map(|o| o.id.clone())
                .unwrap_or_else(|| inc.org_id.clone());
            Ok((vec![org_target(orgs, actor, &field, &d)?], 0))
        }
        StepTarget::AllDistricts => {
            let mut ids: Vec<String> = orgs
                .iter()
                .filter(|o| o.kind == OrgKind::District)
                .map(|o| o.id.clone())
                .collect();
            ids.sort();
            if ids.is_empty() {
                return Err(conflict(
                    &field,
                    "the organisation tree has no district bureau",
                ));
            }
            let v = ids
                .iter()
                .map(|id| org_target(orgs, actor, &field, id))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((v, 0))
        }
        StepTarget::Org { org_id } => Ok((vec![org_target(orgs, actor, &field, org_id)?], 0)),
        StepTarget::NearestUnits { unit_kind, count } => {
            let kind = UnitKind::parse(unit_kind)
                .ok_or_else(|| invalid(&format!("{field}.unit_kind"), "unknown unit kind"))?;
            let mut v = Vec::new();
            for &uid in ranked.map(Vec::as_slice).unwrap_or_default() {
                if v.len() >= *count as usize {
                    break;
                }
                if used.contains(&uid) {
                    continue;
                }
                // The ranking was read before this transaction: take only units still free.
                let Some(u) = p::get_unit(c, uid)? else {
                    continue;
                };
                if u.kind != kind
                    || u.status != UnitStatus::Available
                    || !orgs.is_within(&u.org_id, &actor.org_id)
                {
                    continue;
                }
                used.insert(uid);
                v.push(ResolvedTarget {
                    target: Target {
                        org_id: None,
                        unit_id: Some(uid),
                    },
                    key: format!("unit:{uid}"),
                    name: u.call_sign,
                });
            }
            if v.is_empty() {
                return Err(conflict(
                    &field,
                    format!(
                        "no available {} unit with a position in your jurisdiction reaches the incident by road",
                        kind.labels().0
                    ),
                ));
            }
            let short = count.saturating_sub(v.len() as u32);
            Ok((v, short))
        }
    }
}

/// Instruction texts carry where they come from, so a recipient can tell a plan's step from a
/// one-off instruction. The body is cut to what an instruction holds.
fn step_body(plan: &ResponsePlan, inc: &Incident, i: usize, text: &str) -> String {
    let origin = format!(
        "\n（预案《{}》v{} 第 {}/{} 步 · 警情 #{}）",
        plan.name,
        plan.version,
        i + 1,
        plan.steps.len(),
        inc.id
    );
    let room = 4000 - origin.chars().count();
    let mut body: String = text.chars().take(room).collect();
    body.push_str(&origin);
    body
}

/// Every step of `plan` as it would be issued for `inc` now, each with its recipients or the
/// reason it cannot be issued. Reads only: the preview and the activation share it.
#[allow(clippy::too_many_arguments)]
pub fn resolve(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    inc: &Incident,
    plan: &ResponsePlan,
    ranked: &BTreeMap<usize, Vec<i64>>,
    skip: &[usize],
    now: Time,
) -> Result<Vec<ResolvedStep>, StoreError> {
    let values = placeholder_values(inc, now);
    let mut used = HashSet::new();
    let mut out = Vec::with_capacity(plan.steps.len());
    for (i, step) in plan.steps.iter().enumerate() {
        let skipped = skip.contains(&i);
        let (targets, short, problem) = if skipped {
            (Vec::new(), 0, None)
        } else {
            match resolve_targets(c, orgs, actor, inc, i, step, ranked.get(&i), &mut used) {
                Ok((t, s)) => (t, s, None),
                // Storage failures are not a step's problem.
                Err(e @ (StoreError::Sqlite(_) | StoreError::Json(_) | StoreError::Io(_))) => {
                    return Err(e)
                }
                Err(e) => (Vec::new(), 0, Some(e)),
            }
        };
        out.push(ResolvedStep {
            index: i,
            title: format!("【预案】{}", step.title),
            body: step_body(plan, inc, i, &render(&step.body, &values)),
            deadline: now + chrono::Duration::minutes(step.deadline_min as i64),
            feedback_required: step.feedback_required,
            targets,
            short,
            skipped,
            problem,
        });
    }
    Ok(out)
}

/// Loads the incident and the plan for an activation and checks that it may happen: the role,
/// the incident in jurisdiction and open, the plan known, in use and at `version` when given.
pub fn check_activation(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    incident_id: i64,
    plan_id: i64,
    version: Option<u32>,
) -> Result<(Incident, ResponsePlan), StoreError> {
    require_activator(actor)?;
    let inc = commands::load_incident(c, orgs, actor, incident_id)?;
    actor.require_within(orgs, &inc.org_id)?;
    if inc.status == IncidentStatus::Closed {
        return Err(conflict(
            "status",
            format!("incident {incident_id} is closed"),
        ));
    }
    let plan = get_plan(c, plan_id, None)?
        .ok_or_else(|| invalid("plan_id", format!("unknown emergency plan {plan_id}")))?;
    if plan.retired {
        return Err(conflict(
            "plan_id",
            format!("plan {plan_id} 《{}》 is retired", plan.name),
        ));
    }
    if let Some(v) = version {
        if v != plan.version {
            return Err(conflict(
                "version",
                format!(
                    "plan {plan_id} is at version {}, not {v}: preview it again",
                    plan.version
                ),
            ));
        }
    }
    Ok((inc, plan))
}

/// An activation request, with the road ranking the server did before the transaction.
#[derive(Debug, Clone)]
pub struct ActivatePlan {
    /// The incident.
    pub incident_id: i64,
    /// The plan (its latest version is used).
    pub plan_id: i64,
    /// The version the ranking (and the caller's preview) was made for.
    pub version: Option<u32>,
    /// Steps to leave out, by index.
    pub skip_steps: Vec<usize>,
    /// For each nearest-units step: unit ids, fastest by road first.
    pub ranked: BTreeMap<usize, Vec<i64>>,
}

/// Checks the steps to skip: indices of the plan, and not all of them.
pub fn check_skip(plan: &ResponsePlan, skip: &[usize]) -> Result<(), StoreError> {
    for (j, &i) in skip.iter().enumerate() {
        if i >= plan.steps.len() {
            return Err(invalid(
                &format!("skip_steps[{j}]"),
                format!("the plan has {} steps", plan.steps.len()),
            ));
        }
    }
    if (0..plan.steps.len()).all(|i| skip.contains(&i)) {
        return Err(invalid("skip_steps", "at least one step must be issued"));
    }
    Ok(())
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
    if let Some(e) = resolved.iter().find_map(|s| s.problem.as_ref()) {
        // Rebuild the error: StoreError is not Clone, and the first problem is the one to fix.
        return Err(match e {
            StoreError::Denied(m) => StoreError::Denied(m.clone()),
            StoreError::Conflict { field, message } => conflict(field, message.clone()),
            StoreError::Domain(d) => StoreError::Domain(d.clone()),
            StoreError::NotFound(m) => StoreError::NotFound(m.clone()),
            other => StoreError::Corrupt(other.to_string()),
        });
    }
    let id: i64 = tx.conn().query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM plan_activations",
        [],
        |r| r.get(0),
    )?;
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
            let ins = commands::issue_instruction_from(
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
                commands::close_instruction(tx, orgs, actor, ins.id, &text, now)?;
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

/// What happened to an instruction, for the activation it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InstructionChange {
    /// A recipient signed.
    Signed,
    /// A recipient fed back.
    FedBack,
    /// It escalated for being overdue.
    Overdue,
    /// It was closed.
    Closed,
}

/// The plan-activation domain as a module of the kernel: it follows every change of the
/// instructions its activations issued (signed, fed back, overdue, closed).
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn changed(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        if !e.fact.from_origin("plan_activation") {
            return Ok(());
        }
        let (ins, change, target) = match e.fact {
            Fact::InstructionAnswered {
                instruction,
                target,
                feedback,
            } => (
                instruction,
                if feedback.is_some() {
                    InstructionChange::FedBack
                } else {
                    InstructionChange::Signed
                },
                Some(target),
            ),
            Fact::InstructionClosed { instruction } => {
                (instruction, InstructionChange::Closed, None)
            }
            Fact::InstructionOverdue { instruction } => {
                (instruction, InstructionChange::Overdue, None)
            }
            Fact::UnitMoved { .. } => return Ok(()),
        };
        on_instruction_changed(tx, ins, change, target, e.actor, e.at)
    }
    Module::new("response_plan")
        .record_kind(crate::RecordKind {
            record_type: "plan_activation",
            published: true,
            personal: &[],
        })
        .record_kind(crate::RecordKind {
            record_type: "response_plan",
            published: false,
            personal: &[],
        })
        .react(FactKind::InstructionAnswered, changed)
        .react(FactKind::InstructionClosed, changed)
        .react(FactKind::InstructionOverdue, changed)
}

/// Follows a change of an instruction onto the activation it carries a step of, in the same
/// transaction (the module's reactor to the instruction facts). Costs one indexed lookup for
/// instructions that belong to no plan.
fn on_instruction_changed(
    tx: &mut Tx<'_>,
    ins: &Instruction,
    change: InstructionChange,
    target: Option<&str>,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let hit: Option<i64> = tx
        .conn()
        .prepare_cached(
            "SELECT activation_id FROM plan_activation_steps WHERE instruction_id = ?1",
        )?
        .query_row([ins.id], |r| r.get(0))
        .optional()?;
    let Some(id) = hit else {
        return Ok(());
    };
    let Some(mut rec) = get_activation(tx.conn(), id)? else {
        return Ok(());
    };
    if rec.status == ActivationStatus::Closed {
        return Ok(());
    }
    let Some(index) = rec.follow(ins) else {
        return Ok(());
    };
    put_activation(tx.conn(), &rec)?;
    let kind = match change {
        InstructionChange::Signed => "plan_activation.step_signed",
        InstructionChange::FedBack => "plan_activation.step_fed_back",
        InstructionChange::Overdue => "plan_activation.step_overdue",
        InstructionChange::Closed => "plan_activation.step_closed",
    };
    let name = target.and_then(|t| {
        ins.recipients
            .iter()
            .find(|r| r.target == t)
            .map(|r| r.name.clone())
    });
    activation_event(
        tx,
        actor,
        &rec,
        kind,
        json!({ "step": index, "instruction_id": ins.id, "target": target, "name": name }),
        now,
    )?;
    Ok(())
}
