//! Fraud reports and their rings (串并案) over HTTP against the real binary: reports in, linked
//! at once in noisy formats, a service number chaining nobody; the ring's view with the evidence,
//! victims by province and the money (an audited read); an analyst's rejection sticks across a
//! restart; bad deliveries name their field and write nothing.

use serde_json::{json, Value};

use crate::common::*;

fn reports() -> Value {
    json!({"reports": [
        {"id": "a", "province": "湖北", "amount": 200000, "identifiers": [
            {"kind": "bank_account", "value": "6222 0200 0000 0001"}, {"kind": "phone", "value": "95588"}]},
        {"id": "b", "province": "广东", "amount": 50000, "identifiers": [
            {"kind": "bank_account", "value": "6222020000000001"}, {"kind": "phone", "value": "13900000001"}]},
        {"id": "c", "province": "湖北", "identifiers": [{"kind": "phone", "value": "+86 139 0000 0001"}]},
        {"id": "d", "identifiers": [{"kind": "phone", "value": "95588"}, {"kind": "url", "value": "https://www.baidu.com/s"}]}
    ]})
}

fn cluster_of(v: &Value, id: &str) -> String {
    v["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["cluster"].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn reports_link_into_rings_with_evidence_and_a_rejected_link_stays_rejected() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "view", "supervisor", Some("city"), None);
    let mut s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    let (st, r) = s.post(&ana, "/api/v1/fraud/reports", &reports());
    assert_eq!(st, 200, "{r}");
    assert_eq!((&r["accepted"], &r["duplicates"]), (&json!(4), &json!(0)));
    assert_eq!(cluster_of(&r, "c"), "a", "{r}");
    assert_eq!(cluster_of(&r, "d"), "d", "a service number links nobody");
    let (st, again) = s.post(&ana, "/api/v1/fraud/reports", &reports());
    assert_eq!((st, &again["duplicates"]), (200, &json!(4)));

    let (st, ring) = s.get(&ana, "/api/v1/fraud/reports/c/cluster");
    assert_eq!(st, 200, "{ring}");
    assert_eq!(ring["cluster"], "a");
    assert_eq!(ring["reports"].as_array().unwrap().len(), 3);
    assert_eq!(ring["provinces"], json!({"广东": 1, "湖北": 2}));
    assert_eq!(ring["amount"], 250000.0);
    assert_eq!(ring["evidence"]["c"][0]["with"], "b");
    assert_eq!(ring["evidence"]["c"][0]["value"], "13900000001");
    assert_eq!(
        s.get(&s.login("view"), "/api/v1/fraud/reports/c/cluster").0,
        403
    );

    // The analyst rejects c's link through the phone: c stands alone, now and after a restart.
    let (st, r) = s.post(
        &ana,
        "/api/v1/fraud/links/reject",
        &json!({"report": "c", "kind": "phone", "value": "139-0000-0001", "note": "号码为共享营业厅电话"}),
    );
    assert_eq!((st, r["cluster"].as_str()), (200, Some("c")), "{r}");
    s.kill();
    let s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    assert_eq!(
        s.get(&ana, "/api/v1/fraud/reports/c/cluster").1["cluster"],
        "c"
    );
    assert_eq!(
        s.get(&ana, "/api/v1/fraud/reports/b/cluster").1["cluster"],
        "a"
    );
    let audit = audit_rows(dir.path());
    for action in [
        "fraud.report.add",
        "fraud.cluster.read",
        "fraud.link.reject",
    ] {
        assert!(
            audit
                .iter()
                .any(|(a, act, _, o)| a == "ana" && act == action && o == "ok"),
            "{action}"
        );
    }

    // Bad deliveries name the field and add nothing.
    for (body, want) in [
        (
            json!({"reports": [{"id": "x", "identifiers": [{"kind": "qq", "value": "123"}]}]}),
            "reports[0].identifiers[0].kind",
        ),
        (
            json!({"reports": [{"id": "x", "identifiers": [{"kind": "card", "value": "4111 1111 1111 1112"}]}]}),
            "reports[0].identifiers[0].value",
        ),
        (
            json!({"reports": [{"id": "x", "identifiers": [{"kind": "phone", "value": "13900000009"}]}, {"id": " ", "identifiers": []}]}),
            "reports[1].id",
        ),
        (
            json!({"reports": [{"id": "x", "amount": -5, "identifiers": [{"kind": "phone", "value": "13900000009"}]}]}),
            "reports[0].amount",
        ),
        (json!({"reports": []}), "reports"),
    ] {
        let (st, r) = s.post(&ana, "/api/v1/fraud/reports", &body);
        assert_eq!((st, field(&r)), (422, Some(want)), "{r}");
    }
    assert_eq!(s.get(&ana, "/api/v1/fraud/reports/x/cluster").0, 404);
    let (st, r) = s.post(
        &ana,
        "/api/v1/fraud/links/reject",
        &json!({"report": "b", "kind": "phone", "value": "13900000001", "note": " "}),
    );
    assert_eq!((st, field(&r)), (422, Some("note")), "{r}");
}
