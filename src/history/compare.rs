//! Two generations side by side: what changed in the prompt and the output.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{Algorithm, DiffOp};

use super::search_text::is_cjk;
use crate::generation::GenerationRecord;

/// Past this, the diff is coarser rather than slower.
const DIFF_DEADLINE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub enum DiffOpKind {
    /// In both.
    Same,
    /// Only in the first.
    Removed,
    /// Only in the second.
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DiffPart {
    pub op: DiffOpKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub first: GenerationRecord,
    pub second: GenerationRecord,
    /// The prompts as a person reads them.
    pub prompt: Vec<DiffPart>,
    /// The first choices' answers.
    pub output: Vec<DiffPart>,
}

pub(super) fn compare(first: GenerationRecord, second: GenerationRecord) -> Comparison {
    let answer = |r: &GenerationRecord| {
        r.choices
            .first()
            .map(|c| c.text.clone())
            .unwrap_or_default()
    };
    Comparison {
        prompt: diff(&first.prompt.to_string(), &second.prompt.to_string()),
        output: diff(&answer(&first), &answer(&second)),
        first,
        second,
    }
}

/// Words, runs of spaces and punctuation, and single CJK characters: the
/// units a reader sees change.
fn units(text: &str) -> Vec<&str> {
    let mut units = Vec::new();
    let mut start = 0;
    let mut previous: Option<u8> = None;
    for (index, c) in text.char_indices() {
        let class = if is_cjk(c) {
            0
        } else if c.is_alphanumeric() {
            1
        } else if c.is_whitespace() {
            2
        } else {
            3
        };
        let boundary = match previous {
            None => false,
            Some(0) | Some(3) => true,
            Some(p) => p != class,
        };
        if boundary {
            units.push(&text[start..index]);
            start = index;
        }
        previous = Some(class);
    }
    if start < text.len() {
        units.push(&text[start..]);
    }
    units
}

/// A word-level diff of `a` into `b`, with neighbouring parts of one kind
/// merged.
pub fn diff(a: &str, b: &str) -> Vec<DiffPart> {
    let (old, new) = (units(a), units(b));
    let ops = similar::capture_diff_slices_deadline(
        Algorithm::Myers,
        &old,
        &new,
        Some(Instant::now() + DIFF_DEADLINE),
    );
    let mut parts: Vec<DiffPart> = Vec::new();
    let mut push = |op: DiffOpKind, text: String| match parts.last_mut() {
        Some(last) if last.op == op => last.text.push_str(&text),
        _ if text.is_empty() => {}
        _ => parts.push(DiffPart { op, text }),
    };
    for op in ops {
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                push(DiffOpKind::Same, old[old_index..old_index + len].concat());
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => push(
                DiffOpKind::Removed,
                old[old_index..old_index + old_len].concat(),
            ),
            DiffOp::Insert {
                new_index, new_len, ..
            } => push(
                DiffOpKind::Added,
                new[new_index..new_index + new_len].concat(),
            ),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                push(
                    DiffOpKind::Removed,
                    old[old_index..old_index + old_len].concat(),
                );
                push(
                    DiffOpKind::Added,
                    new[new_index..new_index + new_len].concat(),
                );
            }
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(parts: &[DiffPart], keep: DiffOpKind) -> String {
        parts
            .iter()
            .filter(|p| p.op == DiffOpKind::Same || p.op == keep)
            .map(|p| p.text.as_str())
            .collect()
    }

    #[test]
    fn a_changed_word_is_removed_and_added() {
        let parts = diff("The red dragon slept.", "The green dragon slept.");
        assert_eq!(
            parts,
            vec![
                DiffPart {
                    op: DiffOpKind::Same,
                    text: "The ".into()
                },
                DiffPart {
                    op: DiffOpKind::Removed,
                    text: "red".into()
                },
                DiffPart {
                    op: DiffOpKind::Added,
                    text: "green".into()
                },
                DiffPart {
                    op: DiffOpKind::Same,
                    text: " dragon slept.".into()
                },
            ]
        );
    }

    #[test]
    fn chinese_differs_by_character() {
        let parts = diff("我很高兴。", "我很难过。");
        assert_eq!(side(&parts, DiffOpKind::Removed), "我很高兴。");
        assert_eq!(side(&parts, DiffOpKind::Added), "我很难过。");
        assert_eq!(
            parts[0],
            DiffPart {
                op: DiffOpKind::Same,
                text: "我很".into()
            }
        );
    }

    #[test]
    fn each_side_reads_back_whole() {
        for (a, b) in [("", "new"), ("old", ""), ("a b c", "a c d"), ("x", "x")] {
            let parts = diff(a, b);
            assert_eq!(side(&parts, DiffOpKind::Removed), a);
            assert_eq!(side(&parts, DiffOpKind::Added), b);
        }
    }
}
