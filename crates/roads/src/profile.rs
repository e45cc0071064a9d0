use serde::{Deserialize, Serialize};

/// Who travels: decides which roads are usable, one-way handling and speeds.
///
/// * `Car`: the class default speed from [`Highway::car_kmh`], or exactly the explicit speed
///   (`maxspeed` / `speed_kmh`) when the input gives one. Obeys one-way.
/// * `Police`: responding with lights: class default × [`Profile::POLICE_FACTOR`], capped at
///   [`Profile::POLICE_CAP_KMH`]; exactly the explicit speed when the input gives one
///   (an explicit limit is the input's statement of how fast that road is driven). Obeys one-way
///   (dispatch should not plan wrong-way driving).
/// * `Foot`: 5 km/h on every walkable road in both directions; motorways and trunk roads are
///   not walkable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Police vehicle on an emergency run.
    Police,
    /// Ordinary car traffic.
    Car,
    /// Pedestrian.
    Foot,
}

impl Profile {
    /// All profiles, in storage order.
    pub const ALL: [Profile; 3] = [Profile::Police, Profile::Car, Profile::Foot];
    /// Police speed over the class default.
    pub const POLICE_FACTOR: f64 = 1.3;
    /// Police class-default speeds never exceed this, in km/h.
    pub const POLICE_CAP_KMH: f64 = 130.0;
    /// Walking speed in km/h.
    pub const FOOT_KMH: f64 = 5.0;

    pub(crate) fn idx(self) -> usize {
        match self {
            Profile::Police => 0,
            Profile::Car => 1,
            Profile::Foot => 2,
        }
    }

    /// Lower-case name (`police`, `car`, `foot`).
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Police => "police",
            Profile::Car => "car",
            Profile::Foot => "foot",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "police" => Ok(Profile::Police),
            "car" => Ok(Profile::Car),
            "foot" | "walk" => Ok(Profile::Foot),
            _ => Err(format!("unknown profile {s:?} (police, car, foot)")),
        }
    }
}

macro_rules! highways {
    ($( $v:ident = $s:literal, $kmh:expr, $doc:literal; )*) => {
        /// OSM `highway` class of a road. Unknown classes in GeoJSON become [`Highway::Road`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[repr(u8)]
        pub enum Highway { $( #[doc = $doc] $v, )* }

        impl Highway {
            const ALL: &'static [Highway] = &[$(Highway::$v,)*];

            /// The OSM tag value, e.g. `"motorway_link"`.
            pub fn as_str(self) -> &'static str {
                match self { $(Highway::$v => $s,)* }
            }

            /// Parses an OSM tag value; `None` for classes this crate does not know.
            pub fn parse(s: &str) -> Option<Highway> {
                match s { $($s => Some(Highway::$v),)* _ => None }
            }

            /// Default car speed in km/h, or `None` when cars may not use the class.
            pub fn car_kmh(self) -> Option<f64> {
                match self { $(Highway::$v => $kmh,)* }
            }
        }
    };
}

highways! {
    Motorway = "motorway", Some(100.0), "Motorway, 100 km/h.";
    MotorwayLink = "motorway_link", Some(60.0), "Motorway ramp, 60 km/h.";
    Trunk = "trunk", Some(80.0), "Trunk road, 80 km/h.";
    TrunkLink = "trunk_link", Some(50.0), "Trunk ramp, 50 km/h.";
    Primary = "primary", Some(60.0), "Primary road, 60 km/h.";
    PrimaryLink = "primary_link", Some(45.0), "Primary link, 45 km/h.";
    Secondary = "secondary", Some(50.0), "Secondary road, 50 km/h.";
    SecondaryLink = "secondary_link", Some(40.0), "Secondary link, 40 km/h.";
    Tertiary = "tertiary", Some(40.0), "Tertiary road, 40 km/h.";
    TertiaryLink = "tertiary_link", Some(35.0), "Tertiary link, 35 km/h.";
    Unclassified = "unclassified", Some(30.0), "Minor public road, 30 km/h.";
    Residential = "residential", Some(30.0), "Residential street, 30 km/h.";
    LivingStreet = "living_street", Some(10.0), "Living street (walking pace for cars), 10 km/h.";
    Service = "service", Some(15.0), "Service road, 15 km/h.";
    Road = "road", Some(30.0), "Road of unknown class, 30 km/h.";
    Footway = "footway", None, "Footway (foot only).";
    Pedestrian = "pedestrian", None, "Pedestrian street (foot only).";
    Path = "path", None, "Path (foot only).";
    Steps = "steps", None, "Steps (foot only).";
    Track = "track", None, "Track (foot only).";
    Cycleway = "cycleway", None, "Cycleway (foot only).";
    Bridleway = "bridleway", None, "Bridleway (foot only).";
}

impl Highway {
    pub(crate) fn from_u8(v: u8) -> Option<Highway> {
        Highway::ALL.get(v as usize).copied()
    }

    /// Whether pedestrians may walk on this class by default.
    pub fn walkable(self) -> bool {
        !matches!(
            self,
            Highway::Motorway | Highway::MotorwayLink | Highway::Trunk | Highway::TrunkLink
        )
    }

    /// Whether the class is one of the vehicle classes imported from OSM by default.
    pub fn drivable(self) -> bool {
        self.car_kmh().is_some()
    }
}

/// Speeds (km/h) for the three profiles on a road; `None` where the profile may not use it.
pub(crate) fn speeds(
    hw: Highway,
    explicit_kmh: Option<f64>,
    car: bool,
    foot: bool,
) -> [Option<f64>; 3] {
    let car_speed = if car {
        explicit_kmh.or(hw.car_kmh())
    } else {
        None
    };
    let police = if car {
        match explicit_kmh {
            Some(v) => Some(v),
            None => hw
                .car_kmh()
                .map(|v| (v * Profile::POLICE_FACTOR).min(Profile::POLICE_CAP_KMH)),
        }
    } else {
        None
    };
    let foot = if foot { Some(Profile::FOOT_KMH) } else { None };
    [police, car_speed, foot]
}

/// Travel time in milliseconds. Integers keep Dijkstra and the contraction hierarchy
/// bit-for-bit comparable; 1 ms minimum because fast_paths rejects zero weights.
pub(crate) fn travel_ms(meters: f64, kmh: f64) -> u32 {
    let ms = (meters * 3600.0 / kmh).round();
    if ms.is_finite() {
        ms.clamp(1.0, (u32::MAX / 4) as f64) as u32
    } else {
        u32::MAX / 4
    }
}
