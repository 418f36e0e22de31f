//! Full-text search of the archive: a tantivy index derived from the store.
//!
//! The index holds only what search needs to find and rank articles (ids, words, a few
//! filters); the texts shown in results come from the store, so the index can be deleted and
//! rebuilt at any time and the site never depends on it. Queries are untrusted input: they are
//! parsed by our own small grammar (`query.rs`) with bounds on size, never by a parser that can
//! fail on syntax.

mod english;
mod gram_lists;
mod grams;
mod query;
mod words;

pub use query::{MAX_PARTS, MAX_QUERY_CHARS, ParsedQuery, QueryError, parse_query};

use rustc_hash::FxBuildHasher;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use gram_lists::{GramFiles, GramPlugin, GramQuery};
use grams::{English, GramWords, Phrase};
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer};
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term,
};
use words::Words;

/// Title matches weigh this much more than text matches.
const TITLE_BOOST: f32 = 3.0;
/// The writer's memory budget: segments are flushed when it is full. A rebuild, which indexes
/// the whole archive, gets the larger one (fewer, larger segments: half of it made a
/// 200,000-article build a third slower); a poll's new articles the smaller (the first poll
/// of 40,000 articles peaks at 190–199 MB instead of 196–213).
const REBUILD_MEMORY: usize = 96 * 1024 * 1024;
const UPDATE_MEMORY: usize = 48 * 1024 * 1024;
const STEMMED: &str = "linkx_en";
const PLAIN: &str = "linkx_plain";
/// Characters of a snippet (tantivy's default).
const SNIPPET_CHARS: usize = 150;
/// Bumped when the schema or analysis changes: an index of another version is rebuilt.
pub const INDEX_VERSION: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index {path}: {message}")]
    Open { path: String, message: String },
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// What the index knows of one article.
#[derive(Debug, Clone, Default)]
pub struct IndexDoc {
    pub id: i64,
    pub story_id: i64,
    pub source_id: i64,
    /// The source's slug and name: `source:` matches either's words.
    pub source: String,
    pub author: Option<String>,
    /// BCP 47 tag when known; English (or unknown) text is stemmed, other languages are matched
    /// word for word.
    pub language: Option<String>,
    pub title: String,
    pub text: String,
    pub published_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Relevance,
    Newest,
}

/// One matching article.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
}

/// The best `hits` (at most the limit asked for) and how many articles matched in all.
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    snippets: Option<SnippetGenerator>,
    snippets_plain: Option<SnippetGenerator>,
}

impl SearchResults {
    /// The passage of `text` that best matches the query, HTML-escaped, with the matching words
    /// in `<b>`; empty when no word of the query is in it.
    pub fn snippet(&self, text: &str) -> String {
        for generator in [&self.snippets, &self.snippets_plain].into_iter().flatten() {
            let snippet = generator.snippet(text);
            if !snippet.highlighted().is_empty() {
                return snippet.to_html();
            }
        }
        String::new()
    }
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    story_id: Field,
    source_id: Field,
    published: Field,
    source: Field,
    author: Field,
    language: Field,
    title: Field,
    text: Field,
    title_plain: Field,
    text_plain: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let filter_words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PLAIN)
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        id: b.add_i64_field("id", INDEXED | FAST),
        story_id: b.add_i64_field("story_id", FAST),
        source_id: b.add_i64_field("source_id", INDEXED),
        published: b.add_i64_field("published", INDEXED | FAST),
        source: b.add_text_field("source", filter_words.clone()),
        author: b.add_text_field("author", filter_words),
        language: b.add_text_field("language", STRING),
        title: b.add_text_field("title", words(STEMMED)),
        text: b.add_text_field("text", words(STEMMED)),
        title_plain: b.add_text_field("title_plain", words(PLAIN)),
        text_plain: b.add_text_field("text_plain", words(PLAIN)),
    };
    (b.build(), fields)
}

/// The analysis of English text: words lowercased, folded to ASCII and stemmed (`words` splits
/// indexed text or query words, see `words.rs`), and with a table of frequent words, the grams
/// of pairs of them shown among the words or (`divert`) left aside for the gram lists.
fn english(words: Words, grams: &Arc<GramWords>, divert: bool) -> TextAnalyzer {
    TextAnalyzer::builder(words)
        .filter(RemoveLongFilter::limit(40))
        .filter(English {
            words: grams.clone(),
            divert,
        })
        .build()
}

/// English words only.
fn english_words(words: Words) -> TextAnalyzer {
    english(words, &Arc::default(), false)
}

/// The analysis of indexed English text: words, their grams left aside for the gram lists.
fn english_indexing(grams: &Arc<GramWords>) -> TextAnalyzer {
    english(Words::indexing(), grams, true)
}

/// The segment plugin keeping the gram lists of English titles and texts (`gram_lists.rs`).
fn gram_plugin() -> Arc<dyn tantivy::plugin::SegmentPlugin> {
    Arc::new(GramPlugin { analyzer: STEMMED })
}

/// English words with their grams among them, as snippets highlight them.
fn words_and_grams(grams: &Arc<GramWords>) -> TextAnalyzer {
    english(Words::indexing(), grams, false)
}

/// The analysis of other languages' text: words lowercased.
fn plain_words(words: Words) -> TextAnalyzer {
    TextAnalyzer::builder(words)
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

/// Tokens of `text` as `(position, text)`.
fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

/// The words of `text` as `analyzer` leaves them.
fn words_of(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    analyze(analyzer, text)
        .into_iter()
        .map(|(_, t)| t)
        .collect()
}

/// Which words articles of the archive hold, counted over a sample when the index is rebuilt:
/// the pairs of frequent words become grams (see `grams.rs`).
pub struct Sample {
    analyzer: TextAnalyzer,
    /// Per analysed word, the articles holding it and its occurrences.
    counts: HashMap<String, (u32, u64), FxBuildHasher>,
    articles: u32,
    /// Articles in the whole archive.
    archive: u64,
}

impl Default for Sample {
    fn default() -> Sample {
        Sample::new(0)
    }
}

impl Sample {
    /// A sample of an archive of `archive` articles.
    pub fn new(archive: u64) -> Sample {
        Sample {
            analyzer: english_words(Words::indexing()),
            counts: HashMap::default(),
            articles: 0,
            archive,
        }
    }

    /// Counts the words of articles analysed as English (the fields that hold grams).
    pub fn add(&mut self, docs: &[IndexDoc]) {
        let mut words: Vec<String> = Vec::new();
        for doc in docs.iter().filter(|d| is_english(d.language.as_deref())) {
            words.clear();
            for text in [&doc.title, &doc.text] {
                let mut stream = self.analyzer.token_stream(text);
                while stream.advance() {
                    words.push(stream.token().text.clone());
                }
            }
            words.sort_unstable();
            for run in words.chunk_by(|a, b| a == b) {
                let (holding, occurrences) = match self.counts.get_mut(&run[0]) {
                    Some(counts) => counts,
                    None => self.counts.entry(run[0].clone()).or_insert((0, 0)),
                };
                *holding += 1;
                *occurrences += run.len() as u64;
            }
            self.articles += 1;
        }
    }

    /// Articles counted so far.
    pub fn articles(&self) -> u32 {
        self.articles
    }

    fn gram_words(&self, analyze: impl FnMut(&str) -> Vec<String>) -> GramWords {
        GramWords::learn(
            self.counts
                .iter()
                .map(|(w, &(holding, occurrences))| (w.clone(), holding, occurrences)),
            self.articles,
            self.archive.max(u64::from(self.articles)),
            analyze,
        )
    }
}

/// English, or unknown (most feeds do not say): stemmed.
fn is_english(language: Option<&str>) -> bool {
    language.is_none_or(|l| {
        let l = l.trim().to_ascii_lowercase();
        l.is_empty() || l == "en" || l.starts_with("en-") || l.starts_with("en_")
    })
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    /// The writer, with its memory budget.
    writer: Mutex<Option<(IndexWriter, usize)>>,
    /// Articles added since the last commit (the reader does not see them yet).
    uncommitted: Mutex<HashSet<i64>>,
    fields: Fields,
    /// Query analysis: English words (without grams: a phrase picks its own) and plain words.
    english: TextAnalyzer,
    plain: TextAnalyzer,
    /// The words whose pairs the searched segments hold as grams; kept in each commit (its
    /// payload), so the table and the segments analysed with it change together.
    grams: RwLock<Arc<GramWords>>,
    /// The table the writer analyses with since a rebuild started, until its commit.
    next_grams: Mutex<Option<Arc<GramWords>>>,
    /// The gram files of the last searcher asked, with its generation (opened again after a
    /// reload).
    gram_files: Mutex<Option<(u64, Arc<GramFiles>)>>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when there is none. An index written by another
    /// version, or one that cannot be read, is an error: the caller rebuilds it.
    pub fn open(dir: &Path) -> Result<SearchIndex, SearchError> {
        let open_error = |message: String| SearchError::Open {
            path: dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| open_error(e.to_string()))?;
        let version_file = dir.join("linkx-index-version");
        let (schema, fields) = schema();
        let index = if dir.join("meta.json").exists() {
            let version = std::fs::read_to_string(&version_file).unwrap_or_default();
            if version.trim() != INDEX_VERSION.to_string() {
                return Err(open_error(format!(
                    "written by another version (index version {:?}, expected {INDEX_VERSION}); run `linkx reindex`",
                    version.trim()
                )));
            }
            let mut index = Index::open_in_dir(dir).map_err(|e| open_error(e.to_string()))?;
            index.register_plugin(gram_plugin());
            if index.schema() != schema {
                return Err(open_error("unexpected schema; run `linkx reindex`".into()));
            }
            index
        } else {
            let index = Index::builder()
                .schema(schema)
                .register_plugin(gram_plugin())
                .create_in_dir(dir)
                .map_err(|e| open_error(e.to_string()))?;
            std::fs::write(&version_file, INDEX_VERSION.to_string())
                .map_err(|e| open_error(e.to_string()))?;
            index
        };
        Self::with_index(index, fields)
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let index = Index::builder()
            .schema(schema)
            .register_plugin(gram_plugin())
            .create_in_ram()?;
        Self::with_index(index, fields)
    }

    fn with_index(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        let mut english = english_words(Words::query());
        // An index's first commit keeps the English table.
        let grams = match index.load_metas()?.payload {
            Some(text) => GramWords::parse(&text).map_err(|message| SearchError::Open {
                path: String::new(),
                message: format!("{message}; run `linkx reindex`"),
            })?,
            None => GramWords::english(|w| words_of(&mut english, w)),
        };
        let grams = Arc::new(grams);
        index
            .tokenizers()
            .register(STEMMED, english_indexing(&grams));
        index
            .tokenizers()
            .register(PLAIN, plain_words(Words::indexing()));
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(None),
            uncommitted: Mutex::new(HashSet::new()),
            fields,
            english,
            plain: plain_words(Words::query()),
            grams: RwLock::new(grams),
            next_grams: Mutex::new(None),
            gram_files: Mutex::new(None),
        })
    }

    /// The gram files of `searcher`'s segments, opened once per reload.
    fn gram_files(&self, searcher: &tantivy::Searcher) -> Arc<GramFiles> {
        let generation = searcher.generation().generation_id();
        let mut kept = self.gram_files.lock().unwrap_or_else(|p| p.into_inner());
        match &*kept {
            Some((g, files)) if *g == generation => files.clone(),
            _ => {
                let files = Arc::new(GramFiles::open(searcher));
                *kept = Some((generation, files.clone()));
                files
            }
        }
    }

    /// The gram words the searched segments were analysed with.
    fn grams(&self) -> Arc<GramWords> {
        self.grams.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many words the index pairs as grams (learnt when it was last rebuilt).
    pub fn gram_words(&self) -> usize {
        self.grams().len()
    }

    /// Whether the archive has grown enough since the index learnt its frequent words that a
    /// rebuild (which learns them again) is worth it.
    pub fn wants_relearning(&self) -> bool {
        self.grams().stale(self.len())
    }

    /// Deletes everything in `dir` so [`SearchIndex::open`] starts afresh.
    pub fn destroy(dir: &Path) -> std::io::Result<()> {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter, &Fields) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        self.with_writer_of(UPDATE_MEMORY, f)
    }

    /// With a writer of at least `memory` (a smaller one is closed first: its uncommitted
    /// changes go, so only a rebuild's start asks for more).
    fn with_writer_of<T>(
        &self,
        memory: usize,
        f: impl FnOnce(&mut IndexWriter, &Fields) -> Result<T, SearchError>,
    ) -> Result<T, SearchError> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.as_ref().is_none_or(|(_, budget)| *budget < memory) {
            *guard = None;
            // Two indexing threads keep one core free for the site.
            let writer = self.index.writer_with_num_threads(2, memory)?;
            *guard = Some((writer, memory));
        }
        match guard.as_mut() {
            Some((writer, _)) => f(writer, &self.fields),
            None => Err(SearchError::Open {
                path: String::new(),
                message: "no index writer".into(),
            }),
        }
    }

    fn document(&self, d: &IndexDoc) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_i64(f.id, d.id);
        doc.add_i64(f.story_id, d.story_id);
        doc.add_i64(f.source_id, d.source_id);
        doc.add_i64(f.published, d.published_at);
        doc.add_text(f.source, &d.source);
        if let Some(author) = &d.author {
            doc.add_text(f.author, author);
        }
        if let Some(language) = &d.language {
            doc.add_text(f.language, language.to_ascii_lowercase());
        }
        let (title, text) = if is_english(d.language.as_deref()) {
            (f.title, f.text)
        } else {
            (f.title_plain, f.text_plain)
        };
        // The gram lists take English texts' grams from their analysis (`gram_lists.rs`).
        doc.add_text(title, &d.title);
        doc.add_text(text, &d.text);
        doc
    }

    /// Adds or replaces articles (by id). Call [`SearchIndex::commit`] to make them searchable.
    /// Only an article the index may already hold (committed, or added since the last commit)
    /// is deleted first: a pending delete keeps a query in memory until the commit (~1 KB each,
    /// 40 MB for a first poll's 40,000 new articles).
    pub fn upsert(&self, docs: &[IndexDoc]) -> Result<(), SearchError> {
        let searcher = self.reader.searcher();
        let mut uncommitted = self.uncommitted.lock().unwrap_or_else(|p| p.into_inner());
        self.with_writer(|writer, f| {
            for d in docs {
                let id = Term::from_field_i64(f.id, d.id);
                if !uncommitted.insert(d.id) || searcher.doc_freq(&id)? > 0 {
                    writer.delete_term(id);
                }
                writer.add_document(self.document(d))?;
            }
            Ok(())
        })
    }

    /// Adds articles the index does not hold (after [`SearchIndex::clear`], when rebuilding).
    pub fn add(&self, docs: &[IndexDoc]) -> Result<(), SearchError> {
        let mut uncommitted = self.uncommitted.lock().unwrap_or_else(|p| p.into_inner());
        self.with_writer(|writer, _| {
            for d in docs {
                uncommitted.insert(d.id);
                writer.add_document(self.document(d))?;
            }
            Ok(())
        })
    }

    /// Removes articles by id.
    pub fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        self.with_writer(|writer, f| {
            for &id in ids {
                writer.delete_term(Term::from_field_i64(f.id, id));
            }
            Ok(())
        })
    }

    /// Removes every article of a source.
    pub fn delete_source(&self, source_id: i64) -> Result<(), SearchError> {
        self.with_writer(|writer, f| {
            writer.delete_term(Term::from_field_i64(f.source_id, source_id));
            Ok(())
        })
    }

    /// Removes everything, before a rebuild, and learns from `sample` (articles of the archive)
    /// which words to pair as grams. Searches see the index as it was until the next commit.
    pub fn clear(&self, sample: &Sample) -> Result<(), SearchError> {
        let mut english = self.english.clone();
        let learnt = sample.gram_words(|w| words_of(&mut english, w));
        {
            let mut writer = self.writer.lock().unwrap_or_else(|p| p.into_inner());
            let mut next = self.next_grams.lock().unwrap_or_else(|p| p.into_inner());
            let in_use = next.clone().unwrap_or_else(|| self.grams());
            if learnt != *in_use {
                // A writer analyses with the table it started with: the new table needs a new
                // writer (the old one's uncommitted changes go; everything is re-added).
                *writer = None;
                let learnt = Arc::new(learnt);
                self.index
                    .tokenizers()
                    .register(STEMMED, english_indexing(&learnt));
                *next = Some(learnt);
            }
        }
        self.with_writer_of(REBUILD_MEMORY, |writer, _| {
            writer.delete_all_documents()?;
            Ok(())
        })
    }

    /// Makes every change so far durable and visible to searches.
    pub fn commit(&self) -> Result<(), SearchError> {
        let mut uncommitted = self.uncommitted.lock().unwrap_or_else(|p| p.into_inner());
        self.with_writer(|writer, _| {
            let mut next = self.next_grams.lock().unwrap_or_else(|p| p.into_inner());
            let grams = next.clone().unwrap_or_else(|| self.grams());
            let mut commit = writer.prepare_commit()?;
            commit.set_payload(&grams.to_text());
            commit.commit()?;
            // Searches wait while the segments and their table change together.
            let mut searched = self.grams.write().unwrap_or_else(|p| p.into_inner());
            self.reader.reload()?;
            *searched = grams;
            *next = None;
            Ok(())
        })?;
        uncommitted.clear();
        Ok(())
    }

    /// Lets the background merges that the last commits started finish (the index's steady
    /// state; a later write starts a new writer).
    pub fn wait_for_merges(&self) -> Result<(), SearchError> {
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some((writer, _)) = writer {
            writer.wait_merging_threads()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Segments the index is made of.
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Segments whose gram lists this index can use (a segment without them answers phrases
    /// of frequent words by comparing positions: slower, still exact).
    pub fn segments_with_gram_lists(&self) -> usize {
        let fingerprint = self.grams().fingerprint();
        let searcher = self.reader.searcher();
        (searcher.segment_readers().iter())
            .filter(|r| gram_lists::usable(r, fingerprint))
            .count()
    }

    /// Articles in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The best `limit` articles for `query` (after skipping `offset`), and the total count.
    pub fn search(
        &self,
        query: &ParsedQuery,
        sort: SortBy,
        limit: usize,
        offset: usize,
    ) -> Result<SearchResults, SearchError> {
        let ((compiled, highlighted), searcher, grams, files) = {
            // The table and the segments are taken together (a commit may change both).
            let grams = self.grams.read().unwrap_or_else(|p| p.into_inner());
            let searcher = self.reader.searcher();
            let files = self.gram_files(&searcher);
            (
                self.compile(query, &grams, &files),
                searcher,
                grams.clone(),
                files,
            )
        };
        let top = TopDocs::with_limit(limit.max(1)).and_offset(offset);
        let (addresses, total): (Vec<(f32, DocAddress)>, usize) = match sort {
            SortBy::Relevance => searcher.search(&compiled, &(top.order_by_score(), Count))?,
            SortBy::Newest => {
                let (docs, total) = searcher.search(
                    &compiled,
                    &(
                        top.order_by_fast_field::<i64>("published", Order::Desc),
                        Count,
                    ),
                )?;
                (docs.into_iter().map(|(_, a)| (0.0, a)).collect(), total)
            }
        };
        let mut found: Vec<(Hit, i64)> = Vec::with_capacity(addresses.len());
        // A column is opened once per segment: opening reads its block index, which costs more
        // than reading a value.
        let mut columns: Vec<Option<(Column<i64>, Column<i64>)>> =
            vec![None; searcher.segment_readers().len()];
        for (score, address) in addresses {
            let Some(slot) = columns.get_mut(address.segment_ord as usize) else {
                continue;
            };
            let (ids, times) = match slot {
                Some(open) => open,
                None => {
                    let fields = searcher.segment_reader(address.segment_ord).fast_fields();
                    slot.insert((fields.i64("id")?, fields.i64("published")?))
                }
            };
            if let Some(id) = ids.first(address.doc_id) {
                let published = times.first(address.doc_id).unwrap_or(0);
                found.push((Hit { id, score }, published));
            }
        }
        // Equal scores (or times) come out in the order documents happen to sit in segments,
        // which depends on indexing threads: break ties by id so a query always answers alike
        // (the earlier-stored article first for relevance, the later one for newest).
        match sort {
            SortBy::Relevance => {
                found.sort_by(|(a, _), (b, _)| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)))
            }
            SortBy::Newest => found.sort_by(|(a, at), (b, bt)| bt.cmp(at).then(b.id.cmp(&a.id))),
        }
        let hits = found.into_iter().map(|(hit, _)| hit).collect();
        let has_words = !query.words().is_empty();
        let snippets = has_words
            .then(|| {
                self.english_snippets(&searcher, &highlighted, &grams, &files)
                    .ok()
            })
            .flatten();
        let snippets_plain = has_words
            .then(|| SnippetGenerator::create(&searcher, &highlighted, self.fields.text_plain).ok())
            .flatten();
        Ok(SearchResults {
            total,
            hits,
            snippets,
            snippets_plain,
        })
    }

    /// Snippets of English texts: the query's words and grams highlighted (a gram's articles are
    /// counted in its gram lists, its place found by analysing the text with the grams shown).
    fn english_snippets(
        &self,
        searcher: &tantivy::Searcher,
        highlighted: &BooleanQuery,
        grams: &Arc<GramWords>,
        files: &GramFiles,
    ) -> Result<SnippetGenerator, SearchError> {
        let f = &self.fields;
        let mut terms = Vec::new();
        highlighted.query_terms(&mut |term, _| {
            if term.field() == f.text {
                terms.push(term.clone());
            }
        });
        let mut weights = std::collections::BTreeMap::new();
        for term in terms {
            let value = term.value();
            let Some(text) = value.as_str() else {
                continue;
            };
            let articles = match grams.number(text) {
                Some(number) => {
                    gram_lists::articles(files, number | gram_lists::TEXT, grams.fingerprint())
                }
                None => searcher.doc_freq(&term)?,
            };
            if articles > 0 {
                // Rarer terms weigh more in choosing the passage (as tantivy's own generator).
                weights.insert(text.to_string(), 1.0 / (1.0 + articles as f32));
            }
        }
        Ok(SnippetGenerator::new(
            weights,
            words_and_grams(grams),
            f.text,
            SNIPPET_CHARS,
        ))
    }

    /// Words of `text` as `(position, text)`, stemmed (English) or plain.
    fn tokens(&self, text: &str, stemmed: bool) -> Vec<(usize, String)> {
        let mut analyzer = if stemmed { &self.english } else { &self.plain }.clone();
        analyze(&mut analyzer, text)
    }

    /// A word or phrase as the English fields (title, text) find it, and as the other
    /// languages' fields do.
    fn phrases(&self, words: &str, grams: &GramWords) -> [(Phrase, Field, Field); 2] {
        let f = self.fields;
        // English fields hold the grams of frequent words: a phrase asks for them.
        [
            (grams.phrase(&self.tokens(words, true)), f.title, f.text),
            (
                GramWords::default().phrase(&self.tokens(words, false)),
                f.title_plain,
                f.text_plain,
            ),
        ]
    }

    /// Which gram lists hold the grams of `field`'s texts (none for other languages').
    fn gram_list(&self, field: Field) -> Option<u32> {
        let f = &self.fields;
        match field {
            _ if field == f.title => Some(gram_lists::TITLE),
            _ if field == f.text => Some(gram_lists::TEXT),
            _ => None,
        }
    }

    /// A word or phrase (as [`SearchIndex::phrases`] gives it) matched in title (boosted) or
    /// text, stemmed or plain; `grams` numbered the phrases' grams.
    fn words_query(
        &self,
        phrases: &[(Phrase, Field, Field)],
        grams: &GramWords,
        files: &Arc<GramFiles>,
    ) -> Option<Box<dyn Query>> {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(ref phrase, title, text) in phrases {
            let whole_gram = phrase.grams.first().filter(|_| phrase.whole);
            match (whole_gram, self.gram_list(title), self.gram_list(text)) {
                // Two words making one gram: its lists in title and text are the phrase (the
                // phrase in both fields answers where a segment has no lists).
                (Some(gram), Some(title_list), Some(text_list)) => {
                    let fallback = self.in_title_and_text(&words_only(phrase), title, text, None);
                    let query = GramQuery {
                        gram: gram.number,
                        fingerprint: grams.fingerprint(),
                        parts: vec![(title_list, title, TITLE_BOOST), (text_list, text, 1.0)],
                        phrase: Some(Box::new(BooleanQuery::new(fallback))),
                        files: files.clone(),
                    };
                    alternatives.push((Occur::Should, Box::new(query)));
                }
                _ => alternatives.extend(self.in_title_and_text(
                    phrase,
                    title,
                    text,
                    Some((grams.fingerprint(), files)),
                )),
            }
        }
        (!alternatives.is_empty())
            .then(|| Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>)
    }

    /// `phrase` in `title` (boosted) and in `text`, a clause each; its grams narrow down the
    /// articles compared where the fields have gram lists and `lists` names their table and
    /// files.
    fn in_title_and_text(
        &self,
        phrase: &Phrase,
        title: Field,
        text: Field,
        lists: Option<(u64, &Arc<GramFiles>)>,
    ) -> Vec<(Occur, Box<dyn Query>)> {
        [(title, TITLE_BOOST), (text, 1.0)]
            .into_iter()
            .filter_map(|(field, boost)| {
                let lists = lists.and_then(|(fingerprint, files)| {
                    (self.gram_list(field)).map(|list| (list, fingerprint, files.clone()))
                });
                let q = phrase_query(phrase, field, lists)?;
                Some((
                    Occur::Should,
                    Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>,
                ))
            })
            .collect()
    }

    /// The query, and what snippets highlight in texts: each phrase's grams and the words in
    /// none (a query only to take terms from, never run).
    fn compile(
        &self,
        q: &ParsedQuery,
        grams: &GramWords,
        files: &Arc<GramFiles>,
    ) -> (BooleanQuery, BooleanQuery) {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut highlighted: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for words in q.words() {
            let phrases = self.phrases(words, grams);
            for (phrase, _, text) in &phrases {
                let gram_texts = phrase.grams.iter().map(|g| &g.text);
                for term in gram_texts.chain(&phrase.loose) {
                    let query = TermQuery::new(
                        Term::from_field_text(*text, term),
                        IndexRecordOption::Basic,
                    );
                    highlighted.push((Occur::Should, Box::new(query)));
                }
            }
            // A word that analysis drops entirely (punctuation) adds no condition.
            if let Some(query) = self.words_query(&phrases, grams, files) {
                clauses.push((Occur::Must, query));
            }
        }
        for words in &q.excluded {
            if let Some(query) = self.words_query(&self.phrases(words, grams), grams, files) {
                clauses.push((Occur::MustNot, query));
            }
        }
        for (field, values) in [(f.source, &q.sources), (f.author, &q.authors)] {
            for value in values {
                let tokens = self.tokens(value, false);
                let terms: Vec<(Occur, Box<dyn Query>)> = tokens
                    .iter()
                    .map(|(_, t)| {
                        (
                            Occur::Must,
                            Box::new(TermQuery::new(
                                Term::from_field_text(field, t),
                                IndexRecordOption::Basic,
                            )) as Box<dyn Query>,
                        )
                    })
                    .collect();
                if terms.is_empty() {
                    continue;
                }
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(terms))));
            }
        }
        if q.after.is_some() || q.before.is_some() {
            let lower = q.after.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_i64(f.published, t))
            });
            let upper = q.before.map_or(Bound::Unbounded, |t| {
                Bound::Excluded(Term::from_field_i64(f.published, t))
            });
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
        }
        if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        (BooleanQuery::new(clauses), BooleanQuery::new(highlighted))
    }
}

/// `phrase` without its grams: its words in order only.
fn words_only(phrase: &Phrase) -> Phrase {
    Phrase {
        grams: Vec::new(),
        whole: false,
        words: phrase.words.clone(),
        loose: Vec::new(),
    }
}

/// The query for `phrase` in `field`: its words in order (one word: the word), in articles
/// holding its grams, whose lists are `lists` (the list bit of the field, the fingerprint of
/// the table that numbered the grams, the searched segments' gram files; `None`: the field
/// has no grams). The grams only narrow down the articles whose positions are compared (they
/// add nothing to the score); a phrase that is one gram is answered by [`GramQuery`] alone
/// (see `SearchIndex::words_query`).
fn phrase_query(
    phrase: &Phrase,
    field: Field,
    lists: Option<(u32, u64, Arc<GramFiles>)>,
) -> Option<Box<dyn Query>> {
    let words: Option<Box<dyn Query>> = match phrase.words.as_slice() {
        [] => None,
        [(_, one)] => Some(Box::new(TermQuery::new(
            Term::from_field_text(field, one),
            IndexRecordOption::WithFreqs,
        ))),
        many => Some(Box::new(PhraseQuery::new_with_offset(
            many.iter()
                .map(|(offset, t)| (*offset, Term::from_field_text(field, t)))
                .collect(),
        ))),
    };
    let Some((list, fingerprint, files)) = lists.filter(|_| !phrase.grams.is_empty()) else {
        return words;
    };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    clauses.extend(words.map(|q| (Occur::Must, q)));
    for g in &phrase.grams {
        let filter = GramQuery {
            gram: g.number,
            fingerprint,
            parts: vec![(list, field, 0.0)],
            phrase: None,
            files: files.clone(),
        };
        clauses.push((Occur::Must, Box::new(filter)));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}
