//! Case linking for fraud reports (串并案): which reports are one ring.
//!
//! Each report carries identifiers — phone numbers, bank accounts and cards, payment and chat
//! ids, URLs, IP addresses, device ids, aliases. Each is normalised ([`normalize`]) so that
//! `+86 138 0013 8000`, `0086-13800138000` and `１３８００１３８０００` are one number, a card's check
//! digit is verified, a URL becomes its registrable host. Reports are then joined by union-find
//! over equal identifiers, incrementally ([`Linker::add`]), and every join keeps its evidence (the
//! identifier and the report it was shared with).
//!
//! An identifier common to unrelated reports must not chain them together. Three rules keep that
//! from happening:
//! - **Public identifiers never link**: service numbers (95588, 96110, 400/800 lines, short
//!   numbers), the popular websites everyone visits, private and reserved IP addresses.
//! - **Strong identifiers link always** (a mobile or landline number, an account, a card, a
//!   payment or chat id, a device id): a ring's account shared by 450 victims is one ring.
//! - **Weak identifiers link only while rare** (a URL host: a fraud site): one seen in more
//!   reports than [`LinkOptions::weak_cap`] is something many people share (a shopping site) and
//!   stops linking — the clusters are then rebuilt without it.
//! - **Evidence only** (an IP address, an alias): addresses are shared by whole cafés and mobile
//!   carriers' NAT, and names are common; they are kept and shown as supporting evidence within a
//!   cluster but never join two reports by themselves.
//!
//! An analyst's rejection of a link ([`Linker::reject`]) removes that identifier from that
//! report's links for good.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

/// What an identifier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A telephone number.
    Phone,
    /// A bank account number.
    BankAccount,
    /// A payment card number (Luhn-checked).
    Card,
    /// A payment-platform id (Alipay, WeChat Pay).
    PaymentId,
    /// A chat id (QQ, WeChat).
    ChatId,
    /// A web address (linked by its host).
    Url,
    /// An IP address.
    Ip,
    /// A device id (IMEI, advertising id).
    DeviceId,
    /// A name the fraudster used.
    Alias,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 9] = [
        Kind::Phone,
        Kind::BankAccount,
        Kind::Card,
        Kind::PaymentId,
        Kind::ChatId,
        Kind::Url,
        Kind::Ip,
        Kind::DeviceId,
        Kind::Alias,
    ];

    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Phone => "phone",
            Kind::BankAccount => "bank_account",
            Kind::Card => "card",
            Kind::PaymentId => "payment_id",
            Kind::ChatId => "chat_id",
            Kind::Url => "url",
            Kind::Ip => "ip",
            Kind::DeviceId => "device_id",
            Kind::Alias => "alias",
        }
    }

    /// Parses the code.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How far an identifier may link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Links always.
    Strong,
    /// Links while rare.
    Weak,
    /// Supports a link, never makes one (IP addresses, aliases).
    Evidence,
    /// Never links (a service number, a popular site, a private address).
    Public,
}

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    /// The value is not an identifier of its kind.
    #[error("{kind}: {message}")]
    Invalid {
        /// The kind's code.
        kind: &'static str,
        /// Why.
        message: String,
    },
    /// A report id was used twice.
    #[error("report {0} was added already")]
    Duplicate(String),
}

fn invalid(kind: Kind, message: impl Into<String>) -> LinkError {
    LinkError::Invalid {
        kind: kind.as_str(),
        message: message.into(),
    }
}

/// Full-width forms as half-width, lower case, no spaces.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn digits(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '\u{ff10}'..='\u{ff19}' => char::from_u32(c as u32 - 0xfee0),
            _ => None,
        })
        .collect()
}

/// Whether `d` passes the Luhn check (the last digit checks the others).
pub fn luhn(d: &str) -> bool {
    let mut sum = 0;
    for (i, c) in d.chars().rev().enumerate() {
        let Some(mut v) = c.to_digit(10) else {
            return false;
        };
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    !d.is_empty() && sum % 10 == 0
}

/// Websites so common that sharing one says nothing (their registrable hosts).
const POPULAR_HOSTS: [&str; 24] = [
    "baidu.com",
    "qq.com",
    "weixin.qq.com",
    "weibo.com",
    "taobao.com",
    "tmall.com",
    "jd.com",
    "alipay.com",
    "pinduoduo.com",
    "douyin.com",
    "kuaishou.com",
    "bilibili.com",
    "zhihu.com",
    "163.com",
    "sina.com.cn",
    "sohu.com",
    "meituan.com",
    "ctrip.com",
    "12306.cn",
    "gov.cn",
    "apple.com",
    "microsoft.com",
    "google.com",
    "bing.com",
];

/// Second-level suffixes under which the registrable host has three labels (`x.com.cn`).
const SECOND_LEVEL: [&str; 6] = ["com.cn", "net.cn", "org.cn", "gov.cn", "edu.cn", "co.uk"];

/// The registrable host of a URL (`https://WWW.Fake-Police.com.cn/a?b` → `fake-police.com.cn`).
fn url_host(raw: &str) -> Option<String> {
    let s = fold(raw);
    let s = s.split("://").last()?;
    let host = s.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?; // user:pass@
    let host = host.split(':').next()?.trim_end_matches('.');
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit())) {
        return Some(host.to_owned()); // an IP address as host
    }
    let tail2 = labels[labels.len().saturating_sub(2)..].join(".");
    let keep = if SECOND_LEVEL.contains(&tail2.as_str()) && labels.len() >= 3 {
        3
    } else {
        2
    };
    Some(labels[labels.len().saturating_sub(keep)..].join("."))
}

/// A normalised identifier: its value and how far it may link.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Normalized {
    /// The kind.
    pub kind: Kind,
    /// The canonical value.
    pub value: String,
    /// How far it links.
    pub strength: Strength,
}

/// Normalises `raw` as an identifier of `kind`.
pub fn normalize(kind: Kind, raw: &str) -> Result<Normalized, LinkError> {
    let n = |value: String, strength: Strength| Normalized {
        kind,
        value,
        strength,
    };
    match kind {
        Kind::Phone => {
            let mut d = digits(raw);
            for prefix in ["0086", "86"] {
                if d.len() == 11 + prefix.len() && d.starts_with(prefix) {
                    d = d[prefix.len()..].to_owned();
                }
            }
            if d.len() < 3 || d.len() > 15 {
                return Err(invalid(kind, format!("{raw:?} is not a phone number")));
            }
            let mobile = d.len() == 11 && d.starts_with('1');
            // Service lines (95588, 96110), national 400/800 lines, short and emergency numbers
            // are called by everyone.
            let service = d.starts_with("95")
                || d.starts_with("96")
                || (d.len() == 10 && (d.starts_with("400") || d.starts_with("800")))
                || d.len() <= 6;
            let strength = if mobile || (!service && d.len() >= 10) {
                Strength::Strong
            } else {
                Strength::Public
            };
            Ok(n(d, strength))
        }
        Kind::BankAccount => {
            let d = digits(raw);
            if !(8..=30).contains(&d.len()) {
                return Err(invalid(kind, format!("{raw:?} is not an account number")));
            }
            Ok(n(d, Strength::Strong))
        }
        Kind::Card => {
            let d = digits(raw);
            if !(13..=19).contains(&d.len()) {
                return Err(invalid(kind, format!("{raw:?} is not a card number")));
            }
            if !luhn(&d) {
                return Err(invalid(
                    kind,
                    format!("{raw:?} fails the card's check digit (a typing slip?)"),
                ));
            }
            Ok(n(d, Strength::Strong))
        }
        Kind::PaymentId | Kind::ChatId | Kind::DeviceId => {
            let v: String = fold(raw)
                .chars()
                .filter(|c| !matches!(c, '-' | ':' | '_'))
                .collect();
            if v.len() < 3 {
                return Err(invalid(kind, format!("{raw:?} is too short to identify")));
            }
            Ok(n(v, Strength::Strong))
        }
        Kind::Url => {
            let host =
                url_host(raw).ok_or_else(|| invalid(kind, format!("{raw:?} has no host")))?;
            let public = POPULAR_HOSTS
                .iter()
                .any(|p| host == *p || host.ends_with(&format!(".{p}")));
            Ok(n(
                host,
                if public {
                    Strength::Public
                } else {
                    Strength::Weak
                },
            ))
        }
        Kind::Ip => {
            let ip: std::net::IpAddr = fold(raw)
                .parse()
                .map_err(|_| invalid(kind, format!("{raw:?} is not an IP address")))?;
            let public = match ip {
                std::net::IpAddr::V4(v) => {
                    v.is_private()
                        || v.is_loopback()
                        || v.is_link_local()
                        || v.is_unspecified()
                        || v.is_broadcast()
                        // Carrier-grade NAT: thousands of subscribers behind one address.
                        || (v.octets()[0] == 100 && (64..128).contains(&v.octets()[1]))
                }
                std::net::IpAddr::V6(v) => v.is_loopback() || v.is_unspecified(),
            };
            Ok(n(
                ip.to_string(),
                if public {
                    Strength::Public
                } else {
                    Strength::Evidence
                },
            ))
        }
        Kind::Alias => {
            let v = fold(raw);
            if v.chars().count() < 2 {
                return Err(invalid(kind, format!("{raw:?} is too short to identify")));
            }
            Ok(n(v, Strength::Evidence))
        }
    }
}

/// A report as it reaches the linker.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Report {
    /// Its id.
    pub id: String,
    /// The victim's province, if known.
    #[serde(default)]
    pub province: Option<String>,
    /// The identifiers, as reported.
    pub identifiers: Vec<RawIdentifier>,
    /// The amount lost, in yuan.
    #[serde(default)]
    pub amount: Option<f64>,
    /// When it was reported (RFC 3339).
    #[serde(default)]
    pub reported_at: Option<String>,
}

/// An identifier as reported.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct RawIdentifier {
    /// Kind code.
    pub kind: String,
    /// Value as written.
    pub value: String,
}

/// Tuning of the linker.
#[derive(Debug, Clone, Copy)]
pub struct LinkOptions {
    /// A weak identifier seen in more reports than this stops linking.
    pub weak_cap: usize,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions { weak_cap: 25 }
    }
}

/// Why two reports are in one cluster: the identifier they share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The report linked to.
    pub with: String,
    /// The shared identifier's kind.
    pub kind: Kind,
    /// Its normalised value.
    pub value: String,
}

/// No occurrence.
const NONE: u32 = u32::MAX;

struct Ident {
    kind: Kind,
    value: Box<str>,
    strength: Strength,
    /// Reports carrying it.
    count: u32,
    /// The latest occurrence in the pool (a list through `Occ::next`, newest first).
    head: u32,
}

/// One report carrying one identifier, in a pool shared by all identifiers (one allocation for
/// millions of occurrences instead of one list each).
#[derive(Clone, Copy)]
struct Occ {
    report: u32,
    next: u32,
}

type FxMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// The linker: reports, identifiers, clusters.
pub struct Linker {
    opts: LinkOptions,
    ids: Vec<Box<str>>,
    by_id: FxMap<Box<str>, u32>,
    index: FxMap<(Kind, Box<str>), u32>,
    idents: Vec<Ident>,
    occs: Vec<Occ>,
    /// Each report's identifiers: `report_idents[starts[r]..starts[r + 1]]`.
    report_idents: Vec<u32>,
    starts: Vec<u32>,
    /// `(report, identifier)` links an analyst rejected.
    rejected: HashSet<(u32, u32)>,
    parent: Vec<u32>,
    /// A weak identifier crossed the cap, or a link was rejected: the clusters need a rebuild.
    dirty: bool,
    /// Identifiers set aside while adding (a report's id and why).
    pub refused: Vec<(String, LinkError)>,
}

impl Default for Linker {
    fn default() -> Self {
        Linker::new(LinkOptions::default())
    }
}

impl Linker {
    /// An empty linker.
    pub fn new(opts: LinkOptions) -> Linker {
        Linker {
            opts,
            ids: Vec::new(),
            by_id: FxMap::default(),
            index: FxMap::default(),
            idents: Vec::new(),
            occs: Vec::new(),
            report_idents: Vec::new(),
            starts: vec![0],
            rejected: HashSet::new(),
            parent: Vec::new(),
            dirty: false,
            refused: Vec::new(),
        }
    }

    /// How many reports.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let g = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = g;
            x = g;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The older report is the root: a cluster is named after its first report.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    fn links(&self, ident: u32) -> bool {
        let i = &self.idents[ident as usize];
        match i.strength {
            Strength::Strong => true,
            Strength::Weak => i.count as usize <= self.opts.weak_cap,
            _ => false,
        }
    }

    /// The reports carrying an identifier, newest first.
    fn members(&self, ident: u32) -> impl Iterator<Item = u32> + '_ {
        let mut at = self.idents[ident as usize].head;
        std::iter::from_fn(move || {
            if at == NONE {
                return None;
            }
            let o = self.occs[at as usize];
            at = o.next;
            Some(o.report)
        })
    }

    fn report_idents(&self, r: u32) -> &[u32] {
        &self.report_idents[self.starts[r as usize] as usize..self.starts[r as usize + 1] as usize]
    }

    /// Adds a report and links it; identifiers that do not normalise are set aside in
    /// [`refused`](Self::refused), the rest link. Returns the report's index.
    pub fn add(&mut self, r: &Report) -> Result<u32, LinkError> {
        if self.by_id.contains_key(r.id.as_str()) {
            return Err(LinkError::Duplicate(r.id.clone()));
        }
        let idx = self.ids.len() as u32;
        self.ids.push(r.id.as_str().into());
        self.by_id.insert(r.id.as_str().into(), idx);
        self.parent.push(idx);
        let first_of_mine = self.report_idents.len();
        for raw in &r.identifiers {
            let Some(kind) = Kind::parse(raw.kind.trim()) else {
                self.refused.push((
                    r.id.clone(),
                    LinkError::Invalid {
                        kind: "kind",
                        message: format!("unknown identifier kind {:?}", raw.kind),
                    },
                ));
                continue;
            };
            let n = match normalize(kind, &raw.value) {
                Ok(n) => n,
                Err(e) => {
                    self.refused.push((r.id.clone(), e));
                    continue;
                }
            };
            let key: (Kind, Box<str>) = (kind, n.value.into_boxed_str());
            let ident = match self.index.get(&key) {
                Some(&i) => i,
                None => {
                    let i = self.idents.len() as u32;
                    self.idents.push(Ident {
                        kind,
                        value: key.1.clone(),
                        strength: n.strength,
                        count: 0,
                        head: NONE,
                    });
                    self.index.insert(key, i);
                    i
                }
            };
            if self.report_idents[first_of_mine..].contains(&ident) {
                continue;
            }
            self.report_idents.push(ident);
            // Linked through before this report joins: the newest earlier report that stands.
            let earlier = if self.links(ident) {
                self.members(ident)
                    .find(|r| !self.rejected.contains(&(*r, ident)))
            } else {
                None
            };
            let occ = self.occs.len() as u32;
            let e = &mut self.idents[ident as usize];
            self.occs.push(Occ {
                report: idx,
                next: e.head,
            });
            e.head = occ;
            e.count += 1;
            if e.strength == Strength::Weak && e.count as usize == self.opts.weak_cap + 1 {
                // Common now: the clusters it made are undone at the next rebuild.
                self.dirty = true;
            }
            if let (Some(other), true) = (earlier, self.links(ident)) {
                self.union(other, idx);
            }
        }
        self.starts.push(self.report_idents.len() as u32);
        Ok(idx)
    }

    fn ident_of(&self, kind: Kind, value: &str) -> Option<u32> {
        let n = normalize(kind, value).ok()?;
        self.index.get(&(kind, n.value.into_boxed_str())).copied()
    }

    /// The analyst rejects the link `report` makes through `kind:value`: it never links that
    /// report again (the clusters are rebuilt). Unknown reports or identifiers change nothing.
    pub fn reject(&mut self, report: &str, kind: Kind, value: &str) -> bool {
        let Some(&idx) = self.by_id.get(report) else {
            return false;
        };
        let Some(ident) = self.ident_of(kind, value) else {
            return false;
        };
        let fresh = self.rejected.insert((idx, ident));
        if fresh {
            self.dirty = true;
        }
        fresh
    }

    /// Rebuilds the clusters from scratch (after a weak identifier became common or a rejection).
    fn rebuild(&mut self) {
        for (i, p) in self.parent.iter_mut().enumerate() {
            *p = i as u32;
        }
        for ident in 0..self.idents.len() as u32 {
            if !self.links(ident) {
                continue;
            }
            let members: Vec<u32> = self
                .members(ident)
                .filter(|r| !self.rejected.contains(&(*r, ident)))
                .collect();
            for w in members.windows(2) {
                self.union(w[0], w[1]);
            }
        }
        self.dirty = false;
    }

    /// The cluster of a report: the id of its cluster's first report.
    pub fn cluster(&mut self, report: &str) -> Option<String> {
        let idx = *self.by_id.get(report)?;
        if self.dirty {
            self.rebuild();
        }
        let root = self.find(idx);
        Some(self.ids[root as usize].to_string())
    }

    /// Every report's cluster, in the order they were added.
    pub fn clusters(&mut self) -> Vec<(String, String)> {
        if self.dirty {
            self.rebuild();
        }
        (0..self.ids.len() as u32)
            .map(|i| {
                let root = self.find(i);
                (
                    self.ids[i as usize].to_string(),
                    self.ids[root as usize].to_string(),
                )
            })
            .collect()
    }

    /// The reports of `report`'s cluster, in the order they came (a scan of every report: for a
    /// cluster view, not a hot path).
    pub fn members_of(&mut self, report: &str) -> Vec<String> {
        let Some(&idx) = self.by_id.get(report) else {
            return Vec::new();
        };
        if self.dirty {
            self.rebuild();
        }
        let root = self.find(idx);
        let mut out = Vec::new();
        for i in 0..self.ids.len() as u32 {
            if self.find(i) == root {
                out.push(self.ids[i as usize].to_string());
            }
        }
        out
    }

    /// Why `report` is where it is: each identifier it shares with another report that links,
    /// and (marked by their kind) the evidence-only ones it shares.
    pub fn evidence(&self, report: &str) -> Vec<Evidence> {
        let Some(&idx) = self.by_id.get(report) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for &ident in self.report_idents(idx) {
            let i = &self.idents[ident as usize];
            let shown = self.links(ident) || i.strength == Strength::Evidence;
            if !shown || self.rejected.contains(&(idx, ident)) {
                continue;
            }
            if let Some(other) = self.members(ident).find(|&r| r != idx) {
                out.push(Evidence {
                    with: self.ids[other as usize].to_string(),
                    kind: i.kind,
                    value: i.value.to_string(),
                });
            }
        }
        out
    }

    /// How far an identifier links, once normalised.
    pub fn strength(&self, kind: Kind, value: &str) -> Option<Strength> {
        let ident = self.ident_of(kind, value)?;
        let i = &self.idents[ident as usize];
        Some(match i.strength {
            Strength::Weak if i.count as usize > self.opts.weak_cap => Strength::Public,
            s => s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: &str, ids: &[(&str, &str)]) -> Report {
        Report {
            id: id.into(),
            province: None,
            identifiers: ids
                .iter()
                .map(|(k, v)| RawIdentifier {
                    kind: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            amount: None,
            reported_at: None,
        }
    }

    #[test]
    fn formats_of_one_identifier_are_one() {
        let p = |s| normalize(Kind::Phone, s).unwrap().value;
        assert_eq!(p("+86 138 0013 8000"), "13800138000");
        assert_eq!(p("0086-13800138000"), "13800138000");
        assert_eq!(p("１３８００１３８０００"), "13800138000");
        assert_eq!(
            normalize(Kind::Phone, "95588").unwrap().strength,
            Strength::Public
        );
        assert_eq!(
            normalize(Kind::Phone, "400-820-8820").unwrap().strength,
            Strength::Public
        );
        assert_eq!(
            normalize(Kind::Phone, "010-6512 3456").unwrap().strength,
            Strength::Strong
        );
        assert!(luhn("4111111111111111") && !luhn("4111111111111112"));
        assert_eq!(
            normalize(Kind::Card, "4111 1111 1111 1111").unwrap().value,
            "4111111111111111"
        );
        assert!(
            normalize(Kind::Card, "4111 1111 1111 1112").is_err(),
            "check digit"
        );
        let u = |s| normalize(Kind::Url, s).unwrap();
        assert_eq!(
            u("https://WWW.Fake-Police.com.cn/case?id=1").value,
            "fake-police.com.cn"
        );
        assert_eq!(u("fake-police.com.cn").value, "fake-police.com.cn");
        assert_eq!(u("https://item.taobao.com/x").strength, Strength::Public);
        assert_eq!(
            normalize(Kind::Ip, "192.168.1.1").unwrap().strength,
            Strength::Public
        );
        assert_eq!(digits("１３８-0013"), "1380013");
        assert_eq!(
            normalize(Kind::Ip, "8.8.8.8").unwrap().strength,
            Strength::Evidence
        );
        assert_eq!(
            normalize(Kind::Alias, "客服 小王").unwrap().value,
            "客服小王"
        );
        assert_eq!(
            normalize(Kind::ChatId, "WXID_abc-123").unwrap().value,
            "wxidabc123"
        );
    }

    #[test]
    fn reports_sharing_an_account_are_one_ring_and_a_service_number_links_nobody() {
        let mut l = Linker::default();
        l.add(&report(
            "a",
            &[("bank_account", "6222 0200 0000 0001"), ("phone", "95588")],
        ))
        .unwrap();
        l.add(&report(
            "b",
            &[
                ("bank_account", "6222020000000001"),
                ("phone", "13900000001"),
            ],
        ))
        .unwrap();
        l.add(&report("c", &[("phone", "+86 139 0000 0001")]))
            .unwrap();
        l.add(&report(
            "d",
            &[("phone", "95588"), ("url", "https://www.baidu.com")],
        ))
        .unwrap();
        assert_eq!(l.cluster("b").as_deref(), Some("a"));
        assert_eq!(l.cluster("c").as_deref(), Some("a"), "through b's phone");
        assert_eq!(
            l.cluster("d").as_deref(),
            Some("d"),
            "95588 and baidu link nobody"
        );
        let ev = l.evidence("c");
        assert_eq!((ev[0].with.as_str(), ev[0].kind), ("b", Kind::Phone));
        assert!(l.add(&report("a", &[])).is_err(), "ids are unique");
    }

    #[test]
    fn a_weak_identifier_links_while_rare_and_stops_when_common_and_rejections_stick() {
        let mut l = Linker::new(LinkOptions { weak_cap: 3 });
        for i in 0..3 {
            l.add(&report(
                &format!("r{i}"),
                &[("url", "http://fake-bank.cc/login")],
            ))
            .unwrap();
        }
        assert_eq!(l.cluster("r2").as_deref(), Some("r0"));
        // A fourth report through the same site: many people visit it; nobody is linked by it.
        l.add(&report("r3", &[("url", "https://www.fake-bank.cc/")]))
            .unwrap();
        assert_eq!(l.cluster("r2").as_deref(), Some("r2"));
        assert_eq!(
            l.strength(Kind::Url, "fake-bank.cc"),
            Some(Strength::Public)
        );
        // An address or a name supports a link but never makes one.
        l.add(&report("w1", &[("ip", "8.8.4.4"), ("alias", "警官王")]))
            .unwrap();
        l.add(&report("w2", &[("ip", "8.8.4.4"), ("alias", "警官王")]))
            .unwrap();
        assert_eq!(l.cluster("w2").as_deref(), Some("w2"));
        assert_eq!(l.evidence("w2").len(), 2, "shown as evidence");
        // A rejected link stays rejected.
        l.add(&report("x", &[("phone", "13700000000")])).unwrap();
        l.add(&report("y", &[("phone", "13700000000")])).unwrap();
        assert_eq!(l.cluster("y").as_deref(), Some("x"));
        assert!(l.reject("y", Kind::Phone, "137 0000 0000"));
        assert_eq!(l.cluster("y").as_deref(), Some("y"));
        l.add(&report("z", &[("phone", "13700000000")])).unwrap();
        assert_eq!(l.cluster("z").as_deref(), Some("x"));
        assert_eq!(l.cluster("y").as_deref(), Some("y"), "still rejected");
    }
}
