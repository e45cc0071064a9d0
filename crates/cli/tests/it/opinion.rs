//! Public opinion (舆情) against the real binary: posts delivered over HTTP are screened, reposts
//! join their cluster, an alert lands live in the jurisdiction its place falls in, an analyst
//! takes it and the command centre turns it into an incident in one call; authors stay
//! pseudonymous until then, and an unmasking is audited. On a test clock: a high self-harm alert
//! nobody takes escalates after 60 s into the alert centre, posts that raised nothing are purged
//! after the keeping window. Bad deliveries name their field and write nothing.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::*;

const BRIDGE: &str = "我在滨江路大桥上，遗书已经写好了，今晚就跳下去";

/// A minute ago: posts arrive shortly after they are posted.
fn ago() -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339()
}

fn post(id: &str, text: &str, author: &str) -> Value {
    json!({ "id": id, "text": text, "author": author, "posted_at": ago(),
            "url": format!("https://weibo.example/{author}/{id}") })
}

fn square(lon: f64, lat: f64, d: f64) -> Value {
    json!({ "type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]] })
}

fn alerts(s: &Server, token: &str) -> Vec<Value> {
    let (st, v) = s.get(token, "/api/v1/opinion/alerts");
    assert_eq!(st, 200, "{v}");
    v["items"].as_array().unwrap().clone()
}

fn db_count(dir: &std::path::Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(dir.join("zhihui.db")).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_risky_post_raises_an_alert_live_its_reposts_join_it_and_one_call_sends_help() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", None, None);
    let s = Server::start(dir.path(), &[]);
    let (ana, boss, s1, s2) = (
        s.login("ana"),
        s.login("boss"),
        s.login("s1disp"),
        s.login("s2disp"),
    );
    let (st, _) = s.put(
        &s.login("root"),
        "/api/v1/orgs/s1/area",
        &square(112.20, 30.30, 0.04),
    );
    assert_eq!(st, 200);
    let mut feed = s.ws(&s1, None);

    let mut geotagged = post("wb-1", BRIDGE, "WeiboUser1");
    geotagged["lon"] = json!(112.22);
    geotagged["lat"] = json!(30.32);
    let batch = json!({ "posts": [
        post("wb-0", "今天的晚霞真好看，和朋友在江边散步", "HappyWalker"),
        geotagged,
        post("wb-2", &format!("天哪快救救她//@WeiboUser1:{BRIDGE}"), "Passerby"),
    ]});
    let (st, r) = s.post(&ana, "/api/v1/opinion/posts", &batch);
    assert_eq!(st, 200, "{r}");
    assert_eq!(
        (&r["accepted"], &r["duplicates"], &r["risky"]),
        (&json!(3), &json!(0), &json!(2)),
        "{r}"
    );
    // A source that delivers again changes nothing.
    let (st, again) = s.post(&ana, "/api/v1/opinion/posts", &batch);
    assert_eq!(
        (st, &again["accepted"], &again["duplicates"]),
        (200, &json!(0), &json!(3))
    );

    // One alert about the post and its repost, in station 1 (where the geotag falls), live.
    let mut got = Vec::new();
    for _ in 0..10 {
        got.extend(feed.drain(Duration::from_millis(300)));
        if got.iter().any(|m| m["kind"] == "opinion_alert.raised") {
            break;
        }
    }
    let raised: Vec<&Value> = got
        .iter()
        .filter(|m| m["kind"] == "opinion_alert.raised")
        .collect();
    assert_eq!(raised.len(), 1, "{got:?}");
    let list = alerts(&s, &s1);
    assert_eq!(list.len(), 1, "{list:?}");
    let a = &list[0];
    assert_eq!(
        (
            a["category"].as_str(),
            a["level"].as_str(),
            a["state"].as_str(),
            a["org_id"].as_str(),
            a["cluster_size"].as_i64()
        ),
        (
            Some("self_harm"),
            Some("high"),
            Some("new"),
            Some("s1"),
            Some(2)
        ),
        "{a}"
    );
    assert_eq!(a["place"]["source"], "geotag");
    let first_seen =
        chrono::DateTime::parse_from_rfc3339(a["first_seen"].as_str().unwrap()).unwrap();
    let deadline = chrono::DateTime::parse_from_rfc3339(a["deadline"].as_str().unwrap()).unwrap();
    assert_eq!(
        (deadline - first_seen).num_seconds(),
        60,
        "a high self-harm alert has a minute"
    );
    assert!(
        a["threshold"].as_f64().unwrap() > 0.0
            && a["score"].as_f64().unwrap() >= a["threshold"].as_f64().unwrap()
    );
    // Evidence: the terms, where they stand in the post as written.
    let ev = &a["evidence"][0];
    let text: Vec<char> = ev["text"].as_str().unwrap().chars().collect();
    let terms = ev["terms"].as_array().unwrap();
    assert!(!terms.is_empty());
    for t in terms {
        let (from, to) = (
            t["start"].as_u64().unwrap() as usize,
            t["end"].as_u64().unwrap() as usize,
        );
        let span: String = text[from..to].iter().collect();
        assert_eq!(span, t["term"].as_str().unwrap(), "{t}");
    }
    // Authors are pseudonyms; addresses are masked in lists; the database names nobody.
    assert!(ev["author"].as_str().unwrap().starts_with("p-"), "{ev}");
    assert!(!ev["url"].as_str().unwrap().contains("WeiboUser1"), "{ev}");
    assert_eq!(
        db_count(
            dir.path(),
            "SELECT COUNT(*) FROM opinion_posts WHERE author_key LIKE '%User%' OR author_key LIKE '%Walker%'"
        ),
        0
    );
    assert_eq!(
        db_count(
            dir.path(),
            "SELECT COUNT(*) FROM opinion_posts WHERE sealed_author IS NOT NULL"
        ),
        2,
        "only the posts that raised something keep a sealed handle"
    );
    let raw = std::fs::read(dir.path().join("zhihui.db")).unwrap();
    assert!(
        !raw.windows(10)
            .any(|w| w == b"WeiboUser1" || w == b"HappyWalke"),
        "no handle in the database file"
    );
    let id = a["id"].as_i64().unwrap();

    // The cluster view: both posts, the repost first, authors as pseudonyms.
    let (st, cl) = s.get(&s1, &format!("/api/v1/opinion/alerts/{}/cluster", a["id"]));
    assert_eq!(st, 200, "{cl}");
    assert_eq!(cl["size"], 2);
    let ids: Vec<&str> = cl["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["post_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"wb-1") && ids.contains(&"wb-2"), "{cl}");
    assert!(cl["posts"][0]["author"].as_str().unwrap().starts_with("p-"));
    assert!(!cl.to_string().contains("WeiboUser1"));
    assert_eq!(
        s.get(&s2, &format!("/api/v1/opinion/alerts/{}/cluster", a["id"]))
            .0,
        404
    );

    // The neighbouring station does not see it; reading it in full is on the record.
    assert!(alerts(&s, &s2).is_empty());
    let (st, full) = s.get(&s1, &format!("/api/v1/opinion/alerts/{id}"));
    assert_eq!(st, 200);
    assert!(full["evidence"][0]["url"]
        .as_str()
        .unwrap()
        .contains("wb-1"));
    assert_eq!(s.get(&s2, &format!("/api/v1/opinion/alerts/{id}")).0, 404);
    // Still pseudonymous: no unmasking before it goes to command.
    let (st, r) = s.post(
        &s1,
        &format!("/api/v1/opinion/alerts/{id}/unmask"),
        &json!({}),
    );
    assert_eq!(st, 403, "{r}");

    // The analyst takes it; an analyst does not send units.
    let (st, r) = s.post(
        &ana,
        &format!("/api/v1/opinion/alerts/{id}/acknowledge"),
        &json!({}),
    );
    assert_eq!(
        (st, r["state"].as_str()),
        (200, Some("acknowledged")),
        "{r}"
    );
    assert_eq!(r["acknowledged"]["by"], "ana");
    let (st, _) = s.post(
        &ana,
        &format!("/api/v1/opinion/alerts/{id}/incident"),
        &json!({}),
    );
    assert_eq!(st, 403);

    // One call makes the incident at the place guess, with the evidence, and ends the alert.
    let (st, r) = s.post(
        &s1,
        &format!("/api/v1/opinion/alerts/{id}/incident"),
        &json!({}),
    );
    assert_eq!(st, 201, "{r}");
    let inc = &r["incident"];
    assert_eq!(
        (
            inc["source"].as_str(),
            inc["source_ref"].as_str(),
            inc["type"].as_str(),
            inc["subtype"].as_str(),
            inc["priority"].as_i64(),
            inc["org_id"].as_str()
        ),
        (
            Some("public_opinion"),
            Some(format!("opinion_alert:{id}").as_str()),
            Some("help"),
            Some("self_harm"),
            Some(1),
            Some("s1")
        ),
        "{inc}"
    );
    assert_eq!(inc["location"], json!({"lon": 112.22, "lat": 30.32}));
    assert!(inc["description"].as_str().unwrap().contains("遗书"));
    assert_eq!(
        (r["alert"]["state"].as_str(), &r["alert"]["incident_id"]),
        (Some("incident"), &inc["id"])
    );
    let (st, r) = s.post(
        &s1,
        &format!("/api/v1/opinion/alerts/{id}/dismiss"),
        &json!({"reason": "重复"}),
    );
    assert_eq!((st, field(&r)), (409, Some("state")), "{r}");

    // Now the rescuers may know who wrote it; the unmasking is audited.
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/opinion/alerts/{id}/unmask"),
        &json!({}),
    );
    assert_eq!(st, 200, "{r}");
    let handles: Vec<&str> = r["authors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["handle"].as_str())
        .collect();
    assert_eq!(handles, ["WeiboUser1", "Passerby"]);
    let audit = audit_rows(dir.path());
    for (who, action) in [
        ("ana", "opinion.ingest"),
        ("s1disp", "opinion.read"),
        ("ana", "opinion.acknowledge"),
        ("s1disp", "opinion.incident"),
        ("boss", "opinion.unmask"),
    ] {
        assert!(
            audit
                .iter()
                .any(|(a, act, _, o)| a == who && act == action && o == "ok"),
            "{who} {action}"
        );
    }
    assert!(audit
        .iter()
        .any(|(a, act, _, o)| a == "s1disp" && act == "opinion.unmask" && o != "ok"));
}

#[test]
fn bad_deliveries_name_their_field_and_write_nothing_and_the_loop_needs_a_reason_and_a_place() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "view", "supervisor", Some("city"), None);
    let s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    let ok = post("a", "今天天气不错", "x");
    for (body, want) in [
        (
            json!({"posts": [ok.clone(), {"id": "b", "text": " ", "author": "y", "posted_at": ago()}]}),
            "posts[1].text",
        ),
        (
            json!({"posts": [{"id": "b", "text": "hi", "author": "y", "posted_at": ago(), "lon": 112.2}]}),
            "posts[0].lat",
        ),
        (
            json!({"posts": [{"id": "b", "text": "hi", "author": "y", "posted_at": ago(), "url": "ftp://x"}]}),
            "posts[0].url",
        ),
        (
            json!({"posts": [{"id": "", "text": "hi", "author": "y", "posted_at": ago()}]}),
            "posts[0].id",
        ),
        (json!({"posts": []}), "posts"),
    ] {
        let (st, r) = s.post(&ana, "/api/v1/opinion/posts", &body);
        assert_eq!((st, field(&r)), (422, Some(want)), "{r}");
    }
    let (st, r) = s.post(
        &ana,
        "/api/v1/opinion/posts",
        &json!({"posts": [{"id": "b", "text": "hi", "author": "y", "posted_at": "yesterday"}]}),
    );
    assert_eq!(st, 422, "{r}");
    assert!(field(&r).unwrap().contains("posted_at"), "{r}");
    assert_eq!(
        db_count(dir.path(), "SELECT COUNT(*) FROM opinion_posts"),
        0
    );
    // A supervisor watches; only those who work intelligence feed posts.
    let (st, _) = s.post(
        &s.login("view"),
        "/api/v1/opinion/posts",
        &json!({"posts": [ok]}),
    );
    assert_eq!(st, 403);
    assert_eq!(
        db_count(dir.path(), "SELECT COUNT(*) FROM opinion_posts"),
        0
    );

    // A post with no place: dismissing needs a reason; an incident needs a place.
    let (st, r) = s.post(
        &ana,
        "/api/v1/opinion/posts",
        &json!({"posts": [post("c", "中山路那边着火了，浓烟很大", "z"), post("d", "真的好想死啊", "w")]}),
    );
    assert_eq!(st, 200, "{r}");
    let list = alerts(&s, &ana);
    let fire = list.iter().find(|a| a["category"] == "fire").unwrap();
    let sad = list.iter().find(|a| a["category"] == "self_harm").unwrap();
    assert_eq!(sad["level"], "elevated");
    let fire_id = fire["id"].as_i64().unwrap();
    let sad_id = sad["id"].as_i64().unwrap();
    let (st, r) = s.post(
        &ana,
        &format!("/api/v1/opinion/alerts/{sad_id}/dismiss"),
        &json!({"reason": "  "}),
    );
    assert_eq!((st, field(&r)), (422, Some("reason")), "{r}");
    let (st, r) = s.post(
        &ana,
        &format!("/api/v1/opinion/alerts/{sad_id}/dismiss"),
        &json!({"reason": "歌词引用，非本人"}),
    );
    assert_eq!((st, r["state"].as_str()), (200, Some("dismissed")), "{r}");
    assert_eq!(r["closed"]["note"], "歌词引用，非本人");
    let boss = s.login("boss");
    let path = format!("/api/v1/opinion/alerts/{fire_id}/incident");
    let (st, r) = s.post(&boss, &path, &json!({}));
    assert_eq!((st, field(&r)), (422, Some("location")), "{r}");
    let (st, r) = s.post(&boss, &path, &json!({"location": {"lon": 500, "lat": 30}}));
    assert_eq!((st, field(&r)), (422, Some("location.lon")), "{r}");
    let (st, r) = s.post(&boss, &path, &json!({"lcoation": {}}));
    assert_eq!(st, 422, "{r}");
    assert_eq!(
        alerts(&s, &boss)
            .iter()
            .find(|a| a["id"] == fire_id)
            .unwrap()["state"],
        "new"
    );
    let (st, r) = s.post(
        &boss,
        &path,
        &json!({"location": {"lon": 112.24, "lat": 30.33}, "address": "中山路12号"}),
    );
    assert_eq!(st, 201, "{r}");
    assert_eq!(
        (
            r["incident"]["type"].as_str(),
            r["incident"]["address"].as_str(),
            r["alert"]["place"]["source"].as_str()
        ),
        (Some("fire"), Some("中山路12号"), Some("analyst"))
    );
    let (st, r) = s.get(&boss, "/api/v1/opinion/alerts?state=bogus");
    assert_eq!((st, field(&r)), (422, Some("state")), "{r}");
}

#[test]
fn an_untaken_high_self_harm_alert_escalates_after_a_minute_and_idle_posts_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "root", "admin", None, None);
    let mut s = Server::start(dir.path(), &["--test-clock", "--opinion-keep-hours", "1"]);
    let (ana, boss, root) = (s.login("ana"), s.login("boss"), s.login("root"));
    let (st, r) = s.post(
        &ana,
        "/api/v1/opinion/posts",
        &json!({"posts": [post("h", BRIDGE, "u1"), post("e", "真的好想死啊", "u2"), post("n", "周末去爬山吧", "u3")]}),
    );
    assert_eq!(st, 200, "{r}");
    let advance = |secs: f64| {
        let (st, v) = s.post(&root, "/api/v1/test/clock", &json!({"advance_s": secs}));
        assert_eq!(st, 200, "{v}");
    };
    let wait_for = |what: &str, f: &dyn Fn() -> bool| {
        for _ in 0..40 {
            if f() {
                return;
            }
            std::thread::sleep(Duration::from_millis(150));
        }
        panic!("{what}");
    };
    advance(30.0);
    std::thread::sleep(Duration::from_millis(1500));
    let (_, centre) = s.get(&boss, "/api/v1/alerts");
    assert!(
        !centre["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "opinion_overdue"),
        "not yet: {centre}"
    );
    advance(31.0);
    wait_for("the alert centre has the overdue opinion alert", &|| {
        let (_, centre) = s.get(&boss, "/api/v1/alerts");
        centre["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "opinion_overdue" && a["severity"] == "critical")
    });
    let list = alerts(&s, &boss);
    let high = list.iter().find(|a| a["level"] == "high").unwrap();
    let elevated = list.iter().find(|a| a["level"] == "elevated").unwrap();
    assert_eq!(high["escalations"][0]["stage"], "new", "{high}");
    assert_eq!(
        elevated["escalations"],
        json!([]),
        "elevated has 30 minutes"
    );
    assert_eq!(
        s.get(&boss, "/api/v1/alerts").1["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "opinion_overdue")
            .count(),
        1,
        "once per stage"
    );
    // Escalated: the rescuers may unmask the author.
    let id = high["id"].as_i64().unwrap();
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/opinion/alerts/{id}/unmask"),
        &json!({}),
    );
    assert_eq!(
        (st, r["authors"][0]["handle"].as_str()),
        (200, Some("u1")),
        "{r}"
    );

    // The harmless post goes after the hour; those that raised alerts stay.
    assert_eq!(
        db_count(dir.path(), "SELECT COUNT(*) FROM opinion_posts"),
        3
    );
    advance(3600.0);
    wait_for("the idle post is purged", &|| {
        db_count(dir.path(), "SELECT COUNT(*) FROM opinion_posts") == 2
    });
    assert_eq!(
        db_count(
            dir.path(),
            "SELECT COUNT(*) FROM opinion_posts WHERE post_id = 'n'"
        ),
        0
    );

    // An acknowledged delivery survives kill -9: delivered again after a restart, it is a duplicate.
    let (st, r) = s.post(
        &ana,
        "/api/v1/opinion/posts",
        &json!({"posts": [post("k", "江边大桥上有人要跳河", "u4")]}),
    );
    assert_eq!((st, &r["accepted"]), (200, &json!(1)), "{r}");
    s.kill();
    let s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    let (st, r) = s.post(
        &ana,
        "/api/v1/opinion/posts",
        &json!({"posts": [post("k", "江边大桥上有人要跳河", "u4")]}),
    );
    assert_eq!((st, &r["duplicates"]), (200, &json!(1)), "{r}");
    // The same key after the restart: the pseudonym of an author does not change.
    let list = alerts(&s, &ana);
    assert!(list
        .iter()
        .flat_map(|a| a["evidence"].as_array().unwrap())
        .any(|e| e["post_id"] == "k"));
}

#[test]
fn a_post_that_names_a_road_of_the_city_is_located_there_and_the_incident_goes_to_it() {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    let roads = dir.path().join("grid.geojson");
    std::fs::write(&roads, grid_roads()).unwrap();
    let s = Server::start(dir.path(), &["--roads", roads.to_str().unwrap()]);
    let (ana, boss) = (s.login("ana"), s.login("boss"));
    let (st, r) = s.post(
        &ana,
        "/api/v1/opinion/posts",
        &json!({"posts": [post("t1", "纵3路天桥上，遗书写好了，今晚就跳下去", "u9")]}),
    );
    assert_eq!(st, 200, "{r}");
    let a = alerts(&s, &ana).remove(0);
    let place = &a["place"];
    assert_eq!(
        (place["source"].as_str(), place["text"].as_str()),
        (Some("text"), Some("纵3路")),
        "{a}"
    );
    let (lon, lat) = (
        place["location"]["lon"].as_f64().unwrap(),
        place["location"]["lat"].as_f64().unwrap(),
    );
    assert!(
        (lon - 112.215).abs() < 1e-6 && (lat - 30.315).abs() < 0.016,
        "{place}"
    );
    let id = a["id"].as_i64().unwrap();
    let (st, r) = s.post(
        &boss,
        &format!("/api/v1/opinion/alerts/{id}/incident"),
        &json!({}),
    );
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["incident"]["address"], "纵3路");
    assert_eq!(r["incident"]["location"]["lon"].as_f64(), Some(lon));
}

#[test]
fn an_analyst_edits_the_lexicon_it_applies_at_once_survives_a_restart_and_no_other_category_can_be_added(
) {
    let dir = tempfile::tempdir().unwrap();
    setup_city(dir.path());
    add_user(dir.path(), "view", "supervisor", Some("city"), None);
    let mut s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    let smoke = |s: &Server, tok: &str, id: &str| -> Value {
        let (st, r) = s.post(
            tok,
            "/api/v1/opinion/posts",
            &json!({"posts": [post(id, &format!("楼道里一直在冒黑烟，味道很呛（{id}）"), "z")]}),
        );
        assert_eq!(st, 200, "{r}");
        r
    };
    assert_eq!(smoke(&s, &ana, "before")["risky"], 0, "not a term yet");
    let (st, lex) = s.get(&ana, "/api/v1/opinion/lexicon");
    assert_eq!(st, 200, "{lex}");
    assert_eq!(lex["version"], 0);
    let text = lex["text"].as_str().unwrap().to_owned();
    assert!(text.contains("跳楼"));

    // A category outside the closed list is refused with its line; nothing changes.
    let bad = format!("{text}politics\t某某\t3\tact\n");
    let (st, r) = s.put(
        &ana,
        "/api/v1/opinion/lexicon",
        &json!({"text": bad, "base_version": 0}),
    );
    assert_eq!((st, field(&r)), (422, Some("text")), "{r}");
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("unknown category `politics`") && msg.contains("line"),
        "{msg}"
    );
    let (st, _) = s.put(
        &s.login("view"),
        "/api/v1/opinion/lexicon",
        &json!({"text": text, "base_version": 0}),
    );
    assert_eq!(st, 403, "a supervisor watches");

    // A new term applies to the next post, without a restart.
    let added = format!("{text}fire\t冒黑烟\t3\tact\n");
    let (st, v) = s.put(
        &ana,
        "/api/v1/opinion/lexicon",
        &json!({"text": added, "note": "新增：冒黑烟", "base_version": 0}),
    );
    assert_eq!((st, v["version"].as_i64()), (200, Some(1)), "{v}");
    assert_eq!(smoke(&s, &ana, "after")["risky"], 1);
    // Someone editing the old version is told to reload.
    let (st, r) = s.put(
        &ana,
        "/api/v1/opinion/lexicon",
        &json!({"text": text, "base_version": 0}),
    );
    assert_eq!((st, field(&r)), (409, Some("base_version")), "{r}");
    let (_, versions) = s.get(&ana, "/api/v1/opinion/lexicon/versions");
    assert_eq!(versions["items"][0]["note"], "新增：冒黑烟");
    assert!(audit_rows(dir.path())
        .iter()
        .any(|(a, act, t, o)| a == "ana"
            && act == "opinion.lexicon"
            && t == "opinion_lexicon:1"
            && o == "ok"));

    // After a restart the saved version is the one in force.
    s.kill();
    let s = Server::start(dir.path(), &[]);
    let ana = s.login("ana");
    assert_eq!(s.get(&ana, "/api/v1/opinion/lexicon").1["version"], 1);
    assert_eq!(smoke(&s, &ana, "restarted")["risky"], 1);
}
