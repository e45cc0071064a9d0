//! The figures of command work over a period for one jurisdiction: calls, incidents by type,
//! response times, instructions signed and overdue. The daily bulletin (通报) shows them; the
//! monthly assessment scores from the same definitions, so the two never disagree.
//!
//! Pure: the caller reads the records (the store's `projections::period_records`) and passes
//! the clock.

use std::collections::HashSet;

use serde::Serialize;

use crate::{codes, Assignment, Incident, IncidentStatus, Instruction, InstructionStatus};
use crate::{RecipientStatus, Time};

/// Summary of a set of durations.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Durations {
    /// How many measured.
    pub n: usize,
    /// Median, seconds.
    pub median_s: Option<f64>,
    /// 90th percentile (nearest rank), seconds.
    pub p90_s: Option<f64>,
    /// Mean, seconds.
    pub mean_s: Option<f64>,
}

impl Durations {
    /// The summary of `v` (seconds; any order).
    pub fn of(mut v: Vec<f64>) -> Self {
        if v.is_empty() {
            return Self::default();
        }
        v.sort_by(f64::total_cmp);
        let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        Durations {
            n: v.len(),
            median_s: Some(at(0.5)),
            p90_s: Some(at(0.9)),
            mean_s: Some(v.iter().sum::<f64>() / v.len() as f64),
        }
    }
}

/// What became of the instructions issued in the period that concern the jurisdiction.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstructionFigures {
    /// Issued by, or addressed to, an organisation of the jurisdiction.
    pub issued: usize,
    /// Recipients within the jurisdiction.
    pub recipients: usize,
    /// Of those, signed by the deadline.
    pub signed_in_time: usize,
    /// Of those, done after the deadline, or not done and past it.
    pub overdue: usize,
    /// Instructions closed with an outcome.
    pub closed: usize,
}

/// Incidents of one type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypeCount {
    /// Type code.
    pub code: String,
    /// Chinese label.
    pub zh: String,
    /// English label.
    pub en: String,
    /// How many.
    pub count: usize,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Instructions.
    pub instructions: InstructionFigures,
    /// Every call received, duplicates included.
    pub calls_received: usize,
    /// Calls merged into another incident as duplicates; not counted as incidents.
    pub duplicate_calls: usize,
    /// Incidents (calls that are not duplicates).
    pub incidents_total: usize,
    /// Of those, closed.
    pub incidents_closed: usize,
    /// Incidents by type, every documented type listed.
    pub incidents_by_type: Vec<TypeCount>,
    /// From the call to the first unit sent.
    pub call_to_dispatch: Durations,
    /// From sending a unit to its arrival on scene.
    pub dispatch_to_arrival: Durations,
}

fn secs(a: Time, b: Time) -> f64 {
    (b - a).num_milliseconds() as f64 / 1000.0
}

impl Figures {
    /// The figures of the incidents received in the period (with their assignments, in the same
    /// order) and the instructions issued in it, for the organisations in `within`, as known at
    /// `now` (an instruction not done is overdue only once its deadline has passed).
    pub fn compute(
        incidents: &[(Incident, Vec<Assignment>)],
        instructions: &[Instruction],
        within: &HashSet<String>,
        now: Time,
    ) -> Figures {
        // A call merged into another incident is the same event reported twice: it counts as a
        // call received, never as a second incident (nor in the type mix or the response times).
        let calls_received = incidents.len();
        let real: Vec<&(Incident, Vec<Assignment>)> = incidents
            .iter()
            .filter(|(i, _)| i.merged_into.is_none())
            .collect();
        let mut by_type: Vec<TypeCount> = codes::INCIDENT_TYPES
            .iter()
            .map(|t| TypeCount {
                code: t.code.into(),
                zh: t.zh.into(),
                en: t.en.into(),
                count: 0,
            })
            .collect();
        let mut c2d = Vec::new();
        let mut d2a = Vec::new();
        for (inc, asg) in &real {
            if let Some(t) = by_type.iter_mut().find(|t| t.code == inc.kind) {
                t.count += 1;
            }
            if let Some(first) = asg.iter().map(|a| a.assigned_at).min() {
                c2d.push(secs(inc.received_at, first));
            }
            for a in asg {
                if let Some(on) = a.on_scene_at {
                    d2a.push(secs(a.assigned_at, on));
                }
            }
        }
        let mut fig = InstructionFigures::default();
        for ins in instructions {
            let mine: Vec<_> = ins
                .recipients
                .iter()
                .filter(|r| within.contains(&r.org_id))
                .collect();
            if !within.contains(&ins.issuer_org_id) && mine.is_empty() {
                continue;
            }
            fig.issued += 1;
            if ins.status == InstructionStatus::Closed {
                fig.closed += 1;
            }
            for r in mine {
                fig.recipients += 1;
                if r.signed_at.is_some_and(|s| s <= ins.deadline) {
                    fig.signed_in_time += 1;
                }
                let done_at = if ins.feedback_required {
                    r.feedback_at
                } else {
                    r.signed_at
                };
                let late = match done_at {
                    Some(d) => d > ins.deadline,
                    None => r.status != RecipientStatus::Done && now > ins.deadline,
                };
                if late {
                    fig.overdue += 1;
                }
            }
        }
        Figures {
            instructions: fig,
            calls_received,
            duplicate_calls: calls_received - real.len(),
            incidents_total: real.len(),
            incidents_closed: real
                .iter()
                .filter(|(i, _)| i.status == IncidentStatus::Closed)
                .count(),
            incidents_by_type: by_type,
            call_to_dispatch: Durations::of(c2d),
            dispatch_to_arrival: Durations::of(d2a),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_nearest_rank_percentiles() {
        let d = Durations::of(vec![5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(d.n, 5);
        assert_eq!(d.median_s, Some(3.0));
        assert_eq!(d.p90_s, Some(5.0));
        assert_eq!(d.mean_s, Some(3.0));
        assert_eq!(Durations::of(vec![]), Durations::default());
    }
}
