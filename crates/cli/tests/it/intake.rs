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
