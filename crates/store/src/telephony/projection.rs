//! The `calls` table: one row per call, the document beside the columns lists filter on.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use zhihui_core::{Call, Time};

use crate::projections::in_clause;
use crate::{ts, StoreError};

fn parse(doc: Option<String>) -> Result<Option<Call>, StoreError> {
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// One call by Zhihui's id.
pub fn get(c: &Connection, id: i64) -> Result<Option<Call>, StoreError> {
    parse(
        c.prepare_cached("SELECT doc FROM calls WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
    )
}

/// One call by the telephone system's id.
pub fn by_external(c: &Connection, external_id: &str) -> Result<Option<Call>, StoreError> {
    parse(
        c.prepare_cached("SELECT doc FROM calls WHERE external_id = ?1")?
            .query_row([external_id], |r| r.get(0))
            .optional()?,
    )
}

/// Inserts or replaces a call.
pub fn put(c: &Connection, call: &Call) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO calls(id, external_id, org_id, state, rang_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, doc = excluded.doc",
    )?
    .execute(params![
        call.id,
        call.external_id,
        call.org_id,
        call.state.as_str(),
        ts(&call.rang_at),
        serde_json::to_string(call)?
    ])?;
    Ok(())
}

/// The calls of the given organisations a call-taker's screen shows: every one ringing or in
/// progress, and those that rang since `since` (ended, or abandoned: to ring back), newest first.
pub fn recent(
    c: &Connection,
    org_ids: &[String],
    since: &Time,
    limit: i64,
) -> Result<Vec<Call>, StoreError> {
    let sql = format!(
        "SELECT doc FROM calls WHERE {} AND (state IN ('ringing', 'answered') OR rang_at >= ?)
         ORDER BY rang_at DESC, id DESC LIMIT {}",
        in_clause("org_id", org_ids.len()),
        limit.max(0)
    );
    let mut s = c.prepare(&sql)?;
    let args = org_ids.iter().cloned().chain([ts(since)]);
    let rows = s.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}
