//! Work shared among a few threads, each with a slot of its own: a build
//! folder, or a copy of the workspace. The class's students, the catalogue's
//! entries and verify's fixtures are graded this way, as many at once as
//! there are slots.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Calls `work(slot, item)` for every item, on `slots` threads (at least
/// one, at most one per item), each taking the next item when it is done
/// with one. Returns the results in the items' order.
pub fn in_slots<T: Sync, R: Send>(
    items: &[T],
    slots: usize,
    work: impl Fn(usize, &T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for slot in 0..slots.clamp(1, items.len().max(1)) {
            let (next, results, work) = (&next, &results, &work);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(slot, item);
                    results.lock().unwrap().push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_once_in_order_each_slot_in_its_own_thread() {
        let items: Vec<u32> = (0..50).collect();
        let seen = Mutex::new(Vec::new());
        let results = in_slots(&items, 3, |slot, item| {
            assert!(slot < 3, "slot {slot} out of range");
            seen.lock().unwrap().push(*item);
            item * 2
        });
        assert_eq!(results, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, items, "each item exactly once");
    }

    #[test]
    fn no_items_and_zero_slots_are_fine() {
        assert!(in_slots(&[] as &[u8], 0, |_, x| *x).is_empty());
        assert_eq!(in_slots(&[7u8], 0, |slot, x| (slot, *x)), vec![(0, 7)]);
    }
}
