//! Gram lists: which articles of a segment hold each gram, kept beside tantivy's postings.
//!
//! A gram (two adjacent frequent words, see `grams.rs`) only has to say which articles hold
//! it: no frequencies, no positions. Indexed as terms of tantivy fields of their own, the ~200
//! grams of an article went through tantivy's term table, term dictionary and postings merges
//! like words. Here a gram is a number (its two words' numbers in the index's table), and each
//! segment keeps a list of articles per gram number in a file of its own, written by a tantivy
//! segment plugin ([`GramPlugin`]): appended to while indexing, merged with the segments, read
//! by [`GramQuery`]. A million articles (same machine, runs in pairs): built in 129–189 s
//! against 187–224 s with gram fields, queries as fast.
//!
//! The word fields' analysis finds the grams ([`crate::grams::English`]) and leaves them
//! for the plugin on the indexing thread ([`crate::grams::take_diverted`]); should they not be
//! at hand, the plugin analyses the text itself. A file names the table its numbers come from
//! (a fingerprint): a segment written with another table, or whose file is missing or damaged,
//! has no usable grams, and a phrase there compares its words' positions instead (slower,
//! never wrong).
//!
//! The file: the lists (document ids as LEB128 deltas, or a bitmap of the segment's documents
//! when that is smaller, as for `"of the"`), then one entry per gram (number, articles with
//! the top bit set for a bitmap, end of its list), sorted by number, then the entry count, the
//! table's fingerprint and a magic number.

use rustc_hash::FxBuildHasher;
use std::any::Any;
use std::collections::HashMap;
use std::io::Write;
use tantivy::directory::{OwnedBytes, TerminatingWrite};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentComponent;
use tantivy::indexer::doc_id_mapping::{DocIdMapping, MappingType};
use tantivy::plugin::{PluginMergeContext, PluginWriter, PluginWriterContext, SegmentPlugin};
use tantivy::query::{
    AllScorer, Bm25StatisticsProvider, Bm25Weight, ConstScorer, EmptyScorer, EnableScoring,
    Explanation, Query, Scorer, Weight,
};
use tantivy::schema::document::ErasedDocument;
use tantivy::schema::{Field, Schema, Value};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocId, DocSet, Score, Searcher, Segment, SegmentReader, TERMINATED, TantivyDocument,
    TantivyError,
};

use crate::grams;

/// The extension of a segment's gram file.
pub const EXTENSION: &str = "grams";
const MAGIC: u32 = u32::from_le_bytes(*b"LXG1");
/// Bytes of an entry: gram number, articles, end of its list.
const ENTRY: usize = 16;
const FOOTER: usize = 20;
/// A gram's number says which of an article's texts holds it.
pub const TITLE: u32 = 0;
pub const TEXT: u32 = 1 << 24;
/// The fingerprint of a file whose grams cannot be used.
const UNKNOWN: u64 = 0;
/// The bit of an entry's count saying its list is a bitmap.
const DENSE: u32 = 1 << 31;

/// Bytes of a bitmap of `max_doc` documents (whole 64-bit words).
fn bitmap_len(max_doc: DocId) -> usize {
    (max_doc as usize).div_ceil(64) * 8
}

fn component() -> SegmentComponent {
    SegmentComponent::Custom(EXTENSION.to_string())
}

/// The segment plugin that writes and merges gram files. `analyzer` is the name of the word
/// fields' tokenizer, which the plugin runs itself for a text whose grams are not at hand.
pub struct GramPlugin {
    pub analyzer: &'static str,
}

impl SegmentPlugin for GramPlugin {
    fn extensions(&self) -> &[&str] {
        &[EXTENSION]
    }

    fn create_writer(&self, ctx: &PluginWriterContext) -> tantivy::Result<Box<dyn PluginWriter>> {
        let schema = ctx.segment.schema();
        let analyzer = ctx.segment.index().tokenizers().get(self.analyzer);
        Ok(Box::new(GramWriter {
            title: schema.get_field("title").ok(),
            text: schema.get_field("text").ok(),
            analyzer,
            fingerprint: None,
            lists: HashMap::with_hasher(FxBuildHasher),
            bytes: 0,
            max_doc: 0,
        }))
    }

    fn merge(&self, ctx: PluginMergeContext) -> tantivy::Result<()> {
        let mut out = ctx.target_segment.open_write(component())?;
        let sources: Option<Vec<GramFile>> = ctx
            .readers
            .iter()
            .map(|reader| GramFile::of_segment(reader).filter(GramFile::usable))
            .collect();
        let fingerprint = sources
            .as_ref()
            .and_then(|s| s.first().map(|f| f.fingerprint));
        let same_table = sources
            .iter()
            .flatten()
            .all(|f| Some(f.fingerprint) == fingerprint);
        // Documents keep their segments' order unless the index sorts them (ours does not).
        let stacked = ctx.doc_id_mapping.mapping_type() != MappingType::Shuffled;
        match sources {
            Some(sources) if same_table && stacked && !sources.is_empty() => merge_files(
                &sources,
                ctx.readers,
                fingerprint.unwrap_or(UNKNOWN),
                &mut out,
            )?,
            _ => write_footer(&mut out, &[], UNKNOWN)?,
        }
        out.terminate()?;
        Ok(())
    }
}

/// One gram's articles while a segment is written.
#[derive(Default)]
struct DocList {
    last: DocId,
    count: u32,
    deltas: Vec<u8>,
}

impl DocList {
    /// Appends `doc` (larger than any before).
    fn push(&mut self, doc: DocId) {
        let delta = match self.count {
            0 => doc,
            _ if doc <= self.last => return,
            _ => doc - self.last,
        };
        write_varint(&mut self.deltas, delta);
        self.last = doc;
        self.count += 1;
    }
}

struct GramWriter {
    title: Option<Field>,
    text: Option<Field>,
    analyzer: Option<TextAnalyzer>,
    /// The table the segment's grams were numbered with; `Some(UNKNOWN)` once two differ.
    fingerprint: Option<u64>,
    lists: HashMap<u32, DocList, FxBuildHasher>,
    /// Bytes the lists have reserved.
    bytes: usize,
    max_doc: DocId,
}

impl GramWriter {
    /// The grams of `text` as the word field's analysis left them, or as analysing it again
    /// finds them.
    fn grams_of(&mut self, text: &str) -> Option<(u64, Vec<u32>)> {
        if let Some(found) = grams::take_diverted(text) {
            return Some(found);
        }
        let analyzer = self.analyzer.as_mut()?;
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {}
        drop(stream);
        grams::take_diverted(text)
    }

    fn record(&mut self, doc: DocId, fingerprint: u64, grams: &[u32], field: u32) {
        match self.fingerprint {
            None => self.fingerprint = Some(fingerprint),
            Some(known) if known != fingerprint => self.fingerprint = Some(UNKNOWN),
            Some(_) => {}
        }
        for &gram in grams {
            let list = self.lists.entry(gram | field).or_default();
            let before = list.deltas.capacity();
            list.push(doc);
            self.bytes += list.deltas.capacity() - before;
        }
    }
}

impl PluginWriter for GramWriter {
    fn add_document(
        &mut self,
        doc_id: DocId,
        doc: &dyn ErasedDocument,
        _schema: &Schema,
    ) -> tantivy::Result<()> {
        self.max_doc = doc_id + 1;
        let Some(doc) = doc.as_any().downcast_ref::<TantivyDocument>() else {
            return Ok(());
        };
        for (field, bit) in [(self.title, TITLE), (self.text, TEXT)] {
            let Some(text) = field
                .and_then(|f| doc.get_first(f))
                .and_then(|v| v.as_str())
            else {
                continue;
            };
            if let Some((fingerprint, grams)) = self.grams_of(text) {
                self.record(doc_id, fingerprint, &grams, bit);
            }
        }
        // Nothing analysed for this document may be taken for the next one's.
        grams::forget_diverted();
        Ok(())
    }

    fn serialize(
        self: Box<Self>,
        segment: &Segment,
        doc_id_map: Option<&DocIdMapping>,
    ) -> tantivy::Result<()> {
        let mut out = segment.open_write(component())?;
        let fingerprint = self.fingerprint.unwrap_or(UNKNOWN);
        if doc_id_map.is_some() || fingerprint == UNKNOWN {
            // A sorted segment renumbers its documents; our index never sorts.
            write_footer(&mut out, &[], UNKNOWN)?;
        } else {
            let mut grams: Vec<(u32, DocList)> = self.lists.into_iter().collect();
            grams.sort_unstable_by_key(|(gram, _)| *gram);
            let mut entries = Vec::with_capacity(grams.len());
            let mut end = 0u64;
            for (gram, list) in &grams {
                let (written, count) = write_list(&mut out, list, self.max_doc)?;
                end += written;
                entries.push((*gram, count, end));
            }
            write_footer(&mut out, &entries, fingerprint)?;
        }
        out.terminate()?;
        Ok(())
    }

    fn mem_usage(&self) -> usize {
        self.bytes
            + self.lists.capacity()
                * (std::mem::size_of::<(u32, DocList)>() + std::mem::size_of::<u64>())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// Writes `list` of a segment of `max_doc` documents, as deltas or as a bitmap, whichever is
/// smaller: the bytes written and the entry's count.
fn write_list(out: &mut impl Write, list: &DocList, max_doc: DocId) -> std::io::Result<(u64, u32)> {
    let bitmap = bitmap_len(max_doc);
    if list.deltas.len() <= bitmap {
        out.write_all(&list.deltas)?;
        return Ok((list.deltas.len() as u64, list.count));
    }
    let mut words = vec![0u64; bitmap / 8];
    let mut at = 0;
    let mut doc = 0u32;
    let mut first = true;
    while let Some(delta) = read_varint(&list.deltas, &mut at) {
        doc = if first {
            delta
        } else {
            doc.saturating_add(delta)
        };
        first = false;
        if let Some(word) = words.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
        }
    }
    for word in words {
        out.write_all(&word.to_le_bytes())?;
    }
    Ok((bitmap as u64, list.count | DENSE))
}

fn write_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The next LEB128 value of `bytes` from `*at`, or `None` at the end or on damage.
fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        value |= u32::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn write_footer(
    out: &mut impl Write,
    entries: &[(u32, u32, u64)],
    fingerprint: u64,
) -> std::io::Result<()> {
    for &(gram, count, end) in entries {
        out.write_all(&gram.to_le_bytes())?;
        out.write_all(&count.to_le_bytes())?;
        out.write_all(&end.to_le_bytes())?;
    }
    out.write_all(&(entries.len() as u64).to_le_bytes())?;
    out.write_all(&fingerprint.to_le_bytes())?;
    out.write_all(&MAGIC.to_le_bytes())
}

/// A segment's gram file, read in place.
pub struct GramFile {
    bytes: OwnedBytes,
    /// Where the entries start (the lists end).
    entries_at: usize,
    entries: usize,
    fingerprint: u64,
    /// Documents of the segment: a list naming others is damaged.
    max_doc: DocId,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

impl GramFile {
    /// The gram file of `reader`'s segment; `None` when it is missing or damaged.
    pub fn of_segment(reader: &SegmentReader) -> Option<GramFile> {
        let bytes = reader.open_read(component()).ok()?.read_bytes().ok()?;
        GramFile::parse(bytes, reader.max_doc())
    }

    fn parse(bytes: OwnedBytes, max_doc: DocId) -> Option<GramFile> {
        let b = bytes.as_slice();
        let footer = b.len().checked_sub(FOOTER)?;
        if u32_at(b, footer + 16)? != MAGIC {
            return None;
        }
        let entries = usize::try_from(u64_at(b, footer)?).ok()?;
        let fingerprint = u64_at(b, footer + 8)?;
        let entries_at = footer.checked_sub(entries.checked_mul(ENTRY)?)?;
        let file = GramFile {
            bytes,
            entries_at,
            entries,
            fingerprint,
            max_doc,
        };
        // The last list must end where the entries start.
        let last_end = match entries {
            0 => 0,
            n => file.entry(n - 1)?.2,
        };
        (last_end == entries_at as u64).then_some(file)
    }

    /// Whether the file's grams can be used (it names the table it was written with).
    fn usable(&self) -> bool {
        self.fingerprint != UNKNOWN
    }

    /// Entry `i`: gram, articles, end of its list.
    fn entry(&self, i: usize) -> Option<(u32, u32, u64)> {
        let b = self.bytes.as_slice();
        let at = self.entries_at + i * ENTRY;
        Some((u32_at(b, at)?, u32_at(b, at + 4)?, u64_at(b, at + 8)?))
    }

    /// The list of `gram`: its articles, whether it is a bitmap, and its bytes.
    fn list(&self, gram: u32) -> Option<(u32, bool, OwnedBytes)> {
        let (mut low, mut high) = (0, self.entries);
        while low < high {
            let mid = (low + high) / 2;
            let (g, count, end) = self.entry(mid)?;
            match g.cmp(&gram) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => {
                    let start = match mid {
                        0 => 0,
                        _ => self.entry(mid - 1)?.2,
                    };
                    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
                    if start > end || end > self.entries_at {
                        return None;
                    }
                    return Some((
                        count & !DENSE,
                        count & DENSE != 0,
                        self.bytes.slice(start..end),
                    ));
                }
            }
        }
        None
    }

    /// Articles holding `gram` (0 when the file's grams are not usable).
    pub fn articles(&self, gram: u32) -> u32 {
        self.list(gram).map_or(0, |(count, _, _)| count)
    }

    /// The documents holding `gram`; `None` when the list is damaged.
    fn docset(&self, gram: u32) -> Option<ListDocs> {
        let Some((count, dense, bytes)) = self.list(gram) else {
            return Some(ListDocs::Sparse(ListDocSet::new(Vec::new())));
        };
        if dense {
            if bytes.len() != bitmap_len(self.max_doc) {
                return None;
            }
            let bitmap = Bitmap::of_bytes(bytes.as_slice(), self.max_doc);
            // As many documents as the entry says.
            return (bitmap.count == count).then_some(ListDocs::Dense(bitmap));
        }
        decode(bytes.as_slice(), count, self.max_doc)
            .map(|docs| ListDocs::Sparse(ListDocSet::new(docs)))
    }

    /// The documents holding `gram`, in order; `None` when the list is damaged.
    fn docs(&self, gram: u32) -> Option<Vec<DocId>> {
        let mut docs = self.docset(gram)?;
        let mut out = Vec::with_capacity(docs.size_hint() as usize);
        while docs.doc() != TERMINATED {
            out.push(docs.doc());
            docs.advance();
        }
        Some(out)
    }
}

/// A list's documents: `count` increasing ids under `max_doc`, or `None`.
fn decode(bytes: &[u8], count: u32, max_doc: DocId) -> Option<Vec<DocId>> {
    let mut docs = Vec::with_capacity((count as usize).min(bytes.len()));
    let mut at = 0;
    let mut doc = 0u32;
    while at < bytes.len() {
        let delta = read_varint(bytes, &mut at)?;
        if !docs.is_empty() && delta == 0 {
            return None;
        }
        doc = doc.checked_add(delta)?;
        if doc >= max_doc {
            return None;
        }
        docs.push(doc);
    }
    (docs.len() == count as usize).then_some(docs)
}

/// Merges the gram files of segments stacked in order (deleted documents dropped).
fn merge_files(
    sources: &[GramFile],
    readers: &[SegmentReader],
    fingerprint: u64,
    out: &mut impl Write,
) -> tantivy::Result<()> {
    // Each source document's id in the merged segment, as tantivy numbers them.
    let mut next = 0u32;
    let renumbered: Vec<Vec<DocId>> = readers
        .iter()
        .map(|reader| {
            (0..reader.max_doc())
                .map(|doc| match reader.is_deleted(doc) {
                    true => DocId::MAX,
                    false => {
                        next += 1;
                        next - 1
                    }
                })
                .collect()
        })
        .collect();
    let mut grams: Vec<u32> = sources
        .iter()
        .flat_map(|f| (0..f.entries).filter_map(|i| f.entry(i).map(|e| e.0)))
        .collect();
    grams.sort_unstable();
    grams.dedup();
    let mut entries = Vec::with_capacity(grams.len());
    let mut list = DocList::default();
    let mut end = 0u64;
    for gram in grams {
        list.count = 0;
        list.deltas.clear();
        for (file, numbers) in sources.iter().zip(&renumbered) {
            let Some(docs) = file.docs(gram) else {
                // A damaged source: the merged file names no table, so it is not read.
                return write_footer(out, &[], UNKNOWN).map_err(Into::into);
            };
            for doc in docs {
                match numbers.get(doc as usize) {
                    Some(&new) if new != DocId::MAX => list.push(new),
                    _ => {}
                }
            }
        }
        if list.count > 0 {
            let (written, count) = write_list(out, &list, next)?;
            end += written;
            entries.push((gram, count, end));
        }
    }
    write_footer(out, &entries, fingerprint)?;
    Ok(())
}

/// The gram files of a searcher's segments, opened once per searcher rather than per query
/// (a file opened for one query would be mapped and faulted in again by the next).
#[derive(Default)]
pub struct GramFiles {
    files: HashMap<tantivy::index::SegmentId, GramFile>,
}

impl GramFiles {
    pub fn open(searcher: &Searcher) -> GramFiles {
        let files = (searcher.segment_readers().iter())
            .filter_map(|r| Some((r.segment_id(), GramFile::of_segment(r)?)))
            .collect();
        GramFiles { files }
    }
}

impl std::fmt::Debug for GramFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GramFiles({} segments)", self.files.len())
    }
}

/// Whether `reader`'s segment has gram lists numbered with the table `fingerprint`.
pub fn usable(reader: &SegmentReader, fingerprint: u64) -> bool {
    GramFile::of_segment(reader).is_some_and(|f| f.fingerprint == fingerprint)
}

/// Articles of `files` holding `gram` of the table `fingerprint`.
pub fn articles(files: &GramFiles, gram: u32, fingerprint: u64) -> u64 {
    (files.files.values())
        .filter(|f| f.fingerprint == fingerprint)
        .map(|f| u64::from(f.articles(gram)))
        .sum()
}

/// The articles holding a gram. As a filter (`phrase` is `None`, one part) it narrows down
/// the articles whose word positions a phrase compares, scoring nothing. As a whole phrase of
/// two words (`phrase` is the query of their words) it is the phrase, in every part (title and
/// text, each with its boost), scored like a word found once in the part's field; in a segment
/// without usable grams, the phrase query answers instead.
#[derive(Debug)]
pub struct GramQuery {
    pub gram: u32,
    pub fingerprint: u64,
    /// Where the gram is looked for: the list bit of a field ([`TITLE`], [`TEXT`]), the field
    /// (for its lengths) and the weight of a match there.
    pub parts: Vec<(u32, Field, Score)>,
    pub phrase: Option<Box<dyn Query>>,
    pub files: std::sync::Arc<GramFiles>,
}

impl Clone for GramQuery {
    fn clone(&self) -> GramQuery {
        GramQuery {
            phrase: self.phrase.as_ref().map(|q| q.box_clone()),
            files: self.files.clone(),
            parts: self.parts.clone(),
            ..*self
        }
    }
}

impl Query for GramQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let phrase = match &self.phrase {
            Some(q) => Some(q.weight(scoring)?),
            None => None,
        };
        let mut parts = Vec::with_capacity(self.parts.len());
        for &(list, field, boost) in &self.parts {
            let bm25 = match scoring.searcher() {
                Some(searcher) if scoring.is_scoring_enabled() && phrase.is_some() => {
                    let docs = searcher.num_docs().max(1);
                    let tokens = searcher.total_num_tokens(field)?;
                    let held = articles(&self.files, self.gram | list, self.fingerprint);
                    let average = tokens as Score / docs as Score;
                    Some(Bm25Weight::for_one_term(held.min(docs), docs, average).boost_by(boost))
                }
                _ => None,
            };
            parts.push((list, field, boost, bm25));
        }
        Ok(Box::new(GramWeight {
            files: self.files.clone(),
            gram: self.gram,
            fingerprint: self.fingerprint,
            parts,
            phrase,
        }))
    }
}

struct GramWeight {
    files: std::sync::Arc<GramFiles>,
    gram: u32,
    fingerprint: u64,
    parts: Vec<(u32, Field, Score, Option<Bm25Weight>)>,
    phrase: Option<Box<dyn Weight>>,
}

impl GramWeight {
    /// The segment's gram file, or `None` when its grams are not usable.
    fn file<'a>(
        &'a self,
        reader: &SegmentReader,
        opened: &'a mut Option<GramFile>,
    ) -> Option<&'a GramFile> {
        let file = match self.files.files.get(&reader.segment_id()) {
            Some(file) => file,
            None => opened.insert(GramFile::of_segment(reader)?),
        };
        (file.fingerprint == self.fingerprint).then_some(file)
    }
}

impl Weight for GramWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut opened = None;
        let Some(file) = self.file(reader, &mut opened) else {
            return match &self.phrase {
                Some(phrase) => phrase.scorer(reader, boost),
                None => Ok(Box::new(AllScorer::new(reader.max_doc()))),
            };
        };
        if self.phrase.is_none() {
            let Some(&(list, ..)) = self.parts.first() else {
                return Ok(Box::new(EmptyScorer));
            };
            return Ok(match file.docset(self.gram | list) {
                Some(docs) => Box::new(ConstScorer::new(docs, 0.0)),
                // A damaged list: the phrase compares positions in every article.
                None => Box::new(AllScorer::new(reader.max_doc())),
            });
        }
        let mut lists = Vec::with_capacity(self.parts.len());
        let mut all = vec![0u64; bitmap_len(reader.max_doc()) / 8];
        for (list, field, weight, bm25) in &self.parts {
            let Some(docs) = file.docset(self.gram | list) else {
                return match &self.phrase {
                    Some(phrase) => phrase.scorer(reader, boost),
                    None => Ok(Box::new(EmptyScorer)),
                };
            };
            if docs.doc() == TERMINATED {
                continue;
            }
            let bits = docs.into_words(all.len());
            for (a, b) in all.iter_mut().zip(&bits) {
                *a |= b;
            }
            let (norms, scores) = match bm25 {
                Some(bm25) => {
                    let bm25 = bm25.boost_by(boost);
                    let scores = std::array::from_fn(|norm| bm25.score(norm as u8, 1));
                    (Some(reader.get_fieldnorms_reader(*field)?), scores)
                }
                None => (None, [weight * boost; 256]),
            };
            lists.push(ScoredList {
                bits,
                norms,
                scores,
            });
        }
        if lists.is_empty() {
            return Ok(Box::new(EmptyScorer));
        }
        let all = Bitmap::of_words(all, reader.max_doc());
        Ok(Box::new(GramScorer { all, lists }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not hold the gram"
            )));
        }
        Ok(Explanation::new("gram", scorer.score()))
    }
}

/// A gram's articles in one field (a bit each), each scored by the field's length (holding
/// the gram once).
struct ScoredList {
    bits: Vec<u64>,
    /// `None` when every article scores the same.
    norms: Option<FieldNormReader>,
    scores: [Score; 256],
}

/// A whole-phrase gram's articles in any of its fields, their scores summed: one bitmap of
/// them all to go through, and one per field to score by.
struct GramScorer {
    all: Bitmap,
    lists: Vec<ScoredList>,
}

impl DocSet for GramScorer {
    fn advance(&mut self) -> DocId {
        self.all.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.all.seek(target)
    }

    fn doc(&self) -> DocId {
        self.all.doc()
    }

    fn size_hint(&self) -> u32 {
        self.all.size_hint()
    }
}

impl Scorer for GramScorer {
    fn score(&mut self) -> Score {
        let doc = self.all.doc();
        let (word, bit) = (doc as usize / 64, doc % 64);
        let mut score = 0.0;
        for list in &self.lists {
            if list.bits.get(word).is_some_and(|w| w >> bit & 1 == 1) {
                let norm = list.norms.as_ref().map_or(0, |n| n.fieldnorm_id(doc));
                score += list.scores[usize::from(norm)];
            }
        }
        score
    }
}

/// The documents of a gram list.
struct ListDocSet {
    docs: Vec<DocId>,
    at: usize,
}

impl ListDocSet {
    fn new(docs: Vec<DocId>) -> ListDocSet {
        ListDocSet { docs, at: 0 }
    }
}

impl DocSet for ListDocSet {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        // Galloping: a seek in a long list is usually near.
        let rest = &self.docs[self.at..];
        let mut step = 1;
        while step < rest.len() && rest[step] < target {
            step *= 2;
        }
        let window = &rest[..(step + 1).min(rest.len())];
        self.at += window.partition_point(|&d| d < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.at) as u32
    }
}

/// The documents of a bitmap list, read a 64-bit word at a time.
struct Bitmap {
    words: Vec<u64>,
    doc: DocId,
    /// The word holding `doc` (its number), and its bits after `doc`.
    word: usize,
    rest: u64,
    count: u32,
    max_doc: DocId,
}

impl Bitmap {
    /// The documents of `bytes`, a bitmap of `max_doc` documents in little-endian words.
    fn of_bytes(bytes: &[u8], max_doc: DocId) -> Bitmap {
        let words = (bytes.chunks_exact(8))
            .map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
            .collect();
        Bitmap::of_words(words, max_doc)
    }

    /// The documents of `words`, a bitmap of `max_doc` documents.
    fn of_words(words: Vec<u64>, max_doc: DocId) -> Bitmap {
        let count = words.iter().map(|w| w.count_ones()).sum();
        let mut bitmap = Bitmap {
            words,
            doc: 0,
            word: 0,
            rest: 0,
            count,
            max_doc,
        };
        bitmap.start_at(0);
        bitmap
    }

    /// Moves to the first document from `from` on.
    fn start_at(&mut self, from: DocId) {
        self.word = from as usize / 64;
        self.rest = self.words.get(self.word).copied().unwrap_or(0) & (u64::MAX << (from % 64));
        self.settle();
    }

    /// Moves to the first set bit of `rest` or of a later word.
    fn settle(&mut self) {
        while self.rest == 0 {
            self.word += 1;
            match self.words.get(self.word) {
                Some(&next) => self.rest = next,
                None => {
                    self.doc = TERMINATED;
                    return;
                }
            }
        }
        let doc = (self.word * 64) as DocId + self.rest.trailing_zeros();
        self.rest &= self.rest - 1;
        self.doc = if doc < self.max_doc { doc } else { TERMINATED };
    }
}

impl DocSet for Bitmap {
    fn advance(&mut self) -> DocId {
        if self.doc != TERMINATED {
            self.settle();
        }
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc < target {
            match target >= self.max_doc {
                true => self.doc = TERMINATED,
                false => self.start_at(target),
            }
        }
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.count
    }
}

/// A gram list's documents.
enum ListDocs {
    Sparse(ListDocSet),
    Dense(Bitmap),
}

impl ListDocs {
    /// The documents of a list not yet gone through, as a bitmap of `words` 64-bit words.
    fn into_words(self, words: usize) -> Vec<u64> {
        match self {
            ListDocs::Dense(bitmap) if bitmap.words.len() == words => bitmap.words,
            mut docs => {
                let mut bits = vec![0u64; words];
                while docs.doc() != TERMINATED {
                    let doc = docs.doc() as usize;
                    if let Some(word) = bits.get_mut(doc / 64) {
                        *word |= 1 << (doc % 64);
                    }
                    docs.advance();
                }
                bits
            }
        }
    }
}

impl DocSet for ListDocs {
    fn advance(&mut self) -> DocId {
        match self {
            ListDocs::Sparse(d) => d.advance(),
            ListDocs::Dense(d) => d.advance(),
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        match self {
            ListDocs::Sparse(d) => d.seek(target),
            ListDocs::Dense(d) => d.seek(target),
        }
    }

    fn doc(&self) -> DocId {
        match self {
            ListDocs::Sparse(d) => d.doc(),
            ListDocs::Dense(d) => d.doc(),
        }
    }

    fn size_hint(&self) -> u32 {
        match self {
            ListDocs::Sparse(d) => d.size_hint(),
            ListDocs::Dense(d) => d.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list as written (a bitmap when smaller), nothing else.
    fn file_of(list: &DocList, max_doc: DocId) -> Vec<u8> {
        let mut file = Vec::new();
        write_list(&mut file, list, max_doc).unwrap();
        file
    }

    #[test]
    fn lists_round_trip_and_damage_is_refused() {
        let mut list = DocList::default();
        for doc in [0, 1, 200, 70_000] {
            list.push(doc);
        }
        let mut file = list.deltas.clone();
        let end = file.len() as u64;
        write_footer(&mut file, &[(5 | TEXT, 4, end)], 42).unwrap();
        let parsed = GramFile::parse(OwnedBytes::new(file.clone()), 70_001).unwrap();
        assert_eq!(parsed.docs(5 | TEXT), Some(vec![0, 1, 200, 70_000]));
        assert_eq!(parsed.articles(5 | TEXT), 4);
        assert_eq!(parsed.docs(5), Some(vec![]), "the title's gram is another");
        // A list naming a document past the segment, a truncated file, a wrong count.
        assert_eq!(
            GramFile::parse(OwnedBytes::new(file.clone()), 70_000)
                .unwrap()
                .docs(5 | TEXT),
            None
        );
        assert!(GramFile::parse(OwnedBytes::new(file[1..].to_vec()), 70_001).is_none());
        assert!(GramFile::parse(OwnedBytes::new(Vec::new()), 1).is_none());
        let mut miscounted = list.deltas.clone();
        write_footer(&mut miscounted, &[(5, 3, end)], 42).unwrap();
        let miscounted = GramFile::parse(OwnedBytes::new(miscounted), 70_001).unwrap();
        assert_eq!(miscounted.docs(5), None);
        // A list holding most of its segment is kept as a bitmap.
        let mut dense = DocList::default();
        for doc in (0..1_000).filter(|d| d % 3 != 0) {
            dense.push(doc);
        }
        let mut file = Vec::new();
        let (written, count) = write_list(&mut file, &dense, 1_000).unwrap();
        assert_eq!((written, count), (128, 666 | DENSE));
        write_footer(&mut file, &[(9, count, written)], 42).unwrap();
        let parsed = GramFile::parse(OwnedBytes::new(file), 1_000).unwrap();
        let expected: Vec<DocId> = (0..1_000).filter(|d| d % 3 != 0).collect();
        assert_eq!(parsed.docs(9), Some(expected));
        assert_eq!(parsed.articles(9), 666);
        let mut miscounted = file_of(&dense, 1_000);
        miscounted.truncate(128);
        write_footer(&mut miscounted, &[(9, 665 | DENSE, 128)], 42).unwrap();
        let miscounted = GramFile::parse(OwnedBytes::new(miscounted), 1_000).unwrap();
        assert!(
            miscounted.docset(9).is_none(),
            "a bitmap holding more than its count"
        );
        let mut docs = parsed.docset(9).unwrap();
        assert_eq!(docs.seek(300), 301);
        assert_eq!(docs.seek(998), 998);
        assert_eq!(docs.advance(), TERMINATED);
        // Varints never overflow or run past the end.
        assert_eq!(
            read_varint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], &mut 0),
            None
        );
        assert_eq!(read_varint(&[0x80], &mut 0), None);
    }
}
