//! The telephony domain (来电): calls as the telephone system (CTI) reports them — ringing with
//! the caller's number and handset location, answered by a call-taker, ended or abandoned — so
//! that the call-taker's console fills the new-incident form from the call it answers, and the
//! incident recorded from it (`source_ref: "call:ID"`) is linked back to the call.
//!
//! A slice of its own (model in `zhihui_core::call`, commands and projection here, its schema in
//! [`module`]'s migrations); it follows the operations layer through the fact bus
//! ([`crate::Fact::IncidentCreated`]) and nothing in the kernel names it.

pub mod commands;
pub mod projection;

use crate::{StoreError, Tx};

const MIGRATION_1: &str = r#"
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        external_id TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL,
        state TEXT NOT NULL,
        rang_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX calls_state ON calls(state, rang_at);
"#;

/// The telephony domain as a module of the kernel: its schema, how its records travel (the
/// caller's number is personal data, masked on the live feed), and the link from an incident
/// recorded from a call back to the call.
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn created(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        match e.fact {
            Fact::IncidentCreated { incident } => {
                commands::link_incident(tx, incident, e.actor, e.at)
            }
            _ => Ok(()),
        }
    }
    Module::new("telephony")
        .migrations(&[MIGRATION_1])
        .record_kind(crate::RecordKind {
            record_type: "call",
            published: true,
            personal: &["/caller_number"],
        })
        .react(FactKind::IncidentCreated, created)
}
