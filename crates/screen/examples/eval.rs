//! Accuracy of the screen on the shared labelled text (`$ZHIHUI_SHARED_DATA/text`, default
//! `../shared/data/text` beside the repository), on the validation splits only:
//! - SOS-1K `val.tsv`: precision, recall and F1 of high risk (`self_harm` at level `high`) against
//!   `myLabel` = 1;
//! - CEC: the top category of each report against its folder;
//! - Weibo-NER `dev.conll`: recall of place names (LOC/GPE `.NAM`), the tagger trained on
//!   `train.conll`.
//!
//! `cargo run --release -p zhihui-screen --example eval`

use std::path::PathBuf;

use zhihui_screen::{Category, Level, Screener};

fn data() -> PathBuf {
    std::env::var_os("ZHIHUI_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("text")
}

/// The text of an XML report: everything outside the tags.
fn xml_text(xml: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in xml.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// Precision, recall and F1 from true positives, false positives and false negatives.
fn prf(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
    let p = tp as f64 / (tp + fp).max(1) as f64;
    let r = tp as f64 / (tp + fn_).max(1) as f64;
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f1)
}

fn main() {
    let s = Screener::with_default_lexicon();
    let dir = data();
    let val = std::fs::read_to_string(dir.join("sos1k/val.tsv")).expect("sos1k/val.tsv");
    let (mut tp, mut fp, mut fn_, mut n) = (0, 0, 0, 0);
    for line in val.lines().skip(1) {
        let Some((text, label)) = line.rsplit_once('\t') else {
            continue;
        };
        let truth = label.trim() == "1";
        let said = s
            .screen(text)
            .iter()
            .any(|r| r.category == Category::SelfHarm && r.level == Level::High);
        n += 1;
        match (said, truth) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            _ => {}
        }
    }
    let (p, r, f1) = prf(tp, fp, fn_);
    println!("SOS-1K val ({n} comments), lexicon only: precision {p:.3}, recall {r:.3}, F1 {f1:.3} (tp {tp}, fp {fp}, fn {fn_})");

    // Trained on SOS-1K train only (threshold by 5-fold cross-validation on train), measured on
    // val: the plain character n-gram logistic regression (the baseline) and the screen's model
    // (the same plus the lexicon's evidence).
    let rows = |t: &str| -> Vec<(String, bool)> {
        t.lines()
            .skip(1)
            .filter_map(|l| l.rsplit_once('\t'))
            .map(|(c, y)| (c.to_owned(), y.trim() == "1"))
            .collect()
    };
    let train =
        rows(&std::fs::read_to_string(dir.join("sos1k/train.tsv")).expect("sos1k/train.tsv"));
    let valr = rows(&val);
    for (name, lexicon_features, nb_scaling) in [
        ("n-gram LR baseline", false, false),
        (
            "screen model (n-grams + lexicon, naive-Bayes scaled)",
            true,
            true,
        ),
    ] {
        let o = zhihui_screen::TrainOptions {
            lexicon_features,
            nb_scaling,
            // The baseline keeps the plain learner's setting.
            l2: if nb_scaling { 1e-4 } else { 1e-5 },
            ..Default::default()
        };
        let m = zhihui_screen::Model::train(&s, &train, "sos1k/train.tsv", o).expect("train");
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (text, truth) in &valr {
            let said = m.probability(&s, text) >= m.threshold;
            match (said, *truth) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, true) => fn_ += 1,
                _ => {}
            }
        }
        let (p, r, f1) = prf(tp, fp, fn_);
        println!(
            "SOS-1K val, {name}: precision {p:.3}, recall {r:.3}, F1 {f1:.3} (threshold {:.2} from train CV F1 {:.3})",
            m.threshold, m.meta.cv_f1
        );
    }

    let folders = [
        ("交通事故", Category::TrafficAccident),
        ("地震", Category::Disaster),
        ("恐怖袭击", Category::Violence),
        ("火灾", Category::Fire),
        ("食物中毒", Category::FoodPoisoning),
    ];
    let (mut right, mut total) = (0, 0);
    for (folder, want) in folders {
        let (mut r, mut t) = (0, 0);
        for e in std::fs::read_dir(dir.join("cec").join(folder))
            .expect("cec folder")
            .flatten()
        {
            let Ok(xml) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            let got = s.screen(&xml_text(&xml)).first().map(|x| x.category);
            t += 1;
            // A terror attack is violence or an explosion.
            let ok = got == Some(want)
                || (want == Category::Violence && got == Some(Category::Explosion));
            if ok {
                r += 1;
            }
        }
        println!("CEC {folder}: {r}/{t}");
        right += r;
        total += t;
    }
    println!(
        "CEC top-category accuracy: {:.3} ({right}/{total})",
        right as f64 / total.max(1) as f64
    );

    // Places: recall of LOC/GPE `.NAM` names on Weibo-NER dev (a name counts when a found span
    // is exactly its span), with the gazetteer and patterns alone and with the tagger trained on
    // Weibo-NER train; the baseline is the tagger alone (the learned model with no lists).
    let ner = |f: &str| {
        zhihui_screen::places::read_conll(
            &std::fs::read_to_string(dir.join("weibo-ner").join(f)).expect("weibo-ner"),
        )
    };
    let (ner_train, ner_dev) = (ner("train.conll"), ner("dev.conll"));
    let sentences: Vec<Vec<(char, usize)>> = ner_train.iter().map(|d| d.0.clone()).collect();
    let tagger = zhihui_screen::places::Tagger::train(&sentences, 8, "weibo-ner/train.conll");
    let lists = zhihui_screen::places::PlaceFinder::new([]);
    let full = zhihui_screen::places::PlaceFinder::new([]).with_tagger(tagger.clone());
    let score = |find: &dyn Fn(&str) -> Vec<(usize, usize)>| {
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (sent, gold) in &ner_dev {
            let text: String = sent.iter().map(|c| c.0).collect();
            let got = find(&text);
            tp += gold.iter().filter(|g| got.contains(g)).count();
            fn_ += gold.iter().filter(|g| !got.contains(g)).count();
            fp += got.iter().filter(|g| !gold.contains(g)).count();
        }
        prf(tp, fp, fn_)
    };
    for (name, find) in [
        (
            "tagger alone (baseline)",
            Box::new(|t: &str| {
                let chars: Vec<char> = t.chars().collect();
                tagger.spans(&chars)
            }) as Box<dyn Fn(&str) -> Vec<(usize, usize)>>,
        ),
        (
            "gazetteer + patterns",
            Box::new(|t: &str| {
                lists
                    .find(t)
                    .into_iter()
                    .map(|p| (p.start, p.end))
                    .collect()
            }),
        ),
        (
            "gazetteer + patterns + tagger",
            Box::new(|t: &str| full.find(t).into_iter().map(|p| (p.start, p.end)).collect()),
        ),
    ] {
        let (p, r, f1) = score(&*find);
        let names: usize = ner_dev.iter().map(|d| d.1.len()).sum();
        println!("Weibo-NER dev places ({names} LOC/GPE names), {name}: recall {r:.3}, precision {p:.3}, F1 {f1:.3}");
    }

    // Throughput on real comments (SOS-1K train + val, 50 passes), one thread.
    let train = std::fs::read_to_string(dir.join("sos1k/train.tsv")).unwrap_or_default();
    let posts: Vec<&str> = train
        .lines()
        .chain(val.lines())
        .skip(1)
        .filter_map(|l| l.rsplit_once('\t').map(|x| x.0))
        .collect();
    let chars: usize = posts.iter().map(|p| p.chars().count()).sum();
    let started = std::time::Instant::now();
    let mut risks = 0usize;
    for _ in 0..50 {
        for p in &posts {
            risks += s.screen(p).len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "throughput, risks: {:.0} posts/s on one thread ({} posts of {:.0} characters on average, {risks} risks)",
        (50 * posts.len()) as f64 / secs,
        posts.len(),
        chars as f64 / posts.len().max(1) as f64
    );
    // The whole screen of a post: every category and its places (the built-in lists).
    let started = std::time::Instant::now();
    let mut found = 0usize;
    for _ in 0..50 {
        for p in &posts {
            found += s.screen(p).len() + lists.find(p).len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "throughput, risks and places: {:.0} posts/s on one thread ({found} findings)",
        (50 * posts.len()) as f64 / secs
    );
}
