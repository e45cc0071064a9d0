//! `zhihui fraud link --in FILE.ndjson`: case linking (串并案) from the shell — the same code the
//! server will run. Input: one report per line, `{"id", "province"?, "identifiers": [{"kind",
//! "value"}], "amount"?, "reported_at"?}`; output: one `{"id", "cluster"}` per report, in order,
//! the cluster named after its first report. Identifiers that do not normalise (a card failing
//! its check digit, an unknown kind) are set aside and counted on standard error.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;
use zhihui_link::{LinkOptions, Linker, Report};

use crate::bad;

#[derive(Subcommand)]
pub enum FraudCmd {
    /// Link reports into clusters (one JSON object per report on stdout, in order).
    Link(LinkArgs),
}

#[derive(Args)]
pub struct LinkArgs {
    /// The reports (NDJSON).
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// A weak identifier (URL host, IP address, alias) seen in more reports than this stops
    /// linking: it is something many people share.
    #[arg(long, default_value_t = LinkOptions::default().weak_cap)]
    weak_cap: usize,
}

pub fn run(c: FraudCmd) -> anyhow::Result<std::process::ExitCode> {
    let FraudCmd::Link(a) = c;
    let file = std::fs::File::open(&a.input)
        .map_err(|e| bad(format!("--in {}: {e}", a.input.display())))?;
    let mut linker = Linker::new(LinkOptions {
        weak_cap: a.weak_cap,
    });
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| bad(format!("line {}: {e}", i + 1)))?;
        if line.trim().is_empty() {
            continue;
        }
        let r: Report = serde_json::from_str(&line)
            .map_err(|e| bad(format!("line {}: not a report: {e}", i + 1)))?;
        if r.id.trim().is_empty() {
            return Err(bad(format!("line {}: the report has no id", i + 1)));
        }
        linker
            .add(&r)
            .map_err(|e| bad(format!("line {}: {e}", i + 1)))?;
    }
    if !linker.refused.is_empty() {
        eprintln!(
            "{} identifiers set aside (first: report {}: {})",
            linker.refused.len(),
            linker.refused[0].0,
            linker.refused[0].1
        );
    }
    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    for (id, cluster) in linker.clusters() {
        writeln!(out, "{}", json!({ "id": id, "cluster": cluster }))?;
    }
    out.flush()?;
    Ok(std::process::ExitCode::SUCCESS)
}
