//! Zhihui's domain: organisations, roles, incidents, units and their state machines.
//!
//! This crate does no IO and never reads the clock: every function that needs "now" takes it as a
//! parameter, so tests control time and the store can replay history deterministically.

pub mod alert;
pub mod area;
pub mod assignment;
pub mod call;
pub mod codes;
mod error;
pub mod figures;
pub mod geo;
pub mod incident;
pub mod instruction;
pub mod interception;
pub mod local_time;
pub mod major_event;
pub mod opinion;
pub mod org;
pub mod response_plan;
pub mod role;
pub mod unit;

pub use self::geo::LonLat;
pub use alert::{Alert, AlertState, Severity};
pub use area::Area;
pub use assignment::{Assignment, AssignmentStatus};
pub use call::{Call, CallEvent, CallReport, CallState, Line};
pub use error::{DomainError, FieldError};
pub use incident::{
    Caller, DuplicateMatch, Incident, IncidentPatch, IncidentSource, IncidentStatus, Merge,
    MergedCall, NewIncident,
};
pub use instruction::{
    Coded, Instruction, InstructionStatus, NewInstruction, Recipient, RecipientStatus, Target,
};
pub use interception::{
    Interception, InterceptionOutcome, InterceptionPoint, InterceptionStatus, NewInterception,
    NewInterceptionPoint, PointStatus,
};
pub use opinion::{OpinionAlert, OpinionLevel, OpinionState};
pub use org::{Org, OrgKind, OrgTree};
pub use response_plan::{
    ActivationStatus, ActivationStep, PlanActivation, PlanDraft, PlanStep, ResponsePlan, Scenario,
    StepStatus, StepTarget,
};
pub use role::{Action, Role};
pub use unit::{NewUnit, Unit, UnitKind, UnitPatch, UnitStatus, ARRIVED_WITHIN_M};

/// Timestamps are UTC everywhere in the domain; the console renders local time.
pub type Time = chrono::DateTime<chrono::Utc>;

/// A field-by-field record of what one change did: `field -> [old, new]`.
pub type Changes = serde_json::Map<String, serde_json::Value>;

pub(crate) fn record_change<T: serde::Serialize + PartialEq>(
    changes: &mut Changes,
    field: &str,
    old: &T,
    new: &T,
) {
    if old != new {
        changes.insert(
            field.to_owned(),
            serde_json::json!([
                serde_json::to_value(old).unwrap_or_default(),
                serde_json::to_value(new).unwrap_or_default()
            ]),
        );
    }
}
