//! `--shard K/N`: the K-th of N deterministic slices of a class, so that a
//! batch engine (a CI matrix, Slurm, GNU parallel) grades a class in N jobs.
//!
//! The students are sorted by folder name, and the i-th (from 0) goes to
//! shard `i mod N + 1`: every student lands in exactly one shard, the same
//! one on every machine, and the shards differ in size by at most one.

use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// One slice of N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, from 1.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let bad = || format!("{text:?} is not K/N with 1 <= K <= N, e.g. 1/4");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// This shard's items of `items`, which must be in a stable order.
    pub fn select<T>(self, items: Vec<T>) -> Vec<T> {
        items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index - 1)
            .map(|(_, item)| item)
            .collect()
    }
}

/// What a sharded run records in each report, so that `merge-reports` can
/// tell when a shard is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// This report's shard, from 1.
    pub index: usize,
    /// How many shards the class was cut into.
    pub count: usize,
    /// How many students the whole class has.
    pub class_size: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_bad_ones_are_explained() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/2", "3/2", "2", "a/b", "1/0", "-1/2"] {
            let error = bad.parse::<Shard>().unwrap_err();
            assert!(error.contains("is not K/N"), "{bad}: {error}");
        }
    }

    #[test]
    fn every_item_lands_in_exactly_one_shard_of_nearly_equal_size() {
        let items: Vec<usize> = (0..11).collect();
        let shards: Vec<Vec<usize>> = (1..=3)
            .map(|index| Shard { index, count: 3 }.select(items.clone()))
            .collect();
        let mut all: Vec<usize> = shards.concat();
        all.sort();
        assert_eq!(all, items);
        let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
        assert_eq!(sizes, [4, 4, 3]);
        assert_eq!(
            Shard { index: 1, count: 3 }.select(items),
            shards[0],
            "the same shard twice"
        );
    }
}
