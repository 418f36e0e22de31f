//! English words as the index keeps them: lowercased, folded to ASCII and stemmed (Snowball),
//! each with its entry in the index's table of frequent words (`grams.rs`).
//!
//! The few thousand words that make up most of any text are analysed once per indexing thread
//! and then looked up by the word as written: one lookup gives both the stem and the table
//! entry. Lowercasing, folding, stemming and the table lookup, word by word, were a third of
//! the indexing time. A cached word takes one cache line (the word as written, its analysed
//! text, its table entry): a lookup is one memory access, and indexing touches far more
//! memory than fits in the processor's caches, so each access is likely a miss (the cache this
//! replaced, a pair of `String`s per slot, took three per word, then the table lookup a fourth).

use crate::grams::{GramWords, Word};
use rustc_hash::FxHasher;
use std::hash::Hasher;
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream,
};

/// Slots of the cache at most (4 MB), and at first: it doubles as it fills, so that a text or
/// two (snippets) costs little. Words are at most half as many, so a lookup seldom reads more
/// than one slot; when the cache is full, the more used half of its words stays (their uses
/// halved, so that words frequent once give way to words frequent now): news text keeps
/// bringing new names and numbers, which must not push out the words of every article.
const MAX_SLOTS: usize = 65_536;
const FIRST_SLOTS: usize = 512;

/// An analysis sets up its cache after this many words: a query's few words are not worth it.
const UNCACHED_WORDS: u32 = 256;

/// Bytes of a slot for the word as written and analysed: longer words are not cached.
const TEXT: usize = 42;

/// A word analysed, in one cache line: `text` holds the word as written then analysed
/// (`written` and `analysed` bytes), `entry` its entry in the table, `uses` how often it was
/// looked up. `tag` is 0 for an empty slot.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    tag: u32,
    uses: u32,
    entry: Word,
    written: u8,
    analysed: u8,
    text: [u8; TEXT],
}

// One cache line, not two.
const _: () = assert!(std::mem::size_of::<Slot>() == 64);

impl Slot {
    const EMPTY: Slot = Slot {
        tag: 0,
        uses: 0,
        entry: Word::RARE,
        written: 0,
        analysed: 0,
        text: [0; TEXT],
    };

    fn written(&self) -> &[u8] {
        &self.text[..usize::from(self.written)]
    }

    fn analysed(&self) -> &[u8] {
        let from = usize::from(self.written);
        &self.text[from..from + usize::from(self.analysed)]
    }
}

/// Words read ahead and analysed together (see [`Ahead`]).
const AHEAD: usize = 16;

/// Words read ahead of a stream and analysed together, with their entries in the table: their
/// cache lookups wait on memory at the same time, where one word at a time waits alone,
/// between the indexing of two words.
#[derive(Clone)]
pub struct Ahead {
    tokens: Vec<Token>,
    words: Vec<Word>,
    /// The next word to show, and how many were read.
    next: usize,
    read: usize,
}

impl Default for Ahead {
    /// With one (empty) token from the start, so that there is always a current one.
    fn default() -> Ahead {
        Ahead {
            tokens: vec![Token::default()],
            words: Vec::new(),
            next: 0,
            read: 0,
        }
    }
}

impl Ahead {
    /// Starts a new text.
    pub fn clear(&mut self) {
        self.next = 0;
        self.read = 0;
    }

    /// The next word and its entry, read (with the ones after it) from `tail` and analysed
    /// when none is left; `None` at the end of the text.
    pub fn next_word(
        &mut self,
        tail: &mut impl TokenStream,
        analysis: &mut Analysis,
        table: &GramWords,
    ) -> Option<Word> {
        if self.next == self.read {
            self.next = 0;
            self.read = 0;
            while self.read < AHEAD && tail.advance() {
                if self.tokens.len() == self.read {
                    self.tokens.push(Token::default());
                }
                let (ours, theirs) = (&mut self.tokens[self.read], tail.token_mut());
                // The tail's text is swapped for ours, which it clears before writing again.
                std::mem::swap(&mut ours.text, &mut theirs.text);
                ours.offset_from = theirs.offset_from;
                ours.offset_to = theirs.offset_to;
                ours.position = theirs.position;
                ours.position_length = theirs.position_length;
                self.read += 1;
            }
            analysis.analyse_all(&mut self.tokens[..self.read], &mut self.words, table);
        }
        let word = *self.words.get(self.next)?;
        self.next += 1;
        Some(word)
    }

    /// The word last returned by [`Ahead::next_word`].
    pub fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1)]
    }

    pub fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next.saturating_sub(1)]
    }
}

/// The analysis of English words, with its cache (one per indexing thread: a clone starts
/// empty).
pub struct Analysis {
    slots: Vec<Slot>,
    entries: usize,
    /// Words analysed before the cache was set up.
    uncached: u32,
    fold: TextAnalyzer,
    stemmer: frostem::Stemmer,
}

impl Default for Analysis {
    fn default() -> Analysis {
        Analysis {
            slots: Vec::new(),
            entries: 0,
            uncached: 0,
            fold: TextAnalyzer::builder(RawTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
        }
    }
}

/// The tag of `word` (never 0, the empty slot) and where its slot is (masked by the table's
/// size).
fn place(word: &[u8]) -> (u32, usize) {
    let mut hasher = FxHasher::default();
    hasher.write(word);
    let hash = hasher.finish();
    ((hash >> 32) as u32 | 1, hash as usize)
}

impl Clone for Analysis {
    fn clone(&self) -> Analysis {
        Analysis::default()
    }
}

impl Analysis {
    /// Replaces `word` (as written) by its analysed form, and returns its entry in `table`.
    /// The cache remembers entries of one table: an analysis is used with one table only.
    fn analyse(&mut self, word: &mut String, table: &GramWords) -> Word {
        if self.slots.is_empty() {
            self.uncached += 1;
            if self.uncached <= UNCACHED_WORDS {
                self.analyse_uncached(word);
                return table.word(word);
            }
            self.slots = vec![Slot::EMPTY; FIRST_SLOTS];
        }
        let mask = self.slots.len() - 1;
        let (tag, hash) = place(word.as_bytes());
        let mut at = hash & mask;
        loop {
            let slot = &mut self.slots[at];
            if slot.tag == 0 {
                break;
            }
            // Cached from a `String`, the analysed text is UTF-8: the check always passes.
            if slot.tag == tag
                && slot.written() == word.as_bytes()
                && let Ok(analysed) = std::str::from_utf8(slot.analysed())
            {
                word.clear();
                word.push_str(analysed);
                slot.uses = slot.uses.saturating_add(1);
                return slot.entry;
            }
            at = (at + 1) & mask;
        }
        // Not cached: analysed, then kept if the word and its analysis fit in a slot.
        let mut slot = Slot { tag, ..Slot::EMPTY };
        let written = word.len();
        if written < TEXT {
            slot.text[..written].copy_from_slice(word.as_bytes());
        }
        self.analyse_uncached(word);
        let entry = table.word(word);
        let analysed = word.len();
        if written + analysed > TEXT {
            return entry;
        }
        slot.text[written..written + analysed].copy_from_slice(word.as_bytes());
        // Both under `TEXT`.
        slot.written = written as u8;
        slot.analysed = analysed as u8;
        slot.entry = entry;
        if self.entries < self.slots.len() / 2 {
            self.slots[at] = slot;
            self.entries += 1;
        } else {
            self.make_room();
            self.insert(slot);
        }
        entry
    }

    /// Analyses `tokens`, their entries in `table` into `words`. The slots of all the words are
    /// read first: the reads overlap.
    fn analyse_all(&mut self, tokens: &mut [Token], words: &mut Vec<Word>, table: &GramWords) {
        if !self.slots.is_empty() {
            let mask = self.slots.len() - 1;
            let tags = (tokens.iter())
                .map(|token| self.slots[place(token.text.as_bytes()).1 & mask].tag)
                .fold(0, |a, b| a ^ b);
            std::hint::black_box(tags);
        }
        words.clear();
        for token in tokens {
            words.push(self.analyse(&mut token.text, table));
        }
    }

    /// Puts `slot` in the first empty slot from its place on.
    fn insert(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = place(slot.written()).1 & mask;
        while self.slots[at].tag != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
        self.entries += 1;
    }

    /// Doubles the table, or when it is as large as it gets, keeps the more used half of its
    /// words, with their uses halved.
    fn make_room(&mut self) {
        let mut kept: Vec<Slot> = self.slots.iter().filter(|s| s.tag != 0).copied().collect();
        let size = self.slots.len();
        if size < MAX_SLOTS {
            self.slots = vec![Slot::EMPTY; 2 * size];
        } else {
            let half = kept.len() / 2;
            if half > 0 {
                kept.select_nth_unstable_by(half - 1, |a, b| b.uses.cmp(&a.uses));
            }
            kept.truncate(half);
            kept.iter_mut().for_each(|slot| slot.uses /= 2);
            self.slots.fill(Slot::EMPTY);
        }
        self.entries = 0;
        kept.into_iter().for_each(|slot| self.insert(slot));
    }

    /// Lowercases, folds and stems `word` in place.
    fn analyse_uncached(&mut self, word: &mut String) {
        let folded = if word.is_ascii() {
            // Lowercase ASCII is folded already.
            word.make_ascii_lowercase();
            std::mem::take(word)
        } else {
            let mut stream = self.fold.token_stream(word);
            match stream.advance() {
                true => std::mem::take(&mut stream.token_mut().text),
                false => String::new(),
            }
        };
        *word = match self.stemmer.stem(&folded) {
            std::borrow::Cow::Owned(stem) => stem,
            std::borrow::Cow::Borrowed(_) => folded,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{SimpleTokenizer, Stemmer};

    #[test]
    fn words_are_analysed_as_the_tantivy_filters_do_and_found_in_the_table_however_often_they_recur()
     {
        let mut filters = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::default())
            .build();
        let mut expected = |text: &str| crate::words_of(&mut filters, text);
        let table = GramWords::english(|w| vec![w.to_string()]);
        let mut analysis = Analysis::default();
        let mut analysed = |text: &str| {
            let mut out = Vec::new();
            for word in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                let mut word = word.to_string();
                let entry = analysis.analyse(&mut word, &table);
                assert_eq!(entry, table.word(&word), "{word}");
                out.push(word);
            }
            out
        };
        let text = "Running runners ran; The ministers said the minister's drones were \
                    attacking. RUNNING again, attacked again: Café Straße ÉLYSÉE naïve \
                    internationalisations antidisestablishmentarianisms \
                    Counterrevolutionarinesses";
        let words = expected(text);
        assert!(words.contains(&"run".to_string()) && words.contains(&"cafe".to_string()));
        // Before and after the cache is set up, and from it.
        for _ in 0..(2 * UNCACHED_WORDS as usize / words.len() + 2) {
            assert_eq!(analysed(text), words);
        }
        // More distinct words than the cache holds (the more used half stays), then the text
        // again.
        let many: String = (0..MAX_SLOTS / 2 + 5_000)
            .map(|i| format!("Word{i}ing "))
            .collect();
        assert_eq!(analysed(&many), expected(&many));
        assert_eq!(analysed(text), words);
        // A word too long to cache.
        let long = "Ünterminated".repeat(30);
        assert_eq!(analysed(&long), expected(&long));
        assert_eq!(analysed(&long), expected(&long));
    }
}
