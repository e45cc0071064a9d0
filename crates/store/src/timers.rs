//! The operations layer's timers of the closed loop: a dispatch order not signed for within a
//! minute, or a unit not on scene by 1.5 times its predicted travel time, raises an alert for the
//! dispatcher, once; an instruction past its deadline escalates once to the late recipients'
//! superiors. They are the kernel's own sweeps: [`crate::Store::run_sweeps`] runs them beside the
//! domains' for whoever owns the clock (the server's one-second timer, a test moving its clock),
//! so the demo, the tests and the server keep one set of rules.

use rusqlite::Connection;
use serde_json::{json, Value};
use zhihui_core::{AssignmentStatus, OrgTree, Time};

use crate::alerts::{self, Raise};
use crate::commands::escalate_instruction;
use crate::module::Sweep;
use crate::projections as p;
use crate::{StoreError, Tx};

/// An order must be signed for within this many seconds.
pub const SIGN_WITHIN_S: f64 = 60.0;
/// A unit is late when not on scene by this multiple of its predicted travel time.
pub const LATE_FACTOR: f64 = 1.5;

/// The kernel's sweeps, run before the modules'.
pub(crate) const KERNEL: [Sweep; 3] = [
    Sweep {
        name: "dispatch.orders_late",
        due: orders_due,
        run: raise_order_alerts,
    },
    Sweep {
        name: "instructions.overdue",
        due: instructions_due,
        run: escalate_overdue,
    },
    Sweep {
        name: "alerts.escalate",
        due: alerts::escalation_due,
        run: alerts::escalate_due,
    },
];

struct Due {
    kind: &'static str,
    subject: String,
    org_id: String,
    message: String,
    data: Value,
    priority: u8,
}

/// The order alerts due at `now` that are not raised yet.
fn due_orders(c: &Connection, now: Time) -> Result<Vec<Due>, StoreError> {
    let mut due = Vec::new();
    for a in p::open_assignments(c)? {
        let Some(inc) = p::get_incident(c, a.incident_id)? else {
            continue;
        };
        let subject = format!("assignment:{}", a.id);
        let waited = (now - a.assigned_at).num_milliseconds() as f64 / 1000.0;
        if a.status == AssignmentStatus::Assigned
            && waited >= SIGN_WITHIN_S
            && !p::alert_exists(c, "unsigned", &subject)?
        {
            due.push(Due {
                kind: "unsigned",
                subject: subject.clone(),
                org_id: inc.org_id.clone(),
                priority: inc.priority,
                message: format!("{} 派警单 {} 秒未签收", a.call_sign, SIGN_WITHIN_S as i64),
                data: json!({
                    "assignment_id": a.id, "incident_id": a.incident_id, "unit_id": a.unit_id,
                    "call_sign": a.call_sign, "seconds": SIGN_WITHIN_S as i64,
                }),
            });
        }
        if let Some(eta) = a.eta_s {
            if a.status < AssignmentStatus::OnScene
                && waited > LATE_FACTOR * eta.max(1.0)
                && !p::alert_exists(c, "late_arrival", &subject)?
            {
                due.push(Due {
                    kind: "late_arrival",
                    subject,
                    org_id: inc.org_id,
                    priority: inc.priority,
                    message: format!(
                        "{} 超过预计到达时间 {:.0} 秒的 1.5 倍仍未到场",
                        a.call_sign, eta
                    ),
                    data: json!({
                        "assignment_id": a.id, "incident_id": a.incident_id, "unit_id": a.unit_id,
                        "call_sign": a.call_sign, "eta_s": eta,
                    }),
                });
            }
        }
    }
    Ok(due)
}

fn orders_due(c: &Connection, now: Time) -> Result<bool, StoreError> {
    Ok(!due_orders(c, now)?.is_empty())
}

fn raise_order_alerts(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let mut n = 0;
    for d in due_orders(tx.conn(), now)? {
        let raise = Raise {
            kind: d.kind,
            subject: &d.subject,
            group: &d.subject,
            org_id: &d.org_id,
            message: &d.message,
            data: d.data,
            priority: Some(d.priority),
        };
        if alerts::raise(tx, raise, now)?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}

fn instructions_due(c: &Connection, now: Time) -> Result<bool, StoreError> {
    Ok(p::overdue_instructions(c, &now)?
        .iter()
        .any(|i| i.escalated_at.is_none()))
}

fn escalate_overdue(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let overdue = p::overdue_instructions(tx.conn(), &now)?;
    if overdue.iter().all(|i| i.escalated_at.is_some()) {
        return Ok(0);
    }
    let orgs = OrgTree::new(p::orgs(tx.conn())?);
    let mut n = 0;
    for ins in overdue.iter().filter(|i| i.escalated_at.is_none()) {
        n += escalate_instruction(tx, &orgs, ins.id, now)?;
    }
    Ok(n)
}
