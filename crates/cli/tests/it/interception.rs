//! Interception planning and activation (设卡布控) against the real binary, on a road grid the
//! test writes itself (so it always runs).

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

struct City {
    _dir: tempfile::TempDir,
    s: Server,
    boss: String,
    /// Call sign → (id, lon, lat).
    units: Vec<(String, i64, f64, f64)>,
}

impl City {
    fn unit(&self, call_sign: &str) -> (i64, f64, f64) {
        let u = self.units.iter().find(|u| u.0 == call_sign).unwrap();
        (u.1, u.2, u.3)
    }
}

/// The grid with a unit at each access's inner crossing (west and east of station 1, north and
/// south of station 2), a spare car of station 1 and a foot patrol at the centre.
fn city(extra: &[&str]) -> City {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", None, None);
    add_user(dir.path(), "sup", "supervisor", Some("city"), None);
    let roads = dir.path().join("grid.geojson");
    std::fs::write(&roads, grid_roads_with_exits()).unwrap();
    let mut args = vec!["--roads", roads.to_str().unwrap()];
    args.extend_from_slice(extra);
    let s = Server::start(dir.path(), &args);
    let boss = s.login("boss");
    let mut units = Vec::new();
    for (cs, kind, org, lon, lat) in [
        ("西卡01", "patrol_car", "s1", 112.200, 30.315),
        ("东卡01", "patrol_car", "s1", 112.230, 30.315),
        ("北卡01", "patrol_car", "s2", 112.215, 30.330),
        ("南卡01", "patrol_car", "s2", 112.215, 30.300),
        ("备巡01", "patrol_car", "s1", 112.225, 30.325),
        ("步巡01", "foot_patrol", "s1", 112.215, 30.315),
    ] {
        let (st, u) = s.post(
            &boss,
            "/api/v1/units",
            &json!({"call_sign": cs, "kind": kind, "org_id": org, "position": {"lon": lon, "lat": lat}}),
        );
        assert_eq!(st, 201, "{u}");
        units.push((cs.to_owned(), u["id"].as_i64().unwrap(), lon, lat));
    }
    City {
        _dir: dir,
        s,
        boss,
        units,
    }
}

fn incident(c: &City, org: &str) -> i64 {
    let (st, inc) = c.s.post(
        &c.boss,
        "/api/v1/incidents",
        &json!({"caller": {"name": "李四", "phone": "13900139000"}, "location": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1},
                "address": "横3街与纵3路口", "type": "criminal", "subtype": null, "priority": 1,
                "description": "持刀伤人后驾车逃离", "org_id": org}),
    );
    assert_eq!(st, 201, "{inc}");
    inc["id"].as_i64().unwrap()
}

fn plan(c: &City, token: &str, body: Value) -> (u16, Value) {
    c.s.post(token, "/api/v1/plans/intercept", &body)
}

fn route_s(c: &City, t: &str, from: (f64, f64), to: (f64, f64), profile: &str) -> f64 {
    let (st, r) = c.s.get(
        t,
        &format!(
            "/api/v1/roads/route?from={},{}&to={},{}&profile={profile}",
            from.0, from.1, to.0, to.1
        ),
    );
    assert_eq!(st, 200, "{r}");
    r["seconds"].as_f64().unwrap()
}

#[test]
fn the_plan_puts_a_real_unit_on_every_checkpoint_before_the_suspect_and_refuses_bad_input_by_field()
{
    let c = city(&[]);
    let inc = incident(&c, "s1");
    let body = json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "incident_id": inc});
    let (st, p) = plan(&c, &c.boss, body.clone());
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["complete"], true, "{p}");
    assert_eq!(p["incident_id"], inc);
    assert_eq!(
        p["units_considered"], 5,
        "every free car of the jurisdiction, the foot patrol left out"
    );
    let cordon = p["cordon"].as_array().unwrap();
    assert!(!cordon.is_empty() && cordon.len() <= 5, "{p}");
    let mut seen = Vec::new();
    let mut last_margin = f64::MIN;
    for pt in cordon {
        let id = pt["unit_id"].as_i64().unwrap();
        let u = c.units.iter().find(|u| u.1 == id).expect("a real unit");
        assert_eq!(pt["call_sign"], u.0.as_str());
        assert!(!seen.contains(&id), "one checkpoint per unit");
        seen.push(id);
        let (arr, sus) = (
            pt["unit_arrival_s"].as_f64().unwrap(),
            pt["suspect_earliest_s"].as_f64().unwrap(),
        );
        assert!(arr <= sus + 1e-6, "unit {arr} s after the suspect {sus} s");
        assert!(arr >= 60.0, "units start at the head start");
        let margin = pt["margin_s"].as_f64().unwrap();
        assert!(
            (margin - (sus - arr)).abs() < 1e-6 && margin >= last_margin,
            "most urgent first"
        );
        last_margin = margin;
        // The times are the road engine's: the unit's route after the head start, the suspect's
        // fastest car route from the origin.
        let at = (pt["lon"].as_f64().unwrap(), pt["lat"].as_f64().unwrap());
        let drive = route_s(&c, &c.boss, (u.2, u.3), at, "police");
        assert!((60.0 + drive - arr).abs() < 2.0, "{arr} vs 60 + {drive}");
        let flee = route_s(&c, &c.boss, GRID_CENTER, at, "car");
        assert!((flee - sus).abs() < 2.0, "{sus} vs {flee}");
        assert!(pt["route"].as_array().unwrap().len() >= 2 || drive < 1.0);
    }
    assert!(p["open_routes"].as_array().unwrap().is_empty());
    assert!(p["enclosed_nodes"].as_u64().unwrap() > 0);
    let reach = p["reach"].as_array().unwrap();
    assert!(reach.len() >= 2, "{reach:?}");
    assert_eq!(reach[0]["seconds"], 60.0);
    assert!(reach
        .windows(2)
        .all(|w| w[0]["nodes"].as_u64() <= w[1]["nodes"].as_u64()));
    let ring = reach.last().unwrap()["polygon"].as_array().unwrap();
    assert!(
        ring.len() >= 4 && ring.first() == ring.last(),
        "closed ring"
    );
    // The reach on the roads themselves: earliest first, up to the last snapshot, each segment
    // entered at the suspect's fastest car time to one of its ends (by the road engine's own
    // routing), and every checkpoint at the end of a segment the suspect can take to it.
    let roads: Vec<[f64; 5]> = p["reach_roads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::from_value(r.clone()).unwrap())
        .collect();
    assert!(!roads.is_empty());
    assert!(
        roads.windows(2).all(|w| w[0][4] <= w[1][4]),
        "earliest first"
    );
    let last = reach.last().unwrap()["seconds"].as_f64().unwrap();
    assert!(roads.iter().all(|r| r[4] >= 0.0 && r[4] <= last + 0.1));
    for r in [roads[0], roads[roads.len() / 2], roads[roads.len() - 1]] {
        let ta = route_s(&c, &c.boss, GRID_CENTER, (r[0], r[1]), "car");
        let tb = route_s(&c, &c.boss, GRID_CENTER, (r[2], r[3]), "car");
        assert!(
            (ta - r[4]).abs() < 2.0 || (tb - r[4]).abs() < 2.0,
            "{r:?}: ends reached at {ta} / {tb} s"
        );
    }
    for pt in cordon {
        let (lon, lat, sus) = (
            pt["lon"].as_f64().unwrap(),
            pt["lat"].as_f64().unwrap(),
            pt["suspect_earliest_s"].as_f64().unwrap(),
        );
        let near = |x: f64, y: f64| (x - lon).abs() < 2e-6 && (y - lat).abs() < 2e-6;
        assert!(
            roads
                .iter()
                .any(|r| (near(r[0], r[1]) || near(r[2], r[3])) && r[4] <= sus + 0.1),
            "checkpoint {lon},{lat} on the reached roads"
        );
    }

    // A suspect at 200 km/h reaches the accesses before any unit can start: partial plan.
    let (st, fast) = plan(
        &c,
        &c.boss,
        json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "suspect_speed_kmh": 200}),
    );
    assert_eq!(st, 200, "{fast}");
    assert_eq!(fast["complete"], false);
    let open = fast["open_routes"].as_array().unwrap();
    assert!(!open.is_empty(), "{fast}");
    assert!(open[0]["path"].as_array().unwrap().len() >= 2);

    // Bad input names the field, 4xx, never a plan.
    let (w, e) = (c.unit("西卡01").0, c.unit("北卡01").0);
    let s1 = c.s.login("s1disp");
    let ana = c.s.login("ana");
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (&c.boss, json!({"head_start_s": 60}), 422, "origin"),
        (
            &c.boss,
            json!({"origin": {"lon": 112.5, "lat": 30.6}, "head_start_s": 60}),
            422,
            "origin",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": 200.0, "lat": 30.3}, "head_start_s": 60}),
            422,
            "origin.lon",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": -5}),
            422,
            "head_start_s",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "suspect_speed_kmh": 0}),
            422,
            "suspect_speed_kmh",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "unit_ids": [w, 99999]}),
            422,
            "unit_ids[1]",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "unit_ids": [w, w]}),
            422,
            "unit_ids[1]",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "exits": [{"lon": 113.5, "lat": 30.3}]}),
            422,
            "exits[0]",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "incident_id": 4242}),
            422,
            "incident_id",
        ),
        (
            &c.boss,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "tanks": 3}),
            422,
            "tanks",
        ),
        (
            &s1,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "unit_ids": [w, e]}),
            403,
            "unit_ids[1]",
        ),
        (
            &ana,
            json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60}),
            403,
            "",
        ),
    ];
    for (tok, b, status, f) in cases {
        let (st, r) = plan(&c, tok, b.clone());
        assert_eq!(st, status, "{b} → {r}");
        if !f.is_empty() {
            assert_eq!(field(&r), Some(f), "{b} → {r}");
        }
    }
    // A station dispatcher plans with its own units only.
    let (st, own) = plan(
        &c,
        &s1,
        json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60}),
    );
    assert_eq!(st, 200, "{own}");
    assert_eq!(own["units_considered"], 3);

    let rows = audit_rows(c.s.dir.as_path());
    let has = |actor: &str, action: &str, target: &str, outcome: &str| {
        rows.iter()
            .any(|r| r.0 == actor && r.1 == action && r.2 == target && r.3 == outcome)
    };
    assert!(has(
        "boss",
        "plan.intercept",
        &format!("incident:{inc}"),
        "ok"
    ));
    assert!(has("s1disp", "plan.intercept", "plan", "denied"));
    assert!(has("ana", "plan.intercept", "plan", "denied"));

    // Blockade of the four access roads' far ends: each goes to the car at its own crossing.
    let (st, b) = c.s.post(
        &c.boss,
        "/api/v1/plans/blockade",
        &json!({"points": [{"lon": 112.190, "lat": 30.315, "label": "西口"}, {"lon": 112.240, "lat": 30.315}]}),
    );
    assert_eq!(st, 200, "{b}");
    let a = b["assignments"].as_array().unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(a[0]["unit_id"], w);
    assert_eq!(a[0]["label"], "西口");
    assert_eq!(a[1]["unit_id"], c.unit("东卡01").0);
    // 0.01° of longitude here is 960 m, at 60 km/h.
    assert!(
        (b["makespan_s"].as_f64().unwrap() - 57.6).abs() < 1.0,
        "{b}"
    );
    assert!(a[0]["route"].as_array().unwrap().len() >= 2);
    let (st, r) = c.s.post(
        &c.boss,
        "/api/v1/plans/blockade",
        &json!({"points": [{"lon": 112.19, "lat": 31.5}]}),
    );
    assert_eq!((st, field(&r)), (422, Some("points[0]")));
    let (st, r) =
        c.s.post(&c.boss, "/api/v1/plans/blockade", &json!({"points": []}));
    assert_eq!((st, field(&r)), (422, Some("points")));

    // Without a road network the planners say so.
    let plain_dir = tempfile::tempdir().unwrap();
    setup_city(plain_dir.path());
    let plain = Server::start(plain_dir.path(), &[]);
    let t = plain.login("boss");
    let (st, r) = plain.post(&t, "/api/v1/plans/intercept", &body);
    assert_eq!(
        (st, r["error"]["code"].as_str()),
        (503, Some("no_road_network"))
    );
}

fn activation(plan: &Value, incident: Option<i64>) -> Value {
    let points: Vec<Value> = plan["cordon"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            json!({"unit_id": p["unit_id"], "lon": p["lon"], "lat": p["lat"],
                   "deadline_s": p["suspect_earliest_s"], "label": p["label"]})
        })
        .collect();
    json!({"incident_id": incident, "origin": plan["origin"], "head_start_s": plan["head_start_s"],
           "crime_at": plan["crime_at"], "points": points})
}

fn kinds(tl: &Value) -> Vec<String> {
    tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn activation_sends_each_unit_its_instruction_with_supervision_and_the_timeline_follows_to_the_outcome(
) {
    let c = city(&["--test-clock"]);
    let s = &c.s;
    let (w, _, _) = c.unit("西卡01");
    let (e, _, _) = c.unit("东卡01");
    add_user(s.dir.as_path(), "w1", "unit", Some("s1"), Some(w));
    let (root, sup, w1, s1) = (
        s.login("root"),
        s.login("sup"),
        s.login("w1"),
        s.login("s1disp"),
    );
    let mut sup_feed = s.ws(&sup, None);
    sup_feed.drain(Duration::from_millis(200));
    let inc = incident(&c, "s1");
    // Only the cars at the four accesses: one checkpoint each.
    let four: Vec<i64> = ["西卡01", "东卡01", "北卡01", "南卡01"]
        .iter()
        .map(|n| c.unit(n).0)
        .collect();
    let (st, p) = plan(
        &c,
        &c.boss,
        json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60, "incident_id": inc, "unit_ids": four}),
    );
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["complete"], true, "{p}");
    let n = p["cordon"].as_array().unwrap().len();
    assert!(n >= 2, "{p}");
    let body = activation(&p, Some(inc));
    let (st, icp) = s.post(&c.boss, "/api/v1/interceptions", &body);
    assert_eq!(st, 201, "{icp}");
    let id = icp["id"].as_i64().unwrap();
    assert_eq!(icp["status"], "active");
    assert_eq!(icp["incident_id"], inc);
    assert_eq!(icp["crime_at"], p["crime_at"]);
    let points = icp["points"].as_array().unwrap().clone();
    assert_eq!(points.len(), n);
    assert!(points.iter().all(|p| p["status"] == "issued"));

    // One instruction per checkpoint: to its unit, deadline = crime time + suspect time.
    let crime = chrono::DateTime::parse_from_rfc3339(p["crime_at"].as_str().unwrap()).unwrap();
    let (_, all) = s.get(&sup, "/api/v1/instructions?status=open");
    for pt in &points {
        let ins_id = pt["instruction_id"].as_i64().unwrap();
        let ins = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == ins_id)
            .unwrap_or_else(|| panic!("supervision sees instruction {ins_id}: {all}"));
        assert_eq!(ins["recipients"].as_array().unwrap().len(), 1);
        assert_eq!(
            ins["recipients"][0]["target"],
            format!("unit:{}", pt["unit_id"])
        );
        assert_eq!(ins["feedback_required"], true);
        assert_eq!(ins["incident_id"], inc);
        assert_eq!(ins["origin"], format!("interception:{id}"), "{ins}");
        assert!(ins["title"].as_str().unwrap().starts_with("设卡拦截"));
        let deadline =
            chrono::DateTime::parse_from_rfc3339(ins["deadline"].as_str().unwrap()).unwrap();
        let want = crime
            + chrono::Duration::milliseconds((pt["deadline_s"].as_f64().unwrap() * 1000.0) as i64);
        assert!(
            (deadline - want).num_milliseconds().abs() <= 1,
            "{deadline} vs {want}"
        );
        let (_, u) = s.get(&c.boss, &format!("/api/v1/units/{}", pt["unit_id"]));
        assert_eq!(u["status"], "dispatched", "the unit is committed");
    }
    let got = sup_feed.drain(Duration::from_millis(600));
    assert!(
        got.iter()
            .any(|m| m["kind"] == "interception.created" && m["record_id"] == id),
        "{got:?}"
    );
    assert_eq!(
        got.iter()
            .filter(|m| m["kind"] == "instruction.issued")
            .count(),
        n,
        "supervision gets every instruction live"
    );
    let rows = audit_rows(s.dir.as_path());
    assert!(rows.iter().any(|r| r.0 == "boss"
        && r.1 == "interception.create"
        && r.2 == format!("interception:{id}")));
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "boss" && r.1 == "instruction.issue")
            .count(),
        n
    );

    // The unit's terminal sees its instruction and the interception.
    let wi = points
        .iter()
        .position(|p| p["unit_id"] == w)
        .expect("the west car holds a checkpoint");
    let w_ins = points[wi]["instruction_id"].as_i64().unwrap();
    let (_, mine) = s.get(&w1, "/api/v1/instructions?status=open");
    let mine: Vec<i64> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert!(mine.contains(&w_ins), "{mine:?}");
    assert_eq!(s.get(&w1, &format!("/api/v1/interceptions/{id}")).0, 200);
    // Committed units are not offered again, and cannot be activated twice.
    let (_, again) = plan(
        &c,
        &c.boss,
        json!({"origin": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1}, "head_start_s": 60}),
    );
    assert_eq!(again["units_considered"], 5 - n as i64);
    let (st, r) = s.post(&c.boss, "/api/v1/interceptions", &body);
    assert_eq!((st, field(&r)), (409, Some("points[0].unit_id")), "{r}");

    // Signed, arrived (by its own position report), fed back; another arrives by report.
    let (st, _) = s.post(
        &w1,
        &format!("/api/v1/instructions/{w_ins}/sign"),
        &json!({"target": format!("unit:{w}")}),
    );
    assert_eq!(st, 200);
    let (_, now) = s.get(&c.boss, &format!("/api/v1/interceptions/{id}"));
    assert_eq!(now["points"][wi]["status"], "signed");
    let (plon, plat) = (
        points[wi]["lon"].as_f64().unwrap(),
        points[wi]["lat"].as_f64().unwrap(),
    );
    let (st, _) = s.post(
        &w1,
        &format!("/api/v1/units/{w}/positions"),
        &json!({"lon": plon + 0.0004, "lat": plat}),
    );
    assert_eq!(st, 200);
    let (_, now) = s.get(&c.boss, &format!("/api/v1/interceptions/{id}"));
    assert_eq!(now["points"][wi]["status"], "on_site", "{now}");
    let (st, _) = s.post(
        &w1,
        &format!("/api/v1/instructions/{w_ins}/feedback"),
        &json!({"target": format!("unit:{w}"), "text": "已在西出口设卡"}),
    );
    assert_eq!(st, 200);
    let ei = points.iter().position(|p| p["unit_id"] == e);
    if let Some(ei) = ei {
        let path = format!("/api/v1/interceptions/{id}/points/{ei}/arrived");
        assert_eq!(
            s.post(&w1, &path, &json!({})).0,
            403,
            "a unit reports for itself only"
        );
        assert_eq!(s.post(&c.boss, &path, &json!({})).0, 200);
        assert_eq!(s.post(&c.boss, &path, &json!({})).0, 409);
    }

    // Past every deadline the checkpoints still without their unit are marked late, once.
    let (st, _) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": 3600}));
    assert_eq!(st, 200);
    s.post(&root, "/api/v1/test/clock", &json!({"advance_s": 10}));
    let (_, now) = s.get(&c.boss, &format!("/api/v1/interceptions/{id}"));
    let arrived = 1 + ei.is_some() as usize;
    let late = now["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "late")
        .count();
    assert_eq!(late, n - arrived, "{now}");

    // Closing: the issuer only (or a leader above); instructions close and units are freed.
    let close = format!("/api/v1/interceptions/{id}/close");
    assert_eq!(s.post(&w1, &close, &json!({"outcome": "caught"})).0, 403);
    assert_eq!(s.post(&s1, &close, &json!({"outcome": "caught"})).0, 403);
    let (st, r) = s.post(&c.boss, &close, &json!({"outcome": "won"}));
    assert_eq!((st, field(&r)), (422, Some("outcome")));
    let (st, done) = s.post(
        &c.boss,
        &close,
        &json!({"outcome": "caught", "summary": "嫌疑人在西出口被抓获"}),
    );
    assert_eq!(st, 200, "{done}");
    assert_eq!(done["status"], "closed");
    assert_eq!(done["outcome"], "caught");
    assert_eq!(s.post(&c.boss, &close, &json!({"outcome": "lost"})).0, 409);
    for pt in &points {
        let (_, ins) = s.get(
            &c.boss,
            &format!("/api/v1/instructions/{}", pt["instruction_id"]),
        );
        assert_eq!(ins["status"], "closed");
        let (_, u) = s.get(&c.boss, &format!("/api/v1/units/{}", pt["unit_id"]));
        assert_eq!(u["status"], "available");
    }

    let (st, tl) = s.get(&sup, &format!("/api/v1/interceptions/{id}/timeline"));
    assert_eq!(st, 200, "{tl}");
    let k = kinds(&tl);
    assert_eq!(k.first().map(String::as_str), Some("interception.created"));
    assert_eq!(k.last().map(String::as_str), Some("interception.closed"));
    for want in [
        "interception.point_signed",
        "interception.point_arrived",
        "interception.point_feedback",
    ] {
        assert!(k.iter().any(|x| x == want), "{want} in {k:?}");
    }
    assert_eq!(
        k.iter().filter(|x| *x == "interception.point_late").count(),
        n - arrived,
        "{k:?}"
    );
    let arrived_by: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "interception.point_arrived")
        .map(|i| i["data"]["detail"]["by"].as_str().unwrap())
        .collect();
    assert_eq!(arrived_by[0], "position");
    let rows = audit_rows(s.dir.as_path());
    assert!(rows
        .iter()
        .any(|r| r.0 == "boss" && r.1 == "interception.close" && r.3 == "ok"));
    assert!(rows
        .iter()
        .any(|r| r.0 == "s1disp" && r.1 == "interception.close" && r.3 == "denied"));
    let out = zhihui(&["audit", "verify", "--data-dir", s.dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_station_dispatcher_cannot_activate_units_outside_its_jurisdiction_and_a_refused_activation_leaves_nothing(
) {
    let c = city(&[]);
    let s = &c.s;
    let s1 = s.login("s1disp");
    let ana = s.login("ana");
    let (w, wlon, wlat) = c.unit("西卡01");
    let (north, nlon, nlat) = c.unit("北卡01");
    let origin = json!({"lon": GRID_CENTER.0, "lat": GRID_CENTER.1});
    let pt = |unit: i64, lon: f64, lat: f64, d: f64| json!({"unit_id": unit, "lon": lon, "lat": lat, "deadline_s": d});
    let both = json!({"origin": origin, "head_start_s": 60, "points": [pt(w, wlon, wlat, 300.0), pt(north, nlon, nlat, 300.0)]});
    let (st, r) = s.post(&s1, "/api/v1/interceptions", &both);
    assert_eq!((st, field(&r)), (403, Some("points[1].unit_id")), "{r}");
    let (st, r) = s.post(&ana, "/api/v1/interceptions", &both);
    assert_eq!(st, 403, "{r}");
    for (b, status, f) in [
        (
            json!({"head_start_s": 60, "points": [pt(w, wlon, wlat, 300.0)]}),
            422,
            "origin",
        ),
        (
            json!({"origin": origin, "head_start_s": 60, "points": []}),
            422,
            "points",
        ),
        (
            json!({"origin": origin, "head_start_s": -1, "points": [pt(w, wlon, wlat, 300.0)]}),
            422,
            "head_start_s",
        ),
        (
            json!({"origin": origin, "head_start_s": 60, "points": [pt(77777, wlon, wlat, 300.0)]}),
            422,
            "points[0].unit_id",
        ),
        (
            json!({"origin": origin, "head_start_s": 600, "points": [pt(w, wlon, wlat, 120.0)]}),
            422,
            "points[0].deadline_s",
        ),
        (
            json!({"origin": origin, "head_start_s": 60, "points": [pt(w, 500.0, wlat, 300.0)]}),
            422,
            "points[0].lon",
        ),
        (
            json!({"origin": origin, "head_start_s": 60, "incident_id": 999, "points": [pt(w, wlon, wlat, 300.0)]}),
            422,
            "incident_id",
        ),
    ] {
        let (st, r) = s.post(&s1, "/api/v1/interceptions", &b);
        assert_eq!((st, field(&r)), (status, Some(f)), "{b} → {r}");
    }
    // Nothing was written: no interception, no instruction, units still free.
    let (_, list) = s.get(&c.boss, "/api/v1/interceptions");
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    let (_, ins) = s.get(&c.boss, "/api/v1/instructions");
    assert_eq!(ins["items"].as_array().unwrap().len(), 0);
    for u in [w, north] {
        let (_, u) = s.get(&c.boss, &format!("/api/v1/units/{u}"));
        assert_eq!(u["status"], "available");
    }
    let rows = audit_rows(s.dir.as_path());
    assert!(rows
        .iter()
        .any(|r| r.0 == "s1disp" && r.1 == "interception.create" && r.3 == "denied"));

    // Its own unit it may send; station 2 does not see that interception, supervision above does.
    let own = json!({"origin": origin, "head_start_s": 60, "points": [pt(w, wlon, wlat, 300.0)]});
    let (st, r) = s.post(&s1, "/api/v1/interceptions", &own);
    assert_eq!(st, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let s2 = s.login("s2disp");
    assert_eq!(s.get(&s2, &format!("/api/v1/interceptions/{id}")).0, 403);
    let (_, l2) = s.get(&s2, "/api/v1/interceptions");
    assert_eq!(l2["items"].as_array().unwrap().len(), 0);
    assert_eq!(l2["total"], 0);
    // Station 1 lists its own (the list is filtered by jurisdiction in SQL).
    let (_, l1) = s.get(&s1, "/api/v1/interceptions");
    assert!(
        l1["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id),
        "{l1}"
    );
    assert_eq!(
        s.get(&c.boss, &format!("/api/v1/interceptions/{id}")).0,
        200
    );
    let (_, active) = s.get(&c.boss, "/api/v1/interceptions?status=active");
    assert_eq!(active["items"][0]["id"], id);
    let (st, r) = s.get(&c.boss, "/api/v1/interceptions?status=maybe");
    assert_eq!((st, field(&r)), (400, Some("status")));

    let doc: Value = s
        .http
        .get(s.url("/api/v1/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    for p in [
        "/api/v1/plans/intercept",
        "/api/v1/plans/blockade",
        "/api/v1/interceptions",
        "/api/v1/interceptions/{id}/timeline",
        "/api/v1/interceptions/{id}/close",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} in the OpenAPI document");
    }

    // A database from before instructions named their origin: the upgrade fills it in from the
    // checkpoints, and the interception still follows its instruction's answers.
    let (_, icp) = s.get(&c.boss, &format!("/api/v1/interceptions/{id}"));
    let ins_id = icp["points"][0]["instruction_id"].as_i64().unwrap();
    let City {
        _dir, s: mut old, ..
    } = c;
    old.kill();
    let db = rusqlite::Connection::open(_dir.path().join("zhihui.db")).unwrap();
    db.execute_batch(
        "UPDATE instructions SET doc = json_remove(doc, '$.origin');
         DROP TABLE unit_fixes; DROP TABLE track_state; DROP TABLE id_sequences;
         DROP TABLE org_areas; DROP INDEX incidents_lat;
         DROP TABLE alert_raises; DROP INDEX alerts_group; DROP INDEX alerts_state;
         ALTER TABLE alerts DROP COLUMN grp; ALTER TABLE alerts DROP COLUMN state;
         DELETE FROM schema_migrations WHERE version >= 9;",
    )
    .unwrap();
    drop(db);
    let roads = _dir.path().join("grid.geojson");
    let s = Server::start(_dir.path(), &["--roads", roads.to_str().unwrap()]);
    let s1 = s.login("s1disp");
    let (st, ins) = s.get(&s1, &format!("/api/v1/instructions/{ins_id}"));
    assert_eq!(st, 200, "{ins}");
    assert_eq!(ins["origin"], format!("interception:{id}"));
    let before = {
        let (_, icp) = s.get(&s1, &format!("/api/v1/interceptions/{id}"));
        assert_eq!(icp["points"][0]["status"], "issued", "{icp}");
        icp
    };
    let (st, r) = s.post(
        &s1,
        &format!("/api/v1/instructions/{ins_id}/sign"),
        &json!({"target": format!("unit:{w}")}),
    );
    assert_eq!(st, 200, "{r}");
    let (_, after) = s.get(&s1, &format!("/api/v1/interceptions/{id}"));
    assert_ne!(
        after["points"][0]["status"], before["points"][0]["status"],
        "{after}"
    );
}
