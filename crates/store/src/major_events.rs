//! Major-event deployment (重大安保): commands and projections. Each assignment of a unit to a
//! post is an instruction (through [`commands::issue_instruction`], so supervision gets its copy
//! in the same transaction) and commits the unit; each post then follows its units' position
//! reports (arrived, left), their answers (signed) and the clock (late, empty), in the
//! transaction of the report, the answer or the timer. A post entering a lapse — late or empty —
//! raises one alert for that lapse. Every change writes the post, its `post.*` event and, for
//! actions, an audit entry.

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

use crate::commands::{self, Actor};
use crate::projections as p;
use crate::{AuditDraft, EventDraft, StoreError, Tx};
use zhihui_core::ARRIVED_WITHIN_M;

/// A unit on site that reports a position farther than this from its post has left it. Twice
/// the arrival radius, so that a car parked at the edge does not flicker between the two.
pub const LEFT_BEYOND_M: f64 = 2.0 * ARRIVED_WITHIN_M;

/// The schema (migration 6 in [`crate::migrations`]). The `post_units` rows index the post
/// documents: which unit holds which post (for position reports), which instruction sent it;
/// `next_check` is when the clock alone may next change a post (for the timers).
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE major_events (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX major_events_status ON major_events(status, id);
    CREATE TABLE event_posts (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES major_events(id),
        idx INTEGER NOT NULL,
        status TEXT NOT NULL,
        active INTEGER NOT NULL,
        next_check TEXT,
        doc TEXT NOT NULL,
        UNIQUE (event_id, idx)
    );
    CREATE INDEX event_posts_due ON event_posts(next_check) WHERE active = 1 AND next_check IS NOT NULL;
    CREATE TABLE post_units (
        post_id INTEGER NOT NULL REFERENCES event_posts(id),
        unit_id INTEGER NOT NULL REFERENCES units(id),
        instruction_id INTEGER NOT NULL REFERENCES instructions(id),
        event_id INTEGER NOT NULL REFERENCES major_events(id),
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        active INTEGER NOT NULL,
        on_site INTEGER NOT NULL,
        PRIMARY KEY (post_id, unit_id, instruction_id)
    );
    CREATE INDEX post_units_unit ON post_units(unit_id) WHERE active = 1;
    CREATE INDEX post_units_instruction ON post_units(instruction_id);
"#;

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

fn conflict(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        field: field.into(),
        message: message.into(),
    }
}

// ---------------------------------------------------------------- projection

/// Inserts or replaces an event.
pub fn put_event(c: &Connection, e: &MajorEvent) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO major_events(id, org_id, status, starts_at, created_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
    )?
    .execute(params![
        e.id,
        e.org_id,
        match e.status {
            EventStatus::Active => "active",
            EventStatus::Closed => "closed",
        },
        crate::ts(&e.starts_at),
        crate::ts(&e.created_at),
        serde_json::to_string(e)?
    ])?;
    Ok(())
}

/// One event.
pub fn get_event(c: &Connection, id: i64) -> Result<Option<MajorEvent>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM major_events WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// Events, newest first, optionally only `active` or `closed` ones.
pub fn list_events(
    c: &Connection,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<MajorEvent>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM major_events WHERE (?1 IS NULL OR status = ?1) ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = s.query_map(params![status, limit], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// The events run within `orgs` (the viewer's jurisdiction), newest first: one page and the
/// total, filtered in the query.
pub fn list_events_in(
    c: &Connection,
    orgs: &[String],
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MajorEvent>, i64), StoreError> {
    let orgs = serde_json::Value::from(orgs.to_vec()).to_string();
    crate::reach::page_docs(
        c,
        "FROM major_events WHERE org_id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR status = ?2)",
        &[&orgs, &status],
        "id DESC",
        limit,
        offset,
    )
}

/// Writes a post and its index rows; `now` places its next timer check.
pub fn put_post(c: &Connection, post: &Post, now: Time) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO event_posts(id, event_id, idx, status, active, next_check, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, active = excluded.active,
             next_check = excluded.next_check, doc = excluded.doc",
    )?
    .execute(params![
        post.id,
        post.event_id,
        post.index as i64,
        post.status.as_str(),
        post.active,
        post.next_check(now).map(|t| crate::ts(&t)),
        serde_json::to_string(post)?
    ])?;
    let mut s = c.prepare_cached(
        "INSERT INTO post_units(post_id, unit_id, instruction_id, event_id, lon, lat, active, on_site)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(post_id, unit_id, instruction_id) DO UPDATE SET active = excluded.active, on_site = excluded.on_site",
    )?;
    for a in &post.units {
        s.execute(params![
            post.id,
            a.unit_id,
            a.instruction_id,
            post.event_id,
            post.lon,
            post.lat,
            post.active && a.status.is_active(),
            a.status == PostingStatus::OnSite
        ])?;
    }
    Ok(())
}

/// One post.
pub fn get_post(c: &Connection, id: i64) -> Result<Option<Post>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM event_posts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// Every post of an event, by number.
pub fn event_posts(c: &Connection, event_id: i64) -> Result<Vec<Post>, StoreError> {
    let mut s = c.prepare_cached("SELECT doc FROM event_posts WHERE event_id = ?1 ORDER BY idx")?;
    let rows = s.query_map([event_id], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Posts whose next timer check has come.
pub fn due_posts(c: &Connection, now: &Time) -> Result<Vec<i64>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT id FROM event_posts WHERE active = 1 AND next_check IS NOT NULL AND next_check <= ?1 ORDER BY id",
    )?;
    let rows = s.query_map([crate::ts(now)], |r| r.get::<_, i64>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What holds a unit somewhere: an event post or an interception checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Commitment {
    /// The unit.
    pub unit_id: i64,
    /// Where it must be.
    pub at: LonLat,
    /// The instruction that sent it.
    pub instruction_id: i64,
    /// `post` or `checkpoint`.
    pub what: &'static str,
    /// Whether it is recorded there.
    pub on_site: bool,
}

/// Every unit held by an event post or an active interception checkpoint (the simulator drives
/// them there).
pub fn commitments(c: &Connection) -> Result<Vec<Commitment>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT unit_id, lon, lat, instruction_id, 'post', on_site FROM post_units WHERE active = 1
         UNION ALL
         SELECT unit_id, lon, lat, instruction_id, 'checkpoint', arrived FROM interception_points WHERE active = 1",
    )?;
    let rows = s.query_map([], |r| {
        Ok(Commitment {
            unit_id: r.get(0)?,
            at: LonLat {
                lon: r.get(1)?,
                lat: r.get(2)?,
            },
            instruction_id: r.get(3)?,
            what: if r.get::<_, String>(4)? == "post" {
                "post"
            } else {
                "checkpoint"
            },
            on_site: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

// ---------------------------------------------------------------- visibility

/// Whether the actor may see an event: it is run within their jurisdiction.
pub fn may_see(orgs: &OrgTree, actor: &Actor, e: &MajorEvent) -> bool {
    orgs.is_within(&e.org_id, &actor.org_id)
}

/// Loads an event the actor may see.
pub fn load_event(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<MajorEvent, StoreError> {
    let e = get_event(c, id)?.ok_or_else(|| StoreError::NotFound(format!("event {id}")))?;
    if !may_see(orgs, actor, &e) {
        return Err(StoreError::Denied(format!(
            "event {id} is outside your jurisdiction"
        )));
    }
    Ok(e)
}

/// Loads a post of `event_id`.
pub fn load_post(c: &Connection, event_id: i64, post_id: i64) -> Result<Post, StoreError> {
    get_post(c, post_id)?
        .filter(|p| p.event_id == event_id)
        .ok_or_else(|| StoreError::NotFound(format!("post {post_id} of event {event_id}")))
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
        "lon": post.lon, "lat": post.lat,
    });
    let subject = format!("post:{}:lapse:{}", post.id, post.lapses);
    Ok(commands::raise_alert(tx, kind, &subject, &e.org_id, &message, data, now)?.is_some())
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

// ---------------------------------------------------------------- commands

/// Creates an event with all its posts: the event, each post and their `*.created` events, one
/// audit entry.
pub fn create_event(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: NewEvent,
    now: Time,
) -> Result<(MajorEvent, Vec<Post>), StoreError> {
    actor.require(Action::WriteIncident, "create event deployments")?;
    new.validate(now)?;
    let org_id = new.org_id.clone().unwrap_or_else(|| actor.org_id.clone());
    if orgs.get(&org_id).is_none() {
        return Err(invalid(
            "org_id",
            format!("unknown organisation `{org_id}`"),
        ));
    }
    actor.require_within(orgs, &org_id).map_err(|e| match e {
        StoreError::Denied(m) => StoreError::Denied(format!("org_id: {m}")),
        other => other,
    })?;
    let (id, first_post): (i64, i64) = tx.conn().query_row(
        "SELECT (SELECT COALESCE(MAX(id), 0) + 1 FROM major_events), (SELECT COALESCE(MAX(id), 0) + 1 FROM event_posts)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let ev = new.to_event(id, &org_id, &actor.username, now);
    let posts = new.to_posts(id, first_post, now);
    put_event(tx.conn(), &ev)?;
    event_event(
        tx,
        &actor.username,
        &ev,
        "event.created",
        json!({ "posts": posts.len() }),
        now,
    )?;
    for post in &posts {
        put_post(tx.conn(), post, now)?;
        post_event(
            tx,
            &actor.username,
            &ev,
            post,
            "post.created",
            json!({}),
            now,
        )?;
    }
    audit(
        tx,
        &actor.username,
        "event.create",
        id,
        json!({ "checkpoints": ev.checkpoints, "duty_points": ev.duty_points, "places": ev.places }),
        now,
    )?;
    Ok((ev, posts))
}

/// One unit for one post, as requested.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AssignItem {
    /// The post.
    pub post_id: i64,
    /// The unit.
    pub unit_id: i64,
    /// Its travel time by road to the post now, if known.
    pub travel_s: Option<f64>,
}

/// Sends one unit to a post: checks it (known, in jurisdiction, available, of a kind the post
/// takes, a place free), issues its instruction, commits it and records it on the post (the
/// caller writes the post).
#[allow(clippy::too_many_arguments)]
fn send_unit(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    e: &MajorEvent,
    post: &mut Post,
    unit: &Unit,
    travel_s: Option<f64>,
    relief: bool,
    fields: (&str, &str),
    now: Time,
) -> Result<(), StoreError> {
    let (unit_field, post_field) = fields;
    if !post.accepts(unit.kind) {
        return Err(invalid(
            unit_field,
            format!(
                "{} is a {}; post {} takes {}",
                unit.call_sign,
                unit.kind.as_str(),
                post.index,
                post.kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let held = post.units.iter().filter(|a| a.status.is_active()).count() as u32;
    if held >= post.staff {
        return Err(conflict(
            post_field,
            format!("post {} has all {} places filled", post.index, post.staff),
        ));
    }
    let travel_s = travel_s.filter(|t| t.is_finite() && *t >= 0.0);
    let expected_at = match travel_s {
        Some(t) => now + chrono::Duration::milliseconds((t * 1000.0) as i64),
        None => now.max(post.shift_start),
    };
    let due_at = due_after(expected_at, travel_s);
    // The shift start is the order's deadline; once it has passed, the unit's own due time.
    let deadline = if post.shift_start > now {
        post.shift_start
    } else {
        due_at
    };
    let (kind_zh, _) = post.kind.labels();
    let title = if relief {
        format!("安保替补 · {}", post.label)
    } else {
        format!("安保执勤 · {}", post.label)
    };
    let eta = travel_s
        .map(|_| format!("预计 {} 到达。", zhihui_core::local_time::hms(&expected_at)))
        .unwrap_or_default();
    let ins = commands::issue_instruction_from(
        tx,
        orgs,
        actor,
        NewInstruction {
            title,
            body: format!(
                "{}《{}》:请于 {}(北京时间)前到达{kind_zh}「{}」(坐标 {:.5}, {:.5})执勤,执勤时段 {}–{}。{eta}到位后签收并反馈。安保部署 #{} · 岗位 {}。",
                if relief { "替补" } else { "重大安保" },
                e.name,
                zhihui_core::local_time::hms(&deadline),
                post.label,
                post.lon,
                post.lat,
                zhihui_core::local_time::hms(&post.shift_start),
                zhihui_core::local_time::hms(&post.shift_end),
                e.id,
                post.index
            ),
            targets: vec![Target {
                org_id: None,
                unit_id: Some(unit.id),
            }],
            deadline,
            feedback_required: true,
            incident_id: None,
        },
        Some(format!("event:{}", e.id)),
        now,
    )?;
    commands::update_unit(
        tx,
        orgs,
        actor,
        unit.id,
        UnitPatch {
            status: Some(UnitStatus::Dispatched),
            ..Default::default()
        },
        now,
    )?;
    post.assign(
        PostAssignment {
            unit_id: unit.id,
            call_sign: unit.call_sign.clone(),
            kind: unit.kind,
            unit_org_id: unit.org_id.clone(),
            instruction_id: ins.id,
            status: PostingStatus::Assigned,
            relief,
            assigned_at: now,
            assigned_by: actor.username.clone(),
            travel_s,
            expected_at,
            due_at,
            signed_at: None,
            arrived_at: None,
            left_at: None,
            closed_at: None,
            replaced_by: None,
            late: false,
        },
        unit_field,
    )?;
    // A unit already standing at its post is there from the start.
    if let Some(pos) = unit.position {
        if pos.distance_m(&post.position()) <= ARRIVED_WITHIN_M {
            post.mark_arrived(unit.id, now);
        }
    }
    Ok(())
}

fn require_active(e: &MajorEvent) -> Result<(), StoreError> {
    if e.status == EventStatus::Closed {
        return Err(conflict("status", format!("event {} is closed", e.id)));
    }
    Ok(())
}

/// Assigns units to posts (accepting a deployment proposal, or by hand), all or nothing: one
/// instruction per unit (deadline: the post's shift start), each unit committed, each post
/// written once with a `post.assigned` event. Returns the posts changed.
pub fn assign(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    event_id: i64,
    items: &[AssignItem],
    now: Time,
) -> Result<Vec<Post>, StoreError> {
    actor.require(Action::WriteIncident, "assign units to posts")?;
    let ev = load_event(tx.conn(), orgs, actor, event_id)?;
    require_active(&ev)?;
    if items.is_empty() || items.len() > MAX_PLACES {
        return Err(invalid("items", format!("1 to {MAX_PLACES} assignments")));
    }
    let mut posts: HashMap<i64, Post> = HashMap::new();
    let mut order: Vec<i64> = Vec::new();
    let mut added: HashMap<i64, Vec<i64>> = HashMap::new();
    for (i, it) in items.iter().enumerate() {
        let uf = format!("items[{i}].unit_id");
        let pf = format!("items[{i}].post_id");
        if items[..i].iter().any(|o| o.unit_id == it.unit_id) {
            return Err(invalid(&uf, format!("unit {} is listed twice", it.unit_id)));
        }
        if !posts.contains_key(&it.post_id) {
            let post = get_post(tx.conn(), it.post_id)?
                .filter(|p| p.event_id == event_id)
                .ok_or_else(|| {
                    invalid(&pf, format!("event {event_id} has no post {}", it.post_id))
                })?;
            order.push(post.id);
            posts.insert(post.id, post);
        }
        let unit = commands::check_unit(tx.conn(), tx.registry(), orgs, actor, it.unit_id, &uf)?;
        let post = posts.get_mut(&it.post_id).expect("loaded above");
        send_unit(
            tx,
            orgs,
            actor,
            &ev,
            post,
            &unit,
            it.travel_s,
            false,
            (&uf, &pf),
            now,
        )?;
        added.entry(it.post_id).or_default().push(unit.id);
    }
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let mut post = posts.remove(&id).expect("loaded above");
        let units = added.remove(&id).unwrap_or_default();
        after_change(
            tx,
            &actor.username,
            &ev,
            &mut post,
            "post.assigned",
            json!({ "unit_ids": units }),
            now,
        )?;
        out.push(post);
    }
    audit(
        tx,
        &actor.username,
        "event.assign",
        event_id,
        json!({
            "posts": out.len(),
            "units": items.iter().map(|i| i.unit_id).collect::<Vec<_>>(),
        }),
        now,
    )?;
    Ok(out)
}

/// A unit (or a dispatcher for it) reports being at its post.
pub fn report_arrival(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    event_id: i64,
    post_id: i64,
    unit_id: i64,
    now: Time,
) -> Result<Post, StoreError> {
    let ev = get_event(tx.conn(), event_id)?
        .ok_or_else(|| StoreError::NotFound(format!("event {event_id}")))?;
    let mut post = load_post(tx.conn(), event_id, post_id)?;
    let own = actor.unit_id == Some(unit_id);
    if !own {
        if !may_see(orgs, actor, &ev) {
            return Err(StoreError::Denied(format!(
                "event {event_id} is outside your jurisdiction"
            )));
        }
        actor.require(Action::WriteIncident, "report for another unit")?;
    }
    require_active(&ev)?;
    let a = post.active_of(unit_id).ok_or_else(|| {
        invalid(
            "unit_id",
            format!("unit {unit_id} does not hold post {}", post.index),
        )
    })?;
    if !own {
        actor.require_within(orgs, &a.unit_org_id)?;
    }
    if !post.mark_arrived(unit_id, now) {
        return Err(conflict(
            "unit_id",
            "the unit is already reported at this post",
        ));
    }
    after_change(
        tx,
        &actor.username,
        &ev,
        &mut post,
        "post.arrived",
        json!({ "unit_id": unit_id, "by": "report" }),
        now,
    )?;
    audit(
        tx,
        &actor.username,
        "event.arrive",
        event_id,
        json!({ "post": post_id, "unit": unit_id }),
        now,
    )?;
    Ok(post)
}

/// Frees a unit that a post held, unless it has been given a dispatch order since.
fn free_unit(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    unit_id: i64,
    now: Time,
) -> Result<(), StoreError> {
    if let Some(u) = p::get_unit(tx.conn(), unit_id)? {
        let held = matches!(
            u.status,
            UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene
        );
        if held && p::open_unit_assignments(tx.conn(), u.id)?.is_empty() {
            commands::update_unit(
                tx,
                orgs,
                actor,
                u.id,
                UnitPatch {
                    status: Some(UnitStatus::Available),
                    ..Default::default()
                },
                now,
            )?;
        }
    }
    Ok(())
}

fn close_open_instruction(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    outcome: &str,
    now: Time,
) -> Result<(), StoreError> {
    if let Some(ins) = p::get_instruction(tx.conn(), id)? {
        if ins.status == InstructionStatus::Open {
            // Only the issuer or a leader above closes an instruction; when another dispatcher
            // relieves the post, the system closes it for the event (the relief itself is
            // audited under the dispatcher's name).
            let closer = if actor.acts_for(orgs, &ins.issued_by, &ins.issuer_org_id) {
                actor.clone()
            } else {
                Actor {
                    username: "system".into(),
                    role: Role::Admin,
                    org_id: ins.issuer_org_id.clone(),
                    unit_id: None,
                }
            };
            commands::close_instruction(tx, orgs, &closer, ins.id, outcome, now)?;
        }
    }
    Ok(())
}

/// One-click relief (替补) for a late or empty post: `unit_id` (the caller picked the nearest
/// free unit of an accepted kind; `travel_s` its road time) fills the vacancy, or replaces the
/// overdue unit, whose instruction is closed and which is freed. Returns the post and the unit
/// replaced, if any.
#[allow(clippy::too_many_arguments)]
pub fn relieve(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    event_id: i64,
    post_id: i64,
    unit_id: i64,
    travel_s: Option<f64>,
    now: Time,
) -> Result<(Post, Option<i64>), StoreError> {
    actor.require(Action::WriteIncident, "send relief")?;
    let ev = load_event(tx.conn(), orgs, actor, event_id)?;
    require_active(&ev)?;
    let mut post = load_post(tx.conn(), event_id, post_id)?;
    let need = post.relief_need(now).ok_or_else(|| {
        conflict(
            "post",
            format!(
                "post {} needs no relief ({})",
                post.index,
                post.status_at(now).labels().1.to_lowercase()
            ),
        )
    })?;
    let unit = commands::check_unit(tx.conn(), tx.registry(), orgs, actor, unit_id, "unit_id")?;
    if !post.accepts(unit.kind) {
        return Err(invalid(
            "unit_id",
            format!(
                "{} is a {}, not accepted here",
                unit.call_sign,
                unit.kind.as_str()
            ),
        ));
    }
    let replaced = match need {
        ReliefNeed::Vacancy => None,
        ReliefNeed::Replace(old) => {
            let a = post
                .active_of(old)
                .cloned()
                .expect("relief_need names an active unit");
            post.mark_replaced(old, unit.id, now);
            close_open_instruction(
                tx,
                orgs,
                actor,
                a.instruction_id,
                &format!("未按时到位,已由 {} 替补。", unit.call_sign),
                now,
            )?;
            free_unit(tx, orgs, actor, old, now)?;
            Some(old)
        }
    };
    send_unit(
        tx,
        orgs,
        actor,
        &ev,
        &mut post,
        &unit,
        travel_s,
        true,
        ("unit_id", "post"),
        now,
    )?;
    after_change(
        tx,
        &actor.username,
        &ev,
        &mut post,
        "post.relief",
        json!({ "unit_id": unit.id, "replaced_unit_id": replaced, "travel_s": travel_s }),
        now,
    )?;
    audit(
        tx,
        &actor.username,
        "event.relief",
        event_id,
        json!({ "post": post_id, "unit": unit.id, "replaced": replaced }),
        now,
    )?;
    Ok((post, replaced))
}

/// Closes an event (its creator, or a leader above its organisation): every open post
/// instruction closes, every unit still held is freed, every post is released.
pub fn close_event(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
    summary: &str,
    now: Time,
) -> Result<MajorEvent, StoreError> {
    actor.require(Action::WriteIncident, "close event deployments")?;
    let mut ev = load_event(tx.conn(), orgs, actor, id)?;
    if !actor.acts_for(orgs, &ev.created_by, &ev.org_id) {
        return Err(StoreError::Denied(
            "only the creator or a leader above closes an event deployment".into(),
        ));
    }
    ev.close(summary, &actor.username, now)?;
    let outcome = format!("安保《{}》结束,收岗。", ev.name);
    for mut post in event_posts(tx.conn(), id)? {
        let held: Vec<PostAssignment> = post
            .units
            .iter()
            .filter(|a| a.status.is_active())
            .cloned()
            .collect();
        for a in &held {
            close_open_instruction(tx, orgs, actor, a.instruction_id, &outcome, now)?;
            free_unit(tx, orgs, actor, a.unit_id, now)?;
        }
        post.release_all(now);
        post.refresh(now);
        put_post(tx.conn(), &post, now)?;
        post_event(
            tx,
            &actor.username,
            &ev,
            &post,
            "post.released",
            json!({}),
            now,
        )?;
    }
    put_event(tx.conn(), &ev)?;
    event_event(tx, &actor.username, &ev, "event.closed", json!({}), now)?;
    audit(
        tx,
        &actor.username,
        "event.close",
        id,
        json!({ "summary": ev.summary }),
        now,
    )?;
    Ok(ev)
}

/// Refreshes every post whose next check has come (the timers' work): a status the clock changed
/// is written with a `post.status` event; a lapse that began raises its alert. Returns how many
/// alerts were new.
pub fn sweep(tx: &mut Tx<'_>, now: Time) -> Result<usize, StoreError> {
    let due = due_posts(tx.conn(), &now)?;
    let mut events: HashMap<i64, MajorEvent> = HashMap::new();
    let mut raised = 0;
    for id in due {
        let Some(mut post) = get_post(tx.conn(), id)? else {
            continue;
        };
        if !events.contains_key(&post.event_id) {
            match get_event(tx.conn(), post.event_id)? {
                Some(e) => {
                    events.insert(e.id, e);
                }
                None => continue,
            }
        }
        let ev = &events[&post.event_id];
        let r = post.refresh(now);
        put_post(tx.conn(), &post, now)?;
        if !r.changed {
            continue;
        }
        let detail = json!({ "from": r.from.as_str(), "to": post.status.as_str() });
        post_event(tx, "system", ev, &post, "post.status", detail.clone(), now)?;
        if r.lapse_started {
            if raise_lapse_alert(tx, ev, &post, now)? {
                raised += 1;
            }
            audit(
                tx,
                "system",
                "event.post_lapse",
                ev.id,
                json!({ "post": post.id, "status": post.status.as_str(), "lapse": post.lapses }),
                now,
            )?;
        }
    }
    Ok(raised)
}

/// The major-event domain as a module of the kernel: it follows unit moves (a unit reaching or
/// leaving its post) and the answers to the instructions its events issued.
pub fn module() -> crate::Module {
    use crate::{Emitted, Fact, FactKind, Module};
    fn moved(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        e.fact
            .unit()
            .map_or(Ok(()), |u| on_unit_moved(tx, u, e.actor, e.at))
    }
    fn answered(tx: &mut Tx<'_>, e: &Emitted<'_>) -> Result<(), StoreError> {
        match e.fact {
            Fact::InstructionAnswered { instruction, .. } if e.fact.from_origin("event") => {
                on_instruction_answered(tx, instruction.id, e.actor, e.at)
            }
            _ => Ok(()),
        }
    }
    Module::new("major_event")
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

/// Notices a unit reaching or leaving its post from a position report, in the report's
/// transaction (the module's reactor to [`crate::Fact::UnitMoved`]). One indexed lookup for
/// units holding none.
fn on_unit_moved(tx: &mut Tx<'_>, unit: &Unit, actor: &str, now: Time) -> Result<(), StoreError> {
    let Some(pos) = unit.position else {
        return Ok(());
    };
    let hits: Vec<(i64, bool)> = {
        let mut s = tx.conn().prepare_cached(
            "SELECT post_id, lon, lat, on_site FROM post_units WHERE unit_id = ?1 AND active = 1",
        )?;
        let rows = s.query_map([unit.id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, f64>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        let mut v = Vec::new();
        for row in rows {
            let (post_id, lon, lat, on_site) = row?;
            let d = pos.distance_m(&LonLat { lon, lat });
            if (!on_site && d <= ARRIVED_WITHIN_M) || (on_site && d > LEFT_BEYOND_M) {
                v.push((post_id, !on_site));
            }
        }
        v
    };
    for (post_id, arriving) in hits {
        let Some(mut post) = get_post(tx.conn(), post_id)? else {
            continue;
        };
        let Some(ev) = get_event(tx.conn(), post.event_id)? else {
            continue;
        };
        let (changed, kind) = if arriving {
            (post.mark_arrived(unit.id, now), "post.arrived")
        } else {
            (post.mark_left(unit.id, now), "post.left")
        };
        if changed {
            let detail = json!({ "unit_id": unit.id, "by": "position" });
            after_change(tx, actor, &ev, &mut post, kind, detail, now)?;
        }
    }
    Ok(())
}

/// Follows a unit signing for (or feeding back on) its post instruction onto the post, in the
/// same transaction (called by [`commands::answer_instruction`]).
fn on_instruction_answered(
    tx: &mut Tx<'_>,
    instruction_id: i64,
    actor: &str,
    now: Time,
) -> Result<(), StoreError> {
    let hit: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT post_id FROM post_units WHERE instruction_id = ?1 AND active = 1")?
        .query_row([instruction_id], |r| r.get(0))
        .optional()?;
    let Some(post_id) = hit else {
        return Ok(());
    };
    let Some(mut post) = get_post(tx.conn(), post_id)? else {
        return Ok(());
    };
    if !post.mark_signed(instruction_id, now) {
        return Ok(());
    }
    let Some(ev) = get_event(tx.conn(), post.event_id)? else {
        return Ok(());
    };
    after_change(
        tx,
        actor,
        &ev,
        &mut post,
        "post.signed",
        json!({ "instruction_id": instruction_id }),
        now,
    )
}

/// Counts of posts by kind (for summaries).
pub fn kind_counts(posts: &[Post]) -> (usize, usize) {
    let cp = posts
        .iter()
        .filter(|p| p.kind == PostKind::Checkpoint)
        .count();
    (cp, posts.len() - cp)
}
