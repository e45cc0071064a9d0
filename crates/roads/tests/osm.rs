mod common;

use std::time::Instant;

use common::{shared_roads, Rng};
use zhihui_roads::{ImportOptions, Profile, RoadNetwork, RoadsError};

#[test]
fn shared_extracts_import_with_plausible_sizes() {
    let Some(dir) = shared_roads() else { return };
    // (file, min nodes, max nodes): generous bounds around the drivable network of each extract.
    for (f, lo, hi) in [
        ("liechtenstein.osm.pbf", 5_000, 400_000),
        ("monaco.osm.pbf", 500, 100_000),
        ("helsinki.osm.pbf", 1_000, 400_000),
    ] {
        let t = Instant::now();
        let net = RoadNetwork::load(dir.join(f)).unwrap();
        println!(
            "{f}: {} nodes, {} edges, {} roads, {} components, {:?}",
            net.node_count(),
            net.edge_count(),
            net.road_count(),
            net.component_count(),
            t.elapsed()
        );
        assert!(
            (lo..hi).contains(&net.node_count()),
            "{f}: {}",
            net.node_count()
        );
        assert!(net.edge_count() >= net.node_count());
        assert!(net.road_names().len() > 10);
        let b = net.bbox();
        assert!(b[0] < b[2] && b[1] < b[3]);
        let gj: serde_json::Value = serde_json::from_str(&net.roads_geojson()).unwrap();
        assert_eq!(gj["features"].as_array().unwrap().len(), net.road_count());
    }
}

#[test]
fn foot_ways_option_adds_paths() {
    let Some(dir) = shared_roads() else { return };
    let p = dir.join("monaco.osm.pbf");
    let car = RoadNetwork::load(&p).unwrap();
    let foot = RoadNetwork::from_osm_pbf(&p, &ImportOptions { foot_ways: true }).unwrap();
    assert!(foot.node_count() > car.node_count());
}

fn fast_equals_dijkstra(file: &str, pairs: usize) {
    let Some(dir) = shared_roads() else { return };
    let net = RoadNetwork::load(dir.join(file)).unwrap();
    let b = net.bbox();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let pt = |rng: &mut Rng| {
        net.snap(
            b[0] + rng.unit() * (b[2] - b[0]),
            b[1] + rng.unit() * (b[3] - b[1]),
        )
        .unwrap()
    };
    let mut found = 0;
    for p in Profile::ALL {
        let froms: Vec<_> = (0..pairs).map(|_| pt(&mut rng)).collect();
        let tos: Vec<_> = (0..pairs).map(|_| pt(&mut rng)).collect();
        for (f, t) in froms.iter().zip(&tos) {
            let fast = net.route(p, f, t);
            let slow = net.route_dijkstra(p, f, t);
            assert_eq!(
                fast.as_ref().map(|r| r.seconds),
                slow.as_ref().map(|r| r.seconds),
                "{p:?}"
            );
            if let (Some(a), Some(b)) = (&fast, &slow) {
                found += 1;
                // Equal-time alternatives may differ in length; only sanity-check meters.
                assert!((a.meters - b.meters).abs() <= 0.05 * b.meters.max(100.0));
            }
        }
        let m = net.matrix(p, &froms[..8], &tos[..8]);
        for (i, from) in froms[..8].iter().enumerate() {
            let d = net.one_to_many_dijkstra(p, from, &tos[..8]);
            for (j, want) in d.iter().enumerate() {
                assert_eq!(m.seconds[i][j], want.map(|x| x.0), "{p:?} matrix {i} {j}");
            }
        }
    }
    assert!(
        found > pairs,
        "most random pairs should be routable, got {found}"
    );
}

#[test]
fn liechtenstein_fast_equals_dijkstra() {
    fast_equals_dijkstra("liechtenstein.osm.pbf", 25);
}

#[test]
fn monaco_fast_equals_dijkstra() {
    fast_equals_dijkstra("monaco.osm.pbf", 25);
}

#[test]
fn truncated_or_garbage_pbf_is_an_error() {
    let Some(dir) = shared_roads() else { return };
    let bytes = std::fs::read(dir.join("monaco.osm.pbf")).unwrap();
    let tmp = std::env::temp_dir().join(format!("zhihui-roads-trunc-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    for (i, cut) in [bytes.len() * 2 / 3, bytes.len() / 3, 100, 7]
        .into_iter()
        .enumerate()
    {
        let p = tmp.join(format!("cut{i}.osm.pbf"));
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let e = RoadNetwork::load(&p).unwrap_err();
        assert!(matches!(e, RoadsError::Pbf(_)), "cut at {cut}: {e:?}");
    }
    let mut garbage = bytes.clone();
    for b in garbage.iter_mut().skip(200).step_by(97) {
        *b ^= 0x5a;
    }
    let p = tmp.join("garbage.osm.pbf");
    std::fs::write(&p, &garbage).unwrap();
    assert!(RoadNetwork::load(&p).is_err());
    let p = tmp.join("empty.pbf");
    std::fs::write(&p, b"").unwrap();
    assert!(matches!(
        RoadNetwork::load(&p),
        Err(RoadsError::EmptyNetwork | RoadsError::Pbf(_))
    ));
    std::fs::remove_dir_all(&tmp).ok();
}
