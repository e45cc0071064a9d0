//! The alert centre over HTTP on a test clock: severity from the incident's priority, taking and
//! ending an alert (who and when, audited), jurisdiction, bad input, and the escalation of an
//! untaken critical alert to the nearest duty leader, live.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::*;

#[test]
fn a_critical_alert_is_taken_ended_or_escalated_to_the_duty_leader_on_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", None, None);
    add_user(dir.path(), "d1lead", "leader", Some("d1"), None);
    add_user(dir.path(), "s1view", "supervisor", Some("s1"), None);
    let s = Server::start(dir.path(), &["--test-clock"]);
    let (t, root, lead) = (s.login("s1disp"), s.login("root"), s.login("d1lead"));
    let advance = |secs: f64| {
        let (st, v) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": secs}));
        assert_eq!(st, 200, "{v}");
    };
    // Two P1 orders and one P2 order nobody signs.
    let order = |desc: &str, priority: i64, call_sign: &str| -> Value {
        let (st, u) = s.post(&t, "/api/v1/units", &json!({"call_sign": call_sign, "kind": "patrol_car", "position": {"lon": 112.241, "lat": 30.331}}));
        assert_eq!(st, 201, "{u}");
        let mut b = incident_body(desc);
        b["priority"] = json!(priority);
        let (st, inc) = s.post(&t, "/api/v1/incidents", &b);
        assert_eq!(st, 201, "{inc}");
        let (st, a) = s.post(
            &t,
            &format!("/api/v1/incidents/{}/assignments", inc["id"]),
            &json!({"unit_id": u["id"]}),
        );
        assert_eq!(st, 201, "{a}");
        a
    };
    order("持刀抢劫", 1, "一所巡01");
    order("持刀伤人", 1, "一所巡02");
    order("自行车被盗", 2, "一所巡03");
    let mut boss_feed = s.ws(&lead, None);
    boss_feed.drain(Duration::from_millis(200));
    advance(61.0);
    let (st, v) = s.get(&t, "/api/v1/alerts?state=open");
    assert_eq!(st, 200, "{v}");
    let items = v["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3, "{v}");
    let by_sign = |cs: &str| {
        items
            .iter()
            .find(|a| a["data"]["call_sign"] == cs)
            .unwrap()
            .clone()
    };
    let (a1, a2, a3) = (
        by_sign("一所巡01"),
        by_sign("一所巡02"),
        by_sign("一所巡03"),
    );
    assert_eq!(
        (a1["severity"].as_str(), a1["state"].as_str()),
        (Some("critical"), Some("new"))
    );
    assert_eq!(
        a3["severity"], "major",
        "a P2 order's alert is not critical"
    );

    // The dispatcher takes the first; a supervisor only watches; another station does not see it.
    let ack = |tok: &str, id: &Value, body: Value| {
        s.post(tok, &format!("/api/v1/alerts/{id}/acknowledge"), &body)
    };
    let (st, taken) = ack(&t, &a1["id"], json!({"note": "正在电话联系"}));
    assert_eq!(st, 200, "{taken}");
    assert_eq!(taken["state"], "acknowledged");
    assert_eq!(taken["acknowledged"]["by"], "s1disp");
    assert_eq!(taken["acknowledged"]["note"], "正在电话联系");
    assert_eq!(
        ack(&t, &a1["id"], json!({})).0,
        409,
        "taken twice by the same person"
    );
    assert_eq!(ack(&s.login("s1view"), &a2["id"], json!({})).0, 403);
    assert_eq!(ack(&s.login("s2disp"), &a2["id"], json!({})).0, 404);
    let (st, e) = ack(&t, &a2["id"], json!({"note": "x".repeat(501)}));
    assert_eq!((st, field(&e)), (422, Some("note")), "{e}");
    let (st, e) = ack(&t, &json!("abc"), json!({}));
    assert_eq!(st, 400, "{e}");
    let (st, e) = s.get(&t, "/api/v1/alerts?state=maybe");
    assert_eq!((st, field(&e)), (400, Some("state")), "{e}");

    // Two minutes untaken (raised at the first sweep): the second P1 alert goes to the district's duty leader, live; the
    // taken one and the P2 one do not.
    let find = |v: &Value, id: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == *id)
            .unwrap()
            .clone()
    };
    advance(119.0);
    let (_, v) = s.get(&lead, "/api/v1/alerts?state=open");
    assert!(
        find(&v, &a2["id"])["escalated"].is_null(),
        "not before two minutes"
    );
    advance(1.0);
    let (_, v) = s.get(&lead, "/api/v1/alerts?state=open");
    let up = find(&v, &a2["id"]);
    assert_eq!(up["escalated"]["to_org_id"], "d1", "{up}");
    assert!(find(&v, &a1["id"])["escalated"].is_null());
    assert!(find(&v, &a3["id"])["escalated"].is_null());
    let got = boss_feed.drain(Duration::from_millis(800));
    assert!(
        got.iter()
            .any(|m| m["kind"] == "alert.escalated" && m["record_id"] == a2["id"]),
        "{got:?}"
    );

    // The leader ends it with what was done; it leaves the open list but stays in the full one.
    let (st, done) = s.post(
        &lead,
        &format!("/api/v1/alerts/{}/resolve", a2["id"]),
        &json!({"note": "已另派警力"}),
    );
    assert_eq!(st, 200, "{done}");
    assert_eq!(
        (done["state"].as_str(), done["resolved"]["by"].as_str()),
        (Some("resolved"), Some("d1lead"))
    );
    assert_eq!(
        done["acknowledged"]["by"], "d1lead",
        "ending an untaken alert takes it"
    );
    let (st, _) = s.raw_post(
        &t,
        &format!("/api/v1/alerts/{}/resolve", a1["id"]),
        "application/json",
        vec![],
    );
    assert_eq!(st, 200, "no body is no note");
    assert_eq!(
        s.post(
            &t,
            &format!("/api/v1/alerts/{}/resolve", a1["id"]),
            &json!({})
        )
        .0,
        409
    );
    let (_, open) = s.get(&t, "/api/v1/alerts?state=open");
    assert_eq!(open["items"].as_array().unwrap().len(), 1);
    let (_, all) = s.get(&t, "/api/v1/alerts");
    assert_eq!(all["items"].as_array().unwrap().len(), 3);

    // Who did what is in the audit trail.
    let rows = audit_rows(dir.path());
    let has = |actor: &str, action: &str, id: &Value| {
        rows.iter().any(|(a, act, target, outcome)| {
            a == actor && act == action && *target == format!("alert:{id}") && outcome == "ok"
        })
    };
    assert!(has("s1disp", "alert.acknowledge", &a1["id"]));
    assert!(has("system", "alert.escalate", &a2["id"]));
    assert!(has("d1lead", "alert.resolve", &a2["id"]));
}
