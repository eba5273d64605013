//! Fitting a branch into the context window: the oldest messages go first;
//! the system prompt, pinned messages and the latest message always stay.

use crate::generation::tokens;

/// Room left for the answer when no `max_tokens` is set: a quarter of the
/// window, at most this many tokens.
const ANSWER_RESERVE: u32 = 1024;

/// One message of the branch, as trimming sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: i64,
    pub tokens: u32,
    pub pinned: bool,
}

impl Item {
    pub fn new(id: i64, text: &str, pinned: bool) -> Item {
        Item {
            id,
            tokens: tokens::estimate(text) + PER_MESSAGE,
            pinned,
        }
    }
}

/// What chat formats add around each message (role markers).
pub const PER_MESSAGE: u32 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trimmed {
    /// Ids kept, in branch order.
    pub kept: Vec<i64>,
    /// Ids left out, in branch order.
    pub dropped: Vec<i64>,
    /// Tokens of the system prompt and the whole branch.
    pub total: u32,
    /// Tokens of the system prompt and what is kept.
    pub sent: u32,
}

/// The prompt's share of a `window`, given the answer's `max_tokens`.
pub fn budget(window: u32, max_tokens: Option<u32>) -> u32 {
    let reserve = max_tokens.unwrap_or_else(|| (window / 4).min(ANSWER_RESERVE));
    window.saturating_sub(reserve).max(1)
}

/// Keeps the newest messages that fit in `budget` after `system` tokens and
/// every pinned message; the last message is kept whatever its size. Drops
/// whole messages, oldest first, and never reorders.
pub fn trim(system: u32, branch: &[Item], budget: u32) -> Trimmed {
    let total = system + branch.iter().map(|i| i.tokens).sum::<u32>();
    let last = branch.len().checked_sub(1);
    let mut keep = vec![false; branch.len()];
    let mut used = system;
    for (index, item) in branch.iter().enumerate() {
        if item.pinned || Some(index) == last {
            keep[index] = true;
            used += item.tokens;
        }
    }
    for (index, item) in branch.iter().enumerate().rev() {
        if keep[index] {
            continue;
        }
        if used + item.tokens > budget {
            // Everything older goes too: no holes in the recent history.
            break;
        }
        keep[index] = true;
        used += item.tokens;
    }
    let (kept, dropped): (Vec<_>, Vec<_>) = branch.iter().zip(&keep).partition(|(_, keep)| **keep);
    Trimmed {
        kept: kept.into_iter().map(|(i, _)| i.id).collect(),
        dropped: dropped.into_iter().map(|(i, _)| i.id).collect(),
        total,
        sent: used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(sizes: &[(u32, bool)]) -> Vec<Item> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, (tokens, pinned))| Item {
                id: i as i64 + 1,
                tokens: *tokens,
                pinned: *pinned,
            })
            .collect()
    }

    #[test]
    fn everything_fits() {
        let t = trim(10, &items(&[(10, false), (10, false)]), 100);
        assert_eq!(t.kept, vec![1, 2]);
        assert!(t.dropped.is_empty());
        assert_eq!((t.total, t.sent), (30, 30));
    }

    #[test]
    fn oldest_go_first() {
        let t = trim(
            10,
            &items(&[(30, false), (30, false), (30, false), (30, false)]),
            75,
        );
        assert_eq!(t.kept, vec![3, 4]);
        assert_eq!(t.dropped, vec![1, 2]);
        assert_eq!(t.sent, 70);
    }

    #[test]
    fn pinned_and_last_always_stay() {
        let t = trim(
            0,
            &items(&[(30, true), (30, false), (30, false), (500, false)]),
            100,
        );
        assert_eq!(t.kept, vec![1, 4]);
        assert_eq!(t.dropped, vec![2, 3]);
    }

    #[test]
    fn no_holes_behind_a_message_that_does_not_fit() {
        let t = trim(0, &items(&[(5, false), (80, false), (10, false)]), 50);
        assert_eq!(t.kept, vec![3]);
        assert_eq!(t.dropped, vec![1, 2]);
    }

    #[test]
    fn empty_branch() {
        let t = trim(7, &[], 10);
        assert!(t.kept.is_empty() && t.dropped.is_empty());
        assert_eq!(t.sent, 7);
    }

    #[test]
    fn budget_leaves_room_for_the_answer() {
        assert_eq!(budget(8192, None), 8192 - 1024);
        assert_eq!(budget(2000, None), 1500);
        assert_eq!(budget(4096, Some(512)), 3584);
        assert_eq!(budget(100, Some(500)), 1);
    }

    #[test]
    fn kept_and_dropped_partition_the_branch_in_order() {
        // A small exhaustive sweep instead of a property test.
        for budget in 0..120 {
            for pin in 0..4 {
                let mut sizes = vec![(20, false); 4];
                sizes[pin].1 = true;
                let branch = items(&sizes);
                let t = trim(3, &branch, budget);
                let mut all = t.kept.clone();
                all.extend(&t.dropped);
                all.sort_unstable();
                assert_eq!(all, vec![1, 2, 3, 4]);
                assert!(t.kept.windows(2).all(|w| w[0] < w[1]));
                assert!(t.kept.contains(&4) && t.kept.contains(&(pin as i64 + 1)));
            }
        }
    }
}
