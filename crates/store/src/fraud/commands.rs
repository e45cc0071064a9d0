//! What analysts do with fraud reports: add them (idempotent by id), and reject a link. Each
//! checks the role, validates naming the field, and writes the rows and the audit entry in the
//! caller's transaction.

use serde::Serialize;
use serde_json::json;
use zhihui_core::{Action, DomainError, Time};
use zhihui_link::{normalize, Kind, Report};

use super::projection as fp;
use crate::commands::{audit_ok, Actor};
use crate::{StoreError, Tx};

/// At most this many reports per delivery.
pub const MAX_REPORTS: usize = 1000;

/// What a delivery did.
#[derive(Debug, Clone, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Added {
    /// Reports taken.
    pub accepted: usize,
    /// Reports received before (by id): not taken again.
    pub duplicates: usize,
    /// The reports taken, in order (for the linker).
    #[serde(skip)]
    pub new: Vec<Report>,
}

fn check(i: usize, r: &Report) -> Result<(), DomainError> {
    let f = |name: &str| format!("reports[{i}].{name}");
    let id = r.id.trim();
    if id.is_empty() || id.chars().count() > 128 {
        return Err(DomainError::invalid(f("id"), "1 to 128 characters"));
    }
    if r.identifiers.is_empty() || r.identifiers.len() > 50 {
        return Err(DomainError::invalid(
            f("identifiers"),
            "1 to 50 identifiers",
        ));
    }
    for (j, x) in r.identifiers.iter().enumerate() {
        let Some(kind) = Kind::parse(x.kind.trim()) else {
            return Err(DomainError::invalid(
                f(&format!("identifiers[{j}].kind")),
                format!("one of {}", Kind::ALL.map(|k| k.as_str()).join(", ")),
            ));
        };
        if x.value.chars().count() > 200 {
            return Err(DomainError::invalid(
                f(&format!("identifiers[{j}].value")),
                "at most 200 characters",
            ));
        }
        if let Err(e) = normalize(kind, &x.value) {
            return Err(DomainError::invalid(
                f(&format!("identifiers[{j}].value")),
                e.to_string(),
            ));
        }
    }
    if r.amount.is_some_and(|a| !a.is_finite() || a < 0.0) {
        return Err(DomainError::invalid(
            f("amount"),
            "a non-negative number of yuan",
        ));
    }
    if r.province
        .as_deref()
        .is_some_and(|p| p.chars().count() > 20)
    {
        return Err(DomainError::invalid(f("province"), "at most 20 characters"));
    }
    Ok(())
}

/// Adds reports (all checked first: one bad report refuses the delivery, naming its field); a
/// report already received is counted as a duplicate. Needs [`Action::Analyse`].
pub fn add(
    tx: &mut Tx<'_>,
    actor: &Actor,
    reports: Vec<Report>,
    now: Time,
) -> Result<Added, StoreError> {
    actor.require(Action::Analyse, "add fraud reports")?;
    if reports.is_empty() || reports.len() > MAX_REPORTS {
        return Err(DomainError::invalid("reports", format!("1 to {MAX_REPORTS} reports")).into());
    }
    for (i, r) in reports.iter().enumerate() {
        check(i, r)?;
    }
    let mut done = Added::default();
    for mut r in reports {
        r.id = r.id.trim().to_owned();
        if fp::exists(tx.conn(), &r.id)? || done.new.iter().any(|n| n.id == r.id) {
            done.duplicates += 1;
            continue;
        }
        fp::put(tx.conn(), &r, &actor.org_id, &now)?;
        done.accepted += 1;
        done.new.push(r);
    }
    tx.audit(audit_ok(
        actor,
        now,
        "fraud.report.add",
        "fraud_reports".into(),
        json!({
            "accepted": done.accepted,
            "duplicates": done.duplicates,
            "ids": done.new.iter().map(|r| &r.id).collect::<Vec<_>>(),
        }),
    ))?;
    Ok(done)
}

/// The analyst rejects the link `report` makes through `kind:value`, with a note; audited.
/// Returns the normalised value.
pub fn reject(
    tx: &mut Tx<'_>,
    actor: &Actor,
    report: &str,
    kind: &str,
    value: &str,
    note: &str,
    now: Time,
) -> Result<(Kind, String), StoreError> {
    actor.require(Action::Analyse, "reject a link between fraud reports")?;
    let Some(kind) = Kind::parse(kind.trim()) else {
        return Err(DomainError::invalid("kind", "not an identifier kind").into());
    };
    let n = normalize(kind, value).map_err(|e| DomainError::invalid("value", e.to_string()))?;
    if !fp::exists(tx.conn(), report.trim())? {
        return Err(StoreError::NotFound(format!("fraud report {report}")));
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(DomainError::invalid("note", "say why, in at most 500 characters").into());
    }
    fp::put_rejection(
        tx.conn(),
        report.trim(),
        kind,
        &n.value,
        &actor.username,
        &now,
        note,
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "fraud.link.reject",
        format!("fraud_report:{}", report.trim()),
        json!({ "kind": kind.as_str(), "value": n.value, "note": note }),
    ))?;
    Ok((kind, n.value))
}
