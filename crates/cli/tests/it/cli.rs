//! The command line: user management, audit verification and input errors.

use crate::common;

use common::*;
use serde_json::json;

#[test]
fn short_passwords_and_unknown_roles_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let d = dir.path().to_str().unwrap();
    let out = zhihui_stdin(
        &["user", "add", "x", "--role", "dispatcher", "--data-dir", d],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10"));
    let out = zhihui_stdin(
        &["user", "add", "x", "--role", "emperor", "--data-dir", d],
        "long-enough-pw\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown role"));
    let out = zhihui_stdin(
        &[
            "user",
            "add",
            "x",
            "--role",
            "unit",
            "--org",
            "nowhere",
            "--data-dir",
            d,
        ],
        "long-enough-pw\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let out = zhihui_stdin(
        &["user", "add", "boss", "--role", "unit", "--data-dir", d],
        "long-enough-pw\n",
    );
    assert_eq!(out.status.code(), Some(2), "duplicate user");
    let out = zhihui(&[
        "user",
        "add",
        "y",
        "--role",
        "unit",
        "--data-dir",
        "/nonexistent/zz",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = zhihui(&["serve", "--listen", "not-an-address", "--data-dir", d]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn audit_verify_names_the_first_tampered_entry() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let d = dir.path().to_str().unwrap();
    let out = zhihui(&["audit", "verify", "--data-dir", d]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
    let c = rusqlite::Connection::open(dir.path().join("zhihui.db")).unwrap();
    c.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET outcome = 'denied' WHERE seq = 4;",
    )
    .unwrap();
    drop(c);
    let out = zhihui(&["audit", "verify", "--data-dir", d]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("entry 4"), "{text}");
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_owned()
}

/// A 3 km east-west main road with a one-way side street, 36 km/h everywhere.
const ROADS: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"人民路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.21,30.30],[112.22,30.30],[112.23,30.30]]}},
 {"type":"Feature","properties":{"name":"单行街","speed_kmh":36,"oneway":"yes"},"geometry":{"type":"LineString","coordinates":[[112.22,30.30],[112.22,30.31]]}}
]}"#;

#[test]
fn route_commands_answer_in_travel_time_order_and_refuse_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let roads = write(dir.path(), "city.geojson", ROADS);
    let units = write(
        dir.path(),
        "units.geojson",
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"id":"far"},"geometry":{"type":"Point","coordinates":[112.20,30.30]}},
        {"type":"Feature","properties":{"id":7},"geometry":{"type":"Point","coordinates":[112.215,30.30]}},
        {"type":"Feature","properties":{"id":"side"},"geometry":{"type":"Point","coordinates":[112.22,30.31]}}]}"#,
    );
    let out = zhihui(&[
        "route",
        "nearest",
        "--roads",
        &roads,
        "--units",
        &units,
        "--at",
        "112.22,30.30",
        "-k",
        "3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].to_string())
        .collect();
    // The unit at the end of the one-way street cannot drive back against it: unreachable.
    assert_eq!(ids, ["7", "\"far\""]);
    let secs = v[0]["seconds"].as_f64().unwrap();
    assert!(
        (secs - v[0]["meters"].as_f64().unwrap() / 10.0).abs() < 0.5,
        "{v}"
    );

    let out = zhihui(&[
        "route", "matrix", "--roads", &roads, "--from", &units, "--to", &units,
    ]);
    assert!(out.status.success());
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        m["seconds"][2][0],
        serde_json::Value::Null,
        "against the one-way: {m}"
    );
    assert!(m["seconds"][0][2].as_f64().unwrap() > 0.0);

    let zr = dir.path().join("city.zroads");
    let out = zhihui(&["roads", "build", &roads, "-o", zr.to_str().unwrap()]);
    assert!(out.status.success());
    let out = zhihui(&["roads", "info", zr.to_str().unwrap()]);
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["components"], 1);

    for bad in [
        vec![
            "route", "nearest", "--roads", &roads, "--units", &units, "--at", "112.2,95",
        ],
        vec![
            "route", "nearest", "--roads", &roads, "--units", &units, "--at", "here",
        ],
        vec![
            "route",
            "nearest",
            "--roads",
            &roads,
            "--units",
            &roads,
            "--at",
            "112.2,30.3",
        ],
        vec![
            "route",
            "matrix",
            "--roads",
            &roads,
            "--from",
            &units,
            "--to",
            &units,
            "--profile",
            "tank",
        ],
    ] {
        let out = zhihui(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty());
    }
    let broken = write(
        dir.path(),
        "broken.geojson",
        "{\"type\":\"FeatureCollection\",\"features\":[",
    );
    let out = zhihui(&["roads", "info", &broken]);
    assert_eq!(out.status.code(), Some(2));
    let empty = write(
        dir.path(),
        "empty.geojson",
        r#"{"type":"FeatureCollection","features":[]}"#,
    );
    let out = zhihui(&["roads", "info", &empty]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no usable road"));
    // An absurd speed would make every trip on that road free: refused, naming the feature.
    let absurd = write(
        dir.path(),
        "absurd.geojson",
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"甲路"},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.21,30.30]]}},
         {"type":"Feature","properties":{"speed_kmh":1e308},"geometry":{"type":"LineString","coordinates":[[112.21,30.30],[112.22,30.30]]}}]}"#,
    );
    let zr2 = dir.path().join("absurd.zroads");
    let out = zhihui(&["roads", "build", &absurd, "-o", zr2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("feature 1, field speed_kmh"), "{err}");
    assert!(!zr2.exists(), "nothing half-written");
}

#[test]
fn the_time_zone_is_configurable_sent_with_the_user_and_an_unknown_one_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let out = zhihui(&["serve", "--data-dir", d, "--time-zone", "Nowhere/City"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown time zone `Nowhere/City`"));
    setup_city(dir.path());
    // Default: the centre's clock is Asia/Shanghai.
    {
        let s = Server::start(dir.path(), &[]);
        let (_, me) = s.get(&s.login("boss"), "/api/v1/me");
        assert_eq!(me["time_zone"], "Asia/Shanghai");
    }
    // Another centre's zone: sent with the user; its bulletin's day is that zone's calendar day.
    let s = Server::start(dir.path(), &["--time-zone", "America/New_York"]);
    let boss = s.login("boss");
    let (_, me) = s.get(&boss, "/api/v1/me");
    assert_eq!(me["time_zone"], "America/New_York");
    let (st, b) = s.get(&boss, "/api/v1/bulletin");
    assert_eq!(st, 200, "{b}");
    let ny = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::New_York)
        .date_naive()
        .to_string();
    let sh = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    assert_eq!(b["date"], ny, "not Shanghai's {sh}");
}

#[test]
fn screen_finds_places_the_citys_with_coordinates_and_trains_a_place_tagger() {
    let dir = tempfile::tempdir().unwrap();
    let roads = dir.path().join("grid.geojson");
    std::fs::write(&roads, grid_roads()).unwrap();
    let tsv = dir.path().join("posts.tsv");
    std::fs::write(
        &tsv,
        "text\n纵3路上有人站在天桥栏杆外\n新乡市百丈东路出车祸了\n我马上路过，世界和平\n",
    )
    .unwrap();
    let run = |extra: &[&str]| -> Vec<serde_json::Value> {
        let mut args = vec!["screen", "--in", tsv.to_str().unwrap()];
        args.extend_from_slice(extra);
        let out = zhihui(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let rows = run(&["--roads", roads.to_str().unwrap()]);
    let p = &rows[0]["places"][0];
    assert_eq!(
        (p["text"].as_str(), p["start"].as_i64(), p["end"].as_i64()),
        (Some("纵3路"), Some(0), Some(3)),
        "{p}"
    );
    let lon = p["lon"].as_f64().expect("the city's road has coordinates");
    assert!((lon - 112.215).abs() < 1e-6, "{p}");
    let other: Vec<&str> = rows[1]["places"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap())
        .collect();
    assert_eq!(other, ["新乡市", "百丈东路"]);
    assert!(
        rows[1]["places"][0].get("lon").is_none(),
        "another city's names have none"
    );
    assert_eq!(rows[2]["places"], json!([]), "路过 and 和平 are no places");

    // A tagger trained on CoNLL is used with --places-model; bad training data exits 2.
    let conll = dir.path().join("train.conll");
    std::fs::write(
        &conll,
        "我0\tO\n在0\tO\n簋0\tB-LOC.NAM\n街1\tI-LOC.NAM\n吃0\tO\n\n去0\tO\n簋0\tB-LOC.NAM\n街1\tI-LOC.NAM\n\n",
    )
    .unwrap();
    let model = dir.path().join("places.json");
    let out = zhihui(&[
        "screen",
        "train-places",
        "--in",
        conll.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(run(&["--places-model", model.to_str().unwrap()]).len(), 3);
    std::fs::write(&conll, "我0\tO\n").unwrap();
    let out = zhihui(&[
        "screen",
        "train-places",
        "--in",
        conll.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no LOC/GPE place names"));
    let out = zhihui(&[
        "screen",
        "--in",
        tsv.to_str().unwrap(),
        "--places-model",
        tsv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--places-model"));
}

#[test]
fn screen_writes_one_json_object_per_post_in_order_and_refuses_bad_input_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("posts.tsv");
    std::fs::write(
        &tsv,
        "id\ttext\n1\t我今晚就去跳楼,遗书已经写好了\n2\t今天天气真好\n3\t如果考不上我就跳楼\n4\t小区3号楼着火了,浓烟很大\n",
    )
    .unwrap();
    let out = zhihui(&["screen", "--in", tsv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "one object per post, in order");
    assert_eq!(rows[0]["risks"][0]["category"], "self_harm");
    assert_eq!(rows[0]["risks"][0]["level"], "high");
    assert_eq!(rows[1]["risks"].as_array().unwrap().len(), 0, "harmless");
    assert_eq!(
        rows[2]["risks"].as_array().unwrap().len(),
        0,
        "a hypothetical is no plan"
    );
    assert_eq!(rows[3]["risks"][0]["category"], "fire");
    assert!(rows.iter().all(|r| r["places"].is_array()));
    // NDJSON, with the field named.
    let nd = dir.path().join("posts.ndjson");
    std::fs::write(&nd, "{\"body\": \"路口两车相撞,发生车祸\"}\n").unwrap();
    let out = zhihui(&["screen", "--in", nd.to_str().unwrap(), "--column", "body"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("traffic_accident"));
    // Bad input: a missing column, a missing file, broken JSON — exit code 2 and a message.
    for (args, says) in [
        (
            vec!["screen", "--in", tsv.to_str().unwrap(), "--column", "body"],
            "no column `body`",
        ),
        (
            vec!["screen", "--in", "/nonexistent.tsv"],
            "--in /nonexistent.tsv",
        ),
    ] {
        let out = zhihui(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    std::fs::write(&nd, "{not json\n").unwrap();
    let out = zhihui(&["screen", "--in", nd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1: not JSON"));
}

#[test]
fn screen_train_writes_a_versioned_model_that_screen_uses_and_bad_labels_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let tsv = dir.path().join("labelled.tsv");
    let mut body = String::from("text\tlabel\n");
    for i in 0..15 {
        body.push_str(&format!("药已经买好了今晚就吃{}\t1\n", "。".repeat(i % 4)));
        body.push_str(&format!("周末去公园散步看花{}\t0\n", "!".repeat(i % 4)));
    }
    std::fs::write(&tsv, body).unwrap();
    let model = dir.path().join("model.json");
    let out = zhihui(&[
        "screen",
        "train",
        "--in",
        tsv.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(m["version"], 2);
    assert!(
        m["nb"].as_array().is_some_and(|r| !r.is_empty()),
        "naive-Bayes scaled"
    );
    assert_eq!(
        (m["meta"]["rows"].as_u64(), m["meta"]["source"].as_str()),
        (Some(30), Some("labelled.tsv"))
    );
    let posts = dir.path().join("posts.tsv");
    std::fs::write(&posts, "text\n药已经买好了今晚就吃\n周末去公园散步\n").unwrap();
    let out = zhihui(&[
        "screen",
        "--in",
        posts.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["risks"][0]["level"], "high", "{rows:?}");
    assert_eq!(rows[1]["risks"].as_array().unwrap().len(), 0);
    // A label that is not 0 or 1, a model file that is not one.
    std::fs::write(&tsv, "text\tlabel\n帖子\tmaybe\n").unwrap();
    let out = zhihui(&[
        "screen",
        "train",
        "--in",
        tsv.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: label must be 0 or 1"));
    std::fs::write(&model, "{}").unwrap();
    let out = zhihui(&[
        "screen",
        "--in",
        posts.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn fraud_link_writes_each_reports_cluster_in_order_and_refuses_bad_input_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reports.ndjson");
    std::fs::write(
        &file,
        [
            r#"{"id": "a", "province": "湖北", "identifiers": [{"kind": "bank_account", "value": "6222 0200 0000 0001"}, {"kind": "phone", "value": "95588"}], "amount": 200000}"#,
            r#"{"id": "b", "identifiers": [{"kind": "bank_account", "value": "6222020000000001"}, {"kind": "phone", "value": "13900000001"}]}"#,
            r#"{"id": "c", "identifiers": [{"kind": "phone", "value": "+86 139 0000 0001"}, {"kind": "card", "value": "4111 1111 1111 1112"}]}"#,
            r#"{"id": "d", "identifiers": [{"kind": "phone", "value": "95588"}, {"kind": "url", "value": "https://www.baidu.com/s?wd=x"}]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = zhihui(&["fraud", "link", "--in", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rows,
        vec![
            json!({"id": "a", "cluster": "a"}),
            json!({"id": "b", "cluster": "a"}),
            json!({"id": "c", "cluster": "a"}),
            json!({"id": "d", "cluster": "d"}),
        ],
        "a service number and a popular site link nobody"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("check digit"),
        "the mistyped card is set aside: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&file, "{\"id\": \"a\", \"identifiers\": []}\n{broken\n").unwrap();
    let out = zhihui(&["fraud", "link", "--in", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: not a report"));
    std::fs::write(
        &file,
        "{\"id\": \"a\", \"identifiers\": []}\n{\"id\": \"a\", \"identifiers\": []}\n",
    )
    .unwrap();
    let out = zhihui(&["fraud", "link", "--in", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: report a was added already"));
}
