//! Instructions (指令): an order from command to organisations or units, copied to supervision,
//! signed for, fed back on, chased when overdue and closed with an outcome.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Time};

/// Open until the issuer closes it with an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstructionStatus {
    /// Being worked on.
    Open,
    /// Closed with an outcome.
    Closed,
}

/// Where one recipient stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecipientStatus {
    /// Not yet signed for.
    Pending,
    /// Signed for (签收), feedback still due.
    Signed,
    /// Done: signed, and fed back where feedback is required.
    Done,
}

/// One addressee of an instruction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recipient {
    /// `org:ID` or `unit:ID`.
    pub target: String,
    /// Display name (organisation name or call sign).
    pub name: String,
    /// The organisation responsible: the organisation itself, or the unit's home organisation.
    pub org_id: String,
    /// Where it stands.
    pub status: RecipientStatus,
    /// When signed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub signed_at: Option<Time>,
    /// Who signed.
    pub signed_by: Option<String>,
    /// The feedback text (反馈).
    pub feedback: Option<String>,
    /// When fed back.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub feedback_at: Option<Time>,
}

/// A text the system wrote (an instruction it issued, a remark), as a code and its parameters,
/// so that each console words it in its own language. The record keeps its plain text as well
/// (Chinese, the command centre's language) for channels without a dictionary: SMS, exports, a
/// console older than the code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coded {
    /// What kind of text, e.g. `interception.checkpoint`.
    pub code: String,
    /// Its parameters (names, times as RFC 3339, coordinates), an object.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: serde_json::Value,
}

impl Coded {
    /// A code with its parameters.
    pub fn new(code: &str, params: serde_json::Value) -> Self {
        Self {
            code: code.to_owned(),
            params,
        }
    }
}

/// An instruction as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instruction {
    /// Assigned by the store.
    pub id: i64,
    /// Short title.
    pub title: String,
    /// Full text.
    pub body: String,
    /// Title and text as a code with parameters, when the system wrote them (an interception's
    /// checkpoint order, a post order); absent for an instruction written by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Coded>,
    /// Username of the issuer.
    pub issued_by: String,
    /// The issuer's organisation.
    pub issuer_org_id: String,
    /// When issued.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub issued_at: Time,
    /// When every recipient must be done.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deadline: Time,
    /// Whether recipients must feed back (else signing completes their part).
    pub feedback_required: bool,
    /// The incident it concerns, if any.
    pub incident_id: Option<i64>,
    /// The record that issued it, `type:id` (`interception:12`, `event:3`,
    /// `plan_activation:5`); `None` for an instruction written by hand. Domains follow the answers
    /// to their own instructions by this.
    #[serde(default)]
    pub origin: Option<String>,
    /// Open or closed.
    pub status: InstructionStatus,
    /// The outcome given on closing.
    pub outcome: Option<String>,
    /// When closed.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
    /// When it escalated for being overdue (it does so once).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub escalated_at: Option<Time>,
    /// Addressees.
    pub recipients: Vec<Recipient>,
    /// Incremented on every change.
    pub version: u64,
}

/// An addressee in a create request: exactly one of the two.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// An organisation.
    pub org_id: Option<String>,
    /// A unit.
    pub unit_id: Option<i64>,
}

/// The body of a create request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInstruction {
    /// Short title.
    pub title: String,
    /// Full text.
    #[serde(default)]
    pub body: String,
    /// Addressees.
    pub targets: Vec<Target>,
    /// Deadline.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deadline: Time,
    /// Whether feedback is required.
    #[serde(default)]
    pub feedback_required: bool,
    /// Related incident.
    #[serde(default)]
    pub incident_id: Option<i64>,
    /// Title and text as a code, when the system writes them; never taken from a request.
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub text: Option<Coded>,
}

fn text(field: &str, s: &str, min: usize, max: usize) -> Result<String, DomainError> {
    let t = s.trim();
    let n = t.chars().count();
    if n < min || n > max {
        return Err(DomainError::invalid(
            field,
            format!("{min} to {max} characters"),
        ));
    }
    Ok(t.to_owned())
}

impl NewInstruction {
    /// Checks the request's own fields (targets are resolved by the caller, who knows the tree).
    pub fn validate(&self, now: Time) -> Result<(), DomainError> {
        text("title", &self.title, 1, 100)?;
        text("body", &self.body, 0, 4000)?;
        if self.targets.is_empty() || self.targets.len() > 200 {
            return Err(DomainError::invalid("targets", "1 to 200 addressees"));
        }
        for (i, t) in self.targets.iter().enumerate() {
            if t.org_id.is_some() == t.unit_id.is_some() {
                return Err(DomainError::invalid(
                    format!("targets[{i}]"),
                    "give exactly one of org_id or unit_id",
                ));
            }
        }
        if self.deadline <= now {
            return Err(DomainError::invalid("deadline", "must lie in the future"));
        }
        Ok(())
    }

    /// Builds the record from resolved recipients.
    pub fn into_instruction(
        self,
        id: i64,
        issued_by: &str,
        issuer_org_id: &str,
        recipients: Vec<Recipient>,
        now: Time,
    ) -> Instruction {
        Instruction {
            id,
            title: self.title.trim().to_owned(),
            body: self.body.trim().to_owned(),
            text: self.text,
            issued_by: issued_by.to_owned(),
            issuer_org_id: issuer_org_id.to_owned(),
            issued_at: now,
            deadline: self.deadline,
            feedback_required: self.feedback_required,
            incident_id: self.incident_id,
            origin: None,
            status: InstructionStatus::Open,
            outcome: None,
            closed_at: None,
            escalated_at: None,
            recipients,
            version: 1,
        }
    }
}

impl Instruction {
    fn open_recipient(&mut self, target: &str) -> Result<&mut Recipient, DomainError> {
        if self.status == InstructionStatus::Closed {
            return Err(DomainError::Transition {
                record: "instruction",
                from: "closed".into(),
                to: "changed".into(),
            });
        }
        self.recipients
            .iter_mut()
            .find(|r| r.target == target)
            .ok_or_else(|| {
                DomainError::invalid("target", format!("`{target}` is not an addressee"))
            })
    }

    /// A recipient signs for the instruction (签收).
    pub fn sign(&mut self, target: &str, by: &str, now: Time) -> Result<(), DomainError> {
        let needs_feedback = self.feedback_required;
        let r = self.open_recipient(target)?;
        if r.status != RecipientStatus::Pending {
            return Err(DomainError::Transition {
                record: "instruction recipient",
                from: "signed".into(),
                to: "signed".into(),
            });
        }
        r.signed_at = Some(now);
        r.signed_by = Some(by.to_owned());
        r.status = if needs_feedback {
            RecipientStatus::Signed
        } else {
            RecipientStatus::Done
        };
        self.version += 1;
        Ok(())
    }

    /// A recipient feeds back (反馈); signing is implied if it had not happened.
    pub fn feedback(
        &mut self,
        target: &str,
        by: &str,
        body: &str,
        now: Time,
    ) -> Result<(), DomainError> {
        let body = text("text", body, 1, 4000)?;
        let r = self.open_recipient(target)?;
        if r.signed_at.is_none() {
            r.signed_at = Some(now);
            r.signed_by = Some(by.to_owned());
        }
        r.feedback = Some(body);
        r.feedback_at = Some(now);
        r.status = RecipientStatus::Done;
        self.version += 1;
        Ok(())
    }

    /// The issuer closes it with an outcome.
    pub fn close(&mut self, outcome: &str, now: Time) -> Result<(), DomainError> {
        if self.status == InstructionStatus::Closed {
            return Err(DomainError::Transition {
                record: "instruction",
                from: "closed".into(),
                to: "closed".into(),
            });
        }
        self.outcome = Some(text("outcome", outcome, 1, 4000)?);
        self.status = InstructionStatus::Closed;
        self.closed_at = Some(now);
        self.version += 1;
        Ok(())
    }

    /// Recipients not done although the deadline has passed.
    pub fn late_recipients(&self, now: Time) -> Vec<&Recipient> {
        if self.status == InstructionStatus::Closed || now <= self.deadline {
            return Vec::new();
        }
        self.recipients
            .iter()
            .filter(|r| r.status != RecipientStatus::Done)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> Time {
        chrono::Utc.timestamp_opt(1_790_000_000 + s, 0).unwrap()
    }

    fn instr(feedback: bool) -> Instruction {
        let r = |id: &str| Recipient {
            target: format!("org:{id}"),
            name: id.into(),
            org_id: id.into(),
            status: RecipientStatus::Pending,
            signed_at: None,
            signed_by: None,
            feedback: None,
            feedback_at: None,
        };
        NewInstruction {
            title: "加强巡逻".into(),
            body: String::new(),
            targets: vec![],
            deadline: t(3600),
            feedback_required: feedback,
            incident_id: None,
            text: None,
        }
        .into_instruction(1, "leader", "jz", vec![r("a"), r("b")], t(0))
    }

    #[test]
    fn recipients_sign_feed_back_and_lateness_follows_the_deadline() {
        let mut i = instr(true);
        i.sign("org:a", "u", t(10)).unwrap();
        assert!(i.sign("org:a", "u", t(11)).is_err());
        assert!(i.sign("org:zz", "u", t(11)).is_err());
        assert!(i.late_recipients(t(3599)).is_empty());
        assert_eq!(
            i.late_recipients(t(3601)).len(),
            2,
            "signed is not done when feedback is due"
        );
        i.feedback("org:a", "u", "已落实", t(20)).unwrap();
        i.feedback("org:b", "v", "已安排", t(30)).unwrap();
        assert_eq!(i.recipients[1].signed_at, Some(t(30)));
        assert!(i.late_recipients(t(4000)).is_empty());
        assert!(i.close("  ", t(40)).is_err());
        i.close("全部落实", t(40)).unwrap();
        assert!(i.feedback("org:a", "u", "x", t(50)).is_err());
    }

    #[test]
    fn without_required_feedback_signing_completes() {
        let mut i = instr(false);
        i.sign("org:a", "u", t(1)).unwrap();
        assert_eq!(i.recipients[0].status, RecipientStatus::Done);
        assert_eq!(i.late_recipients(t(4000)).len(), 1);
    }
}
