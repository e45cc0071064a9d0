//! Planning before the write: which free units go to which posts (the road engine's optimal
//! deployment), each unit's travel time to its post, and which unit relieves a post. These
//! only read; a dispatcher accepts a proposal through [`super::assign`] and a relief goes through
//! [`super::relieve`], which check everything again in the writer. The server calls them off
//! the async threads and the demo's simulator plans its event with the same [`optimal`], so the
//! two run one set of rules.

use rusqlite::Connection;
use serde::Serialize;
use zhihui_core::major_event::{NewEvent, Post, MAX_PLACES};
use zhihui_core::{Action, LonLat, OrgTree, Time, UnitKind};
use zhihui_roads::plan::{self, DeployUnit, Deployment};
use zhihui_roads::{Profile, RoadNetwork};

use super::commands::require_active;
use super::{conflict, invalid, load_event, load_post};
use crate::commands::{check_unit, Actor};
use crate::fleet::{self, DRIVING};
use crate::projections as p;
use crate::{Registry, StoreError};

/// Most units one deployment considers.
pub const MAX_DEPLOY_UNITS: usize = 5000;

/// One unit for one post in a proposal.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposedPosting {
    pub post_id: i64,
    pub post_index: usize,
    pub label: String,
    pub unit_id: i64,
    pub call_sign: String,
    pub kind: UnitKind,
    /// Travel time by road now (police profile), seconds.
    pub travel_s: f64,
}

/// Places of a post the proposal leaves empty.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShortPost {
    pub post_id: i64,
    pub post_index: usize,
    pub label: String,
    pub places: usize,
}

/// A deployment proposal: nothing is sent until it is accepted (`POST …/assignments`).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Proposal {
    pub event_id: i64,
    /// By post, then unit.
    pub postings: Vec<ProposedPosting>,
    /// Posts with places no usable unit of an accepted kind could fill.
    pub short: Vec<ShortPost>,
    /// Open places the proposal was asked to fill.
    pub places: usize,
    /// Places filled.
    pub filled: usize,
    /// When the last unit is in place, seconds from now.
    pub makespan_s: f64,
    /// Sum of all travel times.
    pub total_s: f64,
    pub units_considered: usize,
    /// Units too far from any road, left out.
    pub unusable_unit_ids: Vec<i64>,
    /// Planning time (the assignment itself).
    pub elapsed_ms: f64,
}

/// The unit chosen to relieve a post.
#[derive(Debug, Clone)]
pub struct Relief {
    pub unit_id: i64,
    pub call_sign: String,
    /// Its travel time by road, where both ends are on the network.
    pub travel_s: Option<f64>,
}

/// A place to fill for [`optimal`]: where, how many units, which kinds (empty: any).
#[derive(Debug, Clone)]
pub struct Place {
    pub at: LonLat,
    pub staff: usize,
    pub kinds: Vec<UnitKind>,
}

fn no_network() -> StoreError {
    StoreError::NoRoadNetwork(
        "the server was started without a road network (--roads FILE); name the unit (unit_id)"
            .into(),
    )
}

/// Every post of a new event lies within [`plan::MAX_SNAP_M`] of a road (else no unit could be
/// sent to it by road).
pub fn check_posts_on_network(net: &RoadNetwork, new: &NewEvent) -> Result<(), StoreError> {
    for (i, p) in new.posts.iter().enumerate() {
        let field = format!("posts[{i}]");
        match net.snap_for(Profile::Police, p.lon, p.lat) {
            Some(s) if s.distance_m <= plan::MAX_SNAP_M => {}
            Some(s) => {
                return Err(invalid(
                    &field,
                    format!(
                        "{:.0} m from the nearest road (at most {} m)",
                        s.distance_m,
                        plan::MAX_SNAP_M
                    ),
                ))
            }
            None => return Err(invalid(&field, "not on the road network")),
        }
    }
    Ok(())
}

/// The optimal deployment of `units` onto `places` (`zhihui_roads::plan::deploy`: most places
/// filled, then the earliest time by which everyone is in place, then the least driving).
pub fn optimal(
    net: &RoadNetwork,
    places: &[Place],
    units: &[(LonLat, UnitKind)],
) -> Result<Deployment, StoreError> {
    let posts: Vec<plan::Post> = places
        .iter()
        .map(|p| plan::Post {
            position: [p.at.lon, p.at.lat],
            staff: p.staff,
            kinds: p.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        })
        .collect();
    let units: Vec<DeployUnit> = units
        .iter()
        .map(|(at, kind)| DeployUnit {
            position: [at.lon, at.lat],
            kind: kind.as_str().to_owned(),
        })
        .collect();
    plan::deploy(net, &posts, &units).map_err(fleet::planner_error)
}

/// Proposes the optimal deployment of free units (or the given ones) onto the open places of
/// an active event the actor may see. Nothing is written.
pub fn propose(
    c: &Connection,
    ctx: (&Registry, &OrgTree),
    actor: &Actor,
    net: &RoadNetwork,
    event_id: i64,
    unit_ids: Option<&[i64]>,
) -> Result<Proposal, StoreError> {
    actor.require(Action::WriteIncident, "plan deployments")?;
    require_active(&load_event(c, ctx.1, actor, event_id)?)?;
    let posts = super::event_posts(c, event_id)?;
    let units = fleet::plan_units(c, ctx, actor, unit_ids, MAX_DEPLOY_UNITS)?;
    let open: Vec<(&Post, usize)> = posts
        .iter()
        .map(|p| (p, p.staff.saturating_sub(p.assigned) as usize))
        .filter(|(_, n)| *n > 0)
        .collect();
    if open.is_empty() {
        return Err(conflict("posts", "every place of the event is filled"));
    }
    let places: Vec<Place> = open
        .iter()
        .map(|(p, n)| Place {
            at: p.position(),
            staff: *n,
            kinds: p.kinds.clone(),
        })
        .collect();
    let nowhere = LonLat {
        lon: f64::NAN,
        lat: f64::NAN,
    };
    let plan_units: Vec<(LonLat, UnitKind)> = units
        .iter()
        .map(|u| (u.position.unwrap_or(nowhere), u.kind))
        .collect();
    let d = optimal(net, &places, &plan_units)?;
    Ok(Proposal {
        event_id,
        filled: d.postings.len(),
        postings: d
            .postings
            .iter()
            .map(|pg| {
                let (post, _) = open[pg.post];
                let u = &units[pg.unit];
                ProposedPosting {
                    post_id: post.id,
                    post_index: post.index,
                    label: post.label.clone(),
                    unit_id: u.id,
                    call_sign: u.call_sign.clone(),
                    kind: u.kind,
                    travel_s: pg.travel_s,
                }
            })
            .collect(),
        short: d
            .short
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| ShortPost {
                post_id: open[i].0.id,
                post_index: open[i].0.index,
                label: open[i].0.label.clone(),
                places: *n,
            })
            .collect(),
        places: open.iter().map(|(_, n)| n).sum(),
        makespan_s: d.makespan_s,
        total_s: d.total_s,
        units_considered: units.len(),
        unusable_unit_ids: d.unusable_units.iter().map(|&i| units[i].id).collect(),
        elapsed_ms: d.elapsed_ms,
    })
}

/// Checks a hand-made or accepted assignment before the write, so that every refusal names its
/// entry (`items[i].post_id`, `items[i].unit_id`; a 403 included), and returns each unit's
/// position (if known) and its post's, for the travel times. The write checks again.
pub fn check_assignment(
    c: &Connection,
    (registry, orgs): (&Registry, &OrgTree),
    actor: &Actor,
    event_id: i64,
    entries: &[(i64, i64)],
) -> Result<Vec<(Option<LonLat>, LonLat)>, StoreError> {
    actor.require(Action::WriteIncident, "assign units to posts")?;
    load_event(c, orgs, actor, event_id)?;
    if entries.is_empty() || entries.len() > MAX_PLACES {
        return Err(invalid("items", format!("1 to {MAX_PLACES} assignments")));
    }
    let mut posts: std::collections::HashMap<i64, Post> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for (i, (post_id, unit_id)) in entries.iter().enumerate() {
        let pf = format!("items[{i}].post_id");
        let uf = format!("items[{i}].unit_id");
        if !posts.contains_key(post_id) {
            match super::get_post(c, *post_id)?.filter(|p| p.event_id == event_id) {
                Some(p) => {
                    posts.insert(p.id, p);
                }
                None => {
                    return Err(invalid(
                        &pf,
                        format!("event {event_id} has no post {post_id}"),
                    ))
                }
            }
        }
        let post = &posts[post_id];
        if entries[..i].iter().any(|(_, u)| u == unit_id) {
            return Err(invalid(&uf, format!("unit {unit_id} is listed twice")));
        }
        let u = check_unit(c, registry, orgs, actor, *unit_id, &uf).map_err(|e| e.at(&uf))?;
        if !post.accepts(u.kind) {
            return Err(invalid(
                &uf,
                format!(
                    "{} is a {}; post {} does not take it",
                    u.call_sign,
                    u.kind.as_str(),
                    post.index
                ),
            ));
        }
        out.push((u.position, post.position()));
    }
    Ok(out)
}

/// Travel times by road from each unit to its post (police profile), where both are known and
/// on the network; one matrix for all of them.
pub fn travel_times(net: &RoadNetwork, pairs: &[(Option<LonLat>, LonLat)]) -> Vec<Option<f64>> {
    let mut post_idx: std::collections::HashMap<(u64, u64), usize> =
        std::collections::HashMap::new();
    let mut post_snaps = Vec::new();
    let mut unit_snaps = Vec::new();
    let mut cells: Vec<Option<(usize, usize)>> = Vec::with_capacity(pairs.len());
    for (u, p) in pairs {
        let Some(u) = u else {
            cells.push(None);
            continue;
        };
        let key = (p.lon.to_bits(), p.lat.to_bits());
        let pi = match post_idx.get(&key) {
            Some(&i) => Some(i),
            None => net.snap_for(Profile::Police, p.lon, p.lat).map(|s| {
                post_snaps.push(s);
                post_idx.insert(key, post_snaps.len() - 1);
                post_snaps.len() - 1
            }),
        };
        let ui = net.snap_for(Profile::Police, u.lon, u.lat).map(|s| {
            unit_snaps.push(s);
            unit_snaps.len() - 1
        });
        cells.push(ui.zip(pi));
    }
    if unit_snaps.is_empty() || post_snaps.is_empty() {
        return vec![None; pairs.len()];
    }
    let m = net.matrix(Profile::Police, &unit_snaps, &post_snaps);
    cells
        .into_iter()
        .map(|c| c.and_then(|(u, p)| m.seconds[u][p]))
        .collect()
}

/// The relief unit for a late or empty post of an active event: the one given (checked, of a kind the post takes),
/// or the free unit of an accepted driving kind that reaches the post fastest by road. A conflict
/// when the post needs no relief or no such unit can reach it; without a network a unit must be
/// named.
pub fn pick_relief(
    c: &Connection,
    (registry, orgs): (&Registry, &OrgTree),
    actor: &Actor,
    (event_id, post_id): (i64, i64),
    given: Option<i64>,
    net: Option<&RoadNetwork>,
    now: Time,
) -> Result<Relief, StoreError> {
    actor.require(Action::WriteIncident, "send relief")?;
    require_active(&load_event(c, orgs, actor, event_id)?)?;
    let post = load_post(c, event_id, post_id)?;
    if post.relief_need(now).is_none() {
        return Err(conflict(
            "post",
            format!(
                "post {} needs no relief ({})",
                post.index,
                post.status_at(now).labels().1.to_lowercase()
            ),
        ));
    }
    let travel = |net: &RoadNetwork, from: LonLat| -> Option<f64> {
        let a = net.snap_for(Profile::Police, from.lon, from.lat)?;
        let b = net.snap_for(Profile::Police, post.lon, post.lat)?;
        net.route(Profile::Police, &a, &b).map(|r| r.seconds)
    };
    if let Some(uid) = given {
        let u =
            check_unit(c, registry, orgs, actor, uid, "unit_id").map_err(|e| e.at("unit_id"))?;
        if !post.accepts(u.kind) {
            return Err(invalid(
                "unit_id",
                format!(
                    "{} is a {}, not accepted here",
                    u.call_sign,
                    u.kind.as_str()
                ),
            ));
        }
        let travel_s = net.zip(u.position).and_then(|(n, p)| travel(n, p));
        return Ok(Relief {
            unit_id: u.id,
            call_sign: u.call_sign,
            travel_s,
        });
    }
    let net = net.ok_or_else(no_network)?;
    let kinds: Vec<UnitKind> = DRIVING.into_iter().filter(|k| post.accepts(*k)).collect();
    let free = p::free_units(c, &orgs.subtree_ids(&actor.org_id), &kinds)?;
    let mut cands = Vec::new();
    let mut snaps = Vec::new();
    for u in &free {
        let Some(at) = u.position else { continue };
        // A unit another domain holds is never `available`; the claim is checked for records
        // written before their unit's status was.
        if registry.unit_claim(c, u.id)?.is_some() {
            continue;
        }
        if let Some(s) = net.snap_for(Profile::Police, at.lon, at.lat) {
            if s.distance_m <= plan::MAX_SNAP_M {
                cands.push(u);
                snaps.push(s);
            }
        }
    }
    let target = net
        .snap_for(Profile::Police, post.lon, post.lat)
        .ok_or_else(|| invalid("post", "the post is not on the road network"))?;
    let best = net.nearest_k(Profile::Police, &target, &snaps, 1);
    let Some(&(i, secs, _)) = best.first() else {
        return Err(conflict(
            "unit_id",
            "no free unit of a kind this post takes can reach it",
        ));
    };
    Ok(Relief {
        unit_id: cands[i].id,
        call_sign: cands[i].call_sign.clone(),
        travel_s: Some(secs),
    })
}
