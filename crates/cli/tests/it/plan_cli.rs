//! `zhihui plan intercept|blockade` from the shell: JSON answers and exit code 2 on bad input.

use crate::common;

use common::zhihui;
use serde_json::Value;

/// A main road along lat 30.0 from lon 112.00 to 112.10 at 36 km/h with a side street at every
/// 0.01° (so every interior node is an intersection); 0.01° ≈ 963 m ≈ 96 s.
fn corridor() -> String {
    let main: Vec<String> = (0..=10)
        .map(|i| format!("[{:.2},30.0]", 112.0 + i as f64 * 0.01))
        .collect();
    let mut feats = vec![format!(
        r#"{{"type":"Feature","properties":{{"speed_kmh":36,"name":"长江大道"}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#,
        main.join(",")
    )];
    for i in 1..10 {
        let x = 112.0 + i as f64 * 0.01;
        feats.push(format!(
            r#"{{"type":"Feature","properties":{{"speed_kmh":36}},"geometry":{{"type":"LineString","coordinates":[[{x:.2},30.0],[{x:.2},30.002]]}}}}"#
        ));
    }
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        feats.join(",")
    )
}

fn points(pts: &[(&str, f64, f64)]) -> String {
    let f: Vec<String> = pts
        .iter()
        .map(|(id, lon, lat)| {
            format!(
                r#"{{"type":"Feature","properties":{{"id":"{id}"}},"geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        f.join(",")
    )
}

struct Files {
    _dir: tempfile::TempDir,
    roads: String,
    units: String,
    exits: String,
    none: String,
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    Files {
        roads: w("city.geojson", corridor()),
        units: w(
            "units.geojson",
            points(&[("西1", 112.0, 30.0), ("东1", 112.10, 30.0)]),
        ),
        exits: w(
            "exits.geojson",
            points(&[("西口", 112.0, 30.0), ("东口", 112.10, 30.0)]),
        ),
        none: w("none.geojson", points(&[])),
        _dir: dir,
    }
}

fn json_out(args: &[&str]) -> Value {
    let out = zhihui(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn intercept_prints_a_complete_cordon_with_unit_ids_and_times() {
    let f = files();
    let v = json_out(&[
        "plan",
        "intercept",
        "--roads",
        &f.roads,
        "--units",
        &f.units,
        "--origin",
        "112.05,30.0",
        "--head-start-s",
        "0",
        "--exits",
        &f.exits,
    ]);
    assert_eq!(v["complete"], true, "{v}");
    let mut cordon: Vec<(f64, String)> = v["cordon"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(
                c["unit_arrival_s"].as_f64().unwrap() <= c["suspect_earliest_s"].as_f64().unwrap()
            );
            (
                (c["lon"].as_f64().unwrap() * 100.0).round() / 100.0,
                c["unit"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    cordon.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(
        cordon,
        vec![(112.02, "西1".to_owned()), (112.08, "东1".to_owned())]
    );
    assert!(v["open_routes"].as_array().unwrap().is_empty());
    let closing = v["closing_s"].as_f64().unwrap();
    assert!((closing - 2.0 * 96.3).abs() < 2.0, "{closing}");
    assert!(v["enclosed_nodes"].as_u64().unwrap() > 0);

    // Twice as fast as the units (48 s a block), with a 250 s head start: the suspect is at both
    // ends (5 blocks, 241 s) before any unit moves.
    let v = json_out(&[
        "plan",
        "intercept",
        "--roads",
        &f.roads,
        "--units",
        &f.units,
        "--origin",
        "112.05,30.0",
        "--head-start-s",
        "250",
        "--suspect-speed-kmh",
        "72",
        "--exits",
        &f.exits,
        "--routes",
    ]);
    assert_eq!(v["complete"], false, "{v}");
    let open = v["open_routes"].as_array().unwrap();
    assert_eq!(open.len(), 2, "{v}");
    assert!(open
        .iter()
        .all(|o| o["path"].as_array().unwrap().len() >= 2));
}

#[test]
fn blockade_prints_the_optimal_assignment() {
    let f = files();
    let dir = tempfile::tempdir().unwrap();
    let pts = dir.path().join("pts.geojson");
    std::fs::write(&pts, points(&[("A", 112.03, 30.0), ("B", 112.09, 30.0)])).unwrap();
    let v = json_out(&[
        "plan",
        "blockade",
        "--roads",
        &f.roads,
        "--units",
        &f.units,
        "--points",
        pts.to_str().unwrap(),
    ]);
    let a = v["assignments"].as_array().unwrap();
    assert_eq!(a.len(), 2);
    let pairs: Vec<(&str, &str)> = a
        .iter()
        .map(|x| (x["point"].as_str().unwrap(), x["unit"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs, vec![("A", "西1"), ("B", "东1")]);
    // West unit: 3 blocks; east unit: 1 block. Makespan is the west unit's drive.
    let makespan = v["makespan_s"].as_f64().unwrap();
    assert!((makespan - 3.0 * 96.3).abs() < 2.0, "{makespan}");
    assert_eq!(v["unassigned_points"].as_array().unwrap().len(), 0);
}

#[test]
fn bad_plan_input_names_the_problem_and_exits_2() {
    let f = files();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "plan",
                "intercept",
                "--roads",
                &f.roads,
                "--units",
                &f.none,
                "--origin",
                "112.05,30.0",
            ],
            "units",
        ),
        (
            vec![
                "plan",
                "intercept",
                "--roads",
                &f.roads,
                "--units",
                &f.units,
                "--origin",
                "120.0,40.0",
            ],
            "origin",
        ),
        (
            vec![
                "plan",
                "intercept",
                "--roads",
                &f.roads,
                "--units",
                &f.units,
                "--origin",
                "999,30",
            ],
            "LON,LAT",
        ),
        (
            vec![
                "plan",
                "intercept",
                "--roads",
                &f.roads,
                "--units",
                &f.units,
                "--origin",
                "112.05,30.0",
                "--head-start-s",
                "-3",
            ],
            "head-start",
        ),
        (
            vec![
                "plan",
                "intercept",
                "--roads",
                &f.roads,
                "--units",
                &f.units,
                "--origin",
                "112.05,30.0",
                "--suspect-speed-kmh",
                "0",
            ],
            "suspect_speed_kmh",
        ),
        (
            vec![
                "plan",
                "intercept",
                "--roads",
                &f.roads,
                "--units",
                &f.units,
                "--origin",
                "112.05,30.0",
                "--exits",
                &f.none,
            ],
            "exits",
        ),
        (
            vec![
                "plan", "blockade", "--roads", &f.roads, "--units", &f.units, "--points", &f.none,
            ],
            "points",
        ),
        (
            vec![
                "plan", "blockade", "--roads", &f.roads, "--units", &f.none, "--points", &f.units,
            ],
            "units",
        ),
        (
            vec![
                "plan", "blockade", "--roads", &f.roads, "--units", &f.roads, "--points", &f.units,
            ],
            "Point",
        ),
        (
            vec![
                "plan",
                "blockade",
                "--roads",
                "/nonexistent.geojson",
                "--units",
                &f.units,
                "--points",
                &f.units,
            ],
            "nonexistent",
        ),
    ];
    for (args, needle) in cases {
        let out = zhihui(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
