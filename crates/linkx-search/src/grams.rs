//! Common grams: phrases of frequent words answered from one posting list.
//!
//! A phrase query compares word positions in every article that holds all its words. When both
//! words are frequent that is a large share of the archive: `"of the"` is in nearly every
//! article, and in a big archive so are pairs like `"the minister"`. So analysis also indexes a
//! pair of adjacent frequent words as a single term (`of\u{1}the`, at the first word's
//! position), and a phrase query asks for that term instead of comparing positions. A phrase
//! with a rarer word is found through that word's (shorter) posting list as before.
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

use rustc_hash::FxBuildHasher;
use std::collections::HashMap;
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

/// The most words a learnt table keeps (the most frequent).
const MAX_WORDS: usize = 4_096;

/// An index learns again when its archive has grown this many times over since it last learnt
/// (see [`GramWords::stale`]).
const GROWTH: u64 = 4;

/// The commonest words of English news text (function words and reporting verbs), as the
/// analysis chain lowercases and stems them before this filter sees them: the words of an index
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

/// The frequent words of an index.
#[derive(Clone, Debug, PartialEq)]
pub struct GramWords {
    words: HashMap<Box<str>, Frequency, FxBuildHasher>,
    /// Articles in the archive when the table was learnt (0: never learnt).
    archive: u64,
}

/// First line of a kept table.
const FILE_HEADER: &str = "# linkx gram words: share of articles, occurrences per article, word";

impl GramWords {
    /// The English words, as they come out of `analyze` (the analysis chain before this
    /// filter), so that "was" is found however the stemmer writes it.
    pub fn english(mut analyze: impl FnMut(&str) -> Vec<String>) -> GramWords {
        let words = ENGLISH
            .iter()
            .flat_map(|w| analyze(w))
            .map(|w| (w.into_boxed_str(), Frequency::ENGLISH))
            .collect();
        GramWords { words, archive: 0 }
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
            return GramWords {
                archive,
                ..GramWords::english(analyze)
            };
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
        GramWords {
            words: frequent
                .into_iter()
                .map(|(w, f)| (w.into_boxed_str(), f))
                .collect(),
            archive,
        }
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
        let mut words: Vec<(&str, Frequency)> =
            self.words.iter().map(|(w, f)| (&**w, *f)).collect();
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
        let mut words = HashMap::with_hasher(FxBuildHasher);
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
            words.insert(word.into(), frequency);
        }
        Ok(GramWords { words, archive })
    }

    /// How frequent `word` is ([`Frequency::RARE`] for a word not in the table).
    fn frequency(&self, word: &str) -> Frequency {
        self.words.get(word).copied().unwrap_or(Frequency::RARE)
    }

    /// The terms a phrase of `tokens` (position, text) is found by: a gram for each adjacent
    /// pair of frequent words, and each word that is in no such pair, with positions relative
    /// to the first token.
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

    /// Whether two tokens make a gram: adjacent, and frequent enough together.
    fn pairs(&self, a: &(usize, String), b: &(usize, String)) -> bool {
        b.0 == a.0 + 1 && makes_gram(self.frequency(&a.1), self.frequency(&b.1))
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

/// The token filter: every token, and between two adjacent frequent words the gram of the
/// pair.
#[derive(Clone)]
pub struct CommonGrams {
    pub words: std::sync::Arc<GramWords>,
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
    words: std::sync::Arc<GramWords>,
}

impl<T: Tokenizer> Tokenizer for CommonGramsFilter<T> {
    type TokenStream<'a> = CommonGramsStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        CommonGramsStream {
            tail: self.inner.token_stream(text),
            words: &self.words,
            previous: None,
            gram: Token::default(),
            showing_gram: None,
        }
    }
}

/// The previous word when it is frequent (it may start a gram): its text, frequency, position
/// and where it starts.
struct Previous {
    text: String,
    frequency: Frequency,
    position: usize,
    offset_from: usize,
}

pub struct CommonGramsStream<'a, S> {
    tail: S,
    words: &'a GramWords,
    previous: Option<Previous>,
    gram: Token,
    /// The gram is the current token; the tail's token (the gram's second word, of this
    /// frequency) comes next.
    showing_gram: Option<Frequency>,
}

impl<S: TokenStream> CommonGramsStream<'_, S> {
    /// Keeps the tail's token as the previous word when it is frequent.
    fn remember(&mut self, frequency: Frequency) {
        if frequency == Frequency::RARE {
            self.previous = None;
            return;
        }
        let token = self.tail.token();
        let previous = self.previous.get_or_insert_with(|| Previous {
            text: String::new(),
            frequency,
            position: 0,
            offset_from: 0,
        });
        previous.text.clear();
        previous.text.push_str(&token.text);
        previous.frequency = frequency;
        previous.position = token.position;
        previous.offset_from = token.offset_from;
    }
}

impl<S: TokenStream> TokenStream for CommonGramsStream<'_, S> {
    fn advance(&mut self) -> bool {
        if let Some(frequency) = self.showing_gram.take() {
            // The gram was shown: now its second word, as a word of its own.
            self.remember(frequency);
            return true;
        }
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token();
        let frequency = self.words.frequency(&token.text);
        if let Some(previous) = &self.previous
            && token.position == previous.position + 1
            && makes_gram(previous.frequency, frequency)
        {
            write_gram(&mut self.gram.text, &previous.text, &token.text);
            self.gram.position = previous.position;
            self.gram.offset_from = previous.offset_from;
            self.gram.offset_to = token.offset_to;
            self.gram.position_length = 2;
            self.showing_gram = Some(frequency);
            return true;
        }
        self.remember(frequency);
        true
    }

    fn token(&self) -> &Token {
        if self.showing_gram.is_some() {
            &self.gram
        } else {
            self.tail.token()
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        if self.showing_gram.is_some() {
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

    /// "the" in every article, sixty times in each; "of" and "said" in every article, once;
    /// "minister" in a fifth, "drone" in a tenth, "attack" in 6%, once.
    fn words() -> GramWords {
        let counts = [
            ("the", 1000, 60_000),
            ("of", 1000, 1000),
            ("said", 1000, 1000),
            ("minister", 200, 200),
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
            .filter(CommonGrams {
                words: std::sync::Arc::new(words()),
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
        // "minister drone" (a fiftieth of articles hold both) nor "drone attack".
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
        assert_eq!(words_of("minister drone"), ["minister", "drone"]);
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
        // A chain of frequent words: a gram for each pair.
        assert_eq!(
            w.phrase_terms(&at(&["said", "the", "minister"])),
            vec![(0, gram("said", "the")), (1, gram("the", "minister"))]
        );
        assert_eq!(
            w.phrase_terms(&at(&["minister", "drone"])),
            at(&["minister", "drone"])
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
