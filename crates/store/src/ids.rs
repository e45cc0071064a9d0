//! Record ids from the database: one sequence per kind of record, advanced inside the writer's
//! transaction. Unlike `MAX(id) + 1` an id is never handed out twice — not even after the newest
//! record of a kind is removed or rolled back into by a restore — and each sequence maps onto a
//! PostgreSQL `SEQUENCE` when the store gets that backend. A request that fails rolls its
//! savepoint back, and the sequence with it, so ids stay dense.

use rusqlite::{params, Connection};

use crate::StoreError;

/// Migration 11: the sequences, started where the records already stored end.
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE id_sequences (
        kind TEXT PRIMARY KEY,
        last INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO id_sequences(kind, last)
        SELECT 'incident', COALESCE(MAX(id), 0) FROM incidents
        UNION ALL SELECT 'unit', COALESCE(MAX(id), 0) FROM units
        UNION ALL SELECT 'assignment', COALESCE(MAX(id), 0) FROM assignments
        UNION ALL SELECT 'instruction', COALESCE(MAX(id), 0) FROM instructions
        UNION ALL SELECT 'alert', COALESCE(MAX(id), 0) FROM alerts
        UNION ALL SELECT 'interception', COALESCE(MAX(id), 0) FROM interceptions
        UNION ALL SELECT 'response_plan', COALESCE(MAX(id), 0) FROM response_plans
        UNION ALL SELECT 'plan_activation', COALESCE(MAX(id), 0) FROM plan_activations
        UNION ALL SELECT 'major_event', COALESCE(MAX(id), 0) FROM major_events
        UNION ALL SELECT 'event_post', COALESCE(MAX(id), 0) FROM event_posts;
"#;

/// Reserves `n` (≥ 1) consecutive ids of `kind` and returns the first. A kind seen for the first
/// time starts at 1.
pub fn reserve(conn: &Connection, kind: &str, n: i64) -> Result<i64, StoreError> {
    let n = n.max(1);
    let last: i64 = conn
        .prepare_cached(
            "INSERT INTO id_sequences(kind, last) VALUES (?1, ?2)
             ON CONFLICT(kind) DO UPDATE SET last = last + ?2
             RETURNING last",
        )?
        .query_row(params![kind, n], |r| r.get(0))?;
    Ok(last - n + 1)
}

/// The next id of `kind`.
pub fn next(conn: &Connection, kind: &str) -> Result<i64, StoreError> {
    reserve(conn, kind, 1)
}
