//! The demo's organisation tree, accounts, units and emergency plans, modelled on a
//! prefecture-level city bureau.

use chrono::Utc;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use zhihui_core::{LonLat, NewUnit, Org, OrgKind, OrgTree, Role, UnitKind};
use zhihui_store::commands::{self, Actor};
use zhihui_store::projections::{self, UserRecord};
use zhihui_store::{Store, StoreError};

use crate::CityMap;

/// Password of every demo account. Demo only: `zhihui serve` never creates accounts.
pub const DEMO_PASSWORD: &str = "zhihui-demo";

/// A demo account, as printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    /// Login name.
    pub username: &'static str,
    /// Role.
    pub role: Role,
    /// Organisation.
    pub org_id: &'static str,
    /// What the account is for.
    pub note: &'static str,
}

const ORGS: &[(&str, Option<&str>, &str, &str, OrgKind)] = &[
    (
        "jz",
        None,
        "荆州市公安局",
        "Jingzhou Municipal PSB",
        OrgKind::City,
    ),
    (
        "jz-shashi",
        Some("jz"),
        "沙市区分局",
        "Shashi District Bureau",
        OrgKind::District,
    ),
    (
        "jz-shashi-zhongshan",
        Some("jz-shashi"),
        "中山派出所",
        "Zhongshan Station",
        OrgKind::Station,
    ),
    (
        "jz-shashi-shengli",
        Some("jz-shashi"),
        "胜利派出所",
        "Shengli Station",
        OrgKind::Station,
    ),
    (
        "jz-jingzhou",
        Some("jz"),
        "荆州区分局",
        "Jingzhou District Bureau",
        OrgKind::District,
    ),
    (
        "jz-jingzhou-dongcheng",
        Some("jz-jingzhou"),
        "东城派出所",
        "Dongcheng Station",
        OrgKind::Station,
    ),
    (
        "jz-jingzhou-xicheng",
        Some("jz-jingzhou"),
        "西城派出所",
        "Xicheng Station",
        OrgKind::Station,
    ),
    (
        "jz-kfq",
        Some("jz"),
        "开发区分局",
        "Development Zone Bureau",
        OrgKind::District,
    ),
    (
        "jz-kfq-lianhe",
        Some("jz-kfq"),
        "联合派出所",
        "Lianhe Station",
        OrgKind::Station,
    ),
    (
        "jz-xtj",
        Some("jz"),
        "巡特警支队",
        "Patrol & SWAT Detachment",
        OrgKind::Unit,
    ),
    (
        "jz-jj",
        Some("jz"),
        "交警支队",
        "Traffic Police Detachment",
        OrgKind::Unit,
    ),
];

/// The demo accounts.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        role: Role::Admin,
        org_id: "jz",
        note: "系统管理员 administrator",
    },
    DemoAccount {
        username: "leader",
        role: Role::Leader,
        org_id: "jz",
        note: "值班领导 duty leader",
    },
    DemoAccount {
        username: "dispatcher",
        role: Role::Dispatcher,
        org_id: "jz",
        note: "指挥员 city dispatcher",
    },
    DemoAccount {
        username: "analyst",
        role: Role::Analyst,
        org_id: "jz",
        note: "情报研判 analyst",
    },
    DemoAccount {
        username: "supervisor",
        role: Role::Supervisor,
        org_id: "jz",
        note: "督察 supervisor",
    },
    DemoAccount {
        username: "station1",
        role: Role::Dispatcher,
        org_id: "jz-shashi-zhongshan",
        note: "中山派出所 station dispatcher",
    },
    DemoAccount {
        username: "unit1",
        role: Role::Unit,
        org_id: "jz-shashi-zhongshan",
        note: "警力终端 unit terminal (中山巡01)",
    },
    DemoAccount {
        username: "grid1",
        role: Role::Grid,
        org_id: "jz-shashi-zhongshan",
        note: "网格员 grid worker",
    },
];

fn system() -> Actor {
    Actor {
        username: "system".into(),
        role: Role::Admin,
        org_id: "jz".into(),
        unit_id: None,
    }
}

/// The demo's areas (辖区): the city's extent cut into three districts side by side, west to east
/// (沙市, 荆州, 开发区), each cut into its stations south to north, so that every call lands in a
/// station and neighbours share borders, not ground. `(org_id, [min_lon, min_lat, max_lon,
/// max_lat])`, districts first.
pub fn demo_areas(b: [f64; 4]) -> Vec<(&'static str, [f64; 4])> {
    let [x0, y0, x1, y1] = b;
    let col = |i: f64| x0 + (x1 - x0) * i / 3.0;
    let ym = (y0 + y1) / 2.0;
    vec![
        ("jz-shashi", [col(0.0), y0, col(1.0), y1]),
        ("jz-jingzhou", [col(1.0), y0, col(2.0), y1]),
        ("jz-kfq", [col(2.0), y0, col(3.0), y1]),
        ("jz-shashi-zhongshan", [col(0.0), y0, col(1.0), ym]),
        ("jz-shashi-shengli", [col(0.0), ym, col(1.0), y1]),
        ("jz-jingzhou-dongcheng", [col(1.0), y0, col(2.0), ym]),
        ("jz-jingzhou-xicheng", [col(1.0), ym, col(2.0), y1]),
        ("jz-kfq-lianhe", [col(2.0), y0, col(3.0), y1]),
    ]
}

fn rect(r: [f64; 4]) -> serde_json::Value {
    let [a, b, c, d] = r;
    serde_json::json!({ "type": "Polygon", "coordinates": [[[a, b], [c, b], [c, d], [a, d], [a, b]]] })
}

/// Gives the demo's districts and stations their areas, unless some organisation has one (a
/// restarted demo keeps what an administrator drew). Returns whether it set them.
pub fn seed_areas(store: &Store, city: &dyn CityMap) -> Result<bool, StoreError> {
    let Some(b) = city.bbox() else {
        return Ok(false);
    };
    if !store.read(projections::org_areas)?.is_empty() {
        return Ok(false);
    }
    let now = Utc::now();
    let base = store.read(projections::org_tree)?;
    // One transaction, the tree growing area by area (the sibling check reads it): all or none.
    store.write_blocking(move |tx| {
        let mut tree = base;
        for (org, r) in demo_areas(b) {
            if tree.get(org).is_none() {
                continue;
            }
            let geojson = rect(r);
            commands::set_org_area(tx, &tree, &system(), org, &geojson, now)?;
            let area = zhihui_core::Area::from_geojson(&geojson, "area")?;
            tree = tree.with_areas([(org.to_owned(), area)]);
        }
        Ok::<_, StoreError>(())
    })?;
    Ok(true)
}

/// A random point on a road inside `r`, if one turns up within a few tries.
fn point_in(city: &dyn CityMap, rng: &mut impl Rng, r: Option<[f64; 4]>) -> LonLat {
    let mut last = city.random_point(rng).0;
    let Some([x0, y0, x1, y1]) = r else {
        return last;
    };
    for _ in 0..64 {
        if (x0..x1).contains(&last.lon) && (y0..y1).contains(&last.lat) {
            break;
        }
        last = city.random_point(rng).0;
    }
    last
}

/// Creates organisations, units and accounts on an empty store; does nothing if organisations
/// already exist (a restarted demo keeps its data).
pub fn seed(store: &Store, city: &dyn CityMap, password_hash: &str) -> Result<bool, StoreError> {
    if !store.read(projections::orgs)?.is_empty() {
        seed_areas(store, city)?;
        return Ok(false);
    }
    let now = Utc::now();
    let mut tree = OrgTree::default();
    for (id, parent, name, name_en, kind) in ORGS {
        let org = Org {
            id: (*id).into(),
            parent_id: parent.map(Into::into),
            name: (*name).into(),
            name_en: (*name_en).into(),
            kind: *kind,
        };
        let t = tree.clone();
        let o = org.clone();
        store.write_blocking(move |tx| commands::create_org(tx, &t, &system(), o, now))?;
        tree = OrgTree::new(tree.iter().cloned().chain([org]));
    }

    // Units: patrol cars and foot patrols per station, specialised units at the detachments.
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_201_212);
    let mut plan: Vec<(String, UnitKind, &str)> = Vec::new();
    let stations = [
        ("jz-shashi-zhongshan", "中山"),
        ("jz-shashi-shengli", "胜利"),
        ("jz-jingzhou-dongcheng", "东城"),
        ("jz-jingzhou-xicheng", "西城"),
        ("jz-kfq-lianhe", "联合"),
    ];
    for (org, short) in stations {
        for n in 1..=4 {
            plan.push((format!("{short}巡{n:02}"), UnitKind::PatrolCar, org));
        }
        plan.push((format!("{short}步01"), UnitKind::FootPatrol, org));
        plan.push((format!("{short}社区01"), UnitKind::Community, org));
    }
    for n in 1..=5 {
        plan.push((format!("特警{n:02}"), UnitKind::Swat, "jz-xtj"));
    }
    for n in 1..=6 {
        plan.push((format!("交警{n:02}"), UnitKind::Traffic, "jz-jj"));
    }
    seed_areas(store, city)?;
    // Each station's units start inside its own area.
    let areas = city.bbox().map(demo_areas).unwrap_or_default();
    let mut first_unit = None;
    for (call_sign, kind, org) in plan {
        let r = areas.iter().find(|(o, _)| *o == org).map(|(_, r)| *r);
        let pos = point_in(city, &mut rng, r);
        let t = tree.clone();
        let new = NewUnit {
            call_sign,
            kind,
            status: None,
            position: Some(pos),
            org_id: Some(org.into()),
        };
        let u =
            store.write_blocking(move |tx| commands::create_unit(tx, &t, &system(), new, now))?;
        first_unit.get_or_insert(u.id);
    }

    for a in ACCOUNTS {
        let user = UserRecord {
            username: a.username.into(),
            display_name: a.note.split(' ').next().unwrap_or(a.username).into(),
            role: a.role,
            org_id: a.org_id.into(),
            unit_id: if a.role == Role::Unit {
                first_unit
            } else {
                None
            },
            disabled: false,
            password_hash: password_hash.into(),
        };
        store.write_blocking(move |tx| commands::create_user(tx, &system(), user, now))?;
    }

    // The plan library starts with the article's cases; `zhihui serve` starts with none.
    for draft in zhihui_core::response_plan::default_plans() {
        let t = tree.clone();
        store.write_blocking(move |tx| {
            zhihui_store::response_plans::create_plan(tx, &t, &system(), draft, now)
        })?;
    }
    Ok(true)
}

/// A plausible caller: a common surname and given name, a mobile number.
pub fn random_caller(rng: &mut impl Rng) -> (String, String) {
    const SURNAMES: &[&str] = &[
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "胡", "郭",
        "何", "罗", "高",
    ];
    const GIVEN: &[&str] = &[
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
        "明", "超", "秀英", "桂英", "建华", "志强", "海燕",
    ];
    let name = format!(
        "{}{}",
        SURNAMES.choose(rng).copied().unwrap_or("王"),
        GIVEN.choose(rng).copied().unwrap_or("伟")
    );
    let prefix = [
        "139", "138", "137", "136", "135", "150", "151", "158", "186", "187", "189", "177",
    ];
    let phone = format!(
        "{}{:08}",
        prefix.choose(rng).copied().unwrap_or("139"),
        rng.gen_range(0..100_000_000u32)
    );
    (name, phone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhihui_core::Area;

    #[test]
    fn the_demo_areas_tile_the_city_stations_inside_their_districts() {
        let areas: Vec<(&str, Area)> = demo_areas([112.2, 30.3, 112.3, 30.4])
            .into_iter()
            .map(|(id, r)| (id, Area::from_geojson(&rect(r), "area").unwrap()))
            .collect();
        let get = |id: &str| &areas.iter().find(|(i, _)| *i == id).unwrap().1;
        let parent = |id: &str| ORGS.iter().find(|o| o.0 == id).unwrap().1.unwrap();
        for (i, (a, aa)) in areas.iter().enumerate() {
            for (b, bb) in &areas[i + 1..] {
                if parent(a) == parent(b) {
                    assert!(!aa.overlaps(bb), "{a} and {b} are siblings sharing ground");
                }
            }
            let p = parent(a);
            if p != "jz" {
                // A station lies inside its district.
                let inside = aa.overlap_square_metres(get(p));
                assert!(
                    (inside - aa.square_metres()).abs() < 1e-6 * inside,
                    "{a} outside {p}"
                );
            }
        }
        // The stations of a district cover it.
        for d in ["jz-shashi", "jz-jingzhou", "jz-kfq"] {
            let covered: f64 = areas
                .iter()
                .filter(|(id, _)| parent(id) == d)
                .map(|(_, a)| a.square_metres())
                .sum();
            // (Each area's square metres use its own mid-latitude: equal within a per cent.)
            let whole = get(d).square_metres();
            assert!(
                (covered - whole).abs() < 0.01 * whole,
                "{d}: {covered} of {whole}"
            );
        }
    }
}
