//! Optimal assignment of units to points: as many points as possible, then the smallest
//! makespan (the latest arrival), then the smallest total travel time.
//!
//! 1. Maximum matching size `ν` over all finite costs (augmenting paths).
//! 2. Bottleneck `θ`: the smallest cost such that edges `≤ θ` still admit a matching of size
//!    `ν` (binary search over the sorted distinct costs).
//! 3. Minimum total among those matchings: the Hungarian method (shortest augmenting paths
//!    with potentials) on the edges `≤ θ`, with one "unassigned" column per row whose cost
//!    exceeds any complete sum, so the optimum uses as few of them as possible.
//!
//! Each step is exact, so the result is optimal for the lexicographic order (count, makespan,
//! total). Costs are integers (milliseconds) so ties are exact too.

/// An optimal assignment of rows (points) to columns (units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assignment {
    /// `(row, column, cost)` for every assigned row, by row.
    pub pairs: Vec<(usize, usize, u64)>,
    /// Rows left without a column.
    pub unassigned: Vec<usize>,
    /// Largest cost among the pairs (0 when empty).
    pub makespan: u64,
    /// Sum of the pairs' costs.
    pub total: u64,
}

/// Maximum bipartite matching with a warm start; `adj[row]` lists usable columns.
pub(crate) struct Matcher {
    pub row_of_col: Vec<usize>,
    pub col_of_row: Vec<usize>,
    seen: Vec<u32>,
    stamp: u32,
    /// Set after a successful augmentation. While searches keep failing the matching does not
    /// change, so columns a failed search explored cannot help a later one: their marks are
    /// kept, which makes a run of hopeless rows cost one sweep instead of one each.
    changed: bool,
}

pub(crate) const FREE: usize = usize::MAX;

impl Matcher {
    pub fn new(rows: usize, cols: usize) -> Self {
        Matcher {
            row_of_col: vec![FREE; cols],
            col_of_row: vec![FREE; rows],
            seen: vec![0; cols],
            stamp: 0,
            changed: true,
        }
    }

    /// Pairs a free row with a free column directly (a warm start).
    pub fn set(&mut self, row: usize, col: usize) {
        debug_assert!(self.row_of_col[col] == FREE && self.col_of_row[row] == FREE);
        self.row_of_col[col] = row;
        self.col_of_row[row] = col;
        self.changed = true;
    }

    /// Tries to match `row`, re-routing earlier rows along an augmenting path if needed;
    /// `adj[row]` lists the columns a row may take.
    pub fn augment(&mut self, row: usize, adj: &[Vec<usize>]) -> bool {
        if self.changed {
            self.changed = false;
            self.stamp = self.stamp.wrapping_add(1);
            if self.stamp == 0 {
                self.seen.iter_mut().for_each(|s| *s = 0);
                self.stamp = 1;
            }
        }
        // Iterative DFS over alternating paths: stack of (row, next column index), and the
        // column chosen at each level.
        let mut stack: Vec<(usize, usize)> = vec![(row, 0)];
        let mut path_cols: Vec<usize> = Vec::new();
        while let Some(top) = stack.last_mut() {
            let (r, i) = *top;
            let Some(&c) = adj[r].get(i) else {
                stack.pop();
                path_cols.pop();
                continue;
            };
            top.1 += 1;
            if self.seen[c] == self.stamp {
                continue;
            }
            self.seen[c] = self.stamp;
            path_cols.push(c);
            let owner = self.row_of_col[c];
            if owner == FREE {
                // Flip the path: each row on the stack takes the column chosen at its level.
                for (level, &(rr, _)) in stack.iter().enumerate() {
                    let cc = path_cols[level];
                    self.col_of_row[rr] = cc;
                    self.row_of_col[cc] = rr;
                }
                self.changed = true;
                return true;
            }
            stack.push((owner, 0));
        }
        false
    }
}

fn matching_size(cost: &[Vec<Option<u64>>], cols: usize, limit: u64) -> usize {
    let mut m = Matcher::new(cost.len(), cols);
    let adj: Vec<Vec<usize>> = cost
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .filter(|(_, c)| c.is_some_and(|c| c <= limit))
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    (0..cost.len()).filter(|&r| m.augment(r, &adj)).count()
}

/// The optimal assignment for `cost[row][col]` (`None`: this column cannot serve this row).
pub(crate) fn assign(cost: &[Vec<Option<u64>>], cols: usize) -> Assignment {
    // Keep the Hungarian method's sums in i64 (see `min_sum`): travel times beyond a day are
    // not a plan anyone would follow.
    const DAY_MS: u64 = 86_400_000;
    let capped: Vec<Vec<Option<u64>>>;
    let cost = if cost.iter().flatten().flatten().any(|&c| c > DAY_MS) {
        capped = cost
            .iter()
            .map(|r| r.iter().map(|c| c.filter(|&c| c <= DAY_MS)).collect())
            .collect();
        &capped[..]
    } else {
        cost
    };
    let rows = cost.len();
    let nu = matching_size(cost, cols, u64::MAX);
    let mut values: Vec<u64> = cost.iter().flatten().flatten().copied().collect();
    values.sort_unstable();
    values.dedup();
    let theta = if nu == 0 {
        0
    } else {
        // Smallest index whose threshold keeps a matching of size nu.
        let (mut lo, mut hi) = (0usize, values.len() - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if matching_size(cost, cols, values[mid]) == nu {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        values[lo]
    };
    let col_of_row = min_sum(cost, cols, theta, nu);
    let mut pairs = Vec::new();
    let mut unassigned = Vec::new();
    for (r, c) in col_of_row.into_iter().enumerate() {
        match c.and_then(|c| cost[r][c].map(|v| (c, v))) {
            Some((c, v)) => pairs.push((r, c, v)),
            None => unassigned.push(r),
        }
    }
    let makespan = pairs.iter().map(|p| p.2).max().unwrap_or(0);
    let total = pairs.iter().map(|p| p.2).sum();
    debug_assert!(rows == pairs.len() + unassigned.len());
    Assignment {
        pairs,
        unassigned,
        makespan,
        total,
    }
}

/// Hungarian method (shortest augmenting paths with potentials, O(n²·m)) on `rows` × (`cols`
/// real columns + `rows` "unassigned" columns). Edges above `theta` are forbidden.
fn min_sum(cost: &[Vec<Option<u64>>], cols: usize, theta: u64, nu: usize) -> Vec<Option<usize>> {
    let n = cost.len();
    if n == 0 {
        return Vec::new();
    }
    let m = cols + n;
    // Any assignment using fewer dummies is cheaper than every one using more; a forbidden
    // edge is worse than leaving every row unassigned. In i64: theta is at most a day's
    // milliseconds here (8.64e7) and n at most a few thousand rows, so inf stays far below
    // 9.2e18 (the callers cap both).
    let big: i64 = (theta as i64 + 1) * (n as i64 + 1);
    let inf: i64 = big * (n as i64 + 2);
    let c = |i: usize, j: usize| -> i64 {
        if j < cols {
            match cost[i][j] {
                Some(v) if v <= theta => v as i64,
                _ => inf,
            }
        } else if j - cols == i {
            big
        } else {
            inf
        }
    };
    // 1-based arrays as in the classic formulation: p[j] = row matched to column j.
    let mut u = vec![0i64; n + 1];
    let mut v = vec![0i64; m + 1];
    let mut p = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0usize;
        let mut minv = vec![i64::MAX; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = i64::MAX;
            let mut j1 = 0usize;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let cur = c(i0 - 1, j - 1) - u[i0] - v[j];
                if cur < minv[j] {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![None; n];
    for j in 1..=cols {
        if p[j] != 0 {
            let i = p[j] - 1;
            if cost[i][j - 1].is_some_and(|x| x <= theta) {
                out[i] = Some(j - 1);
            }
        }
    }
    debug_assert_eq!(out.iter().flatten().count(), nu);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(cost: &[Vec<Option<u64>>], cols: usize) -> (usize, u64, u64) {
        fn go(
            r: usize,
            cost: &[Vec<Option<u64>>],
            used: &mut Vec<bool>,
            acc: (usize, u64, u64),
            best: &mut (usize, u64, u64),
        ) {
            if r == cost.len() {
                let better =
                    acc.0 > best.0 || (acc.0 == best.0 && (acc.1, acc.2) < (best.1, best.2));
                if better {
                    *best = acc;
                }
                return;
            }
            go(r + 1, cost, used, acc, best);
            for j in 0..used.len() {
                if let (false, Some(c)) = (used[j], cost[r][j]) {
                    used[j] = true;
                    go(
                        r + 1,
                        cost,
                        used,
                        (acc.0 + 1, acc.1.max(c), acc.2 + c),
                        best,
                    );
                    used[j] = false;
                }
            }
        }
        let mut best = (0, 0, 0);
        go(0, cost, &mut vec![false; cols], (0, 0, 0), &mut best);
        best
    }

    #[test]
    fn equals_brute_force_on_small_random_cases() {
        let mut seed = 12345u64;
        let mut rnd = |m: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for _ in 0..400 {
            let rows = 1 + rnd(5) as usize;
            let cols = 1 + rnd(6) as usize;
            let cost: Vec<Vec<Option<u64>>> = (0..rows)
                .map(|_| {
                    (0..cols)
                        .map(|_| (rnd(5) != 0).then(|| 1 + rnd(20)))
                        .collect()
                })
                .collect();
            let a = assign(&cost, cols);
            let b = brute(&cost, cols);
            assert_eq!((a.pairs.len(), a.makespan, a.total), b, "{cost:?}");
            let mut used = vec![false; cols];
            for &(r, c, v) in &a.pairs {
                assert!(!used[c]);
                used[c] = true;
                assert_eq!(cost[r][c], Some(v));
            }
        }
    }

    #[test]
    fn empty_inputs() {
        let a = assign(&[], 3);
        assert!(a.pairs.is_empty() && a.unassigned.is_empty());
        let a = assign(&[vec![], vec![]], 0);
        assert_eq!(a.unassigned, vec![0, 1]);
    }
}
