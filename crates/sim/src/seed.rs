//! The demo's organisation tree, accounts, units and emergency plans, modelled on a
//! prefecture-level city bureau.

use chrono::Utc;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use zhihui_core::{NewUnit, Org, OrgKind, OrgTree, Role, UnitKind};
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

/// Creates organisations, units and accounts on an empty store; does nothing if organisations
/// already exist (a restarted demo keeps its data).
pub fn seed(store: &Store, city: &dyn CityMap, password_hash: &str) -> Result<bool, StoreError> {
    if !store.read(projections::orgs)?.is_empty() {
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
    let mut first_unit = None;
    for (call_sign, kind, org) in plan {
        let (pos, _) = city.random_point(&mut rng);
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
