//! `zhihui screen`: screens a file of posts for public-safety risks and writes one JSON object per
//! record, in order — for evaluation and for scripts. Input is TSV with a header (the text in
//! `--column`, default `text`) or NDJSON (objects with a `text` field, or the field `--column`
//! names). Output per record: `{"risks": [{"category", "level", "score"}], "places": []}` (place
//! extraction is a later step of the issue).

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use zhihui_screen::Screener;

use crate::bad;

#[derive(Args)]
pub struct ScreenCmd {
    /// The posts: a .tsv with a header row, or NDJSON (.ndjson, .jsonl, .json).
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// The column (TSV) or field (NDJSON) holding the text.
    #[arg(long, default_value = "text")]
    column: String,
}

pub fn screen(c: ScreenCmd) -> anyhow::Result<std::process::ExitCode> {
    let file = std::fs::File::open(&c.input)
        .map_err(|e| bad(format!("--in {}: {e}", c.input.display())))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let name = c.input.to_string_lossy().to_lowercase();
    let ndjson = [".ndjson", ".jsonl", ".json"]
        .iter()
        .any(|x| name.ends_with(x));
    let screener = Screener::with_default_lexicon();
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    let mut emit = |text: &str| -> anyhow::Result<()> {
        let risks: Vec<serde_json::Value> = screener
            .screen(text)
            .iter()
            .map(|r| json!({ "category": r.category, "level": r.level, "score": r.score }))
            .collect();
        writeln!(out, "{}", json!({ "risks": risks, "places": [] }))?;
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
