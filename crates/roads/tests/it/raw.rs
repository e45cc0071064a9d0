//! The hidden graph-only API (`raw::RawGraph`, used by the benchmarks on bremen_time.gr) must
//! agree with petgraph's Dijkstra on random directed graphs, for every query shape (buckets,
//! one-to-many and many-to-one sweeps, point-to-point, PHAST one-to-all and all-to-one).

use petgraph::graph::{DiGraph, NodeIndex};
use proptest::prelude::*;
use zhihui_roads::raw::{force_builder, force_one_side, RawGraph};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn raw_graph_equals_dijkstra(
        n in 2usize..40,
        arcs in prop::collection::vec((0u32..40, 0u32..40, 1u32..1000), 1..120),
        own_builder in any::<bool>(),
    ) {
        let arcs: Vec<_> = arcs.into_iter().map(|(a, b, w)| (a % n as u32, b % n as u32, w)).collect();
        force_builder(Some(own_builder));
        let Ok(g) = RawGraph::from_arcs(n, &arcs) else { return Ok(()) };
        let mut pg = DiGraph::<(), u32>::new();
        for _ in 0..n {
            pg.add_node(());
        }
        for &(a, b, w) in &arcs {
            if a != b {
                pg.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), w);
            }
        }
        let all: Vec<u32> = (0..n as u32).collect();
        let m = g.matrix(&all, &all);
        // PHAST: forward tables are matrix rows, backward tables matrix columns.
        let fwd = g.many_to_all(&all, false);
        let bwd = g.many_to_all(&all, true);
        for s in 0..n {
            for t in 0..n {
                let want = m[s][t].map_or(u32::MAX, |x| x as u32);
                prop_assert_eq!(fwd[s][t], want, "one_to_all {} {}", s, t);
                prop_assert_eq!(bwd[t][s], want, "all_to_one {} {}", s, t);
            }
        }
        for s in 0..n as u32 {
            let d = petgraph::algo::dijkstra(&pg, NodeIndex::new(s as usize), None, |e| *e.weight());
            let otm = g.one_to_many(s, &all);
            for t in 0..n as u32 {
                let want = d.get(&NodeIndex::new(t as usize)).map(|&x| x as u64);
                prop_assert_eq!(m[s as usize][t as usize], want, "matrix {} {}", s, t);
                prop_assert_eq!(otm[t as usize], want, "one_to_many {} {}", s, t);
                prop_assert_eq!(g.one_to_one(s, t), want, "one_to_one {} {}", s, t);
            }
            let mut want: Vec<(usize, u64)> = (0..n)
                .filter_map(|i| Some((i, m[i][s as usize]?)))
                .collect();
            want.sort_unstable_by_key(|&(i, ms)| (ms, i));
            want.truncate(5);
            prop_assert_eq!(g.nearest_k(s, &all, 5), want.clone(), "nearest_k {}", s);
            force_one_side(Some(true));
            prop_assert_eq!(g.nearest_k(s, &all, 5), want, "nearest_k PHAST {}", s);
            force_one_side(None);
            let mto = g.matrix(&all, &[s]);
            for t in 0..n as u32 {
                prop_assert_eq!(mto[t as usize][0], m[t as usize][s as usize], "many_to_one {} {}", t, s);
            }
        }
    }
}
