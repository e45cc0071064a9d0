//! What is worked out before a write, off the writer thread: each post is screened
//! (`zhihui-screen`), its author replaced by a pseudonym (a keyed hash) and — only when it raised
//! a risk — sealed under a key that never enters the database, its place guessed, and its
//! near-duplicate signature computed (MinHash over character shingles, `gaoya`). The writer then
//! only looks things up and writes ([`super::commands::ingest`]).

use std::path::Path;
use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use gaoya::minhash::{MinHasher, MinHasher32};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zhihui_core::opinion::{OpinionLevel, PlaceGuess, PublicPost, Term, MAX_POSTS_PER_BATCH};
use zhihui_core::{DomainError, LonLat, Time};
use zhihui_screen::{original_span, Screener};

use crate::StoreError;

/// Hashes in a post's signature: [`BANDS`] bands of [`ROWS`].
pub const SIGNATURE_LEN: usize = BANDS * ROWS;
/// LSH bands: two posts share a band with probability 1 - (1 - J^ROWS)^BANDS (J = 0.5: 0.93).
pub const BANDS: usize = 20;
/// Rows per band.
pub const ROWS: usize = 3;
/// Estimated Jaccard similarity of character shingles at which a post joins a cluster.
pub const SAME_CLUSTER_AT: f64 = 0.5;

/// The keys that keep authors pseudonymous: one for the keyed hash that names an author in the
/// database, one for sealing the handle of an author whose post raised an alert. Both are derived
/// from one secret kept outside the database (`--opinion-key`, a file of 64 hex digits), so a
/// copy of the database alone names nobody.
pub struct AuthorKeys {
    pseudonym: [u8; 32],
    seal: ChaCha20Poly1305,
}

impl std::fmt::Debug for AuthorKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthorKeys(..)")
    }
}

fn derive(secret: &[u8], label: &str) -> [u8; 32] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(label.as_bytes());
    m.finalize().into_bytes().into()
}

impl AuthorKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8]) -> Result<AuthorKeys, StoreError> {
        if secret.len() < 32 {
            return Err(StoreError::Config(
                "the opinion key needs at least 32 bytes".into(),
            ));
        }
        let seal = derive(secret, "zhihui opinion seal v1");
        Ok(AuthorKeys {
            pseudonym: derive(secret, "zhihui opinion pseudonym v1"),
            seal: ChaCha20Poly1305::new_from_slice(&seal).expect("32-byte key"),
        })
    }

    /// Reads the secret from `path` (64 hex digits), creating it (mode 0600) when it does not
    /// exist yet.
    pub fn load_or_create(path: &Path) -> Result<AuthorKeys, StoreError> {
        if !path.exists() {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret)
                .map_err(|e| StoreError::Config(format!("no randomness for the key: {e}")))?;
            write_private(path, &hex::encode(secret))?;
        }
        let text = std::fs::read_to_string(path)?;
        let secret = hex::decode(text.trim()).map_err(|_| {
            StoreError::Config(format!("{}: expected 64 hex digits", path.display()))
        })?;
        AuthorKeys::from_secret(&secret)
    }

    /// The author's pseudonym: `p-` and 16 hex digits of a keyed hash of the handle (case and
    /// surrounding space ignored), the same for every post of the author — and for every
    /// mention of them (`@handle` in a repost reads `@p-…`).
    pub fn pseudonym(&self, author: &str) -> String {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.pseudonym).expect("any key length");
        m.update(author.trim().to_lowercase().as_bytes());
        format!("p-{}", hex::encode(&m.finalize().into_bytes()[..8]))
    }

    /// The text with every `@handle` (a mention, or a repost's `//@handle:`) replaced by the
    /// handle's pseudonym, so that a stored post names nobody either.
    pub fn mask_mentions(&self, text: &str) -> String {
        let handle_char =
            |c: char| c.is_alphanumeric() || c == '_' || c == '-' || zhihui_screen::is_cjk(c);
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c != '@' && c != '＠' {
                continue;
            }
            let mut handle = String::new();
            while let Some(&n) = chars.peek() {
                if !handle_char(n) || handle.chars().count() >= 30 {
                    break;
                }
                handle.push(n);
                chars.next();
            }
            if !handle.is_empty() {
                out.push_str(&self.pseudonym(&handle));
            }
        }
        out
    }

    /// The handle sealed (a random nonce, then the ciphertext with its tag).
    pub fn seal(&self, author: &str) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce)
            .map_err(|e| StoreError::Config(format!("no randomness: {e}")))?;
        let ct = self
            .seal
            .encrypt(Nonce::from_slice(&nonce), author.trim().as_bytes())
            .map_err(|_| StoreError::Corrupt("sealing failed".into()))?;
        Ok([nonce.as_slice(), &ct].concat())
    }

    /// The handle a [`seal`](Self::seal) holds; a seal made under another key is refused.
    pub fn unseal(&self, sealed: &[u8]) -> Result<String, StoreError> {
        if sealed.len() < 12 + 16 {
            return Err(StoreError::Corrupt("sealed author too short".into()));
        }
        let plain = self
            .seal
            .decrypt(Nonce::from_slice(&sealed[..12]), &sealed[12..])
            .map_err(|_| {
                StoreError::Config("the author was sealed under another opinion key".into())
            })?;
        String::from_utf8(plain).map_err(|_| StoreError::Corrupt("sealed author".into()))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> Result<(), StoreError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> Result<(), StoreError> {
    std::fs::write(path, text)?;
    Ok(())
}

/// Finds places named in a post's text (the gazetteer of the city's roads and divisions).
pub trait Locate: Send + Sync {
    /// The best place named in `text`, if any.
    fn locate(&self, text: &str) -> Option<PlaceGuess>;
}

impl Locate for zhihui_screen::places::PlaceFinder {
    fn locate(&self, text: &str) -> Option<PlaceGuess> {
        let p = self.best_place(text)?;
        Some(PlaceGuess {
            location: LonLat {
                lon: p.lon?,
                lat: p.lat?,
            },
            text: p.text,
            confidence: p.confidence,
            source: "text".into(),
        })
    }
}

/// The place finder of a city: its named roads and its points of interest and house numbers
/// (with coordinates) beside the built-in divisions and countries.
pub fn place_finder(
    net: Option<&zhihui_roads::RoadNetwork>,
    places: Option<&zhihui_roads::Places>,
) -> zhihui_screen::places::PlaceFinder {
    use zhihui_screen::places::{PlaceFinder, PlaceSource};
    let roads = net
        .map(|n| n.named_points())
        .unwrap_or_default()
        .into_iter()
        .map(|(name, lon, lat)| (name, PlaceSource::Road, lon, lat));
    let doors: Vec<(String, PlaceSource, f64, f64)> = places
        .map(|p| {
            p.iter()
                .map(|pl| (pl.label.clone(), PlaceSource::Poi, pl.lon, pl.lat))
                .collect()
        })
        .unwrap_or_default();
    PlaceFinder::new(roads.chain(doors))
}

/// What screening needs: the screen (swapped whole when an analyst reloads the lexicon), the
/// author keys and, when the server has a gazetteer, the place finder.
#[derive(Clone)]
pub struct Screening {
    /// The screen.
    pub screener: Arc<Screener>,
    /// The author keys.
    pub keys: Arc<AuthorKeys>,
    /// The place finder.
    pub places: Option<Arc<dyn Locate>>,
}

impl std::fmt::Debug for Screening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screening")
            .field("screener", &self.screener)
            .field("places", &self.places.is_some())
            .finish()
    }
}

/// One category a post reads as a risk.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskReading {
    /// Category code.
    pub category: String,
    /// Level.
    pub level: OpinionLevel,
    /// The screen's score.
    pub score: f32,
    /// The score that makes `high` (the model's threshold when it decided).
    pub threshold: f32,
    /// The model's probability, if it decided.
    pub model_score: Option<f32>,
    /// The terms, with their places in the text as written.
    pub terms: Vec<Term>,
}

/// A post ready to be written: no author handle left in it.
#[derive(Debug, Clone)]
pub struct Screened {
    /// Id in its source.
    pub id: String,
    /// Text as posted.
    pub text: String,
    /// Address.
    pub url: Option<String>,
    /// When posted.
    pub posted_at: Time,
    /// Geotag.
    pub geotag: Option<LonLat>,
    /// Pseudonym of the author.
    pub author_key: String,
    /// The sealed handle: only for a post that reads a risk.
    pub sealed_author: Option<Vec<u8>>,
    /// What it reads.
    pub risks: Vec<RiskReading>,
    /// Where it is thought to be.
    pub place: Option<PlaceGuess>,
    /// Near-duplicate signature.
    pub signature: Vec<u32>,
}

/// The part of a post that reposts share: on Weibo a repost reads `comment//@who: original`,
/// so the last segment is the post being spread (when it says something).
fn spread_text(normalized: &str) -> &str {
    normalized
        .rsplit("//@")
        .next()
        .and_then(|seg| seg.split_once(':').map(|(_, rest)| rest))
        .map(str::trim)
        .filter(|rest| rest.chars().count() >= 5)
        .unwrap_or(normalized)
}

/// The MinHash signature of a text's character 3-shingles.
pub fn signature(text: &str) -> Vec<u32> {
    thread_local! {
        static HASHER: MinHasher32<fnv::FnvBuildHasher> = MinHasher32::new(SIGNATURE_LEN);
    }
    let norm = zhihui_screen::normalize(text);
    let chars: Vec<char> = spread_text(&norm)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let shingles: Vec<String> = if chars.len() < 3 {
        vec![chars.iter().collect()]
    } else {
        chars.windows(3).map(|w| w.iter().collect()).collect()
    };
    HASHER.with(|h| h.create_signature(shingles.iter()))
}

/// The estimated Jaccard similarity of two signatures.
pub fn similarity(a: &[u32], b: &[u32]) -> f64 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
}

/// The LSH keys of a signature, one per band (the band's number mixed in).
pub fn band_keys(sig: &[u32]) -> Vec<i64> {
    sig.chunks(ROWS)
        .enumerate()
        .map(|(band, rows)| {
            // FNV-1a: stable across builds and versions, unlike std's hasher.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in (band as u32)
                .to_le_bytes()
                .into_iter()
                .chain(rows.iter().flat_map(|r| r.to_le_bytes()))
            {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            h as i64
        })
        .collect()
}

/// Validates a batch (nothing is screened when one post is bad) and screens every post.
pub fn prepare(
    s: &Screening,
    posts: Vec<PublicPost>,
    now: Time,
) -> Result<Vec<Screened>, StoreError> {
    if posts.is_empty() {
        return Err(DomainError::invalid("posts", "no posts").into());
    }
    if posts.len() > MAX_POSTS_PER_BATCH {
        return Err(DomainError::invalid(
            "posts",
            format!("at most {MAX_POSTS_PER_BATCH} posts per delivery"),
        )
        .into());
    }
    let mut geotags = Vec::with_capacity(posts.len());
    for (i, p) in posts.iter().enumerate() {
        geotags.push(p.validate(i, now)?);
    }
    posts
        .into_iter()
        .zip(geotags)
        .map(|(p, geotag)| screen_one(s, p, geotag))
        .collect()
}

fn screen_one(
    s: &Screening,
    mut p: PublicPost,
    geotag: Option<LonLat>,
) -> Result<Screened, StoreError> {
    // Mentions become pseudonyms before anything else, so the stored text, the evidence's
    // offsets and the signature all see the same text.
    p.text = s.keys.mask_mentions(&p.text);
    let (_, map) = zhihui_screen::normalize_with_offsets(&p.text);
    let risks: Vec<RiskReading> = s
        .screener
        .screen(&p.text)
        .into_iter()
        .map(|r| RiskReading {
            category: r.category.as_str().to_owned(),
            level: match r.level {
                zhihui_screen::Level::High => OpinionLevel::High,
                zhihui_screen::Level::Elevated => OpinionLevel::Elevated,
            },
            score: r.score,
            threshold: match (r.model_score, s.screener.model()) {
                (Some(_), Some(m)) => m.threshold,
                _ => zhihui_screen::HIGH_AT,
            },
            model_score: r.model_score,
            terms: r
                .evidence
                .iter()
                .filter_map(|e| {
                    let (start, end) = original_span(&map, e.start, e.end)?;
                    let mut reading = Vec::new();
                    for (on, name) in [
                        (e.reading.negated, "negated"),
                        (e.reading.hypothetical, "hypothetical"),
                        (e.reading.past, "past"),
                        (e.reading.third_person, "third_person"),
                    ] {
                        if on {
                            reading.push(name.to_owned());
                        }
                    }
                    Some(Term {
                        term: e.term.clone(),
                        start,
                        end,
                        reading,
                    })
                })
                .collect(),
        })
        .collect();
    let place = match geotag {
        Some(at) => Some(PlaceGuess {
            text: "geotag".into(),
            location: at,
            confidence: 0.9,
            source: "geotag".into(),
        }),
        None if !risks.is_empty() => s.places.as_ref().and_then(|l| l.locate(&p.text)),
        None => None,
    };
    let sealed_author = if risks.is_empty() {
        None
    } else {
        Some(s.keys.seal(&p.author)?)
    };
    Ok(Screened {
        id: p.id.trim().to_owned(),
        author_key: s.keys.pseudonym(&p.author),
        sealed_author,
        signature: signature(&p.text),
        text: p.text,
        url: p.url,
        posted_at: p.posted_at,
        geotag,
        risks,
        place,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_seals_open_only_under_their_key() {
        let k = AuthorKeys::from_secret(&[7u8; 32]).unwrap();
        let other = AuthorKeys::from_secret(&[8u8; 32]).unwrap();
        assert_eq!(k.pseudonym("WeiboUser"), k.pseudonym(" weibouser "));
        assert_ne!(k.pseudonym("WeiboUser"), other.pseudonym("WeiboUser"));
        assert!(!k.pseudonym("WeiboUser").contains("eibo"));
        let sealed = k.seal("小明同学").unwrap();
        assert_ne!(
            sealed,
            k.seal("小明同学").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(k.unseal(&sealed).unwrap(), "小明同学");
        assert!(other.unseal(&sealed).is_err());
        assert!(AuthorKeys::from_secret(&[1u8; 16]).is_err());
        let masked = k.mask_mentions("快救救她//@WeiboUser:我在桥上 @小明同学 你看");
        assert!(
            !masked.contains("WeiboUser") && !masked.contains("小明同学"),
            "{masked}"
        );
        assert!(
            masked.contains(&format!("//@{}:", k.pseudonym("weibouser"))),
            "{masked}"
        );
        assert_eq!(k.mask_mentions("没有提到任何人 a@"), "没有提到任何人 a@");
    }

    #[test]
    fn reposts_share_a_signature_band_and_other_posts_do_not() {
        let original = "我在滨江路大桥上,已经写好遗书了,今晚就跳下去,再见了这个世界";
        let repost = format!("天哪快救救她//@路人甲:{original}");
        let edited = "我在滨江路大桥上,已经写好遗书了,今晚就跳下去,再见了这个世界!!";
        let other = "今天的晚霞真好看,和朋友在江边散步吃了烧烤";
        let (a, b, c, d) = (
            signature(original),
            signature(&repost),
            signature(edited),
            signature(other),
        );
        assert_eq!(similarity(&a, &b), 1.0, "the reposted part is the original");
        assert!(similarity(&a, &c) >= SAME_CLUSTER_AT);
        assert!(similarity(&a, &d) < 0.2);
        let (ka, kc, kd) = (band_keys(&a), band_keys(&c), band_keys(&d));
        assert_eq!(ka.len(), BANDS);
        assert!(ka.iter().any(|k| kc.contains(k)));
        assert!(!ka.iter().any(|k| kd.contains(k)));
    }
}
