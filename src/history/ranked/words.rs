//! Text cut into the terms of the ranked index, the way FTS5's unicode61
//! tokenizer (`remove_diacritics 2`) cuts the same text, so that both
//! indexes find the same generations for any search.
//!
//! - A word is a run of letters and digits: case folded, and Latin letters
//!   without their diacritics ("Ångström" is `angstrom`; "straße", "ø",
//!   Greek and Cyrillic keep theirs, as unicode61 keeps them).
//! - Each Chinese, Japanese or Korean character is a word of its own, as in
//!   the FTS5 index, where [`index_form`](super::super::search_text::index_form)
//!   sets them apart. FTS5 finds "灯塔" as a phrase of two one-character
//!   terms, which reads the positions of every "灯" and every "塔" in the
//!   history; here every two adjacent characters are also one term (`灯塔`),
//!   as common as the pair itself, so a pair costs what a word costs.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::super::search_text::is_cjk;

/// A term and the word position it stands at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Positioned {
    pub(super) position: usize,
    pub(super) text: String,
}

/// The terms a document is indexed under: every word, and for each two
/// adjacent CJK characters their pair, at the first one's position.
pub(super) fn document_terms(text: &str) -> Vec<Positioned> {
    let words = words(text);
    let mut terms = Vec::with_capacity(words.len() * 3 / 2);
    for (position, word) in words.iter().enumerate() {
        if let Some(pair) = pair_after(&words, position) {
            terms.push(Positioned {
                position: position - 1,
                text: pair,
            });
        }
        terms.push(Positioned {
            position,
            text: word.clone(),
        });
    }
    terms
}

/// [`document_terms`] as the index's tokenizer, so that its indexing
/// thread cuts the documents it indexes.
#[derive(Debug, Clone, Default)]
pub(super) struct DocumentTokenizer {
    tokens: Vec<Token>,
}

impl Tokenizer for DocumentTokenizer {
    type TokenStream<'a> = Tokens<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Tokens<'a> {
        self.tokens.clear();
        self.tokens
            .extend(document_terms(text).into_iter().map(|term| Token {
                position: term.position,
                text: term.text,
                ..Token::default()
            }));
        Tokens {
            tokens: &mut self.tokens,
            next: 0,
        }
    }
}

#[derive(Debug)]
pub(super) struct Tokens<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl TokenStream for Tokens<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// The terms that find `text` as a phrase: its words, with a run of CJK
/// characters as the pairs that cover it (a lone character as itself).
/// Positions are relative to the first term.
pub(super) fn phrase_terms(text: &str) -> Vec<Positioned> {
    let words = words(text);
    let mut terms = Vec::with_capacity(words.len());
    for (position, word) in words.iter().enumerate() {
        let cjk = is_cjk_word(word);
        if let Some(pair) = pair_after(&words, position) {
            terms.push(Positioned {
                position: position - 1,
                text: pair,
            });
        } else if !cjk
            || !words
                .get(position + 1)
                .is_some_and(|next| is_cjk_word(next))
        {
            // A word, or a CJK character alone in its run.
            terms.push(Positioned {
                position,
                text: word.clone(),
            });
        }
    }
    terms
}

/// The pair of the CJK character at `position` and the one before it.
fn pair_after(words: &[String], position: usize) -> Option<String> {
    let before = words.get(position.checked_sub(1)?)?;
    let word = &words[position];
    (is_cjk_word(before) && is_cjk_word(word)).then(|| format!("{before}{word}"))
}

fn is_cjk_word(word: &str) -> bool {
    word.chars().next().is_some_and(is_cjk)
}

/// The words of `text`, folded, in order.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if !is_word_char(c) {
            // Spaces, punctuation, and the marks and dots among kana
            // ("・" in ジョン・スミス).
            end_word(&mut word, &mut words);
        } else if is_cjk(c) {
            end_word(&mut word, &mut words);
            words.push(c.to_string());
        } else {
            for lower in c.to_lowercase() {
                push_folded(lower, &mut word);
            }
        }
    }
    end_word(&mut word, &mut words);
    words
}

fn end_word(word: &mut String, words: &mut Vec<String>) {
    if !word.is_empty() {
        words.push(std::mem::take(word));
    }
}

/// Whether unicode61 keeps `c` inside a word: letters, digits and private
/// use characters, and the combining diacritics it then drops; other marks,
/// punctuation, symbols and spaces end a word.
fn is_word_char(c: char) -> bool {
    let private_use = matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0x10FFFF);
    let circled_letter = matches!(c as u32, 0x24B6..=0x24E9 | 0x1F130..=0x1F189);
    is_combining_diacritic(c)
        || private_use
        || (c.is_alphanumeric() && !is_combining_mark(c) && !circled_letter)
}

fn is_combining_diacritic(c: char) -> bool {
    matches!(c as u32, 0x300..=0x36F)
}

/// Appends `c` without its diacritics: combining ones vanish, and a Latin
/// letter written with one becomes its base letter.
fn push_folded(c: char, word: &mut String) {
    if is_combining_diacritic(c) {
        return;
    }
    let latin = matches!(c as u32, 0xC0..=0x24F | 0x1E00..=0x1EFF);
    if !latin {
        word.push(c);
        return;
    }
    let mut base = None;
    decompose_canonical(c, |part| {
        if base.is_none() {
            base = Some(part);
        }
    });
    word.push(base.unwrap_or(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(terms: &[Positioned]) -> Vec<(usize, &str)> {
        terms
            .iter()
            .map(|t| (t.position, t.text.as_str()))
            .collect()
    }

    #[test]
    fn words_fold_as_unicode61_folds() {
        // Each expectation is what SQLite's unicode61 (remove_diacritics 2)
        // makes of the same text.
        let cases: &[(&str, &[&str])] = &[
            (
                "Café cafe\u{301} naïve Ångström Zoë",
                &["cafe", "cafe", "naive", "angstrom", "zoe"],
            ),
            (
                "straße ø Øre Ærø œuvre",
                &["straße", "ø", "øre", "ærø", "œuvre"],
            ),
            (
                "Αθήνα ΆΣΤΥ й Ğş ǖ ḁ ẞ",
                &["αθήνα", "άστυ", "й", "gs", "u", "a", "ß"],
            ),
            ("İstanbul Việt", &["istanbul", "viet"]),
            (
                "x_y don't v1.2 e-mail #tag",
                &["x", "y", "don", "t", "v1", "2", "e", "mail", "tag"],
            ),
            ("नमस्ते", &["नमस", "त"]),
            ("ⓐ ™ Ⅻ ½ ＡＢＣ", &["ⅻ", "½", "ａｂｃ"]),
            ("x\u{20DD}y \u{E123}z", &["x", "y", "\u{E123}z"]),
            (
                "東京・大阪 ジョン・スミス",
                &["東", "京", "大", "阪", "ジ", "ョ", "ン", "ス", "ミ", "ス"],
            ),
            ("ガ\u{3099} ゛゠ー", &["ガ", "ー"]),
        ];
        for (text, expected) in cases {
            assert_eq!(words(text), *expected, "{text}");
        }
    }

    #[test]
    fn cjk_characters_are_words_and_pairs_in_documents() {
        assert_eq!(
            texts(&document_terms("v2东京 塔,x")),
            [
                (0, "v2"),
                (1, "东"),
                (1, "东京"),
                (2, "京"),
                (2, "京塔"),
                (3, "塔"),
                (4, "x")
            ]
        );
    }

    #[test]
    fn phrases_use_pairs_and_lone_characters() {
        assert_eq!(texts(&phrase_terms("灯塔")), [(0, "灯塔")]);
        assert_eq!(texts(&phrase_terms("東京塔")), [(0, "東京"), (1, "京塔")]);
        assert_eq!(texts(&phrase_terms("猫")), [(0, "猫")]);
        assert_eq!(
            texts(&phrase_terms("the 灯 of 東京 Tower")),
            [(0, "the"), (1, "灯"), (2, "of"), (3, "東京"), (5, "tower")]
        );
        assert!(phrase_terms("!!").is_empty());
    }
}
