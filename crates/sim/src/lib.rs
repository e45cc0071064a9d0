//! The demo city: seeds an organisation tree, accounts and units, then plays a day in the life of
//! a command center. Calls arrive at rates that follow the hour of day and the mix of types; a
//! simulated dispatcher sends the nearest free unit; units drive their road route, arrive, handle
//! the call and clear; free units patrol. Every change goes through the same domain commands as
//! the HTTP API, so the demo shows exactly what real use would.

mod event;
mod feed;
pub mod seed;
mod switchboard;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use zhihui_core::{
    AssignmentStatus, Caller, Incident, IncidentPatch, IncidentStatus, LonLat, NewIncident,
    OrgTree, Role, Unit, UnitKind, UnitPatch,
};
use zhihui_store::commands::{self, Actor};
use zhihui_store::projections::{self, UnitFilter};
use zhihui_store::{Store, StoreError};

/// What the simulator needs from the road network.
pub trait CityMap: Send + Sync {
    /// A random point on a road, with that road's name (may be empty).
    fn random_point(&self, rng: &mut dyn RngCore) -> (LonLat, String);
    /// The driving route between two points as a polyline, or `None` when unreachable.
    fn route(&self, from: LonLat, to: LonLat) -> Option<Vec<LonLat>>;
    /// Index of the candidate that reaches `at` fastest by road, with its travel time in seconds.
    fn fastest_to(&self, at: LonLat, candidates: &[LonLat]) -> Option<(usize, f64)>;
    /// The optimal deployment of `units` (position, kind) onto `posts`, or `None` when this map
    /// cannot plan one (then the demo runs no major event).
    fn deploy(&self, _places: &[Place], _units: &[(LonLat, UnitKind)]) -> Option<DeployPlan> {
        None
    }
    /// The city's extent `[min_lon, min_lat, max_lon, max_lat]`, if known: the demo divides it
    /// into its stations' and districts' areas.
    fn bbox(&self) -> Option<[f64; 4]> {
        None
    }
}

pub use event::DeployPlan;
pub use zhihui_store::major_events::planning::Place;

/// Tuning of the simulation.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Mean calls per hour at the daily average (scaled by the hour-of-day profile).
    pub calls_per_hour: f64,
    /// Random seed.
    pub seed: u64,
    /// Public posts streamed through this screening (舆情), if given.
    pub opinion: Option<zhihui_store::opinion::prepare::Screening>,
}

impl Default for SimOptions {
    fn default() -> Self {
        // Far above a real city's 110 volume per console, so that a newcomer sees the loop turn.
        Self {
            speed: 1.0,
            calls_per_hour: 90.0,
            seed: 7,
            opinion: None,
        }
    }
}

/// Relative call volume by hour of day (peaks in the evening, trough before dawn), mean ≈ 1.
const HOUR_PROFILE: [f64; 24] = [
    0.8, 0.6, 0.45, 0.35, 0.3, 0.35, 0.55, 0.8, 1.0, 1.1, 1.15, 1.2, 1.15, 1.1, 1.1, 1.15, 1.2,
    1.3, 1.4, 1.45, 1.4, 1.3, 1.15, 1.0,
];

/// Share of calls by type, with typical sub-types and priorities.
const TYPE_MIX: &[(&str, &[&str], f64)] = &[
    (
        "traffic",
        &[
            "collision",
            "injury_collision",
            "congestion",
            "drunk_driving",
        ],
        0.24,
    ),
    ("public_order", &["fight", "disturbance", "noise"], 0.18),
    (
        "dispute",
        &["family", "neighbour", "labour", "consumer"],
        0.2,
    ),
    (
        "help",
        &[
            "missing_person",
            "medical",
            "trapped",
            "elderly_alone",
            "self_harm",
        ],
        0.16,
    ),
    ("criminal", &["theft", "fraud", "assault", "robbery"], 0.13),
    ("fire", &["building_fire", "vehicle_fire", "gas_leak"], 0.03),
    ("other", &["lost_property", "enquiry", "non_police"], 0.06),
];

fn describe(kind: &str, subtype: &str) -> &'static str {
    match (kind, subtype) {
        ("traffic", "collision") => "两车刮擦,无人员受伤,占用车道",
        ("traffic", "injury_collision") => "电动车与小车相撞,一人受伤倒地",
        ("traffic", "congestion") => "路口严重拥堵,信号灯故障",
        ("traffic", "drunk_driving") => "疑似酒驾车辆行驶不稳",
        ("public_order", "fight") => "多人在店门口打架",
        ("public_order", "noise") => "楼上深夜噪音扰民",
        ("public_order", _) => "有人在公共场所吵闹滋事",
        ("dispute", "family") => "夫妻吵架,情绪激动",
        ("dispute", "neighbour") => "邻居因停车位发生争执",
        ("dispute", "labour") => "工人讨要工资,聚集在工地门口",
        ("dispute", _) => "顾客与商家发生消费纠纷",
        ("help", "missing_person") => "老人出门未归,家属求助",
        ("help", "medical") => "路边有人晕倒",
        ("help", "trapped") => "电梯困人",
        ("help", "elderly_alone") => "独居老人电话无人接听,邻居求助",
        ("help", "self_harm") => "有人站在楼顶边缘,情绪低落",
        ("criminal", "theft") => "电动车被盗",
        ("criminal", "fraud") => "接到冒充公检法电话,已转账",
        ("criminal", "assault") => "被人殴打受伤",
        ("criminal", "robbery") => "被抢手机,嫌疑人往北逃跑",
        ("fire", "building_fire") => "居民楼冒出浓烟",
        ("fire", "vehicle_fire") => "路边车辆起火",
        ("fire", _) => "闻到燃气味道",
        ("other", "lost_property") => "钱包遗失在出租车上",
        _ => "群众咨询",
    }
}

fn dispatcher() -> Actor {
    Actor {
        username: "sim-dispatcher".into(),
        role: Role::Dispatcher,
        org_id: "jz".into(),
        unit_id: None,
    }
}

fn unit_actor(u: &SimUnit) -> Actor {
    Actor {
        username: format!("sim:{}", u.call_sign),
        role: Role::Unit,
        org_id: u.org_id.clone(),
        unit_id: Some(u.id),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Task {
    Idle {
        until: f64,
    },
    Patrol,
    /// Assigned; the crew signs for the order at `sign_at`.
    ToSign {
        assignment: i64,
        incident: i64,
        sign_at: f64,
        slow: bool,
    },
    ToIncident {
        assignment: i64,
        incident: i64,
    },
    OnScene {
        assignment: i64,
        incident: i64,
        until: f64,
    },
    /// Driving to the post or checkpoint an instruction committed it to.
    ToPost {
        instruction: i64,
        target: LonLat,
        post: bool,
    },
    /// At its post; `leave_at` when the crew will wander off (infinity: never).
    Holding {
        instruction: i64,
        leave_at: f64,
    },
    /// Away from its post until `until`, then back.
    Away {
        until: f64,
    },
    /// Broke down on the way: never arrives.
    Broken {
        instruction: i64,
    },
}

struct SimUnit {
    id: i64,
    call_sign: String,
    org_id: String,
    kind: UnitKind,
    pos: LonLat,
    path: Vec<LonLat>,
    seg: usize,
    seg_progress: f64,
    speed_mps: f64,
    task: Task,
    last_sent: f64,
    /// A vehicle of the demo's major event: waits at its staging point instead of patrolling and
    /// takes no calls.
    reserve: bool,
}

impl SimUnit {
    /// Moves along the path; true when it reached the end.
    fn advance(&mut self, dt: f64) -> bool {
        let mut left = self.speed_mps * dt;
        while self.seg + 1 < self.path.len() {
            let (a, b) = (self.path[self.seg], self.path[self.seg + 1]);
            let len = a.distance_m(&b).max(0.01);
            let remain = len - self.seg_progress;
            if left < remain {
                self.seg_progress += left;
                let f = self.seg_progress / len;
                self.pos = LonLat {
                    lon: a.lon + (b.lon - a.lon) * f,
                    lat: a.lat + (b.lat - a.lat) * f,
                };
                return false;
            }
            left -= remain;
            self.seg += 1;
            self.seg_progress = 0.0;
            self.pos = b;
        }
        true
    }

    fn set_path(&mut self, path: Vec<LonLat>, speed_kmh: f64) {
        self.path = path;
        self.seg = 0;
        self.seg_progress = 0.0;
        self.speed_mps = speed_kmh / 3.6;
    }
}

struct Pending {
    incident: Incident,
    dispatch_at: f64,
}

/// Things the simulated stations do later: answer instructions, and the issuer closes them.
enum Later {
    Sign { id: i64, org: String },
    Feedback { id: i64, org: String },
    Close { id: i64 },
}

fn station_actor(org: &str) -> Actor {
    Actor {
        username: format!("sim:{org}"),
        role: Role::Dispatcher,
        org_id: org.to_owned(),
        unit_id: None,
    }
}

const STATIONS: [&str; 5] = [
    "jz-shashi-zhongshan",
    "jz-shashi-shengli",
    "jz-jingzhou-dongcheng",
    "jz-jingzhou-xicheng",
    "jz-kfq-lianhe",
];

const INSTRUCTIONS: [(&str, &str); 4] = [
    (
        "加强夜间巡逻防控",
        "今晚 20 时至次日 2 时,各所加强辖区重点部位巡逻,发现情况及时上报。",
    ),
    (
        "排查独居老人安全",
        "组织社区民警对辖区独居老人开展走访,确认安全并登记联系方式。",
    ),
    (
        "防范电信诈骗宣传",
        "在辖区银行网点、商超开展反诈宣传,重点提醒冒充公检法类诈骗。",
    ),
    (
        "重点路段交通疏导",
        "晚高峰期间在主干道路口安排警力协助疏导交通,确保道路畅通。",
    ),
];

async fn write_or_log<T: Send + 'static>(
    store: &Store,
    what: &str,
    f: impl FnOnce(&mut zhihui_store::Tx<'_>) -> Result<T, StoreError> + Send + 'static,
) -> Option<T> {
    match store.write(f).await {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(error = %e, "simulated {what} failed");
            None
        }
    }
}

/// Runs the simulation until the task is dropped. Errors are logged and the loop goes on: a demo
/// that stops on the first hiccup teaches nobody anything.
pub async fn run(store: Store, city: Arc<dyn CityMap>, opts: SimOptions) {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let tree = match store.read(projections::org_tree) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            tracing::error!(error = %e, "simulator cannot read organisations");
            return;
        }
    };
    let units = match store.read(|c| {
        projections::list_units(
            c,
            &UnitFilter {
                org_ids: tree.subtree_ids("jz"),
                limit: 10_000,
                ..Default::default()
            },
        )
    }) {
        Ok((u, _)) => u,
        Err(e) => {
            tracing::error!(error = %e, "simulator cannot read units");
            return;
        }
    };
    let mut units: Vec<SimUnit> = units
        .into_iter()
        .map(|u: Unit| {
            let reserve = u.call_sign.starts_with(event::PREFIX);
            SimUnit {
                id: u.id,
                call_sign: u.call_sign,
                org_id: u.org_id,
                kind: u.kind,
                pos: u.position.unwrap_or(LonLat { lon: 0.0, lat: 0.0 }),
                path: Vec::new(),
                seg: 0,
                seg_progress: 0.0,
                speed_mps: 0.0,
                task: Task::Idle {
                    until: if reserve { f64::INFINITY } else { 0.0 },
                },
                last_sent: 0.0,
                reserve,
            }
        })
        .collect();
    let mut pending: Vec<Pending> = Vec::new();
    // When the crews next look for orders a person sent them.
    let mut next_pickup = 0.0;
    let mut later: Vec<(f64, Later)> = Vec::new();
    let tick = 1.0;
    let mut t = 0.0f64;
    // The first call comes at once so that a newcomer sees the loop start.
    let mut next_call = 3.0;
    let mut next_instruction = 45.0;
    let mut interval = tokio::time::interval(Duration::from_secs_f64(tick / opts.speed.max(0.01)));
    let mut demo = event::Demo::new(opts.speed);
    let mut phones = switchboard::Switchboard::new();
    let mut posts = opts.opinion.clone().map(feed::Feed::new);
    loop {
        interval.tick().await;
        t += tick;
        // Domain time is real time, as the server's timers see it; simulated durations meant to
        // trip those timers (a slow signature, a slow crew, a late answer) are stretched by the
        // speed so that they still do when the city runs faster.
        let now = Utc::now();

        demo.tick(&store, &tree, city.as_ref(), &mut rng, &mut units, t, now)
            .await;
        phones
            .tick(&store, &tree, city.as_ref(), &mut rng, t, now)
            .await;
        if let Some(f) = posts.as_mut() {
            // Incidents made from public posts go to the simulated dispatcher like calls.
            for inc in f.tick(&store, &tree, city.as_ref(), &mut rng, t, now).await {
                pending.push(Pending {
                    dispatch_at: t + rng.gen_range(6.0..15.0),
                    incident: inc,
                });
            }
        }

        if t >= next_call {
            match new_call(&store, &tree, city.as_ref(), &mut rng, now).await {
                Ok(inc) => pending.push(Pending {
                    dispatch_at: t + rng.gen_range(6.0..20.0),
                    incident: inc,
                }),
                Err(e) => tracing::warn!(error = %e, "simulated call failed"),
            }
            let hour = zhihui_core::local_time::hour(&now) as usize;
            let rate_per_s = opts.calls_per_hour * HOUR_PROFILE[hour % 24] / 3600.0;
            // Exponential inter-arrival times: a Poisson stream of calls.
            next_call = t + -(1.0 - rng.gen::<f64>()).ln() / rate_per_s.max(1e-6);
        }

        if t >= next_instruction {
            next_instruction = t + rng.gen_range(180.0..420.0);
            let (title, body) = INSTRUCTIONS[rng.gen_range(0..INSTRUCTIONS.len())];
            let mut targets: Vec<&str> = STATIONS.to_vec();
            targets.shuffle(&mut rng);
            targets.truncate(rng.gen_range(1..=3));
            let deadline_s = rng.gen_range(150.0..300.0) / opts.speed.max(0.01);
            let new = zhihui_core::NewInstruction {
                title: title.into(),
                body: body.into(),
                targets: targets
                    .iter()
                    .map(|o| zhihui_core::Target {
                        org_id: Some((*o).into()),
                        unit_id: None,
                    })
                    .collect(),
                deadline: now + chrono::Duration::milliseconds((deadline_s * 1000.0) as i64),
                feedback_required: true,
                incident_id: None,
                text: None,
            };
            let tr = tree.clone();
            let leader = Actor {
                username: "sim-leader".into(),
                role: Role::Leader,
                ..dispatcher()
            };
            if let Some(ins) = write_or_log(&store, "instruction", move |tx| {
                commands::issue_instruction(tx, &tr, &leader, new, now)
            })
            .await
            {
                for o in &targets {
                    // Most stations answer in time; some are late and get chased.
                    if rng.gen_bool(0.8) {
                        later.push((
                            t + rng.gen_range(10.0..60.0),
                            Later::Sign {
                                id: ins.id,
                                org: (*o).into(),
                            },
                        ));
                        later.push((
                            t + rng.gen_range(70.0..140.0),
                            Later::Feedback {
                                id: ins.id,
                                org: (*o).into(),
                            },
                        ));
                    } else {
                        later.push((
                            t + deadline_s * opts.speed + rng.gen_range(30.0..90.0),
                            Later::Feedback {
                                id: ins.id,
                                org: (*o).into(),
                            },
                        ));
                    }
                }
                later.push((
                    t + deadline_s * opts.speed + 120.0,
                    Later::Close { id: ins.id },
                ));
            }
        }

        let (due, rest): (Vec<_>, Vec<_>) = later.drain(..).partition(|(at, _)| *at <= t);
        later = rest;
        for (_, job) in due {
            let tr = tree.clone();
            match job {
                Later::Sign { id, org } => {
                    write_or_log(&store, "instruction sign", move |tx| {
                        commands::answer_instruction(
                            tx,
                            &tr,
                            &station_actor(&org),
                            id,
                            &format!("org:{org}"),
                            commands::RecipientAction::Sign,
                            now,
                        )
                    })
                    .await;
                }
                Later::Feedback { id, org } => {
                    write_or_log(&store, "instruction feedback", move |tx| {
                        commands::answer_instruction(
                            tx,
                            &tr,
                            &station_actor(&org),
                            id,
                            &format!("org:{org}"),
                            commands::RecipientAction::Feedback("已按要求落实,情况正常。".into()),
                            now,
                        )
                    })
                    .await;
                }
                Later::Close { id } => {
                    let leader = Actor {
                        username: "sim-leader".into(),
                        role: Role::Leader,
                        ..dispatcher()
                    };
                    write_or_log(&store, "instruction close", move |tx| {
                        commands::close_instruction(
                            tx,
                            &tr,
                            &leader,
                            id,
                            "各单位已反馈落实情况,指令办结。",
                            now,
                        )
                    })
                    .await;
                }
            }
        }

        // Orders a person sent (a dispatcher at the console): the crew signs within seconds and
        // drives, as it does for the simulated dispatcher's, so dispatch never looks broken.
        if t >= next_pickup {
            next_pickup = t + 3.0;
            let waiting: Vec<(i64, i64, i64)> = store
                .read(|c| {
                    Ok(projections::open_assignments(c)?
                        .into_iter()
                        .filter(|a| a.status == AssignmentStatus::Assigned)
                        .map(|a| (a.id, a.unit_id, a.incident_id))
                        .collect())
                })
                .unwrap_or_default();
            for (assignment, unit_id, incident) in waiting {
                if let Some(u) = units
                    .iter_mut()
                    .find(|u| u.id == unit_id && matches!(u.task, Task::Idle { .. } | Task::Patrol))
                {
                    u.task = Task::ToSign {
                        assignment,
                        incident,
                        sign_at: t + rng.gen_range(4.0..15.0),
                        slow: false,
                    };
                }
            }
        }

        // Dispatch calls whose handling time has come: the free unit that gets there fastest by
        // road, as the recommendation endpoint would offer it.
        let mut still = Vec::new();
        for p in pending.drain(..) {
            if p.dispatch_at > t {
                still.push(p);
                continue;
            }
            let at = p.incident.location;
            let free: Vec<usize> = (0..units.len())
                .filter(|&i| {
                    matches!(units[i].task, Task::Idle { .. } | Task::Patrol)
                        && !units[i].reserve
                        && !matches!(units[i].kind, UnitKind::Swat | UnitKind::FootPatrol)
                })
                .collect();
            let positions: Vec<LonLat> = free.iter().map(|&i| units[i].pos).collect();
            let Some((k, eta)) = city.fastest_to(at, &positions) else {
                still.push(Pending {
                    dispatch_at: t + 15.0,
                    ..p
                });
                continue;
            };
            let u = &mut units[free[k]];
            let (uid, iid, tr) = (u.id, p.incident.id, tree.clone());
            let assigned = write_or_log(&store, "dispatch", move |tx| {
                commands::assign_unit(
                    tx,
                    &tr,
                    &dispatcher(),
                    commands::AssignUnit {
                        incident_id: iid,
                        unit_id: uid,
                        eta_s: Some(eta),
                        override_reason: None,
                    },
                    now,
                )
            })
            .await;
            let Some(a) = assigned else {
                still.push(Pending {
                    dispatch_at: t + 15.0,
                    ..p
                });
                continue;
            };
            // Usually signed within seconds; now and then a crew is slow and the timer fires.
            let sign_delay = if rng.gen_bool(0.08) {
                rng.gen_range(65.0..90.0) * opts.speed.max(1.0)
            } else {
                rng.gen_range(4.0..20.0)
            };
            u.task = Task::ToSign {
                assignment: a.id,
                incident: iid,
                sign_at: t + sign_delay,
                slow: rng.gen_bool(0.05),
            };
        }
        pending = still;

        // Move units; collect position reports into one write per tick.
        let mut moves: Vec<(Actor, i64, LonLat)> = Vec::new();
        for (i, u) in units.iter_mut().enumerate() {
            let arrived = matches!(
                u.task,
                Task::Patrol | Task::ToIncident { .. } | Task::ToPost { .. } | Task::Away { .. }
            ) && u.advance(tick);
            let report = demo.step(i, u, arrived, t, &mut rng, city.as_ref());
            match u.task {
                Task::Idle { until } if t >= until => {
                    let (dest, _) = city.random_point(&mut rng);
                    if let Some(path) = city.route(u.pos, dest) {
                        let speed = if u.kind == UnitKind::FootPatrol {
                            4.5
                        } else {
                            rng.gen_range(20.0..35.0)
                        };
                        u.set_path(path, speed);
                        u.task = Task::Patrol;
                    } else {
                        u.task = Task::Idle { until: t + 30.0 };
                    }
                }
                Task::Patrol if arrived => {
                    u.task = Task::Idle {
                        until: t + rng.gen_range(5.0..40.0),
                    };
                }
                Task::ToSign {
                    assignment,
                    incident,
                    sign_at,
                    slow,
                } if t >= sign_at => {
                    let Some(inc_pos) = store
                        .read(|c| projections::get_incident(c, incident))
                        .ok()
                        .flatten()
                        .map(|i| i.location)
                    else {
                        u.task = Task::Idle { until: t };
                        continue;
                    };
                    match city.route(u.pos, inc_pos) {
                        Some(path) => {
                            // Emergency driving, a little under the police profile's speeds; a slow
                            // crew (traffic, wrong turn) trips the late-arrival timer.
                            let speed = if slow {
                                rng.gen_range(12.0..18.0) / opts.speed.max(1.0)
                            } else {
                                rng.gen_range(40.0..60.0)
                            };
                            u.set_path(path, speed);
                            u.task = Task::ToIncident {
                                assignment,
                                incident,
                            };
                        }
                        None => {
                            u.task = Task::ToIncident {
                                assignment,
                                incident,
                            }
                        }
                    }
                    let (actor, tr) = (unit_actor(u), tree.clone());
                    write_or_log(&store, "sign", move |tx| {
                        commands::advance_assignment(
                            tx,
                            &tr,
                            &actor,
                            assignment,
                            AssignmentStatus::Signed,
                            None,
                            now,
                        )?;
                        commands::advance_assignment(
                            tx,
                            &tr,
                            &actor,
                            assignment,
                            AssignmentStatus::EnRoute,
                            None,
                            now,
                        )
                    })
                    .await;
                }
                Task::ToIncident {
                    assignment,
                    incident,
                } if arrived => {
                    let stay = rng.gen_range(60.0..180.0);
                    u.task = Task::OnScene {
                        assignment,
                        incident,
                        until: t + stay,
                    };
                    let (uid, actor, tr, pos) = (u.id, unit_actor(u), tree.clone(), u.pos);
                    write_or_log(&store, "arrival", move |tx| {
                        commands::update_unit(
                            tx,
                            &tr,
                            &actor,
                            uid,
                            UnitPatch {
                                position: Some(pos),
                                ..Default::default()
                            },
                            now,
                        )?;
                        commands::advance_assignment(
                            tx,
                            &tr,
                            &actor,
                            assignment,
                            AssignmentStatus::OnScene,
                            None,
                            now,
                        )
                    })
                    .await;
                    continue;
                }
                Task::OnScene {
                    assignment,
                    incident,
                    until,
                } if t >= until => {
                    u.task = Task::Idle { until: t + 5.0 };
                    let disposition = [
                        "resolved_on_scene",
                        "mediated",
                        "case_filed",
                        "resolved_on_scene",
                        "transferred",
                    ]
                    .choose(&mut rng)
                    .copied()
                    .unwrap_or("resolved_on_scene");
                    let (actor, tr) = (unit_actor(u), tree.clone());
                    write_or_log(&store, "clearance", move |tx| {
                        commands::advance_assignment(
                            tx,
                            &tr,
                            &actor,
                            assignment,
                            AssignmentStatus::Cleared,
                            Some("现场处置完毕,当事人已疏导。".into()),
                            now,
                        )
                    })
                    .await;
                    // Separately: a dispatcher in the console may have closed it already.
                    let tr = tree.clone();
                    write_or_log(&store, "closure", move |tx| {
                        commands::update_incident(
                            tx,
                            &tr,
                            &dispatcher(),
                            incident,
                            IncidentPatch {
                                status: Some(IncidentStatus::Closed),
                                disposition: Some(disposition.into()),
                                summary: Some("民警到场处置完毕。".into()),
                                ..Default::default()
                            },
                            now,
                        )
                    })
                    .await;
                    continue;
                }
                _ => {}
            }
            let moving = report == event::Report::Throttled
                || matches!(u.task, Task::Patrol | Task::ToIncident { .. });
            if report == event::Report::Now || (moving && t - u.last_sent >= 2.0) {
                u.last_sent = t;
                moves.push((unit_actor(u), u.id, u.pos));
            }
        }
        if !moves.is_empty() {
            let tr = tree.clone();
            write_or_log(&store, "positions", move |tx| {
                for (actor, id, pos) in moves {
                    commands::update_unit(
                        tx,
                        &tr,
                        &actor,
                        id,
                        UnitPatch {
                            position: Some(pos),
                            ..Default::default()
                        },
                        now,
                    )?;
                }
                Ok(())
            })
            .await;
        }
    }
}

async fn new_call(
    store: &Store,
    tree: &Arc<OrgTree>,
    city: &dyn CityMap,
    rng: &mut StdRng,
    now: zhihui_core::Time,
) -> Result<Incident, StoreError> {
    let r: f64 = rng.gen();
    let mut acc = 0.0;
    let (kind, subs, _) = TYPE_MIX
        .iter()
        .find(|(_, _, share)| {
            acc += share;
            r < acc
        })
        .copied()
        .unwrap_or(TYPE_MIX[0]);
    let subtype = subs.choose(rng).copied().unwrap_or(subs[0]);
    // The kind's default priority (codes::DEFAULT_PRIORITY); now and then the call-taker hears
    // something that makes it more urgent.
    let default = zhihui_core::codes::default_priority(kind, Some(subtype));
    let priority = if default > 1 && rng.gen_bool(0.1) {
        Some(i64::from(default) - 1)
    } else {
        None
    };
    let (pos, road) = city.random_point(rng);
    let (name, phone) = seed::random_caller(rng);
    let station = [
        "jz-shashi-zhongshan",
        "jz-shashi-shengli",
        "jz-jingzhou-dongcheng",
        "jz-jingzhou-xicheng",
        "jz-kfq-lianhe",
    ]
    .choose(rng)
    .copied()
    .unwrap_or("jz-shashi-zhongshan");
    let address = if road.is_empty() {
        format!("{:.5}, {:.5} 附近", pos.lon, pos.lat)
    } else {
        format!("{road}{}号附近", rng.gen_range(1..300))
    };
    let new = NewIncident {
        source: None,
        source_ref: None,
        caller: Some(Caller { name, phone }),
        location: pos,
        address,
        kind: kind.into(),
        subtype: Some(subtype.into()),
        priority,
        priority_reason: None,
        hazards: Vec::new(),
        description: describe(kind, subtype).into(),
        org_id: Some(station.into()),
        received_at: None,
        merge_into: None,
    };
    let tr = tree.clone();
    store
        .write(move |tx| {
            commands::create_incident(
                tx,
                &tr,
                &Actor {
                    username: "sim-intake".into(),
                    ..dispatcher()
                },
                new,
                now,
            )
        })
        .await
}
