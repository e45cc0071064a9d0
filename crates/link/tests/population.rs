//! Linking on a generated population with known rings, in noisy formats: pairwise precision and
//! recall against the truth (goal ≥ 0.98 / ≥ 0.95). Every victim also carries what victims share
//! without being one case — bank service numbers, popular websites, public Wi-Fi addresses — and
//! her own phone; a third of the reports belong to no ring.

use std::collections::HashMap;

use zhihui_link::{Linker, RawIdentifier, Report};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() as f64 / (1u64 << 31) as f64) < p
    }
}

/// A mobile number in one of the ways people write it.
fn phone(n: u64, rng: &mut Lcg) -> String {
    let d = format!("1{:010}", 3_000_000_000 + n % 6_000_000_000);
    match rng.below(5) {
        0 => format!("+86 {} {} {}", &d[..3], &d[3..7], &d[7..]),
        1 => format!("0086-{d}"),
        2 => d
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xfee0).unwrap())
            .collect(),
        3 => format!("{}-{}-{}", &d[..3], &d[3..7], &d[7..]),
        _ => d,
    }
}

fn luhn_complete(prefix: &str) -> String {
    for check in 0..10 {
        let c = format!("{prefix}{check}");
        if zhihui_link::luhn(&c) {
            return c;
        }
    }
    unreachable!()
}

fn id(kind: &str, value: String) -> RawIdentifier {
    RawIdentifier {
        kind: kind.into(),
        value,
    }
}

#[test]
fn generated_rings_are_found_with_high_pairwise_precision_and_recall() {
    let mut rng = Lcg(42);
    let mut reports = Vec::new();
    let mut truth: Vec<usize> = Vec::new();
    let mut serial = 0u64;
    let mut fresh = |rng: &mut Lcg| {
        serial += 1 + rng.below(3);
        serial
    };
    let noise = |rng: &mut Lcg, ids: &mut Vec<RawIdentifier>| {
        if rng.chance(0.3) {
            ids.push(id(
                "phone",
                ["95588", "96110", "400-820-8820"][rng.below(3) as usize].into(),
            ));
        }
        if rng.chance(0.2) {
            ids.push(id(
                "url",
                format!("https://item.taobao.com/item.htm?id={}", rng.below(99999)),
            ));
        }
        if rng.chance(0.15) {
            // Ten cafés' Wi-Fi, each behind one public address.
            ids.push(id("ip", format!("58.20.{}.{}", 10 + rng.below(10), 1)));
        }
        if rng.chance(0.05) {
            ids.push(id("ip", format!("192.168.1.{}", rng.below(254) + 1)));
        }
    };
    let rings = 300;
    for ring in 0..rings {
        let size = match rng.below(100) {
            0 => 200 + rng.below(250),
            1..=10 => 20 + rng.below(60),
            _ => 2 + rng.below(12),
        };
        let phones: Vec<u64> = (0..2 + rng.below(3)).map(|_| fresh(&mut rng)).collect();
        let accounts: Vec<String> = (0..1 + rng.below(3))
            .map(|_| format!("62220200{:011}", fresh(&mut rng)))
            .collect();
        let main_account = accounts[0].clone();
        let site = format!(
            "https://WWW.police-case-{ring}.com.cn/check?u={}",
            rng.below(999)
        );
        let alias = format!("警官{}", ["王", "李", "张", "刘"][rng.below(4) as usize]);
        for _ in 0..size {
            let mut ids = Vec::new();
            // Most victims paid into the ring's main account; the others met its phones.
            if rng.chance(0.7) {
                let spaced: String = main_account
                    .chars()
                    .enumerate()
                    .flat_map(|(i, c)| {
                        if i % 4 == 0 && i > 0 {
                            vec![' ', c]
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
                ids.push(id("bank_account", spaced));
            }
            let p = phones[rng.below(phones.len() as u64) as usize];
            ids.push(id("phone", phone(p, &mut rng)));
            if rng.chance(0.4) {
                ids.push(id(
                    "bank_account",
                    accounts[rng.below(accounts.len() as u64) as usize].clone(),
                ));
            }
            if rng.chance(0.3) {
                ids.push(id("url", site.clone()));
            }
            if rng.chance(0.2) {
                ids.push(id("alias", alias.clone()));
            }
            let own = fresh(&mut rng);
            ids.push(id("phone", phone(own, &mut rng)));
            noise(&mut rng, &mut ids);
            reports.push(ids);
            truth.push(ring);
        }
    }
    // Reports of no ring (the victim's own identifiers and the shared noise).
    let loners = reports.len() / 2;
    for i in 0..loners {
        let mut ids = vec![id("phone", phone(fresh(&mut rng), &mut rng))];
        if rng.chance(0.5) {
            ids.push(id(
                "card",
                luhn_complete(&format!("621700{:012}", fresh(&mut rng))),
            ));
        }
        noise(&mut rng, &mut ids);
        reports.push(ids);
        truth.push(rings + i);
    }
    // Shuffle the arrival order.
    let mut order: Vec<usize> = (0..reports.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut linker = Linker::default();
    for &i in &order {
        linker
            .add(&Report {
                id: format!("r{i}"),
                province: None,
                identifiers: reports[i].clone(),
                amount: None,
                reported_at: None,
            })
            .unwrap();
    }
    assert!(linker.refused.is_empty(), "{:?}", &linker.refused[..1]);
    let got: HashMap<String, String> = linker.clusters().into_iter().collect();
    // Pairwise counts from the contingency table.
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut cells: HashMap<(String, usize), u64> = HashMap::new();
    let mut pred: HashMap<String, u64> = HashMap::new();
    let mut real: HashMap<usize, u64> = HashMap::new();
    for (i, t) in truth.iter().enumerate() {
        let c = got[&format!("r{i}")].clone();
        *cells.entry((c.clone(), *t)).or_default() += 1;
        *pred.entry(c).or_default() += 1;
        *real.entry(*t).or_default() += 1;
    }
    let tp: u64 = cells.values().map(|&n| pairs(n)).sum();
    let pp: u64 = pred.values().map(|&n| pairs(n)).sum();
    let tt: u64 = real.values().map(|&n| pairs(n)).sum();
    let (precision, recall) = (tp as f64 / pp as f64, tp as f64 / tt as f64);
    println!(
        "{} reports, {} rings: pairwise precision {precision:.4}, recall {recall:.4}",
        reports.len(),
        rings
    );
    assert!(precision >= 0.98, "precision {precision:.4}");
    assert!(recall >= 0.95, "recall {recall:.4}");
}
