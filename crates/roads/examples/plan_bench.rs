//! Planner benchmark: interception (adaptive) beside its baselines (ring + greedy, seal all
//! exits), and the optimal blockade, with a plain many-to-many matrix of the same size as the
//! same-run reference. Not run by tests; see bench/RESULTS.md.
//!
//! `cargo run --release -p zhihui-roads --example plan_bench -- [liechtenstein|city N UNITS|blockade]`

use std::time::Instant;

use zhihui_roads::generate::{city, GenParams};
use zhihui_roads::plan::{
    blockade, deploy, intercept, ring_greedy, seal_exits, BlockadeRequest, DeployUnit,
    InterceptPlan, InterceptRequest, Post, SuspectSpeed,
};
use zhihui_roads::{Profile, RoadNetwork};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn points(net: &RoadNetwork, rng: &mut Rng, k: usize) -> Vec<[f64; 2]> {
    let n = net.node_count() as u64;
    (0..k)
        .map(|_| net.node_position((rng.next() % n) as u32).unwrap())
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..reps {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(times), last.unwrap())
}

fn row(name: &str, ms: f64, base_ms: f64, p: &InterceptPlan) {
    println!(
        "| {name} | {ms:.1} | {:.2}× | {} | {} | {} | {:.0} |",
        ms / base_ms,
        if p.complete { "yes" } else { "no" },
        p.cordon.len(),
        p.enclosed_nodes,
        p.closing_s
    );
}

fn intercept_table(
    label: &str,
    net: &RoadNetwork,
    origins: &[[f64; 2]],
    units: Vec<[f64; 2]>,
    head: f64,
    reps: usize,
) {
    net.prepare(Profile::Police);
    // Reference in the same run: a units × 100 matrix (what a plan must at least look up).
    let mut rng = Rng(5);
    let targets: Vec<_> = points(net, &mut rng, 100)
        .into_iter()
        .filter_map(|p| net.snap_for(Profile::Police, p[0], p[1]))
        .collect();
    let from: Vec<_> = units
        .iter()
        .filter_map(|p| net.snap_for(Profile::Police, p[0], p[1]))
        .collect();
    let (base, _) = time(reps, || net.matrix(Profile::Police, &from, &targets));
    println!(
        "\n{label}: {} nodes, {} units, head start {head} s; baseline = {}×100 matrix {base:.1} ms",
        net.node_count(),
        units.len(),
        from.len()
    );
    println!("| planner | ms (median of {reps}) | × matrix | complete | points | enclosed nodes | closing s |");
    println!("|---|---:|---:|---|---:|---:|---:|");
    for (i, &origin) in origins.iter().enumerate() {
        let req = InterceptRequest {
            origin,
            head_start_s: head,
            suspect: SuspectSpeed::CarProfile,
            units: units.clone(),
            exits: None,
        };
        let (ms, p) = time(reps, || intercept(net, &req).unwrap());
        row(&format!("origin {i}: adaptive"), ms, base, &p);
        eprintln!("  {:?} {:?}", p.notes, p.phases_ms);
        if std::env::var_os("PLAN_BENCH_ADAPTIVE_ONLY").is_some() {
            continue;
        }
        let (ms, p) = time(reps, || ring_greedy(net, &req).unwrap());
        row(&format!("origin {i}: ring + greedy"), ms, base, &p);
        let (ms, p) = time(reps, || seal_exits(net, &req).unwrap());
        row(&format!("origin {i}: seal all exits"), ms, base, &p);
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = std::env::var("ZHIHUI_SHARED_DATA").unwrap_or_else(|_| "../shared/data".into());
    match args.first().map(String::as_str).unwrap_or("liechtenstein") {
        "liechtenstein" => {
            let net = RoadNetwork::load(format!("{data}/roads/liechtenstein.osm.pbf")).unwrap();
            let mut rng = Rng(2024);
            let units = points(&net, &mut rng, 50);
            // Vaduz, Schaan, Balzers.
            let origins = [[9.5209, 47.1410], [9.5095, 47.1650], [9.4960, 47.0660]];
            intercept_table("Liechtenstein", &net, &origins, units, 120.0, 7);
        }
        "city" => {
            let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
            let k: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(300);
            let t = Instant::now();
            let net = city(GenParams {
                seed: 11,
                target_nodes: n,
                accesses: 16,
                ..GenParams::default()
            })
            .unwrap();
            eprintln!("generated in {:.1} s", t.elapsed().as_secs_f64());
            let mut rng = Rng(77);
            let units = points(&net, &mut rng, k);
            let b = net.bbox();
            let c = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
            let origins = [c, [c[0] + (b[2] - b[0]) * 0.2, c[1] - (b[3] - b[1]) * 0.15]];
            intercept_table(
                &format!("generated city {n}"),
                &net,
                &origins,
                units,
                60.0,
                3,
            );
        }
        "blockade" => {
            let net = RoadNetwork::load(format!("{data}/roads/liechtenstein.osm.pbf")).unwrap();
            net.prepare(Profile::Police);
            let mut rng = Rng(9);
            let pts = points(&net, &mut rng, 30);
            let units = points(&net, &mut rng, 400);
            let ps: Vec<_> = pts
                .iter()
                .filter_map(|p| net.snap_for(Profile::Police, p[0], p[1]))
                .collect();
            let us: Vec<_> = units
                .iter()
                .filter_map(|p| net.snap_for(Profile::Police, p[0], p[1]))
                .collect();
            let (base, _) = time(21, || net.matrix(Profile::Police, &us, &ps));
            let req = BlockadeRequest {
                points: pts,
                units,
                with_routes: false,
            };
            let (ms, p) = time(21, || blockade(&net, &req).unwrap());
            println!("\nBlockade, Liechtenstein, 30 points, 400 units (median of 21)");
            println!("| step | ms | × matrix |\n|---|---:|---:|");
            println!("| baseline: 400×30 matrix alone | {base:.2} | 1.00× |");
            println!(
                "| blockade (snap + matrix + optimal assignment) | {ms:.2} | {:.2}× |",
                ms / base
            );
            println!(
                "makespan {:.0} s, total {:.0} s, unassigned {}",
                p.makespan_s,
                p.total_s,
                p.unassigned_points.len()
            );
        }
        "event" => {
            // The article's major event: 24 checkpoints, 149 duty points, 400 vehicles.
            let net = RoadNetwork::load(format!("{data}/roads/liechtenstein.osm.pbf")).unwrap();
            net.prepare(Profile::Police);
            let mut rng = Rng(31);
            let kinds = ["patrol_car", "traffic", "swat", "community", "foot_patrol"];
            let mut posts = Vec::new();
            for p in points(&net, &mut rng, 24) {
                posts.push(Post {
                    position: p,
                    staff: 4,
                    kinds: vec!["patrol_car".into(), "traffic".into(), "swat".into()],
                });
            }
            for p in points(&net, &mut rng, 149) {
                posts.push(Post {
                    position: p,
                    staff: 2,
                    kinds: vec![],
                });
            }
            let units: Vec<DeployUnit> = points(&net, &mut rng, 400)
                .into_iter()
                .enumerate()
                .map(|(i, p)| DeployUnit {
                    position: p,
                    kind: kinds[i % kinds.len()].into(),
                })
                .collect();
            let us: Vec<_> = units
                .iter()
                .filter_map(|u| net.snap_for(Profile::Police, u.position[0], u.position[1]))
                .collect();
            let ps: Vec<_> = posts
                .iter()
                .filter_map(|p| net.snap_for(Profile::Police, p.position[0], p.position[1]))
                .collect();
            let (base, _) = time(5, || net.matrix(Profile::Police, &us, &ps));
            let (ms, d) = time(5, || deploy(&net, &posts, &units).unwrap());
            println!("\nEvent deployment, Liechtenstein: 173 posts (394 places), 400 units (median of 5)");
            println!("| step | ms | × matrix |\n|---|---:|---:|");
            println!("| baseline: 400×173 matrix alone | {base:.1} | 1.00× |");
            println!(
                "| deploy (matrix + optimal assignment of 394 places) | {ms:.1} | {:.1}× |",
                ms / base
            );
            println!(
                "makespan {:.0} s, total {:.0} s, places left empty {}",
                d.makespan_s,
                d.total_s,
                d.short.iter().sum::<usize>()
            );
        }
        other => eprintln!("unknown benchmark {other}"),
    }
}
