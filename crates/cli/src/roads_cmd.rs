//! `zhihui roads …` and `zhihui route …`: the road engine for scripts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;
use serde_json::{json, Value};
use zhihui_roads::{Profile, RoadNetwork, Snap};

use crate::bad;

#[derive(Subcommand)]
pub enum RoadsCmd {
    /// Import a road network (.osm.pbf or .geojson) and write the prepared graph (.zroads).
    Build {
        /// Input file.
        input: PathBuf,
        /// Output .zroads file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print nodes, edges, components, bounding box and build time of a road file.
    Info {
        /// A .zroads, .osm.pbf or .geojson file.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum RouteCmd {
    /// Travel-time and distance matrix between two point sets, as JSON.
    Matrix {
        /// A .zroads, .osm.pbf or .geojson road file.
        #[arg(long)]
        roads: PathBuf,
        /// GeoJSON FeatureCollection of Point features with an `id` property: the rows.
        #[arg(long)]
        from: PathBuf,
        /// Same format: the columns.
        #[arg(long)]
        to: PathBuf,
        /// police, car or foot.
        #[arg(long, default_value = "police")]
        profile: String,
    },
    /// The K units that reach a point fastest, as JSON sorted by seconds.
    Nearest {
        /// A .zroads, .osm.pbf or .geojson road file.
        #[arg(long)]
        roads: PathBuf,
        /// GeoJSON FeatureCollection of Point features with an `id` property.
        #[arg(long)]
        units: PathBuf,
        /// The target as LON,LAT.
        #[arg(long, allow_hyphen_values = true)]
        at: String,
        /// How many.
        #[arg(short, default_value_t = 5)]
        k: usize,
        /// police, car or foot.
        #[arg(long, default_value = "police")]
        profile: String,
    },
}

fn profile(s: &str) -> anyhow::Result<Profile> {
    Profile::ALL
        .into_iter()
        .find(|p| p.as_str() == s)
        .ok_or_else(|| bad(format!("unknown profile `{s}`; one of: police, car, foot")))
}

/// Parses `LON,LAT`.
pub fn lon_lat(s: &str) -> anyhow::Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let parsed = match parts.as_slice() {
        [a, b] => a.parse::<f64>().ok().zip(b.parse::<f64>().ok()),
        _ => None,
    };
    match parsed {
        Some((lon, lat))
            if lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0 =>
        {
            Ok((lon, lat))
        }
        _ => Err(bad(format!(
            "`{s}` is not LON,LAT with lon in -180..180 and lat in -90..90"
        ))),
    }
}

/// A point of a POINTS file.
pub struct NamedPoint {
    /// The `id` property, string or number, as given.
    pub id: Value,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// Reads a GeoJSON FeatureCollection of Point features, each with an `id` property.
pub fn read_points(path: &Path) -> anyhow::Result<Vec<NamedPoint>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| bad(format!("{}: invalid JSON: {e}", path.display())))?;
    let features = v
        .get("features")
        .and_then(Value::as_array)
        .filter(|_| v.get("type").and_then(Value::as_str) == Some("FeatureCollection"))
        .ok_or_else(|| {
            bad(format!(
                "{}: not a GeoJSON FeatureCollection",
                path.display()
            ))
        })?;
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let where_ = || format!("{}: feature {i}", path.display());
        let geom = f.get("geometry").unwrap_or(&Value::Null);
        if geom.get("type").and_then(Value::as_str) != Some("Point") {
            return Err(bad(format!("{}: geometry must be a Point", where_())));
        }
        let c = geom
            .get("coordinates")
            .and_then(Value::as_array)
            .filter(|c| c.len() >= 2)
            .ok_or_else(|| bad(format!("{}: Point needs [lon, lat]", where_())))?;
        let (lon, lat) = match (c[0].as_f64(), c[1].as_f64()) {
            (Some(lon), Some(lat)) if lon.abs() <= 180.0 && lat.abs() <= 90.0 => (lon, lat),
            _ => {
                return Err(bad(format!(
                    "{}: coordinates out of range or not numbers",
                    where_()
                )))
            }
        };
        let id = f
            .get("properties")
            .and_then(|p| p.get("id"))
            .or_else(|| f.get("id"))
            .filter(|id| id.is_string() || id.is_number())
            .cloned()
            .ok_or_else(|| {
                bad(format!(
                    "{}: needs an `id` property (string or number)",
                    where_()
                ))
            })?;
        out.push(NamedPoint { id, lon, lat });
    }
    Ok(out)
}

/// Snaps every point; a point that snaps nowhere is an input error naming it.
pub fn snap_all(net: &RoadNetwork, p: Profile, pts: &[NamedPoint]) -> anyhow::Result<Vec<Snap>> {
    pts.iter()
        .map(|pt| {
            net.snap_for(p, pt.lon, pt.lat).ok_or_else(|| {
                bad(format!(
                    "point {} cannot be placed on the road network",
                    pt.id
                ))
            })
        })
        .collect()
}

fn print_json(v: &Value) -> anyhow::Result<ExitCode> {
    println!("{}", serde_json::to_string(v)?);
    Ok(ExitCode::SUCCESS)
}

pub fn roads(cmd: RoadsCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        RoadsCmd::Build { input, output } => {
            let t = Instant::now();
            let net = RoadNetwork::load(&input)?;
            let imported = t.elapsed().as_secs_f64();
            net.prepare_all();
            net.save_zroads(&output)?;
            eprintln!(
                "{}: {} nodes, {} edges, imported in {imported:.2} s, prepared and written in {:.2} s",
                output.display(),
                net.node_count(),
                net.edge_count(),
                t.elapsed().as_secs_f64() - imported
            );
            Ok(ExitCode::SUCCESS)
        }
        RoadsCmd::Info { file } => {
            let t = Instant::now();
            let net = RoadNetwork::load(&file)?;
            let load_s = t.elapsed().as_secs_f64();
            let t = Instant::now();
            net.prepare_all();
            let prep_s = t.elapsed().as_secs_f64();
            print_json(&json!({
                "file": file.display().to_string(),
                "nodes": net.node_count(),
                "edges": net.edge_count(),
                "roads": net.road_count(),
                "components": net.component_count(),
                "bbox": net.bbox(),
                "load_s": load_s,
                "build_s": prep_s,
            }))
        }
    }
}

pub fn route(cmd: RouteCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        RouteCmd::Matrix {
            roads,
            from,
            to,
            profile: p,
        } => {
            let p = profile(&p)?;
            let (from, to) = (read_points(&from)?, read_points(&to)?);
            let net = RoadNetwork::load(&roads)?;
            let (fs, ts) = (snap_all(&net, p, &from)?, snap_all(&net, p, &to)?);
            let m = net.matrix(p, &fs, &ts);
            print_json(&json!({ "seconds": m.seconds, "meters": m.meters }))
        }
        RouteCmd::Nearest {
            roads,
            units,
            at,
            k,
            profile: p,
        } => {
            let p = profile(&p)?;
            let (lon, lat) = lon_lat(&at)?;
            let units = read_points(&units)?;
            let net = RoadNetwork::load(&roads)?;
            let target = net
                .snap_for(p, lon, lat)
                .ok_or_else(|| bad(format!("{at} cannot be placed on the road network")))?;
            let cands = snap_all(&net, p, &units)?;
            let best = net.nearest_k(p, &target, &cands, k);
            let out: Vec<Value> = best
                .into_iter()
                .map(|(i, s, m)| json!({ "id": units[i].id, "seconds": s, "meters": m }))
                .collect();
            print_json(&Value::Array(out))
        }
    }
}
