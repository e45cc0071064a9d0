//! Each domain's reactors at store level: a fact emitted by the operations layer (a position
//! report, an answer to an instruction, its closing or its deadline passing) moves the domain's
//! record in the same transaction, without HTTP.

use serde_json::{json, Value};
use zhihui_core::{LonLat, UnitKind};
use zhihui_store::commands::{self, RecipientAction};
use zhihui_store::{interception as icp, major_events as me, response_plans as rp};

use crate::kit::{offset, Kit, STATION};

fn doc<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interception_follows_its_units_answers_and_positions() {
    let k = Kit::city().await;
    let unit = k
        .unit("巡11", UnitKind::PatrolCar, offset(-2000.0, 0.0))
        .await;
    let checkpoint = offset(0.0, 0.0);
    let new: zhihui_core::NewInterception = serde_json::from_value(json!({
        "origin": { "lon": checkpoint.lon, "lat": checkpoint.lat }, "head_start_s": 60,
        "points": [{ "unit_id": unit.id, "lon": checkpoint.lon, "lat": checkpoint.lat,
                     "deadline_s": 600, "label": "北门" }]
    }))
    .unwrap();
    let rec = k
        .write_as(&k.boss, 0.0, move |tx, tree, who, now| {
            icp::create_interception(tx, tree, who, new, now)
        })
        .await
        .unwrap();
    let ins = rec.points[0].instruction_id;
    let point = |k: &Kit| doc(&k.read(|c| icp::get_interception(c, rec.id)).unwrap().points[0]);
    assert_eq!(point(&k)["status"], "issued");

    // InstructionAnswered: the unit signs its order.
    k.answer(
        &k.terminal(&unit),
        ins,
        &format!("unit:{}", unit.id),
        RecipientAction::Sign,
        10.0,
    )
    .await;
    assert_eq!(point(&k)["status"], "signed");
    assert!(point(&k)["signed_at"].is_string());

    // UnitMoved: a report far away changes nothing; one at the checkpoint puts it on site.
    k.report(&unit, offset(-1000.0, 0.0), 60.0).await;
    assert_eq!(point(&k)["status"], "signed");
    k.report(&unit, offset(40.0, 30.0), 120.0).await;
    assert_eq!(point(&k)["status"], "on_site");
    assert!(point(&k)["arrived_at"].is_string());

    // InstructionAnswered with feedback: its text lands on the checkpoint.
    k.answer(
        &k.terminal(&unit),
        ins,
        &format!("unit:{}", unit.id),
        RecipientAction::Feedback("已设卡".into()),
        130.0,
    )
    .await;
    assert_eq!(point(&k)["feedback"], "已设卡");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_follows_its_units_answers_and_positions_in_and_out() {
    let k = Kit::city().await;
    let unit = k
        .unit("巡21", UnitKind::PatrolCar, offset(-3000.0, 0.0))
        .await;
    let at = offset(0.0, 0.0);
    let new: zhihui_core::major_event::NewEvent = serde_json::from_value(json!({
        "name": "马拉松", "starts_at": k.at(600.0), "ends_at": k.at(7800.0),
        "posts": [{ "kind": "duty_point", "label": "东门", "lon": at.lon, "lat": at.lat,
                    "kinds": ["patrol_car"], "staff": 1 }]
    }))
    .unwrap();
    let (event, posts) = k
        .write_as(&k.boss, 0.0, move |tx, tree, who, now| {
            me::create_event(tx, tree, who, new, None, now)
        })
        .await
        .unwrap();
    let post_id = posts[0].id;
    let items = vec![me::AssignItem {
        post_id,
        unit_id: unit.id,
        travel_s: Some(300.0),
    }];
    let changed = k
        .write_as(&k.boss, 1.0, move |tx, tree, who, now| {
            me::assign(tx, tree, who, event.id, &items, now)
        })
        .await
        .unwrap();
    let ins = changed[0].units[0].instruction_id;
    let posting = |k: &Kit| doc(&k.read(|c| me::get_post(c, post_id)).unwrap().units[0]);
    assert_eq!(posting(&k)["status"], "assigned");

    // InstructionAnswered: signing shows on the post.
    k.answer(
        &k.terminal(&unit),
        ins,
        &format!("unit:{}", unit.id),
        RecipientAction::Sign,
        5.0,
    )
    .await;
    assert!(posting(&k)["signed_at"].is_string());

    // UnitMoved: at the post, then away beyond twice the arrival radius, then back.
    k.report(&unit, offset(30.0, 0.0), 200.0).await;
    assert_eq!(posting(&k)["status"], "on_site");
    k.report(
        &unit,
        offset(2.5 * zhihui_core::ARRIVED_WITHIN_M, 0.0),
        900.0,
    )
    .await;
    assert_eq!(posting(&k)["status"], "left");
    assert!(posting(&k)["left_at"].is_string());
    k.report(&unit, offset(10.0, 0.0), 960.0).await;
    assert_eq!(posting(&k)["status"], "on_site");
    assert!(posting(&k)["left_at"].is_null(), "cleared on return");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_activation_follows_its_steps_instructions_to_signed_fed_back_overdue_and_closed() {
    let k = Kit::city().await;
    let draft: zhihui_core::PlanDraft = serde_json::from_value(json!({
        "name": "测试预案", "scenario": "other",
        "steps": [
            { "title": "到岗", "body": "在 {address} 集合。", "target": { "kind": "org", "org_id": STATION },
              "deadline_min": 10, "feedback_required": true },
            { "title": "报告", "body": "报告情况。", "target": { "kind": "org", "org_id": STATION },
              "deadline_min": 5, "feedback_required": true }
        ]
    }))
    .unwrap();
    let plan = k
        .write_as(&k.root, 0.0, move |tx, tree, who, now| {
            rp::create_plan(tx, tree, who, draft, now)
        })
        .await
        .unwrap();
    let at: LonLat = offset(0.0, 0.0);
    let new: zhihui_core::NewIncident = serde_json::from_value(json!({
        "type": "criminal", "subtype": null, "priority": 1, "org_id": STATION,
        "location": { "lon": at.lon, "lat": at.lat }, "address": "横3街", "description": "测试"
    }))
    .unwrap();
    let inc = k
        .write_as(&k.boss, 0.0, move |tx, tree, who, now| {
            commands::create_incident(tx, tree, who, new, now)
        })
        .await
        .unwrap();
    let act = rp::ActivatePlan {
        incident_id: inc.id,
        plan_id: plan.id,
        version: None,
        skip_steps: vec![],
        ranked: Default::default(),
    };
    let a = k
        .write_as(&k.boss, 10.0, move |tx, tree, who, now| {
            rp::activate_plan(tx, tree, who, act, now)
        })
        .await
        .unwrap();
    let steps = |k: &Kit| {
        doc(&k.read(|c| rp::get_activation(c, a.id)).unwrap())["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["status"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(steps(&k), ["issued", "issued"]);
    let (first, second) = (
        a.steps[0].instruction_id.unwrap(),
        a.steps[1].instruction_id.unwrap(),
    );
    let station = k.station_dispatcher();
    let target = format!("org:{STATION}");

    // InstructionAnswered: signed, then fed back.
    k.answer(&station, first, &target, RecipientAction::Sign, 20.0)
        .await;
    assert_eq!(steps(&k), ["signed", "issued"]);
    k.answer(
        &station,
        first,
        &target,
        RecipientAction::Feedback("已到岗".into()),
        30.0,
    )
    .await;
    assert_eq!(steps(&k), ["fed_back", "issued"]);

    // InstructionOverdue: the clock passes the second step's deadline (5 minutes).
    assert!(
        k.store
            .run_sweeps(k.at(10.0 + 5.0 * 60.0 + 1.0))
            .await
            .unwrap()
            >= 1
    );
    assert_eq!(steps(&k), ["fed_back", "overdue"]);

    // InstructionClosed: its issuer closes it.
    k.write_as(&k.boss, 400.0, move |tx, tree, who, now| {
        commands::close_instruction(tx, tree, who, second, "已处置", now)
    })
    .await
    .unwrap();
    assert_eq!(steps(&k), ["fed_back", "closed"]);
}
