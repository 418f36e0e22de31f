//! English stemming with a cache: the few thousand words that make up most of any text are
//! stemmed once per indexing thread, not at every occurrence (Snowball stemming was a fifth of
//! the indexing time).

use rustc_hash::FxHasher;
use std::hash::Hasher;
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Slots of the cache (a power of two): a word and its stem per slot, the slot chosen by the
/// word's hash; a colliding word replaces the one there.
const SLOTS: usize = 8_192;

/// Words longer than this are stemmed without the cache (rare, and they would pin memory).
const LONGEST_CACHED: usize = 24;

/// A stream stems this many words before it sets up its cache: a query's few words are not
/// worth one.
const UNCACHED_WORDS: u32 = 256;

/// The English Snowball stemmer as a token filter, with a cache.
#[derive(Clone, Default)]
pub struct CachedStemmer;

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner,
            cache: Cache::new(),
        }
    }
}

pub struct CachedStemmerFilter<T> {
    inner: T,
    cache: Cache,
}

impl<T: Clone> Clone for CachedStemmerFilter<T> {
    /// A clone (one per indexing thread) starts with an empty cache.
    fn clone(&self) -> Self {
        CachedStemmerFilter {
            inner: self.inner.clone(),
            cache: Cache::new(),
        }
    }
}

struct Cache {
    stemmer: frostem::Stemmer,
    /// `(word, stem)` per slot; allocated after [`UNCACHED_WORDS`].
    slots: Vec<(String, String)>,
    stemmed: u32,
}

impl Cache {
    fn new() -> Cache {
        Cache {
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            slots: Vec::new(),
            stemmed: 0,
        }
    }

    /// Replaces `word` by its stem.
    fn stem(&mut self, word: &mut String) {
        if self.slots.is_empty() {
            self.stemmed += 1;
            if self.stemmed > UNCACHED_WORDS {
                self.slots = vec![(String::new(), String::new()); SLOTS];
            }
        }
        if word.len() > LONGEST_CACHED || self.slots.is_empty() {
            if let std::borrow::Cow::Owned(stem) = self.stemmer.stem(word) {
                *word = stem;
            }
            return;
        }
        let mut hasher = FxHasher::default();
        hasher.write(word.as_bytes());
        let slot = &mut self.slots[hasher.finish() as usize & (SLOTS - 1)];
        if slot.0 != *word || slot.0.is_empty() {
            let stem = self.stemmer.stem(word);
            slot.1.clear();
            slot.1.push_str(&stem);
            slot.0.clear();
            slot.0.push_str(word);
        }
        word.clear();
        word.push_str(&slot.1);
    }
}

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemmerStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CachedStemmerStream {
            tail: self.inner.token_stream(text),
            cache: &mut self.cache,
        }
    }
}

pub struct CachedStemmerStream<'a, S> {
    tail: S,
    cache: &'a mut Cache,
}

impl<S: TokenStream> TokenStream for CachedStemmerStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        self.cache.stem(&mut self.tail.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, Stemmer, TextAnalyzer};

    fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn stems_as_the_snowball_filter_does_however_often_a_word_recurs() {
        let mut cached = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(CachedStemmer)
            .build();
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::default())
            .build();
        let text = "Running runners ran; the ministers said the minister's drones were \
                    attacking. Running again, attacked again: internationalisations \
                    antidisestablishmentarianisms";
        let expected = words(&mut plain, text);
        assert!(expected.contains(&"run".to_string()));
        // Twice: the second pass answers from the cache.
        assert_eq!(words(&mut cached, text), expected);
        assert_eq!(words(&mut cached, text), expected);
        // Many distinct words (slots collide and are replaced), then the text again.
        let many: String = (0..20_000).map(|i| format!("word{i}ing ")).collect();
        assert_eq!(words(&mut cached, &many), words(&mut plain, &many));
        assert_eq!(words(&mut cached, text), expected);
    }
}
