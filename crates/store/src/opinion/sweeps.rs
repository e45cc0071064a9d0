//! What the clock makes due: an alert past its stage's deadline escalates (once per stage) into
//! the alert centre, and posts that raised nothing are purged after the keeping window.

use serde_json::json;
use zhihui_core::opinion::{self as model, OpinionLevel, OpinionState};
use zhihui_core::Time;

use super::projection as op;
use super::RECORD;
use crate::alerts::{self, Raise};
use crate::{AuditDraft, StoreError, Tx};

/// Whether an alert's deadline has passed.
pub fn escalation_due(c: &rusqlite::Connection, now: Time) -> Result<bool, StoreError> {
    op::any_due(c, &now)
}

/// Escalates every alert past its deadline: the alert records it, and the alert centre gets an
/// `opinion_overdue` alert for the owning organisation (critical for high self-harm, so it
/// sounds, toasts and goes on to the duty leader if nobody takes it). Returns how many alerts the
/// alert centre raised.
pub fn escalate(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let mut raised = 0;
    for mut a in op::due(tx.conn(), &now)? {
        if !a.escalation_due(now) {
            // Taken or decided since the index was written: refresh the row.
            op::put(tx.conn(), &a)?;
            continue;
        }
        let stage = a.state;
        a.escalate(now);
        op::put(tx.conn(), &a)?;
        tx.record_event(
            "system",
            &a.org_id,
            RECORD,
            a.id,
            "opinion_alert.escalated",
            &a,
            json!({ "stage": stage.as_str() }),
            now,
        )?;
        let cat = model::category(&a.category).map(|c| c.zh).unwrap_or("舆情");
        let level = if a.level == OpinionLevel::High {
            "高"
        } else {
            "中"
        };
        let what = if stage == OpinionState::New {
            "逾期未签收"
        } else {
            "逾期未处置"
        };
        let message = format!("舆情预警 #{}（{cat}，{level}）{what}", a.id);
        let priority = match (a.category.as_str(), a.level) {
            ("self_harm", OpinionLevel::High) => 1,
            (_, OpinionLevel::High) => 2,
            _ => 3,
        };
        let subject = format!("{RECORD}:{}:{}", a.id, stage.as_str());
        let group = format!("{RECORD}:{}", a.id);
        if alerts::raise(
            tx,
            Raise {
                kind: "opinion_overdue",
                subject: &subject,
                group: &group,
                org_id: &a.org_id,
                message: &message,
                data: json!({
                    "opinion_alert_id": a.id,
                    "category": a.category,
                    "level": a.level,
                    "stage": stage.as_str(),
                    "owner": a.owner(),
                }),
                priority: Some(priority),
            },
            now,
        )?
        .is_some()
        {
            raised += 1;
        }
        tx.audit(AuditDraft {
            at: now,
            actor: "system".into(),
            action: "opinion.escalate".into(),
            target: format!("{RECORD}:{}", a.id),
            outcome: "ok".into(),
            detail: json!({ "stage": stage.as_str() }),
        })?;
    }
    Ok(raised)
}

/// Default hours a post that raised nothing is kept (`--opinion-keep-hours`).
pub const DEFAULT_KEEP_H: i64 = 72;

fn keep_hours(c: &rusqlite::Connection) -> Result<i64, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(
        c.prepare_cached("SELECT value FROM opinion_settings WHERE key = 'keep_hours'")?
            .query_row([], |r| r.get::<_, i64>(0))
            .optional()?
            .unwrap_or(DEFAULT_KEEP_H),
    )
}

/// Sets how many hours posts that raised nothing are kept (the server's start-up writes it).
pub fn set_keep_hours(tx: &mut Tx<'_>, hours: i64) -> Result<(), StoreError> {
    if hours < 1 {
        return Err(zhihui_core::DomainError::invalid("keep_hours", "at least one hour").into());
    }
    tx.conn().execute(
        "INSERT INTO opinion_settings(key, value) VALUES ('keep_hours', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [hours],
    )?;
    Ok(())
}

fn purge_before(c: &rusqlite::Connection, now: Time) -> Result<Time, StoreError> {
    Ok(now - chrono::Duration::hours(keep_hours(c)?))
}

/// Whether posts that raised nothing have outlived the window.
pub fn purge_due(c: &rusqlite::Connection, now: Time) -> Result<bool, StoreError> {
    op::any_purgeable(c, &purge_before(c, now)?)
}

/// Deletes posts that raised nothing and outlived the window (a bounded batch per run, so the
/// writer is never held long); their clusters keep only counts.
pub fn purge(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let before = purge_before(tx.conn(), now)?;
    let n = op::purge(tx.conn(), &before, 5000)?;
    if n > 0 {
        tracing::info!(purged = n, "public posts that raised nothing purged");
    }
    Ok(0)
}
