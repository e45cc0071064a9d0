//! The opinion tables: posts (kept while they matter), clusters of near-duplicates with their
//! LSH band keys, and alerts (the document beside the columns lists filter on).

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use zhihui_core::opinion::OpinionAlert;
use zhihui_core::Time;

use super::prepare::{band_keys, similarity, Screened, SAME_CLUSTER_AT};
use crate::projections::in_clause;
use crate::{parse_ts, ts, StoreError};

/// How long a cluster takes new reposts: after a day of silence a similar post starts anew.
pub const CLUSTER_OPEN_H: i64 = 24;
/// The burst counter's time constant: it approximates the reposts of the last ten minutes.
pub const BURST_TAU_S: f64 = 600.0;

/// Whether a post of this id was received already.
pub fn post_exists(c: &Connection, post_id: &str) -> Result<bool, StoreError> {
    Ok(
        c.prepare_cached("SELECT 1 FROM opinion_posts WHERE post_id = ?1")?
            .query_row([post_id], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

/// Stores a post.
pub fn put_post(
    c: &Connection,
    p: &Screened,
    cluster_id: i64,
    now: &Time,
) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO opinion_posts(post_id, author_key, sealed_author, text, url, posted_at,
             received_at, lon, lat, cluster_id, raised)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        p.id,
        p.author_key,
        p.sealed_author,
        p.text,
        p.url,
        ts(&p.posted_at),
        ts(now),
        p.geotag.map(|g| g.lon),
        p.geotag.map(|g| g.lat),
        cluster_id,
        !p.risks.is_empty()
    ])?;
    Ok(())
}

/// A post's id, its author's pseudonym and the sealed handle (for posts that raised something).
pub type SealedAuthor = (String, String, Option<Vec<u8>>);

/// The sealed handles of the authors of `post_ids` (those that raised something), by post id.
pub fn sealed_authors(
    c: &Connection,
    post_ids: &[String],
) -> Result<Vec<SealedAuthor>, StoreError> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT post_id, author_key, sealed_author FROM opinion_posts WHERE {}",
        in_clause("post_id", post_ids.len())
    );
    let mut s = c.prepare(&sql)?;
    let rows = s.query_map(params_from_iter(post_ids), |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    rows.map(|r| r.map_err(Into::into)).collect()
}

/// A cluster of near-duplicate posts.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Id.
    pub id: i64,
    /// Posts in it.
    pub size: u32,
    /// Reposts of about the last ten minutes (decayed count).
    pub burst: f32,
    /// Whether this post opened it.
    pub new: bool,
}

/// The cluster `sig` belongs to, opening one when no cluster active in the last
/// [`CLUSTER_OPEN_H`] hours is similar enough; the post is counted on it.
pub fn join_cluster(
    c: &Connection,
    sig: &[u32],
    sample: &str,
    now: &Time,
) -> Result<Cluster, StoreError> {
    let keys = band_keys(sig);
    let since = ts(&(*now - chrono::Duration::hours(CLUSTER_OPEN_H)));
    let sql = format!(
        "SELECT DISTINCT k.cluster_id, c.signature FROM opinion_bands k
         JOIN opinion_clusters c ON c.id = k.cluster_id
         WHERE {} AND c.last_seen >= ? ORDER BY k.cluster_id",
        in_clause("k.key", keys.len())
    );
    let mut s = c.prepare_cached(&sql)?;
    let args: Vec<rusqlite::types::Value> = keys
        .iter()
        .map(|k| (*k).into())
        .chain([since.into()])
        .collect();
    let candidates = s.query_map(params_from_iter(args), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut best: Option<(i64, f64)> = None;
    for row in candidates {
        let (id, blob) = row?;
        let theirs: Vec<u32> = blob
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let sim = similarity(sig, &theirs);
        if sim >= SAME_CLUSTER_AT && best.is_none_or(|(_, b)| sim > b) {
            best = Some((id, sim));
        }
    }
    if let Some((id, _)) = best {
        let (size, burst, last): (u32, f64, String) = c
            .prepare_cached("SELECT size, burst, last_seen FROM opinion_clusters WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let dt = (*now - parse_ts(&last)?).num_milliseconds().max(0) as f64 / 1000.0;
        let burst = burst * (-dt / BURST_TAU_S).exp() + 1.0;
        c.prepare_cached(
            "UPDATE opinion_clusters SET size = ?2, burst = ?3, last_seen = ?4 WHERE id = ?1",
        )?
        .execute(params![id, size + 1, burst, ts(now)])?;
        return Ok(Cluster {
            id,
            size: size + 1,
            burst: burst as f32,
            new: false,
        });
    }
    let id = crate::ids::next(c, "opinion_cluster")?;
    let blob: Vec<u8> = sig.iter().flat_map(|h| h.to_le_bytes()).collect();
    let sample: String = sample.chars().take(140).collect();
    c.prepare_cached(
        "INSERT INTO opinion_clusters(id, first_seen, last_seen, size, burst, signature, sample)
         VALUES (?1, ?2, ?2, 1, 1.0, ?3, ?4)",
    )?
    .execute(params![id, ts(now), blob, sample])?;
    let mut ins =
        c.prepare_cached("INSERT OR IGNORE INTO opinion_bands(key, cluster_id) VALUES (?1, ?2)")?;
    for k in keys {
        ins.execute(params![k, id])?;
    }
    Ok(Cluster {
        id,
        size: 1,
        burst: 1.0,
        new: true,
    })
}

fn parse(doc: Option<String>) -> Result<Option<OpinionAlert>, StoreError> {
    doc.map(|d| serde_json::from_str(&d).map_err(Into::into))
        .transpose()
}

/// One alert.
pub fn get(c: &Connection, id: i64) -> Result<Option<OpinionAlert>, StoreError> {
    parse(
        c.prepare_cached("SELECT doc FROM opinion_alerts WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?,
    )
}

/// The open alerts about a cluster.
pub fn open_of_cluster(c: &Connection, cluster_id: i64) -> Result<Vec<OpinionAlert>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM opinion_alerts WHERE cluster_id = ?1
         AND state IN ('new', 'acknowledged') ORDER BY id",
    )?;
    let rows = s.query_map([cluster_id], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Inserts or replaces an alert.
pub fn put(c: &Connection, a: &OpinionAlert) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO opinion_alerts(id, org_id, category, level, state, cluster_id, first_seen,
             deadline, escalation_due, doc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET org_id = excluded.org_id, level = excluded.level,
             state = excluded.state, deadline = excluded.deadline,
             escalation_due = excluded.escalation_due, doc = excluded.doc",
    )?
    .execute(params![
        a.id,
        a.org_id,
        a.category,
        a.level.as_str(),
        a.state.as_str(),
        a.cluster_id,
        ts(&a.first_seen),
        ts(&a.deadline),
        // The sweep's index: the deadline while this stage has not escalated yet.
        (a.state.is_open() && !a.escalations.iter().any(|e| e.stage == a.state))
            .then(|| ts(&a.deadline)),
        serde_json::to_string(a)?
    ])?;
    Ok(())
}

/// The alerts of the given organisations: every open one, and those closed since `since`,
/// optionally of one state; the most urgent first (open before closed, high before elevated,
/// nearest deadline first).
pub fn list(
    c: &Connection,
    org_ids: &[String],
    state: Option<&str>,
    since: &Time,
    limit: i64,
) -> Result<Vec<OpinionAlert>, StoreError> {
    let mut sql = format!(
        "SELECT doc FROM opinion_alerts WHERE {} AND (state IN ('new', 'acknowledged') OR first_seen >= ?)",
        in_clause("org_id", org_ids.len())
    );
    if state.is_some() {
        sql.push_str(" AND state = ?");
    }
    sql.push_str(&format!(
        " ORDER BY state NOT IN ('new', 'acknowledged'), level = 'elevated', deadline, id DESC LIMIT {}",
        limit.max(0)
    ));
    let mut s = c.prepare(&sql)?;
    let args = org_ids
        .iter()
        .cloned()
        .chain([ts(since)])
        .chain(state.map(str::to_owned));
    let rows = s.query_map(params_from_iter(args), |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Whether some alert's stage deadline has passed.
pub fn any_due(c: &Connection, now: &Time) -> Result<bool, StoreError> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM opinion_alerts WHERE escalation_due IS NOT NULL AND escalation_due <= ?1 LIMIT 1",
    )?
    .query_row([ts(now)], |_| Ok(()))
    .optional()?
    .is_some())
}

/// The alerts whose stage deadline has passed (at most 100 per run).
pub fn due(c: &Connection, now: &Time) -> Result<Vec<OpinionAlert>, StoreError> {
    let mut s = c.prepare_cached(
        "SELECT doc FROM opinion_alerts WHERE escalation_due IS NOT NULL AND escalation_due <= ?1
         ORDER BY escalation_due LIMIT 100",
    )?;
    let rows = s.query_map([ts(now)], |r| r.get::<_, String>(0))?;
    rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
}

/// Whether posts that raised nothing are older than `before`.
pub fn any_purgeable(c: &Connection, before: &Time) -> Result<bool, StoreError> {
    Ok(c.prepare_cached(
        "SELECT 1 FROM opinion_posts WHERE raised = 0 AND received_at < ?1 LIMIT 1",
    )?
    .query_row([ts(before)], |_| Ok(()))
    .optional()?
    .is_some())
}

/// Deletes up to `limit` posts that raised nothing and were received before `before`; returns
/// how many went.
pub fn purge(c: &Connection, before: &Time, limit: i64) -> Result<usize, StoreError> {
    Ok(c.prepare_cached(
        "DELETE FROM opinion_posts WHERE rowid IN (
             SELECT rowid FROM opinion_posts WHERE raised = 0 AND received_at < ?1 LIMIT ?2)",
    )?
    .execute(params![ts(before), limit])?)
}

/// How many posts are kept (for tests and the console's figures).
pub fn post_count(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM opinion_posts", [], |r| r.get(0))?)
}

/// A post of a cluster, as the cluster view lists it (no address: the author is a pseudonym).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterPost {
    /// Id in its source.
    pub post_id: String,
    /// The text as posted.
    pub text: String,
    /// The author's pseudonym.
    pub author: String,
    /// When posted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub posted_at: Time,
    /// When it arrived.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Time,
    /// Whether it read a risk itself.
    pub raised: bool,
}

/// A cluster of near-duplicate posts: how far and how fast it spread, and its latest posts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterView {
    /// Id.
    pub id: i64,
    /// Posts in it (those purged included).
    pub size: u32,
    /// Reposts in about the last ten minutes, decayed to now.
    pub burst: f32,
    /// First post.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub first_seen: Time,
    /// Latest post.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_seen: Time,
    /// The first post's text (140 characters).
    pub sample: String,
    /// The posts still kept, newest first (at most 100; posts that raised nothing go after the
    /// keeping window).
    pub posts: Vec<ClusterPost>,
}

/// One cluster with its latest posts.
pub fn cluster(c: &Connection, id: i64, now: &Time) -> Result<Option<ClusterView>, StoreError> {
    let head = c
        .prepare_cached(
            "SELECT size, burst, first_seen, last_seen, sample FROM opinion_clusters WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((size, burst, first, last, sample)) = head else {
        return Ok(None);
    };
    let last_seen = parse_ts(&last)?;
    let dt = (*now - last_seen).num_milliseconds().max(0) as f64 / 1000.0;
    let mut s = c.prepare_cached(
        "SELECT post_id, text, author_key, posted_at, received_at, raised FROM opinion_posts
         WHERE cluster_id = ?1 ORDER BY received_at DESC, post_id LIMIT 100",
    )?;
    let rows = s.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, bool>(5)?,
        ))
    })?;
    let mut posts = Vec::new();
    for row in rows {
        let (post_id, text, author, posted, received, raised) = row?;
        posts.push(ClusterPost {
            post_id,
            text,
            author,
            posted_at: parse_ts(&posted)?,
            received_at: parse_ts(&received)?,
            raised,
        });
    }
    Ok(Some(ClusterView {
        id,
        size,
        burst: (burst * (-dt / BURST_TAU_S).exp()) as f32,
        first_seen: parse_ts(&first)?,
        last_seen,
        sample,
        posts,
    }))
}
