//! Organisation areas (辖区): the ground a station or district answers for, so that a call
//! lands in the station whose area holds it. An area is a GeoJSON `Polygon` or `MultiPolygon`
//! (or a `Feature` carrying one) in longitude/latitude, checked on the way in: closed rings of at
//! least four positions, finite coordinates on the globe, and valid by the OGC rules (no ring
//! crossing itself or another; `geo`'s validation). Siblings may share a border, not ground.

use ::geo::algorithm::{Area as _, BooleanOps, Contains, Validation};
use ::geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use serde_json::{json, Value};

use crate::{DomainError, LonLat};

/// Most positions in one area (all rings together): a station boundary traced from a map has
/// hundreds; a hundred thousand is a mistake (or an attack on the point-in-area test).
pub const MAX_AREA_POSITIONS: usize = 20_000;

/// Metres per degree of latitude (spherical Earth), for the overlap tolerance.
const M_PER_DEG: f64 = 111_320.0;

/// An organisation's area, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    shape: MultiPolygon<f64>,
}

fn invalid(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::invalid(field, message)
}

fn ring(v: &Value, field: &str, count: &mut usize) -> Result<LineString<f64>, DomainError> {
    let pts = v
        .as_array()
        .ok_or_else(|| invalid(field, "a ring is an array of [lon, lat] positions"))?;
    if pts.len() < 4 {
        return Err(invalid(
            field,
            "a ring needs at least 4 positions (the last repeating the first)",
        ));
    }
    *count += pts.len();
    if *count > MAX_AREA_POSITIONS {
        return Err(invalid(
            field,
            format!("at most {MAX_AREA_POSITIONS} positions in an area"),
        ));
    }
    let mut coords = Vec::with_capacity(pts.len());
    for (i, p) in pts.iter().enumerate() {
        let (lon, lat) = match p.as_array().map(Vec::as_slice) {
            Some([lon, lat, ..]) => (lon.as_f64(), lat.as_f64()),
            _ => (None, None),
        };
        let (Some(lon), Some(lat)) = (lon, lat) else {
            return Err(invalid(
                &format!("{field}[{i}]"),
                "a position is [lon, lat] in degrees",
            ));
        };
        if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
            return Err(invalid(
                &format!("{field}[{i}]"),
                "longitude within ±180 and latitude within ±90",
            ));
        }
        coords.push(Coord { x: lon, y: lat });
    }
    if coords.first() != coords.last() {
        return Err(invalid(
            field,
            "the ring is not closed: its last position must repeat the first",
        ));
    }
    Ok(LineString::new(coords))
}

fn polygon(v: &Value, field: &str, count: &mut usize) -> Result<Polygon<f64>, DomainError> {
    let rings = v
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or_else(|| invalid(field, "a polygon is an array of rings, the outer one first"))?;
    let mut it = rings.iter().enumerate();
    let (_, outer) = it.next().expect("not empty");
    let exterior = ring(outer, &format!("{field}[0]"), count)?;
    let holes = it
        .map(|(i, r)| ring(r, &format!("{field}[{i}]"), count))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

impl Area {
    /// Reads an area from GeoJSON: a `Polygon` or `MultiPolygon` geometry, or a `Feature` with
    /// one. Errors name `field` (and the ring or position within it).
    pub fn from_geojson(v: &Value, field: &str) -> Result<Area, DomainError> {
        let geometry = match v.get("type").and_then(Value::as_str) {
            Some("Feature") => v
                .get("geometry")
                .ok_or_else(|| invalid(field, "the feature has no geometry"))?,
            _ => v,
        };
        let coords = geometry.get("coordinates");
        let mut count = 0;
        let shape = match (geometry.get("type").and_then(Value::as_str), coords) {
            (Some("Polygon"), Some(c)) => MultiPolygon::new(vec![polygon(
                c,
                &format!("{field}.coordinates"),
                &mut count,
            )?]),
            (Some("MultiPolygon"), Some(c)) => {
                let parts = c
                    .as_array()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| invalid(field, "a multipolygon is an array of polygons"))?;
                MultiPolygon::new(
                    parts
                        .iter()
                        .enumerate()
                        .map(|(i, p)| polygon(p, &format!("{field}.coordinates[{i}]"), &mut count))
                        .collect::<Result<_, _>>()?,
                )
            }
            _ => {
                return Err(invalid(
                    field,
                    "a GeoJSON Polygon or MultiPolygon (or a Feature with one) is expected",
                ))
            }
        };
        if let Err(e) = shape.check_validation() {
            return Err(invalid(field, format!("not a valid area: {e}")));
        }
        if shape.unsigned_area() <= 0.0 {
            return Err(invalid(field, "the area is empty"));
        }
        Ok(Area { shape })
    }

    /// The area as a GeoJSON `MultiPolygon` geometry.
    pub fn to_geojson(&self) -> Value {
        let polys: Vec<Value> = self
            .shape
            .0
            .iter()
            .map(|p| {
                let rings: Vec<Value> = std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|r| Value::Array(r.0.iter().map(|c| json!([c.x, c.y])).collect()))
                    .collect();
                Value::Array(rings)
            })
            .collect();
        json!({ "type": "MultiPolygon", "coordinates": polys })
    }

    /// Whether `p` lies inside (a point on the border counts as outside, so that of two
    /// neighbours sharing a border neither takes a call on it by accident; the caller falls back).
    pub fn contains(&self, p: &LonLat) -> bool {
        self.shape.contains(&Point::new(p.lon, p.lat))
    }

    /// Approximate size in square metres (fine for comparing neighbours, not for surveying).
    pub fn square_metres(&self) -> f64 {
        deg2_to_m2(self.shape.unsigned_area(), self.mid_lat())
    }

    /// The ground shared with `other`, in square metres (a shared border shares none).
    pub fn overlap_square_metres(&self, other: &Area) -> f64 {
        let both = self.shape.intersection(&other.shape);
        deg2_to_m2(both.unsigned_area(), self.mid_lat())
    }

    /// Whether `other` covers a noticeable part of this area: more than 1% of the smaller of the
    /// two. Borders traced independently by two people rarely agree to the metre; a sliver along
    /// the border is not an overlap.
    pub fn overlaps(&self, other: &Area) -> bool {
        let smaller = self.square_metres().min(other.square_metres());
        self.overlap_square_metres(other) > 0.01 * smaller
    }

    fn mid_lat(&self) -> f64 {
        use ::geo::BoundingRect;
        self.shape
            .bounding_rect()
            .map(|r| (r.min().y + r.max().y) / 2.0)
            .unwrap_or(0.0)
    }
}

fn deg2_to_m2(deg2: f64, lat: f64) -> f64 {
    deg2 * M_PER_DEG * M_PER_DEG * lat.to_radians().cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, d: f64) -> Value {
        json!({ "type": "Polygon", "coordinates": [[[x0, y0], [x0 + d, y0], [x0 + d, y0 + d], [x0, y0 + d], [x0, y0]]] })
    }

    #[test]
    fn a_square_contains_its_inside_and_round_trips() {
        let a = Area::from_geojson(&square(112.0, 30.0, 0.01), "area").unwrap();
        assert!(a.contains(&LonLat {
            lon: 112.005,
            lat: 30.005
        }));
        assert!(!a.contains(&LonLat {
            lon: 112.02,
            lat: 30.005
        }));
        // About 1.11 km × 0.96 km.
        let m2 = a.square_metres();
        assert!((1.0e6..1.2e6).contains(&m2), "{m2}");
        let again = Area::from_geojson(&a.to_geojson(), "area").unwrap();
        assert_eq!(again, a);
        let feature =
            json!({ "type": "Feature", "properties": {}, "geometry": square(112.0, 30.0, 0.01) });
        assert_eq!(Area::from_geojson(&feature, "area").unwrap(), a);
    }

    #[test]
    fn bad_areas_are_refused_naming_the_place() {
        let open = json!({ "type": "Polygon", "coordinates": [[[112.0, 30.0], [112.1, 30.0], [112.1, 30.1], [112.0, 30.1]]] });
        let e = Area::from_geojson(&open, "area").unwrap_err();
        assert_eq!(e.field(), Some("area.coordinates[0]"));
        assert!(e.to_string().contains("not closed"), "{e}");
        // A bow tie crosses itself.
        let bow = json!({ "type": "Polygon", "coordinates": [[[112.0, 30.0], [112.1, 30.1], [112.1, 30.0], [112.0, 30.1], [112.0, 30.0]]] });
        let e = Area::from_geojson(&bow, "area").unwrap_err();
        assert_eq!(e.field(), Some("area"));
        assert!(e.to_string().contains("not a valid area"), "{e}");
        let far = json!({ "type": "Polygon", "coordinates": [[[190.0, 30.0], [112.1, 30.0], [112.1, 30.1], [190.0, 30.0]]] });
        assert_eq!(
            Area::from_geojson(&far, "area").unwrap_err().field(),
            Some("area.coordinates[0][0]")
        );
        let point = json!({ "type": "Point", "coordinates": [112.0, 30.0] });
        assert_eq!(
            Area::from_geojson(&point, "area").unwrap_err().field(),
            Some("area")
        );
    }

    #[test]
    fn neighbours_sharing_a_border_do_not_overlap_but_covering_ground_does() {
        let a = Area::from_geojson(&square(112.0, 30.0, 0.01), "a").unwrap();
        let east = Area::from_geojson(&square(112.01, 30.0, 0.01), "b").unwrap();
        assert!(!a.overlaps(&east));
        assert!(east.overlap_square_metres(&a) < 1.0);
        let half = Area::from_geojson(&square(112.005, 30.0, 0.01), "c").unwrap();
        assert!(a.overlaps(&half));
        let m2 = a.overlap_square_metres(&half);
        assert!((0.45e6..0.6e6).contains(&m2), "{m2}");
    }
}
