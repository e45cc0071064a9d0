//! The interception schema. Released as the kernel's migration 4, before modules brought their
//! own migrations: the kernel's list still names it (a released migration never moves), and
//! schema changes from now on go into the module's own list (`Module::migrations`).

/// Migration 4: interceptions and their checkpoint rows (which unit holds which checkpoint, due
/// when, answered by which instruction).
pub(crate) const MIGRATION_4: &str = r#"
    CREATE TABLE interceptions (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        incident_id INTEGER REFERENCES incidents(id),
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX interceptions_status ON interceptions(status, id);
    CREATE TABLE interception_points (
        interception_id INTEGER NOT NULL REFERENCES interceptions(id),
        idx INTEGER NOT NULL,
        unit_id INTEGER NOT NULL REFERENCES units(id),
        instruction_id INTEGER NOT NULL REFERENCES instructions(id),
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        deadline TEXT NOT NULL,
        active INTEGER NOT NULL,
        arrived INTEGER NOT NULL,
        late INTEGER NOT NULL,
        PRIMARY KEY (interception_id, idx)
    );
    CREATE INDEX interception_points_unit ON interception_points(unit_id) WHERE active = 1;
    CREATE INDEX interception_points_instruction ON interception_points(instruction_id);
    CREATE INDEX interception_points_due ON interception_points(deadline) WHERE active = 1 AND arrived = 0 AND late = 0;
    "#;
