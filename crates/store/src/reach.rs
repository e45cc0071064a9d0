//! Jurisdiction in SQL: who may see a record, kept as rows beside it, so that a list filters by
//! the viewer's jurisdiction in the query and pages over exactly the rows the viewer may see.
//! (Reading the newest thousand rows and filtering them in memory lets a station see nothing
//! once the thousand newest belong to others.)
//!
//! A reach row `(record_type, record_id, org_id, mutual)` says: actors whose jurisdiction
//! contains `org_id` may see the record; with `mutual`, so may actors inside `org_id` (the
//! recipients of an instruction see it from below as well as above). `org_id` may also be
//! `unit:N`, which reaches the terminal of unit N. The rows are rewritten with the record, in
//! the same transaction, by the function that writes the record.

use rusqlite::{params, Connection};
use zhihui_core::OrgTree;

use crate::commands::Actor;
use crate::StoreError;

/// What a viewer reaches: its jurisdiction, the organisations above it, and its unit.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// JSON array of the organisations at and below the viewer's.
    below: String,
    /// JSON array of the organisations at and above the viewer's.
    above: String,
    /// `unit:N` for a unit terminal.
    unit: Option<String>,
}

impl Viewer {
    /// The viewer `actor` is, in the organisation tree `orgs`.
    pub fn of(orgs: &OrgTree, actor: &Actor) -> Viewer {
        let below = orgs.subtree_ids(&actor.org_id);
        let mut above = Vec::new();
        let mut at = orgs.get(&actor.org_id);
        while let Some(o) = at {
            above.push(o.id.clone());
            at = orgs.parent(&o.id);
        }
        Viewer {
            below: serde_json::Value::from(below).to_string(),
            above: serde_json::Value::from(above).to_string(),
            unit: actor.unit_id.map(|u| format!("unit:{u}")),
        }
    }
}

/// The SQL condition "the viewer may see this row", on a table whose key is `id`, with the
/// record type as parameter `?1` and the viewer as `?2` (below), `?3` (above), `?4` (unit).
const VISIBLE: &str = "id IN (SELECT record_id FROM record_reach WHERE record_type = ?1 \
     AND (org_id IN (SELECT value FROM json_each(?2)) \
          OR (mutual = 1 AND org_id IN (SELECT value FROM json_each(?3))) \
          OR org_id = ?4))";

/// One page of documents, in `order`, from the rows `from` (a `FROM … WHERE …` clause over a
/// table with a `doc` column, whose parameters are `args`), and how many rows match in all.
pub(crate) fn page_docs<T: serde::de::DeserializeOwned>(
    c: &Connection,
    from: &str,
    args: &[&dyn rusqlite::ToSql],
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<T>, i64), StoreError> {
    let total: i64 = c.query_row(&format!("SELECT COUNT(*) {from}"), args, |r| r.get(0))?;
    let n = args.len();
    let mut s = c.prepare_cached(&format!(
        "SELECT doc {from} ORDER BY {order} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    ))?;
    let mut all = args.to_vec();
    all.push(&limit);
    all.push(&offset);
    let rows = s.query_map(all.as_slice(), |r| r.get::<_, String>(0))?;
    let items = rows
        .map(|r| Ok(serde_json::from_str(&r?)?))
        .collect::<Result<Vec<T>, StoreError>>()?;
    Ok((items, total))
}

/// One page of the records of `kind` in `table` that `viewer` may see, optionally of one
/// `status`, in `order`, one `(limit, offset)` page, and the total.
pub(crate) fn page_visible<T: serde::de::DeserializeOwned>(
    c: &Connection,
    table: &str,
    kind: &'static str,
    viewer: &Viewer,
    status: Option<&str>,
    order: &str,
    (limit, offset): (i64, i64),
) -> Result<(Vec<T>, i64), StoreError> {
    let from = format!("FROM {table} WHERE {VISIBLE} AND (?5 IS NULL OR status = ?5)");
    let args: [&dyn rusqlite::ToSql; 5] =
        [&kind, &viewer.below, &viewer.above, &viewer.unit, &status];
    page_docs(c, &from, &args, order, limit, offset)
}

/// Replaces the reach rows of one record.
pub(crate) fn set(
    c: &Connection,
    kind: &str,
    id: i64,
    rows: impl IntoIterator<Item = (String, bool)>,
) -> Result<(), StoreError> {
    c.prepare_cached("DELETE FROM record_reach WHERE record_type = ?1 AND record_id = ?2")?
        .execute(params![kind, id])?;
    let mut ins = c.prepare_cached(
        "INSERT OR IGNORE INTO record_reach(record_type, record_id, org_id, mutual) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (org, mutual) in rows {
        ins.execute(params![kind, id, org, mutual])?;
    }
    Ok(())
}

/// The migration that creates the table and fills it from the records already stored (the same
/// rules as [`crate::projections::put_instruction`] and [`crate::interception::put_interception`]).
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE record_reach (
        record_type TEXT NOT NULL,
        record_id INTEGER NOT NULL,
        org_id TEXT NOT NULL,
        mutual INTEGER NOT NULL,
        PRIMARY KEY (record_type, record_id, org_id, mutual)
    );
    CREATE INDEX record_reach_org ON record_reach(record_type, org_id, record_id);
    INSERT OR IGNORE INTO record_reach SELECT 'instruction', id, issuer_org_id, 0 FROM instructions;
    INSERT OR IGNORE INTO record_reach
        SELECT 'instruction', i.id, json_extract(r.value, '$.org_id'), 1
        FROM instructions i, json_each(i.doc, '$.recipients') r;
    INSERT OR IGNORE INTO record_reach
        SELECT 'instruction', i.id, json_extract(r.value, '$.target'), 0
        FROM instructions i, json_each(i.doc, '$.recipients') r
        WHERE json_extract(r.value, '$.target') LIKE 'unit:%';
    INSERT OR IGNORE INTO record_reach SELECT 'interception', id, org_id, 0 FROM interceptions;
    INSERT OR IGNORE INTO record_reach
        SELECT 'interception', i.id, json_extract(p.value, '$.unit_org_id'), 1
        FROM interceptions i, json_each(i.doc, '$.points') p;
    INSERT OR IGNORE INTO record_reach
        SELECT 'interception', i.id, 'unit:' || json_extract(p.value, '$.unit_id'), 0
        FROM interceptions i, json_each(i.doc, '$.points') p;
    CREATE INDEX major_events_org ON major_events(org_id, id);
"#;
