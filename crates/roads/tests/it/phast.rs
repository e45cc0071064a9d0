//! PHAST one-to-all / all-to-one (single, batched with every lane width, and inside
//! one-to-many / many-to-one queries) must give exactly the plain Dijkstra travel times, and so
//! must every other query on hierarchies from either builder (fast_paths and the crate's own).
//! Its own test binary because it changes the process-wide tuning knobs in `raw`.

use crate::common;

use common::random::{build, check_against_dijkstra, graph};
use proptest::prelude::*;
use zhihui_roads::raw::{force_builder, force_one_side, set_lanes};
use zhihui_roads::{Direction, Profile};

proptest! {
    #![proptest_config(ProptestConfig { cases: 120, .. ProptestConfig::default() })]

    /// PHAST one-to-all / all-to-one (single and batched, every lane width) equal plain
    /// Dijkstra on every node, and `seconds_at` equals the Dijkstra route between the points.
    #[test]
    fn one_to_all_equals_dijkstra(
        (pts, roads, probes) in graph(),
        lanes in 0usize..=16,
        one_side in prop::option::of(any::<bool>()),
        own_builder in any::<bool>(),
    ) {
        // Both hierarchy builders must give the same answers.
        force_builder(Some(own_builder));
        let Some(net) = build(&pts, &roads) else { return Ok(()) };
        let snaps: Vec<_> = probes.iter().filter_map(|&(x, y)| net.snap(x, y)).collect();
        // Process-wide, so only this test binary sets them; every setting must give the same
        // answers, which is what this checks.
        set_lanes(lanes);
        // Small graphs never reach the PHAST thresholds of one_to_many / nearest_k / single-row
        // matrices on their own: force each engine in turn.
        force_one_side(one_side);
        check_against_dijkstra(&net, &snaps)?;
        for p in Profile::ALL {
            let fwd = net.many_to_all(p, &snaps, Direction::Forward);
            let bwd = net.many_to_all(p, &snaps, Direction::Backward);
            prop_assert_eq!(fwd.len(), snaps.len());
            for (i, f) in snaps.iter().enumerate() {
                let df = net.one_to_all_dijkstra(p, f);
                let db = net.all_to_one_dijkstra(p, f);
                prop_assert_eq!(fwd[i].millis(), df.millis(), "forward {:?} {}", p, i);
                prop_assert_eq!(bwd[i].millis(), db.millis(), "backward {:?} {}", p, i);
                prop_assert_eq!(&net.one_to_all(p, f), &fwd[i]);
                prop_assert_eq!(&net.all_to_one(p, f), &bwd[i]);
                prop_assert_eq!(fwd[i].direction(), Direction::Forward);
                prop_assert_eq!(fwd[i].origin(), f);
                for t in &snaps {
                    let there = net.route_dijkstra(p, f, t).map(|r| r.seconds);
                    let back = net.route_dijkstra(p, t, f).map(|r| r.seconds);
                    prop_assert_eq!(fwd[i].seconds_at(&net, t), there);
                    prop_assert_eq!(df.seconds_at(&net, t), there);
                    prop_assert_eq!(bwd[i].seconds_at(&net, t), back);
                }
                let iso = net.isochrone(p, f, 90.0);
                prop_assert_eq!(&iso, &net.isochrone_dijkstra(p, f, 90.0));
                prop_assert_eq!(iso.nodes, df.within(90.0));
            }
            let mut seen = Vec::new();
            net.many_to_all_with(p, &snaps, Direction::Backward, |i, t| {
                seen.push((i, t.millis() == bwd[i].millis()));
            });
            prop_assert_eq!(seen, (0..snaps.len()).map(|i| (i, true)).collect::<Vec<_>>());
        }
    }
}
