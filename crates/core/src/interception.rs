//! Interceptions (设卡布控): checkpoints around a fleeing suspect, each held by one unit that must
//! be there before the suspect can be. One record tracks the whole operation from activation to
//! its outcome; each checkpoint goes to its unit as an instruction (指令), so supervision,
//! signing, feedback and escalation are the instruction machinery's, and the record follows them.

use serde::{Deserialize, Serialize};

use crate::{DomainError, LonLat, Time};

/// Open while units hold or head for their checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InterceptionStatus {
    /// Units are on their way or holding.
    Active,
    /// Ended with an outcome.
    Closed,
}

/// How an interception ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InterceptionOutcome {
    /// The suspect was stopped (抓获).
    Caught,
    /// The suspect got through or vanished (脱逃).
    Lost,
    /// Called off: false alarm, caught elsewhere, or handed over (撤除).
    StoodDown,
}

impl InterceptionOutcome {
    /// All outcomes.
    pub const ALL: [Self; 3] = [Self::Caught, Self::Lost, Self::StoodDown];
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Caught => "caught",
            Self::Lost => "lost",
            Self::StoodDown => "stood_down",
        }
    }
    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::Caught => ("抓获", "Caught"),
            Self::Lost => ("脱逃", "Lost"),
            Self::StoodDown => ("撤除", "Stood down"),
        }
    }
}

/// Where one checkpoint stands, for the board: the furthest fact known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PointStatus {
    /// The instruction went out; not signed for yet (已下发).
    Issued,
    /// The unit signed for it (已签收).
    Signed,
    /// The unit is at the checkpoint (已到位).
    OnSite,
    /// The suspect could have passed and the unit is not there (超时).
    Late,
}

/// One checkpoint and the unit holding it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InterceptionPoint {
    /// Position in [`Interception::points`], from 0.
    pub index: usize,
    /// Name of the checkpoint (e.g. the crossing), if given.
    pub label: Option<String>,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// The unit sent.
    pub unit_id: i64,
    /// Its call sign.
    pub call_sign: String,
    /// Its home organisation (sees the record).
    pub unit_org_id: String,
    /// The suspect's earliest time here, in seconds after the crime.
    pub deadline_s: f64,
    /// The same as a time: the crime time plus `deadline_s`; the instruction's deadline.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deadline: Time,
    /// The instruction that sent the unit.
    pub instruction_id: i64,
    /// Board status, derived from the times below.
    pub status: PointStatus,
    /// When the unit signed for the instruction.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub signed_at: Option<Time>,
    /// When the unit was at the checkpoint (position report or its own report).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub arrived_at: Option<Time>,
    /// The unit's feedback on the instruction.
    pub feedback: Option<String>,
    /// When it fed back.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub feedback_at: Option<Time>,
    /// When the deadline passed without the unit there (set once).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub late_at: Option<Time>,
    /// Whether activation moved the unit from available to dispatched (closing frees it again).
    pub committed: bool,
}

impl InterceptionPoint {
    fn refresh(&mut self) {
        self.status = if self.arrived_at.is_some() {
            PointStatus::OnSite
        } else if self.late_at.is_some() {
            PointStatus::Late
        } else if self.signed_at.is_some() {
            PointStatus::Signed
        } else {
            PointStatus::Issued
        };
    }
}

/// An interception as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Interception {
    /// Assigned by the store.
    pub id: i64,
    /// The incident it belongs to, if any.
    pub incident_id: Option<i64>,
    /// The issuer's organisation.
    pub org_id: String,
    /// Username of the issuer.
    pub created_by: String,
    /// When activated.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Time,
    /// The suspect's last known position at the crime time.
    pub origin: LonLat,
    /// Seconds between the crime and the moment units could start.
    pub head_start_s: f64,
    /// Time 0 of the plan: deadlines count from here.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub crime_at: Time,
    /// Active or closed.
    pub status: InterceptionStatus,
    /// How it ended.
    pub outcome: Option<InterceptionOutcome>,
    /// What happened, given on closing.
    pub summary: Option<String>,
    /// When closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
    /// Who closed it.
    pub closed_by: Option<String>,
    /// The checkpoints.
    pub points: Vec<InterceptionPoint>,
    /// Incremented on every change.
    pub version: u64,
}

/// A checkpoint in an activation request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInterceptionPoint {
    /// The unit to send.
    pub unit_id: i64,
    /// Longitude of the checkpoint.
    pub lon: f64,
    /// Latitude of the checkpoint.
    pub lat: f64,
    /// The suspect's earliest time there, seconds after the crime (the plan's `suspect_earliest_s`).
    pub deadline_s: f64,
    /// Name of the checkpoint.
    #[serde(default)]
    pub label: Option<String>,
}

/// The body of an activation request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInterception {
    /// The incident it belongs to.
    #[serde(default)]
    pub incident_id: Option<i64>,
    /// The suspect's last known position.
    pub origin: LonLat,
    /// Seconds between the crime and the moment units could start.
    pub head_start_s: f64,
    /// Time 0 of the plan (the plan answer's `crime_at`); default: now minus the head start.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub crime_at: Option<Time>,
    /// The checkpoints, one unit each.
    pub points: Vec<NewInterceptionPoint>,
}

/// Most checkpoints in one interception.
pub const MAX_POINTS: usize = 200;

fn transition(from: &str, to: &str) -> DomainError {
    DomainError::Transition {
        record: "interception",
        from: from.into(),
        to: to.into(),
    }
}

fn text(field: &str, s: &str, max: usize) -> Result<String, DomainError> {
    let t = s.trim();
    if t.chars().count() > max || t.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} printable characters"),
        ));
    }
    Ok(t.to_owned())
}

impl NewInterception {
    /// Checks the request's own fields; units, jurisdiction and deadlines against the clock are
    /// the caller's (it knows the store and the time).
    pub fn validate(&self) -> Result<(), DomainError> {
        self.origin.validate("origin")?;
        if !(self.head_start_s.is_finite() && (0.0..=86_400.0).contains(&self.head_start_s)) {
            return Err(DomainError::invalid(
                "head_start_s",
                "must be a number of seconds between 0 and 86400",
            ));
        }
        if self.points.is_empty() || self.points.len() > MAX_POINTS {
            return Err(DomainError::invalid(
                "points",
                format!("1 to {MAX_POINTS} checkpoints"),
            ));
        }
        for (i, p) in self.points.iter().enumerate() {
            let f = format!("points[{i}]");
            LonLat {
                lon: p.lon,
                lat: p.lat,
            }
            .validate(&f)?;
            if !(p.deadline_s.is_finite() && p.deadline_s > 0.0 && p.deadline_s <= 86_400.0) {
                return Err(DomainError::invalid(
                    format!("{f}.deadline_s"),
                    "seconds after the crime, above 0 and at most 86400",
                ));
            }
            if let Some(l) = &p.label {
                text(&format!("{f}.label"), l, 60)?;
            }
            if self.points[..i].iter().any(|q| q.unit_id == p.unit_id) {
                return Err(DomainError::invalid(
                    format!("{f}.unit_id"),
                    format!("unit {} holds another checkpoint already", p.unit_id),
                ));
            }
        }
        Ok(())
    }
}

impl Interception {
    fn point(&mut self, index: usize) -> Result<&mut InterceptionPoint, DomainError> {
        if self.status == InterceptionStatus::Closed {
            return Err(transition("closed", "changed"));
        }
        self.points
            .get_mut(index)
            .ok_or_else(|| DomainError::invalid("point", format!("no checkpoint {index}")))
    }

    /// Applies `f` to checkpoint `index`; returns whether anything changed (then the version moves).
    fn change(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut InterceptionPoint) -> bool,
    ) -> Result<bool, DomainError> {
        let p = self.point(index)?;
        let changed = f(p);
        p.refresh();
        if changed {
            self.version += 1;
        }
        Ok(changed)
    }

    /// The unit signed for its instruction.
    pub fn mark_signed(&mut self, index: usize, now: Time) -> Result<bool, DomainError> {
        self.change(index, |p| {
            p.signed_at.is_none() && {
                p.signed_at = Some(now);
                true
            }
        })
    }

    /// The unit is at its checkpoint; only the first arrival counts.
    pub fn mark_arrived(&mut self, index: usize, now: Time) -> Result<bool, DomainError> {
        self.change(index, |p| {
            p.arrived_at.is_none() && {
                p.arrived_at = Some(now);
                true
            }
        })
    }

    /// The unit fed back on its instruction (signing is implied, as for the instruction).
    pub fn mark_feedback(
        &mut self,
        index: usize,
        text: &str,
        now: Time,
    ) -> Result<bool, DomainError> {
        self.change(index, |p| {
            p.signed_at.get_or_insert(now);
            p.feedback = Some(text.to_owned());
            p.feedback_at = Some(now);
            true
        })
    }

    /// The deadline passed with the unit not there; once.
    pub fn mark_late(&mut self, index: usize, now: Time) -> Result<bool, DomainError> {
        self.change(index, |p| {
            p.arrived_at.is_none() && p.late_at.is_none() && now > p.deadline && {
                p.late_at = Some(now);
                true
            }
        })
    }

    /// Ends the interception with its outcome.
    pub fn close(
        &mut self,
        outcome: InterceptionOutcome,
        summary: &str,
        by: &str,
        now: Time,
    ) -> Result<(), DomainError> {
        if self.status == InterceptionStatus::Closed {
            return Err(transition("closed", "closed"));
        }
        let summary = text("summary", summary, 2000)?;
        self.status = InterceptionStatus::Closed;
        self.outcome = Some(outcome);
        self.summary = (!summary.is_empty()).then_some(summary);
        self.closed_at = Some(now);
        self.closed_by = Some(by.to_owned());
        self.version += 1;
        Ok(())
    }
}

/// What activation resolved for one checkpoint (the store knows the unit and the instruction).
#[derive(Debug, Clone)]
pub struct ResolvedPoint {
    /// The request's checkpoint.
    pub new: NewInterceptionPoint,
    /// The unit's call sign.
    pub call_sign: String,
    /// The unit's organisation.
    pub unit_org_id: String,
    /// The instruction sent.
    pub instruction_id: i64,
    /// Whether the unit was moved to dispatched.
    pub committed: bool,
}

impl NewInterception {
    /// Builds the record from resolved checkpoints (in request order).
    pub fn into_interception(
        self,
        id: i64,
        created_by: &str,
        org_id: &str,
        crime_at: Time,
        points: Vec<ResolvedPoint>,
        now: Time,
    ) -> Interception {
        let points = points
            .into_iter()
            .enumerate()
            .map(|(index, r)| {
                let deadline =
                    crime_at + chrono::Duration::milliseconds((r.new.deadline_s * 1000.0) as i64);
                InterceptionPoint {
                    index,
                    label: r
                        .new
                        .label
                        .map(|l| l.trim().to_owned())
                        .filter(|l| !l.is_empty()),
                    lon: r.new.lon,
                    lat: r.new.lat,
                    unit_id: r.new.unit_id,
                    call_sign: r.call_sign,
                    unit_org_id: r.unit_org_id,
                    deadline_s: r.new.deadline_s,
                    deadline,
                    instruction_id: r.instruction_id,
                    status: PointStatus::Issued,
                    signed_at: None,
                    arrived_at: None,
                    feedback: None,
                    feedback_at: None,
                    late_at: None,
                    committed: r.committed,
                }
            })
            .collect();
        Interception {
            id,
            incident_id: self.incident_id,
            org_id: org_id.to_owned(),
            created_by: created_by.to_owned(),
            created_at: now,
            origin: self.origin,
            head_start_s: self.head_start_s,
            crime_at,
            status: InterceptionStatus::Active,
            outcome: None,
            summary: None,
            closed_at: None,
            closed_by: None,
            points,
            version: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> Time {
        chrono::Utc.timestamp_opt(1_790_000_000 + s, 0).unwrap()
    }

    fn new(points: Vec<NewInterceptionPoint>) -> NewInterception {
        NewInterception {
            incident_id: None,
            origin: LonLat {
                lon: 9.52,
                lat: 47.14,
            },
            head_start_s: 120.0,
            crime_at: None,
            points,
        }
    }

    fn pt(unit_id: i64, deadline_s: f64) -> NewInterceptionPoint {
        NewInterceptionPoint {
            unit_id,
            lon: 9.53,
            lat: 47.15,
            deadline_s,
            label: None,
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(new(vec![]).validate().unwrap_err().field(), Some("points"));
        let mut n = new(vec![pt(1, 300.0), pt(1, 400.0)]);
        assert_eq!(n.validate().unwrap_err().field(), Some("points[1].unit_id"));
        n.points[1].unit_id = 2;
        n.points[1].deadline_s = -1.0;
        assert_eq!(
            n.validate().unwrap_err().field(),
            Some("points[1].deadline_s")
        );
        n.points[1].deadline_s = 400.0;
        n.head_start_s = -5.0;
        assert_eq!(n.validate().unwrap_err().field(), Some("head_start_s"));
        n.head_start_s = 60.0;
        n.origin.lat = 95.0;
        assert_eq!(n.validate().unwrap_err().field(), Some("origin.lat"));
        n.origin.lat = 47.0;
        n.validate().unwrap();
    }

    #[test]
    fn a_checkpoint_moves_from_issued_to_on_site_and_lateness_counts_once() {
        let r = |unit: i64, d: f64| ResolvedPoint {
            new: pt(unit, d),
            call_sign: format!("U{unit}"),
            unit_org_id: "s1".into(),
            instruction_id: unit,
            committed: true,
        };
        let n = new(vec![pt(1, 300.0), pt(2, 400.0)]);
        let mut i = n.into_interception(
            1,
            "boss",
            "city",
            t(0),
            vec![r(1, 300.0), r(2, 400.0)],
            t(120),
        );
        assert_eq!(i.points[0].deadline, t(300));
        assert_eq!(i.points[0].status, PointStatus::Issued);
        assert!(i.mark_signed(0, t(130)).unwrap());
        assert!(!i.mark_signed(0, t(131)).unwrap());
        assert_eq!(i.points[0].status, PointStatus::Signed);
        assert!(!i.mark_late(0, t(299)).unwrap(), "not before the deadline");
        assert!(i.mark_arrived(0, t(250)).unwrap());
        assert!(!i.mark_late(0, t(400)).unwrap(), "arrived in time");
        assert_eq!(i.points[0].status, PointStatus::OnSite);
        assert!(i.mark_late(1, t(401)).unwrap());
        assert!(!i.mark_late(1, t(402)).unwrap());
        assert_eq!(i.points[1].status, PointStatus::Late);
        assert!(i.mark_arrived(1, t(410)).unwrap());
        assert_eq!(i.points[1].status, PointStatus::OnSite);
        assert_eq!(
            i.points[1].late_at,
            Some(t(401)),
            "lateness stays on record"
        );
        i.close(InterceptionOutcome::Caught, "在卡点抓获", "boss", t(500))
            .unwrap();
        assert!(i.mark_arrived(1, t(501)).is_err());
        assert!(i
            .close(InterceptionOutcome::Lost, "", "boss", t(502))
            .is_err());
    }
}
