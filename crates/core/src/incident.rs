//! Incidents (警情): the record of one call for service, from receipt to closure.

use serde::{Deserialize, Serialize};

use crate::{codes, record_change, Changes, DomainError, LonLat, Time};

/// Status of an incident. It only ever moves forward; `Closed` is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    /// Received, no unit sent yet (待派).
    New,
    /// At least one unit sent (已派警).
    Dispatched,
    /// A unit is on scene (已到场).
    OnScene,
    /// Closed with a disposition (已结案).
    Closed,
}

impl IncidentStatus {
    /// All statuses in order.
    pub const ALL: [IncidentStatus; 4] = [Self::New, Self::Dispatched, Self::OnScene, Self::Closed];

    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Dispatched => "dispatched",
            Self::OnScene => "on_scene",
            Self::Closed => "closed",
        }
    }

    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::New => ("待派警", "New"),
            Self::Dispatched => ("已派警", "Dispatched"),
            Self::OnScene => ("已到场", "On scene"),
            Self::Closed => ("已结案", "Closed"),
        }
    }
}

/// Where an incident came from (警情来源). Calls to 110 are the default; the other pillars create
/// incidents from public posts, device alarms and fraud warnings, which have no caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IncidentSource {
    /// A call to 110 (the default).
    #[default]
    #[serde(rename = "call_110")]
    Call110,
    /// Transferred from the fire service's 119.
    #[serde(rename = "transfer_119")]
    Transfer119,
    /// Transferred from the traffic police's 122.
    #[serde(rename = "transfer_122")]
    Transfer122,
    /// Reported in person at a station.
    #[serde(rename = "walk_in")]
    WalkIn,
    /// Raised by an officer on patrol.
    #[serde(rename = "officer_initiated")]
    OfficerInitiated,
    /// A public post screened as a risk (舆情).
    #[serde(rename = "public_opinion")]
    PublicOpinion,
    /// An alarm from a device (intrusion, panic button, sensor).
    #[serde(rename = "device_alarm")]
    DeviceAlarm,
    /// An anti-fraud warning (96110).
    #[serde(rename = "anti_fraud")]
    AntiFraud,
}

impl IncidentSource {
    /// Every source, in the order of the code list.
    pub const ALL: [IncidentSource; 8] = [
        Self::Call110,
        Self::Transfer119,
        Self::Transfer122,
        Self::WalkIn,
        Self::OfficerInitiated,
        Self::PublicOpinion,
        Self::DeviceAlarm,
        Self::AntiFraud,
    ];

    /// The code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Call110 => "call_110",
            Self::Transfer119 => "transfer_119",
            Self::Transfer122 => "transfer_122",
            Self::WalkIn => "walk_in",
            Self::OfficerInitiated => "officer_initiated",
            Self::PublicOpinion => "public_opinion",
            Self::DeviceAlarm => "device_alarm",
            Self::AntiFraud => "anti_fraud",
        }
    }

    /// Parses the code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Chinese and English labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        match self {
            Self::Call110 => ("110报警", "110 call"),
            Self::Transfer119 => ("119转警", "119 transfer"),
            Self::Transfer122 => ("122转警", "122 transfer"),
            Self::WalkIn => ("来所报警", "Walk-in"),
            Self::OfficerInitiated => ("民警自查", "Officer-initiated"),
            Self::PublicOpinion => ("舆情发现", "Public opinion"),
            Self::DeviceAlarm => ("设备报警", "Device alarm"),
            Self::AntiFraud => ("反诈预警", "Anti-fraud"),
        }
    }
}

/// The person who called. Personal data: reads of it are audited and lists mask it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Caller {
    /// Name as given; may be empty for an anonymous caller.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub name: String,
    /// Call-back number: digits, `+ - ( )` and spaces.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 3, max_length = 24, pattern = r"^[0-9+\-() ]+$")
    )]
    pub phone: String,
}

impl Caller {
    /// The caller with the name reduced to its first character and the middle of the phone hidden.
    pub fn masked(&self) -> Caller {
        let name = match self.name.chars().next() {
            Some(first) => format!("{first}*"),
            None => String::new(),
        };
        let chars: Vec<char> = self.phone.chars().collect();
        let phone = if chars.len() >= 7 {
            let head: String = chars[..3].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("{head}****{tail}")
        } else {
            "****".to_owned()
        };
        Caller { name, phone }
    }

    fn validate(&self) -> Result<(), DomainError> {
        if self.name.chars().count() > 64 {
            return Err(DomainError::invalid("caller.name", "at most 64 characters"));
        }
        let p = self.phone.trim();
        let digits = p.chars().filter(char::is_ascii_digit).count();
        if p.is_empty() {
            return Err(DomainError::invalid("caller.phone", "required"));
        }
        if digits < 3
            || p.len() > 24
            || !p
                .chars()
                .all(|ch| ch.is_ascii_digit() || matches!(ch, '+' | '-' | ' ' | '(' | ')'))
        {
            return Err(DomainError::invalid(
                "caller.phone",
                "must be a phone number (digits, + - ( ) and spaces; 3 to 24 characters)",
            ));
        }
        Ok(())
    }
}

/// Checks hazard codes (each known, at most 8), naming the bad one (`hazards[1]`); returns them
/// without repeats, in the order given.
fn validate_hazards(h: &[String]) -> Result<Vec<String>, DomainError> {
    if h.len() > 8 {
        return Err(DomainError::invalid("hazards", "at most 8"));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, code) in h.iter().enumerate() {
        if codes::hazard(code).is_none() {
            return Err(DomainError::invalid(
                format!("hazards[{i}]"),
                format!("unknown hazard `{code}`"),
            ));
        }
        if !out.contains(code) {
            out.push(code.clone());
        }
    }
    Ok(out)
}

/// An incident as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    /// Assigned by the store.
    pub id: i64,
    /// When the call was received.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Time,
    /// Where it came from; records written before sources existed read as `call_110`.
    #[serde(default)]
    pub source: IncidentSource,
    /// The originating record in its source system (a post id, an alarm id, a warning id).
    #[serde(default)]
    pub source_ref: Option<String>,
    /// Who called; `None` for an anonymous call and for sources without a caller.
    #[serde(default)]
    pub caller: Option<Caller>,
    /// Where.
    pub location: LonLat,
    /// Address as text.
    pub address: String,
    /// Type code (see [`codes::INCIDENT_TYPES`]).
    #[serde(rename = "type")]
    pub kind: String,
    /// Sub-type code, valid for the type.
    pub subtype: Option<String>,
    /// 1 (highest) to 4.
    pub priority: u8,
    /// Free text.
    pub description: String,
    /// Owning organisation.
    pub org_id: String,
    /// Current status.
    pub status: IncidentStatus,
    /// Disposition code, set on closing.
    pub disposition: Option<String>,
    /// Closing summary.
    pub summary: Option<String>,
    /// Username of the creator.
    pub created_by: String,
    /// Last change.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Time,
    /// Incremented on every change.
    pub version: u64,
    /// Hazards the crews must know of (`codes::HAZARDS`), shown in premise history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<String>,
    /// For a call closed as a duplicate: the incident it was merged into.
    #[serde(default)]
    pub merged_into: Option<i64>,
    /// Calls merged into this incident, oldest first (their own records stay, closed as
    /// `duplicate`).
    #[serde(default)]
    pub merged_from: Vec<i64>,
}

/// The body of a create request.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    /// Where it came from; default `call_110`.
    #[serde(default)]
    pub source: Option<IncidentSource>,
    /// The originating record in its source system (a post id, an alarm id, a warning id).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub source_ref: Option<String>,
    /// Who called; omit (or `null`) for an anonymous call or a source without a caller.
    #[serde(default)]
    pub caller: Option<Caller>,
    /// Where.
    pub location: LonLat,
    /// Address text.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub address: String,
    /// Type code (`GET /api/v1/codes`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Sub-type code, one of the type's.
    #[serde(default)]
    pub subtype: Option<String>,
    /// 1 (highest) to 4; absent: the sub-type's default (`codes::DEFAULT_PRIORITY`, also in
    /// `GET /api/v1/codes` as `default_priorities`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4))]
    pub priority: Option<i64>,
    /// Why the call is filed less urgent than its sub-type's default; required then (1 to 200
    /// characters), kept on the timeline.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub priority_reason: Option<String>,
    /// Hazards (`codes::HAZARDS`: weapon, dog, mental_health …).
    #[serde(default)]
    pub hazards: Vec<String>,
    /// Free text.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 4000))]
    pub description: String,
    /// Owning organisation; defaults to the creator's.
    #[serde(default)]
    pub org_id: Option<String>,
    /// When the call was received; defaults to now. Lets intake record the ring time.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub received_at: Option<Time>,
    /// Record the call and merge it at once into this open incident (a duplicate call): the new
    /// record is closed as `duplicate`, in the same transaction as its creation.
    #[serde(default)]
    pub merge_into: Option<i64>,
}

/// The body of an update request: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    /// New status (forward only).
    pub status: Option<IncidentStatus>,
    /// New priority, 1 (highest) to 4.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 4))]
    pub priority: Option<i64>,
    /// New type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// New sub-type.
    pub subtype: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New address.
    pub address: Option<String>,
    /// New location.
    pub location: Option<LonLat>,
    /// Disposition (needed to close).
    pub disposition: Option<String>,
    /// Closing summary.
    pub summary: Option<String>,
    /// Hand the incident to another organisation.
    pub org_id: Option<String>,
    /// Replaces the hazards (`codes::HAZARDS`).
    #[serde(default)]
    pub hazards: Option<Vec<String>>,
    /// Optimistic concurrency: refuse if the record has moved on.
    pub version: Option<u64>,
}

fn validate_priority(p: i64) -> Result<u8, DomainError> {
    if (1..=4).contains(&p) {
        Ok(p as u8)
    } else {
        Err(DomainError::invalid("priority", "must be 1 (highest) to 4"))
    }
}

fn validate_type(kind: &str, subtype: Option<&str>) -> Result<(), DomainError> {
    let t = codes::incident_type(kind)
        .ok_or_else(|| DomainError::invalid("type", format!("unknown incident type `{kind}`")))?;
    if let Some(s) = subtype {
        if !t.subtypes.iter().any(|x| x.code == s) {
            return Err(DomainError::invalid(
                "subtype",
                format!("`{s}` is not a sub-type of `{kind}`"),
            ));
        }
    }
    Ok(())
}

fn validate_text(field: &str, s: &str, max: usize) -> Result<(), DomainError> {
    if s.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("at most {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(field, "contains control characters"));
    }
    Ok(())
}

impl NewIncident {
    /// Validates and builds the record. `id` comes from the store, `org_id` has been resolved and
    /// checked for jurisdiction by the caller.
    pub fn into_incident(
        self,
        id: i64,
        org_id: String,
        created_by: &str,
        now: Time,
    ) -> Result<Incident, DomainError> {
        if let Some(c) = &self.caller {
            c.validate()?;
        }
        if let Some(r) = &self.source_ref {
            validate_text("source_ref", r, 200)?;
            if r.trim().is_empty() {
                return Err(DomainError::invalid("source_ref", "empty; omit it instead"));
            }
        }
        self.location.validate("location")?;
        validate_text("address", &self.address, 200)?;
        validate_text("description", &self.description, 4000)?;
        validate_type(&self.kind, self.subtype.as_deref())?;
        let default = crate::codes::default_priority(&self.kind, self.subtype.as_deref());
        let priority = match self.priority {
            None => default,
            Some(p) => validate_priority(p)?,
        };
        let reason = self
            .priority_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        if let Some(r) = reason {
            validate_text("priority_reason", r, 200)?;
        }
        if priority > default && reason.is_none() {
            return Err(DomainError::invalid(
                "priority_reason",
                format!(
                    "priority {priority} is less urgent than this kind of call's default {default}: say why"
                ),
            ));
        }
        let received_at = match self.received_at {
            Some(t) if t > now + chrono::Duration::seconds(60) => {
                return Err(DomainError::invalid("received_at", "lies in the future"))
            }
            Some(t) => t,
            None => now,
        };
        Ok(Incident {
            id,
            received_at,
            source: self.source.unwrap_or_default(),
            source_ref: self.source_ref.map(|r| r.trim().to_owned()),
            caller: self.caller.map(|c| Caller {
                name: c.name.trim().to_owned(),
                phone: c.phone.trim().to_owned(),
            }),
            location: self.location,
            address: self.address.trim().to_owned(),
            kind: self.kind,
            subtype: self.subtype,
            priority,
            description: self.description,
            org_id,
            status: IncidentStatus::New,
            disposition: None,
            summary: None,
            created_by: created_by.to_owned(),
            updated_at: now,
            version: 1,
            hazards: validate_hazards(&self.hazards)?,
            merged_into: None,
            merged_from: Vec::new(),
        })
    }
}

/// A call as the incident it was merged into records it: who called, when, and what they said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergedCall {
    /// The call's own incident record (closed as `duplicate`).
    pub incident_id: i64,
    /// When that call was received.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Time,
    /// Who called (`None`: anonymous). Personal data: it travels only where the full incident does.
    #[serde(default)]
    pub caller: Option<Caller>,
    /// Where the caller placed it.
    pub location: LonLat,
    /// Address as the caller gave it.
    pub address: String,
    /// Type the call was taken as.
    #[serde(rename = "type")]
    pub kind: String,
    /// Sub-type the call was taken as.
    pub subtype: Option<String>,
    /// Priority the call was taken with.
    pub priority: u8,
    /// What the caller said.
    pub description: String,
}

/// What a merge did to both records.
#[derive(Debug, Clone)]
pub struct Merge {
    /// Changes to the merged (duplicate) incident.
    pub merged: Changes,
    /// Changes to the surviving incident.
    pub into: Changes,
    /// The call the surviving incident gained.
    pub call: MergedCall,
}

/// A possible duplicate of a call: an open incident of a related type, close in space and time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DuplicateMatch {
    /// Straight-line distance between the two locations, meters.
    pub distance_m: f64,
    /// Received time of the incident minus that of the call, seconds (negative: earlier).
    pub seconds_apart: i64,
}

impl Incident {
    /// Applies a patch, returning the field-by-field changes. On error the incident is unchanged.
    /// Jurisdiction of a new `org_id` is the caller's to check.
    pub fn apply(&mut self, patch: IncidentPatch, now: Time) -> Result<Changes, DomainError> {
        if let Some(v) = patch.version {
            if v != self.version {
                return Err(DomainError::invalid(
                    "version",
                    format!("record is at version {}, not {v}", self.version),
                ));
            }
        }
        let mut next = self.clone();
        if self.status == IncidentStatus::Closed {
            return Err(DomainError::Transition {
                record: "incident",
                from: "closed".into(),
                to: patch
                    .status
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_else(|| "changed".into()),
            });
        }
        if let Some(p) = patch.priority {
            next.priority = validate_priority(p)?;
        }
        if patch.kind.is_some() || patch.subtype.is_some() {
            let kind = patch.kind.clone().unwrap_or_else(|| self.kind.clone());
            // Changing the type without a sub-type clears a sub-type that no longer fits.
            let subtype = match (&patch.subtype, &patch.kind) {
                (Some(s), _) => Some(s.clone()).filter(|s| !s.is_empty()),
                (None, Some(_)) => self
                    .subtype
                    .clone()
                    .filter(|s| validate_type(&kind, Some(s)).is_ok()),
                (None, None) => self.subtype.clone(),
            };
            validate_type(&kind, subtype.as_deref())?;
            next.kind = kind;
            next.subtype = subtype;
        }
        if let Some(d) = patch.description {
            validate_text("description", &d, 4000)?;
            next.description = d;
        }
        if let Some(a) = patch.address {
            validate_text("address", &a, 200)?;
            next.address = a.trim().to_owned();
        }
        if let Some(l) = patch.location {
            l.validate("location")?;
            next.location = l;
        }
        if let Some(o) = patch.org_id {
            if o.is_empty() {
                return Err(DomainError::invalid("org_id", "must not be empty"));
            }
            next.org_id = o;
        }
        if let Some(h) = patch.hazards {
            next.hazards = validate_hazards(&h)?;
        }
        if let Some(s) = patch.summary {
            validate_text("summary", &s, 4000)?;
            next.summary = Some(s);
        }
        if let Some(d) = patch.disposition {
            if codes::disposition(&d).is_none() {
                return Err(DomainError::invalid(
                    "disposition",
                    format!("unknown disposition `{d}`"),
                ));
            }
            next.disposition = Some(d);
        }
        if let Some(s) = patch.status {
            if s < self.status {
                return Err(DomainError::Transition {
                    record: "incident",
                    from: self.status.as_str().into(),
                    to: s.as_str().into(),
                });
            }
            if s == IncidentStatus::Closed && next.disposition.is_none() {
                return Err(DomainError::invalid(
                    "disposition",
                    "closing an incident requires a disposition code",
                ));
            }
            next.status = s;
        } else if next.disposition.is_some() && self.disposition != next.disposition {
            // A disposition only makes sense together with closing.
            return Err(DomainError::invalid(
                "disposition",
                "a disposition is set only when closing (status: closed)",
            ));
        }

        let mut changes = Changes::new();
        record_change(&mut changes, "status", &self.status, &next.status);
        record_change(&mut changes, "priority", &self.priority, &next.priority);
        record_change(&mut changes, "type", &self.kind, &next.kind);
        record_change(&mut changes, "subtype", &self.subtype, &next.subtype);
        record_change(
            &mut changes,
            "description",
            &self.description,
            &next.description,
        );
        record_change(&mut changes, "address", &self.address, &next.address);
        record_change(&mut changes, "location", &self.location, &next.location);
        record_change(&mut changes, "org_id", &self.org_id, &next.org_id);
        record_change(
            &mut changes,
            "disposition",
            &self.disposition,
            &next.disposition,
        );
        record_change(&mut changes, "summary", &self.summary, &next.summary);
        record_change(&mut changes, "hazards", &self.hazards, &next.hazards);
        if !changes.is_empty() {
            next.version += 1;
            next.updated_at = now;
            *self = next;
        }
        Ok(changes)
    }

    /// Whether this incident may be the same event as a call of type `kind` received at `at` at
    /// `location`: open, of a related type ([`codes::related_types`]), within
    /// [`codes::DUPLICATE_RADIUS_M`] and [`codes::DUPLICATE_WINDOW_S`].
    pub fn duplicate_of_call(
        &self,
        kind: &str,
        location: &LonLat,
        at: Time,
    ) -> Option<DuplicateMatch> {
        if self.status == IncidentStatus::Closed || !codes::types_related(kind, &self.kind) {
            return None;
        }
        let seconds_apart = (self.received_at - at).num_seconds();
        if seconds_apart.abs() > codes::DUPLICATE_WINDOW_S {
            return None;
        }
        let distance_m = self.location.distance_m(location);
        (distance_m <= codes::DUPLICATE_RADIUS_M).then_some(DuplicateMatch {
            distance_m,
            seconds_apart,
        })
    }

    /// Merges this incident (a duplicate call) into `into`: this one closes with disposition
    /// `duplicate` pointing at `into`, which records the call and takes the more urgent of the
    /// two priorities. Either both change or, on error, neither does. Whether the actor may touch
    /// both records, and whether this one still has units on the way, is the caller's to check.
    pub fn merge_into(&mut self, into: &mut Incident, now: Time) -> Result<Merge, DomainError> {
        if self.id == into.id {
            return Err(DomainError::invalid(
                "into",
                "an incident cannot be merged into itself",
            ));
        }
        if self.status == IncidentStatus::Closed {
            return Err(DomainError::Transition {
                record: "incident",
                from: "closed".into(),
                to: "merged".into(),
            });
        }
        if into.status == IncidentStatus::Closed {
            return Err(DomainError::conflict(
                "into",
                format!(
                    "incident {} is closed; a call is merged into an open incident",
                    into.id
                ),
            ));
        }
        let mut a = self.clone();
        a.status = IncidentStatus::Closed;
        a.disposition = Some("duplicate".into());
        a.merged_into = Some(into.id);
        a.version += 1;
        a.updated_at = now;
        let mut b = into.clone();
        b.priority = b.priority.min(self.priority);
        b.merged_from.push(self.id);
        b.version += 1;
        b.updated_at = now;

        let mut merged = Changes::new();
        record_change(&mut merged, "status", &self.status, &a.status);
        record_change(
            &mut merged,
            "disposition",
            &self.disposition,
            &a.disposition,
        );
        record_change(
            &mut merged,
            "merged_into",
            &self.merged_into,
            &a.merged_into,
        );
        let mut into_changes = Changes::new();
        record_change(&mut into_changes, "priority", &into.priority, &b.priority);
        record_change(
            &mut into_changes,
            "merged_from",
            &into.merged_from,
            &b.merged_from,
        );
        let call = MergedCall {
            incident_id: self.id,
            received_at: self.received_at,
            caller: self.caller.clone(),
            location: self.location,
            address: self.address.clone(),
            kind: self.kind.clone(),
            subtype: self.subtype.clone(),
            priority: self.priority,
            description: self.description.clone(),
        };
        *self = a;
        *into = b;
        Ok(Merge {
            merged,
            into: into_changes,
            call,
        })
    }

    /// The record with the caller masked, for lists and the live feed.
    pub fn masked(&self) -> Incident {
        Incident {
            caller: self.caller.as_ref().map(Caller::masked),
            ..self.clone()
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

    fn new() -> NewIncident {
        NewIncident {
            source: None,
            source_ref: None,
            caller: Some(Caller {
                name: "张三".into(),
                phone: "13800138000".into(),
            }),
            location: LonLat {
                lon: 112.24,
                lat: 30.33,
            },
            address: "沙市区中山路1号".into(),
            kind: "criminal".into(),
            subtype: Some("theft".into()),
            priority: Some(2),
            priority_reason: None,
            hazards: Vec::new(),
            description: "电动车被盗".into(),
            org_id: None,
            received_at: None,
            merge_into: None,
        }
    }

    #[test]
    fn lifecycle_moves_forward_and_closes_with_disposition() {
        let mut i = new().into_incident(1, "s1".into(), "d", t(0)).unwrap();
        assert_eq!(i.status, IncidentStatus::New);
        let ch = i
            .apply(
                IncidentPatch {
                    status: Some(IncidentStatus::Dispatched),
                    ..Default::default()
                },
                t(10),
            )
            .unwrap();
        assert_eq!(ch["status"], serde_json::json!(["new", "dispatched"]));
        assert_eq!(i.version, 2);
        let back = i.apply(
            IncidentPatch {
                status: Some(IncidentStatus::New),
                ..Default::default()
            },
            t(20),
        );
        assert!(matches!(back, Err(DomainError::Transition { .. })));
        let no_disp = i.apply(
            IncidentPatch {
                status: Some(IncidentStatus::Closed),
                ..Default::default()
            },
            t(30),
        );
        assert_eq!(no_disp.unwrap_err().field(), Some("disposition"));
        assert_eq!(
            i.status,
            IncidentStatus::Dispatched,
            "unchanged after error"
        );
        i.apply(
            IncidentPatch {
                status: Some(IncidentStatus::Closed),
                disposition: Some("resolved_on_scene".into()),
                summary: Some("已处置".into()),
                ..Default::default()
            },
            t(40),
        )
        .unwrap();
        assert_eq!(i.status, IncidentStatus::Closed);
        assert_eq!(i.updated_at, t(40));
        assert!(i
            .apply(
                IncidentPatch {
                    priority: Some(1),
                    ..Default::default()
                },
                t(50)
            )
            .is_err());
    }

    #[test]
    fn validation_names_the_field() {
        let mut n = new();
        n.priority = Some(5);
        assert_eq!(
            n.into_incident(1, "s".into(), "d", t(0))
                .unwrap_err()
                .field(),
            Some("priority")
        );
        let mut n = new();
        n.subtype = Some("collision".into());
        assert_eq!(
            n.into_incident(1, "s".into(), "d", t(0))
                .unwrap_err()
                .field(),
            Some("subtype")
        );
        let mut n = new();
        n.caller.as_mut().unwrap().phone = "call me".into();
        assert_eq!(
            n.into_incident(1, "s".into(), "d", t(0))
                .unwrap_err()
                .field(),
            Some("caller.phone")
        );
        let mut n = new();
        n.location.lat = 91.0;
        assert_eq!(
            n.into_incident(1, "s".into(), "d", t(0))
                .unwrap_err()
                .field(),
            Some("location.lat")
        );
    }

    #[test]
    fn masking_hides_personal_data() {
        let c = Caller {
            name: "张三丰".into(),
            phone: "13800138000".into(),
        };
        let m = c.masked();
        assert_eq!(m.name, "张*");
        assert_eq!(m.phone, "138****8000");
    }

    #[test]
    fn changing_type_drops_a_subtype_that_no_longer_fits() {
        let mut i = new().into_incident(1, "s1".into(), "d", t(0)).unwrap();
        i.apply(
            IncidentPatch {
                kind: Some("fire".into()),
                ..Default::default()
            },
            t(1),
        )
        .unwrap();
        assert_eq!(i.subtype, None);
    }

    #[test]
    fn stale_version_is_refused() {
        let mut i = new().into_incident(1, "s1".into(), "d", t(0)).unwrap();
        let e = i
            .apply(
                IncidentPatch {
                    priority: Some(1),
                    version: Some(7),
                    ..Default::default()
                },
                t(1),
            )
            .unwrap_err();
        assert_eq!(e.field(), Some("version"));
    }

    #[test]
    fn a_merge_closes_the_duplicate_and_the_survivor_keeps_the_call() {
        let mut first = new().into_incident(1, "s1".into(), "d", t(0)).unwrap();
        let mut n = new();
        n.priority = Some(1);
        n.caller.as_mut().unwrap().name = "李四".into();
        n.description = "看见有人撬车".into();
        let mut second = n.into_incident(2, "s1".into(), "d", t(120)).unwrap();
        let m = second.merge_into(&mut first, t(130)).unwrap();
        assert_eq!(second.status, IncidentStatus::Closed);
        assert_eq!(second.disposition.as_deref(), Some("duplicate"));
        assert_eq!(second.merged_into, Some(1));
        assert_eq!(first.merged_from, [2]);
        assert_eq!(first.priority, 1, "the more urgent priority wins");
        assert_eq!((first.version, second.version), (2, 2));
        assert_eq!(m.merged["status"], serde_json::json!(["new", "closed"]));
        assert_eq!(m.into["priority"], serde_json::json!([2, 1]));
        assert_eq!(m.call.caller.unwrap().name, "李四");
        assert_eq!(m.call.received_at, t(120));
        assert_eq!(m.call.description, "看见有人撬车");
        // A closed record merges no further, in either role; nothing changes on refusal.
        let mut third = new().into_incident(3, "s1".into(), "d", t(140)).unwrap();
        let e = second.merge_into(&mut third, t(150)).unwrap_err();
        assert_eq!(e.field(), Some("status"));
        let e = third.merge_into(&mut second, t(150)).unwrap_err();
        assert!(matches!(e, DomainError::Conflict(_)));
        assert_eq!(e.field(), Some("into"));
        assert_eq!(third.status, IncidentStatus::New);
        let copy = first.clone();
        let e = first.clone().merge_into(&mut first, t(150)).unwrap_err();
        assert_eq!(e.field(), Some("into"));
        assert_eq!(first, copy);
    }

    #[test]
    fn duplicates_are_open_related_near_and_recent() {
        let inc = new().into_incident(1, "s1".into(), "d", t(0)).unwrap();
        let here = inc.location;
        let north = |m: f64| LonLat {
            lon: here.lon,
            lat: here.lat + m / 111_195.0,
        };
        let m = inc
            .duplicate_of_call("public_order", &north(400.0), t(600))
            .unwrap();
        assert!((m.distance_m - 400.0).abs() < 1.0, "{m:?}");
        assert_eq!(m.seconds_apart, -600);
        assert!(inc
            .duplicate_of_call("criminal", &north(600.0), t(60))
            .is_none());
        assert!(inc
            .duplicate_of_call("criminal", &here, t(16 * 60))
            .is_none());
        assert!(inc
            .duplicate_of_call("criminal", &here, t(-15 * 60))
            .is_some());
        assert!(inc.duplicate_of_call("traffic", &here, t(60)).is_none());
        let mut closed = inc.clone();
        closed.status = IncidentStatus::Closed;
        assert!(closed.duplicate_of_call("criminal", &here, t(60)).is_none());
    }

    #[test]
    fn an_incident_needs_no_caller_and_defaults_to_a_110_call() {
        let mut n = new();
        n.caller = None;
        let i = n.into_incident(1, "s1".into(), "disp", t(0)).unwrap();
        assert_eq!(i.caller, None);
        assert_eq!(i.source, IncidentSource::Call110);
        assert_eq!(i.masked().caller, None);
        let mut n = new();
        n.caller = None;
        n.source = Some(IncidentSource::DeviceAlarm);
        n.source_ref = Some("  alarm-77 ".into());
        let i = n.into_incident(2, "s1".into(), "system", t(0)).unwrap();
        assert_eq!(
            (i.source, i.source_ref.as_deref()),
            (IncidentSource::DeviceAlarm, Some("alarm-77"))
        );
        // A record written before sources existed reads as a 110 call with its caller.
        let mut old = serde_json::to_value(&i).unwrap();
        let o = old.as_object_mut().unwrap();
        o.remove("source");
        o.remove("source_ref");
        o.insert(
            "caller".into(),
            serde_json::json!({"name": "王五", "phone": "13900000000"}),
        );
        let back: Incident = serde_json::from_value(old).unwrap();
        assert_eq!(back.source, IncidentSource::Call110);
        assert_eq!(back.caller.unwrap().name, "王五");
        for s in IncidentSource::ALL {
            assert_eq!(IncidentSource::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn a_call_takes_its_kinds_default_priority_and_filing_it_lower_needs_a_reason() {
        let now = chrono::Utc::now();
        let mut n = new();
        n.subtype = Some("homicide".into());
        n.priority = None;
        assert_eq!(
            n.clone()
                .into_incident(1, "s1".into(), "d", now)
                .unwrap()
                .priority,
            1
        );
        // Less urgent than the default: refused without a reason, kept with one.
        n.priority = Some(3);
        let e = n
            .clone()
            .into_incident(1, "s1".into(), "d", now)
            .unwrap_err();
        assert_eq!(e.field(), Some("priority_reason"));
        n.priority_reason = Some("  ".into());
        assert!(n.clone().into_incident(1, "s1".into(), "d", now).is_err());
        n.priority_reason = Some("报警人称已送医，现场无危险".into());
        assert_eq!(
            n.clone()
                .into_incident(1, "s1".into(), "d", now)
                .unwrap()
                .priority,
            3
        );
        // More urgent needs no reason; an unknown sub-type row falls back to its type's.
        let mut t = new();
        t.priority = Some(1);
        assert!(t.clone().into_incident(1, "s1".into(), "d", now).is_ok());
        assert_eq!(
            crate::codes::default_priority("traffic", Some("collision")),
            3
        );
        assert_eq!(
            crate::codes::default_priority("fire", Some("building_fire")),
            1
        );
        assert_eq!(
            crate::codes::default_priority("public_order", Some("noise")),
            4
        );
        // Every row names a known type and sub-type.
        for (k, st, p) in crate::codes::DEFAULT_PRIORITY {
            let ty = crate::codes::incident_type(k).unwrap();
            assert!(
                st.is_none_or(|s| ty.subtypes.iter().any(|c| c.code == s)),
                "{k}/{st:?}"
            );
            assert!((1..=4).contains(p));
        }
    }
}
