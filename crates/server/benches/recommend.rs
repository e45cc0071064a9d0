//! In-process latency of unit recommendations (`cargo bench -p zhihui-server --bench recommend`;
//! not run by `cargo test`). Prints p50/p99 of the server's ranking with 1,000 units beside two
//! baselines measured in the same run on the same network: snapping one point, and one
//! one-to-one route (contraction hierarchy) from a unit to the incident.
//!
//! Network: the largest `.osm.pbf` (by node count) in `$ZHIHUI_SHARED_DATA/roads` (default
//! `../shared/data/roads` beside the repository), or `ZHIHUI_BENCH_ROADS=FILE`. Units: 1,000
//! available patrol cars at pseudo-random points of the network's bounding box; incidents: 200
//! thefts the same way, as in `bench/load --dispatch`. `ZHIHUI_BENCH_ROUNDS` (default 5) sets how
//! many times each incident is asked for.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zhihui_core::{
    Caller, Incident, LonLat, NewIncident, NewUnit, Org, OrgKind, OrgTree, Role, UnitKind,
};
use zhihui_roads::{Profile, RoadNetwork};
use zhihui_server::dispatch::recommend;
use zhihui_server::{AppState, Clock, MapData};
use zhihui_store::commands::{self, Actor};
use zhihui_store::fleet::{rank, SnapCache};
use zhihui_store::projections::{self, FreeUnit, UnitFilter};
use zhihui_store::{Store, StoreOptions};

struct Rng(u64);
impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn data_dir() -> PathBuf {
    std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("roads")
}

/// The network to measure on: the requested file, else the shared extract with most nodes.
fn largest_network() -> Option<(String, RoadNetwork)> {
    if let Some(f) = std::env::var_os("ZHIHUI_BENCH_ROADS") {
        let p = PathBuf::from(f);
        let net = RoadNetwork::load(&p).expect("load ZHIHUI_BENCH_ROADS");
        return Some((p.display().to_string(), net));
    }
    let dir = data_dir();
    let mut best: Option<(String, RoadNetwork)> = None;
    for entry in std::fs::read_dir(&dir).ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".osm.pbf") {
            continue;
        }
        match RoadNetwork::load(entry.path()) {
            Ok(net) => {
                println!(
                    "  {name}: {} nodes, {} edges",
                    net.node_count(),
                    net.edge_count()
                );
                if best
                    .as_ref()
                    .is_none_or(|(_, b)| net.node_count() > b.node_count())
                {
                    best = Some((name, net));
                }
            }
            Err(e) => println!("  {name}: not loaded ({e})"),
        }
    }
    best
}

struct Stats {
    p50: Duration,
    p99: Duration,
    mean: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        mean: v.iter().sum::<Duration>() / v.len() as u32,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not and should not wait
    // minutes for it. A filter argument means another benchmark was asked for.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| !a.starts_with('-')) {
        return;
    }
    println!("networks in {}:", data_dir().display());
    let Some((name, net)) = largest_network() else {
        println!("no road network found; set ZHIHUI_SHARED_DATA or ZHIHUI_BENCH_ROADS");
        return;
    };
    let rounds: usize = std::env::var("ZHIHUI_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let net = Arc::new(net);
    net.prepare(Profile::Police);
    net.prepare(Profile::Foot);
    let bb = net.bbox();
    let mut rng = Rng(42);
    let mut point = || LonLat {
        lon: bb[0] + (bb[2] - bb[0]) * rng.unit(),
        lat: bb[1] + (bb[3] - bb[1]) * rng.unit(),
    };
    let unit_points: Vec<LonLat> = (0..1000).map(|_| point()).collect();
    let incident_points: Vec<LonLat> = (0..200).map(|_| point()).collect();

    // A store with one organisation, 1,000 units and the incidents, written as the API would.
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_with(dir.path(), StoreOptions::default(), zhihui_store::domains())
        .expect("store");
    let admin = Actor {
        username: "bench".into(),
        role: Role::Admin,
        org_id: "city".into(),
        unit_id: None,
    };
    let now = chrono::Utc::now();
    let a = admin.clone();
    let (units, incidents) = store
        .write_blocking(move |tx| {
            let root = Org {
                id: "city".into(),
                parent_id: None,
                name: "市局".into(),
                name_en: "City".into(),
                kind: OrgKind::City,
            };
            commands::create_org(tx, &OrgTree::new(vec![]), &a, root.clone(), now)?;
            let tree = OrgTree::new(vec![root]);
            let mut units: Vec<FreeUnit> = Vec::new();
            for (n, p) in unit_points.iter().enumerate() {
                let new = NewUnit {
                    call_sign: format!("U{n:04}"),
                    kind: UnitKind::PatrolCar,
                    status: None,
                    position: Some(*p),
                    org_id: None,
                };
                units.push((&commands::create_unit(tx, &tree, &a, new, now)?).into());
            }
            let mut incidents: Vec<Incident> = Vec::new();
            for p in &incident_points {
                let new = NewIncident {
                    source: None,
                    source_ref: None,
                    caller: Some(Caller {
                        name: "张三".into(),
                        phone: "13800138000".into(),
                    }),
                    location: *p,
                    address: String::new(),
                    kind: "criminal".into(),
                    subtype: Some("theft".into()),
                    priority: Some(2),
                    priority_reason: None,
                    hazards: Vec::new(),
                    description: String::new(),
                    org_id: None,
                    received_at: None,
                    merge_into: None,
                };
                incidents.push(commands::create_incident(tx, &tree, &a, new, now)?);
            }
            Ok::<_, zhihui_store::StoreError>((units, incidents))
        })
        .expect("seed");

    let time = |f: &mut dyn FnMut(&Incident)| -> Stats {
        for inc in incidents.iter().take(10) {
            f(inc);
        }
        let mut v = Vec::with_capacity(rounds * incidents.len());
        for _ in 0..rounds {
            for inc in &incidents {
                let t = Instant::now();
                f(inc);
                v.push(t.elapsed());
            }
        }
        stats(v)
    };

    let snap_one = time(&mut |inc| {
        std::hint::black_box(net.snap_for(Profile::Police, inc.location.lon, inc.location.lat));
    });
    let unit_snaps: Vec<_> = units
        .iter()
        .map(|u| {
            let p = u.position.expect("position");
            net.snap_for(Profile::Police, p.lon, p.lat)
        })
        .collect();
    let mut i = 0usize;
    let route_one = time(&mut |inc| {
        i = (i + 1) % unit_snaps.len();
        let to = net.snap_for(Profile::Police, inc.location.lon, inc.location.lat);
        if let (Some(from), Some(to)) = (&unit_snaps[i], to) {
            std::hint::black_box(net.route(Profile::Police, from, &to));
        }
    });
    let uncached = time(&mut |inc| {
        std::hint::black_box(rank(&net, &SnapCache::new(), inc, &units, 5));
    });
    let cache = SnapCache::new();
    let cached = time(&mut |inc| {
        std::hint::black_box(rank(&net, &cache, inc, &units, 5));
    });
    // Same answers with and without the cache.
    for inc in incidents.iter().take(20) {
        assert_eq!(
            rank(&net, &cache, inc, &units, 5),
            rank(&net, &SnapCache::new(), inc, &units, 5)
        );
    }

    // The whole path as it was: every available unit's document read and parsed, every unit
    // re-snapped.
    let org_ids = vec!["city".to_owned()];
    let before = time(&mut |inc| {
        let all = store
            .read(|c| {
                let filter = UnitFilter {
                    org_ids: org_ids.clone(),
                    statuses: vec!["available".into()],
                    limit: 100_000,
                    ..Default::default()
                };
                Ok(projections::list_units(c, &filter)?.0)
            })
            .expect("read");
        let free: Vec<FreeUnit> = all.iter().map(FreeUnit::from).collect();
        std::hint::black_box(rank(&net, &SnapCache::new(), inc, &free, 5));
    });

    let kinds = [UnitKind::PatrolCar, UnitKind::FootPatrol];
    let read_only = time(&mut |_| {
        let free = store
            .read(|c| projections::free_units(c, &org_ids, &kinds))
            .expect("read");
        std::hint::black_box(free);
    });

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let full = rt.block_on(async {
        let map = MapData::from_network(net.clone(), &name, false);
        let state = AppState::new(store.clone(), map, Clock::system()).expect("state");
        let dispatcher = Actor {
            role: Role::Dispatcher,
            ..admin.clone()
        };
        for inc in incidents.iter().take(10) {
            std::hint::black_box(recommend(&state, &dispatcher, inc.id, 5).await.ok());
        }
        let mut v = Vec::new();
        for _ in 0..rounds {
            for inc in &incidents {
                let t = Instant::now();
                let r = recommend(&state, &dispatcher, inc.id, 5).await;
                v.push(t.elapsed());
                assert!(r.is_ok_and(|(_, recs)| !recs.is_empty()));
            }
        }
        stats(v)
    });

    println!(
        "\nrecommendations, 1,000 available patrol cars, {} incidents × {rounds} rounds on {name} \
         ({} nodes)\n",
        incidents.len(),
        net.node_count()
    );
    println!("| case | p50 ms | p99 ms | mean ms | p99 / route p99 |");
    println!("|---|---:|---:|---:|---:|");
    for (label, s) in [
        ("baseline: snap one point", &snap_one),
        ("baseline: one-to-one route (CH)", &route_one),
        ("rank, re-snapping every unit (before)", &uncached),
        ("rank, cached unit snaps", &cached),
        (
            "before: read whole unit records + rank re-snapping",
            &before,
        ),
        ("read of the free units alone", &read_only),
        ("recommend(): lean read + rank, cached (now)", &full),
    ] {
        println!(
            "| {label} | {:.3} | {:.3} | {:.3} | {:.1}x |",
            ms(s.p50),
            ms(s.p99),
            ms(s.mean),
            ms(s.p99) / ms(route_one.p99)
        );
    }
}
