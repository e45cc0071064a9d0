use crate::common;

use std::sync::OnceLock;
use std::time::Instant;

use common::{shared_roads, Rng};
use proptest::prelude::*;
use zhihui_roads::{Direction, ImportOptions, Profile, RoadNetwork, RoadsError};

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

/// Every `*.osm.pbf` extract in the shared data folder, imported once for all cases.
fn extracts() -> &'static [(String, RoadNetwork)] {
    static NETS: OnceLock<Vec<(String, RoadNetwork)>> = OnceLock::new();
    NETS.get_or_init(|| {
        let Some(dir) = shared_roads() else {
            return Vec::new();
        };
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.to_string_lossy().ends_with(".osm.pbf"))
            .collect();
        files.sort();
        let nets: Vec<_> = files
            .into_iter()
            .map(|f| {
                let name = f.file_name().unwrap().to_string_lossy().into_owned();
                let net = RoadNetwork::load(&f).unwrap_or_else(|e| panic!("{name}: {e}"));
                (name, net)
            })
            .collect();
        assert!(!nets.is_empty(), "no .osm.pbf in {}", dir.display());
        nets
    })
}

proptest! {
    // Each case: 4 random pairs on every extract, every profile (Dijkstra runs unoptimized
    // in test builds, so cases are few).
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Routes, matrices, one-to-many, nearest_k and the PHAST tables between random points of
    /// every shared extract equal plain Dijkstra.
    #[test]
    fn every_extract_fast_equals_dijkstra(
        pts in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0), 8),
    ) {
        for (name, net) in extracts() {
            let b = net.bbox();
            let snaps: Vec<_> = pts
                .iter()
                .map(|&(x, y)| net.snap(b[0] + x * (b[2] - b[0]), b[1] + y * (b[3] - b[1])).unwrap())
                .collect();
            let (from, to) = snaps.split_at(4);
            for p in Profile::ALL {
                let m = net.matrix(p, from, to);
                let all_to = net.many_to_all(p, to, Direction::Backward);
                for (i, f) in from.iter().enumerate() {
                    let otm = net.one_to_many(p, f, to);
                    let fwd = net.one_to_all(p, f);
                    let fwd_dij = net.one_to_all_dijkstra(p, f);
                    prop_assert_eq!(fwd.millis(), fwd_dij.millis(), "{} {:?} one_to_all", name, p);
                    for (j, t) in to.iter().enumerate() {
                        let slow = net.route_dijkstra(p, f, t);
                        let want = slow.as_ref().map(|r| r.seconds);
                        let fast = net.route(p, f, t);
                        prop_assert_eq!(fast.as_ref().map(|r| r.seconds), want, "{} {:?} route", name, p);
                        prop_assert_eq!(m.seconds[i][j], want, "{} {:?} matrix", name, p);
                        prop_assert_eq!(otm[j].map(|x| x.0), want, "{} {:?} one_to_many", name, p);
                        prop_assert_eq!(fwd.seconds_at(net, t), want, "{} {:?} one_to_all", name, p);
                        prop_assert_eq!(all_to[j].seconds_at(net, f), want, "{} {:?} all_to_one", name, p);
                        if let (Some(a), Some(b)) = (&fast, &slow) {
                            // Equal-time alternatives may differ in length; sanity-check only.
                            prop_assert!((a.meters - b.meters).abs() <= 0.05 * b.meters.max(100.0));
                        }
                    }
                }
                for (j, t) in to.iter().enumerate() {
                    let dij = net.all_to_one_dijkstra(p, t);
                    prop_assert_eq!(all_to[j].millis(), dij.millis(), "{} {:?} all_to_one", name, p);
                    let near = net.nearest_k(p, t, from, 2);
                    for (i, secs, _) in near {
                        prop_assert_eq!(Some(secs), m.seconds[i][j], "{} {:?} nearest_k", name, p);
                    }
                }
            }
        }
    }
}

#[test]
fn most_random_pairs_on_the_extracts_are_routable() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for (name, net) in extracts() {
        let b = net.bbox();
        let mut pt = || {
            net.snap_for(
                Profile::Car,
                b[0] + rng.unit() * (b[2] - b[0]),
                b[1] + rng.unit() * (b[3] - b[1]),
            )
            .unwrap()
        };
        let pairs: Vec<_> = (0..20).map(|_| (pt(), pt())).collect();
        let ok = pairs
            .iter()
            .filter(|(f, t)| net.route(Profile::Car, f, t).is_some())
            .count();
        // Helsinki's extract is mostly footways with a few disconnected car islands.
        let min = if name.starts_with("helsinki") { 2 } else { 10 };
        assert!(ok >= min, "{name}: only {ok} of 20 random pairs routable");
    }
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

/// Broken PBF input that needs no shared data: each is refused with `RoadsError::Pbf` (never a
/// panic), and the message says what is wrong.
#[test]
fn synthetic_broken_pbf_is_refused_with_a_message() {
    let tmp = std::env::temp_dir().join(format!("zhihui-roads-badpbf-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let cases: [(&str, Vec<u8>); 4] = [
        // A BlobHeader length, then nothing.
        ("header-only", vec![0, 0, 0, 13]),
        // A BlobHeader length of 4 GiB - 1.
        ("huge-header", vec![0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
        // A plausible length followed by bytes that are not a BlobHeader.
        ("garbage", [vec![0, 0, 0, 20], vec![0xa5; 40]].concat()),
        ("text", b"this is not a protobuf file at all".to_vec()),
    ];
    for (name, bytes) in cases {
        let p = tmp.join(format!("{name}.osm.pbf"));
        std::fs::write(&p, bytes).unwrap();
        match RoadNetwork::load(&p) {
            Err(e @ RoadsError::Pbf(_)) => {
                let msg = e.to_string();
                assert!(msg.starts_with("invalid OSM PBF data: "), "{name}: {msg}");
                assert!(msg.len() > "invalid OSM PBF data: ".len(), "{name}: {msg}");
            }
            Err(e @ RoadsError::EmptyNetwork) if name == "text" => {
                assert_eq!(e.to_string(), "the input contains no usable road");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
}

/// What a user sees for each kind of refused input: the CLI prints these (exit code 2).
#[test]
fn refusal_messages_name_the_problem() {
    let e = RoadNetwork::from_geojson_str("{\"type\":").unwrap_err();
    assert!(e.to_string().starts_with("invalid JSON: "), "{e}");
    let e = RoadNetwork::from_geojson_str(r#"{"type":"Feature"}"#).unwrap_err();
    assert!(e.to_string().starts_with("invalid GeoJSON: "), "{e}");
    let e = RoadNetwork::from_geojson_str(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
        "geometry":{"type":"LineString","coordinates":[[0,0],[200.5,0]]}}]}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "coordinate out of range in feature 0: lon 200.5, lat 0"
    );
    let e =
        RoadNetwork::from_geojson_str(r#"{"type":"FeatureCollection","features":[]}"#).unwrap_err();
    assert_eq!(e.to_string(), "the input contains no usable road");
}
