//! A local token estimate, for servers that do not report usage.

/// Roughly what BPE tokenizers give: one token per CJK character, one per
/// four characters of other scripts. Marked as estimated wherever it is shown.
pub fn estimate(text: &str) -> u32 {
    let (mut ideographic, mut other) = (0u32, 0u32);
    for c in text.chars() {
        if is_ideographic(c) {
            ideographic += 1;
        } else {
            other += 1;
        }
    }
    ideographic + other.div_ceil(4)
}

fn is_ideographic(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK Extension A
        | 0x4E00..=0x9FFF // CJK Unified Ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // CJK Compatibility Ideographs
        | 0x20000..=0x2FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_and_cjk() {
        assert_eq!(estimate(""), 0);
        assert_eq!(estimate("abcd"), 1);
        assert_eq!(estimate("abcde"), 2);
        assert_eq!(estimate("你好世界"), 4);
        assert_eq!(estimate("Hi 你好"), 3);
    }
}
