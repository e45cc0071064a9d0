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

#[test]
fn people_at_risk_join_the_warning_list_once_by_phone_from_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    let (st, r) = s.post(
        &ana,
        "/api/v1/fraud/warnings",
        &json!({"warnings": [
            {"phone": "+86 138 0013 8000", "name": "李阿姨", "reason": "向涉诈账户转账", "scam_type": "fake_police", "priority": 2, "source": "工商银行风控"},
            {"phone": "13900000002", "reason": "接到涉诈号码来电", "priority": 3, "source": "移动风控"}
        ]}),
    );
    assert_eq!(
        (st, &r["created"], &r["merged"]),
        (200, &json!(2), &json!(0)),
        "{r}"
    );
    // The carrier reports her again, in another format and more urgently: one person, merged.
    let csv = "phone,name,reason,scam_type,priority,source\n0086-13800138000,,30分钟内接到3个涉诈来电,fake_police,1,联通风控\n";
    let r = s
        .http
        .post(s.url("/api/v1/fraud/warnings.csv"))
        .bearer_auth(&ana)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().unwrap();
    assert_eq!((&v["created"], &v["merged"]), (&json!(0), &json!(1)), "{v}");
    let (st, list) = s.get(&ana, "/api/v1/fraud/warnings");
    assert_eq!(st, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let her = &items[0];
    assert_eq!(her["priority"], 1, "the most urgent first: {list}");
    assert_eq!(her["reports"], 2);
    assert_eq!(her["sources"], json!(["工商银行风控", "联通风控"]));
    assert_eq!(her["phone"], "138****8000", "masked in the list");
    assert!(!list.to_string().contains("李阿姨"));
    // Bad entries name their line or index; nothing is added.
    let bad = "phone,reason,priority,source\n13700000000,x,1,y\nnot-a-phone,x,1,y\n";
    let r = s
        .http
        .post(s.url("/api/v1/fraud/warnings.csv"))
        .bearer_auth(&ana)
        .header("content-type", "text/csv")
        .body(bad)
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().unwrap();
    assert_eq!(field(&v), Some("line 3.phone"), "{v}");
    let (st, r) = s.post(
        &ana,
        "/api/v1/fraud/warnings",
        &json!({"warnings": [{"phone": "13700000000", "reason": "x", "priority": 5, "source": "y"}]}),
    );
    assert_eq!((st, field(&r)), (422, Some("warnings[0].priority")), "{r}");
    assert_eq!(
        s.get(&ana, "/api/v1/fraud/warnings").1["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        s.get(&s.login("s1disp"), "/api/v1/fraud/warnings").1["items"],
        json!([]),
        "another station's list"
    );
}
