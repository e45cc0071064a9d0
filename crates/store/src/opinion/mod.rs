//! The public-opinion domain (舆情): public posts screened for public-safety risks as they
//! arrive, grouped with their reposts, and turned into alerts that an analyst takes and ends as
//! an incident (help sent) or dismissed with a reason — the closed loop of `zhihui_core::opinion`.
//!
//! A slice of its own: what is worked out before a write in [`prepare`] (screening with
//! `zhihui-screen`, pseudonyms, MinHash signatures), the tables in [`projection`], the commands
//! in [`commands`], the clock's work in [`sweeps`] (escalation into the operations layer's alert
//! centre, purging posts that raised nothing). Authors are kept as keyed hashes; a handle is
//! sealed under a key outside the database, and only for a post that raised a risk.

pub mod commands;
pub mod lexicon;
pub mod prepare;
pub mod projection;
pub mod sweeps;

pub(crate) const RECORD: &str = "opinion_alert";

const MIGRATION_1: &str = r#"
    CREATE TABLE opinion_posts (
        post_id TEXT PRIMARY KEY,
        author_key TEXT NOT NULL,
        sealed_author BLOB,
        text TEXT NOT NULL,
        url TEXT,
        posted_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        lon REAL,
        lat REAL,
        cluster_id INTEGER NOT NULL,
        raised INTEGER NOT NULL
    );
    CREATE INDEX opinion_posts_purge ON opinion_posts(raised, received_at);
    CREATE INDEX opinion_posts_cluster ON opinion_posts(cluster_id);
    CREATE TABLE opinion_clusters (
        id INTEGER PRIMARY KEY,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        size INTEGER NOT NULL,
        burst REAL NOT NULL,
        signature BLOB NOT NULL,
        sample TEXT NOT NULL
    );
    CREATE TABLE opinion_bands (
        key INTEGER NOT NULL,
        cluster_id INTEGER NOT NULL,
        PRIMARY KEY (key, cluster_id)
    ) WITHOUT ROWID;
    CREATE TABLE opinion_alerts (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        category TEXT NOT NULL,
        level TEXT NOT NULL,
        state TEXT NOT NULL,
        cluster_id INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        deadline TEXT NOT NULL,
        escalation_due TEXT,
        doc TEXT NOT NULL
    );
    CREATE INDEX opinion_alerts_cluster ON opinion_alerts(cluster_id, state);
    CREATE INDEX opinion_alerts_list ON opinion_alerts(org_id, state, first_seen);
    CREATE INDEX opinion_alerts_due ON opinion_alerts(escalation_due) WHERE escalation_due IS NOT NULL;
    CREATE TABLE opinion_settings (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
"#;

const MIGRATION_2: &str = r#"
    CREATE TABLE opinion_lexicons (
        version INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        terms INTEGER NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT NOT NULL
    );
"#;

/// The opinion domain as a module of the kernel: its schema, its records on the live feed (the
/// posts are public, but their addresses name the author and are masked), and its
/// timers.
pub fn module() -> crate::Module {
    use crate::{Module, RecordKind, Sweep};
    Module::new("opinion")
        .migrations(&[MIGRATION_1, MIGRATION_2])
        .record_kind(RecordKind {
            record_type: RECORD,
            published: true,
            personal: &["/evidence/*/url"],
        })
        .sweep(Sweep {
            name: "opinion.escalate",
            due: sweeps::escalation_due,
            run: sweeps::escalate,
        })
        .sweep(Sweep {
            name: "opinion.purge",
            due: sweeps::purge_due,
            run: sweeps::purge,
        })
}
