//! Planner tests. Every plan is checked by `check_intercept`, written apart from the planner
//! on the public API only: its own searches over `out_edges` and `route_dijkstra`, no planner
//! internals.

use crate::common;

use std::collections::{BinaryHeap, HashMap, HashSet};

use proptest::prelude::*;
use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::plan::{
    blockade, deploy, intercept, ring_greedy, seal_exits, BlockadeRequest, DeployUnit,
    InterceptPlan, InterceptRequest, Note, Post, SuspectSpeed,
};
use zhihui_roads::{Profile, RoadNetwork, RoadsError};

/// The exit nodes as the problem defines them (given points → nearest node of their road;
/// otherwise the network's edge).
fn exits_of(net: &RoadNetwork, req: &InterceptRequest) -> HashSet<u32> {
    match &req.exits {
        None => net.edge_nodes(None).into_iter().collect(),
        Some(pts) => pts
            .iter()
            .map(|p| {
                let s = net.snap_for(Profile::Car, p[0], p[1]).unwrap();
                if s.fraction < 0.5 {
                    s.from_node
                } else {
                    s.to_node
                }
            })
            .collect(),
    }
}

/// Nodes the suspect can drive to first from the origin's road (with the seconds it takes),
/// for the car profile.
fn suspect_starts(net: &RoadNetwork, req: &InterceptRequest) -> Vec<u32> {
    let s = net
        .snap_for(Profile::Car, req.origin[0], req.origin[1])
        .unwrap();
    let mut out = Vec::new();
    for (node, other) in [(s.to_node, s.from_node), (s.from_node, s.to_node)] {
        if net.out_edges(Profile::Car, other).any(|e| e.head == node) {
            out.push(node);
        }
    }
    out
}

/// Independent Dijkstra on the suspect's graph from the origin's snap, in seconds; only used
/// for a fixed speed with the origin exactly on a node.
fn fixed_speed_times(net: &RoadNetwork, start: u32, kmh: f64) -> Vec<f64> {
    let mut dist = vec![f64::INFINITY; net.node_count()];
    let mut heap = BinaryHeap::new();
    dist[start as usize] = 0.0;
    heap.push((std::cmp::Reverse(0u64), start));
    while let Some((std::cmp::Reverse(dms), u)) = heap.pop() {
        let d = dms as f64 / 1000.0;
        if d > dist[u as usize] + 1e-9 {
            continue;
        }
        for e in net.out_edges(Profile::Car, u) {
            let nd = d + ((e.meters * 3600.0 / kmh).round().max(1.0)) / 1000.0;
            if nd < dist[e.head as usize] - 1e-9 {
                dist[e.head as usize] = nd;
                heap.push((std::cmp::Reverse((nd * 1000.0).round() as u64), e.head));
            }
        }
    }
    dist
}

fn node_snap(net: &RoadNetwork, v: u32) -> zhihui_roads::Snap {
    let [lon, lat] = net.node_position(v).unwrap();
    net.snap_for(Profile::Police, lon, lat).unwrap()
}

/// Checks what a plan claims. Returns the number of suspect-reachable nodes behind the cordon.
fn check_intercept(net: &RoadNetwork, req: &InterceptRequest, plan: &InterceptPlan) {
    let exits = exits_of(net, req);
    // Distinct neighbours over every profile, both directions: an intersection has ≥ 3.
    let mut nbrs: HashMap<u32, HashSet<u32>> = HashMap::new();
    for u in 0..net.node_count() as u32 {
        for p in Profile::ALL {
            for e in net.out_edges(p, u) {
                if e.head != u {
                    nbrs.entry(u).or_default().insert(e.head);
                    nbrs.entry(e.head).or_default().insert(u);
                }
            }
        }
    }
    let origin = net
        .snap_for(Profile::Car, req.origin[0], req.origin[1])
        .unwrap();
    let fixed = match req.suspect {
        SuspectSpeed::FixedKmh(v) => {
            let start = if origin.fraction < 0.5 {
                origin.from_node
            } else {
                origin.to_node
            };
            assert!(
                origin.fraction == 0.0 || origin.fraction == 1.0,
                "fixed-speed checks need the origin on a node"
            );
            Some(fixed_speed_times(net, start, v))
        }
        SuspectSpeed::CarProfile => None,
    };
    let mut used = HashSet::new();
    let mut blocked = HashSet::new();
    for c in &plan.cordon {
        assert!(used.insert(c.unit), "unit {} used twice", c.unit);
        assert!(blocked.insert(c.node), "node {} blocked twice", c.node);
        let deg = nbrs.get(&c.node).map_or(0, |s| s.len());
        assert!(
            deg >= 3 || exits.contains(&c.node),
            "cordon node {} is not an intersection (degree {deg})",
            c.node
        );
        assert_eq!(net.node_position(c.node), Some([c.lon, c.lat]));
        // The unit's arrival, recomputed with plain Dijkstra.
        let u = req.units[c.unit];
        let from = net.snap_for(Profile::Police, u[0], u[1]).unwrap();
        let drive = net
            .route_dijkstra(Profile::Police, &from, &node_snap(net, c.node))
            .expect("unit cannot reach its point")
            .seconds;
        let arrival = req.head_start_s + drive;
        assert!(
            (arrival - c.unit_arrival_s).abs() < 0.0015,
            "unit {} arrival {} != claimed {}",
            c.unit,
            arrival,
            c.unit_arrival_s
        );
        // The suspect's earliest time there, recomputed.
        let suspect = match &fixed {
            Some(t) => t[c.node as usize],
            None => {
                let to = net.snap_for(Profile::Car, c.lon, c.lat).unwrap();
                net.route_dijkstra(Profile::Car, &origin, &to)
                    .map_or(f64::INFINITY, |r| r.seconds)
            }
        };
        assert!(
            (suspect - c.suspect_earliest_s).abs() < 0.0015,
            "suspect at {}: {} != claimed {}",
            c.node,
            suspect,
            c.suspect_earliest_s
        );
        assert!(
            arrival <= suspect + 1e-6,
            "unit {} late at node {}: {arrival} > {suspect}",
            c.unit,
            c.node
        );
    }
    if let Some(max) = plan
        .cordon
        .iter()
        .map(|c| c.unit_arrival_s)
        .reduce(f64::max)
    {
        assert!((max - plan.closing_s).abs() < 1e-6);
    }
    // Walk every suspect route from the origin, stopping at blocked nodes.
    let mut seen = HashSet::new();
    let mut stack = suspect_starts(net, req);
    let mut escaped = None;
    while let Some(v) = stack.pop() {
        if blocked.contains(&v) || !seen.insert(v) {
            continue;
        }
        if exits.contains(&v) {
            escaped = Some(v);
        }
        for e in net.out_edges(Profile::Car, v) {
            stack.push(e.head);
        }
    }
    if plan.complete {
        assert!(
            escaped.is_none(),
            "the suspect escapes through exit {escaped:?}"
        );
        assert!(plan.open_routes.is_empty());
        assert_eq!(seen.len(), plan.enclosed_nodes, "enclosed count");
    } else {
        assert!(
            escaped.is_some() || exits.is_empty(),
            "partial plan but no way out"
        );
        for r in &plan.open_routes {
            assert!(exits.contains(&r.exit_node));
            for p in &r.path[1..] {
                let hit = plan.cordon.iter().any(|c| [c.lon, c.lat] == *p);
                assert!(!hit, "open route crosses the cordon");
            }
        }
    }
}

fn units_on(net: &RoadNetwork, rng: &mut common::Rng, k: usize) -> Vec<[f64; 2]> {
    let n = net.node_count() as u64;
    (0..k)
        .map(|_| net.node_position((rng.next() % n) as u32).unwrap())
        .collect()
}

fn town() -> RoadNetwork {
    city(GenParams {
        seed: 7,
        target_nodes: 900,
        accesses: 8,
        ..GenParams::default()
    })
    .unwrap()
}

#[test]
fn a_plan_on_a_generated_city_passes_the_independent_checker() {
    let net = town();
    let mut rng = common::Rng(99);
    let b = net.bbox();
    let req = InterceptRequest {
        origin: [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0],
        head_start_s: 60.0,
        suspect: SuspectSpeed::CarProfile,
        units: units_on(&net, &mut rng, 150),
        exits: None,
    };
    let plan = intercept(&net, &req).unwrap();
    assert!(plan.complete, "{:?}", plan.notes);
    assert!(!plan.cordon.is_empty());
    check_intercept(&net, &req, &plan);
    // The cordon encloses less than the whole town.
    assert!(
        plan.enclosed_nodes < net.node_count() / 2,
        "{}",
        plan.enclosed_nodes
    );
    for base in [
        ring_greedy(&net, &req).unwrap(),
        seal_exits(&net, &req).unwrap(),
    ] {
        check_intercept(&net, &req, &base);
        if base.complete {
            assert!(plan.enclosed_nodes <= base.enclosed_nodes);
        }
    }
}

#[test]
fn the_exits_of_a_generated_city_are_its_approach_roads() {
    let closed = city(GenParams {
        seed: 3,
        target_nodes: 900,
        ..GenParams::default()
    })
    .unwrap();
    assert_eq!(closed.node_count(), 900);
    // A closed grid: its edge is the band along the outline.
    let band = closed.edge_nodes(None);
    assert!(band.len() >= 4 * 29, "{}", band.len());
    let open = city(GenParams {
        seed: 3,
        target_nodes: 900,
        accesses: 6,
        ..GenParams::default()
    })
    .unwrap();
    // Four new nodes per approach road; the last of each is a dead end on the edge.
    assert_eq!(open.node_count(), 900 + 6 * 4);
    let exits = open.edge_nodes(None);
    assert_eq!(exits.len(), 6, "{exits:?}");
    let deg = open.node_degrees();
    assert!(exits.iter().all(|&e| e >= 900 && deg[e as usize] == 1));
}

/// A straight road: origin in the middle, exits at both ends, one unit near each end.
fn corridor() -> RoadNetwork {
    // Main road along lat 30.0 from lon 112.00 to 112.10 with side streets at every 0.01,
    // so every interior node is an intersection.
    let mut feats = Vec::new();
    let main: Vec<String> = (0..=10)
        .map(|i| format!("[{:.2},30.0]", 112.0 + i as f64 * 0.01))
        .collect();
    feats.push(format!(
        r#"{{"type":"Feature","properties":{{"speed_kmh":36}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#,
        main.join(",")
    ));
    for i in 1..10 {
        let x = 112.0 + i as f64 * 0.01;
        feats.push(format!(
            r#"{{"type":"Feature","properties":{{"speed_kmh":36}},"geometry":{{"type":"LineString","coordinates":[[{x:.2},30.0],[{x:.2},30.002]]}}}}"#
        ));
    }
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        feats.join(",")
    );
    RoadNetwork::from_geojson_str(&text).unwrap()
}

#[test]
fn on_a_corridor_the_cordon_is_the_nearest_pair_the_units_can_reach() {
    let net = corridor();
    // 0.01° of lon at lat 30 ≈ 963 m: 96 s at 36 km/h for the suspect and the units.
    let req = InterceptRequest {
        origin: [112.05, 30.0],
        head_start_s: 0.0,
        suspect: SuspectSpeed::CarProfile,
        units: vec![[112.0, 30.0], [112.10, 30.0]],
        exits: Some(vec![[112.0, 30.0], [112.10, 30.0]]),
    };
    let plan = intercept(&net, &req).unwrap();
    check_intercept(&net, &req, &plan);
    assert!(plan.complete, "{:?}", plan.notes);
    // Units and suspect drive at the same speed, so the closest points the units hold are
    // 112.02 and 112.08: the suspect needs 3 blocks to get there, each unit 2.
    let lons = |p: &InterceptPlan| {
        let mut l: Vec<f64> = p
            .cordon
            .iter()
            .map(|c| (c.lon * 100.0).round() / 100.0)
            .collect();
        l.sort_by(f64::total_cmp);
        l
    };
    assert_eq!(lons(&plan), vec![112.02, 112.08]);
    assert!(!plan
        .notes
        .iter()
        .any(|n| matches!(n, Note::OriginOffRoad { .. })));
    // A sighting 0.0015° (≈ 167 m) beyond the end of a side street is planned from the road,
    // and the plan says how far that is.
    let off = InterceptRequest {
        origin: [112.05, 30.0035],
        ..req.clone()
    };
    let plan = intercept(&net, &off).unwrap();
    check_intercept(&net, &off, &plan);
    assert!(
        plan.notes.iter().any(
            |n| matches!(n, Note::OriginOffRoad { meters } if (160.0..170.0).contains(meters))
                && n.to_string().starts_with("the origin is 16")
                && n.to_string().contains("m from the nearest road")
        ),
        "{:?}",
        plan.notes
    );
    // A head start of about 3 blocks: the units can only seal the ends.
    let late = InterceptRequest {
        head_start_s: 300.0,
        ..req.clone()
    };
    let plan = intercept(&net, &late).unwrap();
    check_intercept(&net, &late, &plan);
    assert!(plan.complete);
    assert_eq!(lons(&plan), vec![112.0, 112.1]);
    // Too late even for the ends (the suspect is there after 5 blocks, 481 s).
    let too_late = InterceptRequest {
        head_start_s: 500.0,
        ..req.clone()
    };
    let plan = intercept(&net, &too_late).unwrap();
    check_intercept(&net, &too_late, &plan);
    assert!(!plan.complete);
    assert!(plan.cordon.is_empty());
    assert_eq!(plan.open_routes.len(), 2, "{plan:?}");
}

#[test]
fn fixed_suspect_speed_is_used_on_every_road() {
    let net = corridor();
    let req = InterceptRequest {
        origin: [112.05, 30.0],
        head_start_s: 0.0,
        // Twice the units' speed: the units only make it to nodes near their own position.
        suspect: SuspectSpeed::FixedKmh(72.0),
        units: vec![[112.0, 30.0], [112.10, 30.0]],
        exits: Some(vec![[112.0, 30.0], [112.10, 30.0]]),
    };
    let plan = intercept(&net, &req).unwrap();
    check_intercept(&net, &req, &plan);
    assert!(plan.complete);
    let mut lons: Vec<f64> = plan
        .cordon
        .iter()
        .map(|c| (c.lon * 100.0).round() / 100.0)
        .collect();
    lons.sort_by(f64::total_cmp);
    assert_eq!(lons, vec![112.01, 112.09]);
}

#[test]
fn bad_requests_name_the_field_and_unreachable_exits_are_an_answer() {
    let net = corridor();
    let ok = InterceptRequest {
        origin: [112.05, 30.0],
        head_start_s: 0.0,
        suspect: SuspectSpeed::CarProfile,
        units: vec![[112.0, 30.0]],
        exits: None,
    };
    let field = |r: Result<InterceptPlan, RoadsError>| match r {
        Err(RoadsError::InvalidPlanInput { field, .. }) => field,
        other => panic!("expected an input error, got {other:?}"),
    };
    let no_units = InterceptRequest {
        units: vec![],
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &no_units)), "units");
    let far = InterceptRequest {
        origin: [113.0, 31.0],
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &far)), "origin");
    let nan = InterceptRequest {
        origin: [f64::NAN, 30.0],
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &nan)), "origin");
    let neg = InterceptRequest {
        head_start_s: -5.0,
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &neg)), "head_start_s");
    let speed = InterceptRequest {
        suspect: SuspectSpeed::FixedKmh(0.0),
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &speed)), "suspect_speed_kmh");
    let empty_exits = InterceptRequest {
        exits: Some(vec![]),
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &empty_exits)), "exits");
    let off_units = InterceptRequest {
        units: vec![[120.0, 40.0]],
        ..ok.clone()
    };
    assert_eq!(field(intercept(&net, &off_units)), "units");

    // An exit on a side street the suspect cannot enter (a one-way pointing at the main road)
    // cannot be reached: nothing to block, and the plan says so.
    let text = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[112.0,30.0],[112.01,30.0]]}},
      {"type":"Feature","properties":{"oneway":"yes"},"geometry":{"type":"LineString","coordinates":[[112.01,30.01],[112.01,30.0]]}}]}"#;
    let net = RoadNetwork::from_geojson_str(text).unwrap();
    let req = InterceptRequest {
        origin: [112.0, 30.0],
        head_start_s: 0.0,
        suspect: SuspectSpeed::CarProfile,
        units: vec![[112.01, 30.0]],
        exits: Some(vec![[112.01, 30.01]]),
    };
    let plan = intercept(&net, &req).unwrap();
    assert!(plan.complete && plan.cordon.is_empty());
    assert_eq!(plan.reachable_exits, 0);
    assert!(plan.notes[0] == Note::AlreadyEnclosed, "{:?}", plan.notes);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]
    #[test]
    fn random_cities_units_and_head_starts_always_give_valid_plans(
        seed in 0u64..1000,
        units in 1usize..40,
        head in 0.0f64..240.0,
        fixed in proptest::option::of(20.0f64..120.0),
    ) {
        let net = city(GenParams { seed, target_nodes: 400, accesses: (seed % 7) as usize, ..GenParams::default() }).unwrap();
        let mut rng = common::Rng(seed * 31 + 7);
        let origin_node = (rng.next() % net.node_count() as u64) as u32;
        let req = InterceptRequest {
            origin: net.node_position(origin_node).unwrap(),
            head_start_s: head,
            suspect: fixed.map_or(SuspectSpeed::CarProfile, SuspectSpeed::FixedKmh),
            units: units_on(&net, &mut rng, units),
            exits: None,
        };
        let (adaptive, seal) = (intercept(&net, &req).unwrap(), seal_exits(&net, &req).unwrap());
        for plan in [&adaptive, &ring_greedy(&net, &req).unwrap(), &seal] {
            check_intercept(&net, &req, plan);
        }
        // Holding every exit is a cordon too: whenever it can be staffed, the planner's answer
        // is complete (it may enclose less, never fail where the baseline succeeds).
        if seal.complete {
            prop_assert!(adaptive.complete, "sealing the exits works but the plan is partial");
        }
    }
}

#[test]
fn liechtenstein_with_fifty_units() {
    let Some(dir) = common::shared_roads() else {
        return;
    };
    let net = RoadNetwork::load(dir.join("liechtenstein.osm.pbf")).unwrap();
    let mut rng = common::Rng(2024);
    let units = units_on(&net, &mut rng, 50);
    // Vaduz.
    let req = InterceptRequest {
        origin: [9.5209, 47.1410],
        head_start_s: 120.0,
        suspect: SuspectSpeed::CarProfile,
        units,
        exits: None,
    };
    let plan = intercept(&net, &req).unwrap();
    check_intercept(&net, &req, &plan);
    let ring = ring_greedy(&net, &req).unwrap();
    check_intercept(&net, &req, &ring);
    let seal = seal_exits(&net, &req).unwrap();
    check_intercept(&net, &req, &seal);
    println!(
        "adaptive: complete {} points {} enclosed {} in {:.1} ms; ring: {} {} {}; seal: {} {} {}",
        plan.complete,
        plan.cordon.len(),
        plan.enclosed_nodes,
        plan.elapsed_ms,
        ring.complete,
        ring.cordon.len(),
        ring.enclosed_nodes,
        seal.complete,
        seal.cordon.len(),
        seal.enclosed_nodes
    );
}

// ---- blockade -------------------------------------------------------------------------------

fn brute_blockade(cost: &[Vec<Option<f64>>], units: usize) -> (usize, f64, f64) {
    fn go(
        p: usize,
        cost: &[Vec<Option<f64>>],
        used: &mut [bool],
        acc: (usize, f64, f64),
        best: &mut (usize, f64, f64),
    ) {
        if p == cost.len() {
            let better = acc.0 > best.0
                || (acc.0 == best.0
                    && (acc.1 < best.1 - 1e-9
                        || ((acc.1 - best.1).abs() < 1e-9 && acc.2 < best.2 - 1e-9)));
            if better {
                *best = acc;
            }
            return;
        }
        go(p + 1, cost, used, acc, best);
        for u in 0..used.len() {
            if let (false, Some(c)) = (used[u], cost[p][u]) {
                used[u] = true;
                go(
                    p + 1,
                    cost,
                    used,
                    (acc.0 + 1, acc.1.max(c), acc.2 + c),
                    best,
                );
                used[u] = false;
            }
        }
    }
    let mut best = (0, f64::INFINITY, f64::INFINITY);
    go(0, cost, &mut vec![false; units], (0, 0.0, 0.0), &mut best);
    if best.0 == 0 {
        best = (0, 0.0, 0.0);
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]
    #[test]
    fn blockade_is_optimal_against_brute_force(seed in 0u64..10_000, points in 1usize..5, units in 1usize..7) {
        let net = city(GenParams { seed: seed % 5, target_nodes: 400, ..GenParams::default() }).unwrap();
        let mut rng = common::Rng(seed + 1);
        let req = BlockadeRequest {
            points: units_on(&net, &mut rng, points),
            units: units_on(&net, &mut rng, units),
            with_routes: false,
        };
        let plan = blockade(&net, &req).unwrap();
        // Costs by plain Dijkstra, point by point.
        let snaps: Vec<_> = req.units.iter().map(|u| net.snap_for(Profile::Police, u[0], u[1]).unwrap()).collect();
        let cost: Vec<Vec<Option<f64>>> = req.points.iter().map(|p| {
            let to = net.snap_for(Profile::Police, p[0], p[1]).unwrap();
            snaps.iter().map(|s| net.route_dijkstra(Profile::Police, s, &to).map(|r| r.seconds)).collect()
        }).collect();
        let (count, makespan, total) = brute_blockade(&cost, units);
        prop_assert_eq!(plan.assignments.len(), count);
        prop_assert!((plan.makespan_s - makespan).abs() < 0.002, "{} vs {}", plan.makespan_s, makespan);
        prop_assert!((plan.total_s - total).abs() < 0.002 * points as f64, "{} vs {}", plan.total_s, total);
        let mut used = HashSet::new();
        for a in &plan.assignments {
            prop_assert!(used.insert(a.unit));
            prop_assert!((cost[a.point][a.unit].unwrap() - a.travel_s).abs() < 0.002);
        }
        prop_assert_eq!(plan.assignments.len() + plan.unassigned_points.len(), points);
    }
}

#[test]
fn blockade_refuses_empty_lists_and_off_network_points() {
    let net = corridor();
    let err = |r: Result<_, RoadsError>| match r {
        Err(RoadsError::InvalidPlanInput { field, .. }) => field,
        Ok(p) => panic!("expected an error, got {p:?}"),
        Err(e) => panic!("unexpected {e}"),
    };
    let base = BlockadeRequest {
        points: vec![[112.05, 30.0]],
        units: vec![[112.0, 30.0]],
        with_routes: true,
    };
    assert_eq!(
        err(blockade(
            &net,
            &BlockadeRequest {
                points: vec![],
                ..base.clone()
            }
        )),
        "points"
    );
    assert_eq!(
        err(blockade(
            &net,
            &BlockadeRequest {
                units: vec![],
                ..base.clone()
            }
        )),
        "units"
    );
    assert_eq!(
        err(blockade(
            &net,
            &BlockadeRequest {
                points: vec![[100.0, 10.0]],
                ..base.clone()
            }
        )),
        "points"
    );
    // More points than units: the closest one gets the unit, the other is listed.
    let plan = blockade(
        &net,
        &BlockadeRequest {
            points: vec![[112.09, 30.0], [112.01, 30.0]],
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(plan.assignments.len(), 1);
    assert_eq!(plan.assignments[0].point, 1);
    assert_eq!(plan.unassigned_points, vec![0]);
    assert!(plan.assignments[0].route.len() >= 2);
}

#[test]
fn deployment_respects_kinds_and_staffing_and_fills_what_it_can() {
    let net = corridor();
    let unit = |lon: f64, kind: &str| DeployUnit {
        position: [lon, 30.0],
        kind: kind.to_owned(),
    };
    let units = vec![
        unit(112.01, "patrol_car"),
        unit(112.02, "traffic"),
        unit(112.09, "patrol_car"),
        unit(112.10, "swat"),
    ];
    let posts = vec![
        // A traffic checkpoint near the west end: only the traffic unit may take it, although
        // the patrol car is closer.
        Post {
            position: [112.0, 30.0],
            staff: 1,
            kinds: vec!["traffic".into()],
        },
        // A duty point in the east for two units of any kind.
        Post {
            position: [112.09, 30.0],
            staff: 2,
            kinds: vec![],
        },
        // A post nobody can take.
        Post {
            position: [112.05, 30.0],
            staff: 1,
            kinds: vec!["horse".into()],
        },
    ];
    let d = deploy(&net, &posts, &units).unwrap();
    let at = |post: usize| -> Vec<usize> {
        d.postings
            .iter()
            .filter(|p| p.post == post)
            .map(|p| p.unit)
            .collect()
    };
    assert_eq!(at(0), vec![1]);
    assert_eq!(at(1), vec![2, 3]);
    assert_eq!(d.short, vec![0, 0, 1]);
    // Latest arrival: the traffic unit's two blocks west (≈ 193 s at 36 km/h).
    assert!((d.makespan_s - 192.6).abs() < 1.5, "{}", d.makespan_s);
    let bad = deploy(
        &net,
        &[Post {
            position: [112.0, 30.0],
            staff: 0,
            kinds: vec![],
        }],
        &units,
    );
    assert!(matches!(bad, Err(RoadsError::InvalidPlanInput { field, .. }) if field == "posts"));
}

#[test]
fn the_suspects_reach_agrees_with_an_independent_dijkstra_and_grows_with_time() {
    use zhihui_roads::plan::reach;
    let net = town();
    // From a node, at a fixed speed: the times equal the independent Dijkstra's.
    let start = (net.node_count() / 2) as u32;
    let origin = net.node_position(start).unwrap();
    let t = reach::suspect_times(&net, origin, Some(50.0), u64::MAX);
    let want = fixed_speed_times(&net, start, 50.0);
    let mut reached = 0;
    for v in 0..net.node_count() {
        if want[v].is_finite() {
            reached += 1;
            let got = t[v] as f64 / 1000.0;
            // The origin snaps onto a segment ending at the node: at most a millisecond off.
            assert!(
                (got - want[v]).abs() <= 0.002,
                "node {v}: {got} vs {}",
                want[v]
            );
        } else {
            assert_eq!(t[v], u64::MAX, "node {v} reached by the planner only");
        }
    }
    assert!(reached > 100, "the town is connected ({reached} nodes)");
    // Areas at growing moments hold growing numbers of intersections; each is a closed ring;
    // the roads come earliest first, none after the last moment.
    let levels = reach::levels(60.0, 120.0, 240.0, 4);
    assert_eq!(levels.len(), 4);
    let (areas, roads) = reach::reach(&net, origin, Some(50.0), &levels, 100_000);
    let nodes: Vec<usize> = areas.iter().map(|a| a.nodes).collect();
    assert!(nodes.windows(2).all(|w| w[0] <= w[1]), "{nodes:?}");
    assert!(nodes[0] > 0);
    for a in &areas {
        assert_eq!(a.polygon.first(), a.polygon.last());
    }
    assert!(!roads.is_empty());
    assert!(roads.windows(2).all(|w| w[0][4] <= w[1][4]));
    assert!(roads.iter().all(|r| r[4] <= 240.0));
    // The cap keeps the earliest segments.
    let (_, few) = reach::reach(&net, origin, Some(50.0), &levels, 10);
    assert_eq!(few.len(), 10);
    assert_eq!(few[..], roads[..10]);
}
