//! The city's road network for the server and the demo: loading, the base map drawn from it, and
//! the adapter through which the simulator drives on it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::{Rng, RngCore};
use zhihui_core::{LonLat, UnitKind};
use zhihui_roads::{generate, Profile, RoadNetwork};
use zhihui_server::MapData;
use zhihui_sim::{CityMap, DeployPlan, Place};

/// A loaded network with what the server and the simulator need from it.
pub struct Loaded {
    /// The base map for the console.
    pub map: MapData,
    /// The network for the simulator.
    pub city: Arc<dyn CityMap>,
    /// One line telling where the city came from.
    pub note: String,
}

struct RoadsCity {
    net: Arc<RoadNetwork>,
}

impl CityMap for RoadsCity {
    fn random_point(&self, rng: &mut dyn RngCore) -> (LonLat, String) {
        let n = self.net.node_count().max(1) as u32;
        for _ in 0..32 {
            let node = rng.gen_range(0..n);
            let Some([lon, lat]) = self.net.node_position(node) else {
                continue;
            };
            if let Some(s) = self.net.snap_for(Profile::Police, lon, lat) {
                return (
                    LonLat {
                        lon: s.lon,
                        lat: s.lat,
                    },
                    s.name.unwrap_or_default(),
                );
            }
        }
        let b = self.net.bbox();
        (
            LonLat {
                lon: (b[0] + b[2]) / 2.0,
                lat: (b[1] + b[3]) / 2.0,
            },
            String::new(),
        )
    }

    fn fastest_to(&self, at: LonLat, candidates: &[LonLat]) -> Option<(usize, f64)> {
        let target = self.net.snap_for(Profile::Police, at.lon, at.lat)?;
        let (idx, snaps): (Vec<usize>, Vec<_>) = candidates
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                self.net
                    .snap_for(Profile::Police, c.lon, c.lat)
                    .map(|s| (i, s))
            })
            .unzip();
        let best = self.net.nearest_k(Profile::Police, &target, &snaps, 1);
        best.first().map(|(i, secs, _)| (idx[*i], *secs))
    }

    fn deploy(&self, places: &[Place], units: &[(LonLat, UnitKind)]) -> Option<DeployPlan> {
        // The same planner call the API's proposals make.
        match zhihui_store::major_events::planning::optimal(&self.net, places, units) {
            Ok(d) => Some(DeployPlan {
                postings: d
                    .postings
                    .iter()
                    .map(|p| (p.post, p.unit, p.travel_s))
                    .collect(),
                makespan_s: d.makespan_s,
                elapsed_ms: d.elapsed_ms,
            }),
            Err(e) => {
                tracing::warn!(error = %e, "demo deployment failed");
                None
            }
        }
    }

    fn bbox(&self) -> Option<[f64; 4]> {
        Some(self.net.bbox())
    }

    fn route(&self, from: LonLat, to: LonLat) -> Option<Vec<LonLat>> {
        let a = self.net.snap_for(Profile::Police, from.lon, from.lat)?;
        let b = self.net.snap_for(Profile::Police, to.lon, to.lat)?;
        let r = self.net.route(Profile::Police, &a, &b)?;
        Some(
            r.geometry
                .into_iter()
                .map(|[lon, lat]| LonLat { lon, lat })
                .collect(),
        )
    }
}

fn finish(
    net: RoadNetwork,
    source: &str,
    generated: bool,
    places: zhihui_roads::Places,
    note: String,
) -> Loaded {
    let net = Arc::new(net);
    // Build the routing index now rather than on the first query of the first dispatch.
    net.prepare(Profile::Police);
    let map = MapData::from_network(net.clone(), source, generated).with_places(places);
    Loaded {
        map,
        city: Arc::new(RoadsCity { net }),
        note,
    }
}

/// Metres between house numbers laid along a road on one side (a city block of shops).
const HOUSE_EVERY_M: f64 = 30.0;

/// Loads a road file (.osm.pbf, .geojson or .zroads).
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let started = std::time::Instant::now();
    let net = RoadNetwork::load(path)?;
    let note = format!(
        "road network {}: {} nodes, {} edges, loaded in {:.1} s",
        path.display(),
        net.node_count(),
        net.edge_count(),
        started.elapsed().as_secs_f64()
    );
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // An OpenStreetMap extract brings its house numbers and points of interest; a file without
    // them (GeoJSON, .zroads) gets numbers laid along its named roads.
    let is_pbf = name.ends_with(".pbf");
    let places = if is_pbf {
        zhihui_roads::Places::from_osm(path).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "no house numbers or points of interest from the extract");
            zhihui_roads::Places::default()
        })
    } else {
        zhihui_roads::Places::along_roads(&net, HOUSE_EVERY_M)
    };
    let note = format!("{note}, {} house numbers and places", places.len());
    let generated = false;
    Ok(finish(net, &name, generated, places, note))
}

/// Where the shared test data lives: `ZHIHUI_SHARED_DATA`, else `../shared/data` from the working
/// directory or from the repository the binary was built in.
pub fn shared_data_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("ZHIHUI_SHARED_DATA") {
        return Some(PathBuf::from(d));
    }
    let mut candidates = vec![PathBuf::from("../shared/data")];
    if let Ok(exe) = std::env::current_exe() {
        // target/{debug,release}/zhihui → repository root → ../shared/data
        if let Some(root) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
            candidates.push(root.join("../shared/data"));
        }
    }
    candidates.into_iter().find(|p| p.is_dir())
}

/// The demo's city: the shared Liechtenstein extract when present, else a generated one.
pub fn default_demo_city() -> anyhow::Result<Loaded> {
    if let Some(pbf) = shared_data_dir()
        .map(|d| d.join("roads/liechtenstein.osm.pbf"))
        .filter(|p| p.is_file())
    {
        let mut l = load(&pbf)?;
        l.note = format!("demo city: OpenStreetMap extract ({})", l.note);
        return Ok(l);
    }
    let net = generate::city(generate::GenParams {
        seed: 2020,
        target_nodes: 6_000,
        // National roads into the city: the accesses an interception cordon must close.
        accesses: 8,
        ..Default::default()
    })?;
    let note = format!(
        "demo city: no shared OpenStreetMap data found (../shared/data or ZHIHUI_SHARED_DATA), \
         so a city was generated: {} nodes with Chinese street names around lon 112.24, lat 30.33",
        net.node_count()
    );
    let places = zhihui_roads::Places::along_roads(&net, HOUSE_EVERY_M);
    Ok(finish(net, "generated", true, places, note))
}
