use std::collections::HashMap;

use serde_json::Value;

use crate::builder::{Builder, Oneway, WayAttrs};
use crate::network::RoadNetwork;
use crate::{Highway, Result, RoadsError};

/// Coordinates equal after rounding to 1e-7 degrees (~1 cm) are the same intersection.
fn key(lon: f64, lat: f64) -> (i64, i64) {
    ((lon * 1e7).round() as i64, (lat * 1e7).round() as i64)
}

pub(crate) fn import(bytes: &[u8]) -> Result<RoadNetwork> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| RoadsError::Json(e.to_string()))?;
    let bad = |m: String| RoadsError::InvalidGeoJson(m);
    if v.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad("top level must be a FeatureCollection".into()));
    }
    let features = v
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("FeatureCollection without a \"features\" array".into()))?;
    let mut b = Builder::new();
    let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
    for (fi, f) in features.iter().enumerate() {
        let Some(geom) = f.get("geometry").filter(|g| g.is_object()) else {
            continue;
        };
        let lines: Vec<&Value> = match geom.get("type").and_then(Value::as_str) {
            Some("LineString") => vec![geom
                .get("coordinates")
                .ok_or_else(|| bad(format!("feature {fi}: LineString without coordinates")))?],
            Some("MultiLineString") => geom
                .get("coordinates")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("feature {fi}: MultiLineString without coordinates")))?
                .iter()
                .collect(),
            _ => continue,
        };
        let attrs = attrs(fi, f.get("properties"))?;
        for line in lines {
            let pts = line
                .as_array()
                .ok_or_else(|| bad(format!("feature {fi}: coordinates must be an array")))?;
            let mut nodes = Vec::with_capacity(pts.len());
            for p in pts {
                let (lon, lat) = position(fi, p)?;
                let k = key(lon, lat);
                let id = match ids.get(&k) {
                    Some(&id) => id,
                    None => {
                        let id = b.add_node(k.0 as f64 / 1e7, k.1 as f64 / 1e7)?;
                        ids.insert(k, id);
                        id
                    }
                };
                nodes.push(id);
            }
            b.add_way(&nodes, attrs.clone())?;
        }
    }
    b.finish()
}

fn position(fi: usize, p: &Value) -> Result<(f64, f64)> {
    let a = p.as_array().filter(|a| a.len() >= 2).ok_or_else(|| {
        RoadsError::InvalidGeoJson(format!("feature {fi}: a position must be [lon, lat]"))
    })?;
    let (Some(lon), Some(lat)) = (a[0].as_f64(), a[1].as_f64()) else {
        return Err(RoadsError::InvalidGeoJson(format!(
            "feature {fi}: position values must be numbers"
        )));
    };
    if !lon.is_finite() || !lat.is_finite() || lon.abs() > 180.0 || lat.abs() > 90.0 {
        return Err(RoadsError::CoordinateOutOfRange {
            feature: fi as i64,
            lon,
            lat,
        });
    }
    Ok((lon, lat))
}

fn attrs(fi: usize, props: Option<&Value>) -> Result<WayAttrs> {
    let get = |k: &str| props.and_then(|p| p.get(k)).filter(|v| !v.is_null());
    let highway = match get("highway") {
        Some(Value::String(s)) => Highway::parse(s).unwrap_or(Highway::Road),
        _ => Highway::Road,
    };
    let speed_kmh = match get("speed_kmh") {
        None => None,
        Some(v) => {
            let s = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
            match s {
                Some(s) if s.is_finite() && s > 0.0 => Some(s),
                _ => {
                    return Err(RoadsError::InvalidGeoJson(format!(
                        "feature {fi}: speed_kmh must be a positive number, got {v}"
                    )))
                }
            }
        }
    };
    let oneway = match get("oneway") {
        None => Oneway::Both,
        Some(Value::Bool(true)) => Oneway::Forward,
        Some(Value::Bool(false)) => Oneway::Both,
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Oneway::Forward,
        Some(Value::Number(n)) if n.as_i64() == Some(-1) => Oneway::Backward,
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Oneway::Both,
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "yes" | "true" | "1" => Oneway::Forward,
            "-1" | "reverse" => Oneway::Backward,
            "no" | "false" | "0" | "" => Oneway::Both,
            _ => {
                return Err(RoadsError::InvalidGeoJson(format!(
                    "feature {fi}: oneway must be true/false/\"yes\"/\"no\"/\"-1\", got {s:?}"
                )))
            }
        },
        Some(v) => {
            return Err(RoadsError::InvalidGeoJson(format!(
                "feature {fi}: oneway must be true/false/\"yes\"/\"no\"/\"-1\", got {v}"
            )))
        }
    };
    let name = match get("name") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    Ok(WayAttrs {
        highway,
        name,
        oneway,
        speed_kmh,
        car: highway.drivable(),
        foot: highway.walkable(),
    })
}
