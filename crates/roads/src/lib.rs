//! Road network engine for Zhihui: import (OSM PBF, GeoJSON, `.zroads`), snapping,
//! travel-time routing per [`Profile`], matrices, isochrones and a synthetic city generator.
//!
//! ```
//! use zhihui_roads::{Profile, RoadNetwork};
//! let net = RoadNetwork::from_geojson_str(r#"{"type":"FeatureCollection","features":[
//!   {"type":"Feature","properties":{"name":"人民路","highway":"primary","speed_kmh":36},
//!    "geometry":{"type":"LineString","coordinates":[[112.0,30.0],[112.01,30.0]]}}]}"#)?;
//! let a = net.snap(112.0, 30.0).unwrap();
//! let b = net.snap(112.01, 30.0).unwrap();
//! let r = net.route(Profile::Car, &a, &b).unwrap();
//! assert!((r.meters - 963.0).abs() < 2.0);
//! assert!((r.seconds - r.meters / 10.0).abs() < 0.01); // 36 km/h = 10 m/s
//! # Ok::<(), zhihui_roads::RoadsError>(())
//! ```
//!
//! Turn restrictions and turn costs are not modelled: every intersection allows every turn.
#![deny(missing_docs)]

mod builder;
mod ch;
mod contract;
mod dijkstra;
pub mod generate;
mod geojson;
mod network;
mod osm;
mod phast;
pub mod places;
pub mod plan;
mod profile;
#[doc(hidden)]
pub mod raw;
mod snap;
mod zroads;

pub use network::{Isochrone, Matrix, RoadNetwork, Route};
pub use osm::ImportOptions;
pub use phast::{Direction, TravelTimes};
pub use places::{Place, PlaceKind, Places};
pub use profile::{Highway, Profile};
pub use snap::Snap;

use std::path::PathBuf;

/// Everything that can go wrong in this crate. Bad input never panics; it ends up here.
#[derive(Debug, thiserror::Error)]
pub enum RoadsError {
    /// The file could not be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// [`RoadNetwork::load`] does not know the file extension.
    #[error("unsupported road file {0}: expected .osm.pbf, .pbf, .geojson, .json or .zroads")]
    UnsupportedFormat(PathBuf),
    /// The OSM PBF file is truncated or corrupt.
    #[error("invalid OSM PBF data: {0}")]
    Pbf(String),
    /// The GeoJSON text is not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// The JSON is valid but is not a usable GeoJSON road FeatureCollection.
    #[error("invalid GeoJSON: {0}")]
    InvalidGeoJson(String),
    /// A coordinate is outside lon -180..180 / lat -90..90 or not a finite number.
    #[error("coordinate out of range in feature {feature}: lon {lon}, lat {lat}")]
    CoordinateOutOfRange {
        /// Index of the feature in the FeatureCollection (or the OSM way id).
        feature: i64,
        /// Longitude as given.
        lon: f64,
        /// Latitude as given.
        lat: f64,
    },
    /// The input holds no usable road at all.
    #[error("the input contains no usable road")]
    EmptyNetwork,
    /// The file does not start with the `.zroads` magic bytes.
    #[error("not a .zroads file (bad magic bytes)")]
    NotZroads,
    /// The `.zroads` file was written by another format version.
    #[error(".zroads format version {found} is not supported (this build reads version {supported}); re-import the source data")]
    UnsupportedVersion {
        /// Version found in the file.
        found: u32,
        /// Version this build reads.
        supported: u32,
    },
    /// The `.zroads` file is truncated, fails its checksum or holds inconsistent data.
    #[error("corrupt .zroads file: {0}")]
    Corrupt(String),
    /// The network exceeds the compact index range (more than 4 billion nodes or edges).
    #[error("network too large: {0}")]
    TooLarge(String),
    /// A planner's input is unusable; `field` names the part of the request at fault.
    #[error("{field}: {message}")]
    InvalidPlanInput {
        /// The request field at fault (`origin`, `units`, `points`, `exits`, …).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// Invalid generator parameters.
    #[error("invalid generator parameters: {0}")]
    InvalidParams(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, RoadsError>;

/// Mean Earth radius (IUGG) used for all haversine lengths, in meters.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in meters between two lon/lat points (haversine, R = [`EARTH_RADIUS_M`]).
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}
