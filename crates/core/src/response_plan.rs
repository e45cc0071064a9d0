//! Emergency response plans (预案): a scenario's steps written down in advance, each an
//! instruction template with its target, deadline and whether feedback is required. Plans are
//! versioned (an edit makes a new version; activations keep the version they used) and are
//! activated from an incident, which issues every step as an instruction through the closed
//! loop.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{DomainError, FieldError, Instruction, InstructionStatus, Recipient, Time};

/// The situations plans are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// 在逃车辆 / 命案嫌疑人驾车逃窜: a fleeing vehicle.
    FleeingVehicle,
    /// 重大安保: a major event.
    MajorEvent,
    /// 儿童走失: a missing child.
    MissingChild,
    /// 自然灾害: a natural disaster.
    NaturalDisaster,
    /// 其他.
    Other,
}

impl Scenario {
    /// Every scenario, in display order.
    pub const ALL: [Scenario; 5] = [
        Scenario::FleeingVehicle,
        Scenario::MajorEvent,
        Scenario::MissingChild,
        Scenario::NaturalDisaster,
        Scenario::Other,
    ];

    /// The snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::FleeingVehicle => "fleeing_vehicle",
            Scenario::MajorEvent => "major_event",
            Scenario::MissingChild => "missing_child",
            Scenario::NaturalDisaster => "natural_disaster",
            Scenario::Other => "other",
        }
    }

    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Chinese and English names.
    pub fn names(self) -> (&'static str, &'static str) {
        match self {
            Scenario::FleeingVehicle => ("在逃车辆", "Fleeing vehicle"),
            Scenario::MajorEvent => ("重大安保", "Major event"),
            Scenario::MissingChild => ("儿童走失", "Missing child"),
            Scenario::NaturalDisaster => ("自然灾害", "Natural disaster"),
            Scenario::Other => ("其他", "Other"),
        }
    }
}

/// Who a step goes to, resolved when the plan is activated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepTarget {
    /// The organisation that owns the incident (usually its station).
    IncidentOrg,
    /// The district bureau above the incident's organisation (or the organisation itself if it
    /// is a district or the city).
    IncidentDistrict,
    /// Every district bureau of the city.
    AllDistricts,
    /// A named organisation.
    Org {
        /// Its id.
        org_id: String,
    },
    /// The `count` available units of `unit_kind` that reach the incident fastest by road.
    NearestUnits {
        /// Unit kind code (`patrol_car`, `traffic`, …).
        unit_kind: String,
        /// How many (1..=50).
        count: u32,
    },
}

/// One step of a plan: an instruction template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanStep {
    /// Short title, e.g. `设卡堵截`.
    pub title: String,
    /// Instruction text; may use the placeholders of [`PLACEHOLDERS`] in braces.
    pub body: String,
    /// Who receives it.
    pub target: StepTarget,
    /// Minutes from activation to the step's deadline (1..=1440).
    pub deadline_min: u32,
    /// Whether recipients must feed back.
    pub feedback_required: bool,
}

/// What a step's text may refer to; filled in from the incident at activation.
pub const PLACEHOLDERS: &[&str] = &[
    "incident_id",
    "address",
    "type",
    "priority",
    "description",
    "received_at",
    "activated_at",
];

/// A plan as stored: one version of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponsePlan {
    /// Assigned by the store; the same for every version.
    pub id: i64,
    /// This version's number, from 1.
    pub version: u32,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// The scenario it is for.
    pub scenario: Scenario,
    /// The steps, issued in this order.
    pub steps: Vec<PlanStep>,
    /// Whether it may no longer be activated.
    pub retired: bool,
    /// Who wrote this version.
    pub updated_by: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Time,
}

/// A plan's content as written by an administrator (create or edit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanDraft {
    /// Chinese name (1..=60 characters).
    pub name: String,
    /// English name (0..=80 characters).
    #[serde(default)]
    pub name_en: String,
    /// The scenario.
    pub scenario: Scenario,
    /// 1..=30 steps.
    pub steps: Vec<PlanStep>,
}

fn invalid(field: String, message: impl Into<String>) -> DomainError {
    DomainError::Invalid(FieldError::new(field, message))
}

/// Placeholders used in `text`, or the first malformed/unknown one as an error message.
fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let Some(j) = after.find('}') else {
            return Err("an opening { without its closing }".into());
        };
        let name = &after[..j];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}}; known: {}",
                PLACEHOLDERS.join(", ")
            ));
        }
        out.push(name);
        rest = &after[j + 1..];
    }
    Ok(out)
}

impl PlanDraft {
    /// Checks every field, naming the first bad one (`steps[2].deadline_min`, …).
    pub fn validate(&self) -> Result<(), DomainError> {
        let name_len = self.name.trim().chars().count();
        if !(1..=60).contains(&name_len) {
            return Err(invalid("name".into(), "1 to 60 characters"));
        }
        if self.name_en.chars().count() > 80 {
            return Err(invalid("name_en".into(), "at most 80 characters"));
        }
        if self.steps.is_empty() || self.steps.len() > 30 {
            return Err(invalid("steps".into(), "1 to 30 steps"));
        }
        for (i, s) in self.steps.iter().enumerate() {
            let f = |name: &str| format!("steps[{i}].{name}");
            if !(1..=40).contains(&s.title.trim().chars().count()) {
                return Err(invalid(f("title"), "1 to 40 characters"));
            }
            if !(1..=2000).contains(&s.body.trim().chars().count()) {
                return Err(invalid(f("body"), "1 to 2000 characters"));
            }
            placeholders(&s.body).map_err(|m| invalid(f("body"), m))?;
            if !(1..=1440).contains(&s.deadline_min) {
                return Err(invalid(f("deadline_min"), "1 to 1440 minutes"));
            }
            match &s.target {
                StepTarget::Org { org_id } if org_id.trim().is_empty() => {
                    return Err(invalid(f("target.org_id"), "must name an organisation"));
                }
                StepTarget::NearestUnits { unit_kind, count } => {
                    if crate::UnitKind::parse(unit_kind).is_none() {
                        return Err(invalid(f("target.unit_kind"), "unknown unit kind"));
                    }
                    if !(1..=50).contains(count) {
                        return Err(invalid(f("target.count"), "1 to 50 units"));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The first version of a plan from this draft.
    pub fn into_plan(self, id: i64, by: &str, now: Time) -> Result<ResponsePlan, DomainError> {
        self.validate()?;
        Ok(ResponsePlan {
            id,
            version: 1,
            name: self.name.trim().to_owned(),
            name_en: self.name_en.trim().to_owned(),
            scenario: self.scenario,
            steps: self.steps,
            retired: false,
            updated_by: by.to_owned(),
            updated_at: now,
        })
    }
}

impl ResponsePlan {
    /// The next version with the draft's content; the old version stays as it was.
    pub fn revise(&self, draft: PlanDraft, by: &str, now: Time) -> Result<Self, DomainError> {
        let mut next = draft.into_plan(self.id, by, now)?;
        next.version = self.version + 1;
        next.retired = self.retired;
        Ok(next)
    }
}

/// Fills a step's placeholders. Unknown placeholders cannot occur in a validated plan; any that
/// do are left as written rather than guessed.
pub fn render(text: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j) if values.contains_key(&after[..j]) => {
                out.push_str(&values[&after[..j]]);
                rest = &after[j + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where an activation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivationStatus {
    /// Its instructions are being worked.
    Active,
    /// Ended with an outcome.
    Closed,
}

/// Where one step of an activation stands: the furthest fact about its instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Issued, not yet signed by every recipient.
    Issued,
    /// Every recipient signed (签收).
    Signed,
    /// Every recipient fed back (反馈).
    FedBack,
    /// The deadline passed with recipients not done; the instruction escalated (催办).
    Overdue,
    /// The instruction was closed.
    Closed,
    /// Left out when the plan was activated.
    Skipped,
}

impl StepStatus {
    /// The snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Issued => "issued",
            StepStatus::Signed => "signed",
            StepStatus::FedBack => "fed_back",
            StepStatus::Overdue => "overdue",
            StepStatus::Closed => "closed",
            StepStatus::Skipped => "skipped",
        }
    }

    /// The status an instruction gives its step. A late instruction stays overdue until every
    /// recipient is done, even once all have signed: signing is not doing.
    pub fn of(ins: &Instruction) -> Self {
        if ins.status == InstructionStatus::Closed {
            return StepStatus::Closed;
        }
        let all = |f: fn(&Recipient) -> bool| ins.recipients.iter().all(f);
        if all(|r| r.feedback_at.is_some()) {
            StepStatus::FedBack
        } else if ins.escalated_at.is_some() && !all(|r| r.status == crate::RecipientStatus::Done) {
            StepStatus::Overdue
        } else if all(|r| r.signed_at.is_some()) {
            StepStatus::Signed
        } else {
            StepStatus::Issued
        }
    }
}

/// One step of an activation: what was issued, to whom, and where its instruction stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivationStep {
    /// The step's position in the plan, from 0.
    pub index: usize,
    /// The step's title.
    pub title: String,
    /// Whom the plan addressed (as written in the plan).
    pub target: StepTarget,
    /// The instruction that carries it; `None` when skipped.
    pub instruction_id: Option<i64>,
    /// Its deadline.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub deadline: Option<Time>,
    /// Whether recipients must feed back.
    pub feedback_required: bool,
    /// The instruction's recipients as they stand (copied from the instruction on every change).
    pub recipients: Vec<Recipient>,
    /// Units the step asked for that were not available (nearest-units steps).
    pub short: u32,
    /// Where it stands.
    pub status: StepStatus,
    /// When its instruction escalated for being overdue.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub overdue_at: Option<Time>,
    /// When its instruction was closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
}

impl ActivationStep {
    /// Copies the instruction's state onto the step; true when anything changed.
    pub fn follow(&mut self, ins: &Instruction) -> bool {
        let before = (self.status, self.recipients.clone());
        self.recipients = ins.recipients.clone();
        self.status = StepStatus::of(ins);
        self.overdue_at = ins.escalated_at;
        self.closed_at = ins.closed_at;
        before != (self.status, self.recipients.clone())
    }
}

/// A plan activated for an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanActivation {
    /// Assigned by the store.
    pub id: i64,
    /// The plan.
    pub plan_id: i64,
    /// The version used.
    pub plan_version: u32,
    /// The plan's name at that version.
    pub plan_name: String,
    /// The plan's scenario.
    pub scenario: Scenario,
    /// The incident it was activated for.
    pub incident_id: i64,
    /// The incident's organisation when activated.
    pub incident_org_id: String,
    /// Who activated it.
    pub activated_by: String,
    /// The activator's organisation.
    pub org_id: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub activated_at: Time,
    /// One instruction per issued step, in step order.
    pub instruction_ids: Vec<i64>,
    /// Every step of the plan version, issued or skipped.
    pub steps: Vec<ActivationStep>,
    /// Active or closed.
    pub status: ActivationStatus,
    /// How it ended.
    pub outcome: Option<String>,
    /// The closing summary.
    pub summary: Option<String>,
    /// When it ended.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// Incremented on every change.
    pub version: u64,
}

impl PlanActivation {
    /// Closes the activation; `outcome` is free text (1..=200 characters), `summary` up to 2000.
    pub fn close(&mut self, outcome: &str, summary: &str, now: Time) -> Result<(), DomainError> {
        if self.status == ActivationStatus::Closed {
            return Err(DomainError::Transition {
                record: "plan activation",
                from: "closed".into(),
                to: "closed".into(),
            });
        }
        if !(1..=200).contains(&outcome.trim().chars().count()) {
            return Err(invalid("outcome".into(), "1 to 200 characters"));
        }
        if summary.chars().count() > 2000 {
            return Err(invalid("summary".into(), "at most 2000 characters"));
        }
        self.status = ActivationStatus::Closed;
        self.outcome = Some(outcome.trim().to_owned());
        self.summary = Some(summary.trim().to_owned()).filter(|s| !s.is_empty());
        self.closed_at = Some(now);
        self.version += 1;
        Ok(())
    }

    /// Follows a change of one of its instructions; the index of the step it carries when that
    /// step changed.
    pub fn follow(&mut self, ins: &Instruction) -> Option<usize> {
        let step = self
            .steps
            .iter_mut()
            .find(|s| s.instruction_id == Some(ins.id))?;
        if !step.follow(ins) {
            return None;
        }
        self.version += 1;
        Some(step.index)
    }
}

/// The plans a new installation starts with, written from the article's cases. Returned as
/// drafts so the store assigns ids and records who created them.
pub fn default_plans() -> Vec<PlanDraft> {
    let step = |title: &str, body: &str, target: StepTarget, min: u32, fb: bool| PlanStep {
        title: title.into(),
        body: body.into(),
        target,
        deadline_min: min,
        feedback_required: fb,
    };
    vec![
        PlanDraft {
            name: "命案嫌疑人驾车逃窜堵截预案".into(),
            name_en: "Fleeing homicide suspect: interception".into(),
            scenario: Scenario::FleeingVehicle,
            steps: vec![
                step(
                    "全市设卡堵截",
                    "{received_at} 发生于 {address} 的 {type} 案件（警情 {incident_id}）嫌疑人驾车逃窜。各分局立即按设卡布控方案在辖区出城道口设卡，逐车盘查，到位后反馈。",
                    StepTarget::AllDistricts,
                    15,
                    true,
                ),
                step(
                    "案发地封控",
                    "立即封控 {address} 周边路口，保护现场，组织走访，反馈嫌疑人体貌及车辆特征。",
                    StepTarget::IncidentOrg,
                    10,
                    true,
                ),
                step(
                    "特警增援",
                    "特警就近待命，携带破拒装备向 {address} 方向机动，听令处置。",
                    StepTarget::NearestUnits { unit_kind: "swat".into(), count: 2 },
                    10,
                    false,
                ),
                step(
                    "交通管控",
                    "交警对案发区域主干道实施交通管控，配合卡口查缉，反馈管控点位。",
                    StepTarget::NearestUnits { unit_kind: "traffic".into(), count: 3 },
                    15,
                    true,
                ),
            ],
        },
        PlanDraft {
            name: "重大活动安保预案".into(),
            name_en: "Major event security".into(),
            scenario: Scenario::MajorEvent,
            steps: vec![
                step(
                    "检查站到位",
                    "各分局按安保部署方案于 {activated_at} 起派员到达检查站和执勤点，签到后反馈到岗人数。",
                    StepTarget::AllDistricts,
                    60,
                    true,
                ),
                step(
                    "现场指挥部",
                    "在 {address} 设立现场指挥部，开通图像和电台联络，反馈联络方式。",
                    StepTarget::IncidentDistrict,
                    30,
                    true,
                ),
            ],
        },
        PlanDraft {
            name: "儿童走失查找预案".into(),
            name_en: "Missing child search".into(),
            scenario: Scenario::MissingChild,
            steps: vec![
                step(
                    "就近查找",
                    "{address} 报儿童走失（警情 {incident_id}）：{description}。立即就近组织查找，调取周边视频，反馈进展。",
                    StepTarget::IncidentOrg,
                    10,
                    true,
                ),
                step(
                    "巡逻力量协查",
                    "巡逻警力在 {address} 周边 2 公里范围内巡查，重点关注车站、商场、水域。",
                    StepTarget::NearestUnits { unit_kind: "patrol_car".into(), count: 4 },
                    15,
                    false,
                ),
                step(
                    "社区发动",
                    "社区民警发动网格员和群众协查，反馈线索。",
                    StepTarget::NearestUnits { unit_kind: "community".into(), count: 2 },
                    20,
                    true,
                ),
            ],
        },
        PlanDraft {
            name: "自然灾害应急处置预案".into(),
            name_en: "Natural disaster response".into(),
            scenario: Scenario::NaturalDisaster,
            steps: vec![
                step(
                    "灾情摸排",
                    "{address} 发生灾情（警情 {incident_id}）。各分局立即摸排辖区受灾情况和被困群众，每小时反馈。",
                    StepTarget::AllDistricts,
                    60,
                    true,
                ),
                step(
                    "交通疏导",
                    "交警对通往灾区道路实施管制和疏导，保障救援通道畅通。",
                    StepTarget::NearestUnits { unit_kind: "traffic".into(), count: 4 },
                    20,
                    true,
                ),
                step(
                    "转移群众",
                    "辖区派出所组织危险区域群众转移，反馈转移人数。",
                    StepTarget::IncidentOrg,
                    30,
                    true,
                ),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Time {
        chrono::DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn default_plans_are_valid_and_cover_the_four_scenarios() {
        let plans = default_plans();
        for p in &plans {
            p.validate().unwrap();
        }
        let mut s: Vec<Scenario> = plans.iter().map(|p| p.scenario).collect();
        s.sort();
        assert_eq!(
            s,
            vec![
                Scenario::FleeingVehicle,
                Scenario::MajorEvent,
                Scenario::MissingChild,
                Scenario::NaturalDisaster
            ]
        );
    }

    #[test]
    fn validation_names_the_field() {
        let mut d = default_plans().remove(0);
        d.steps[1].deadline_min = 0;
        let e = d.validate().unwrap_err();
        assert!(matches!(e, DomainError::Invalid(ref f) if f.field == "steps[1].deadline_min"));
        let mut d = default_plans().remove(0);
        d.steps[0].body = "到 {nowhere} 集合".into();
        let e = d.validate().unwrap_err();
        assert!(matches!(e, DomainError::Invalid(ref f) if f.field == "steps[0].body"));
        let mut d = default_plans().remove(0);
        d.steps[2].target = StepTarget::NearestUnits {
            unit_kind: "tank".into(),
            count: 1,
        };
        let e = d.validate().unwrap_err();
        assert!(matches!(e, DomainError::Invalid(ref f) if f.field == "steps[2].target.unit_kind"));
        let mut d = default_plans().remove(0);
        d.steps.clear();
        assert!(d.validate().is_err());
    }

    #[test]
    fn revising_makes_a_new_version_and_rendering_fills_placeholders() {
        let p = default_plans()
            .remove(2)
            .into_plan(7, "admin", now())
            .unwrap();
        assert_eq!(p.version, 1);
        let mut d = default_plans().remove(2);
        d.name = "儿童走失查找预案（修订）".into();
        let p2 = p.revise(d, "admin2", now()).unwrap();
        assert_eq!(
            (p2.id, p2.version, p2.updated_by.as_str()),
            (7, 2, "admin2")
        );
        assert_eq!(p.version, 1, "the old version is untouched");
        let mut v = BTreeMap::new();
        v.insert("address", "沙市区北京路".to_owned());
        v.insert("incident_id", "42".to_owned());
        v.insert("description", "5岁男孩，穿红色上衣".to_owned());
        let text = render(&p2.steps[0].body, &v);
        assert!(text.starts_with("沙市区北京路 报儿童走失（警情 42）：5岁男孩"));
        assert_eq!(render("{a} {address}", &v), "{a} 沙市区北京路");
    }

    #[test]
    fn a_step_follows_its_instruction_to_the_furthest_fact() {
        let r = |id: &str| Recipient {
            target: format!("org:{id}"),
            name: id.into(),
            org_id: id.into(),
            status: crate::RecipientStatus::Pending,
            signed_at: None,
            signed_by: None,
            feedback: None,
            feedback_at: None,
        };
        let mut ins = crate::NewInstruction {
            title: "t".into(),
            body: String::new(),
            targets: vec![],
            deadline: now() + chrono::Duration::minutes(10),
            feedback_required: true,
            incident_id: Some(3),
            text: None,
        }
        .into_instruction(10, "leader", "city", vec![r("a"), r("b")], now());
        let mut step = ActivationStep {
            index: 0,
            title: "t".into(),
            target: StepTarget::AllDistricts,
            instruction_id: Some(10),
            deadline: Some(ins.deadline),
            feedback_required: true,
            recipients: vec![],
            short: 0,
            status: StepStatus::Issued,
            overdue_at: None,
            closed_at: None,
        };
        assert!(step.follow(&ins), "the recipients are copied");
        assert_eq!(step.status, StepStatus::Issued);
        ins.sign("org:a", "u", now()).unwrap();
        assert!(step.follow(&ins));
        assert_eq!(step.status, StepStatus::Issued, "one of two signed");
        ins.sign("org:b", "v", now()).unwrap();
        step.follow(&ins);
        assert_eq!(step.status, StepStatus::Signed);
        ins.escalated_at = Some(now());
        step.follow(&ins);
        assert_eq!(step.status, StepStatus::Overdue, "signed is not done");
        assert!(!step.follow(&ins), "nothing new");
        ins.feedback("org:a", "u", "到位", now()).unwrap();
        ins.feedback("org:b", "v", "到位", now()).unwrap();
        step.follow(&ins);
        assert_eq!(step.status, StepStatus::FedBack);
        ins.close("结束", now()).unwrap();
        step.follow(&ins);
        assert_eq!(
            (step.status, step.closed_at),
            (StepStatus::Closed, Some(now()))
        );
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn an_activation_closes_once_with_an_outcome() {
        let mut a = PlanActivation {
            id: 1,
            plan_id: 1,
            plan_version: 1,
            plan_name: "x".into(),
            scenario: Scenario::FleeingVehicle,
            incident_id: 3,
            incident_org_id: "s1".into(),
            activated_by: "leader".into(),
            org_id: "city".into(),
            activated_at: now(),
            instruction_ids: vec![10, 11],
            steps: vec![],
            status: ActivationStatus::Active,
            outcome: None,
            summary: None,
            closed_at: None,
            closed_by: None,
            version: 1,
        };
        assert!(a.close(" ", "", now()).is_err());
        a.close("嫌疑人已抓获", "在沙市区出城道口被截获", now())
            .unwrap();
        assert_eq!(a.status, ActivationStatus::Closed);
        assert!(a.close("again", "", now()).is_err());
    }
}
