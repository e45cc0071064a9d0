use crate::common;

use serde_json::json;
use zhihui_roads::{Profile, RoadNetwork, RoadsError};

fn sample() -> RoadNetwork {
    let fc = json!({"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"name":"解放大道","highway":"primary","oneway":"yes"},
         "geometry":{"type":"LineString","coordinates":[[112.0,30.0],[112.01,30.0],[112.02,30.001]]}},
        {"type":"Feature","properties":{"name":"江汉北路","speed_kmh":20},
         "geometry":{"type":"LineString","coordinates":[[112.02,30.001],[112.0,30.0]]}},
        {"type":"Feature","properties":{"highway":"footway"},
         "geometry":{"type":"LineString","coordinates":[[112.0,30.0],[112.0,30.01]]}}
    ]});
    RoadNetwork::from_geojson_str(&fc.to_string()).unwrap()
}

fn same(a: &RoadNetwork, b: &RoadNetwork) {
    assert_eq!(a.node_count(), b.node_count());
    assert_eq!(a.edge_count(), b.edge_count());
    assert_eq!(a.bbox(), b.bbox());
    assert_eq!(a.roads_geojson(), b.roads_geojson());
    let p = a.bbox();
    let (s, t) = (a.snap(p[0], p[1]).unwrap(), a.snap(p[2], p[3]).unwrap());
    for pr in Profile::ALL {
        assert_eq!(a.route(pr, &s, &t), b.route(pr, &s, &t));
    }
}

#[test]
fn round_trip_bytes_and_file() {
    let net = sample();
    let bytes = net.to_zroads_bytes();
    let back = RoadNetwork::from_zroads_bytes(&bytes).unwrap();
    same(&net, &back);
    assert_eq!(back.to_zroads_bytes(), bytes);
    let dir = std::env::temp_dir().join(format!("zhihui-roads-z-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("city.zroads");
    net.save_zroads(&p).unwrap();
    same(&net, &RoadNetwork::load(&p).unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn corruption_is_detected() {
    let bytes = sample().to_zroads_bytes();
    // Every single-byte flip past the magic must be rejected, never accepted or panicking.
    for i in 8..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        let e = RoadNetwork::from_zroads_bytes(&b).unwrap_err();
        assert!(
            matches!(
                e,
                RoadsError::Corrupt(_) | RoadsError::UnsupportedVersion { .. }
            ),
            "byte {i}: {e:?}"
        );
    }
    for cut in [0, 5, 8, 20, 24, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            RoadNetwork::from_zroads_bytes(&bytes[..cut]).is_err(),
            "cut {cut}"
        );
    }
    let mut b = bytes.clone();
    b[0] = b'X';
    assert!(matches!(
        RoadNetwork::from_zroads_bytes(&b),
        Err(RoadsError::NotZroads)
    ));
    let mut b = bytes.clone();
    b[8..12].copy_from_slice(&0u32.to_le_bytes());
    let e = RoadNetwork::from_zroads_bytes(&b).unwrap_err();
    assert!(matches!(
        e,
        RoadsError::UnsupportedVersion {
            found: 0,
            supported: 1
        }
    ));
    assert!(e.to_string().contains("version"));
}

#[test]
fn liechtenstein_round_trip() {
    let Some(dir) = common::shared_roads() else {
        return;
    };
    let net = RoadNetwork::load(dir.join("liechtenstein.osm.pbf")).unwrap();
    let back = RoadNetwork::from_zroads_bytes(&net.to_zroads_bytes()).unwrap();
    same(&net, &back);
}
