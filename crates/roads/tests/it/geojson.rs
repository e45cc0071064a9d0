use serde_json::json;
use zhihui_roads::{haversine_m, Highway, Profile, RoadNetwork, RoadsError};

fn line(coords: serde_json::Value, props: serde_json::Value) -> serde_json::Value {
    json!({"type":"Feature","properties":props,"geometry":{"type":"LineString","coordinates":coords}})
}

fn fc(features: Vec<serde_json::Value>) -> String {
    json!({"type":"FeatureCollection","features":features}).to_string()
}

/// A 1 km east-west segment at the equator-ish latitude 30.
fn one_km() -> (f64, f64, f64) {
    let lat: f64 = 30.0;
    let dlon = 1000.0 / (6_371_008.8 * lat.to_radians().cos()).to_radians_inv();
    (112.0, 112.0 + dlon, lat)
}

trait Inv {
    fn to_radians_inv(self) -> f64;
}
impl Inv for f64 {
    /// meters-per-degree helper: R*cos(lat) in meters per radian -> meters per degree.
    fn to_radians_inv(self) -> f64 {
        self * std::f64::consts::PI / 180.0
    }
}

#[test]
fn explicit_speed_is_exact_and_lengths_are_haversine() {
    let (x0, x1, y) = one_km();
    let net = RoadNetwork::from_geojson_str(&fc(vec![line(
        json!([[x0, y], [x1, y]]),
        json!({"speed_kmh": 36, "highway": "primary", "name": "人民路"}),
    )]))
    .unwrap();
    assert_eq!(net.node_count(), 2);
    assert_eq!(net.edge_count(), 2);
    let a = net.snap(x0, y).unwrap();
    let b = net.snap(x1, y).unwrap();
    let expect_m = haversine_m(x0, y, x1, y);
    assert!((expect_m - 1000.0).abs() < 0.01, "{expect_m}");
    for p in [Profile::Car, Profile::Police] {
        let r = net.route(p, &a, &b).unwrap();
        assert!((r.meters - expect_m).abs() < 0.01);
        // 36 km/h = 10 m/s, exactly, for both vehicle profiles.
        assert!((r.seconds - 100.0).abs() < 0.002, "{p:?} {}", r.seconds);
    }
    let walk = net.route(Profile::Foot, &a, &b).unwrap();
    assert!((walk.seconds - 720.0).abs() < 0.01);
    assert_eq!(a.name.as_deref(), Some("人民路"));
}

#[test]
fn class_default_speeds_and_police_factor() {
    let (x0, x1, y) = one_km();
    let net = RoadNetwork::from_geojson_str(&fc(vec![line(
        json!([[x0, y], [x1, y]]),
        json!({"highway": "residential"}),
    )]))
    .unwrap();
    let a = net.snap(x0, y).unwrap();
    let b = net.snap(x1, y).unwrap();
    let car = net.route(Profile::Car, &a, &b).unwrap().seconds;
    let police = net.route(Profile::Police, &a, &b).unwrap().seconds;
    assert!((car - 120.0).abs() < 0.01, "{car}"); // 30 km/h
    assert!((police - 120.0 / 1.3).abs() < 0.01, "{police}");
    assert_eq!(net.road_highway(0), Some(Highway::Residential));
}

#[test]
fn snapping_mid_segment_costs_half() {
    let (x0, x1, y) = one_km();
    let net = RoadNetwork::from_geojson_str(&fc(vec![line(
        json!([[x0, y], [x1, y]]),
        json!({"speed_kmh": 36}),
    )]))
    .unwrap();
    let mid = net.snap((x0 + x1) / 2.0, y + 0.0001).unwrap();
    // Node coordinates are rounded to 1e-7 degrees, so the midpoint is off by ~1e-5.
    assert!((mid.fraction - 0.5).abs() < 1e-4, "{}", mid.fraction);
    assert!((mid.distance_m - 11.1).abs() < 0.2, "{}", mid.distance_m);
    let a = net.snap(x0, y).unwrap();
    let b = net.snap(x1, y).unwrap();
    for (from, to) in [(&mid, &b), (&mid, &a), (&a, &mid), (&b, &mid)] {
        let r = net.route(Profile::Car, from, to).unwrap();
        assert!((r.seconds - 50.0).abs() < 0.01, "{}", r.seconds);
        assert!((r.meters - 500.0).abs() < 0.1, "{}", r.meters);
        let d = net.route_dijkstra(Profile::Car, from, to).unwrap();
        assert_eq!(r.seconds, d.seconds);
        assert_eq!(r.geometry.first(), Some(&[from.lon, from.lat]));
        assert_eq!(r.geometry.last(), Some(&[to.lon, to.lat]));
    }
}

/// Square block: a one-way street on the south side (west->east), the rest two-way.
fn block() -> RoadNetwork {
    let s = 0.01;
    RoadNetwork::from_geojson_str(&fc(vec![
        line(
            json!([[0.0, 0.0], [s, 0.0]]),
            json!({"oneway": "yes", "speed_kmh": 50, "name": "单行路"}),
        ),
        line(
            json!([[s, 0.0], [s, s], [0.0, s], [0.0, 0.0]]),
            json!({"speed_kmh": 50, "name": "环路"}),
        ),
    ]))
    .unwrap()
}

#[test]
fn one_way_is_respected() {
    let net = block();
    assert_eq!(net.component_count(), 1);
    let a = net.snap(0.001, 0.0).unwrap();
    let b = net.snap(0.009, 0.0).unwrap();
    assert_eq!(a.segment, b.segment);
    let ab = net.route(Profile::Car, &a, &b).unwrap();
    let ba = net.route(Profile::Car, &b, &a).unwrap();
    assert!(
        ba.seconds > 2.5 * ab.seconds,
        "{} vs {}",
        ba.seconds,
        ab.seconds
    );
    assert_eq!(ab.geometry.len(), 2);
    assert!(ba.geometry.len() >= 6);
    // Walking ignores one-way.
    let fa = net.route(Profile::Foot, &b, &a).unwrap();
    assert!((fa.meters - ab.meters).abs() < 0.01);
    for p in [Profile::Car, Profile::Police, Profile::Foot] {
        assert_eq!(
            net.route(p, &b, &a).map(|r| r.seconds),
            net.route_dijkstra(p, &b, &a).map(|r| r.seconds)
        );
    }
    // "-1" reverses.
    let rev = RoadNetwork::from_geojson_str(&fc(vec![
        line(json!([[0.0, 0.0], [0.01, 0.0]]), json!({"oneway": "-1"})),
        line(
            json!([[0.01, 0.0], [0.01, 0.01], [0.0, 0.01], [0.0, 0.0]]),
            json!({}),
        ),
    ]))
    .unwrap();
    let a = rev.snap(0.001, 0.0).unwrap();
    let b = rev.snap(0.009, 0.0).unwrap();
    let ab = rev.route(Profile::Car, &a, &b).unwrap();
    let ba = rev.route(Profile::Car, &b, &a).unwrap();
    assert!(ab.seconds > 2.5 * ba.seconds);
}

#[test]
fn queries_agree() {
    let net = block();
    let pts: Vec<_> = [(0.005, 0.0), (0.01, 0.004), (0.003, 0.01), (0.0, 0.008)]
        .iter()
        .map(|&(x, y)| net.snap(x, y).unwrap())
        .collect();
    let m = net.matrix(Profile::Car, &pts, &pts);
    for (i, from) in pts.iter().enumerate() {
        let otm = net.one_to_many(Profile::Car, from, &pts);
        let dij = net.one_to_many_dijkstra(Profile::Car, from, &pts);
        for (j, to) in pts.iter().enumerate() {
            let r = net.route(Profile::Car, from, to).map(|r| r.seconds);
            assert_eq!(r, m.seconds[i][j]);
            assert_eq!(r, otm[j].map(|x| x.0));
            assert_eq!(r, dij[j].map(|x| x.0));
        }
    }
    let near = net.nearest_k(Profile::Car, &pts[0], &pts[1..], 2);
    assert_eq!(near.len(), 2);
    assert!(near[0].1 <= near[1].1);
    let iso = net.isochrone(Profile::Car, &pts[0], 60.0);
    assert!(!iso.nodes.is_empty());
    assert!(iso.nodes.iter().all(|&(_, s)| s <= 60.0));
    assert_eq!(iso.polygon.first(), iso.polygon.last());
}

#[test]
fn shared_coordinates_join_roads_and_multilinestring_works() {
    let net = RoadNetwork::from_geojson_str(&fc(vec![
        line(json!([[1.0, 1.0], [1.001, 1.0]]), json!({"name": "中山路"})),
        // Differs only beyond the 7th decimal: the same intersection.
        line(json!([[1.00100000004, 1.0], [1.002, 1.0]]), json!({"name": "中山路"})),
        json!({"type":"Feature","properties":{"name":"建设街"},"geometry":{"type":"MultiLineString",
            "coordinates":[[[1.0, 1.0],[1.0, 1.001]], [[5.0, 5.0],[5.0, 5.001]]]}}),
        json!({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[3.0, 3.0]}}),
        json!({"type":"Feature","properties":{},"geometry":null}),
    ]))
    .unwrap();
    assert_eq!(net.node_count(), 6);
    assert_eq!(net.component_count(), 2);
    assert_eq!(net.road_names(), vec!["中山路", "建设街"]);
    let hits = net.find_by_name("中山");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0, "中山路");
    assert!(net.find_by_name("xyz").is_empty());
    assert_eq!(net.bbox(), [1.0, 1.0, 5.0, 5.001]);
    let gj: serde_json::Value = serde_json::from_str(&net.roads_geojson()).unwrap();
    let f = gj["features"].as_array().unwrap();
    assert_eq!(f.len(), 4);
    assert_eq!(f[0]["properties"]["name"], "中山路");
    assert_eq!(f[0]["properties"]["highway"], "road");
    assert_eq!(f[0]["geometry"]["type"], "LineString");
    let a = net.snap(1.0, 1.0).unwrap();
    let b = net.snap(5.0, 5.0).unwrap();
    assert!(net.route(Profile::Car, &a, &b).is_none());
}

#[test]
fn errors_are_specific() {
    assert!(matches!(
        RoadNetwork::from_geojson_str("{not json"),
        Err(RoadsError::Json(_))
    ));
    assert!(matches!(
        RoadNetwork::from_geojson_str(r#"{"type":"Feature"}"#),
        Err(RoadsError::InvalidGeoJson(_))
    ));
    assert!(matches!(
        RoadNetwork::from_geojson_str(&fc(vec![])),
        Err(RoadsError::EmptyNetwork)
    ));
    assert!(matches!(
        RoadNetwork::from_geojson_str(&fc(vec![line(json!([[1.0, 1.0], [1.0, 1.0]]), json!({}))])),
        Err(RoadsError::EmptyNetwork)
    ));
    for bad in [
        json!([[181.0, 0.0], [0.0, 0.0]]),
        json!([[0.0, -90.5], [0.0, 0.0]]),
    ] {
        let e = RoadNetwork::from_geojson_str(&fc(vec![line(bad, json!({}))])).unwrap_err();
        assert!(
            matches!(e, RoadsError::CoordinateOutOfRange { feature: 0, .. }),
            "{e}"
        );
    }
    // 1e999 overflows f64: serde_json rejects it as invalid JSON rather than yielding inf.
    let e = RoadNetwork::from_geojson_str(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
        "geometry":{"type":"LineString","coordinates":[[1e999,0],[0,0]]}}]}"#,
    )
    .unwrap_err();
    assert!(matches!(
        e,
        RoadsError::Json(_) | RoadsError::CoordinateOutOfRange { .. }
    ));
    let e = RoadNetwork::from_geojson_str(&fc(vec![line(
        json!([[0.0, 0.0], [0.1, 0.0]]),
        json!({"speed_kmh": -3}),
    )]))
    .unwrap_err();
    assert!(matches!(e, RoadsError::InvalidGeoJson(_)));
    assert!(!e.to_string().is_empty());
    assert!(matches!(
        RoadNetwork::load("/nonexistent/x.geojson"),
        Err(RoadsError::Io { .. })
    ));
    assert!(matches!(
        RoadNetwork::load("/tmp/x.shp"),
        Err(RoadsError::UnsupportedFormat(_))
    ));
}

#[test]
fn foreign_snap_is_rejected_not_panicking() {
    let net = block();
    let mut s = net.snap(0.005, 0.0).unwrap();
    s.segment = 999;
    let ok = net.snap(0.0, 0.005).unwrap();
    assert!(net.route(Profile::Car, &s, &ok).is_none());
    assert_eq!(net.one_to_many(Profile::Car, &ok, &[s.clone()]), vec![None]);
    assert!(net.isochrone(Profile::Car, &s, 100.0).nodes.is_empty());
    assert!(net.snap(f64::NAN, 0.0).is_none());
}
