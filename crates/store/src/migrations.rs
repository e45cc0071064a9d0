//! Schema migrations. Only ever append to [`MIGRATIONS`]: a released migration never changes,
//! because databases in the field have already applied it.

use rusqlite::Connection;

use crate::module::Module;
use crate::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: event log, projections, users, sessions, audit chain.
    r#"
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        org_id TEXT NOT NULL,
        record_type TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX events_record ON events(record_type, record_id, seq);
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

    CREATE TABLE orgs (
        id TEXT PRIMARY KEY,
        parent_id TEXT REFERENCES orgs(id),
        name TEXT NOT NULL,
        name_en TEXT NOT NULL,
        kind TEXT NOT NULL
    );

    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        type TEXT NOT NULL,
        priority INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX incidents_org_status ON incidents(org_id, status);
    CREATE INDEX incidents_received ON incidents(received_at);

    CREATE TABLE units (
        id INTEGER PRIMARY KEY,
        call_sign TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        kind TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX units_org ON units(org_id);

    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        org_id TEXT NOT NULL REFERENCES orgs(id),
        unit_id INTEGER,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );

    CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 2: dispatch orders.
    r#"
    CREATE TABLE assignments (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents(id),
        unit_id INTEGER NOT NULL REFERENCES units(id),
        status TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX assignments_incident ON assignments(incident_id);
    CREATE INDEX assignments_unit_status ON assignments(unit_id, status);

    CREATE TABLE alerts (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        org_id TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        UNIQUE(kind, subject)
    );
    CREATE INDEX alerts_raised ON alerts(raised_at);

    CREATE TABLE instructions (
        id INTEGER PRIMARY KEY,
        issuer_org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        deadline TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX instructions_status_deadline ON instructions(status, deadline);
    "#,
    // 3: unit positions as columns, so recommendations read a thousand units without parsing
    // their documents.
    r#"
    ALTER TABLE units ADD COLUMN lon REAL;
    ALTER TABLE units ADD COLUMN lat REAL;
    UPDATE units SET lon = json_extract(doc, '$.position.lon'), lat = json_extract(doc, '$.position.lat');
    "#,
    // 4: interceptions (设卡布控). The checkpoint rows index the documents: which unit holds a
    // checkpoint (for position reports), which instruction sent it, which deadlines are due.
    crate::interception::migrations::MIGRATION_4,
    // 5: the plan library (预案) and plan activations. Every version of a plan is kept as
    // written; an activation names the version it issued. The step rows index which instruction
    // carries which step, for the instruction hooks.
    crate::response_plans::migrations::MIGRATION_5,
    // 6: major-event deployment (重大安保): events, their posts and which unit holds which post.
    crate::major_events::migrations::MIGRATION,
    // 7: where an incident came from (110 call, transfer, walk-in, officer, public opinion, device
    // alarm, anti-fraud). Every incident recorded before was a 110 call; their documents read
    // `source` as `call_110` by default, and the column says the same.
    r#"
    ALTER TABLE incidents ADD COLUMN source TEXT NOT NULL DEFAULT 'call_110';
    CREATE INDEX incidents_source ON incidents(source, received_at);
    "#,
    // 8: who may see an instruction or an interception, as rows, so that lists filter by
    // jurisdiction in SQL (filled from the records already stored).
    crate::reach::MIGRATION,
    // 9: an instruction names the record that issued it (`origin`), so a domain follows its own
    // instructions' answers; filled for the instructions already issued by interceptions, events
    // and plan activations from their link tables.
    r#"
    UPDATE instructions SET doc = json_set(doc, '$.origin', 'interception:' ||
        (SELECT interception_id FROM interception_points p WHERE p.instruction_id = instructions.id LIMIT 1))
        WHERE id IN (SELECT instruction_id FROM interception_points);
    UPDATE instructions SET doc = json_set(doc, '$.origin', 'event:' ||
        (SELECT event_id FROM post_units p WHERE p.instruction_id = instructions.id LIMIT 1))
        WHERE id IN (SELECT instruction_id FROM post_units);
    UPDATE instructions SET doc = json_set(doc, '$.origin', 'plan_activation:' ||
        (SELECT activation_id FROM plan_activation_steps p WHERE p.instruction_id = instructions.id LIMIT 1))
        WHERE id IN (SELECT instruction_id FROM plan_activation_steps);
    "#,
    // 10: position fixes in their own compact table (the track store), no longer in the event
    // log; filled from the positions the log already holds.
    crate::track::MIGRATION,
    // 11: record ids from sequences instead of MAX(id) + 1.
    crate::ids::MIGRATION,
    // 12: organisation areas (辖区): the ground a station or district answers for, as GeoJSON.
    r#"
    CREATE TABLE org_areas (
        org_id TEXT PRIMARY KEY REFERENCES orgs(id),
        geojson TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
    );
    "#,
    // 13: earlier incidents at an address (premise history) are found by latitude band; the
    // expression matches `projections::incidents_near`'s exactly, so SQLite uses the index.
    r#"
    CREATE INDEX incidents_lat ON incidents(json_extract(doc, '$.location.lat'));
    "#,
    // 14: the alert loop (告警闭环): an alert has a state and groups repeats of the same thing
    // (`grp`); which occurrences were raised moves to `alert_raises`, so a timer still raises
    // each occurrence once while the repeats count on one alert. The alerts raised before are
    // their own groups, new.
    r#"
    ALTER TABLE alerts ADD COLUMN grp TEXT NOT NULL DEFAULT '';
    ALTER TABLE alerts ADD COLUMN state TEXT NOT NULL DEFAULT 'new';
    UPDATE alerts SET grp = subject, doc = json_set(doc, '$.group', subject);
    CREATE INDEX alerts_group ON alerts(kind, grp, state);
    CREATE INDEX alerts_state ON alerts(state, raised_at);
    CREATE TABLE alert_raises (
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        alert_id INTEGER NOT NULL REFERENCES alerts(id),
        at TEXT NOT NULL,
        PRIMARY KEY (kind, subject)
    );
    INSERT INTO alert_raises(kind, subject, alert_id, at) SELECT kind, subject, id, raised_at FROM alerts;
    "#,
];

pub(crate) fn apply(conn: &mut Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let done: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if done as usize > MIGRATIONS.len() {
        return Err(StoreError::Config(format!(
            "database schema version {done} is newer than this program ({}); upgrade zhihui",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations(version, applied_at) VALUES (?1, datetime('now'))",
            [i as i64 + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// Applies each module's pending migrations (after the kernel's), each in its own transaction,
/// recorded per module in `module_migrations`. The tables of the domains that existed before
/// modules had migrations stay in [`MIGRATIONS`]; a domain added since keeps its schema here, so
/// adding it touches no shared list.
pub(crate) fn apply_modules(conn: &mut Connection, modules: &[Module]) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS module_migrations (
             module TEXT NOT NULL,
             version INTEGER NOT NULL,
             applied_at TEXT NOT NULL,
             PRIMARY KEY (module, version)
         )",
    )?;
    for m in modules {
        let done: i64 = conn.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM module_migrations WHERE module = ?1",
            [m.name],
            |r| r.get(0),
        )?;
        if done as usize > m.migrations.len() {
            return Err(StoreError::Config(format!(
                "module `{}`: database schema version {done} is newer than this program ({}); upgrade zhihui",
                m.name,
                m.migrations.len()
            )));
        }
        for (i, sql) in m.migrations.iter().enumerate().skip(done as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql).map_err(|e| {
                StoreError::Config(format!("module `{}` migration {}: {e}", m.name, i + 1))
            })?;
            tx.execute(
                "INSERT INTO module_migrations(module, version, applied_at) VALUES (?1, ?2, datetime('now'))",
                rusqlite::params![m.name, i as i64 + 1],
            )?;
            tx.commit()?;
        }
    }
    Ok(())
}
