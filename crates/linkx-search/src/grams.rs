//! Common grams: phrases of frequent words answered from one posting list.
//!
//! A phrase query compares word positions in every article that holds all its words. When both
//! words are frequent that is a large share of the archive: `"of the"` is in nearly every
//! article, and in a big archive so are pairs like `"the minister"`. So analysis also finds
//! each pair of adjacent frequent words (a gram, numbered by its two words' numbers in the
//! table), once per text, and the index keeps which articles hold it (`gram_lists.rs`, beside
//! tantivy's postings). A two-word phrase of them is that list, with no positions compared; a
//! longer phrase compares its words' positions only in the articles that hold all its grams. A
//! phrase with a rarer word is found through that word's (shorter) posting list as before. The
//! text is analysed once: the word field's analysis leaves its grams aside for the gram lists
//! ([`English::divert`], [`take_diverted`]).
//!
//! Which pairs: those a phrase query would spend long on ([`makes_gram`]). Measured on a million
//! articles, its time follows the share of the archive holding both words (the articles it
//! compares positions in), and grows a little with how often the words occur in each: `"the
//! X"` (the word is in every article, sixty times) takes as long as a pair of words twice as
//! frequent together. Frequencies are learnt from a sample of the archive when the index is
//! (re)built ([`GramWords::learn`]) and kept with the index; an index started empty pairs the
//! commonest English words. A frequent word paired with *any* neighbour (Lucene's CommonGrams)
//! was measured too: millions of distinct pair terms cut the build rate to 3,500 articles/s on a
//! million articles, against 10,000 required.

use crate::english::{Ahead, Analysis};
use rustc_hash::FxBuildHasher;
use std::collections::{HashMap, HashSet};
use tantivy::tokenizer::{Token, TokenFilter, TokenStream, Tokenizer};

/// Joins the two words of a gram; the word tokenizer never emits it.
pub const SEPARATOR: char = '\u{1}';

/// Two adjacent words are also indexed as one term when a phrase of them costs at least this
/// (see [`makes_gram`]): about 20 ms on a million articles.
pub const THRESHOLD: f32 = 0.1;

/// Occurrences per article that double a phrase's cost.
const OCCURRENCES_SCALE: f32 = 64.0;

/// The fewest articles a sample needs for frequencies to be learnt from it; a smaller archive
/// keeps the English words.
pub const MIN_SAMPLE: u32 = 1_000;

/// The most words a table keeps (the most frequent): a gram's number is its two words'
/// numbers, 12 bits each.
const MAX_WORDS: usize = 4_096;

/// An index learns again when its archive has grown this many times over since it last learnt
/// (see [`GramWords::stale`]).
const GROWTH: u64 = 4;

/// The commonest words of English news text (function words and reporting verbs), before they
/// are lowercased and stemmed like every word (see [`GramWords::english`]): the words of an index
/// whose archive was too small to learn from, any pair of them a gram.
pub const ENGLISH: [&str; 48] = [
    "the", "of", "to", "and", "a", "in", "that", "is", "for", "on", "it", "with", "as", "was",
    "he", "be", "by", "at", "said", "from", "his", "an", "have", "has", "are", "but", "not",
    "they", "this", "who", "were", "had", "been", "will", "their", "which", "would", "after",
    "its", "more", "or", "i", "we", "she", "her", "says", "there", "than",
];

/// How frequent a word is: the share of articles holding it, and how often it occurs in each
/// of them on average.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frequency {
    pub share: f32,
    pub per_article: f32,
}

impl Frequency {
    /// The English words' frequency, when none was learnt: any two make a gram.
    const ENGLISH: Frequency = Frequency {
        share: 1.0,
        per_article: 1.0,
    };

    /// A word not in the table.
    const RARE: Frequency = Frequency {
        share: 0.0,
        per_article: 0.0,
    };
}

/// Whether two adjacent words make a gram: the cost of a phrase of them, the share of the
/// archive holding both (`a.share × b.share`) weighted by the positions read in each.
fn makes_gram(a: Frequency, b: Frequency) -> bool {
    let positions = 1.0 + (a.per_article + b.per_article) / OCCURRENCES_SCALE;
    a.share * b.share * positions >= THRESHOLD
}

/// Orders words by the share of articles holding them, most first, then alphabetically.
fn most_frequent_first(a: (&str, Frequency), b: (&str, Frequency)) -> std::cmp::Ordering {
    b.1.share.total_cmp(&a.1.share).then_with(|| a.0.cmp(b.0))
}

/// A word of the table: how frequent it is, and its number (in the order the table was made),
/// which names its grams while a text is analysed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Word {
    frequency: Frequency,
    number: u32,
}

impl Word {
    /// A word not in the table (numbered past it).
    pub const RARE: Word = Word {
        frequency: Frequency::RARE,
        number: u32::MAX,
    };
}

/// The table of `words`, numbered most frequent first (so a table read back from its text is
/// the same table); a word repeated keeps its highest frequency.
fn numbered(
    words: impl IntoIterator<Item = (Box<str>, Frequency)>,
) -> HashMap<Box<str>, Word, FxBuildHasher> {
    let mut words: Vec<(Box<str>, Frequency)> = words.into_iter().collect();
    words.sort_by(|a, b| most_frequent_first((&a.0, a.1), (&b.0, b.1)));
    let mut table = HashMap::with_hasher(FxBuildHasher);
    for (word, frequency) in words {
        if table.len() == MAX_WORDS {
            break;
        }
        let number = table.len() as u32;
        table.entry(word).or_insert(Word { frequency, number });
    }
    table
}

/// The frequent words of an index (by default none: no pair is a gram).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GramWords {
    words: HashMap<Box<str>, Word, FxBuildHasher>,
    /// Articles in the archive when the table was learnt (0: never learnt).
    archive: u64,
    /// Names the table in the gram lists numbered with it (see [`GramWords::fingerprint`]).
    fingerprint: u64,
}

/// FNV-1a: a hash that stays the same across builds (the fingerprint is kept on disk).
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The number of the gram of two words of the table.
fn gram_number(a: Word, b: Word) -> u32 {
    a.number << 12 | b.number
}

/// First line of a kept table.
const FILE_HEADER: &str = "# linkx gram words: share of articles, occurrences per article, word";

impl GramWords {
    /// The English words, as they come out of `analyze` (the analysis of English words, without
    /// grams), so that "was" is found however the stemmer writes it.
    pub fn english(mut analyze: impl FnMut(&str) -> Vec<String>) -> GramWords {
        let words = numbered(
            ENGLISH
                .iter()
                .flat_map(|w| analyze(w))
                .map(|w| (w.into_boxed_str(), Frequency::ENGLISH)),
        );
        GramWords::of(words, 0)
    }

    fn of(words: HashMap<Box<str>, Word, FxBuildHasher>, archive: u64) -> GramWords {
        let mut table = GramWords {
            words,
            archive,
            fingerprint: 0,
        };
        table.fingerprint = fnv1a(&table.to_text()).max(1);
        table
    }

    /// A number naming this table (never 0), kept with the gram lists numbered with it: a
    /// segment numbered with another table is not read with this one.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The table learnt from `counts` (word, articles holding it, occurrences) over `articles`
    /// articles of an archive of `archive`; the English table when there are too few articles.
    pub fn learn(
        counts: impl IntoIterator<Item = (String, u32, u64)>,
        articles: u32,
        archive: u64,
        analyze: impl FnMut(&str) -> Vec<String>,
    ) -> GramWords {
        if articles < MIN_SAMPLE {
            return GramWords::of(GramWords::english(analyze).words, archive);
        }
        let mut frequent: Vec<(String, Frequency)> = counts
            .into_iter()
            .filter(|&(_, holding, _)| holding > 0)
            .map(|(w, holding, occurrences)| {
                let frequency = Frequency {
                    share: (holding as f32 / articles as f32).min(1.0),
                    per_article: occurrences as f32 / holding as f32,
                };
                (w, frequency)
            })
            .collect();
        // A word that makes no gram even beside a word in every article, occurring as often
        // as the most frequent word does, is left out.
        let partner = Frequency {
            share: 1.0,
            per_article: frequent
                .iter()
                .map(|(_, f)| f.per_article)
                .fold(0.0, f32::max),
        };
        frequent.retain(|(_, f)| makes_gram(*f, partner));
        frequent.sort_by(|a, b| most_frequent_first((&a.0, a.1), (&b.0, b.1)));
        frequent.truncate(MAX_WORDS);
        GramWords::of(
            numbered(frequent.into_iter().map(|(w, f)| (w.into_boxed_str(), f))),
            archive,
        )
    }

    /// Words in the table.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether an index of `articles` should learn its words again: it has enough to learn
    /// from and has grown [`GROWTH`] times over since it learnt (a site that started empty
    /// learns at 1,000 articles, then 4,000, 16,000…: rebuilding costs a third of the archive's
    /// indexing once more, in all).
    pub fn stale(&self, articles: u64) -> bool {
        articles >= u64::from(MIN_SAMPLE) && articles >= GROWTH * self.archive.max(1)
    }

    /// The table as kept with the index: most frequent first.
    pub fn to_text(&self) -> String {
        let mut words: Vec<(&str, Frequency)> = self
            .words
            .iter()
            .map(|(w, v)| (&**w, v.frequency))
            .collect();
        words.sort_by(|a, b| most_frequent_first(*a, *b));
        let mut out = format!("{FILE_HEADER}\narchive\t{}\n", self.archive);
        for (word, f) in words {
            out.push_str(&format!("{}\t{}\t{word}\n", f.share, f.per_article));
        }
        out
    }

    /// Reads a table written by [`GramWords::to_text`].
    pub fn parse(text: &str) -> Result<GramWords, String> {
        let mut lines = text.lines();
        if lines.next() != Some(FILE_HEADER) {
            return Err("not a gram word table".into());
        }
        let archive = lines
            .next()
            .and_then(|l| l.strip_prefix("archive\t"))
            .and_then(|n| n.parse().ok())
            .ok_or("gram word table: no archive size")?;
        let mut words = Vec::new();
        for (n, line) in lines.enumerate() {
            let mut parts = line.splitn(3, '\t');
            let mut field = || parts.next().filter(|p| !p.is_empty());
            let (share, per_article, word) = (field(), field(), field());
            let parsed = (|| {
                let share: f32 = share?.parse().ok()?;
                let per_article: f32 = per_article?.parse().ok()?;
                let valid = (0.0..=1.0).contains(&share) && per_article.is_finite();
                valid.then_some((word?, Frequency { share, per_article }))
            })();
            let Some((word, frequency)) = parsed else {
                return Err(format!("gram word table, line {}: {line:?}", n + 3));
            };
            words.push((word.into(), frequency));
        }
        Ok(GramWords::of(numbered(words), archive))
    }

    /// How frequent `word` is ([`Frequency::RARE`] for a word not in the table).
    #[cfg(test)]
    fn frequency(&self, word: &str) -> Frequency {
        self.word(word).frequency
    }

    /// `word` as the table knows it ([`Word::RARE`] when it is not in it).
    pub fn word(&self, word: &str) -> Word {
        self.words.get(word).copied().unwrap_or(Word::RARE)
    }

    /// How a phrase of `tokens` (position, text) is found: the grams of its adjacent pairs of
    /// frequent words, which the articles holding it hold too, and its words with positions
    /// relative to the first, which a match must hold in that order. A phrase of two words
    /// that make a gram is `whole`: the gram is the phrase.
    pub fn phrase(&self, tokens: &[(usize, String)]) -> Phrase {
        let gram_at: Vec<Option<u32>> = tokens
            .windows(2)
            .map(|pair| self.pairs(&pair[0], &pair[1]))
            .collect();
        let mut grams: Vec<Gram> = (tokens.windows(2).zip(&gram_at))
            .filter_map(|(pair, number)| {
                number.map(|number| Gram {
                    text: gram(&pair[0].1, &pair[1].1),
                    number,
                })
            })
            .collect();
        // Token i is in the gram before it (i - 1, i) or after it (i, i + 1).
        let in_gram = |i: usize| {
            i.checked_sub(1).is_some_and(|b| gram_at[b].is_some())
                || gram_at.get(i).is_some_and(Option::is_some)
        };
        let loose = (tokens.iter().enumerate())
            .filter(|&(i, _)| !in_gram(i))
            .map(|(_, (_, word))| word.clone())
            .collect();
        grams.sort_unstable();
        grams.dedup();
        let words = match tokens {
            [(first, _), ..] => tokens.iter().map(|(p, t)| (p - first, t.clone())).collect(),
            [] => Vec::new(),
        };
        Phrase {
            whole: tokens.len() == 2 && !grams.is_empty(),
            grams,
            words,
            loose,
        }
    }

    /// The number of the gram spelt `text` (two words joined by [`SEPARATOR`]), if it is one.
    pub fn number(&self, text: &str) -> Option<u32> {
        let (a, b) = text.split_once(SEPARATOR)?;
        let (a, b) = (*self.words.get(a)?, *self.words.get(b)?);
        makes_gram(a.frequency, b.frequency).then(|| gram_number(a, b))
    }

    /// The gram two tokens make: adjacent, and frequent enough together.
    fn pairs(&self, a: &(usize, String), b: &(usize, String)) -> Option<u32> {
        let (first, second) = (self.word(&a.1), self.word(&b.1));
        (b.0 == a.0 + 1 && makes_gram(first.frequency, second.frequency))
            .then(|| gram_number(first, second))
    }
}

/// A gram of a phrase: its text (as snippets show it) and its number (as the index keeps it).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gram {
    pub text: String,
    pub number: u32,
}

/// How a phrase is found (see [`GramWords::phrase`]).
#[derive(Debug, PartialEq)]
pub struct Phrase {
    pub grams: Vec<Gram>,
    /// Two words making one gram: the gram's articles are the phrase's.
    pub whole: bool,
    pub words: Vec<(usize, String)>,
    /// The words in no gram: with the grams, what a snippet highlights (so a phrase's "the"
    /// is highlighted where the phrase is, not everywhere).
    pub loose: Vec<String>,
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

/// The analysis of English words after the word tokenizer: every word lowercased, folded and
/// stemmed (`english.rs`), and between two adjacent frequent words (of the table) the gram of
/// the pair, the first time the pair occurs in the text. When `divert`, the grams are not
/// shown among the words but kept aside, by number, for the gram lists ([`take_diverted`]): the
/// text is analysed once for both. With an empty table (queries), words only.
#[derive(Clone)]
pub struct English {
    pub words: std::sync::Arc<GramWords>,
    pub divert: bool,
}

impl TokenFilter for English {
    type Tokenizer<T: Tokenizer> = EnglishFilter<T>;

    fn transform<T: Tokenizer>(self, inner: T) -> EnglishFilter<T> {
        EnglishFilter {
            inner,
            words: self.words,
            divert: self.divert,
            analysis: Analysis::default(),
            ahead: Ahead::default(),
            seen: HashSet::default(),
        }
    }
}

#[derive(Clone)]
pub struct EnglishFilter<T> {
    inner: T,
    words: std::sync::Arc<GramWords>,
    divert: bool,
    /// Analyses words, with a cache of this table's words.
    analysis: Analysis,
    ahead: Ahead,
    /// The grams shown in the text being analysed (kept between texts for its memory).
    seen: HashSet<u32, FxBuildHasher>,
}

impl<T: Tokenizer> Tokenizer for EnglishFilter<T> {
    type TokenStream<'a> = EnglishStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        self.seen.clear();
        self.ahead.clear();
        EnglishStream {
            tail: self.inner.token_stream(text),
            text,
            diverted: self.divert.then(Vec::new),
            words: &self.words,
            analysis: &mut self.analysis,
            ahead: &mut self.ahead,
            seen: &mut self.seen,
            previous: None,
            last_position: None,
            gram: Token::default(),
            showing_gram: None,
        }
    }
}

/// Texts this thread analysed last with their diverted grams, until the gram lists take them
/// (tantivy indexes a document's fields, then hands it to the gram lists, on one thread).
const DIVERTED_KEPT: usize = 4;

/// A text analysed (where it is in memory, and its length), the fingerprint of the table that
/// numbered its grams, and their numbers.
type Diverted = ((usize, usize), u64, Vec<u32>);

thread_local! {
    static DIVERTED: std::cell::RefCell<std::collections::VecDeque<Diverted>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
}

/// Where `text` is: the document's own string, which tantivy analyses in place.
fn place(text: &str) -> (usize, usize) {
    (text.as_ptr() as usize, text.len())
}

fn divert(text: &str, fingerprint: u64, grams: Vec<u32>) {
    DIVERTED.with_borrow_mut(|kept| {
        if kept.len() == DIVERTED_KEPT {
            kept.pop_front();
        }
        kept.push_back((place(text), fingerprint, grams));
    });
}

/// Forgets what this thread's analyses left aside.
pub fn forget_diverted() {
    DIVERTED.with_borrow_mut(|kept| kept.clear());
}

/// The grams diverted from `text` (the very string, not an equal one) if this thread analysed
/// it last, with the fingerprint of the table that numbered them.
pub fn take_diverted(text: &str) -> Option<(u64, Vec<u32>)> {
    DIVERTED.with_borrow_mut(|kept| {
        let at = kept.iter().position(|(p, _, _)| *p == place(text))?;
        kept.remove(at)
            .map(|(_, fingerprint, grams)| (fingerprint, grams))
    })
}

/// The previous word when it is frequent (it may start a gram): its text, frequency and
/// number, position and where it starts.
struct Previous {
    text: String,
    word: Word,
    position: usize,
    offset_from: usize,
}

pub struct EnglishStream<'a, S> {
    tail: S,
    text: &'a str,
    /// The grams kept aside (when diverting), left for the gram lists at the end of the text.
    diverted: Option<Vec<u32>>,
    words: &'a GramWords,
    analysis: &'a mut Analysis,
    /// The tail's words, analysed a few at a time; the current word is its last shown.
    ahead: &'a mut Ahead,
    /// The grams shown so far, by their words' numbers: a phrase finds the articles holding a
    /// gram through it and checks word positions in them, so one position per text is enough.
    seen: &'a mut HashSet<u32, FxBuildHasher>,
    previous: Option<Previous>,
    /// The position of the tail's last token.
    last_position: Option<usize>,
    gram: Token,
    /// The gram is the current token; the tail's token (the gram's second word) comes next.
    showing_gram: Option<Word>,
}

impl<S: TokenStream> EnglishStream<'_, S> {
    /// Keeps the current word as the previous word when it is frequent.
    fn remember(&mut self, word: Word) {
        if word.frequency == Frequency::RARE {
            self.previous = None;
            return;
        }
        let token = self.ahead.token();
        let previous = self.previous.get_or_insert_with(|| Previous {
            text: String::new(),
            word,
            position: 0,
            offset_from: 0,
        });
        // Only a gram shown among the words is spelt out.
        if self.diverted.is_none() {
            previous.text.clear();
            previous.text.push_str(&token.text);
        }
        previous.word = word;
        previous.position = token.position;
        previous.offset_from = token.offset_from;
    }
}

impl<S: TokenStream> TokenStream for EnglishStream<'_, S> {
    fn advance(&mut self) -> bool {
        if let Some(word) = self.showing_gram.take() {
            // The gram was shown: now its second word, as a word of its own.
            self.remember(word);
            return true;
        }
        let Some(word) = (self.ahead).next_word(&mut self.tail, self.analysis, self.words) else {
            if let Some(grams) = self.diverted.take() {
                divert(self.text, self.words.fingerprint, grams);
            }
            return false;
        };
        let token = self.ahead.token();
        if self.last_position.replace(token.position) == Some(token.position) {
            // A character of a spaceless script on its own, at its pair's position: pairs are
            // made of the first token at each position, as a query's words have no others.
            return true;
        }
        if let Some(previous) = &self.previous
            && token.position == previous.position + 1
            && makes_gram(previous.word.frequency, word.frequency)
            && self.seen.insert(gram_number(previous.word, word))
        {
            if let Some(diverted) = &mut self.diverted {
                diverted.push(gram_number(previous.word, word));
                self.remember(word);
                return true;
            }
            write_gram(&mut self.gram.text, &previous.text, &token.text);
            self.gram.position = previous.position;
            self.gram.offset_from = previous.offset_from;
            self.gram.offset_to = token.offset_to;
            self.gram.position_length = 2;
            self.showing_gram = Some(word);
            return true;
        }
        self.remember(word);
        true
    }

    fn token(&self) -> &Token {
        if self.showing_gram.is_some() {
            &self.gram
        } else {
            self.ahead.token()
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.showing_gram.is_some() {
            &mut self.gram
        } else {
            self.ahead.token_mut()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::{LowerCaser, SimpleTokenizer, TextAnalyzer};

    /// "the" in every article, sixty times in each; "of" and "said" in every article, once;
    /// "court" in a fifth, "drone" in a tenth, "attack" in 6%, once.
    fn words() -> GramWords {
        let counts = [
            ("the", 1000, 60_000),
            ("of", 1000, 1000),
            ("said", 1000, 1000),
            ("court", 200, 200),
            ("drone", 100, 100),
            ("attack", 60, 60),
            ("kadhimi", 10, 10),
        ];
        GramWords::learn(
            counts.map(|(w, n, o)| (w.to_string(), n, o)),
            1000,
            5000,
            |w| vec![w.to_string()],
        )
    }

    fn tokens(text: &str) -> Vec<(usize, String, usize, usize)> {
        let mut analyzer = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(English {
                words: std::sync::Arc::new(words()),
                divert: false,
            })
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
        // A pair repeated in the text is a gram once (at its first place): a phrase finds the
        // article through it and checks the words' positions.
        assert_eq!(
            tokens("of the of the")
                .into_iter()
                .map(|t| (t.0, t.1))
                .collect::<Vec<_>>(),
            [
                (0, "of".to_string()),
                (0, g("of", "the")),
                (1, "the".to_string()),
                (1, g("the", "of")),
                (2, "of".to_string()),
                (3, "the".to_string()),
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
        // Costly together: "of" (in every article) and "drone" (in a tenth), "the" (sixty
        // times in every article) even with "attack" (in 6%); but neither "of attack" nor
        // "court drone" (a fiftieth of articles hold both) nor "drone attack".
        let words_of = |text: &str| tokens(text).into_iter().map(|t| t.1).collect::<Vec<_>>();
        assert_eq!(
            words_of("of drone attack"),
            ["of", &g("of", "drone"), "drone", "attack"]
        );
        assert_eq!(
            words_of("the attack"),
            ["the", &g("the", "attack"), "attack"]
        );
        assert_eq!(words_of("of attack"), ["of", "attack"]);
        assert_eq!(words_of("court drone"), ["court", "drone"]);
        assert!(tokens("").is_empty());
    }

    #[test]
    fn frequencies_are_learnt_from_enough_articles_and_kept_as_text() {
        let w = words();
        assert_eq!(w.len(), 6, "kadhimi, in 1%, pairs with nothing");
        assert_eq!(w.frequency("kadhimi"), Frequency::RARE);
        assert_eq!(GramWords::parse(&w.to_text()), Ok(w.clone()));
        // Too few articles to learn from: the English words, any two a gram.
        let few = GramWords::learn([("kadhimi".to_string(), 10, 10)], 10, 10, |w| {
            vec![w.to_string()]
        });
        assert_eq!(few.len(), ENGLISH.len());
        assert_eq!(few.frequency("kadhimi"), Frequency::RARE);
        assert!(makes_gram(few.frequency("the"), few.frequency("were")));
        // A damaged table is an error, not a silently different index.
        assert!(GramWords::parse("the\t1").is_err());
        let damaged = w.to_text().replace("\tthe", " the");
        assert!(GramWords::parse(&damaged).unwrap_err().contains("line"));
        assert!(GramWords::parse(&w.to_text().replace("0.2\t", "7\t")).is_err());
        assert!(GramWords::parse(&w.to_text().replace("archive\t5000", "")).is_err());
        // Learnt at 5,000 articles: again at 20,000; the English table at 1,000.
        assert!(!w.stale(19_999) && w.stale(20_000));
        assert!(!few.stale(999) && few.stale(1_000));
    }

    #[test]
    fn the_word_field_leaves_its_grams_for_the_gram_lists_by_number() {
        let table = std::sync::Arc::new(words());
        let mut diverting = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(English {
                words: table.clone(),
                divert: true,
            })
            .build();
        let mut word_field = |text: &str| {
            let mut stream = diverting.token_stream(text);
            let mut out = Vec::new();
            while stream.advance() {
                out.push(stream.token().text.clone());
            }
            out
        };
        let text = String::from("Head of the UN said the");
        // The word field shows only words…
        assert_eq!(
            word_field(&text),
            ["head", "of", "the", "un", "said", "the"]
        );
        // …and leaves its grams, numbered, for that very text.
        let equal_elsewhere = text.clone();
        assert_eq!(take_diverted(&equal_elsewhere), None);
        let number = |g: &str| table.number(g).unwrap();
        assert_eq!(
            take_diverted(&text),
            Some((
                table.fingerprint(),
                vec![number(&gram("of", "the")), number(&gram("said", "the"))]
            ))
        );
        assert_eq!(take_diverted(&text), None, "taken once");
        assert_ne!(number(&gram("of", "the")), number(&gram("the", "of")));
        assert_eq!(table.number(&gram("kadhimi", "the")), None);
        assert_eq!(table.number("the"), None);
    }

    #[test]
    fn a_phrase_in_a_spaceless_script_asks_only_for_grams_its_text_holds() {
        // Pairs of characters frequent enough to pair: indexed text also holds each character
        // at its pair's position, which must not make grams a query's words never have.
        let counts = [
            ("東京", 1000, 5000),
            ("京都", 1000, 5000),
            ("都心", 1000, 5000),
        ];
        let table = std::sync::Arc::new(GramWords::learn(
            counts.map(|(w, n, o)| (w.to_string(), n, o)),
            1000,
            5000,
            |w| vec![w.to_string()],
        ));
        let mut indexing = TextAnalyzer::builder(crate::words::Words::indexing())
            .filter(English {
                words: table.clone(),
                divert: false,
            })
            .build();
        let mut stream = indexing.token_stream("東京都心で");
        let mut indexed = Vec::new();
        while stream.advance() {
            indexed.push(stream.token().text.clone());
        }
        assert!(indexed.contains(&gram("東京", "京都")), "{indexed:?}");
        assert!(indexed.contains(&gram("京都", "都心")), "{indexed:?}");
        let mut query = TextAnalyzer::builder(crate::words::Words::query()).build();
        let mut stream = query.token_stream("東京都心");
        let mut words = Vec::new();
        while stream.advance() {
            words.push((stream.token().position, stream.token().text.clone()));
        }
        let phrase = table.phrase(&words);
        assert_eq!(phrase.grams.len(), 2);
        for gram in &phrase.grams {
            assert!(indexed.contains(&gram.text), "{gram:?} not in {indexed:?}");
        }
    }

    #[test]
    fn a_phrase_asks_for_its_grams_and_checks_its_words_in_order() {
        let w = words();
        let at = |words: &[&str]| -> Vec<(usize, String)> {
            words
                .iter()
                .enumerate()
                .map(|(i, w)| (i, w.to_string()))
                .collect()
        };
        let phrase = |grams: &[String], words: &[&str], loose: &[&str]| {
            let mut grams: Vec<Gram> = (grams.iter())
                .map(|g| Gram {
                    text: g.clone(),
                    number: w.number(g).unwrap(),
                })
                .collect();
            grams.sort();
            Phrase {
                whole: false,
                grams,
                words: at(words),
                loose: loose.iter().map(|w| w.to_string()).collect(),
            }
        };
        // Two words that make a gram: the gram is the phrase.
        assert_eq!(
            w.phrase(&at(&["of", "the"])),
            Phrase {
                whole: true,
                ..phrase(&[gram("of", "the")], &["of", "the"], &[])
            }
        );
        let long = ["president", "of", "the", "united", "states"];
        assert_eq!(
            w.phrase(&at(&long)),
            phrase(
                &[gram("of", "the")],
                &long,
                &["president", "united", "states"]
            )
        );
        // A chain of frequent words: a gram for each pair, each once.
        let chain = ["said", "the", "court", "said", "the"];
        assert_eq!(
            w.phrase(&at(&chain)),
            phrase(
                &[
                    gram("court", "said"),
                    gram("said", "the"),
                    gram("the", "court")
                ],
                &chain,
                &[]
            )
        );
        assert_eq!(
            w.phrase(&at(&["court", "drone"])),
            phrase(&[], &["court", "drone"], &["court", "drone"])
        );
        assert_eq!(
            w.phrase(&at(&["drone"])),
            phrase(&[], &["drone"], &["drone"])
        );
        assert_eq!(w.phrase(&[]), phrase(&[], &[], &[]));
        // Words that analysis separated (a dropped word between them) make no gram; positions
        // are relative to the first word.
        assert_eq!(
            w.phrase(&[(3, "the".into()), (5, "attack".into())]),
            Phrase {
                grams: Vec::new(),
                whole: false,
                words: vec![(0, "the".to_string()), (2, "attack".to_string())],
                loose: vec!["the".to_string(), "attack".to_string()],
            }
        );
    }
}
