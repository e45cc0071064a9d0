//! The interception tables and queries, and who may see an interception.

use super::*;

/// Next interception id (from its sequence: call it in the write that stores the record).
pub fn next_interception_id(c: &Connection) -> Result<i64, StoreError> {
    crate::ids::next(c, "interception")
}

/// Inserts or replaces an interception and its checkpoint rows (which only index the document).
pub fn put_interception(c: &Connection, i: &Interception) -> Result<(), StoreError> {
    let active = i.status == InterceptionStatus::Active;
    c.prepare_cached(
        "INSERT INTO interceptions(id, org_id, status, incident_id, created_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
    )?
    .execute(params![
        i.id,
        i.org_id,
        if active { "active" } else { "closed" },
        i.incident_id,
        crate::ts(&i.created_at),
        serde_json::to_string(i)?
    ])?;
    // Who may see it: the owning chain, each unit's organisation from above and below, each
    // unit's terminal.
    let mut reach = vec![(i.org_id.clone(), false)];
    for pt in &i.points {
        reach.push((pt.unit_org_id.clone(), true));
        reach.push((format!("unit:{}", pt.unit_id), false));
    }
    crate::reach::set(c, "interception", i.id, reach)?;
    let mut s = c.prepare_cached(
        "INSERT INTO interception_points(interception_id, idx, unit_id, instruction_id, lon, lat, deadline, active, arrived, late)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(interception_id, idx) DO UPDATE SET active = excluded.active, arrived = excluded.arrived, late = excluded.late",
    )?;
    for pt in &i.points {
        s.execute(params![
            i.id,
            pt.index as i64,
            pt.unit_id,
            pt.instruction_id,
            pt.lon,
            pt.lat,
            crate::ts(&pt.deadline),
            active,
            pt.arrived_at.is_some(),
            pt.late_at.is_some()
        ])?;
    }
    Ok(())
}

/// One interception.
pub fn get_interception(c: &Connection, id: i64) -> Result<Option<Interception>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM interceptions WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// The interceptions `viewer` may see, newest first: one page and the total, filtered by
/// jurisdiction in the query (the same rule as [`may_see`]).
pub fn list_interceptions_for(
    c: &Connection,
    viewer: &crate::reach::Viewer,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Interception>, i64), StoreError> {
    crate::reach::page_visible(
        c,
        "interceptions",
        "interception",
        viewer,
        status,
        "id DESC",
        (limit, offset),
    )
}

/// The active interception a unit holds a checkpoint of, if any.
pub fn active_commitment(c: &Connection, unit_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT interception_id FROM interception_points WHERE unit_id = ?1 AND active = 1 LIMIT 1",
    )?
    .query_row([unit_id], |r| r.get(0))
    .optional()?)
}

/// Checkpoints past their deadline with the unit not there and not yet marked late.
pub fn due_points(c: &Connection, now: &Time) -> Result<Vec<(i64, usize)>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT interception_id, idx FROM interception_points
         WHERE active = 1 AND arrived = 0 AND late = 0 AND deadline < ?1 ORDER BY interception_id, idx",
    )?;
    let rows = s.query_map([crate::ts(now)], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as usize))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every unit held by an active checkpoint, and where (the module's hold list).
pub fn checkpoint_holds(c: &Connection) -> Result<Vec<crate::Hold>, StoreError> {
    crate::Hold::query(
        c,
        "SELECT unit_id, lon, lat, instruction_id, arrived FROM interception_points WHERE active = 1",
        "checkpoint",
    )
}

// ---------------------------------------------------------------- visibility

/// Whether the actor may see an interception: issued within their jurisdiction, holding a unit
/// of an organisation above or below theirs (supervision follows the units), or their own unit's.
pub fn may_see(orgs: &OrgTree, actor: &Actor, i: &Interception) -> bool {
    orgs.is_within(&i.org_id, &actor.org_id)
        || i.points.iter().any(|pt| {
            actor.unit_id == Some(pt.unit_id)
                || orgs.is_within(&pt.unit_org_id, &actor.org_id)
                || orgs.is_within(&actor.org_id, &pt.unit_org_id)
        })
}

/// Loads an interception the actor may see.
pub fn load_interception(
    c: &Connection,
    orgs: &OrgTree,
    actor: &Actor,
    id: i64,
) -> Result<Interception, StoreError> {
    let i = get_interception(c, id)?
        .ok_or_else(|| StoreError::NotFound(format!("interception {id}")))?;
    if !may_see(orgs, actor, &i) {
        return Err(StoreError::Denied(format!(
            "interception {id} is outside your jurisdiction"
        )));
    }
    Ok(i)
}
