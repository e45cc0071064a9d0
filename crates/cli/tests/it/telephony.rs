//! The telephone system's interface over HTTP: a ring opens a call with the caller's number and
//! handset location, the call-taker answers (through the CTI or the console), the incident
//! recorded from it links back, the number is masked in lists and the live feed and read in full
//! only on the record; bad reports name their field.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::*;

#[test]
fn a_call_rings_is_answered_prefills_an_incident_and_ends_with_its_number_masked_outside_audited_reads(
) {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "cti", "dispatcher", Some("city"), None);
    let s = Server::start(dir.path(), &[]);
    let (cti, boss) = (s.login("cti"), s.login("boss"));
    let mut feed = s.ws(&boss, None);
    feed.drain(Duration::from_millis(200));

    let ring = json!({
        "call_id": "cti-0001", "event": "ring", "line": "110", "caller_number": "13912345678",
        "location": {"lon": 112.2405, "lat": 30.3302}, "accuracy_m": 35
    });
    let (st, call) = s.post(&cti, "/api/v1/telephony/calls", &ring);
    assert_eq!(st, 201, "{call}");
    assert_eq!(
        (call["state"].as_str(), call["line"].as_str()),
        (Some("ringing"), Some("110"))
    );
    let id = call["id"].clone();
    // The gateway may repeat itself: the same ring changes nothing.
    let (st, again) = s.post(&cti, "/api/v1/telephony/calls", &ring);
    assert_eq!((st, &again["id"]), (200, &id));

    // The call-takers' list and the live feed mask the number.
    let (st, list) = s.get(&boss, "/api/v1/telephony/calls");
    assert_eq!(st, 200, "{list}");
    assert_eq!(list["items"][0]["caller_number"], "139****5678");
    let got = feed.drain(Duration::from_millis(600));
    let rang: Vec<&Value> = got.iter().filter(|m| m["kind"] == "call.ringing").collect();
    assert_eq!(rang.len(), 1, "{got:?}");
    assert_eq!(rang[0]["data"]["caller_number"], "139****5678");
    assert!(!serde_json::to_string(&got).unwrap().contains("13912345678"));
    // A station does not see the command centre's calls.
    let (_, other) = s.get(&s.login("s1disp"), "/api/v1/telephony/calls");
    assert_eq!(other["items"].as_array().unwrap().len(), 0);

    // The CTI says who answered; the console reads the call in full, on the record.
    let answer = json!({"call_id": "cti-0001", "event": "answer", "agent": "boss"});
    let (st, ans) = s.post(&cti, "/api/v1/telephony/calls", &answer);
    assert_eq!(st, 200, "{ans}");
    assert_eq!(
        (ans["state"].as_str(), ans["answered_by"].as_str()),
        (Some("answered"), Some("boss"))
    );
    assert_eq!(
        s.post(&cti, "/api/v1/telephony/calls", &answer).0,
        409,
        "answered once"
    );
    let (st, full) = s.get(&boss, &format!("/api/v1/telephony/calls/{id}"));
    assert_eq!(st, 200);
    assert_eq!(full["caller_number"], "13912345678");
    assert!(audit_rows(dir.path())
        .iter()
        .any(|(a, act, t, o)| a == "boss"
            && act == "call.read"
            && *t == format!("call:{id}")
            && o == "ok"));

    // The incident recorded from the call links back to it.
    let mut b = incident_body("来电报警:有人持刀");
    b["caller"]["phone"] = full["caller_number"].clone();
    b["location"] = full["location"].clone();
    b["received_at"] = full["rang_at"].clone();
    b["source_ref"] = json!(format!("call:{id}"));
    let (st, inc) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!(st, 201, "{inc}");
    assert_eq!(
        inc["received_at"], full["rang_at"],
        "the ring time is the call's start"
    );
    let (_, linked) = s.get(&boss, &format!("/api/v1/telephony/calls/{id}"));
    assert_eq!(linked["incident_ids"], json!([inc["id"]]));
    b["source_ref"] = json!("call:999999");
    let (st, e) = s.post(&boss, "/api/v1/incidents", &b);
    assert_eq!((st, field(&e)), (422, Some("source_ref")), "{e}");

    // Over; nothing moves it after.
    let (st, end) = s.post(
        &cti,
        "/api/v1/telephony/calls",
        &json!({"call_id": "cti-0001", "event": "end"}),
    );
    assert_eq!((st, end["state"].as_str()), (200, Some("ended")), "{end}");
    let locate = json!({"call_id": "cti-0001", "event": "locate", "location": {"lon": 112.24, "lat": 30.33}});
    assert_eq!(s.post(&cti, "/api/v1/telephony/calls", &locate).0, 409);

    // A second call is answered from the console; a third rings out unanswered (abandoned).
    let mut r2 = ring.clone();
    r2["call_id"] = json!("cti-0002");
    let (_, c2) = s.post(&cti, "/api/v1/telephony/calls", &r2);
    let (st, mine) = s.post(
        &boss,
        &format!("/api/v1/telephony/calls/{}/answer", c2["id"]),
        &json!({}),
    );
    assert_eq!(st, 200, "{mine}");
    assert_eq!(
        (mine["answered_by"].as_str(), mine["caller_number"].as_str()),
        (Some("boss"), Some("13912345678"))
    );
    assert_eq!(
        s.post(
            &s.login("disp2"),
            &format!("/api/v1/telephony/calls/{}/answer", c2["id"]),
            &json!({})
        )
        .0,
        409
    );
    let mut r3 = ring.clone();
    r3["call_id"] = json!("cti-0003");
    s.post(&cti, "/api/v1/telephony/calls", &r3);
    let (_, gone) = s.post(
        &cti,
        "/api/v1/telephony/calls",
        &json!({"call_id": "cti-0003", "event": "end"}),
    );
    assert_eq!(gone["state"], "abandoned");
}

#[test]
fn bad_call_reports_name_their_field_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let boss = s.login("boss");
    let post = |body: Value| s.post(&boss, "/api/v1/telephony/calls", &body);
    for (body, want) in [
        (
            json!({"call_id": "x", "event": "ring", "caller_number": "13a"}),
            "caller_number",
        ),
        (json!({"call_id": "x", "event": "ring"}), "caller_number"),
        (
            json!({"call_id": "", "event": "ring", "caller_number": "110"}),
            "call_id",
        ),
        (
            json!({"call_id": "x", "event": "ring", "caller_number": "110", "location": {"lon": 500, "lat": 30}}),
            "location.lon",
        ),
        (
            json!({"call_id": "x", "event": "ring", "caller_number": "110", "accuracy_m": -3}),
            "accuracy_m",
        ),
        (
            json!({"call_id": "x", "event": "ring", "caller_number": "110", "at": "2099-01-01T00:00:00Z"}),
            "at",
        ),
        (
            json!({"call_id": "x", "event": "ring", "caller_number": "110", "line": "999"}),
            "line",
        ),
        (json!({"call_id": "x", "event": "hangup"}), "event"),
        (
            json!({"call_id": "x", "event": "ring", "caller_number": "110", "colour": "red"}),
            "colour",
        ),
        (json!({"call_id": "nobody", "event": "end"}), "call_id"),
    ] {
        let (st, e) = post(body.clone());
        assert!(st == 422 || st == 400, "{body} → {st} {e}");
        assert_eq!(field(&e), Some(want), "{body} → {e}");
    }
    let (_, c) = post(json!({"call_id": "ok-1", "event": "ring", "caller_number": "110"}));
    let (st, e) = post(json!({"call_id": "ok-1", "event": "answer", "agent": "nobody"}));
    assert_eq!((st, field(&e)), (422, Some("agent")), "{e}");
    // An analyst's account is no telephone gateway.
    assert_eq!(
        s.post(
            &s.login("ana"),
            "/api/v1/telephony/calls",
            &json!({"call_id": "y", "event": "ring", "caller_number": "110"})
        )
        .0,
        403
    );
    let (_, list) = s.get(&boss, "/api/v1/telephony/calls");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{list}");
    assert_eq!(
        (&items[0]["id"], items[0]["state"].as_str()),
        (&c["id"], Some("ringing"))
    );
}
