//! Public-opinion alerts (舆情预警) and their closed loop: a public post screened as a
//! public-safety risk (by `zhihui-screen`) opens an alert about its cluster of reposts; an analyst
//! takes it (acknowledged) and ends it either as an incident that sends help or as dismissed with
//! a reason. Every stage has a deadline; an alert past it escalates once per stage.
//!
//! The categories are a closed list of public-safety risks ([`CATEGORIES`]). There is no
//! political or opinion category, and no way to add one: an unknown code is refused.
//!
//! Deadlines ([`ack_within_s`], [`decide_within_s`]):
//!
//! | alert                 | to acknowledge | to decide after that |
//! |-----------------------|----------------|----------------------|
//! | high self-harm        | 60 s           | 10 min               |
//! | other high            | 5 min          | 10 min               |
//! | elevated              | 30 min         | 60 min               |

use serde::{Deserialize, Serialize};

use crate::{DomainError, LonLat, Time};

/// One public-safety category: its code, its names, and the incident type and sub-type an alert
/// of it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// The code (`self_harm`, …), the same as `zhihui-screen`'s.
    pub code: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
    /// The incident type (`GET /api/v1/codes`).
    pub incident_type: &'static str,
    /// The incident sub-type.
    pub incident_subtype: &'static str,
}

const fn cat(
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    incident_type: &'static str,
    incident_subtype: &'static str,
) -> Category {
    Category {
        code,
        zh,
        en,
        incident_type,
        incident_subtype,
    }
}

/// The closed list of categories, in the order the console lists them.
pub const CATEGORIES: [Category; 10] = [
    cat("self_harm", "自杀自伤", "Self-harm", "help", "self_harm"),
    cat(
        "violence",
        "暴力威胁",
        "Violence or threats",
        "criminal",
        "assault",
    ),
    cat("fire", "火灾", "Fire", "fire", "building_fire"),
    cat(
        "traffic_accident",
        "交通事故",
        "Traffic accident",
        "traffic",
        "injury_collision",
    ),
    cat("explosion", "爆炸", "Explosion", "fire", "explosion"),
    cat("disaster", "自然灾害", "Disaster", "help", "trapped"),
    cat(
        "food_poisoning",
        "食物中毒",
        "Food poisoning",
        "help",
        "medical",
    ),
    cat(
        "missing_person",
        "人员失踪",
        "Missing person",
        "help",
        "missing_person",
    ),
    cat("fraud", "诈骗", "Fraud", "criminal", "fraud"),
    cat(
        "crowd_crush",
        "踩踏风险",
        "Crowd-crush danger",
        "public_order",
        "other_public_order",
    ),
];

/// The category of `code`, if it is one of the closed list.
pub fn category(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

/// How strongly the screen read the risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpinionLevel {
    /// Worth a look.
    Elevated,
    /// Someone may be at risk now.
    High,
}

impl OpinionLevel {
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            OpinionLevel::Elevated => "elevated",
            OpinionLevel::High => "high",
        }
    }
}

/// Where an alert is in its loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpinionState {
    /// Raised; nobody has taken it.
    New,
    /// An analyst owns it.
    Acknowledged,
    /// Ended: an incident was created from it.
    Incident,
    /// Ended: judged not to need help, with the reason.
    Dismissed,
}

impl OpinionState {
    /// The snake_case code (also the `opinion_alerts.state` column).
    pub fn as_str(&self) -> &'static str {
        match self {
            OpinionState::New => "new",
            OpinionState::Acknowledged => "acknowledged",
            OpinionState::Incident => "incident",
            OpinionState::Dismissed => "dismissed",
        }
    }

    /// Parses the code.
    pub fn parse(s: &str) -> Option<Self> {
        [
            OpinionState::New,
            OpinionState::Acknowledged,
            OpinionState::Incident,
            OpinionState::Dismissed,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Whether the loop is still open.
    pub fn is_open(&self) -> bool {
        matches!(self, OpinionState::New | OpinionState::Acknowledged)
    }
}

/// A term of the screen's lexicon found in a post, with its place in the text (character
/// offsets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Term {
    /// The lexicon term.
    pub term: String,
    /// First character (0-based, in characters of `text`).
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// How the clause reads it (`negated`, `hypothetical`, `past`, `third_person`), empty when
    /// it is a plain first-person statement.
    #[serde(default)]
    pub reading: Vec<String>,
}

/// A post that is evidence for an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidencePost {
    /// The post's id in its source.
    pub post_id: String,
    /// The text as posted.
    pub text: String,
    /// The author's pseudonym (a keyed hash; the handle itself only after an audited unmasking).
    pub author: String,
    /// When it was posted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub posted_at: Time,
    /// Its address, if the source gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The terms that raised it.
    pub terms: Vec<Term>,
    /// The screen's score for this post.
    pub score: f32,
    /// The model's probability, when a model is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_score: Option<f32>,
}

/// Where the alert is thought to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlaceGuess {
    /// The name as found (or `geotag` for a post's own coordinates).
    pub text: String,
    /// Where.
    pub location: LonLat,
    /// 0..1.
    pub confidence: f32,
    /// `geotag` (the post's own position), `text` (a name in the text) or `analyst` (corrected).
    pub source: String,
}

/// Who did something, when, and what they said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionStamp {
    /// Username.
    pub by: String,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Time,
    /// Reason or note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The evidence posts kept on one alert (the first, then the strongest).
pub const MAX_EVIDENCE: usize = 5;

/// A public-opinion alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionAlert {
    /// Id.
    pub id: i64,
    /// The organisation that owns it (where the place guess falls, else who ingested the post).
    pub org_id: String,
    /// Category code ([`CATEGORIES`]).
    pub category: String,
    /// The strongest level seen.
    pub level: OpinionLevel,
    /// The strongest score seen.
    pub score: f32,
    /// The score a post needs for `high` (the screen's threshold), so every decision shows its
    /// evidence, score and threshold.
    pub threshold: f32,
    /// Where it is in its loop.
    pub state: OpinionState,
    /// The cluster of near-duplicate posts (reposts) it is about.
    pub cluster_id: i64,
    /// Posts in the cluster.
    pub cluster_size: u32,
    /// Reposts in about the last ten minutes (an exponentially decayed count).
    pub burst: f32,
    /// The evidence posts (at most [`MAX_EVIDENCE`]).
    pub evidence: Vec<EvidencePost>,
    /// Where it is thought to be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<PlaceGuess>,
    /// When the first post of it arrived.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub first_seen: Time,
    /// When the last one did.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub last_seen: Time,
    /// By when the next step is due (acknowledge while new, decide while acknowledged).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub deadline: Time,
    /// Who took it (its owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged: Option<OpinionStamp>,
    /// Who ended it, and why (dismissed) or with which incident.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<OpinionStamp>,
    /// The incident created from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_id: Option<i64>,
    /// When it escalated for missing its deadline (once per stage: `new`, `acknowledged`).
    #[serde(default)]
    pub escalations: Vec<OpinionEscalation>,
    /// Bumped on every change.
    pub version: i64,
}

/// An escalation for a missed deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpinionEscalation {
    /// The state whose deadline was missed.
    pub stage: OpinionState,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Time,
}

/// Seconds a new alert has to be acknowledged.
pub fn ack_within_s(category: &str, level: OpinionLevel) -> i64 {
    match (category, level) {
        ("self_harm", OpinionLevel::High) => 60,
        (_, OpinionLevel::High) => 300,
        (_, OpinionLevel::Elevated) => 1800,
    }
}

/// Seconds an acknowledged alert has to be decided (incident or dismissed).
pub fn decide_within_s(level: OpinionLevel) -> i64 {
    match level {
        OpinionLevel::High => 600,
        OpinionLevel::Elevated => 3600,
    }
}

/// A public post as a source delivers it (`POST /api/v1/opinion/posts`, or a NATS message).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PublicPost {
    /// The post's id in its source; a post already received is not taken again.
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub id: String,
    /// The text.
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub text: String,
    /// The author's handle. Kept only as a keyed hash unless the post raises an alert, and shown
    /// only after an audited unmasking of an alert that went to command.
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub author: String,
    /// When it was posted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub posted_at: Time,
    /// Its address.
    #[serde(default)]
    pub url: Option<String>,
    /// The post's own position (a geotag), longitude.
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude.
    #[serde(default)]
    pub lat: Option<f64>,
}

/// At most this many posts in one delivery.
pub const MAX_POSTS_PER_BATCH: usize = 1000;

impl PublicPost {
    /// Checks the post (the `i`-th of its batch, so errors name `posts[i].field`) and returns
    /// its geotag, if it has one.
    pub fn validate(&self, i: usize, now: Time) -> Result<Option<LonLat>, DomainError> {
        let f = |name: &str| format!("posts[{i}].{name}");
        let id = self.id.trim();
        if id.is_empty() || id.chars().count() > 128 {
            return Err(DomainError::invalid(f("id"), "1 to 128 characters"));
        }
        if self.text.trim().is_empty() {
            return Err(DomainError::invalid(f("text"), "the post has no text"));
        }
        if self.text.chars().count() > 5000 {
            return Err(DomainError::invalid(f("text"), "at most 5000 characters"));
        }
        let author = self.author.trim();
        if author.is_empty() || author.chars().count() > 128 {
            return Err(DomainError::invalid(f("author"), "1 to 128 characters"));
        }
        if self.posted_at > now + chrono::Duration::minutes(5) {
            return Err(DomainError::invalid(
                f("posted_at"),
                "posted more than five minutes in the future",
            ));
        }
        if let Some(u) = &self.url {
            if u.len() > 2000 || !(u.starts_with("https://") || u.starts_with("http://")) {
                return Err(DomainError::invalid(
                    f("url"),
                    "an http(s) address of at most 2000 characters",
                ));
            }
        }
        match (self.lon, self.lat) {
            (None, None) => Ok(None),
            (Some(lon), Some(lat)) => {
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(DomainError::invalid(f("lon"), "outside -180..180"));
                }
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(DomainError::invalid(f("lat"), "outside -90..90"));
                }
                Ok(Some(LonLat { lon, lat }))
            }
            (Some(_), None) => Err(DomainError::invalid(f("lat"), "a geotag needs both")),
            (None, Some(_)) => Err(DomainError::invalid(f("lon"), "a geotag needs both")),
        }
    }
}

/// One screened post's reading for one category, as it reaches an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    /// The level the screen gave.
    pub level: OpinionLevel,
    /// The score.
    pub score: f32,
    /// The post.
    pub post: EvidencePost,
    /// Its place guess, if any.
    pub place: Option<PlaceGuess>,
}

impl OpinionAlert {
    /// A new alert from its first sighting.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        id: i64,
        org_id: &str,
        category: &str,
        threshold: f32,
        cluster_id: i64,
        cluster_size: u32,
        burst: f32,
        s: Sighting,
        now: Time,
    ) -> Result<OpinionAlert, DomainError> {
        if self::category(category).is_none() {
            return Err(DomainError::invalid(
                "category",
                format!("{category:?} is not a public-safety category"),
            ));
        }
        Ok(OpinionAlert {
            id,
            org_id: org_id.to_owned(),
            category: category.to_owned(),
            level: s.level,
            score: s.score,
            threshold,
            state: OpinionState::New,
            cluster_id,
            cluster_size,
            burst,
            evidence: vec![s.post],
            place: s.place,
            first_seen: now,
            last_seen: now,
            deadline: now + chrono::Duration::seconds(ack_within_s(category, s.level)),
            acknowledged: None,
            closed: None,
            incident_id: None,
            escalations: Vec::new(),
            version: 1,
        })
    }

    /// Another post of the cluster reads the same risk: the alert takes the stronger level and
    /// score (a new alert rising to `high` gets the tighter deadline), keeps the post as evidence
    /// while there is room or when it scores higher than the weakest kept (the first stays), and
    /// a better place guess.
    pub fn sighted(&mut self, s: Sighting, now: Time) {
        if s.level > self.level {
            self.level = s.level;
            if self.state == OpinionState::New {
                let due = self.first_seen
                    + chrono::Duration::seconds(ack_within_s(&self.category, s.level));
                self.deadline = self.deadline.min(due.max(now));
            }
        }
        self.score = self.score.max(s.score);
        if !self.evidence.iter().any(|e| e.post_id == s.post.post_id) {
            if self.evidence.len() < MAX_EVIDENCE {
                self.evidence.push(s.post);
            } else if let Some((i, weakest)) = self
                .evidence
                .iter()
                .enumerate()
                .skip(1)
                .min_by(|a, b| a.1.score.total_cmp(&b.1.score))
            {
                if s.post.score > weakest.score {
                    self.evidence[i] = s.post;
                }
            }
        }
        if let Some(p) = s.place {
            let better = match &self.place {
                None => true,
                Some(old) => old.source != "analyst" && p.confidence > old.confidence,
            };
            if better {
                self.place = Some(p);
            }
        }
        self.last_seen = now;
        self.version += 1;
    }

    /// The cluster grew (a repost, whether or not it read a risk itself).
    pub fn spread(&mut self, cluster_size: u32, burst: f32, now: Time) {
        self.cluster_size = cluster_size;
        self.burst = burst;
        self.last_seen = now;
        self.version += 1;
    }

    /// The owner: whoever acknowledged it.
    pub fn owner(&self) -> Option<&str> {
        self.acknowledged.as_ref().map(|s| s.by.as_str())
    }

    fn transition(&self, to: &str) -> DomainError {
        DomainError::invalid(
            "state",
            format!(
                "a {} alert cannot become {to}",
                self.state.as_str().replace('_', " ")
            ),
        )
    }

    /// `by` takes the alert; the decision is due within [`decide_within_s`]. Taking one a
    /// colleague took moves it to `by`; taking one's own again, or a closed one, is refused.
    pub fn acknowledge(&mut self, by: &str, now: Time) -> Result<(), DomainError> {
        match self.state {
            OpinionState::New => {}
            OpinionState::Acknowledged if self.owner() != Some(by) => {}
            _ => return Err(self.transition("acknowledged")),
        }
        self.state = OpinionState::Acknowledged;
        self.acknowledged = Some(OpinionStamp {
            by: by.to_owned(),
            at: now,
            note: None,
        });
        self.deadline = now + chrono::Duration::seconds(decide_within_s(self.level));
        self.version += 1;
        Ok(())
    }

    /// `by` judges that it needs no help; the reason is required.
    pub fn dismiss(&mut self, by: &str, reason: &str, now: Time) -> Result<(), DomainError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DomainError::invalid(
                "reason",
                "say why the alert needs no help",
            ));
        }
        if reason.chars().count() > 500 {
            return Err(DomainError::invalid("reason", "at most 500 characters"));
        }
        self.close(by, OpinionState::Dismissed, Some(reason.to_owned()), now)
    }

    /// An incident was created from it.
    pub fn to_incident(
        &mut self,
        by: &str,
        incident_id: i64,
        now: Time,
    ) -> Result<(), DomainError> {
        self.close(by, OpinionState::Incident, None, now)?;
        self.incident_id = Some(incident_id);
        Ok(())
    }

    fn close(
        &mut self,
        by: &str,
        to: OpinionState,
        note: Option<String>,
        now: Time,
    ) -> Result<(), DomainError> {
        if !self.state.is_open() {
            return Err(self.transition(to.as_str()));
        }
        if self.acknowledged.is_none() {
            self.acknowledged = Some(OpinionStamp {
                by: by.to_owned(),
                at: now,
                note: None,
            });
        }
        self.state = to;
        self.closed = Some(OpinionStamp {
            by: by.to_owned(),
            at: now,
            note,
        });
        self.version += 1;
        Ok(())
    }

    /// An analyst corrects where it is.
    pub fn place_at(&mut self, text: &str, location: LonLat) {
        self.place = Some(PlaceGuess {
            text: text.to_owned(),
            location,
            confidence: 1.0,
            source: "analyst".into(),
        });
        self.version += 1;
    }

    /// Whether its deadline has passed in its current stage without an escalation yet.
    pub fn escalation_due(&self, now: Time) -> bool {
        self.state.is_open()
            && now >= self.deadline
            && !self.escalations.iter().any(|e| e.stage == self.state)
    }

    /// Records the escalation of the current stage.
    pub fn escalate(&mut self, now: Time) {
        self.escalations.push(OpinionEscalation {
            stage: self.state,
            at: now,
        });
        self.version += 1;
    }

    /// Whether its authors may be unmasked: only once it went to command (an incident) or
    /// escalated, never while an analyst is merely reading the stream.
    pub fn may_unmask(&self) -> bool {
        self.state == OpinionState::Incident || !self.escalations.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> Time {
        chrono::Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    fn sighting(id: &str, level: OpinionLevel, score: f32) -> Sighting {
        Sighting {
            level,
            score,
            post: EvidencePost {
                post_id: id.into(),
                text: "我不想活了".into(),
                author: "p-1".into(),
                posted_at: t(0),
                url: None,
                terms: vec![],
                score,
                model_score: None,
            },
            place: None,
        }
    }

    fn alert(level: OpinionLevel, category: &str) -> OpinionAlert {
        OpinionAlert::open(
            1,
            "city",
            category,
            3.0,
            7,
            1,
            1.0,
            sighting("a", level, 3.5),
            t(0),
        )
        .unwrap()
    }

    #[test]
    fn no_category_outside_the_closed_list() {
        let e = OpinionAlert::open(
            1,
            "city",
            "political",
            3.0,
            1,
            1,
            1.0,
            sighting("a", OpinionLevel::High, 4.0),
            t(0),
        )
        .unwrap_err();
        assert_eq!(e.field(), Some("category"));
        for c in CATEGORIES {
            let t = crate::codes::incident_type(c.incident_type).unwrap();
            assert!(
                t.subtypes.iter().any(|s| s.code == c.incident_subtype),
                "{}",
                c.code
            );
        }
    }

    #[test]
    fn high_self_harm_must_be_taken_within_a_minute_and_escalates_once_per_stage() {
        let mut a = alert(OpinionLevel::High, "self_harm");
        assert_eq!(a.deadline, t(60));
        assert!(!a.escalation_due(t(59)));
        assert!(a.escalation_due(t(60)));
        a.escalate(t(60));
        assert!(!a.escalation_due(t(90)), "once per stage");
        assert!(a.may_unmask(), "an escalated alert may be unmasked");
        a.acknowledge("analyst", t(100)).unwrap();
        assert_eq!(a.deadline, t(700));
        assert!(
            a.escalation_due(t(700)),
            "the decision is late: a new stage"
        );
        assert_eq!(alert(OpinionLevel::High, "fire").deadline, t(300));
        assert_eq!(alert(OpinionLevel::Elevated, "fire").deadline, t(1800));
    }

    #[test]
    fn rising_to_high_tightens_the_deadline_and_evidence_keeps_the_strongest() {
        let mut a = alert(OpinionLevel::Elevated, "self_harm");
        a.sighted(sighting("b", OpinionLevel::High, 5.0), t(10));
        assert_eq!(
            (a.level, a.deadline, a.score),
            (OpinionLevel::High, t(60), 5.0)
        );
        for i in 0..6 {
            a.sighted(
                sighting(&format!("c{i}"), OpinionLevel::Elevated, 1.0 + i as f32),
                t(20),
            );
        }
        assert_eq!(a.evidence.len(), MAX_EVIDENCE);
        assert_eq!(a.evidence[0].post_id, "a", "the first post stays");
        assert!(a.evidence.iter().any(|e| e.post_id == "b"));
        assert!(
            !a.evidence.iter().any(|e| e.post_id == "c0"),
            "the weakest went"
        );
    }

    #[test]
    fn the_loop_ends_as_an_incident_or_dismissed_with_a_reason() {
        let mut a = alert(OpinionLevel::High, "fire");
        assert!(!a.may_unmask());
        assert_eq!(
            a.dismiss("x", " ", t(1)).unwrap_err().field(),
            Some("reason")
        );
        a.acknowledge("x", t(1)).unwrap();
        assert!(a.acknowledge("x", t(2)).is_err(), "already theirs");
        a.acknowledge("y", t(3)).unwrap();
        assert_eq!(a.owner(), Some("y"));
        a.to_incident("y", 42, t(4)).unwrap();
        assert_eq!((a.state, a.incident_id), (OpinionState::Incident, Some(42)));
        assert!(a.may_unmask());
        assert!(a.dismiss("y", "test", t(5)).is_err());
        let mut b = alert(OpinionLevel::Elevated, "fraud");
        b.dismiss("z", "广告帖", t(1)).unwrap();
        assert_eq!(b.owner(), Some("z"), "closing takes it on the way");
        assert_eq!(b.closed.unwrap().note.as_deref(), Some("广告帖"));
    }
}
