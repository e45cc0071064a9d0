//! End-to-end behaviour of the API against the real binary.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn city() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    (dir, s)
}

/// The test city on a road network given as GeoJSON text, served with `extra` arguments.
fn city_on(roads_geojson: &str, extra: &[&str]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let roads = dir.path().join("city.geojson");
    std::fs::write(&roads, roads_geojson).unwrap();
    let mut args = vec!["--roads", roads.to_str().unwrap()];
    args.extend_from_slice(extra);
    let s = Server::start(dir.path(), &args);
    (dir, s)
}

#[test]
fn incident_lifecycle_with_a_timeline_naming_every_actor() {
    let (_d, s) = city();
    let boss = s.login("boss");
    let other = s.login("disp2");
    let (st, inc) = s.post(&boss, "/api/v1/incidents", &incident_body("电动车被盗"));
    assert_eq!(st, 201, "{inc}");
    let id = inc["id"].as_i64().unwrap();
    assert_eq!(inc["status"], "new");
    assert_eq!(inc["org_id"], "city");
    assert_eq!(inc["caller"]["phone"], "13800138000");

    let path = format!("/api/v1/incidents/{id}");
    let (st, v) = s.patch(&other, &path, &json!({"status": "dispatched"}));
    assert_eq!((st, v["status"].as_str()), (200, Some("dispatched")));
    let (st, _) = s.patch(&boss, &path, &json!({"status": "on_scene", "priority": 1}));
    assert_eq!(st, 200);
    // Closing needs a disposition code.
    let (st, e) = s.patch(&boss, &path, &json!({"status": "closed"}));
    assert_eq!(st, 422);
    assert_eq!(e["error"]["field"], "disposition");
    let (st, e) = s.patch(
        &boss,
        &path,
        &json!({"status": "closed", "disposition": "no_such_code"}),
    );
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("disposition"))
    );
    let (st, v) = s.patch(
        &boss,
        &path,
        &json!({"status": "closed", "disposition": "resolved_on_scene", "summary": "已追回"}),
    );
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["status"], "closed");
    // Closed is final, and status never moves back.
    let (st, e) = s.patch(&boss, &path, &json!({"status": "dispatched"}));
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("conflict")));

    let (st, tl) = s.get(&boss, &format!("{path}/timeline"));
    assert_eq!(st, 200);
    let items = tl["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "incident.created",
            "incident.updated",
            "incident.updated",
            "incident.updated"
        ]
    );
    let actors: Vec<&str> = items.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["boss", "disp2", "boss", "boss"]);
    assert_eq!(
        items[1]["data"]["changes"]["status"],
        json!(["new", "dispatched"])
    );
    assert_eq!(items[2]["data"]["changes"]["priority"], json!([2, 1]));
    assert_eq!(
        items[3]["data"]["changes"]["disposition"],
        json!([null, "resolved_on_scene"])
    );
    // Sequence numbers increase along the timeline.
    let seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));

    // Lists mask the caller; the full read is audited.
    let (_, list) = s.get(&boss, "/api/v1/incidents?status=closed");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["caller"]["phone"], "138****8000");
    let audit = audit_rows(&s.dir);
    assert!(
        audit.iter().any(|(a, act, t, o)| a == "boss"
            && act == "incident.read"
            && *t == format!("incident:{id}")
            && o == "ok")
            || audit
                .iter()
                .any(|(a, act, _, _)| a == "boss" && act == "incident.timeline")
    );
    let (_, _) = s.get(&boss, &path);
    let audit = audit_rows(&s.dir);
    assert!(audit.iter().any(|(a, act, t, o)| a == "boss"
        && act == "incident.read"
        && *t == format!("incident:{id}")
        && o == "ok"));
}

#[test]
fn filters_and_pagination() {
    let (_d, s) = city();
    let t = s.login("boss");
    for i in 0..7 {
        let mut b = incident_body(&format!("#{i}"));
        if i % 2 == 0 {
            b["type"] = json!("fire");
            b["subtype"] = json!("building_fire");
            b["priority"] = json!(1);
        }
        assert_eq!(s.post(&t, "/api/v1/incidents", &b).0, 201);
    }
    let (_, v) = s.get(&t, "/api/v1/incidents?type=fire&limit=2&offset=0");
    assert_eq!(v["total"], 4);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    // Newest first.
    assert_eq!(v["items"][0]["description"], "#6");
    let (_, v) = s.get(&t, "/api/v1/incidents?type=fire&limit=2&offset=2");
    assert_eq!(v["items"][1]["description"], "#0");
    let (st, e) = s.get(&t, "/api/v1/incidents?status=bogus");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("status")));
    let (st, e) = s.get(&t, "/api/v1/incidents?colour=red");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("colour")));
    let (_, v) = s.get(&t, "/api/v1/incidents?from=2999-01-01T00:00:00Z");
    assert_eq!(v["total"], 0);
    let (_, v) = s.get(&t, "/api/v1/incidents?org_id=s1");
    assert_eq!(v["total"], 0);
}

#[test]
fn a_station_cannot_read_or_change_another_stations_incident_and_the_attempt_is_audited() {
    let (_d, s) = city();
    let s1 = s.login("s1disp");
    let s2 = s.login("s2disp");
    let boss = s.login("boss");
    let (st, inc) = s.post(&s1, "/api/v1/incidents", &incident_body("一所的警情"));
    assert_eq!(st, 201);
    assert_eq!(inc["org_id"], "s1");
    let id = inc["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{id}");

    let (st, e) = s.get(&s2, &path);
    assert_eq!(st, 403, "{e}");
    assert_eq!(e["error"]["code"], "forbidden");
    assert_eq!(s.patch(&s2, &path, &json!({"priority": 1})).0, 403);
    assert_eq!(s.get(&s2, &format!("{path}/timeline")).0, 403);
    // Not even in its lists, nor creatable in the other station's name.
    let (_, list) = s.get(&s2, "/api/v1/incidents");
    assert_eq!(list["total"], 0);
    let mut b = incident_body("冒名");
    b["org_id"] = json!("s1");
    assert_eq!(s.post(&s2, "/api/v1/incidents", &b).0, 403);
    assert_eq!(s.get(&s2, "/api/v1/incidents?org_id=s1").0, 403);
    // The city sees both; the record was not changed by the refused patch.
    let (st, v) = s.get(&boss, &path);
    assert_eq!((st, v["priority"].as_i64()), (200, Some(2)));
    assert_eq!(v["version"], 1);

    let audit = audit_rows(&s.dir);
    let denied: Vec<_> = audit
        .iter()
        .filter(|(a, _, _, o)| a == "s2disp" && o == "denied")
        .collect();
    assert!(
        denied
            .iter()
            .any(|(_, act, t, _)| act == "incident.read" && *t == format!("incident:{id}")),
        "{denied:?}"
    );
    assert!(denied.iter().any(|(_, act, _, _)| act == "incident.update"));
    assert!(denied.iter().any(|(_, act, _, _)| act == "incident.create"));
    // Roles: an analyst reads but does not write.
    let ana = s.login("ana");
    assert_eq!(s.get(&ana, &path).0, 200);
    assert_eq!(s.patch(&ana, &path, &json!({"priority": 1})).0, 403);

    let out = zhihui(&["audit", "verify", "--data-dir", s.dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bad_input_is_refused_with_the_field_named_and_nothing_stored() {
    let (_d, s) = city();
    let t = s.login("boss");
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            {
                let mut b = incident_body("x");
                b["location"]["lon"] = json!(200.0);
                b
            },
            422,
            "location.lon",
        ),
        (
            {
                let mut b = incident_body("x");
                b["location"]["lat"] = json!(-91);
                b
            },
            422,
            "location.lat",
        ),
        (
            {
                let mut b = incident_body("x");
                b["priority"] = json!(0);
                b
            },
            422,
            "priority",
        ),
        (
            {
                let mut b = incident_body("x");
                b["priority"] = json!("high");
                b
            },
            422,
            "priority",
        ),
        (
            {
                let mut b = incident_body("x");
                b["colour"] = json!("red");
                b
            },
            422,
            "colour",
        ),
        (
            {
                let mut b = incident_body("x");
                b["caller"]["age"] = json!(3);
                b
            },
            422,
            "caller.age",
        ),
        (
            {
                let mut b = incident_body("x");
                b["type"] = json!("alien");
                b
            },
            422,
            "type",
        ),
        (
            {
                let mut b = incident_body("x");
                b["subtype"] = json!("wildfire");
                b
            },
            422,
            "subtype",
        ),
        (
            {
                let mut b = incident_body("x");
                b["caller"]["phone"] = json!("hello");
                b
            },
            422,
            "caller.phone",
        ),
        (
            {
                let mut b = incident_body("x");
                b.as_object_mut().unwrap().remove("location");
                b
            },
            422,
            "location",
        ),
    ];
    for (body, status, field) in cases {
        let (st, e) = s.post(&t, "/api/v1/incidents", &body);
        assert_eq!(st, status, "{body} -> {e}");
        assert_eq!(e["error"]["field"], field, "{e}");
        assert!(e["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let (st, e) = s.raw_post(
        &t,
        "/api/v1/incidents",
        "application/json",
        b"{\"caller\": ".to_vec(),
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("malformed_json"))
    );
    let (st, _) = s.raw_post(&t, "/api/v1/incidents", "text/plain", b"{}".to_vec());
    assert_eq!(st, 415);
    let mut big = incident_body(&"长".repeat(40_000));
    big["address"] = json!("x");
    let (st, e) = s.raw_post(
        &t,
        "/api/v1/incidents",
        "application/json",
        serde_json::to_vec(&big).unwrap(),
    );
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    let (st, e) = s.get(&t, "/api/v1/incidents/abc");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("id")));
    assert_eq!(s.get(&t, "/api/v1/incidents/999").0, 404);
    // Unauthenticated: refused and audited.
    let r = s.http.get(s.url("/api/v1/incidents")).send().unwrap();
    assert_eq!(r.status(), 401);
    let (st, _) = s.get("not-a-token", "/api/v1/incidents");
    assert_eq!(st, 401);
    assert!(audit_rows(&s.dir)
        .iter()
        .any(|(a, _, _, o)| a == "anonymous" && o == "unauthenticated"));
    let r = s
        .http
        .post(s.url("/api/v1/session"))
        .json(&json!({"username": "boss", "password": "wrong-password"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nothing was stored by any refused request.
    let (_, list) = s.get(&t, "/api/v1/incidents");
    assert_eq!(list["total"], 0);
    let c = rusqlite::Connection::open(s.dir.join("zhihui.db")).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM events WHERE record_type = 'incident'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn units_register_move_and_report_status() {
    let (_d, s) = city();
    let t = s.login("s1disp");
    let (st, u) = s.post(&t, "/api/v1/units", &json!({"call_sign": "一所巡01", "kind": "patrol_car", "status": "available", "position": {"lon": 112.2, "lat": 30.3}}));
    assert_eq!(st, 201, "{u}");
    assert_eq!(u["org_id"], "s1");
    let (st, e) = s.post(
        &t,
        "/api/v1/units",
        &json!({"call_sign": "一所巡01", "kind": "patrol_car", "status": "available"}),
    );
    assert_eq!((st, e["error"]["field"].as_str()), (409, Some("call_sign")));
    let (st, e) = s.post(
        &t,
        "/api/v1/units",
        &json!({"call_sign": "x", "kind": "tank", "status": "available"}),
    );
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("kind")));
    let id = u["id"].as_i64().unwrap();
    let (st, v) = s.patch(
        &t,
        &format!("/api/v1/units/{id}"),
        &json!({"status": "en_route", "position": {"lon": 112.21, "lat": 30.31}}),
    );
    assert_eq!(st, 200);
    assert_eq!(v["status"], "en_route");
    assert_eq!(v["position"]["lon"], 112.21);
    assert!(v["position_at"].is_string());
    let (_, list) = s.get(&t, "/api/v1/units?status=en_route");
    assert_eq!(list["total"], 1);
    let s2 = s.login("s2disp");
    assert_eq!(s.get(&s2, &format!("/api/v1/units/{id}")).0, 403);

    // Two bare position reports: the trail has all three places, the log none of the moves.
    for lat in [30.32, 30.33] {
        let (st, v) = s.patch(
            &t,
            &format!("/api/v1/units/{id}"),
            &json!({"position": {"lon": 112.21, "lat": lat}}),
        );
        assert_eq!(st, 200, "{v}");
    }
    let (st, tr) = s.get(&t, &format!("/api/v1/units/{id}/track"));
    assert_eq!(st, 200, "{tr}");
    let fixes = tr["fixes"].as_array().unwrap();
    let lats: Vec<f64> = fixes.iter().map(|f| f["lat"].as_f64().unwrap()).collect();
    assert_eq!(lats, [30.3, 30.31, 30.32, 30.33]);
    assert_eq!(fixes[3]["heading_deg"], 0.0, "due north");
    assert!(fixes[3]["speed_mps"].as_f64().unwrap() > 0.0);
    assert_eq!(tr["more"], false);
    let (_, page) = s.get(&t, &format!("/api/v1/units/{id}/track?limit=2"));
    assert_eq!(
        (page["fixes"].as_array().unwrap().len(), &page["more"]),
        (2, &json!(true))
    );
    let c = rusqlite::Connection::open(s.dir.join("zhihui.db")).unwrap();
    let logged: Vec<String> = c
        .prepare("SELECT kind FROM events WHERE record_type = 'unit' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(logged, ["unit.created", "unit.updated"]);
    // Reading an officer's movements is on record; another station may not.
    assert!(audit_rows(&s.dir)
        .iter()
        .any(|(who, action, target, outcome)| (
            who.as_str(),
            action.as_str(),
            target.as_str(),
            outcome.as_str()
        ) == (
            "s1disp",
            "unit.track",
            &*format!("unit:{id}"),
            "ok"
        )));
    assert_eq!(s.get(&s2, &format!("/api/v1/units/{id}/track")).0, 403);
    // A window that ends before it starts, and a limit out of range, name their field.
    let (st, e) = s.get(
        &t,
        &format!("/api/v1/units/{id}/track?from=2026-12-06T10:00:00Z&to=2026-12-06T09:00:00Z"),
    );
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("from")));
    let (st, e) = s.get(&t, &format!("/api/v1/units/{id}/track?limit=0"));
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("limit")));
}

#[test]
fn the_live_feed_resumes_without_missing_or_repeating_anything() {
    let (_d, s) = city();
    let boss = s.login("boss");
    let s2 = s.login("s2disp");
    let s1 = s.login("s1disp");

    let mut a = s.ws(&boss, None);
    let mut other = s.ws(&s2, None);
    let hello = a.drain(Duration::from_millis(300));
    assert_eq!(hello[0]["type"], "hello");

    let (_, first) = s.post(&s1, "/api/v1/incidents", &incident_body("first"));
    let got = a.drain(Duration::from_millis(800));
    let ev: Vec<&Value> = got.iter().filter(|m| m["type"] == "event").collect();
    assert_eq!(ev.len(), 1, "{got:?}");
    assert_eq!(ev[0]["record_id"], first["id"]);
    assert_eq!(ev[0]["kind"], "incident.created");
    // Personal data stays masked on the feed.
    assert_eq!(ev[0]["data"]["caller"]["phone"], "138****8000");
    let last_seq = ev[0]["seq"].as_i64().unwrap();
    drop(a);

    // While disconnected: three more changes.
    let (_, second) = s.post(&s1, "/api/v1/incidents", &incident_body("second"));
    s.patch(
        &s1,
        &format!("/api/v1/incidents/{}", second["id"]),
        &json!({"status": "dispatched"}),
    );
    let (_, third) = s.post(&boss, "/api/v1/incidents", &incident_body("third"));

    let mut b = s.ws(&boss, Some(last_seq));
    let got = b.drain(Duration::from_millis(800));
    let ev: Vec<(i64, String)> = got
        .iter()
        .filter(|m| m["type"] == "event")
        .map(|m| {
            (
                m["record_id"].as_i64().unwrap(),
                m["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        ev,
        vec![
            (
                second["id"].as_i64().unwrap(),
                "incident.created".to_owned()
            ),
            (
                second["id"].as_i64().unwrap(),
                "incident.updated".to_owned()
            ),
            (third["id"].as_i64().unwrap(), "incident.created".to_owned()),
        ]
    );
    // New events keep flowing after the catch-up.
    s.post(&boss, "/api/v1/incidents", &incident_body("fourth"));
    let more = b.drain(Duration::from_millis(800));
    assert_eq!(more.iter().filter(|m| m["type"] == "event").count(), 1);

    // Station 2 saw none of station 1's or the city's incidents.
    let seen = other.drain(Duration::from_millis(300));
    assert!(seen.iter().all(|m| m["type"] != "event"), "{seen:?}");
    // A feed without a valid ticket is refused.
    let url = format!(
        "{}/api/v1/live?ticket=nope",
        s.base.replace("http://", "ws://")
    );
    assert!(tungstenite::connect(url).is_err());
}

/// The HTTP status of a live-feed handshake, with an optional `Origin`.
fn handshake(s: &Server, query: &str, origin: Option<&str>) -> u16 {
    use tungstenite::client::IntoClientRequest;
    let url = format!("{}/api/v1/live?{query}", s.base.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tungstenite::connect(req) {
        Ok(_) => 101,
        Err(tungstenite::Error::Http(r)) => r.status().as_u16(),
        Err(e) => panic!("handshake failed without an answer: {e}"),
    }
}

#[test]
fn security_headers_and_a_live_feed_that_takes_one_time_tickets_from_its_own_pages_only() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let out = zhihui_stdin(
        &[
            "user",
            "add",
            "root",
            "--role",
            "admin",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        &format!("{PW}\n"),
    );
    assert!(out.status.success());
    let s = Server::start(dir.path(), &["--test-clock"]);
    let t = s.login("boss");
    for (path, auth) in [
        ("/", false),
        ("/api/v1/health", false),
        ("/api/v1/incidents", true),
    ] {
        let mut rq = s.http.get(s.url(path));
        if auth {
            rq = rq.bearer_auth(&t);
        }
        let r = rq.send().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"));
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    // The session token is not accepted in the URL any more.
    assert_eq!(handshake(&s, &format!("token={t}"), None), 400);
    // A ticket opens one feed, once.
    let ticket = s.ticket(&t);
    let own = s.base.clone();
    assert_eq!(handshake(&s, &format!("ticket={ticket}"), Some(&own)), 101);
    assert_eq!(
        handshake(&s, &format!("ticket={ticket}"), Some(&own)),
        401,
        "reused"
    );
    // A page of another origin cannot open it, even with a fresh ticket; the attempt is audited.
    let ticket = s.ticket(&t);
    assert_eq!(
        handshake(&s, &format!("ticket={ticket}"), Some("http://evil.example")),
        403
    );
    assert!(audit_rows(&s.dir)
        .iter()
        .any(|(_, act, _, o)| act == "GET /api/v1/live" && o == "denied"));
    // A ticket is good only for a short while.
    let ticket = s.ticket(&t);
    let root = s.login("root");
    assert_eq!(
        s.post(&root, "/api/v1/test/clock", &json!({"advance_s": 31}))
            .0,
        200
    );
    assert_eq!(
        handshake(&s, &format!("ticket={ticket}"), None),
        401,
        "expired"
    );
}

#[test]
fn openapi_document_is_public_and_describes_the_api() {
    let (_d, s) = city();
    let r = s.http.get(s.url("/api/v1/openapi.json")).send().unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/incidents",
        "/api/v1/incidents/{id}",
        "/api/v1/incidents/{id}/timeline",
        "/api/v1/incidents/duplicates",
        "/api/v1/incidents/{id}/duplicates",
        "/api/v1/incidents/{id}/merge",
        "/api/v1/units",
        "/api/v1/session",
    ] {
        assert!(doc["paths"].get(p).is_some(), "missing {p}");
    }
    for schema in ["Incident", "MergeRequest", "MergeResponse", "DuplicateList"] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "missing {schema}"
        );
    }
    let schemas = &doc["components"]["schemas"];
    let body_of = |path: &str, method: &str| {
        let r = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap_or_default()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        schemas[&r].clone()
    };
    // Two request bodies that once shared a name now each document their own fields.
    let dispatch = body_of("/api/v1/incidents/{id}/assignments", "post");
    assert!(
        dispatch["properties"].get("unit_id").is_some(),
        "{dispatch}"
    );
    let event = body_of("/api/v1/events/{id}/assignments", "post");
    assert!(event["properties"].get("items").is_some(), "{event}");
    // Every operation documents its error answers; every secured one 401 and 403, every one
    // with a body 413, 415 and 422, each with the error body.
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops += 1;
            let codes = op["responses"].as_object().unwrap();
            let has = |c: &str| {
                codes.get(c).is_some_and(|r| {
                    r["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .is_some_and(|s| s.ends_with("/ErrorBody"))
                })
            };
            if op.get("security").is_some() {
                assert!(has("401") && has("403"), "{method} {path}: {codes:?}");
            }
            if op.get("requestBody").is_some() {
                assert!(has("413") && has("415") && has("422"), "{method} {path}");
            }
            if path.contains('{') {
                assert!(has("404"), "{method} {path}");
            }
        }
    }
    assert!(ops > 60);
    // Constraints are in the schema: ranges, lengths and the code list.
    let new_incident = &schemas["NewIncident"]["properties"];
    assert_eq!(new_incident["priority"]["minimum"], 1);
    assert_eq!(new_incident["priority"]["maximum"], 4);
    assert_eq!(new_incident["description"]["maxLength"], 4000);
    assert!(new_incident["type"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("criminal")));
    assert_eq!(schemas["LonLat"]["properties"]["lat"]["maximum"], 90);
    assert_eq!(schemas["Caller"]["properties"]["phone"]["maxLength"], 24);
    let limit = doc["paths"]["/api/v1/incidents"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap()
        .clone();
    assert_eq!(limit["schema"]["maximum"], 500);
}

#[test]
fn routing_endpoints_answer_by_road_travel_time() {
    // A 2 km straight road at 36 km/h (10 m/s) with a one-way spur.
    let (_dir, s) = city_on(
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"人民路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.21,30.30],[112.22,30.30]]}},
         {"type":"Feature","properties":{"name":"单行街","speed_kmh":36,"oneway":"yes"},"geometry":{"type":"LineString","coordinates":[[112.21,30.30],[112.21,30.31]]}}]}"#,
        &[],
    );
    let t = s.login("ana");
    let (st, r) = s.get(&t, "/api/v1/roads/route?from=112.20,30.30&to=112.22,30.30");
    assert_eq!(st, 200, "{r}");
    let (secs, m) = (
        r["seconds"].as_f64().unwrap(),
        r["meters"].as_f64().unwrap(),
    );
    assert!((m - 1924.0).abs() < 10.0, "{m}");
    assert!((secs - m / 10.0).abs() < 0.5);
    assert!(r["geometry"].as_array().unwrap().len() >= 3);
    // Against the one-way spur there is no route.
    let (st, _) = s.get(&t, "/api/v1/roads/route?from=112.21,30.31&to=112.20,30.30");
    assert_eq!(st, 404);

    let (st, m) = s.post(
        &t,
        "/api/v1/roads/matrix",
        &json!({"from": [[112.20, 30.30], [112.21, 30.31]], "to": [[112.22, 30.30], [112.21, 30.31]]}),
    );
    assert_eq!(st, 200, "{m}");
    assert!(m["seconds"][0][0].as_f64().unwrap() > 190.0);
    assert_eq!(m["seconds"][1][0], Value::Null);
    assert_eq!(m["seconds"][1][1], json!(0.0));

    let (st, n) = s.post(
        &t,
        "/api/v1/roads/nearest",
        &json!({"at": [112.22, 30.30], "points": [[112.20, 30.30], [112.215, 30.30], [112.21, 30.31]], "k": 5}),
    );
    assert_eq!(st, 200, "{n}");
    let order: Vec<i64> = n
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["index"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [1, 0], "unreachable point left out, nearest first");

    let (st, e) = s.post(
        &t,
        "/api/v1/roads/matrix",
        &json!({"from": [[500.0, 1.0]], "to": [[112.2, 30.3]]}),
    );
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("from[0]")));
    let (st, e) = s.get(&t, "/api/v1/roads/route?from=112.2&to=112.22,30.30");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("from")));
    let (st, e) = s.get(
        &t,
        "/api/v1/roads/route?from=112.2,30.3&to=112.22,30.30&profile=tank",
    );
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("profile")));
    let (st, hits) = s.get(&t, "/api/v1/roads/search?q=人民");
    assert_eq!(st, 200);
    assert_eq!(hits[0]["name"], "人民路");
    assert_eq!(
        hits[0]["kind"], "road",
        "without a number the road comes first"
    );
    // A house number (laid along the roads of a network without addresses of its own) lands on
    // its door, a few metres off 人民路 (lat 30.30), before the road itself.
    let (st, hits) = s.get(&t, "/api/v1/roads/search?q=人民路 3 号");
    assert_eq!(st, 200, "{hits}");
    assert_eq!(
        (hits[0]["name"].as_str(), hits[0]["kind"].as_str()),
        (Some("人民路3号"), Some("address")),
        "{hits}"
    );
    let off_m = (hits[0]["lat"].as_f64().unwrap() - 30.30).abs() * 111_320.0;
    assert!((5.0..20.0).contains(&off_m), "{off_m} m off the road");
    let (st, iso) = s.get(&t, "/api/v1/roads/isochrone?at=112.20,30.30&seconds=100");
    assert_eq!(st, 200);
    assert!(iso["nodes"].as_u64().unwrap() >= 1);
    // A click 111 m north of 人民路 lands on it (intake snaps clicked locations to the road).
    let (st, p) = s.get(&t, "/api/v1/roads/snap?at=112.205,30.301");
    assert_eq!(st, 200, "{p}");
    assert_eq!(
        (p["lon"].as_f64(), p["lat"].as_f64()),
        (Some(112.205), Some(30.3))
    );
    assert!(
        (p["distance_m"].as_f64().unwrap() - 111.2).abs() < 0.5,
        "{p}"
    );
    assert_eq!(p["name"], "人民路");
    let (st, e) = s.get(&t, "/api/v1/roads/snap?at=112.205");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("at")));
    let (st, e) = s.get(&t, "/api/v1/roads/snap");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("at")));
    // Without a road network the routing API says so instead of guessing.
    let (_d2, plain) = city();
    let t2 = plain.login("ana");
    let (st, e) = plain.get(&t2, "/api/v1/roads/route?from=112.20,30.30&to=112.22,30.30");
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (503, Some("no_road_network"))
    );
}

#[test]
fn logging_out_ends_the_session_and_its_live_feed() {
    let (_d, s) = city();
    let t = s.login("boss");
    // Who one is, with what one may do: the console shows actions from these, not from its own
    // copy of the role rules.
    let (st, me) = s.get(&t, "/api/v1/me");
    assert_eq!(st, 200, "{me}");
    assert_eq!(
        me["capabilities"],
        json!([
            "read",
            "write_incident",
            "manage_unit",
            "update_own_unit",
            "plan_operations",
            "answer_instruction",
            "analyse"
        ])
    );
    let (_, ana) = s.get(&s.login("ana"), "/api/v1/me");
    assert_eq!(
        ana["capabilities"],
        json!(["read", "answer_instruction", "analyse"])
    );
    let mut feed = s.ws(&t, None);
    assert_eq!(feed.drain(Duration::from_millis(300))[0]["type"], "hello");
    let r = s
        .http
        .delete(s.url("/api/v1/session"))
        .bearer_auth(&t)
        .send()
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(s.get(&t, "/api/v1/me").0, 401);
    // The open feed closes at once (well before its 10-second session re-check).
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let mut closed = false;
    while std::time::Instant::now() < deadline && !closed {
        match feed.sock.read() {
            Ok(tungstenite::Message::Close(_)) | Err(tungstenite::Error::ConnectionClosed) => {
                closed = true
            }
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => closed = true,
            Ok(_) => {}
        }
    }
    assert!(closed, "live feed still open after logout");
}

#[test]
fn a_unit_terminal_reports_only_for_its_own_unit() {
    let (_d, s) = city();
    let disp = s.login("s1disp");
    let (_, mine) = s.post(
        &disp,
        "/api/v1/units",
        &json!({"call_sign": "一所巡01", "kind": "patrol_car"}),
    );
    let (_, other) = s.post(
        &disp,
        "/api/v1/units",
        &json!({"call_sign": "一所巡02", "kind": "patrol_car"}),
    );
    let id = mine["id"].as_i64().unwrap().to_string();
    let out = zhihui_stdin(
        &[
            "user",
            "add",
            "car1",
            "--role",
            "unit",
            "--org",
            "s1",
            "--unit-id",
            &id,
            "--data-dir",
            s.dir.to_str().unwrap(),
        ],
        &format!("{PW}\n"),
    );
    assert!(out.status.success());
    let t = s.login("car1");
    let (st, v) = s.patch(
        &t,
        &format!("/api/v1/units/{id}"),
        &json!({"status": "on_scene", "position": {"lon": 112.3, "lat": 30.3}}),
    );
    assert_eq!((st, v["status"].as_str()), (200, Some("on_scene")));
    assert_eq!(
        s.patch(
            &t,
            &format!("/api/v1/units/{}", other["id"]),
            &json!({"status": "off_duty"})
        )
        .0,
        403
    );
    assert_eq!(
        s.patch(
            &t,
            &format!("/api/v1/units/{id}"),
            &json!({"call_sign": "改名"})
        )
        .0,
        403
    );
    assert_eq!(s.post(&t, "/api/v1/incidents", &incident_body("x")).0, 403);
}

#[test]
fn recommendations_rank_free_units_of_the_right_kinds_by_road_time_not_straight_line() {
    // Main road along lat 30.30; a northern road reachable only via its east end: a unit up
    // there is close as the crow flies but far by road. 36 km/h everywhere (10 m/s).
    let (_dir, s) = city_on(
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"江汉路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.22,30.30],[112.24,30.30]]}},
         {"type":"Feature","properties":{"name":"北岸路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.22,30.305],[112.24,30.305],[112.24,30.30]]}}]}"#,
        &[],
    );
    let t = s.login("boss");
    let unit = |cs: &str, kind: &str, status: &str, lon: f64, lat: f64| {
        let (st, u) = s.post(&t, "/api/v1/units", &json!({"call_sign": cs, "kind": kind, "status": status, "position": {"lon": lon, "lat": lat}}));
        assert_eq!(st, 201, "{u}");
        u["id"].as_i64().unwrap()
    };
    let west = unit("西01", "patrol_car", "available", 112.205, 30.30);
    let north = unit("北01", "patrol_car", "available", 112.22, 30.305);
    let walker = unit("步01", "foot_patrol", "available", 112.215, 30.30);
    unit("交01", "traffic", "available", 112.221, 30.30);
    unit("休01", "patrol_car", "off_duty", 112.2201, 30.30);
    let mut b = incident_body("盗窃");
    b["location"] = json!({"lon": 112.22, "lat": 30.30});
    let (_, inc) = s.post(&t, "/api/v1/incidents", &b);
    let (st, recs) = s.get(
        &t,
        &format!("/api/v1/incidents/{}/recommendations?k=5", inc["id"]),
    );
    assert_eq!(st, 200, "{recs}");
    let ids: Vec<i64> = recs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit_id"].as_i64().unwrap())
        .collect();
    // Traffic units are not on a theft's run-card; off-duty units are not offered.
    // The northern car is 556 m away in a straight line but 4.4 km by road: behind the walker.
    assert_eq!(ids, [west, walker, north], "{recs}");
    let d = |lon1: f64, lon2: f64, lat: f64| {
        let x = (lon2 - lon1).to_radians() * lat.to_radians().cos();
        x.abs() * 6_371_008.8
    };
    let west_m = d(112.205, 112.22, 30.30);
    assert!(
        (recs[0]["distance_m"].as_f64().unwrap() - west_m).abs() < 5.0,
        "{recs}"
    );
    assert!((recs[0]["eta_s"].as_f64().unwrap() - west_m / 10.0).abs() < 1.0);
    let north_m = d(112.22, 112.24, 30.305) + 556.0 + d(112.22, 112.24, 30.30);
    assert!(
        (recs[2]["distance_m"].as_f64().unwrap() - north_m).abs() < 15.0,
        "{recs}"
    );
    // The walker goes at 5 km/h.
    let walk_m = d(112.215, 112.22, 30.30);
    assert!(
        (recs[1]["eta_s"].as_f64().unwrap() - walk_m / (5.0 / 3.6)).abs() < 2.0,
        "{recs}"
    );
    let (st, recs) = s.get(
        &t,
        &format!("/api/v1/incidents/{}/recommendations?k=1", inc["id"]),
    );
    assert_eq!((st, recs.as_array().unwrap().len()), (200, 1));
    let (st, e) = s.get(
        &t,
        &format!("/api/v1/incidents/{}/recommendations?k=0", inc["id"]),
    );
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("k")));
    let s2 = s.login("s2disp");
    assert_eq!(
        s.get(
            &s2,
            &format!("/api/v1/incidents/{}/recommendations", inc["id"])
        )
        .0,
        403
    );
}

#[test]
fn the_dispatch_loop_from_assignment_to_clearance_with_an_audited_override() {
    let (_dir, s) = city_on(
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"江汉路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.22,30.30],[112.24,30.30]]}}]}"#,
        &[],
    );
    let t = s.login("boss");
    let unit = |cs: &str, lon: f64| {
        let (_, u) = s.post(
            &t,
            "/api/v1/units",
            &json!({"call_sign": cs, "kind": "patrol_car", "position": {"lon": lon, "lat": 30.30}}),
        );
        u["id"].as_i64().unwrap()
    };
    let near = unit("近01", 112.215);
    let far = unit("远01", 112.235 + 0.004);
    let out = zhihui_stdin(
        &[
            "user",
            "add",
            "far1",
            "--role",
            "unit",
            "--org",
            "city",
            "--unit-id",
            &far.to_string(),
            "--data-dir",
            s.dir.to_str().unwrap(),
        ],
        &format!("{PW}\n"),
    );
    assert!(out.status.success());
    let mut b = incident_body("抢劫");
    b["location"] = json!({"lon": 112.22, "lat": 30.30});
    let (_, inc) = s.post(&t, "/api/v1/incidents", &b);
    let iid = inc["id"].as_i64().unwrap();
    let path = format!("/api/v1/incidents/{iid}/assignments");

    // Not the first recommendation: a reason is required, and then recorded.
    let (st, e) = s.post(&t, &path, &json!({"unit_id": far}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("reason")),
        "{e}"
    );
    assert!(e["error"]["message"].as_str().unwrap().contains("近01"));
    let (st, a) = s.post(
        &t,
        &path,
        &json!({"unit_id": far, "reason": "近01 正在加油"}),
    );
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["status"], "assigned");
    assert_eq!(a["override_reason"], "近01 正在加油");
    assert!(a["eta_s"].as_f64().unwrap() > 0.0);
    let aid = a["id"].as_i64().unwrap();
    // The same unit cannot be sent twice; the incident and the unit moved on.
    let (st, _) = s.post(&t, &path, &json!({"unit_id": far, "reason": "x"}));
    assert_eq!(st, 409);
    assert_eq!(
        s.get(&t, &format!("/api/v1/incidents/{iid}")).1["status"],
        "dispatched"
    );
    assert_eq!(
        s.get(&t, &format!("/api/v1/units/{far}")).1["status"],
        "dispatched"
    );
    let c = rusqlite::Connection::open(s.dir.join("zhihui.db")).unwrap();
    let detail: String = c
        .query_row(
            "SELECT detail FROM audit WHERE action = 'assignment.create' AND actor = 'boss'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("近01 正在加油"), "{detail}");

    // The unit terminal works its order; another unit's terminal may not.
    let u = s.login("far1");
    let (_, mine) = s.get(&u, &format!("/api/v1/units/{far}/assignments"));
    assert_eq!(mine["items"][0]["id"], aid);
    let step = |tok: &str, status: &str, result: Option<&str>| {
        let mut body = json!({"status": status});
        if let Some(r) = result {
            body["result"] = json!(r);
        }
        s.post(tok, &format!("/api/v1/assignments/{aid}/status"), &body)
    };
    assert_eq!(step(&u, "signed", None).0, 200);
    assert_eq!(step(&u, "signed", None).0, 409, "no step twice");
    assert_eq!(step(&u, "en_route", None).0, 200);
    assert_eq!(
        s.get(&t, &format!("/api/v1/units/{far}")).1["status"],
        "en_route"
    );
    assert_eq!(step(&u, "on_scene", None).0, 200);
    assert_eq!(
        s.get(&t, &format!("/api/v1/incidents/{iid}")).1["status"],
        "on_scene"
    );
    let (st, e) = step(&u, "cleared", None);
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("result")));
    assert_eq!(
        step(&u, "cancelled", Some("不想去")).0,
        403,
        "units do not cancel orders"
    );
    let (st, done) = step(&u, "cleared", Some("嫌疑人已控制,移交刑侦"));
    assert_eq!(st, 200);
    assert!(
        done["signed_at"].is_string()
            && done["on_scene_at"].is_string()
            && done["closed_at"].is_string()
    );
    assert_eq!(
        s.get(&t, &format!("/api/v1/units/{far}")).1["status"],
        "available"
    );

    // Every step is on the incident's timeline with its actor.
    let (_, tl) = s.get(&t, &format!("/api/v1/incidents/{iid}/timeline"));
    let steps: Vec<(String, String)> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("assignment."))
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("assignment.created", "boss"),
        ("assignment.signed", "far1"),
        ("assignment.en_route", "far1"),
        ("assignment.on_scene", "far1"),
        ("assignment.cleared", "far1"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(steps, want);

    // The incident leaves the system as a NENA EIDO document; that read is audited.
    let (st, e) = s.get(&t, &format!("/api/v1/incidents/{iid}/eido"));
    assert_eq!(st, 200);
    assert_eq!(
        e["incidentComponent"][0]["incidentTrackingIdentifier"],
        format!("JQ{iid}")
    );
    assert_eq!(e["incidentComponent"][0]["incidentCommonPriorityNumber"], 2);
    let res = &e["emergencyResourceComponent"][0];
    assert_eq!(res["emergencyResourceIdentifier"], "远01");
    assert!(res["onSceneTimeStamp"].is_string() && res["clearedTimeStamp"].is_string());
    assert!(e["locationComponent"][0]["locationByValue"]
        .as_str()
        .unwrap()
        .contains("<gml:pos>30.3 112.22</gml:pos>"));
    assert_eq!(
        e["personComponent"][0]["personTelephoneNumber"],
        "13800138000"
    );
    let c2 = rusqlite::Connection::open(s.dir.join("zhihui.db")).unwrap();
    let exports: i64 = c2
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'incident.export' AND actor = 'boss'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(exports, 1);

    // A closed incident takes no more units.
    s.patch(
        &t,
        &format!("/api/v1/incidents/{iid}"),
        &json!({"status": "closed", "disposition": "arrested"}),
    );
    let (st, _) = s.post(&t, &path, &json!({"unit_id": near}));
    assert_eq!(st, 409);
}

#[test]
fn unsigned_and_late_dispatch_orders_raise_one_alert_each_on_a_controlled_clock() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let d = dir.path().to_str().unwrap();
    assert!(zhihui_stdin(
        &["user", "add", "root", "--role", "admin", "--data-dir", d],
        &format!("{PW}\n")
    )
    .status
    .success());
    let roads = dir.path().join("city.geojson");
    std::fs::write(
        &roads,
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"江汉路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.22,30.30],[112.24,30.30]]}}]}"#,
    )
    .unwrap();
    let s = Server::start(
        dir.path(),
        &["--roads", roads.to_str().unwrap(), "--test-clock"],
    );
    let t = s.login("s1disp");
    let root = s.login("root");
    let (_, u) = s.post(&t, "/api/v1/units", &json!({"call_sign": "一所巡01", "kind": "patrol_car", "position": {"lon": 112.205, "lat": 30.30}}));
    let mut b = incident_body("打架");
    b["location"] = json!({"lon": 112.22, "lat": 30.30});
    let (_, inc) = s.post(&t, "/api/v1/incidents", &b);
    let (st, a) = s.post(
        &t,
        &format!("/api/v1/incidents/{}/assignments", inc["id"]),
        &json!({"unit_id": u["id"]}),
    );
    assert_eq!(st, 201, "{a}");
    let eta = a["eta_s"].as_f64().unwrap();
    assert!((eta - 144.0).abs() < 2.0, "{eta}");
    let mut feed = s.ws(&t, None);
    feed.drain(Duration::from_millis(200));
    let advance = |secs: f64| {
        let (st, v) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": secs}));
        assert_eq!(st, 200, "{v}");
        v["alerts_raised"].as_u64().unwrap()
    };
    let kinds = |s: &Server| -> Vec<String> {
        let (_, v) = s.get(&t, "/api/v1/alerts");
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(advance(59.0), 0, "not yet a minute");
    assert_eq!(advance(2.0), 1, "a minute without signing");
    assert_eq!(advance(5.0), 0, "raised once only");
    assert_eq!(kinds(&s), ["unsigned"]);
    let got = feed.drain(Duration::from_millis(800));
    let alerts: Vec<&Value> = got.iter().filter(|m| m["record_type"] == "alert").collect();
    assert_eq!(alerts.len(), 1, "{got:?}");
    assert_eq!(alerts[0]["data"]["kind"], "unsigned");
    assert!(alerts[0]["data"]["message"]
        .as_str()
        .unwrap()
        .contains("一所巡01"));

    // Signed, but still not there by 1.5 × ETA.
    s.post(
        &t,
        &format!("/api/v1/assignments/{}/status", a["id"]),
        &json!({"status": "signed"}),
    );
    let so_far = 66.0;
    assert_eq!(advance(1.5 * eta - so_far - 5.0), 0);
    assert_eq!(advance(10.0), 1);
    assert_eq!(advance(60.0), 0);
    assert_eq!(kinds(&s), ["late_arrival", "unsigned"]);
    // Other stations do not see them; only administrators move the clock.
    let s2 = s.login("s2disp");
    assert_eq!(
        s.get(&s2, "/api/v1/alerts").1["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        s.post(&t, "/api/v1/test/clock", &json!({"advance_s": 1})).0,
        403
    );
    let (_d2, plain) = city();
    let r2 = plain.login("boss");
    assert_eq!(
        plain
            .post(&r2, "/api/v1/test/clock", &json!({"advance_s": 1}))
            .0,
        404
    );
}

#[test]
fn instructions_reach_targets_and_supervision_at_once_and_escalate_once_when_overdue() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let d = dir.path().to_str().unwrap();
    for (name, role) in [("root", "admin"), ("sup", "supervisor")] {
        assert!(zhihui_stdin(
            &["user", "add", name, "--role", role, "--data-dir", d],
            &format!("{PW}\n")
        )
        .status
        .success());
    }
    let s = Server::start(dir.path(), &["--test-clock"]);
    let (boss, root, sup) = (s.login("boss"), s.login("root"), s.login("sup"));
    let (s1, s2) = (s.login("s1disp"), s.login("s2disp"));
    let mut sup_feed = s.ws(&sup, None);
    let mut s2_feed = s.ws(&s2, None);
    sup_feed.drain(Duration::from_millis(200));
    s2_feed.drain(Duration::from_millis(200));

    let deadline = |secs: i64| {
        let (_, me) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": 0}));
        let now = chrono::DateTime::parse_from_rfc3339(me["now"].as_str().unwrap()).unwrap();
        (now + chrono::Duration::seconds(secs)).to_rfc3339()
    };
    let body = json!({"title": "加强夜间巡逻", "body": "各所今晚加强辖区巡逻", "targets": [{"org_id": "s1"}, {"org_id": "s2"}],
                      "deadline": deadline(3600), "feedback_required": true});
    let (st, ins) = s.post(&boss, "/api/v1/instructions", &body);
    assert_eq!(st, 201, "{ins}");
    let id = ins["id"].as_i64().unwrap();
    assert_eq!(ins["recipients"].as_array().unwrap().len(), 2);
    // Supervision and the recipients see it at the same moment.
    for feed in [&mut sup_feed, &mut s2_feed] {
        let got = feed.drain(Duration::from_millis(600));
        assert!(
            got.iter()
                .any(|m| m["kind"] == "instruction.issued" && m["record_id"] == id),
            "{got:?}"
        );
    }
    assert_eq!(s.get(&s1, &format!("/api/v1/instructions/{id}")).0, 200);

    let sign = |tok: &str, target: &str| {
        s.post(
            tok,
            &format!("/api/v1/instructions/{id}/sign"),
            &json!({"target": target}),
        )
    };
    assert_eq!(
        sign(&s1, "org:s2").0,
        403,
        "a station answers only for itself"
    );
    assert_eq!(
        sign(&sup, "org:s1").0,
        403,
        "supervision watches, it does not sign"
    );
    assert_eq!(sign(&s1, "org:s1").0, 200);
    assert_eq!(sign(&s1, "org:s1").0, 409);
    let (st, v) = s.post(
        &s1,
        &format!("/api/v1/instructions/{id}/feedback"),
        &json!({"target": "org:s1", "text": "已安排两组巡逻"}),
    );
    assert_eq!(st, 200);
    assert_eq!(v["recipients"][0]["status"], "done");

    // Station 2 does nothing: past the deadline it escalates once, to its district.
    let advance = |secs: f64| {
        s.post(&root, "/api/v1/test/clock", &json!({"advance_s": secs}))
            .1["alerts_raised"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(advance(3500.0), 0);
    assert_eq!(advance(200.0), 1);
    assert_eq!(advance(600.0), 0, "escalates once only");
    let (_, alerts) = s.get(&boss, "/api/v1/alerts");
    let overdue: Vec<&Value> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "instruction_overdue")
        .collect();
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["org_id"], "d1");
    assert_eq!(overdue[0]["data"]["target"], "org:s2");
    let (_, v) = s.get(&boss, &format!("/api/v1/instructions/{id}"));
    assert!(v["escalated_at"].is_string());
    let got = s2_feed.drain(Duration::from_millis(600));
    assert!(
        got.iter().any(|m| m["kind"] == "instruction.reminded"),
        "催办 reaches the late station: {got:?}"
    );

    // Late feedback is still taken; then the issuer closes it with an outcome.
    assert_eq!(
        s.post(
            &s2,
            &format!("/api/v1/instructions/{id}/feedback"),
            &json!({"target": "org:s2", "text": "补报:已落实"})
        )
        .0,
        200
    );
    assert_eq!(
        s.post(
            &sup,
            &format!("/api/v1/instructions/{id}/close"),
            &json!({"outcome": "x"})
        )
        .0,
        403
    );
    let (st, e) = s.post(
        &boss,
        &format!("/api/v1/instructions/{id}/close"),
        &json!({"outcome": " "}),
    );
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("outcome")));
    let (st, v) = s.post(
        &boss,
        &format!("/api/v1/instructions/{id}/close"),
        &json!({"outcome": "两所均已落实"}),
    );
    assert_eq!((st, v["status"].as_str()), (200, Some("closed")));
    assert_eq!(
        s.post(
            &s2,
            &format!("/api/v1/instructions/{id}/feedback"),
            &json!({"target": "org:s2", "text": "x"})
        )
        .0,
        409
    );
    let (_, closed) = s.get(&sup, "/api/v1/instructions?status=closed");
    assert_eq!(closed["items"][0]["id"], id);

    // Bad requests name the field; a station cannot instruct its neighbour.
    let mut bad = body.clone();
    bad["deadline"] = json!("2000-01-01T00:00:00Z");
    let (st, e) = s.post(&boss, "/api/v1/instructions", &bad);
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("deadline")));
    let mut bad = body.clone();
    bad["targets"] = json!([{"org_id": "s1", "unit_id": 3}]);
    let (st, e) = s.post(&boss, "/api/v1/instructions", &bad);
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("targets[0]"))
    );
    let mut other = body.clone();
    other["targets"] = json!([{"org_id": "s2"}]);
    other["deadline"] = json!(deadline(3600));
    assert_eq!(s.post(&s1, "/api/v1/instructions", &other).0, 403);
    assert_eq!(
        s.post(&sup, "/api/v1/instructions", &other).0,
        403,
        "supervisors do not issue"
    );
}

#[test]
fn positions_are_snapped_to_roads_and_a_bulk_feed_is_stored_whole_or_not_at_all() {
    let (_dir, s) = city_on(
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"江汉路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.24,30.30]]}}]}"#,
        &[],
    );
    let t = s.login("boss");
    let ids: Vec<i64> = (0..3)
        .map(|i| {
            s.post(
                &t,
                "/api/v1/units",
                &json!({"call_sign": format!("车{i}"), "kind": "patrol_car"}),
            )
            .1["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    // 50 m north of the road: the unit is placed on it.
    let (st, u) = s.post(
        &t,
        &format!("/api/v1/units/{}/positions", ids[0]),
        &json!({"lon": 112.21, "lat": 30.30045}),
    );
    assert_eq!(st, 200, "{u}");
    assert!(
        (u["position"]["lat"].as_f64().unwrap() - 30.30).abs() < 1e-6,
        "{u}"
    );
    assert!((u["position"]["lon"].as_f64().unwrap() - 112.21).abs() < 1e-4);
    let items: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"unit_id": id, "lon": 112.22 + i as f64 * 0.001, "lat": 30.30}))
        .collect();
    let (st, v) = s.post(&t, "/api/v1/positions", &json!({"items": items}));
    assert_eq!((st, v["accepted"].as_u64()), (200, Some(3)));
    let (_, u2) = s.get(&t, &format!("/api/v1/units/{}", ids[2]));
    assert!((u2["position"]["lon"].as_f64().unwrap() - 112.222).abs() < 1e-6);
    // One bad report refuses the whole batch, naming it; nothing moves.
    let bad = json!({"items": [{"unit_id": ids[0], "lon": 112.23, "lat": 30.30}, {"unit_id": 999, "lon": 112.23, "lat": 30.30}]});
    let (st, e) = s.post(&t, "/api/v1/positions", &bad);
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("items[1].unit_id")),
        "{e}"
    );
    let bad = json!({"items": [{"unit_id": ids[0], "lon": 112.23, "lat": 95.0}]});
    let (st, e) = s.post(&t, "/api/v1/positions", &bad);
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("items[0].lat")),
        "{e}"
    );
    let (_, u0) = s.get(&t, &format!("/api/v1/units/{}", ids[0]));
    assert!(
        (u0["position"]["lon"].as_f64().unwrap() - 112.22).abs() < 1e-6,
        "unchanged: {u0}"
    );
    let s2 = s.login("s2disp");
    assert_eq!(
        s.post(
            &s2,
            &format!("/api/v1/units/{}/positions", ids[0]),
            &json!({"lon": 112.21, "lat": 30.30})
        )
        .0,
        403
    );
}

#[test]
fn the_daily_bulletin_agrees_with_the_event_log_and_downloads_as_xlsx() {
    let (_dir, s) = city_on(
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"江汉路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.20,30.30],[112.24,30.30]]}}]}"#,
        &[],
    );
    let t = s.login("s1disp");
    let kinds = [
        ("fire", "building_fire"),
        ("traffic", "collision"),
        ("traffic", "collision"),
        ("dispute", "family"),
        ("criminal", "theft"),
    ];
    let mut first_received = String::new();
    let mut incident_ids = Vec::new();
    for (k, sub) in kinds {
        let mut b = incident_body(k);
        b["type"] = json!(k);
        b["subtype"] = json!(sub);
        b.as_object_mut().unwrap().remove("priority");
        b["location"] = json!({"lon": 112.22, "lat": 30.30});
        let (_, inc) = s.post(&t, "/api/v1/incidents", &b);
        if first_received.is_empty() {
            first_received = inc["received_at"].as_str().unwrap().to_owned();
        }
        incident_ids.push(inc["id"].as_i64().unwrap());
    }
    // A second caller reports the fire: merged into it, a call but not another incident.
    let mut dup = incident_body("fire");
    dup["type"] = json!("fire");
    dup["subtype"] = json!("building_fire");
    dup["priority"] = json!(1);
    dup["location"] = json!({"lon": 112.2201, "lat": 30.30});
    dup["merge_into"] = json!(incident_ids[0]);
    let (st, d) = s.post(&t, "/api/v1/incidents", &dup);
    assert_eq!(
        (st, &d["merged_into"]),
        (201, &json!(incident_ids[0])),
        "{d}"
    );
    for (i, incident_id) in incident_ids.iter().take(2).enumerate() {
        let (_, u) = s.post(&t, "/api/v1/units", &json!({"call_sign": format!("所车{i}"), "kind": "patrol_car", "position": {"lon": 112.21, "lat": 30.30}}));
        let (st, a) = s.post(
            &t,
            &format!("/api/v1/incidents/{incident_id}/assignments"),
            &json!({"unit_id": u["id"], "reason": "测试"}),
        );
        assert_eq!(st, 201, "{a}");
        if i == 0 {
            s.post(
                &t,
                &format!("/api/v1/assignments/{}/status", a["id"]),
                &json!({"status": "on_scene"}),
            );
        }
    }
    let date = (chrono::DateTime::parse_from_rfc3339(&first_received).unwrap()
        + chrono::Duration::hours(8))
    .format("%Y-%m-%d")
    .to_string();
    let (st, b) = s.get(&t, &format!("/api/v1/bulletin?date={date}"));
    assert_eq!(st, 200, "{b}");

    // The same figures counted straight from the event log.
    let c = rusqlite::Connection::open(s.dir.join("zhihui.db")).unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    // Incidents are the calls not merged into another one.
    let by_type = |k: &str| {
        count(&format!("SELECT COUNT(*) FROM events WHERE kind = 'incident.created' AND json_extract(payload, '$.record.type') = '{k}' AND org_id = 's1' AND record_id NOT IN (SELECT record_id FROM events WHERE kind = 'incident.merged')"))
    };
    let calls = count("SELECT COUNT(*) FROM events WHERE kind = 'incident.created'");
    assert_eq!(b["calls_received"].as_i64().unwrap(), calls);
    assert_eq!(b["duplicate_calls"].as_i64().unwrap(), 1);
    for entry in b["incidents_by_type"].as_array().unwrap() {
        assert_eq!(
            entry["count"].as_i64().unwrap(),
            by_type(entry["code"].as_str().unwrap()),
            "{entry}"
        );
    }
    assert_eq!(b["incidents_total"].as_i64().unwrap(), calls - 1);
    assert_eq!(b["incidents_by_type"][3]["code"], "fire");
    assert_eq!(
        b["incidents_by_type"][3]["count"], 1,
        "the duplicate is not a second fire"
    );
    assert_eq!(b["call_to_dispatch"]["n"].as_i64().unwrap(), count("SELECT COUNT(DISTINCT json_extract(payload, '$.record.incident_id')) FROM events WHERE kind = 'assignment.created'"));
    assert_eq!(
        b["dispatch_to_arrival"]["n"].as_i64().unwrap(),
        count("SELECT COUNT(*) FROM events WHERE kind = 'assignment.on_scene'")
    );
    assert!(b["call_to_dispatch"]["median_s"].as_f64().unwrap() >= 0.0);
    // Another station's bulletin is not for this station to read; an unknown date is refused.
    assert_eq!(s.get(&t, "/api/v1/bulletin?org_id=s2").0, 403);
    let (st, e) = s.get(&t, "/api/v1/bulletin?date=28-11-2026");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("date")));
    let (_, other_day) = s.get(&t, "/api/v1/bulletin?date=2001-01-01");
    assert_eq!(other_day["incidents_total"], 0);

    let r = s
        .http
        .get(s.url(&format!("/api/v1/bulletin.xlsx?date={date}")))
        .bearer_auth(&t)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = r.bytes().unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip archive");
    assert!(bytes
        .windows(b"xl/worksheets/sheet1.xml".len())
        .any(|w| w == b"xl/worksheets/sheet1.xml"));
}

#[test]
fn a_unit_sent_outside_its_station_reads_the_incident_and_gets_its_orders_live() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let boss = s.login("boss");
    let (_, u) = s.post(
        &boss,
        "/api/v1/units",
        &json!({"call_sign": "一所巡09", "kind": "patrol_car", "org_id": "s1"}),
    );
    let uid = u["id"].as_i64().unwrap();
    let d = s.dir.to_str().unwrap().to_owned();
    assert!(zhihui_stdin(
        &[
            "user",
            "add",
            "car9",
            "--role",
            "unit",
            "--org",
            "s1",
            "--unit-id",
            &uid.to_string(),
            "--data-dir",
            &d
        ],
        &format!("{PW}\n")
    )
    .status
    .success());
    let car = s.login("car9");
    // A city incident: outside station 1's jurisdiction.
    let (_, inc) = s.post(&boss, "/api/v1/incidents", &incident_body("市局直接指派"));
    let path = format!("/api/v1/incidents/{}", inc["id"]);
    assert_eq!(s.get(&car, &path).0, 403, "not before it is sent");
    let mut feed = s.ws(&car, None);
    feed.drain(Duration::from_millis(200));
    let (st, a) = s.post(
        &boss,
        &format!("{path}/assignments"),
        &json!({"unit_id": uid}),
    );
    assert_eq!(st, 201, "{a}");
    assert_eq!(
        s.get(&car, &path).0,
        200,
        "the unit reads what it was sent to"
    );
    let got = feed.drain(Duration::from_millis(600));
    assert!(
        got.iter().any(|m| m["kind"] == "assignment.created"),
        "{got:?}"
    );
    assert_eq!(
        s.post(
            &car,
            &format!("/api/v1/assignments/{}/status", a["id"]),
            &json!({"status": "signed"})
        )
        .0,
        200
    );
    // Still no access to the city's other incidents.
    let (_, other) = s.post(&boss, "/api/v1/incidents", &incident_body("别的警情"));
    assert_eq!(
        s.get(&car, &format!("/api/v1/incidents/{}", other["id"])).0,
        403
    );
}

/// A point `m` meters north of (112.24, 30.33), where `incident_body` puts its calls.
fn north_of_default(m: f64) -> Value {
    json!({"lon": 112.24, "lat": 30.33 + m / 111_195.0})
}

#[test]
fn duplicate_calls_are_offered_by_type_distance_time_and_jurisdiction() {
    let (_d, s) = city();
    let boss = s.login("boss");
    let create = |tok: &str, kind: &str, sub: &str, meters: f64, minutes_ago: i64, org: &str| {
        let mut b = incident_body("重复报警测试");
        b["type"] = json!(kind);
        b["subtype"] = json!(sub);
        // Filed at the kind's default priority.
        b.as_object_mut().unwrap().remove("priority");
        b["location"] = north_of_default(meters);
        b["org_id"] = json!(org);
        let at = chrono::Utc::now() - chrono::Duration::minutes(minutes_ago);
        b["received_at"] = json!(at.to_rfc3339());
        let (st, inc) = s.post(tok, "/api/v1/incidents", &b);
        assert_eq!(st, 201, "{inc}");
        inc["id"].as_i64().unwrap()
    };
    let theft = create(&boss, "criminal", "theft", 0.0, 5, "city");
    let fight = create(&boss, "public_order", "fight", 300.0, 2, "city");
    let _crash = create(&boss, "traffic", "collision", 10.0, 1, "city");
    let far = create(&boss, "criminal", "theft", 700.0, 1, "city");
    let old = create(&boss, "criminal", "theft", 0.0, 20, "city");
    let closed = create(&boss, "criminal", "theft", 0.0, 1, "city");
    s.patch(
        &boss,
        &format!("/api/v1/incidents/{closed}"),
        &json!({"status": "closed", "disposition": "resolved_on_scene"}),
    );
    let station2 = create(&boss, "criminal", "robbery", 50.0, 3, "s2");

    let ids = |v: &Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{v}"))
            .iter()
            .map(|d| d["incident"]["id"].as_i64().unwrap())
            .collect()
    };
    let q = "/api/v1/incidents/duplicates?type=criminal&lon=112.24&lat=30.33";
    let (st, v) = s.get(&boss, q);
    assert_eq!(st, 200, "{v}");
    // Related (public order ~ criminal), open, within 500 m and 15 minutes; nearest first.
    assert_eq!(ids(&v), [theft, station2, fight], "{v}");
    let item = &v["items"][2];
    assert!(
        (item["distance_m"].as_f64().unwrap() - 300.0).abs() < 1.0,
        "{item}"
    );
    let apart = item["seconds_apart"].as_i64().unwrap();
    assert!((-130..=-110).contains(&apart), "{item}");
    assert_eq!(v["items"][0]["incident"]["caller"]["phone"], "138****8000");
    // A call at another time sees another window; equally near, the closer in time comes first.
    let at = (chrono::Utc::now() - chrono::Duration::minutes(19)).to_rfc3339();
    let (_, v) = s.get(&boss, &format!("{q}&at={}", at.replace('+', "%2B")));
    assert_eq!(ids(&v), [old, theft], "{v}");
    // Jurisdiction: a station sees only its own incidents.
    assert_eq!(ids(&s.get(&s.login("s2disp"), q).1), [station2]);
    assert_eq!(ids(&s.get(&s.login("s1disp"), q).1), Vec::<i64>::new());
    // Traffic is not related to crime: the collision ten meters away is not offered.
    let (_, v) = s.get(
        &boss,
        "/api/v1/incidents/duplicates?type=traffic&lon=112.24&lat=30.33",
    );
    assert!(!ids(&v).contains(&theft), "{v}");
    // For a recorded incident: itself left out.
    let (st, v) = s.get(&boss, &format!("/api/v1/incidents/{fight}/duplicates"));
    assert_eq!(st, 200);
    assert_eq!(ids(&v), [station2, theft, far], "{v}");
    assert_eq!(
        s.get(
            &s.login("s1disp"),
            &format!("/api/v1/incidents/{fight}/duplicates")
        )
        .0,
        403
    );

    // Bad input names the field.
    for (path, status, field) in [
        (
            "/api/v1/incidents/duplicates?lon=112.24&lat=30.33",
            400,
            "type",
        ),
        (
            "/api/v1/incidents/duplicates?type=nope&lon=112.24&lat=30.33",
            422,
            "type",
        ),
        (
            "/api/v1/incidents/duplicates?type=criminal&lon=200&lat=30.33",
            422,
            "lon",
        ),
        (
            "/api/v1/incidents/duplicates?type=criminal&lon=x&lat=30.33",
            400,
            "lon",
        ),
        (
            "/api/v1/incidents/duplicates?type=criminal&lon=112.24",
            400,
            "lat",
        ),
        (
            "/api/v1/incidents/duplicates?type=criminal&lon=112.24&lat=30.33&at=soon",
            400,
            "at",
        ),
        (
            "/api/v1/incidents/duplicates?type=criminal&lon=112.24&lat=30.33&radius=9",
            400,
            "radius",
        ),
    ] {
        let (st, e) = s.get(&boss, path);
        assert_eq!(
            (st, e["error"]["field"].as_str()),
            (status, Some(field)),
            "{path}: {e}"
        );
    }
}

#[test]
fn merging_a_duplicate_keeps_both_calls_on_both_timelines_audited_and_live() {
    let (_d, s) = city();
    let boss = s.login("boss");
    let other = s.login("disp2");
    let (_, first) = s.post(&boss, "/api/v1/incidents", &incident_body("电动车被盗"));
    let keep = first["id"].as_i64().unwrap();
    let mut b = incident_body("看见有人撬电动车锁");
    b["caller"] = json!({"name": "李四", "phone": "13900139000"});
    b["location"] = north_of_default(120.0);
    b["type"] = json!("public_order");
    b["subtype"] = json!("disturbance");
    b["priority"] = json!(1);
    let (_, second) = s.post(&other, "/api/v1/incidents", &b);
    let dup = second["id"].as_i64().unwrap();
    let mut feed = s.ws(&boss, None);
    feed.drain(Duration::from_millis(200));

    let (st, m) = s.post(
        &other,
        &format!("/api/v1/incidents/{dup}/merge"),
        &json!({"into": keep, "version": 1}),
    );
    assert_eq!(st, 200, "{m}");
    assert_eq!(m["merged"]["status"], "closed");
    assert_eq!(m["merged"]["disposition"], "duplicate");
    assert_eq!(m["merged"]["merged_into"], keep);
    assert_eq!(m["into"]["merged_from"], json!([dup]));
    assert_eq!(
        m["into"]["priority"], 1,
        "the more urgent call sets the priority"
    );
    assert_eq!(m["into"]["status"], "new");
    assert_eq!(m["merged"]["caller"]["phone"], "139****9000");

    // Both timelines show the merge with its actor; the survivor's carries the call itself.
    let timeline = |id: i64| s.get(&boss, &format!("/api/v1/incidents/{id}/timeline")).1;
    let tl = timeline(dup);
    let last = tl["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["actor"].as_str()),
        (Some("incident.merged"), Some("disp2"))
    );
    assert_eq!(
        last["data"]["changes"]["disposition"],
        json!([null, "duplicate"])
    );
    assert_eq!(last["data"]["into"], keep);
    let tl = timeline(keep);
    let last = tl["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["kind"].as_str(), last["actor"].as_str()),
        (Some("incident.call_added"), Some("disp2"))
    );
    let call = &last["data"]["call"];
    assert_eq!(call["incident_id"], dup);
    assert_eq!(
        call["caller"],
        json!({"name": "李四", "phone": "13900139000"})
    );
    assert_eq!(call["description"], "看见有人撬电动车锁");
    assert_eq!(call["received_at"], second["received_at"]);
    assert_eq!(last["data"]["changes"]["priority"], json!([2, 1]));

    // On record, and live for the jurisdiction (callers masked, no call details on the feed).
    let audit = audit_rows(&s.dir);
    assert!(audit.contains(&(
        "disp2".into(),
        "incident.merge".into(),
        format!("incident:{dup}"),
        "ok".into()
    )));
    let got = feed.drain(Duration::from_millis(800));
    let kinds: Vec<(&str, i64)> = got
        .iter()
        .filter(|e| e["type"] == "event")
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["record_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("incident.merged", dup), ("incident.call_added", keep)],
        "{got:?}"
    );
    assert!(
        got.iter().all(|e| !e.to_string().contains("13900139000")),
        "{got:?}"
    );
    assert_eq!(got[1]["data"]["merged_from"], json!([dup]));

    // State rules.
    let merge = |tok: &str, id: i64, body: Value| {
        s.post(tok, &format!("/api/v1/incidents/{id}/merge"), &body)
    };
    let (st, e) = merge(&boss, dup, json!({"into": keep}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (409, Some("status")),
        "closed: {e}"
    );
    let (st, e) = merge(&boss, keep, json!({"into": keep}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("into")),
        "itself: {e}"
    );
    let (st, e) = merge(&boss, keep, json!({"into": dup}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (409, Some("into")),
        "into a closed one: {e}"
    );
    let (st, e) = merge(&boss, keep, json!({"into": 9999}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("into")),
        "{e}"
    );
    let (st, e) = merge(&boss, keep, json!({"into": "x"}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (422, Some("into")),
        "{e}"
    );
    let (_, third) = s.post(&boss, "/api/v1/incidents", &incident_body("第三个电话"));
    let third = third["id"].as_i64().unwrap();
    let (st, e) = merge(&boss, third, json!({"into": keep, "version": 7}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (409, Some("version")),
        "{e}"
    );
    // Role and jurisdiction, refusals audited.
    let ana = s.login("ana");
    assert_eq!(merge(&ana, third, json!({"into": keep})).0, 403);
    let mut b = incident_body("一所的警情");
    b["org_id"] = json!("s1");
    let (_, s1inc) = s.post(&boss, "/api/v1/incidents", &b);
    let s1inc = s1inc["id"].as_i64().unwrap();
    let s1 = s.login("s1disp");
    assert_eq!(
        merge(&s1, s1inc, json!({"into": keep})).0,
        403,
        "the city's incident is out of reach"
    );
    assert_eq!(merge(&s1, keep, json!({"into": s1inc})).0, 403);
    let audit = audit_rows(&s.dir);
    for who in ["ana", "s1disp"] {
        assert!(
            audit
                .iter()
                .any(|(a, act, _, o)| a == who && act == "incident.merge" && o == "denied"),
            "{who}: {audit:?}"
        );
    }
    // Units on their way: clear or cancel first.
    let (_, u) = s.post(
        &boss,
        "/api/v1/units",
        &json!({"call_sign": "城01", "kind": "patrol_car"}),
    );
    let (st, a) = s.post(
        &boss,
        &format!("/api/v1/incidents/{third}/assignments"),
        &json!({"unit_id": u["id"]}),
    );
    assert_eq!(st, 201, "{a}");
    let (st, e) = merge(&boss, third, json!({"into": keep}));
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (409, Some("assignments")),
        "{e}"
    );
    assert!(e["error"]["message"].as_str().unwrap().contains("城01"));
    s.post(
        &boss,
        &format!("/api/v1/assignments/{}/status", a["id"]),
        &json!({"status": "cancelled", "result": "重复报警"}),
    );
    assert_eq!(merge(&boss, third, json!({"into": keep})).0, 200);
    assert_eq!(
        s.get(&boss, &format!("/api/v1/incidents/{keep}")).1["merged_from"],
        json!([dup, third])
    );
}

#[test]
fn a_call_is_recorded_and_merged_in_one_step_or_not_at_all() {
    let (_d, s) = city();
    let boss = s.login("boss");
    let (_, first) = s.post(&boss, "/api/v1/incidents", &incident_body("店铺被盗"));
    let keep = first["id"].as_i64().unwrap();
    let count = || {
        s.get(&boss, "/api/v1/incidents?limit=1").1["total"]
            .as_i64()
            .unwrap()
    };
    let events = || {
        let c = rusqlite::Connection::open(s.dir.join("zhihui.db")).unwrap();
        c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };

    let mut b = incident_body("又一个电话说店铺被盗");
    b["caller"] = json!({"name": "王五", "phone": "13700137000"});
    b["merge_into"] = json!(keep);
    let (st, rec) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!(st, 201, "{rec}");
    assert_eq!(rec["status"], "closed");
    assert_eq!(rec["disposition"], "duplicate");
    assert_eq!(rec["merged_into"], keep);
    let dup = rec["id"].as_i64().unwrap();
    let (_, k) = s.get(&boss, &format!("/api/v1/incidents/{keep}"));
    assert_eq!(k["merged_from"], json!([dup]));
    // Handed to another agency, the incident carries both calls and both callers.
    let (st, eido) = s.get(&boss, &format!("/api/v1/incidents/{keep}/eido"));
    assert_eq!(st, 200, "{eido}");
    let phones: Vec<&str> = eido["personComponent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["personTelephoneNumber"].as_str().unwrap())
        .collect();
    assert_eq!(
        phones,
        [k["caller"]["phone"].as_str().unwrap(), "13700137000"]
    );
    assert_eq!(eido["callComponent"].as_array().unwrap().len(), 2);
    assert_eq!(
        eido["incidentComponent"][0]["callReference"][1]["$ref"],
        eido["callComponent"][1]["$id"]
    );
    let (_, tl) = s.get(&boss, &format!("/api/v1/incidents/{dup}/timeline"));
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["incident.created", "incident.merged"]);

    // A refused merge leaves no new record and no event behind.
    let (n, e0) = (count(), events());
    for (into, status) in [(json!(dup), 409), (json!(4242), 422)] {
        b["merge_into"] = into;
        let (st, e) = s.post(&boss, "/api/v1/incidents", &b);
        assert_eq!(
            (st, e["error"]["field"].as_str()),
            (status, Some("merge_into")),
            "{e}"
        );
    }
    b["merge_into"] = json!(keep);
    b["priority"] = json!(9);
    let (st, e) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!((st, e["error"]["field"].as_str()), (422, Some("priority")));
    assert_eq!((count(), events()), (n, e0));
}

/// The shared OpenStreetMap extracts (`$ZHIHUI_SHARED_DATA/roads`, default `../shared/data`).
fn shared_roads(file: &str) -> Option<std::path::PathBuf> {
    let base = std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
        });
    let p = base.join("roads").join(file);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping {file}: not found at {}", p.display());
        None
    }
}

#[test]
fn recommendations_come_in_exact_travel_time_order_checked_against_plain_dijkstra_on_shared_extracts(
) {
    use zhihui_roads::{Profile, RoadNetwork};
    for file in ["liechtenstein.osm.pbf", "monaco.osm.pbf"] {
        let Some(pbf) = shared_roads(file) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        setup_city(dir.path());
        let s = Server::start(dir.path(), &["--roads", pbf.to_str().unwrap()]);
        let net = RoadNetwork::load(&pbf).unwrap();
        let t = s.login("boss");
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut pick = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let [lon, lat] = net
                .node_position((rng % net.node_count() as u64) as u32)
                .unwrap();
            json!({"lon": lon, "lat": lat})
        };
        let mut units: Vec<(i64, Profile, Value)> = Vec::new();
        for i in 0..36 {
            // Cars drive, foot patrols walk: each is ranked on its own profile.
            let (kind, profile) = if i % 4 == 3 {
                ("foot_patrol", Profile::Foot)
            } else {
                ("patrol_car", Profile::Police)
            };
            let pos = pick();
            let (st, u) = s.post(
                &t,
                "/api/v1/units",
                &json!({"call_sign": format!("测{i:02}"), "kind": kind, "position": pos}),
            );
            assert_eq!(st, 201, "{u}");
            units.push((u["id"].as_i64().unwrap(), profile, u["position"].clone()));
        }
        let mut compared = 0;
        for n in 0..6 {
            let mut b = incident_body("精确排序");
            b["location"] = pick();
            let (_, inc) = s.post(&t, "/api/v1/incidents", &b);
            let (st, recs) = s.get(
                &t,
                &format!("/api/v1/incidents/{}/recommendations?k=50", inc["id"]),
            );
            assert_eq!(st, 200, "{recs}");
            let at = &inc["location"];
            let mut want: Vec<(f64, i64)> = units
                .iter()
                .filter_map(|(id, profile, pos)| {
                    let from =
                        net.snap_for(*profile, pos["lon"].as_f64()?, pos["lat"].as_f64()?)?;
                    let to = net.snap_for(*profile, at["lon"].as_f64()?, at["lat"].as_f64()?)?;
                    let r = net.route_dijkstra(*profile, &from, &to)?;
                    Some((r.seconds, *id))
                })
                .collect();
            want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let got: Vec<(f64, i64)> = recs
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["eta_s"].as_f64().unwrap(), r["unit_id"].as_i64().unwrap()))
                .collect();
            compared += want.len();
            assert_eq!(
                got.iter().map(|g| g.1).collect::<Vec<_>>(),
                want.iter().map(|w| w.1).collect::<Vec<_>>(),
                "{file}, incident {n}: order differs from Dijkstra\n got {got:?}\nwant {want:?}"
            );
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g.0 - w.0).abs() < 1e-6,
                    "{file}: unit {} eta {} vs Dijkstra {}",
                    g.1,
                    g.0,
                    w.0
                );
            }
        }
        // Some random points sit on islands of the network (a car park, a private lane); most
        // must not, or the comparison proves little.
        eprintln!("{file}: {compared} unit-incident pairs compared");
        assert!(
            compared >= 6 * 36 / 2,
            "{file}: only {compared} pairs reachable"
        );
    }
}

/// Denied-or-unauthenticated audit rows of `actor`, counted straight from the database.
fn refusals_of(dir: &std::path::Path, actor: &str) -> i64 {
    let c = rusqlite::Connection::open(dir.join("zhihui.db")).unwrap();
    c.query_row(
        "SELECT COUNT(*) FROM audit WHERE actor = ?1 AND outcome IN ('denied', 'unauthenticated', 'throttled')",
        [actor],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn every_refusal_is_audited_walking_every_operation_of_the_openapi_document() {
    // A road through the incident's place, so that the road endpoints reach their checks.
    let (_dir, s) = city_on(
        r#"{"type":"FeatureCollection","features":[
         {"type":"Feature","properties":{"name":"中山路","speed_kmh":36},"geometry":{"type":"LineString","coordinates":[[112.22,30.33],[112.24,30.33],[112.26,30.33]]}}]}"#,
        &[],
    );
    let s1 = s.login("s1disp");
    let s2 = s.login("s2disp");
    // Station 1's records: an incident, a unit and an assignment.
    let (st, inc) = s.post(&s1, "/api/v1/incidents", &incident_body("一所的警情"));
    assert_eq!(st, 201, "{inc}");
    let inc_id = inc["id"].as_i64().unwrap();
    let (st, unit) = s.post(
        &s1,
        "/api/v1/units",
        &json!({"call_sign": "一所巡1", "kind": "patrol_car", "org_id": "s1", "position": {"lon": 112.24, "lat": 30.33}}),
    );
    assert_eq!(st, 201, "{unit}");
    let unit_id = unit["id"].as_i64().unwrap();
    let (st, asg) = s.post(
        &s1,
        &format!("/api/v1/incidents/{inc_id}/assignments"),
        &json!({"unit_id": unit_id}),
    );
    assert_eq!(st, 201, "{asg}");
    let asg_id = asg["id"].as_i64().unwrap();

    let doc: Value = s
        .http
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut refused = Vec::new();
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            // Logging in and out are the session itself, not a record of station 1.
            if path == "/api/v1/session" {
                continue;
            }
            let id = if path.starts_with("/api/v1/units/") {
                unit_id
            } else if path.starts_with("/api/v1/assignments/") {
                asg_id
            } else {
                inc_id
            };
            let mut url = path
                .replace("{id}", &id.to_string())
                .replace("{post}", "1")
                .replace("{index}", "0");
            // Every list or report that can be narrowed to an organisation is asked for station 1's.
            let takes_org = op["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "org_id" && p["in"] == "query")
            });
            if takes_org {
                url.push_str("?org_id=s1");
            }
            let body = match (method, path.as_str()) {
                ("patch", "/api/v1/incidents/{id}") => json!({"priority": 1}),
                ("patch", "/api/v1/units/{id}") => json!({"status": "off_duty"}),
                ("post", "/api/v1/incidents/{id}/assignments") => json!({"unit_id": unit_id}),
                ("post", "/api/v1/units/{id}/positions") => json!({"lon": 112.25, "lat": 30.33}),
                ("post", "/api/v1/assignments/{id}/status") => json!({"status": "accepted"}),
                ("post", "/api/v1/incidents") => {
                    let mut b = incident_body("冒名");
                    b["org_id"] = json!("s1");
                    b
                }
                ("post", "/api/v1/units") => {
                    json!({"call_sign": "冒名", "kind": "patrol_car", "org_id": "s1", "position": {"lon": 112.24, "lat": 30.33}})
                }
                _ => json!({}),
            };
            let before = refusals_of(&s.dir, "s2disp");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut rq = s.http.request(m, s.url(&url)).bearer_auth(&s2);
            if method != "get" && method != "delete" {
                rq = rq.json(&body);
            }
            let status = rq.send().unwrap().status().as_u16();
            walked += 1;
            if matches!(status, 401 | 403 | 429) {
                let after = refusals_of(&s.dir, "s2disp");
                assert_eq!(
                    after,
                    before + 1,
                    "{} {url} answered {status} and wrote {} audit rows",
                    method.to_uppercase(),
                    after - before
                );
                refused.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        walked >= 60,
        "the document lists too few operations: {walked}"
    );
    // The refusals that once went unrecorded are among them.
    for want in [
        "GET /api/v1/bulletin",
        "GET /api/v1/bulletin.xlsx",
        "GET /api/v1/incidents",
        "GET /api/v1/units",
        "GET /api/v1/units/{id}/track",
        "GET /api/v1/incidents/{id}/recommendations",
        "GET /api/v1/incidents/{id}",
        "PATCH /api/v1/incidents/{id}",
        "POST /api/v1/incidents/{id}/assignments",
    ] {
        assert!(
            refused.iter().any(|r| r == want),
            "{want} was not refused: {refused:?}"
        );
    }
    // A refusal without any session is audited too, under `anonymous`.
    let before = refusals_of(&s.dir, "anonymous");
    let r = s.http.get(s.url("/api/v1/bulletin")).send().unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(refusals_of(&s.dir, "anonymous"), before + 1);
}

#[test]
fn failed_logins_lock_the_account_and_the_address_until_their_window_ends() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let d = dir.path().to_str().unwrap();
    let out = zhihui_stdin(
        &["user", "add", "root", "--role", "admin", "--data-dir", d],
        &format!("{PW}\n"),
    );
    assert!(out.status.success());
    // A password of spaces alone, or padded out to length with them, is no password.
    for pw in ["            ", "   abc      "] {
        let out = zhihui_stdin(
            &["user", "add", "blank", "--role", "analyst", "--data-dir", d],
            &format!("{pw}\n"),
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("other than spaces"));
    }
    let s = Server::start(dir.path(), &["--test-clock"]);
    let root = s.login("root");
    let try_login = |user: &str, pw: &str| {
        s.http
            .post(s.url("/api/v1/session"))
            .json(&json!({"username": user, "password": pw}))
            .send()
            .unwrap()
    };
    for _ in 0..5 {
        assert_eq!(try_login("boss", "wrong-password").status(), 401);
    }
    // Locked: even the right password is refused, with the time to wait.
    let r = try_login("boss", PW);
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"]["code"], "throttled");
    assert!(audit_rows(&s.dir)
        .iter()
        .any(|(a, act, _, o)| a == "boss" && o == "throttled" && act == "POST /api/v1/session"));
    // The lock is the account's: another account logs in from the same address.
    assert_eq!(try_login("disp2", PW).status(), 200);
    // Retrying does not extend the lock; after its window the right password works again.
    assert_eq!(try_login("boss", PW).status(), 429);
    let (st, _) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": wait + 1}));
    assert_eq!(st, 200);
    assert_eq!(try_login("boss", PW).status(), 200);

    // Twenty failures from one address, over made-up names, lock every login from it.
    for i in 0..20 {
        assert_eq!(try_login(&format!("guess{i}"), "x").status(), 401);
    }
    let r = try_login("s1disp", PW);
    assert_eq!(r.status(), 429);
    let wait: i64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let (st, _) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": wait + 1}));
    assert_eq!(st, 200);
    assert_eq!(try_login("s1disp", PW).status(), 200);
}

#[test]
fn incidents_come_from_any_source_and_need_no_caller() {
    let (_d, s) = city();
    let t = s.login("boss");
    // An anonymous 110 call: no caller at all.
    let mut b = incident_body("匿名报警：有人持刀");
    b.as_object_mut().unwrap().remove("caller");
    let (st, anon) = s.post(&t, "/api/v1/incidents", &b);
    assert_eq!(st, 201, "{anon}");
    assert_eq!(anon["source"], "call_110", "the default source");
    assert!(anon["caller"].is_null());
    // An incident raised from a device alarm, naming the alarm.
    let mut b = incident_body("一键报警柱触发");
    b.as_object_mut().unwrap().remove("caller");
    b["source"] = json!("device_alarm");
    b["source_ref"] = json!("alarm-2026-0042");
    let (st, alarm) = s.post(&t, "/api/v1/incidents", &b);
    assert_eq!(st, 201, "{alarm}");
    assert_eq!(alarm["source"], "device_alarm");
    assert_eq!(alarm["source_ref"], "alarm-2026-0042");
    let id = alarm["id"].as_i64().unwrap();
    let (st, full) = s.get(&t, &format!("/api/v1/incidents/{id}"));
    assert_eq!((st, &full["source"]), (200, &json!("device_alarm")));
    // The EIDO export has the call without a caller.
    let (st, eido) = s.get(&t, &format!("/api/v1/incidents/{id}/eido"));
    assert_eq!(st, 200, "{eido}");
    assert!(eido["personComponent"].as_array().unwrap().is_empty());
    // Lists filter by source; a call with a caller is still a 110 call.
    s.post(&t, "/api/v1/incidents", &incident_body("有来电人"));
    let (_, l) = s.get(&t, "/api/v1/incidents?source=device_alarm");
    assert_eq!(l["total"], 1, "{l}");
    let (_, l) = s.get(&t, "/api/v1/incidents?source=call_110");
    assert_eq!(l["total"], 2, "{l}");
    // The code list names every source in both languages.
    let (_, codes) = s.get(&t, "/api/v1/codes");
    let sources = codes["incident_sources"].as_array().unwrap();
    assert_eq!(sources.len(), 8);
    assert!(sources
        .iter()
        .any(|c| c["code"] == "anti_fraud" && c["zh"] == "反诈预警"));
    // An unknown source is refused naming the field, and nothing is stored.
    let mut b = incident_body("坏来源");
    b["source"] = json!("rumour");
    let (st, e) = s.post(&t, "/api/v1/incidents", &b);
    assert_eq!(st, 422, "{e}");
    assert!(e.to_string().contains("source"), "{e}");
    let (st, e) = s.get(&t, "/api/v1/incidents?source=rumour");
    assert_eq!(st, 400, "{e}");
    let (_, l) = s.get(&t, "/api/v1/incidents");
    assert_eq!(l["total"], 3);
}

/// A self-signed certificate for 127.0.0.1 and localhost: (certificate PEM, key PEM).
fn test_certificate() -> (String, String) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    (ck.cert.pem(), ck.key_pair.serialize_pem())
}

fn tls_client(ca_pem: &str) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[test]
fn tls_with_a_test_certificate_reloaded_on_sighup_and_no_plain_http_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let certs = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (certs.path().join("cert.pem"), certs.path().join("key.pem"));
    let (cert1, key1) = test_certificate();
    std::fs::write(&cert_path, &cert1).unwrap();
    std::fs::write(&key_path, &key1).unwrap();
    let s = Server::start(
        dir.path(),
        &[
            "--tls-cert",
            cert_path.to_str().unwrap(),
            "--tls-key",
            key_path.to_str().unwrap(),
        ],
    );
    assert!(s.base.starts_with("https://127.0.0.1:"), "{}", s.base);
    // A client that trusts the test certificate completes the handshake; HSTS is sent.
    let c1 = tls_client(&cert1);
    let r = c1
        .post(format!("{}/api/v1/session", s.base))
        .json(&json!({"username": "boss", "password": PW}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
    // Plain HTTP to the TLS port gets no answer.
    let plain = s.base.replace("https://", "http://");
    assert!(s
        .http
        .get(format!("{plain}/api/v1/health"))
        .send()
        .map(|r| r.status() != 200)
        .unwrap_or(true));
    // SIGHUP reloads a new certificate from the same files.
    let (cert2, key2) = test_certificate();
    std::fs::write(&cert_path, &cert2).unwrap();
    std::fs::write(&key_path, &key2).unwrap();
    // The shell's own `kill`: present wherever `sh` is.
    let hup = std::process::Command::new("sh")
        .args(["-c", &format!("kill -HUP {}", s.child.id())])
        .status()
        .unwrap();
    assert!(hup.success());
    let c2 = tls_client(&cert2);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut reloaded = false;
    while std::time::Instant::now() < deadline && !reloaded {
        reloaded = c2
            .get(format!("{}/api/v1/health", s.base))
            .send()
            .is_ok_and(|r| r.status() == 200);
        if !reloaded {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    assert!(reloaded, "the new certificate was not served after SIGHUP");
    assert!(
        tls_client(&cert1)
            .get(format!("{}/api/v1/health", s.base))
            .send()
            .is_err(),
        "the old certificate is gone"
    );

    // Plain HTTP on a non-loopback address is refused, unless the operator says a proxy
    // terminates TLS.
    let d = dir.path().to_str().unwrap();
    let out = zhihui(&["serve", "--data-dir", d, "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing plain HTTP") && err.contains("--tls-cert"),
        "{err}"
    );
    let mut child = std::process::Command::new(BIN)
        .args([
            "serve",
            "--data-dir",
            d,
            "--listen",
            "0.0.0.0:0",
            "--insecure-http",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.starts_with("zhihui listening on http://0.0.0.0:"),
        "{line}"
    );
    // Half a TLS configuration is a usage error.
    let out = zhihui(&[
        "serve",
        "--data-dir",
        d,
        "--tls-cert",
        cert_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_station_lists_its_own_records_when_the_newest_thousands_belong_to_another() {
    let (_d, s) = city();
    let (s1, s2) = (s.login("s1disp"), s.login("s2disp"));
    let deadline = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let soon = |m: i64| (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339();
    let event = |name: &str, org: &str| {
        json!({"name": name, "venue": "体育中心", "org_id": org, "starts_at": soon(60), "ends_at": soon(180),
               "posts": [{"kind": "duty_point", "label": "一岗", "lon": 112.24, "lat": 30.33, "kinds": ["patrol_car"], "staff": 1}]})
    };
    // Station 1's own instruction and event come first …
    let (st, mine) = s.post(
        &s1,
        "/api/v1/instructions",
        &json!({"title": "一所自查", "targets": [{"org_id": "s1"}], "deadline": deadline}),
    );
    assert_eq!(st, 201, "{mine}");
    let (st, my_event) = s.post(&s1, "/api/v1/events", &event("一所安保", "s1"));
    assert_eq!(st, 201, "{my_event}");
    // … then 1,500 newer ones of station 2.
    let http = reqwest::blocking::Client::new();
    for n in 0..1500 {
        let r = http
            .post(s.url("/api/v1/instructions"))
            .bearer_auth(&s2)
            .json(&json!({"title": format!("二所任务{n}"), "targets": [{"org_id": "s2"}], "deadline": deadline}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201);
        let r = http
            .post(s.url("/api/v1/events"))
            .bearer_auth(&s2)
            .json(&event(&format!("二所安保{n}"), "s2"))
            .send()
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let (st, l) = s.get(&s1, "/api/v1/instructions");
    assert_eq!(st, 200);
    assert_eq!(l["total"], 1, "{}", l["total"]);
    assert_eq!(l["items"][0]["id"], mine["id"]);
    let (_, l) = s.get(&s1, "/api/v1/events");
    assert_eq!(l["total"], 1);
    assert_eq!(l["items"][0]["id"], my_event["event"]["id"]);
    // Station 2 pages through all of its own, none twice, none skipped.
    let mut seen = std::collections::HashSet::new();
    for page in 0..4 {
        let (st, l) = s.get(
            &s2,
            &format!("/api/v1/instructions?limit=500&offset={}", page * 500),
        );
        assert_eq!(st, 200);
        assert_eq!(l["total"], 1500);
        for i in l["items"].as_array().unwrap() {
            assert!(seen.insert(i["id"].as_i64().unwrap()));
        }
    }
    assert_eq!(seen.len(), 1500);
    let (_, l) = s.get(&s2, "/api/v1/events?limit=1");
    assert_eq!(
        (l["total"].as_i64(), l["items"].as_array().unwrap().len()),
        (Some(1500), 1)
    );
    // The city sees both stations'.
    let boss = s.login("boss");
    let (_, l) = s.get(&boss, "/api/v1/instructions?limit=1");
    assert_eq!(l["total"], 1501);
    // A page outside the bounds is refused naming the field.
    let (st, e) = s.get(&s1, "/api/v1/instructions?limit=0");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("limit")));
    let (st, e) = s.get(&s1, "/api/v1/interceptions?offset=-1");
    assert_eq!((st, e["error"]["field"].as_str()), (400, Some("offset")));
}
