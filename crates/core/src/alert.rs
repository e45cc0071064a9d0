//! Alerts (告警) and their closed loop: raised by a timer of the store, owned by an organisation,
//! taken by a person (acknowledged), ended with an outcome (resolved), and escalated to the duty
//! leader when a critical one stays untaken.
//!
//! Severity follows a fixed table ([`severity_of`]) so that the console, the toasts and the
//! escalation agree on what matters most:
//!
//! | kind                  | severity                                   |
//! |-----------------------|--------------------------------------------|
//! | `post_empty`          | critical (a security post nobody holds)    |
//! | `unsigned`            | critical on a P1 incident, else major      |
//! | `late_arrival`        | critical on a P1 incident, else major      |
//! | `opinion_overdue`     | critical for high self-harm (priority 1)   |
//! | `instruction_overdue` | minor (it already went to the superior)    |
//! | `post_late`           | minor                                      |
//! | anything else         | major                                      |
//!
//! A repeated alert about the same thing (the same `group`: a post lapsing again, say) does not
//! make a new alert while the first is not resolved: it counts up on it. After a resolution the
//! next one opens a new alert.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Time};

/// How urgently an alert needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look when there is time.
    Minor,
    /// A dispatcher should act; shown as a toast.
    Major,
    /// Someone may be at risk now: toast, sound, and escalation to the duty leader if untaken.
    Critical,
}

impl Severity {
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Major => "major",
            Severity::Critical => "critical",
        }
    }
}

/// Where an alert is in its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Raised, nobody has taken it.
    New,
    /// A person has taken it and owns it.
    Acknowledged,
    /// Ended, with who and an optional note.
    Resolved,
}

impl AlertState {
    /// The snake_case code (also the `alerts.state` column).
    pub fn as_str(&self) -> &'static str {
        match self {
            AlertState::New => "new",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
        }
    }
}

/// Who did something to an alert, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stamp {
    /// Username.
    pub by: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Time,
    /// What they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An escalation to the duty leader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Escalation {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Time,
    /// The organisation whose duty leader it went to.
    pub to_org_id: String,
}

/// An alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    /// Id.
    pub id: i64,
    /// What happened (`unsigned`, `late_arrival`, `instruction_overdue`, `post_late`, …).
    pub kind: String,
    /// The occurrence it was raised for last (`assignment:12`, `post:3:lapse:2`).
    pub subject: String,
    /// The thing repeated alerts group on (`assignment:12`, `post:3`).
    #[serde(default)]
    pub group: String,
    /// The organisation that owns it (whose dispatchers see and work it).
    pub org_id: String,
    /// How urgent.
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// Where it is in its loop.
    #[serde(default = "default_state")]
    pub state: AlertState,
    /// The text in the command centre's language (the console words it from `kind` + `data`).
    pub message: String,
    /// Every parameter of the text and the records it is about.
    pub data: serde_json::Value,
    /// When it was first raised.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub raised_at: Time,
    /// When it was last raised again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_raised_at: Option<Time>,
    /// How many times it was raised.
    #[serde(default = "one")]
    pub count: u32,
    /// Who took it (its owner from then on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<Stamp>,
    /// Who ended it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Stamp>,
    /// Whether and to whom it escalated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated: Option<Escalation>,
    /// Bumped on every change.
    #[serde(default)]
    pub version: i64,
}

fn default_severity() -> Severity {
    Severity::Major
}
fn default_state() -> AlertState {
    AlertState::New
}
fn one() -> u32 {
    1
}

/// A critical alert nobody has taken escalates to the duty leader after this many seconds.
pub const ESCALATE_AFTER_S: i64 = 120;

/// The severity of an alert of `kind` about an incident of `priority` (1 = highest), per the
/// table in the module documentation.
pub fn severity_of(kind: &str, priority: Option<u8>) -> Severity {
    match kind {
        "post_empty" => Severity::Critical,
        "unsigned" | "late_arrival" | "opinion_overdue" if priority == Some(1) => {
            Severity::Critical
        }
        "instruction_overdue" | "post_late" => Severity::Minor,
        _ => Severity::Major,
    }
}

impl Alert {
    /// Whether it still needs someone (not resolved).
    pub fn is_open(&self) -> bool {
        self.state != AlertState::Resolved
    }

    /// The username that owns it: whoever acknowledged it.
    pub fn owner(&self) -> Option<&str> {
        self.acknowledged.as_ref().map(|s| s.by.as_str())
    }

    /// The same thing happened again: count it on this alert, with the newest occurrence's
    /// subject, text and data. An acknowledged alert stays with its owner.
    pub fn repeat(&mut self, subject: &str, message: &str, data: serde_json::Value, now: Time) {
        self.subject = subject.to_owned();
        self.message = message.to_owned();
        self.data = data;
        self.count += 1;
        self.last_raised_at = Some(now);
        self.version += 1;
    }

    /// `by` takes the alert. Taking an alert one already took is refused, as is taking a resolved
    /// one; taking one someone else took moves it to `by` (a colleague steps in).
    pub fn acknowledge(
        &mut self,
        by: &str,
        note: Option<String>,
        now: Time,
    ) -> Result<(), DomainError> {
        match self.state {
            AlertState::Resolved => return Err(self.transition("acknowledged")),
            AlertState::Acknowledged if self.owner() == Some(by) => {
                return Err(self.transition("acknowledged"))
            }
            _ => {}
        }
        self.state = AlertState::Acknowledged;
        self.acknowledged = Some(Stamp {
            by: by.to_owned(),
            at: now,
            note,
        });
        self.version += 1;
        Ok(())
    }

    /// `by` ends the alert (taking it on the way if nobody had).
    pub fn resolve(
        &mut self,
        by: &str,
        note: Option<String>,
        now: Time,
    ) -> Result<(), DomainError> {
        if self.state == AlertState::Resolved {
            return Err(self.transition("resolved"));
        }
        if self.acknowledged.is_none() {
            self.acknowledged = Some(Stamp {
                by: by.to_owned(),
                at: now,
                note: None,
            });
        }
        self.state = AlertState::Resolved;
        self.resolved = Some(Stamp {
            by: by.to_owned(),
            at: now,
            note,
        });
        self.version += 1;
        Ok(())
    }

    /// Whether it is due to escalate at `now`: critical, untaken, not escalated yet, and raised
    /// at least [`ESCALATE_AFTER_S`] ago.
    pub fn escalation_due(&self, now: Time) -> bool {
        self.severity == Severity::Critical
            && self.state == AlertState::New
            && self.escalated.is_none()
            && (now - self.raised_at).num_seconds() >= ESCALATE_AFTER_S
    }

    /// Marks it escalated to the duty leader of `to_org_id`.
    pub fn escalate(&mut self, to_org_id: &str, now: Time) {
        self.escalated = Some(Escalation {
            at: now,
            to_org_id: to_org_id.to_owned(),
        });
        self.version += 1;
    }

    fn transition(&self, to: &str) -> DomainError {
        DomainError::Transition {
            record: "alert",
            from: self.state.as_str().to_owned(),
            to: to.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(kind: &str, priority: Option<u8>) -> Alert {
        Alert {
            id: 1,
            kind: kind.into(),
            subject: "assignment:1".into(),
            group: "assignment:1".into(),
            org_id: "s1".into(),
            severity: severity_of(kind, priority),
            state: AlertState::New,
            message: "m".into(),
            data: serde_json::json!({}),
            raised_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            last_raised_at: None,
            count: 1,
            acknowledged: None,
            resolved: None,
            escalated: None,
            version: 1,
        }
    }

    #[test]
    fn severity_follows_the_table() {
        assert_eq!(severity_of("unsigned", Some(1)), Severity::Critical);
        assert_eq!(severity_of("unsigned", Some(2)), Severity::Major);
        assert_eq!(severity_of("late_arrival", Some(1)), Severity::Critical);
        assert_eq!(severity_of("post_empty", None), Severity::Critical);
        assert_eq!(severity_of("post_late", None), Severity::Minor);
        assert_eq!(severity_of("instruction_overdue", None), Severity::Minor);
        assert_eq!(severity_of("something_new", None), Severity::Major);
    }

    #[test]
    fn loop_new_acknowledged_resolved() {
        let t0: Time = "2026-01-01T00:01:00Z".parse().unwrap();
        let mut a = alert("unsigned", Some(1));
        a.acknowledge("li", None, t0).unwrap();
        assert_eq!(a.owner(), Some("li"));
        assert!(
            a.acknowledge("li", None, t0).is_err(),
            "taken twice by the same person"
        );
        a.acknowledge("wang", Some("我来".into()), t0).unwrap();
        assert_eq!(a.owner(), Some("wang"));
        a.resolve("wang", Some("已联系".into()), t0).unwrap();
        assert!(!a.is_open());
        assert!(a.resolve("wang", None, t0).is_err());
        assert!(a.acknowledge("li", None, t0).is_err());
    }

    #[test]
    fn resolving_an_untaken_alert_takes_it() {
        let t0: Time = "2026-01-01T00:01:00Z".parse().unwrap();
        let mut a = alert("post_late", None);
        a.resolve("li", None, t0).unwrap();
        assert_eq!(a.owner(), Some("li"));
    }

    #[test]
    fn only_untaken_critical_alerts_escalate_and_only_once() {
        let raised: Time = "2026-01-01T00:00:00Z".parse().unwrap();
        let early = raised + chrono::Duration::seconds(ESCALATE_AFTER_S - 1);
        let due = raised + chrono::Duration::seconds(ESCALATE_AFTER_S);
        let mut a = alert("unsigned", Some(1));
        assert!(!a.escalation_due(early));
        assert!(a.escalation_due(due));
        a.escalate("city", due);
        assert!(!a.escalation_due(due), "once");
        assert!(
            !alert("unsigned", Some(3)).escalation_due(due),
            "major alerts do not escalate"
        );
        let mut taken = alert("unsigned", Some(1));
        taken.acknowledge("li", None, early).unwrap();
        assert!(!taken.escalation_due(due), "a taken alert has its owner");
    }

    #[test]
    fn repeats_count_on_one_alert() {
        let t: Time = "2026-01-01T00:05:00Z".parse().unwrap();
        let mut a = alert("post_late", None);
        a.repeat(
            "post:3:lapse:2",
            "again",
            serde_json::json!({"lapse": 2}),
            t,
        );
        assert_eq!(
            (a.count, a.subject.as_str(), a.last_raised_at),
            (2, "post:3:lapse:2", Some(t))
        );
    }

    #[test]
    fn documents_from_before_the_loop_read_as_new_major_alerts() {
        let a: Alert = serde_json::from_value(serde_json::json!({
            "id": 4, "kind": "unsigned", "subject": "assignment:9", "org_id": "s1",
            "message": "x", "raised_at": "2026-01-01T00:00:00Z", "data": {}
        }))
        .unwrap();
        assert_eq!(
            (a.state, a.severity, a.count),
            (AlertState::New, Severity::Major, 1)
        );
    }
}
