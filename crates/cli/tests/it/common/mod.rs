//! Test harness: runs the real `zhihui` binary on 127.0.0.1:0 and talks HTTP/WebSocket to it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

pub const BIN: &str = env!("CARGO_BIN_EXE_zhihui");
pub const PW: &str = "correct-horse-battery";

pub fn zhihui(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run zhihui")
}

pub fn zhihui_stdin(args: &[&str], input: &str) -> std::process::Output {
    let mut c = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    // A command that refuses its arguments exits before reading stdin: the pipe may be closed.
    if let Err(e) = c.stdin.take().unwrap().write_all(input.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    c.wait_with_output().unwrap()
}

fn ok(out: std::process::Output) {
    assert!(
        out.status.success(),
        "command failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A city with one district and two stations, and users at each level.
pub fn setup_city(dir: &Path) {
    let d = dir.to_str().unwrap();
    for args in [
        vec!["org", "add", "city", "--name", "市局", "--kind", "city"],
        vec![
            "org",
            "add",
            "d1",
            "--name",
            "一分局",
            "--kind",
            "district",
            "--parent",
            "city",
        ],
        vec![
            "org", "add", "s1", "--name", "一所", "--kind", "station", "--parent", "d1",
        ],
        vec![
            "org", "add", "s2", "--name", "二所", "--kind", "station", "--parent", "d1",
        ],
    ] {
        let mut a = args.clone();
        a.extend(["--data-dir", d]);
        ok(zhihui(&a));
    }
    for (name, role, org) in [
        ("boss", "dispatcher", "city"),
        ("disp2", "dispatcher", "city"),
        ("s1disp", "dispatcher", "s1"),
        ("s2disp", "dispatcher", "s2"),
        ("ana", "analyst", "city"),
    ] {
        ok(zhihui_stdin(
            &[
                "user",
                "add",
                name,
                "--role",
                role,
                "--org",
                org,
                "--data-dir",
                d,
            ],
            &format!("{PW}\n"),
        ));
    }
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: PathBuf,
    pub http: reqwest::blocking::Client,
}

impl Server {
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        let mut args = vec![
            "serve",
            "--data-dir",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ];
        args.extend_from_slice(extra);
        let mut child = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start server");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .unwrap();
            if let Some(url) = line.strip_prefix("zhihui listening on ") {
                break url.trim().to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            child,
            base,
            dir: dir.to_owned(),
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn login(&self, user: &str) -> String {
        let r = self
            .http
            .post(self.url("/api/v1/session"))
            .json(&json!({"username": user, "password": PW}))
            .send()
            .unwrap();
        assert_eq!(r.status(), 200, "login {user}");
        r.json::<Value>().unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    pub fn post(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    pub fn patch(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    pub fn put(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    pub fn raw_post(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .unwrap();
        let s = r.status().as_u16();
        (s, r.json().unwrap_or(Value::Null))
    }

    /// A single-use live-feed ticket for this session.
    pub fn ticket(&self, token: &str) -> String {
        let (st, v) = self.post(token, "/api/v1/live/ticket", &json!({}));
        assert_eq!(st, 201, "{v}");
        v["ticket"].as_str().unwrap().to_owned()
    }

    pub fn ws(&self, token: &str, since: Option<i64>) -> Live {
        let ticket = self.ticket(token);
        let mut url = format!(
            "{}/api/v1/live?ticket={ticket}",
            self.base.replace("http://", "ws://")
        );
        if let Some(s) = since {
            url.push_str(&format!("&since={s}"));
        }
        let (mut sock, _) = tungstenite::connect(url).expect("websocket");
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = sock.get_mut() {
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
        }
        // The server subscribes a feed before it answers the handshake; the hello is read here
        // too so that every test's first `drain` starts with it, as a console sees it.
        let mut live = Live {
            sock,
            pending: Vec::new(),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !live.pending.iter().any(|m| m["type"] == "hello") {
            assert!(std::time::Instant::now() < deadline, "no hello on the feed");
            let got = live.read_for(Duration::from_millis(200));
            live.pending.extend(got);
        }
        live
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Live {
    pub sock: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    /// Read while waiting for the hello, handed out by the next `drain`.
    pending: Vec<Value>,
}

impl Live {
    /// Messages received within `wait` (and any read before, while waiting for the hello).
    pub fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let mut out = std::mem::take(&mut self.pending);
        out.extend(self.read_for(wait));
        out
    }

    fn read_for(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = std::time::Instant::now() + wait;
        let mut out = Vec::new();
        while std::time::Instant::now() < deadline {
            match self.sock.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    out.push(serde_json::from_str(t.as_str()).unwrap())
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("websocket error: {e}"),
            }
        }
        out
    }
}

pub fn incident_body(desc: &str) -> Value {
    json!({
        "caller": {"name": "张三", "phone": "13800138000"},
        "location": {"lon": 112.24, "lat": 30.33},
        "address": "中山路1号",
        "type": "criminal",
        "subtype": "theft",
        "priority": 2,
        "description": desc
    })
}

/// Audit rows as (actor, action, target, outcome), read straight from the database.
pub fn audit_rows(dir: &Path) -> Vec<(String, String, String, String)> {
    let c = rusqlite::Connection::open(dir.join("zhihui.db")).unwrap();
    let mut s = c
        .prepare("SELECT actor, action, target, outcome FROM audit ORDER BY seq")
        .unwrap();
    s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Crossing (3, 3) of [`grid_roads`]: the middle of the grid.
pub const GRID_CENTER: (f64, f64) = (112.215, 30.315);

/// One GeoJSON road feature.
fn road(points: &[(f64, f64)], speed_kmh: u32, name: &str) -> String {
    let coords: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("[{x:.3},{y:.3}]"))
        .collect();
    format!(
        r#"{{"type":"Feature","properties":{{"speed_kmh":{speed_kmh},"name":"{name}"}},"geometry":{{"type":"LineString","coordinates":[{}]}}}}"#,
        coords.join(",")
    )
}

/// The grid's streets: seven north–south (纵i路) and seven east–west (横i街) at 36 km/h.
fn grid_streets() -> Vec<String> {
    let mut f = Vec::new();
    for i in 0..7 {
        let x = 112.20 + 0.005 * i as f64;
        let y = 30.30 + 0.005 * i as f64;
        let ns: Vec<(f64, f64)> = (0..7).map(|j| (x, 30.30 + 0.005 * j as f64)).collect();
        let ew: Vec<(f64, f64)> = (0..7).map(|j| (112.20 + 0.005 * j as f64, y)).collect();
        f.push(road(&ns, 36, &format!("纵{i}路")));
        f.push(road(&ew, 36, &format!("横{i}街")));
    }
    f
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

/// A 7×7 street grid 0.005° apart (480 m east–west, 555 m north–south) at 36 km/h (10 m/s).
pub fn grid_roads() -> String {
    collection(&grid_streets())
}

/// [`grid_roads`] with a 60 km/h access road leaving the middle of each side: those four dead
/// ends are the network's edge, the ways out.
pub fn grid_roads_with_exits() -> String {
    let mut f = grid_streets();
    for (a, b, name) in [
        ((112.200, 30.315), (112.190, 30.315), "西出口"),
        ((112.230, 30.315), (112.240, 30.315), "东出口"),
        ((112.215, 30.300), (112.215, 30.290), "南出口"),
        ((112.215, 30.330), (112.215, 30.340), "北出口"),
    ] {
        f.push(road(&[a, b], 60, name));
    }
    collection(&f)
}

/// Adds a user (password [`PW`]) with `zhihui user add`, of `org` and speaking for `unit` when
/// given.
pub fn add_user(dir: &Path, name: &str, role: &str, org: Option<&str>, unit: Option<i64>) {
    let d = dir.to_str().unwrap().to_owned();
    let unit = unit.map(|u| u.to_string());
    let mut args = vec!["user", "add", name, "--role", role, "--data-dir", &d];
    if let Some(o) = org {
        args.extend(["--org", o]);
    }
    if let Some(u) = &unit {
        args.extend(["--unit-id", u]);
    }
    let out = zhihui_stdin(&args, &format!("{PW}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The field an error answer names (`{"error": {"field": …}}`).
pub fn field(v: &Value) -> Option<&str> {
    v["error"]["field"].as_str()
}
