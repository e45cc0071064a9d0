//! Places to look up by name (门牌 and POIs): house numbers (`addr:housenumber` with
//! `addr:street` or `addr:place`) and named points of interest (shops, schools, hospitals,
//! stations…) from an OpenStreetMap extract, or house numbers laid along the named roads of a
//! network that has none (a generated city). An intake form searches them beside the road names,
//! so a caller's "中山路 12 号" or "第一人民医院" lands on its door, not somewhere on the street.

use std::collections::HashMap;
use std::path::Path;

use osmpbf::{Element, ElementReader};

use crate::{Result, RoadNetwork, RoadsError};

/// What a place is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    /// A house number on a street.
    Address,
    /// A named point of interest.
    Poi,
}

impl PlaceKind {
    /// `address` or `poi`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PlaceKind::Address => "address",
            PlaceKind::Poi => "poi",
        }
    }
}

/// A place: its label as a person would say it, and where its door is.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// `中山路12号`, `Landstrasse 12`, `第一人民医院`.
    pub label: String,
    /// Address or point of interest.
    pub kind: PlaceKind,
    /// For a point of interest, its OSM category (`amenity=hospital`); empty for an address.
    pub category: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// The places of a city, searchable by any part of their label.
#[derive(Debug, Clone, Default)]
pub struct Places {
    items: Vec<Place>,
    /// Lower-cased labels, parallel to `items`.
    lower: Vec<String>,
}

/// Tags that make a named feature a point of interest.
const POI_KEYS: [&str; 9] = [
    "amenity",
    "shop",
    "tourism",
    "leisure",
    "office",
    "healthcare",
    "public_transport",
    "railway",
    "historic",
];

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A house number as it is said: `中山路12号` in Chinese, `Landstrasse 12` otherwise.
pub fn address_label(street: &str, number: &str) -> String {
    let number = number.trim();
    if has_cjk(street) {
        let number = number.trim_end_matches('号');
        format!("{street}{number}号")
    } else {
        format!("{street} {number}")
    }
}

fn place_of(tags: &HashMap<&str, &str>, lon: f64, lat: f64) -> Option<Place> {
    if let Some(num) = tags.get("addr:housenumber") {
        if let Some(street) = tags.get("addr:street").or_else(|| tags.get("addr:place")) {
            return Some(Place {
                label: address_label(street, num),
                kind: PlaceKind::Address,
                category: String::new(),
                lon,
                lat,
            });
        }
    }
    let name = tags.get("name")?;
    let (key, value) = POI_KEYS
        .iter()
        .find_map(|k| tags.get(k).map(|v| (*k, *v)))?;
    Some(Place {
        label: (*name).to_owned(),
        kind: PlaceKind::Poi,
        category: format!("{key}={value}"),
        lon,
        lat,
    })
}

impl Places {
    fn from_items(mut items: Vec<Place>) -> Places {
        items.sort_by(|a, b| a.label.cmp(&b.label));
        items.dedup_by(|a, b| {
            a.label == b.label && (a.lon - b.lon).abs() < 1e-5 && (a.lat - b.lat).abs() < 1e-5
        });
        let lower = items.iter().map(|p| p.label.to_lowercase()).collect();
        Places { items, lower }
    }

    /// How many places there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every place.
    pub fn iter(&self) -> impl Iterator<Item = &Place> {
        self.items.iter()
    }

    /// House numbers and named points of interest of an OpenStreetMap extract: tagged nodes, and
    /// tagged ways (buildings) at the mean of their nodes.
    pub fn from_osm(path: &Path) -> Result<Places> {
        let reader = ElementReader::from_path(path)
            .map_err(|e| RoadsError::Pbf(format!("{}: {e}", path.display())))?;
        let mut coords: HashMap<i64, (f64, f64)> = HashMap::new();
        let mut items = Vec::new();
        // Nodes come before ways in a PBF file, so every node of a way is known by then.
        reader
            .for_each(|el| match el {
                Element::Node(n) => {
                    coords.insert(n.id(), (n.lon(), n.lat()));
                    let tags: HashMap<&str, &str> = n.tags().collect();
                    if let Some(p) = place_of(&tags, n.lon(), n.lat()) {
                        items.push(p);
                    }
                }
                Element::DenseNode(n) => {
                    coords.insert(n.id(), (n.lon(), n.lat()));
                    let tags: HashMap<&str, &str> = n.tags().collect();
                    if let Some(p) = place_of(&tags, n.lon(), n.lat()) {
                        items.push(p);
                    }
                }
                Element::Way(w) => {
                    let tags: HashMap<&str, &str> = w.tags().collect();
                    if !(tags.contains_key("addr:housenumber") || tags.contains_key("name"))
                        || tags.contains_key("highway")
                    {
                        return;
                    }
                    let pts: Vec<(f64, f64)> =
                        w.refs().filter_map(|r| coords.get(&r).copied()).collect();
                    if pts.is_empty() {
                        return;
                    }
                    let n = pts.len() as f64;
                    let (lon, lat) = pts
                        .iter()
                        .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
                    if let Some(p) = place_of(&tags, lon, lat) {
                        items.push(p);
                    }
                }
                Element::Relation(_) => {}
            })
            .map_err(|e| RoadsError::Pbf(format!("{}: {e}", path.display())))?;
        Ok(Places::from_items(items))
    }

    /// House numbers laid along every named road of `net`, odd on the left and even on the right
    /// every `every_m` metres, numbered from the road's first node: for a network with no
    /// addresses of its own (a generated city), so that the demo's callers have doors.
    pub fn along_roads(net: &RoadNetwork, every_m: f64) -> Places {
        let every_m = every_m.max(5.0);
        let mut items = Vec::new();
        let mut next: HashMap<String, u32> = HashMap::new();
        for w in 0..net.road_count() {
            let Some(name) = net.road_name(w) else {
                continue;
            };
            let pts: Vec<[f64; 2]> = net.road_geometry(w);
            let start = next.entry(name.to_owned()).or_insert(1);
            let mut along = 0.0;
            let mut due = every_m / 2.0;
            for seg in pts.windows(2) {
                let ([x0, y0], [x1, y1]) = (seg[0], seg[1]);
                let kx = 111_320.0 * y0.to_radians().cos();
                let (dx, dy) = ((x1 - x0) * kx, (y1 - y0) * 111_320.0);
                let len = dx.hypot(dy);
                if len <= 0.0 {
                    continue;
                }
                while due <= along + len {
                    let f = (due - along) / len;
                    // 12 m off the centre line, to the left for odd numbers, right for even.
                    let side = if *start % 2 == 1 { 1.0 } else { -1.0 };
                    let (ox, oy) = (-dy / len * 12.0 * side, dx / len * 12.0 * side);
                    items.push(Place {
                        label: address_label(name, &start.to_string()),
                        kind: PlaceKind::Address,
                        category: String::new(),
                        lon: x0 + (x1 - x0) * f + ox / kx,
                        lat: y0 + (y1 - y0) * f + oy / 111_320.0,
                    });
                    *start += 1;
                    due += every_m / 2.0;
                }
                along += len;
            }
        }
        Places::from_items(items)
    }

    /// Places whose label contains `query` (any case), best first: the exact label, then labels
    /// that start with it, then the shortest; at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Place> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        // Spaces are optional in a Chinese address ("中山路 12 号" = "中山路12号").
        let q_tight: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        let mut hits: Vec<(u8, usize, usize)> = self
            .lower
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let rank = if *l == q || *l == q_tight {
                    0
                } else if l.starts_with(&q) || l.starts_with(&q_tight) {
                    1
                } else if l.contains(&q) || (has_cjk(l) && l.contains(&q_tight)) {
                    2
                } else {
                    return None;
                };
                Some((rank, l.chars().count(), i))
            })
            .collect();
        hits.sort_unstable();
        hits.into_iter()
            .take(limit)
            .map(|(_, _, i)| &self.items[i])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_people_say_them() {
        assert_eq!(address_label("中山路", "12"), "中山路12号");
        assert_eq!(address_label("中山路", "12号"), "中山路12号");
        assert_eq!(address_label("Landstrasse", "12a"), "Landstrasse 12a");
    }

    #[test]
    fn tagged_features_become_addresses_or_pois_and_others_nothing() {
        let tags =
            |p: &[(&'static str, &'static str)]| p.iter().copied().collect::<HashMap<_, _>>();
        let a = place_of(
            &tags(&[("addr:street", "中山路"), ("addr:housenumber", "7")]),
            1.0,
            2.0,
        )
        .unwrap();
        assert_eq!(
            (a.label.as_str(), a.kind),
            ("中山路7号", PlaceKind::Address)
        );
        let h = place_of(
            &tags(&[("name", "第一人民医院"), ("amenity", "hospital")]),
            1.0,
            2.0,
        )
        .unwrap();
        assert_eq!(
            (h.kind, h.category.as_str()),
            (PlaceKind::Poi, "amenity=hospital")
        );
        assert!(
            place_of(&tags(&[("name", "某某")]), 1.0, 2.0).is_none(),
            "a name alone is no POI"
        );
        assert!(
            place_of(&tags(&[("addr:housenumber", "3")]), 1.0, 2.0).is_none(),
            "a number without a street"
        );
    }

    #[test]
    fn a_generated_city_gets_house_numbers_along_its_named_roads_and_search_finds_them() {
        let net = crate::generate::city(crate::generate::GenParams {
            seed: 7,
            target_nodes: 800,
            ..Default::default()
        })
        .unwrap();
        let places = Places::along_roads(&net, 40.0);
        assert!(places.len() > 100, "{}", places.len());
        let first = &places.items[0];
        // The street of the first place, and its number 1 and 2 on either side.
        let street = first
            .label
            .trim_end_matches('号')
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .to_owned();
        let one = places.search(&format!("{street}1号"), 5);
        assert_eq!(one[0].label, format!("{street}1号"), "the exact door first");
        let spaced = places.search(&format!("{street} 1 号"), 5);
        assert_eq!(
            spaced[0].label, one[0].label,
            "spaces do not matter in Chinese"
        );
        let two = places.search(&format!("{street}2号"), 1)[0];
        let d = ((one[0].lon - two.lon) * 96_000.0).hypot((one[0].lat - two.lat) * 111_320.0);
        assert!(d < 60.0, "neighbours are close: {d} m");
        assert!(places.search("", 5).is_empty());
        assert!(places.search("不存在的路", 5).is_empty());
    }

    #[test]
    fn an_osm_extract_yields_its_house_numbers_and_pois() {
        let dir = std::env::var_os("ZHIHUI_SHARED_DATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
        let path = dir.join("roads/liechtenstein.osm.pbf");
        if !path.is_file() {
            eprintln!("skipped: {} not found", path.display());
            return;
        }
        let places = Places::from_osm(&path).unwrap();
        let addresses = places
            .items
            .iter()
            .filter(|p| p.kind == PlaceKind::Address)
            .count();
        let pois = places
            .items
            .iter()
            .filter(|p| p.kind == PlaceKind::Poi)
            .count();
        assert!(
            addresses > 500 && pois > 100,
            "{addresses} addresses, {pois} POIs"
        );
        let hit = places.search("Landstrasse 1", 3);
        assert!(
            !hit.is_empty() && hit[0].label.starts_with("Landstrasse 1"),
            "{hit:?}"
        );
        let [lon0, lat0, lon1, lat1] = [9.47, 47.04, 9.64, 47.28];
        assert!(hit
            .iter()
            .all(|p| (lon0..lon1).contains(&p.lon) && (lat0..lat1).contains(&p.lat)));
    }
}
