//! Screening of Chinese public posts for public-safety risks.
//!
//! A post is normalised ([`normalize`]), then every term of a lexicon is found in one pass of a
//! double-array Aho–Corasick automaton ([`daachorse`]). Each match is read in its clause: negated
//! ("不想跳楼"), hypothetical ("如果…"), past ("以前…") or about someone else ("他说要跳楼")
//! counts for little; what is left adds up per category into a score and a level. Every
//! [`Risk`] carries its evidence: the terms, where they are, how each was read.
//!
//! The categories are a closed list ([`Category`]): self-harm, violence, fire, explosion, traffic
//! accident, disaster, food poisoning, missing person, fraud, crowd crush. Nothing else can be
//! configured — a lexicon line naming another category is refused — so the screen can look for
//! public-safety risks only, never for opinions.
//!
//! This crate depends on no other Zhihui crate.

pub mod model;
mod normalize;
pub mod places;

use std::str::FromStr;

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};
use serde::Serialize;

pub use model::{Model, ModelError, TrainOptions};
pub use normalize::{is_cjk, normalize, normalize_with_offsets, original_span};

/// The public-safety risks the screen looks for, and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Suicide or self-harm.
    SelfHarm,
    /// Violence or threats of it.
    Violence,
    /// Fire.
    Fire,
    /// Explosion or gas leak.
    Explosion,
    /// Traffic accident.
    TrafficAccident,
    /// Earthquake, flood, landslide, collapse.
    Disaster,
    /// Food poisoning.
    FoodPoisoning,
    /// A missing person.
    MissingPerson,
    /// Fraud.
    Fraud,
    /// Crowd-crush danger.
    CrowdCrush,
}

impl Category {
    /// Every category, in a stable order.
    pub const ALL: [Category; 10] = [
        Category::SelfHarm,
        Category::Violence,
        Category::Fire,
        Category::Explosion,
        Category::TrafficAccident,
        Category::Disaster,
        Category::FoodPoisoning,
        Category::MissingPerson,
        Category::Fraud,
        Category::CrowdCrush,
    ];

    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::SelfHarm => "self_harm",
            Category::Violence => "violence",
            Category::Fire => "fire",
            Category::Explosion => "explosion",
            Category::TrafficAccident => "traffic_accident",
            Category::Disaster => "disaster",
            Category::FoodPoisoning => "food_poisoning",
            Category::MissingPerson => "missing_person",
            Category::Fraud => "fraud",
            Category::CrowdCrush => "crowd_crush",
        }
    }
}

impl FromStr for Category {
    type Err = ScreenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| ScreenError::UnknownCategory(s.to_owned()))
    }
}

/// What the screen refuses.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScreenError {
    /// A lexicon line names a category outside the closed list.
    #[error("unknown category `{0}`: the screen looks for public-safety risks only (self_harm, violence, fire, explosion, traffic_accident, disaster, food_poisoning, missing_person, fraud, crowd_crush)")]
    UnknownCategory(String),
    /// A lexicon line is malformed.
    #[error("lexicon line {line}: {message}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The automaton could not be built.
    #[error("lexicon: {0}")]
    Build(String),
}

/// How urgent a risk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Worth a look.
    Elevated,
    /// Act now: a plan or an act, in the first person, now.
    High,
}

/// How a lexicon term weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// A concrete plan or act (跳楼, 着火).
    Act,
    /// A signal (想死, 骗子).
    Sign,
}

#[derive(Debug, Clone)]
struct Term {
    category: Category,
    text: String,
    weight: f32,
    strength: Strength,
}

/// How a match was read in its clause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Reading {
    /// "不想跳楼", "没有着火".
    pub negated: bool,
    /// "如果我跳楼", "万一着火".
    pub hypothetical: bool,
    /// "以前想过跳楼".
    pub past: bool,
    /// "他说要跳楼": about someone else (still a risk, but not the writer's).
    pub third_person: bool,
}

impl Reading {
    /// How much of the term's weight counts.
    fn factor(&self) -> f32 {
        if self.negated || self.hypothetical {
            0.1
        } else if self.past {
            0.3
        } else if self.third_person {
            0.7
        } else {
            1.0
        }
    }
}

/// One matched term: the evidence of a risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The term as listed.
    pub term: String,
    /// Start, in characters of the normalised text.
    pub start: usize,
    /// End (exclusive), in characters of the normalised text.
    pub end: usize,
    /// How it was read.
    pub reading: Reading,
    /// The weight it added.
    pub weight: f32,
}

/// A risk found in a post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    /// What.
    pub category: Category,
    /// How urgent.
    pub level: Level,
    /// The sum of the weights of its evidence.
    pub score: f32,
    /// The matched terms.
    pub evidence: Vec<Evidence>,
    /// For self-harm with a trained model: its probability of high risk (the model's threshold
    /// decides the level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_score: Option<f32>,
}

/// A score at or above this raises a risk.
pub const ELEVATED_AT: f32 = 1.5;
/// A score at or above this, with an act read plainly, is high.
pub const HIGH_AT: f32 = 3.0;

/// The screen: a lexicon compiled into one automaton.
pub struct Screener {
    automaton: DoubleArrayAhoCorasick<u32>,
    terms: Vec<Term>,
    model: Option<Model>,
}

impl std::fmt::Debug for Screener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screener")
            .field("terms", &self.terms.len())
            .finish()
    }
}

/// The built-in lexicon (`lexicon/default.tsv`): what a server screens with until an analyst
/// saves another.
pub const DEFAULT_LEXICON: &str = include_str!("../lexicon/default.tsv");

const NEGATORS: [&str; 10] = [
    "不想", "不会", "不要", "不敢", "没有", "不", "没", "别", "未", "勿",
];
const HYPOTHETICAL: [&str; 7] = ["如果", "假如", "要是", "万一", "假设", "若是", "倘若"];
const PAST: [&str; 8] = [
    "以前",
    "曾经",
    "当年",
    "小时候",
    "去年",
    "上次",
    "那时",
    "之前",
];
const OTHERS: [&str; 11] = [
    "他", "她", "他们", "她们", "别人", "朋友", "同学", "同事", "邻居", "室友", "网友",
];

impl Screener {
    /// The screen with the default lexicon (`lexicon/default.tsv`).
    pub fn with_default_lexicon() -> Screener {
        Screener::from_lexicon(DEFAULT_LEXICON).expect("the default lexicon is valid")
    }

    /// Compiles a lexicon: lines `category<TAB>term<TAB>weight<TAB>act|sign`; `#` starts a comment.
    /// A category outside [`Category::ALL`] is refused.
    pub fn from_lexicon(text: &str) -> Result<Screener, ScreenError> {
        let mut terms = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |m: &str| ScreenError::BadLine {
                line: i + 1,
                message: m.to_owned(),
            };
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                return Err(bad(
                    "expected category, term, weight and act|sign separated by tabs",
                ));
            }
            // The line number travels with the refusal, so an editor can point at it.
            let category: Category = f[0].parse().map_err(|e: ScreenError| bad(&e.to_string()))?;
            let term = normalize(f[1]);
            if term.is_empty() {
                return Err(bad("empty term"));
            }
            let weight: f32 = f[2].parse().map_err(|_| bad("weight is not a number"))?;
            if !(0.0..=10.0).contains(&weight) {
                return Err(bad("weight outside 0..10"));
            }
            let strength = match f[3] {
                "act" => Strength::Act,
                "sign" => Strength::Sign,
                _ => return Err(bad("strength must be act or sign")),
            };
            terms.push(Term {
                category,
                text: term,
                weight,
                strength,
            });
        }
        if terms.is_empty() {
            return Err(ScreenError::Build("the lexicon has no terms".into()));
        }
        // One pattern per distinct text (a term in two categories keeps both through `terms`).
        let mut patterns: Vec<(String, u32)> = Vec::new();
        for (i, t) in terms.iter().enumerate() {
            if !patterns.iter().any(|(p, _)| *p == t.text) {
                patterns.push((t.text.clone(), i as u32));
            }
        }
        let automaton = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build_with_values(patterns)
            .map_err(|e| ScreenError::Build(e.to_string()))?;
        Ok(Screener {
            automaton,
            terms,
            model: None,
        })
    }

    /// How many terms the lexicon has.
    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// The risks in `text`, highest level and score first; none for a harmless post.
    pub fn screen(&self, text: &str) -> Vec<Risk> {
        let found = self.matches(text);
        let mut risks: Vec<Risk> = Vec::new();
        for c in Category::ALL {
            let mine: Vec<&(Category, Evidence, Strength)> =
                found.iter().filter(|f| f.0 == c).collect();
            let score: f32 = mine.iter().map(|f| f.1.weight).sum();
            // High: enough weight and at least one act read plainly, in the writer's own voice.
            let plain_act = mine
                .iter()
                .any(|f| f.2 == Strength::Act && f.1.reading == Reading::default());
            let mut level = if score >= HIGH_AT && plain_act {
                Some(Level::High)
            } else if score >= ELEVATED_AT {
                Some(Level::Elevated)
            } else {
                None
            };
            let mut model_score = None;
            if let (Category::SelfHarm, Some(m)) = (c, &self.model) {
                // The trained model decides high self-harm risk; the lexicon still raises an
                // elevated one.
                let p = m.probability(self, text);
                model_score = Some(p);
                level = if p >= m.threshold {
                    Some(Level::High)
                } else {
                    level.map(|_| Level::Elevated)
                };
            }
            let Some(level) = level else { continue };
            risks.push(Risk {
                category: c,
                level,
                score,
                evidence: mine.into_iter().map(|f| f.1.clone()).collect(),
                model_score,
            });
        }
        risks.sort_by(|a, b| b.level.cmp(&a.level).then(b.score.total_cmp(&a.score)));
        risks
    }

    /// The screen with a trained model deciding high self-harm risk.
    pub fn with_model(mut self, model: Model) -> Screener {
        self.model = Some(model);
        self
    }

    /// The trained model, if any.
    pub fn model(&self) -> Option<&Model> {
        self.model.as_ref()
    }

    /// Every lexicon match in `text`, with its category, how it was read and its strength.
    pub fn matches(&self, text: &str) -> Vec<(Category, Evidence, Strength)> {
        let norm = normalize(text);
        let chars: Vec<char> = norm.chars().collect();
        // Byte offset → character offset.
        let mut char_at = vec![0usize; norm.len() + 1];
        let mut ci = 0;
        for (b, _) in norm.char_indices() {
            char_at[b] = ci;
            ci += 1;
        }
        char_at[norm.len()] = ci;
        let at = starts(&chars);
        let mut found: Vec<(Category, Evidence, Strength)> = Vec::new();
        for m in self.automaton.leftmost_find_iter(&norm) {
            let (start, end) = (char_at[m.start()], char_at[m.end()]);
            let text_of = &self.terms[m.value() as usize].text;
            let reading = read(&chars, start, at[start]);
            for t in self.terms.iter().filter(|t| t.text == *text_of) {
                let weight = t.weight * reading.factor();
                found.push((
                    t.category,
                    Evidence {
                        term: t.text.clone(),
                        start,
                        end,
                        reading,
                        weight,
                    },
                    t.strength,
                ));
            }
        }
        found
    }
}

/// Whether any of `words` occurs in `hay`.
fn has_any(hay: &str, words: &[&str]) -> bool {
    words.iter().any(|w| hay.contains(w))
}

/// How far back a match's clause and sentence are read, in characters: enough for a sentence,
/// and a post of a million characters stays linear.
const CONTEXT: usize = 40;

/// Where each character's clause and sentence start: `(clause, sentence)` per character index.
fn starts(chars: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(chars.len() + 1);
    let (mut clause, mut sentence) = (0, 0);
    for (i, &c) in chars.iter().enumerate() {
        out.push((clause, sentence));
        if matches!(
            c,
            '。' | '!' | '?' | ';' | ',' | '，' | '！' | '？' | '；' | '\n' | '.' | '…'
        ) {
            clause = i + 1;
        }
        if matches!(c, '。' | '!' | '?' | '！' | '？' | '\n') {
            sentence = i + 1;
        }
    }
    out.push((clause, sentence));
    out
}

/// Reads the match starting at character `start` in its clause (`at` from [`starts`]).
fn read(chars: &[char], start: usize, at: (usize, usize)) -> Reading {
    let floor = start.saturating_sub(CONTEXT);
    let (clause_start, sentence_start) = (at.0.max(floor), at.1.max(floor));
    let sentence: String = chars[sentence_start..start].iter().collect();
    // A negator just before the term: "不想跳楼", "没着火" (within three characters).
    let near: String = chars[start.saturating_sub(3).max(clause_start)..start]
        .iter()
        .collect();
    let negated = has_any(&near, &NEGATORS);
    let hypothetical = has_any(&sentence, &HYPOTHETICAL);
    let past = has_any(&sentence, &PAST);
    // Someone else's words or plan: another person named in the sentence before the term, and the
    // writer not.
    let third_person = has_any(&sentence, &OTHERS) && !sentence.contains('我');
    Reading {
        negated,
        hypothetical,
        past,
        third_person,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(s: &Screener, text: &str) -> Option<(Category, Level)> {
        s.screen(text).first().map(|r| (r.category, r.level))
    }

    #[test]
    fn a_plan_in_the_first_person_is_high_and_the_evidence_says_why() {
        let s = Screener::with_default_lexicon();
        let r = s.screen("我今晚就去跳楼,遗书已经写好了");
        assert_eq!(
            (r[0].category, r[0].level),
            (Category::SelfHarm, Level::High)
        );
        let terms: Vec<&str> = r[0].evidence.iter().map(|e| e.term.as_str()).collect();
        assert!(
            terms.contains(&"跳楼") && terms.contains(&"遗书"),
            "{terms:?}"
        );
        assert_eq!(
            &"我今晚就去跳楼".chars().collect::<Vec<_>>()
                [r[0].evidence[0].start..r[0].evidence[0].end],
            &['跳', '楼']
        );
    }

    #[test]
    fn negation_hypotheticals_the_past_and_other_people_are_read_as_such() {
        let s = Screener::with_default_lexicon();
        assert_eq!(top(&s, "我不想跳楼,我想好好活着"), None, "negated");
        assert_eq!(top(&s, "如果考不上我就跳楼"), None, "hypothetical");
        let past = s.screen("以前想过跳楼,割腕,现在好多了");
        assert!(
            past.iter().all(|r| r.level == Level::Elevated),
            "past: {past:?}"
        );
        let other = s.screen("他说要跳楼,人已经在天台上了");
        assert_eq!(other[0].category, Category::SelfHarm);
        assert_eq!(
            other[0].level,
            Level::Elevated,
            "about someone else: {other:?}"
        );
        assert!(other[0].evidence.iter().any(|e| e.reading.third_person));
    }

    #[test]
    fn spacing_full_width_and_emoji_tricks_do_not_hide_a_risk() {
        let s = Screener::with_default_lexicon();
        for t in [
            "我现在就去跳 楼,遗书写好了",
            "我现在就去跳.楼[泪],遗书写好了",
            "我现在就去跳\u{200b}楼,遗书写好了",
        ] {
            assert_eq!(top(&s, t), Some((Category::SelfHarm, Level::High)), "{t}");
        }
        assert_eq!(
            top(&s, "我现在就去跳樓,遺書寫好了"),
            Some((Category::SelfHarm, Level::High)),
            "traditional characters read as simplified"
        );
        // Pinyin, euphemisms, and Cyrillic letters posing as Latin ones.
        for t in [
            "今晚我就去 tiao 楼了",
            "今晚我就去ТІАО楼了",
            "今晚我就去跳lou了",
        ] {
            assert_eq!(top(&s, t), Some((Category::SelfHarm, Level::High)), "{t}");
        }
        for t in ["好想紫砂", "真的想zіsha了"] {
            assert_eq!(
                top(&s, t),
                Some((Category::SelfHarm, Level::Elevated)),
                "{t}"
            );
        }
    }

    #[test]
    fn other_categories_and_harmless_posts() {
        let s = Screener::with_default_lexicon();
        assert_eq!(
            top(&s, "小区3号楼着火了,浓烟很大").map(|x| x.0),
            Some(Category::Fire)
        );
        assert_eq!(
            top(&s, "路口两车相撞,发生车祸").map(|x| x.0),
            Some(Category::TrafficAccident)
        );
        assert_eq!(
            top(&s, "刚才地震了,震感很强").map(|x| x.0),
            Some(Category::Disaster)
        );
        assert_eq!(
            top(&s, "我妈被骗了,对方让她转账到安全账户").map(|x| x.0),
            Some(Category::Fraud)
        );
        assert_eq!(top(&s, "今天天气真好,去公园散步"), None);
        assert_eq!(top(&s, ""), None);
    }

    #[test]
    fn no_category_outside_the_closed_list_can_be_configured() {
        let e = Screener::from_lexicon("fire\t着火\t3\tact\npolitics\t某某\t3\tact").unwrap_err();
        assert!(
            matches!(e, ScreenError::BadLine { line: 2, ref message } if message.contains("unknown category `politics`")),
            "{e}"
        );
        assert!("politics".parse::<Category>().is_err());
        assert!(matches!(
            Screener::from_lexicon("fire\t着火\tx\tact"),
            Err(ScreenError::BadLine { line: 1, .. })
        ));
        assert!(matches!(
            Screener::from_lexicon("fire\t着火\t3"),
            Err(ScreenError::BadLine { .. })
        ));
        assert!(matches!(
            Screener::from_lexicon("# only a comment\n"),
            Err(ScreenError::Build(_))
        ));
        assert_eq!(
            Screener::from_lexicon("fire\t着火\t3\tact\n")
                .unwrap()
                .term_count(),
            1
        );
    }

    #[test]
    fn huge_and_odd_inputs_never_panic() {
        let s = Screener::with_default_lexicon();
        let big = "跳楼".repeat(50_000);
        assert!(!s.screen(&big).is_empty());
        for t in ["\u{0}", "[[[[]]]]", "。。。", "不", "我", "\u{feff}跳楼"] {
            let _ = s.screen(t);
        }
    }
}
