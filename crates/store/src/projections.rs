//! Current-state tables derived from the event log, and the queries over them. Writes happen
//! inside the writer's transaction together with the events that explain them.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use crate::{parse_ts, ts, Event, StoreError};
use zhihui_core::{
    Alert, Assignment, Incident, Instruction, LonLat, Org, OrgKind, OrgTree, Role, Time, Unit,
    UnitKind,
};

// ---------------------------------------------------------------- events

fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Event, String, String)> {
    Ok((
        Event {
            seq: r.get(0)?,
            at: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
            actor: r.get(2)?,
            org_id: r.get(3)?,
            record_type: r.get(4)?,
            record_id: r.get(5)?,
            kind: r.get(6)?,
            payload: serde_json::Value::Null,
        },
        r.get::<_, String>(1)?,
        r.get::<_, String>(7)?,
    ))
}

fn finish_event((mut e, at, payload): (Event, String, String)) -> Result<Event, StoreError> {
    e.at = parse_ts(&at)?;
    e.payload = serde_json::from_str(&payload)?;
    Ok(e)
}

const EVENT_COLS: &str = "seq, at, actor, org_id, record_type, record_id, kind, payload";

/// Events after `after`, oldest first.
pub fn events_after(c: &Connection, after: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
    let mut s = c.prepare_cached(&format!(
        "SELECT {EVENT_COLS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = s.query_map(params![after, limit as i64], row_to_event)?;
    rows.map(|r| finish_event(r?)).collect()
}

/// The history of one record, oldest first.
pub fn record_events(
    c: &Connection,
    record_type: &str,
    record_id: i64,
) -> Result<Vec<Event>, StoreError> {
    let mut s = c.prepare_cached(&format!(
        "SELECT {EVENT_COLS} FROM events WHERE record_type = ?1 AND record_id = ?2 ORDER BY seq"
    ))?;
    let rows = s.query_map(params![record_type, record_id], row_to_event)?;
    rows.map(|r| finish_event(r?)).collect()
}

/// An incident's history including the steps of its dispatch orders and the plans activated and
/// closed for it (their steps are on the activation's own timeline), oldest first.
pub fn incident_history(c: &Connection, incident_id: i64) -> Result<Vec<Event>, StoreError> {
    let mut s = c.prepare_cached(&format!(
        "SELECT {EVENT_COLS} FROM events WHERE (record_type = 'incident' AND record_id = ?1)
           OR (record_type = 'assignment' AND record_id IN (SELECT id FROM assignments WHERE incident_id = ?1))
           OR (record_type = 'plan_activation' AND kind IN ('plan_activation.activated', 'plan_activation.closed')
               AND record_id IN (SELECT id FROM plan_activations WHERE incident_id = ?1))
         ORDER BY seq"
    ))?;
    let rows = s.query_map(params![incident_id], row_to_event)?;
    rows.map(|r| finish_event(r?)).collect()
}

/// Highest sequence number.
pub fn head(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
}

/// Counts events by kind (for tests and reports that reconcile with the log).
pub fn count_events(c: &Connection, kind: &str) -> Result<i64, StoreError> {
    Ok(
        c.query_row("SELECT COUNT(*) FROM events WHERE kind = ?1", [kind], |r| {
            r.get(0)
        })?,
    )
}

// ---------------------------------------------------------------- orgs

/// Every organisation's area, by organisation (an area that no longer parses is left out and
/// logged: it was valid when written).
pub fn org_areas(c: &Connection) -> Result<Vec<(String, zhihui_core::Area)>, StoreError> {
    let mut s = c.prepare_cached("SELECT org_id, geojson FROM org_areas ORDER BY org_id")?;
    let rows = s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (id, text) = row?;
        let v: serde_json::Value = serde_json::from_str(&text)?;
        match zhihui_core::Area::from_geojson(&v, "area") {
            Ok(a) => out.push((id, a)),
            Err(e) => tracing::error!(org = %id, error = %e, "stored area no longer parses"),
        }
    }
    Ok(out)
}

/// The organisation tree with its areas: what jurisdiction and call routing work on.
pub fn org_tree(c: &Connection) -> Result<OrgTree, StoreError> {
    Ok(OrgTree::new(orgs(c)?).with_areas(org_areas(c)?))
}

/// Every organisation.
pub fn orgs(c: &Connection) -> Result<Vec<Org>, StoreError> {
    let mut s =
        c.prepare_cached("SELECT id, parent_id, name, name_en, kind FROM orgs ORDER BY id")?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (id, parent_id, name, name_en, kind) = r?;
        let kind = OrgKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("org {id} has kind {kind}")))?;
        Ok(Org {
            id,
            parent_id,
            name,
            name_en,
            kind,
        })
    })
    .collect()
}

/// Inserts an organisation (its parent must exist).
pub fn insert_org(c: &Connection, o: &Org) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO orgs(id, parent_id, name, name_en, kind) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![o.id, o.parent_id, o.name, o.name_en, o.kind.as_str()],
    )?;
    Ok(())
}

// ---------------------------------------------------------------- incidents

/// Next incident id (from its sequence: call it in the write that stores the incident).
pub fn next_incident_id(c: &Connection) -> Result<i64, StoreError> {
    crate::ids::next(c, "incident")
}

/// Inserts or replaces the current state of an incident.
pub fn put_incident(c: &Connection, i: &Incident) -> Result<(), StoreError> {
    let doc = serde_json::to_string(i)?;
    c.prepare_cached(
        "INSERT INTO incidents(id, org_id, status, type, priority, received_at, updated_at, doc, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET org_id=excluded.org_id, status=excluded.status,
           type=excluded.type, priority=excluded.priority, received_at=excluded.received_at,
           updated_at=excluded.updated_at, doc=excluded.doc, source=excluded.source",
    )?
    .execute(params![
        i.id,
        i.org_id,
        i.status.as_str(),
        i.kind,
        i.priority,
        ts(&i.received_at),
        ts(&i.updated_at),
        doc,
        i.source.as_str()
    ])?;
    Ok(())
}

/// One incident.
pub fn get_incident(c: &Connection, id: i64) -> Result<Option<Incident>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM incidents WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// Filters for listing incidents. Empty vectors mean "any".
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Organisations to include (the caller's jurisdiction, possibly narrowed).
    pub org_ids: Vec<String>,
    /// Status codes.
    pub statuses: Vec<String>,
    /// Type codes.
    pub types: Vec<String>,
    /// Source codes (`call_110`, `device_alarm`, …).
    pub sources: Vec<String>,
    /// Received at or after.
    pub from: Option<Time>,
    /// Received before.
    pub to: Option<Time>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

pub(crate) fn in_clause(col: &str, n: usize) -> String {
    format!("{col} IN ({})", vec!["?"; n].join(","))
}

/// Lists incidents, newest first, with the total matching count.
pub fn list_incidents(
    c: &Connection,
    f: &IncidentFilter,
) -> Result<(Vec<Incident>, i64), StoreError> {
    let mut wh: Vec<String> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    // An empty jurisdiction sees nothing, never everything.
    wh.push(in_clause("org_id", f.org_ids.len()));
    args.extend(f.org_ids.iter().cloned());
    if !f.statuses.is_empty() {
        wh.push(in_clause("status", f.statuses.len()));
        args.extend(f.statuses.iter().cloned());
    }
    if !f.types.is_empty() {
        wh.push(in_clause("type", f.types.len()));
        args.extend(f.types.iter().cloned());
    }
    if !f.sources.is_empty() {
        wh.push(in_clause("source", f.sources.len()));
        args.extend(f.sources.iter().cloned());
    }
    if let Some(t) = &f.from {
        wh.push("received_at >= ?".into());
        args.push(ts(t));
    }
    if let Some(t) = &f.to {
        wh.push("received_at < ?".into());
        args.push(ts(t));
    }
    let where_sql = wh.join(" AND ");
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM incidents WHERE {where_sql}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT doc FROM incidents WHERE {where_sql} ORDER BY received_at DESC, id DESC LIMIT {} OFFSET {}",
        f.limit.max(0),
        f.offset.max(0)
    );
    let mut s = c.prepare(&sql)?;
    let rows = s.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))?;
    let items = rows
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<Vec<Incident>, StoreError>>()?;
    Ok((items, total))
}

/// Incidents not closed, of the given types and organisations, received in `[from, to]`: the
/// candidates a new call may duplicate (the distance test is the caller's).
pub fn open_incidents_received_between(
    c: &Connection,
    org_ids: &[String],
    types: &[&str],
    from: &Time,
    to: &Time,
) -> Result<Vec<Incident>, StoreError> {
    if org_ids.is_empty() || types.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT doc FROM incidents WHERE status != 'closed' AND received_at >= ? AND received_at <= ?
           AND {} AND {} ORDER BY received_at DESC, id DESC",
        in_clause("org_id", org_ids.len()),
        in_clause("type", types.len())
    );
    let mut args: Vec<String> = vec![ts(from), ts(to)];
    args.extend(org_ids.iter().cloned());
    args.extend(types.iter().map(|t| (*t).to_owned()));
    let mut s = c.prepare(&sql)?;
    let rows = s.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Incidents of `org_ids` recorded within `radius_m` of `at` (premise history: what happened here
/// before), newest first, at most `limit`, each with its distance in metres. A
/// latitude band narrows the search through the `incidents_lat` index; the distance decides.
pub fn incidents_near(
    c: &Connection,
    org_ids: &[String],
    at: &LonLat,
    radius_m: f64,
    limit: usize,
) -> Result<Vec<(Incident, f64)>, StoreError> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let dlat = radius_m / 111_320.0;
    let dlon = dlat / at.lat.to_radians().cos().max(0.01);
    let sql = format!(
        "SELECT doc FROM incidents
          WHERE json_extract(doc, '$.location.lat') BETWEEN ? AND ?
            AND json_extract(doc, '$.location.lon') BETWEEN ? AND ?
            AND {}",
        in_clause("org_id", org_ids.len())
    );
    let mut args: Vec<rusqlite::types::Value> = vec![
        (at.lat - dlat).into(),
        (at.lat + dlat).into(),
        (at.lon - dlon).into(),
        (at.lon + dlon).into(),
    ];
    args.extend(
        org_ids
            .iter()
            .map(|o| rusqlite::types::Value::from(o.clone())),
    );
    let mut s = c.prepare(&sql)?;
    let rows = s.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))?;
    let mut out: Vec<(Incident, f64)> = Vec::new();
    for r in rows {
        let inc: Incident = serde_json::from_str(&r?)?;
        let d = inc.location.distance_m(at);
        if d <= radius_m {
            out.push((inc, d));
        }
    }
    out.sort_by(|a, b| {
        b.0.received_at
            .cmp(&a.0.received_at)
            .then_with(|| b.0.id.cmp(&a.0.id))
    });
    out.truncate(limit);
    Ok(out)
}

// ---------------------------------------------------------------- units

/// Next free unit id.
pub fn next_unit_id(c: &Connection) -> Result<i64, StoreError> {
    crate::ids::next(c, "unit")
}

/// True when another unit already uses the call sign.
pub fn call_sign_taken(c: &Connection, call_sign: &str, except: i64) -> Result<bool, StoreError> {
    Ok(c.query_row(
        "SELECT EXISTS(SELECT 1 FROM units WHERE call_sign = ?1 AND id != ?2)",
        params![call_sign, except],
        |r| r.get(0),
    )?)
}

/// Inserts or replaces the current state of a unit.
pub fn put_unit(c: &Connection, u: &Unit) -> Result<(), StoreError> {
    let doc = serde_json::to_string(u)?;
    c.prepare_cached(
        "INSERT INTO units(id, call_sign, org_id, status, kind, updated_at, doc, lon, lat)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET call_sign=excluded.call_sign, org_id=excluded.org_id,
           status=excluded.status, kind=excluded.kind, updated_at=excluded.updated_at, doc=excluded.doc,
           lon=excluded.lon, lat=excluded.lat",
    )?
    .execute(params![
        u.id,
        u.call_sign,
        u.org_id,
        u.status.as_str(),
        u.kind.as_str(),
        ts(&u.updated_at),
        doc,
        u.position.map(|p| p.lon),
        u.position.map(|p| p.lat),
    ])?;
    Ok(())
}

/// One unit.
pub fn get_unit(c: &Connection, id: i64) -> Result<Option<Unit>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM units WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// Filters for listing units.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Organisations to include.
    pub org_ids: Vec<String>,
    /// Status codes.
    pub statuses: Vec<String>,
    /// Kind codes.
    pub kinds: Vec<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// Lists units by call sign with the total matching count.
pub fn list_units(c: &Connection, f: &UnitFilter) -> Result<(Vec<Unit>, i64), StoreError> {
    let mut wh = vec![in_clause("org_id", f.org_ids.len())];
    let mut args: Vec<String> = f.org_ids.clone();
    if !f.statuses.is_empty() {
        wh.push(in_clause("status", f.statuses.len()));
        args.extend(f.statuses.iter().cloned());
    }
    if !f.kinds.is_empty() {
        wh.push(in_clause("kind", f.kinds.len()));
        args.extend(f.kinds.iter().cloned());
    }
    let where_sql = wh.join(" AND ");
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM units WHERE {where_sql}"),
        params_from_iter(args.iter()),
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT doc FROM units WHERE {where_sql} ORDER BY call_sign LIMIT {} OFFSET {}",
        f.limit.max(0),
        f.offset.max(0)
    );
    let mut s = c.prepare(&sql)?;
    let rows = s.query_map(params_from_iter(args.iter()), |r| r.get::<_, String>(0))?;
    let items = rows
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<Vec<Unit>, StoreError>>()?;
    Ok((items, total))
}

/// A unit free for dispatch, with just what ranking needs.
#[derive(Debug, Clone, PartialEq)]
pub struct FreeUnit {
    /// Unit id.
    pub id: i64,
    /// Call sign.
    pub call_sign: String,
    /// Kind.
    pub kind: UnitKind,
    /// Last known position.
    pub position: Option<LonLat>,
}

impl From<&Unit> for FreeUnit {
    fn from(u: &Unit) -> Self {
        FreeUnit {
            id: u.id,
            call_sign: u.call_sign.clone(),
            kind: u.kind,
            position: u.position,
        }
    }
}

/// Available units of the given kinds and organisations, from plain columns: parsing a thousand
/// unit documents (or even extracting their positions with SQLite's JSON functions) per
/// recommendation cost several times more than ranking them.
pub fn free_units(
    c: &Connection,
    org_ids: &[String],
    kinds: &[UnitKind],
) -> Result<Vec<FreeUnit>, StoreError> {
    if org_ids.is_empty() || kinds.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT id, call_sign, kind, lon, lat FROM units WHERE status = 'available' AND {} AND {}
         ORDER BY id",
        in_clause("org_id", org_ids.len()),
        in_clause("kind", kinds.len())
    );
    let mut args: Vec<&str> = org_ids.iter().map(String::as_str).collect();
    args.extend(kinds.iter().map(|k| k.as_str()));
    let mut s = c.prepare_cached(&sql)?;
    let rows = s.query_map(params_from_iter(args.iter()), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<f64>>(3)?,
            r.get::<_, Option<f64>>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (id, call_sign, kind, lon, lat) = r?;
        let kind = UnitKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unit {id} has kind {kind}")))?;
        Ok(FreeUnit {
            id,
            call_sign,
            kind,
            position: lon.zip(lat).map(|(lon, lat)| LonLat { lon, lat }),
        })
    })
    .collect()
}

// ---------------------------------------------------------------- users and sessions

/// A user account (the password hash stays inside the store and the auth code).
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserRecord {
    /// Login name.
    pub username: String,
    /// Name shown in the console.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organisation.
    pub org_id: String,
    /// For `unit` users: the unit this terminal belongs to, if bound to one.
    pub unit_id: Option<i64>,
    /// Disabled accounts cannot log in.
    pub disabled: bool,
    /// PHC string of the argon2id hash.
    #[serde(skip)]
    pub password_hash: String,
}

fn row_to_user(r: &rusqlite::Row<'_>) -> rusqlite::Result<(UserRecord, String)> {
    Ok((
        UserRecord {
            username: r.get(0)?,
            display_name: r.get(1)?,
            role: Role::Admin,
            org_id: r.get(3)?,
            unit_id: r.get(4)?,
            password_hash: r.get(5)?,
            disabled: r.get::<_, i64>(6)? != 0,
        },
        r.get(2)?,
    ))
}

fn finish_user((mut u, role): (UserRecord, String)) -> Result<UserRecord, StoreError> {
    u.role = Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("user {} has role {role}", u.username)))?;
    Ok(u)
}

/// One user by name.
pub fn get_user(c: &Connection, username: &str) -> Result<Option<UserRecord>, StoreError> {
    c.prepare_cached(
        "SELECT username, display_name, role, org_id, unit_id, password_hash, disabled FROM users WHERE username = ?1",
    )?
    .query_row([username], row_to_user)
    .optional()?
    .map(finish_user)
    .transpose()
}

/// Inserts a user.
pub fn insert_user(c: &Connection, u: &UserRecord, now: &Time) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO users(username, display_name, role, org_id, unit_id, password_hash, created_at, disabled)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            u.username,
            u.display_name,
            u.role.as_str(),
            u.org_id,
            u.unit_id,
            u.password_hash,
            ts(now),
            u.disabled as i64
        ],
    )?;
    Ok(())
}

/// Stores a session by the hash of its token.
pub fn insert_session(
    c: &Connection,
    token_hash: &str,
    username: &str,
    now: &Time,
    expires: &Time,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO sessions(token_hash, username, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![token_hash, username, ts(now), ts(expires)],
    )?;
    // Expired sessions are useless; dropping them here keeps the table small without a sweeper.
    c.execute("DELETE FROM sessions WHERE expires_at < ?1", [ts(now)])?;
    Ok(())
}

/// The user and expiry of a session, if the token hash is known.
pub fn get_session(
    c: &Connection,
    token_hash: &str,
) -> Result<Option<(UserRecord, Time)>, StoreError> {
    let row = c
        .prepare_cached(
            "SELECT u.username, u.display_name, u.role, u.org_id, u.unit_id, u.password_hash, u.disabled, s.expires_at
             FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ?1",
        )?
        .query_row([token_hash], |r| Ok((row_to_user(r)?, r.get::<_, String>(7)?)))
        .optional()?;
    match row {
        None => Ok(None),
        Some((u, exp)) => Ok(Some((finish_user(u)?, parse_ts(&exp)?))),
    }
}

/// Ends a session.
pub fn delete_session(c: &Connection, token_hash: &str) -> Result<(), StoreError> {
    c.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
    Ok(())
}

// ---------------------------------------------------------------- dispatch orders

/// Next free assignment id.
pub fn next_assignment_id(c: &Connection) -> Result<i64, StoreError> {
    crate::ids::next(c, "assignment")
}

/// Inserts or replaces a dispatch order.
pub fn put_assignment(c: &Connection, a: &Assignment) -> Result<(), StoreError> {
    let doc = serde_json::to_string(a)?;
    c.prepare_cached(
        "INSERT INTO assignments(id, incident_id, unit_id, status, doc) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, doc = excluded.doc",
    )?
    .execute(params![
        a.id,
        a.incident_id,
        a.unit_id,
        a.status.as_str(),
        doc
    ])?;
    Ok(())
}

fn assignments_where(
    c: &Connection,
    where_sql: &str,
    arg: i64,
) -> Result<Vec<Assignment>, StoreError> {
    let mut s = c.prepare_cached(&format!(
        "SELECT doc FROM assignments WHERE {where_sql} ORDER BY id"
    ))?;
    let rows = s.query_map([arg], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// One dispatch order.
pub fn get_assignment(c: &Connection, id: i64) -> Result<Option<Assignment>, StoreError> {
    Ok(assignments_where(c, "id = ?1", id)?.into_iter().next())
}

/// The dispatch orders of an incident, oldest first.
pub fn incident_assignments(
    c: &Connection,
    incident_id: i64,
) -> Result<Vec<Assignment>, StoreError> {
    assignments_where(c, "incident_id = ?1", incident_id)
}

/// The orders of a unit that are not yet cleared or cancelled.
pub fn open_unit_assignments(c: &Connection, unit_id: i64) -> Result<Vec<Assignment>, StoreError> {
    assignments_where(
        c,
        "unit_id = ?1 AND status NOT IN ('cleared', 'cancelled')",
        unit_id,
    )
}

// ---------------------------------------------------------------- alerts

/// Dispatch orders not yet cleared or cancelled, across all units (the watchdog's input).
pub fn open_assignments(c: &Connection) -> Result<Vec<Assignment>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM assignments WHERE status NOT IN ('cleared', 'cancelled', 'on_scene') ORDER BY id",
    )?;
    let rows = s.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Whether an alert of this kind was already raised for this subject (occurrence).
pub fn alert_exists(c: &Connection, kind: &str, subject: &str) -> Result<bool, StoreError> {
    Ok(c.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM alert_raises WHERE kind = ?1 AND subject = ?2)",
    )?
    .query_row(params![kind, subject], |r| r.get(0))?)
}

/// The alert not yet resolved that repeats of `kind` about `group` count on.
pub fn open_alert_in_group(
    c: &Connection,
    kind: &str,
    group: &str,
) -> Result<Option<Alert>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached(
            "SELECT doc FROM alerts WHERE kind = ?1 AND grp = ?2 AND state != 'resolved' ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![kind, group], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// One alert.
pub fn get_alert(c: &Connection, id: i64) -> Result<Option<Alert>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM alerts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// Inserts or replaces an alert.
pub fn put_alert(c: &Connection, a: &Alert) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO alerts(id, kind, subject, org_id, raised_at, doc, grp, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, doc = excluded.doc",
    )?
    .execute(params![
        a.id,
        a.kind,
        a.subject,
        a.org_id,
        ts(&a.raised_at),
        serde_json::to_string(a)?,
        a.group,
        a.state.as_str()
    ])?;
    Ok(())
}

/// Records that an occurrence was raised (on `alert_id`), so its timer never raises it again.
pub fn note_alert_raise(
    c: &Connection,
    kind: &str,
    subject: &str,
    alert_id: i64,
    at: &Time,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO alert_raises(kind, subject, alert_id, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![kind, subject, alert_id, ts(at)])?;
    Ok(())
}

/// The alerts of the given organisations, newest first: every open one (up to `limit`), then
/// the most recently raised resolved ones up to `limit` in all, unless `open_only`.
pub fn alerts_for(
    c: &Connection,
    org_ids: &[String],
    open_only: bool,
    limit: i64,
) -> Result<Vec<Alert>, StoreError> {
    let orgs = in_clause("org_id", org_ids.len());
    let mut out: Vec<Alert> = Vec::new();
    for (state, n) in [
        ("state != 'resolved'", limit),
        ("state = 'resolved'", limit),
    ] {
        let left = n - out.len() as i64;
        if left <= 0 || (open_only && state.starts_with("state =")) {
            break;
        }
        let sql = format!(
            "SELECT doc FROM alerts WHERE {orgs} AND {state} ORDER BY raised_at DESC, id DESC LIMIT {left}"
        );
        let mut s = c.prepare(&sql)?;
        let rows = s.query_map(params_from_iter(org_ids.iter()), |r| r.get::<_, String>(0))?;
        for r in rows {
            out.push(serde_json::from_str(&r?)?);
        }
    }
    Ok(out)
}

/// Untaken alerts raised at or before `cutoff` (the escalation timer's candidates).
pub fn untaken_alerts_before(c: &Connection, cutoff: &Time) -> Result<Vec<Alert>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM alerts WHERE state = 'new' AND raised_at <= ?1 ORDER BY id",
    )?;
    let rows = s.query_map([ts(cutoff)], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// The organisations with an active duty leader (值班领导) account.
pub fn leader_orgs(c: &Connection) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT DISTINCT org_id FROM users WHERE role = 'leader' AND disabled = 0",
    )?;
    let rows = s.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(r?)).collect()
}

// ---------------------------------------------------------------- instructions

/// Next free instruction id.
pub fn next_instruction_id(c: &Connection) -> Result<i64, StoreError> {
    crate::ids::next(c, "instruction")
}

/// Inserts or replaces an instruction.
pub fn put_instruction(c: &Connection, i: &Instruction) -> Result<(), StoreError> {
    let status = match i.status {
        zhihui_core::InstructionStatus::Open => "open",
        zhihui_core::InstructionStatus::Closed => "closed",
    };
    c.prepare_cached(
        "INSERT INTO instructions(id, issuer_org_id, status, deadline, issued_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET status = excluded.status, deadline = excluded.deadline, doc = excluded.doc",
    )?
    .execute(params![i.id, i.issuer_org_id, status, ts(&i.deadline), ts(&i.issued_at), serde_json::to_string(i)?])?;
    // Who may see it: the issuer's chain, each recipient from above and below, a unit terminal.
    let mut reach = vec![(i.issuer_org_id.clone(), false)];
    for r in &i.recipients {
        reach.push((r.org_id.clone(), true));
        if r.target.starts_with("unit:") {
            reach.push((r.target.clone(), false));
        }
    }
    crate::reach::set(c, "instruction", i.id, reach)?;
    Ok(())
}

/// One instruction.
pub fn get_instruction(c: &Connection, id: i64) -> Result<Option<Instruction>, StoreError> {
    let doc: Option<String> = c
        .prepare_cached("SELECT doc FROM instructions WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// The instructions `viewer` may see, newest first, optionally only open or closed ones: one
/// page and the total, filtered by jurisdiction in the query.
pub fn list_instructions_for(
    c: &Connection,
    viewer: &crate::reach::Viewer,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Instruction>, i64), StoreError> {
    crate::reach::page_visible(
        c,
        "instructions",
        "instruction",
        viewer,
        status,
        "issued_at DESC, id DESC",
        (limit, offset),
    )
}

/// Instructions, newest first, optionally only open or closed ones.
pub fn list_instructions(
    c: &Connection,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<Instruction>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM instructions WHERE (?1 IS NULL OR status = ?1) ORDER BY issued_at DESC, id DESC LIMIT ?2",
    )?;
    let rows = s.query_map(params![status, limit], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// The records a period's figures are computed from ([`zhihui_core::figures::Figures`]): the
/// incidents of `org_ids` received in `[from, to)`, each with its assignments, and every
/// instruction issued in `[from, to)` (whom it concerns is the figures' business: an instruction
/// issued elsewhere may be addressed into the jurisdiction).
#[allow(clippy::type_complexity)]
pub fn period_records(
    c: &Connection,
    org_ids: &[String],
    from: Time,
    to: Time,
) -> Result<(Vec<(Incident, Vec<Assignment>)>, Vec<Instruction>), StoreError> {
    let (incs, _) = list_incidents(
        c,
        &IncidentFilter {
            org_ids: org_ids.to_vec(),
            from: Some(from),
            to: Some(to),
            limit: i64::MAX,
            ..Default::default()
        },
    )?;
    let mut with = Vec::with_capacity(incs.len());
    for i in incs {
        let a = incident_assignments(c, i.id)?;
        with.push((i, a));
    }
    let mut s = c.prepare_cached(
        "SELECT doc FROM instructions WHERE issued_at >= ?1 AND issued_at < ?2 ORDER BY id",
    )?;
    let rows = s.query_map(params![ts(&from), ts(&to)], |r| r.get::<_, String>(0))?;
    let ins = rows
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<Vec<Instruction>, StoreError>>()?;
    Ok((with, ins))
}

/// Open instructions past their deadline that have not escalated yet (the timer's input).
pub fn overdue_instructions(c: &Connection, now: &Time) -> Result<Vec<Instruction>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM instructions WHERE status = 'open' AND deadline < ?1 ORDER BY id",
    )?;
    let rows = s.query_map([ts(now)], |r| r.get::<_, String>(0))?;
    let all: Vec<Instruction> = rows
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<_, StoreError>>()?;
    Ok(all
        .into_iter()
        .filter(|i| i.escalated_at.is_none())
        .collect())
}
