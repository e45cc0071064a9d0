//! Major-event deployment (重大安保): commands and projections. Each assignment of a unit to a
//! post is an instruction (through [`crate::commands::issue_instruction`], so supervision gets
//! its copy in the same transaction) and commits the unit; each post then follows its units' position
//! reports (arrived, left), their answers (signed) and the clock (late, empty), in the
//! transaction of the report, the answer or the timer. A post entering a lapse — late or empty —
//! raises one alert for that lapse. Every change writes the post, its `post.*` event and, for
//! actions, an audit entry.
//!
//! The files follow the slice template every domain uses: `projection.rs` (its tables and
//! queries, who may see a record), `commands.rs` (what users do, each a write with its event and
//! audit entry), `reactors.rs` (what it follows on the fact bus), `sweeps.rs` (what the clock
//! makes due), `planning.rs` (what is worked out before a write: the deployment proposal, travel
//! times, the relief unit), `migrations.rs` (its schema), and this file: the helpers they share and the
//! [`module()`] that registers it all with the kernel.

mod commands;
pub(crate) mod migrations;
pub mod planning;
mod projection;
mod reactors;
mod sweeps;

pub use commands::{assign, close_event, create_event, relieve, report_arrival, AssignItem};
pub use projection::*;
pub use sweeps::sweep;

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;
use zhihui_core::major_event::{
    due_after, EventStatus, MajorEvent, NewEvent, Post, PostAssignment, PostKind, PostStatus,
    PostingStatus, ReliefNeed, MAX_PLACES,
};
use zhihui_core::{
    Action, DomainError, InstructionStatus, LonLat, NewInstruction, OrgTree, Role, Target, Time,
    Unit, UnitPatch, UnitStatus,
};

// The operations layer (shared records), named `ops` beside this domain's own `commands`.
use crate::commands::{self as ops, Actor};
use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};
use zhihui_core::ARRIVED_WITHIN_M;

/// A unit on site that reports a position farther than this from its post has left it. Twice
/// the arrival radius, so that a car parked at the edge does not flicker between the two.
pub const LEFT_BEYOND_M: f64 = 2.0 * ARRIVED_WITHIN_M;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

fn conflict(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        field: field.into(),
        message: message.into(),
    }
}
fn unit_orgs(post: &Post) -> Vec<String> {
    let mut v: Vec<String> = post.units.iter().map(|a| a.unit_org_id.clone()).collect();
    v.sort();
    v.dedup();
    v
}

fn event_event(
    tx: &mut Tx<'_>,
    actor: &str,
    e: &MajorEvent,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: e.org_id.clone(),
        record_type: "major_event".into(),
        record_id: e.id,
        kind: kind.into(),
        payload: json!({ "record": e, "detail": detail }),
    })
}

fn post_event(
    tx: &mut Tx<'_>,
    actor: &str,
    e: &MajorEvent,
    post: &Post,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.append(EventDraft {
        at: now,
        actor: actor.to_owned(),
        org_id: e.org_id.clone(),
        record_type: "post".into(),
        record_id: post.id,
        kind: kind.into(),
        payload: json!({ "record": post, "orgs": unit_orgs(post), "detail": detail }),
    })
}

fn audit(
    tx: &mut Tx<'_>,
    actor: &str,
    action: &str,
    event_id: i64,
    detail: serde_json::Value,
    now: Time,
) -> Result<i64, StoreError> {
    tx.audit(AuditDraft {
        at: now,
        actor: actor.to_owned(),
        action: action.into(),
        target: format!("event:{event_id}"),
        outcome: "ok".into(),
        detail,
    })
}

/// Raises the alert of a lapse that has just begun: `post_empty` or `post_late`, once per lapse
/// (the subject carries the lapse's number). Returns whether it was new.
fn raise_lapse_alert(
    tx: &mut Tx<'_>,
    e: &MajorEvent,
    post: &Post,
    now: Time,
) -> Result<bool, StoreError> {
    let (kind, what) = match post.status {
        PostStatus::Empty => ("post_empty", "空岗"),
        _ => ("post_late", "迟到"),
    };
    let late: Vec<&PostAssignment> = post.units.iter().filter(|a| a.late).collect();
    let who = if late.is_empty() {
        String::new()
    } else {
        format!(
            ",{} 未按时到位",
            late.iter()
                .map(|a| a.call_sign.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )
    };
    // Default labels already name the kind ("执勤点 12"); given ones may not ("北门").
    let kind_zh = post.kind.labels().0;
    let place = if post.label.contains(kind_zh) {
        post.label.clone()
    } else {
        format!("{kind_zh}「{}」", post.label)
    };
    let message = format!(
        "安保《{}》{place} {what}:到位 {}/{}{who}",
        e.name, post.on_site, post.staff
    );
    let data = json!({
        "event_id": e.id, "post_id": post.id, "post_index": post.index, "label": post.label,
        "status": post.status.as_str(), "lapse": post.lapses,
        "late_unit_ids": late.iter().map(|a| a.unit_id).collect::<Vec<_>>(),
        "late_call_signs": late.iter().map(|a| a.call_sign.as_str()).collect::<Vec<_>>(),
        "event": e.name, "post_kind": post.kind.as_str(), "on_site": post.on_site,
        "staff": post.staff,
        "lon": post.lon, "lat": post.lat,
    });
    // Each lapse is raised once; the lapses of one post count on one alert until it is resolved.
    let subject = format!("post:{}:lapse:{}", post.id, post.lapses);
    let group = format!("post:{}", post.id);
    let raise = crate::alerts::Raise {
        kind,
        subject: &subject,
        group: &group,
        org_id: &e.org_id,
        message: &message,
        data,
        priority: None,
    };
    Ok(crate::alerts::raise(tx, raise, now)?.is_some())
}

/// After a change of facts: refresh the post at `now`, write it with its event, and raise the
/// alert if a lapse began.
fn after_change(
    tx: &mut Tx<'_>,
    actor: &str,
    e: &MajorEvent,
    post: &mut Post,
    kind: &str,
    detail: serde_json::Value,
    now: Time,
) -> Result<(), StoreError> {
    let r = post.refresh(now);
    put_post(tx.conn(), post, now)?;
    post_event(tx, actor, e, post, kind, detail, now)?;
    if r.lapse_started {
        raise_lapse_alert(tx, e, post, now)?;
    }
    Ok(())
}
/// The major-event domain as a module of the kernel: it follows unit moves (a unit reaching or
/// leaving its post) and the answers to the instructions its events issued.
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn moved(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        e.fact
            .unit()
            .map_or(Ok(()), |u| reactors::on_unit_moved(tx, u, e.actor, e.at))
    }
    fn answered(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        match e.fact {
            Fact::InstructionAnswered { instruction, .. } if e.fact.from_origin("event") => {
                reactors::on_instruction_answered(tx, instruction.id, e.actor, e.at)
            }
            _ => Ok(()),
        }
    }
    Module::new("major_event")
        .lists_holds(post_holds)
        .record_kind(crate::RecordKind {
            record_type: "major_event",
            published: true,
            personal: &[],
        })
        .record_kind(crate::RecordKind {
            record_type: "post",
            published: true,
            personal: &[],
        })
        .react(FactKind::UnitMoved, moved)
        .react(FactKind::InstructionAnswered, answered)
        // Posts going late or empty raise their alerts, one per lapse.
        .sweep(crate::Sweep {
            name: "major_event.posts",
            due: |c, now| Ok(!due_posts(c, &now)?.is_empty()),
            run: sweep,
        })
}
/// Counts of posts by kind (for summaries).
pub fn kind_counts(posts: &[Post]) -> (usize, usize) {
    let cp = posts
        .iter()
        .filter(|p| p.kind == PostKind::Checkpoint)
        .count();
    (cp, posts.len() - cp)
}
