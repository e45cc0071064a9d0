//! The hidden graph-only API (`raw::RawGraph`, used by the benchmarks on bremen_time.gr) must
//! agree with petgraph's Dijkstra on random directed graphs, for every query shape (buckets,
//! one-to-many and many-to-one sweeps, point-to-point).

use petgraph::graph::{DiGraph, NodeIndex};
use proptest::prelude::*;
use zhihui_roads::raw::RawGraph;

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn raw_graph_equals_dijkstra(
        n in 2usize..40,
        arcs in prop::collection::vec((0u32..40, 0u32..40, 1u32..1000), 1..120),
    ) {
        let arcs: Vec<_> = arcs.into_iter().map(|(a, b, w)| (a % n as u32, b % n as u32, w)).collect();
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
        for s in 0..n as u32 {
            let d = petgraph::algo::dijkstra(&pg, NodeIndex::new(s as usize), None, |e| *e.weight());
            let otm = g.one_to_many(s, &all);
            for t in 0..n as u32 {
                let want = d.get(&NodeIndex::new(t as usize)).map(|&x| x as u64);
                prop_assert_eq!(m[s as usize][t as usize], want, "matrix {} {}", s, t);
                prop_assert_eq!(otm[t as usize], want, "one_to_many {} {}", s, t);
                prop_assert_eq!(g.one_to_one(s, t), want, "one_to_one {} {}", s, t);
            }
            let mto = g.matrix(&all, &[s]);
            for t in 0..n as u32 {
                prop_assert_eq!(mto[t as usize][0], m[t as usize][s as usize], "many_to_one {} {}", t, s);
            }
        }
    }
}
