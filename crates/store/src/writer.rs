//! The single writer thread and its group commit.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::Arc;

use rusqlite::Connection;
use tokio::sync::{broadcast, oneshot};

use crate::anchor::Anchor;
use crate::audit::{self, AuditDraft, AuditHead};
use crate::module::{Emitted, Fact, Registry, MAX_REACTION_DEPTH};
use crate::{Event, EventDraft, StoreError, StoreOptions};

/// What one request may do inside the shared transaction.
pub struct Tx<'a> {
    conn: &'a Connection,
    events: &'a mut Vec<Event>,
    audit: &'a mut AuditHead,
    registry: &'a Registry,
    depth: u8,
}

impl<'a> Tx<'a> {
    /// The connection, inside the open transaction: for projection reads and writes.
    pub fn conn(&self) -> &Connection {
        self.conn
    }

    /// The modules of the running program.
    pub fn registry(&self) -> &'a Registry {
        self.registry
    }

    /// Appends the event that records `fact`, then runs every reactor registered for it, in this
    /// transaction. A reactor's error is the request's error: the writer rolls the request back.
    pub fn emit(&mut self, event: EventDraft, fact: Fact<'_>) -> Result<i64, StoreError> {
        let actor = event.actor.clone();
        let at = event.at;
        let seq = self.append(event)?;
        self.react(&actor, at, fact)?;
        Ok(seq)
    }

    /// Publishes `event` on the live feed after the commit without appending it to the log (its
    /// `seq` is 0), then runs the reactors registered for `fact` as [`Tx::emit`] does. For
    /// telemetry that a purpose-built store keeps instead (positions: [`crate::track`]), so the
    /// log holds decisions and state changes only.
    pub fn telemetry(&mut self, e: EventDraft, fact: Fact<'_>) -> Result<(), StoreError> {
        let (actor, at) = (e.actor.clone(), e.at);
        self.events.push(Event {
            seq: 0,
            at: e.at,
            actor: e.actor,
            org_id: e.org_id,
            record_type: e.record_type,
            record_id: e.record_id,
            kind: e.kind,
            payload: e.payload,
        });
        self.react(&actor, at, fact)
    }

    fn react(
        &mut self,
        actor: &str,
        at: zhihui_core::Time,
        fact: Fact<'_>,
    ) -> Result<(), StoreError> {
        if self.depth >= MAX_REACTION_DEPTH {
            return Err(StoreError::Corrupt(format!(
                "reactions nested deeper than {MAX_REACTION_DEPTH} (a cycle between modules?); nothing was written"
            )));
        }
        let registry = self.registry;
        let emitted = Emitted { actor, at, fact };
        self.depth += 1;
        let mut out = Ok(());
        for react in registry.reactors(fact.kind()) {
            out = react(self, &emitted);
            if out.is_err() {
                break;
            }
        }
        self.depth -= 1;
        out
    }

    /// Appends an event to the log and returns its sequence number.
    pub fn append(&mut self, e: EventDraft) -> Result<i64, StoreError> {
        let payload = serde_json::to_string(&e.payload)?;
        self.conn.execute(
            "INSERT INTO events(at, actor, org_id, record_type, record_id, kind, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![
                crate::ts(&e.at),
                e.actor,
                e.org_id,
                e.record_type,
                e.record_id,
                e.kind,
                payload
            ],
        )?;
        let seq = self.conn.last_insert_rowid();
        self.events.push(Event {
            seq,
            at: e.at,
            actor: e.actor,
            org_id: e.org_id,
            record_type: e.record_type,
            record_id: e.record_id,
            kind: e.kind,
            payload: e.payload,
        });
        Ok(seq)
    }

    /// Appends the usual event of a domain record: `{"record": …, "detail": …}` about record
    /// `record_type:id` owned by `org_id` (the live feed filters on it).
    #[allow(clippy::too_many_arguments)]
    pub fn record_event<T: serde::Serialize>(
        &mut self,
        actor: &str,
        org_id: &str,
        record_type: &str,
        id: i64,
        kind: &str,
        record: &T,
        detail: serde_json::Value,
        at: crate::Time,
    ) -> Result<i64, StoreError> {
        self.append(EventDraft {
            at,
            actor: actor.to_owned(),
            org_id: org_id.to_owned(),
            record_type: record_type.to_owned(),
            record_id: id,
            kind: kind.to_owned(),
            payload: serde_json::json!({ "record": record, "detail": detail }),
        })
    }

    /// Appends an entry to the hash-chained audit log.
    pub fn audit(&mut self, d: AuditDraft) -> Result<i64, StoreError> {
        audit::append(self.conn, self.audit, d)
    }
}

trait Job: Send {
    /// Runs the request; false when it failed and its savepoint must be rolled back.
    fn run(&mut self, tx: &mut Tx<'_>) -> bool;
    /// Answers the request once the batch's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), &StoreError>);
}

struct TypedJob<T, E, F> {
    f: Option<F>,
    out: Option<Result<T, E>>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job for TypedJob<T, E, F>
where
    T: Send,
    E: From<StoreError> + Send,
    F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send,
{
    fn run(&mut self, tx: &mut Tx<'_>) -> bool {
        let Some(f) = self.f.take() else { return false };
        // A panicking request must not take the writer, and every other request, down with it.
        let out = match std::panic::catch_unwind(AssertUnwindSafe(|| f(tx))) {
            Ok(r) => r,
            Err(_) => Err(E::from(StoreError::Corrupt(
                "request handler panicked; nothing was written".into(),
            ))),
        };
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), &StoreError>) {
        let answer = match (self.out, commit) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) => Err(E::from(StoreError::Corrupt(format!(
                "commit failed, nothing was written: {e}"
            )))),
            (None, _) => Err(E::from(StoreError::Closed)),
        };
        let _ = self.reply.send(answer);
    }
}

pub(crate) struct WriterHandle {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl WriterHandle {
    fn enqueue<T, E, F>(&self, f: F) -> Result<oneshot::Receiver<Result<T, E>>, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(TypedJob {
            f: Some(f),
            out: None,
            reply,
        });
        self.jobs
            .send(job)
            .map_err(|_| E::from(StoreError::Closed))?;
        Ok(rx)
    }

    pub(crate) async fn submit<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let rx = self.enqueue(f)?;
        rx.await.map_err(|_| E::from(StoreError::Closed))?
    }

    pub(crate) fn submit_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Tx<'_>) -> Result<T, E> + Send + 'static,
    {
        let rx = self.enqueue(f)?;
        rx.blocking_recv()
            .map_err(|_| E::from(StoreError::Closed))?
    }
}

pub(crate) fn spawn(
    conn: Connection,
    opts: StoreOptions,
    live: broadcast::Sender<Arc<Event>>,
    anchor: Option<Anchor>,
    registry: Arc<Registry>,
) -> Result<WriterHandle, StoreError> {
    let head = audit::load_head(&conn)?;
    // Entries written while no anchored process ran (e.g. `zhihui user add`) are covered from
    // now on.
    if let Some(a) = &anchor {
        a.note(head.seq, &head.hash);
    }
    let (jobs, rx) = mpsc::channel::<Box<dyn Job>>();
    std::thread::Builder::new()
        .name("zhihui-writer".into())
        .spawn(move || {
            run(
                conn,
                rx,
                opts.max_batch.max(1),
                head,
                live,
                anchor,
                registry,
            )
        })?;
    Ok(WriterHandle { jobs })
}

fn run(
    conn: Connection,
    rx: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
    mut head: AuditHead,
    live: broadcast::Sender<Arc<Event>>,
    anchor: Option<Anchor>,
    registry: Arc<Registry>,
) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(max_batch);
    // Requests that arrive while the previous commit is syncing wait in the channel and form the
    // next batch: the batch size adapts to load with no timer and no added latency when idle.
    while let Ok(first) = rx.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let head_before = head.clone();
        let mut events = Vec::new();
        let result = run_batch(&conn, &mut batch, &mut events, &mut head, &registry);
        match &result {
            Ok(()) => {
                // Before the requests are answered, so that a flush asked for after an
                // acknowledged write covers it.
                if let Some(a) = &anchor {
                    if head.seq != head_before.seq {
                        a.note(head.seq, &head.hash);
                    }
                }
                for e in events {
                    // No subscriber is fine: the log holds everything for later readers.
                    let _ = live.send(Arc::new(e));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed; batch rolled back");
                let _ = conn.execute_batch("ROLLBACK");
                head = head_before;
            }
        }
        for job in batch.drain(..) {
            job.finish(result.as_ref().map(|_| ()));
        }
    }
}

fn run_batch(
    conn: &Connection,
    batch: &mut [Box<dyn Job>],
    events: &mut Vec<Event>,
    head: &mut AuditHead,
    registry: &Registry,
) -> Result<(), StoreError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    // Another process (e.g. `zhihui user add` beside a running server) may have appended to the
    // audit chain since the last batch; under the write lock the head read here is authoritative.
    *head = audit::load_head(conn)?;
    for job in batch.iter_mut() {
        conn.execute_batch("SAVEPOINT job")?;
        let mark = events.len();
        let head_mark = head.clone();
        let ok = {
            let mut tx = Tx {
                conn,
                events: &mut *events,
                audit: &mut *head,
                registry,
                depth: 0,
            };
            job.run(&mut tx)
        };
        if ok {
            conn.execute_batch("RELEASE job")?;
        } else {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            events.truncate(mark);
            *head = head_mark;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(())
}
