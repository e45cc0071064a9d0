//! Intake like a 110 desk, against the real binary: a call is filed at its kind's default
//! priority; filing it less urgent needs a reason, which the timeline keeps.

use crate::common;

use common::*;
use serde_json::json;

#[test]
fn calls_take_their_kinds_default_priority_and_a_lower_one_needs_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let boss = s.login("boss");

    // The table is served with the code lists, for the intake form.
    let (_, codes) = s.get(&boss, "/api/v1/codes");
    let table = codes["default_priorities"].as_array().unwrap();
    let row = |t: &str, st: &str| {
        table
            .iter()
            .find(|r| r["type"] == t && r["subtype"] == st)
            .map(|r| r["priority"].as_i64().unwrap())
    };
    assert_eq!(row("criminal", "homicide"), Some(1));
    assert_eq!(row("public_order", "noise"), Some(4));

    let call = |t: &str, st: &str, prio: Option<i64>, reason: Option<&str>| {
        let mut b = incident_body("接警测试");
        b["type"] = json!(t);
        b["subtype"] = json!(st);
        match prio {
            Some(p) => b["priority"] = json!(p),
            None => {
                b.as_object_mut().unwrap().remove("priority");
            }
        }
        if let Some(r) = reason {
            b["priority_reason"] = json!(r);
        }
        s.post(&boss, "/api/v1/incidents", &b)
    };
    // A homicide is 一级 unless said otherwise; a noise complaint 四级.
    let (st, inc) = call("criminal", "homicide", None, None);
    assert_eq!((st, inc["priority"].as_i64()), (201, Some(1)), "{inc}");
    let (_, inc) = call("public_order", "noise", None, None);
    assert_eq!(inc["priority"], 4);
    // More urgent than the default needs no reason.
    let (st, inc) = call("public_order", "noise", Some(2), None);
    assert_eq!((st, inc["priority"].as_i64()), (201, Some(2)));
    // Less urgent: refused naming the field, nothing written; with a reason, filed and kept.
    let before = s.get(&boss, "/api/v1/incidents").1["total"].as_i64();
    assert!(before.is_some());
    let (st, r) = call("criminal", "homicide", Some(3), None);
    assert_eq!((st, field(&r)), (422, Some("priority_reason")), "{r}");
    assert_eq!(
        s.get(&boss, "/api/v1/incidents").1["total"].as_i64(),
        before
    );
    let (st, inc) = call(
        "criminal",
        "homicide",
        Some(3),
        Some("报警人称系多年前旧案，现场无危险"),
    );
    assert_eq!((st, inc["priority"].as_i64()), (201, Some(3)), "{inc}");
    let (_, tl) = s.get(&boss, &format!("/api/v1/incidents/{}/timeline", inc["id"]));
    let created = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "incident.created")
        .unwrap();
    assert_eq!(created["data"]["detail"]["default_priority"], 1);
    assert_eq!(
        created["data"]["detail"]["priority_reason"],
        "报警人称系多年前旧案，现场无危险"
    );
}

#[test]
fn premise_history_lists_the_earlier_calls_at_the_address_in_the_jurisdiction() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let (boss, s1, s2) = (s.login("boss"), s.login("s1disp"), s.login("s2disp"));
    let (lon, lat) = (112.24, 30.33);
    // ~30 m north, ~200 m north (out of 50 m), and one of station 2's at the same door.
    let at = |north_m: f64, org: &str, desc: &str| {
        let mut b = incident_body(desc);
        b["location"] = json!({ "lon": lon, "lat": lat + north_m / 111_320.0 });
        b["org_id"] = json!(org);
        let (st, inc) = s.post(&boss, "/api/v1/incidents", &b);
        assert_eq!(st, 201, "{inc}");
        inc["id"].as_i64().unwrap()
    };
    let first = at(0.0, "s1", "第一次");
    let near = at(30.0, "s1", "三十米");
    let _far = at(200.0, "s1", "两百米");
    let other = at(5.0, "s2", "二所的");

    let path = format!("/api/v1/incidents/history?lon={lon}&lat={lat}");
    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["incident"]["id"].as_i64().unwrap())
            .collect()
    };
    // The city sees all three within 50 m, newest first, callers masked, distances given.
    let (st, h) = s.get(&boss, &path);
    assert_eq!(st, 200, "{h}");
    assert_eq!(ids(&h), [other, near, first]);
    assert_eq!(h["items"][1]["distance_m"], 30.0);
    assert_ne!(
        h["items"][0]["incident"]["caller"]["phone"], "13800138000",
        "masked"
    );
    // A station sees its own; `exclude` leaves out the call being recorded; a wider radius
    // reaches the far one.
    assert_eq!(ids(&s.get(&s1, &path).1), [near, first]);
    assert_eq!(ids(&s.get(&s2, &path).1), [other]);
    assert_eq!(
        ids(&s.get(&s1, &format!("{path}&exclude={near}")).1),
        [first]
    );
    assert_eq!(ids(&s.get(&s1, &format!("{path}&radius_m=250")).1).len(), 3);
    // Bad input names the field.
    let (st, r) = s.get(&boss, "/api/v1/incidents/history?lon=abc&lat=30.3");
    assert_eq!((st, field(&r)), (400, Some("lon")));
    let (st, r) = s.get(&boss, &format!("{path}&radius_m=5000"));
    assert_eq!((st, field(&r)), (400, Some("radius_m")));
}

#[test]
fn notes_join_the_timeline_live_with_who_and_when_even_after_closing_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let (boss, s1) = (s.login("boss"), s.login("s1disp"));
    let mut b = incident_body("有人在楼道里吵闹");
    b["org_id"] = json!("s1");
    let (st, inc) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!(st, 201, "{inc}");
    let path = format!("/api/v1/incidents/{}/notes", inc["id"]);
    let mut feed = s.ws(&s1, None);
    feed.drain(std::time::Duration::from_millis(200));

    let (st, note) = s.post(
        &boss,
        &path,
        &json!({"text": "  报警人二次来电:对方持有棍棒  "}),
    );
    assert_eq!(st, 201, "{note}");
    assert_eq!(
        (note["text"].as_str(), note["by"].as_str()),
        (Some("报警人二次来电:对方持有棍棒"), Some("boss"))
    );
    // The station sees it live, and on the timeline with the author.
    let got = feed.drain(std::time::Duration::from_millis(600));
    assert!(got.iter().any(|m| m["kind"] == "incident.noted"), "{got:?}");
    let (_, tl) = s.get(&s1, &format!("/api/v1/incidents/{}/timeline", inc["id"]));
    let noted: Vec<&serde_json::Value> = tl["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "incident.noted")
        .collect();
    assert_eq!(noted.len(), 1, "{tl}");
    assert_eq!(noted[0]["actor"], "boss");
    assert_eq!(
        noted[0]["data"]["detail"]["text"],
        "报警人二次来电:对方持有棍棒"
    );
    // The note changes no field of the incident.
    let (_, after) = s.get(&boss, &format!("/api/v1/incidents/{}", inc["id"]));
    assert_eq!(after["version"], inc["version"]);

    // Bad input and the wrong people are refused.
    let (st, e) = s.post(&boss, &path, &json!({"text": "   "}));
    assert_eq!((st, field(&e)), (422, Some("text")), "{e}");
    let (st, e) = s.post(&boss, &path, &json!({"text": "长".repeat(2001)}));
    assert_eq!((st, field(&e)), (422, Some("text")), "{e}");
    assert_eq!(s.post(&s.login("ana"), &path, &json!({"text": "x"})).0, 403);
    assert_eq!(
        s.post(&s.login("s2disp"), &path, &json!({"text": "x"})).0,
        403
    );

    // Closed, it still takes a note (a follow-up learned later).
    let (st, closed) = s.patch(
        &boss,
        &format!("/api/v1/incidents/{}", inc["id"]),
        &json!({"status": "closed", "disposition": "resolved_on_scene", "summary": "已调解"}),
    );
    assert_eq!(st, 200, "{closed}");
    assert_eq!(
        s.post(&boss, &path, &json!({"text": "回访:双方已和解"})).0,
        201
    );
    assert!(audit_rows(dir.path())
        .iter()
        .any(|(a, act, t, o)| a == "boss"
            && act == "incident.note"
            && *t == format!("incident:{}", inc["id"])
            && o == "ok"));
}

#[test]
fn hazards_are_coded_kept_on_the_incident_changed_on_the_timeline_and_shown_in_premise_history() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let boss = s.login("boss");
    let (_, codes) = s.get(&boss, "/api/v1/codes");
    assert!(codes["hazards"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["code"] == "weapon" && h["zh"] == "持有凶器"));
    let mut b = incident_body("持刀威胁");
    b["hazards"] = json!(["weapon", "dog", "weapon"]);
    let (st, inc) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!(st, 201, "{inc}");
    assert_eq!(
        inc["hazards"],
        json!(["weapon", "dog"]),
        "kept once each, in order"
    );
    b["hazards"] = json!(["weapon", "politics"]);
    let (st, e) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!((st, field(&e)), (422, Some("hazards[1]")), "{e}");
    // Changed later: on the timeline as a change of field.
    let path = format!("/api/v1/incidents/{}", inc["id"]);
    let (st, v) = s.patch(&boss, &path, &json!({"hazards": ["mental_health"]}));
    assert_eq!((st, &v["hazards"]), (200, &json!(["mental_health"])), "{v}");
    let (_, tl) = s.get(&boss, &format!("{path}/timeline"));
    let last = tl["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        last["data"]["changes"]["hazards"],
        json!([["weapon", "dog"], ["mental_health"]]),
        "{last}"
    );
    // The next call at the address sees them in premise history.
    let (st, hist) = s.get(&boss, "/api/v1/incidents/history?lon=112.24&lat=30.33");
    assert_eq!(st, 200, "{hist}");
    let item = hist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["incident"]["id"] == inc["id"])
        .unwrap()
        .clone();
    assert_eq!(item["incident"]["hazards"], json!(["mental_health"]));
}
