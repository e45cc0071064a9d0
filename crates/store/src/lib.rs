//! Zhihui's persistence: an append-only event log, current-state projections and a hash-chained
//! audit log, all in one SQLite database.
//!
//! Every change is written by one writer thread. Requests hand it a closure; the writer runs the
//! closures of all requests waiting at that moment inside one transaction (each in its own
//! savepoint, so one failing request does not undo the others) and commits once: group commit.
//! With `journal_mode=WAL` and `synchronous=FULL` the commit returns only after the WAL is on disk,
//! and only then are the requests answered and their events published to live subscribers.

pub mod alerts;
mod anchor;
mod audit;
pub mod commands;
mod error;
pub mod fleet;
pub mod fraud;
pub mod ids;
pub mod interception;
pub mod major_events;
mod migrations;
pub mod module;
pub mod opinion;
pub mod projections;
pub mod reach;
pub mod response_plans;
pub mod telephony;
pub mod timers;
pub mod track;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::OpenFlags;
use serde::Serialize;
use tokio::sync::broadcast;

pub use anchor::{
    read_checkpoints, AnchorConfig, AuditKey, Checkpoint, Checkpoints, CHECKPOINT_FILE,
};
pub use audit::{
    verify_against_checkpoints, verify_audit_chain, AnchorReport, AuditDraft, AuditEntry,
    AuditVerdict,
};
pub use error::StoreError;
pub use module::{
    mask_personal, Emitted, Fact, FactKind, Hold, HoldList, Module, Reactor, RecordKind, Registry,
    Sweep, UnitClaim,
};
/// The connection type store reads hand to their closures.
pub use rusqlite::Connection;
pub use writer::Tx;

use zhihui_core::Time;

/// One committed change to one record.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// Position in the global log, gap-free and increasing; 0 for telemetry that the live feed
    /// carries but the log does not keep (position reports: see [`track`]).
    pub seq: i64,
    /// When the change happened (the domain clock).
    pub at: Time,
    /// Username of whoever made it (`system` for timers and the simulator's own logic).
    pub actor: String,
    /// Organisation owning the record after the change: live-feed and timeline visibility.
    pub org_id: String,
    /// `incident`, `unit`, `user`, `org`, …
    pub record_type: String,
    /// Record id within its type.
    pub record_id: i64,
    /// What happened, e.g. `incident.updated`.
    pub kind: String,
    /// `{"record": …, "changes": …}` or kind-specific data.
    pub payload: serde_json::Value,
}

impl Event {
    /// Whether the event is in the log (not telemetry): only these count for resuming a feed.
    pub fn in_log(&self) -> bool {
        self.seq > 0
    }
}

/// An event before the log gives it a sequence number.
#[derive(Debug, Clone)]
pub struct EventDraft {
    /// See [`Event::at`].
    pub at: Time,
    /// See [`Event::actor`].
    pub actor: String,
    /// See [`Event::org_id`].
    pub org_id: String,
    /// See [`Event::record_type`].
    pub record_type: String,
    /// See [`Event::record_id`].
    pub record_id: i64,
    /// See [`Event::kind`].
    pub kind: String,
    /// See [`Event::payload`].
    pub payload: serde_json::Value,
}

/// Tuning of the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most requests committed together. 1 turns group commit off (one commit per request), which
    /// the benchmark uses as its baseline.
    pub max_batch: usize,
    /// Where to anchor the audit chain's head after each batch (see [`AuditKey`]); `None` keeps
    /// only the in-database chain.
    pub anchor: Option<AnchorConfig>,
    /// How long position fixes are kept, and how finely ([`track`]).
    pub track: track::TrackRetention,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_batch: 1024,
            anchor: None,
            track: track::TrackRetention::default(),
        }
    }
}

/// Handle to an open store. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: writer::WriterHandle,
    readers: Mutex<Vec<Connection>>,
    live: broadcast::Sender<Arc<Event>>,
    anchor: Option<anchor::Anchor>,
    registry: Arc<Registry>,
    track: track::TrackRetention,
}

/// The domain modules that follow the operations layer's facts, in the order their reactors run.
/// A program that changes shared records (the server, the simulator) opens its store with these.
pub fn domains() -> Vec<Module> {
    vec![
        interception::module(),
        major_events::module(),
        response_plans::module(),
        telephony::module(),
        opinion::module(),
        fraud::module(),
    ]
}

/// Name of the database file inside the data directory.
pub const DB_FILE: &str = "zhihui.db";

pub(crate) fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

impl Store {
    /// Opens the store with the kernel and the operations layer only (no domain module follows
    /// the facts): for administration tools and tests of the kernel itself.
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Store, StoreError> {
        Store::open_with(dir, opts, Vec::new())
    }

    /// Opens (creating if needed) the store in `dir` with the program's domain modules (see
    /// [`domains`]), applies pending migrations and starts the writer thread.
    pub fn open_with(
        dir: &Path,
        opts: StoreOptions,
        modules: Vec<Module>,
    ) -> Result<Store, StoreError> {
        let registry = Arc::new(Registry::new(modules)?);
        opts.track.validate()?;
        let track = opts.track;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        // WAL + FULL: a commit is durable once it returns; readers never block the writer.
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Config(format!(
                "journal_mode is {mode}, not wal"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        migrations::apply(&mut conn)?;
        migrations::apply_modules(&mut conn, registry.modules())?;
        let (live, _) = broadcast::channel(8192);
        let anchor = opts.anchor.clone().map(anchor::Anchor::start).transpose()?;
        let writer = writer::spawn(conn, opts, live.clone(), anchor.clone(), registry.clone())?;
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                writer,
                readers: Mutex::new(Vec::new()),
                live,
                anchor,
                registry,
                track,
            }),
        })
    }

    /// Runs the kernel's own sweep (thinning old position fixes, [`track::thin`]) and every
    /// registered sweep with work due at `now`, in registration order, each in its own write;
    /// returns how many alerts they raised. A sweep with nothing due costs one read.
    pub async fn run_sweeps(&self, now: Time) -> Result<usize, StoreError> {
        let policy = self.inner.track;
        let st = self.clone();
        let due =
            tokio::task::spawn_blocking(move || st.read(|c| track::thin_due(c, now, &policy)))
                .await
                .map_err(|_| StoreError::Closed)??;
        if due {
            let t = self
                .write(move |tx| track::thin(tx.conn(), now, &policy))
                .await?;
            if t.thinned + t.expired > 0 {
                tracing::info!(
                    thinned = t.thinned,
                    expired = t.expired,
                    "position fixes thinned"
                );
            }
        }
        let mut raised = 0;
        // The operations layer's timers first (orders, instructions), then every domain's.
        let sweeps: Vec<Sweep> = timers::KERNEL
            .iter()
            .chain(self.inner.registry.sweeps())
            .copied()
            .collect();
        for s in sweeps {
            let st = self.clone();
            let due = tokio::task::spawn_blocking(move || st.read(|c| (s.due)(c, now)))
                .await
                .map_err(|_| StoreError::Closed)??;
            if due {
                raised += self.write(move |tx| (s.run)(tx, now)).await?;
            }
        }
        Ok(raised)
    }

    /// The modules this store was opened with.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// Waits until the audit head of every write acknowledged so far is in the checkpoint file
    /// (a no-op without anchoring). Command-line tools call it before they exit.
    pub fn flush_audit_anchor(&self) {
        if let Some(a) = &self.inner.anchor {
            a.flush();
        }
    }

    /// Runs `f` in the writer's transaction and returns once its effects are durable. If `f`
    /// returns an error, everything it wrote is rolled back and nothing is published.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// The blocking variant of [`Store::write`], for command-line tools.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        self.inner.writer.submit_blocking(f)
    }

    /// Runs `f` on a read-only connection. Blocking: async callers wrap it in `spawn_blocking`.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = match self.inner.readers.lock().map(|mut v| v.pop()) {
            Ok(Some(c)) => c,
            _ => {
                let c = Connection::open_with_flags(
                    &self.inner.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                c
            }
        };
        let out = f(&conn);
        if let Ok(mut v) = self.inner.readers.lock() {
            if v.len() < 16 {
                v.push(conn);
            }
        }
        out
    }

    /// Subscribes to events as they commit. Subscribe first, then read history, to miss nothing.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.live.subscribe()
    }

    /// Events with `seq > after`, oldest first, at most `limit`.
    pub fn events_after(&self, after: i64, limit: usize) -> Result<Vec<Event>, StoreError> {
        self.read(|c| projections::events_after(c, after, limit))
    }

    /// The highest committed sequence number (0 for an empty log).
    pub fn head(&self) -> Result<i64, StoreError> {
        self.read(projections::head)
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

pub(crate) fn ts(t: &Time) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub(crate) fn parse_ts(s: &str) -> Result<Time, StoreError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Corrupt(format!("bad timestamp {s:?}: {e}")))
}
