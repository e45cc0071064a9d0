//! Planning before the write: resolving a plan's steps for an incident into recipients,
//! deadlines and texts, and checking an activation, so that the preview and the activation agree.

use super::*;

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
pub(super) fn district_of<'t>(orgs: &'t OrgTree, org: &str) -> Option<&'t zhihui_core::Org> {
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

pub(super) fn org_target(
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
    actor.require_within(orgs, id).map_err(|e| e.at(field))?;
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
pub(super) fn resolve_targets(
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
pub(super) fn step_body(plan: &ResponsePlan, inc: &Incident, i: usize, text: &str) -> String {
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
    let inc = ops::load_incident(c, orgs, actor, incident_id)?;
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

// ---------------------------------------------------------------- ranking by road

/// Unit ids fastest by road first for each nearest-units step, or why a step cannot be ranked.
pub type Ranking = BTreeMap<usize, Result<Vec<i64>, StoreError>>;

/// Ranks the free units of each nearest-units step of `plan` (not skipped) by road travel time
/// to the incident, from the actor's jurisdiction. Done before the write (routing stays out of
/// the writer); the write takes the first units of each ranking that are still free. A step
/// ranks more units than it asks for, so that units taken meanwhile or by earlier steps are
/// passed over rather than failing the plan. Without a road network such a step cannot be
/// issued (the others can).
#[allow(clippy::too_many_arguments)]
pub fn rank_steps(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    inc: &Incident,
    plan: &ResponsePlan,
    skip: &[usize],
    net: Option<&zhihui_roads::RoadNetwork>,
    cache: &crate::fleet::SnapCache,
) -> Result<Ranking, StoreError> {
    let mut out = Ranking::new();
    let mut asked_before = 0usize;
    for (i, step) in plan.steps.iter().enumerate() {
        let StepTarget::NearestUnits { unit_kind, count } = &step.target else {
            continue;
        };
        if skip.contains(&i) {
            continue;
        }
        let Some(kind) = UnitKind::parse(unit_kind) else {
            continue;
        };
        let Some(net) = net else {
            let why = StoreError::NoRoadNetwork(
                "the server was started without a road network (--roads FILE)".into(),
            );
            out.insert(i, Err(why.at(&format!("steps[{i}].target"))));
            continue;
        };
        let units = p::free_units(c, &orgs.subtree_ids(&actor.org_id), &[kind])?;
        // Spare candidates for units that earlier steps took or that leave before the write.
        let k = *count as usize * 2 + 10 + asked_before;
        asked_before += *count as usize;
        let profile = crate::fleet::profile_of(kind);
        let ranked = crate::fleet::nearest_ids(net, cache, profile, inc.location, &units, k);
        out.insert(i, Ok(ranked));
    }
    Ok(out)
}
