//! Contraction-hierarchy queries must give exactly the same travel times as plain Dijkstra.

use crate::common;

use common::random::{build, check_against_dijkstra, graph};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn ch_equals_dijkstra((pts, roads, probes) in graph()) {
        let Some(net) = build(&pts, &roads) else { return Ok(()) };
        let snaps: Vec<_> = probes.iter().filter_map(|&(x, y)| net.snap(x, y)).collect();
        prop_assert_eq!(snaps.len(), probes.len());
        check_against_dijkstra(&net, &snaps)?;
    }
}
