//! Interceptions (设卡布控): commands and projection. Activation sends every checkpoint to its
//! unit as an instruction (through [`crate::commands::issue_instruction`], so supervision gets its copy
//! in the same transaction) and commits the unit; the record then follows the instruction
//! (signed, fed back), the unit's position (arrived) and the clock (late) until it is closed with
//! an outcome. Each change writes the record, its `interception.*` event and, for actions, an
//! audit entry in the caller's transaction.

//!
//! The domain's files follow the slice template every domain uses: `projection.rs` (its tables
//! and queries, who may see a record), `commands.rs` (what users do, each a write with its event
//! and audit entry), `reactors.rs` (what it follows on the fact bus), `sweeps.rs` (what the clock
//! makes due), `planning.rs` (the interception and blockade plans and the activation's pre-check,
//! before any write), `migrations.rs` (its schema), and this file: the helpers they share and the
//! [`module()`] that registers it all with the kernel.

mod commands;
pub(crate) mod migrations;
pub mod planning;
mod projection;
mod reactors;
mod sweeps;

pub use commands::{close_interception, create_interception, report_arrival};
pub use projection::*;
pub use sweeps::mark_late;

use rusqlite::{params, OptionalExtension};
use serde_json::json;
use zhihui_core::{
    Action, DomainError, IncidentStatus, InstructionStatus, Interception, InterceptionOutcome,
    InterceptionStatus, LonLat, NewInstruction, NewInterception, OrgTree, Target, Time, Unit,
    UnitPatch, UnitStatus,
};

// The operations layer (shared records), named `ops` beside this domain's own `commands`.
use crate::commands::{self as ops, Actor};
use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};

/// The connection type [`crate::Store::read`] hands out, for callers that check a request
/// inside one read without depending on rusqlite themselves.
pub use rusqlite::Connection;

/// A unit reported within this distance of its checkpoint is there: AVL fixes are snapped to
/// the road and a checkpoint blocks an intersection, so a car parked across it reports a few
/// tens of metres off.
pub use zhihui_core::ARRIVED_WITHIN_M;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

/// The organisations that see an interception besides the issuer's: its units'.
fn unit_orgs(i: &Interception) -> Vec<String> {
    let mut v: Vec<String> = i.points.iter().map(|p| p.unit_org_id.clone()).collect();
    v.sort();
    v.dedup();
    v
}

fn event(
    tx: &mut Tx<'_>,
    actor: &str,
    i: &Interception,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: i.org_id.clone(),
        record_type: "interception".into(),
        record_id: i.id,
        kind: kind.into(),
        payload: json!({ "record": i, "orgs": unit_orgs(i), "detail": detail }),
    })
}

fn audit(
    tx: &mut Tx<'_>,
    actor: &str,
    action: &str,
    id: i64,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.audit(AuditDraft {
        at: now,
        actor: actor.to_owned(),
        action: action.into(),
        target: format!("interception:{id}"),
        outcome: "ok".into(),
        detail,
    })
}

/// The interception domain as a module of the kernel: it follows unit moves (a unit reaching its
/// checkpoint) and answers to its instructions, in the transaction that made them.
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn moved(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        e.fact
            .unit()
            .map_or(Ok(()), |u| reactors::on_unit_moved(tx, u, e.actor, e.at))
    }
    fn answered(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        match e.fact {
            // Only the answers to instructions an interception issued.
            Fact::InstructionAnswered {
                instruction,
                feedback,
                ..
            } if e.fact.from_origin("interception") => {
                reactors::on_instruction_answered(tx, instruction.id, feedback, e.actor, e.at)
            }
            _ => Ok(()),
        }
    }
    Module::new("interception")
        .lists_holds(checkpoint_holds)
        .claims_units(|c, unit_id| {
            Ok(active_commitment(c, unit_id)?
                .map(|i| format!("holds a checkpoint of interception {i}")))
        })
        .record_kind(crate::RecordKind {
            record_type: "interception",
            published: true,
            personal: &[],
        })
        .react(FactKind::UnitMoved, moved)
        .react(FactKind::InstructionAnswered, answered)
        // Checkpoints are marked late, not alerted: their instructions escalate at the same
        // deadline.
        .sweep(crate::Sweep {
            name: "interception.points_late",
            due: |c, now| Ok(!due_points(c, &now)?.is_empty()),
            run: |tx, now| mark_late(tx, now).map(|_| 0),
        })
}
