//! Throughput and memory of the whole screen (normalisation, every category, places) over a long
//! stream of ~100-character posts: posts per second per core, and the resident memory after each
//! million posts (it must stay flat: nothing accumulates per post), beside the baseline of
//! normalisation alone measured in the same run.
//!
//! `cargo run --release -p zhihui-screen --example stream [POSTS]` (default 10,000,000). Posts are
//! built from SOS-1K's comments (`$ZHIHUI_SHARED_DATA/text/sos1k`) joined to about 100 characters.

use std::path::PathBuf;
use std::time::Instant;

use zhihui_screen::places::PlaceFinder;
use zhihui_screen::Screener;

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map(|pages| pages * 4096.0 / 1e6)
        .unwrap_or(f64::NAN)
}

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let dir = std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("text/sos1k/train.tsv");
    let comments: Vec<String> = std::fs::read_to_string(&dir)
        .expect("sos1k/train.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit_once('\t').map(|x| x.0.to_owned()))
        .collect();
    // ~100-character posts: comments joined until the length is reached.
    let mut posts: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in comments.iter().cycle().take(comments.len() * 3) {
        cur.push_str(c);
        cur.push('，');
        if cur.chars().count() >= 100 {
            posts.push(cur.chars().take(100).collect());
            cur.clear();
        }
    }
    let mean = posts.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / posts.len() as f64;
    let screener = Screener::with_default_lexicon();
    let finder = PlaceFinder::new([]);
    // `risks` or `places` alone, for seeing where the time goes; both by default.
    let mode = std::env::args().nth(2).unwrap_or_default();
    let mode = &mode;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} distinct posts of {mean:.0} characters on average; {total} posts on {cores} threads; resident memory at start {:.1} MB",
        posts.len(),
        rss_mb()
    );
    let started = Instant::now();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let found = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..cores {
            let (posts, screener, finder, done, found) =
                (&posts, &screener, &finder, &done, &found);
            s.spawn(move || {
                let mut i = t;
                let mut local = 0usize;
                loop {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= total {
                        break;
                    }
                    let p = &posts[i % posts.len()];
                    local += match mode.as_str() {
                        "risks" => screener.screen(p).len(),
                        "places" => finder.find(p).len(),
                        _ => screener.screen(p).len() + finder.find(p).len(),
                    };
                    i += cores;
                    if (n + 1) % 1_000_000 == 0 {
                        let secs = started.elapsed().as_secs_f64();
                        println!(
                            "{:>5} M posts: {:.0} posts/s/core, resident {:.1} MB",
                            (n + 1) / 1_000_000,
                            (n + 1) as f64 / secs / cores as f64,
                            rss_mb()
                        );
                    }
                }
                found.fetch_add(local, std::sync::atomic::Ordering::Relaxed);
            });
        }
    });
    let secs = started.elapsed().as_secs_f64();
    let rate = total as f64 / secs / cores as f64;
    println!(
        "total: {total} posts in {secs:.1} s = {rate:.0} posts/s/core ({} findings); resident {:.1} MB",
        found.load(std::sync::atomic::Ordering::Relaxed),
        rss_mb()
    );
    // Baseline in the same run, one thread: normalisation alone, the floor under any screen.
    let n = (total / 10).max(posts.len());
    let started = Instant::now();
    let mut chars = 0usize;
    for p in posts.iter().cycle().take(n) {
        chars += zhihui_screen::normalize(p).len();
    }
    let base = n as f64 / started.elapsed().as_secs_f64();
    println!(
        "baseline, normalisation alone: {base:.0} posts/s/core ({chars} bytes); the screen runs at {:.2}x its speed",
        rate / base
    );
}
