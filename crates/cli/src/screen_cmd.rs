//! `zhihui screen`: screens a file of posts for public-safety risks and writes one JSON object per
//! record, in order — for evaluation and for scripts. Input is TSV with a header (the text in
//! `--column`, default `text`) or NDJSON (objects with a `text` field, or the field `--column`
//! names). Output per record: `{"risks": [{"category", "level", "score"}], "places": [{"text",
//! "start", "end", "lon"?, "lat"?}]}` — places from the divisions, the countries and name
//! patterns, plus the city's roads and points of interest (with coordinates) when `--roads`
//! names its network. `zhihui screen train` trains the self-harm model on a labelled TSV;
//! `--model FILE` screens with it. `zhihui screen train-places` trains the place tagger on
//! CoNLL (Weibo-NER's format); `--places-model FILE` finds places with it too.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use zhihui_screen::Screener;

use crate::bad;

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ScreenCmd {
    #[command(subcommand)]
    sub: Option<ScreenSub>,
    /// The posts: a .tsv with a header row, or NDJSON (.ndjson, .jsonl, .json).
    #[arg(long = "in", value_name = "FILE")]
    input: Option<PathBuf>,
    /// The column (TSV) or field (NDJSON) holding the text.
    #[arg(long, default_value = "text")]
    column: String,
    /// A trained model (`zhihui screen train`) deciding high self-harm risk.
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// The city's road network (.osm.pbf, .geojson, .zroads): its roads and points of interest
    /// are found with their coordinates.
    #[arg(long, value_name = "FILE")]
    roads: Option<PathBuf>,
    /// A trained place tagger (`zhihui screen train-places`) for names no list has.
    #[arg(long, value_name = "FILE")]
    places_model: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum ScreenSub {
    /// Train the self-harm model on a labelled TSV (header row; label 1 = high risk, 0 = not).
    Train(TrainArgs),
    /// Train the place tagger on CoNLL (a character and a BIO tag per line; LOC/GPE `.NAM` names).
    TrainPlaces(TrainPlacesArgs),
}

#[derive(Args)]
struct TrainPlacesArgs {
    /// The tagged sentences (Weibo-NER's `train.conll` format).
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where to write the tagger (JSON, with its format version).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Passes over the data.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=100))]
    epochs: u32,
}

fn train_places(a: TrainPlacesArgs) -> anyhow::Result<std::process::ExitCode> {
    let text = std::fs::read_to_string(&a.input)
        .map_err(|e| bad(format!("--in {}: {e}", a.input.display())))?;
    let data = zhihui_screen::places::read_conll(&text);
    let names: usize = data.iter().map(|d| d.1.len()).sum();
    if names == 0 {
        return Err(bad(format!(
            "--in {}: no LOC/GPE place names tagged (B-LOC.NAM, B-GPE.NAM …)",
            a.input.display()
        )));
    }
    let sentences: Vec<Vec<(char, usize)>> = data.into_iter().map(|d| d.0).collect();
    let source = a
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tagger = zhihui_screen::places::Tagger::train(&sentences, a.epochs as usize, &source);
    let json = serde_json::to_string(&tagger)?;
    std::fs::write(&a.out, json).map_err(|e| bad(format!("--out {}: {e}", a.out.display())))?;
    eprintln!(
        "trained on {} sentences with {names} place names → {}",
        tagger.sentences,
        a.out.display()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// The place finder of the command line: the built-in lists, the city's names when `roads` is
/// given, the tagger when `model` is.
fn finder_with(
    roads: Option<&std::path::Path>,
    model: Option<&std::path::Path>,
) -> anyhow::Result<zhihui_screen::places::PlaceFinder> {
    let finder = match roads {
        Some(p) => {
            let loaded =
                crate::city::load(p).map_err(|e| bad(format!("--roads {}: {e}", p.display())))?;
            zhihui_store::opinion::prepare::place_finder(
                loaded.map.network().as_deref(),
                loaded.map.places().as_deref(),
            )
        }
        None => zhihui_screen::places::PlaceFinder::new([]),
    };
    let Some(m) = model else {
        return Ok(finder);
    };
    let text = std::fs::read_to_string(m)
        .map_err(|e| bad(format!("--places-model {}: {e}", m.display())))?;
    let tagger = zhihui_screen::places::Tagger::from_json(&text)
        .map_err(|e| bad(format!("--places-model {}: {e}", m.display())))?;
    Ok(finder.with_tagger(tagger))
}

#[derive(Args)]
struct TrainArgs {
    /// The labelled posts (.tsv with a header row).
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Where to write the model (JSON, with its format version and training metadata).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The text column.
    #[arg(long, default_value = "text")]
    column: String,
    /// The label column (1 = high risk).
    #[arg(long, default_value = "label")]
    label: String,
    /// Train the plain character n-gram baseline (no lexicon features, no naive-Bayes scaling).
    #[arg(long)]
    baseline: bool,
}

/// The rows of a labelled TSV: (text, label is 1).
fn labelled(
    path: &std::path::Path,
    column: &str,
    label: &str,
) -> anyhow::Result<Vec<(String, bool)>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| bad(format!("--in {}: {e}", path.display())))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| bad("the TSV is empty: a header row is needed"))?
        .split('\t')
        .collect();
    let find = |name: &str| {
        header.iter().position(|h| h.trim() == name).ok_or_else(|| {
            bad(format!(
                "no column `{name}` in the header ({})",
                header.join(", ")
            ))
        })
    };
    let (tc, lc) = (find(column)?, find(label)?);
    let mut rows = Vec::new();
    for (i, line) in lines.enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        let y = match f.get(lc).map(|s| s.trim()) {
            Some("1") => true,
            Some("0") => false,
            other => {
                return Err(bad(format!(
                    "line {}: label must be 0 or 1, not {:?}",
                    i + 2,
                    other.unwrap_or("")
                )))
            }
        };
        rows.push((f.get(tc).copied().unwrap_or("").to_owned(), y));
    }
    Ok(rows)
}

fn train(a: TrainArgs) -> anyhow::Result<std::process::ExitCode> {
    let rows = labelled(&a.input, &a.column, &a.label)?;
    let screener = Screener::with_default_lexicon();
    let source = a
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = zhihui_screen::TrainOptions {
        lexicon_features: !a.baseline,
        nb_scaling: !a.baseline,
        l2: if a.baseline { 1e-5 } else { 1e-4 },
        ..Default::default()
    };
    let model = zhihui_screen::Model::train(&screener, &rows, &source, options)
        .map_err(|e| bad(e.to_string()))?;
    std::fs::write(&a.out, model.to_json())
        .map_err(|e| bad(format!("--out {}: {e}", a.out.display())))?;
    eprintln!(
        "trained on {} rows ({} positive): threshold {:.2}, cross-validated F1 {:.3} → {}",
        model.meta.rows,
        model.meta.positives,
        model.threshold,
        model.meta.cv_f1,
        a.out.display()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

pub fn screen(c: ScreenCmd) -> anyhow::Result<std::process::ExitCode> {
    match c.sub {
        Some(ScreenSub::Train(a)) => return train(a),
        Some(ScreenSub::TrainPlaces(a)) => return train_places(a),
        None => {}
    }
    let input = c.input.ok_or_else(|| bad("--in FILE is required"))?;
    let file =
        std::fs::File::open(&input).map_err(|e| bad(format!("--in {}: {e}", input.display())))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let name = input.to_string_lossy().to_lowercase();
    let ndjson = [".ndjson", ".jsonl", ".json"]
        .iter()
        .any(|x| name.ends_with(x));
    let screener = screener_with(c.model.as_deref(), "--model")?;
    let finder = finder_with(c.roads.as_deref(), c.places_model.as_deref())?;
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut emit = |text: &str| -> anyhow::Result<()> {
        let risks: Vec<serde_json::Value> = screener
            .screen(text)
            .iter()
            .map(|r| json!({ "category": r.category, "level": r.level, "score": r.score }))
            .collect();
        let places: Vec<serde_json::Value> = finder
            .find(text)
            .into_iter()
            .map(|p| {
                let mut v = json!({ "text": p.text, "start": p.start, "end": p.end });
                if let (Some(lon), Some(lat)) = (p.lon, p.lat) {
                    v["lon"] = json!(lon);
                    v["lat"] = json!(lat);
                }
                v
            })
            .collect();
        writeln!(out, "{}", json!({ "risks": risks, "places": places }))?;
        Ok(())
    };
    if ndjson {
        for (i, line) in lines.enumerate() {
            let line = line.map_err(|e| bad(format!("line {}: {e}", i + 1)))?;
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&line)
                .map_err(|e| bad(format!("line {}: not JSON: {e}", i + 1)))?;
            let text = v
                .get(&c.column)
                .and_then(|t| t.as_str())
                .ok_or_else(|| bad(format!("line {}: no text field `{}`", i + 1, c.column)))?;
            emit(text)?;
        }
    } else {
        let header = lines
            .next()
            .ok_or_else(|| bad("the TSV is empty: a header row is needed"))?
            .map_err(|e| bad(format!("line 1: {e}")))?;
        let col = header
            .split('\t')
            .position(|h| h.trim() == c.column)
            .ok_or_else(|| {
                bad(format!(
                    "no column `{}` in the header ({})",
                    c.column,
                    header.replace('\t', ", ")
                ))
            })?;
        for (i, line) in lines.enumerate() {
            let line = line.map_err(|e| bad(format!("line {}: {e}", i + 2)))?;
            let text = line.split('\t').nth(col).unwrap_or("");
            emit(text)?;
        }
    }
    out.flush()?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The screen with the default lexicon and, if given, the trained model at `model` (errors name
/// the option `flag`).
pub fn screener_with(model: Option<&std::path::Path>, flag: &str) -> anyhow::Result<Screener> {
    let screener = Screener::with_default_lexicon();
    let Some(m) = model else {
        return Ok(screener);
    };
    let text =
        std::fs::read_to_string(m).map_err(|e| bad(format!("{flag} {}: {e}", m.display())))?;
    let model = zhihui_screen::Model::from_json(&text)
        .map_err(|e| bad(format!("{flag} {}: {e}", m.display())))?;
    Ok(screener.with_model(model))
}
