//! Public posts from NATS JetStream against the real parts: Debian's `nats-server` (started and
//! stopped here, JetStream on disk) and the real binary consuming with a durable pull consumer.
//! Posts published while Zhihui is down (killed with SIGKILL) and across a restart of the NATS
//! server arrive exactly once; a message that is not a post is set aside without holding up the
//! rest; risky posts raise their alerts.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::*;

/// A `nats-server` with JetStream, its store in `dir`.
struct Nats {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nats {
    fn start(dir: &Path, port: u16) -> Nats {
        let bin = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("nats-server is not installed: apt-get install nats-server (./dev test installs it)");
        let child = Command::new(bin)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-sd",
                dir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nats {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn restart(&mut self) {
        self.stop();
        *self = Nats::start(&self.dir.clone(), self.port);
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Publishes messages to the stream (creating it as the server would, so that nothing published
/// before Zhihui first connects is lost) and waits for JetStream's acknowledgement of each.
fn publish(url: &str, payloads: Vec<String>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = async_nats::connect(url).await.unwrap();
        let js = async_nats::jetstream::new(client);
        js.get_or_create_stream(async_nats::jetstream::stream::Config {
            name: "OPINION".into(),
            subjects: vec!["opinion.posts".into()],
            storage: async_nats::jetstream::stream::StorageType::File,
            ..Default::default()
        })
        .await
        .unwrap();
        for p in payloads {
            js.publish("opinion.posts", p.into())
                .await
                .unwrap()
                .await
                .unwrap();
        }
    });
}

fn posts(range: std::ops::Range<usize>) -> Vec<String> {
    let at = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    range
        .map(|i| {
            let text = if i % 10 == 3 {
                format!("我在江边大桥上，遗书写好了，今晚就跳下去（{i}）")
            } else {
                format!("今天天气不错，第{i}次去公园散步")
            };
            json!({"id": format!("n{i}"), "text": text, "author": format!("user{}", i % 7), "posted_at": at})
                .to_string()
        })
        .collect()
}

fn count(dir: &Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(dir.join("zhihui.db")).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
}

fn wait_for_posts(dir: &Path, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = count(dir, "SELECT COUNT(*) FROM opinion_posts");
        if got == n {
            return;
        }
        assert!(got <= n, "more posts than published: {got} > {n}");
        assert!(Instant::now() < deadline, "{got} of {n} posts after 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn posts_from_jetstream_arrive_exactly_once_across_restarts_of_zhihui_and_nats() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "feed", "analyst", Some("city"), None);
    let js_dir = tempfile::tempdir().unwrap();
    let mut nats = Nats::start(js_dir.path(), free_port());
    let url = nats.url();
    let args = ["--nats", url.as_str(), "--nats-user", "feed"];

    publish(&url, posts(0..100));
    let mut s = Server::start(dir.path(), &args);
    wait_for_posts(dir.path(), 100);
    let (_, list) = s.get(&s.login("ana"), "/api/v1/opinion/alerts");
    let alerts = list["items"].as_array().unwrap();
    assert_eq!(
        alerts.len(),
        1,
        "ten reposts of one text are one alert: {list}"
    );
    assert_eq!(alerts[0]["category"], "self_harm");
    assert_eq!(alerts[0]["cluster_size"], 10);

    // Zhihui dies; posts keep coming; then the NATS server restarts; more posts.
    s.kill();
    publish(&url, posts(100..200));
    nats.restart();
    publish(&url, posts(200..250));
    // A message that is not a post, and one delivered twice by its source.
    publish(&url, vec!["{not json".into(), posts(5..6).remove(0)]);
    let s = Server::start(dir.path(), &args);
    wait_for_posts(dir.path(), 250);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(count(dir.path(), "SELECT COUNT(*) FROM opinion_posts"), 250);
    assert_eq!(
        count(
            dir.path(),
            "SELECT COUNT(DISTINCT post_id) FROM opinion_posts"
        ),
        250
    );
    // Every post went through the feed account, on the record; the broken message too.
    let audit = audit_rows(dir.path());
    assert!(audit
        .iter()
        .any(|(a, act, _, o)| a == "feed" && act == "opinion.ingest" && o == "ok"));
    assert!(audit
        .iter()
        .any(|(a, act, _, o)| a == "feed" && act == "opinion.ingest" && o == "refused"));
    let (_, list) = s.get(&s.login("ana"), "/api/v1/opinion/alerts");
    assert_eq!(list["items"][0]["cluster_size"], 25, "{list}");
    // Nothing left for the consumer: all acknowledged.
    nats.stop();
}
