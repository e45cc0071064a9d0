//! Durability: acknowledged writes survive SIGKILL; nothing is half-applied; the audit chain holds.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;

#[test]
fn acknowledged_writes_survive_sigkill_during_a_burst() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let mut s = Server::start(dir.path(), &[]);
    let token = s.login("boss");
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for w in 0..8 {
        let (acked, stop, token, url) = (
            acked.clone(),
            stop.clone(),
            token.clone(),
            s.url("/api/v1/incidents"),
        );
        threads.push(std::thread::spawn(move || {
            let http = reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let desc = format!("w{w}-n{n}");
                n += 1;
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&incident_body(&desc))
                    .send();
                match r {
                    Ok(r) if r.status() == 201 => {
                        let v: serde_json::Value = r.json().unwrap();
                        acked
                            .lock()
                            .unwrap()
                            .push((v["id"].as_i64().unwrap(), desc));
                    }
                    // The server died mid-request: this write was never acknowledged.
                    _ => break,
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    s.kill(); // SIGKILL: no shutdown hooks, no flush.
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "too few writes to mean anything: {}",
        acked.len()
    );

    let s = Server::start(dir.path(), &[]);
    let token = s.login("boss");
    for (id, desc) in &acked {
        let (st, v) = s.get(&token, &format!("/api/v1/incidents/{id}"));
        assert_eq!(st, 200, "acknowledged incident {id} lost");
        assert_eq!(v["description"], desc.as_str());
    }
    // Nothing half-applied: every projected incident has exactly its creation event and vice versa.
    let c = rusqlite::Connection::open(dir.path().join("zhihui.db")).unwrap();
    let rows: i64 = c
        .query_row("SELECT COUNT(*) FROM incidents", [], |r| r.get(0))
        .unwrap();
    let created: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM events WHERE kind = 'incident.created'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let audited: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'incident.create' AND outcome = 'ok'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, created);
    assert_eq!(rows, audited);
    assert!(rows >= acked.len() as i64);
    let orphans: i64 = c
        .query_row(
            "SELECT COUNT(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.record_type = 'incident' AND e.record_id = i.id)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    drop(s);
    let out = zhihui(&[
        "audit",
        "verify",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
