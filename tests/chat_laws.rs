//! Property tests for the pure chat functions: trimming and tree navigation.

use proptest::prelude::*;
use scriptorium::chat::tree::Tree;
use scriptorium::chat::trim::{Item, trim};

fn branch() -> impl Strategy<Value = Vec<Item>> {
    prop::collection::vec((1u32..400, prop::bool::weighted(0.15)), 0..40).prop_map(|sizes| {
        sizes
            .into_iter()
            .enumerate()
            .map(|(i, (tokens, pinned))| Item {
                id: i as i64 + 1,
                tokens,
                pinned,
            })
            .collect()
    })
}

/// A random tree: each message answers an earlier one (or none).
fn tree() -> impl Strategy<Value = Vec<(i64, Option<i64>)>> {
    prop::collection::vec(any::<prop::sample::Index>(), 1..60).prop_map(|picks| {
        picks
            .iter()
            .enumerate()
            .map(|(i, pick)| {
                let id = i as i64 + 1;
                let parent = if i == 0 {
                    None
                } else {
                    Some(pick.index(i) as i64 + 1)
                };
                (id, parent)
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn trimming_keeps_order_pins_and_the_newest(items in branch(), system in 0u32..300, budget in 1u32..5000) {
        let t = trim(system, &items, budget);
        let mut all: Vec<i64> = t.kept.iter().chain(&t.dropped).copied().collect();
        all.sort_unstable();
        prop_assert_eq!(all, items.iter().map(|i| i.id).collect::<Vec<_>>());
        prop_assert!(t.kept.windows(2).all(|w| w[0] < w[1]));
        for item in items.iter().filter(|i| i.pinned) {
            prop_assert!(t.kept.contains(&item.id));
        }
        if let Some(last) = items.last() {
            prop_assert!(t.kept.contains(&last.id));
        }
        // Beyond what must stay, nothing is sent over the budget.
        let forced: u32 = system + items.iter().enumerate()
            .filter(|(i, item)| item.pinned || *i + 1 == items.len())
            .map(|(_, item)| item.tokens).sum::<u32>();
        prop_assert!(t.sent <= budget.max(forced));
        // Unpinned messages go oldest first: a kept one has no dropped one after it.
        let unpinned_kept: Vec<i64> = t.kept.iter().copied()
            .filter(|id| !items[(*id - 1) as usize].pinned).collect();
        if let Some(first) = unpinned_kept.first() {
            prop_assert!(t.dropped.iter().all(|d| d < first));
        }
    }

    #[test]
    fn branches_lead_from_the_root_and_leaves_have_no_children(nodes in tree(), pick in any::<prop::sample::Index>()) {
        let tree = Tree::new(nodes.clone());
        let id = nodes[pick.index(nodes.len())].0;
        let leaf = tree.newest_leaf(id);
        prop_assert!(nodes.iter().all(|(_, parent)| *parent != Some(leaf)));
        let path = tree.branch(Some(leaf));
        prop_assert_eq!(path.first().copied(), Some(1));
        prop_assert!(path.contains(&id));
        for pair in path.windows(2) {
            prop_assert_eq!(tree.parent(pair[1]), Some(pair[0]));
        }
        // After deleting any branch the head is still in the tree, off the deleted part.
        let deleted = tree.subtree(id);
        match tree.head_after_delete(Some(leaf), id) {
            Some(head) => prop_assert!(!deleted.contains(&head) && tree.contains(head)),
            None => prop_assert_eq!(id, 1),
        }
    }
}
