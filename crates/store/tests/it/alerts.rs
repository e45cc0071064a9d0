//! The alert loop on the store's clock: grouping of repeats, taking and ending an alert, and the
//! escalation of an untaken critical alert to the duty leader.

use serde_json::json;
use zhihui_core::{AlertState, NewIncident, Severity, UnitKind};
use zhihui_store::alerts::{self, Raise};
use zhihui_store::commands;
use zhihui_store::projections as p;

use crate::kit::{offset, Kit, CITY, STATION};

fn raise<'a>(subject: &'a str, group: &'a str) -> Raise<'a> {
    Raise {
        kind: "post_late",
        subject,
        group,
        org_id: STATION,
        message: "执勤点迟到",
        data: json!({ "subject": subject }),
        priority: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeats_about_one_thing_count_on_one_alert_until_it_is_resolved() {
    let kit = Kit::city().await;
    let first = kit
        .write_as(&kit.boss, 0.0, |tx, _, _, now| {
            alerts::raise(tx, raise("post:3:lapse:1", "post:3"), now)
        })
        .await
        .unwrap()
        .expect("new");
    assert_eq!(
        (first.count, first.severity, first.state),
        (1, Severity::Minor, AlertState::New)
    );
    let again = kit
        .write_as(&kit.boss, 30.0, |tx, _, _, now| {
            alerts::raise(tx, raise("post:3:lapse:2", "post:3"), now)
        })
        .await
        .unwrap()
        .expect("counted");
    assert_eq!(
        (again.id, again.count, again.subject.as_str()),
        (first.id, 2, "post:3:lapse:2")
    );
    assert_eq!(again.last_raised_at, Some(kit.at(30.0)));
    // The same occurrence is never raised twice.
    let twice = kit
        .write_as(&kit.boss, 31.0, |tx, _, _, now| {
            alerts::raise(tx, raise("post:3:lapse:2", "post:3"), now)
        })
        .await
        .unwrap();
    assert!(twice.is_none());
    // Another post is another alert.
    let other = kit
        .write_as(&kit.boss, 32.0, |tx, _, _, now| {
            alerts::raise(tx, raise("post:4:lapse:1", "post:4"), now)
        })
        .await
        .unwrap()
        .unwrap();
    assert_ne!(other.id, first.id);
    // Once resolved, the next lapse opens a new alert.
    let disp = kit.station_dispatcher();
    let id = first.id;
    let done = kit
        .write_as(&disp, 40.0, move |tx, tree, who, now| {
            alerts::resolve(tx, tree, who, id, Some("已到位".into()), now)
        })
        .await
        .unwrap();
    assert_eq!(done.state, AlertState::Resolved);
    assert_eq!(done.owner(), Some("s1disp"));
    let fresh = kit
        .write_as(&kit.boss, 50.0, |tx, _, _, now| {
            alerts::raise(tx, raise("post:3:lapse:3", "post:3"), now)
        })
        .await
        .unwrap()
        .unwrap();
    assert_ne!(fresh.id, first.id);
    assert_eq!(fresh.count, 1);
    let open = kit.read(|c| p::alerts_for(c, &[STATION.to_owned()], true, 50));
    assert_eq!(open.len(), 2, "{open:?}");
    let all = kit.read(|c| p::alerts_for(c, &[STATION.to_owned()], false, 50));
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.last().unwrap().id,
        first.id,
        "resolved ones after the open ones"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untaken_critical_alert_escalates_to_the_duty_leader_once_and_a_taken_one_does_not() {
    let kit = Kit::city().await;
    let a = kit.unit("巡1", UnitKind::PatrolCar, offset(0.0, 0.0)).await;
    let b = kit
        .unit("巡2", UnitKind::PatrolCar, offset(100.0, 0.0))
        .await;
    let at = offset(500.0, 500.0);
    let disp = kit.station_dispatcher();
    let (ua, ub) = (a.id, b.id);
    kit.write_as(&kit.boss, 0.0, move |tx, tree, who, now| {
        let new: NewIncident = serde_json::from_value(json!({
            "type": "criminal", "subtype": "homicide", "priority": 1,
            "location": { "lon": at.lon, "lat": at.lat }, "org_id": STATION,
            "address": "测试路 1 号", "description": "持刀伤人"
        }))
        .unwrap();
        let inc = commands::create_incident(tx, tree, who, new, now)?;
        for unit_id in [ua, ub] {
            commands::assign_unit(
                tx,
                tree,
                who,
                commands::AssignUnit {
                    incident_id: inc.id,
                    unit_id,
                    eta_s: Some(600.0),
                    override_reason: None,
                },
                now,
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    // Neither crew signs within a minute: two critical alerts (a P1 incident).
    assert_eq!(kit.store.run_sweeps(kit.at(60.0)).await.unwrap(), 2);
    let raised = kit.read(|c| p::alerts_for(c, &[STATION.to_owned()], true, 50));
    assert_eq!(raised.len(), 2);
    assert!(raised
        .iter()
        .all(|a| a.severity == Severity::Critical && a.kind == "unsigned"));
    // The dispatcher takes the one about 巡1.
    let taken = raised
        .iter()
        .find(|a| a.data["call_sign"] == "巡1")
        .unwrap()
        .id;
    let untaken = raised
        .iter()
        .find(|a| a.data["call_sign"] == "巡2")
        .unwrap()
        .id;
    let ack = kit
        .write_as(&disp, 90.0, move |tx, tree, who, now| {
            alerts::acknowledge(tx, tree, who, taken, None, now)
        })
        .await
        .unwrap();
    assert_eq!(
        (ack.state, ack.owner()),
        (AlertState::Acknowledged, Some("s1disp"))
    );
    // A terminal only watches.
    let term = kit.terminal(&a);
    let refused = kit
        .write_as(&term, 91.0, move |tx, tree, who, now| {
            alerts::acknowledge(tx, tree, who, untaken, None, now)
        })
        .await;
    assert!(
        matches!(refused, Err(zhihui_store::StoreError::Denied(_))),
        "{refused:?}"
    );
    // One second short of two minutes: nothing escalates yet.
    kit.store.run_sweeps(kit.at(179.0)).await.unwrap();
    let get = |id: i64| kit.read(move |c| p::get_alert(c, id)).unwrap();
    assert!(get(untaken).escalated.is_none());
    kit.store.run_sweeps(kit.at(180.0)).await.unwrap();
    let up = get(untaken);
    let esc = up
        .escalated
        .clone()
        .expect("escalated after two minutes untaken");
    assert_eq!((esc.to_org_id.as_str(), esc.at), (CITY, kit.at(180.0)));
    assert!(
        get(taken).escalated.is_none(),
        "a taken alert has its owner"
    );
    kit.store.run_sweeps(kit.at(240.0)).await.unwrap();
    assert_eq!(get(untaken).escalated, Some(esc), "once");
    // The escalation is on the alert's timeline and in the audit trail.
    let kinds: Vec<String> = kit.read(move |c| {
        Ok(
            zhihui_store::projections::record_events(c, "alert", untaken)?
                .into_iter()
                .map(|e| e.kind)
                .collect(),
        )
    });
    assert_eq!(kinds, ["alert.raised", "alert.escalated"]);
}
