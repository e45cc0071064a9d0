//! The anti-fraud domain (反诈, 96110), first slice: fraud reports kept as they came (the
//! source of truth), linked into rings by `zhihui-link` (串并案). The linker itself is derived
//! state: whoever serves it rebuilds it from [`projection::reports`] and [`projection::rejections`]
//! and adds each committed report to it; an analyst's rejection of a link is stored here and
//! audited.

pub mod commands;
pub mod projection;
pub mod warnings;

const MIGRATION_1: &str = r#"
    CREATE TABLE fraud_reports (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE TABLE fraud_rejections (
        report_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        note TEXT NOT NULL,
        PRIMARY KEY (report_id, kind, value)
    ) WITHOUT ROWID;
"#;

const MIGRATION_2: &str = r#"
    CREATE TABLE fraud_warnings (
        id INTEGER PRIMARY KEY,
        phone TEXT NOT NULL UNIQUE,
        org_id TEXT NOT NULL,
        priority INTEGER NOT NULL,
        last_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX fraud_warnings_list ON fraud_warnings(org_id, priority, last_at);
"#;

/// The anti-fraud domain as a module of the kernel: its schema, and how its warning list travels
/// (the phone number and name are personal data, masked in lists).
pub fn module() -> crate::Module {
    crate::Module::new("fraud")
        .migrations(&[MIGRATION_1, MIGRATION_2])
        .record_kind(crate::RecordKind {
            record_type: "fraud_warning",
            published: false,
            personal: &["/phone", "/name"],
        })
}
