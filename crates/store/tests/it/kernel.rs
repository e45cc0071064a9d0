//! The kernel: writer and group commit, the event log and audit chain, the fact bus and sweeps,
//! the track store, migrations, and the dependency rule of the domain layout.

use chrono::Utc;
use zhihui_store::{
    projections, verify_audit_chain, AuditDraft, AuditVerdict, EventDraft, Store, StoreError,
    StoreOptions,
};

fn draft(id: i64) -> EventDraft {
    EventDraft {
        at: Utc::now(),
        actor: "t".into(),
        org_id: "o".into(),
        record_type: "thing".into(),
        record_id: id,
        kind: "thing.created".into(),
        payload: serde_json::json!({ "n": id }),
    }
}

fn audit(action: &str) -> AuditDraft {
    AuditDraft {
        at: Utc::now(),
        actor: "t".into(),
        action: action.into(),
        target: "x".into(),
        outcome: "ok".into(),
        detail: serde_json::json!({}),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_are_all_committed_in_order_and_a_failing_one_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let mut rx = store.subscribe();
    let mut handles = Vec::new();
    for i in 0..200i64 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            s.write(move |tx| {
                tx.audit(audit("thing.create"))?;
                let seq = tx.append(draft(i))?;
                if i % 10 == 7 {
                    // Fails after writing: its event and audit entry must vanish.
                    return Err(StoreError::Corrupt("refused".into()));
                }
                Ok::<_, StoreError>(seq)
            })
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        if h.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 180);
    let events = store.events_after(0, 1000).unwrap();
    assert_eq!(events.len(), 180);
    assert!(events.iter().all(|e| e.record_id % 10 != 7));
    // Gap-free sequence numbers.
    for (k, e) in events.iter().enumerate() {
        assert_eq!(e.seq, k as i64 + 1);
    }
    // The live feed saw exactly the committed events, in order.
    let mut live = Vec::new();
    while let Ok(e) = rx.try_recv() {
        live.push(e.seq);
    }
    assert_eq!(live, (1..=180).collect::<Vec<_>>());
    let verdict = store.read(verify_audit_chain).unwrap();
    assert_eq!(verdict, AuditVerdict::Intact { entries: 180 });
}

#[test]
fn tampering_with_the_audit_log_is_detected_at_the_edited_entry() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        for i in 0..5 {
            store
                .write_blocking(move |tx| {
                    tx.audit(audit(&format!("a{i}")))?;
                    Ok::<_, StoreError>(())
                })
                .unwrap();
        }
    }
    let conn = rusqlite::Connection::open(dir.path().join(zhihui_store::DB_FILE)).unwrap();
    // Triggers refuse edits through SQL...
    assert!(conn
        .execute("UPDATE audit SET actor = 'mallory' WHERE seq = 3", [])
        .is_err());
    // ...so an attacker drops the trigger first; the chain still tells.
    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 3",
    )
    .unwrap();
    match verify_audit_chain(&conn).unwrap() {
        AuditVerdict::Broken { seq, .. } => assert_eq!(seq, 3),
        v => panic!("tampering not detected: {v:?}"),
    }
    conn.execute_batch(
        "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= 2 AND seq <= 3",
    )
    .unwrap();
    match verify_audit_chain(&conn).unwrap() {
        AuditVerdict::Broken { seq, .. } => assert_eq!(seq, 2),
        v => panic!("deletion not detected: {v:?}"),
    }
}

#[test]
fn the_event_log_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    store
        .write_blocking(|tx| tx.append(draft(1)).map(|_| ()))
        .unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(zhihui_store::DB_FILE)).unwrap();
    assert!(conn.execute("DELETE FROM events", []).is_err());
    assert!(conn.execute("UPDATE events SET actor = 'x'", []).is_err());
    assert_eq!(store.read(projections::head).unwrap(), 1);
}

#[test]
fn reopening_keeps_everything_and_continues_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let store = Store::open(
            dir.path(),
            StoreOptions {
                max_batch: 1,
                ..Default::default()
            },
        )
        .unwrap();
        store
            .write_blocking(move |tx| {
                tx.audit(audit(&format!("round{round}")))?;
                tx.append(draft(round)).map(|_| ())
            })
            .unwrap();
    }
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    assert_eq!(store.head().unwrap(), 3);
    assert_eq!(
        store.read(verify_audit_chain).unwrap(),
        AuditVerdict::Intact { entries: 3 }
    );
}

#[test]
fn an_older_database_gets_unit_positions_in_their_own_columns_on_upgrade() {
    use zhihui_core::{LonLat, Unit, UnitKind, UnitStatus};
    let dir = tempfile::tempdir().unwrap();
    let at = LonLat {
        lon: 112.241_234_567_8,
        lat: 30.331_234_567_8,
    };
    {
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        store
            .write_blocking(move |tx| {
                for (id, position) in [(1, Some(at)), (2, None)] {
                    let u = Unit {
                        id,
                        call_sign: format!("车{id}"),
                        kind: UnitKind::PatrolCar,
                        org_id: "o".into(),
                        status: UnitStatus::Available,
                        position,
                        position_at: None,
                        updated_at: Utc::now(),
                        version: 1,
                    };
                    projections::put_unit(tx.conn(), &u)?;
                }
                let new: zhihui_core::NewIncident = serde_json::from_value(serde_json::json!({
                    "caller": {"name": "张三", "phone": "13800138000"},
                    "location": {"lon": 112.24, "lat": 30.33},
                    "type": "criminal", "priority": 2
                }))?;
                let inc = new.into_incident(1, "o".into(), "disp", Utc::now())?;
                projections::put_incident(tx.conn(), &inc)?;
                // An instruction from the city to a unit of station o2.
                let ins: zhihui_core::NewInstruction = serde_json::from_value(serde_json::json!({
                    "title": "设卡", "targets": [], "deadline": Utc::now().to_rfc3339()
                }))?;
                let r: zhihui_core::Recipient = serde_json::from_value(serde_json::json!({
                    "target": "unit:7", "name": "车7", "org_id": "o2", "status": "pending",
                    "signed_at": null, "signed_by": null, "feedback": null, "feedback_at": null
                }))?;
                let ins = ins.into_instruction(1, "boss", "city", vec![r], Utc::now());
                projections::put_instruction(tx.conn(), &ins)?;
                // A position report as releases before the track store logged it.
                tx.append(EventDraft {
                    at: "2026-01-02T03:04:05.678Z".parse().unwrap(),
                    actor: "car1".into(),
                    org_id: "o".into(),
                    record_type: "unit".into(),
                    record_id: 1,
                    kind: "unit.moved".into(),
                    payload: serde_json::json!({
                        "record": { "id": 1, "position": { "lon": at.lon, "lat": at.lat } },
                        "changes": { "position": [null, { "lon": at.lon, "lat": at.lat }] }
                    }),
                })?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
    }
    // Back to schema 2: no position columns, migration 3 (nor any later one) not applied.
    let c = rusqlite::Connection::open(dir.path().join(zhihui_store::DB_FILE)).unwrap();
    c.execute_batch(
        "ALTER TABLE units DROP COLUMN lon; ALTER TABLE units DROP COLUMN lat;
         DROP TABLE interception_points; DROP TABLE interceptions;
         DROP TABLE plan_activation_steps; DROP TABLE plan_activations;
         DROP TABLE response_plan_versions; DROP TABLE response_plans;
         DROP TABLE post_units; DROP TABLE event_posts; DROP TABLE major_events;
         DROP INDEX incidents_source; ALTER TABLE incidents DROP COLUMN source;
         DROP TABLE record_reach; DROP TABLE unit_fixes; DROP TABLE track_state;
         DROP TABLE id_sequences; DROP TABLE org_areas; DROP INDEX incidents_lat;
         DROP TABLE alert_raises; DROP INDEX alerts_group; DROP INDEX alerts_state;
         ALTER TABLE alerts DROP COLUMN grp; ALTER TABLE alerts DROP COLUMN state;
         UPDATE incidents SET doc = json_remove(doc, '$.source', '$.source_ref');
         DELETE FROM schema_migrations WHERE version >= 3;",
    )
    .unwrap();
    drop(c);
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let free = store
        .read(|c| projections::free_units(c, &["o".into()], &[UnitKind::PatrolCar]))
        .unwrap();
    assert_eq!(free.len(), 2);
    let p = free[0].position.expect("position carried over");
    assert!(
        (p.lon - at.lon).abs() < 1e-12 && (p.lat - at.lat).abs() < 1e-12,
        "{p:?}"
    );
    assert_eq!(free[1].position, None);
    assert!(store
        .read(|c| projections::free_units(c, &["o".into()], &[UnitKind::Swat]))
        .unwrap()
        .is_empty());
    // Incidents recorded before sources existed are 110 calls, in the document and the column.
    let inc = store
        .read(|c| projections::get_incident(c, 1))
        .unwrap()
        .unwrap();
    assert_eq!(inc.source, zhihui_core::IncidentSource::Call110);
    assert_eq!(inc.caller.unwrap().name, "张三");
    let filter = projections::IncidentFilter {
        org_ids: vec!["o".into()],
        statuses: vec![],
        types: vec![],
        sources: vec!["call_110".into()],
        from: None,
        to: None,
        limit: 10,
        offset: 0,
    };
    let (items, total) = store
        .read(|c| projections::list_incidents(c, &filter))
        .unwrap();
    assert_eq!((items.len(), total), (1, 1));
    // Who may see the instruction is rebuilt from the stored records: the recipient's station and
    // the unit's terminal, not a sibling station.
    use zhihui_core::{Org, OrgKind, OrgTree, Role};
    let org = |id: &str, parent: Option<&str>| Org {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: id.into(),
        name_en: id.into(),
        kind: if parent.is_none() {
            OrgKind::City
        } else {
            OrgKind::Station
        },
    };
    let tree = OrgTree::new([
        org("city", None),
        org("o2", Some("city")),
        org("o3", Some("city")),
    ]);
    let sees = |org_id: &str, unit_id: Option<i64>| {
        let actor = zhihui_store::commands::Actor {
            username: "x".into(),
            role: Role::Dispatcher,
            org_id: org_id.into(),
            unit_id,
        };
        let v = zhihui_store::reach::Viewer::of(&tree, &actor);
        store
            .read(|c| projections::list_instructions_for(c, &v, None, 10, 0))
            .unwrap()
            .1
    };
    assert_eq!(sees("o2", None), 1);
    assert_eq!(sees("city", None), 1);
    assert_eq!(sees("o3", None), 0);
    assert_eq!(sees("o3", Some(7)), 1, "the unit's own terminal");
    // The sequences start after the records already stored; a new kind starts at 1.
    let (next_incident, first_tip) = store
        .write_blocking(|tx| {
            Ok::<_, StoreError>((
                zhihui_store::ids::next(tx.conn(), "incident")?,
                zhihui_store::ids::reserve(tx.conn(), "tip", 3)?,
            ))
        })
        .unwrap();
    assert_eq!(next_incident, 2, "incident 1 was stored before the upgrade");
    assert_eq!(first_tip, 1);
    let after_block = store
        .write_blocking(|tx| zhihui_store::ids::next(tx.conn(), "tip"))
        .unwrap();
    assert_eq!(after_block, 4, "a reserved block is not handed out again");
    // Positions already in the log became fixes of the track store.
    let (fixes, _) = store
        .read(|c| {
            zhihui_store::track::trail(
                c,
                1,
                "2026-01-01T00:00:00Z".parse().unwrap(),
                "2026-01-03T00:00:00Z".parse().unwrap(),
                10,
            )
        })
        .unwrap();
    assert_eq!(fixes.len(), 1);
    assert_eq!(
        fixes[0].at,
        "2026-01-02T03:04:05.678Z"
            .parse::<zhihui_core::Time>()
            .unwrap()
    );
    assert!((fixes[0].lon - at.lon).abs() < 1e-6 && (fixes[0].lat - at.lat).abs() < 1e-6);
}

// ---- the fact bus ------------------------------------------------------------------------------

fn a_unit() -> zhihui_core::Unit {
    zhihui_core::Unit {
        id: 1,
        call_sign: "车1".into(),
        kind: zhihui_core::UnitKind::PatrolCar,
        org_id: "o".into(),
        status: zhihui_core::UnitStatus::Available,
        position: None,
        position_at: None,
        updated_at: Utc::now(),
        version: 1,
    }
}

fn moved(tx: &mut zhihui_store::Tx<'_>) -> Result<i64, StoreError> {
    let u = a_unit();
    let mut d = draft(1);
    d.kind = "unit.moved".into();
    tx.emit(d, zhihui_store::Fact::UnitMoved { unit: &u })
}

fn reacted(tx: &mut zhihui_store::Tx<'_>, e: &zhihui_store::Emitted<'_>) -> Result<(), StoreError> {
    let zhihui_store::Fact::UnitMoved { unit } = e.fact else {
        return Ok(());
    };
    let mut d = draft(unit.id);
    d.kind = "thing.reacted".into();
    d.actor = e.actor.to_owned();
    tx.append(d).map(|_| ())
}

fn refuses(_: &mut zhihui_store::Tx<'_>, _: &zhihui_store::Emitted<'_>) -> Result<(), StoreError> {
    Err(StoreError::Conflict {
        field: "unit_id".into(),
        message: "refused by a reactor".into(),
    })
}

fn loops(tx: &mut zhihui_store::Tx<'_>, _: &zhihui_store::Emitted<'_>) -> Result<(), StoreError> {
    moved(tx).map(|_| ())
}

#[test]
fn a_fact_runs_its_reactors_in_the_same_transaction_and_any_failure_undoes_the_request() {
    use zhihui_store::{FactKind, Module};
    let open = |modules: Vec<Module>| {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open_with(dir.path(), StoreOptions::default(), modules).unwrap();
        (dir, s)
    };
    let kinds = |s: &Store| -> Vec<String> {
        s.events_after(0, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    };
    // A reactor's event follows the fact's own, in the same commit.
    let (_d, s) = open(vec![
        Module::new("follow").react(FactKind::UnitMoved, reacted)
    ]);
    s.write_blocking(moved).unwrap();
    assert_eq!(kinds(&s), ["unit.moved", "thing.reacted"]);
    // A reactor that refuses rolls back the whole request: neither event is kept.
    let (_d, s) = open(vec![
        Module::new("follow").react(FactKind::UnitMoved, reacted),
        Module::new("refuse").react(FactKind::UnitMoved, refuses),
    ]);
    let err = s.write_blocking(moved).unwrap_err();
    assert!(err.to_string().contains("refused by a reactor"), "{err}");
    assert!(kinds(&s).is_empty());
    // A cycle between modules fails loudly instead of spinning, and leaves nothing.
    let (_d, s) = open(vec![Module::new("cycle").react(FactKind::UnitMoved, loops)]);
    let err = s.write_blocking(moved).unwrap_err();
    assert!(err.to_string().contains("nested deeper"), "{err}");
    assert!(kinds(&s).is_empty());
    // Without modules a fact is just its event.
    let (_d, s) = open(vec![]);
    s.write_blocking(moved).unwrap();
    assert_eq!(kinds(&s), ["unit.moved"]);
    // A module is listed once.
    let dir = tempfile::tempdir().unwrap();
    let twice = Store::open_with(
        dir.path(),
        StoreOptions::default(),
        vec![Module::new("a"), Module::new("a")],
    );
    assert!(twice.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registered_sweeps_run_when_due_and_count_their_alerts() {
    use zhihui_store::{Module, Sweep};
    let dir = tempfile::tempdir().unwrap();
    // Due once the log holds a `thing.created` event not yet answered by a `thing.swept` one.
    let pending = Sweep {
        name: "test.pending",
        due: |c, _now| {
            let n: i64 = c.query_row(
                "SELECT (SELECT COUNT(*) FROM events WHERE kind = 'thing.created') - (SELECT COUNT(*) FROM events WHERE kind = 'thing.swept')",
                [],
                |r| r.get(0),
            )?;
            Ok(n > 0)
        },
        run: |tx, now| {
            let mut d = draft(1);
            d.kind = "thing.swept".into();
            d.at = now;
            tx.append(d)?;
            Ok(1)
        },
    };
    let s = Store::open_with(
        dir.path(),
        StoreOptions::default(),
        vec![Module::new("test").sweep(pending)],
    )
    .unwrap();
    assert_eq!(s.run_sweeps(Utc::now()).await.unwrap(), 0, "nothing due");
    s.write(|tx| tx.append(draft(1)).map(|_| ()))
        .await
        .map_err(|e: StoreError| e)
        .unwrap();
    assert_eq!(s.run_sweeps(Utc::now()).await.unwrap(), 1);
    assert_eq!(s.run_sweeps(Utc::now()).await.unwrap(), 0, "done once");
    assert_eq!(s.head().unwrap(), 2);
}

/// The dependency rule of the domain layout: a domain depends on the kernel and the operations
/// layer, never on another domain; the operations layer names no domain. Checked on the Rust
/// paths of the sources (issue 5b).
/// The code of a source text without its comment lines: doc comments may mention a domain; code
/// may not.
fn code_only(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn no_domain_imports_another_and_the_operations_layer_names_none() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // A domain is a folder of the slice template (`src/interception/`) or, until it moves, one
    // file (`src/major_events.rs`); each is named here by the path other code would use.
    let domains = ["interception", "major_events", "response_plans"];
    let code_of = |d: &str| -> String {
        let file = src.join(format!("{d}.rs"));
        let texts: Vec<String> = if file.exists() {
            vec![std::fs::read_to_string(file).unwrap()]
        } else {
            let mut v = Vec::new();
            for e in std::fs::read_dir(src.join(d)).unwrap() {
                v.push(std::fs::read_to_string(e.unwrap().path()).unwrap());
            }
            assert!(v.len() >= 5, "domain {d} is a folder of the slice template");
            v
        };
        code_only(&texts.join("\n"))
    };
    let names = |code: &str| -> Vec<&'static str> {
        domains
            .iter()
            .copied()
            .filter(|d| {
                [
                    format!("crate::{d}"),
                    format!("super::{d}"),
                    format!("crate::{{{d}"),
                ]
                .iter()
                .any(|p| code.contains(p.as_str()))
            })
            .collect()
    };
    for d in domains {
        let others: Vec<_> = names(&code_of(d)).into_iter().filter(|o| *o != d).collect();
        assert!(others.is_empty(), "domain {d} uses {others:?}");
    }
    for shared in [
        "commands.rs",
        "projections.rs",
        "module.rs",
        "writer.rs",
        "reach.rs",
        "audit.rs",
        "track.rs",
    ] {
        let code = code_only(&std::fs::read_to_string(src.join(shared)).unwrap());
        assert!(names(&code).is_empty(), "{shared} names {:?}", names(&code));
    }
}

// ---- the track store ---------------------------------------------------------------------------

fn track_city() -> (zhihui_core::OrgTree, zhihui_store::commands::Actor) {
    use zhihui_core::{Org, OrgKind, OrgTree, Role};
    let tree = OrgTree::new([Org {
        id: "o".into(),
        parent_id: None,
        name: "市局".into(),
        name_en: "City".into(),
        kind: OrgKind::City,
    }]);
    let actor = zhihui_store::commands::Actor {
        username: "boss".into(),
        role: Role::Admin,
        org_id: "o".into(),
        unit_id: None,
    };
    (tree, actor)
}

fn new_unit(at: zhihui_core::LonLat) -> zhihui_core::NewUnit {
    serde_json::from_value(serde_json::json!({
        "call_sign": "巡1", "kind": "patrol_car", "position": { "lon": at.lon, "lat": at.lat }
    }))
    .unwrap()
}

fn moved_to(pos: zhihui_core::LonLat) -> zhihui_core::UnitPatch {
    zhihui_core::UnitPatch {
        position: Some(pos),
        ..Default::default()
    }
}

#[test]
fn a_position_report_is_a_fix_and_a_live_event_but_not_a_log_entry() {
    use zhihui_core::{LonLat, UnitStatus};
    use zhihui_store::commands;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let mut rx = store.subscribe();
    let (tree, actor) = track_city();
    let t0: zhihui_core::Time = "2026-12-06T08:00:00Z".parse().unwrap();
    let p0 = LonLat {
        lon: 112.2,
        lat: 30.3,
    };
    // About 111 m north, then as far east.
    let p1 = LonLat {
        lon: 112.2,
        lat: 30.301,
    };
    let p2 = LonLat {
        lon: 112.201_16,
        lat: 30.301,
    };
    store
        .write_blocking(move |tx| {
            let u = commands::create_unit(tx, &tree, &actor, new_unit(p0), t0)?;
            let s = chrono::Duration::seconds;
            commands::update_unit(tx, &tree, &actor, u.id, moved_to(p1), t0 + s(10))?;
            let status = zhihui_core::UnitPatch {
                status: Some(UnitStatus::Dispatched),
                ..Default::default()
            };
            commands::update_unit(tx, &tree, &actor, u.id, status, t0 + s(15))?;
            let both = zhihui_core::UnitPatch {
                status: Some(UnitStatus::Available),
                position: Some(p2),
                ..Default::default()
            };
            commands::update_unit(tx, &tree, &actor, u.id, both, t0 + s(20))?;
            Ok::<_, StoreError>(())
        })
        .unwrap();
    // The log keeps the decisions: created, and the two status changes (one with a move).
    let logged: Vec<String> = store
        .events_after(0, 100)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(logged, ["unit.created", "unit.updated", "unit.updated"]);
    // The live feed carries everything, the bare move as telemetry outside the sequence.
    let mut live = Vec::new();
    while let Ok(e) = rx.try_recv() {
        live.push((e.seq, e.kind.clone(), e.in_log()));
    }
    assert_eq!(
        live,
        [
            (1, "unit.created".to_owned(), true),
            (0, "unit.moved".to_owned(), false),
            (2, "unit.updated".to_owned(), true),
            (3, "unit.updated".to_owned(), true),
        ]
    );
    // The trail holds every position, with speed and heading from the previous fix.
    let (fixes, more) = store
        .read(|c| zhihui_store::track::trail(c, 1, t0, t0 + chrono::Duration::hours(1), 10))
        .unwrap();
    assert!(!more);
    assert_eq!(fixes.len(), 3);
    assert_eq!((fixes[0].speed_mps, fixes[0].heading_deg), (None, None));
    let v1 = fixes[1].speed_mps.unwrap();
    assert!((v1 - 11.1).abs() < 0.1, "{v1}");
    assert_eq!(fixes[1].heading_deg, Some(0.0));
    assert_eq!(fixes[2].heading_deg, Some(90.0));
    assert!((fixes[2].lon - p2.lon).abs() < 1e-6);
    // Paging: a limit below the count says more follow.
    let (two, more) = store
        .read(|c| zhihui_store::track::trail(c, 1, t0, t0 + chrono::Duration::hours(1), 2))
        .unwrap();
    assert_eq!((two.len(), more), (2, true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_fixes_are_thinned_to_one_a_minute_then_expired_and_the_recent_trail_is_whole() {
    use chrono::Duration;
    use zhihui_core::LonLat;
    use zhihui_store::commands;
    use zhihui_store::track::TrackRetention;
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions {
        track: TrackRetention {
            full_for: Duration::days(1),
            thin_to: Duration::minutes(1),
            keep_for: Duration::days(3),
        },
        ..StoreOptions::default()
    };
    let store = Store::open(dir.path(), opts).unwrap();
    let (tree, actor) = track_city();
    let start: zhihui_core::Time = "2026-12-01T00:00:00Z".parse().unwrap();
    // A fix every 20 s for four days, driving slowly east.
    let n = 4 * 24 * 180;
    store
        .write(move |tx| {
            let p = |i: i64| LonLat {
                lon: 112.0 + i as f64 * 1e-5,
                lat: 30.0,
            };
            let u = commands::create_unit(tx, &tree, &actor, new_unit(p(0)), start)?;
            for i in 1..n {
                let at = start + Duration::seconds(20 * i);
                commands::update_unit(tx, &tree, &actor, u.id, moved_to(p(i)), at)?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    let count = || store.read(zhihui_store::track::count).unwrap();
    assert_eq!(count(), n);
    assert_eq!(store.head().unwrap(), 1, "only unit.created is in the log");
    let now = start + Duration::days(4);
    // A backlog is worked off in bounded runs, each due until it is done.
    let mut runs = 0;
    while store
        .read(|c| zhihui_store::track::thin_due(c, now, &opts_track()))
        .unwrap()
    {
        store.run_sweeps(now).await.unwrap();
        runs += 1;
        assert!(runs < 50, "thinning never finished");
    }
    assert!(runs > 1, "a two-day backlog takes more than one run");
    let trail = |from: zhihui_core::Time, to: zhihui_core::Time| {
        store
            .read(|c| zhihui_store::track::trail(c, 1, from, to, 100_000))
            .unwrap()
            .0
    };
    // Older than three days: gone.
    assert!(trail(start, now - Duration::days(3)).is_empty());
    // Between three days and one day old: exactly one fix per minute, the first of each.
    let mid = trail(now - Duration::days(3), now - Duration::days(1));
    assert_eq!(mid.len(), 2 * 24 * 60);
    assert!(mid.iter().all(|f| f.at.timestamp() % 60 == 0));
    // The last day: every fix.
    assert_eq!(trail(now - Duration::days(1), now).len(), 24 * 180);
    assert_eq!(count(), (2 * 24 * 60 + 24 * 180) as i64);
    // An hour later the next hour is due, and only that is thinned.
    let later = now + Duration::minutes(61);
    assert!(store
        .read(|c| zhihui_store::track::thin_due(c, later, &opts_track()))
        .unwrap());
}

fn opts_track() -> zhihui_store::track::TrackRetention {
    zhihui_store::track::TrackRetention {
        full_for: chrono::Duration::days(1),
        thin_to: chrono::Duration::minutes(1),
        keep_for: chrono::Duration::days(3),
    }
}

// ---- module migrations -------------------------------------------------------------------------

#[test]
fn a_module_brings_its_own_migrations_applied_once_each_and_refused_when_newer_than_the_program() {
    use zhihui_store::Module;
    const V1: &[&str] = &["CREATE TABLE tips (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"];
    const V2: &[&str] = &[
        "CREATE TABLE tips (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
        "ALTER TABLE tips ADD COLUMN source TEXT NOT NULL DEFAULT 'call'",
    ];
    const BROKEN: &[&str] = &[
        "CREATE TABLE tips (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
        "ALTER TABLE tips ADD COLUMN source TEXT NOT NULL DEFAULT 'call'",
        "CREATE TABLE half (x); ALTER TABLE nowhere ADD COLUMN y",
    ];
    let dir = tempfile::tempdir().unwrap();
    let open = |m: &'static [&'static str]| {
        Store::open_with(
            dir.path(),
            StoreOptions::default(),
            vec![Module::new("tips").migrations(m)],
        )
    };
    let columns = |s: &Store| {
        s.read(|c| {
            let mut st = c.prepare("SELECT name FROM pragma_table_info('tips') ORDER BY cid")?;
            let rows = st.query_map([], |r| r.get::<_, String>(0))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .unwrap()
    };
    let s = open(V1).unwrap();
    assert_eq!(columns(&s), ["id", "text"]);
    s.write_blocking(|tx| {
        tx.conn()
            .execute("INSERT INTO tips(text) VALUES ('可疑包裹')", [])
            .map_err(StoreError::from)
    })
    .unwrap();
    drop(s);
    // Reopened with one more migration: only the new one runs, the row stays.
    let s = open(V2).unwrap();
    assert_eq!(columns(&s), ["id", "text", "source"]);
    let kept: (String, String) = s
        .read(|c| {
            Ok(c.query_row("SELECT text, source FROM tips", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
        })
        .unwrap();
    assert_eq!(kept, ("可疑包裹".to_owned(), "call".to_owned()));
    drop(s);
    // A failing migration names the module and leaves nothing of itself behind.
    let e = open(BROKEN)
        .err()
        .expect("a broken migration is refused")
        .to_string();
    assert!(e.contains("module `tips` migration 3"), "{e}");
    let s = open(V2).unwrap();
    let half: i64 = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'",
                [],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(half, 0);
    drop(s);
    // An older program than the database is refused rather than run on a schema it does not know.
    let e = open(V1).err().expect("older program refused").to_string();
    assert!(e.contains("newer than this program"), "{e}");
}

#[test]
fn the_registry_lists_every_modules_holds_on_units_in_registration_order() {
    use zhihui_core::LonLat;
    use zhihui_store::{Hold, Module, Registry};
    fn hold(unit_id: i64, what: &'static str) -> Hold {
        Hold {
            unit_id,
            at: LonLat {
                lon: 112.2,
                lat: 30.3,
            },
            instruction_id: unit_id * 10,
            what,
            on_site: false,
        }
    }
    let r = Registry::new(vec![
        Module::new("posts").lists_holds(|_| Ok(vec![hold(1, "post"), hold(2, "post")])),
        Module::new("quiet"),
        Module::new("checkpoints").lists_holds(|_| Ok(vec![hold(7, "checkpoint")])),
    ])
    .unwrap();
    let c = rusqlite::Connection::open_in_memory().unwrap();
    let got: Vec<(i64, &str)> = r
        .holds(&c)
        .unwrap()
        .iter()
        .map(|h| (h.unit_id, h.what))
        .collect();
    assert_eq!(got, [(1, "post"), (2, "post"), (7, "checkpoint")]);
}

// ---- the operations layer's timers ------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_order_a_late_unit_and_an_overdue_instruction_each_alert_once_on_the_clock() {
    use zhihui_core::{LonLat, NewIncident, NewInstruction, Target};
    use zhihui_store::commands;
    use zhihui_store::timers::{LATE_FACTOR, SIGN_WITHIN_S};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let (tree, actor) = track_city();
    let t0: zhihui_core::Time = "2026-12-06T08:00:00Z".parse().unwrap();
    let at = LonLat {
        lon: 112.2,
        lat: 30.3,
    };
    let (tr, ac) = (tree.clone(), actor.clone());
    let (asg, ins) = store
        .write(move |tx| {
            let root = tr.iter().next().unwrap().clone();
            commands::create_org(tx, &zhihui_core::OrgTree::new([]), &ac, root, t0)?;
            let u = commands::create_unit(tx, &tr, &ac, new_unit(at), t0)?;
            let new: NewIncident = serde_json::from_value(serde_json::json!({
                "type": "criminal", "subtype": null, "priority": 2, "location": { "lon": at.lon, "lat": at.lat },
                "address": "测试路 1 号", "description": "计时器测试"
            }))
            .unwrap();
            let inc = commands::create_incident(tx, &tr, &ac, new, t0)?;
            let a = commands::assign_unit(
                tx,
                &tr,
                &ac,
                commands::AssignUnit {
                    incident_id: inc.id,
                    unit_id: u.id,
                    eta_s: Some(100.0),
                    override_reason: None,
                },
                t0,
            )?;
            let ins = commands::issue_instruction(
                tx,
                &tr,
                &ac,
                NewInstruction {
                    title: "加强巡逻".into(),
                    body: String::new(),
                    targets: vec![Target {
                        org_id: None,
                        unit_id: Some(u.id),
                    }],
                    deadline: t0 + chrono::Duration::seconds(300),
                    feedback_required: false,
                    incident_id: None,
                    text: None,
                },
                t0,
            )?;
            Ok::<_, StoreError>((a, ins))
        })
        .await
        .unwrap();
    let at_s = |s: f64| t0 + chrono::Duration::milliseconds((s * 1000.0) as i64);
    let kinds = |store: &Store| -> Vec<String> {
        store
            .read(|c| zhihui_store::projections::alerts_for(c, &["o".to_owned()], false, 50))
            .unwrap()
            .iter()
            .map(|a| a.kind.clone())
            .collect()
    };
    assert_eq!(
        store.run_sweeps(at_s(SIGN_WITHIN_S - 1.0)).await.unwrap(),
        0
    );
    assert_eq!(store.run_sweeps(at_s(SIGN_WITHIN_S)).await.unwrap(), 1);
    assert_eq!(kinds(&store), ["unsigned"]);
    assert_eq!(
        store.run_sweeps(at_s(SIGN_WITHIN_S + 1.0)).await.unwrap(),
        0,
        "once"
    );
    // Late by 1.5 × the predicted 100 s.
    assert_eq!(
        store.run_sweeps(at_s(LATE_FACTOR * 100.0)).await.unwrap(),
        0
    );
    assert_eq!(
        store
            .run_sweeps(at_s(LATE_FACTOR * 100.0 + 1.0))
            .await
            .unwrap(),
        1
    );
    let alerts = store
        .read(|c| zhihui_store::projections::alerts_for(c, &["o".to_owned()], false, 50))
        .unwrap();
    let late = alerts.iter().find(|a| a.kind == "late_arrival").unwrap();
    assert_eq!(late.data["assignment_id"], asg.id);
    assert_eq!(
        late.data["call_sign"], "巡1",
        "the text's parameters travel with it"
    );
    // Past its deadline, the instruction escalates once.
    assert_eq!(store.run_sweeps(at_s(301.0)).await.unwrap(), 1);
    assert_eq!(store.run_sweeps(at_s(302.0)).await.unwrap(), 0, "once");
    let over = store
        .read(|c| zhihui_store::projections::alerts_for(c, &["o".to_owned()], false, 50))
        .unwrap()
        .into_iter()
        .find(|a| a.kind == "instruction_overdue")
        .unwrap();
    assert_eq!(over.data["instruction_id"], ins.id);
    assert_eq!(over.data["title"], "加强巡逻");
}
