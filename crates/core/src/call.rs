//! Telephone calls (来电) as the telephone system (CTI) reports them: a call rings on a line with
//! the caller's number (ANI) and, when the network gives it, the handset's location (AML/ALI); a
//! call-taker answers it; it ends, or the caller hangs up before anyone answered (abandoned, a
//! call to ring back). The call-taker's console fills the new-incident form from the answered
//! call, and the incident recorded from it names the call (`source_ref: "call:ID"`).
//!
//! State machine: `ringing → answered → ended`, `ringing → abandoned`. The handset location may
//! arrive or improve at any time before the call is over.

use serde::{Deserialize, Serialize};

use crate::{DomainError, IncidentSource, LonLat, Time};

/// The emergency line a call came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Line {
    /// 110, the police.
    #[serde(rename = "110")]
    Police,
    /// 119, the fire service, transferred.
    #[serde(rename = "119")]
    Fire,
    /// 122, the traffic police, transferred.
    #[serde(rename = "122")]
    Traffic,
}

impl Line {
    /// The incident source a call on this line records as.
    pub fn source(&self) -> IncidentSource {
        match self {
            Line::Police => IncidentSource::Call110,
            Line::Fire => IncidentSource::Transfer119,
            Line::Traffic => IncidentSource::Transfer122,
        }
    }
}

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Ringing, nobody has answered.
    Ringing,
    /// A call-taker is talking to the caller.
    Answered,
    /// Over after an answer.
    Ended,
    /// The caller hung up before an answer (ring back).
    Abandoned,
}

impl CallState {
    /// The snake_case code (also the `calls.state` column).
    pub fn as_str(&self) -> &'static str {
        match self {
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Ended => "ended",
            CallState::Abandoned => "abandoned",
        }
    }

    /// Whether the call is over.
    pub fn is_over(&self) -> bool {
        matches!(self, CallState::Ended | CallState::Abandoned)
    }
}

/// A call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    /// Zhihui's id.
    pub id: i64,
    /// The telephone system's id of the call (unique).
    pub external_id: String,
    /// The line it came in on.
    pub line: Line,
    /// The caller's number (ANI); personal data, masked outside an audited read.
    pub caller_number: String,
    /// The handset's location, if the network gave one.
    #[serde(default)]
    pub location: Option<LonLat>,
    /// How far off the location may be, in metres.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// The command centre that took the call.
    pub org_id: String,
    /// Where it is.
    pub state: CallState,
    /// When it started ringing.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub rang_at: Time,
    /// When it was answered.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub answered_at: Option<Time>,
    /// Who answered (username).
    #[serde(default)]
    pub answered_by: Option<String>,
    /// When it was over.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<Time>,
    /// The incidents recorded from it.
    #[serde(default)]
    pub incident_ids: Vec<i64>,
    /// Bumped on every change.
    pub version: i64,
}

/// What the telephone system says happened to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallEvent {
    /// It started ringing (creates the call).
    Ring,
    /// The handset location arrived or improved.
    Locate,
    /// A call-taker answered (`agent` names them).
    Answer,
    /// It is over (ended after an answer, abandoned before).
    End,
}

/// A report from the telephone system (`POST /api/v1/telephony/calls`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CallReport {
    /// The telephone system's id of the call (1 to 100 characters).
    pub call_id: String,
    /// What happened.
    pub event: CallEvent,
    /// The line (on `ring`; default 110).
    #[serde(default)]
    pub line: Option<Line>,
    /// The caller's number (required on `ring`): digits, optionally a leading `+`, 3 to 20.
    #[serde(default)]
    pub caller_number: Option<String>,
    /// The handset's location (on `ring` or `locate`).
    #[serde(default)]
    pub location: Option<LonLat>,
    /// Its accuracy in metres (0 to 50 000).
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// Who answered (username; required on `answer`).
    #[serde(default)]
    pub agent: Option<String>,
    /// When it happened per the telephone system; default: when Zhihui received it. At most a
    /// day in the past and never in the future.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub at: Option<Time>,
}

fn validate_number(n: &str) -> Result<String, DomainError> {
    let n = n.trim();
    let digits = n.strip_prefix('+').unwrap_or(n);
    if !(3..=20).contains(&digits.len()) || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(DomainError::invalid(
            "caller_number",
            "3 to 20 digits, optionally after a +",
        ));
    }
    Ok(n.to_owned())
}

impl CallReport {
    /// Checks the fields that do not need the stored call; returns when it happened.
    pub fn validate(&self, now: Time) -> Result<Time, DomainError> {
        let id = self.call_id.trim();
        if id.is_empty() || id.chars().count() > 100 {
            return Err(DomainError::invalid("call_id", "1 to 100 characters"));
        }
        if let Some(n) = &self.caller_number {
            validate_number(n)?;
        }
        if self.event == CallEvent::Ring && self.caller_number.is_none() {
            return Err(DomainError::invalid(
                "caller_number",
                "required on ring (use the number the network gives, or 0 for withheld)",
            ));
        }
        if let Some(l) = &self.location {
            l.validate("location")?;
        }
        if self.event == CallEvent::Locate && self.location.is_none() {
            return Err(DomainError::invalid("location", "required on locate"));
        }
        if let Some(a) = self.accuracy_m {
            if !(a.is_finite() && (0.0..=50_000.0).contains(&a)) {
                return Err(DomainError::invalid("accuracy_m", "0 to 50000 metres"));
            }
        }
        if self.event == CallEvent::Answer
            && self.agent.as_deref().is_none_or(|a| a.trim().is_empty())
        {
            return Err(DomainError::invalid(
                "agent",
                "required on answer: who answered",
            ));
        }
        let at = self.at.unwrap_or(now);
        if at > now + chrono::Duration::seconds(5) {
            return Err(DomainError::invalid("at", "in the future"));
        }
        if at < now - chrono::Duration::days(1) {
            return Err(DomainError::invalid("at", "more than a day ago"));
        }
        Ok(at)
    }

    /// The call a `ring` report opens.
    pub fn into_call(self, id: i64, org_id: &str, at: Time) -> Result<Call, DomainError> {
        let number = validate_number(self.caller_number.as_deref().unwrap_or(""))?;
        Ok(Call {
            id,
            external_id: self.call_id.trim().to_owned(),
            line: self.line.unwrap_or(Line::Police),
            caller_number: number,
            location: self.location,
            accuracy_m: self.accuracy_m,
            org_id: org_id.to_owned(),
            state: CallState::Ringing,
            rang_at: at,
            answered_at: None,
            answered_by: None,
            ended_at: None,
            incident_ids: Vec::new(),
            version: 1,
        })
    }
}

impl Call {
    fn transition(&self, to: &str) -> DomainError {
        DomainError::Transition {
            record: "call",
            from: self.state.as_str().to_owned(),
            to: to.to_owned(),
        }
    }

    /// The handset location arrived or improved (ignored once the call is over: too late to help
    /// the form, and the record stays as it was when it ended).
    pub fn locate(&mut self, at: LonLat, accuracy_m: Option<f64>) -> Result<(), DomainError> {
        if self.state.is_over() {
            return Err(self.transition("located"));
        }
        self.location = Some(at);
        self.accuracy_m = accuracy_m;
        self.version += 1;
        Ok(())
    }

    /// `agent` answered.
    pub fn answer(&mut self, agent: &str, at: Time) -> Result<(), DomainError> {
        if self.state != CallState::Ringing {
            return Err(self.transition("answered"));
        }
        self.state = CallState::Answered;
        self.answered_at = Some(at.max(self.rang_at));
        self.answered_by = Some(agent.to_owned());
        self.version += 1;
        Ok(())
    }

    /// The call is over: ended after an answer, abandoned before one.
    pub fn end(&mut self, at: Time) -> Result<(), DomainError> {
        self.state = match self.state {
            CallState::Ringing => CallState::Abandoned,
            CallState::Answered => CallState::Ended,
            _ => return Err(self.transition("ended")),
        };
        self.ended_at = Some(at.max(self.rang_at));
        self.version += 1;
        Ok(())
    }

    /// Links an incident recorded from the call.
    pub fn link(&mut self, incident_id: i64) {
        if !self.incident_ids.contains(&incident_id) {
            self.incident_ids.push(incident_id);
            self.version += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Time {
        "2026-12-07T08:00:00Z".parse::<Time>().unwrap() + chrono::Duration::seconds(s)
    }

    fn ring(number: &str) -> CallReport {
        CallReport {
            call_id: "cti-1".into(),
            event: CallEvent::Ring,
            line: None,
            caller_number: Some(number.into()),
            location: Some(LonLat {
                lon: 112.24,
                lat: 30.33,
            }),
            accuracy_m: Some(25.0),
            agent: None,
            at: None,
        }
    }

    #[test]
    fn a_ring_opens_a_ringing_110_call() {
        let r = ring("13800138000");
        let at = r.validate(t(0)).unwrap();
        let c = r.into_call(1, "jz", at).unwrap();
        assert_eq!(
            (c.state, c.line, c.rang_at),
            (CallState::Ringing, Line::Police, t(0))
        );
        assert_eq!(c.line.source(), IncidentSource::Call110);
    }

    #[test]
    fn bad_reports_name_their_field() {
        let field = |r: CallReport| r.validate(t(0)).unwrap_err().field().map(str::to_owned);
        assert_eq!(field(ring("13a")).as_deref(), Some("caller_number"));
        let mut r = ring("110");
        r.caller_number = None;
        assert_eq!(field(r).as_deref(), Some("caller_number"));
        let mut r = ring("13800138000");
        r.event = CallEvent::Answer;
        assert_eq!(field(r).as_deref(), Some("agent"));
        let mut r = ring("13800138000");
        r.at = Some(t(60));
        assert_eq!(field(r).as_deref(), Some("at"));
        let mut r = ring("13800138000");
        r.accuracy_m = Some(-1.0);
        assert_eq!(field(r).as_deref(), Some("accuracy_m"));
        let mut r = ring("13800138000");
        r.call_id = " ".into();
        assert_eq!(field(r).as_deref(), Some("call_id"));
    }

    #[test]
    fn answered_then_ended_or_abandoned_and_nothing_after() {
        let mut c = ring("13800138000").into_call(1, "jz", t(0)).unwrap();
        c.answer("disp", t(8)).unwrap();
        assert!(c.answer("other", t(9)).is_err(), "answered once");
        c.end(t(90)).unwrap();
        assert_eq!(c.state, CallState::Ended);
        assert!(c.end(t(91)).is_err());
        assert!(c
            .locate(
                LonLat {
                    lon: 112.0,
                    lat: 30.0
                },
                None
            )
            .is_err());
        let mut gone = ring("13800138000").into_call(2, "jz", t(0)).unwrap();
        gone.end(t(20)).unwrap();
        assert_eq!(gone.state, CallState::Abandoned);
        assert!(gone.answer("disp", t(21)).is_err());
    }
}
