//! Navigating a message tree: pure functions over (id, parent) pairs, so
//! branch logic is tested with no database.

use std::collections::{BTreeMap, HashMap};

/// The shape of one conversation's messages. Ids grow with time, so the
/// newest child is the one with the highest id.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    parent: HashMap<i64, Option<i64>>,
    children: BTreeMap<Option<i64>, Vec<i64>>,
}

impl Tree {
    pub fn new(nodes: impl IntoIterator<Item = (i64, Option<i64>)>) -> Tree {
        let mut tree = Tree::default();
        for (id, parent) in nodes {
            tree.parent.insert(id, parent);
            tree.children.entry(parent).or_default().push(id);
        }
        for ids in tree.children.values_mut() {
            ids.sort_unstable();
        }
        tree
    }

    pub fn contains(&self, id: i64) -> bool {
        self.parent.contains_key(&id)
    }

    pub fn parent(&self, id: i64) -> Option<i64> {
        self.parent.get(&id).copied().flatten()
    }

    /// The path from the root to `head`, root first. Empty for no head.
    pub fn branch(&self, head: Option<i64>) -> Vec<i64> {
        let mut path = Vec::new();
        let mut at = head.filter(|id| self.contains(*id));
        while let Some(id) = at {
            path.push(id);
            at = self.parent(id);
        }
        path.reverse();
        path
    }

    /// `id` and the messages sharing its parent, oldest first.
    pub fn siblings(&self, id: i64) -> &[i64] {
        match self.parent.get(&id) {
            Some(parent) => self.children.get(parent).map_or(&[], Vec::as_slice),
            None => &[],
        }
    }

    /// The leaf reached from `id` by always taking the newest child.
    pub fn newest_leaf(&self, id: i64) -> i64 {
        let mut at = id;
        while let Some(last) = self.children.get(&Some(at)).and_then(|c| c.last()) {
            at = *last;
        }
        at
    }

    /// `id` and everything below it.
    pub fn subtree(&self, id: i64) -> Vec<i64> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            if !self.contains(at) {
                continue;
            }
            out.push(at);
            if let Some(children) = self.children.get(&Some(at)) {
                stack.extend(children.iter().copied());
            }
        }
        out
    }

    /// Where the head goes when the branch at `deleted` is removed: stays if
    /// it was elsewhere, else the newest remaining sibling's leaf, else the
    /// parent.
    pub fn head_after_delete(&self, head: Option<i64>, deleted: i64) -> Option<i64> {
        let removed = self.subtree(deleted);
        if let Some(head) = head
            && !removed.contains(&head)
        {
            return Some(head);
        }
        let sibling = self
            .siblings(deleted)
            .iter()
            .rev()
            .find(|id| **id != deleted)
            .copied();
        match sibling {
            Some(sibling) => Some(self.newest_leaf(sibling)),
            None => self.parent(deleted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 ─ 2 ─ 3
    ///       ├ 4 ─ 5
    ///       └ 6
    fn sample() -> Tree {
        Tree::new([
            (1, None),
            (2, Some(1)),
            (3, Some(2)),
            (4, Some(2)),
            (5, Some(4)),
            (6, Some(2)),
        ])
    }

    #[test]
    fn branch_runs_root_first() {
        assert_eq!(sample().branch(Some(5)), vec![1, 2, 4, 5]);
        assert_eq!(sample().branch(None), Vec::<i64>::new());
        assert_eq!(sample().branch(Some(99)), Vec::<i64>::new());
    }

    #[test]
    fn siblings_share_a_parent() {
        let tree = sample();
        assert_eq!(tree.siblings(4), &[3, 4, 6]);
        assert_eq!(tree.siblings(1), &[1]);
        assert!(tree.siblings(42).is_empty());
    }

    #[test]
    fn newest_leaf_takes_the_latest_child() {
        assert_eq!(sample().newest_leaf(1), 6);
        assert_eq!(sample().newest_leaf(4), 5);
    }

    #[test]
    fn subtree_holds_every_descendant() {
        let mut ids = sample().subtree(2);
        ids.sort_unstable();
        assert_eq!(ids, vec![2, 3, 4, 5, 6]);
    }

    #[test]
    fn deleting_the_branch_on_screen_moves_the_head() {
        let tree = sample();
        assert_eq!(tree.head_after_delete(Some(5), 4), Some(6));
        assert_eq!(tree.head_after_delete(Some(6), 6), Some(5));
        assert_eq!(tree.head_after_delete(Some(3), 4), Some(3));
        assert_eq!(tree.head_after_delete(Some(5), 2), Some(1));
        assert_eq!(tree.head_after_delete(Some(5), 1), None);
    }
}
