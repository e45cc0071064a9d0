use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::{Highway, Profile, RoadNetwork};

fn cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every node reachable by car from spread-out points on both river banks.
fn strongly_connected(net: &RoadNetwork) {
    let b = net.bbox();
    for i in 0..12 {
        let (fx, fy) = ((i as f64 * 0.618).fract(), (i as f64 * 0.377 + 0.1).fract());
        let s = net
            .snap(b[0] + fx * (b[2] - b[0]), b[1] + fy * (b[3] - b[1]))
            .unwrap();
        let iso = net.isochrone(Profile::Car, &s, 1e7);
        assert_eq!(iso.nodes.len(), net.node_count(), "from {:?}", s.name);
    }
}

fn check(net: &RoadNetwork, target: usize) {
    let n = net.node_count();
    assert!(
        (n as f64 - target as f64).abs() <= 0.1 * target as f64,
        "{n} nodes for target {target}"
    );
    assert_eq!(net.component_count(), 1);
    let names = net.road_names();
    assert!(names.len() > 10);
    assert!(names.iter().all(|n| cjk(n)), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with("路")));
    assert!(names.iter().any(|n| n.ends_with("街")));
    assert!(names.iter().any(|n| n.ends_with("大桥")));
    strongly_connected(net);
}

#[test]
fn demo_city_is_connected_named_and_deterministic() {
    let p = GenParams {
        seed: 7,
        target_nodes: 5_000,
        ..GenParams::default()
    };
    let net = city(p.clone()).unwrap();
    check(&net, 5_000);
    let again = city(p).unwrap();
    assert_eq!(net.to_zroads_bytes(), again.to_zroads_bytes());
    let other = city(GenParams {
        seed: 8,
        target_nodes: 5_000,
        ..GenParams::default()
    })
    .unwrap();
    assert_ne!(net.to_zroads_bytes(), other.to_zroads_bytes());

    // Around Jingzhou.
    let b = net.bbox();
    assert!(b[0] < 112.24 && 112.24 < b[2] && b[1] < 30.33 && 30.33 < b[3]);
    strongly_connected(&net);
    // Arterials, one-way couplets and a few bridges are there.
    let gj: serde_json::Value = serde_json::from_str(&net.roads_geojson()).unwrap();
    let classes: Vec<&str> = gj["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["highway"].as_str().unwrap())
        .collect();
    assert!(classes.contains(&Highway::Primary.as_str()));
    assert!(classes.contains(&Highway::Residential.as_str()));
    let bridges = net
        .road_names()
        .iter()
        .filter(|n| n.ends_with("大桥"))
        .count();
    assert!((2..=6).contains(&bridges), "{bridges} bridges");
    assert!(!net.find_by_name("大道").is_empty());
}

#[test]
fn sizes_within_ten_percent() {
    for t in [3_000, 10_000, 50_000] {
        let net = city(GenParams {
            target_nodes: t,
            seed: t as u64,
            ..GenParams::default()
        })
        .unwrap();
        check(&net, t);
    }
}

#[test]
fn river_forces_bridges() {
    let with = city(GenParams {
        target_nodes: 10_000,
        ..GenParams::default()
    })
    .unwrap();
    let without = city(GenParams {
        target_nodes: 10_000,
        river: false,
        ..GenParams::default()
    })
    .unwrap();
    // Points just across the river from each other: the river makes the trip longer.
    let lon = 112.24 + 0.003;
    let south = 30.33 - 0.012;
    let north = 30.33 + 0.012;
    let t = |net: &RoadNetwork| {
        let a = net.snap(lon, south).unwrap();
        let b = net.snap(lon, north).unwrap();
        net.route(Profile::Car, &a, &b).unwrap().meters
    };
    assert!(t(&with) >= t(&without));
}

#[test]
fn shared_across_threads() {
    let net = std::sync::Arc::new(city(GenParams::default()).unwrap());
    let b = net.bbox();
    let a = net.snap(b[0], b[1]).unwrap();
    let z = net.snap(b[2], b[3]).unwrap();
    let want = net.route_dijkstra(Profile::Police, &a, &z).unwrap().seconds;
    // The hierarchy is built lazily by whichever thread asks first; all must agree.
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (net, a, z) = (net.clone(), a.clone(), z.clone());
            std::thread::spawn(move || net.route(Profile::Police, &a, &z).unwrap().seconds)
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), want);
    }
}
