//! The plan library (预案) and plan activations: commands and projections.
//!
//! Every version of a plan is kept as written (a trigger refuses updates); the plan row only
//! points at the latest one and says whether the plan is retired. Activating a plan for an
//! incident resolves each step's recipients, renders its text from the incident and issues it
//! through [`crate::commands::issue_instruction`] (so supervision gets its copy in the same
//! transaction), all or nothing. The activation then follows its instructions — signed, fed back,
//! overdue, closed — as reactors on the fact bus, each in the transaction of the change, until it
//! is closed with an outcome.
//!
//! The files follow the slice template every domain uses: `projection.rs` (its tables and
//! queries, who may see a record), `commands.rs` (what users do, each a write with its event and
//! audit entry), `planning.rs` (resolving a plan for an incident before the write: the preview
//! and the activation share it), `reactors.rs` (what it follows on the fact bus),
//! `migrations.rs` (its schema; it has no timers, so no `sweeps.rs`), and this file: the helpers they share and the
//! [`module()`] that registers it all with the kernel.

mod commands;
pub(crate) mod migrations;
mod planning;
mod projection;
mod reactors;

pub use commands::{activate_plan, close_activation, create_plan, retire_plan, revise_plan};
pub use planning::*;
pub use projection::*;

use std::collections::{BTreeMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use zhihui_core::response_plan::{render, ActivationStep};
use zhihui_core::{
    codes, Action, ActivationStatus, DomainError, Incident, IncidentStatus, Instruction,
    InstructionStatus, NewInstruction, OrgKind, OrgTree, PlanActivation, PlanDraft, PlanStep,
    ResponsePlan, Scenario, StepStatus, StepTarget, Target, Time, UnitKind, UnitStatus,
};

// The operations layer (shared records), named `ops` beside this domain's own `commands`.
use crate::commands::{self as ops, Actor};
use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

fn conflict(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        field: field.into(),
        message: message.into(),
    }
}
fn activation_event(
    tx: &mut Tx<'_>,
    actor: &str,
    a: &PlanActivation,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: a.org_id.clone(),
        record_type: "plan_activation".into(),
        record_id: a.id,
        kind: kind.into(),
        payload: json!({ "record": a, "orgs": concerned_orgs(a), "detail": detail }),
    })
}
/// What happened to an instruction, for the activation it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InstructionChange {
    /// A recipient signed.
    Signed,
    /// A recipient fed back.
    FedBack,
    /// It escalated for being overdue.
    Overdue,
    /// It was closed.
    Closed,
}

/// The plan-activation domain as a module of the kernel: it follows every change of the
/// instructions its activations issued (signed, fed back, overdue, closed).
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn changed(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        if !e.fact.from_origin("plan_activation") {
            return Ok(());
        }
        let (ins, change, target) = match e.fact {
            Fact::InstructionAnswered {
                instruction,
                target,
                feedback,
            } => (
                instruction,
                if feedback.is_some() {
                    InstructionChange::FedBack
                } else {
                    InstructionChange::Signed
                },
                Some(target),
            ),
            Fact::InstructionClosed { instruction } => {
                (instruction, InstructionChange::Closed, None)
            }
            Fact::InstructionOverdue { instruction } => {
                (instruction, InstructionChange::Overdue, None)
            }
            Fact::UnitMoved { .. } | Fact::IncidentCreated { .. } => return Ok(()),
        };
        reactors::on_instruction_changed(tx, ins, change, target, e.actor, e.at)
    }
    Module::new("response_plan")
        .record_kind(crate::RecordKind {
            record_type: "plan_activation",
            published: true,
            personal: &[],
        })
        .record_kind(crate::RecordKind {
            record_type: "response_plan",
            published: false,
            personal: &[],
        })
        .react(FactKind::InstructionAnswered, changed)
        .react(FactKind::InstructionClosed, changed)
        .react(FactKind::InstructionOverdue, changed)
}
