use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use osmpbf::{Element, ElementReader};

use crate::builder::{Builder, Oneway, WayAttrs};
use crate::network::RoadNetwork;
use crate::{Highway, Result, RoadsError};

/// Options for [`RoadNetwork::from_osm_pbf`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Also import foot-only ways (footway, pedestrian, path, steps, track, cycleway,
    /// bridleway) for the Foot profile. Off by default: snapping then never lands a car on a
    /// footpath, and Foot walks along the drivable network.
    pub foot_ways: bool,
}

struct RawWay {
    id: i64,
    refs: Vec<i64>,
    attrs: WayAttrs,
}

fn is_any(v: Option<&str>, set: &[&str]) -> bool {
    v.is_some_and(|v| set.contains(&v))
}

/// Parses OSM `maxspeed`: "50", "50 km/h", "30 mph", "10 knots". Anything else
/// ("none", "signals", "DE:urban", "30;50") is ignored so the class default applies.
pub(crate) fn parse_maxspeed(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let v: f64 = s[..end].parse().ok()?;
    let factor = match s[end..].trim().to_ascii_lowercase().as_str() {
        "" | "km/h" | "kmh" | "kph" => 1.0,
        "mph" => 1.609_344,
        "knots" => 1.852,
        _ => return None,
    };
    let kmh = v * factor;
    (kmh.is_finite() && kmh > 0.0).then_some(kmh)
}

fn way_attrs(tags: &HashMap<&str, &str>, opts: &crate::ImportOptions) -> Option<WayAttrs> {
    let highway = Highway::parse(tags.get("highway")?)?;
    if tags.get("area") == Some(&"yes") {
        return None;
    }
    let t = |k: &str| tags.get(k).copied();
    const NO: &[&str] = &["no", "private"];
    const YES: &[&str] = &["yes", "designated", "permissive", "destination"];
    let vehicle_tag = t("motor_vehicle").or(t("motorcar"));
    let car = highway.drivable()
        && !is_any(t("motor_vehicle"), NO)
        && !is_any(t("motorcar"), NO)
        && (!is_any(t("access"), NO) || is_any(vehicle_tag, YES));
    let foot = highway.walkable()
        && !is_any(t("foot"), &["no", "private", "use_sidepath"])
        && (!is_any(t("access"), NO) || is_any(t("foot"), YES));
    let foot = if opts.foot_ways { foot } else { car && foot };
    if !car && !foot {
        return None;
    }
    let oneway = match t("oneway") {
        Some("yes" | "true" | "1") => Oneway::Forward,
        Some("-1" | "reverse") => Oneway::Backward,
        Some("no" | "false" | "0") => Oneway::Both,
        _ if is_any(t("junction"), &["roundabout", "circular"]) => Oneway::Forward,
        _ if highway == Highway::Motorway => Oneway::Forward,
        _ => Oneway::Both,
    };
    Some(WayAttrs {
        highway,
        name: t("name").map(str::to_string),
        oneway,
        speed_kmh: t("maxspeed").and_then(parse_maxspeed),
        car,
        foot,
    })
}

fn reader(path: &Path) -> Result<ElementReader<std::io::BufReader<std::fs::File>>> {
    let f = std::fs::File::open(path).map_err(|source| RoadsError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(ElementReader::new(std::io::BufReader::new(f)))
}

pub(crate) fn import(path: &Path, opts: &crate::ImportOptions) -> Result<RoadNetwork> {
    // Defence in depth: a decoder panic on hostile input must surface as an error.
    match catch_unwind(AssertUnwindSafe(|| import_inner(path, opts))) {
        Ok(r) => r,
        Err(_) => Err(RoadsError::Pbf("decoder failed on corrupt data".into())),
    }
}

fn import_inner(path: &Path, opts: &crate::ImportOptions) -> Result<RoadNetwork> {
    let pbf = |e: osmpbf::Error| RoadsError::Pbf(e.to_string());
    // Pass 1: roads. Blocks decode in parallel, so sort by id for a deterministic network.
    let mut ways: Vec<RawWay> = reader(path)?
        .par_map_reduce(
            |el| match el {
                Element::Way(w) => {
                    let tags: HashMap<&str, &str> = w.tags().collect();
                    match way_attrs(&tags, opts) {
                        Some(attrs) => vec![RawWay {
                            id: w.id(),
                            refs: w.refs().collect(),
                            attrs,
                        }],
                        None => Vec::new(),
                    }
                }
                _ => Vec::new(),
            },
            Vec::new,
            |mut a, mut b| {
                a.append(&mut b);
                a
            },
        )
        .map_err(pbf)?;
    ways.sort_unstable_by_key(|w| w.id);
    let mut needed: Vec<i64> = ways.iter().flat_map(|w| w.refs.iter().copied()).collect();
    needed.sort_unstable();
    needed.dedup();

    // Pass 2: coordinates of the nodes those roads use.
    let needed_ref = &needed;
    let mut coords: Vec<(i64, f64, f64)> = reader(path)?
        .par_map_reduce(
            |el| {
                let (id, lon, lat) = match el {
                    Element::Node(n) => (n.id(), n.lon(), n.lat()),
                    Element::DenseNode(n) => (n.id(), n.lon(), n.lat()),
                    _ => return Vec::new(),
                };
                if needed_ref.binary_search(&id).is_ok() {
                    vec![(id, lon, lat)]
                } else {
                    Vec::new()
                }
            },
            Vec::new,
            |mut a, mut b| {
                a.append(&mut b);
                a
            },
        )
        .map_err(pbf)?;
    coords.sort_unstable_by_key(|c| c.0);
    coords.dedup_by_key(|c| c.0);

    let mut b = Builder::new();
    let mut index: HashMap<i64, u32> = HashMap::with_capacity(coords.len());
    for &(id, lon, lat) in &coords {
        if !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0 {
            return Err(RoadsError::CoordinateOutOfRange {
                feature: id,
                lon,
                lat,
            });
        }
        index.insert(id, b.add_node(lon, lat)?);
    }
    // Extracts clip ways at the border: split at missing nodes instead of bridging the gap.
    let mut run = Vec::new();
    for w in ways {
        run.clear();
        for r in &w.refs {
            match index.get(r) {
                Some(&i) => run.push(i),
                None => {
                    if run.len() >= 2 {
                        b.add_way(&run, w.attrs.clone())?;
                    }
                    run.clear();
                }
            }
        }
        if run.len() >= 2 {
            b.add_way(&run, w.attrs)?;
        }
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maxspeed_forms() {
        assert_eq!(parse_maxspeed("50"), Some(50.0));
        assert_eq!(parse_maxspeed(" 80 km/h"), Some(80.0));
        assert!((parse_maxspeed("30 mph").unwrap() - 48.28032).abs() < 1e-9);
        assert!((parse_maxspeed("30mph").unwrap() - 48.28032).abs() < 1e-9);
        assert_eq!(parse_maxspeed("none"), None);
        assert_eq!(parse_maxspeed("DE:urban"), None);
        assert_eq!(parse_maxspeed("30;50"), None);
        assert_eq!(parse_maxspeed("0"), None);
        assert_eq!(parse_maxspeed(""), None);
    }

    fn attrs(pairs: &[(&'static str, &'static str)]) -> Option<WayAttrs> {
        let tags: HashMap<&str, &str> = pairs.iter().copied().collect();
        way_attrs(&tags, &crate::ImportOptions::default())
    }

    #[test]
    fn tag_rules() {
        assert!(attrs(&[("highway", "residential")]).is_some());
        assert!(attrs(&[("highway", "footway")]).is_none());
        assert!(attrs(&[("highway", "residential"), ("access", "private")]).is_none());
        assert!(attrs(&[("highway", "residential"), ("motor_vehicle", "no")]).is_none());
        assert!(attrs(&[
            ("highway", "service"),
            ("access", "no"),
            ("motor_vehicle", "yes")
        ])
        .is_some());
        let a = attrs(&[("highway", "primary"), ("junction", "roundabout")]).unwrap();
        assert_eq!(a.oneway, Oneway::Forward);
        let a = attrs(&[
            ("highway", "primary"),
            ("oneway", "-1"),
            ("maxspeed", "30 mph"),
        ])
        .unwrap();
        assert_eq!(a.oneway, Oneway::Backward);
        assert!(a.speed_kmh.is_some());
        let a = attrs(&[("highway", "motorway")]).unwrap();
        assert_eq!(a.oneway, Oneway::Forward);
        assert!(!a.foot);
    }
}
