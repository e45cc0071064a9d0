//! Jurisdiction by area (辖区) against the real binary: areas set by administrators (API and
//! CLI), refused when invalid or covering a sibling's ground; a call with no organisation named
//! lands in the deepest organisation whose area holds it, and that station sees it live.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

/// A square `d` degrees wide with its south-west corner at (lon, lat).
fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] })
}

fn incident_at(lon: f64, lat: f64, desc: &str) -> Value {
    let mut b = incident_body(desc);
    b["location"] = json!({ "lon": lon, "lat": lat });
    b
}

fn created_detail(s: &Server, token: &str, id: i64) -> Value {
    let (st, tl) = s.get(token, &format!("/api/v1/incidents/{id}/timeline"));
    assert_eq!(st, 200, "{tl}");
    tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "incident.created")
        .map(|i| i["data"]["detail"].clone())
        .unwrap()
}

#[test]
fn a_call_lands_in_the_station_whose_area_holds_it_and_bad_areas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", Some("city"), None);
    let s = Server::start(dir.path(), &[]);
    let (root, boss, s1, s2) = (
        s.login("root"),
        s.login("boss"),
        s.login("s1disp"),
        s.login("s2disp"),
    );

    // Station 1 west, station 2 east of it, sharing a border; the district around both.
    let (st, r) = s.put(&root, "/api/v1/orgs/s1/area", &square(112.20, 30.30, 0.04));
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["area"]["type"], "MultiPolygon");
    let (st, r) = s.put(&root, "/api/v1/orgs/d1/area", &square(112.20, 30.30, 0.08));
    assert_eq!(st, 200, "{r}");

    // Refused, naming the field, nothing stored: covering station 1's ground, an open ring, a
    // ring crossing itself, a point, and anyone but an administrator.
    let (st, r) = s.put(&root, "/api/v1/orgs/s2/area", &square(112.22, 30.30, 0.04));
    assert_eq!((st, field(&r)), (409, Some("area")), "{r}");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("一所"),
        "{r}"
    );
    let open = json!({ "type": "Polygon", "coordinates": [[[112.24, 30.30], [112.28, 30.30], [112.28, 30.34], [112.24, 30.34]]] });
    let (st, r) = s.put(&root, "/api/v1/orgs/s2/area", &open);
    assert_eq!((st, field(&r)), (422, Some("area.coordinates[0]")), "{r}");
    let bow = json!({ "type": "Polygon", "coordinates": [[[112.24, 30.30], [112.28, 30.34], [112.28, 30.30], [112.24, 30.34], [112.24, 30.30]]] });
    let (st, r) = s.put(&root, "/api/v1/orgs/s2/area", &bow);
    assert_eq!((st, field(&r)), (422, Some("area")), "{r}");
    let (st, _) = s.put(
        &root,
        "/api/v1/orgs/s2/area",
        &json!({"type": "Point", "coordinates": [112.25, 30.31]}),
    );
    assert_eq!(st, 422);
    let (st, _) = s.put(&s2, "/api/v1/orgs/s2/area", &square(112.24, 30.30, 0.04));
    assert_eq!(st, 403);
    let (st, _) = s.put(
        &root,
        "/api/v1/orgs/nope/area",
        &square(112.24, 30.30, 0.04),
    );
    assert_eq!(st, 404);
    let (_, fc) = s.get(&boss, "/api/v1/orgs/areas");
    assert_eq!(fc["features"].as_array().unwrap().len(), 2, "{fc}");

    let (st, r) = s.put(&root, "/api/v1/orgs/s2/area", &square(112.24, 30.30, 0.04));
    assert_eq!(st, 200, "{r}");
    // Stations draw over their district: deepest last.
    let (_, fc) = s.get(&boss, "/api/v1/orgs/areas");
    let ids: Vec<&str> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["org_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["d1", "s1", "s2"]);
    let (_, mine) = s.get(&s1, "/api/v1/orgs/areas");
    assert_eq!(
        mine["features"].as_array().unwrap().len(),
        1,
        "a station sees its own"
    );

    // A city dispatcher's call inside station 2's area belongs to station 2, which sees it live.
    let mut feed = s.ws(&s2, None);
    let (st, inc) = s.post(
        &boss,
        "/api/v1/incidents",
        &incident_at(112.26, 30.32, "东区盗窃"),
    );
    assert_eq!(st, 201, "{inc}");
    assert_eq!(inc["org_id"], "s2");
    let id = inc["id"].as_i64().unwrap();
    assert_eq!(created_detail(&s, &boss, id)["routed"], "area");
    let msgs = feed.drain(Duration::from_millis(800));
    assert!(
        msgs.iter()
            .any(|m| m["record_type"] == "incident" && m["record_id"] == id),
        "station 2 sees the call live: {msgs:?}"
    );
    let (st, _) = s.get(&s2, &format!("/api/v1/incidents/{id}"));
    assert_eq!(st, 200);
    let (st, _) = s.get(&s1, &format!("/api/v1/incidents/{id}"));
    assert_eq!(st, 403, "station 1 does not");

    // In the district but in no station's area: the district. Outside every area: the creator's.
    let (_, inc) = s.post(
        &boss,
        "/api/v1/incidents",
        &incident_at(112.25, 30.36, "北区"),
    );
    assert_eq!(inc["org_id"], "d1");
    let (_, inc) = s.post(
        &boss,
        "/api/v1/incidents",
        &incident_at(112.40, 30.50, "城外"),
    );
    assert_eq!(inc["org_id"], "city");
    assert_eq!(
        created_detail(&s, &boss, inc["id"].as_i64().unwrap())["routed"],
        "creator"
    );
    // Named explicitly: as named.
    let mut b = incident_at(112.26, 30.32, "指定一所");
    b["org_id"] = json!("s1");
    let (_, inc) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!(inc["org_id"], "s1");
    // A station's own call in a neighbour's area stays with the station, and says whose area it is.
    let (st, inc) = s.post(
        &s1,
        "/api/v1/incidents",
        &incident_at(112.26, 30.32, "跨区"),
    );
    assert_eq!(st, 201, "{inc}");
    assert_eq!(inc["org_id"], "s1");
    let d = created_detail(&s, &s1, inc["id"].as_i64().unwrap());
    assert_eq!(
        (d["routed"].as_str(), d["area_org_id"].as_str()),
        (Some("creator"), Some("s2"))
    );

    drop(feed);
    let rows = audit_rows(dir.path());
    assert_eq!(
        rows.iter()
            .filter(|(a, act, t, o)| a == "root" && act == "org.area" && t == "org:s2" && o == "ok")
            .count(),
        1
    );

    // Areas survive a restart: the tree is rebuilt from the database.
    let mut s = s;
    s.kill();
    let s = Server::start(dir.path(), &[]);
    let boss = s.login("boss");
    let (_, inc) = s.post(
        &boss,
        "/api/v1/incidents",
        &incident_at(112.21, 30.31, "西区"),
    );
    assert_eq!(inc["org_id"], "s1");
}

#[test]
fn the_cli_adds_an_organisation_with_its_area_or_nothing_at_all() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let d = dir.path().to_str().unwrap();
    let good = dir.path().join("s3.geojson");
    std::fs::write(&good, square(112.30, 30.30, 0.02).to_string()).unwrap();
    let bad = dir.path().join("bad.geojson");
    std::fs::write(
        &bad,
        json!({ "type": "Polygon", "coordinates": [[[112.3, 30.3], [112.32, 30.3], [112.32, 30.32]]] })
            .to_string(),
    )
    .unwrap();
    let add = |id: &str, file: &std::path::Path| {
        zhihui(&[
            "org",
            "add",
            id,
            "--name",
            "三所",
            "--kind",
            "station",
            "--parent",
            "d1",
            "--area",
            file.to_str().unwrap(),
            "--data-dir",
            d,
        ])
    };
    let out = add("s3", &bad);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("area.coordinates[0]"), "{err}");
    let out = add("s3", &good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The refused attempt left nothing behind; the area routes calls once the server starts.
    add_user(dir.path(), "root", "admin", Some("city"), None);
    let s = Server::start(dir.path(), &[]);
    let boss = s.login("boss");
    let (st, inc) = s.post(
        &boss,
        "/api/v1/incidents",
        &incident_at(112.31, 30.31, "三所辖区"),
    );
    assert_eq!(st, 201, "{inc}");
    assert_eq!(inc["org_id"], "s3");
}

#[test]
fn a_station_hands_a_call_over_to_its_neighbour_who_sees_it_live() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let (s1, s2) = (s.login("s1disp"), s.login("s2disp"));
    let (st, inc) = s.post(
        &s1,
        "/api/v1/incidents",
        &incident_at(112.26, 30.32, "实为二所辖区"),
    );
    assert_eq!((st, inc["org_id"].as_str()), (201, Some("s1")), "{inc}");
    let id = inc["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}/handover");

    // Refused, naming the field: no reason, an unknown organisation, its own; station 2 cannot
    // hand over what is not in its jurisdiction.
    let (st, r) = s.post(&s1, &path, &json!({"org_id": "s2", "reason": " "}));
    assert_eq!((st, field(&r)), (422, Some("reason")), "{r}");
    let (st, r) = s.post(&s1, &path, &json!({"org_id": "nope", "reason": "x"}));
    assert_eq!((st, field(&r)), (422, Some("org_id")), "{r}");
    let (st, r) = s.post(&s1, &path, &json!({"org_id": "s1", "reason": "x"}));
    assert_eq!((st, field(&r)), (422, Some("org_id")), "{r}");
    let (st, _) = s.post(&s2, &path, &json!({"org_id": "s2", "reason": "x"}));
    assert_eq!(st, 403);

    let mut feed = s.ws(&s2, None);
    let (st, r) = s.post(
        &s1,
        &path,
        &json!({"org_id": "s2", "reason": "现场位于二所辖区"}),
    );
    assert_eq!((st, r["org_id"].as_str()), (200, Some("s2")), "{r}");
    // Live means within a second on a quiet machine; a loaded CI machine gets up to five.
    let mut msgs = Vec::new();
    for _ in 0..10 {
        msgs.extend(feed.drain(Duration::from_millis(500)));
        if msgs
            .iter()
            .any(|m| m["record_id"] == id && m["kind"] == "incident.handed_over")
        {
            break;
        }
    }
    assert!(
        msgs.iter()
            .any(|m| m["record_id"] == id && m["kind"] == "incident.handed_over"),
        "station 2 sees the handover live: {msgs:?}"
    );
    let (st, tl) = s.get(&s2, &format!("/api/v1/incidents/{id}/timeline"));
    assert_eq!(st, 200);
    let h = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "incident.handed_over")
        .unwrap();
    assert_eq!(
        (
            h["data"]["detail"]["from"].as_str(),
            h["data"]["detail"]["reason"].as_str()
        ),
        (Some("s1"), Some("现场位于二所辖区"))
    );
    assert_eq!(
        s.get(&s1, &format!("/api/v1/incidents/{id}")).0,
        403,
        "station 1 let it go"
    );
    assert!(audit_rows(dir.path())
        .iter()
        .any(|(a, act, t, o)| a == "s1disp"
            && act == "incident.handover"
            && *t == format!("incident:{id}")
            && o == "ok"));
}
