//! The plan library's and the activations' tables and queries, and who may see an activation.

use super::*;

// ---------------------------------------------------------------- plan projection

pub(super) fn plan_from(doc: String, retired: bool) -> Result<ResponsePlan, StoreError> {
    let mut plan: ResponsePlan = serde_json::from_str(&doc)?;
    // Retiring applies to the plan, not to a version: old versions read as retired too.
    plan.retired = retired;
    Ok(plan)
}

pub(super) fn put_plan(c: &Connection, plan: &ResponsePlan) -> Result<(), StoreError> {
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
// ---------------------------------------------------------------- activation projection

pub(super) fn put_activation(c: &Connection, a: &PlanActivation) -> Result<(), StoreError> {
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
pub(super) fn concerned_orgs(a: &PlanActivation) -> Vec<String> {
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
