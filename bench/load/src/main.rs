//! Whole-system load: starts the real `zhihui` binary and measures, in one run,
//! 1. durable incident writes through the HTTP API at 1, 10 and 100 concurrent clients, with group
//!    commit and with the baseline of one commit per request (`serve --no-group-commit`);
//! 2. live-feed fan-out latency from the write to receipt at 200 WebSocket clients, against the
//!    same measurement with one client.
//!
//! 3. with `--dispatch ROADS`: unit recommendations with 1,000 units on that road network over HTTP
//!    (against a plain read), and durable position ingest (bulk against one report per request).
//! 4. with `--anchor`: group commit with the audit chain anchored in the signed checkpoint file
//!    (`serve --audit-key`) against the same server without it.
//!
//! 5. with `--opinion`: public post → opinion alert on the live feed, through HTTP ingest and
//!    through NATS JetStream (Debian's `nats-server`, started here), against the live feed's own
//!    write → event latency (an incident) in the same run.
//!
//! Usage: `cargo run --release -p zhihui-load -- [--bin target/release/zhihui] [--seconds 5]
//! [--dispatch ../shared/data/roads/liechtenstein.osm.pbf | --anchor | --opinion]`.
//! Every figure is printed beside its baseline from the same run: the machine is shared and noisy.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::Mutex;

const PW: &str = "bench-password-123";

struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(bin: &str, args: &[&str], stdin: Option<&str>) -> anyhow::Result<()> {
    use std::io::Write;
    let mut c = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    if let Some(s) = stdin {
        c.stdin.take().unwrap().write_all(s.as_bytes())?;
    }
    anyhow::ensure!(c.wait()?.success(), "{bin} {args:?} failed");
    Ok(())
}

fn start(bin: &str, group_commit: bool) -> anyhow::Result<Server> {
    start_with(bin, group_commit, &[])
}

fn start_with(bin: &str, group_commit: bool, extra: &[&str]) -> anyhow::Result<Server> {
    let dir = tempfile::tempdir()?;
    let d = dir.path().to_str().unwrap().to_owned();
    run(
        bin,
        &[
            "org",
            "add",
            "city",
            "--name",
            "市局",
            "--kind",
            "city",
            "--data-dir",
            &d,
        ],
        None,
    )?;
    run(
        bin,
        &[
            "user",
            "add",
            "bench",
            "--role",
            "dispatcher",
            "--data-dir",
            &d,
        ],
        Some(&format!("{PW}\n")),
    )?;
    let mut args = vec!["serve", "--data-dir", &d, "--listen", "127.0.0.1:0"];
    if !group_commit {
        args.push("--no-group-commit");
    }
    args.extend_from_slice(extra);
    let mut child = Command::new(bin)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let l = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("server exited"))??;
        if let Some(u) = l.strip_prefix("zhihui listening on ") {
            break u.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(Server {
        child,
        base,
        _dir: dir,
    })
}

async fn login(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let v: Value = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"username": "bench", "password": PW}))
        .send()
        .await?
        .json()
        .await?;
    Ok(v["token"].as_str().unwrap_or_default().to_owned())
}

fn body(n: usize) -> Value {
    json!({
        "caller": {"name": "压测", "phone": "13800000000"},
        "location": {"lon": 112.24 + (n % 100) as f64 * 1e-4, "lat": 30.33},
        "address": "沙市区北京路",
        "type": "traffic", "subtype": "collision", "priority": 3,
        "description": format!("load #{n}")
    })
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct WriteResult {
    per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn writes(base: &str, clients: usize, secs: f64) -> anyhow::Result<WriteResult> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let token = login(&http, base).await?;
    let lat = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, token, lat, url) = (
            http.clone(),
            token.clone(),
            lat.clone(),
            format!("{base}/api/v1/incidents"),
        );
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut n = c * 1_000_000;
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&body(n))
                    .send()
                    .await;
                n += 1;
                match r {
                    Ok(r) if r.status() == 201 => mine.push(t.elapsed().as_secs_f64() * 1e3),
                    Ok(r) => eprintln!("unexpected status {}", r.status()),
                    Err(e) => eprintln!("request failed: {e}"),
                }
            }
            lat.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut l = lat.lock().await.clone();
    l.sort_by(f64::total_cmp);
    Ok(WriteResult {
        per_s: l.len() as f64 / elapsed,
        p50_ms: pct(&l, 0.5),
        p99_ms: pct(&l, 0.99),
    })
}

type Feed =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A live feed for `token`, subscribed (its hello read) before the caller writes anything. One
/// single-use ticket per socket, as a console takes one per connection.
async fn open_feed(http: &reqwest::Client, base: &str, token: &str) -> anyhow::Result<Feed> {
    let t: Value = http
        .post(format!("{base}/api/v1/live/ticket"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    let ws_url = format!(
        "{}/api/v1/live?ticket={}",
        base.replace("http://", "ws://"),
        t["ticket"].as_str().unwrap_or_default()
    );
    let (mut s, _) = tokio_tungstenite::connect_async(&ws_url).await?;
    let _ = s.next().await;
    Ok(s)
}

async fn fanout(base: &str, clients: usize, events: usize) -> anyhow::Result<(f64, f64, usize)> {
    let http = reqwest::Client::new();
    let token = login(&http, base).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let mut socks = Vec::new();
    for _ in 0..clients {
        socks.push(open_feed(&http, base, &token).await?);
    }
    for mut s in socks {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(m)) = s.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
                    let now = Instant::now();
                    if let Ok(v) = serde_json::from_str::<Value>(t.as_str()) {
                        if let Some(d) = v["data"]["description"].as_str() {
                            let _ = tx.send((d.to_owned(), now));
                        }
                    }
                }
            }
        });
    }
    drop(tx);
    let mut sent = std::collections::HashMap::new();
    for n in 0..events {
        let b = body(n);
        let key = b["description"].as_str().unwrap_or_default().to_owned();
        sent.insert(key, Instant::now());
        http.post(format!("{base}/api/v1/incidents"))
            .bearer_auth(&token)
            .json(&b)
            .send()
            .await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut lat = Vec::new();
    let want = clients * events;
    let deadline = Instant::now() + Duration::from_secs(10);
    while lat.len() < want {
        match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
            Ok(Some((d, at))) => {
                if let Some(t0) = sent.get(&d) {
                    lat.push(at.duration_since(*t0).as_secs_f64() * 1e3);
                }
            }
            _ => break,
        }
    }
    lat.sort_by(f64::total_cmp);
    Ok((pct(&lat, 0.5), pct(&lat, 0.99), want - lat.len()))
}

/// Tiny deterministic generator: the benchmark needs the same points in every run, not quality.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

async fn timed_gets(
    http: &reqwest::Client,
    token: &str,
    urls: &[String],
) -> anyhow::Result<Vec<f64>> {
    let mut lat = Vec::with_capacity(urls.len());
    for u in urls {
        let t = Instant::now();
        let r = http.get(u).bearer_auth(token).send().await?;
        anyhow::ensure!(r.status().is_success(), "{u}: {}", r.status());
        let _ = r.bytes().await?;
        lat.push(t.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    Ok(lat)
}

/// Recommendations with 1,000 units on a real network, and position ingest.
async fn dispatch_bench(bin: &str, roads: &str, secs: f64) -> anyhow::Result<()> {
    let srv = start_with(bin, true, &["--roads", roads])?;
    let base = srv.base.clone();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()?;
    let token = login(&http, &base).await?;
    let map: Value = http
        .get(format!("{base}/api/v1/map"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    let bb: Vec<f64> = map["bbox"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    anyhow::ensure!(bb.len() == 4, "no bbox");
    let mut rng = Lcg(42);
    let mut point = || {
        [
            bb[0] + (bb[2] - bb[0]) * rng.next(),
            bb[1] + (bb[3] - bb[1]) * rng.next(),
        ]
    };
    let mut unit_ids = Vec::new();
    for n in 0..1000 {
        let p = point();
        let v: Value = http
            .post(format!("{base}/api/v1/units"))
            .bearer_auth(&token)
            .json(&json!({"call_sign": format!("U{n:04}"), "kind": "patrol_car", "position": {"lon": p[0], "lat": p[1]}}))
            .send()
            .await?
            .json()
            .await?;
        unit_ids.push(v["id"].as_i64().unwrap_or_default());
    }
    let mut incidents = Vec::new();
    for n in 0..200 {
        let p = point();
        let mut b = body(n);
        b["location"] = json!({"lon": p[0], "lat": p[1]});
        b["type"] = json!("criminal");
        b["subtype"] = json!("theft");
        let v: Value = http
            .post(format!("{base}/api/v1/incidents"))
            .bearer_auth(&token)
            .json(&b)
            .send()
            .await?
            .json()
            .await?;
        incidents.push(v["id"].as_i64().unwrap_or_default());
    }
    let plain: Vec<String> = incidents
        .iter()
        .map(|i| {
            format!(
                "{base}/api/v1/units/{}",
                unit_ids[*i as usize % unit_ids.len()]
            )
        })
        .collect();
    let recs: Vec<String> = incidents
        .iter()
        .map(|i| format!("{base}/api/v1/incidents/{i}/recommendations?k=5"))
        .collect();
    // Warm the routing index and the connection pool.
    timed_gets(&http, &token, &recs[..5]).await?;
    let b = timed_gets(&http, &token, &plain).await?;
    let r = timed_gets(&http, &token, &recs).await?;
    println!(
        "\n## Recommendations over HTTP: 1,000 available units, {} ({} incidents, sequential)\n",
        roads.rsplit('/').next().unwrap_or(roads),
        recs.len()
    );
    println!("| request | p50 ms | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| baseline: GET one unit | {:.2} | {:.2} |",
        pct(&b, 0.5),
        pct(&b, 0.99)
    );
    println!(
        "| GET recommendations?k=5 | {:.2} | {:.2} |",
        pct(&r, 0.5),
        pct(&r, 0.99)
    );
    println!(
        "\nrecommendation p99 / plain read p99: {:.2}x",
        pct(&r, 0.99) / pct(&b, 0.99)
    );

    // Position ingest: bulk batches of 500 from 4 clients vs single reports from 16 clients.
    let bbox = [bb[0], bb[1], bb[2], bb[3]];
    let run = |bulk: bool, clients: usize| {
        let (http, token, base, ids) =
            (http.clone(), token.clone(), base.clone(), unit_ids.clone());
        async move {
            let deadline = Instant::now() + Duration::from_secs_f64(secs);
            let mut tasks = Vec::new();
            for c in 0..clients {
                let (http, token, base, ids) =
                    (http.clone(), token.clone(), base.clone(), ids.clone());
                let bb = bbox;
                tasks.push(tokio::spawn(async move {
                    let mut rng = Lcg(c as u64 + 7);
                    let mut sent = 0usize;
                    while Instant::now() < deadline {
                        if bulk {
                            let items: Vec<Value> = (0..500)
                                .map(|k| json!({"unit_id": ids[(c * 500 + k + sent) % ids.len()],
                                    "lon": bb[0] + (bb[2] - bb[0]) * rng.next(), "lat": bb[1] + (bb[3] - bb[1]) * rng.next()}))
                                .collect();
                            let r = http.post(format!("{base}/api/v1/positions")).bearer_auth(&token).json(&json!({"items": items})).send().await;
                            if matches!(&r, Ok(r) if r.status().is_success()) {
                                sent += 500;
                            }
                        } else {
                            let id = ids[(c + sent) % ids.len()];
                            let r = http
                                .post(format!("{base}/api/v1/units/{id}/positions"))
                                .bearer_auth(&token)
                                .json(&json!({"lon": bb[0] + (bb[2] - bb[0]) * rng.next(), "lat": bb[1] + (bb[3] - bb[1]) * rng.next()}))
                                .send()
                                .await;
                            if matches!(&r, Ok(r) if r.status().is_success()) {
                                sent += 1;
                            }
                        }
                    }
                    sent
                }));
            }
            let mut total = 0;
            for t in tasks {
                total += t.await.unwrap_or(0);
            }
            total as f64 / secs
        }
    };
    let single = run(false, 16).await;
    let bulk = run(true, 4).await;
    println!("\n## Durable position ingest ({secs} s each)\n");
    println!("| mode | positions/s |");
    println!("|---|---:|");
    println!("| baseline: one report per request, 16 clients | {single:.0} |");
    println!("| bulk, 500 per request, 4 clients | {bulk:.0} |");
    println!("\nbulk / single: {:.2}x", bulk / single);
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let bin = arg("--bin").unwrap_or_else(|| "target/release/zhihui".into());
    let secs: f64 = arg("--seconds").and_then(|s| s.parse().ok()).unwrap_or(5.0);
    if let Some(roads) = arg("--dispatch") {
        return dispatch_bench(&bin, &roads, secs).await;
    }

    if args.iter().any(|a| a == "--anchor") {
        return anchor_bench(&bin, secs).await;
    }
    if args.iter().any(|a| a == "--opinion") {
        return opinion_bench(&bin).await;
    }

    println!("## Durable incident writes over HTTP ({secs} s per cell)\n");
    println!("| clients | one commit per request: writes/s | p50 ms | p99 ms | group commit: writes/s | p50 ms | p99 ms | throughput ratio |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for clients in [1, 10, 100] {
        let base_srv = start(&bin, false)?;
        let b = writes(&base_srv.base, clients, secs).await?;
        drop(base_srv);
        let gc_srv = start(&bin, true)?;
        let g = writes(&gc_srv.base, clients, secs).await?;
        drop(gc_srv);
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2}x |",
            b.per_s,
            b.p50_ms,
            b.p99_ms,
            g.per_s,
            g.p50_ms,
            g.p99_ms,
            g.per_s / b.per_s
        );
    }

    println!("\n## Live-feed fan-out: write sent → event received (100 events, 50/s)\n");
    println!("| WebSocket clients | p50 ms | p99 ms | missing |");
    println!("|---:|---:|---:|---:|");
    let srv = start(&bin, true)?;
    let (b50, b99, bm) = fanout(&srv.base, 1, 100).await?;
    println!("| 1 (baseline) | {b50:.2} | {b99:.2} | {bm} |");
    let (f50, f99, fm) = fanout(&srv.base, 200, 100).await?;
    println!("| 200 | {f50:.2} | {f99:.2} | {fm} |");
    println!(
        "\nfan-out p99 ratio 200 clients / 1 client: {:.2}x",
        f99 / b99
    );
    Ok(())
}

/// Group commit with the audit chain anchored to the signed checkpoint file (`--audit-key`)
/// against the same server without it, cell by cell in one run.
async fn anchor_bench(bin: &str, secs: f64) -> anyhow::Result<()> {
    let keys = tempfile::tempdir()?;
    let key = keys.path().join("audit.key");
    std::fs::write(&key, format!("{}\n", "3c".repeat(32)))?;
    let key = key.to_str().unwrap_or_default().to_owned();
    println!("## Audit anchoring: durable incident writes over HTTP ({secs} s per cell)\n");
    println!("| clients | group commit: writes/s | p50 ms | p99 ms | + checkpoints: writes/s | p50 ms | p99 ms | throughput ratio |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|");
    for clients in [1, 10, 100] {
        let plain = start(bin, true)?;
        let b = writes(&plain.base, clients, secs).await?;
        drop(plain);
        let anchored = start_with(bin, true, &["--audit-key", &key])?;
        let a = writes(&anchored.base, clients, secs).await?;
        drop(anchored);
        println!(
            "| {clients} | {:.0} | {:.2} | {:.2} | {:.0} | {:.2} | {:.2} | {:.2}x |",
            b.per_s,
            b.p50_ms,
            b.p99_ms,
            a.per_s,
            a.p50_ms,
            a.p99_ms,
            a.per_s / b.per_s
        );
    }
    Ok(())
}

/// A risky post unlike every other (its own cluster, so it opens its own alert): the plan, then
/// forty characters drawn at random.
fn risky_post(n: usize, rng: &mut Lcg) -> Value {
    let noise: String = (0..40)
        .map(|_| char::from_u32(0x4e00 + (rng.next() * 6000.0) as u32).unwrap_or('字'))
        .collect();
    json!({
        "id": format!("bench-{n}"),
        "text": format!("遗书写好了，今晚就跳下去。{noise}"),
        "author": format!("bench{}", n % 50),
        "posted_at": chrono_now(),
    })
}

fn chrono_now() -> String {
    // RFC 3339 without a date crate: the server's clock and this one agree within the run.
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64 - 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Post → alert on the live feed: HTTP ingest and NATS, beside the feed's own write → event.
async fn opinion_bench(bin: &str) -> anyhow::Result<()> {
    const EVENTS: usize = 200;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let js_dir = tempfile::tempdir()?;
    let nats_bin = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .ok_or_else(|| {
            anyhow::anyhow!("nats-server is not installed (apt-get install nats-server)")
        })?;
    let mut nats = Command::new(nats_bin)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(js_dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        anyhow::ensure!(Instant::now() < deadline, "nats-server did not listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = format!("nats://127.0.0.1:{port}");
    let srv = start_with(bin, true, &["--nats", &url, "--nats-user", "bench"])?;
    let base = srv.base.clone();
    let http = reqwest::Client::new();
    let token = login(&http, &base).await?;
    // One feed; every event's key (an incident's description, an alert's first post) and arrival.
    let mut sock = open_feed(&http, &base, &token).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    tokio::spawn(async move {
        while let Some(Ok(m)) = sock.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
                let at = Instant::now();
                let Ok(v) = serde_json::from_str::<Value>(t.as_str()) else {
                    continue;
                };
                let key = match v["kind"].as_str() {
                    Some("incident.created") => v["data"]["description"].as_str(),
                    Some("opinion_alert.raised") => v["data"]["evidence"][0]["post_id"].as_str(),
                    _ => None,
                };
                if let Some(k) = key {
                    let _ = tx.send((k.to_owned(), at));
                }
            }
        }
    });
    let js = async_nats::jetstream::new(async_nats::connect(&url).await?);
    // The stream as the server makes it, so that the first publish waits for nothing.
    js.get_or_create_stream(async_nats::jetstream::stream::Config {
        name: "OPINION".into(),
        subjects: vec!["opinion.posts".into()],
        storage: async_nats::jetstream::stream::StorageType::File,
        ..Default::default()
    })
    .await?;
    let mut rng = Lcg(17);
    let mut rows = Vec::new();
    for path in [
        "baseline: incident → feed",
        "post over HTTP → alert",
        "post over NATS → alert",
    ] {
        let mut sent = std::collections::HashMap::new();
        for n in 0..EVENTS {
            let t0 = Instant::now();
            match path {
                "baseline: incident → feed" => {
                    let b = body(1_000_000 + n);
                    sent.insert(b["description"].as_str().unwrap_or_default().to_owned(), t0);
                    http.post(format!("{base}/api/v1/incidents"))
                        .bearer_auth(&token)
                        .json(&b)
                        .send()
                        .await?;
                }
                "post over HTTP → alert" => {
                    let p = risky_post(n, &mut rng);
                    sent.insert(p["id"].as_str().unwrap_or_default().to_owned(), t0);
                    http.post(format!("{base}/api/v1/opinion/posts"))
                        .bearer_auth(&token)
                        .json(&json!({ "posts": [p] }))
                        .send()
                        .await?;
                }
                _ => {
                    let p = risky_post(EVENTS + n, &mut rng);
                    sent.insert(p["id"].as_str().unwrap_or_default().to_owned(), t0);
                    js.publish("opinion.posts", p.to_string().into())
                        .await?
                        .await?;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut lat = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(15);
        while lat.len() < EVENTS {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some((k, at))) => {
                    if let Some(t0) = sent.remove(&k) {
                        lat.push(at.duration_since(t0).as_secs_f64() * 1e3);
                    }
                }
                _ => break,
            }
        }
        lat.sort_by(f64::total_cmp);
        rows.push((path, pct(&lat, 0.5), pct(&lat, 0.99), EVENTS - lat.len()));
    }
    let _ = nats.kill();
    let _ = nats.wait();
    println!("## Public post → opinion alert on the live feed ({EVENTS} each, 20/s)\n");
    println!("| path | p50 ms | p99 ms | missing | p99 / baseline |");
    println!("|---|---:|---:|---:|---:|");
    let b99 = rows[0].2;
    for (path, p50, p99, missing) in rows {
        println!(
            "| {path} | {p50:.2} | {p99:.2} | {missing} | {:.2}x |",
            p99 / b99
        );
    }
    Ok(())
}
