//! A store-level test kit: the program's store (every domain module) on a temporary directory,
//! a city bureau with one station, its people, and a clock the test moves by hand (every command
//! takes `now`, so time is whatever the test says).

use zhihui_core::{LonLat, Org, OrgKind, OrgTree, Role, Time, Unit, UnitKind};
use zhihui_store::commands::{self, Actor, RecipientAction};
use zhihui_store::{Store, StoreError, StoreOptions, Tx};

/// The city bureau's id.
pub const CITY: &str = "jz";
/// Its one station.
pub const STATION: &str = "s1";
/// Where the city is.
pub const CENTER: LonLat = LonLat {
    lon: 112.24,
    lat: 30.33,
};

pub struct Kit {
    pub store: Store,
    pub tree: OrgTree,
    /// An administrator of the city bureau (writes plans and organisations).
    pub root: Actor,
    /// The city's duty leader (plans and commands).
    pub boss: Actor,
    /// Time 0 of the test.
    pub t0: Time,
    _dir: tempfile::TempDir,
}

fn org(id: &str, parent: Option<&str>, name: &str, kind: OrgKind) -> Org {
    Org {
        id: id.into(),
        parent_id: parent.map(Into::into),
        name: name.into(),
        name_en: id.into(),
        kind,
    }
}

fn actor(username: &str, role: Role, org_id: &str, unit_id: Option<i64>) -> Actor {
    Actor {
        username: username.into(),
        role,
        org_id: org_id.into(),
        unit_id,
    }
}

/// A point `north_m` metres north and `east_m` east of [`CENTER`].
pub fn offset(north_m: f64, east_m: f64) -> LonLat {
    let lat = CENTER.lat + north_m / 111_320.0;
    let lon = CENTER.lon + east_m / (111_320.0 * CENTER.lat.to_radians().cos());
    LonLat { lon, lat }
}

impl Kit {
    /// The program's store with a city bureau and one station.
    pub async fn city() -> Kit {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_with(dir.path(), StoreOptions::default(), zhihui_store::domains()).unwrap();
        let t0: Time = "2026-12-06T08:00:00Z".parse().unwrap();
        let orgs = [
            org(CITY, None, "荆州市公安局", OrgKind::City),
            org(STATION, Some(CITY), "城南派出所", OrgKind::Station),
        ];
        let root = actor("root", Role::Admin, CITY, None);
        let r = root.clone();
        let list = orgs.to_vec();
        store
            .write(move |tx| {
                let mut tree = OrgTree::new([]);
                for o in list {
                    commands::create_org(tx, &tree, &r, o.clone(), t0)?;
                    tree = OrgTree::new(tree.iter().cloned().chain([o]));
                }
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
        Kit {
            store,
            tree: OrgTree::new(orgs),
            root,
            boss: actor("boss", Role::Leader, CITY, None),
            t0,
            _dir: dir,
        }
    }

    /// `s` seconds after time 0.
    pub fn at(&self, s: f64) -> Time {
        self.t0 + chrono::Duration::milliseconds((s * 1000.0) as i64)
    }

    /// Runs `f` in the writer as `who`, at `at_s` seconds.
    pub async fn write_as<T, F>(&self, who: &Actor, at_s: f64, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Tx<'_>, &OrgTree, &Actor, Time) -> Result<T, StoreError> + Send + 'static,
    {
        let (tree, who, now) = (self.tree.clone(), who.clone(), self.at(at_s));
        self.store.write(move |tx| f(tx, &tree, &who, now)).await
    }

    /// A unit of the station at `at`, available.
    pub async fn unit(&self, call_sign: &str, kind: UnitKind, at: LonLat) -> Unit {
        let new: zhihui_core::NewUnit = serde_json::from_value(serde_json::json!({
            "call_sign": call_sign, "kind": kind, "org_id": STATION,
            "position": { "lon": at.lon, "lat": at.lat }
        }))
        .unwrap();
        self.write_as(&self.boss, 0.0, move |tx, tree, who, now| {
            commands::create_unit(tx, tree, who, new, now)
        })
        .await
        .unwrap()
    }

    /// The terminal of `unit`: who answers its orders and reports its position.
    pub fn terminal(&self, unit: &Unit) -> Actor {
        actor(
            &format!("unit{}", unit.id),
            Role::Unit,
            &unit.org_id,
            Some(unit.id),
        )
    }

    /// A dispatcher of the station.
    pub fn station_dispatcher(&self) -> Actor {
        actor("s1disp", Role::Dispatcher, STATION, None)
    }

    /// `unit` reports being at `to`, at `at_s`.
    pub async fn report(&self, unit: &Unit, to: LonLat, at_s: f64) {
        let id = unit.id;
        let patch = zhihui_core::UnitPatch {
            position: Some(to),
            ..Default::default()
        };
        self.write_as(&self.terminal(unit), at_s, move |tx, tree, who, now| {
            commands::update_unit(tx, tree, who, id, patch, now)
        })
        .await
        .unwrap();
    }

    /// `who` answers instruction `id` for `target` (`unit:N` or `org:ID`).
    pub async fn answer(
        &self,
        who: &Actor,
        id: i64,
        target: &str,
        action: RecipientAction,
        at_s: f64,
    ) -> zhihui_core::Instruction {
        let target = target.to_owned();
        self.write_as(who, at_s, move |tx, tree, who, now| {
            commands::answer_instruction(tx, tree, who, id, &target, action, now)
        })
        .await
        .unwrap()
    }

    /// The record `f` reads.
    pub fn read<T>(&self, f: impl FnOnce(&zhihui_store::Connection) -> Result<T, StoreError>) -> T {
        self.store.read(f).unwrap()
    }
}
