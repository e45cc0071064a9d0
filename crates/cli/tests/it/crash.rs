//! Durability: acknowledged writes survive SIGKILL; nothing is half-applied; the audit chain holds.

use crate::common;

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

// ---- audit anchoring ---------------------------------------------------------------------------

fn verify(dir: &std::path::Path, key: Option<&std::path::Path>) -> (i32, String) {
    let mut args = vec!["audit", "verify", "--data-dir", dir.to_str().unwrap()];
    if let Some(k) = key {
        args.extend(["--audit-key", k.to_str().unwrap()]);
    }
    let out = zhihui(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// A copy of the data directory for one tampering experiment.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// What an intruder with write access to the database does: drop the append-only trigger, then
/// run `sql`.
fn tamper(dir: &std::path::Path, sql: &str) {
    let c = rusqlite::Connection::open(dir.join("zhihui.db")).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS audit_no_delete; DROP TRIGGER IF EXISTS audit_no_update;",
    )
    .unwrap();
    c.execute_batch(sql).unwrap();
}

/// The chain's own hash (length-prefixed SHA-256 of the fields): what a careful intruder
/// recomputes after an edit.
fn entry_hash(fields: [&str; 8]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in fields {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Edits entry `from`'s actor and recomputes the hash chain from there to the end, so the chain on
/// its own verifies.
type Row = (i64, String, String, String, String, String, String, String);

fn rewrite_chain(dir: &std::path::Path, from: i64) {
    tamper(dir, "SELECT 1");
    let c = rusqlite::Connection::open(dir.join("zhihui.db")).unwrap();
    let rows: Vec<Row> = {
        let mut s = c
            .prepare("SELECT seq, at, actor, action, target, outcome, detail, prev_hash FROM audit WHERE seq >= ?1 ORDER BY seq")
            .unwrap();
        s.query_map([from], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
    };
    let mut prev = rows[0].7.clone();
    for (seq, at, actor, action, target, outcome, detail, _) in rows {
        let actor = if seq == from {
            "someone-else".to_owned()
        } else {
            actor
        };
        let seq_text = seq.to_string();
        let hash = entry_hash([
            &seq_text, &at, &actor, &action, &target, &outcome, &detail, &prev,
        ]);
        c.execute(
            "UPDATE audit SET actor = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
            rusqlite::params![seq, actor, prev, hash],
        )
        .unwrap();
        prev = hash;
    }
}

#[test]
fn audit_verify_catches_a_truncated_tail_a_removed_log_and_a_recomputed_chain() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let key = root.path().join("audit.key");
    std::fs::write(&key, format!("{}\n", "5a".repeat(32))).unwrap();
    setup_city(&data);
    let mut s = Server::start(&data, &["--audit-key", key.to_str().unwrap()]);
    let token = s.login("boss");
    // Refused reads without a session are audited too: 150 more entries.
    for _ in 0..150 {
        let r = s.http.get(s.url("/api/v1/incidents")).send().unwrap();
        assert_eq!(r.status(), 401);
    }
    assert_eq!(s.get(&token, "/api/v1/incidents").0, 200);
    // The checkpoint trails the acknowledged write by at most one fsync.
    let mut anchored = false;
    for _ in 0..100 {
        let (code, text) = verify(&data, Some(&key));
        assert_eq!(code, 0, "{text}");
        if !text.contains("not yet anchored") {
            anchored = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(anchored, "the checkpoint never caught up with the log");
    s.kill();

    let (code, text) = verify(&data, Some(&key));
    assert_eq!(code, 0, "an untouched data directory verifies: {text}");
    assert!(text.contains("audit chain intact"), "{text}");

    let case = |name: &str| {
        let d = root.path().join(name);
        copy_dir(&data, &d);
        d
    };
    // The last entry removed: the chain alone still links.
    let d = case("last1");
    tamper(
        &d,
        "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
    );
    let (code, text) = verify(&d, None);
    assert_eq!(
        code, 0,
        "without the checkpoints the chain cannot see it: {text}"
    );
    assert!(text.contains("NOT checked"), "{text}");
    let (code, text) = verify(&d, Some(&key));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("tail truncated") && text.contains("(1 entries missing)"),
        "{text}"
    );
    // The last hundred.
    let d = case("last100");
    tamper(
        &d,
        "DELETE FROM audit WHERE seq > (SELECT MAX(seq) FROM audit) - 100",
    );
    let (code, text) = verify(&d, Some(&key));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("(100 entries missing)"), "{text}");
    // Everything.
    let d = case("all");
    tamper(&d, "DELETE FROM audit");
    let (code, text) = verify(&d, Some(&key));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("every entry was removed"), "{text}");
    // A rewrite with every hash recomputed: the chain is intact on its own, the checkpoint is not.
    let d = case("rewrite");
    rewrite_chain(&d, 5);
    let (code, text) = verify(&d, None);
    assert_eq!(code, 0, "the recomputed chain links: {text}");
    let (code, text) = verify(&d, Some(&key));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("rewritten"), "{text}");
    // The checkpoint file edited to match the shortened log: its signature gives it away.
    let d = case("forged");
    tamper(
        &d,
        "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
    );
    let cp = std::fs::read_to_string(d.join("audit.checkpoints")).unwrap();
    let forged: String = cp
        .lines()
        .map(|l| {
            let mut p: Vec<String> = l.split(' ').map(str::to_owned).collect();
            p[0] = (p[0].parse::<i64>().unwrap() - 1).to_string();
            format!("{}\n", p.join(" "))
        })
        .collect();
    std::fs::write(d.join("audit.checkpoints"), forged).unwrap();
    let (code, text) = verify(&d, Some(&key));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("signature does not match"), "{text}");
    // The checkpoint file removed along with the tail.
    let d = case("nofile");
    tamper(
        &d,
        "DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)",
    );
    std::fs::remove_file(d.join("audit.checkpoints")).unwrap();
    let (code, text) = verify(&d, Some(&key));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("checkpoint file") && text.contains("missing"),
        "{text}"
    );
    // A key inside the data directory is refused.
    let inside = data.join("key");
    std::fs::copy(&key, &inside).unwrap();
    let out = zhihui(&[
        "serve",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--audit-key",
        inside.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the data directory"));
}
