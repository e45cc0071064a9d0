//! The demo city plays the whole command loop through the domain commands: calls come in, units
//! are sent, sign, drive at a plausible speed, arrive and clear; instructions are issued and
//! answered; public posts stream in and the analyst decides their alerts.

use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, RngCore};
use zhihui_core::{Assignment, LonLat};
use zhihui_sim::{CityMap, SimOptions};
use zhihui_store::opinion::prepare::{AuthorKeys, Screening};
use zhihui_store::projections;
use zhihui_store::{Store, StoreOptions};

/// Straight roads everywhere in a 2 km square: routes are the straight line, at 10 m/s.
struct FlatCity;

const CENTRE: LonLat = LonLat {
    lon: 112.24,
    lat: 30.33,
};

impl CityMap for FlatCity {
    fn random_point(&self, rng: &mut dyn RngCore) -> (LonLat, String) {
        let (dx, dy): (f64, f64) = (rng.gen_range(-0.01..0.01), rng.gen_range(-0.01..0.01));
        (
            LonLat {
                lon: CENTRE.lon + dx,
                lat: CENTRE.lat + dy,
            },
            "中山路".into(),
        )
    }

    fn route(&self, from: LonLat, to: LonLat) -> Option<Vec<LonLat>> {
        Some(vec![from, to])
    }

    fn fastest_to(&self, at: LonLat, candidates: &[LonLat]) -> Option<(usize, f64)> {
        candidates
            .iter()
            .enumerate()
            .map(|(i, c)| (i, c.distance_m(&at) / 10.0))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}

#[test]
fn the_simulated_city_plays_the_whole_loop() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::open_with(dir.path(), StoreOptions::default(), zhihui_store::domains()).unwrap();
    let city: Arc<dyn CityMap> = Arc::new(FlatCity);
    assert!(zhihui_sim::seed::seed(&store, city.as_ref(), "not-a-real-hash").unwrap());
    let speed = 60.0;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let sim = tokio::spawn(zhihui_sim::run(
            store.clone(),
            city,
            SimOptions {
                speed,
                calls_per_hour: 400.0,
                seed: 11,
                opinion: Some(Screening {
                    screener: Arc::new(zhihui_screen::Screener::with_default_lexicon()),
                    keys: Arc::new(AuthorKeys::from_secret(&[9u8; 32]).unwrap()),
                    places: None,
                }),
            },
        ));
        // Twelve seconds at 60× are twelve simulated minutes: long enough for early calls to be
        // handled to the end and for the first instruction to be answered.
        tokio::time::sleep(Duration::from_secs(12)).await;
        sim.abort();
    });

    let count = |kind: &'static str| store.read(|c| projections::count_events(c, kind)).unwrap();
    for kind in [
        "incident.created",
        "assignment.created",
        "assignment.signed",
        "assignment.en_route",
        "assignment.on_scene",
        "assignment.cleared",
        "instruction.issued",
        "instruction.signed",
        "instruction.feedback",
        // Public posts stream in, raise alerts, and the analyst takes and decides them.
        "opinion_alert.raised",
        "opinion_alert.acknowledged",
    ] {
        assert!(count(kind) > 0, "no {kind} event in the simulated loop");
    }
    // Units drove: their positions are in the track store, not in the event log.
    assert_eq!(count("unit.moved"), 0);
    assert!(store.read(zhihui_store::track::count).unwrap() > 100);
    let closed = store
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM incidents WHERE status = 'closed'",
                [],
                |r| r.get::<_, i64>(0),
            )?)
        })
        .unwrap();
    assert!(closed > 0, "no incident closed");
    let decided = count("opinion_alert.incident") + count("opinion_alert.dismissed");
    assert!(decided > 0, "no public-opinion alert decided");
    let posts = store
        .read(zhihui_store::opinion::projection::post_count)
        .unwrap();
    assert!(posts > 20, "only {posts} posts in twelve simulated minutes");

    // Units drive to the scene at emergency speed in simulated time (domain time is real time,
    // so a simulated second lasts 1/60 s): neither crawling nor flying.
    let done: Vec<Assignment> = store
        .read(|c| {
            let mut s = c.prepare("SELECT doc FROM assignments WHERE status = 'cleared'")?;
            let rows = s.query_map([], |r| r.get::<_, String>(0))?;
            rows.map(|r| Ok(serde_json::from_str(&r?)?)).collect()
        })
        .unwrap();
    let mut speeds: Vec<f64> = Vec::new();
    let mut slow = 0;
    for a in &done {
        let (Some(go), Some(there)) = (a.en_route_at, a.on_scene_at) else {
            continue;
        };
        let Some(eta) = a.eta_s else { continue };
        let sim_s = (there - go).num_milliseconds() as f64 / 1000.0 * speed;
        // The ETA is the straight line at 10 m/s; crews drive 40–60 km/h in simulated time (a
        // slow one crawls on purpose, to trip the real-time late-arrival timer). Timestamps are
        // wall-clock, and a loaded machine delays and then bunches the simulator's ticks, so
        // single drives are judged loosely and the typical one closely.
        let kmh = eta * 10.0 / sim_s.max(1.0) * 3.6;
        if eta * 10.0 > 300.0 {
            if kmh < 30.0 {
                slow += 1;
                continue;
            }
            assert!(kmh <= 150.0, "assignment {} at {kmh:.0} km/h", a.id);
            speeds.push(kmh);
        }
    }
    speeds.sort_by(f64::total_cmp);
    eprintln!(
        "{} calls, {} orders cleared, {} drives judged for speed ({speeds:.0?} km/h), {slow} slow",
        count("incident.created"),
        done.len(),
        speeds.len()
    );
    assert!(
        speeds.len() >= 3,
        "too few completed drives to judge the speed"
    );
    let median = speeds[speeds.len() / 2];
    assert!(
        (35.0..=65.0).contains(&median),
        "median drive at {median:.0} km/h"
    );
    assert!(
        slow * 4 <= speeds.len(),
        "too many slow crews: {slow} of {}",
        speeds.len() + slow
    );
}
