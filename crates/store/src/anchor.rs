//! Audit anchoring: the audit chain's head, signed, in an append-only file outside the database.
//!
//! The hash chain inside the database shows an edit or a removal *before* the newest entry, but
//! not the loss of its own tail (delete the last rows and the rest still links), nor a rewrite
//! that recomputes every hash after the edit. So after each commit batch that added audit
//! entries, the head (sequence number and hash) is appended as one line to a checkpoint file and
//! fsync'd, each line carrying an HMAC-SHA256 made with a key that lives outside the data
//! directory. `zhihui audit verify` then checks the chain against every checkpoint:
//!
//! * a checkpoint naming an entry the database no longer has: the tail was truncated (one entry,
//!   a hundred, or all of them);
//! * a checkpoint whose hash differs from the stored entry's: the chain was rewritten, even with
//!   every hash recomputed;
//! * a line whose signature does not check out: the checkpoint file itself was edited.
//!
//! The lines are written by a background thread, so a write is acknowledged without waiting for
//! this second fsync: the checkpoint may trail the database by the batches of the last few
//! milliseconds (after a crash, the entries past the newest checkpoint are reported as
//! "not yet anchored", never as tampering). What it cannot detect: tampering by someone who also
//! holds the key (they can sign a new checkpoint file), removal of entries written after the
//! newest checkpoint, and the deletion of both the database rows and the whole checkpoint file
//! when the verifier is not told to expect one (`audit verify --audit-key` does expect one).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::StoreError;

/// Name of the checkpoint file inside the data directory (the database is elsewhere in it; what
/// protects the file is the key, which is not).
pub const CHECKPOINT_FILE: &str = "audit.checkpoints";

/// Domain separation: a checkpoint MAC can never be mistaken for any other use of the key.
const MAC_CONTEXT: &[u8] = b"zhihui-audit-checkpoint/v1\n";

/// The secret that signs checkpoints: 32 random bytes, stored as 64 hex digits.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.write_str("AuditKey(…)")
    }
}

impl AuditKey {
    /// Reads a key file written by [`AuditKey::generate`].
    pub fn load(path: &Path) -> Result<AuditKey, StoreError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StoreError::Config(format!("audit key {}: {e}", path.display())))?;
        let bytes = hex::decode(text.trim()).map_err(|_| {
            StoreError::Config(format!(
                "audit key {}: not 64 hexadecimal digits",
                path.display()
            ))
        })?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| {
            StoreError::Config(format!(
                "audit key {}: not 64 hexadecimal digits",
                path.display()
            ))
        })?;
        Ok(AuditKey(key))
    }

    /// Makes a new random key and writes it to `path` (readable by its owner only); refuses to
    /// overwrite an existing file.
    pub fn generate(path: &Path) -> Result<AuditKey, StoreError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| StoreError::Config(format!("no randomness for the audit key: {e}")))?;
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(path)?;
        f.write_all(format!("{}\n", hex::encode(key)).as_bytes())?;
        f.sync_all()?;
        Ok(AuditKey(key))
    }

    /// Loads the key at `path`, making it first if there is none (the demo's convenience).
    pub fn load_or_generate(path: &Path) -> Result<AuditKey, StoreError> {
        if path.exists() {
            AuditKey::load(path)
        } else {
            AuditKey::generate(path)
        }
    }

    /// The MAC of one checkpoint line's body, before finishing.
    fn hmac(&self, body: &str) -> Hmac<Sha256> {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("any key length");
        m.update(MAC_CONTEXT);
        m.update(body.as_bytes());
        m
    }

    fn mac(&self, body: &str) -> String {
        hex::encode(self.hmac(body).finalize().into_bytes())
    }

    fn check(&self, body: &str, mac_hex: &str) -> bool {
        // Constant-time comparison.
        hex::decode(mac_hex).is_ok_and(|tag| self.hmac(body).verify_slice(&tag).is_ok())
    }
}

/// Where the checkpoints go and what signs them.
#[derive(Debug, Clone)]
pub struct AnchorConfig {
    /// The checkpoint file (normally `DATA_DIR/audit.checkpoints`).
    pub path: PathBuf,
    /// The signing key.
    pub key: AuditKey,
}

/// One line of the checkpoint file: `SEQ HASH AT MAC`.
fn line(key: &AuditKey, seq: i64, hash: &str, at: &str) -> String {
    let body = format!("{seq} {hash} {at}");
    let mac = key.mac(&body);
    format!("{body} {mac}\n")
}

enum Msg {
    Head(i64, String),
    /// Answered once every head noted before it is on disk.
    Flush(mpsc::SyncSender<()>),
}

/// The background appender: the writer hands it each new head; it coalesces what queued up while
/// it was syncing and writes only the newest.
#[derive(Clone)]
pub(crate) struct Anchor {
    tx: mpsc::Sender<Msg>,
}

impl Anchor {
    pub(crate) fn start(cfg: AnchorConfig) -> Result<Anchor, StoreError> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&cfg.path)?;
        // A crash can leave a torn last line: start on a fresh line so the next one parses.
        // Only the last byte matters: no need to read a file that grows for as long as the
        // data directory lives.
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            let mut r = File::open(&cfg.path)?;
            r.seek(SeekFrom::Start(len - 1))?;
            r.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        let (tx, rx) = mpsc::channel::<Msg>();
        let key = cfg.key;
        std::thread::Builder::new()
            .name("zhihui-audit-anchor".into())
            .spawn(move || {
                let mut last = 0i64;
                let mut write = |head: Option<(i64, String)>| {
                    let Some((seq, hash)) = head else { return };
                    if seq <= last {
                        return;
                    }
                    let at = crate::ts(&chrono::Utc::now());
                    let text = line(&key, seq, &hash, &at);
                    // One write(2) per line on an O_APPEND file: lines from two processes (the
                    // server and `zhihui user add`) never interleave.
                    match file
                        .write_all(text.as_bytes())
                        .and_then(|()| file.sync_data())
                    {
                        Ok(()) => last = seq,
                        Err(e) => tracing::error!(error = %e, "audit checkpoint not written"),
                    }
                };
                while let Ok(first) = rx.recv() {
                    let mut head = None;
                    let mut waiting = Vec::new();
                    for m in std::iter::once(first).chain(rx.try_iter()) {
                        match m {
                            Msg::Head(seq, hash) => head = Some((seq, hash)),
                            Msg::Flush(done) => waiting.push(done),
                        }
                    }
                    write(head);
                    for w in waiting {
                        let _ = w.send(());
                    }
                }
            })?;
        Ok(Anchor { tx })
    }

    pub(crate) fn note(&self, seq: i64, hash: &str) {
        if seq > 0 {
            let _ = self.tx.send(Msg::Head(seq, hash.to_owned()));
        }
    }

    /// Blocks until every head noted so far is written and synced.
    pub(crate) fn flush(&self) {
        let (done, wait) = mpsc::sync_channel(1);
        if self.tx.send(Msg::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

/// A checkpoint as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Line number in the file, from 1.
    pub line: usize,
    /// The audit entry it anchors.
    pub seq: i64,
    /// That entry's hash at the time.
    pub hash: String,
}

/// What reading the checkpoint file found.
#[derive(Debug, Clone, Default)]
pub struct Checkpoints {
    /// The lines whose signature checks out, by entry (the last line for an entry wins).
    pub valid: BTreeMap<i64, Checkpoint>,
    /// Lines that are not a checkpoint signed by this key: `(line, why)`.
    pub bad: Vec<(usize, String)>,
    /// A torn final line (a crash mid-write), ignored.
    pub torn_tail: bool,
}

/// Reads and checks every line of a checkpoint file.
pub fn read_checkpoints(path: &Path, key: &AuditKey) -> Result<Checkpoints, StoreError> {
    let mut text = String::new();
    File::open(path)?.read_to_string(&mut text)?;
    let mut out = Checkpoints::default();
    let ends_clean = text.is_empty() || text.ends_with('\n');
    let lines: Vec<&str> = text.split('\n').collect();
    let n = lines.len();
    for (i, l) in lines.into_iter().enumerate() {
        let no = i + 1;
        if l.is_empty() {
            continue;
        }
        let parts: Vec<&str> = l.split(' ').collect();
        let parsed = match parts.as_slice() {
            [seq, hash, at, mac] => seq.parse::<i64>().ok().map(|s| (s, *hash, *at, *mac)),
            _ => None,
        };
        // A last line without its newline is a crash mid-write, not tampering.
        let torn = no == n && !ends_clean;
        let why = match parsed {
            None => Some("not a checkpoint line"),
            Some((seq, hash, at, mac)) if !key.check(&format!("{seq} {hash} {at}"), mac) => {
                Some("signature does not match (edited, or signed with another key)")
            }
            Some(_) => None,
        };
        if let Some(why) = why {
            if torn {
                out.torn_tail = true;
            } else {
                out.bad.push((no, why.into()));
            }
            continue;
        }
        let Some((seq, hash, ..)) = parsed else {
            continue;
        };
        out.valid.insert(
            seq,
            Checkpoint {
                line: no,
                seq,
                hash: hash.to_owned(),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_verifies_only_with_its_key_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let k1 = AuditKey::generate(&dir.path().join("k1")).unwrap();
        let k2 = AuditKey::generate(&dir.path().join("k2")).unwrap();
        let path = dir.path().join(CHECKPOINT_FILE);
        let mut text = line(&k1, 5, "ab", "2026-01-01T00:00:00.000Z");
        text += &line(&k2, 6, "cd", "2026-01-01T00:00:01.000Z");
        text += &line(&k1, 7, "ef", "2026-01-01T00:00:02.000Z").replace(" ef ", " ee ");
        text += "8 12 2026-";
        std::fs::write(&path, &text).unwrap();
        let c = read_checkpoints(&path, &k1).unwrap();
        assert_eq!(c.valid.keys().copied().collect::<Vec<_>>(), vec![5]);
        assert_eq!(c.bad.iter().map(|b| b.0).collect::<Vec<_>>(), vec![2, 3]);
        assert!(c.torn_tail);
        assert!(
            AuditKey::generate(&dir.path().join("k1")).is_err(),
            "never overwrites a key"
        );
        assert_eq!(AuditKey::load(&dir.path().join("k1")).unwrap().0, k1.0);
    }
}
