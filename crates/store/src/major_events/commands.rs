//! What users do with a major event: create it, assign units to posts, report arrival, relieve, close.

use super::*;

// ---------------------------------------------------------------- commands

/// Creates an event with all its posts: the event, each post and their `*.created` events, one
/// audit entry. With a road network, every post must lie near a road.
pub fn create_event(
    tx: &mut Tx<'_>,
    orgs: &OrgTree,
    actor: &Actor,
    new: NewEvent,
    net: Option<&zhihui_roads::RoadNetwork>,
    now: Time,
) -> Result<(MajorEvent, Vec<Post>), StoreError> {
    actor.require(Action::WriteIncident, "create event deployments")?;
    new.validate(now)?;
    if let Some(net) = net {
        super::planning::check_posts_on_network(net, &new)?;
    }
    let org_id = new.org_id.clone().unwrap_or_else(|| actor.org_id.clone());
    if orgs.get(&org_id).is_none() {
        return Err(invalid(
            "org_id",
            format!("unknown organisation `{org_id}`"),
        ));
    }
    actor
        .require_within(orgs, &org_id)
        .map_err(|e| e.at("org_id"))?;
    let id = crate::ids::next(tx.conn(), "major_event")?;
    let first_post = crate::ids::reserve(tx.conn(), "event_post", new.posts.len() as i64)?;
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
pub(super) fn send_unit(
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
    let ins = ops::issue_instruction_from(
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
            text: Some(zhihui_core::Coded::new(
                if relief { "event.relief" } else { "event.post" },
                json!({
                    "event_id": e.id, "event": e.name, "post": post.index,
                    "post_kind": post.kind.as_str(), "label": post.label,
                    "lon": post.lon, "lat": post.lat, "deadline": deadline,
                    "shift_start": post.shift_start, "shift_end": post.shift_end,
                    "expected_at": travel_s.map(|_| expected_at),
                }),
            )),
        },
        Some(format!("event:{}", e.id)),
        now,
    )?;
    ops::update_unit(
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

pub(super) fn require_active(e: &MajorEvent) -> Result<(), StoreError> {
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
        let unit = ops::check_unit(tx.conn(), tx.registry(), orgs, actor, it.unit_id, &uf)?;
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

pub(super) fn close_open_instruction(
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
            ops::close_instruction(tx, orgs, &closer, ins.id, outcome, now)?;
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
    let unit = ops::check_unit(tx.conn(), tx.registry(), orgs, actor, unit_id, "unit_id")?;
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
            ops::release_unit(tx, orgs, actor, old, now)?;
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
            ops::release_unit(tx, orgs, actor, a.unit_id, now)?;
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
