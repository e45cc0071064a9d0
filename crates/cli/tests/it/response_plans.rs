//! The plan library (预案) and plan activation against the real binary: versioned plans written by
//! administrators, activation from an incident issuing one instruction per step to the resolved
//! recipients, the activation following its instructions to the close.

use crate::common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn step(title: &str, body: &str, target: Value, min: u32, fb: bool) -> Value {
    json!({"title": title, "body": body, "target": target, "deadline_min": min, "feedback_required": fb})
}

/// A plan touching every kind of target.
fn full_plan() -> Value {
    json!({
        "name": "儿童走失查找预案", "name_en": "Missing child search", "scenario": "missing_child",
        "steps": [
            step("就近查找", "{address} 报儿童走失（警情 {incident_id}，{priority}）：{description}。", json!({"kind": "incident_org"}), 10, true),
            step("分局统筹", "{type} 警情于 {received_at} 接报，{activated_at} 启动预案。", json!({"kind": "incident_district"}), 20, true),
            step("全市协查", "各分局协查。", json!({"kind": "all_districts"}), 30, false),
            step("巡逻协查", "巡逻警力在 {address} 周边巡查。", json!({"kind": "nearest_units", "unit_kind": "patrol_car", "count": 2}), 15, false),
            step("邻所协助", "二所派员协助。", json!({"kind": "org", "org_id": "s2"}), 40, true),
        ]
    })
}

fn org_plan(name: &str) -> Value {
    json!({"name": name, "scenario": "major_event",
           "steps": [step("到岗", "在 {address} 集合。", json!({"kind": "incident_org"}), 30, true)]})
}

fn incident(s: &Server, tok: &str, org: &str) -> i64 {
    let (st, inc) = s.post(
        tok,
        "/api/v1/incidents",
        &json!({"caller": {"name": "李四", "phone": "13900139000"}, "location": {"lon": GRID_CENTER.0, "lat": GRID_CENTER.1},
                "address": "横3街与纵3路口", "type": "help", "subtype": "missing_person", "priority": 1,
                "description": "5岁男孩走失，穿红色上衣", "org_id": org}),
    );
    assert_eq!(st, 201, "{inc}");
    inc["id"].as_i64().unwrap()
}

fn kinds(tl: &Value) -> Vec<String> {
    tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_owned())
        .collect()
}

fn instruction_count(s: &Server, tok: &str) -> usize {
    let (st, all) = s.get(tok, "/api/v1/instructions");
    assert_eq!(st, 200);
    all["items"].as_array().unwrap().len()
}

#[test]
fn admins_keep_every_version_others_are_refused_and_bad_drafts_name_their_field() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", None, None);
    let s = Server::start(dir.path(), &[]);
    let (root, boss) = (s.login("root"), s.login("boss"));

    // No plan exists until an administrator writes one: `serve` brings no default data.
    let (st, none) = s.get(&boss, "/api/v1/response-plans");
    assert_eq!((st, none["items"].as_array().unwrap().len()), (200, 0));

    let (st, p1) = s.post(&root, "/api/v1/response-plans", &full_plan());
    assert_eq!(st, 201, "{p1}");
    let id = p1["id"].as_i64().unwrap();
    assert_eq!(
        (p1["version"].as_u64(), p1["retired"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(p1["updated_by"], "root");
    assert_eq!(p1["steps"][3]["target"]["unit_kind"], "patrol_car");

    let mut edited = full_plan();
    edited["name"] = json!("儿童走失查找预案（修订）");
    edited["steps"][0]["deadline_min"] = json!(5);
    let (st, p2) = s.put(&root, &format!("/api/v1/response-plans/{id}"), &edited);
    assert_eq!(st, 200, "{p2}");
    assert_eq!(
        (p2["id"].as_i64(), p2["version"].as_u64()),
        (Some(id), Some(2))
    );

    // Version 2 is current; version 1 is kept beside it, as written.
    let (_, cur) = s.get(&boss, &format!("/api/v1/response-plans/{id}"));
    assert_eq!(cur["name"], "儿童走失查找预案（修订）");
    let (_, v1) = s.get(&boss, &format!("/api/v1/response-plans/{id}?version=1"));
    assert_eq!(
        (v1["version"].as_u64(), v1["name"].as_str()),
        (Some(1), Some("儿童走失查找预案"))
    );
    assert_eq!(v1["steps"][0]["deadline_min"], 10);
    let (_, vs) = s.get(&boss, &format!("/api/v1/response-plans/{id}/versions"));
    let nums: Vec<u64> = vs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_u64().unwrap())
        .collect();
    assert_eq!(nums, vec![2, 1]);
    assert_eq!(
        s.get(&boss, &format!("/api/v1/response-plans/{id}?version=3"))
            .0,
        404
    );
    assert_eq!(s.get(&boss, "/api/v1/response-plans/999").0, 404);
    let (_, l) = s.get(&boss, "/api/v1/response-plans?scenario=missing_child");
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        l["items"][0]["version"], 2,
        "lists carry the latest version"
    );
    let (_, l) = s.get(&boss, "/api/v1/response-plans?scenario=major_event");
    assert!(l["items"].as_array().unwrap().is_empty());
    let (st, e) = s.get(&boss, "/api/v1/response-plans?scenario=war");
    assert_eq!((st, field(&e)), (400, Some("scenario")));

    // Only administrators write plans; refusals are audited.
    assert_eq!(s.post(&boss, "/api/v1/response-plans", &full_plan()).0, 403);
    assert_eq!(
        s.put(&boss, &format!("/api/v1/response-plans/{id}"), &full_plan())
            .0,
        403
    );
    assert_eq!(
        s.post(
            &boss,
            &format!("/api/v1/response-plans/{id}/retire"),
            &json!({})
        )
        .0,
        403
    );
    let rows = audit_rows(s.dir.as_path());
    let has = |actor: &str, action: &str, target: &str, outcome: &str| {
        rows.iter()
            .any(|r| r.0 == actor && r.1 == action && r.2 == target && r.3 == outcome)
    };
    assert!(has(
        "boss",
        "response_plan.create",
        "response_plan",
        "denied"
    ));
    let target = format!("response_plan:{id}");
    assert!(has("boss", "response_plan.revise", &target, "denied"));
    assert!(has("boss", "response_plan.retire", &target, "denied"));
    assert!(has("root", "response_plan.create", &target, "ok"));
    assert!(has("root", "response_plan.revise", &target, "ok"));

    // Bad drafts: 4xx naming the field, and nothing written.
    let bad = |f: &dyn Fn(&mut Value)| {
        let mut d = full_plan();
        f(&mut d);
        d
    };
    let cases: Vec<(Value, u16, &str)> = vec![
        (
            bad(&|d| d["steps"][1]["deadline_min"] = json!(0)),
            422,
            "steps[1].deadline_min",
        ),
        (
            bad(&|d| d["steps"][1]["deadline_min"] = json!(-5)),
            422,
            "steps[1].deadline_min",
        ),
        (
            bad(&|d| d["steps"][1]["deadline_min"] = json!(2000)),
            422,
            "steps[1].deadline_min",
        ),
        (
            bad(&|d| d["steps"][0]["body"] = json!("到 {nowhere} 集合")),
            422,
            "steps[0].body",
        ),
        (
            bad(&|d| d["steps"][2]["title"] = json!("  ")),
            422,
            "steps[2].title",
        ),
        (
            bad(&|d| d["steps"][4]["target"]["org_id"] = json!("mars")),
            422,
            "steps[4].target.org_id",
        ),
        (
            bad(&|d| d["steps"][3]["target"]["unit_kind"] = json!("tank")),
            422,
            "steps[3].target.unit_kind",
        ),
        (
            bad(&|d| d["steps"][3]["target"]["count"] = json!(0)),
            422,
            "steps[3].target.count",
        ),
        (
            bad(&|d| d["steps"][0]["target"] = json!({"kind": "everyone"})),
            422,
            "steps[0].target.kind",
        ),
        (bad(&|d| d["steps"] = json!([])), 422, "steps"),
        (bad(&|d| d["name"] = json!("")), 422, "name"),
        (bad(&|d| d["scenario"] = json!("war")), 422, "scenario"),
        (bad(&|d| d["colour"] = json!("red")), 422, "colour"),
    ];
    for (body, status, f) in cases {
        let (st, r) = s.post(&root, "/api/v1/response-plans", &body);
        assert_eq!((st, field(&r)), (status, Some(f)), "{body} → {r}");
        let (st, r) = s.put(&root, &format!("/api/v1/response-plans/{id}"), &body);
        assert_eq!((st, field(&r)), (status, Some(f)), "PUT {body} → {r}");
    }
    let (_, l) = s.get(&boss, "/api/v1/response-plans");
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    assert_eq!(l["items"][0]["version"], 2, "no half-written version");

    // Without a road network: a nearest-units step cannot be ranked (503, naming the step);
    // a plan of organisations alone activates.
    let inc = incident(&s, &boss, "s1");
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan"),
        &json!({"plan_id": id}),
    );
    assert_eq!(
        (st, r["error"]["code"].as_str(), field(&r)),
        (503, Some("no_road_network"), Some("steps[3].target")),
        "{r}"
    );
    let (st, pv) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan/preview"),
        &json!({"plan_id": id}),
    );
    assert_eq!(st, 200, "{pv}");
    assert_eq!(pv["ready"], false);
    assert_eq!(pv["steps"][3]["problem"]["status"], 503);
    assert!(pv["steps"][0]["problem"].is_null());
    let (st, a) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan"),
        &json!({"plan_id": id, "skip_steps": [3]}),
    );
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["instruction_ids"].as_array().unwrap().len(), 4);
    assert_eq!(a["steps"][3]["status"], "skipped");
    let (_, op) = s.post(&root, "/api/v1/response-plans", &org_plan("集合预案"));
    let (st, a) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan"),
        &json!({"plan_id": op["id"]}),
    );
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["steps"][0]["recipients"][0]["target"], "org:s1");
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan"),
        &json!({"plan_id": id, "skip_steps": [0, 1, 2, 3, 4]}),
    );
    assert_eq!((st, field(&r)), (422, Some("skip_steps")), "{r}");
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan"),
        &json!({"plan_id": id, "skip_steps": [9]}),
    );
    assert_eq!((st, field(&r)), (422, Some("skip_steps[0]")), "{r}");

    // Retiring: once; a retired plan is not activated and not edited.
    let (st, r) = s.post(
        &root,
        &format!("/api/v1/response-plans/{id}/retire"),
        &json!({}),
    );
    assert_eq!((st, r["retired"].as_bool()), (200, Some(true)), "{r}");
    let (st, r) = s.post(
        &root,
        &format!("/api/v1/response-plans/{id}/retire"),
        &json!({}),
    );
    assert_eq!((st, field(&r)), (409, Some("retired")));
    let (st, r) = s.put(&root, &format!("/api/v1/response-plans/{id}"), &full_plan());
    assert_eq!((st, field(&r)), (409, Some("retired")));
    let before = instruction_count(&s, &boss);
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/incidents/{inc}/activate-plan"),
        &json!({"plan_id": id, "skip_steps": [3]}),
    );
    assert_eq!((st, field(&r)), (409, Some("plan_id")), "{r}");
    assert_eq!(instruction_count(&s, &boss), before, "nothing issued");
    let (_, v1) = s.get(&boss, &format!("/api/v1/response-plans/{id}?version=1"));
    assert_eq!(v1["retired"], true, "retiring applies to every version");
    let (_, l) = s.get(&boss, "/api/v1/response-plans");
    assert_eq!(l["items"][0]["id"], op["id"], "plans in use first");
}

#[test]
fn activation_issues_each_step_to_its_recipients_and_follows_the_instructions_to_the_close() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", None, None);
    add_user(dir.path(), "sup", "supervisor", Some("city"), None);
    add_user(dir.path(), "lead", "leader", Some("city"), None);
    let roads = dir.path().join("grid.geojson");
    std::fs::write(&roads, grid_roads()).unwrap();
    let s = Server::start(
        dir.path(),
        &["--roads", roads.to_str().unwrap(), "--test-clock"],
    );
    let (root, boss, sup) = (s.login("root"), s.login("boss"), s.login("sup"));
    let mut units = Vec::new();
    for (cs, kind, org, lon, lat) in [
        ("近巡01", "patrol_car", "s1", 112.220, 30.315),
        ("中巡01", "patrol_car", "s1", 112.225, 30.320),
        ("远巡01", "patrol_car", "s2", 112.200, 30.300),
        ("交警01", "traffic", "s1", 112.215, 30.320),
    ] {
        let (st, u) = s.post(
            &boss,
            "/api/v1/units",
            &json!({"call_sign": cs, "kind": kind, "org_id": org, "position": {"lon": lon, "lat": lat}}),
        );
        assert_eq!(st, 201, "{u}");
        units.push(u["id"].as_i64().unwrap());
    }
    let (near, mid) = (units[0], units[1]);
    add_user(dir.path(), "u1", "unit", Some("s1"), Some(near));
    let (s1, s2, ana, u1, lead) = (
        s.login("s1disp"),
        s.login("s2disp"),
        s.login("ana"),
        s.login("u1"),
        s.login("lead"),
    );
    let (st, plan) = s.post(&root, "/api/v1/response-plans", &full_plan());
    assert_eq!(st, 201, "{plan}");
    let pid = plan["id"].as_i64().unwrap();
    let inc = incident(&s, &boss, "s1");
    let path = format!("/api/v1/incidents/{inc}/activate-plan");

    // The preview shows what would go out, to whom, and issues nothing.
    let before = instruction_count(&s, &boss);
    let (st, pv) = s.post(&boss, &format!("{path}/preview"), &json!({"plan_id": pid}));
    assert_eq!(st, 200, "{pv}");
    assert_eq!(pv["ready"], true, "{pv}");
    let recipients = |i: usize| -> Vec<String> {
        pv["steps"][i]["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["target"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(recipients(0), vec!["org:s1"]);
    assert_eq!(recipients(1), vec!["org:d1"]);
    assert_eq!(recipients(2), vec!["org:d1"], "every district bureau");
    assert_eq!(
        recipients(3),
        vec![format!("unit:{near}"), format!("unit:{mid}")],
        "the two patrol cars fastest by road"
    );
    assert_eq!(recipients(4), vec!["org:s2"]);
    let body0 = pv["steps"][0]["body"].as_str().unwrap();
    assert!(
        body0.starts_with(&format!(
            "横3街与纵3路口 报儿童走失（警情 {inc}，一级）：5岁男孩走失"
        )),
        "{body0}"
    );
    assert!(!pv["steps"][1]["body"].as_str().unwrap().contains('{'));
    assert!(pv["steps"][1]["body"]
        .as_str()
        .unwrap()
        .starts_with("求助·人员走失 警情于"));
    assert_eq!(instruction_count(&s, &boss), before);

    // Outside the role or the jurisdiction: refused, audited, nothing issued.
    let (st, _) = s.post(&ana, &path, &json!({"plan_id": pid}));
    assert_eq!(st, 403);
    let (st, _) = s.post(&root, &path, &json!({"plan_id": pid}));
    assert_eq!(
        st, 403,
        "administrators write plans, command activates them"
    );
    let (st, _) = s.post(&s2, &path, &json!({"plan_id": pid}));
    assert_eq!(st, 403, "the incident is outside station 2");
    let (st, r) = s.post(&s1, &path, &json!({"plan_id": pid}));
    assert_eq!(
        (st, field(&r)),
        (403, Some("steps[1].target")),
        "a station does not command its district: {r}"
    );
    assert_eq!(instruction_count(&s, &boss), before);
    let rows = audit_rows(s.dir.as_path());
    for who in ["ana", "s2disp", "s1disp"] {
        assert!(
            rows.iter().any(|r| r.0 == who
                && r.1 == "plan_activation.create"
                && r.2 == format!("incident:{inc}")
                && r.3 == "denied"),
            "{who}"
        );
    }

    // All or nothing: a step that cannot be issued refuses the whole activation.
    let mut swat = full_plan();
    swat["steps"][1]["target"] = json!({"kind": "nearest_units", "unit_kind": "swat", "count": 1});
    let (_, sp) = s.post(&root, "/api/v1/response-plans", &swat);
    let (st, r) = s.post(&boss, &path, &json!({"plan_id": sp["id"]}));
    assert_eq!((st, field(&r)), (409, Some("steps[1].target")), "{r}");
    assert_eq!(instruction_count(&s, &boss), before, "no half-issued plan");
    let (st, r) = s.post(&boss, &path, &json!({"plan_id": pid, "version": 7}));
    assert_eq!((st, field(&r)), (409, Some("version")), "{r}");
    let (st, r) = s.post(&boss, &path, &json!({"plan_id": 4242}));
    assert_eq!((st, field(&r)), (422, Some("plan_id")), "{r}");

    // Activation: one instruction per step, supervision copied, on the live feed.
    let mut feed = s.ws(&sup, None);
    feed.drain(Duration::from_millis(200));
    let (st, a) = s.post(&boss, &path, &json!({"plan_id": pid, "version": 1}));
    assert_eq!(st, 201, "{a}");
    let aid = a["id"].as_i64().unwrap();
    assert_eq!(
        (
            a["plan_id"].as_i64(),
            a["plan_version"].as_u64(),
            a["incident_id"].as_i64()
        ),
        (Some(pid), Some(1), Some(inc))
    );
    assert_eq!(a["status"], "active");
    let ids: Vec<i64> = a["instruction_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 5);
    let activated_at =
        chrono::DateTime::parse_from_rfc3339(a["activated_at"].as_str().unwrap()).unwrap();
    let steps = full_plan()["steps"].clone();
    for (i, ins_id) in ids.iter().enumerate() {
        let (st, ins) = s.get(&sup, &format!("/api/v1/instructions/{ins_id}"));
        assert_eq!(st, 200, "supervision reads step {i}: {ins}");
        assert_eq!(ins["incident_id"], inc);
        assert_eq!(
            ins["title"],
            format!("【预案】{}", steps[i]["title"].as_str().unwrap())
        );
        assert_eq!(ins["feedback_required"], steps[i]["feedback_required"]);
        let deadline =
            chrono::DateTime::parse_from_rfc3339(ins["deadline"].as_str().unwrap()).unwrap();
        assert_eq!(
            (deadline - activated_at).num_seconds(),
            60 * steps[i]["deadline_min"].as_i64().unwrap()
        );
        let got: Vec<&str> = ins["recipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["target"].as_str().unwrap())
            .collect();
        assert_eq!(got, recipients(i), "step {i}");
        assert!(ins["body"]
            .as_str()
            .unwrap()
            .contains(&format!("警情 #{inc}")));
        assert_eq!(a["steps"][i]["status"], "issued");
        assert_eq!(a["steps"][i]["instruction_id"], *ins_id);
    }
    let got = feed.drain(Duration::from_millis(600));
    assert!(
        got.iter().any(|m| m["record_type"] == "plan_activation"
            && m["kind"] == "plan_activation.activated"
            && m["record_id"] == aid),
        "{got:?}"
    );
    assert_eq!(
        got.iter()
            .filter(|m| m["kind"] == "instruction.issued")
            .count(),
        5
    );
    let rows = audit_rows(s.dir.as_path());
    assert!(rows.iter().any(|r| r.0 == "boss"
        && r.1 == "plan_activation.create"
        && r.2 == format!("plan_activation:{aid}")
        && r.3 == "ok"));

    // The recipients: station 1 and the nearest car see and answer theirs.
    let (_, mine) = s.get(&s1, "/api/v1/instructions?status=open");
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == ids[0]));
    let (_, mine) = s.get(&u1, "/api/v1/instructions?status=open");
    assert!(mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == ids[3]));
    assert_eq!(
        s.get(&u1, &format!("/api/v1/plan-activations/{aid}")).0,
        200
    );
    assert_eq!(
        s.get(&s2, &format!("/api/v1/plan-activations/{aid}")).0,
        200,
        "a recipient"
    );
    let (st, _) = s.post(
        &s1,
        &format!("/api/v1/instructions/{}/sign", ids[0]),
        &json!({"target": "org:s1"}),
    );
    assert_eq!(st, 200);
    let (_, now) = s.get(&boss, &format!("/api/v1/plan-activations/{aid}"));
    assert_eq!(now["steps"][0]["status"], "signed");
    assert_eq!(now["steps"][0]["recipients"][0]["signed_by"], "s1disp");
    let (st, _) = s.post(
        &s1,
        &format!("/api/v1/instructions/{}/feedback", ids[0]),
        &json!({"target": "org:s1", "text": "已组织查找"}),
    );
    assert_eq!(st, 200);
    let (st, _) = s.post(
        &u1,
        &format!("/api/v1/instructions/{}/sign", ids[3]),
        &json!({"target": format!("unit:{near}")}),
    );
    assert_eq!(st, 200);
    let (_, now) = s.get(&boss, &format!("/api/v1/plan-activations/{aid}"));
    assert_eq!(now["steps"][0]["status"], "fed_back");
    assert_eq!(
        now["steps"][3]["status"], "issued",
        "one of two cars signed"
    );

    // Past the first deadlines the late steps escalate; the activation shows them overdue.
    let (st, _) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": 16 * 60}));
    assert_eq!(st, 200);
    let (_, now) = s.get(&boss, &format!("/api/v1/plan-activations/{aid}"));
    assert_eq!(now["steps"][0]["status"], "fed_back", "done in time");
    assert_eq!(now["steps"][3]["status"], "overdue", "{now}");
    assert_eq!(now["steps"][1]["status"], "issued", "due at 20 min");
    assert!(now["steps"][3]["overdue_at"].is_string());

    // The incident's timeline records the activation; the activation's its steps.
    let (_, itl) = s.get(&boss, &format!("/api/v1/incidents/{inc}/timeline"));
    assert!(
        kinds(&itl).contains(&"plan_activation.activated".to_owned()),
        "{itl}"
    );
    assert!(!kinds(&itl)
        .iter()
        .any(|k| k.starts_with("plan_activation.step_")));
    let (_, list) = s.get(&boss, &format!("/api/v1/incidents/{inc}/plan-activations"));
    assert_eq!(list["items"][0]["id"], aid);

    // Closing: the activator or a leader above; once; its open instructions close with it.
    let close = format!("/api/v1/plan-activations/{aid}/close");
    let (st, _) = s.post(&s1, &close, &json!({"outcome": "找到"}));
    assert_eq!(st, 403);
    let (st, r) = s.post(&boss, &close, &json!({"outcome": " "}));
    assert_eq!((st, field(&r)), (422, Some("outcome")));
    let (st, done) = s.post(
        &lead,
        &close,
        &json!({"outcome": "儿童已找到", "summary": "在车站找到，已交家长"}),
    );
    assert_eq!(st, 200, "{done}");
    assert_eq!(
        (
            done["status"].as_str(),
            done["outcome"].as_str(),
            done["closed_by"].as_str()
        ),
        (Some("closed"), Some("儿童已找到"), Some("lead"))
    );
    assert!(done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "closed"));
    let (_, ins) = s.get(&boss, &format!("/api/v1/instructions/{}", ids[1]));
    assert_eq!(ins["status"], "closed");
    let (st, r) = s.post(&boss, &close, &json!({"outcome": "again"}));
    assert_eq!(st, 409, "{r}");
    let (_, tl) = s.get(&boss, &format!("/api/v1/plan-activations/{aid}/timeline"));
    let k = kinds(&tl);
    assert_eq!(
        k.first().map(String::as_str),
        Some("plan_activation.activated")
    );
    assert_eq!(k.last().map(String::as_str), Some("plan_activation.closed"));
    for want in [
        "step_signed",
        "step_fed_back",
        "step_overdue",
        "step_closed",
    ] {
        assert!(
            k.contains(&format!("plan_activation.{want}")),
            "{want}: {k:?}"
        );
    }
    let signed = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "plan_activation.step_signed")
        .unwrap();
    assert_eq!(signed["data"]["detail"]["step"], 0);
    assert_eq!(signed["data"]["detail"]["target"], "org:s1");
    let (_, itl) = s.get(&boss, &format!("/api/v1/incidents/{inc}/timeline"));
    assert_eq!(
        kinds(&itl).last().map(String::as_str),
        Some("plan_activation.closed")
    );

    // A closed incident takes no plan.
    let (st, _) = s.patch(
        &boss,
        &format!("/api/v1/incidents/{inc}"),
        &json!({"status": "closed", "disposition": "resolved_on_scene", "summary": "找到"}),
    );
    assert_eq!(st, 200);
    let (st, r) = s.post(&boss, &path, &json!({"plan_id": pid}));
    assert_eq!((st, field(&r)), (409, Some("status")), "{r}");
}
