//! Units (警力): cars, foot patrols and teams, with status and position.

use serde::{Deserialize, Serialize};

use crate::{record_change, Changes, DomainError, LonLat, Time};

/// A unit reporting a position within this many metres of where it was sent (a checkpoint, a
/// post) has arrived there.
pub const ARRIVED_WITHIN_M: f64 = 150.0;

/// What kind of unit this is; run-cards ask for kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Patrol car (巡逻车).
    PatrolCar,
    /// Foot patrol (步巡).
    FootPatrol,
    /// Traffic police (交警).
    Traffic,
    /// Special weapons team (特警).
    Swat,
    /// Community officer (社区民警).
    Community,
}

impl UnitKind {
    /// All kinds.
    pub const ALL: [UnitKind; 5] = [
        Self::PatrolCar,
        Self::FootPatrol,
        Self::Traffic,
        Self::Swat,
        Self::Community,
    ];
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::PatrolCar => "patrol_car",
            Self::FootPatrol => "foot_patrol",
            Self::Traffic => "traffic",
            Self::Swat => "swat",
            Self::Community => "community",
        }
    }
    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::PatrolCar => ("巡逻车", "Patrol car"),
            Self::FootPatrol => ("步巡", "Foot patrol"),
            Self::Traffic => ("交警", "Traffic"),
            Self::Swat => ("特警", "SWAT"),
            Self::Community => ("社区民警", "Community officer"),
        }
    }
}

/// Availability of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    /// Free for dispatch (空闲).
    Available,
    /// Assigned, not yet moving (已派).
    Dispatched,
    /// Driving to the scene (途中).
    EnRoute,
    /// At the scene (现场).
    OnScene,
    /// Not on duty (下线).
    OffDuty,
}

impl UnitStatus {
    /// All statuses.
    pub const ALL: [UnitStatus; 5] = [
        Self::Available,
        Self::Dispatched,
        Self::EnRoute,
        Self::OnScene,
        Self::OffDuty,
    ];
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Dispatched => "dispatched",
            Self::EnRoute => "en_route",
            Self::OnScene => "on_scene",
            Self::OffDuty => "off_duty",
        }
    }
    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::Available => ("空闲", "Available"),
            Self::Dispatched => ("已派", "Dispatched"),
            Self::EnRoute => ("途中", "En route"),
            Self::OnScene => ("现场", "On scene"),
            Self::OffDuty => ("下线", "Off duty"),
        }
    }
}

/// A unit as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unit {
    /// Assigned by the store.
    pub id: i64,
    /// Radio call sign, unique.
    pub call_sign: String,
    /// Kind.
    pub kind: UnitKind,
    /// Home organisation.
    pub org_id: String,
    /// Status.
    pub status: UnitStatus,
    /// Last known position.
    pub position: Option<LonLat>,
    /// When that position was taken.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub position_at: Option<Time>,
    /// Last change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Time,
    /// Incremented on every change.
    pub version: u64,
}

/// The body of a create request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    /// Radio call sign: 1 to 32 printable characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 32))]
    pub call_sign: String,
    /// Kind.
    pub kind: UnitKind,
    /// Initial status; defaults to available.
    #[serde(default)]
    pub status: Option<UnitStatus>,
    /// Initial position.
    #[serde(default)]
    pub position: Option<LonLat>,
    /// Home organisation; defaults to the creator's.
    #[serde(default)]
    pub org_id: Option<String>,
}

/// The body of an update request.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    /// New status.
    pub status: Option<UnitStatus>,
    /// New position.
    pub position: Option<LonLat>,
    /// New call sign.
    pub call_sign: Option<String>,
    /// New kind.
    pub kind: Option<UnitKind>,
    /// Optimistic concurrency check.
    pub version: Option<u64>,
}

fn validate_call_sign(s: &str) -> Result<String, DomainError> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 32 || s.chars().any(char::is_control) {
        return Err(DomainError::invalid(
            "call_sign",
            "1 to 32 printable characters",
        ));
    }
    Ok(s.to_owned())
}

impl NewUnit {
    /// Validates and builds the record.
    pub fn into_unit(self, id: i64, org_id: String, now: Time) -> Result<Unit, DomainError> {
        let call_sign = validate_call_sign(&self.call_sign)?;
        if let Some(p) = &self.position {
            p.validate("position")?;
        }
        Ok(Unit {
            id,
            call_sign,
            kind: self.kind,
            org_id,
            status: self.status.unwrap_or(UnitStatus::Available),
            position_at: self.position.map(|_| now),
            position: self.position,
            updated_at: now,
            version: 1,
        })
    }
}

impl Unit {
    /// Applies a patch, returning the changes; the unit is unchanged on error. A position update
    /// carries its own time (`now`), which is recorded as `position_at`.
    pub fn apply(&mut self, patch: UnitPatch, now: Time) -> Result<Changes, DomainError> {
        if let Some(v) = patch.version {
            if v != self.version {
                return Err(DomainError::invalid(
                    "version",
                    format!("record is at version {}, not {v}", self.version),
                ));
            }
        }
        let mut next = self.clone();
        if let Some(c) = patch.call_sign {
            next.call_sign = validate_call_sign(&c)?;
        }
        if let Some(k) = patch.kind {
            next.kind = k;
        }
        if let Some(s) = patch.status {
            next.status = s;
        }
        if let Some(p) = patch.position {
            p.validate("position")?;
            next.position = Some(p);
            next.position_at = Some(now);
        }
        let mut changes = Changes::new();
        record_change(&mut changes, "call_sign", &self.call_sign, &next.call_sign);
        record_change(&mut changes, "kind", &self.kind, &next.kind);
        record_change(&mut changes, "status", &self.status, &next.status);
        record_change(&mut changes, "position", &self.position, &next.position);
        if !changes.is_empty() {
            next.version += 1;
            next.updated_at = now;
            *self = next;
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn position_update_records_time_and_validates() {
        let t0 = chrono::Utc.timestamp_opt(1_790_000_000, 0).unwrap();
        let mut u = NewUnit {
            call_sign: "沙市巡01".into(),
            kind: UnitKind::PatrolCar,
            status: None,
            position: None,
            org_id: None,
        }
        .into_unit(1, "s1".into(), t0)
        .unwrap();
        assert_eq!(u.status, UnitStatus::Available);
        let t1 = t0 + chrono::Duration::seconds(5);
        let ch = u
            .apply(
                UnitPatch {
                    position: Some(LonLat {
                        lon: 112.2,
                        lat: 30.3,
                    }),
                    ..Default::default()
                },
                t1,
            )
            .unwrap();
        assert!(ch.contains_key("position"));
        assert_eq!(u.position_at, Some(t1));
        let bad = u.apply(
            UnitPatch {
                position: Some(LonLat {
                    lon: 200.0,
                    lat: 30.3,
                }),
                ..Default::default()
            },
            t1,
        );
        assert_eq!(bad.unwrap_err().field(), Some("position.lon"));
        assert_eq!(u.version, 2);
    }
}
