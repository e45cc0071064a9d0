//! The major-event schema. Released as the kernel's migration 6, before modules brought their own
//! migrations: the kernel's list still names it (a released migration never moves); schema
//! changes from now on go into the module's own list (`Module::migrations`).

/// The schema (migration 6 in [`crate::migrations`]). The `post_units` rows index the post
/// documents: which unit holds which post (for position reports), which instruction sent it;
/// `next_check` is when the clock alone may next change a post (for the timers).
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE major_events (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        status TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX major_events_status ON major_events(status, id);
    CREATE TABLE event_posts (
        id INTEGER PRIMARY KEY,
        event_id INTEGER NOT NULL REFERENCES major_events(id),
        idx INTEGER NOT NULL,
        status TEXT NOT NULL,
        active INTEGER NOT NULL,
        next_check TEXT,
        doc TEXT NOT NULL,
        UNIQUE (event_id, idx)
    );
    CREATE INDEX event_posts_due ON event_posts(next_check) WHERE active = 1 AND next_check IS NOT NULL;
    CREATE TABLE post_units (
        post_id INTEGER NOT NULL REFERENCES event_posts(id),
        unit_id INTEGER NOT NULL REFERENCES units(id),
        instruction_id INTEGER NOT NULL REFERENCES instructions(id),
        event_id INTEGER NOT NULL REFERENCES major_events(id),
        lon REAL NOT NULL,
        lat REAL NOT NULL,
        active INTEGER NOT NULL,
        on_site INTEGER NOT NULL,
        PRIMARY KEY (post_id, unit_id, instruction_id)
    );
    CREATE INDEX post_units_unit ON post_units(unit_id) WHERE active = 1;
    CREATE INDEX post_units_instruction ON post_units(instruction_id);
"#;
