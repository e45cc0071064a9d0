//! Units by road, for the operations layer and every domain's planning: which units a plan may
//! use, and which free units reach a place fastest by road. Dispatch recommendations, the
//! response plans' nearest-units steps, major-event deployment and relief, and interception
//! planning all take their units from here, so they agree on what "free" and "nearest" mean.

use std::collections::HashMap;
use std::sync::Mutex;

use rusqlite::Connection;
use serde::Serialize;
use zhihui_core::{codes, DomainError, Incident, LonLat, OrgTree, UnitKind};
use zhihui_roads::{Profile, RoadNetwork, RoadsError, Snap};

use crate::commands::{check_unit, Actor};
use crate::projections::{free_units, FreeUnit};
use crate::{Registry, StoreError};

/// Unit kinds a plan uses when the caller names none: the planners drive every unit on the
/// `police` profile, so foot patrols are left out.
pub const DRIVING: [UnitKind; 4] = [
    UnitKind::PatrolCar,
    UnitKind::Traffic,
    UnitKind::Swat,
    UnitKind::Community,
];

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Domain(DomainError::invalid(field, message))
}

/// A planner failure in the store's terms: bad input names its field (the API's are unit ids,
/// not positions); anything else is the planner's own failure.
pub fn planner_error(e: RoadsError) -> StoreError {
    match e {
        RoadsError::InvalidPlanInput { field, message } => {
            let field = if field == "units" { "unit_ids" } else { &field };
            invalid(field, message)
        }
        other => StoreError::Planner(other.to_string()),
    }
}

/// The units a plan may use (request field `unit_ids`): the given ones, each checked (known, in
/// jurisdiction, available, held by no domain, with a position; at most `max`), or every free
/// driving unit of the actor's jurisdiction with a position.
pub fn plan_units(
    c: &Connection,
    (registry, orgs): (&Registry, &OrgTree),
    actor: &Actor,
    ids: Option<&[i64]>,
    max: usize,
) -> Result<Vec<FreeUnit>, StoreError> {
    let Some(ids) = ids else {
        let units: Vec<FreeUnit> = free_units(c, &orgs.subtree_ids(&actor.org_id), &DRIVING)?
            .into_iter()
            .filter(|u| u.position.is_some())
            .collect();
        if units.is_empty() {
            return Err(invalid(
                "unit_ids",
                "no available unit with a known position in your jurisdiction",
            ));
        }
        return Ok(units);
    };
    if ids.is_empty() || ids.len() > max {
        return Err(invalid("unit_ids", format!("1 to {max} units")));
    }
    let mut out = Vec::with_capacity(ids.len());
    for (i, &id) in ids.iter().enumerate() {
        let field = format!("unit_ids[{i}]");
        if ids[..i].contains(&id) {
            return Err(invalid(&field, format!("unit {id} is listed twice")));
        }
        let u = check_unit(c, registry, orgs, actor, id, &field).map_err(|e| e.at(&field))?;
        if u.position.is_none() {
            return Err(invalid(
                &field,
                format!("unit {} has no known position", u.call_sign),
            ));
        }
        out.push(FreeUnit::from(&u));
    }
    Ok(out)
}

/// The positions of `units` for a planner: `[lon, lat]`, NaN where unknown (the planner leaves
/// such a unit out and reports it unusable).
pub fn positions(units: &[FreeUnit]) -> Vec<[f64; 2]> {
    units
        .iter()
        .map(|u| u.position.map(|p| [p.lon, p.lat]).unwrap_or([f64::NAN; 2]))
        .collect()
}

/// A unit offered for an incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Recommendation {
    /// The unit.
    pub unit_id: i64,
    /// Its call sign.
    pub call_sign: String,
    /// Its kind.
    pub kind: UnitKind,
    /// Travel time by road from the unit's last position to the incident, seconds.
    pub eta_s: f64,
    /// Road distance, meters.
    pub distance_m: f64,
}

/// Each unit's last position snapped onto the road network, kept until the position changes.
/// Re-snapping a thousand units on every recommendation request was most of its cost; positions
/// change a few times a minute per unit while recommendations are asked for far more often per
/// unit position. Keyed by the position itself, so it needs no hook on the many write paths
/// (API, bulk feed, simulator) that move units.
#[derive(Default)]
pub struct SnapCache {
    by_unit: Mutex<HashMap<i64, CachedSnap>>,
}

struct CachedSnap {
    at: LonLat,
    profile: Profile,
    snap: Option<Snap>,
}

impl SnapCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// Snaps of `units` for `profile`, from the cache where the position is unchanged; units
    /// without a position or off the network are left out.
    pub fn snaps<'u>(
        &self,
        net: &RoadNetwork,
        profile: Profile,
        units: impl Iterator<Item = &'u FreeUnit>,
    ) -> (Vec<&'u FreeUnit>, Vec<Snap>) {
        let mut map = self.by_unit.lock().unwrap_or_else(|p| p.into_inner());
        let mut cands = Vec::new();
        let mut snaps = Vec::new();
        for u in units {
            let Some(at) = u.position else { continue };
            let hit = map
                .get(&u.id)
                .filter(|c| c.at == at && c.profile == profile)
                .map(|c| c.snap.clone());
            let snap = match hit {
                Some(s) => s,
                None => {
                    let s = net.snap_for(profile, at.lon, at.lat);
                    map.insert(
                        u.id,
                        CachedSnap {
                            at,
                            profile,
                            snap: s.clone(),
                        },
                    );
                    s
                }
            };
            if let Some(s) = snap {
                cands.push(u);
                snaps.push(s);
            }
        }
        (cands, snaps)
    }
}

/// The profile a unit of `kind` drives (or walks) on.
pub fn profile_of(kind: UnitKind) -> Profile {
    if kind == UnitKind::FootPatrol {
        Profile::Foot
    } else {
        Profile::Police
    }
}

/// The unit kinds an incident's run-card asks for.
pub fn wanted_kinds(incident: &Incident) -> Vec<UnitKind> {
    codes::run_card(&incident.kind, incident.subtype.as_deref())
        .iter()
        .map(|(kind, _)| *kind)
        .collect()
}

/// Ranks free `units` for `incident`: those of the kinds its run-card asks for, fastest by road
/// first (vehicles on the `police` profile, foot patrols on `foot`), at most `k`. Ties go to the
/// lower unit id. `cache` may be shared across calls; pass a fresh one to measure without it.
pub fn rank(
    net: &RoadNetwork,
    cache: &SnapCache,
    incident: &Incident,
    units: &[FreeUnit],
    k: usize,
) -> Vec<Recommendation> {
    let wanted = wanted_kinds(incident);
    let mut out: Vec<Recommendation> = Vec::new();
    for profile in [Profile::Police, Profile::Foot] {
        let Some(target) = net.snap_for(profile, incident.location.lon, incident.location.lat)
        else {
            continue;
        };
        let (cands, snaps) = cache.snaps(
            net,
            profile,
            units
                .iter()
                .filter(|u| wanted.contains(&u.kind))
                .filter(|u| profile_of(u.kind) == profile),
        );
        if cands.is_empty() {
            continue;
        }
        for (i, eta_s, distance_m) in net.nearest_k(profile, &target, &snaps, k) {
            out.push(Recommendation {
                unit_id: cands[i].id,
                call_sign: cands[i].call_sign.clone(),
                kind: cands[i].kind,
                eta_s,
                distance_m,
            });
        }
    }
    out.sort_by(|a, b| a.eta_s.total_cmp(&b.eta_s).then(a.unit_id.cmp(&b.unit_id)));
    out.truncate(k);
    out
}

/// The ids of `units` nearest to `at` by road on `profile`, fastest first, at most `k`; empty
/// when `at` is off the network.
pub fn nearest_ids(
    net: &RoadNetwork,
    cache: &SnapCache,
    profile: Profile,
    at: LonLat,
    units: &[FreeUnit],
    k: usize,
) -> Vec<i64> {
    let Some(target) = net.snap_for(profile, at.lon, at.lat) else {
        return Vec::new();
    };
    let (cands, snaps) = cache.snaps(net, profile, units.iter());
    net.nearest_k(profile, &target, &snaps, k.min(cands.len()))
        .into_iter()
        .map(|(j, _, _)| cands[j].id)
        .collect()
}
