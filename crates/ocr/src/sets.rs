//! Disjoint sets of indices (union-find), for grouping things that touch,
//! cross or stand beside each other: lines into blocks, blocks into rows,
//! rules into tables, cells into merged cells.

/// Disjoint sets of the indices `0..n` (union-find with path halving). A
/// set's root is its smallest index, so sets visited by root keep the order
/// of their first members.
#[derive(Debug, Clone)]
pub struct DisjointSets(Vec<usize>);

impl DisjointSets {
    /// `n` sets of one index each.
    pub fn new(n: usize) -> Self {
        DisjointSets((0..n).collect())
    }

    /// The root (smallest index) of the set holding `i`.
    pub fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    /// Joins the sets holding `a` and `b`.
    pub fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        self.0[a.max(b)] = a.min(b);
    }
}

#[cfg(test)]
mod tests {
    use super::DisjointSets;

    #[test]
    fn joined_indices_share_their_smallest_as_root() {
        let mut s = DisjointSets::new(6);
        s.join(4, 2);
        s.join(5, 4);
        s.join(3, 1);
        assert_eq!(
            (0..6).map(|i| s.find(i)).collect::<Vec<_>>(),
            [0, 1, 2, 1, 2, 2]
        );
        s.join(5, 3);
        assert_eq!(
            (0..6).map(|i| s.find(i)).collect::<Vec<_>>(),
            [0, 1, 1, 1, 1, 1]
        );
    }
}
