//! The major-event tables and queries (events, posts, which unit holds which post), and who may see an event.

use super::*;

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

/// Every unit held by an event post, and where (the module's hold list: the simulator drives
/// them there).
pub fn post_holds(c: &Connection) -> Result<Vec<crate::Hold>, StoreError> {
    crate::Hold::query(
        c,
        "SELECT unit_id, lon, lat, instruction_id, on_site FROM post_units WHERE active = 1",
        "post",
    )
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
