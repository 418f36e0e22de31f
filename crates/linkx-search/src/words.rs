//! Words of any script: runs of letters and digits, except in scripts written without spaces
//! between words (Chinese, Japanese, Korean, Thai and their neighbours), where every two adjacent
//! characters make a token.
//!
//! A word tokenizer alone leaves a Chinese or Japanese sentence as one long token, which no query
//! matches (and which was dropped as too long). Overlapping pairs of characters (bigrams, as
//! Lucene's CJK analysis does) find any word of two characters or more wherever it stands, and a
//! longer query word is a phrase of its pairs. Indexed text also holds each character on its own,
//! at its pair's position, so that a one-character query word finds it too.

use linkx_core::script::{Piece, Pieces, pieces};
use std::ops::Range;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

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
            pieces: pieces(text),
            token: &mut self.token,
            unigrams: self.unigrams,
            unigram: None,
            next_position: 0,
        }
    }
}

pub struct WordStream<'a> {
    text: &'a str,
    pieces: Pieces<'a>,
    token: &'a mut Token,
    unigrams: bool,
    /// The character whose own token comes next, at the position of the pair just shown.
    unigram: Option<Range<usize>>,
    next_position: usize,
}

impl WordStream<'_> {
    /// Shows `range` of the text at the next position, or (`again`) at the last one's.
    fn show(&mut self, range: Range<usize>, again: bool) {
        if !again {
            self.token.position = self.next_position;
            self.next_position += 1;
        }
        self.token.text.clear();
        self.token.text.push_str(&self.text[range.clone()]);
        self.token.offset_from = range.start;
        self.token.offset_to = range.end;
        self.token.position_length = 1;
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(character) = self.unigram.take() {
            self.show(character, true);
            return true;
        }
        while let Some(piece) = self.pieces.next() {
            match piece {
                Piece::Word(range) => self.show(range, false),
                Piece::Pair(pair, first) => {
                    self.show(pair, false);
                    if self.unigrams {
                        self.unigram = Some(first);
                    }
                }
                // The last character of a run is in the pair before it; indexed text also
                // holds it on its own, at that pair's position (so positions after the run are
                // the same as in a query's words).
                Piece::Last(character) if self.unigrams => self.show(character, true),
                Piece::Last(_) => continue,
            }
            return true;
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
