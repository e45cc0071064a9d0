use serde::{Deserialize, Serialize};

use crate::DomainError;

/// A WGS84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LonLat {
    /// Longitude in degrees, -180..=180.
    #[cfg_attr(feature = "openapi", schema(minimum = -180, maximum = 180))]
    pub lon: f64,
    /// Latitude in degrees, -90..=90.
    #[cfg_attr(feature = "openapi", schema(minimum = -90, maximum = 90))]
    pub lat: f64,
}

impl LonLat {
    /// Rejects non-finite or out-of-range coordinates, naming `field.lon` / `field.lat`.
    pub fn validate(&self, field: &str) -> Result<(), DomainError> {
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            return Err(DomainError::invalid(
                format!("{field}.lon"),
                "longitude must be between -180 and 180",
            ));
        }
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            return Err(DomainError::invalid(
                format!("{field}.lat"),
                "latitude must be between -90 and 90",
            ));
        }
        Ok(())
    }

    /// Great-circle distance in meters (haversine), for duplicate detection and sanity checks;
    /// dispatch decisions use road travel time instead.
    pub fn distance_m(&self, other: &LonLat) -> f64 {
        const R: f64 = 6_371_008.8;
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * R * a.sqrt().asin()
    }

    /// Initial bearing towards `other` in degrees clockwise from north, `[0, 360)`: a vehicle's
    /// heading between two fixes.
    pub fn bearing_deg(&self, other: &LonLat) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dl = (other.lon - self.lon).to_radians();
        let y = dl.sin() * p2.cos();
        let x = p1.cos() * p2.sin() - p1.sin() * p2.cos() * dl.cos();
        y.atan2(x).to_degrees().rem_euclid(360.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_out_of_range_and_nan() {
        assert!(LonLat {
            lon: 181.0,
            lat: 0.0
        }
        .validate("location")
        .is_err());
        let e = LonLat {
            lon: 0.0,
            lat: f64::NAN,
        }
        .validate("location")
        .unwrap_err();
        assert_eq!(e.field(), Some("location.lat"));
        assert!(LonLat {
            lon: 112.2,
            lat: 30.3
        }
        .validate("location")
        .is_ok());
    }

    #[test]
    fn bearing_points_the_way() {
        let o = LonLat {
            lon: 112.0,
            lat: 30.0,
        };
        let north = LonLat {
            lon: 112.0,
            lat: 30.01,
        };
        let east = LonLat {
            lon: 112.01,
            lat: 30.0,
        };
        let south_west = LonLat {
            lon: 111.99,
            lat: 29.99,
        };
        assert!(o.bearing_deg(&north).abs() < 0.01);
        assert!((o.bearing_deg(&east) - 90.0).abs() < 0.1);
        let sw = o.bearing_deg(&south_west);
        assert!((220.0..230.0).contains(&sw), "{sw}");
    }

    #[test]
    fn distance_is_plausible() {
        let a = LonLat {
            lon: 112.0,
            lat: 30.0,
        };
        let b = LonLat {
            lon: 112.0,
            lat: 30.01,
        };
        let d = a.distance_m(&b);
        assert!((d - 1111.95).abs() < 1.0, "{d}");
    }
}
