//! Schema migrations. Only ever append to [`MIGRATIONS`]: a released migration never changes,
//! because databases in the field have already applied it.

use rusqlite::Connection;

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
