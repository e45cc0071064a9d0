//! The screen's lexicon as data an analyst edits (词库): every saved version kept with who, when
//! and why; the newest is what the server screens with, swapped in without a restart. A version
//! is compiled before it is written, so a line naming a category outside the closed list (or any
//! malformed line) is refused with its line number and changes nothing.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::json;
use zhihui_core::{Action, DomainError, Time};
use zhihui_screen::Screener;

use crate::commands::{audit_ok, Actor};
use crate::{parse_ts, ts, StoreError, Tx};

/// One saved version of the lexicon (0 is the built-in default, never stored).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LexiconVersion {
    /// 1, 2, … (0: the built-in default).
    pub version: i64,
    /// Terms in it.
    pub terms: usize,
    /// Who saved it.
    pub by: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Time,
    /// Why.
    pub note: String,
}

/// The lexicon in force: its version and its text (the built-in default when none was saved).
pub fn current(c: &rusqlite::Connection) -> Result<(LexiconVersion, String), StoreError> {
    let row = c
        .prepare_cached(
            "SELECT version, terms, by, at, note, text FROM opinion_lexicons ORDER BY version DESC LIMIT 1",
        )?
        .query_row([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })
        .optional()?;
    match row {
        Some((version, terms, by, at, note, text)) => Ok((
            LexiconVersion {
                version,
                terms: terms as usize,
                by,
                at: parse_ts(&at)?,
                note,
            },
            text,
        )),
        None => {
            let text = zhihui_screen::DEFAULT_LEXICON.to_owned();
            let terms = Screener::with_default_lexicon().term_count();
            Ok((
                LexiconVersion {
                    version: 0,
                    terms,
                    by: "system".into(),
                    at: chrono::DateTime::UNIX_EPOCH,
                    note: "built-in default".into(),
                },
                text,
            ))
        }
    }
}

/// Every saved version, newest first.
pub fn versions(c: &rusqlite::Connection) -> Result<Vec<LexiconVersion>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT version, terms, by, at, note FROM opinion_lexicons ORDER BY version DESC LIMIT 200",
    )?;
    let rows = s.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    rows.map(|r| {
        let (version, terms, by, at, note) = r?;
        Ok(LexiconVersion {
            version,
            terms: terms as usize,
            by,
            at: parse_ts(&at)?,
            note,
        })
    })
    .collect()
}

/// Saves `text` as the next version after `base_version` (the version the analyst edited; an
/// older one means someone saved in between: 409), once it compiles. Returns the version and the
/// compiled screen (without a model: the caller keeps its own).
pub fn save(
    tx: &mut Tx<'_>,
    actor: &Actor,
    text: &str,
    note: &str,
    base_version: i64,
    now: Time,
) -> Result<(LexiconVersion, Screener), StoreError> {
    actor.require(Action::Analyse, "edit the screen's lexicon")?;
    if text.len() > 2_000_000 {
        return Err(DomainError::invalid("text", "at most 2 MB").into());
    }
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(DomainError::invalid("note", "at most 500 characters").into());
    }
    let screener =
        Screener::from_lexicon(text).map_err(|e| DomainError::invalid("text", e.to_string()))?;
    let (cur, old_text) = current(tx.conn())?;
    if base_version != cur.version {
        return Err(StoreError::Conflict {
            field: "base_version".into(),
            message: format!(
                "version {} was saved by {} since version {base_version}: reload and edit again",
                cur.version, cur.by
            ),
        });
    }
    let lines = |t: &str| -> std::collections::BTreeSet<String> {
        t.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect()
    };
    let (before, after) = (lines(&old_text), lines(text));
    let added: Vec<&String> = after.difference(&before).collect();
    let removed: Vec<&String> = before.difference(&after).collect();
    let version = cur.version + 1;
    let v = LexiconVersion {
        version,
        terms: screener.term_count(),
        by: actor.username.clone(),
        at: now,
        note: note.to_owned(),
    };
    tx.conn().execute(
        "INSERT INTO opinion_lexicons(version, text, terms, by, at, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![version, text, v.terms as i64, v.by, ts(&now), v.note],
    )?;
    tx.audit(audit_ok(
        actor,
        now,
        "opinion.lexicon",
        format!("opinion_lexicon:{version}"),
        json!({
            "from": cur.version,
            "terms": v.terms,
            "note": v.note,
            "added": added,
            "removed": removed,
        }),
    ))?;
    Ok((v, screener))
}
