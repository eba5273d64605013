//! The text the search index holds, and search queries turned into FTS5
//! match expressions that find the same way in every script.
//!
//! unicode61 splits words at spaces and punctuation, which is right for
//! English, French or Russian but makes a whole Chinese or Japanese sentence
//! one token. Trigram would find CJK substrings, but only from three
//! characters on, and "高兴" or "東京" are two. So the indexed text has
//! every CJK character set apart by [`SEPARATOR`], making each one a token,
//! and a CJK query becomes a phrase of its characters: adjacent tokens, that
//! is the substring, however short. Other scripts keep word search (with
//! case and diacritics folded) and an explicit `word*` prefix.

/// Sets CJK characters apart in the indexed text: a control character,
/// so a separator to unicode61, one byte long, and absent from real text,
/// so snippets can drop it again without touching the person's own spaces.
pub const SEPARATOR: char = '\u{1F}';

/// Marks a hit in a snippet (`char(57344)` and `char(57345)` in SQL);
/// private-use characters, removed from the indexed text so that any found
/// in a snippet are ours.
const HIT_START: char = '\u{E000}';
const HIT_END: char = '\u{E001}';

/// Characters that are words of their own for search: Han ideographs, kana
/// and Hangul syllables.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x31F0..=0x31FF   // Katakana phonetic extensions
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9D   // Halfwidth Katakana
        | 0x20000..=0x3134F) // Extensions B to G
}

/// `text` as the index holds it: a separator between a CJK character and
/// any neighbour that is not a space.
pub fn index_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 3);
    let (mut after_cjk, mut after_space) = (false, true);
    for c in text.chars() {
        let c = match c {
            SEPARATOR | HIT_START | HIT_END => ' ',
            c => c,
        };
        let cjk = is_cjk(c);
        if (cjk || after_cjk) && !after_space && !c.is_whitespace() {
            out.push(SEPARATOR);
        }
        out.push(c);
        after_cjk = cjk;
        after_space = c.is_whitespace();
    }
    out
}

/// One search term: the text of a phrase, and whether its last word is a
/// prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Term {
    pub(super) text: String,
    pub(super) prefix: bool,
}

/// The terms of what a person typed that have something to find: each a
/// "quoted phrase" or a run without spaces, every one required.
pub(super) fn search_terms(query: &str) -> Vec<Term> {
    parse(query)
        .into_iter()
        .filter(|term| term.text.chars().any(char::is_alphanumeric))
        .collect()
}

/// The FTS5 expression for what a person typed: every term must match.
/// A term is a "quoted phrase" or a run without spaces (`don't`, `v1.2`,
/// `东京塔`), which matches as a phrase of its words and characters; `word*`
/// matches words starting so. `None` when nothing searchable was typed.
///
/// Each term goes to FTS5 as a quoted string, so nothing typed can be read
/// as FTS5 syntax (AND, NEAR, column filters, parentheses).
pub fn match_expression(query: &str) -> Option<String> {
    let terms: Vec<String> = search_terms(query)
        .into_iter()
        .map(|term| {
            let quoted = format!("\"{}\"", index_form(&term.text).replace('"', "\"\""));
            if term.prefix {
                format!("{quoted} *")
            } else {
                quoted
            }
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

fn parse(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let mut chars = query.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let text: String = chars.by_ref().take_while(|&c| c != '"').collect();
            terms.push(Term {
                text,
                prefix: false,
            });
        } else {
            let mut text = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                text.push(c);
                chars.next();
            }
            // A prefix needs a word before the star; CJK terms are
            // substrings already.
            let prefix = text.len() > 1
                && text.ends_with('*')
                && text[..text.len() - 1]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() && !is_cjk(c));
            if prefix {
                text.pop();
            }
            terms.push(Term { text, prefix });
        }
    }
    terms
}

/// A piece of a snippet: text, found or around a hit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// Splits a snippet marked with [`HIT_START`] / [`HIT_END`] into parts,
/// with the CJK separators removed: the person's text as it was.
pub(super) fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut hit = false;
    let mut current = String::new();
    let flush = |current: &mut String, hit: bool, parts: &mut Vec<SnippetPart>| {
        if !current.is_empty() {
            parts.push(SnippetPart {
                text: std::mem::take(current),
                hit,
            });
        }
    };
    for c in marked.chars() {
        match c {
            HIT_START => {
                flush(&mut current, hit, &mut parts);
                hit = true;
            }
            HIT_END => {
                flush(&mut current, hit, &mut parts);
                hit = false;
            }
            SEPARATOR => {}
            c => current.push(c),
        }
    }
    flush(&mut current, hit, &mut parts);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_are_set_apart_and_others_kept() {
        let s = SEPARATOR;
        assert_eq!(index_form("Hi 你好!"), format!("Hi 你{s}好{s}!"));
        assert_eq!(index_form("v2东京 x"), format!("v2{s}东{s}京 x"));
        assert_eq!(index_form("café, naïve"), "café, naïve");
        assert_eq!(index_form("カタカナ").matches(s).count(), 3);
        assert_eq!(index_form("a\u{E000}b\u{1F}c"), "a b c");
    }

    #[test]
    fn queries_become_quoted_phrases() {
        let s = SEPARATOR;
        let cases = [
            ("dragon", Some("\"dragon\"".to_owned())),
            ("red dragon", Some("\"red\" \"dragon\"".to_owned())),
            ("\"red dragon\"", Some("\"red dragon\"".to_owned())),
            ("drag*", Some("\"drag\" *".to_owned())),
            ("高兴", Some(format!("\"高{s}兴\""))),
            ("高*", Some(format!("\"高{s}*\""))),
            ("say \"hi", Some("\"say\" \"hi\"".to_owned())),
            ("AND OR NEAR(", Some("\"AND\" \"OR\" \"NEAR(\"".to_owned())),
            ("a\"b", Some("\"a\" \"b\"".to_owned())),
            ("   ", None),
            ("!!! *", None),
            ("", None),
        ];
        for (query, expected) in cases {
            assert_eq!(match_expression(query), expected, "{query:?}");
        }
    }

    #[test]
    fn snippets_lose_the_separators_and_keep_the_hits() {
        let s = SEPARATOR;
        let marked = format!("…the {HIT_START}red{HIT_END} 龙{s}{HIT_START}高{s}兴{HIT_END}");
        assert_eq!(
            snippet_parts(&marked),
            vec![
                SnippetPart {
                    text: "…the ".into(),
                    hit: false
                },
                SnippetPart {
                    text: "red".into(),
                    hit: true
                },
                SnippetPart {
                    text: " 龙".into(),
                    hit: false
                },
                SnippetPart {
                    text: "高兴".into(),
                    hit: true
                },
            ]
        );
    }
}
