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

/// The fastest speed a road may claim: no public road allows more, so anything above is a unit
/// mix-up (m/s, mph ×1000) or an attack on the travel times (`1e308` makes every trip free).
pub const MAX_SPEED_KMH: f64 = 200.0;
/// Longest accepted road name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

fn field_error(fi: usize, field: &str, msg: impl std::fmt::Display) -> RoadsError {
    RoadsError::InvalidGeoJson(format!("feature {fi}, field {field}: {msg}"))
}

fn attrs(fi: usize, props: Option<&Value>) -> Result<WayAttrs> {
    if let Some(p) = props {
        if !p.is_object() && !p.is_null() {
            return Err(field_error(fi, "properties", "must be an object or null"));
        }
    }
    let get = |k: &str| props.and_then(|p| p.get(k)).filter(|v| !v.is_null());
    let highway = match get("highway") {
        None => Highway::Road,
        // OSM has many more classes than the engine routes differently: unknown ones are roads.
        Some(Value::String(s)) => Highway::parse(s).unwrap_or(Highway::Road),
        Some(v) => {
            return Err(field_error(
                fi,
                "highway",
                format!("must be a string, got {v}"),
            ))
        }
    };
    let speed_kmh = match get("speed_kmh") {
        None => None,
        Some(v) => {
            let s = v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()));
            match s {
                Some(s) if s.is_finite() && s > 0.0 && s <= MAX_SPEED_KMH => Some(s),
                _ => {
                    return Err(field_error(
                        fi,
                        "speed_kmh",
                        format!("must be a number above 0 and at most {MAX_SPEED_KMH}, got {v}"),
                    ))
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
                return Err(field_error(
                    fi,
                    "oneway",
                    format!("must be true/false/\"yes\"/\"no\"/\"-1\", got {s:?}"),
                ))
            }
        },
        Some(v) => {
            return Err(field_error(
                fi,
                "oneway",
                format!("must be true/false/\"yes\"/\"no\"/\"-1\", got {v}"),
            ))
        }
    };
    let name = match get("name") {
        None => None,
        Some(Value::String(s)) => {
            if s.chars().count() > MAX_NAME_CHARS {
                return Err(field_error(
                    fi,
                    "name",
                    format!("at most {MAX_NAME_CHARS} characters"),
                ));
            }
            if s.chars().any(char::is_control) {
                return Err(field_error(fi, "name", "contains control characters"));
            }
            Some(s.trim().to_owned()).filter(|s| !s.is_empty())
        }
        Some(v) => {
            return Err(field_error(
                fi,
                "name",
                format!("must be a string, got {v}"),
            ))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_props(props: &str) -> Result<RoadNetwork> {
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[
            {{"type":"Feature","properties":{{"name":"甲路"}},"geometry":{{"type":"LineString","coordinates":[[112.20,30.30],[112.21,30.30]]}}}},
            {{"type":"Feature","properties":{props},"geometry":{{"type":"LineString","coordinates":[[112.21,30.30],[112.22,30.30]]}}}}]}}"#
        );
        import(text.as_bytes())
    }

    #[test]
    fn absurd_or_mistyped_properties_are_refused_naming_the_feature_and_field() {
        for (props, field) in [
            (r#"{"speed_kmh": 1e308}"#, "speed_kmh"),
            (r#"{"speed_kmh": 201}"#, "speed_kmh"),
            (r#"{"speed_kmh": -5}"#, "speed_kmh"),
            (r#"{"speed_kmh": "fast"}"#, "speed_kmh"),
            (r#"{"name": 12}"#, "name"),
            (r#"{"name": ["a"]}"#, "name"),
            (r#"{"name": {"zh": "乙路"}}"#, "name"),
            (r#"{"name": "a\u0000b"}"#, "name"),
            (r#"{"highway": 3}"#, "highway"),
            (r#"{"oneway": "sometimes"}"#, "oneway"),
            (r#"[1, 2]"#, "properties"),
        ] {
            let e = with_props(props).expect_err(props).to_string();
            assert!(
                e.contains(&format!("feature 1, field {field}")),
                "{props}: {e}"
            );
        }
        let long = format!(r#"{{"name": "{}"}}"#, "路".repeat(201));
        assert!(with_props(&long)
            .unwrap_err()
            .to_string()
            .contains("field name"));
    }

    #[test]
    fn sensible_properties_still_import() {
        for props in [
            r#"{"speed_kmh": 200, "name": "乙路", "highway": "primary", "oneway": "yes"}"#,
            r#"{"speed_kmh": "60"}"#,
            r#"{"highway": "something_osm_has"}"#,
            r#"null"#,
            r#"{}"#,
        ] {
            assert!(with_props(props).is_ok(), "{props}");
        }
    }
}
