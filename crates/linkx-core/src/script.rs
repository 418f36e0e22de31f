//! Scripts written without spaces between words (Chinese, Japanese, Korean, Thai and their
//! neighbours): their text is split into words by pairs of characters (search and story
//! clustering), since whitespace and punctuation alone leave a sentence as one "word".

/// Whether `c` belongs to a script written without spaces between words.
#[inline]
pub fn spaceless(c: char) -> bool {
    // Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari…: one comparison.
    if c < '\u{0E00}' {
        return false;
    }
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'     // Thai, Lao
        | '\u{1000}'..='\u{109F}'   // Myanmar
        | '\u{1100}'..='\u{11FF}'   // Hangul Jamo
        | '\u{1780}'..='\u{17FF}'   // Khmer
        | '\u{3041}'..='\u{309F}'   // Hiragana
        | '\u{30A1}'..='\u{30FA}'   // Katakana (without the middle dot)
        | '\u{30FC}'..='\u{30FF}'
        | '\u{3100}'..='\u{312F}'   // Bopomofo
        | '\u{3131}'..='\u{318E}'   // Hangul compatibility Jamo
        | '\u{31F0}'..='\u{31FF}'   // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'   // half-width Katakana
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B and later
    ) && !punctuation(c)
}

/// Signs and punctuation inside those blocks: the baht sign, Thai, Myanmar and Khmer marks of
/// sentence and section.
fn punctuation(c: char) -> bool {
    matches!(
        c,
        '\u{0E3F}' | '\u{0E4F}' | '\u{0E5A}' | '\u{0E5B}' | '\u{104A}' | '\u{104B}'
    ) || ('\u{17D4}'..='\u{17DA}').contains(&c)
}

/// Splits `text` into words as search and clustering see them: runs of letters and digits, except
/// that a run of spaceless script gives each pair of adjacent characters (a run of one
/// character gives that character), calling `word` with each.
pub fn for_each_word<'a>(text: &'a str, mut word: impl FnMut(&'a str)) {
    let mut chars = text.char_indices().peekable();
    while let Some((from, c)) = chars.next() {
        if spaceless(c) {
            match chars.peek() {
                Some(&(next, d)) if spaceless(d) => word(&text[from..next + d.len_utf8()]),
                _ => {
                    let alone =
                        from == 0 || !text[..from].chars().next_back().is_some_and(spaceless);
                    if alone {
                        word(&text[from..from + c.len_utf8()]);
                    }
                }
            }
        } else if c.is_alphanumeric() {
            let mut end = from + c.len_utf8();
            while let Some(&(at, d)) = chars.peek() {
                if !d.is_alphanumeric() || spaceless(d) {
                    break;
                }
                end = at + d.len_utf8();
                chars.next();
            }
            word(&text[from..end]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_word(text, |w| out.push(w));
        out
    }

    #[test]
    fn spaced_words_whole_and_spaceless_runs_in_pairs() {
        assert_eq!(
            words("Kadhimi's drone, 12 km"),
            ["Kadhimi", "s", "drone", "12", "km"]
        );
        assert_eq!(
            words("東京都で大雨、iPhone発売。雨"),
            [
                "東京", "京都", "都で", "で大", "大雨", "iPhone", "発売", "雨"
            ]
        );
        assert_eq!(words("서울에서 폭설"), ["서울", "울에", "에서", "폭설"]);
        assert!(words("、。・ ,.").is_empty());
        assert!(spaceless('東') && spaceless('ก') && !spaceless('a') && !spaceless('・'));
    }
}
