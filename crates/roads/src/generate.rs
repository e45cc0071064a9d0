//! Synthetic Chinese city road networks for demos, tests and benchmarks.
//!
//! The city is a jittered square grid of `round(sqrt(target_nodes))²` intersections spaced
//! `block_m` apart around the given center:
//!
//! * every `arterial_every`-th row and column is an arterial (`primary` 大道 or `secondary` 路,
//!   split into 东/西 or 南/北 halves at the center line, as Chinese cities name them); one
//!   arterial in four is a one-way couplet with the parallel street next to it driving the
//!   other way;
//! * the streets between arterials are two-way `residential` 街/巷; about 7% of their blocks are
//!   missing (dead ends, superblocks), but never so many that the city falls apart;
//! * a meandering river crosses the city east-west; only a few arterial bridges (…大桥) cross it;
//! * names come from a list of common Chinese street words, numbered (人民二街) once the list
//!   runs out, so every street line has its own name.
//!
//! The same [`GenParams`] (seed included) always give the same network, node for node.
//! The result is one connected component with exactly `round(sqrt(target_nodes))²` nodes.
//!
//! ```
//! use zhihui_roads::generate::{city, GenParams};
//! let net = city(GenParams { target_nodes: 2_500, ..GenParams::default() })?;
//! assert_eq!(net.node_count(), 2_500);
//! assert_eq!(net.component_count(), 1);
//! # Ok::<(), zhihui_roads::RoadsError>(())
//! ```

// `is_multiple_of` needs Rust 1.87; the workspace supports 1.85.
#![allow(clippy::manual_is_multiple_of)]

use serde::{Deserialize, Serialize};

use crate::builder::{Builder, Oneway, WayAttrs};
use crate::network::RoadNetwork;
use crate::{Highway, Result, RoadsError, EARTH_RADIUS_M};

/// Parameters of [`city`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenParams {
    /// Seed; the same parameters always give the same network.
    pub seed: u64,
    /// Wanted number of nodes (16..=20 000 000); the result has the nearest square count.
    pub target_nodes: usize,
    /// Longitude of the city center.
    pub center_lon: f64,
    /// Latitude of the city center.
    pub center_lat: f64,
    /// Distance between parallel streets in meters (20..=2000).
    pub block_m: f64,
    /// Every n-th street line is an arterial (2..=50).
    pub arterial_every: usize,
    /// Whether a river crosses the city (only for grids of at least 12×12).
    pub river: bool,
    /// Number of bridges; 0 picks one per five arterial columns, at least 2.
    pub bridges: usize,
    /// Number of approach roads (出城道路): arterials that leave the grid as two-way `trunk`
    /// national roads (…国道) running `max(2 km, 10 blocks)` outward to the edge of the map,
    /// as a city's expressways and national roads do. They are what a cordon around the city
    /// must close. 0 (the default) adds none, so the node count stays exactly the grid's.
    #[serde(default)]
    pub accesses: usize,
}

impl Default for GenParams {
    /// A 5 000-node city centered on Jingzhou (荆州), lon 112.24, lat 30.33.
    fn default() -> Self {
        GenParams {
            seed: 1,
            target_nodes: 5_000,
            center_lon: 112.24,
            center_lat: 30.33,
            block_m: 110.0,
            arterial_every: 5,
            river: true,
            bridges: 0,
            accesses: 0,
        }
    }
}

const WORDS: &[&str] = &[
    "人民", "解放", "中山", "建设", "江汉", "胜利", "和平", "友谊", "文化", "长江", "荆州", "沙市",
    "江津", "荆中", "北京", "南京", "太岳", "屈原", "楚都", "郢城", "古城", "东方", "学院", "民主",
    "工农", "新华", "光明", "幸福", "红星", "复兴", "振兴", "繁荣", "兴华", "春晖", "荷花", "桂花",
    "梅园", "竹林", "松柏", "碧水", "金龙", "凤凰", "白云", "青年", "园林", "花园", "迎宾", "航空",
    "体育", "博物", "太湖", "洪湖", "公安", "监利", "石首", "松滋", "江陵", "海子", "三国", "关公",
    "武德", "崇文", "尚德", "安心", "安良", "永安", "长春", "东门", "南门", "西门", "北门", "将台",
    "便河", "塔桥", "红门", "豉湖", "踏堤", "龙山", "楚天", "明珠", "锦绣", "翠微", "望江", "滨江",
];

const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Chinese numeral for 2..=9999 ("二", "十二", "一百零五" style simplified to digits per place).
fn numeral(n: usize) -> String {
    if n < 10 {
        return DIGITS[n].to_string();
    }
    if n < 20 {
        return format!("十{}", DIGITS[n % 10]);
    }
    if n < 100 {
        return format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]);
    }
    n.to_string()
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Primary,
    Secondary,
    Couplet,
    Local,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

/// Strongly connected component id per node (Kosaraju, iterative so 20M nodes cannot overflow
/// the stack). `adj(u, out, reverse)` fills `out` with u's successors (predecessors if reverse).
fn scc(g: usize, adj: &dyn Fn(usize, &mut Vec<usize>, bool)) -> Vec<u32> {
    let n = g * g;
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut buf = Vec::new();
    let mut stack: Vec<(usize, Vec<usize>)> = Vec::new();
    for s in 0..n {
        if seen[s] {
            continue;
        }
        seen[s] = true;
        adj(s, &mut buf, false);
        stack.push((s, buf.clone()));
        while let Some((u, next)) = stack.last_mut() {
            if let Some(w) = next.pop() {
                if !seen[w] {
                    seen[w] = true;
                    adj(w, &mut buf, false);
                    stack.push((w, buf.clone()));
                }
            } else {
                order.push(*u);
                stack.pop();
            }
        }
    }
    let mut comp = vec![u32::MAX; n];
    let mut c = 0u32;
    let mut todo = Vec::new();
    for &s in order.iter().rev() {
        if comp[s] != u32::MAX {
            continue;
        }
        comp[s] = c;
        todo.push(s);
        while let Some(u) = todo.pop() {
            adj(u, &mut buf, true);
            for &w in &buf {
                if comp[w] == u32::MAX {
                    comp[w] = c;
                    todo.push(w);
                }
            }
        }
        c += 1;
    }
    comp
}

/// Generates a city; see the [module docs](self).
pub fn city(params: GenParams) -> Result<RoadNetwork> {
    let GenParams {
        seed,
        target_nodes,
        center_lon,
        center_lat,
        block_m,
        arterial_every: art,
        river,
        bridges,
        accesses,
    } = params;
    let bad = |m: &str| Err(RoadsError::InvalidParams(m.to_string()));
    if !(16..=20_000_000).contains(&target_nodes) {
        return bad("target_nodes must be 16..=20000000");
    }
    let lon_ok = center_lon.is_finite() && center_lon.abs() <= 180.0;
    let lat_ok = center_lat.is_finite() && center_lat.abs() <= 80.0;
    if !lon_ok || !lat_ok {
        return bad("center must be lon -180..180, lat -80..80");
    }
    if !(20.0..=2000.0).contains(&block_m) {
        return bad("block_m must be 20..=2000");
    }
    if !(2..=50).contains(&art) {
        return bad("arterial_every must be 2..=50");
    }
    let g = ((target_nodes as f64).sqrt().round() as usize).max(4);
    let mut rng = SplitMix(seed ^ 0x5a5a_1234_dead_beef);
    let id = |i: usize, j: usize| (j * g + i) as u32;

    // Line kinds: index % art == 0 is an arterial; one in four arterials is a couplet whose
    // next line drives the other way.
    let kinds: Vec<Kind> = {
        let mut k = vec![Kind::Local; g];
        for (idx, kind) in k.iter_mut().enumerate() {
            if idx % art == 0 {
                *kind = if (idx / art) % 3 == 0 {
                    Kind::Primary
                } else {
                    Kind::Secondary
                };
            }
        }
        for idx in 0..g {
            if idx % art == 0 && (idx / art) % 4 == 2 && idx + 1 < g && (idx + 1) % art != 0 {
                k[idx] = Kind::Couplet;
                k[idx + 1] = Kind::Couplet;
            }
        }
        k
    };
    let couplet_dir = |idx: usize| {
        if idx % art == 0 {
            Oneway::Forward
        } else {
            Oneway::Backward
        }
    };

    // River: row position jr(i) between 0.37 g and 0.53 g, so both banks stay connected.
    let has_river = river && g >= 12;
    let phase = rng.unit() * std::f64::consts::TAU;
    let jr = |i: usize| {
        g as f64
            * (0.45 + 0.08 * (std::f64::consts::TAU * i as f64 / (g as f64 * 0.8) + phase).sin())
            + 0.5
    };
    let north = |i: usize, j: usize| has_river && j as f64 > jr(i);

    // Positions: jittered grid; the north bank is pushed back half a block to open the river.
    let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let kx = ky * center_lat.to_radians().cos();
    let half = (g as f64 - 1.0) / 2.0;
    let mut b = Builder::new();
    for j in 0..g {
        for i in 0..g {
            let jx = (rng.unit() - 0.5) * 0.2 * block_m;
            let jy = (rng.unit() - 0.5) * 0.2 * block_m;
            let x = (i as f64 - half) * block_m + jx;
            let mut y = (j as f64 - half) * block_m + jy;
            if north(i, j) {
                y += 0.5 * block_m;
            }
            b.add_node(center_lon + x / kx, center_lat + y / ky)?;
        }
    }

    // Edge presence: h[j*g+i] links (i,j)-(i+1,j); v[j*g+i] links (i,j)-(i,j+1).
    let n = g * g;
    let mut h = vec![true; n];
    let mut v = vec![true; n];
    let mut bridge = vec![false; n];
    for j in 0..g {
        for i in 0..g {
            if i + 1 == g || north(i, j) != north(i + 1, j) {
                h[j * g + i] = false;
            }
            if j + 1 == g || north(i, j) != north(i, j + 1) {
                v[j * g + i] = false;
            }
        }
    }
    if has_river {
        // Two-way arterials only: a bridge on a one-way couplet would make the city one-way
        // across the river.
        let cols: Vec<usize> = (0..g)
            .filter(|&i| matches!(kinds[i], Kind::Primary | Kind::Secondary))
            .collect();
        let want = if bridges == 0 {
            (cols.len() / 5).max(2)
        } else {
            bridges
        }
        .clamp(1, cols.len().max(1));
        for k in 0..want {
            let i = cols[((k as f64 + 0.5) * cols.len() as f64 / want as f64) as usize];
            for j in 0..g - 1 {
                if north(i, j) != north(i, j + 1) {
                    v[j * g + i] = true;
                    bridge[j * g + i] = true;
                }
            }
        }
    }
    // Missing local blocks, only between nodes that touch no arterial or couplet line, so every
    // remaining edge next to them is two-way and reconnecting keeps strong connectivity.
    let interior = |i: usize, j: usize| kinds[i] == Kind::Local && kinds[j] == Kind::Local;
    let mut removed = Vec::new();
    for j in 0..g {
        for i in 0..g {
            let k = j * g + i;
            if h[k] && interior(i, j) && interior(i + 1, j) && rng.unit() < 0.07 {
                h[k] = false;
                removed.push((true, k));
            }
            if v[k] && !bridge[k] && interior(i, j) && interior(i, j + 1) && rng.unit() < 0.07 {
                v[k] = false;
                removed.push((false, k));
            }
        }
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for k in 0..n {
        let (i, j) = (k % g, k / g);
        if h[k] {
            let (a, c) = (find(&mut parent, id(i, j)), find(&mut parent, id(i + 1, j)));
            parent[a as usize] = c;
        }
        if v[k] {
            let (a, c) = (find(&mut parent, id(i, j)), find(&mut parent, id(i, j + 1)));
            parent[a as usize] = c;
        }
    }
    for (horizontal, k) in removed {
        let (i, j) = (k % g, k / g);
        let other = if horizontal {
            id(i + 1, j)
        } else {
            id(i, j + 1)
        };
        let (a, c) = (find(&mut parent, id(i, j)), find(&mut parent, other));
        if a != c {
            parent[a as usize] = c;
            if horizontal {
                h[k] = true;
            } else {
                v[k] = true;
            }
        }
    }

    // One-way couplets meeting the river or each other can strand a node (only in, or only
    // out). Open such one-way blocks in both directions until the city is strongly connected.
    let mut two_way_h = vec![false; n];
    let mut two_way_v = vec![false; n];
    loop {
        let dir_h = |k: usize| -> Oneway {
            if kinds[k / g] == Kind::Couplet && !two_way_h[k] {
                couplet_dir(k / g)
            } else {
                Oneway::Both
            }
        };
        let dir_v = |k: usize| -> Oneway {
            if kinds[k % g] == Kind::Couplet && !two_way_v[k] {
                couplet_dir(k % g)
            } else {
                Oneway::Both
            }
        };
        let comp = scc(g, &|u: usize, out: &mut Vec<usize>, reverse: bool| {
            out.clear();
            let (i, j) = (u % g, u / g);
            // (edge present, its direction, does travelling u->neighbour go "forward")
            let mut try_edge = |present: bool, d: Oneway, fwd: bool, nb: usize| {
                let fwd = fwd != reverse;
                let ok = match d {
                    Oneway::Both => true,
                    Oneway::Forward => fwd,
                    Oneway::Backward => !fwd,
                };
                if present && ok {
                    out.push(nb);
                }
            };
            if i + 1 < g {
                let k = j * g + i;
                try_edge(h[k], dir_h(k), true, u + 1);
            }
            if i > 0 {
                let k = j * g + i - 1;
                try_edge(h[k], dir_h(k), false, u - 1);
            }
            if j + 1 < g {
                let k = j * g + i;
                try_edge(v[k], dir_v(k), true, u + g);
            }
            if j > 0 {
                let k = (j - 1) * g + i;
                try_edge(v[k], dir_v(k), false, u - g);
            }
        });
        let mut open_h = Vec::new();
        let mut open_v = Vec::new();
        for k in 0..n {
            let (i, j) = (k % g, k / g);
            if h[k] && i + 1 < g && dir_h(k) != Oneway::Both && comp[k] != comp[k + 1] {
                open_h.push(k);
            }
            if v[k] && j + 1 < g && dir_v(k) != Oneway::Both && comp[k] != comp[k + g] {
                open_v.push(k);
            }
        }
        let changed = !open_h.is_empty() || !open_v.is_empty();
        for k in open_h {
            two_way_h[k] = true;
        }
        for k in open_v {
            two_way_v[k] = true;
        }
        if !changed {
            break;
        }
    }

    // Names: a seeded shuffle of the word list, numbered once exhausted.
    let mut order: Vec<usize> = (0..WORDS.len()).collect();
    for i in (1..order.len()).rev() {
        let k = (rng.next() % (i as u64 + 1)) as usize;
        order.swap(i, k);
    }
    // Arterial lines take words first so demo-sized cities have un-numbered main roads.
    let mut rank = vec![0usize; 2 * g];
    {
        let lines: Vec<usize> = (0..2 * g).collect();
        let is_art = |l: usize| kinds[l % g] != Kind::Local;
        let mut sorted = lines.clone();
        sorted.sort_by_key(|&l| (!is_art(l), l));
        for (r, l) in sorted.into_iter().enumerate() {
            rank[l] = r;
        }
    }
    let base = |line: usize| {
        let line = rank[line];
        let w = WORDS[order[line % WORDS.len()]];
        let round = line / WORDS.len();
        if round == 0 {
            w.to_string()
        } else {
            format!("{w}{}", numeral(round + 1))
        }
    };
    // Rows use lines 0..g, columns g..2g, so every street line gets its own base name.
    let name_of =
        |line: usize, idx: usize, pos: usize, horizontal: bool| -> (String, Highway, Oneway) {
            let b = base(line);
            let center = pos * 2 >= g;
            let dir = match (horizontal, center) {
                (true, false) => "西",
                (true, true) => "东",
                (false, false) => "南",
                (false, true) => "北",
            };
            match kinds[idx] {
                Kind::Primary => (format!("{b}{dir}大道"), Highway::Primary, Oneway::Both),
                Kind::Secondary => (format!("{b}{dir}路"), Highway::Secondary, Oneway::Both),
                Kind::Couplet => (format!("{b}{dir}路"), Highway::Secondary, couplet_dir(idx)),
                Kind::Local if line % 3 == 2 => {
                    (format!("{b}巷"), Highway::Residential, Oneway::Both)
                }
                Kind::Local => (format!("{b}街"), Highway::Residential, Oneway::Both),
            }
        };

    // Ways: maximal runs along a line with the same name and no gap; bridges are their own way.
    let emit = |nodes: &mut Vec<u32>, attrs: &Option<WayAttrs>, b: &mut Builder| -> Result<()> {
        if nodes.len() >= 2 {
            if let Some(a) = attrs {
                b.add_way(nodes, a.clone())?;
            }
        }
        nodes.clear();
        Ok(())
    };
    let mk = |(name, highway, oneway): (String, Highway, Oneway)| WayAttrs {
        highway,
        name: Some(name),
        oneway,
        speed_kmh: None,
        car: true,
        foot: true,
    };
    let mut run: Vec<u32> = Vec::new();
    for j in 0..g {
        let mut cur: Option<WayAttrs> = None;
        for i in 0..g - 1 {
            let k = j * g + i;
            if !h[k] {
                emit(&mut run, &cur, &mut b)?;
                continue;
            }
            let mut attrs = mk(name_of(j, j, i, true));
            if two_way_h[k] {
                attrs.oneway = Oneway::Both;
            }
            if cur.as_ref().map(|c| (&c.name, c.oneway)) != Some((&attrs.name, attrs.oneway)) {
                emit(&mut run, &cur, &mut b)?;
                cur = Some(attrs);
            }
            if run.is_empty() {
                run.push(id(i, j));
            }
            run.push(id(i + 1, j));
        }
        emit(&mut run, &cur, &mut b)?;
    }
    for i in 0..g {
        let mut cur: Option<WayAttrs> = None;
        for j in 0..g - 1 {
            let k = j * g + i;
            if !v[k] {
                emit(&mut run, &cur, &mut b)?;
                continue;
            }
            let mut attrs = mk(name_of(g + i, i, j, false));
            if bridge[k] {
                attrs.name = Some(format!("{}大桥", base(g + i)));
            }
            if two_way_v[k] {
                attrs.oneway = Oneway::Both;
            }
            if cur.as_ref().map(|c| (&c.name, c.oneway)) != Some((&attrs.name, attrs.oneway)) {
                emit(&mut run, &cur, &mut b)?;
                cur = Some(attrs);
            }
            if run.is_empty() {
                run.push(id(i, j));
            }
            run.push(id(i, j + 1));
        }
        emit(&mut run, &cur, &mut b)?;
    }

    // Approach roads: evenly spread over the perimeter ends of two-way arterials, going
    // straight out from the grid's edge in the direction away from the center.
    let mut ends: Vec<(usize, usize, f64, f64)> = Vec::new();
    for (idx, kind) in kinds.iter().enumerate() {
        if matches!(kind, Kind::Primary | Kind::Secondary) {
            ends.push((idx, 0, 0.0, -1.0));
            ends.push((g - 1, idx, 1.0, 0.0));
            ends.push((idx, g - 1, 0.0, 1.0));
            ends.push((0, idx, -1.0, 0.0));
        }
    }
    // Walk round the perimeter (south, east, north, west) so an even pick spreads out.
    ends.sort_by(|a, b| {
        let key = |e: &(usize, usize, f64, f64)| match (e.2, e.3) {
            (_, y) if y < 0.0 => e.0 as f64,
            (x, _) if x > 0.0 => g as f64 + e.1 as f64,
            (_, y) if y > 0.0 => 3.0 * g as f64 - e.0 as f64,
            _ => 4.0 * g as f64 - e.1 as f64,
        };
        key(a).total_cmp(&key(b))
    });
    let want = accesses.min(ends.len());
    let length = (10.0 * block_m).max(2_000.0);
    const NATIONAL: [u32; 12] = [207, 318, 106, 105, 209, 240, 351, 234, 220, 228, 310, 312];
    for k in 0..want {
        let (i, j, dx, dy) = ends[k * ends.len() / want];
        let start = id(i, j);
        let (lon0, lat0) = b.position(start);
        let mut nodes = vec![start];
        let steps = 4;
        for st in 1..=steps {
            let d = length * st as f64 / steps as f64;
            nodes.push(b.add_node(lon0 + dx * d / kx, lat0 + dy * d / ky)?);
        }
        b.add_way(
            &nodes,
            WayAttrs {
                highway: Highway::Trunk,
                name: Some(format!("{}国道", NATIONAL[k % NATIONAL.len()])),
                oneway: Oneway::Both,
                speed_kmh: None,
                car: true,
                foot: false,
            },
        )?;
    }
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        assert_eq!(numeral(2), "二");
        assert_eq!(numeral(12), "十二");
        assert_eq!(numeral(40), "四十");
        assert_eq!(numeral(99), "九十九");
    }

    #[test]
    fn bad_params_are_errors() {
        for p in [
            GenParams {
                target_nodes: 3,
                ..GenParams::default()
            },
            GenParams {
                center_lat: f64::NAN,
                ..GenParams::default()
            },
            GenParams {
                block_m: 0.0,
                ..GenParams::default()
            },
            GenParams {
                arterial_every: 1,
                ..GenParams::default()
            },
        ] {
            assert!(matches!(city(p), Err(RoadsError::InvalidParams(_))));
        }
    }
}
