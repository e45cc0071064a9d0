//! The demo's major event (重大安保): 24 checkpoints and 149 duty points around a venue, 400
//! vehicles of mixed kinds staged over the city, deployed by the road engine's optimal planner
//! and accepted by the simulated dispatcher. Units then drive their road routes to their posts
//! and arrive; a few are slow, break down or leave their post, so that posts turn late or empty
//! and alerts fire within minutes; the dispatcher sends relief for most of them.
//!
//! The same driving serves every unit an instruction commits to a place — event posts and
//! interception checkpoints (设卡布控) alike: a committed unit stops patrolling and goes there.

use std::collections::{HashMap, HashSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use zhihui_core::major_event::{EventStatus, NewEvent, NewPost, PostKind};
use zhihui_core::{LonLat, NewUnit, OrgTree, Time, UnitKind, UnitStatus};
use zhihui_store::commands::{self, Actor};
use zhihui_store::major_events::planning::Place;
use zhihui_store::major_events::{self as me, AssignItem};
use zhihui_store::Hold;
use zhihui_store::{projections, Store, StoreError};

use crate::{dispatcher, unit_actor, write_or_log, CityMap, SimUnit, Task};

/// Name of the demo's event (a restarted demo finds it by this name).
pub const EVENT_NAME: &str = "国际马拉松赛";
/// Call signs of the event's vehicles start with this.
pub const PREFIX: &str = "安保";
/// Simulated seconds after start-up at which the event is planned.
const START_AT: f64 = 20.0;
const CHECKPOINTS: usize = 24;
const DUTY_POINTS: usize = 149;

/// What [`CityMap::deploy`] found: `(post, unit, travel_s)` by index, and its timings.
#[derive(Debug, Clone, Default)]
pub struct DeployPlan {
    /// One entry per unit sent.
    pub postings: Vec<(usize, usize, f64)>,
    /// When the last unit is in place, seconds.
    pub makespan_s: f64,
    /// Time the planner took, milliseconds.
    pub elapsed_ms: f64,
}

enum Job {
    Sign {
        instruction: i64,
        unit: usize,
    },
    Feedback {
        instruction: i64,
        unit: usize,
        text: &'static str,
    },
    Relief {
        event: i64,
        post: i64,
    },
}

/// The event scenario's state inside the simulation loop.
pub(crate) struct Demo {
    event: Option<i64>,
    started: bool,
    next_poll: f64,
    next_board: f64,
    /// Lapses already considered for relief: (post, lapse number).
    handled: HashSet<(i64, u32)>,
    /// When the simulated crews sign for their instructions (feedback comes after).
    signed: HashMap<i64, f64>,
    jobs: Vec<(f64, Job)>,
    speed: f64,
}

/// Vehicles of the event: kind, how many, home organisations, call-sign stem.
const FLEET: [(UnitKind, usize, &[&str], &str); 4] = [
    (
        UnitKind::PatrolCar,
        230,
        &[
            "jz-shashi-zhongshan",
            "jz-shashi-shengli",
            "jz-jingzhou-dongcheng",
            "jz-jingzhou-xicheng",
            "jz-kfq-lianhe",
            "jz-xtj",
        ],
        "巡",
    ),
    (UnitKind::Traffic, 90, &["jz-jj"], "交"),
    (
        UnitKind::Community,
        60,
        &[
            "jz-shashi-zhongshan",
            "jz-shashi-shengli",
            "jz-jingzhou-dongcheng",
            "jz-jingzhou-xicheng",
            "jz-kfq-lianhe",
        ],
        "社",
    ),
    // Four short of the six SWAT-only checkpoints' 24 places: the board opens with gaps that
    // the dispatcher fills by relief from the city's own SWAT team.
    (UnitKind::Swat, 20, &["jz-xtj"], "特"),
];

fn kinds(k: &[UnitKind]) -> Vec<UnitKind> {
    k.to_vec()
}

/// Staff and kinds of the posts: 394 places for 400 vehicles.
fn post_specs() -> Vec<(PostKind, u32, Vec<UnitKind>, &'static str)> {
    use UnitKind::*;
    let mut v = Vec::new();
    for i in 0..CHECKPOINTS {
        if i % 4 == 3 {
            v.push((PostKind::Checkpoint, 4, kinds(&[Swat]), "特警检查站"));
        } else {
            v.push((
                PostKind::Checkpoint,
                4,
                kinds(&[PatrolCar, Traffic, Swat]),
                "检查站",
            ));
        }
    }
    for i in 0..DUTY_POINTS {
        let (staff, k) = match i % 5 {
            0 => (1, kinds(&[Community, PatrolCar])),
            1 => (3, kinds(&[PatrolCar, Traffic])),
            _ => (2, kinds(&[PatrolCar, Community, Traffic])),
        };
        v.push((PostKind::DutyPoint, staff, k, "执勤点"));
    }
    v
}

fn station_label(road: &str, n: usize, what: &str) -> Option<String> {
    let road: String = road.chars().take(40).collect();
    (!road.trim().is_empty()).then(|| format!("{what} {n} · {}", road.trim()))
}

/// Road points around the densest part of the city (the venue): 24 checkpoints on a ring around
/// it (spread by bearing), 149 duty points inside, and 400 staging points for the vehicles.
struct Layout {
    checkpoints: Vec<(LonLat, String)>,
    duty: Vec<(LonLat, String)>,
    staging: Vec<LonLat>,
}

fn layout(city: &dyn CityMap, rng: &mut StdRng) -> Layout {
    let samples: Vec<(LonLat, String)> = (0..5000).map(|_| city.random_point(rng)).collect();
    let near = |a: &LonLat, r: f64| samples.iter().filter(|s| s.0.distance_m(a) <= r).count();
    let venue = samples
        .iter()
        .take(300)
        .max_by_key(|s| near(&s.0, 1500.0))
        .map(|s| s.0)
        .unwrap_or(samples[0].0);
    let bearing =
        |p: &LonLat| (p.lat - venue.lat).atan2((p.lon - venue.lon) * venue.lat.to_radians().cos());
    let mut by_dist: Vec<&(LonLat, String)> = samples.iter().collect();
    by_dist.sort_by(|a, b| a.0.distance_m(&venue).total_cmp(&b.0.distance_m(&venue)));
    // Duty points: the nearest road points at least 90 m apart.
    let mut duty: Vec<(LonLat, String)> = Vec::new();
    for s in &by_dist {
        if duty.len() == DUTY_POINTS {
            break;
        }
        if duty.iter().all(|d| d.0.distance_m(&s.0) >= 90.0) {
            duty.push((s.0, s.1.clone()));
        }
    }
    let inner = duty
        .iter()
        .map(|d| d.0.distance_m(&venue))
        .fold(0.0, f64::max);
    // Checkpoints: beyond the duty points, one per bearing sector where the roads allow, the
    // rest filling the widest angular gaps.
    let ring: Vec<&(LonLat, String)> = by_dist
        .iter()
        .copied()
        .filter(|s| {
            let d = s.0.distance_m(&venue);
            d > inner + 250.0 && d < inner + 2500.0
        })
        .collect();
    let mut checkpoints: Vec<(LonLat, String)> = Vec::new();
    let sector = std::f64::consts::TAU / CHECKPOINTS as f64;
    for k in 0..CHECKPOINTS {
        let lo = -std::f64::consts::PI + k as f64 * sector;
        if let Some(s) = ring
            .iter()
            .filter(|s| (lo..lo + sector).contains(&bearing(&s.0)))
            .min_by(|a, b| a.0.distance_m(&venue).total_cmp(&b.0.distance_m(&venue)))
        {
            checkpoints.push((s.0, s.1.clone()));
        }
    }
    let pool: Vec<&(LonLat, String)> = if ring.is_empty() {
        by_dist.iter().rev().copied().collect()
    } else {
        ring.clone()
    };
    while checkpoints.len() < CHECKPOINTS {
        let best = pool
            .iter()
            .filter(|s| checkpoints.iter().all(|c| c.0.distance_m(&s.0) >= 150.0))
            .max_by(|a, b| {
                let gap = |p: &LonLat| {
                    checkpoints
                        .iter()
                        .map(|c| c.0.distance_m(p))
                        .fold(f64::MAX, f64::min)
                };
                gap(&a.0).total_cmp(&gap(&b.0))
            });
        match best {
            Some(s) => checkpoints.push((s.0, s.1.clone())),
            None => break,
        }
    }
    // Staging: anywhere within 5 km of the venue, so that the whole fleet is in place within
    // minutes (the demo should not make a newcomer wait for the shift).
    let mut staging: Vec<LonLat> = samples
        .iter()
        .map(|s| s.0)
        .filter(|p| p.distance_m(&venue) <= 5000.0)
        .collect();
    if staging.len() < 400 {
        staging = samples.iter().map(|s| s.0).collect();
    }
    staging.shuffle(rng);
    while staging.len() < 400 {
        let p = staging[staging.len() % staging.len().max(1)];
        staging.push(p);
    }
    staging.truncate(400);
    Layout {
        checkpoints,
        duty,
        staging,
    }
}

impl Demo {
    pub(crate) fn new(speed: f64) -> Self {
        Self {
            event: None,
            started: false,
            next_poll: 3.0,
            next_board: 30.0,
            handled: HashSet::new(),
            signed: HashMap::new(),
            jobs: Vec::new(),
            speed: speed.max(0.01),
        }
    }

    /// One simulation tick: plans the event once, then follows commitments, answers for the
    /// crews and sends relief.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn tick(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        city: &dyn CityMap,
        rng: &mut StdRng,
        units: &mut Vec<SimUnit>,
        t: f64,
        now: Time,
    ) {
        if !self.started && t >= START_AT {
            self.started = true;
            match self.start(store, tree, city, rng, units, now).await {
                Ok(Some(id)) => self.event = Some(id),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "demo event could not be set up"),
            }
        }
        if t >= self.next_poll {
            self.next_poll = t + 3.0;
            self.follow_commitments(store, city, rng, units, t);
        }
        if t >= self.next_board {
            self.next_board = t + 5.0;
            self.watch_board(store, rng, t);
        }
        let (due, rest): (Vec<_>, Vec<_>) = self.jobs.drain(..).partition(|(at, _)| *at <= t);
        self.jobs = rest;
        for (_, job) in due {
            self.run_job(store, tree, city, units, job, now).await;
        }
    }

    async fn start(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        city: &dyn CityMap,
        rng: &mut StdRng,
        units: &mut Vec<SimUnit>,
        now: Time,
    ) -> Result<Option<i64>, StoreError> {
        let existing = store.read(|c| me::list_events(c, Some("active"), 50))?;
        if let Some(e) = existing.iter().find(|e| e.name == EVENT_NAME) {
            return Ok(Some(e.id));
        }
        let lay = layout(city, rng);
        if lay.checkpoints.len() < CHECKPOINTS || lay.duty.len() < DUTY_POINTS {
            tracing::warn!("the demo city has too few roads for the event's posts");
            return Ok(None);
        }
        let specs = post_specs();
        let places: Vec<(LonLat, &str)> = lay
            .checkpoints
            .iter()
            .chain(lay.duty.iter())
            .map(|(p, r)| (*p, r.as_str()))
            .collect();
        let mut fleet: Vec<(UnitKind, String, String, LonLat)> = Vec::new();
        let mut n = 0;
        for (kind, count, orgs, stem) in FLEET {
            for i in 0..count {
                let org = orgs[i % orgs.len()];
                fleet.push((
                    kind,
                    format!("{PREFIX}{stem}{:03}", i + 1),
                    org.to_owned(),
                    lay.staging[n % lay.staging.len()],
                ));
                n += 1;
            }
        }
        let posts: Vec<Place> = specs
            .iter()
            .zip(&places)
            .map(|((_, staff, k, _), (p, _))| Place {
                at: *p,
                staff: *staff as usize,
                kinds: k.clone(),
            })
            .collect();
        let plan_units: Vec<(LonLat, UnitKind)> =
            fleet.iter().map(|(k, _, _, p)| (*p, *k)).collect();
        let Some(plan) = city.deploy(&posts, &plan_units) else {
            return Ok(None);
        };
        tracing::info!(
            posts = posts.len(),
            places = posts.iter().map(|p| p.staff).sum::<usize>(),
            units = plan_units.len(),
            filled = plan.postings.len(),
            makespan_s = plan.makespan_s,
            elapsed_ms = plan.elapsed_ms,
            "demo event deployed by the road engine"
        );
        // The vehicles, in one transaction (a restarted demo already has them).
        let tr = tree.clone();
        let new_units = fleet.clone();
        let ids: Vec<(i64, UnitKind, String, String, LonLat)> = store
            .write(move |tx| {
                let system = Actor {
                    username: "system".into(),
                    role: zhihui_core::Role::Admin,
                    org_id: "jz".into(),
                    unit_id: None,
                };
                let mut out = Vec::new();
                for (kind, call_sign, org, pos) in new_units {
                    let existing: Option<i64> = tx
                        .conn()
                        .query_row(
                            "SELECT id FROM units WHERE call_sign = ?1",
                            [&call_sign],
                            |r| r.get(0),
                        )
                        .ok();
                    let id = match existing {
                        Some(id) => {
                            let u = projections::get_unit(tx.conn(), id)?
                                .ok_or_else(|| StoreError::NotFound(format!("unit {id}")))?;
                            if u.status != UnitStatus::Available {
                                continue;
                            }
                            commands::update_unit(
                                tx,
                                &tr,
                                &system,
                                id,
                                zhihui_core::UnitPatch {
                                    position: Some(pos),
                                    ..Default::default()
                                },
                                now,
                            )?;
                            id
                        }
                        None => {
                            commands::create_unit(
                                tx,
                                &tr,
                                &system,
                                NewUnit {
                                    call_sign: call_sign.clone(),
                                    kind,
                                    status: None,
                                    position: Some(pos),
                                    org_id: Some(org.clone()),
                                },
                                now,
                            )?
                            .id
                        }
                    };
                    out.push((id, kind, call_sign, org, pos));
                }
                Ok::<_, StoreError>(out)
            })
            .await?;
        let by_sign: HashMap<&str, i64> = ids.iter().map(|u| (u.2.as_str(), u.0)).collect();
        for (id, kind, call_sign, org, pos) in &ids {
            if units.iter().any(|u| u.id == *id) {
                continue;
            }
            units.push(SimUnit {
                id: *id,
                call_sign: call_sign.clone(),
                org_id: org.clone(),
                kind: *kind,
                pos: *pos,
                path: Vec::new(),
                seg: 0,
                seg_progress: 0.0,
                speed_mps: 0.0,
                task: Task::Idle {
                    until: f64::INFINITY,
                },
                last_sent: 0.0,
                reserve: true,
            });
        }
        // The shift starts once the plan has everyone in place, with a minute to spare.
        let lead_s = (plan.makespan_s * 1.05 + 60.0).clamp(240.0, 1200.0) / self.speed.max(1.0);
        let shift_start = now + chrono::Duration::milliseconds((lead_s * 1000.0) as i64);
        let new = NewEvent {
            name: EVENT_NAME.into(),
            venue: "市体育中心及赛道沿线".into(),
            starts_at: shift_start,
            ends_at: shift_start + chrono::Duration::hours(3),
            org_id: Some("jz".into()),
            posts: specs
                .iter()
                .zip(&places)
                .enumerate()
                .map(|(i, ((kind, staff, k, what), (p, road)))| {
                    let n = if i < CHECKPOINTS {
                        i + 1
                    } else {
                        i + 1 - CHECKPOINTS
                    };
                    NewPost {
                        kind: *kind,
                        label: station_label(road, n, what),
                        lon: p.lon,
                        lat: p.lat,
                        kinds: k.clone(),
                        staff: *staff,
                        shift_start: None,
                        shift_end: None,
                    }
                })
                .collect(),
        };
        let tr = tree.clone();
        let (ev, posts_rec) = store
            .write(move |tx| me::create_event(tx, &tr, &dispatcher(), new, None, now))
            .await?;
        let items: Vec<AssignItem> = plan
            .postings
            .iter()
            .filter_map(|(post, unit, travel)| {
                let sign = &fleet[*unit].1;
                Some(AssignItem {
                    post_id: posts_rec.get(*post)?.id,
                    unit_id: *by_sign.get(sign.as_str())?,
                    travel_s: Some(*travel),
                })
            })
            .collect();
        let tr = tree.clone();
        let started = std::time::Instant::now();
        let event_id = ev.id;
        let n = items.len();
        store
            .write(move |tx| me::assign(tx, &tr, &dispatcher(), event_id, &items, now))
            .await?;
        tracing::info!(
            event = event_id,
            units = n,
            ms = started.elapsed().as_millis() as u64,
            "demo event accepted: one instruction per unit"
        );
        Ok(Some(event_id))
    }

    /// Sends every committed unit that is idle or patrolling to its post or checkpoint, and
    /// lets go of units whose commitment ended.
    fn follow_commitments(
        &mut self,
        store: &Store,
        city: &dyn CityMap,
        rng: &mut StdRng,
        units: &mut [SimUnit],
        t: f64,
    ) {
        // Every domain's holds, through the registry: the simulator names no domain's tables.
        let list = match store.read(|c| store.registry().holds(c)) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "simulator cannot read commitments");
                return;
            }
        };
        let by_unit: HashMap<i64, &Hold> = list.iter().map(|c| (c.unit_id, c)).collect();
        for (i, u) in units.iter_mut().enumerate() {
            let c = by_unit.get(&u.id);
            match (u.task, c) {
                (Task::Idle { .. } | Task::Patrol, Some(c)) => {
                    let post = c.what == "post";
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        self.signed.entry(c.instruction_id)
                    {
                        let at = t + rng.gen_range(3.0..15.0);
                        slot.insert(at);
                        self.jobs.push((
                            at,
                            Job::Sign {
                                instruction: c.instruction_id,
                                unit: i,
                            },
                        ));
                    }
                    // A few crews never make it: the car breaks down on the way.
                    if post && rng.gen_bool(0.012) {
                        u.task = Task::Broken {
                            instruction: c.instruction_id,
                        };
                        continue;
                    }
                    let path = city.route(u.pos, c.at).unwrap_or_else(|| vec![u.pos, c.at]);
                    let len: f64 = path.windows(2).map(|w| w[0].distance_m(&w[1])).sum();
                    let eta = city
                        .fastest_to(c.at, &[u.pos])
                        .map(|(_, s)| s)
                        .unwrap_or(len / 12.0)
                        .max(1.0);
                    // Most crews drive as the road engine predicts; a few crawl (traffic, a
                    // wrong turn) long enough to be late in real time at any speed.
                    let factor = if post && rng.gen_bool(0.04) {
                        2.2 * self.speed.max(1.0)
                    } else {
                        rng.gen_range(0.9..1.1)
                    };
                    u.set_path(path, len / (eta * factor) * 3.6);
                    u.task = Task::ToPost {
                        instruction: c.instruction_id,
                        target: c.at,
                        post,
                    };
                }
                (
                    Task::ToPost { .. }
                    | Task::Holding { .. }
                    | Task::Away { .. }
                    | Task::Broken { .. },
                    None,
                ) => {
                    u.task = Task::Idle {
                        until: if u.reserve { f64::INFINITY } else { t + 5.0 },
                    };
                }
                _ => {}
            }
        }
    }

    /// The simulated dispatcher watches the board: most late or empty posts get relief after a
    /// short while, once per lapse.
    fn watch_board(&mut self, store: &Store, rng: &mut StdRng, t: f64) {
        let Some(id) = self.event else { return };
        let posts = match store.read(|c| {
            let e = me::get_event(c, id)?;
            if e.map(|e| e.status) != Some(EventStatus::Active) {
                return Ok(Vec::new());
            }
            me::event_posts(c, id)
        }) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "simulator cannot read the event board");
                return;
            }
        };
        for p in posts {
            if !p.status.is_lapse() || !self.handled.insert((p.id, p.lapses)) {
                continue;
            }
            if rng.gen_bool(0.7) {
                self.jobs.push((
                    t + rng.gen_range(15.0..45.0),
                    Job::Relief {
                        event: id,
                        post: p.id,
                    },
                ));
            }
        }
    }

    async fn run_job(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        city: &dyn CityMap,
        units: &[SimUnit],
        job: Job,
        now: Time,
    ) {
        match job {
            Job::Sign { instruction, unit } => {
                let Some(u) = units.get(unit) else { return };
                let (actor, tr, uid) = (unit_actor(u), tree.clone(), u.id);
                write_or_log(store, "post sign", move |tx| {
                    commands::answer_instruction(
                        tx,
                        &tr,
                        &actor,
                        instruction,
                        &format!("unit:{uid}"),
                        commands::RecipientAction::Sign,
                        now,
                    )
                })
                .await;
            }
            Job::Feedback {
                instruction,
                unit,
                text,
            } => {
                let Some(u) = units.get(unit) else { return };
                let (actor, tr, uid) = (unit_actor(u), tree.clone(), u.id);
                write_or_log(store, "post feedback", move |tx| {
                    commands::answer_instruction(
                        tx,
                        &tr,
                        &actor,
                        instruction,
                        &format!("unit:{uid}"),
                        commands::RecipientAction::Feedback(text.into()),
                        now,
                    )
                })
                .await;
            }
            Job::Relief { event, post } => {
                let pick = store.read(|c| {
                    let Some(p) = me::get_post(c, post)? else {
                        return Ok(None);
                    };
                    if p.relief_need(now).is_none() {
                        return Ok(None);
                    }
                    let kinds: Vec<UnitKind> = [
                        UnitKind::PatrolCar,
                        UnitKind::Traffic,
                        UnitKind::Swat,
                        UnitKind::Community,
                    ]
                    .into_iter()
                    .filter(|k| p.accepts(*k))
                    .collect();
                    let free: Vec<(i64, LonLat)> =
                        projections::free_units(c, &tree.subtree_ids("jz"), &kinds)?
                            .into_iter()
                            .filter_map(|u| u.position.map(|p| (u.id, p)))
                            .collect();
                    Ok(Some((p.position(), free)))
                });
                let Ok(Some((at, free))) = pick else { return };
                let positions: Vec<LonLat> = free.iter().map(|f| f.1).collect();
                let Some((k, eta)) = city.fastest_to(at, &positions) else {
                    return;
                };
                let unit = free[k].0;
                let tr = tree.clone();
                write_or_log(store, "relief", move |tx| {
                    me::relieve(tx, &tr, &dispatcher(), event, post, unit, Some(eta), now)
                })
                .await;
            }
        }
    }

    /// A unit's move in the loop's movement pass: reaching its post, holding it (and now and
    /// then leaving it), coming back. Says whether to report the unit's position.
    pub(crate) fn step(
        &mut self,
        i: usize,
        u: &mut SimUnit,
        arrived: bool,
        t: f64,
        rng: &mut StdRng,
        city: &dyn CityMap,
    ) -> Report {
        match u.task {
            Task::ToPost {
                instruction, post, ..
            } if arrived => {
                let signed = self.signed.get(&instruction).copied().unwrap_or(t);
                self.jobs.push((
                    (t + rng.gen_range(2.0..8.0)).max(signed + 2.0),
                    Job::Feedback {
                        instruction,
                        unit: i,
                        text: "已到岗,开始执勤。",
                    },
                ));
                // Now and then a crew leaves its post (called away, a meal): it goes empty.
                let leave_at = if post && rng.gen_bool(0.02) {
                    t + rng.gen_range(60.0..150.0)
                } else {
                    f64::INFINITY
                };
                u.task = Task::Holding {
                    instruction,
                    leave_at,
                };
                Report::Now
            }
            Task::ToPost { .. } => Report::Throttled,
            Task::Holding { leave_at, .. } if t >= leave_at => {
                let (dest, _) = city.random_point(rng);
                if let Some(path) = city.route(u.pos, dest) {
                    u.set_path(path, rng.gen_range(25.0..40.0));
                }
                u.task = Task::Away {
                    until: t + rng.gen_range(120.0..240.0),
                };
                Report::No
            }
            Task::Away { until } if t >= until => {
                // Back to the post: the next look at the commitments (every 3 s) routes it
                // there before it could start a patrol.
                u.task = Task::Idle { until: t + 4.0 };
                Report::Now
            }
            Task::Away { .. } if !arrived => Report::Throttled,
            _ => Report::No,
        }
    }
}

/// Whether the movement pass reports a unit's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Report {
    /// Not moving, or nothing to tell.
    No,
    /// Moving: every couple of seconds, as patrols do.
    Throttled,
    /// At once (it has just arrived).
    Now,
}
