//! The documented code lists: incident types and sub-types, dispositions, unit kinds and statuses.
//!
//! Codes are stable English identifiers stored in records; the Chinese and English labels are for
//! display. Codes are only ever added, never renamed, because stored events refer to them.

use serde::Serialize;

/// One entry of a code list.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Code {
    /// Stable identifier.
    pub code: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
}

/// An incident type with its sub-types.
#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentType {
    /// Stable identifier.
    pub code: &'static str,
    /// Chinese label.
    pub zh: &'static str,
    /// English label.
    pub en: &'static str,
    /// Sub-types valid for this type.
    pub subtypes: &'static [Code],
}

const fn c(code: &'static str, zh: &'static str, en: &'static str) -> Code {
    Code { code, zh, en }
}

/// Incident types (警情类别) and their sub-types.
pub const INCIDENT_TYPES: &[IncidentType] = &[
    IncidentType {
        code: "criminal",
        zh: "刑事",
        en: "Criminal",
        subtypes: &[
            c("homicide", "命案", "Homicide"),
            c("robbery", "抢劫", "Robbery"),
            c("theft", "盗窃", "Theft"),
            c("fraud", "诈骗", "Fraud"),
            c("assault", "故意伤害", "Assault"),
            c("kidnapping", "绑架", "Kidnapping"),
            c("sexual_assault", "性侵", "Sexual assault"),
            c("other_criminal", "其他刑事", "Other criminal"),
        ],
    },
    IncidentType {
        code: "public_order",
        zh: "治安",
        en: "Public order",
        subtypes: &[
            c("fight", "打架斗殴", "Fight"),
            c("disturbance", "扰乱秩序", "Disturbance"),
            c("gambling", "赌博", "Gambling"),
            c("drugs", "涉毒", "Drugs"),
            c("weapons", "涉枪涉爆", "Weapons or explosives"),
            c("noise", "噪音扰民", "Noise"),
            c("other_public_order", "其他治安", "Other public order"),
        ],
    },
    IncidentType {
        code: "traffic",
        zh: "交通",
        en: "Traffic",
        subtypes: &[
            c("collision", "交通事故", "Collision"),
            c("injury_collision", "伤人事故", "Collision with injuries"),
            c("hit_and_run", "肇事逃逸", "Hit and run"),
            c("drunk_driving", "酒驾醉驾", "Drunk driving"),
            c("congestion", "交通堵塞", "Congestion"),
            c("other_traffic", "其他交通", "Other traffic"),
        ],
    },
    IncidentType {
        code: "fire",
        zh: "火灾",
        en: "Fire",
        subtypes: &[
            c("building_fire", "建筑火灾", "Building fire"),
            c("vehicle_fire", "车辆火灾", "Vehicle fire"),
            c("wildfire", "山林火灾", "Wildfire"),
            c("explosion", "爆炸", "Explosion"),
            c("gas_leak", "燃气泄漏", "Gas leak"),
        ],
    },
    IncidentType {
        code: "help",
        zh: "求助",
        en: "Assistance",
        subtypes: &[
            c("missing_person", "人员走失", "Missing person"),
            c("self_harm", "自杀自伤", "Self-harm"),
            c("medical", "急病求助", "Medical"),
            c("trapped", "被困求助", "Trapped"),
            c("elderly_alone", "独居老人求助", "Elderly person alone"),
            c("other_help", "其他求助", "Other assistance"),
        ],
    },
    IncidentType {
        code: "dispute",
        zh: "纠纷",
        en: "Dispute",
        subtypes: &[
            c("family", "家庭纠纷", "Family"),
            c("neighbour", "邻里纠纷", "Neighbours"),
            c("labour", "劳资纠纷", "Labour"),
            c("consumer", "消费纠纷", "Consumer"),
            c("traffic_dispute", "交通纠纷", "Traffic dispute"),
            c("other_dispute", "其他纠纷", "Other dispute"),
        ],
    },
    IncidentType {
        code: "other",
        zh: "其他",
        en: "Other",
        subtypes: &[
            c("lost_property", "遗失物品", "Lost property"),
            c("enquiry", "咨询", "Enquiry"),
            c("non_police", "非警务求助", "Non-police matter"),
            c("other_other", "其他", "Other"),
        ],
    },
];

/// The priority (1 most urgent to 4) a call of each sub-type gets unless the call-taker says
/// otherwise: life in danger now is 1 (命案, 抢劫, 绑架, 性侵, 涉枪涉爆, 伤人事故, 建筑火灾, 爆炸,
/// 燃气泄漏, 自杀自伤, 被困); harm likely or a person at risk is 2 (伤害, 斗殴, 逃逸, 酒驾, 车辆与山林
/// 火灾, 走失, 急病, 独居老人, 家庭纠纷); a crime or disorder without danger now is 3; what can wait
/// is 4 (噪音, 拥堵, 遗失, 咨询, 非警务). A sub-type not listed takes its type's default (the
/// `None` row). Filing a call below its default needs a reason, kept on the timeline.
pub const DEFAULT_PRIORITY: &[(&str, Option<&str>, u8)] = &[
    ("criminal", None, 2),
    ("criminal", Some("homicide"), 1),
    ("criminal", Some("robbery"), 1),
    ("criminal", Some("kidnapping"), 1),
    ("criminal", Some("sexual_assault"), 1),
    ("criminal", Some("assault"), 2),
    ("criminal", Some("theft"), 3),
    ("criminal", Some("fraud"), 3),
    ("criminal", Some("other_criminal"), 3),
    ("public_order", None, 3),
    ("public_order", Some("weapons"), 1),
    ("public_order", Some("fight"), 2),
    ("public_order", Some("noise"), 4),
    ("traffic", None, 3),
    ("traffic", Some("injury_collision"), 1),
    ("traffic", Some("hit_and_run"), 2),
    ("traffic", Some("drunk_driving"), 2),
    ("traffic", Some("congestion"), 4),
    ("fire", None, 1),
    ("fire", Some("vehicle_fire"), 2),
    ("fire", Some("wildfire"), 2),
    ("help", None, 3),
    ("help", Some("self_harm"), 1),
    ("help", Some("trapped"), 1),
    ("help", Some("missing_person"), 2),
    ("help", Some("medical"), 2),
    ("help", Some("elderly_alone"), 2),
    ("dispute", None, 3),
    ("dispute", Some("family"), 2),
    ("other", None, 4),
];

/// The default priority of a call of `kind` and `subtype` (see [`DEFAULT_PRIORITY`]); 3 for an
/// unknown type.
pub fn default_priority(kind: &str, subtype: Option<&str>) -> u8 {
    let row = |s: Option<&str>| {
        DEFAULT_PRIORITY
            .iter()
            .find(|(k, st, _)| *k == kind && *st == s)
            .map(|r| r.2)
    };
    subtype
        .and_then(|s| row(Some(s)))
        .or_else(|| row(None))
        .unwrap_or(3)
}

/// Disposition codes (处置结果) required to close an incident.
pub const DISPOSITIONS: &[Code] = &[
    c("resolved_on_scene", "现场处置完毕", "Resolved on scene"),
    c("arrested", "抓获嫌疑人", "Suspect arrested"),
    c("case_filed", "已立案侦查", "Case filed"),
    c("mediated", "调解成功", "Mediated"),
    c(
        "transferred",
        "移交其他部门",
        "Transferred to another agency",
    ),
    c(
        "medical_handover",
        "移交医疗救护",
        "Handed over to medical services",
    ),
    c("person_found", "人员已找到", "Person found"),
    c("unable_to_locate", "未找到现场或当事人", "Unable to locate"),
    c("false_report", "虚假报警", "False report"),
    c("duplicate", "重复报警", "Duplicate call"),
    c("no_police_matter", "非警务事项", "Not a police matter"),
];

/// Looks up an incident type.
pub fn incident_type(code: &str) -> Option<&'static IncidentType> {
    INCIDENT_TYPES.iter().find(|t| t.code == code)
}

/// Hazards at a place or with a person that the next crew sent there must know (premise
/// history shows them for earlier incidents within 50 m).
pub const HAZARDS: &[Code] = &[
    c("weapon", "持有凶器", "Weapon"),
    c("firearm", "涉枪", "Firearm"),
    c("violent_person", "有暴力倾向", "Violent person"),
    c("mental_health", "精神障碍", "Mental health"),
    c("dog", "恶犬", "Dangerous dog"),
    c("hazardous_materials", "危险品", "Hazardous materials"),
    c("drugs", "涉毒", "Drugs"),
    c("child_at_risk", "涉及未成年人", "Child at risk"),
];

/// The hazard of a code.
pub fn hazard(code: &str) -> Option<&'static Code> {
    HAZARDS.iter().find(|h| h.code == code)
}

/// Looks up a disposition.
pub fn disposition(code: &str) -> Option<&'static Code> {
    DISPOSITIONS.iter().find(|d| d.code == code)
}

/// The run-card (出警标准): which unit kinds an incident of a type needs, and how many of each.
/// Recommendations offer only units of these kinds. Sub-types that need more than their type's
/// default are listed first.
pub fn run_card(kind: &str, subtype: Option<&str>) -> &'static [(crate::UnitKind, u8)] {
    use crate::UnitKind::*;
    match (kind, subtype.unwrap_or("")) {
        ("criminal", "homicide" | "robbery" | "kidnapping") => &[(PatrolCar, 2), (Swat, 1)],
        ("public_order", "weapons") => &[(Swat, 2), (PatrolCar, 2)],
        ("criminal", _) => &[(PatrolCar, 1), (FootPatrol, 1)],
        ("public_order", "fight") => &[(PatrolCar, 2), (FootPatrol, 1)],
        ("public_order", _) => &[(PatrolCar, 1), (FootPatrol, 1)],
        ("traffic", "injury_collision" | "hit_and_run") => &[(Traffic, 1), (PatrolCar, 1)],
        ("traffic", _) => &[(Traffic, 1)],
        ("fire", _) => &[(PatrolCar, 1), (Traffic, 1)],
        ("help", "self_harm") => &[(PatrolCar, 1), (Community, 1)],
        ("help", "missing_person") => &[(PatrolCar, 1), (FootPatrol, 1), (Community, 1)],
        ("help", _) => &[(PatrolCar, 1), (Community, 1)],
        ("dispute", _) => &[(Community, 1), (PatrolCar, 1)],
        _ => &[(PatrolCar, 1), (FootPatrol, 1), (Community, 1)],
    }
}

/// How far apart (straight line) two calls may be and still describe the same event.
pub const DUPLICATE_RADIUS_M: f64 = 500.0;

/// How far apart in time (received) two calls may be and still describe the same event.
pub const DUPLICATE_WINDOW_S: i64 = 15 * 60;

/// Incident types that a caller may use for what another caller reports as `kind`: an open
/// incident of a related type nearby is offered as a possible duplicate of a new call. The
/// relation is symmetric and every type is related to itself. Why each pair:
///
/// - `criminal` ~ `public_order`: a fight that turns into an assault or a robbery is reported as
///   either, depending on what the caller saw;
/// - `criminal` ~ `dispute`, `public_order` ~ `dispute`: a quarrel that escalates;
/// - `traffic` ~ `dispute`: the parties of a collision argue (the `traffic_dispute` sub-type);
/// - `traffic` ~ `fire`: burning vehicles and explosions after a crash;
/// - `fire` ~ `help`: people trapped by a fire or calling for help because of smoke;
/// - `other` ~ every type: a caller who cannot tell what is going on.
///
/// Sub-types are not compared: two callers rarely agree on them.
pub fn related_types(kind: &str) -> &'static [&'static str] {
    match kind {
        "criminal" => &["criminal", "public_order", "dispute", "other"],
        "public_order" => &["public_order", "criminal", "dispute", "other"],
        "dispute" => &["dispute", "criminal", "public_order", "traffic", "other"],
        "traffic" => &["traffic", "dispute", "fire", "other"],
        "fire" => &["fire", "traffic", "help", "other"],
        "help" => &["help", "fire", "other"],
        "other" => &[
            "other",
            "criminal",
            "public_order",
            "traffic",
            "fire",
            "help",
            "dispute",
        ],
        _ => &[],
    }
}

/// Whether calls of types `a` and `b` may describe the same event (see [`related_types`]).
pub fn types_related(a: &str, b: &str) -> bool {
    related_types(a).contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique() {
        let mut seen = HashSet::new();
        for t in INCIDENT_TYPES {
            assert!(seen.insert(t.code), "duplicate {}", t.code);
            for s in t.subtypes {
                assert!(seen.insert(s.code), "duplicate {}", s.code);
            }
        }
        let d: HashSet<_> = DISPOSITIONS.iter().map(|d| d.code).collect();
        assert_eq!(d.len(), DISPOSITIONS.len());
    }

    #[test]
    fn related_types_are_reflexive_symmetric_and_known() {
        for a in INCIDENT_TYPES {
            assert!(types_related(a.code, a.code), "{} ~ itself", a.code);
            for &b in related_types(a.code) {
                assert!(incident_type(b).is_some(), "unknown type {b}");
                assert!(types_related(b, a.code), "{} ~ {b} but not back", a.code);
            }
        }
        assert!(!types_related("traffic", "criminal"));
        assert!(related_types("no_such_type").is_empty());
    }
}
