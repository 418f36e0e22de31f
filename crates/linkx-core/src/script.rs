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

/// A piece of text as search and clustering split it (byte ranges of the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A run of letters and digits of a spaced script, or a run of one spaceless character.
    Word(std::ops::Range<usize>),
    /// Two adjacent characters of a spaceless run, and the first of them.
    Pair(std::ops::Range<usize>, std::ops::Range<usize>),
    /// The last character of a spaceless run of two or more (already in the pair before it).
    Last(std::ops::Range<usize>),
}

/// The pieces of `text`: runs of letters and digits, except that a run of spaceless script is
/// cut into each pair of adjacent characters.
pub fn pieces(text: &str) -> Pieces<'_> {
    Pieces {
        text,
        at: 0,
        in_run: false,
    }
}

pub struct Pieces<'a> {
    text: &'a str,
    /// Byte offset of the next character to read.
    at: usize,
    /// The previous character was in a run of spaceless script.
    in_run: bool,
}

impl Pieces<'_> {
    fn char_at(&self, at: usize) -> Option<char> {
        self.text.get(at..).and_then(|rest| rest.chars().next())
    }
}

/// Whether `c` is part of a word of a spaced script.
fn word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() && !spaceless(c)
    }
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        // ASCII spaces and punctuation, byte by byte (most text between words).
        let bytes = self.text.as_bytes();
        while bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii() && !b.is_ascii_alphanumeric())
        {
            self.at += 1;
            self.in_run = false;
        }
        while let Some(c) = self.char_at(self.at) {
            let from = self.at;
            let to = from + c.len_utf8();
            self.at = to;
            let in_run = std::mem::replace(&mut self.in_run, false);
            if spaceless(c) {
                return Some(match self.char_at(to).filter(|&d| spaceless(d)) {
                    Some(d) => {
                        self.in_run = true;
                        Piece::Pair(from..to + d.len_utf8(), from..to)
                    }
                    None if in_run => Piece::Last(from..to),
                    None => Piece::Word(from..to),
                });
            }
            if word_char(c) {
                let mut end = to;
                loop {
                    // ASCII letters and digits byte by byte, other characters one by one.
                    while bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
                        end += 1;
                    }
                    match self.char_at(end).filter(|&d| !d.is_ascii() && word_char(d)) {
                        Some(d) => end += d.len_utf8(),
                        None => break,
                    }
                }
                self.at = end;
                return Some(Piece::Word(from..end));
            }
        }
        None
    }
}

/// Calls `word` with each word of `text` as clustering sees it: the words and pairs of
/// [`pieces`].
pub fn for_each_word<'a>(text: &'a str, mut word: impl FnMut(&'a str)) {
    for piece in pieces(text) {
        match piece {
            Piece::Word(range) | Piece::Pair(range, _) => word(&text[range]),
            Piece::Last(_) => {}
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
        // Letters beyond ASCII inside and around words; a spaceless run right after a word.
        assert_eq!(
            words("naïve café—Zürich2024 Αθήνα-x ÉTÉ abc東京 東 京"),
            [
                "naïve",
                "café",
                "Zürich2024",
                "Αθήνα",
                "x",
                "ÉTÉ",
                "abc",
                "東京",
                "東",
                "京"
            ]
        );
        assert!(spaceless('東') && spaceless('ก') && !spaceless('a') && !spaceless('・'));
    }
}
