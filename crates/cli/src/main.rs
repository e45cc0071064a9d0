//! `zhihui`: the command center server, the demo, and administration tools.

mod city;
mod fraud_cmd;
mod plan_cmd;
mod roads_cmd;
mod screen_cmd;

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use zhihui_core::{Org, OrgKind, OrgTree, Role};
use zhihui_server::{AppState, Clock};
use zhihui_store::commands::{self, Actor};
use zhihui_store::projections::{self, UserRecord};
use zhihui_store::{
    read_checkpoints, verify_against_checkpoints, verify_audit_chain, AnchorConfig, AuditKey,
    AuditVerdict, Store, StoreOptions, CHECKPOINT_FILE,
};

#[derive(Parser)]
#[command(
    name = "zhihui",
    version,
    about = "智慧指挥平台 Zhihui: integrated command platform for a city police command center"
)]
struct Cli {
    /// Key that signs the audit checkpoints (64 hex digits in a file kept outside the data
    /// directory). Every command that writes then anchors the audit chain's head in
    /// DATA_DIR/audit.checkpoints; `audit verify` checks the log against them.
    #[arg(long, global = true, env = "ZHIHUI_AUDIT_KEY", value_name = "FILE")]
    audit_key: Option<PathBuf>,
    /// Days for which every position fix of a unit is kept; older fixes are thinned to one a
    /// minute.
    #[arg(long, global = true, env = "ZHIHUI_TRACK_WHOLE_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=3650))]
    track_whole_days: u32,
    /// Days after which position fixes are deleted (at least --track-whole-days).
    #[arg(long, global = true, env = "ZHIHUI_TRACK_KEEP_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=3650))]
    track_keep_days: u32,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (API, live feed and web console) on a data directory.
    Serve(ServeArgs),
    /// Run the server on a fresh data directory with demo accounts and a simulated city.
    Demo(DemoArgs),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCmd),
    /// Manage the organisation tree.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Check the tamper-evident audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Import and inspect road networks.
    #[command(subcommand)]
    Roads(roads_cmd::RoadsCmd),
    /// Travel-time queries on a road network, for scripts (JSON on standard output).
    #[command(subcommand)]
    Route(roads_cmd::RouteCmd),
    /// Interception and blockade planning on a road network, for scripts (JSON on stdout).
    #[command(subcommand)]
    Plan(plan_cmd::PlanCmd),
    /// Screen a file of posts for public-safety risks (JSON per record on stdout).
    Screen(screen_cmd::ScreenCmd),
    /// Anti-fraud tools (96110): case linking.
    #[command(subcommand)]
    Fraud(fraud_cmd::FraudCmd),
}

#[derive(Args)]
struct ServeArgs {
    /// Directory holding the database (created if missing).
    #[arg(long)]
    data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The city's road network: .osm.pbf, .geojson or .zroads.
    #[arg(long)]
    roads: Option<PathBuf>,
    /// Commit every request on its own (the benchmark's baseline) instead of group commit.
    #[arg(long)]
    no_group_commit: bool,
    /// Serve HTTPS with this certificate chain (PEM; reloaded on SIGHUP). Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM). Needs --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy):
    /// passwords, tokens and personal data would otherwise cross the network in clear text.
    #[arg(long)]
    insecure_http: bool,
    /// The command centre's time zone (IANA name): the console shows every time in it and a
    /// bulletin's day runs from its midnight.
    #[arg(long, env = "ZHIHUI_TIME_ZONE", default_value = "Asia/Shanghai", value_parser = parse_time_zone)]
    time_zone: chrono_tz::Tz,
    /// The secret that keeps the authors of public posts pseudonymous (64 hex digits; created if
    /// missing). Keep it off the database's disk: a copy of the database alone then names nobody.
    /// Default: `opinion.key` in the data directory.
    #[arg(long, value_name = "FILE")]
    opinion_key: Option<PathBuf>,
    /// A trained screening model (`zhihui screen train`) deciding high self-harm risk.
    #[arg(long, value_name = "FILE")]
    screen_model: Option<PathBuf>,
    /// Also take public posts from this NATS server's JetStream (`nats://host:4222`): one JSON
    /// post per message on `--nats-subject`, a durable consumer that keeps its place.
    #[arg(long, value_name = "URL", requires = "nats_user")]
    nats: Option<String>,
    /// The account the NATS posts are written as (it needs the `analyse` capability).
    #[arg(long, value_name = "USER")]
    nats_user: Option<String>,
    /// The JetStream stream (created with file storage if missing).
    #[arg(long, default_value = "OPINION")]
    nats_stream: String,
    /// The subject of the posts.
    #[arg(long, default_value = "opinion.posts")]
    nats_subject: String,
    /// The durable consumer's name.
    #[arg(long, default_value = "zhihui-opinion")]
    nats_durable: String,
    /// Hours a public post that raised nothing is kept before it is purged.
    #[arg(long, default_value_t = 72, value_parser = clap::value_parser!(i64).range(1..=8760))]
    opinion_keep_hours: i64,
    /// For tests only: lets an administrator move the server's clock forward
    /// (POST /api/v1/test/clock) to exercise timers.
    #[arg(long, hide = true)]
    test_clock: bool,
}

#[derive(Args)]
struct DemoArgs {
    /// Data directory; a fresh temporary one when omitted.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Road network (.osm.pbf, .geojson, .zroads). Default: the shared Liechtenstein extract when
    /// present, otherwise a generated city.
    #[arg(long)]
    roads: Option<PathBuf>,
    /// Seed accounts and units but do not simulate calls and patrols.
    #[arg(long)]
    no_sim: bool,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Allow the demo's plain HTTP on a non-loopback address.
    #[arg(long)]
    insecure_http: bool,
    /// The command centre's time zone (IANA name).
    #[arg(long, env = "ZHIHUI_TIME_ZONE", default_value = "Asia/Shanghai", value_parser = parse_time_zone)]
    time_zone: chrono_tz::Tz,
    /// A trained screening model for the demo's public posts.
    #[arg(long, value_name = "FILE")]
    screen_model: Option<PathBuf>,
}

/// A time zone by its IANA name (`Asia/Shanghai`, `Asia/Urumqi`, `UTC`).
fn parse_time_zone(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse::<chrono_tz::Tz>()
        .map_err(|_| format!("unknown time zone `{s}`: an IANA name such as Asia/Shanghai"))
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user; the password is read from standard input (one line, at least 10 characters).
    Add {
        /// Login name.
        name: String,
        /// admin, leader, dispatcher, analyst, supervisor, unit or grid.
        #[arg(long)]
        role: String,
        /// Organisation id; defaults to the root organisation.
        #[arg(long)]
        org: Option<String>,
        /// For unit terminals: the unit id it speaks for.
        #[arg(long)]
        unit_id: Option<i64>,
        /// Name shown in the console.
        #[arg(long)]
        display_name: Option<String>,
        /// Data directory.
        #[arg(long)]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum OrgCmd {
    /// Add an organisation; the first one added (without --parent) is the root.
    Add {
        /// Stable id, e.g. jz-shashi.
        id: String,
        /// Chinese name.
        #[arg(long)]
        name: String,
        /// English name.
        #[arg(long)]
        name_en: Option<String>,
        /// Parent organisation id.
        #[arg(long)]
        parent: Option<String>,
        /// city, district, station or unit.
        #[arg(long)]
        kind: String,
        /// Its area (辖区): a GeoJSON Polygon or MultiPolygon (or a Feature with one), lon/lat.
        /// Calls inside it with no organisation named land here.
        #[arg(long)]
        area: Option<PathBuf>,
        /// Data directory.
        #[arg(long)]
        data_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Exit 0 when the chain is intact (and, with --audit-key, agrees with every signed
    /// checkpoint); otherwise say what was found (a broken entry, a truncated tail, a rewritten
    /// chain, an edited checkpoint) and exit 1.
    Verify {
        /// Data directory.
        #[arg(long)]
        data_dir: PathBuf,
    },
}

/// Input the user can fix: reported plainly with exit code 2.
#[derive(Debug)]
struct BadInput(String);
impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

fn bad(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<BadInput>().is_some()
                || e.downcast_ref::<zhihui_roads::RoadsError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // One process, one key: set once here, read by `open_store`.
    let _ = AUDIT_KEY.set(cli.audit_key.clone());
    if cli.track_whole_days > cli.track_keep_days {
        eprintln!(
            "error: --track-whole-days ({}) exceeds --track-keep-days ({})",
            cli.track_whole_days, cli.track_keep_days
        );
        std::process::exit(2);
    }
    let _ = TRACK.set(zhihui_store::track::TrackRetention {
        full_for: chrono::Duration::days(cli.track_whole_days.into()),
        thin_to: chrono::Duration::minutes(1),
        keep_for: chrono::Duration::days(cli.track_keep_days.into()),
    });
    match cli.cmd {
        Cmd::Serve(a) => serve(a),
        Cmd::Demo(a) => demo(a),
        Cmd::User(UserCmd::Add {
            name,
            role,
            org,
            unit_id,
            display_name,
            data_dir,
        }) => user_add(&data_dir, name, &role, org, unit_id, display_name),
        Cmd::Org(OrgCmd::Add {
            id,
            name,
            name_en,
            parent,
            kind,
            area,
            data_dir,
        }) => org_add(&data_dir, id, name, name_en, parent, &kind, area.as_deref()),
        Cmd::Audit(AuditCmd::Verify { data_dir }) => audit_verify(&data_dir, cli.audit_key),
        Cmd::Roads(c) => roads_cmd::roads(c),
        Cmd::Route(c) => roads_cmd::route(c),
        Cmd::Plan(c) => plan_cmd::plan(c),
        Cmd::Screen(c) => screen_cmd::screen(c),
        Cmd::Fraud(c) => fraud_cmd::run(c),
    }
}

static AUDIT_KEY: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
/// How long position fixes are kept (`--track-whole-days`, `--track-keep-days`).
static TRACK: std::sync::OnceLock<zhihui_store::track::TrackRetention> = std::sync::OnceLock::new();

/// The anchoring of the audit log for `dir`, from `--audit-key`; refuses a key kept inside the
/// data directory (whoever can rewrite the database could then re-sign the checkpoints).
fn anchor_config(dir: &Path, key: &Path, create: bool) -> anyhow::Result<AnchorConfig> {
    std::fs::create_dir_all(dir)?;
    let data = dir.canonicalize()?;
    let key_dir = key
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .canonicalize()
        .map_err(|e| bad(format!("--audit-key {}: {e}", key.display())))?;
    if key_dir.starts_with(&data) {
        return Err(bad(format!(
            "--audit-key {}: the key must live outside the data directory {}",
            key.display(),
            dir.display()
        )));
    }
    let key = if create {
        AuditKey::load_or_generate(key)
    } else {
        AuditKey::load(key)
    }
    .map_err(|e| bad(e.to_string()))?;
    Ok(AnchorConfig {
        path: dir.join(CHECKPOINT_FILE),
        key,
    })
}

/// Public-opinion screening for a server: the author keys from `key_file` (created if missing),
/// the screen (with `model` if given), and the keeping window written to the store.
fn opinion_screening(
    store: &Store,
    map: &zhihui_server::MapData,
    key_file: &Path,
    model: Option<&Path>,
    keep_hours: i64,
) -> anyhow::Result<zhihui_store::opinion::prepare::Screening> {
    let keys = zhihui_store::opinion::prepare::AuthorKeys::load_or_create(key_file)
        .map_err(|e| bad(format!("--opinion-key {}: {e}", key_file.display())))?;
    // The lexicon an analyst saved last, if any (else the built-in one), with the model.
    let (version, text) = store.read(zhihui_store::opinion::lexicon::current)?;
    let mut screener = zhihui_screen::Screener::from_lexicon(&text)
        .map_err(|e| anyhow::anyhow!("saved lexicon version {}: {e}", version.version))?;
    if let Some(m) = screen_cmd::screener_with(model, "--screen-model")?.model() {
        screener = screener.with_model(m.clone());
    }
    store
        .write_blocking(move |tx| zhihui_store::opinion::sweeps::set_keep_hours(tx, keep_hours))?;
    Ok(zhihui_store::opinion::prepare::Screening {
        screener: std::sync::Arc::new(screener),
        keys: std::sync::Arc::new(keys),
        places: Some(std::sync::Arc::new(
            zhihui_store::opinion::prepare::place_finder(
                map.network().as_deref(),
                map.places().as_deref(),
            ),
        )),
    })
}

fn open_store(dir: &Path, group_commit: bool) -> anyhow::Result<Store> {
    let anchor = match AUDIT_KEY.get().and_then(|k| k.as_deref()) {
        Some(k) => Some(anchor_config(dir, k, false)?),
        None => None,
    };
    open_store_with(dir, group_commit, anchor)
}

fn open_store_with(
    dir: &Path,
    group_commit: bool,
    anchor: Option<AnchorConfig>,
) -> anyhow::Result<Store> {
    let opts = StoreOptions {
        max_batch: if group_commit {
            StoreOptions::default().max_batch
        } else {
            1
        },
        anchor,
        track: TRACK.get().copied().unwrap_or_default(),
    };
    // The binary lists the domain modules that follow the shared records' facts.
    Store::open_with(dir, opts, zhihui_store::domains())
        .with_context(|| format!("opening data directory {}", dir.display()))
}

fn existing_store(dir: &Path) -> anyhow::Result<Store> {
    if !dir.join(zhihui_store::DB_FILE).exists() {
        return Err(bad(format!("{} holds no Zhihui database", dir.display())));
    }
    open_store(dir, true)
}

fn cli_actor() -> Actor {
    // Local administration runs with the operator's shell access, recorded as such in the audit log.
    Actor {
        username: format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "root".into())
        ),
        role: Role::Admin,
        org_id: String::new(),
        unit_id: None,
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn announce(addr: SocketAddr) {
    announce_scheme("http", addr);
}

fn announce_scheme(scheme: &str, addr: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "zhihui listening on {scheme}://{addr}");
    let _ = out.flush();
}

/// Plain HTTP only on loopback unless the operator says a proxy terminates TLS (CJIS 5.10.1.2:
/// credentials and personal data are encrypted in transit).
fn require_tls_off_loopback(
    listen: SocketAddr,
    tls: bool,
    insecure_http: bool,
) -> anyhow::Result<()> {
    if tls || insecure_http || listen.ip().is_loopback() {
        return Ok(());
    }
    Err(bad(format!(
        "refusing plain HTTP on {listen}: passwords, tokens and personal data would cross the network in clear text; \
         give --tls-cert FILE --tls-key FILE, or --insecure-http when a TLS-terminating proxy is in front"
    )))
}

fn serve(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(cert), Some(key)) => Some(zhihui_server::TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    require_tls_off_loopback(a.listen, tls.is_some(), a.insecure_http)?;
    if let Some(t) = &tls {
        for (what, p) in [("--tls-cert", &t.cert), ("--tls-key", &t.key)] {
            if !p.is_file() {
                return Err(bad(format!("{what} {}: no such file", p.display())));
            }
        }
    }
    let rt = runtime()?;
    let map = match &a.roads {
        Some(p) => city::load(p)?.map,
        None => zhihui_server::MapData::empty(),
    };
    let store = open_store(&a.data_dir, !a.no_group_commit)?;
    let key_file = a
        .opinion_key
        .clone()
        .unwrap_or_else(|| a.data_dir.join("opinion.key"));
    let screening = opinion_screening(
        &store,
        &map,
        &key_file,
        a.screen_model.as_deref(),
        a.opinion_keep_hours,
    )?;
    let nats_intake = match (&a.nats, &a.nats_user) {
        (Some(url), Some(user)) => {
            let u = store
                .read(|c| zhihui_store::projections::get_user(c, user))?
                .filter(|u| !u.disabled)
                .ok_or_else(|| bad(format!("--nats-user {user}: no such active account")))?;
            if !u.role.may(zhihui_core::Action::Analyse) {
                return Err(bad(format!(
                    "--nats-user {user}: role {} may not feed public posts",
                    u.role.as_str()
                )));
            }
            Some(zhihui_server::nats::NatsIntake {
                url: url.clone(),
                stream: a.nats_stream.clone(),
                subject: a.nats_subject.clone(),
                durable: a.nats_durable.clone(),
                actor: zhihui_store::commands::Actor {
                    username: u.username,
                    role: u.role,
                    org_id: u.org_id,
                    unit_id: u.unit_id,
                },
            })
        }
        _ => None,
    };
    if AUDIT_KEY.get().and_then(|k| k.as_ref()).is_none() {
        tracing::warn!(
            "audit log not anchored (no --audit-key): `audit verify` cannot detect a truncated tail or a recomputed chain"
        );
    }
    rt.block_on(async move {
        let mut state = AppState::new(store, map, Clock::system())?;
        state.time_zone = a.time_zone;
        state.enable_opinion(screening);
        if let Some(intake) = nats_intake {
            zhihui_server::nats::start(state.clone(), intake);
        }
        if a.test_clock {
            tracing::warn!("test clock enabled: administrators can move this server's time");
            state.enable_test_clock();
        }
        state.start_timers();
        match tls {
            Some(t) => {
                zhihui_server::serve_tls(state, a.listen, t, |addr| announce_scheme("https", addr))
                    .await
                    .map_err(|e| bad(format!("TLS: {e}")))?
            }
            None => zhihui_server::serve(state, a.listen, announce).await?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn demo(a: DemoArgs) -> anyhow::Result<ExitCode> {
    require_tls_off_loopback(a.listen, false, a.insecure_http)?;
    let data_dir = match a.data_dir {
        Some(d) => d,
        None => {
            let d = std::env::temp_dir().join(format!(
                "zhihui-demo-{}",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            ));
            std::fs::create_dir_all(&d)?;
            d
        }
    };
    let loaded = match a.roads {
        Some(p) => city::load(&p)?,
        None => city::default_demo_city()?,
    };
    eprintln!("{}", loaded.note);
    // The demo anchors its audit log with a key beside (not inside) its data directory.
    let key_path = match AUDIT_KEY.get().and_then(|k| k.clone()) {
        Some(k) => k,
        None => {
            let mut name = data_dir
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_else(|| "zhihui-demo".into());
            name.push(".audit-key");
            data_dir
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .join(name)
        }
    };
    let anchor = anchor_config(&data_dir, &key_path, true)?;
    let store = open_store_with(&data_dir, true, Some(anchor))?;
    let hash = zhihui_server::hash_password(zhihui_sim::seed::DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!(e))?;
    let seeded = zhihui_sim::seed::seed(&store, loaded.city.as_ref(), &hash)?;
    let screening = opinion_screening(
        &store,
        &loaded.map,
        &data_dir.join("opinion.key"),
        a.screen_model.as_deref(),
        72,
    )?;
    let rt = runtime()?;
    let city = loaded.city.clone();
    let no_sim = a.no_sim;
    let speed = a.speed;
    rt.block_on(async move {
        let mut state = AppState::new(store.clone(), loaded.map, Clock::system())?;
        state.time_zone = a.time_zone;
        let sim_screening = screening.clone();
        state.enable_opinion(screening);
        state.start_timers();
        if !no_sim {
            tokio::spawn(zhihui_sim::run(
                store,
                city,
                zhihui_sim::SimOptions {
                    speed,
                    opinion: Some(sim_screening),
                    ..Default::default()
                },
            ));
        }
        zhihui_server::serve(state, a.listen, |addr| {
            announce(addr);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "data directory: {}{}",
                data_dir.display(),
                if seeded { "" } else { " (existing data kept)" }
            );
            let _ = writeln!(
                out,
                "audit key: {} (zhihui audit verify --data-dir {} --audit-key {})",
                key_path.display(),
                data_dir.display(),
                key_path.display()
            );
            let _ = writeln!(
                out,
                "demo accounts (password: {}):",
                zhihui_sim::seed::DEMO_PASSWORD
            );
            for acc in zhihui_sim::seed::ACCOUNTS {
                let _ = writeln!(
                    out,
                    "  {:<11} {:<10} {:<22} {}",
                    acc.username,
                    acc.role.as_str(),
                    acc.org_id,
                    acc.note
                );
            }
            let _ = writeln!(out, "open http://{addr}/ in a browser");
            let _ = out.flush();
        })
        .await?;
        Ok(ExitCode::SUCCESS)
    })
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\n', '\r']).to_owned();
    zhihui_server::check_new_password(&pw)
        .map_err(|e| bad(format!("{e} (read one line from standard input)")))?;
    Ok(pw)
}

fn user_add(
    dir: &Path,
    name: String,
    role: &str,
    org: Option<String>,
    unit_id: Option<i64>,
    display_name: Option<String>,
) -> anyhow::Result<ExitCode> {
    let role = Role::parse(role).ok_or_else(|| {
        bad(format!(
            "unknown role `{role}`; one of: {}",
            Role::ALL.map(|r| r.as_str()).join(", ")
        ))
    })?;
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-".contains(c))
    {
        return Err(bad("user name: 1 to 64 letters, digits, '.', '_' or '-'"));
    }
    let store = existing_store(dir)?;
    let orgs = store.read(projections::org_tree)?;
    let org_id = match org {
        Some(o) => o,
        None => orgs
            .iter()
            .find(|o| o.parent_id.is_none())
            .map(|o| o.id.clone())
            .ok_or_else(|| bad("no organisation yet: add one with `zhihui org add`"))?,
    };
    if orgs.get(&org_id).is_none() {
        return Err(bad(format!("unknown organisation `{org_id}`")));
    }
    let password = read_password()?;
    let hash = zhihui_server::hash_password(&password).map_err(|e| anyhow::anyhow!(e))?;
    let user = UserRecord {
        display_name: display_name.unwrap_or_else(|| name.clone()),
        username: name.clone(),
        role,
        org_id,
        unit_id,
        disabled: false,
        password_hash: hash,
    };
    store
        .write_blocking(move |tx| commands::create_user(tx, &cli_actor(), user, chrono::Utc::now()))
        .map_err(|e| match e {
            zhihui_store::StoreError::Conflict { message, .. } => bad(message),
            other => other.into(),
        })?;
    store.flush_audit_anchor();
    println!("user {name} added ({})", role.as_str());
    Ok(ExitCode::SUCCESS)
}

fn org_add(
    dir: &Path,
    id: String,
    name: String,
    name_en: Option<String>,
    parent: Option<String>,
    kind: &str,
    area: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let kind =
        OrgKind::parse(kind).ok_or_else(|| bad("kind must be city, district, station or unit"))?;
    // Read the area before anything is written: a bad file leaves no organisation behind.
    let area: Option<serde_json::Value> = match area {
        None => None,
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .map_err(|e| bad(format!("--area {}: {e}", f.display())))?;
            let v: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| bad(format!("--area {}: not JSON: {e}", f.display())))?;
            zhihui_core::Area::from_geojson(&v, "area")
                .map_err(|e| bad(format!("--area {}: {e}", f.display())))?;
            Some(v)
        }
    };
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad(
            "organisation id: 1 to 64 ASCII letters, digits, '-' or '_'",
        ));
    }
    let store = open_store(dir, true)?;
    let orgs = store.read(projections::org_tree)?;
    if let Some(p) = &parent {
        if orgs.get(p).is_none() {
            return Err(bad(format!("unknown parent organisation `{p}`")));
        }
    }
    let org = Org {
        id: id.clone(),
        parent_id: parent,
        name_en: name_en.unwrap_or_else(|| name.clone()),
        name,
        kind,
    };
    let mut actor = cli_actor();
    // The command checks jurisdiction against the actor's organisation: the CLI acts at the root.
    actor.org_id = orgs
        .iter()
        .find(|o| o.parent_id.is_none())
        .map(|o| o.id.clone())
        .unwrap_or_else(|| id.clone());
    let org_id = id.clone();
    store
        .write_blocking(move |tx| {
            let now = chrono::Utc::now();
            commands::create_org(tx, &orgs, &actor, org.clone(), now)?;
            if let Some(area) = area {
                // The tree with the new organisation, for the sibling check; one transaction,
                // so a refused area leaves no organisation behind.
                let areas: Vec<_> = orgs
                    .areas()
                    .map(|(i, a)| (i.to_owned(), a.clone()))
                    .collect();
                let tree = OrgTree::new(orgs.iter().cloned().chain([org])).with_areas(areas);
                commands::set_org_area(tx, &tree, &actor, &org_id, &area, now)?;
            }
            Ok::<_, zhihui_store::StoreError>(())
        })
        .map_err(|e| match e {
            zhihui_store::StoreError::Conflict { field, message } => {
                bad(format!("{field}: {message}"))
            }
            zhihui_store::StoreError::Domain(d) => bad(d.to_string()),
            other => other.into(),
        })?;
    store.flush_audit_anchor();
    println!("organisation {id} added");
    Ok(ExitCode::SUCCESS)
}

fn audit_verify(dir: &Path, key: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if !dir.join(zhihui_store::DB_FILE).exists() {
        return Err(bad(format!("{} holds no Zhihui database", dir.display())));
    }
    // Verification only reads: no anchoring of its own (it must not vouch for what it checks).
    let store = open_store_with(dir, true, None)?;
    let cp_path = dir.join(CHECKPOINT_FILE);
    let Some(key) = key else {
        return match store.read(verify_audit_chain)? {
            AuditVerdict::Intact { entries } => {
                println!("audit chain intact: {entries} entries");
                if cp_path.exists() {
                    println!(
                        "the tail is NOT checked: {} exists; pass --audit-key to check the log against it",
                        cp_path.display()
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            AuditVerdict::Broken { seq, reason } => {
                println!("audit chain BROKEN at entry {seq}: {reason}");
                Ok(ExitCode::from(1))
            }
        };
    };
    let key = AuditKey::load(&key).map_err(|e| bad(e.to_string()))?;
    let cps = if cp_path.exists() {
        read_checkpoints(&cp_path, &key)?
    } else {
        zhihui_store::Checkpoints::default()
    };
    let mut report = store.read(|c| verify_against_checkpoints(c, &cps))?;
    if !cp_path.exists() {
        report.findings.push(format!(
            "the checkpoint file {} is missing (removed, or this log was never anchored with this key)",
            cp_path.display()
        ));
    }
    match &report.chain {
        AuditVerdict::Intact { entries } => println!("audit chain intact: {entries} entries"),
        AuditVerdict::Broken { seq, reason } => {
            println!("audit chain BROKEN at entry {seq}: {reason}")
        }
    }
    println!(
        "checkpoints: {} signed lines; anchored through entry {}{}",
        report.checkpoints,
        report.anchored_through,
        if cps.torn_tail {
            " (a torn last line, from a crash mid-write, ignored)"
        } else {
            ""
        }
    );
    if report.entries > report.anchored_through && report.findings.is_empty() {
        println!(
            "{} newest entries not yet anchored (written after the last checkpoint; not tampering)",
            report.entries - report.anchored_through
        );
    }
    for f in &report.findings {
        println!("TAMPERING: {f}");
    }
    Ok(if report.intact() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
