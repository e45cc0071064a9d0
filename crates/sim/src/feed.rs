//! The demo's stream of public posts (舆情): now and then a post arrives through the same
//! screening and commands as `POST /api/v1/opinion/posts` — mostly harmless chatter about the
//! city's streets, some risky (a person on a bridge, smoke from a block of flats, a crash, a lost
//! child, a fraud call, a crush in a square), some reposts of those. A simulated analyst takes an
//! alert nobody took within 90 s (after a high self-harm alert has escalated, so the alert centre
//! shows that too) and decides it a minute later: a high one becomes an incident the simulated
//! dispatcher serves, an elevated one is dismissed with a reason. The person at the console can
//! beat it to any of them.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use zhihui_core::opinion::{OpinionLevel, OpinionState, PublicPost};
use zhihui_core::{Incident, OrgTree, Role};
use zhihui_store::commands::Actor;
use zhihui_store::opinion::commands::{self, ToIncident};
use zhihui_store::opinion::prepare::{prepare, Screening};
use zhihui_store::opinion::projection;
use zhihui_store::Store;

use crate::{write_or_log, CityMap};

/// Simulated seconds before the analyst takes an alert nobody took.
const TAKE_AFTER_S: f64 = 90.0;
/// Simulated seconds the analyst spends before deciding.
const DECIDE_AFTER_S: f64 = 60.0;

const HARMLESS: [&str; 14] = [
    "今天{road}的早餐店排了好长的队，豆浆油条真香",
    "周末和朋友去{road}附近逛街，人好多",
    "下班路上看到{road}上空的晚霞，太美了",
    "{road}新开了一家奶茶店，味道还不错",
    "天气转凉了，大家出门记得添衣服",
    "孩子今天数学考了满分，开心",
    "单位组织去爬山，累并快乐着",
    "求推荐{road}附近好吃的面馆",
    "地铁什么时候能修到{road}啊，每天堵车",
    "这部电视剧的结局太好哭了",
    "{road}的银杏叶黄了，拍照的人好多",
    "今晚的球赛太精彩了，加时赛绝杀",
    "新买的电动车在{road}试骑了一圈，很稳",
    "图书馆的自习室又满了，大家都好努力",
];

const RISKY: [&str; 9] = [
    "我在{road}的天桥上，遗书已经写好了，今晚就跳下去，再见了这个世界",
    "撑不下去了，药已经攒够了，今晚就走，{road}的家里没人会发现",
    "真的好想死啊，活着太累了",
    "{road}那边着火了，一栋居民楼冒出好大的浓烟，好像有人被困",
    "{road}发生车祸，两辆车相撞，有人躺在地上流了好多血",
    "急寻！我家孩子下午在{road}走失了，穿红色外套，5岁，求扩散",
    "接到自称公安的电话说我涉嫌洗钱，让我把钱转到安全账户，是不是骗子",
    "{road}广场人太多了，挤得喘不过气，前面有人摔倒了，快要踩踏了",
    "{road}有人持刀砍人，已经有人受伤倒地，大家快跑",
];

const HANDLES: [&str; 12] = [
    "江城小雨",
    "荆楚老李",
    "喵了个咪",
    "奔跑的蜗牛",
    "夜猫子阿杰",
    "晴天娃娃",
    "一颗柠檬",
    "路人甲乙丙",
    "沙市老街坊",
    "打工人小王",
    "长江边的风",
    "小鹿乱撞",
];

struct Taken {
    id: i64,
    at: f64,
}

pub(crate) struct Feed {
    screening: Screening,
    next_post: f64,
    seq: u64,
    /// Risky posts, for reposting: (id, text).
    spreadable: Vec<(String, String)>,
    taken: Vec<Taken>,
    /// When (simulated seconds) each new alert was first seen: the analyst's clock runs on
    /// simulated time like the crews', so a fast demo still shows alerts handled.
    seen: std::collections::HashMap<i64, f64>,
    next_look: f64,
}

/// The account the posts arrive under (the command centre's feed of public posts).
fn feed_actor() -> Actor {
    Actor {
        username: "opinion-feed".into(),
        role: Role::Analyst,
        org_id: "jz".into(),
        unit_id: None,
    }
}

/// The simulated analyst and, to make incidents, the simulated dispatcher.
fn analyst() -> Actor {
    Actor {
        username: "analyst".into(),
        role: Role::Analyst,
        org_id: "jz".into(),
        unit_id: None,
    }
}

fn dispatcher() -> Actor {
    Actor {
        username: "dispatcher".into(),
        role: Role::Dispatcher,
        org_id: "jz".into(),
        unit_id: None,
    }
}

impl Feed {
    pub(crate) fn new(screening: Screening) -> Feed {
        Feed {
            screening,
            next_post: 5.0,
            seq: 0,
            spreadable: Vec::new(),
            taken: Vec::new(),
            seen: std::collections::HashMap::new(),
            next_look: 10.0,
        }
    }

    /// Posts when one is due and works the alerts; returns the incidents made from alerts, for
    /// the simulated dispatcher.
    pub(crate) async fn tick(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        city: &dyn CityMap,
        rng: &mut StdRng,
        t: f64,
        now: zhihui_core::Time,
    ) -> Vec<Incident> {
        if t >= self.next_post {
            self.next_post = t + rng.gen_range(6.0..18.0);
            self.post(store, tree, city, rng, now).await;
        }
        if t < self.next_look {
            return Vec::new();
        }
        self.next_look = t + 5.0;
        self.work(store, tree, rng, t, now).await
    }

    async fn post(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        city: &dyn CityMap,
        rng: &mut StdRng,
        now: zhihui_core::Time,
    ) {
        self.seq += 1;
        let (at, road) = city.random_point(rng);
        let road = if road.is_empty() {
            "中山路".to_owned()
        } else {
            road
        };
        let roll = rng.gen_range(0..100);
        let (text, geotag) = if roll < 12 && !self.spreadable.is_empty() {
            // A repost: the original after the reposter's words.
            let (_, original) = self.spreadable.choose(rng).expect("not empty").clone();
            let who = HANDLES.choose(rng).expect("handles");
            let said = ["转发", "扩散！", "天哪", "有人认识吗", "求助"]
                .choose(rng)
                .expect("words");
            (format!("{said}//@{who}:{original}"), false)
        } else if roll < 30 {
            let t = RISKY.choose(rng).expect("risky").replace("{road}", &road);
            (t, rng.gen_bool(0.4))
        } else {
            let t = HARMLESS
                .choose(rng)
                .expect("harmless")
                .replace("{road}", &road);
            (t, rng.gen_bool(0.2))
        };
        let id = format!("demo-post-{}-{}", now.timestamp(), self.seq);
        let original = !text.contains("//@");
        if original && (12..30).contains(&roll) {
            // A risky post gets reposted now and then.
            self.spreadable.push((id.clone(), text.clone()));
            if self.spreadable.len() > 6 {
                self.spreadable.remove(0);
            }
        }
        let post = PublicPost {
            id: id.clone(),
            text,
            author: HANDLES.choose(rng).expect("handles").to_string(),
            posted_at: now - chrono::Duration::seconds(rng.gen_range(5..90)),
            url: Some(format!("https://weibo.example/{id}")),
            lon: geotag.then_some(at.lon),
            lat: geotag.then_some(at.lat),
        };
        let screening = self.screening.clone();
        let screened =
            match tokio::task::spawn_blocking(move || prepare(&screening, vec![post], now)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "simulated post refused");
                    return;
                }
                Err(_) => return,
            };
        let tr = tree.clone();
        write_or_log(store, "post", move |tx| {
            commands::ingest(tx, &tr, &feed_actor(), screened, now)
        })
        .await;
    }

    async fn work(
        &mut self,
        store: &Store,
        tree: &std::sync::Arc<OrgTree>,
        rng: &mut StdRng,
        t: f64,
        now: zhihui_core::Time,
    ) -> Vec<Incident> {
        let since = now - chrono::Duration::hours(1);
        let all: Vec<String> = tree.subtree_ids("jz");
        let open = store
            .read(move |c| projection::list(c, &all, None, &since, 300))
            .unwrap_or_default();
        let mut made = Vec::new();
        for a in open {
            let age = t - *self.seen.entry(a.id).or_insert(t);
            match a.state {
                OpinionState::New if age >= TAKE_AFTER_S => {
                    let (tr, id) = (tree.clone(), a.id);
                    if write_or_log(store, "alert taken", move |tx| {
                        commands::acknowledge(tx, &tr, &analyst(), id, now)
                    })
                    .await
                    .is_some()
                    {
                        self.taken.push(Taken { id, at: t });
                        self.seen.remove(&id);
                    }
                }
                OpinionState::Acknowledged => {
                    let Some(k) = self.taken.iter().position(|x| x.id == a.id) else {
                        continue; // a person took it: theirs to decide
                    };
                    if t < self.taken[k].at + DECIDE_AFTER_S {
                        continue;
                    }
                    self.taken.remove(k);
                    let (tr, id) = (tree.clone(), a.id);
                    if a.level == OpinionLevel::High && a.place.is_some() {
                        if let Some((_, inc)) =
                            write_or_log(store, "alert to incident", move |tx| {
                                commands::to_incident(
                                    tx,
                                    &tr,
                                    &dispatcher(),
                                    id,
                                    ToIncident::default(),
                                    now,
                                )
                            })
                            .await
                        {
                            made.push(inc);
                        }
                    } else {
                        let reason = [
                            "玩笑调侃，非真实意图",
                            "歌词引用，非本人",
                            "已电话核实，当事人安全",
                            "广告营销",
                        ]
                        .choose(rng)
                        .expect("reasons")
                        .to_string();
                        write_or_log(store, "alert dismissed", move |tx| {
                            commands::dismiss(tx, &tr, &analyst(), id, &reason, now)
                        })
                        .await;
                    }
                }
                _ => {}
            }
        }
        made
    }
}
