//! Dispatch orders (派警单): one unit sent to one incident, from assignment to clearance.
//!
//! The unit signs for the order (签收), reports en route, on scene and clear with a result; every
//! step is timestamped. Steps only move forward; a dispatcher may cancel an order that is not yet
//! cleared (e.g. the unit was diverted).

use serde::{Deserialize, Serialize};

use crate::{record_change, Changes, DomainError, Time, UnitStatus};

/// Where a dispatch order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Sent to the unit, not yet acknowledged (已派).
    Assigned,
    /// The unit signed for it (已签收).
    Signed,
    /// Driving to the scene (途中).
    EnRoute,
    /// At the scene (到场).
    OnScene,
    /// Done, with a result (已处置).
    Cleared,
    /// Withdrawn by a dispatcher (已撤销).
    Cancelled,
}

impl AssignmentStatus {
    /// All statuses in order.
    pub const ALL: [AssignmentStatus; 6] = [
        Self::Assigned,
        Self::Signed,
        Self::EnRoute,
        Self::OnScene,
        Self::Cleared,
        Self::Cancelled,
    ];
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Assigned => "assigned",
            Self::Signed => "signed",
            Self::EnRoute => "en_route",
            Self::OnScene => "on_scene",
            Self::Cleared => "cleared",
            Self::Cancelled => "cancelled",
        }
    }
    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Whether the order is over.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::Cleared | Self::Cancelled)
    }
    /// The unit's status while its order is in this state.
    pub fn unit_status(&self) -> UnitStatus {
        match self {
            Self::Assigned | Self::Signed => UnitStatus::Dispatched,
            Self::EnRoute => UnitStatus::EnRoute,
            Self::OnScene => UnitStatus::OnScene,
            Self::Cleared | Self::Cancelled => UnitStatus::Available,
        }
    }
}

/// A dispatch order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// Assigned by the store.
    pub id: i64,
    /// The incident.
    pub incident_id: i64,
    /// The unit sent.
    pub unit_id: i64,
    /// The unit's call sign at the time (for display without a lookup).
    pub call_sign: String,
    /// Where it stands.
    pub status: AssignmentStatus,
    /// Road travel time predicted when assigned, seconds (the on-scene timer's basis).
    pub eta_s: Option<f64>,
    /// Who sent the unit.
    pub assigned_by: String,
    /// Why the dispatcher chose another unit than the first recommendation.
    pub override_reason: Option<String>,
    /// What the unit reports on clearing.
    pub result: Option<String>,
    /// When each step happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub assigned_at: Time,
    /// Signed for (签收).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub signed_at: Option<Time>,
    /// Started driving.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub en_route_at: Option<Time>,
    /// Arrived.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub on_scene_at: Option<Time>,
    /// Cleared or cancelled.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Time>,
    /// Incremented on every change.
    pub version: u64,
}

impl Assignment {
    /// Moves the order to `to`. Steps may be skipped forward (a unit already nearby reports on
    /// scene at once) but never go back; clearing needs a result; cancelling needs a reason.
    pub fn advance(
        &mut self,
        to: AssignmentStatus,
        text: Option<String>,
        now: Time,
    ) -> Result<Changes, DomainError> {
        if self.status.is_final() || to <= self.status && to != AssignmentStatus::Cancelled {
            return Err(DomainError::Transition {
                record: "assignment",
                from: self.status.as_str().into(),
                to: to.as_str().into(),
            });
        }
        let text = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
        if let Some(t) = &text {
            if t.chars().count() > 2000 {
                return Err(DomainError::invalid("result", "at most 2000 characters"));
            }
        }
        let mut next = self.clone();
        match to {
            AssignmentStatus::Cleared | AssignmentStatus::Cancelled => {
                if text.is_none() {
                    return Err(DomainError::invalid(
                        "result",
                        if to == AssignmentStatus::Cleared {
                            "clearing needs a result (处置结果)"
                        } else {
                            "cancelling needs a reason"
                        },
                    ));
                }
                next.result = text;
                next.closed_at = Some(now);
            }
            _ => {}
        }
        // Skipped steps get the same timestamp: the unit reported them at once.
        if to >= AssignmentStatus::Signed
            && next.signed_at.is_none()
            && to != AssignmentStatus::Cancelled
        {
            next.signed_at = Some(now);
        }
        if to >= AssignmentStatus::EnRoute
            && next.en_route_at.is_none()
            && to != AssignmentStatus::Cancelled
        {
            next.en_route_at = Some(now);
        }
        if to >= AssignmentStatus::OnScene
            && next.on_scene_at.is_none()
            && to != AssignmentStatus::Cancelled
        {
            next.on_scene_at = Some(now);
        }
        next.status = to;
        next.version += 1;
        let mut changes = Changes::new();
        record_change(&mut changes, "status", &self.status, &next.status);
        record_change(&mut changes, "result", &self.result, &next.result);
        *self = next;
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn a() -> Assignment {
        Assignment {
            id: 1,
            incident_id: 1,
            unit_id: 1,
            call_sign: "巡01".into(),
            status: AssignmentStatus::Assigned,
            eta_s: Some(120.0),
            assigned_by: "d".into(),
            override_reason: None,
            result: None,
            assigned_at: chrono::Utc.timestamp_opt(0, 0).unwrap(),
            signed_at: None,
            en_route_at: None,
            on_scene_at: None,
            closed_at: None,
            version: 1,
        }
    }

    #[test]
    fn steps_go_forward_and_stamp_their_time() {
        let t = |s| chrono::Utc.timestamp_opt(s, 0).unwrap();
        let mut x = a();
        x.advance(AssignmentStatus::Signed, None, t(10)).unwrap();
        assert_eq!(x.signed_at, Some(t(10)));
        assert!(x.advance(AssignmentStatus::Assigned, None, t(11)).is_err());
        x.advance(AssignmentStatus::OnScene, None, t(100)).unwrap();
        assert_eq!(x.en_route_at, Some(t(100)), "skipped step stamped");
        let e = x
            .advance(AssignmentStatus::Cleared, None, t(200))
            .unwrap_err();
        assert_eq!(e.field(), Some("result"));
        x.advance(AssignmentStatus::Cleared, Some("已劝离".into()), t(200))
            .unwrap();
        assert!(x
            .advance(AssignmentStatus::Cancelled, Some("x".into()), t(300))
            .is_err());
        assert_eq!(x.status.unit_status(), UnitStatus::Available);
    }

    #[test]
    fn cancel_needs_a_reason_and_is_final() {
        let mut x = a();
        let now = chrono::Utc.timestamp_opt(5, 0).unwrap();
        assert!(x.advance(AssignmentStatus::Cancelled, None, now).is_err());
        x.advance(AssignmentStatus::Cancelled, Some("改派".into()), now)
            .unwrap();
        assert!(x.signed_at.is_none());
        assert!(x.advance(AssignmentStatus::Signed, None, now).is_err());
    }
}
