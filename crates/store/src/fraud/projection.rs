//! The fraud tables: reports in the order they came, and the rejected links.

use rusqlite::{params, Connection};
use zhihui_link::{Kind, Report};

use crate::StoreError;

/// Whether a report of this id was received already.
pub fn exists(c: &Connection, id: &str) -> Result<bool, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(
        c.prepare_cached("SELECT 1 FROM fraud_reports WHERE id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

/// Stores a report.
pub fn put(
    c: &Connection,
    r: &Report,
    org_id: &str,
    at: &zhihui_core::Time,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO fraud_reports(id, org_id, received_at, doc) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        r.id,
        org_id,
        crate::ts(at),
        serde_json::to_string(r)?
    ])?;
    Ok(())
}

/// Every report with its organisation, in the order received (the linker's order).
pub fn reports(c: &Connection) -> Result<Vec<(Report, String)>, StoreError> {
    let mut s = c.prepare("SELECT doc, org_id FROM fraud_reports ORDER BY seq")?;
    let rows = s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    rows.map(|r| {
        let (doc, org) = r?;
        Ok((serde_json::from_str(&doc)?, org))
    })
    .collect()
}

/// The reports of the given ids, in the order received (a ring's reports, not the whole table).
pub fn reports_by_ids(c: &Connection, ids: &[String]) -> Result<Vec<Report>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    // In chunks: SQLite limits the number of parameters of one statement.
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT seq, doc FROM fraud_reports WHERE {}",
            crate::projections::in_clause("id", chunk.len())
        );
        let mut s = c.prepare(&sql)?;
        let rows = s.query_map(rusqlite::params_from_iter(chunk), |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (seq, doc) = row?;
            out.push((seq, serde_json::from_str::<Report>(&doc)?));
        }
    }
    out.sort_by_key(|x| x.0);
    Ok(out.into_iter().map(|x| x.1).collect())
}

/// Every rejected link: `(report, kind, value)`.
pub fn rejections(c: &Connection) -> Result<Vec<(String, Kind, String)>, StoreError> {
    let mut s = c.prepare("SELECT report_id, kind, value FROM fraud_rejections ORDER BY at")?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (report, kind, value) = row?;
        if let Some(k) = Kind::parse(&kind) {
            out.push((report, k, value));
        }
    }
    Ok(out)
}

/// Stores a rejection; false when it was stored already.
pub fn put_rejection(
    c: &Connection,
    report: &str,
    kind: Kind,
    value: &str,
    by: &str,
    at: &zhihui_core::Time,
    note: &str,
) -> Result<bool, StoreError> {
    Ok(c.prepare_cached(
        "INSERT OR IGNORE INTO fraud_rejections(report_id, kind, value, by, at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![report, kind.as_str(), value, by, crate::ts(at), note])?
        == 1)
}
