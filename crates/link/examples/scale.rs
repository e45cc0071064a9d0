//! Linking at scale: 1,000,000 reports with 5,000,000 identifiers (rings of 2 to 450 victims,
//! shared noise), then one more report, incrementally. Prints the time and the resident memory,
//! beside a baseline from the same run (normalising every identifier into a plain set).
//!
//! `cargo run --release -p zhihui-link --example scale [REPORTS]`

use std::time::Instant;

use zhihui_link::{Linker, RawIdentifier, Report};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(f64::NAN, |p| p * 4096.0 / 1e6)
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut s: u64 = 7;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        s >> 33
    };
    let id = |k: &str, v: String| RawIdentifier {
        kind: k.into(),
        value: v,
    };
    // Generated first, so that the timing is the linking alone.
    let mut reports = Vec::with_capacity(n as usize);
    let mut ring = 0u64;
    let mut left = 0u64;
    for i in 0..n {
        if left == 0 {
            ring += 1;
            left = 2 + next() % 40 + if next() % 100 == 0 { 400 } else { 0 };
        }
        left -= 1;
        let ids = vec![
            id(
                "bank_account",
                format!("62220200{:011}", ring * 7 + next() % 2),
            ),
            id(
                "phone",
                format!("+86 1{:010}", 3_000_000_000 + ring * 5 + next() % 3),
            ),
            id("phone", format!("1{:010}", 5_000_000_000 + i)),
            id(
                "phone",
                ["95588", "96110", "4008208820"][(next() % 3) as usize].to_owned(),
            ),
            id("ip", format!("58.20.{}.{}", next() % 200, next() % 250 + 1)),
        ];
        reports.push(Report {
            id: format!("r{i}"),
            province: None,
            identifiers: ids,
            amount: None,
            reported_at: None,
        });
    }
    let idents: usize = reports.iter().map(|r| r.identifiers.len()).sum();
    let before = rss_mb();
    // Baseline in the same run: normalise every identifier and put it in a plain set — the floor
    // of any exact-match linker, without the union-find, the occurrences or the evidence.
    let started = Instant::now();
    let mut set = std::collections::HashSet::new();
    for r in &reports {
        for x in &r.identifiers {
            if let Some(k) = zhihui_link::Kind::parse(&x.kind) {
                if let Ok(n) = zhihui_link::normalize(k, &x.value) {
                    set.insert((k, n.value));
                }
            }
        }
    }
    let base = started.elapsed().as_secs_f64();
    println!(
        "baseline, normalise into a set: {base:.2} s ({} distinct)",
        set.len()
    );
    drop(set);
    println!(
        "{n} reports, {idents} identifiers; resident {before:.0} MB before the baseline and the linking"
    );
    let started = Instant::now();
    let mut l = Linker::default();
    for r in &reports {
        l.add(r).unwrap();
    }
    let clusters = l.clusters();
    let secs = started.elapsed().as_secs_f64();
    let distinct: std::collections::HashSet<&String> = clusters.iter().map(|c| &c.1).collect();
    println!(
        "linked in {secs:.2} s ({:.2}x the baseline): {} clusters; resident {:.0} MB",
        secs / base,
        distinct.len(),
        rss_mb()
    );
    // One more report, incrementally (of 101: the median and the slowest).
    let mut times = Vec::new();
    for k in 0..101u64 {
        let r = Report {
            id: format!("new{k}"),
            province: None,
            identifiers: vec![
                id("bank_account", format!("62220200{:011}", (k + 1) * 7)),
                id("phone", format!("1{:010}", 7_000_000_000 + k)),
            ],
            amount: None,
            reported_at: None,
        };
        let t = Instant::now();
        l.add(&r).unwrap();
        let c = l.cluster(&r.id);
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(c.is_some());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "one more report: median {:.3} ms, slowest {:.3} ms",
        times[50], times[100]
    );
}
