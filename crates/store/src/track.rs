//! The track store: where units have been (AVL), kept apart from the event log.
//!
//! Position reports are telemetry, not decisions. Before this store every report was a
//! `unit.moved` event carrying the whole unit record (~550 bytes of database per report, kept
//! forever, 98% of the log in a soak). Now a report is one row of `unit_fixes` — unit, time,
//! position in micro-degrees, speed and heading — in a `WITHOUT ROWID` table clustered by unit
//! and time (a few dozen bytes per fix, and a unit's trail is one range read). The event log keeps
//! the decisions and state changes (status, arrival at a post or checkpoint); the live feed still
//! streams every position (see [`crate::Tx::telemetry`]).
//!
//! Fixes are kept whole for [`TrackRetention::full_for`], then thinned to one per
//! [`TrackRetention::thin_to`], and deleted after [`TrackRetention::keep_for`]: the kernel runs
//! [`thin`] from [`crate::Store::run_sweeps`], one bounded window per run.

use chrono::{Duration, TimeZone, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use zhihui_core::{LonLat, Time};

use crate::StoreError;

/// Migration 10: the fix table, the thinning watermark, and the fixes of the positions already in
/// the event log (so trails reach back before the upgrade).
pub(crate) const MIGRATION: &str = r#"
    CREATE TABLE unit_fixes (
        unit_id INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        lon_e6 INTEGER NOT NULL,
        lat_e6 INTEGER NOT NULL,
        speed_cms INTEGER,
        heading_deg INTEGER,
        PRIMARY KEY (unit_id, at_ms)
    ) WITHOUT ROWID;
    CREATE TABLE track_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        thinned_until_ms INTEGER NOT NULL
    );
    INSERT INTO track_state VALUES (1, 0);
    INSERT OR REPLACE INTO unit_fixes(unit_id, at_ms, lon_e6, lat_e6)
        SELECT record_id,
               CAST(ROUND((julianday(at) - 2440587.5) * 86400000.0) AS INTEGER),
               CAST(ROUND(json_extract(payload, '$.record.position.lon') * 1000000.0) AS INTEGER),
               CAST(ROUND(json_extract(payload, '$.record.position.lat') * 1000000.0) AS INTEGER)
        FROM events
        WHERE record_type = 'unit'
          AND json_type(payload, '$.changes.position') IS NOT NULL
          AND json_extract(payload, '$.record.position.lon') IS NOT NULL;
"#;

/// How long fixes are kept, and how finely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackRetention {
    /// Every fix is kept this long (the recent trail is played back report by report).
    pub full_for: Duration,
    /// Older fixes are thinned to at most one per this interval per unit (the first of each).
    pub thin_to: Duration,
    /// Fixes older than this are deleted.
    pub keep_for: Duration,
}

impl Default for TrackRetention {
    /// A week whole, then one fix a minute, gone after 90 days.
    fn default() -> Self {
        Self {
            full_for: Duration::days(7),
            thin_to: Duration::minutes(1),
            keep_for: Duration::days(90),
        }
    }
}

impl TrackRetention {
    /// Checks that the three spans nest (`thin_to` > 0, `full_for` ≤ `keep_for`); the error
    /// names the offending setting.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.thin_to <= Duration::zero() {
            return Err(StoreError::Config(
                "track thinning interval must be positive".into(),
            ));
        }
        if self.full_for < Duration::zero() || self.full_for > self.keep_for {
            return Err(StoreError::Config(format!(
                "track retention: fixes kept whole for {} days but kept at all only {} days",
                self.full_for.num_days(),
                self.keep_for.num_days()
            )));
        }
        Ok(())
    }
}

/// One position fix of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fix {
    /// When the position was taken (the domain clock; millisecond precision).
    pub at: Time,
    /// Longitude, WGS84 (micro-degree precision, about 0.1 m).
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Ground speed since the previous fix, m/s (`None` for a unit's first fix).
    pub speed_mps: Option<f64>,
    /// Heading since the previous fix, degrees clockwise from north (`None` when it did not move).
    pub heading_deg: Option<f64>,
}

fn e6(x: f64) -> i64 {
    (x * 1e6).round() as i64
}

fn ms(t: &Time) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> Time {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

/// Records `unit_id` at `pos` at `at`; `prev` is its previous fix (position and time), from which
/// speed and heading follow. A second fix at the same millisecond replaces the first.
pub(crate) fn record(
    conn: &Connection,
    unit_id: i64,
    at: Time,
    pos: LonLat,
    prev: Option<(LonLat, Time)>,
) -> Result<Fix, StoreError> {
    let (speed, heading) = match prev {
        Some((p, t)) if t < at => {
            let d = p.distance_m(&pos);
            let s = (at - t).num_milliseconds() as f64 / 1000.0;
            // Under half a metre is GPS jitter, not a direction.
            let heading = (d >= 0.5).then(|| p.bearing_deg(&pos).round());
            (Some(d / s), heading)
        }
        _ => (None, None),
    };
    conn.prepare_cached(
        "INSERT OR REPLACE INTO unit_fixes(unit_id, at_ms, lon_e6, lat_e6, speed_cms, heading_deg)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        unit_id,
        ms(&at),
        e6(pos.lon),
        e6(pos.lat),
        speed.map(|v| (v * 100.0).round() as i64),
        heading.map(|h| h as i64 % 360),
    ])?;
    Ok(Fix {
        at,
        lon: pos.lon,
        lat: pos.lat,
        speed_mps: speed.map(|v| (v * 100.0).round() / 100.0),
        heading_deg: heading.map(|h| h % 360.0),
    })
}

/// A unit's fixes in `[from, to)`, oldest first, at most `limit` of them; `true` when more
/// followed (the caller pages on from the last fix's time).
pub fn trail(
    conn: &Connection,
    unit_id: i64,
    from: Time,
    to: Time,
    limit: usize,
) -> Result<(Vec<Fix>, bool), StoreError> {
    let mut s = conn.prepare_cached(
        "SELECT at_ms, lon_e6, lat_e6, speed_cms, heading_deg FROM unit_fixes
         WHERE unit_id = ?1 AND at_ms >= ?2 AND at_ms < ?3 ORDER BY at_ms LIMIT ?4",
    )?;
    let rows = s.query_map(
        params![unit_id, ms(&from), ms(&to), limit as i64 + 1],
        |r| {
            Ok(Fix {
                at: from_ms(r.get(0)?),
                lon: r.get::<_, i64>(1)? as f64 / 1e6,
                lat: r.get::<_, i64>(2)? as f64 / 1e6,
                speed_mps: r.get::<_, Option<i64>>(3)?.map(|v| v as f64 / 100.0),
                heading_deg: r.get::<_, Option<i64>>(4)?.map(|v| v as f64),
            })
        },
    )?;
    let mut out = rows.collect::<Result<Vec<_>, _>>()?;
    let more = out.len() > limit;
    out.truncate(limit);
    Ok((out, more))
}

/// How many fixes are stored: for the soak and for operators sizing the disk.
pub fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM unit_fixes", [], |r| r.get(0))?)
}

/// The most a single [`thin`] run covers, so the writer is never held for long: a backlog (a
/// server that was down, a lowered retention) is worked off over several runs.
const THIN_WINDOW: Duration = Duration::hours(6);

/// Whether [`thin`] has work at `now`: fixes older than `full_for` that have not been thinned for
/// over an hour. One row read; the timer asks every second.
pub fn thin_due(conn: &Connection, now: Time, policy: &TrackRetention) -> Result<bool, StoreError> {
    let until: i64 =
        conn.query_row("SELECT thinned_until_ms FROM track_state", [], |r| r.get(0))?;
    Ok(until < ms(&(now - policy.full_for - Duration::hours(1))))
}

/// What one [`thin`] run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Thinned {
    /// Fixes dropped because another fix of the same unit came earlier in the same interval.
    pub thinned: usize,
    /// Fixes deleted because they were older than `keep_for`.
    pub expired: usize,
}

/// Thins the next window of old fixes to one per `thin_to` per unit, and deletes what passed
/// `keep_for`. Every statement is a range over one unit's clustered rows, so the cost follows the
/// fixes touched, not the size of the table.
pub fn thin(conn: &Connection, now: Time, policy: &TrackRetention) -> Result<Thinned, StoreError> {
    let until: i64 =
        conn.query_row("SELECT thinned_until_ms FROM track_state", [], |r| r.get(0))?;
    let horizon = ms(&(now - policy.full_for));
    let expire_before = ms(&(now - policy.keep_for));
    // The units from their own table: `DISTINCT unit_id` over the fixes would read every fix.
    let units: Vec<i64> = {
        let mut s = conn.prepare("SELECT id FROM units")?;
        let rows = s.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out = Thinned::default();
    let mut expire =
        conn.prepare_cached("DELETE FROM unit_fixes WHERE unit_id = ?1 AND at_ms < ?2")?;
    for &u in &units {
        out.expired += expire.execute(params![u, expire_before])?;
    }
    // Nothing older than the expiry needs thinning; start where the last run stopped, or at the
    // first fix after it (a gap of days without fixes is skipped in one run).
    let mut first = conn.prepare_cached(
        "SELECT at_ms FROM unit_fixes WHERE unit_id = ?1 AND at_ms >= ?2 ORDER BY at_ms LIMIT 1",
    )?;
    let mut from = i64::MAX;
    for &u in &units {
        if let Some(t) = first
            .query_row(params![u, until.max(expire_before)], |r| r.get::<_, i64>(0))
            .optional()?
        {
            from = from.min(t);
        }
    }
    let from = from.min(horizon);
    let to = horizon.min(from.saturating_add(THIN_WINDOW.num_milliseconds()));
    if to > from {
        let step = policy.thin_to.num_milliseconds();
        // A fix goes when an earlier fix of the same unit falls in the same interval (intervals
        // aligned to the epoch, so repeated runs agree on them).
        let mut drop = conn.prepare_cached(
            "DELETE FROM unit_fixes AS f
             WHERE f.unit_id = ?1 AND f.at_ms >= ?2 AND f.at_ms < ?3
               AND EXISTS (SELECT 1 FROM unit_fixes g
                           WHERE g.unit_id = f.unit_id
                             AND g.at_ms >= (f.at_ms / ?4) * ?4 AND g.at_ms < f.at_ms)",
        )?;
        for &u in &units {
            out.thinned += drop.execute(params![u, from, to, step])?;
        }
    }
    conn.execute(
        "UPDATE track_state SET thinned_until_ms = ?1",
        [to.max(until)],
    )?;
    Ok(out)
}
