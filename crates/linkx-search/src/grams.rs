//! Common grams: phrases made of the commonest words answered from one posting list.
//!
//! A phrase query compares word positions in every article that holds all its words, and the
//! commonest English words ("the", "of", "said") are in nearly every article: `"of the"` would
//! read positions from the whole archive. So analysis also indexes each pair of adjacent common
//! words as a single term (`of\u{1}the`, `said\u{1}the`, at the first word's position), and a
//! phrase query asks for those pairs instead of the words themselves. A phrase with a rarer word
//! is found through that word's (shorter) posting list as before.
//!
//! Only pairs of two common words are added (at most 48 × 48 terms, about a fifth more postings).
//! Lucene's CommonGrams also pairs a common word with any neighbour; measured on a million
//! synthetic articles that made "the …" phrases fast too but cut the build rate to 3,500
//! articles/s (millions of distinct pair terms), against 10,000 required.

use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Joins the two words of a gram; the word tokenizer never emits it.
pub const SEPARATOR: char = '\u{1}';

/// The commonest words of English news text (function words and reporting verbs), as the
/// analysis chain lowercases and stems them before this filter sees them (see
/// [`CommonWords::stemmed`]).
pub const ENGLISH: [&str; 48] = [
    "the", "of", "to", "and", "a", "in", "that", "is", "for", "on", "it", "with", "as", "was",
    "he", "be", "by", "at", "said", "from", "his", "an", "have", "has", "are", "but", "not",
    "they", "this", "who", "were", "had", "been", "will", "their", "which", "would", "after",
    "its", "more", "or", "i", "we", "she", "her", "says", "there", "than",
];

/// A small set of short words, looked up per token while indexing: each word's bytes packed
/// into a number, so a lookup is a few integer comparisons.
#[derive(Clone, Debug)]
pub struct CommonWords {
    sorted: Vec<u64>,
}

/// A word of at most eight bytes as a number (no two such words alike); longer words are never
/// common.
fn packed(word: &str) -> Option<u64> {
    let bytes = word.as_bytes();
    if bytes.is_empty() || bytes.len() > 8 {
        return None;
    }
    let mut buffer = [0u8; 8];
    buffer[..bytes.len()].copy_from_slice(bytes);
    Some(u64::from_le_bytes(buffer))
}

impl CommonWords {
    /// The words as they come out of `analyze` (the analysis chain before this filter), so that
    /// "was" is found however the stemmer writes it.
    pub fn stemmed(words: &[&str], mut analyze: impl FnMut(&str) -> Vec<String>) -> CommonWords {
        let mut sorted: Vec<u64> = words
            .iter()
            .flat_map(|w| analyze(w))
            .filter_map(|w| packed(&w))
            .collect();
        sorted.sort_unstable();
        sorted.dedup();
        CommonWords { sorted }
    }

    pub fn contains(&self, word: &str) -> bool {
        packed(word).is_some_and(|w| self.sorted.binary_search(&w).is_ok())
    }

    /// The terms a phrase of `tokens` (position, text) is found by: a gram for each adjacent
    /// pair of common words, and each word that is in no such pair, with positions relative to
    /// the first token.
    pub fn phrase_terms(&self, tokens: &[(usize, String)]) -> Vec<(usize, String)> {
        let Some(&(first, _)) = tokens.first() else {
            return Vec::new();
        };
        let gram_at: Vec<bool> = tokens
            .windows(2)
            .map(|pair| self.pairs(&pair[0], &pair[1]))
            .collect();
        let mut terms = Vec::new();
        for (i, (position, word)) in tokens.iter().enumerate() {
            let offset = position - first;
            let in_gram_before = i > 0 && gram_at[i - 1];
            let in_gram_after = gram_at.get(i).copied().unwrap_or(false);
            if in_gram_after {
                terms.push((offset, gram(word, &tokens[i + 1].1)));
            } else if !in_gram_before {
                terms.push((offset, word.clone()));
            }
        }
        terms
    }

    /// Whether two tokens make a gram: adjacent, and both common.
    fn pairs(&self, a: &(usize, String), b: &(usize, String)) -> bool {
        b.0 == a.0 + 1 && self.contains(&a.1) && self.contains(&b.1)
    }
}

fn gram(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    write_gram(&mut s, a, b);
    s
}

/// Replaces `out` with the gram of `a` and `b` (the indexing filter reuses one buffer).
fn write_gram(out: &mut String, a: &str, b: &str) {
    out.clear();
    out.push_str(a);
    out.push(SEPARATOR);
    out.push_str(b);
}

/// The token filter: every token, and between two adjacent common words the gram of the pair.
#[derive(Clone)]
pub struct CommonGrams {
    pub words: CommonWords,
}

impl TokenFilter for CommonGrams {
    type Tokenizer<T: Tokenizer> = CommonGramsFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CommonGramsFilter<T> {
        CommonGramsFilter {
            inner,
            words: self.words,
        }
    }
}

#[derive(Clone)]
pub struct CommonGramsFilter<T> {
    inner: T,
    words: CommonWords,
}

impl<T: Tokenizer> Tokenizer for CommonGramsFilter<T> {
    type TokenStream<'a> = CommonGramsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CommonGramsStream {
            tail: self.inner.token_stream(text),
            words: &self.words,
            previous: None,
            gram: Token::default(),
            showing_gram: false,
        }
    }
}

/// The previous word when it is common (a gram can only start with a common word): its text,
/// position and where it starts.
struct Previous {
    text: String,
    position: usize,
    offset_from: usize,
}

pub struct CommonGramsStream<'a, S> {
    tail: S,
    words: &'a CommonWords,
    previous: Option<Previous>,
    gram: Token,
    /// The gram is the current token; the tail's token (the gram's second word) comes next.
    showing_gram: bool,
}

impl<S: TokenStream> CommonGramsStream<'_, S> {
    /// Keeps the tail's token as the previous word when it is common.
    fn remember(&mut self, common: bool) {
        if !common {
            self.previous = None;
            return;
        }
        let token = self.tail.token();
        let previous = self.previous.get_or_insert_with(|| Previous {
            text: String::new(),
            position: 0,
            offset_from: 0,
        });
        previous.text.clear();
        previous.text.push_str(&token.text);
        previous.position = token.position;
        previous.offset_from = token.offset_from;
    }
}

impl<S: TokenStream> TokenStream for CommonGramsStream<'_, S> {
    fn advance(&mut self) -> bool {
        if self.showing_gram {
            // The gram was shown: now its second word (common), as a word of its own.
            self.showing_gram = false;
            self.remember(true);
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token();
        let common = self.words.contains(&token.text);
        if common
            && let Some(previous) = &self.previous
            && token.position == previous.position + 1
        {
            write_gram(&mut self.gram.text, &previous.text, &token.text);
            self.gram.position = previous.position;
            self.gram.offset_from = previous.offset_from;
            self.gram.offset_to = token.offset_to;
            self.gram.position_length = 2;
            self.showing_gram = true;
            return true;
        }
        self.remember(common);
        true
    }

    fn token(&self) -> &Token {
        if self.showing_gram {
            &self.gram
        } else {
            self.tail.token()
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.showing_gram {
            &mut self.gram
        } else {
            self.tail.token_mut()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer};

    fn words() -> CommonWords {
        CommonWords::stemmed(&["the", "of", "said"], |w| vec![w.to_string()])
    }

    fn tokens(text: &str) -> Vec<(usize, String, usize, usize)> {
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(CommonGrams { words: words() })
            .build();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.position, t.text.clone(), t.offset_from, t.offset_to));
        }
        out
    }

    #[test]
    fn pairs_of_common_words_are_indexed_as_one_term_too() {
        let g = |a: &str, b: &str| gram(a, b);
        assert_eq!(
            tokens("Head of the UN said the"),
            vec![
                (0, "head".to_string(), 0, 4),
                (1, "of".to_string(), 5, 7),
                (1, g("of", "the"), 5, 11),
                (2, "the".to_string(), 8, 11),
                (3, "un".to_string(), 12, 14),
                (4, "said".to_string(), 15, 19),
                (4, g("said", "the"), 15, 23),
                (5, "the".to_string(), 20, 23),
            ]
        );
        // Three common words in a row: two grams.
        assert_eq!(
            tokens("of the said")
                .into_iter()
                .map(|t| t.1)
                .collect::<Vec<_>>(),
            ["of", &g("of", "the"), "the", &g("the", "said"), "said"]
        );
        // No common word, no gram.
        assert_eq!(tokens("drone attack").len(), 2);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn a_phrase_asks_for_its_grams_and_the_words_outside_them() {
        let w = words();
        let at = |words: &[&str]| -> Vec<(usize, String)> {
            words
                .iter()
                .enumerate()
                .map(|(i, w)| (i, w.to_string()))
                .collect()
        };
        assert_eq!(
            w.phrase_terms(&at(&["of", "the"])),
            vec![(0, gram("of", "the"))]
        );
        assert_eq!(
            w.phrase_terms(&at(&["president", "of", "the", "united", "states"])),
            vec![
                (0, "president".to_string()),
                (1, gram("of", "the")),
                (3, "united".to_string()),
                (4, "states".to_string()),
            ]
        );
        assert_eq!(
            w.phrase_terms(&at(&["said", "the", "minister"])),
            vec![(0, gram("said", "the")), (2, "minister".to_string())]
        );
        assert_eq!(
            w.phrase_terms(&at(&["drone", "attack"])),
            at(&["drone", "attack"])
        );
        // Words that analysis separated (a dropped word between them) make no gram.
        assert_eq!(
            w.phrase_terms(&[(0, "the".into()), (2, "attack".into())]),
            vec![(0, "the".to_string()), (2, "attack".to_string())]
        );
    }
}
