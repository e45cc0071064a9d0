//! Deployment for a major event (重大安保): posts that each need a number of units of given
//! kinds, filled so that every post is staffed as early as possible.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::assign::assign;
use super::{invalid, snap_point};
use crate::network::RoadNetwork;
use crate::{Profile, RoadsError};

/// A post (checkpoint, duty point) to staff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    /// Position `[lon, lat]`.
    pub position: [f64; 2],
    /// How many units it needs (1..=100).
    pub staff: usize,
    /// Unit kinds that may fill it (e.g. `patrol_car`, `traffic`); empty: any kind.
    pub kinds: Vec<String>,
}

/// A unit available for the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployUnit {
    /// Position `[lon, lat]`.
    pub position: [f64; 2],
    /// Its kind, matched against [`Post::kinds`].
    pub kind: String,
}

/// One unit sent to one post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Posting {
    /// Index of the post.
    pub post: usize,
    /// Index of the unit.
    pub unit: usize,
    /// Travel time in seconds (`police` profile).
    pub travel_s: f64,
}

/// The deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    /// Units by post, in post order.
    pub postings: Vec<Posting>,
    /// For each post, how many of its places stay empty.
    pub short: Vec<usize>,
    /// When the last unit is in place, in seconds after the order.
    pub makespan_s: f64,
    /// Sum of all travel times in seconds.
    pub total_s: f64,
    /// Units too far from any road, left out.
    pub unusable_units: Vec<usize>,
    /// Planning time in milliseconds.
    pub elapsed_ms: f64,
}

/// Staffs the posts: as many places filled as possible, then the latest arrival as early as
/// possible, then the least total driving; a unit fills at most one place and only places
/// whose post accepts its kind. Exact (each place is a row of the same assignment as
/// [`super::blockade`]).
pub fn deploy(
    net: &RoadNetwork,
    posts: &[Post],
    units: &[DeployUnit],
) -> Result<Deployment, RoadsError> {
    let started = Instant::now();
    if posts.is_empty() {
        return Err(invalid("posts", "no posts to staff"));
    }
    if units.is_empty() {
        return Err(invalid("units", "no units given"));
    }
    if let Some(p) = posts.iter().position(|p| p.staff == 0 || p.staff > 100) {
        return Err(invalid(
            "posts",
            &format!("post {p}: staff must be 1..=100"),
        ));
    }
    let post_snaps = posts
        .iter()
        .map(|p| snap_point(net, Profile::Police, p.position, "posts"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut unusable = Vec::new();
    let mut idx = Vec::new();
    let mut snaps = Vec::new();
    for (i, u) in units.iter().enumerate() {
        match snap_point(net, Profile::Police, u.position, "units") {
            Ok(s) => {
                idx.push(i);
                snaps.push(s);
            }
            Err(_) => unusable.push(i),
        }
    }
    let m = net.matrix(Profile::Police, &snaps, &post_snaps);
    // One row per place to fill.
    let mut row_post = Vec::new();
    let mut cost = Vec::new();
    for (p, post) in posts.iter().enumerate() {
        let row: Vec<Option<u64>> = (0..snaps.len())
            .map(|c| {
                let kind_ok = post.kinds.is_empty() || post.kinds.contains(&units[idx[c]].kind);
                m.seconds[c][p]
                    .filter(|_| kind_ok)
                    .map(|s| (s * 1000.0).round() as u64)
            })
            .collect();
        for _ in 0..post.staff {
            row_post.push(p);
            cost.push(row.clone());
        }
    }
    let a = assign(&cost, snaps.len());
    let mut short = vec![0usize; posts.len()];
    for &r in &a.unassigned {
        short[row_post[r]] += 1;
    }
    let mut postings: Vec<Posting> = a
        .pairs
        .iter()
        .map(|&(r, c, ms)| Posting {
            post: row_post[r],
            unit: idx[c],
            travel_s: ms as f64 / 1000.0,
        })
        .collect();
    postings.sort_by_key(|p| (p.post, p.unit));
    Ok(Deployment {
        postings,
        short,
        makespan_s: a.makespan as f64 / 1000.0,
        total_s: a.total as f64 / 1000.0,
        unusable_units: unusable,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}
