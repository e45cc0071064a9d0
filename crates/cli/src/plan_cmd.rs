//! `zhihui plan …`: the interception and blockade planners for scripts (JSON on stdout).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{json, Value};
use zhihui_roads::plan::{self, BlockadeRequest, InterceptRequest, SuspectSpeed};
use zhihui_roads::RoadNetwork;

use crate::bad;
use crate::roads_cmd::{lon_lat, read_points, NamedPoint};

#[derive(Subcommand)]
pub enum PlanCmd {
    /// Close given points, one unit each, as early as possible (optimal bottleneck
    /// assignment, then least total travel time).
    Blockade {
        /// A .zroads, .osm.pbf or .geojson road file.
        #[arg(long)]
        roads: PathBuf,
        /// GeoJSON FeatureCollection of Point features with an `id`: the available units.
        #[arg(long)]
        units: PathBuf,
        /// Same format: the points to close.
        #[arg(long)]
        points: PathBuf,
        /// Also print each unit's route geometry.
        #[arg(long)]
        routes: bool,
    },
    /// A cordon of intersections around a fleeing suspect, each reached by its own unit
    /// before the suspect can get there. Times are seconds from the crime.
    Intercept {
        /// A .zroads, .osm.pbf or .geojson road file.
        #[arg(long)]
        roads: PathBuf,
        /// GeoJSON FeatureCollection of Point features with an `id`: the available units.
        #[arg(long)]
        units: PathBuf,
        /// The suspect's last known position as LON,LAT (at time 0).
        #[arg(long, allow_hyphen_values = true)]
        origin: String,
        /// Seconds from the crime until units can start moving.
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        head_start_s: f64,
        /// The suspect's speed on every road in km/h; without it, the `car` profile.
        #[arg(long, allow_hyphen_values = true)]
        suspect_speed_kmh: Option<f64>,
        /// Points that must be sealed (same format as --units); without it, the edge of
        /// the network.
        #[arg(long)]
        exits: Option<PathBuf>,
        /// Also print each unit's route and each open route's path.
        #[arg(long)]
        routes: bool,
    },
}

fn coords(points: &[NamedPoint]) -> Vec<[f64; 2]> {
    points.iter().map(|p| [p.lon, p.lat]).collect()
}

pub fn plan(cmd: PlanCmd) -> anyhow::Result<ExitCode> {
    let out = match cmd {
        PlanCmd::Blockade {
            roads,
            units,
            points,
            routes,
        } => {
            let (units, points) = (read_points(&units)?, read_points(&points)?);
            let net = RoadNetwork::load(&roads)?;
            let p = plan::blockade(
                &net,
                &BlockadeRequest {
                    points: coords(&points),
                    units: coords(&units),
                    with_routes: routes,
                },
            )?;
            let assignments: Vec<Value> = p
                .assignments
                .iter()
                .map(|a| {
                    let mut v = json!({
                        "point": points[a.point].id,
                        "unit": units[a.unit].id,
                        "travel_s": a.travel_s,
                        "meters": a.meters,
                    });
                    if routes {
                        v["route"] = json!(a.route);
                    }
                    v
                })
                .collect();
            json!({
                "makespan_s": p.makespan_s,
                "total_s": p.total_s,
                "assignments": assignments,
                "unassigned_points": p.unassigned_points.iter().map(|&i| &points[i].id).collect::<Vec<_>>(),
                "unusable_units": p.unusable_units.iter().map(|&i| &units[i].id).collect::<Vec<_>>(),
                "elapsed_ms": p.elapsed_ms,
            })
        }
        PlanCmd::Intercept {
            roads,
            units,
            origin,
            head_start_s,
            suspect_speed_kmh,
            exits,
            routes,
        } => {
            let (lon, lat) = lon_lat(&origin)?;
            if !head_start_s.is_finite() || head_start_s < 0.0 {
                return Err(bad("--head-start-s must be 0 or more seconds"));
            }
            let units = read_points(&units)?;
            let exits = exits.map(|e| read_points(&e)).transpose()?;
            let net = RoadNetwork::load(&roads)?;
            let p = plan::intercept(
                &net,
                &InterceptRequest {
                    origin: [lon, lat],
                    head_start_s,
                    suspect: suspect_speed_kmh
                        .map_or(SuspectSpeed::CarProfile, SuspectSpeed::FixedKmh),
                    units: coords(&units),
                    exits: exits.as_deref().map(coords),
                },
            )?;
            let cordon: Vec<Value> = p
                .cordon
                .iter()
                .map(|c| {
                    let mut v = json!({
                        "lon": c.lon,
                        "lat": c.lat,
                        "unit": units[c.unit].id,
                        "unit_arrival_s": c.unit_arrival_s,
                        "suspect_earliest_s": c.suspect_earliest_s,
                    });
                    if routes {
                        v["route"] = json!(c.route);
                    }
                    v
                })
                .collect();
            let open: Vec<Value> = p
                .open_routes
                .iter()
                .map(|o| {
                    let exit = net.node_position(o.exit_node);
                    let mut v = json!({
                        "lon": o.lon,
                        "lat": o.lat,
                        "suspect_earliest_s": o.suspect_earliest_s,
                        "exit": exit,
                    });
                    if routes {
                        v["path"] = json!(o.path);
                    }
                    v
                })
                .collect();
            json!({
                "complete": p.complete,
                "closing_s": p.closing_s,
                "cordon": cordon,
                "open_routes": open,
                "enclosed_nodes": p.enclosed_nodes,
                "reachable_exits": p.reachable_exits,
                "unusable_units": p.unusable_units.iter().map(|&i| &units[i].id).collect::<Vec<_>>(),
                "notes": p.notes,
                "elapsed_ms": p.elapsed_ms,
            })
        }
    };
    println!("{}", serde_json::to_string(&out)?);
    Ok(ExitCode::SUCCESS)
}
