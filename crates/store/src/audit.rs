//! The tamper-evident audit log: each entry carries the SHA-256 of its predecessor, so editing or
//! removing any entry but the last breaks the chain at that point. Entries are numbered without
//! gaps, so a removed entry is found even where the hashes happen to be recomputed downstream.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{ts, StoreError};
use zhihui_core::Time;

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit entry before it is chained.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    /// When.
    pub at: Time,
    /// Username, or `anonymous` for refused unauthenticated requests.
    pub actor: String,
    /// What was attempted, e.g. `incident.read`, `incident.update`, `session.create`.
    pub action: String,
    /// What it concerned, e.g. `incident:17`.
    pub target: String,
    /// `ok`, `denied`, `unauthenticated`, `invalid`, `error`.
    pub outcome: String,
    /// Anything else worth keeping (never passwords or tokens).
    pub detail: serde_json::Value,
}

/// An audit entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Position, gap-free from 1.
    pub seq: i64,
    /// Timestamp text as hashed.
    pub at: String,
    /// See [`AuditDraft::actor`].
    pub actor: String,
    /// See [`AuditDraft::action`].
    pub action: String,
    /// See [`AuditDraft::target`].
    pub target: String,
    /// See [`AuditDraft::outcome`].
    pub outcome: String,
    /// JSON text as hashed.
    pub detail: String,
    /// Hash of the previous entry.
    pub prev_hash: String,
    /// Hash of this entry.
    pub hash: String,
}

#[derive(Debug, Clone)]
pub(crate) struct AuditHead {
    pub(crate) seq: i64,
    pub(crate) hash: String,
}

/// Hash of one entry over its fields in order: seq, at, actor, action, target, outcome, detail,
/// prev_hash. Fields are length-prefixed so no two different entries serialise to the same bytes.
fn entry_hash(fields: [&str; 8]) -> String {
    let mut h = Sha256::new();
    for part in fields {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

pub(crate) fn load_head(conn: &Connection) -> Result<AuditHead, StoreError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((seq, hash)) => AuditHead { seq, hash },
        None => AuditHead {
            seq: 0,
            hash: GENESIS.to_owned(),
        },
    })
}

pub(crate) fn append(
    conn: &Connection,
    head: &mut AuditHead,
    d: AuditDraft,
) -> Result<i64, StoreError> {
    let seq = head.seq + 1;
    let at = ts(&d.at);
    let detail = serde_json::to_string(&d.detail)?;
    let seq_text = seq.to_string();
    let hash = entry_hash([
        &seq_text, &at, &d.actor, &d.action, &d.target, &d.outcome, &detail, &head.hash,
    ]);
    conn.execute(
        "INSERT INTO audit(seq, at, actor, action, target, outcome, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![seq, at, d.actor, d.action, d.target, d.outcome, detail, head.hash, hash],
    )?;
    head.seq = seq;
    head.hash = hash;
    Ok(seq)
}

/// Result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// Every entry links to its predecessor and hashes correctly.
    Intact {
        /// Number of entries checked.
        entries: i64,
    },
    /// The first entry that does not check out, and why.
    Broken {
        /// Sequence number of the first bad entry.
        seq: i64,
        /// What is wrong with it.
        reason: String,
    },
}

/// Walks the whole audit log from the start.
pub fn verify_audit_chain(conn: &Connection) -> Result<AuditVerdict, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, target, outcome, detail, prev_hash, hash FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_seq = 1;
    let mut prev = GENESIS.to_owned();
    while let Some(r) = rows.next()? {
        let e = AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            outcome: r.get(5)?,
            detail: r.get(6)?,
            prev_hash: r.get(7)?,
            hash: r.get(8)?,
        };
        if e.seq != expected_seq {
            return Ok(AuditVerdict::Broken {
                seq: expected_seq,
                reason: format!(
                    "entry {expected_seq} is missing (next present is {})",
                    e.seq
                ),
            });
        }
        if e.prev_hash != prev {
            return Ok(AuditVerdict::Broken {
                seq: e.seq,
                reason: "does not link to the previous entry".into(),
            });
        }
        let seq_text = e.seq.to_string();
        let h = entry_hash([
            &seq_text,
            &e.at,
            &e.actor,
            &e.action,
            &e.target,
            &e.outcome,
            &e.detail,
            &e.prev_hash,
        ]);
        if h != e.hash {
            return Ok(AuditVerdict::Broken {
                seq: e.seq,
                reason: "content does not match its hash (edited)".into(),
            });
        }
        prev = e.hash;
        expected_seq += 1;
    }
    Ok(AuditVerdict::Intact {
        entries: expected_seq - 1,
    })
}

/// The chain checked against the signed checkpoints of [`crate::anchor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorReport {
    /// The chain on its own.
    pub chain: AuditVerdict,
    /// Entries in the database.
    pub entries: i64,
    /// Valid checkpoint lines read.
    pub checkpoints: usize,
    /// The newest entry a checkpoint vouches for (0 for none).
    pub anchored_through: i64,
    /// Everything the checkpoints contradict, in words: truncation, rewrite, edited lines. Empty
    /// when the log agrees with every checkpoint.
    pub findings: Vec<String>,
}

impl AnchorReport {
    /// Whether nothing was found wrong.
    pub fn intact(&self) -> bool {
        matches!(self.chain, AuditVerdict::Intact { .. }) && self.findings.is_empty()
    }
}

/// Checks the chain, then every checkpoint against it: a checkpoint past the end of the log is a
/// truncated tail (or a removed log), one whose hash differs is a rewrite (recomputed or not), and
/// any line the key does not vouch for is reported as an edit of the checkpoint file.
pub fn verify_against_checkpoints(
    conn: &Connection,
    cps: &crate::anchor::Checkpoints,
) -> Result<AnchorReport, StoreError> {
    let chain = verify_audit_chain(conn)?;
    let (entries, max_seq): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM audit",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut findings = Vec::new();
    for (line, why) in &cps.bad {
        findings.push(format!("checkpoint line {line}: {why}"));
    }
    let newest = cps.valid.values().next_back();
    if let Some(cp) = newest {
        if cp.seq > max_seq {
            findings.push(if max_seq == 0 {
                format!(
                    "the audit log is empty but checkpoint line {} vouches for {} entries: every entry was removed",
                    cp.line, cp.seq
                )
            } else {
                format!(
                    "tail truncated: checkpoint line {} vouches for entry {} but the log ends at entry {max_seq} ({} entries missing)",
                    cp.line,
                    cp.seq,
                    cp.seq - max_seq
                )
            });
        }
    }
    // Every checkpoint the log still reaches must name the hash stored there. The oldest
    // disagreement says where a rewrite began (at or before that entry).
    let mut stmt = conn.prepare_cached("SELECT hash FROM audit WHERE seq = ?1")?;
    let mut first_mismatch = None;
    for cp in cps.valid.values() {
        if cp.seq > max_seq {
            break;
        }
        let stored: Option<String> = stmt.query_row([cp.seq], |r| r.get(0)).optional()?;
        if stored.as_deref() != Some(cp.hash.as_str()) {
            first_mismatch = Some(cp);
            break;
        }
    }
    if let Some(cp) = first_mismatch {
        findings.push(format!(
            "rewritten: entry {} does not match checkpoint line {} (the chain was altered at or before entry {} and its hashes recomputed)",
            cp.seq, cp.line, cp.seq
        ));
    }
    Ok(AnchorReport {
        chain,
        entries,
        checkpoints: cps.valid.len(),
        anchored_through: newest.map(|c| c.seq.min(max_seq)).unwrap_or(0),
        findings,
    })
}
