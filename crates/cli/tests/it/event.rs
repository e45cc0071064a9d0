//! Major-event deployment (重大安保) against the real binary, on a road grid the test writes
//! itself (so it always runs): the deployment proposal, accepting it as instructions, the board
//! following positions and the test clock, one alert per lapse, relief, refusals by field.

use crate::common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use serde_json::{json, Value};

/// Crossing `(i, j)` of the grid.
fn at(i: u32, j: u32) -> (f64, f64) {
    (112.20 + 0.005 * i as f64, 30.30 + 0.005 * j as f64)
}

struct City {
    _dir: tempfile::TempDir,
    s: Server,
    boss: String,
    root: String,
    units: Vec<(String, i64)>,
}

impl City {
    fn unit(&self, call_sign: &str) -> i64 {
        self.units.iter().find(|u| u.0 == call_sign).unwrap().1
    }

    fn now(&self) -> DateTime<Utc> {
        self.advance(0.0)
    }

    /// Moves the server's clock and runs its timers; returns the server's time.
    fn advance(&self, s: f64) -> DateTime<Utc> {
        let (st, r) = self
            .s
            .post(&self.root, "/api/v1/test/clock", &json!({ "advance_s": s }));
        assert_eq!(st, 200, "{r}");
        r["now"].as_str().unwrap().parse().unwrap()
    }

    fn move_unit(&self, id: i64, p: (f64, f64)) {
        let (st, r) = self.s.post(
            &self.boss,
            &format!("/api/v1/units/{id}/positions"),
            &json!({"lon": p.0, "lat": p.1}),
        );
        assert_eq!(st, 200, "{r}");
    }

    fn board(&self, event: i64) -> Value {
        let (st, b) = self
            .s
            .get(&self.boss, &format!("/api/v1/events/{event}/board"));
        assert_eq!(st, 200, "{b}");
        b
    }

    fn alerts_for(&self, post: i64) -> Vec<Value> {
        let (st, a) = self.s.get(&self.boss, "/api/v1/alerts");
        assert_eq!(st, 200);
        a["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["data"]["post_id"] == post)
            .cloned()
            .collect()
    }
}

/// The grid with units of several kinds at crossings.
fn city(units: &[(&str, &str, &str, (u32, u32))]) -> City {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", Some("city"), None);
    add_user(dir.path(), "sup", "supervisor", Some("city"), None);
    let roads = dir.path().join("grid.geojson");
    std::fs::write(&roads, grid_roads()).unwrap();
    let s = Server::start(
        dir.path(),
        &["--roads", roads.to_str().unwrap(), "--test-clock"],
    );
    let boss = s.login("boss");
    let root = s.login("root");
    let mut out = Vec::new();
    for (cs, kind, org, (i, j)) in units {
        let (lon, lat) = at(*i, *j);
        let (st, u) = s.post(
            &boss,
            "/api/v1/units",
            &json!({"call_sign": cs, "kind": kind, "org_id": org, "position": {"lon": lon, "lat": lat}}),
        );
        assert_eq!(st, 201, "{u}");
        out.push((cs.to_string(), u["id"].as_i64().unwrap()));
    }
    City {
        _dir: dir,
        s,
        boss,
        root,
        units: out,
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn post_body(kind: &str, label: &str, p: (u32, u32), kinds: &[&str], staff: u32) -> Value {
    let (lon, lat) = at(p.0, p.1);
    json!({"kind": kind, "label": label, "lon": lon, "lat": lat, "kinds": kinds, "staff": staff})
}

/// Creates an event whose shift starts `start_in` seconds from the server's now.
fn create_event(c: &City, token: &str, start_in: i64, posts: Vec<Value>) -> (u16, Value) {
    let now = c.now();
    c.s.post(
        token,
        "/api/v1/events",
        &json!({"name": "国际马拉松赛", "venue": "体育中心", "starts_at": ts(now + chrono::Duration::seconds(start_in)),
                "ends_at": ts(now + chrono::Duration::seconds(start_in + 7200)), "posts": posts}),
    )
}

fn route_s(c: &City, from: (f64, f64), to: (f64, f64)) -> f64 {
    let (st, r) = c.s.get(
        &c.boss,
        &format!(
            "/api/v1/roads/route?from={},{}&to={},{}",
            from.0, from.1, to.0, to.1
        ),
    );
    assert_eq!(st, 200, "{r}");
    r["seconds"].as_f64().unwrap()
}

fn post_of(board: &Value, id: i64) -> Value {
    board["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap()
}

fn accept(c: &City, event: i64, proposal: &Value) -> Value {
    let items: Vec<Value> = proposal["postings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"post_id": p["post_id"], "unit_id": p["unit_id"]}))
        .collect();
    let (st, r) = c.s.post(
        &c.boss,
        &format!("/api/v1/events/{event}/assignments"),
        &json!({ "items": items }),
    );
    assert_eq!(st, 201, "{r}");
    r
}

#[test]
fn the_proposal_respects_kinds_and_staffing_and_accepting_it_sends_instructions_with_supervision() {
    let c = city(&[
        ("巡A", "patrol_car", "s1", (0, 0)),
        ("巡B", "patrol_car", "s1", (6, 6)),
        ("交A", "traffic", "s2", (3, 0)),
        ("特A", "swat", "s1", (0, 6)),
        ("社A", "community", "s2", (6, 0)),
        ("步A", "foot_patrol", "s1", (3, 3)),
    ]);
    let sup = c.s.login("sup");
    let (st, ev) = create_event(
        &c,
        &c.boss,
        600,
        vec![
            post_body("checkpoint", "北卡", (3, 6), &["swat"], 1),
            post_body("duty_point", "中心", (3, 3), &["patrol_car", "traffic"], 2),
            post_body("duty_point", "东门", (6, 3), &["community"], 2),
        ],
    );
    assert_eq!(st, 201, "{ev}");
    let id = ev["event"]["id"].as_i64().unwrap();
    assert_eq!(ev["event"]["checkpoints"], 1);
    assert_eq!(ev["event"]["duty_points"], 2);
    assert_eq!(ev["event"]["places"], 5);
    let posts: Vec<i64> = ev["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert!(ev["posts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["status"] == "pending"));

    let (st, p) =
        c.s.post(&c.boss, &format!("/api/v1/events/{id}/deploy"), &json!({}));
    assert_eq!(st, 200, "{p}");
    assert_eq!(
        p["units_considered"], 5,
        "every free driving unit, the foot patrol left out"
    );
    assert_eq!(
        (p["places"].as_u64(), p["filled"].as_u64()),
        (Some(5), Some(4))
    );
    let kinds_of = |post: i64| -> Vec<&str> {
        let i = posts.iter().position(|x| *x == post).unwrap();
        ev["posts"][i]["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect()
    };
    let postings = p["postings"].as_array().unwrap();
    let mut per_post = std::collections::HashMap::new();
    for pg in postings {
        let post = pg["post_id"].as_i64().unwrap();
        assert!(
            kinds_of(post).contains(&pg["kind"].as_str().unwrap()),
            "{pg}"
        );
        *per_post.entry(post).or_insert(0) += 1;
        let i = posts.iter().position(|x| *x == post).unwrap();
        let to = (
            ev["posts"][i]["lon"].as_f64().unwrap(),
            ev["posts"][i]["lat"].as_f64().unwrap(),
        );
        let cs = pg["call_sign"].as_str().unwrap();
        let from = [
            ("巡A", at(0, 0)),
            ("巡B", at(6, 6)),
            ("交A", at(3, 0)),
            ("特A", at(0, 6)),
            ("社A", at(6, 0)),
        ]
        .iter()
        .find(|u| u.0 == cs)
        .unwrap()
        .1;
        let road = route_s(&c, from, to);
        assert!(
            (road - pg["travel_s"].as_f64().unwrap()).abs() < 2.0,
            "{pg} vs {road}"
        );
    }
    assert_eq!(per_post[&posts[0]], 1);
    assert_eq!(per_post[&posts[1]], 2);
    assert_eq!(per_post[&posts[2]], 1);
    assert_eq!(
        p["short"],
        json!([{"post_id": posts[2], "post_index": 3, "label": "东门", "places": 1}])
    );
    let special = postings
        .iter()
        .find(|pg| pg["post_id"] == posts[0])
        .unwrap();
    assert_eq!(special["unit_id"], c.unit("特A"));

    // Accepting: one instruction per unit, deadline = the shift start, supervision sees it.
    let r = accept(&c, id, &p);
    assert_eq!(r["assigned"], 4);
    let board = c.board(id);
    let shift: DateTime<Utc> = board["posts"][0]["shift_start"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(board["counts"]["assigned"], 4);
    assert_eq!(board["counts"]["vacant"], 1);
    assert_eq!(board["counts"]["checkpoints"], 1);
    assert_eq!(board["counts"]["duty_points"], 2);
    assert_eq!(board["counts"]["pending"], 3);
    let (_, sup_list) = c.s.get(&sup, "/api/v1/instructions?status=open");
    for post in board["posts"].as_array().unwrap() {
        for a in post["units"].as_array().unwrap() {
            let (st, ins) = c.s.get(
                &c.boss,
                &format!("/api/v1/instructions/{}", a["instruction_id"]),
            );
            assert_eq!(st, 200, "{ins}");
            assert!(ins["title"].as_str().unwrap().starts_with("安保执勤 · "));
            let deadline: DateTime<Utc> = ins["deadline"].as_str().unwrap().parse().unwrap();
            assert_eq!(deadline, shift);
            // The order is also a code with its parameters, which each console words in its
            // own language.
            assert_eq!(ins["text"]["code"], "event.post", "{ins}");
            assert_eq!(ins["text"]["params"]["event_id"], ev["event"]["id"]);
            assert_eq!(ins["text"]["params"]["label"], post["label"]);
            let p_deadline: DateTime<Utc> = ins["text"]["params"]["deadline"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert_eq!(p_deadline, shift);
            assert_eq!(ins["feedback_required"], true);
            assert_eq!(
                ins["recipients"][0]["target"],
                format!("unit:{}", a["unit_id"])
            );
            assert!(
                sup_list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["id"] == ins["id"]),
                "supervision has its copy"
            );
            let (_, u) = c.s.get(&c.boss, &format!("/api/v1/units/{}", a["unit_id"]));
            assert_eq!(u["status"], "dispatched");
            assert_eq!(a["status"], "assigned");
        }
    }

    // By hand: a unit already sent, a full post, a kind the post does not take.
    let (st, r) = c.s.post(
        &c.boss,
        &format!("/api/v1/events/{id}/assignments"),
        &json!({"items": [{"post_id": posts[2], "unit_id": c.unit("特A")}]}),
    );
    assert_eq!((st, field(&r)), (409, Some("items[0].unit_id")), "{r}");
    let (st, _) = c.s.post(
        &c.boss,
        "/api/v1/units",
        &json!({"call_sign": "社B", "kind": "community", "org_id": "s2", "position": {"lon": 112.23, "lat": 30.31}}),
    );
    assert_eq!(st, 201);
    let (st, r) =
        c.s.post(&c.boss, &format!("/api/v1/events/{id}/deploy"), &json!({}));
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (r["places"].as_u64(), r["filled"].as_u64()),
        (Some(1), Some(1)),
        "only the gap: {r}"
    );
    let sheb = r["postings"][0]["unit_id"].as_i64().unwrap();
    let (st, r2) = c.s.post(
        &c.boss,
        &format!("/api/v1/events/{id}/assignments"),
        &json!({"items": [{"post_id": posts[0], "unit_id": sheb}]}),
    );
    assert_eq!(
        (st, field(&r2)),
        (422, Some("items[0].unit_id")),
        "swat only: {r2}"
    );
    accept(&c, id, &r);
    let (st, r) =
        c.s.post(&c.boss, &format!("/api/v1/events/{id}/deploy"), &json!({}));
    assert_eq!((st, field(&r)), (409, Some("posts")), "every place filled");
}

#[test]
fn the_board_follows_positions_and_the_clock_and_each_lapse_raises_one_alert() {
    let c = city(&[
        ("巡A", "patrol_car", "s1", (0, 3)),
        ("巡B", "patrol_car", "s1", (6, 3)),
    ]);
    let boss_feed = &mut c.s.ws(&c.boss, None);
    boss_feed.drain(Duration::from_millis(200));
    // Shift in 10 minutes. 巡A is 3 crossings (1440 m, 144 s) from 西岗, 巡B 3 from 东岗.
    let (st, ev) = create_event(
        &c,
        &c.boss,
        600,
        vec![
            post_body("duty_point", "西岗", (3, 3), &["patrol_car"], 1),
            post_body("checkpoint", "东岗", (3, 4), &[], 1),
        ],
    );
    assert_eq!(st, 201, "{ev}");
    let id = ev["event"]["id"].as_i64().unwrap();
    let (west, east) = (
        ev["posts"][0]["id"].as_i64().unwrap(),
        ev["posts"][1]["id"].as_i64().unwrap(),
    );
    let (a, b) = (c.unit("巡A"), c.unit("巡B"));
    let (st, r) = c.s.post(
        &c.boss,
        &format!("/api/v1/events/{id}/assignments"),
        &json!({"items": [{"post_id": west, "unit_id": a}, {"post_id": east, "unit_id": b}]}),
    );
    assert_eq!(st, 201, "{r}");
    let board = c.board(id);
    let wa = &post_of(&board, west)["units"][0];
    let travel = wa["travel_s"].as_f64().unwrap();
    assert!((travel - 144.0).abs() < 2.0, "{wa}");
    let eb = post_of(&board, east)["units"][0].clone();
    let due_b: DateTime<Utc> = eb["due_at"].as_str().unwrap().parse().unwrap();
    let expected_b: DateTime<Utc> = eb["expected_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        (due_b - expected_b).num_seconds(),
        60,
        "grace: at least a minute"
    );

    // 巡A reaches 西岗 (a report within 150 m): staffed.
    let (wlon, wlat) = at(3, 3);
    c.move_unit(a, (wlon - 0.0005, wlat));
    let p = post_of(&c.board(id), west);
    assert_eq!(p["status"], "staffed", "{p}");
    assert_eq!(p["on_site"], 1);
    let (_, tl) = c.s.get(
        &c.boss,
        &format!("/api/v1/events/{id}/posts/{west}/timeline"),
    );
    let kinds: Vec<&str> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["post.created", "post.assigned", "post.arrived"]);
    assert_eq!(tl["items"][2]["data"]["detail"]["by"], "position");

    // 巡B never moves: past its due time (plus the grace) 东岗 is late, and says so once.
    let now = c.now();
    c.advance((due_b - now).num_milliseconds() as f64 / 1000.0 - 5.0);
    assert_eq!(post_of(&c.board(id), east)["status"], "pending");
    assert!(c.alerts_for(east).is_empty());
    c.advance(6.0);
    let p = post_of(&c.board(id), east);
    assert_eq!(p["status"], "late", "{p}");
    assert_eq!(p["units"][0]["late"], true);
    c.advance(5.0);
    c.advance(30.0);
    let al = c.alerts_for(east);
    assert_eq!(al.len(), 1, "{al:?}");
    assert_eq!(al[0]["kind"], "post_late");
    assert_eq!(al[0]["data"]["event_id"], id);
    assert_eq!(al[0]["data"]["late_unit_ids"], json!([b]));
    // Everything its text names is in its data, so an English console words it too.
    assert_eq!(al[0]["data"]["label"], "东岗");
    assert_eq!(al[0]["data"]["post_kind"], "checkpoint");
    assert_eq!(al[0]["data"]["on_site"], 0);
    assert_eq!(al[0]["data"]["staff"], 1);
    assert!(al[0]["data"]["event"].is_string());
    assert_eq!(
        al[0]["data"]["late_call_signs"].as_array().unwrap().len(),
        1
    );
    // The alert and the post's change reach the live feed.
    let msgs = boss_feed.drain(Duration::from_millis(500));
    assert!(msgs
        .iter()
        .any(|m| m["record_type"] == "alert" && m["data"]["data"]["post_id"] == east));
    assert!(msgs.iter().any(|m| m["record_type"] == "post"
        && m["record_id"] == east
        && m["kind"] == "post.status"
        && m["data"]["status"] == "late"));

    // The shift starts with nobody at 东岗: empty now, but the same lapse — no second alert.
    c.advance(600.0);
    let board = c.board(id);
    assert_eq!(post_of(&board, east)["status"], "empty");
    assert_eq!(post_of(&board, west)["status"], "staffed");
    assert_eq!(board["counts"]["empty"], 1);
    assert_eq!(board["counts"]["staffed"], 1);
    assert_eq!(c.alerts_for(east).len(), 1);

    // 巡A drives off (600 m): 西岗 is empty during the shift — a lapse of its own.
    c.move_unit(a, at(4, 3));
    let p = post_of(&c.board(id), west);
    assert_eq!(p["status"], "empty", "{p}");
    assert_eq!(p["units"][0]["status"], "left");
    let al = c.alerts_for(west);
    assert_eq!(al.len(), 1);
    assert_eq!(al[0]["kind"], "post_empty");

    // 巡B turns up at last: 东岗's lapse ends; it leaves again: a second lapse, a second alert.
    c.move_unit(b, at(3, 4));
    assert_eq!(post_of(&c.board(id), east)["status"], "staffed");
    c.move_unit(b, at(5, 4));
    let al = c.alerts_for(east);
    assert_eq!(al.len(), 2, "{al:?}");
    assert_eq!(al[0]["data"]["lapse"], 2);
    // A station's dispatcher does not see the city's board.
    let (st, _) =
        c.s.get(&c.s.login("s1disp"), &format!("/api/v1/events/{id}/board"));
    assert_eq!(st, 403);
}

#[test]
fn relief_sends_the_nearest_free_unit_of_an_accepted_kind_and_frees_the_late_one() {
    let c = city(&[
        ("远巡", "patrol_car", "s1", (0, 0)),
        ("近巡", "patrol_car", "s1", (3, 1)),
        ("远交", "traffic", "s2", (6, 6)),
        ("近社", "community", "s2", (3, 2)),
        ("近步", "foot_patrol", "s1", (3, 3)),
    ]);
    let (st, ev) = create_event(
        &c,
        &c.boss,
        120,
        vec![post_body(
            "checkpoint",
            "南卡",
            (3, 3),
            &["patrol_car", "traffic", "foot_patrol"],
            1,
        )],
    );
    assert_eq!(st, 201, "{ev}");
    let id = ev["event"]["id"].as_i64().unwrap();
    let post = ev["posts"][0]["id"].as_i64().unwrap();
    let far = c.unit("远巡");
    let (st, r) = c.s.post(
        &c.boss,
        &format!("/api/v1/events/{id}/assignments"),
        &json!({"items": [{"post_id": post, "unit_id": far}]}),
    );
    assert_eq!(st, 201, "{r}");
    let far_ins = r["posts"][0]["units"][0]["instruction_id"]
        .as_i64()
        .unwrap();
    // Relief while the unit is on its way in time is refused.
    let relief = format!("/api/v1/events/{id}/posts/{post}/relief");
    let (st, r) = c.s.post(&c.boss, &relief, &json!({}));
    assert_eq!((st, field(&r)), (409, Some("post")), "{r}");
    // Far past its due time: late.
    c.advance(1200.0);
    assert_eq!(post_of(&c.board(id), post)["status"], "empty");
    assert_eq!(c.alerts_for(post).len(), 1);

    let (st, r) = c.s.post(&c.boss, &relief, &json!({}));
    assert_eq!(st, 200, "{r}");
    let near = c.unit("近巡");
    assert_eq!(
        r["unit_id"], near,
        "the nearest free car, not the traffic unit nor the wrong kinds"
    );
    assert_eq!(r["replaced_unit_id"], far);
    let t = r["travel_s"].as_f64().unwrap();
    let to = at(3, 3);
    assert!((t - route_s(&c, at(3, 1), to)).abs() < 2.0);
    assert!(t < route_s(&c, at(6, 6), to));
    assert_eq!(r["post"]["status"], "relieved");
    assert_eq!(r["post"]["reliefs"], 1);
    let units = r["post"]["units"].as_array().unwrap();
    assert_eq!(units[0]["status"], "replaced");
    assert_eq!(units[0]["replaced_by"], near);
    assert_eq!(units[1]["relief"], true);
    let (_, ins) = c.s.get(&c.boss, &format!("/api/v1/instructions/{far_ins}"));
    assert_eq!(ins["status"], "closed", "the late unit's order ends");
    let (_, u) = c.s.get(&c.boss, &format!("/api/v1/units/{far}"));
    assert_eq!(u["status"], "available", "and the unit is free again");
    let (_, u) = c.s.get(&c.boss, &format!("/api/v1/units/{near}"));
    assert_eq!(u["status"], "dispatched");
    let (_, ins) = c.s.get(
        &c.boss,
        &format!("/api/v1/instructions/{}", units[1]["instruction_id"]),
    );
    assert!(ins["title"].as_str().unwrap().starts_with("安保替补 · "));
    // Relieved: the lapse is over; the relief car arrives and the post is staffed.
    c.move_unit(near, to);
    assert_eq!(post_of(&c.board(id), post)["status"], "staffed");
    let (st, r) = c.s.post(&c.boss, &relief, &json!({}));
    assert_eq!((st, field(&r)), (409, Some("post")));
    let rows = audit_rows(&c.s.dir);
    assert!(rows
        .iter()
        .any(|r| r.1 == "event.relief" && r.2 == format!("event:{id}") && r.3 == "ok"));
    assert!(rows
        .iter()
        .any(|r| r.1 == "event.post_lapse" && r.0 == "system"));

    // Closing frees everyone and ends the orders.
    let (st, r) = c.s.post(
        &c.boss,
        &format!("/api/v1/events/{id}/close"),
        &json!({"summary": "赛事结束"}),
    );
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "closed");
    let (_, u) = c.s.get(&c.boss, &format!("/api/v1/units/{near}"));
    assert_eq!(u["status"], "available");
    let b = c.board(id);
    assert_eq!(post_of(&b, post)["active"], false);
    let (st, r) = c.s.post(&c.boss, &relief, &json!({}));
    assert_eq!((st, field(&r)), (409, Some("status")));
}

#[test]
fn bad_input_is_refused_by_field_and_jurisdiction_holds_with_nothing_written() {
    let c = city(&[
        ("一所巡01", "patrol_car", "s1", (1, 1)),
        ("二所巡01", "patrol_car", "s2", (5, 5)),
    ]);
    let ok_post = || post_body("duty_point", "岗", (3, 3), &["patrol_car"], 1);
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            json!({"kind": "duty_point", "lon": 112.215, "lat": 30.315, "staff": 0}),
            422,
            "posts[0].staff",
        ),
        (
            json!({"kind": "duty_point", "lon": 112.215, "lat": 30.315, "staff": 1, "kinds": ["tank"]}),
            422,
            "posts[0].kinds[0]",
        ),
        (
            json!({"kind": "gate", "lon": 112.215, "lat": 30.315, "staff": 1}),
            422,
            "posts[0].kind",
        ),
        (
            json!({"kind": "duty_point", "lon": 113.5, "lat": 30.315, "staff": 1}),
            422,
            "posts[0]",
        ),
        (
            json!({"kind": "duty_point", "lon": 112.215, "lat": 95.0, "staff": 1}),
            422,
            "posts[0].lat",
        ),
        (
            json!({"kind": "duty_point", "lon": 112.215, "lat": 30.315, "staff": 1, "label": "x".repeat(61)}),
            422,
            "posts[0].label",
        ),
    ];
    for (post, status, f) in cases {
        let (st, r) = create_event(&c, &c.boss, 600, vec![post]);
        assert_eq!((st, field(&r)), (status, Some(f)), "{r}");
    }
    let now = c.now();
    let (st, r) = c.s.post(
        &c.boss,
        "/api/v1/events",
        &json!({"name": "x", "starts_at": ts(now), "ends_at": ts(now - chrono::Duration::seconds(10)), "posts": [ok_post()]}),
    );
    assert_eq!((st, field(&r)), (422, Some("ends_at")));
    let (st, r) = c.s.post(
        &c.boss,
        "/api/v1/events",
        &json!({"starts_at": ts(now), "ends_at": ts(now + chrono::Duration::hours(1)), "posts": [ok_post()]}),
    );
    assert_eq!((st, field(&r)), (422, Some("name")));
    let (st, r) = c.s.post(
        &c.boss,
        "/api/v1/events",
        &json!({"name": "x", "starts_at": "yesterday", "ends_at": ts(now), "posts": [ok_post()]}),
    );
    assert_eq!((st, field(&r)), (422, Some("starts_at")));
    let (st, r) =
        c.s.raw_post(&c.boss, "/api/v1/events", "application/json", b"{".to_vec());
    assert_eq!(st, 400, "{r}");
    let (st, _) = create_event(&c, &c.s.login("ana"), 600, vec![ok_post()]);
    assert_eq!(st, 403, "analysts only read");
    let s1 = c.s.login("s1disp");
    let now = c.now();
    let (st, r) = c.s.post(
        &s1,
        "/api/v1/events",
        &json!({"name": "x", "starts_at": ts(now), "ends_at": ts(now + chrono::Duration::hours(1)),
                "org_id": "city", "posts": [ok_post()]}),
    );
    assert_eq!((st, field(&r)), (403, Some("org_id")), "{r}");

    // The city's event is not station 1's to see or change.
    let (st, ev) = create_event(&c, &c.boss, 600, vec![ok_post()]);
    assert_eq!(st, 201);
    let city_ev = ev["event"]["id"].as_i64().unwrap();
    for (path, body) in [
        (format!("/api/v1/events/{city_ev}/deploy"), json!({})),
        (
            format!("/api/v1/events/{city_ev}/assignments"),
            json!({"items": [{"post_id": ev["posts"][0]["id"], "unit_id": c.unit("一所巡01")}]}),
        ),
    ] {
        let (st, _) = c.s.post(&s1, &path, &body);
        assert_eq!(st, 403, "{path}");
    }
    let (st, _) = c.s.get(&s1, &format!("/api/v1/events/{city_ev}"));
    assert_eq!(st, 403);
    let (_, list) = c.s.get(&s1, "/api/v1/events");
    assert!(list["items"].as_array().unwrap().is_empty());

    // Station 1's own event takes its own units, not station 2's; a refusal leaves nothing.
    let (st, own) = create_event(&c, &s1, 600, vec![ok_post(), ok_post()]);
    assert_eq!(st, 201, "{own}");
    assert_eq!(own["event"]["org_id"], "s1");
    let oid = own["event"]["id"].as_i64().unwrap();
    let (p0, p1) = (own["posts"][0]["id"].clone(), own["posts"][1]["id"].clone());
    let (_, before) = c.s.get(&c.boss, "/api/v1/instructions");
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/assignments"),
        &json!({"items": [{"post_id": p0, "unit_id": c.unit("一所巡01")}, {"post_id": p1, "unit_id": c.unit("二所巡01")}]}),
    );
    assert_eq!((st, field(&r)), (403, Some("items[1].unit_id")), "{r}");
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/assignments"),
        &json!({"items": [{"post_id": p0, "unit_id": c.unit("一所巡01")}, {"post_id": 99999, "unit_id": 1}]}),
    );
    assert_eq!((st, field(&r)), (422, Some("items[1].post_id")), "{r}");
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/assignments"),
        &json!({"items": [{"post_id": p0, "unit_id": "one"}]}),
    );
    assert_eq!((st, field(&r)), (422, Some("items[0].unit_id")), "{r}");
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/assignments"),
        &json!({"items": []}),
    );
    assert_eq!((st, field(&r)), (422, Some("items")), "{r}");
    let (_, after) = c.s.get(&c.boss, "/api/v1/instructions");
    assert_eq!(
        before["items"], after["items"],
        "no instruction left behind"
    );
    let (_, u) =
        c.s.get(&c.boss, &format!("/api/v1/units/{}", c.unit("一所巡01")));
    assert_eq!(u["status"], "available");
    let b = c.board(oid);
    assert_eq!(b["counts"]["assigned"], 0);
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/deploy"),
        &json!({"unit_ids": [c.unit("二所巡01")]}),
    );
    assert_eq!((st, field(&r)), (403, Some("unit_ids[0]")), "{r}");
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/deploy"),
        &json!({"unit_ids": [c.unit("一所巡01"), c.unit("一所巡01")]}),
    );
    assert_eq!((st, field(&r)), (422, Some("unit_ids[1]")), "{r}");
    let (st, p) =
        c.s.post(&s1, &format!("/api/v1/events/{oid}/deploy"), &json!({}));
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["units_considered"], 1, "only station 1's units");
    let (st, _) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/posts/99999/relief"),
        &json!({}),
    );
    assert_eq!(st, 404);
    let (st, r) = c.s.post(
        &s1,
        &format!("/api/v1/events/{oid}/posts/x/relief"),
        &json!({}),
    );
    assert_eq!((st, field(&r)), (400, Some("post")));
    let (st, _) = c.s.get(&c.boss, "/api/v1/events/424242/board");
    assert_eq!(st, 404);
    let (st, r) =
        c.s.get(&c.boss, &format!("/api/v1/events/{oid}/board?status=lost"));
    assert_eq!((st, field(&r)), (400, Some("status")));
    let rows = audit_rows(&c.s.dir);
    assert!(rows
        .iter()
        .any(|r| r.0 == "s1disp" && r.1 == "event.read" && r.3 == "denied"));
    assert!(rows
        .iter()
        .any(|r| r.0 == "s1disp" && r.1 == "event.create" && r.3 == "denied"));
}
