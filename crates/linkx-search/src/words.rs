//! Words of any script: runs of letters and digits, except in scripts written without spaces
//! between words (Chinese, Japanese, Korean, Thai and their neighbours), where every two adjacent
//! characters make a token.
//!
//! A word tokenizer alone leaves a Chinese or Japanese sentence as one long token, which no query
//! matches (and which was dropped as too long). Overlapping pairs of characters (bigrams, as
//! Lucene's CJK analysis does) find any word of two characters or more wherever it stands, and a
//! longer query word is a phrase of its pairs. Indexed text also holds each character on its own,
//! at its pair's position, so that a one-character query word finds it too.

use linkx_core::script::spaceless;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Whether `c` is part of a word of a spaced script.
fn word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() && !spaceless(c)
    }
}

/// The tokenizer. Indexed text (`unigrams`) also yields each spaceless character on its own;
/// query words do not, so a query word of several characters asks only for its pairs.
#[derive(Clone, Default)]
pub struct Words {
    token: Token,
    unigrams: bool,
}

impl Words {
    /// For indexed text.
    pub fn indexing() -> Words {
        Words {
            token: Token::default(),
            unigrams: true,
        }
    }

    /// For query words.
    pub fn query() -> Words {
        Words::default()
    }
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            token: &mut self.token,
            unigrams: self.unigrams,
            unigram: None,
            in_run: false,
            next_position: 0,
        }
    }
}

pub struct WordStream<'a> {
    text: &'a str,
    /// Byte offset of the next character to read.
    at: usize,
    token: &'a mut Token,
    unigrams: bool,
    /// The character (byte range) whose own token comes next, at the position of the pair just
    /// shown.
    unigram: Option<(usize, usize)>,
    /// The previous character was in a run of spaceless script.
    in_run: bool,
    next_position: usize,
}

impl WordStream<'_> {
    fn next_char(&self, at: usize) -> Option<char> {
        self.text.get(at..).and_then(|rest| rest.chars().next())
    }

    fn show(&mut self, from: usize, to: usize, position: usize) {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = position;
        self.token.position_length = 1;
    }

    fn take_position(&mut self) -> usize {
        let position = self.next_position;
        self.next_position += 1;
        position
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((from, to)) = self.unigram.take() {
            let position = self.token.position;
            self.show(from, to, position);
            return true;
        }
        while let Some(c) = self.next_char(self.at) {
            let from = self.at;
            let to = from + c.len_utf8();
            self.at = to;
            if spaceless(c) {
                match self.next_char(to).filter(|&d| spaceless(d)) {
                    Some(d) => {
                        let position = self.take_position();
                        self.show(from, to + d.len_utf8(), position);
                        if self.unigrams {
                            self.unigram = Some((from, to));
                        }
                        self.in_run = true;
                        return true;
                    }
                    None if !self.in_run => {
                        // A run of one character: the character is the token.
                        let position = self.take_position();
                        self.show(from, to, position);
                        return true;
                    }
                    None => {
                        // The last character of a run is in the pair before it; indexed text
                        // also holds it on its own, at that pair's position (so positions
                        // after the run are the same as in a query's words).
                        self.in_run = false;
                        if self.unigrams {
                            let position = self.token.position;
                            self.show(from, to, position);
                            return true;
                        }
                    }
                }
            } else if word_char(c) {
                self.in_run = false;
                let mut end = to;
                while let Some(d) = self.next_char(end).filter(|&d| word_char(d)) {
                    end += d.len_utf8();
                }
                self.at = end;
                let position = self.take_position();
                self.show(from, end, position);
                return true;
            } else {
                self.in_run = false;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(mut words: Words, text: &str) -> Vec<(usize, String)> {
        let mut stream = words.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            assert_eq!(&text[token.offset_from..token.offset_to], token.text);
            out.push((token.position, token.text.clone()));
        }
        out
    }

    fn owned(tokens: &[(usize, &str)]) -> Vec<(usize, String)> {
        tokens.iter().map(|&(p, t)| (p, t.to_string())).collect()
    }

    #[test]
    fn spaced_scripts_split_into_words_as_before() {
        let text = "Kadhimi's drone, 12 km — Πλημμύρες στην Αθήνα; Москва";
        let expected = [
            "Kadhimi",
            "s",
            "drone",
            "12",
            "km",
            "Πλημμύρες",
            "στην",
            "Αθήνα",
            "Москва",
        ];
        let expected: Vec<(usize, &str)> = expected.into_iter().enumerate().collect();
        assert_eq!(tokens(Words::indexing(), text), owned(&expected));
        assert_eq!(tokens(Words::query(), text), owned(&expected));
    }

    #[test]
    fn spaceless_scripts_become_pairs_of_characters() {
        // Tokyo Metropolis (東京都), heavy rain (大雨); a product name in Latin letters between.
        let text = "東京都で大雨、iPhone発売。雨";
        assert_eq!(
            tokens(Words::query(), text),
            owned(&[
                (0, "東京"),
                (1, "京都"),
                (2, "都で"),
                (3, "で大"),
                (4, "大雨"),
                (5, "iPhone"),
                (6, "発売"),
                (7, "雨"),
            ])
        );
        assert_eq!(
            tokens(Words::indexing(), text),
            owned(&[
                (0, "東京"),
                (0, "東"),
                (1, "京都"),
                (1, "京"),
                (2, "都で"),
                (2, "都"),
                (3, "で大"),
                (3, "で"),
                (4, "大雨"),
                (4, "大"),
                (4, "雨"),
                (5, "iPhone"),
                (6, "発売"),
                (6, "発"),
                (6, "売"),
                (7, "雨"),
            ])
        );
        // Korean particles attach to the word before them: "in Seoul" still holds "Seoul".
        assert_eq!(
            tokens(Words::query(), "서울에서"),
            owned(&[(0, "서울"), (1, "울에"), (2, "에서")])
        );
        assert_eq!(tokens(Words::query(), "ภาษาไทย").len(), 6);
        assert!(tokens(Words::query(), "、。・ ,.").is_empty());
    }
}
